// SPDX-License-Identifier: MIT
/*
 * filter_bc: compiles the part of a filter the kernel can evaluate into
 * inet_diag bytecode (INET_DIAG_REQ_BYTECODE), so that a dump only carries
 * sockets that may match.  The user-space matcher still runs on every record,
 * so the bytecode only has to accept a superset of what the filter accepts.
 *
 * How the kernel runs bytecode (net/ipv4/inet_diag.c): each operation tests
 * something; on success the program continues op->yes bytes further, on
 * failure op->no bytes further.  The socket is accepted when execution lands
 * exactly on the end, rejected when it jumps 4 bytes past it.  JMP always
 * takes its "no" branch.  The audit wants every op to be reachable by
 * walking the "yes" lengths, every jump to land on an op boundary or on the
 * end (+4), all offsets multiples of 4.
 *
 * We lay out code so that "yes" is always the op's own length (fall through)
 * and only "no" jumps.  A compiled block is true when it falls off its end;
 * its false exits are jumps whose targets are patched by the parent (a list
 * of pending offsets on a stack).  AND is A;B; OR is A;JMP(end);B with A's
 * false exits sent to B; NOT is A;JMP(false) with A's false exits sent past
 * the JMP.
 *
 * Tests the kernel cannot make (state inside an expression, pid, process,
 * uid, queues, inode) are approximated: each node is compiled either as an
 * over-approximation (accepts at least what it accepts) or, below a NOT, as
 * an under-approximation; an unknown test is "true" when over-approximating
 * and "false" when under-approximating, and constants are folded.  So
 * "sport = :80 and pid = 5" compiles to "sport = :80", "not (sport = :80 and
 * pid = 5)" compiles to nothing, and "not (sport = :80 or pid = 5)" to
 * "not sport = :80".
 */
#include <errno.h>
#include <linux/inet_diag.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "filter.h"
#include "filter_int.h"
#include "states.h"

/* The kernel's limits: the attribute length and "no" are 16 bits. */
#define BC_MAX_LEN 65000u

enum bk { BK_TRUE, BK_FALSE, BK_CODE };

struct bc {
	const struct filter *f;
	int family;
	uint8_t *kind[2]; /* per node: enum bk when over- (0) or under- (1) approximating */
	uint8_t *code;
	size_t len, cap;
	uint32_t *fix; /* offsets of ops whose "no" is a pending false exit */
	size_t nfix, capfix;
	int err;
};

static enum bk leaf_kind(const struct bc *c, const struct fnode *nd, int under)
{
	switch (nd->kind) {
	case FN_HOST:
		if (nd->family == 0 && nd->port == -1)
			return BK_TRUE;
		/* An IPv6 prefix never matches an IPv4 socket; an IPv4 prefix
		 * may match an IPv4-mapped IPv6 one, which the kernel checks. */
		if (nd->family == AF_INET6 && c->family == AF_INET)
			return BK_FALSE;
		return BK_CODE;
	case FN_PORT:
		return BK_CODE;
	case FN_STATES:
		if ((nd->mask & SK_ALL_STATES) == SK_ALL_STATES)
			return BK_TRUE;
		if (!(nd->mask & SK_ALL_STATES))
			return BK_FALSE;
		return under ? BK_FALSE : BK_TRUE;
	default:
		return under ? BK_FALSE : BK_TRUE;
	}
}

/* Fills c->kind for node i and its subtree, both polarities. */
static void compute_kind(struct bc *c, uint32_t i)
{
	const struct fnode *nd = &c->f->nodes[i];

	for (int u = 0; u < 2; u++) {
		enum bk k, ka, kb;

		switch (nd->kind) {
		case FN_AND:
		case FN_OR:
			if (u == 0) {
				compute_kind(c, nd->a);
				compute_kind(c, nd->b);
			}
			ka = c->kind[u][nd->a];
			kb = c->kind[u][nd->b];
			if (nd->kind == FN_AND)
				k = (ka == BK_FALSE || kb == BK_FALSE) ? BK_FALSE :
				    (ka == BK_TRUE && kb == BK_TRUE) ? BK_TRUE : BK_CODE;
			else
				k = (ka == BK_TRUE || kb == BK_TRUE) ? BK_TRUE :
				    (ka == BK_FALSE && kb == BK_FALSE) ? BK_FALSE : BK_CODE;
			break;
		case FN_NOT:
			if (u == 0)
				compute_kind(c, nd->a);
			ka = c->kind[!u][nd->a];
			k = ka == BK_TRUE ? BK_FALSE : ka == BK_FALSE ? BK_TRUE : BK_CODE;
			break;
		default:
			k = leaf_kind(c, nd, u);
			break;
		}
		c->kind[u][i] = (uint8_t)k;
	}
}

