// SPDX-License-Identifier: MIT
/*
 * fuzz_filter: libFuzzer target for the filter language.  The input is parsed
 * as one string and again split on spaces as argv; every filter that parses
 * is matched against a few fixed records and compiled to kernel bytecode for
 * both families.  The bytecode is then checked the way the kernel would:
 * it must pass a re-implementation of inet_diag_bc_audit(), and must accept
 * every record the filter matches (run by a re-implementation of
 * inet_diag_bc_run()).  Any violation aborts, which the fuzzer reports.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "filter.h"
#include "states.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	for (unsigned i = 0; i < bits; i++) {
		unsigned m = 0x80u >> (i % 8);

		if ((a[i / 8] & m) != (b[i / 8] & m))
			return false;
	}
	return true;
}

/* The kernel's inet_diag_bc_run() for the ops the compiler emits. */
static bool bc_run(const uint8_t *bc, int len, const struct sock_rec *r)
{
	while (len > 0) {
		struct inet_diag_bc_op op, arg;
		int yes = 1;

		memcpy(&op, bc, sizeof(op));
		if (op.code == INET_DIAG_BC_JMP) {
			yes = 0;
		} else if (op.code == INET_DIAG_BC_S_COND || op.code == INET_DIAG_BC_D_COND) {
			struct inet_diag_hostcond hc;
			uint8_t ca[16] = {0};
			bool s = op.code == INET_DIAG_BC_S_COND;
			const uint8_t *a = s ? r->laddr : r->raddr;
			static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

			memcpy(&hc, bc + 4, sizeof(hc));
			memcpy(ca, bc + 4 + sizeof(hc), hc.family == AF_INET6 ? 16 : hc.family == AF_INET ? 4 : 0);
			if (hc.port != -1 && hc.port != (s ? r->lport : r->rport))
				yes = 0;
			else if (hc.family != AF_UNSPEC && hc.family != r->family)
				yes = r->family == AF_INET6 && hc.family == AF_INET && !memcmp(a, mapped, 12) &&
				      prefix_match(a + 12, ca, hc.prefix_len);
			else
				yes = prefix_match(a, ca, hc.prefix_len);
		} else {
			uint16_t p;

			memcpy(&arg, bc + 4, sizeof(arg));
			switch (op.code) {
			case INET_DIAG_BC_S_EQ:
			case INET_DIAG_BC_S_GE:
			case INET_DIAG_BC_S_LE:
				p = r->lport;
				break;
			case INET_DIAG_BC_D_EQ:
			case INET_DIAG_BC_D_GE:
			case INET_DIAG_BC_D_LE:
				p = r->rport;
				break;
			default:
				abort();
			}
			if (op.code == INET_DIAG_BC_S_EQ || op.code == INET_DIAG_BC_D_EQ)
				yes = p == arg.no;
			else if (op.code == INET_DIAG_BC_S_GE || op.code == INET_DIAG_BC_D_GE)
				yes = p >= arg.no;
			else
				yes = p <= arg.no;
		}
		len -= yes ? op.yes : op.no;
		bc += yes ? op.yes : op.no;
	}
	return len == 0;
}

/* The structural rules of the kernel's inet_diag_bc_audit(). */
static bool bc_audit(const uint8_t *start, int total)
{
	const uint8_t *bc = start;
	int len = total;

	while (len > 0) {
		struct inet_diag_bc_op op;
		int min_len = 4;

		memcpy(&op, bc, sizeof(op));
		switch (op.code) {
		case INET_DIAG_BC_S_COND:
		case INET_DIAG_BC_D_COND: {
			struct inet_diag_hostcond hc;
			int alen;

			if (len < 4 + (int)sizeof(hc))
				return false;
			memcpy(&hc, bc + 4, sizeof(hc));
			alen = hc.family == AF_UNSPEC ? 0 : hc.family == AF_INET ? 4 : hc.family == AF_INET6 ? 16 : -1;
			if (alen < 0 || hc.prefix_len > 8 * alen)
				return false;
			min_len += (int)sizeof(hc) + alen;
			break;
		}
		case INET_DIAG_BC_JMP:
			break;
		default:
			min_len += 4;
			break;
		}
		if (len < min_len || op.no < min_len || op.no > len + 4 || (op.no & 3))
			return false;
		if (op.no < len) {
			/* the target must be an op boundary on the yes-chain */
			const uint8_t *p = start;
			int l = total, cc = len - op.no;
			bool ok = false;

			while (l >= 0 && cc <= l) {
				struct inet_diag_bc_op o;

				if (cc == l) {
					ok = true;
					break;
				}
				memcpy(&o, p, sizeof(o));
				if (o.yes < 4 || (o.yes & 3))
					break;
				l -= o.yes;
				p += o.yes;
			}
			if (!ok)
				return false;
		}
		if (op.yes < min_len || op.yes > len + 4 || (op.yes & 3))
			return false;
		bc += op.yes;
		len -= op.yes;
	}
	return len == 0;
}

