// SPDX-License-Identifier: MIT
/*
 * Tests of the netlink side: diag_parse_msg() on hand-built inet_diag
 * messages (valid, kernel-only states, truncated, odd-sized attributes),
 * nl_diag_replay() on a dump recorded from known loopback sockets and on
 * crafted record files (errors, interrupted dumps, malformed messages), and
 * nl_diag_collect() against live sockets created by the test itself, in this
 * namespace and (as root) in a fresh one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collect.h"
#include "diag_parse.h"
#include "filter.h"
#include "needs.h"
#include "nl_diag.h"
#include "sock.h"
#include "states.h"

/* assert_non_null() that the compiler also understands (cmocka's failure
 * functions are not declared noreturn). */
#define ASSERT_PTR(p)                     \
	do {                              \
		assert_non_null(p);       \
		if (!(p))                 \
			return;           \
	} while (0)

/* ---- message builder ---- */

struct mb {
	_Alignas(8) uint8_t buf[8192];
	size_t len;
};

static struct inet_diag_msg *mb_begin(struct mb *m, int family, int state)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->buf;
	struct inet_diag_msg *d;

	memset(m, 0, sizeof(*m));
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_MULTI;
	d = (struct inet_diag_msg *)(m->buf + NLMSG_HDRLEN);
	d->idiag_family = (uint8_t)family;
	d->idiag_state = (uint8_t)state;
	d->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	d->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	m->len = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*d));
	nlh->nlmsg_len = (uint32_t)m->len;
	return d;
}

static void mb_attr(struct mb *m, unsigned type, const void *data, size_t len)
{
	struct nlattr nla = { .nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = (uint16_t)type };

	assert_true(m->len + NLA_ALIGN(NLA_HDRLEN + len) <= sizeof(m->buf));
	memcpy(m->buf + m->len, &nla, sizeof(nla));
	if (len)
		memcpy(m->buf + m->len + NLA_HDRLEN, data, len);
	m->len += NLA_ALIGN(NLA_HDRLEN + len);
	((struct nlmsghdr *)m->buf)->nlmsg_len = (uint32_t)m->len;
}

static void mb_u8(struct mb *m, unsigned type, uint8_t v)
{
	mb_attr(m, type, &v, 1);
}

static int parse(const struct mb *m, struct sock_rec *rec, struct sock_ext *ext, int *has_ext)
{
	return diag_parse_msg(m->buf, m->len, rec, ext, has_ext);
}

static void set_addr(int family, const char *s, __be32 out[4])
{
	memset(out, 0, 16);
	assert_int_equal(inet_pton(family, s, out), 1);
}

static void assert_addr(int family, const uint8_t got[16], const char *want)
{
	uint8_t w[16] = { 0 };

	assert_int_equal(inet_pton(family, want, w), 1);
	assert_memory_equal(got, w, 16);
}

/* ---- diag_parse_msg ---- */

static void t_ipv4_basic(void **state)
{
	struct sock_rec rec;
	struct sock_ext ext;
	struct inet_diag_msg *d;
	struct mb m;
	int has_ext = -1;

	(void)state;
	d = mb_begin(&m, AF_INET, SK_ESTABLISHED);
	set_addr(AF_INET, "10.1.2.3", d->id.idiag_src);
	set_addr(AF_INET, "192.168.0.9", d->id.idiag_dst);
	d->id.idiag_src[2] = 0xdeadbeef; /* must not leak into the record */
	d->id.idiag_sport = htons(443);
	d->id.idiag_dport = htons(51000);
	d->id.idiag_if = 3;
	d->id.idiag_cookie[0] = 0x11223344;
	d->id.idiag_cookie[1] = 0x55667788;
	d->idiag_rqueue = 7;
	d->idiag_wqueue = 1448;
	d->idiag_uid = 1000;
	d->idiag_inode = 123456;
	d->idiag_timer = SOCK_TIMER_RETRANS;
	d->idiag_expires = 204;
	d->idiag_retrans = 2;

	assert_int_equal(parse(&m, &rec, &ext, &has_ext), 0);
	assert_int_equal(has_ext, 0);
	assert_int_equal(rec.family, AF_INET);
	assert_int_equal(rec.proto, IPPROTO_TCP);
	assert_int_equal(rec.state, SK_ESTABLISHED);
	assert_addr(AF_INET, rec.laddr, "10.1.2.3");
	assert_addr(AF_INET, rec.raddr, "192.168.0.9");
	assert_int_equal(rec.lport, 443);
	assert_int_equal(rec.rport, 51000);
	assert_int_equal(rec.ifindex, 3);
	assert_int_equal(rec.recv_q, 7);
	assert_int_equal(rec.send_q, 1448);
	assert_int_equal(rec.uid, 1000);
	assert_int_equal(rec.inode, 123456);
	assert_true(rec.cookie == (0x11223344ull | 0x55667788ull << 32));
	assert_int_equal(rec.timer, SOCK_TIMER_RETRANS);
	assert_int_equal(rec.timer_expires_ms, 204);
	assert_int_equal(rec.retransmits, 2);
	assert_int_equal(rec.flags, SOCK_F_COOKIE | SOCK_F_TIMER);
	assert_int_equal(rec.ext, SOCK_NO_EXT);
}

