// SPDX-License-Identifier: MIT
/*
 * allns: every network namespace at once (see allns.h).  Namespaces are
 * taken in chunks so that open fds and buffered records stay bounded: the
 * chunk's namespaces are opened (nsdisc_open), dumped in parallel by the
 * worker pool into one buffer each, closed again, and the buffers are handed
 * to the sink in namespace order on the calling thread.  The per-record cost
 * is one copy; the per-namespace cost is one setns round trip and, past the
 * sockstat gate, the dumps the kinds need.
 */
#include "allns.h"
#include "needs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "kind.h"
#include "nsdisc.h"
#include "nsenter.h"
#include "states.h"

#define ALLNS_CHUNK 64

struct ns_buf {
	struct sock_set set;
	uint64_t *cg; /* per record: the socket's cgroup id, 0 if none */
	size_t cgcap;
	struct collect_result res;
	int err;
	uint8_t via;
	bool keep_sockopt; /* the request needs NEED_SOCKOPT: keep extensions that carry only it */
};

struct allns {
	char *proc_root, *host_root;
	unsigned workers, max_probes;
	bool no_socket_probe;
	struct nsdisc *disc; /* during a pass: the socket inodes the dumps report are marked there */
	struct ns_pool *pool;
	struct allns_ns *ns;
	size_t n, cap;
	struct allns_stats st;
	struct ns_buf bufs[ALLNS_CHUNK];
	struct sock_ext bare; /* a zeroed extension that carries a cgroup id only */
};

struct job_arg {
	struct allns *a;
	const struct collect_req *req;
	unsigned gate;       /* NS_KIND_* bits, 0: never skip */
	const size_t *slot;  /* fds index -> buffer index */
};

int allns_new(const struct allns_opts *o, struct allns **ret)
{
	struct allns *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->proc_root = strdup(o && o->proc_root ? o->proc_root : "/proc");
	if (!a->proc_root) {
		free(a);
		return -ENOMEM;
	}
	if (o && o->host_root && !(a->host_root = strdup(o->host_root))) {
		free(a->proc_root);
		free(a);
		return -ENOMEM;
	}
	a->workers = o ? o->workers : 0;
	a->max_probes = o ? o->max_probes : 0;
	a->no_socket_probe = o && o->no_socket_probe;
	for (size_t i = 0; i < ALLNS_CHUNK; i++)
		sock_set_init(&a->bufs[i].set);
	*ret = a;
	return 0;
}

void allns_free(struct allns *a)
{
	if (!a)
		return;
	ns_pool_free(a->pool);
	for (size_t i = 0; i < ALLNS_CHUNK; i++) {
		sock_set_free(&a->bufs[i].set);
		free(a->bufs[i].cg);
	}
	free(a->ns);
	free(a->proc_root);
	free(a->host_root);
	free(a);
}

size_t allns_count(const struct allns *a)
{
	return a ? a->n : 0;
}

const struct allns_ns *allns_get(const struct allns *a, size_t i)
{
	return a && i < a->n ? &a->ns[i] : NULL;
}

const struct allns_stats *allns_stats(const struct allns *a)
{
	return &a->st;
}

/* The sockstat kinds covering every kind asked for; 0 when one of them has
 * no sockstat line (MPTCP, UNIX, packet, netlink): then nothing is skipped. */
static unsigned gate_kinds(uint32_t kinds)
{
	unsigned g = 0;

	for (unsigned k = 0; k < KIND_MAX; k++) {
		if (!(kinds & KIND_BIT(k)))
			continue;
		switch (k) {
		case KIND_TCP:
			g |= NS_KIND_TCP;
			break;
		case KIND_UDP:
			g |= NS_KIND_UDP;
			break;
		case KIND_UDPLITE:
			g |= NS_KIND_UDPLITE;
			break;
		case KIND_RAW:
			g |= NS_KIND_RAW;
			break;
		default:
			return 0;
		}
	}
	return g;
}

