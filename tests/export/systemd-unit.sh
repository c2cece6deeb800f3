#!/bin/bash
# SPDX-License-Identifier: MIT
# The shipped systemd unit: `systemd-analyze security --offline=yes` scores
# it (the exposure is printed; it must stay below 4.0, "OK"), and the
# settings the exporter relies on are present: a non-root user, exactly
# the two capabilities, the address families it needs, no PrivateUsers.
. "$(dirname "$0")/../integration/lib.sh"
U=$SOURCE_ROOT/src/export/sockscope-exporter.service
for k in DynamicUser=yes NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes \
	'AmbientCapabilities=CAP_SYS_PTRACE CAP_DAC_READ_SEARCH' 'CapabilityBoundingSet=CAP_SYS_PTRACE CAP_DAC_READ_SEARCH' \
	'RestrictAddressFamilies=AF_INET AF_INET6 AF_NETLINK AF_UNIX' 'SystemCallFilter=@system-service' \
	'ExecReload=/bin/kill -HUP $MAINPID'; do
	check "unit sets $k" grep -qxF "$k" "$U"
done
check "unit does not set PrivateUsers (capabilities must reach host processes)" sh -c "! grep -q '^PrivateUsers=' '$U'"
check "the socket unit listens" grep -q '^ListenStream=' "$SOURCE_ROOT/src/export/sockscope-exporter.socket"
command -v systemd-analyze >/dev/null || { echo "systemd-analyze missing: exposure not measured"; finish; exit; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cp "$U" "$T/"
out=$(cd "$T" && systemd-analyze security --offline=yes --no-pager "$T/sockscope-exporter.service" 2>&1)
rc=$?
exposure=$(grep -o 'Overall exposure level for [^:]*: [0-9.]*' <<<"$out" | awk '{print $NF}')
echo "$out" | grep -E '✗|Overall' | sed 's/^/  /'
if [ -z "$exposure" ] && grep -qi 'unrecognized option\|unknown option' <<<"$out"; then
	echo "systemd-analyze has no --offline: exposure not measured"
	finish
	exit
fi
echo "  exposure: $exposure (rc $rc)"
check "exposure measured" test -n "$exposure"
check "exposure below 4.0 ($exposure)" awk -v e="$exposure" 'BEGIN {exit !(e + 0 < 4.0)}'
if command -v systemd-analyze >/dev/null; then
	v=$(cd "$T" && systemd-analyze verify --man=no "$T/sockscope-exporter.service" 2>&1 | grep -v 'sockscope: \|Command .* is not executable\|No such file' || true)
	[ -n "$v" ] && echo "  verify: $v"
fi
finish
