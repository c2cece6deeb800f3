#!/bin/bash
# SPDX-License-Identifier: MIT
# filter-ss: sockscope's filter language gives the same sockets as ss.
# In a private network namespace, a python3 helper opens listeners on
# 127.0.0.1, ::1, 0.0.0.0 and :: (dual stack, so some sockets carry
# IPv4-mapped addresses), established pairs, CLOSE-WAIT/FIN-WAIT-2 pairs and
# TIME-WAIT sockets.  For each expression the set of (state, local, peer)
# from `ss -tanH` is compared with sockscope's JSON, from netlink and from
# /proc.  ss hides LISTEN and TIME-WAIT unless told, sockscope shows every
# state, so expressions without leading state words get "state all" for ss.
# Bad filters must exit 2 with a caret line on stderr.  Needs root (else 77).
set -u

pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
skip() { echo "SKIP: $*"; exit 77; }

[ "$(id -u)" = 0 ] || skip "needs root"
for t in ip ss jq python3; do
	command -v "$t" >/dev/null 2>&1 || skip "needs $t"
done
SOCKSCOPE=${SOCKSCOPE:-}
have_sockscope=0
if [ -n "$SOCKSCOPE" ] && [ -x "$SOCKSCOPE" ]; then
	have_sockscope=1
else
	echo "note: SOCKSCOPE is not set to a binary: checking the ss side only" >&2
fi

NS=ssf-$$
TMP=$(mktemp -d) || exit 1
HELPER_PID=
cleanup() {
	[ -n "$HELPER_PID" ] && kill "$HELPER_PID" 2>/dev/null
	[ -n "$HELPER_PID" ] && wait "$HELPER_PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ip netns add "$NS" 2>/dev/null || skip "cannot create a network namespace"
ip -n "$NS" link set lo up || skip "cannot bring lo up"
nsx() { ip netns exec "$NS" "$@"; }

cat >"$TMP/pop.py" <<'EOF'
import socket, sys, time
keep = []
def listen(fam, addr, port, v6only=None):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    s.bind((addr, port))
    s.listen(64)
    keep.append(s)
    return s
def pair(lsock, fam, addr, port):
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.connect((addr, port))
    a, _ = lsock.accept()
    keep.extend([c, a])
    return c, a
V4, V6 = socket.AF_INET, socket.AF_INET6
l22 = listen(V4, "127.0.0.1", 22)
l80 = listen(V4, "127.0.0.1", 80)
l443 = listen(V4, "127.0.0.1", 443)
l8080 = listen(V4, "127.0.0.1", 8080)
l6_80 = listen(V6, "::1", 80)
l6_443 = listen(V6, "::1", 443)
l9000 = listen(V4, "0.0.0.0", 9000)
l9001 = listen(V6, "::", 9001, v6only=0)
l9002 = listen(V6, "::", 9002, v6only=1)
for _ in range(3):
    pair(l80, V4, "127.0.0.1", 80)
for _ in range(2):
    pair(l6_443, V6, "::1", 443)
    pair(l9001, V4, "127.0.0.1", 9001)      # server side is ::ffff:127.0.0.1
pair(l9000, V4, "127.0.0.1", 9000)
pair(l6_80, V6, "::1", 80)
pair(l9002, V6, "::1", 9002)
for _ in range(2):                              # CLOSE-WAIT (server) + FIN-WAIT-2 (client)
    c, a = pair(l8080, V4, "127.0.0.1", 8080)
    c.shutdown(socket.SHUT_WR)
c, a = pair(l6_80, V6, "::1", 80)
c.shutdown(socket.SHUT_WR)
for _ in range(2):                              # TIME-WAIT on the client side (60 s)
    c, a = pair(l22, V4, "127.0.0.1", 22)
    keep.remove(c); keep.remove(a)
    c.close(); time.sleep(0.05); a.close()
time.sleep(0.3)
open(sys.argv[1], "w").write("ready\n")
time.sleep(600)
EOF
ip netns exec "$NS" python3 "$TMP/pop.py" "$TMP/ready" >"$TMP/pop.log" 2>&1 &
HELPER_PID=$!
for _ in $(seq 1 50); do
	[ -s "$TMP/ready" ] && break
	sleep 0.1
done
[ -s "$TMP/ready" ] || { echo "the socket population did not come up" >&2; exit 1; }

# "STATE laddr lport raddr rport" per line, sorted, from `ss -tanH` output.
# ss drops the State column when only one state is asked for: then "-".
ss_set() {
	awk '{
		if (NF == 4) $0 = "- " $0
		st = $1
		if (st == "ESTAB") st = "ESTABLISHED"
		else if (st == "SYN-RECV") st = "SYN-RECEIVED"
		else if (st == "UNCONN") st = "CLOSED"
		for (i = 4; i <= 5; i++) {
			a = $i; n = split(a, x, ":"); p = x[n]
			a = substr(a, 1, length(a) - length(p) - 1)
			gsub(/^\[|\]$/, "", a); sub(/%.*/, "", a)
			if (a == "*") a = "::"
			if (p == "*") p = 0
			out[i] = a " " p
		}
		print st, out[4], out[5]
	}' | sort
}

