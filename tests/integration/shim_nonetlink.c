// SPDX-License-Identifier: MIT
/*
 * shim_nonetlink: an LD_PRELOAD library that makes socket(AF_NETLINK, ...)
 * fail, as it does in a seccomp sandbox or a kernel without netlink, so that
 * tests can exercise sockscope's fallback to /proc/net/tcp.  The errno is
 * EPERM unless SHIM_ERRNO names another one (EACCES, EAFNOSUPPORT,
 * EPROTONOSUPPORT, ENOENT, EINVAL, ENOMEM, ENOBUFS, EMFILE, or a number).
 * Every other socket() call goes to the real libc function.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const struct {
	const char *name;
	int err;
} errnames[] = {
	{"EPERM", EPERM},   {"EACCES", EACCES}, {"EAFNOSUPPORT", EAFNOSUPPORT}, {"EPROTONOSUPPORT", EPROTONOSUPPORT},
	{"ENOENT", ENOENT}, {"EINVAL", EINVAL}, {"ENOMEM", ENOMEM},             {"ENOBUFS", ENOBUFS},
	{"EMFILE", EMFILE},
};

static int shim_errno(void)
{
	const char *s = getenv("SHIM_ERRNO");
	char *end;
	long v;

	if (!s || !*s)
		return EPERM;
	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (!strcmp(s, errnames[i].name))
			return errnames[i].err;
	v = strtol(s, &end, 10);
	return !*end && v > 0 && v < 4096 ? (int)v : EPERM;
}

int socket(int domain, int type, int protocol)
{
	static int (*real_socket)(int, int, int);

	if (domain == AF_NETLINK) {
		errno = shim_errno();
		return -1;
	}
	if (!real_socket) {
		*(void **)&real_socket = dlsym(RTLD_NEXT, "socket");
		if (!real_socket) {
			errno = ENOSYS;
			return -1;
		}
	}
	return real_socket(domain, type, protocol);
}