static int buf_sink(void *arg, const struct sock_rec *rec, const struct sock_ext *ext)
{
	struct ns_buf *b = arg;

	if (!rec) {
		sock_set_clear(&b->set);
		return 0;
	}
	if (b->set.n >= b->cgcap) {
		size_t ncap = b->cgcap ? b->cgcap * 2 : 256;
		uint64_t *ncg = realloc(b->cg, ncap * sizeof(*ncg));

		if (!ncg)
			return -ENOMEM;
		b->cg = ncg;
		b->cgcap = ncap;
	}
	b->cg[b->set.n] = ext && ext->has_cgroup ? ext->cgroup_id : 0;
	return sock_set_add(&b->set, rec, ext && !sock_ext_bare_for(ext, b->keep_sockopt) ? ext : NULL);
}

/* On a worker, inside the namespace. */
static int ns_job(void *arg, size_t k)
{
	struct job_arg *j = arg;
	struct ns_buf *b = &j->a->bufs[j->slot[k]];
	struct collect_req req = *j->req;

	if (j->gate) {
		struct ns_sockstat st;

		if (nsenter_diag_here(NULL, NULL, &st) == 0 && (st.have4 || st.have6) && !ns_sockstat_any(&st, j->gate)) {
			b->via = ALLNS_GATED;
			return 0;
		}
	}
	req.netns_fd = -1;
	req.thread_ns = true;
	req.record_path = NULL;
	b->via = ALLNS_NETLINK;
	return collect_run(&req, buf_sink, b, &b->res);
}

/* Entering refused or the dump failed: /proc/PID/net of a process inside. */
static int ns_from_proc(struct allns *a, const struct collect_req *req, const struct allns_ns *ns, struct ns_buf *b)
{
	struct collect_req r = *req;
	char root[4096];
	int err, n;

	if (!ns->pid)
		return -ENOENT;
	n = snprintf(root, sizeof(root), "%s/%d", a->proc_root, (int)ns->pid);
	if (n < 0 || (size_t)n >= sizeof(root))
		return -ENAMETOOLONG;
	r.backend = BACKEND_PROC;
	r.proc_root = root;
	r.netns_fd = -1;
	r.thread_ns = false;
	r.record_path = NULL;
	sock_set_clear(&b->set);
	err = collect_run(&r, buf_sink, b, &b->res);
	if (err == 0)
		b->via = ALLNS_PROC;
	return err;
}

static void add_unreadable(struct allns_stats *st, const char *label)
{
	size_t n = strlen(st->unreadable_names), l = strlen(label);

	if (n + l + 2 < sizeof(st->unreadable_names) - 4) {
		snprintf(st->unreadable_names + n, sizeof(st->unreadable_names) - n, "%s%s", n ? " " : "", label);
	} else if (!strstr(st->unreadable_names, "...")) {
		snprintf(st->unreadable_names + n, sizeof(st->unreadable_names) - n, " ...");
	}
}

static void merge_res(struct collect_result *res, const struct collect_result *r)
{
	res->records += r->records;
	res->malformed += r->malformed;
	res->fell_back |= r->fell_back;
	res->unlisted |= r->unlisted;
	res->inconsistent |= r->inconsistent;
	res->kernel_filtered |= r->kernel_filtered;
	res->restarts += r->restarts;
	if (r->fallback_err && !res->fallback_err) {
		res->fallback_err = r->fallback_err;
		res->fallback_op = r->fallback_op;
	}
}

/* The sockprotoname kinds nsdisc_probe_sockets() looks for. */
static unsigned probe_kinds(uint32_t kinds)
{
	static const unsigned map[KIND_MAX] = {
		[KIND_TCP] = NSDISC_SK_TCP,         [KIND_UDP] = NSDISC_SK_UDP,       [KIND_UDPLITE] = NSDISC_SK_UDPLITE,
		[KIND_RAW] = NSDISC_SK_RAW,         [KIND_UNIX] = NSDISC_SK_UNIX,     [KIND_PACKET] = NSDISC_SK_PACKET,
		[KIND_NETLINK] = NSDISC_SK_NETLINK, [KIND_MPTCP] = NSDISC_SK_MPTCP,
	};
	unsigned p = 0;

	for (unsigned k = 0; k < KIND_MAX; k++)
		if (kinds & KIND_BIT(k))
			p |= map[k];
	return p;
}

