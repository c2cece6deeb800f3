#!/bin/bash
# SPDX-License-Identifier: MIT
#
# watch-events.sh: `--watch --format=jsonl --events` on the exact source
# (issue 14).  In a private namespace, with the tracepoint (--mount-tracefs:
# `ip netns exec` mounts a /sys without tracefs):
#   - a scripted connection: the stream keeps the vocabulary of the snapshot
#     stream (opened, state, closed), each line names its source, the client
#     goes ESTABLISHED -> FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT (the last from
#     the time-wait socket, followed in snapshots) and is not reported closed
#     while in TIME-WAIT, the server CLOSE-WAIT -> LAST-ACK -> closed, and one
#     connection number follows each side;
#   - N short connections made between two snapshots: every one of them is in
#     the exact stream (N server sides closed from LAST-ACK, N clients into
#     FIN-WAIT-2), while the snapshot stream (--source=poll, 1 s) sees fewer;
#   - the fallbacks: without tracefs one notice and the snapshot stream,
#     other kinds (-u) the snapshot stream without a notice, --source=destroy
#     a usage error (exit 2), --source=tracepoint without tracefs exit 1.
# Needs root, ip and python3 (exit 77 otherwise); the exact part skips
# (with the reason) when the tracepoint cannot open on this kernel.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

for c in ip python3; do
	command -v "$c" >/dev/null 2>&1 || skip "needs $c"
done
need_root
[[ -x $SOCKSCOPE ]] || { echo "watch-events: SOCKSCOPE is not executable: $SOCKSCOPE" >&2; exit 1; }

ns="watchev-$$"
tmp=$(mktemp -d /tmp/sockscope-watchev.XXXXXX)
cleanup() {
	jobs -p | xargs -r kill 2>/dev/null
	ip netns delete "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns" 2>/dev/null || skip "cannot create network namespaces here"
ip -n "$ns" link set lo up
inns() { ip netns exec "$ns" "$@"; }

inns "$SOCKSCOPE" events --mount-tracefs --source=tracepoint --duration=0.1 >/dev/null 2>"$tmp/probe" ||
	skip "the tracepoint cannot open here: $(head -n1 "$tmp/probe")"

# ---- one scripted connection ----------------------------------------------------
cat >"$tmp/flow.py" <<'EOF'
import socket, time
srv = socket.socket(); srv.bind(("127.0.0.1", 7300)); srv.listen(4)
cli = socket.create_connection(("127.0.0.1", 7300))
conn, _ = srv.accept()
print(cli.getsockname()[1], flush=True)
time.sleep(0.6)          # ESTABLISHED on both sides
cli.close()              # client: FIN-WAIT-2 (a time-wait socket); server: CLOSE-WAIT
time.sleep(1.2)
conn.close()             # server: LAST-ACK then gone; client: TIME-WAIT
time.sleep(0.6)
srv.close()
EOF
ip netns exec "$ns" "$SOCKSCOPE" --watch=0.2 --format=jsonl --events --mount-tracefs >"$tmp/flow.jsonl" 2>"$tmp/flow.err" &
watcher=$!
sleep 0.7
cport=$(inns python3 "$tmp/flow.py")
sleep 0.7
kill -INT "$watcher"
wait "$watcher"
rc=$?
check "exact stream: SIGINT ends it with status 0 (got $rc)" test "$rc" = 0
check "exact stream: nothing on stderr ($(head -c 200 "$tmp/flow.err"))" test ! -s "$tmp/flow.err"
python3 - "$tmp/flow.jsonl" "$cport" >"$tmp/flow.check" 2>&1 <<'EOF'
import json, sys
path, cport = sys.argv[1], int(sys.argv[2])
ev = [json.loads(l) for l in open(path)]
def res(name, ok):
    print(("ok " if ok else "not ok ") + name)
keys = {"time", "event", "cookie", "family", "local_addr", "local_port", "remote_addr", "remote_port", "state", "source"}
res("every line has the keys", len(ev) > 0 and all(keys <= set(e) for e in ev))
res("the transitions come from the tracepoint",
    sum(e["source"] == "tracepoint" for e in ev) >= 8 and all(e["source"] in ("tracepoint", "poll") for e in ev))
cli = [e for e in ev if e["remote_port"] == 7300]
srv = [e for e in ev if e["local_port"] == 7300 and e["remote_port"] == cport]
lst = [e for e in ev if e["local_port"] == 7300 and e["remote_port"] == 0]
res("the listener opened then closed", [e["event"] for e in lst] == ["opened", "closed"])
seq = [(e["event"], e.get("old_state"), e["state"]) for e in cli]
res("client sequence %r" % seq, seq[:5] == [("opened", None, "SYN-SENT"), ("state", "SYN-SENT", "ESTABLISHED"),
    ("state", "ESTABLISHED", "FIN-WAIT-1"), ("state", "FIN-WAIT-1", "FIN-WAIT-2"),
    ("state", "FIN-WAIT-2", "TIME-WAIT")])
res("the client is not reported closed while in TIME-WAIT", not any(e["event"] == "closed" for e in cli))
fw2 = [e for e in cli if e["state"] == "TIME-WAIT"]
res("FIN-WAIT-2 lasted about 1.2 s (%r)" % [e.get("old_state_ms") for e in fw2],
    len(fw2) == 1 and 900 <= (fw2[0].get("old_state_ms") or 0) <= 2500)
est = [e for e in cli if e["state"] == "FIN-WAIT-1"]
res("ESTABLISHED lasted about 0.6 s, measured exactly (%r)" % [e.get("old_state_ms") for e in est],
    len(est) == 1 and 550 <= (est[0].get("old_state_ms") or 0) <= 1500)
sseq = [(e["event"], e.get("old_state"), e["state"]) for e in srv]
res("server sequence %r" % sseq, sseq == [("opened", None, "SYN-RECEIVED"), ("state", "SYN-RECEIVED", "ESTABLISHED"),
    ("state", "ESTABLISHED", "CLOSE-WAIT"), ("state", "CLOSE-WAIT", "LAST-ACK"), ("closed", None, "LAST-ACK")])
res("one connection number per side", len({e.get("conn") for e in cli}) == 1 and len({e.get("conn") for e in srv}) == 1
    and {e.get("conn") for e in cli} != {e.get("conn") for e in srv})
EOF
while read -r status name; do
	case $status in
	ok) ok ;;
	*) bad "exact stream: ${name#ok }" ;;
	esac
