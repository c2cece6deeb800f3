// SPDX-License-Identifier: MIT
/*
 * mptcp: the Multipath TCP kind.  An MPTCP socket (IPPROTO_MPTCP) is what the
 * application holds; the kernel carries its data over one or more ordinary
 * TCP connections, its subflows, which the TCP kind lists (marked as
 * subflows when their ULP is "mptcp", sharing the MPTCP socket's inode).
 * inet_diag lists MPTCP sockets when asked for protocol 262 in
 * INET_DIAG_REQ_PROTOCOL (kernel >= 5.9); there is no /proc source.  The
 * states are TCP's.
 */
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "diag_parse.h"
#include "kind.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

static int mptcp_nl_request(const struct kind_nl_args *a, struct nlmsghdr *nlh)
{
	struct kind_nl_args b = *a;

	b.bc = NULL; /* mptcp_diag does not run inet bytecode */
	b.bclen = 0;
	if (b.family == AF_UNSPEC)
		return -EOPNOTSUPP;
	return diag_build_inet(&b, IPPROTO_MPTCP, nlh);
}

static int mptcp_nl_parse(const void *msg, size_t len, struct sock_rec *rec, struct sock_ext *ext, int *has_ext)
{
	/* replies carry no INET_DIAG_PROTOCOL: parse as TCP, the kind says MPTCP */
	return diag_parse_inet(msg, len, IPPROTO_TCP, rec, ext, has_ext);
}

const struct sock_kind kind_mptcp = {
	.name = "mptcp",
	.netid = "mptcp",
	.title = "MPTCP",
	.inet = true,
	.bytecode = false,
	.states = SK_ALL_STATES,
	.nl_request = mptcp_nl_request,
	.nl_parse = mptcp_nl_parse,
	.vocab = tcp_states,
};
