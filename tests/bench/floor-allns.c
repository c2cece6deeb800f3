// SPDX-License-Identifier: MIT
/*
 * floor-allns: the floor for `sockscope --all-netns -n`, the least work a
 * tool listing the TCP sockets of every network namespace has to do.
 *
 * Discovery, as issue 13 asks sockscope to find namespaces: the own one
 * (/proc/self/ns/net), one stat() of /proc/PID/ns/net per process with an
 * open() only for a namespace not seen yet, every nsfs bind mount of
 * /proc/self/mountinfo whose root is "net:[...]" (ip netns, CNI, Docker; the
 * name is the last part of a mount under /run/netns or /var/run/netns), and
 * namespaces held only by a file descriptor (one readlinkat() of every fd of
 * every process, looking for "net:[INO]"; --no-fds leaves that walk out).
 * Deduplicated by the (st_dev, st_ino) of the opened nsfs file, in an
 * open-addressing hash; every namespace stays open until the end.
 *
 * Dumps: -j N worker threads (default: as sockscope, the number of CPUs
 * clamped to 2..4; -j 1 runs everything on the main thread) take the next
 * namespace in discovery order, setns(CLONE_NEWNET) into it (and never back:
 * a thread that only dumps needs no way home), open a NETLINK_SOCK_DIAG
 * socket there with a 1 MiB receive buffer, send one TCPDIAG_GETSOCK request
 * for every state of both families (one walk of the kernel's tables) and
 * receive the raw datagrams into a growing buffer of that namespace.  The
 * main thread formats each namespace's buffer as soon as it is complete, in
 * discovery order, one line a socket -- state, Recv-Q, Send-Q, local and peer
 * address:port, and where: "host", "netns:NAME" or "net:[INO]" -- with
 * floorlib's hand-rolled formatting, and frees it.  No sockstat gate (every
 * namespace is dumped), no filter, no sort, no attribution beyond the name.
 *
 * -p also records, during the same fd walk, the first (pid, fd) of every
 * socket inode (inodes are unique across namespaces) and prints the owner's
 * pid, fd and comm: the floor for `sockscope --all-netns -n -p` (one walk
 * where a tool could do two).  -v prints the discovery counts on stderr.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "floorlib.h"

#define RECV_CHUNK (64 * 1024)

static const char *const state_names[] = {
	[0] = "UNKNOWN",     [1] = "ESTAB",      [2] = "SYN-SENT",   [3] = "SYN-RECV",
	[4] = "FIN-WAIT-1",  [5] = "FIN-WAIT-2", [6] = "TIME-WAIT",  [7] = "UNCONN",
	[8] = "CLOSE-WAIT",  [9] = "LAST-ACK",   [10] = "LISTEN",    [11] = "CLOSING",
	[12] = "SYN-RECV",
};

struct ns {
	dev_t dev;
	ino_t ino;
	int fd;
	char label[96];
	/* the dump, filled by a worker */
	char *buf;
	size_t len, cap;
	int err; /* negative errno of the dump */
	bool done;
};

static struct ns *nss;
static size_t nns, nns_cap;
static size_t *nsidx; /* hash on (dev, ino): index + 1, 0 empty */
static size_t nsidx_cap;
static bool want_procs, verbose;
static unsigned long n_pids, n_fds_seen, n_netfds, n_mounts;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		die("floor-allns: realloc");
	return p;
}

static size_t hash64(uint64_t v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdULL;
	v ^= v >> 33;
	return (size_t)v;
}

static size_t ns_hash(dev_t dev, ino_t ino)
{
	return hash64((uint64_t)ino * 31 + (uint64_t)dev);
}

static void idx_insert(size_t i)
{
	size_t h = ns_hash(nss[i].dev, nss[i].ino) & (nsidx_cap - 1);

	while (nsidx[h])
		h = (h + 1) & (nsidx_cap - 1);
	nsidx[h] = i + 1;
}

static struct ns *ns_find(dev_t dev, ino_t ino)
{
	if (!nsidx_cap)
		return NULL;
	for (size_t h = ns_hash(dev, ino) & (nsidx_cap - 1); nsidx[h]; h = (h + 1) & (nsidx_cap - 1)) {
		struct ns *e = &nss[nsidx[h] - 1];

		if (e->dev == dev && e->ino == ino)
			return e;
	}
	return NULL;
}

/* Takes fd (an open nsfs file with stat st); returns the entry, old or new. */
static struct ns *ns_add(int fd, const struct stat *st)
{
	struct ns *e = ns_find(st->st_dev, st->st_ino);

