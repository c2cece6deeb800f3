#!/bin/bash
# SPDX-License-Identifier: MIT
# TLS and authentication, differentially: the same web-config files are
# given to the exporter and to prometheus-node-exporter (the toolkit's
# reference behaviour), the same requests go to both, and every answer (an
# HTTP status, or "fail" when the handshake fails) must be the same.  Then:
# SIGHUP re-reads the certificates and users, a broken reload keeps the old
# ones, and a real Prometheus scrapes the exporter over TLS with basic auth.
. "$(dirname "$0")/lib.sh"
need curl openssl python3 prometheus-node-exporter
make_certs "$T" || { cat "$T/openssl.log"; exit 1; }
H=$(bcrypt pw)
H2=$(bcrypt pw2)
[ -n "$H" ] || skip "python3 crypt missing"

start_node() { # start_node NAME CONFIG: sets NADDR
	prometheus-node-exporter --web.config.file="$2" --web.listen-address=127.0.0.1:0 \
		--collector.disable-defaults >"$T/$1.node" 2>&1 &
	NPID=$!
	PIDS+=("$NPID")
	for _ in $(seq 100); do
		NADDR=$(grep -m1 -o 'msg="Listening on" address=[0-9.:]*' "$T/$1.node" | sed 's/.*address=//')
		[ -n "$NADDR" ] && return 0
		sleep 0.05
	done
	cat "$T/$1.node" >&2
	return 1
}

differ=0
# compare NAME CONFIG SCHEME "label|curl args" ...
compare() {
	local name=$1 cfg=$2 scheme=$3 req label args ours theirs
	shift 3
	start_driver "$name" --web.config.file="$cfg" || { bad "$name: driver did not start"; return; }
	start_node "$name" "$cfg" || { bad "$name: node_exporter did not start"; stop "$DPID"; return; }
	for req in "$@"; do
		label=${req%%|*}
		args=${req#*|}
		local s=$scheme
		[ "$label" = "plain HTTP to the TLS port" ] && s=http
		# shellcheck disable=SC2086
		ours=$(cd "$T" && code $args "$s://$ADDR/metrics")
		# shellcheck disable=SC2086
		theirs=$(cd "$T" && code $args "$s://$NADDR/metrics")
		printf '  %-28s %-34s sockscope %-5s node_exporter %s\n' "$name" "$label" "$ours" "$theirs"
		if [ "$ours" = "$theirs" ]; then ok; else bad "$name / $label: sockscope $ours, node_exporter $theirs"; differ=$((differ + 1)); fi
	done
	stop "$DPID"
	stop "$NPID"
}

C="--cacert ca.pem"
cat >"$T/auth.yml" <<E
tls_server_config:
  cert_file: server.pem
  key_file: server.key
basic_auth_users:
  alice: $H
  carol: $H2
E
compare tls+basic-auth "$T/auth.yml" https \
	"no credentials|$C" "right password|$C -u alice:pw" "second user|$C -u carol:pw2" \
	"wrong password|$C -u alice:nope" "other user's password|$C -u carol:pw" "unknown user|$C -u bob:pw" \
	"empty password|$C -u alice:" "untrusted server cert|-u alice:pw" "plain HTTP to the TLS port|-u alice:pw"

cat >"$T/plainauth.yml" <<E
basic_auth_users:
  alice: $H
E
compare basic-auth-no-tls "$T/plainauth.yml" http \
	"no credentials|" "right password|-u alice:pw" "wrong password|-u alice:x" "unknown user|-u bob:pw"

for ca in RequireAndVerifyClientCert VerifyClientCertIfGiven RequireAnyClientCert RequestClientCert NoClientCert; do
	cafile="  client_ca_file: ca.pem"
	[ "$ca" = NoClientCert ] && cafile=""
	cat >"$T/$ca.yml" <<E
tls_server_config:
  cert_file: server.pem
  key_file: server.key
  client_auth_type: $ca
$cafile
E
	compare "$ca" "$T/$ca.yml" https "no client cert|$C" "valid client cert|$C --cert client.pem --key client.key" \
		"expired client cert|$C --cert expired.pem --key client.key" \
		"client cert of another CA|$C --cert wrongca.pem --key client.key"
done

cat >"$T/both.yml" <<E
tls_server_config:
  cert_file: server.pem
  key_file: server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.pem
basic_auth_users:
  alice: $H
E
compare cert+basic-auth "$T/both.yml" https "cert, no password|$C --cert client.pem --key client.key" \
	"cert and password|$C --cert client.pem --key client.key -u alice:pw" "password, no cert|$C -u alice:pw" \
	"wrong CA and password|$C --cert wrongca.pem --key client.key -u alice:pw"

cat >"$T/tls13.yml" <<E
tls_server_config:
  cert_file: server.pem
  key_file: server.key
  min_version: TLS13
http_server_config:
  headers:
    X-Frame-Options: deny
    Strict-Transport-Security: max-age=31536000
E
compare tls13-only "$T/tls13.yml" https "TLS 1.3 client|$C" "TLS 1.2 client|$C --tls-max 1.2"
cat >"$T/tls12.yml" <<E
tls_server_config:
  cert_file: server.pem
  key_file: server.key
  max_version: TLS12
  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]
  curve_preferences: [CurveP256]
