// SPDX-License-Identifier: MIT
/*
 * sock: the socket set (growable arrays of records and extensions) and the
 * address helpers every renderer and filter shares.
 */
#include "sock.h"

#include <arpa/inet.h>
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

size_t sock_addr_str(int family, const uint8_t addr[16], char *buf, size_t len)
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len)) {
		if (len)
			buf[0] = '\0';
		return 0;
	}
	return strlen(buf);
}

bool sock_addr_is_any(int family, const uint8_t addr[16])
{
	size_t n = family == AF_INET6 ? 16 : 4;

	for (size_t i = 0; i < n; i++)
		if (addr[i])
			return false;
	return true;
}
