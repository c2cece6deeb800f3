#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Soak (not run by default: it takes SOAK_MINUTES, 10 by default, plus about
# 30 s to set up): `sockscope top` runs in tmux inside a private network
# namespace holding about SOAK_SOCKETS (10000) loopback sockets, a few hundred
# of which close and reopen every second, while the resident memory (VmRSS)
# of the top process (with owners, -p) is sampled every SOAK_STEP (10) seconds.  After a
# warm-up of one fifth of the run (at most 60 s) the RSS may not grow by more
# than 10% + 1 MiB over the largest warm-up sample; top must still be running
# at the end and quit with exit 0 on 'q'.  Prints every sample.  Needs root
# (exit 77 otherwise).  Run: SOCKSCOPE=build/src/sockscope tests/integration/soak.sh
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
for t in ip python3 tmux; do
	command -v "$t" >/dev/null || skip "$t not installed"
done
"$SOCKSCOPE" top --help >/dev/null 2>&1 || skip "sockscope top not available"
minutes=${SOAK_MINUTES:-10}
nsock=${SOAK_SOCKETS:-10000}
step=${SOAK_STEP:-10}
secs=$((minutes * 60))
ns=sockscope-soak-$$
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockscope-soak.$$.XXXXXX")
gen_pid=
cleanup() {
	[ -n "$gen_pid" ] && kill "$gen_pid" 2>/dev/null
	tmux kill-session -t "$ns" 2>/dev/null
	wait 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns" || skip "cannot create a network namespace"
ip netns exec "$ns" ip link set lo up

# nsock/2 connected pairs (fewer if the fd hard limit says so); every 10 ms
# three pairs are reset and reopened.
cat >"$tmp/gen.py" <<'PY'
import random, resource, socket, sys, time
n, secs = int(sys.argv[1]) // 2, float(sys.argv[2])
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
want = 4 * n + 1024
if hard != resource.RLIM_INFINITY and hard < want:
    n = (hard - 1024) // 4     # as many as the hard limit allows
    want = hard
resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(4096)
port = srv.getsockname()[1]
def pair():
    c = socket.create_connection(("127.0.0.1", port))
    a, _ = srv.accept()
    return (c, a)
pairs = [pair() for _ in range(n)]
print("ready", flush=True)
deadline = time.monotonic() + secs
rnd = random.Random(1)
while time.monotonic() < deadline:
    for _ in range(3):
        i = rnd.randrange(n)
        for s in pairs[i]:
            # reset, not FIN: TIME-WAIT would pile up and the socket count
            # (and with it top's honest memory) would climb for a minute
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
            s.close()
        pairs[i] = pair()
    time.sleep(0.01)
PY
ulimit -n $((nsock * 2 + 4096)) 2>/dev/null
ip netns exec "$ns" python3 "$tmp/gen.py" "$nsock" "$((secs + 60))" >"$tmp/gen.out" 2>&1 &
gen_pid=$!
for _ in $(seq 600); do
	grep -q ready "$tmp/gen.out" 2>/dev/null && break
	kill -0 "$gen_pid" 2>/dev/null || break
	sleep 0.1
done
grep -q ready "$tmp/gen.out" || { cat "$tmp/gen.out" >&2; bad "the socket generator did not start"; finish; exit 1; }

tmux new-session -d -s "$ns" -x 200 -y 60 \
	"sh -c 'echo \$\$ >$tmp/top.pid; exec ip netns exec $ns $SOCKSCOPE top -n -p 2>$tmp/top.err'; echo \$? >$tmp/top.rc"
sleep 2
pid=$(cat "$tmp/top.pid" 2>/dev/null)
check "top started" [ -n "$pid" ]
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }

warm=$((secs / 5 < 60 ? secs / 5 : 60))
base=0
samples=()
start=$SECONDS
while [ $((SECONDS - start)) -lt "$secs" ]; do
	sleep "$step"
	r=$(rss "$pid")
	if [ -z "$r" ]; then
		bad "top died after $((SECONDS - start)) s: $(head -c 300 "$tmp/top.err")"
		break
	fi
	t=$((SECONDS - start))
	samples+=("$r")
	n=$(ip netns exec "$ns" "$SOCKSCOPE" -n -H -s 2>/dev/null | awk '$1 == "Total" {print $2}')
	echo "soak: t=${t}s rss=${r}kB sockets=${n:-?}"
	if [ "$t" -le "$warm" ] && [ "$r" -gt "$base" ]; then
		base=$r
	fi
	# keys once, at the first sample: sort, views, owners off and on again;
	# the warm-up absorbs what they cost, the rest of the run is steady
	if [ "${#samples[@]}" = 1 ]; then
		for key in s s g g g g p p; do
			tmux send-keys -t "$ns" "$key" 2>/dev/null
			sleep 0.2
		done
	fi
done
check "top still running at the end" [ ! -f "$tmp/top.rc" ]
check "at least 3 samples" [ "${#samples[@]}" -ge 3 ]
last=0
for r in "${samples[@]: -3}"; do
	[ "$r" -gt "$last" ] && last=$r
done
limit=$((base + base / 10 + 1024))
echo "soak: ${minutes} min, ${#samples[@]} samples, warm-up max ${base} kB, final max ${last} kB, limit ${limit} kB"
check "RSS does not grow after warm-up (${base} -> ${last} kB, limit ${limit})" [ "$last" -le "$limit" ]
tmux send-keys -t "$ns" q 2>/dev/null
for _ in $(seq 30); do
	[ -f "$tmp/top.rc" ] && break
	sleep 0.2
done
check "top quits with exit 0 (got $(cat "$tmp/top.rc" 2>/dev/null): $(head -c 200 "$tmp/top.err")" \
	[ "$(cat "$tmp/top.rc" 2>/dev/null)" = 0 ]
finish
