/* SPDX-License-Identifier: MIT */
/*
 * nl_diag: netlink sock_diag dumps through libmnl, for any socket kind: the
 * kind builds the request and parses the replies, this module does the I/O —
 * receive buffers sized for dumps, NLM_F_DUMP_INTR handled by dumping again,
 * errors from NLMSG_ERROR and from inside NLMSG_DONE reported, sockets opened
 * inside another network namespace on request.  It can record the raw
 * datagrams to a file and replay them through the same parsers.
 */
#pragma once

#include <stdbool.h>

#include "request.h"
#include "sock.h"

/* Dumps the sockets of one kind (enum sock_kind_id).  rec_fd >= 0: append the
 * datagrams to this record file (opened with nl_diag_record_open()).
 * may_restart: the sink may be asked to drop what it has (rec NULL) when the
 * dump is interrupted; otherwise an interrupted dump is flagged inconsistent.
 * On failure *ret_op names the step that failed ("socket", "bind", "send",
 * "recv", "dump", "record", "sink"), so that collect can tell the user. */
int nl_diag_collect(const struct collect_req *req, unsigned kind, int rec_fd, bool may_restart, sock_sink_fn sink,
		    void *arg, struct collect_result *res, const char **ret_op);
/* Creates a record file and writes its magic. */
int nl_diag_record_open(const char *path, int *ret_fd);
/* Feeds a record file through the kinds' parsers (kinds not in req->kinds
 * are skipped). */
int nl_diag_replay(const char *path, const struct collect_req *req, sock_sink_fn sink, void *arg,
		   struct collect_result *res);
