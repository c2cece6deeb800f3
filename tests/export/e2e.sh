#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `sockscope exporter` end to end: CLOSE-WAIT sockets made in a private
# namespace, the exporter reading that namespace (-N -p), and a real
# Prometheus on 127.0.0.1 scraping it, first in plain HTTP, then over TLS
# with basic auth; the target is up and a query returns the CLOSE-WAIT count
# the test made, per process too.  Then the exporter run under setpriv as
# nobody with exactly the systemd unit's capabilities still names the owners;
# and its flags and web config are checked at start.
set -uo pipefail
EXPORTER_DRIVER=${EXPORTER_DRIVER:-/bin/true}
. "$(dirname "$0")/lib.sh"
need_root
need ip curl python3 openssl
S=$SOCKSCOPE
NS=sockscope-exp-$$
ip netns add "$NS" || skip "cannot create a network namespace"
PIDS_NS=()
cleanup_ns() {
	for p in "${PIDS_NS[@]}"; do kill "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	cleanup
}
trap cleanup_ns EXIT
ip -n "$NS" link set lo up

# N CLOSE-WAIT sockets: clients connect and close, the server never closes
N=7
ip netns exec "$NS" python3 -c "
import socket, time
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(('127.0.0.1', 7300)); l.listen(64)
cs = [socket.create_connection(('127.0.0.1', 7300)) for _ in range($N)]
ss = [l.accept()[0] for _ in range($N)]
for c in cs: c.close()
open('$T/ready', 'w').close()
time.sleep(600)" &
PIDS_NS+=($!)
for _ in $(seq 50); do [ -f "$T/ready" ] && break; sleep 0.1; done
check "fixture ready" test -f "$T/ready"
check "the namespace holds $N CLOSE-WAIT sockets" \
	test "$("$S" -N "$NS" -H --no-legend state close-wait | wc -l)" = "$N"

# start_exporter NAME ARGS...: sets EADDR, EPID
start_exporter() {
	local name=$1
	shift
	"$@" >"$T/$name.out" 2>"$T/$name.err" &
	EPID=$!
	PIDS_NS+=("$EPID")
	for _ in $(seq 100); do
		EADDR=$(grep -m1 -o 'listening on [^ ]*' "$T/$name.err" 2>/dev/null | cut -d' ' -f3)
		[ -n "$EADDR" ] && return 0
		kill -0 "$EPID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$T/$name.err" >&2
	return 1
}

start_exporter plain "$S" exporter -N "$NS" -p --web.listen-address=127.0.0.1:0 || bad "exporter started"
curl -s "http://$EADDR/metrics" >"$T/m1.txt"
check "metrics: CLOSE-WAIT count" grep -qx "sockscope_sockets{netid=\"tcp\",family=\"inet\",state=\"CLOSE-WAIT\"} $N" "$T/m1.txt"
check "metrics: per process" grep -qx "sockscope_close_wait_by_process{comm=\"python3\",pid=\"[0-9]*\"} $N" "$T/m1.txt"
check "metrics: check's status is a number" grep -qx 'sockscope_check_status [0-3]' "$T/m1.txt"
check "metrics: kernel limits" grep -q '^sockscope_kernel_limit{name="local_port_range_size"} [0-9]' "$T/m1.txt"
check "metrics: zeros included" grep -qx 'sockscope_sockets{netid="tcp",family="inet6",state="SYN-SENT"} 0' "$T/m1.txt"
check "metrics: owners in time" grep -qx 'sockscope_collector_success{collector="owners"} 1' "$T/m1.txt"
check "content type" sh -c "curl -sI 'http://$EADDR/metrics' | grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8'"
if command -v promtool >/dev/null; then
	check "promtool check metrics" sh -c "promtool check metrics <'$T/m1.txt'"
fi

# a real Prometheus: plain HTTP, then TLS with basic auth
prom_query() { # prom_query PADDR EXPR -> the first value
	curl -s "http://$1/api/v1/query" --data-urlencode "query=$2" |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}
