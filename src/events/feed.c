// SPDX-License-Identifier: MIT
/*
 * feed: the event sources drained on a thread, as counters (see feed.h).
 * One mutex guards everything the thread writes; the thread takes it once a
 * record, the readers once a call.  The thread blocks every signal so that
 * the caller's handlers (SIGINT, SIGWINCH) run on the caller's thread.
 */
#include "feed.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "destroy.h"
#include "skscope.h"
#include "kind.h"
#include "sock.h"
#include "states.h"
#include "tp_source.h"

#define DRAIN_MS 100
#define MERGE_WINDOW_NS 1000000000ULL

struct feed {
	struct feed_opts o;
	pthread_mutex_t mu;
	pthread_t thread;
	bool started;
	atomic_bool stop;
	int err; /* the thread's, under mu */
	enum feed_source src;
	struct tp_source *tp;
	struct destroy_source *ds;
	struct lt_tracker *lt;
	struct feed_stats st;
	uint64_t pairs[FEED_NSTATES][FEED_NSTATES];
	/* recently closed: a ring of recent_max, rhead the next slot */
	struct sock_lifetime *recent;
	size_t rhead, rlen;
	struct feed_dest *dests;
	size_t ndest;
	/* scope */
	struct skscope *sc; /* FEED_SCOPE_NETNS */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

const char *feed_source_name(enum feed_source s)
{
	switch (s) {
	case FEED_SRC_TRACEPOINT:
		return "tracepoint";
	case FEED_SRC_DESTROY:
		return "destroy";
	case FEED_SRC_NONE:
		break;
	}
	return "none";
}

const char *feed_reader_name(const struct feed *f)
{
	return f && f->tp ? tp_reader_name(f->tp) : "none";
}

/* ---- the scope ------------------------------------------------------------ */

/* 1: count the event, 0: leave it out. */
static int in_scope(struct feed *f, const struct sock_event *ev)
{
	struct skscope_entry *e;
	int in;

	if (f->o.scope != FEED_SCOPE_NETNS)
		return 1;
	e = skscope_lookup(f->sc, ev);
	if (!e)
		return 0;
	in = e->ns > 0;
	if (!e->ns)
		f->st.unattributed++;
	skscope_done(f->sc, e, ev);
	return in;
}

/* ---- what a finished connection adds --------------------------------------- */

static struct feed_dest *dest_get(struct feed *f, const struct sock_lifetime *lt)
{
	struct feed_dest *d, *oldest = NULL;

