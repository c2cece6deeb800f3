/* SPDX-License-Identifier: MIT */
/*
 * tui: `sockscope top`, the live dashboard (placeholder header; the TUI
 * helper provides the implementation).
 */
#pragma once

#include <stddef.h>

#include "obuf.h"
#include "options.h"

int tui_run(const struct options *opt, char *err, size_t errlen);
int tui_watch(const struct options *opt, struct obuf *out, char *err, size_t errlen);
