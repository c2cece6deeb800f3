// SPDX-License-Identifier: MIT
/*
 * render_table: the aligned text table (the default output) and the state
 * legend under it.  Two passes over the set: widths, then rows.  Every string
 * is escaped so that nothing a process names itself can drive the terminal.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "render.h"
#include "strutil.h"

#define CELL_MAX_WIDTH 60

static size_t cell_text(struct render *r, const struct column *c, const struct sock_rec *rec,
			const struct sock_ext *ext)
{
	struct col_val v;

	column_get(c, r->cc, rec, ext, &v);
	r->tmp.len = 0;
	col_val_text(&v, &r->tmp, false);
	return str_term_width(r->tmp.buf, r->tmp.len);
}

static void put_cell(struct render *r, const struct column *c, size_t w, size_t width, bool last, const char *color)
{
	struct obuf *o = r->out;
	size_t pad = width > w ? width - w : 0;

	if ((c->flags & COLF_RIGHT) && !last)
		obuf_pad(o, ' ', pad);
	if (color && *color)
		obuf_puts(o, color);
	str_escape_term(o, r->tmp.buf, r->tmp.len);
	if (color && *color)
		obuf_puts(o, "\033[0m");
	if (!(c->flags & COLF_RIGHT) && !last)
		obuf_pad(o, ' ', pad);
}

int render_table_set(struct render *r, const struct sock_set *set, const uint32_t *idx, size_t n)
{
	size_t *width = calloc(r->ncols ? r->ncols : 1, sizeof(*width));
	unsigned long counts[SK_STATE_MAX] = {0};
	struct obuf *o = r->out;

	if (!width)
		return -ENOMEM;
	for (size_t c = 0; c < r->ncols; c++)
		width[c] = r->header ? strlen(r->cols[c]->header) : 0;
	for (size_t i = 0; i < n; i++) {
		const struct sock_rec *rec = &set->v[idx ? idx[i] : i];
		const struct sock_ext *ext = sock_set_ext(set, rec);

		for (size_t c = 0; c < r->ncols; c++) {
			size_t w = cell_text(r, r->cols[c], rec, ext);

			if (w > width[c])
				width[c] = w < CELL_MAX_WIDTH ? w : CELL_MAX_WIDTH;
		}
	}
	if (r->header && r->ncols) {
		for (size_t c = 0; c < r->ncols; c++) {
			const struct column *col = r->cols[c];
			size_t w = strlen(col->header);
			bool last = c + 1 == r->ncols;

			if (c)
				obuf_putc(o, ' ');
			r->tmp.len = 0;
			obuf_puts(&r->tmp, col->header);
			put_cell(r, col, w, width[c], last, NULL);
		}
		obuf_putc(o, '\n');
	}
	for (size_t i = 0; i < n && !o->err; i++) {
		const struct sock_rec *rec = &set->v[idx ? idx[i] : i];
		const struct sock_ext *ext = sock_set_ext(set, rec);

		for (size_t c = 0; c < r->ncols; c++) {
			const struct column *col = r->cols[c];
			size_t w = cell_text(r, col, rec, ext);
			bool is_state = col->get == r->cols[c]->get && !strcmp(col->name, "state");

			if (c)
				obuf_putc(o, ' ');
			put_cell(r, col, w, width[c], c + 1 == r->ncols,
				 r->color && is_state ? state_color(rec->state) : NULL);
		}
		obuf_putc(o, '\n');
	}
	free(width);
	if (r->legend) {
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
