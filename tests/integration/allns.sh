#!/bin/bash
# SPDX-License-Identifier: MIT
# sockscope --all-netns end to end (issue 13): 100+ namespaces made here
# (held by processes, by `ip netns` mounts), TCP listeners and connections and
# UDP sockets in each; every socket found exactly once with the right netns;
# a TIME-WAIT in a namespace whose processes exited; the privilege matrix;
# real cgroups (a fake docker-<id>.scope and a kubepods pod scope) named
# through a host tree given by --host-root; namespaces held only by a socket
# (nsholder sockhold; sockets passed out of an `ip netns del`eted namespace)
# or by a thread; sockscope inside a container (own mount, pid and network
# namespaces) with and without the host's /proc under --host-root.
# Needs root (77 otherwise).
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

# ---- namespaces held only by a socket, or only by a thread ---------------------
# (a) nsholder sockhold: made a namespace, listened there, setns'd back;
# (b) `ip netns del` after a process in the namespace passed its sockets to a
#     process of the host namespace (SCM_RIGHTS) and exited;
# (c) nsholder thread: threads that unshare(CLONE_NEWNET) themselves.
"$NSHOLDER" sockhold 3 >"$tmp/sock" &
pids+=($!)
"$NSHOLDER" thread 3 >"$tmp/thr" &
pids+=($!)
wait_ready "$tmp/sock" || bad "socket holder ready"
wait_ready "$tmp/thr" || bad "thread holder ready"
cat >"$tmp/recv.py" <<'PY'
import socket, sys, time
srv = socket.socket(socket.AF_UNIX); srv.bind(sys.argv[1]); srv.listen(1)
print("listening", flush=True)
c, _ = srv.accept()
msg, fds, _, _ = socket.recv_fds(c, 256, 8)
print("got", len(fds), msg.decode(), flush=True)
print("ready", flush=True)
time.sleep(600)
PY
cat >"$tmp/send.py" <<'PY'
import os, socket, sys
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(4)
c = socket.create_connection(l.getsockname()); a, _ = l.accept()
ino = os.stat("/proc/thread-self/ns/net").st_ino
u = socket.socket(socket.AF_UNIX); u.connect(sys.argv[1])
socket.send_fds(u, [b"%d %d" % (ino, l.getsockname()[1])], [l.fileno(), c.fileno(), a.fileno()])
PY
sk=$tag-sk
ip netns add "$sk" && netns+=("$sk")
ip -n "$sk" link set lo up
python3 "$tmp/recv.py" "$tmp/pass.sock" >"$tmp/recv" &
recv=$!
pids+=($recv)
for _ in $(seq 100); do grep -q listening "$tmp/recv" && break; sleep 0.05; done
ip netns exec "$sk" python3 "$tmp/send.py" "$tmp/pass.sock" || bad "sender in $sk"
wait_ready "$tmp/recv" || bad "receiver got the sockets"
ip netns del "$sk"
read -r _ _ del_ino del_port < <(grep '^got 3 ' "$tmp/recv")
check "the deleted namespace is held by the passed sockets only" \
	sh -c "[ -n '${del_ino:-}' ] && ! stat -L -c %i /proc/[0-9]*/ns/net 2>/dev/null | grep -qx '${del_ino:-x}'"
"$SOCKSCOPE" --all-netns -t -n -f json >"$tmp/sk.json" 2>"$tmp/sk.err"
rc=$?
check "socket-held: exit 0 ($rc: $(head -c 300 "$tmp/sk.err"))" [ "$rc" = 0 ]
dups=$(jq -r '.sockets[] | select(.cookie != null) | .cookie' "$tmp/sk.json" | sort | uniq -d | wc -l)
check "socket-held: no socket listed twice ($dups)" [ "$dups" = 0 ]
sk_ok=0 sk_n=0
while read -r _ ino n; do
	sk_n=$((sk_n + 1))
	got=$(jq --argjson i "$ino" --arg l "net:[$ino]" \
		'[.sockets[] | select(.netns_inode == $i and .netns == $l and .state == "LISTEN")] | length' "$tmp/sk.json")
	[ "$got" = "$n" ] && sk_ok=$((sk_ok + 1)) || bad "socket-held namespace $ino: $got listeners, want $n"
done < <(grep '^ns ' "$tmp/sock")
echo "socket-held (nsholder sockhold): $sk_ok/$sk_n namespaces with exactly their listeners"
check "socket-held namespaces found, each socket once" [ "$sk_n:$sk_ok" = 3:3 ]
check "ip netns del'ed, held by passed sockets: LISTEN on :$del_port and 2 ESTAB, once" \
	jq -e --argjson i "${del_ino:-0}" --argjson p "${del_port:-0}" '[.sockets[] | select(.netns_inode == $i)] as $s
		| ($s | length) == 3
		and ([$s[] | select(.state == "LISTEN" and .local_port == $p)] | length) == 1
		and ([$s[] | select(.state == "ESTABLISHED")] | length) == 2' "$tmp/sk.json"
check "its where label is the inode" jq -e --argjson i "${del_ino:-0}" --arg w "netns:${del_ino:-0}" \
	'[.sockets[] | select(.netns_inode == $i and .where == $w)] | length == 3' "$tmp/sk.json"
