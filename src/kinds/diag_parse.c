// SPDX-License-Identifier: MIT
/*
 * diag_parse: inet_diag messages, the wire format that TCP, UDP, UDP-Lite,
 * raw and MPTCP share.  It builds their dump requests and turns one
 * SOCK_DIAG_BY_FAMILY (or TCPDIAG_GETSOCK) message (a struct
 * inet_diag_msg followed by netlink attributes) into a struct sock_rec and,
 * when extension attributes are present, a struct sock_ext.  The parser is
 * pure and reads its input only through memcpy within the bounds it has
 * checked, so that it works on unaligned buffers and on hostile input (it is a
 * fuzz target).  The attribute stream is validated completely before any
 * output is written, so outputs are only touched on success.
 */
#include "diag_parse.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>

#include "needs.h"
#include "nlattr.h"
#include "states.h"

#define DIAG_HDRLEN NLMSG_ALIGN(sizeof(struct nlmsghdr))
#define DIAG_MSGLEN NLMSG_ALIGN(sizeof(struct inet_diag_msg))
#define DIAG_ATTR_HDRLEN NLA_ALIGN(sizeof(struct nlattr))

/* The attributes we look at; others are skipped. */
enum { DIAG_TB_MAX = INET_DIAG_SOCKOPT };


/* Minimum payload lengths of the attributes we read as fixed-size values. */
static size_t diag_attr_min_len(unsigned type);

static bool diag_attr_len_ok(unsigned type, size_t len)
{
	return len >= diag_attr_min_len(type);
}

static size_t diag_attr_min_len(unsigned type)
{
	switch (type) {
	case INET_DIAG_TOS:
	case INET_DIAG_TCLASS:
	case INET_DIAG_SHUTDOWN:
	case INET_DIAG_PROTOCOL:
	case INET_DIAG_SKV6ONLY:
		return 1;
	case INET_DIAG_CGROUP_ID:
		return sizeof(uint64_t);
	case INET_DIAG_MARK:
	case INET_DIAG_CLASS_ID:
		return sizeof(uint32_t);
	case INET_DIAG_SOCKOPT:
		return 2;
	default:
		return 0;
	}
}

/* True if a nested INET_DIAG_ULP_INFO names the "mptcp" ULP: the socket is
 * a subflow of an MPTCP socket. */
