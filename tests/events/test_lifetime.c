// SPDX-License-Identifier: MIT
/*
 * Unit tests for lifetime: synthetic transition sequences as the 6.18 kernel
 * emits them (client close, server close, simultaneous close through CLOSING,
 * refused, reset, timeout, half-open server), the time in the old state, the
 * merge with destroy messages in both orders and after the window, lost
 * transitions, listeners, and eviction under a small bound.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "lifetime.h"
#include "states.h"

#define MS 1000000ULL

struct got {
	struct sock_lifetime lt[16];
	size_t n;
};

static int sink(void *arg, const struct sock_lifetime *lt)
{
	struct got *g = arg;

	assert_true(g->n < 16);
	g->lt[g->n++] = *lt;
	return 0;
}

static struct sock_event mk(uint64_t sk, uint64_t t_ms, int o, int n, uint16_t lp, uint16_t rp, bool softirq)
{
	struct sock_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.time_ns = t_ms * MS;
	ev.skaddr = sk;
	ev.family = AF_INET;
	ev.protocol = 6;
	ev.old_state = (uint8_t)o;
	ev.new_state = (uint8_t)n;
	ev.saddr[0] = 127;
	ev.saddr[3] = 1;
	ev.daddr[0] = 127;
	ev.daddr[3] = 1;
	ev.sport = lp;
	ev.dport = rp;
	ev.softirq = softirq;
	ev.pid = softirq ? 14 : 1000;
	return ev;
}

/* Feeds (old, new, time) steps for one socket. */
static void feed(struct lt_tracker *t, struct got *g, uint64_t sk, uint16_t lp, uint16_t rp, const int (*s)[3],
		 size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct sock_event ev = mk(sk, (uint64_t)s[i][2], s[i][0], s[i][1], lp, rp, i % 2 == 1);

		assert_int_equal(lt_feed(t, &ev, NULL, sink, g), 0);
	}
}