static void *bc_put(struct bc *c, size_t n)
{
	void *p;

	if (c->err)
		return NULL;
	if (c->len + n > BC_MAX_LEN) {
		c->err = -E2BIG;
		return NULL;
	}
	if (c->len + n > c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		uint8_t *v;

		while (cap < c->len + n)
			cap *= 2;
		v = realloc(c->code, cap);
		if (!v) {
			c->err = -ENOMEM;
			return NULL;
		}
		c->code = v;
		c->cap = cap;
	}
	p = c->code + c->len;
	memset(p, 0, n);
	c->len += n;
	return p;
}

static void fix_push(struct bc *c, size_t off)
{
	if (c->err)
		return;
	if (c->nfix == c->capfix) {
		size_t cap = c->capfix ? c->capfix * 2 : 32;
		uint32_t *v = realloc(c->fix, cap * sizeof(*v));

		if (!v) {
			c->err = -ENOMEM;
			return;
		}
		c->fix = v;
		c->capfix = cap;
	}
	c->fix[c->nfix++] = (uint32_t)off;
}

/* Points the "no" of the op at off to target. */
static void patch(struct bc *c, size_t off, size_t target)
{
	struct inet_diag_bc_op op;

	if (c->err)
		return;
	if (target - off > UINT16_MAX) {
		c->err = -E2BIG;
		return;
	}
	memcpy(&op, c->code + off, sizeof(op));
	op.no = (unsigned short)(target - off);
	memcpy(c->code + off, &op, sizeof(op));
}

/* Resolves the n most recent false exits to target. */
static void fix_pop(struct bc *c, size_t n, size_t target)
{
	if (c->err)
		return;
	for (size_t k = 0; k < n; k++)
		patch(c, c->fix[c->nfix - 1 - k], target);
	c->nfix -= n;
}

static size_t emit_op(struct bc *c, unsigned code, size_t len)
{
	size_t off = c->len;
	struct inet_diag_bc_op op = {.code = (unsigned char)code, .yes = (unsigned char)len, .no = 0};
	void *p = bc_put(c, len);

	if (p)
		memcpy(p, &op, sizeof(op));
	return off;
}

static size_t emit_jmp(struct bc *c)
{
	return emit_op(c, INET_DIAG_BC_JMP, sizeof(struct inet_diag_bc_op));
}

/* Emits node i (of kind BK_CODE for polarity u); returns how many false exits
 * it left on the stack. */
static size_t emit(struct bc *c, uint32_t i, int u)
{
	const struct fnode *nd = &c->f->nodes[i];
	size_t na, nb, j, off;

	if (c->err)
		return 0;
	switch (nd->kind) {
	case FN_HOST:
		if (nd->family == 0) {
			struct inet_diag_bc_op arg = {0};

			off = emit_op(c, nd->local ? INET_DIAG_BC_S_EQ : INET_DIAG_BC_D_EQ, 2 * sizeof(arg));
			arg.no = (unsigned short)nd->port;
			if (!c->err)
				memcpy(c->code + off + sizeof(arg), &arg, sizeof(arg));
		} else {
			size_t alen = nd->family == AF_INET ? 4 : 16;
			struct inet_diag_hostcond hc;

			memset(&hc, 0, sizeof(hc)); /* no uninitialised padding goes to the kernel */
			hc.family = nd->family;
			hc.prefix_len = nd->plen;
			hc.port = nd->port;

			off = emit_op(c, nd->local ? INET_DIAG_BC_S_COND : INET_DIAG_BC_D_COND,
				      sizeof(struct inet_diag_bc_op) + sizeof(hc) + alen);
			if (!c->err) {
				memcpy(c->code + off + sizeof(struct inet_diag_bc_op), &hc, sizeof(hc));
				memcpy(c->code + off + sizeof(struct inet_diag_bc_op) + sizeof(hc), nd->addr, alen);
			}
		}
		fix_push(c, off);
		return 1;
	case FN_PORT: {
		struct inet_diag_bc_op arg = {0};
		unsigned code = nd->local ? (nd->cmp == CMP_GE ? INET_DIAG_BC_S_GE : INET_DIAG_BC_S_LE)
					  : (nd->cmp == CMP_GE ? INET_DIAG_BC_D_GE : INET_DIAG_BC_D_LE);

		off = emit_op(c, code, 2 * sizeof(arg));
		arg.no = (unsigned short)nd->port;
		if (!c->err)
			memcpy(c->code + off + sizeof(arg), &arg, sizeof(arg));
		fix_push(c, off);
		return 1;
	}
	case FN_AND:
		na = c->kind[u][nd->a] == BK_CODE ? emit(c, nd->a, u) : 0;
		nb = c->kind[u][nd->b] == BK_CODE ? emit(c, nd->b, u) : 0;
		return na + nb;
	case FN_OR:
		if (c->kind[u][nd->a] != BK_CODE)
			return emit(c, nd->b, u); /* a is false */
		if (c->kind[u][nd->b] != BK_CODE)
			return emit(c, nd->a, u);
		na = emit(c, nd->a, u);
		j = emit_jmp(c);
		fix_pop(c, na, c->len);
		nb = emit(c, nd->b, u);
		patch(c, j, c->len);
		return nb;
	case FN_NOT:
		na = emit(c, nd->a, !u);
		j = emit_jmp(c);
		fix_pop(c, na, c->len);
		fix_push(c, j);
		return 1;
	default:
		/* leaves the kernel cannot test are never BK_CODE */
		c->err = -EINVAL;
		return 0;
	}
}

