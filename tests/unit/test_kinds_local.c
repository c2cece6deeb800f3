// SPDX-License-Identifier: MIT
/*
 * Tests of the kinds without IP addresses: UNIX, packet and netlink.  Their
 * sock_diag reply parsers on hand-built messages (valid ones, each truncated
 * at every length, bad attribute lengths, other families), their /proc/net
 * line parsers on captured and hostile lines (escape sequences, invalid
 * UTF-8, 108-byte names, missing fields, overlong numbers), their requests,
 * vocabularies and columns; and, as root, live sockets of every sort created
 * in a private network namespace (a forked child), read back through a real
 * NETLINK_SOCK_DIAG socket and through /proc/thread-self/net, and checked
 * against what the test created.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/netlink_diag.h>
#include <linux/packet_diag.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "column.h"
#include "kind.h"
#include "needs.h"
#include "procfs.h"
#include "sock.h"
#include "states.h"

#define ASSERT_PTR(p)               \
	do {                        \
		assert_non_null(p); \
		if (!(p))           \
			return;     \
	} while (0)

#define BUFSZ 4096

static const struct sock_kind *K(unsigned id)
{
	const struct sock_kind *k = kind_get(id);

	if (!k)
		abort();
	return k;
}

/* ---- message building ---- */

static struct nlmsghdr *msg_start(uint8_t *buf, const void *body, size_t blen)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, BUFSZ);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	memcpy(mnl_nlmsg_put_extra_header(nlh, blen), body, blen);
	return nlh;
}

/* Parses a copy exactly len bytes long (reads past it are caught by ASan). */
static int parse_n(const struct sock_kind *k, const void *msg, size_t len, struct sock_rec *rec, struct sock_ext *ext,
		   int *has_ext)
{
	uint8_t *copy = malloc(len ? len : 1);
	int r;

	if (!copy)
		abort();
	memcpy(copy, msg, len);
	*has_ext = -1;
	r = k->nl_parse(copy, len, rec, ext, has_ext);
	free(copy);
	return r;
}

/*
 * Every truncation of a valid message: with nlmsg_len telling the truth the
 * message parses exactly when it ends on an attribute's end (or in its
 * padding); with nlmsg_len left at the full length it never parses.
 */
static void check_truncations(const struct sock_kind *k, const struct nlmsghdr *nlh, size_t body)
{
	static bool ok_at[BUFSZ + 1];
	size_t full = nlh->nlmsg_len, off = NLMSG_HDRLEN + NLMSG_ALIGN(body);
	uint8_t buf[BUFSZ];

	assert_true(full <= BUFSZ);
	memset(ok_at, 0, sizeof(ok_at));
	ok_at[off] = true;
	while (off < full) {
		struct nlattr a;
		size_t end;

		memcpy(&a, (const uint8_t *)nlh + off, sizeof(a));
		end = off + NLA_ALIGN(a.nla_len);
		for (size_t i = off + a.nla_len; i <= end && i <= full; i++)
			ok_at[i] = true;
		off = end;
	}
	for (size_t l = 0; l < full; l++) {
		struct sock_rec rec;
		struct sock_ext ext;
		int has, r;
		uint32_t nl32 = (uint32_t)l;

		memcpy(buf, nlh, full);
		r = parse_n(k, buf, l, &rec, &ext, &has);
		assert_int_equal(r, -EBADMSG);
		if (l >= sizeof(nl32))
			memcpy(buf, &nl32, sizeof(nl32));
		r = parse_n(k, buf, l, &rec, &ext, &has);
		if (l >= NLMSG_HDRLEN + body && ok_at[l])
			assert_int_equal(r, 0);
		else
			assert_int_equal(r, -EBADMSG);
	}
}

/* ---- UNIX over netlink ---- */

static struct nlmsghdr *unix_msg(uint8_t *buf, uint8_t type, uint8_t state, uint32_t ino)
{
	struct unix_diag_msg m = { .udiag_family = AF_UNIX, .udiag_type = type, .udiag_state = state,
				   .udiag_ino = ino, .udiag_cookie = { 0x11223344, 0x55 } };

	return msg_start(buf, &m, sizeof(m));
}

