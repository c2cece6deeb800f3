#!/bin/bash
# SPDX-License-Identifier: MIT
#
# top.sh: drives `sockscope top` inside a detached tmux session (120x40) in a
# private network namespace holding a few listeners and connections made by
# python3, and checks what the screen shows against ss run in the same
# namespace: the per-state counters, the rows, the filter prompt (good and
# bad filters), grouping, owners, details, pause, help, resizing down to
# "too small" and back, quitting with q and with SIGTERM (exit status 0 and
# the shell's screen back).  Then the error paths without a terminal and with
# TERM=dumb, and the event stream (--watch --format=jsonl --events) while a
# scripted connection closes: ESTABLISHED -> FIN-WAIT-2 -> TIME-WAIT on the
# closing side, CLOSE-WAIT -> LAST-ACK/closed on the other.
# Needs tmux, python3, ip and ss (exit 77 when missing), and root for the
# namespace (exit 77 otherwise).  TOP_KEEP=1 keeps the work directory.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

for c in tmux python3 ip ss; do
	command -v "$c" >/dev/null 2>&1 || skip "needs $c"
done
need_root
[[ -x $SOCKSCOPE ]] || { echo "top: SOCKSCOPE is not executable: $SOCKSCOPE" >&2; exit 1; }

ns="top-$$"
sock="top-$$"
tmp=$(mktemp -d /tmp/sockscope-top.XXXXXX)
holder=
cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null
	[[ -n $holder ]] && kill "$holder" 2>/dev/null
	ip netns delete "$ns" 2>/dev/null
	if [[ ${TOP_KEEP:-0} = 1 ]]; then echo "top: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
ip netns add "$ns" 2>/dev/null || skip "cannot create network namespaces here"
ip -n "$ns" link set lo up

utf8=
for l in C.UTF-8 C.utf8 en_US.UTF-8; do
	if locale -a 2>/dev/null | grep -qix "${l}"; then utf8=$l; break; fi
done
export LC_ALL=${utf8:-C}

# ---- the sockets top will see ---------------------------------------------
cat >"$tmp/hold.py" <<'EOF'
import socket, sys, time
a = socket.socket(); a.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
a.bind(("127.0.0.1", 7001)); a.listen(16)
b = socket.socket(); b.bind(("127.0.0.1", 7002)); b.listen(16)
keep = []
for _ in range(3):
    c = socket.create_connection(("127.0.0.1", 7001)); s, _ = a.accept(); keep += [c, s]
q = socket.socket(); q.bind(("127.0.0.1", 7003)); q.listen(1)   # never accepts: a full queue
keep += [socket.create_connection(("127.0.0.1", 7003)) for _ in range(2)]
open(sys.argv[1], "w").write("ready\n")
time.sleep(3600)
EOF
ip netns exec "$ns" python3 "$tmp/hold.py" "$tmp/ready" &
holder=$!
for _ in $(seq 50); do [[ -s $tmp/ready ]] && break; sleep 0.1; done
[[ -s $tmp/ready ]] || { echo "top: the socket holder did not start" >&2; exit 1; }

ss_count() { ip netns exec "$ns" ss -tanH state all | awk -v s="$1" '$1 == s' | wc -l; }
n_listen=$(ss_count LISTEN)
n_estab=$(ss_count ESTAB)
n_all=$(ip netns exec "$ns" ss -tanH state all | wc -l)
check "ss sees the holder's sockets" test "$n_listen" -ge 3 -a "$n_estab" -ge 8

