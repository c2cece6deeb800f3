/* SPDX-License-Identifier: MIT */
/*
 * collect: fills a sink with socket records from one back end.
 *
 * COLLECT_AUTO tries netlink sock_diag first and falls back to /proc/net when
 * netlink cannot be used; the result says which back end ran and why a
 * fallback happened, so that the caller can print exactly one notice.
 */
#pragma once

#include "request.h"
#include "sock.h"

/* Returns 0 or a negative errno (the failing back end's; with BACKEND_AUTO,
 * the /proc error if both failed). */
int collect_run(const struct collect_req *req, sock_sink_fn sink, void *arg, struct collect_result *res);
const char *backend_name(enum backend b); /* "netlink", "proc", "replay", "auto" */
