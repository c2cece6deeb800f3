#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --all-netns building blocks against real namespaces and cgroups (root only,
# exit 77 otherwise).  Makes 123 namespaces held in different ways: 40 by a
# process (unshare -n), 40 by `ip netns add` bind mounts (20 of them with a
# process inside too), 40 by an fd only (nsholder fdhold: the holder itself
# lives in the host namespace), 3 by listening sockets only, 3 by threads
# only (nsholder thread); listeners in most.  nsdump must find each of the first 120 exactly once with the right
# sources, label and TCP count (the sockstat gate skipping the empty ones);
# the socket-only ones are not findable by nsdisc_scan (the second round of
# sockscope --all-netns finds them: tests/integration/allns.sh); the
# thread-only ones have src=thread and the thread as pid.
# Then: namespaces deleted between discovery and dump (batched: vanished and
# counted; kept open: still read), the privilege matrix (no CAP_SYS_ADMIN,
# nobody), and real cgroups: fake docker-<id>.scope and kubepods ...
# cri-containerd-<id>.scope directories in the cgroup2 mount with a holder
# moved in, a fake host tree with the name files, the where label naming them.
# Everything made is removed on exit, failure included.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
need_root
: "${NSDUMP:?}" "${NSHOLDER:?}"
for c in ip unshare setpriv stat; do command -v $c >/dev/null || skip "$c not installed"; done
unshare -n true 2>/dev/null || skip "cannot unshare a network namespace"

tag=sst$$
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockscope-netns.$$.XXXXXX")
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

wait_ready() { # FILE
	for _ in $(seq 100); do
		grep -q '^ready' "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
declare -A want_tcp want_src want_label ino_of_name

# 40 held by a process
for i in $(seq 0 39); do
	n=$((i % 4 + 1))
	unshare -n "$NSHOLDER" listen $n >"$tmp/p$i" &
	pids+=($!)
	wait_ready "$tmp/p$i" || bad "pid holder $i ready"
	ino=$(stat -L -c %i /proc/$!/ns/net)
	want_tcp[$ino]=$n
	want_src[$ino]=pid
done
# 40 bind-mounted; the even ones with a process inside
for i in $(seq 0 39); do
	name=$tag-m$i
	ip netns add "$name" || { bad "ip netns add $name"; continue; }
	netns+=("$name")
	ino=$(stat -L -c %i "/run/netns/$name")
	want_label[$ino]=$name
	ino_of_name[$name]=$ino
	if ((i % 2 == 0)); then
		ip netns exec "$name" "$NSHOLDER" listen 2 >"$tmp/m$i" &
		pids+=($!)
		wait_ready "$tmp/m$i" || bad "mount holder $i ready"
		want_tcp[$ino]=2
		want_src[$ino]=pid,mount
	else
		want_tcp[$ino]=0
		want_src[$ino]=mount
	fi
done
# 40 held by an fd only, 3 by sockets only
"$NSHOLDER" fdhold 40 >"$tmp/fd" &
pids+=($!)
"$NSHOLDER" sockhold 3 >"$tmp/sock" &
pids+=($!)
"$NSHOLDER" thread 3 >"$tmp/thr" &
pids+=($!)
wait_ready "$tmp/thr" || bad "thread holder ready"
wait_ready "$tmp/fd" || bad "fd holder ready"
wait_ready "$tmp/sock" || bad "socket holder ready"
while read -r _ ino n; do
	want_tcp[$ino]=$n
	want_src[$ino]=fd
done < <(grep '^ns ' "$tmp/fd")
sock_inos=$(awk '/^ns /{print $2}' "$tmp/sock")
check "120 namespaces made" [ "${#want_tcp[@]}" = 120 ]

# ---- one pass, privileged --------------------------------------------------
start=$(date +%s%N)
"$NSDUMP" >"$tmp/out" 2>"$tmp/err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
check "nsdump exit 0 ($rc: $(head -c 300 "$tmp/err"))" [ "$rc" = 0 ]
check "nsdump silent on stderr" [ ! -s "$tmp/err" ]
dups=$(awk '/^ns /{print $2}' "$tmp/out" | sort | uniq -d | head -3)
check "no namespace listed twice ($dups)" [ -z "$dups" ]
found=0 count_ok=0 src_ok=0 label_ok=0 skip_ok=0
for ino in "${!want_tcp[@]}"; do
	line=$(grep -E "^ns ino=$ino " "$tmp/out")
	[ "$(grep -c . <<<"$line")" = 1 ] && [ -n "$line" ] || { bad "namespace $ino (${want_src[$ino]}) found once"; continue; }
	found=$((found + 1))
	[[ $line == *" tcp=${want_tcp[$ino]}"* ]] && count_ok=$((count_ok + 1)) || bad "ns $ino tcp=${want_tcp[$ino]}: $line"
	src=$(sed -E 's/.* src=([^ ]*) .*/\1/' <<<"$line")
	case ${want_src[$ino]} in
	pid) [[ $src == pid ]] ;;
	pid,mount) [[ $src == pid,mount ]] ;;
	mount) [[ $src == mount ]] ;;
	fd) [[ $src == fd ]] ;;
	esac && src_ok=$((src_ok + 1)) || bad "ns $ino src ${want_src[$ino]}: $line"
	if [ -n "${want_label[$ino]:-}" ]; then
		[[ $line == *" label=${want_label[$ino]} "* ]] && label_ok=$((label_ok + 1)) || bad "label: $line"
	else
		[[ $line == *" label=net:[$ino] "* ]] && label_ok=$((label_ok + 1)) || bad "label: $line"
	fi
	if [ "${want_tcp[$ino]}" = 0 ]; then
		[[ $line == *" via=skip "* ]] && skip_ok=$((skip_ok + 1)) || bad "empty ns not skipped by the gate: $line"
	fi
