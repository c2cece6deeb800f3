#!/usr/bin/env bash
# The whole test suite, as README.md gives it and CI runs it:
#  1. a warnings-as-errors build and `meson test` (unit, fuzz corpora, golden,
#     integration; namespace tests need root and skip with 77 elsewhere);
#  2. the same suite built with ASan+UBSan;
#  3. the unit tests under valgrind;
#  4. cppcheck and clang-tidy;
#  5. each libFuzzer target for FUZZ_SECONDS (default 30) when clang is there.
# It ends with one line "tests: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# What the tests need beyond the build (the README's first command installs
# that): installed here when missing, so that this one command does all the
# test set-up on a fresh Debian 12 machine.  Not root and something missing:
# say what, and go on (the tests that need it skip).
test_pkgs=(meson ninja-build pkg-config gcc libmnl-dev libncurses-dev
	libmicrohttpd-dev libyaml-dev libcrypt-dev libgnutls28-dev
	libcmocka-dev clang libclang-rt-14-dev valgrind cppcheck clang-tidy
	iproute2 nftables net-tools lsof jq python3 tmux groff-base procps util-linux
	prometheus prometheus-node-exporter curl openssl jc)
missing=()
for p in "${test_pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "installing what the tests need: ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
			echo "warning: could not install ${missing[*]}; tests that need them will fail or skip"
	else
		echo "note: not installed (run as root to install them): ${missing[*]}"
	fi
fi
fuzz_seconds=${FUZZ_SECONDS:-30}
passed=0 failed=0 skipped=0
failures=()

tally() { # $1: meson build dir, $2: label
	local log="$1/meson-logs/testlog.json"
	[ -f "$log" ] || { failed=$((failed + 1)); failures+=("$2: no test log"); return; }
	local ok fail skip
	ok=$(grep -c '"result": "OK"' "$log" || true)
	fail=$(grep -cE '"result": "(FAIL|ERROR|TIMEOUT|UNEXPECTEDPASS)"' "$log" || true)
	skip=$(grep -c '"result": "SKIP"' "$log" || true)
	passed=$((passed + ok)) failed=$((failed + fail)) skipped=$((skipped + skip))
	((fail == 0)) || failures+=("$2: $fail failed")
}

step() { printf '\n=== %s\n' "$*"; }

step "build with -Dwerror=true and run meson test"
rm -rf build-ci
if meson setup build-ci -Dwerror=true >/dev/null && meson compile -C build-ci; then
	meson test -C build-ci --print-errorlogs --num-processes 2
	tally build-ci "werror"
else
	failed=$((failed + 1)); failures+=("werror build")
fi

step "build with ASan+UBSan and run meson test"
rm -rf build-asan
if meson setup build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null &&
	meson compile -C build-asan; then
	# verify_asan_link_order=0: the tests preload their own shims (fault injection, no-netlink)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:verify_asan_link_order=0 \
		LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		meson test -C build-asan --print-errorlogs --num-processes 2
	tally build-asan "asan+ubsan"
else
	failed=$((failed + 1)); failures+=("asan build")
fi

step "unit tests under valgrind"
if command -v valgrind >/dev/null; then
	meson test -C build-ci --suite unit --suite fuzz --print-errorlogs \
		--wrapper 'valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --quiet' \
		--logbase valgrind
	log=build-ci/meson-logs/valgrind.json
	if [ -f "$log" ]; then
		vok=$(grep -c '"result": "OK"' "$log" || true)
		vfail=$(grep -cE '"result": "(FAIL|ERROR|TIMEOUT)"' "$log" || true)
		passed=$((passed + vok)) failed=$((failed + vfail))
		((vfail == 0)) || failures+=("valgrind: $vfail failed")
	fi
else
	echo "valgrind not installed: skipped"
fi

step "static analysis (cppcheck, clang-tidy)"
BUILD_ROOT=$root/build-ci bash tests/static-analysis.sh
case $? in
0) passed=$((passed + 1)) ;;
77) skipped=$((skipped + 1)) ;;
*) failed=$((failed + 1)); failures+=("static analysis") ;;
esac

step "libFuzzer targets, ${fuzz_seconds}s each"
if command -v clang >/dev/null && ((fuzz_seconds > 0)); then
	rm -rf build-fuzz
	if CC=clang meson setup build-fuzz -Db_lundef=false >/dev/null && meson compile -C build-fuzz >/dev/null; then
		# every target of every test folder: tests/DIR/fuzz-[DIR-]NAME, its
		# corpus in tests/DIR/corpus/NAME (or tests/DIR/corpus)
		for f in build-fuzz/tests/*/fuzz-*; do
			[ -f "$f" ] && [ -x "$f" ] || continue
			sub=${f#build-fuzz/tests/}
			sub=${sub%%/*}
			name=${f##*/fuzz-}
			base=${name#"$sub"-}
			corpus=$root/tests/$sub/corpus/$base
			[ -d "$corpus" ] || corpus=$root/tests/$sub/corpus
			work=$(mktemp -d)
			[ -d "$corpus" ] && cp -r "$corpus/." "$work/"
			if "$f" -max_total_time="$fuzz_seconds" -print_final_stats=1 -artifact_prefix="$root/tests/fuzz/crash-$name-" \
				"$work" >"$work.log" 2>&1; then
				execs=$(grep -m1 'stat::number_of_executed_units' "$work.log" | awk '{print $2}')
				echo "fuzz-$name: ${execs:-?} executions, no crash"
				passed=$((passed + 1))
			else
				echo "fuzz-$name: FAILED"; tail -n 30 "$work.log"
				failed=$((failed + 1)); failures+=("fuzz-$name")
			fi
			rm -rf "$work" "$work.log"
		done
	else
		failed=$((failed + 1)); failures+=("fuzz build")
	fi
else
	echo "clang not installed or FUZZ_SECONDS=0: skipped"
fi

echo
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "tests: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
