/* SPDX-License-Identifier: MIT */
/*
 * tp_source: the sock:inet_sock_set_state tracepoint, without eBPF.  The event
 * id and the payload layout come from tracefs (found at /sys/kernel/tracing or
 * /sys/kernel/debug/tracing, mounted only when the options allow it).  Two
 * readers of the same tracepoint, one ring per online CPU each:
 *   ftrace (first): a private tracefs instance with only this event enabled
 *   and the mono clock, per_cpu/cpuN/trace_pipe_raw read page by page; needs
 *   write access to tracefs (root); removed at tp_close();
 *   perf: perf_event_open(2) (pid = -1, sample_type RAW|TID|TIME|CPU,
 *   CLOCK_MONOTONIC) and its mmap'd ring; needs CAP_PERFMON or a low
 *   perf_event_paranoid.  Some kernels drop its samples while a CPU's idle
 *   task runs softirqs, silently: ftrace is preferred where it can open.
 * tp_poll() drains every ring, counts lost events (PERF_RECORD_LOST, the
 * ftrace pages' missed-events words), and delivers the events of all CPUs
 * merged in time order, holding back the last reorder_ns so that a record
 * still in flight on another CPU is not overtaken.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sock_event.h"

enum tp_reader { TP_READER_AUTO, TP_READER_FTRACE, TP_READER_PERF };

struct tp_opts {
	enum tp_reader reader;   /* AUTO: ftrace, else perf */
	const char *tracefs;     /* NULL: search the usual places */
	bool allow_mount;        /* mount tracefs at /sys/kernel/tracing if absent */
	uint32_t ring_pages;     /* data pages per CPU, a power of 2 (default: 16 MiB in all, 1-8 MiB a CPU) */
	uint32_t wakeup_bytes;   /* wake poll() after this many bytes (default ring/4) */
	uint64_t reorder_ns;     /* hold-back window for the cross-CPU merge (default 20 ms) */
};

struct tp_source;

/* On failure writes a one-line reason to err and returns a negative errno:
 * -ENOENT (no tracefs, or no such tracepoint), -EACCES/-EPERM (tracefs not
 * readable, perf_event_paranoid or missing CAP_PERFMON), -EPROTO (a format the
 * decoder cannot use), -ENOMEM.  Caller frees with tp_close(). */
int tp_open(struct tp_source **ret, const struct tp_opts *o, char *err, size_t errlen);

/* Waits up to timeout_ms for data, drains every ring and delivers, in time
 * order, the events older than now - reorder_ns.  Returns the number of
 * events delivered, or a negative errno (-EINTR when poll() was interrupted,
 * or the sink's error).  Malformed samples are counted, not delivered. */
int tp_poll(struct tp_source *s, int timeout_ms, event_sink_fn sink, void *arg);

/* Delivers every held-back event (at the end). */
int tp_flush(struct tp_source *s, event_sink_fn sink, void *arg);

uint64_t tp_lost(const struct tp_source *s);       /* samples lost (PERF_RECORD_LOST), total */
uint64_t tp_batch_lost(const struct tp_source *s); /* ... during the last tp_poll() */
/* Times the kernel throttled the events (PERF_RECORD_THROTTLE): samples
 * were dropped until the next tick, and the kernel does not say how many. */
uint64_t tp_throttled(const struct tp_source *s);
uint64_t tp_bad(const struct tp_source *s);        /* samples that did not decode */
uint64_t tp_seen(const struct tp_source *s);       /* samples decoded */
unsigned tp_ncpu(const struct tp_source *s);
const char *tp_reader_name(const struct tp_source *s); /* "ftrace" or "perf" */
/* The tracefs directory used, and whether tp_open() mounted it. */
const char *tp_tracefs(const struct tp_source *s, bool *mounted);
void tp_close(struct tp_source *s); /* accepts NULL; leaves a mounted tracefs mounted */
