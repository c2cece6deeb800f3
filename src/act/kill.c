// SPDX-License-Identifier: MIT
/*
 * kill: SOCK_DESTROY requests, one socket each.  The id of the request is the
 * record's own (inet_diag_sockid: ports in network order, addresses, bound
 * interface, cookie), so the kernel finds exactly the socket that was dumped;
 * a socket that was replaced meanwhile by another with the same addresses
 * has another cookie and is refused (ENOENT).
 */
#include "kill.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "kind.h"

#define KILL_RECV_TIMEOUT_S 5

bool kill_supported(const struct sock_rec *r)
{
	switch (r->kind) {
	case KIND_TCP:
	case KIND_UDP:
	case KIND_UDPLITE:
	case KIND_RAW:
		return r->family == AF_INET || r->family == AF_INET6;
	default:
		return false;
	}
}

int kill_build(const struct sock_rec *r, uint32_t seq, void *buf, size_t len)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} m;
	struct inet_diag_sockid *id = &m.req.id;

	if (!r || !buf || len < sizeof(m))
		return -EINVAL;
	if (!kill_supported(r))
		return -EOPNOTSUPP;
	memset(&m, 0, sizeof(m));
	m.nlh.nlmsg_len = sizeof(m);
	m.nlh.nlmsg_type = SOCK_DESTROY;
	m.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	m.nlh.nlmsg_seq = seq;
	m.req.sdiag_family = r->family;
	m.req.idiag_states = ~0u;
	if (r->kind == KIND_RAW) {
		/* struct inet_diag_req_raw: the socket's protocol goes in the
		 * byte that is padding for the other protocols */
		struct inet_diag_req_raw raw;

		memcpy(&raw, &m.req, sizeof(raw));
		raw.sdiag_protocol = IPPROTO_RAW;
		raw.sdiag_raw_protocol = r->proto;
		memcpy(&m.req, &raw, sizeof(raw));
	} else {
		m.req.sdiag_protocol = r->kind == KIND_TCP ? IPPROTO_TCP : r->proto;
	}
	memcpy(id->idiag_src, r->laddr, r->family == AF_INET ? 4 : 16);
	memcpy(id->idiag_dst, r->raddr, r->family == AF_INET ? 4 : 16);
	id->idiag_sport = htons(r->lport);
	id->idiag_dport = htons(r->rport);
	id->idiag_if = r->ifindex;
	if (r->flags & SOCK_F_COOKIE) {
		id->idiag_cookie[0] = (uint32_t)r->cookie;
		id->idiag_cookie[1] = (uint32_t)(r->cookie >> 32);
	} else {
		id->idiag_cookie[0] = INET_DIAG_NOCOOKIE;
		id->idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	}
	memcpy(buf, &m, sizeof(m));
	return (int)sizeof(m);
}

int kill_parse_ack(const void *buf, size_t len, uint32_t seq)
{
	const uint8_t *p = buf;

	while (len >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr nlh;
		struct nlmsgerr e;
		size_t step;

		memcpy(&nlh, p, sizeof(nlh));
		if (nlh.nlmsg_len < sizeof(nlh) || nlh.nlmsg_len > len)
			return -EBADMSG;
		if (nlh.nlmsg_seq == seq && nlh.nlmsg_type == NLMSG_ERROR) {
			if (nlh.nlmsg_len < NLMSG_HDRLEN + sizeof(e.error))
				return -EBADMSG;
			memcpy(&e.error, p + NLMSG_HDRLEN, sizeof(e.error));
			if (e.error > 0 || e.error < -4095)
				return -EBADMSG;
			return e.error;
		}
		step = NLMSG_ALIGN(nlh.nlmsg_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return -EBADMSG;
}

int kill_open(int netns_fd)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct timeval tv = {.tv_sec = KILL_RECV_TIMEOUT_S};
	int self = -1, fd, err;

	if (netns_fd >= 0) {
		self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0)
			return -errno;
		if (setns(netns_fd, CLONE_NEWNET) < 0) {
			err = -errno;
			close(self);
			return err;
		}
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	err = fd < 0 ? -errno : 0;
	if (self >= 0) {
		if (setns(self, CLONE_NEWNET) < 0 && !err)
			err = -errno;
		close(self);
	}
	if (!err && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		err = -errno;
	if (!err)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (err) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

int kill_socket(int fd, const struct sock_rec *r, uint32_t seq)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	uint8_t req[KILL_REQ_MAX];
	uint8_t ans[4096];
	int n = kill_build(r, seq, req, sizeof(req));

	if (n < 0)
		return n;
	while (sendto(fd, req, (size_t)n, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		if (errno != EINTR)
			return -errno;
	for (;;) {
		ssize_t got = recv(fd, ans, sizeof(ans), 0);
		int e;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		}
		e = kill_parse_ack(ans, (size_t)got, seq);
		if (e != -EBADMSG || got == 0)
			return e;
		/* another message (a stale answer): wait for ours */
	}
}

const char *kill_reason(int err)
{
	switch (-err) {
	case 0:
		return "killed";
	case EOPNOTSUPP:
		return "the kernel cannot destroy it (CONFIG_INET_DIAG_DESTROY missing, or no destroy for this kind)";
	case EPERM:
	case EACCES:
		return "permission denied: SOCK_DESTROY needs CAP_NET_ADMIN in the socket's network namespace";
	case ENOENT:
		return "already gone";
	default:
		return strerror(-err);
	}
}
