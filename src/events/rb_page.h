/* SPDX-License-Identifier: MIT */
/*
 * rb_page: the pages of the kernel's ftrace ring buffer, as read from
 * tracefs per_cpu/cpuN/trace_pipe_raw.  A page is a header (timestamp,
 * commit: the length of its data with two flag bits for events missed before
 * it) and compressed event headers (5 bits type_len, 27 bits time delta):
 * type_len 1-28 a record of type_len * 4 bytes, 0 a record whose length is in
 * the next word, 29 padding, 30 a time extension, 31 an absolute time stamp.
 * The layout of the header comes from tracefs events/header_page.  Pure
 * functions over untrusted bytes: every length is checked against the page.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rb_layout {
	uint32_t ts_off, ts_size;
	uint32_t commit_off, commit_size;
	uint32_t data_off, data_size;
};

/* Reads events/header_page; -EPROTO when a field is missing or out of
 * range (then this reader cannot be used). */
int rb_layout_parse(const char *text, size_t len, struct rb_layout *l);

/* One record: its time (the page's clock) and its payload, which starts with
 * the tracepoint's common fields. */
typedef int (*rb_record_fn)(void *arg, uint64_t ts, const uint8_t *data, size_t len);

struct rb_page_info {
	uint64_t missed;     /* events lost before this page (when the kernel stored the count) */
	bool missed_unknown; /* lost before this page, how many not stored */
	uint32_t records;    /* records delivered */
	uint32_t bad;        /* malformed event headers: the rest of the page is skipped */
};

/* Walks one page of len bytes; calls fn for each data record.  Returns 0,
 * or fn's negative return (the walk stops there). */
int rb_page_parse(const struct rb_layout *l, const uint8_t *page, size_t len, rb_record_fn fn, void *arg,
		  struct rb_page_info *info);
