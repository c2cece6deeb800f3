// SPDX-License-Identifier: MIT
/*
 * test_act: the pure parts of issue 16 — the SOCK_DESTROY request kill_build()
 * makes from a record and the answers kill_parse_ack() reads, the
 * INET_DIAG_SOCKOPT bits and their names, and how --replay tells its dump
 * formats apart (sockscope's record files from ss -D's raw dumps).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "columns.h"
#include "diag_parse.h"
#include "kill.h"
#include "kind.h"
#include "nl_diag.h"

static struct sock_rec rec4(void)
{
	struct sock_rec r;

	memset(&r, 0, sizeof(r));
	r.kind = KIND_TCP;
	r.proto = IPPROTO_TCP;
	r.family = AF_INET;
	inet_pton(AF_INET, "10.0.0.1", r.laddr);
	inet_pton(AF_INET, "10.0.0.2", r.raddr);
	r.lport = 5070;
	r.rport = 40070;
	r.ifindex = 3;
	r.cookie = 0x1122334455667788ULL;
	r.flags = SOCK_F_COOKIE;
	r.state = 8;
	return r;
}

static void t_kill_build(void **state)
{
	struct sock_rec r = rec4();
	uint8_t buf[KILL_REQ_MAX];
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 req;
	int n;

	(void)state;
	n = kill_build(&r, 7, buf, sizeof(buf));
	assert_int_equal(n, (int)(sizeof(nlh) + sizeof(req)));
	memcpy(&nlh, buf, sizeof(nlh));
	memcpy(&req, buf + sizeof(nlh), sizeof(req));
	assert_int_equal(nlh.nlmsg_len, n);
	assert_int_equal(nlh.nlmsg_type, SOCK_DESTROY);
	assert_int_equal(nlh.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(nlh.nlmsg_seq, 7);
	assert_int_equal(req.sdiag_family, AF_INET);
	assert_int_equal(req.sdiag_protocol, IPPROTO_TCP);
	assert_int_equal(ntohs(req.id.idiag_sport), 5070);
	assert_int_equal(ntohs(req.id.idiag_dport), 40070);
	assert_memory_equal(req.id.idiag_src, r.laddr, 4);
	assert_memory_equal(req.id.idiag_dst, r.raddr, 4);
	assert_int_equal(req.id.idiag_if, 3);
	assert_int_equal(req.id.idiag_cookie[0], 0x55667788u);
	assert_int_equal(req.id.idiag_cookie[1], 0x11223344u);

	/* no cookie known: INET_DIAG_NOCOOKIE, the kernel then skips the check */
	r.flags = 0;
	assert_int_equal(kill_build(&r, 1, buf, sizeof(buf)), n);
	memcpy(&req, buf + sizeof(nlh), sizeof(req));
	assert_int_equal(req.id.idiag_cookie[0], INET_DIAG_NOCOOKIE);
	assert_int_equal(req.id.idiag_cookie[1], INET_DIAG_NOCOOKIE);

	/* UDP, IPv6 */
	r = rec4();
	r.kind = KIND_UDP;
	r.proto = IPPROTO_UDP;
	r.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", r.laddr);
	assert_true(kill_build(&r, 1, buf, sizeof(buf)) > 0);
	memcpy(&req, buf + sizeof(nlh), sizeof(req));
	assert_int_equal(req.sdiag_family, AF_INET6);
	assert_int_equal(req.sdiag_protocol, IPPROTO_UDP);
	assert_memory_equal(req.id.idiag_src, r.laddr, 16);

	/* raw: the socket's protocol in sdiag_raw_protocol */
	r = rec4();
	r.kind = KIND_RAW;
	r.proto = IPPROTO_ICMP;
	assert_true(kill_build(&r, 1, buf, sizeof(buf)) > 0);
	{
		struct inet_diag_req_raw raw;

		memcpy(&raw, buf + sizeof(nlh), sizeof(raw));
		assert_int_equal(raw.sdiag_protocol, IPPROTO_RAW);
		assert_int_equal(raw.sdiag_raw_protocol, IPPROTO_ICMP);
	}

	/* kinds SOCK_DESTROY cannot name, and bad arguments */
	r = rec4();
	r.kind = KIND_UNIX;
	assert_false(kill_supported(&r));
	assert_int_equal(kill_build(&r, 1, buf, sizeof(buf)), -EOPNOTSUPP);
	r = rec4();
	assert_int_equal(kill_build(&r, 1, buf, 8), -EINVAL);
	assert_int_equal(kill_build(NULL, 1, buf, sizeof(buf)), -EINVAL);
}

