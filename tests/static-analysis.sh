#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Static analysis of src/: cppcheck (warning, performance and portability
# checks, inline suppressions honoured) and clang-tidy with the checked-in
# .clang-tidy, using the compile_commands.json of a meson build directory
# (BUILD_ROOT, or a fresh one under /tmp).  Exits 0 when both are clean, 1 on
# any finding, 77 (skip) when a tool is missing.  clang-tidy takes about a
# minute and a half on two cores.
set -uo pipefail
root=${SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 1

for tool in cppcheck clang-tidy; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockscope-sa.$$.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
build=${BUILD_ROOT:-}
if [ -z "$build" ] || [ ! -f "$build/compile_commands.json" ]; then
	build=$tmp/build
	meson setup "$build" "$root" >"$tmp/meson.log" 2>&1 || { cat "$tmp/meson.log"; exit 1; }
fi

# One compile command per file: a file built twice (src/export/http.c goes in
# a static library and in a module) is otherwise analysed twice in one
# clang-tidy process, and clang-tidy 14's analyzer then reports a va_list as
# uninitialised after va_start in the second pass.
if command -v python3 >/dev/null; then
	mkdir -p "$tmp/cdb"
	python3 - "$build/compile_commands.json" "$tmp/cdb/compile_commands.json" <<'PY' && build=$tmp/cdb
import json, os, sys
seen, out = set(), []
for e in json.load(open(sys.argv[1])):
    f = os.path.normpath(os.path.join(e["directory"], e["file"]))
    if f not in seen:
        seen.add(f)
        out.append(e)
json.dump(out, open(sys.argv[2], "w"), indent=1)
PY
fi

fail=0
pass=0
if cppcheck --quiet --enable=warning,performance,portability --error-exitcode=1 --inline-suppr \
	-D_GNU_SOURCE $(find src -type d -printf '-I %p ') src; then
	pass=$((pass + 1))
else
	echo "FAIL: cppcheck" >&2
	fail=$((fail + 1))
fi

# One process per file in parallel; sources only (headers via HeaderFilterRegex).
mapfile -t files < <(find src -name '*.c' | sort)
jobs=$(nproc 2>/dev/null || echo 2)
# shellcheck disable=SC2016 # $1.. expand in the inner shell
printf '%s\n' "${files[@]}" |
	xargs -P "$jobs" -I{} sh -c 'clang-tidy -p "$1" --quiet --extra-arg=-Wno-unknown-warning-option "$2" >"$3/$(echo "$2" | tr / _).tidy" 2>/dev/null' \
		sh "$build" {} "$tmp"
for f in "${files[@]}"; do
	out=$tmp/$(echo "$f" | tr / _).tidy
	if grep -qE '(warning|error): ' "$out"; then
		cat "$out"
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
done

echo "static-analysis: $pass passed, $fail failed"
[ "$fail" = 0 ]
