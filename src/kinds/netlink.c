// SPDX-License-Identifier: MIT
/*
 * netlink: the netlink kind (AF_NETLINK sockets), through which programs talk
 * to the kernel (routing, sock_diag, audit, uevents, generic netlink...) and
 * the kernel's own ends of those conversations (port id 0).  They come from
 * netlink_diag (a struct netlink_diag_msg and its attributes: memory,
 * multicast groups, flags) or from /proc/net/netlink, which has no state,
 * peer or group beyond the 32nd.  A socket is UNCONN unless it called
 * connect() (ESTAB, ss still prints UNCONN); Recv-Q and Send-Q are its
 * receive and send memory, as ss shows them.
 *
 * The parsers are pure and bounds-checked: they read their input only
 * through memcpy or byte loads within the bounds they checked, validate the
 * whole attribute stream before writing any output, and are fuzz targets.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/netlink_diag.h>
#include <linux/sock_diag.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "column.h"
#include "kind.h"
#include "nlattr.h"
#include "procfield.h"
#include "states.h"

/* The kernel's sk_state values for netlink sockets. */
#define NLK_UNCONNECTED 0
#define NLK_CONNECTED 1
#define NLK_STATES ((1u << SK_CLOSE) | (1u << SK_ESTABLISHED))

static int netlink_nl_request(const struct kind_nl_args *a, struct nlmsghdr *nlh)
{
	struct netlink_diag_req *req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = a->seq;
	req->sdiag_family = AF_NETLINK;
	req->sdiag_protocol = NDIAG_PROTO_ALL;
	/* MEMINFO: the queues; GROUPS: the subscriptions.  FLAGS is not asked
	 * for: no record field keeps it. */
	req->ndiag_show = NDIAG_SHOW_MEMINFO | NDIAG_SHOW_GROUPS;
	return 0;
}

static bool nlk_attr_len_ok(unsigned type, size_t len)
{
	switch (type) {
	case NETLINK_DIAG_FLAGS:
		return len >= sizeof(uint32_t);
	default:
		return true;
	}
}

/* Groups 1..32 of the bitmap of unsigned longs the kernel sends: the low
 * 32 bits of its first word (bit 0 is group 1). */
static uint32_t nlk_groups(const struct nla_slot *a)
{
	if (a->len >= sizeof(unsigned long)) {
		unsigned long w;

		memcpy(&w, a->data, sizeof(w));
		return (uint32_t)w;
	}
	if (a->len >= sizeof(uint32_t)) {
		uint32_t w;

		memcpy(&w, a->data, sizeof(w));
		return w;
	}
	return 0;
}

static int netlink_nl_parse(const void *msg, size_t len, struct sock_rec *rec, struct sock_ext *ext, int *has_ext)
{
	struct nla_slot tb[NETLINK_DIAG_FLAGS + 1] = { { NULL, 0 } };
	struct netlink_diag_msg m;
	uint8_t state;
	int err;

	err = nla_diag_reply(msg, len, &m, sizeof(m), tb, NETLINK_DIAG_FLAGS, nlk_attr_len_ok);
	if (err < 0)
		return err;
	if (m.ndiag_family != AF_NETLINK)
		return -ENOENT;
	if (m.ndiag_type != SOCK_RAW && m.ndiag_type != SOCK_DGRAM)
		return -ENOENT;
	switch (m.ndiag_state) {
	case NLK_CONNECTED:
		state = SK_ESTABLISHED;
		break;
	case NLK_UNCONNECTED: /* after connect() to AF_UNSPEC */
	case SK_CLOSE:        /* never connected */
		state = SK_CLOSE;
		break;
	default:
		return -ENOENT;
	}

	memset(rec, 0, sizeof(*rec));
	rec->ext = SOCK_NO_EXT;
	rec->family = AF_NETLINK;
	rec->state = state;
	rec->inode = m.ndiag_ino;
	rec->x.type = m.ndiag_type;
	rec->x.protocol = m.ndiag_protocol;
	rec->x.portid = m.ndiag_portid;
	if (state == SK_ESTABLISHED)
		rec->x.peer = (uint64_t)m.ndiag_dst_group << 32 | m.ndiag_dst_portid;
	rec->cookie = m.ndiag_cookie[0] | (uint64_t)m.ndiag_cookie[1] << 32;
	if (rec->cookie != 0 && rec->cookie != UINT64_MAX)
		rec->flags |= SOCK_F_COOKIE;
	else
		rec->cookie = 0;
	if (tb[NETLINK_DIAG_GROUPS].data)
		rec->x.groups = nlk_groups(&tb[NETLINK_DIAG_GROUPS]);

	if (tb[NETLINK_DIAG_MEMINFO].data) {
		struct sock_meminfo mem;
		size_t n = nla_meminfo(&tb[NETLINK_DIAG_MEMINFO], &mem);

		rec->recv_q = mem.rmem_alloc;
		rec->send_q = mem.wmem_alloc;
		if (ext && n > 0) {
			memset(ext, 0, sizeof(*ext));
			ext->mem = mem;
			ext->has_mem = 1;
			if (has_ext)
				*has_ext = 1;
			return 0;
		}
	}
	if (has_ext)
		*has_ext = 0;
	return 0;
}

