#!/bin/bash
# SPDX-License-Identifier: MIT
#
# states.sh: checks sockscope against real TCP sockets in all 11 states, IPv4
# and IPv6, held by the tcpstates fixture (fixture/fixture.sh) in a private
# network namespace.  It compares sockscope's JSON from the netlink back end,
# the /proc back end, the automatic fallback (netlink made to fail by the
# shim_nonetlink LD_PRELOAD library) and the process owners (-p) with the
# fixture's ground truth, and with independent oracles run in the same
# namespace: ss, /proc/net/tcp{,6} and netstat.  Needs root, ip, nft and
# python3 (exit 77 otherwise).  Environment: SOCKSCOPE (the binary, required),
# TCPSTATES and SHIM_NONETLINK (default: found in the build tree),
# STATES_KEEP=1 keeps the work dir with every output for inspection.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

skip() {
	echo "states: SKIP: $*"
	exit 77
}

[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, nftables)"
for c in ip nft python3; do
	command -v "$c" >/dev/null 2>&1 || skip "needs $c"
done
if [[ -z ${SOCKSCOPE:-} || ! -x ${SOCKSCOPE:-} ]]; then
	echo "states: SOCKSCOPE must point at the sockscope binary" >&2
	exit 1
fi
probe="ssfxprobe-$$"
if ! ip netns add "$probe" 2>/dev/null; then
	skip "cannot create network namespaces here"
fi
ip netns delete "$probe"

build_root=${BUILD_ROOT:-$(cd "$(dirname "$SOCKSCOPE")/.." && pwd)}
export TCPSTATES=${TCPSTATES:-$build_root/tests/integration/fixture/tcpstates}
shim=${SHIM_NONETLINK:-$build_root/tests/integration/fixture/libshim_nonetlink.so}
[[ -x $TCPSTATES ]] || { echo "states: tcpstates not built: $TCPSTATES" >&2; exit 1; }
[[ -f $shim ]] || { echo "states: shim not built: $shim" >&2; exit 1; }

# shellcheck source=fixture/fixture.sh disable=SC1091
. "$here/fixture/fixture.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/sockscope-states.XXXXXX")
cleanup() {
	fixture_down
	if [[ ${STATES_KEEP:-0} == 1 ]]; then
		echo "states: outputs kept in $work"
	else
		rm -rf -- "$work"
	fi
}
trap cleanup EXIT

if ! fixture_up; then
	echo "states: the fixture did not come up" >&2
	exit 1
fi
echo "states: fixture up in ${FIXTURE_UP_MS} ms ($(wc -l <"$FIXTURE_TRUTH") sockets, pid $FIXTURE_PID)"
cp "$FIXTURE_TRUTH" "$work/truth.jsonl"

# run NAME CMD...: runs CMD inside namespace A; keeps stdout, stderr, status.
run() {
	local name=$1 rc=0
	shift
	ip netns exec "$FIXTURE_NS_A" "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
	echo "$rc" >"$work/$name.rc"
}

all=(--format=json -n -a)
run nl "$SOCKSCOPE" "${all[@]}"
run proc "$SOCKSCOPE" "${all[@]}" --backend=proc
run nl_p "$SOCKSCOPE" "${all[@]}" -p
run proc_p "$SOCKSCOPE" "${all[@]}" -p --backend=proc
fallback_errnos=(EPERM EAFNOSUPPORT EPROTONOSUPPORT)
for e in "${fallback_errnos[@]}"; do
	run "fb_$e" env LD_PRELOAD="$shim" SHIM_ERRNO="$e" "$SOCKSCOPE" "${all[@]}"
done
run fbnl env LD_PRELOAD="$shim" "$SOCKSCOPE" "${all[@]}" --backend=netlink
run ss ss -tanH state all
run tcp4 cat /proc/net/tcp
run tcp6 cat /proc/net/tcp6
if command -v netstat >/dev/null 2>&1; then
	run netstat netstat -tanW
fi
# the fixture must still hold every state after all that
verify_ok=0
fixture_verify && verify_ok=1

# sock_diag lists bound-only (CLOSED) sockets from Linux 6.8 on
bound_inactive=1
IFS=.- read -r kmaj kmin _ <<<"$(uname -r)"
if ((kmaj < 6 || (kmaj == 6 && kmin < 8))); then
	bound_inactive=0
	echo "states: note: kernel $(uname -r) < 6.8: netlink cannot show CLOSED sockets either"
fi

python3 - "$work" "$verify_ok" "$bound_inactive" "${fallback_errnos[@]}" <<'EOF'
import ipaddress
import json
import os
import struct
import sys

