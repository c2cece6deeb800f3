#!/bin/bash
# SPDX-License-Identifier: MIT
# check-rates.sh: the rate rules of `sockscope check --window`, in private
# network namespaces (sbF-*), against the counts of the workload itself
# (check/rates_gen.py): (a) short connections closed by the client at a rate
# that, over 60 s of TIME-WAIT, needs more than the namespace's deliberately
# small ip_local_port_range -> port-churn names the destination (also with
# --all-netns: the namespace's range and its name); (b) connects refused by a
# closed port and connects timing out against an nftables drop
# (tcp_syn_retries=1) -> failing-connects, one finding per destination, with
# the workload's counts; (c) a few healthy connections -> neither rule.  The
# windows are long and ended by SIGINT once the workload is done (the report
# still comes).  Also: without privilege for the tracepoint, one notice and
# the rules skipped, the exit status unchanged.  Needs root (exit 77).
# SOCKSCOPE_ASAN, when set, is used instead of SOCKSCOPE.
# jq programs are in single quotes on purpose
# shellcheck disable=SC2016
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_root
for tool in ip jq nft python3 setpriv; do
	command -v "$tool" >/dev/null || skip "$tool not found"
done
BIN=${SOCKSCOPE_ASAN:-$SOCKSCOPE}
# Counts of a host-wide tracepoint within a window, against the workload's:
# under ASan the feed's thread reads too late for the threads of the workload
# (attribution by /proc/PID/task) and the counts fall short; the plain build
# runs it (run-all.sh's first pass)
if ldd "$SOCKSCOPE" 2>/dev/null | grep -q 'libasan'; then
	skip "the rate windows are checked with the plain build, not under ASan"
fi
GEN="$SOURCE_ROOT/tests/integration/check/rates_gen.py"
TAG="sbF-cr$$"
TMP=$(mktemp -d) || exit 1
chmod 755 "$TMP"
NSS=()
PIDS=()
export ASAN_OPTIONS=detect_leaks=1:exitcode=90 UBSAN_OPTIONS=halt_on_error=1:exitcode=91

cleanup() {
	local p ns
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	for ns in "${NSS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkns() { # mkns NAME: loopback up, a small port range, SYNs retried once (~3 s)
	ip netns add "$1" || skip "cannot create a network namespace"
	NSS+=("$1")
	ip -n "$1" link set lo up
	ip netns exec "$1" sysctl -qw net.ipv4.ip_local_port_range="32768 32999" net.ipv4.tcp_syn_retries=1
}