static void t_unix_nl_listener(void **state)
{
	uint8_t buf[BUFSZ];
	struct nlmsghdr *nlh = unix_msg(buf, SOCK_STREAM, SK_LISTEN, 4242);
	struct unix_diag_rqlen q = { 3, 128 };
	uint32_t mem[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct sock_rec rec;
	struct sock_ext ext;
	int has;

	(void)state;
	mnl_attr_put(nlh, UNIX_DIAG_NAME, 19, "/run/docker.sock\0\0"); /* path and NULs */
	mnl_attr_put(nlh, UNIX_DIAG_RQLEN, sizeof(q), &q);
	mnl_attr_put_u32(nlh, UNIX_DIAG_UID, 1000);
	mnl_attr_put_u8(nlh, UNIX_DIAG_SHUTDOWN, 0);
	mnl_attr_put(nlh, UNIX_DIAG_MEMINFO, sizeof(mem), mem);
	mnl_attr_put_u32(nlh, 99, 7); /* unknown: skipped */
	assert_int_equal(parse_n(K(KIND_UNIX), nlh, nlh->nlmsg_len, &rec, &ext, &has), 0);
	assert_int_equal(has, 1);
	assert_int_equal(rec.family, AF_UNIX);
	assert_int_equal(rec.state, SK_LISTEN);
	assert_int_equal(rec.x.type, SOCK_STREAM);
	assert_int_equal(rec.inode, 4242);
	assert_int_equal(rec.recv_q, 3);
	assert_int_equal(rec.send_q, 128);
	assert_int_equal(rec.uid, 1000);
	assert_int_equal(rec.ext, SOCK_NO_EXT);
	assert_true(rec.cookie == (0x55ull << 32 | 0x11223344));
	assert_int_equal(rec.flags, SOCK_F_COOKIE | SOCK_F_SHUTDOWN);
	assert_int_equal(rec.shutdown, 0);
	assert_int_equal(ext.name_len, 16);
	assert_memory_equal(ext.name, "/run/docker.sock", 16);
	assert_int_equal(ext.has_mem, 1);
	assert_int_equal(ext.mem.drops, 9);
	assert_int_equal(ext.mem.rmem_alloc, 1);
	rec.kind = KIND_UNIX;
	assert_string_equal(sock_state_name(&rec), "LISTEN");
	assert_string_equal(sock_netid(&rec), "u_str");
	assert_int_equal(sock_side(&rec, &ext), SIDE_SERVER);
	check_truncations(K(KIND_UNIX), nlh, sizeof(struct unix_diag_msg));
}

static void t_unix_nl_connected(void **state)
{
	static const char abs[] = "\0app\0x"; /* abstract, an embedded NUL */
	uint8_t buf[BUFSZ];
	struct nlmsghdr *nlh = unix_msg(buf, SOCK_SEQPACKET, SK_ESTABLISHED, 77);
	struct sock_rec rec;
	struct sock_ext ext;
	int has;

	(void)state;
	mnl_attr_put(nlh, UNIX_DIAG_NAME, sizeof(abs) - 1, abs);
	mnl_attr_put_u32(nlh, UNIX_DIAG_PEER, 78);
	mnl_attr_put_u8(nlh, UNIX_DIAG_SHUTDOWN, 3);
	assert_int_equal(parse_n(K(KIND_UNIX), nlh, nlh->nlmsg_len, &rec, &ext, &has), 0);
	assert_int_equal(has, 1);
	assert_int_equal(rec.state, SK_ESTABLISHED);
	assert_int_equal(rec.x.type, SOCK_SEQPACKET);
	assert_true(rec.x.peer == 78);
	assert_int_equal(rec.shutdown, 3);
	assert_true(rec.flags & SOCK_F_SENDQ_UNKNOWN); /* no RQLEN */
	assert_int_equal(ext.name_len, 6);
	assert_memory_equal(ext.name, "@app\0x", 6);
	assert_int_equal(ext.has_mem, 0);
	rec.kind = KIND_UNIX;
	assert_string_equal(sock_netid(&rec), "u_seq");
	assert_int_equal(sock_side(&rec, &ext), SIDE_SERVER);
	check_truncations(K(KIND_UNIX), nlh, sizeof(struct unix_diag_msg));

	/* unnamed, no memory: no extension; the client's end */
	nlh = unix_msg(buf, SOCK_DGRAM, SK_ESTABLISHED, 80);
	mnl_attr_put_u32(nlh, UNIX_DIAG_PEER, 81);
	assert_int_equal(parse_n(K(KIND_UNIX), nlh, nlh->nlmsg_len, &rec, &ext, &has), 0);
	assert_int_equal(has, 0);
	rec.kind = KIND_UNIX;
	assert_int_equal(sock_side(&rec, NULL), SIDE_CLIENT);
	assert_string_equal(sock_netid(&rec), "u_dgr");
	/* ext NULL is allowed */
	assert_int_equal(K(KIND_UNIX)->nl_parse(nlh, nlh->nlmsg_len, &rec, NULL, &has), 0);
	assert_int_equal(has, 0);

	/* an autobound name is the client's end too */
	nlh = unix_msg(buf, SOCK_DGRAM, SK_ESTABLISHED, 82);
	mnl_attr_put(nlh, UNIX_DIAG_NAME, 6, "\0" "0a1f3");
	assert_int_equal(parse_n(K(KIND_UNIX), nlh, nlh->nlmsg_len, &rec, &ext, &has), 0);
	rec.kind = KIND_UNIX;
	assert_int_equal(sock_side(&rec, &ext), SIDE_CLIENT);
	rec.state = SK_CLOSE;
	assert_int_equal(sock_side(&rec, &ext), SIDE_BOTH);
	assert_string_equal(sock_state_name(&rec), "UNCONN");
}

static void t_unix_nl_names(void **state)
{
	uint8_t buf[BUFSZ], name[120];
	struct nlmsghdr *nlh;
	struct sock_rec rec;
	struct sock_ext ext;
	int has;

	(void)state;
	/* a 108-byte path without NUL, and with it */
	memset(name, 'p', sizeof(name));
	name[0] = '/';
	for (size_t n = 108; n <= 109; n++) {
		name[108] = '\0';
		nlh = unix_msg(buf, SOCK_STREAM, SK_CLOSE, 1);
		mnl_attr_put(nlh, UNIX_DIAG_NAME, n, name);
		assert_int_equal(parse_n(K(KIND_UNIX), nlh, nlh->nlmsg_len, &rec, &ext, &has), 0);
		assert_int_equal(ext.name_len, 108);
		assert_memory_equal(ext.name, name, 108);
	}
	/* the longest abstract name: NUL + 107 bytes -> "@" + 107 */
	name[0] = '\0';
	nlh = unix_msg(buf, SOCK_STREAM, SK_CLOSE, 1);
	mnl_attr_put(nlh, UNIX_DIAG_NAME, 108, name);
	assert_int_equal(parse_n(K(KIND_UNIX), nlh, nlh->nlmsg_len, &rec, &ext, &has), 0);
	assert_int_equal(ext.name_len, 108);
	assert_int_equal(ext.name[0], '@');
	/* no sun_path is that long */
	nlh = unix_msg(buf, SOCK_STREAM, SK_CLOSE, 1);
	mnl_attr_put(nlh, UNIX_DIAG_NAME, 110, name);
	assert_int_equal(parse_n(K(KIND_UNIX), nlh, nlh->nlmsg_len, &rec, &ext, &has), -EBADMSG);
	/* empty name: unnamed */
	nlh = unix_msg(buf, SOCK_STREAM, SK_CLOSE, 1);
	mnl_attr_put(nlh, UNIX_DIAG_NAME, 0, name);
	assert_int_equal(parse_n(K(KIND_UNIX), nlh, nlh->nlmsg_len, &rec, &ext, &has), 0);
	assert_int_equal(has, 0);
	/* escape sequences and invalid UTF-8 are kept as bytes */
	nlh = unix_msg(buf, SOCK_STREAM, SK_CLOSE, 1);
	mnl_attr_put(nlh, UNIX_DIAG_NAME, 10, "/\x1b[31m\xff\xfe\n\0");
	assert_int_equal(parse_n(K(KIND_UNIX), nlh, nlh->nlmsg_len, &rec, &ext, &has), 0);
	assert_int_equal(ext.name_len, 9);
	assert_memory_equal(ext.name, "/\x1b[31m\xff\xfe\n", 9);
}

static void t_unix_nl_bad(void **state)
{
	uint8_t buf[BUFSZ];
	struct nlmsghdr *nlh;
	struct sock_rec rec;
	struct sock_ext ext;
	struct nlattr a;
	int has;
	static const struct {
		uint16_t type, len;
	} shorts[] = {
		{ UNIX_DIAG_PEER, 2 }, { UNIX_DIAG_RQLEN, 4 }, { UNIX_DIAG_UID, 3 },
		{ UNIX_DIAG_SHUTDOWN, 0 }, { UNIX_DIAG_VFS, 4 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(shorts) / sizeof(shorts[0]); i++) {
		nlh = unix_msg(buf, SOCK_STREAM, SK_ESTABLISHED, 1);
		mnl_attr_put(nlh, shorts[i].type, shorts[i].len, "\1\2\3\4\5\6\7\x8");
		assert_int_equal(parse_n(K(KIND_UNIX), nlh, nlh->nlmsg_len, &rec, &ext, &has), -EBADMSG);
	}
	/* attribute lengths below the header and beyond the message */
	for (uint16_t l = 0; l < 4; l++) {
		nlh = unix_msg(buf, SOCK_STREAM, SK_ESTABLISHED, 1);
		mnl_attr_put_u32(nlh, UNIX_DIAG_UID, 5);
		a.nla_len = l;
		a.nla_type = UNIX_DIAG_UID;
		memcpy(buf + NLMSG_HDRLEN + sizeof(struct unix_diag_msg), &a, sizeof(a));
		assert_int_equal(parse_n(K(KIND_UNIX), nlh, nlh->nlmsg_len, &rec, &ext, &has), -EBADMSG);
	}
	nlh = unix_msg(buf, SOCK_STREAM, SK_ESTABLISHED, 1);
	mnl_attr_put_u32(nlh, UNIX_DIAG_UID, 5);
	a.nla_len = 9;
	a.nla_type = UNIX_DIAG_UID;
	memcpy(buf + NLMSG_HDRLEN + sizeof(struct unix_diag_msg), &a, sizeof(a));
	assert_int_equal(parse_n(K(KIND_UNIX), nlh, nlh->nlmsg_len, &rec, &ext, &has), -EBADMSG);
	/* a good message with garbage after a bad attribute is still bad */
	nlh = unix_msg(buf, SOCK_STREAM, SK_ESTABLISHED, 1);
	mnl_attr_put(nlh, UNIX_DIAG_PEER, 1, "x");
	mnl_attr_put_u32(nlh, UNIX_DIAG_UID, 5);
	assert_int_equal(parse_n(K(KIND_UNIX), nlh, nlh->nlmsg_len, &rec, &ext, &has), -EBADMSG);

	/* other family, state or type: not ours; other message type: bad */
	nlh = unix_msg(buf, SOCK_STREAM, SK_ESTABLISHED, 1);
	buf[NLMSG_HDRLEN] = AF_INET;
	assert_int_equal(parse_n(K(KIND_UNIX), nlh, nlh->nlmsg_len, &rec, &ext, &has), -ENOENT);
	nlh = unix_msg(buf, SOCK_STREAM, SK_SYN_SENT, 1);
	assert_int_equal(parse_n(K(KIND_UNIX), nlh, nlh->nlmsg_len, &rec, &ext, &has), -ENOENT);
	nlh = unix_msg(buf, SOCK_RAW, SK_CLOSE, 1);
	assert_int_equal(parse_n(K(KIND_UNIX), nlh, nlh->nlmsg_len, &rec, &ext, &has), -ENOENT);
	nlh = unix_msg(buf, SOCK_STREAM, SK_CLOSE, 1);
	nlh->nlmsg_type = NLMSG_DONE;
	assert_int_equal(parse_n(K(KIND_UNIX), nlh, nlh->nlmsg_len, &rec, &ext, &has), -EBADMSG);
	/* a packet or netlink message is not a UNIX one */
	nlh = unix_msg(buf, SOCK_RAW, 0, 1);
	buf[NLMSG_HDRLEN] = AF_PACKET;
	assert_int_equal(parse_n(K(KIND_UNIX), nlh, nlh->nlmsg_len, &rec, &ext, &has), -ENOENT);
	assert_int_equal(parse_n(K(KIND_NETLINK), nlh, nlh->nlmsg_len, &rec, &ext, &has), -EBADMSG); /* short */
}

/* ---- packet over netlink ---- */

static struct nlmsghdr *packet_msg(uint8_t *buf, uint8_t type, uint16_t num, uint32_t ino)
{
	struct packet_diag_msg m = { .pdiag_family = AF_PACKET, .pdiag_type = type, .pdiag_num = num,
				     .pdiag_ino = ino, .pdiag_cookie = { 9, 0 } };

	return msg_start(buf, &m, sizeof(m));
}

static void t_packet_nl(void **state)
{
	uint8_t buf[BUFSZ];
	struct nlmsghdr *nlh = packet_msg(buf, SOCK_RAW, ETH_P_ALL, 2024963);
	struct packet_diag_info info = { .pdi_index = 3, .pdi_version = 2, .pdi_flags = PDI_RUNNING };
	uint32_t mem[9] = { 4608, 212992, 0, 212992, 0, 0, 0, 0, 17 };
	struct sock_rec rec;
	struct sock_ext ext;
	int has;

	(void)state;
	mnl_attr_put(nlh, PACKET_DIAG_INFO, sizeof(info), &info);
	mnl_attr_put_u32(nlh, PACKET_DIAG_UID, 0);
	mnl_attr_put(nlh, PACKET_DIAG_MEMINFO, sizeof(mem), mem);
	mnl_attr_put(nlh, PACKET_DIAG_FILTER, 0, ""); /* empty without CAP_NET_ADMIN */
	assert_int_equal(parse_n(K(KIND_PACKET), nlh, nlh->nlmsg_len, &rec, &ext, &has), 0);
	assert_int_equal(has, 1);
	assert_int_equal(rec.family, AF_PACKET);
	assert_int_equal(rec.state, SK_CLOSE);
	assert_int_equal(rec.x.type, SOCK_RAW);
	assert_int_equal(rec.x.protocol, ETH_P_ALL);
	assert_int_equal(rec.ifindex, 3);
	assert_int_equal(rec.inode, 2024963);
	assert_int_equal(rec.recv_q, 4608);
	assert_int_equal(rec.send_q, 0);
	assert_int_equal(rec.flags, SOCK_F_COOKIE);
	assert_true(rec.cookie == 9);
	assert_int_equal(rec.ext, SOCK_NO_EXT);
	assert_int_equal(ext.has_mem, 1);
	assert_int_equal(ext.mem.drops, 17);
	assert_int_equal(ext.name_len, 0);
	rec.kind = KIND_PACKET;
	assert_string_equal(sock_netid(&rec), "p_raw");
	assert_string_equal(sock_state_name(&rec), "UNCONN");
	assert_int_equal(sock_side(&rec, &ext), SIDE_BOTH);
	check_truncations(K(KIND_PACKET), nlh, sizeof(struct packet_diag_msg));

	/* dgram, no attributes; a vanished device (ifindex -1) is none */
	nlh = packet_msg(buf, SOCK_DGRAM, ETH_P_IP, 5);
	info.pdi_index = UINT32_MAX;
	mnl_attr_put(nlh, PACKET_DIAG_INFO, sizeof(info), &info);
	assert_int_equal(parse_n(K(KIND_PACKET), nlh, nlh->nlmsg_len, &rec, &ext, &has), 0);
	assert_int_equal(has, 0);
	assert_int_equal(rec.ifindex, 0);
	assert_int_equal(rec.x.protocol, 0x0800);
	rec.kind = KIND_PACKET;
	assert_string_equal(sock_netid(&rec), "p_dgr");

	/* INFO too short, UID too short, wrong family and type */
	nlh = packet_msg(buf, SOCK_DGRAM, ETH_P_IP, 5);
	mnl_attr_put(nlh, PACKET_DIAG_INFO, 20, &info);
	assert_int_equal(parse_n(K(KIND_PACKET), nlh, nlh->nlmsg_len, &rec, &ext, &has), -EBADMSG);
	nlh = packet_msg(buf, SOCK_DGRAM, ETH_P_IP, 5);
	mnl_attr_put(nlh, PACKET_DIAG_UID, 2, "ab");
	assert_int_equal(parse_n(K(KIND_PACKET), nlh, nlh->nlmsg_len, &rec, &ext, &has), -EBADMSG);
	nlh = packet_msg(buf, SOCK_STREAM, ETH_P_IP, 5);
	assert_int_equal(parse_n(K(KIND_PACKET), nlh, nlh->nlmsg_len, &rec, &ext, &has), -ENOENT);
	nlh = packet_msg(buf, SOCK_RAW, ETH_P_IP, 5);
	buf[NLMSG_HDRLEN] = AF_UNIX;
	assert_int_equal(parse_n(K(KIND_PACKET), nlh, nlh->nlmsg_len, &rec, &ext, &has), -ENOENT);
}

/* ---- netlink over netlink ---- */

static struct nlmsghdr *netlink_msg(uint8_t *buf, uint8_t proto, uint8_t state, uint32_t portid, uint32_t dport,
				    uint32_t dgroup)
{
	struct netlink_diag_msg m = { .ndiag_family = AF_NETLINK, .ndiag_type = SOCK_RAW, .ndiag_protocol = proto,
				      .ndiag_state = state, .ndiag_portid = portid, .ndiag_dst_portid = dport,
				      .ndiag_dst_group = dgroup, .ndiag_ino = 2024967, .ndiag_cookie = { 1, 2 } };

	return msg_start(buf, &m, sizeof(m));
}

static void t_netlink_nl(void **state)
{
	uint8_t buf[BUFSZ];
	struct nlmsghdr *nlh = netlink_msg(buf, NETLINK_ROUTE, 7, 9914, 0, 0);
	uint32_t mem[9] = { 1280, 212992, 768, 212992, 0, 0, 0, 0, 0 };
	unsigned long groups[2] = { 0x80000005ul, 1 };
	uint32_t flags = 0x20;
	struct sock_rec rec;
	struct sock_ext ext;
	int has;

	(void)state;
	mnl_attr_put(nlh, NETLINK_DIAG_MEMINFO, sizeof(mem), mem);
	mnl_attr_put(nlh, NETLINK_DIAG_GROUPS, sizeof(groups), groups);
	mnl_attr_put(nlh, NETLINK_DIAG_FLAGS, sizeof(flags), &flags);
	assert_int_equal(parse_n(K(KIND_NETLINK), nlh, nlh->nlmsg_len, &rec, &ext, &has), 0);
	assert_int_equal(has, 1);
	assert_int_equal(rec.family, AF_NETLINK);
	assert_int_equal(rec.state, SK_CLOSE);
	assert_int_equal(rec.x.type, SOCK_RAW);
	assert_int_equal(rec.x.protocol, NETLINK_ROUTE);
	assert_int_equal(rec.x.portid, 9914);
	assert_int_equal(rec.x.groups, 0x80000005u);
	assert_true(rec.x.peer == 0);
	assert_int_equal(rec.recv_q, 1280);
	assert_int_equal(rec.send_q, 768);
	assert_int_equal(rec.inode, 2024967);
	assert_true(rec.cookie == (2ull << 32 | 1));
	assert_int_equal(rec.flags, SOCK_F_COOKIE);
	assert_int_equal(ext.has_mem, 1);
	rec.kind = KIND_NETLINK;
	assert_string_equal(sock_netid(&rec), "nl");
	assert_string_equal(sock_state_name(&rec), "UNCONN");
	check_truncations(K(KIND_NETLINK), nlh, sizeof(struct netlink_diag_msg));

	/* connected: the peer is group:portid; after an AF_UNSPEC connect: 0 */
	nlh = netlink_msg(buf, NETLINK_GENERIC, 1, 77, 4242, 3);
	assert_int_equal(parse_n(K(KIND_NETLINK), nlh, nlh->nlmsg_len, &rec, &ext, &has), 0);
	assert_int_equal(has, 0);
	assert_int_equal(rec.state, SK_ESTABLISHED);
	assert_true(rec.x.peer == (3ull << 32 | 4242));
	rec.kind = KIND_NETLINK;
	assert_string_equal(sock_state_name(&rec), "ESTAB");
	nlh = netlink_msg(buf, NETLINK_GENERIC, 0, 77, 0, 0);
	assert_int_equal(parse_n(K(KIND_NETLINK), nlh, nlh->nlmsg_len, &rec, &ext, &has), 0);
	assert_int_equal(rec.state, SK_CLOSE);
	/* short groups (4 bytes) still give the first 32 */
	nlh = netlink_msg(buf, NETLINK_GENERIC, 7, 77, 0, 0);
	mnl_attr_put_u32(nlh, NETLINK_DIAG_GROUPS, 6);
	assert_int_equal(parse_n(K(KIND_NETLINK), nlh, nlh->nlmsg_len, &rec, &ext, &has), 0);
	assert_int_equal(rec.x.groups, 6);

	/* bad: short FLAGS, unknown state, other family */
	nlh = netlink_msg(buf, NETLINK_GENERIC, 7, 77, 0, 0);
	mnl_attr_put(nlh, NETLINK_DIAG_FLAGS, 2, "ab");
	assert_int_equal(parse_n(K(KIND_NETLINK), nlh, nlh->nlmsg_len, &rec, &ext, &has), -EBADMSG);
	nlh = netlink_msg(buf, NETLINK_GENERIC, 2, 77, 0, 0);
	assert_int_equal(parse_n(K(KIND_NETLINK), nlh, nlh->nlmsg_len, &rec, &ext, &has), -ENOENT);
	nlh = netlink_msg(buf, NETLINK_GENERIC, 7, 77, 0, 0);
	buf[NLMSG_HDRLEN] = AF_UNIX;
	assert_int_equal(parse_n(K(KIND_NETLINK), nlh, nlh->nlmsg_len, &rec, &ext, &has), -ENOENT);
}

/* ---- requests ---- */

static void t_requests(void **state)
{
	uint8_t buf[BUFSZ];
	struct kind_nl_args a = { .family = AF_UNSPEC, .seq = 99, .states = SK_ALL_STATES };
	struct nlmsghdr *nlh;
	struct unix_diag_req ur;
	struct packet_diag_req pr;
	struct netlink_diag_req nr;

	(void)state;
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	assert_int_equal(K(KIND_UNIX)->nl_request(&a, nlh), 0);
	assert_int_equal(nlh->nlmsg_type, SOCK_DIAG_BY_FAMILY);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_int_equal(nlh->nlmsg_seq, 99);
	assert_int_equal(nlh->nlmsg_len, NLMSG_HDRLEN + sizeof(ur));
	memcpy(&ur, buf + NLMSG_HDRLEN, sizeof(ur));
	assert_int_equal(ur.sdiag_family, AF_UNIX);
	assert_int_equal(ur.udiag_states, K(KIND_UNIX)->states);
	assert_int_equal(ur.udiag_show & (UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN | UDIAG_SHOW_UID),
			 UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN | UDIAG_SHOW_UID);
	assert_int_equal(ur.udiag_show & UDIAG_SHOW_MEMINFO, 0);
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	a.need = NEED_MEM;
	a.states = 1u << SK_LISTEN;
	assert_int_equal(K(KIND_UNIX)->nl_request(&a, nlh), 0);
	memcpy(&ur, buf + NLMSG_HDRLEN, sizeof(ur));
	assert_int_equal(ur.udiag_states, 1u << SK_LISTEN);
	assert_true(ur.udiag_show & UDIAG_SHOW_MEMINFO);

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	assert_int_equal(K(KIND_PACKET)->nl_request(&a, nlh), 0);
	assert_int_equal(nlh->nlmsg_len, NLMSG_HDRLEN + sizeof(pr));
	memcpy(&pr, buf + NLMSG_HDRLEN, sizeof(pr));
	assert_int_equal(pr.sdiag_family, AF_PACKET);
	assert_int_equal(pr.sdiag_protocol, 0);
	assert_int_equal(pr.pdiag_show, PACKET_SHOW_INFO | PACKET_SHOW_MEMINFO);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	assert_int_equal(K(KIND_NETLINK)->nl_request(&a, nlh), 0);
	assert_int_equal(nlh->nlmsg_len, NLMSG_HDRLEN + sizeof(nr));
	memcpy(&nr, buf + NLMSG_HDRLEN, sizeof(nr));
	assert_int_equal(nr.sdiag_family, AF_NETLINK);
	assert_int_equal(nr.sdiag_protocol, NDIAG_PROTO_ALL);
	assert_int_equal(nr.ndiag_show, NDIAG_SHOW_MEMINFO | NDIAG_SHOW_GROUPS);
	assert_int_equal(nlh->nlmsg_seq, 99);
}

/* ---- /proc lines ---- */

static int pline(unsigned kind, const char *s, size_t len, struct sock_rec *rec, struct sock_ext *ext, int *has)
{
	char *copy = malloc(len ? len : 1);
	int r;

	if (!copy)
		abort();
	memcpy(copy, s, len);
	*has = -1;
	r = K(kind)->proc_parse(copy, len, AF_UNSPEC, rec, ext, has);
	free(copy);
	return r;
}

static int pl(unsigned kind, const char *s, struct sock_rec *rec, struct sock_ext *ext, int *has)
{
	return pline(kind, s, strlen(s), rec, ext, has);
}

static void t_unix_proc(void **state)
{
	struct sock_rec r;
	struct sock_ext e;
	int has;
	char line[512];
	int n;

	(void)state;
	assert_int_equal(pl(KIND_UNIX, "Num       RefCount Protocol Flags    Type St Inode Path", &r, &e, &has), 1);
	assert_int_equal(pl(KIND_UNIX, "00000000c1b6ea5a: 00000002 00000000 00010000 0001 01 2004545 /tmp/srv.sock",
			    &r, &e, &has), 0);
	assert_int_equal(has, 1);
	assert_int_equal(r.family, AF_UNIX);
	assert_int_equal(r.state, SK_LISTEN);
	assert_int_equal(r.x.type, SOCK_STREAM);
	assert_int_equal(r.inode, 2004545);
	assert_int_equal(r.flags, SOCK_F_SENDQ_UNKNOWN);
	assert_int_equal(r.ext, SOCK_NO_EXT);
	assert_int_equal(e.name_len, 13);
	assert_memory_equal(e.name, "/tmp/srv.sock", 13);
	assert_int_equal(pl(KIND_UNIX, "00000000adde9b74: 00000003 00000000 00000000 0001 03 2004548 /tmp/srv.sock",
			    &r, &e, &has), 0);
	assert_int_equal(r.state, SK_ESTABLISHED);
	r.kind = KIND_UNIX;
	assert_int_equal(sock_side(&r, &e), SIDE_SERVER);
	/* the embryo: inode 0, connecting */
	assert_int_equal(pl(KIND_UNIX, "000000007f225dc1: 00000003 00000000 00000000 0001 02     0 /tmp/srv.sock", &r,
			    &e, &has), 0);
	assert_int_equal(r.state, SK_SYN_SENT);
	assert_int_equal(r.inode, 0);
	r.kind = KIND_UNIX;
	assert_string_equal(sock_state_name(&r), "SYN-SENT");
	assert_int_equal(sock_side(&r, &e), SIDE_SERVER);
	assert_int_equal(pl(KIND_UNIX, "00000000133cab7b: 00000002 00000000 00000000 0002 03 2004555 @128e9", &r, &e,
			    &has), 0);
	assert_int_equal(r.x.type, SOCK_DGRAM);
	assert_int_equal(e.name_len, 6);
	assert_memory_equal(e.name, "@128e9", 6);
	r.kind = KIND_UNIX;
	assert_int_equal(sock_side(&r, &e), SIDE_CLIENT);
	/* unnamed (two blanks before a short inode, as %5lu prints it) */
	assert_int_equal(pl(KIND_UNIX, "000000006f5c1e7a: 00000003 00000000 00000000 0001 03  1070", &r, &e, &has), 0);
	assert_int_equal(has, 0);
	assert_int_equal(r.inode, 1070);
	assert_int_equal(pl(KIND_UNIX, "00000000d5327f19: 00000002 00000000 00000000 0002 01 2004556", &r, &e, &has),
			 0);
	assert_int_equal(r.state, SK_CLOSE);
	assert_int_equal(pl(KIND_UNIX, "0000000000000000: 00000002 00000000 00000000 0005 04 9", &r, &e, &has), 0);
	assert_int_equal(r.state, SK_CLOSE);
	assert_int_equal(r.x.type, SOCK_SEQPACKET);
	/* 32-bit kernels print 8-digit addresses */
	assert_int_equal(pl(KIND_UNIX, "c1b6ea5a: 00000002 00000000 00010000 0005 01 12 @x", &r, &e, &has), 0);
	assert_int_equal(r.state, SK_LISTEN);
	/* a path with blanks (leading, inner and trailing) */
	assert_int_equal(pl(KIND_UNIX, "00000000c1b6ea5a: 00000002 00000000 00000000 0001 01 5  a b ", &r, &e, &has),
			 0);
	assert_int_equal(e.name_len, 5);
	assert_memory_equal(e.name, " a b ", 5);

	/* hostile names: escape sequences, invalid UTF-8, backslashes */
	n = snprintf(line, sizeof(line), "0000000000000001: 00000002 00000000 00000000 0001 01 7 %s",
		     "/tmp/\x1b[2J\x1b]0;pwned\x07\xff\xfe\xc3\x28\\x41");
	assert_int_equal(pline(KIND_UNIX, line, (size_t)n, &r, &e, &has), 0);
	assert_int_equal(e.name_len, strlen("/tmp/\x1b[2J\x1b]0;pwned\x07\xff\xfe\xc3\x28\\x41"));
	assert_memory_equal(e.name, "/tmp/\x1b[2J", 9);
	/* a 108-byte name fits; 111 bytes cannot be a name */
	n = snprintf(line, sizeof(line), "0000000000000001: 00000002 00000000 00000000 0001 01 7 /");
	memset(line + n, 'z', 107);
	assert_int_equal(pline(KIND_UNIX, line, (size_t)n + 107, &r, &e, &has), 0);
	assert_int_equal(e.name_len, 108);
	memset(line + n, 'z', 110);
	assert_int_equal(pline(KIND_UNIX, line, (size_t)n + 110, &r, &e, &has), -EINVAL);
	/* a NUL byte in a line (never printed by the kernel) stays a byte */
	assert_int_equal(pline(KIND_UNIX, "1: 2 0 0 1 1 7 @a\0b", 19, &r, &e, &has), 0);
	assert_int_equal(e.name_len, 4);

	/* malformed */
	static const char *const bad[] = {
		"",
		" ",
		"0000000000000001",
		"0000000000000001:",
		"0000000000000001 00000002 00000000 00000000 0001 01 7",
		"0000000000000001: 00000002 00000000 00000000 0001 01",
		"0000000000000001: 00000002 00000000 00000000 0001 01 ",
		"0000000000000001: 00000002 00000000 00000000 0001",
		"0000000000000001: 00000002 00000000 00000000 0001 01 7 ",      /* blank, no name */
		"0000000000000001: 00000002 00000000 00000000 0003 01 7",       /* SOCK_RAW */
		"0000000000000001: 00000002 00000000 00000000 0001 05 7",       /* St 5 */
		"0000000000000001: 00000002 00000000 00000000 0001 01 7x",
		"0000000000000001: 00000002 00000000 00000000 0001 01 -7",
		"0000000000000001: 000000002 00000000 00000000 0001 01 7",      /* 9 hex digits */
		"00000000000000001: 00000002 00000000 00000000 0001 01 7",      /* 17 */
		"0000000000000001: 00000002 00000000 00000000 00001 01 7",
		"0000000000000001: 00000002 00000000 00000000 0001 001 7",
		"0000000000000001: 00000002 00000000 00000000 0001 01 18446744073709551616",
		"0000000000000001: 0000000g 00000000 00000000 0001 01 7",
		"0000000000000001:\t00000002 00000000 00000000 0001 01 7",
		"sk       RefCnt Type Proto  Iface R Rmem   User   Inode",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rr = pl(KIND_UNIX, bad[i], &r, &e, &has);

		if (rr != -EINVAL)
			fail_msg("line %zu '%s' gave %d", i, bad[i], rr);
	}
	assert_int_equal(pl(KIND_UNIX, "0000000000000001: 00000002 00000000 00000000 0001 01 18446744073709551615",
			    &r, &e, &has), 0);
	assert_true(r.inode == UINT64_MAX);
	/* ext NULL: the record without its name */
	assert_int_equal(K(KIND_UNIX)->proc_parse("1: 2 0 0 1 1 7 /x", 17, AF_UNIX, &r, NULL, &has), 0);
	assert_int_equal(has, 0);
}

static void t_packet_proc(void **state)
{
	struct sock_rec r;
	struct sock_ext e;
	int has;

	(void)state;
	assert_int_equal(pl(KIND_PACKET, "sk               RefCnt Type Proto  Iface R Rmem   User   Inode", &r, &e,
			    &has), 1);
	assert_int_equal(pl(KIND_PACKET, "000000003231d160 3      3    0003   3     1 4608   0      2024963 ", &r, &e,
			    &has), 0);
	assert_int_equal(has, 0);
	assert_int_equal(r.family, AF_PACKET);
	assert_int_equal(r.state, SK_CLOSE);
	assert_int_equal(r.x.type, SOCK_RAW);
	assert_int_equal(r.x.protocol, ETH_P_ALL);
	assert_int_equal(r.ifindex, 3);
	assert_int_equal(r.recv_q, 4608);
	assert_int_equal(r.inode, 2024963);
	assert_int_equal(r.ext, SOCK_NO_EXT);
	assert_int_equal(pl(KIND_PACKET, "00000000c0d63c54 3      2    0800   0     1 0      1000   2024964", &r, &e,
			    &has), 0);
	assert_int_equal(r.x.type, SOCK_DGRAM);
	assert_int_equal(r.x.protocol, 0x0800);
	assert_int_equal(r.uid, 1000);
	assert_int_equal(pl(KIND_PACKET, "00000000c0d63c54 3      3    86DD   -1    0 0      0      5", &r, &e, &has), 0);
	assert_int_equal(r.ifindex, 0);
	assert_int_equal(r.x.protocol, 0x86dd);

	static const char *const bad[] = {
		"",
		"00000000c0d63c54",
		"00000000c0d63c54 3      2    0800   0     1 0      1000",                /* no inode */
		"00000000c0d63c54 3      1    0800   0     1 0      1000   5",           /* stream */
		"00000000c0d63c54 3      2    10800  0     1 0      1000   5",           /* 5 hex digits */
		"00000000c0d63c54 3      2    0800   0     2 0      1000   5",           /* R 2 */
		"00000000c0d63c54 3      2    0800   0     1 4294967296 1000 5",         /* rmem > u32 */
		"00000000c0d63c54 3      2    0800   0     1 0      1000   5 junk",
		"00000000c0d63c54 3      2    0800   0     1 0      1000   5x",
		"00000000c0d63c54 3      2    0800   0     1 0      1000   99999999999999999999",
		"\xff\xfe 3 2 0800 0 1 0 0 5",
		"00000000c0d63c54 3 2 0800 0 1 0 0 -5",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rr = pl(KIND_PACKET, bad[i], &r, &e, &has);

		if (rr != -EINVAL)
			fail_msg("line %zu '%s' gave %d", i, bad[i], rr);
	}
}

static void t_netlink_proc(void **state)
{
	struct sock_rec r;
	struct sock_ext e;
	int has;

	(void)state;
	assert_int_equal(pl(KIND_NETLINK,
			    "sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode",
			    &r, &e, &has), 1);
	assert_int_equal(pl(KIND_NETLINK,
			    "000000008a5db366 0   9914       00000001 1280     768      0     2        0        2024967 ",
			    &r, &e, &has), 0);
	assert_int_equal(has, 0);
	assert_int_equal(r.family, AF_NETLINK);
	assert_int_equal(r.state, SK_CLOSE);
	assert_int_equal(r.x.protocol, NETLINK_ROUTE);
	assert_int_equal(r.x.portid, 9914);
	assert_int_equal(r.x.groups, 1);
	assert_int_equal(r.recv_q, 1280);
	assert_int_equal(r.send_q, 768);
	assert_int_equal(r.inode, 2024967);
	assert_int_equal(pl(KIND_NETLINK,
			    "000000000554f392 16  3126649473 ffffffff 0        0        0     2        0        2024971",
			    &r, &e, &has), 0);
	assert_int_equal(r.x.portid, 3126649473u);
	assert_int_equal(r.x.groups, 0xffffffffu);
	assert_int_equal(r.x.protocol, NETLINK_GENERIC);

	static const char *const bad[] = {
		"",
		"000000008a5db366 0   9914       00000001 0        0        0     2        0",
		"000000008a5db366 256 9914       00000001 0        0        0     2        0        5",
		"000000008a5db366 0   4294967296 00000001 0        0        0     2        0        5",
		"000000008a5db366 0   9914       100000001 0       0        0     2        0        5",
		"000000008a5db366 0   9914       00000001 0        0        0     2        0        5 6",
		"000000008a5db366 0   9914       0000000g 0        0        0     2        0        5",
		"000000008a5db366 0   9914       00000001 0        0        0     2        -1       5",
		"000000008a5db366 0   9914       00000001 2147483648 0      0     2        0        5",
		"000000008a5db366 0   9914       00000001 0        0        0     2        0        18446744073709551616",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rr = pl(KIND_NETLINK, bad[i], &r, &e, &has);

		if (rr != -EINVAL)
			fail_msg("line %zu '%s' gave %d", i, bad[i], rr);
	}
}

/* Every prefix of every good line: a record or -EINVAL, never a crash. */
static void t_proc_prefixes(void **state)
{
	static const struct {
		unsigned kind;
		const char *line;
	} good[] = {
		{ KIND_UNIX, "00000000c1b6ea5a: 00000002 00000000 00010000 0001 01 2004545 /tmp/srv.sock" },
		{ KIND_PACKET, "000000003231d160 3      3    0003   3     1 4608   0      2024963 " },
		{ KIND_NETLINK, "000000008a5db366 0   9914       00000001 1280     768      0     2        0        20" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		size_t len = strlen(good[i].line);

		for (size_t l = 0; l <= len; l++) {
			struct sock_rec r;
			struct sock_ext e;
			int has, rr = pline(good[i].kind, good[i].line, l, &r, &e, &has);

			assert_true(rr == 0 || rr == -EINVAL);
			if (rr == 0)
				assert_true(K(good[i].kind)->states & (1u << r.state));
		}
	}
}

/* ---- vocabularies, kinds and columns ---- */

static void check_text(const char *s, bool one_line)
{
	assert_non_null(s);
	assert_true(strlen(s) > 10);
	for (const char *p = s; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	assert_true(s[strlen(s) - 1] != ' ');
	if (one_line) {
		assert_true(strlen(s) <= 70);
		assert_true(s[strlen(s) - 1] != '.');
	}
}

static void t_vocab(void **state)
{
	static const unsigned ids[] = { KIND_UNIX, KIND_PACKET, KIND_NETLINK };

	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const struct sock_kind *k = K(ids[i]);
		uint32_t have = 0;

		assert_false(k->inet);
		assert_false(k->bytecode);
		assert_int_equal(kind_id(k), ids[i]);
		assert_ptr_equal(kind_by_name(k->name), k);
		for (int st = 0; st < SK_STATE_MAX; st++) {
			const struct state_info *si = &k->vocab[st];

			if (!si->name)
				continue;
			have |= 1u << st;
			assert_non_null(si->kernel_name);
			assert_non_null(si->ss_label);
			assert_true(si->side < SIDE_MAX);
			assert_true(si->role < ROLE_MAX);
			check_text(si->meaning, true);
			check_text(si->explanation, false);
			check_text(si->pileup, false);
			check_text(si->advice, false);
		}
		assert_int_equal(have, k->states);
		assert_true(k->ncolumns > 0);
	}
	assert_ptr_equal(kind_by_name("NETLINK"), K(KIND_NETLINK));
	assert_int_equal(K(KIND_UNIX)->vocab[SK_LISTEN].side, SIDE_SERVER);
	assert_string_equal(K(KIND_UNIX)->vocab[SK_ESTABLISHED].name, "ESTAB");
	assert_string_equal(K(KIND_NETLINK)->vocab[SK_ESTABLISHED].ss_label, "UNCONN");
}

static const struct column *kcol(unsigned kind, const char *name)
{
	const struct sock_kind *k = K(kind);

	for (size_t i = 0; i < k->ncolumns; i++)
		if (!strcmp(k->columns[i].name, name))
			return &k->columns[i];
	return NULL;
}

static void colget(const struct column *c, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	static struct col_ctx cc;

	memset(v, 0x5a, sizeof(*v));
	c->get(&cc, r, e, v);
}

static void assert_colstr(const struct column *c, const struct sock_rec *r, const struct sock_ext *e,
			  const char *want, size_t wlen)
{
	struct col_val v;

	colget(c, r, e, &v);
	assert_int_equal(v.kind, CV_STR);
	assert_int_equal(v.str.n, wlen);
	assert_memory_equal(v.str.s, want, wlen);
}

static void t_columns(void **state)
{
	static const unsigned ids[] = { KIND_TCP, KIND_UNIX, KIND_PACKET, KIND_NETLINK };
	struct sock_rec r;
	struct sock_ext e;
	struct col_val v;

	(void)state;
	/* every kind's column is null for the records of every other kind */
	for (size_t i = 1; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const struct sock_kind *k = K(ids[i]);

		for (size_t c = 0; c < k->ncolumns; c++) {
			assert_non_null(k->columns[c].get);
			assert_non_null(k->columns[c].desc);
			for (size_t j = 0; j < sizeof(ids) / sizeof(ids[0]); j++) {
				if (j == i)
					continue;
				memset(&r, 0, sizeof(r));
				memset(&e, 0, sizeof(e));
				r.kind = (uint8_t)ids[j];
				colget(&k->columns[c], &r, &e, &v);
				assert_int_equal(v.kind, CV_NULL);
			}
		}
	}

	memset(&r, 0, sizeof(r));
	memset(&e, 0, sizeof(e));
	r.kind = KIND_UNIX;
	r.x.type = SOCK_SEQPACKET;
	r.x.peer = 123;
	ASSERT_PTR(kcol(KIND_UNIX, "unix_path"));
	colget(kcol(KIND_UNIX, "unix_path"), &r, NULL, &v);
	assert_int_equal(v.kind, CV_NULL);
	colget(kcol(KIND_UNIX, "unix_path"), &r, &e, &v);
	assert_int_equal(v.kind, CV_NULL);
	memcpy(e.name, "@a\0b", 4);
	e.name_len = 4;
	assert_colstr(kcol(KIND_UNIX, "unix_path"), &r, &e, "@a\0b", 4);
	assert_colstr(kcol(KIND_UNIX, "unix_type"), &r, &e, "seqpacket", 9);
	colget(kcol(KIND_UNIX, "peer_inode"), &r, &e, &v);
	assert_int_equal(v.kind, CV_UINT);
	assert_true(v.u == 123);

	memset(&r, 0, sizeof(r));
	r.kind = KIND_PACKET;
	r.x.type = SOCK_RAW;
	r.x.protocol = ETH_P_ALL;
	ASSERT_PTR(kcol(KIND_PACKET, "packet_protocol"));
	assert_colstr(kcol(KIND_PACKET, "packet_protocol"), &r, NULL, "all", 3);
	r.x.protocol = 0x86dd;
	assert_colstr(kcol(KIND_PACKET, "packet_protocol"), &r, NULL, "ipv6", 4);
	r.x.protocol = 0x0806;
	assert_colstr(kcol(KIND_PACKET, "packet_protocol"), &r, NULL, "arp", 3);
	r.x.protocol = 0x1234;
	assert_colstr(kcol(KIND_PACKET, "packet_protocol"), &r, NULL, "0x1234", 6);
	assert_colstr(kcol(KIND_PACKET, "packet_type"), &r, NULL, "raw", 3);
	r.x.type = SOCK_DGRAM;
	assert_colstr(kcol(KIND_PACKET, "packet_type"), &r, NULL, "dgram", 5);

	memset(&r, 0, sizeof(r));
	r.kind = KIND_NETLINK;
	r.x.protocol = NETLINK_SOCK_DIAG;
	r.x.portid = 4242;
	r.x.groups = 0x11;
	ASSERT_PTR(kcol(KIND_NETLINK, "netlink_protocol"));
	assert_colstr(kcol(KIND_NETLINK, "netlink_protocol"), &r, NULL, "sock_diag", 9);
	r.x.protocol = NETLINK_KOBJECT_UEVENT;
	assert_colstr(kcol(KIND_NETLINK, "netlink_protocol"), &r, NULL, "kobject_uevent", 14);
	r.x.protocol = 17;
	assert_colstr(kcol(KIND_NETLINK, "netlink_protocol"), &r, NULL, "17", 2);
	r.x.protocol = 200;
	assert_colstr(kcol(KIND_NETLINK, "netlink_protocol"), &r, NULL, "200", 3);
	assert_colstr(kcol(KIND_NETLINK, "netlink_groups"), &r, NULL, "0x00000011", 10);
	colget(kcol(KIND_NETLINK, "netlink_portid"), &r, NULL, &v);
	assert_int_equal(v.kind, CV_UINT);
	assert_true(v.u == 4242);
}

static void assert_ep(unsigned kind, const struct sock_rec *r, const struct sock_ext *e, bool local,
		      const char *want, size_t wlen)
{
	char buf[320];
	size_t n;

	memset(buf, 'X', sizeof(buf));
	n = K(kind)->endpoint(r, e, local, buf, sizeof(buf));
	assert_int_equal(n, wlen);
	assert_memory_equal(buf, want, wlen);
	assert_int_equal(buf[n], '\0');
	/* a short buffer: truncated and terminated */
	memset(buf, 'X', sizeof(buf));
	n = K(kind)->endpoint(r, e, local, buf, 3);
	assert_true(n <= 2);
	assert_int_equal(buf[n], '\0');
}

static void t_endpoints(void **state)
{
	struct sock_rec r;
	struct sock_ext e;

	(void)state;
	assert_string_equal(K(KIND_UNIX)->family_name, "unix");
	assert_string_equal(K(KIND_PACKET)->family_name, "link");
	assert_string_equal(K(KIND_NETLINK)->family_name, "netlink");
	assert_true(K(KIND_NETLINK)->dedupe);

	memset(&r, 0, sizeof(r));
	memset(&e, 0, sizeof(e));
	r.kind = KIND_UNIX;
	r.inode = 3033403;
	r.x.peer = 12;
	assert_ep(KIND_UNIX, &r, NULL, true, "* 3033403", 9);
	assert_ep(KIND_UNIX, &r, &e, true, "* 3033403", 9);
	assert_ep(KIND_UNIX, &r, &e, false, "* 12", 4);
	memcpy(e.name, "@a\0b", 4);
	e.name_len = 4;
	assert_ep(KIND_UNIX, &r, &e, true, "@a@b 3033403", 12);
	memset(e.name, 'n', sizeof(e.name));
	e.name_len = sizeof(e.name);
	{
		char want[200];

		memset(want, 'n', sizeof(e.name));
		memcpy(want + sizeof(e.name), " 3033403", 8);
		assert_ep(KIND_UNIX, &r, &e, true, want, sizeof(e.name) + 8);
	}

	memset(&r, 0, sizeof(r));
	r.kind = KIND_PACKET;
	r.x.protocol = ETH_P_ALL;
	assert_ep(KIND_PACKET, &r, NULL, true, "*:*", 3);
	assert_ep(KIND_PACKET, &r, NULL, false, "*", 1);
	r.x.protocol = ETH_P_IP;
	r.ifindex = 1; /* lo, in any namespace */
	assert_ep(KIND_PACKET, &r, NULL, true, "ip:lo", 5);
	r.x.protocol = 0x1234;
	r.ifindex = 0;
	assert_ep(KIND_PACKET, &r, NULL, true, "[4660]:*", 8);
	r.ifindex = 99999;
	assert_ep(KIND_PACKET, &r, NULL, true, "[4660]:if99999", 14);

	memset(&r, 0, sizeof(r));
	r.kind = KIND_NETLINK;
	r.state = SK_CLOSE;
	assert_ep(KIND_NETLINK, &r, NULL, true, "rtnl:kernel", 11);
	assert_ep(KIND_NETLINK, &r, NULL, false, "*", 1);
	r.x.protocol = NETLINK_SOCK_DIAG;
	r.x.portid = 3126649473u;
	assert_ep(KIND_NETLINK, &r, NULL, true, "tcpdiag:3126649473", 18);
	r.x.protocol = 200;
	assert_ep(KIND_NETLINK, &r, NULL, true, "200:3126649473", 14);
	r.state = SK_ESTABLISHED;
	r.x.peer = 3ull << 32 | 4242;
	assert_ep(KIND_NETLINK, &r, NULL, false, "3:4242", 6);
}

/* ---- live sockets in a private namespace (root) ---- */

static int live_fail;

#define LCHECK(cond)                                                                                  \
	do {                                                                                          \
		if (!(cond)) {                                                                        \
			fprintf(stderr, "%s:%d: live check failed: %s\n", __FILE__, __LINE__, #cond); \
			live_fail++;                                                                  \
		}                                                                                     \
	} while (0)

struct got {
	struct sock_rec rec;
	struct sock_ext ext;
	int has_ext;
};

struct gotset {
	struct got *v;
	size_t n, cap;
};

static int got_add(void *arg, const struct sock_rec *rec, const struct sock_ext *ext)
{
	struct gotset *s = arg;

	if (!rec)
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct got *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	memset(&s->v[s->n], 0, sizeof(s->v[s->n]));
	s->v[s->n].rec = *rec;
	if (ext) {
		s->v[s->n].ext = *ext;
		s->v[s->n].has_ext = 1;
	}
	s->n++;
	return 0;
}

static const struct got *got_find(const struct gotset *s, uint64_t ino)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].rec.inode == ino)
			return &s->v[i];
	return NULL;
}

static size_t got_count(const struct gotset *s, uint64_t ino)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->v[i].rec.inode == ino;
	return n;
}

