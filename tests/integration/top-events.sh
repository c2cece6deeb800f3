#!/bin/bash
# SPDX-License-Identifier: MIT
#
# top-events.sh: top's transitions view (t) and recently closed view (c),
# driven through tmux (120x40) in a private network namespace while a small
# python3 load makes N short connections (the client closes first) and R
# refused ones.  With the tracepoint source the totals on screen must equal
# what the load made: CLOSED -> SYN-SENT = N + R, SYN-SENT -> ESTABLISHED,
# ESTABLISHED -> FIN-WAIT-1, FIN-WAIT-1 -> FIN-WAIT-2, FIN-WAIT-2 -> CLOSED (the
# time-wait handoff), ESTABLISHED -> CLOSE-WAIT, CLOSE-WAIT -> LAST-ACK,
# LAST-ACK -> CLOSED = N each, SYN-SENT -> CLOSED = R; opens, ends and closers
# likewise, 0 samples lost; a steady load shows a rate.  The recently closed
# rows carry the load's ports, how each ended and the states it went through;
# top's filter narrows them.  Then tiny terminals and resizing in both views,
# the destroy source (--source=destroy) and no source (--source=poll: a
# notice, never a failure).  When `sockscope events --source=tracepoint`
# cannot run here, the exact counts are skipped with a message and the rest
# runs on whatever source top found.
# Needs tmux, python3 and ip (exit 77 when missing) and root (exit 77).
# TOP_KEEP=1 keeps the work directory; NS_PREFIX names the namespace.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

for c in tmux python3 ip; do
	command -v "$c" >/dev/null 2>&1 || skip "needs $c"
done
need_root
[[ -x $SOCKSCOPE ]] || { echo "top-events: SOCKSCOPE is not executable: $SOCKSCOPE" >&2; exit 1; }

ns="${NS_PREFIX:-ss}-topev-$$"
sock="topev-$$"
tmp=$(mktemp -d /tmp/sockscope-topev.XXXXXX)
cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null
	ip netns delete "$ns" 2>/dev/null
	if [[ ${TOP_KEEP:-0} = 1 ]]; then echo "top-events: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
ip netns add "$ns" 2>/dev/null || skip "cannot create network namespaces here"
ip -n "$ns" link set lo up
inns() { ip netns exec "$ns" "$@"; }

utf8=
for l in C.UTF-8 C.utf8 en_US.UTF-8; do
	if locale -a 2>/dev/null | grep -qix "${l}"; then utf8=$l; break; fi
done
export LC_ALL=${utf8:-C}

# `ip netns exec` mounts a fresh /sys: tracefs is there only with --mount-tracefs
tp=1
if ! inns "$SOCKSCOPE" events --mount-tracefs --source=tracepoint --duration=0.1 >/dev/null 2>"$tmp/probe"; then
	tp=0
	echo "top-events: the tracepoint source is unavailable here ($(head -c 200 "$tmp/probe")):" \
		"the exact transition counts are skipped"
fi

# ---- the load -----------------------------------------------------------------
# N connections to BASE, the client closing first, then R refused (BASE+1);
# the process stays a while: the feed attributes events to the namespace
# by the task that fired them, read from /proc when it drains.
cat >"$tmp/load.py" <<'PY'
import json, socket, sys, time
n, refused, base, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", base)); l.listen(128)
time.sleep(1.2)                       # a refresh sees the listener
ports = []
for i in range(n):
    c = socket.create_connection(("127.0.0.1", base))
    s, _ = l.accept()
    ports.append(c.getsockname()[1])
    c.sendall(b"q" * 10); s.recv(100); s.sendall(b"r" * 5); c.recv(100)
    c.close(); time.sleep(0.005); s.close()
nref = 0
for i in range(refused):
    c = socket.socket()
    try:
        c.connect(("127.0.0.1", base + 1))
    except ConnectionRefusedError:
        nref += 1
    c.close()
json.dump({"ports": ports, "refused": nref}, open(out + ".tmp", "w"))
time.sleep(2.5)
l.close()
import os; os.rename(out + ".tmp", out)
PY
# a steady trickle for the rate: one connection every 0.1 s for SECONDS
cat >"$tmp/trickle.py" <<'PY'
import socket, sys, time
base, secs = int(sys.argv[1]), float(sys.argv[2])
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", base)); l.listen(128)
end = time.monotonic() + secs
while time.monotonic() < end:
    c = socket.create_connection(("127.0.0.1", base)); s, _ = l.accept()
    c.close(); s.close(); time.sleep(0.1)
time.sleep(1)
PY