/* The answer to the two-family request (TCPDIAG_GETSOCK) parses the same. */
static void t_compat_type(void **state)
{
	struct sock_rec a, b;
	struct mb m;

	(void)state;
	mb_begin(&m, AF_INET6, SK_CLOSE_WAIT);
	assert_int_equal(parse(&m, &a, NULL, NULL), 0);
	((struct nlmsghdr *)m.buf)->nlmsg_type = TCPDIAG_GETSOCK;
	assert_int_equal(parse(&m, &b, NULL, NULL), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(b.state, SK_CLOSE_WAIT);
	assert_int_equal(b.family, AF_INET6);
}

static void t_ipv6_exts(void **state)
{
	static const uint32_t mem[SK_MEMINFO_VARS] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct tcp_info ti;
	struct sock_rec rec;
	struct sock_ext ext;
	struct inet_diag_msg *d;
	struct mb m;
	int has_ext = 0;

	(void)state;
	d = mb_begin(&m, AF_INET6, SK_LISTEN);
	set_addr(AF_INET6, "2001:db8::1", d->id.idiag_src);
	d->id.idiag_sport = htons(8080);
	d->idiag_rqueue = 1;
	d->idiag_wqueue = 4096;
	d->id.idiag_cookie[0] = 5;
	d->id.idiag_cookie[1] = 0;
	memset(&ti, 0, sizeof(ti));
	ti.tcpi_state = SK_LISTEN;
	ti.tcpi_rtt = 12345;
	ti.tcpi_snd_cwnd = 10;
	mb_attr(&m, INET_DIAG_INFO, &ti, sizeof(ti));
	mb_attr(&m, INET_DIAG_CONG, "cubic", 6);
	mb_attr(&m, INET_DIAG_SKMEMINFO, mem, sizeof(mem));
	mb_u8(&m, INET_DIAG_SHUTDOWN, 3);
	mb_u8(&m, INET_DIAG_SKV6ONLY, 1);
	mb_u8(&m, INET_DIAG_TOS, 0x10);

	assert_int_equal(parse(&m, &rec, &ext, &has_ext), 0);
	assert_int_equal(has_ext, 1);
	assert_int_equal(rec.family, AF_INET6);
	assert_int_equal(rec.state, SK_LISTEN);
	assert_addr(AF_INET6, rec.laddr, "2001:db8::1");
	assert_addr(AF_INET6, rec.raddr, "::");
	assert_int_equal(rec.lport, 8080);
	assert_int_equal(rec.recv_q, 1);
	assert_int_equal(rec.send_q, 4096);
	assert_true(rec.cookie == 5);
	assert_int_equal(rec.shutdown, 3);
	assert_int_equal(rec.flags, SOCK_F_COOKIE | SOCK_F_TIMER | SOCK_F_SHUTDOWN | SOCK_F_V6ONLY);
	assert_int_equal(ext.info_len, sizeof(ti));
	assert_memory_equal(&ext.info, &ti, sizeof(ti));
	assert_true(SOCK_INFO_HAS(&ext, tcpi_rtt));
	assert_string_equal(ext.cong, "cubic");
	assert_int_equal(ext.has_mem, 1);
	assert_int_equal(ext.mem.rmem_alloc, mem[SK_MEMINFO_RMEM_ALLOC]);
	assert_int_equal(ext.mem.sndbuf, mem[SK_MEMINFO_SNDBUF]);
	assert_int_equal(ext.mem.drops, mem[SK_MEMINFO_DROPS]);
	assert_int_equal(ext.tos, 0x10);

	/* V6ONLY present but 0: not set. */
	d = mb_begin(&m, AF_INET6, SK_LISTEN);
	mb_u8(&m, INET_DIAG_SKV6ONLY, 0);
	assert_int_equal(parse(&m, &rec, NULL, NULL), 0);
	assert_int_equal(rec.flags & SOCK_F_V6ONLY, 0);
}

static void t_kernel_states(void **state)
{
	struct sock_rec rec;
	struct mb m;
	static const int bad[] = { 0, 14, 15, 99, 255 };

	(void)state;
	mb_begin(&m, AF_INET, SK_KERNEL_NEW_SYN_RECV);
	assert_int_equal(parse(&m, &rec, NULL, NULL), 0);
	assert_int_equal(rec.state, SK_SYN_RECV);
	assert_int_equal(rec.flags & (SOCK_F_REQUEST | SOCK_F_COOKIE), SOCK_F_REQUEST);

	mb_begin(&m, AF_INET, SK_KERNEL_BOUND_INACTIVE);
	assert_int_equal(parse(&m, &rec, NULL, NULL), 0);
	assert_int_equal(rec.state, SK_CLOSE);
	assert_true(rec.flags & SOCK_F_BOUND_INACTIVE);

	/* What kernel 6.8+ really sends for bound-only sockets. */
	mb_begin(&m, AF_INET6, SK_CLOSE);
	assert_int_equal(parse(&m, &rec, NULL, NULL), 0);
	assert_int_equal(rec.state, SK_CLOSE);
	assert_true(rec.flags & SOCK_F_BOUND_INACTIVE);

	for (int s = SK_ESTABLISHED; s <= SK_CLOSING; s++) {
		mb_begin(&m, AF_INET, s);
		assert_int_equal(parse(&m, &rec, NULL, NULL), 0);
		assert_int_equal(rec.state, s);
		assert_int_equal(rec.flags & SOCK_F_REQUEST, 0);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mb_begin(&m, AF_INET, bad[i]);
		assert_int_equal(parse(&m, &rec, NULL, NULL), -ENOENT);
	}
	mb_begin(&m, AF_UNIX, SK_ESTABLISHED);
	assert_int_equal(parse(&m, &rec, NULL, NULL), -ENOENT);
	mb_begin(&m, AF_INET, SK_ESTABLISHED);
	mb_u8(&m, INET_DIAG_PROTOCOL, IPPROTO_UDP);
	assert_int_equal(parse(&m, &rec, NULL, NULL), -ENOENT);
	mb_begin(&m, AF_INET, SK_ESTABLISHED);
	mb_u8(&m, INET_DIAG_PROTOCOL, IPPROTO_TCP);
	assert_int_equal(parse(&m, &rec, NULL, NULL), 0);
}

static void t_truncated(void **state)
{
	struct sock_rec rec, sentinel;
	struct sock_ext ext;
	struct nlmsghdr *nlh;
	struct mb m;
	int has_ext = 42;

	(void)state;
	memset(&sentinel, 0xa5, sizeof(sentinel));
	rec = sentinel;
	mb_begin(&m, AF_INET, SK_ESTABLISHED);
	nlh = (struct nlmsghdr *)m.buf;
	/* Every length shorter than header + inet_diag_msg fails. */
	for (size_t len = 0; len < m.len; len++) {
		assert_int_equal(diag_parse_msg(m.buf, len, &rec, &ext, &has_ext), -EBADMSG);
		nlh->nlmsg_len = (uint32_t)len;
		assert_int_equal(diag_parse_msg(m.buf, m.len, &rec, &ext, &has_ext), -EBADMSG);
		nlh->nlmsg_len = (uint32_t)m.len;
	}
	/* nlmsg_len beyond the buffer. */
	nlh->nlmsg_len = (uint32_t)m.len + 4;
	assert_int_equal(diag_parse_msg(m.buf, m.len, &rec, &ext, &has_ext), -EBADMSG);
	nlh->nlmsg_len = UINT32_MAX;
	assert_int_equal(diag_parse_msg(m.buf, m.len, &rec, &ext, &has_ext), -EBADMSG);
	/* Not a sock_diag message. */
	mb_begin(&m, AF_INET, SK_ESTABLISHED);
	((struct nlmsghdr *)m.buf)->nlmsg_type = NLMSG_DONE;
	assert_int_equal(parse(&m, &rec, &ext, &has_ext), -EBADMSG);
	((struct nlmsghdr *)m.buf)->nlmsg_type = 19; /* DCCPDIAG_GETSOCK: not TCP */
	assert_int_equal(parse(&m, &rec, &ext, &has_ext), -EBADMSG);
	assert_int_equal(diag_parse_msg(NULL, 100, &rec, &ext, &has_ext), -EBADMSG);
	/* Outputs untouched on failure. */
	assert_memory_equal(&rec, &sentinel, sizeof(rec));
	assert_int_equal(has_ext, 42);
}

static void t_bad_attrs(void **state)
{
	struct sock_rec rec;
	struct sock_ext ext;
	struct nlattr nla;
	struct mb m;
	size_t base;
	int has_ext;

	(void)state;
	/* nla_len beyond the message. */
	mb_begin(&m, AF_INET, SK_ESTABLISHED);
	mb_attr(&m, INET_DIAG_CONG, "reno", 5);
	base = m.len - NLA_ALIGN(NLA_HDRLEN + 5);
	nla.nla_len = 200;
	nla.nla_type = INET_DIAG_CONG;
	memcpy(m.buf + base, &nla, sizeof(nla));
	assert_int_equal(parse(&m, &rec, &ext, &has_ext), -EBADMSG);
	/* nla_len below the attribute header. */
	nla.nla_len = 2;
	memcpy(m.buf + base, &nla, sizeof(nla));
	assert_int_equal(parse(&m, &rec, &ext, &has_ext), -EBADMSG);
	/* Two stray bytes after the last attribute. */
	mb_begin(&m, AF_INET, SK_ESTABLISHED);
	mb_u8(&m, INET_DIAG_SHUTDOWN, 1);
	m.len += 2;
	((struct nlmsghdr *)m.buf)->nlmsg_len = (uint32_t)m.len;
	assert_int_equal(parse(&m, &rec, &ext, &has_ext), -EBADMSG);
	/* u8 attributes without payload. */
	mb_begin(&m, AF_INET, SK_ESTABLISHED);
	mb_attr(&m, INET_DIAG_SHUTDOWN, NULL, 0);
	assert_int_equal(parse(&m, &rec, &ext, &has_ext), -EBADMSG);
	mb_begin(&m, AF_INET6, SK_LISTEN);
	mb_attr(&m, INET_DIAG_SKV6ONLY, NULL, 0);
	assert_int_equal(parse(&m, &rec, &ext, &has_ext), -EBADMSG);
	/* The last attribute may lack its padding: nla_len 9 in a 9-byte tail. */
	mb_begin(&m, AF_INET, SK_ESTABLISHED);
	mb_attr(&m, INET_DIAG_CONG, "bbr2\0", 5);
	m.len -= 3;
	((struct nlmsghdr *)m.buf)->nlmsg_len = (uint32_t)m.len;
	assert_int_equal(parse(&m, &rec, &ext, &has_ext), 0);
	assert_string_equal(ext.cong, "bbr2");
}

static void t_tcp_info_sizes(void **state)
{
	uint8_t big[sizeof(struct tcp_info) + 64];
	struct tcp_info ti;
	struct sock_rec rec;
	struct sock_ext ext;
	struct mb m;
	int has_ext;

	(void)state;
	/* Short: an old kernel's 8 bytes. */
	memset(&ti, 0, sizeof(ti));
	ti.tcpi_state = SK_ESTABLISHED;
	ti.tcpi_retransmits = 3;
	memset(&ext, 0xff, sizeof(ext));
	mb_begin(&m, AF_INET, SK_ESTABLISHED);
	mb_attr(&m, INET_DIAG_INFO, &ti, 8);
	assert_int_equal(parse(&m, &rec, &ext, &has_ext), 0);
	assert_int_equal(has_ext, 1);
	assert_int_equal(ext.info_len, 8);
	assert_int_equal(ext.info.tcpi_state, SK_ESTABLISHED);
	assert_int_equal(ext.info.tcpi_retransmits, 3);
	assert_true(SOCK_INFO_HAS(&ext, tcpi_state));
	assert_false(SOCK_INFO_HAS(&ext, tcpi_rtt));
	assert_int_equal(ext.info.tcpi_rtt, 0); /* zero-padded */
	assert_string_equal(ext.cong, "");
	assert_int_equal(ext.has_mem, 0);

	/* Longer than our struct: a newer kernel. */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 1);
	mb_begin(&m, AF_INET, SK_ESTABLISHED);
	mb_attr(&m, INET_DIAG_INFO, big, sizeof(big));
	assert_int_equal(parse(&m, &rec, &ext, &has_ext), 0);
	assert_int_equal(ext.info_len, sizeof(struct tcp_info));
	assert_memory_equal(&ext.info, big, sizeof(struct tcp_info));

	/* Extensions present but no ext buffer. */
	has_ext = 7;
	assert_int_equal(parse(&m, &rec, NULL, &has_ext), 0);
	assert_int_equal(has_ext, 0);

	/* A partial SKMEMINFO: only what is there. */
	mb_begin(&m, AF_INET, SK_ESTABLISHED);
	{
		static const uint32_t two[2] = { 111, 222 };

		mb_attr(&m, INET_DIAG_SKMEMINFO, two, sizeof(two));
	}
	assert_int_equal(parse(&m, &rec, &ext, &has_ext), 0);
	assert_int_equal(ext.has_mem, 1);
	assert_int_equal(ext.mem.rmem_alloc, 111);
	assert_int_equal(ext.mem.rcvbuf, 222);
	assert_int_equal(ext.mem.wmem_alloc, 0);
}