/* Hands buffer b of namespace i to the sink. */
static int replay(struct allns *a, struct ns_buf *b, size_t i, sock_sink_fn sink, void *arg)
{
	for (size_t r = 0; r < b->set.n; r++) {
		struct sock_rec rec = b->set.v[r];
		const struct sock_ext *ext = sock_set_ext(&b->set, &rec);
		struct sock_ext tmp;
		int err;

		rec.netns_id = (uint32_t)i;
		if (a->disc && rec.inode)
			nsdisc_sock_seen(a->disc, rec.inode);
		if (b->cg[r]) {
			struct sock_ext *w = &a->bare;

			if (ext) {
				tmp = *ext;
				w = &tmp;
			}
			w->has_cgroup = 1;
			w->cgroup_id = b->cg[r];
			ext = w;
		}
		rec.ext = SOCK_NO_EXT;
		err = sink(arg, &rec, ext);
		if (err < 0)
			return err;
	}
	a->ns[i].sockets = b->set.n;
	return 0;
}

/* Copies namespaces [from, d->n) of the discovery. */
static int copy_namespaces(struct allns *a, const struct nsdisc *d, size_t from)
{
	if (d->n > a->cap) {
		struct allns_ns *nv = realloc(a->ns, d->n * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		a->ns = nv;
		a->cap = d->n;
	}
	a->n = d->n;
	for (size_t i = from; i < d->n; i++) {
		struct allns_ns *ns = &a->ns[i];

		memset(ns, 0, sizeof(*ns));
		ns->src = d->ns[i].src;
		if (ns->src == NSDISC_THREAD)
			a->st.by_thread++;
		else if (ns->src == NSDISC_SOCKET)
			a->st.by_socket++;
		ns->ino = (uint64_t)d->ns[i].ino;
		ns->pid = d->ns[i].pid;
		ns->own = i == 0;
		if (d->ns[i].name)
			snprintf(ns->name, sizeof(ns->name), "%s", d->ns[i].name);
		snprintf(ns->label, sizeof(ns->label), "%s", d->ns[i].label);
	}
	return 0;
}

static int run_chunk(struct allns *a, struct nsdisc *d, size_t s, size_t e, const struct collect_req *req,
		     unsigned gate, sock_sink_fn sink, void *arg, struct collect_result *res)
{
	int fds[ALLNS_CHUNK], results[ALLNS_CHUNK], errs[ALLNS_CHUNK], open_err[ALLNS_CHUNK];
	size_t slot[ALLNS_CHUNK], nfd = 0;
	struct job_arg ja = {a, req, gate, slot};
	int err = 0;

	for (size_t i = s; i < e; i++) {
		struct ns_buf *b = &a->bufs[i - s];
		int fd = -1;

		sock_set_clear(&b->set);
		memset(&b->res, 0, sizeof(b->res));
		b->via = ALLNS_UNREADABLE;
		b->keep_sockopt = req->need & NEED_SOCKOPT;
		open_err[i - s] = nsdisc_open(d, i, &fd);
		if (open_err[i - s] == 0) {
			fds[nfd] = fd;
			slot[nfd++] = i - s;
		}
	}
	if (nfd) {
		err = ns_pool_run_many(a->pool, fds, nfd, ns_job, &ja, results, errs);
		for (size_t k = 0; k < nfd; k++) {
			size_t i = s + slot[k];

			nsdisc_put(d, i);
			if (err)
				open_err[slot[k]] = err;
			else if (errs[k])
				open_err[slot[k]] = errs[k];
			else if (results[k] < 0)
				open_err[slot[k]] = results[k];
		}
		if (err == -EAGAIN)
			err = 0; /* no worker: every namespace is read from /proc below */
	}
	for (size_t i = s; i < e && !err; i++) {
		struct ns_buf *b = &a->bufs[i - s];
		int r = open_err[i - s];

		if (r == -ENOMEM) {
			err = r;
			break;
		}
		if (r == -ENOENT || r == -ESTALE) {
			b->via = ALLNS_VANISHED;
			sock_set_clear(&b->set);
			a->st.vanished++;
		} else if (r < 0) {
			if (r == -EPERM || r == -EACCES) {
				if (!a->st.enter_err)
					a->st.enter_err = r;
			}
			memset(&b->res, 0, sizeof(b->res));
			if (ns_from_proc(a, req, &a->ns[i], b) == 0) {
				a->st.via_proc++;
			} else {
				b->via = ALLNS_UNREADABLE;
				sock_set_clear(&b->set);
				a->st.unreadable++;
				add_unreadable(&a->st, a->ns[i].label);
			}
		} else if (b->via == ALLNS_GATED) {
			a->st.gated++;
		} else {
			a->st.read++;
		}
		a->ns[i].via = b->via;
		merge_res(res, &b->res);
		err = replay(a, b, i, sink, arg);
	}
	return err;
}

/* Dumps namespaces [from, d->n) of the discovery, chunk by chunk. */
static int run_rounds(struct allns *a, struct nsdisc *d, size_t from, const struct collect_req *req, unsigned gate,
		      sock_sink_fn sink, void *arg, struct collect_result *res)
{
	int err = 0;

	for (size_t s = from; s < d->n && !err; s += ALLNS_CHUNK) {
		size_t e = s + ALLNS_CHUNK < d->n ? s + ALLNS_CHUNK : d->n;

		if (!a->pool) {
			/* no thread: everything through /proc/PID/net */
			for (size_t i = s; i < e && !err; i++) {
				struct ns_buf *b = &a->bufs[0];

				memset(&b->res, 0, sizeof(b->res));
				if (ns_from_proc(a, req, &a->ns[i], b) == 0) {
					a->st.via_proc++;
					a->ns[i].via = ALLNS_PROC;
					merge_res(res, &b->res);
					err = replay(a, b, i, sink, arg);
				} else {
					a->ns[i].via = ALLNS_UNREADABLE;
					a->st.unreadable++;
					add_unreadable(&a->st, a->ns[i].label);
				}
			}
			continue;
		}
		err = run_chunk(a, d, s, e, req, gate, sink, arg, res);
	}
	return err;
}

int allns_collect(struct allns *a, const struct collect_req *req, sock_sink_fn sink, void *arg,
		  struct collect_result *res)
{
	struct nsdisc_opts dopt = {.proc_root = a->proc_root,
				   .host_root = a->host_root,
				   .want_sockets = !a->no_socket_probe && probe_kinds(req->kinds) != 0};
	struct nsdisc *d = NULL;
	unsigned gate;
	int err;

	memset(res, 0, sizeof(*res));
	memset(&a->st, 0, sizeof(a->st));
	a->n = 0;
	if (req->backend == BACKEND_REPLAY)
		return -EINVAL;
	if (!a->pool) {
		err = ns_pool_new(&(struct ns_pool_opts){.workers = a->workers}, &a->pool);
		if (err < 0 && err != -EAGAIN)
			return err;
	}
	err = nsdisc_scan(&dopt, &d);
	if (err < 0)
		return err;
	err = copy_namespaces(a, d, 0);
	if (err < 0) {
		nsdisc_free(d);
		return err;
	}
	a->st.found = (unsigned)d->n;
	/* sockstat does not count bound-only TCP sockets (CLOSED): a namespace
	 * holding nothing else is skipped (documented) */
	gate = gate_kinds(req->kinds);
	res->used = req->backend == BACKEND_PROC ? BACKEND_PROC : BACKEND_NETLINK;
	a->disc = d;
	err = run_rounds(a, d, 0, req, gate, sink, arg, res);
	if (!err && a->pool && !a->no_socket_probe && dopt.want_sockets) {
		/* second round: namespaces held only by sockets no dump reported */
		struct nsdisc_probe_stats ps;
		size_t first;

		err = nsdisc_probe_sockets(d, &(struct nsdisc_probe){.kinds = probe_kinds(req->kinds),
								     .max_probes = a->max_probes},
					   &first, &ps);
		a->st.sk_probed = ps.probed;
		a->st.sk_denied = ps.denied;
		a->st.sk_denied_err = ps.denied_err;
		a->st.sk_over_limit = ps.over_limit;
		a->st.sk_unsupported = ps.unsupported;
		a->st.sk_narrowed = req->kfilter || (req->states & SK_ALL_STATES) != SK_ALL_STATES;
		if (!err && first < d->n) {
			err = copy_namespaces(a, d, first);
			a->st.found = (unsigned)d->n;
			if (!err)
				err = run_rounds(a, d, first, req, gate, sink, arg, res);
		}
	}
	a->disc = NULL;
	nsdisc_free(d);
	/* the buffers' memory is kept for the next pass (top) */
	return err;
}
