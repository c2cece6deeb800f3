/* SPDX-License-Identifier: MIT */
/*
 * pipeline: the explicit context of one run — options, filter, needs mask,
 * owner map and name caches — and the steps collect -> filter -> enrich that
 * the listing, the live view and `check` share.  Library code: it never
 * prints; what the user must be told comes back in struct collect_result.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "collect.h"
#include "columns.h"
#include "filter.h"
#include "options.h"
#include "procmap.h"
#include "sock.h"

struct names;
struct allns;
struct attrib;

struct pipeline {
	const struct options *opt;
	struct filter *filter;       /* never NULL after init */
	unsigned need;               /* enum need: union of columns, filter, format */
	struct collect_req req;
	struct procmap *owners;      /* built on demand when need & NEED_OWNERS */
	struct procmap_stats owner_stats;
	struct names *names;         /* service/user/host caches, NULL if -n and no user column */
	int netns_fd;                /* -N: namespace fd, else -1 */
	struct allns *allns;         /* --all-netns, else NULL */
	struct attrib *attr;         /* when need & NEED_CGROUP: where, container, pod, unit, cgroup */
	unsigned long seen;          /* records the last collection received (before the user-space filter) */
	const char *host_proc;       /* --host-root=DIR with a procfs at DIR/proc: that path (the host's
				      * processes, for discovery, owners and process cgroups), else NULL */
	char host_proc_buf[4096];
};

/* The kinds a run shows: the options' (TCP by default), narrowed or, when no
 * kind option was given, chosen by the filter's netid words. */
uint32_t pipeline_kinds(const struct options *opt, const struct filter *f);
/* Prepares a run: parses the filter from opt->argv (err filled on -EINVAL:
 * print it with a caret), opens the namespace, sets the dump request.
 * need: what the chosen columns/format require (filter needs are added). */
int pipeline_init(struct pipeline *p, const struct options *opt, unsigned need, struct filter_error *ferr);
/* Replaces the filter (live view prompt).  On error the old one stays. */
int pipeline_set_filter(struct pipeline *p, const char *expr, struct filter_error *ferr);
/* Adds needs (e.g. the live view toggling owners); rebuilds the request. */
void pipeline_add_need(struct pipeline *p, unsigned need);
/* Builds or refreshes the owner map if needed.  Not finding some owners is
 * not an error (see p->owner_stats.denied). */
int pipeline_owners(struct pipeline *p);
/* Collects the matching sockets into set (cleared first).  Refreshes owners
 * first when needed.  res says which back end ran. */
int pipeline_snapshot(struct pipeline *p, struct sock_set *set, struct collect_result *res);
/* Streams each matching record to sink instead.  Does not touch the owner
 * map: call pipeline_owners() first when needed. */
int pipeline_stream(struct pipeline *p, sock_sink_fn sink, void *arg, struct collect_result *res);
/* A col_ctx wired to the pipeline's owners and names. */
void pipeline_col_ctx(struct pipeline *p, struct col_ctx *cc);
void pipeline_fini(struct pipeline *p);
