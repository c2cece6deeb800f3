// SPDX-License-Identifier: MIT
/*
 * faultinject: an LD_PRELOAD library that makes chosen libc calls of
 * sockscope fail, so that tests can check that every failure gives one clear
 * message, a documented exit status, no crash and no leak.  FAULT holds one or
 * more comma-separated rules NAME[:PATH][:ERRNO][@N[+]]: fail every matching
 * call, only the Nth ("@N") or the Nth and every later one ("@N+").  NAME is
 * socket, bind, sendto, sendmsg, recvmsg, recvfrom, recv (netlink sockets
 * only), open (also openat, fopen), read, readlinkat, getdents64, malloc
 * (also calloc, realloc, strdup, strndup; only calls made from the program
 * itself or from libmnl count), recv-truncate (cut a received netlink
 * datagram short), recv-msgtrunc (flag it MSG_TRUNC) or dump-intr (set
 * NLM_F_DUMP_INTR on its first message) or refuse-compat (send a
 * TCPDIAG_GETSOCK request with a message type no kernel serves, so that the
 * kernel itself refuses it, as a kernel without that request would).  PATH, for open and read, matches a
 * path equal to it or ending in "/PATH".  ERRNO is a name such as EPERM or a
 * number (default ENOMEM for malloc, EIO otherwise).  When FAULT_LOG names a
 * file, every injected fault appends a "hit" line to it and the end of the
 * process appends each rule's call and hit counts; nothing goes to stderr.
 * When FAULT_PROG is set, only a program of that name injects faults (so
 * that valgrind's launcher, which the preload reaches too, runs unharmed).
 */
/* open and open64 are wrapped apart: no redirection of one to the other. */
#undef _FILE_OFFSET_BITS
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <linux/netlink.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define FI_EXPORT __attribute__((visibility("default")))
#define FI_MAX_RULES 8
#define FI_MAX_RANGES 16
#if defined(__USE_GNU) && !defined(__cplusplus)
#define FI_SA(a) ((a).__sockaddr__)
#else
#define FI_SA(a) (a)
#endif

enum fi_kind {
	FI_NONE,
	FI_SOCKET,
	FI_BIND,
	FI_SEND,
	FI_RECV,
	FI_OPEN,
	FI_READ,
	FI_READLINKAT,
	FI_GETDENTS,
	FI_MALLOC,
	FI_TRUNC,
	FI_MSGTRUNC,
	FI_INTR,
	FI_REFUSE,
};

static const struct {
	const char *name;
	enum fi_kind kind;
} fi_names[] = {
	{"socket", FI_SOCKET},	       {"bind", FI_BIND},	  {"sendto", FI_SEND},	 {"sendmsg", FI_SEND},
	{"send", FI_SEND},	       {"recvmsg", FI_RECV},	  {"recvfrom", FI_RECV}, {"recv", FI_RECV},
	{"open", FI_OPEN},	       {"openat", FI_OPEN},	  {"fopen", FI_OPEN},	 {"read", FI_READ},
	{"readlinkat", FI_READLINKAT}, {"getdents64", FI_GETDENTS}, {"readdir", FI_GETDENTS},
	{"malloc", FI_MALLOC},	       {"recv-truncate", FI_TRUNC}, {"recv-msgtrunc", FI_MSGTRUNC},
	{"dump-intr", FI_INTR},	       {"refuse-compat", FI_REFUSE},
};

static const struct {
	const char *name;
	int err;
} fi_errnos[] = {
	{"EPERM", EPERM},	  {"ENOENT", ENOENT},	    {"ESRCH", ESRCH},	       {"EINTR", EINTR},
	{"EIO", EIO},		  {"ENOMEM", ENOMEM},	    {"EACCES", EACCES},	       {"EBUSY", EBUSY},
	{"ENFILE", ENFILE},	  {"EMFILE", EMFILE},	    {"ENOSPC", ENOSPC},	       {"EINVAL", EINVAL},
	{"ENOSYS", ENOSYS},	  {"ENOBUFS", ENOBUFS},	    {"EAFNOSUPPORT", EAFNOSUPPORT}, {"EPROTONOSUPPORT", EPROTONOSUPPORT},
	{"EOPNOTSUPP", EOPNOTSUPP}, {"ECONNREFUSED", ECONNREFUSED}, {"EAGAIN", EAGAIN}, {"ENOTDIR", ENOTDIR},
	{"ELOOP", ELOOP},	  {"ENAMETOOLONG", ENAMETOOLONG},
};

