/* SPDX-License-Identifier: MIT */
/*
 * nsdisc: finds every network namespace of the host, once each, keyed by
 * the (st_dev, st_ino) of its nsfs file: the own one, those of processes
 * (/proc/PID/ns/net; one pid per namespace is remembered for the
 * /proc/PID/net fallback), nsfs bind mounts listed in mountinfo (ip netns
 * /run/netns/NAME, CNI /var/run/netns/ID, Docker /run/docker/netns/ID), and
 * namespaces held only by an open file descriptor (/proc/PID/fd links to
 * "net:[INO]").  Each namespace found is kept open (O_RDONLY) from
 * discovery until nsdisc_free(), so a reused inode cannot mix two up.  When
 * the open-file limit cannot hold them all (the soft limit is first raised
 * to the hard one), the rest are remembered by path and reopened and checked
 * against their dev/ino at dump time (nsdisc_open()), counting those that
 * vanished or changed.  A process whose ns/net cannot be opened (another
 * user's, when unprivileged) still gives its namespace through the inode of
 * /proc/PID/net/tcp, which is per namespace: such entries have no nsfs
 * handle, only a pid to read /proc/PID/net files from.
 *
 * Two more sources cost nothing on the common path.  Threads: a thread that
 * called setns() or unshare(CLONE_NEWNET) has its own namespace, so the
 * tasks of multi-threaded processes are walked too (single-threaded ones are
 * told apart by the link count of /proc/PID/task, one stat per process).
 * Sockets: a namespace can be kept alive by nothing but a socket created in
 * it (its creator moved on with setns(), or `ip netns del` ran after a
 * process opened a socket there and left).  The fd walk already reads every
 * fd link, so with want_sockets it also remembers one (pid, fd) per socket
 * inode; the caller marks the inodes its dumps reported (nsdisc_sock_seen())
 * and nsdisc_probe_sockets() asks the kernel for the namespace of those left
 * (pidfd_getfd + SIOCGSKNS), only for the kinds asked and a bounded number.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum nsdisc_src {
	NSDISC_SELF = 1 << 0,    /* the calling thread's namespace */
	NSDISC_PID = 1 << 1,     /* some process's ns/net */
	NSDISC_MOUNT = 1 << 2,   /* an nsfs bind mount */
	NSDISC_FD = 1 << 3,      /* an open fd of some process */
	NSDISC_PROCNET = 1 << 4, /* only through /proc/PID/net of a process whose ns/net is not ours to open */
	NSDISC_THREAD = 1 << 5,  /* a thread's ns/net (/proc/PID/task/TID/ns/net) other than its process's */
	NSDISC_SOCKET = 1 << 6,  /* only a socket lives there (SIOCGSKNS on a socket no dump reported) */
};

/* Socket kinds nsdisc_probe_sockets() tells apart by the fd's
 * "system.sockprotoname" attribute. */
enum nsdisc_sk {
	NSDISC_SK_TCP = 1 << 0,     /* TCP, TCPv6 */
	NSDISC_SK_UDP = 1 << 1,     /* UDP, UDPv6 */
	NSDISC_SK_UDPLITE = 1 << 2, /* UDP-Lite, UDPLITEv6 */
	NSDISC_SK_RAW = 1 << 3,     /* RAW, RAWv6 */
	NSDISC_SK_UNIX = 1 << 4,    /* UNIX-STREAM, UNIX-DGRAM, UNIX ... */
	NSDISC_SK_PACKET = 1 << 5,
	NSDISC_SK_NETLINK = 1 << 6,
	NSDISC_SK_MPTCP = 1 << 7,   /* MPTCP, MPTCPv6 */
};

struct nsdisc_ns {
	dev_t dev;         /* nsfs identity; 0, 0 for NSDISC_PROCNET-only entries */
	ino_t ino;
	ino_t procnet_ino; /* st_ino of /proc/PID/net/tcp (one per namespace), 0 if unknown */
	int fd;            /* open nsfs fd owned by the set, or -1: batched (nsdisc_open()) or PROCNET-only */
	unsigned src;      /* NSDISC_* bits, every way it was found */
	pid_t pid;         /* a process (or, NSDISC_THREAD, a thread id) inside it, 0 if none was seen */
	char *name;        /* the ip netns name (basename under /run/netns, /var/run/netns), or NULL */
	char *path;        /* how to reopen it (mount point, /proc/PID/ns/net, /proc/PID/fd/N), or NULL */
	char label[80];    /* name, else "net:[INO]", else "pid:PID" for PROCNET-only */
	bool reopened;     /* fd was opened by nsdisc_open() and is closed by nsdisc_put() */
};

struct nsdisc_opts {
	const char *proc_root; /* NULL: "/proc" */
	const char *mountinfo; /* NULL: <proc_root>/self/mountinfo */
	const char *host_root; /* mount points under it (DIR/run/netns/NAME) name an ip netns too; NULL: none */
	size_t fd_budget;      /* namespaces kept open at most (the own one aside); 0: from RLIMIT_NOFILE */
	bool no_raise_rlimit;  /* leave the soft RLIMIT_NOFILE alone */
	bool skip_pids, skip_mounts, skip_fds, skip_threads;
	bool want_sockets;     /* remember the socket fds of the fd walk for nsdisc_probe_sockets() */
};

