// SPDX-License-Identifier: MIT
/*
 * render: the format-independent part of rendering — dispatch to the
 * format's module and the per-state, per-family counts every format reports.
 */
#include "render.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

void render_count(struct render *r, const struct sock_rec *rec)
{
	if (rec->state < SK_STATE_MAX && rec->kind < KIND_MAX)
		r->counts[rec->kind][rec->family == AF_INET6][rec->state]++;
}

static void count(struct render *r, const struct sock_rec *rec)
{
	render_count(r, rec);
	r->rows++;
}

const char *render_family_name(unsigned kind, int fam)
{
	const struct sock_kind *k = kind_get(kind);

	if (!k || k->inet)
		return fam ? "inet6" : "inet";
	return k->family_name;
}

static int ensure_tmp(struct render *r)
{
	if (r->tmp.buf)
		return 0;
	return obuf_init(&r->tmp, -1, 256);
}

int render_begin(struct render *r)
{
	int err = ensure_tmp(r);

	if (err)
		return err;
	switch (r->fmt) {
	case FMT_JSON:
	case FMT_JSONL:
		return render_json_begin(r);
	case FMT_CSV:
		return render_csv_begin(r);
	case FMT_PROM:
	case FMT_TABLE:
		return 0;
	}
	return -EINVAL;
}

int render_row(struct render *r, const struct sock_rec *rec, const struct sock_ext *ext)
{
	count(r, rec);
	switch (r->fmt) {
	case FMT_JSON:
	case FMT_JSONL:
		return render_json_row(r, rec, ext);
	case FMT_CSV:
		return render_csv_row(r, rec, ext);
	case FMT_PROM:
		return render_prom_row(r, rec, ext);
	case FMT_TABLE:
		return -EINVAL; /* the table needs the whole set */
	}
	return -EINVAL;
}

int render_end(struct render *r)
{
	int err = 0;

	switch (r->fmt) {
	case FMT_JSON:
	case FMT_JSONL:
		err = render_json_end(r);
		break;
	case FMT_PROM:
		err = render_prom_end(r);
		break;
	case FMT_CSV:
	case FMT_TABLE:
		break;
	}
	return err ? err : r->out->err;
}

int render_set(struct render *r, const struct sock_set *set, const uint32_t *idx, size_t n)
{
	int err;

	err = ensure_tmp(r);
	if (err)
		return err;
	if (r->fmt == FMT_TABLE) {
		for (size_t i = 0; i < n; i++)
			count(r, &set->v[idx ? idx[i] : i]);
		return render_table_set(r, set, idx, n);
	}
	err = render_begin(r);
	for (size_t i = 0; !err && i < n; i++) {
		const struct sock_rec *rec = &set->v[idx ? idx[i] : i];

		err = render_row(r, rec, sock_set_ext(set, rec));
		if (!err && r->out->err)
			err = r->out->err;
	}
	return err ? err : render_end(r);
}

int render_block(struct render *r, const struct sock_set *set, bool last)
{
	int err = ensure_tmp(r);

	if (err)
		return err;
	for (size_t i = 0; i < set->n; i++)
		count(r, &set->v[i]);
	return render_table_block(r, set, NULL, set->n, last);
}

void render_free(struct render *r)
{
	if (!r)
		return;
	if (r->fmt == FMT_PROM)
		render_prom_free(r);
	else if (r->fmt == FMT_TABLE)
		render_table_free(r);
	free(r->priv);
	r->priv = NULL;
	obuf_free(&r->tmp);
}
