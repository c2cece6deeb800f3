// SPDX-License-Identifier: MIT
/*
 * unix: the UNIX kind (stream, dgram and seqpacket sockets).  Its sockets
 * come from unix_diag (a struct unix_diag_msg and its attributes: name, peer,
 * queues, uid, shutdown, memory) or from /proc/net/unix, which has no peer,
 * queues or uid.  Its states are LISTEN, ESTAB and UNCONN, plus SYN-SENT for
 * the connections /proc shows waiting in a listener's queue.  A UNIX socket
 * accepted from a named listener carries the listener's path and is the
 * server's end; the connecting one is the client's.
 *
 * The parsers are pure and bounds-checked: they read their input only
 * through memcpy or byte loads within the bounds they checked, validate the
 * whole attribute stream before writing any output, and are fuzz targets.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "column.h"
#include "kind.h"
#include "nlattr.h"
#include "obuf.h"
#include "needs.h"
#include "procfield.h"
#include "states.h"

/* sun_path is 108 bytes; the kernel sends a path with its NUL. */
#define UX_NAME_MAX 109
/* /proc/net/unix Flags: __SO_ACCEPTCON, set on listeners. */
#define UX_ACCEPTCON 0x10000u
/* The states of UNIX sockets. */
#define UX_STATES ((1u << SK_LISTEN) | (1u << SK_ESTABLISHED) | (1u << SK_CLOSE) | (1u << SK_SYN_SENT))

static int unix_nl_request(const struct kind_nl_args *a, struct nlmsghdr *nlh)
{
	struct unix_diag_req *req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = a->seq;
	req->sdiag_family = AF_UNIX;
	req->udiag_states = a->states & UX_STATES;
	/* VFS and ICONS are not asked for: no record field keeps them, and a
	 * listener's ICONS grows with its accept queue.  The queues come from
	 * RQLEN, so the memory counters are only fetched when shown. */
	req->udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN | UDIAG_SHOW_UID;
	if (a->need & NEED_MEM)
		req->udiag_show |= UDIAG_SHOW_MEMINFO;
	return 0;
}

/* Smallest and largest payloads of the attributes we read. */
static bool ux_attr_len_ok(unsigned type, size_t len)
{
	switch (type) {
	case UNIX_DIAG_NAME:
		return len <= UX_NAME_MAX;
	case UNIX_DIAG_VFS:
		return len >= sizeof(struct unix_diag_vfs);
	case UNIX_DIAG_PEER:
	case UNIX_DIAG_UID:
		return len >= sizeof(uint32_t);
	case UNIX_DIAG_RQLEN:
		return len >= sizeof(struct unix_diag_rqlen);
	case UNIX_DIAG_SHUTDOWN:
		return len >= 1;
	default:
		return true;
	}
}

static uint32_t ux_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The name as people read it: a path up to its NUL, an abstract name as '@'
 * and all its bytes (NULs included).  out holds UX_NAME_MAX + 1 bytes. */
static size_t ux_name(const uint8_t *d, size_t n, char *out)
{
	const uint8_t *nul;

	if (n == 0)
		return 0;
	if (d[0] == '\0') {
		out[0] = '@';
		memcpy(out + 1, d + 1, n - 1);
		return n;
	}
	nul = memchr(d, '\0', n);
	if (nul)
		n = (size_t)(nul - d);
	memcpy(out, d, n);
	return n;
}

