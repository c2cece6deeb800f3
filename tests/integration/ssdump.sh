#!/bin/bash
# SPDX-License-Identifier: MIT
#
# ssdump.sh: --replay reads the raw netlink dumps `ss -D FILE` writes.  In a
# private network namespace a python3 holder makes TCP sockets in several
# states (LISTEN, ESTABLISHED with queued data, CLOSE-WAIT, FIN-WAIT-2,
# TIME-WAIT, SYN-SENT towards a silent veth, one IPv6 connection); the
# installed ss records them with `ss -D FILE -tan`.  Then
# `sockscope --replay=FILE -n` must list the same sockets, states, queues and
# endpoints as `TCPDIAG_FILE=FILE ss -tan`, and so must a few filters in the
# style of iproute2's testsuite/tests/ss/ssfilter.t applied by both to the
# same file.  ss reads back only the first dump of its file (IPv4: ss dumps
# one family after the other) and ignores state filters on a file; sockscope
# reads every dump, so the IPv6 socket is checked on its side alone and
# `state established` is compared with ss's ESTAB rows.  Needs root, ip,
# python3 and an ss with -D (exit 77 otherwise).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_root
for c in ip python3 ss; do
	command -v "$c" >/dev/null 2>&1 || skip "needs $c"
done
ss -h 2>&1 | grep -q -- '--diag=FILE' || skip "this ss has no -D"
ns=ssdump$$
work=$(mktemp -d)
holder=
cleanup() {
	[[ -n $holder ]] && kill "$holder" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns" || skip "cannot create a network namespace"
ip -n "$ns" link set lo up
ip -n "$ns" addr add 10.0.0.1/24 dev lo
# SYN-SENT: 10.9.0.2 is on a veth whose other end answers nothing (no ARP)
ip -n "$ns" link add v0 type veth peer name v1 || skip "cannot create a veth pair"
ip -n "$ns" addr add 10.9.0.1/24 dev v0
ip -n "$ns" link set v0 up
ip -n "$ns" link set v1 up

cat >"$work/hold.py" <<'PY'
import socket, sys, time
keep = []
def listen(addr, port, fam=socket.AF_INET):
    s = socket.socket(fam); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(8); keep.append(s); return s
l22 = listen("10.0.0.1", 22)
listen("127.0.0.1", 2000)
c = socket.create_connection(("10.0.0.1", 22)); a, _ = l22.accept(); c.send(b"hello"); keep += [c, a]
c = socket.create_connection(("10.0.0.1", 22)); a, _ = l22.accept(); c.close(); keep.append(a)   # CLOSE-WAIT / FIN-WAIT-2
l3 = listen("127.0.0.1", 3000)
c = socket.create_connection(("127.0.0.1", 3000)); a, _ = l3.accept(); c.close(); a.close()     # TIME-WAIT
s = socket.socket(); s.setblocking(False); keep.append(s)
try:
    s.connect(("10.9.0.2", 5555))                                                                 # SYN-SENT
except BlockingIOError:
    pass
l6 = listen("::1", 6000, socket.AF_INET6)
c = socket.create_connection(("::1", 6000)); a, _ = l6.accept(); keep += [c, a]
print("ready", flush=True)
time.sleep(120)
PY
ip netns exec "$ns" python3 "$work/hold.py" >"$work/hold.out" &
holder=$!
for _ in $(seq 100); do grep -q ready "$work/hold.out" 2>/dev/null && break; sleep 0.05; done
check "the holder is ready" grep -q ready "$work/hold.out"
sleep 0.2

dump=$work/ss.dump
ip netns exec "$ns" ss -D "$dump" -tan >/dev/null
check "ss -D wrote a dump" test -s "$dump"
check "the dump has no sockscope magic" bash -c "! head -c 6 '$dump' | grep -q SSCNLD"

S=$SOCKSCOPE
# both as "STATE RECVQ SENDQ LOCAL PEER", IPv4, sorted
from_ss() { # from_ss [FILTER...]
	TCPDIAG_FILE=$dump ss -tan "$@" | awk 'NR > 1 && NF >= 5 {
		st = $1; if (st == "ESTAB") st = "ESTABLISHED"; if (st == "SYN-RECV") st = "SYN-RECEIVED"
		if (st == "UNCONN") st = "CLOSED"
		p = $5; sub(/:\*$/, ":0", p)
		print st, $2, $3, $4, p }' | sort
}
from_sockscope() { # from_sockscope [FILTER...]
	"$S" --replay="$dump" -4 -n -f csv -H \
		--columns=state,recv_q,send_q,local_addr,local_port,remote_addr,remote_port "$@" |
		tr -d '\r' | awk -F, '{ print $1, $2, $3, $4 ":" $5, $6 ":" $7 }' | sort
}
from_ss >"$work/ss.all"
from_sockscope >"$work/sockscope.all"
check "ss lists the sockets" test "$(wc -l <"$work/ss.all")" -ge 8
for st in LISTEN ESTABLISHED CLOSE-WAIT FIN-WAIT-2 TIME-WAIT SYN-SENT; do
	check "the dump holds a $st socket" grep -q "^$st " "$work/sockscope.all"
done
check "--replay of an ss dump: the same sockets as ss" diff "$work/ss.all" "$work/sockscope.all"
check "the queued data shows (Recv-Q 5)" grep -q '^ESTABLISHED 5 0 10.0.0.1:22 ' "$work/sockscope.all"
# ss stops at the first dump; sockscope reads the IPv6 one too
check "the second (IPv6) dump is read" grep -q '\[::1\]:6000\|::1:6000' <("$S" --replay="$dump" -n -6 -H --no-legend)
check "the IPv6 socket is not in ss's reading" bash -c "! TCPDIAG_FILE='$dump' ss -tan | grep -q '::1'"

# ssfilter.t-style cases: one filter, the same file, both tools
n=0
for f in 'sport = :22' 'dport > :1024' 'src 10.0.0.1' 'dst 127.0.0.1' 'sport = :22 or dport = :22' \
	'( sport = :2000 or sport = :3000 )' 'not sport = :22' 'src 127.0.0.0/8 and dport = :3000'; do
	# shellcheck disable=SC2086
	from_ss $f >"$work/ss.f"
	# shellcheck disable=SC2086
	from_sockscope $f >"$work/sockscope.f"
	check "filter '$f': the same sockets" diff "$work/ss.f" "$work/sockscope.f"
	n=$((n + 1))
done
# state filters: ss ignores them on a file; compare with its ESTAB rows
grep '^ESTABLISHED ' "$work/ss.all" >"$work/ss.est"
from_sockscope state established >"$work/sockscope.est"
check "filter 'state established': ss's ESTAB rows" diff "$work/ss.est" "$work/sockscope.est"

# sockscope's own record files still replay, and a file of neither kind is refused
ip netns exec "$ns" "$S" -n --record="$work/own.rec" >/dev/null
check "a --record file replays" bash -c "'$S' --replay='$work/own.rec' -n -H --no-legend | grep -q LISTEN"
printf 'not a dump at all, just text\n' >"$work/junk"
check "a file of neither format is refused" bash -c "! '$S' --replay='$work/junk' -n >/dev/null 2>&1"
[[ $fail = 0 ]] || { head -50 "$work"/ss.all "$work"/sockscope.all >&2 || true; }
finish
