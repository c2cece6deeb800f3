// SPDX-License-Identifier: MIT
/*
 * attrib: socket -> namespace, container, pod, unit (see attrib.h).  Three
 * small open-addressing maps keep the per-socket path cheap: cookie ->
 * cgroup id (the side table), cgroup id -> entry and pid -> entry; an entry
 * is one resolved cgroup path (its parsed owner and the names the host tree
 * gives), made once per path.
 */
#include "attrib.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allns.h"
#include "cgpath.h"
#include "cgroup.h"
#include "hostnames.h"
#include "procmap.h"

#define NONE UINT64_MAX /* map value: looked up, nothing found */

struct u64map {
	uint64_t *k, *v;
	size_t cap, n; /* cap: a power of two, or 0 */
};

static uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return k;
}

static bool map_get(const struct u64map *m, uint64_t k, uint64_t *ret)
{
	if (!m->cap || !k)
		return false;
	for (size_t i = mix(k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (m->k[i] == k) {
			*ret = m->v[i];
			return true;
		}
		if (!m->k[i])
			return false;
	}
}

static int map_put(struct u64map *m, uint64_t k, uint64_t v)
{
	size_t i;

	if (!k)
		return 0;
	if ((m->n + 1) * 4 > m->cap * 3) {
		struct u64map nm = {0};

		nm.cap = m->cap ? m->cap * 2 : 1024;
		nm.k = calloc(nm.cap, sizeof(*nm.k));
		nm.v = malloc(nm.cap * sizeof(*nm.v));
		if (!nm.k || !nm.v) {
			free(nm.k);
			free(nm.v);
			return -ENOMEM;
		}
		for (size_t j = 0; j < m->cap; j++)
			if (m->k[j])
				(void)map_put(&nm, m->k[j], m->v[j]);
		free(m->k);
		free(m->v);
		*m = nm;
	}
	for (i = mix(k) & (m->cap - 1); m->k[i] && m->k[i] != k; i = (i + 1) & (m->cap - 1))
		;
	if (!m->k[i])
		m->n++;
	m->k[i] = k;
	m->v[i] = v;
	return 0;
}

static void map_clear(struct u64map *m)
{
	if (m->cap && m->n)
		memset(m->k, 0, m->cap * sizeof(*m->k));
	m->n = 0;
}

static void map_free(struct u64map *m)
{
	free(m->k);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

struct ent {
	char *cgroup;
	struct cg_owner o;
	struct hn_info h;
	bool have_h;
	bool boxed; /* a container or a pod */
	char id12[13];
};

struct attrib {
	char *proc_root, *netns_name;
	struct cg_cache *cg;
	struct hn_ctx *hn;
	struct ent *ents;
	size_t nents, entcap;
	struct u64map by_cookie, by_id, by_path, by_pid;
	const struct allns *ns;
	uint64_t *ns_ent; /* per namespace index: entry + 1, 0 (not computed), NONE */
	size_t ns_cap;
	struct sock_rec memo;
	const struct procmap *memo_owners;
	bool memo_valid;
	struct attrib_view view;
	char where[320], netns[320], pathbuf[CG_PATH_MAX];
};

int attrib_new(const struct attrib_opts *o, struct attrib **ret)
{
	struct attrib *a = calloc(1, sizeof(*a));
	int err;

	if (!a)
		return -ENOMEM;
	a->proc_root = strdup(o && o->proc_root ? o->proc_root : "/proc");
	a->netns_name = o && o->netns_name ? strdup(o->netns_name) : NULL;
	if (!a->proc_root || (o && o->netns_name && !a->netns_name)) {
		attrib_free(a);
		return -ENOMEM;
	}
	err = cg_cache_new(&(struct cg_cache_opts){.root = o ? o->cgroup_root : NULL, .proc_root = a->proc_root},
			   &a->cg);
	if (err == -ENOMEM) {
		attrib_free(a);
		return err;
	}
	if (err < 0)
		a->cg = NULL; /* no cgroup2 mount: no socket cgroups, process ones still parse */
	err = hn_ctx_new(o ? o->host_root : NULL, &a->hn);
	if (err < 0) {
		attrib_free(a);
		return err;
	}
	*ret = a;
	return 0;
}

void attrib_free(struct attrib *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nents; i++)
		free(a->ents[i].cgroup);
	free(a->ents);
	map_free(&a->by_cookie);
	map_free(&a->by_id);
	map_free(&a->by_path);
	map_free(&a->by_pid);
	free(a->ns_ent);
	cg_cache_free(a->cg);
	hn_ctx_free(a->hn);
	free(a->proc_root);
	free(a->netns_name);
	free(a);
}

void attrib_snapshot(struct attrib *a)
{
	map_clear(&a->by_cookie);
	map_clear(&a->by_pid);
	map_clear(&a->by_id); /* ids are inodes: a new cgroup may reuse one */
	if (a->cg)
		cg_cache_snapshot(a->cg);
	if (a->ns_ent)
		memset(a->ns_ent, 0, a->ns_cap * sizeof(*a->ns_ent));
	a->memo_valid = false;
}

void attrib_set_allns(struct attrib *a, const struct allns *ns)
{
	a->ns = ns;
	a->memo_valid = false;
}

int attrib_note(struct attrib *a, const struct sock_rec *r, uint64_t cgroup_id)
{
	if (!(r->flags & SOCK_F_COOKIE) || !cgroup_id)
		return 0;
	return map_put(&a->by_cookie, r->cookie, cgroup_id);
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h ? h : 1;
}

/* The entry of a cgroup path (made on first use): its index, or -ENOMEM. */
static long ent_for_path(struct attrib *a, const char *path)
{
	uint64_t h = hash_str(path), v;
	struct ent *e;

	if (map_get(&a->by_path, h, &v) && v < a->nents && !strcmp(a->ents[v].cgroup, path))
		return (long)v;
	for (size_t i = 0; i < a->nents; i++) /* hash collision: rare */
		if (!strcmp(a->ents[i].cgroup, path))
			return (long)i;
	if (a->nents == a->entcap) {
		size_t ncap = a->entcap ? a->entcap * 2 : 16;
		struct ent *ne = realloc(a->ents, ncap * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		a->ents = ne;
		a->entcap = ncap;
	}
	e = &a->ents[a->nents];
	memset(e, 0, sizeof(*e));
	e->cgroup = strdup(path);
	if (!e->cgroup)
		return -ENOMEM;
	if (cgpath_parse(path, strlen(path), &e->o) < 0)
		memset(&e->o, 0, sizeof(e->o));
	e->boxed = e->o.runtime != CG_RT_NONE || e->o.pod_uid[0];
	if (e->boxed && a->hn) {
		int r = hn_resolve(a->hn, &e->o, &e->h);

		if (r == -ENOMEM) {
			free(e->cgroup);
			return r;
		}
		e->have_h = r == 0;
	}
	snprintf(e->id12, sizeof(e->id12), "%.12s", e->o.container_id);
	if (map_put(&a->by_path, h, a->nents) < 0) {
		free(e->cgroup);
		return -ENOMEM;
	}
	return (long)a->nents++;
}

/* Entry index of a cgroup id, or -1. */
static long ent_for_id(struct attrib *a, uint64_t id)
{
	uint64_t v;
	long e = -1;

	if (map_get(&a->by_id, id, &v))
		return v == NONE ? -1 : (long)v;
	if (a->cg && cg_cache_path(a->cg, id, a->pathbuf, sizeof(a->pathbuf)) == 0)
		e = ent_for_path(a, a->pathbuf[0] ? a->pathbuf : "/");
	if (e < -1)
		return -1;
	(void)map_put(&a->by_id, id, e < 0 ? NONE : (uint64_t)e);
	return e;
}

/* Entry index of a process's cgroup, or -1. */
static long ent_for_pid(struct attrib *a, pid_t pid)
{
	uint64_t v;
	long e = -1;

	if (pid <= 0)
		return -1;
	if (map_get(&a->by_pid, (uint64_t)pid, &v))
		return v == NONE ? -1 : (long)v;
	if (cg_pid_path(a->proc_root, pid, a->pathbuf, sizeof(a->pathbuf)) >= 0)
		e = ent_for_path(a, a->pathbuf[0] ? a->pathbuf : "/");
	if (e < -1)
		return -1;
	(void)map_put(&a->by_pid, (uint64_t)pid, e < 0 ? NONE : (uint64_t)e);
	return e;
}

/* The namespace's own attribution: the container or pod of a process
 * inside it (a pod is one namespace), or -1. */
static long ent_for_ns(struct attrib *a, size_t i, const struct allns_ns *ns)
{
	long e;

	if (ns->own || !ns->pid)
		return -1;
	if (i >= a->ns_cap) {
		size_t ncap = allns_count(a->ns) > i ? allns_count(a->ns) : i + 1;
		uint64_t *nv = realloc(a->ns_ent, ncap * sizeof(*nv));

		if (!nv)
			return -1;
		memset(nv + a->ns_cap, 0, (ncap - a->ns_cap) * sizeof(*nv));
		a->ns_ent = nv;
		a->ns_cap = ncap;
	}
	if (a->ns_ent[i])
		return a->ns_ent[i] == NONE ? -1 : (long)(a->ns_ent[i] - 1);
	e = ent_for_pid(a, ns->pid);
	if (e >= 0 && !a->ents[e].boxed)
		e = -1;
	a->ns_ent[i] = e < 0 ? NONE : (uint64_t)e + 1;
	return e;
}

static void where_of(struct attrib *a, long e, const char *nsname, uint64_t ino, bool host, char *buf, size_t n)
{
	const struct ent *en = e >= 0 ? &a->ents[e] : NULL;

	(void)where_label(&(struct where_in){en ? &en->o : NULL, en && en->have_h ? &en->h : NULL,
					     nsname && nsname[0] ? nsname : NULL, (unsigned long long)ino, host},
			  buf, n);
}

/* Member-wise equality of two records (the struct may have padding, and its
 * union is compared as the address bytes that cover it). */
static bool rec_same(const struct sock_rec *a, const struct sock_rec *b)
{
	return !memcmp(a->laddr, b->laddr, sizeof(a->laddr)) && !memcmp(a->raddr, b->raddr, sizeof(a->raddr)) &&
	       a->cookie == b->cookie && a->inode == b->inode && a->recv_q == b->recv_q && a->send_q == b->send_q &&
	       a->uid == b->uid && a->ifindex == b->ifindex && a->timer_expires_ms == b->timer_expires_ms &&
	       a->netns_id == b->netns_id && a->ext == b->ext && a->lport == b->lport && a->rport == b->rport &&
	       a->proto == b->proto && a->family == b->family && a->state == b->state && a->timer == b->timer &&
	       a->retransmits == b->retransmits && a->shutdown == b->shutdown && a->flags == b->flags &&
	       a->kind == b->kind;
}

const struct attrib_view *attrib_view(struct attrib *a, const struct sock_rec *r, const struct procmap *owners)
{
	struct attrib_view *v = &a->view;
	const struct allns_ns *ns = NULL;
	long e = -1, ne = -1, w;
	uint64_t id;
	bool own = true;

	if (a->memo_valid && a->memo_owners == owners && rec_same(&a->memo, r))
		return v;
	if (owners && r->inode) {
		const struct sock_owner *o;

		if (procmap_lookup(owners, r->inode, &o) > 0)
			e = ent_for_pid(a, o[0].pid);
	}
	if (e < 0 && (r->flags & SOCK_F_COOKIE) && map_get(&a->by_cookie, r->cookie, &id))
		e = ent_for_id(a, id);
	if (a->ns)
		ns = allns_get(a->ns, r->netns_id);
	if (ns) {
		own = ns->own;
		ne = ent_for_ns(a, r->netns_id, ns);
	} else if (a->netns_name) {
		own = false;
	}
	/* a socket whose own cgroup says nothing takes its namespace's pod or container */
	w = e >= 0 && (a->ents[e].boxed || ne < 0) ? e : ne >= 0 ? ne : e;
	memset(v, 0, sizeof(*v));
	where_of(a, w, ns ? ns->name : a->netns_name, ns ? ns->ino : 0, own, a->where, sizeof(a->where));
	v->where = a->where;
	if (own)
		snprintf(a->netns, sizeof(a->netns), "host");
	else if (ns && ns->name[0])
		snprintf(a->netns, sizeof(a->netns), "%s", ns->name);
	else if (!ns && a->netns_name)
		snprintf(a->netns, sizeof(a->netns), "%s", a->netns_name);
	else if (ne >= 0)
		where_of(a, ne, NULL, ns->ino, false, a->netns, sizeof(a->netns));
	else
		snprintf(a->netns, sizeof(a->netns), "%s", ns->label);
	v->netns = a->netns;
	v->netns_ino = ns ? ns->ino : 0;
	v->container_id = v->container = v->pod = v->pod_ns = v->unit = v->cgroup = v->runtime = "";
	if (w >= 0) {
		const struct ent *en = &a->ents[w];

		v->container_id = en->id12;
		v->runtime = cg_runtime_name(en->o.runtime);
		v->unit = en->o.unit;
		if (en->have_h) {
			v->container = en->h.container;
			v->pod = en->h.pod;
			v->pod_ns = en->h.pod_ns;
		} else if (en->o.name[0]) {
			v->container = en->o.name;
		}
	}
	if (e >= 0)
		v->cgroup = a->ents[e].cgroup;
	a->memo = *r;
	a->memo_owners = owners;
	a->memo_valid = true;
	return v;
}

static bool gm(const char *glob, const char *s)
{
	return s && s[0] && !fnmatch(glob, s, 0);
}

bool attrib_match(struct attrib *a, const struct sock_rec *r, const struct procmap *owners, enum attrib_field f,
		  const char *glob)
{
	const struct attrib_view *v = attrib_view(a, r, owners);
	char buf[HN_NAME_MAX * 2 + 2];

	switch (f) {
	case AF_NETNS: {
		const struct allns_ns *ns = a->ns ? allns_get(a->ns, r->netns_id) : NULL;

		if (gm(glob, v->netns) || (ns && (gm(glob, ns->name) || gm(glob, ns->label))))
			return true;
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v->netns_ino);
		return v->netns_ino && gm(glob, buf);
	}
	case AF_CONTAINER:
		return gm(glob, v->container) || gm(glob, v->container_id);
	case AF_POD:
		if (!v->pod[0])
			return false;
		if (!strchr(glob, '/'))
			return gm(glob, v->pod);
		snprintf(buf, sizeof(buf), "%s/%s", v->pod_ns, v->pod);
		return gm(glob, buf);
	case AF_UNIT: {
		size_t n = strlen(v->unit);
		const char *dot = strrchr(v->unit, '.');

		if (gm(glob, v->unit))
			return true;
		if (!dot || (size_t)(dot - v->unit) >= sizeof(buf))
			return false;
		snprintf(buf, sizeof(buf), "%.*s", (int)(dot - v->unit), v->unit);
		return n && gm(glob, buf);
	}
	case AF_CGROUP:
		return gm(glob, v->cgroup);
	}
	return false;
}
