// SPDX-License-Identifier: MIT
/*
 * Tests of the /proc/net/tcp back end: procnet_parse_line() on lines captured
 * from a real kernel (IPv4, IPv6 word order, v4-mapped, LISTEN, TIME-WAIT),
 * every kind of malformed line, and procfs_read() on the captured tree
 * tests/data/proc-basic (checked against both `ss` and the netlink dump taken
 * at the same moment) and on generated trees larger than its read buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect.h"
#include "nl_diag.h"
#include "kind.h"
#include "procfs.h"
#include "procnet.h"
#include "sock.h"
#include "states.h"

/* Lines captured from /proc/net/tcp{,6} (kernel 6.18) with tests/data/nl/mkbasic.py. */
static const char HDR4[] = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
			   "timeout inode                                                     ";
static const char HDR6[] = "  sl  local_address                         remote_address                        st "
			   "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
static const char LISTEN4[] = "   0: 0100007F:1389 00000000:0000 0A 00000000:00000001 00:00000000 00000000     "
			      "0        0 16582 2 00000000fda3401c 100 0 0 10 0                     ";
static const char EST4[] = "   1: 0100007F:D22C 0100007F:1389 01 00000000:00000064 00:00000000 00000000     0        "
			   "0 16585 1 00000000740c681b 20 4 30 10 -1                    ";
static const char EST6[] = "   2: 00000000000000000000000001000000:138A 00000000000000000000000001000000:CE64 01 "
			   "00000000:00000000 00:00000000 00000000     0        0 16588 1 000000008ff3d8fe "
			   "20 0 0 10 -1";
static const char TW6[] = "   4: 00000000000000000000000001000000:CE72 00000000000000000000000001000000:138A 06 "
			  "00000000:00000000 03:000016C2 00000000     0        0 0 3 "
			  "00000000f5974337";
static const char MAPPED6[] = "   5: 0000000000000000FFFF00000100007F:138B 0000000000000000FFFF00000100007F:C3E2 01 "
			      "00000000:00000000 00:00000000 00000000     0        0 16590 1 00000000b03db023 "
			      "20 0 0 10 -1";

/* assert_non_null() that the compiler also understands (cmocka's failure
 * functions are not declared noreturn). */
#define ASSERT_PTR(p)                     \
	do {                              \
		assert_non_null(p);       \
		if (!(p))                 \
			return;           \
	} while (0)

static int parse(const char *s, int family, struct sock_rec *r)
{
	return procnet_parse_line(s, strlen(s), family, r);
}

static void assert_addr(int family, const uint8_t got[16], const char *want)
{
	uint8_t w[16] = { 0 };

	assert_int_equal(inet_pton(family, want, w), 1);
	assert_memory_equal(got, w, 16);
}

static void t_ipv4(void **state)
{
	struct sock_rec r;

	(void)state;
	assert_int_equal(parse(EST4, AF_INET, &r), 0);
	assert_int_equal(r.family, AF_INET);
	assert_int_equal(r.proto, IPPROTO_TCP);
	assert_int_equal(r.state, SK_ESTABLISHED);
	assert_addr(AF_INET, r.laddr, "127.0.0.1");
	assert_addr(AF_INET, r.raddr, "127.0.0.1");
	assert_int_equal(r.lport, 0xD22C);
	assert_int_equal(r.rport, 5001);
	assert_int_equal(r.recv_q, 100);
	assert_int_equal(r.send_q, 0);
	assert_int_equal(r.uid, 0);
	assert_int_equal(r.inode, 16585);
	assert_int_equal(r.timer, SOCK_TIMER_OFF);
	assert_int_equal(r.flags, SOCK_F_TIMER);
	assert_int_equal(r.ext, SOCK_NO_EXT);
	assert_true(r.cookie == 0);

	/* A non-loopback address shows the byte order: 10.1.2.3 is 0302010A
	 * on little-endian machines, the in-memory word on any machine. */
	{
		uint8_t a[4] = { 10, 1, 2, 3 }, b[4] = { 192, 168, 7, 200 };
		uint32_t wa, wb;
		char line[256];

		memcpy(&wa, a, 4);
		memcpy(&wb, b, 4);
		snprintf(line, sizeof(line),
			 "  12: %08X:01BB %08X:C738 04 0000012C:00000000 01:00000014 00000003  1000        0 4242 1",
			 wa, wb);
		assert_int_equal(parse(line, AF_INET, &r), 0);
		assert_addr(AF_INET, r.laddr, "10.1.2.3");
		assert_addr(AF_INET, r.raddr, "192.168.7.200");
		assert_int_equal(r.lport, 443);
		assert_int_equal(r.rport, 0xC738);
		assert_int_equal(r.state, SK_FIN_WAIT1);
		assert_int_equal(r.send_q, 0x12C);
		assert_int_equal(r.timer, SOCK_TIMER_RETRANS);
		assert_int_equal(r.timer_expires_ms, 0x14 * 10); /* USER_HZ ticks */
		assert_int_equal(r.retransmits, 3);
		assert_int_equal(r.uid, 1000);
		assert_int_equal(r.inode, 4242);
	}
}

