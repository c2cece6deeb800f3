/* SPDX-License-Identifier: MIT */
/*
 * metrics: the exposition `sockscope exporter` serves, collected afresh at
 * each call (see metrics.c for the families and their caps).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "feed.h"

#include "filter.h"
#include "options.h"
#include "pipeline.h"

struct metrics;

/* Prepares the collection for opt (its kinds, filter, namespace).  -EINVAL
 * with ferr filled for a bad filter. */
int metrics_new(const struct options *opt, struct metrics **ret, struct filter_error *ferr);
void metrics_free(struct metrics *m);
/* Collects and writes the exposition into a new buffer (*ret_body, caller
 * frees with free()).  timeout_s: the scrape's deadline; owners are skipped
 * when they would not fit.  0 or a negative errno. */
int metrics_collect(struct metrics *m, double timeout_s, char **ret_body, size_t *ret_len);
/* Opens an event source (want: FEED_SRC_NONE for the best that works) and
 * starts its thread; from then on each collection adds the transition
 * counters.  The scope follows the options: --all-netns the host, else the
 * namespace collected (-N, or our own).  A negative errno with the reason in
 * msg when no source works; 0 with msg set when one was skipped on the way
 * (a notice for the caller to print).  The feed is closed by metrics_free(). */
int metrics_events_open(struct metrics *m, enum feed_source want, bool allow_mount, char *msg, size_t msglen);
/* "tracepoint" or "destroy" once metrics_events_open() succeeded, else NULL. */
const char *metrics_events_source(const struct metrics *m);