static int unix_nl_parse(const void *msg, size_t len, struct sock_rec *rec, struct sock_ext *ext, int *has_ext)
{
	struct nla_slot tb[UNIX_DIAG_UID + 1] = { { NULL, 0 } };
	struct unix_diag_msg m;
	bool want_ext;
	int err;

	err = nla_diag_reply(msg, len, &m, sizeof(m), tb, UNIX_DIAG_UID, ux_attr_len_ok);
	if (err < 0)
		return err;
	if (m.udiag_family != AF_UNIX)
		return -ENOENT;
	if (m.udiag_state != SK_LISTEN && m.udiag_state != SK_ESTABLISHED && m.udiag_state != SK_CLOSE)
		return -ENOENT;
	if (m.udiag_type != SOCK_STREAM && m.udiag_type != SOCK_DGRAM && m.udiag_type != SOCK_SEQPACKET)
		return -ENOENT;

	memset(rec, 0, sizeof(*rec));
	rec->ext = SOCK_NO_EXT;
	rec->family = AF_UNIX;
	rec->state = m.udiag_state;
	rec->inode = m.udiag_ino;
	rec->x.type = m.udiag_type;
	rec->cookie = m.udiag_cookie[0] | (uint64_t)m.udiag_cookie[1] << 32;
	if (rec->cookie != 0 && rec->cookie != UINT64_MAX)
		rec->flags |= SOCK_F_COOKIE;
	else
		rec->cookie = 0;
	if (tb[UNIX_DIAG_PEER].data)
		rec->x.peer = ux_u32(tb[UNIX_DIAG_PEER].data);
	if (tb[UNIX_DIAG_RQLEN].data) {
		struct unix_diag_rqlen q;

		/* listener: connections not accepted and the backlog; others:
		 * unread bytes (dgram: the next datagram) and unsent memory */
		memcpy(&q, tb[UNIX_DIAG_RQLEN].data, sizeof(q));
		rec->recv_q = q.udiag_rqueue;
		rec->send_q = q.udiag_wqueue;
	} else {
		rec->flags |= SOCK_F_SENDQ_UNKNOWN;
	}
	if (tb[UNIX_DIAG_UID].data)
		rec->uid = ux_u32(tb[UNIX_DIAG_UID].data);
	if (tb[UNIX_DIAG_SHUTDOWN].data) {
		rec->shutdown = tb[UNIX_DIAG_SHUTDOWN].data[0] & 3u;
		rec->flags |= SOCK_F_SHUTDOWN;
	}

	want_ext = ext && (tb[UNIX_DIAG_NAME].len > 0 || tb[UNIX_DIAG_MEMINFO].len >= sizeof(uint32_t));
	if (want_ext) {
		memset(ext, 0, sizeof(*ext));
		if (tb[UNIX_DIAG_NAME].data)
			ext->name_len = (uint8_t)ux_name(tb[UNIX_DIAG_NAME].data, tb[UNIX_DIAG_NAME].len, ext->name);
		ext->has_mem = nla_meminfo(&tb[UNIX_DIAG_MEMINFO], &ext->mem) > 0;
	}
	if (has_ext)
		*has_ext = want_ext;
	return 0;
}

/* ---- /proc/net/unix ---- */

/*
 * "%pK: %08X %08X %08X %04X %02X %5lu" and, for a named socket, one blank and
 * the name: a path as bound (it may hold blanks and any byte but NUL and a
 * newline), or '@' and an abstract name whose NULs print as '@'.
 */
static int unix_proc_parse(const char *line, size_t len, int family, struct sock_rec *rec, struct sock_ext *ext,
			   int *has_ext)
{
	struct pf_cur c = { line, line + len };
	uint64_t sk, refcnt, proto, flags, type, st, ino;
	size_t name_len = 0;
	const char *name = NULL;
	uint8_t state;

	if (len >= 3 && !memcmp(line, "Num", 3))
		return 1;
	pf_blanks(&c);
	if (!pf_hex(&c, 16, &sk) || c.p >= c.end || *c.p++ != ':')
		return -EINVAL;
	if (!pf_sep(&c) || !pf_hex(&c, 8, &refcnt) || !pf_sep(&c) || !pf_hex(&c, 8, &proto) || !pf_sep(&c) ||
	    !pf_hex(&c, 8, &flags) || !pf_sep(&c) || !pf_hex(&c, 4, &type) || !pf_sep(&c) || !pf_hex(&c, 2, &st) ||
	    !pf_sep(&c) || !pf_dec(&c, UINT64_MAX, &ino))
		return -EINVAL;
	if (c.p < c.end) {
		if (*c.p != ' ' || c.end - c.p < 2)
			return -EINVAL;
		name = c.p + 1;
		name_len = (size_t)(c.end - name);
		if (ext && name_len > sizeof(ext->name))
			return -EINVAL;
	}
	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return -EINVAL;
	switch (st) {
	case 1: /* SS_UNCONNECTED */
		state = SK_CLOSE;
		break;
	case 2: /* SS_CONNECTING: no file yet, waiting in a listener's queue */
		state = SK_SYN_SENT;
		break;
	case 3: /* SS_CONNECTED */
		state = SK_ESTABLISHED;
		break;
	case 4: /* SS_DISCONNECTING: no file, being torn down */
		state = SK_CLOSE;
		break;
	default:
		return -EINVAL;
	}
	if (flags & UX_ACCEPTCON) /* the kernel sets it for sk_state LISTEN */
		state = SK_LISTEN;

	memset(rec, 0, sizeof(*rec));
	rec->ext = SOCK_NO_EXT;
	rec->family = AF_UNIX;
	rec->state = state;
	rec->inode = ino;
	rec->x.type = (uint8_t)type;
	rec->flags = SOCK_F_SENDQ_UNKNOWN; /* /proc has no queues */
	if (name && ext) {
		memset(ext, 0, sizeof(*ext));
		memcpy(ext->name, name, name_len);
		ext->name_len = (uint8_t)name_len;
	}
	if (has_ext)
		*has_ext = name && ext;
	return 0;
}

