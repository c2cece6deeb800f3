#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The exporter's benchmark (issue 15), not part of meson test: with N TCP
# sockets (popgen, in a private namespace), the time of one scrape against
# `sockscope -f prom` on the same population (medians of R interleaved runs),
# 50 concurrent scrapes against one, and the exporter's RSS over S scrapes.
# Run as root:  tests/bench/exporter.sh [-n 300000] [-r 5] [-s 10000]
# Environment: SOCKSCOPE (default build/src/sockscope), BENCH_BIN (default
# build/tests/bench).  Traffic stays on 127.0.0.1 and in the namespace.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
S=${SOCKSCOPE:-$root/build/src/sockscope}
B=${BENCH_BIN:-$root/build/tests/bench}
n=300000 runs=5 scrapes=10000
while getopts n:r:s: o; do
	case $o in
	n) n=$OPTARG ;;
	r) runs=$OPTARG ;;
	s) scrapes=$OPTARG ;;
	*) exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "run as root"; exit 77; }
ns=sockscope-expbench-$$ tmp=$(mktemp -d) pg= ex=
cleanup() {
	[ -n "$ex" ] && kill "$ex" 2>/dev/null && wait "$ex" 2>/dev/null
	[ -n "$pg" ] && kill "$pg" 2>/dev/null && wait "$pg" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ulimit -n 1048576 2>/dev/null || true
ip netns add "$ns" && ip -n "$ns" link set lo up
echo $((n * 4 + 100000)) >/proc/sys/fs/file-max 2>/dev/null || true
ip netns exec "$ns" "$B/popgen" -n "$n" -f 0 --max-hold 1800 >"$tmp/pg.out" 2>"$tmp/pg.err" &
pg=$!
for _ in $(seq 3000); do grep -q '^READY' "$tmp/pg.out" && break; sleep 0.1; done
grep -q '^READY' "$tmp/pg.out" || { cat "$tmp/pg.err"; exit 1; }
"$S" exporter -N "$ns" --web.listen-address=127.0.0.1:0 2>"$tmp/ex.err" &
ex=$!
for _ in $(seq 100); do addr=$(grep -m1 -o 'listening on [^ ]*' "$tmp/ex.err" | cut -d' ' -f3) && [ -n "$addr" ] && break; sleep 0.05; done
now() { date +%s.%N; }
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
: >"$tmp/prom" && : >"$tmp/scrape"
for _ in $(seq "$runs"); do
	t0=$(now); "$S" -N "$ns" -f prom >/dev/null; t1=$(now)
	curl -s -o /dev/null -H 'X-Prometheus-Scrape-Timeout-Seconds: 30' "http://$addr/metrics"; t2=$(now)
	echo "$t1 - $t0" | bc >>"$tmp/prom"
	echo "$t2 - $t1" | bc >>"$tmp/scrape"
done
p=$(median <"$tmp/prom") sc=$(median <"$tmp/scrape")
t0=$(now)
for _ in $(seq 50); do curl -s -o /dev/null "http://$addr/metrics" & done
wait $(jobs -p | grep -v "^$ex\$" | grep -v "^$pg\$") 2>/dev/null
t1=$(now)
c50=$(echo "$t1 - $t0" | bc)
kill "$pg"; wait "$pg" 2>/dev/null; pg=
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$ex/status"; }
r0=$(rss) rmax=$r0
for i in $(seq "$scrapes"); do
	curl -s -o /dev/null "http://$addr/metrics"
	if ((i % 1000 == 0)); then r=$(rss); ((r > rmax)) && rmax=$r; fi
done
r1=$(rss)
printf '| %s TCP sockets | one scrape %.3f s | sockscope -f prom %.3f s | ratio %.2fx | 50 concurrent scrapes %.3f s (%.2fx one) | RSS over %s scrapes: %s -> %s KiB, max %s |\n' \
	"$n" "$sc" "$p" "$(echo "$sc / $p" | bc -l)" "$c50" "$(echo "$c50 / $sc" | bc -l)" "$scrapes" "$r0" "$r1" "$rmax"