run_prometheus() { # run_prometheus NAME TARGET [SCHEME-YAML]: sets PADDR, waits for 2 scrapes
	local name=$1 target=$2 extra=${3:-}
	cat >"$T/$name.yml" <<E
global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs:
  - job_name: sockscope
    static_configs: [{targets: ['$target']}]
$extra
E
	prometheus --config.file="$T/$name.yml" --storage.tsdb.path="$T/$name.db" \
		--web.listen-address=127.0.0.1:0 >"$T/$name.log" 2>&1 &
	PIDS_NS+=($!)
	PADDR=
	for _ in $(seq 80); do
		PADDR=$(grep -m1 -o 'msg="Listening on" address=[0-9.:]*' "$T/$name.log" | sed 's/.*address=//')
		if [ -n "$PADDR" ] && [ "$(prom_query "$PADDR" 'count_over_time(up{job="sockscope"}[1m])')" \> 1 ]; then
			return 0
		fi
		sleep 0.5
	done
	return 1
}
if command -v prometheus >/dev/null; then
	run_prometheus p1 "$EADDR" || bad "prometheus scraped the exporter"
	check "prometheus: target up" test "$(prom_query "$PADDR" 'up{job="sockscope"}')" = 1
	v=$(prom_query "$PADDR" 'sum(sockscope_sockets{netid="tcp",state="CLOSE-WAIT"})')
	check "prometheus: CLOSE-WAIT = $N (got $v)" test "$v" = "$N"
	stop "$EPID"

	make_certs "$T" >/dev/null 2>&1 || bad "certificates"
	H=$(bcrypt secret)
	cat >"$T/web.yml" <<E
tls_server_config:
  cert_file: $T/server.pem
  key_file: $T/server.key
basic_auth_users:
  prom: '$H'
E
	start_exporter tls "$S" exporter -N "$NS" --web.listen-address=127.0.0.1:0 --web.config.file="$T/web.yml" ||
		bad "TLS exporter started"
	check "TLS: no credentials, 401" test "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca.pem" "https://$EADDR/metrics")" = 401
	check "TLS: right credentials, 200" test "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca.pem" -u prom:secret "https://$EADDR/metrics")" = 200
	run_prometheus p2 "$EADDR" "    scheme: https
    tls_config: {ca_file: $T/ca.pem}
    basic_auth: {username: prom, password: secret}" || bad "prometheus scraped over TLS"
	check "prometheus over TLS + basic auth: target up" test "$(prom_query "$PADDR" 'up{job="sockscope"}')" = 1
	v=$(prom_query "$PADDR" 'sum(sockscope_sockets{netid="tcp",state="CLOSE-WAIT"})')
	check "prometheus over TLS: CLOSE-WAIT = $N (got $v)" test "$v" = "$N"
	stop "$EPID"
else
	echo "note: prometheus not installed: the scrape checks did not run"
fi

# the unit's capabilities are enough to name owners, as nobody (host namespace)
if command -v setpriv >/dev/null; then
	python3 -c "
import socket, time
l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(8); p = l.getsockname()[1]
cs = [socket.create_connection(('127.0.0.1', p)) for _ in range(3)]
ss = [l.accept()[0] for _ in range(3)]
for c in cs: c.close()
open('$T/ready2', 'w').write(str(p))
time.sleep(600)" &
	PIDS_NS+=($!)
	for _ in $(seq 50); do [ -s "$T/ready2" ] && break; sleep 0.1; done
	port=$(cat "$T/ready2")
	caps=$(sed -n 's/^AmbientCapabilities=//p' "$SOURCE_ROOT/src/export/sockscope-exporter.service" | tr 'A-Z ' 'a-z,' |
		sed 's/cap_/+/g')
	start_exporter priv setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps="$caps" --ambient-caps="$caps" \
		"$S" exporter -p --web.listen-address=127.0.0.1:0 "sport = :$port" || bad "exporter as nobody started"
	curl -s "http://$EADDR/metrics" >"$T/m3.txt"
	check "as nobody with $caps: owners named" grep -qx 'sockscope_close_wait_by_process{comm="python3",pid="[0-9]*"} 3' "$T/m3.txt"
	stop "$EPID"
fi

# refused at start, one line each: a bad web config, a bad filter, a bad flag
"$S" exporter --web.config.file="$T/none.yml" >/dev/null 2>"$T/e1"
check "missing web config: exit 2" test $? = 2
check "missing web config: one line" test "$(wc -l <"$T/e1")" = 1
"$S" exporter 'sport = :x' >/dev/null 2>"$T/e2"
check "bad filter: exit 2" test $? = 2
"$S" exporter --web.max-connections=0 >/dev/null 2>"$T/e3"
check "bad max connections: exit 2" test $? = 2
finish
