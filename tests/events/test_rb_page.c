// SPDX-License-Identifier: MIT
/*
 * Unit tests for rb_page: the layout text of tracefs events/header_page (the
 * real 64-bit one, a 32-bit one, missing fields, zero sizes, garbage numbers,
 * every truncation) and ring-buffer pages built by hand: small records of
 * every type_len 1-28 with their exact times and payloads, long records
 * (type_len 0), time extends, absolute time stamps, discarded events, null
 * padding, events missed before the page (count stored or not), a commit
 * larger than the page, truncated event headers at the end, and the
 * callback's negative return stopping the walk.  Pages whose end matters are
 * copied into buffers of their exact length so that ASan sees any overread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rb_page.h"

/* /sys/kernel/tracing/events/header_page of a 64-bit Linux. */
static const char real_header[] = "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
				  "\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
				  "\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
				  "\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n";

/* The same for a 32-bit kernel: a 4-byte local_t. */
static const char header32[] = "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
			       "\tfield: local_t commit;\toffset:8;\tsize:4;\tsigned:1;\n"
			       "\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
			       "\tfield: char data;\toffset:12;\tsize:4084;\tsigned:0;\n";

#define PAGE 4096
#define RB_MISSED_EVENTS (1ULL << 31)
#define RB_MISSED_STORED (1ULL << 30)

/* ---- a page builder ---- */

struct pb {
	struct rb_layout l;
	uint8_t page[PAGE];
	size_t pos; /* within the data area */
};

static void put32(uint8_t *p, size_t off, uint32_t v) { memcpy(p + off, &v, 4); }
static void put64(uint8_t *p, size_t off, uint64_t v) { memcpy(p + off, &v, 8); }

static uint8_t *pb_data(struct pb *b) { return b->page + b->l.data_off; }

static void pb_init(struct pb *b, const char *header, uint64_t ts)
{
	memset(b, 0, sizeof(*b));
	assert_int_equal(rb_layout_parse(header, strlen(header), &b->l), 0);
	memset(b->page, 0xee, sizeof(b->page)); /* what is not written is not zero */
	put64(b->page, b->l.ts_off, ts);
}

static void pb_word(struct pb *b, uint32_t w)
{
	assert_true(b->l.data_off + b->pos + 4 <= PAGE);
	put32(pb_data(b), b->pos, w);
	b->pos += 4;
}

static uint32_t hdr(uint32_t type_len, uint32_t delta)
{
	assert_true(type_len < 32 && delta < (1u << 27));
	return type_len | delta << 5;
}

/* A payload byte: recognisable per record (seed) and position. */
static uint8_t pay(unsigned seed, size_t i) { return (uint8_t)(seed * 37u + i * 7u + 1u); }

static void pb_bytes(struct pb *b, unsigned seed, size_t n)
{
	assert_true(b->l.data_off + b->pos + n <= PAGE);
	for (size_t i = 0; i < n; i++)
		pb_data(b)[b->pos + i] = pay(seed, i);
	b->pos += n;
}

/* type_len 1..28: n = type_len * 4 bytes of data after the header word */
static void pb_small(struct pb *b, uint32_t delta, unsigned seed, size_t n)
{
	assert_true(n >= 4 && n <= 112 && n % 4 == 0);
	pb_word(b, hdr((uint32_t)(n / 4), delta));
	pb_bytes(b, seed, n);
}

/* type_len 0: the length word (4 + data length), then the data */
static void pb_long(struct pb *b, uint32_t delta, unsigned seed, size_t n)
{
	pb_word(b, hdr(0, delta));
	pb_word(b, (uint32_t)(n + 4));
	pb_bytes(b, seed, n);
}

static void pb_extend(struct pb *b, uint64_t v)
{
	pb_word(b, hdr(30, (uint32_t)(v & ((1u << 27) - 1))));
	pb_word(b, (uint32_t)(v >> 27));
}

static void pb_abs(struct pb *b, uint64_t v)
{
	pb_word(b, hdr(31, (uint32_t)(v & ((1u << 27) - 1))));
	pb_word(b, (uint32_t)(v >> 27));
}

