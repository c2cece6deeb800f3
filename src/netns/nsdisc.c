// SPDX-License-Identifier: MIT
/*
 * nsdisc: network namespace discovery (see nsdisc.h).  The set is an array
 * with an open-addressing index on (dev, ino), and a second one on the
 * /proc/PID/net inode for the unprivileged fallback.  Every source opens a
 * candidate once, takes its identity from fstat() of the open fd (so a pid
 * reused between stat and open cannot lie), and keeps the fd when the
 * namespace is new and the budget allows; otherwise the path is kept.
 */
#include "nsdisc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <linux/sockios.h>

#include "mountinfo.h"
#include "nsio.h"

#define FD_RESERVE_MIN 256 /* fds left for sockets, workers, the cgroup walk */

struct idx {
	size_t *slot; /* index + 1; 0 = empty */
	size_t cap;   /* power of two */
	size_t used;
};

static uint64_t hkey(dev_t dev, ino_t ino)
{
	uint64_t x = (uint64_t)ino * 0x9e3779b97f4a7c15ULL ^ (uint64_t)dev;

	x ^= x >> 31;
	return x * 0xbf58476d1ce4e5b9ULL;
}

static ssize_t idx_get(const struct nsdisc *d, const struct idx *x, bool pn, dev_t dev, ino_t ino)
{
	size_t h;

	if (!x->cap)
		return -1;
	h = hkey(dev, ino) & (x->cap - 1);
	while (x->slot[h]) {
		const struct nsdisc_ns *e = &d->ns[x->slot[h] - 1];

		if (pn ? e->procnet_ino == ino : (e->dev == dev && e->ino == ino))
			return (ssize_t)(x->slot[h] - 1);
		h = (h + 1) & (x->cap - 1);
	}
	return -1;
}

static int idx_put(const struct nsdisc *d, struct idx *x, bool pn, size_t i);

static int idx_grow(const struct nsdisc *d, struct idx *x, bool pn)
{
	struct idx nx = { NULL, x->cap ? x->cap * 2 : 64, 0 };

	nx.slot = calloc(nx.cap, sizeof(*nx.slot));
	if (!nx.slot)
		return -ENOMEM;
	for (size_t i = 0; i < x->cap; i++)
		if (x->slot[i])
			(void)idx_put(d, &nx, pn, x->slot[i] - 1);
	free(x->slot);
	*x = nx;
	return 0;
}

static int idx_put(const struct nsdisc *d, struct idx *x, bool pn, size_t i)
{
	const struct nsdisc_ns *e = &d->ns[i];
	size_t h;
	int r;

	if ((x->used + 1) * 2 > x->cap && (r = idx_grow(d, x, pn)) < 0)
		return r;
	h = hkey(pn ? 0 : e->dev, pn ? e->procnet_ino : e->ino) & (x->cap - 1);
	while (x->slot[h])
		h = (h + 1) & (x->cap - 1);
	x->slot[h] = i + 1;
	x->used++;
	return 0;
}

/* Socket inodes of the fd walk: one holder (pid, fd) per inode, an
 * open-addressing index on the inode. */
struct sk_ent {
	unsigned long long ino;
	pid_t pid;
	int fd;
	bool seen;
};

struct sk_tab {
	struct sk_ent *v;
	size_t n, cap;
	size_t *slot; /* index + 1; 0 = empty */
	size_t scap;  /* power of two */
};

static size_t sk_hash(unsigned long long ino, size_t cap)
{
	uint64_t x = (uint64_t)ino * 0x9e3779b97f4a7c15ULL;

	return (size_t)(x ^ x >> 29) & (cap - 1);
}

static struct sk_ent *sk_find(const struct sk_tab *t, unsigned long long ino)
{
	size_t h;

	if (!t || !t->scap)
		return NULL;
	for (h = sk_hash(ino, t->scap); t->slot[h]; h = (h + 1) & (t->scap - 1))
		if (t->v[t->slot[h] - 1].ino == ino)
			return &t->v[t->slot[h] - 1];
	return NULL;
}

static int sk_grow_index(struct sk_tab *t)
{
	size_t ncap = t->scap ? t->scap * 2 : 256;
	size_t *ns = calloc(ncap, sizeof(*ns));

	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		size_t h = sk_hash(t->v[i].ino, ncap);

		while (ns[h])
			h = (h + 1) & (ncap - 1);
		ns[h] = i + 1;
	}
	free(t->slot);
	t->slot = ns;
	t->scap = ncap;
	return 0;
}

