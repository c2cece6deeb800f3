// SPDX-License-Identifier: MIT
/*
 * procfield: the field readers of the /proc/net lines of the netlink, packet
 * and unix kinds.
 */
#include "procfield.h"

int pf_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The field just read is followed by a blank or the end of the line. */
static bool pf_ended(const struct pf_cur *c)
{
	return c->p == c->end || *c->p == ' ';
}

void pf_blanks(struct pf_cur *c)
{
	while (c->p < c->end && *c->p == ' ')
		c->p++;
}

bool pf_sep(struct pf_cur *c)
{
	if (c->p >= c->end || *c->p != ' ')
		return false;
	pf_blanks(c);
	return c->p < c->end;
}

bool pf_only_blanks(struct pf_cur *c)
{
	pf_blanks(c);
	return c->p == c->end;
}

bool pf_hex(struct pf_cur *c, unsigned max, uint64_t *ret)
{
	uint64_t v = 0;
	unsigned n = 0;
	int d;

	while (c->p < c->end && (d = pf_hexval(*c->p)) >= 0) {
		if (++n > max)
			return false;
		v = v << 4 | (uint64_t)d;
		c->p++;
	}
	*ret = v;
	return n > 0;
}

bool pf_dec(struct pf_cur *c, uint64_t limit, uint64_t *ret)
{
	uint64_t v = 0;
	unsigned n = 0;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		unsigned d = (unsigned)(*c->p - '0');

		if (d > limit || v > (limit - d) / 10)
			return false;
		v = v * 10 + d;
		n++;
		c->p++;
	}
	*ret = v;
	return n > 0;
}

bool pf_field_hex(struct pf_cur *c, unsigned max, uint64_t *ret)
{
	pf_blanks(c);
	return pf_hex(c, max, ret) && pf_ended(c);
}

bool pf_field_udec(struct pf_cur *c, uint64_t limit, uint64_t *ret)
{
	pf_blanks(c);
	return pf_dec(c, limit, ret) && pf_ended(c);
}

bool pf_field_sdec(struct pf_cur *c, uint64_t limit, int64_t *ret)
{
	bool neg = false;
	uint64_t v;

	pf_blanks(c);
	if (c->p < c->end && *c->p == '-') {
		neg = true;
		c->p++;
	}
	if (!pf_dec(c, limit, &v) || !pf_ended(c))
		return false;
	*ret = neg ? -(int64_t)v : (int64_t)v;
	return true;
}
