#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmark of `sockscope --all-netns` (issue 13): every network namespace at
# once.  Three parts, in this order:
#  1. The gate: `sockscope --all-netns -n` on the host alone and with --empty
#     N empty namespaces (`ip netns add`, nothing inside), each run in a
#     sandbox (a mount + pid namespace whose /proc and /run/netns show only
#     the host and those namespaces: the namespaces of other users of the
#     machine stay out), the two alternating; the added milliseconds (median
#     "with" minus median "alone") must stay under 50 ms.  floor-allns, which
#     has no gate and dumps every namespace, runs beside it.
#  2. The population: --ns N namespaces (`ip netns add` + lo up) each with
#     --per-ns M TCP sockets held by a popgen run inside it (one worker, no
#     filler processes: a listener, established pairs over 127.1.x.y and ::1,
#     CLOSE-WAIT / FIN-WAIT-2 pairs).  The row counts of `sockscope
#     --all-netns -n`, `-n -p`, floor-allns and the `ip netns exec ... ss -tan`
#     loop over these namespaces are checked against popgen's count (the
#     benchmark stops when they disagree), then every command runs --runs
#     times, interleaved, from the host namespace, timed by `measure`:
#     sockscope --all-netns -n and -n -p, floor-allns (and -p, -j 1, --no-fds
#     for reference), the ss loop as one `bash -c` over `ip netns list`, its
#     -p variant, and lsfd (util-linux; it lists TCP fds of every process,
#     addresses and states it does not show in 2.38).  Wall-clock medians,
#     CPU-time (user+sys) medians and peak RSS; ratios to the floor of both.
#  3. `sockscope top --all-netns -d 1` at that scale in a tmux pane for
#     --top-secs seconds: CPU % of one core from /proc/PID/stat (utime+stime
#     of every thread) deltas (target <= 20 %).
# Namespaces are named PREFIX-pN / PREFIX-eN and all deleted at exit (also on
# errors and ^C).  Needs root (exits 77 otherwise).  Not part of the test
# suite; --smoke is 10 namespaces x 50 sockets, 20 empty, 1 run, in < 1 min.
#
#   tests/bench/allns.sh [--ns 200] [--per-ns 500] [--empty 500] [--runs 5]
#                        [--out FILE.md] [--cap 120] [--slow 15] [--top-secs 20]
#                        [--prefix NAME] [--parts gate,pop,top] [--child-ehash N]
#                        [--smoke] [--strict]
# --parts: any of gate, pop, top and hold (build the population and keep it
# until ^C or SIGTERM, for profiling).  --child-ehash N: the population's
# namespaces get private TCP established-hash tables of N buckets (they are
# made from inside a parent namespace whose net.ipv4.tcp_child_ehash_entries
# is N); by default they share the host's table, as containers do unless the
# administrator sets that sysctl, and every namespace's dump walks the whole
# host-wide table.  --strict: exit 1 when a sockscope
# command fails or a target is missed.
# Environment: SOCKSCOPE (default build/src/sockscope), BENCH_BIN (directory
# holding popgen, floor-allns, measure; default the meson build dir if it has
# them, else they are compiled with cc into the temp dir).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

nns=200
per_ns=500
empty=500
runs=5
out=
cap=120
slow=15
top_secs=20
prefix=sballns$$
parts=gate,pop,top
child_ehash=0
smoke=0
strict=0

usage() {
	sed -n '/^#   tests/,/^# Environment/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
while (($#)); do
	case $1 in
	--ns) nns=$2; shift 2 ;;
	--per-ns) per_ns=$2; shift 2 ;;
	--empty) empty=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--cap) cap=$2; shift 2 ;;
	--slow) slow=$2; shift 2 ;;
	--top-secs) top_secs=$2; shift 2 ;;
	--prefix) prefix=$2; shift 2 ;;
	--parts) parts=$2; shift 2 ;;
	--child-ehash) child_ehash=$2; shift 2 ;;
	--smoke) smoke=1; shift ;;
	--strict) strict=1; shift ;;
	-h | --help) usage ;;
	*) echo "allns.sh: unknown argument $1" >&2; usage ;;
	esac
done
if ((smoke)); then
	nns=10 per_ns=50 empty=20 runs=1 cap=20 slow=5 top_secs=4
fi
for v in nns per_ns empty runs cap top_secs child_ehash; do
	[[ ${!v} =~ ^[0-9]+$ ]] || { echo "allns.sh: --${v//_/-} must be a number" >&2; exit 2; }
