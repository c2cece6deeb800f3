// SPDX-License-Identifier: MIT
/*
 * test_filter: the filter language.  Parsing and matching on hand-built
 * records (every key, operator spelling, operand form, state group,
 * precedence as ss has it), error positions, and the kernel bytecode: an
 * independent re-implementation of the kernel's inet_diag_bc_audit() and
 * inet_diag_bc_run() checks, over many expressions and random records, that
 * the bytecode accepts every socket the filter accepts (and exactly those
 * when the expression is all kernel-testable); as root, the real kernel must
 * also accept every program in a SOCK_DIAG dump request.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "filter.h"
#include "needs.h"
#include "states.h"

/* ---- records ------------------------------------------------------------ */

static struct sock_rec rec(const char *laddr, unsigned lport, const char *raddr, unsigned rport, int state)
{
	struct sock_rec r;

	memset(&r, 0, sizeof(r));
	r.family = strchr(laddr, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(r.family, laddr, r.laddr), 1);
	assert_int_equal(inet_pton(r.family, raddr, r.raddr), 1);
	r.lport = (uint16_t)lport;
	r.rport = (uint16_t)rport;
	r.state = (uint8_t)state;
	r.proto = IPPROTO_TCP;
	r.ext = SOCK_NO_EXT;
	return r;
}

static struct filter *parse_ok(const char *expr)
{
	struct filter *f = NULL;
	struct filter_error e;
	int r = filter_parse_str(expr, &f, &e);

	if (r != 0)
		fail_msg("'%s' did not parse: %s (pos %zu)", expr, e.msg, e.pos);
	assert_non_null(f);
	return f;
}

static bool matches(const char *expr, const struct sock_rec *r)
{
	struct filter *f = parse_ok(expr);
	bool m = filter_match(f, r, NULL);

	filter_free(f);
	return m;
}

#define YES(expr, r) do { if (!matches(expr, r)) fail_msg("'%s' should match", expr); } while (0)
#define NO(expr, r) do { if (matches(expr, r)) fail_msg("'%s' should not match", expr); } while (0)

/* ---- matching ----------------------------------------------------------- */

static void t_ports(void **state)
{
	struct sock_rec r = rec("10.0.0.1", 443, "192.168.1.7", 51000, SK_ESTABLISHED);

	(void)state;
	YES("sport = :443", &r);
	YES("sport == :443", &r);
	YES("sport eq :443", &r);
	YES("sport EQ 443", &r);
	YES("sport :443", &r);
	YES("sport = :https", &r);
	YES("sport = :0x1bb", &r);
	YES("sport=:443", &r);
	YES("SPORT = :443", &r);
	NO("sport = :80", &r);
	NO("dport = :443", &r);
	YES("dport = :51000", &r);
	YES("sport != :80", &r);
	YES("sport ne :80", &r);
	YES("sport neq :80", &r);
	NO("sport != :443", &r);
	/* ss: '>' is strict (NOT <=), '<' is strict (NOT >=) */
	YES("sport > :442", &r);
	NO("sport > :443", &r);
	YES("sport gt :442", &r);
	YES("sport >= :443", &r);
	YES("sport ge :443", &r);
	YES("sport geq :443", &r);
	NO("sport >= :444", &r);
	YES("sport < :444", &r);
	NO("sport < :443", &r);
	YES("sport lt :444", &r);
	YES("sport <= :443", &r);
	YES("sport le :443", &r);
	YES("sport leq :443", &r);
	NO("sport <= :442", &r);
	YES("dport > :1024", &r);
	YES("dport>=1024", &r);
	YES("sport = *", &r);
	YES("sport = :*", &r);
	NO("sport != *", &r);
}

