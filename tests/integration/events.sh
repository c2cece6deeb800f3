#!/bin/bash
# SPDX-License-Identifier: MIT
# events: `sockscope events` in a private namespace while tests/events/load.py
# makes 10,000 short loopback connections, 2,000 refused ones, 500 that time
# out in SYN-SENT (an nftables rule drops their SYNs; tcp_syn_retries = 1 in
# the namespace, so the kernel gives up after 3 s) and a simultaneous close
# (issue 14's test at full size): exact transition sequences per socket
# against the load's own record (or missing ones within the reported loss),
# --lifetimes bytes equal to what the peers sent, durations within the load's
# clocks, a filter, the destroy and poll sources, --count, CSV and table, -N,
# a closed pipe; then the fallbacks with perf_event_paranoid = 3 (as nobody,
# and as root without capabilities): one notice, the next source.
# EVENTS_CONNS, EVENTS_REFUSED, EVENTS_TIMEOUTS change the load's size;
# EVENTS_KEEP=DIR keeps the records.
# `ip netns exec` mounts its own /sys, without tracefs: --mount-tracefs.
# Root only (77 otherwise); restores the sysctl and removes the namespace.
. "$(dirname "$0")/lib.sh"
need_root
command -v python3 >/dev/null || skip "needs python3"
command -v nft >/dev/null || skip "needs nft (nftables)"
conns=${EVENTS_CONNS:-10000} refused=${EVENTS_REFUSED:-2000} timeouts=${EVENTS_TIMEOUTS:-500}
here=$SOURCE_ROOT/tests
ns=sockscope-events-$$-$RANDOM
tmp=$(mktemp -d)
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)
pids=()
cleanup() {
	echo "$paranoid" >/proc/sys/kernel/perf_event_paranoid
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	ip netns del "$ns" 2>/dev/null
	[ -n "${EVENTS_KEEP:-}" ] && cp -r "$tmp" "$EVENTS_KEEP" # the records and the load's summary, to debug
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns" || skip "cannot create a network namespace"
ip -n "$ns" link set lo up
inns() { ip netns exec "$ns" "$@"; }
inns "$SOCKSCOPE" events --mount-tracefs --source=tracepoint --duration=0.1 >/dev/null 2>"$tmp/probe" ||
	{ cat "$tmp/probe"; skip "the tracepoint source is unavailable"; }
# below the ephemeral range, so that no client elsewhere on the host gets it
base=$((10000 + RANDOM % 5000 * 4))
ports="sport = :$base or dport = :$base"
for p in 1 2 3; do ports="$ports or sport = :$((base + p)) or dport = :$((base + p))"; done
# BASE+2 drops SYNs: those connections end in the kernel's SYN-SENT timeout
inns sysctl -qw net.ipv4.tcp_syn_retries=1 || skip "cannot set tcp_syn_retries in the namespace"
inns nft -f - <<EOF || skip "cannot add the nftables drop rule"
table inet sockscope_events { chain in { type filter hook input priority 0; tcp dport $((base + 2)) drop; }; }
EOF
# shellcheck disable=SC2086
{ # not through inns: $! must be sockscope's pid
	ip netns exec "$ns" "$SOCKSCOPE" events --mount-tracefs -f jsonl --duration=120 $ports >"$tmp/tr.json" 2>"$tmp/tr.err" & pids+=($!)
	ip netns exec "$ns" "$SOCKSCOPE" events --mount-tracefs -f jsonl --lifetimes --duration=120 $ports >"$tmp/lt.json" 2>"$tmp/lt.err" & pids+=($!)
	ip netns exec "$ns" "$SOCKSCOPE" events --mount-tracefs -f jsonl --duration=120 sport = :$base >"$tmp/flt.json" 2>"$tmp/flt.err" & pids+=($!)
	ip netns exec "$ns" "$SOCKSCOPE" events --mount-tracefs -N "$ns" -f jsonl --duration=120 >"$tmp/ns.json" 2>"$tmp/ns.err" & pids+=($!)
	ip netns exec "$ns" "$SOCKSCOPE" events --mount-tracefs -f jsonl --source=destroy --duration=120 >"$tmp/ds.json" 2>"$tmp/ds.err" & pids+=($!)
	ip netns exec "$ns" "$SOCKSCOPE" events --mount-tracefs -f jsonl --source=poll --duration=120 >"$tmp/poll.json" 2>"$tmp/poll.err" & pids+=($!)
	ip netns exec "$ns" "$SOCKSCOPE" events --mount-tracefs -f csv --count=5 dport = :$base >"$tmp/csv" 2>/dev/null & pids+=($!)
	ip netns exec "$ns" "$SOCKSCOPE" events --mount-tracefs --count=5 dport = :$base >"$tmp/table" 2>/dev/null & pids+=($!)
}
sleep 1
t0=$(date +%s.%N)
inns python3 "$here/events/load.py" "$conns" "$refused" "$timeouts" 1 "$base" "$tmp/load.json" --kernel-timeouts
echo "load: $(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$t0" "$(date +%s.%N)") s"
check "workload ran" test -s "$tmp/load.json"
sleep 1.5 # the lifetimes' merge window (1 s) and the tracepoint's hold-back
# SIGTERM (a background job ignores SIGINT); $! is sockscope itself: ip netns exec execs it
for p in "${pids[@]:0:6}"; do kill -TERM "$p" 2>/dev/null; done
for p in "${pids[@]}"; do
	wait "$p"
	check "sockscope events (pid $p) exits 0" test $? = 0
