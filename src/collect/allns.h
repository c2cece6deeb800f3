/* SPDX-License-Identifier: MIT */
/*
 * allns: --all-netns, the normal per-kind collection run once in every
 * network namespace of the host.  Each pass discovers the namespaces
 * (nsdisc), runs one job per namespace on a small pool of worker threads
 * that setns() into it (nsenter; never the calling thread): the sockstat
 * gate skips a namespace with no socket of the asked kinds, else
 * collect_run() dumps it from inside.  When entering is refused, the
 * namespace is read from /proc/PID/net of a process inside it.  Records are
 * buffered per namespace, then handed to the caller's sink on the calling
 * thread, namespace by namespace, with netns_id = the namespace's index.
 * Library code: nothing is printed; what the user must be told is in
 * struct allns_stats.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "request.h"
#include "sock.h"

struct allns;

struct allns_opts {
	const char *proc_root; /* NULL: "/proc" (discovery, the /proc fallback) */
	unsigned workers;      /* 0: nsenter's default */
};

/* One namespace of the last pass, as the attribution and renderers see it. */
struct allns_ns {
	uint64_t ino;      /* nsfs inode, 0 if unknown (/proc-only entries) */
	pid_t pid;         /* a process inside, 0 if none */
	bool own;          /* the reader's namespace */
	char name[64];     /* ip netns name, "" if none */
	char label[80];    /* name, else "net:[INO]", else "pid:PID" */
	unsigned long sockets; /* records passed on (before the user-space filter) */
	uint8_t via;       /* enum allns_via */
};

enum allns_via { ALLNS_NETLINK, ALLNS_PROC, ALLNS_GATED, ALLNS_VANISHED, ALLNS_UNREADABLE };

struct allns_stats {
	unsigned found;      /* namespaces discovered */
	unsigned read;       /* read from inside (netlink, or /proc/thread-self) */
	unsigned gated;      /* skipped: no socket of the asked kinds (sockstat) */
	unsigned via_proc;   /* read through /proc/PID/net: entering refused */
	unsigned vanished;   /* gone between discovery and dump */
	unsigned unreadable; /* neither enterable nor with a process inside */
	int enter_err;       /* the first refusal (-EPERM...), 0 if none */
	char unreadable_names[256]; /* their labels, space-separated, "..." when cut */
};

/* 0, -ENOMEM.  Caller frees with allns_free(). */
int allns_new(const struct allns_opts *o, struct allns **ret);
void allns_free(struct allns *a);

/* One pass over every namespace with req (its netns_fd and record_path are
 * ignored; replay is refused with -EINVAL).  res sums the namespaces' results.
 * Returns 0, or the sink's error, or a negative errno when discovery fails. */
int allns_collect(struct allns *a, const struct collect_req *req, sock_sink_fn sink, void *arg,
		  struct collect_result *res);

/* The namespaces of the last pass (index = netns_id), and its counts. */
size_t allns_count(const struct allns *a);
const struct allns_ns *allns_get(const struct allns *a, size_t i);
const struct allns_stats *allns_stats(const struct allns *a);