static void t_hosts(void **state)
{
	struct sock_rec r4 = rec("10.1.2.3", 80, "192.168.1.7", 50000, SK_ESTABLISHED);
	struct sock_rec r6 = rec("fd00::5", 80, "::1", 50000, SK_ESTABLISHED);
	struct sock_rec m6 = rec("::ffff:10.1.2.3", 80, "::ffff:192.168.1.7", 50000, SK_ESTABLISHED);

	(void)state;
	YES("src 10.1.2.3", &r4);
	YES("src = 10.1.2.3", &r4);
	YES("src == 10.1.2.3", &r4);
	NO("src != 10.1.2.3", &r4);
	YES("src 10.0.0.0/8", &r4);
	YES("src 10/8", &r4);                /* ss's short IPv4 form */
	YES("src 012.1.2.3", &r4);           /* octal part, as ss reads it */
	NO("src 10.1", &r4);                 /* 10.1.0.0/32 */
	YES("src 10.1.0.0/16", &r4);
	YES("src 10.0.0.0/255.0.0.0", &r4);
	NO("src 11.0.0.0/8", &r4);
	YES("src 10.1.2.3:80", &r4);
	NO("src 10.1.2.3:81", &r4);
	YES("src *:80", &r4);
	YES("src :80", &r4);
	YES("src *", &r4);
	YES("src any", &r4);
	YES("src 0.0.0.0/0", &r4);
	YES("dst 192.168.1.0/24", &r4);
	YES("dest 192.168.1.7:50000", &r4);
	YES("dst 192.168.1.7:*", &r4);
	NO("dst [::1]", &r4);                /* IPv6 prefix never matches IPv4 */
	NO("src ::/0", &r4);
	NO("src [::ffff:10.1.2.3]", &r4);    /* ...even the mapped form */

	YES("src fd00::/8", &r6);
	YES("src [fd00::5]", &r6);
	YES("src [fd00::5]:80", &r6);
	YES("src [fd00::/16]:80", &r6);
	NO("src [fd00::5]:81", &r6);
	YES("dst [::1]", &r6);
	YES("dst ::1", &r6);                 /* a bare IPv6 address */
	YES("dst ::1/128", &r6);
	YES("dst ::/0", &r6);
	NO("dst 0.0.0.0/0", &r6);            /* IPv4 prefix, not a mapped address */
	NO("src 10.0.0.0/8", &r6);
	YES("src fd00::5:80", &r6);          /* ss: the last ':' starts the port */

	/* IPv4 prefixes match IPv4-mapped IPv6 addresses, as the kernel does */
	YES("src 10.1.2.3", &m6);
	YES("src 10.0.0.0/8", &m6);
	YES("dst 192.168.1.7:50000", &m6);
	YES("src 0.0.0.0/0", &m6);
	YES("src [::ffff:10.1.2.3]", &m6);
	YES("src ::ffff:10.1.2.3", &m6);
	YES("src ::ffff:0:0/96", &m6);
	NO("src 11.0.0.0/8", &m6);
}

static void t_logic(void **state)
{
	struct sock_rec r = rec("127.0.0.1", 1, "127.0.0.1", 9, SK_LISTEN);

	(void)state;
	YES("sport = :1 or sport = :2", &r);
	YES("sport = :2 || sport = :1", &r);
	YES("sport = :2 | sport = :1", &r);
	NO("sport = :1 and sport = :2", &r);
	NO("sport = :1 && sport = :2", &r);
	NO("sport = :1 & sport = :2", &r);
	NO("sport = :1 sport = :2", &r);     /* adjacency is AND */
	YES("sport = :1 dport = :9", &r);
	YES("not sport = :2", &r);
	YES("! sport = :2", &r);
	YES("!sport = :2", &r);
	YES("! ! sport = :1", &r);
	YES("not not sport = :1", &r);
	NO("!(sport = :1)", &r);
	/* ss groups and/or left to right with one precedence (checked against ss 6.1):
	 * "a or b and c" is "(a or b) and c" */
	NO("sport = :1 or sport = :2 and sport = :3", &r);
	YES("sport = :1 or ( sport = :2 and sport = :3 )", &r);
	YES("sport = :3 and sport = :2 or sport = :1", &r);
	NO("sport = :1 or sport = :2 sport = :3", &r);
	YES("! sport = :2 and sport = :1", &r); /* not binds to one term */
	YES("( ( ( sport = :1 ) ) )", &r);
	YES("(sport = :1)", &r);
	YES("( dport = :9 or dport = :10 ) and ( sport = :1 )", &r);
	NO("not ( dport = :9 or dport = :10 )", &r);
}

static void t_states(void **state)
{
	static const struct {
		const char *expr;
		uint32_t mask;
	} cases[] = {
		{"", SK_ALL_STATES},
		{"state established", 1u << SK_ESTABLISHED},
		{"state estab", 1u << SK_ESTABLISHED},
		{"state ESTABLISHED", 1u << SK_ESTABLISHED},
		{"state close-wait", 1u << SK_CLOSE_WAIT},
		{"state CLOSE_WAIT", 1u << SK_CLOSE_WAIT},
		{"state syn-recv", 1u << SK_SYN_RECV},
		{"state syn-received", 1u << SK_SYN_RECV},
		{"state syn-rcv", 1u << SK_SYN_RECV},
		{"state time-wait", 1u << SK_TIME_WAIT},
		{"state unconn", 1u << SK_CLOSE},
		{"state unconnected", 1u << SK_CLOSE},
		{"state closed", 1u << SK_CLOSE},
		{"state listening", 1u << SK_LISTEN}, /* ss: LISTEN only (ss -l adds CLOSE) */
		{"state listen", 1u << SK_LISTEN},
		{"state all", SK_ALL_STATES},
		{"state connected", SK_ALL_STATES & ~(1u << SK_LISTEN | 1u << SK_CLOSE)},
		{"state synchronized", SK_ALL_STATES & ~(1u << SK_LISTEN | 1u << SK_CLOSE | 1u << SK_SYN_SENT)},
		{"state bucket", 1u << SK_SYN_RECV | 1u << SK_TIME_WAIT},
		{"state big", SK_ALL_STATES & ~(1u << SK_SYN_RECV | 1u << SK_TIME_WAIT)},
		{"state listen state established", 1u << SK_LISTEN | 1u << SK_ESTABLISHED},
		{"exclude listen", SK_ALL_STATES & ~(1u << SK_LISTEN)},
		{"excl bucket", SK_ALL_STATES & ~(1u << SK_SYN_RECV | 1u << SK_TIME_WAIT)},
		{"state connected exclude time-wait", SK_ALL_STATES & ~(1u << SK_LISTEN | 1u << SK_CLOSE |
									 1u << SK_TIME_WAIT)},
		{"state big exclude listen state listen", SK_ALL_STATES & ~(1u << SK_SYN_RECV | 1u << SK_TIME_WAIT)},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct filter *f = parse_ok(cases[i].expr);

		if (filter_states(f) != cases[i].mask)
			fail_msg("'%s': states %#x, want %#x", cases[i].expr, filter_states(f), cases[i].mask);
		for (int st = 1; st < SK_STATE_MAX; st++) {
			struct sock_rec r = rec("10.0.0.1", 1, "10.0.0.2", 2, st);

			assert_int_equal(filter_match(f, &r, NULL), !!(cases[i].mask & (1u << st)));
		}
		assert_int_equal(filter_is_trivial(f), cases[i].mask == SK_ALL_STATES);
		filter_free(f);
	}
}

