# SPDX-License-Identifier: MIT
# bash completion for sockscope(8).  Written by hand from the option table in
# src/options.c (`sockscope --list-options`); tests/integration/docs-sync.sh
# checks that every option is here and nothing else.  Completes the commands,
# the options each command accepts, option values (formats, back ends, colors,
# groupings, files, namespaces, columns), and state names after `state` and
# `exclude` and for `explain`.  Column names come from
# `sockscope --list-columns` at completion time.
# shellcheck shell=bash

_sockscope_states='listen syn-sent syn-received established fin-wait-1 fin-wait-2 close-wait closing last-ack
time-wait closed'
_sockscope_states=${_sockscope_states//$'\n'/ }

# Options taking an argument as a separate word (long and short forms).
_sockscope_argopts='--query -A --family --net -N --backend --proc-root --host-root --cgroup-root --record --replay --format -f --columns --sort --group-by --watch
--delay -d --samples --interval --threshold --window --source --tracepoint-reader --count --duration --web.listen-address --web.telemetry-path --web.config.file
	--web.max-connections'
_sockscope_argopts=${_sockscope_argopts//$'\n'/ }

# If word is a cluster of short options whose last one wants its argument in
# the next word (-N, -f, -d), prints that option.
_sockscope_cluster_arg()
{
	local word=$1 k ch

	[[ $word == -[!-]* ]] || return 1
	for ((k = 1; k < ${#word}; k++)); do
		ch=${word:k:1}
		case $ch in
		N | f | d)
			((k == ${#word} - 1)) && printf -- '-%s\n' "$ch"
			return 0
			;;
		esac
	done
	return 0
}

_sockscope_options()
{
	local cmd=$1
	local -a common=(--tcp -t --udp -u --raw -w --unix -x --packet -0 --mptcp -M --query -A --family --ipv4 -4 --ipv6 -6 --listening -l --all -a --numeric -n --resolve -r --no-header -H
		--processes -p --extended -e --options -o --info -i --memory -m --summary -s --net -N --all-netns --backend
		--proc-root --host-root --cgroup-root --record --replay --format -f --json -J --columns --sort --group-by)
	local -a always=(--list-columns --color --help -h --version -V --list-options)
	local -a show=(--oneline -O --inet-sockopt --threads -T)

	case $cmd in
	top) printf '%s\n' "${common[@]}" "${show[@]}" --events -E --delay -d --source --mount-tracefs --tracepoint-reader "${always[@]}" ;;
	kill) printf '%s\n' "${common[@]}" "${show[@]}" --kill -K --yes --dry-run "${always[@]}" ;;
	explain) printf '%s\n' "${always[@]}" ;;
	check) printf '%s\n' "${common[@]}" --samples --interval --threshold --window --mount-tracefs --tracepoint-reader "${always[@]}" ;;
	events) printf '%s\n' --ipv4 -4 --ipv6 -6 --numeric -n --no-header -H --net -N --format -f --source --lifetimes \
		--count --duration --mount-tracefs --tracepoint-reader "${always[@]}" ;;
	exporter) printf '%s\n' --tcp -t --udp -u --raw -w --unix -x --packet -0 --mptcp -M --query -A --family --ipv4 -4 \
		--ipv6 -6 --processes -p --net -N --all-netns --host-root --cgroup-root --backend --threshold \
		--web.listen-address --web.telemetry-path --web.config.file --web.systemd-socket --web.max-connections \
		--source --mount-tracefs --tracepoint-reader --no-events "${always[@]}" ;;
	*) printf '%s\n' "${common[@]}" "${show[@]}" --kill -K --no-legend --watch --events -E "${always[@]}" ;;
	esac
}

