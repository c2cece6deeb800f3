#!/bin/bash
# SPDX-License-Identifier: MIT
#
# kill.sh: `sockscope kill` (SOCK_DESTROY) against real sockets in a private
# network namespace, held by a small python3 application: a CLOSE-WAIT
# socket, an ESTABLISHED one and a bound UDP socket.  After
# `sockscope -N NS kill --yes FILTER` the application's next call on each
# fails with ECONNABORTED (UDP: SO_ERROR 103) and the TCP sockets are gone
# from `sockscope -N NS`.  Also: --dry-run kills nothing, no filter is exit 2,
# as nobody (setpriv) EPERM is reported, nothing is killed and the exit is 1,
# -K is the same command, a filter matching nothing is exit 0, --all-netns
# kills from inside the socket's namespace.  Needs root,
# ip, python3 and setpriv (exit 77 otherwise).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_root
for c in ip python3 setpriv; do
	command -v "$c" >/dev/null 2>&1 || skip "needs $c"
done
ns=sskill$$
work=$(mktemp -d)
app_pid=
cleanup() {
	[[ -n $app_pid ]] && kill "$app_pid" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns" || skip "cannot create a network namespace"
ip -n "$ns" link set lo up

# The application: CLOSE-WAIT on 7001, ESTABLISHED 7002 <-> client, UDP 47003.
# It says "ready", waits for a line on its fifo, then tries each socket.
cat >"$work/app.py" <<'PY'
import os, socket, sys
def listener(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(8); return s
l1 = listener(7001)
c1 = socket.create_connection(("127.0.0.1", 7001)); cw, _ = l1.accept(); c1.close()
l2 = listener(7002)
est = socket.create_connection(("127.0.0.1", 7002)); peer, _ = l2.accept()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 47003))
out = open(sys.argv[1], "w", buffering=1)
print("ready", file=out)
with open(sys.argv[2]) as ctl:
    ctl.readline()
def attempt(name, f):
    try:
        f(); print(name, "ok", file=out)
    except OSError as e:
        print(name, e.errno, file=out)
attempt("closewait-send", lambda: cw.send(b"x"))
attempt("estab-recv", lambda: est.recv(10))
print("udp-soerror", u.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR), file=out)
print("done", file=out)
PY
mkfifo "$work/ctl"
ip netns exec "$ns" python3 "$work/app.py" "$work/out" "$work/ctl" &
app_pid=$!
for _ in $(seq 100); do grep -q ready "$work/out" 2>/dev/null && break; sleep 0.05; done
check "the application is ready" grep -q ready "$work/out"

S=$SOCKSCOPE
list() { "$S" -N "$ns" -n -H --no-legend "$@"; }
check "CLOSE-WAIT is listed" grep -q CLOSE-WAIT <(list state close-wait)

# no filter: refused, one line, exit 2
set +e
"$S" -N "$ns" kill --yes >"$work/nofilter.out" 2>"$work/nofilter.err"
rc=$?
set -e
check "no filter: exit 2 (got $rc)" test "$rc" = 2
check "no filter: one line on stderr" test "$(wc -l <"$work/nofilter.err")" = 1
check "no filter: nothing on stdout" test ! -s "$work/nofilter.out"
set +e
"$S" -N "$ns" -K --yes >/dev/null 2>&1
rc=$?
set -e
check "no filter: -K too, exit 2 (got $rc)" test "$rc" = 2

# --dry-run: shows, kills nothing
set +e
"$S" -N "$ns" -n kill --dry-run state close-wait >"$work/dry.out" 2>"$work/dry.err"
rc=$?
set -e
check "--dry-run: exit 0" test "$rc" = 0
check "--dry-run shows the socket" grep -q 'CLOSE-WAIT .*127.0.0.1:7001' "$work/dry.out"
check "--dry-run says nothing was killed" grep -q 'nothing killed' "$work/dry.err"
check "--dry-run: the socket is still there" grep -q CLOSE-WAIT <(list state close-wait)