done <"$tmp/flow.check"
check "exact stream: the checks ran" grep -q '^ok ' "$tmp/flow.check"

# ---- short connections between two snapshots ------------------------------------
n=300
cat >"$tmp/burst.py" <<'EOF'
import socket, sys, time
n = int(sys.argv[1])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 7400)); srv.listen(512)
time.sleep(1.5)
ports = []
for i in range(n):
    c = socket.create_connection(("127.0.0.1", 7400))
    s, _ = srv.accept()
    ports.append(c.getsockname()[1])
    c.close(); s.close()
time.sleep(1.5)
srv.close()
print(" ".join(map(str, ports)))
EOF
ip netns exec "$ns" "$SOCKSCOPE" --watch=1 --format=jsonl --events --mount-tracefs sport = :7400 or dport = :7400 \
	>"$tmp/exact.jsonl" 2>"$tmp/exact.err" &
w1=$!
ip netns exec "$ns" "$SOCKSCOPE" --watch=1 --format=jsonl --events --source=poll sport = :7400 or dport = :7400 \
	>"$tmp/poll.jsonl" 2>"$tmp/poll.err" &
w2=$!
sleep 0.5
inns python3 "$tmp/burst.py" "$n" >"$tmp/ports"
sleep 1.2
kill -INT "$w1" "$w2"
wait "$w1"; r1=$?
wait "$w2"; r2=$?
check "burst: both streams end with 0 (exact $r1, poll $r2)" test "$r1$r2" = 00
python3 - "$tmp/exact.jsonl" "$tmp/poll.jsonl" "$tmp/ports" "$n" >"$tmp/burst.check" 2>&1 <<'EOF'
import json, sys
exact = [json.loads(l) for l in open(sys.argv[1])]
poll = [json.loads(l) for l in open(sys.argv[2])]
ports = set(map(int, open(sys.argv[3]).read().split()))
n = int(sys.argv[4])
def res(name, ok):
    print(("ok " if ok else "not ok ") + name)
