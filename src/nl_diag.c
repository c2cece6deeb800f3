// SPDX-License-Identifier: MIT
/* stub: being written */

extern int sockscope_stub_nl_diag;
