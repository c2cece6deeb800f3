// SPDX-License-Identifier: MIT
/*
 * fuzz_tp_format: hostile tracefs format text and hostile raw payloads.  The
 * input is split by its first two bytes (little-endian length of the format
 * text); the text is parsed by tp_format_parse() and, when it gives a usable
 * layout, the rest is decoded as a payload (as given and from an unaligned
 * copy).  The whole input is also decoded against the real Linux 6.18 format.
 * Results are checked against the decoder's promises; a broken one aborts.
 */
#include <errno.h>
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
	"print fmt: \"...\"\n";

static void check_event(int r, const struct sock_event *ev)
{
	if (r != 0 && r != -EBADMSG && r != -ENOMSG && r != -EPROTO)
		abort();
	if (r != 0)
		return;
	if (ev->family != AF_INET && ev->family != AF_INET6)
		abort();
	if (ev->old_state < 1 || ev->old_state > 13 || ev->new_state < 1 || ev->new_state > 13)
		abort();
	if (memchr(ev->comm, '\0', sizeof(ev->comm)) == NULL)
		abort();
}

static void decode_both(const struct tp_format *f, const uint8_t *p, size_t n)
{
	struct sock_event ev;
	uint8_t *copy = malloc(n + 1);

	check_event(tp_decode_sock(f, p, n, &ev), &ev);
	if (!copy)
		return;
	memcpy(copy + 1, p, n);
	check_event(tp_decode_sock(f, copy + 1, n, &ev), &ev);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tp_format f; /* large: not on the stack */
	size_t flen;
	int r;

	if (size > 1 << 20)
		return 0;
	if (tp_format_parse(real_format, sizeof(real_format) - 1, &f) != 0)
		abort();
	decode_both(&f, data, size);
	if (size < 2)
		return 0;
	flen = (size_t)data[0] | (size_t)data[1] << 8;
	if (flen > size - 2)
		flen = size - 2;
	r = tp_format_parse((const char *)data + 2, flen, &f);
	if (r != 0 && r != -E2BIG && r != -EBADMSG && r != -ENOENT)
		abort();
	if (r != 0)
		return 0;
	if (f.nfields == 0 || f.nfields > TP_MAX_FIELDS)
		abort();
	for (size_t i = 0; i < f.nfields; i++)
		if (f.fields[i].size == 0 || f.fields[i].offset + f.fields[i].size > 65536 ||
		    memchr(f.fields[i].name, '\0', sizeof(f.fields[i].name)) == NULL)
			abort();
	decode_both(&f, data + 2 + flen, size - 2 - flen);
	return 0;
}
