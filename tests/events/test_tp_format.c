// SPDX-License-Identifier: MIT
/*
 * Unit tests for tp_format: the real Linux 6.18 format of
 * sock:inet_sock_set_state, moved fields, hostile format lines, and payloads
 * decoded (v4, v6, v4 from the mapped form only) or refused when short.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tp_format.h"

static const char real_format[] =
	"name: inet_sock_set_state\nID: 2287\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:const void * skaddr;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:int oldstate;\toffset:16;\tsize:4;\tsigned:1;\n"
	"\tfield:int newstate;\toffset:20;\tsize:4;\tsigned:1;\n"
	"\tfield:__u16 sport;\toffset:24;\tsize:2;\tsigned:0;\n"
	"\tfield:__u16 dport;\toffset:26;\tsize:2;\tsigned:0;\n"
	"\tfield:__u16 family;\toffset:28;\tsize:2;\tsigned:0;\n"
	"\tfield:__u16 protocol;\toffset:30;\tsize:2;\tsigned:0;\n"
	"\tfield:__u8 saddr[4];\toffset:32;\tsize:4;\tsigned:0;\n"
	"\tfield:__u8 daddr[4];\toffset:36;\tsize:4;\tsigned:0;\n"
	"\tfield:__u8 saddr_v6[16];\toffset:40;\tsize:16;\tsigned:0;\n"
	"\tfield:__u8 daddr_v6[16];\toffset:56;\tsize:16;\tsigned:0;\n\n"
	"print fmt: \"family=%s ...\", REC->family\n";

static struct tp_format fmt;

static void put16(uint8_t *p, size_t off, uint16_t v) { memcpy(p + off, &v, 2); }
static void put32(uint8_t *p, size_t off, uint32_t v) { memcpy(p + off, &v, 4); }
static void put64(uint8_t *p, size_t off, uint64_t v) { memcpy(p + off, &v, 8); }

/* A payload as the 6.18 kernel lays it out. */
static void make_payload(uint8_t *p, int family, int olds, int news, uint8_t flags)
{
	memset(p, 0, 72);
	put16(p, 0, 2287);
	p[2] = flags;
	put32(p, 4, 4242);
	put64(p, 8, 0xffff888104960000ULL);
	put32(p, 16, (uint32_t)olds);
	put32(p, 20, (uint32_t)news);
	put16(p, 24, 40000);
	put16(p, 26, 443);
	put16(p, 28, (uint16_t)family);
	put16(p, 30, 6);
	inet_pton(AF_INET, "10.0.0.1", p + 32);
	inet_pton(AF_INET, "10.0.0.2", p + 36);
	inet_pton(AF_INET6, family == AF_INET ? "::ffff:10.0.0.1" : "2001:db8::1", p + 40);
	inet_pton(AF_INET6, family == AF_INET ? "::ffff:10.0.0.2" : "2001:db8::2", p + 56);
}

static void t_parse_real(void **unused)
{
	const struct tp_field *fl;

	(void)unused;
	assert_int_equal(tp_format_parse(real_format, sizeof(real_format) - 1, &fmt), 0);
	assert_string_equal(fmt.name, "inet_sock_set_state");
	assert_true(fmt.has_id);
	assert_int_equal(fmt.id, 2287);
	assert_int_equal(fmt.nfields, 15);
	fl = tp_format_field(&fmt, "skaddr");
	assert_non_null(fl);
	assert_int_equal(fl->offset, 8);
	assert_int_equal(fl->size, 8);
	fl = tp_format_field(&fmt, "saddr_v6");
	assert_non_null(fl);
	assert_int_equal(fl->offset, 40);
	assert_int_equal(fl->size, 16);
	assert_true(tp_format_field(&fmt, "common_pid")->is_signed);
	assert_false(tp_format_field(&fmt, "sport")->is_signed);
	assert_null(tp_format_field(&fmt, "nope"));
	assert_int_equal(fmt.min_payload, 72);
	assert_int_equal(tp_format_check_sock(&fmt), 0);
}

static void t_decode_v4(void **unused)
{
	uint8_t p[72];
	struct sock_event ev;
	char a[64];

	(void)unused;
	assert_int_equal(tp_format_parse(real_format, sizeof(real_format) - 1, &fmt), 0);
	make_payload(p, AF_INET, 2, 1, 0x10);
	assert_int_equal(tp_decode_sock(&fmt, p, sizeof(p), &ev), 0);
	assert_int_equal(ev.family, AF_INET);
	assert_int_equal(ev.old_state, 2);
	assert_int_equal(ev.new_state, 1);
	assert_int_equal(ev.sport, 40000);
	assert_int_equal(ev.dport, 443);
	assert_int_equal(ev.protocol, 6);
	assert_int_equal(ev.pid, 4242);
	assert_true(ev.softirq);
	assert_true(ev.skaddr == 0xffff888104960000ULL);
	inet_ntop(AF_INET, ev.saddr, a, sizeof(a));
	assert_string_equal(a, "10.0.0.1");
	inet_ntop(AF_INET, ev.daddr, a, sizeof(a));
	assert_string_equal(a, "10.0.0.2");
	assert_string_equal(ev.comm, "");
	make_payload(p, AF_INET, 1, 4, 0x00);
	assert_int_equal(tp_decode_sock(&fmt, p, sizeof(p), &ev), 0);
	assert_false(ev.softirq);
}