work, verify_ok, bound_inactive, fb_errnos = sys.argv[1], sys.argv[2] == "1", sys.argv[3] == "1", sys.argv[4:]
passed = failed = 0


def ok(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)
    return cond


def path(name, ext):
    return os.path.join(work, f"{name}.{ext}")


def have(name):
    return os.path.exists(path(name, "rc"))


def rc(name):
    return int(open(path(name, "rc")).read())


def err_lines(name):
    return [l for l in open(path(name, "err")).read().splitlines() if l.strip()]


SIDE = {s: "client" for s in ("SYN-SENT", "FIN-WAIT-1", "FIN-WAIT-2", "CLOSING", "TIME-WAIT")}
SIDE.update({s: "server" for s in ("LISTEN", "SYN-RECEIVED", "CLOSE-WAIT", "LAST-ACK")})
SIDE.update({s: "both" for s in ("ESTABLISHED", "CLOSED")})
ROLE = {"SYN-SENT": "active-opener", "LISTEN": "passive-opener", "SYN-RECEIVED": "passive-opener",
        "ESTABLISHED": "both", "FIN-WAIT-1": "active-closer", "FIN-WAIT-2": "active-closer",
        "TIME-WAIT": "active-closer", "CLOSE-WAIT": "passive-closer", "LAST-ACK": "passive-closer",
        "CLOSING": "simultaneous-closer", "CLOSED": "none"}
ALL_STATES = set(ROLE)
SS_STATE = {"ESTAB": "ESTABLISHED", "SYN-RECV": "SYN-RECEIVED", "UNCONN": "CLOSED"}
NETSTAT_STATE = {"ESTABLISHED": "ESTABLISHED", "SYN_SENT": "SYN-SENT", "SYN_RECV": "SYN-RECEIVED",
                 "FIN_WAIT1": "FIN-WAIT-1", "FIN_WAIT2": "FIN-WAIT-2", "TIME_WAIT": "TIME-WAIT",
                 "CLOSE": "CLOSED", "CLOSE_WAIT": "CLOSE-WAIT", "LAST_ACK": "LAST-ACK",
                 "LISTEN": "LISTEN", "CLOSING": "CLOSING"}
PROC_STATE = {1: "ESTABLISHED", 2: "SYN-SENT", 3: "SYN-RECEIVED", 4: "FIN-WAIT-1", 5: "FIN-WAIT-2",
              6: "TIME-WAIT", 7: "CLOSED", 8: "CLOSE-WAIT", 9: "LAST-ACK", 10: "LISTEN", 11: "CLOSING"}


def norm(addr):
    return ipaddress.ip_address(addr.split("%")[0]).compressed


def key(d):
    return (d["family"], norm(d["local_addr"]), int(d["local_port"]),
            norm(d["remote_addr"]), int(d["remote_port"]))


def desc(k):
    fam, la, lp, ra, rp = k
    return f"{fam} {la}:{lp}->{ra}:{rp}"


truth = [json.loads(l) for l in open(path("truth", "jsonl")) if l.strip()]
tkeys = {key(t): t for t in truth}
ok(len(tkeys) == len(truth), "truth: keys are unique")
for fam in ("inet", "inet6"):
    ok({t["state"] for t in truth if t["family"] == fam} == ALL_STATES, f"truth: all 11 states for {fam}")
ok(verify_ok, "fixture: tcpstates re-verified every state after the run (SIGUSR1)")


_loaded = {}


def load(name):
    """sockscope's JSON output -> list of sockets, or None (a failure,
    reported once)."""
    if name not in _loaded:
        _loaded[name] = _load(name)
    return _loaded[name]


def _load(name):
    try:
        doc = json.load(open(path(name, "out")))
        socks = doc["sockets"]
        assert isinstance(socks, list)
        return socks
    except Exception as e:  # noqa: BLE001 - any parse problem is a failure
        head = open(path(name, "out")).read(200)
        ok(False, f"{name}: output is not sockscope JSON ({e}): {head!r} stderr={err_lines(name)[:2]}")
        return None


def index(socks, name):
    idx = {}
    for s in socks:
        try:
            idx.setdefault(key(s), []).append(s)
        except Exception as e:  # noqa: BLE001
            ok(False, f"{name}: bad socket record {s!r}: {e}")
    return idx


