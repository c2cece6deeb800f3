// SPDX-License-Identifier: MIT
/*
 * nl_diag: the netlink sock_diag back end.  For one socket kind it sends the
 * dump request(s) the kind builds (with kernel filter bytecode and the ports
 * the filter pins when the kind takes them), receives the datagrams into one
 * large buffer and hands each message to the kind's parser and then to the
 * sink.  It reports errors from NLMSG_ERROR and from inside NLMSG_DONE, dumps
 * again when the kernel flags a dump as interrupted, can open its socket
 * inside another network namespace, and can record the raw datagrams to a
 * file that nl_diag_replay() later feeds through the very same message path.
 *
 * One walk for both families: an inet kind is first asked for both families
 * at once (AF_UNSPEC); TCP answers with the older TCPDIAG_GETSOCK request,
 * which makes the kernel walk its tables once instead of once per family.  A
 * kind that cannot (-EOPNOTSUPP from its builder) or a kernel that refuses
 * gets one request per family.
 *
 * Record file format: the 8-byte magic "SSCNLD02", then for each datagram a
 * 32-bit little-endian word holding the datagram's length in its low 24 bits
 * and the kind's id plus one in its high 8, followed by the datagram's bytes
 * exactly as received (each dump ends with its NLMSG_DONE).  Files of the
 * first format ("SSCNLD01": the plain length, TCP only) are still read.
 *
 * Raw dumps as `ss -D FILE` (iproute2's rtnl_dump_filter with dump_fp)
 * writes them are read too: the datagrams of the dump back to back, no
 * header, so the file starts with a struct nlmsghdr.  Its little-endian
 * length can never spell "SSCN" (0x4e435353 is far above any datagram), so
 * the first bytes tell the formats apart.
 */
#include "nl_diag.h"

#include "needs.h"

#define NL_DIAG_RECV_TIMEOUT_S 10

#include <endian.h>
#include <errno.h>
#include <sys/time.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "filter.h"
#include "kind.h"
#include "needs.h"

#define NL_DIAG_MAGIC "SSCNLD02"
#define NL_DIAG_MAGIC_V1 "SSCNLD01"
#define NL_DIAG_MAGIC_LEN 8
#define NL_DIAG_LEN_MASK 0xffffffu
/* The kernel sends at most ~32 KiB per dump datagram; leave room. */
#define NL_DIAG_BUF_SIZE (64 * 1024)
#define NL_DIAG_RCVBUF (1024 * 1024)
#define NL_DIAG_MAX_RESTARTS 3
/* Internal: the dump must be redone from the first family. */
#define NL_DIAG_RESTART 1

struct nl_run {
	const struct collect_req *req;
	const struct sock_kind *kind;
	unsigned kind_id;
	sock_sink_fn sink;
	void *arg;
	struct collect_result *res;
	struct sock_ext ext;  /* reused for every message */
	bool may_restart;     /* this attempt may ask the sink to restart */
	bool intr_seen;       /* this attempt met NLM_F_DUMP_INTR */
	bool restart;         /* the sink agreed to restart */
	bool per_family;      /* the kernel refused the two-family request */
	unsigned long records, malformed;
	const char *op;       /* failing step */
};

static uint8_t nl_family_bit(int family)
{
	return family == AF_INET ? COLLECT_INET4 : family == AF_INET6 ? COLLECT_INET6 : 0;
}

static int nl_on_intr(struct nl_run *run)
{
	int r;

	if (run->intr_seen)
		return 0;
	run->intr_seen = true;
	if (run->may_restart) {
		r = run->sink(run->arg, NULL, NULL);
		if (r == 0) {
			run->restart = true;
			return 0;
		}
		if (r != -ESTALE) {
			run->op = "sink";
			return r;
		}
	}
	run->res->inconsistent = true;
	return 0;
}

