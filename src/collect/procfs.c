// SPDX-License-Identifier: MIT
/*
 * procfs: the /proc/net back end.  It pulls whole files through a large
 * buffer, splits them into lines (an overlong line is counted as malformed
 * and skipped up to its newline), and leaves each line to the kind's parser.
 */
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "request.h"

/* Real lines are < 200 bytes (a UNIX path makes them longer); anything
 * longer than the buffer is not a line we know. */
#define PROCNET_BUF_SIZE (64 * 1024)

struct pn_reader {
	sock_sink_fn sink;
	void *arg;
	uint32_t states;
	struct procfs_stats st;
	const struct sock_kind *kind;
	unsigned kind_id;
	struct sock_ext ext;
};

static int pn_line(struct pn_reader *rd, const char *line, size_t len, int family)
{
	struct sock_rec rec;
	int has_ext = 0, r;

	r = rd->kind->proc_parse(line, len, family, &rec, &rd->ext, &has_ext);
	if (r == 1)
		return 0;
	rd->st.lines++;
	if (r < 0) {
		rd->st.malformed++;
		return 0;
	}
	if (!(rd->states & (1u << rec.state)))
		return 0;
	rec.kind = (uint8_t)rd->kind_id;
	rd->st.records++;
	return rd->sink(rd->arg, &rec, has_ext ? &rd->ext : NULL);
}

/* Reads one file through buf (PROCNET_BUF_SIZE bytes), line by line. */
static int pn_read_file(struct pn_reader *rd, int fd, char *buf, int family)
{
	size_t have = 0;
	bool skipping = false; /* inside an overlong line */
	bool eof = false;

	while (!eof) {
		ssize_t n = read(fd, buf + have, PROCNET_BUF_SIZE - have);
		size_t start = 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0) {
			eof = true;
			if (have == 0)
				break;
		}
		have += (size_t)n;
		for (;;) {
			char *nl = memchr(buf + start, '\n', have - start);
			size_t end = nl ? (size_t)(nl - buf) : have;
			int r = 0;

			if (!nl && !eof)
				break;
			if (skipping) {
				skipping = false;
				rd->st.lines++;
				rd->st.malformed++;
			} else if (end > start || nl) {
				r = pn_line(rd, buf + start, end - start, family);
			}
			if (r < 0)
				return r;
			start = end + 1;
			if (start >= have)
				break;
		}
		if (start >= have) {
			have = 0;
		} else if (start > 0) {
			memmove(buf, buf + start, have - start);
			have -= start;
		} else if (have == PROCNET_BUF_SIZE) {
			/* A line longer than the buffer: drop it up to its newline. */
			skipping = true;
			have = 0;
		}
	}
	return 0;
}

static int pn_open(const char *root, const char *name, int *ret_fd)
{
	char path[PATH_MAX];
	int n, fd;

	n = snprintf(path, sizeof(path), "%s/net/%s", root, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

static uint8_t family_bit(int family)
{
	return family == AF_INET ? COLLECT_INET4 : family == AF_INET6 ? COLLECT_INET6 : 0;
}

int procfs_read(const char *proc_root, const struct sock_kind *k, uint8_t families, uint32_t states,
		sock_sink_fn sink, void *arg, struct procfs_stats *st)
{
	struct pn_reader *rd;
	char *buf = NULL;
	int r = 0;

	if (!sink || !k)
		return -EINVAL;
	if (!k->nproc)
		return -EOPNOTSUPP;
	if (!proc_root)
		proc_root = "/proc";
	rd = calloc(1, sizeof(*rd));
	if (!rd)
		return -ENOMEM;
	rd->sink = sink;
	rd->arg = arg;
	rd->states = states;
	rd->kind = k;
	rd->kind_id = kind_id(k);
	for (size_t i = 0; i < k->nproc; i++) {
		const struct kind_proc_file *f = &k->proc[i];
		int fd = -1;

		if (k->inet && !(families & family_bit(f->family)))
			continue;
		r = pn_open(proc_root, f->name, &fd);
		if (r == -ENOENT && f->optional) {
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		if (!buf) {
			buf = malloc(PROCNET_BUF_SIZE);
			if (!buf) {
				close(fd);
				r = -ENOMEM;
				break;
			}
		}
		r = pn_read_file(rd, fd, buf, f->family);
		close(fd);
		if (r < 0)
			break;
	}
	free(buf);
	if (r == 0 && st)
		*st = rd->st;
	free(rd);
	return r;
}
