#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmark runner: sockscope side by side with ss, netstat, lsof, jc and the
# floor programs, on 10k / 100k / 300k TCP sockets built by popgen inside a
# private network namespace.  For each size it creates the namespace, starts
# popgen, waits for READY, checks the population with floor-dump and ss, then
# times every command several times in interleaved (rotating) order with the
# `measure` helper run inside the namespace (so `ip netns exec` itself is not
# timed): wall-clock median, peak RSS, CPU.  A command slower than --slow
# seconds runs once; one slower than --cap seconds is killed and skipped at
# the larger sizes.  At --top-size sockets it also measures the CPU use of
# `sockscope top -d 1` in a tmux pane.  It writes a Markdown report (stdout or
# --out FILE) and the raw runs (FILE.raw.tsv beside it, or in the temp dir).
# Needs root (exits 77 otherwise).  Not part of the default test suite;
# `--smoke` is a quick (< 60 s) run at 10k sockets, one run each.
# The socket kinds (issue 12): for each of --kind-sizes N, another namespace
# holds N TCP + N UDP + N UNIX sockets, where `sockscope -u`, `-x` and
# `-A tcp,udp,unix` run side by side with `ss -uan`, `-xan`, `-A ... -an`,
# the floors of each kind (`floor-dump --udp`, `--unix`) and the TCP listing
# (`sockscope -n`, `ss -tan`, `floor-dump`); `--kinds-smoke` is that alone at
# 10k, one run each (< 2 min).  --sizes '' or --kind-sizes '' skips a part.
#
#   tests/bench/run.sh [--sizes 10000,100000,300000] [--kind-sizes 10000,100000]
#                      [--runs 5] [--out FILE.md]
#                      [--cap 180] [--slow 15] [--top-size 100000] [--top-secs 20]
#                      [--churn RATE] [--smoke] [--kinds-smoke] [--strict]
# --strict: exit 1 when a sockscope command fails (not when it is absent).
# Environment: SOCKSCOPE (default build/src/sockscope), BENCH_BIN (directory
# holding popgen, floor-dump, floor-fdwalk, measure; default the meson build
# dir if it has them, else they are compiled with cc into the temp dir).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

sizes=10000,100000,300000
kind_sizes=10000,100000
runs=5
out=
cap=180
slow=15
top_size=100000
top_secs=20
churn=0
smoke=0
strict=0

usage() {
	sed -n '/^#   tests/,/^# Environment/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
while (($#)); do
	case $1 in
	--sizes) sizes=$2; shift 2 ;;
	--kind-sizes) kind_sizes=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--cap) cap=$2; shift 2 ;;
	--slow) slow=$2; shift 2 ;;
	--top-size) top_size=$2; shift 2 ;;
	--top-secs) top_secs=$2; shift 2 ;;
	--churn) churn=$2; shift 2 ;;
	--smoke) smoke=1; shift ;;
	--kinds-smoke) smoke=2; shift ;;
	--strict) strict=1; shift ;;
	-h | --help) usage ;;
	*) echo "run.sh: unknown argument $1" >&2; usage ;;
	esac
done
if ((smoke == 1)); then
	sizes=10000 kind_sizes='' runs=1 cap=20 slow=5 top_size=10000 top_secs=4
elif ((smoke == 2)); then
	sizes='' kind_sizes=10000 runs=1 cap=20 slow=5
fi
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --runs must be a positive number" >&2; exit 2; }

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: run.sh needs root (network namespaces)"
	exit 77
fi
command -v ip >/dev/null || { echo "SKIP: ip (iproute2) not installed"; exit 77; }

t_start=$(date +%s)
tmp=$(mktemp -d /tmp/sockscope-bench.XXXXXX)
ns=
popgen_pid=
tmux_sock=sockscope-bench-$$
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	if [ -n "$popgen_pid" ]; then
		kill -TERM "$popgen_pid" 2>/dev/null || true
		wait "$popgen_pid" 2>/dev/null || true
	fi
	tmux -L "$tmux_sock" kill-server 2>/dev/null || true
	[ -z "$ns" ] || ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the programs -----------------------------------------------------------
SOCKSCOPE=${SOCKSCOPE:-$root/build/src/sockscope}
bin=${BENCH_BIN:-}
if [ -z "$bin" ]; then
	for d in "${BUILD_ROOT:-/nonexistent}/tests/bench" "$root/build/tests/bench"; do
		if [ -x "$d/popgen" ] && [ -x "$d/floor-dump" ] && [ -x "$d/floor-fdwalk" ] && [ -x "$d/measure" ]; then
			bin=$d
			break
		fi
	done
fi
if [ -z "$bin" ]; then
	bin=$tmp/bin
	mkdir -p "$bin"
	cc=${CC:-cc}
	cflags=(-std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra)
	"$cc" "${cflags[@]}" -o "$bin/popgen" "$here/popgen.c"
	"$cc" "${cflags[@]}" -o "$bin/measure" "$here/measure.c"
	"$cc" "${cflags[@]}" -o "$bin/floor-fdwalk" "$here/floor-fdwalk.c" "$here/floorlib.c"
	# shellcheck disable=SC2046
	"$cc" "${cflags[@]}" $(pkg-config --cflags libmnl) -o "$bin/floor-dump" "$here/floor-dump.c" \
		"$here/floorlib.c" $(pkg-config --libs libmnl)