static void t_listen(void **state)
{
	struct sock_rec r;

	(void)state;
	assert_int_equal(parse(LISTEN4, AF_INET, &r), 0);
	assert_int_equal(r.state, SK_LISTEN);
	assert_int_equal(r.lport, 5001);
	assert_int_equal(r.rport, 0);
	assert_addr(AF_INET, r.raddr, "0.0.0.0");
	assert_int_equal(r.recv_q, 1); /* accept queue */
	assert_int_equal(r.send_q, 0);
	assert_true(r.flags & SOCK_F_SENDQ_UNKNOWN);
	assert_false(r.flags & SOCK_F_COOKIE);
	/* Only LISTEN has an unknown Send-Q. */
	assert_int_equal(parse(EST4, AF_INET, &r), 0);
	assert_false(r.flags & SOCK_F_SENDQ_UNKNOWN);
}

static void t_ipv6(void **state)
{
	struct sock_rec r;

	(void)state;
	assert_int_equal(parse(EST6, AF_INET6, &r), 0);
	assert_int_equal(r.family, AF_INET6);
	assert_addr(AF_INET6, r.laddr, "::1");
	assert_addr(AF_INET6, r.raddr, "::1");
	assert_int_equal(r.lport, 5002);
	assert_int_equal(r.rport, 0xCE64);
	assert_int_equal(r.inode, 16588);

	assert_int_equal(parse(MAPPED6, AF_INET6, &r), 0);
	assert_addr(AF_INET6, r.laddr, "::ffff:127.0.0.1");
	assert_addr(AF_INET6, r.raddr, "::ffff:127.0.0.1");
	assert_int_equal(r.lport, 5003);

	assert_int_equal(parse(TW6, AF_INET6, &r), 0);
	assert_int_equal(r.state, SK_TIME_WAIT);
	assert_int_equal(r.timer, SOCK_TIMER_TIMEWAIT);
	assert_int_equal(r.timer_expires_ms, 0x16C2 * 10);
	assert_int_equal(r.inode, 0);
	assert_true(r.flags & SOCK_F_TIMER);

	/* Word order of a general address, built from its bytes. */
	{
		uint8_t a[16];
		uint32_t w[4];
		char line[300];

		assert_int_equal(inet_pton(AF_INET6, "2001:db8:1:2::abcd", a), 1);
		memcpy(w, a, 16);
		snprintf(line, sizeof(line),
			 "   0: %08X%08X%08X%08X:0050 00000000000000000000000000000000:0000 0A "
			 "00000000:00000000 00:00000000 00000000   100        0 999 1 0000000000000000 100 0 0 10 0",
			 w[0], w[1], w[2], w[3]);
		assert_int_equal(parse(line, AF_INET6, &r), 0);
		assert_addr(AF_INET6, r.laddr, "2001:db8:1:2::abcd");
		assert_int_equal(r.lport, 80);
		assert_int_equal(r.uid, 100);
	}
}