/* a discarded event of total size total (>= 8): padding with a delta */
static void pb_discard(struct pb *b, uint32_t delta, size_t total)
{
	pb_word(b, hdr(29, delta));
	pb_word(b, (uint32_t)(total - 4));
	pb_bytes(b, 0xdd, total - 8);
}

static void pb_null(struct pb *b) { pb_word(b, hdr(29, 0)); }

/* the commit word: data length (the bytes written so far) and flags */
static void pb_commit(struct pb *b, uint64_t flags)
{
	uint64_t c = b->pos | flags;

	if (b->l.commit_size == 8)
		put64(b->page, b->l.commit_off, c);
	else
		put32(b->page, b->l.commit_off, (uint32_t)c);
}

/* the count of missed events stored after the data (not part of commit) */
static void pb_missed_count(struct pb *b, uint64_t n)
{
	if (b->l.commit_size == 8)
		put64(pb_data(b), b->pos, n);
	else
		put32(pb_data(b), b->pos, (uint32_t)n);
}

/* ---- the records seen ---- */

#define MAXREC 64

struct rec {
	uint64_t ts;
	const uint8_t *data;
	size_t len;
	unsigned sum;
};

struct seen {
	struct rec r[MAXREC];
	size_t n;
	size_t stop_at; /* return ret on this record (1-based), 0: never */
	int ret;
};

static int on_rec(void *arg, uint64_t ts, const uint8_t *data, size_t len)
{
	struct seen *s = arg;
	unsigned sum = 0;

	for (size_t i = 0; i < len; i++) /* every byte is read: ASan sees overreads */
		sum += data[i];
	assert_true(s->n < MAXREC);
	s->r[s->n] = (struct rec){ts, data, len, sum};
	s->n++;
	if (s->stop_at && s->n == s->stop_at)
		return s->ret;
	return 0;
}

/* Record i: its time, where its data is in the page and every byte. */
static void check_rec(const struct seen *s, size_t i, const uint8_t *page_data, uint64_t ts, size_t off,
		      unsigned seed, size_t len)
{
	assert_true(i < s->n);
	assert_true(s->r[i].ts == ts);
	assert_int_equal(s->r[i].len, len);
	assert_ptr_equal(s->r[i].data, page_data + off);
	for (size_t k = 0; k < len; k++)
		assert_int_equal(s->r[i].data[k], pay(seed, k));
}

/* Parses the first len bytes of the page from a buffer of exactly len. */
static int parse_exact(const struct pb *b, size_t len, struct seen *s, struct rb_page_info *info,
		       uint8_t **copy)
{
	*copy = malloc(len ? len : 1);
	assert_non_null(*copy);
	memcpy(*copy, b->page, len);
	return rb_page_parse(&b->l, *copy, len, on_rec, s, info);
}

/* ---- the layout ---- */

static void t_layout_real(void **unused)
{
	struct rb_layout l;

	(void)unused;
	memset(&l, 0xab, sizeof(l));
	assert_int_equal(rb_layout_parse(real_header, sizeof(real_header) - 1, &l), 0);
	assert_int_equal(l.ts_off, 0);
	assert_int_equal(l.ts_size, 8);
	assert_int_equal(l.commit_off, 8);
	assert_int_equal(l.commit_size, 8);
	assert_int_equal(l.data_off, 16);
	assert_int_equal(l.data_size, 4080);

	memset(&l, 0xab, sizeof(l));
	assert_int_equal(rb_layout_parse(header32, sizeof(header32) - 1, &l), 0);
	assert_int_equal(l.commit_off, 8);
	assert_int_equal(l.commit_size, 4);
	assert_int_equal(l.data_off, 12);
	assert_int_equal(l.data_size, 4084);

	/* Not NUL-terminated: the length bounds the parse. */
	{
		char buf[sizeof(real_header) + 8];

		memcpy(buf, real_header, sizeof(real_header) - 1);
		memset(buf + sizeof(real_header) - 1, '9', 9);
		assert_int_equal(rb_layout_parse(buf, sizeof(real_header) - 1, &l), 0);
		assert_int_equal(l.data_size, 4080);
	}
}

/* A rejected text leaves the layout as it was. */
static void expect_reject(const char *text, size_t len)
{
	struct rb_layout l, before;

	memset(&l, 0x5a, sizeof(l));
	before = l;
	assert_int_equal(rb_layout_parse(text, len, &l), -EPROTO);
	assert_memory_equal(&l, &before, sizeof(l));
}