struct fi_rule {
	enum fi_kind kind;
	char name[24];
	char path[256];
	int err;
	unsigned long nth; /* 0: every call */
	bool onward;
	unsigned long calls, hits;
};

struct fi_range {
	uintptr_t lo, hi;
};

static struct fi_rule fi_rules[FI_MAX_RULES];
static size_t fi_nrules;
static struct fi_range fi_ranges[FI_MAX_RANGES];
static size_t fi_nranges;
static bool fi_ready;	      /* constructor done: allocation rules may count */
/* initial-exec: the dynamic TLS model is not usable while a sanitizer starts */
static __thread int fi_inside __attribute__((tls_model("initial-exec"))); /* inside the shim */

/* Real functions. */
static int (*real_socket)(int, int, int);
static int (*real_bind)(int, __CONST_SOCKADDR_ARG, socklen_t);
static ssize_t (*real_sendto)(int, const void *, size_t, int, __CONST_SOCKADDR_ARG, socklen_t);
static ssize_t (*real_sendmsg)(int, const struct msghdr *, int);
static ssize_t (*real_recvmsg)(int, struct msghdr *, int);
static ssize_t (*real_recvfrom)(int, void *, size_t, int, __SOCKADDR_ARG, socklen_t *__restrict);
static ssize_t (*real_recv)(int, void *, size_t, int);
static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static FILE *(*real_fopen)(const char *, const char *);
static FILE *(*real_fopen64)(const char *, const char *);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_readlinkat)(int, const char *, char *, size_t);
static ssize_t (*real_getdents64)(int, void *, size_t);
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static char *(*real_strdup)(const char *);
static char *(*real_strndup)(const char *, size_t);

/*
 * dlsym() may allocate before the real allocator is known, and a sanitizer
 * runtime allocates (through us) while it starts, before its allocator can
 * be looked up: until the constructor has run, such requests are served from
 * this arena and never freed.
 */
static _Alignas(16) unsigned char fi_boot[65536];
static size_t fi_bootlen;

static void *fi_boot_alloc(size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (n > sizeof(fi_boot) - fi_bootlen)
		return NULL;
	p = fi_boot + fi_bootlen;
	fi_bootlen += n;
	return p;
}

static bool fi_is_boot(const void *p)
{
	return (const unsigned char *)p >= fi_boot && (const unsigned char *)p < fi_boot + sizeof(fi_boot);
}

static void *fi_sym(const char *name)
{
	void *p;

	fi_inside++;
	p = dlsym(RTLD_NEXT, name);
	fi_inside--;
	return p;
}

#define FI_RESOLVE(fn)                                                                                                 \
	do {                                                                                                           \
		if (!real_##fn)                                                                                        \
			*(void **)&real_##fn = fi_sym(#fn);                                                            \
	} while (0)

static void fi_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fi_log(const char *fmt, ...)
{
	const char *path = getenv("FAULT_LOG");
	char line[512];
	va_list ap;
	int fd, n;

	if (!path || !*path)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	FI_RESOLVE(open);
	if (!real_open)
		return;
	fi_inside++;
	fd = real_open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		ssize_t w = write(fd, line, (size_t)n);

		(void)w;
		close(fd);
	}
	fi_inside--;
}

static int fi_parse_errno(const char *s)
{
	char *end;
	long v;

	for (size_t i = 0; i < sizeof(fi_errnos) / sizeof(fi_errnos[0]); i++)
		if (!strcmp(s, fi_errnos[i].name))
			return fi_errnos[i].err;
	v = strtol(s, &end, 10);
	return !*end && v > 0 && v < 4096 ? (int)v : 0;
}

