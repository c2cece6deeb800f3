#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Privilege: sockscope run as an unprivileged user (nobody, through setpriv or
# runuser) lists sockets (exit 0) through netlink sock_diag, which needs no
# privilege, and through /proc; with -p it prints exactly one notice that the
# owners of other users' sockets are not visible and still exits 0; JSON
# stays valid, with "processes": [] for a socket root owns.  The binary must
# not be setuid or setgid.  Needs root to switch user (exit 77 otherwise).
# jq programs use $variables of their own:
# shellcheck disable=SC2016
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
command -v jq >/dev/null || skip "jq not installed"
command -v python3 >/dev/null || skip "python3 not installed"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockscope-priv.$$.XXXXXX")
chmod 0755 "$tmp"
holder=
cleanup() {
	[ -n "$holder" ] && kill "$holder" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# a copy nobody may run, wherever the build directory is
cp "$SOCKSCOPE" "$tmp/sockscope"
chmod 0755 "$tmp/sockscope"
S=$tmp/sockscope
check "the binary is not setuid or setgid" sh -c "[ ! -u '$SOCKSCOPE' ] && [ ! -g '$SOCKSCOPE' ]"

if command -v setpriv >/dev/null; then
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
elif command -v runuser >/dev/null; then
	as_nobody() { runuser -u nobody -- "$@"; }
else
	skip "neither setpriv nor runuser"
fi
as_nobody true || skip "cannot switch to uid 65534"

# a listening socket root owns, on a port chosen by the kernel
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
time.sleep(60)' >"$tmp/port" &
holder=$!
for _ in $(seq 50); do
	[ -s "$tmp/port" ] && break
	sleep 0.1
done
port=$(cat "$tmp/port")
check "root's listener is up" [ -n "$port" ]

# plain listing, both back ends
as_nobody "$S" -n >"$tmp/out" 2>"$tmp/err"
check "nobody: list exit 0" [ $? = 0 ]
check "nobody: list silent on stderr ($(head -c 200 "$tmp/err"))" [ ! -s "$tmp/err" ]
check "nobody: sees root's listener" grep -q ":$port " "$tmp/out"
as_nobody "$S" -n --backend=netlink --format=json >"$tmp/nl.json" 2>"$tmp/err"
check "nobody: --backend=netlink exit 0 ($(head -c 200 "$tmp/err"))" [ $? = 0 ]
check "nobody: netlink JSON names its back end" jq -e '.backend == "netlink"' "$tmp/nl.json"
check "nobody: netlink sees root's listener" \
	jq -e --argjson p "$port" '[.sockets[] | select(.local_port == $p and .state == "LISTEN")] | length == 1' "$tmp/nl.json"
as_nobody "$S" -n --backend=proc --format=json >"$tmp/proc.json" 2>"$tmp/err"
check "nobody: --backend=proc exit 0" [ $? = 0 ]
check "nobody: proc sees root's listener" \
	jq -e --argjson p "$port" '[.sockets[] | select(.local_port == $p)] | length == 1' "$tmp/proc.json"

# owners: one notice, exit 0
as_nobody "$S" -n -p >"$tmp/out" 2>"$tmp/err"
check "nobody: -p exit 0" [ $? = 0 ]
check "nobody: -p one line on stderr (got: $(cat "$tmp/err"))" [ "$(wc -l <"$tmp/err")" = 1 ]
check "nobody: -p notice says owners are not visible" grep -q '^sockscope: .*\(owner\|root\)' "$tmp/err"
as_nobody "$S" -n -p --format=json >"$tmp/p.json" 2>"$tmp/err"
check "nobody: json -p exit 0" [ $? = 0 ]
check "nobody: json -p valid" jq -e '.sockets | type == "array"' "$tmp/p.json"
check "nobody: json -p one notice" [ "$(wc -l <"$tmp/err")" = 1 ]
check "nobody: root's listener has processes: []" \
	jq -e --argjson p "$port" '[.sockets[] | select(.local_port == $p and .state == "LISTEN")] | length == 1 and all(.processes == [])' "$tmp/p.json"
# the same listener as root: the owner is visible
"$S" -n -p --format=json >"$tmp/root.json" 2>/dev/null
check "root: the listener's owner is the holder" \
	jq -e --argjson p "$port" --argjson pid "$holder" \
	'[.sockets[] | select(.local_port == $p and .state == "LISTEN") | .processes[]?.pid] | index($pid) != null' "$tmp/root.json"

# a socket nobody owns is attributed to nobody's own process (with a python
# nobody can run: root's may live under /root)
py=python3
as_nobody "$py" -c '' 2>/dev/null || py=/usr/bin/python3
as_nobody "$py" -c '
import socket, subprocess, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
p = s.getsockname()[1]
out = subprocess.run([sys.argv[1], "-n", "-p", "--format=json"], capture_output=True, text=True)
import json
d = json.loads(out.stdout)
mine = [x for x in d["sockets"] if x["local_port"] == p and x["state"] == "LISTEN"]
sys.exit(0 if out.returncode == 0 and len(mine) == 1 and mine[0]["processes"] else 1)' "$S"
check "nobody: its own socket shows its own process" [ $? = 0 ]

# check and summary work unprivileged too
as_nobody "$S" check >/dev/null 2>"$tmp/err"
rc=$?
check "nobody: check exits 0-2 (got $rc: $(head -c 200 "$tmp/err"))" [ "$rc" -le 2 ]
as_nobody "$S" -n -s >/dev/null 2>"$tmp/err"
check "nobody: summary exit 0" [ $? = 0 ]
finish
