// SPDX-License-Identifier: MIT
/*
 * Unit tests for cgroup and mountinfo: mountinfo lines (escapes, optional
 * fields, nsfs and cgroup2 entries, malformed lines), finding the cgroup2
 * mount in a written mountinfo file, /proc/PID/cgroup contents (v2, v1-only
 * with name=systemd, hostile), and the id -> path cache over a directory
 * tree the test makes (a tmpfs tree's inode numbers stand in for cgroup ids):
 * lookups, one refresh per snapshot on a miss, injected entries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "mountinfo.h"

static void t_mountinfo(void **state)
{
	struct mi_entry *e = malloc(sizeof(*e));
	const char *l;

	assert_non_null(e);
	if (!e)
		return;
	l = "612 29 0:4 net:[4026532290] /run/netns/blue\\040sky rw shared:286 - nsfs nsfs rw";
	assert_int_equal(mi_parse_line(l, strlen(l), e), 0);
	assert_string_equal(e->root, "net:[4026532290]");
	assert_string_equal(e->target, "/run/netns/blue sky");
	assert_string_equal(e->fstype, "nsfs");
	assert_int_equal(e->major, 0);
	assert_int_equal(e->minor, 4);
	l = "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw";
	assert_int_equal(mi_parse_line(l, strlen(l), e), 0);
	assert_string_equal(e->fstype, "cgroup2");
	l = "41 31 0:38 / /x rw a:1 b:2 c:3 - tmpfs t rw";
	assert_int_equal(mi_parse_line(l, strlen(l), e), 0);
	assert_string_equal(e->fstype, "tmpfs");
	l = "41 31 0:38 / /x rw";
	assert_int_equal(mi_parse_line(l, strlen(l), e), -EINVAL);
	l = "41 31 0:38 / /x rw -";
	assert_int_equal(mi_parse_line(l, strlen(l), e), -EINVAL);
	l = "41 31 038 / /x rw - t s o";
	assert_int_equal(mi_parse_line(l, strlen(l), e), -EINVAL);
	l = "41 31 0:99999999999 / /x rw - t s o";
	assert_int_equal(mi_parse_line(l, strlen(l), e), -EINVAL);
	l = "41 31 0:1 / /x\\000y rw - t s o";
	assert_int_equal(mi_parse_line(l, strlen(l), e), -EINVAL);
	l = "";
	assert_int_equal(mi_parse_line(l, 0, e), -EINVAL);
	free(e);
}

static char tmp[256];

static void t_find_cgroup2(void **state)
{
	char p[512], out[256];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/cg-test.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(tmp));
	snprintf(p, sizeof(p), "%s/mountinfo", tmp);
	f = fopen(p, "w");
	assert_non_null(f);
	if (!f)
		return;
	fputs("31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	      "garbage line\n"
	      "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	      "41 31 0:38 / /sys/fs/cgroup/uni\\040fied rw,relatime - cgroup2 cgroup2 rw\n",
	      f);
	fclose(f);
	assert_int_equal(cg_find_cgroup2(p, out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup/uni fied");
	assert_int_equal(cg_find_cgroup2(p, out, 5), -ENAMETOOLONG);
	f = fopen(p, "w");
	if (f) {
		fputs("31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n", f);
		fclose(f);
	}
	assert_int_equal(cg_find_cgroup2(p, out, sizeof(out)), -ENOENT);
	unlink(p);
	rmdir(tmp);
}

static void t_proc_cgroup(void **state)
{
	char out[256];
	const char *s;

	s = "9:name=systemd:/\n4:memory:/x\n0::/system.slice/docker-abc.scope\n";
	assert_int_equal(cg_parse_proc_cgroup(s, strlen(s), out, sizeof(out)), 0);
	assert_string_equal(out, "/system.slice/docker-abc.scope");
	s = "0::/\n";
	assert_int_equal(cg_parse_proc_cgroup(s, strlen(s), out, sizeof(out)), 0);
	assert_string_equal(out, "/");
	s = "3:cpu:/a\n1:name=systemd:/system.slice/foo.service";
	assert_int_equal(cg_parse_proc_cgroup(s, strlen(s), out, sizeof(out)), 1);
	assert_string_equal(out, "/system.slice/foo.service");
	s = "3:cpu:/a\n";
	assert_int_equal(cg_parse_proc_cgroup(s, strlen(s), out, sizeof(out)), -ENOENT);
	s = "0::/a\033b\n";
	assert_int_equal(cg_parse_proc_cgroup(s, strlen(s), out, sizeof(out)), -EINVAL);
	s = "0::relative\n0::";
	assert_int_equal(cg_parse_proc_cgroup(s, strlen(s), out, sizeof(out)), -ENOENT);
	s = "0::/abcdefgh\n";
	assert_int_equal(cg_parse_proc_cgroup(s, strlen(s), out, 4), -ENAMETOOLONG);
	/* our own process, through /proc */
	assert_true(cg_pid_path(NULL, getpid(), out, sizeof(out)) >= 0);
	assert_int_equal(out[0], '/');
	assert_int_equal(cg_pid_path(NULL, 0, out, sizeof(out)), -EINVAL);
}