/* An NLMSG_ERROR answer with error e to seq. */
static size_t ack(uint8_t *buf, uint32_t seq, int e)
{
	struct nlmsghdr nlh = {.nlmsg_len = NLMSG_HDRLEN + sizeof(struct nlmsgerr), .nlmsg_type = NLMSG_ERROR,
			       .nlmsg_seq = seq};
	struct nlmsgerr err = {.error = e};

	memcpy(buf, &nlh, sizeof(nlh));
	memcpy(buf + NLMSG_HDRLEN, &err, sizeof(err));
	return nlh.nlmsg_len;
}

static void t_kill_ack(void **state)
{
	uint8_t buf[256];
	size_t n;

	(void)state;
	n = ack(buf, 5, 0);
	assert_int_equal(kill_parse_ack(buf, n, 5), 0);
	n = ack(buf, 5, -EPERM);
	assert_int_equal(kill_parse_ack(buf, n, 5), -EPERM);
	n = ack(buf, 5, -EOPNOTSUPP);
	assert_int_equal(kill_parse_ack(buf, n, 5), -EOPNOTSUPP);
	/* another sequence, then ours in the same datagram */
	n = ack(buf, 4, -ENOENT);
	n += ack(buf + n, 5, -ENOENT);
	assert_int_equal(kill_parse_ack(buf, n, 5), -ENOENT);
	/* not ours at all, truncated, nonsense errors */
	n = ack(buf, 4, 0);
	assert_int_equal(kill_parse_ack(buf, n, 5), -EBADMSG);
	assert_int_equal(kill_parse_ack(buf, n - 1, 4), -EBADMSG);
	n = ack(buf, 5, 12);
	assert_int_equal(kill_parse_ack(buf, n, 5), -EBADMSG);
	assert_int_equal(kill_parse_ack(buf, 3, 5), -EBADMSG);
	assert_string_equal(kill_reason(-ENOENT), "already gone");
	assert_non_null(strstr(kill_reason(-EPERM), "CAP_NET_ADMIN"));
	assert_non_null(strstr(kill_reason(-EOPNOTSUPP), "CONFIG_INET_DIAG_DESTROY"));
}

static void t_sockopt_bits(void **state)
{
	struct inet_diag_sockopt so;
	uint8_t raw[2];
	char text[256];

	(void)state;
	/* the kernel's own struct, bit by bit: the parser agrees with the compiler's layout */
	memset(&so, 0, sizeof(so));
	so.recverr = 1;
	memcpy(raw, &so, 2);
	assert_int_equal(diag_sockopt_bits(raw), SOCK_OPT_RECVERR);
	memset(&so, 0, sizeof(so));
	so.transparent = 1;
	so.nodefrag = 1;
	so.bind_address_no_port = 1;
	so.defer_connect = 1;
	memcpy(raw, &so, 2);
	assert_int_equal(diag_sockopt_bits(raw), SOCK_OPT_TRANSPARENT | SOCK_OPT_NODEFRAG |
							 SOCK_OPT_BIND_ADDRESS_NO_PORT | SOCK_OPT_DEFER_CONNECT);
	memset(&so, 0, sizeof(so));
	so.is_icsk = so.freebind = so.hdrincl = so.mc_loop = so.mc_all = 1;
	so.recverr_rfc4884 = 1;
	memcpy(raw, &so, 2);
	assert_int_equal(diag_sockopt_bits(raw), SOCK_OPT_IS_ICSK | SOCK_OPT_FREEBIND | SOCK_OPT_HDRINCL |
							 SOCK_OPT_MC_LOOP | SOCK_OPT_MC_ALL | SOCK_OPT_RECVERR_RFC4884);
	/* the unused bits are ignored */
	raw[0] = 0;
	raw[1] = 0xf8;
	assert_int_equal(diag_sockopt_bits(raw), 0);
	raw[0] = raw[1] = 0xff;
	assert_int_equal(diag_sockopt_bits(raw), (1u << SOCK_OPT_COUNT) - 1);

	assert_int_equal(sockopt_text(0, text, sizeof(text)), 0);
	assert_string_equal(text, "");
	sockopt_text(SOCK_OPT_IS_ICSK | SOCK_OPT_MC_LOOP, text, sizeof(text));
	assert_string_equal(text, "is_icsk,mc_loop");
	sockopt_text((1u << SOCK_OPT_COUNT) - 1, text, sizeof(text));
	assert_string_equal(text, "recverr,is_icsk,freebind,hdrincl,mc_loop,transparent,mc_all,nodefrag,"
				  "bind_addr_no_port,recverr_rfc4884,defer_connect");
	/* a short buffer holds whole words only */
	sockopt_text(SOCK_OPT_IS_ICSK | SOCK_OPT_MC_LOOP, text, 12);
	assert_string_equal(text, "is_icsk");
}

