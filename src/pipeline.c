// SPDX-License-Identifier: MIT
/*
 * pipeline: one run's context and the collect -> filter -> enrich steps the
 * listing, the live view and `check` share.
 */
#include "pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "allns.h"
#include "attrib.h"
#include "names.h"
#include "kind.h"
#include "needs.h"
#include "procmap.h"
#include "states.h"

/* Kinds whose -l means LISTEN alone (their CLOSE is a bound, unused socket). */
#define LISTEN_ONLY_KINDS (KIND_BIT(KIND_TCP) | KIND_BIT(KIND_MPTCP))

uint32_t pipeline_kinds(const struct options *opt, const struct filter *f)
{
	uint32_t kinds = opt->kinds ? opt->kinds : KIND_BIT(KIND_TCP);

	/* a filter's netid selects kinds: the ones it names when no kind
	 * option was given, else only those of the options it can match */
	if (filter_kinds(f) != KIND_ALL)
		kinds = (opt->kinds_named ? kinds : kinds_present()) & filter_kinds(f);
	return kinds;
}

static void set_request(struct pipeline *p)
{
	const struct options *opt = p->opt;
	struct collect_req *req = &p->req;
	uint32_t states = filter_states(p->filter);

	memset(req, 0, sizeof(*req));
	req->kinds = pipeline_kinds(opt, p->filter);
	/* -l as ss has it: listeners, and the unconnected sockets of the
	 * kinds that do not listen (UDP services, UNIX dgram servers, ...) */
	if (opt->listening)
		states &= 1u << SK_LISTEN | (req->kinds & ~LISTEN_ONLY_KINDS ? 1u << SK_CLOSE : 0);
	req->backend = opt->replay ? BACKEND_REPLAY : opt->backend;
	req->families = opt->families ? opt->families : (COLLECT_INET4 | COLLECT_INET6);
	req->states = states;
	req->need = p->need;
	req->kfilter = filter_is_trivial(p->filter) ? NULL : p->filter;
	req->proc_root = opt->proc_root ? opt->proc_root : "/proc";
	req->replay_path = opt->replay;
	req->record_path = opt->record;
	req->netns_fd = p->netns_fd;
}

static int open_netns(const char *name)
{
	char path[4096];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* --host-root=DIR with the host's /proc mounted at DIR/proc (running inside
 * a container): that procfs lists the host's processes.  A fixture tree
 * without a procfs there leaves /proc in use. */
static void find_host_proc(struct pipeline *p)
{
	struct statfs sf;
	int n;

	if (!p->opt->host_root || !p->opt->host_root[0])
		return;
	n = snprintf(p->host_proc_buf, sizeof(p->host_proc_buf), "%s%sproc", p->opt->host_root,
		     p->opt->host_root[strlen(p->opt->host_root) - 1] == '/' ? "" : "/");
	if (n < 0 || (size_t)n >= sizeof(p->host_proc_buf) || statfs(p->host_proc_buf, &sf) < 0 ||
	    sf.f_type != PROC_SUPER_MAGIC)
		return;
	p->host_proc = p->host_proc_buf;
}

int pipeline_init(struct pipeline *p, const struct options *opt, unsigned need, struct filter_error *ferr)
{
	int err;

	memset(p, 0, sizeof(*p));
	p->opt = opt;
	p->netns_fd = -1;
	err = filter_parse(opt->argc, opt->argv, &p->filter, ferr);
	if (err)
		return err;
	p->need = need | filter_needs(p->filter);
	find_host_proc(p);
	if (opt->numeric)
		p->need &= ~(unsigned)NEED_NAMES;
	if (opt->netns) {
		p->netns_fd = open_netns(opt->netns);
		if (p->netns_fd < 0) {
			err = p->netns_fd;
			p->netns_fd = -1;
			pipeline_fini(p);
			return err;
		}
	}
	if (opt->all_netns) {
		err = allns_new(&(struct allns_opts){.proc_root = p->host_proc, .host_root = opt->host_root}, &p->allns);
		if (err) {
			pipeline_fini(p);
			return err;
		}
	}
	if (p->need & NEED_CGROUP) {
		err = attrib_new(&(struct attrib_opts){.proc_root = p->host_proc,
						       .host_root = opt->host_root,
						       .cgroup_root = opt->cgroup_root,
						       .netns_name = opt->all_netns ? NULL : opt->netns},
				 &p->attr);
		if (err) {
			pipeline_fini(p);
			return err;
		}
		attrib_set_allns(p->attr, p->allns);
	}
	if ((p->need & (NEED_NAMES | NEED_USER)) || opt->resolve) {
		err = names_new(0, &p->names);
		if (err) {
			pipeline_fini(p);
			return err;
		}
	}
	set_request(p);
	return 0;
}

