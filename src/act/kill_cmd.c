// SPDX-License-Identifier: MIT
/*
 * kill_cmd: `sockscope kill [OPTION...] FILTER`.  Collects the matching
 * sockets through netlink (the same pipeline as the listing), shows them as
 * the usual table, asks "Kill N sockets? [y/N]" on /dev/tty unless --yes
 * (--dry-run stops after the table), then sends one SOCK_DESTROY per socket
 * from a sock_diag socket opened in the socket's own namespace (-N, or with
 * --all-netns the namespace the record came from) and reports each one.
 */
#include "kill_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "allns.h"
#include "columns.h"
#include "kill.h"
#include "kind.h"
#include "pipeline.h"
#include "render.h"

/* The sock_diag socket of the namespace a record came from. */
struct ns_sock {
	int fd;          /* -1: none open */
	int err;         /* < 0: opening failed for this namespace */
	uint32_t netns_id;
	bool valid;      /* fd/err describe netns_id */
};

/* An fd of namespace ns of an --all-netns pass: its ip netns name or a
 * process inside, checked against the inode the pass saw. */
static int open_allns(const struct allns_ns *ns)
{
	char path[128];
	struct stat st;
	int fd = -1;

	if (ns->name[0]) {
		snprintf(path, sizeof(path), "/run/netns/%s", ns->name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0 && ns->pid > 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)ns->pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return errno ? -errno : -ENOENT;
	if (ns->ino && (fstat(fd, &st) < 0 || st.st_ino != ns->ino)) {
		close(fd);
		return -ESTALE; /* the name now points elsewhere */
	}
	return fd;
}

static int ns_sock_get(struct ns_sock *s, const struct pipeline *p, const struct sock_rec *r)
{
	int nsfd = p->netns_fd, fd;

	if (s->valid && (!p->allns || s->netns_id == r->netns_id))
		return s->fd >= 0 ? s->fd : s->err;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->valid = true;
	s->netns_id = r->netns_id;
	if (p->allns) {
		const struct allns_ns *ns = allns_get(p->allns, r->netns_id);

		if (!ns) {
			s->err = -ENOENT;
			return s->err;
		}
		nsfd = -1;
		if (!ns->own) {
			nsfd = open_allns(ns);
			if (nsfd < 0) {
				s->err = nsfd;
				return s->err;
			}
		}
	}
	fd = kill_open(nsfd);
	if (p->allns && nsfd >= 0)
		close(nsfd);
	if (fd < 0) {
		s->err = fd;
		return fd;
	}
	s->fd = fd;
	s->err = 0;
	return fd;
}

/* "tcp CLOSE-WAIT 10.0.0.1:5070 10.0.0.2:40070" into o. */
static void describe(struct obuf *o, struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e)
{
	static const char *const names[] = {"state", "local", "peer"};

	obuf_puts(o, sock_netid(r));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct column *c = column_find(names[i]);
		struct col_val v;

		if (!c)
			continue;
		column_get(c, cc, r, e, &v);
		obuf_putc(o, ' ');
		col_val_text(&v, o, false);
	}
}

/* y or yes on the terminal. */
static int ask(size_t n, bool *ret_yes)
{
	char line[64];
	FILE *tty = fopen("/dev/tty", "r+e");

	if (!tty)
		return -errno;
	fprintf(tty, "Kill %zu socket%s? [y/N] ", n, n == 1 ? "" : "s");
	fflush(tty);
	if (!fgets(line, sizeof(line), tty))
		line[0] = '\0';
	fclose(tty);
	line[strcspn(line, "\r\n")] = '\0';
	*ret_yes = !strcasecmp(line, "y") || !strcasecmp(line, "yes");
	return 0;
}