static void t_header_and_newline(void **state)
{
	struct sock_rec r, sentinel;
	char buf[512];

	(void)state;
	memset(&sentinel, 0x5a, sizeof(sentinel));
	r = sentinel;
	assert_int_equal(parse(HDR4, AF_INET, &r), 1);
	assert_int_equal(parse(HDR6, AF_INET6, &r), 1);
	assert_memory_equal(&r, &sentinel, sizeof(r));
	/* With its newline, and from a buffer that is not NUL-terminated. */
	snprintf(buf, sizeof(buf), "%s\n", EST4);
	assert_int_equal(procnet_parse_line(buf, strlen(buf), AF_INET, &r), 0);
	assert_int_equal(r.inode, 16585);
	{
		size_t n = strlen(EST6);
		char *heap = malloc(n);

		assert_non_null(heap);
		memcpy(heap, EST6, n);
		assert_int_equal(procnet_parse_line(heap, n, AF_INET6, &r), 0);
		assert_int_equal(r.inode, 16588);
		/* Cut inside the inode: still a number, a different one. */
		assert_int_equal(procnet_parse_line(heap, (size_t)(strstr(EST6, "16588") - EST6) + 3, AF_INET6, &r), 0);
		assert_int_equal(r.inode, 165);
		free(heap);
	}
}

static void t_malformed(void **state)
{
	static const char *const bad4[] = {
		"",
		"    ",
		"\n",
		"0:",
		"   1:",
		"   1: 0100007F:D22C",
		"x: 0100007F:D22C 0100007F:1389 01 00000000:00000064 00:00000000 00000000 0 0 1",
		"   1: 0100007G:D22C 0100007F:1389 01 00000000:00000064 00:00000000 00000000 0 0 1",
		"   1: 0100007F:D22C 0100007F:1389 0Z 00000000:00000064 00:00000000 00000000 0 0 1",
		"   1: 0100007F:D22C 0100007F:1389 00 00000000:00000064 00:00000000 00000000 0 0 1",
		"   1: 0100007F:D22C 0100007F:1389 0C 00000000:00000064 00:00000000 00000000 0 0 1",
		"   1: 0100007F:D22C 0100007F:1389 1B 00000000:00000064 00:00000000 00000000 0 0 1",
		"   1: 0100007F:D22C 0100007F:1389 001 00000000:00000064 00:00000000 00000000 0 0 1",
		"   1: 0100007F:D22C 0100007F:1389 01 100000000:00000064 00:00000000 00000000 0 0 1",
		"   1: 0100007F:D22C 0100007F:1389 01 00000000:00000064 00:00000000 00000000 4294967296 0 1",
		"   1: 0100007F:D22C 0100007F:1389 01 00000000:00000064 00:00000000 00000000 0 0 18446744073709551616",
		"   1: 0100007F:D22C 0100007F:1389 01 00000000:00000064 00:00000000000000000 00000000 0 0 1",
		"   1: 0100007F:D22C 0100007F:1389 01 00000000:00000064 00:00000000 00000000 0 0 12x",
		"   1: 0100007F:D22C 0100007F:1389 01 00000000:00000064 00:00000000 00000000 0 - 1",
		"   1: 0100007F:1D22C 0100007F:1389 01 00000000:00000064 00:00000000 00000000 0 0 1",
		"   1: 0100007F:D22C 0100007F:1389 01 00000000 00:00000000 00000000 0 0 1",
		"   1: 0100007F:D22C0100007F:1389 01 00000000:00000064 00:00000000 00000000 0 0 1",
		"   1: 100007F:D22C 0100007F:1389 01 00000000:00000064 00:00000000 00000000 0 0 1",
		"   1: -100007F:D22C 0100007F:1389 01 00000000:00000064 00:00000000 00000000 0 0 1",
	};
	struct sock_rec r, sentinel;
	char big[700];
	char nul[sizeof(EST4)];

	(void)state;
	memset(&sentinel, 0x5a, sizeof(sentinel));
	r = sentinel;
	for (size_t i = 0; i < sizeof(bad4) / sizeof(bad4[0]); i++) {
		int ret = parse(bad4[i], AF_INET, &r);

		if (ret != -EINVAL)
			print_error("accepted: '%s'\n", bad4[i]);
		assert_int_equal(ret, -EINVAL);
	}
	/* Every prefix of a valid line that stops before the inode. */
	for (size_t n = 0; n < (size_t)(strstr(EST4, "16585") - EST4); n++)
		assert_int_equal(procnet_parse_line(EST4, n, AF_INET, &r), -EINVAL);
	for (size_t n = 0; n < (size_t)(strstr(EST6, "16588") - EST6); n++)
		assert_int_equal(procnet_parse_line(EST6, n, AF_INET6, &r), -EINVAL);
	/* Wrong family for the line, and unknown families. */
	assert_int_equal(parse(EST6, AF_INET, &r), -EINVAL);
	assert_int_equal(parse(EST4, AF_INET6, &r), -EINVAL);
	assert_int_equal(parse(EST4, AF_UNIX, &r), -EINVAL);
	assert_int_equal(procnet_parse_line(NULL, 10, AF_INET, &r), -EINVAL);
	/* An embedded NUL. */
	memcpy(nul, EST4, sizeof(EST4));
	nul[20] = '\0';
	assert_int_equal(procnet_parse_line(nul, sizeof(EST4) - 1, AF_INET, &r), -EINVAL);
	/* Overlong line: a valid line padded far beyond any real one. */
	memset(big, ' ', sizeof(big));
	memcpy(big, EST4, strlen(EST4));
	assert_int_equal(procnet_parse_line(big, sizeof(big), AF_INET, &r), -EINVAL);
	assert_int_equal(procnet_parse_line(big, 300, AF_INET, &r), 0);
	r = sentinel;
	assert_int_equal(parse(bad4[7], AF_INET, &r), -EINVAL);
	assert_memory_equal(&r, &sentinel, sizeof(r));
}

