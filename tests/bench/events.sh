#!/bin/bash
# SPDX-License-Identifier: MIT
# events benchmark (issue 14; not a test, never timed by meson test): conngen
# paces short loopback connections (default 20,000 a second for 10 s) in a
# private namespace, alone and beside each observer, interleaved, --runs times:
#   tp        sockscope events -f jsonl FILTER > /dev/null   (the tracepoint, ftrace reader)
#   tpperf    the same with --tracepoint-reader=perf
#   lifetimes sockscope events --lifetimes -f jsonl FILTER > /dev/null
#   poll      sockscope events --source=poll -f jsonl FILTER (snapshots every 0.1 s)
#   watch1    sockscope --watch=1 -f jsonl FILTER              (plain listings every 1 s)
#   watch01   sockscope --watch=0.1 -f jsonl FILTER
#   ssE       ss -E -tn FILTER                                 (the destroy groups)
# FILTER names the generator's listener ports.  Per run: the generator's own
# rate and CPU, the observer's CPU time (wait4, through measure) as a share of
# one core over the generator's elapsed time, what it reported against the
# generator's ground truth (10 transitions a connection, 2 a listener; 2
# lifetimes a connection; for the pollers the server-side connections seen at
# all), lost samples from the summary line.  Prints a Markdown report.
# Usage: events.sh [--rate R] [--duration S] [--runs N] [--procs P] [--modes LIST] [--out FILE]
# Needs root (namespace, tracepoint); exits 77 otherwise.
set -uo pipefail
rate=20000 duration=10 runs=3 procs=2 out=/dev/stdout
modes="alone tp tpperf lifetimes poll watch1 watch01 ssE"
while [ $# -gt 0 ]; do
	case $1 in
	--rate) rate=$2; shift ;;
	--duration) duration=$2; shift ;;
	--runs) runs=$2; shift ;;
	--procs) procs=$2; shift ;;
	--modes) modes=${2//,/ }; shift ;;
	--out) out=$2; shift ;;
	*) echo "usage: $0 [--rate R] [--duration S] [--runs N] [--procs P] [--modes LIST] [--out FILE]" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
root=$(cd "$(dirname "$0")/../.." && pwd)
SOCKSCOPE=${SOCKSCOPE:-$root/build/src/sockscope}
BENCH_BIN=${BENCH_BIN:-$root/build/tests/bench}
for b in "$SOCKSCOPE" "$BENCH_BIN/conngen" "$BENCH_BIN/measure"; do
	[ -x "$b" ] || { echo "missing $b (meson setup build --buildtype=release && ninja -C build)" >&2; exit 1; }
done
ns=sbench-ev-$$
tmp=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
ip netns add "$ns" || { echo "SKIP: cannot create a namespace"; exit 77; }
ip -n "$ns" link set lo up
inns() { ip netns exec "$ns" "$@"; }
# room for 200k connections in TIME-WAIT: every port, 16 destination addresses
inns sysctl -qw net.ipv4.ip_local_port_range="1024 65000" net.ipv4.tcp_max_tw_buckets=1000000
port=800
filter="sport = :$port or dport = :$port"
sfilter="sport = :$port"
ports_re=$port
for ((i = 1; i < procs; i++)); do
	filter="$filter or sport = :$((port + i)) or dport = :$((port + i))"
	sfilter="$sfilter or sport = :$((port + i))"
	ports_re="$ports_re|$((port + i))"
done
# tracefs once, so that no timed run mounts it
inns "$SOCKSCOPE" events --mount-tracefs --source=tracepoint --duration=0.1 >/dev/null 2>"$tmp/probe" ||
	{ cat "$tmp/probe"; echo "SKIP: no tracepoint source"; exit 77; }

kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }
observer() { # observer MODE: the command line
	local d
	d=$(awk -v a="$duration" 'BEGIN { print a + 3 }')
	case $1 in
	# --mount-tracefs: every ip netns exec mounts a fresh /sys, without tracefs
	# (without it the tracepoint source falls back to the destroy source)
	tp) echo "$SOCKSCOPE events --mount-tracefs -f jsonl --duration=$d $filter" ;;
	tpperf) echo "$SOCKSCOPE events --mount-tracefs --tracepoint-reader=perf -f jsonl --duration=$d $filter" ;;
	lifetimes) echo "$SOCKSCOPE events --mount-tracefs --lifetimes -f jsonl --duration=$d $filter" ;;
	poll) echo "$SOCKSCOPE events --source=poll -f jsonl --duration=$d $filter" ;;
	watch1) echo "$SOCKSCOPE --watch=1 -f jsonl $sfilter" ;;
	watch01) echo "$SOCKSCOPE --watch=0.1 -f jsonl $sfilter" ;;
	ssE) echo "stdbuf -oL ss -E -tn $sfilter" ;; # line-buffered: measure ends it with SIGKILL
	esac
}

# seen: server-side connections in the observer's output (distinct peer
# address and port per listener port; a 4-tuple reused within the run counts
# once, so this is a lower bound of what it saw)
seen() { # seen MODE FILE
	case $1 in
	ssE) awk -v p=":($ports_re)\$" '$4 ~ p { n[$4 " " $5]++ } END { print length(n) }' "$2" ;;
	*) grep -Eo "\"local_port\":($ports_re),\"remote_addr\":\"[^\"]*\",\"remote_port\":[1-9][0-9]*" "$2" | sort -u | wc -l ;;
	esac
}