static void t_unknown_attrs_and_cong(void **state)
{
	static const char longname[20] = "averyveryverylongcc!"; /* no NUL */
	static const uint32_t mark = 0x42;
	struct sock_rec plain, rec;
	struct sock_ext ext;
	struct mb m;
	int has_ext;

	(void)state;
	mb_begin(&m, AF_INET, SK_CLOSE_WAIT)->idiag_inode = 77;
	assert_int_equal(parse(&m, &plain, NULL, NULL), 0);
	mb_begin(&m, AF_INET, SK_CLOSE_WAIT)->idiag_inode = 77;
	mb_attr(&m, INET_DIAG_MARK, &mark, sizeof(mark));
	mb_attr(&m, 200, "junkjunkjunk", 12);
	mb_attr(&m, INET_DIAG_MAX + 1, NULL, 0);
	mb_attr(&m, 0x7fff, &mark, 3);
	assert_int_equal(parse(&m, &rec, &ext, &has_ext), 0);
	/* the mark is kept (the mark column); the unknown ones are skipped */
	assert_int_equal(has_ext, 1);
	assert_int_equal(ext.has_mark, 1);
	assert_int_equal(ext.mark, 0x42);
	assert_int_equal(ext.has_sockopt, 0);
	assert_int_equal(ext.info_len, 0);
	assert_memory_equal(&rec, &plain, sizeof(rec));

	mb_begin(&m, AF_INET, SK_ESTABLISHED);
	mb_attr(&m, INET_DIAG_CONG, longname, sizeof(longname));
	assert_int_equal(parse(&m, &rec, &ext, &has_ext), 0);
	assert_int_equal(strlen(ext.cong), sizeof(ext.cong) - 1);
	assert_memory_equal(ext.cong, longname, sizeof(ext.cong) - 1);

	mb_begin(&m, AF_INET, SK_ESTABLISHED);
	mb_attr(&m, INET_DIAG_CONG, "bbr", 3);
	assert_int_equal(parse(&m, &rec, &ext, &has_ext), 0);
	assert_string_equal(ext.cong, "bbr");
}