static void t_layout_rejects(void **unused)
{
	static const char *const bad[] = {
		/* a field missing */
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n",
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n",
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n",
		/* a name only as a suffix of another */
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		"\tfield: char mydata;\toffset:16;\tsize:4080;\tsigned:0;\n",
		/* size 0 */
		"\tfield: u64 timestamp;\toffset:0;\tsize:0;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n",
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:0;\tsigned:1;\n"
		"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n",
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		"\tfield: char data;\toffset:16;\tsize:0;\tsigned:0;\n",
		/* garbage numbers */
		"\tfield: u64 timestamp;\toffset:x;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n",
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8x;\tsigned:1;\n"
		"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n",
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		"\tfield: char data;\toffset:-16;\tsize:4080;\tsigned:0;\n",
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		"\tfield: char data;\toffset:;\tsize:4080;\tsigned:0;\n",
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		"\tfield: char data;\toffset:16;\tsize:99999999999999999999999;\tsigned:0;\n",
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		"\tfield: char data;\tsize:4080;\toffset:16;\tsigned:0;\n",
		/* sizes and offsets that no page has */
		"\tfield: u64 timestamp;\toffset:0;\tsize:4;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n",
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:2;\tsigned:1;\n"
		"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n",
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:12;\tsize:8;\tsigned:1;\n"
		"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n",
		"\tfield: u64 timestamp;\toffset:12;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:0;\tsize:8;\tsigned:1;\n"
		"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n",
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		"\tfield: char data;\toffset:18;\tsize:4080;\tsigned:0;\n",
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		"\tfield: char data;\toffset:8192;\tsize:4080;\tsigned:0;\n",
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		"\tfield: char data;\toffset:16;\tsize:32;\tsigned:0;\n",
		"",
	};
	size_t full = sizeof(real_header) - 1;
	size_t need = (size_t)(strstr(real_header, "4080;") - real_header) + 5;
	struct rb_layout l;

	(void)unused;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_reject(bad[i], strlen(bad[i]));
	assert_int_equal(rb_layout_parse(NULL, 10, &l), -EPROTO);
	/* Every truncation: refused until the data field's size is complete,
	 * the same layout from there on. */
	for (size_t n = 0; n < need; n++)
		expect_reject(real_header, n);
	for (size_t n = need; n <= full; n++) {
		memset(&l, 0, sizeof(l));
		assert_int_equal(rb_layout_parse(real_header, n, &l), 0);
		assert_int_equal(l.data_off, 16);
		assert_int_equal(l.data_size, 4080);
		assert_int_equal(l.commit_size, 8);
	}
}

/* ---- pages ---- */