done
((runs >= 1 && nns >= 1 && per_ns >= 10)) || { echo "allns.sh: --runs >= 1, --ns >= 1, --per-ns >= 10" >&2; exit 2; }
[[ $prefix =~ ^[A-Za-z0-9_.-]{1,40}$ ]] || { echo "allns.sh: --prefix: letters, digits, _ . - only" >&2; exit 2; }
want() { [[ ,$parts, == *,$1,* ]]; }

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: allns.sh needs root (network namespaces)"
	exit 77
fi
command -v ip >/dev/null || { echo "SKIP: ip (iproute2) not installed"; exit 77; }

t_start=$(date +%s)
tmp=$(mktemp -d /tmp/sockscope-allns.XXXXXX)
pg_pids=()
tmux_sock=sockscope-allns-$$
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	local p n
	for p in "${pg_pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${pg_pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	tmux -L "$tmux_sock" kill-server 2>/dev/null || true
	for n in $(ip netns list 2>/dev/null | cut -d' ' -f1 | grep -E "^$prefix-([pe][0-9]+|parent)\$"); do
		ip netns del "$n" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the programs -----------------------------------------------------------
SOCKSCOPE=${SOCKSCOPE:-$root/build/src/sockscope}
bin=${BENCH_BIN:-}
if [ -z "$bin" ]; then
	for d in "${BUILD_ROOT:-/nonexistent}/tests/bench" "$root/build/tests/bench"; do
		if [ -x "$d/popgen" ] && [ -x "$d/floor-allns" ] && [ -x "$d/measure" ]; then
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
	# shellcheck disable=SC2046
	"$cc" "${cflags[@]}" -pthread $(pkg-config --cflags libmnl) -o "$bin/floor-allns" "$here/floor-allns.c" \
		"$here/floorlib.c" $(pkg-config --libs libmnl)
fi
[ -x "$SOCKSCOPE" ] || { echo "allns.sh: $SOCKSCOPE not built" >&2; exit 1; }
if [ -n "$out" ]; then
	raw=${out%.md}.raw.tsv
else
	raw=$tmp/raw.tsv
fi
: >"$raw"
report=$tmp/report.md
notes=$tmp/notes
: >"$notes"
have() { command -v "$1" >/dev/null 2>&1; }

# --- the commands -----------------------------------------------------------
# def ID FLOOR-ID LABEL COMMAND: @SSC@ is sockscope, @BIN@ the helpers'
# directory; a command starting with "bash -c " runs as one bash -c with the
# rest, "lsfd-tcp" is lsfd with a filter on TCP sockets.
declare -A label cmd floor skip_all
ids=() gids=()
def() {
	if [[ $1 == g_* ]]; then gids+=("$1"); else ids+=("$1"); fi
	floor[$1]=$2 label[$1]=$3 cmd[$1]=$4
}
# shellcheck disable=SC2016 # $ns and $(...) are the loop's, inside bash -c
ssloop='for ns in $(ip netns list | cut -d" " -f1); do ip netns exec "$ns" ss -tan; done'
def floor '' 'floor-allns' '@BIN@/floor-allns'
def floor_p '' 'floor-allns -p' '@BIN@/floor-allns -p'
def floor_1 floor 'floor-allns -j 1 (one thread)' '@BIN@/floor-allns -j 1'
def floor_nofd floor 'floor-allns --no-fds (no fd walk)' '@BIN@/floor-allns --no-fds'
def sc_n floor 'sockscope --all-netns -n' '@SSC@ --all-netns -n'
def sc_p floor_p 'sockscope --all-netns -n -p' '@SSC@ --all-netns -n -p'
# shellcheck disable=SC2016
def ss_loop floor 'for ns in $(ip netns list); do ip netns exec $ns ss -tan; done' "bash -c $ssloop"
def lsfd floor_p "lsfd -Q '(PROTONAME == \"TCP\") or (PROTONAME == \"TCPv6\")'" lsfd-tcp
# the gate part: on the host alone and with the empty namespaces
def g_sc g_floor 'sockscope --all-netns -n' '@SSC@ --all-netns -n'
def g_floor '' 'floor-allns' '@BIN@/floor-allns'
have ss || skip_all[ss_loop]="ss not installed (Debian package iproute2)"
have lsfd || skip_all[lsfd]="lsfd not installed (Debian 12: package util-linux-extra)"
sc_version=$("$SOCKSCOPE" --version 2>/dev/null | head -n 1) || sc_version=

