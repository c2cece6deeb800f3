// SPDX-License-Identifier: MIT
/*
 * skscope: the per-socket verdicts of tracepoint events for one network
 * namespace (see skscope.h).  Linear probing with backward-shift deletion,
 * so that probe chains stay whole without tombstones.
 */
#include "skscope.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "states.h"

#define SKMAP_BITS 16u
#define SKMAP_CAP (1u << SKMAP_BITS)
#define MAX_LISTENERS 4096u

struct listener {
	uint8_t family;
	uint8_t addr[16];
	uint16_t port;
};

struct skscope {
	bool scoped;
	dev_t ns_dev;
	ino_t ns_ino;
	struct skscope_entry *v;
	size_t n;
	struct listener *lis;
	size_t nlis;
};

int skscope_new(struct skscope **ret, bool scoped, dev_t ns_dev, ino_t ns_ino)
{
	struct skscope *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->scoped = scoped;
	s->ns_dev = ns_dev;
	s->ns_ino = ns_ino;
	s->v = calloc(SKMAP_CAP, sizeof(*s->v));
	s->lis = scoped ? calloc(MAX_LISTENERS, sizeof(*s->lis)) : NULL;
	if (!s->v || (scoped && !s->lis)) {
		skscope_free(s);
		return -ENOMEM;
	}
	*ret = s;
	return 0;
}

void skscope_free(struct skscope *s)
{
	if (!s)
		return;
	free(s->v);
	free(s->lis);
	free(s);
}

int skscope_task_in_ns(uint32_t pid, uint32_t tid, dev_t ns_dev, ino_t ns_ino)
{
	char path[96];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/task/%" PRIu32 "/ns/net", pid, tid ? tid : pid);
	if (stat(path, &st) < 0) {
		/* the thread is gone by the time its event is read (a thread per
		 * connect): its process's namespace, where threads almost always are */
		snprintf(path, sizeof(path), "/proc/%" PRIu32 "/ns/net", pid);
		if (stat(path, &st) < 0)
			return 0;
	}
	return st.st_dev == ns_dev && st.st_ino == ns_ino ? 1 : -1;
}

static size_t slot(uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)(key & (SKMAP_CAP - 1));
}

static void del(struct skscope *s, struct skscope_entry *e)
{
	size_t i = (size_t)(e - s->v), j = i;

	s->v[i].key = 0;
	s->n--;
	for (;;) {
		size_t k;

		j = (j + 1) & (SKMAP_CAP - 1);
		if (!s->v[j].key)
			break;
		k = slot(s->v[j].key);
		/* move j back into the hole i unless its home k lies cyclically in (i, j] */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		s->v[i] = s->v[j];
		s->v[j].key = 0;
		i = j;
	}
	s->v[i] = (struct skscope_entry){0};
}

static void prune(struct skscope *s)
{
	size_t keep = 0;

	for (size_t i = 0; i < SKMAP_CAP; i++)
		keep += s->v[i].key && s->v[i].ns > 0;
	if (!s->scoped || keep >= SKMAP_CAP / 2) {
		memset(s->v, 0, SKMAP_CAP * sizeof(*s->v));
		s->n = 0;
		return;
	}
	for (size_t i = 0; i < SKMAP_CAP; i++)
		if (s->v[i].key && s->v[i].ns <= 0) {
			del(s, &s->v[i]);
			i--; /* the backward shift may have moved an entry into slot i */
		}
}

static struct skscope_entry *get(struct skscope *s, uint64_t key)
{
	size_t i;

	for (i = slot(key); s->v[i].key; i = (i + 1) & (SKMAP_CAP - 1))
		if (s->v[i].key == key)
			return &s->v[i];
	if (s->n >= SKMAP_CAP / 4 * 3) {
		prune(s);
		for (i = slot(key); s->v[i].key; i = (i + 1) & (SKMAP_CAP - 1))
			;
	}
	s->v[i] = (struct skscope_entry){.key = key};
	s->n++;
	return &s->v[i];
}

static size_t alen(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

static bool is_any(int family, const uint8_t *a)
{
	static const uint8_t zero[16];

	return !memcmp(a, zero, alen(family));
}

bool skscope_listener_match(const struct skscope *s, const struct sock_event *ev)
{
	for (size_t i = 0; i < s->nlis; i++) {
		const struct listener *l = &s->lis[i];

		if (l->port != ev->sport)
			continue;
		/* a v6 wildcard listener takes v4 too (unless v6only, unknown here) */
		if (l->family == AF_INET6 && is_any(AF_INET6, l->addr))
			return true;
		if (l->family == ev->family &&
		    (is_any(l->family, l->addr) || !memcmp(l->addr, ev->saddr, alen(l->family))))
			return true;
	}
	return false;
}

void skscope_add_listener(struct skscope *s, int family, const uint8_t *addr, uint16_t port)
{
	struct listener *l;

	if (!s->scoped)
		return;
	for (size_t i = 0; i < s->nlis; i++)
		if (s->lis[i].port == port && s->lis[i].family == family && !memcmp(s->lis[i].addr, addr, alen(family)))
			return;
	if (s->nlis == MAX_LISTENERS) { /* the oldest goes */
		memmove(s->lis, s->lis + 1, (MAX_LISTENERS - 1) * sizeof(*s->lis));
		s->nlis--;
	}
	l = &s->lis[s->nlis++];
	memset(l, 0, sizeof(*l));
	l->family = (uint8_t)family;
	memcpy(l->addr, addr, alen(family));
	l->port = port;
}

bool skscope_starts_life(const struct sock_event *ev)
{
	return ev->old_state == SK_CLOSE || ev->old_state == SK_KERNEL_NEW_SYN_RECV ||
	       (ev->old_state == SK_LISTEN && ev->new_state == SK_SYN_RECV);
}

struct skscope_entry *skscope_lookup(struct skscope *s, const struct sock_event *ev)
{
	struct skscope_entry *e;
	bool process = !ev->softirq && ev->pid;

	if (!ev->skaddr)
		return NULL;
	e = get(s, ev->skaddr);
	/* the address serves a new socket (the old one's CLOSE was not seen) */
	if (skscope_starts_life(ev))
		*e = (struct skscope_entry){.key = e->key};
	if (!e->pid && process)
		e->pid = ev->pid;
	if (!s->scoped)
		return e;
	if (!e->ns && process)
		e->ns = (int8_t)skscope_task_in_ns(ev->pid, ev->tid, s->ns_dev, s->ns_ino);
	if (!e->ns && (ev->old_state == SK_LISTEN || ev->old_state == SK_SYN_RECV ||
		       ev->old_state == SK_KERNEL_NEW_SYN_RECV || ev->new_state == SK_SYN_RECV) &&
	    skscope_listener_match(s, ev))
		e->ns = 1;
	return e;
}

void skscope_done(struct skscope *s, struct skscope_entry *e, const struct sock_event *ev)
{
	if (!e)
		return;
	if (e->ns > 0 && ev->new_state == SK_LISTEN)
		skscope_add_listener(s, ev->family, ev->saddr, ev->sport);
	if (ev->new_state == SK_CLOSE)
		del(s, e);
}
