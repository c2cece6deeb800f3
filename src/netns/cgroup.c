// SPDX-License-Identifier: MIT
/*
 * cgroup: id -> path cache over the cgroup2 mount and /proc/PID/cgroup
 * (see cgroup.h).  The cache is an open-addressing table keyed by the 64-bit
 * id (the directory's st_ino) with the paths in one growing arena; a refresh
 * rebuilds both from a depth- and size-bounded walk (openat + fdopendir, no
 * symlinks followed, other file systems not entered).
 */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mountinfo.h"
#include "nsio.h"

struct cg_slot {
	uint64_t id; /* 0: empty (no cgroup has inode 0) */
	size_t off;  /* into arena */
};

struct cg_cache {
	char *root, *proc_root;
	size_t max_entries;
	bool no_walk, walked, refreshed; /* refreshed: this snapshot already walked on a miss */
	struct cg_slot *slots;
	size_t cap, used; /* cap: power of two */
	char *arena;
	size_t alen, acap;
	struct cg_cache_stats st;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static int grow_table(struct cg_cache *c)
{
	size_t ncap = c->cap ? c->cap * 2 : 256;
	struct cg_slot *ns = calloc(ncap, sizeof(*ns));

	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < c->cap; i++) {
		size_t h;

		if (!c->slots[i].id)
			continue;
		h = mix(c->slots[i].id) & (ncap - 1);
		while (ns[h].id)
			h = (h + 1) & (ncap - 1);
		ns[h] = c->slots[i];
	}
	free(c->slots);
	c->slots = ns;
	c->cap = ncap;
	return 0;
}

static int arena_add(struct cg_cache *c, const char *s, size_t n, size_t *ret_off)
{
	if (!c->arena || c->alen + n + 1 > c->acap) {
		size_t ncap = c->acap ? c->acap : 4096;
		char *na;

		while (ncap < c->alen + n + 1)
			ncap *= 2;
		na = realloc(c->arena, ncap);
		if (!na)
			return -ENOMEM;
		c->arena = na;
		c->acap = ncap;
	}
	memcpy(c->arena + c->alen, s, n);
	c->arena[c->alen + n] = '\0';
	*ret_off = c->alen;
	c->alen += n + 1;
	return 0;
}

static int put(struct cg_cache *c, uint64_t id, const char *path, size_t n)
{
	size_t h, off;
	int r;

	if (id == 0)
		return -EINVAL;
	if ((c->used + 1) * 2 > c->cap && (r = grow_table(c)) < 0)
		return r;
	if ((r = arena_add(c, path, n, &off)) < 0)
		return r;
	h = mix(id) & (c->cap - 1);
	while (c->slots[h].id && c->slots[h].id != id)
		h = (h + 1) & (c->cap - 1);
	if (!c->slots[h].id)
		c->used++;
	c->slots[h].id = id;
	c->slots[h].off = off;
	return 0;
}

static const char *get(const struct cg_cache *c, uint64_t id)
{
	size_t h;

	if (!c->cap || id == 0)
		return NULL;
	h = mix(id) & (c->cap - 1);
	while (c->slots[h].id) {
		if (c->slots[h].id == id)
			return c->arena + c->slots[h].off;
		h = (h + 1) & (c->cap - 1);
	}
	return NULL;
}

int cg_cache_add(struct cg_cache *c, uint64_t id, const char *path)
{
	return put(c, id, path, strlen(path));
}

struct walk {
	struct cg_cache *c;
	dev_t dev;
	size_t count;
	bool truncated;
	char path[MI_PATH_MAX];
};

/* dirfd is owned (closed here); w->path holds its path ("" for the root). */
static int walk_dir(struct walk *w, int dfd, size_t plen, int depth)
{
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (depth > CG_DEPTH_MAX) {
		w->truncated = true;
		close(dfd);
		return 0;
	}
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0; /* vanished or unreadable: skip */
	}
	while ((de = readdir(d))) {
		struct stat st;
		size_t nlen;
		int fd;

		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (w->count >= w->c->max_entries) {
			w->truncated = true;
			break;
		}
		nlen = strlen(de->d_name);
		if (plen + 1 + nlen >= sizeof(w->path)) {
			w->truncated = true;
			continue;
		}
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) < 0 || st.st_dev != w->dev) {
			close(fd);
			continue;
		}
		w->path[plen] = '/';
		memcpy(w->path + plen + 1, de->d_name, nlen + 1);
		w->count++;
		if ((r = put(w->c, (uint64_t)st.st_ino, w->path, plen + 1 + nlen)) < 0) {
			close(fd);
			break;
		}
		if ((r = walk_dir(w, fd, plen + 1 + nlen, depth + 1)) < 0)
			break;
		w->path[plen] = '\0';
	}
	closedir(d);
	return r;
}

static int walk_all(struct cg_cache *c)
{
	struct walk *w;
	struct stat st;
	int fd, r;

	if (c->no_walk)
		return 0;
	fd = open(c->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		close(fd);
		return -ENOMEM;
	}
	/* start over: paths of removed cgroups go, reused ids get new paths */
	memset(c->slots, 0, c->cap * sizeof(*c->slots));
	c->used = 0;
	c->alen = 0;
	w->c = c;
	w->dev = st.st_dev;
	r = put(c, (uint64_t)st.st_ino, "/", 1);
	if (r == 0)
		r = walk_dir(w, fd, 0, 0);
	else
		close(fd);
	c->st.walks++;
	if (w->truncated)
		c->st.truncated++;
	free(w);
	c->walked = true;
	return r;
}