def check_backend(name, proc):
    """Every truth socket (but CLOSED for /proc) present with the right
    fields, nothing else.  Returns {family: set of states fully right}."""
    good = {"inet": set(ALL_STATES), "inet6": set(ALL_STATES)}
    ok(rc(name) == 0, f"{name}: exit status {rc(name)} (stderr: {err_lines(name)[:2]})")
    ok(err_lines(name) == [], f"{name}: clean stderr, got {err_lines(name)[:3]}")
    socks = load(name)
    if socks is None:
        return {"inet": set(), "inet6": set()}
    idx = index(socks, name)
    for k, t in tkeys.items():
        st = t["state"]
        found = idx.get(k, [])
        if (proc or not bound_inactive) and st == "CLOSED":
            ok(not found, f"{name}: CLOSED {desc(k)} must be absent (this back end cannot show it)")
            good[t["family"]].discard(st)
            continue
        if not ok(len(found) == 1, f"{name}: {st} {desc(k)} present once (found {len(found)})"):
            good[t["family"]].discard(st)
            continue
        s = found[0]
        want = {"state": st, "side": SIDE[st], "role": ROLE[st], "recv_q": t["recv_q"],
                "send_q": None if proc and st == "LISTEN" else t["send_q"],
                "inode": t["inode"], "uid": t["uid"]}
        if not proc and t["cookie"] is not None:
            want["cookie"] = t["cookie"]
        for f, v in want.items():
            if not ok(s.get(f, "<missing>") == v, f"{name}: {st} {desc(k)}: {f} is {s.get(f, '<missing>')!r}, want {v!r}"):
                good[t["family"]].discard(st)
    for k, v in idx.items():
        ok(k in tkeys, f"{name}: unexpected socket {v[0].get('state')} {desc(k)}")
    return good


def project(socks):
    return sorted((key(s), s.get("state"), s.get("recv_q"), s.get("send_q"), s.get("inode")) for s in socks)


# a. netlink
good_nl = check_backend("nl", proc=False)
# b. /proc
check_backend("proc", proc=True)
nl = load("nl") or []
proc = load("proc") or []

# c. automatic fallback and forced netlink under the shim
for e in fb_errnos:
    name = f"fb_{e}"
    lines = err_lines(name)
    ok(rc(name) == 0, f"{name}: exit status {rc(name)}, want 0 (stderr: {lines[:2]})")
    ok(len(lines) == 1, f"{name}: exactly one notice line on stderr, got {len(lines)}: {lines[:3]}")
    ok(any("/proc" in l for l in lines), f"{name}: the notice mentions /proc: {lines[:1]}")
    fb = load(name)
    if fb is not None:
        ok(project(fb) == project(proc), f"{name}: output equals the --backend=proc output")
lines = err_lines("fbnl")
ok(rc("fbnl") == 1, f"fbnl: --backend=netlink under the shim exits {rc('fbnl')}, want 1")
ok(len(lines) == 1, f"fbnl: exactly one error line on stderr, got {lines[:3]}")


# d. oracles
def split_hostport(s):
    host, port = s.rsplit(":", 1)
    host = host.strip("[]")
    return host, 0 if port == "*" else int(port)


def oracle_ss():
    rows = {}
    for line in open(path("ss", "out")):
        f = line.split()
        if len(f) < 5:
            continue
        st = SS_STATE.get(f[0], f[0])
        lh, lp = split_hostport(f[3])
        rh, rp = split_hostport(f[4])
        fam = "inet6" if ":" in lh else "inet"
        if rh == "*":
            rh = "::" if fam == "inet6" else "0.0.0.0"
        k = (fam, norm(lh), lp, norm(rh), rp)
        rows[k] = (st, int(f[1]), int(f[2]))
    return rows


def proc_addr(h, fam):
    words = [int(h[i:i + 8], 16) for i in range(0, len(h), 8)]
    raw = b"".join(struct.pack("=I", w) for w in words)
    return ipaddress.ip_address(raw).compressed


def oracle_proc():
    rows = {}
    for name, fam in (("tcp4", "inet"), ("tcp6", "inet6")):
        for line in open(path(name, "out")).read().splitlines()[1:]:
            f = line.split()
            la, lp = f[1].split(":")
            ra, rp = f[2].split(":")
            tx, rx = f[4].split(":")
            k = (fam, proc_addr(la, fam), int(lp, 16), proc_addr(ra, fam), int(rp, 16))
            rows[k] = (PROC_STATE[int(f[3], 16)], int(rx, 16), int(tx, 16), int(f[9]))
    return rows


