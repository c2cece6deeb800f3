// SPDX-License-Identifier: MIT
/*
 * cgpath: cgroup v2 path -> {unit, runtime, container id, pod uid, QoS}
 * (see cgpath.h).  One left-to-right pass over the components with a little
 * state (under kubepods, the previous component, a container already seen);
 * every component is matched against fixed prefixes and suffixes, ids are
 * validated as lowercase hex and pod uids as 8-4-4-4-12, and nothing is
 * copied without a bound, so any byte string is safe input.
 */
#include "cgpath.h"

#include <errno.h>
#include <string.h>

#include "nsio.h"

struct comp {
	const char *s;
	size_t n;
};

static bool has_prefix(struct comp c, const char *p)
{
	size_t n = strlen(p);

	return c.n >= n && !memcmp(c.s, p, n);
}

static bool has_suffix(struct comp c, const char *p)
{
	size_t n = strlen(p);

	return c.n >= n && !memcmp(c.s + c.n - n, p, n);
}

static bool eq(struct comp c, const char *p)
{
	return c.n == strlen(p) && !memcmp(c.s, p, c.n);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* systemd unit name unescaping (\xNN); control bytes dropped; truncated to fit. */
static void unescape_unit(char *out, size_t outsz, struct comp c)
{
	size_t o = 0;

	for (size_t i = 0; i < c.n && o + 1 < outsz; i++) {
		unsigned char ch = (unsigned char)c.s[i];

		if (ch == '\\' && i + 3 < c.n && c.s[i + 1] == 'x' && hexval(c.s[i + 2]) >= 0 && hexval(c.s[i + 3]) >= 0) {
			ch = (unsigned char)(hexval(c.s[i + 2]) * 16 + hexval(c.s[i + 3]));
			i += 3;
		}
		if (ch < 0x20 || ch == 0x7f)
			continue;
		out[o++] = (char)ch;
	}
	out[o] = '\0';
}

static bool valid_id(const char *s, size_t n, size_t min)
{
	return n >= min && n <= CG_ID_MAX && nsio_is_hex(s, n);
}

/* 8-4-4-4-12 lowercase hex with '-' or '_' separators; written with dashes. */
static bool parse_uid(const char *s, size_t n, char ret[CG_UID_LEN + 1])
{
	char out[CG_UID_LEN + 1];

	if (n != CG_UID_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool sep = i == 8 || i == 13 || i == 18 || i == 23;

		if (sep) {
			if (s[i] != '-' && s[i] != '_')
				return false;
			out[i] = '-';
		} else {
			if (!nsio_is_hex(s + i, 1))
				return false;
			out[i] = s[i];
		}
	}
	out[n] = '\0';
	memcpy(ret, out, sizeof(out));
	return true;
}

static void set_container(struct cg_owner *o, enum cg_runtime rt, const char *id, size_t n, bool conmon)
{
	o->runtime = rt;
	o->conmon = conmon;
	memcpy(o->container_id, id, n);
	o->container_id[n] = '\0';
	o->name[0] = '\0';
}

static void set_name(struct cg_owner *o, enum cg_runtime rt, struct comp c, bool monitor)
{
	o->runtime = rt;
	o->conmon = monitor;
	o->container_id[0] = '\0';
	nsio_copy_clean(o->name, sizeof(o->name), c.s, c.n, NULL);
}

/* <prefix><id>.scope container scopes. */
static const struct {
	const char *prefix;
	enum cg_runtime rt;
	bool conmon;
} scopes[] = {
	{ "docker-", CG_RT_DOCKER, false },
	{ "cri-containerd-", CG_RT_CONTAINERD, false },
	{ "crio-conmon-", CG_RT_CRIO, true },
	{ "crio-", CG_RT_CRIO, false },
	{ "libpod-conmon-", CG_RT_PODMAN, true },
	{ "libpod-", CG_RT_PODMAN, false },
};

static bool match_scope(struct cg_owner *o, struct comp c)
{
	if (!has_suffix(c, ".scope"))
		return false;
	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		size_t pl = strlen(scopes[i].prefix);

		if (!has_prefix(c, scopes[i].prefix))
			continue;
		if (!valid_id(c.s + pl, c.n - pl - 6, 12))
			return false;
		set_container(o, scopes[i].rt, c.s + pl, c.n - pl - 6, scopes[i].conmon);
		return true;
	}
	return false;
}