done
echo "pass 1: $found/120 found once, $count_ok TCP counts right, $src_ok sources right, $label_ok labels right," \
	"$skip_ok/20 empty skipped by the gate, $(grep -c '^ns ' "$tmp/out") namespaces listed in ${ms} ms"
grep '^summary' "$tmp/out"
check "every namespace found once" [ "$found" = 120 ]
check "every TCP count right" [ "$count_ok" = 120 ]
for ino in $sock_inos; do
	check "socket-only namespace $ino not findable without SIOCGSKNS" sh -c "! grep -q '^ns ino=$ino ' '$tmp/out'"
done
# namespaces of threads (nsholder thread: each thread unshare()d itself)
th_ok=0
while read -r _ ino n tid; do
	grep -qE "^ns ino=$ino label=net:\[$ino\] src=thread pid=$tid via=netlink tcp=$n$" "$tmp/out" && th_ok=$((th_ok + 1)) ||
		bad "thread namespace $ino (tid $tid, $n listeners): $(grep "^ns ino=$ino " "$tmp/out")"
done < <(grep '^ns ' "$tmp/thr")
echo "threads: $th_ok/3 thread-only namespaces found once, src=thread, with the thread as pid and the right count"
check "thread-only namespaces found" [ "$th_ok" = 3 ]
host=$(stat -L -c %i /proc/self/ns/net)
check "own namespace first, self" grep -qE "^ns ino=$host label=net:\[$host\] src=self" "$tmp/out"

