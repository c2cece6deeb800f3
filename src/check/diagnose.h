/* SPDX-License-Identifier: MIT */
/*
 * diagnose: the rules behind `sockscope check`.  Each rule looks at one or
 * more samples of the socket set (and at the kernel's counters and limits)
 * and produces findings with a severity, evidence (process, ports, remote,
 * counts, example sockets), an explanation and a next step.  Exit statuses
 * follow the monitoring-plugin convention: 0 OK, 1 WARNING, 2 CRITICAL,
 * 3 UNKNOWN.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "obuf.h"
#include "options.h"
#include "procmap.h"
#include "sock.h"

enum severity { SEV_OK = 0, SEV_WARNING = 1, SEV_CRITICAL = 2, SEV_UNKNOWN = 3 };

enum rule_id { RULE_CLOSE_WAIT, RULE_ACCEPT_QUEUE, RULE_SYN_RECV, RULE_TIME_WAIT, RULE_ORPHANS, RULE_STUCK_DATA,
	       RULE_UDP_DROPS, RULE_LOCAL_BACKLOG, RULE_MAX };

/* The most samples diag_run() compares. */
#define DIAG_SAMPLES_MAX 16
/* Example sockets kept per finding. */
#define DIAG_EXAMPLES 3

struct threshold {
	double warn, crit;
};

/* Kernel counters and limits read around the samples (-1 when unknown). */
struct kernel_facts {
	long long listen_overflows, listen_drops; /* TcpExt, cumulative */
	long long orphans, tw_sockstat;           /* /proc/net/sockstat */
	long long max_orphans, max_tw_buckets, max_syn_backlog, syncookies, fin_timeout;
	long long port_lo, port_hi;               /* ip_local_port_range */
	long long tw_reuse;                       /* tcp_tw_reuse */
	long long udp_rcvbuf_errors;              /* Udp: RcvbufErrors (+ Udp6), cumulative */
};

struct finding {
	enum rule_id rule;
	enum severity sev;
	char subject[160];  /* "pid 1234 (java)", "listener 0.0.0.0:80", ... */
	char message[768];  /* plain words, with the numbers */
	char advice[320];
	/* evidence */
	long long value;    /* the count, queue length or bytes that triggered */
	long long limit;    /* the kernel's or socket's limit value is measured against, -1 if none */
	double threshold;   /* the level (--threshold) it crossed, in the rule's unit; -1 if none */
	double percent;     /* value as a percentage of limit, < 0 if none */
	long long first;    /* value in the first sample when several were taken, else -1 */
	int32_t pid;        /* 0 if none or not visible */
	char comm[32];      /* command of pid, "" if none */
	int64_t uid;        /* socket owner uid when the process is not visible, else -1 */
	uint16_t port;      /* local port, 0 if none */
	char remote[128];   /* remote host or endpoint, "" if none */
	char where[96];     /* the container, pod or unit holding it ("pod:NS/NAME"), "" if unknown or the host */
	unsigned nexamples;
	char examples[DIAG_EXAMPLES][128]; /* "local -> peer" */
};

struct diag_ctx {
	struct threshold th[RULE_MAX];
	unsigned samples;
	double interval;
	/* results */
	struct finding *f;
	size_t n, cap;
	enum severity worst;
	char unknown[768];  /* what could not be checked, "; "-separated */
	unsigned long sockets;
	unsigned long owners_denied;
	/* optional: where a socket lives (--all-netns: "pod:NS/NAME"); findings
	 * name it.  NULL or "host": nothing to add. */
	const char *(*where)(void *arg, const struct sock_rec *r);
	void *where_arg;
};

const char *rule_name(enum rule_id r);         /* "close-wait", ... */
const char *severity_name(enum severity s);    /* "OK", "WARNING", ... */
void diag_init(struct diag_ctx *d);
/* "close-wait=100:500" or "time-wait=50%:80%".  '%' is accepted only by the
 * rules measured in percent (accept-queue, time-wait, orphans).  -EINVAL with
 * err filled. */
int diag_set_threshold(struct diag_ctx *d, const char *spec, char *err, size_t errlen);
/* Reads counters and limits from proc_root (usually "/proc"). */
void diag_read_facts(const char *proc_root, struct kernel_facts *k);
/* Runs every rule over the samples (oldest first, at most DIAG_SAMPLES_MAX);
 * owners[i] maps the inodes of samples[i] (owners itself, or any entry, may be
 * NULL: the owners are then not known); facts before and after the samples. */
int diag_run(struct diag_ctx *d, struct sock_set *const *samples, size_t nsamples,
	     const struct procmap *const *owners, const struct kernel_facts *before, const struct kernel_facts *after);
void diag_render(const struct diag_ctx *d, enum format fmt, bool color, struct obuf *o);
void diag_free(struct diag_ctx *d);
