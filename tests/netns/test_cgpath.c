// SPDX-License-Identifier: MIT
/*
 * Unit tests for cgpath_parse(): every cgroup path shape sockscope names
 * (systemd system and user units, Docker with the systemd and cgroupfs
 * drivers, Kubernetes pods with containerd, CRI-O and cri-dockerd under both
 * kubelet drivers and all QoS classes, Podman rootful and rootless, LXC) and
 * hostile ones (bad ids, bad uids, "..", NUL, overlong, control bytes).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgpath.h"

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID "6f3c2d1e-4b5a-4c7d-8e9f-a0b1c2d3e4f5"
#define UID_ "6f3c2d1e_4b5a_4c7d_8e9f_a0b1c2d3e4f5"

static struct cg_owner o;

static int parse(const char *s)
{
	return cgpath_parse(s, strlen(s), &o);
}

static void t_systemd(void **state)
{
	assert_int_equal(parse("/system.slice/nginx.service"), 0);
	assert_string_equal(o.unit, "nginx.service");
	assert_int_equal(o.runtime, CG_RT_NONE);
	assert_string_equal(o.container_id, "");
	assert_false(o.user);

	assert_int_equal(parse("/system.slice/getty@tty1.service"), 0);
	assert_string_equal(o.unit, "getty@tty1.service");

	assert_int_equal(parse("/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-42.scope"), 0);
	assert_string_equal(o.unit, "app-gnome-firefox-42.scope");
	assert_true(o.user);
	assert_int_equal(o.user_uid, 1000);

	assert_int_equal(parse("/user.slice/user-1000.slice/user@1000.service/app.slice/syncthing.service"), 0);
	assert_string_equal(o.unit, "syncthing.service");
	assert_int_equal(o.user_uid, 1000);

	assert_int_equal(parse("/user.slice/user-0.slice/session-3.scope"), 0);
	assert_string_equal(o.unit, "session-3.scope");
	assert_int_equal(parse("/init.scope"), 0);
	assert_string_equal(o.unit, "init.scope");
	assert_int_equal(parse("/system.slice/sshd.socket"), 0);
	assert_string_equal(o.unit, "sshd.socket");
	assert_int_equal(parse("/"), 0);
	assert_string_equal(o.unit, "");
	assert_int_equal(parse("/system.slice"), 0);
	assert_string_equal(o.unit, "");
	/* \x2d unescaped */
	assert_int_equal(parse("/machine.slice/machine-qemu\\x2d1\\x2dvm.scope"), 0);
	assert_string_equal(o.unit, "machine-qemu-1-vm.scope");
	/* an escaped control byte is dropped */
	assert_int_equal(parse("/system.slice/a\\x1bb.service"), 0);
	assert_string_equal(o.unit, "ab.service");
}

static void t_docker(void **state)
{
	assert_int_equal(parse("/system.slice/docker-" ID64 ".scope"), 0);
	assert_int_equal(o.runtime, CG_RT_DOCKER);
	assert_string_equal(o.container_id, ID64);
	assert_string_equal(o.unit, "");
	assert_false(o.kube);

	assert_int_equal(parse("/docker/" ID64), 0);
	assert_int_equal(o.runtime, CG_RT_DOCKER);
	assert_string_equal(o.container_id, ID64);

	/* a systemd inside the container: its units are not the host's */
	assert_int_equal(parse("/system.slice/docker-" ID64 ".scope/init.scope"), 0);
	assert_int_equal(o.runtime, CG_RT_DOCKER);
	assert_string_equal(o.unit, "");

	/* nested: the innermost container wins */
	assert_int_equal(parse("/docker/" ID64 "/docker/fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"),
			 0);
	assert_string_equal(o.container_id, "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210");
}

