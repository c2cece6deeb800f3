// SPDX-License-Identifier: MIT
/*
 * procnet: lines of /proc/net/tcp and tcp6.  A hand-rolled, bounds-checked
 * line parser (no sscanf: this is a hot path and a fuzz target) turns one line
 * into a struct sock_rec.  The kernel prints addresses as host-order 32-bit
 * words, ports in host order, and timers in USER_HZ ticks.  The files are
 * read by collect/procfs.
 */
#include "procnet.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "states.h"

/* Real lines are < 200 bytes; anything longer is not a line we know. */
#define PROCNET_MAX_LINE 512
/* The kernel prints timers with jiffies_delta_to_clock_t(): USER_HZ (100) ticks. */
#define PROCNET_MS_PER_TICK 10u

struct pn_cur {
	const char *p, *end;
};

/* Hex digit values plus one (0: not a hex digit), one load a character:
 * most of a /proc/net/tcp line is hex. */
static const uint8_t pn_hex1[256] = {
	['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
	['8'] = 9,  ['9'] = 10, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

static bool pn_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Skips blanks; returns false at the end of the line. */
static bool pn_skip_space(struct pn_cur *c)
{
	while (c->p < c->end && pn_is_space(*c->p))
		c->p++;
	return c->p < c->end;
}

/* Requires at least one blank, then skips all; false at end of line. */
static bool pn_sep(struct pn_cur *c)
{
	if (c->p >= c->end || !pn_is_space(*c->p))
		return false;
	return pn_skip_space(c);
}

static bool pn_char(struct pn_cur *c, char ch)
{
	if (c->p >= c->end || *c->p != ch)
		return false;
	c->p++;
	return true;
}

/* Between min and max hex digits (max <= 16). */
static bool pn_hex(struct pn_cur *c, unsigned min, unsigned max, uint64_t *ret)
{
	uint64_t v = 0;
	unsigned n = 0;
	unsigned d;

	while (c->p < c->end && (d = pn_hex1[(unsigned char)*c->p]) != 0) {
		if (++n > max)
			return false;
		v = v << 4 | (uint64_t)(d - 1);
		c->p++;
	}
	if (n < min)
		return false;
	*ret = v;
	return true;
}

/* Decimal digits, value <= limit. */
static bool pn_dec(struct pn_cur *c, uint64_t limit, uint64_t *ret)
{
	uint64_t v = 0;
	unsigned n = 0;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		unsigned d = (unsigned)(*c->p - '0');

		if (v > (limit - d) / 10)
			return false;
		v = v * 10 + d;
		n++;
		c->p++;
	}
	if (n == 0)
		return false;
	*ret = v;
	return true;
}

/* ADDR:PORT, ADDR being 1 (IPv4) or 4 (IPv6) words of exactly 8 hex digits,
 * each the in-memory 32-bit word printed with %08X. */
static bool pn_addr_port(struct pn_cur *c, unsigned words, uint8_t addr[16], uint16_t *port)
{
	uint64_t v;

	memset(addr, 0, 16);
	for (unsigned i = 0; i < words; i++) {
		struct pn_cur word;
		uint32_t w;

		if (c->end - c->p < 8)
			return false;
		word.p = c->p;
		word.end = c->p + 8;
		if (!pn_hex(&word, 8, 8, &v))
			return false;
		w = (uint32_t)v;
		memcpy(addr + 4 * i, &w, 4);
		c->p += 8;
	}
	if (!pn_char(c, ':') || !pn_hex(c, 1, 4, &v))
		return false;
	*port = (uint16_t)v;
	return true;
}

/* Exactly n hex digits at p (the caller checked the bounds), decoded without
 * a branch per digit. */
static inline bool pn_hexn(const char *p, unsigned n, uint64_t *ret)
{
	uint64_t v = 0;
	unsigned bad = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned d = pn_hex1[(unsigned char)p[i]];

		bad |= d == 0;
		v = v << 4 | ((d - 1) & 15u);
	}
	*ret = v;
	return !bad;
}

/*
 * The fast path: the kernel's own layout from the local address to the
 * retransmit count ("%08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X",
 * one blank between fields), checked and decoded at fixed offsets.  Any
 * other spacing or width (a timer over 8 digits, hand-made files) returns
 * false with nothing consumed, and the general parser takes the line; both
 * give the same record where both accept (the fuzz target checks it).
 */
