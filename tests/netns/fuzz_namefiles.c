// SPDX-License-Identifier: MIT
/*
 * fuzz_namefiles: arbitrary bytes through every reader of a name file or
 * name-bearing text: the JSON scanner with the key paths hostnames uses
 * (Docker config.v2.json, OCI config.json annotations), the var/log/pods and
 * var/log/containers name parsers, a mountinfo line and sockstat text.  The
 * input is copied to a buffer exactly as long, so a read past the end is
 * caught; outputs must be terminated, bounded and free of control bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostnames.h"
#include "mountinfo.h"
#include "nsenter.h"

static void clean(const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (n == max)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const k_name[] = { "Name" };
	static const char *const k_label[] = { "Config", "Labels", "io.kubernetes.pod.name" };
	static const char *const k_ann[] = { "annotations", "io.kubernetes.cri.sandbox-name" };
	char *p, out[HN_NAME_MAX], small[5], id[CG_ID_MAX + 1];
	struct hn_info h;
	struct mi_entry *e;
	struct ns_sockstat c;

	if (size > 1 << 20)
		return 0;
	p = malloc(size ? size : 1);
	e = malloc(sizeof(*e));
	if (!p || !e) {
		free(p);
		free(e);
		return 0;
	}
	memcpy(p, data, size);
	if (hn_json_get(p, size, k_name, 1, out, sizeof(out)) == 0)
		clean(out, sizeof(out));
	if (hn_json_get(p, size, k_label, 3, out, sizeof(out)) == 0)
		clean(out, sizeof(out));
	if (hn_json_get(p, size, k_ann, 2, small, sizeof(small)) == 0)
		clean(small, sizeof(small));
	if (hn_parse_pod_dir(p, size, &h) == 0) {
		clean(h.pod, sizeof(h.pod));
		clean(h.pod_ns, sizeof(h.pod_ns));
		if (strlen(h.pod_uid) != CG_UID_LEN)
			abort();
	}
	if (hn_parse_container_log(p, size, &h, id) == 0) {
		clean(h.container, sizeof(h.container));
		if (strlen(id) != CG_ID_MAX)
			abort();
	}
	if (mi_parse_line(p, size, e) == 0) {
		if (strnlen(e->root, sizeof(e->root)) == sizeof(e->root) || !e->fstype[0])
			abort();
	}
	memset(&c, 0, sizeof(c));
	(void)ns_sockstat_parse(p, size, &c);
	free(e);
	free(p);
	return 0;
}