/* One record of each type_len 1..28, the deltas adding up. */
static void t_small_records(void **unused)
{
	static struct pb b;
	struct seen s = {0};
	struct rb_page_info info;
	size_t off[29];
	uint64_t ts = 1000000000ULL, want[29];
	uint8_t *copy;

	(void)unused;
	pb_init(&b, real_header, ts);
	for (uint32_t t = 1; t <= 28; t++) {
		uint32_t delta = t == 5 ? (1u << 27) - 1 : t * 100u; /* the largest delta too */

		ts += delta;
		want[t] = ts;
		off[t] = b.pos + 4;
		pb_small(&b, delta, t, t * 4);
	}
	pb_commit(&b, 0);
	assert_int_equal(b.pos, 28 * 4 + 4 * (28 * 29 / 2));
	assert_int_equal(parse_exact(&b, PAGE, &s, &info, &copy), 0);
	assert_int_equal(info.records, 28);
	assert_int_equal(info.bad, 0);
	assert_true(info.missed == 0);
	assert_false(info.missed_unknown);
	assert_int_equal(s.n, 28);
	for (uint32_t t = 1; t <= 28; t++)
		check_rec(&s, t - 1, copy + 16, want[t], off[t], t, t * 4);
	free(copy);

	/* The same page with the real page length but a shorter buffer: the
	 * data ends where the commit says. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(parse_exact(&b, 16 + b.pos, &s, &info, &copy), 0);
	assert_int_equal(info.records, 28);
	assert_int_equal(info.bad, 0);
	assert_true(s.r[27].ts == want[28]);
	free(copy);

	/* No callback: the records are still counted. */
	assert_int_equal(rb_page_parse(&b.l, b.page, PAGE, NULL, NULL, &info), 0);
	assert_int_equal(info.records, 28);
	/* No info: fine too. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(rb_page_parse(&b.l, b.page, PAGE, on_rec, &s, NULL), 0);
	assert_int_equal(s.n, 28);
}

/* type_len 0: a 200-byte record, an empty one, and one of 4 bytes. */
static void t_long_record(void **unused)
{
	static struct pb b;
	struct seen s = {0};
	struct rb_page_info info;
	uint8_t *copy;

	(void)unused;
	pb_init(&b, real_header, 500);
	pb_long(&b, 3, 1, 200);
	pb_long(&b, 4, 2, 0);
	pb_long(&b, 5, 3, 4);
	pb_small(&b, 6, 4, 8);
	pb_commit(&b, 0);
	assert_int_equal(b.pos, 208 + 8 + 12 + 12);
	assert_int_equal(parse_exact(&b, 16 + b.pos, &s, &info, &copy), 0);
	assert_int_equal(info.records, 4);
	assert_int_equal(info.bad, 0);
	check_rec(&s, 0, copy + 16, 503, 8, 1, 200);
	check_rec(&s, 1, copy + 16, 507, 216, 2, 0);
	check_rec(&s, 2, copy + 16, 512, 224, 3, 4);
	check_rec(&s, 3, copy + 16, 518, 232, 4, 8);
	free(copy);
}

/* Time extends: ts += (word << 27) | delta. */
static void t_time_extend(void **unused)
{
	static struct pb b;
	struct seen s = {0};
	struct rb_page_info info;
	uint64_t big = (0x12345ULL << 27) | 0x6789a;
	uint8_t *copy;

	(void)unused;
	pb_init(&b, real_header, 1000);
	pb_small(&b, 10, 1, 4);
	pb_extend(&b, big);
	pb_small(&b, 7, 2, 12);
	pb_extend(&b, 0xffffffffULL << 27 | ((1u << 27) - 1)); /* the largest */
	pb_extend(&b, 1);
	pb_small(&b, 0, 3, 4);
	pb_commit(&b, 0);
	assert_int_equal(parse_exact(&b, 16 + b.pos, &s, &info, &copy), 0);
	assert_int_equal(info.records, 3);
	assert_int_equal(info.bad, 0);
	check_rec(&s, 0, copy + 16, 1010, 4, 1, 4);
	check_rec(&s, 1, copy + 16, 1010 + big + 7, 20, 2, 12);
	check_rec(&s, 2, copy + 16, 1010 + big + 7 + ((1ULL << 59) - 1) + 1, 52, 3, 4);
	free(copy);
}

/* Absolute time stamps: the low 59 bits replaced, the high ones kept. */
static void t_abs_timestamp(void **unused)
{
	static struct pb b;
	struct seen s = {0};
	struct rb_page_info info;
	uint64_t high = 3ULL << 59, abs1 = 0x0123456789abcdeULL, abs2 = 0x7ffffffffffffffULL;
	uint8_t *copy;

	(void)unused;
	pb_init(&b, real_header, high | 5000);
	pb_small(&b, 100, 1, 4);
	pb_abs(&b, abs1);
	pb_small(&b, 9, 2, 8);
	pb_abs(&b, abs2);
	pb_small(&b, 0, 3, 4);
	pb_abs(&b, 42);
	pb_extend(&b, 1ULL << 27);
	pb_small(&b, 1, 4, 4);
	pb_commit(&b, 0);
	assert_int_equal(parse_exact(&b, 16 + b.pos, &s, &info, &copy), 0);
	assert_int_equal(info.records, 4);
	assert_int_equal(info.bad, 0);
	check_rec(&s, 0, copy + 16, high | 5100, 4, 1, 4);
	check_rec(&s, 1, copy + 16, (high | abs1) + 9, 20, 2, 8);
	check_rec(&s, 2, copy + 16, high | abs2, 40, 3, 4);
	check_rec(&s, 3, copy + 16, (high | 42) + (1ULL << 27) + 1, 64, 4, 4);
	free(copy);

	/* A page time without high bits: the absolute time as it is. */
	memset(&s, 0, sizeof(s));
	pb_init(&b, real_header, 77);
	pb_abs(&b, abs2);
	pb_small(&b, 3, 5, 4);
	pb_commit(&b, 0);
	assert_int_equal(rb_page_parse(&b.l, b.page, PAGE, on_rec, &s, &info), 0);
	assert_int_equal(info.records, 1);
	check_rec(&s, 0, b.page + 16, abs2 + 3, 12, 5, 4);
}

/* A discarded event (padding with a delta and a length) in the middle: skipped,
 * its delta not counted. */
static void t_discarded(void **unused)
{
	static struct pb b;
	struct seen s = {0};
	struct rb_page_info info;
	uint8_t *copy;

	(void)unused;
	pb_init(&b, real_header, 100);
	pb_small(&b, 1, 1, 8);
	pb_discard(&b, 50, 24);
	pb_small(&b, 2, 2, 4);
	pb_discard(&b, 1, 8); /* the smallest */
	pb_discard(&b, 3, 212); /* a discarded long record */
	pb_long(&b, 4, 3, 100);
	pb_commit(&b, 0);
	assert_int_equal(parse_exact(&b, 16 + b.pos, &s, &info, &copy), 0);
	assert_int_equal(info.records, 3);
	assert_int_equal(info.bad, 0);
	check_rec(&s, 0, copy + 16, 101, 4, 1, 8);
	check_rec(&s, 1, copy + 16, 103, 40, 2, 4);
	check_rec(&s, 2, copy + 16, 107, 44 + 8 + 212 + 8, 3, 100);
	free(copy);

	/* A discarded event longer than the data: bad, nothing after it. */
	memset(&s, 0, sizeof(s));
	pb_init(&b, real_header, 100);
	pb_small(&b, 1, 1, 4);
	pb_word(&b, hdr(29, 1));
	pb_word(&b, 100);
	pb_small(&b, 1, 2, 4);
	pb_commit(&b, 0);
	assert_int_equal(parse_exact(&b, 16 + b.pos, &s, &info, &copy), 0);
	assert_int_equal(info.records, 1);
	assert_int_equal(info.bad, 1);
	assert_int_equal(s.n, 1);
	free(copy);

	/* One shorter than its own header (length word 0..3): bad, even when
	 * what follows would read as a record (with w = 0, from the length
	 * word on: a type_len 0 record of 4 bytes). */
	for (uint32_t w = 0; w < 4; w++) {
		memset(&s, 0, sizeof(s));
		pb_init(&b, real_header, 100);
		pb_word(&b, hdr(29, 1));
		pb_word(&b, w);
		pb_word(&b, 8);
		pb_bytes(&b, 1, 4);
		pb_small(&b, 1, 2, 4);
		pb_commit(&b, 0);
		assert_int_equal(rb_page_parse(&b.l, b.page, PAGE, on_rec, &s, &info), 0);
		assert_int_equal(info.records, 0);
		assert_int_equal(info.bad, 1);
		assert_int_equal(s.n, 0);
	}
}

/* Null padding (type 29, delta 0): the rest of the page is empty, even when
 * the commit goes further and what follows looks like records. */
static void t_null_padding(void **unused)
{
	static struct pb b;
	struct seen s = {0};
	struct rb_page_info info;

	(void)unused;
	pb_init(&b, real_header, 10);
	pb_small(&b, 1, 1, 4);
	pb_small(&b, 1, 2, 4);
	pb_null(&b);
	pb_small(&b, 1, 3, 4);
	pb_long(&b, 1, 4, 40);
	pb_commit(&b, 0);
	assert_int_equal(rb_page_parse(&b.l, b.page, PAGE, on_rec, &s, &info), 0);
	assert_int_equal(info.records, 2);
	assert_int_equal(info.bad, 0);
	assert_int_equal(s.n, 2);
	check_rec(&s, 1, b.page + 16, 12, 12, 2, 4);

	/* Null padding as the last word of the data. */
	memset(&s, 0, sizeof(s));
	pb_init(&b, real_header, 10);
	pb_small(&b, 1, 1, 4);
	pb_null(&b);
	pb_commit(&b, 0);
	assert_int_equal(rb_page_parse(&b.l, b.page, PAGE, on_rec, &s, &info), 0);
	assert_int_equal(info.records, 1);
	assert_int_equal(info.bad, 0);

	/* An empty page: commit 0. */
	memset(&s, 0, sizeof(s));
	pb_init(&b, real_header, 10);
	pb_commit(&b, 0);
	assert_int_equal(rb_page_parse(&b.l, b.page, PAGE, on_rec, &s, &info), 0);
	assert_int_equal(info.records, 0);
	assert_int_equal(info.bad, 0);
	assert_int_equal(s.n, 0);
}

/* Events missed before the page: the count stored after the data (bit 30),
 * or not (missed_unknown). */
static void t_missed(void **unused)
{
	static struct pb b;
	struct seen s = {0};
	struct rb_page_info info;
	uint8_t *copy;

	(void)unused;
	pb_init(&b, real_header, 10);
	pb_small(&b, 1, 1, 8);
	pb_missed_count(&b, 0x123456789ULL);
	pb_commit(&b, RB_MISSED_EVENTS | RB_MISSED_STORED);
	/* exactly the data and the count: the count is inside the buffer */
	assert_int_equal(parse_exact(&b, 16 + b.pos + 8, &s, &info, &copy), 0);
	assert_true(info.missed == 0x123456789ULL);
	assert_false(info.missed_unknown);
	assert_int_equal(info.records, 1);
	assert_int_equal(info.bad, 0);
	check_rec(&s, 0, copy + 16, 11, 4, 1, 8);
	free(copy);

	/* bit 31 only: how many is unknown */
	memset(&s, 0, sizeof(s));
	pb_commit(&b, RB_MISSED_EVENTS);
	assert_int_equal(rb_page_parse(&b.l, b.page, PAGE, on_rec, &s, &info), 0);
	assert_true(info.missed == 0);
	assert_true(info.missed_unknown);
	assert_int_equal(info.records, 1);

	/* bit 30 without bit 31: nothing missed */
	pb_commit(&b, RB_MISSED_STORED);
	assert_int_equal(rb_page_parse(&b.l, b.page, PAGE, NULL, NULL, &info), 0);
	assert_true(info.missed == 0);
	assert_false(info.missed_unknown);
	assert_int_equal(info.records, 1);

	/* stored, but the buffer ends before the count: unknown, no overread */
	memset(&s, 0, sizeof(s));
	pb_commit(&b, RB_MISSED_EVENTS | RB_MISSED_STORED);
	assert_int_equal(parse_exact(&b, 16 + b.pos + 7, &s, &info, &copy), 0);
	assert_true(info.missed == 0);
	assert_true(info.missed_unknown);
	assert_int_equal(info.records, 1);
	free(copy);

	/* The high half of a 64-bit commit is not part of the length. */
	put64(b.page, 8, (0xdeadULL << 32) | b.pos | RB_MISSED_EVENTS | RB_MISSED_STORED);
	assert_int_equal(rb_page_parse(&b.l, b.page, PAGE, NULL, NULL, &info), 0);
	assert_true(info.missed == 0x123456789ULL);
	assert_int_equal(info.records, 1);
	assert_int_equal(info.bad, 0);

	/* 32-bit layout: a 4-byte commit and a 4-byte count. */
	memset(&s, 0, sizeof(s));
	pb_init(&b, header32, 10);
	pb_small(&b, 2, 1, 4);
	pb_long(&b, 3, 2, 120);
	pb_missed_count(&b, 77);
	put32(pb_data(&b), b.pos + 4, 0xffffffffu); /* not part of the count */
	pb_commit(&b, RB_MISSED_EVENTS | RB_MISSED_STORED);
	assert_int_equal(parse_exact(&b, 12 + b.pos + 4, &s, &info, &copy), 0);
	assert_true(info.missed == 77);
	assert_false(info.missed_unknown);
	assert_int_equal(info.records, 2);
	assert_int_equal(info.bad, 0);
	check_rec(&s, 0, copy + 12, 12, 4, 1, 4);
	check_rec(&s, 1, copy + 12, 15, 16, 2, 120);
	free(copy);
}

/* A commit length beyond the page: bad, the walk bounded by the page. */
static void t_commit_too_large(void **unused)
{
	static struct pb b;
	struct seen s = {0};
	struct rb_page_info info;
	uint8_t *copy;

	(void)unused;
	pb_init(&b, real_header, 10);
	pb_small(&b, 1, 1, 4);
	pb_small(&b, 1, 2, 8);
	put64(b.page, 8, 5000);
	/* the buffer ends right after the two records */
	assert_int_equal(parse_exact(&b, 16 + b.pos, &s, &info, &copy), 0);
	assert_int_equal(info.bad, 1);
	assert_int_equal(info.records, 2);
	check_rec(&s, 1, copy + 16, 12, 12, 2, 8);
	free(copy);

	/* the largest length: 2^30 - 1, and records up to the end of a full page */
	memset(&s, 0, sizeof(s));
	pb_init(&b, real_header, 10);
	for (int i = 0; i < 35; i++)
		pb_small(&b, 1, (unsigned)i, 112); /* 35 * 116 = 4060 */
	pb_small(&b, 1, 35, 16);
	assert_int_equal(b.pos, 4080);
	put64(b.page, 8, (1ULL << 30) - 1);
	assert_int_equal(parse_exact(&b, PAGE, &s, &info, &copy), 0);
	assert_int_equal(info.bad, 1);
	assert_int_equal(info.records, 36);
	check_rec(&s, 34, copy + 16, 45, 34 * 116 + 4, 34, 112);
	check_rec(&s, 35, copy + 16, 46, 4060 + 4, 35, 16);
	free(copy);

	/* ... with the missed flags: no room for the count */
	memset(&s, 0, sizeof(s));
	put64(b.page, 8, ((1ULL << 30) - 1) | RB_MISSED_EVENTS | RB_MISSED_STORED);
	assert_int_equal(parse_exact(&b, PAGE, &s, &info, &copy), 0);
	assert_int_equal(info.bad, 1);
	assert_true(info.missed_unknown);
	assert_true(info.missed == 0);
	assert_int_equal(info.records, 36);
	free(copy);

	/* a buffer shorter than the page header: nothing read */
	memset(&s, 0, sizeof(s));
	for (size_t n = 0; n < 16; n++) {
		memset(&info, 0xff, sizeof(info));
		assert_int_equal(parse_exact(&b, n, &s, &info, &copy), 0);
		assert_int_equal(info.records, 0);
		assert_true(info.missed == 0);
		assert_false(info.missed_unknown);
		free(copy);
	}
	assert_int_equal(s.n, 0);
	assert_int_equal(rb_page_parse(NULL, b.page, PAGE, on_rec, &s, &info), 0);
	assert_int_equal(rb_page_parse(&b.l, NULL, PAGE, on_rec, &s, &info), 0);
	assert_int_equal(info.records, 0);
	assert_int_equal(s.n, 0);
}

/* An event header cut by the end of the data: bad, the records before it
 * delivered, nothing read past the data. */
static void t_truncated(void **unused)
{
	static struct pb b;
	struct {
		uint32_t w1;
		int has_w2;
		uint32_t w2;
		size_t extra; /* bytes after the words */
	} cut[] = {
		{0 | 1u << 5, 0, 0, 0},        /* type_len 0 without its length word */
		{0 | 1u << 5, 1, 40, 8},       /* type_len 0, length beyond the data */
		{0 | 1u << 5, 1, 3, 0},        /* type_len 0, length < 4 */
		{2 | 1u << 5, 0, 0, 4},        /* 8 bytes of data, 4 there */
		{28 | 1u << 5, 0, 0, 108},     /* 112 bytes of data, 108 there */
		{1 | 1u << 5, 0, 0, 0},        /* 4 bytes of data, none there */
		{30 | 1u << 5, 0, 0, 0},       /* time extend without its word */
		{31 | 1u << 5, 0, 0, 0},       /* absolute time without its word */
		{29 | 1u << 5, 1, 40, 8},      /* discarded event beyond the data */
	};

	(void)unused;
	for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		struct seen s = {0};
		struct rb_page_info info;
		uint8_t *copy;

		pb_init(&b, real_header, 1);
		pb_small(&b, 1, 1, 4);
		pb_word(&b, cut[i].w1);
		if (cut[i].has_w2)
			pb_word(&b, cut[i].w2);
		pb_bytes(&b, 9, cut[i].extra);
		pb_commit(&b, 0);
		assert_int_equal(parse_exact(&b, 16 + b.pos, &s, &info, &copy), 0);
		assert_int_equal(info.records, 1);
		assert_int_equal(s.n, 1);
		assert_int_equal(info.bad, 1);
		check_rec(&s, 0, copy + 16, 2, 4, 1, 4);
		free(copy);
	}

	/* A discarded event (padding with a delta) cut after its first word:
	 * nothing delivered after it, nothing read past the data.  (bad is
	 * not asserted: rb_page.c stops there without counting it.) */
	{
		struct seen s = {0};
		struct rb_page_info info;
		uint8_t *copy;

		pb_init(&b, real_header, 1);
		pb_small(&b, 1, 1, 4);
		pb_word(&b, hdr(29, 1));
		pb_commit(&b, 0);
		assert_int_equal(parse_exact(&b, 16 + b.pos, &s, &info, &copy), 0);
		assert_int_equal(info.records, 1);
		assert_int_equal(s.n, 1);
		free(copy);
	}

	/* Data lengths that are not a multiple of 4: the last 1-3 bytes hold no
	 * event header. */
	for (size_t extra = 1; extra < 4; extra++) {
		struct seen s = {0};
		struct rb_page_info info;
		uint8_t *copy;

		pb_init(&b, real_header, 1);
		pb_small(&b, 1, 1, 4);
		pb_small(&b, 1, 2, 4);
		put64(b.page, 8, b.pos + extra);
		assert_int_equal(parse_exact(&b, 16 + b.pos + extra, &s, &info, &copy), 0);
		assert_int_equal(info.records, 2);
		assert_int_equal(s.n, 2);
		check_rec(&s, 1, copy + 16, 3, 12, 2, 4);
		free(copy);
	}
}

