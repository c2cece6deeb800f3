#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The exporter's transition counters against a generator's ground truth.
# In a private namespace tests/events/load.py makes N short connections (the
# client closes first) and M refused ones while `sockscope exporter -N NS`
# runs on the host side: the differences between two scrapes equal what the
# generator did (CLOSED -> SYN-SENT = N + M, refused = M, ...), every counter
# is monotonic over three scrapes, and promtool accepts the exposition.  The
# exporter run inside the namespace (its own namespace, listeners seeded from
# its snapshot) counts a listener opened before it started.  Then the
# exporter keeps serving without the series when no source opens
# (perf_event_paranoid = 3 as nobody with --source=tracepoint: one notice),
# and --no-events opens none.  Root only (77 otherwise); restores the sysctl
# and removes the namespace.  NS_PREFIX names the namespace (default
# sockscope-expev).
set -uo pipefail
EXPORTER_DRIVER=${EXPORTER_DRIVER:-/bin/true}
. "$(dirname "$0")/lib.sh"
need_root
need ip curl python3 unshare nsenter setpriv
S=$SOCKSCOPE
LOAD=$SOURCE_ROOT/tests/events/load.py
NS=${NS_PREFIX:-sockscope-expev}-$$
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)
PIDS_NS=()
cleanup_ns() {
	echo "$paranoid" >/proc/sys/kernel/perf_event_paranoid
	for p in "${PIDS_NS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS_NS[@]}"; do wait "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	cleanup
}
trap cleanup_ns EXIT
ip netns add "$NS" || skip "cannot create a network namespace"
ip -n "$NS" link set lo up
inns() { ip netns exec "$NS" "$@"; }

# start_exporter NAME COMMAND...: sets EADDR, EPID
start_exporter() {
	local name=$1
	shift
	"$@" >"$T/$name.out" 2>"$T/$name.err" &
	EPID=$!
	PIDS_NS+=("$EPID")
	for _ in $(seq 100); do
		EADDR=$(grep -m1 -o 'listening on [^ ]*' "$T/$name.err" 2>/dev/null | cut -d' ' -f3)
		[ -n "$EADDR" ] && return 0
		kill -0 "$EPID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$T/$name.err" >&2
	return 1
}
# val FILE SERIES: the value of one series, 0 when absent
val() { awk -v s="$2" '$1 == s { print $2; f = 1 } END { if (!f) print 0 }' "$1"; }
tr_() { echo "sockscope_tcp_transitions_total{from=\"$1\",to=\"$2\"}"; }
# delta A B SERIES: B's value minus A's
delta() { echo $(($(val "$2" "$3") - $(val "$1" "$3"))); }
# monotonic A B: every counter of A is in B with a value at least as large
monotonic() {
	awk '/^#/ { next } FNR == NR { if ($1 ~ /_total($|\{)/) a[$1] = $2; next }
	     $1 in a { b[$1] = $2 }
	     END { for (k in a) if (!(k in b) || b[k] + 0 < a[k] + 0) { print "not monotonic: " k; bad = 1 }
	           exit bad }' "$1" "$2"
}
# gen N M: the generator in the namespace; it stays 1 s after its last
# connection, so that the exporter can still read /proc/PID/task/TID/ns/net
gen() {
	inns python3 -c "
import runpy, sys, time
sys.argv = ['load.py', '$1', '$2', '0', '0', '$BASE', '$T/load.json']
runpy.run_path('$LOAD', run_name='__main__')
time.sleep(1)"
}
# settle URL FILE: scrapes until two scrapes 0.3 s apart agree on the counters
settle() {
	local prev
	for _ in $(seq 20); do
		prev=$(grep '^sockscope_tcp_connections' "$2" 2>/dev/null)
		sleep 0.3
		curl -s "$1" >"$2"
		[ "$(grep '^sockscope_tcp_connections' "$2")" = "$prev" ] && return 0
	done
	return 1
}
BASE=$((20000 + RANDOM % 5000 * 2))

# --- -N from the host side (tracefs mounted privately if it is not) ---------
start_exporter host unshare --mount --propagation private \
	"$S" exporter -N "$NS" --mount-tracefs --web.listen-address=127.0.0.1:0 || bad "exporter -N started"
URL=http://$EADDR/metrics
curl -s "$URL" >"$T/s1.txt"
grep -qx 'sockscope_events_source_info{source="tracepoint",reader="ftrace"} 1' "$T/s1.txt" ||
	{ cat "$T/host.err"; skip "the tracepoint source is unavailable"; }
