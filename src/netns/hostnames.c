// SPDX-License-Identifier: MIT
/*
 * hostnames: names of containers and pods from files under a host root
 * (see hostnames.h).  The JSON scanner walks objects along a key path and
 * skips every other value without building anything, with a depth bound;
 * the log directories are read once per context into two small arrays.
 */
#include "hostnames.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nsio.h"

#define JSON_DEPTH_MAX 64
#define JSON_KEY_MAX 256

/* ---- JSON ---------------------------------------------------------------- */

struct jp {
	const char *p, *end;
};

static void j_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int j_hex4(const char *p, const char *end, unsigned *ret)
{
	unsigned v = 0;

	if (end - p < 4)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	*ret = v;
	return 0;
}

/* Appends byte b to out if it fits (keeping one byte for the NUL). */
static void put(char *out, size_t outsz, size_t *o, unsigned char b)
{
	if (out && *o + 1 < outsz)
		out[(*o)++] = (char)b;
}

static void put_utf8(char *out, size_t outsz, size_t *o, unsigned cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (out && *o + n < outsz) { /* never a partial sequence */
		memcpy(out + *o, b, n);
		*o += n;
	}
}

/* A string at j->p (which is '"'); decoded into out (NULL: skipped). */
static int j_string(struct jp *j, char *out, size_t outsz)
{
	size_t o = 0;

	if (j->p >= j->end || *j->p != '"')
		return -EINVAL;
	j->p++;
	while (j->p < j->end) {
		unsigned char c = (unsigned char)*j->p++;
		unsigned cp, lo;

		if (c == '"') {
			if (out && outsz)
				out[o] = '\0';
			return 0;
		}
		if (c < 0x20)
			return -EINVAL;
		if (c != '\\') {
			put(out, outsz, &o, c);
			continue;
		}
		if (j->p >= j->end)
			return -EINVAL;
		c = (unsigned char)*j->p++;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			put(out, outsz, &o, c);
			break;
		case 'b':
		case 'f':
		case 'n':
		case 'r':
		case 't':
			break; /* control characters: dropped */
		case 'u':
			if (j_hex4(j->p, j->end, &cp) < 0)
				return -EINVAL;
			j->p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u' &&
			    j_hex4(j->p + 2, j->end, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
				j->p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xd800 && cp < 0xe000) {
				cp = 0xfffd;
			}
			if (cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0))
				put_utf8(out, outsz, &o, cp);
			break;
		default:
			return -EINVAL;
		}
	}
	return -EINVAL;
}

static int j_skip(struct jp *j, int depth);

static int j_skip_container(struct jp *j, int depth, char close, bool object)
{
	j->p++;
	j_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return 0;
	}
	for (;;) {
		int r;

		j_ws(j);
		if (object) {
			if ((r = j_string(j, NULL, 0)) < 0)
				return r;
			j_ws(j);
			if (j->p >= j->end || *j->p != ':')
				return -EINVAL;
			j->p++;
		}
		if ((r = j_skip(j, depth + 1)) < 0)
			return r;
		j_ws(j);
		if (j->p >= j->end)
			return -EINVAL;
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		if (*j->p == close) {
			j->p++;
			return 0;
		}
		return -EINVAL;
	}
}

static int j_skip(struct jp *j, int depth)
{
	const char *start;

	if (depth > JSON_DEPTH_MAX)
		return -ELOOP;
	j_ws(j);
	if (j->p >= j->end)
		return -EINVAL;
	switch (*j->p) {
	case '"':
		return j_string(j, NULL, 0);
	case '{':
		return j_skip_container(j, depth, '}', true);
	case '[':
		return j_skip_container(j, depth, ']', false);
	default:
		start = j->p;
		while (j->p < j->end && (strchr("+-.eE", *j->p) || (*j->p >= '0' && *j->p <= '9') ||
					 (*j->p >= 'a' && *j->p <= 'z')) && *j->p)
			j->p++;
		return j->p > start ? 0 : -EINVAL;
	}
}

