// SPDX-License-Identifier: MIT
/*
 * collect: walks the kinds a request asks for and chooses the back end of
 * each.  Netlink sock_diag first; when it cannot be used for a kind (no
 * permission, no diag module for it in the kernel, a failed dump, ...) that
 * kind's /proc/net files, with the reason kept for one notice by the caller.
 */
#include "collect.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kind.h"
#include "nl_diag.h"
#include "procfs.h"

const char *backend_name(enum backend b)
{
	switch (b) {
	case BACKEND_AUTO:
		return "auto";
	case BACKEND_NETLINK:
		return "netlink";
	case BACKEND_PROC:
		return "proc";
	case BACKEND_REPLAY:
		return "replay";
	}
	return "?";
}

/* Errors after which /proc is worth trying.  Errors that come from the sink
 * (ENOMEM, EPIPE, ...) are not among them. */
static bool can_fall_back(int err)
{
	switch (-err) {
	case EPERM:
	case EACCES:
	case EPROTONOSUPPORT:
	case EAFNOSUPPORT:
	case ESOCKTNOSUPPORT:
	case EOPNOTSUPP:
	case ENOENT:
	case EINVAL:
	case ENOSYS:
	case EBADMSG:
	case EPROTO:
	case ECONNREFUSED:
	case ENOBUFS:
	case EIO:
	case EMSGSIZE:
	case ETIMEDOUT:
	case ECONNRESET:
		return true;
	default:
		return false;
	}
}

/*
 * Rows of one kind, the first of each inode: netlink dumps of some kinds
 * repeat a socket (netlink sockets bound and in groups, kernel 6.18) and a
 * /proc file read while it changes can repeat a row.  An open-addressing set
 * of the inodes seen; inode 0 (no file) always passes.
 */
struct dedupe {
	sock_sink_fn sink;
	void *arg;
	bool flagged_only; /* only the kinds whose flag says so (a replay of all kinds) */
	uint64_t *slot;
	size_t cap, n;
	unsigned long dropped;
};

static int dedupe_grow(struct dedupe *dd)
{
	size_t cap = dd->cap ? dd->cap * 2 : 1024;
	uint64_t *s = calloc(cap, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < dd->cap; i++) {
		size_t h;

		if (!dd->slot[i])
			continue;
		for (h = (dd->slot[i] * 0x9e3779b97f4a7c15ULL) & (cap - 1); s[h]; h = (h + 1) & (cap - 1))
			;
		s[h] = dd->slot[i];
	}
	free(dd->slot);
	dd->slot = s;
	dd->cap = cap;
	return 0;
}

static int dedupe_sink(void *arg, const struct sock_rec *rec, const struct sock_ext *ext)
{
	struct dedupe *dd = arg;
	size_t h;

	if (!rec) {
		if (dd->slot)
			memset(dd->slot, 0, dd->cap * sizeof(*dd->slot));
		dd->n = 0;
		return dd->sink(dd->arg, NULL, NULL);
	}
	if (rec->inode && (!dd->flagged_only || sock_kind(rec)->dedupe)) {
		if (2 * (dd->n + 1) > dd->cap && dedupe_grow(dd) < 0)
			return -ENOMEM;
		for (h = (rec->inode * 0x9e3779b97f4a7c15ULL) & (dd->cap - 1); dd->slot[h]; h = (h + 1) & (dd->cap - 1)) {
			if (dd->slot[h] == rec->inode) {
				dd->dropped++;
				return 0;
			}
		}
		dd->slot[h] = rec->inode;
		dd->n++;
	}
	return dd->sink(dd->arg, rec, ext);
}

static int proc_collect(const struct collect_req *req, unsigned kind, sock_sink_fn sink, void *arg,
			struct collect_result *res)
{
	struct procfs_stats st = {0};
	int self = -1, err;

	if (req->netns_fd >= 0) {
		/* /proc/net follows the reading thread's namespace */
		self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0)
			return -errno;
		if (setns(req->netns_fd, CLONE_NEWNET) < 0) {
			err = -errno;
			close(self);
			return err;
		}
	}
	if (kind == KIND_TCP || kind == KIND_MPTCP) {
		err = procfs_read(req->netns_fd >= 0 || req->thread_ns ? "/proc/thread-self"
						     : (req->proc_root ? req->proc_root : "/proc"),
				  kind_get(kind), req->families, req->states, sink, arg, &st);
	} else {
		struct dedupe dd = {.sink = sink, .arg = arg};

		err = procfs_read(req->netns_fd >= 0 || req->thread_ns ? "/proc/thread-self"
						     : (req->proc_root ? req->proc_root : "/proc"),
				  kind_get(kind), req->families, req->states, dedupe_sink, &dd, &st);
		st.records -= dd.dropped;
		free(dd.slot);
	}
	if (self >= 0) {
		if (setns(self, CLONE_NEWNET) < 0 && !err)
			err = -errno;
		close(self);
	}
	res->malformed += st.malformed;
	res->records += st.records;
	return err;
}