def oracle_netstat():
    rows = {}
    for line in open(path("netstat", "out")):
        f = line.split()
        if len(f) < 6 or f[0] not in ("tcp", "tcp6"):
            continue
        fam = "inet6" if f[0] == "tcp6" else "inet"
        lh, lp = split_hostport(f[3])
        rh, rp = split_hostport(f[4])
        k = (fam, norm(lh), lp, norm(rh), rp)
        rows[k] = (NETSTAT_STATE.get(f[5], f[5]), int(f[1]), int(f[2]))
    return rows


def compare(oname, orows, sname, socks, fields, skip_closed):
    """orows: key -> tuple of (state, field values...) as in fields."""
    mine = {}
    for s in socks:
        if skip_closed and s.get("state") == "CLOSED":
            continue
        mine[key(s)] = s
    ok(set(orows) == set(mine),
       f"{oname} vs {sname}: same sockets (only in {oname}: {sorted(set(orows) - set(mine))[:3]}, "
       f"only in {sname}: {sorted(set(mine) - set(orows))[:3]})")
    for k in sorted(set(orows) & set(mine)):
        s, o = mine[k], orows[k]
        for i, f in enumerate(fields):
            if o[i] is None:
                continue
            ok(s.get(f) == o[i], f"{oname} vs {sname}: {desc(k)} {f}: {oname} {o[i]!r}, sockscope {s.get(f)!r}")


ss_rows = oracle_ss()
ss_closed = any(v[0] == "CLOSED" for v in ss_rows.values())
if not ss_closed:
    print("states: note: this ss does not list CLOSED (bound-only) sockets; compared without them")
compare("ss", ss_rows, "nl", nl, ("state", "recv_q", "send_q"), skip_closed=not ss_closed)
compare("ss", ss_rows, "truth", truth, ("state", "recv_q", "send_q"), skip_closed=not ss_closed)
proc_rows = oracle_proc()
# /proc's tx_queue of a LISTEN socket is always 0, not the backlog: sockscope
# reports null there (checked above), so that field is not compared
proc_rows_p = {k: (v[0], v[1], None if v[0] == "LISTEN" else v[2], v[3]) for k, v in proc_rows.items()}
compare("/proc/net/tcp", proc_rows_p, "proc", proc, ("state", "recv_q", "send_q", "inode"), skip_closed=True)
proc_rows_nl = {k: (v[0], v[1], None, v[3]) for k, v in proc_rows.items()}
compare("/proc/net/tcp", proc_rows_nl, "nl", nl, ("state", "recv_q", "send_q", "inode"), skip_closed=True)
if have("netstat"):
    ok(rc("netstat") == 0, f"netstat: exit status {rc('netstat')}")
    ns_rows = {k: (v[0], v[1], None if v[0] == "LISTEN" else v[2]) for k, v in oracle_netstat().items()}
    compare("netstat", ns_rows, "proc", proc, ("state", "recv_q", "send_q"), skip_closed=True)


# e. owners
def check_owners(name, proc):
    ok(rc(name) == 0, f"{name}: exit status {rc(name)} (stderr: {err_lines(name)[:2]})")
    socks = load(name)
    if socks is None:
        return
    idx = index(socks, name)
    for k, t in tkeys.items():
        if (proc or not bound_inactive) and t["state"] == "CLOSED":
            continue
        found = idx.get(k, [])
        if not ok(len(found) == 1, f"{name}: {t['state']} {desc(k)} present once"):
            continue
        procs = found[0].get("processes")
        if not ok(isinstance(procs, list), f"{name}: {t['state']} {desc(k)}: processes is a list, got {procs!r}"):
            continue
        if t["pid"] is None:
            ok(procs == [], f"{name}: {t['state']} {desc(k)} has no owner, got {procs!r}")
        else:
            mine = [p for p in procs if p.get("pid") == t["pid"]]
            if ok(len(mine) == 1, f"{name}: {t['state']} {desc(k)}: owner pid {t['pid']} in {procs!r}"):
                ok(mine[0].get("fd") == t["fd"], f"{name}: {t['state']} {desc(k)}: fd {mine[0].get('fd')!r}, want {t['fd']}")
                ok(mine[0].get("comm") == t["comm"], f"{name}: {t['state']} {desc(k)}: comm {mine[0].get('comm')!r}, want {t['comm']!r}")


check_owners("nl_p", proc=False)
check_owners("proc_p", proc=True)

n4 = len(good_nl["inet"])
n6 = len(good_nl["inet6"])
print(f"states: {len(truth)} sockets checked, {n4}/11 states (inet), {n6}/11 (inet6), "
      f"{passed} checks passed, {failed} failed")
want = 11 if bound_inactive else 10
sys.exit(1 if failed or n4 != want or n6 != want else 0)
EOF