/* At an object: look for keys[0]; descend. */
static int j_find(struct jp *j, const char *const *keys, size_t nkeys, int depth, char *out, size_t outsz)
{
	if (depth > JSON_DEPTH_MAX)
		return -ELOOP;
	j_ws(j);
	if (j->p >= j->end || *j->p != '{')
		return -ENOENT;
	j->p++;
	j_ws(j);
	if (j->p < j->end && *j->p == '}')
		return -ENOENT;
	for (;;) {
		char key[JSON_KEY_MAX];
		const char *kstart;
		int r;

		j_ws(j);
		kstart = j->p;
		if ((r = j_string(j, key, sizeof(key))) < 0)
			return r;
		/* a key that filled the buffer may be longer: never a match */
		bool match = (size_t)(j->p - kstart) <= sizeof(key) && !strcmp(key, keys[0]);

		j_ws(j);
		if (j->p >= j->end || *j->p != ':')
			return -EINVAL;
		j->p++;
		j_ws(j);
		if (match) {
			if (nkeys == 1) {
				if (j->p < j->end && *j->p == '"')
					return j_string(j, out, outsz);
				return -ENOENT;
			}
			if (j->p < j->end && *j->p == '{')
				return j_find(j, keys + 1, nkeys - 1, depth + 1, out, outsz);
			return -ENOENT;
		}
		if ((r = j_skip(j, depth + 1)) < 0)
			return r;
		j_ws(j);
		if (j->p >= j->end)
			return -EINVAL;
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		if (*j->p == '}')
			return -ENOENT;
		return -EINVAL;
	}
}

int hn_json_get(const char *buf, size_t len, const char *const *keys, size_t nkeys, char *out, size_t outsz)
{
	char tmp[HN_NAME_MAX * 4];
	struct jp j;
	int r;

	if (!buf || !keys || nkeys == 0 || !out || outsz == 0)
		return -EINVAL;
	j = (struct jp){ buf, buf + len };
	r = j_find(&j, keys, nkeys, 0, tmp, sizeof(tmp));
	if (r < 0)
		return r;
	nsio_copy_clean(out, outsz, tmp, strlen(tmp), NULL);
	return 0;
}

/* ---- log directory names --------------------------------------------------- */

