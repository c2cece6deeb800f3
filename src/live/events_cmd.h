/* SPDX-License-Identifier: MIT */
/*
 * events_cmd: `sockscope events [OPTION...] [FILTER]`, one record per TCP
 * state transition (or, with --lifetimes, per ended connection) as it
 * happens, from the best source available: the sock:inet_sock_set_state
 * tracepoint through perf_event_open, the sock_diag destroy groups, or
 * snapshots every 0.1 s.  Like main(), a command runner: it prints its
 * notices and errors on stderr and returns the exit status.
 */
#pragma once

#include "options.h"

/* Runs until SIGINT/SIGTERM, --count, --duration or a closed pipe.  Returns
 * 0 (a closed pipe included), 1 when no source could be opened or a source
 * failed, 2 for a usage error (format, filter). */
int events_run(const struct options *opt);

/* --watch=SECONDS --format=jsonl --events on the tracepoint: the stream of
 * tui_watch() (opened, state, closed) with every transition as it happens,
 * time-wait sockets followed in a snapshot every SECONDS.  Returns -1 when
 * that cannot be (the tracepoint cannot open, kinds other than TCP, a filter
 * on owners; a notice is printed where the user asked for something), the
 * caller then compares snapshots; else as events_run(). */
int events_watch(const struct options *opt);
