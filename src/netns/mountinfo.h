/* SPDX-License-Identifier: MIT */
/*
 * mountinfo: a parser for /proc/PID/mountinfo lines (proc(5)), used to find
 * nsfs bind mounts (ip netns, CNI, Docker) and the cgroup2 mount.  Fields
 * are split on single spaces, the optional fields end at the " - "
 * separator, and the root and mount point octal escapes (\040 ...) are
 * decoded.  The pure line parser is fuzzed; the reader bounds the file.
 */
#pragma once

#include <stddef.h>

#define MI_PATH_MAX 4096
#define MI_FILE_MAX (64u << 20) /* 10k netns mounts are ~2 MiB */

struct mi_entry {
	unsigned major, minor;
	char root[MI_PATH_MAX];   /* e.g. "/" or "net:[4026532290]" for nsfs */
	char target[MI_PATH_MAX]; /* mount point, unescaped */
	char fstype[64];
};

/* 0, or -EINVAL for a line that is not a mountinfo line (or a path or type
 * too long for the entry). */
int mi_parse_line(const char *line, size_t len, struct mi_entry *out);

/* Calls fn for each parsable line of the file at path (bounded by
 * MI_FILE_MAX); stops and returns fn's value when it is non-zero.
 * Returns 0 or a negative errno from reading. */
int mi_foreach(const char *path, int (*fn)(const struct mi_entry *e, void *arg), void *arg);