static void t_extensions(void **state)
{
	struct sock_rec r = rec("10.0.0.1", 80, "10.0.0.2", 40000, SK_CLOSE_WAIT);
	struct filter *f;

	(void)state;
	r.uid = 0;
	r.inode = 12345;
	r.recv_q = 1;
	r.send_q = 0;
	YES("sport = :80 and state close-wait", &r);
	NO("sport = :80 and state established", &r);
	YES("state = close-wait", &r);
	YES("state != listen", &r);
	YES("( state listen or state close-wait )", &r);
	YES("state listen or state close-wait", &r);
	NO("state listen and sport = :80", &r);
	YES("state close-wait and sport = :80", &r);
	YES("uid = 0", &r);
	YES("uid < 1", &r);
	NO("uid > 0", &r);
	YES("user = root", &r);
	NO("user != root", &r);
	YES("user = 0", &r);
	YES("side = server", &r);            /* CLOSE-WAIT: the passive closer */
	NO("side = client", &r);
	YES("side != client", &r);
	YES("role = passive-closer", &r);
	NO("role = active-closer", &r);
	YES("recvq > 0", &r);
	YES("recvq = 1", &r);
	YES("recv-q >= 1", &r);
	NO("sendq > 0", &r);
	YES("send-q = 0", &r);
	YES("inode = 12345", &r);
	YES("ino != 1", &r);
	YES("inode >= 12345", &r);
	NO("inode < 12345", &r);
	/* no owner map: pid/process never match, their negation always does */
	NO("pid = 1", &r);
	NO("process = *", &r);
	YES("not process = nginx", &r);

	f = parse_ok("pid = 1 or process = 'ngin*'");
	assert_int_equal(filter_needs(f) & NEED_OWNERS, NEED_OWNERS);
	filter_free(f);
	f = parse_ok("uid = 0 and user = root and sport = :1");
	assert_int_equal(filter_needs(f) & NEED_OWNERS, 0);
	filter_free(f);

	/* states the expression allows narrow the dump */
	f = parse_ok("state connected sport = :80 and state close-wait");
	assert_int_equal(filter_states(f), 1u << SK_CLOSE_WAIT);
	filter_free(f);
	f = parse_ok("sport = :80 or state close-wait");
	assert_int_equal(filter_states(f), SK_ALL_STATES);
	filter_free(f);
	f = parse_ok("not state listen");
	assert_int_equal(filter_states(f), SK_ALL_STATES & ~(1u << SK_LISTEN));
	filter_free(f);
	f = parse_ok("side = client");
	for (int st = 1; st < SK_STATE_MAX; st++)
		assert_int_equal(!!(filter_states(f) & (1u << st)), state_get(st)->side == SIDE_CLIENT);
	filter_free(f);
	f = parse_ok("sport = :1");
	assert_false(filter_is_trivial(f));
	filter_free(f);
}

static void t_argv(void **state)
{
	char *argv1[] = {"state", "listen", "( sport = :80 or sport = :443 )"};
	char *argv2[] = {"dport", "=", ":443"};
	struct filter *f;
	struct filter_error e;
	struct sock_rec r = rec("10.0.0.1", 443, "0.0.0.0", 0, SK_LISTEN);

	(void)state;
	assert_int_equal(filter_parse(3, argv1, &f, &e), 0);
	assert_true(filter_match(f, &r, NULL));
	r.state = SK_ESTABLISHED;
	assert_false(filter_match(f, &r, NULL));
	filter_free(f);
	assert_int_equal(filter_parse(3, argv2, &f, &e), 0);
	assert_false(filter_match(f, &r, NULL));
	filter_free(f);
	assert_int_equal(filter_parse(0, NULL, &f, &e), 0);
	assert_true(filter_is_trivial(f));
	assert_true(filter_match(f, &r, NULL));
	filter_free(f);
	filter_free(NULL);
}

/* ---- errors ------------------------------------------------------------- */