static bool fi_is_errno(const char *s)
{
	return fi_parse_errno(s) != 0;
}

/* Parses one rule NAME[:PATH][:ERRNO][@N[+]] in place. */
static void fi_parse_rule(char *s)
{
	struct fi_rule *r = &fi_rules[fi_nrules];
	char *at = strrchr(s, '@'), *parts[3] = {NULL, NULL, NULL}, *save = NULL, *tok;
	int np = 0;

	memset(r, 0, sizeof(*r));
	if (at) {
		char *end;

		*at++ = '\0';
		r->nth = strtoul(at, &end, 10);
		r->onward = *end == '+';
	}
	for (tok = strtok_r(s, ":", &save); tok && np < 3; tok = strtok_r(NULL, ":", &save))
		parts[np++] = tok;
	if (!np)
		return;
	for (size_t i = 0; i < sizeof(fi_names) / sizeof(fi_names[0]); i++)
		if (!strcmp(parts[0], fi_names[i].name))
			r->kind = fi_names[i].kind;
	if (r->kind == FI_NONE) {
		fi_log("faultinject: unknown rule '%s', ignoring\n", parts[0]);
		return;
	}
	snprintf(r->name, sizeof(r->name), "%s", parts[0]);
	if (np == 3) {
		snprintf(r->path, sizeof(r->path), "%s", parts[1]);
		r->err = fi_parse_errno(parts[2]);
	} else if (np == 2) {
		if (fi_is_errno(parts[1]))
			r->err = fi_parse_errno(parts[1]);
		else
			snprintf(r->path, sizeof(r->path), "%s", parts[1]);
	}
	if (!r->err)
		r->err = r->kind == FI_MALLOC ? ENOMEM : EIO;
	fi_nrules++;
}

static int fi_phdr(struct dl_phdr_info *info, size_t size, void *data)
{
	int *idx = data;
	bool want = (*idx)++ == 0 || (info->dlpi_name && strstr(info->dlpi_name, "libmnl"));

	(void)size;
	if (!want)
		return 0;
	for (int i = 0; i < info->dlpi_phnum && fi_nranges < FI_MAX_RANGES; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		fi_ranges[fi_nranges].lo = info->dlpi_addr + ph->p_vaddr;
		fi_ranges[fi_nranges].hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
		fi_nranges++;
	}
	return 0;
}

__attribute__((constructor)) static void fi_init(void)
{
	static char spec[1024];
	const char *env = getenv("FAULT"), *prog = getenv("FAULT_PROG");
	char *save = NULL, *tok;
	int idx = 0;

	fi_inside++;
	if (prog && *prog && strcmp(prog, program_invocation_short_name))
		env = NULL;
	if (env) {
		snprintf(spec, sizeof(spec), "%s", env);
		for (tok = strtok_r(spec, ",", &save); tok && fi_nrules < FI_MAX_RULES; tok = strtok_r(NULL, ",", &save))
			fi_parse_rule(tok);
	}
	dl_iterate_phdr(fi_phdr, &idx);
	FI_RESOLVE(malloc);
	FI_RESOLVE(calloc);
	FI_RESOLVE(realloc);
	FI_RESOLVE(free);
	fi_inside--;
	fi_ready = true;
}

__attribute__((destructor)) static void fi_fini(void)
{
	for (size_t i = 0; i < fi_nrules; i++)
		fi_log("faultinject: rule %s calls=%lu hits=%lu\n", fi_rules[i].name, fi_rules[i].calls,
		       fi_rules[i].hits);
}

static bool fi_in_scope(const void *addr)
{
	uintptr_t a = (uintptr_t)addr;

	for (size_t i = 0; i < fi_nranges; i++)
		if (a >= fi_ranges[i].lo && a < fi_ranges[i].hi)
			return true;
	return false;
}