# ---- top in tmux --------------------------------------------------------------
T() { tmux -L "$sock" "$@"; }
sess=0
cap() { T capture-pane -p -t "top$sess"; }
keys() { T send-keys -t "top$sess" "$@"; }
waitfor() { # waitfor REGEX [tenths]: until the screen matches
	local i
	for ((i = 0; i < ${2:-50}; i++)); do
		cap | grep -qE -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
gone() { # gone REGEX [tenths]: until the screen no longer matches
	local i
	for ((i = 0; i < ${2:-50}; i++)); do
		cap | grep -qE -- "$1" || return 0
		sleep 0.1
	done
	return 1
}
rows() { cap | grep -cE '^[ +~-] [A-Z][A-Z-]+ +[0-9]+ +[0-9]+ '; }
waitrows() { # waitrows N: until the table has N rows
	local i
	for ((i = 0; i < 50; i++)); do
		[[ $(rows) = "$1" ]] && return 0
		sleep 0.1
	done
	return 1
}
start_top() { # start_top SCRIPT-BODY: runs it in a new session "top"
	cat >"$tmp/run.sh" <<EOF
#!/bin/bash
$1
echo SHELL-BACK
exec sleep 600
EOF
	chmod +x "$tmp/run.sh"
	sess=$((sess + 1)) # a new session each time: killing the last one would stop the server
	cp "$tmp/run.sh" "$tmp/run$sess.sh"
	T new-session -d -s "top$sess" -x 120 -y 40 "$tmp/run$sess.sh"
}

rm -f "$tmp/rc"
start_top "ip netns exec $ns sh -c 'echo \$\$ >$tmp/pid; exec \"$SOCKSCOPE\" top -d 0.5'; echo \$? >$tmp/rc"
check "top draws its header" waitfor '^LISTEN +[0-9]+'
check "top shows every socket as a row" waitfor '^  ESTABLISHED '
sleep 0.6
top_listen=$(cap | grep -oE '(^| )LISTEN +[0-9]+' | head -1 | grep -oE '[0-9]+$')
top_estab=$(cap | grep -oE '(^| )ESTABLISHED +[0-9]+' | head -1 | grep -oE '[0-9]+$')
check "header LISTEN count ($top_listen) = ss ($n_listen)" test "${top_listen:-x}" = "$n_listen"
check "header ESTABLISHED count ($top_estab) = ss ($n_estab)" test "${top_estab:-x}" = "$n_estab"
check "one row per socket ($(rows) rows, ss: $n_all)" test "$(rows)" = "$n_all"
check "status line names the back end and interval" waitfor 'netlink .*every 0\.5s'
check "rows on port 7001 before filtering" test "$(cap | grep -cE '^[ +~-] .*:7001 ')" -ge 4

# the filter prompt
keys / C-u "sport = :7002" Enter
check "the status line shows the filter" waitfor 'filter: sport = :7002'
check "a filter narrows the rows to one" waitrows 1
check "the row left is the filtered one" waitfor "^  LISTEN .*127\.0\.0\.1:7002 "
check "no port 7001 row under the filter" test "$(cap | grep -cE '^[ +~-] .*:7001 ')" = 0
check "the status line counts one shown" waitfor ' 1/[0-9]+ shown'
keys / C-u "state bogus" Enter
check "a bad filter shows an inline error" waitfor "^filter: state bogus +error: unknown state"
keys Escape
check "top keeps running after a bad filter" waitfor '^q quit'
check "the good filter stays after a bad one" test "$(rows)" = 1
keys / C-u Enter
check "clearing the filter shows in the status" waitfor 'filter: \(none\)'
check "clearing the filter brings every row back" waitrows "$n_all"
check "rows that come back with the filter are not marked new" test "$(cap | grep -cE '^\+ ')" = 0

# grouping, owners, info, details
keys g
check "g groups by process" waitfor 'Group: process'
check "process groups name the python3 holder" waitfor '^  python3\[[0-9]+\] +[0-9]+ '
keys g
check "g then groups by remote host" waitfor 'Group: remote host'
keys g g g
check "g cycles back to the socket rows" waitfor ' State.* Recv-Q '
keys p
check "p adds the owning processes" waitfor ' Process'
check "p shows python3 as owner" waitfor 'python3\(pid=[0-9]+,fd=[0-9]+\)'
keys i
check "i adds tcp_info columns" waitfor 'RTT\(ms\) +Cwnd +Retr +TX/s +RX/s'
keys d
check "d opens the details pane with a history" waitfor '^ history +[A-Z]'
check "details name the side and role" waitfor '\[side [a-z]+, role [a-z-]+\]'
keys d p i

# sorting
keys '>'
check "> moves the sort to the next column" waitfor 'sort:recv_q\+'
keys r
check "r reverses the sort" waitfor 'sort:recv_q-'
keys '<' r

# pause and help
keys Space
check "space pauses" waitfor 'PAUSED'
clock1=$(cap | grep -oE '[0-9]{2}:[0-9]{2}:[0-9]{2}  netlink' | head -1)
sleep 2.5 # the clock redraws every second; a loaded machine may be late
clock2=$(cap | grep -oE '[0-9]{2}:[0-9]{2}:[0-9]{2}  netlink' | head -1)
check "paused top keeps drawing (clock $clock1 -> $clock2)" test "$clock1" != "$clock2"
keys Space
check "space resumes" gone 'PAUSED'
keys '?'
check "? shows the help" waitfor 'sockscope top: keys'
check "the help lists the filter key" waitfor '/ +filter'
keys x
check "any key closes the help" gone 'sockscope top: keys'

# resizing
T resize-window -t "top$sess" -x 20 -y 5
check "20x5 says too small" waitfor 'terminal too small'
T resize-window -t "top$sess" -x 120 -y 40
check "back at 120x40 the header is redrawn" waitfor '^LISTEN +[0-9]+'
check "back at 120x40 the footer is redrawn" waitfor '^q quit'

# alerts
check "the alerts line reports the full accept queue" \
	waitfor 'alerts: .*accept queue full on 127\.0\.0\.1:7003 \(2 of 1\)'
ip netns exec "$ns" python3 -c '
import socket, time
l = socket.socket(); l.bind(("127.0.0.1", 7004)); l.listen(16); keep = []
for _ in range(10):
    c = socket.create_connection(("127.0.0.1", 7004)); s, _ = l.accept(); c.close(); keep.append(s)
    time.sleep(0.4)
time.sleep(60)' &
grower=$!
check "the alerts line reports CLOSE-WAIT growing" waitfor 'CLOSE-WAIT growing for port 7004: [0-9]+ -> [0-9]+' 60
# the rules of `sockscope check` (default thresholds: 10 CLOSE-WAIT warn)
check "the alerts line carries check's close-wait rule" \
	waitfor 'alerts: .*(WARNING|CRITICAL) close-wait: (uid [0-9]+ \(p: owners\)|remote 127\.0\.0\.1), [0-9]+' 100
check "check's accept-queue rule does not repeat the full queue on 7003" \
	bash -c "! tmux -L '$sock' capture-pane -p -t 'top$sess' | grep -E 'accept-queue: .*7003'"
keys p
check "with owners, the close-wait finding names the process" \
	waitfor 'alerts: .*(WARNING|CRITICAL) close-wait: pid [0-9]+ \(python3\), [0-9]+' 100
keys p
kill "$grower" 2>/dev/null
wait "$grower" 2>/dev/null

# quitting
keys q
for _ in $(seq 50); do [[ -s $tmp/rc ]] && break; sleep 0.1; done
check "q exits with status 0 ($(cat "$tmp/rc" 2>/dev/null))" test "$(cat "$tmp/rc" 2>/dev/null)" = 0
check "the shell's screen is back after q" waitfor 'SHELL-BACK'
check "no top left on the screen after q" gone '^q quit'

rm -f "$tmp/rc" "$tmp/pid"
start_top "ip netns exec $ns sh -c 'echo \$\$ >$tmp/pid; exec \"$SOCKSCOPE\" top -d 0.5'; echo \$? >$tmp/rc"
check "top starts again" waitfor '^q quit'
kill -TERM "$(cat "$tmp/pid")"
for _ in $(seq 50); do [[ -s $tmp/rc ]] && break; sleep 0.1; done
check "SIGTERM exits with status 0 ($(cat "$tmp/rc" 2>/dev/null))" test "$(cat "$tmp/rc" 2>/dev/null)" = 0
check "the shell's screen is back after SIGTERM" waitfor 'SHELL-BACK'
check "no top left on the screen after SIGTERM" gone '^q quit'

# ---- without a terminal -------------------------------------------------------
"$SOCKSCOPE" top </dev/null >/dev/null 2>"$tmp/notty.err"
rc=$?
check "no terminal: exit 2 (got $rc)" test "$rc" = 2
check "no terminal: one line of error" test "$(wc -l <"$tmp/notty.err")" = 1
check "no terminal: says so" grep -q 'terminal' "$tmp/notty.err"
rm -f "$tmp/rc"
start_top "TERM=dumb \"$SOCKSCOPE\" top 2>$tmp/dumb.err; echo \$? >$tmp/rc"
for _ in $(seq 50); do [[ -s $tmp/rc ]] && break; sleep 0.1; done
check "TERM=dumb: exit 2 (got $(cat "$tmp/rc" 2>/dev/null))" test "$(cat "$tmp/rc" 2>/dev/null)" = 2
check "TERM=dumb: one line of error" test "$(wc -l <"$tmp/dumb.err")" = 1
check "TERM=dumb: names TERM" grep -q 'TERM' "$tmp/dumb.err"
rm -f "$tmp/rc"
start_top "TERM=no-such-terminal-$$ \"$SOCKSCOPE\" top 2>$tmp/bad.err; echo \$? >$tmp/rc"
for _ in $(seq 50); do [[ -s $tmp/rc ]] && break; sleep 0.1; done
check "unknown TERM: an error, not a crash (got $(cat "$tmp/rc" 2>/dev/null))" test "$(cat "$tmp/rc" 2>/dev/null)" = 2
check "unknown TERM: one line of error" test "$(wc -l <"$tmp/bad.err")" = 1
T kill-server 2>/dev/null

# ---- the event stream ---------------------------------------------------------
cat >"$tmp/flow.py" <<'EOF'
import socket, time
srv = socket.socket(); srv.bind(("127.0.0.1", 7100)); srv.listen(4)
cli = socket.create_connection(("127.0.0.1", 7100))
conn, _ = srv.accept()
print(cli.getsockname()[1], flush=True)
time.sleep(1.0)          # ESTABLISHED on both sides
cli.close()              # client: FIN-WAIT-2; server: CLOSE-WAIT
time.sleep(1.5)
conn.close()             # server: LAST-ACK then gone; client: TIME-WAIT
time.sleep(1.0)
srv.close()
EOF
ip netns exec "$ns" "$SOCKSCOPE" --watch=0.2 --format=jsonl --events --source=poll >"$tmp/events.jsonl" 2>"$tmp/events.err" &
watcher=$!
sleep 0.7
cport=$(ip netns exec "$ns" python3 "$tmp/flow.py")
sleep 0.7
kill -INT "$watcher"
wait "$watcher"
rc=$?
check "the event stream stops on SIGINT with status 0 (got $rc)" test "$rc" = 0
check "the event stream wrote nothing on stderr" test ! -s "$tmp/events.err"
python3 - "$tmp/events.jsonl" "$cport" >"$tmp/events.check" 2>&1 <<'EOF'
import json, sys
path, cport = sys.argv[1], int(sys.argv[2])
ev = [json.loads(l) for l in open(path)]
keys = {"time", "event", "cookie", "family", "local_addr", "local_port", "remote_addr", "remote_port", "state"}
def res(name, ok):
    print(("ok " if ok else "not ok ") + name)
res("every line has the keys", all(keys <= set(e) for e in ev) and len(ev) > 0)
res("times are RFC 3339", all(len(e["time"]) >= 20 and e["time"][10] == "T" and e["time"].endswith("Z") for e in ev))
res("no event about sockets that did not change (port 7001)",
    not any(7001 in (e["local_port"], e["remote_port"]) for e in ev))
cli = [e for e in ev if e["local_port"] == cport and e["remote_port"] == 7100]
srv = [e for e in ev if e["local_port"] == 7100 and e["remote_port"] == cport]
lst = [e for e in ev if e["local_port"] == 7100 and e["remote_port"] == 0]
res("the listener opened", any(e["event"] == "opened" and e["state"] == "LISTEN" for e in lst))
res("the listener closed", any(e["event"] == "closed" for e in lst))
res("the client opened", any(e["event"] == "opened" for e in cli))
res("the server side opened", any(e["event"] == "opened" for e in srv))
cs = [(e.get("old_state"), e["state"]) for e in cli if e["event"] == "state"]
res("client ESTABLISHED -> FIN-WAIT-2 %r" % cs,
    any(n == "FIN-WAIT-2" and o in ("ESTABLISHED", "FIN-WAIT-1") for o, n in cs))
res("client FIN-WAIT-2 -> TIME-WAIT %r" % cs, ("FIN-WAIT-2", "TIME-WAIT") in cs)
fw2 = [e for e in cli if e["event"] == "state" and e["state"] == "TIME-WAIT"]
res("FIN-WAIT-2 lasted about 1.5 s (%r)" % [e.get("old_state_ms") for e in fw2],
    any(1200 <= e.get("old_state_ms", 0) <= 3000 for e in fw2))
ss_ = [(e.get("old_state"), e["state"]) for e in srv if e["event"] == "state"]
res("server ESTABLISHED -> CLOSE-WAIT %r" % ss_, ("ESTABLISHED", "CLOSE-WAIT") in ss_)
closed = [e for e in srv if e["event"] == "closed"]
res("server CLOSE-WAIT -> LAST-ACK or closed",
    ("CLOSE-WAIT", "LAST-ACK") in ss_ or any(e["state"] in ("CLOSE-WAIT", "LAST-ACK") for e in closed))
est = [e for e in srv if e["event"] == "state" and e["state"] == "CLOSE-WAIT"]
res("ESTABLISHED lasted about 1 s before CLOSE-WAIT (%r)" % [e.get("old_state_ms") for e in est],
    any(700 <= e.get("old_state_ms", 0) <= 2500 for e in est))
ck = {e["cookie"] for e in cli}
res("one cookie follows the client from open to TIME-WAIT (%r)" % ck, len(ck) == 1)
res("the client is not reported closed while in TIME-WAIT", not any(e["event"] == "closed" for e in cli))
EOF
while read -r status name; do
	case $status in
	ok) ok ;;
	*) bad "events: ${name#ok }" ;;
	esac
done <"$tmp/events.check"
check "the event checks ran" grep -q '^ok ' "$tmp/events.check"

# a closed pipe ends the stream quietly, at the first write after it closed
# shellcheck disable=SC2016 # $1.. expand in the inner shell
timeout 20 bash -c 'ip netns exec "$1" "$2" --watch=0.1 --format=jsonl --events --source=poll | head -n1 >"$3"
exit "${PIPESTATUS[0]}"' _ "$ns" "$SOCKSCOPE" "$tmp/first.json" 2>"$tmp/pipe.err" &
piper=$!
sleep 0.5
ip netns exec "$ns" python3 -c '
import socket, time
for p in range(7200, 7205):
    s = socket.socket(); s.bind(("127.0.0.1", p)); s.listen(1); time.sleep(0.3); s.close()'
wait "$piper"
rc=$?
check "a closed pipe ends the stream with status 0 (got $rc)" test "$rc" = 0
check "a closed pipe: nothing on stderr" test ! -s "$tmp/pipe.err"
check "a closed pipe: the first event was read" grep -q '"event":"opened"' "$tmp/first.json"

finish