fi
if [ -n "$out" ]; then
	raw=${out%.md}.raw.tsv
else
	raw=$tmp/raw.tsv
fi
: >"$raw"
report=$tmp/report.md
notes=$tmp/notes

# --- the commands -----------------------------------------------------------
# id;label;command;floor id;ss id of the same job.  A command with a pipe runs
# through `sh -c`; the others are split on blanks and exec'd directly.
# jc 1.22's ss parser needs the Netid column, which ss prints only when more
# than one socket table is asked for: hence -u (the namespace has no UDP).
# @SSC@ is the sockscope binary, @BIN@ the floor directory, @PORT@ the port
# only one socket has.
cmds=(
	"floor;floor-dump;@BIN@/floor-dump;;"
	"floor_i;floor-dump --info;@BIN@/floor-dump --info;;"
	"floor_p;floor-dump -p;@BIN@/floor-dump -p;;"
	"fdwalk;floor-fdwalk;@BIN@/floor-fdwalk;;"
	"cat;cat /proc/net/tcp /proc/net/tcp6;cat /proc/net/tcp /proc/net/tcp6;;"
	"sc_n;sockscope -n;@SSC@ -n;floor;ss_n"
	"sc_p;sockscope -n -p;@SSC@ -n -p;floor_p;ss_p"
	"sc_i;sockscope -n -i;@SSC@ -n -i;floor_i;ss_i"
	"sc_json;sockscope -n --format=json;@SSC@ -n --format=json;floor;jc"
	"sc_proc;sockscope -n --backend=proc;@SSC@ -n --backend=proc;cat;ns_n"
	"sc_f;sockscope -n sport = :@PORT@;@SSC@ -n sport = :@PORT@;sc_n;ss_f"
	"sc_sort;sockscope -n --sort=-recv_q,local;@SSC@ -n --sort=-recv_q,local;sc_n;"
	"sc_group;sockscope -n --group-by=remote-host;@SSC@ -n --group-by=remote-host;sc_n;"
	"ss_n;ss -tan;ss -tan;floor;"
	"ss_p;ss -tanp;ss -tanp;floor_p;"
	"ss_i;ss -tani;ss -tani;floor_i;"
	"ss_f;ss -tan sport = :@PORT@;ss -tan sport = :@PORT@;ss_n;"
	"ns_n;netstat -tan;netstat -tan;cat;"
	"ns_p;netstat -tanp;netstat -tanp;floor_p;"
	"lsof;lsof -nPi tcp;lsof -nPi tcp;floor_p;"
	"jc;ss -tuan | jc --ss;ss -tuan | jc --ss;floor;"
)
# The kinds part (issue 12), in the namespace with N TCP + N UDP + N UNIX
# sockets.  k_fsum is not a command: the sum of the medians of the three
# floors, the floor of `-A tcp,udp,unix`.
kcmds=(
	"k_floor;floor-dump;@BIN@/floor-dump;;"
	"k_floor_u;floor-dump --udp;@BIN@/floor-dump --udp;;"
	"k_floor_x;floor-dump --unix;@BIN@/floor-dump --unix;;"
	"k_floor_A;floor-dump --tcp --udp --unix;@BIN@/floor-dump --tcp --udp --unix;;"
	"k_sc_n;sockscope -n;@SSC@ -n;k_floor;k_ss_n"
	"k_sc_u;sockscope -u -n;@SSC@ -u -n;k_floor_u;k_ss_u"
	"k_sc_x;sockscope -x -n;@SSC@ -x -n;k_floor_x;k_ss_x"
	"k_sc_A;sockscope -A tcp,udp,unix -n;@SSC@ -A tcp,udp,unix -n;k_fsum;k_ss_A"
	"k_sc_all;sockscope -A all -n;@SSC@ -A all -n;k_fsum;k_ss_all"
	"k_ss_n;ss -tan;ss -tan;k_floor;"
	"k_ss_u;ss -uan;ss -uan;k_floor_u;"
	"k_ss_x;ss -xan;ss -xan;k_floor_x;"
	"k_ss_A;ss -A tcp,udp,unix -an;ss -A tcp,udp,unix -an;k_fsum;"
	"k_ss_all;ss -A all -an;ss -A all -an;k_fsum;"
)
declare -A label cmd floor sseq
ids=() kids=()
for c in "${cmds[@]}" "${kcmds[@]}"; do
	IFS=';' read -r id l x f s <<<"$c"
	if [[ $id == k_* ]]; then kids+=("$id"); else ids+=("$id"); fi
	label[$id]=$l cmd[$id]=$x floor[$id]=$f sseq[$id]=$s
done
label[k_fsum]="sum of the three floors"

declare -A skip_all # id -> reason, for every size