static const struct kind_proc_file unix_proc[] = {
	{ "unix", AF_UNIX, false },
};

/* ---- who holds it ---- */

/* An autobound name: '@' and five hex digits, chosen by the kernel. */
static bool ux_autobound(const struct sock_ext *e)
{
	if (e->name_len != 6 || e->name[0] != '@')
		return false;
	for (int i = 1; i < 6; i++)
		if (pf_hexval(e->name[i]) < 0)
			return false;
	return true;
}

static enum state_side unix_side(const struct sock_rec *r, const struct sock_ext *e)
{
	switch (r->state) {
	case SK_LISTEN:
	case SK_SYN_SENT:
		return SIDE_SERVER;
	case SK_ESTABLISHED:
		/* accepted from a named listener (or a named dgram socket
		 * someone connected to); a name the kernel chose does not count */
		return e && e->name_len > 0 && !ux_autobound(e) ? SIDE_SERVER : SIDE_CLIENT;
	case SK_CLOSE:
		return SIDE_BOTH;
	default:
		return SIDE_MAX;
	}
}

/* ---- Local and Peer, as ss prints them ---- */

/* "NAME INODE" ('*' when unnamed; an abstract name's NULs as '@') and
 * "* PEER_INODE". */
static size_t unix_endpoint(const struct sock_rec *r, const struct sock_ext *e, bool local, char *buf, size_t len)
{
	size_t n = 0;
	int m;

	if (len == 0)
		return 0;
	if (local && e && e->name_len > 0) {
		size_t nl = e->name_len < sizeof(e->name) ? e->name_len : sizeof(e->name);

		for (size_t i = 0; i < nl && n + 1 < len; i++)
			buf[n++] = e->name[i] ? e->name[i] : '@';
	} else if (len > 1) {
		buf[n++] = '*';
	}
	buf[n] = '\0';
	if (len - n > 21) { /* ' ', up to 20 digits, the NUL: no snprintf on the hot path */
		buf[n++] = ' ';
		n += u64_fmt(buf + n, local ? r->inode : r->x.peer);
		buf[n] = '\0';
		return n;
	}
	m = snprintf(buf + n, len - n, " %llu", (unsigned long long)(local ? r->inode : r->x.peer));
	if (m > 0)
		n += (size_t)m < len - n ? (size_t)m : len - n - 1;
	return n;
}

/* ---- vocabulary ---- */

