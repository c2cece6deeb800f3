// SPDX-License-Identifier: MIT
/* stub: being written */

extern int sockscope_stub_collect;