	if (e) {
		close(fd);
		return e;
	}
	if (nns == nns_cap) {
		nns_cap = nns_cap ? 2 * nns_cap : 256;
		nss = xrealloc(nss, nns_cap * sizeof(*nss));
	}
	if (2 * (nns + 1) > nsidx_cap) {
		free(nsidx);
		nsidx_cap = nsidx_cap ? 2 * nsidx_cap : 1024;
		nsidx = calloc(nsidx_cap, sizeof(*nsidx));
		if (!nsidx)
			die("floor-allns: calloc");
		for (size_t i = 0; i < nns; i++)
			idx_insert(i);
	}
	e = &nss[nns];
	memset(e, 0, sizeof(*e));
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->fd = fd;
	snprintf(e->label, sizeof(e->label), "net:[%llu]", (unsigned long long)st->st_ino);
	idx_insert(nns++);
	return e;
}

static struct ns *ns_open(int dirfd, const char *path)
{
	struct stat st;
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return NULL;
	}
	return ns_add(fd, &st);
}

/* ---- owners (-p) --------------------------------------------------------- */

struct owner {
	uint64_t inode; /* 0: empty */
	int pid, fd;
};
static struct owner *owners;
static size_t owners_cap, owners_n;

static void owner_put(uint64_t inode, int pid, int fd)
{
	if (2 * (owners_n + 1) > owners_cap) {
		struct owner *old = owners;
		size_t oldcap = owners_cap;

		owners_cap = oldcap ? 2 * oldcap : 4096;
		owners = calloc(owners_cap, sizeof(*owners));
		if (!owners)
			die("floor-allns: calloc");
		owners_n = 0;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].inode)
				owner_put(old[i].inode, old[i].pid, old[i].fd);
		free(old);
	}
	for (size_t i = hash64(inode) & (owners_cap - 1);; i = (i + 1) & (owners_cap - 1)) {
		if (owners[i].inode == inode)
			return;
		if (!owners[i].inode) {
			owners[i] = (struct owner){ inode, pid, fd };
			owners_n++;
			return;
		}
	}
}

static const struct owner *owner_get(uint64_t inode)
{
	if (!owners_cap || !inode)
		return NULL;
	for (size_t i = hash64(inode) & (owners_cap - 1);; i = (i + 1) & (owners_cap - 1)) {
		if (owners[i].inode == inode)
			return &owners[i];
		if (!owners[i].inode)
			return NULL;
	}
}

/* pid -> comm, read once per owning pid */
struct comm {
	int pid;
	char name[20];
};
static struct comm *comms;
static size_t comms_cap, comms_n;

static const char *comm_get(int pid)
{
	size_t i;

	if (2 * (comms_n + 1) > comms_cap) {
		struct comm *old = comms;
		size_t oldcap = comms_cap;

		comms_cap = oldcap ? 2 * oldcap : 1024;
		comms = calloc(comms_cap, sizeof(*comms));
		if (!comms)
			die("floor-allns: calloc");
		for (size_t j = 0; j < oldcap; j++) {
			if (!old[j].pid)
				continue;
			for (i = hash64((uint64_t)old[j].pid) & (comms_cap - 1); comms[i].pid;
			     i = (i + 1) & (comms_cap - 1))
				;
			comms[i] = old[j];
		}
		free(old);
	}
	for (i = hash64((uint64_t)pid) & (comms_cap - 1); comms[i].pid; i = (i + 1) & (comms_cap - 1))
		if (comms[i].pid == pid)
			return comms[i].name;

	char path[48];
	ssize_t n = 0;
	int fd;

	comms[i].pid = pid;
	comms_n++;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, comms[i].name, sizeof(comms[i].name) - 1);
		close(fd);
	}
	if (n > 0 && comms[i].name[n - 1] == '\n')
		n--;
	comms[i].name[n > 0 ? n : 0] = '\0';
	return comms[i].name;
}