/* Remembers (pid, fd) as the holder of socket ino unless one is known. */
static int sk_add(struct sk_tab *t, unsigned long long ino, pid_t pid, int fd)
{
	size_t h;
	int r;

	if (sk_find(t, ino))
		return 0;
	if ((t->n + 1) * 2 > t->scap && (r = sk_grow_index(t)) < 0)
		return r;
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 256;
		struct sk_ent *nv = realloc(t->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		t->v = nv;
		t->cap = ncap;
	}
	t->v[t->n] = (struct sk_ent){ ino, pid, fd, false };
	for (h = sk_hash(ino, t->scap); t->slot[h]; h = (h + 1) & (t->scap - 1))
		;
	t->slot[h] = ++t->n;
	return 0;
}

struct denied {
	pid_t *pid;
	size_t n, cap;
};

struct scan {
	struct nsdisc *d;
	const struct nsdisc_opts *o;
	size_t budget;
	struct denied denied;
	pid_t self; /* our pid as <proc_root> numbers it (another pid namespace's /proc: not getpid()) */
	char path[4096];
};

const char *nsdisc_src_name(unsigned bit)
{
	switch (bit) {
	case NSDISC_SELF:
		return "self";
	case NSDISC_PID:
		return "pid";
	case NSDISC_MOUNT:
		return "mount";
	case NSDISC_FD:
		return "fd";
	case NSDISC_PROCNET:
		return "procnet";
	case NSDISC_THREAD:
		return "thread";
	case NSDISC_SOCKET:
		return "socket";
	default:
		return "?";
	}
}

ssize_t nsdisc_find(const struct nsdisc *d, dev_t dev, ino_t ino)
{
	return idx_get(d, d->index, false, dev, ino);
}

static void set_label(struct nsdisc_ns *e)
{
	if (e->name)
		nsio_copy_clean(e->label, sizeof(e->label), e->name, strlen(e->name), NULL);
	else if (e->src == NSDISC_PROCNET)
		snprintf(e->label, sizeof(e->label), "pid:%d", (int)e->pid);
	else
		snprintf(e->label, sizeof(e->label), "net:[%llu]", (unsigned long long)e->ino);
}

/* Appends a namespace; takes fd (closed on failure). */
static int add_ns(struct nsdisc *d, int fd, dev_t dev, ino_t ino, unsigned src, const char *path, size_t *ret_i)
{
	struct nsdisc_ns *e;
	int r;

	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 64;
		struct nsdisc_ns *nn = realloc(d->ns, ncap * sizeof(*nn));

		if (!nn) {
			if (fd >= 0)
				close(fd);
			return -ENOMEM;
		}
		d->ns = nn;
		d->cap = ncap;
	}
	e = &d->ns[d->n];
	memset(e, 0, sizeof(*e));
	e->fd = fd;
	e->dev = dev;
	e->ino = ino;
	e->src = src;
	if (path && !(e->path = strdup(path))) {
		if (fd >= 0)
			close(fd);
		return -ENOMEM;
	}
	d->n++;
	if (src != NSDISC_PROCNET && (r = idx_put(d, d->index, false, d->n - 1)) < 0)
		return r; /* the entry stays (freed with the set) */
	if (fd >= 0 && !(src & NSDISC_SELF))
		d->open_count++;
	else if (fd < 0 && src != NSDISC_PROCNET)
		d->stats.batched++;
	set_label(e);
	if (ret_i)
		*ret_i = d->n - 1;
	return 0;
}

/* Opens (or, beyond the budget, stats) path; merges or appends.  Returns the
 * index through ret_i, 0 on success, a negative errno on open/stat errors. */
static int consider(struct scan *s, const char *path, unsigned src, size_t *ret_i)
{
	struct nsdisc *d = s->d;
	struct stat st;
	ssize_t found;
	int fd = -1, r;

	if (d->open_count < s->budget) {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return -errno;
		if (fstat(fd, &st) < 0) {
			r = -errno;
			close(fd);
			return r;
		}
	} else if (stat(path, &st) < 0) {
		return -errno;
	}
	found = idx_get(d, d->index, false, st.st_dev, st.st_ino);
	if (found >= 0) {
		if (fd >= 0)
			close(fd);
		d->ns[found].src |= src;
		*ret_i = (size_t)found;
		return 0;
	}
	return add_ns(d, fd, st.st_dev, st.st_ino, src, path, ret_i);
}

