# SPDX-License-Identifier: MIT
# rates_gen.py: the workloads of check-rates.sh, in one namespace, started on a
# signal file (OUT.go) so that check --window is already watching, with its
# own counts written to OUT as JSON.
#   churn HOST PORT N RATE OUT: a server on PORT; N connections at RATE a
#     second, each closed by the client first (its port goes to TIME-WAIT).
#   fail HOST OKPORT NOK REFPORT NREF DROPPORT NDROP OUT: NOK connections to a
#     server on OKPORT, NREF to REFPORT (nothing listens: refused), NDROP at once
#     to DROPPORT (SYNs dropped: they time out after tcp_syn_retries).
import json, socket, sys, threading, time
# gen.py churn HOST PORT N RATE OUT | fail HOST OKPORT NOK REFPORT NREF DROPPORT NDROP OUT
def server(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(512)
    def serve():
        while True:
            c, _ = s.accept()
            threading.Thread(target=lambda c=c: (c.recv(10), c.close()), daemon=True).start()
    threading.Thread(target=serve, daemon=True).start()
    return s
cnt = {"attempts": 0, "established": 0, "refused": 0, "timeout": 0, "closed_first": 0}
lock = threading.Lock()
def one(host, port):
    c = socket.socket()
    try:
        c.connect((host, port))
    except ConnectionRefusedError:
        k = "refused"
    except TimeoutError:
        k = "timeout"
    else:
        k = "established"
    with lock:
        cnt["attempts"] += 1; cnt[k] += 1
        if k == "established": cnt["closed_first"] += 1
    c.close()
mode = sys.argv[1]
if mode == "churn":
    host, port, n, rate, out = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
    srv = server(port)
    open(out + ".ready", "w").close()
    while not __import__("os").path.exists(out + ".go"): time.sleep(0.05)
    t0 = time.monotonic()
    for i in range(n):
        one(host, port)
        d = t0 + (i + 1) / rate - time.monotonic()
        if d > 0: time.sleep(d)
else:
    host = sys.argv[2]
    okp, nok, refp, nref, dropp, ndrop, out = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8]), sys.argv[9]
    srv = server(okp)
    open(out + ".ready", "w").close()
    while not __import__("os").path.exists(out + ".go"): time.sleep(0.05)
    th = [threading.Thread(target=one, args=(host, dropp)) for _ in range(ndrop)]
    for t in th: t.start()
    for _ in range(nref): one(host, refp)
    for _ in range(nok): one(host, okp); time.sleep(0.02)
    for t in th: t.join()
time.sleep(1)
json.dump(cnt, open(out + ".tmp", "w")); __import__("os").rename(out + ".tmp", out)
