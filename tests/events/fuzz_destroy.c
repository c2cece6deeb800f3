// SPDX-License-Identifier: MIT
/*
 * fuzz_destroy: hostile netlink messages for destroy_parse_msg(), the parser
 * of the sock_diag destroy groups' inet_diag messages, as given and from an
 * unaligned copy.  Results are checked against the parser's promises.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "destroy.h"

static void check(int r, const struct sock_destroy *d)
{
	if (r != 0 && r != -EBADMSG && r != -ENOMSG)
		abort();
	if (r != 0)
		return;
	if (d->family != AF_INET && d->family != AF_INET6)
		abort();
	if (d->info_len > sizeof(d->info) || ((d->have & SD_HAVE_INFO) != 0) != (d->info_len > 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sock_destroy d;
	uint8_t *copy;

	if (size > 1 << 20)
		return 0;
	check(destroy_parse_msg(data, size, &d), &d);
	copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy + 1, data, size);
	check(destroy_parse_msg(copy + 1, size, &d), &d);
	free(copy);
	return 0;
}