static bool is_pid(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* The number a /proc entry is named by (is_pid() checked it); 0 if it does
 * not fit a pid. */
static pid_t pid_of_name(const char *name)
{
	char *end;
	long v = strtol(name, &end, 10);

	return *end || v <= 0 || v > INT32_MAX ? 0 : (pid_t)v;
}

static int note_denied(struct scan *s, pid_t pid)
{
	struct denied *dn = &s->denied;

	if (dn->n == dn->cap) {
		size_t ncap = dn->cap ? dn->cap * 2 : 64;
		pid_t *np = realloc(dn->pid, ncap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		dn->pid = np;
		dn->cap = ncap;
	}
	dn->pid[dn->n++] = pid;
	return 0;
}

static void set_procnet(struct scan *s, size_t i, pid_t pid)
{
	struct nsdisc_ns *e = &s->d->ns[i];
	char p[4096];
	struct stat st;

	if (e->procnet_ino || nsio_path(p, sizeof(p), "%s/%d/net/tcp", s->d->proc_root, (int)pid) < 0)
		return;
	if (stat(p, &st) == 0 && st.st_ino) {
		e->procnet_ino = st.st_ino;
		(void)idx_put(s->d, s->d->pn_index, true, i);
	}
}

static int scan_pid_ns(struct scan *s, pid_t pid)
{
	struct nsdisc *d = s->d;
	struct stat st;
	ssize_t found;
	size_t i = 0;
	int r;

	if (nsio_path(s->path, sizeof(s->path), "%s/%d/ns/net", d->proc_root, (int)pid) < 0)
		return 0;
	/* most processes share a namespace already known: stat first */
	if (stat(s->path, &st) < 0) {
		if (errno == EACCES || errno == EPERM) {
			d->stats.pids_denied++;
			return note_denied(s, pid);
		}
		d->stats.pids_gone++;
		return 0;
	}
	found = idx_get(d, d->index, false, st.st_dev, st.st_ino);
	if (found >= 0) {
		d->ns[found].src |= NSDISC_PID;
		if (!d->ns[found].pid)
			d->ns[found].pid = pid;
		set_procnet(s, (size_t)found, pid);
		return 0;
	}
	r = consider(s, s->path, NSDISC_PID, &i);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		if (r == -EACCES || r == -EPERM) {
			d->stats.pids_denied++;
			return note_denied(s, pid);
		}
		d->stats.pids_gone++;
		return 0;
	}
	if (!d->ns[i].pid)
		d->ns[i].pid = pid;
	set_procnet(s, i, pid);
	return 0;
}

static int scan_pid_fds(struct scan *s, pid_t pid)
{
	struct nsdisc *d = s->d;
	char dir[4096], link[64];
	struct dirent *de;
	DIR *dd;
	int r = 0;

	if (nsio_path(dir, sizeof(dir), "%s/%d/fd", d->proc_root, (int)pid) < 0)
		return 0;
	dd = opendir(dir);
	if (!dd)
		return 0; /* gone or not ours */
	while ((de = readdir(dd))) {
		ssize_t n;
		size_t i;

		if (!is_pid(de->d_name))
			continue;
		n = readlinkat(dirfd(dd), de->d_name, link, sizeof(link) - 1);
		if (n > 8 && d->socks && !memcmp(link, "socket:[", 8)) {
			/* the link is read anyway: remembering it costs no syscall */
			unsigned long long ino;
			char *end;

			link[n] = '\0';
			d->stats.sock_fds++;
			ino = strtoull(link + 8, &end, 10);
			if (*end == ']' && ino && (r = sk_add(d->socks, ino, pid, pid_of_name(de->d_name))) < 0)
				break;
			continue;
		}
		if (n < 5 || memcmp(link, "net:[", 5))
			continue;
		d->stats.fds++;
		if (nsio_path(s->path, sizeof(s->path), "%s/%s", dir, de->d_name) < 0)
			continue;
		r = consider(s, s->path, NSDISC_FD, &i);
		if (r == -ENOMEM)
			break;
		if (r < 0)
			d->stats.open_failed++;
		r = 0;
	}
	closedir(dd);
	return r;
}

/* The threads of a multi-threaded process: a thread that called setns() or
 * unshare(CLONE_NEWNET) has a namespace of its own.  /proc/PID/task has
 * 2 + threads links: one stat tells single-threaded processes apart. */
static int scan_pid_threads(struct scan *s, pid_t pid)
{
	struct nsdisc *d = s->d;
	char dir[4096];
	struct dirent *de;
	struct stat st;
	DIR *dd;
	int r = 0;

	if (nsio_path(dir, sizeof(dir), "%s/%d/task", d->proc_root, (int)pid) < 0 || stat(dir, &st) < 0 ||
	    st.st_nlink <= 3 || !(dd = opendir(dir)))
		return 0;
	while ((de = readdir(dd))) {
		ssize_t found;
		size_t i = SIZE_MAX;

		if (!is_pid(de->d_name) || strlen(de->d_name) > 9 || pid_of_name(de->d_name) == (int)pid)
			continue;
		d->stats.threads++;
		if (nsio_path(s->path, sizeof(s->path), "%s/%s/ns/net", dir, de->d_name) < 0 ||
		    stat(s->path, &st) < 0)
			continue; /* gone, or not ours: the process was counted */
		found = idx_get(d, d->index, false, st.st_dev, st.st_ino);
		if (found >= 0)
			continue;
		r = consider(s, s->path, NSDISC_THREAD, &i);
		if (r == -ENOMEM)
			break;
		r = 0;
		if (i < d->n && !d->ns[i].pid)
			d->ns[i].pid = (pid_t)pid_of_name(de->d_name); /* /proc/TID/net is the thread's */
	}
	closedir(dd);
	return r;
}

static int scan_procs(struct scan *s)
{
	struct dirent *de;
	DIR *dd = opendir(s->d->proc_root);
	int r = 0;

	if (!dd)
		return 0;
	while ((de = readdir(dd))) {
		pid_t pid;

		if (!is_pid(de->d_name) || strlen(de->d_name) > 9)
			continue;
		pid = (pid_t)strtol(de->d_name, NULL, 10); /* digits only, at most 9 */
		s->d->stats.pids++;
		if (!s->o->skip_pids && (r = scan_pid_ns(s, pid)) < 0)
			break;
		/* our own threads are the workers, inside other namespaces */
		if (!s->o->skip_threads && pid != s->self && (r = scan_pid_threads(s, pid)) < 0)
			break;
		/* our own fds are the namespaces this walk opened */
		if (!s->o->skip_fds && pid != s->self && (r = scan_pid_fds(s, pid)) < 0)
			break;
	}
	closedir(dd);
	return r;
}

static const char *netns_name_of(const char *target, const char *host_root)
{
	static const char *const dirs[] = { "/run/netns/", "/var/run/netns/" };
	size_t hl = host_root ? strlen(host_root) : 0;

	while (hl && host_root[hl - 1] == '/')
		hl--;
	/* the host's /run/netns seen from inside a container: DIR/run/netns/NAME */
	if (hl && !strncmp(target, host_root, hl) && target[hl] == '/')
		target += hl;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		size_t n = strlen(dirs[i]);

		if (!strncmp(target, dirs[i], n) && target[n] && !strchr(target + n, '/'))
			return target + n;
	}
	return NULL;
}