static void t_unaligned(void **state)
{
	static uint8_t raw[sizeof(struct mb) + 3];
	struct sock_rec rec;
	struct sock_ext ext;
	struct mb m;
	int has_ext;

	(void)state;
	mb_begin(&m, AF_INET, SK_TIME_WAIT)->idiag_timer = SOCK_TIMER_TIMEWAIT;
	mb_attr(&m, INET_DIAG_CONG, "reno", 5);
	memcpy(raw + 1, m.buf, m.len);
	assert_int_equal(diag_parse_msg(raw + 1, m.len, &rec, &ext, &has_ext), 0);
	assert_int_equal(rec.state, SK_TIME_WAIT);
	assert_int_equal(rec.timer, SOCK_TIMER_TIMEWAIT);
	assert_string_equal(ext.cong, "reno");
}

/* ---- replay ---- */

static const char *src_root(void)
{
	const char *s = getenv("SOURCE_ROOT");

	return s ? s : ".";
}

static int data_path(char *buf, size_t len, const char *rel)
{
	int n = snprintf(buf, len, "%s/tests/data/%s", src_root(), rel);

	return n > 0 && (size_t)n < len && access(buf, R_OK) == 0;
}

/* Expected counts per state from `ss -tanoie` output saved at record time;
 * ss does not list the bound-only socket, which mkbasic.py adds: one CLOSED. */
static void counts_from_ss(const char *path, unsigned counts[SK_STATE_MAX])
{
	char line[4096];
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	memset(counts, 0, SK_STATE_MAX * sizeof(counts[0]));
	assert_non_null(fgets(line, sizeof(line), f)); /* header */
	while (fgets(line, sizeof(line), f)) {
		char *sp;
		int st;

		if (line[0] == '\t' || line[0] == ' ' || line[0] == '\n')
			continue;
		sp = strchr(line, ' ');
		assert_non_null(sp);
		*sp = '\0';
		st = state_from_name(line);
		assert_true(st >= 1 && st < SK_STATE_MAX);
		counts[st]++;
	}
	fclose(f);
}

