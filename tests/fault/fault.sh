#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Injected faults: runs sockscope (list with and without -p, JSON, forced
# netlink, forced /proc, check) under the faultinject LD_PRELOAD shim with
# netlink failing at socket, bind, send and recv, interrupted dumps, truncated
# datagrams, /proc files missing, unreadable, truncated or full of garbage,
# fd links vanishing during the owner walk, and an allocation failing at each
# allocation site in turn.  Every run must end without a signal, a timeout or
# a sanitizer report, with a documented exit status (0-2 for a listing, 0-3
# for check), and, when it fails, with exactly one "sockscope:" line on stderr.
# A sample of the allocation failures also runs under valgrind for leaks.
# SOCKSCOPE_ASAN may name an ASan+UBSan build of the binary (used instead of
# $SOCKSCOPE; LeakSanitizer then checks every run for leaks); FAULT_SHIM the
# shim; FAULT_MALLOC_MAX caps the allocation loop per mode (default 400);
# FAULT_VALGRIND=0 skips valgrind.  Prints the tallies at the end.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"

shim=${FAULT_SHIM:-${BUILD_ROOT:-}/tests/fault/libfaultinject.so}
[[ -f $shim ]] || { echo "fault: shim not built: $shim" >&2; exit 1; }
bin=${SOCKSCOPE_ASAN:-$SOCKSCOPE}
malloc_max=${FAULT_MALLOC_MAX:-400}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockscope-fault.$$.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

export ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=1:abort_on_error=0:exitcode=90
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=91
export LSAN_OPTIONS=exitcode=92

# As root, every run gets a private pid namespace with its own /proc, so that
# `-p` sees only its own process (no notice about processes we may not read,
# such as a sandbox's pid 1); elsewhere the owner notice is tolerated.
wrap=()
if [ "$(id -u)" = 0 ] && unshare -pf --kill-child --mount-proc true 2>/dev/null; then
	wrap=(unshare -pf --kill-child --mount-proc)
fi

runs=0
faults=0
crashes=0
owner_notice='could not read the open files of'

# run_one WHAT ALLOWED FAULT ARGS...: one run of $bin under FAULT; sets rc,
# hits and the files $tmp/out and $tmp/err.  ALLOWED: exit statuses allowed.
run_one() {
	local what=$1 allowed=$2 spec=$3
	shift 3
	rm -f "$tmp/log"
	timeout -k 5 20 "${wrap[@]}" env LD_PRELOAD="$shim" FAULT="$spec" FAULT_LOG="$tmp/log" \
		"$bin" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	runs=$((runs + 1))
	hits=$(grep -c '^faultinject: hit' "$tmp/log" 2>/dev/null)
	hits=${hits:-0}
	faults=$((faults + hits))
	verify "$what [$spec] $*" "$allowed"
}

# verify WHAT ALLOWED: the invariants every run must keep.
verify() {
	local what=$1 allowed=$2 lines
	if [ "$rc" -ge 124 ] && [ "$rc" != 90 ] && [ "$rc" != 91 ] && [ "$rc" != 92 ]; then
		crashes=$((crashes + 1))
		bad "$what: killed or timed out (exit $rc): $(head -c 300 "$tmp/err")"
		return
	fi
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:|Sanitizer' "$tmp/err"; then
		crashes=$((crashes + 1))
		bad "$what: sanitizer report (exit $rc):"
		sed -n '1,40p' "$tmp/err" >&2
		return
	fi
	ok
	case " $allowed " in
	*" $rc "*) ok ;;
	*) bad "$what: exit $rc, not one of: $allowed"; sed -n '1,5p' "$tmp/err" >&2 ;;
	esac
	if grep -qv '^sockscope: ' "$tmp/err"; then
		bad "$what: a stderr line without 'sockscope: ': $(grep -v '^sockscope: ' "$tmp/err" | head -3)"
	else
		ok
	fi
	if [ "$(sort "$tmp/err" | uniq -d | wc -l)" != 0 ]; then
		bad "$what: a message repeated: $(sort "$tmp/err" | uniq -d | head -1)"
	else
		ok
	fi
	lines=$(grep -vc "$owner_notice" "$tmp/err")
	if failed_status; then
		check "$what: exactly one line when failing (got $lines: $(head -c 300 "$tmp/err"))" [ "$lines" = 1 ]
	fi
}

