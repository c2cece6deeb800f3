// SPDX-License-Identifier: MIT
/*
 * webconfig_fuzzbuild: compiles the web-config parser into the libFuzzer
 * binary with the fuzzer's instrumentation (the library copy is built
 * without it).
 */
#include "../../src/export/webconfig.c"
