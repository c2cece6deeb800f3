// SPDX-License-Identifier: MIT
/*
 * evdump: a test driver for the event sources and the lifetime tracker of
 * `sockscope events` (not installed).  Opens the tracepoint source and/or the
 * destroy source, prints one JSON line per transition, destroyed socket,
 * lifetime and loss report, then a summary line with counters and CPU time,
 * for --duration seconds or until SIGINT/SIGTERM.  Errors: one line on
 * stderr, exit 1 (2 for usage).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "destroy.h"
#include "lifetime.h"
#include "tp_source.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct ctx {
	struct lt_tracker *lt;
	uint16_t port_lo, port_hi;
	bool transitions, destroys;
	uint64_t n_trans, n_destroy, n_lifetimes;
	FILE *out;
	struct sock_lifetime deferred[4]; /* completed by the transition being printed */
	size_t ndeferred;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static bool port_ok(const struct ctx *c, uint16_t a, uint16_t b)
{
	if (!c->port_hi)
		return true;
	return (a >= c->port_lo && a <= c->port_hi) || (b >= c->port_lo && b <= c->port_hi);
}

static void addr_str(int family, const uint8_t *a, char *buf, size_t len)
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

static int lifetime_sink(void *arg, const struct sock_lifetime *lt)
{
	struct ctx *c = arg;
	char la[INET6_ADDRSTRLEN], ra[INET6_ADDRSTRLEN];

	if (!port_ok(c, lt->lport, lt->rport))
		return 0;
	c->n_lifetimes++;
	addr_str(lt->family, lt->laddr, la, sizeof(la));
	addr_str(lt->family, lt->raddr, ra, sizeof(ra));
	fprintf(c->out,
		"{\"event\":\"lifetime\",\"source\":\"tracepoint\",\"skaddr\":\"0x%" PRIx64 "\",\"family\":\"%s\","
		"\"local_addr\":\"%s\",\"local_port\":%u,\"remote_addr\":\"%s\",\"remote_port\":%u,"
		"\"open\":%" PRIu64 ",\"close\":%" PRIu64 ",\"duration_ms\":%.3f,\"states\":[",
		lt->skaddr, lt->family == AF_INET6 ? "inet6" : "inet", la, lt->lport, ra, lt->rport, lt->open_ns,
		lt->close_ns, (double)lt->duration_ns / 1e6);
	for (size_t i = 0; i < lt->nstates; i++)
		fprintf(c->out, "%s\"%s\"", i ? "," : "", lt_tcp_state_name(lt->states[i]));
	fprintf(c->out,
		"],\"states_truncated\":%s,\"complete\":%s,\"established\":%s,\"opener\":\"%s\",\"closer\":\"%s\","
		"\"end\":\"%s\",\"pid\":%u",
		lt->states_truncated ? "true" : "false", lt->complete ? "true" : "false",
		lt->established ? "true" : "false", lt_opener_name(lt->opener), lt_closer_name(lt->closer),
		lt_end_name(lt->end), lt->pid);
	if (lt->has_tcp_info)
		fprintf(c->out,
			",\"cookie\":%" PRIu64 ",\"bytes_acked\":%" PRIu64 ",\"bytes_received\":%" PRIu64
			",\"bytes_sent\":%" PRIu64 ",\"bytes_retrans\":%" PRIu64 ",\"total_retrans\":%u}\n",
			lt->cookie, lt->bytes_acked, lt->bytes_received, lt->bytes_sent, lt->bytes_retrans,
			lt->total_retrans);
	else
		fprintf(c->out, ",\"bytes_acked\":null,\"bytes_received\":null,\"total_retrans\":null}\n");
	return 0;
}

static int defer_lifetime(void *arg, const struct sock_lifetime *lt)
{
	struct ctx *c = arg;

	if (c->ndeferred == sizeof(c->deferred) / sizeof(c->deferred[0]))
		return lifetime_sink(arg, lt);
	c->deferred[c->ndeferred++] = *lt;
	return 0;
}

static int event_sink(void *arg, const struct sock_event *ev)
{
	struct ctx *c = arg;
	struct lt_step step;
	char la[INET6_ADDRSTRLEN], ra[INET6_ADDRSTRLEN];
	int r;

	if (ev->protocol != IPPROTO_TCP || !port_ok(c, ev->sport, ev->dport))
		return 0;
	c->ndeferred = 0;
	if ((r = lt_feed(c->lt, ev, &step, defer_lifetime, c)) < 0)
		return r;
	c->n_trans++;
	if (c->transitions) {
		addr_str(ev->family, ev->saddr, la, sizeof(la));
		addr_str(ev->family, ev->daddr, ra, sizeof(ra));
		fprintf(c->out,
			"{\"event\":\"transition\",\"source\":\"tracepoint\",\"time\":%" PRIu64
			",\"skaddr\":\"0x%" PRIx64 "\",\"family\":\"%s\",\"old_state\":\"%s\",\"state\":\"%s\","
			"\"local_addr\":\"%s\",\"local_port\":%u,\"remote_addr\":\"%s\",\"remote_port\":%u,"
			"\"pid\":%u,\"tid\":%u,\"cpu\":%u,\"softirq\":%s,",
			ev->time_ns, ev->skaddr, ev->family == AF_INET6 ? "inet6" : "inet",
			lt_tcp_state_name(ev->old_state), lt_tcp_state_name(ev->new_state), la, ev->sport, ra,
			ev->dport, ev->pid, ev->tid, ev->cpu, ev->softirq ? "true" : "false");
		if (step.known)
			fprintf(c->out, "\"old_state_ms\":%.3f}\n", (double)step.old_state_ns / 1e6);
		else
			fprintf(c->out, "\"old_state_ms\":null}\n");
	}
	for (size_t i = 0; i < c->ndeferred; i++)
		(void)lifetime_sink(c, &c->deferred[i]);
	c->ndeferred = 0;
	return 0;
}