# The statuses that mean "failed": 1 and 2 for a listing, 3 for check.
failed_status() {
	case $mode in
	check) [ "$rc" = 3 ] ;;
	*) [ "$rc" != 0 ] ;;
	esac
}

mode=list
list_rc="0 1 2"
check_rc="0 1 2 3"

# A fault in netlink, default mode: fall back to /proc with one notice, exit 0.
expect_fallback() {
	local spec=$1
	shift
	run_one fallback "$list_rc" "$spec" "$@"
	check "fallback [$spec] $*: exit 0 (got $rc)" [ "$rc" = 0 ]
	check "fallback [$spec] $*: the fault was injected" [ "$hits" -gt 0 ]
	check "fallback [$spec] $*: one notice (got: $(head -c 300 "$tmp/err"))" \
		[ "$(grep -c 'netlink sock_diag unavailable' "$tmp/err")" = 1 ]
	check "fallback [$spec] $*: nothing else (got: $(head -c 300 "$tmp/err"))" \
		[ "$(grep -vc "$owner_notice" "$tmp/err")" = 1 ]
}

# A fault in netlink with --backend=netlink: exit 1, one line naming netlink.
expect_netlink_fails() {
	local spec=$1
	shift
	run_one forced "$list_rc" "$spec" --backend=netlink "$@"
	check "forced netlink [$spec] $*: exit 1 (got $rc)" [ "$rc" = 1 ]
	check "forced netlink [$spec] $*: names netlink (got: $(head -c 300 "$tmp/err"))" grep -q netlink "$tmp/err"
}

for e in EPERM EACCES EPROTONOSUPPORT ENOBUFS; do
	for spec in "socket:$e" "bind:$e" "sendto:$e" "recvmsg:$e" "recvmsg:$e@2"; do
		expect_fallback "$spec" -n
		expect_fallback "$spec" -n -p
		expect_netlink_fails "$spec" -n
	done
done
# JSON streams rows as they come: a failure after the first datagram cannot
# fall back any more, but it must still fail cleanly.
for spec in socket:EPERM bind:EACCES sendto:ENOBUFS recvmsg:ENOBUFS recvmsg:ENOBUFS@2 recvmsg:EPERM@3; do
	run_one json "$list_rc" "$spec" -n --format=json
	if [ "$rc" = 0 ]; then
		check "json [$spec]: valid JSON" jq -e '.sockets | type == "array"' "$tmp/out"
	fi
done

# Interrupted dumps: the dump is redone, or, when it cannot be, the listing
# says it may be inconsistent; truncated datagrams: no crash, no hang.
for spec in dump-intr@1 dump-intr@2 dump-intr@1+ recv-truncate@1 recv-truncate@2 recv-truncate@1+ \
	recv-msgtrunc@1 recv-msgtrunc@2; do
	for args in "-n" "-n -p" "-n --format=json" "-n --backend=netlink" "-n --format=csv"; do
		# shellcheck disable=SC2086 # word splitting of args is wanted
		run_one datagram "$list_rc" "$spec" $args
		check "datagram [$spec] $args: fault injected" [ "$hits" -gt 0 ]
		if [ "$rc" = 0 ] && [[ $args == *json* ]]; then
			check "datagram [$spec]: valid JSON" jq -e '.sockets | type == "array"' "$tmp/out"
		fi
	done
done
run_one intr-always "$list_rc" dump-intr@1+ -n
check "interrupted every time: exit 0" [ "$rc" = 0 ]
check "interrupted every time: says inconsistent" grep -q 'inconsistent' "$tmp/err"