static void t_huge_but_valid(void **state)
{
	struct sock_rec r;

	(void)state;
	assert_int_equal(parse("   1: 0100007F:D22C 0100007F:1389 01 FFFFFFFF:FFFFFFFF 02:FFFFFFFFFFFFFFFF 000001FF "
			       "4294967295 -2147483648 18446744073709551615 1",
			       AF_INET, &r),
			 0);
	assert_int_equal(r.send_q, UINT32_MAX);
	assert_int_equal(r.recv_q, UINT32_MAX);
	assert_int_equal(r.timer, SOCK_TIMER_KEEPALIVE);
	assert_int_equal(r.timer_expires_ms, UINT32_MAX); /* saturated */
	assert_int_equal(r.retransmits, UINT8_MAX);
	assert_int_equal(r.uid, UINT32_MAX);
	assert_true(r.inode == UINT64_MAX);
	/* An unknown timer kind is not reported. */
	assert_int_equal(parse("   1: 0100007F:D22C 0100007F:1389 01 0:0 09:10 0 0 0 7", AF_INET, &r), 0);
	assert_int_equal(r.flags & SOCK_F_TIMER, 0);
	assert_int_equal(r.timer, SOCK_TIMER_OFF);
	assert_int_equal(r.inode, 7);
}

/* ---- procfs_read ---- */

static const char *src_root(void)
{
	const char *s = getenv("SOURCE_ROOT");

	return s ? s : ".";
}

static int set_sink(void *arg, const struct sock_rec *rec, const struct sock_ext *ext)
{
	return sock_set_sink(arg, rec, ext);
}

/* Counts per state in `ss -tanoie` output saved at capture time. */
static unsigned counts_from_ss(const char *path, unsigned counts[SK_STATE_MAX])
{
	char line[4096];
	unsigned total = 0;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	memset(counts, 0, SK_STATE_MAX * sizeof(counts[0]));
	assert_non_null(fgets(line, sizeof(line), f));
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
		total++;
	}
	fclose(f);
	return total;
}

