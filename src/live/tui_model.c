// SPDX-License-Identifier: MIT
/*
 * tui_model: what the live view and the event stream know beyond one
 * snapshot.  Each update matches the new records with the tracked sockets
 * (by cookie, or by family and 4-tuple on the /proc back end), marks them
 * new, changed or vanished, appends state changes to a short per-socket
 * history, computes tx/rx rates from the tcp_info byte counters, and keeps
 * per-state counts with a ring for sparklines.  Sockets gone for more than
 * one refresh are forgotten and arrays shrink back, so memory stays flat.
 */
#include "tui.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "procmap.h"

uint64_t tui_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void tui_fmt_duration(uint64_t ms, char *buf, size_t len)
{
	unsigned long long s = ms / 1000;

	if (ms < 1000)
		snprintf(buf, len, "%llums", (unsigned long long)ms);
	else if (s < 60)
		snprintf(buf, len, "%llus", s);
	else if (s < 3600)
		snprintf(buf, len, "%llum%02llus", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lluh%02llum", s / 3600, s / 60 % 60);
	else
		snprintf(buf, len, "%llud%02lluh", s / 86400, s / 3600 % 24);
}

void tui_model_init(struct tui_model *m)
{
	memset(m, 0, sizeof(*m));
}

void tui_model_free(struct tui_model *m)
{
	if (!m)
		return;
	free(m->t);
	free(m->hash);
	free(m->track_of);
	free(m->cw);
	memset(m, 0, sizeof(*m));
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ull;
	return h;
}

static uint64_t sock_hash(const struct sock_rec *r)
{
	uint64_t h = 1469598103934665603ull;

	if (r->flags & SOCK_F_COOKIE)
		return mix64(r->cookie ^ ((uint64_t)r->netns_id << 48));
	h = fnv(h, &r->family, 1);
	h = fnv(h, r->laddr, 16);
	h = fnv(h, r->raddr, 16);
	h = fnv(h, &r->lport, 2);
	h = fnv(h, &r->rport, 2);
	h = fnv(h, &r->netns_id, 4);
	return mix64(h);
}

bool tui_same_socket(const struct sock_rec *a, const struct sock_rec *b)
{
	bool ca = a->flags & SOCK_F_COOKIE, cb = b->flags & SOCK_F_COOKIE;

	if (ca != cb || a->netns_id != b->netns_id)
		return false;
	if (ca)
		return a->cookie == b->cookie;
	return a->family == b->family && a->lport == b->lport && a->rport == b->rport &&
	       !memcmp(a->laddr, b->laddr, 16) && !memcmp(a->raddr, b->raddr, 16);
}

static void hash_insert(uint32_t *hash, size_t hcap, const struct sock_rec *r, uint32_t ti)
{
	size_t h = sock_hash(r) & (hcap - 1);

	while (hash[h])
		h = (h + 1) & (hcap - 1);
	hash[h] = ti + 1;
}

/* Rebuilds the index for the current tracks, sized for want entries. */
static int hash_rebuild(struct tui_model *m, size_t want)
{
	size_t hcap = 64;

	while (hcap < want * 2)
		hcap *= 2;
	if (hcap > m->hcap || hcap * 8 < m->hcap) { /* grow, or shrink back when far too big */
		uint32_t *nh = calloc(hcap, sizeof(*nh));

		if (!nh)
			return -ENOMEM;
		free(m->hash);
		m->hash = nh;
		m->hcap = hcap;
	} else {
		memset(m->hash, 0, m->hcap * sizeof(*m->hash)); /* all of it: the table kept its size */
	}
	for (size_t i = 0; i < m->n; i++)
		hash_insert(m->hash, m->hcap, &m->t[i].rec, (uint32_t)i);
	return 0;
}

/* The first track for r not already claimed in generation gen. */
static uint32_t lookup(const struct tui_model *m, const struct sock_rec *r, uint64_t gen)
{
	size_t h;

	if (!m->hcap)
		return TUI_NO_IDX;
	h = sock_hash(r) & (m->hcap - 1);
	while (m->hash[h]) {
		const struct tui_track *t = &m->t[m->hash[h] - 1];

		if (t->gen != gen && tui_same_socket(&t->rec, r))
			return m->hash[h] - 1;
		h = (h + 1) & (m->hcap - 1);
	}
	return TUI_NO_IDX;
}

static int track_new(struct tui_model *m, const struct sock_rec *r, uint64_t now, bool baseline, uint32_t *ret)
{
	struct tui_track *t;

	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 256;
		struct tui_track *nt = realloc(m->t, ncap * sizeof(*nt));

		if (!nt)
			return -ENOMEM;
		m->t = nt;
		m->cap = ncap;
	}
	t = &m->t[m->n];
	memset(t, 0, sizeof(*t));
	t->rec = *r;
	t->change = baseline ? TUI_SAME : TUI_NEW;
	t->baseline = baseline;
	t->hist[0].state = r->state;
	t->hist[0].since_ms = now;
	t->nhist = 1;
	*ret = (uint32_t)m->n++;
	if (m->n * 2 > m->hcap)
		return hash_rebuild(m, m->n * 2);
	hash_insert(m->hash, m->hcap, r, *ret);
	return 0;
}

