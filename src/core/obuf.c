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

char *obuf_reserve(struct obuf *o, size_t n)
{
	return reserve(o, n) ? o->buf + o->len : NULL;
}

void obuf_put_slow(struct obuf *o, const void *p, size_t n)
{
	if (!n || !reserve(o, n))
		return;
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

void obuf_pad_slow(struct obuf *o, char c, size_t n)
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
	/* backwards into t, two digits at a time: one pass, no u64_len() first */
	static const char pairs[201] = "00010203040506070809101112131415161718192021222324"
				       "25262728293031323334353637383940414243444546474849"
				       "50515253545556575859606162636465666768697071727374"
				       "75767778798081828384858687888990919293949596979899";
	char t[20];
	size_t i = sizeof(t);

	while (v >= 100) {
		unsigned d = (unsigned)(v % 100);

		v /= 100;
		t[--i] = pairs[2 * d + 1];
		t[--i] = pairs[2 * d];
	}
	if (v >= 10) {
		t[--i] = pairs[2 * v + 1];
		t[--i] = pairs[2 * v];
	} else {
		t[--i] = (char)('0' + v);
	}
	memcpy(buf, t + i, sizeof(t) - i);
	return sizeof(t) - i;
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