static int set_sink(void *arg, const struct sock_rec *rec, const struct sock_ext *ext)
{
	return sock_set_sink(arg, rec, ext);
}

static struct collect_req base_req(void)
{
	struct collect_req req;

	memset(&req, 0, sizeof(req));
	req.families = COLLECT_INET4 | COLLECT_INET6;
	req.states = SK_ALL_STATES;
	req.need = NEED_INFO | NEED_CONG | NEED_MEM;
	req.netns_fd = -1;
	req.kinds = KIND_BIT(KIND_TCP);
	req.backend = BACKEND_NETLINK;
	return req;
}

/* The netlink back end through the collector (which owns the record file). */
static int collect_nl(const struct collect_req *req, sock_sink_fn sink, void *arg, struct collect_result *res,
		      const char **ret_op)
{
	int r = collect_run(req, sink, arg, res);

	*ret_op = res->fallback_op;
	return r;
}

static const struct sock_rec *find_rec(const struct sock_set *s, int family, int st, uint16_t lport, uint16_t rport)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct sock_rec *r = &s->v[i];

		if (r->family == family && r->state == st && r->lport == lport && r->rport == rport)
			return r;
	}
	return NULL;
}

static void t_replay_basic(void **state)
{
	char path[4096], sspath[4096];
	unsigned want[SK_STATE_MAX], got[SK_STATE_MAX] = { 0 };
	struct collect_req req = base_req();
	struct collect_result res = { 0 };
	const struct sock_rec *r;
	struct sock_set set;
	unsigned total = 0, v4 = 0;

	(void)state;
	if (!data_path(path, sizeof(path), "nl/basic.nldump") || !data_path(sspath, sizeof(sspath), "nl/basic.ss.txt"))
		skip();
	counts_from_ss(sspath, want);
	want[SK_CLOSE]++;
	sock_set_init(&set);
	assert_int_equal(nl_diag_replay(path, &req, set_sink, &set, &res), 0);
	assert_int_equal(res.used, BACKEND_REPLAY);
	assert_int_equal(res.malformed, 0);
	assert_false(res.inconsistent);
	for (size_t i = 0; i < set.n; i++) {
		got[set.v[i].state]++;
		v4 += set.v[i].family == AF_INET;
	}
	for (int s = 1; s < SK_STATE_MAX; s++) {
		assert_int_equal(got[s], want[s]);
		total += want[s];
	}
	assert_int_equal(set.n, total);
	assert_int_equal(res.records, total);

	/* What mkbasic.py set up. */
	r = find_rec(&set, AF_INET, SK_LISTEN, 5001, 0);
	ASSERT_PTR(r);
	assert_int_equal(r->send_q, 17); /* backlog */
	assert_int_equal(r->recv_q, 1);  /* the unaccepted connection */
	assert_addr(AF_INET, r->laddr, "127.0.0.1");
	assert_non_null(sock_set_ext(&set, r));
	r = find_rec(&set, AF_INET6, SK_LISTEN, 5002, 0);
	ASSERT_PTR(r);
	assert_true(r->flags & SOCK_F_V6ONLY);
	assert_int_equal(r->send_q, 5);
	assert_addr(AF_INET6, r->laddr, "::1");
	r = find_rec(&set, AF_INET6, SK_LISTEN, 5003, 0);
	ASSERT_PTR(r);
	assert_false(r->flags & SOCK_F_V6ONLY);
	r = find_rec(&set, AF_INET, SK_CLOSE, 5009, 0);
	ASSERT_PTR(r);
	assert_true(r->flags & SOCK_F_BOUND_INACTIVE);
	for (size_t i = 0; i < set.n; i++) {
		r = &set.v[i];
		assert_true(r->flags & SOCK_F_COOKIE);
		if (r->state == SK_ESTABLISHED && r->lport == 5003) {
			assert_addr(AF_INET6, r->laddr, "::ffff:127.0.0.1");
		} else if (r->state == SK_ESTABLISHED && r->rport == 5001 && r->recv_q == 100) {
			const struct sock_ext *e = sock_set_ext(&set, r);

			ASSERT_PTR(e);
			assert_string_equal(e->cong, "bbr");
		} else if (r->state == SK_TIME_WAIT) {
			assert_int_equal(r->timer, SOCK_TIMER_TIMEWAIT);
			assert_true(r->timer_expires_ms > 0 && r->timer_expires_ms <= 60000);
			assert_int_equal(r->inode, 0);
			assert_int_equal(r->ext, SOCK_NO_EXT);
		} else if (r->state == SK_FIN_WAIT2) {
			assert_int_equal(r->shutdown, 2); /* SHUT_WR done */
		} else if (r->state == SK_CLOSE_WAIT) {
			assert_int_equal(r->shutdown, 1);
			assert_int_equal(r->recv_q, 1);
		}
	}

	/* Families and states are filtered in user space too. */
	sock_set_clear(&set);
	req.families = COLLECT_INET4;
	res = (struct collect_result){ 0 };
	assert_int_equal(nl_diag_replay(path, &req, set_sink, &set, &res), 0);
	assert_int_equal(set.n, v4);
	for (size_t i = 0; i < set.n; i++)
		assert_int_equal(set.v[i].family, AF_INET);
	sock_set_clear(&set);
	req.families = COLLECT_INET4 | COLLECT_INET6;
	req.states = 1u << SK_LISTEN | 1u << SK_TIME_WAIT;
	assert_int_equal(nl_diag_replay(path, &req, set_sink, &set, &res), 0);
	assert_int_equal(set.n, want[SK_LISTEN] + want[SK_TIME_WAIT]);
	sock_set_free(&set);
}

