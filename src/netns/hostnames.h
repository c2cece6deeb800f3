/* SPDX-License-Identifier: MIT */
/*
 * hostnames: human names for containers and pods read from files under a
 * host root (default "/"), never from a daemon's API: Docker's
 * var/lib/docker/containers/<id>/config.v2.json ("Name", and the
 * io.kubernetes.* labels cri-dockerd sets), OCI bundle config.json
 * annotations of containerd (run/containerd/io.containerd.runtime.v2.task/
 * k8s.io/<id>/config.json) and CRI-O (run/containers/storage/
 * overlay-containers/<id>/userdata/config.json), and the names of the
 * kubelet's log directories var/log/pods/<ns>_<pod>_<uid> and symlinks
 * var/log/containers/<pod>_<ns>_<container>-<id>.log (names only; nothing
 * is followed).  All of it is hostile input: files are read with a size
 * limit, JSON with a tiny depth-bounded scanner, every name is stripped of
 * control bytes and bounded.  Also builds the one-word `where` label.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cgpath.h"

#define HN_NAME_MAX 254           /* DNS names are <= 253 */
#define HN_JSON_MAX (1u << 20)    /* config.v2.json / config.json larger than this are refused */
#define HN_DIR_MAX 65536          /* entries read from one log directory */

struct hn_info {
	char container[HN_NAME_MAX]; /* Docker name without the '/', or the Kubernetes container name */
	char pod[HN_NAME_MAX];
	char pod_ns[HN_NAME_MAX];
	char pod_uid[CG_UID_LEN + 1];
};

/* One snapshot's view of a host tree; the log directories are read once,
 * on first use.  Caller frees with hn_ctx_free(). */
struct hn_ctx;

/* host_root NULL means "/".  Returns 0 or -ENOMEM. */
int hn_ctx_new(const char *host_root, struct hn_ctx **ret);
void hn_ctx_free(struct hn_ctx *c);

/* Fills *out (reset first) with every name the host tree gives for the
 * container or pod of *o.  Returns 0 when at least one name was found,
 * -ENOENT when none, another negative errno on a hard error (-ENOMEM). */
int hn_resolve(struct hn_ctx *c, const struct cg_owner *o, struct hn_info *out);

/* The string at a path of object keys in a JSON document (buf, len bytes),
 * unescaped (\uXXXX to UTF-8), control bytes dropped, truncated to outsz - 1
 * bytes.  0 if found, -ENOENT if absent or not a string, -EINVAL if the
 * document is malformed before the key is met, -ELOOP past 64 levels. */
int hn_json_get(const char *buf, size_t len, const char *const *keys, size_t nkeys, char *out, size_t outsz);

/* "<ns>_<pod>_<uid>" (a var/log/pods entry).  0 or -EINVAL. */
int hn_parse_pod_dir(const char *name, size_t len, struct hn_info *out);
/* "<pod>_<ns>_<container>-<64 hex>.log" (a var/log/containers entry); the id
 * goes to id (65 bytes).  0 or -EINVAL. */
int hn_parse_container_log(const char *name, size_t len, struct hn_info *out, char id[CG_ID_MAX + 1]);

/* What the where column shows. */
struct where_in {
	const struct cg_owner *owner; /* the process's or the socket's cgroup; NULL if unknown */
	const struct hn_info *names;  /* from hn_resolve(); NULL if none */
	const char *netns_name;       /* the ip netns name; NULL if none */
	unsigned long long netns_ino; /* 0 if unknown */
	bool host_netns;              /* the namespace is the reader's own (the host's) */
};

/* Writes one of: pod:NS/NAME, <runtime>:NAME (docker:web, lxc:c1),
 * <runtime>:<id12> when no name is known, pod:<uid>, netns:NAME,
 * unit:NAME.service (or .socket), host, netns:INO.  Returns 0, or
 * -ENAMETOOLONG if buf was too small (the label is truncated). */
int where_label(const struct where_in *in, char *buf, size_t n);
