// SPDX-License-Identifier: MIT
/*
 * fuzz_webconfig: libFuzzer target for the web-config parser.  Every input
 * must either parse, with every bound of struct webconfig respected and a
 * priority string that fits, or fail with -EINVAL/-E2BIG and a non-empty
 * one-line message; anything else aborts.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct webconfig c;
	char err[256], prio[1024];
	int r;

	memset(err, 'x', sizeof(err));
	r = webconfig_parse((const char *)data, size, "/etc/sockscope", &c, err, sizeof(err));
	if (r == 0) {
		if (c.nusers > WEBCONFIG_MAX_USERS || c.nheaders > WEBCONFIG_MAX_HEADERS ||
		    c.nciphers > WEBCONFIG_MAX_CIPHERS || c.ncurves > WEBCONFIG_MAX_CURVES)
			abort();
		if (c.min_version < 10 || c.max_version > 13 || (c.tls && (!c.cert_file || !c.key_file)))
			abort();
		for (size_t i = 0; i < c.nusers; i++)
			if (strlen(c.users[i].hash) != 60)
				abort();
		if (c.tls && webconfig_priorities(&c, prio, sizeof(prio)) < 0)
			abort();
		webconfig_free(&c);
	} else if (r == -EINVAL || r == -E2BIG) {
		if (!memchr(err, '\0', sizeof(err)) || err[0] == '\0' || strchr(err, '\n'))
			abort();
	} else if (r != -ENOMEM) {
		abort();
	}
	return 0;
}
