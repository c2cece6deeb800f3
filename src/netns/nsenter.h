/* SPDX-License-Identifier: MIT */
/*
 * nsenter: runs work inside other network namespaces on a small pool of
 * worker threads (2 to 4).  For each job a worker setns(fd, CLONE_NEWNET)s
 * itself (never the caller), runs the job there and setns()es back to the
 * namespace it started in; a job for the worker's own namespace runs without
 * setns, so it works without CAP_SYS_ADMIN.  A worker that cannot get back is
 * never reused: it finishes its job, exits, and the pool starts another.
 * The common job opens a NETLINK_SOCK_DIAG socket in the namespace (a socket
 * keeps answering for the namespace it was created in) and reads
 * /proc/thread-self/net/sockstat{,6} there: per-kind in-use counts that let
 * the caller skip namespaces with no sockets of the kinds asked for.  When
 * setns is refused (-EPERM without CAP_SYS_ADMIN) the job reports it, so
 * the caller can read /proc/PID/net files of a process inside instead.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define NS_POOL_MAX_WORKERS 4
#define NS_SOCKSTAT_MAX 8192 /* bytes read of each sockstat file */

/* Kinds the sockstat gate knows. */
enum ns_kind {
	NS_KIND_TCP = 1 << 0,     /* TCP inuse + tw (bound-only sockets are not counted by the kernel) */
	NS_KIND_UDP = 1 << 1,
	NS_KIND_UDPLITE = 1 << 2,
	NS_KIND_RAW = 1 << 3,
	NS_KIND_FRAG = 1 << 4,
};

struct ns_sockstat {
	bool have4, have6; /* sockstat, sockstat6 were read */
	unsigned long tcp_inuse, tcp_orphan, tcp_tw, tcp_alloc; /* "TCP:" (tw counts both families) */
	unsigned long udp_inuse, udplite_inuse, raw_inuse, frag_inuse;
	unsigned long tcp6_inuse, udp6_inuse, udplite6_inuse, raw6_inuse, frag6_inuse;
};

/* Adds what a sockstat or sockstat6 text (buf, len) says to *c (which the
 * caller zeroes first).  Unknown lines are ignored.  Returns 0 when at least
 * one known line was read, -EINVAL otherwise. */
int ns_sockstat_parse(const char *buf, size_t len, struct ns_sockstat *c);
/* True if the counts show a socket of one of the kinds (NS_KIND_* bits). */
bool ns_sockstat_any(const struct ns_sockstat *c, unsigned kinds);

/* In the calling thread's namespace: a NETLINK_SOCK_DIAG socket and the
 * sockstat counts read under proc_root (NULL: "/proc") /thread-self/net.
 * Either out-parameter may be NULL.  Returns 0 or a negative errno (the
 * socket's; the counts are optional: missing files leave have4/have6 false). */
int nsenter_diag_here(const char *proc_root, int *ret_sock, struct ns_sockstat *ret_counts);

struct ns_pool_opts {
	unsigned workers;      /* 0: the number of CPUs, clamped to 2..NS_POOL_MAX_WORKERS */
	const char *proc_root; /* NULL: "/proc" (for thread-self) */
	/* tests: replaces setns(2); NULL for the real one */
	int (*setns_fn)(int fd, int nstype, void *arg);
	void *setns_arg;
};

struct ns_pool_stats {
	unsigned long jobs;    /* jobs run */
	unsigned long entered; /* jobs that setns()ed */
	unsigned long same_ns; /* jobs for the worker's own namespace (no setns) */
	unsigned long denied;  /* setns refused (EPERM and the like) */
	unsigned long broken;  /* workers that could not get back and exited */
	unsigned long spawned; /* workers started, replacements included */
};

struct ns_pool;

/* A job: runs on a worker inside the namespace of nsfds[index]. */
typedef int (*ns_job_fn)(void *arg, size_t index);

/* Starts the workers.  0, -ENOMEM, or -EAGAIN when no thread could start. */
int ns_pool_new(const struct ns_pool_opts *o, struct ns_pool **ret);
/* Stops and joins the workers.  Accepts NULL. */
void ns_pool_free(struct ns_pool *p);
const struct ns_pool_stats *ns_pool_stats(const struct ns_pool *p);

/* Runs fn(arg, i) for each i < n inside the namespace of nsfds[i], spread
 * over the workers, and waits for all.  enter_errs[i] = 0 when fn ran (its
 * value in results[i]), else the negative errno that kept the worker out
 * (-EPERM, -EBADF...; results[i] = 0).  Either array may be NULL.  One batch
 * runs at a time (calls from several threads queue).  Returns 0, or -EAGAIN
 * when no worker can be started to finish the batch. */
int ns_pool_run_many(struct ns_pool *p, const int *nsfds, size_t n, ns_job_fn fn, void *arg, int *results,
		     int *enter_errs);
/* One job: fn's value, or the negative errno of entering (check *ret_entered
 * to tell the two apart; may be NULL). */
int ns_pool_run(struct ns_pool *p, int nsfd, ns_job_fn fn, void *arg, bool *ret_entered);

/* A NETLINK_SOCK_DIAG socket opened inside the namespace of nsfd (the
 * caller closes it) and that namespace's sockstat counts.  Returns 0,
 * -EPERM (setns refused: fall back to /proc/PID/net), or another errno. */
int nsenter_open_diag(struct ns_pool *p, int nsfd, int *ret_sock, struct ns_sockstat *ret_counts);