/* One dump of kind id through a NETLINK_SOCK_DIAG socket, every message
 * through the kind's parser. */
static int live_dump(unsigned id, unsigned need, struct gotset *out)
{
	const struct sock_kind *k = K(id);
	struct kind_nl_args a = { .family = AF_UNSPEC, .seq = 4711, .states = k->states, .need = need };
	struct mnl_socket *nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	uint8_t *buf = malloc(65536);
	struct nlmsghdr *nlh;
	bool done = false;
	int err = 0;

	if (!nl || !buf || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	memset(buf, 0, 65536);
	nlh = mnl_nlmsg_put_header(buf);
	if (k->nl_request(&a, nlh) < 0 || mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = -EIO;
		goto out;
	}
	while (!done && !err) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, 65536);
		size_t rem;
		const uint8_t *p = buf;

		if (n <= 0) {
			err = -EIO;
			break;
		}
		for (rem = (size_t)n; rem >= sizeof(struct nlmsghdr);) {
			const struct nlmsghdr *m = (const struct nlmsghdr *)p;
			size_t step;

			if (m->nlmsg_len < sizeof(*m) || m->nlmsg_len > rem) {
				err = -EBADMSG;
				break;
			}
			if (m->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (m->nlmsg_type == NLMSG_ERROR) {
				err = -EPROTO;
				break;
			}
			{
				struct got g;
				int r;

				memset(&g, 0, sizeof(g));
				r = k->nl_parse(m, m->nlmsg_len, &g.rec, &g.ext, &g.has_ext);
				LCHECK(r == 0);
				if (r == 0) {
					g.rec.kind = (uint8_t)id;
					r = got_add(out, &g.rec, g.has_ext ? &g.ext : NULL);
					if (r < 0)
						err = r;
				}
			}
			step = NLMSG_ALIGN(m->nlmsg_len);
			if (step >= rem)
				break;
			p += step;
			rem -= step;
		}
	}
out:
	if (nl)
		mnl_socket_close(nl);
	free(buf);
	return err;
}