int kill_command(const struct options *opt_in)
{
	struct options opt = *opt_in;
	const struct column *cols[COLUMNS_MAX], *details[COLUMNS_MAX];
	size_t ndetails = 0, killed = 0, tried = 0;
	struct collect_result res = {0};
	struct ns_sock ns = {.fd = -1};
	struct filter_error fe;
	struct render r = {0};
	struct sock_set set;
	struct pipeline p;
	struct col_ctx cc;
	struct obuf out, errout = {0}, *rep = &out;
	char msg[256];
	int ncols, err, rc;

	if (opt.argc == 0) {
		fprintf(stderr, "sockscope: kill needs a filter (e.g. 'state close-wait dport = :8080'); it never "
				"kills every socket\n");
		return KILL_EXIT_USAGE;
	}
	/* live sockets only, with their cookies: netlink or nothing */
	opt.backend = BACKEND_NETLINK;
	ncols = columns_pick(&opt, cols, COLUMNS_MAX, details, &ndetails, msg, sizeof(msg));
	if (ncols < 0) {
		fprintf(stderr, "sockscope: %s (try 'sockscope kill --help')\n", msg);
		return KILL_EXIT_USAGE;
	}
	err = pipeline_init(&p, &opt, columns_needs(cols, (size_t)ncols) | columns_needs(details, ndetails), &fe);
	if (err == -EINVAL && fe.msg[0]) {
		fprintf(stderr, "sockscope: bad filter: %s\n", fe.msg);
		return KILL_EXIT_USAGE;
	}
	if (err) {
		if (opt.netns)
			fprintf(stderr, "sockscope: cannot open network namespace '%s': %s\n", opt.netns, strerror(-err));
		else
			fprintf(stderr, "sockscope: %s\n", strerror(-err));
		return KILL_EXIT_NONE;
	}
	sock_set_init(&set);
	if (obuf_init(&out, STDOUT_FILENO, 0) < 0) {
		pipeline_fini(&p);
		fprintf(stderr, "sockscope: out of memory\n");
		return KILL_EXIT_NONE;
	}
	err = pipeline_snapshot(&p, &set, &res);
	if (err) {
		fprintf(stderr, "sockscope: cannot read the socket tables (%s: %s); nothing killed\n",
			res.fallback_op ? res.fallback_op : "dump", strerror(-err));
		rc = KILL_EXIT_NONE;
		goto out;
	}
	if (set.n == 0) {
		fprintf(stderr, "sockscope: no socket matches the filter; nothing to kill\n");
		rc = KILL_EXIT_ALL;
		goto out;
	}
	pipeline_col_ctx(&p, &cc);
	cc.details = details;
	cc.ndetails = ndetails;
	r.fmt = opt.format;
	r.out = &out;
	r.cols = cols;
	r.ncols = (size_t)ncols;
	r.cc = &cc;
	r.header = !opt.no_header;
	r.legend = false;
	r.kinds = pipeline_kinds(&opt, p.filter);
	r.owners = opt.processes;
	r.backend = backend_name(res.used);
	r.host = "";
	clock_gettime(CLOCK_REALTIME, &r.now);
	err = render_set(&r, &set, NULL, set.n);
	if (!err)
		err = obuf_flush(&out);
	if (err) {
		fprintf(stderr, "sockscope: write error: %s; nothing killed\n", strerror(-err));
		rc = KILL_EXIT_NONE;
		goto out;
	}
	if (opt.dry_run) {
		fprintf(stderr, "sockscope: %zu socket%s would be killed (--dry-run: nothing killed)\n", set.n,
			set.n == 1 ? "" : "s");
		rc = KILL_EXIT_ALL;
		goto out;
	}
	if (!opt.yes) {
		bool yes = false;

		err = ask(set.n, &yes);
		if (err) {
			fprintf(stderr, "sockscope: no terminal to ask on (%s): use --yes to kill, --dry-run to look\n",
				strerror(-err));
			rc = KILL_EXIT_USAGE;
			goto out;
		}
		if (!yes) {
			fprintf(stderr, "sockscope: nothing killed\n");
			rc = KILL_EXIT_NONE;
			goto out;
		}
	}
	/* the report follows the table on stdout; after JSON, CSV or prom it
	 * goes to stderr, so that stdout stays one document */
	if (opt.format != FMT_TABLE) {
		if (obuf_init(&errout, STDERR_FILENO, 0) < 0) {
			fprintf(stderr, "sockscope: out of memory; nothing killed\n");
			rc = KILL_EXIT_NONE;
			goto out;
		}
		rep = &errout;
	}
	for (size_t i = 0; i < set.n; i++) {
		const struct sock_rec *rec = &set.v[i];
		const struct sock_ext *ext = sock_set_ext(&set, rec);
		int fd, e;

		tried++;
		if (!kill_supported(rec)) {
			e = -EOPNOTSUPP;
		} else {
			fd = ns_sock_get(&ns, &p, rec);
			e = fd < 0 ? fd : kill_socket(fd, rec, (uint32_t)i + 1);
		}
		if (e == 0) {
			killed++;
			obuf_puts(rep, "killed      ");
		} else {
			obuf_puts(rep, "not killed  ");
		}
		describe(rep, &cc, rec, ext);
		if (e != 0) {
			obuf_puts(rep, ": ");
			obuf_puts(rep, !kill_supported(rec) ? "SOCK_DESTROY cannot end this kind of socket"
							     : kill_reason(e));
		}
		obuf_putc(rep, '\n');
	}
	obuf_printf(rep, "%zu of %zu socket%s killed\n", killed, tried, tried == 1 ? "" : "s");
	err = obuf_flush(rep);
	rc = killed == tried ? KILL_EXIT_ALL : killed == 0 ? KILL_EXIT_NONE : KILL_EXIT_SOME;
	if (err && err != -EPIPE)
		fprintf(stderr, "sockscope: write error: %s\n", strerror(-err));
out:
	if (ns.fd >= 0)
		close(ns.fd);
	render_free(&r);
	obuf_free(&errout);
	obuf_free(&out);
	sock_set_free(&set);
	pipeline_fini(&p);
	return rc;
}