# run_measure ID [extra measure options]: prints measure's line
run_measure() {
	local id=$1 c
	shift
	c=${cmd[$id]}
	c=${c//@SSC@/$SOCKSCOPE}
	c=${c//@BIN@/$bin}
	if [[ $c == 'bash -c '* ]]; then
		"$bin/measure" -t "$cap" -e "$tmp/err.$id" "$@" -- bash -c "${c#bash -c }"
	elif [ "$c" = lsfd-tcp ]; then
		"$bin/measure" -t "$cap" -e "$tmp/err.$id" "$@" -- lsfd -Q '(PROTONAME == "TCP") or (PROTONAME == "TCPv6")'
	else
		local -a argv
		read -r -a argv <<<"$c"
		"$bin/measure" -t "$cap" -e "$tmp/err.$id" "$@" -- "${argv[@]}"
	fi
}

median() { # median FORMAT < numbers, one a line; prints nothing for none
	sort -g | awk -v f="$1" '{a[NR] = $1} END {if (NR) printf f, NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

field() { # field NAME LINE
	local re="(^| )$1=([^ ]*)"
	[[ $2 =~ $re ]] && printf '%s' "${BASH_REMATCH[2]}"
}

good_status() { # sockscope's 3 is "partial": a namespace of someone else vanished mid-run
	[ "$1" = exit:0 ] || [ "$1" = exit:3 ]
}

# timed KEY ID...: --runs interleaved runs of the ids; rows "KEY id run
# elapsed maxrss user sys status" in the raw file
timed() {
	local key=$1 r i n id line el st
	shift
	local -a active=()
	for id in "$@"; do
		if [ -n "${skip_all[$id]:-}" ]; then
			echo "- \`${label[$id]}\` ($key): ${skip_all[$id]}" >>"$notes"
		else
			active+=("$id")
		fi
	done
	n=${#active[@]}
	local -A skip=()
	for id in "${active[@]}"; do # warm-up, untimed
		case $id in ss_loop | lsfd) ;; *) run_measure "$id" >/dev/null || true ;; esac
	done
	for ((r = 1; r <= runs; r++)); do
		for ((i = 0; i < n; i++)); do
			id=${active[$(((i + r - 1) % n))]}
			[ -z "${skip[$id]:-}" ] || continue
			line=$(run_measure "$id")
			el=$(field elapsed "$line") st=$(field status "$line")
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$key" "$id" "$r" "$el" \
				"$(field maxrss_kib "$line")" "$(field user "$line")" "$(field sys "$line")" "$st" >>"$raw"
			if [ "$st" = timeout ]; then
				skip[$id]=1
				echo "- \`${label[$id]}\` ($key): killed at the ${cap} s cap" >>"$notes"
			elif ! good_status "$st"; then
				skip[$id]=1
				echo "- \`${label[$id]}\` ($key): failed ($st: $(head -c 200 "$tmp/err.$id" | head -n 1))" >>"$notes"
				[[ $id != *sc* ]] || sc_failed=1
			else
				[ "$st" = exit:0 ] || echo "- \`${label[$id]}\` ($key) run $r: $st (partial listing)" >>"$notes"
				if awk -v e="$el" -v s="$slow" 'BEGIN {exit !(e > s)}'; then
					skip[$id]=1
					echo "- \`${label[$id]}\` ($key): ran $r time(s) (a run took more than $slow s)" >>"$notes"
				fi
			fi
		done
	done
}

declare -A med cpu rss cnt
stats() { # KEY ID -> med[KEY/ID], cpu[], rss[] (KiB), cnt[]
	local k=$1/$2
	med[$k]=$(awk -F'\t' -v k="$1" -v id="$2" '$1 == k && $2 == id && ($8 == "exit:0" || $8 == "exit:3") {print $4}' "$raw" |
		median "%.6f")
	cpu[$k]=$(awk -F'\t' -v k="$1" -v id="$2" '$1 == k && $2 == id && ($8 == "exit:0" || $8 == "exit:3") {print $6 + $7}' "$raw" |
		median "%.6f")
	rss[$k]=$(awk -F'\t' -v k="$1" -v id="$2" '$1 == k && $2 == id && ($8 == "exit:0" || $8 == "exit:3") && $5 > r {r = $5}
		END {if (r) print r}' "$raw")
	cnt[$k]=$(awk -F'\t' -v k="$1" -v id="$2" '$1 == k && $2 == id && ($8 == "exit:0" || $8 == "exit:3")' "$raw" | wc -l)
}
ratio() { # a b
	if [ -n "$1" ] && [ -n "$2" ]; then
		awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) {r = a / b; printf(r >= 100 ? "%.0f" : r >= 10 ? "%.1f" : "%.2f", r)}}'
	fi
}
secs() { [ -z "$1" ] || awk -v m="$1" 'BEGIN {printf(m >= 10 ? "%.1f" : m >= 0.1 ? "%.3f" : "%.4f", m)}'; }
mib() { [ -z "$1" ] || awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

table() { # KEY ID...: the Markdown table of these ids
	local key=$1 id k f
	shift
	{
		echo "| command | median s | runs | × floor (wall) | CPU s (user+sys) | × floor (CPU) | peak RSS MiB |"
		echo "|---|--:|--:|--:|--:|--:|--:|"
	} >>"$report"
	for id in "$@"; do
		stats "$key" "$id"
		k=$key/$id f=${floor[$id]}
		local lbl=${label[$id]//|/\\|}
		if [ -z "${med[$k]}" ]; then
			echo "| \`$lbl\` | n/a | 0 | | | | |" >>"$report"
			continue
		fi
		[ -z "$f" ] || stats "$key" "$f"
		# shellcheck disable=SC2016 # the backquotes are Markdown
		printf '| `%s` | %s | %s | %s | %s | %s | %s |\n' "$lbl" "$(secs "${med[$k]}")" "${cnt[$k]}" \
			"$(ratio "${med[$k]}" "${f:+${med[$key/$f]:-}}")${f:+ (\`${label[$f]}\`)}" "$(secs "${cpu[$k]}")" \
			"$(ratio "${cpu[$k]}" "${f:+${cpu[$key/$f]:-}}")" "$(mib "${rss[$k]}")" >>"$report"
	done
}

# target rows: what measured limit met [cpu-measured cpu-met]
n_met=0 n_all=0 missed=0
trow() {
	local met='' cmet=''
	n_all=$((n_all + 1))
	case $4 in
	1) met=yes n_met=$((n_met + 1)) ;;
	0) met="**no**" missed=1 ;;
	*) met="not measured" ;;
	esac
	case ${6:-} in
	1) cmet=yes ;;
	0) cmet="**no**" ;;
	esac
	echo "| $1 | $2 | ${5:-} | $3 | $met | $cmet |" >>"$targets"
}
tratio() { # what key id base-id limit
	local k=$2/$3 b=$2/$4 r ok cr cok
	stats "$2" "$3"
	stats "$2" "$4"
	if [ -n "${med[$k]}" ] && [ -n "${med[$b]}" ]; then
		read -r r ok <<<"$(awk -v a="${med[$k]}" -v b="${med[$b]}" -v l="$5" 'BEGIN {r = a / b; printf "%.2f %d", r, r <= l + 0.005}')"
		read -r cr cok <<<"$(awk -v a="${cpu[$k]}" -v b="${cpu[$b]}" -v l="$5" 'BEGIN {if (b > 0) {r = a / b; printf "%.2f× %d", r, r <= l + 0.005} else print "- -"}')"
		trow "$1" "${r}×" "≤ ${5}×" "$ok" "$cr" "$cok"
	else
		trow "$1" "-" "≤ ${5}×" ""
	fi
}
targets=$tmp/targets
: >"$targets"

