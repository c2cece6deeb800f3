// SPDX-License-Identifier: MIT
/*
 * lifetime: the connection tracker behind `sockscope events --lifetimes`.
 * Open connections live in a fixed pool indexed by a chained hash on the
 * socket address and ordered by an LRU list (the least recently active one
 * is evicted when the pool is full).  Finished lifetimes waiting for the
 * destroy source's tcp_info, and destroys waiting for their lifetime, live in
 * two bounded FIFO rings indexed by a hash on family and 4-tuple.
 */
#include "lifetime.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "states.h"

#define NIL UINT32_MAX

struct lt_key {
	uint8_t family;
	uint8_t l[16], r[16];
	uint16_t lp, rp;
};

struct lt_conn {
	uint64_t skaddr;
	uint64_t since_ns; /* entered cur_state */
	uint32_t hnext, prev, next;
	uint8_t cur_state;
	bool used;
	struct sock_lifetime lt;
};

/* A FIFO of items of isz bytes, indexed by key (chained hash of slots). */
struct tring {
	uint32_t cap, mask, nb;
	uint64_t head, tail;
	uint32_t *bucket; /* slot or NIL */
	uint32_t *next;
	uint8_t *live;
	struct lt_key *keys;
	uint64_t *times;
	uint8_t *items;
	size_t isz;
};

struct lt_tracker {
	struct lt_opts o;
	struct lt_stats st;
	struct lt_conn *pool;
	uint32_t *bucket;
	uint32_t nbucket;
	uint32_t free_head, lru_head, lru_tail;
	size_t nopen;
	struct tring pending; /* struct sock_lifetime */
	struct tring dcache;  /* struct sock_destroy */
};

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 1;

	while (p < n && p < (1u << 30))
		p <<= 1;
	return p;
}

static uint32_t hash64(uint64_t v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdULL;
	v ^= v >> 33;
	v *= 0xc4ceb9fe1a85ec53ULL;
	v ^= v >> 33;
	return (uint32_t)v;
}