static int nl_on_sock(struct nl_run *run, const struct nlmsghdr *nlh)
{
	struct sock_rec rec;
	int has_ext = 0, r;

	r = run->kind->nl_parse(nlh, nlh->nlmsg_len, &rec, &run->ext, &has_ext);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		run->malformed++;
		return 0;
	}
	if ((run->kind->inet && !(run->req->families & nl_family_bit(rec.family))) ||
	    !(run->req->states & (1u << rec.state)))
		return 0;
	rec.kind = (uint8_t)run->kind_id;
	/* a cgroup id alone is not worth an extension unless it is wanted */
	if (has_ext && !(run->req->need & NEED_CGROUP) &&
	    sock_ext_bare_for(&run->ext, run->req->need & NEED_SOCKOPT))
		has_ext = 0;
	r = run->sink(run->arg, &rec, has_ext ? &run->ext : NULL);
	if (r < 0) {
		run->op = "sink";
		return r;
	}
	run->records++;
	return 0;
}

/* A kernel error code as a negative errno; anything else is a protocol error. */
static int nl_errno(int32_t err)
{
	return err < 0 && err >= -4095 ? err : -EPROTO;
}

/* Length of the message at p with its padding, capped at *rem; consumes it. */
static size_t nl_msg_step(const uint8_t *p, size_t *rem)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)p;
	size_t step = ((size_t)nlh->nlmsg_len + 3) & ~(size_t)3;

	if (step > *rem)
		step = *rem;
	*rem -= step;
	return step;
}

/*
 * Runs every message of one datagram.  seq != 0: ignore messages of another
 * sequence.  Sets *done at NLMSG_DONE.  Returns 0 or a negative errno; sets
 * run->restart when the dump must be redone.
 */
static int nl_process(struct nl_run *run, const void *buf, size_t len, uint32_t seq, bool *done)
{
	const uint8_t *p = buf;
	size_t rem = len;
	int32_t err;
	int r;

	/* Not mnl_nlmsg_ok()/next(): with nlmsg_len near 2^32 they loop
	 * forever (the length turns negative as an int, its alignment wraps). */
	for (; rem >= sizeof(struct nlmsghdr); p += nl_msg_step(p, &rem)) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)p;

		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > rem)
			break;
		if (seq && nlh->nlmsg_seq != seq)
			continue;
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
			r = nl_on_intr(run);
			if (r < 0)
				return r;
			if (run->restart)
				return 0;
		}
		switch (nlh->nlmsg_type) {
		case SOCK_DIAG_BY_FAMILY:
		case TCPDIAG_GETSOCK:
			r = nl_on_sock(run, nlh);
			if (r < 0)
				return r;
			break;
		case NLMSG_DONE:
			*done = true;
			if (nlh->nlmsg_len >= MNL_NLMSG_HDRLEN + sizeof(err)) {
				memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
				if (err < 0) {
					run->op = "dump";
					return nl_errno(err);
				}
			}
			return 0;
		case NLMSG_ERROR:
			if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(err)) {
				run->malformed++;
				break;
			}
			memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
			if (err != 0) {
				run->op = "dump";
				return nl_errno(err);
			}
			break;
		default:
			break;
		}
	}
	if (rem > 0) {
		/* a datagram cut short may have lost the NLMSG_DONE: waiting for
		 * more would hang, so the whole dump is unusable */
		run->op = "recv";
		return -EBADMSG;
	}
	return 0;
}

static int nl_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int nl_record(int fd, unsigned kind_id, const void *buf, size_t len)
{
	uint32_t le = htole32((uint32_t)len | (kind_id + 1) << 24);
	int r;

	if (fd < 0)
		return 0;
	r = nl_write_all(fd, &le, sizeof(le));
	if (r < 0)
		return r;
	return nl_write_all(fd, buf, len);
}