static const struct state_info unix_states[SK_STATE_MAX] = {
	[SK_LISTEN] = {
		"LISTEN", "LISTEN", "LISTEN", SIDE_SERVER, ROLE_PASSIVE_OPENER,
		"a service waits for local connections on a path or abstract name",
		"A stream or seqpacket socket was bound to a name and listen() was called on it: a file system "
		"path such as /run/docker.sock (the socket file's permissions decide who may connect), or an "
		"abstract name, shown as @name, that lives in the network namespace and has no file. It belongs "
		"to the server. A connect() to it completes at once inside the kernel: the new connection waits "
		"in the accept queue until the service takes it with accept(). For a listener, Recv-Q is the "
		"number of connections not yet accepted and Send-Q the backlog, min(listen() backlog, "
		"net.core.somaxconn). Unlike TCP, a full queue does not drop the attempt: connect() blocks until "
		"there is room, or fails with EAGAIN on a non-blocking socket.",
		"Many listeners are normal: every local service has one or more. The one to watch is a listener "
		"whose Recv-Q is at or near its Send-Q: the service accepts more slowly than clients connect, so "
		"clients hang in connect() or get EAGAIN. That is how docker.sock, a database's socket "
		"(PostgreSQL, MySQL), php-fpm or the systemd and D-Bus sockets stall the programs that depend on "
		"them. A listener that no process holds, or a path whose file was deleted and recreated, means a "
		"service that restarted and clients that may still reach the old one.",
		"List the listeners and their owners with `sockscope -x -p state listening` and look for a Recv-Q "
		"near Send-Q; `sockscope check` flags full accept queues. Find out why the service accepts slowly "
		"(a blocked accept loop, too few workers, a slow backend behind it); a larger listen() backlog, "
		"within net.core.somaxconn, only absorbs bursts. `sockscope -xp` shows who is connected to it.",
	},
	[SK_ESTABLISHED] = {
		"ESTAB", "ESTABLISHED", "ESTAB", SIDE_BOTH, ROLE_BOTH,
		"connected to a peer socket on this host",
		"The socket is connected: a stream or seqpacket socket either called connect() to a listener or "
		"was returned by accept() (that end carries the listener's path), or it is one half of a "
		"socketpair(). A datagram socket is connected when it called connect() to fix its destination, "
		"and on recent kernels also when another socket connected to it. Peer is the inode of the socket "
		"at the other end (0 when the peer is gone or not accepted yet); with -p, the process holding "
		"that inode is the one at the other end. Recv-Q is the number of bytes received and not read (for "
		"a datagram socket, the size of the next datagram only); Send-Q is the memory of data sent and "
		"not yet read by the peer. When the peer closes, this end stays here with both directions shut "
		"down and peer 0 until its owner closes it: the UNIX counterpart of TCP's CLOSE-WAIT.",
		"A large count is usually plain concurrency: D-Bus clients, database connections, container "
		"runtimes, log sockets. It is worth a look when it keeps growing under a steady load (a client "
		"that connects and never closes), when sockets stay with shutdown in both directions and peer 0 "
		"(the other end closed and this process never noticed: a descriptor leak), or when the queues "
		"stay non-zero: a large Recv-Q means the owner does not read, a large Send-Q that the peer does "
		"not read.",
		"See who talks to whom: `sockscope -xp state connected` shows both ends' processes through the "
		"peer inode. Find stuck queues with `sockscope -x -p state connected --sort=-recv_q` (and "
		"--sort=-send_q). Compare a process's descriptors with its limit (`ls /proc/PID/fd | wc -l` "
		"against `ulimit -n`); sockets with a shutdown in both directions and no peer are leaks to fix "
		"in the program that holds them.",
	},
	[SK_CLOSE] = {
		"UNCONN", "CLOSE", "UNCONN", SIDE_BOTH, ROLE_NONE,
		"not connected: a datagram socket, or not yet listening or connected",
		"The socket is neither listening nor connected. Most often it is a datagram socket that receives "
		"from anyone who sends to its name, as syslog does on /dev/log or journald on its sockets, or one "
		"that sends with sendto() to a name each time. A stream or seqpacket socket is here between "
		"socket() and listen() or connect(), or after a failed connect(). It has no peer and no side: "
		"clients and servers both have such sockets. Recv-Q is the size of the next datagram waiting to "
		"be read; Send-Q the memory of datagrams sent and not yet read by their receivers.",
		"Many unnamed unconnected sockets usually mean a program creates sockets and never uses or closes "
		"them: a descriptor leak. A named datagram socket with a Recv-Q that stays non-zero is a receiver "
		"that falls behind (a busy logging daemon): senders then block or see EAGAIN once its receive "
		"queue is full (net.unix.max_dgram_qlen datagrams).",
		"See who holds them: `sockscope -x -p state unconnected --group-by=process`. For a receiver that "
		"falls behind, look at the owner of the name with a non-zero Recv-Q "
		"(`sockscope -x -p state unconnected --sort=-recv_q`) and at why it reads slowly.",
	},
	[SK_SYN_SENT] = {
		"SYN-SENT", "SS_CONNECTING", "SYN-SENT", SIDE_SERVER, ROLE_PASSIVE_OPENER,
		"a connection waiting in a listener's queue, not yet accepted",
		"Only /proc/net/unix shows these: a client called connect() on a listener, and the kernel created "
		"the server's end of the connection at once and queued it on the listener, where it waits for "
		"accept(). Until then it has no file, so its inode is 0 and no process holds it; it carries the "
		"listener's path. The client's end is already connected (ESTAB). ss labels these rows SYN-SENT "
		"although no handshake is involved. sock_diag does not list them: it counts them in the "
		"listener's Recv-Q instead.",
		"Many of them for one path mean the service behind it accepts more slowly than clients connect: "
		"the same condition as a listener whose Recv-Q nears its Send-Q, and the first sign of a stalled "
		"docker.sock or database socket.",
		"Look at the listener: `sockscope -x -p state listening` shows its queue and its owner, and "
		"`sockscope check` flags a full accept queue. Find out why the service does not accept (blocked, "
		"overloaded, too few workers).",
	},
};

