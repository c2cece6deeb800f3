// SPDX-License-Identifier: MIT
/*
 * packet: the packet kind (AF_PACKET sockets, raw and dgram), the sockets
 * that capture and send link-layer frames (tcpdump, DHCP clients, LLDP and
 * ARP daemons).  They come from packet_diag (a struct packet_diag_msg and its
 * attributes: interface, uid, memory) or from /proc/net/packet.  They have no
 * connection and so one state, UNCONN; Recv-Q is the memory of the frames
 * waiting to be read and Send-Q is 0, as ss shows them.
 *
 * The parsers are pure and bounds-checked: they read their input only
 * through memcpy or byte loads within the bounds they checked, validate the
 * whole attribute stream before writing any output, and are fuzz targets.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <linux/packet_diag.h>
#include <linux/sock_diag.h>
#include <net/if.h>
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

#define PK_STATES (1u << SK_CLOSE)

static int packet_nl_request(const struct kind_nl_args *a, struct nlmsghdr *nlh)
{
	struct packet_diag_req *req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = a->seq;
	req->sdiag_family = AF_PACKET;
	req->sdiag_protocol = 0; /* anything else is EINVAL */
	/* INFO: the interface (and the uid, sent with it); MEMINFO: Recv-Q. */
	req->pdiag_show = PACKET_SHOW_INFO | PACKET_SHOW_MEMINFO;
	return 0;
}

static bool pk_attr_len_ok(unsigned type, size_t len)
{
	switch (type) {
	case PACKET_DIAG_INFO:
		return len >= sizeof(struct packet_diag_info);
	case PACKET_DIAG_UID:
		return len >= sizeof(uint32_t);
	default:
		return true;
	}
}

/* The kernel's ifindex -1 means "the bound device went away". */
static uint32_t pk_ifindex(int64_t i)
{
	return i > 0 && i <= INT32_MAX ? (uint32_t)i : 0;
}

