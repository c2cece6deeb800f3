#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""hostile.py HOST PORT MODE [ARGS]: hostile HTTP clients for hostile.sh.

Modes print one summary line each:
  raw                 malformed requests, one per connection: "CASE -> status"
  scrape N            N scrapes on one keep-alive connection: "ok K"
  parallel N          N concurrent connections, one scrape each: "ok K fail F"
  slowloris N SECS    N connections trickling header bytes every second:
                      "cut K alive A max_age S"
  idle N SECS         N connections that send nothing: "cut K alive A max_age S"
  disconnect N        N scrapes closed after the first 8 KiB: "done N"
  tls N CA USER PASS  N scrapes, each a new TLS connection with basic auth: "ok K"
"""
import http.client
import socket
import sys
import threading
import time

host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def status_of(raw, timeout=5):
    s = socket.create_connection((host, port), timeout=timeout)
    try:
        s.sendall(raw)
        data = b""
        while b"\r\n" not in data and len(data) < 4096:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        line = data.split(b"\r\n", 1)[0].decode("latin-1")
        return line.split(" ")[1] if line.startswith("HTTP/") and " " in line else "closed"
    except (ConnectionResetError, BrokenPipeError):
        return "closed"
    except socket.timeout:
        return "timeout"
    finally:
        s.close()


def scrape_ok(conn):
    conn.request("GET", "/metrics")
    r = conn.getresponse()
    body = r.read()
    return r.status == 200 and b"sockscope_up 1" in body


if mode == "raw":
    cases = {
        "request line 100 KiB": b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        "one header of 20 KiB": b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 20000 + b"\r\n\r\n",
        "300 headers": b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 60) for i in range(300)) + b"\r\n",
        "NUL in method": b"G\x00T /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
        "odd method token": b"G@T /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
        "lowercase method": b"get /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
        "path without slash": b"GET metrics HTTP/1.1\r\nHost: x\r\n\r\n",
        "absolute URI": b"GET http://x/metrics HTTP/1.1\r\nHost: x\r\n\r\n",
        "HTTP/9.9": b"GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n",
        "no version": b"GET /metrics\r\n\r\n",
        "binary garbage": bytes(range(256)) * 4 + b"\r\n\r\n",
        "header without colon": b"GET /metrics HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",
        "space before colon": b"GET /metrics HTTP/1.1\r\nHost : x\r\n\r\n",
        "missing Host (1.1)": b"GET /metrics HTTP/1.1\r\n\r\n",
        "%00 in path": b"GET /metrics%00 HTTP/1.1\r\nHost: x\r\n\r\n",
        "bad percent escape": b"GET /%zz%  HTTP/1.1\r\nHost: x\r\n\r\n",
        "huge Content-Length": b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "negative Content-Length": b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        "bad chunked body": b"POST /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "CL and TE both": b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "bare LF lines": b"GET /metrics HTTP/1.1\nHost: x\n\n",
        "pipelined 3": b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 3,
        "HTTP/1.0": b"GET /metrics HTTP/1.0\r\n\r\n",
        "HEAD": b"HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
        "CONNECT": b"CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\n",
        "1 KiB method": b"A" * 1024 + b" /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
        "empty line only": b"\r\n\r\n",
    }
    for name, raw in cases.items():
        print("%-26s -> %s" % (name, status_of(raw)))

elif mode == "scrape":
    n = int(sys.argv[4])
    conn = http.client.HTTPConnection(host, port, timeout=10)
    ok = 0
    for _ in range(n):
        try:
            ok += scrape_ok(conn)
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=10)
    print("ok", ok)

elif mode == "parallel":
    n = int(sys.argv[4])
    res = []
    lock = threading.Lock()
    start = threading.Barrier(n)

    def one():
        try:
            start.wait(10)
            c = http.client.HTTPConnection(host, port, timeout=30)
            r = scrape_ok(c)
            c.close()
        except (OSError, http.client.HTTPException, threading.BrokenBarrierError):
            r = False
        with lock:
            res.append(r)

    ts = [threading.Thread(target=one) for _ in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("ok", sum(res), "fail", len(res) - sum(res))

elif mode in ("slowloris", "idle"):
    n, secs = int(sys.argv[4]), float(sys.argv[5])
    socks, born, died = [], [], {}
    for _ in range(n):
        try:
            s = socket.create_connection((host, port), timeout=2)
            s.setblocking(False)
            if mode == "slowloris":
                s.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
            born.append(time.monotonic())
        except OSError:
            pass
    t0 = time.monotonic()
    while time.monotonic() - t0 < secs and len(died) < len(socks):
        for i, s in enumerate(socks):
            if i in died:
                continue
            try:
                d = s.recv(4096)
                if d == b"":
                    died[i] = time.monotonic() - born[i]
                    continue
            except BlockingIOError:
                pass
            except OSError:
                died[i] = time.monotonic() - born[i]
                continue
            if mode == "slowloris":
                try:
                    s.send(b"X")
                except OSError:
                    died[i] = time.monotonic() - born[i]
        time.sleep(1.0 if mode == "slowloris" else 0.1)
    print("cut", len(died), "alive", len(socks) - len(died), "max_age %.1f" % max(died.values(), default=0))
    for s in socks:
        s.close()

elif mode == "tls":
    # tls N CAFILE USER PASS: N scrapes, each on a new TLS connection with basic auth
    import base64
    import ssl
    n, ca, user, pw = int(sys.argv[4]), sys.argv[5], sys.argv[6], sys.argv[7]
    ctx = ssl.create_default_context(cafile=ca)
    auth = {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()}
    ok = 0
    for _ in range(n):
        try:
            c = http.client.HTTPSConnection(host, port, context=ctx, timeout=10)
            c.request("GET", "/metrics", headers=auth)
            r = c.getresponse()
            ok += r.status == 200 and b"sockscope_up 1" in r.read()
            c.close()
        except (OSError, http.client.HTTPException):
            pass
    print("ok", ok)

elif mode == "disconnect":
    n = int(sys.argv[4])
    for _ in range(n):
        s = socket.create_connection((host, port), timeout=5)
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        got = 0
        while got < 8192:
            d = s.recv(4096)
            if not d:
                break
            got += len(d)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()  # a reset, mid-response
    print("done", n)