static int live_proc(unsigned id, struct gotset *out)
{
	struct procfs_stats st = { 0 };
	int r = procfs_read("/proc/thread-self", K(id), 0, K(id)->states, got_add, out, &st);

	LCHECK(r == 0);
	LCHECK(st.malformed == 0);
	return r;
}

static uint64_t ino_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return 0;
	return st.st_ino;
}

static bool name_is(const struct got *g, const void *name, size_t len)
{
	return g && g->has_ext && g->ext.name_len == len && !memcmp(g->ext.name, name, len);
}

static socklen_t un_addr(struct sockaddr_un *sa, const void *name, size_t len)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, name, len);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
}

static void live_unix(const char *dir)
{
	char path[200], dpath[200], lpath[200];
	static const char abs[] = "\0sockscope\0kinds";
	char labs[108];
	struct sockaddr_un sa;
	/* a full sun_path followed by a NUL: valgrind checks bind's sun_path as a
	 * string, the kernel takes the 108 bytes that sl gives */
	struct {
		struct sockaddr_un un;
		char nul;
	} lsa;
	socklen_t sl;
	char data[100] = { 0 };
	int L, C1, A1, C2, sp[2], sq[2], D1, D2, D3, AB, LP, LA;
	struct gotset nl = { 0 }, nl0 = { 0 }, pr = { 0 };
	const struct got *g;
	size_t plen;

	snprintf(path, sizeof(path), "%s/srv.sock", dir);
	snprintf(dpath, sizeof(dpath), "%s/dgram.sock", dir);
	plen = strlen(path);
	L = socket(AF_UNIX, SOCK_STREAM, 0);
	sl = un_addr(&sa, path, plen + 1);
	LCHECK(bind(L, (struct sockaddr *)&sa, sl) == 0);
	LCHECK(listen(L, 5) == 0);
	C1 = socket(AF_UNIX, SOCK_STREAM, 0);
	LCHECK(connect(C1, (struct sockaddr *)&sa, sl) == 0);
	A1 = accept(L, NULL, NULL);
	LCHECK(A1 >= 0);
	C2 = socket(AF_UNIX, SOCK_STREAM, 0);
	LCHECK(connect(C2, (struct sockaddr *)&sa, sl) == 0); /* waits in L's queue */
	LCHECK(write(C1, data, 100) == 100);
	LCHECK(write(A1, data, 7) == 7);
	LCHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	LCHECK(shutdown(sp[0], SHUT_WR) == 0);
	LCHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sq) == 0);
	LCHECK(write(sq[0], data, 10) == 10);
	D1 = socket(AF_UNIX, SOCK_DGRAM, 0);
	sl = un_addr(&sa, dpath, strlen(dpath) + 1);
	LCHECK(bind(D1, (struct sockaddr *)&sa, sl) == 0);
	D2 = socket(AF_UNIX, SOCK_DGRAM, 0);
	{
		struct sockaddr_un ab = { .sun_family = AF_UNIX };

		LCHECK(bind(D2, (struct sockaddr *)&ab, sizeof(sa_family_t)) == 0); /* autobind */
	}
	LCHECK(connect(D2, (struct sockaddr *)&sa, sl) == 0);
	LCHECK(send(D2, "hello", 5, 0) == 5);
	LCHECK(send(D2, "hello, world", 12, 0) == 12);
	D3 = socket(AF_UNIX, SOCK_DGRAM, 0);
	AB = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	sl = un_addr(&sa, abs, sizeof(abs) - 1);
	LCHECK(bind(AB, (struct sockaddr *)&sa, sl) == 0);
	LCHECK(listen(AB, 3) == 0);
	/* a 108-byte path without its NUL */
	memset(lpath, 'L', sizeof(lpath));
	memcpy(lpath, dir, strlen(dir));
	lpath[strlen(dir)] = '/';
	lpath[108] = '\0';
	LP = socket(AF_UNIX, SOCK_DGRAM, 0);
	sl = un_addr(&lsa.un, lpath, 108);
	lsa.nul = '\0';
	LCHECK(bind(LP, (struct sockaddr *)&lsa.un, sl) == 0);
	/* the longest abstract name */
	memset(labs, 'A', sizeof(labs));
	labs[0] = '\0';
	LA = socket(AF_UNIX, SOCK_STREAM, 0);
	sl = un_addr(&sa, labs, sizeof(labs));
	LCHECK(bind(LA, (struct sockaddr *)&sa, sl) == 0);

	LCHECK(live_dump(KIND_UNIX, NEED_MEM, &nl) == 0);
	LCHECK(live_dump(KIND_UNIX, 0, &nl0) == 0);
	LCHECK(live_proc(KIND_UNIX, &pr) == 0);

	g = got_find(&nl, ino_of(L));
	LCHECK(g && g->rec.state == SK_LISTEN && g->rec.x.type == SOCK_STREAM);
	LCHECK(g && g->rec.recv_q == 1 && g->rec.send_q == 5);
	LCHECK(name_is(g, path, plen));
	LCHECK(g && sock_side(&g->rec, &g->ext) == SIDE_SERVER);
	LCHECK(g && g->rec.uid == 0 && (g->rec.flags & SOCK_F_COOKIE) && (g->rec.flags & SOCK_F_SHUTDOWN));
	LCHECK(g && g->ext.has_mem && g->ext.mem.rcvbuf > 0);
	g = got_find(&nl, ino_of(A1));
	LCHECK(g && g->rec.state == SK_ESTABLISHED && g->rec.x.peer == ino_of(C1));
	LCHECK(g && g->rec.recv_q == 100 && g->rec.send_q > 0);
	LCHECK(name_is(g, path, plen));
	LCHECK(g && sock_side(&g->rec, &g->ext) == SIDE_SERVER);
	g = got_find(&nl, ino_of(C1));
	LCHECK(g && g->rec.state == SK_ESTABLISHED && g->rec.x.peer == ino_of(A1));
	LCHECK(g && g->rec.recv_q == 7 && g->rec.send_q > 0 && g->ext.name_len == 0);
	LCHECK(g && sock_side(&g->rec, g->has_ext ? &g->ext : NULL) == SIDE_CLIENT);
	g = got_find(&nl, ino_of(C2));
	LCHECK(g && g->rec.state == SK_ESTABLISHED && g->rec.x.peer == 0);
	LCHECK(got_find(&nl, 0) == NULL); /* embryos are not listed */
	g = got_find(&nl, ino_of(sp[0]));
	LCHECK(g && g->rec.state == SK_ESTABLISHED && g->rec.x.peer == ino_of(sp[1]));
	LCHECK(g && g->rec.shutdown == 2);
	g = got_find(&nl, ino_of(sp[1]));
	LCHECK(g && g->rec.shutdown == 1 && g->rec.x.peer == ino_of(sp[0]));
	g = got_find(&nl, ino_of(sq[1]));
	LCHECK(g && g->rec.x.type == SOCK_SEQPACKET && g->rec.recv_q == 10 && g->rec.state == SK_ESTABLISHED);
	g = got_find(&nl, ino_of(D1));
	LCHECK(g && g->rec.x.type == SOCK_DGRAM && g->rec.recv_q == 5); /* the next datagram only */
	LCHECK(g && (g->rec.state == SK_ESTABLISHED || g->rec.state == SK_CLOSE));
	LCHECK(name_is(g, dpath, strlen(dpath)));
	if (g)
		printf("# live: a dgram socket connected to is %s, peer %llu\n", sock_state_name(&g->rec),
		       (unsigned long long)g->rec.x.peer);
	g = got_find(&nl, ino_of(D2));
	LCHECK(g && g->rec.state == SK_ESTABLISHED && g->rec.x.peer == ino_of(D1));
	LCHECK(g && g->ext.name_len == 6 && g->ext.name[0] == '@');
	LCHECK(g && sock_side(&g->rec, &g->ext) == SIDE_CLIENT);
	g = got_find(&nl, ino_of(D3));
	LCHECK(g && g->rec.state == SK_CLOSE && g->ext.name_len == 0);
	LCHECK(g && sock_side(&g->rec, &g->ext) == SIDE_BOTH);
	g = got_find(&nl, ino_of(AB));
	LCHECK(g && g->rec.state == SK_LISTEN && g->rec.x.type == SOCK_SEQPACKET && g->rec.send_q == 3);
	LCHECK(name_is(g, "@sockscope\0kinds", 16));
	g = got_find(&nl, ino_of(LP));
	LCHECK(name_is(g, lpath, 108));
	g = got_find(&nl, ino_of(LA));
	LCHECK(g && g->ext.name_len == 108 && g->ext.name[0] == '@' && !memcmp(g->ext.name + 1, labs + 1, 107));
	/* without NEED_MEM: an extension only for a name */
	g = got_find(&nl0, ino_of(C1));
	LCHECK(g && !g->has_ext);
	g = got_find(&nl0, ino_of(L));
	LCHECK(g && g->has_ext && !g->ext.has_mem && name_is(g, path, plen));

	/* /proc: the same sockets, their states and names */
	for (size_t i = 0; i < nl.n; i++) {
		const struct got *n = &nl.v[i], *p = got_find(&pr, n->rec.inode);

		LCHECK(p != NULL);
		if (!p)
			continue;
		LCHECK(p->rec.x.type == n->rec.x.type);
		LCHECK(p->rec.state == n->rec.state);
		if (n->ext.name_len && n->ext.name[0] != '@')
			LCHECK(name_is(p, n->ext.name, n->ext.name_len));
		else if (n->ext.name_len) /* abstract: NULs print as '@' */
			LCHECK(p->has_ext && p->ext.name_len == n->ext.name_len);
		else
			LCHECK(!p->has_ext);
	}
	for (size_t i = 0; i < pr.n; i++)
		LCHECK(pr.v[i].rec.inode == 0 || got_find(&nl, pr.v[i].rec.inode));
	LCHECK(got_count(&pr, 0) == 1);
	g = got_find(&pr, 0);
	LCHECK(g && g->rec.state == SK_SYN_SENT && name_is(g, path, plen));
	g = got_find(&pr, ino_of(AB));
	LCHECK(name_is(g, "@sockscope@kinds", 16));
	g = got_find(&pr, ino_of(L));
	LCHECK(g && g->rec.state == SK_LISTEN && (g->rec.flags & SOCK_F_SENDQ_UNKNOWN));
	printf("# live unix: %zu sockets from sock_diag, %zu rows from /proc\n", nl.n, pr.n);

	free(nl.v);
	free(nl0.v);
	free(pr.v);
}

