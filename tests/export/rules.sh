#!/bin/bash
# SPDX-License-Identifier: MIT
# The shipped alert rules: `promtool check rules` (syntax, and its lint),
# and `promtool test rules` on tests/export/alerts_test.yml, where every
# alert fires on a synthetic problem and stays quiet on a steady count.
. "$(dirname "$0")/../integration/lib.sh"
command -v promtool >/dev/null || skip "promtool not installed"
R=$SOURCE_ROOT/src/export/alerts.yml
out=$(promtool check rules "$R" 2>&1)
echo "$out" | sed 's/^/  /'
check "promtool check rules" promtool check rules "$R"
check "no lint warnings" test -z "$(grep -i warn <<<"$out")"
n=$(grep -c '^ *- alert:' "$R")
t=$(grep -o 'alertname: [A-Za-z]*' "$SOURCE_ROOT/tests/export/alerts_test.yml" | sort -u | wc -l)
echo "  $n alerts, $t with unit tests"
check "every alert has a unit test" test "$n" = "$t"
for a in $(grep -o 'alert: [A-Za-z]*' "$R" | cut -d' ' -f2); do
	check "$a has for, severity and a runbook" python3 - "$R" "$a" <<'E'
import sys, re
text = open(sys.argv[1]).read()
block = text.split("- alert: " + sys.argv[2] + "\n", 1)[1].split("- alert:", 1)[0]
assert re.search(r"^\s+for: \d+m$", block, re.M), "for"
assert re.search(r"severity: (warning|critical)", block), "severity"
assert "runbook:" in block, "runbook"
E
done
out=$(promtool test rules "$SOURCE_ROOT/tests/export/alerts_test.yml" 2>&1)
echo "$out" | sed 's/^/  /'
check "promtool test rules" grep -q SUCCESS <<<"$out"
finish