/* ---- /proc/net/netlink ---- */

/* rmem, wmem, dump and locks are ints: a negative one is read as 0. */
static bool nlk_int(struct pf_cur *c, uint64_t *ret)
{
	int64_t v;

	if (!pf_field_sdec(c, INT32_MAX, &v))
		return false;
	*ret = v < 0 ? 0 : (uint64_t)v;
	return true;
}

/* "%pK %-3d %-10u %08x %-8d %-8d %-5d %-8d %-8u %-8lu": sk Eth Pid Groups
 * Rmem Wmem Dump Locks Drops Inode. */
static int netlink_proc_parse(const char *line, size_t len, int family, struct sock_rec *rec,
			      struct sock_ext *ext, int *has_ext)
{
	struct pf_cur c = { line, line + len };
	uint64_t sk, proto, portid, groups, rmem, wmem, dump, locks, drops, ino;

	if (len >= 2 && line[0] == 's' && line[1] == 'k')
		return 1;
	if (!pf_field_hex(&c, 16, &sk) || !pf_field_udec(&c, 255, &proto) || !pf_field_udec(&c, UINT32_MAX, &portid) ||
	    !pf_field_hex(&c, 8, &groups) || !nlk_int(&c, &rmem) || !nlk_int(&c, &wmem) || !nlk_int(&c, &dump) ||
	    !nlk_int(&c, &locks) || !pf_field_udec(&c, UINT32_MAX, &drops) || !pf_field_udec(&c, UINT64_MAX, &ino) ||
	    !pf_only_blanks(&c))
		return -EINVAL;

	memset(rec, 0, sizeof(*rec));
	rec->ext = SOCK_NO_EXT;
	rec->family = AF_NETLINK;
	rec->state = SK_CLOSE; /* /proc does not tell connected sockets apart */
	rec->x.type = SOCK_RAW; /* nor the type: nearly all are SOCK_RAW */
	rec->x.protocol = (uint16_t)proto;
	rec->x.portid = (uint32_t)portid;
	rec->x.groups = (uint32_t)groups;
	rec->recv_q = (uint32_t)rmem;
	rec->send_q = (uint32_t)wmem;
	rec->inode = ino;
	if (has_ext)
		*has_ext = 0;
	return 0;
}

static const struct kind_proc_file netlink_proc[] = {
	{ "netlink", AF_NETLINK, false },
};

/* ---- vocabulary ---- */