static int mount_cb(const struct mi_entry *e, void *arg)
{
	struct scan *s = arg;
	const char *name;
	size_t i;
	int r;

	if (strcmp(e->fstype, "nsfs") || strncmp(e->root, "net:[", 5))
		return 0;
	s->d->stats.mounts++;
	r = consider(s, e->target, NSDISC_MOUNT, &i);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		s->d->stats.open_failed++;
		return 0;
	}
	name = netns_name_of(e->target, s->o->host_root);
	if (name && !s->d->ns[i].name) {
		s->d->ns[i].name = strdup(name);
		if (!s->d->ns[i].name)
			return -ENOMEM;
		set_label(&s->d->ns[i]);
	}
	/* a mount path reopens more reliably than a pid's */
	if (!(s->d->ns[i].src & NSDISC_SELF) && strcmp(s->d->ns[i].path ? s->d->ns[i].path : "", e->target)) {
		char *p = strdup(e->target);

		if (!p)
			return -ENOMEM;
		free(s->d->ns[i].path);
		s->d->ns[i].path = p;
	}
	return 0;
}

/* Namespaces of processes whose ns/net we could not open, known only by
 * the inode of their /proc/PID/net/tcp. */
static int add_denied(struct scan *s)
{
	struct nsdisc *d = s->d;

	for (size_t k = 0; k < s->denied.n; k++) {
		pid_t pid = s->denied.pid[k];
		struct stat st;
		size_t i;
		int r;

		if (nsio_path(s->path, sizeof(s->path), "%s/%d/net/tcp", d->proc_root, (int)pid) < 0 ||
		    stat(s->path, &st) < 0 || !st.st_ino)
			continue;
		if (idx_get(d, d->pn_index, true, 0, st.st_ino) >= 0)
			continue;
		if ((r = add_ns(d, -1, 0, 0, NSDISC_PROCNET, NULL, &i)) < 0)
			return r;
		d->ns[i].pid = pid;
		d->ns[i].procnet_ino = st.st_ino;
		set_label(&d->ns[i]);
		if ((r = idx_put(d, d->pn_index, true, i)) < 0)
			return r;
	}
	return 0;
}