# no terminal and no --yes: refused, nothing killed
set +e
setsid "$S" -N "$ns" -n kill state close-wait </dev/null >/dev/null 2>"$work/notty.err"
rc=$?
set -e
check "no terminal: exit 2 (got $rc)" test "$rc" = 2
check "no terminal: still there" grep -q CLOSE-WAIT <(list state close-wait)

# a filter that matches nothing: exit 0, said so
set +e
"$S" -N "$ns" -n kill --yes sport = :9 >/dev/null 2>"$work/none.err"
rc=$?
set -e
check "nothing matched: exit 0" test "$rc" = 0
check "nothing matched: said so" grep -q 'no socket matches' "$work/none.err"

# as nobody, inside the namespace: EPERM, nothing killed, exit 1
set +e
ip netns exec "$ns" setpriv --reuid=nobody --regid=nogroup --clear-groups "$S" -n kill --yes \
	state close-wait or state established >"$work/nobody.out" 2>&1
rc=$?
set -e
check "as nobody: exit 1 (got $rc)" test "$rc" = 1
check "as nobody: EPERM reported" grep -q 'not killed .*CAP_NET_ADMIN' "$work/nobody.out"
check "as nobody: 0 killed" grep -q '^0 of [0-9]* sockets\? killed' "$work/nobody.out"
check "as nobody: CLOSE-WAIT still there" grep -q CLOSE-WAIT <(list state close-wait)

# the real thing: CLOSE-WAIT, then the client end of the ESTABLISHED pair
# (with -K), then the UDP socket, found with --all-netns (a port no other
# test uses: the filter runs in every namespace of the host)
set +e
"$S" -N "$ns" -n kill --yes state close-wait >"$work/k1.out" 2>&1
rc1=$?
est_port=$(list -o state established dport = :7002 | awk '{ split($4, a, ":"); print a[2] }' | head -1)
"$S" -N "$ns" -n -K --yes dport = :7002 and sport = :"$est_port" >"$work/k2.out" 2>&1
rc2=$?
"$S" --all-netns -n -u kill --yes src 127.0.0.1 and sport = :47003 >"$work/k3.out" 2>&1
rc3=$?
set -e
check "kill CLOSE-WAIT: exit 0 (got $rc1)" test "$rc1" = 0
check "kill CLOSE-WAIT: reported" grep -q '^killed .*CLOSE-WAIT 127.0.0.1:7001' "$work/k1.out"
check "kill CLOSE-WAIT: 1 of 1" grep -q '^1 of 1 socket killed' "$work/k1.out"
check "-K ESTABLISHED: exit 0 (got $rc2)" test "$rc2" = 0
check "-K ESTABLISHED: reported" grep -q '^killed .*ESTABLISHED' "$work/k2.out"
check "kill UDP (--all-netns): exit 0 (got $rc3)" test "$rc3" = 0
check "kill UDP (--all-netns): reported" grep -q '^killed .*udp .*127.0.0.1:47003' "$work/k3.out"
check "kill UDP (--all-netns): its namespace shown" grep -q "netns:$ns" "$work/k3.out"
check "CLOSE-WAIT gone" bash -c "! grep -q . <('$S' -N '$ns' -n -H --no-legend state close-wait)"
check "the killed client end is gone" bash -c \
	"! grep -q . <('$S' -N '$ns' -n -H --no-legend dport = :7002 and sport = :$est_port)"

echo go >"$work/ctl"
for _ in $(seq 100); do grep -q done "$work/out" 2>/dev/null && break; sleep 0.05; done
check "CLOSE-WAIT: the next send fails with ECONNABORTED" grep -q '^closewait-send 103$' "$work/out"
check "ESTABLISHED: the next recv fails with ECONNABORTED" grep -q '^estab-recv 103$' "$work/out"
check "UDP: SO_ERROR is ECONNABORTED" grep -q '^udp-soerror 103$' "$work/out"
[[ $fail = 0 ]] || { cat "$work"/*.out "$work"/*.err >&2 || true; }
finish
