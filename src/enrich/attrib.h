/* SPDX-License-Identifier: MIT */
/*
 * attrib: who holds a socket — its network namespace, and the container,
 * pod or systemd unit its cgroup names.  The socket's cgroup id
 * (INET_DIAG_CGROUP_ID) is kept in a side table keyed by the socket cookie,
 * so records stay 88 bytes; the owning process's cgroup wins when owners are
 * known (-p: the socket's cgroup is fixed at creation); a socket with
 * neither (TIME-WAIT) takes its namespace's attribution (the cgroup of a
 * process inside it).  Each cgroup path is resolved once (cg_cache: id ->
 * path, cgpath: path -> owner, hostnames: owner -> names) and cached, so the
 * per-socket cost is two hash lookups and the where label.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sock.h"

struct attrib;
struct procmap;
struct allns;

struct attrib_opts {
	const char *proc_root;   /* NULL: "/proc" (process cgroups) */
	const char *host_root;   /* NULL: "/" (name files) */
	const char *cgroup_root; /* NULL: the cgroup2 mount found in mountinfo */
	const char *netns_name;  /* -N NAME: the name of the one namespace inspected */
};

/* What the attribution columns show for one socket.  Strings are "" when
 * unknown; the view lives until the next attrib_view() call. */
struct attrib_view {
	const char *where;        /* host, pod:NS/NAME, docker:NAME, unit:NAME.service, netns:NAME, netns:INO */
	const char *netns;        /* host, the ip netns name, the namespace's container or pod, or net:[INO] */
	uint64_t netns_ino;       /* 0 if unknown */
	const char *container_id; /* 12 hex digits */
	const char *container;
	const char *pod;
	const char *pod_ns;
	const char *unit;
	const char *cgroup;       /* the cgroup v2 path ("/system.slice/x.service") */
	const char *runtime;      /* docker, containerd, crio, podman, lxc, cri */
};

/* 0 or -ENOMEM.  Caller frees with attrib_free(). */
int attrib_new(const struct attrib_opts *o, struct attrib **ret);
void attrib_free(struct attrib *a);

/* Starts a new snapshot: forgets the sockets' cgroup ids and the pids'
 * cgroups (pids are reused); cgroup paths stay resolved. */
void attrib_snapshot(struct attrib *a);
/* The namespaces netns_id indexes (--all-netns), or NULL. */
void attrib_set_allns(struct attrib *a, const struct allns *ns);
/* Remembers the socket's cgroup id.  0 or -ENOMEM. */
int attrib_note(struct attrib *a, const struct sock_rec *r, uint64_t cgroup_id);

/* The view of r.  owners may be NULL (then the socket's cgroup is used). */
const struct attrib_view *attrib_view(struct attrib *a, const struct sock_rec *r, const struct procmap *owners);

/* fnmatch-style tests for the filter (on the view). */
enum attrib_field { AF_NETNS, AF_CONTAINER, AF_POD, AF_UNIT, AF_CGROUP };
bool attrib_match(struct attrib *a, const struct sock_rec *r, const struct procmap *owners, enum attrib_field f,
		  const char *glob);
