/* SPDX-License-Identifier: MIT */
/*
 * metrics: the exposition `sockscope exporter` serves, collected afresh at
 * each call (see metrics.c for the families and their caps).
 */
#pragma once

#include <stddef.h>

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
