#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Socket scenarios for tests/integration/check.sh: small servers and clients
that produce the states `sockscope check` diagnoses (CLOSE-WAIT leaks, full
accept queues, half-open connections, TIME-WAIT, unread data).  Each server
writes READY (a file path) once it listens; clients that hold their sockets
write READY once their sockets are in place, then sleep until killed."""
import errno
import os
import socket
import sys
import time


def ready(path):
    with open(path + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.rename(path + ".tmp", path)


def listener(host, port, backlog):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(backlog)
    return s


def hold():
    while True:
        time.sleep(3600)


def leak_server(host, port, rdy):
    """Accepts and never closes, not even when the peer has closed."""
    s = listener(host, port, 4096)
    ready(rdy)
    kept = []
    while True:
        c, _ = s.accept()
        kept.append(c)


def noaccept_server(host, port, rdy, backlog="1"):
    """Listens with a tiny backlog and never accepts."""
    s = listener(host, port, int(backlog))
    ready(rdy)
    hold()
    del s


def close_server(host, port, rdy):
    """Reads until the client closes, then closes: the client closes first."""
    s = listener(host, port, 4096)
    ready(rdy)
    while True:
        c, _ = s.accept()
        while c.recv(4096):
            pass
        c.close()


def noread_server(host, port, rdy):
    """Accepts and holds the connections without ever reading."""
    s = listener(host, port, 128)
    ready(rdy)
    kept = []
    while True:
        c, _ = s.accept()
        kept.append(c)


def churn(host, port, count, delay="0"):
    """count connections that close at once (count 0: until killed)."""
    n, count, delay = 0, int(count), float(delay)
    while count == 0 or n < count:
        try:
            c = socket.create_connection((host, port), timeout=5)
            c.close()
        except OSError as e:
            if e.errno != errno.EADDRNOTAVAIL:
                raise
            print("churn: EADDRNOTAVAIL after %d connections" % n, file=sys.stderr)
            break
        n += 1
        if delay:
            time.sleep(delay)


def syn_flood(host, port, count, rdy, delay="0"):
    """count non-blocking connects, kept open (handshakes may never finish)."""
    kept = []
    for _ in range(int(count)):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        try:
            c.connect((host, port))
        except BlockingIOError:
            pass
        kept.append(c)
        if float(delay):
            time.sleep(float(delay))
    ready(rdy)
    hold()


def half_close(host, port, count, rdy):
    """count connections shut down for sending and then held, never closed."""
    kept = []
    for _ in range(int(count)):
        c = socket.create_connection((host, port), timeout=5)
        c.shutdown(socket.SHUT_WR)
        kept.append(c)
    ready(rdy)
    hold()


def sender(host, port, nbytes, rdy):
    """Sends nbytes (or as much as the peer's window and the send buffer take)
    on one connection and holds it."""
    c = socket.create_connection((host, port), timeout=5)
    c.setblocking(False)
    left = int(nbytes)
    chunk = b"x" * 65536
    deadline = time.time() + 5
    while left > 0 and time.time() < deadline:
        try:
            left -= c.send(chunk[:min(left, len(chunk))])
        except BlockingIOError:
            time.sleep(0.05)
    ready(rdy)
    hold()


def idle(host, port, rdy):
    """One established, idle connection to a server that holds it."""
    c = socket.create_connection((host, port), timeout=5)
    ready(rdy)
    hold()
    del c


COMMANDS = {
    "leak-server": leak_server,
    "noaccept-server": noaccept_server,
    "close-server": close_server,
    "noread-server": noread_server,
    "churn": churn,
    "syn-flood": syn_flood,
    "half-close": half_close,
    "sender": sender,
    "idle": idle,
}

if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] not in COMMANDS:
        sys.exit("usage: scenario.py {%s} HOST PORT ARGS..." % ",".join(COMMANDS))
    args = sys.argv[2:]
    args[1] = int(args[1])
    COMMANDS[sys.argv[1]](*args)
