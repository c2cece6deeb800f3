// SPDX-License-Identifier: MIT
/*
 * sort: --sort and --group-by over a collected socket set.
 */
#include "sort.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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

/* A precomputed key per row: numbers compare as numbers, strings through an
 * arena, so the comparison never calls getters. */
struct sort_ctx {
	const struct sort_key *keys;
	size_t nkeys, n;
	struct col_val *vals; /* n * nkeys */
	char *arena;
};

static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *sc = arg;
	uint32_t ia = ((const uint32_t *)a)[1], ib = ((const uint32_t *)b)[1];

	for (size_t k = 0; k < sc->nkeys; k++) {
		int c = col_val_cmp(&sc->vals[(size_t)ia * sc->nkeys + k], &sc->vals[(size_t)ib * sc->nkeys + k]);

		if (c)
			return c * sc->keys[k].dir;
	}
	return (ia > ib) - (ia < ib); /* stable */
}

int sort_apply(const struct sock_set *set, uint32_t *idx, size_t n, const struct sort_key *keys, size_t nkeys,
	       struct col_ctx *cc)
{
	struct sort_ctx sc = {.keys = keys, .nkeys = nkeys, .n = n};
	struct obuf strs;
	uint32_t *pairs;
	size_t *offs;
	int err = 0;

	if (n < 2 || !nkeys)
		return 0;
	sc.vals = calloc(n * nkeys, sizeof(*sc.vals));
	offs = calloc(n * nkeys, sizeof(*offs));
	pairs = malloc(n * 2 * sizeof(*pairs));
	if (!sc.vals || !offs || !pairs || obuf_init(&strs, -1, 4096) < 0) {
		free(sc.vals);
		free(offs);
		free(pairs);
		return -ENOMEM;
	}
	/* strings and owner lists are copied: getters reuse their scratch */
	for (size_t i = 0; i < n; i++) {
		const struct sock_rec *r = &set->v[idx[i]];

		for (size_t k = 0; k < nkeys; k++) {
			struct col_val *v = &sc.vals[i * nkeys + k];

			column_get(keys[k].col, cc, r, sock_set_ext(set, r), v);
			if (v->kind == CV_STR || v->kind == CV_PROCS) {
				size_t start = strs.len;

				if (v->kind == CV_STR)
					obuf_put(&strs, v->str.s, v->str.n);
				else if (v->procs.n)
					obuf_puts(&strs, v->procs.v[0].comm);
				offs[i * nkeys + k] = start;
				v->kind = CV_STR;
				v->str.n = strs.len - start;
			}
		}
		pairs[2 * i] = idx[i];
		pairs[2 * i + 1] = (uint32_t)i;
	}
	if (strs.err) {
		err = strs.err;
		goto out;
	}
	for (size_t i = 0; i < n * nkeys; i++)
		if (sc.vals[i].kind == CV_STR)
			sc.vals[i].str.s = strs.buf + offs[i];
	qsort_r(pairs, n, 2 * sizeof(*pairs), cmp_rows, &sc);
	for (size_t i = 0; i < n; i++)
		idx[i] = pairs[2 * i];
out:
	obuf_free(&strs);
	free(sc.vals);
	free(offs);
	free(pairs);
	return err;
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
		obuf_puts(o, state_name(r->state));
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
