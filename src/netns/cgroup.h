/* SPDX-License-Identifier: MIT */
/*
 * cgroup: cgroup v2 ids and paths.  A socket's INET_DIAG_CGROUP_ID is the
 * inode number of its cgroup's directory in the cgroup2 mount; the cache maps
 * ids to paths (relative to the mount, "/system.slice/foo.service") by
 * walking that mount once, and walks it again on a miss at most once per
 * snapshot (cg_cache_snapshot() starts one), since cgroups come and go.
 * The mount is found in mountinfo (fstype cgroup2) unless a root is given
 * (--cgroup-root).  Also reads a process's cgroup from /proc/PID/cgroup.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CG_CACHE_MAX_DEFAULT (1u << 20) /* directories walked at most */
#define CG_DEPTH_MAX 64
#define CG_PROC_CGROUP_MAX (64u << 10)  /* bytes read of /proc/PID/cgroup */

struct cg_cache_opts {
	const char *root;      /* the cgroup2 mount; NULL: found in <proc_root>/self/mountinfo */
	const char *proc_root; /* NULL: "/proc" */
	size_t max_entries;    /* 0: CG_CACHE_MAX_DEFAULT */
	int no_walk;           /* tests: never walk, use only cg_cache_add() entries */
};

struct cg_cache_stats {
	unsigned walks;     /* full walks of the mount */
	unsigned hits, misses;
	unsigned truncated; /* walks that stopped at max_entries or CG_DEPTH_MAX */
};

struct cg_cache;

/* Returns 0 and a cache (caller frees with cg_cache_free()), -ENOENT when no
 * cgroup2 mount is found, -ENOMEM.  The first walk happens on first lookup. */
int cg_cache_new(const struct cg_cache_opts *o, struct cg_cache **ret);
void cg_cache_free(struct cg_cache *c);
/* The cgroup2 mount in use. */
const char *cg_cache_root(const struct cg_cache *c);
/* Starts a new snapshot: the next miss may walk the mount again. */
void cg_cache_snapshot(struct cg_cache *c);
/* Copies the path of cgroup id into buf: 0, -ENOENT (not found, even after
 * the one refresh allowed per snapshot), -ENAMETOOLONG, -ENOMEM. */
int cg_cache_path(struct cg_cache *c, uint64_t id, char *buf, size_t n);
/* Adds or replaces an entry (tests: inject a table).  0 or -ENOMEM. */
int cg_cache_add(struct cg_cache *c, uint64_t id, const char *path);
const struct cg_cache_stats *cg_cache_stats(const struct cg_cache *c);

/* The mount point of the first cgroup2 mount in the mountinfo file at path. */
int cg_find_cgroup2(const char *mountinfo, char *buf, size_t n);

/* The path of /proc/PID/cgroup contents (buf, len): the "0::PATH" line
 * (returns 0), else the "N:name=systemd:PATH" line of a v1-only host
 * (returns 1); -ENOENT when neither, -ENAMETOOLONG.  Control bytes are
 * refused (-EINVAL): a cgroup path cannot hold them. */
int cg_parse_proc_cgroup(const char *buf, size_t len, char *out, size_t outsz);
/* The same for a pid, read under proc_root (NULL: "/proc"). */
int cg_pid_path(const char *proc_root, pid_t pid, char *out, size_t outsz);