static void t_read_basic(void **state)
{
	char root[4096], ss[4096], nld[4096];
	unsigned want[SK_STATE_MAX], got[SK_STATE_MAX] = { 0 }, total;
	struct procfs_stats st = { 0 };
	struct collect_req req;
	struct collect_result res = { 0 };
	struct sock_set set, nl;

	(void)state;
	snprintf(root, sizeof(root), "%s/tests/data/proc-basic", src_root());
	snprintf(ss, sizeof(ss), "%s/tests/data/nl/basic.ss.txt", src_root());
	snprintf(nld, sizeof(nld), "%s/tests/data/nl/basic.nldump", src_root());
	if (access(root, R_OK) != 0 || access(ss, R_OK) != 0)
		skip();
	total = counts_from_ss(ss, want);
	sock_set_init(&set);
	assert_int_equal(procfs_read(root, kind_get(KIND_TCP), COLLECT_INET4 | COLLECT_INET6, SK_ALL_STATES, set_sink, &set, &st), 0);
	assert_int_equal(st.malformed, 0);
	assert_int_equal(st.records, total);
	assert_int_equal(st.lines, total);
	assert_int_equal(set.n, total);
	for (size_t i = 0; i < set.n; i++)
		got[set.v[i].state]++;
	for (int s = 1; s < SK_STATE_MAX; s++)
		assert_int_equal(got[s], want[s]);

	/* Every /proc record matches the netlink record of the same socket,
	 * recorded at the same moment. */
	sock_set_init(&nl);
	memset(&req, 0, sizeof(req));
	req.families = COLLECT_INET4 | COLLECT_INET6;
	req.states = SK_ALL_STATES;
	req.kinds = KIND_BIT(KIND_TCP);
	req.netns_fd = -1;
	assert_int_equal(nl_diag_replay(nld, &req, set_sink, &nl, &res), 0);
	for (size_t i = 0; i < set.n; i++) {
		const struct sock_rec *p = &set.v[i], *m = NULL;

		for (size_t j = 0; j < nl.n && !m; j++) {
			const struct sock_rec *q = &nl.v[j];

			if (q->family == p->family && q->lport == p->lport && q->rport == p->rport &&
			    !memcmp(q->laddr, p->laddr, 16) && !memcmp(q->raddr, p->raddr, 16))
				m = q;
		}
		ASSERT_PTR(m);
		assert_int_equal(m->state, p->state);
		assert_int_equal(m->inode, p->inode);
		assert_int_equal(m->recv_q, p->recv_q);
		assert_int_equal(m->uid, p->uid);
		if (p->state != SK_LISTEN)
			assert_int_equal(m->send_q, p->send_q);
		assert_int_equal(m->timer, p->timer);
	}
	sock_set_free(&nl);

	/* Filters. */
	sock_set_clear(&set);
	assert_int_equal(procfs_read(root, kind_get(KIND_TCP), COLLECT_INET4 | COLLECT_INET6, 1u << SK_LISTEN, set_sink, &set, &st), 0);
	assert_int_equal(set.n, want[SK_LISTEN]);
	assert_int_equal(st.lines, total);
	sock_set_clear(&set);
	assert_int_equal(procfs_read(root, kind_get(KIND_TCP), COLLECT_INET6, SK_ALL_STATES, set_sink, &set, &st), 0);
	for (size_t i = 0; i < set.n; i++)
		assert_int_equal(set.v[i].family, AF_INET6);
	assert_true(set.n > 0 && set.n < total);
	sock_set_free(&set);
}

struct tmptree {
	char root[64];
	char net[96];
};

static void tree_make(struct tmptree *t)
{
	strcpy(t->root, "/tmp/sockscope-proc-XXXXXX");
	assert_non_null(mkdtemp(t->root));
	snprintf(t->net, sizeof(t->net), "%s/net", t->root);
	assert_int_equal(mkdir(t->net, 0755), 0);
}

static FILE *tree_file(const struct tmptree *t, const char *name)
{
	char p[160];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", t->net, name);
	f = fopen(p, "w");
	assert_non_null(f);
	return f;
}

static void tree_rm(const struct tmptree *t)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/tcp", t->net);
	unlink(p);
	snprintf(p, sizeof(p), "%s/tcp6", t->net);
	unlink(p);
	rmdir(t->net);
	rmdir(t->root);
}

struct sum {
	unsigned long n;
	uint64_t inodes;
	int stop_after;
};

static int sum_sink(void *arg, const struct sock_rec *rec, const struct sock_ext *ext)
{
	struct sum *s = arg;

	(void)ext;
	if (s->stop_after && s->n == (unsigned long)s->stop_after)
		return -ECANCELED;
	s->n++;
	s->inodes += rec->inode;
	return 0;
}

