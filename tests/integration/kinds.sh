#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every socket kind at once in a private namespace (fixture/kinds.py: UDP
# connected and not, IPv4, IPv6 and v4-mapped, UDP-Lite, raw IPv4 and IPv6,
# MPTCP, UNIX stream/dgram/seqpacket with paths, abstract names and a
# waiting connection, packet and netlink sockets), checked against the
# fixture's own ground truth (inodes from fstat) and against ss as an oracle;
# the per-kind /proc fallback (raw has no diag module here) and every kind
# from /proc; ss's favourite commands (-tulpn, -xp).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_root
command -v ip >/dev/null || skip "ip (iproute2) missing"
command -v ss >/dev/null || skip "ss missing"
command -v jq >/dev/null || skip "jq missing"
command -v python3 >/dev/null || skip "python3 missing"

S=$SOCKSCOPE
NS=sockscope-kinds-$$
TMP=$(mktemp -d)
FIX=
cleanup() {
	[ -n "$FIX" ] && kill "$FIX" 2>/dev/null && wait "$FIX" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add "$NS" || skip "cannot create a network namespace"
ip -n "$NS" link set lo up
ip netns exec "$NS" sysctl -qw net.mptcp.enabled=1 2>/dev/null
ip netns exec "$NS" python3 "$SOURCE_ROOT/tests/integration/fixture/kinds.py" "$TMP/truth" "$TMP" &
FIX=$!
for _ in $(seq 100); do [ -f "$TMP/truth" ] && break; sleep 0.1; done
[ -f "$TMP/truth" ] || { bad "fixture did not start"; finish; exit; }

have() { "$S" -A "$1" -n -H >/dev/null 2>&1; } # is this kind known to this build?
kinds=()
for k in udp udplite raw mptcp unix packet netlink; do have "$k" && kinds+=("$k"); done
list=$(IFS=,; echo "${kinds[*]}")
cols=netid,state,local,peer,recv_q,send_q,inode,side

# --- ground truth: every socket found once, with its kind, state and endpoints
"$S" -N "$NS" -A "$list" -n -f json --columns=$cols >"$TMP/all.json" 2>"$TMP/all.err"
check "listing of every kind exit 0" test $? = 0
check "listing is valid JSON" jq -e '.sockets | length > 0' "$TMP/all.json"
while IFS= read -r t; do
	kind=$(jq -r .kind <<<"$t")
	[[ ,$list, == *,$kind,* ]] || continue
	netid=$(jq -r .netid <<<"$t") state=$(jq -r .state <<<"$t") ino=$(jq -r .inode <<<"$t")
	n=$(jq --arg n "$netid" --argjson i "$ino" '[.sockets[] | select(.netid == $n and .inode == $i)] | length' \
		"$TMP/all.json")
	check "$netid inode $ino found exactly once (found $n)" test "$n" = 1
	got=$(jq -c --arg n "$netid" --argjson i "$ino" '.sockets[] | select(.netid == $n and .inode == $i)' \
		"$TMP/all.json" | head -1)
	check "$netid inode $ino state $state" test "$(jq -r .state <<<"$got")" = "$state"
	for f in local peer recv_q side; do
		want=$(jq -r --arg f "$f" '.[$f] // empty' <<<"$t")
		[ -n "$want" ] || continue
		val=$(jq -r --arg f "$f" '.[$f]' <<<"$got")
		# UNIX endpoints read "NAME INODE" as in ss: the name is the first word
		[ "$kind" = unix ] && [[ $f == local || $f == peer ]] && val=${val% *}
		check "$netid inode $ino $f = $want (got $val)" test "$val" = "$want"
	done
done <"$TMP/truth"

# --- ss as an oracle: the same sockets, states, queues and endpoints
norm() { # ss's endpoints as sockscope -n writes them
	sed -E 's/(^| )0\.0\.0\.0:/\1*:/g; s/(^| )\[::\]:/\1*:/g; s/(^| )\*:\*$/\1*:*/'
}
oracle() { # oracle NAME SS-OPTIONS SOCKSCOPE-OPTIONS
	local name=$1 sso=$2 sco=$3
	# sockscope names TCP's states as the RFC does (ESTABLISHED); ss says ESTAB
	ip netns exec "$NS" ss $sso -nH | awk '{ print $1, $2, $3, $4, $5 }' | norm |
		if [ "$name" = mptcp ]; then sed 's/^ESTAB /ESTABLISHED /'; else cat; fi | sort >"$TMP/$name.ss"
	"$S" -N "$NS" $sco -n -H --columns=state,recv_q,send_q,local,peer | awk '{ print $1, $2, $3, $4, $5 }' |
		sort >"$TMP/$name.sc"
	if diff -u "$TMP/$name.ss" "$TMP/$name.sc" >"$TMP/$name.diff"; then ok; else
		bad "$name differs from ss:"; cat "$TMP/$name.diff" >&2
	fi
	check "$name: not empty" test -s "$TMP/$name.sc"
}
oracle udp "-ua" "-u"
oracle raw "-wa" "-w"
[[ ,$list, == *,mptcp,* ]] && oracle mptcp "-Ma" "-M"

# ss -tulpn: TCP listeners and UDP unconnected, Netid first
ip netns exec "$NS" ss -tulpnH | awk '{ print $1, $2, $5 }' | norm | sort >"$TMP/tulpn.ss"
"$S" -N "$NS" -tulpn -H | awk '{ print $1, $2, $5 }' | sort >"$TMP/tulpn.sc"
check "-tulpn: same sockets as ss -tulpn" diff -u "$TMP/tulpn.ss" "$TMP/tulpn.sc"
check "-tulpn: the Netid column comes first" grep -q '^Netid *State' <("$S" -N "$NS" -tulpn)
check "-tulpn: the fixture's process owns its UDP socket" grep -q 'python3' <("$S" -N "$NS" -ulpn)

# -ntu state established: connected UDP and the MPTCP connection's TCP subflows
n=$("$S" -N "$NS" -ntu -H state established | wc -l)
m=$(ip netns exec "$NS" ss -ntuH state established | wc -l)
check "-ntu state established: as many as ss ($n, $m)" test "$n" = "$m"
check "-ntu state established: both connected UDP sockets" \
	test "$("$S" -N "$NS" -ntu -H state established | grep -c '^udp')" = 2

# MPTCP: its TCP subflows are shown as such, sharing the MPTCP socket's inode
if [[ ,$list, == *,mptcp,* ]]; then
	"$S" -N "$NS" -A tcp,mptcp -n -f json --columns=netid,state,inode,local_port >"$TMP/mp.json"
	check "mptcp: the TCP subflows are marked mptcp_sf" \
		jq -e '[.sockets[] | select(.netid == "mptcp_sf")] | length >= 2' "$TMP/mp.json"
	check "mptcp: every subflow shares an MPTCP socket's inode" jq -e '
		[.sockets[] | select(.netid == "mptcp") | .inode] as $m |
		[.sockets[] | select(.netid == "mptcp_sf" and .state != "LISTEN") | .inode | IN($m[])] | all' "$TMP/mp.json"
fi

# --- /proc: raw falls back by itself (no raw_diag), with one notice naming it
"$S" -N "$NS" -w -n >"$TMP/raw.out" 2>"$TMP/raw.err"
rc=$?
if grep -q 'netlink sock_diag cannot list raw' "$TMP/raw.err"; then
	check "raw from /proc: exit 0" test $rc = 0
	check "raw from /proc: one notice" test "$(wc -l <"$TMP/raw.err")" = 1
else
	echo "note: this kernel lists raw sockets through netlink (raw_diag)"
	check "raw through netlink: exit 0" test $rc = 0
fi
# every kind /proc has, from /proc: the same sockets as netlink gives
plist=$(IFS=,; echo "${kinds[*]}" | sed 's/,mptcp//; s/^mptcp,//')
# (/proc has no UNIX peer, lists connections not yet accepted with no inode,
# and does not see the dump's own netlink socket: those are left out)
procview() {
	"$S" -N "$NS" -A "$plist" -n -H --columns=netid,state,inode,local "$@" |
		awk '$3 != 0 && $4 !~ /^tcpdiag:[0-9]/ { $1 = $1; print }' | sort
}
procview >"$TMP/nl.txt"
procview --backend=proc 2>"$TMP/proc.err" >"$TMP/proc.txt"
check "--backend=proc: same sockets as netlink for $plist" diff -u "$TMP/nl.txt" "$TMP/proc.txt"
# MPTCP has no /proc table: said so, exit 3
if [[ ,$list, == *,mptcp,* ]]; then
	"$S" -N "$NS" -M --backend=proc >/dev/null 2>"$TMP/mp.err"
	check "mptcp from /proc: exit 3 (partial)" test $? = 3
	check "mptcp from /proc: one notice" grep -q 'cannot list mptcp sockets' "$TMP/mp.err"
fi
# a kind sockscope cannot list is refused, never an empty list
"$S" -A xdp >/dev/null 2>"$TMP/xdp.err"
check "-A xdp: usage error" test $? = 2
check "-A xdp: says why" grep -q 'cannot list xdp' "$TMP/xdp.err"

# --- the summary and prom cover the kinds
"$S" -N "$NS" -A "$list" -s -f json >"$TMP/s.json"
check "summary: UDP counts" jq -e '.summary.kinds.udp.states.UNCONN == 4 and .summary.kinds.udp.states.ESTAB == 2' \
	"$TMP/s.json"
"$S" -N "$NS" -A "$list" -f prom >"$TMP/p.prom"
check "prom: udp series" grep -q '^sockscope_sockets{netid="udp",family="inet",state="UNCONN"} 1$' "$TMP/p.prom"
if command -v promtool >/dev/null; then
	check "prom: promtool check metrics" promtool check metrics <"$TMP/p.prom"
fi

# --- filters: netid selects kinds, src matches UNIX paths with globs
n=$("$S" -N "$NS" -n -H netid udp | wc -l)
check "netid udp: the six UDP sockets (got $n)" test "$n" = 6
n=$("$S" -N "$NS" -n -H 'netid udp and sport = :7001' | wc -l)
check "netid udp and sport = :7001: one socket" test "$n" = 1
if [[ ,$list, == *,unix,* ]]; then
	n=$("$S" -N "$NS" -x -n -H "src $TMP/*.sock" | wc -l)
	check "-x src PATH-GLOB: the listener and its accepted end (got $n)" test "$n" = 2
	ip netns exec "$NS" ss -xaH | awk '{ print $1, $2, $3 }' | sort >"$TMP/x.ss"
	"$S" -N "$NS" -x -H --columns=netid,state,recv_q | awk '{ print $1, $2, $3 }' | sort >"$TMP/x.sc"
	check "-x: the same UNIX sockets, states and Recv-Q as ss -xa" diff -u "$TMP/x.ss" "$TMP/x.sc"
	check "-xp: owners shown" grep -q python3 <("$S" -N "$NS" -xp)
fi
finish
