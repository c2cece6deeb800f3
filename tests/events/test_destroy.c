// SPDX-License-Identifier: MIT
/*
 * Unit tests for destroy_parse_msg(): a destroy message as the kernel builds
 * it (inet_diag_msg, INET_DIAG_PROTOCOL, INET_DIAG_INFO), a short tcp_info,
 * truncations, bad attribute lengths and other message types.
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
#include <string.h>

#include "destroy.h"

static size_t build(uint8_t *buf, size_t info_len)
{
	struct nlmsghdr nh = {0};
	struct inet_diag_msg m;
	struct nlattr a;
	struct tcp_info ti;
	size_t off = NLMSG_HDRLEN;

	memset(&m, 0, sizeof(m));
	memset(&ti, 0, sizeof(ti));
	memset(buf, 0, 1024);
	m.idiag_family = AF_INET;
	m.idiag_state = 7;
	m.id.idiag_sport = htons(40000);
	m.id.idiag_dport = htons(80);
	inet_pton(AF_INET, "127.0.0.1", m.id.idiag_src);
	inet_pton(AF_INET, "127.0.0.2", m.id.idiag_dst);
	m.id.idiag_cookie[0] = 5;
	m.id.idiag_cookie[1] = 1;
	memcpy(buf + off, &m, sizeof(m));
	off += NLMSG_ALIGN(sizeof(m));
	a.nla_type = INET_DIAG_PROTOCOL;
	a.nla_len = sizeof(a) + 1;
	memcpy(buf + off, &a, sizeof(a));
	buf[off + sizeof(a)] = IPPROTO_TCP;
	off += NLA_ALIGN(a.nla_len);
	ti.tcpi_bytes_acked = 1000;
	ti.tcpi_bytes_received = 2000;
	ti.tcpi_total_retrans = 3;
	ti.tcpi_segs_out = 7;
	a.nla_type = INET_DIAG_INFO;
	a.nla_len = (uint16_t)(sizeof(a) + info_len);
	memcpy(buf + off, &a, sizeof(a));
	memcpy(buf + off + sizeof(a), &ti, info_len);
	off += NLA_ALIGN(a.nla_len);
	nh.nlmsg_len = (uint32_t)off;
	nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	memcpy(buf, &nh, sizeof(nh));
	return off;
}

static void t_full(void **unused)
{
	uint8_t buf[1024];
	size_t n = build(buf, sizeof(struct tcp_info));
	struct sock_destroy d;
	char a[32];

	(void)unused;
	assert_int_equal(destroy_parse_msg(buf, n, &d), 0);
	assert_int_equal(d.family, AF_INET);
	assert_int_equal(d.state, 7);
	assert_int_equal(d.sport, 40000);
	assert_int_equal(d.dport, 80);
	inet_ntop(AF_INET, d.daddr, a, sizeof(a));
	assert_string_equal(a, "127.0.0.2");
	assert_true(d.cookie == ((1ULL << 32) | 5));
	assert_true(d.have & SD_HAVE_PROTOCOL);
	assert_true(d.have & SD_HAVE_BYTES);
	assert_true(d.have & SD_HAVE_SEGS);
	assert_true(d.bytes_acked == 1000);
	assert_true(d.bytes_received == 2000);
	assert_int_equal(d.total_retrans, 3);
	assert_int_equal(d.segs_out, 7);
}

static void t_short_info(void **unused)
{
	uint8_t buf[1024];
	size_t n = build(buf, offsetof(struct tcp_info, tcpi_bytes_acked));
	struct sock_destroy d;

	(void)unused;
	assert_int_equal(destroy_parse_msg(buf, n, &d), 0);
	assert_true(d.have & SD_HAVE_INFO);
	assert_false(d.have & SD_HAVE_BYTES);
	assert_int_equal(d.total_retrans, 3);
}

static void t_broken(void **unused)
{
	uint8_t buf[1024];
	size_t n = build(buf, sizeof(struct tcp_info));
	struct sock_destroy d;
	struct nlmsghdr nh;

	(void)unused;
	for (size_t k = 0; k < NLMSG_HDRLEN + sizeof(struct inet_diag_msg); k++)
		assert_int_equal(destroy_parse_msg(buf, k, &d), -EBADMSG);
	assert_int_equal(destroy_parse_msg(buf, n - 1, &d), -EBADMSG); /* nlmsg_len > len */
	/* an attribute longer than the message */
	buf[NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct inet_diag_msg))] = 0xff;
	assert_int_equal(destroy_parse_msg(buf, n, &d), -EBADMSG);
	n = build(buf, sizeof(struct tcp_info));
	memcpy(&nh, buf, sizeof(nh));
	nh.nlmsg_type = NLMSG_ERROR;
	memcpy(buf, &nh, sizeof(nh));
	assert_int_equal(destroy_parse_msg(buf, n, &d), -ENOMSG);
	n = build(buf, sizeof(struct tcp_info));
	buf[NLMSG_HDRLEN] = 1; /* AF_UNIX */
	assert_int_equal(destroy_parse_msg(buf, n, &d), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_full),
		cmocka_unit_test(t_short_info),
		cmocka_unit_test(t_broken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
