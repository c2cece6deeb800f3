#!/bin/bash
# SPDX-License-Identifier: MIT
# events: the tracepoint and destroy sources with the lifetime tracker, as
# evdump runs them, against a known workload in a private namespace (2,000
# short loopback connections, refused, timed-out and simultaneous closes):
# exact transition sequences, bytes from the final tcp_info, loss accounting;
# then the fallbacks (no tracefs, unprivileged, perf_event_paranoid 3), each a
# clear one-line error.  Root only (77 otherwise); restores the sysctl and
# unmounts tracefs if it mounted it.
. "$(dirname "$0")/../integration/lib.sh"
need_root
: "${EVDUMP:?EVDUMP must point at evdump}"
command -v python3 >/dev/null || skip "needs python3"
here=$SOURCE_ROOT/tests/events
ns=sockscope-ev-$$
tmp=$(mktemp -d)
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)
mounted_before=0
grep -q ' /sys/kernel/tracing tracefs ' /proc/mounts && mounted_before=1
cleanup() {
	echo "$paranoid" >/proc/sys/kernel/perf_event_paranoid
	ip netns del "$ns" 2>/dev/null
	[ "$mounted_before" = 0 ] && umount /sys/kernel/tracing 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns" || skip "cannot create a network namespace"
ip -n "$ns" link set lo up
# 10.77.0.2 routed to lo but not local: SYNs to it are dropped silently.
ip -n "$ns" route add 10.77.0.0/24 dev lo || skip "cannot add the black-hole route"
base=$((20000 + $$ % 10000 * 4))
ip netns exec "$ns" "$EVDUMP" --source=both --mount --ports=$base-$((base + 3)) --syn-timeout-ms=100 \
	--merge-window-ms=3000 --duration=120 >"$tmp/ev.json" 2>"$tmp/ev.err" &
evpid=$!
for _ in $(seq 50); do grep -q ready "$tmp/ev.err" && break; sleep 0.1; done
grep -Eq 'tracepoint: (ftrace|perf), destroy: yes' "$tmp/ev.err" || { cat "$tmp/ev.err"; skip "tracepoint or destroy source unavailable"; }
ip netns exec "$ns" python3 "$here/load.py" 2000 300 5 3 "$base" "$tmp/load.json"
check "workload ran" test -s "$tmp/load.json"
sleep 4 # the merge window
kill -INT "$evpid"
wait "$evpid"
check "evdump exits 0" test $? = 0
cat "$tmp/ev.err"
if python3 "$here/check_events.py" "$tmp/ev.json" "$tmp/load.json" "$base"; then ok; else bad "event checks"; fi

# Fallbacks: one clear line each, exit 1.
one_line() { # one_line PATTERN COMMAND...
	local pat=$1 out rc
	shift
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	echo "  -> $out"
	[ "$rc" = 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && printf '%s' "$out" | grep -q -- "$pat"
}
check "no tracepoint in the given tracefs" one_line "no tracepoint sock:inet_sock_set_state" \
	"$EVDUMP" --source=tracepoint --tracefs="$tmp/empty" --duration=1
check "tracefs not mounted" one_line "tracefs is not mounted" \
	unshare -m sh -c 'umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug/tracing 2>/dev/null; exec "$0" --source=tracepoint --duration=1' "$EVDUMP"
install -m 755 "$EVDUMP" "$tmp/evdump"
chmod 755 "$tmp"
mkdir -p "$tmp/tfs/events/sock/inet_sock_set_state"
cp /sys/kernel/tracing/events/sock/inet_sock_set_state/{id,format} "$tmp/tfs/events/sock/inet_sock_set_state/"
chmod -R a+rX "$tmp/tfs"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "$@"; }
check "unprivileged: tracefs unreadable" one_line "readable by root only" \
	as_nobody "$tmp/evdump" --source=tracepoint --duration=1
echo 3 >/proc/sys/kernel/perf_event_paranoid
check "paranoid 3, unprivileged: perf refused" one_line "perf_event_paranoid = 3" \
	as_nobody "$tmp/evdump" --source=tracepoint --tracefs="$tmp/tfs" --duration=1
check "paranoid 3, root: still works" "$EVDUMP" --source=tracepoint --duration=0.2
echo "$paranoid" >/proc/sys/kernel/perf_event_paranoid
# each reader on its own: every connect() (process context, so seen by perf
# too, which can miss what an idle CPU's softirqs do) and nothing left behind
for reader in ftrace perf; do
	"$EVDUMP" --source=tracepoint --reader=$reader --ports=$((base + 1))-$((base + 1)) --duration=3 \
		>"$tmp/$reader.json" 2>"$tmp/$reader.err" &
	rp=$!
	[ $reader = ftrace ] && fpid=$rp
	for _ in $(seq 50); do grep -q ready "$tmp/$reader.err" && break; sleep 0.1; done
	[ $reader = ftrace ] && check "ftrace reader: its instance exists while it runs" \
		test -d "/sys/kernel/tracing/instances/sockscope.$(stat -L -c %i /proc/self/ns/pid).$rp.0"
	check "$reader reader opens ($(head -n1 "$tmp/$reader.err"))" grep -q "tracepoint: $reader" "$tmp/$reader.err"
	ip netns exec "$ns" python3 -c "
import socket
for _ in range(50):
    s = socket.socket()
    try: s.connect(('127.0.0.1', $((base + 1))))
    except OSError: pass
    s.close()"
	wait "$rp"
	n=$(grep -c '"old_state":"CLOSE","state":"SYN_SENT"' "$tmp/$reader.json")
	check "$reader reader: 50 refused connect()s, each CLOSE -> SYN_SENT ($n)" test "$n" = 50
done
check "no ftrace instance of evdump left" bash -c '! ls /sys/kernel/tracing/instances | grep -q "^sockscope\\.[0-9]*\\.$1\\."' _ "$fpid"
echo "$paranoid" >/proc/sys/kernel/perf_event_paranoid
check "sysctl restored" test "$(cat /proc/sys/kernel/perf_event_paranoid)" = "$paranoid"
check "auto falls back to destroy with a notice" one_line "using the destroy source" \
	sh -c '"$0" --tracefs="$1" --duration=0.2 --source=auto 2>&1 >/dev/null | grep -v ready >&2; exit 1' "$EVDUMP" "$tmp/empty"
finish
