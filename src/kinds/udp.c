// SPDX-License-Identifier: MIT
/*
 * udp: the UDP and UDP-Lite kinds.  Both are listed by inet_diag (protocols
 * 17 and 136) and by /proc/net/udp{,6} and udplite{,6}, whose lines have the
 * layout of /proc/net/tcp; a UDP socket is either unconnected (UNCONN: it
 * takes datagrams from anyone on its port) or connected to one peer (ESTAB).
 * Recv-Q and Send-Q are the memory the queued datagrams take, truesize
 * included, not their payload.  UDP-Lite is deprecated (removed in Linux
 * 7.1): a kernel without it answers ENOENT and the kind is simply absent.
 */
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "diag_parse.h"
#include "kind.h"
#include "procnet.h"

#ifndef IPPROTO_UDPLITE
#define IPPROTO_UDPLITE 136
#endif

const struct state_info udp_states[SK_STATE_MAX] = {
	[SK_ESTABLISHED] = {
		"ESTAB", "ESTABLISHED", "ESTAB", SIDE_CLIENT, ROLE_ACTIVE_OPENER,
		"connected to one peer: it sends there and hears only from there",
		"The application called connect() on the datagram socket. No packet was exchanged: connect() on a "
		"datagram socket only records the peer, so that send() needs no address and the kernel drops "
		"datagrams from anyone else. It is usually the client side of a request/response protocol (a DNS "
		"resolver, a QUIC or NTP client); servers mostly stay unconnected, though some QUIC and DNS servers "
		"connect one socket per client. Recv-Q and Send-Q count the memory the queued datagrams occupy, "
		"kernel overhead included (a 5-byte datagram shows as several hundred bytes), not their payload.",
		"Many connected UDP sockets usually mean a client that opens one socket per request (DNS lookups "
		"without a shared resolver, health checks) or a QUIC server with one socket per connection. They "
		"hold a local port each, so a large count can exhaust the ephemeral port range like TIME-WAIT does "
		"for TCP.",
		"See who holds them and towards whom: `sockscope -u -p state established --group-by=process` and "
		"`--group-by=remote`. A large Recv-Q means the application does not read: look for drops with "
		"`sockscope -u -m` (the drops column) and `sockscope check`.",
	},
	[SK_CLOSE] = {
		"UNCONN", "CLOSE", "UNCONN", SIDE_SERVER, ROLE_NONE,
		"bound, not connected: takes datagrams from anyone on its port",
		"The socket is bound to a local address and port and has no fixed peer: every datagram sent to the "
		"port is queued for the application, whoever sent it. This is how a UDP service listens (DNS on "
		"port 53, DHCP, syslog, NTP, QUIC servers) and also how a client looks between sendto() calls. "
		"There is no handshake and no connection state: UNCONN is the kernel's TCP_CLOSE number reused. "
		"Recv-Q is the memory taken by datagrams not yet read; when it reaches the receive buffer "
		"(net.core.rmem_default, SO_RCVBUF) the kernel drops new datagrams and counts them in the socket's "
		"drops and in the host's UDP RcvbufErrors.",
		"Unconnected sockets are services; their number matters less than their queues. A Recv-Q that stays "
		"near the buffer size, and growing drops, mean the application reads more slowly than datagrams "
		"arrive: the sender sees nothing, the datagrams are simply lost.",
		"List the services with `sockscope -ulpn`. Check drops with `sockscope -u -m --sort=-drops` and "
		"`sockscope check` (UDP receive-buffer drops per socket and the kernel's RcvbufErrors). Raise "
		"SO_RCVBUF or net.core.rmem_max, or read faster (more threads, SO_REUSEPORT, recvmmsg()).",
	},
};

static int udp_nl_request(const struct kind_nl_args *a, struct nlmsghdr *nlh)
{
	return diag_build_inet(a, IPPROTO_UDP, nlh);
}

static int udp_nl_parse(const void *msg, size_t len, struct sock_rec *rec, struct sock_ext *ext, int *has_ext)
{
	return diag_parse_inet(msg, len, IPPROTO_UDP, rec, ext, has_ext);
}

static int udplite_nl_request(const struct kind_nl_args *a, struct nlmsghdr *nlh)
{
	return diag_build_inet(a, IPPROTO_UDPLITE, nlh);
}

static int udplite_nl_parse(const void *msg, size_t len, struct sock_rec *rec, struct sock_ext *ext,
			    int *has_ext)
{
	return diag_parse_inet(msg, len, IPPROTO_UDPLITE, rec, ext, has_ext);
}

/* /proc/net/udp lines have the layout of tcp's; only the states differ. */
static int udp_line(const char *line, size_t len, int family, uint8_t proto, struct sock_rec *rec)
{
	int r = procnet_parse_line(line, len, family, rec);

	if (r != 0)
		return r;
	if (!udp_states[rec->state].name)
		return -EINVAL;
	rec->proto = proto;
	rec->flags &= (uint8_t)~SOCK_F_TIMER; /* UDP has no timers */
	rec->timer = 0;
	return 0;
}

static int udp_proc_parse(const char *line, size_t len, int family, struct sock_rec *rec, struct sock_ext *ext,
			  int *has_ext)
{
	*has_ext = 0;
	return udp_line(line, len, family, IPPROTO_UDP, rec);
}

static int udplite_proc_parse(const char *line, size_t len, int family, struct sock_rec *rec,
			      struct sock_ext *ext, int *has_ext)
{
	*has_ext = 0;
	return udp_line(line, len, family, IPPROTO_UDPLITE, rec);
}

static const struct kind_proc_file udp_proc[] = {
	{ "udp", AF_INET, false },
	{ "udp6", AF_INET6, true },
};

static const struct kind_proc_file udplite_proc[] = {
	{ "udplite", AF_INET, true },
	{ "udplite6", AF_INET6, true },
};

const struct sock_kind kind_udp = {
	.name = "udp",
	.netid = "udp",
	.title = "UDP",
	.inet = true,
	.bytecode = true,
	.states = 1u << SK_ESTABLISHED | 1u << SK_CLOSE,
	.nl_request = udp_nl_request,
	.nl_parse = udp_nl_parse,
	.proc = udp_proc,
	.nproc = sizeof(udp_proc) / sizeof(udp_proc[0]),
	.proc_parse = udp_proc_parse,
	.vocab = udp_states,
};

const struct sock_kind kind_udplite = {
	.name = "udplite",
	.netid = "udpl",
	.title = "UDP-Lite",
	.inet = true,
	.bytecode = true,
	.states = 1u << SK_ESTABLISHED | 1u << SK_CLOSE,
	.nl_request = udplite_nl_request,
	.nl_parse = udplite_nl_parse,
	.proc = udplite_proc,
	.nproc = sizeof(udplite_proc) / sizeof(udplite_proc[0]),
	.proc_parse = udplite_proc_parse,
	.vocab = udp_states,
};