static int find_cb(const struct mi_entry *e, void *arg)
{
	char **out = arg;

	if (strcmp(e->fstype, "cgroup2"))
		return 0;
	*out = strdup(e->target);
	return *out ? 1 : -ENOMEM;
}

int cg_find_cgroup2(const char *mountinfo, char *buf, size_t n)
{
	char *found = NULL;
	int r = mi_foreach(mountinfo, find_cb, &found);

	if (r < 0)
		return r;
	if (!found)
		return -ENOENT;
	r = nsio_path(buf, n, "%s", found);
	free(found);
	return r;
}

int cg_cache_new(const struct cg_cache_opts *o, struct cg_cache **ret)
{
	struct cg_cache *c = calloc(1, sizeof(*c));
	char mi[4096], root[MI_PATH_MAX];
	int r;

	if (!c)
		return -ENOMEM;
	c->proc_root = strdup(o && o->proc_root ? o->proc_root : "/proc");
	c->max_entries = o && o->max_entries ? o->max_entries : CG_CACHE_MAX_DEFAULT;
	c->no_walk = o && o->no_walk;
	if (!c->proc_root) {
		r = -ENOMEM;
		goto fail;
	}
	if (o && o->root) {
		r = nsio_path(root, sizeof(root), "%s", o->root);
	} else {
		r = nsio_path(mi, sizeof(mi), "%s/self/mountinfo", c->proc_root);
		if (r == 0)
			r = cg_find_cgroup2(mi, root, sizeof(root));
	}
	if (r < 0)
		goto fail;
	c->root = strdup(root);
	if (!c->root || grow_table(c) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	*ret = c;
	return 0;
fail:
	cg_cache_free(c);
	return r;
}

void cg_cache_free(struct cg_cache *c)
{
	if (!c)
		return;
	free(c->root);
	free(c->proc_root);
	free(c->slots);
	free(c->arena);
	free(c);
}

const char *cg_cache_root(const struct cg_cache *c)
{
	return c->root;
}

void cg_cache_snapshot(struct cg_cache *c)
{
	c->refreshed = false;
}

const struct cg_cache_stats *cg_cache_stats(const struct cg_cache *c)
{
	return &c->st;
}

int cg_cache_path(struct cg_cache *c, uint64_t id, char *buf, size_t n)
{
	const char *p;
	int r;

	if (!c->walked) {
		c->refreshed = true;
		if ((r = walk_all(c)) < 0)
			return r;
	}
	p = get(c, id);
	if (!p && !c->refreshed && !c->no_walk) {
		c->refreshed = true;
		if ((r = walk_all(c)) < 0)
			return r;
		p = get(c, id);
	}
	if (!p) {
		c->st.misses++;
		return -ENOENT;
	}
	c->st.hits++;
	return nsio_path(buf, n, "%s", p);
}

static int copy_path(const char *v, size_t n, char *out, size_t outsz, int ret)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return -EINVAL;
	if (n >= outsz)
		return -ENAMETOOLONG;
	memcpy(out, v, n);
	out[n] = '\0';
	return ret;
}

int cg_parse_proc_cgroup(const char *buf, size_t len, char *out, size_t outsz)
{
	const char *v1 = NULL;
	size_t v1len = 0, start = 0;

	while (start < len) {
		const char *nl = memchr(buf + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - buf) : len;
		const char *l = buf + start, *c1, *c2;
		size_t ll = end - start;

		start = end + 1;
		c1 = memchr(l, ':', ll);
		if (!c1)
			continue;
		c2 = memchr(c1 + 1, ':', ll - (size_t)(c1 + 1 - l));
		if (!c2 || c2 + 1 >= l + ll || c2[1] != '/')
			continue;
		if (c1 - l == 1 && l[0] == '0' && c2 == c1 + 1)
			return copy_path(c2 + 1, ll - (size_t)(c2 + 1 - l), out, outsz, 0);
		if (!v1 && (size_t)(c2 - c1 - 1) == 12 && !memcmp(c1 + 1, "name=systemd", 12)) {
			v1 = c2 + 1;
			v1len = ll - (size_t)(c2 + 1 - l);
		}
	}
	if (!v1)
		return -ENOENT;
	return copy_path(v1, v1len, out, outsz, 1);
}

int cg_pid_path(const char *proc_root, pid_t pid, char *out, size_t outsz)
{
	char path[4096];
	size_t len;
	char *buf;
	int r;

	if (pid <= 0)
		return -EINVAL;
	if ((r = nsio_path(path, sizeof(path), "%s/%d/cgroup", proc_root ? proc_root : "/proc", (int)pid)) < 0)
		return r;
	if ((r = nsio_read_file(AT_FDCWD, path, CG_PROC_CGROUP_MAX, NSIO_TRUNCATE, &buf, &len)) < 0)
		return r;
	r = cg_parse_proc_cgroup(buf, len, out, outsz);
	free(buf);
	return r;
}