/* Our pid as the proc root numbers it ("self"), or 0. */
static pid_t self_in(const char *proc_root)
{
	char p[4096], link[32];
	ssize_t n;

	if (nsio_path(p, sizeof(p), "%s/self", proc_root) < 0 || (n = readlink(p, link, sizeof(link) - 1)) <= 0)
		return 0;
	link[n] = '\0';
	return pid_of_name(link);
}

static size_t count_open_fds(const char *proc_root)
{
	char p[4096];
	size_t n = 0;
	DIR *dd;

	if (nsio_path(p, sizeof(p), "%s/self/fd", proc_root) < 0 || !(dd = opendir(p)))
		return 64;
	while (readdir(dd))
		n++;
	closedir(dd);
	return n;
}

static size_t compute_budget(struct nsdisc *d, const struct nsdisc_opts *o)
{
	struct rlimit rl;
	size_t used, reserve;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (!o->no_raise_rlimit && rl.rlim_cur < rl.rlim_max) {
			struct rlimit want = { rl.rlim_max, rl.rlim_max };

			if (setrlimit(RLIMIT_NOFILE, &want) == 0)
				rl = want;
		}
		d->stats.nofile_soft = (unsigned long)rl.rlim_cur;
		d->stats.nofile_hard = (unsigned long)rl.rlim_max;
	} else {
		rl.rlim_cur = 1024;
	}
	if (o->fd_budget)
		return o->fd_budget;
	used = count_open_fds(d->proc_root);
	reserve = rl.rlim_cur / 4 > FD_RESERVE_MIN ? (size_t)(rl.rlim_cur / 4) : FD_RESERVE_MIN;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)SIZE_MAX / 2)
		return SIZE_MAX / 2;
	return (size_t)rl.rlim_cur > used + reserve ? (size_t)rl.rlim_cur - used - reserve : 0;
}

int nsdisc_scan(const struct nsdisc_opts *o, struct nsdisc **ret)
{
	static const struct nsdisc_opts defaults;
	struct scan *s;
	struct nsdisc *d;
	char mi[4096];
	int fd, r;

	if (!o)
		o = &defaults;
	d = calloc(1, sizeof(*d));
	s = calloc(1, sizeof(*s));
	if (!d || !s || !(d->index = calloc(1, sizeof(struct idx))) || !(d->pn_index = calloc(1, sizeof(struct idx))) ||
	    !(d->proc_root = strdup(o->proc_root ? o->proc_root : "/proc")) ||
	    (o->want_sockets && !(d->socks = calloc(1, sizeof(struct sk_tab))))) {
		free(s);
		nsdisc_free(d);
		return -ENOMEM;
	}
	s->d = d;
	s->o = o;
	s->self = self_in(d->proc_root);
	if (!s->self)
		s->self = getpid();
	s->budget = compute_budget(d, o);
	d->stats.fd_budget = (unsigned long)s->budget;

	r = nsio_path(s->path, sizeof(s->path), "%s/thread-self/ns/net", d->proc_root);
	if (r == 0) {
		fd = open(s->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			r = -errno;
		} else {
			struct stat st;

			if (fstat(fd, &st) < 0) {
				r = -errno;
				close(fd);
			} else {
				r = add_ns(d, fd, st.st_dev, st.st_ino, NSDISC_SELF, NULL, NULL);
				if (r == 0)
					set_procnet(s, 0, s->self);
			}
		}
	}
	if (r == 0)
		r = scan_procs(s);
	if (r == 0 && !o->skip_mounts) {
		if (o->mountinfo)
			r = nsio_path(mi, sizeof(mi), "%s", o->mountinfo);
		else
			r = nsio_path(mi, sizeof(mi), "%s/self/mountinfo", d->proc_root);
		if (r == 0) {
			r = mi_foreach(mi, mount_cb, s);
			if (r < 0 && r != -ENOMEM)
				r = 0; /* no mountinfo: the other sources stand */
		}
	}
	if (r == 0)
		r = add_denied(s);
	if (d->socks)
		d->stats.sock_inodes = (unsigned)((struct sk_tab *)d->socks)->n;
	free(s->denied.pid);
	free(s);
	if (r < 0) {
		nsdisc_free(d);
		return r;
	}
	*ret = d;
	return 0;
}

