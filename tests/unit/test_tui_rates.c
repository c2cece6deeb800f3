// SPDX-License-Identifier: MIT
/*
 * Unit tests for the pure half of top's transitions and recently closed
 * views (tui_model.c): per-pair rates from two cumulative snapshots of the
 * event feed (order, totals, counters going backwards, no time passed, the
 * cap), the same fed from a real struct feed through feed_ingest_event(), and
 * the state names and state paths the closed view prints.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "feed.h"
#include "states.h"
#include "tui.h"

static uint64_t prev[FEED_NSTATES][FEED_NSTATES], cur[FEED_NSTATES][FEED_NSTATES];

static void clear(void)
{
	memset(prev, 0, sizeof(prev));
	memset(cur, 0, sizeof(cur));
}

static void t_empty(void **state)
{
	struct tui_pair_rate out[TUI_PAIRS_MAX];

	(void)state;
	clear();
	assert_int_equal(tui_pair_rates(&prev[0][0], &cur[0][0], 1000, out, TUI_PAIRS_MAX), 0);
	assert_int_equal(tui_pair_rates(NULL, &cur[0][0], 1000, out, TUI_PAIRS_MAX), 0);
}

static void t_rates_and_order(void **state)
{
	struct tui_pair_rate out[TUI_PAIRS_MAX];
	size_t n;

	(void)state;
	clear();
	prev[SK_CLOSE][SK_SYN_SENT] = 100;
	cur[SK_CLOSE][SK_SYN_SENT] = 150; /* +50 in 0.5 s: 100/s */
	prev[SK_ESTABLISHED][SK_FIN_WAIT1] = 10;
	cur[SK_ESTABLISHED][SK_FIN_WAIT1] = 30; /* +20: 40/s */
	prev[SK_LISTEN][SK_SYN_RECV] = 500;
	cur[SK_LISTEN][SK_SYN_RECV] = 500; /* idle, big total */
	cur[SK_CLOSE][SK_LISTEN] = 1;      /* idle, new since prev... */
	prev[SK_CLOSE][SK_LISTEN] = 1;
	cur[SK_FIN_WAIT2][SK_CLOSE] = 20; /* +20 as well: tie broken by total, then states */
	prev[SK_FIN_WAIT2][SK_CLOSE] = 0;
	cur[SK_SYN_SENT][SK_ESTABLISHED] = 40;
	prev[SK_SYN_SENT][SK_ESTABLISHED] = 20;

	n = tui_pair_rates(&prev[0][0], &cur[0][0], 500, out, TUI_PAIRS_MAX);
	assert_int_equal(n, 6);
	assert_int_equal(out[0].old_state, SK_CLOSE);
	assert_int_equal(out[0].new_state, SK_SYN_SENT);
	assert_int_equal(out[0].delta, 50);
	assert_int_equal(out[0].total, 150);
	assert_true(out[0].per_s > 99.99 && out[0].per_s < 100.01);
	/* three pairs at +20: totals 40, 30, 20 */
	assert_int_equal(out[1].old_state, SK_SYN_SENT);
	assert_int_equal(out[1].total, 40);
	assert_int_equal(out[2].old_state, SK_ESTABLISHED);
	assert_int_equal(out[2].new_state, SK_FIN_WAIT1);
	assert_true(out[2].per_s > 39.99 && out[2].per_s < 40.01);
	assert_int_equal(out[3].old_state, SK_FIN_WAIT2);
	assert_int_equal(out[3].new_state, SK_CLOSE);
	/* idle pairs last, by total */
	assert_int_equal(out[4].old_state, SK_LISTEN);
	assert_int_equal(out[4].delta, 0);
	assert_true(out[4].per_s == 0.0);
	assert_int_equal(out[4].total, 500);
	assert_int_equal(out[5].old_state, SK_CLOSE);
	assert_int_equal(out[5].new_state, SK_LISTEN);
}

