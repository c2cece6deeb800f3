// SPDX-License-Identifier: MIT
/*
 * rb_page: parser of ftrace ring-buffer pages (see rb_page.h).  Layout as in
 * the kernel's kernel/trace/ring_buffer.c: the commit word's bit 31 says
 * events were lost before the page, bit 30 that their count is stored as a
 * native long right after the data; an event's time is the page timestamp
 * plus the deltas of the events before it; an absolute time stamp carries the
 * low 59 bits of the time.
 */
#include "rb_page.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RB_MISSED_EVENTS (1UL << 31)
#define RB_MISSED_STORED (1UL << 30)
#define RB_FLAGS (RB_MISSED_EVENTS | RB_MISSED_STORED)
#define TYPE_PADDING 29u
#define TYPE_TIME_EXTEND 30u
#define TYPE_TIME_STAMP 31u
#define TS_SHIFT 27u
#define TS_ABS_BITS 59u

/* Finds "field: ... NAME;\toffset:N;\tsize:M;" in the header_page text. */
static int field(const char *text, size_t len, const char *name, uint32_t *off, uint32_t *size)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i + nl + 1 < len; i++) {
		const char *p = text + i, *end = text + len, *q;
		const char *e;
		unsigned long v;

		if (memcmp(p, name, nl) || p[nl] != ';' || (i > 0 && p[-1] != ' ' && p[-1] != '\t'))
			continue;
		q = p + nl + 1;
		for (int k = 0; k < 2; k++) {
			const char *key = k ? "size:" : "offset:";
			size_t kl = strlen(key);

			while (q < end && (*q == ' ' || *q == '\t'))
				q++;
			if ((size_t)(end - q) < kl + 1 || memcmp(q, key, kl))
				return -EPROTO;
			q += kl;
			if (*q < '0' || *q > '9')
				return -EPROTO;
			/* bounded: the number ends before ';' within the text */
			v = 0;
			for (e = q; e < end && *e >= '0' && *e <= '9'; e++) {
				v = v * 10 + (unsigned long)(*e - '0');
				if (v > 1u << 24)
					return -EPROTO;
			}
			if (e >= end || *e != ';')
				return -EPROTO;
			q = e + 1;
			*(k ? size : off) = (uint32_t)v;
		}
		return 0;
	}
	return -EPROTO;
}

int rb_layout_parse(const char *text, size_t len, struct rb_layout *l)
{
	struct rb_layout x;

	memset(&x, 0, sizeof(x));
	if (!text || field(text, len, "timestamp", &x.ts_off, &x.ts_size) < 0 ||
	    field(text, len, "commit", &x.commit_off, &x.commit_size) < 0 ||
	    field(text, len, "data", &x.data_off, &x.data_size) < 0)
		return -EPROTO;
	if (x.ts_size != 8 || (x.commit_size != 4 && x.commit_size != 8) || x.ts_off + 8 > x.data_off ||
	    x.commit_off + x.commit_size > x.data_off || x.data_off > 4096 || x.data_size < 64 ||
	    x.data_off % 4)
		return -EPROTO;
	*l = x;
	return 0;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t rdn(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	if (n == 8) {
		memcpy(&v, p, 8);
	} else {
		uint32_t w;

		memcpy(&w, p, 4);
		v = w;
	}
	return v;
}

int rb_page_parse(const struct rb_layout *l, const uint8_t *page, size_t len, rb_record_fn fn, void *arg,
		  struct rb_page_info *info)
{
	struct rb_page_info in = {0};
	uint64_t ts, commit;
	size_t data_len, pos;
	const uint8_t *d;

	if (info)
		*info = in;
	if (!l || !page)
		return 0;
	if (len < l->data_off) { /* a short read: no header */
		in.bad += len > 0;
		if (info)
			*info = in;
		return 0;
	}
	ts = rdn(page + l->ts_off, 8);
	commit = rdn(page + l->commit_off, l->commit_size);
	data_len = (size_t)(commit & ~(uint64_t)RB_FLAGS & 0xffffffffULL);
	d = page + l->data_off;
	if (data_len > len - l->data_off) {
		in.bad++;
		data_len = len - l->data_off;
	}
	if (commit & RB_MISSED_EVENTS) {
		size_t ln = l->commit_size; /* a native long, as the commit word */

		if ((commit & RB_MISSED_STORED) && data_len + ln <= len - l->data_off)
			in.missed = rdn(d + data_len, ln);
		else
			in.missed_unknown = true;
	}
	for (pos = 0; pos + 4 <= data_len;) {
		uint32_t h = rd32(d + pos);
		uint32_t type = h & 0x1f, delta = h >> 5;
		size_t rec_len, body;
		int r;

		if (type == TYPE_PADDING) {
			if (!delta)
				break; /* the rest of the page is empty */
			if (pos + 8 > data_len) {
				in.bad++;
				break;
			}
			rec_len = (size_t)rd32(d + pos + 4) + 4;
			if (rec_len < 8 || rec_len > data_len - pos) {
				in.bad++;
				break;
			}
			pos += rec_len; /* a discarded event */
			continue;
		}
		if (type == TYPE_TIME_EXTEND || type == TYPE_TIME_STAMP) {
			uint64_t v;

			if (pos + 8 > data_len) {
				in.bad++;
				break;
			}
			v = ((uint64_t)rd32(d + pos + 4) << TS_SHIFT) | delta;
			if (type == TYPE_TIME_EXTEND)
				ts += v;
			else /* the low bits of an absolute time; the high ones from the page */
				ts = (ts & ~((1ULL << TS_ABS_BITS) - 1)) | (v & ((1ULL << TS_ABS_BITS) - 1));
			pos += 8;
			continue;
		}
		if (type == 0) {
			if (pos + 8 > data_len) {
				in.bad++;
				break;
			}
			rec_len = rd32(d + pos + 4); /* the length word and the data */
			if (rec_len < 4 || rec_len > data_len - pos - 4) {
				in.bad++;
				break;
			}
			body = pos + 8;
			rec_len -= 4;
			pos += 4 + 4 + rec_len;
		} else {
			rec_len = (size_t)type * 4;
			if (rec_len > data_len - pos - 4) {
				in.bad++;
				break;
			}
			body = pos + 4;
			pos += 4 + rec_len;
		}
		ts += delta;
		in.records++;
		if (fn && (r = fn(arg, ts, d + body, rec_len)) < 0) {
			if (info)
				*info = in;
			return r;
		}
	}
	if (info)
		*info = in;
	return 0;
}
