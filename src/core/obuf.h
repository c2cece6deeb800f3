/* SPDX-License-Identifier: MIT */
/*
 * obuf: a small output buffer.  Renderers write into it; it flushes to a file
 * descriptor in large writes, or grows in memory when fd < 0 (tests, TUI).
 * Errors are sticky: after the first failure further writes are dropped and
 * obuf_flush() returns the error (e.g. -EPIPE for a closed pipe).
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct obuf {
	char *buf;
	size_t len, cap;
	int fd;  /* < 0: memory buffer */
	int err; /* first error, negative errno */
};

int obuf_init(struct obuf *o, int fd, size_t cap); /* -ENOMEM */
void obuf_free(struct obuf *o);                    /* accepts a zeroed obuf */
/* The out-of-line halves of obuf_put() and obuf_pad(): they make room first. */
void obuf_put_slow(struct obuf *o, const void *p, size_t n);
void obuf_pad_slow(struct obuf *o, char c, size_t n);
/* Room for n more bytes: where to write them (the caller then adds what it
 * wrote to o->len), or NULL with the error recorded. */
char *obuf_reserve(struct obuf *o, size_t n);

/* The writers are inline: renderers call them several times per cell, and
 * almost always the bytes fit into the buffer as it is. */
static inline void obuf_put(struct obuf *o, const void *p, size_t n)
{
	if (n && !o->err && n <= o->cap - o->len) {
		memcpy(o->buf + o->len, p, n);
		o->len += n;
		return;
	}
	obuf_put_slow(o, p, n);
}

static inline void obuf_puts(struct obuf *o, const char *s)
{
	obuf_put(o, s, strlen(s));
}

static inline void obuf_putc(struct obuf *o, char c)
{
	if (o->len < o->cap && !o->err) {
		o->buf[o->len++] = c;
		return;
	}
	obuf_put_slow(o, &c, 1);
}

static inline void obuf_pad(struct obuf *o, char c, size_t n)
{
	if (n && !o->err && n <= o->cap - o->len) {
		memset(o->buf + o->len, c, n);
		o->len += n;
		return;
	}
	obuf_pad_slow(o, c, n);
}

void obuf_u64(struct obuf *o, uint64_t v);
void obuf_i64(struct obuf *o, int64_t v);
void obuf_printf(struct obuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void obuf_vprintf(struct obuf *o, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Writes out what is buffered (fd mode).  Returns 0 or the sticky error. */
int obuf_flush(struct obuf *o);
/* Memory mode: a NUL-terminated view of the contents (valid until next write). */
const char *obuf_cstr(struct obuf *o);
/* Size of a decimal u64 without writing it. */
size_t u64_len(uint64_t v);
/* Writes v in decimal to buf (no NUL), returns the length; buf >= 20 bytes. */
size_t u64_fmt(char *buf, uint64_t v);
