// SPDX-License-Identifier: MIT
/*
 * nsenter: the worker pool that enters network namespaces (see nsenter.h).
 * One mutex guards the batch (fds, next index, finished count, results) and
 * the worker slots; workers take the next index, do the job unlocked, and
 * report under the lock.  A worker that cannot setns back marks its slot
 * dead and returns; the submitter joins dead slots and starts replacements
 * while it waits, so a batch finishes as long as one thread can start.
 */
#include "nsenter.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "nsio.h"

/* ---- sockstat ------------------------------------------------------------ */

struct field {
	const char *proto, *key;
	size_t off;
};

#define F(p, k, m) { p, k, offsetof(struct ns_sockstat, m) }
static const struct field fields[] = {
	F("TCP", "inuse", tcp_inuse),         F("TCP", "orphan", tcp_orphan),   F("TCP", "tw", tcp_tw),
	F("TCP", "alloc", tcp_alloc),         F("UDP", "inuse", udp_inuse),     F("UDPLITE", "inuse", udplite_inuse),
	F("RAW", "inuse", raw_inuse),         F("FRAG", "inuse", frag_inuse),   F("TCP6", "inuse", tcp6_inuse),
	F("UDP6", "inuse", udp6_inuse),       F("UDPLITE6", "inuse", udplite6_inuse),
	F("RAW6", "inuse", raw6_inuse),       F("FRAG6", "inuse", frag6_inuse),
};
#undef F

static bool word_eq(const char *s, size_t n, const char *w)
{
	return n == strlen(w) && !memcmp(s, w, n);
}

/* "PROTO: key val key val ..." */
static bool parse_line(const char *l, size_t n, struct ns_sockstat *c)
{
	const char *colon = memchr(l, ':', n);
	size_t plen, i;
	bool known = false;

	if (!colon)
		return false;
	plen = (size_t)(colon - l);
	i = plen + 1;
	while (i < n) {
		const char *k;
		size_t kn;
		unsigned long v = 0;
		bool digits = false, overflow = false;

		while (i < n && l[i] == ' ')
			i++;
		k = l + i;
		while (i < n && l[i] != ' ')
			i++;
		kn = (size_t)(l + i - k);
		while (i < n && l[i] == ' ')
			i++;
		while (i < n && l[i] >= '0' && l[i] <= '9') {
			if (v > (~0UL - 9) / 10)
				overflow = true;
			else
				v = v * 10 + (unsigned long)(l[i] - '0');
			digits = true;
			i++;
		}
		if (!digits || overflow || (i < n && l[i] != ' '))
			return known;
		for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
			if (word_eq(l, plen, fields[f].proto) && word_eq(k, kn, fields[f].key)) {
				*(unsigned long *)((char *)c + fields[f].off) = v;
				known = true;
			}
	}
	return known;
}

int ns_sockstat_parse(const char *buf, size_t len, struct ns_sockstat *c)
{
	size_t start = 0;
	bool any = false;

	while (start < len) {
		const char *nl = memchr(buf + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - buf) : len;

		if (parse_line(buf + start, end - start, c))
			any = true;
		start = end + 1;
	}
	return any ? 0 : -EINVAL;
}

bool ns_sockstat_any(const struct ns_sockstat *c, unsigned kinds)
{
	if (!c->have4 && !c->have6)
		return true; /* unknown: do not skip */
	if ((kinds & NS_KIND_TCP) && (c->tcp_inuse || c->tcp_tw || c->tcp6_inuse))
		return true;
	if ((kinds & NS_KIND_UDP) && (c->udp_inuse || c->udp6_inuse))
		return true;
	if ((kinds & NS_KIND_UDPLITE) && (c->udplite_inuse || c->udplite6_inuse))
		return true;
	if ((kinds & NS_KIND_RAW) && (c->raw_inuse || c->raw6_inuse))
		return true;
	if ((kinds & NS_KIND_FRAG) && (c->frag_inuse || c->frag6_inuse))
		return true;
	return false;
}

static void read_sockstat(const char *proc_root, const char *file, bool *have, struct ns_sockstat *c)
{
	char path[4096];
	size_t len;
	char *buf;

	if (nsio_path(path, sizeof(path), "%s/thread-self/net/%s", proc_root, file) < 0)
		return;
	if (nsio_read_file(AT_FDCWD, path, NS_SOCKSTAT_MAX, NSIO_TRUNCATE, &buf, &len) < 0)
		return;
	if (ns_sockstat_parse(buf, len, c) == 0)
		*have = true;
	free(buf);
}

