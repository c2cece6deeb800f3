// SPDX-License-Identifier: MIT
/*
 * exporter-driver: runs exporter_serve() with a fake collection for the
 * export tests.  The exposition is fixed valid text plus the number of
 * collections run so far (sockscope_test_collections_total) and the timeout
 * the server passed (sockscope_test_timeout_seconds), so a test can prove
 * that concurrent scrapes share one collection.  --collect-delay=MS makes a
 * collection slow, --body-size=BYTES pads the body with comment lines,
 * --fail makes every collection fail, --full adds every family the
 * exporter will emit (the dashboard and rules tests query them), --check-config=FILE only checks a
 * web configuration (exit 0 accepted, 1 refused, the reason on stderr).
 * SIGHUP reloads, SIGINT/SIGTERM stop.  The server's news go to stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
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
	bool full;
};

/*
 * --full: every family the exporter will emit, with plausible values, so
 * the dashboard's queries and the alert rules can be evaluated against a
 * real Prometheus.  The names are the contract with the collection side.
 */
static const char full_exposition[] =
	"# HELP sockscope_build_info Build information of sockscope.\n"
	"# TYPE sockscope_build_info gauge\n"
	"sockscope_build_info{version=\"0.1.0\"} 1\n"
	"# HELP sockscope_sockets Sockets by kind (ss's netid), address family and state.\n"
	"# TYPE sockscope_sockets gauge\n"
	"sockscope_sockets{netid=\"tcp\",family=\"inet\",state=\"LISTEN\"} 12\n"
	"sockscope_sockets{netid=\"tcp\",family=\"inet\",state=\"ESTABLISHED\"} 340\n"
	"sockscope_sockets{netid=\"tcp\",family=\"inet\",state=\"SYN-RECEIVED\"} 2\n"
	"sockscope_sockets{netid=\"tcp\",family=\"inet\",state=\"CLOSE-WAIT\"} 57\n"
	"sockscope_sockets{netid=\"tcp\",family=\"inet\",state=\"TIME-WAIT\"} 1200\n"
	"sockscope_sockets{netid=\"tcp\",family=\"inet6\",state=\"TIME-WAIT\"} 30\n"
	"sockscope_sockets{netid=\"tcp\",family=\"inet6\",state=\"SYN-SENT\"} 0\n"
	"sockscope_sockets{netid=\"udp\",family=\"inet\",state=\"UNCONN\"} 8\n"
	"# HELP sockscope_check_status Verdict of sockscope check: 0 ok, 1 warning, 2 critical, 3 unknown.\n"
	"# TYPE sockscope_check_status gauge\n"
	"sockscope_check_status 1\n"
	"# HELP sockscope_check_findings Findings of sockscope check by rule and severity.\n"
	"# TYPE sockscope_check_findings gauge\n"
	"sockscope_check_findings{rule=\"close_wait\",severity=\"warning\"} 1\n"
	"sockscope_check_findings{rule=\"time_wait\",severity=\"warning\"} 0\n"
	"# HELP sockscope_kernel_limit Kernel limits the check rules compare against.\n"
	"# TYPE sockscope_kernel_limit gauge\n"
	"sockscope_kernel_limit{name=\"tcp_max_tw_buckets\"} 262144\n"
	"sockscope_kernel_limit{name=\"local_port_range_size\"} 28232\n"
	"sockscope_kernel_limit{name=\"tcp_max_orphans\"} 65536\n"
	"sockscope_kernel_limit{name=\"tcp_max_syn_backlog\"} 1024\n"
	"# HELP sockscope_scrape_duration_seconds Time the collection took.\n"
	"# TYPE sockscope_scrape_duration_seconds gauge\n"
	"sockscope_scrape_duration_seconds 0.012\n"
	"# HELP sockscope_collector_success Whether each collector succeeded.\n"
	"# TYPE sockscope_collector_success gauge\n"
	"sockscope_collector_success{collector=\"sockets\"} 1\n"
	"sockscope_collector_success{collector=\"owners\"} 1\n"
	"# HELP sockscope_listener_accept_queue Connections waiting in a listener's accept queue.\n"
	"# TYPE sockscope_listener_accept_queue gauge\n"
	"sockscope_listener_accept_queue{local=\"0.0.0.0:80\"} 3\n"
	"sockscope_listener_accept_queue{local=\"[::]:443\"} 0\n"
	"# HELP sockscope_listener_backlog Accept queue limit of a listener (capped).\n"
	"# TYPE sockscope_listener_backlog gauge\n"
	"sockscope_listener_backlog{local=\"0.0.0.0:80\"} 128\n"
	"sockscope_listener_backlog{local=\"[::]:443\"} 4096\n"
	"# HELP sockscope_close_wait_by_process CLOSE-WAIT sockets of the top processes; _other is the rest.\n"
	"# TYPE sockscope_close_wait_by_process gauge\n"
	"sockscope_close_wait_by_process{comm=\"java\",pid=\"4242\"} 50\n"
	"sockscope_close_wait_by_process{comm=\"_other\",pid=\"\"} 7\n"
	"# HELP sockscope_series_dropped Series left out by the caps, per family.\n"
	"# TYPE sockscope_series_dropped gauge\n"
	"sockscope_series_dropped{family_name=\"sockscope_listener_accept_queue\"} 0\n";