# The same from sockscope's JSON; with "-" states when ss printed none, after
# checking that sockscope's sockets all share one state.
scope_set() {
	jq -r '.sockets[] | "\(.state) \(.local_addr) \(.local_port) \(.remote_addr) \(.remote_port)"' |
		sort >"$TMP/raw.set"
	if grep -q '^- ' "$TMP/ss.set"; then
		[ "$(cut -d' ' -f1 "$TMP/raw.set" | sort -u | wc -l)" -le 1 ] || return 1
		awk '{ $1 = "-"; print }' "$TMP/raw.set" | sort
	else
		cat "$TMP/raw.set"
	fi
}

EXPRS=(
	""
	"state established"
	"state listening"
	"state close-wait"
	"state fin-wait-2"
	"state time-wait"
	"state connected"
	"state synchronized"
	"state bucket"
	"state big"
	"exclude listening"
	"exclude established exclude listening"
	"state established state close-wait"
	"sport = :80"
	"sport == :443"
	"sport eq :22"
	"sport :8080"
	"dport = :80"
	"dport != :80"
	"dport = :http"
	"sport > :1024"
	"sport < :1024"
	"sport >= :443"
	"sport <= :443"
	"dport gt :8000"
	"dport le 443"
	"src 127.0.0.1"
	"src 127.0.0.0/8"
	"src 127/8"
	"dst [::1]"
	"src [::1]:443"
	"src ::/0"
	"src 0.0.0.0/0"
	"src *:9001"
	"dst 127.0.0.1:80"
	"src 127.0.0.1:9001"
	"dst [::ffff:127.0.0.1]"
	"( sport = :80 or sport = :443 )"
	"sport = :80 or sport = :443 and dport > :1024"
	"sport = :80 || sport = :443 && dport > :1024"
	"not sport = :80"
	"! ( src 127.0.0.1 or src [::1] )"
	"state established ( dport = :80 or sport = :80 )"
	"state connected exclude time-wait dst 127.0.0.0/8"
	"src 127.0.0.1 dport > :0"
	"( src [::1] or src 127.0.0.1 ) and not ( sport = :80 or sport = :443 ) and sport < :9002"
)

set -f # no globbing of '*' in expressions
compared=0
socks=0
for e in "${EXPRS[@]}"; do
	# shellcheck disable=SC2206
	words=($e)
	case "$e" in
	state* | exclude* | excl*) sswords=("${words[@]}") ;;
	*) sswords=(state all "${words[@]}") ;;
	esac
	if ! nsx ss -tanH "${sswords[@]}" >"$TMP/ss.out" 2>"$TMP/ss.err"; then
		bad "ss rejected '$e': $(cat "$TMP/ss.err")"
		continue
	fi
	ss_set <"$TMP/ss.out" >"$TMP/ss.set"
	socks=$((socks + $(wc -l <"$TMP/ss.set")))
	[ "$have_sockscope" = 1 ] || { ok; continue; }
	# netlink, the expression as separate words
	if nsx "$SOCKSCOPE" -n -H --format=json "${words[@]}" >"$TMP/sc.json" 2>"$TMP/sc.err" &&
		scope_set <"$TMP/sc.json" >"$TMP/sc.set"; then
		compared=$((compared + 1))
		if cmp -s "$TMP/ss.set" "$TMP/sc.set"; then
			ok
		else
			bad "netlink '$e' differs from ss:"
			diff "$TMP/ss.set" "$TMP/sc.set" | sed 's/^/    /' >&2
		fi
	else
		bad "sockscope failed on '$e': $(head -3 "$TMP/sc.err")"
	fi
	# /proc, the expression as one word (the TUI's path)
	if [ -n "$e" ]; then
		pargs=("$e")
	else
		pargs=()
	fi
	if nsx "$SOCKSCOPE" -n -H --backend=proc --format=json "${pargs[@]}" >"$TMP/pr.json" 2>"$TMP/pr.err" &&
		scope_set <"$TMP/pr.json" >"$TMP/pr.set"; then
		compared=$((compared + 1))
		if cmp -s "$TMP/ss.set" "$TMP/pr.set"; then
			ok
		else
			bad "/proc '$e' differs from ss:"
			diff "$TMP/ss.set" "$TMP/pr.set" | sed 's/^/    /' >&2
		fi
	else
		bad "sockscope --backend=proc failed on '$e': $(head -3 "$TMP/pr.err")"
	fi
done
set +f

# Sanity: the population is what the expressions assume.
n_all=$(nsx ss -tanH state all | wc -l)
n_cw=$(nsx ss -tanH state close-wait | wc -l)
if [ "$n_all" -ge 30 ] && [ "$n_cw" = 3 ]; then ok; else bad "population: $n_all sockets, $n_cw CLOSE-WAIT"; fi

# Bad filters: exit status 2 and a caret under the offending token.
if [ "$have_sockscope" = 1 ]; then
	for e in "sport = :" "state foo" "( sport = :80" "dst example.com" "sport = :1 or"; do
		nsx "$SOCKSCOPE" -n -H "$e" >/dev/null 2>"$TMP/bad.err"
		rc=$?
		if [ "$rc" = 2 ] && grep -q '\^' "$TMP/bad.err"; then
			ok
		else
			bad "bad filter '$e': exit $rc, stderr: $(cat "$TMP/bad.err")"
		fi
	done
fi

echo "filter-ss: ${#EXPRS[@]} expressions, $compared comparisons with ss ($socks sockets in ss's answers)"
echo "filter-ss: $pass checks passed, $fail failed"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