/* Writes a record file holding the given datagrams. */
static void write_dump(const char *path, const struct mb *const *dgrams, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite("SSCNLD01", 1, 8, f), 8);
	for (size_t i = 0; i < n; i++) {
		uint8_t le[4] = { (uint8_t)dgrams[i]->len, (uint8_t)(dgrams[i]->len >> 8), 0, 0 };

		assert_int_equal(fwrite(le, 1, 4, f), 4);
		assert_int_equal(fwrite(dgrams[i]->buf, 1, dgrams[i]->len, f), dgrams[i]->len);
	}
	assert_int_equal(fclose(f), 0);
}

static void mb_done(struct mb *m, int32_t err)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->buf;

	memset(m, 0, sizeof(*m));
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	memcpy(m->buf + NLMSG_HDRLEN, &err, sizeof(err));
	m->len = NLMSG_HDRLEN + sizeof(err);
	nlh->nlmsg_len = (uint32_t)m->len;
}

/* Appends message src to datagram dst. */
static void mb_cat(struct mb *dst, const struct mb *src)
{
	assert_true(dst->len + src->len <= sizeof(dst->buf));
	memcpy(dst->buf + dst->len, src->buf, src->len);
	dst->len += NLMSG_ALIGN(src->len);
}

struct counter {
	unsigned long n, restarts;
};

static int count_sink(void *arg, const struct sock_rec *rec, const struct sock_ext *ext)
{
	struct counter *c = arg;

	(void)ext;
	if (!rec) {
		c->restarts++;
		return -ESTALE;
	}
	c->n++;
	return 0;
}

static int fail_sink(void *arg, const struct sock_rec *rec, const struct sock_ext *ext)
{
	(void)arg;
	(void)rec;
	(void)ext;
	return -ECANCELED;
}

static void t_replay_crafted(void **state)
{
	char path[] = "/tmp/sockscope-test-XXXXXX";
	struct collect_req req = base_req();
	struct collect_result res;
	struct mb a, b, dg, done, bad;
	const struct mb *list[2];
	struct counter c;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);

	/* Two sockets, a malformed one, a kernel-only-state one, DONE. */
	memset(&dg, 0, sizeof(dg));
	mb_begin(&a, AF_INET, SK_ESTABLISHED);
	mb_cat(&dg, &a);
	mb_begin(&b, AF_INET6, SK_LISTEN);
	mb_cat(&dg, &b);
	mb_begin(&bad, AF_INET, SK_ESTABLISHED);
	mb_u8(&bad, INET_DIAG_SHUTDOWN, 1);
	((struct nlattr *)(bad.buf + bad.len - 8))->nla_len = 100;
	mb_cat(&dg, &bad);
	mb_begin(&b, AF_INET, 20);
	mb_cat(&dg, &b);
	mb_done(&done, 0);
	mb_cat(&dg, &done);
	list[0] = &dg;
	write_dump(path, list, 1);
	c = (struct counter){ 0 };
	res = (struct collect_result){ 0 };
	assert_int_equal(nl_diag_replay(path, &req, count_sink, &c, &res), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(res.records, 2);
	assert_int_equal(res.malformed, 1);
	assert_false(res.inconsistent);

	/* An error inside NLMSG_DONE is returned. */
	mb_done(&done, -EPERM);
	list[0] = &a;
	list[1] = &done;
	write_dump(path, list, 2);
	c = (struct counter){ 0 };
	assert_int_equal(nl_diag_replay(path, &req, count_sink, &c, &res), -EPERM);
	assert_int_equal(c.n, 1);

	/* NLMSG_ERROR is returned. */
	mb_done(&done, -EOPNOTSUPP);
	((struct nlmsghdr *)done.buf)->nlmsg_type = NLMSG_ERROR;
	write_dump(path, list, 2);
	assert_int_equal(nl_diag_replay(path, &req, count_sink, &c, &res), -EOPNOTSUPP);

	/* An interrupted dump: replay cannot redo it, the result says so. */
	mb_begin(&dg, AF_INET, SK_ESTABLISHED);
	((struct nlmsghdr *)dg.buf)->nlmsg_flags |= NLM_F_DUMP_INTR;
	mb_done(&done, 0);
	list[0] = &dg;
	list[1] = &done;
	write_dump(path, list, 2);
	c = (struct counter){ 0 };
	res = (struct collect_result){ 0 };
	assert_int_equal(nl_diag_replay(path, &req, count_sink, &c, &res), 0);
	assert_true(res.inconsistent);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.restarts, 0);

	/* Truncated file and bad magic. */
	assert_int_equal(truncate(path, 8 + 4 + 10), 0);
	assert_int_equal(nl_diag_replay(path, &req, count_sink, &c, &res), -EBADMSG);
	assert_int_equal(truncate(path, 8 + 2), 0);
	assert_int_equal(nl_diag_replay(path, &req, count_sink, &c, &res), -EBADMSG);
	assert_int_equal(truncate(path, 4), 0);
	assert_int_equal(nl_diag_replay(path, &req, count_sink, &c, &res), -EBADMSG);
	list[0] = &a;
	write_dump(path, list, 0); /* magic alone: an empty dump */
	res = (struct collect_result){ 0 };
	c = (struct counter){ 0 };
	assert_int_equal(nl_diag_replay(path, &req, count_sink, &c, &res), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(res.used, BACKEND_REPLAY);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "SSCNLD99", 8, 0), 8);
	close(fd);
	assert_int_equal(nl_diag_replay(path, &req, count_sink, &c, &res), -EBADMSG);
	unlink(path);
	assert_int_equal(nl_diag_replay(path, &req, count_sink, &c, &res), -ENOENT);
}