done
pids=()
cat "$tmp"/{tr,lt,ns,ds,poll}.err
# every timed-out connection's SYN-SENT -> CLOSED, in every reader of the
# tracepoint (these fire in the timer softirq, often on an idle CPU: the
# perf reader was seen to miss all of them there, the ftrace reader that
# sockscope prefers does not), and the destroy groups saw each socket go
python3 - "$tmp" "$base" >"$tmp/gap.check" <<'EOF'
import json, sys
tmp, base = sys.argv[1], int(sys.argv[2])
def closes(name, lifetimes=False):
    got = set()
    for l in open(f"{tmp}/{name}.json"):
        r = json.loads(l)
        if r.get("remote_port") != base + 2:
            continue
        if lifetimes and r.get("event") == "lifetime" and r.get("end") == "timeout":
            got.add(r["local_port"])
        elif not lifetimes and r.get("old_state") == "SYN-SENT" and r.get("state") == "CLOSED":
            got.add(r["local_port"])
    return got
tr, ns, lt = closes("tr"), closes("ns"), closes("lt", True)
load = json.load(open(f"{tmp}/load.json"))
made = {r["port"] for r in load.get("timeout_conns", [])}
ds = {json.loads(l)["local_port"] for l in open(f"{tmp}/ds.json") if json.loads(l).get("remote_port") == base + 2}
print("ok" if made and tr == ns == lt == made else "bad", "every reader of the tracepoint saw every timed-out close:",
      len(tr), len(ns), len(lt), "of", len(made))
print("ok" if made <= ds else "bad", "the destroy groups saw every timed-out socket go:", len(made & ds), "of", len(made))
EOF
while read -r status what; do
	case $status in
	ok) ok ;;
	*) bad "$what" ;;
	esac
	echo "$what"
done <"$tmp/gap.check"
for m in transitions:tr lifetimes:lt filter:flt netns:ns destroy:ds poll:poll; do
	if python3 "$here/integration/events_check.py" "${m%%:*}" "$tmp/${m##*:}.json" "$tmp/load.json" "$base"; then
		ok
	else
		bad "events_check ${m%%:*}"
	fi
done
check "summary line at exit, naming the reader" \
	grep -q 'transitions seen, .* samples lost (source: tracepoint, read by ftrace)' "$tmp/tr.err"
# every sockscope above has exited: none may have left its tracefs instance
left=""
for d in /sys/kernel/tracing/instances/sockscope.*; do
	[[ -d $d ]] || continue
	p=$(basename "$d" | cut -d. -f3)
	kill -0 "$p" 2>/dev/null || left="$left $d"
done
check "no ftrace instance left behind ($left)" test -z "$left"
check "csv: header and 5 rows" test "$(head -1 "$tmp/csv" | cut -d, -f1-3)" = "time,event,netid" -a "$(wc -l <"$tmp/csv")" = 6
check "table: header and 5 rows" test "$(wc -l <"$tmp/table")" = 6
check "table: its columns" grep -Eq '^TIME +OLD -> NEW +LOCAL +PEER +MS +PROCESS$' "$tmp/table"

# a closed pipe ends the stream with status 0
inns bash -c '"$0" events --mount-tracefs -f jsonl dport = :'"$base"' | head -n 1 >"$1"; exit ${PIPESTATUS[0]}' \
	"$SOCKSCOPE" "$tmp/head" &
hp=$!
sleep 0.5
inns python3 -c "
import socket
for _ in range(20):
    try: socket.create_connection(('127.0.0.1', $base), timeout=1)
    except OSError: pass
"
wait "$hp"
check "| head: exit 0" test $? = 0
check "| head: one record" test "$(wc -l <"$tmp/head")" = 1

# usage errors
check "json is not an events format" test "$("$SOCKSCOPE" events -f json --duration=0.1 2>/dev/null; echo $?)" = 2
check "an owner filter is refused" test "$("$SOCKSCOPE" events --duration=0.1 process python 2>/dev/null; echo $?)" = 2

# fallbacks with perf_event_paranoid = 3: one notice, the next source
install -m 755 "$SOCKSCOPE" "$tmp/sockscope"
chmod 755 "$tmp"
echo 3 >/proc/sys/kernel/perf_event_paranoid
fallback() { # fallback NAME PATTERN READER COMMAND...
	local what=$1 pat=$2 reader=$3 out
	shift 3
	out=$("$@" events --tracepoint-reader="$reader" -f jsonl --duration=0.3 2>&1 >/dev/null)
	echo "  $what -> $out" >&2
	[ "$(grep -c 'tracepoint source' <<<"$out")" = 1 ] && grep -q -- "$pat" <<<"$out" &&
		grep -q 'trying the destroy source' <<<"$out" && grep -Eq 'source: (destroy|poll)\)' <<<"$out"
}
check "paranoid 3, nobody: one notice, next source" fallback nobody 'tracepoint source' auto \
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "$tmp/sockscope"
check "paranoid 3, root without capabilities, perf reader: notice names the sysctl" \
	fallback nocaps 'perf_event_paranoid = 3' perf setpriv --inh-caps=-all --bounding-set=-all "$tmp/sockscope"
# tracefs is guarded by its file modes: uid 0 without capabilities owns it
out=$(setpriv --inh-caps=-all --bounding-set=-all "$tmp/sockscope" events -f jsonl --duration=0.3 2>&1 >/dev/null)
check "paranoid 3, root without capabilities: the ftrace reader ($out)" grep -q 'read by ftrace' <<<"$out"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "$tmp/sockscope" events \
	--source=tracepoint --duration=0.3 2>&1 >/dev/null)
check "--source=tracepoint without privilege: exit 1, one line" test $? = 1 -a "$(wc -l <<<"$out")" = 1
echo "$paranoid" >/proc/sys/kernel/perf_event_paranoid
check "sysctl restored" test "$(cat /proc/sys/kernel/perf_event_paranoid)" = "$paranoid"
finish
