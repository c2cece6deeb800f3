/* SPDX-License-Identifier: MIT */
/*
 * procfs: the /proc/net back end.  For one kind it reads each of the kind's
 * files under a configurable proc root (saved snapshots and fake trees read
 * the same way), splits them into lines and hands each line to the kind's
 * parser, passing the records whose state is wanted to a sink.
 */
#pragma once

#include <stdint.h>

#include "kind.h"
#include "sock.h"

struct procfs_stats {
	unsigned long lines, records, malformed;
};

/* Reads PROC_ROOT/net/FILE for each of k's files (inet kinds: only the
 * families in the COLLECT_INET4|6 mask).  A missing optional file (tcp6
 * without IPv6) is not an error; -EOPNOTSUPP if the kind has no /proc file.
 * Returns 0 or a negative errno; st (may be NULL) gets the counts. */
int procfs_read(const char *proc_root, const struct sock_kind *k, uint8_t families, uint32_t states,
		sock_sink_fn sink, void *arg, struct procfs_stats *st);
