// SPDX-License-Identifier: MIT
/*
 * exporter_cmd: `sockscope exporter`.  Wires the metrics collection to the
 * HTTP layer (http.c: libmicrohttpd, TLS, basic auth, single flight), maps
 * SIGINT/SIGTERM to a stop and SIGHUP to a reload of the web config, and
 * reports the listening addresses and reload failures on stderr.  It opens
 * the event source of the transition counters (metrics_events_open()) unless
 * --no-events: when none works, one notice and the exporter serves without
 * those series, never failing because of it.  The HTTP
 * layer is a module (sockscope-http.so) loaded here with dlopen(), so that
 * no other command loads libmicrohttpd, GnuTLS and their dependencies.
 */
#include "exporter_cmd.h"

#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "metrics.h"

static volatile sig_atomic_t exporter_stop, exporter_reload;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		exporter_reload = 1;
	else
		exporter_stop = 1;
}

static void log_line(void *arg, const char *msg)
{
	fprintf(arg, "sockscope exporter: %s\n", msg);
	fflush(arg);
}

#define MODULE_NAME "sockscope-http.so"

struct http_module {
	void *handle;
	int (*serve)(const struct exporter_opts *, exporter_collect_fn, void *, volatile sig_atomic_t *,
		     volatile sig_atomic_t *, char *, size_t);
	int (*check_web_config)(const char *, char *, size_t);
};

/* SOCKSCOPE_HTTP_MODULE, else next to the binary (the build tree), else the
 * installed module directory. */
static int module_load(struct http_module *m, char *err, size_t errlen)
{
	char exe[PATH_MAX], path[PATH_MAX + 64];
	const char *env = getenv("SOCKSCOPE_HTTP_MODULE");
	const char *tried[3];
	size_t nt = 0;
	ssize_t n;

	if (env && *env)
		tried[nt++] = env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		snprintf(path, sizeof(path), "%s/export/" MODULE_NAME, dirname(exe));
		tried[nt++] = path;
	}
	tried[nt++] = SOCKSCOPE_MODULE_DIR "/" MODULE_NAME;
	for (size_t i = 0; i < nt; i++) {
		if (i + 1 < nt && access(tried[i], R_OK) != 0)
			continue;
		m->handle = dlopen(tried[i], RTLD_NOW | RTLD_LOCAL);
		if (m->handle)
			break;
		if (i + 1 == nt || (env && i == 0)) {
			snprintf(err, errlen, "cannot load the HTTP layer: %s", dlerror());
			return -ENOENT;
		}
	}
	if (!m->handle) {
		snprintf(err, errlen, "cannot load the HTTP layer (%s)", SOCKSCOPE_MODULE_DIR "/" MODULE_NAME);
		return -ENOENT;
	}
	*(void **)&m->serve = dlsym(m->handle, "exporter_serve");
	*(void **)&m->check_web_config = dlsym(m->handle, "exporter_check_web_config");
	if (!m->serve || !m->check_web_config) {
		snprintf(err, errlen, "the HTTP layer lacks its entry points");
		dlclose(m->handle);
		m->handle = NULL;
		return -ENOENT;
	}
	return 0;
}

static int collect(void *arg, double timeout_s, char **ret_body, size_t *ret_len)
{
	return metrics_collect(arg, timeout_s, ret_body, ret_len);
}

int exporter_run(const struct options *opt)
{
	struct exporter_opts eo = {
		.telemetry_path = opt->telemetry_path,
		.web_config = opt->web_config,
		.systemd_socket = opt->systemd_socket,
		.max_connections = opt->max_connections,
		.log = log_line,
		.log_arg = stderr,
	};
	struct sigaction sa;
	struct filter_error fe;
	struct metrics *m = NULL;
	struct http_module http = {0};
	char err[512];
	int r;

	if (module_load(&http, err, sizeof(err)) < 0) {
		fprintf(stderr, "sockscope: exporter: %s\n", err);
		return 1;
	}
	if (opt->web_config && http.check_web_config(opt->web_config, err, sizeof(err)) < 0) {
		fprintf(stderr, "sockscope: exporter: %s\n", err);
		return 2;
	}
	for (size_t i = 0; i < opt->nlisten && i < EXPORTER_MAX_LISTEN; i++)
		eo.listen[eo.nlisten++] = opt->listen[i];
	if (!eo.nlisten && !opt->systemd_socket)
		eo.listen[eo.nlisten++] = ":9877";
	memset(&fe, 0, sizeof(fe));
	r = metrics_new(opt, &m, &fe);
	if (r < 0) {
		if (r == -EINVAL && fe.msg[0])
			fprintf(stderr, "sockscope: bad filter: %s\n", fe.msg);
		else
			fprintf(stderr, "sockscope: exporter: %s\n", strerror(-r));
		return r == -EINVAL ? 2 : 1;
	}
	if (opt->ev_source != EVSRC_POLL) {
		enum feed_source want = opt->ev_source == EVSRC_TRACEPOINT ? FEED_SRC_TRACEPOINT
					: opt->ev_source == EVSRC_DESTROY  ? FEED_SRC_DESTROY
									   : FEED_SRC_NONE;

		if (metrics_events_open(m, want, opt->mount_tracefs, err, sizeof(err)) < 0)
			fprintf(stderr, "sockscope exporter: no event source, serving without the transition counters: %s\n",
				err[0] ? err : "unknown reason");
		else if (err[0])
			fprintf(stderr, "sockscope exporter: %s\n", err);
		fflush(stderr);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* large bodies go back to the kernel when freed: flat memory */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	r = http.serve(&eo, collect, m, &exporter_stop, &exporter_reload, err, sizeof(err));
	metrics_free(m);
	/* the module stays loaded: its threads' destructors may still run at exit */
	if (r < 0) {
		fprintf(stderr, "sockscope: exporter: %s\n", err[0] ? err : strerror(-r));
		return 1;
	}
	return 0;
}
