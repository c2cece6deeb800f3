// SPDX-License-Identifier: MIT
/*
 * Unit tests for procmap (socket inode -> owning processes) and names (the
 * service, user and host name caches).  procmap runs on fake /proc trees built
 * in a temporary directory, on the static tree in tests/data/proc-owners, and
 * on the real /proc with sockets this test creates (itself, then with a forked
 * child holding the same socket).  Names are checked against direct libc
 * lookups.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ftw.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "names.h"
#include "procmap.h"

/* ---- fake /proc trees ---- */

static void write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* root/pid, with a comm file unless comm is NULL, and an fd dir if with_fd. */
static void mk_pid(const char *root, int pid, const char *comm, int with_fd)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%d", root, pid);
	assert_int_equal(mkdir(p, 0755), 0);
	if (comm) {
		char c[128];
		int n = snprintf(c, sizeof(c), "%s\n", comm);

		snprintf(p, sizeof(p), "%s/%d/comm", root, pid);
		write_file(p, c, (size_t)n);
	}
	if (with_fd) {
		snprintf(p, sizeof(p), "%s/%d/fd", root, pid);
		assert_int_equal(mkdir(p, 0755), 0);
	}
}

static void mk_fd(const char *root, int pid, int fd, const char *target)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%d/fd/%d", root, pid, fd);
	assert_int_equal(symlink(target, p), 0);
}

static void mk_sock_fd(const char *root, int pid, int fd, unsigned long inode)
{
	char t[64];

	snprintf(t, sizeof(t), "socket:[%lu]", inode);
	mk_fd(root, pid, fd, t);
}

