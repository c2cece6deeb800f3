// SPDX-License-Identifier: MIT
/*
 * Unit tests for nsenter and nsdisc that need no privilege: the sockstat
 * parser on captured kernel text and hostile lines, the gate, the worker
 * pool driven by a fake setns (jobs spread over workers, a refused entry
 * reported as such, workers that cannot get back replaced and never reused,
 * a pool whose every worker breaks still finishing its batch), the own
 * namespace entered without setns, and discovery of at least the own
 * namespace with its fd kept open.  Threads are told apart by their tid,
 * which the kernel does not hand out again soon (pthread_t values are).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nsdisc.h"
#include "nsenter.h"

static const char SOCKSTAT[] = "sockets: used 291\n"
			       "TCP: inuse 7 orphan 1 tw 3 alloc 12 mem 2\n"
			       "UDP: inuse 2 mem 4\n"
			       "UDPLITE: inuse 0\n"
			       "RAW: inuse 1\n"
			       "FRAG: inuse 0 memory 0\n";
static const char SOCKSTAT6[] = "TCP6: inuse 4\nUDP6: inuse 1\nUDPLITE6: inuse 0\nRAW6: inuse 0\nFRAG6: inuse 0 memory 0\n";

static void t_sockstat(void **state)
{
	struct ns_sockstat c;
	const char *s;

	memset(&c, 0, sizeof(c));
	assert_int_equal(ns_sockstat_parse(SOCKSTAT, strlen(SOCKSTAT), &c), 0);
	assert_int_equal(ns_sockstat_parse(SOCKSTAT6, strlen(SOCKSTAT6), &c), 0);
	c.have4 = c.have6 = true;
	assert_int_equal(c.tcp_inuse, 7);
	assert_int_equal(c.tcp_orphan, 1);
	assert_int_equal(c.tcp_tw, 3);
	assert_int_equal(c.tcp_alloc, 12);
	assert_int_equal(c.udp_inuse, 2);
	assert_int_equal(c.raw_inuse, 1);
	assert_int_equal(c.tcp6_inuse, 4);
	assert_int_equal(c.udp6_inuse, 1);
	assert_true(ns_sockstat_any(&c, NS_KIND_TCP));
	assert_true(ns_sockstat_any(&c, NS_KIND_UDP));
	assert_false(ns_sockstat_any(&c, NS_KIND_UDPLITE | NS_KIND_FRAG));

	memset(&c, 0, sizeof(c));
	assert_true(ns_sockstat_any(&c, NS_KIND_TCP)); /* unknown: never skipped */
	s = "TCP: inuse 0 orphan 0 tw 0 alloc 0 mem 0\n";
	assert_int_equal(ns_sockstat_parse(s, strlen(s), &c), 0);
	c.have4 = true;
	assert_false(ns_sockstat_any(&c, NS_KIND_TCP));
	s = "TCP: inuse 0 orphan 0 tw 1 alloc 0 mem 0\n";
	assert_int_equal(ns_sockstat_parse(s, strlen(s), &c), 0);
	assert_true(ns_sockstat_any(&c, NS_KIND_TCP)); /* TIME-WAIT only */

	memset(&c, 0, sizeof(c));
	s = "TCP: inuse 99999999999999999999999999 tw 5\n";
	assert_int_equal(ns_sockstat_parse(s, strlen(s), &c), -EINVAL);
	assert_int_equal(c.tcp_inuse, 0);
	s = "garbage\n\n:::\nTCP:\nTCP: inuse\nTCP: inuse x\n";
	assert_int_equal(ns_sockstat_parse(s, strlen(s), &c), -EINVAL);
	s = "TCP: inuse 5x\n";
	assert_int_equal(ns_sockstat_parse(s, strlen(s), &c), -EINVAL);
	s = "UDP: inuse 5";
	assert_int_equal(ns_sockstat_parse(s, strlen(s), &c), 0);
	assert_int_equal(c.udp_inuse, 5);
}

/* The fake setns: entering fd_ok succeeds, fd_eperm is refused, and the
 * first `break_back` calls to get back fail. */
struct fake {
	int fd_ok, fd_eperm;
	atomic_int break_back, enters, backs;
};

