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
/* Rows formatted at a time: the cells of one chunk are kept between the
 * widths pass and the output pass, so that each is formatted only once. */
#define TABLE_CHUNK RENDER_TABLE_BLOCK
/* The fast row writer stores fixed-size runs, cheaper than a call per cell:
 * FAST_COPY bytes of text (the arena and the number buffer keep that much
 * readable past each cell) and FAST_PAD spaces, then moves by the true
 * length.  The output buffer is reserved with room for the overshoot. */
#define FAST_COPY 32
#define FAST_PAD 64
_Static_assert(CELL_MAX_WIDTH <= FAST_PAD, "one pad store covers any padding");

/* One cell of a chunk: a number (formatted when written out, its width
 * known from the column's largest number) or text in the chunk's arena. */
union tcell {
	uint64_t u;
	struct {
		uint32_t off, n;
	} t;
};

enum { TC_NUM = 0, TC_TEXT = 1, TC_PLAIN = 2 /* text that needs no escaping */ };

/* The table's state from one block to the next (r->priv). */
struct table {
	size_t *width;    /* per column; widths only grow */
	uint64_t *umax;   /* per column: the largest number of the chunk */
	bool *any_u;      /* per column: the chunk has a number */
	bool *is_state;   /* per column: coloured by state */
	union tcell *cell; /* TABLE_CHUNK x ncols */
	uint8_t *kind;    /* TC_* per cell */
	uint8_t *rowplain; /* per row of the chunk: no cell needs escaping */
	uint32_t *rowlen; /* per row of the chunk: its cells' lengths, summed */
	bool color;       /* a column is coloured */
	struct obuf arena;
	bool started;     /* the header is out */
};

static struct table *table_get(struct render *r)
{
	struct table *t = r->priv;
	size_t nc = r->ncols ? r->ncols : 1;

	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->width = calloc(nc, sizeof(*t->width));
	t->umax = calloc(nc, sizeof(*t->umax));
	t->any_u = calloc(nc, sizeof(*t->any_u));
	t->is_state = calloc(nc, sizeof(*t->is_state));
	t->cell = calloc(TABLE_CHUNK * nc, sizeof(*t->cell));
	t->kind = calloc(TABLE_CHUNK * nc, sizeof(*t->kind));
	t->rowplain = calloc(TABLE_CHUNK, sizeof(*t->rowplain));
	t->rowlen = calloc(TABLE_CHUNK, sizeof(*t->rowlen));
	if (!t->width || !t->umax || !t->any_u || !t->is_state || !t->cell || !t->kind || !t->rowplain || !t->rowlen ||
	    obuf_init(&t->arena, -1, 64 * 1024) < 0) {
		r->priv = t;
		render_table_free(r);
		return NULL;
	}
	for (size_t c = 0; c < r->ncols; c++) {
		t->width[c] = r->header ? strlen(r->cols[c]->header) : 0;
		t->is_state[c] = r->color && !strcmp(r->cols[c]->name, "state");
		t->color |= t->is_state[c];
	}
	r->priv = t;
	return t;
}

void render_table_free(struct render *r)
{
	struct table *t = r->priv;

	if (!t)
		return;
	free(t->width);
	free(t->umax);
	free(t->any_u);
	free(t->is_state);
	free(t->cell);
	free(t->kind);
	free(t->rowplain);
	free(t->rowlen);
	obuf_free(&t->arena);
	free(t);
	r->priv = NULL;
}

/*
 * Formats rows [from, from + n) of the block (n <= TABLE_CHUNK) into the
 * chunk and, if widen, grows the column widths to fit them.  Text is written
 * to the arena once; numbers are kept as numbers.
 */