/* Opens and binds the netlink socket, inside req->netns_fd if >= 0. */
static int nl_open(const struct collect_req *req, struct mnl_socket **ret, const char **ret_op)
{
	struct mnl_socket *nl;
	int self = -1, err = 0, bufsz = NL_DIAG_RCVBUF;

	if (req->netns_fd >= 0) {
		self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0) {
			*ret_op = "netns";
			return -errno;
		}
		if (setns(req->netns_fd, CLONE_NEWNET) < 0) {
			err = -errno;
			close(self);
			*ret_op = "netns";
			return err;
		}
	}
	nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!nl)
		err = -errno;
	if (self >= 0) {
		if (setns(self, CLONE_NEWNET) < 0) {
			/* The thread is stuck in the other namespace: say so. */
			int e = -errno;

			close(self);
			if (nl)
				mnl_socket_close(nl);
			*ret_op = "netns";
			return e;
		}
		close(self);
	}
	if (!nl) {
		*ret_op = "socket";
		return err;
	}
	/* Bigger dumps per round trip; best effort. */
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz)) < 0)
		(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	/* a kernel that never answers must not hang the tool */
	{
		struct timeval tv = {.tv_sec = NL_DIAG_RECV_TIMEOUT_S};

		(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		mnl_socket_close(nl);
		*ret_op = "bind";
		return err;
	}
	*ret = nl;
	return 0;
}

/* Builds the kind's dump request for family (AF_UNSPEC: both inet families
 * at once) into a new buffer (caller frees). */
static int nl_build_req(struct nl_run *run, int family, uint32_t seq, void **ret_buf, size_t *ret_len)
{
	const struct collect_req *req = run->req;
	struct kind_nl_args a = {
		.family = family, .seq = seq, .states = req->states, .need = req->need,
	};

	/* TCP subflows of MPTCP sockets say so in their ULP info, which comes
	 * with tcp_info only */
	if (run->kind_id == KIND_TCP && (req->kinds & KIND_BIT(KIND_MPTCP)))
		a.need |= NEED_INFO;
	struct nlmsghdr *nlh;
	void *bc = NULL, *buf;
	size_t bclen = 0;
	int r;

	if (req->kfilter && run->kind->bytecode) {
		r = filter_bytecode(req->kfilter, family, &bc, &bclen);
		if (r < 0) {
			run->op = "filter";
			return r;
		}
		if (bc && bclen + MNL_ATTR_HDRLEN > UINT16_MAX) {
			/* Too big for one attribute: let user space filter. */
			free(bc);
			bc = NULL;
		}
		filter_pinned_ports(req->kfilter, &a.sport, &a.dport);
	}
	a.bc = bc;
	a.bclen = bclen;
	/* the header, the largest request struct and a few attributes */
	buf = calloc(1, MNL_NLMSG_HDRLEN + 256 + (bc ? MNL_ATTR_HDRLEN + MNL_ALIGN(bclen) : 0));
	if (!buf) {
		free(bc);
		run->op = "dump";
		return -ENOMEM;
	}
	nlh = mnl_nlmsg_put_header(buf);
	r = run->kind->nl_request(&a, nlh);
	free(bc);
	if (r < 0) {
		free(buf);
		run->op = "dump";
		return r;
	}
	if (a.bc)
		run->res->kernel_filtered = true;
	*ret_buf = buf;
	*ret_len = nlh->nlmsg_len;
	return 0;
}

/* One dump of one family (AF_UNSPEC: both) on nl.  Returns 0, NL_DIAG_RESTART
 * or -errno. */
static int nl_dump_family(struct nl_run *run, struct mnl_socket *nl, int family, uint32_t seq, void *buf,
			  int rec_fd)
{
	void *reqbuf;
	size_t reqlen;
	bool done = false;
	int r;

	r = nl_build_req(run, family, seq, &reqbuf, &reqlen);
	if (r < 0)
		return r;
	if (mnl_socket_sendto(nl, reqbuf, reqlen) < 0) {
		r = -errno;
		free(reqbuf);
		run->op = "send";
		return r;
	}
	free(reqbuf);
	while (!done) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, NL_DIAG_BUF_SIZE);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			run->op = "recv";
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return -ETIMEDOUT;
			if (errno == ENOSPC) /* libmnl's word for a truncated datagram (MSG_TRUNC) */
				return -EMSGSIZE;
			return -errno;
		}
		if (n == 0) {
			run->op = "recv";
			return -ECONNRESET;
		}
		r = nl_record(rec_fd, run->kind_id, buf, (size_t)n);
		if (r < 0) {
			run->op = "record";
			return r;
		}
		r = nl_process(run, buf, (size_t)n, seq, &done);
		if (r < 0)
			return r;
		if (run->restart)
			return NL_DIAG_RESTART;
	}
	return 0;
}

