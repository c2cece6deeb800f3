// SPDX-License-Identifier: MIT
/*
 * exporter-driver: runs exporter_serve() with a fake collection for the
 * export tests.  The exposition is fixed valid text plus the number of
 * collections run so far (sockscope_test_collections_total) and the timeout
 * the server passed (sockscope_test_timeout_seconds), so a test can prove
 * that concurrent scrapes share one collection.  --collect-delay=MS makes a
 * collection slow, --body-size=BYTES pads the body with comment lines,
 * --fail makes every collection fail, --check-config=FILE only checks a
 * web configuration (exit 0 accepted, 1 refused, the reason on stderr).
 * SIGHUP reloads, SIGINT/SIGTERM stop.  The server's news go to stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"

static volatile sig_atomic_t stop_flag, reload_flag;

struct fake {
	atomic_ulong collections;
	unsigned delay_ms;
	size_t body_size;
	bool fail;
};

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_flag = 1;
	else
		stop_flag = 1;
}

static int fake_collect(void *arg, double timeout_s, char **ret_body, size_t *ret_len)
{
	struct fake *f = arg;
	unsigned long n = atomic_fetch_add(&f->collections, 1) + 1;
	struct timespec ts = {f->delay_ms / 1000, (long)(f->delay_ms % 1000) * 1000000L};
	size_t cap = 1024 + f->body_size;
	char *b;
	int len;

	if (f->delay_ms)
		nanosleep(&ts, NULL);
	if (f->fail)
		return -EIO;
	b = malloc(cap);
	if (!b)
		return -ENOMEM;
	len = snprintf(b, cap,
		       "# HELP sockscope_up Whether the last collection succeeded.\n"
		       "# TYPE sockscope_up gauge\n"
		       "sockscope_up 1\n"
		       "# HELP sockscope_test_collections_total Collections run by the test driver.\n"
		       "# TYPE sockscope_test_collections_total counter\n"
		       "sockscope_test_collections_total %lu\n"
		       "# HELP sockscope_test_timeout_seconds The collection timeout the server passed.\n"
		       "# TYPE sockscope_test_timeout_seconds gauge\n"
		       "sockscope_test_timeout_seconds %.3f\n",
		       n, timeout_s);
	while ((size_t)len + 64 < cap && (size_t)len < f->body_size) {
		int k = snprintf(b + len, cap - (size_t)len, "# padding %058d\n", len);

		if (k <= 0)
			break;
		len += k;
	}
	*ret_body = b;
	*ret_len = (size_t)len;
	return 0;
}

static void log_line(void *arg, const char *msg)
{
	(void)arg;
	printf("%s\n", msg);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"web.listen-address", required_argument, NULL, 'l'},
		{"web.telemetry-path", required_argument, NULL, 'p'},
		{"web.config.file", required_argument, NULL, 'c'},
		{"web.systemd-socket", no_argument, NULL, 's'},
		{"web.max-connections", required_argument, NULL, 'm'},
		{"web.timeout", required_argument, NULL, 't'},
		{"collect-delay", required_argument, NULL, 'd'},
		{"body-size", required_argument, NULL, 'b'},
		{"fail", no_argument, NULL, 'f'},
		{"check-config", required_argument, NULL, 'k'},
		{NULL, 0, NULL, 0},
	};
	struct exporter_opts o = {.log = log_line};
	struct fake f = {.delay_ms = 0};
	struct sigaction sa = {.sa_handler = on_signal};
	char err[512];
	int c, r;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (o.nlisten == EXPORTER_MAX_LISTEN) {
				fprintf(stderr, "too many listen addresses\n");
				return 2;
			}
			o.listen[o.nlisten++] = optarg;
			break;
		case 'p':
			o.telemetry_path = optarg;
			break;
		case 'c':
			o.web_config = optarg;
			break;
		case 's':
			o.systemd_socket = true;
			break;
		case 'm':
			o.max_connections = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 't':
			o.timeout_s = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'd':
			f.delay_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'b':
			f.body_size = strtoul(optarg, NULL, 10);
			break;
		case 'f':
			f.fail = true;
			break;
		case 'k':
			r = exporter_check_web_config(optarg, err, sizeof(err));
			if (r < 0) {
				fprintf(stderr, "%s\n", err);
				return 1;
			}
			return 0;
		default:
			return 2;
		}
	}
	if (o.nlisten == 0 && !o.systemd_socket)
		o.listen[o.nlisten++] = "127.0.0.1:0";
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	r = exporter_serve(&o, fake_collect, &f, &stop_flag, &reload_flag, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "exporter-driver: %s\n", err[0] ? err : strerror(-r));
		return 1;
	}
	printf("stopped after %lu collections\n", (unsigned long)atomic_load(&f.collections));
	return 0;
}