static bool pn_fixed(struct pn_cur *c, unsigned words, struct sock_rec *r, uint64_t *st, uint64_t *tx,
		     uint64_t *rx, uint64_t *tr, uint64_t *when, uint64_t *retr)
{
	const size_t aw = 8 * (size_t)words;
	const size_t need = 2 * (1 + aw + 1 + 4) + (1 + 2) + (1 + 8 + 1 + 8) + (1 + 2 + 1 + 8) + (1 + 8) + 1;
	const char *q = c->p;
	uint64_t v;

	if ((size_t)(c->end - q) < need)
		return false;
	for (int side = 0; side < 2; side++) {
		uint8_t *addr = side ? r->raddr : r->laddr;

		if (*q++ != ' ')
			return false;
		for (unsigned i = 0; i < words; i++, q += 8) {
			uint32_t w;

			if (!pn_hexn(q, 8, &v))
				return false;
			w = (uint32_t)v;
			memcpy(addr + 4 * i, &w, 4);
		}
		if (*q++ != ':' || !pn_hexn(q, 4, &v))
			return false;
		q += 4;
		if (side)
			r->rport = (uint16_t)v;
		else
			r->lport = (uint16_t)v;
	}
	if (*q++ != ' ' || !pn_hexn(q, 2, st))
		return false;
	q += 2;
	if (*q++ != ' ' || !pn_hexn(q, 8, tx))
		return false;
	q += 8;
	if (*q++ != ':' || !pn_hexn(q, 8, rx))
		return false;
	q += 8;
	if (*q++ != ' ' || !pn_hexn(q, 2, tr))
		return false;
	q += 2;
	if (*q++ != ':' || !pn_hexn(q, 8, when))
		return false;
	q += 8;
	if (*q++ != ' ' || !pn_hexn(q, 8, retr))
		return false;
	q += 8;
	if (*q != ' ')
		return false;
	c->p = q;
	return true;
}

static bool pn_is_header(struct pn_cur c)
{
	if (!pn_skip_space(&c))
		return false;
	return c.end - c.p >= 2 && c.p[0] == 's' && c.p[1] == 'l' && (c.end - c.p == 2 || pn_is_space(c.p[2]));
}

int procnet_parse_line(const char *line, size_t len, int family, struct sock_rec *rec)
{
	struct pn_cur c;
	uint64_t v, tx, rx, tr, when, retr, uid, inode;
	struct sock_rec r;
	unsigned words;

	if (!line || len > PROCNET_MAX_LINE)
		return -EINVAL;
	c = (struct pn_cur){ line, line + len };
	if (family == AF_INET)
		words = 1;
	else if (family == AF_INET6)
		words = 4;
	else
		return -EINVAL;
	if (pn_is_header(c))
		return 1;

	memset(&r, 0, sizeof(r));
	r.family = (uint8_t)family;
	r.proto = IPPROTO_TCP;
	r.ext = SOCK_NO_EXT;

	/* sl: */
	if (!pn_skip_space(&c) || !pn_dec(&c, UINT32_MAX, &v) || !pn_char(&c, ':'))
		return -EINVAL;
	if (pn_fixed(&c, words, &r, &v, &tx, &rx, &tr, &when, &retr)) {
		if (v < SK_ESTABLISHED || v > SK_CLOSING)
			return -EINVAL;
	} else {
		/* pn_addr_port() clears what the fast path may have written */
		if (!pn_sep(&c) || !pn_addr_port(&c, words, r.laddr, &r.lport))
			return -EINVAL;
		if (!pn_sep(&c) || !pn_addr_port(&c, words, r.raddr, &r.rport))
			return -EINVAL;
		/* st */
		if (!pn_sep(&c) || !pn_hex(&c, 1, 2, &v) || v < SK_ESTABLISHED || v > SK_CLOSING)
			return -EINVAL;
		/* tx_queue:rx_queue */
		if (!pn_sep(&c) || !pn_hex(&c, 1, 8, &tx) || !pn_char(&c, ':') || !pn_hex(&c, 1, 8, &rx))
			return -EINVAL;
		/* tr:tm->when */
		if (!pn_sep(&c) || !pn_hex(&c, 1, 2, &tr) || !pn_char(&c, ':') || !pn_hex(&c, 1, 16, &when))
			return -EINVAL;
		/* retrnsmt */
		if (!pn_sep(&c) || !pn_hex(&c, 1, 8, &retr))
			return -EINVAL;
	}
	r.state = (uint8_t)v;
	/* uid */
	if (!pn_sep(&c) || !pn_dec(&c, UINT32_MAX, &uid))
		return -EINVAL;
	/* timeout: a signed int, not used */
	if (!pn_sep(&c))
		return -EINVAL;
	pn_char(&c, '-');
	if (!pn_dec(&c, (uint64_t)INT_MAX + 1, &v))
		return -EINVAL;
	/* inode, then a blank or the end of the line */
	if (!pn_sep(&c) || !pn_dec(&c, UINT64_MAX, &inode))
		return -EINVAL;
	if (c.p < c.end && !pn_is_space(*c.p))
		return -EINVAL;

	r.send_q = (uint32_t)tx;
	r.recv_q = (uint32_t)rx;
	if (r.state == SK_LISTEN) {
		/* /proc has no backlog; rx_queue is the accept queue. */
		r.send_q = 0;
		r.flags |= SOCK_F_SENDQ_UNKNOWN;
	}
	if (tr < SOCK_TIMER_MAX) {
		r.timer = (uint8_t)tr;
		r.timer_expires_ms = when > UINT32_MAX / PROCNET_MS_PER_TICK ? UINT32_MAX
									       : (uint32_t)when * PROCNET_MS_PER_TICK;
		r.retransmits = retr > UINT8_MAX ? UINT8_MAX : (uint8_t)retr;
		r.flags |= SOCK_F_TIMER;
	}
	r.uid = (uint32_t)uid;
	r.inode = inode;
	*rec = r;
	return 0;
}