static void t_decode_v6(void **unused)
{
	uint8_t p[72];
	struct sock_event ev;
	char a[64];

	(void)unused;
	assert_int_equal(tp_format_parse(real_format, sizeof(real_format) - 1, &fmt), 0);
	make_payload(p, AF_INET6, 7, 2, 0);
	assert_int_equal(tp_decode_sock(&fmt, p, sizeof(p), &ev), 0);
	assert_int_equal(ev.family, AF_INET6);
	inet_ntop(AF_INET6, ev.daddr, a, sizeof(a));
	assert_string_equal(a, "2001:db8::2");
}

static void t_decode_refuses(void **unused)
{
	uint8_t p[72];
	struct sock_event ev;

	(void)unused;
	assert_int_equal(tp_format_parse(real_format, sizeof(real_format) - 1, &fmt), 0);
	make_payload(p, AF_INET, 2, 1, 0);
	for (size_t n = 0; n < 72; n++) /* every truncation */
		assert_int_equal(tp_decode_sock(&fmt, p, n, &ev), -EBADMSG);
	make_payload(p, 99, 2, 1, 0);
	assert_int_equal(tp_decode_sock(&fmt, p, sizeof(p), &ev), -EBADMSG);
	make_payload(p, AF_INET, 0, 1, 0);
	assert_int_equal(tp_decode_sock(&fmt, p, sizeof(p), &ev), -EBADMSG);
	make_payload(p, AF_INET, 2, 14, 0);
	assert_int_equal(tp_decode_sock(&fmt, p, sizeof(p), &ev), -EBADMSG);
	make_payload(p, AF_INET, 2, 1, 0);
	put16(p, 0, 2288); /* another tracepoint's record */
	assert_int_equal(tp_decode_sock(&fmt, p, sizeof(p), &ev), -ENOMSG);
}

/* Fields moved, v4 only in the mapped form, a comm field: offsets come from
 * the text. */
static void t_moved_fields(void **unused)
{
	static const char f2[] = "name: x\nformat:\n"
				 "\tfield:int newstate;\toffset:0;\tsize:4;\tsigned:1;\n"
				 "\tfield:int oldstate;\toffset:4;\tsize:4;\tsigned:1;\n"
				 "\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
				 "\tfield:__u8 family;\toffset:24;\tsize:1;\tsigned:0;\n"
				 "\tfield:void * skaddr;\toffset:32;\tsize:8;\tsigned:0;\n"
				 "\tfield:__u8 saddr_v6[16];\toffset:40;\tsize:16;\tsigned:0;\n"
				 "\tfield:__u8 daddr_v6[16];\toffset:56;\tsize:16;\tsigned:0;\n";
	uint8_t p[72] = {0};
	struct sock_event ev;
	char a[64];

	(void)unused;
	assert_int_equal(tp_format_parse(f2, sizeof(f2) - 1, &fmt), 0);
	assert_false(fmt.has_id);
	assert_int_equal(tp_format_check_sock(&fmt), 0);
	put32(p, 0, 1);
	put32(p, 4, 3);
	memcpy(p + 8, "curl\0", 5);
	p[24] = AF_INET;
	put64(p, 32, 77);
	inet_pton(AF_INET6, "::ffff:192.0.2.7", p + 40);
	inet_pton(AF_INET6, "::ffff:192.0.2.8", p + 56);
	assert_int_equal(tp_decode_sock(&fmt, p, sizeof(p), &ev), 0);
	assert_int_equal(ev.old_state, 3);
	assert_int_equal(ev.new_state, 1);
	assert_string_equal(ev.comm, "curl");
	inet_ntop(AF_INET, ev.saddr, a, sizeof(a));
	assert_string_equal(a, "192.0.2.7");
	assert_int_equal(ev.sport, 0); /* absent: 0 */
}

static void t_hostile_text(void **unused)
{
	static const char *const bad[] = {
		"\tfield:int x;\toffset:;\tsize:4;\n",
		"\tfield:int x;\toffset:99999999999;\tsize:4;\n",
		"\tfield:int x;\toffset:65535;\tsize:4;\n",
		"\tfield:int x;\toffset:0;\tsize:0;\n",
		"\tfield:int x;\toffset:0;\n",
		"\tfield:;\toffset:0;\tsize:4;\n",
		"\tfield:int 9x;\toffset:0;\tsize:4;\n",
		"\tfield:int x[;\toffset:0;\tsize:4;\n",
		"\tfield:int x;\toffset:0;\tsize:4;\n\tfield:int x;\toffset:4;\tsize:4;\n",
		"\tfield:int aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;\toffset:0;\tsize:4;\n",
		"ID: abc\n\tfield:int x;\toffset:0;\tsize:4;\n",
	};
	char big[4096];
	size_t n = 0;

	(void)unused;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tp_format_parse(bad[i], strlen(bad[i]), &fmt), -EBADMSG);
	assert_int_equal(tp_format_parse("name: x\n", 8, &fmt), -ENOENT);
	assert_int_equal(tp_format_parse("", 0, &fmt), -ENOENT);
	for (int i = 0; i < 65; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "field:int f%d;offset:%d;size:4;\n", i, i * 4);
	assert_int_equal(tp_format_parse(big, n, &fmt), -E2BIG);
	/* Not NUL-terminated: the length bounds the parse. */
	assert_int_equal(tp_format_parse("field:int x;offset:0;size:4;signed:1;XXXX", 37, &fmt), 0);
	assert_true(fmt.fields[0].is_signed);
	/* A format without the sock fields is not usable. */
	assert_int_equal(tp_format_check_sock(&fmt), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_parse_real),    cmocka_unit_test(t_decode_v4),
		cmocka_unit_test(t_decode_v6),     cmocka_unit_test(t_decode_refuses),
		cmocka_unit_test(t_moved_fields),  cmocka_unit_test(t_hostile_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
