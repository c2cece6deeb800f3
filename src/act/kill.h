/* SPDX-License-Identifier: MIT */
/*
 * kill: ending sockets with sock_diag's SOCK_DESTROY (what `ss -K` does).
 * A request names one socket by the inet_diag id of its dumped record —
 * family, protocol, addresses, ports, interface and cookie — and the kernel
 * answers with an acknowledgement or an errno: EOPNOTSUPP when it lacks
 * CONFIG_INET_DIAG_DESTROY (or the kind has no destroy), EPERM without
 * CAP_NET_ADMIN in the socket's namespace, ENOENT when the socket is gone.
 * Library code: nothing is printed; the command (kill_cmd.c) tells the user.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sock.h"

/* Room for one request. */
#define KILL_REQ_MAX 128

/* True if SOCK_DESTROY can name this record's socket: the inet kinds TCP,
 * UDP, UDP-Lite and raw (not UNIX, packet, netlink, MPTCP). */
bool kill_supported(const struct sock_rec *r);

/* Builds the SOCK_DESTROY request for r into buf (len >= KILL_REQ_MAX).
 * Returns the message length, or -EOPNOTSUPP for a kind it cannot name, or
 * -EINVAL.  Pure. */
int kill_build(const struct sock_rec *r, uint32_t seq, void *buf, size_t len);

/* Reads the kernel's answer to request seq from one datagram: 0 (acknowledged),
 * a negative errno from NLMSG_ERROR, or -EBADMSG.  Pure. */
int kill_parse_ack(const void *buf, size_t len, uint32_t seq);

/* Opens a sock_diag socket, inside the namespace netns_fd if >= 0 (the
 * calling thread comes back to its own).  Returns the fd or -errno. */
int kill_open(int netns_fd);

/* Sends the request for r on fd (from kill_open()) and waits for the
 * answer.  0 when the kernel destroyed the socket, else -errno. */
int kill_socket(int fd, const struct sock_rec *r, uint32_t seq);

/* What an errno of kill_socket() means, one short phrase ("the kernel lacks
 * CONFIG_INET_DIAG_DESTROY", ...); strerror() for others. */
const char *kill_reason(int err);
