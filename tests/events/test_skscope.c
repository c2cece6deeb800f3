// SPDX-License-Identifier: MIT
/*
 * Unit tests for skscope, the per-socket verdicts of tracepoint events for
 * one namespace: the task's namespace in process context (this test's own,
 * and another made up), softirq events inheriting the verdict of the
 * socket's first transition, a listener's children, listeners learnt from
 * listen(), a new life at a reused address starting afresh, CLOSE forgetting
 * the socket, the unscoped map, and a flood of sockets from elsewhere that
 * fills the map without costing the namespace's own sockets their verdict.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "skscope.h"
#include "states.h"

static dev_t own_dev;
static ino_t own_ino;

static struct sock_event ev(uint64_t sk, int o, int n, uint16_t lp, bool softirq)
{
	struct sock_event e;

	memset(&e, 0, sizeof(e));
	e.skaddr = sk;
	e.family = AF_INET;
	e.protocol = 6;
	e.old_state = (uint8_t)o;
	e.new_state = (uint8_t)n;
	e.saddr[0] = 127;
	e.saddr[3] = 1;
	e.sport = lp;
	e.dport = 4000;
	e.softirq = softirq;
	/* in softirq whoever ran: pid 1 here, never the owner */
	e.pid = softirq ? 1 : (uint32_t)getpid();
	e.tid = e.pid;
	return e;
}

static int setup(void **state)
{
	struct stat st;

	(void)state;
	if (stat("/proc/self/ns/net", &st) < 0)
		return -1;
	own_dev = st.st_dev;
	own_ino = st.st_ino;
	return 0;
}

static void t_task_and_softirq(void **state)
{
	struct skscope *s;
	struct skscope_entry *e;
	struct sock_event a;

	(void)state;
	assert_int_equal(skscope_new(&s, true, own_dev, own_ino), 0);
	a = ev(0x1000, SK_CLOSE, SK_SYN_SENT, 0, false);
	e = skscope_lookup(s, &a);
	assert_non_null(e);
	assert_int_equal(e->ns, 1);
	assert_int_equal(e->pid, (uint32_t)getpid());
	skscope_done(s, e, &a);
	/* later transitions in softirq keep the verdict and the owner */
	a = ev(0x1000, SK_SYN_SENT, SK_ESTABLISHED, 5000, true);
	e = skscope_lookup(s, &a);
	assert_int_equal(e->ns, 1);
	assert_int_equal(e->pid, (uint32_t)getpid());
	e->id = 7;
	skscope_done(s, e, &a);
	/* the CLOSE forgets it: the next lookup of the address is a fresh entry */
	a = ev(0x1000, SK_FIN_WAIT2, SK_CLOSE, 5000, true);
	e = skscope_lookup(s, &a);
	assert_int_equal(e->id, 7);
	skscope_done(s, e, &a);
	a = ev(0x1000, SK_ESTABLISHED, SK_FIN_WAIT1, 5000, true);
	e = skscope_lookup(s, &a);
	assert_int_equal(e->ns, 0); /* softirq, never seen: unknown */
	assert_int_equal(e->id, 0);
	assert_int_equal(e->pid, 0);
	skscope_free(s);
}

static void t_elsewhere(void **state)
{
	struct skscope *s;
	struct skscope_entry *e;
	struct sock_event a;

	(void)state;
	/* a made-up namespace: our own task is elsewhere */
	assert_int_equal(skscope_new(&s, true, own_dev, own_ino + 1), 0);
	a = ev(0x2000, SK_CLOSE, SK_SYN_SENT, 0, false);
	e = skscope_lookup(s, &a);
	assert_int_equal(e->ns, -1);
	skscope_done(s, e, &a);
	/* a new life at the same address starts afresh: here a listener's child
	 * in softirq, unknown until a listener of the namespace is known */
	a = ev(0x2000, SK_LISTEN, SK_SYN_RECV, 8080, true);
	e = skscope_lookup(s, &a);
	assert_int_equal(e->ns, 0);
	skscope_done(s, e, &a);
	skscope_add_listener(s, AF_INET, (const uint8_t[16]){0}, 8080); /* 0.0.0.0:8080 */
	a = ev(0x3000, SK_LISTEN, SK_SYN_RECV, 8080, true);
	e = skscope_lookup(s, &a);
	assert_int_equal(e->ns, 1);
	assert_true(skscope_listener_match(s, &a));
	a.sport = 8081;
	assert_false(skscope_listener_match(s, &a));
	skscope_free(s);
}

