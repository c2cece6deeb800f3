// SPDX-License-Identifier: MIT
/*
 * fuzz_args: the small parsers of the command line — --columns lists,
 * --sort keys, check thresholds and state names — fed arbitrary strings.
 * Each must either succeed with results inside its bounds or fail with
 * -EINVAL and a NUL-terminated message; anything else aborts.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "columns.h"
#include "diagnose.h"
#include "sort.h"
#include "states.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_msg(const char *err, size_t len)
{
	if (!memchr(err, '\0', len) || !err[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct column *cols[8];
	struct sort_key keys[SORT_KEYS_MAX];
	struct diag_ctx d;
	char err[256];
	char *s = malloc(size + 1);
	int r;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	memset(err, 'x', sizeof(err));
	r = columns_parse(s, cols, 8, err, sizeof(err));
	if (r > 8 || (r <= 0 && r != -EINVAL))
		abort();
	if (r < 0)
		check_msg(err, sizeof(err));
	for (int i = 0; i < r; i++)
		if (!cols[i] || column_find(cols[i]->name) != cols[i])
			abort();

	memset(err, 'x', sizeof(err));
	r = sort_parse(s, keys, SORT_KEYS_MAX, err, sizeof(err));
	if (r > SORT_KEYS_MAX || (r <= 0 && r != -EINVAL))
		abort();
	if (r < 0)
		check_msg(err, sizeof(err));
	for (int i = 0; i < r; i++)
		if (!keys[i].col || (keys[i].dir != 1 && keys[i].dir != -1))
			abort();

	diag_init(&d);
	memset(err, 'x', sizeof(err));
	r = diag_set_threshold(&d, s, err, sizeof(err));
	if (r != 0 && r != -EINVAL)
		abort();
	if (r < 0)
		check_msg(err, sizeof(err));
	for (int i = 0; i < RULE_MAX; i++)
		if (!(d.th[i].warn <= d.th[i].crit))
			abort();
	diag_free(&d);

	r = state_from_name(s);
	if (r != -EINVAL && (r < 1 || r >= SK_STATE_MAX))
		abort();
	r = side_from_name(s);
	if (r != -EINVAL && (r < 0 || r >= SIDE_MAX))
		abort();
	r = role_from_name(s);
	if (r != -EINVAL && (r < 0 || r >= ROLE_MAX))
		abort();
	free(s);
	return 0;
}