int pipeline_set_filter(struct pipeline *p, const char *expr, struct filter_error *ferr)
{
	struct filter *f;
	int err = filter_parse_str(expr, &f, ferr);

	if (err)
		return err;
	filter_free(p->filter);
	p->filter = f;
	p->need |= filter_needs(f);
	if ((p->need & NEED_CGROUP) && !p->attr) {
		err = attrib_new(&(struct attrib_opts){.proc_root = p->host_proc,
						       .host_root = p->opt->host_root,
						       .cgroup_root = p->opt->cgroup_root,
						       .netns_name = p->opt->all_netns ? NULL : p->opt->netns},
				 &p->attr);
		if (err)
			return err;
		attrib_set_allns(p->attr, p->allns);
	}
	set_request(p);
	return 0;
}

void pipeline_add_need(struct pipeline *p, unsigned need)
{
	p->need |= need;
	set_request(p);
}

int pipeline_owners(struct pipeline *p)
{
	if (!(p->need & NEED_OWNERS))
		return 0;
	memset(&p->owner_stats, 0, sizeof(p->owner_stats));
	if (p->owners)
		return procmap_refresh(p->owners, &p->owner_stats);
	return procmap_build(p->host_proc                                              ? p->host_proc
			     : p->opt->proc_root && p->opt->backend == BACKEND_PROC ? p->opt->proc_root
										      : "/proc",
			     &p->owners, &p->owner_stats);
}

struct filter_sink {
	struct pipeline *p;
	struct filter_env env;
	sock_sink_fn sink;
	void *arg;
};

static int filter_sink(void *arg, const struct sock_rec *rec, const struct sock_ext *ext)
{
	struct filter_sink *fs = arg;

	if (!rec) {
		fs->p->seen = 0;
		return fs->sink(fs->arg, NULL, NULL);
	}
	fs->p->seen++;
	if (ext && ext->has_cgroup) {
		if (fs->p->attr && attrib_note(fs->p->attr, rec, ext->cgroup_id) < 0)
			return -ENOMEM;
		if (sock_ext_bare_for(ext, fs->p->need & NEED_SOCKOPT))
			ext = NULL;
	}
	if (fs->p->opt->listening && rec->state == SK_CLOSE && (KIND_BIT(rec->kind) & LISTEN_ONLY_KINDS))
		return 0;
	if (!sock_subtype_wanted(rec, fs->p->opt->subtypes))
		return 0;
	fs->env.ext = ext;
	if (!filter_match(fs->p->filter, rec, &fs->env))
		return 0;
	return fs->sink(fs->arg, rec, ext);
}

int pipeline_stream(struct pipeline *p, sock_sink_fn sink, void *arg, struct collect_result *res)
{
	struct filter_sink fs = {.p = p, .sink = sink, .arg = arg};

	fs.env.owners = p->owners;
	fs.env.attr = p->attr;
	p->seen = 0;
	if (p->attr)
		attrib_snapshot(p->attr);
	if (p->allns)
		return allns_collect(p->allns, &p->req, filter_sink, &fs, res);
	return collect_run(&p->req, filter_sink, &fs, res);
}

int pipeline_snapshot(struct pipeline *p, struct sock_set *set, struct collect_result *res)
{
	int err = pipeline_owners(p);

	if (err)
		return err;
	sock_set_clear(set);
	return pipeline_stream(p, sock_set_sink, set, res);
}

void pipeline_col_ctx(struct pipeline *p, struct col_ctx *cc)
{
	memset(cc, 0, sizeof(*cc));
	cc->owners = p->owners;
	cc->names = p->names;
	cc->attr = p->attr;
	cc->resolve_hosts = p->opt->resolve;
	cc->resolve_services = !p->opt->numeric;
}

void pipeline_fini(struct pipeline *p)
{
	if (!p)
		return;
	filter_free(p->filter);
	procmap_free(p->owners);
	names_free(p->names);
	attrib_free(p->attr);
	allns_free(p->allns);
	if (p->netns_fd >= 0)
		close(p->netns_fd);
	memset(p, 0, sizeof(*p));
	p->netns_fd = -1;
}
