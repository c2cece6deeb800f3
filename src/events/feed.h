/* SPDX-License-Identifier: MIT */
/*
 * feed: the exact event sources for the long-running modes (top, the
 * exporter, check --window, --watch --events).  feed_open() opens the best
 * source (the sock:inet_sock_set_state tracepoint, else the sock_diag destroy
 * groups) and feed_start() drains it on a thread of its own, so that a slow
 * consumer (a screen redrawn every few seconds, a scrape every 15 s) never
 * lets a ring buffer overflow.  What the thread learns is kept as cumulative
 * counters, read under a mutex:
 *
 *   - transitions per (old state, new state) pair, kernel TCP_* numbers;
 *   - connections ended, by how they ended (lifetime.h's enum lt_end) and by
 *     who closed first; opened actively and passively;
 *   - the most recently closed connections with their lifetimes (a ring);
 *   - per remote endpoint (address and port) of active opens: attempts,
 *     established, refused, timed out, and connections we closed first (each
 *     holds a local port in TIME-WAIT), bounded, the least recent evicted;
 *   - samples lost (PERF_RECORD_LOST), receive overruns of the destroy groups.
 *
 * Rates are the caller's: differences of these counters over its interval.
 *
 * Scope.  The tracepoint is host-wide.  FEED_SCOPE_HOST counts every event;
 * FEED_SCOPE_NETNS counts the events of one network namespace: a socket is
 * attributed when an event of it fires in process context (the task's
 * /proc/PID/task/TID/ns/net), and a child of a listener, whose first events
 * fire in softirq, when its local address and port match a listener of the
 * namespace, from feed_set_listeners() (the caller's snapshot) or learnt from
 * a listen() seen in process context.  Sockets that stay unattributed are
 * counted (unattributed) and left out.  The destroy groups are per namespace:
 * that source is opened inside the namespace and needs no attribution.
 *
 * feed_ingest_event() and feed_ingest_destroy() are the pure half (no I/O
 * but the /proc stat of the scope test), for tests and replays.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lifetime.h"
#include "sock_event.h"

struct sock_set;

#define FEED_NSTATES 13 /* kernel TCP_* 0..12 (12: NEW_SYN_RECV) */

enum feed_source { FEED_SRC_NONE, FEED_SRC_TRACEPOINT, FEED_SRC_DESTROY };
enum feed_scope { FEED_SCOPE_HOST, FEED_SCOPE_NETNS };

struct feed_opts {
	enum feed_source want; /* FEED_SRC_NONE: auto (tracepoint, else destroy) */
	bool allow_mount;      /* mount tracefs when it is not mounted */
	int tp_reader;         /* enum tp_reader: 0 auto (ftrace, else perf) */
	bool merge_destroy;    /* with the tracepoint, also the destroy groups (bytes of lifetimes) */
	enum feed_scope scope;
	int netns_fd;          /* FEED_SCOPE_NETNS: the namespace (borrowed); -1: the caller's own */
	uint32_t recent_max;   /* recently closed connections kept (default 64) */
	uint32_t dest_max;     /* remote endpoints kept (default 256) */
	uint32_t max_conns;    /* open connections tracked (default 65536) */
};

struct feed_stats {
	uint64_t events;        /* transitions counted (in scope) */
	uint64_t unattributed;  /* events left out: not known to be in the scope */
	uint64_t lost;          /* tracepoint samples lost */
	uint64_t throttled;     /* times the kernel throttled the tracepoint (samples dropped, how many unknown) */
	uint64_t overruns;      /* destroy-group receive overruns (a number of messages lost, unknown) */
	uint64_t opened_active, opened_passive;
	uint64_t closed;        /* connections ended (lifetimes) */
	uint64_t ends[LT_END_NEVER_ESTABLISHED + 1];     /* by enum lt_end */
	uint64_t closers[LT_CLOSER_SIMULTANEOUS + 1];    /* by enum lt_closer */
	uint64_t evicted;       /* connections forgotten (tracker full) */
	uint64_t dest_evicted;  /* remote endpoints forgotten */
	uint64_t since_ns;      /* CLOCK_MONOTONIC when counting started */
};

/* Active opens towards one remote endpoint. */
struct feed_dest {
	uint8_t family;
	uint8_t addr[16];        /* network order, IPv4 in the first 4 bytes */
	uint16_t port;           /* host order */
	uint64_t attempts;       /* connections opened actively that ended (SYN-SENT first) */
	uint64_t established;
	uint64_t refused;        /* SYN-SENT -> CLOSE quickly: a reset */
	uint64_t timeout;        /* SYN-SENT -> CLOSE after the SYN timeout */
	uint64_t active_closed;  /* established, and we closed first: a local port in TIME-WAIT */
	uint64_t last_ns;        /* last end seen */
};

struct feed;

/* Opens the source; with o->want NONE, the best that works.  On failure
 * writes a one-line reason to err and returns a negative errno.  A source
 * skipped on the way (auto) leaves its reason in err too, with 0 returned:
 * the caller prints it as a notice when err[0] is set.  Caller frees with
 * feed_close(). */
int feed_open(struct feed **ret, const struct feed_opts *o, char *err, size_t errlen);
/* A feed for feed_ingest_*() only: no source, no thread. */
int feed_new(struct feed **ret, const struct feed_opts *o);
/* Starts the draining thread.  -errno when it cannot. */
int feed_start(struct feed *f);
/* Stops the thread and takes in what the sources still hold (the last
 * events of a window: the thread drains every 0.1 s, and the tracepoint holds
 * back the newest 20 ms for its cross-CPU merge).  The counters are final
 * after it.  Returns 0 or the source's error. */
int feed_stop(struct feed *f);
/* Stops the thread (if started), closes the sources, frees; accepts NULL. */
void feed_close(struct feed *f);

enum feed_source feed_source(const struct feed *f);
const char *feed_source_name(enum feed_source s); /* "tracepoint", "destroy", "none" */
const char *feed_reader_name(const struct feed *f); /* of the tracepoint: "ftrace", "perf"; else "none" */
/* The thread's error (the source failed and the thread stopped), else 0. */
int feed_error(const struct feed *f);

/* FEED_SCOPE_NETNS: the namespace's listeners (the LISTEN records of set,
 * TCP; copied). */
int feed_set_listeners(struct feed *f, const struct sock_set *set);

/* Reading: consistent copies taken under the mutex. */
void feed_get_stats(struct feed *f, struct feed_stats *ret);
/* Cumulative transitions, pairs[old][new], kernel TCP_* numbers. */
void feed_get_pairs(struct feed *f, uint64_t pairs[FEED_NSTATES][FEED_NSTATES]);
/* The most recently closed connections, newest first; returns how many. */
size_t feed_get_recent(struct feed *f, struct sock_lifetime *out, size_t max);
/* Remote endpoints, most attempts first; returns how many. */
size_t feed_get_dests(struct feed *f, struct feed_dest *out, size_t max);

/* The pure half: what the thread does with each record.  Returns 0 or
 * -ENOMEM. */
int feed_ingest_event(struct feed *f, const struct sock_event *ev);
int feed_ingest_destroy(struct feed *f, const struct sock_destroy *d);
/* Ends lifetimes waiting for the destroy source's tcp_info (now_ns). */
int feed_tick(struct feed *f, uint64_t now_ns);