/* ---- columns ---- */

static void ux_null(struct col_val *v)
{
	v->kind = CV_NULL;
}

static void ux_str(struct col_val *v, const char *s, size_t n, bool plain)
{
	v->kind = CV_STR;
	v->plain = plain;
	v->str.s = s;
	v->str.n = n;
}

static const char *ux_type_name(uint8_t type)
{
	switch (type) {
	case SOCK_STREAM:
		return "stream";
	case SOCK_DGRAM:
		return "dgram";
	case SOCK_SEQPACKET:
		return "seqpacket";
	default:
		return NULL;
	}
}

static void get_unix_path(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	if (r->kind != KIND_UNIX || !e || e->name_len == 0)
		ux_null(v);
	else
		ux_str(v, e->name, e->name_len < sizeof(e->name) ? e->name_len : sizeof(e->name), false);
}

static void get_unix_type(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	const char *t = r->kind == KIND_UNIX ? ux_type_name(r->x.type) : NULL;

	if (t)
		ux_str(v, t, strlen(t), true);
	else
		ux_null(v);
}

static void get_peer_inode(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	if (r->kind != KIND_UNIX) {
		ux_null(v);
		return;
	}
	v->kind = CV_UINT;
	v->u = r->x.peer;
}

static const struct column unix_columns[] = {
	{ "unix_path", "Path", CT_STR, CG_NONE, 0, 0,
	  "UNIX socket name: a path, or @name for an abstract one (null when unnamed)", get_unix_path },
	{ "unix_type", "Type", CT_STR, CG_NONE, 0, 0, "UNIX socket type: stream, dgram or seqpacket", get_unix_type },
	{ "peer_inode", "Peer Inode", CT_UINT, CG_NONE, COLF_RIGHT, 0,
	  "UNIX: inode of the connected peer socket (0 when none or not known)", get_peer_inode },
};

static const struct kind_subtype unix_subtypes[] = {
	{ SOCK_STREAM, "unix_stream", "u_str" },
	{ SOCK_DGRAM, "unix_dgram", "u_dgr" },
	{ SOCK_SEQPACKET, "unix_seqpacket", "u_seq" },
};

const struct sock_kind kind_unix = {
	.name = "unix",
	.netid = "unix",
	.title = "UNIX",
	.subtypes = unix_subtypes,
	.nsubtypes = sizeof(unix_subtypes) / sizeof(unix_subtypes[0]),
	.inet = false,
	.bytecode = false,
	.states = UX_STATES,
	.nl_request = unix_nl_request,
	.nl_parse = unix_nl_parse,
	.proc = unix_proc,
	.nproc = sizeof(unix_proc) / sizeof(unix_proc[0]),
	.proc_parse = unix_proc_parse,
	.vocab = unix_states,
	.family_name = "unix",
	.side = unix_side,
	.endpoint = unix_endpoint,
	.columns = unix_columns,
	.ncolumns = sizeof(unix_columns) / sizeof(unix_columns[0]),
};
