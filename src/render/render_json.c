// SPDX-License-Identifier: MIT
/*
 * render_json: JSON (one document, streamed: constant memory) and JSON Lines
 * (one socket object per line).  Numbers are numbers, unknown values null,
 * owners an array of objects, tcp_info and memory nested objects; every
 * string is escaped to valid UTF-8.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "procmap.h"
#include "render.h"
#include "strutil.h"

/* 2: every record has "netid"; the summary has "kinds" (schema 1 was TCP only) */
#define JSON_SCHEMA 2

void render_json_kinds(const struct render *r, struct obuf *o)
{
	uint32_t kinds = render_kinds(r);
	bool first = true;

	for (unsigned k = 0; k < KIND_MAX; k++) {
		const struct sock_kind *kd = kind_get(k);
		unsigned long total = 0;
		bool fs = true;

		if (!(kinds & KIND_BIT(k)))
			continue;
		for (int st = 1; st < SK_STATE_MAX; st++)
			total += r->counts[k][0][st] + r->counts[k][1][st];
		obuf_printf(o, "%s\"%s\":{\"total\":%lu,\"states\":{", first ? "" : ",", kd->name, total);
		for (size_t i = 0; i < SK_STATE_MAX - 1; i++) {
			int st = state_display_order[i];

			if (!kd->vocab[st].name)
				continue;
			obuf_printf(o, "%s\"%s\":%lu", fs ? "" : ",", kd->vocab[st].name,
				    r->counts[k][0][st] + r->counts[k][1][st]);
			fs = false;
		}
		obuf_puts(o, "}}");
		first = false;
	}
}

static void json_float(struct obuf *o, double f)
{
	struct col_val v = {.kind = CV_FLOAT, .f = f};

	col_val_text(&v, o, false);
}

static void json_value(struct render *r, const struct col_val *v, const struct sock_rec *rec,
		       const struct sock_ext *ext);

static void json_group(struct render *r, enum col_group g, const struct sock_rec *rec, const struct sock_ext *ext)
{
	struct obuf *o = r->out;
	const struct column *c;
	bool first = true;

	obuf_putc(o, '{');
	for (size_t i = 0; (c = column_at(i)) != NULL; i++) {
		struct col_val v;

		if (c->group != g)
			continue;
		column_get(c, r->cc, rec, ext, &v);
		if (!first)
			obuf_putc(o, ',');
		first = false;
		str_escape_json(o, c->name, strlen(c->name));
		obuf_putc(o, ':');
		json_value(r, &v, rec, ext);
	}
	obuf_putc(o, '}');
}

static void json_value(struct render *r, const struct col_val *v, const struct sock_rec *rec,
		       const struct sock_ext *ext)
{
	struct obuf *o = r->out;

	switch (v->kind) {
	case CV_NULL:
		obuf_put(o, "null", 4);
		break;
	case CV_UINT:
		obuf_u64(o, v->u);
		break;
	case CV_FLOAT:
		json_float(o, v->f);
		break;
	case CV_STR:
		str_escape_json(o, v->str.s, v->str.n);
		break;
	case CV_PROCS:
		obuf_putc(o, '[');
		for (size_t i = 0; i < v->procs.n; i++) {
			const struct sock_owner *ow = &v->procs.v[i];

			if (i)
				obuf_putc(o, ',');
			obuf_puts(o, "{\"pid\":");
			obuf_i64(o, ow->pid);
			obuf_puts(o, ",\"comm\":");
			str_escape_json(o, ow->comm, strlen(ow->comm));
			obuf_puts(o, ",\"fd\":");
			obuf_i64(o, ow->fd);
			obuf_putc(o, '}');
		}
		obuf_putc(o, ']');
		break;
	case CV_OBJECT:
		json_group(r, v->group, rec, ext);
		break;
	}
}

void render_json_time(struct obuf *o, const struct timespec *ts, bool millis)
{
	struct tm tm;
	char buf[48];
	time_t t = ts->tv_sec;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	if (millis)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, ".%03ld", ts->tv_nsec / 1000000);
	snprintf(buf + n, sizeof(buf) - n, "Z");
	str_escape_json(o, buf, strlen(buf));
}

int render_json_begin(struct render *r)
{
	struct obuf *o = r->out;

	if (r->fmt == FMT_JSONL)
		return 0;
	obuf_puts(o, "{\"sockscope\":{\"version\":\"" SOCKSCOPE_VERSION "\",\"schema\":");
	obuf_u64(o, JSON_SCHEMA);
	obuf_puts(o, "},\"host\":");
	str_escape_json(o, r->host ? r->host : "", r->host ? strlen(r->host) : 0);
	obuf_puts(o, ",\"time\":");
	render_json_time(o, &r->now, false);
	obuf_puts(o, ",\"backend\":");
	str_escape_json(o, r->backend ? r->backend : "", r->backend ? strlen(r->backend) : 0);
	obuf_puts(o, ",\"sockets\":[");
	return 0;
}

int render_json_row(struct render *r, const struct sock_rec *rec, const struct sock_ext *ext)
{
	struct obuf *o = r->out;

	if (r->fmt == FMT_JSON)
		obuf_puts(o, r->rows > 1 ? ",\n" : "\n");
	obuf_putc(o, '{');
	for (size_t i = 0; i < r->ncols; i++) {
		const struct column *c = r->cols[i];
		struct col_val v;

		column_get(c, r->cc, rec, ext, &v);
		if (i)
			obuf_putc(o, ',');
		obuf_putc(o, '"');
		obuf_puts(o, c->name); /* column names are plain ASCII */
		obuf_put(o, "\":", 2);
		json_value(r, &v, rec, ext);
	}
	obuf_putc(o, '}');
	if (r->fmt == FMT_JSONL)
		obuf_putc(o, '\n');
	return 0;
}

int render_json_end(struct render *r)
{
	struct obuf *o = r->out;
	unsigned long fam[2] = {0, 0};

	if (r->fmt == FMT_JSONL)
		return 0;
	obuf_puts(o, r->rows ? "\n],\"summary\":{\"total\":" : "],\"summary\":{\"total\":");
	obuf_u64(o, r->rows);
	obuf_puts(o, ",\"states\":{");
	for (size_t i = 0; i < SK_STATE_MAX - 1; i++) {
		int st = state_display_order[i];

		if (i)
			obuf_putc(o, ',');
		obuf_printf(o, "\"%s\":%lu", state_name(st), r->counts[KIND_TCP][0][st] + r->counts[KIND_TCP][1][st]);
		fam[0] += r->counts[KIND_TCP][0][st];
		fam[1] += r->counts[KIND_TCP][1][st];
	}
	obuf_printf(o, "},\"families\":{\"inet\":%lu,\"inet6\":%lu},\"kinds\":{", fam[0], fam[1]);
	render_json_kinds(r, o);
	obuf_puts(o, "}}}\n");
	return 0;
}