static uint32_t key_hash(const struct lt_key *k)
{
	uint64_t h = 1469598103934665603ULL;
	const uint8_t *p = (const uint8_t *)k;

	for (size_t i = 0; i < sizeof(*k); i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return hash64(h);
}

static void make_key(struct lt_key *k, uint8_t family, const uint8_t *l, const uint8_t *r, uint16_t lp,
		     uint16_t rp)
{
	size_t n = family == AF_INET ? 4 : 16;

	memset(k, 0, sizeof(*k));
	k->family = family;
	memcpy(k->l, l, n);
	memcpy(k->r, r, n);
	k->lp = lp;
	k->rp = rp;
}

static int tring_init(struct tring *q, uint32_t cap, size_t isz)
{
	memset(q, 0, sizeof(*q));
	q->cap = pow2_at_least(cap);
	q->mask = q->cap - 1;
	q->nb = q->cap * 2;
	q->isz = isz;
	q->bucket = malloc(sizeof(*q->bucket) * q->nb);
	q->next = calloc(q->cap, sizeof(*q->next));
	q->live = calloc(q->cap, 1);
	q->keys = calloc(q->cap, sizeof(*q->keys));
	q->times = calloc(q->cap, sizeof(*q->times));
	q->items = calloc(q->cap, isz);
	if (!q->bucket || !q->next || !q->live || !q->keys || !q->times || !q->items)
		return -ENOMEM;
	for (uint32_t i = 0; i < q->nb; i++)
		q->bucket[i] = NIL;
	return 0;
}

static void tring_free(struct tring *q)
{
	free(q->bucket);
	free(q->next);
	free(q->live);
	free(q->keys);
	free(q->times);
	free(q->items);
}

static void tring_unlink(struct tring *q, uint32_t slot)
{
	uint32_t *pp = &q->bucket[key_hash(&q->keys[slot]) & (q->nb - 1)];

	while (*pp != NIL && *pp != slot)
		pp = &q->next[*pp];
	if (*pp == slot)
		*pp = q->next[slot];
	q->live[slot] = 0;
}

static void tring_skip_dead(struct tring *q)
{
	while (q->head < q->tail && !q->live[q->head & q->mask])
		q->head++;
}

static bool tring_full(const struct tring *q)
{
	return q->tail - q->head >= q->cap;
}

/* The caller makes room first (tring_full()). */
static void tring_push(struct tring *q, const struct lt_key *k, uint64_t t, const void *item)
{
	uint32_t slot = (uint32_t)(q->tail & q->mask);
	uint32_t b = key_hash(k) & (q->nb - 1);

	q->keys[slot] = *k;
	q->times[slot] = t;
	memcpy(q->items + (size_t)slot * q->isz, item, q->isz);
	q->live[slot] = 1;
	q->next[slot] = q->bucket[b];
	q->bucket[b] = slot;
	q->tail++;
}

/* Member-wise: the struct has padding (make_key zeroes the unused address
 * bytes, so the whole arrays compare). */
static bool key_eq(const struct lt_key *a, const struct lt_key *b)
{
	return a->family == b->family && a->lp == b->lp && a->rp == b->rp && memcmp(a->l, b->l, sizeof(a->l)) == 0 &&
	       memcmp(a->r, b->r, sizeof(a->r)) == 0;
}

static uint32_t tring_find(const struct tring *q, const struct lt_key *k)
{
	for (uint32_t s = q->bucket[key_hash(k) & (q->nb - 1)]; s != NIL; s = q->next[s])
		if (q->live[s] && key_eq(&q->keys[s], k))
			return s;
	return NIL;
}

static void *tring_item(const struct tring *q, uint32_t slot)
{
	return q->items + (size_t)slot * q->isz;
}

int lt_new(struct lt_tracker **ret, const struct lt_opts *o)
{
	struct lt_tracker *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		return -ENOMEM;
	if (o)
		t->o = *o;
	if (!t->o.max_conns)
		t->o.max_conns = 65536;
	if (!t->o.max_pending)
		t->o.max_pending = 16384;
	if (!t->o.syn_timeout_ns)
		t->o.syn_timeout_ns = 1000000000ULL;
	if (t->o.max_conns > (1u << 26) || t->o.max_pending > (1u << 26)) {
		free(t);
		return -EINVAL;
	}
	t->nbucket = pow2_at_least(t->o.max_conns * 2);
	t->pool = calloc(t->o.max_conns, sizeof(*t->pool));
	t->bucket = malloc(sizeof(*t->bucket) * t->nbucket);
	if (!t->pool || !t->bucket) {
		lt_free(t);
		return -ENOMEM;
	}
	if ((r = tring_init(&t->pending, t->o.max_pending, sizeof(struct sock_lifetime))) < 0 ||
	    (r = tring_init(&t->dcache, t->o.max_pending, sizeof(struct sock_destroy))) < 0) {
		lt_free(t);
		return r;
	}
	for (uint32_t i = 0; i < t->nbucket; i++)
		t->bucket[i] = NIL;
	for (uint32_t i = 0; i < t->o.max_conns; i++)
		t->pool[i].hnext = i + 1 < t->o.max_conns ? i + 1 : NIL;
	t->free_head = 0;
	t->lru_head = t->lru_tail = NIL;
	*ret = t;
	return 0;
}

void lt_free(struct lt_tracker *t)
{
	if (!t)
		return;
	free(t->pool);
	free(t->bucket);
	tring_free(&t->pending);
	tring_free(&t->dcache);
	free(t);
}

static uint32_t conn_find(const struct lt_tracker *t, uint64_t skaddr)
{
	for (uint32_t i = t->bucket[hash64(skaddr) & (t->nbucket - 1)]; i != NIL; i = t->pool[i].hnext)
		if (t->pool[i].skaddr == skaddr)
			return i;
	return NIL;
}

static void lru_unlink(struct lt_tracker *t, uint32_t i)
{
	struct lt_conn *c = &t->pool[i];

	if (c->prev != NIL)
		t->pool[c->prev].next = c->next;
	else
		t->lru_head = c->next;
	if (c->next != NIL)
		t->pool[c->next].prev = c->prev;
	else
		t->lru_tail = c->prev;
	c->prev = c->next = NIL;
}

static void lru_push_front(struct lt_tracker *t, uint32_t i)
{
	struct lt_conn *c = &t->pool[i];

	c->prev = NIL;
	c->next = t->lru_head;
	if (t->lru_head != NIL)
		t->pool[t->lru_head].prev = i;
	t->lru_head = i;
	if (t->lru_tail == NIL)
		t->lru_tail = i;
}

static void conn_remove(struct lt_tracker *t, uint32_t i)
{
	struct lt_conn *c = &t->pool[i];
	uint32_t *pp = &t->bucket[hash64(c->skaddr) & (t->nbucket - 1)];

	while (*pp != NIL && *pp != i)
		pp = &t->pool[*pp].hnext;
	if (*pp == i)
		*pp = c->hnext;
	lru_unlink(t, i);
	c->used = false;
	c->hnext = t->free_head;
	t->free_head = i;
	t->nopen--;
}

static uint32_t conn_add(struct lt_tracker *t, uint64_t skaddr)
{
	uint32_t i, b;
	struct lt_conn *c;

	if (t->free_head == NIL) {
		conn_remove(t, t->lru_tail);
		t->st.evicted++;
	}
	i = t->free_head;
	c = &t->pool[i];
	t->free_head = c->hnext;
	memset(c, 0, sizeof(*c));
	c->used = true;
	c->skaddr = skaddr;
	b = hash64(skaddr) & (t->nbucket - 1);
	c->hnext = t->bucket[b];
	t->bucket[b] = i;
	c->prev = c->next = NIL;
	lru_push_front(t, i);
	t->nopen++;
	return i;
}

static bool has_state(const struct sock_lifetime *lt, int st)
{
	for (size_t i = 0; i < lt->nstates; i++)
		if (lt->states[i] == st)
			return true;
	return false;
}

static void push_state(struct sock_lifetime *lt, uint8_t st)
{
	if (lt->nstates < LT_MAX_STATES)
		lt->states[lt->nstates++] = st;
	else
		lt->states_truncated = true;
}

static bool any_of(int st, const int *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == st)
			return true;
	return false;
}

