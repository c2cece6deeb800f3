// SPDX-License-Identifier: MIT
/*
 * sort: --sort and --group-by over a collected socket set.
 */
#include "kind.h"
#include "sort.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "attrib.h"
#include "explain.h"
#include "procmap.h"
#include "states.h"
#include "strutil.h"

int sort_parse(const char *spec, struct sort_key *keys, size_t max, char *err, size_t errlen)
{
	const struct column *cols[SORT_KEYS_MAX];
	char buf[512];
	int dirs[SORT_KEYS_MAX];
	size_t n = 0;
	char *save = NULL;

	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, errlen, "sort specification too long");
		return -EINVAL;
	}
	memcpy(buf, spec, strlen(spec) + 1);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int dir = 1;

		if (*tok == '-' || *tok == '+') {
			dir = *tok == '-' ? -1 : 1;
			tok++;
		}
		if (n >= max || n >= SORT_KEYS_MAX) {
			snprintf(err, errlen, "too many sort keys (at most %d)", SORT_KEYS_MAX);
			return -EINVAL;
		}
		cols[n] = column_find(tok);
		if (!cols[n] || cols[n]->type == CT_OBJECT) {
			snprintf(err, errlen, "cannot sort by '%.64s' (see --list-columns)", tok);
			return -EINVAL;
		}
		dirs[n++] = dir;
	}
	if (!n) {
		snprintf(err, errlen, "empty sort specification");
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		keys[i] = (struct sort_key){cols[i], dirs[i]};
	return (int)n;
}

/*
 * Sorting keeps nothing per row but the index array it is given: the values
 * of the keys are asked of the getters when two rows are compared, so that
 * sorting costs 4 bytes a socket over the set (the set is 88).  One side of
 * each comparison is "loaded" -- the partition's pivot, the element being
 * inserted or sifted -- its values computed once and its strings copied out
 * of the getters' scratch; the other side is computed key by key, only as
 * far as the keys tie.  Ties between all keys fall back to the record index,
 * so the order is total and the result is the stable one whatever the
 * algorithm: an introsort (quicksort on median-of-three pivots, heapsort past
 * a depth limit, insertion sort on short runs), in place.
 */
struct sorter {
	const struct sock_set *set;
	const struct sort_key *keys;
	size_t nkeys;
	struct col_ctx *cc;
	uint32_t lidx;                      /* the loaded row */
	struct col_val lv[SORT_KEYS_MAX];   /* its values */
	struct obuf lbuf;                   /* its strings */
};

/* The value of key k for row i; strings may live in cc->scratch. */
static void key_val(struct sorter *so, uint32_t i, size_t k, struct col_val *v)
{
	const struct sock_rec *r = &so->set->v[i];

	column_get(so->keys[k].col, so->cc, r, sock_set_ext(so->set, r), v);
	if (v->kind == CV_PROCS) {
		/* by the first owner's command */
		const char *comm = v->procs.n ? v->procs.v[0].comm : "";

		v->kind = CV_STR;
		v->str.s = comm;
		v->str.n = strlen(comm);
	}
}

/* Loads row i: its values, strings copied.  Returns 0 or the buffer error. */
static int load(struct sorter *so, uint32_t i)
{
	size_t offs[SORT_KEYS_MAX] = {0};

	so->lidx = i;
	so->lbuf.len = 0;
	for (size_t k = 0; k < so->nkeys; k++) {
		struct col_val *v = &so->lv[k];

		key_val(so, i, k, v);
		if (v->kind == CV_STR) {
			offs[k] = so->lbuf.len;
			obuf_put(&so->lbuf, v->str.s, v->str.n);
		}
	}
	if (so->lbuf.err)
		return so->lbuf.err;
	for (size_t k = 0; k < so->nkeys; k++)
		if (so->lv[k].kind == CV_STR)
			so->lv[k].str.s = so->lbuf.buf + offs[k];
	return 0;
}

/* <0, >0: row i sorts before or after the loaded row (never 0 for i != it). */
static int cmp_loaded(struct sorter *so, uint32_t i)
{
	for (size_t k = 0; k < so->nkeys; k++) {
		struct col_val v;
		int c;

		key_val(so, i, k, &v);
		c = col_val_cmp(&v, &so->lv[k]);
		if (c)
			return c * so->keys[k].dir;
	}
	return (i > so->lidx) - (i < so->lidx);
}

static void insertion_sort(struct sorter *so, uint32_t *a, size_t n)
{
	for (size_t i = 1; i < n && !so->lbuf.err; i++) {
		uint32_t x = a[i];
		size_t j = i;

		if (load(so, x) < 0)
			return;
		while (j > 0 && cmp_loaded(so, a[j - 1]) > 0) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = x;
	}
}