static void assert_states(const struct sock_lifetime *lt, const int *st, size_t n)
{
	assert_int_equal(lt->nstates, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(lt->states[i], st[i]);
}

static void t_client_close(void **unused)
{
	struct lt_tracker *t;
	struct got g = {.n = 0};
	const int s[][3] = {{SK_CLOSE, SK_SYN_SENT, 100},    {SK_SYN_SENT, SK_ESTABLISHED, 101},
			    {SK_ESTABLISHED, SK_FIN_WAIT1, 150}, {SK_FIN_WAIT1, SK_FIN_WAIT2, 151},
			    {SK_FIN_WAIT2, SK_CLOSE, 152}};
	const int want[] = {SK_CLOSE, SK_SYN_SENT, SK_ESTABLISHED, SK_FIN_WAIT1, SK_FIN_WAIT2, SK_CLOSE};
	struct sock_event ev;
	struct lt_step step;

	(void)unused;
	assert_int_equal(lt_new(&t, NULL), 0);
	/* sport 0 at first: the tuple fills in later */
	ev = mk(1, 100, SK_CLOSE, SK_SYN_SENT, 0, 80, false);
	assert_int_equal(lt_feed(t, &ev, &step, sink, &g), 0);
	assert_false(step.known);
	ev = mk(1, 101, SK_SYN_SENT, SK_ESTABLISHED, 40000, 80, true);
	assert_int_equal(lt_feed(t, &ev, &step, sink, &g), 0);
	assert_true(step.known);
	assert_true(step.old_state_ns == 1 * MS);
	feed(t, &g, 1, 40000, 80, s + 2, 3);
	assert_int_equal(g.n, 1);
	assert_states(&g.lt[0], want, 6);
	assert_true(g.lt[0].complete);
	assert_true(g.lt[0].established);
	assert_int_equal(g.lt[0].opener, LT_OPENER_ACTIVE);
	assert_int_equal(g.lt[0].closer, LT_CLOSER_ACTIVE);
	assert_int_equal(g.lt[0].end, LT_END_NORMAL);
	assert_true(g.lt[0].duration_ns == 52 * MS);
	assert_true(g.lt[0].established_ns == 101 * MS);
	assert_int_equal(g.lt[0].lport, 40000);
	assert_int_equal(g.lt[0].rport, 80);
	assert_int_equal(g.lt[0].pid, 1000);
	assert_false(g.lt[0].has_tcp_info);
	assert_int_equal(lt_open_count(t), 0);
	lt_free(t);
}

static void t_server_close(void **unused)
{
	struct lt_tracker *t;
	struct got g = {.n = 0};
	const int lis[][3] = {{SK_CLOSE, SK_LISTEN, 1}};
	const int s[][3] = {{SK_LISTEN, SK_SYN_RECV, 100},        {SK_SYN_RECV, SK_ESTABLISHED, 100},
			    {SK_ESTABLISHED, SK_CLOSE_WAIT, 150},     {SK_CLOSE_WAIT, SK_LAST_ACK, 200},
			    {SK_LAST_ACK, SK_CLOSE, 201}};
	const int want[] = {SK_LISTEN, SK_SYN_RECV, SK_ESTABLISHED, SK_CLOSE_WAIT, SK_LAST_ACK, SK_CLOSE};

	(void)unused;
	assert_int_equal(lt_new(&t, NULL), 0);
	feed(t, &g, 7, 80, 0, lis, 1);
	assert_int_equal(lt_open_count(t), 0); /* listeners are not tracked */
	feed(t, &g, 8, 80, 40000, s, 5);
	assert_int_equal(g.n, 1);
	assert_states(&g.lt[0], want, 6);
	assert_int_equal(g.lt[0].opener, LT_OPENER_PASSIVE);
	assert_int_equal(g.lt[0].closer, LT_CLOSER_PASSIVE);
	assert_int_equal(g.lt[0].end, LT_END_NORMAL);
	lt_free(t);
}

static void t_simultaneous(void **unused)
{
	struct lt_tracker *t;
	struct got g = {.n = 0};
	const int s[][3] = {{SK_CLOSE, SK_SYN_SENT, 0},       {SK_SYN_SENT, SK_ESTABLISHED, 1},
			    {SK_ESTABLISHED, SK_FIN_WAIT1, 10}, {SK_FIN_WAIT1, SK_CLOSING, 11},
			    {SK_CLOSING, SK_CLOSE, 12}};

	(void)unused;
	assert_int_equal(lt_new(&t, NULL), 0);
	feed(t, &g, 9, 40001, 80, s, 5);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.lt[0].closer, LT_CLOSER_SIMULTANEOUS);
	assert_int_equal(g.lt[0].end, LT_END_NORMAL);
	lt_free(t);
}

static void t_refused_timeout_reset(void **unused)
{
	struct lt_tracker *t;
	struct lt_opts o = {.syn_timeout_ns = 500 * MS};
	struct got g = {.n = 0};
	const int refused[][3] = {{SK_CLOSE, SK_SYN_SENT, 0}, {SK_SYN_SENT, SK_CLOSE, 1}};
	const int timeout[][3] = {{SK_CLOSE, SK_SYN_SENT, 0}, {SK_SYN_SENT, SK_CLOSE, 3000}};
	const int reset[][3] = {{SK_CLOSE, SK_SYN_SENT, 0}, {SK_SYN_SENT, SK_ESTABLISHED, 1},
				{SK_ESTABLISHED, SK_CLOSE, 5}};
	const int rst_cw[][3] = {{SK_LISTEN, SK_SYN_RECV, 0}, {SK_SYN_RECV, SK_ESTABLISHED, 1},
				 {SK_ESTABLISHED, SK_CLOSE_WAIT, 5}, {SK_CLOSE_WAIT, SK_CLOSE, 6}};
	const int halfopen[][3] = {{SK_LISTEN, SK_SYN_RECV, 0}, {SK_SYN_RECV, SK_CLOSE, 3000}};

	(void)unused;
	assert_int_equal(lt_new(&t, &o), 0);
	feed(t, &g, 1, 40000, 81, refused, 2);
	feed(t, &g, 2, 40001, 81, timeout, 2);
	feed(t, &g, 3, 40002, 81, reset, 3);
	feed(t, &g, 4, 81, 40003, rst_cw, 4);
	feed(t, &g, 5, 81, 40004, halfopen, 2);
	assert_int_equal(g.n, 5);
	assert_int_equal(g.lt[0].end, LT_END_REFUSED);
	assert_false(g.lt[0].established);
	assert_int_equal(g.lt[0].closer, LT_CLOSER_NONE);
	assert_int_equal(g.lt[1].end, LT_END_TIMEOUT);
	assert_int_equal(g.lt[2].end, LT_END_RESET);
	assert_int_equal(g.lt[2].closer, LT_CLOSER_NONE);
	assert_int_equal(g.lt[3].end, LT_END_RESET);
	assert_int_equal(g.lt[3].closer, LT_CLOSER_PASSIVE);
	assert_int_equal(g.lt[4].end, LT_END_NEVER_ESTABLISHED);
	assert_string_equal(lt_end_name(g.lt[4].end), "never-established");
	lt_free(t);
}

