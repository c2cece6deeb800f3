// SPDX-License-Identifier: MIT
/*
 * sock: the socket set (growable arrays of records and extensions) and the
 * address helpers every renderer and filter shares.
 */
#include "sock.h"

#include <netinet/in.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void sock_set_init(struct sock_set *s)
{
	memset(s, 0, sizeof(*s));
}

void sock_set_clear(struct sock_set *s)
{
	s->n = 0;
	s->next = 0;
}

void sock_set_free(struct sock_set *s)
{
	if (!s)
		return;
	free(s->v);
	free(s->ext);
	memset(s, 0, sizeof(*s));
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *np;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 1024;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elem)
			return -ENOMEM;
		ncap *= 2;
	}
	np = realloc(*p, ncap * elem);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

int sock_set_add(struct sock_set *s, const struct sock_rec *rec, const struct sock_ext *ext)
{
	struct sock_rec *r;
	int err;

	err = grow((void **)&s->v, &s->cap, s->n + 1, sizeof(*s->v));
	if (err)
		return err;
	if (ext) {
		err = grow((void **)&s->ext, &s->extcap, s->next + 1, sizeof(*s->ext));
		if (err)
			return err;
		s->ext[s->next] = *ext;
	}
	r = &s->v[s->n++];
	*r = *rec;
	r->ext = ext ? (uint32_t)s->next++ : SOCK_NO_EXT;
	return 0;
}

int sock_set_sink(void *arg, const struct sock_rec *rec, const struct sock_ext *ext)
{
	struct sock_set *s = arg;

	if (!rec) {
		sock_set_clear(s);
		return 0;
	}
	return sock_set_add(s, rec, ext);
}

/* Dotted decimal of the 4 bytes at a into p; returns the length. */
static size_t fmt_ipv4(char *p, const uint8_t a[4])
{
	size_t n = 0;

	for (int i = 0; i < 4; i++) {
		unsigned v = a[i];

		if (i)
			p[n++] = '.';
		if (v >= 100)
			p[n++] = (char)('0' + v / 100);
		if (v >= 10)
			p[n++] = (char)('0' + v / 10 % 10);
		p[n++] = (char)('0' + v % 10);
	}
	return n;
}

/*
 * IPv6 text exactly as glibc's inet_ntop() writes it: lowercase hex words
 * without leading zeros, the first longest run of two or more zero words
 * shortened to "::", and the embedded IPv4 form for the IPv4-compatible
 * (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) prefixes.
 */
static size_t fmt_ipv6(char *p, const uint8_t a[16])
{
	static const char hex[] = "0123456789abcdef";
	unsigned w[8];
	int best = -1, best_len = 0, cur = -1, cur_len = 0;
	size_t n = 0;

	for (int i = 0; i < 8; i++) {
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
		if (w[i] == 0) {
			if (cur < 0) {
				cur = i;
				cur_len = 0;
			}
			cur_len++;
			continue;
		}
		if (cur >= 0 && cur_len > best_len) {
			best = cur;
			best_len = cur_len;
		}
		cur = -1;
	}
	if (cur >= 0 && cur_len > best_len) {
		best = cur;
		best_len = cur_len;
	}
	if (best_len < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				p[n++] = ':';
			continue;
		}
		if (i)
			p[n++] = ':';
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)))
			return n + fmt_ipv4(p + n, a + 12);
		for (int sh = 12; sh >= 0; sh -= 4)
			if ((w[i] >> sh) || sh == 0)
				p[n++] = hex[w[i] >> sh & 15];
	}
	if (best >= 0 && best + best_len == 8)
		p[n++] = ':';
	return n;
}

/* Hand-rolled rather than inet_ntop(), whose sprintf() calls dominated the
 * table's run time; the output is the same, byte for byte. */
size_t sock_addr_str(int family, const uint8_t addr[16], char *buf, size_t len)
{
	char tmp[48];
	size_t n = family == AF_INET6 ? fmt_ipv6(tmp, addr) : fmt_ipv4(tmp, addr);

	if (n >= len) {
		/* too small: as inet_ntop() failing with ENOSPC */
		if (len)
			buf[0] = '\0';
		return 0;
	}
	memcpy(buf, tmp, n);
	buf[n] = '\0';
	return n;
}

bool sock_addr_is_any(int family, const uint8_t addr[16])
{
	size_t n = family == AF_INET6 ? 16 : 4;

	for (size_t i = 0; i < n; i++)
		if (addr[i])
			return false;
	return true;
}