static void track_state(struct tui_track *t, uint8_t state, uint64_t now)
{
	t->old_state = t->rec.state;
	t->old_state_ms = now - t->hist[t->nhist - 1].since_ms;
	t->change = TUI_STATE;
	if (t->nhist == TUI_HIST_MAX) {
		memmove(&t->hist[0], &t->hist[1], (TUI_HIST_MAX - 1) * sizeof(t->hist[0]));
		t->nhist--;
		t->baseline = false; /* the first entry left: what remains is exact */
	}
	t->hist[t->nhist].state = state;
	t->hist[t->nhist].since_ms = now;
	t->nhist++;
}

static void track_rate(struct tui_track *t, const struct sock_ext *e, uint64_t now)
{
	if (!SOCK_INFO_HAS(e, tcpi_bytes_acked) || !SOCK_INFO_HAS(e, tcpi_bytes_received)) {
		t->has_bytes = t->has_rate = false;
		return;
	}
	if (t->has_bytes && now > t->bytes_ms) {
		double dt = (double)(now - t->bytes_ms) / 1000.0;
		uint64_t a = e->info.tcpi_bytes_acked, b = e->info.tcpi_bytes_received;

		t->rate.tx_bps = a >= t->bytes_acked ? (double)(a - t->bytes_acked) / dt : 0;
		t->rate.rx_bps = b >= t->bytes_received ? (double)(b - t->bytes_received) / dt : 0;
		t->has_rate = true;
	} else if (!t->has_bytes) {
		t->has_rate = false;
	}
	t->bytes_acked = e->info.tcpi_bytes_acked;
	t->bytes_received = e->info.tcpi_bytes_received;
	t->bytes_ms = now;
	t->has_bytes = true;
}

static void cw_key(const struct sock_rec *r, const struct procmap *owners, char *key, size_t len)
{
	const struct sock_owner *ow;

	if (owners && r->inode && procmap_lookup(owners, r->inode, &ow) > 0)
		snprintf(key, len, "%.24s[%d]", ow[0].comm, (int)ow[0].pid);
	else
		snprintf(key, len, "port %u", r->lport);
}

static int cw_update(struct tui_model *m, const struct sock_set *set, const struct procmap *owners, uint64_t gen)
{
	size_t slot = gen % TUI_CW_LEN, w = 0;
	char key[48];

	if (!m->cw) {
		m->cw = calloc(TUI_CW_MAX, sizeof(*m->cw));
		if (!m->cw)
			return -ENOMEM;
	}
	for (size_t i = 0; i < m->ncw; i++)
		m->cw[i].count[slot] = 0;
	for (size_t i = 0; i < set->n; i++) {
		const struct sock_rec *r = &set->v[i];
		size_t j;

		if (r->state != SK_CLOSE_WAIT)
			continue;
		cw_key(r, owners, key, sizeof(key));
		for (j = 0; j < m->ncw; j++)
			if (!strcmp(m->cw[j].key, key))
				break;
		if (j == m->ncw) {
			if (m->ncw == TUI_CW_MAX)
				continue;
			memset(&m->cw[j], 0, sizeof(m->cw[j]));
			memcpy(m->cw[j].key, key, sizeof(key));
			m->ncw++;
		}
		m->cw[j].count[slot]++;
		m->cw[j].gen = gen;
	}
	/* forget owners without CLOSE-WAIT over the whole window */
	for (size_t i = 0; i < m->ncw; i++)
		if (m->cw[i].gen + TUI_CW_LEN > gen)
			m->cw[w++] = m->cw[i];
	m->ncw = w;
	return 0;
}

void tui_model_rebase(struct tui_model *m)
{
	m->rebase = true;
}

static int model_fail(struct tui_model *m, int err)
{
	tui_model_free(m);
	return err;
}