struct nsdisc_stats {
	unsigned pids;          /* /proc/PID entries walked */
	unsigned pids_denied;   /* ns/net not ours to open (EACCES, EPERM) */
	unsigned pids_gone;     /* exited during the walk */
	unsigned mounts;        /* nsfs net mounts seen */
	unsigned fds;           /* fds on a net namespace seen */
	unsigned open_failed;   /* an nsfs file found but not openable */
	unsigned batched;       /* namespaces left closed for the fd budget */
	unsigned reopened;      /* nsdisc_open() reopened a batched namespace */
	unsigned vanished;      /* ... and it was gone */
	unsigned changed;       /* ... and the path now led to another namespace */
	unsigned threads;       /* tasks of multi-threaded processes walked */
	unsigned sock_fds;      /* socket fds met in the fd walk (want_sockets) */
	unsigned sock_inodes;   /* ... distinct inodes remembered */
	unsigned long fd_budget;
	unsigned long nofile_soft, nofile_hard; /* RLIMIT_NOFILE after raising */
};

struct nsdisc {
	struct nsdisc_ns *ns; /* ns[0] is the own namespace */
	size_t n;
	struct nsdisc_stats stats;
	/* private */
	size_t cap, open_count;
	void *index, *pn_index, *socks;
	char *proc_root;
};

/* Discovers.  Returns 0 and a set (caller frees with nsdisc_free(), which
 * closes every fd), or a negative errno when not even the own namespace
 * could be opened (-ENOMEM, or the error opening <proc_root>/thread-self/ns/net).
 * Sources that fail are counted in stats, not fatal. */
int nsdisc_scan(const struct nsdisc_opts *o, struct nsdisc **ret);
void nsdisc_free(struct nsdisc *d);

/* An open fd for namespace i, owned by the set (do not close): the one kept
 * from discovery, or a batched one reopened from its path and checked.
 * Returns 0, -ENOENT (gone: counted in stats.vanished), -ESTALE (the path now
 * leads elsewhere: counted in stats.changed), -EBADF (PROCNET-only: no nsfs
 * handle), or the open error (-EACCES...). */
int nsdisc_open(struct nsdisc *d, size_t i, int *ret_fd);
/* Closes an fd that nsdisc_open() reopened, to stay within the budget; a
 * namespace kept open from discovery stays open. */
void nsdisc_put(struct nsdisc *d, size_t i);

/* The socket inode ino was reported by a dump: nsdisc_probe_sockets() need
 * not ask where it lives.  Cheap (a hash lookup); ignores unknown inodes. */
void nsdisc_sock_seen(struct nsdisc *d, unsigned long long ino);

struct nsdisc_probe {
	unsigned kinds;      /* NSDISC_SK_* bits: only sockets of these kinds are probed */
	unsigned max_probes; /* pidfd_getfd + SIOCGSKNS at most this many times (0: 256); the
			      * sockprotoname reads of unseen sockets at most 16 times as many */
};

struct nsdisc_probe_stats {
	unsigned unseen;      /* socket inodes of the fd walk no dump reported */
	unsigned classified;  /* ... whose kind was read (getxattr) */
	unsigned other_kind;  /* ... of a kind not asked */
	unsigned probed;      /* SIOCGSKNS asked */
	unsigned known;       /* ... and the namespace was one already found */
	unsigned found;       /* namespaces found this way (appended to the set) */
	unsigned gone;        /* the process or its fd went away (or the fd is another file now) */
	unsigned denied;      /* pidfd_getfd or SIOCGSKNS refused (no CAP_SYS_PTRACE / CAP_NET_ADMIN) */
	unsigned over_limit;  /* left unprobed: the limits were reached */
	unsigned skipped;     /* left unprobed: two of the same process found namespaces already listed */
	int denied_err;       /* the first refusal (-EPERM...) */
	bool unsupported;     /* no pidfd_open/pidfd_getfd (Linux < 5.6) or SIOCGSKNS, or the proc root
			       * is another pid namespace's: probing stopped */
};

/* For each socket inode met in the fd walk (want_sockets) and not marked with
 * nsdisc_sock_seen(): reads its kind from the "system.sockprotoname"
 * attribute of /proc/PID/fd/N and, for the kinds asked, duplicates the fd
 * (pidfd_open + pidfd_getfd), checks it is still that inode, and asks the
 * kernel for its namespace (ioctl SIOCGSKNS).  Namespaces not yet in the set
 * are appended with src NSDISC_SOCKET, the fd kept open; *ret_first is the
 * index of the first appended one (d->n when none).  Needs the pids of the
 * proc root to be ours (the caller's pid namespace): otherwise, once a socket
 * of an asked kind is met, nothing is probed and st->unsupported is set.
 * Returns 0 or -ENOMEM. */
int nsdisc_probe_sockets(struct nsdisc *d, const struct nsdisc_probe *p, size_t *ret_first,
			 struct nsdisc_probe_stats *st);

/* Index of the namespace with that identity, or -1. */
ssize_t nsdisc_find(const struct nsdisc *d, dev_t dev, ino_t ino);
/* Short name of a source bit ("self", "pid", "mount", "fd", "procnet", "thread", "socket"). */
const char *nsdisc_src_name(unsigned bit);