http_server_config:
  http2: false  # Go's HTTP/2 refuses to start without an AES-128-GCM suite
E
compare tls12-one-suite "$T/tls12.yml" https "TLS 1.2 client|$C" "TLS 1.3 only client|$C --tlsv1.3" \
	"suite offered|$C --ciphers ECDHE-ECDSA-AES256-GCM-SHA384" "suite not offered|$C --ciphers ECDHE-ECDSA-AES128-GCM-SHA256"

start_driver headers --web.config.file="$T/tls13.yml" || exit 1
h=$(cd "$T" && curl -s -D- -o /dev/null --cacert ca.pem "https://$ADDR/metrics" | tr -d '\r')
check "configured header X-Frame-Options sent" grep -qx 'X-Frame-Options: deny' <<<"$h"
check "configured header Strict-Transport-Security sent" grep -qx 'Strict-Transport-Security: max-age=31536000' <<<"$h"
h=$(cd "$T" && curl -s -D- -o /dev/null --cacert ca.pem "https://$ADDR/nope" | tr -d '\r')
check "headers on a 404 too" grep -qx 'X-Frame-Options: deny' <<<"$h"
stop "$DPID"
h=$(curl -s -D- -o /dev/null "http://127.0.0.1:1/" 2>/dev/null)
start_driver h401 --web.config.file="$T/auth.yml" || exit 1
h=$(cd "$T" && curl -s -D- -o /dev/null --cacert ca.pem "https://$ADDR/metrics" | tr -d '\r')
check "401 carries WWW-Authenticate: Basic" grep -qx 'WWW-Authenticate: Basic' <<<"$h"
check "auth comes before routing: /nope without credentials is 401" test "$(cd "$T" && code --cacert ca.pem "https://$ADDR/nope")" = 401

# SIGHUP: new server certificate and new users, served without a restart
fp() { openssl s_client -connect "$1" -CAfile "$T/ca.pem" </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256; }
before=$(fp "$ADDR")
(cd "$T" && openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server2.key -out server2.csr -subj /CN=127.0.0.1 &&
	openssl x509 -req -in server2.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile server.ext -out server2.pem) >>"$T/openssl.log" 2>&1