int tui_model_update(struct tui_model *m, const struct sock_set *set, uint64_t now, const struct procmap *owners)
{
	uint64_t gen = m->gen + 1;
	bool first = m->gen == 0, rebase = m->rebase;
	size_t w = 0;
	int err;

	if (set->n > m->track_of_cap || (m->track_of_cap > 4096 && set->n * 4 < m->track_of_cap)) {
		size_t ncap = set->n > 256 ? set->n : 256;
		uint32_t *nt = realloc(m->track_of, ncap * sizeof(*nt));

		if (!nt)
			return model_fail(m, -ENOMEM);
		m->track_of = nt;
		m->track_of_cap = ncap;
	}
	m->opened = m->closed = m->changed = 0;
	if (m->n * 2 > m->hcap && hash_rebuild(m, m->n * 2) < 0)
		return model_fail(m, -ENOMEM);
	for (size_t i = 0; i < set->n; i++) {
		const struct sock_rec *r = &set->v[i];
		uint32_t ti = lookup(m, r, gen);
		struct tui_track *t;

		if (ti == TUI_NO_IDX) {
			err = track_new(m, r, now, first || rebase, &ti);
			if (err)
				return model_fail(m, err);
			t = &m->t[ti];
			if (!first && !rebase)
				m->opened++;
		} else {
			t = &m->t[ti];
			if (t->rec.state != r->state) {
				track_state(t, r->state, now);
				m->changed++;
			} else {
				t->change = TUI_SAME;
			}
		}
		t->rec = *r;
		t->idx = (uint32_t)i;
		t->gen = gen;
		track_rate(t, sock_set_ext(set, r), now);
		m->track_of[i] = ti;
	}
	/* vanished: kept one refresh, then forgotten */
	for (size_t i = 0; i < m->n; i++) {
		struct tui_track *t = &m->t[i];

		if (t->gen != gen) {
			if (t->gen + 1 != gen || rebase)
				continue;
			t->change = TUI_GONE;
			t->idx = TUI_NO_IDX;
			t->has_rate = false;
			m->closed++;
		}
		if (t->idx != TUI_NO_IDX)
			m->track_of[t->idx] = (uint32_t)w;
		if (w != i)
			m->t[w] = *t;
		w++;
	}
	m->n = w;
	if (m->cap > 1024 && m->n * 4 < m->cap) {
		size_t ncap = m->n * 2 > 256 ? m->n * 2 : 256;
		struct tui_track *nt = realloc(m->t, ncap * sizeof(*nt));

		if (nt) {
			m->t = nt;
			m->cap = ncap;
		}
	}
	if (hash_rebuild(m, m->n) < 0)
		return model_fail(m, -ENOMEM);

	memcpy(m->prev_counts, m->counts, sizeof(m->counts));
	memset(m->counts, 0, sizeof(m->counts));
	for (size_t i = 0; i < set->n; i++)
		if (set->v[i].state < SK_STATE_MAX)
			m->counts[set->v[i].state]++;
	if (first || rebase)
		memcpy(m->prev_counts, m->counts, sizeof(m->counts));
	for (int s = 0; s < SK_STATE_MAX; s++)
		m->ring[m->ring_pos][s] = m->counts[s] > UINT32_MAX ? UINT32_MAX : (uint32_t)m->counts[s];
	m->ring_pos = (m->ring_pos + 1) % TUI_SPARK_LEN;
	if (m->ring_len < TUI_SPARK_LEN)
		m->ring_len++;
	err = cw_update(m, set, owners, gen);
	if (err)
		return model_fail(m, err);
	m->prev_ms = first ? now : m->now_ms;
	m->now_ms = now;
	m->gen = gen;
	m->rebase = false;
	return 0;
}

uint32_t tui_model_spark(const struct tui_model *m, int state, size_t k)
{
	size_t start = (m->ring_pos + TUI_SPARK_LEN - m->ring_len) % TUI_SPARK_LEN;

	if (k >= m->ring_len || state <= 0 || state >= SK_STATE_MAX)
		return 0;
	return m->ring[(start + k) % TUI_SPARK_LEN][state];
}

