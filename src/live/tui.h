/* SPDX-License-Identifier: MIT */
/*
 * tui: `sockscope top`, the live dashboard, and the --watch --events stream.
 * Two halves, kept apart as in htop: a model (tui_model.c) that turns a
 * sequence of snapshots into per-socket changes, histories, per-state counts
 * with sparkline rings, tx/rx rates and alerts, and never touches the
 * terminal; and the views that draw it (tui.c with ncurses, tui_watch.c as
 * JSON lines).  The model is declared here so that tests and `check` can use
 * it without a terminal.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "columns.h"
#include "feed.h"
#include "obuf.h"
#include "options.h"
#include "sock.h"
#include "states.h"

struct procmap;

/* The live view.  Returns 0 on a normal quit (q, Esc, F10, SIGINT, SIGTERM)
 * or a negative errno with a one-line message in err, always after the
 * terminal has been restored: -ENOTTY without a terminal, -EINVAL for an
 * unusable TERM or a bad filter/column/sort option. */
int tui_run(const struct options *opt, char *err, size_t errlen);
/* --watch=SECONDS --format=jsonl --events: one JSON line per change
 * (opened, closed, state) every opt->watch seconds, flushed after each batch,
 * until SIGINT/SIGTERM or a closed pipe (which returns 0). */
int tui_watch(const struct options *opt, struct obuf *out, char *err, size_t errlen);

/* ---- the model ------------------------------------------------------ */

#define TUI_HIST_MAX 8   /* state changes remembered per socket */
#define TUI_SPARK_LEN 60 /* refreshes remembered per state */
#define TUI_CW_LEN 4     /* refreshes remembered per CLOSE-WAIT owner */
#define TUI_CW_MAX 256   /* CLOSE-WAIT owners tracked */
#define TUI_NO_IDX UINT32_MAX

enum tui_change {
	TUI_SAME,  /* seen before, same state */
	TUI_NEW,   /* appeared in this refresh */
	TUI_STATE, /* changed state in this refresh */
	TUI_GONE,  /* vanished in this refresh (kept one refresh, drawn dim) */
};

struct tui_hist {
	uint64_t since_ms; /* monotonic ms when the state was first seen */
	uint8_t state;
};

/* One socket followed across snapshots. */
struct tui_track {
	struct sock_rec rec;       /* last record seen (rec.ext meaningless when idx == TUI_NO_IDX) */
	uint32_t idx;              /* index in the current set, TUI_NO_IDX when gone */
	uint64_t gen;              /* last refresh it was seen in */
	uint8_t change;            /* enum tui_change */
	uint8_t old_state;         /* TUI_STATE: the previous state */
	bool baseline;             /* present in the first snapshot: hist[0].since_ms is a lower bound */
	bool has_bytes;            /* bytes_* below are valid */
	bool has_rate;             /* rate is valid */
	uint8_t nhist;             /* entries in hist, oldest first */
	uint64_t old_state_ms;     /* TUI_STATE: time spent in old_state */
	uint64_t bytes_acked, bytes_received, bytes_ms;
	struct sock_rate rate;
	struct tui_hist hist[TUI_HIST_MAX];
};

/* CLOSE-WAIT count per owner (process, or local port without owners). */
struct tui_cw {
	char key[48];              /* raw bytes: escape before drawing */
	uint32_t count[TUI_CW_LEN];/* by generation % TUI_CW_LEN */
	uint64_t gen;              /* last generation with a count */
};

struct tui_model {
	struct tui_track *t;       /* tracked sockets, current and just vanished */
	size_t n, cap;
	uint32_t *hash;            /* open addressing: track index + 1, 0 empty */
	size_t hcap;
	uint32_t *track_of;        /* current set index -> track index */
	size_t track_of_cap;
	uint64_t gen;              /* refreshes done */
	uint64_t now_ms, prev_ms;  /* monotonic time of the last two refreshes */
	unsigned long counts[SK_STATE_MAX], prev_counts[SK_STATE_MAX];
	uint32_t ring[TUI_SPARK_LEN][SK_STATE_MAX];
	size_t ring_pos, ring_len; /* ring[ring_pos - 1] is the latest */
	unsigned long opened, closed, changed; /* in the last refresh */
	struct tui_cw *cw;
	size_t ncw;
	bool rebase;               /* next update: the view changed (filter), not the sockets */
};

