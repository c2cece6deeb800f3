#!/bin/bash
# SPDX-License-Identifier: MIT
# Hostile clients against the exporter (on 127.0.0.1 only): malformed and
# oversized requests, slowloris, idle floods past the connection limit, 200
# parallel scrapes, clients resetting mid-response.  After each, a normal
# scrape must still succeed; the driver's RSS must stay flat across three
# rounds of all of it (the growth after the first round is the measure).
. "$(dirname "$0")/lib.sh"
need python3
H="python3 $(dirname "$0")/hostile.py 127.0.0.1"

start_driver hostile --web.listen-address=127.0.0.1:0 --web.timeout=3 --web.max-connections=64 || exit 1
P=${ADDR##*:}
good() { $H "$P" scrape 3 | grep -q 'ok 3'; }
check "serves before" good
$H "$P" scrape 300 >/dev/null

round() {
	local r=$1 out
	out=$($H "$P" raw)
	[ "$r" = 1 ] && echo "$out" | sed 's/^/  /'
	check "round $r: request line of 100 KiB refused (414)" grep -q 'request line 100 KiB *-> 414' <<<"$out"
	check "round $r: a 20 KiB header refused (431)" grep -q 'one header of 20 KiB *-> 431' <<<"$out"
	check "round $r: 300 headers refused (431)" grep -q '300 headers *-> 431' <<<"$out"
	check "round $r: a huge Content-Length refused (413)" grep -q 'huge Content-Length *-> 413' <<<"$out"
	check "round $r: HTTP/9.9 refused (505)" grep -q 'HTTP/9.9 *-> 505' <<<"$out"
	check "round $r: garbage is a 400" grep -q 'binary garbage *-> 400' <<<"$out"
	check "round $r: serves after malformed requests" good

	out=$($H "$P" slowloris 40 8)
	echo "  round $r: slowloris (40 connections, a byte a second): $out"
	check "round $r: slowloris connections all cut within the 3 s deadline (+1)" \
		awk '{exit !($2 == 40 && $6 <= 4.5)}' <<<"$out"
	check "round $r: serves after slowloris" good

	$H "$P" idle 200 6 >"$T/idle" &
	local ip=$!
	sleep 4.5
	check "round $r: serves while 200 idle connections are held (cut at the deadline)" good
	wait "$ip"
	echo "  round $r: 200 idle connections, limit 64: $(cat "$T/idle")"

	out=$($H "$P" parallel 50)
	check "round $r: 50 parallel scrapes under the limit all answered ($out)" grep -q 'ok 50 fail 0' <<<"$out"
	$H "$P" scrape 300 >/dev/null
}

round 1
rss1=$(rss_kib "$DPID")
round 2
round 3
rss3=$(rss_kib "$DPID")
echo "  RSS after round 1: $rss1 KiB, after round 3: $rss3 KiB"
if sanitized; then
	echo "  (sanitizer build: ASan's quarantine grows RSS by design; the RSS checks are informational)"
else
	check "RSS flat over rounds 2-3 (growth $((rss3 - rss1)) KiB <= 1024)" test $((rss3 - rss1)) -le 1024
fi
stop "$DPID"

# 200 parallel scrapes with room for them: one or two collections, every one answered
start_driver wide --web.listen-address=127.0.0.1:0 --web.max-connections=256 --collect-delay=500 || exit 1
out=$($H "${ADDR##*:}" parallel 200)
echo "  200 parallel scrapes, limit 256: $out"
check "200 parallel scrapes all answered" grep -q 'ok 200 fail 0' <<<"$out"
stop "$DPID"
check "200 parallel scrapes took at most 2 collections" grep -Eq 'stopped after [12] collections' "$T/wide.out"

# 200 parallel scrapes against the default limit: the extra ones are refused, the server survives
start_driver narrow --web.listen-address=127.0.0.1:0 --collect-delay=500 || exit 1
out=$($H "${ADDR##*:}" parallel 200)
echo "  200 parallel scrapes, limit 64: $out"
P=${ADDR##*:}
check "over the limit: the server still serves" good
stop "$DPID"

# clients that reset the connection mid-response (a 4 MB body)
start_driver big --web.listen-address=127.0.0.1:0 --body-size=4000000 || exit 1
P=${ADDR##*:}
$H "$P" disconnect 100 >/dev/null
rssa=$(rss_kib "$DPID")
out=$($H "$P" disconnect 200)
rssb=$(rss_kib "$DPID")
echo "  200 resets mid-response after 100: $out; RSS $rssa -> $rssb KiB"
check "serves after resets mid-response" good
# the driver mmaps big bodies (M_MMAP_THRESHOLD), so nothing of them stays cached
sanitized || check "RSS flat over 200 resets mid-response (growth $((rssb - rssa)) KiB <= 1024)" test $((rssb - rssa)) -le 1024
stop "$DPID"
finish_export