cp "$T/server2.pem" "$T/server.pem"
cp "$T/server2.key" "$T/server.key"
sed -i "s|carol: .*|dave: $H2|" "$T/auth.yml"
kill -HUP "$DPID"
sleep 0.5
after=$(fp "$ADDR")
check "SIGHUP: the new certificate is served" test -n "$after" -a "$before" != "$after"
check "SIGHUP: a new user works" test "$(cd "$T" && code --cacert ca.pem -u dave:pw2 "https://$ADDR/metrics")" = 200
check "SIGHUP: a removed user is refused" test "$(cd "$T" && code --cacert ca.pem -u carol:pw2 "https://$ADDR/metrics")" = 401
check "SIGHUP logged" grep -q 'reloaded the web configuration' "$T/h401.out"
echo 'tls_server_config: {cert_file: server.pem, key_file: missing.key}' >"$T/auth.yml"
kill -HUP "$DPID"
sleep 0.5
check "a broken reload is reported" grep -q 'reload failed: .*missing.key' "$T/h401.out"
check "and the old configuration keeps serving" test "$(cd "$T" && code --cacert ca.pem -u dave:pw2 "https://$ADDR/metrics")" = 200
stop "$DPID"
"$EXPORTER_DRIVER" --web.config.file="$T/auth.yml" >/dev/null 2>"$T/err"
check "a missing key file stops the start with a message" grep -q 'missing.key' "$T/err"

# 2000 new TLS connections with basic auth: bcrypt once (cache), RSS flat (no session leak)
printf 'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\nbasic_auth_users:\n  alice: %s\n' "$H" >"$T/churn.yml"
start_driver churn --web.config.file="$T/churn.yml" || exit 1
python3 "$(dirname "$0")/hostile.py" 127.0.0.1 "${ADDR##*:}" tls 300 "$T/ca.pem" alice pw >/dev/null
r1=$(rss_kib "$DPID")
t0=$(date +%s.%N)
out=$(python3 "$(dirname "$0")/hostile.py" 127.0.0.1 "${ADDR##*:}" tls 2000 "$T/ca.pem" alice pw)
t1=$(date +%s.%N)
r2=$(rss_kib "$DPID")
echo "  2000 TLS connections with basic auth: $out in $(echo "$t1 - $t0" | bc 2>/dev/null || echo '?') s; RSS $r1 -> $r2 KiB"
check "2000 TLS scrapes answered" test "$out" = "ok 2000"
sanitized || check "RSS flat over 2000 TLS connections (growth $((r2 - r1)) KiB <= 512)" test $((r2 - r1)) -le 512
stop "$DPID"

# a real Prometheus scrapes it over TLS with basic auth
if command -v prometheus >/dev/null; then
	sed -i "s|^.*||" "$T/auth.yml"
	printf 'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\nbasic_auth_users:\n  alice: %s\n' "$H" >"$T/auth.yml"
	start_driver prom --web.config.file="$T/auth.yml" || exit 1
	echo pw >"$T/pw"
	cat >"$T/prom.yml" <<E
global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs:
  - job_name: sockscope
    scheme: https
    tls_config: {ca_file: $T/ca.pem}
    basic_auth: {username: alice, password_file: $T/pw}
    static_configs: [{targets: ['$ADDR']}]
E
	prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/tsdb" --web.listen-address=127.0.0.1:0 >"$T/prom.log" 2>&1 &
	PPID_=$!
	PIDS+=("$PPID_")
	up=""
	for _ in $(seq 60); do
		PADDR=$(grep -m1 -o 'msg="Listening on" address=[0-9.:]*' "$T/prom.log" | sed 's/.*address=//')
		if [ -n "$PADDR" ]; then
			up=$(curl -s "http://$PADDR/api/v1/query?query=up" | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null)
			[ "$up" = 1 ] && break
		fi
		sleep 0.5
	done
	echo "  Prometheus scraping over TLS + basic auth: up=$up"
	check "Prometheus: target up over TLS with basic auth" test "$up" = 1
	to=$(curl -s "http://$PADDR/api/v1/query?query=sockscope_test_timeout_seconds" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["result"][0]["value"][1])' 2>/dev/null)
	check "Prometheus's 1 s timeout header reached the collector as 0.5 s ($to)" test "$to" = 0.5
	stop "$PPID_"
	stop "$DPID"
fi
echo "answers differing from node_exporter: $differ"
finish_export
