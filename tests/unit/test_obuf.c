// SPDX-License-Identifier: MIT
/*
 * Unit tests for obuf (buffered output with sticky errors) and strutil
 * (escaping for the terminal, JSON and CSV).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "obuf.h"
#include "strutil.h"

static void t_numbers(void **state)
{
	struct obuf o;

	assert_int_equal(obuf_init(&o, -1, 4), 0);
	obuf_u64(&o, 0);
	obuf_putc(&o, ' ');
	obuf_u64(&o, UINT64_MAX);
	obuf_putc(&o, ' ');
	obuf_i64(&o, INT64_MIN);
	obuf_putc(&o, ' ');
	obuf_printf(&o, "%s-%d", "x", 42);
	assert_string_equal(obuf_cstr(&o), "0 18446744073709551615 -9223372036854775808 x-42");
	assert_int_equal(u64_len(9), 1);
	assert_int_equal(u64_len(10), 2);
	assert_int_equal(u64_len(UINT64_MAX), 20);
	obuf_free(&o);
}

static void t_growth(void **state)
{
	struct obuf o;
	char big[10000];

	memset(big, 'a', sizeof(big));
	assert_int_equal(obuf_init(&o, -1, 16), 0);
	obuf_put(&o, big, sizeof(big));
	obuf_pad(&o, 'b', 3);
	assert_int_equal(o.len, sizeof(big) + 3);
	assert_int_equal(o.err, 0);
	assert_int_equal(obuf_cstr(&o)[sizeof(big) + 2], 'b');
	obuf_free(&o);
	obuf_free(NULL);
}

static void t_epipe(void **state)
{
	int fds[2];
	struct obuf o;

	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	assert_int_equal(obuf_init(&o, fds[1], 64), 0);
	for (int i = 0; i < 100; i++)
		obuf_puts(&o, "some text that fills the buffer\n");
	assert_int_equal(obuf_flush(&o), -EPIPE);
	obuf_puts(&o, "more"); /* sticky: dropped */
	assert_int_equal(obuf_flush(&o), -EPIPE);
	obuf_free(&o);
	close(fds[1]);
}

static const char *esc(void (*fn)(struct obuf *, const char *, size_t), const char *s, size_t n, struct obuf *o)
{
	o->len = 0;
	fn(o, s, n);
	return obuf_cstr(o);
}

static void t_escape_term(void **state)
{
	struct obuf o;

	assert_int_equal(obuf_init(&o, -1, 0), 0);
	assert_string_equal(esc(str_escape_term, "nginx", 5, &o), "nginx");
	assert_string_equal(esc(str_escape_term, "a\033[31mb", 7, &o), "a\\e[31mb");
	assert_string_equal(esc(str_escape_term, "x\ny\t\\", 5, &o), "x\\ny\\t\\\\");
	assert_string_equal(esc(str_escape_term, "\xff\x01", 2, &o), "\\xff\\x01");
	/* valid UTF-8 passes, C1 control (U+009B, CSI) does not */
	assert_string_equal(esc(str_escape_term, "caf\xc3\xa9", 5, &o), "caf\xc3\xa9");
	assert_string_equal(esc(str_escape_term, "\xc2\x9b", 2, &o), "\\xc2\\x9b");
	/* overlong and surrogate encodings are invalid */
	assert_string_equal(esc(str_escape_term, "\xc0\xaf", 2, &o), "\\xc0\\xaf");
	assert_string_equal(esc(str_escape_term, "\xed\xa0\x80", 3, &o), "\\xed\\xa0\\x80");
	assert_int_equal(str_term_width("a\033b", 3), 4);
	assert_int_equal(str_term_width("caf\xc3\xa9", 5), 4);
	obuf_free(&o);
}

static void t_escape_json(void **state)
{
	struct obuf o;

	assert_int_equal(obuf_init(&o, -1, 0), 0);
	assert_string_equal(esc(str_escape_json, "plain", 5, &o), "\"plain\"");
	assert_string_equal(esc(str_escape_json, "q\"b\\", 4, &o), "\"q\\\"b\\\\\"");
	assert_string_equal(esc(str_escape_json, "\033\x01\n", 3, &o), "\"\\u001b\\u0001\\n\"");
	assert_string_equal(esc(str_escape_json, "a\xffz", 3, &o), "\"a\\ufffdz\"");
	assert_string_equal(esc(str_escape_json, "\xe2\x82\xac", 3, &o), "\"\xe2\x82\xac\"");
	assert_string_equal(esc(str_escape_json, "nul\0x", 5, &o), "\"nul\\u0000x\"");
	obuf_free(&o);
}

static void t_escape_csv(void **state)
{
	struct obuf o;

	assert_int_equal(obuf_init(&o, -1, 0), 0);
	assert_string_equal(esc(str_escape_csv, "simple", 6, &o), "simple");
	assert_string_equal(esc(str_escape_csv, "a,b", 3, &o), "\"a,b\"");
	assert_string_equal(esc(str_escape_csv, "say \"hi\"", 8, &o), "\"say \"\"hi\"\"\"");
	assert_string_equal(esc(str_escape_csv, "e\033", 2, &o), "e\\e");
	obuf_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_numbers),      cmocka_unit_test(t_growth),      cmocka_unit_test(t_epipe),
		cmocka_unit_test(t_escape_term),  cmocka_unit_test(t_escape_json), cmocka_unit_test(t_escape_csv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