static void t_errors(void **state)
{
	static const struct {
		const char *expr;
		size_t pos, len;
		const char *msg;
	} cases[] = {
		{"state foo", 6, 3, "unknown state 'foo'"},
		{"state", 5, 1, "unexpected end of filter"},
		{"sport = :", 8, 1, "expected a port after ':'"},
		{"sport = :nosuchservice", 8, 14, "unknown service"},
		{"sport = :70000", 8, 6, "out of range"},
		{"sport > *", 8, 1, "needs a port number"},
		{"( sport = :1", 0, 1, "unbalanced '('"},
		{"sport = :1 )", 11, 1, "unbalanced ')'"},
		{"sport = :1 or", 13, 1, "unexpected end of filter"},
		{"sport = :1 and and sport = :2", 15, 3, "unexpected 'and'"},
		{"()", 0, 2, "empty parentheses"},
		{"dst example.com", 4, 11, "never resolved"},
		{"dst 10.0.0.0/40", 4, 11, "bad prefix length"},
		{"dst [::1", 4, 4, "missing ']'"},
		{"src > 10.0.0.1", 4, 1, "cannot be used with 'src'"},
		{"foo = 1", 0, 3, "unknown key 'foo'"},
		{"user = no_such_user_here", 7, 17, "unknown user"},
		{"side = middle", 7, 6, "unknown side"},
		{"role = boss", 7, 4, "unknown role"},
		{"pid = abc", 6, 3, "expected a number"},
		{"pid = 99999999999", 6, 11, "too large"},
		{"state listen state established or sport = :1", 31, 2, "leading state words"},
		{"sport = :1 exclude listen", 11, 7, "only allowed before"},
		{"process = 'abc", 10, 1, "unterminated quote"},
		{"sport", 5, 1, "unexpected end of filter: expected a port"},
		{"not", 3, 1, "unexpected end of filter"},
		{"= :1", 0, 1, "unexpected '='"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct filter *f = NULL;
		struct filter_error e;
		int r = filter_parse_str(cases[i].expr, &f, &e);

		if (r != -EINVAL)
			fail_msg("'%s' parsed (r=%d)", cases[i].expr, r);
		assert_null(f);
		if (!strstr(e.msg, cases[i].msg))
			fail_msg("'%s': message '%s' lacks '%s'", cases[i].expr, e.msg, cases[i].msg);
		if (e.pos != cases[i].pos || e.len != cases[i].len)
			fail_msg("'%s': pos %zu len %zu, want %zu %zu (%s)", cases[i].expr, e.pos, e.len,
				 cases[i].pos, cases[i].len, e.msg);
		assert_string_equal(e.expr, cases[i].expr);
	}
}

static void t_limits(void **state)
{
	char buf[1100];
	struct filter *f = NULL;
	struct filter_error e;
	size_t n = 0;

	(void)state;
	/* nesting is capped */
	for (int i = 0; i < 300; i++)
		buf[n++] = '(';
	memcpy(buf + n, "sport = :1", 11);
	assert_int_equal(filter_parse_str(buf, &f, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "nests too deeply"));
	assert_int_equal(e.pos, 256);
	/* length is capped */
	memset(buf, ' ', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	assert_int_equal(filter_parse_str(buf, &f, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "too long"));
	/* 200 nested NOTs are fine */
	n = 0;
	for (int i = 0; i < 200; i++)
		buf[n++] = '!';
	memcpy(buf + n, "sport = :1", 11);
	assert_int_equal(filter_parse_str(buf, &f, &e), 0);
	{
		struct sock_rec r = rec("10.0.0.1", 1, "10.0.0.2", 2, SK_ESTABLISHED);

		assert_true(filter_match(f, &r, NULL)); /* even count of NOTs */
	}
	filter_free(f);
}

/* ---- the kernel's bytecode machine, re-implemented from inet_diag.c ----- */

struct entry {
	int family;
	uint32_t saddr[4], daddr[4];
	uint16_t sport, dport;
};

static bool bits_match(const uint32_t *a1, const uint32_t *a2, int bits)
{
	int words = bits >> 5;

	bits &= 0x1f;
	if (words && memcmp(a1, a2, (size_t)words << 2))
		return false;
	if (bits) {
		uint32_t mask = htonl(0xffffffffu << (32 - bits));

		if ((a1[words] ^ a2[words]) & mask)
			return false;
	}
	return true;
}

static bool bc_run(const uint8_t *bc, int len, const struct entry *e)
{
	while (len > 0) {
		struct inet_diag_bc_op op, arg;
		int yes = 1;

		memcpy(&op, bc, sizeof(op));
		switch (op.code) {
		case INET_DIAG_BC_NOP:
			break;
		case INET_DIAG_BC_JMP:
			yes = 0;
			break;
		case INET_DIAG_BC_S_EQ:
		case INET_DIAG_BC_S_GE:
		case INET_DIAG_BC_S_LE:
		case INET_DIAG_BC_D_EQ:
		case INET_DIAG_BC_D_GE:
		case INET_DIAG_BC_D_LE: {
			bool src = op.code == INET_DIAG_BC_S_EQ || op.code == INET_DIAG_BC_S_GE ||
				   op.code == INET_DIAG_BC_S_LE;
			uint16_t p = src ? e->sport : e->dport;

			memcpy(&arg, bc + 4, sizeof(arg));
			if (op.code == INET_DIAG_BC_S_EQ || op.code == INET_DIAG_BC_D_EQ)
				yes = p == arg.no;
			else if (op.code == INET_DIAG_BC_S_GE || op.code == INET_DIAG_BC_D_GE)
				yes = p >= arg.no;
			else
				yes = p <= arg.no;
			break;
		}
		case INET_DIAG_BC_S_COND:
		case INET_DIAG_BC_D_COND: {
			struct inet_diag_hostcond hc;
			uint32_t caddr[4] = {0};
			const uint32_t *addr = op.code == INET_DIAG_BC_S_COND ? e->saddr : e->daddr;

			memcpy(&hc, bc + 4, sizeof(hc));
			memcpy(caddr, bc + 4 + sizeof(hc), hc.family == AF_INET6 ? 16 : hc.family == AF_INET ? 4 : 0);
			if (hc.port != -1 && hc.port != (op.code == INET_DIAG_BC_S_COND ? e->sport : e->dport)) {
				yes = 0;
				break;
			}
			if (hc.family != AF_UNSPEC && hc.family != e->family) {
				if (e->family == AF_INET6 && hc.family == AF_INET && addr[0] == 0 && addr[1] == 0 &&
				    addr[2] == htonl(0xffff) && bits_match(addr + 3, caddr, hc.prefix_len))
					break;
				yes = 0;
				break;
			}
			if (hc.prefix_len == 0)
				break;
			if (bits_match(addr, caddr, hc.prefix_len))
				break;
			yes = 0;
			break;
		}
		default:
			fail_msg("unexpected op %u", op.code);
		}
		if (yes) {
			len -= op.yes;
			bc += op.yes;
		} else {
			len -= op.no;
			bc += op.no;
		}
	}
	return len == 0;
}

static bool valid_cc(const uint8_t *bc, int len, int cc)
{
	while (len >= 0) {
		struct inet_diag_bc_op op;

		if (cc > len)
			return false;
		if (cc == len)
			return true;
		memcpy(&op, bc, sizeof(op));
		if (op.yes < 4 || op.yes & 3)
			return false;
		len -= op.yes;
		bc += op.yes;
	}
	return false;
}

/* The kernel's inet_diag_bc_audit() for the ops we use. */
static bool bc_audit(const uint8_t *bytecode, int bytecode_len)
{
	const uint8_t *bc = bytecode;
	int len = bytecode_len;

	while (len > 0) {
		int min_len = sizeof(struct inet_diag_bc_op);
		struct inet_diag_bc_op op;

		memcpy(&op, bc, sizeof(op));
		switch (op.code) {
		case INET_DIAG_BC_S_COND:
		case INET_DIAG_BC_D_COND: {
			struct inet_diag_hostcond hc;
			int alen;

			min_len += sizeof(hc);
			if (len < min_len)
				return false;
			memcpy(&hc, bc + 4, sizeof(hc));
			alen = hc.family == AF_UNSPEC ? 0 : hc.family == AF_INET ? 4 : hc.family == AF_INET6 ? 16 : -1;
			if (alen < 0)
				return false;
			min_len += alen;
			if (len < min_len || hc.prefix_len > 8 * alen)
				return false;
			break;
		}
		case INET_DIAG_BC_S_EQ:
		case INET_DIAG_BC_S_GE:
		case INET_DIAG_BC_S_LE:
		case INET_DIAG_BC_D_EQ:
		case INET_DIAG_BC_D_GE:
		case INET_DIAG_BC_D_LE:
			min_len += sizeof(struct inet_diag_bc_op);
			if (len < min_len)
				return false;
			break;
		case INET_DIAG_BC_JMP:
		case INET_DIAG_BC_NOP:
			break;
		default:
			return false;
		}
		if (op.code != INET_DIAG_BC_NOP) {
			if (op.no < min_len || op.no > len + 4 || op.no & 3)
				return false;
			if (op.no < len && !valid_cc(bytecode, bytecode_len, len - op.no))
				return false;
		}
		if (op.yes < min_len || op.yes > len + 4 || op.yes & 3)
			return false;
		bc += op.yes;
		len -= op.yes;
	}
	return len == 0;
}

static struct entry entry_of(const struct sock_rec *r)
{
	struct entry e;

	memset(&e, 0, sizeof(e));
	e.family = r->family;
	memcpy(e.saddr, r->laddr, r->family == AF_INET ? 4 : 16);
	memcpy(e.daddr, r->raddr, r->family == AF_INET ? 4 : 16);
	e.sport = r->lport;
	e.dport = r->rport;
	return e;
}

/* Expressions for the bytecode tests; "*" marks those the kernel can test
 * completely (bytecode and filter must then agree exactly). */
static const char *const bc_exprs[] = {
	"*sport = :22",
	"*dport = :443",
	"*sport != :22",
	"*sport > :1024",
	"*sport < :1024",
	"*sport >= :1024",
	"*sport <= :1024",
	"*dport > :80 and dport < :8080",
	"*src 10.0.0.0/8",
	"*src 10.0.0.1",
	"*dst 10.1.2.3:80",
	"*dst 192.168.0.0/16",
	"*src [::1]",
	"*src ::1",
	"*src fd00::/8",
	"*dst [fe80::1]:443",
	"*src 0.0.0.0/0",
	"*src ::/0",
	"*src *",
	"*src *:80",
	"*dst ::ffff:10.0.0.1",
	"*src 10.0.0.0/8 or src fd00::/8",
	"*not src 10.0.0.0/8",
	"*! ( sport = :22 or sport = :80 )",
	"*( sport = :22 or sport = :80 ) and not dst 127.0.0.0/8",
	"*sport = :22 or sport = :80 and dport > :1024",
	"*sport = :22 or sport = :80 or sport = :443 or sport = :8080",
	"*not not not dport = :443",
	"*( src 10.0.0.0/8 or dst 10.0.0.0/8 ) ( sport < :1024 or dport < :1024 )",
	"*not ( src [::1] and dport = :443 ) or sport >= :32768",
	"*dport = *",
	"*dport != *",
	"*state listen sport = :80",
	"*src 10.1.2.3:80 or src [fd00::5]:80 or dst ::1",
	"sport = :80 and state close-wait",
	"sport = :80 or state close-wait",
	"not ( sport = :80 and state listen )",
	"not ( sport = :80 or state listen )",
	"not ( sport = :80 or pid = 5 )",
	"sport = :80 and pid = 5",
	"process = nginx or dport = :443",
	"uid = 0 and ( src 10.0.0.0/8 or not dport = :22 )",
	"not ( recvq > 0 and not sport = :22 )",
	"side = client or src ::1",
	"role = passive-closer and not ( dport < :1024 or inode = 5 )",
	"not ( not ( sport = :1 and user = root ) or dst 10.0.0.0/8 )",
	"state close-wait",
	"not state listen",
	"state listen and not state listen",
	"( sport = :1 or state established ) and ( dport = :2 or not state established )",
};

static const char *const pool4[] = {"10.0.0.1", "10.1.2.3", "127.0.0.1", "192.168.1.1", "0.0.0.0", "11.0.0.1"};
static const char *const pool6[] = {"::1", "fd00::5", "fe80::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1", "::",
				    "2001:db8::1"};
static const uint16_t port_pool[] = {0, 1, 2, 22, 80, 443, 1023, 1024, 1025, 8080, 32768, 65535};

static uint32_t rng_state = 12345;

static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 8) % n;
}