wait_file() { # up to 20 s
	local i
	for ((i = 0; i < 400; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	echo "timeout waiting for $1" >&2
	return 1
}

jqt() { jq -e "$@" <<<"$OUT"; }

# watch OUT-VAR ARGS...: starts `sockscope ARGS` in the background (stdout and
# stderr to files named after OUT-VAR); its pid in $WPID
watch_start() {
	local name=$1
	shift
	"$BIN" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	WPID=$!
	PIDS+=("$WPID")
	wait_perf "$WPID"
}
# wait_perf PID: until the process reads the tracepoint (its ftrace instance's
# trace_pipe_raw files, or perf events: the rings record from then on), at
# most 20 s
wait_perf() {
	local i
	for ((i = 0; i < 400; i++)); do
		find "/proc/$1/fd" \( -lname 'anon_inode:*perf_event*' -o -lname '*/trace_pipe_raw' \) 2>/dev/null |
			grep -q . && return 0
		sleep 0.05
	done
	echo "pid $1 never opened the tracepoint" >&2
}
# watch_end NAME PID: SIGINT, wait; $OUT, $ERR, $RC
watch_end() {
	kill -INT "$2"
	wait "$2"
	RC=$?
	OUT=$(cat "$TMP/$1.out")
	ERR=$(cat "$TMP/$1.err")
}

# a workload: gen NS OUT ARGS...; waits until it listens; its pid in $GPID
gen() {
	local ns=$1 out=$2
	shift 2
	ip netns exec "$ns" python3 "$GEN" "$@" "$out" &
	GPID=$!
	PIDS+=("$GPID")
	wait_file "$out.ready"
}
# go OUT: starts the workload (after the watchers had time to open the feed) and waits for its counts
go() {
	sleep 0.5
	touch "$1.go"
	wait_file "$1" || return 1
	wait "$GPID"
	sleep 0.3
}

# probe: is the tracepoint there at all?
run_probe() {
	"$BIN" check --window 0.2 -f json >"$TMP/probe" 2>/dev/null
	jq -e '.rates.status == "checked"' "$TMP/probe" >/dev/null
}
run_probe || skip "no tracepoint source here: $(jq -r '.rates.reason' "$TMP/probe" 2>/dev/null)"

# ---- (a) ephemeral-port churn -------------------------------------------------
NSA="$TAG-a"
mkns "$NSA"
N=150
gen "$NSA" "$TMP/a" churn 127.0.0.1 9101 "$N" 40 || exit 1
watch_start a1 -N "$NSA" check --window 120 -f json
A1=$WPID
# the plain binary: under ASan, on a host with many sockets elsewhere, the
# --all-netns snapshot can come after the TIME-WAIT sockets it looks for expired
BIN_SAVED=$BIN
BIN=$SOCKSCOPE
watch_start a2 --all-netns check --window 120 -f json
BIN=$BIN_SAVED
A2=$WPID
watch_start a3 -N "$NSA" check --window 120
A3=$WPID
go "$TMP/a" || exit 1
GA=$(cat "$TMP/a")
T0=$SECONDS
watch_end a3 "$A3"
check "churn, text: the finding names the destination" grep -q '^  \[port-churn\] connections to 127.0.0.1:9101' <<<"$OUT"
check "churn, text: the window and the source are said" grep -q '^Rates: .* s watched through the tracepoint, this network namespace' <<<"$OUT"
watch_end a1 "$A1"
check "churn: SIGINT ends the window, exit WARNING or CRITICAL" test "$RC" = 1 -o "$RC" = 2
check "churn: the window was shorter than asked" jqt '.rates.status == "checked" and .rates.window < 120'
check "churn: one port-churn finding for 127.0.0.1:9101" \
	jqt '[.findings[] | select(.rule == "port-churn" and .evidence.remote == "127.0.0.1:9101")] | length == 1'
# attempts exact unless the feed says it lost or forgot events; established
# and closed first within 2 of the workload's: under load the feed's
# lifetimes were seen to classify one connection of 150 otherwise (every
# watcher alike, lost 0), a matter of events/lifetime, not of the rule.
# Exact unless the feed lost, forgot or could not attribute events: the
# tracepoint is host-wide, and beside the other tests (CI runs them in
# parallel) a socket whose thread is gone before its event is read stays
# unattributed; then never more than the workload's, and at least 3/4 of it.
check "churn: the workload's counts (${GA})" \
	jqt --argjson g "$GA" '(.rates.lost + .rates.forgotten + .rates.unattributed) as $x |
	.findings[] | select(.rule == "port-churn") |
	.evidence | .attempts <= $g.attempts and ($x > 0 or .attempts == $g.attempts) and
	.established <= $g.established and .closed_first <= $g.closed_first and
	.closed_first >= (if $x > 0 then $g.closed_first * 3 / 4 else $g.closed_first - 2 end) and
	.refused == 0 and .timeout == 0'
check "churn: projected ports = closes / window x 60, against the namespace's range (232)" \
	jqt '.findings[] | select(.rule == "port-churn") | .evidence |
	.limit == 232 and .port_range == [32768, 32999] and
	((.projected - .closed_first / .window * 60) | fabs) < 1.5 and .percent >= 50'
check "churn: TIME-WAIT sockets to it in the last sample as evidence" \
	jqt '.findings[] | select(.rule == "port-churn") | .evidence.time_wait > 0 and (.evidence.examples | length) > 0'
check "churn: no separate time-wait finding for the same destination" \
	jqt '[.findings[] | select(.rule == "time-wait" and .evidence.remote == "127.0.0.1:9101")] | length == 0'
check "churn: no failing-connects" jqt '[.findings[] | select(.rule == "failing-connects")] | length == 0'
watch_end a2 "$A2"
[ -n "${CHECK_RATES_DEBUG:-}" ] && echo "churn --all-netns: rc $RC $(jq -c '.rates, [.findings[] | select(.evidence.remote == "127.0.0.1:9101")]' <<<"$OUT") $(head -c 300 <<<"$ERR")"
[ -n "${CHECK_RATES_DEBUG:-}" ] && echo "churn: $GA; $(jq -c '.findings[] | select(.rule == "port-churn") | .evidence' "$TMP/a1.out") ($((SECONDS - T0)) s)"
check "churn, --all-netns: the finding names the namespace and uses its range" \
	jqt --arg w "netns:$NSA" '[.findings[] | select(.rule == "port-churn" and .evidence.remote == "127.0.0.1:9101" and
	.evidence.where == $w and .evidence.scope == "host" and .evidence.limit == 232)] | length == 1'

