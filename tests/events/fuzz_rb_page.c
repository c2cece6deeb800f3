// SPDX-License-Identifier: MIT
/*
 * fuzz_rb_page: hostile tracefs events/header_page text and hostile ftrace
 * ring-buffer pages (trace_pipe_raw).  The first byte chooses: its low two
 * bits the mode, its high six bits the record on which the callback stops the
 * walk (0: never).  Mode 0: the rest is a page; mode 1: the rest is a
 * header_page text; mode 2 and 3: two more bytes (little-endian) give the
 * length of a header_page text, the rest is a page walked with the layout of
 * that text when it parses.  The rest is always also walked as a page with
 * the real 64-bit layout and a 32-bit one, as given and from an unaligned
 * copy.  The callback reads every payload byte, so that ASan sees overreads,
 * and checks that each record lies within the data the commit word gives;
 * results are checked against the parser's promises, a broken one aborts.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rb_page.h"

static const char real_header[] = "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
				  "\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
				  "\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
				  "\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n";

static const char header32[] = "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
			       "\tfield: local_t commit;\toffset:8;\tsize:4;\tsigned:1;\n"
			       "\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
			       "\tfield: char data;\toffset:12;\tsize:4084;\tsigned:0;\n";

struct walk {
	const uint8_t *lo, *hi; /* the page's data area */
	unsigned calls, stop_at;
	unsigned sum;
};

static int on_rec(void *arg, uint64_t ts, const uint8_t *data, size_t len)
{
	struct walk *w = arg;

	(void)ts;
	if (data < w->lo || data > w->hi || len > (size_t)(w->hi - data))
		abort();
	for (size_t i = 0; i < len; i++) /* every byte: ASan sees overreads */
		w->sum += data[i];
	w->calls++;
	if (w->stop_at && w->calls == w->stop_at)
		return -ECANCELED;
	return 0;
}

static void check_layout(const struct rb_layout *l)
{
	if (l->ts_size != 8 || (l->commit_size != 4 && l->commit_size != 8) || l->data_off > 4096 ||
	    l->data_off % 4 || l->ts_off + 8 > l->data_off || l->commit_off + l->commit_size > l->data_off ||
	    l->data_size < 64)
		abort();
}

static void walk(const struct rb_layout *l, const uint8_t *p, size_t n, unsigned stop_at)
{
	struct walk w = {0};
	struct rb_page_info info;
	size_t data_len = 0;
	bool too_long = false;
	int r;

	w.stop_at = stop_at;
	w.lo = w.hi = p;
	if (n >= l->data_off) {
		uint64_t c = 0;
		uint32_t c32;

		/* records lie within the data the commit word gives */
		if (l->commit_size == 8) {
			memcpy(&c, p + l->commit_off, 8);
		} else {
			memcpy(&c32, p + l->commit_off, 4);
			c = c32;
		}
		data_len = (size_t)(c & 0x3fffffff);
		too_long = data_len > n - l->data_off;
		if (too_long)
			data_len = n - l->data_off;
		w.lo = p + l->data_off;
		w.hi = w.lo + data_len;
	}
	memset(&info, 0xa5, sizeof(info));
	r = rb_page_parse(l, p, n, on_rec, &w, &info);
	if (r != 0 && !(r == -ECANCELED && stop_at && w.calls == stop_at))
		abort();
	if (r == 0 && stop_at && w.calls >= stop_at)
		abort();
	if (info.records != w.calls || info.bad > 2 || (info.missed_unknown && info.missed))
		abort();
	/* a commit beyond the page is counted bad */
	if (too_long && !info.bad)
		abort();
	/* shorter than the page header: nothing but one bad count (a short read) */
	if (n < l->data_off && (info.records || info.bad != (n > 0) || info.missed || info.missed_unknown))
		abort();
	/* every record takes at least its 4-byte header */
	if ((size_t)info.records * 4 > data_len)
		abort();
	/* without a callback: the same records, the same header */
	{
		struct rb_page_info i2;

		r = rb_page_parse(l, p, n, NULL, NULL, &i2);
		if (r != 0 || i2.missed != info.missed || i2.missed_unknown != info.missed_unknown ||
		    (!stop_at && (i2.records != info.records || i2.bad != info.bad)) ||
		    i2.records < info.records)
			abort();
	}
}

static void walk_both(const struct rb_layout *l, const uint8_t *p, size_t n, unsigned stop_at)
{
	uint8_t *copy = malloc(n + 1);

	walk(l, p, n, stop_at);
	if (!copy)
		return;
	memcpy(copy + 1, p, n);
	walk(l, copy + 1, n, stop_at);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rb_layout real, l32;
	struct rb_layout l;
	unsigned mode, stop_at;
	size_t tlen;
	int r;

	if (size > 1 << 20)
		return 0;
	if (rb_layout_parse(real_header, sizeof(real_header) - 1, &real) != 0 ||
	    rb_layout_parse(header32, sizeof(header32) - 1, &l32) != 0)
		abort();
	if (size < 1)
		return 0;
	mode = data[0] & 3;
	stop_at = data[0] >> 2;
	data++;
	size--;
	walk_both(&real, data, size, stop_at);
	walk_both(&l32, data, size, stop_at);
	if (mode == 0)
		return 0;
	if (mode == 1) {
		r = rb_layout_parse((const char *)data, size, &l);
		if (r != 0 && r != -EPROTO)
			abort();
		if (r == 0)
			check_layout(&l);
		return 0;
	}
	if (size < 2)
		return 0;
	tlen = (size_t)data[0] | (size_t)data[1] << 8;
	if (tlen > size - 2)
		tlen = size - 2;
	r = rb_layout_parse((const char *)data + 2, tlen, &l);
	if (r != 0 && r != -EPROTO)
		abort();
	if (r != 0)
		return 0;
	check_layout(&l);
	walk_both(&l, data + 2 + tlen, size - 2 - tlen, stop_at);
	return 0;
}