# Completes a comma-separated list of column names; --sort keys may start with '-'.
_sockscope_column_list()
{
	local cur=$1 sort=$2 prog=$3
	local head='' last=$cur sign='' cols c
	local -a out=()

	if [[ $cur == *,* ]]; then
		head=${cur%,*},
		last=${cur##*,}
	fi
	if [[ $sort == 1 && $last == -* ]]; then
		sign=-
		last=${last#-}
	fi
	cols=$("$prog" --list-columns 2>/dev/null | cut -f1)
	for c in $cols; do
		[[ $c == "$last"* ]] && out+=("$head$sign$c")
	done
	COMPREPLY=("${out[@]}")
	compopt -o nospace 2>/dev/null
}

_sockscope_netns()
{
	local cur=$1
	local -a out=()
	local ns

	if [[ $cur == /* || $cur == .* ]]; then
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
	fi
	for ns in $(ip netns list 2>/dev/null | cut -d' ' -f1); do
		[[ $ns == "$cur"* ]] && out+=("$ns")
	done
	COMPREPLY=("${out[@]}")
}

# Completes the value of option $1 with the word $2.  Returns 1 if $1 takes none.
_sockscope_value()
{
	local opt=$1 cur=$2 prog=$3

	case $opt in
	--format | -f) mapfile -t COMPREPLY < <(compgen -W 'table json jsonl csv prom' -- "$cur") ;;
	--backend) mapfile -t COMPREPLY < <(compgen -W 'auto netlink proc' -- "$cur") ;;
	--source) mapfile -t COMPREPLY < <(compgen -W 'auto tracepoint destroy poll' -- "$cur") ;;
	--tracepoint-reader) mapfile -t COMPREPLY < <(compgen -W 'auto ftrace perf' -- "$cur") ;;
	--query | -A) mapfile -t COMPREPLY < <(compgen -W 'all inet tcp udp udplite raw unix unix_stream unix_dgram unix_seqpacket packet packet_raw packet_dgram netlink mptcp' -- "$cur") ;;
	--family) mapfile -t COMPREPLY < <(compgen -W 'inet inet6 unix link netlink' -- "$cur") ;;
	--color) mapfile -t COMPREPLY < <(compgen -W 'auto always never' -- "$cur") ;;
	--group-by) mapfile -t COMPREPLY < <(compgen -W 'state process local-port remote-host remote netns container pod unit' -- "$cur") ;;
	--proc-root | --host-root | --cgroup-root)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		;;
	--record | --replay)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		;;
	--net | -N) _sockscope_netns "$cur" ;;
	--columns) _sockscope_column_list "$cur" 0 "$prog" ;;
	--sort) _sockscope_column_list "$cur" 1 "$prog" ;;
	--threshold)
		if [[ $cur != *=* ]]; then
			local rules='close-wait accept-queue syn-recv time-wait orphans stuck-data udp-drops local-backlog port-churn
				failing-connects'
			mapfile -t COMPREPLY < <(compgen -S = -W "$rules" -- "$cur")
			compopt -o nospace 2>/dev/null
		fi
		;;
	--watch | --delay | -d | --samples | --interval | --window | --count | --duration) COMPREPLY=() ;;
	*) return 1 ;;
	esac
	return 0
}

_sockscope()
{
	local cur prev words cword split=false
	local prog=${COMP_WORDS[0]}
	local cmd='' i w a skip=false after_dd=false

	if declare -F _init_completion >/dev/null; then
		_init_completion -s -n : || return
	else
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		if [[ $cur == = ]]; then
			cur=''
		elif [[ $prev == = && $COMP_CWORD -ge 2 ]]; then
			prev=${COMP_WORDS[COMP_CWORD - 2]}
			split=true
		fi
	fi

	# the command: the first word that is not an option or an option's argument
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		if $skip; then
			skip=false
			continue
		fi
		case $w in
		--)
			after_dd=true
			cmd=list
			break
			;;
		--*=*) ;;
		-*)
			for a in $_sockscope_argopts; do
				[[ $w == "$a" ]] && skip=true
			done
			# a cluster ending in a short option with an argument: -tnN, -tf
			[[ -n $(_sockscope_cluster_arg "$w") ]] && skip=true
			;;
		*)
			case $w in
			list | top | explain | check | events | exporter | kill) cmd=$w ;;
			*) cmd=list ;;
			esac
			break
			;;
		esac
	done

	if [[ $prev == -* ]] && ! $after_dd; then
		if [[ $prev == --color ]] && ! $split; then
			: # --color takes its value only as --color=WHEN
		elif _sockscope_value "$prev" "$cur" "$prog"; then
			return
		fi
	fi
	if ! $after_dd; then
		w=$(_sockscope_cluster_arg "$prev")
		[[ -n $w ]] && _sockscope_value "$w" "$cur" "$prog" && return
	fi

	if [[ $cur == -* ]] && ! $after_dd; then
		mapfile -t COMPREPLY < <(compgen -W "$(_sockscope_options "$cmd")" -- "$cur")
		# long options with a required argument: no space, so that '=' can follow
		if [[ ${#COMPREPLY[@]} -eq 1 && " $_sockscope_argopts " == *" ${COMPREPLY[0]} "* && $cur == --* ]]; then
			COMPREPLY=("${COMPREPLY[0]}=")
			compopt -o nospace 2>/dev/null
		fi
		return
	fi

	if [[ -z $cmd ]]; then
		mapfile -t COMPREPLY < <(compgen -W "list top explain check events exporter kill state exclude" -- "$cur")
		return
	fi
	if [[ $cmd == explain ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$_sockscope_states" -- "$cur")
		return
	fi
	# filter words: state names after `state` or `exclude` and the state names that follow it
	local states=" $_sockscope_states "
	for ((i = cword - 1; i > 0; i--)); do
		w=${words[i],,}
		if [[ $w == state || $w == exclude ]]; then
			# after one state or more, the expression may start
			((i < cword - 1)) && w='sport dport src dst' || w=''
			mapfile -t COMPREPLY < <(compgen -W "$_sockscope_states $w" -- "$cur")
			return
		fi
		[[ $states == *" $w "* ]] || break
	done
	mapfile -t COMPREPLY < <(compgen -W "state exclude sport dport src dst" -- "$cur")
} && complete -F _sockscope sockscope