static bool fi_path_match(const char *want, const char *path)
{
	size_t wl, pl;

	if (!want[0])
		return true;
	if (!path)
		return false;
	wl = strlen(want);
	pl = strlen(path);
	if (!strcmp(want, path))
		return true;
	return pl > wl && !strcmp(path + pl - wl, want) && (want[0] == '/' || path[pl - wl - 1] == '/');
}

/* Counts a call of kind on path; returns the errno to fail it with, or 0. */
static int fi_check(enum fi_kind kind, const char *path)
{
	int err = 0;

	if (fi_inside || !fi_ready)
		return 0;
	for (size_t i = 0; i < fi_nrules; i++) {
		struct fi_rule *r = &fi_rules[i];
		unsigned long n;

		if (r->kind != kind || !fi_path_match(r->path, path))
			continue;
		n = __atomic_add_fetch(&r->calls, 1, __ATOMIC_RELAXED);
		if (err || !(r->nth == 0 || n == r->nth || (r->onward && n > r->nth)))
			continue;
		__atomic_add_fetch(&r->hits, 1, __ATOMIC_RELAXED);
		fi_log("faultinject: hit %s%s%s call %lu\n", r->name, path ? " " : "", path ? path : "", n);
		err = r->err;
	}
	return err;
}

static bool fi_have(enum fi_kind kind)
{
	for (size_t i = 0; i < fi_nrules; i++)
		if (fi_rules[i].kind == kind)
			return true;
	return false;
}

static bool fi_is_netlink(int fd)
{
	int dom = 0;
	socklen_t len = sizeof(dom);

	return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) == 0 && dom == AF_NETLINK;
}

/* ---- netlink ---- */

FI_EXPORT int socket(int domain, int type, int protocol)
{
	int err = domain == AF_NETLINK ? fi_check(FI_SOCKET, NULL) : 0;

	if (err) {
		errno = err;
		return -1;
	}
	FI_RESOLVE(socket);
	return real_socket(domain, type, protocol);
}

/*
 * With _GNU_SOURCE, glibc declares the address arguments as transparent
 * unions: use its own macros so that the definitions match.
 */
FI_EXPORT int bind(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	const struct sockaddr *sa = FI_SA(addr);
	int err = sa && sa->sa_family == AF_NETLINK ? fi_check(FI_BIND, NULL) : 0;

	if (err) {
		errno = err;
		return -1;
	}
	FI_RESOLVE(bind);
	return real_bind(fd, addr, len);
}

static int fi_send_check(int fd)
{
	return fi_have(FI_SEND) && fi_is_netlink(fd) ? fi_check(FI_SEND, NULL) : 0;
}

/* The type refuse-compat gives a TCPDIAG_GETSOCK request: below
 * SOCK_DIAG_BY_FAMILY and none of the old requests, so sock_diag answers
 * EINVAL. */
#define FI_REFUSED_TYPE 17

FI_EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags, __CONST_SOCKADDR_ARG to, socklen_t tolen)
{
	int err = fi_send_check(fd);

	if (err) {
		errno = err;
		return -1;
	}
	FI_RESOLVE(sendto);
	if (fi_have(FI_REFUSE) && fi_is_netlink(fd) && len >= sizeof(struct nlmsghdr) && len <= 65536 &&
	    ((const struct nlmsghdr *)buf)->nlmsg_type == 18 /* TCPDIAG_GETSOCK */ && fi_check(FI_REFUSE, NULL)) {
		char copy[65536];

		memcpy(copy, buf, len);
		((struct nlmsghdr *)(void *)copy)->nlmsg_type = FI_REFUSED_TYPE;
		return real_sendto(fd, copy, len, flags, to, tolen);
	}
	return real_sendto(fd, buf, len, flags, to, tolen);
}

FI_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	int err = fi_send_check(fd);

	if (err) {
		errno = err;
		return -1;
	}
	FI_RESOLVE(sendmsg);
	return real_sendmsg(fd, msg, flags);
}

