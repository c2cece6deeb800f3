// SPDX-License-Identifier: MIT
/*
 * destroy: netlink socket on the sock_diag destroy groups, and the parser of
 * the inet_diag messages they carry.  The parser checks every length
 * (nlmsg_len, the inet_diag_msg body, each attribute) against the bytes
 * received and copies tcp_info only up to what the kernel sent.
 */
#include "destroy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DESTROY_BUF (64 * 1024)

struct destroy_source {
	int fd;
	uint64_t overruns;
	uint8_t *buf;
};

static uint32_t align4(uint32_t n)
{
	return (n + 3u) & ~3u;
}

#define INFO_HAS(len, field) (offsetof(struct tcp_info, field) + sizeof(((struct tcp_info *)0)->field) <= (len))

int destroy_parse_msg(const void *buf, size_t len, struct sock_destroy *ret)
{
	struct nlmsghdr nh;
	struct inet_diag_msg m;
	struct sock_destroy d;
	const uint8_t *p = buf;
	size_t off, end;

	if (len < sizeof(nh))
		return -EBADMSG;
	memcpy(&nh, p, sizeof(nh));
	if (nh.nlmsg_len < sizeof(nh) || nh.nlmsg_len > len)
		return -EBADMSG;
	if (nh.nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return -ENOMSG;
	end = nh.nlmsg_len;
	off = NLMSG_HDRLEN;
	if (end - off < sizeof(m))
		return -EBADMSG;
	memcpy(&m, p + off, sizeof(m));
	memset(&d, 0, sizeof(d));
	if (m.idiag_family != AF_INET && m.idiag_family != AF_INET6)
		return -EBADMSG;
	d.family = m.idiag_family;
	d.state = m.idiag_state;
	d.protocol = IPPROTO_TCP;
	memcpy(d.saddr, m.id.idiag_src, m.idiag_family == AF_INET ? 4 : 16);
	memcpy(d.daddr, m.id.idiag_dst, m.idiag_family == AF_INET ? 4 : 16);
	d.sport = ntohs(m.id.idiag_sport);
	d.dport = ntohs(m.id.idiag_dport);
	d.ifindex = m.id.idiag_if;
	d.cookie = (uint64_t)m.id.idiag_cookie[0] | (uint64_t)m.id.idiag_cookie[1] << 32;
	d.inode = m.idiag_inode;
	d.uid = m.idiag_uid;
	off += align4(sizeof(m));
	while (off < end && end - off >= sizeof(struct nlattr)) {
		struct nlattr a;
		size_t plen;

		memcpy(&a, p + off, sizeof(a));
		if (a.nla_len < sizeof(a) || a.nla_len > end - off)
			return -EBADMSG;
		plen = a.nla_len - sizeof(a);
		switch (a.nla_type & NLA_TYPE_MASK) {
		case INET_DIAG_PROTOCOL:
			if (plen < 1)
				return -EBADMSG;
			d.protocol = p[off + sizeof(a)];
			d.have |= SD_HAVE_PROTOCOL;
			break;
		case INET_DIAG_INFO:
			d.info_len = (uint32_t)(plen < sizeof(d.info) ? plen : sizeof(d.info));
			memcpy(&d.info, p + off + sizeof(a), d.info_len);
			/* the last INET_DIAG_INFO counts, even an empty one */
			if (d.info_len)
				d.have |= SD_HAVE_INFO;
			else
				d.have &= ~(unsigned)SD_HAVE_INFO;
			break;
		default:
			break;
		}
		off += align4(a.nla_len);
	}
	if (d.have & SD_HAVE_INFO) {
		if (INFO_HAS(d.info_len, tcpi_bytes_received)) {
			d.bytes_acked = d.info.tcpi_bytes_acked;
			d.bytes_received = d.info.tcpi_bytes_received;
			d.have |= SD_HAVE_BYTES;
		}
		if (INFO_HAS(d.info_len, tcpi_total_retrans))
			d.total_retrans = d.info.tcpi_total_retrans;
		if (INFO_HAS(d.info_len, tcpi_rtt))
			d.rtt_us = d.info.tcpi_rtt;
		if (INFO_HAS(d.info_len, tcpi_segs_in)) {
			d.segs_out = d.info.tcpi_segs_out;
			d.segs_in = d.info.tcpi_segs_in;
			d.have |= SD_HAVE_SEGS;
		}
		if (INFO_HAS(d.info_len, tcpi_bytes_retrans)) {
			d.bytes_sent = d.info.tcpi_bytes_sent;
			d.bytes_retrans = d.info.tcpi_bytes_retrans;
			d.have |= SD_HAVE_SENT;
		}
	}
	*ret = d;
	return 0;
}

static int open_here(bool udp, uint32_t rcvbuf)
{
	struct sockaddr_nl sa;
	int fd, sz = (int)(rcvbuf ? rcvbuf : 4u << 20);

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	/* FORCE needs CAP_NET_ADMIN; the plain one is capped by rmem_max. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = (1u << (SKNLGRP_INET_TCP_DESTROY - 1)) | (1u << (SKNLGRP_INET6_TCP_DESTROY - 1));
	if (udp)
		sa.nl_groups |= (1u << (SKNLGRP_INET_UDP_DESTROY - 1)) | (1u << (SKNLGRP_INET6_UDP_DESTROY - 1));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

int destroy_open(struct destroy_source **ret, const struct destroy_opts *o, char *err, size_t errlen)
{
	struct destroy_opts def = {false, -1, 0};
	struct destroy_source *s;
	int fd, self = -1;

	if (!o)
		o = &def;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = -1;
	s->buf = malloc(DESTROY_BUF);
	if (!s->buf) {
		free(s);
		return -ENOMEM;
	}
	if (o->netns_fd >= 0) {
		self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0 || setns(o->netns_fd, CLONE_NEWNET) < 0) {
			int e = -errno;

			if (err && errlen)
				snprintf(err, errlen, "destroy source: cannot enter the network namespace: %s",
					 strerror(-e));
			if (self >= 0)
				close(self);
			destroy_close(s);
			return e;
		}
	}
	fd = open_here(o->udp, o->rcvbuf);
	if (self >= 0) {
		if (setns(self, CLONE_NEWNET) < 0) {
			int e = -errno;

			/* The thread is left in the other namespace: say so loudly. */
			if (err && errlen)
				snprintf(err, errlen,
					 "destroy source: cannot return to the original network namespace: %s",
					 strerror(-e));
			close(self);
			if (fd >= 0)
				close(fd);
			destroy_close(s);
			return e;
		}
		close(self);
	}
	if (fd < 0) {
		if (err && errlen)
			snprintf(err, errlen, "destroy source: netlink sock_diag destroy groups: %s%s",
				 strerror(-fd),
				 fd == -EPERM || fd == -EACCES ? " (needs CAP_NET_ADMIN)" : "");
		destroy_close(s);
		return fd;
	}
	s->fd = fd;
	*ret = s;
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int destroy_poll(struct destroy_source *s, int timeout_ms, destroy_sink_fn sink, void *arg)
{
	struct pollfd pfd = {s->fd, POLLIN, 0};
	int n = 0, r;

	r = poll(&pfd, 1, timeout_ms);
	if (r < 0)
		return -errno;
	if (r == 0)
		return 0;
	for (;;) {
		ssize_t got = recv(s->fd, s->buf, DESTROY_BUF, 0);
		uint64_t now = mono_ns();
		size_t off = 0;

		if (got < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return n;
			if (errno == EINTR)
				return n ? n : -EINTR;
			if (errno == ENOBUFS) {
				s->overruns++;
				continue;
			}
			return -errno;
		}
		while ((size_t)got - off >= sizeof(struct nlmsghdr)) {
			struct nlmsghdr nh;
			struct sock_destroy d;

			memcpy(&nh, s->buf + off, sizeof(nh));
			if (nh.nlmsg_len < sizeof(nh) || nh.nlmsg_len > (size_t)got - off)
				break;
			if (destroy_parse_msg(s->buf + off, (size_t)got - off, &d) == 0) {
				d.time_ns = now;
				n++;
				if (sink && (r = sink(arg, &d)) < 0)
					return r;
			}
			off += align4(nh.nlmsg_len);
			if (off > (size_t)got)
				break;
		}
	}
}

int destroy_fd(const struct destroy_source *s)
{
	return s->fd;
}

uint64_t destroy_overruns(const struct destroy_source *s)
{
	return s->overruns;
}

void destroy_close(struct destroy_source *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->buf);
	free(s);
}