/* ---- discovery ----------------------------------------------------------- */

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static uint64_t bracket_num(const char *s, ssize_t len)
{
	uint64_t v = 0;

	for (ssize_t i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	return v;
}

/* Every fd of one process: net:[...] opens the namespace, socket:[...] is an
 * owner for -p. */
static void walk_fds(int piddir, int pid)
{
	char link[64];
	struct dirent *de;
	DIR *dd;
	int dfd = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return;
	dd = fdopendir(dfd);
	if (!dd) {
		close(dfd);
		return;
	}
	while ((de = readdir(dd))) {
		ssize_t n;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		n = readlinkat(dfd, de->d_name, link, sizeof(link) - 1);
		n_fds_seen++;
		if (n > 5 && !memcmp(link, "net:[", 5)) {
			n_netfds++;
			(void)ns_open(dfd, de->d_name);
		} else if (want_procs && n > 9 && !memcmp(link, "socket:[", 8)) {
			owner_put(bracket_num(link + 8, n - 8), pid, atoi(de->d_name));
		}
	}
	closedir(dd);
}

static void scan_procs(bool fds)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	int self = getpid();

	if (!proc)
		die("floor-allns: /proc");
	while ((de = readdir(proc))) {
		struct stat st;
		char path[64];
		int piddir, pid;

		if (!all_digits(de->d_name) || strlen(de->d_name) > 10)
			continue;
		n_pids++;
		pid = atoi(de->d_name);
		snprintf(path, sizeof(path), "%s/ns/net", de->d_name);
		if (fstatat(dirfd(proc), path, &st, 0) == 0 && !ns_find(st.st_dev, st.st_ino))
			(void)ns_open(dirfd(proc), path);
		if (!fds || pid == self)
			continue;
		piddir = openat(dirfd(proc), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (piddir < 0)
			continue;
		walk_fds(piddir, pid);
		close(piddir);
	}
	closedir(proc);
}

/* mountinfo escapes blanks, tabs, newlines and backslashes as \ooo */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
		    s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static void scan_mounts(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;

	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER */
		char *field[5], *p = line, *dash;
		int k;

		for (k = 0; k < 5; k++) {
			field[k] = p;
			p = strchr(p, ' ');
			if (!p)
				break;
			*p++ = '\0';
		}
		if (k < 5 || strncmp(field[3], "net:[", 5) || !(dash = strstr(p, " - nsfs ")))
			continue;
		n_mounts++;
		unescape(field[4]);

		struct ns *e = ns_open(AT_FDCWD, field[4]);
		const char *name = NULL;

		if (!e)
			continue;
		if (!strncmp(field[4], "/run/netns/", 11))
			name = field[4] + 11;
		else if (!strncmp(field[4], "/var/run/netns/", 15))
			name = field[4] + 15;
		if (name && *name && !strchr(name, '/') && e != &nss[0] && strncmp(e->label, "netns:", 6))
			snprintf(e->label, sizeof(e->label), "netns:%s", name);
	}
	free(line);
	fclose(f);
}

/* ---- dumps --------------------------------------------------------------- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static size_t next_ns;

/* In the namespace of e: one TCP dump, raw datagrams appended to e->buf. */
static int dump_here(struct ns *e, unsigned seq)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req r;
	} req = {
		.nlh = { .nlmsg_len = sizeof(req), .nlmsg_type = TCPDIAG_GETSOCK,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = seq },
		.r = { .idiag_states = ~0U },
	};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int rcvbuf = 1 << 20, fd, err = 0;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	for (;;) {
		ssize_t n;
		int r;

		if (e->cap - e->len < RECV_CHUNK) {
			e->cap = e->cap ? 2 * e->cap : 4 * RECV_CHUNK;
			e->buf = xrealloc(e->buf, e->cap);
		}
		n = recv(fd, e->buf + e->len, RECV_CHUNK, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		/* only to find NLMSG_DONE and errors; the main thread formats */
		r = mnl_cb_run(e->buf + e->len, (size_t)n, seq, 0, NULL, NULL);
		e->len += (size_t)n;
		if (r <= MNL_CB_STOP) {
			if (r < 0)
				err = -errno;
			break;
		}
	}
	close(fd);
	return err;
}

static void run_one(size_t i)
{
	struct ns *e = &nss[i];

	e->err = setns(e->fd, CLONE_NEWNET) < 0 ? -errno : dump_here(e, (unsigned)i + 1);
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		size_t i;

		pthread_mutex_lock(&mu);
		i = next_ns++;
		pthread_mutex_unlock(&mu);
		if (i >= nns)
			return NULL;
		run_one(i);
		pthread_mutex_lock(&mu);
		nss[i].done = true;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
	}
}

/* ---- output -------------------------------------------------------------- */

static long nsockets;

