/* SPDX-License-Identifier: MIT */
/*
 * nl_diag: netlink sock_diag (inet_diag) dumps through libmnl.
 * One walk for both families (TCPDIAG_GETSOCK; SOCK_DIAG_BY_FAMILY per family
 * for one family or when the kernel refuses it), all 11 states (plus the
 * kernel's request-socket and bound-inactive bits), receive buffers sized for dumps,
 * NLM_F_DUMP_INTR handled by dumping again, errors from NLMSG_ERROR and from
 * inside NLMSG_DONE reported.  Can record the raw datagrams to a file and
 * replay them through the same parser.
 */
#pragma once

#include "request.h"
#include "sock.h"

/* On failure *ret_op names the step that failed ("socket", "bind", "send",
 * "recv", "dump"), so that collect can tell the user. */
int nl_diag_collect(const struct collect_req *req, sock_sink_fn sink, void *arg, struct collect_result *res,
		    const char **ret_op);
int nl_diag_replay(const char *path, const struct collect_req *req, sock_sink_fn sink, void *arg,
		   struct collect_result *res);
