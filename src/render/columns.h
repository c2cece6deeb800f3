/* SPDX-License-Identifier: MIT */
/*
 * columns: the one column table.  Each column has a stable snake_case name
 * (the JSON key and CSV header), a table header, a type, a description, the
 * costly data it needs (enum need) and a getter that turns a record into a
 * typed value.  Every renderer, --columns, --sort, --list-columns, the man
 * page and the completions speak these names.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "obuf.h"
#include "sock.h"

#include "column.h"

/* The whole table, in --list-columns order: the columns every kind has,
 * then each kind's own.  column_at() returns NULL past the end. */
size_t columns_count(void);
const struct column *column_at(size_t i);
/* NULL if unknown; case-insensitive, '-' and '_' equivalent. */
const struct column *column_find(const char *name);
/* Parses "a,b,c" into up to max columns.  Returns the count, or -EINVAL with
 * a message in err ("unknown column 'x' (see --list-columns)"). */
int columns_parse(const char *list, const struct column **out, size_t max, char *err, size_t errlen);
/* Appends the member columns of an object column (tcp_info, memory) to
 * out[n..max) and returns the new count; other columns add nothing. */
size_t column_members(const struct column *obj, const struct column **out, size_t n, size_t max);
/* Union of the needs of cols (and of the members of object columns). */
unsigned columns_needs(const struct column *const *cols, size_t n);
/* --list-columns: "name<TAB>type<TAB>description" per line. */
void columns_list(struct obuf *o);
/* "string", "integer", "number", "array", "object" */
const char *col_type_name(enum col_type t);
/* Evaluates column c for a record. */
static inline void column_get(const struct column *c, struct col_ctx *cc, const struct sock_rec *r,
			      const struct sock_ext *e, struct col_val *v)
{
	v->plain = false;
	c->get(cc, r, e, v);
}
/* Compares two values of the same column (NULLs first).  <0, 0, >0. */
int col_val_cmp(const struct col_val *a, const struct col_val *b);
/* Formats a value as plain text (table/csv/TUI): numbers in decimal, floats
 * with up to 3 decimals, NULL as "-" (or "" if null_empty), owners as
 * "comm(pid=N,fd=N),...".  The text is raw bytes: callers escape. */
void col_val_text(const struct col_val *v, struct obuf *o, bool null_empty);

struct options;
/* The default columns for opt's format and detail flags (-p -e -o -i -m).
 * Returns the count (<= max). */
size_t columns_default(const struct options *opt, const struct column **out, size_t max);
#define COLUMNS_MAX 96
/* The columns a listing shows: --columns or the defaults, object columns
 * expanded outside JSON.  With -O (the table's defaults), the columns the
 * detail options add move to details[] (COLUMNS_MAX entries; *ndetails set)
 * and one "details" column ends the row instead.  Returns the count, or
 * -EINVAL with a message in err. */
int columns_pick(const struct options *opt, const struct column **cols, size_t max, const struct column **details,
		 size_t *ndetails, char *err, size_t errlen);
/* The names of the SOCK_OPT_* bits set, comma-separated, into buf. */
size_t sockopt_text(uint16_t bits, char *buf, size_t len);
