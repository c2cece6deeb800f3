// SPDX-License-Identifier: MIT
/*
 * Unit tests of the live view's model (tui_model.c): a socket followed across
 * snapshots (new, state change, gone one refresh, forgotten), and the index
 * from set records to tracks after the set grows and shrinks.  The last one
 * is the regression of a use-after-free found by `events --source=poll` at
 * 10,000 connections: the hash index was cleared only in part when it kept
 * its size, so a lookup could return a stale track beyond the live ones.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>

#include "kind.h"
#include "sock.h"
#include "states.h"
#include "tui.h"

static void add(struct sock_set *set, uint16_t lport, uint16_t rport, int state, uint64_t cookie)
{
	struct sock_rec r;

	memset(&r, 0, sizeof(r));
	r.kind = KIND_TCP;
	r.family = AF_INET;
	r.laddr[0] = 127;
	r.laddr[3] = 1;
	r.raddr[0] = 127;
	r.raddr[3] = 1;
	r.lport = lport;
	r.rport = rport;
	r.state = (uint8_t)state;
	r.ext = SOCK_NO_EXT;
	if (cookie) {
		r.cookie = cookie;
		r.flags |= SOCK_F_COOKIE;
	}
	assert_int_equal(sock_set_add(set, &r, NULL), 0);
}

/* Every record maps to a live track that describes it. */
static void assert_map(const struct tui_model *m, const struct sock_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct tui_track *t;

		assert_true(m->track_of[i] < m->n);
		t = tui_model_track(m, i);
		assert_int_equal(t->idx, i);
		assert_int_equal(t->rec.lport, set->v[i].lport);
		assert_int_equal(t->rec.rport, set->v[i].rport);
		assert_int_equal(t->rec.cookie, set->v[i].cookie);
	}
}

static void t_follow(void **unused)
{
	struct tui_model m;
	struct sock_set set;

	(void)unused;
	tui_model_init(&m);
	sock_set_init(&set);
	add(&set, 40000, 80, SK_ESTABLISHED, 1);
	assert_int_equal(tui_model_update(&m, &set, 1000, NULL), 0);
	assert_int_equal(tui_model_track(&m, 0)->change, TUI_SAME); /* the baseline */
	set.n = 0;
	add(&set, 40000, 80, SK_FIN_WAIT1, 1);
	add(&set, 40001, 80, SK_SYN_SENT, 2);
	assert_int_equal(tui_model_update(&m, &set, 1500, NULL), 0);
	assert_int_equal(tui_model_track(&m, 0)->change, TUI_STATE);
	assert_int_equal(tui_model_track(&m, 0)->old_state, SK_ESTABLISHED);
	assert_int_equal(tui_model_track(&m, 0)->old_state_ms, 500);
	assert_int_equal(tui_model_track(&m, 1)->change, TUI_NEW);
	assert_int_equal(m.opened, 1);
	assert_int_equal(m.changed, 1);
	set.n = 0;
	assert_int_equal(tui_model_update(&m, &set, 2000, NULL), 0);
	assert_int_equal(m.closed, 2);
	assert_int_equal(m.n, 2); /* kept one refresh as gone */
	assert_int_equal(m.t[0].change, TUI_GONE);
	assert_int_equal(tui_model_update(&m, &set, 2500, NULL), 0);
	assert_int_equal(m.n, 0);
	sock_set_free(&set);
	tui_model_free(&m);
}

static void t_grow_shrink(void **unused)
{
	static const size_t sizes[] = {5000, 1500, 1500, 700, 3000, 900, 900, 2500, 10, 10, 4000};
	struct tui_model m;
	struct sock_set set;
	uint64_t now = 1000;

	(void)unused;
	tui_model_init(&m);
	sock_set_init(&set);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		set.n = 0;
		/* the same sockets stay (cookie = port), some with a TIME-WAIT
		 * twin on the same 4-tuple without a cookie */
		for (size_t i = 0; i < sizes[k]; i++) {
			uint16_t port = (uint16_t)(20000 + i);

			add(&set, port, 80, SK_ESTABLISHED, port);
			if (i % 7 == k % 7)
				add(&set, port, 80, SK_TIME_WAIT, 0);
		}
		assert_int_equal(tui_model_update(&m, &set, now, NULL), 0);
		now += 1000;
		assert_map(&m, &set);
	}
	sock_set_free(&set);
	tui_model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_follow),
		cmocka_unit_test(t_grow_shrink),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