/* A DNS-ish name part: non-empty, no '_' or '/', no control bytes. */
static bool copy_part(char *out, size_t outsz, const char *s, size_t n)
{
	if (n == 0 || n >= outsz || memchr(s, '_', n) || memchr(s, '/', n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

static bool valid_uid(const char *s, size_t n)
{
	if (n != CG_UID_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!nsio_is_hex(s + i, 1)) {
			return false;
		}
	}
	return true;
}

int hn_parse_pod_dir(const char *name, size_t len, struct hn_info *out)
{
	const char *us;

	memset(out, 0, sizeof(*out));
	if (len < CG_UID_LEN + 4 || name[len - CG_UID_LEN - 1] != '_' || !valid_uid(name + len - CG_UID_LEN, CG_UID_LEN))
		return -EINVAL;
	us = memchr(name, '_', len);
	if (!us || (size_t)(us - name) >= len - CG_UID_LEN - 1)
		return -EINVAL;
	if (!copy_part(out->pod_ns, sizeof(out->pod_ns), name, (size_t)(us - name)) ||
	    !copy_part(out->pod, sizeof(out->pod), us + 1, len - CG_UID_LEN - 1 - (size_t)(us + 1 - name))) {
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	memcpy(out->pod_uid, name + len - CG_UID_LEN, CG_UID_LEN);
	out->pod_uid[CG_UID_LEN] = '\0';
	return 0;
}

int hn_parse_container_log(const char *name, size_t len, struct hn_info *out, char id[CG_ID_MAX + 1])
{
	const char *u1, *u2;
	size_t base;

	memset(out, 0, sizeof(*out));
	id[0] = '\0';
	if (len < 4 + 1 + CG_ID_MAX + 5 || memcmp(name + len - 4, ".log", 4))
		return -EINVAL;
	base = len - 4 - CG_ID_MAX; /* where the id starts */
	if (name[base - 1] != '-' || !nsio_is_hex(name + base, CG_ID_MAX))
		return -EINVAL;
	u1 = memchr(name, '_', base - 1);
	u2 = u1 ? memchr(u1 + 1, '_', base - 1 - (size_t)(u1 + 1 - name)) : NULL;
	if (!u1 || !u2 ||
	    !copy_part(out->pod, sizeof(out->pod), name, (size_t)(u1 - name)) ||
	    !copy_part(out->pod_ns, sizeof(out->pod_ns), u1 + 1, (size_t)(u2 - u1 - 1)) ||
	    !copy_part(out->container, sizeof(out->container), u2 + 1, base - 1 - (size_t)(u2 + 1 - name))) {
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	memcpy(id, name + base, CG_ID_MAX);
	id[CG_ID_MAX] = '\0';
	return 0;
}

/* ---- context ------------------------------------------------------------- */

struct hn_log_ctr {
	char id[CG_ID_MAX + 1];
	struct hn_info info;
};

struct hn_ctx {
	char *root; /* without a trailing '/', "" for "/" */
	bool pods_read, ctrs_read;
	struct hn_info *pods;
	size_t npods, cappods;
	struct hn_log_ctr *ctrs;
	size_t nctrs, capctrs;
};

int hn_ctx_new(const char *host_root, struct hn_ctx **ret)
{
	struct hn_ctx *c = calloc(1, sizeof(*c));
	size_t n;

	if (!c)
		return -ENOMEM;
	c->root = strdup(host_root ? host_root : "");
	if (!c->root) {
		free(c);
		return -ENOMEM;
	}
	n = strlen(c->root);
	while (n > 0 && c->root[n - 1] == '/')
		c->root[--n] = '\0';
	*ret = c;
	return 0;
}

void hn_ctx_free(struct hn_ctx *c)
{
	if (!c)
		return;
	free(c->root);
	free(c->pods);
	free(c->ctrs);
	free(c);
}

/* Calls fn(name, len, arg) for at most HN_DIR_MAX entries of root/dir. */
static int read_dir_names(const struct hn_ctx *c, const char *dir, int (*fn)(const char *, size_t, void *), void *arg)
{
	char path[4096];
	struct dirent *de;
	size_t seen = 0;
	DIR *d;
	int r;

	if ((r = nsio_path(path, sizeof(path), "%s/%s", c->root, dir)) < 0)
		return r;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && seen++ < HN_DIR_MAX) {
		if (de->d_name[0] == '.')
			continue;
		r = fn(de->d_name, strlen(de->d_name), arg);
		if (r < 0) {
			closedir(d);
			return r;
		}
	}
	closedir(d);
	return 0;
}

static int add_pod(const char *name, size_t len, void *arg)
{
	struct hn_ctx *c = arg;
	struct hn_info info, *np;

	if (hn_parse_pod_dir(name, len, &info) < 0)
		return 0;
	if (c->npods == c->cappods) {
		size_t cap = c->cappods ? c->cappods * 2 : 16;

		np = realloc(c->pods, cap * sizeof(*np));
		if (!np)
			return -ENOMEM;
		c->pods = np;
		c->cappods = cap;
	}
	c->pods[c->npods++] = info;
	return 0;
}

static int add_ctr(const char *name, size_t len, void *arg)
{
	struct hn_ctx *c = arg;
	struct hn_log_ctr e, *np;

	if (hn_parse_container_log(name, len, &e.info, e.id) < 0)
		return 0;
	if (c->nctrs == c->capctrs) {
		size_t cap = c->capctrs ? c->capctrs * 2 : 16;

		np = realloc(c->ctrs, cap * sizeof(*np));
		if (!np)
			return -ENOMEM;
		c->ctrs = np;
		c->capctrs = cap;
	}
	c->ctrs[c->nctrs++] = e;
	return 0;
}

static void fill(char *dst, size_t n, const char *src)
{
	if (!dst[0] && src[0])
		nsio_copy_clean(dst, n, src, strlen(src), NULL);
}

static void merge(struct hn_info *out, const struct hn_info *in)
{
	fill(out->container, sizeof(out->container), in->container);
	fill(out->pod, sizeof(out->pod), in->pod);
	fill(out->pod_ns, sizeof(out->pod_ns), in->pod_ns);
	fill(out->pod_uid, sizeof(out->pod_uid), in->pod_uid);
}

static int read_json(const struct hn_ctx *c, const char *rel, char **ret_buf, size_t *ret_len)
{
	char path[4096];
	int r;

	if ((r = nsio_path(path, sizeof(path), "%s/%s", c->root, rel)) < 0)
		return r;
	return nsio_read_file(AT_FDCWD, path, HN_JSON_MAX, NSIO_NOFOLLOW, ret_buf, ret_len);
}

static void json_field(const char *buf, size_t len, const char *k1, const char *k2, const char *k3, char *out,
		       size_t outsz)
{
	const char *keys[3] = { k1, k2, k3 };
	size_t n = k3 ? 3 : 2;

	if (!out[0])
		(void)hn_json_get(buf, len, keys, n, out, outsz);
}

static int docker_names(const struct hn_ctx *c, const char *id, struct hn_info *out)
{
	static const char *const name_key[] = { "Name" };
	char rel[256], name[HN_NAME_MAX];
	size_t len;
	char *buf;
	int r;

	if ((r = nsio_path(rel, sizeof(rel), "var/lib/docker/containers/%s/config.v2.json", id)) < 0)
		return r;
	if ((r = read_json(c, rel, &buf, &len)) < 0)
		return r;
	if (hn_json_get(buf, len, name_key, 1, name, sizeof(name)) == 0)
		fill(out->container, sizeof(out->container), name[0] == '/' ? name + 1 : name);
	/* cri-dockerd labels its containers like the CRI annotations */
	json_field(buf, len, "Config", "Labels", "io.kubernetes.pod.name", out->pod, sizeof(out->pod));
	json_field(buf, len, "Config", "Labels", "io.kubernetes.pod.namespace", out->pod_ns, sizeof(out->pod_ns));
	json_field(buf, len, "Config", "Labels", "io.kubernetes.pod.uid", out->pod_uid, sizeof(out->pod_uid));
	free(buf);
	return 0;
}

static int oci_names(const struct hn_ctx *c, const char *rel, struct hn_info *out)
{
	size_t len;
	char *buf;
	int r;

	if ((r = read_json(c, rel, &buf, &len)) < 0)
		return r;
	json_field(buf, len, "annotations", "io.kubernetes.cri.sandbox-name", NULL, out->pod, sizeof(out->pod));
	json_field(buf, len, "annotations", "io.kubernetes.pod.name", NULL, out->pod, sizeof(out->pod));
	json_field(buf, len, "annotations", "io.kubernetes.cri.sandbox-namespace", NULL, out->pod_ns,
		   sizeof(out->pod_ns));
	json_field(buf, len, "annotations", "io.kubernetes.pod.namespace", NULL, out->pod_ns, sizeof(out->pod_ns));
	json_field(buf, len, "annotations", "io.kubernetes.cri.container-name", NULL, out->container,
		   sizeof(out->container));
	json_field(buf, len, "annotations", "io.kubernetes.container.name", NULL, out->container,
		   sizeof(out->container));
	json_field(buf, len, "annotations", "io.kubernetes.cri.sandbox-uid", NULL, out->pod_uid, sizeof(out->pod_uid));
	json_field(buf, len, "annotations", "io.kubernetes.pod.uid", NULL, out->pod_uid, sizeof(out->pod_uid));
	free(buf);
	return 0;
}

int hn_resolve(struct hn_ctx *c, const struct cg_owner *o, struct hn_info *out)
{
	const char *id = o->container_id;
	char rel[256];
	int r;

	memset(out, 0, sizeof(*out));
	if (id[0] && !nsio_is_hex(id, strlen(id)))
		return -EINVAL;
	if (id[0] && o->runtime == CG_RT_DOCKER)
		(void)docker_names(c, id, out);
	if (id[0] && o->runtime != CG_RT_DOCKER && o->runtime != CG_RT_LXC) {
		if (nsio_path(rel, sizeof(rel), "run/containerd/io.containerd.runtime.v2.task/k8s.io/%s/config.json",
			      id) == 0)
			(void)oci_names(c, rel, out);
		if (nsio_path(rel, sizeof(rel), "run/containers/storage/overlay-containers/%s/userdata/config.json",
			      id) == 0)
			(void)oci_names(c, rel, out);
	}
	if (id[0] && strlen(id) == CG_ID_MAX && (o->kube || o->runtime != CG_RT_NONE)) {
		if (!c->ctrs_read) {
			c->ctrs_read = true;
			r = read_dir_names(c, "var/log/containers", add_ctr, c);
			if (r == -ENOMEM)
				return r;
		}
		for (size_t i = 0; i < c->nctrs; i++)
			if (!strcmp(c->ctrs[i].id, id))
				merge(out, &c->ctrs[i].info);
	}
	fill(out->pod_uid, sizeof(out->pod_uid), o->pod_uid);
	if (out->pod_uid[0] && (!out->pod[0] || !out->pod_ns[0])) {
		if (!c->pods_read) {
			c->pods_read = true;
			r = read_dir_names(c, "var/log/pods", add_pod, c);
			if (r == -ENOMEM)
				return r;
		}
		for (size_t i = 0; i < c->npods; i++)
			if (!strcmp(c->pods[i].pod_uid, out->pod_uid))
				merge(out, &c->pods[i]);
	}
	if (!out->container[0] && !out->pod[0] && !out->pod_ns[0])
		return -ENOENT;
	return 0;
}

/* ---- where --------------------------------------------------------------- */

static bool unit_shown(const char *u)
{
	size_t n = strlen(u);

	return (n > 8 && !strcmp(u + n - 8, ".service")) || (n > 7 && !strcmp(u + n - 7, ".socket"));
}

int where_label(const struct where_in *in, char *buf, size_t n)
{
	const struct cg_owner *o = in->owner;
	const struct hn_info *h = in->names;
	char clean[HN_NAME_MAX * 2 + 2];
	int r;

	if (!buf || n == 0)
		return -EINVAL;
	if (h && h->pod[0] && h->pod_ns[0]) {
		r = snprintf(buf, n, "pod:%s/%s", h->pod_ns, h->pod);
	} else if (o && o->runtime != CG_RT_NONE && o->runtime != CG_RT_CRI && !o->kube && h && h->container[0]) {
		r = snprintf(buf, n, "%s:%s", cg_runtime_name(o->runtime), h->container);
	} else if (o && o->runtime == CG_RT_LXC && o->name[0]) {
		r = snprintf(buf, n, "lxc:%s", o->name);
	} else if (o && o->pod_uid[0]) {
		r = snprintf(buf, n, "pod:%s", o->pod_uid);
	} else if (o && o->container_id[0]) {
		r = snprintf(buf, n, "%s:%.12s", cg_runtime_name(o->runtime), o->container_id);
	} else if (in->netns_name && in->netns_name[0]) {
		r = snprintf(buf, n, "netns:%s", in->netns_name);
	} else if (o && o->unit[0] && unit_shown(o->unit)) {
		r = snprintf(buf, n, "unit:%s", o->unit);
	} else if (in->host_netns || in->netns_ino == 0) {
		r = snprintf(buf, n, "host");
	} else {
		r = snprintf(buf, n, "netns:%llu", in->netns_ino);
	}
	if (r < 0)
		return -EINVAL;
	/* names were cleaned when read; the netns name comes from a mount path */
	nsio_copy_clean(clean, sizeof(clean), buf, strlen(buf), NULL);
	snprintf(buf, n, "%s", clean);
	return (size_t)r >= n ? -ENAMETOOLONG : 0;
}
