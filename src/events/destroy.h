/* SPDX-License-Identifier: MIT */
/*
 * destroy: the sock_diag destroy source (what `ss -E` reads).  A netlink
 * NETLINK_SOCK_DIAG socket bound to the SKNLGRP_INET_TCP_DESTROY and
 * SKNLGRP_INET6_TCP_DESTROY multicast groups (and the UDP ones on request)
 * receives one inet_diag message per socket as the kernel destroys it, with
 * the final state, addresses, ports, cookie and, for TCP, tcp_info.  The
 * groups are per network namespace: the socket can be opened inside another
 * namespace (setns on the calling thread, then back).  destroy_parse_msg() is
 * the pure, bounds-checked parser of one message.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sock_event.h"

struct destroy_opts {
	bool udp;        /* also the UDP groups */
	int netns_fd;    /* open inside this namespace; -1: the caller's */
	uint32_t rcvbuf; /* SO_RCVBUF(FORCE) bytes; 0: 4 MiB */
};

struct destroy_source;

/* On failure writes a one-line reason to err (errlen > 0) and returns a
 * negative errno.  Caller frees with destroy_close(). */
int destroy_open(struct destroy_source **ret, const struct destroy_opts *o, char *err, size_t errlen);

/* Waits up to timeout_ms (-1: forever) and delivers every queued message.
 * Returns the number delivered, or a negative errno (the sink's, or -EINTR).
 * A receive-buffer overrun (ENOBUFS) is counted in destroy_overruns() and the
 * poll goes on: the number of messages lost then is unknown. */
int destroy_poll(struct destroy_source *s, int timeout_ms, destroy_sink_fn sink, void *arg);

int destroy_fd(const struct destroy_source *s);
uint64_t destroy_overruns(const struct destroy_source *s);
void destroy_close(struct destroy_source *s); /* accepts NULL */

/* Parses one netlink message (header included) of len bytes.  Returns 0,
 * -ENOMSG (not a SOCK_DIAG_BY_FAMILY message) or -EBADMSG.  time_ns is 0. */
int destroy_parse_msg(const void *buf, size_t len, struct sock_destroy *ret);