/* Applies the datagram rules to n received bytes in buf; returns the new length. */
static ssize_t fi_mangle(void *buf, ssize_t n, int *msg_flags)
{
	struct nlmsghdr *nlh = buf;

	if (n < (ssize_t)sizeof(*nlh))
		return n;
	if (fi_have(FI_INTR) && fi_check(FI_INTR, NULL))
		nlh->nlmsg_flags |= NLM_F_DUMP_INTR;
	if (fi_have(FI_MSGTRUNC) && fi_check(FI_MSGTRUNC, NULL) && msg_flags)
		*msg_flags |= MSG_TRUNC;
	if (fi_have(FI_TRUNC) && fi_check(FI_TRUNC, NULL)) {
		/* cut inside the first message, or into the last byte of a short one */
		ssize_t cut = (ssize_t)nlh->nlmsg_len / 2 + 1;

		n = cut < n ? cut : n - 1;
	}
	return n;
}

static bool fi_recv_rules(int fd)
{
	return (fi_have(FI_RECV) || fi_have(FI_TRUNC) || fi_have(FI_MSGTRUNC) || fi_have(FI_INTR)) &&
	       fi_is_netlink(fd);
}

FI_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	bool nl = fi_recv_rules(fd);
	int err = nl ? fi_check(FI_RECV, NULL) : 0;
	ssize_t n;

	if (err) {
		errno = err;
		return -1;
	}
	FI_RESOLVE(recvmsg);
	n = real_recvmsg(fd, msg, flags);
	if (nl && n > 0 && msg->msg_iovlen > 0 && !(flags & MSG_PEEK) && msg->msg_iov[0].iov_len >= (size_t)n)
		n = fi_mangle(msg->msg_iov[0].iov_base, n, &msg->msg_flags);
	return n;
}

FI_EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags, __SOCKADDR_ARG from, socklen_t *__restrict fromlen)
{
	bool nl = fi_recv_rules(fd);
	int err = nl ? fi_check(FI_RECV, NULL) : 0;
	ssize_t n;

	if (err) {
		errno = err;
		return -1;
	}
	FI_RESOLVE(recvfrom);
	n = real_recvfrom(fd, buf, len, flags, from, fromlen);
	if (nl && n > 0 && !(flags & MSG_PEEK))
		n = fi_mangle(buf, n, NULL);
	return n;
}

FI_EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	bool nl = fi_recv_rules(fd);
	int err = nl ? fi_check(FI_RECV, NULL) : 0;
	ssize_t n;

	if (err) {
		errno = err;
		return -1;
	}
	FI_RESOLVE(recv);
	n = real_recv(fd, buf, len, flags);
	if (nl && n > 0 && !(flags & MSG_PEEK))
		n = fi_mangle(buf, n, NULL);
	return n;
}

/* ---- files ---- */

static mode_t fi_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

#define FI_OPEN_BODY(fn, ...)                                                                                          \
	do {                                                                                                           \
		int err_ = fi_check(FI_OPEN, path);                                                                    \
		va_list ap_;                                                                                           \
		mode_t mode_;                                                                                          \
		if (err_) {                                                                                            \
			errno = err_;                                                                                  \
			return -1;                                                                                     \
		}                                                                                                      \
		va_start(ap_, flags);                                                                                  \
		mode_ = fi_mode(flags, ap_);                                                                           \
		va_end(ap_);                                                                                           \
		FI_RESOLVE(fn);                                                                                        \
		return real_##fn(__VA_ARGS__, flags, mode_);                                                          \
	} while (0)

FI_EXPORT int open(const char *path, int flags, ...)
{
	FI_OPEN_BODY(open, path);
}

FI_EXPORT int open64(const char *path, int flags, ...)
{
	FI_OPEN_BODY(open64, path);
}

FI_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	FI_OPEN_BODY(openat, dirfd, path);
}

FI_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	FI_OPEN_BODY(openat64, dirfd, path);
}