# ---- (b) failing connects: refused and timed out ----------------------------------
NSB="$TAG-b"
mkns "$NSB"
ip netns exec "$NSB" nft -f - <<'NFT' || exit 1
table inet sbf_drop {
	chain in {
		type filter hook input priority 0;
		tcp dport 9203 drop
	}
}
NFT
gen "$NSB" "$TMP/b" fail 127.0.0.1 9201 5 9202 25 9203 25 || exit 1
# the tracepoint's own count of the timeouts, beside check's: the timeouts
# fire in the timer softirq, often on an idle CPU, where the perf reader was
# seen (6.18) to miss them all; the ftrace reader sockscope prefers does not
watch_start b0 events -N "$NSB" -f jsonl 'dport = :9203'
B0=$WPID
watch_start b1 -N "$NSB" check --window 120 -f json
B1=$WPID
watch_start b2 -N "$NSB" check --window 120
B2=$WPID
go "$TMP/b" || exit 1
GB=$(cat "$TMP/b")
check "failing: the workload saw refusals and timeouts (${GB})" jq -e '.refused == 25 and .timeout == 25' <<<"$GB"
watch_end b0 "$B0"
TC=$(grep '"state":"CLOSED"' <<<"$OUT" | grep -c '"old_state":"SYN-SENT"')
check "failing: the tracepoint reported every timeout ($TC of 25)" test "$TC" = 25
watch_end b2 "$B2"
check "failing, text: names the destination and the counts" \
	grep -q "25 of 25 connection attempts to 127.0.0.1:9203 .*0 refused, 25 timed out, 0 established" <<<"$OUT"
check "failing, text: a DROP rule is among the causes of timeouts" grep -q 'Timed out .*DROP' <<<"$OUT"
watch_end b1 "$B1"
check "failing: exit CRITICAL (every attempt failed)" test "$RC" = 2
[ -n "${CHECK_RATES_DEBUG:-}" ] && echo "failing: $GB; $(jq -c '[.findings[] | select(.rule == "failing-connects") | .evidence]' <<<"$OUT")"
check "failing: refused destination with the workload's count" \
	jqt --argjson g "$GB" '(.rates.lost + .rates.forgotten + .rates.unattributed) as $x |
	[.findings[] | select(.rule == "failing-connects" and .evidence.remote == "127.0.0.1:9202") |
	.evidence | select(.timeout == 0 and .established == 0 and .attempts == .refused and .refused <= $g.refused and
	.refused >= (if $x > 0 then $g.refused * 3 / 4 else $g.refused end))] | length == 1'
check "failing: timed-out destination with the workload's count" \
	jqt --argjson tc "$TC" '[.findings[] | select(.rule == "failing-connects" and .evidence.remote == "127.0.0.1:9203") |
	.evidence | select(.refused == 0 and .attempts == .timeout and .percent == 100 and .timeout == $tc)] |
	length == 1'
check "failing: the healthy destination is no finding" \
	jqt '[.findings[] | select(.evidence.remote == "127.0.0.1:9201")] | length == 0'

# ---- (c) a healthy run -----------------------------------------------------------
NSC="$TAG-c"
mkns "$NSC"
gen "$NSC" "$TMP/c" churn 127.0.0.1 9301 5 5 || exit 1
watch_start c1 -N "$NSC" check --window 120 -f json
C1=$WPID
go "$TMP/c" || exit 1
watch_end c1 "$C1"
check "healthy: exit OK" test "$RC" = 0
check "healthy: rates checked, no rate finding" \
	jqt '.rates.status == "checked" and ([.findings[] | select(.rule == "port-churn" or .rule == "failing-connects")] | length == 0)'
OUT=$("$BIN" -N "$NSC" check --window 0.5)
check "healthy, text: both rate rules listed as OK" grep -q '^OK: .*port-churn failing-connects' <<<"$OUT"

# ---- without a window, and without the privilege --------------------------------
OUT=$("$BIN" -N "$NSC" check)
check "no window: the rate rules are not listed as OK" bash -c '! grep -q "^OK: .*port-churn" <<<"$1"' _ "$OUT"
check "no window: a hint names --window" grep -q 'Hint: port-churn and failing-connects .*--window=SECONDS' <<<"$OUT"
OUT=$("$BIN" -N "$NSC" check -f json)
check "no window: json says rates not asked" jqt '.rates.status == "not asked"'
"$BIN" -N "$NSC" check -f prom >"$TMP/prom"
check "no window: prom has no series for the rate rules" bash -c '! grep -q "rule=\"port-churn\"" "$1"' _ "$TMP/prom"
OUT=$(ip netns exec "$NSC" setpriv --reuid=nobody --regid=nogroup --clear-groups "$BIN" check -f json 2>/dev/null)
RC0=$?
OUT=$(ip netns exec "$NSC" setpriv --reuid=nobody --regid=nogroup --clear-groups "$BIN" check --window 5 -f json \
	2>"$TMP/np.err")
RC=$?
ERR=$(cat "$TMP/np.err")
check "unprivileged: the exit status is unchanged ($RC0 -> $RC)" test "$RC" = "$RC0"
check "unprivileged: one notice on stderr" test "$(grep -c 'no event source' <<<"$ERR")" = 1
check "unprivileged: json says skipped, with the reason" \
	jqt '.rates.status == "skipped" and (.rates.reason | length > 0) and (.unchecked | test("port-churn"))'

echo "check-rates.sh: $SECONDS s"
finish