# ---- namespaces deleted between discovery and dump ---------------------------
run_paused() { # OUT ARGS... : deletes the namespaces in $del after discovery
	local fifo=$tmp/fifo pid
	rm -f "$fifo"
	mkfifo "$fifo"
	"$NSDUMP" --pause "${@:2}" <"$fifo" >"$1" 2>&1 &
	pid=$!
	exec 3>"$fifo"
	for _ in $(seq 200); do
		grep -q '^discovered' "$1" && break
		sleep 0.05
	done
	for n in $del; do ip netns del "$n"; done
	for n in $readd; do ip netns del "$n" && ip netns add "$n"; done
	echo go >&3
	exec 3>&-
	wait "$pid"
}
# and one name that leads to a new namespace by then (a reused path)
del="$tag-m1 $tag-m3 $tag-m5 $tag-m7 $tag-m9"
readd=$tag-m21
run_paused "$tmp/batched" --fd-budget=4
check "batched: $readd changed, not mixed up" grep -qE "^ns .* label=$readd .* via=changed " "$tmp/batched"
check "batched: changed counted" grep -qE '^summary .* changed=1 ' "$tmp/batched"
readd=
for n in $del; do check "batched: $n vanished" grep -qE "^ns .* label=$n .* via=vanished " "$tmp/batched"; done
check "batched: vanished counted" grep -qE '^summary .* vanished=([5-9]|[1-9][0-9]+)' "$tmp/batched"
check "batched: the rest reopened" grep -qE '^summary .* batched=[0-9]{3}' "$tmp/batched"
grep '^summary' "$tmp/batched"
del="$tag-m11 $tag-m13 $tag-m15 $tag-m17 $tag-m19"
run_paused "$tmp/held"
for n in $del; do check "kept open: $n still read" grep -qE "^ns .* label=$n .* via=skip " "$tmp/held"; done
check "kept open: nothing vanished" grep -qE '^summary .* vanished=0 ' "$tmp/held"

# forget the namespaces deleted above
for i in 1 3 5 7 9 11 13 15 17 19 21; do unset "want_tcp[${ino_of_name[$tag-m$i]}]"; done

# ---- the open-file limit ------------------------------------------------------
# a low hard limit: the namespaces beyond the budget are batched, all still read
(ulimit -n 320 && exec "$NSDUMP") >"$tmp/lim" 2>&1
check "RLIMIT_NOFILE 320: exit 0" [ $? = 0 ]
check "RLIMIT_NOFILE 320: some batched" grep -qE '^summary .* batched=[1-9]' "$tmp/lim"
check "RLIMIT_NOFILE 320: nothing vanished or changed" grep -qE '^summary .* vanished=0 changed=0 ' "$tmp/lim"
lim_ok=0
for ino in "${!want_tcp[@]}"; do
	[ "$(grep -cE "^ns ino=$ino .* tcp=${want_tcp[$ino]}$" "$tmp/lim")" = 1 ] && lim_ok=$((lim_ok + 1))
done
echo "RLIMIT_NOFILE 320: $lim_ok/${#want_tcp[@]} still found once with the right count; $(grep '^summary' "$tmp/lim")"
check "RLIMIT_NOFILE 320: every namespace once, right counts" [ "$lim_ok" = 109 ]
# a low soft limit only: raised to the hard one, nothing batched
(ulimit -S -n 200 && exec "$NSDUMP") >"$tmp/soft" 2>&1
check "soft RLIMIT_NOFILE 200: raised, nothing batched" grep -qE '^summary .* batched=0 ' "$tmp/soft"

# ---- privilege matrix --------------------------------------------------------
cp "$NSDUMP" "$tmp/nsdump"
chmod 0755 "$tmp/nsdump"
setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin -- "$tmp/nsdump" >"$tmp/noadm" 2>"$tmp/noadm.err"
rc=$?
check "no CAP_SYS_ADMIN: partial, exit 4 ($rc)" [ "$rc" = 4 ]
check "no CAP_SYS_ADMIN: one fallback notice" [ "$(grep -c 'read through /proc/PID/net' "$tmp/noadm.err")" = 1 ]
check "no CAP_SYS_ADMIN: one unreadable notice" [ "$(grep -c 'not readable' "$tmp/noadm.err")" = 1 ]
check "no CAP_SYS_ADMIN: two lines on stderr" [ "$(wc -l <"$tmp/noadm.err")" = 2 ]
ok_proc=0
for ino in "${!want_tcp[@]}"; do
	[[ ${want_src[$ino]} == pid* ]] || continue
	grep -qE "^ns ino=$ino .* via=proc tcp=${want_tcp[$ino]}$" "$tmp/noadm" && ok_proc=$((ok_proc + 1))
done
echo "no CAP_SYS_ADMIN: $ok_proc/60 process-held namespaces read through /proc with the right count; $(head -c 200 "$tmp/noadm.err" | head -1)"
check "no CAP_SYS_ADMIN: process-held ones through /proc" [ "$ok_proc" = 60 ]
check "no CAP_SYS_ADMIN: fd-held ones named unreadable" grep -q "net:\[$(awk '/^ns /{print $2; exit}' "$tmp/fd")\]" "$tmp/noadm.err"
check "no CAP_SYS_ADMIN: own namespace still by netlink" grep -qE "^ns ino=$host .* via=netlink " "$tmp/noadm"