"$SOCKSCOPE" --all-netns -t -n -p -f json >"$tmp/skp.json" 2>/dev/null
check "-p names the receiver as the owner of the passed sockets" \
	jq -e --argjson i "${del_ino:-0}" --argjson pid "$recv" \
	'[.sockets[] | select(.netns_inode == $i) | .processes[].pid] | unique == [$pid]' "$tmp/skp.json"
th_ok=0
while read -r _ ino n _; do
	got=$(jq --argjson i "$ino" '[.sockets[] | select(.netns_inode == $i and .state == "LISTEN")] | length' "$tmp/sk.json")
	[ "$got" = "$n" ] && th_ok=$((th_ok + 1)) || bad "thread namespace $ino: $got listeners, want $n"
done < <(grep '^ns ' "$tmp/thr")
echo "thread-held: $th_ok/3 namespaces with exactly their listeners"
check "thread namespaces found" [ "$th_ok" = 3 ]
# a kernel-side state filter leaves the ESTAB ones out: the listener's namespace is still found
check "with -l: the passed listener's namespace still found" \
	sh -c "\"\$1\" --all-netns -t -n -l -H --no-legend | grep -q ' netns:$del_ino\$'" sh "$SOCKSCOPE"
# sockets of kinds not asked are not probed: -u shows nothing of these namespaces
check "-u: no namespace held by TCP sockets only" \
	sh -c "! \"\$1\" --all-netns -u -n -H --no-legend | grep -q 'netns:$del_ino'" sh "$SOCKSCOPE"
kill "$recv"

# ---- sockscope inside a container -----------------------------------------------
# its own mount, pid and network namespaces (unshare -m -p -f --mount-proc -n),
# the host's /proc and cgroup2 tree bind-mounted under a host root DIR
hostp=${pids[0]}
host_ino=$(stat -L -c %i "/proc/$hostp/ns/net")
cgm=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") print $5; break } }' /proc/self/mountinfo | head -1)
hr2=$tmp/ctr-host
mkdir -p "$hr2/proc" "$hr2/sys/fs/cgroup"
cat >"$tmp/ctr-in.sh" <<'SH'
ip link set lo up
"$NSHOLDER" listen 1 >"$T/ctr.ready" &
for _ in $(seq 100); do grep -q ready "$T/ctr.ready" && break; sleep 0.05; done
"$SOCKSCOPE" --all-netns -t -n -p -f json >"$T/ctr-own.json" 2>"$T/ctr-own.err"
echo "own $?"
"$SOCKSCOPE" --all-netns -t -n -p -f json --host-root="$HR" --cgroup-root="$HR/sys/fs/cgroup" >"$T/ctr-host.json" 2>"$T/ctr-host.err"
echo "host $?"
stat -L -c "ino %i" /proc/self/ns/net
kill %1
SH
cat >"$tmp/ctr.sh" <<'SH'
mount --rbind /proc "$HR/proc" || exit 9
if [ -n "$CGM" ]; then mount --bind "$CGM" "$HR/sys/fs/cgroup" || exit 9; fi
exec unshare -p -f --mount-proc -n sh "$T/ctr-in.sh"
SH
T=$tmp HR=$hr2 CGM=$cgm NSHOLDER=$NSHOLDER SOCKSCOPE=$SOCKSCOPE \
	unshare -m --propagation private sh "$tmp/ctr.sh" >"$tmp/ctr.out" 2>&1
ctr_ino=$(awk '/^ino /{print $2}' "$tmp/ctr.out")
check "container: own view exits 0 ($(cat "$tmp/ctr.out" "$tmp/ctr-own.err" 2>/dev/null | head -c 300))" grep -qx 'own 0' "$tmp/ctr.out"
check "container: --host-root exits 0" grep -qx 'host 0' "$tmp/ctr.out"
check "container: own view lists its own listener as host, with its pid" \
	jq -e --argjson i "${ctr_ino:-0}" '[.sockets[] | select(.netns_inode == $i and .netns == "host" and .state == "LISTEN"
		and (.processes | length) == 1 and .processes[0].pid > 1)] | length == 1' "$tmp/ctr-own.json"
check "container: own view does not see the host's process-held namespaces" \
	jq -e --argjson i "$host_ino" '[.sockets[] | select(.netns_inode == $i)] | length == 0' "$tmp/ctr-own.json"
check "container: --host-root finds them, the host pid as the owner" \
	jq -e --argjson i "$host_ino" --argjson p "$hostp" '[.sockets[] | select(.netns_inode == $i)] as $s
		| ($s | length) == 4 and ([$s[] | .processes[].pid] | unique) == [$p]' "$tmp/ctr-host.json"
check "container: --host-root still lists its own namespace as host" \
	jq -e --argjson i "${ctr_ino:-0}" '[.sockets[] | select(.netns_inode == $i and .netns == "host")] | length == 1' \
	"$tmp/ctr-host.json"
own_n=$(jq '[.sockets[].netns_inode] | unique | length' "$tmp/ctr-own.json")
host_n=$(jq '[.sockets[].netns_inode] | unique | length' "$tmp/ctr-host.json")
check "container: the host root shows the test's 110 namespaces ($host_n), the own view few ($own_n)" \
	[ "${host_n:-0}" -ge 110 -a "${own_n:-999}" -lt 110 ]
echo "container: own view $own_n namespaces, host root $host_n; notices: $(cat "$tmp/ctr-host.err")"
echo "allns: $(($(date +%s) - start)) s"
finish