static void t_edges(void **state)
{
	struct tui_pair_rate out[TUI_PAIRS_MAX];
	size_t n;

	(void)state;
	clear();
	prev[SK_ESTABLISHED][SK_CLOSE_WAIT] = 9;
	cur[SK_ESTABLISHED][SK_CLOSE_WAIT] = 4; /* went backwards (a new feed): never negative */
	cur[SK_LAST_ACK][SK_CLOSE] = 7;
	n = tui_pair_rates(&prev[0][0], &cur[0][0], 1000, out, TUI_PAIRS_MAX);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].old_state, SK_LAST_ACK);
	assert_int_equal(out[0].delta, 7);
	assert_int_equal(out[1].delta, 0);
	assert_true(out[1].per_s == 0.0);
	assert_int_equal(out[1].total, 4);
	/* no time passed: deltas, but no rate */
	n = tui_pair_rates(&prev[0][0], &cur[0][0], 0, out, TUI_PAIRS_MAX);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].delta, 7);
	assert_true(out[0].per_s == 0.0);
	/* prev NULL: since the start */
	n = tui_pair_rates(NULL, &cur[0][0], 2000, out, TUI_PAIRS_MAX);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].delta, 7);
	assert_true(out[0].per_s > 3.49 && out[0].per_s < 3.51);
	/* the cap keeps the busiest */
	n = tui_pair_rates(&prev[0][0], &cur[0][0], 1000, out, 1);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].old_state, SK_LAST_ACK);
	assert_int_equal(tui_pair_rates(&prev[0][0], &cur[0][0], 1000, out, 0), 0);
	/* every pair, the largest numbers */
	for (int o = 0; o < FEED_NSTATES; o++)
		for (int s = 0; s < FEED_NSTATES; s++)
			cur[o][s] = UINT64_MAX - (uint64_t)(o * FEED_NSTATES + s);
	memset(prev, 0, sizeof(prev));
	n = tui_pair_rates(&prev[0][0], &cur[0][0], 1, out, TUI_PAIRS_MAX);
	assert_int_equal(n, TUI_PAIRS_MAX);
	assert_int_equal(out[0].old_state, 0);
	assert_int_equal(out[0].new_state, 0);
	assert_int_equal(out[TUI_PAIRS_MAX - 1].old_state, FEED_NSTATES - 1);

	assert_true(tui_rate(10, 5, 1000) == 0.0);
	assert_true(tui_rate(5, 10, 0) == 0.0);
	assert_true(tui_rate(0, 3, 1500) > 1.99 && tui_rate(0, 3, 1500) < 2.01);
}

static struct sock_event ev(uint64_t sk, uint64_t t, int from, int to, uint16_t lp, uint16_t rp)
{
	struct sock_event e;

	memset(&e, 0, sizeof(e));
	e.time_ns = t;
	e.skaddr = sk;
	e.family = AF_INET;
	e.protocol = IPPROTO_TCP;
	e.old_state = (uint8_t)from;
	e.new_state = (uint8_t)to;
	e.saddr[0] = e.daddr[0] = 127;
	e.saddr[3] = e.daddr[3] = 1;
	e.sport = lp;
	e.dport = rp;
	e.softirq = true;
	return e;
}

