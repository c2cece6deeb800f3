// SPDX-License-Identifier: MIT
/*
 * raw: the raw IP kind (SOCK_RAW with AF_INET or AF_INET6: ping tools,
 * routing daemons, VRRP, DHCP clients before they have an address).
 * inet_diag lists them only with the raw_diag module; many kernels lack it
 * (this one answers NLMSG_DONE with -ENOENT), and then /proc/net/raw{,6},
 * whose lines have tcp's layout with the IP protocol in the port field.
 * Like ss, the local "port" of a raw socket is its protocol.
 */
#include <errno.h>
#include <linux/inet_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>

#include "diag_parse.h"
#include "kind.h"
#include "procnet.h"

static const struct state_info raw_states[SK_STATE_MAX] = {
	[SK_ESTABLISHED] = {
		"ESTAB", "ESTABLISHED", "ESTAB", SIDE_CLIENT, ROLE_ACTIVE_OPENER,
		"connected to one peer address for its IP protocol",
		"The raw socket was connected with connect(): the kernel records the peer address, send() needs no "
		"destination and only packets from that address are queued. Raw sockets carry whole IP payloads of "
		"one protocol (ICMP for ping, VRRP, OSPF, ...); the Port columns show that protocol, as ss does. "
		"Recv-Q and Send-Q count the memory of queued packets, kernel overhead included.",
		"A few are normal (monitoring agents, ping). Many mean a tool opening one raw socket per target.",
		"See who holds them: `sockscope -w -p`.",
	},
	[SK_CLOSE] = {
		"UNCONN", "CLOSE", "UNCONN", SIDE_BOTH, ROLE_NONE,
		"receives every packet of its IP protocol that reaches the host",
		"An unconnected raw socket gets a copy of every incoming packet of its IP protocol (ICMP for ping "
		"and traceroute, 112 for VRRP, 89 for OSPF, 255 for a socket that only sends), whoever it is for. "
		"The Port columns show the protocol number, as in ss. Creating one needs CAP_NET_RAW, so each is a "
		"privileged program: a routing or failover daemon (keepalived, bird, frr), a DHCP client, ping "
		"when unprivileged ICMP sockets are off, or a packet tool. Recv-Q is the memory of packets not yet "
		"read.",
		"Unexpected raw sockets deserve a look: they see traffic that is not theirs. A Recv-Q that stays "
		"high means a daemon that does not keep up, and its packets are dropped.",
		"See who holds them: `sockscope -w -p`; compare with the daemons you expect.",
	},
};

static int raw_nl_request(const struct kind_nl_args *a, struct nlmsghdr *nlh)
{
	struct inet_diag_req_v2 *dr;
	int r = diag_build_inet(a, IPPROTO_RAW, nlh);

	if (r < 0)
		return r;
	/* raw_diag takes the protocol to list in the pad byte: IPPROTO_RAW
	 * means every protocol */
	dr = (struct inet_diag_req_v2 *)mnl_nlmsg_get_payload(nlh);
	dr->pad = IPPROTO_RAW;
	return 0;
}

static int raw_nl_parse(const void *msg, size_t len, struct sock_rec *rec, struct sock_ext *ext, int *has_ext)
{
	int r = diag_parse_inet(msg, len, IPPROTO_RAW, rec, ext, has_ext);

	if (r == 0)
		rec->lport = rec->proto;
	return r;
}

static int raw_proc_parse(const char *line, size_t len, int family, struct sock_rec *rec, struct sock_ext *ext,
			  int *has_ext)
{
	int r = procnet_parse_line(line, len, family, rec);

	*has_ext = 0;
	if (r != 0)
		return r;
	if (!raw_states[rec->state].name || rec->lport > UINT8_MAX)
		return -EINVAL;
	rec->proto = (uint8_t)rec->lport;
	rec->flags &= (uint8_t)~SOCK_F_TIMER;
	rec->timer = 0;
	return 0;
}

static const struct kind_proc_file raw_proc[] = {
	{ "raw", AF_INET, false },
	{ "raw6", AF_INET6, true },
};

const struct sock_kind kind_raw = {
	.name = "raw",
	.netid = "raw",
	.title = "raw IP",
	.inet = true,
	.bytecode = true,
	.states = 1u << SK_ESTABLISHED | 1u << SK_CLOSE,
	.nl_request = raw_nl_request,
	.nl_parse = raw_nl_parse,
	.proc = raw_proc,
	.nproc = sizeof(raw_proc) / sizeof(raw_proc[0]),
	.proc_parse = raw_proc_parse,
	.vocab = raw_states,
};