	for (size_t i = 0; i < f->ndest; i++) {
		d = &f->dests[i];
		if (d->port == lt->rport && d->family == lt->family && !memcmp(d->addr, lt->raddr, 16))
			return d;
		if (!oldest || d->last_ns < oldest->last_ns)
			oldest = d;
	}
	if (f->ndest < f->o.dest_max) {
		d = &f->dests[f->ndest++];
	} else {
		d = oldest;
		f->st.dest_evicted++;
	}
	if (!d)
		return NULL; /* dest_max 0 */
	memset(d, 0, sizeof(*d));
	d->family = lt->family;
	memcpy(d->addr, lt->raddr, 16);
	d->port = lt->rport;
	return d;
}

static int lifetime_sink(void *arg, const struct sock_lifetime *lt)
{
	struct feed *f = arg;

	f->st.closed++;
	if ((unsigned)lt->end <= LT_END_NEVER_ESTABLISHED)
		f->st.ends[lt->end]++;
	if ((unsigned)lt->closer <= LT_CLOSER_SIMULTANEOUS)
		f->st.closers[lt->closer]++;
	f->recent[f->rhead] = *lt;
	f->rhead = (f->rhead + 1) % f->o.recent_max;
	if (f->rlen < f->o.recent_max)
		f->rlen++;
	if (lt->opener == LT_OPENER_ACTIVE && lt->rport && f->o.dest_max) {
		struct feed_dest *d = dest_get(f, lt);

		if (!d)
			return 0;

		d->attempts++;
		d->established += lt->established;
		d->refused += lt->end == LT_END_REFUSED;
		d->timeout += lt->end == LT_END_TIMEOUT;
		d->active_closed += lt->established &&
				    (lt->closer == LT_CLOSER_ACTIVE || lt->closer == LT_CLOSER_SIMULTANEOUS);
		d->last_ns = lt->close_ns;
	}
	return 0;
}

static int ingest_event_locked(struct feed *f, const struct sock_event *ev)
{
	if (ev->protocol != IPPROTO_TCP)
		return 0;
	if (!in_scope(f, ev))
		return 0;
	f->st.events++;
	if (ev->old_state < FEED_NSTATES && ev->new_state < FEED_NSTATES)
		f->pairs[ev->old_state][ev->new_state]++;
	if (ev->old_state == SK_CLOSE && ev->new_state == SK_SYN_SENT)
		f->st.opened_active++;
	else if (ev->new_state == SK_ESTABLISHED &&
		 (ev->old_state == SK_SYN_RECV || ev->old_state == SK_KERNEL_NEW_SYN_RECV))
		f->st.opened_passive++;
	return lt_feed(f->lt, ev, NULL, lifetime_sink, f);
}

static int ingest_destroy_locked(struct feed *f, const struct sock_destroy *d)
{
	struct sock_lifetime lt;

	if (d->protocol != IPPROTO_TCP)
		return 0;
	if (f->src == FEED_SRC_TRACEPOINT)
		return lt_feed_destroy(f->lt, d, lifetime_sink, f);
	/* the destroy groups alone: one close, the final state, the final counters */
	f->st.events++;
	if (d->state < FEED_NSTATES)
		f->pairs[d->state][SK_CLOSE] += d->state != SK_CLOSE;
	memset(&lt, 0, sizeof(lt));
	lt.close_ns = d->time_ns;
	lt.family = d->family;
	lt.protocol = d->protocol;
	memcpy(lt.laddr, d->saddr, 16);
	memcpy(lt.raddr, d->daddr, 16);
	lt.lport = d->sport;
	lt.rport = d->dport;
	lt.states[0] = d->state;
	lt.nstates = 1;
	lt.has_tcp_info = (d->have & SD_HAVE_BYTES) && (d->have & SD_HAVE_SENT);
	lt.cookie = d->cookie;
	lt.bytes_acked = d->bytes_acked;
	lt.bytes_received = d->bytes_received;
	lt.bytes_sent = d->bytes_sent;
	lt.bytes_retrans = d->bytes_retrans;
	lt.total_retrans = d->total_retrans;
	lt.segs_in = d->segs_in;
	lt.segs_out = d->segs_out;
	return lifetime_sink(f, &lt);
}

int feed_ingest_event(struct feed *f, const struct sock_event *ev)
{
	int r;

	pthread_mutex_lock(&f->mu);
	r = ingest_event_locked(f, ev);
	pthread_mutex_unlock(&f->mu);
	return r;
}

int feed_ingest_destroy(struct feed *f, const struct sock_destroy *d)
{
	int r;

	pthread_mutex_lock(&f->mu);
	r = ingest_destroy_locked(f, d);
	pthread_mutex_unlock(&f->mu);
	return r;
}

int feed_tick(struct feed *f, uint64_t now_ns)
{
	struct lt_stats ls;
	int r;

	pthread_mutex_lock(&f->mu);
	r = lt_tick(f->lt, now_ns, lifetime_sink, f);
	lt_get_stats(f->lt, &ls);
	f->st.evicted = ls.evicted;
	pthread_mutex_unlock(&f->mu);
	return r;
}

/* ---- life cycle ------------------------------------------------------------- */

int feed_new(struct feed **ret, const struct feed_opts *o)
{
	struct feed *f = calloc(1, sizeof(*f));
	struct lt_opts lo = {0};
	struct stat st;
	int r;

	*ret = NULL;
	if (!f)
		return -ENOMEM;
	f->o = *o;
	if (!f->o.recent_max)
		f->o.recent_max = 64;
	if (!f->o.dest_max)
		f->o.dest_max = 256;
	f->recent = calloc(f->o.recent_max, sizeof(*f->recent));
	f->dests = calloc(f->o.dest_max, sizeof(*f->dests));
	if (!f->recent || !f->dests) {
		r = -ENOMEM;
		goto fail;
	}
	if (o->scope == FEED_SCOPE_NETNS) {
		if ((o->netns_fd >= 0 ? fstat(o->netns_fd, &st) : stat("/proc/self/ns/net", &st)) < 0) {
			r = errno ? -errno : -EIO;
			goto fail;
		}
		if ((r = skscope_new(&f->sc, true, st.st_dev, st.st_ino)) < 0)
			goto fail;
	}
	lo.max_conns = o->max_conns;
	lo.merge_window_ns = o->merge_destroy ? MERGE_WINDOW_NS : 0;
	r = lt_new(&f->lt, &lo);
	if (r < 0)
		goto fail;
	r = pthread_mutex_init(&f->mu, NULL);
	if (r) {
		lt_free(f->lt);
		r = -r;
		goto fail;
	}
	f->st.since_ns = mono_ns();
	*ret = f;
	return 0;
fail:
	free(f->recent);
	free(f->dests);
	skscope_free(f->sc);
	free(f);
	return r;
}

int feed_open(struct feed **ret, const struct feed_opts *o, char *err, size_t errlen)
{
	struct feed *f;
	char why[512] = "";
	int r;

	if (errlen)
		err[0] = 0;
	r = feed_new(&f, o);
	if (r < 0 || !f) {
		r = r < 0 ? r : -ENOMEM;
		snprintf(err, errlen, "%s", strerror(-r));
		return r;
	}
	if (o->want == FEED_SRC_NONE || o->want == FEED_SRC_TRACEPOINT) {
		struct tp_opts to = {.allow_mount = o->allow_mount, .reader = (enum tp_reader)o->tp_reader};

		r = tp_open(&f->tp, &to, why, sizeof(why));
		if (r == 0)
			f->src = FEED_SRC_TRACEPOINT;
		else if (o->want == FEED_SRC_TRACEPOINT)
			goto fail;
	}
	if (!f->tp || o->merge_destroy) {
		struct destroy_opts dop = {.netns_fd = o->scope == FEED_SCOPE_NETNS ? o->netns_fd : -1};
		char dwhy[256];

		r = destroy_open(&f->ds, &dop, dwhy, sizeof(dwhy));
		if (r == 0 && !f->tp) {
			f->src = FEED_SRC_DESTROY;
		} else if (r < 0 && !f->tp) {
			snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s%s", why[0] ? "; " : "", dwhy);
			goto fail;
		} else if (r < 0) {
			snprintf(err, errlen, "no bytes in lifetimes: %s", dwhy);
			f->o.merge_destroy = false;
		}
	}
	if (f->src == FEED_SRC_DESTROY && why[0])
		snprintf(err, errlen, "%s; using the destroy groups (closes only)", why);
	*ret = f;
	return 0;
fail:
	snprintf(err, errlen, "%s", why[0] ? why : strerror(-r));
	feed_close(f);
	return r < 0 ? r : -ENOENT;
}

static int tp_sink(void *arg, const struct sock_event *ev)
{
	return feed_ingest_event(arg, ev);
}

static int ds_sink(void *arg, const struct sock_destroy *d)
{
	return feed_ingest_destroy(arg, d);
}

static void *drain(void *arg)
{
	struct feed *f = arg;
	sigset_t all;
	int r = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	while (!atomic_load(&f->stop)) {
		if (f->tp) {
			r = tp_poll(f->tp, DRAIN_MS, tp_sink, f);
			if (r >= 0 || r == -EINTR) {
				pthread_mutex_lock(&f->mu);
				f->st.lost = tp_lost(f->tp);
				f->st.throttled = tp_throttled(f->tp);
				pthread_mutex_unlock(&f->mu);
			}
			if ((r >= 0 || r == -EINTR) && f->ds)
				r = destroy_poll(f->ds, 0, ds_sink, f);
			if (r >= 0 || r == -EINTR)
				r = feed_tick(f, mono_ns());
		} else {
			r = destroy_poll(f->ds, DRAIN_MS, ds_sink, f);
		}
		if (f->ds) {
			pthread_mutex_lock(&f->mu);
			f->st.overruns = destroy_overruns(f->ds);
			pthread_mutex_unlock(&f->mu);
		}
		if (r < 0 && r != -EINTR) {
			pthread_mutex_lock(&f->mu);
			f->err = r;
			pthread_mutex_unlock(&f->mu);
			break;
		}
	}
	return NULL;
}

int feed_start(struct feed *f)
{
	int r;

	if (f->started || (!f->tp && !f->ds))
		return -EINVAL;
	atomic_store(&f->stop, false);
	r = pthread_create(&f->thread, NULL, drain, f);
	if (r)
		return -r;
	f->started = true;
	return 0;
}

int feed_stop(struct feed *f)
{
	int r = 0;

	if (f->started) {
		atomic_store(&f->stop, true);
		pthread_join(f->thread, NULL);
		f->started = false;
	}
	if (f->tp) {
		r = tp_poll(f->tp, 0, tp_sink, f);
		if (r >= 0)
			r = tp_flush(f->tp, tp_sink, f);
		pthread_mutex_lock(&f->mu);
		f->st.lost = tp_lost(f->tp);
		f->st.throttled = tp_throttled(f->tp);
		pthread_mutex_unlock(&f->mu);
	}
	if (f->ds && r >= 0)
		r = destroy_poll(f->ds, 0, ds_sink, f);
	if (r >= 0 && f->tp)
		r = feed_tick(f, mono_ns());
	return r < 0 && r != -EINTR ? r : 0;
}

void feed_close(struct feed *f)
{
	if (!f)
		return;
	if (f->started) {
		atomic_store(&f->stop, true);
		pthread_join(f->thread, NULL);
	}
	tp_close(f->tp);
	destroy_close(f->ds);
	lt_free(f->lt);
	pthread_mutex_destroy(&f->mu);
	free(f->recent);
	free(f->dests);
	skscope_free(f->sc);
	free(f);
}

enum feed_source feed_source(const struct feed *f)
{
	return f->src;
}

int feed_error(const struct feed *f)
{
	int r;

	pthread_mutex_lock((pthread_mutex_t *)&f->mu);
	r = f->err;
	pthread_mutex_unlock((pthread_mutex_t *)&f->mu);
	return r;
}

int feed_set_listeners(struct feed *f, const struct sock_set *set)
{
	if (f->o.scope != FEED_SCOPE_NETNS)
		return 0;
	pthread_mutex_lock(&f->mu);
	for (size_t i = 0; i < set->n; i++) {
		const struct sock_rec *r = &set->v[i];

		if (r->kind == KIND_TCP && r->state == SK_LISTEN)
			skscope_add_listener(f->sc, r->family, r->laddr, r->lport);
	}
	pthread_mutex_unlock(&f->mu);
	return 0;
}

void feed_get_stats(struct feed *f, struct feed_stats *ret)
{
	pthread_mutex_lock(&f->mu);
	*ret = f->st;
	pthread_mutex_unlock(&f->mu);
}

void feed_get_pairs(struct feed *f, uint64_t pairs[FEED_NSTATES][FEED_NSTATES])
{
	pthread_mutex_lock(&f->mu);
	memcpy(pairs, f->pairs, sizeof(f->pairs));
	pthread_mutex_unlock(&f->mu);
}

size_t feed_get_recent(struct feed *f, struct sock_lifetime *out, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&f->mu);
	for (size_t k = 0; k < f->rlen && n < max; k++) {
		size_t i = (f->rhead + f->o.recent_max - 1 - k) % f->o.recent_max;

		out[n++] = f->recent[i];
	}
	pthread_mutex_unlock(&f->mu);
	return n;
}

static int dest_cmp(const void *a, const void *b)
{
	const struct feed_dest *x = a, *y = b;

	if (x->attempts != y->attempts)
		return x->attempts > y->attempts ? -1 : 1;
	return x->last_ns > y->last_ns ? -1 : x->last_ns < y->last_ns;
}

size_t feed_get_dests(struct feed *f, struct feed_dest *out, size_t max)
{
	size_t n;

	pthread_mutex_lock(&f->mu);
	qsort(f->dests, f->ndest, sizeof(*f->dests), dest_cmp); /* the order inside is free */
	n = f->ndest < max ? f->ndest : max;
	memcpy(out, f->dests, n * sizeof(*out));
	pthread_mutex_unlock(&f->mu);
	return n;
}