check "no notice when the tracepoint opens" test "$(grep -vc 'listening on' "$T/host.err")" = 0
check "events collector up" grep -qx 'sockscope_collector_success{collector="events"} 1' "$T/s1.txt"
N=300 M=80
gen $N $M
check "generator ran" test -s "$T/load.json"
check "generator: $M refused" python3 -c "import json,sys; sys.exit(json.load(open('$T/load.json'))['refused'] != $M)"
settle "$URL" "$T/s2.txt" || bad "counters settled"
lost=$(delta "$T/s1.txt" "$T/s2.txt" sockscope_events_lost_total)
echo "  N=$N short, M=$M refused; samples lost: $lost; unattributed: $(val "$T/s2.txt" sockscope_events_unattributed_total)"
expect() { # expect WHAT SERIES VALUE: exact without lost samples; else short by at most the samples lost
	local d
	d=$(delta "$T/s1.txt" "$T/s2.txt" "$2")
	if [ "$lost" = 0 ]; then
		check "$1 = $3 (got $d)" test "$d" = "$3"
	else
		check "$1 = $3 less at most $lost lost (got $d)" test "$d" -le "$3" -a $(($3 - d)) -le "$lost"
	fi
}
expect "CLOSED -> SYN-SENT" "$(tr_ CLOSED SYN-SENT)" $((N + M))
expect "SYN-SENT -> ESTABLISHED" "$(tr_ SYN-SENT ESTABLISHED)" "$N"
expect "SYN-SENT -> CLOSED" "$(tr_ SYN-SENT CLOSED)" "$M"
expect "SYN-RECEIVED -> ESTABLISHED" "$(tr_ SYN-RECEIVED ESTABLISHED)" "$N"
expect "ESTABLISHED -> FIN-WAIT-1" "$(tr_ ESTABLISHED FIN-WAIT-1)" "$N"
expect "ESTABLISHED -> CLOSE-WAIT" "$(tr_ ESTABLISHED CLOSE-WAIT)" "$N"
expect "LAST-ACK -> CLOSED" "$(tr_ LAST-ACK CLOSED)" "$N"
expect "opened active" 'sockscope_tcp_connections_opened_total{side="active"}' $((N + M))
expect "opened passive" 'sockscope_tcp_connections_opened_total{side="passive"}' "$N"
expect "closed normal (both sides)" 'sockscope_tcp_connections_closed_total{end="normal"}' $((2 * N))
expect "closed refused" 'sockscope_tcp_connections_closed_total{end="refused"}' "$M"
expect "closed reset" 'sockscope_tcp_connections_closed_total{end="reset"}' 0
expect "closer active (the clients)" 'sockscope_tcp_close_initiator_total{closer="active"}' "$N"
expect "closer passive (the servers)" 'sockscope_tcp_close_initiator_total{closer="passive"}' "$N"
expect "closer none (the refused)" 'sockscope_tcp_close_initiator_total{closer="none"}' "$M"
check "host traffic not counted: nothing before the generator" \
	test "$(val "$T/s1.txt" "$(tr_ CLOSED SYN-SENT)")" = 0
check "monotonic: scrape 1 -> 2" monotonic "$T/s1.txt" "$T/s2.txt"
gen 20 5
settle "$URL" "$T/s3.txt" || bad "counters settled (round 2)"
check "monotonic: scrape 2 -> 3" monotonic "$T/s2.txt" "$T/s3.txt"
check "round 2 counted: CLOSED -> SYN-SENT +25" test "$(delta "$T/s2.txt" "$T/s3.txt" "$(tr_ CLOSED SYN-SENT)")" -ge 25
check "HELP and TYPE counter" grep -qx '# TYPE sockscope_tcp_transitions_total counter' "$T/s3.txt"
check "no per-address labels in the event series" \
	test -z "$(grep -E '^sockscope_(tcp|events)_' "$T/s3.txt" | grep -E 'addr|port|remote|local')"
if command -v promtool >/dev/null; then
	check "promtool check metrics" sh -c "promtool check metrics <'$T/s3.txt'"
fi
stop "$EPID"

# --- inside the namespace: its own scope, a listener older than the exporter -
# nsenter execs (ip netns exec forks, and a function run in the background is
# a subshell): $! is the python process itself, which cleanup kills
nsenter --net="/run/netns/$NS" python3 -c "
import socket
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(('127.0.0.1', $((BASE + 7)))); l.listen(64)
open('$T/lready', 'w').close()
while True:
    a, _ = l.accept(); a.recv(1); a.close()" &
PIDS_NS+=($!)
for _ in $(seq 50); do [ -f "$T/lready" ] && break; sleep 0.1; done
start_exporter own unshare --mount --propagation private \
	nsenter --net="/run/netns/$NS" "$S" exporter --mount-tracefs --web.listen-address=127.0.0.1:0 || bad "exporter in the namespace started"