/* Moves x down from position i of the heap a[0..n) (loaded: x). */
static void sift_down(struct sorter *so, uint32_t *a, size_t i, size_t n, uint32_t x)
{
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		/* each child against x (loaded); the two children against each
		 * other only when both are larger than x */
		if (c + 1 < n) {
			bool l = cmp_loaded(so, a[c]) > 0, r = cmp_loaded(so, a[c + 1]) > 0;

			if (!l && !r)
				break;
			if (l && r) {
				/* both beat x: the larger of the two moves up */
				if (load(so, a[c]) < 0)
					return;
				if (cmp_loaded(so, a[c + 1]) > 0)
					c++;
				if (load(so, x) < 0)
					return;
			} else if (r) {
				c++;
			}
		} else if (cmp_loaded(so, a[c]) <= 0) {
			break;
		}
		a[i] = a[c];
		i = c;
	}
	a[i] = x;
}

static void heap_sort(struct sorter *so, uint32_t *a, size_t n)
{
	for (size_t i = n / 2; i-- > 0 && !so->lbuf.err;) {
		if (load(so, a[i]) < 0)
			return;
		sift_down(so, a, i, n, a[i]);
	}
	for (size_t end = n; end > 1 && !so->lbuf.err; end--) {
		uint32_t x = a[end - 1];

		a[end - 1] = a[0];
		if (load(so, x) < 0)
			return;
		sift_down(so, a, 0, end - 1, x);
	}
}

/* The median of a[i], a[j], a[k] by value. */
static uint32_t median3(struct sorter *so, uint32_t x, uint32_t y, uint32_t z)
{
	bool xy, yz, xz;

	if (load(so, y) < 0)
		return y;
	xy = cmp_loaded(so, x) < 0; /* x < y */
	yz = cmp_loaded(so, z) > 0; /* y < z */
	if (xy == yz)
		return y;
	if (load(so, z) < 0)
		return y;
	xz = cmp_loaded(so, x) < 0; /* x < z */
	/* y is the largest (xy, !yz) or the smallest (!xy, yz) */
	return xy ? (xz ? z : x) : (xz ? x : z);
}

#define SORT_SMALL 16

static void intro_sort(struct sorter *so, uint32_t *a, size_t n, unsigned depth)
{
	while (n > SORT_SMALL && !so->lbuf.err) {
		size_t i, j;

		if (depth-- == 0) {
			heap_sort(so, a, n);
			return;
		}
		/* Hoare partition around a median of three: with distinct values
		 * the pivot is neither the smallest nor the largest, so both
		 * parts are non-empty */
		if (load(so, median3(so, a[0], a[n / 2], a[n - 1])) < 0)
			return;
		i = (size_t)-1;
		j = n;
		for (;;) {
			uint32_t t;

			do
				i++;
			while (cmp_loaded(so, a[i]) < 0);
			do
				j--;
			while (cmp_loaded(so, a[j]) > 0);
			if (i >= j)
				break;
			t = a[i];
			a[i] = a[j];
			a[j] = t;
		}
		/* a[0..j] <= pivot < a[j+1..n): recurse into the smaller part */
		if (j + 1 < n - j - 1) {
			intro_sort(so, a, j + 1, depth);
			a += j + 1;
			n -= j + 1;
		} else {
			intro_sort(so, a + j + 1, n - j - 1, depth);
			n = j + 1;
		}
	}
	insertion_sort(so, a, n);
}

int sort_apply_depth(const struct sock_set *set, uint32_t *idx, size_t n, const struct sort_key *keys, size_t nkeys,
		     struct col_ctx *cc, unsigned depth)
{
	struct sorter so = {.set = set, .keys = keys, .nkeys = nkeys, .cc = cc};
	int err;

	if (n < 2 || !nkeys)
		return 0;
	if (nkeys > SORT_KEYS_MAX)
		return -EINVAL;
	if (obuf_init(&so.lbuf, -1, 256) < 0)
		return -ENOMEM;
	if (!depth)
		for (size_t m = n; m; m >>= 1)
			depth += 2;
	intro_sort(&so, idx, n, depth);
	err = so.lbuf.err;
	obuf_free(&so.lbuf);
	return err;
}

int sort_apply(const struct sock_set *set, uint32_t *idx, size_t n, const struct sort_key *keys, size_t nkeys,
	       struct col_ctx *cc)
{
	return sort_apply_depth(set, idx, n, keys, nkeys, cc, 0);
}

