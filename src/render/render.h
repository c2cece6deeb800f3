/* SPDX-License-Identifier: MIT */
/*
 * render: turns records into output.  One interface, one module per format
 * (table, json/jsonl, csv, prom).  Streaming formats get rows one by one;
 * the table needs the whole set to align columns.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "columns.h"
#include "kind.h"
#include "obuf.h"
#include "options.h"
#include "sock.h"
#include "states.h"

struct render {
	enum format fmt;
	struct obuf *out;
	const struct column **cols;
	size_t ncols;
	struct col_ctx *cc;
	bool header;     /* table/csv header line */
	bool legend;     /* table: the state legend */
	bool color;      /* table: ANSI colours */
	bool owners;     /* -p was asked (prom: per-process series) */
	const char *backend; /* "netlink", "proc", "replay" */
	const char *host;
	struct timespec now;
	/* accumulated while rendering */
	uint32_t kinds;  /* KIND_BIT(k) of the kinds asked for (0: TCP) */
	unsigned long counts[KIND_MAX][2][SK_STATE_MAX]; /* [kind][0: inet or not inet, 1: inet6][state] */
	unsigned long rows;
	struct obuf tmp; /* scratch text, memory mode */
	void *priv;      /* the format's own state */
};

/* Counts rec in r->counts (the summary, the legend, prom's totals). */
void render_count(struct render *r, const struct sock_rec *rec);
/* The kinds r shows, in table order (KIND_BIT each). */
static inline uint32_t render_kinds(const struct render *r)
{
	return (r->kinds ? r->kinds : KIND_BIT(KIND_TCP)) & kinds_present();
}
/* A family label for counts[k][fam]: "inet"/"inet6", or the kind's own. */
const char *render_family_name(unsigned kind, int fam);

/* Streaming interface: begin, row..., end.  Return 0 or -errno (the obuf's
 * sticky error surfaces at end). */
int render_begin(struct render *r);
int render_row(struct render *r, const struct sock_rec *rec, const struct sock_ext *ext);
int render_end(struct render *r);
/* Whole-set interface: renders set in the order given by idx (n entries). */
int render_set(struct render *r, const struct sock_set *set, const uint32_t *idx, size_t n);

/* Per-format hooks (render_*.c). */
int render_table_set(struct render *r, const struct sock_set *set, const uint32_t *idx, size_t n);
/* The rows of a streamed table block, and of the table's formatting chunks:
 * constant memory, each block aligned on its own widths (which only grow), as
 * ss does; a block of this size is formatted in one chunk. */
#define RENDER_TABLE_BLOCK 4096
/* One block of a streamed table: the header comes with the first block,
 * column widths only grow, the legend comes after the last one. */
int render_table_block(struct render *r, const struct sock_set *set, const uint32_t *idx, size_t n, bool last);
void render_table_free(struct render *r);
/* render_table_block() for the whole of set, counting its rows. */
int render_block(struct render *r, const struct sock_set *set, bool last);
int render_json_begin(struct render *r);
int render_json_row(struct render *r, const struct sock_rec *rec, const struct sock_ext *ext);
int render_json_end(struct render *r);
int render_csv_begin(struct render *r);
int render_csv_row(struct render *r, const struct sock_rec *rec, const struct sock_ext *ext);
int render_prom_row(struct render *r, const struct sock_rec *rec, const struct sock_ext *ext);
int render_prom_end(struct render *r);
void render_prom_free(struct render *r);
void render_free(struct render *r);
/* Writes ts as a JSON RFC 3339 UTC string literal, with milliseconds if asked. */
/* The "kinds" members of a summary: per kind shown, its total and states. */
void render_json_kinds(const struct render *r, struct obuf *o);
void render_json_time(struct obuf *o, const struct timespec *ts, bool millis);