static void live_packet(void)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int P1 = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	int P2 = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	int P3 = socket(AF_PACKET, SOCK_RAW, 0);
	unsigned lo = if_nametoindex("lo");
	struct gotset nl = { 0 }, pr = { 0 };
	const struct got *g;

	LCHECK(P1 >= 0 && P2 >= 0 && P3 >= 0 && lo > 0);
	ll.sll_ifindex = (int)lo;
	LCHECK(bind(P1, (struct sockaddr *)&ll, sizeof(ll)) == 0);
	LCHECK(live_dump(KIND_PACKET, 0, &nl) == 0);
	LCHECK(live_proc(KIND_PACKET, &pr) == 0);
	LCHECK(nl.n == 3 && pr.n == 3);
	for (int pass = 0; pass < 2; pass++) {
		const struct gotset *s = pass ? &pr : &nl;

		g = got_find(s, ino_of(P1));
		LCHECK(g && g->rec.x.type == SOCK_RAW && g->rec.x.protocol == ETH_P_ALL && g->rec.ifindex == lo);
		LCHECK(g && g->rec.state == SK_CLOSE && g->rec.family == AF_PACKET && g->rec.uid == 0);
		g = got_find(s, ino_of(P2));
		LCHECK(g && g->rec.x.type == SOCK_DGRAM && g->rec.x.protocol == ETH_P_IP && g->rec.ifindex == 0);
		g = got_find(s, ino_of(P3));
		LCHECK(g && g->rec.x.type == SOCK_RAW && g->rec.x.protocol == 0);
	}
	g = got_find(&nl, ino_of(P1));
	LCHECK(g && g->has_ext && g->ext.has_mem && (g->rec.flags & SOCK_F_COOKIE));
	LCHECK(g && g->rec.recv_q == g->ext.mem.rmem_alloc);
	free(nl.v);
	free(pr.v);
	close(P1);
	close(P2);
	close(P3);
}

