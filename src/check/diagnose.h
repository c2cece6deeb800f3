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

#include "feed.h"
#include "obuf.h"
#include "options.h"
#include "procmap.h"
#include "sock.h"

enum severity { SEV_OK = 0, SEV_WARNING = 1, SEV_CRITICAL = 2, SEV_UNKNOWN = 3 };

/* The rate rules (RULE_PORT_CHURN and after) need check --window: they judge
 * the event feed's counters over the window, not the socket samples. */
enum rule_id { RULE_CLOSE_WAIT, RULE_ACCEPT_QUEUE, RULE_SYN_RECV, RULE_TIME_WAIT, RULE_ORPHANS, RULE_STUCK_DATA,
	       RULE_UDP_DROPS, RULE_LOCAL_BACKLOG, RULE_PORT_CHURN, RULE_FAILING_CONNECTS, RULE_MAX };
#define RULE_FIRST_RATE RULE_PORT_CHURN

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

/* The rate rules' evidence: the window's counters for one destination. */
struct rate_evidence {
	bool set;
	double window;        /* seconds watched */
	double rate;          /* port-churn: connections closed first per second */
	long long attempts, established, refused, timeout, closed_first;
	long long projected;  /* port-churn: local ports held in TIME-WAIT at this rate (rate x 60 s) */
	long long time_wait;  /* TIME-WAIT sockets to the destination in the last sample */
	long long syn_sent;   /* SYN-SENT sockets to the destination in the last sample */
	long long port_lo, port_hi; /* port-churn: the range compared against */
	bool host_scope;      /* counted host-wide (--all-netns), not in one namespace */
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
	struct rate_evidence rates;
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
	/* optional (--all-netns): ip_local_port_range of the namespace with
	 * index netns_id (sock_rec.netns_id); 0 or a negative errno */
	int (*ns_port_range)(void *arg, uint32_t netns_id, long long *lo, long long *hi);
	void *ns_port_range_arg;
	/* the rate rules: RATES_NOT_ASKED (no --window), RATES_CHECKED or
	 * RATES_SKIPPED (rates_why says why) */
	enum { RATES_NOT_ASKED, RATES_CHECKED, RATES_SKIPPED } rates;
	char rates_why[256];
	double window;            /* seconds watched */
	char rates_source[16];    /* "tracepoint" */
	bool rates_host;          /* host-wide (--all-netns) */
	uint64_t rates_lost, rates_unattributed, rates_evicted, rates_forgotten;
};

/* The window's counters, as diag_run_rates() takes them. */
struct diag_rates {
	double window;                /* seconds watched (> 0) */
	const char *source;           /* feed_source_name() */
	bool host_scope;              /* FEED_SCOPE_HOST */
	const struct feed_dest *dests;
	size_t ndests;
	uint64_t lost, unattributed, dest_evicted;
	uint64_t conn_evicted;         /* connections the tracker forgot (full) */
};

/* Below these the rate rules do not judge a destination: too few events for
 * a share or a rate to mean anything (see the man page). */
#define CHURN_MIN_CLOSES 10
#define FAIL_MIN_ATTEMPTS 20
/* TCP_TIMEWAIT_LEN: how long a port stays in TIME-WAIT, fixed in the kernel. */
#define TIME_WAIT_SECONDS 60

struct churn_verdict {
	double rate;       /* connections closed first per second */
	double ports;      /* local ports held at that rate: rate x TIME_WAIT_SECONDS */
	double percent;    /* ports as a share of the range */
	enum severity sev;
};

struct fail_verdict {
	uint64_t failed;   /* refused + timeout */
	double percent;    /* failed / attempts */
	enum severity sev;
};

/* The pure halves of the rate rules (no I/O), for tests.  range: the size
 * of ip_local_port_range (<= 0: unknown, SEV_OK).  th: the rule's levels in
 * percent. */
enum severity diag_eval_churn(const struct feed_dest *dst, double window, long long range, const struct threshold *th,
			      struct churn_verdict *ret);
enum severity diag_eval_failing(const struct feed_dest *dst, const struct threshold *th, struct fail_verdict *ret);

const char *rule_name(enum rule_id r);         /* "close-wait", ... */
const char *severity_name(enum severity s);    /* "OK", "WARNING", ... */
void diag_init(struct diag_ctx *d);
/* "close-wait=100:500" or "time-wait=50%:80%".  '%' is accepted only by the
 * rules measured in percent (accept-queue, time-wait, orphans).  -EINVAL with
 * err filled. */
int diag_set_threshold(struct diag_ctx *d, const char *spec, char *err, size_t errlen);
/* Reads counters and limits from proc_root (usually "/proc"). */
void diag_read_facts(const char *proc_root, struct kernel_facts *k);
/* Reads proc_root/sys/net/ipv4/ip_local_port_range (of the reading
 * thread's network namespace).  0 or a negative errno. */
int diag_read_port_range(const char *proc_root, long long *lo, long long *hi);
/* Runs every rule over the samples (oldest first, at most DIAG_SAMPLES_MAX);
 * owners[i] maps the inodes of samples[i] (owners itself, or any entry, may be
 * NULL: the owners are then not known); facts before and after the samples. */
int diag_run(struct diag_ctx *d, struct sock_set *const *samples, size_t nsamples,
	     const struct procmap *const *owners, const struct kernel_facts *before, const struct kernel_facts *after);
/* Marks the rate rules skipped (no source could open: why). */
void diag_rates_skipped(struct diag_ctx *d, const char *why);
/* Runs the rate rules over the window's counters after diag_run(); last is
 * the last sample (TIME-WAIT and SYN-SENT counts per destination, where they
 * live), k the facts after it (ip_local_port_range, tcp_tw_reuse).  A
 * time-wait finding about a destination that port-churn names is folded into
 * it.  0 or -ENOMEM. */
int diag_run_rates(struct diag_ctx *d, const struct diag_rates *r, const struct sock_set *last,
		   const struct kernel_facts *k);
/* True for the rules that need check --window. */
bool rule_needs_window(enum rule_id r);
void diag_render(const struct diag_ctx *d, enum format fmt, bool color, struct obuf *o);
void diag_free(struct diag_ctx *d);
