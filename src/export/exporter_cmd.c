// SPDX-License-Identifier: MIT
/*
 * exporter_cmd: `sockscope exporter`.  Wires the metrics collection to the
 * HTTP layer (http.c: libmicrohttpd, TLS, basic auth, single flight), maps
 * SIGINT/SIGTERM to a stop and SIGHUP to a reload of the web config, and
 * reports the listening addresses and reload failures on stderr.
 */
#include "exporter_cmd.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

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
	char err[512];
	int r;

	if (opt->web_config && exporter_check_web_config(opt->web_config, err, sizeof(err)) < 0) {
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
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* large bodies go back to the kernel when freed: flat memory */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	r = exporter_serve(&eo, collect, m, &exporter_stop, &exporter_reload, err, sizeof(err));
	metrics_free(m);
	if (r < 0) {
		fprintf(stderr, "sockscope: exporter: %s\n", err[0] ? err : strerror(-r));
		return 1;
	}
	return 0;
}