# A kernel that refuses the two-family request (TCPDIAG_GETSOCK): one
# SOCK_DIAG_BY_FAMILY dump per family instead, silently, with the same
# sockets as one walk without the fault just before and one just after (tests
# running alongside open and close listeners: every listener of both walks,
# none that neither had).  The port filter is sent to the kernel both as
# bytecode and in the request header.
cols=--columns=local_addr,local_port,state,inode
listeners() { # listeners FILE [FILTER...]: one walk without the fault, sorted
	local f=$1
	shift
	"$bin" -n -H --format=csv "$cols" state listening "$@" 2>/dev/null | sort >"$f"
}
# same_listeners OUT BEFORE AFTER (sorted files)
same_listeners() {
	[ -z "$(comm -12 "$2" "$3" | comm -23 - "$1")" ] && [ -z "$(sort -u "$2" "$3" | comm -13 - "$1")" ]
}
run_one refuse-compat-base 0 "" -n -H --format=csv "$cols" state listening
sort "$tmp/out" >"$tmp/base.csv"
check "refuse-compat: the host has a listener to compare" [ -s "$tmp/base.csv" ]
port=$(head -1 "$tmp/base.csv" | cut -d, -f2)
for args in "" "sport = :$port" "--record=$tmp/rec.bin"; do
	filter=()
	[[ $args == sport* ]] && filter=(sport "=" ":$port")
	listeners "$tmp/before.csv" "${filter[@]}"
	# shellcheck disable=SC2086 # word splitting of args is wanted
	run_one refuse-compat 0 refuse-compat -n -H --format=csv "$cols" state listening $args
	sort "$tmp/out" >"$tmp/got.csv"
	listeners "$tmp/after.csv" "${filter[@]}"
	check "refuse-compat $args: fault injected" [ "$hits" -gt 0 ]
	check "refuse-compat $args: nothing on stderr" [ ! -s "$tmp/err" ]
	check "refuse-compat $args: the same listeners as one walk" \
		same_listeners "$tmp/got.csv" "$tmp/before.csv" "$tmp/after.csv"
done
# the refused attempt is not in the recording: replaying it gives what the
# recording run listed
run_one refuse-compat-replay 0 "" -n -H --format=csv "$cols" --replay="$tmp/rec.bin"
check "refuse-compat: the recording replays the same listeners" cmp -s <(sort "$tmp/out") "$tmp/got.csv"

# /proc/net/tcp: missing, unreadable, failing to read, truncated, garbage.
proc=$tmp/proc
mk_tree() { # mk_tree NAME: a tree with the fixture's tcp and tcp6
	rm -rf "$proc"
	mkdir -p "$proc/net"
	cp "$SOURCE_ROOT/tests/data/proc-basic/net/tcp" "$SOURCE_ROOT/tests/data/proc-basic/net/tcp6" "$proc/net/"
}
hostile=0
try_tree() { # try_tree WHAT: list the tree in a few ways, no fault but the tree
	local args
	hostile=$((hostile + 1))
	for args in "--backend=proc" "--format=json" "--format=csv -p --backend=proc" "-s" "--sort=state,-send_q"; do
		# shellcheck disable=SC2086
		run_one "tree $1" "$list_rc" "" -n --proc-root="$proc" $args
		if [ "$rc" = 0 ] && [[ $args == *json* ]]; then
			check "tree $1: valid JSON" jq -e '.sockets | type == "array"' "$tmp/out"
		fi
	done
}
mk_tree
rm "$proc/net/tcp"
try_tree "tcp missing"
run_one "tcp missing" "$list_rc" "" --proc-root="$proc"
check "tcp missing: exit 1" [ "$rc" = 1 ]
mk_tree
rm "$proc/net/tcp6"
try_tree "tcp6 missing"
run_one "tcp6 missing" "$list_rc" "" --proc-root="$proc"
check "tcp6 missing: exit 0 (IPv6 may be off)" [ "$rc" = 0 ]
mk_tree
for e in EACCES EPERM EIO ENOENT EMFILE; do
	run_one "tcp open $e" "$list_rc" "open:net/tcp:$e" -n --proc-root="$proc"
	check "tcp open $e: exit 1" [ "$rc" = 1 ]
	check "tcp open $e: fault injected" [ "$hits" -gt 0 ]
	run_one "tcp read $e" "$list_rc" "read:net/tcp:$e" -n --proc-root="$proc"
	check "tcp read $e: exit 1" [ "$rc" = 1 ]
	run_one "tcp6 read $e" "$list_rc" "read:net/tcp6:$e" -n --proc-root="$proc" --format=json
	run_one "real tcp open $e" "$list_rc" "open:/proc/net/tcp:$e" -n --backend=proc
	check "real tcp open $e: exit 1" [ "$rc" = 1 ]
	run_one "fallback then tcp $e" "$list_rc" "socket:EPERM,open:/proc/net/tcp:$e" -n
	check "fallback then tcp $e: exit 1" [ "$rc" = 1 ]