# ---- top in tmux ------------------------------------------------------------------
T() { tmux -L "$sock" "$@"; }
sess=0
cap() { T capture-pane -p -t "top$sess"; }
keys() { T send-keys -t "top$sess" "$@"; }
waitfor() { # waitfor REGEX [tenths]
	local i
	for ((i = 0; i < ${2:-50}; i++)); do
		cap | grep -qE -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
gone() {
	local i
	for ((i = 0; i < ${2:-50}; i++)); do
		cap | grep -qE -- "$1" || return 0
		sleep 0.1
	done
	return 1
}
start_top() { # start_top ARGS...: top in the namespace, in a new session
	sess=$((sess + 1))
	rm -f "$tmp/rc"
	cat >"$tmp/run$sess.sh" <<EOF
#!/bin/bash
ip netns exec $ns "$SOCKSCOPE" top -d 0.5 $* 2>$tmp/err$sess
echo \$? >$tmp/rc
echo SHELL-BACK
exec sleep 600
EOF
	chmod +x "$tmp/run$sess.sh"
	T new-session -d -s "top$sess" -x 120 -y 40 "$tmp/run$sess.sh"
}
quit_top() { # quit_top LABEL: q, then exit status 0
	keys q
	for _ in $(seq 50); do [[ -s $tmp/rc ]] && break; sleep 0.1; done
	check "$1: q exits with status 0 (got $(cat "$tmp/rc" 2>/dev/null))" test "$(cat "$tmp/rc" 2>/dev/null)" = 0
	check "$1: nothing on stderr" test ! -s "$tmp/err$sess"
}
# the total at the end of a line of the transitions view: total REGEX
total() { cap | grep -E -- "$1" | head -1 | sed -E "s/.*$1 +[0-9]+\.[0-9] +([0-9]+).*/\1/"; }

start_top --mount-tracefs
check "top draws its header" waitfor '^LISTEN +[0-9]+'
keys t
check "t opens the transitions view, scope and source named" \
	waitfor '^ Transitions  scope: this namespace  source: (tracepoint via (ftrace|perf)|destroy) '
src=$(cap | grep -oE 'source: (tracepoint via [a-z]+|destroy)' | head -1 | sed 's/source: //')
if [[ $tp = 1 ]]; then
	check "with the tracepoint available, top uses it through ftrace (got $src)" test "$src" = "tracepoint via ftrace"
fi
check "the footer says how to go back" waitfor '^q quit  \? help  t back to sockets'
check "the pairs and the counters have headings" waitfor '^Old state +New state +/s +Total +Connections +/s +Total'

N=25 R=4 base=7600
inns python3 "$tmp/load.py" "$N" "$R" "$base" "$tmp/load.json" &
loader=$!
if [[ $src = tracepoint* ]]; then
	pair() { # pair OLD NEW COUNT: the total shown for OLD -> NEW reaches COUNT
		local re="^$1 +-> $2"
		if waitfor "$re +[0-9]+\.[0-9] +$3( |\$)" 100; then ok; else
			bad "transitions: $1 -> $2 total $3 (shown: $(total "$re"))"
		fi
	}
	pair CLOSED SYN-SENT $((N + R))
	pair SYN-SENT ESTABLISHED "$N"
	pair ESTABLISHED FIN-WAIT-1 "$N"
	pair FIN-WAIT-1 FIN-WAIT-2 "$N"
	pair FIN-WAIT-2 CLOSED "$N"
	pair ESTABLISHED CLOSE-WAIT "$N"
	pair CLOSE-WAIT LAST-ACK "$N"
	pair LAST-ACK CLOSED "$N"
	pair SYN-SENT CLOSED "$R"
	pair CLOSED LISTEN 1
	counter() { # counter NAME COUNT
		if waitfor "$1 +[0-9]+\.[0-9] +$2( |\$)" 100; then ok; else
			bad "transitions: $1 total $2 (shown: $(total "$1"))"
		fi
	}
	counter "opened actively" $((N + R))
	counter "opened passively" "$N"
	counter "  normal" $((2 * N))
	counter "  refused" "$R"
	counter "  reset" 0
	counter "closer active" "$N"
	counter "closer passive" "$N"
	counter "lost samples" 0
	check "no LOST on the status line" bash -c "! tmux -L '$sock' capture-pane -p -t 'top$sess' | grep -q LOST"
	check "no pair other than the load's (13 rows at most)" \
		test "$(cap | grep -cE '^[A-Z-]+ +-> [A-Z-]+ ')" -le 13
else
	echo "top-events: source $src: the exact transition counts are skipped"
	check "destroy source: closes are counted" waitfor "(^| )closed +[0-9]+\.[0-9] +([2-9][0-9]|1[0-9][0-9])( |\$)" 100
	check "destroy source: the view says it sees closes only" waitfor 'destroy groups: closes only'
fi
wait "$loader"
check "the load made its connections" test -s "$tmp/load.json"
mapfile -t ports < <(python3 -c 'import json,sys; print(*json.load(open(sys.argv[1]))["ports"], sep="\n")' "$tmp/load.json")
check "the load made $N connections (${#ports[@]})" test "${#ports[@]}" = "$N"

# ---- recently closed --------------------------------------------------------------
keys c
check "c opens the recently closed view, scope and source named" \
	waitfor "^ Recently closed  scope: this namespace  source: $src  [0-9]+ shown of [0-9]+ kept"
check "its columns have headings" waitfor '^ Closed +Local +Remote +Duration +End +Op/Cl +Process +Bytes out/in +States'
if [[ $src = tracepoint* ]]; then
	check "the refused connections are the newest rows" \
		waitfor "^ [0-9:]{8} 127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:$((base + 1)) +[0-9.]+ms +refused +act/- +.*CL>SS>CL"
	check "$R refused rows" test "$(cap | grep -cE "127\.0\.0\.1:$((base + 1)) .* refused ")" = "$R"
	last=${ports[$((N - 1))]}
	for p in "${ports[@]: -5}"; do
		check "client port $p: normal end, active open and close, its states" \
			waitfor "^ [0-9:]{8} 127\.0\.0\.1:$p +127\.0\.0\.1:$base +[0-9.]+m?s +normal +act/act +.*CL>SS>ES>FW1>FW2>CL"
		check "server side of port $p: normal end, passive open and close" \
			waitfor "^ [0-9:]{8} 127\.0\.0\.1:$base +127\.0\.0\.1:$p +[0-9.]+m?s +normal +pas/pas +.*>ES>CW>LA>CL"
	done
	check "the client's process is named" \
		waitfor "127\.0\.0\.1:$last +127\.0\.0\.1:$base .* act/act +(python3\[[0-9]+\]|pid [0-9]+) "
	# top's filter applies to the closed connections
	keys / C-u "dport = :$((base + 1))" Enter
	check "filtered: only the $R refused connections" waitfor "^ Recently closed .*  $R shown of [0-9]+ kept  \(filtered\)"
	check "filtered: no normal row" bash -c "! tmux -L '$sock' capture-pane -p -t 'top$sess' | grep -qE ' normal '"
	keys / C-u "process python3" Enter
	check "a filter on processes is not applied to closed connections" waitfor "^ Recently closed .*\(not filtered\)"
	check "and the view says so" waitfor "^ the filter is not applied here: it needs processes or namespaces"
	keys / C-u Enter
	check "the filter cleared: every row back" waitfor "^ Recently closed .*  ([3-9][0-9]|1[0-9][0-9]) shown of"
fi

# ---- a rate ---------------------------------------------------------------------------
if [[ $src = tracepoint* ]]; then
	keys t
	inns python3 "$tmp/trickle.py" $((base + 2)) 4 &
	trickle=$!
	check "a steady ~10 connections/s shows as a rate of CLOSED -> SYN-SENT" \
		waitfor '^CLOSED +-> SYN-SENT +([3-9]|1[0-9])\.[0-9] ' 60
	check "and as opens per second" waitfor 'opened actively +([3-9]|1[0-9])\.[0-9] ' 30
	wait "$trickle"
	check "idle again: the rate falls to 0.0, the total stays" waitfor '^CLOSED +-> SYN-SENT +0\.0 +[0-9]+' 40
	keys t
fi

# ---- small terminals ------------------------------------------------------------------
for v in c t; do
	keys "$v"
	T resize-window -t "top$sess" -x 20 -y 5
	check "view $v at 20x5: too small" waitfor 'terminal too small'
	T resize-window -t "top$sess" -x 21 -y 6
	check "view $v at 21x6: the footer" waitfor '^q quit'
	T resize-window -t "top$sess" -x 40 -y 12
	check "view $v at 40x12: the bar" waitfor '^ (Transitions|Recently) '
	keys Down Down Down PageDown End Home Up
	T resize-window -t "top$sess" -x 120 -y 40
	check "view $v back at 120x40: the bar" waitfor '^ (Transitions|Recently closed)  scope: '
	keys "$v"
	check "view $v: the same key goes back to the sockets" waitfor '^q quit  \? help  / filter'
done
keys '?'
check "the help opens" waitfor 'sockscope top: keys' || cap >&2
check "the help lists t" waitfor '  t +transitions: rate'
check "the help lists c" waitfor '  c +recently closed connections'
keys x
quit_top "tracepoint/auto"

# ---- the destroy source, and none ----------------------------------------------------------
start_top --source=destroy
check "--source=destroy: top starts" waitfor '^q quit'
keys t
check "--source=destroy: the view names it" waitfor '^ Transitions  scope: this namespace  source: destroy '
inns python3 "$tmp/load.py" 5 0 $((base + 3)) "$tmp/load2.json"
check "--source=destroy: closes counted" waitfor "(^| )closed +[0-9]+\.[0-9] +([1-9][0-9]*)( |\$)" 60
keys c
check "--source=destroy: closed rows of the load" waitfor "127\.0\.0\.1:$((base + 3)) " 30
quit_top "destroy"

start_top --source=poll
check "--source=poll: the status line says why there are no rates" waitfor 'no transition rates: --source=poll'
check "--source=poll: the sockets are shown as ever" waitfor '^LISTEN +[0-9]+'
keys t
check "--source=poll: the view says rates are unavailable, and why" waitfor 'rates unavailable; top runs on snapshots only'
check "--source=poll: the reason under it" waitfor '^   no transition rates: --source=poll'
keys c
check "--source=poll: so does the closed view" waitfor '^ Recently closed  scope: this namespace  source: none'
check "the notice is said once: gone from the status line after a key" \
	gone 'every 0\.5s.*no transition rates|no transition rates.*every 0\.5s'
quit_top "poll"

finish