/* kubepods-<qos>.slice, kubepods-[<qos>-]pod<uid>.slice (systemd driver),
 * <qos>, pod<uid> (cgroupfs driver). */
static bool match_kube(struct cg_owner *o, struct comp c, struct comp prev)
{
	struct comp rest;

	if (eq(c, "kubepods") || eq(c, "kubepods.slice")) {
		o->kube = true;
		return true;
	}
	if (!o->kube)
		return false;
	if (has_prefix(c, "kubepods-") && has_suffix(c, ".slice")) {
		rest = (struct comp){ c.s + 9, c.n - 9 - 6 };
		if (has_prefix(rest, "burstable")) {
			o->qos = CG_QOS_BURSTABLE;
			rest.s += 9, rest.n -= 9;
		} else if (has_prefix(rest, "besteffort")) {
			o->qos = CG_QOS_BESTEFFORT;
			rest.s += 10, rest.n -= 10;
		}
		if (rest.n == 0)
			return true;
		if (has_prefix(rest, "-"))
			rest.s++, rest.n--;
		if (has_prefix(rest, "pod") && parse_uid(rest.s + 3, rest.n - 3, o->pod_uid)) {
			if (o->qos == CG_QOS_NONE)
				o->qos = CG_QOS_GUARANTEED;
			return true;
		}
		return false;
	}
	if (eq(prev, "kubepods") && eq(c, "burstable")) {
		o->qos = CG_QOS_BURSTABLE;
		return true;
	}
	if (eq(prev, "kubepods") && eq(c, "besteffort")) {
		o->qos = CG_QOS_BESTEFFORT;
		return true;
	}
	if (has_prefix(c, "pod") && parse_uid(c.s + 3, c.n - 3, o->pod_uid)) {
		if (o->qos == CG_QOS_NONE)
			o->qos = CG_QOS_GUARANTEED;
		return true;
	}
	return false;
}

/* "kubepods-...-pod<uid>.slice:cri-containerd:<id>" (containerd with the
 * systemd driver, under containerd.service). */
static bool match_colon(struct cg_owner *o, struct comp c)
{
	const char *c1 = memchr(c.s, ':', c.n), *c2;
	struct comp slice, kind, id;

	if (!c1)
		return false;
	c2 = memchr(c1 + 1, ':', c.n - (size_t)(c1 + 1 - c.s));
	if (!c2)
		return false;
	slice = (struct comp){ c.s, (size_t)(c1 - c.s) };
	kind = (struct comp){ c1 + 1, (size_t)(c2 - c1 - 1) };
	id = (struct comp){ c2 + 1, c.n - (size_t)(c2 + 1 - c.s) };
	if (!valid_id(id.s, id.n, 12))
		return false;
	if (eq(kind, "cri-containerd"))
		set_container(o, CG_RT_CONTAINERD, id.s, id.n, false);
	else if (eq(kind, "crio"))
		set_container(o, CG_RT_CRIO, id.s, id.n, false);
	else if (eq(kind, "docker"))
		set_container(o, CG_RT_DOCKER, id.s, id.n, false);
	else
		return false;
	if (has_prefix(slice, "kubepods")) {
		o->kube = true;
		(void)match_kube(o, slice, (struct comp){ "", 0 });
	}
	return true;
}