/* Classifies a lifetime whose last transition was prev -> CLOSE after
 * in_prev_ns (known or not) in prev. */
static void classify(const struct lt_tracker *t, struct sock_lifetime *lt, int prev, bool in_prev_known,
		     uint64_t in_prev_ns)
{
	static const int est_states[] = {SK_ESTABLISHED, SK_FIN_WAIT1, SK_FIN_WAIT2, SK_CLOSE_WAIT,
					 SK_LAST_ACK,    SK_CLOSING,   SK_TIME_WAIT};
	static const int normal_prev[] = {SK_FIN_WAIT2, SK_TIME_WAIT, SK_CLOSING, SK_LAST_ACK};
	static const int reset_prev[] = {SK_ESTABLISHED, SK_CLOSE_WAIT, SK_FIN_WAIT1};

	for (size_t i = 0; i < lt->nstates; i++)
		if (any_of(lt->states[i], est_states, sizeof(est_states) / sizeof(est_states[0])))
			lt->established = true;
	if (has_state(lt, SK_CLOSING))
		lt->closer = LT_CLOSER_SIMULTANEOUS;
	else if (has_state(lt, SK_FIN_WAIT1))
		lt->closer = LT_CLOSER_ACTIVE;
	else if (has_state(lt, SK_CLOSE_WAIT))
		lt->closer = LT_CLOSER_PASSIVE;
	else if (lt->complete)
		lt->closer = LT_CLOSER_NONE;
	else
		lt->closer = LT_CLOSER_UNKNOWN;

	if (lt->established) {
		if (any_of(prev, normal_prev, sizeof(normal_prev) / sizeof(normal_prev[0])))
			lt->end = LT_END_NORMAL;
		else if (any_of(prev, reset_prev, sizeof(reset_prev) / sizeof(reset_prev[0])))
			lt->end = LT_END_RESET;
		else
			lt->end = LT_END_UNKNOWN;
	} else if (prev == SK_SYN_SENT) {
		uint64_t w = in_prev_known ? in_prev_ns : lt->duration_ns;

		lt->end = w >= t->o.syn_timeout_ns ? LT_END_TIMEOUT : LT_END_REFUSED;
		if (!in_prev_known && !lt->complete)
			lt->end = LT_END_UNKNOWN;
	} else if (prev == SK_SYN_RECV || prev == SK_KERNEL_NEW_SYN_RECV) {
		lt->end = LT_END_NEVER_ESTABLISHED;
	} else {
		lt->end = LT_END_UNKNOWN;
	}
}

