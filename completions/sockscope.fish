# SPDX-License-Identifier: MIT
# fish completion for sockscope(8).  Written by hand from the option table in
# src/options.c (`sockscope --list-options`); tests/integration/docs-sync.sh
# checks that every option is here and nothing else.  Completes the commands,
# the options each command accepts, option values, and state names after
# `state` and `exclude` and for `explain`.  Column names come from
# `sockscope --list-columns` at completion time.

# The command being completed: the first word that is not an option or an
# option's argument ("list" after "--"); nothing if there is none yet.
function __sockscope_cmd
    set -l words (commandline -opc)
    set -e words[1]
    set -l skip 0
    for w in $words
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case --
                echo list
                return
            case --web.listen-address --web.telemetry-path --web.config.file --web.max-connections --query -A --family --net --backend --proc-root --host-root --cgroup-root --record --replay --format --columns --sort --group-by --watch --delay \
                --samples --interval --threshold --window --source --tracepoint-reader --count --duration
                set skip 1
            case '--*'
            case '-*'
                if string match -qr -- '^-[^-]*[NfdA]$' $w
                    set skip 1
                end
            case list top explain check events exporter kill
                echo $w
                return
            case '*'
                echo list
                return
        end
    end
end

# True if the command is one of the arguments (no command yet counts as list).
function __sockscope_cmd_is
    set -l c (__sockscope_cmd)
    test -z "$c"; and set c list
    contains -- $c $argv
end

function __sockscope_no_cmd
    test -z (__sockscope_cmd)
end

set -g __sockscope_states listen syn-sent syn-received established fin-wait-1 fin-wait-2 close-wait closing \
    last-ack time-wait closed

# True where a state name fits: for explain, and after `state` or `exclude`
# followed only by state names.
function __sockscope_want_state
    set -l c (__sockscope_cmd)
    test "$c" = explain; and return 0
    test -n "$c"; or return 1
    set -l words (commandline -opc)
    for i in (seq (count $words) -1 2)
        set -l w (string lower -- $words[$i])
        if contains -- $w state exclude
            return 0
        end
        contains -- $w $__sockscope_states; or return 1
    end
    return 1
end

function __sockscope_filter_word
    set -l c (__sockscope_cmd)
    test -n "$c"; and test "$c" != explain
end

# Column names for a comma-separated list; $argv[1] = sort: keys may start with '-'.
function __sockscope_columns
    set -l prog (commandline -opc)[1]
    set -l tok (commandline -ct | string replace -r -- '^--[a-z-]+=' '')
    set -l head (string replace -r -- '[^,]*$' '' $tok)
    set -l cols ($prog --list-columns 2>/dev/null | string split -f1 \t)
    for c in $cols
        echo $head$c
        if test "$argv[1]" = sort
            echo $head-$c
        end
    end
end

function __sockscope_netns
    ip netns list 2>/dev/null | string split -f1 ' '
end

set -l sock '__sockscope_cmd_is list top check kill'

complete -c sockscope -f

# commands
complete -c sockscope -n __sockscope_no_cmd -a list -d 'list sockets once (the default)'
complete -c sockscope -n __sockscope_no_cmd -a top -d 'a live view of sockets'
complete -c sockscope -n __sockscope_no_cmd -a explain -d 'explain the TCP states'
complete -c sockscope -n __sockscope_no_cmd -a check -d 'look for trouble, monitoring-plugin style'
complete -c sockscope -n __sockscope_no_cmd -a events -d 'every TCP state transition or lifetime, as it happens'
complete -c sockscope -n __sockscope_no_cmd -a kill -d 'end the sockets a filter matches (SOCK_DESTROY)'

# filter words and state names
complete -c sockscope -n __sockscope_want_state -a "$__sockscope_states" -d 'TCP state'
complete -c sockscope -n __sockscope_filter_word -a 'state exclude sport dport src dst' -d 'filter'

