// SPDX-License-Identifier: MIT
/*
 * fuzz_diag: feeds arbitrary bytes to the netlink side.  The input is parsed
 * as one SOCK_DIAG_BY_FAMILY message by diag_parse_msg() (as given and from
 * an unaligned copy), walked as a stream of netlink messages
 * with each one parsed, and finally replayed as the body of a record file
 * through nl_diag_replay(), which runs the collector's whole message path
 * (NLMSG_DONE/ERROR, interrupted dumps, malformed messages, framing), and
 * as a file of its own: a raw dump as `ss -D` writes it when its first bytes
 * look like one (nl_diag_format()), else refused.  The bytes are also read
 * as a SOCK_DESTROY answer (kill_parse_ack()).
 * Results are checked against the parser's promises; a broken promise aborts.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "diag_parse.h"
#include "kill.h"
#include "needs.h"
#include "kind.h"
#include "nl_diag.h"
#include "states.h"

static void fuzz_check(int r, const struct sock_rec *rec, const struct sock_ext *ext, int has_ext)
{
	if (r != 0 && r != -EBADMSG && r != -ENOENT)
		abort();
	if (r != 0)
		return;
	if (rec->state < SK_ESTABLISHED || rec->state > SK_CLOSING)
		abort();
	if (rec->family != AF_INET && rec->family != AF_INET6)
		abort();
	if (rec->timer >= SOCK_TIMER_MAX || rec->ext != SOCK_NO_EXT)
		abort();
	if (has_ext && ext) {
		if (ext->info_len > sizeof(ext->info) || memchr(ext->cong, '\0', sizeof(ext->cong)) == NULL)
			abort();
		if (ext->sockopt >> SOCK_OPT_COUNT || (!ext->has_sockopt && ext->sockopt))
			abort();
	}
}

static void fuzz_parse(const void *buf, size_t len)
{
	struct sock_rec rec;
	struct sock_ext ext;
	int has_ext = 0, r;

	r = diag_parse_msg(buf, len, &rec, &ext, &has_ext);
	fuzz_check(r, &rec, &ext, has_ext);
	r = diag_parse_msg(buf, len, &rec, NULL, NULL);
	fuzz_check(r, &rec, NULL, 0);
}

static int fuzz_sink(void *arg, const struct sock_rec *rec, const struct sock_ext *ext)
{
	unsigned long *n = arg;

	/* Replay never redoes a dump, so it never announces a restart. */
	if (!rec)
		abort();
	fuzz_check(0, rec, ext, ext != NULL);
	(*n)++;
	return 0;
}

static void fuzz_replay(const uint8_t *data, size_t size, bool magic)
{
	struct collect_req req;
	struct collect_result res;
	char path[64];
	unsigned long n = 0;
	int fd, r;

	fd = memfd_create("fuzz-diag", MFD_CLOEXEC);
	if (fd < 0)
		return;
	if ((magic && write(fd, "SSCNLD01", 8) != 8) || (size && write(fd, data, size) != (ssize_t)size)) {
		close(fd);
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	req.families = COLLECT_INET4 | COLLECT_INET6;
	req.states = SK_ALL_STATES;
	req.kinds = KIND_ALL;
	req.netns_fd = -1;
	r = nl_diag_replay(path, &req, fuzz_sink, &n, &res);
	/* a file that is neither format is refused before any record */
	if (!magic && nl_diag_format(data, size) == NL_DIAG_FMT_UNKNOWN && (r != -EBADMSG || n))
		abort();
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p;
	uint8_t *copy;
	size_t rem;
	int r;

	if (size > 1 << 20)
		return 0;
	fuzz_parse(data, size);
	copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy + 1, data, size);
	fuzz_parse(copy + 1, size); /* unaligned */
	memmove(copy, copy + 1, size);
	/* A message stream, walked with checked lengths (mnl_nlmsg_next()
	 * loops forever on nlmsg_len values near 2^32). */
	for (p = copy, rem = size; rem >= sizeof(struct nlmsghdr);) {
		uint32_t len;
		size_t step;

		memcpy(&len, p, sizeof(len));
		if (len < sizeof(struct nlmsghdr) || len > rem)
			break;
		fuzz_parse(p, rem);
		step = ((size_t)len + 3) & ~(size_t)3;
		if (step >= rem)
			break;
		p += step;
		rem -= step;
	}
	free(copy);
	fuzz_replay(data, size, true);
	fuzz_replay(data, size, false);
	r = kill_parse_ack(data, size, 1);
	if (r > 0 || r < -4095)
		abort();
	return 0;
}