int nl_diag_record_open(const char *path, int *ret_fd)
{
	int fd, r;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	r = nl_write_all(fd, NL_DIAG_MAGIC, NL_DIAG_MAGIC_LEN);
	if (r < 0) {
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

/* Drops what an abandoned attempt recorded after offset start. */
static int nl_record_rewind(int fd, off_t start)
{
	if (fd < 0)
		return 0;
	if (ftruncate(fd, start) < 0 || lseek(fd, start, SEEK_SET) < 0)
		return -errno;
	return 0;
}

/* Errors with which a kernel refuses the two-family request itself. */
static bool nl_refused_request(int r)
{
	return r == -EOPNOTSUPP || r == -EINVAL || r == -ENOENT || r == -EPROTONOSUPPORT;
}

static int nl_collect_once(struct nl_run *run, void *buf, int rec_fd, off_t rec_start, unsigned attempt)
{
	static const int families[] = { AF_INET, AF_INET6 };
	const uint8_t both = COLLECT_INET4 | COLLECT_INET6;
	struct mnl_socket *nl = NULL;
	int r = 0;

	if (!run->kind->inet) {
		r = nl_open(run->req, &nl, &run->op);
		if (r < 0)
			return r;
		r = nl_dump_family(run, nl, AF_UNSPEC, attempt * 16 + 1, buf, rec_fd);
		mnl_socket_close(nl);
		return r;
	}
	if ((run->req->families & both) == both && !run->per_family) {
		r = nl_open(run->req, &nl, &run->op);
		if (r < 0)
			return r;
		r = nl_dump_family(run, nl, AF_UNSPEC, attempt * 16 + 1, buf, rec_fd);
		if (r < 0 && nl_refused_request(r) && run->records == 0 && !run->intr_seen) {
			/* a kind or a kernel without it: one request per family */
			mnl_socket_close(nl);
			nl = NULL;
			run->per_family = true;
			run->op = NULL;
			r = nl_record_rewind(rec_fd, rec_start);
			if (r < 0) {
				run->op = "record";
				return r;
			}
		} else {
			mnl_socket_close(nl);
			return r;
		}
	}
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		if (!(run->req->families & nl_family_bit(families[i])))
			continue;
		if (!nl) {
			r = nl_open(run->req, &nl, &run->op);
			if (r < 0)
				return r;
		}
		r = nl_dump_family(run, nl, families[i], attempt * 16 + (uint32_t)i + 2, buf, rec_fd);
		if (r != 0)
			break;
	}
	if (nl)
		mnl_socket_close(nl);
	return r;
}

int nl_diag_collect(const struct collect_req *req, unsigned kind, int rec_fd, bool may_restart, sock_sink_fn sink,
		    void *arg, struct collect_result *res, const char **ret_op)
{
	struct nl_run *run;
	void *buf;
	off_t rec_start = 0;
	int r = 0;
	const char *op = "dump";

	if (!req || !sink || !res || !kind_get(kind) || !kind_get(kind)->nl_request)
		return -EINVAL;
	if (rec_fd >= 0) {
		rec_start = lseek(rec_fd, 0, SEEK_CUR);
		if (rec_start < 0) {
			if (ret_op)
				*ret_op = "record";
			return -errno;
		}
	}
	run = calloc(1, sizeof(*run));
	buf = malloc(NL_DIAG_BUF_SIZE);
	if (!run || !buf) {
		r = -ENOMEM;
		goto out;
	}
	run->req = req;
	run->kind = kind_get(kind);
	run->kind_id = kind;
	run->sink = sink;
	run->arg = arg;
	run->res = res;
	for (unsigned attempt = 0;; attempt++) {
		run->may_restart = may_restart && attempt < NL_DIAG_MAX_RESTARTS;
		run->intr_seen = false;
		run->restart = false;
		run->records = 0;
		run->op = NULL;
		r = nl_collect_once(run, buf, rec_fd, rec_start, attempt);
		if (r != NL_DIAG_RESTART)
			break;
		res->restarts++;
		r = nl_record_rewind(rec_fd, rec_start);
		if (r < 0) {
			run->op = "record";
			break;
		}
	}
	res->records += run->records;
	res->malformed += run->malformed;
	if (run->op)
		op = run->op;
	if (r == 0)
		res->used = BACKEND_NETLINK;
	else if (rec_fd >= 0 && strcmp(op, "record"))
		(void)nl_record_rewind(rec_fd, rec_start); /* a kind that failed leaves nothing to replay */
out:
	free(buf);
	free(run);
	if (r < 0 && ret_op)
		*ret_op = op;
	return r;
}

enum nl_diag_format nl_diag_format(const void *head, size_t len)
{
	struct nlmsghdr nlh;

	if (!head)
		return NL_DIAG_FMT_UNKNOWN;
	if (len >= NL_DIAG_MAGIC_LEN && !memcmp(head, NL_DIAG_MAGIC, NL_DIAG_MAGIC_LEN))
		return NL_DIAG_FMT_V2;
	if (len >= NL_DIAG_MAGIC_LEN && !memcmp(head, NL_DIAG_MAGIC_V1, NL_DIAG_MAGIC_LEN))
		return NL_DIAG_FMT_V1;
	if (len < sizeof(nlh))
		return NL_DIAG_FMT_UNKNOWN;
	memcpy(&nlh, head, sizeof(nlh));
	if (nlh.nlmsg_len < sizeof(nlh) || nlh.nlmsg_len > NL_DIAG_BUF_SIZE)
		return NL_DIAG_FMT_UNKNOWN;
	switch (nlh.nlmsg_type) {
	case SOCK_DIAG_BY_FAMILY:
	case TCPDIAG_GETSOCK:
	case NLMSG_DONE:
	case NLMSG_ERROR:
		return NL_DIAG_FMT_RAW;
	default:
		return NL_DIAG_FMT_UNKNOWN;
	}
}

/* The kind of an inet_diag message of a raw dump: by its INET_DIAG_PROTOCOL
 * when present (UDP and UDP-Lite), else TCP, the only kind ss records. */
static unsigned nl_raw_kind(const uint8_t *msg, size_t len)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct inet_diag_msg));

	while (off + sizeof(struct nlattr) <= len) {
		struct nlattr nla;

		memcpy(&nla, msg + off, sizeof(nla));
		if (nla.nla_len < sizeof(nla) || nla.nla_len > len - off)
			break;
		if ((nla.nla_type & NLA_TYPE_MASK) == INET_DIAG_PROTOCOL && nla.nla_len > sizeof(nla)) {
			switch (msg[off + NLA_HDRLEN]) {
			case IPPROTO_UDP:
				return KIND_UDP;
			case 136: /* IPPROTO_UDPLITE */
				return KIND_UDPLITE;
			default:
				return KIND_TCP;
			}
		}
		off += NLA_ALIGN(nla.nla_len);
	}
	return KIND_TCP;
}

