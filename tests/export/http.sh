#!/bin/bash
# SPDX-License-Identifier: MIT
# The exporter's HTTP surface over plain HTTP on 127.0.0.1 and ::1: the
# exact Content-Type, the landing page, 404, 405 with Allow, HEAD, the
# telemetry path option, keep-alive, the scrape-timeout header, a failing
# collection (500), 50 concurrent scrapes sharing one collection, listen
# address forms and errors, and systemd socket activation.
. "$(dirname "$0")/lib.sh"
need curl python3

start_driver plain --web.listen-address=127.0.0.1:0 || exit 1
U=http://$ADDR
hdr=$(curl -s -D- -o "$T/body" "$U/metrics" | tr -d '\r')
check "content type is byte-exact" grep -qx 'Content-Type: text/plain; version=0.0.4; charset=utf-8' <<<"$hdr"
check "status 200" grep -q '^HTTP/1.1 200' <<<"$hdr"
check "body has the fake exposition" grep -q '^sockscope_test_collections_total 1$' "$T/body"
if command -v promtool >/dev/null; then
	check "promtool check metrics accepts the body" promtool check metrics <"$T/body"
fi
check "/ is 200" test "$(code "$U/")" = 200
check "/ is HTML linking the telemetry path" sh -c "curl -s '$U/' | grep -q 'href=\"/metrics\"'"
check "/ content type" sh -c "curl -s -D- -o /dev/null '$U/' | grep -qi '^content-type: text/html; charset=utf-8'"
for p in /nope /metrics/ /metricsx /index.html //metrics /%2e%2e/etc/passwd; do
	check "$p is 404" test "$(code "$U$p")" = 404
done
check "a query string is ignored" test "$(code "$U/metrics?x=1&y")" = 200
for m in POST PUT DELETE OPTIONS PATCH BREW; do
	check "$m /metrics is 405" test "$(code -X "$m" "$U/metrics")" = 405
	check "$m / is 405" test "$(code -X "$m" "$U/")" = 405
done
check "POST /nope is 404" test "$(code -X POST "$U/nope")" = 404
check "405 says Allow: GET, HEAD" sh -c "curl -s -D- -o /dev/null -X POST '$U/metrics' | tr -d '\r' | grep -qx 'Allow: GET, HEAD'"
head=$(curl -s -I "$U/metrics" | tr -d '\r')
check "HEAD /metrics is 200" grep -q '^HTTP/1.1 200' <<<"$head"
check "HEAD carries the content type" grep -qx 'Content-Type: text/plain; version=0.0.4; charset=utf-8' <<<"$head"
check "HEAD has no body" test "$(curl -s -I "$U/metrics" | tr -d '\r' | sed '1,/^$/d' | wc -c)" = 0
check "keep-alive: curl re-uses the connection" sh -c "curl -sv '$U/metrics' '$U/metrics' -o /dev/null -o /dev/null 2>&1 | grep -q 'Re-using existing connection'"
to=$(curl -s -H 'X-Prometheus-Scrape-Timeout-Seconds: 4' "$U/metrics" | awk '/^sockscope_test_timeout_seconds/ {print $2}')
check "timeout header minus 0.5 s reaches the collector ($to)" test "$to" = 3.500
to=$(curl -s -H 'X-Prometheus-Scrape-Timeout-Seconds: nonsense' "$U/metrics" | awk '/^sockscope_test_timeout_seconds/ {print $2}')
check "a bad timeout header falls back to the default ($to)" test "$to" = 9.500
stop "$DPID"

