#!/usr/bin/env bash
# Command-line behaviour: exit statuses, one-line errors, closed pipes,
# formats parsed by real parsers (jq, python3 csv, promtool), colour rules,
# and a process with a hostile name holding a socket.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
S=$SOCKSCOPE
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# usage errors: exit 2, one line, a hint to --help
expect_usage() {
	local out rc
	out=$("$S" "$@" 2>&1 >/dev/null)
	rc=$?
	check "exit 2 for: $*" [ "$rc" = 2 ]
	check "one line for: $*" [ "$(printf '%s\n' "$out" | wc -l)" = 1 ]
	case "$out" in *--help*) ok ;; *) bad "no --help hint for: $* ($out)" ;; esac
}
expect_usage --bogus
expect_usage -Z
expect_usage --format
expect_usage --format=xml
expect_usage --color=sometimes
expect_usage --columns=state,nope
expect_usage --sort=nope

# a bad filter: exit 2, the expression and a caret under the bad token
"$S" -n sport = :80 and bogus 2>"$tmp/err" >/dev/null
check "bad filter exit 2" [ $? = 2 ]
check "bad filter caret" grep -q '\^' "$tmp/err"
check "bad filter quotes expression" grep -q 'sport = :80 and bogus' "$tmp/err"

# explain
"$S" explain no-such-state >/dev/null 2>"$tmp/err"
check "explain unknown exit 2" [ $? = 2 ]
check "explain lists valid names" grep -q 'CLOSE-WAIT' "$tmp/err"
check "explain close_wait" sh -c "'$S' explain --color=never close_wait | grep -q CLOSE-WAIT"

# help, version, lists
check "--help exit 0" sh -c "'$S' --help >/dev/null"
check "--version" sh -c "'$S' --version | grep -q '^sockscope [0-9]'"
check "--list-columns" sh -c "'$S' --list-columns | grep -q '^state	string	'"

# a fake /proc tree
proc=$SOURCE_ROOT/tests/data/proc-basic
if [ -d "$proc" ]; then
	"$S" --proc-root="$proc" --format=json >"$tmp/p.json"
	check "proc-root exit 0" [ $? = 0 ]
	check "proc-root json valid" jq -e '.backend == "proc" and (.sockets | length) > 0' "$tmp/p.json"
	want=$(awk 'FNR > 1' "$proc/net/tcp" "$proc/net/tcp6" 2>/dev/null | wc -l)
	check "proc-root: every line is a socket" [ "$(jq '.sockets | length' "$tmp/p.json")" = "$want" ]
	check "proc-root: LISTEN send_q is null" \
		jq -e '[.sockets[] | select(.state == "LISTEN") | .send_q] | all(. == null)' "$tmp/p.json"
	check "proc-root: no cookies" jq -e '[.sockets[].cookie] | all(. == null)' "$tmp/p.json"
fi
"$S" --proc-root=/nonexistent >/dev/null 2>"$tmp/err"
check "missing proc root exit 1" [ $? = 1 ]
check "missing proc root one line" [ "$(wc -l <"$tmp/err")" = 1 ]

# live listing in every format, parsed by real parsers
"$S" -n --format=json >"$tmp/l.json"
check "live json exit 0" [ $? = 0 ]
check "live json valid" jq -e '.sockscope.schema == 2 and (.summary.states | length) == 11 and (.sockets | all(.netid == "tcp"))' "$tmp/l.json"
check "live jsonl valid" sh -c "'$S' -n --format=jsonl | jq -e -s 'all(has(\"state\"))' >/dev/null"
check "csv header exact" sh -c "[ \"\$('$S' --format=csv --columns=state,local_port | head -1 | tr -d '\r')\" = state,local_port ]"
if command -v python3 >/dev/null; then
	check "csv parses" sh -c "'$S' -n --format=csv | python3 -c 'import csv,sys; r=list(csv.DictReader(sys.stdin)); assert all(x[\"state\"] for x in r)'"
fi
if command -v promtool >/dev/null; then
	check "promtool accepts prom" sh -c "'$S' -n --format=prom | promtool check metrics"
fi