static void t_read_big(void **state)
{
	struct procfs_stats st;
	struct tmptree t;
	struct sum s = { 0 };
	uint64_t want_inodes = 0;
	unsigned long want_n = 0, want_bad = 0;
	FILE *f;

	(void)state;
	tree_make(&t);
	/* ~900 KB, far beyond the 64 KiB read buffer, so lines straddle reads. */
	f = tree_file(&t, "tcp");
	fprintf(f, "%s\n", HDR4);
	for (unsigned i = 0; i < 6000; i++) {
		uint64_t ino = 100000 + (uint64_t)i * 7919;

		if (i % 1000 == 999) {
			fprintf(f, "%4u: garbage\n", i);
			want_bad++;
			continue;
		}
		if (i == 3000) {
			/* A line longer than the whole read buffer. */
			for (unsigned k = 0; k < 70000; k++)
				fputc('A', f);
			fputc('\n', f);
			want_bad++;
		}
		fprintf(f,
			"%4u: 0100007F:%04X 0100007F:1389 01 00000000:00000000 00:00000000 00000000     0        0 "
			"%llu 1 0000000000000000 20 4 30 10 -1                    \n",
			i, 1024 + i, (unsigned long long)ino);
		want_n++;
		want_inodes += ino;
	}
	assert_int_equal(fclose(f), 0);
	/* tcp6 without its final newline. */
	f = tree_file(&t, "tcp6");
	fprintf(f, "%s\n%s", HDR6, EST6);
	assert_int_equal(fclose(f), 0);
	want_n++;
	want_inodes += 16588;

	assert_int_equal(procfs_read(t.root, kind_get(KIND_TCP), COLLECT_INET4 | COLLECT_INET6, SK_ALL_STATES, sum_sink, &s, &st), 0);
	assert_int_equal(s.n, want_n);
	assert_true(s.inodes == want_inodes);
	assert_int_equal(st.records, want_n);
	assert_int_equal(st.malformed, want_bad);
	assert_int_equal(st.lines, want_n + want_bad);

	/* A sink error stops the read and is returned. */
	s = (struct sum){ .stop_after = 10 };
	assert_int_equal(procfs_read(t.root, kind_get(KIND_TCP), COLLECT_INET4, SK_ALL_STATES, sum_sink, &s, &st), -ECANCELED);
	assert_int_equal(s.n, 10);
	tree_rm(&t);
}

static void t_read_missing(void **state)
{
	struct procfs_stats st = { 7, 7, 7 };
	struct tmptree t;
	struct sum s = { 0 };
	FILE *f;

	(void)state;
	tree_make(&t);
	/* No tcp at all. */
	assert_int_equal(procfs_read(t.root, kind_get(KIND_TCP), COLLECT_INET4 | COLLECT_INET6, SK_ALL_STATES, sum_sink, &s, &st),
			 -ENOENT);
	assert_int_equal(st.lines, 7); /* untouched */
	/* Only IPv6 wanted and missing: no error, nothing read. */
	assert_int_equal(procfs_read(t.root, kind_get(KIND_TCP), COLLECT_INET6, SK_ALL_STATES, sum_sink, &s, &st), 0);
	assert_int_equal(st.lines, 0);
	/* tcp without tcp6 (IPv6 disabled) is fine. */
	f = tree_file(&t, "tcp");
	fprintf(f, "%s\n%s\n%s\n", HDR4, LISTEN4, EST4);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(procfs_read(t.root, kind_get(KIND_TCP), COLLECT_INET4 | COLLECT_INET6, SK_ALL_STATES, sum_sink, &s, &st), 0);
	assert_int_equal(s.n, 2);
	assert_true(s.inodes == 16582 + 16585);
	assert_int_equal(procfs_read("/nonexistent-root", kind_get(KIND_TCP), COLLECT_INET4, SK_ALL_STATES, sum_sink, &s, &st), -ENOENT);
	tree_rm(&t);
}

static void t_read_live(void **state)
{
	struct procfs_stats st;
	struct sum s = { 0 };

	(void)state;
	if (access("/proc/net/tcp", R_OK) != 0)
		skip();
	assert_int_equal(procfs_read(NULL, kind_get(KIND_TCP), COLLECT_INET4 | COLLECT_INET6, SK_ALL_STATES, sum_sink, &s, &st), 0);
	assert_int_equal(st.malformed, 0);
	assert_int_equal(st.records, s.n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_ipv4),
		cmocka_unit_test(t_listen),
		cmocka_unit_test(t_ipv6),
		cmocka_unit_test(t_header_and_newline),
		cmocka_unit_test(t_malformed),
		cmocka_unit_test(t_huge_but_valid),
		cmocka_unit_test(t_read_basic),
		cmocka_unit_test(t_read_big),
		cmocka_unit_test(t_read_missing),
		cmocka_unit_test(t_read_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