/* CHECK: a finding of one of `sockscope check`'s rules. */
enum tui_alert_kind { TUI_ALERT_CLOSE_WAIT, TUI_ALERT_ACCEPT_QUEUE, TUI_ALERT_CHECK };

struct tui_alert {
	enum tui_alert_kind kind;
	uint16_t port;             /* the listener's port (accept queue), else 0 */
	char text[200];            /* raw: may hold process names, escape before drawing */
};

void tui_model_init(struct tui_model *m);
void tui_model_free(struct tui_model *m);
/* Diffs set (the new snapshot, taken at monotonic time now_ms) against the
 * previous one: fills changes, histories, counts, the sparkline ring and the
 * rates.  owners (may be NULL) keys the CLOSE-WAIT growth rule by process.
 * The set must stay alive and unchanged until the next update: tracks refer
 * to it by index.  Returns 0 or -ENOMEM (the model is then reset). */
int tui_model_update(struct tui_model *m, const struct sock_set *set, uint64_t now_ms,
		     const struct procmap *owners);
/* The next snapshot answers a different question (a new filter): sockets
 * that appear or disappear with it are neither new nor closed. */
void tui_model_rebase(struct tui_model *m);
/* The track of set index i of the last update. */
static inline const struct tui_track *tui_model_track(const struct tui_model *m, size_t i)
{
	return &m->t[m->track_of[i]];
}
/* Same socket?  Cookies when both records have one, else family + 4-tuple. */
bool tui_same_socket(const struct sock_rec *a, const struct sock_rec *b);
/* Sparkline value k (0 = oldest of the ring_len kept) for state. */
uint32_t tui_model_spark(const struct tui_model *m, int state, size_t k);
/* The alerts for the last update (simple rules: CLOSE-WAIT growing for an
 * owner over the last TUI_CW_LEN - 1 refreshes; LISTEN with a full accept
 * queue).  Returns how many were written (at most max). */
size_t tui_alerts(const struct tui_model *m, const struct sock_set *set, struct tui_alert *out, size_t max);
/* ---- transition rates (top's transitions view) ------------------------ */

#define TUI_PAIRS_MAX (FEED_NSTATES * FEED_NSTATES)

/* One (old state -> new state) pair of the event feed over one interval. */
struct tui_pair_rate {
	uint8_t old_state, new_state; /* kernel TCP_* numbers, 0..FEED_NSTATES-1 */
	uint64_t total;               /* cumulative, since the feed started */
	uint64_t delta;               /* in the interval */
	double per_s;                 /* delta / interval */
};

/* Per-pair rates between two cumulative snapshots of feed_get_pairs() taken
 * elapsed_ms apart; prev and cur are the [FEED_NSTATES][FEED_NSTATES]
 * arrays, row-major, [old][new] (prev NULL: all zero, i.e. since the start).  Pairs never
 * seen (total 0) are left out; a counter that went backwards counts 0.
 * Sorted by rate, then total, descending, then by old and new state.
 * Writes at most max entries; returns how many. */
size_t tui_pair_rates(const uint64_t *prev, const uint64_t *cur, uint64_t elapsed_ms, struct tui_pair_rate *out, size_t max);
/* (cur - prev) per second over elapsed_ms; 0 when it went backwards or no
 * time passed. */
double tui_rate(uint64_t prev, uint64_t cur, uint64_t elapsed_ms);
/* A kernel TCP_* state: the full name ("SYN-SENT", "NEW-SYN-RECV") or the
 * compact one ("SS", "NSR") of the recently closed view; "?" if unknown. */
const char *tui_tcp_state_name(int st, bool compact);
/* The states a connection went through, joined by sep ("SS>ES>FW1>FW2>CL");
 * "+" appended when the list was truncated.  Always NUL-terminated. */
void tui_fmt_states(const uint8_t *states, size_t n, bool truncated, bool compact, const char *sep, char *buf,
		    size_t len);

/* "3m12s", "45s", "1h02m", "2d03h", "850ms". */
void tui_fmt_duration(uint64_t ms, char *buf, size_t len);
/* Monotonic clock in ms. */
uint64_t tui_now_ms(void);