static struct sock_destroy mkd(uint64_t t_ms, uint16_t lp, uint16_t rp, uint64_t acked, uint64_t rcvd)
{
	struct sock_destroy d;

	memset(&d, 0, sizeof(d));
	d.time_ns = t_ms * MS;
	d.family = AF_INET;
	d.saddr[0] = 127;
	d.saddr[3] = 1;
	d.daddr[0] = 127;
	d.daddr[3] = 1;
	d.sport = lp;
	d.dport = rp;
	d.have = SD_HAVE_INFO | SD_HAVE_BYTES;
	d.bytes_acked = acked;
	d.bytes_received = rcvd;
	d.total_retrans = 2;
	d.cookie = 99;
	return d;
}

static void t_merge(void **unused)
{
	struct lt_tracker *t;
	struct lt_opts o = {.merge_window_ns = 1000 * MS};
	struct got g = {.n = 0};
	const int s[][3] = {{SK_CLOSE, SK_SYN_SENT, 100}, {SK_SYN_SENT, SK_ESTABLISHED, 101},
			    {SK_ESTABLISHED, SK_FIN_WAIT1, 150}, {SK_FIN_WAIT1, SK_FIN_WAIT2, 151},
			    {SK_FIN_WAIT2, SK_CLOSE, 152}};
	struct sock_destroy d;

	(void)unused;
	assert_int_equal(lt_new(&t, &o), 0);
	/* destroy after the CLOSE */
	feed(t, &g, 1, 40000, 80, s, 5);
	assert_int_equal(g.n, 0);
	d = mkd(160, 40000, 80, 1234, 5678);
	assert_int_equal(lt_feed_destroy(t, &d, sink, &g), 0);
	assert_int_equal(g.n, 1);
	assert_true(g.lt[0].has_tcp_info);
	assert_true(g.lt[0].bytes_acked == 1234);
	assert_true(g.lt[0].bytes_received == 5678);
	assert_int_equal(g.lt[0].total_retrans, 2);
	/* destroy before the CLOSE */
	d = mkd(150, 40001, 80, 1, 2);
	assert_int_equal(lt_feed_destroy(t, &d, sink, &g), 0);
	assert_int_equal(g.n, 1);
	feed(t, &g, 2, 40001, 80, s, 5);
	assert_int_equal(g.n, 2);
	assert_true(g.lt[1].bytes_acked == 1);
	/* another tuple: waits, then leaves unmerged after the window */
	feed(t, &g, 3, 40002, 80, s, 5);
	d = mkd(160, 40009, 80, 1, 2);
	assert_int_equal(lt_feed_destroy(t, &d, sink, &g), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(lt_tick(t, 152 * MS + 1000 * MS, sink, &g), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(lt_tick(t, 153 * MS + 1000 * MS, sink, &g), 0);
	assert_int_equal(g.n, 3);
	assert_false(g.lt[2].has_tcp_info);
	assert_int_equal(g.lt[2].lport, 40002);
	lt_free(t);
}

static void t_lost_and_replaced(void **unused)
{
	struct lt_tracker *t;
	struct got g = {.n = 0};
	const int gap[][3] = {{SK_CLOSE, SK_SYN_SENT, 0}, {SK_SYN_SENT, SK_ESTABLISHED, 1},
			      /* FIN_WAIT1 lost */ {SK_FIN_WAIT1, SK_FIN_WAIT2, 5}, {SK_FIN_WAIT2, SK_CLOSE, 6}};
	const int again[][3] = {{SK_CLOSE, SK_SYN_SENT, 10}, {SK_SYN_SENT, SK_ESTABLISHED, 11}};
	const int restart[][3] = {{SK_CLOSE, SK_SYN_SENT, 20}};
	const int mid[][3] = {{SK_ESTABLISHED, SK_FIN_WAIT1, 30}, {SK_FIN_WAIT1, SK_FIN_WAIT2, 31},
			      {SK_FIN_WAIT2, SK_CLOSE, 32}};
	const int orphan_close[][3] = {{SK_LAST_ACK, SK_CLOSE, 40}};

	(void)unused;
	assert_int_equal(lt_new(&t, NULL), 0);
	feed(t, &g, 1, 40000, 80, gap, 4);
	assert_int_equal(g.n, 1);
	assert_false(g.lt[0].complete);
	assert_int_equal(g.lt[0].closer, LT_CLOSER_ACTIVE); /* FIN_WAIT1 is the old state of the next one */
	assert_int_equal(g.lt[0].end, LT_END_NORMAL);
	/* a second life on the same address whose CLOSE was lost */
	feed(t, &g, 1, 40001, 80, again, 2);
	feed(t, &g, 1, 40002, 80, restart, 1);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.lt[1].end, LT_END_UNKNOWN);
	assert_false(g.lt[1].complete);
	/* seen from the middle */
	feed(t, &g, 2, 40003, 80, mid, 3);
	assert_int_equal(g.n, 3);
	assert_false(g.lt[2].complete);
	assert_int_equal(g.lt[2].opener, LT_OPENER_UNKNOWN);
	assert_int_equal(g.lt[2].end, LT_END_NORMAL);
	/* a CLOSE of something never seen: ignored */
	feed(t, &g, 3, 40004, 80, orphan_close, 1);
	assert_int_equal(g.n, 3);
	assert_int_equal(lt_open_count(t), 1);
	assert_int_equal(lt_flush(t, 100 * MS, true, sink, &g), 0);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.lt[3].end, LT_END_UNKNOWN);
	assert_int_equal(lt_open_count(t), 0);
	lt_free(t);
}

