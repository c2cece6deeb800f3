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
 * A second round follows when the fd walk met sockets of the asked kinds
 * that no dump reported: their namespaces are asked of the kernel
 * (nsdisc_probe_sockets: a bounded number of pidfd_getfd + SIOCGSKNS) and
 * the new ones are dumped like the others.
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
	const char *host_root; /* --host-root: DIR/run/netns/NAME mounts name an ip netns; NULL: none */
	unsigned workers;      /* 0: nsenter's default */
	unsigned max_probes;   /* socket namespace probes per pass; 0: 256 */
	bool no_socket_probe;  /* never probe sockets (no second round) */
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
	unsigned src;      /* how it was found: NSDISC_* bits of nsdisc.h */
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
	unsigned by_thread;  /* found only through a thread's ns/net */
	unsigned by_socket;  /* found only through a socket (second round) */
	unsigned sk_probed;  /* sockets whose namespace was asked (SIOCGSKNS) */
	unsigned sk_denied;  /* ... refused: no CAP_SYS_PTRACE over the holder, or no CAP_NET_ADMIN */
	unsigned sk_over_limit; /* unseen sockets left unprobed: the per-pass limit */
	int sk_denied_err;   /* the first refusal, 0 if none */
	bool sk_unsupported; /* pidfd_getfd or SIOCGSKNS missing, or another pid namespace's /proc */
	bool sk_narrowed;    /* the dumps were narrowed in the kernel (states, bytecode): sockets they
			      * left out look unreported, so sk_over_limit says little */
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