static void t_kube_systemd(void **state)
{
	assert_int_equal(parse("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
			       ".slice/cri-containerd-" ID64 ".scope"),
			 0);
	assert_true(o.kube);
	assert_int_equal(o.qos, CG_QOS_BURSTABLE);
	assert_string_equal(o.pod_uid, UID);
	assert_int_equal(o.runtime, CG_RT_CONTAINERD);
	assert_string_equal(o.container_id, ID64);
	assert_string_equal(o.unit, "");

	assert_int_equal(parse("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
			       ".slice/crio-" ID64 ".scope"),
			 0);
	assert_int_equal(o.qos, CG_QOS_BESTEFFORT);
	assert_int_equal(o.runtime, CG_RT_CRIO);
	assert_false(o.conmon);

	assert_int_equal(parse("/kubepods.slice/kubepods-pod" UID_ ".slice/crio-conmon-" ID64 ".scope"), 0);
	assert_int_equal(o.qos, CG_QOS_GUARANTEED);
	assert_int_equal(o.runtime, CG_RT_CRIO);
	assert_true(o.conmon);
	assert_string_equal(o.pod_uid, UID);

	/* cri-dockerd */
	assert_int_equal(parse("/kubepods.slice/kubepods-pod" UID_ ".slice/docker-" ID64 ".scope"), 0);
	assert_int_equal(o.runtime, CG_RT_DOCKER);
	assert_true(o.kube);

	/* the pod slice alone (the pause container's parent) */
	assert_int_equal(parse("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice"), 0);
	assert_string_equal(o.pod_uid, UID);
	assert_string_equal(o.container_id, "");

	/* containerd under its own service with the colon form */
	assert_int_equal(parse("/system.slice/containerd.service/kubepods-burstable-pod" UID_
			       ".slice:cri-containerd:" ID64),
			 0);
	assert_int_equal(o.runtime, CG_RT_CONTAINERD);
	assert_string_equal(o.pod_uid, UID);
	assert_int_equal(o.qos, CG_QOS_BURSTABLE);
	assert_string_equal(o.unit, "containerd.service");
}

static void t_kube_cgroupfs(void **state)
{
	assert_int_equal(parse("/kubepods/burstable/pod" UID "/" ID64), 0);
	assert_int_equal(o.qos, CG_QOS_BURSTABLE);
	assert_string_equal(o.pod_uid, UID);
	assert_int_equal(o.runtime, CG_RT_CRI);
	assert_string_equal(o.container_id, ID64);

	assert_int_equal(parse("/kubepods/besteffort/pod" UID "/" ID64), 0);
	assert_int_equal(o.qos, CG_QOS_BESTEFFORT);
	assert_int_equal(parse("/kubepods/pod" UID "/" ID64), 0);
	assert_int_equal(o.qos, CG_QOS_GUARANTEED);
	assert_int_equal(parse("/kubepods/pod" UID "/crio-" ID64), 0);
	assert_int_equal(o.runtime, CG_RT_CRIO);
	/* not under kubepods: a directory named pod<uid> means nothing */
	assert_int_equal(parse("/foo/pod" UID "/" ID64), 0);
	assert_string_equal(o.pod_uid, "");
	assert_int_equal(o.runtime, CG_RT_NONE);
}

