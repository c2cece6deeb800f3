// SPDX-License-Identifier: MIT
/*
 * nsio: bounded file reads, checked path formatting and control-byte
 * stripping for the netns modules (see nsio.h).  A read never allocates more
 * than the caller's limit plus one byte, and /proc files (which report size
 * 0) are read in chunks until EOF or the limit.
 */
#include "nsio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int nsio_read_file(int dirfd, const char *path, size_t max, int flags, char **ret_buf, size_t *ret_len)
{
	int oflags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
	struct stat st;
	size_t cap, len = 0;
	char *buf;
	int fd, err = 0;

	if (!path || !ret_buf || !ret_len || max == 0 || max > ((size_t)1 << 30))
		return -EINVAL;
	if (flags & NSIO_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	fd = openat(dirfd, path, oflags);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EINVAL;
	if (err) {
		close(fd);
		return err;
	}
	cap = st.st_size > 0 && (size_t)st.st_size < max ? (size_t)st.st_size + 1 : 4096;
	if (cap > max + 1)
		cap = max + 1;
	buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t r;

		if (len == cap) {
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nb;

			if (ncap <= cap)
				break; /* holds max + 1 bytes: too long */
			nb = realloc(buf, ncap + 1);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
			cap = ncap;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (!err && len > max) {
		if (flags & NSIO_TRUNCATE)
			len = max;
		else
			err = -EFBIG;
	}
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

int nsio_path(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -EINVAL;
	return (size_t)r >= n ? -ENAMETOOLONG : 0;
}

size_t nsio_copy_clean(char *out, size_t outsz, const char *s, size_t n, bool *ret_truncated)
{
	size_t o = 0;
	bool trunc = false;

	if (outsz == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			continue;
		if (o + 1 >= outsz) {
			trunc = true;
			break;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	if (ret_truncated)
		*ret_truncated = trunc;
	return o;
}

bool nsio_is_hex(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}
