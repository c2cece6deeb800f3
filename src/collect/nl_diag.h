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
 * are skipped).  A raw dump (`ss -D`) is read as inet_diag messages of TCP,
 * or of the protocol their INET_DIAG_PROTOCOL names; every dump in it is
 * read (ss writes one per family and reads back only the first). */
int nl_diag_replay(const char *path, const struct collect_req *req, sock_sink_fn sink, void *arg,
		   struct collect_result *res);

/* The formats --replay reads, told apart by their first bytes. */
enum nl_diag_format {
	NL_DIAG_FMT_UNKNOWN = 0,
	NL_DIAG_FMT_V1,  /* sockscope's first record format, "SSCNLD01" */
	NL_DIAG_FMT_V2,  /* sockscope's record format, "SSCNLD02" */
	NL_DIAG_FMT_RAW, /* raw netlink messages, no header: what `ss -D FILE` writes */
};
/* The format of a file from its first len bytes (at least 8 for sockscope's
 * files, 16 for a raw dump: a whole nlmsghdr).  Pure. */
enum nl_diag_format nl_diag_format(const void *head, size_t len);