# selecting sockets and what to show (list, top, check)
complete -c sockscope -n $sock -s t -l tcp -d 'TCP sockets (the default when no kind is named)'
complete -c sockscope -n $sock -s u -l udp -d 'UDP sockets'
complete -c sockscope -n $sock -s w -l raw -d 'raw IP sockets'
complete -c sockscope -n $sock -s x -l unix -d 'UNIX domain sockets'
complete -c sockscope -n $sock -s 0 -l packet -d 'packet sockets'
complete -c sockscope -n $sock -s M -l mptcp -d 'MPTCP sockets'
complete -c sockscope -n $sock -s A -l query -x -a 'all inet tcp udp udplite raw unix unix_stream unix_dgram unix_seqpacket packet packet_raw packet_dgram netlink mptcp' -d 'socket kinds, as ss names them'
complete -c sockscope -n $sock -l family -x -a 'inet inet6 unix link netlink' -d 'sockets of this family'
complete -c sockscope -n $sock -s 4 -l ipv4 -d 'IPv4 sockets only'
complete -c sockscope -n $sock -s 6 -l ipv6 -d 'IPv6 sockets only'
complete -c sockscope -n $sock -s l -l listening -d 'only listening sockets'
complete -c sockscope -n $sock -s a -l all -d 'sockets in every state (the default)'
complete -c sockscope -n $sock -s n -l numeric -d 'show port numbers, not service names'
complete -c sockscope -n $sock -s r -l resolve -d 'resolve addresses to host names'
complete -c sockscope -n $sock -s H -l no-header -d 'do not print the header line'
complete -c sockscope -n $sock -s p -l processes -d 'show the processes owning each socket'
complete -c sockscope -n $sock -s e -l extended -d 'show user, inode, cookie, interface and shutdown'
complete -c sockscope -n $sock -s o -l options -d 'show the timer, its remaining time and retransmits'
complete -c sockscope -n $sock -s i -l info -d 'show TCP internals (tcp_info)'
complete -c sockscope -n $sock -s m -l memory -d 'show socket memory'
complete -c sockscope -n $sock -s s -l summary -d 'show counts per state and family'
complete -c sockscope -n $sock -s N -l net -x -a '(__sockscope_netns) (__fish_complete_path)' \
    -d 'inspect another network namespace'
complete -c sockscope -n $sock -l backend -x -a 'auto netlink proc' -d 'where to read sockets from'
complete -c sockscope -n $sock -l proc-root -x -a '(__fish_complete_directories)' -d 'read /proc files under DIR'
complete -c sockscope -n $sock -l all-netns -d 'every network namespace of the host'
complete -c sockscope -n $sock -l host-root -x -a '(__fish_complete_directories)' -d 'read name files under DIR'
complete -c sockscope -n $sock -l cgroup-root -x -a '(__fish_complete_directories)' -d 'the cgroup v2 mount'
complete -c sockscope -n $sock -l record -r -F -d 'save the raw netlink dump to FILE'
complete -c sockscope -n $sock -l replay -r -F -d 'read sockets from a saved dump'
complete -c sockscope -n $sock -s f -l format -x -a 'table json jsonl csv prom' -d 'output format'
complete -c sockscope -n $sock -s J -l json -d 'same as --format=json'
complete -c sockscope -n $sock -l columns -x -a '(__sockscope_columns)' -d 'columns to show, comma-separated'
complete -c sockscope -n $sock -l sort -x -a '(__sockscope_columns sort)' -d 'sort keys (- for descending)'
complete -c sockscope -n $sock -l group-by -x -a 'state process local-port remote-host remote netns container pod unit' -d 'counts per group'

# list only
complete -c sockscope -n '__sockscope_cmd_is list' -l no-legend -d 'do not print the state legend'
complete -c sockscope -n '__sockscope_cmd_is list' -l watch -x -d 'repeat the listing every SECONDS'
complete -c sockscope -n '__sockscope_cmd_is list top' -s E -l events -d 'one line per change; -E alone: the events command'

# what a table shows (list, top, kill)
complete -c sockscope -n '__sockscope_cmd_is list top kill' -s O -l oneline -d 'details as name:value words, like ss -O'
complete -c sockscope -n '__sockscope_cmd_is list top kill' -l inet-sockopt -d 'show the inet socket options set'
complete -c sockscope -n '__sockscope_cmd_is list top kill' -s T -l threads -d 'show the threads holding each socket'

# kill (and -K in list mode)
complete -c sockscope -n '__sockscope_cmd_is list kill' -s K -l kill -d 'end the matching sockets (the kill command)'
complete -c sockscope -n '__sockscope_cmd_is kill' -l yes -d 'kill without asking'
complete -c sockscope -n '__sockscope_cmd_is kill' -l dry-run -d 'show what would be killed, kill nothing'