static struct sock_rec random_rec(void)
{
	struct sock_rec r;
	bool v6 = rnd(2);
	const char *const *pool = v6 ? pool6 : pool4;
	size_t n = v6 ? sizeof(pool6) / sizeof(pool6[0]) : sizeof(pool4) / sizeof(pool4[0]);

	r = rec(pool[rnd((uint32_t)n)], 0, pool[rnd((uint32_t)n)], 0, 1 + (int)rnd(11));
	r.lport = rnd(4) ? port_pool[rnd(sizeof(port_pool) / sizeof(port_pool[0]))] : (uint16_t)rnd(65536);
	r.rport = rnd(4) ? port_pool[rnd(sizeof(port_pool) / sizeof(port_pool[0]))] : (uint16_t)rnd(65536);
	r.uid = rnd(2) ? 0 : 1000;
	r.inode = rnd(8);
	r.recv_q = rnd(3);
	return r;
}

static void t_bytecode_agreement(void **state)
{
	unsigned long checks = 0, accepted = 0, exact = 0, programs = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bc_exprs) / sizeof(bc_exprs[0]); i++) {
		bool full = bc_exprs[i][0] == '*';
		const char *expr = bc_exprs[i] + full;
		struct filter *f = parse_ok(expr);
		/* [2]: the two-family program (TCPDIAG_GETSOCK), sent with the
		 * ports the filter pins in the request header */
		void *bc[3];
		size_t len[3];
		const int fams[3] = {AF_INET, AF_INET6, AF_UNSPEC};
		uint16_t sport, dport;

		filter_pinned_ports(f, &sport, &dport);
		for (int k = 0; k < 3; k++) {
			assert_int_equal(filter_bytecode(f, fams[k], &bc[k], &len[k]), 0);
			if (bc[k]) {
				programs++;
				assert_true(len[k] > 0 && len[k] % 4 == 0);
				if (!bc_audit(bc[k], (int)len[k]))
					fail_msg("'%s': family %d: bytecode fails the audit", expr, fams[k]);
			} else {
				assert_int_equal(len[k], 0);
			}
		}
		for (int n = 0; n < 3000; n++) {
			struct sock_rec r = random_rec();
			int k = r.family == AF_INET6;
			struct entry e = entry_of(&r);
			bool m = filter_match(f, &r, NULL);
			bool b = bc[k] ? bc_run(bc[k], (int)len[k], &e) : true;
			/* the kernel's header test, then the two-family program */
			bool hdr = (!sport || r.lport == sport) && (!dport || r.rport == dport);
			bool b2 = hdr && (bc[2] ? bc_run(bc[2], (int)len[2], &e) : true);

			checks += 2;
			accepted += b;
			if (m && !b)
				fail_msg("'%s': bytecode rejects a matching socket (family %d, state %d, ports %u/%u)",
					 expr, r.family, r.state, r.lport, r.rport);
			if (m && !b2)
				fail_msg("'%s': the two-family request rejects a matching socket (family %d, ports %u/%u, "
					 "pinned %u/%u)",
					 expr, r.family, r.lport, r.rport, sport, dport);
			/* Exact where the kernel can test everything (states go in idiag_states) */
			if (full && (filter_states(f) & (1u << r.state))) {
				exact++;
				if (m != b || m != b2)
					fail_msg("'%s': bytecode %d, two-family %d, filter %d (family %d, ports %u/%u)", expr,
						 b, b2, m, r.family, r.lport, r.rport);
			}
		}
		free(bc[0]);
		free(bc[1]);
		free(bc[2]);
		filter_free(f);
	}
	print_message("# bytecode: %lu programs, %lu checks, %lu exact, %lu accepted\n", programs, checks, exact,
		      accepted);
	assert_true(programs > 40);
	assert_true(exact > 50000);
}