int nsenter_diag_here(const char *proc_root, int *ret_sock, struct ns_sockstat *ret_counts)
{
	if (!proc_root)
		proc_root = "/proc";
	if (ret_counts) {
		memset(ret_counts, 0, sizeof(*ret_counts));
		read_sockstat(proc_root, "sockstat", &ret_counts->have4, ret_counts);
		read_sockstat(proc_root, "sockstat6", &ret_counts->have6, ret_counts);
	}
	if (ret_sock) {
		int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

		if (fd < 0)
			return -errno;
		*ret_sock = fd;
	}
	return 0;
}

/* ---- pool ---------------------------------------------------------------- */

enum wstate { W_NONE, W_ALIVE, W_DEAD };

struct worker {
	struct ns_pool *p;
	pthread_t th;
	enum wstate state;
};

struct ns_pool {
	pthread_mutex_t mu, run_mu;
	pthread_cond_t work, done;
	unsigned want, alive;
	bool stop;
	struct worker w[NS_POOL_MAX_WORKERS];
	/* the batch */
	const int *fds;
	size_t n, next, finished;
	ns_job_fn fn;
	void *arg;
	int *results, *errs;
	/* config */
	char *proc_root;
	int (*setns_fn)(int fd, int nstype, void *arg);
	void *setns_arg;
	struct ns_pool_stats st;
};

static int do_setns(const struct ns_pool *p, int fd)
{
	if (p->setns_fn)
		return p->setns_fn(fd, CLONE_NEWNET, p->setns_arg);
	return setns(fd, CLONE_NEWNET);
}

enum { J_SAME = 1, J_ENTERED = 2, J_DENIED = 4, J_BROKEN = 8 };

/* Runs job i; returns J_* flags.  Called unlocked. */
static int do_job(struct ns_pool *p, int orig, const struct stat *ost, int nsfd, ns_job_fn fn, void *arg, size_t i,
		  int *ret_result, int *ret_err)
{
	struct stat st;

	*ret_result = 0;
	*ret_err = 0;
	if (fstat(nsfd, &st) < 0) {
		*ret_err = -errno;
		return J_DENIED;
	}
	if (st.st_dev == ost->st_dev && st.st_ino == ost->st_ino) {
		*ret_result = fn(arg, i);
		return J_SAME;
	}
	if (do_setns(p, nsfd) < 0) {
		*ret_err = -errno;
		return J_DENIED;
	}
	*ret_result = fn(arg, i);
	if (do_setns(p, orig) < 0)
		return J_ENTERED | J_BROKEN;
	return J_ENTERED;
}

static void *worker_main(void *data)
{
	struct worker *w = data;
	struct ns_pool *p = w->p;
	char path[4096];
	struct stat ost;
	int orig = -1;

	if (nsio_path(path, sizeof(path), "%s/thread-self/ns/net", p->proc_root) == 0)
		orig = open(path, O_RDONLY | O_CLOEXEC);
	if (orig < 0 || fstat(orig, &ost) < 0) {
		/* without a way back this thread must never setns */
		if (orig >= 0)
			close(orig);
		pthread_mutex_lock(&p->mu);
		w->state = W_DEAD;
		p->alive--;
		pthread_cond_broadcast(&p->done);
		pthread_mutex_unlock(&p->mu);
		return NULL;
	}
	pthread_mutex_lock(&p->mu);
	for (;;) {
		int nsfd, result, err, flags;
		ns_job_fn fn;
		void *arg;
		size_t i;

		while (!p->stop && !(p->fds && p->next < p->n))
			pthread_cond_wait(&p->work, &p->mu);
		if (p->stop)
			break;
		i = p->next++;
		nsfd = p->fds[i];
		fn = p->fn;
		arg = p->arg;
		pthread_mutex_unlock(&p->mu);

		flags = do_job(p, orig, &ost, nsfd, fn, arg, i, &result, &err);

		pthread_mutex_lock(&p->mu);
		if (p->results)
			p->results[i] = result;
		if (p->errs)
			p->errs[i] = err;
		p->st.jobs++;
		if (flags & J_SAME)
			p->st.same_ns++;
		if (flags & J_ENTERED)
			p->st.entered++;
		if (flags & J_DENIED)
			p->st.denied++;
		if (++p->finished == p->n)
			pthread_cond_broadcast(&p->done);
		if (flags & J_BROKEN) {
			p->st.broken++;
			w->state = W_DEAD;
			p->alive--;
			pthread_cond_broadcast(&p->done);
			break;
		}
	}
	pthread_mutex_unlock(&p->mu);
	close(orig);
	return NULL;
}

/* Joins dead workers and starts workers until `want` are alive.  Locked.
 * Returns the number started. */
