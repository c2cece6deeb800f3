#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Makes the loopback sockets behind tests/data/nl/basic.nldump and
tests/data/proc-basic/net/tcp{,6}.  Run it inside a fresh network namespace
(`ip netns exec NS python3 mkbasic.py`); it prints "ready" once every socket is
in place and keeps them until its stdin closes.

What it holds (ports fixed, client ports ephemeral):
  LISTEN        127.0.0.1:5001 (backlog 17, one connection not accepted),
                [::1]:5002 (backlog 5), [::]:5003 (dual stack, backlog 3)
  ESTABLISHED   5001: one accepted pair (2 sockets) + the unaccepted client and
                its child in the accept queue (2 sockets);
                5002: one pair (2); 5003: one pair from 127.0.0.1, v4-mapped (2);
                the client of the 5001 pair has 100 unread bytes (Recv-Q 100)
  FIN-WAIT-2 / CLOSE-WAIT
                5001: client shutdown(SHUT_WR), server never closes (1 + 1)
  TIME-WAIT     5002: client closed first, then server (1)
  CLOSED        127.0.0.1:5009 bound, never listened (netlink only, kernel >= 6.8)
"""
import socket
import sys
import time

keep = []


def listener(fam, addr, port, backlog):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6 and addr == "::":
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind((addr, port))
    s.listen(backlog)
    keep.append(s)
    return s


def pair(lst, fam, addr, port):
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.connect((addr, port))
    a, _ = lst.accept()
    keep.extend([c, a])
    return c, a


l1 = listener(socket.AF_INET, "127.0.0.1", 5001, 17)
l2 = listener(socket.AF_INET6, "::1", 5002, 5)
l3 = listener(socket.AF_INET6, "::", 5003, 3)

c, a = pair(l1, socket.AF_INET, "127.0.0.1", 5001)
a.sendall(b"x" * 100)                       # client Recv-Q 100
pair(l2, socket.AF_INET6, "::1", 5002)
pair(l3, socket.AF_INET, "127.0.0.1", 5003)  # v4-mapped on the server side

fc, fa = pair(l1, socket.AF_INET, "127.0.0.1", 5001)
fc.shutdown(socket.SHUT_WR)                 # fc FIN-WAIT-2, fa CLOSE-WAIT

tc, ta = pair(l2, socket.AF_INET6, "::1", 5002)
tc.close()
time.sleep(0.2)
ta.close()                                  # tc ends in TIME-WAIT
keep.remove(tc)
keep.remove(ta)

q = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
q.connect(("127.0.0.1", 5001))              # stays in the accept queue
keep.append(q)

b = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
b.bind(("127.0.0.1", 5009))                 # bound, inactive
keep.append(b)

time.sleep(0.3)
print("ready", flush=True)
sys.stdin.read()