/* ---- live ---- */

struct live_pair {
	int lfd, cfd, afd;
	uint16_t lport, cport;
};

static int live_pair_open(int family, struct live_pair *p)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_loopback;
		sl = sizeof(*in6);
	}
	p->lfd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (p->lfd < 0)
		return -errno;
	setsockopt(p->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(p->lfd, (struct sockaddr *)&ss, sl) < 0 || listen(p->lfd, 4) < 0 ||
	    getsockname(p->lfd, (struct sockaddr *)&ss, &sl) < 0)
		return -errno;
	p->lport = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					   : ((struct sockaddr_in6 *)&ss)->sin6_port);
	p->cfd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (p->cfd < 0 || connect(p->cfd, (struct sockaddr *)&ss, sl) < 0)
		return -errno;
	p->afd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (p->afd < 0 || getsockname(p->cfd, (struct sockaddr *)&ss, &sl) < 0)
		return -errno;
	p->cport = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					   : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

static void live_pair_close(struct live_pair *p)
{
	close(p->lfd);
	close(p->cfd);
	close(p->afd);
}

static uint64_t fd_inode(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return st.st_ino;
}

static uint64_t fd_cookie(int fd)
{
	uint64_t c = 0;
	socklen_t l = sizeof(c);

	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &l), 0);
	return c;
}

static void check_live(const struct sock_set *set, int family, const struct live_pair *p)
{
	const struct sock_rec *r;
	const struct sock_ext *e;

	r = find_rec(set, family, SK_LISTEN, p->lport, 0);
	ASSERT_PTR(r);
	assert_int_equal(r->inode, fd_inode(p->lfd));
	assert_true(r->cookie == fd_cookie(p->lfd));
	assert_int_equal(r->send_q, 4);
	assert_int_equal(r->uid, getuid());
	r = find_rec(set, family, SK_ESTABLISHED, p->cport, p->lport);
	ASSERT_PTR(r);
	assert_int_equal(r->inode, fd_inode(p->cfd));
	assert_int_equal(r->recv_q, 5); /* "hello" sent by the server side */
	r = find_rec(set, family, SK_ESTABLISHED, p->lport, p->cport);
	ASSERT_PTR(r);
	assert_int_equal(r->inode, fd_inode(p->afd));
	assert_true(r->cookie == fd_cookie(p->afd));
	e = sock_set_ext(set, r);
	ASSERT_PTR(e);
	assert_true(SOCK_INFO_HAS(e, tcpi_rtt));
	assert_int_equal(e->info.tcpi_state, SK_ESTABLISHED);
	assert_true(e->cong[0] != '\0');
	assert_int_equal(e->has_mem, 1);
}

static void t_live_collect(void **state)
{
	char path[] = "/tmp/sockscope-test-XXXXXX";
	struct live_pair p4, p6;
	struct collect_req req = base_req();
	struct collect_result res = { 0 };
	struct sock_set set, again;
	const char *op = NULL;
	int r, fd, have6;

	(void)state;
	assert_int_equal(live_pair_open(AF_INET, &p4), 0);
	have6 = live_pair_open(AF_INET6, &p6) == 0;
	assert_int_equal(write(p4.afd, "hello", 5), 5);
	if (have6)
		assert_int_equal(write(p6.afd, "hello", 5), 5);
	usleep(20000);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	req.record_path = path;
	sock_set_init(&set);
	r = collect_nl(&req, set_sink, &set, &res, &op);
	if (r == -EPROTONOSUPPORT || r == -EACCES || r == -EPERM) {
		live_pair_close(&p4);
		if (have6)
			live_pair_close(&p6);
		unlink(path);
		sock_set_free(&set);
		skip();
	}
	assert_int_equal(r, 0);
	assert_null(op);
	assert_int_equal(res.used, BACKEND_NETLINK);
	assert_int_equal(res.records, set.n);
	check_live(&set, AF_INET, &p4);
	if (have6)
		check_live(&set, AF_INET6, &p6);

	/* The recording replays to the same records. */
	sock_set_init(&again);
	req.record_path = NULL;
	assert_int_equal(nl_diag_replay(path, &req, set_sink, &again, &res), 0);
	assert_int_equal(again.n, set.n);
	check_live(&again, AF_INET, &p4);
	sock_set_free(&again);
	unlink(path);

	/* The state mask reaches the kernel. */
	sock_set_clear(&set);
	req.states = 1u << SK_LISTEN;
	req.need = 0;
	assert_int_equal(collect_nl(&req, set_sink, &set, &res, &op), 0);
	assert_non_null(find_rec(&set, AF_INET, SK_LISTEN, p4.lport, 0));
	assert_null(find_rec(&set, AF_INET, SK_ESTABLISHED, p4.lport, p4.cport));
	for (size_t i = 0; i < set.n; i++) {
		assert_int_equal(set.v[i].state, SK_LISTEN);
		assert_int_equal(set.v[i].ext, SOCK_NO_EXT);
	}

	/* Kernel bytecode: only the sockets on the listener's port come back. */
	{
		struct filter_error ferr;
		struct filter *f = NULL;
		char expr[64];
		size_t n4 = 0;

		snprintf(expr, sizeof(expr), "sport = :%u or dport = :%u", p4.lport, p4.lport);
		assert_int_equal(filter_parse_str(expr, &f, &ferr), 0);
		sock_set_clear(&set);
		req.states = SK_ALL_STATES;
		req.kfilter = f;
		res = (struct collect_result){ 0 };
		assert_int_equal(collect_nl(&req, set_sink, &set, &res, &op), 0);
		assert_true(res.kernel_filtered);
		for (size_t i = 0; i < set.n; i++) {
			assert_true(set.v[i].lport == p4.lport || set.v[i].rport == p4.lport);
			n4 += set.v[i].family == AF_INET;
		}
		assert_int_equal(n4, 3); /* listener, client, accepted */
		req.kfilter = NULL;
		filter_free(f);
	}

	/* Both families come from one walk, each socket once; one family alone
	 * comes from its own request. */
	{
		size_t n4 = 0;

		sock_set_clear(&set);
		req.states = SK_ALL_STATES;
		req.need = NEED_INFO | NEED_CONG | NEED_MEM;
		assert_int_equal(collect_nl(&req, set_sink, &set, &res, &op), 0);
		for (size_t i = 0; i < set.n; i++)
			for (size_t j = i + 1; j < set.n; j++)
				if ((set.v[i].flags & SOCK_F_COOKIE) && set.v[i].cookie == set.v[j].cookie)
					fail_msg("socket cookie %llu listed twice", (unsigned long long)set.v[i].cookie);
		check_live(&set, AF_INET, &p4);
		if (have6)
			check_live(&set, AF_INET6, &p6);
		sock_set_clear(&set);
		req.families = COLLECT_INET4;
		assert_int_equal(collect_nl(&req, set_sink, &set, &res, &op), 0);
		check_live(&set, AF_INET, &p4);
		for (size_t i = 0; i < set.n; i++)
			n4 += set.v[i].family == AF_INET;
		assert_int_equal(n4, set.n);
		req.families = COLLECT_INET4 | COLLECT_INET6;
	}

	/* A filter that pins a port: the kernel skips the others before the
	 * bytecode (request header); the listener and the accepted socket. */
	{
		struct filter_error ferr;
		struct filter *f = NULL;
		char expr[64];

		snprintf(expr, sizeof(expr), "sport = :%u", p4.lport);
		assert_int_equal(filter_parse_str(expr, &f, &ferr), 0);
		sock_set_clear(&set);
		req.kfilter = f;
		assert_int_equal(collect_nl(&req, set_sink, &set, &res, &op), 0);
		assert_non_null(find_rec(&set, AF_INET, SK_LISTEN, p4.lport, 0));
		assert_non_null(find_rec(&set, AF_INET, SK_ESTABLISHED, p4.lport, p4.cport));
		for (size_t i = 0; i < set.n; i++)
			assert_int_equal(set.v[i].lport, p4.lport);
		req.kfilter = NULL;
		filter_free(f);
	}

	/* A sink error stops the collection and is returned. */
	req.states = SK_ALL_STATES;
	assert_int_equal(collect_nl(&req, fail_sink, NULL, &res, &op), -ECANCELED);
	assert_string_equal(op, "sink");

	/* An unwritable record path fails before any dump. */
	req.record_path = "/nonexistent-dir/x.nldump";
	op = NULL;
	assert_int_equal(collect_nl(&req, set_sink, &set, &res, &op), -ENOENT);
	assert_string_equal(op, "record");

	sock_set_free(&set);
	live_pair_close(&p4);
	if (have6)
		live_pair_close(&p6);
}