static void t_bytecode_shapes(void **state)
{
	struct filter *f;
	void *bc;
	size_t len;
	struct inet_diag_bc_op op;

	(void)state;
	/* nothing to compile */
	f = parse_ok("state listen");
	assert_int_equal(filter_bytecode(f, AF_INET, &bc, &len), 0);
	assert_null(bc);
	filter_free(f);
	f = parse_ok("pid = 1 and process = x");
	assert_int_equal(filter_bytecode(f, AF_INET6, &bc, &len), 0);
	assert_null(bc);
	filter_free(f);
	/* the conservative approximations */
	f = parse_ok("not ( sport = :80 and pid = 5 )");
	assert_int_equal(filter_bytecode(f, AF_INET, &bc, &len), 0);
	assert_null(bc);
	filter_free(f);
	f = parse_ok("sport = :80 and pid = 5");
	assert_int_equal(filter_bytecode(f, AF_INET, &bc, &len), 0);
	assert_non_null(bc);
	assert_int_equal(len, 8);
	memcpy(&op, bc, sizeof(op));
	assert_int_equal(op.code, INET_DIAG_BC_S_EQ);
	free(bc);
	filter_free(f);
	/* an IPv6 prefix on an IPv4 dump rejects everything */
	f = parse_ok("src fd00::/8");
	assert_int_equal(filter_bytecode(f, AF_INET, &bc, &len), 0);
	assert_int_equal(len, 4);
	memcpy(&op, bc, sizeof(op));
	assert_int_equal(op.code, INET_DIAG_BC_JMP);
	free(bc);
	assert_int_equal(filter_bytecode(f, AF_INET6, &bc, &len), 0);
	assert_int_equal(len, 4 + sizeof(struct inet_diag_hostcond) + 16);
	free(bc);
	filter_free(f);
	/* an IPv4 prefix on an IPv6 dump stays (v4-mapped addresses) */
	f = parse_ok("src 10.0.0.0/8");
	assert_int_equal(filter_bytecode(f, AF_INET6, &bc, &len), 0);
	assert_int_equal(len, 4 + sizeof(struct inet_diag_hostcond) + 4);
	free(bc);
	filter_free(f);
	/* the largest expression still gives a valid program */
	{
		char buf[1024];
		size_t n = 0;

		while (n + 40 < sizeof(buf))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%ssrc [fd00::%zx]:%zu", n ? " or " : "", n,
					      n);
		f = parse_ok(buf);
		assert_int_equal(filter_bytecode(f, AF_INET6, &bc, &len), 0);
		assert_non_null(bc);
		assert_true(bc_audit(bc, (int)len));
		free(bc);
		filter_free(f);
	}
}

