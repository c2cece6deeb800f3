// SPDX-License-Identifier: MIT
/*
 * nsdump: the test driver of src/netns.  Discovers every network namespace,
 * enters each through the worker pool (a NETLINK_SOCK_DIAG socket and the
 * sockstat gate), dumps its TCP sockets with a plain inet_diag request (both
 * families, every state) and prints one line per namespace:
 *   ns ino=INO label=L src=pid,mount,... pid=P via=netlink|skip|proc|vanished|changed|unreadable tcp=N
 * then "summary ..." with the counters.  When setns is refused it reads
 * /proc/PID/net/tcp{,6} of a process inside; a namespace with neither is
 * unreadable, and all such are named in one notice on stderr (exit 4).
 *   --fd-budget=N   keep at most N namespaces open (the rest are batched)
 *   --pause         print "discovered N" after discovery, wait for a line on stdin
 *   --sockets       one "sock ..." line per socket with its cgroup and where label
 *   --where-pid=PID the where label of a process, from /proc/PID/cgroup
 *   --cgroup-root=DIR, --host-root=DIR, --proc-root=DIR
 * Not installed; exit 0 complete, 4 partial, 1 error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>

#include "cgpath.h"
#include "cgroup.h"
#include "hostnames.h"
#include "nsdisc.h"
#include "nsenter.h"
#include "nsio.h"

#ifndef INET_DIAG_CGROUP_ID
#define INET_DIAG_CGROUP_ID 21
#endif

struct ctx {
	const char *proc_root, *host_root, *cgroup_root;
	bool sockets;
	struct cg_cache *cg;
	struct hn_ctx *hn;
};

static void where_of_path(struct ctx *c, const char *path, const struct nsdisc_ns *ns, bool host, char *w, size_t n)
{
	struct cg_owner o;
	struct hn_info h;
	bool have_o = path && cgpath_parse(path, strlen(path), &o) == 0;
	bool have_h = have_o && c->hn && hn_resolve(c->hn, &o, &h) == 0;

	(void)where_label(&(struct where_in){ have_o ? &o : NULL, have_h ? &h : NULL, ns ? ns->name : NULL,
					      ns ? (unsigned long long)ns->ino : 0, host },
			  w, n);
}

static void print_sock(struct ctx *c, const struct nsdisc_ns *ns, bool host, const struct inet_diag_msg *m,
		       size_t len)
{
	const struct rtattr *a = (const struct rtattr *)(m + 1);
	size_t left = len > sizeof(*m) ? len - NLMSG_ALIGN(sizeof(*m)) : 0;
	unsigned long long cgid = 0;
	char path[4096] = "", w[300];

	for (; RTA_OK(a, left); a = RTA_NEXT(a, left))
		if (a->rta_type == INET_DIAG_CGROUP_ID && RTA_PAYLOAD(a) >= 8)
			memcpy(&cgid, RTA_DATA(a), 8);
	if (cgid && c->cg && cg_cache_path(c->cg, cgid, path, sizeof(path)) < 0)
		path[0] = '\0';
	where_of_path(c, path[0] ? path : NULL, ns, host, w, sizeof(w));
	printf("sock ns=%s lport=%u state=%u cgid=%llu cgroup=%s where=%s\n", ns->label, ntohs(m->id.idiag_sport),
	       m->idiag_state, cgid, path[0] ? path : "-", w);
}

/* TCP sockets of both families through sock. */
static int dump_tcp(struct ctx *c, int sock, const struct nsdisc_ns *ns, bool host, unsigned long *ret_count)
{
	static const int fams[] = { AF_INET, AF_INET6 };
	char *buf = malloc(65536);
	unsigned long count = 0;
	int r = 0;

	if (!buf)
		return -ENOMEM;
	for (size_t f = 0; f < 2 && r == 0; f++) {
		struct {
			struct nlmsghdr nlh;
			struct inet_diag_req_v2 req;
		} q = {
			.nlh = { .nlmsg_len = sizeof(q), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
				 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = (unsigned)f + 1 },
			.req = { .sdiag_family = (unsigned char)fams[f], .sdiag_protocol = IPPROTO_TCP,
				 .idiag_states = ~0U },
		};
		struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
		bool done = false;

		if (sendto(sock, &q, sizeof(q), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			r = -errno;
			break;
		}
		while (!done) {
			ssize_t n = recv(sock, buf, 65536, 0);
			const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
			size_t left;

			if (n < 0) {
				if (errno == EINTR)
					continue;
				r = -errno;
				break;
			}
			left = (size_t)n;
			for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
				if (h->nlmsg_type == NLMSG_DONE) {
					done = true;
					break;
				}
				if (h->nlmsg_type == NLMSG_ERROR) {
					const struct nlmsgerr *e = NLMSG_DATA(h);

					r = e->error ? e->error : -EIO;
					done = true;
					break;
				}
				if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
					continue;
				count++;
				if (c->sockets)
					print_sock(c, ns, host, NLMSG_DATA(h), h->nlmsg_len - NLMSG_HDRLEN);
			}
			if (n == 0)
				break;
		}
	}
	free(buf);
	*ret_count = count;
	return r;
}