/* An inet_diag message with the given attributes (type, len, data). */
static size_t msg_with(uint8_t *buf, int nattr, ...)
{
	struct nlmsghdr nlh = {.nlmsg_type = SOCK_DIAG_BY_FAMILY};
	struct inet_diag_msg m;
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(m));
	va_list ap;

	memset(&m, 0, sizeof(m));
	m.idiag_family = AF_INET;
	m.idiag_state = 1;
	m.id.idiag_cookie[0] = m.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	memset(buf, 0, 512);
	memcpy(buf + NLMSG_HDRLEN, &m, sizeof(m));
	va_start(ap, nattr);
	for (int i = 0; i < nattr; i++) {
		struct nlattr a;
		int type = va_arg(ap, int);
		size_t len = va_arg(ap, size_t);
		const void *data = va_arg(ap, const void *);

		a.nla_type = (uint16_t)type;
		a.nla_len = (uint16_t)(NLA_HDRLEN + len);
		memcpy(buf + off, &a, sizeof(a));
		memcpy(buf + off + NLA_HDRLEN, data, len);
		off += NLA_ALIGN(a.nla_len);
	}
	va_end(ap);
	nlh.nlmsg_len = (uint32_t)off;
	memcpy(buf, &nlh, sizeof(nlh));
	return off;
}

static void t_parse_new_attrs(void **state)
{
	static const uint8_t so[2] = {0x02, 0x00}; /* is_icsk */
	static const uint8_t tos = 0x10, tclass = 0x28;
	static const uint32_t mark = 0x99, cls = 6;
	uint8_t buf[512];
	struct sock_rec r;
	struct sock_ext e;
	int has_ext = 0;
	size_t n;

	(void)state;
	n = msg_with(buf, 4, INET_DIAG_SOCKOPT, (size_t)2, so, INET_DIAG_TOS, (size_t)1, &tos, INET_DIAG_MARK,
		     sizeof(mark), &mark, INET_DIAG_CLASS_ID, sizeof(cls), &cls);
	assert_int_equal(diag_parse_inet(buf, n, IPPROTO_TCP, &r, &e, &has_ext), 0);
	assert_int_equal(has_ext, 1);
	assert_true(e.has_sockopt && e.has_tos && e.has_mark && e.has_class);
	assert_int_equal(e.sockopt, SOCK_OPT_IS_ICSK);
	assert_int_equal(e.tos, 0x10);
	assert_int_equal(e.mark, 0x99);
	assert_int_equal(e.class_id, 6);
	/* with only what the kernel always sends, the extension is bare unless
	 * the sockopt columns are shown */
	n = msg_with(buf, 1, INET_DIAG_SOCKOPT, (size_t)2, so);
	assert_int_equal(diag_parse_inet(buf, n, IPPROTO_TCP, &r, &e, &has_ext), 0);
	assert_true(sock_ext_bare(&e));
	assert_false(sock_ext_bare_for(&e, true));
	/* a v6 socket's traffic class wins over the TOS of its v4-mapped use */
	n = msg_with(buf, 2, INET_DIAG_TOS, (size_t)1, &tos, INET_DIAG_TCLASS, (size_t)1, &tclass);
	assert_int_equal(diag_parse_inet(buf, n, IPPROTO_TCP, &r, &e, &has_ext), 0);
	assert_int_equal(e.tos, 0x28);
	assert_false(sock_ext_bare(&e));
	/* too short: malformed */
	n = msg_with(buf, 1, INET_DIAG_SOCKOPT, (size_t)1, so);
	assert_int_equal(diag_parse_inet(buf, n, IPPROTO_TCP, &r, &e, &has_ext), -EBADMSG);
	n = msg_with(buf, 1, INET_DIAG_MARK, (size_t)2, &mark);
	assert_int_equal(diag_parse_inet(buf, n, IPPROTO_TCP, &r, &e, &has_ext), -EBADMSG);
}

