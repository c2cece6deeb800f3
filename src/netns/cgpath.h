/* SPDX-License-Identifier: MIT */
/*
 * cgpath: what a cgroup v2 path says about who owns a process or a socket.
 * Pure string parsing, no file access: the systemd unit (system.slice/
 * foo.service, user@UID.service/app.slice/bar.service, \xNN unescaped), the
 * container runtime and container id (Docker docker-<id>.scope and cgroupfs
 * docker/<id>, containerd/CRI cri-containerd-<id>.scope and the
 * "slice:cri-containerd:<id>" form, CRI-O crio-<id>.scope, Podman
 * libpod-<id>.scope, the conmon monitors, kubelet's cgroupfs
 * kubepods/<qos>/pod<uid>/<id>, LXC lxc.payload.NAME), and for Kubernetes
 * the pod uid (dashes, whatever the driver wrote) and the QoS class.  The
 * innermost container wins; units inside a container are not the host's.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum cg_runtime {
	CG_RT_NONE = 0,
	CG_RT_DOCKER,     /* docker-<id>.scope, docker/<id> (also cri-dockerd pods) */
	CG_RT_CONTAINERD, /* cri-containerd-<id>.scope, ...:cri-containerd:<id> */
	CG_RT_CRIO,       /* crio-<id>.scope, crio-<id> */
	CG_RT_PODMAN,     /* libpod-<id>.scope */
	CG_RT_LXC,        /* lxc.payload.NAME, lxc.payload/NAME, lxc/NAME */
	CG_RT_CRI,        /* kubelet cgroupfs driver: pod<uid>/<id>, runtime not named */
};

enum cg_qos {
	CG_QOS_NONE = 0, /* not a Kubernetes pod */
	CG_QOS_GUARANTEED,
	CG_QOS_BURSTABLE,
	CG_QOS_BESTEFFORT,
};

#define CG_PATH_MAX 4096
#define CG_ID_MAX 64    /* container ids: 12 to 64 lowercase hex digits */
#define CG_UID_LEN 36   /* pod uid 8-4-4-4-12 */
#define CG_NAME_MAX 256 /* units and LXC names, after unescaping */

struct cg_owner {
	enum cg_runtime runtime;
	enum cg_qos qos;
	bool kube;       /* under kubepods(.slice) */
	bool conmon;     /* the runtime's monitor (crio-conmon-, libpod-conmon-, lxc.monitor.), not the payload */
	bool user;       /* under user@UID.service */
	unsigned user_uid;
	char unit[CG_NAME_MAX];             /* innermost systemd unit outside any container, "" if none */
	char container_id[CG_ID_MAX + 1];   /* "" if none */
	char pod_uid[CG_UID_LEN + 1];       /* with dashes, "" if none */
	char name[CG_NAME_MAX];             /* a name the path itself gives (LXC), "" if none */
};

/* Parses path (len bytes, with or without the leading '/', no NUL inside).
 * Fills *out (always reset first) and returns 0, also when nothing was
 * recognised; -EINVAL for an empty path, a NUL byte or a "." / ".."
 * component, -ENAMETOOLONG beyond CG_PATH_MAX. */
int cgpath_parse(const char *path, size_t len, struct cg_owner *out);

/* "docker", "containerd", "crio", "podman", "lxc", "cri" or "" for NONE. */
const char *cg_runtime_name(enum cg_runtime rt);
/* "guaranteed", "burstable", "besteffort" or "". */
const char *cg_qos_name(enum cg_qos q);
