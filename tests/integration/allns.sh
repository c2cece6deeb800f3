#!/bin/bash
# SPDX-License-Identifier: MIT
# sockscope --all-netns end to end (issue 13): 100+ namespaces made here
# (held by processes, by `ip netns` mounts), TCP listeners and connections and
# UDP sockets in each; every socket found exactly once with the right netns;
# a TIME-WAIT in a namespace whose processes exited; the privilege matrix;
# real cgroups (a fake docker-<id>.scope and a kubepods pod scope) named
# through a host tree given by --host-root.  Needs root (77 otherwise).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_root
: "${NSHOLDER:?}"
for c in ip unshare setpriv stat jq python3; do command -v $c >/dev/null || skip "$c not installed"; done
unshare -n true 2>/dev/null || skip "cannot unshare a network namespace"

tag=ssa$$
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockscope-allns.$$.XXXXXX")
chmod 0755 "$tmp"
pids=()
netns=()
cgdirs=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for n in "${netns[@]}"; do ip netns del "$n" 2>/dev/null; done
	for ((k = ${#cgdirs[@]} - 1; k >= 0; k--)); do rmdir "${cgdirs[k]}" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
wait_ready() { for _ in $(seq 100); do grep -q '^ready' "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }

# a server in a namespace: TCP listeners, one established pair, UDP sockets
cat >"$tmp/srv.py" <<'PY'
import socket, sys, time
ls = []
for _ in range(2):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8); ls.append(s)
c = socket.create_connection(ls[0].getsockname()); a, _ = ls[0].accept()
us = []
for _ in range(2):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0)); us.append(u)
print("ready", flush=True)
time.sleep(600)
PY
# per namespace: 2 LISTEN + 2 ESTABLISHED (tcp), 2 UNCONN (udp)
declare -A want_tcp want_udp
start=$(date +%s)
for i in $(seq 0 59); do # process-held
	unshare -n sh -c 'ip link set lo up && exec python3 "$0"' "$tmp/srv.py" >"$tmp/p$i" &
	pids+=($!)
done
for i in $(seq 0 49); do # mount-held, with a process inside
	name=$tag-m$i
	ip netns add "$name" || { bad "ip netns add $name"; continue; }
	netns+=("$name")
	ip -n "$name" link set lo up
	ip netns exec "$name" python3 "$tmp/srv.py" >"$tmp/m$i" &
	pids+=($!)
done
for i in $(seq 0 59); do
	wait_ready "$tmp/p$i" || bad "holder p$i ready"
	want_tcp[$(stat -L -c %i /proc/${pids[i]}/ns/net)]=4
done
for i in $(seq 0 49); do
	wait_ready "$tmp/m$i" || bad "holder m$i ready"
	want_tcp[$(stat -L -c %i /run/netns/$tag-m$i)]=4
done
# a TIME-WAIT in a namespace whose processes exited (held by the mount only)
tw=$tag-tw
ip netns add "$tw" && netns+=("$tw")
ip -n "$tw" link set lo up
ip netns exec "$tw" python3 -c '
import socket
l = socket.socket(); l.bind(("127.0.0.1", 4711)); l.listen(1)
c = socket.create_connection(("127.0.0.1", 4711)); a, _ = l.accept()
c.close(); a.close(); l.close()'
tw_ino=$(stat -L -c %i /run/netns/$tw)
check "110 namespaces made (${#want_tcp[@]})" [ "${#want_tcp[@]}" -ge 110 ]

t0=$(date +%s%N)
"$SOCKSCOPE" --all-netns -t -u -n -f json >"$tmp/all.json" 2>"$tmp/all.err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check "--all-netns -f json: exit 0 ($rc: $(head -c 200 "$tmp/all.err"))" [ "$rc" = 0 ]
check "valid JSON" jq -e '.sockets | length > 0' "$tmp/all.json"
dups=$(jq -r '.sockets[] | select(.cookie != null) | .cookie' "$tmp/all.json" | sort | uniq -d | wc -l)
check "no socket listed twice ($dups cookies twice)" [ "$dups" = 0 ]
jq -r '.sockets[] | "\(.netns_inode) \(.netid) \(.state)"' "$tmp/all.json" | sort | uniq -c >"$tmp/counts"
okns=0
for ino in "${!want_tcp[@]}"; do
	t=$(awk -v i="$ino" '$2 == i && $3 == "tcp" { n += $1 } END { print n + 0 }' "$tmp/counts")
	u=$(awk -v i="$ino" '$2 == i && $3 == "udp" { n += $1 } END { print n + 0 }' "$tmp/counts")
	[ "$t" = 4 ] && [ "$u" = 2 ] && okns=$((okns + 1)) || bad "namespace $ino: tcp $t udp $u, want 4 and 2"
done
echo "all-netns: $okns/${#want_tcp[@]} namespaces with exactly their 4 TCP and 2 UDP sockets, in ${ms} ms"
check "every namespace's sockets found once" [ "$okns" = "${#want_tcp[@]}" ]
check "a named namespace carries its name" jq -e --arg n "$tag-m0" '[.sockets[] | select(.netns == $n)] | length == 6' "$tmp/all.json"
check "TIME-WAIT of a process-less namespace shows" \
	jq -e --argjson i "$tw_ino" '[.sockets[] | select(.netns_inode == $i and .state == "TIME-WAIT")] | length >= 1' "$tmp/all.json"
check "its where names the namespace" \
	jq -e --arg w "netns:$tw" '[.sockets[] | select(.state == "TIME-WAIT" and .where == $w)] | length >= 1' "$tmp/all.json"
check "table shows a Where column" sh -c "'$SOCKSCOPE' --all-netns -n | head -1 | grep -q Where"
check "filter netns NAME" sh -c "[ \$('$SOCKSCOPE' --all-netns -tn -H --no-legend 'netns $tag-m1' | wc -l) = 4 ]"
check "--group-by=netns" sh -c "'$SOCKSCOPE' --all-netns -n --group-by=netns | grep -q '$tag-m2'"

# ---- privilege matrix --------------------------------------------------------
cp "$SOCKSCOPE" "$tmp/sockscope" && chmod 0755 "$tmp/sockscope"
setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin -- "$tmp/sockscope" --all-netns -n -f json >"$tmp/noadm" 2>"$tmp/noadm.err"
rc=$?
check "no CAP_SYS_ADMIN: exit 3 (partial: $rc)" [ "$rc" = 3 ]
check "no CAP_SYS_ADMIN: one notice line ($(cat "$tmp/noadm.err"))" [ "$(wc -l <"$tmp/noadm.err")" = 1 ]
check "no CAP_SYS_ADMIN: the notice names unreadable namespaces" grep -q "could not be read.*partial" "$tmp/noadm.err"
check "no CAP_SYS_ADMIN: process-held ones read through /proc" \
	jq -e --argjson i "$(stat -L -c %i /proc/${pids[0]}/ns/net)" '[.sockets[] | select(.netns_inode == $i)] | length == 4' "$tmp/noadm"
setpriv --reuid=65534 --regid=65534 --clear-groups -- "$tmp/sockscope" --all-netns -n >"$tmp/nobody" 2>"$tmp/nobody.err"
rc=$?
check "nobody: exit 0 or 3, no crash ($rc)" [ "$rc" = 0 -o "$rc" = 3 ]
check "nobody: at most one notice line" [ "$(wc -l <"$tmp/nobody.err")" -le 1 ]

# ---- a namespace deleted during the run ----------------------------------------
# many short runs while namespaces come and go: never a crash, vanished ones counted
for k in $(seq 0 9); do ip netns add "$tag-c$k" && netns+=("$tag-c$k"); done
(for k in $(seq 0 9); do ip netns del "$tag-c$k"; sleep 0.02; done) &
crash=0
for _ in $(seq 5); do
	(ulimit -n 64 && exec "$SOCKSCOPE" --all-netns -n -H --no-legend) >/dev/null 2>>"$tmp/churn.err"
	rc=$?
	[ "$rc" -le 3 ] || crash=1
done
wait $!
check "churn: no crash" [ "$crash" = 0 ]
echo "churn: $(grep -c vanished "$tmp/churn.err") run(s) counted vanished namespaces"

# ---- real cgroups ------------------------------------------------------------
cg=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") print $5; break } }' /proc/self/mountinfo | head -1)
if [ -z "$cg" ] || [ ! -w "$cg/cgroup.procs" ]; then
	echo "no writable cgroup2 mount: cgroup checks skipped"
else
	id1=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
	id2=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
	uid=$(cat /proc/sys/kernel/random/uuid)
	base=$cg/$tag.slice
	d1=$base/docker-$id1.scope
	kp=$base/kubepods.slice
	kb=$kp/kubepods-burstable.slice
	kpod=$kb/kubepods-burstable-pod${uid//-/_}.slice
	d2=$kpod/cri-containerd-$id2.scope
	for d in "$base" "$d1" "$kp" "$kb" "$kpod" "$d2"; do
		mkdir "$d" && cgdirs+=("$d") || bad "mkdir $d"
	done
	hr=$tmp/host
	mkdir -p "$hr/var/lib/docker/containers/$id1" "$hr/run/containerd/io.containerd.runtime.v2.task/k8s.io/$id2"
	printf '{"ID":"%s","Config":{"Labels":{}},"Name":"/web"}' "$id1" >"$hr/var/lib/docker/containers/$id1/config.v2.json"
	printf '{"annotations":{"io.kubernetes.cri.sandbox-name":"api","io.kubernetes.cri.sandbox-namespace":"prod","io.kubernetes.cri.container-name":"server"}}' \
		>"$hr/run/containerd/io.containerd.runtime.v2.task/k8s.io/$id2/config.json"
	sh -c 'echo $$ >"$1/cgroup.procs" && exec unshare -n "$2" listen 2' sh "$d1" "$NSHOLDER" >"$tmp/c1" &
	pids+=($!)
	sh -c 'echo $$ >"$1/cgroup.procs" && exec unshare -n "$2" listen 3' sh "$d2" "$NSHOLDER" >"$tmp/c2" &
	pids+=($!)
	wait_ready "$tmp/c1" || bad "docker holder ready"
	wait_ready "$tmp/c2" || bad "pod holder ready"
	ss=("$SOCKSCOPE" --all-netns -n --host-root="$hr")
	n1=$("${ss[@]}" -H --no-legend | grep -c ' docker:web$')
	n2=$("${ss[@]}" -H --no-legend | grep -c ' pod:prod/api$')
	echo "cgroups: $n1/2 sockets where=docker:web, $n2/3 where=pod:prod/api"
	check "where column: docker:web" [ "$n1" = 2 ]
	check "where column: pod:prod/api" [ "$n2" = 3 ]
	check "filter container web" sh -c "[ \$(\"\$@\" -H --no-legend 'container web' | wc -l) = 2 ]" sh "${ss[@]}"
	check "filter container by id" sh -c "[ \$(\"\$@\" -H --no-legend 'container ${id1:0:12}' | wc -l) = 2 ]" sh "${ss[@]}"
	check "filter pod prod/api" sh -c "[ \$(\"\$@\" -H --no-legend 'pod prod/api' | wc -l) = 3 ]" sh "${ss[@]}"
	check "filter cgroup PATH (ss)" sh -c "[ \$(\"\$@\" -H --no-legend 'cgroup /$tag.slice/docker-*.scope' | wc -l) = 2 ]" sh "${ss[@]}"
	check "--group-by=pod" sh -c "\"\$@\" --group-by=pod | grep -Eq '^prod/api +3 '" sh "${ss[@]}"
	check "-p: the process's cgroup, json" sh -c "\"\$@\" -p -f json | jq -e '[.sockets[] | select(.container == \"web\" and .container_id == \"${id1:0:12}\")] | length == 2'" sh "${ss[@]}"
	check "without the host tree: the id" sh -c "'$SOCKSCOPE' --all-netns -n --host-root=/nonexistent -H --no-legend | grep -q ' docker:${id1:0:12}\$'"
	# check blames the container: fill the accept queue of one of its listeners
	port=$("${ss[@]}" -H --no-legend --columns=local_port 'container web' | head -1 | tr -d ' ')
	holder=${pids[${#pids[@]} - 2]}
	nsenter -t "$holder" -n ip link set lo up
	nsenter -t "$holder" -n python3 -c "import socket, time
s = [socket.create_connection(('127.0.0.1', $port)) for _ in range(4)]
time.sleep(8)" &
	filler=$!
	sleep 1
	"${ss[@]}" check -f json >"$tmp/check.json"
	check "check: the full accept queue is blamed on docker:web" \
		jq -e '[.findings[] | select(.rule == "accept-queue" and .evidence.where == "docker:web")] | length >= 1' \
		"$tmp/check.json"
	check "check: the text names it too" sh -c "\"\$@\" check | grep -q 'in docker:web'" sh "${ss[@]}"
	kill "$filler" 2>/dev/null
	wait "$filler" 2>/dev/null
fi
echo "allns: $(($(date +%s) - start)) s"
finish