static void out_endpoint(int family, const __be32 *addr, __be16 port)
{
	if (family == AF_INET) {
		out_ipv4((const unsigned char *)addr);
	} else {
		out_char('[');
		out_ipv6((const unsigned char *)addr);
		out_char(']');
	}
	out_char(':');
	out_u64(ntohs(port));
}

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	const struct ns *e = data;

	if (nlh->nlmsg_type != TCPDIAG_GETSOCK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		return MNL_CB_OK;
	out_str(m->idiag_state < sizeof(state_names) / sizeof(state_names[0]) ? state_names[m->idiag_state]
									       : "UNKNOWN");
	out_char(' ');
	out_u64(m->idiag_rqueue);
	out_char(' ');
	out_u64(m->idiag_wqueue);
	out_char(' ');
	out_endpoint(m->idiag_family, m->id.idiag_src, m->id.idiag_sport);
	out_char(' ');
	out_endpoint(m->idiag_family, m->id.idiag_dst, m->id.idiag_dport);
	out_char(' ');
	out_str(e->label);
	if (want_procs) {
		const struct owner *o = owner_get(m->idiag_inode);

		if (o) {
			out_str(" pid=");
			out_u64((uint64_t)o->pid);
			out_str(" fd=");
			out_u64((uint64_t)o->fd);
			out_char(' ');
			out_str(comm_get(o->pid));
		}
	}
	out_char('\n');
	nsockets++;
	return MNL_CB_OK;
}

static int print_ns(struct ns *e, unsigned seq)
{
	int bad = 0;

	if (e->err) {
		fprintf(stderr, "floor-allns: %s: %s\n", e->label, strerror(-e->err));
		bad = 1;
	} else if (e->len) {
		/* the datagrams back to back are whole messages: one walk to NLMSG_DONE */
		(void)mnl_cb_run(e->buf, e->len, seq, 0, on_msg, e);
	}
	free(e->buf);
	e->buf = NULL;
	e->len = e->cap = 0;
	return bad;
}

static unsigned default_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 2 ? 2 : n > 4 ? 4 : (unsigned)n;
}

int main(int argc, char **argv)
{
	unsigned workers = default_workers();
	bool fds = true;
	pthread_t th[64];
	struct stat st;
	int bad = 0, self;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-p")) {
			want_procs = true;
		} else if (!strcmp(argv[i], "--no-fds")) {
			fds = false;
		} else if (!strcmp(argv[i], "-v")) {
			verbose = true;
		} else if (!strcmp(argv[i], "-j") && i + 1 < argc && atoi(argv[i + 1]) >= 1 &&
			   atoi(argv[i + 1]) <= 64) {
			workers = (unsigned)atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: floor-allns [-p] [--no-fds] [-j N] [-v]\n");
			return 2;
		}
	}
	if (want_procs && !fds) {
		fprintf(stderr, "floor-allns: -p needs the fd walk\n");
		return 2;
	}
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0 || fstat(self, &st) < 0)
		die("floor-allns: /proc/self/ns/net");
	snprintf(ns_add(self, &st)->label, sizeof(nss[0].label), "host");
	scan_procs(fds);
	scan_mounts();
	if (verbose)
		fprintf(stderr, "floor-allns: %zu namespaces: %lu pids, %lu fds read (%lu on a namespace), %lu nsfs mounts\n",
			nns, n_pids, n_fds_seen, n_netfds, n_mounts);

	if (workers == 1) {
		for (size_t i = 0; i < nns; i++) {
			run_one(i);
			bad |= print_ns(&nss[i], (unsigned)i + 1);
		}
	} else {
		unsigned started = 0;

		for (unsigned k = 0; k < workers; k++)
			if (pthread_create(&th[started], NULL, worker, NULL) == 0)
				started++;
		if (!started)
			die("floor-allns: pthread_create");
		for (size_t i = 0; i < nns; i++) {
			pthread_mutex_lock(&mu);
			while (!nss[i].done)
				pthread_cond_wait(&cv, &mu);
			pthread_mutex_unlock(&mu);
			bad |= print_ns(&nss[i], (unsigned)i + 1);
		}
		for (unsigned k = 0; k < started; k++)
			pthread_join(th[k], NULL);
	}
	if (out_flush() < 0) {
		perror("floor-allns: write");
		return 1;
	}
	if (verbose)
		fprintf(stderr, "floor-allns: %ld sockets\n", nsockets);
	for (size_t i = 0; i < nns; i++)
		close(nss[i].fd);
	free(nss);
	free(nsidx);
	free(owners);
	free(comms);
	return bad;
}