static void t_live_netns(void **state)
{
	struct collect_req req = base_req();
	struct collect_result res = { 0 };
	struct sock_set set;
	char nspath[64];
	const char *op = NULL;
	uint64_t ino = 0;
	int pfd[2], nsfd, found = 0;
	pid_t pid;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sockaddr_in sin = { .sin_family = AF_INET };
		struct stat st;
		int l;

		close(pfd[0]);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		l = socket(AF_INET, SOCK_STREAM, 0);
		if (l < 0 || bind(l, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(l, 1) < 0 ||
		    fstat(l, &st) < 0)
			_exit(1);
		ino = st.st_ino;
		if (write(pfd[1], &ino, sizeof(ino)) != sizeof(ino))
			_exit(1);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], &ino, sizeof(ino)) != sizeof(ino)) {
		close(pfd[0]);
		waitpid(pid, NULL, 0);
		skip(); /* no unshare here */
	}
	close(pfd[0]);
	snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", (int)pid);
	nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
	assert_true(nsfd >= 0);

	sock_set_init(&set);
	req.netns_fd = nsfd;
	assert_int_equal(collect_nl(&req, set_sink, &set, &res, &op), 0);
	for (size_t i = 0; i < set.n; i++)
		found += set.v[i].inode == ino && set.v[i].state == SK_LISTEN;
	assert_int_equal(found, 1);
	assert_int_equal(set.n, 1); /* nothing else lives there */

	/* And we are back in our own namespace, where it is not. */
	sock_set_clear(&set);
	req.netns_fd = -1;
	assert_int_equal(collect_nl(&req, set_sink, &set, &res, &op), 0);
	for (size_t i = 0; i < set.n; i++)
		assert_true(set.v[i].inode != ino);

	/* A bad namespace fd is reported as such. */
	req.netns_fd = 999; /* not open */
	op = NULL;
	assert_true(collect_nl(&req, set_sink, &set, &res, &op) < 0);
	assert_string_equal(op, "netns");

	close(nsfd);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	sock_set_free(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_ipv4_basic),
		cmocka_unit_test(t_compat_type),
		cmocka_unit_test(t_ipv6_exts),
		cmocka_unit_test(t_kernel_states),
		cmocka_unit_test(t_truncated),
		cmocka_unit_test(t_bad_attrs),
		cmocka_unit_test(t_tcp_info_sizes),
		cmocka_unit_test(t_unknown_attrs_and_cong),
		cmocka_unit_test(t_unaligned),
		cmocka_unit_test(t_replay_basic),
		cmocka_unit_test(t_replay_crafted),
		cmocka_unit_test(t_live_collect),
		cmocka_unit_test(t_live_netns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
