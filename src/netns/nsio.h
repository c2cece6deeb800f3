/* SPDX-License-Identifier: MIT */
/*
 * nsio: bounded reads shared by the namespace, cgroup and host-name modules.
 * Every file these modules read (/proc files, cgroup files, container
 * runtimes' JSON, log directory names) is hostile input: it is read with a
 * hard size limit, never through a final symlink when it comes from a host
 * tree, and only when it is a regular file, so a FIFO or a device planted in
 * a fixture or a container's tree cannot block or flood the reader.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Flags for nsio_read_file(). */
enum {
	NSIO_NOFOLLOW = 1 << 0, /* refuse a final symlink (host trees) */
	NSIO_TRUNCATE = 1 << 1, /* return the first max bytes instead of -EFBIG */
};

/* Reads at most max bytes of path (relative to dirfd, or AT_FDCWD) into a
 * new NUL-terminated buffer.  Returns 0 and sets *ret_buf (caller frees with
 * free()) and *ret_len, or a negative errno: -EFBIG when the file is longer
 * than max (unless NSIO_TRUNCATE), -EINVAL when it is not a regular file. */
int nsio_read_file(int dirfd, const char *path, size_t max, int flags, char **ret_buf, size_t *ret_len);

/* snprintf into buf that reports truncation as -ENAMETOOLONG, 0 otherwise. */
int nsio_path(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Copies at most n bytes of s into out (size outsz, always terminated),
 * replacing control bytes (< 0x20 and 0x7f) by nothing.  Returns the length
 * written; sets *ret_truncated when s did not fit. */
size_t nsio_copy_clean(char *out, size_t outsz, const char *s, size_t n, bool *ret_truncated);

/* True if s (n bytes) is made only of lowercase hexadecimal digits. */
bool nsio_is_hex(const char *s, size_t n);
