#!/usr/bin/env bash
# `sockscope explain`: the full text and the text for one state compared with
# tests/golden/explain-*.txt (GOLDEN_REGEN=1 rewrites them; review the diff),
# every spelling of a state accepted, colour only when asked, no line over 78
# columns, and an unknown state refused with exit 2 and the list of valid names.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
S=$SOCKSCOPE
G=$SOURCE_ROOT/tests/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

golden() { # golden NAME COMMAND...: the command's stdout against $G/NAME
	local name=$1 rc
	shift
	"$@" >"$tmp/$name" 2>"$tmp/$name.err"
	rc=$?
	check "exit 0: $*" [ "$rc" = 0 ]
	check "nothing on stderr: $*" [ ! -s "$tmp/$name.err" ]
	if [ "${GOLDEN_REGEN:-0}" = 1 ]; then
		cp "$tmp/$name" "$G/$name"
		ok
	elif [ ! -f "$G/$name" ]; then
		bad "golden file $name missing (run with GOLDEN_REGEN=1)"
	elif diff -u "$G/$name" "$tmp/$name" >"$tmp/$name.diff"; then
		ok
	else
		bad "golden $name differs:"
		head -n 40 "$tmp/$name.diff" >&2
	fi
}

no_match() { ! grep -q -- "$1" "$2"; }      # no_match PATTERN FILE
no_long_lines() { ! awk 'length > 78' "$1" | grep -q .; }
plain_ascii() { ! LC_ALL=C grep -q '[^ -~]' "$1"; }
first_line() { grep -n -- "$1" "$2" | head -n 1 | cut -d: -f1; }
esc=$(printf '\033')

golden explain-all.txt "$S" explain --color=never
golden explain-close-wait.txt "$S" explain --color=never close_wait

# every spelling gives the same text
for name in CLOSE-WAIT CLOSE_WAIT close-wait closewait; do
	"$S" explain --color=never "$name" >"$tmp/spelling" 2>/dev/null
	check "explain $name exit 0" [ $? = 0 ]
	check "explain $name same text" cmp -s "$tmp/spelling" "$G/explain-close-wait.txt"
done

# several states: each header once, in display order (LISTEN before TIME-WAIT)
"$S" explain --color=never time-wait listen >"$tmp/two" 2>/dev/null
check "two states exit 0" [ $? = 0 ]
check "two states: LISTEN header" grep -qx 'LISTEN  (kernel: LISTEN, ss: LISTEN)' "$tmp/two"
check "two states: TIME-WAIT header" grep -qx 'TIME-WAIT  (kernel: TIME_WAIT, ss: TIME-WAIT)' "$tmp/two"
check "two states: no CLOSE-WAIT header" no_match '^CLOSE-WAIT  (kernel:' "$tmp/two"
check "two states: display order" \
	[ "$(first_line '^LISTEN  (kernel' "$tmp/two")" -lt "$(first_line '^TIME-WAIT  (kernel' "$tmp/two")" ]
check "two states: LISTEN marked" grep -qF '[*LISTEN*]' "$tmp/two"
check "two states: TIME-WAIT marked" grep -qF '[*TIME-WAIT*]' "$tmp/two"
check "two states: nothing else marked" \
	[ "$(grep -oE '\[\*[A-Z0-9-]+\*\]' "$tmp/two" | grep -vc LIKE-THIS)" = 2 ]

# width and plain ASCII without colour; escapes only when asked
for f in "$G/explain-all.txt" "$G/explain-close-wait.txt"; do
	check "${f##*/}: no line over 78 columns" no_long_lines "$f"
	check "${f##*/}: plain ASCII" plain_ascii "$f"
done
check "all states: nothing marked" no_match '\[\*' "$G/explain-all.txt"
"$S" explain --color=always close-wait >"$tmp/color" 2>/dev/null
check "--color=always exit 0" [ $? = 0 ]
check "--color=always highlights" grep -qF "${esc}[1;7mCLOSE-WAIT${esc}[0m" "$tmp/color"
check "--color=always same words" cmp -s "$G/explain-close-wait.txt" \
	<(sed 's/\x1b\[[0-9;]*m//g; s/^Highlighted:/Marked [*LIKE-THIS*]:/' "$tmp/color" |
	  sed 's/\[ \(CLOSE-WAIT\) \]/[*\1*]/')
"$S" explain close-wait >"$tmp/auto" 2>/dev/null
check "not a terminal: no colour" no_match "$esc" "$tmp/auto"

# an unknown state: exit 2, nothing on stdout, the valid names on stderr
"$S" explain bogus >"$tmp/out" 2>"$tmp/err"
check "explain bogus exit 2" [ $? = 2 ]
check "explain bogus: nothing on stdout" [ ! -s "$tmp/out" ]
check "explain bogus: names the word" grep -q bogus "$tmp/err"
for name in LISTEN SYN-SENT SYN-RECEIVED ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 CLOSE-WAIT CLOSING LAST-ACK \
	TIME-WAIT CLOSED; do
	check "explain bogus lists $name" grep -qw -- "$name" "$tmp/err"
done
"$S" explain close-wait bogus >/dev/null 2>&1
check "one bad name among good ones: exit 2" [ $? = 2 ]

finish
