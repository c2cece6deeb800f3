#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Churn: in a private network namespace, thousands of loopback connections a
# second open and close (a small python3 server and clients) for CHURN_SECONDS
# (default 20) while sockscope lists them again and again: every JSON listing
# must be valid, exit 0, hold no socket twice (same cookie) and no torn record
# (a state, a family and both ports on every socket); `-p` must exit 0; and,
# when `top` exists, the live view runs in tmux for a few seconds without
# dying.  SOCKSCOPE_ASAN, when set, is used instead of SOCKSCOPE (sanitizer
# reports fail the test).  Needs root (exit 77 otherwise).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
for t in ip python3 jq; do
	command -v "$t" >/dev/null || skip "$t not installed"
done
bin=${SOCKSCOPE_ASAN:-$SOCKSCOPE}
secs=${CHURN_SECONDS:-20}
ns=sockscope-churn-$$
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockscope-churn.$$.XXXXXX")
gen_pid=
cleanup() {
	[ -n "$gen_pid" ] && kill "$gen_pid" 2>/dev/null
	tmux kill-session -t "$ns" 2>/dev/null
	wait 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns" || skip "cannot create a network namespace"
ip netns exec "$ns" ip link set lo up || skip "cannot bring up lo in the namespace"
export ASAN_OPTIONS=detect_leaks=1:exitcode=90 UBSAN_OPTIONS=halt_on_error=1:exitcode=91

# The generator: one accepting server, four connecting clients, each bounded
# by the deadline; prints the number of connections made.
cat >"$tmp/churn.py" <<'PY'
import os, selectors, socket, sys, time
deadline = time.monotonic() + float(sys.argv[1])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(4096)
port = srv.getsockname()[1]
kids = []
for i in range(4):
    pid = os.fork()
    if pid == 0:
        srv.close()
        n = 0
        keep = []
        while time.monotonic() < deadline:
            try:
                c = socket.create_connection(("127.0.0.1", port), timeout=1)
            except OSError:
                time.sleep(0.01)
                continue
            n += 1
            keep.append(c)
            if len(keep) >= 50:          # a few linger in ESTABLISHED
                for k in keep:
                    k.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0" if n % 2 else b"\0" * 8)
                    k.close()
                keep = []
        with open(sys.argv[2] + ".%d" % i, "w") as f:
            f.write(str(n))
        os._exit(0)
    kids.append(pid)
srv.setblocking(False)
sel = selectors.DefaultSelector()
sel.register(srv, selectors.EVENT_READ)
held = []
while time.monotonic() < deadline:
    for _ in sel.select(timeout=0.2):
        while True:
            try:
                c, _a = srv.accept()
            except BlockingIOError:
                break
            held.append(c)
    if len(held) > 200:
        for c in held[:100]:
            c.close()
        del held[:100]
for pid in kids:
    os.waitpid(pid, 0)
PY
ip netns exec "$ns" python3 "$tmp/churn.py" "$secs" "$tmp/count" &
gen_pid=$!
sleep 1

runs=0
crashes=0
# sanity: a run reports the failing command and its stderr
note_crash() {
	crashes=$((crashes + 1))
	bad "$1: exit $2: $(head -c 400 "$tmp/err")"
}
sanitizer_clean() {
	if grep -qE 'Sanitizer|runtime error:' "$tmp/err"; then
		crashes=$((crashes + 1))
		bad "$1: sanitizer report: $(head -c 600 "$tmp/err")"
	fi
}
# listings until 7 s before the end, leaving the rest to the live view
end=$((SECONDS + secs - 7))
json_runs=0
while [ "$SECONDS" -lt "$end" ] && [ "$runs" -lt 2000 ]; do
	timeout -k 2 30 ip netns exec "$ns" "$bin" -n --format=json >"$tmp/out.json" 2>"$tmp/err"
	rc=$?
	runs=$((runs + 1))
	json_runs=$((json_runs + 1))
	if [ "$rc" != 0 ]; then
		note_crash "json listing" "$rc"
	else
		# one jq pass: valid JSON, no cookie twice, no torn record, totals agree
		verdict=$(jq -r '[(.sockets | type == "array"),
			([.sockets[].cookie | select(. != null)] | length == (unique | length)),
			(.sockets | all(.state != null and .family != null and .local_port != null and .remote_port != null)),
			((.sockets | length) == .summary.total)] | map(tostring) | join(" ")' "$tmp/out.json" 2>&1)
		check "json valid, no duplicate cookie, no torn record, totals agree (got: $verdict)" \
			[ "$verdict" = "true true true true" ]
	fi
	sanitizer_clean "json listing"
	# -p walks every process of the machine (seconds on a busy one): every
	# fifth round only
	[ $((json_runs % 5)) = 1 ] || continue
	timeout -k 2 30 ip netns exec "$ns" "$bin" -n -p >"$tmp/out.txt" 2>"$tmp/err"
	rc=$?
	runs=$((runs + 1))
	if [ "$rc" = 0 ]; then ok; else note_crash "-p listing" "$rc"; fi
	sanitizer_clean "-p listing"
	timeout -k 2 30 "$bin" -n --net="$ns" --format=jsonl >"$tmp/out.jsonl" 2>"$tmp/err"
	rc=$?
	runs=$((runs + 1))
	if [ "$rc" = 0 ]; then
		check "jsonl valid" sh -c "jq -e -s 'all(has(\"state\"))' '$tmp/out.jsonl' >/dev/null"
	else
		note_crash "--netns jsonl listing" "$rc"
	fi
	sanitizer_clean "--netns jsonl listing"
done
biggest=$(jq '.sockets | length' "$tmp/out.json" 2>/dev/null)

# the live view, if it exists, for a few seconds in tmux
top_runs=0
if command -v tmux >/dev/null && "$bin" top --help >/dev/null 2>&1 && kill -0 "$gen_pid" 2>/dev/null; then
	tmux new-session -d -s "$ns" -x 160 -y 50 \
		"ip netns exec $ns $bin top -n --delay=0.2 2>$tmp/top.err; echo \$? >$tmp/top.rc"
	sleep 3
	for key in s s g g p i Down Down space space; do
		tmux send-keys -t "$ns" "$key" 2>/dev/null
		sleep 0.2
	done
	tmux capture-pane -p -t "$ns" >"$tmp/top.screen" 2>/dev/null
	check "top still running under churn" [ ! -f "$tmp/top.rc" ]
	tmux send-keys -t "$ns" q 2>/dev/null
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -f "$tmp/top.rc" ] && break
		sleep 0.3
	done
	top_runs=1
	rc=$(cat "$tmp/top.rc" 2>/dev/null || echo missing)
	check "top quits with q, exit 0 (got $rc: $(head -c 300 "$tmp/top.err" 2>/dev/null))" [ "$rc" = 0 ]
	check "top drew a screen" [ -s "$tmp/top.screen" ]
	if grep -qE 'Sanitizer|runtime error:' "$tmp/top.err" 2>/dev/null; then
		crashes=$((crashes + 1))
		bad "top: sanitizer report"
	fi
else
	echo "churn: top not available yet, skipped"
fi

wait "$gen_pid"
gen_pid=
conns=0
for f in "$tmp"/count.*; do
	[ -f "$f" ] && conns=$((conns + $(cat "$f")))
done
echo "churn: ${secs}s, connections=$conns (~$((conns / secs))/s), listings=$runs (json=$json_runs, last had ${biggest:-?} sockets), top_runs=$top_runs, crashes=$crashes"
check "the generator made connections" [ "$conns" -gt 1000 ]
check "no crash" [ "$crashes" = 0 ]
finish