static bool diag_ulp_is_mptcp(const uint8_t *p, size_t len)
{
	while (len >= sizeof(struct nlattr)) {
		struct nlattr nla;
		size_t alen, step;

		memcpy(&nla, p, sizeof(nla));
		alen = nla.nla_len;
		if (alen < sizeof(nla) || alen > len)
			return false;
		if ((nla.nla_type & NLA_TYPE_MASK) == INET_ULP_INFO_NAME && alen - DIAG_ATTR_HDRLEN >= 5 &&
		    !memcmp(p + DIAG_ATTR_HDRLEN, "mptcp", 5))
			return true;
		step = NLA_ALIGN(alen);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return false;
}

static int diag_map_state(uint8_t kstate, uint8_t *ret_state, uint8_t *ret_flags)
{
	if (kstate >= SK_ESTABLISHED && kstate <= SK_CLOSING) {
		*ret_state = kstate;
		/* Closed sockets are in no dump table: a CLOSE socket in a
		 * dump comes from the bound-inactive walk (kernel >= 6.8),
		 * which reports it with its real state. */
		*ret_flags = kstate == SK_CLOSE ? SOCK_F_BOUND_INACTIVE : 0;
		return 0;
	}
	if (kstate == SK_KERNEL_NEW_SYN_RECV) {
		*ret_state = SK_SYN_RECV;
		*ret_flags = SOCK_F_REQUEST;
		return 0;
	}
	if (kstate == SK_KERNEL_BOUND_INACTIVE) {
		*ret_state = SK_CLOSE;
		*ret_flags = SOCK_F_BOUND_INACTIVE;
		return 0;
	}
	return -ENOENT;
}

uint16_t diag_sockopt_bits(const uint8_t raw[2])
{
	/* struct inet_diag_sockopt is two bytes of one-bit fields, allocated
	 * from the low bit on little-endian ABIs and from the high bit on
	 * big-endian ones */
	uint16_t bits = 0;

	for (unsigned i = 0; i < 8; i++) {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		unsigned b = 7 - i;
#else
		unsigned b = i;
#endif
		if (raw[0] & (1u << b))
			bits |= (uint16_t)(1u << i);
		if (i < SOCK_OPT_COUNT - 8 && (raw[1] & (1u << b)))
			bits |= (uint16_t)(1u << (8 + i));
	}
	return bits;
}

/* Fills every field of ext from the attributes.  Only what the kernel did
 * not send is zeroed: tcp_info is most of the struct, and this runs for
 * every socket of a `-i` listing. */
static void diag_fill_ext(struct sock_ext *ext, const struct nla_slot tb[DIAG_TB_MAX + 1])
{
	size_t n = 0;

	if (tb[INET_DIAG_INFO].data) {
		n = tb[INET_DIAG_INFO].len;
		if (n > sizeof(ext->info))
			n = sizeof(ext->info);
		memcpy(&ext->info, tb[INET_DIAG_INFO].data, n);
	}
	if (n < sizeof(ext->info))
		memset((uint8_t *)&ext->info + n, 0, sizeof(ext->info) - n);
	ext->info_len = (uint32_t)n;
	n = 0;
	if (tb[INET_DIAG_CONG].data) {
		n = tb[INET_DIAG_CONG].len;
		if (n > sizeof(ext->cong) - 1)
			n = sizeof(ext->cong) - 1;
		memcpy(ext->cong, tb[INET_DIAG_CONG].data, n);
	}
	memset(ext->cong + n, 0, sizeof(ext->cong) - n);
	ext->has_mem = nla_meminfo(&tb[INET_DIAG_SKMEMINFO], &ext->mem) > 0;
	ext->has_cgroup = 0;
	ext->cgroup_id = 0;
	if (tb[INET_DIAG_CGROUP_ID].data) {
		memcpy(&ext->cgroup_id, tb[INET_DIAG_CGROUP_ID].data, sizeof(ext->cgroup_id));
		ext->has_cgroup = 1;
	}
	ext->tos = 0;
	ext->name_len = 0;
	ext->has_tos = tb[INET_DIAG_TOS].data || tb[INET_DIAG_TCLASS].data;
	/* a v6 socket: its traffic class (a v4-mapped connection uses the TOS) */
	if (tb[INET_DIAG_TCLASS].data)
		ext->tos = tb[INET_DIAG_TCLASS].data[0];
	else if (tb[INET_DIAG_TOS].data)
		ext->tos = tb[INET_DIAG_TOS].data[0];
	ext->has_sockopt = tb[INET_DIAG_SOCKOPT].data != NULL;
	ext->sockopt = ext->has_sockopt ? diag_sockopt_bits(tb[INET_DIAG_SOCKOPT].data) : 0;
	ext->has_mark = tb[INET_DIAG_MARK].data != NULL;
	ext->mark = 0;
	if (ext->has_mark)
		memcpy(&ext->mark, tb[INET_DIAG_MARK].data, sizeof(ext->mark));
	ext->has_class = tb[INET_DIAG_CLASS_ID].data != NULL;
	ext->class_id = 0;
	if (ext->has_class)
		memcpy(&ext->class_id, tb[INET_DIAG_CLASS_ID].data, sizeof(ext->class_id));
}

int diag_parse_inet(const void *buf, size_t len, uint8_t proto, struct sock_rec *rec, struct sock_ext *ext,
		    int *ret_has_ext)
{
	struct nla_slot tb[DIAG_TB_MAX + 1] = { { NULL, 0 } };
	const uint8_t *p = buf;
	struct inet_diag_msg m;
	struct nlmsghdr nlh;
	struct sock_rec r;
	size_t mlen;
	uint8_t state, flags;
	int has_ext, err;

	if (!buf || len < DIAG_HDRLEN)
		return -EBADMSG;
	memcpy(&nlh, p, sizeof(nlh));
	mlen = nlh.nlmsg_len;
	if (mlen > len || mlen < DIAG_HDRLEN + sizeof(m))
		return -EBADMSG;
	if (nlh.nlmsg_type != SOCK_DIAG_BY_FAMILY && nlh.nlmsg_type != TCPDIAG_GETSOCK)
		return -EBADMSG;
	memcpy(&m, p + DIAG_HDRLEN, sizeof(m));
	if (mlen > DIAG_HDRLEN + DIAG_MSGLEN) {
		err = nla_table(p + DIAG_HDRLEN + DIAG_MSGLEN, mlen - DIAG_HDRLEN - DIAG_MSGLEN, tb, DIAG_TB_MAX, diag_attr_len_ok);
		if (err < 0)
			return err;
	}

	if (m.idiag_family != AF_INET && m.idiag_family != AF_INET6)
		return -ENOENT;
	if (tb[INET_DIAG_PROTOCOL].data && proto != IPPROTO_RAW && tb[INET_DIAG_PROTOCOL].data[0] != proto)
		return -ENOENT;
	err = diag_map_state(m.idiag_state, &state, &flags);
	if (err < 0)
		return err;

	memset(&r, 0, sizeof(r));
	r.family = m.idiag_family;
	r.proto = proto;
	if (proto == IPPROTO_RAW && tb[INET_DIAG_PROTOCOL].data)
		r.proto = tb[INET_DIAG_PROTOCOL].data[0];
	r.state = state;
	r.flags = flags;
	if (r.family == AF_INET) {
		memcpy(r.laddr, m.id.idiag_src, 4);
		memcpy(r.raddr, m.id.idiag_dst, 4);
	} else {
		memcpy(r.laddr, m.id.idiag_src, 16);
		memcpy(r.raddr, m.id.idiag_dst, 16);
	}
	r.lport = ntohs(m.id.idiag_sport);
	r.rport = ntohs(m.id.idiag_dport);
	r.ifindex = m.id.idiag_if;
	r.recv_q = m.idiag_rqueue;
	r.send_q = m.idiag_wqueue;
	r.uid = m.idiag_uid;
	r.inode = m.idiag_inode;
	if (m.id.idiag_cookie[0] != INET_DIAG_NOCOOKIE || m.id.idiag_cookie[1] != INET_DIAG_NOCOOKIE) {
		r.cookie = m.id.idiag_cookie[0] | (uint64_t)m.id.idiag_cookie[1] << 32;
		r.flags |= SOCK_F_COOKIE;
	}
	if (m.idiag_timer < SOCK_TIMER_MAX) {
		r.timer = m.idiag_timer;
		r.timer_expires_ms = m.idiag_timer != SOCK_TIMER_OFF ? m.idiag_expires : 0;
		r.retransmits = m.idiag_retrans;
		r.flags |= SOCK_F_TIMER;
	}
	if (tb[INET_DIAG_SHUTDOWN].data) {
		r.shutdown = tb[INET_DIAG_SHUTDOWN].data[0] & 3u;
		r.flags |= SOCK_F_SHUTDOWN;
	}
	if (tb[INET_DIAG_SKV6ONLY].data && tb[INET_DIAG_SKV6ONLY].data[0])
		r.flags |= SOCK_F_V6ONLY;
	if (tb[INET_DIAG_ULP_INFO].data && diag_ulp_is_mptcp(tb[INET_DIAG_ULP_INFO].data, tb[INET_DIAG_ULP_INFO].len))
		r.flags |= SOCK_F_SUBFLOW;
	r.ext = SOCK_NO_EXT;

	has_ext = tb[INET_DIAG_INFO].data || tb[INET_DIAG_CONG].data || tb[INET_DIAG_SKMEMINFO].data ||
		  tb[INET_DIAG_TOS].data || tb[INET_DIAG_TCLASS].data || tb[INET_DIAG_CGROUP_ID].data ||
		  tb[INET_DIAG_SOCKOPT].data || tb[INET_DIAG_MARK].data || tb[INET_DIAG_CLASS_ID].data;
	if (ext && has_ext)
		diag_fill_ext(ext, tb);
	*rec = r;
	if (ret_has_ext)
		*ret_has_ext = ext ? has_ext : 0;
	return 0;
}

int diag_parse_msg(const void *buf, size_t len, struct sock_rec *rec, struct sock_ext *ext, int *ret_has_ext)
{
	return diag_parse_inet(buf, len, IPPROTO_TCP, rec, ext, ret_has_ext);
}

static uint32_t diag_kernel_states(uint32_t states)
{
	uint32_t m = states & SK_ALL_STATES;

	if (states & (1u << SK_SYN_RECV))
		m |= 1u << SK_KERNEL_NEW_SYN_RECV;
	if (states & (1u << SK_CLOSE))
		m |= 1u << SK_KERNEL_BOUND_INACTIVE;
	return m;
}

static uint8_t diag_kernel_ext(unsigned need)
{
	uint8_t ext = 0;

	if (need & NEED_INFO)
		ext |= 1u << (INET_DIAG_INFO - 1);
	if (need & NEED_CONG)
		ext |= 1u << (INET_DIAG_CONG - 1);
	if (need & NEED_MEM)
		ext |= 1u << (INET_DIAG_SKMEMINFO - 1);
	if (need & NEED_TOS)
		ext |= 1u << (INET_DIAG_TOS - 1) | 1u << (INET_DIAG_TCLASS - 1);
	return ext;
}

int diag_build_inet(const struct kind_nl_args *a, uint32_t proto, struct nlmsghdr *nlh)
{
	struct inet_diag_sockid *id;

	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = a->seq;
	if (a->family == AF_UNSPEC) {
		struct inet_diag_req *dr;

		if (proto != IPPROTO_TCP)
			return -EOPNOTSUPP; /* the old request knows TCP only */
		dr = mnl_nlmsg_put_extra_header(nlh, sizeof(*dr));
		nlh->nlmsg_type = TCPDIAG_GETSOCK;
		dr->idiag_family = AF_UNSPEC;
		dr->idiag_states = diag_kernel_states(a->states);
		dr->idiag_ext = diag_kernel_ext(a->need);
		id = &dr->id;
	} else {
		struct inet_diag_req_v2 *dr = mnl_nlmsg_put_extra_header(nlh, sizeof(*dr));

		nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
		dr->sdiag_family = (uint8_t)a->family;
		dr->sdiag_protocol = (uint8_t)proto;
		dr->idiag_states = diag_kernel_states(a->states);
		dr->idiag_ext = diag_kernel_ext(a->need);
		id = &dr->id;
	}
	id->idiag_sport = htons(a->sport);
	id->idiag_dport = htons(a->dport);
	if (a->bc)
		mnl_attr_put(nlh, INET_DIAG_REQ_BYTECODE, a->bclen, a->bc);
	if (proto > UINT8_MAX)
		mnl_attr_put_u32(nlh, INET_DIAG_REQ_PROTOCOL, proto);
	return 0;
}