/* A raw dump: messages back to back, each padded to 4 bytes; head holds the
 * first hlen bytes already read.  Every dump of the file is read. */
static int nl_replay_raw(FILE *f, const uint8_t *head, size_t hlen, struct nl_run *run, uint8_t *buf)
{
	const struct collect_req *req = run->req;
	size_t have = hlen;
	int r = 0;

	memcpy(buf, head, hlen);
	for (;;) {
		struct nlmsghdr nlh;
		size_t len, want, got;
		unsigned kind;
		bool done = false;

		if (have < sizeof(nlh)) {
			got = fread(buf + have, 1, sizeof(nlh) - have, f);
			have += got;
			if (have == 0)
				return ferror(f) ? -EIO : 0;
			if (have < sizeof(nlh))
				return ferror(f) ? -EIO : -EBADMSG;
		}
		memcpy(&nlh, buf, sizeof(nlh));
		len = nlh.nlmsg_len;
		if (len < sizeof(nlh) || len > NL_DIAG_BUF_SIZE)
			return -EBADMSG;
		want = NLMSG_ALIGN(len);
		if (want > have) {
			got = fread(buf + have, 1, want - have, f);
			/* the last message may lack its padding */
			if (have + got < len)
				return ferror(f) ? -EIO : -EBADMSG;
		}
		have = 0;
		kind = KIND_TCP;
		if (nlh.nlmsg_type == SOCK_DIAG_BY_FAMILY || nlh.nlmsg_type == TCPDIAG_GETSOCK)
			kind = nl_raw_kind(buf, len);
		if (!(req->kinds & KIND_BIT(kind)) || !kind_get(kind))
			continue;
		run->kind = kind_get(kind);
		run->kind_id = kind;
		r = nl_process(run, buf, len, 0, &done);
		if (r < 0)
			return r;
	}
}