const char *group_by_name(enum group_by by)
{
	switch (by) {
	case GROUP_STATE:
		return "state";
	case GROUP_PROCESS:
		return "process";
	case GROUP_LOCAL_PORT:
		return "local_port";
	case GROUP_REMOTE_HOST:
		return "remote_host";
	case GROUP_REMOTE:
		return "remote";
	case GROUP_NETNS:
		return "netns";
	case GROUP_CONTAINER:
		return "container";
	case GROUP_POD:
		return "pod";
	case GROUP_UNIT:
		return "unit";
	case GROUP_NONE:
		break;
	}
	return "none";
}

static void group_key(const struct sock_rec *r, enum group_by by, struct col_ctx *cc, struct obuf *o)
{
	char addr[64];

	switch (by) {
	case GROUP_STATE:
		if (r->kind != KIND_TCP) {
			/* other kinds' states are their own: "udp UNCONN" */
			obuf_puts(o, sock_netid(r));
			obuf_putc(o, ' ');
		}
		obuf_puts(o, sock_state_name(r));
		break;
	case GROUP_PROCESS: {
		const struct sock_owner *ow;
		size_t n = cc->owners && r->inode ? procmap_lookup(cc->owners, r->inode, &ow) : 0;

		if (n)
			obuf_printf(o, "%s[%d]", ow[0].comm, (int)ow[0].pid);
		else
			obuf_putc(o, '-');
		break;
	}
	case GROUP_LOCAL_PORT:
		obuf_u64(o, r->lport);
		break;
	case GROUP_REMOTE_HOST:
		sock_addr_str(r->family, r->raddr, addr, sizeof(addr));
		obuf_puts(o, addr);
		break;
	case GROUP_REMOTE:
		sock_addr_str(r->family, r->raddr, addr, sizeof(addr));
		if (r->family == AF_INET6)
			obuf_printf(o, "[%s]:%u", addr, r->rport);
		else
			obuf_printf(o, "%s:%u", addr, r->rport);
		break;
	case GROUP_NETNS:
	case GROUP_CONTAINER:
	case GROUP_POD:
	case GROUP_UNIT: {
		const struct attrib_view *v = cc->attr ? attrib_view(cc->attr, r, cc->owners) : NULL;
		const char *s = NULL;

		if (v && by == GROUP_NETNS)
			s = v->netns;
		else if (v && by == GROUP_CONTAINER)
			s = v->container[0] ? v->container : v->container_id;
		else if (v && by == GROUP_UNIT)
			s = v->unit;
		if (v && by == GROUP_POD && v->pod[0])
			obuf_printf(o, "%s/%s", v->pod_ns, v->pod);
		else
			obuf_puts(o, s && s[0] ? s : "-");
		break;
	}
	case GROUP_NONE:
		break;
	}
}

static uint64_t hash_str(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static int cmp_groups(const void *a, const void *b)
{
	const struct group_row *x = a, *y = b;

	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return strcmp(x->key, y->key);
}

int group_build(const struct sock_set *set, enum group_by by, struct col_ctx *cc, struct group_result *ret)
{
	struct group_result g = {0};
	size_t hcap = 1024;
	uint32_t *slots = NULL; /* index+1 into g.rows, 0 = empty */
	struct obuf key;
	int err = -ENOMEM;

	if (obuf_init(&key, -1, 256) < 0)
		return -ENOMEM;
	slots = calloc(hcap, sizeof(*slots));
	if (!slots)
		goto fail;
	for (size_t i = 0; i < set->n; i++) {
		const struct sock_rec *r = &set->v[i];
		size_t h;

		key.len = 0;
		group_key(r, by, cc, &key);
		if (key.err)
			goto fail;
		h = hash_str(key.buf, key.len) & (hcap - 1);
		while (slots[h] && (strlen(g.rows[slots[h] - 1].key) != key.len ||
				    memcmp(g.rows[slots[h] - 1].key, key.buf, key.len)))
			h = (h + 1) & (hcap - 1);
		if (!slots[h]) {
			if (g.n == g.cap) {
				size_t ncap = g.cap ? g.cap * 2 : 64;
				struct group_row *nr = realloc(g.rows, ncap * sizeof(*nr));

				if (!nr)
					goto fail;
				g.rows = nr;
				g.cap = ncap;
			}
			memset(&g.rows[g.n], 0, sizeof(g.rows[g.n]));
			g.rows[g.n].key = strndup(key.buf, key.len);
			if (!g.rows[g.n].key)
				goto fail;
			slots[h] = (uint32_t)++g.n;
			if (g.n * 2 > hcap) { /* grow and rehash */
				size_t ncap = hcap * 2;
				uint32_t *ns = calloc(ncap, sizeof(*ns));

				if (!ns)
					goto fail;
				for (size_t j = 0; j < g.n; j++) {
					size_t k = hash_str(g.rows[j].key, strlen(g.rows[j].key)) & (ncap - 1);

					while (ns[k])
						k = (k + 1) & (ncap - 1);
					ns[k] = (uint32_t)j + 1;
				}
				free(slots);
				slots = ns;
				hcap = ncap;
				/* find the row again for counting below */
				h = hash_str(key.buf, key.len) & (hcap - 1);
				while (slots[h] != g.n)
					h = (h + 1) & (hcap - 1);
			}
		}
		g.rows[slots[h] - 1].total++;
		if (r->state < 16)
			g.rows[slots[h] - 1].states[r->state]++;
	}
	if (g.n > 1)
		qsort(g.rows, g.n, sizeof(*g.rows), cmp_groups);
	free(slots);
	obuf_free(&key);
	*ret = g;
	return 0;
fail:
	free(slots);
	obuf_free(&key);
	group_free(&g);
	return err;
}

void group_free(struct group_result *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++)
		free(g->rows[i].key);
	free(g->rows);
	memset(g, 0, sizeof(*g));
}