static int packet_nl_parse(const void *msg, size_t len, struct sock_rec *rec, struct sock_ext *ext, int *has_ext)
{
	struct nla_slot tb[PACKET_DIAG_MEMINFO + 1] = { { NULL, 0 } };
	struct packet_diag_msg m;
	int err;

	err = nla_diag_reply(msg, len, &m, sizeof(m), tb, PACKET_DIAG_MEMINFO, pk_attr_len_ok);
	if (err < 0)
		return err;
	if (m.pdiag_family != AF_PACKET)
		return -ENOENT;
	if (m.pdiag_type != SOCK_RAW && m.pdiag_type != SOCK_DGRAM)
		return -ENOENT;

	memset(rec, 0, sizeof(*rec));
	rec->ext = SOCK_NO_EXT;
	rec->family = AF_PACKET;
	rec->state = SK_CLOSE;
	rec->inode = m.pdiag_ino;
	rec->x.type = m.pdiag_type;
	rec->x.protocol = m.pdiag_num; /* host order already */
	rec->cookie = m.pdiag_cookie[0] | (uint64_t)m.pdiag_cookie[1] << 32;
	if (rec->cookie != 0 && rec->cookie != UINT64_MAX)
		rec->flags |= SOCK_F_COOKIE;
	else
		rec->cookie = 0;
	if (tb[PACKET_DIAG_INFO].data) {
		struct packet_diag_info info;

		memcpy(&info, tb[PACKET_DIAG_INFO].data, sizeof(info));
		rec->ifindex = pk_ifindex((int32_t)info.pdi_index);
	}
	if (tb[PACKET_DIAG_UID].data)
		memcpy(&rec->uid, tb[PACKET_DIAG_UID].data, sizeof(rec->uid));

	if (tb[PACKET_DIAG_MEMINFO].data) {
		struct sock_meminfo mem;
		size_t n = nla_meminfo(&tb[PACKET_DIAG_MEMINFO], &mem);

		rec->recv_q = mem.rmem_alloc; /* as ss: Send-Q stays 0 */
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

/* ---- /proc/net/packet ---- */

/* "%pK %-6d %-4d %04x   %-5d %1d %-6u %-6u %-8lu": sk RefCnt Type Proto
 * Iface R Rmem User Inode. */
static int packet_proc_parse(const char *line, size_t len, int family, struct sock_rec *rec,
			     struct sock_ext *ext, int *has_ext)
{
	struct pf_cur c = { line, line + len };
	uint64_t sk, proto, type, running, rmem, uid, ino;
	int64_t refcnt, iface;

	if (len >= 2 && line[0] == 's' && line[1] == 'k')
		return 1;
	if (!pf_field_hex(&c, 16, &sk) || !pf_field_sdec(&c, INT32_MAX, &refcnt) || !pf_field_udec(&c, 255, &type) ||
	    !pf_field_hex(&c, 4, &proto) || !pf_field_sdec(&c, INT32_MAX, &iface) || !pf_field_udec(&c, 1, &running) ||
	    !pf_field_udec(&c, UINT32_MAX, &rmem) || !pf_field_udec(&c, UINT32_MAX, &uid) ||
	    !pf_field_udec(&c, INT64_MAX, &ino) || !pf_only_blanks(&c))
		return -EINVAL;
	if (type != SOCK_RAW && type != SOCK_DGRAM)
		return -EINVAL;

	memset(rec, 0, sizeof(*rec));
	rec->ext = SOCK_NO_EXT;
	rec->family = AF_PACKET;
	rec->state = SK_CLOSE;
	rec->x.type = (uint8_t)type;
	rec->x.protocol = (uint16_t)proto;
	rec->ifindex = pk_ifindex(iface);
	rec->recv_q = (uint32_t)rmem;
	rec->uid = (uint32_t)uid;
	rec->inode = ino;
	if (has_ext)
		*has_ext = 0;
	return 0;
}

static const struct kind_proc_file packet_proc[] = {
	{ "packet", AF_PACKET, false },
};

/* ---- vocabulary ---- */

static const struct state_info packet_states[SK_STATE_MAX] = {
	[SK_CLOSE] = {
		"UNCONN", "CLOSE", "UNCONN", SIDE_BOTH, ROLE_NONE,
		"a packet socket: it sees link-layer frames and has no connection",
		"An AF_PACKET socket receives copies of the frames of one protocol (an ethertype such as ip, arp "
		"or all) on one interface or on every interface, and can send raw frames. It has no connection "
		"and no peer, so its only state is UNCONN, and it belongs to no side. Raw sockets (p_raw) see whole "
		"frames with their link-layer header; dgram sockets (p_dgr) get the payload with the header "
		"removed. Typical owners are tcpdump and other capture tools, DHCP clients and servers, LLDP, ARP "
		"and IPv6 router-advertisement daemons, keepalived and intrusion detection systems. Protocol 0 "
		"means the socket receives nothing yet (it is only used to send, or not bound). Opening one needs "
		"CAP_NET_RAW. Recv-Q is the memory of the frames waiting to be read, headers and overhead included.",
		"Each packet socket with a protocol costs a copy of every matching frame, so many of them, or one "
		"on `all` with a busy interface, add CPU load to the whole receive path. A Recv-Q that stays "
		"high means the owner does not keep up: frames beyond its receive buffer are dropped (a capture "
		"that loses packets). A packet socket nobody expected is worth a look: it can read all the "
		"traffic of the host.",
		"See who holds them and on which interface: `sockscope -0 -p` (add -m for memory). Check that each "
		"owner is expected. For a capture that drops, give it a larger buffer (tcpdump -B), a ring "
		"(TPACKET_V3) or a narrower filter, and look at its drops with `sockscope -0 -m`.",
	},
};

/* ---- columns ---- */

static const struct {
	uint16_t proto;
	const char *name;
} pk_protos[] = {
	{ 0x0001, "802_3" },       { 0x0003, "all" },          { 0x0004, "802_2" },
	{ 0x0005, "snap" },        { 0x000c, "can" },          { 0x0060, "loop" },
	{ 0x0800, "ip" },          { 0x0806, "arp" },          { 0x8035, "rarp" },
	{ 0x8100, "802.1Q" },      { 0x86dd, "ipv6" },         { 0x8847, "mpls_unicast" },
	{ 0x8848, "mpls_multicast" }, { 0x8863, "ppp_disc" },  { 0x8864, "ppp_ses" },
	{ 0x888e, "eapol" },       { 0x88a8, "802.1ad" },      { 0x88cc, "lldp" },
	{ 0x88f7, "ptp" },         { 0x6558, "teb" },
};

static const char *pk_proto_name(uint16_t proto)
{
	for (size_t i = 0; i < sizeof(pk_protos) / sizeof(pk_protos[0]); i++)
		if (pk_protos[i].proto == proto)
			return pk_protos[i].name;
	return NULL;
}

/* Local "PROTO:IFACE" as ss prints it: '*' for every protocol (ETH_P_ALL)
 * and for any interface, [N] for an unnamed protocol; Peer '*'. */
static size_t packet_endpoint(const struct sock_rec *r, const struct sock_ext *e, bool local, char *buf,
			      size_t len)
{
	char ifname[IF_NAMESIZE];
	const char *pname = r->x.protocol == ETH_P_ALL ? "*" : pk_proto_name(r->x.protocol);
	int n;

	if (len == 0)
		return 0;
	if (!local)
		n = snprintf(buf, len, "*");
	else if (r->ifindex && if_indextoname(r->ifindex, ifname))
		n = pname ? snprintf(buf, len, "%s:%s", pname, ifname)
			  : snprintf(buf, len, "[%u]:%s", (unsigned)r->x.protocol, ifname);
	else if (r->ifindex)
		n = pname ? snprintf(buf, len, "%s:if%u", pname, (unsigned)r->ifindex)
			  : snprintf(buf, len, "[%u]:if%u", (unsigned)r->x.protocol, (unsigned)r->ifindex);
	else
		n = pname ? snprintf(buf, len, "%s:*", pname) : snprintf(buf, len, "[%u]:*", (unsigned)r->x.protocol);
	if (n < 0)
		n = 0;
	return (size_t)n < len ? (size_t)n : len - 1;
}

static void pk_null(struct col_val *v)
{
	v->kind = CV_NULL;
}

static void pk_name(struct col_val *v, const char *s, size_t n)
{
	v->kind = CV_STR;
	v->plain = true;
	v->str.s = s;
	v->str.n = n;
}

static void get_packet_protocol(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e,
				struct col_val *v)
{
	const char *s;
	int n;

	if (r->kind != KIND_PACKET) {
		pk_null(v);
		return;
	}
	s = pk_proto_name(r->x.protocol);
	if (s) {
		pk_name(v, s, strlen(s));
		return;
	}
	n = snprintf(cc->scratch, sizeof(cc->scratch), "0x%04x", r->x.protocol);
	pk_name(v, cc->scratch, (size_t)n);
}

static void get_packet_type(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e,
			    struct col_val *v)
{
	if (r->kind == KIND_PACKET && r->x.type == SOCK_RAW)
		pk_name(v, "raw", 3);
	else if (r->kind == KIND_PACKET && r->x.type == SOCK_DGRAM)
		pk_name(v, "dgram", 5);
	else
		pk_null(v);
}

static const struct column packet_columns[] = {
	{ "packet_protocol", "Proto", CT_STR, CG_NONE, 0, 0,
	  "packet: ethertype received (ip, ipv6, arp, all, ... else 0xNNNN)", get_packet_protocol },
	{ "packet_type", "Type", CT_STR, CG_NONE, 0, 0, "packet socket type: raw or dgram", get_packet_type },
};

static const struct kind_subtype packet_subtypes[] = {
	{ SOCK_RAW, "packet_raw", "p_raw" },
	{ SOCK_DGRAM, "packet_dgram", "p_dgr" },
};

const struct sock_kind kind_packet = {
	.name = "packet",
	.netid = "packet",
	.title = "packet",
	.subtypes = packet_subtypes,
	.nsubtypes = sizeof(packet_subtypes) / sizeof(packet_subtypes[0]),
	.inet = false,
	.bytecode = false,
	.states = PK_STATES,
	.nl_request = packet_nl_request,
	.nl_parse = packet_nl_parse,
	.proc = packet_proc,
	.nproc = sizeof(packet_proc) / sizeof(packet_proc[0]),
	.proc_parse = packet_proc_parse,
	.family_name = "link",
	.vocab = packet_states,
	.endpoint = packet_endpoint,
	.columns = packet_columns,
	.ncolumns = sizeof(packet_columns) / sizeof(packet_columns[0]),
};