# --- namespaces -------------------------------------------------------------
mkns() { # name [lo]
	ip netns add "$1"
	[ "${2:-}" != lo ] || ip -n "$1" link set lo up
}
delns() { # name...
	local n
	for n in "$@"; do ip netns del "$n" 2>/dev/null || true; done
}

# count_rows FILE -> rows whose where column (the last word) is netns:PREFIX-p*
count_mine() {
	awk -v p="netns:$prefix-p" 'index($NF, p) == 1 {n++} END {print n + 0}' "$1"
}
# the where of floor-allns -p and sockscope -p is not the last word: any word
count_mine_any() {
	awk -v p="netns:$prefix-p" '{for (i = 1; i <= NF; i++) if (index($i, p) == 1) {n++; break}} END {print n + 0}' "$1"
}

# --- 1. the gate ------------------------------------------------------------
# On a shared machine the namespaces and sockets of other users come and go
# between runs and swamp a 50 ms difference.  So each gate run happens in a
# sandbox: `unshare` makes a new mount and pid namespace (its own /proc: only
# the sandbox's processes, all in the host network namespace) and a fresh
# /run/netns holding either nothing ("alone") or the bind mounts of the empty
# namespaces ("with"); discovery then sees exactly the host namespace plus
# those.  The two variants alternate run by run.  The host's own dump still
# walks the machine-wide TCP table, shared with everyone's sockets.
# shellcheck disable=SC2016 # the sandbox's own script
sandbox_sh='
set -e
variant=$1 prefix=$2 n=$3
shift 3
hold=$(mktemp -d /tmp/sockscope-allns-hold.XXXXXX)
mount -t tmpfs sockscope-allns "$hold"
if [ "$variant" = with ]; then
	for ((i = 1; i <= n; i++)); do
		: >"$hold/e$i"
		mount --bind "/run/netns/$prefix-e$i" "$hold/e$i"
	done