setpriv --reuid=65534 --regid=65534 --clear-groups -- "$tmp/nsdump" >"$tmp/nobody" 2>"$tmp/nobody.err"
rc=$?
check "nobody: no crash, exit 0 or 4 ($rc)" [ "$rc" = 0 -o "$rc" = 4 ]
check "nobody: at most two lines on stderr" [ "$(wc -l <"$tmp/nobody.err")" -le 2 ]
ok_nb=0
for i in $(seq 0 39); do
	p=${pids[i]}
	ino=$(stat -L -c %i /proc/$p/ns/net)
	grep -qE "^ns .* pid=$p via=proc tcp=${want_tcp[$ino]}$" "$tmp/nobody" && ok_nb=$((ok_nb + 1))
done
echo "nobody: $ok_nb/40 process-held namespaces read through /proc/PID/net; $(grep '^summary' "$tmp/nobody")"
check "nobody: process-held namespaces through /proc" [ "$ok_nb" = 40 ]

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
	host_root=$tmp/host
	mkdir -p "$host_root/var/lib/docker/containers/$id1" "$host_root/run/containerd/io.containerd.runtime.v2.task/k8s.io/$id2"
	printf '{"ID":"%s","Config":{"Labels":{}},"Name":"/web"}' "$id1" >"$host_root/var/lib/docker/containers/$id1/config.v2.json"
	printf '{"annotations":{"io.kubernetes.cri.sandbox-name":"api","io.kubernetes.cri.sandbox-namespace":"prod","io.kubernetes.cri.container-name":"server"}}' \
		>"$host_root/run/containerd/io.containerd.runtime.v2.task/k8s.io/$id2/config.json"
	sh -c 'echo $$ >"$1/cgroup.procs" && exec unshare -n "$2" listen 2' sh "$d1" "$NSHOLDER" >"$tmp/c1" &
	c1=$!
	pids+=($c1)
	sh -c 'echo $$ >"$1/cgroup.procs" && exec unshare -n "$2" listen 3' sh "$d2" "$NSHOLDER" >"$tmp/c2" &
	c2=$!
	pids+=($c2)
	wait_ready "$tmp/c1" || bad "docker holder ready"
	wait_ready "$tmp/c2" || bad "pod holder ready"
	"$NSDUMP" --sockets --host-root="$host_root" >"$tmp/socks" 2>"$tmp/socks.err"
	n1=$(grep -c "^sock .* cgid=$(stat -c %i "$d1") cgroup=/$tag.slice/docker-$id1.scope where=docker:web$" "$tmp/socks")
	n2=$(grep -c "^sock .* cgid=$(stat -c %i "$d2") cgroup=${d2#"$cg"} where=pod:prod/api$" "$tmp/socks")
	echo "cgroups: $n1/2 sockets named docker:web, $n2/3 named pod:prod/api ($(grep -c '^sock ' "$tmp/socks") sockets listed)"
	check "sockets in the docker scope: where=docker:web" [ "$n1" = 2 ]
	check "sockets in the pod scope: where=pod:prod/api" [ "$n2" = 3 ]
	check "process in the docker scope" grep -q "where=docker:web$" <("$NSDUMP" --where-pid=$c1 --host-root="$host_root")
	check "process in the pod scope" grep -q "where=pod:prod/api$" <("$NSDUMP" --where-pid=$c2 --host-root="$host_root")
	check "without the host tree: ids" grep -q "where=docker:${id1:0:12}$" <("$NSDUMP" --where-pid=$c1 --host-root=/nonexistent)
	check "without the host tree: pod uid" grep -q "where=pod:$uid$" <("$NSDUMP" --where-pid=$c2 --host-root=/nonexistent)
	check "netns label of an ip netns" grep -qE "^sock ns=$tag-m0 .* where=netns:$tag-m0$" "$tmp/socks"
fi
finish