static void t_eviction(void **unused)
{
	struct lt_tracker *t;
	struct lt_opts o = {.max_conns = 4};
	struct got g = {.n = 0};
	struct lt_stats st;
	const int open[][3] = {{SK_CLOSE, SK_SYN_SENT, 0}};
	const int fin[][3] = {{SK_SYN_SENT, SK_ESTABLISHED, 1}, {SK_ESTABLISHED, SK_FIN_WAIT1, 2},
			      {SK_FIN_WAIT1, SK_FIN_WAIT2, 3}, {SK_FIN_WAIT2, SK_CLOSE, 4}};

	(void)unused;
	assert_int_equal(lt_new(&t, &o), 0);
	for (uint64_t sk = 1; sk <= 10; sk++)
		feed(t, &g, sk, (uint16_t)(40000 + sk), 80, open, 1);
	assert_int_equal(lt_open_count(t), 4);
	lt_get_stats(t, &st);
	assert_true(st.evicted == 6);
	feed(t, &g, 10, 40010, 80, fin, 4); /* the newest survived */
	assert_int_equal(g.n, 1);
	assert_true(g.lt[0].complete);
	feed(t, &g, 1, 40001, 80, fin, 4); /* evicted: picked up again, incomplete */
	assert_int_equal(g.n, 2);
	assert_false(g.lt[1].complete);
	assert_int_equal(g.lt[1].opener, LT_OPENER_ACTIVE);
	lt_free(t);
	assert_int_equal(lt_new(&t, &(struct lt_opts){.max_conns = 1u << 30}), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_client_close),     cmocka_unit_test(t_server_close),
		cmocka_unit_test(t_simultaneous),     cmocka_unit_test(t_refused_timeout_reset),
		cmocka_unit_test(t_merge),            cmocka_unit_test(t_lost_and_replaced),
		cmocka_unit_test(t_eviction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