static int rm_cb(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void rm_tree(const char *root)
{
	assert_int_equal(nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* Checks that inode has exactly the owners (pid, fd) given, in this order. */
static void expect_owners(const struct procmap *pm, uint64_t inode, size_t n, const int32_t *pid_fd)
{
	const struct sock_owner *o = NULL;

	assert_int_equal(procmap_lookup(pm, inode, &o), n);
	if (n == 0)
		return;
	assert_non_null(o);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(o[i].pid, pid_fd[2 * i]);
		assert_int_equal(o[i].fd, pid_fd[2 * i + 1]);
	}
}

struct fake {
	char root[64];
	uid_t uid200; /* expected uid of pid 200 */
};

/*
 * 100 "sshd": 0 /dev/null, 3 socket:[123], 4 pipe:[7], 5 [0000]:456, 6 socket:[789]
 * 200 "worker": 3 socket:[789] (shared with 100, as after fork), 7 socket:[1000]
 * 300 "nofd": no fd dir (counts as vanished)
 * 400: fds but no sockets and no comm (comm must not be read, not vanished)
 * 500 raw comm bytes: bad links that must be ignored, and socket:[2000] twice
 * 600: a socket but no comm file (vanished between fds and comm)
 * 700: a regular file, "self" and "net": not processes
 */
static void build_fake(struct fake *f)
{
	char p[512];
	const char *r;

	strcpy(f->root, "/tmp/procmap-test.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	r = f->root;
	mk_pid(r, 100, "sshd", 1);
	mk_fd(r, 100, 0, "/dev/null");
	mk_sock_fd(r, 100, 3, 123);
	mk_fd(r, 100, 4, "pipe:[7]");
	mk_fd(r, 100, 5, "[0000]:456");
	mk_sock_fd(r, 100, 6, 789);
	mk_pid(r, 200, "worker", 1);
	mk_sock_fd(r, 200, 3, 789);
	mk_sock_fd(r, 200, 7, 1000);
	mk_pid(r, 300, "nofd", 0);
	mk_pid(r, 400, NULL, 1);
	mk_fd(r, 400, 0, "/dev/null");
	mk_fd(r, 400, 1, "pipe:[8]");
	mk_pid(r, 500, "a\tb\xff", 1);
	mk_sock_fd(r, 500, 1, 0);
	mk_fd(r, 500, 2, "socket:[12x]");
	mk_fd(r, 500, 3, "socket:[99999999999999999999999]");
	mk_fd(r, 500, 4, "socket:[]");
	mk_fd(r, 500, 5, "socket:[55");
	mk_fd(r, 500, 6, "[0000]:");
	mk_fd(r, 500, 7, "anon_inode:[eventfd]");
	mk_sock_fd(r, 500, 9, 2000);
	mk_sock_fd(r, 500, 8, 2000);
	mk_pid(r, 600, NULL, 1);
	mk_sock_fd(r, 600, 3, 3000);
	snprintf(p, sizeof(p), "%s/700", r);
	write_file(p, "x", 1);
	snprintf(p, sizeof(p), "%s/net", r);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/self", r);
	assert_int_equal(symlink("100", p), 0);

	f->uid200 = geteuid();
	snprintf(p, sizeof(p), "%s/200", r);
	if (chown(p, 1234, (gid_t)-1) == 0)
		f->uid200 = 1234;
}

static void check_fake(const struct procmap *pm, const struct fake *f)
{
	const struct sock_owner *o = NULL, *o2 = NULL;

	expect_owners(pm, 123, 1, (const int32_t[]){ 100, 3 });
	expect_owners(pm, 456, 1, (const int32_t[]){ 100, 5 });
	expect_owners(pm, 789, 2, (const int32_t[]){ 100, 6, 200, 3 });
	expect_owners(pm, 1000, 1, (const int32_t[]){ 200, 7 });
	expect_owners(pm, 2000, 2, (const int32_t[]){ 500, 8, 500, 9 });
	expect_owners(pm, 3000, 0, NULL); /* pid 600 has no comm */
	expect_owners(pm, 7, 0, NULL);    /* a pipe */
	expect_owners(pm, 8, 0, NULL);
	expect_owners(pm, 12, 0, NULL);
	expect_owners(pm, 55, 0, NULL);
	expect_owners(pm, 0, 0, NULL);
	expect_owners(pm, 999, 0, NULL);

	assert_int_equal(procmap_lookup(pm, 123, &o), 1);
	assert_string_equal(o[0].comm, "sshd");
	assert_int_equal(o[0].uid, geteuid());
	assert_int_equal(procmap_lookup(pm, 456, &o2), 1);
	assert_ptr_equal(o[0].comm, o2[0].comm); /* one copy per pid */
	assert_int_equal(procmap_lookup(pm, 1000, &o), 1);
	assert_string_equal(o[0].comm, "worker");
	assert_int_equal(o[0].uid, f->uid200);
	assert_int_equal(procmap_lookup(pm, 2000, &o), 2);
	assert_memory_equal(o[0].comm, "a\tb\xff", 5); /* raw bytes, NUL-terminated */
	assert_ptr_equal(o[0].comm, o[1].comm);
}

static void t_fake_tree(void **state)
{
	struct procmap_stats st;
	struct procmap *pm = NULL;
	struct fake f;

	build_fake(&f);
	memset(&st, 0xff, sizeof(st));
	assert_int_equal(procmap_build(f.root, &pm, &st), 0);
	assert_non_null(pm);
	check_fake(pm, &f);
	assert_int_equal(st.procs, 6);    /* 100, 200, 300, 400, 500, 600 */
	assert_int_equal(st.sockets, 7);  /* 3 + 2 + 2 */
	assert_int_equal(st.vanished, 2); /* 300 (no fd), 600 (no comm) */
	assert_int_equal(st.denied, 0);

	/* Refresh sees changes, and lookups stay right when repeated. */
	mk_sock_fd(f.root, 200, 9, 4000);
	mk_pid(f.root, 800, "new", 1);
	mk_sock_fd(f.root, 800, 3, 123);
	for (int i = 0; i < 3; i++) {
		memset(&st, 0, sizeof(st));
		assert_int_equal(procmap_refresh(pm, &st), 0);
		expect_owners(pm, 4000, 1, (const int32_t[]){ 200, 9 });
		expect_owners(pm, 123, 2, (const int32_t[]){ 100, 3, 800, 3 });
		expect_owners(pm, 789, 2, (const int32_t[]){ 100, 6, 200, 3 });
		assert_int_equal(st.procs, 7);
		assert_int_equal(st.sockets, 9);
	}
	/* The proc root disappears: an error, and an empty but usable map. */
	rm_tree(f.root);
	assert_int_equal(procmap_refresh(pm, &st), -ENOENT);
	expect_owners(pm, 123, 0, NULL);
	procmap_free(pm);
	procmap_free(NULL);
}

static void t_errors(void **state)
{
	struct procmap *pm = (struct procmap *)&pm;

	assert_int_equal(procmap_build("/nonexistent-proc-root", &pm, NULL), -ENOENT);
	assert_ptr_equal(pm, (struct procmap *)&pm); /* untouched on failure */
	assert_int_equal(procmap_build("/dev/null", &pm, NULL), -ENOTDIR);
	assert_int_equal(procmap_build(NULL, &pm, NULL), -EINVAL);
	assert_int_equal(procmap_refresh(NULL, NULL), -EINVAL);
	assert_int_equal(procmap_lookup(NULL, 1, NULL), 0);
}

/*
 * The build as an unprivileged user on a tree with a closed fd dir, in a
 * child (which drops to nobody first when we are root).  Returns 0 if all is
 * as expected, else the number of the failed check.
 */
static int denied_child(const char *root)
{
	const struct sock_owner *o;
	struct procmap_stats st;
	struct procmap *pm;
	int bad = 0;

	if (geteuid() == 0 && (setgroups(0, NULL) || setgid(65534) || setuid(65534)))
		return 1;
	if (geteuid() == 0)
		return 2;
	if (procmap_build(root, &pm, &st))
		return 3;
	if (st.denied != 1)
		bad = 4;
	else if (procmap_lookup(pm, 123, &o) != 0)
		bad = 5;
	else if (procmap_lookup(pm, 789, &o) != 1 || o[0].pid != 200 || o[0].fd != 3)
		bad = 6;
	else if (st.sockets != 4 || st.vanished != 2) /* sockets: 2 of 200, 2 of 500 */
		bad = 7;
	procmap_free(pm);
	return bad;
}

/* Unprivileged users cannot read other users' fd dirs: counted, not an error. */
static void t_denied(void **state)
{
	struct fake f;
	char p[512];
	pid_t child;
	int status;

	build_fake(&f);
	assert_int_equal(chmod(f.root, 0755), 0);
	snprintf(p, sizeof(p), "%s/100/fd", f.root);
	assert_int_equal(chmod(p, 0), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(denied_child(f.root));
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(chmod(p, 0700), 0);
	rm_tree(f.root);
}

/*
 * Many inodes, groups of every size, pids and fds created in shuffled order:
 * every group must come back whole and in (pid, fd) order.  Inode i is held
 * by pids 1000 + k for k < (i % 4) + 1 at fd 10 + i, and pid 1000 also holds
 * every inode i divisible by 50 at a second fd, 100000 + i.
 */
static void t_many(void **state)
{
	enum { NINODES = 1200, NPIDS = 4 };
	struct procmap_stats st;
	struct procmap *pm;
	char root[] = "/tmp/procmap-many.XXXXXX";
	unsigned long expect_sockets = 0;

	assert_non_null(mkdtemp(root));
	for (int k = NPIDS - 1; k >= 0; k--)
		mk_pid(root, 1000 + k, "many", 1);
	for (int j = 0; j < NINODES; j++) {
		int i = (int)(((unsigned)j * 7919u) % NINODES); /* 7919 is prime: a permutation */

		for (int k = i % NPIDS; k >= 0; k--) {
			mk_sock_fd(root, 1000 + k, 10 + i, 100000ul + (unsigned long)i);
			expect_sockets++;
		}
		if (i % 50 == 0) {
			mk_sock_fd(root, 1000, 100000 + i, 100000ul + (unsigned long)i);
			expect_sockets++;
		}
	}
	assert_int_equal(procmap_build(root, &pm, &st), 0);
	assert_int_equal(st.sockets, expect_sockets);
	for (int i = 0; i < NINODES; i++) {
		const struct sock_owner *o;
		size_t n = procmap_lookup(pm, 100000u + (unsigned)i, &o), want = (size_t)(i % NPIDS) + 1, j = 0;

		assert_int_equal(n, want + (i % 50 == 0));
		for (size_t k = 0; k < want; k++, j++) {
			assert_int_equal(o[j].pid, 1000 + (int)k);
			assert_int_equal(o[j].fd, 10 + i);
			assert_string_equal(o[j].comm, "many");
			if (k == 0 && i % 50 == 0) {
				j++;
				assert_int_equal(o[j].pid, 1000);
				assert_int_equal(o[j].fd, 100000 + i);
			}
		}
	}
	expect_owners(pm, 100000u + NINODES, 0, NULL);
	procmap_free(pm);
	rm_tree(root);
}

/* The static tree kept in git for the golden tests. */
static void t_data_tree(void **state)
{
	const char *src = getenv("SOURCE_ROOT");
	struct procmap_stats st;
	struct procmap *pm;
	const struct sock_owner *o;
	char root[4096];

	snprintf(root, sizeof(root), "%s/tests/data/proc-owners", src ? src : ".");
	assert_int_equal(procmap_build(root, &pm, &st), 0);
	assert_int_equal(st.procs, 4);
	assert_int_equal(st.sockets, 6);
	assert_int_equal(st.vanished, 1); /* 4242 has no fd dir */
	expect_owners(pm, 20001, 2, (const int32_t[]){ 1201, 3, 1202, 3 });
	expect_owners(pm, 20002, 1, (const int32_t[]){ 1202, 4 });
	expect_owners(pm, 20003, 1, (const int32_t[]){ 1201, 5 });
	expect_owners(pm, 20004, 1, (const int32_t[]){ 1, 7 });
	expect_owners(pm, 20005, 1, (const int32_t[]){ 1201, 6 });
	expect_owners(pm, 9, 0, NULL);
	assert_int_equal(procmap_lookup(pm, 20001, &o), 2);
	assert_string_equal(o[0].comm, "nginx");
	assert_string_equal(o[1].comm, "nginx: worker");
	assert_int_equal(procmap_lookup(pm, 20004, &o), 1);
	assert_string_equal(o[0].comm, "systemd");
	procmap_free(pm);
}

/* ---- the real /proc ---- */

static int listener(uint64_t *inode)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct stat sb;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s, 4), 0);
	assert_int_equal(fstat(s, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	*inode = (uint64_t)sb.st_ino;
	return s;
}

static void self_comm(char *buf, size_t len)
{
	int fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, len - 1);
	close(fd);
	assert_true(n > 0);
	if (buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
}

static void t_real_proc(void **state)
{
	struct procmap_stats st;
	struct procmap *pm;
	const struct sock_owner *o;
	uint64_t ino;
	char comm[64];
	int s = listener(&ino);

	self_comm(comm, sizeof(comm));
	assert_int_equal(procmap_build("/proc", &pm, &st), 0);
	assert_int_equal(procmap_lookup(pm, ino, &o), 1);
	assert_int_equal(o[0].pid, getpid());
	assert_int_equal(o[0].fd, s);
	assert_int_equal(o[0].uid, geteuid());
	assert_string_equal(o[0].comm, comm);
	assert_true(st.procs >= 1);
	assert_true(st.sockets >= 1);

	/* After close() a refresh no longer finds it. */
	close(s);
	assert_int_equal(procmap_refresh(pm, &st), 0);
	assert_int_equal(procmap_lookup(pm, ino, &o), 0);
	procmap_free(pm);
}

static void t_real_fork(void **state)
{
	struct procmap_stats st;
	struct procmap *pm;
	const struct sock_owner *o;
	uint64_t ino;
	int s = listener(&ino), ready[2], hold[2], status;
	pid_t child;
	char c;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(hold), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		/* Keep s open until the parent closes its end of hold. */
		close(ready[0]);
		close(hold[1]);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		while (read(hold[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);

	assert_int_equal(procmap_build("/proc", &pm, &st), 0);
	assert_int_equal(procmap_lookup(pm, ino, &o), 2);
	{
		pid_t lo = getpid() < child ? getpid() : child, hi = getpid() < child ? child : getpid();

		assert_int_equal(o[0].pid, lo);
		assert_int_equal(o[1].pid, hi);
		assert_int_equal(o[0].fd, s);
		assert_int_equal(o[1].fd, s);
		assert_string_equal(o[0].comm, o[1].comm);
	}

	close(hold[1]);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(procmap_refresh(pm, &st), 0);
	assert_int_equal(procmap_lookup(pm, ino, &o), 1);
	assert_int_equal(o[0].pid, getpid());
	procmap_free(pm);
	close(ready[0]);
	close(s);
}

/* ---- names ---- */

static void t_names_service(void **state)
{
	struct names *n;
	struct servent *se;
	const char *a, *b;

	assert_int_equal(names_new(0, &n), 0);
	se = getservbyport(htons(22), "tcp");
	if (se) {
		char want[64];

		snprintf(want, sizeof(want), "%s", se->s_name);
		a = names_service(n, 22);
		assert_non_null(a);
		assert_string_equal(a, want);
		assert_string_equal(a, "ssh"); /* what every services file calls it */
		b = names_service(n, 22);
		assert_ptr_equal(a, b);
	}
	/* A port that has no name, per libc: NULL, and again from the cache. */
	for (unsigned p = 65535; p > 60000; p--) {
		if (!getservbyport(htons((uint16_t)p), "tcp")) {
			assert_null(names_service(n, (uint16_t)p));
			assert_null(names_service(n, (uint16_t)p));
			break;
		}
	}
	/* Every named port agrees with libc. */
	for (unsigned p = 1; p < 1024; p++) {
		se = getservbyport(htons((uint16_t)p), "tcp");
		if (se) {
			char want[256];

			snprintf(want, sizeof(want), "%s", se->s_name);
			a = names_service(n, (uint16_t)p);
			assert_non_null(a);
			assert_string_equal(a, want);
		} else {
			assert_null(names_service(n, (uint16_t)p));
		}
	}
	assert_null(names_service(NULL, 22));
	names_free(n);
	names_free(NULL);
	assert_int_equal(names_new(1, &n), -EINVAL);
}

static void t_names_user(void **state)
{
	struct names *n;
	struct passwd *pw;
	const char *a, *root;
	char me[256] = "";

	assert_int_equal(names_new(0, &n), 0);
	pw = getpwuid(geteuid());
	if (pw)
		snprintf(me, sizeof(me), "%s", pw->pw_name);
	pw = getpwuid(0);
	assert_non_null(pw);
	assert_string_equal(pw->pw_name, "root");
	root = names_user(n, 0);
	assert_non_null(root);
	assert_string_equal(root, "root");
	assert_ptr_equal(names_user(n, 0), root);
	if (me[0]) {
		a = names_user(n, geteuid());
		assert_non_null(a);
		assert_string_equal(a, me);
	}
	if (!getpwuid(3999999999u)) {
		assert_null(names_user(n, 3999999999u));
		assert_null(names_user(n, 3999999999u));
	}
	/* Grow the table well past its first size; earlier answers stay. */
	for (uint32_t u = 100000; u < 100300; u++) {
		if (!getpwuid(u))
			assert_null(names_user(n, u));
	}
	assert_ptr_equal(names_user(n, 0), root);
	assert_string_equal(root, "root");
	names_free(n);
}

static void t_names_host(void **state)
{
	struct names *n;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char want[NI_MAXHOST];
	uint8_t addr[16] = { 127, 0, 0, 1 };
	const char *a;
	int r;

	assert_int_equal(names_new(0, &n), 0);
	r = getnameinfo((struct sockaddr *)&sin, sizeof(sin), want, sizeof(want), NULL, 0, NI_NAMEREQD);
	a = names_host(n, AF_INET, addr);
	if (r == 0) {
		assert_non_null(a);
		assert_string_equal(a, want);
	} else {
		assert_null(a);
	}
	/* Bytes past the IPv4 address do not matter. */
	memset(addr + 4, 0xaa, 12);
	assert_ptr_equal(names_host(n, AF_INET, addr), a);
	assert_null(names_host(n, AF_UNIX, addr));
	assert_null(names_host(NULL, AF_INET, addr));
	names_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_fake_tree),
		cmocka_unit_test(t_errors),
		cmocka_unit_test(t_denied),
		cmocka_unit_test(t_many),
		cmocka_unit_test(t_data_tree),
		cmocka_unit_test(t_real_proc),
		cmocka_unit_test(t_real_fork),
		cmocka_unit_test(t_names_service),
		cmocka_unit_test(t_names_user),
		cmocka_unit_test(t_names_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