void nsdisc_free(struct nsdisc *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		if (d->ns[i].fd >= 0)
			close(d->ns[i].fd);
		free(d->ns[i].name);
		free(d->ns[i].path);
	}
	free(d->ns);
	if (d->index)
		free(((struct idx *)d->index)->slot);
	if (d->pn_index)
		free(((struct idx *)d->pn_index)->slot);
	if (d->socks) {
		free(((struct sk_tab *)d->socks)->v);
		free(((struct sk_tab *)d->socks)->slot);
	}
	free(d->socks);
	free(d->index);
	free(d->pn_index);
	free(d->proc_root);
	free(d);
}

int nsdisc_open(struct nsdisc *d, size_t i, int *ret_fd)
{
	struct nsdisc_ns *e;
	struct stat st;
	int fd, r;

	if (i >= d->n)
		return -EINVAL;
	e = &d->ns[i];
	if (e->fd >= 0) {
		*ret_fd = e->fd;
		return 0;
	}
	if (e->src == NSDISC_PROCNET || !e->path)
		return -EBADF;
	d->stats.reopened++;
	fd = open(e->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT || r == -ESRCH) {
			d->stats.vanished++;
			return -ENOENT;
		}
		return r;
	}
	if (fstat(fd, &st) < 0 || st.st_dev != e->dev || st.st_ino != e->ino) {
		close(fd);
		d->stats.changed++;
		return -ESTALE;
	}
	e->fd = fd;
	e->reopened = true;
	*ret_fd = fd;
	return 0;
}

void nsdisc_put(struct nsdisc *d, size_t i)
{
	if (i >= d->n || !d->ns[i].reopened)
		return;
	close(d->ns[i].fd);
	d->ns[i].fd = -1;
	d->ns[i].reopened = false;
}

void nsdisc_sock_seen(struct nsdisc *d, unsigned long long ino)
{
	struct sk_ent *e = d ? sk_find(d->socks, ino) : NULL;

	if (e)
		e->seen = true;
}

static unsigned sk_kind_of(const char *name)
{
	static const struct {
		const char *prefix;
		unsigned bit;
	} map[] = {
		{ "TCP", NSDISC_SK_TCP },         { "UDP-Lite", NSDISC_SK_UDPLITE }, { "UDPLITE", NSDISC_SK_UDPLITE },
		{ "UDP", NSDISC_SK_UDP },         { "RAW", NSDISC_SK_RAW },          { "UNIX", NSDISC_SK_UNIX },
		{ "PACKET", NSDISC_SK_PACKET },   { "NETLINK", NSDISC_SK_NETLINK },  { "MPTCP", NSDISC_SK_MPTCP },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		size_t n = strlen(map[i].prefix);

		/* "TCP", "TCPv6", "UNIX-STREAM": the name, then nothing, "v6" or "-" */
		if (!strncmp(name, map[i].prefix, n) &&
		    (!name[n] || !strcmp(name + n, "v6") || (name[n] == '-' && map[i].bit == NSDISC_SK_UNIX)))
			return map[i].bit;
	}
	return 0;
}

/* Is <proc_root> showing our pid namespace (its "self" is our pid)? */
static bool same_pidns(const struct nsdisc *d)
{
	return self_in(d->proc_root) == getpid();
}