static const struct state_info netlink_states[SK_STATE_MAX] = {
	[SK_CLOSE] = {
		"UNCONN", "CLOSE", "UNCONN", SIDE_BOTH, ROLE_NONE,
		"a netlink socket that talks to the kernel or listens to its groups",
		"Netlink sockets carry messages between programs and the kernel: routes and links (route), "
		"socket dumps (sock_diag, which this program uses), audit, device uevents (kobject_uevent), "
		"netfilter, generic netlink families such as nl80211 and many more. A netlink socket has no "
		"connection: it sends each request to a port id, the kernel's being 0, and it may join multicast "
		"groups to receive notifications (Groups shows the first 32). Port id 0 also names the kernel's "
		"own socket of each protocol, which every namespace has; a user socket's port id is usually its "
		"process id for the first socket, and a number the kernel picked for the next ones. It belongs "
		"to no side. Recv-Q and Send-Q are the memory of messages waiting to be read and being sent.",
		"Many netlink sockets are normal: network managers, udev, systemd, container runtimes and "
		"monitoring agents each keep a few. A Recv-Q that stays high means the owner does not read its "
		"notifications fast enough: once the receive buffer is full the kernel drops messages and the "
		"owner gets ENOBUFS, and may miss route, link or uevent changes. A growing number of sockets in "
		"one process is a descriptor leak.",
		"List them with their owners and groups: `sockscope -A netlink -p` (ss shows no owner for "
		"netlink). Look for a high Recv-Q (`--sort=-recv_q`); the owner then needs to read faster or use "
		"a larger receive buffer (SO_RCVBUF, net.core.rmem_max).",
	},
	[SK_ESTABLISHED] = {
		"ESTAB", "NETLINK_CONNECTED", "UNCONN", SIDE_BOTH, ROLE_NONE,
		"connected: its messages go to one port id or group by default",
		"The socket called connect() with a destination port id and group, so its sends without an "
		"address go there and it accepts unicast messages only from that port id; Peer shows the destination as "
		"group:portid, 0:0 being the kernel. Netlink has no handshake, so nothing is set up on the other "
		"side, and the destination may not even exist. ss still prints UNCONN for these sockets; the "
		"kernel reports the state as NETLINK_CONNECTED, and a later connect() to AF_UNSPEC makes the "
		"socket unconnected again. It belongs to no side.",
		"Connected netlink sockets are rare and harmless in themselves. A Recv-Q that stays high means "
		"the owner does not read what it is sent.",
		"See who holds them: `sockscope -A netlink -p state established`, and look at Recv-Q as for any "
		"netlink socket.",
	},
};

/* ---- columns ---- */

static const char *const nlk_proto_names[] = {
	[0] = "route",        [2] = "usersock",        [4] = "sock_diag",     [5] = "nflog",
	[6] = "xfrm",         [7] = "selinux",         [8] = "iscsi",         [9] = "audit",
	[10] = "fib_lookup",  [11] = "connector",      [12] = "netfilter",    [13] = "ip6_fw",
	[14] = "dnrtmsg",     [15] = "kobject_uevent", [16] = "generic",      [18] = "scsitransport",
	[19] = "ecryptfs",    [20] = "rdma",           [21] = "crypto",       [22] = "smc",
};

/* ss's names (iproute2's nl_protos), for Local. */
static const char *const nlk_ss_names[] = {
	[0] = "rtnl",         [1] = "unused",     [2] = "usersock",   [3] = "fw",
	[4] = "tcpdiag",      [5] = "nflog",      [6] = "xfrm",       [7] = "selinux",
	[8] = "iscsi",        [9] = "audit",      [10] = "fiblookup", [11] = "connector",
	[12] = "nft",         [13] = "ip6fw",     [14] = "dec-rt",    [15] = "uevent",
	[16] = "genl",        [18] = "scsi-trans", [19] = "ecryptfs", [20] = "rdma",
	[21] = "crypto",      [22] = "smc",
};

/* Local "PROTO:PORTID" ("kernel" for port id 0) and Peer "GROUP:PORTID"
 * when connected, else '*'.  ss prints a process name for a port id that
 * happens to be a pid; this prints the port id, and -p the real owner. */
