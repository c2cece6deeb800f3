#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# load: the workload of the events tests, run inside a private namespace.
# Usage: load.py N R T S BASE OUT [--kernel-timeouts]
# N short loopback connections to port BASE (the client closes first; both
# peers count the bytes they send and receive), R refused ones (BASE+1,
# closed), T timed-out ones and S simultaneous closes (BASE+3: both FINs
# cross).  Timed-out connections: by default to 10.77.0.2:BASE+2 (routed to lo
# but not local, so the SYNs vanish) with a 0.3 s connect timeout in user
# space; with --kernel-timeouts to 127.0.0.1:BASE+2, where the caller's
# nftables rule drops SYNs, all T at once (non-blocking, concurrently with the
# normal connections) until the kernel gives up (ETIMEDOUT after
# net.ipv4.tcp_syn_retries retransmissions).
# Writes a JSON summary, the ground truth of the checks: each normal
# connection's client port, byte counts and CLOCK_MONOTONIC times (the clock
# of the tracepoint) around connect() and close() on both sides; each refused
# and kernel-timed-out connection's port and times.
import errno, json, select, socket, sys, threading, time

args = [a for a in sys.argv[1:] if not a.startswith("--")]
kernel_timeouts = "--kernel-timeouts" in sys.argv
n, refused, timeouts, simul, base = (int(a) for a in args[:5])
out = args[5]
mono = time.monotonic_ns


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
server_side = []  # (client port, server times) in the order of the connections


def server():
    for _ in range(n):
        a, peer = lsock.accept()
        t_acc = mono()
        hdr = recv_exact(a, 4)
        ln = int.from_bytes(hdr, "big")
        recv_exact(a, ln)
        a.sendall(b"r" * (ln // 2 + 1))
        while a.recv(65536):
            pass
        t_close0 = mono()
        a.close()
        server_side.append((peer[1], t_acc, t_close0, mono()))


# Kernel timeouts: every socket bound first (its port known), then a
# non-blocking connect; poll until each reports its error.  For each: the
# times around connect(), the start of the last poll() that still found it
# pending (its CLOSE is later) and the return of the poll() that reported it.
kto = []


def kernel_timeouts_run():
    socks = {}
    for _ in range(timeouts):
        c = socket.socket()
        c.bind(("127.0.0.1", 0))
        c.setblocking(False)
        rec = {"port": c.getsockname()[1], "t_connect": mono()}
        e = c.connect_ex(("127.0.0.1", base + 2))
        rec["t_connect_end"] = mono()
        if e != errno.EINPROGRESS:
            rec["errno"] = e
            c.close()
            kto.append(rec)
            continue
        socks[c.fileno()] = (c, rec)
    p = select.poll()
    for fd in socks:
        p.register(fd, select.POLLOUT)
    last_start = mono()
    while socks:
        start = mono()
        ready = p.poll(10000)
        t = mono()
        if not ready:
            break
        for fd, _ in ready:
            c, rec = socks.pop(fd)
            p.unregister(fd)
            rec["t_pending"] = last_start
            rec["t_error"] = t
            rec["errno"] = c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            c.close()
            kto.append(rec)
        last_start = start
    for c, rec in socks.values():  # still pending after 10 s: not a timeout
        rec["errno"] = 0
        c.close()
        kto.append(rec)


if kernel_timeouts and timeouts:
    tt = threading.Thread(target=kernel_timeouts_run)
    tt.start()
t = threading.Thread(target=server)
t.start()
conns = []
t0 = time.monotonic()
for i in range(n):
    c = socket.socket()
    tc0 = mono()
    c.connect(("127.0.0.1", base))
    tc1 = mono()
    port = c.getsockname()[1]
    ln = 1 + (i * 37) % 5000
    c.sendall(ln.to_bytes(4, "big") + b"s" * ln)
    got = len(recv_exact(c, ln // 2 + 1))
    tx0 = mono()
    c.close()
    tx1 = mono()
    conns.append({"port": port, "sent": ln + 4, "received": got,
                  "c_connect": tc0, "c_connect_end": tc1, "c_close": tx0, "c_close_end": tx1})
t.join()
lsock.close()
t1 = time.monotonic()
# the server accepts in the order the client connects (one at a time)
for c, s in zip(conns, server_side):
    if s[0] == c["port"]:
        c["s_accept"], c["s_close"], c["s_close_end"] = s[1:]

nref = 0
refs = []
for i in range(refused):
    c = socket.socket()
    if kernel_timeouts:  # bound first: its port is known, the refused connection can be matched
        c.bind(("127.0.0.1", 0))
    rec = {"port": c.getsockname()[1], "t_connect": mono()}
    try:
        c.connect(("127.0.0.1", base + 1))
    except ConnectionRefusedError:
        nref += 1
        rec["t_connect_end"] = mono()
        refs.append(rec)
    c.close()

nto = 0
if kernel_timeouts and timeouts:
    tt.join()
    nto = sum(1 for r in kto if r["errno"] == errno.ETIMEDOUT)
else:
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
           "refused_conns": refs, "timeout_conns": [r for r in kto if r["errno"] == errno.ETIMEDOUT],
           "timeout_other": [r for r in kto if r["errno"] != errno.ETIMEDOUT],
           "normal_seconds": t1 - t0}, open(out, "w"))