/* the event counters (a second string: C17 guarantees 4095 bytes per literal) */
static const char full_events[] =
	"# HELP sockscope_events_source_info The exact event source the transition counters come from.\n"
	"# TYPE sockscope_events_source_info gauge\n"
	"sockscope_events_source_info{source=\"tracepoint\"} 1\n"
	"# HELP sockscope_tcp_transitions_total TCP state transitions seen since the exporter started.\n"
	"# TYPE sockscope_tcp_transitions_total counter\n"
	"sockscope_tcp_transitions_total{from=\"CLOSED\",to=\"SYN-SENT\"} 1500\n"
	"sockscope_tcp_transitions_total{from=\"SYN-SENT\",to=\"ESTABLISHED\"} 1400\n"
	"sockscope_tcp_transitions_total{from=\"SYN-SENT\",to=\"CLOSED\"} 100\n"
	"sockscope_tcp_transitions_total{from=\"ESTABLISHED\",to=\"FIN-WAIT-1\"} 1390\n"
	"# HELP sockscope_tcp_connections_opened_total TCP connections opened since the exporter started.\n"
	"# TYPE sockscope_tcp_connections_opened_total counter\n"
	"sockscope_tcp_connections_opened_total{side=\"active\"} 1500\n"
	"sockscope_tcp_connections_opened_total{side=\"passive\"} 800\n"
	"# HELP sockscope_tcp_connections_closed_total TCP connections ended since the exporter started.\n"
	"# TYPE sockscope_tcp_connections_closed_total counter\n"
	"sockscope_tcp_connections_closed_total{end=\"unknown\"} 3\n"
	"sockscope_tcp_connections_closed_total{end=\"normal\"} 2150\n"
	"sockscope_tcp_connections_closed_total{end=\"reset\"} 20\n"
	"sockscope_tcp_connections_closed_total{end=\"refused\"} 90\n"
	"sockscope_tcp_connections_closed_total{end=\"timeout\"} 10\n"
	"sockscope_tcp_connections_closed_total{end=\"never-established\"} 0\n"
	"# HELP sockscope_tcp_close_initiator_total TCP connections ended, by which side sent the first FIN.\n"
	"# TYPE sockscope_tcp_close_initiator_total counter\n"
	"sockscope_tcp_close_initiator_total{closer=\"active\"} 1390\n"
	"sockscope_tcp_close_initiator_total{closer=\"passive\"} 760\n"
	"# HELP sockscope_events_lost_total Tracepoint samples the kernel dropped.\n"
	"# TYPE sockscope_events_lost_total counter\n"
	"sockscope_events_lost_total 0\n"
	"# HELP sockscope_events_unattributed_total Transitions not placed in the namespace watched.\n"
	"# TYPE sockscope_events_unattributed_total counter\n"
	"sockscope_events_unattributed_total 12\n";

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
	size_t cap = 1024 + f->body_size + (f->full ? sizeof(full_exposition) + sizeof(full_events) : 0);
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
	if (f->full) {
		int k = snprintf(b + len, cap - (size_t)len, "%s%s", full_exposition, full_events);

		if (k > 0 && (size_t)k < cap - (size_t)len)
			len += k;
	}
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
		{"full", no_argument, NULL, 'F'},
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
		case 'F':
			f.full = true;
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
	/* as `sockscope exporter` should: big bodies mmapped and returned at free(), not
	 * cached in one malloc arena per connection thread (RSS stays flat) */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
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
