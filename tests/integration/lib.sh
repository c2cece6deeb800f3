# shellcheck shell=bash
# Helpers shared by the integration tests: counting checks, skipping.
# Every test prints "NAME: N checks passed, N failed" and exits 1 on failure.
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@" >/dev/null; then ok; else bad "$what"; fi
}
skip() { echo "SKIP: $*"; exit 77; }
need_root() { [ "$(id -u)" = 0 ] || skip "needs root"; }
finish() {
	echo "${0##*/}: $pass checks passed, $fail failed"
	[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
}
: "${SOCKSCOPE:?SOCKSCOPE must point at the binary}"
: "${SOURCE_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