static int chunk_fill(struct render *r, struct table *t, const struct sock_set *set, const uint32_t *idx, size_t from,
		      size_t n, bool widen)
{
	struct obuf *a = &t->arena;
	size_t k = 0;

	a->len = 0;
	for (size_t c = 0; c < r->ncols; c++) {
		t->umax[c] = 0;
		t->any_u[c] = false;
	}
	for (size_t i = from; i < from + n; i++) {
		const struct sock_rec *rec = &set->v[idx ? idx[i] : i];
		const struct sock_ext *ext = sock_set_ext(set, rec);
		size_t rowlen = 0;
		bool rowplain = true;

		for (size_t c = 0; c < r->ncols; c++, k++) {
			struct col_val v;
			size_t off = a->len, len, w;
			bool plain;

			column_get(r->cols[c], r->cc, rec, ext, &v);
			if (v.kind == CV_UINT) {
				t->cell[k].u = v.u;
				t->kind[k] = TC_NUM;
				if (v.u > t->umax[c])
					t->umax[c] = v.u;
				t->any_u[c] = true;
				rowlen += 20;
				continue;
			}
			if (v.kind == CV_STR)
				obuf_put(a, v.str.s, v.str.n);
			else
				col_val_text(&v, a, false);
			if (a->err)
				return a->err;
			len = a->len - off;
			if (len > UINT32_MAX || a->len > UINT32_MAX)
				return -EOVERFLOW;
			/* "-", digits and dots, or vouched for by the getter */
			plain = v.kind == CV_NULL || v.kind == CV_FLOAT || v.kind == CV_OBJECT || (v.kind == CV_STR && v.plain) ||
				str_term_plain(a->buf + off, len);
			t->cell[k].t.off = (uint32_t)off;
			t->cell[k].t.n = (uint32_t)len;
			t->kind[k] = plain ? TC_TEXT | TC_PLAIN : TC_TEXT;
			rowlen += len;
			rowplain &= plain;
			if (!widen)
				continue;
			w = plain ? len : str_term_width(a->buf + off, len);
			if (w > t->width[c])
				t->width[c] = w < CELL_MAX_WIDTH ? w : CELL_MAX_WIDTH;
		}
		t->rowplain[i - from] = rowplain && rowlen <= UINT32_MAX;
		t->rowlen[i - from] = rowplain && rowlen <= UINT32_MAX ? (uint32_t)rowlen : 0;
	}
	/* the fast writer reads FAST_COPY bytes from the start of any cell */
	if (!obuf_reserve(a, FAST_COPY))
		return a->err;
	for (size_t c = 0; widen && c < r->ncols; c++) {
		size_t w = t->any_u[c] ? u64_len(t->umax[c]) : 0;

		if (w > t->width[c])
			t->width[c] = w < CELL_MAX_WIDTH ? w : CELL_MAX_WIDTH;
	}
	return 0;
}

static void put_cell(struct obuf *o, const struct column *c, const char *s, size_t n, bool plain, size_t width,
		     bool last, const char *color)
{
	size_t w = plain ? n : str_term_width(s, n);
	size_t pad = width > w ? width - w : 0;

	if ((c->flags & COLF_RIGHT) && !last)
		obuf_pad(o, ' ', pad);
	if (color && *color)
		obuf_puts(o, color);
	if (plain)
		obuf_put(o, s, n);
	else
		str_escape_term(o, s, n);
	if (color && *color)
		obuf_puts(o, "\033[0m");
	if (!(c->flags & COLF_RIGHT) && !last)
		obuf_pad(o, ' ', pad);
}

/* One row of plain cells without colour, written straight into the output
 * buffer (see FAST_COPY). */
static void row_fast(struct render *r, struct table *t, size_t k, size_t rowlen, size_t widths)
{
	struct obuf *o = r->out;
	char *p = obuf_reserve(o, widths + rowlen + r->ncols + 1 + FAST_PAD + FAST_COPY), *start = p;

	if (!p)
		return;
	for (size_t c = 0; c < r->ncols; c++, k++) {
		bool right = r->cols[c]->flags & COLF_RIGHT, last = c + 1 == r->ncols;
		char num[FAST_COPY];
		const char *s;
		size_t n, pad;

		if (t->kind[k] == TC_NUM) {
			n = u64_fmt(num, t->cell[k].u);
			s = num;
		} else {
			s = t->arena.buf + t->cell[k].t.off;
			n = t->cell[k].t.n;
		}
		pad = t->width[c] > n && !last ? t->width[c] - n : 0;
		if (c)
			*p++ = ' ';
		if (right && pad) {
			memset(p, ' ', FAST_PAD);
			p += pad;
		}
		if (n <= FAST_COPY)
			memcpy(p, s, FAST_COPY);
		else
			memcpy(p, s, n);
		p += n;
		if (!right && pad) {
			memset(p, ' ', FAST_PAD);
			p += pad;
		}
	}
	*p++ = '\n';
	o->len += (size_t)(p - start);
}

