/* SPDX-License-Identifier: MIT */
/*
 * lifetime: follows each TCP connection, keyed by the kernel socket address,
 * from its first transition (CLOSE->SYN_SENT for a client, LISTEN->SYN_RECV or
 * NEW_SYN_RECV->ESTABLISHED for a child of a listener) to CLOSE, and produces
 * one struct sock_lifetime when it ends: times, the states it went through,
 * who closed first, and how it ended.  When the destroy source also runs, a
 * finished lifetime waits up to merge_window_ns for the socket's final
 * tcp_info (matched by family and 4-tuple) to fill bytes and retransmits.
 * Pure logic: no I/O, no clock reads (time comes from the events and from
 * lt_tick()), bounded memory with evictions counted.
 *
 * What the kernel really emits (Linux 6.18, observed): a client that closes
 * first goes ... FIN_WAIT1 -> FIN_WAIT2 -> CLOSE; the TIME_WAIT state lives in
 * a separate timewait socket that the tracepoint never reports, so
 * FIN_WAIT2->CLOSE and CLOSING->CLOSE are normal ends (time-wait handoff).
 * Listener sockets (CLOSE->LISTEN, LISTEN->CLOSE) are not connections and are
 * not tracked.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sock_event.h"

#define LT_MAX_STATES 16

enum lt_opener { LT_OPENER_UNKNOWN, LT_OPENER_ACTIVE, LT_OPENER_PASSIVE };

enum lt_closer {
	LT_CLOSER_UNKNOWN,      /* seen too late, or evicted */
	LT_CLOSER_NONE,         /* no FIN state: never established, or reset */
	LT_CLOSER_ACTIVE,       /* ESTABLISHED -> FIN_WAIT1 */
	LT_CLOSER_PASSIVE,      /* ESTABLISHED -> CLOSE_WAIT */
	LT_CLOSER_SIMULTANEOUS, /* went through CLOSING */
};

enum lt_end {
	LT_END_UNKNOWN,           /* not seen from the start, or replaced before CLOSE */
	LT_END_NORMAL,            /* FIN exchange: from TIME_WAIT, FIN_WAIT2, CLOSING, LAST_ACK */
	LT_END_RESET,             /* established, then CLOSE from ESTABLISHED, CLOSE_WAIT, FIN_WAIT1 */
	LT_END_REFUSED,           /* SYN_SENT -> CLOSE in less than syn_timeout_ns (a reset) */
	LT_END_TIMEOUT,           /* SYN_SENT -> CLOSE after syn_timeout_ns or more */
	LT_END_NEVER_ESTABLISHED, /* SYN_RECV -> CLOSE (the handshake never completed) */
};

struct sock_lifetime {
	uint64_t skaddr;
	uint64_t open_ns;     /* time of the first transition seen */
	uint64_t close_ns;    /* time of the transition into CLOSE */
	uint64_t duration_ns;
	uint64_t established_ns; /* time it became ESTABLISHED, 0 if never */
	uint8_t family;
	uint16_t protocol;
	uint8_t laddr[16], raddr[16]; /* last non-zero values seen */
	uint16_t lport, rport;
	uint8_t states[LT_MAX_STATES]; /* first old state, then each new state */
	uint8_t nstates;
	bool states_truncated;         /* more than LT_MAX_STATES */
	bool complete;                 /* seen from its first transition */
	bool established;
	enum lt_opener opener;
	enum lt_closer closer;
	enum lt_end end;
	uint32_t pid;                  /* first pid seen in process context, 0 if none */
	char comm[16];
	/* From the destroy source's final tcp_info, when has_tcp_info.  As the
	 * kernel counts them (observed on 6.18): bytes_acked and bytes_received
	 * are sequence-space deltas, so bytes_acked includes our FIN (and our
	 * SYN when we opened actively) and bytes_received the peer's FIN; the
	 * data bytes are bytes_sent - bytes_retrans out and bytes_received - 1
	 * in once the peer's FIN arrived. */
	bool has_tcp_info;
	uint64_t cookie;
	uint64_t bytes_acked, bytes_received, bytes_sent, bytes_retrans;
	uint32_t total_retrans, segs_in, segs_out;
};

struct lt_opts {
	uint32_t max_conns;       /* tracked connections (default 65536); beyond: evict the LRU */
	uint32_t max_pending;     /* lifetimes/destroys waiting for a merge (default 16384) */
	uint64_t merge_window_ns; /* 0: destroy source not running, emit at CLOSE */
	uint64_t syn_timeout_ns;  /* refused vs timeout (default 1 s) */
};

struct lt_stats {
	uint64_t events, ignored, lifetimes, evicted, replaced, merged, unmerged, pending_dropped;
};

/* old_state_ns of lt_feed(): time in the old state, when known. */
struct lt_step {
	bool known;
	uint64_t old_state_ns;
};

typedef int (*lt_sink_fn)(void *arg, const struct sock_lifetime *lt);

struct lt_tracker;

/* o may be NULL (defaults).  Caller frees with lt_free(). -ENOMEM, -EINVAL. */
int lt_new(struct lt_tracker **ret, const struct lt_opts *o);
void lt_free(struct lt_tracker *t); /* accepts NULL */

/* Feeds one transition (events of one socket in time order).  Writes the time
 * spent in the old state to *step (may be NULL); calls sink for every lifetime
 * that this event completes (and for lifetimes that waited for a merge longer
 * than the window before ev->time_ns).  Returns 0 or the sink's error. */
int lt_feed(struct lt_tracker *t, const struct sock_event *ev, struct lt_step *step, lt_sink_fn sink,
	    void *arg);

/* Feeds one destroyed socket's final diag message: completes a pending
 * lifetime with the same family and 4-tuple, or is kept up to merge_window_ns
 * for a lifetime that ends later.  Returns 0 or the sink's error. */
int lt_feed_destroy(struct lt_tracker *t, const struct sock_destroy *d, lt_sink_fn sink, void *arg);

/* Emits pending lifetimes older than now_ns - merge_window_ns unmerged. */
int lt_tick(struct lt_tracker *t, uint64_t now_ns, lt_sink_fn sink, void *arg);

/* Emits every pending lifetime; with open_too, also the connections still
 * open (end UNKNOWN, close_ns = now_ns) and forgets them. */
int lt_flush(struct lt_tracker *t, uint64_t now_ns, bool open_too, lt_sink_fn sink, void *arg);

void lt_get_stats(const struct lt_tracker *t, struct lt_stats *ret);
size_t lt_open_count(const struct lt_tracker *t);

const char *lt_end_name(enum lt_end e);       /* "normal", "reset", ... */
const char *lt_closer_name(enum lt_closer c); /* "active", "passive", ... */
const char *lt_opener_name(enum lt_opener o); /* "active", "passive", "unknown" */
const char *lt_tcp_state_name(int st);        /* "SYN_SENT", "NEW_SYN_RECV", "?" */
