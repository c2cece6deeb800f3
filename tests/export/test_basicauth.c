// SPDX-License-Identifier: MIT
/*
 * Unit tests for basicauth: right and wrong passwords, unknown users (a
 * bcrypt run against the decoy, never a match), the cache (a repeated
 * check runs no bcrypt), eviction at the cache size, and no credentials.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basicauth.h"
#include "webconfig.h"

static char *make_hash(const char *pw)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	char *h;

	assert_non_null(cd);
	assert_non_null(crypt_gensalt_rn("$2b$", 4, NULL, 0, salt, sizeof(salt)));
	h = strdup(crypt_rn(pw, salt, cd, sizeof(*cd)));
	free(cd);
	assert_non_null(h);
	return h;
}

static void t_check(void **state)
{
	struct basicauth a;
	struct webconfig c;
	char y[512], err[256];
	char *h1 = make_hash("s3cret"), *h2 = make_hash("hunter2");
	unsigned long runs;

	snprintf(y, sizeof(y), "basic_auth_users:\n  alice: %s\n  bob: %s\n", h1, h2);
	assert_int_equal(webconfig_parse(y, strlen(y), NULL, &c, err, sizeof(err)), 0);
	assert_int_equal(basicauth_init(&a), 0);

	assert_int_equal(basicauth_check(&a, &c, "alice", "s3cret"), 1);
	assert_int_equal(basicauth_check(&a, &c, "bob", "hunter2"), 1);
	assert_int_equal(basicauth_check(&a, &c, "alice", "hunter2"), 0);
	assert_int_equal(basicauth_check(&a, &c, "alice", ""), 0);
	assert_int_equal(basicauth_check(&a, &c, "mallory", "s3cret"), 0); /* the decoy's own password */
	assert_int_equal(a.bcrypt_runs, 5);                                 /* the unknown user paid too */
	assert_int_equal(basicauth_check(&a, &c, NULL, NULL), 0);
	assert_int_equal(basicauth_check(&a, &c, "alice", NULL), 0);
	assert_int_equal(a.bcrypt_runs, 5);

	/* cached: good and bad answers alike */
	runs = a.bcrypt_runs;
	for (int i = 0; i < 50; i++) {
		assert_int_equal(basicauth_check(&a, &c, "alice", "s3cret"), 1);
		assert_int_equal(basicauth_check(&a, &c, "alice", "hunter2"), 0);
		assert_int_equal(basicauth_check(&a, &c, "mallory", "s3cret"), 0);
	}
	assert_int_equal(a.bcrypt_runs, runs);

	/* fill the cache with other attempts: alice's entry is evicted, then paid again */
	for (int i = 0; i < BASICAUTH_CACHE_SIZE; i++) {
		char pw[32];

		snprintf(pw, sizeof(pw), "guess%d", i);
		assert_int_equal(basicauth_check(&a, &c, "bob", pw), 0);
	}
	runs = a.bcrypt_runs;
	assert_int_equal(basicauth_check(&a, &c, "alice", "s3cret"), 1);
	assert_int_equal(a.bcrypt_runs, runs + 1);

	basicauth_destroy(&a);
	webconfig_free(&c);
	free(h1);
	free(h2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
