#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# load: the workload of events.sh, run inside a private namespace.  N short
# loopback connections to port BASE (the client closes first; both peers count
# the bytes they send and receive), R refused ones (BASE+1, closed), T timed-out
# ones (10.77.0.2:BASE+2, routed to lo but not local, so the SYNs vanish; 0.3 s connect
# timeout) and S simultaneous closes (BASE+3: both FINs cross).  Writes a JSON
# summary with each normal connection's client port and byte counts.
import json, socket, sys, threading, time, errno

n, refused, timeouts, simul, base = (int(a) for a in sys.argv[1:6])
out = sys.argv[6]

def recv_exact(s, k):
    b = b""
    while len(b) < k:
        c = s.recv(k - len(b))
        if not c:
            break
        b += c
    return b

lsock = socket.socket()
lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lsock.bind(("127.0.0.1", base))
lsock.listen(128)

def server():
    for _ in range(n):
        a, _ = lsock.accept()
        hdr = recv_exact(a, 4)
        ln = int.from_bytes(hdr, "big")
        recv_exact(a, ln)
        a.sendall(b"r" * (ln // 2 + 1))
        while a.recv(65536):
            pass
        a.close()

t = threading.Thread(target=server)
t.start()
conns = []
t0 = time.monotonic()
for i in range(n):
    c = socket.create_connection(("127.0.0.1", base))
    port = c.getsockname()[1]
    ln = 1 + (i * 37) % 5000
    c.sendall(ln.to_bytes(4, "big") + b"s" * ln)
    got = len(recv_exact(c, ln // 2 + 1))
    c.close()
    conns.append({"port": port, "sent": ln + 4, "received": got})
t.join()
lsock.close()
t1 = time.monotonic()

nref = 0
for i in range(refused):
    c = socket.socket()
    try:
        c.connect(("127.0.0.1", base + 1))
    except ConnectionRefusedError:
        nref += 1
    c.close()

nto = 0
for i in range(timeouts):
    c = socket.socket()
    c.settimeout(0.3)
    try:
        c.connect(("10.77.0.2", base + 2))
    except (socket.timeout, TimeoutError):
        nto += 1
    c.close()

# Simultaneous close: B's receive window is full, so A's FIN waits behind its
# data (A in FIN_WAIT1, FIN unsent) when B's FIN arrives: A goes to CLOSING.
nsim = 0
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
ls.bind(("127.0.0.1", base + 3))
ls.listen(8)
sim_ports = []
for i in range(simul):
    a = socket.socket()
    a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
    a.connect(("127.0.0.1", base + 3))
    b, _ = ls.accept()
    a.setblocking(False)
    try:
        while True:
            a.send(b"z" * 65536)
    except BlockingIOError:
        pass
    a.shutdown(socket.SHUT_WR)
    time.sleep(0.02)
    b.shutdown(socket.SHUT_WR)
    time.sleep(0.02)
    while b.recv(1 << 20):
        pass
    sim_ports.append(a.getsockname()[1])
    time.sleep(0.05)
    a.close()
    b.close()
    nsim += 1
ls.close()

json.dump({"conns": conns, "refused": nref, "timeouts": nto, "simultaneous": sim_ports,
           "normal_seconds": t1 - t0}, open(out, "w"))