/* The callback's negative return stops the walk and is returned; positive
 * returns go on. */
static void t_callback_stop(void **unused)
{
	static struct pb b;
	struct seen s = {0};
	struct rb_page_info info;

	(void)unused;
	pb_init(&b, real_header, 0);
	for (unsigned i = 0; i < 5; i++)
		pb_small(&b, 1, i, 4);
	pb_missed_count(&b, 9);
	pb_commit(&b, RB_MISSED_EVENTS | RB_MISSED_STORED);

	s.stop_at = 2;
	s.ret = -ECANCELED;
	assert_int_equal(rb_page_parse(&b.l, b.page, PAGE, on_rec, &s, &info), -ECANCELED);
	assert_int_equal(s.n, 2);
	assert_int_equal(info.records, 2);
	assert_true(info.missed == 9); /* the page's header still reported */
	check_rec(&s, 1, b.page + 16, 2, 12, 1, 4);

	memset(&s, 0, sizeof(s));
	s.stop_at = 1;
	s.ret = -1;
	assert_int_equal(rb_page_parse(&b.l, b.page, PAGE, on_rec, &s, &info), -1);
	assert_int_equal(s.n, 1);
	assert_int_equal(info.records, 1);

	memset(&s, 0, sizeof(s));
	s.stop_at = 5; /* on the last one */
	s.ret = -EIO;
	assert_int_equal(rb_page_parse(&b.l, b.page, PAGE, on_rec, &s, &info), -EIO);
	assert_int_equal(s.n, 5);
	assert_int_equal(info.records, 5);

	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	s.ret = 7; /* not negative: the walk goes on, 0 returned */
	assert_int_equal(rb_page_parse(&b.l, b.page, PAGE, on_rec, &s, &info), 0);
	assert_int_equal(s.n, 5);
	assert_int_equal(info.records, 5);
	check_rec(&s, 4, b.page + 16, 5, 36, 4, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_layout_real),     cmocka_unit_test(t_layout_rejects),
		cmocka_unit_test(t_small_records),   cmocka_unit_test(t_long_record),
		cmocka_unit_test(t_time_extend),     cmocka_unit_test(t_abs_timestamp),
		cmocka_unit_test(t_discarded),       cmocka_unit_test(t_null_padding),
		cmocka_unit_test(t_missed),          cmocka_unit_test(t_commit_too_large),
		cmocka_unit_test(t_truncated),       cmocka_unit_test(t_callback_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