static uint64_t ino_of(const char *p)
{
	struct stat st;

	if (stat(p, &st) < 0)
		return 0;
	return (uint64_t)st.st_ino;
}

static void t_cache(void **state)
{
	struct cg_cache *c;
	char p[512], out[512];
	uint64_t a, b, d;

	snprintf(tmp, sizeof(tmp), "%s/cg-tree.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(tmp));
	snprintf(p, sizeof(p), "%s/system.slice", tmp);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/system.slice/docker-0123.scope", tmp);
	mkdir(p, 0755);
	a = ino_of(p);
	snprintf(p, sizeof(p), "%s/system.slice/file", tmp);
	fclose(fopen(p, "w"));
	b = ino_of(p);

	assert_int_equal(cg_cache_new(&(struct cg_cache_opts){ .root = tmp }, &c), 0);
	assert_string_equal(cg_cache_root(c), tmp);
	assert_int_equal(cg_cache_path(c, a, out, sizeof(out)), 0);
	assert_string_equal(out, "/system.slice/docker-0123.scope");
	assert_int_equal(cg_cache_path(c, ino_of(tmp), out, sizeof(out)), 0);
	assert_string_equal(out, "/");
	assert_int_equal(cg_cache_stats(c)->walks, 1);
	/* a file is not a cgroup; the miss walks once more in this snapshot */
	assert_int_equal(cg_cache_path(c, b, out, sizeof(out)), -ENOENT);
	assert_int_equal(cg_cache_stats(c)->walks, 1); /* first walk was this snapshot's refresh */
	/* a new cgroup: found after a new snapshot starts, not before */
	snprintf(p, sizeof(p), "%s/system.slice/new.service", tmp);
	mkdir(p, 0755);
	d = ino_of(p);
	assert_int_equal(cg_cache_path(c, d, out, sizeof(out)), -ENOENT);
	assert_int_equal(cg_cache_stats(c)->walks, 1);
	cg_cache_snapshot(c);
	assert_int_equal(cg_cache_path(c, d, out, sizeof(out)), 0);
	assert_string_equal(out, "/system.slice/new.service");
	assert_int_equal(cg_cache_stats(c)->walks, 2);
	assert_int_equal(cg_cache_path(c, 999999999999ULL, out, sizeof(out)), -ENOENT);
	assert_int_equal(cg_cache_stats(c)->walks, 2);
	assert_int_equal(cg_cache_path(c, a, out, 4), -ENAMETOOLONG);
	assert_int_equal(cg_cache_add(c, 999999999999ULL, "/injected"), 0);
	assert_int_equal(cg_cache_path(c, 999999999999ULL, out, sizeof(out)), 0);
	assert_string_equal(out, "/injected");
	cg_cache_free(c);

	/* entries bounded */
	assert_int_equal(cg_cache_new(&(struct cg_cache_opts){ .root = tmp, .max_entries = 1 }, &c), 0);
	assert_int_equal(cg_cache_path(c, d, out, sizeof(out)), -ENOENT);
	assert_true(cg_cache_stats(c)->truncated >= 1);
	cg_cache_free(c);

	/* injected table only */
	assert_int_equal(cg_cache_new(&(struct cg_cache_opts){ .root = "/nonexistent", .no_walk = 1 }, &c), 0);
	for (uint64_t i = 1; i <= 5000; i++) {
		char q[32];

		snprintf(q, sizeof(q), "/g%llu", (unsigned long long)i);
		assert_int_equal(cg_cache_add(c, i, q), 0);
	}
	assert_int_equal(cg_cache_path(c, 4321, out, sizeof(out)), 0);
	assert_string_equal(out, "/g4321");
	assert_int_equal(cg_cache_path(c, 0, out, sizeof(out)), -ENOENT);
	cg_cache_free(c);

	snprintf(out, sizeof(out), "rm -rf '%s'", tmp);
	assert_int_equal(system(out), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_mountinfo),
		cmocka_unit_test(t_find_cgroup2),
		cmocka_unit_test(t_proc_cgroup),
		cmocka_unit_test(t_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
