#!/bin/bash
# SPDX-License-Identifier: MIT
# docs-sync: the option table (`sockscope --list-options`) is the truth; this
# checks that --help of each command, the man page's OPTIONS section and the
# bash, zsh and fish completions all list exactly its options (with the right
# short letters), that the man page renders without groff warnings, that its
# COLUMNS section lists exactly the columns of `sockscope --list-columns`, that
# the filter grammar part is pasted in, and that the completion scripts parse.
# Environment: SOCKSCOPE (the binary), SOURCE_ROOT (the source tree).
set -euo pipefail

src=${SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
bin=${SOCKSCOPE:-}
if [[ -z $bin || ! -x $bin ]]; then
	echo "SKIP: SOCKSCOPE is not set to an executable"
	exit 77
fi
man=$src/man/sockscope.8
bashc=$src/completions/sockscope.bash
zshc=$src/completions/_sockscope
fishc=$src/completions/sockscope.fish

checks=0
fails=0
pass() { checks=$((checks + 1)); }
fail() {
	checks=$((checks + 1))
	fails=$((fails + 1))
	printf 'FAIL: %s\n' "$*"
}
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then pass; else fail "$what"; fi
}
note() { printf 'note: %s\n' "$*"; }

# `docs-sync.sh --update-columns` rewrites the man page's COLUMNS entries
# from --list-columns (everything after the `.\" COLUMNS` marker's intro
# paragraph up to the next .SH) instead of checking.
if [[ ${1:-} == --update-columns ]]; then
	entries=$("$bin" --list-columns | awk -F'\t' '{
		d = $3; gsub(/\\/, "\\e", d); gsub(/ -/, " \\-", d); gsub(/-/, "\\-", $1)
		sub(/^\./, "\\\\\\&.", d)
		printf ".TP\n.BR %s \" (%s)\"\n%s.\n", $1, $2, d }')
	[[ -n $entries ]] || { echo "--list-columns printed nothing"; exit 1; }
	tmp=$(mktemp)
	awk -v entries="$entries" '
		/^\.SH / { if (incol) { print entries; incol = 0; skip = 0 } }
		/^\.SH COLUMNS$/ { incol = 1 }
		incol && /^\.TP/ { skip = 1 }
		!skip { print }' "$man" >"$tmp"
	cat "$tmp" >"$man"
	rm -f "$tmp"
	echo "updated the COLUMNS section of $man"
	exit 0
fi

# --- the table ----------------------------------------------------------------
list=$("$bin" --list-options) || { echo "FAIL: $bin --list-options failed"; exit 1; }
[[ -n $list ]] || { echo "FAIL: --list-options printed nothing"; exit 1; }

declare -A short_of cmds_of
longs=()
while IFS= read -r line; do
	nf=$(awk -F'\t' '{ print NF }' <<<"$line")
	if [[ $nf != 6 ]]; then
		fail "--list-options line has $nf fields, not 6: $line"
		continue
	fi
	IFS=$'\t' read -r long short _ _ cmds _ <<<"$line"
	if [[ -n ${short_of[$long]+x} ]]; then
		fail "--list-options lists --$long twice"
		continue
	fi
	pass
	longs+=("$long")
	short_of[$long]=$short
	cmds_of[$long]=$cmds
done <<<"$list"

# Is --$2 a table option?  Does command $1 accept --$2?
known() { [[ -n ${short_of[$1]+x} ]]; }
accepts() { [[ ,${cmds_of[$2]}, == *,$1,* ]]; }

# --- --help of each command ---------------------------------------------------
for cmd in list top explain check events kill; do
	help=$("$bin" "$cmd" --help) || { fail "'sockscope $cmd --help' failed"; continue; }
	if [[ $cmd == list ]]; then
		check "--help: no usage line for list" grep -q '^Usage: sockscope \[list\]' <<<"$help"
	else
		check "$cmd --help: no usage line" grep -q "sockscope $cmd" <<<"$help"
	fi
	check "$cmd --help: no pointer to the man page" grep -q 'sockscope(8)' <<<"$help"
	for long in "${longs[@]}"; do
		short=${short_of[$long]}
		if accepts "$cmd" "$long"; then
			if [[ $short == - ]]; then
				re="^      --$long([=[ ]|\$)"
			else
				re="^  -$short, --$long([=[ ]|\$)"
			fi
			check "$cmd --help lacks --$long${short/#-/}" grep -Eq -- "$re" <<<"$help"
		fi
	done
	# the reverse: every option listed is in the table and accepted by the command
	while IFS= read -r long; do
		if ! known "$long"; then
			fail "$cmd --help lists --$long, which the table lacks"
		elif ! accepts "$cmd" "$long"; then
			fail "$cmd --help lists --$long, which '$cmd' does not accept"
		else
			pass
		fi
	done < <(grep -Eo -- '^ +(-[^ ], )?--[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)*' <<<"$help" | sed 's/.*--//')
done

# --- the man page -------------------------------------------------------------
# The headings of OPTIONS: the .B/.BR line after each .TP, with \- made -.
section() { # section NAME: the lines of .SH NAME up to the next .SH
	awk -v name="$1" '/^\.SH / { on = ($0 == ".SH " name) ; next } on' "$man"
}
headings() {
	section "$1" | awk '/^\.TP/ { tp = 1; next } tp && /^\.BR? / { print } { tp = 0 }' | sed 's/\\-/-/g'
}
man_opts=$(headings OPTIONS)
[[ -n $man_opts ]] || fail "man page: no .TP entries in OPTIONS"
for long in "${longs[@]}"; do
	short=${short_of[$long]}
	hl=$(grep -E -- "--$long([^a-z0-9-]|\$)" <<<"$man_opts" || true)
	if [[ -z $hl ]]; then
		fail "man page OPTIONS lacks --$long"
	elif [[ $short != - ]] && ! grep -Eq -- "(^|[ \"])-$short([ \"]|\$)" <<<"$hl"; then
		fail "man page OPTIONS: --$long without -$short"
	else
		pass
	fi