static unsigned refill(struct ns_pool *p)
{
	unsigned started = 0;

	for (unsigned k = 0; k < p->want; k++) {
		struct worker *w = &p->w[k];

		if (w->state == W_DEAD) {
			pthread_join(w->th, NULL);
			w->state = W_NONE;
		}
		if (w->state == W_NONE && !p->stop) {
			w->p = p;
			if (pthread_create(&w->th, NULL, worker_main, w) != 0)
				continue;
			w->state = W_ALIVE;
			p->alive++;
			p->st.spawned++;
			started++;
		}
	}
	return started;
}

int ns_pool_new(const struct ns_pool_opts *o, struct ns_pool **ret)
{
	struct ns_pool *p = calloc(1, sizeof(*p));
	long ncpu;

	if (!p)
		return -ENOMEM;
	p->proc_root = strdup(o && o->proc_root ? o->proc_root : "/proc");
	if (!p->proc_root) {
		free(p);
		return -ENOMEM;
	}
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	p->want = o && o->workers ? o->workers : (ncpu > 0 ? (unsigned)ncpu : 2);
	if (p->want < 2 && !(o && o->workers))
		p->want = 2;
	if (p->want > NS_POOL_MAX_WORKERS)
		p->want = NS_POOL_MAX_WORKERS;
	if (o) {
		p->setns_fn = o->setns_fn;
		p->setns_arg = o->setns_arg;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_mutex_init(&p->run_mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	pthread_mutex_lock(&p->mu);
	refill(p);
	pthread_mutex_unlock(&p->mu);
	if (p->st.spawned == 0) {
		ns_pool_free(p);
		return -EAGAIN;
	}
	*ret = p;
	return 0;
}

void ns_pool_free(struct ns_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (unsigned k = 0; k < NS_POOL_MAX_WORKERS; k++)
		if (p->w[k].state != W_NONE)
			pthread_join(p->w[k].th, NULL);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->mu);
	pthread_mutex_destroy(&p->run_mu);
	free(p->proc_root);
	free(p);
}

const struct ns_pool_stats *ns_pool_stats(const struct ns_pool *p)
{
	return &p->st;
}

int ns_pool_run_many(struct ns_pool *p, const int *nsfds, size_t n, ns_job_fn fn, void *arg, int *results,
		     int *enter_errs)
{
	size_t last_finished = 0;
	unsigned tries = 0;
	int r = 0;

	if (n == 0)
		return 0;
	if (!nsfds || !fn)
		return -EINVAL;
	pthread_mutex_lock(&p->run_mu);
	pthread_mutex_lock(&p->mu);
	p->fds = nsfds;
	p->n = n;
	p->next = 0;
	p->finished = 0;
	p->fn = fn;
	p->arg = arg;
	p->results = results;
	p->errs = enter_errs;
	pthread_cond_broadcast(&p->work);
	while (p->finished < p->n) {
		if (p->finished != last_finished) {
			last_finished = p->finished;
			tries = 0;
		}
		if (p->alive < p->want) {
			refill(p);
			/* workers that die at start (no way back) make no progress */
			if (p->alive == 0 || ++tries > 64) {
				/* nobody can run the rest */
				for (size_t i = p->next; i < p->n; i++) {
					if (results)
						results[i] = 0;
					if (enter_errs)
						enter_errs[i] = -EAGAIN;
				}
				r = -EAGAIN;
				break;
			}
			pthread_cond_broadcast(&p->work);
		}
		pthread_cond_wait(&p->done, &p->mu);
	}
	p->fds = NULL;
	p->n = p->next = p->finished = 0;
	p->results = p->errs = NULL;
	pthread_mutex_unlock(&p->mu);
	pthread_mutex_unlock(&p->run_mu);
	return r;
}

int ns_pool_run(struct ns_pool *p, int nsfd, ns_job_fn fn, void *arg, bool *ret_entered)
{
	int result = 0, err = 0, r;

	r = ns_pool_run_many(p, &nsfd, 1, fn, arg, &result, &err);
	if (r < 0)
		err = r;
	if (ret_entered)
		*ret_entered = err == 0;
	return err ? err : result;
}

struct diag_job {
	const char *proc_root;
	int sock;
	struct ns_sockstat counts;
};

static int diag_job(void *arg, size_t i)
{
	struct diag_job *j = arg;

	(void)i;
	return nsenter_diag_here(j->proc_root, &j->sock, &j->counts);
}

int nsenter_open_diag(struct ns_pool *p, int nsfd, int *ret_sock, struct ns_sockstat *ret_counts)
{
	struct diag_job j = { p->proc_root, -1, { 0 } };
	bool entered;
	int r;

	r = ns_pool_run(p, nsfd, diag_job, &j, &entered);
	if (r < 0)
		return r;
	if (ret_sock)
		*ret_sock = j.sock;
	else
		close(j.sock);
	if (ret_counts)
		*ret_counts = j.counts;
	return 0;
}
