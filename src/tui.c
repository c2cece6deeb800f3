// SPDX-License-Identifier: MIT
/* stub: being written */
#include <errno.h>
#include <stdio.h>
#include "tui.h"
int tui_run(const struct options *opt, char *err, size_t errlen) { (void)opt; snprintf(err, errlen, "top: not available yet"); return -ENOSYS; }
int tui_watch(const struct options *opt, struct obuf *out, char *err, size_t errlen) { (void)opt; (void)out; snprintf(err, errlen, "watch: not available yet"); return -ENOSYS; }
