#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# check_events: compares evdump's JSON lines with load.py's summary; prints one
# "ok"/"FAIL" line per check and the numbers, exits 1 on any failure.
import collections, json, sys

ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
load = json.load(open(sys.argv[2]))
base = int(sys.argv[3])
fails = 0

def check(what, cond, detail=""):
    global fails
    print(("ok   " if cond else "FAIL ") + what + (": " + detail if detail else ""))
    if not cond:
        fails += 1

summary = [e for e in ev if e["event"] == "summary"][-1]
lost = summary["lost"]
trans = collections.defaultdict(list)
for e in ev:
    if e["event"] == "transition":
        trans[e["skaddr"]].append(e)
lt = {}
for e in ev:
    if e["event"] == "lifetime":
        lt[(e["local_port"], e["remote_port"], e["remote_addr"])] = e

C = ["CLOSE", "SYN_SENT", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "CLOSE"]
S = ["LISTEN", "SYN_RECV", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSE"]
bad_c = bad_s = bad_bytes = missing_c = missing_s = no_info = 0
for c in load["conns"]:
    cl = lt.get((c["port"], base, "127.0.0.1"))
    sv = lt.get((base, c["port"], "127.0.0.1"))
    if cl is None:
        missing_c += 1
    elif cl["states"] != C or cl["closer"] != "active" or cl["end"] != "normal" or not cl["complete"]:
        bad_c += 1
        if bad_c <= 3:
            print("  client", c, cl)
    if sv is None:
        missing_s += 1
    elif sv["states"] != S or sv["closer"] != "passive" or sv["end"] != "normal" or not sv["complete"]:
        bad_s += 1
        if bad_s <= 3:
            print("  server", c, sv)
    for side, l, acked, rcvd in (("client", cl, c["sent"], c["received"]), ("server", sv, c["received"], c["sent"])):
        if l is None:
            continue
        # tcp_info counts sequence space: bytes_acked includes the FIN (and the
        # SYN of the active opener), bytes_received the peer's FIN.  Data
        # bytes: bytes_sent - bytes_retrans out, bytes_received - 1 in.
        if l["bytes_acked"] is None:
            no_info += 1
        elif l["bytes_sent"] - l["bytes_retrans"] != acked or l["bytes_received"] - 1 != rcvd or \
                l["bytes_acked"] != acked + (2 if side == "client" else 1):
            bad_bytes += 1
            if bad_bytes <= 3:
                print("  bytes", side, c, l)
n = len(load["conns"])
missing = missing_c + missing_s
print(f"connections {n}: transitions {summary['transitions']}, samples {summary['samples']}, lost {lost}, "
      f"lifetimes {summary['lifetimes']}, merged {summary['merged']}, cpu {summary['cpu_user_s'] + summary['cpu_sys_s']:.3f} s "
      f"for {load['normal_seconds']:.2f} s of load")
check("client sequences exact", bad_c == 0, f"{bad_c} wrong")
check("server sequences exact", bad_s == 0, f"{bad_s} wrong")
if lost == 0:
    check("every connection seen (no loss reported)", missing == 0, f"{missing_c} client, {missing_s} server missing")
else:
    check("missing lifetimes explained by reported loss", missing <= lost, f"{missing} missing, {lost} lost")
check("bytes equal what the peers sent and received", bad_bytes == 0 and no_info == 0,
      f"{bad_bytes} wrong, {no_info} without tcp_info")
ref = [e for e in lt.values() if e["remote_port"] == base + 1]
check("refused", len(ref) == load["refused"] and all(e["end"] == "refused" for e in ref),
      f"{len(ref)} lifetimes, {load['refused']} refused by the load")
to = [e for e in lt.values() if e["remote_addr"] == "10.77.0.2"]
check("timeouts", len(to) == load["timeouts"] and all(e["end"] == "timeout" for e in to),
      f"{len(to)} lifetimes, {load['timeouts']} timed out")
sim = [lt.get((p, base + 3, "127.0.0.1")) for p in load["simultaneous"]]
check("simultaneous close through CLOSING", all(s and s["closer"] == "simultaneous" and s["end"] == "normal" and "CLOSING" in s["states"] for s in sim),
      str([s["states"] if s else None for s in sim]))
sys.exit(1 if fails else 0)