static void lt_key_of(struct lt_key *k, const struct sock_lifetime *lt)
{
	make_key(k, lt->family, lt->laddr, lt->raddr, lt->lport, lt->rport);
}

static void merge(struct sock_lifetime *lt, const struct sock_destroy *d)
{
	lt->cookie = d->cookie;
	if (d->have & SD_HAVE_BYTES) {
		lt->has_tcp_info = true;
		lt->bytes_acked = d->bytes_acked;
		lt->bytes_received = d->bytes_received;
		lt->total_retrans = d->total_retrans;
	}
	if (d->have & SD_HAVE_SENT) {
		lt->bytes_sent = d->bytes_sent;
		lt->bytes_retrans = d->bytes_retrans;
	}
	if (d->have & SD_HAVE_SEGS) {
		lt->segs_in = d->segs_in;
		lt->segs_out = d->segs_out;
	}
}

static int emit(struct lt_tracker *t, const struct sock_lifetime *lt, lt_sink_fn sink, void *arg)
{
	t->st.lifetimes++;
	return sink ? sink(arg, lt) : 0;
}

static uint64_t absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* A lifetime has ended: merge it now, park it, or emit it. */
static int finish(struct lt_tracker *t, struct sock_lifetime *lt, lt_sink_fn sink, void *arg)
{
	struct lt_key k;
	uint32_t s;
	int r;

	if (t->o.merge_window_ns == 0)
		return emit(t, lt, sink, arg);
	lt_key_of(&k, lt);
	s = tring_find(&t->dcache, &k);
	if (s != NIL && absdiff(t->dcache.times[s], lt->close_ns) <= t->o.merge_window_ns) {
		merge(lt, tring_item(&t->dcache, s));
		tring_unlink(&t->dcache, s);
		tring_skip_dead(&t->dcache);
		t->st.merged++;
		return emit(t, lt, sink, arg);
	}
	tring_skip_dead(&t->pending);
	if (tring_full(&t->pending)) {
		uint32_t h = (uint32_t)(t->pending.head & t->pending.mask);
		struct sock_lifetime old = *(struct sock_lifetime *)tring_item(&t->pending, h);

		tring_unlink(&t->pending, h);
		tring_skip_dead(&t->pending);
		t->st.unmerged++;
		if ((r = emit(t, &old, sink, arg)) < 0)
			return r;
	}
	tring_push(&t->pending, &k, lt->close_ns, lt);
	return 0;
}

int lt_tick(struct lt_tracker *t, uint64_t now_ns, lt_sink_fn sink, void *arg)
{
	uint64_t w = t->o.merge_window_ns;
	int r;

	for (tring_skip_dead(&t->pending); t->pending.head < t->pending.tail; tring_skip_dead(&t->pending)) {
		uint32_t h = (uint32_t)(t->pending.head & t->pending.mask);
		struct sock_lifetime lt;

		if (t->pending.times[h] + w >= now_ns)
			break;
		lt = *(struct sock_lifetime *)tring_item(&t->pending, h);
		tring_unlink(&t->pending, h);
		t->st.unmerged++;
		if ((r = emit(t, &lt, sink, arg)) < 0)
			return r;
	}
	for (tring_skip_dead(&t->dcache); t->dcache.head < t->dcache.tail; tring_skip_dead(&t->dcache)) {
		uint32_t h = (uint32_t)(t->dcache.head & t->dcache.mask);

		if (t->dcache.times[h] + w >= now_ns)
			break;
		tring_unlink(&t->dcache, h);
	}
	return 0;
}

