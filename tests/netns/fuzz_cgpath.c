// SPDX-License-Identifier: MIT
/*
 * fuzz_cgpath: arbitrary bytes as a cgroup path (cgpath_parse()) and as
 * /proc/PID/cgroup contents (cg_parse_proc_cgroup(), whose path is parsed
 * again), then the where label.  Promises checked: every output string is
 * terminated and free of control bytes, ids are lowercase hex of 12..64
 * digits, pod uids 36 characters; a broken promise aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgpath.h"
#include "cgroup.h"
#include "hostnames.h"

static void clean(const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (n == max)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

static void check(const char *p, size_t len)
{
	struct cg_owner o;
	char w[96];
	size_t n;

	if (cgpath_parse(p, len, &o) < 0) {
		if (o.runtime != CG_RT_NONE || o.container_id[0] || o.unit[0])
			abort();
		return;
	}
	clean(o.unit, sizeof(o.unit));
	clean(o.name, sizeof(o.name));
	clean(o.container_id, sizeof(o.container_id));
	n = strlen(o.container_id);
	if (n && (n < 12 || n > 64 || strspn(o.container_id, "0123456789abcdef") != n))
		abort();
	if (o.pod_uid[0] && strlen(o.pod_uid) != CG_UID_LEN)
		abort();
	if (o.container_id[0] && o.runtime == CG_RT_NONE)
		abort();
	(void)where_label(&(struct where_in){ &o, NULL, o.name, 7, false }, w, sizeof(w));
	clean(w, sizeof(w));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, out[CG_PATH_MAX + 1];

	if (size > 1 << 16)
		return 0;
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	check(copy, size);
	if (cg_parse_proc_cgroup(copy, size, out, sizeof(out)) >= 0) {
		clean(out, sizeof(out));
		check(out, strlen(out));
	}
	free(copy);
	return 0;
}