static int destroy_sink(void *arg, const struct sock_destroy *d)
{
	struct ctx *c = arg;
	char la[INET6_ADDRSTRLEN], ra[INET6_ADDRSTRLEN];

	if (!port_ok(c, d->sport, d->dport))
		return 0;
	c->n_destroy++;
	if (c->destroys) {
		addr_str(d->family, d->saddr, la, sizeof(la));
		addr_str(d->family, d->daddr, ra, sizeof(ra));
		fprintf(c->out,
			"{\"event\":\"destroy\",\"source\":\"destroy\",\"time\":%" PRIu64 ",\"family\":\"%s\","
			"\"state\":\"%s\",\"local_addr\":\"%s\",\"local_port\":%u,\"remote_addr\":\"%s\","
			"\"remote_port\":%u,\"cookie\":%" PRIu64 ",\"inode\":%u,\"bytes_acked\":%" PRIu64
			",\"bytes_received\":%" PRIu64 ",\"total_retrans\":%u}\n",
			d->time_ns, d->family == AF_INET6 ? "inet6" : "inet", lt_tcp_state_name(d->state), la,
			d->sport, ra, d->dport, d->cookie, d->inode, d->bytes_acked, d->bytes_received,
			d->total_retrans);
	}
	return lt_feed_destroy(c->lt, d, lifetime_sink, c);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: evdump [--source=auto|tracepoint|destroy|both] [--duration=SEC] [--ports=LO-HI]\n"
		   "              [--tracefs=DIR] [--mount] [--syn-timeout-ms=MS] [--merge-window-ms=MS]\n"
		   "              [--lifetimes-only] [--netns=PATH] [--ring-pages=N] [--reader=auto|ftrace|perf]\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"source", required_argument, NULL, 's'},  {"duration", required_argument, NULL, 'd'},
		{"ports", required_argument, NULL, 'p'},   {"tracefs", required_argument, NULL, 't'},
		{"mount", no_argument, NULL, 'm'},         {"syn-timeout-ms", required_argument, NULL, 'S'},
		{"merge-window-ms", required_argument, NULL, 'W'}, {"lifetimes-only", no_argument, NULL, 'L'},
		{"netns", required_argument, NULL, 'n'},   {"ring-pages", required_argument, NULL, 'r'},
		{"reader", required_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	const char *source = "auto", *netns = NULL;
	struct tp_opts to;
	struct destroy_opts dop = {false, -1, 0};
	struct lt_opts lop;
	struct ctx c;
	struct tp_source *tp = NULL;
	struct destroy_source *ds = NULL;
	struct sigaction sa;
	struct rusage ru;
	double duration = 0;
	uint64_t deadline = 0, merge_ms = 2000;
	char err[512];
	int opt, r, rc = 0;

	memset(&to, 0, sizeof(to));
	memset(&lop, 0, sizeof(lop));
	memset(&c, 0, sizeof(c));
	c.out = stdout;
	c.transitions = c.destroys = true;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 's':
			source = optarg;
			break;
		case 'd':
			duration = atof(optarg);
			break;
		case 'p': {
			unsigned a, b;

			if (sscanf(optarg, "%u-%u", &a, &b) != 2 || a > b || b > 65535) {
				usage(stderr);
				return 2;
			}
			c.port_lo = (uint16_t)a;
			c.port_hi = (uint16_t)b;
			break;
		}
		case 't':
			to.tracefs = optarg;
			break;
		case 'm':
			to.allow_mount = true;
			break;
		case 'S':
			lop.syn_timeout_ns = strtoull(optarg, NULL, 10) * 1000000ULL;
			break;
		case 'W':
			merge_ms = strtoull(optarg, NULL, 10);
			break;
		case 'L':
			c.transitions = c.destroys = false;
			break;
		case 'n':
			netns = optarg;
			break;
		case 'r':
			to.ring_pages = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'R':
			if (!strcmp(optarg, "ftrace"))
				to.reader = TP_READER_FTRACE;
			else if (!strcmp(optarg, "perf"))
				to.reader = TP_READER_PERF;
			else if (strcmp(optarg, "auto")) {
				usage(stderr);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (strcmp(source, "auto") && strcmp(source, "tracepoint") && strcmp(source, "destroy") &&
	    strcmp(source, "both")) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (netns) {
		dop.netns_fd = open(netns, O_RDONLY | O_CLOEXEC);
		if (dop.netns_fd < 0) {
			fprintf(stderr, "evdump: %s: %s\n", netns, strerror(errno));
			return 1;
		}
	}
	if (strcmp(source, "destroy")) {
		r = tp_open(&tp, &to, err, sizeof(err));
		if (r < 0) {
			if (strcmp(source, "auto")) {
				fprintf(stderr, "evdump: %s\n", err);
				return 1;
			}
			fprintf(stderr, "evdump: %s; using the destroy source\n", err);
			tp = NULL;
		} else {
			bool mounted;
			const char *dir = tp_tracefs(tp, &mounted);

			if (mounted)
				fprintf(stderr, "evdump: mounted tracefs on %s\n", dir);
		}
	}
	if (!strcmp(source, "destroy") || !strcmp(source, "both") || !strcmp(source, "auto")) {
		r = destroy_open(&ds, &dop, err, sizeof(err));
		if (r < 0) {
			if (!tp || strcmp(source, "auto")) {
				fprintf(stderr, "evdump: %s\n", err);
				tp_close(tp);
				return 1;
			}
			fprintf(stderr, "evdump: %s; lifetimes without bytes\n", err);
			ds = NULL;
		}
	}
	lop.merge_window_ns = tp && ds ? merge_ms * 1000000ULL : 0;
	r = lt_new(&c.lt, &lop);
	if (r < 0) {
		fprintf(stderr, "evdump: %s\n", strerror(-r));
		tp_close(tp);
		destroy_close(ds);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (duration > 0)
		deadline = mono_ns() + (uint64_t)(duration * 1e9);
	fprintf(stderr, "evdump: ready (tracepoint: %s, destroy: %s)\n", tp ? tp_reader_name(tp) : "no",
		ds ? "yes" : "no");
	while (!stop_flag && (!deadline || mono_ns() < deadline)) {
		if (tp) {
			r = tp_poll(tp, 50, event_sink, &c);
			if (r == -EINTR)
				continue;
			if (r < 0) {
				fprintf(stderr, "evdump: tracepoint: %s\n", strerror(-r));
				rc = 1;
				break;
			}
			if (tp_batch_lost(tp))
				fprintf(c.out, "{\"event\":\"lost\",\"source\":\"tracepoint\",\"lost\":%" PRIu64 "}\n",
					tp_batch_lost(tp));
		}
		if (ds) {
			r = destroy_poll(ds, tp ? 0 : 50, destroy_sink, &c);
			if (r < 0 && r != -EINTR) {
				fprintf(stderr, "evdump: destroy: %s\n", strerror(-r));
				rc = 1;
				break;
			}
		}
		/* lifetimes that waited in vain for their destroy message */
		(void)lt_tick(c.lt, mono_ns(), lifetime_sink, &c);
	}
	if (tp) {
		(void)tp_flush(tp, event_sink, &c);
		if (tp_batch_lost(tp))
			fprintf(c.out, "{\"event\":\"lost\",\"source\":\"tracepoint\",\"lost\":%" PRIu64 "}\n",
				tp_batch_lost(tp));
	}
	if (ds) /* late destroys */
		(void)destroy_poll(ds, 200, destroy_sink, &c);
	(void)lt_flush(c.lt, mono_ns(), false, lifetime_sink, &c);
	{
		struct lt_stats st;

		lt_get_stats(c.lt, &st);
		getrusage(RUSAGE_SELF, &ru);
		fprintf(c.out,
			"{\"event\":\"summary\",\"transitions\":%" PRIu64 ",\"destroys\":%" PRIu64
			",\"lifetimes\":%" PRIu64 ",\"samples\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"bad\":%" PRIu64
			",\"evicted\":%" PRIu64 ",\"merged\":%" PRIu64 ",\"unmerged\":%" PRIu64
			",\"destroy_overruns\":%" PRIu64 ",\"open\":%zu,\"ncpu\":%u,\"cpu_user_s\":%.3f,\"cpu_sys_s\":%.3f}\n",
			c.n_trans, c.n_destroy, c.n_lifetimes, tp ? tp_seen(tp) : 0, tp ? tp_lost(tp) : 0,
			tp ? tp_bad(tp) : 0, st.evicted, st.merged, st.unmerged, ds ? destroy_overruns(ds) : 0,
			lt_open_count(c.lt), tp ? tp_ncpu(tp) : 0,
			(double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
			(double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
	}
	fflush(c.out);
	lt_free(c.lt);
	tp_close(tp);
	destroy_close(ds);
	if (dop.netns_fd >= 0)
		close(dop.netns_fd);
	return rc;
}