size_t tui_alerts(const struct tui_model *m, const struct sock_set *set, struct tui_alert *out, size_t max)
{
	size_t n = 0;

	/* CLOSE-WAIT strictly growing over the last TUI_CW_LEN - 1 refreshes */
	for (size_t i = 0; i < m->ncw && n < max && m->gen >= TUI_CW_LEN - 1; i++) {
		const struct tui_cw *c = &m->cw[i];
		uint32_t v[TUI_CW_LEN - 1];
		bool growing = true;

		for (size_t k = 0; k < TUI_CW_LEN - 1; k++)
			v[k] = c->count[(m->gen - (TUI_CW_LEN - 2) + k) % TUI_CW_LEN];
		for (size_t k = 1; k < TUI_CW_LEN - 1; k++)
			if (v[k] <= v[k - 1])
				growing = false;
		if (!growing || c->gen != m->gen)
			continue;
		out[n].kind = TUI_ALERT_CLOSE_WAIT;
		out[n].port = 0;
		snprintf(out[n].text, sizeof(out[n].text), "CLOSE-WAIT growing for %s: %u -> %u in %d refreshes",
			 c->key, v[0], v[TUI_CW_LEN - 2], TUI_CW_LEN - 2);
		n++;
	}
	for (size_t i = 0; set && i < set->n && n < max; i++) {
		const struct sock_rec *r = &set->v[i];
		char addr[64];

		if (r->state != SK_LISTEN || (r->flags & SOCK_F_SENDQ_UNKNOWN) || !r->send_q || r->recv_q < r->send_q)
			continue;
		sock_addr_str(r->family, r->laddr, addr, sizeof(addr));
		out[n].kind = TUI_ALERT_ACCEPT_QUEUE;
		out[n].port = r->lport;
		snprintf(out[n].text, sizeof(out[n].text), "accept queue full on %s:%u (%u of %u)", addr, r->lport,
			 r->recv_q, r->send_q);
		n++;
	}
	return n;
}

/* ---- transition rates -------------------------------------------------------- */

double tui_rate(uint64_t prev, uint64_t cur, uint64_t elapsed_ms)
{
	if (!elapsed_ms || cur <= prev)
		return 0.0;
	return (double)(cur - prev) * 1000.0 / (double)elapsed_ms;
}

static int cmp_pair_rate(const void *a, const void *b)
{
	const struct tui_pair_rate *x = a, *y = b;

	if (x->delta != y->delta) /* the same interval for all: delta orders as the rate */
		return x->delta > y->delta ? -1 : 1;
	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	if (x->old_state != y->old_state)
		return x->old_state < y->old_state ? -1 : 1;
	return (x->new_state > y->new_state) - (x->new_state < y->new_state);
}

size_t tui_pair_rates(const uint64_t *prev, const uint64_t *cur, uint64_t elapsed_ms, struct tui_pair_rate *out,
		      size_t max)
{
	struct tui_pair_rate all[TUI_PAIRS_MAX];
	size_t n = 0;

	for (int o = 0; o < FEED_NSTATES; o++) {
		for (int s = 0; s < FEED_NSTATES; s++) {
			uint64_t c = cur[o * FEED_NSTATES + s], p = prev ? prev[o * FEED_NSTATES + s] : 0;
			struct tui_pair_rate *r;

			if (!c)
				continue;
			r = &all[n++];
			r->old_state = (uint8_t)o;
			r->new_state = (uint8_t)s;
			r->total = c;
			r->delta = c > p ? c - p : 0;
			r->per_s = tui_rate(p, c, elapsed_ms);
		}
	}
	qsort(all, n, sizeof(all[0]), cmp_pair_rate);
	if (n > max)
		n = max;
	if (n)
		memcpy(out, all, n * sizeof(all[0]));
	return n;
}

const char *tui_tcp_state_name(int st, bool compact)
{
	static const char *const short_names[FEED_NSTATES] = {
		[SK_ESTABLISHED] = "ES", [SK_SYN_SENT] = "SS",  [SK_SYN_RECV] = "SR",   [SK_FIN_WAIT1] = "FW1",
		[SK_FIN_WAIT2] = "FW2",  [SK_TIME_WAIT] = "TW", [SK_CLOSE] = "CL",      [SK_CLOSE_WAIT] = "CW",
		[SK_LAST_ACK] = "LA",    [SK_LISTEN] = "LI",    [SK_CLOSING] = "CG",    [SK_KERNEL_NEW_SYN_RECV] = "NSR",
	};

	if (st <= 0 || st >= FEED_NSTATES)
		return "?";
	if (compact)
		return short_names[st];
	if (st == SK_KERNEL_NEW_SYN_RECV)
		return "NEW-SYN-RECV";
	return state_name(st);
}

void tui_fmt_states(const uint8_t *states, size_t n, bool truncated, bool compact, const char *sep, char *buf,
		    size_t len)
{
	size_t off = 0;

	if (!len)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++) {
		int w = snprintf(buf + off, len - off, "%s%s", i ? sep : "", tui_tcp_state_name(states[i], compact));

		if (w < 0)
			break;
		off += (size_t)w;
	}
	if (truncated && off < len)
		snprintf(buf + off, len - off, "+");
}