# 10,000 scrapes: RSS flat and small (the issue's bound is 16 MiB for the whole exporter)
start_driver many --web.listen-address=127.0.0.1:0 || exit 1
P=${ADDR##*:}
python3 "$(dirname "$0")/hostile.py" 127.0.0.1 "$P" scrape 1000 >/dev/null
r1=$(rss_kib "$DPID")
out=$(python3 "$(dirname "$0")/hostile.py" 127.0.0.1 "$P" scrape 10000)
r2=$(rss_kib "$DPID")
echo "10000 keep-alive scrapes: $out; RSS $r1 -> $r2 KiB"
check "10000 scrapes answered" test "$out" = "ok 10000"
if ! sanitized; then
	check "RSS flat over 10000 scrapes (growth $((r2 - r1)) KiB <= 256)" test $((r2 - r1)) -le 256
	check "RSS under 16 MiB ($r2 KiB)" test "$r2" -le 16384
fi
stop "$DPID"

# one collection for 50 concurrent scrapes
start_driver slow --web.listen-address=127.0.0.1:0 --collect-delay=2000 || exit 1
for i in $(seq 50); do
	curl -s --max-time 20 "http://$ADDR/metrics" -o "$T/c$i" &
done
wait $(jobs -p | grep -v "^$DPID\$") 2>/dev/null
vals=$(cat "$T"/c* | awk '/^sockscope_test_collections_total/ {print $2}' | sort | uniq -c)
n=$(awk '/^sockscope_test_collections_total/' "$T"/c* | wc -l)
echo "50 concurrent scrapes: $n answered; collections seen: $(echo $vals)"
check "all 50 scrapes answered" test "$n" = 50
check "50 concurrent scrapes cost one collection" test "$(echo "$vals" | wc -l)" = 1
stop "$DPID"
check "driver counted exactly one collection" grep -q 'stopped after 1 collections' "$T/slow.out"

# SIGTERM while a scrape waits for its collection: the scrape is still answered
start_driver graceful --web.listen-address=127.0.0.1:0 --collect-delay=1000 || exit 1
curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://$ADDR/metrics" >"$T/graceful" &
cpid=$!
sleep 0.4
stop "$DPID"
wait "$cpid"
check "a scrape in flight at SIGTERM is answered ($(cat "$T/graceful"))" test "$(cat "$T/graceful")" = 200
check "the port is closed after the stop" test "$(code "http://$ADDR/metrics")" = fail

start_driver failing --web.listen-address=127.0.0.1:0 --fail || exit 1
check "a failing collection is a 500" test "$(code "http://$ADDR/metrics")" = 500
stop "$DPID"

start_driver path --web.listen-address=127.0.0.1:0 --web.telemetry-path=/probe || exit 1
check "--web.telemetry-path serves there" test "$(code "http://$ADDR/probe")" = 200
check "and /metrics is then 404" test "$(code "http://$ADDR/metrics")" = 404
check "the landing page links it" sh -c "curl -s 'http://$ADDR/' | grep -q 'href=\"/probe\"'"
stop "$DPID"

if [ -e /proc/net/if_inet6 ] && python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
	start_driver v6 --web.listen-address=[::1]:0 --web.listen-address=127.0.0.1:0 || exit 1
	a6=$(grep -o 'listening on \[::1\]:[0-9]*' "$T/v6.out" | cut -d' ' -f3)
	a4=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$T/v6.out" | cut -d' ' -f3)
	check "[::1]:port serves" test "$(code -g "http://$a6/metrics")" = 200
	check "a second address serves too" test "$(code "http://$a4/metrics")" = 200
	stop "$DPID"
	start_driver any --web.listen-address=:0 || exit 1
	port=${ADDR##*:}
	check ":port serves IPv4" test "$(code "http://127.0.0.1:$port/metrics")" = 200
	check ":port serves IPv6" test "$(code -g "http://[::1]:$port/metrics")" = 200
	stop "$DPID"
fi

for a in 127.0.0.1 ::1:80 '[::1' 127.0.0.1:99999 127.0.0.1:x host.invalid.:9; do
	"$EXPORTER_DRIVER" --web.listen-address="$a" >/dev/null 2>"$T/err"
	rc=$?
	check "bad listen address '$a' is refused with a message" test "$rc" = 1 -a -s "$T/err"
done
"$EXPORTER_DRIVER" --web.telemetry-path=metrics >/dev/null 2>"$T/err"
check "a telemetry path without / is refused" test $? = 1

# systemd socket activation: python holds a listening socket on fd 3 and execs the driver
python3 - "$EXPORTER_DRIVER" "$T/sd.port" >"$T/sd.out" 2>&1 <<'E' &
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[2], "w").write(str(s.getsockname()[1]))
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
env = dict(os.environ, LISTEN_PID=str(os.getpid()), LISTEN_FDS="1")
os.execve(sys.argv[1], [sys.argv[1], "--web.systemd-socket"], env)
E
SDPID=$!
PIDS+=("$SDPID")
for i in $(seq 50); do [ -s "$T/sd.port" ] && grep -q listening "$T/sd.out" && break; sleep 0.1; done
check "socket activation: serves on the inherited fd" test "$(code "http://127.0.0.1:$(cat "$T/sd.port")/metrics")" = 200
stop "$SDPID"
LISTEN_PID=1 LISTEN_FDS=1 "$EXPORTER_DRIVER" --web.systemd-socket >/dev/null 2>"$T/err"
check "socket activation for another pid is refused" grep -q 'no socket activation' "$T/err"
finish_export
