// SPDX-License-Identifier: MIT
/*
 * mountinfo: /proc/PID/mountinfo line parser and bounded reader (see
 * mountinfo.h).  Format: "ID PARENT MAJ:MIN ROOT TARGET OPTS [OPT...] - TYPE
 * SOURCE SUPEROPTS".  Paths carry \ooo escapes for space, tab, newline and
 * backslash; a decoded NUL is refused.
 */
#include "mountinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "nsio.h"

struct fld {
	const char *s;
	size_t n;
};

static int unescape(char *out, size_t outsz, struct fld f)
{
	size_t o = 0;

	for (size_t i = 0; i < f.n; i++) {
		unsigned char c = (unsigned char)f.s[i];

		if (c == '\\' && i + 3 < f.n && f.s[i + 1] >= '0' && f.s[i + 1] <= '3' && f.s[i + 2] >= '0' && f.s[i + 2] <= '7' &&
		    f.s[i + 3] >= '0' && f.s[i + 3] <= '7') {
			c = (unsigned char)((f.s[i + 1] - '0') * 64 + (f.s[i + 2] - '0') * 8 + (f.s[i + 3] - '0'));
			i += 3;
			if (c == 0)
				return -EINVAL;
		}
		if (o + 1 >= outsz)
			return -EINVAL;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

static int parse_uint(struct fld f, unsigned *ret)
{
	unsigned long v = 0;

	if (f.n == 0 || f.n > 10)
		return -EINVAL;
	for (size_t i = 0; i < f.n; i++) {
		if (f.s[i] < '0' || f.s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(f.s[i] - '0');
	}
	if (v > 0xffffffffUL)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

int mi_parse_line(const char *line, size_t len, struct mi_entry *out)
{
	struct fld f[64];
	size_t nf = 0, i = 0, sep = 0;
	const char *colon;

	memset(out, 0, sizeof(*out));
	while (i < len && nf < sizeof(f) / sizeof(f[0])) {
		size_t j = i;

		while (j < len && line[j] != ' ')
			j++;
		f[nf++] = (struct fld){ line + i, j - i };
		i = j + 1;
	}
	if (i < len)
		return -EINVAL; /* more fields than any real line has */
	for (size_t k = 6; k < nf; k++)
		if (f[k].n == 1 && f[k].s[0] == '-') {
			sep = k;
			break;
		}
	if (nf < 7 || sep == 0 || sep + 1 >= nf)
		return -EINVAL;
	colon = memchr(f[2].s, ':', f[2].n);
	if (!colon || parse_uint((struct fld){ f[2].s, (size_t)(colon - f[2].s) }, &out->major) < 0 ||
	    parse_uint((struct fld){ colon + 1, f[2].n - (size_t)(colon + 1 - f[2].s) }, &out->minor) < 0)
		goto bad;
	if (unescape(out->root, sizeof(out->root), f[3]) < 0 || unescape(out->target, sizeof(out->target), f[4]) < 0 ||
	    f[sep + 1].n == 0 || f[sep + 1].n >= sizeof(out->fstype))
		goto bad;
	memcpy(out->fstype, f[sep + 1].s, f[sep + 1].n);
	out->fstype[f[sep + 1].n] = '\0';
	if (memchr(out->fstype, '\0', f[sep + 1].n))
		goto bad;
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

int mi_foreach(const char *path, int (*fn)(const struct mi_entry *e, void *arg), void *arg)
{
	struct mi_entry *e;
	size_t len, start = 0;
	char *buf;
	int r;

	r = nsio_read_file(AT_FDCWD, path, MI_FILE_MAX, 0, &buf, &len);
	if (r < 0)
		return r;
	e = malloc(sizeof(*e));
	if (!e) {
		free(buf);
		return -ENOMEM;
	}
	r = 0;
	while (start < len && r == 0) {
		const char *nl = memchr(buf + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - buf) : len;

		if (mi_parse_line(buf + start, end - start, e) == 0)
			r = fn(e, arg);
		start = end + 1;
	}
	free(e);
	free(buf);
	return r;
}
