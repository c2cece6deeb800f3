// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
static void t_stub(void **s) { (void)s; assert_true(1); }
int main(void) { const struct CMUnitTest t[] = { cmocka_unit_test(t_stub) }; return cmocka_run_group_tests(t, NULL, NULL); }