int group_render(const struct group_result *g, enum group_by by, enum format fmt, bool header, bool color,
		 struct obuf *o)
{
	const char *name = group_by_name(by);
	bool used[SK_STATE_MAX] = {false};
	size_t keyw = strlen(name);

	for (size_t i = 0; i < g->n; i++) {
		size_t w = str_term_width(g->rows[i].key, strlen(g->rows[i].key));

		keyw = w > keyw ? w : keyw;
		for (int st = 1; st < SK_STATE_MAX; st++)
			used[st] |= g->rows[i].states[st] > 0;
	}
	switch (fmt) {
	case FMT_TABLE:
		if (header) {
			obuf_puts(o, name);
			obuf_pad(o, ' ', keyw - strlen(name));
			obuf_puts(o, "  Total");
			for (size_t i = 0; i < SK_STATE_MAX - 1; i++)
				if (used[state_display_order[i]])
					obuf_printf(o, " %12s", state_name(state_display_order[i]));
			obuf_putc(o, '\n');
		}
		for (size_t i = 0; i < g->n; i++) {
			const struct group_row *r = &g->rows[i];
			size_t len = strlen(r->key);

			str_escape_term(o, r->key, len);
			obuf_pad(o, ' ', keyw - str_term_width(r->key, len));
			obuf_printf(o, "  %5lu", r->total);
			for (size_t j = 0; j < SK_STATE_MAX - 1; j++) {
				int st = state_display_order[j];

				if (!used[st])
					continue;
				if (color && r->states[st])
					obuf_printf(o, " %s%12lu\033[0m", state_color(st), r->states[st]);
				else
					obuf_printf(o, " %12lu", r->states[st]);
			}
			obuf_putc(o, '\n');
		}
		break;
	case FMT_JSON:
	case FMT_JSONL:
		if (fmt == FMT_JSON)
			obuf_printf(o, "{\"group_by\":\"%s\",\"groups\":[", name);
		for (size_t i = 0; i < g->n; i++) {
			const struct group_row *r = &g->rows[i];

			if (fmt == FMT_JSON)
				obuf_puts(o, i ? ",\n" : "\n");
			obuf_puts(o, "{\"key\":");
			str_escape_json(o, r->key, strlen(r->key));
			obuf_printf(o, ",\"total\":%lu,\"states\":{", r->total);
			for (size_t j = 0; j < SK_STATE_MAX - 1; j++) {
				int st = state_display_order[j];

				obuf_printf(o, "%s\"%s\":%lu", j ? "," : "", state_name(st), r->states[st]);
			}
			obuf_puts(o, "}}");
			if (fmt == FMT_JSONL)
				obuf_putc(o, '\n');
		}
		if (fmt == FMT_JSON)
			obuf_puts(o, g->n ? "\n]}\n" : "]}\n");
		break;
	case FMT_CSV:
		if (header) {
			obuf_printf(o, "%s,total", name);
			for (size_t j = 0; j < SK_STATE_MAX - 1; j++)
				obuf_printf(o, ",%s", state_name(state_display_order[j]));
			obuf_put(o, "\r\n", 2);
		}
		for (size_t i = 0; i < g->n; i++) {
			const struct group_row *r = &g->rows[i];

			str_escape_csv(o, r->key, strlen(r->key));
			obuf_printf(o, ",%lu", r->total);
			for (size_t j = 0; j < SK_STATE_MAX - 1; j++)
				obuf_printf(o, ",%lu", r->states[state_display_order[j]]);
			obuf_put(o, "\r\n", 2);
		}
		break;
	case FMT_PROM:
		return -EINVAL;
	}
	return o->err;
}
