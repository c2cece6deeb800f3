// SPDX-License-Identifier: MIT
/*
 * tcp: the TCP kind.  Its sockets come from inet_diag (one walk for both
 * families through TCPDIAG_GETSOCK when the kernel takes it) or from
 * /proc/net/tcp and tcp6; its vocabulary is the 11 states of RFC 793
 * (states.c); the kernel runs filter bytecode on its dumps.
 */
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "diag_parse.h"
#include "kind.h"
#include "procnet.h"

static int tcp_nl_request(const struct kind_nl_args *a, struct nlmsghdr *nlh)
{
	return diag_build_inet(a, IPPROTO_TCP, nlh);
}

static int tcp_nl_parse(const void *msg, size_t len, struct sock_rec *rec, struct sock_ext *ext, int *has_ext)
{
	return diag_parse_inet(msg, len, IPPROTO_TCP, rec, ext, has_ext);
}

static int tcp_proc_parse(const char *line, size_t len, int family, struct sock_rec *rec, struct sock_ext *ext,
			  int *has_ext)
{
	*has_ext = 0;
	return procnet_parse_line(line, len, family, rec);
}

static const struct kind_proc_file tcp_proc[] = {
	{ "tcp", AF_INET, false },
	{ "tcp6", AF_INET6, true },
};

const struct sock_kind kind_tcp = {
	.name = "tcp",
	.netid = "tcp",
	.title = "TCP",
	.inet = true,
	.bytecode = true,
	.states = SK_ALL_STATES,
	.nl_request = tcp_nl_request,
	.nl_parse = tcp_nl_parse,
	.proc = tcp_proc,
	.nproc = sizeof(tcp_proc) / sizeof(tcp_proc[0]),
	.proc_parse = tcp_proc_parse,
	.vocab = tcp_states,
};