done
# truncated at every 37th byte, mid-line and mid-field
size=$(wc -c <"$SOURCE_ROOT/tests/data/proc-basic/net/tcp")
for ((cut = 1; cut < size; cut += 37)); do
	mk_tree
	head -c "$cut" "$SOURCE_ROOT/tests/data/proc-basic/net/tcp" >"$proc/net/tcp"
	hostile=$((hostile + 1))
	run_one "tcp cut at $cut" "$list_rc" "" -n --proc-root="$proc" --format=json
	check "tcp cut at $cut: exit 0" [ "$rc" = 0 ]
	check "tcp cut at $cut: valid JSON" jq -e '.sockets | type == "array"' "$tmp/out"
done
# garbage: random bytes, random printable lines, binary zeros, overlong lines
for seed in 1 2 3 4 5 6 7 8; do
	mk_tree
	head -c $((seed * 3000)) /dev/urandom >"$proc/net/tcp"
	try_tree "random bytes $seed"
	mk_tree
	{ head -1 "$SOURCE_ROOT/tests/data/proc-basic/net/tcp"
	  head -c $((seed * 4000)) /dev/urandom | tr -dc '0-9A-F: \n' ; } >"$proc/net/tcp"
	try_tree "hex noise $seed"
done
mk_tree
head -c 100000 /dev/zero >"$proc/net/tcp"
try_tree "zeros"
mk_tree
{ head -2 "$SOURCE_ROOT/tests/data/proc-basic/net/tcp"; head -c 300000 /dev/zero | tr '\0' 'F'; echo
  sed -n 3p "$SOURCE_ROOT/tests/data/proc-basic/net/tcp"; } >"$proc/net/tcp"
try_tree "overlong line"
mk_tree
printf '  sl  local_address\n   0: FFFFFFFFFFFFFFFFFFFFFFFF:FFFFFFFF 0:0 FF FFFFFFFFFFFFFFFFFF:FFFFFFFFFFFFFFFF 99:FFFFFFFFFFFFFFFFFF 0 -1 -1 99999999999999999999999 1 0\n   1: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1\n' >"$proc/net/tcp"
try_tree "overflowing fields"
mk_tree
: >"$proc/net/tcp"
: >"$proc/net/tcp6"
try_tree "empty files"
# a hostile owner tree: fd links that are not sockets, names with escapes
mk_tree
for pid in 100 101 102; do
	mkdir -p "$proc/$pid/fd"
	printf 'evil\033[2J\033]0;pwned\a%s\n' "$pid" >"$proc/$pid/comm"
done
ino=$(awk 'FNR == 2 {print $10}' "$proc/net/tcp")
ln -s "socket:[$ino]" "$proc/100/fd/3"
ln -s "socket:[99999999999999999999999]" "$proc/100/fd/4"
ln -s "socket:[" "$proc/101/fd/5"
ln -s "[0000]:$ino" "$proc/101/fd/x"
ln -s "$(head -c 200 /dev/zero | tr '\0' 'a')" "$proc/102/fd/7"
mkdir -p "$proc/abc/fd" "$proc/99999999999/fd"
try_tree "hostile owners"
run_one "hostile owners" "$list_rc" "" -n -p --backend=proc --proc-root="$proc"
check "hostile owners: exit 0" [ "$rc" = 0 ]
check "hostile owners: no escape reaches the terminal" sh -c "! grep -q \"\$(printf '\\033')\" '$tmp/out'"

