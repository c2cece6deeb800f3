// SPDX-License-Identifier: MIT
/*
 * obuf: buffered output with sticky errors, to a file descriptor or memory.
 */
#include "obuf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int obuf_init(struct obuf *o, int fd, size_t cap)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->cap = cap ? cap : 65536;
	o->buf = malloc(o->cap);
	if (!o->buf) {
		o->cap = 0;
		return -ENOMEM;
	}
	return 0;
}

void obuf_free(struct obuf *o)
{
	if (!o)
		return;
	free(o->buf);
	o->buf = NULL;
	o->len = o->cap = 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int obuf_flush(struct obuf *o)
{
	if (o->err)
		return o->err;
	if (o->fd >= 0 && o->len) {
		o->err = write_all(o->fd, o->buf, o->len);
		o->len = 0;
	}
	return o->err;
}

/* Makes room for n more bytes; returns false (error recorded) if impossible. */
static bool reserve(struct obuf *o, size_t n)
{
	if (o->err)
		return false;
	if (o->len + n <= o->cap)
		return true;
	if (o->fd >= 0) {
		if (obuf_flush(o))
			return false;
		if (n <= o->cap)
			return true;
	}
	size_t ncap = o->cap ? o->cap : 4096;
	while (ncap < o->len + n) {
		if (ncap > SIZE_MAX / 2) {
			o->err = -ENOMEM;
			return false;
		}
		ncap *= 2;
	}
	char *nb = realloc(o->buf, ncap);
	if (!nb) {
		o->err = -ENOMEM;
		return false;
	}
	o->buf = nb;
	o->cap = ncap;
	return true;
}

void obuf_put(struct obuf *o, const void *p, size_t n)
{
	if (!n || !reserve(o, n))
		return;
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

void obuf_puts(struct obuf *o, const char *s)
{
	obuf_put(o, s, strlen(s));
}

void obuf_putc(struct obuf *o, char c)
{
	if (o->len < o->cap && !o->err) {
		o->buf[o->len++] = c;
		return;
	}
	obuf_put(o, &c, 1);
}

void obuf_pad(struct obuf *o, char c, size_t n)
{
	if (!n || !reserve(o, n))
		return;
	memset(o->buf + o->len, c, n);
	o->len += n;
}

size_t u64_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

size_t u64_fmt(char *buf, uint64_t v)
{
	size_t n = u64_len(v);

	for (size_t i = n; i > 0; i--) {
		buf[i - 1] = (char)('0' + v % 10);
		v /= 10;
	}
	return n;
}

void obuf_u64(struct obuf *o, uint64_t v)
{
	if (!reserve(o, 20))
		return;
	o->len += u64_fmt(o->buf + o->len, v);
}

void obuf_i64(struct obuf *o, int64_t v)
{
	if (v < 0) {
		obuf_putc(o, '-');
		obuf_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		obuf_u64(o, (uint64_t)v);
	}
}

void obuf_vprintf(struct obuf *o, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (o->err)
		return;
	va_copy(aq, ap);
	n = vsnprintf(o->buf ? o->buf + o->len : NULL, o->cap - o->len, fmt, aq);
	va_end(aq);
	if (n < 0) {
		o->err = -EINVAL;
		return;
	}
	if ((size_t)n < o->cap - o->len) {
		o->len += (size_t)n;
		return;
	}
	if (!reserve(o, (size_t)n + 1))
		return;
	vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	o->len += (size_t)n;
}

void obuf_printf(struct obuf *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	obuf_vprintf(o, fmt, ap);
	va_end(ap);
}

const char *obuf_cstr(struct obuf *o)
{
	if (!reserve(o, 1))
		return "";
	o->buf[o->len] = '\0';
	return o->buf;
}
