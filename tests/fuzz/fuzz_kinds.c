// SPDX-License-Identifier: MIT
/*
 * fuzz_kinds: the parsers of the kinds without IP addresses (UNIX, packet,
 * netlink).  The first byte picks the kind (its value modulo 3) and the
 * source (bit 2: /proc line, else sock_diag message); the rest is the
 * message or the line.  A message is parsed as given, from an unaligned copy
 * and without an extension, and replayed as a record file through
 * nl_diag_replay() (the collector's whole message path); a line is parsed as
 * a whole and split at newlines, each from a copy exactly as long as it.
 * Every record is checked against the parser's promises and shown through
 * the kind's columns; a broken promise aborts.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "column.h"
#include "kind.h"
#include "nl_diag.h"
#include "states.h"

static const unsigned kind_ids[] = { KIND_UNIX, KIND_PACKET, KIND_NETLINK };

static int kind_family(unsigned id)
{
	return id == KIND_UNIX ? AF_UNIX : id == KIND_PACKET ? AF_PACKET : AF_NETLINK;
}

static bool type_ok(unsigned id, uint8_t type)
{
	if (id == KIND_UNIX)
		return type == SOCK_STREAM || type == SOCK_DGRAM || type == SOCK_SEQPACKET;
	return type == SOCK_RAW || type == SOCK_DGRAM;
}

static void check_rec(unsigned id, const struct sock_rec *rec, const struct sock_ext *ext)
{
	const struct sock_kind *k = kind_get(id);
	struct sock_rec r = *rec;
	static struct col_ctx cc;

	if (!(k->states & (1u << r.state)) || r.state >= SK_STATE_MAX || !k->vocab[r.state].name)
		abort();
	if (r.family != kind_family(id) || r.ext != SOCK_NO_EXT || !type_ok(id, r.x.type) || r.kind != 0)
		abort();
	if ((r.flags & SOCK_F_COOKIE) == 0 && r.cookie != 0)
		abort();
	if (r.shutdown > 3 || ((r.flags & SOCK_F_SHUTDOWN) == 0 && r.shutdown != 0))
		abort();
	if (id != KIND_NETLINK && (r.x.portid || r.x.groups))
		abort();
	if (ext) {
		if (ext->name_len > sizeof(ext->name) || ext->has_mem > 1 || ext->info_len != 0)
			abort();
		if (id != KIND_UNIX && ext->name_len != 0)
			abort();
		if (ext->name_len == 0 && ext->has_mem == 0)
			abort(); /* an extension with nothing in it */
	}
	r.kind = (uint8_t)id;
	if (sock_side(&r, ext) >= SIDE_MAX || !sock_netid(&r) || !sock_state_info(&r))
		abort();
	for (int local = 0; local < 2; local++) {
		char buf[320];
		size_t n;

		n = k->endpoint(&r, ext, local, buf, sizeof(buf));
		if (n >= sizeof(buf) || buf[n] != '\0' || memchr(buf, '\0', n))
			abort();
		n = k->endpoint(&r, ext, local, buf, 4);
		if (n >= 4 || buf[n] != '\0')
			abort();
	}
	for (size_t i = 0; i < k->ncolumns; i++) {
		struct col_val v;

		memset(&v, 0, sizeof(v));
		k->columns[i].get(&cc, &r, ext, &v);
		if (v.kind == CV_STR) {
			if (!v.str.s || v.str.n > sizeof(cc.scratch))
				abort();
			if (v.plain)
				for (size_t j = 0; j < v.str.n; j++)
					if (v.str.s[j] < 0x20 || v.str.s[j] > 0x7e || v.str.s[j] == '\\')
						abort();
		} else if (v.kind != CV_UINT && v.kind != CV_NULL) {
			abort();
		}
	}
}

