// SPDX-License-Identifier: MIT
/*
 * Unit tests for feed: the counters that top, the exporter and check read,
 * from synthetic transitions (as the 6.18 kernel emits them): pair counts,
 * opens, ends and closers, the recently closed ring (newest first, bounded),
 * the per-destination outcomes with eviction, the destroy-only source, and
 * the namespace scope (process context in our own namespace, a child of a
 * listener met in softirq, a socket that cannot be attributed).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "feed.h"
#include "kind.h"
#include "sock.h"
#include "states.h"

#define MS 1000000ULL

static struct sock_event mk(uint64_t sk, uint64_t t_ms, int o, int n, uint8_t dst, uint16_t lp, uint16_t rp,
			    bool softirq)
{
	struct sock_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.time_ns = t_ms * MS;
	ev.skaddr = sk;
	ev.family = AF_INET;
	ev.protocol = 6;
	ev.old_state = (uint8_t)o;
	ev.new_state = (uint8_t)n;
	ev.saddr[0] = 10;
	ev.saddr[3] = 1;
	ev.daddr[0] = 10;
	ev.daddr[3] = dst;
	ev.sport = lp;
	ev.dport = rp;
	ev.softirq = softirq;
	ev.pid = softirq ? 1 : (uint32_t)getpid(); /* in softirq: whoever ran, never the owner */
	ev.tid = ev.pid;
	return ev;
}

/* A client that connects to 10.0.0.dst:rp and closes first. */
static void client_close(struct feed *f, uint64_t sk, uint64_t t, uint8_t dst, uint16_t lp, uint16_t rp)
{
	static const int s[][3] = {
		{SK_CLOSE, SK_SYN_SENT, 0},       {SK_SYN_SENT, SK_ESTABLISHED, 1},
		{SK_ESTABLISHED, SK_FIN_WAIT1, 5}, {SK_FIN_WAIT1, SK_FIN_WAIT2, 6},
		{SK_FIN_WAIT2, SK_CLOSE, 6},
	};

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		struct sock_event ev = mk(sk, t + (uint64_t)s[i][2], s[i][0], s[i][1], dst, lp, rp, i == 1);

		assert_int_equal(feed_ingest_event(f, &ev), 0);
	}
}

/* A client whose SYN ends after ms: a reset (short) or a timeout (long). */
static void client_fail(struct feed *f, uint64_t sk, uint64_t t, uint64_t ms, uint8_t dst, uint16_t rp)
{
	struct sock_event a = mk(sk, t, SK_CLOSE, SK_SYN_SENT, dst, 40000, rp, false);
	struct sock_event b = mk(sk, t + ms, SK_SYN_SENT, SK_CLOSE, dst, 40000, rp, true);

	assert_int_equal(feed_ingest_event(f, &a), 0);
	assert_int_equal(feed_ingest_event(f, &b), 0);
}

/* A server child of a listener on lp, all in softirq but the close. */
static void server_child(struct feed *f, uint64_t sk, uint64_t t, uint16_t lp)
{
	static const int s[][3] = {
		{SK_KERNEL_NEW_SYN_RECV, SK_ESTABLISHED, 0}, {SK_ESTABLISHED, SK_CLOSE_WAIT, 4},
		{SK_CLOSE_WAIT, SK_LAST_ACK, 5},             {SK_LAST_ACK, SK_CLOSE, 6},
	};

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		struct sock_event ev = mk(sk, t + (uint64_t)s[i][2], s[i][0], s[i][1], 9, lp, 50000, i != 2);

		assert_int_equal(feed_ingest_event(f, &ev), 0);
	}
}