static int fake_setns(int fd, int nstype, void *arg)
{
	struct fake *f = arg;

	(void)nstype;
	if (fd == f->fd_ok) {
		atomic_fetch_add(&f->enters, 1);
		return 0;
	}
	if (fd == f->fd_eperm) {
		errno = EPERM;
		return -1;
	}
	atomic_fetch_add(&f->backs, 1);
	if (atomic_fetch_sub(&f->break_back, 1) > 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

struct rec {
	pthread_mutex_t mu;
	pid_t who[256];
	atomic_int ran;
};

static int job(void *arg, size_t i)
{
	struct rec *r = arg;

	pthread_mutex_lock(&r->mu);
	r->who[i] = gettid();
	pthread_mutex_unlock(&r->mu);
	atomic_fetch_add(&r->ran, 1);
	usleep(200);
	return (int)i + 1;
}

static int open_tmp(void)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/nsenter-test.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	fd = mkstemp(p);
	if (fd >= 0)
		unlink(p);
	return fd;
}

static void t_pool(void **state)
{
	struct fake f = { .fd_ok = open_tmp(), .fd_eperm = open_tmp() };
	struct rec *r = calloc(1, sizeof(*r));
	int fds[200], res[200], errs[200];
	struct ns_pool *p;
	const struct ns_pool_stats *st;

	assert_non_null(r);
	if (!r)
		return;
	pthread_mutex_init(&r->mu, NULL);
	assert_true(f.fd_ok >= 0 && f.fd_eperm >= 0);
	atomic_store(&f.break_back, 3);
	assert_int_equal(ns_pool_new(&(struct ns_pool_opts){ .workers = 3, .setns_fn = fake_setns, .setns_arg = &f },
				     &p),
			 0);
	for (int i = 0; i < 200; i++)
		fds[i] = i % 10 == 9 ? f.fd_eperm : f.fd_ok;
	assert_int_equal(ns_pool_run_many(p, fds, 200, job, r, res, errs), 0);
	for (int i = 0; i < 200; i++) {
		if (i % 10 == 9) {
			assert_int_equal(errs[i], -EPERM);
			assert_int_equal(res[i], 0);
		} else {
			assert_int_equal(errs[i], 0);
			assert_int_equal(res[i], i + 1);
		}
	}
	assert_int_equal(atomic_load(&r->ran), 180);
	st = ns_pool_stats(p);
	assert_int_equal(st->jobs, 200);
	assert_int_equal(st->entered, 180);
	assert_int_equal(st->denied, 20);
	assert_int_equal(st->broken, 3);
	assert_true(st->spawned >= 3 + 3);
	/* a thread that broke ran exactly one job: never reused */
	{
		int broken_seen = 0;

		for (int i = 0; i < 200; i++) {
			int same = 0;

			if (i % 10 == 9)
				continue;
			for (int k = 0; k < 200; k++)
				if (k % 10 != 9 && r->who[i] == r->who[k])
					same++;
			if (same == 1)
				broken_seen++;
		}
		assert_true(broken_seen >= 3);
	}
	/* one job, and the open_diag form with a refused entry */
	{
		bool entered = true;
		int sock = -1;
		struct ns_sockstat c;

		assert_int_equal(ns_pool_run(p, f.fd_ok, job, r, &entered), 1);
		assert_true(entered);
		assert_int_equal(ns_pool_run(p, f.fd_eperm, job, r, &entered), -EPERM);
		assert_false(entered);
		assert_int_equal(nsenter_open_diag(p, f.fd_eperm, &sock, &c), -EPERM);
		assert_int_equal(sock, -1);
		assert_int_equal(ns_pool_run(p, -1, job, r, &entered), -EBADF);
	}
	ns_pool_free(p);

	/* every worker breaks on every job: the batch still finishes */
	atomic_store(&f.break_back, 1000);
	assert_int_equal(ns_pool_new(&(struct ns_pool_opts){ .workers = 2, .setns_fn = fake_setns, .setns_arg = &f },
				     &p),
			 0);
	assert_int_equal(ns_pool_run_many(p, fds, 50, job, r, res, errs), 0);
	assert_int_equal(ns_pool_stats(p)->broken, 45);
	ns_pool_free(p);
	close(f.fd_ok);
	close(f.fd_eperm);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

static void t_own_ns(void **state)
{
	struct ns_pool *p;
	struct ns_sockstat c;
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), sock = -1;

	assert_true(self >= 0);
	/* the real setns: the own namespace needs none, so this works unprivileged */
	assert_int_equal(ns_pool_new(NULL, &p), 0);
	assert_int_equal(nsenter_open_diag(p, self, &sock, &c), 0);
	assert_true(sock >= 0);
	assert_true(c.have4);
	assert_int_equal(ns_pool_stats(p)->same_ns, 1);
	assert_int_equal(ns_pool_stats(p)->entered, 0);
	close(sock);
	ns_pool_free(p);
	close(self);
}

static void t_discover_self(void **state)
{
	struct nsdisc *d;
	struct stat st;
	int fd;

	assert_int_equal(nsdisc_scan(&(struct nsdisc_opts){ .skip_fds = true, .no_raise_rlimit = true }, &d), 0);
	assert_true(d->n >= 1);
	assert_true(d->ns[0].src & NSDISC_SELF);
	assert_true(d->ns[0].fd >= 0);
	assert_int_equal(stat("/proc/self/ns/net", &st), 0);
	assert_int_equal(nsdisc_find(d, st.st_dev, st.st_ino), 0);
	assert_int_equal(nsdisc_open(d, 0, &fd), 0);
	assert_int_equal(fd, d->ns[0].fd);
	assert_true(d->ns[0].pid > 0); /* some process shares it: we do */
	assert_true(d->ns[0].procnet_ino != 0);
	assert_int_equal(nsdisc_open(d, d->n, &fd), -EINVAL);
	for (size_t i = 0; i < d->n; i++)
		assert_true(d->ns[i].label[0] != '\0');
	nsdisc_free(d);
	/* a proc root with nothing in it */
	assert_true(nsdisc_scan(&(struct nsdisc_opts){ .proc_root = "/nonexistent" }, &d) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_sockstat),
		cmocka_unit_test(t_pool),
		cmocka_unit_test(t_own_ns),
		cmocka_unit_test(t_discover_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