static void fuzz_nl_one(unsigned id, const uint8_t *p, size_t len)
{
	const struct sock_kind *k = kind_get(id);
	struct sock_rec rec;
	struct sock_ext ext;
	int has_ext = -1, r;

	r = k->nl_parse(p, len, &rec, &ext, &has_ext);
	if (r != 0 && r != -EBADMSG && r != -ENOENT)
		abort();
	if (r == 0) {
		if (has_ext != 0 && has_ext != 1)
			abort();
		check_rec(id, &rec, has_ext ? &ext : NULL);
	}
	has_ext = -1;
	r = k->nl_parse(p, len, &rec, NULL, &has_ext);
	if (r != 0 && r != -EBADMSG && r != -ENOENT)
		abort();
	if (r == 0) {
		if (has_ext != 0)
			abort();
		check_rec(id, &rec, NULL);
	}
}

static int fuzz_sink(void *arg, const struct sock_rec *rec, const struct sock_ext *ext)
{
	unsigned id = *(const unsigned *)arg;
	struct sock_rec r;

	if (!rec || rec->kind != id)
		abort();
	r = *rec;
	r.kind = 0;
	check_rec(id, &r, ext);
	return 0;
}

/* The message as one recorded datagram of kind id. */
static void fuzz_replay(unsigned id, const uint8_t *data, size_t size)
{
	struct collect_req req;
	struct collect_result res;
	uint32_t word = htole32((uint32_t)size | (id + 1) << 24);
	char path[64];
	int fd;

	if (size > 0xffffff)
		return;
	fd = memfd_create("fuzz-kinds", MFD_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, "SSCNLD02", 8) != 8 || write(fd, &word, sizeof(word)) != sizeof(word) ||
	    (size && write(fd, data, size) != (ssize_t)size)) {
		close(fd);
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	req.states = SK_ALL_STATES;
	req.kinds = KIND_ALL;
	req.netns_fd = -1;
	(void)nl_diag_replay(path, &req, fuzz_sink, &id, &res);
	close(fd);
}

static void fuzz_nl(unsigned id, const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size + 1);

	fuzz_nl_one(id, data, size);
	if (copy) {
		memcpy(copy + 1, data, size);
		fuzz_nl_one(id, copy + 1, size); /* unaligned */
		free(copy);
	}
	fuzz_replay(id, data, size);
}

static void fuzz_line(unsigned id, const uint8_t *p, size_t len)
{
	const struct sock_kind *k = kind_get(id);
	char *copy = malloc(len ? len : 1);
	struct sock_rec rec;
	struct sock_ext ext;
	int has_ext = -1, r;

	if (!copy)
		return;
	memcpy(copy, p, len);
	r = k->proc_parse(copy, len, kind_family(id), &rec, &ext, &has_ext);
	if (r != 0 && r != 1 && r != -EINVAL)
		abort();
	if (r == 0) {
		if (has_ext != 0 && has_ext != 1)
			abort();
		if (rec.flags & (SOCK_F_COOKIE | SOCK_F_SHUTDOWN))
			abort();
		if (id == KIND_UNIX && (!(rec.flags & SOCK_F_SENDQ_UNKNOWN) || (has_ext && ext.name_len == 0)))
			abort();
		check_rec(id, &rec, has_ext ? &ext : NULL);
	}
	has_ext = -1;
	r = k->proc_parse(copy, len, kind_family(id), &rec, NULL, &has_ext);
	if (r == 0 && has_ext != 0)
		abort();
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned id;
	size_t start = 0;

	if (size < 1 || size > 1 << 20)
		return 0;
	id = kind_ids[data[0] % 3];
	data++;
	size--;
	if (!(data[-1] & 4)) {
		fuzz_nl(id, data, size);
		return 0;
	}
	fuzz_line(id, data, size);
	while (start < size) {
		const uint8_t *nl = memchr(data + start, '\n', size - start);
		size_t end = nl ? (size_t)(nl - data) : size;

		fuzz_line(id, data + start, end - start);
		start = end + 1;
	}
	return 0;
}