static void t_counters(void **unused)
{
	struct feed_opts o = {.netns_fd = -1};
	struct feed *f;
	struct feed_stats st;
	uint64_t pairs[FEED_NSTATES][FEED_NSTATES];
	struct sock_lifetime rec[8];
	struct feed_dest d[8];
	size_t n;

	(void)unused;
	assert_int_equal(feed_new(&f, &o), 0);
	for (uint64_t i = 0; i < 30; i++)
		client_close(f, 0x1000 + i, i * 10, 2, (uint16_t)(30000 + i), 80);
	for (uint64_t i = 0; i < 4; i++)
		client_fail(f, 0x2000 + i, 400 + i, 2, 3, 443);       /* refused */
	client_fail(f, 0x3000, 500, 3000, 3, 443);                    /* timed out */
	server_child(f, 0x4000, 600, 8080);
	feed_get_stats(f, &st);
	assert_int_equal(st.events, 30 * 5 + 5 * 2 + 4);
	assert_int_equal(st.opened_active, 35);
	assert_int_equal(st.opened_passive, 1);
	assert_int_equal(st.closed, 36);
	assert_int_equal(st.ends[LT_END_NORMAL], 31);
	assert_int_equal(st.ends[LT_END_REFUSED], 4);
	assert_int_equal(st.ends[LT_END_TIMEOUT], 1);
	assert_int_equal(st.closers[LT_CLOSER_ACTIVE], 30);
	assert_int_equal(st.closers[LT_CLOSER_PASSIVE], 1);
	assert_int_equal(st.unattributed, 0);
	feed_get_pairs(f, pairs);
	assert_int_equal(pairs[SK_CLOSE][SK_SYN_SENT], 35);
	assert_int_equal(pairs[SK_SYN_SENT][SK_ESTABLISHED], 30);
	assert_int_equal(pairs[SK_SYN_SENT][SK_CLOSE], 5);
	assert_int_equal(pairs[SK_FIN_WAIT2][SK_CLOSE], 30);
	assert_int_equal(pairs[SK_CLOSE_WAIT][SK_LAST_ACK], 1);
	assert_int_equal(pairs[SK_KERNEL_NEW_SYN_RECV][SK_ESTABLISHED], 1);

	/* newest first */
	n = feed_get_recent(f, rec, 8);
	assert_int_equal(n, 8);
	assert_int_equal(rec[0].skaddr, 0x4000);
	assert_int_equal(rec[0].closer, LT_CLOSER_PASSIVE);
	assert_int_equal(rec[1].skaddr, 0x3000);
	assert_int_equal(rec[1].end, LT_END_TIMEOUT);
	assert_int_equal(rec[2].end, LT_END_REFUSED);
	assert_int_equal(rec[6].skaddr, 0x101d);
	assert_int_equal(rec[7].skaddr, 0x101c);

	/* most attempts first: 10.0.0.2:80 (30, all closed by us), 10.0.0.3:443 */
	n = feed_get_dests(f, d, 8);
	assert_int_equal(n, 2);
	assert_int_equal(d[0].addr[3], 2);
	assert_int_equal(d[0].port, 80);
	assert_int_equal(d[0].attempts, 30);
	assert_int_equal(d[0].established, 30);
	assert_int_equal(d[0].active_closed, 30);
	assert_int_equal(d[1].port, 443);
	assert_int_equal(d[1].attempts, 5);
	assert_int_equal(d[1].refused, 4);
	assert_int_equal(d[1].timeout, 1);
	assert_int_equal(d[1].established, 0);
	feed_close(f);
}

static void t_bounds(void **unused)
{
	struct feed_opts o = {.netns_fd = -1, .recent_max = 4, .dest_max = 3};
	struct feed *f;
	struct feed_stats st;
	struct sock_lifetime rec[8];
	struct feed_dest d[8];
	size_t n;

	(void)unused;
	assert_int_equal(feed_new(&f, &o), 0);
	for (uint64_t i = 0; i < 10; i++)
		client_close(f, 0x100 + i, i * 10, (uint8_t)(10 + i), 30000, 80);
	n = feed_get_recent(f, rec, 8);
	assert_int_equal(n, 4);
	assert_int_equal(rec[0].skaddr, 0x109);
	assert_int_equal(rec[3].skaddr, 0x106);
	n = feed_get_dests(f, d, 8);
	assert_int_equal(n, 3); /* the least recent were evicted */
	for (size_t i = 0; i < n; i++)
		assert_true(d[i].addr[3] >= 17);
	feed_get_stats(f, &st);
	assert_int_equal(st.dest_evicted, 7);
	feed_close(f);
}