static struct sock_rec make_rec(int family, const char *l, unsigned lp, const char *r, unsigned rp, int state)
{
	struct sock_rec s;

	memset(&s, 0, sizeof(s));
	s.family = (uint8_t)family;
	inet_pton(family, l, s.laddr);
	inet_pton(family, r, s.raddr);
	s.lport = (uint16_t)lp;
	s.rport = (uint16_t)rp;
	s.state = (uint8_t)state;
	s.inode = 1000;
	s.recv_q = 1;
	s.ext = SOCK_NO_EXT;
	return s;
}

static void exercise(const struct filter *f)
{
	struct sock_rec recs[6];
	void *bc[2];
	size_t len[2];
	const int fams[2] = {AF_INET, AF_INET6};
	struct filter_env env = {.owners = NULL};

	recs[0] = make_rec(AF_INET, "10.0.0.1", 80, "192.168.1.2", 40000, SK_ESTABLISHED);
	recs[1] = make_rec(AF_INET, "127.0.0.1", 22, "0.0.0.0", 0, SK_LISTEN);
	recs[2] = make_rec(AF_INET6, "::1", 443, "::1", 50000, SK_CLOSE_WAIT);
	recs[3] = make_rec(AF_INET6, "::ffff:10.0.0.1", 8080, "::ffff:10.2.3.4", 1024, SK_TIME_WAIT);
	recs[4] = make_rec(AF_INET6, "fd00::1", 0, "::", 0, SK_CLOSE);
	recs[5] = make_rec(AF_INET, "0.0.0.0", 65535, "255.255.255.255", 1, SK_SYN_SENT);

	(void)filter_states(f);
	(void)filter_needs(f);
	(void)filter_is_trivial(f);
	for (int k = 0; k < 2; k++) {
		if (filter_bytecode(f, fams[k], &bc[k], &len[k]) < 0) {
			bc[k] = NULL;
			len[k] = 0;
		}
		if (bc[k] && (len[k] > 65535 || !bc_audit(bc[k], (int)len[k])))
			abort();
	}
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		int k = recs[i].family == AF_INET6;
		bool m = filter_match(f, &recs[i], &env);

		if (m && bc[k] && !bc_run(bc[k], (int)len[k], &recs[i]))
			abort(); /* the kernel would drop a socket the filter wants */
	}
	free(bc[0]);
	free(bc[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *copy, *argv[512];
	int argc = 0, r;
	struct filter *f = NULL;
	struct filter_error err;

	if (size > 4096)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	r = filter_parse_str(s, &f, &err);
	if (r == 0) {
		exercise(f);
		filter_free(f);
	} else if (r == -EINVAL && (err.len == 0 || err.msg[0] == '\0' || err.pos > strlen(s))) {
		abort(); /* every error must point somewhere inside the expression */
	}
	copy = strdup(s);
	if (copy) {
		for (char *tok = strtok(copy, " "); tok && argc < 512; tok = strtok(NULL, " "))
			argv[argc++] = tok;
		f = NULL;
		if (filter_parse(argc, argv, &f, &err) == 0) {
			exercise(f);
			filter_free(f);
		}
		free(copy);
	}
	free(s);
	return 0;
}