done
while IFS= read -r long; do
	if known "$long"; then pass; else fail "man page OPTIONS has --$long, which the table lacks"; fi
done < <(grep -Eo -- '--[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)*' <<<"$man_opts" | sed 's/^--//' | sort -u)
# every long option mentioned anywhere in the page exists
while IFS= read -r long; do
	if known "$long"; then pass; else fail "man page mentions --$long, which the table lacks"; fi
done < <(sed 's/\\-/-/g' "$man" | grep -v '^\.\\"' | grep -Eo -- '--[a-z][a-z0-9-]*(\.[a-z0-9-]+)*' | sed 's/^--//' | sort -u)

if command -v groff >/dev/null; then
	warnings=$(groff -man -ww -z "$man" 2>&1 || true)
	if [[ -z $warnings ]]; then pass; else fail "groff warnings: $warnings"; fi
else
	note "groff not found: the rendering check is skipped"
fi

# COLUMNS: exactly the columns of --list-columns, as .TP/.B entries
columns=$("$bin" --list-columns 2>/dev/null | cut -f1 || true)
if [[ -z $columns ]]; then
	note "--list-columns prints nothing yet: the COLUMNS check is skipped"
else
	man_cols=$(headings COLUMNS | sed -E 's/^\.BR? +//; s/ .*//')
	for c in $columns; do
		if grep -Fxq -- "$c" <<<"$man_cols"; then pass; else fail "man page COLUMNS lacks $c"; fi
	done
	for c in $man_cols; do
		if grep -Fxq -- "$c" <<<"$columns"; then
			pass
		else
			fail "man page COLUMNS has $c, which --list-columns lacks"
		fi
	done
fi

# the filter grammar, once written, must be pasted in
# the filter grammar lives in the man page: it must name every key word
for w in sport dport src dst state exclude pid process uid user side role recvq sendq inode; do
	check "man page FILTERS mentions '$w'" grep -q "$w" "$man"
done

# --- completions ----------------------------------------------------------------
# forward: each option, with its short letter in the file's own pairing
for long in "${longs[@]}"; do
	short=${short_of[$long]}
	if [[ $short == - ]]; then
		check "bash completion lacks --$long" grep -Eq -- "(^|[[:space:]'(])--$long([ '=)]|\$)" "$bashc"
		check "zsh completion lacks --$long" grep -Eq -- "(^|[ '(})*])--$long([]=[ '-]|\$)" "$zshc"
		check "fish completion lacks -l $long" grep -Eq -- " -l $long( |\$)" "$fishc"
	else
		check "bash completion lacks '--$long -$short'" grep -Eq -- "(^|[[:space:]'(])--$long -$short([ ')]|\$)" "$bashc"
		check "zsh completion lacks {-$short,--$long}" grep -Eq -- "\{-$short\+?,--$long=?\}" "$zshc"
		check "fish completion lacks '-s $short -l $long'" grep -Eq -- " -s $short -l $long( |\$)" "$fishc"
	fi
done
# reverse: no option the table lacks, no wrong short letter
for f in "$bashc" "$zshc" "$fishc"; do
	name=$(basename "$f")
	while IFS= read -r long; do
		if known "$long"; then pass; else fail "$name has --$long, which the table lacks"; fi
	done < <(grep -v '^ *#' "$f" | grep -Eo -- '--[a-z][a-z0-9-]*(\.[a-z0-9-]+)*' | sed 's/^--//' | sort -u)
done
while read -r long short; do
	if ! known "$long"; then
		fail "sockscope.fish has -l $long, which the table lacks"
	elif [[ -n $short && ${short_of[$long]} != "$short" ]]; then
		fail "sockscope.fish pairs -s $short with --$long (table: ${short_of[$long]})"
	else
		pass
	fi
done < <(grep '^complete ' "$fishc" | grep -Eo -- '(-s [^ ] )?-l [a-z][a-z0-9-]*(\.[a-z0-9-]+)*' |
	sed -E 's/^-s (.) -l (.*)/\2 \1/; s/^-l //')
while read -r short long; do
	if [[ ${short_of[$long]:-} == "$short" ]]; then pass; else fail "_sockscope pairs -$short with --$long"; fi
done < <(grep -Eo -- '\{-[^,+]\+?,--[a-z][a-z0-9-]*(\.[a-z0-9-]+)*' "$zshc" | sed -E 's/^\{-(.)\+?,--/\1 /')
while read -r long short; do
	if [[ ${short_of[$long]:-} == "$short" ]]; then pass; else fail "sockscope.bash pairs -$short with --$long"; fi
done < <(grep -Eo -- '--[a-z][a-z0-9-]*(\.[a-z0-9-]+)* -[^- ]( |$)' "$bashc" | sed -E 's/^--([^ ]*) -(.).*/\1 \2/')

# syntax
check "bash -n $bashc" bash -n "$bashc"
if command -v zsh >/dev/null; then
	check "zsh -n $zshc" zsh -n "$zshc"
else
	note "zsh not found: its syntax check is skipped"
fi
if command -v fish >/dev/null; then
	check "fish -n $fishc" fish -n "$fishc"
else
	note "fish not found: its syntax check is skipped"
fi

echo "docs-sync: $checks checks, $fails failed (${#longs[@]} options)"
[[ $fails -eq 0 ]]