res("the generator made %d connections (%d ports)" % (n, len(ports)), len(ports) == n)
sclosed = {e["remote_port"] for e in exact if e["local_port"] == 7400 and e["event"] == "closed"
           and e["state"] == "LAST-ACK"}
res("exact: every server side closed from LAST-ACK (%d of %d)" % (len(sclosed & ports), n), sclosed >= ports)
cfw2 = {e["local_port"] for e in exact if e["remote_port"] == 7400 and e["state"] == "FIN-WAIT-2"}
res("exact: every client into FIN-WAIT-2 (%d of %d)" % (len(cfw2 & ports), n), cfw2 >= ports)
sopen = {e["remote_port"] for e in exact if e["local_port"] == 7400 and e["event"] == "opened"}
res("exact: every server side opened (%d of %d)" % (len(sopen & ports), n), sopen >= ports)
pclosed = {e["remote_port"] for e in poll if e["local_port"] == 7400 and e["event"] in ("closed", "opened")
           and e["remote_port"] in ports}
res("snapshots every 1 s saw fewer server sides (%d of %d) than the exact stream" % (len(pclosed), n),
    len(pclosed) < len(sclosed & ports))
res("the snapshot stream says nothing of a source", all("source" not in e for e in poll))
EOF
while read -r status name; do
	case $status in
	ok) ok ;;
	*) bad "burst: ${name#ok }" ;;
	esac
done <"$tmp/burst.check"
check "burst: the checks ran" grep -q '^ok ' "$tmp/burst.check"

# ---- fallbacks --------------------------------------------------------------------
# without tracefs (ip netns exec's /sys has none): one notice, then snapshots
ip netns exec "$ns" "$SOCKSCOPE" --watch=0.2 --format=jsonl --events >"$tmp/fb.jsonl" 2>"$tmp/fb.err" &
w=$!
sleep 0.5
inns python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 7500)); s.listen(1); time.sleep(0.6); s.close()'
sleep 0.5
kill -INT "$w"
wait "$w"; rc=$?
check "no tracefs: status 0 (got $rc)" test "$rc" = 0
check "no tracefs: one notice ($(cat "$tmp/fb.err"))" test "$(wc -l <"$tmp/fb.err")" = 1
check "no tracefs: the notice says snapshots are compared" grep -q 'comparing snapshots' "$tmp/fb.err"
check "no tracefs: the listener still reported, from snapshots" \
	grep -q '"event":"opened".*"local_port":7500.*"state":"LISTEN"' "$tmp/fb.jsonl"
check "no tracefs: no source field (the snapshot stream)" bash -c "! grep -q '\"source\"' '$tmp/fb.jsonl'"

timeout 10 ip netns exec "$ns" "$SOCKSCOPE" --watch=0.2 --format=jsonl --events --source=tracepoint \
	>/dev/null 2>"$tmp/tp.err"
rc=$?
check "--source=tracepoint without tracefs: exit 1 (got $rc)" test "$rc" = 1
check "--source=tracepoint without tracefs: one line" test "$(wc -l <"$tmp/tp.err")" = 1

"$SOCKSCOPE" --watch=0.2 --format=jsonl --events --source=destroy >/dev/null 2>"$tmp/ds.err"
rc=$?
check "--source=destroy: a usage error (got $rc)" test "$rc" = 2

# other kinds: the snapshot stream, no notice
ip netns exec "$ns" "$SOCKSCOPE" --watch=0.2 --format=jsonl --events --mount-tracefs -u >"$tmp/udp.jsonl" 2>"$tmp/udp.err" &
w=$!
sleep 0.4
inns python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 7600)); time.sleep(0.6); s.close()'
sleep 0.4
kill -INT "$w"
wait "$w"; rc=$?
check "-u: status 0 (got $rc)" test "$rc" = 0
check "-u: nothing on stderr" test ! -s "$tmp/udp.err"
check "-u: the UDP socket reported from snapshots" grep -q '"local_port":7600.*"netid":"udp"' "$tmp/udp.jsonl"

finish
