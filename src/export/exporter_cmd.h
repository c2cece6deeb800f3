/* SPDX-License-Identifier: MIT */
/*
 * exporter_cmd: `sockscope exporter`, until SIGINT or SIGTERM.  Returns the
 * exit status: 0, 1 (cannot listen, cannot read sockets), 2 (bad options,
 * web config or filter).
 */
#pragma once

#include "options.h"

int exporter_run(const struct options *opt);