have() { command -v "$1" >/dev/null 2>&1; }
have netstat || { skip_all[ns_n]="netstat not installed (Debian package net-tools)"; skip_all[ns_p]=${skip_all[ns_n]}; }
have lsof || skip_all[lsof]="lsof not installed (Debian package lsof)"
have jc || skip_all[jc]="jc not installed (Debian package jc)"
have ss || for i in ss_n ss_p ss_i ss_f jc k_ss_n k_ss_u k_ss_x k_ss_A k_ss_all; do
	skip_all[$i]="ss not installed (Debian package iproute2)"
done
sc_version=$("$SOCKSCOPE" --version 2>/dev/null | head -n 1) || sc_version=
if [ ! -x "$SOCKSCOPE" ]; then
	for i in sc_n sc_p sc_i sc_json sc_proc sc_f sc_sort sc_group k_sc_n k_sc_u k_sc_x k_sc_A k_sc_all; do
		skip_all[$i]="n/a: $SOCKSCOPE not built"
	done
fi

expand() { # id port -> the command line
	local c=${cmd[$1]}
	c=${c//@SSC@/$SOCKSCOPE}
	c=${c//@BIN@/$bin}
	c=${c//@PORT@/$2}
	printf '%s' "$c"
}

# run_measure ID PORT [extra measure options]: prints measure's line
run_measure() {
	local id=$1 port=$2 c
	shift 2
	c=$(expand "$id" "$port")
	if [[ $c == *'|'* ]]; then
		ip netns exec "$ns" "$bin/measure" -t "$cap" -e "$tmp/err.$id" "$@" -c "$c"
	else
		local -a argv
		read -r -a argv <<<"$c"
		ip netns exec "$ns" "$bin/measure" -t "$cap" -e "$tmp/err.$id" "$@" -- "${argv[@]}"
	fi
}

median() { # median FORMAT < numbers, one a line; prints nothing for none
	sort -g | awk -v f="$1" '{a[NR] = $1} END {if (NR) printf f, NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

field() { # field NAME LINE
	local re="(^| )$1=([^ ]*)"
	[[ $2 =~ $re ]] && printf '%s' "${BASH_REMATCH[2]}"
}

# --- sockscope top ----------------------------------------------------------
descendant_named() { # pid name -> a descendant of pid (or pid) with that comm
	ps -e -o pid=,ppid=,comm= | awk -v root="$1" -v name="$2" '
		{ pid[NR] = $1; ppid[NR] = $2; comm[NR] = $3 }
		END {
			tree[root] = 1
			for (more = 1; more;) {
				more = 0
				for (i = 1; i <= NR; i++)
					if (!(pid[i] in tree) && (ppid[i] in tree)) { tree[pid[i]] = 1; more = 1 }
			}
			for (i = 1; i <= NR; i++)
				if ((pid[i] in tree) && comm[i] == name) { print pid[i]; found = 1; exit }
		}
		END { exit !found }'
}

ticks() { # utime + stime of a pid, in clock ticks
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	# shellcheck disable=SC2086
	set -- $s
	echo $((${12} + ${13}))
}

measure_top() { # size
	local size=$1 pane pid t1 t2 hz pct hwm
	if ! have tmux; then
		echo "- \`sockscope top\`: not measured: tmux not installed" >>"$notes"
		return
	fi
	if ! ip netns exec "$ns" "$SOCKSCOPE" top --help >/dev/null 2>&1; then
		echo "- \`sockscope top\`: not measured: \`sockscope top --help\` fails (not implemented yet?)" >>"$notes"
		return
	fi
	tmux -L "$tmux_sock" -f /dev/null new-session -d -x 200 -y 50 \
		"ip netns exec $ns $SOCKSCOPE top -d 1; sleep 600"
	pane=$(tmux -L "$tmux_sock" display-message -p '#{pane_pid}')
	pid=
	for _ in $(seq 50); do
		pid=$(descendant_named "$pane" sockscope) && break
		sleep 0.1
	done
	if [ -z "$pid" ]; then
		echo "- \`sockscope top\`: not measured: the process did not start" >>"$notes"
		tmux -L "$tmux_sock" kill-server 2>/dev/null || true
		return
	fi
	sleep 2 # past the first refresh
	hz=$(getconf CLK_TCK)
	t1=$(ticks "$pid") || t1=
	sleep "$top_secs"
	t2=$(ticks "$pid") || t2=
	hwm=$(awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status" 2>/dev/null) || hwm=
	tmux -L "$tmux_sock" kill-server 2>/dev/null || true
	if [ -z "$t1" ] || [ -z "$t2" ]; then
		echo "- \`sockscope top -d 1\` at $size sockets: exited during the measurement" >>"$notes"
		return
	fi
	pct=$(awk -v d=$((t2 - t1)) -v hz="$hz" -v s="$top_secs" 'BEGIN {printf "%.1f", 100 * d / hz / s}')
	top_pct=$pct
	echo "- \`sockscope top -d 1\` at $size sockets (tmux pane 200x50): **$pct % of one CPU** over ${top_secs} s" \
		"(utime+stime $((t2 - t1)) ticks at $hz Hz, after a 2 s start), peak RSS ${hwm:-?} MiB" >>"$notes"
}

# --- the targets of issue 7 -------------------------------------------------
# targets SIZE: a table of each target, measured in this run, met or not.
# Uses med[] and the raw runs of the size; a target whose commands did not
# run is reported as not measured.
targets() {
	local size=$1 n_met=0 n_all=0
	rss_of() { # id -> the largest peak RSS in KiB of its good runs
		awk -F'\t' -v sz="$size" -v id="$1" '$1 == sz && $2 == id && $8 == "exit:0" && $5 > r {r = $5}
			END {if (r) print r}' "$raw"
	}
	row() { # what value limit-text ok(1/0/empty)
		local met=
		n_all=$((n_all + 1))
		case $4 in
		1) met=yes n_met=$((n_met + 1)) ;;
		0) met="**no**" ;;
		*) met="not measured" ;;
		esac
		echo "| $1 | $2 | $3 | $met |" >>"$report"
	}
	ratio_row() { # what id base-id limit
		local a=${med[$2]:-} b=${med[$3]:-} r ok=
		if [ -n "$a" ] && [ -n "$b" ]; then
			r=$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", a / b}')
			ok=$(awk -v r="$r" -v l="$4" 'BEGIN {print (r <= l) ? 1 : 0}')
			row "$1" "${r}×" "≤ ${4}×" "$ok"
		else
			row "$1" "-" "≤ ${4}×" ""
		fi
	}
	{
		echo
		if ((size >= 100000)); then
			echo "Targets at $size sockets (issue 7; ratios of this run's medians):"
		else
			echo "Targets, for reference only: issue 7 sets them at 100k and 300k sockets; at $size, fixed costs"
			echo "(process start, walking the kernel's hash tables, buffers) weigh more:"
		fi
		echo
		echo "| target | measured | limit | met |"
		echo "|---|--:|--:|---|"
	} >>"$report"
	ratio_row "table \`sockscope -n\` / \`floor-dump\`" sc_n floor 1.25
	ratio_row "owners \`-n -p\` / \`floor-dump -p\`" sc_p floor_p 1.25
	ratio_row "tcp_info \`-n -i\` / \`floor-dump --info\`" sc_i floor_i 1.25
	ratio_row "\`--format=json\` / \`floor-dump\`" sc_json floor 1.5
	ratio_row "\`--backend=proc\` / \`cat /proc/net/tcp*\`" sc_proc cat 1.15
	ratio_row "one port (\`sport = :P\`) / \`sockscope -n\`" sc_f sc_n 0.3
	local a b
	a=$(rss_of sc_n) b=$(rss_of ss_n)
	if [ -n "$a" ] && [ -n "$b" ]; then
		row "peak RSS, \`sockscope -n\` vs \`ss -tan\`" "$(awk -v a="$a" 'BEGIN {printf "%.1f MiB", a / 1024}')" \
			"≤ $(awk -v b="$b" 'BEGIN {printf "%.1f MiB", b / 1024}')" "$((a <= b ? 1 : 0))"
	else
		row "peak RSS, \`sockscope -n\` vs \`ss -tan\`" "-" "≤ ss" ""
	fi
	for id in sc_sort sc_group; do
		a=$(rss_of "$id") b=$(rss_of sc_n)
		if [ -n "$a" ] && [ -n "$b" ]; then
			local per
			per=$(awk -v a="$a" -v b="$b" -v n="$size" 'BEGIN {d = (a - b) * 1024 / n; printf "%.0f", d < 0 ? 0 : d}')
			row "memory, \`${label[$id]}\`: bytes a socket over \`-n\`" "$per B" "≤ 100 B" "$((per <= 100 ? 1 : 0))"
		else
			row "memory, \`${label[$id]}\`: bytes a socket over \`-n\`" "-" "≤ 100 B" ""
		fi
	done
	if [ "$size" = "$top_size" ]; then
		if [ -n "$top_pct" ]; then
			row "\`sockscope top -d 1\`, CPU of one core" "${top_pct} %" "≤ 20 %" \
				"$(awk -v p="$top_pct" 'BEGIN {print (p <= 20) ? 1 : 0}')"
		else
			row "\`sockscope top -d 1\`, CPU of one core" "-" "≤ 20 %" ""
		fi
	fi
	echo >>"$report"
	echo "$n_met of $n_all targets met at $size sockets." >>"$report"
}

# --- the targets of issue 12 (socket kinds) ---------------------------------
# ktargets SIZE: the same kind of table for the kinds part.  Uses med[] of
# the size (k_fsum is the sum of the three floors) and the raw runs.  Memory
# is "constant" when the peak RSS of a listing grows by at most 1 MiB from the
# first (smallest) kinds size of the run to this one; with one size only it is
# not judged (the RSS over `sockscope -n` on TCP is shown).
declare -A krss_base=() # id -> peak RSS KiB at the first kinds size
krss_base_size=
ktargets() {
	local size=$1 key=kinds:$1 n_met=0 n_all=0 a b id
	krss() { # id -> the largest peak RSS in KiB of its good runs
		awk -F'\t' -v sz="$key" -v id="$1" '$1 == sz && $2 == id && $8 == "exit:0" && $5 > r {r = $5}
			END {if (r) print r}' "$raw"
	}
	krow() { # what value limit-text ok(1/0/empty) [cpu-value cpu-ok]
		local met='' cmet=''
		n_all=$((n_all + 1))
		case $4 in
		1) met=yes n_met=$((n_met + 1)) ;;
		0) met="**no**" ;;
		*) met="not measured" ;;
		esac
		case ${6:-} in
		1) cmet=yes ;;
		0) cmet="**no**" ;;
		esac
		echo "| $1 | $2 | ${5:-} | $3 | $met | $cmet |" >>"$report"
	}
	kcmp() { # a b limit lt -> "ratio ok"
		awk -v a="$1" -v b="$2" -v l="$3" -v lt="$4" \
			'BEGIN {r = a / b; printf "%.2f %d", r, (lt == "lt" ? r < l : r <= l + 0.005) ? 1 : 0}'
	}
	kratio() { # what id base-id limit [lt]: ratio <= limit, or < limit with lt
		local a=${med[$2]:-} b=${med[$3]:-} ca=${cpumed[$2]:-} cb=${cpumed[$3]:-} r ok='' cr='' cok='' op="≤"
		[ "${5:-}" != lt ] || op="<"
		if [ -n "$ca" ] && [ -n "$cb" ]; then
			read -r cr cok <<<"$(kcmp "$ca" "$cb" "$4" "${5:-}")"
			cr="${cr}×"
		fi
		if [ -n "$a" ] && [ -n "$b" ]; then
			read -r r ok <<<"$(kcmp "$a" "$b" "$4" "${5:-}")"
			krow "$1" "${r}×" "$op ${4}×" "$ok" "$cr" "$cok"
		else
			krow "$1" "-" "$op ${4}×" ""
		fi
	}
	mib() { awk -v k="$1" 'BEGIN {printf "%.1f MiB", k / 1024}'; }
	{
		echo
		if ((size >= 100000)); then
			echo "Targets with $size sockets of each kind (issue 12; ratios of this run's medians, wall clock as the"
			echo "issue sets them; the same ratios of CPU time, user+sys, beside them: on a loaded machine they are the"
			echo "steadier measure):"
		else
			echo "Targets, for reference only: issue 12 sets them at 100k sockets of each kind; at $size, fixed"
			echo "costs (process start, walking the kernel's hash tables, buffers) weigh more:"
		fi
		echo
		echo "| target | measured (wall) | CPU | limit | met | met (CPU) |"
		echo "|---|--:|--:|--:|---|---|"
	} >>"$report"
	kratio "UDP \`sockscope -u -n\` / \`floor-dump --udp\`" k_sc_u k_floor_u 1.15
	kratio "UDP \`sockscope -u -n\` / \`ss -uan\` (same run)" k_sc_u k_ss_u 1 lt
	kratio "UNIX \`sockscope -x -n\` / \`floor-dump --unix\`" k_sc_x k_floor_x 1.15
	kratio "UNIX \`sockscope -x -n\` / \`ss -xan\` (same run)" k_sc_x k_ss_x 1 lt
	kratio "\`sockscope -A tcp,udp,unix -n\` / sum of the three floors" k_sc_A k_fsum 1.2
	kratio "\`sockscope -A tcp,udp,unix -n\` / \`ss -A tcp,udp,unix -an\` (same run; beyond the issue)" k_sc_A k_ss_A 1 lt
	kratio "TCP \`sockscope -n\` / \`floor-dump\` beside the other kinds (issue 7's limit)" k_sc_n k_floor 1.25
	for id in k_sc_u k_sc_x k_sc_A; do
		a=$(krss "$id") b=$(krss "${sseq[$id]}")
		if [ -n "$a" ] && [ -n "$b" ]; then
			krow "peak RSS, \`${label[$id]}\` vs \`${label[${sseq[$id]}]}\`" "$(mib "$a")" "≤ $(mib "$b")" \
				"$((a <= b ? 1 : 0))"
		else
			krow "peak RSS, \`${label[$id]}\` vs \`${label[${sseq[$id]}]}\`" "-" "≤ ss" ""
		fi
	done
	local first=0
	[ -n "$krss_base_size" ] || { krss_base_size=$size first=1; }
	for id in k_sc_u k_sc_x k_sc_A; do
		a=$(krss "$id")
		if ((first)); then
			krss_base[$id]=${a:-}
		fi
		if [ "$krss_base_size" != "$size" ]; then
			b=${krss_base[$id]:-}
			if [ -n "$a" ] && [ -n "$b" ]; then
				krow "constant memory, \`${label[$id]}\`: peak RSS at $size over $krss_base_size" \
					"$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%+.2f MiB", (a - b) / 1024}')" "≤ +1 MiB" \
					"$((a - b <= 1024 ? 1 : 0))"
			else
				krow "constant memory, \`${label[$id]}\`: peak RSS at $size over $krss_base_size" "-" "≤ +1 MiB" ""
			fi
		else
			# one size: no growth to measure; the figure over the TCP listing
			# (which streams) is shown, the target left unjudged
			b=$(krss k_sc_n)
			krow "constant memory, \`${label[$id]}\`: needs two kind sizes; peak RSS over \`sockscope -n\` (TCP)" \
				"$( [ -n "$a" ] && [ -n "$b" ] && awk -v a="$a" -v b="$b" 'BEGIN {printf "%+.2f MiB", (a - b) / 1024}')" \
				"≤ +1 MiB from the smallest size" ""
		fi
	done
	echo >>"$report"
	echo "$n_met of $n_all targets met with $size sockets of each kind." >>"$report"
}