raw=$tmp/raw.tsv
printf 'run\tmode\trate\tcompleted\telapsed\tbehind\tgen_cpu\tobs_cpu\tobs_pct\treported\texpected\tlost\tseen\n' >"$raw"
echo "events benchmark: target $rate/s for ${duration}s, $procs generator processes, $runs runs, modes: $modes" >&2
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for ((r = 1; r <= runs; r++)); do
	for m in $modes; do
		o=$tmp/$m.$r.out e=$tmp/$m.$r.err
		mpid=
		if [ "$m" != alone ]; then
			cmd=$(observer "$m")
			t=$(awk -v a="$duration" 'BEGIN { print a + 6 }') # after --duration: the summary line
			# shellcheck disable=SC2086
			inns "$BENCH_BIN/measure" -t "$t" -o "$o" -e "$e" -- $cmd >"$tmp/measure" &
			mpid=$!
			# ready: the tracepoint runs print their mount notice once the rings are enabled
			for ((w = 0; w < 100; w++)); do
				case $m in tp | tpperf | lifetimes) grep -q 'mounted tracefs' "$e" 2>/dev/null && break ;; *) [ $w -ge 10 ] && break ;; esac
				sleep 0.1
			done
			sleep 0.2
		fi
		g=$(inns "$BENCH_BIN/conngen" --rate "$rate" --duration "$duration" --procs "$procs" --port "$port")
		[ -n "$mpid" ] && wait "$mpid"
		el=$(kv elapsed "$g")
		gcpu=$(awk -v u="$(kv user "$g")" -v s="$(kv sys "$g")" 'BEGIN { printf "%.2f", u + s }')
		ocpu=- opct=- rep=- exp=- lost=- sn=-
		if [ -n "$mpid" ]; then
			mline=$(cat "$tmp/measure")
			ocpu=$(awk -v u="$(kv user "$mline")" -v s="$(kv sys "$mline")" 'BEGIN { printf "%.3f", u + s }')
			opct=$(awk -v c="$ocpu" -v e="$el" 'BEGIN { printf "%.1f", 100 * c / e }')
			case $m in
			tp | tpperf | lifetimes)
				rep=$(sed -n 's/.*, \([0-9]*\) \(records\|lifetimes\) written.*/\1/p' "$e")
				lost=$(sed -n 's/.* \([0-9]*\) samples lost.*/\1/p' "$e")
				grep -q '(source: tracepoint' "$e" || lost="$lost(source:$(sed -n 's/.*(source: \([a-z]*\).*/\1/p' "$e"))"
				if [ "$m" != lifetimes ]; then exp=$(kv transitions "$g"); else exp=$((2 * $(kv completed "$g"))); fi ;;
			*) sn=$(seen "$m" "$o") ;;
			esac
		fi
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$m" "$(kv rate "$g")" "$(kv completed "$g")" \
			"$el" "$(kv behind "$g")" "$gcpu" "$ocpu" "$opct" "$rep" "$exp" "$lost" "$sn" >>"$raw"
		tail -1 "$raw" >&2
		rm -f "$o"
	done
done

# The report: medians per mode
{
	echo "## events benchmark ($(date -u +%F), target $rate connections/s for ${duration} s, $procs generator processes, $runs runs)"
	echo
	echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs. Medians of $runs interleaved runs."
	echo
	echo "| observer | workload rate/s | rate vs alone | workload CPU µs/conn (vs alone) | observer CPU s | % of one core | observer µs/conn → % of a core at 20k/s | reported / expected | lost | connections seen |"
	echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
	awk -F'\t' 'NR > 1 { k = $2; n[k]++; R[k, n[k]] = $3; C[k, n[k]] = $7; O[k, n[k]] = $8; P[k, n[k]] = $9;
			rep[k] = rep[k] " " $10 "/" $11; L[k] = L[k] " " $12; S[k, n[k]] = $13; D[k, n[k]] = $4; order[k] = NR }
		function med(a, k, m,   i, j, t, v) { for (i = 1; i <= m; i++) v[i] = a[k, i];
			for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
			return v[int((m + 1) / 2)] }
		END { base = med(R, "alone", n["alone"]);
			split("alone tp tpperf lifetimes poll watch1 watch01 ssE", ks, " ");
			for (x = 1; x <= 8; x++) { k = ks[x]; if (!n[k]) continue;
				r = med(R, k, n[k]);
				seen = "-"; if (S[k, 1] != "-") { s = med(S, k, n[k]); d = med(D, k, n[k]); seen = sprintf("%d of %d (%.1f%% missed)", s, d, 100 * (1 - s / d)) }
				d = med(D, k, n[k]); gc = 1e6 * med(C, k, n[k]) / d; if (k == "alone") gbase = gc;
				oc = O[k, 1] == "-" ? "-" : sprintf("%.1f → %.0f%%", 1e6 * med(O, k, n[k]) / d, 100 * 20000 * med(O, k, n[k]) / d);
				printf "| %s | %d | %+.1f%% | %.1f (%+.0f%%) | %s | %s | %s | %s | %s | %s |\n", k, r, base ? 100 * (r / base - 1) : 0,
					gc, gbase ? 100 * (gc / gbase - 1) : 0, med(O, k, n[k]), med(P, k, n[k]), oc, (k ~ /^tp/ || k == "lifetimes") ? rep[k] : "-",
					(k ~ /^tp/ || k == "lifetimes") ? L[k] : "-", seen } }' "$raw"
	echo
	echo "Raw runs:"
	echo
	echo '```'
	column -t -s $'\t' "$raw"
	echo '```'
} >"$out"