int lt_feed_destroy(struct lt_tracker *t, const struct sock_destroy *d, lt_sink_fn sink, void *arg)
{
	struct lt_key k;
	uint32_t s;

	if (t->o.merge_window_ns == 0)
		return 0;
	make_key(&k, d->family, d->saddr, d->daddr, d->sport, d->dport);
	s = tring_find(&t->pending, &k);
	if (s != NIL && absdiff(t->pending.times[s], d->time_ns) <= t->o.merge_window_ns) {
		struct sock_lifetime lt = *(struct sock_lifetime *)tring_item(&t->pending, s);

		tring_unlink(&t->pending, s);
		tring_skip_dead(&t->pending);
		merge(&lt, d);
		t->st.merged++;
		return emit(t, &lt, sink, arg);
	}
	tring_skip_dead(&t->dcache);
	if (tring_full(&t->dcache)) {
		tring_unlink(&t->dcache, (uint32_t)(t->dcache.head & t->dcache.mask));
		tring_skip_dead(&t->dcache);
		t->st.pending_dropped++;
	}
	tring_push(&t->dcache, &k, d->time_ns, d);
	return 0;
}

static bool is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void note_event(struct sock_lifetime *lt, const struct sock_event *ev)
{
	size_t n = ev->family == AF_INET ? 4 : 16;

	lt->family = ev->family;
	lt->protocol = ev->protocol;
	if (ev->sport)
		lt->lport = ev->sport;
	if (ev->dport)
		lt->rport = ev->dport;
	if (!is_zero(ev->saddr, n))
		memcpy(lt->laddr, ev->saddr, sizeof(lt->laddr));
	if (!is_zero(ev->daddr, n))
		memcpy(lt->raddr, ev->daddr, sizeof(lt->raddr));
	if (!ev->softirq && ev->pid && !lt->pid) {
		lt->pid = ev->pid;
		memcpy(lt->comm, ev->comm, sizeof(lt->comm));
		lt->comm[sizeof(lt->comm) - 1] = '\0';
	}
}

int lt_feed(struct lt_tracker *t, const struct sock_event *ev, struct lt_step *step, lt_sink_fn sink,
	    void *arg)
{
	uint32_t i = conn_find(t, ev->skaddr);
	bool active_start = ev->old_state == SK_CLOSE && ev->new_state == SK_SYN_SENT;
	bool passive_start = (ev->old_state == SK_LISTEN && ev->new_state == SK_SYN_RECV) ||
			     (ev->old_state == SK_KERNEL_NEW_SYN_RECV && ev->new_state == SK_ESTABLISHED);
	struct lt_step st = {false, 0};
	struct lt_conn *c;
	int r;

	t->st.events++;
	if (step)
		*step = st;
	if (t->o.merge_window_ns && (r = lt_tick(t, ev->time_ns, sink, arg)) < 0)
		return r;
	if (i != NIL) {
		c = &t->pool[i];
		if (c->cur_state == ev->old_state && ev->time_ns >= c->since_ns) {
			st.known = true;
			st.old_state_ns = ev->time_ns - c->since_ns;
		}
	}
	if (step)
		*step = st;
	/* Listeners are not connections. */
	if (ev->new_state == SK_LISTEN || (ev->old_state == SK_LISTEN && ev->new_state == SK_CLOSE) ||
	    ev->old_state == ev->new_state) {
		if (i != NIL)
			conn_remove(t, i);
		t->st.ignored++;
		return 0;
	}
	if (i != NIL && (active_start || passive_start)) { /* its CLOSE was lost */
		struct sock_lifetime lt = t->pool[i].lt;

		lt.end = LT_END_UNKNOWN;
		lt.closer = LT_CLOSER_UNKNOWN;
		lt.complete = false;
		conn_remove(t, i);
		i = NIL;
		t->st.replaced++;
		if ((r = emit(t, &lt, sink, arg)) < 0)
			return r;
	}
	if (i == NIL) {
		if (ev->new_state == SK_CLOSE) { /* the end of something never seen */
			t->st.ignored++;
			return 0;
		}
		i = conn_add(t, ev->skaddr);
		c = &t->pool[i];
		c->lt.skaddr = ev->skaddr;
		c->lt.open_ns = ev->time_ns;
		c->lt.complete = active_start || passive_start;
		if (active_start || ev->old_state == SK_SYN_SENT)
			c->lt.opener = LT_OPENER_ACTIVE;
		else if (passive_start || ev->old_state == SK_SYN_RECV)
			c->lt.opener = LT_OPENER_PASSIVE;
		push_state(&c->lt, ev->old_state);
	} else {
		c = &t->pool[i];
		lru_unlink(t, i);
		lru_push_front(t, i);
		if (c->cur_state != ev->old_state) { /* a transition was lost */
			c->lt.complete = false;
			push_state(&c->lt, ev->old_state);
		}
	}
	push_state(&c->lt, ev->new_state);
	note_event(&c->lt, ev);
	if (ev->new_state == SK_ESTABLISHED && !c->lt.established_ns)
		c->lt.established_ns = ev->time_ns;
	c->cur_state = ev->new_state;
	c->since_ns = ev->time_ns;
	if (ev->new_state == SK_CLOSE) {
		struct sock_lifetime lt = c->lt;

		conn_remove(t, i);
		lt.close_ns = ev->time_ns;
		lt.duration_ns = lt.close_ns >= lt.open_ns ? lt.close_ns - lt.open_ns : 0;
		classify(t, &lt, ev->old_state, st.known, st.old_state_ns);
		return finish(t, &lt, sink, arg);
	}
	return 0;
}