/* ---- the real kernel ---------------------------------------------------- */

/* Sends a dump request carrying bc; returns 0 or the kernel's -errno. */
static int kernel_dump(int family, const void *bc, size_t bclen, unsigned *nsocks)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} hdr;
	struct nlattr nla;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct iovec iov[3];
	struct msghdr msg = {.msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = iov, .msg_iovlen = 3};
	char buf[32768];
	int fd, err = 0;
	bool done = false;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	memset(&hdr, 0, sizeof(hdr));
	hdr.nlh.nlmsg_len = (uint32_t)(sizeof(hdr) + NLA_HDRLEN + NLA_ALIGN(bclen));
	hdr.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	hdr.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	hdr.nlh.nlmsg_seq = 1;
	hdr.req.sdiag_family = (uint8_t)family;
	hdr.req.sdiag_protocol = IPPROTO_TCP;
	hdr.req.idiag_states = ~0u;
	nla.nla_len = (uint16_t)(NLA_HDRLEN + bclen);
	nla.nla_type = INET_DIAG_REQ_BYTECODE;
	iov[0] = (struct iovec){&hdr, sizeof(hdr)};
	iov[1] = (struct iovec){&nla, sizeof(nla)};
	iov[2] = (struct iovec){(void *)bc, NLA_ALIGN(bclen)};
	*nsocks = 0;
	if (sendmsg(fd, &msg, 0) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		for (; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
				done = true;
				break;
			}
			(*nsocks)++;
		}
	}
	close(fd);
	return err;
}

