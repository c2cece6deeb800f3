/* SPDX-License-Identifier: MIT */
/*
 * procnet: the /proc/net/tcp and tcp6 back end.  The line parser is pure and
 * fuzzable; the reader is rooted at a configurable proc root so that saved
 * snapshots and fake trees can be read.  /proc cannot show bound-only CLOSED
 * sockets, cookies or the LISTEN backlog: records say so with their flags.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sock.h"

/* Parses one data line of /proc/net/tcp (family AF_INET) or tcp6 (AF_INET6).
 * Returns 0 and fills rec, 1 for the header line, or -EINVAL if malformed. */
int procnet_parse_line(const char *line, size_t len, int family, struct sock_rec *rec);

struct procnet_stats {
	unsigned long lines, records, malformed;
};

/* Reads PROC_ROOT/net/tcp and/or tcp6 (families: COLLECT_INET4|6), passing
 * records whose state is in the states mask to sink.  A missing tcp6 file
 * (IPv6 disabled) is not an error.  Returns 0 or a negative errno. */
int procnet_read(const char *proc_root, uint8_t families, uint32_t states, sock_sink_fn sink, void *arg,
		 struct procnet_stats *st);