fi
umount -R -l /run/netns 2>/dev/null || true
mount -t tmpfs sockscope-allns /run/netns
if [ "$variant" = with ]; then
	for ((i = 1; i <= n; i++)); do
		: >"/run/netns/$prefix-e$i"
		mount --move "$hold/e$i" "/run/netns/$prefix-e$i"
	done
fi
umount -l "$hold"
rmdir "$hold"
exec "$@"
'
sandbox_measure() { # VARIANT ID: measure's line for ID in a sandbox
	local c=${cmd[$2]} rc=0
	c=${c//@SSC@/$SOCKSCOPE}
	c=${c//@BIN@/$bin}
	local -a argv
	read -r -a argv <<<"$c"
	unshare --mount --pid --fork --mount-proc --propagation private \
		bash -c "$sandbox_sh" sandbox "$1" "$prefix" "$empty" \
		"$bin/measure" -t "$cap" -e "$tmp/err.$2" -- "${argv[@]}" || rc=$?
	return "$rc"
}

gate_part() {
	local i r k id v line el st nsc base with added cadded t0 t1
	echo "allns.sh: the gate: the host alone and with $empty empty namespaces, in a sandbox..." >&2
	if ! have unshare; then
		echo "- the gate: not measured: unshare (util-linux) not installed" >>"$notes"
		trow "gate: $empty empty namespaces added to \`sockscope --all-netns -n\`" "-" "≤ 50 ms" ""
		return
	fi
	t0=$(date +%s.%N)
	for ((i = 1; i <= empty; i++)); do mkns "$prefix-e$i"; done
	t1=$(date +%s.%N)
	echo "- $empty empty namespaces made in $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s" >>"$notes"
	nsc=$(unshare --mount --pid --fork --mount-proc --propagation private \
		bash -c "$sandbox_sh" sandbox with "$prefix" "$empty" "$bin/floor-allns" -v 2>&1 >/dev/null | head -n 1)
	{
		echo
		echo "## The gate: $empty empty namespaces on top of a host listing"
		echo
		echo "In the sandbox with the empty namespaces, ${nsc#floor-allns: }. Load average: $(cut -d' ' -f1-3 /proc/loadavg)."
		echo
	} >>"$report"
	for v in alone with; do # warm-up
		sandbox_measure "$v" g_sc >/dev/null || true
	done
	k=0
	for ((r = 1; r <= runs; r++)); do
		for v in alone with with alone; do # ABBA: drifts cancel
			for id in "${gids[@]}"; do
				k=$((k + 1))
				line=$(sandbox_measure "$v" "$id") || true
				el=$(field elapsed "$line") st=$(field status "$line")
				printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "gate-$v" "$id" "$k" "$el" \
					"$(field maxrss_kib "$line")" "$(field user "$line")" "$(field sys "$line")" "${st:-none}" >>"$raw"
				if ! good_status "${st:-none}"; then
					echo "- \`${label[$id]}\` (gate, $v) run $k: ${st:-no status} ($(head -c 200 "$tmp/err.$id" | head -n 1))" >>"$notes"
					[[ $id != *sc* ]] || sc_failed=1
				fi
			done
		done
	done
	for ((i = 1; i <= empty; i++)); do delns "$prefix-e$i"; done
	echo "- the empty namespaces deleted; $((2 * runs)) runs of each command in each variant, ABBA order" >>"$notes"
	{
		echo "| command | host alone: median s | CPU s | with $empty empty: median s | CPU s | added ms (wall) | added ms (CPU) | peak RSS MiB alone / with |"
		echo "|---|--:|--:|--:|--:|--:|--:|--:|"
	} >>"$report"
	for id in "${gids[@]}"; do
		stats gate-alone "$id"
		stats gate-with "$id"
		base=${med[gate-alone/$id]} with=${med[gate-with/$id]}
		added='' cadded=''
		if [ -n "$base" ] && [ -n "$with" ]; then
			added=$(awk -v a="$base" -v w="$with" 'BEGIN {printf "%.1f", 1000 * (w - a)}')
			cadded=$(awk -v a="${cpu[gate-alone/$id]}" -v w="${cpu[gate-with/$id]}" 'BEGIN {printf "%.1f", 1000 * (w - a)}')
		fi
		# shellcheck disable=SC2016
		printf '| `%s` | %s | %s | %s | %s | %s | %s | %s / %s |\n' "${label[$id]}" "$(secs "$base")" \
			"$(secs "${cpu[gate-alone/$id]}")" "$(secs "$with")" "$(secs "${cpu[gate-with/$id]}")" \
			"$added" "$cadded" "$(mib "${rss[gate-alone/$id]}")" "$(mib "${rss[gate-with/$id]}")" >>"$report"
		if [ "$id" = g_sc ]; then
			if [ -n "$added" ]; then
				trow "gate: $empty empty namespaces added to \`sockscope --all-netns -n\`" "$added ms" "≤ 50 ms" \
					"$(awk -v a="$added" 'BEGIN {print (a <= 50) ? 1 : 0}')" "$cadded ms" \
					"$(awk -v a="$cadded" 'BEGIN {print (a <= 50) ? 1 : 0}')"
			else
				trow "gate: $empty empty namespaces added to \`sockscope --all-netns -n\`" "-" "≤ 50 ms" ""
			fi
		fi
	done
	{
		echo
		echo "floor-allns has no gate: it enters and dumps every namespace, the cost the gate avoids. The CPU"
		echo "column counts every thread of the process (the dumps run on 2 to 4 threads)."
	} >>"$report"
}

# --- 2. the population ------------------------------------------------------
pop_sockets=0
pop_build() {
	local i t0 t1 n fmax need
	need=$((nns * per_ns * 2 + 100000))
	fmax=$(cat /proc/sys/fs/file-max)
	if ((fmax < need)) && echo "$need" >/proc/sys/fs/file-max 2>/dev/null; then
		echo "- raised fs.file-max from $fmax to $need" >>"$notes"
	fi
	echo "allns.sh: $nns namespaces x $per_ns TCP sockets..." >&2
	t0=$(date +%s.%N)
	if ((child_ehash)); then
		have nsenter || { echo "allns.sh: --child-ehash needs nsenter (util-linux)" >&2; return 1; }
		mkns "$prefix-parent"
		ip netns exec "$prefix-parent" sysctl -q -w net.ipv4.tcp_child_ehash_entries="$child_ehash" || return 1
		echo "- the population's namespaces have private TCP ehash tables: made inside $prefix-parent," \
			"net.ipv4.tcp_child_ehash_entries=$child_ehash there" >>"$notes"
	fi
	for ((i = 1; i <= nns; i++)); do
		if ((child_ehash)); then
			# ip netns add unshares from the netns it runs in: the parent's sysctl applies
			nsenter --net="/run/netns/$prefix-parent" ip netns add "$prefix-p$i"
			ip -n "$prefix-p$i" link set lo up
		else
			mkns "$prefix-p$i" lo
		fi
		# popgen counts its sockets, listeners included; -n M+1 builds M
		ip netns exec "$prefix-p$i" "$bin/popgen" -n $((per_ns + 1)) -w 1 -f 0 --idle-listeners 0 \
			--max-hold 7200 >"$tmp/pg.$i" 2>"$tmp/pg.$i.err" &
		pg_pids+=($!)
	done
	for ((i = 1; i <= nns; i++)); do
		for _ in $(seq 600); do
			grep -q '^READY' "$tmp/pg.$i" 2>/dev/null && break
			kill -0 "${pg_pids[$((i - 1))]}" 2>/dev/null || break
			sleep 0.1
		done
		if ! grep -q '^READY' "$tmp/pg.$i"; then
			echo "allns.sh: popgen in $prefix-p$i did not get ready:" >&2
			cat "$tmp/pg.$i.err" >&2
			return 1
		fi
		n=$(field sockets "$(grep -m1 '^READY' "$tmp/pg.$i")")
		pop_sockets=$((pop_sockets + n))
	done
	t1=$(date +%s.%N)
	echo "- population: $nns namespaces, $pop_sockets TCP sockets, built in $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s" >>"$notes"
}

pop_check() {
	local f n_sc n_scp n_fl n_flp n_ss n_lsfd ok=1 line nsc i
	nsc=$("$bin/floor-allns" -v 2>&1 >/dev/null | head -n 1 | sed 's/^floor-allns: //')
	"$SOCKSCOPE" --all-netns -n -H --no-legend >"$tmp/rows.sc" 2>"$tmp/rows.sc.err" || true
	"$SOCKSCOPE" --all-netns -n -p -H --no-legend >"$tmp/rows.scp" 2>"$tmp/rows.scp.err" || true
	"$bin/floor-allns" >"$tmp/rows.fl"
	"$bin/floor-allns" -p >"$tmp/rows.flp"
	n_sc=$(count_mine "$tmp/rows.sc") n_scp=$(count_mine_any "$tmp/rows.scp")
	n_fl=$(count_mine "$tmp/rows.fl") n_flp=$(count_mine_any "$tmp/rows.flp")
	n_ss=0
	if [ -z "${skip_all[ss_loop]:-}" ]; then
		for ((i = 1; i <= nns; i++)); do
			ip netns exec "$prefix-p$i" ss -tanH
		done >"$tmp/rows.ss"
		n_ss=$(wc -l <"$tmp/rows.ss")
	fi
	n_lsfd=
	if [ -z "${skip_all[lsfd]:-}" ]; then
		n_lsfd=$(lsfd -n -Q '(PROTONAME == "TCP") or (PROTONAME == "TCPv6")' | wc -l)
	fi
	{
		echo
		echo "## $nns namespaces × $per_ns TCP sockets"
		echo
		echo "Discovery (floor-allns -v): $nsc. Load average when the timing starts: $(cut -d' ' -f1-3 /proc/loadavg)."
		echo
		echo "Rows in the bench's namespaces (where = \`netns:$prefix-p*\`), checked before the timing:"
		echo "popgen built $pop_sockets; \`sockscope --all-netns -n\` $n_sc, \`-n -p\` $n_scp; floor-allns $n_fl,"
		echo "\`-p\` $n_flp; the ss loop over these namespaces $n_ss. All rows of the host: sockscope"
		echo "$(wc -l <"$tmp/rows.sc"), floor-allns $(wc -l <"$tmp/rows.fl")${n_lsfd:+; lsfd lists $n_lsfd TCP fds of every process}."
		echo
	} >>"$report"
	for f in n_sc n_scp n_fl n_flp; do
		[ "${!f}" = "$pop_sockets" ] || ok=0
	done
	[ -n "${skip_all[ss_loop]:-}" ] || [ "$n_ss" = "$pop_sockets" ] || ok=0
	if ((!ok)); then
		echo "allns.sh: ROW COUNTS DISAGREE: popgen $pop_sockets, sockscope $n_sc, sockscope -p $n_scp," \
			"floor $n_fl, floor -p $n_flp, ss loop $n_ss" >&2
		head -n 3 "$tmp/rows.sc.err" >&2
		return 1
	fi
	line=$(head -n 1 "$tmp/rows.sc.err")
	[ -z "$line" ] || echo "- \`sockscope --all-netns -n\` said on stderr: $line" >>"$notes"
}

pop_part() {
	pop_check || return 1
	echo "allns.sh: timing, $runs run(s) each..." >&2
	timed pop "${ids[@]}"
	table pop "${ids[@]}"
	tratio "\`sockscope --all-netns -n\` / \`floor-allns\`" pop sc_n floor 1.25
	tratio "\`sockscope --all-netns -n -p\` / \`floor-allns -p\` (beyond the issue)" pop sc_p floor_p 1.25
	stats pop sc_n
	stats pop ss_loop
	stats pop lsfd
	{
		echo
		echo "Against the others, same run: \`sockscope --all-netns -n\` takes $(ratio "${med[pop/sc_n]}" "${med[pop/ss_loop]:-}")×" \
			"the ss loop's wall time ($(ratio "${cpu[pop/sc_n]}" "${cpu[pop/ss_loop]:-}")× its CPU)" \
			"and $(ratio "${med[pop/sc_n]}" "${med[pop/lsfd]:-}")× lsfd's ($(ratio "${cpu[pop/sc_n]}" "${cpu[pop/lsfd]:-}")× its CPU)."
		echo "floor-allns dumps on as many threads as sockscope (2 to 4: the CPUs); \`-j 1\` is the same on the main"
		echo "thread alone, \`--no-fds\` leaves out the walk of every process's fds (namespaces held only by an fd)."
	} >>"$report"
}

# --- 3. top -----------------------------------------------------------------
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

ticks() { # utime + stime of a pid (all its threads), in clock ticks
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	# shellcheck disable=SC2086
	set -- $s
	echo $((${12} + ${13}))
}

top_part() {
	local pane pid t1 t2 hz pct hwm fl
	if ! have tmux; then
		echo "- \`sockscope top --all-netns\`: not measured: tmux not installed" >>"$notes"
		trow "\`sockscope top --all-netns -d 1\`, CPU of one core" "-" "≤ 20 %" ""
		return
	fi
	echo "allns.sh: sockscope top --all-netns -d 1 for $top_secs s..." >&2
	tmux -L "$tmux_sock" -f /dev/null new-session -d -x 200 -y 50 "$SOCKSCOPE top --all-netns -d 1; echo sockscope exit status \$?; sleep 600"
	pane=$(tmux -L "$tmux_sock" display-message -p '#{pane_pid}')
	pid=
	for _ in $(seq 50); do
		pid=$(descendant_named "$pane" sockscope) && break
		sleep 0.1
	done
	if [ -z "$pid" ]; then
		echo "- \`sockscope top --all-netns\`: not measured: the process did not start" >>"$notes"
		tmux -L "$tmux_sock" kill-server 2>/dev/null || true
		trow "\`sockscope top --all-netns -d 1\`, CPU of one core" "-" "≤ 20 %" ""
		return
	fi
	sleep 3 # past the first refreshes
	hz=$(getconf CLK_TCK)
	t1=$(ticks "$pid") || t1=
	sleep "$top_secs"
	t2=$(ticks "$pid") || t2=
	hwm=$(awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status" 2>/dev/null) || hwm=
	tmux -L "$tmux_sock" capture-pane -p >"$tmp/top.screen" 2>/dev/null || true
	tmux -L "$tmux_sock" kill-server 2>/dev/null || true
	if [ -z "$t1" ] || [ -z "$t2" ]; then
		echo "- \`sockscope top --all-netns -d 1\`: exited during the measurement; its pane said:" \
			"$(grep -v '^ *$' "$tmp/top.screen" | tail -n 3 | tr '\n' ' ')" >>"$notes"
		trow "\`sockscope top --all-netns -d 1\`, CPU of one core" "-" "≤ 20 %" ""
		return
	fi
	pct=$(awk -v d=$((t2 - t1)) -v hz="$hz" -v s="$top_secs" 'BEGIN {printf "%.1f", 100 * d / hz / s}')
	echo "- top's header at the end: \`$(head -n 1 "$tmp/top.screen" | sed 's/ *$//')\`" >>"$notes"
	stats pop floor
	fl=
	[ -z "${cpu[pop/floor]:-}" ] || fl=$(awk -v c="${cpu[pop/floor]}" 'BEGIN {printf "%.1f", 100 * c}')
	{
		echo
		echo "\`sockscope top --all-netns -d 1\` at $nns × $per_ns (tmux pane 200x50): **$pct % of one CPU** over"
		echo "$top_secs s (utime+stime of all its threads, $((t2 - t1)) ticks at $hz Hz, after a 3 s start), peak RSS"
		echo "${hwm:-?} MiB.${fl:+ For scale: one pass of floor-allns costs $(secs "${cpu[pop/floor]}") s of CPU, $fl % of a core at one pass a second.}"
	} >>"$report"
	trow "\`sockscope top --all-netns -d 1\`, CPU of one core" "$pct %" "≤ 20 %" \
		"$(awk -v p="$pct" 'BEGIN {print (p <= 20) ? 1 : 0}')"
}

# --- main -------------------------------------------------------------------
{
	echo "# sockscope --all-netns benchmark"
	echo
	echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
	echo "- kernel: $(uname -sr); date: $(date -u '+%Y-%m-%d %H:%M UTC'); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- sockscope: ${sc_version:-n/a} ($SOCKSCOPE); $(ss -V 2>/dev/null | head -n 1); $(lsfd --version 2>/dev/null | head -n 1)"
	echo "- $runs run(s) per command, interleaved; wall-clock medians and CPU (user+sys, every thread and child"
	echo "  waited for) medians; each command runs in the host namespace with stdout on /dev/null, timed by"
	echo "  \`measure\`; peak RSS is the largest ru_maxrss over the runs. Commands slower than $slow s run once;"
	echo "  over $cap s they are killed. sockscope's exit status 3 (partial: a namespace vanished) counts as a run."
	echo "- floor: \`floor-allns\` = the discovery issue 13 asks for (own, /proc/PID/ns/net, nsfs mounts, nsfs fds;"
	echo "  deduplicated by dev/ino) + per namespace setns on a worker thread and one TCPDIAG_GETSOCK dump of every"
	echo "  state, hand-rolled lines; no gate. \`-p\` adds the owners from the same fd walk."
} >"$report"

status=0
sc_failed=0
if want gate; then
	gate_part || status=1
fi
if ((status == 0)) && { want pop || want top || want hold; }; then
	if pop_build; then
		if want pop; then
			pop_part || status=1
		fi
		if ((status == 0)) && want top; then
			top_part
		fi
		if ((status == 0)) && want hold; then
			echo "allns.sh: holding the population (namespaces $prefix-p1..$nns) until ^C or SIGTERM" >&2
			sleep infinity &
			wait $! || true
		fi
	else
		status=1
	fi
fi
{
	echo
	echo "## Targets (issue 13)"
	echo
	echo "| target | measured (wall) | CPU | limit | met | met (CPU) |"
	echo "|---|--:|--:|--:|---|---|"
	cat "$targets"
	echo
	echo "$n_met of $n_all targets met."
	echo
	echo "## Notes"
	echo
	cat "$notes"
	echo "- total wall time of this run: $(($(date +%s) - t_start)) s"
} >>"$report"
if [ -n "$out" ]; then
	cp "$report" "$out"
	echo "allns.sh: wrote $out and $raw" >&2
else
	cat "$report"
fi
if ((strict && (sc_failed || missed))); then
	echo "allns.sh: a sockscope command failed or a target was missed (--strict)" >&2
	status=1
fi
exit "$status"