static void t_listen_learnt(void **state)
{
	struct skscope *s;
	struct skscope_entry *e;
	struct sock_event a;

	(void)state;
	assert_int_equal(skscope_new(&s, true, own_dev, own_ino), 0);
	a = ev(0x4000, SK_CLOSE, SK_LISTEN, 9090, false);
	e = skscope_lookup(s, &a);
	assert_int_equal(e->ns, 1);
	skscope_done(s, e, &a);
	/* its child, in softirq (pid 1 ran), is ours */
	a = ev(0x5000, SK_KERNEL_NEW_SYN_RECV, SK_ESTABLISHED, 9090, true);
	e = skscope_lookup(s, &a);
	assert_int_equal(e->ns, 1);
	skscope_free(s);
}

static void t_unscoped(void **state)
{
	struct skscope *s;
	struct skscope_entry *e;
	struct sock_event a;

	(void)state;
	assert_int_equal(skscope_new(&s, false, 0, 0), 0);
	a = ev(0x6000, SK_CLOSE, SK_SYN_SENT, 0, false);
	e = skscope_lookup(s, &a);
	assert_int_equal(e->ns, 0); /* no verdicts */
	assert_int_equal(e->pid, (uint32_t)getpid());
	a.skaddr = 0;
	assert_null(skscope_lookup(s, &a));
	/* more sockets than the map holds: it starts again, never fails */
	for (uint64_t k = 1; k <= 200000; k++) {
		a = ev(k << 6, SK_CLOSE, SK_SYN_SENT, 0, true);
		assert_non_null(skscope_lookup(s, &a));
	}
	skscope_free(s);
}

static void t_flood_keeps_ours(void **state)
{
	struct skscope *s;
	struct skscope_entry *e;
	struct sock_event a;

	(void)state;
	assert_int_equal(skscope_new(&s, true, own_dev, own_ino), 0);
	for (uint64_t k = 1; k <= 1000; k++) { /* ours, opened in process context */
		a = ev(k << 8, SK_CLOSE, SK_SYN_SENT, 0, false);
		assert_int_equal(skscope_lookup(s, &a)->ns, 1);
	}
	for (uint64_t k = 1; k <= 200000; k++) { /* unknown ones (softirq), never closed */
		a = ev((k << 8) | 0x80, SK_SYN_SENT, SK_ESTABLISHED, 1, true);
		assert_non_null(skscope_lookup(s, &a));
	}
	for (uint64_t k = 1; k <= 1000; k++) { /* ours keep their verdict */
		a = ev(k << 8, SK_SYN_SENT, SK_ESTABLISHED, 1, true);
		e = skscope_lookup(s, &a);
		assert_int_equal(e->ns, 1);
	}
	skscope_free(s);
}

static void t_task_in_ns(void **state)
{
	(void)state;
	assert_int_equal(skscope_task_in_ns((uint32_t)getpid(), (uint32_t)getpid(), own_dev, own_ino), 1);
	assert_int_equal(skscope_task_in_ns((uint32_t)getpid(), 0, own_dev, own_ino + 1), -1);
	/* a thread gone: its process decides */
	assert_int_equal(skscope_task_in_ns((uint32_t)getpid(), 0x7ffffffe, own_dev, own_ino), 1);
	/* a process gone: unknown */
	assert_int_equal(skscope_task_in_ns(0x7ffffffe, 0x7ffffffe, own_dev, own_ino), 0);
	assert_true(skscope_starts_life(&(struct sock_event){.old_state = SK_CLOSE, .new_state = SK_SYN_SENT}));
	assert_false(skscope_starts_life(&(struct sock_event){.old_state = SK_SYN_SENT, .new_state = SK_CLOSE}));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_task_and_softirq), cmocka_unit_test(t_elsewhere),
		cmocka_unit_test(t_listen_learnt),    cmocka_unit_test(t_unscoped),
		cmocka_unit_test(t_flood_keeps_ours), cmocka_unit_test(t_task_in_ns),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