/* Writes out the n rows of the chunk. */
static void chunk_emit(struct render *r, struct table *t, const struct sock_set *set, const uint32_t *idx,
		       size_t from, size_t n)
{
	struct obuf *o = r->out;
	size_t k = 0, widths = 0;

	for (size_t c = 0; c < r->ncols; c++)
		widths += t->width[c];
	for (size_t i = from; i < from + n && !o->err; i++) {
		const struct sock_rec *rec = &set->v[idx ? idx[i] : i];

		if (t->rowplain[i - from] && !t->color) {
			row_fast(r, t, k, t->rowlen[i - from], widths);
			k += r->ncols;
			continue;
		}
		for (size_t c = 0; c < r->ncols; c++, k++) {
			const char *color = t->is_state[c] ? state_color(rec->state) : NULL;
			bool last = c + 1 == r->ncols;
			char num[24];

			if (c)
				obuf_putc(o, ' ');
			if (t->kind[k] == TC_NUM)
				put_cell(o, r->cols[c], num, u64_fmt(num, t->cell[k].u), true, t->width[c], last, color);
			else
				put_cell(o, r->cols[c], t->arena.buf + t->cell[k].t.off, t->cell[k].t.n,
					 t->kind[k] & TC_PLAIN, t->width[c], last, color);
		}
		obuf_putc(o, '\n');
	}
}

int render_table_block(struct render *r, const struct sock_set *set, const uint32_t *idx, size_t n, bool last)
{
	struct table *t = table_get(r);
	struct obuf *o = r->out;
	int err;

	if (!t)
		return -ENOMEM;
	/* A block of more than one chunk (a sorted set): widths first, from
	 * all of it, then each chunk again for output. */
	if (n > TABLE_CHUNK) {
		for (size_t from = 0; from < n; from += TABLE_CHUNK) {
			err = chunk_fill(r, t, set, idx, from, n - from < TABLE_CHUNK ? n - from : TABLE_CHUNK, true);
			if (err)
				return err;
		}
	}
	for (size_t from = 0; from < n || (!t->started && from == 0); from += TABLE_CHUNK) {
		size_t cnt = n - from < TABLE_CHUNK ? n - from : TABLE_CHUNK;

		err = chunk_fill(r, t, set, idx, from, cnt, n <= TABLE_CHUNK);
		if (err)
			return err;
		if (!t->started) {
			t->started = true;
			for (size_t c = 0; r->header && c < r->ncols; c++) {
				const char *h = r->cols[c]->header;

				if (c)
					obuf_putc(o, ' ');
				put_cell(o, r->cols[c], h, strlen(h), false, t->width[c], c + 1 == r->ncols, NULL);
			}
			if (r->header && r->ncols)
				obuf_putc(o, '\n');
		}
		chunk_emit(r, t, set, idx, from, cnt);
		if (cnt == 0)
			break;
	}
	if (last && r->legend) {
		uint32_t kinds = render_kinds(r);
		bool several = (kinds & (kinds - 1)) != 0, first = true;

		for (unsigned k = 0; k < KIND_MAX; k++) {
			unsigned long counts[SK_STATE_MAX] = {0};
			bool any = false;

			if (!(kinds & KIND_BIT(k)))
				continue;
			for (int st = 1; st < SK_STATE_MAX; st++) {
				counts[st] = r->counts[k][0][st] + r->counts[k][1][st];
				any |= counts[st] > 0;
			}
			if (!any)
				continue;
			obuf_putc(o, '\n');
			explain_legend(o, kind_get(k), several ? kind_get(k)->title : NULL, counts, r->color);
			first = false;
		}
		(void)first;
	}
	return o->err;
}

int render_table_set(struct render *r, const struct sock_set *set, const uint32_t *idx, size_t n)
{
	return render_table_block(r, set, idx, n, true);
}