int filter_bytecode(const struct filter *f, int family, void **ret_buf, size_t *ret_len)
{
	struct bc c = {.f = f, .family = family};
	enum bk k;
	int r = 0;

	if (!f || f->root < 0 || f->n == 0) {
		*ret_buf = NULL;
		*ret_len = 0;
		return 0;
	}
	c.kind[0] = malloc(f->n);
	c.kind[1] = malloc(f->n);
	if (!c.kind[0] || !c.kind[1]) {
		r = -ENOMEM;
		goto out;
	}
	compute_kind(&c, (uint32_t)f->root);
	k = c.kind[0][f->root];
	if (k == BK_TRUE) {
		/* nothing the kernel can narrow */
	} else if (k == BK_FALSE) {
		/* nothing can match: one JMP past the end rejects every socket */
		size_t j = emit_jmp(&c);

		patch(&c, j, c.len + sizeof(struct inet_diag_bc_op));
	} else {
		size_t n = emit(&c, (uint32_t)f->root, 0);

		fix_pop(&c, n, c.len + sizeof(struct inet_diag_bc_op));
	}
	if (c.err == -ENOMEM) {
		r = -ENOMEM;
		goto out;
	}
	if (c.err || c.len == 0) {
		/* too big or nothing useful: let user space do all the work */
		free(c.code);
		c.code = NULL;
		c.len = 0;
	}
	*ret_buf = c.code;
	*ret_len = c.len;
	c.code = NULL;
out:
	free(c.code);
	free(c.fix);
	free(c.kind[0]);
	free(c.kind[1]);
	return r;
}

/* The port node i pins on one side (local != 0: source), or -1: a port test
 * with '=' on that side, either side of an AND, both sides of an OR when they
 * agree.  NOT and everything else pin nothing. */
static int32_t pinned_port(const struct filter *f, uint32_t i, int local)
{
	const struct fnode *nd = &f->nodes[i];
	int32_t a, b;

	switch (nd->kind) {
	case FN_HOST:
		return nd->local == local && nd->port > 0 && nd->port <= 65535 ? nd->port : -1;
	case FN_AND:
		a = pinned_port(f, nd->a, local);
		return a >= 0 ? a : pinned_port(f, nd->b, local);
	case FN_OR:
		a = pinned_port(f, nd->a, local);
		if (a < 0)
			return -1;
		b = pinned_port(f, nd->b, local);
		return a == b ? a : -1;
	default:
		return -1;
	}
}

void filter_pinned_ports(const struct filter *f, uint16_t *sport, uint16_t *dport)
{
	int32_t s = -1, d = -1;

	if (f && f->root >= 0 && f->n > 0) {
		s = pinned_port(f, (uint32_t)f->root, 1);
		d = pinned_port(f, (uint32_t)f->root, 0);
	}
	*sport = s > 0 ? (uint16_t)s : 0;
	*dport = d > 0 ? (uint16_t)d : 0;
}
