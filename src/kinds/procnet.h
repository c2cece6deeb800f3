/* SPDX-License-Identifier: MIT */
/*
 * procnet: lines of /proc/net/tcp and tcp6.  The parser is pure and fuzzable.
 * /proc cannot show bound-only CLOSED sockets, cookies or the LISTEN backlog:
 * records say so with their flags.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sock.h"

/* Parses one data line of /proc/net/tcp (family AF_INET) or tcp6 (AF_INET6).
 * Returns 0 and fills rec, 1 for the header line, or -EINVAL if malformed. */
int procnet_parse_line(const char *line, size_t len, int family, struct sock_rec *rec);