# -s: counts per state in every format, equal to the listing's
check "summary json valid" sh -c "'$S' -s -f json | jq -e '(.summary.states | length) == 11 and has(\"sockstat\")'"
# (two walks of a live host: tests running alongside may open or close
# sockets in between, so a few tries)
check "summary total equals listing" sh -c "for i in 1 2 3 4 5; do [ \"\$('$S' -s -f json | jq .summary.total)\" = \"\$('$S' -n -f json | jq '.sockets | length')\" ] && exit 0; sleep 0.2; done; exit 1"
if command -v promtool >/dev/null; then
	check "summary prom" sh -c "'$S' -s -f prom | promtool check metrics"
fi

# colour: never on a pipe unless asked, NO_COLOR honoured
check "no colour on a pipe" sh -c "! '$S' -n | grep -q \"\$(printf '\\033')\""
check "--color=always colours" sh -c "'$S' -n --color=always | grep -q \"\$(printf '\\033')\""

# a closed pipe ends quietly with exit 0
"$S" -n 2>"$tmp/err" | head -n 1 >/dev/null
check "closed pipe exit 0" [ "${PIPESTATUS[0]}" = 0 ]
check "closed pipe quiet" [ ! -s "$tmp/err" ]

# forced back ends
check "--backend=proc json" sh -c "'$S' -n --backend=proc --format=json | jq -e '.backend == \"proc\"' >/dev/null"

# a hostile process name holding a socket, in a private namespace
if [ "$(id -u)" = 0 ] && command -v python3 >/dev/null && command -v ip >/dev/null; then
	ns=sockscope-cli-$$
	ip netns add "$ns" && ip -n "$ns" link set lo up
	ip netns exec "$ns" python3 -c '
import ctypes, socket, sys, time
libc = ctypes.CDLL(None)
libc.prctl(15, b"ev\"il\\\x1b[31m\xff", 0, 0, 0)
s = socket.socket(); s.bind(("127.0.0.1", 4242)); s.listen()
sys.stdout.write("ready\n"); sys.stdout.flush(); time.sleep(30)' >"$tmp/ready" &
	hp=$!
	for _ in $(seq 50); do [ -s "$tmp/ready" ] && break; sleep 0.1; done
	ip netns exec "$ns" "$S" -n -p --format=json >"$tmp/h.json"
	check "hostile: json valid" jq -e '.sockets | length == 1' "$tmp/h.json"
	check "hostile: comm escaped" jq -e '.sockets[0].processes[0].comm | test("ev\"il\\\\\u001b\\[31m\ufffd")' "$tmp/h.json"
	ip netns exec "$ns" "$S" -n -p --color=never >"$tmp/h.txt"
	check "hostile: no ESC in table" sh -c "! grep -q \"\$(printf '\\033')\" '$tmp/h.txt'"
	check "hostile: escaped in table" grep -qF 'ev"il\\\e[31m\xff' "$tmp/h.txt"
	ip netns exec "$ns" "$S" -n -p --format=csv >"$tmp/h.csv"
	check "hostile: csv parses" python3 -c "import csv; r=list(csv.DictReader(open('$tmp/h.csv'))); assert r[0]['comm'].startswith('ev\"il')"
	ip netns exec "$ns" "$S" -n -p --format=prom >"$tmp/h.prom"
	check "hostile: promtool" sh -c "promtool check metrics <'$tmp/h.prom'"
	# -N reads the namespace from outside it, both back ends, with owners
	"$S" -N "$ns" -n -p --format=json >"$tmp/n.json"
	check "-N: the namespace's socket" jq -e '.sockets | length == 1 and .[0].local_port == 4242' "$tmp/n.json"
	check "-N: its owner" jq -e ".sockets[0].processes[0].pid == $hp" "$tmp/n.json"
	check "-N --backend=proc" sh -c "'$S' -N '$ns' --backend=proc -f json | jq -e '.sockets | length == 1' >/dev/null"
	"$S" -N no-such-ns-$$ >/dev/null 2>"$tmp/err"
	check "-N unknown: exit 1" [ $? = 1 ]
	check "-N unknown: one line" [ "$(wc -l <"$tmp/err")" = 1 ]
	kill "$hp" 2>/dev/null; wait "$hp" 2>/dev/null
	ip netns del "$ns"
fi

finish