/* The namespace of socket e: 0 and an open nsfs fd, or a negative errno. */
static int sk_netns(const struct sk_ent *e, int *pidfd, pid_t *pidfd_of, int *ret_nsfd)
{
	struct stat st;
	int sfd, nsfd, r;

	if (*pidfd_of != e->pid) {
		if (*pidfd >= 0)
			close(*pidfd);
		*pidfd_of = e->pid;
		*pidfd = (int)syscall(SYS_pidfd_open, e->pid, 0);
		if (*pidfd < 0)
			return -errno;
	} else if (*pidfd < 0) {
		return -ESRCH;
	}
	sfd = (int)syscall(SYS_pidfd_getfd, *pidfd, e->fd, 0);
	if (sfd < 0)
		return errno == EBADF ? -ESRCH : -errno;
	if (fstat(sfd, &st) < 0 || !S_ISSOCK(st.st_mode) || (unsigned long long)st.st_ino != e->ino) {
		close(sfd); /* the fd number was reused since the walk */
		return -ESRCH;
	}
	nsfd = ioctl(sfd, SIOCGSKNS);
	r = nsfd < 0 ? -errno : 0;
	close(sfd);
	if (r < 0)
		return r;
	*ret_nsfd = nsfd;
	return 0;
}

int nsdisc_probe_sockets(struct nsdisc *d, const struct nsdisc_probe *p, size_t *ret_first,
			 struct nsdisc_probe_stats *st)
{
	struct sk_tab *t = d->socks;
	unsigned max_probes = p && p->max_probes ? p->max_probes : 1024;
	unsigned max_reads = max_probes * 16, reads = 0;
	unsigned kinds = p ? p->kinds : 0;
	pid_t pidfd_of = 0, known_pid = 0;
	unsigned known_run = 0; /* probes of known_pid that found a namespace already listed */
	int pidfd = -1, r = 0;
	bool pidns_checked = false;

	memset(st, 0, sizeof(*st));
	*ret_first = d->n;
	if (!t || !kinds)
		return 0;
	for (size_t k = 0; k < t->n; k++)
		st->unseen += !t->v[k].seen;
	if (!st->unseen)
		return 0; /* the common case: every socket was in a dump */
	for (size_t k = 0; k < t->n && r == 0; k++) {
		struct sk_ent *e = &t->v[k];
		char path[4096], name[32];
		struct stat nst;
		ssize_t n;
		int nsfd = -1;

		if (e->seen)
			continue;
		/* a process whose unreported sockets are in namespaces already
		 * listed (a kernel-side filter left them out, or kinds not asked)
		 * has its other sockets there too, almost always: two such probes
		 * and the budget goes to the next process */
		if (e->pid == known_pid && known_run >= 2) {
			st->skipped++;
			continue;
		}
		if (reads >= max_reads || st->probed >= max_probes) {
			st->over_limit++;
			continue;
		}
		reads++;
		if (nsio_path(path, sizeof(path), "%s/%d/fd/%d", d->proc_root, (int)e->pid, e->fd) < 0)
			continue;
		n = getxattr(path, "system.sockprotoname", name, sizeof(name) - 1);
		if (n <= 0) {
			st->gone++;
			continue;
		}
		name[n] = '\0';
		st->classified++;
		if (!(sk_kind_of(name) & kinds)) {
			st->other_kind++;
			continue;
		}
		if (!pidns_checked) {
			pidns_checked = true;
			if (!same_pidns(d)) {
				/* the pids of another pid namespace's /proc are not ours to pidfd_open */
				st->unsupported = true;
				break;
			}
		}
		st->probed++;
		r = sk_netns(e, &pidfd, &pidfd_of, &nsfd);
		if (r == -ENOSYS || r == -ENOTTY || r == -EINVAL) {
			st->unsupported = true;
			st->probed--;
			r = 0;
			break;
		}
		if (r == -ESRCH || r == -ENOENT) {
			st->gone++;
			r = 0;
			continue;
		}
		if (r < 0) {
			st->denied++;
			if (!st->denied_err)
				st->denied_err = r;
			r = r == -ENOMEM ? r : 0;
			continue;
		}
		if (fstat(nsfd, &nst) < 0) {
			close(nsfd);
			st->gone++;
			continue;
		}
		if (idx_get(d, d->index, false, nst.st_dev, nst.st_ino) >= 0) {
			close(nsfd);
			st->known++;
			if (e->pid != known_pid) {
				known_pid = e->pid;
				known_run = 0;
			}
			known_run++;
			continue;
		}
		/* no path reopens it: the fd is kept whatever the budget */
		r = add_ns(d, nsfd, nst.st_dev, nst.st_ino, NSDISC_SOCKET, NULL, NULL);
		if (r == 0)
			st->found++;
	}
	if (pidfd >= 0)
		close(pidfd);
	return r;
}