FI_EXPORT FILE *fopen(const char *path, const char *mode)
{
	int err = fi_check(FI_OPEN, path);

	if (err) {
		errno = err;
		return NULL;
	}
	FI_RESOLVE(fopen);
	return real_fopen(path, mode);
}

FI_EXPORT FILE *fopen64(const char *path, const char *mode)
{
	int err = fi_check(FI_OPEN, path);

	if (err) {
		errno = err;
		return NULL;
	}
	FI_RESOLVE(fopen64);
	return real_fopen64(path, mode);
}

FI_EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	int err = 0;

	if (fi_have(FI_READ) && !fi_inside) {
		char link[64], path[512] = "";
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		fi_inside++;
		n = readlink(link, path, sizeof(path) - 1);
		fi_inside--;
		if (n > 0)
			path[n] = '\0';
		err = fi_check(FI_READ, path);
	}
	if (err) {
		errno = err;
		return -1;
	}
	FI_RESOLVE(read);
	return real_read(fd, buf, len);
}

FI_EXPORT ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t len)
{
	int err = fi_check(FI_READLINKAT, path);

	if (err) {
		errno = err;
		return -1;
	}
	FI_RESOLVE(readlinkat);
	return real_readlinkat(dirfd, path, buf, len);
}

FI_EXPORT ssize_t getdents64(int fd, void *buf, size_t len)
{
	int err = fi_check(FI_GETDENTS, NULL);

	if (err) {
		errno = err;
		return -1;
	}
	FI_RESOLVE(getdents64);
	return real_getdents64(fd, buf, len);
}

/* ---- allocation ---- */

static int fi_alloc_check(const void *caller)
{
	if (!fi_ready || fi_inside || !fi_in_scope(caller))
		return 0;
	return fi_check(FI_MALLOC, NULL);
}

FI_EXPORT void *malloc(size_t n)
{
	if (!real_malloc) {
		if (fi_inside || !fi_ready)
			return fi_boot_alloc(n);
		FI_RESOLVE(malloc);
	}
	if (fi_alloc_check(__builtin_return_address(0))) {
		errno = ENOMEM;
		return NULL;
	}
	return real_malloc(n);
}

FI_EXPORT void *calloc(size_t n, size_t sz)
{
	if (!real_calloc) {
		if (fi_inside || !fi_ready) {
			void *p = sz && n > SIZE_MAX / sz ? NULL : fi_boot_alloc(n * sz);

			return p ? memset(p, 0, n * sz) : NULL;
		}
		FI_RESOLVE(calloc);
	}
	if (fi_alloc_check(__builtin_return_address(0))) {
		errno = ENOMEM;
		return NULL;
	}
	return real_calloc(n, sz);
}

FI_EXPORT void *realloc(void *p, size_t n)
{
	if (fi_is_boot(p)) {
		void *q = malloc(n);

		if (q)
			memcpy(q, p, n < (size_t)(fi_boot + sizeof(fi_boot) - (unsigned char *)p) ?
					     n : (size_t)(fi_boot + sizeof(fi_boot) - (unsigned char *)p));
		return q;
	}
	FI_RESOLVE(realloc);
	if (n && fi_alloc_check(__builtin_return_address(0))) {
		errno = ENOMEM;
		return NULL;
	}
	return real_realloc(p, n);
}

FI_EXPORT void free(void *p)
{
	if (!p || fi_is_boot(p))
		return;
	FI_RESOLVE(free);
	real_free(p);
}

FI_EXPORT char *strdup(const char *s)
{
	if (fi_alloc_check(__builtin_return_address(0))) {
		errno = ENOMEM;
		return NULL;
	}
	FI_RESOLVE(strdup);
	return real_strdup(s);
}

FI_EXPORT char *strndup(const char *s, size_t n)
{
	if (fi_alloc_check(__builtin_return_address(0))) {
		errno = ENOMEM;
		return NULL;
	}
	FI_RESOLVE(strndup);
	return real_strndup(s, n);
}