/* Every wanted kind from /proc; a kind without a /proc file is unlisted. */
static int proc_collect_all(const struct collect_req *req, sock_sink_fn sink, void *arg, struct collect_result *res)
{
	res->used = BACKEND_PROC; /* before any record: streaming renderers name it */
	for (unsigned k = 0; k < KIND_MAX; k++) {
		int err;

		if (!(req->kinds & KIND_BIT(k)) || !kind_get(k))
			continue;
		if (!kind_get(k)->nproc) {
			res->unlisted |= KIND_BIT(k);
			continue;
		}
		err = proc_collect(req, k, sink, arg, res);
		if (err < 0)
			return err;
	}
	return 0;
}

/*
 * Netlink for each wanted kind; with BACKEND_AUTO, a kind whose dump fails in
 * a way /proc can make up for is read from /proc (res->fell_back), and one
 * that /proc does not have either is left out (res->unlisted).
 */
static int nl_collect_all(const struct collect_req *req, sock_sink_fn sink, void *arg, struct collect_result *res)
{
	bool autob = req->backend == BACKEND_AUTO;
	unsigned listed_nl = 0, listed_proc = 0;
	int rec_fd = -1, err = 0;

	if (req->record_path) {
		err = nl_diag_record_open(req->record_path, &rec_fd);
		if (err < 0) {
			res->fallback_op = "record";
			return err;
		}
	}
	res->used = BACKEND_NETLINK;
	for (unsigned k = 0; k < KIND_MAX && !err; k++) {
		const struct sock_kind *kind = kind_get(k);
		unsigned long before = res->records;
		const char *op = NULL;
		int r;

		if (!(req->kinds & KIND_BIT(k)) || !kind)
			continue;
		if (!kind->nl_request) {
			r = -EOPNOTSUPP;
		} else if (kind->dedupe) {
			struct dedupe dd = {.sink = sink, .arg = arg};

			r = nl_diag_collect(req, k, rec_fd, before == 0, dedupe_sink, &dd, res, &op);
			res->records -= dd.dropped;
			free(dd.slot);
		} else {
			r = nl_diag_collect(req, k, rec_fd, before == 0, sink, arg, res, &op);
		}
		if (r == 0) {
			listed_nl++;
			continue;
		}
		if (!autob || !can_fall_back(r) || (op && (!strcmp(op, "sink") || !strcmp(op, "record")))) {
			res->fallback_op = op ? op : "dump";
			err = r;
			break;
		}
		if (res->records > before) {
			/* rows of this kind went out: only a sink that can drop
			 * everything, with nothing of another kind before, lets
			 * /proc start this kind over */
			if (before > 0 || sink(arg, NULL, NULL) < 0) {
				res->fallback_op = op ? op : "dump";
				err = r;
				break;
			}
			res->records = 0;
		}
		if (!res->fallback_err) {
			res->fallback_err = r;
			res->fallback_op = op ? op : "dump";
		}
		if (!kind->nproc) {
			res->unlisted |= KIND_BIT(k);
			continue;
		}
		if (listed_nl == 0 && listed_proc == 0)
			res->used = BACKEND_PROC; /* streaming renderers name the source */
		res->fell_back |= KIND_BIT(k);
		r = proc_collect(req, k, sink, arg, res);
		if (r < 0)
			err = r;
		listed_proc++;
	}
	if (rec_fd >= 0 && close(rec_fd) < 0 && !err) {
		err = -errno;
		res->fallback_op = "record";
	}
	if (!err && listed_nl > 0)
		res->used = BACKEND_NETLINK;
	return err;
}

int collect_run(const struct collect_req *req, sock_sink_fn sink, void *arg, struct collect_result *res)
{
	memset(res, 0, sizeof(*res));
	switch (req->backend) {
	case BACKEND_PROC:
		return proc_collect_all(req, sink, arg, res);
	case BACKEND_REPLAY: {
		struct dedupe dd = {.sink = sink, .arg = arg, .flagged_only = true};
		int err;

		res->used = BACKEND_REPLAY;
		err = nl_diag_replay(req->replay_path, req, dedupe_sink, &dd, res);
		res->records -= dd.dropped;
		free(dd.slot);
		return err;
	}
	case BACKEND_NETLINK:
		return nl_collect_all(req, sink, arg, res);
	case BACKEND_AUTO:
		/* a non-default proc root means: read that snapshot */
		if (req->proc_root && strcmp(req->proc_root, "/proc"))
			return proc_collect_all(req, sink, arg, res);
		return nl_collect_all(req, sink, arg, res);
	}
	return -EINVAL;
}