static void t_destroy_only(void **unused)
{
	struct feed_opts o = {.netns_fd = -1};
	struct feed *f;
	struct feed_stats st;
	struct sock_destroy dd;
	struct sock_lifetime rec[2];

	(void)unused;
	assert_int_equal(feed_new(&f, &o), 0);
	memset(&dd, 0, sizeof(dd));
	dd.protocol = 6;
	dd.family = AF_INET;
	dd.state = SK_CLOSE;
	dd.sport = 1234;
	dd.dport = 80;
	dd.have = SD_HAVE_INFO | SD_HAVE_BYTES | SD_HAVE_SENT;
	dd.bytes_sent = 100;
	dd.bytes_received = 51;
	assert_int_equal(feed_ingest_destroy(f, &dd), 0);
	dd.protocol = 17; /* UDP is not counted */
	assert_int_equal(feed_ingest_destroy(f, &dd), 0);
	feed_get_stats(f, &st);
	assert_int_equal(st.closed, 1);
	assert_int_equal(feed_get_recent(f, rec, 2), 1);
	assert_true(rec[0].has_tcp_info);
	assert_int_equal(rec[0].bytes_sent, 100);
	assert_int_equal(rec[0].lport, 1234);
	assert_int_equal(feed_source(f), FEED_SRC_NONE);
	feed_close(f);
}

static void t_scope(void **unused)
{
	struct feed_opts o = {.netns_fd = -1, .scope = FEED_SCOPE_NETNS};
	struct feed *f;
	struct feed_stats st;
	struct sock_set set;
	struct sock_rec r;
	struct sock_event ev;

	(void)unused;
	assert_int_equal(feed_new(&f, &o), 0);
	/* process context in our own namespace: counted */
	client_close(f, 0x10, 0, 2, 30000, 80);
	/* a child of an unknown listener, softirq until the close: the first
	 * three events are unattributed, the close in process context counts */
	server_child(f, 0x20, 100, 8080);
	feed_get_stats(f, &st);
	assert_int_equal(st.events, 5 + 2);
	assert_int_equal(st.unattributed, 2);

	/* once the caller names its listener, the children count from the start */
	sock_set_init(&set);
	memset(&r, 0, sizeof(r));
	r.kind = KIND_TCP;
	r.family = AF_INET;
	r.state = SK_LISTEN;
	r.lport = 8080;
	assert_int_equal(sock_set_add(&set, &r, NULL), 0);
	assert_int_equal(feed_set_listeners(f, &set), 0);
	server_child(f, 0x30, 200, 8080);
	/* a softirq event of a socket never seen in process context and not a
	 * child of our listeners: left out */
	ev = mk(0x40, 300, SK_ESTABLISHED, SK_CLOSE_WAIT, 2, 9999, 80, true);
	assert_int_equal(feed_ingest_event(f, &ev), 0);
	feed_get_stats(f, &st);
	assert_int_equal(st.events, 5 + 2 + 4);
	assert_int_equal(st.unattributed, 3);
	/* 0x20 was seen from CLOSE_WAIT on: incomplete, but a passive close */
	assert_int_equal(st.closers[LT_CLOSER_PASSIVE], 2);
	assert_int_equal(st.ends[LT_END_NORMAL], 3);
	sock_set_free(&set);
	feed_close(f);
}

/* Sockets of other namespaces made faster than they close fill the map of
 * verdicts: the sockets of the scope are kept. */
static void t_scope_flood(void **unused)
{
	struct feed_opts o = {.netns_fd = -1, .scope = FEED_SCOPE_NETNS};
	struct feed *f;
	struct feed_stats st;
	struct sock_event ev = mk(0x10, 0, SK_CLOSE, SK_SYN_SENT, 2, 30000, 80, false);

	(void)unused;
	assert_int_equal(feed_new(&f, &o), 0);
	assert_int_equal(feed_ingest_event(f, &ev), 0); /* ours: process context */
	for (uint64_t i = 0; i < 200000; i++) {
		struct sock_event x = mk(0x100000 + i, 1, SK_SYN_SENT, SK_ESTABLISHED, 3, 40000, 443, true);

		assert_int_equal(feed_ingest_event(f, &x), 0);
	}
	ev = mk(0x10, 2, SK_SYN_SENT, SK_ESTABLISHED, 2, 30000, 80, true); /* ours, in softirq */
	assert_int_equal(feed_ingest_event(f, &ev), 0);
	feed_get_stats(f, &st);
	assert_int_equal(st.events, 2);
	assert_int_equal(st.unattributed, 200000);
	feed_close(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_counters),
		cmocka_unit_test(t_bounds),
		cmocka_unit_test(t_destroy_only),
		cmocka_unit_test(t_scope),
		cmocka_unit_test(t_scope_flood),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
