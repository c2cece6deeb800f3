/* SPDX-License-Identifier: MIT */
/*
 * diag_parse: one inet_diag netlink message -> one socket record.
 * Pure and bounds-checked; used by the live collector, the replay back end and
 * the fuzzer.  Tolerates tcp_info of any length and unknown attributes.
 */
#pragma once

#include <stddef.h>

#include <stdint.h>

#include "kind.h"
#include "sock.h"

/* buf/len hold one netlink message (header included) of type
 * SOCK_DIAG_BY_FAMILY or TCPDIAG_GETSOCK.  On success fills rec and, if ext != NULL and any
 * extension attribute was present, ext, setting *ret_has_ext.
 * rec->ext is set to SOCK_NO_EXT.  Returns 0, -EBADMSG (malformed/truncated),
 * or -ENOENT for a message that is not a socket we show (unknown state,
 * family or protocol). */
int diag_parse_msg(const void *buf, size_t len, struct sock_rec *rec, struct sock_ext *ext, int *ret_has_ext);
/* The same for any inet_diag protocol: the record gets proto (IPPROTO_RAW:
 * the protocol the kernel reports for the raw socket); a message whose
 * INET_DIAG_PROTOCOL names another protocol is -ENOENT. */
int diag_parse_inet(const void *buf, size_t len, uint8_t proto, struct sock_rec *rec, struct sock_ext *ext,
		    int *ret_has_ext);
/* Builds an inet_diag dump request for proto into nlh (header put by the
 * caller): SOCK_DIAG_BY_FAMILY, or for a->family AF_UNSPEC and TCP the
 * two-family TCPDIAG_GETSOCK (-EOPNOTSUPP for other protocols).  Protocols
 * above 255 (MPTCP) go in INET_DIAG_REQ_PROTOCOL. */
int diag_build_inet(const struct kind_nl_args *a, uint32_t proto, struct nlmsghdr *nlh);
/* The SOCK_OPT_* bits of the two bytes of an INET_DIAG_SOCKOPT attribute. */
uint16_t diag_sockopt_bits(const uint8_t raw[2]);
