#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# events_check: checks the JSON Lines of `sockscope events` against the summary
# of tests/events/load.py.  Usage: events_check.py MODE FILE LOAD BASE, MODE one
# of transitions, lifetimes, filter, destroy, poll.  One "ok"/"FAIL" line per
# check; exit 1 on any failure.
import collections, json, sys

mode, path, loadpath, base = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
recs = [json.loads(l) for l in open(path) if l.strip()]
load = json.load(open(loadpath))
n = len(load["conns"])
lost = sum(r["lost"] for r in recs if r["event"] == "lost")
fails = 0


def check(what, cond, detail=""):
    global fails
    print(("ok   " if cond else "FAIL ") + mode + ": " + what + (": " + detail if detail else ""))
    if not cond:
        fails += 1


tr = [r for r in recs if r["event"] == "transition"]
ports = {base, base + 1, base + 3}
if mode == "transitions":
    check("source named in every record", all(r["source"] == "tracepoint" for r in recs))
    seq = collections.defaultdict(list)
    for r in tr:
        seq[(r["local_port"], r["remote_port"])].append((r["old_state"], r["state"]))
    C = [("SYN-SENT", "ESTABLISHED"), ("ESTABLISHED", "FIN-WAIT-1"), ("FIN-WAIT-1", "FIN-WAIT-2"),
         ("FIN-WAIT-2", "CLOSED")]
    S = [("LISTEN", "SYN-RECEIVED"), ("SYN-RECEIVED", "ESTABLISHED"), ("ESTABLISHED", "CLOSE-WAIT"),
         ("CLOSE-WAIT", "LAST-ACK"), ("LAST-ACK", "CLOSED")]
    bad_c = sum(1 for c in load["conns"] if seq.get((c["port"], base)) != C)
    bad_s = sum(1 for c in load["conns"] if seq.get((base, c["port"])) != S)
    opens = sum(1 for r in tr if r["local_port"] == 0 and r["remote_port"] == base
                and (r["old_state"], r["state"]) == ("CLOSED", "SYN-SENT"))
    lim = lost if lost else 0
    check("client sequences exact", bad_c <= lim, f"{bad_c} of {n} wrong, {lost} lost")
    check("server sequences exact", bad_s <= lim, f"{bad_s} of {n} wrong, {lost} lost")
    check("every connect() seen (CLOSED -> SYN-SENT, port 0)", abs(opens - n) <= lim, f"{opens} of {n}")
    ref = [r for r in tr if r["remote_port"] == base + 1 and r["old_state"] == "SYN-SENT" and r["state"] == "CLOSED"]
    check("refused: SYN-SENT -> CLOSED", abs(len(ref) - load["refused"]) <= lim, f"{len(ref)} of {load['refused']}")
    for p in load["simultaneous"]:
        st = [s for _, s in seq.get((p, base + 3), [])]
        check("simultaneous close through CLOSING", "CLOSING" in st, str(st))
    srv = [r for r in tr if r["local_port"] == base and r["pid"] is not None]
    check("owners: client pid and comm known", all(r["owner_known"] and r["comm"] == "python3"
                                                   for r in tr if r["local_port"] == load["conns"][0]["port"]))
    check("time is RFC 3339 with ms", all(len(r["time"]) == 24 and r["time"].endswith("Z") for r in tr[:50]))
elif mode == "lifetimes":
    lt = {(r["local_port"], r["remote_port"]): r for r in recs if r["event"] == "lifetime"}
    CL = ["CLOSED", "SYN-SENT", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "CLOSED"]
    SV = ["LISTEN", "SYN-RECEIVED", "ESTABLISHED", "CLOSE-WAIT", "LAST-ACK", "CLOSED"]
    bad = missing = nobytes = 0
    for c in load["conns"]:
        cl, sv = lt.get((c["port"], base)), lt.get((base, c["port"]))
        if cl is None or sv is None:
            missing += 1
            continue
        if cl["bytes_sent"] is None or sv["bytes_sent"] is None:
            nobytes += 1
            continue
        ok = (cl["states"] == CL and cl["closer"] == "active" and cl["end"] == "normal" and
              sv["states"] == SV and sv["closer"] == "passive" and sv["end"] == "normal" and
              cl["bytes_sent"] == c["sent"] and cl["bytes_received"] == c["received"] and
              sv["bytes_sent"] == c["received"] and sv["bytes_received"] == c["sent"] and
              cl["duration_ms"] is not None and cl["duration_ms"] >= 0)
        if not ok:
            bad += 1
            if bad <= 2:
                print("  ", c, cl, sv)
    check("every connection's two lifetimes", missing <= lost, f"{missing} missing, {lost} lost")
    check("bytes equal what the peers sent, states, closer and end exact", bad == 0 and nobytes == 0,
          f"{bad} wrong, {nobytes} without bytes")
    ref = [r for r in lt.values() if r["remote_port"] == base + 1]
    check("refused lifetimes", len(ref) == load["refused"] and all(r["end"] == "refused" for r in ref),
          f"{len(ref)} of {load['refused']}")
    sim = [lt.get((p, base + 3)) for p in load["simultaneous"]]
    check("simultaneous closer", all(s and s["closer"] == "simultaneous" for s in sim), str(sim)[:200])
elif mode == "filter":
    check("only matching records (sport = :BASE)", tr and all(r["local_port"] == base for r in tr), f"{len(tr)} records")
    check("all of them: 5 per connection and the listener's 2", len(tr) == 5 * n + 2 or lost, f"{len(tr)}")
elif mode == "netns":
    # -N with the tracepoint is best effort (see the man page): nothing from
    # elsewhere, and at least what process context attributes for sure
    mine = [r for r in tr if r["local_port"] in ports or r["remote_port"] in ports]
    check("-N: no record from another namespace", len(mine) == len(tr), f"{len(tr) - len(mine)} foreign")
    est = sum(1 for c in load["conns"] if any(r["local_port"] == c["port"] and r["state"] == "ESTABLISHED"
                                              for r in tr))
    print(f"  -N kept {len(tr)} of {12 * n} transitions of the workload")
    check("-N: every client's SYN-SENT -> ESTABLISHED", est >= n - lost, f"{est} of {n}")
elif mode == "destroy":
    mine = [r for r in tr if r["local_port"] in ports or r["remote_port"] in ports]
    check("source destroy in every record", all(r["source"] == "destroy" for r in recs))
    ended = [r for r in mine if r["remote_port"] == base or r["local_port"] == base and r["remote_port"]]
    check("each normal connection's two sockets reported closed", len(ended) >= 2 * n and
          all(r["state"] == "CLOSED" for r in mine), f"{len(ended)} for {n} connections")
elif mode == "poll":
    check("source poll in every record", all(r["source"] == "poll" for r in recs))
    ls = [r for r in tr if r["local_port"] == base and r["remote_port"] == 0]
    check("the listener seen opening and closing",
          [r["state"] for r in ls][:1] == ["LISTEN"] and [r["state"] for r in ls][-1:] == ["CLOSED"],
          str([(r["old_state"], r["state"]) for r in ls]))
print(f"{mode}: {len(recs)} records, {lost} lost")
sys.exit(1 if fails else 0)
