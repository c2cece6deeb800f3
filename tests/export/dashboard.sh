#!/bin/bash
# SPDX-License-Identifier: MIT
# The shipped Grafana dashboard: its JSON model (schemaVersion, fixed uid,
# the datasource/job/instance variables, every panel and target on
# ${datasource}), then every query run against a real Prometheus scraping
# exporter-driver --full (every family the exporter emits) on 127.0.0.1:
# each must succeed and return data.
. "$(dirname "$0")/../integration/lib.sh"
command -v python3 >/dev/null || skip "python3 not installed"
D=$SOURCE_ROOT/src/export/dashboard.json
check "dashboard model" python3 - "$D" <<'E'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schemaVersion"] >= 39 and d["uid"] == "sockscope-exporter"
names = [v["name"] for v in d["templating"]["list"]]
assert {"datasource", "job", "instance"} <= set(names), names
for p in d["panels"]:
    if p["type"] == "row":
        continue
    assert p["datasource"]["uid"] == "${datasource}", p["title"]
    assert p["targets"], p["title"]
    for t in p["targets"]:
        assert t["datasource"]["uid"] == "${datasource}" and t["expr"], p["title"]
        assert '$job' in t["expr"] and '$instance' in t["expr"], p["title"]
E
[ -n "$EXPORTER_DRIVER" ] && [ -x "$EXPORTER_DRIVER" ] || { finish; exit; }
command -v prometheus >/dev/null || { echo "prometheus not installed: queries not run"; finish; exit; }
T=$(mktemp -d)
"$EXPORTER_DRIVER" --full >"$T/d.out" 2>&1 &
DPID=$!
trap 'kill $DPID $PPID_ 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do grep -q listening "$T/d.out" && break; sleep 0.1; done
ADDR=$(grep -m1 -o 'listening on [^ ]*' "$T/d.out" | cut -d' ' -f3)
cat >"$T/p.yml" <<E
global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs: [{job_name: sockscope, static_configs: [{targets: ['$ADDR']}]}]
E
prometheus --config.file="$T/p.yml" --storage.tsdb.path="$T/db" --web.listen-address=127.0.0.1:0 >"$T/p.log" 2>&1 &
PPID_=$!
for _ in $(seq 60); do
	PADDR=$(grep -m1 -o 'msg="Listening on" address=[0-9.:]*' "$T/p.log" | sed 's/.*address=//')
	[ -n "$PADDR" ] && curl -s "http://$PADDR/api/v1/query?query=count_over_time(sockscope_up[1m])" | grep -q '"value":\[[0-9.]*,"[3-9]' && break
	sleep 0.5
done
out=$(python3 - "$D" "$PADDR" "$ADDR" <<'E'
import json, sys, urllib.parse, urllib.request
d = json.load(open(sys.argv[1]))
bad = n = 0
for p in d["panels"]:
    for t in p.get("targets", []):
        e = t["expr"].replace("$job", "sockscope").replace("$instance", sys.argv[3]).replace("$__rate_interval", "1m")
        r = json.load(urllib.request.urlopen("http://%s/api/v1/query?query=%s" % (sys.argv[2], urllib.parse.quote(e))))
        n += 1
        if r["status"] != "success" or not r["data"]["result"]:
            bad += 1
            print("EMPTY: %s: %s" % (p["title"], e))
for v in d["templating"]["list"]:
    q = v.get("definition")
    if q:
        inner = q[len("label_values("):-1].rsplit(",", 1)
        sel = inner[0].replace("$job", "sockscope")
        r = json.load(urllib.request.urlopen("http://%s/api/v1/series?match[]=%s" % (sys.argv[2], urllib.parse.quote(sel))))
        n += 1
        if not r["data"]:
            bad += 1
            print("EMPTY variable: %s" % q)
print("queries %d empty %d" % (n, bad))
E
)
echo "$out" | sed 's/^/  /'
check "every dashboard query returns data" grep -q 'empty 0$' <<<"$out"
finish