static int proc_count(const char *proc_root, pid_t pid, unsigned long *ret_count)
{
	static const char *const files[] = { "tcp", "tcp6" };
	unsigned long count = 0;
	bool any = false;

	for (size_t f = 0; f < 2; f++) {
		char p[4096];
		size_t len;
		char *buf;

		if (nsio_path(p, sizeof(p), "%s/%d/net/%s", proc_root, (int)pid, files[f]) < 0 ||
		    nsio_read_file(AT_FDCWD, p, 64u << 20, NSIO_TRUNCATE, &buf, &len) < 0)
			continue;
		any = true;
		for (size_t i = 0; i < len; i++)
			if (buf[i] == '\n')
				count++;
		if (count)
			count--; /* the header */
		free(buf);
	}
	*ret_count = count;
	return any ? 0 : -ENOENT;
}

static void src_string(unsigned src, char *out, size_t n)
{
	size_t o = 0;

	out[0] = '\0';
	for (unsigned b = 1; b <= NSDISC_SOCKET; b <<= 1)
		if (src & b)
			o += (size_t)snprintf(out + o, o < n ? n - o : 0, "%s%s", o ? "," : "", nsdisc_src_name(b));
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "fd-budget", required_argument, NULL, 'b' }, { "pause", no_argument, NULL, 'p' },
		{ "sockets", no_argument, NULL, 's' },         { "where-pid", required_argument, NULL, 'w' },
		{ "cgroup-root", required_argument, NULL, 'c' }, { "host-root", required_argument, NULL, 'H' },
		{ "proc-root", required_argument, NULL, 'P' }, { NULL, 0, NULL, 0 },
	};
	struct ctx c = { "/proc", "/", NULL, false, NULL, NULL };
	struct nsdisc_opts dopt = { 0 };
	unsigned long read_nl = 0, skipped = 0, via_proc = 0, unreadable = 0, vanished = 0, changed = 0;
	int where_pid = 0, opt, r, status = 0, first_deny = 0;
	bool pause_after = false;
	struct ns_pool *pool = NULL;
	struct nsdisc *d = NULL;
	char *unread_names = NULL;
	size_t unread_len = 0;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'b':
			dopt.fd_budget = strtoul(optarg, NULL, 10);
			break;
		case 'p':
			pause_after = true;
			break;
		case 's':
			c.sockets = true;
			break;
		case 'w':
			where_pid = atoi(optarg);
			break;
		case 'c':
			c.cgroup_root = optarg;
			break;
		case 'H':
			c.host_root = optarg;
			break;
		case 'P':
			c.proc_root = optarg;
			break;
		default:
			return 1;
		}
	}
	dopt.proc_root = c.proc_root;
	if (c.sockets || where_pid) {
		if ((r = cg_cache_new(&(struct cg_cache_opts){ .root = c.cgroup_root, .proc_root = c.proc_root }, &c.cg)) < 0)
			fprintf(stderr, "nsdump: no cgroup2 mount (%s), ignoring\n", strerror(-r));
		if (hn_ctx_new(c.host_root, &c.hn) < 0)
			return 1;
	}
	if (where_pid) {
		char path[4096], w[300];

		r = cg_pid_path(c.proc_root, where_pid, path, sizeof(path));
		if (r < 0) {
			fprintf(stderr, "nsdump: cgroup of %d: %s\n", where_pid, strerror(-r));
			return 1;
		}
		where_of_path(&c, path, NULL, true, w, sizeof(w));
		printf("where pid=%d cgroup=%s where=%s\n", where_pid, path, w);
		hn_ctx_free(c.hn);
		cg_cache_free(c.cg);
		return 0;
	}
	if ((r = nsdisc_scan(&dopt, &d)) < 0) {
		fprintf(stderr, "nsdump: discovery: %s\n", strerror(-r));
		return 1;
	}
	if ((r = ns_pool_new(&(struct ns_pool_opts){ .proc_root = c.proc_root }, &pool)) < 0) {
		fprintf(stderr, "nsdump: workers: %s\n", strerror(-r));
		nsdisc_free(d);
		return 1;
	}
	if (pause_after) {
		char line[16];

		printf("discovered %zu\n", d->n);
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			line[0] = '\0';
	}
	for (size_t i = 0; i < d->n; i++) {
		struct nsdisc_ns *ns = &d->ns[i];
		const char *via = "netlink";
		unsigned long count = 0;
		struct ns_sockstat st;
		char src[64];
		int fd = -1, sock = -1;

		r = nsdisc_open(d, i, &fd);
		if (r == 0) {
			r = nsenter_open_diag(pool, fd, &sock, &st);
			if (r == 0) {
				if (!ns_sockstat_any(&st, NS_KIND_TCP)) {
					via = "skip";
					skipped++;
				} else if ((r = dump_tcp(&c, sock, ns, i == 0, &count)) < 0) {
					fprintf(stderr, "nsdump: %s: dump: %s\n", ns->label, strerror(-r));
					status = 1;
				} else {
					read_nl++;
				}
				close(sock);
			} else if (!first_deny) {
				first_deny = r;
			}
			nsdisc_put(d, i);
		}
		if (r == -ENOENT) {
			via = "vanished";
			vanished++;
		} else if (r == -ESTALE) {
			via = "changed";
			changed++;
		} else if (r < 0) {
			if (ns->pid && proc_count(c.proc_root, ns->pid, &count) == 0) {
				via = "proc";
				via_proc++;
			} else {
				size_t l = strlen(ns->label);
				char *nb = realloc(unread_names, unread_len + l + 2);

				via = "unreadable";
				unreadable++;
				if (nb) {
					unread_names = nb;
					memcpy(unread_names + unread_len, " ", 1);
					memcpy(unread_names + unread_len + 1, ns->label, l + 1);
					unread_len += l + 1;
				}
			}
		}
		src_string(ns->src, src, sizeof(src));
		printf("ns ino=%llu label=%s src=%s pid=%d via=%s tcp=%lu\n", (unsigned long long)ns->ino, ns->label, src,
		       (int)ns->pid, via, count);
	}
	if (via_proc)
		fprintf(stderr, "nsdump: entering namespaces refused (%s): %lu read through /proc/PID/net instead\n",
			strerror(first_deny ? -first_deny : EPERM), via_proc);
	if (unreadable)
		fprintf(stderr, "nsdump: %lu namespaces not readable (need CAP_SYS_ADMIN and CAP_SYS_PTRACE):%s\n",
			unreadable, unread_names ? unread_names : "");
	printf("summary namespaces=%zu netlink=%lu skipped=%lu proc=%lu unreadable=%lu vanished=%lu changed=%lu "
	       "batched=%u reopened=%u pids=%u denied_pids=%u fd_budget=%lu entered=%lu same_ns=%lu\n",
	       d->n, read_nl, skipped, via_proc, unreadable, vanished, changed, d->stats.batched, d->stats.reopened,
	       d->stats.pids, d->stats.pids_denied, d->stats.fd_budget, ns_pool_stats(pool)->entered,
	       ns_pool_stats(pool)->same_ns);
	free(unread_names);
	ns_pool_free(pool);
	nsdisc_free(d);
	hn_ctx_free(c.hn);
	cg_cache_free(c.cg);
	if (status)
		return status;
	return unreadable ? 4 : 0;
}
