#!/bin/bash
# SPDX-License-Identifier: MIT
# The sample web-config files of tests/export/webconfig, with the
# certificates they name made at test time: every file in good/ is accepted
# by the exporter (parsed and its certificates loaded) AND by `promtool check
# web-config`; every file in bad/ is refused by the exporter with a one-line
# message.  What promtool says of the bad ones is shown: where it accepts a
# file the exporter refuses, the exporter is stricter on purpose.
. "$(dirname "$0")/lib.sh"
need promtool openssl python3
make_certs "$T" || { cat "$T/openssl.log"; exit 1; }
S=$(dirname "$0")/webconfig
mkdir -p "$T/sub"
nacc=0
for f in "$S"/good/*.yml; do
	n=${f##*/}
	cp "$f" "$T/$n"
	if "$EXPORTER_DRIVER" --check-config="$T/$n" 2>"$T/err"; then ok; else bad "good/$n refused: $(cat "$T/err")"; fi
	if promtool check web-config "$T/$n" >"$T/perr" 2>&1; then ok; nacc=$((nacc + 1)); else bad "promtool refuses good/$n: $(cat "$T/perr")"; fi
done
echo "  good samples accepted by both: $nacc of $(ls "$S"/good/*.yml | wc -l)"
stricter=0
for f in "$S"/bad/*.yml; do
	n=${f##*/}
	cp "$f" "$T/$n"
	"$EXPORTER_DRIVER" --check-config="$T/$n" 2>"$T/err"
	rc=$?
	if [ "$rc" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ]; then ok; else bad "bad/$n: exit $rc, message: $(cat "$T/err")"; fi
	if promtool check web-config "$T/$n" >/dev/null 2>&1; then
		p="promtool accepts (sockscope stricter)"
		stricter=$((stricter + 1))
	else
		p="promtool refuses too"
	fi
	printf '  %-40s %s | %s\n' "$n" "$(head -c 110 "$T/err")" "$p"
done
echo "  bad samples promtool accepts but sockscope refuses: $stricter"
finish
