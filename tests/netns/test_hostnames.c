// SPDX-License-Identifier: MIT
/*
 * Unit tests for hostnames: the bounded JSON scanner (nesting, escapes,
 * duplicate keys at other depths, malformed and deep documents), the
 * var/log/pods and var/log/containers name parsers, hn_resolve() over a fake
 * host tree the test writes in a temporary directory (Docker config.v2.json,
 * containerd and CRI-O config.json, kubelet log names, an oversized file, a
 * symlink, a FIFO) and the where label.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgpath.h"
#include "hostnames.h"

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID64B "1111111111111111111111111111111111111111111111111111111111111111"
#define ID64C "2222222222222222222222222222222222222222222222222222222222222222"
#define ID64D "3333333333333333333333333333333333333333333333333333333333333333"
#define UID "6f3c2d1e-4b5a-4c7d-8e9f-a0b1c2d3e4f5"
#define UID_ "6f3c2d1e_4b5a_4c7d_8e9f_a0b1c2d3e4f5"

static int jget(const char *doc, const char *k1, const char *k2, char *out, size_t n)
{
	const char *keys[2] = { k1, k2 };

	return hn_json_get(doc, strlen(doc), keys, k2 ? 2 : 1, out, n);
}

static void t_json(void **state)
{
	char out[64];

	assert_int_equal(jget("{\"Name\":\"/web\"}", "Name", NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "/web");
	/* a nested "Name" first must not be taken for the top-level one */
	assert_int_equal(jget("{\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"no\"}},\"a\":[1,2,{\"Name\":\"x\"}],"
			      "\"Name\" : \"/db\"}",
			      "Name", NULL, out, sizeof(out)),
			 0);
	assert_string_equal(out, "/db");
	assert_int_equal(jget("{\"annotations\":{\"x\":\"y\",\"io.kubernetes.pod.name\":\"p\\u00e9\\n\\\"q\"}}",
			      "annotations", "io.kubernetes.pod.name", out, sizeof(out)),
			 0);
	assert_string_equal(out, "p\xc3\xa9\"q");
	/* \u escapes of control characters are dropped */
	assert_int_equal(jget("{\"a\":\"x\\u001b[2Jy\\u0007\"}", "a", NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "x[2Jy");
	/* surrogate pair */
	assert_int_equal(jget("{\"a\":\"\\ud83d\\ude00\"}", "a", NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "\xf0\x9f\x98\x80");
	/* truncation keeps UTF-8 whole */
	assert_int_equal(jget("{\"a\":\"abcdefgh\"}", "a", NULL, out, 4), 0);
	assert_string_equal(out, "abc");
	assert_int_equal(jget("{\"a\":1}", "a", NULL, out, sizeof(out)), -ENOENT);
	assert_int_equal(jget("{\"a\":{}}", "a", "b", out, sizeof(out)), -ENOENT);
	assert_int_equal(jget("{}", "a", NULL, out, sizeof(out)), -ENOENT);
	assert_int_equal(jget("[]", "a", NULL, out, sizeof(out)), -ENOENT);
	assert_int_equal(jget("{\"a\":\"unterminated", "a", NULL, out, sizeof(out)), -EINVAL);
	assert_int_equal(jget("{\"b\":tru", "a", NULL, out, sizeof(out)), -EINVAL);
	assert_int_equal(jget("{\"b\" 1}", "a", NULL, out, sizeof(out)), -EINVAL);
	assert_int_equal(jget("{\"b\":\"\x01\"}", "a", NULL, out, sizeof(out)), -EINVAL);
	{
		char deep[400];
		size_t n = 0;

		n += (size_t)snprintf(deep + n, sizeof(deep) - n, "{\"x\":");
		for (int i = 0; i < 100; i++)
			deep[n++] = '[';
		deep[n] = '\0';
		assert_int_equal(jget(deep, "a", NULL, out, sizeof(out)), -ELOOP);
	}
}

static void t_lognames(void **state)
{
	struct hn_info h;
	char id[CG_ID_MAX + 1];
	const char *s;

	s = "kube-system_coredns-5d78c9869d-abcde_" UID;
	assert_int_equal(hn_parse_pod_dir(s, strlen(s), &h), 0);
	assert_string_equal(h.pod_ns, "kube-system");
	assert_string_equal(h.pod, "coredns-5d78c9869d-abcde");
	assert_string_equal(h.pod_uid, UID);
	s = "_pod_" UID;
	assert_int_equal(hn_parse_pod_dir(s, strlen(s), &h), -EINVAL);
	s = "ns_a_b_" UID;
	assert_int_equal(hn_parse_pod_dir(s, strlen(s), &h), -EINVAL);
	s = "ns_pod_" UID_;
	assert_int_equal(hn_parse_pod_dir(s, strlen(s), &h), -EINVAL);
	s = "ns_pod\x1b_" UID;
	assert_int_equal(hn_parse_pod_dir(s, strlen(s), &h), -EINVAL);

	s = "web-7d4b9c_default_nginx-" ID64 ".log";
	assert_int_equal(hn_parse_container_log(s, strlen(s), &h, id), 0);
	assert_string_equal(h.pod, "web-7d4b9c");
	assert_string_equal(h.pod_ns, "default");
	assert_string_equal(h.container, "nginx");
	assert_string_equal(id, ID64);
	s = "web_default_nginx-" ID64 ".txt";
	assert_int_equal(hn_parse_container_log(s, strlen(s), &h, id), -EINVAL);
	s = "web_default-nginx-" ID64 ".log";
	assert_int_equal(hn_parse_container_log(s, strlen(s), &h, id), -EINVAL);
	s = "web_default_-" ID64 ".log";
	assert_int_equal(hn_parse_container_log(s, strlen(s), &h, id), -EINVAL);
	s = "-" ID64 ".log";
	assert_int_equal(hn_parse_container_log(s, strlen(s), &h, id), -EINVAL);
}

static char root[256];

static void wfile(const char *rel, const char *content)
{
	char p[1024], *slash;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (slash = strchr(p + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(p, 0755);
		*slash = '/';
	}
	f = fopen(p, "w");
	assert_non_null(f);
	if (!f)
		return;
	fputs(content, f);
	fclose(f);
}

static void wdir(const char *rel)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s/x", root, rel);
	wfile(p + strlen(root) + 1, "");
}

static int setup_tree(void **state)
{
	char p[1024];
	FILE *f;

	snprintf(root, sizeof(root), "%s/hn-test.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(root))
		return -1;
	wfile("var/lib/docker/containers/" ID64 "/config.v2.json",
	      "{\"State\":{\"Running\":true},\"Config\":{\"Hostname\":\"x\",\"Labels\":{}},"
	      "\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"no\"}},\"Name\":\"/web\\u001b[31m\"}");
	wfile("var/lib/docker/containers/" ID64D "/config.v2.json",
	      "{\"Name\":\"/k8s_app_pod\",\"Config\":{\"Labels\":{\"io.kubernetes.pod.name\":\"dpod\","
	      "\"io.kubernetes.pod.namespace\":\"dns\"}}}");
	wfile("run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID64B "/config.json",
	      "{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"/pause\"]},\"annotations\":{"
	      "\"io.kubernetes.cri.container-type\":\"container\","
	      "\"io.kubernetes.cri.sandbox-name\":\"api-6b9\",\"io.kubernetes.cri.sandbox-namespace\":\"prod\","
	      "\"io.kubernetes.cri.container-name\":\"server\"}}");
	wfile("run/containers/storage/overlay-containers/" ID64C "/userdata/config.json",
	      "{\"annotations\":{\"io.kubernetes.pod.name\":\"crio-pod\",\"io.kubernetes.pod.namespace\":\"ops\","
	      "\"io.kubernetes.container.name\":\"agent\"}}");
	wdir("var/log/pods/default_logged-pod_" UID);
	wdir("var/log/pods/bad_name");
	/* var/log/containers holds symlinks in real life: only names count */
	snprintf(p, sizeof(p), "%s/var/log/containers", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/var/log/containers/logged-pod_default_sidecar-" ID64C ".log", root);
	if (symlink("/nonexistent", p) < 0)
		return -1;
	/* an oversized config and a symlinked one are refused */
	wfile("var/lib/docker/containers/" ID64B "/x", "");
	snprintf(p, sizeof(p), "%s/var/lib/docker/containers/" ID64B "/config.v2.json", root);
	f = fopen(p, "w");
	if (!f)
		return -1;
	fputs("{\"Name\":\"/big\",\"pad\":\"", f);
	for (unsigned i = 0; i < HN_JSON_MAX; i += 64)
		fputs("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", f);
	fputs("\"}", f);
	fclose(f);
	wfile("var/lib/docker/containers/" ID64C "/x", "");
	snprintf(p, sizeof(p), "%s/var/lib/docker/containers/" ID64C "/config.v2.json", root);
	if (symlink("../" ID64 "/config.v2.json", p) < 0)
		return -1;
	return 0;
}

static int teardown_tree(void **state)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void t_resolve(void **state)
{
	struct hn_ctx *c;
	struct cg_owner o;
	struct hn_info h;
	char where[128];
	const char *p;

	assert_int_equal(hn_ctx_new(root, &c), 0);

	p = "/system.slice/docker-" ID64 ".scope";
	assert_int_equal(cgpath_parse(p, strlen(p), &o), 0);
	assert_int_equal(hn_resolve(c, &o, &h), 0);
	assert_string_equal(h.container, "web[31m");
	assert_int_equal(where_label(&(struct where_in){ &o, &h, NULL, 4026532000ULL, false }, where, sizeof(where)), 0);
	assert_string_equal(where, "docker:web[31m");

	/* cri-dockerd labels */
	p = "/kubepods.slice/kubepods-pod" UID_ ".slice/docker-" ID64D ".scope";
	assert_int_equal(cgpath_parse(p, strlen(p), &o), 0);
	assert_int_equal(hn_resolve(c, &o, &h), 0);
	assert_int_equal(where_label(&(struct where_in){ &o, &h, NULL, 0, false }, where, sizeof(where)), 0);
	assert_string_equal(where, "pod:dns/dpod");

	/* containerd bundle annotations */
	p = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice/cri-containerd-" ID64B
	    ".scope";
	assert_int_equal(cgpath_parse(p, strlen(p), &o), 0);
	assert_int_equal(hn_resolve(c, &o, &h), 0);
	assert_string_equal(h.pod, "api-6b9");
	assert_string_equal(h.pod_ns, "prod");
	assert_string_equal(h.container, "server");
	assert_int_equal(where_label(&(struct where_in){ &o, &h, "cni-1234", 0, false }, where, sizeof(where)), 0);
	assert_string_equal(where, "pod:prod/api-6b9");

	/* CRI-O bundle annotations, and the log symlink name agrees */
	p = "/kubepods.slice/kubepods-pod" UID_ ".slice/crio-" ID64C ".scope";
	assert_int_equal(cgpath_parse(p, strlen(p), &o), 0);
	assert_int_equal(hn_resolve(c, &o, &h), 0);
	assert_string_equal(h.pod, "crio-pod");
	assert_string_equal(h.container, "agent");

	/* cgroupfs driver, nothing but log names: container log wins, then pod dir */
	p = "/kubepods/burstable/pod" UID "/" ID64;
	assert_int_equal(cgpath_parse(p, strlen(p), &o), 0);
	assert_int_equal(hn_resolve(c, &o, &h), 0);
	assert_string_equal(h.pod, "logged-pod");
	assert_string_equal(h.pod_ns, "default");
	assert_string_equal(h.pod_uid, UID);
	assert_string_equal(h.container, "");

	/* pod slice only */
	p = "/kubepods.slice/kubepods-pod" UID_ ".slice";
	assert_int_equal(cgpath_parse(p, strlen(p), &o), 0);
	assert_int_equal(hn_resolve(c, &o, &h), 0);
	assert_string_equal(h.pod, "logged-pod");

	/* oversized and symlinked config.v2.json: refused, id label */
	p = "/system.slice/docker-" ID64B ".scope";
	assert_int_equal(cgpath_parse(p, strlen(p), &o), 0);
	assert_int_equal(hn_resolve(c, &o, &h), -ENOENT);
	assert_int_equal(where_label(&(struct where_in){ &o, NULL, NULL, 0, false }, where, sizeof(where)), 0);
	assert_string_equal(where, "docker:111111111111");
	p = "/system.slice/docker-" ID64C ".scope";
	assert_int_equal(cgpath_parse(p, strlen(p), &o), 0);
	assert_int_equal(hn_resolve(c, &o, &h), 0); /* only the log name of the other runtime's file */
	assert_string_equal(h.container, "sidecar");

	/* nothing at all */
	p = "/system.slice/nginx.service";
	assert_int_equal(cgpath_parse(p, strlen(p), &o), 0);
	assert_int_equal(hn_resolve(c, &o, &h), -ENOENT);
	assert_int_equal(where_label(&(struct where_in){ &o, NULL, NULL, 0, true }, where, sizeof(where)), 0);
	assert_string_equal(where, "unit:nginx.service");
	hn_ctx_free(c);

	/* a missing host root is no error, only no names */
	assert_int_equal(hn_ctx_new("/nonexistent/root", &c), 0);
	p = "/kubepods/burstable/pod" UID "/" ID64;
	assert_int_equal(cgpath_parse(p, strlen(p), &o), 0);
	assert_int_equal(hn_resolve(c, &o, &h), -ENOENT);
	assert_int_equal(where_label(&(struct where_in){ &o, &h, NULL, 0, false }, where, sizeof(where)), 0);
	assert_string_equal(where, "pod:" UID);
	hn_ctx_free(c);
}

static void t_where(void **state)
{
	struct cg_owner o;
	char w[64], small[8];
	const char *p = "/user.slice/user-0.slice/session-3.scope";

	assert_int_equal(cgpath_parse(p, strlen(p), &o), 0);
	assert_int_equal(where_label(&(struct where_in){ &o, NULL, NULL, 0, true }, w, sizeof(w)), 0);
	assert_string_equal(w, "host");
	assert_int_equal(where_label(&(struct where_in){ NULL, NULL, "blue", 4026532999ULL, false }, w, sizeof(w)), 0);
	assert_string_equal(w, "netns:blue");
	assert_int_equal(where_label(&(struct where_in){ NULL, NULL, NULL, 4026532999ULL, false }, w, sizeof(w)), 0);
	assert_string_equal(w, "netns:4026532999");
	assert_int_equal(where_label(&(struct where_in){ NULL, NULL, "a\nb\033c", 1, false }, w, sizeof(w)), 0);
	assert_string_equal(w, "netns:abc");
	assert_int_equal(where_label(&(struct where_in){ NULL, NULL, "blue", 1, false }, small, sizeof(small)),
			 -ENAMETOOLONG);
	assert_string_equal(small, "netns:b");
	p = "/lxc.payload.c1";
	assert_int_equal(cgpath_parse(p, strlen(p), &o), 0);
	assert_int_equal(where_label(&(struct where_in){ &o, NULL, NULL, 5, false }, w, sizeof(w)), 0);
	assert_string_equal(w, "lxc:c1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_json),
		cmocka_unit_test(t_lognames),
		cmocka_unit_test_setup_teardown(t_resolve, setup_tree, teardown_tree),
		cmocka_unit_test(t_where),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