static void live_netlink(void)
{
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };
	socklen_t al = sizeof(a);
	int N1 = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	int N2 = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	int N3 = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_GENERIC);
	int N4 = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	uint32_t p1 = 0, p3 = 0;
	struct gotset nl = { 0 }, pr = { 0 };
	const struct got *g;
	bool kernel_route = false;

	a.nl_groups = RTMGRP_LINK;
	LCHECK(bind(N1, (struct sockaddr *)&a, sizeof(a)) == 0);
	LCHECK(getsockname(N1, (struct sockaddr *)&a, &al) == 0);
	p1 = a.nl_pid;
	memset(&a, 0, sizeof(a));
	a.nl_family = AF_NETLINK;
	a.nl_pid = 4242;
	LCHECK(bind(N2, (struct sockaddr *)&a, sizeof(a)) == 0);
	a.nl_pid = 4242;
	a.nl_groups = 0;
	LCHECK(connect(N3, (struct sockaddr *)&a, sizeof(a)) == 0); /* binds it too */
	al = sizeof(a);
	LCHECK(getsockname(N3, (struct sockaddr *)&a, &al) == 0);
	p3 = a.nl_pid;
	a.nl_pid = 0;
	LCHECK(connect(N4, (struct sockaddr *)&a, sizeof(a)) == 0);
	a.nl_family = AF_UNSPEC;
	LCHECK(connect(N4, (struct sockaddr *)&a, sizeof(a)) == 0);

	LCHECK(live_dump(KIND_NETLINK, 0, &nl) == 0);
	LCHECK(live_proc(KIND_NETLINK, &pr) == 0);
	g = got_find(&nl, ino_of(N1));
	LCHECK(g && g->rec.state == SK_CLOSE && g->rec.x.portid == p1 && g->rec.x.groups == RTMGRP_LINK);
	LCHECK(g && g->rec.x.protocol == NETLINK_ROUTE && g->rec.x.type == SOCK_RAW && g->has_ext);
	/* 6.18 lists a socket bound and in groups twice: the copies agree */
	for (size_t i = 0; g && i < nl.n; i++)
		if (nl.v[i].rec.inode == g->rec.inode)
			LCHECK(!memcmp(&nl.v[i].rec, &g->rec, sizeof(g->rec)));
	printf("# live netlink: a bound socket in groups appears %zu time(s) in sock_diag\n",
	       got_count(&nl, ino_of(N1)));
	g = got_find(&nl, ino_of(N2));
	LCHECK(g && g->rec.x.portid == 4242 && g->rec.state == SK_CLOSE);
	g = got_find(&nl, ino_of(N3));
	LCHECK(g && g->rec.state == SK_ESTABLISHED && g->rec.x.peer == 4242 && g->rec.x.type == SOCK_DGRAM);
	LCHECK(g && g->rec.x.portid == p3 && g->rec.x.protocol == NETLINK_GENERIC);
	g = got_find(&nl, ino_of(N4));
	LCHECK(g && g->rec.state == SK_CLOSE && g->rec.x.peer == 0);
	for (size_t i = 0; i < nl.n; i++)
		if (nl.v[i].rec.x.portid == 0 && nl.v[i].rec.x.protocol == NETLINK_ROUTE)
			kernel_route = true;
	LCHECK(kernel_route);

	g = got_find(&pr, ino_of(N1));
	LCHECK(g && g->rec.x.portid == p1 && g->rec.x.groups == RTMGRP_LINK && g->rec.x.protocol == NETLINK_ROUTE);
	LCHECK(got_count(&pr, ino_of(N1)) == 1);
	g = got_find(&pr, ino_of(N3));
	LCHECK(g && g->rec.x.portid == p3 && g->rec.x.protocol == NETLINK_GENERIC);
	/* the same sockets both ways (but the dump's own socket, closed since) */
	for (size_t i = 0; i < nl.n; i++)
		if (nl.v[i].rec.x.protocol != NETLINK_SOCK_DIAG || nl.v[i].rec.x.portid == 0)
			LCHECK(got_find(&pr, nl.v[i].rec.inode) != NULL);
	for (size_t i = 0; i < pr.n; i++)
		LCHECK(got_find(&nl, pr.v[i].rec.inode) != NULL);
	free(nl.v);
	free(pr.v);
}