# top only
complete -c sockscope -n '__sockscope_cmd_is top' -s d -l delay -x -d 'seconds between refreshes'
complete -c sockscope -n '__sockscope_cmd_is top' -l source -x -a 'auto tracepoint destroy poll' -d 'event source of the transitions views'
complete -c sockscope -n '__sockscope_cmd_is top' -l mount-tracefs -d 'mount tracefs if it is not mounted'
complete -c sockscope -n '__sockscope_cmd_is top' -l tracepoint-reader -x -a 'auto ftrace perf' -d 'read the tracepoint through ftrace or perf'

# check only
complete -c sockscope -n '__sockscope_cmd_is check' -l samples -x -d 'number of samples'
complete -c sockscope -n '__sockscope_cmd_is check' -l interval -x -d 'seconds between samples'
complete -c sockscope -n '__sockscope_cmd_is check' -l threshold -x \
    -a 'close-wait= accept-queue= syn-recv= time-wait= orphans= stuck-data= udp-drops= local-backlog= port-churn= failing-connects=' -d 'RULE=WARN[:CRIT]'
complete -c sockscope -n '__sockscope_cmd_is check' -l window -x -d 'watch connections for SECONDS: the rate rules'
complete -c sockscope -n '__sockscope_cmd_is check' -l mount-tracefs -d 'mount tracefs if it is not mounted'
complete -c sockscope -n '__sockscope_cmd_is check' -l tracepoint-reader -x -a 'auto ftrace perf' -d 'read the tracepoint through ftrace or perf'

# exporter only (it also takes the kind, family, -p, -N, --all-netns options)
set -l ex '__sockscope_cmd_is exporter'
complete -c sockscope -n __sockscope_no_cmd -a exporter -d 'a Prometheus exporter, with TLS and basic auth'
complete -c sockscope -n $ex -l web.listen-address -x -d 'listen here ([HOST]:PORT, repeatable)'
complete -c sockscope -n $ex -l web.telemetry-path -x -d 'the metrics path'
complete -c sockscope -n $ex -l web.config.file -r -F -d 'TLS and basic auth (exporter toolkit format)'
complete -c sockscope -n $ex -l web.systemd-socket -d 'socket activation'
complete -c sockscope -n $ex -l web.max-connections -x -d 'connections served at once'
complete -c sockscope -n $ex -l source -x -a 'auto tracepoint destroy poll' -d 'event source of the transition counters'
complete -c sockscope -n $ex -l mount-tracefs -d 'mount tracefs if it is not mounted'
complete -c sockscope -n $ex -l tracepoint-reader -x -a 'auto ftrace perf' -d 'read the tracepoint through ftrace or perf'
complete -c sockscope -n $ex -l no-events -d 'no transition counters'

# events only (it also takes -4 -6 -n -H -N -f, below for it)
set -l ev '__sockscope_cmd_is events'
complete -c sockscope -n $ev -s 4 -l ipv4 -d 'IPv4 only'
complete -c sockscope -n $ev -s 6 -l ipv6 -d 'IPv6 only'
complete -c sockscope -n $ev -s n -l numeric -d 'show port numbers'
complete -c sockscope -n $ev -s H -l no-header -d 'do not print the header line'
complete -c sockscope -n $ev -s N -l net -x -a '(__sockscope_netns) (__fish_complete_path)' \
    -d 'only the events of this network namespace'
complete -c sockscope -n $ev -s f -l format -x -a 'table jsonl csv' -d 'output format'
complete -c sockscope -n $ev -l source -x -a 'auto tracepoint destroy poll' -d 'event source'
complete -c sockscope -n $ev -l lifetimes -d 'one record per ended connection'
complete -c sockscope -n $ev -l count -x -d 'stop after N records'
complete -c sockscope -n $ev -l duration -x -d 'stop after SECONDS'
complete -c sockscope -n $ev -l mount-tracefs -d 'mount tracefs if it is not mounted'
complete -c sockscope -n $ev -l tracepoint-reader -x -a 'auto ftrace perf' -d 'read the tracepoint through ftrace or perf'

# every command; --color takes its value only as --color=WHEN
complete -c sockscope -l list-columns -d 'list the columns and exit'
complete -c sockscope -l color -d 'colorize (auto, always, never)'
complete -c sockscope -n 'string match -q -- "--color=*" (commandline -ct)' \
    -a '--color=auto --color=always --color=never'
complete -c sockscope -s h -l help -d 'show the help and exit'
complete -c sockscope -s V -l version -d 'show the version and exit'
complete -c sockscope -l list-options -d 'list every option, machine-readable, and exit'