static bool is_unit(struct comp c)
{
	static const char *const suffixes[] = { ".service", ".scope", ".socket", ".mount", ".swap" };

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (has_suffix(c, suffixes[i]) && c.n > strlen(suffixes[i]))
			return true;
	return false;
}

int cgpath_parse(const char *path, size_t len, struct cg_owner *out)
{
	struct comp prev = { "", 0 }, pprev = { "", 0 };
	bool in_container = false;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	if (!path || len == 0)
		return -EINVAL;
	if (len > CG_PATH_MAX)
		return -ENAMETOOLONG;
	if (memchr(path, '\0', len))
		return -EINVAL;
	while (i < len) {
		struct comp c;
		size_t j = i;

		while (j < len && path[j] != '/')
			j++;
		c = (struct comp){ path + i, j - i };
		i = j + 1;
		if (c.n == 0)
			continue;
		if (eq(c, ".") || eq(c, "..")) {
			memset(out, 0, sizeof(*out));
			return -EINVAL;
		}

		if (match_colon(out, c) || match_scope(out, c)) {
			in_container = true;
		} else if (match_kube(out, c, prev)) {
			/* kubepods, QoS and pod levels */
		} else if (eq(prev, "docker") && valid_id(c.s, c.n, 64)) {
			set_container(out, CG_RT_DOCKER, c.s, c.n, false);
			in_container = true;
		} else if (out->kube && out->pod_uid[0] && valid_id(c.s, c.n, 64)) {
			set_container(out, CG_RT_CRI, c.s, c.n, false);
			in_container = true;
		} else if (out->kube && out->pod_uid[0] && has_prefix(c, "crio-") && valid_id(c.s + 5, c.n - 5, 12)) {
			set_container(out, CG_RT_CRIO, c.s + 5, c.n - 5, false);
			in_container = true;
		} else if (has_prefix(c, "lxc.payload.") && c.n > 12) {
			set_name(out, CG_RT_LXC, (struct comp){ c.s + 12, c.n - 12 }, false);
			in_container = true;
		} else if (has_prefix(c, "lxc.monitor.") && c.n > 12) {
			set_name(out, CG_RT_LXC, (struct comp){ c.s + 12, c.n - 12 }, true);
			in_container = true;
		} else if (!in_container && (eq(prev, "lxc.payload") || (eq(prev, "lxc") && pprev.n == 0))) {
			set_name(out, CG_RT_LXC, c, false);
			in_container = true;
		} else if (!in_container && is_unit(c)) {
			unescape_unit(out->unit, sizeof(out->unit), c);
			if (has_prefix(c, "user@") && has_suffix(c, ".service")) {
				unsigned long uid = 0;
				size_t k = 5;

				for (; k < c.n - 8 && c.s[k] >= '0' && c.s[k] <= '9' && uid <= 0xffffffffUL; k++)
					uid = uid * 10 + (unsigned long)(c.s[k] - '0');
				if (k == c.n - 8 && k > 5 && uid <= 0xffffffffUL) {
					out->user = true;
					out->user_uid = (unsigned)uid;
				}
			}
		}
		pprev = prev;
		prev = c;
	}
	return 0;
}

const char *cg_runtime_name(enum cg_runtime rt)
{
	switch (rt) {
	case CG_RT_DOCKER:
		return "docker";
	case CG_RT_CONTAINERD:
		return "containerd";
	case CG_RT_CRIO:
		return "crio";
	case CG_RT_PODMAN:
		return "podman";
	case CG_RT_LXC:
		return "lxc";
	case CG_RT_CRI:
		return "cri";
	case CG_RT_NONE:
		break;
	}
	return "";
}

const char *cg_qos_name(enum cg_qos q)
{
	switch (q) {
	case CG_QOS_GUARANTEED:
		return "guaranteed";
	case CG_QOS_BURSTABLE:
		return "burstable";
	case CG_QOS_BESTEFFORT:
		return "besteffort";
	case CG_QOS_NONE:
		break;
	}
	return "";
}