# --- one size ---------------------------------------------------------------
declare -A timed_out # id -> size at which it hit the cap
top_pct=             # CPU % of `sockscope top`, once measured

# bench_size PHASE SIZE: PHASE tcp (the TCP population and rows) or kinds
# (SIZE TCP + SIZE UDP + SIZE UNIX sockets and the kinds rows).
bench_size() {
	local phase=$1 size=$2 ready port i r id line el st n key=$2 mult=1
	local -a pids=("${ids[@]}") kargs=()
	if [ "$phase" = kinds ]; then
		key=kinds:$size mult=3 pids=("${kids[@]}") kargs=(--udp "$size" --unix "$size")
	fi
	ns=sockscope-bench-$$-$phase-$size
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -q -w net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535 >/dev/null
	local need=$((mult * size + 100000)) fmax
	fmax=$(cat /proc/sys/fs/file-max)
	if ((fmax < need)); then
		if echo "$need" >/proc/sys/fs/file-max 2>/dev/null; then
			echo "- raised fs.file-max from $fmax to $need" >>"$notes"
		fi
	fi
	local churn_args=()
	if ((churn > 0)); then
		churn_args=(--churn "$churn" --churn-secs 3600)
	fi
	ip netns exec "$ns" "$bin/popgen" -n "$size" "${kargs[@]}" --max-hold 7200 "${churn_args[@]}" \
		>"$tmp/popgen.out" 2>"$tmp/popgen.err" &
	popgen_pid=$!
	ready=
	for _ in $(seq 2400); do
		ready=$(grep -m1 '^READY' "$tmp/popgen.out" 2>/dev/null) && break
		kill -0 "$popgen_pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$ready" ]; then
		echo "run.sh: popgen did not get ready at $size sockets:" >&2
		cat "$tmp/popgen.err" >&2
		return 1
	fi
	port=$(field unique_port "$ready")
	{
		echo
		if [ "$phase" = kinds ]; then
			echo "## Socket kinds: $size TCP + $size UDP + $size UNIX sockets"
		else
			echo "## $size sockets"
		fi
		echo
		echo "popgen: \`${ready#READY }\`"
		echo
		echo "Load average when the timing starts: $(cut -d' ' -f1-3 /proc/loadavg)."
		echo
	} >>"$report"
	# what the tools see (untimed)
	if [ "$phase" = kinds ]; then
		local what
		for id in k_floor k_floor_u k_floor_x k_ss_n k_ss_u k_ss_x k_sc_n k_sc_u k_sc_x k_sc_A k_ss_A; do
			[ -z "${skip_all[$id]:-}" ] || continue
			line=$(run_measure "$id" "$port" -l)
			n=$(field lines "$line")
			case $id in
			k_floor*) what="sockets in $(field elapsed "$line") s" ;;
			k_ss_*) n=$((n - 1)) what=sockets ;; # the header
			*) what="lines (header and legend included)" ;;
			esac
			[ "$(field status "$line")" = exit:0 ] || what="$what, exit status $(field status "$line")"
			echo "\`${label[$id]}\` prints $n $what." >>"$report"
			echo >>"$report"
		done
	else
		line=$(run_measure floor "$port" -l)
		echo "floor-dump sees $(field lines "$line") sockets in $(field elapsed "$line") s." >>"$report"
		if [ -z "${skip_all[ss_n]:-}" ]; then
			line=$(run_measure ss_n "$port" -l)
			echo "\`ss -tan\` prints $(($(field lines "$line") - 1)) sockets." >>"$report"
		fi
	fi
	echo >>"$report"

	# which commands run at this size
	local -A skip=() first_err=()
	local -a active=()
	for id in "${pids[@]}"; do
		if [ -n "${skip_all[$id]:-}" ]; then
			skip[$id]=${skip_all[$id]}
		elif [ -n "${timed_out[$id]:-}" ]; then
			skip[$id]="skipped: over the ${cap} s cap at ${timed_out[$id]} sockets"
		else
			active+=("$id")
		fi
	done
	# warm-up: one untimed run of the fast commands (binaries, page cache)
	for id in floor floor_i floor_p fdwalk cat sc_n ss_n k_floor k_floor_u k_floor_x k_sc_u k_sc_x k_ss_u k_ss_x; do
		[[ $phase == kinds && $id == k_* || $phase == tcp && $id != k_* ]] || continue
		[ -n "${skip[$id]:-}" ] || run_measure "$id" "$port" >/dev/null || true
	done
	n=${#active[@]}
	for ((r = 1; r <= runs; r++)); do
		for ((i = 0; i < n; i++)); do
			id=${active[$(((i + r - 1) % n))]}
			[ -z "${skip[$id]:-}" ] || continue
			line=$(run_measure "$id" "$port")
			el=$(field elapsed "$line") st=$(field status "$line")
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$key" "$id" "$r" "$el" \
				"$(field maxrss_kib "$line")" "$(field user "$line")" "$(field sys "$line")" "$st" >>"$raw"
			if [ "$st" = timeout ]; then
				skip[$id]="killed at the ${cap} s cap"
				timed_out[$id]=$size
			elif [ "$st" != exit:0 ]; then
				first_err[$id]=$(head -c 300 "$tmp/err.$id" | head -n 1)
				skip[$id]="failed ($st${first_err[$id]:+: ${first_err[$id]}})"
				[[ $id != sc_* ]] || sc_failed=1
			elif awk -v e="$el" -v s="$slow" 'BEGIN {exit !(e > s)}'; then
				skip[$id]=once
			fi
		done
	done

	# the table (the kinds part has no `ss -tan` column: each row has its own ss)
	local where="at $size" sscol=1
	if [ "$phase" = kinds ]; then
		where="in the kinds namespace at $size each" sscol=0
	fi
	{
		if ((sscol)); then
			echo "| command | median s | runs | floor | × floor | × \`ss -tan\` | × ss, same job | peak RSS MiB | CPU s (user+sys) |"
			echo "|---|--:|--:|---|--:|--:|--:|--:|--:|"
		else
			echo "| command | median s | runs | floor | × floor | × ss, same job | peak RSS MiB | CPU s (user+sys) |"
			echo "|---|--:|--:|---|--:|--:|--:|--:|"
		fi
	} >>"$report"
	local -A med=() cpumed=()
	for id in "${pids[@]}"; do
		med[$id]=$(awk -F'\t' -v sz="$key" -v id="$id" '$1 == sz && $2 == id && $8 == "exit:0" {print $4}' "$raw" |
			median "%.6f")
		cpumed[$id]=$(awk -F'\t' -v sz="$key" -v id="$id" '$1 == sz && $2 == id && $8 == "exit:0" {print $6 + $7}' "$raw" |
			median "%.6f")
	done
	if [ "$phase" = kinds ] && [ -n "${med[k_floor]}" ] && [ -n "${med[k_floor_u]}" ] && [ -n "${med[k_floor_x]}" ]; then
		med[k_fsum]=$(awk -v a="${med[k_floor]}" -v b="${med[k_floor_u]}" -v c="${med[k_floor_x]}" \
			'BEGIN {printf "%.6f", a + b + c}')
		cpumed[k_fsum]=$(awk -v a="${cpumed[k_floor]}" -v b="${cpumed[k_floor_u]}" -v c="${cpumed[k_floor_x]}" \
			'BEGIN {printf "%.6f", a + b + c}')
	fi
	ratio() { # a b
		if [ -n "$1" ] && [ -n "$2" ]; then
			awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) {r = a / b; printf(r >= 100 ? "%.0f" : r >= 10 ? "%.1f" : "%.2f", r)}}'
		fi
	}
	secs() { awk -v m="$1" 'BEGIN {printf(m >= 10 ? "%.1f" : m >= 0.1 ? "%.3f" : "%.4f", m)}'; }
	for id in "${pids[@]}"; do
		local m=${med[$id]} f=${floor[$id]} s=${sseq[$id]} lbl=${label[$id]//|/\\|} why=${skip[$id]:-}
		lbl=${lbl//@PORT@/$port}
		if [ -z "$m" ]; then
			[ "$why" = once ] && why=
			local cell=n/a
			case $why in
			killed*) cell="> $cap" ;;
			skipped*) cell=skipped ;;
			esac
			if ((sscol)); then
				echo "| \`$lbl\` | $cell | 0 | | | | | | |" >>"$report"
			else
				echo "| \`$lbl\` | $cell | 0 | | | | | |" >>"$report"
			fi
			echo "- \`$lbl\` $where: ${why:-no successful run}" >>"$notes"
			continue
		fi
		local cnt rss cpu slbl fl='' sscell=''
		cnt=$(awk -F'\t' -v sz="$key" -v id="$id" '$1 == sz && $2 == id && $8 == "exit:0"' "$raw" | wc -l)
		rss=$(awk -F'\t' -v sz="$key" -v id="$id" '$1 == sz && $2 == id && $8 == "exit:0" && $5 > r {r = $5}
			END {printf "%.1f", r / 1024}' "$raw")
		cpu=$(printf '%s\n' "${cpumed[$id]}" | median "%.3f")
		[ -z "$f" ] || fl=\`${label[$f]}\`
		[ "$f" != k_fsum ] || fl=${label[$f]}
		slbl=
		if [ -n "$s" ]; then
			slbl=${label[$s]//|/\\|}
			slbl=${slbl//@PORT@/$port}
		fi
		((sscol)) && sscell=" $(ratio "$m" "${med[ss_n]:-}") |"
		# shellcheck disable=SC2016 # the backquotes are Markdown
		printf '| `%s` | %s | %s | %s | %s |%s %s | %s | %s |\n' "$lbl" "$(secs "$m")" "$cnt" \
			"$fl" "$(ratio "$m" "${f:+${med[$f]:-}}")" "$sscell" \
			"$(ratio "$m" "${s:+${med[$s]:-}}")${s:+ (\`$slbl\`)}" "$rss" "$cpu" >>"$report"
		if [ "$id" = k_floor_x ] && [ -n "${med[k_fsum]:-}" ]; then
			# shellcheck disable=SC2016
			printf '| %s | %s | | | | | | %s |\n' "${label[k_fsum]} (\`floor-dump\` + \`--udp\` + \`--unix\`)" \
				"$(secs "${med[k_fsum]}")" "$(printf '%s\n' "${cpumed[k_fsum]}" | median "%.3f")" >>"$report"
		fi
		if [ "$why" = once ]; then
			if ((cnt == 1)); then
				echo "- \`$lbl\` $where: ran once (it took more than $slow s)" >>"$notes"
			else
				echo "- \`$lbl\` $where: stopped after $cnt runs (run $cnt took more than $slow s)" >>"$notes"
			fi
		elif [ -n "$why" ]; then
			echo "- \`$lbl\` $where: $why after $cnt good runs" >>"$notes"
		fi
	done
	if [ "$phase" = tcp ]; then
		if [ "$size" = "$top_size" ]; then
			if [ -n "${skip_all[sc_n]:-}" ]; then
				echo "- \`sockscope top\`: not measured: ${skip_all[sc_n]}" >>"$notes"
			else
				measure_top "$size"
			fi
		fi
		targets "$size"
	else
		ktargets "$size"
	fi

	local t0 t1
	t0=$(date +%s.%N)
	kill -TERM "$popgen_pid"
	wait "$popgen_pid" || true
	popgen_pid=
	ip netns del "$ns"
	ns=
	t1=$(date +%s.%N)
	echo "- popgen ($phase) at $size: built in $(field build_s "$ready") s, torn down in $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s" >>"$notes"
}

# --- main -------------------------------------------------------------------
: >"$notes"
{
	echo "# sockscope benchmark"
	echo
	echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
	echo "- kernel: $(uname -sr); date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- sockscope: ${sc_version:-n/a} ($SOCKSCOPE); $(ss -V 2>/dev/null | head -n 1); $(netstat -V 2>/dev/null | head -n 1); lsof $(lsof -v 2>&1 | awk '/revision:/ {print $2; exit}'); jc $(jc -v 2>/dev/null | awk '/jc version/ {print $3}')"
	echo "- $runs run(s) per command per size, interleaved; wall-clock medians; each command runs inside the namespace"
	echo "  with stdout on /dev/null, timed by \`measure\` (fork/exec + wait4, CLOCK_MONOTONIC); peak RSS is the"
	echo "  largest ru_maxrss over the runs (for the jc pipeline, the largest single process); CPU is the median"
	echo "  user+sys. Commands slower than $slow s run once; over $cap s they are killed."
	echo "- floors: \`floor-dump\` = bare libmnl sock_diag dump + hand-rolled formatting; \`--info\` adds"
	echo "  INET_DIAG_INFO; \`-p\` adds one /proc/*/fd walk; \`floor-fdwalk\` = that walk alone; \`cat /proc/net/tcp*\`"
	echo "  is the floor of the /proc backends (netstat, \`--backend=proc\`). Socket kinds: \`floor-dump --udp\` ="
	echo "  the same dump of UDP (inet_diag protocol 17, one request per family), \`--unix\` = unix_diag with name,"
	echo "  peer and queues (UDIAG_SHOW_NAME|PEER|RQLEN), one line per socket; the floor of \`-A tcp,udp,unix\` is"
	echo "  the sum of the three floors' medians (\`floor-dump --tcp --udp --unix\`, one process, for reference)."
	((churn == 0)) || echo "- TIME-WAIT churn: $churn connections/s during the whole run"
} >"$report"

IFS=, read -r -a size_list <<<"$sizes"
IFS=, read -r -a ksize_list <<<"$kind_sizes"
status=0
sc_failed=0
for s in "${size_list[@]}" "${ksize_list[@]}"; do
	[[ $s =~ ^[0-9]+$ ]] || { echo "run.sh: bad size $s" >&2; exit 2; }
done
for s in "${size_list[@]}"; do
	avail=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
	if ((avail < s * 8 + 1048576)); then
		echo "- $s sockets: skipped, only $((avail / 1024)) MiB available" >>"$notes"
		continue
	fi
	echo "run.sh: $s sockets..." >&2
	bench_size tcp "$s" || { status=1; break; }
done
for s in "${ksize_list[@]}"; do
	((status == 0)) || break
	avail=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
	if ((avail < s * 24 + 1048576)); then
		echo "- kinds at $s sockets each: skipped, only $((avail / 1024)) MiB available" >>"$notes"
		continue
	fi
	echo "run.sh: kinds, $s TCP + $s UDP + $s UNIX sockets..." >&2
	bench_size kinds "$s" || { status=1; break; }
done
{
	echo
	echo "## Notes"
	echo
	cat "$notes"
	echo "- total wall time of this run: $(($(date +%s) - t_start)) s"
} >>"$report"
if [ -n "$out" ]; then
	cp "$report" "$out"
	echo "run.sh: wrote $out and $raw" >&2
else
	cat "$report"
fi
if ((strict && sc_failed)); then
	echo "run.sh: a sockscope command failed (--strict)" >&2
	status=1
fi
exit "$status"
