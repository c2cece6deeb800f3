/* SPDX-License-Identifier: MIT */
/*
 * sort: ordering and grouping of a socket set.  --sort takes column names
 * (a leading '-' for descending); --group-by folds the set into one row per
 * group with counts per state.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "columns.h"
#include "obuf.h"
#include "options.h"
#include "sock.h"

#define SORT_KEYS_MAX 8

struct sort_key {
	const struct column *col;
	int dir; /* 1 ascending, -1 descending */
};

/* Parses "KEY[,KEY...]".  Returns the key count or -EINVAL with err set. */
int sort_parse(const char *spec, struct sort_key *keys, size_t max, char *err, size_t errlen);
/* Sorts idx (n entries of set) by keys; rows equal on every key keep the
 * order of their record indices (stable when idx starts in that order).
 * In place: no memory per row.  Returns 0, -ENOMEM or -EINVAL. */
int sort_apply(const struct sock_set *set, uint32_t *idx, size_t n, const struct sort_key *keys, size_t nkeys,
	       struct col_ctx *cc);
/* sort_apply() with the quicksort's depth limit (0: about 2 log2 n), past
 * which it turns to heapsort; tests pass small limits to reach it. */
int sort_apply_depth(const struct sock_set *set, uint32_t *idx, size_t n, const struct sort_key *keys, size_t nkeys,
		     struct col_ctx *cc, unsigned depth);

/* One group: its key and the count per state. */
struct group_row {
	char *key;
	unsigned long total;
	unsigned long states[16];
};

struct group_result {
	struct group_row *rows;
	size_t n, cap;
};

/* Folds the set into groups (sorted by total, descending).  Caller frees
 * with group_free(). */
int group_build(const struct sock_set *set, enum group_by by, struct col_ctx *cc, struct group_result *ret);
void group_free(struct group_result *g);
const char *group_by_name(enum group_by by);
/* Renders groups in fmt (table, json, jsonl, csv; prom is refused with -EINVAL). */
int group_render(const struct group_result *g, enum group_by by, enum format fmt, bool header, bool color,
		 struct obuf *o);
