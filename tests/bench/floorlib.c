// SPDX-License-Identifier: MIT
/*
 * floorlib: fdwalk() opens /proc, and for each numeric entry opens its fd
 * directory relative to it, reads the entries with getdents64 into a stack
 * buffer and readlinkat()s each one; links of the form "socket:[N]" are parsed
 * by hand and passed to the callback.  No allocation, no stdio: this is the
 * floor for owner lookup, the cost every tool that shows owners pays at least.
 * The out_*() functions append to a 256 KiB buffer written with write(2); the
 * IPv6 formatter follows RFC 5952 (longest run of zero groups as "::", lower
 * case hex, no leading zeros) and writes IPv4-mapped addresses as ::ffff:a.b.c.d.
 */
#include "floorlib.h"

#include <errno.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static bool parse_uint(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

static long walk_fds(int dfd, int pid, fdwalk_cb cb, void *data)
{
	union {
		char buf[32768];
		struct linux_dirent64 align;
	} u;
	long n, seen = 0;

	while ((n = syscall(SYS_getdents64, dfd, u.buf, sizeof(u.buf))) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(u.buf + off);
			char link[64];
			uint64_t fd, ino = 0;
			ssize_t len;

			off += d->d_reclen;
			if (!parse_uint(d->d_name, &fd))
				continue;
			len = readlinkat(dfd, d->d_name, link, sizeof(link) - 1);
			if (len < 10 || memcmp(link, "socket:[", 8) != 0 || link[len - 1] != ']')
				continue;
			for (ssize_t i = 8; i < len - 1; i++)
				ino = ino * 10 + (uint64_t)(link[i] - '0');
			cb(data, pid, (int)fd, ino);
			seen++;
		}
	}
	return seen;
}

long fdwalk(const char *proc_root, fdwalk_cb cb, void *data)
{
	union {
		char buf[32768];
		struct linux_dirent64 align;
	} u;
	int proc = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long n, seen = 0;

	if (proc < 0)
		return -1;
	while ((n = syscall(SYS_getdents64, proc, u.buf, sizeof(u.buf))) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(u.buf + off);
			char path[48];
			uint64_t pid;
			int dfd;

			off += d->d_reclen;
			if (strlen(d->d_name) > 20 || !parse_uint(d->d_name, &pid))
				continue;
			/* d_name is at most 10 digits here */
			strcpy(path, d->d_name);
			strcat(path, "/fd");
			dfd = openat(proc, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd < 0)
				continue;
			seen += walk_fds(dfd, (int)pid, cb, data);
			close(dfd);
		}
	}
	close(proc);
	return seen;
}

static char obuf[256 * 1024];
static size_t olen;
static int oerr;

static void out_drain(void)
{
	size_t off = 0;

	while (off < olen && !oerr) {
		ssize_t n = write(1, obuf + off, olen - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			oerr = 1;
		else
			off += (size_t)n;
	}
	olen = 0;
}

void out_mem(const char *s, size_t n)
{
	if (olen + n > sizeof(obuf))
		out_drain();
	if (n > sizeof(obuf)) {
		ssize_t w = write(1, s, n);

		oerr |= w != (ssize_t)n;
		return;
	}
	memcpy(obuf + olen, s, n);
	olen += n;
}

void out_str(const char *s)
{
	out_mem(s, strlen(s));
}

void out_char(char c)
{
	if (olen == sizeof(obuf))
		out_drain();
	obuf[olen++] = c;
}

void out_u64(uint64_t v)
{
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	out_mem(tmp + i, sizeof(tmp) - (size_t)i);
}

void out_ipv4(const unsigned char a[4])
{
	for (int i = 0; i < 4; i++) {
		if (i)
			out_char('.');
		out_u64(a[i]);
	}
}

static void out_hex16(unsigned v)
{
	static const char hex[] = "0123456789abcdef";
	bool started = false;

	for (int sh = 12; sh >= 0; sh -= 4) {
		unsigned d = (v >> sh) & 15;

		if (d || started || sh == 0) {
			out_char(hex[d]);
			started = true;
		}
	}
}

void out_ipv6(const unsigned char a[16])
{
	unsigned g[8];
	int best = -1, bestlen = 0;

	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	if (!g[0] && !g[1] && !g[2] && !g[3] && !g[4] && g[5] == 0xffff) {
		out_str("::ffff:");
		out_ipv4(a + 12);
		return;
	}
	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > bestlen && j - i >= 2) {
			best = i;
			bestlen = j - i;
		}
		i = j == i ? i + 1 : j;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			out_str("::");
			i += bestlen - 1;
			continue;
		}
		if (i && i != best + bestlen)
			out_char(':');
		out_hex16(g[i]);
	}
}

int out_flush(void)
{
	out_drain();
	return oerr ? -1 : 0;
}