static size_t netlink_endpoint(const struct sock_rec *r, const struct sock_ext *e, bool local, char *buf,
			       size_t len)
{
	const char *pname = NULL;
	int n;

	if (len == 0)
		return 0;
	if (r->x.protocol < sizeof(nlk_ss_names) / sizeof(nlk_ss_names[0]))
		pname = nlk_ss_names[r->x.protocol];
	if (!local) {
		if (r->state == SK_ESTABLISHED)
			n = snprintf(buf, len, "%u:%u", (unsigned)(r->x.peer >> 32), (unsigned)(uint32_t)r->x.peer);
		else
			n = snprintf(buf, len, "*");
	} else if (r->x.portid == 0) {
		n = pname ? snprintf(buf, len, "%s:kernel", pname) : snprintf(buf, len, "%u:kernel", r->x.protocol);
	} else {
		n = pname ? snprintf(buf, len, "%s:%u", pname, r->x.portid)
			  : snprintf(buf, len, "%u:%u", r->x.protocol, r->x.portid);
	}
	if (n < 0)
		n = 0;
	return (size_t)n < len ? (size_t)n : len - 1;
}

static void nlk_null(struct col_val *v)
{
	v->kind = CV_NULL;
}

static void nlk_name(struct col_val *v, const char *s, size_t n)
{
	v->kind = CV_STR;
	v->plain = true;
	v->str.s = s;
	v->str.n = n;
}

static void get_netlink_protocol(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e,
				 struct col_val *v)
{
	const char *s = NULL;
	int n;

	if (r->kind != KIND_NETLINK) {
		nlk_null(v);
		return;
	}
	if (r->x.protocol < sizeof(nlk_proto_names) / sizeof(nlk_proto_names[0]))
		s = nlk_proto_names[r->x.protocol];
	if (s) {
		nlk_name(v, s, strlen(s));
		return;
	}
	n = snprintf(cc->scratch, sizeof(cc->scratch), "%u", (unsigned)r->x.protocol);
	nlk_name(v, cc->scratch, (size_t)n);
}

static void get_netlink_portid(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e,
			       struct col_val *v)
{
	if (r->kind != KIND_NETLINK) {
		nlk_null(v);
		return;
	}
	v->kind = CV_UINT;
	v->u = r->x.portid;
}

static void get_netlink_groups(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e,
			       struct col_val *v)
{
	int n;

	if (r->kind != KIND_NETLINK) {
		nlk_null(v);
		return;
	}
	n = snprintf(cc->scratch, sizeof(cc->scratch), "0x%08x", (unsigned)r->x.groups);
	nlk_name(v, cc->scratch, (size_t)n);
}

static const struct column netlink_columns[] = {
	{ "netlink_protocol", "Protocol", CT_STR, CG_NONE, 0, 0,
	  "netlink protocol: route, sock_diag, audit, generic, ... (else its number)", get_netlink_protocol },
	{ "netlink_portid", "PortID", CT_UINT, CG_NONE, COLF_RIGHT, 0, "netlink port id (0: the kernel's socket)",
	  get_netlink_portid },
	{ "netlink_groups", "Groups", CT_STR, CG_NONE, 0, 0, "netlink multicast groups 1..32 as a hex bit mask",
	  get_netlink_groups },
};

const struct sock_kind kind_netlink = {
	.name = "netlink",
	.netid = "nl",
	.title = "netlink",
	.inet = false,
	.bytecode = false,
	.dedupe = true, /* 6.18 lists a socket bound and in groups twice */
	.states = NLK_STATES,
	.nl_request = netlink_nl_request,
	.nl_parse = netlink_nl_parse,
	.proc = netlink_proc,
	.nproc = sizeof(netlink_proc) / sizeof(netlink_proc[0]),
	.proc_parse = netlink_proc_parse,
	.family_name = "netlink",
	.vocab = netlink_states,
	.endpoint = netlink_endpoint,
	.columns = netlink_columns,
	.ncolumns = sizeof(netlink_columns) / sizeof(netlink_columns[0]),
};