URL=http://$EADDR/metrics
inns curl -s "$URL" >"$T/o1.txt"
K=40
inns python3 -c "
import socket, time
for _ in range($K):
    c = socket.create_connection(('127.0.0.1', $((BASE + 7)))); c.send(b'x'); c.recv(1); c.close()
time.sleep(1)"
for _ in $(seq 20); do
	sleep 0.3
	inns curl -s "$URL" >"$T/o2.txt"
	[ "$(delta "$T/o1.txt" "$T/o2.txt" 'sockscope_tcp_connections_opened_total{side="passive"}')" -ge $((K + 1)) ] && break
done
# each scrape is one more connection of the namespace (to the exporter): o1's and o2's own
d=$(delta "$T/o1.txt" "$T/o2.txt" 'sockscope_tcp_connections_opened_total{side="passive"}')
check "own namespace: children of a listener older than the exporter counted ($K + 1 scrape, got $d)" test "$d" = $((K + 1))
# the scrape's curl may be gone before the drain thread reads its
# /proc/PID/task/TID/ns/net: its connect() is then unattributed (seen under ASan)
d=$(delta "$T/o1.txt" "$T/o2.txt" 'sockscope_tcp_connections_opened_total{side="active"}')
check "own namespace: active opens $K, + 1 scrape unless its curl exited first (got $d)" \
	test "$d" -ge "$K" -a "$d" -le $((K + 1))
stop "$EPID"

# --- the destroy groups: closes only --------------------------------------
start_exporter destroy "$S" exporter -N "$NS" --source=destroy --web.listen-address=127.0.0.1:0 ||
	bad "exporter --source=destroy started"
URL=http://$EADDR/metrics
curl -s "$URL" >"$T/d1.txt"
check "destroy: source named" grep -qx 'sockscope_events_source_info{source="destroy",reader="none"} 1' "$T/d1.txt"
check "destroy: no opened series (that source cannot know them)" \
	test -z "$(grep '^sockscope_tcp_connections_opened_total' "$T/d1.txt")"
gen 50 10
settle "$URL" "$T/d2.txt" || bad "destroy counters settled"
d=$(delta "$T/d1.txt" "$T/d2.txt" 'sockscope_tcp_connections_closed_total{end="unknown"}')
# both sides of the 50, the 10 refused, and the generator's 2 listeners: the
# destroy path of the feed counts a listener's close as a connection's
check "destroy: every close seen (2 x 50 + 10 + 2 listeners = 112, got $d)" test "$d" = 112
check "destroy: monotonic" monotonic "$T/d1.txt" "$T/d2.txt"
stop "$EPID"

# --- no source: one notice, the exporter serves without the series ----------
chmod 755 "$T"
echo 3 >/proc/sys/kernel/perf_event_paranoid
start_exporter nosrc setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$S" exporter --source=tracepoint --web.listen-address=127.0.0.1:0 || bad "exporter without a source started"
curl -s "http://$EADDR/metrics" >"$T/n1.txt"
sed 's/^/  /' "$T/nosrc.err"
check "no source: one notice" test "$(grep -c 'no event source' "$T/nosrc.err")" = 1
check "no source: nothing else but the listening line" test "$(wc -l <"$T/nosrc.err")" = 2
check "no source: still serving, sockscope_up 1" grep -qx 'sockscope_up 1' "$T/n1.txt"
check "no source: no transition series" test -z "$(grep -E '^sockscope_(tcp_|events_)' "$T/n1.txt")"
check "no source: no events collector" test -z "$(grep 'collector="events"' "$T/n1.txt")"
stop "$EPID"
start_exporter auto setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$S" exporter --web.listen-address=127.0.0.1:0 || bad "unprivileged exporter (auto) started"
curl -s "http://$EADDR/metrics" >"$T/a1.txt"
sed 's/^/  /' "$T/auto.err"
check "auto, unprivileged: one notice" test "$(grep -vc 'listening on' "$T/auto.err")" = 1
check "auto, unprivileged: serving" grep -qx 'sockscope_up 1' "$T/a1.txt"
stop "$EPID"
echo "$paranoid" >/proc/sys/kernel/perf_event_paranoid
check "sysctl restored" test "$(cat /proc/sys/kernel/perf_event_paranoid)" = "$paranoid"

start_exporter off "$S" exporter --no-events --web.listen-address=127.0.0.1:0 || bad "exporter --no-events started"
curl -s "http://$EADDR/metrics" >"$T/f1.txt"
check "--no-events: no notice" test "$(wc -l <"$T/off.err")" = 1
check "--no-events: no transition series" test -z "$(grep -E '^sockscope_(tcp_|events_)' "$T/f1.txt")"
stop "$EPID"
"$S" exporter --source=bogus >/dev/null 2>"$T/e1"
check "--source=bogus: exit 2" test $? = 2
finish
