// SPDX-License-Identifier: MIT
/*
 * render_table: the aligned text table (the default output) and the state
 * legend under it.  Rows come in blocks (the whole set, or the blocks of a
 * streamed listing); each block takes two passes, widths then rows, and
 * widths only grow from one block to the next, as ss does.  Every string is
 * escaped so that nothing a process names itself can drive the terminal.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "render.h"
#include "strutil.h"

#define CELL_MAX_WIDTH 60

/*
 * One cell's text, where it lives: a string value is used in place, a
 * number is formatted into num, anything else goes through col_val_text()
 * into r->tmp.  plain: the text needs no escaping and its width is n.
 */
struct cell {
	const char *s;
	size_t n;
	bool plain;
	char num[24];
};

static void cell_from_val(struct render *r, const struct col_val *v, struct cell *cell)
{
	if (v->kind == CV_UINT) {
		cell->s = cell->num;
		cell->n = u64_fmt(cell->num, v->u);
		cell->plain = true;
		return;
	}
	if (v->kind == CV_STR) {
		cell->s = v->str.s;
		cell->n = v->str.n;
	} else {
		r->tmp.len = 0;
		col_val_text(v, &r->tmp, false);
		cell->s = r->tmp.buf;
		cell->n = r->tmp.len;
	}
	cell->plain = str_term_plain(cell->s, cell->n);
}

static void cell_get(struct render *r, const struct column *c, const struct sock_rec *rec,
		     const struct sock_ext *ext, struct cell *cell)
{
	struct col_val v;

	column_get(c, r->cc, rec, ext, &v);
	cell_from_val(r, &v, cell);
}

static size_t cell_width(const struct cell *cell)
{
	return cell->plain ? cell->n : str_term_width(cell->s, cell->n);
}

static void put_cell(struct render *r, const struct column *c, const struct cell *cell, size_t w, size_t width,
		     bool last, const char *color)
{
	struct obuf *o = r->out;
	size_t pad = width > w ? width - w : 0;

	if ((c->flags & COLF_RIGHT) && !last)
		obuf_pad(o, ' ', pad);
	if (color && *color)
		obuf_puts(o, color);
	if (cell->plain)
		obuf_put(o, cell->s, cell->n);
	else
		str_escape_term(o, cell->s, cell->n);
	if (color && *color)
		obuf_puts(o, "\033[0m");
	if (!(c->flags & COLF_RIGHT) && !last)
		obuf_pad(o, ' ', pad);
}

int render_table_block(struct render *r, const struct sock_set *set, const uint32_t *idx, size_t n, bool last)
{
	/* the widths live in r->priv from one block to the next */
	size_t *width = r->priv;
	/* the largest number met in each column: its length is the width the
	 * column's numbers need, so the widths pass need not format them */
	uint64_t *umax = calloc(r->ncols ? r->ncols : 1, sizeof(*umax));
	bool *any_u = calloc(r->ncols ? r->ncols : 1, sizeof(*any_u));
	unsigned long counts[SK_STATE_MAX] = {0};
	struct obuf *o = r->out;
	bool first = !width;

	if (first)
		width = calloc(r->ncols ? r->ncols : 1, sizeof(*width));
	if (!width || !umax || !any_u) {
		if (first)
			free(width);
		free(umax);
		free(any_u);
		return -ENOMEM;
	}
	r->priv = width;
	for (size_t c = 0; first && c < r->ncols; c++)
		width[c] = r->header ? strlen(r->cols[c]->header) : 0;
	for (size_t i = 0; i < n; i++) {
		const struct sock_rec *rec = &set->v[idx ? idx[i] : i];
		const struct sock_ext *ext = sock_set_ext(set, rec);

		for (size_t c = 0; c < r->ncols; c++) {
			struct col_val v;
			struct cell cell;
			size_t w;

			column_get(r->cols[c], r->cc, rec, ext, &v);
			if (v.kind == CV_UINT) {
				if (v.u > umax[c])
					umax[c] = v.u;
				any_u[c] = true;
				continue;
			}
			cell_from_val(r, &v, &cell);
			w = cell_width(&cell);
			if (w > width[c])
				width[c] = w < CELL_MAX_WIDTH ? w : CELL_MAX_WIDTH;
		}
	}
	for (size_t c = 0; c < r->ncols; c++) {
		size_t w = any_u[c] ? u64_len(umax[c]) : 0;

		if (w > width[c])
			width[c] = w < CELL_MAX_WIDTH ? w : CELL_MAX_WIDTH;
	}
	free(umax);
	free(any_u);
	if (first && r->header && r->ncols) {
		for (size_t c = 0; c < r->ncols; c++) {
			const struct column *col = r->cols[c];
			struct cell cell = {.s = col->header, .n = strlen(col->header), .plain = false};
			if (c)
				obuf_putc(o, ' ');
			put_cell(r, col, &cell, cell.n, width[c], c + 1 == r->ncols, NULL);
		}
		obuf_putc(o, '\n');
	}
	for (size_t i = 0; i < n && !o->err; i++) {
		const struct sock_rec *rec = &set->v[idx ? idx[i] : i];
		const struct sock_ext *ext = sock_set_ext(set, rec);

		for (size_t c = 0; c < r->ncols; c++) {
			const struct column *col = r->cols[c];
			bool is_state = r->color && !strcmp(col->name, "state");
			struct cell cell;

			cell_get(r, col, rec, ext, &cell);
			if (c)
				obuf_putc(o, ' ');
			put_cell(r, col, &cell, cell_width(&cell), width[c], c + 1 == r->ncols,
				 is_state ? state_color(rec->state) : NULL);
		}
		obuf_putc(o, '\n');
	}
	if (last && r->legend) {
		bool any = false;

		for (int st = 1; st < SK_STATE_MAX; st++) {
			counts[st] = r->counts[0][st] + r->counts[1][st];
			any |= counts[st] > 0;
		}
		if (any) {
			obuf_putc(o, '\n');
			explain_legend(o, counts, r->color);
		}
	}
	return o->err;
}

int render_table_set(struct render *r, const struct sock_set *set, const uint32_t *idx, size_t n)
{
	return render_table_block(r, set, idx, n, true);
}