# the owner walk: fd entries vanishing, directories failing
mode=list
for spec in readlinkat:ENOENT@1 readlinkat:ENOENT@5 readlinkat:ENOENT@2+ readlinkat:EACCES@3 readlinkat:ESRCH \
	getdents64:ENOENT@1 getdents64:ENOENT@2 getdents64:EACCES@3 getdents64:ENOMEM@2 openat:fd:ENOENT@1 \
	openat:fd:EACCES openat:comm:ENOENT openat:comm:EMFILE@1 open:/proc:EMFILE; do
	for args in "-n -p" "-n -p --format=json" "-n -p --backend=proc" "-n --group-by=process"; do
		# shellcheck disable=SC2086
		run_one owners "$list_rc" "$spec" $args
		if [ "$rc" = 0 ] && [[ $args == *json* ]]; then
			check "owners [$spec]: valid JSON" jq -e '.sockets | type == "array"' "$tmp/out"
		fi
	done
done
run_one vanish "$list_rc" readlinkat:ENOENT@1+ -n -p
check "every fd vanishing: exit 0" [ "$rc" = 0 ]

# check: 0-3, and 3 with one line when the tables cannot be read
mode=check
for spec in socket:EPERM recvmsg:ENOBUFS@2 dump-intr@1+ open:/proc/net/snmp:ENOENT open:/proc/net/netstat:EACCES \
	open:sockstat:EIO readlinkat:ENOENT@3 getdents64:ENOENT@1; do
	run_one check "$check_rc" "$spec" check
done
run_one check "$check_rc" "socket:EPERM,open:/proc/net/tcp:EACCES" check
check "check, nothing readable: exit 3" [ "$rc" = 3 ]
mode=list

# An allocation failing at each site in turn, in several modes, until a run
# completes without reaching the Nth allocation.
mtotal=0
malloc_loop() { # malloc_loop MODE ARGS...
	local m=$1 n all
	shift
	mode=$m
	all="$list_rc"
	[ "$m" = check ] && all="$check_rc"
	for ((n = 1; n <= malloc_max; n++)); do
		run_one "malloc@$n" "$all" "malloc@$n" "$@"
		mtotal=$((mtotal + 1))
		[ "$hits" = 0 ] && break
	done
	check "malloc loop $*: ran out of sites before the cap ($n)" [ "$n" -le "$malloc_max" ]
	echo "fault: $* : $((n - 1)) allocation sites"
	mode=list
}
malloc_loop list -n
malloc_loop list -n -p
malloc_loop list -n --format=json
malloc_loop list -n --sort=state,-send_q --columns=state,local_port,remote_port,send_q
malloc_loop list -n --proc-root="$SOURCE_ROOT/tests/data/proc-basic" --format=csv
malloc_loop list -n --group-by=state
malloc_loop list -n -p --format=prom
malloc_loop list -n state established or sport = :22
malloc_loop check check

# A sample of allocation failures under valgrind: no definite leak.
vg=0
if [ "${FAULT_VALGRIND:-1}" != 0 ] && command -v valgrind >/dev/null && [ -z "${SOCKSCOPE_ASAN:-}" ]; then
	for n in 1 2 3 5 8 13 21 34 55 89; do
		for args in "-n" "-n -p" "-n --format=json"; do
			rm -f "$tmp/log"
			# shellcheck disable=SC2086
			# the preload reaches valgrind's launcher too: FAULT_PROG spares
			# it; nouserintercepts lets our malloc wrapper see the calls
			FAULT_PROG=${SOCKSCOPE##*/} LD_PRELOAD="$shim" FAULT="malloc@$n" FAULT_LOG="$tmp/log" \
				timeout -k 5 120 valgrind -q --soname-synonyms=somalloc=nouserintercepts \
				--leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
				"$SOCKSCOPE" $args >/dev/null 2>"$tmp/vg"
			rc=$?
			runs=$((runs + 1))
			vg=$((vg + 1))
			h=$(grep -c '^faultinject: hit' "$tmp/log" 2>/dev/null)
			faults=$((faults + ${h:-0}))
			if [ "$rc" = 99 ] || [ "$rc" -ge 124 ]; then
				bad "valgrind malloc@$n $args: exit $rc"
				sed -n '1,30p' "$tmp/vg" >&2
			else
				ok
			fi
		done
	done
fi

echo "fault: runs=$runs faults_injected=$faults malloc_runs=$mtotal valgrind_runs=$vg hostile_trees=$hostile crashes=$crashes"
check "no crash" [ "$crashes" = 0 ]
finish
