// SPDX-License-Identifier: MIT
/*
 * fuzz_procnet: splits arbitrary bytes into lines and hands each line to
 * procnet_parse_line() as an IPv4 and as an IPv6 line, from a copy that is
 * exactly as long as the line (no terminator), so that any read past the end
 * is caught.  The whole input is also parsed as a single line.  Results are
 * checked against the parser's promises; a broken promise aborts.  Each line
 * is parsed again with every blank doubled, which the fixed-layout fast path
 * never takes: the general parser must give the same answer and record.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "procnet.h"
#include "states.h"

/* The line with every ' ' doubled, against the line itself. */
static void fuzz_spaced(const uint8_t *p, size_t len)
{
	static const int families[] = { AF_INET, AF_INET6 };
	char *wide = malloc(2 * len + 1);
	size_t n = 0;

	if (!wide)
		return;
	for (size_t i = 0; i < len; i++) {
		wide[n++] = (char)p[i];
		if (p[i] == ' ')
			wide[n++] = ' ';
	}
	for (size_t i = 0; n <= 512 && i < sizeof(families) / sizeof(families[0]); i++) {
		struct sock_rec a, b;
		int ra, rb;

		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		ra = procnet_parse_line((const char *)p, len, families[i], &a);
		rb = procnet_parse_line(wide, n, families[i], &b);
		if (ra != rb || (ra == 0 && memcmp(&a, &b, sizeof(a))))
			abort();
	}
	free(wide);
}

static void fuzz_line(const uint8_t *p, size_t len)
{
	static const int families[] = { AF_INET, AF_INET6 };
	char *copy = malloc(len ? len : 1);

	if (!copy)
		return;
	memcpy(copy, p, len);
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		struct sock_rec rec;
		int r = procnet_parse_line(copy, len, families[i], &rec);

		if (r != 0 && r != 1 && r != -EINVAL)
			abort();
		if (r != 0)
			continue;
		if (rec.state < SK_ESTABLISHED || rec.state > SK_CLOSING || rec.family != families[i])
			abort();
		if (rec.timer >= SOCK_TIMER_MAX || (rec.flags & SOCK_F_COOKIE))
			abort();
		if (rec.state == SK_LISTEN && (rec.send_q != 0 || !(rec.flags & SOCK_F_SENDQ_UNKNOWN)))
			abort();
		if (families[i] == AF_INET) {
			static const uint8_t zero[12];

			if (memcmp(rec.laddr + 4, zero, 12) || memcmp(rec.raddr + 4, zero, 12))
				abort();
		}
	}
	free(copy);
	fuzz_spaced(p, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t start = 0;

	if (size > 1 << 20)
		return 0;
	fuzz_line(data, size);
	while (start < size) {
		const uint8_t *nl = memchr(data + start, '\n', size - start);
		size_t end = nl ? (size_t)(nl - data) : size;

		fuzz_line(data + start, end - start);
		start = end + 1;
	}
	return 0;
}