static void t_pinned_ports(void **state)
{
	static const struct {
		const char *expr;
		uint16_t sport, dport;
	} cases[] = {
		{"sport = :22", 22, 0},
		{"sport == :ssh", 22, 0},
		{"dport = :443", 0, 443},
		{"sport = :80 and dport = :1234", 80, 1234},
		{"dst 10.0.0.1:443", 0, 443},
		{"src [::1]:8080", 8080, 0},
		{"sport = :80 or sport = :80", 80, 0},
		{"( sport = :80 or sport = :80 ) and dst 10.0.0.0/8", 80, 0},
		{"state established sport = :22", 22, 0},
		{"pid = 1 and sport = :22", 22, 0},
		{"sport = :80 or sport = :81", 0, 0},
		{"sport = :80 or dport = :80", 0, 0},
		{"not sport = :22", 0, 0},
		{"sport != :22", 0, 0},
		{"sport >= :22", 0, 0},
		{"sport < :1024", 0, 0},
		{"src 10.0.0.1", 0, 0},
		{"sport = :22 or pid = 1", 0, 0},
		{"sport = :0", 0, 0},
		{"state listening", 0, 0},
		/* ss's precedence: (a and b) or c pins nothing */
		{"sport = :22 and dport = :1 or dport = :2", 0, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct filter *f = parse_ok(cases[i].expr);
		uint16_t sp = 1, dp = 1;

		filter_pinned_ports(f, &sp, &dp);
		if (sp != cases[i].sport || dp != cases[i].dport)
			fail_msg("'%s': pinned %u/%u, want %u/%u", cases[i].expr, sp, dp, cases[i].sport,
				 cases[i].dport);
		filter_free(f);
	}
	{
		uint16_t sp = 1, dp = 1;

		filter_pinned_ports(NULL, &sp, &dp);
		assert_true(sp == 0 && dp == 0);
	}
}

static void t_kernel_accepts(void **state)
{
	unsigned long sent = 0, n;
	int fd;

	(void)state;
	if (geteuid() != 0) {
		print_message("# not root: the kernel test is skipped\n");
		skip();
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		print_message("# no sock_diag netlink: the kernel test is skipped\n");
		skip();
	}
	close(fd);
	/* our own listener so that the dump walks at least one socket */
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(listen(fd, 1), 0);
	for (size_t i = 0; i < sizeof(bc_exprs) / sizeof(bc_exprs[0]); i++) {
		const char *expr = bc_exprs[i] + (bc_exprs[i][0] == '*');
		struct filter *f = parse_ok(expr);
		const int fams[2] = {AF_INET, AF_INET6};

		for (int k = 0; k < 2; k++) {
			void *bc;
			size_t len;
			unsigned socks;
			int r;

			assert_int_equal(filter_bytecode(f, fams[k], &bc, &len), 0);
			if (!bc)
				continue;
			r = kernel_dump(fams[k], bc, len, &socks);
			if (r < 0)
				fail_msg("'%s' (family %d): the kernel refused the bytecode: %s", expr, fams[k],
					 strerror(-r));
			sent++;
			free(bc);
		}
		filter_free(f);
	}
	/* a plain match-all dump and a reject-all program, to see both ends */
	{
		struct filter *f = parse_ok("src fd00::/8");
		void *bc;
		size_t len;
		unsigned all = 0, none = 99;

		assert_int_equal(filter_bytecode(f, AF_INET, &bc, &len), 0);
		assert_int_equal(kernel_dump(AF_INET, bc, len, &none), 0);
		assert_int_equal(none, 0);
		free(bc);
		filter_free(f);
		f = parse_ok("sport = :0 or sport > :0");
		assert_int_equal(filter_bytecode(f, AF_INET6, &bc, &len), 0);
		assert_int_equal(kernel_dump(AF_INET6, bc, len, &all), 0);
		assert_true(all >= 1);
		free(bc);
		filter_free(f);
	}
	close(fd);
	n = sent;
	print_message("# kernel accepted %lu programs\n", n);
	assert_true(n > 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_ports),
		cmocka_unit_test(t_hosts),
		cmocka_unit_test(t_logic),
		cmocka_unit_test(t_states),
		cmocka_unit_test(t_extensions),
		cmocka_unit_test(t_argv),
		cmocka_unit_test(t_errors),
		cmocka_unit_test(t_limits),
		cmocka_unit_test(t_bytecode_shapes),
		cmocka_unit_test(t_bytecode_agreement),
		cmocka_unit_test(t_pinned_ports),
		cmocka_unit_test(t_kernel_accepts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