static int nl_read_exact(FILE *f, void *buf, size_t len)
{
	if (fread(buf, 1, len, f) != len)
		return ferror(f) ? -EIO : -EBADMSG;
	return 0;
}

int nl_diag_replay(const char *path, const struct collect_req *req, sock_sink_fn sink, void *arg,
		   struct collect_result *res)
{
	uint8_t head[sizeof(struct nlmsghdr)];
	enum nl_diag_format fmt;
	struct nl_run *run = NULL;
	void *buf = NULL;
	size_t hlen;
	bool v1;
	FILE *f;
	int r;

	if (!path || !req || !sink || !res)
		return -EINVAL;
	f = fopen(path, "rbe");
	if (!f)
		return -errno;
	run = calloc(1, sizeof(*run));
	buf = malloc(NL_DIAG_BUF_SIZE);
	if (!run || !buf) {
		r = -ENOMEM;
		goto out;
	}
	run->req = req;
	run->sink = sink;
	run->arg = arg;
	run->res = res;
	/* the magic, else the rest of a whole nlmsghdr (no seeking: a pipe
	 * can be replayed) */
	hlen = fread(head, 1, NL_DIAG_MAGIC_LEN, f);
	fmt = nl_diag_format(head, hlen);
	if (fmt == NL_DIAG_FMT_UNKNOWN && hlen == NL_DIAG_MAGIC_LEN) {
		hlen += fread(head + hlen, 1, sizeof(head) - hlen, f);
		fmt = nl_diag_format(head, hlen);
	}
	if (fmt == NL_DIAG_FMT_RAW) {
		r = nl_replay_raw(f, head, hlen, run, buf);
		goto done;
	}
	if (fmt == NL_DIAG_FMT_UNKNOWN) {
		r = ferror(f) ? -EIO : -EBADMSG;
		goto out;
	}
	v1 = fmt == NL_DIAG_FMT_V1;
	for (;;) {
		uint32_t le, word;
		unsigned kind = KIND_TCP;
		size_t len, got;
		bool done = false;

		got = fread(&le, 1, sizeof(le), f);
		if (got != sizeof(le)) {
			/* Only an end of file between datagrams is clean. */
			r = ferror(f) ? -EIO : got == 0 ? 0 : -EBADMSG;
			break;
		}
		word = le32toh(le);
		len = v1 ? word : word & NL_DIAG_LEN_MASK;
		if (!v1) {
			if ((word >> 24) == 0 || !kind_get((word >> 24) - 1)) {
				r = -EBADMSG;
				break;
			}
			kind = (word >> 24) - 1;
		}
		if (len > NL_DIAG_BUF_SIZE) {
			r = -EBADMSG;
			break;
		}
		r = nl_read_exact(f, buf, len);
		if (r < 0)
			break;
		if (!(req->kinds & KIND_BIT(kind)))
			continue;
		run->kind = kind_get(kind);
		run->kind_id = kind;
		r = nl_process(run, buf, len, 0, &done);
		if (r < 0)
			break;
	}
done:
	res->records += run->records;
	res->malformed += run->malformed;
	if (r == 0)
		res->used = BACKEND_REPLAY;
out:
	free(buf);
	free(run);
	fclose(f);
	return r;
}
