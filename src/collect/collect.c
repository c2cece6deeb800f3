// SPDX-License-Identifier: MIT
/*
 * collect: chooses the back end.  Netlink sock_diag first; when it cannot be
 * used (no permission, no sock_diag in the kernel, a failed dump, ...) the
 * /proc/net/tcp reader, with the reason kept for one notice by the caller.
 */
#include "collect.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "nl_diag.h"
#include "procnet.h"

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

static int proc_collect(const struct collect_req *req, sock_sink_fn sink, void *arg, struct collect_result *res)
{
	struct procnet_stats st = {0};
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
	res->used = BACKEND_PROC; /* before any record: streaming renderers name it */
	err = procnet_read(req->netns_fd >= 0 ? "/proc/thread-self" : (req->proc_root ? req->proc_root : "/proc"),
			   req->families, req->states, sink, arg, &st);
	if (self >= 0) {
		if (setns(self, CLONE_NEWNET) < 0 && !err)
			err = -errno;
		close(self);
	}
	res->malformed += st.malformed;
	res->records += st.records;
	return err;
}

int collect_run(const struct collect_req *req, sock_sink_fn sink, void *arg, struct collect_result *res)
{
	const char *op = NULL;
	int err;

	memset(res, 0, sizeof(*res));
	switch (req->backend) {
	case BACKEND_PROC:
		return proc_collect(req, sink, arg, res);
	case BACKEND_REPLAY:
		res->used = BACKEND_REPLAY;
		return nl_diag_replay(req->replay_path, req, sink, arg, res);
	case BACKEND_NETLINK:
		res->used = BACKEND_NETLINK;
		err = nl_diag_collect(req, sink, arg, res, &op);
		if (err)
			res->fallback_op = op;
		return err;
	case BACKEND_AUTO:
		/* a non-default proc root means: read that snapshot */
		if (req->proc_root && strcmp(req->proc_root, "/proc"))
			return proc_collect(req, sink, arg, res);
		res->used = BACKEND_NETLINK;
		err = nl_diag_collect(req, sink, arg, res, &op);
		if (err)
			res->fallback_op = op ? op : "dump";
		if (!err || !can_fall_back(err))
			return err;
		/* the sink's own errors and a failed --record are not netlink's */
		if (op && (!strcmp(op, "sink") || !strcmp(op, "record")))
			return err;
		if (res->records && sink(arg, NULL, NULL) < 0)
			return err; /* a streaming sink has printed rows already */
		memset(res, 0, sizeof(*res));
		res->fallback_err = err;
		res->fallback_op = op ? op : "dump";
		return proc_collect(req, sink, arg, res);
	}
	return -EINVAL;
}