static void t_podman_lxc(void **state)
{
	assert_int_equal(parse("/machine.slice/libpod-" ID64 ".scope"), 0);
	assert_int_equal(o.runtime, CG_RT_PODMAN);
	assert_string_equal(o.container_id, ID64);
	assert_int_equal(parse("/machine.slice/libpod-" ID64 ".scope/container"), 0);
	assert_int_equal(o.runtime, CG_RT_PODMAN);
	assert_int_equal(parse("/machine.slice/libpod-conmon-" ID64 ".scope"), 0);
	assert_true(o.conmon);
	assert_int_equal(parse("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID64 ".scope"), 0);
	assert_int_equal(o.runtime, CG_RT_PODMAN);
	assert_true(o.user);
	assert_int_equal(o.user_uid, 1000);

	assert_int_equal(parse("/lxc.payload.web1"), 0);
	assert_int_equal(o.runtime, CG_RT_LXC);
	assert_string_equal(o.name, "web1");
	assert_int_equal(parse("/lxc.payload.web1/system.slice/nginx.service"), 0);
	assert_string_equal(o.name, "web1");
	assert_string_equal(o.unit, "");
	assert_int_equal(parse("/lxc.monitor.web1"), 0);
	assert_true(o.conmon);
	assert_int_equal(parse("/lxc.payload/web2"), 0);
	assert_string_equal(o.name, "web2");
	assert_int_equal(parse("/lxc/web3"), 0);
	assert_string_equal(o.name, "web3");
	assert_string_equal(cg_runtime_name(CG_RT_LXC), "lxc");
	assert_string_equal(cg_qos_name(CG_QOS_BURSTABLE), "burstable");
}

static void t_hostile(void **state)
{
	char big[CG_PATH_MAX + 10];

	assert_int_equal(cgpath_parse("", 0, &o), -EINVAL);
	assert_int_equal(cgpath_parse(NULL, 3, &o), -EINVAL);
	assert_int_equal(cgpath_parse("/a\0b", 4, &o), -EINVAL);
	assert_int_equal(parse("/system.slice/../docker-" ID64 ".scope"), -EINVAL);
	assert_string_equal(o.container_id, "");
	assert_int_equal(parse("/./x.service"), -EINVAL);
	memset(big, 'a', sizeof(big));
	assert_int_equal(cgpath_parse(big, sizeof(big), &o), -ENAMETOOLONG);
	/* ids: not hex, upper case, too short, too long */
	assert_int_equal(parse("/system.slice/docker-XYZ.scope"), 0);
	assert_int_equal(o.runtime, CG_RT_NONE);
	assert_string_equal(o.unit, "docker-XYZ.scope");
	assert_int_equal(parse("/system.slice/docker-0123456789AB.scope"), 0);
	assert_int_equal(o.runtime, CG_RT_NONE);
	assert_int_equal(parse("/system.slice/docker-0123.scope"), 0);
	assert_int_equal(o.runtime, CG_RT_NONE);
	assert_int_equal(parse("/system.slice/docker-" ID64 "0.scope"), 0);
	assert_int_equal(o.runtime, CG_RT_NONE);
	assert_int_equal(parse("/docker/" "0123456789ab"), 0); /* cgroupfs: 64 digits only */
	assert_int_equal(o.runtime, CG_RT_NONE);
	assert_int_equal(parse("/docker-.scope"), 0);
	assert_int_equal(o.runtime, CG_RT_NONE);
	/* uids */
	assert_int_equal(parse("/kubepods.slice/kubepods-podzzzz.slice"), 0);
	assert_string_equal(o.pod_uid, "");
	assert_int_equal(parse("/kubepods.slice/kubepods-pod6f3c2d1e-4b5a-4c7d-8e9f-a0b1c2d3e4f5x.slice"), 0);
	assert_string_equal(o.pod_uid, "");
	assert_int_equal(parse("/kubepods/pod6f3c2d1e:4b5a-4c7d-8e9f-a0b1c2d3e4f5/" ID64), 0);
	assert_string_equal(o.pod_uid, "");
	/* colon forms that are not */
	assert_int_equal(parse("/a:b:c"), 0);
	assert_int_equal(o.runtime, CG_RT_NONE);
	assert_int_equal(parse("/x.slice:evil:" ID64), 0);
	assert_int_equal(o.runtime, CG_RT_NONE);
	/* control bytes never reach the names */
	assert_int_equal(parse("/lxc.payload.a\033[2Jb"), 0);
	assert_string_equal(o.name, "a[2Jb");
	assert_int_equal(parse("/system.slice/\033]0;x\a.service"), 0);
	assert_null(strchr(o.unit, '\033'));
	/* slashes only */
	assert_int_equal(parse("////"), 0);
	assert_int_equal(o.runtime, CG_RT_NONE);
	/* an overlong unit is truncated, terminated */
	{
		char p[CG_PATH_MAX];

		memset(p, 'u', sizeof(p));
		p[0] = '/';
		memcpy(p + sizeof(p) - 8, ".service", 8);
		assert_int_equal(cgpath_parse(p, sizeof(p), &o), 0);
		assert_int_equal(strlen(o.unit), CG_NAME_MAX - 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_systemd),       cmocka_unit_test(t_docker),     cmocka_unit_test(t_kube_systemd),
		cmocka_unit_test(t_kube_cgroupfs), cmocka_unit_test(t_podman_lxc), cmocka_unit_test(t_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