static void t_dump_format(void **state)
{
	uint8_t head[16];
	struct nlmsghdr nlh = {.nlmsg_len = 72, .nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_flags = NLM_F_MULTI,
			       .nlmsg_seq = 123456};

	(void)state;
	assert_int_equal(nl_diag_format("SSCNLD02\x10\0\0\x01", 12), NL_DIAG_FMT_V2);
	assert_int_equal(nl_diag_format("SSCNLD01", 8), NL_DIAG_FMT_V1);
	assert_int_equal(nl_diag_format("SSCNLD03xxxxxxxx", 16), NL_DIAG_FMT_UNKNOWN);
	assert_int_equal(nl_diag_format("SSCNLD0", 7), NL_DIAG_FMT_UNKNOWN);
	memcpy(head, &nlh, sizeof(nlh));
	assert_int_equal(nl_diag_format(head, sizeof(head)), NL_DIAG_FMT_RAW);
	assert_int_equal(nl_diag_format(head, sizeof(head) - 1), NL_DIAG_FMT_UNKNOWN);
	nlh.nlmsg_type = TCPDIAG_GETSOCK;
	memcpy(head, &nlh, sizeof(nlh));
	assert_int_equal(nl_diag_format(head, sizeof(head)), NL_DIAG_FMT_RAW);
	nlh.nlmsg_type = NLMSG_DONE; /* an empty dump */
	nlh.nlmsg_len = 20;
	memcpy(head, &nlh, sizeof(nlh));
	assert_int_equal(nl_diag_format(head, sizeof(head)), NL_DIAG_FMT_RAW);
	nlh.nlmsg_type = 16; /* RTM_NEWLINK: not a socket dump */
	memcpy(head, &nlh, sizeof(nlh));
	assert_int_equal(nl_diag_format(head, sizeof(head)), NL_DIAG_FMT_UNKNOWN);
	nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh.nlmsg_len = 8; /* shorter than its header */
	memcpy(head, &nlh, sizeof(nlh));
	assert_int_equal(nl_diag_format(head, sizeof(head)), NL_DIAG_FMT_UNKNOWN);
	nlh.nlmsg_len = 1u << 20; /* larger than any datagram */
	memcpy(head, &nlh, sizeof(nlh));
	assert_int_equal(nl_diag_format(head, sizeof(head)), NL_DIAG_FMT_UNKNOWN);
	assert_int_equal(nl_diag_format("plain text file.", 16), NL_DIAG_FMT_UNKNOWN);
	assert_int_equal(nl_diag_format(NULL, 16), NL_DIAG_FMT_UNKNOWN);
}

static int count_sink(void *arg, const struct sock_rec *rec, const struct sock_ext *ext)
{
	(void)ext;
	if (rec)
		(*(int *)arg)++;
	return 0;
}

/* A raw dump file (two messages, a DONE, a second dump) replays. */
static void t_replay_raw(void **state)
{
	char path[] = "/tmp/test_act.XXXXXX";
	struct collect_req req = {.backend = BACKEND_REPLAY, .kinds = KIND_BIT(KIND_TCP) | KIND_BIT(KIND_UDP),
				  .families = 3, .states = ~0u};
	struct collect_result res = {0};
	static const uint8_t udp = IPPROTO_UDP;
	struct nlmsghdr done = {.nlmsg_len = NLMSG_HDRLEN + 4, .nlmsg_type = NLMSG_DONE};
	uint8_t buf[512], zero[4] = {0};
	int fd = mkstemp(path), count = 0;
	size_t n;

	(void)state;
	assert_true(fd >= 0);
	for (int dump = 0; dump < 2; dump++) {
		n = msg_with(buf, 0);
		assert_int_equal(write(fd, buf, n), (ssize_t)n);
		n = msg_with(buf, 1, INET_DIAG_PROTOCOL, (size_t)1, &udp);
		assert_int_equal(write(fd, buf, n), (ssize_t)n);
		assert_int_equal(write(fd, &done, sizeof(done)), (ssize_t)sizeof(done));
		assert_int_equal(write(fd, zero, 4), 4);
	}
	close(fd);
	req.replay_path = path;
	assert_int_equal(nl_diag_replay(path, &req, count_sink, &count, &res), 0);
	assert_int_equal(count, 4);
	assert_int_equal(res.used, BACKEND_REPLAY);
	/* UDP not asked: its messages are skipped */
	count = 0;
	req.kinds = KIND_BIT(KIND_TCP);
	memset(&res, 0, sizeof(res));
	assert_int_equal(nl_diag_replay(path, &req, count_sink, &count, &res), 0);
	assert_int_equal(count, 2);
	/* cut inside a message: malformed */
	assert_int_equal(truncate(path, 30), 0);
	assert_int_equal(nl_diag_replay(path, &req, count_sink, &count, &res), -EBADMSG);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_kill_build),
		cmocka_unit_test(t_kill_ack),
		cmocka_unit_test(t_sockopt_bits),
		cmocka_unit_test(t_parse_new_attrs),
		cmocka_unit_test(t_dump_format),
		cmocka_unit_test(t_replay_raw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