/* What top computes from a feed: N client connections that close first. */
static void t_from_feed(void **state)
{
	static const int path[][2] = {{SK_CLOSE, SK_SYN_SENT},     {SK_SYN_SENT, SK_ESTABLISHED},
				      {SK_ESTABLISHED, SK_FIN_WAIT1}, {SK_FIN_WAIT1, SK_FIN_WAIT2},
				      {SK_FIN_WAIT2, SK_CLOSE}};
	struct feed_opts fo = {.scope = FEED_SCOPE_HOST, .netns_fd = -1};
	struct tui_pair_rate out[TUI_PAIRS_MAX];
	struct sock_lifetime lt[8];
	struct feed *f;
	const int n = 30;
	size_t k;

	(void)state;
	assert_int_equal(feed_new(&f, &fo), 0);
	clear();
	feed_get_pairs(f, prev);
	for (int c = 0; c < n; c++)
		for (size_t i = 0; i < sizeof(path) / sizeof(path[0]); i++) {
			struct sock_event e = ev(0x1000 + (uint64_t)c, 1000000 + (uint64_t)c * 1000 + i, path[i][0],
						 path[i][1], (uint16_t)(40000 + c), 7300);

			assert_int_equal(feed_ingest_event(f, &e), 0);
		}
	feed_get_pairs(f, cur);
	k = tui_pair_rates(&prev[0][0], &cur[0][0], 2000, out, TUI_PAIRS_MAX);
	assert_int_equal(k, 5);
	for (size_t i = 0; i < k; i++) {
		assert_int_equal(out[i].total, n);
		assert_int_equal(out[i].delta, n);
		assert_true(out[i].per_s > 14.99 && out[i].per_s < 15.01);
	}
	/* equal rates and totals: in the order of the states' numbers */
	assert_int_equal(out[0].old_state, SK_ESTABLISHED);
	assert_int_equal(out[0].new_state, SK_FIN_WAIT1);
	/* the next interval: nothing new */
	memcpy(prev, cur, sizeof(prev));
	feed_get_pairs(f, cur);
	k = tui_pair_rates(&prev[0][0], &cur[0][0], 500, out, TUI_PAIRS_MAX);
	assert_int_equal(k, 5);
	assert_int_equal(out[0].delta, 0);
	assert_int_equal(out[0].total, n);
	/* and the recently closed connections the closed view lists */
	assert_int_equal(feed_get_recent(f, lt, 8), 8);
	assert_int_equal(lt[0].lport, 40000 + n - 1);
	assert_int_equal(lt[0].rport, 7300);
	assert_int_equal(lt[0].end, LT_END_NORMAL);
	feed_close(f);
}

static void t_names(void **state)
{
	static const uint8_t client[] = {SK_CLOSE, SK_SYN_SENT, SK_ESTABLISHED, SK_FIN_WAIT1, SK_FIN_WAIT2, SK_CLOSE};
	static const uint8_t child[] = {SK_KERNEL_NEW_SYN_RECV, SK_ESTABLISHED, SK_CLOSE_WAIT, SK_LAST_ACK, SK_CLOSE};
	char buf[128], tiny[6];

	(void)state;
	assert_string_equal(tui_tcp_state_name(SK_SYN_SENT, false), "SYN-SENT");
	assert_string_equal(tui_tcp_state_name(SK_SYN_SENT, true), "SS");
	assert_string_equal(tui_tcp_state_name(SK_KERNEL_NEW_SYN_RECV, false), "NEW-SYN-RECV");
	assert_string_equal(tui_tcp_state_name(SK_KERNEL_NEW_SYN_RECV, true), "NSR");
	assert_string_equal(tui_tcp_state_name(0, false), "?");
	assert_string_equal(tui_tcp_state_name(FEED_NSTATES, true), "?");
	assert_string_equal(tui_tcp_state_name(-1, true), "?");
	for (int s = 1; s < FEED_NSTATES; s++) {
		assert_true(strlen(tui_tcp_state_name(s, false)) <= 12); /* the pair column's width */
		assert_true(strlen(tui_tcp_state_name(s, true)) <= 3);
	}

	tui_fmt_states(client, sizeof(client), false, true, ">", buf, sizeof(buf));
	assert_string_equal(buf, "CL>SS>ES>FW1>FW2>CL");
	tui_fmt_states(child, sizeof(child), true, true, ">", buf, sizeof(buf));
	assert_string_equal(buf, "NSR>ES>CW>LA>CL+");
	tui_fmt_states(client, 3, false, false, ">", buf, sizeof(buf));
	assert_string_equal(buf, "CLOSED>SYN-SENT>ESTABLISHED");
	tui_fmt_states(client, 0, false, false, ">", buf, sizeof(buf));
	assert_string_equal(buf, "");
	/* a short buffer: cut, terminated */
	tui_fmt_states(client, sizeof(client), true, false, ">", tiny, sizeof(tiny));
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
	assert_memory_equal(tiny, "CLOSE", 5);
	tui_fmt_states(client, sizeof(client), false, false, ">", tiny, 0); /* len 0: untouched, no crash */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_empty),     cmocka_unit_test(t_rates_and_order), cmocka_unit_test(t_edges),
		cmocka_unit_test(t_from_feed), cmocka_unit_test(t_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
