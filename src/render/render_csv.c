// SPDX-License-Identifier: MIT
/*
 * render_csv: RFC 4180 CSV with a header row of column names; the same names
 * and values as JSON (null is an empty field, owners "comm(pid=N,fd=N)").
 */
#include <string.h>

#include "obuf.h"
#include "render.h"
#include "strutil.h"

int render_csv_begin(struct render *r)
{
	if (!r->header)
		return 0;
	for (size_t i = 0; i < r->ncols; i++) {
		if (i)
			obuf_putc(r->out, ',');
		obuf_puts(r->out, r->cols[i]->name);
	}
	obuf_put(r->out, "\r\n", 2);
	return 0;
}

int render_csv_row(struct render *r, const struct sock_rec *rec, const struct sock_ext *ext)
{
	struct obuf *tmp = &r->tmp;

	for (size_t i = 0; i < r->ncols; i++) {
		struct col_val v;

		column_get(r->cols[i], r->cc, rec, ext, &v);
		if (i)
			obuf_putc(r->out, ',');
		switch (v.kind) {
		case CV_UINT:
			obuf_u64(r->out, v.u);
			break;
		case CV_STR:
			str_escape_csv(r->out, v.str.s, v.str.n);
			break;
		case CV_NULL:
		case CV_OBJECT:
			break;
		default:
			/* floats and owner lists go through text first */
			tmp->len = 0;
			col_val_text(&v, tmp, true);
			str_escape_csv(r->out, tmp->buf, tmp->len);
		}
	}
	obuf_put(r->out, "\r\n", 2);
	return 0;
}