int lt_flush(struct lt_tracker *t, uint64_t now_ns, bool open_too, lt_sink_fn sink, void *arg)
{
	int r;

	for (tring_skip_dead(&t->pending); t->pending.head < t->pending.tail; tring_skip_dead(&t->pending)) {
		uint32_t h = (uint32_t)(t->pending.head & t->pending.mask);
		struct sock_lifetime lt = *(struct sock_lifetime *)tring_item(&t->pending, h);

		tring_unlink(&t->pending, h);
		t->st.unmerged++;
		if ((r = emit(t, &lt, sink, arg)) < 0)
			return r;
	}
	while (open_too && t->lru_tail != NIL) {
		uint32_t i = t->lru_tail;
		struct sock_lifetime lt = t->pool[i].lt;

		conn_remove(t, i);
		lt.close_ns = now_ns;
		lt.duration_ns = now_ns >= lt.open_ns ? now_ns - lt.open_ns : 0;
		lt.end = LT_END_UNKNOWN;
		lt.closer = LT_CLOSER_UNKNOWN;
		if ((r = emit(t, &lt, sink, arg)) < 0)
			return r;
	}
	return 0;
}

void lt_get_stats(const struct lt_tracker *t, struct lt_stats *ret)
{
	*ret = t->st;
}

size_t lt_open_count(const struct lt_tracker *t)
{
	return t->nopen;
}

const char *lt_end_name(enum lt_end e)
{
	static const char *const n[] = {"unknown", "normal", "reset", "refused", "timeout", "never-established"};

	return (unsigned)e < sizeof(n) / sizeof(n[0]) ? n[e] : "?";
}

const char *lt_closer_name(enum lt_closer c)
{
	static const char *const n[] = {"unknown", "none", "active", "passive", "simultaneous"};

	return (unsigned)c < sizeof(n) / sizeof(n[0]) ? n[c] : "?";
}

const char *lt_opener_name(enum lt_opener o)
{
	static const char *const n[] = {"unknown", "active", "passive"};

	return (unsigned)o < sizeof(n) / sizeof(n[0]) ? n[o] : "?";
}

const char *lt_tcp_state_name(int st)
{
	static const char *const n[] = {"?",         "ESTABLISHED", "SYN_SENT",   "SYN_RECV",    "FIN_WAIT1",
					"FIN_WAIT2", "TIME_WAIT",   "CLOSE",      "CLOSE_WAIT",  "LAST_ACK",
					"LISTEN",    "CLOSING",     "NEW_SYN_RECV", "BOUND_INACTIVE"};

	return st >= 1 && st < (int)(sizeof(n) / sizeof(n[0])) ? n[st] : "?";
}