static void t_live(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	if (geteuid() != 0) {
		skip();
		return;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char dir[] = "/tmp/sockscope-kinds-XXXXXX";

		if (unshare(CLONE_NEWNET) < 0)
			_exit(77);
		if (!mkdtemp(dir))
			_exit(2);
		live_unix(dir);
		live_packet();
		live_netlink();
		{
			char cmd[256];

			snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
			if (system(cmd) != 0)
				live_fail++;
		}
		fflush(stdout);
		_exit(live_fail ? 1 : 0);
	}
	assert_true(waitpid(pid, &status, 0) == pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		skip();
		return;
	}
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_unix_nl_listener),
		cmocka_unit_test(t_unix_nl_connected),
		cmocka_unit_test(t_unix_nl_names),
		cmocka_unit_test(t_unix_nl_bad),
		cmocka_unit_test(t_packet_nl),
		cmocka_unit_test(t_netlink_nl),
		cmocka_unit_test(t_requests),
		cmocka_unit_test(t_unix_proc),
		cmocka_unit_test(t_packet_proc),
		cmocka_unit_test(t_netlink_proc),
		cmocka_unit_test(t_proc_prefixes),
		cmocka_unit_test(t_vocab),
		cmocka_unit_test(t_columns),
		cmocka_unit_test(t_endpoints),
		cmocka_unit_test(t_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
