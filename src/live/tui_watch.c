// SPDX-License-Identifier: MIT
/*
 * tui_watch: the event stream for scripts (--watch=SECONDS --format=jsonl
 * --events).  Every interval it takes a snapshot through the pipeline, runs
 * the same diff model as the live view and writes one JSON line per change:
 * a socket opened, closed or changed state (with the time spent in the old
 * state).  The first snapshot is the baseline and produces no events.
 */
#include "render.h"
#include "kind.h"
#include "tui.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "needs.h"
#include "pipeline.h"
#include "procmap.h"
#include "strutil.h"

static volatile sig_atomic_t watch_stop;

static void watch_on_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

static void put_time(struct obuf *o)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	render_json_time(o, &ts, true);
}

static void put_str(struct obuf *o, const char *key, const char *s)
{
	obuf_printf(o, ",\"%s\":", key);
	str_escape_json(o, s, strlen(s));
}

static void put_event(struct obuf *o, const char *event, const struct tui_model *m, const struct tui_track *t,
		      const struct procmap *owners)
{
	const struct sock_rec *r = &t->rec;
	char addr[64];

	obuf_puts(o, "{\"time\":");
	put_time(o);
	put_str(o, "event", event);
	obuf_puts(o, ",\"cookie\":");
	if (r->flags & SOCK_F_COOKIE)
		obuf_u64(o, r->cookie);
	else
		obuf_puts(o, "null");
	put_str(o, "family", r->family == AF_INET6 ? "inet6" : "inet");
	sock_addr_str(r->family, r->laddr, addr, sizeof(addr));
	put_str(o, "local_addr", addr);
	obuf_printf(o, ",\"local_port\":%u", r->lport);
	sock_addr_str(r->family, r->raddr, addr, sizeof(addr));
	put_str(o, "remote_addr", addr);
	obuf_printf(o, ",\"remote_port\":%u", r->rport);
	put_str(o, "netid", sock_netid(r));
	put_str(o, "state", sock_state_name(r));
	if (t->change == TUI_STATE) {
		put_str(o, "old_state", state_name(t->old_state));
		obuf_printf(o, ",\"old_state_ms\":%llu", (unsigned long long)t->old_state_ms);
	} else if (t->change == TUI_GONE && t->nhist) {
		/* last seen in the previous refresh */
		uint64_t since = t->hist[t->nhist - 1].since_ms;

		obuf_printf(o, ",\"state_ms\":%llu", (unsigned long long)(m->prev_ms > since ? m->prev_ms - since : 0));
	}
	if (owners) {
		const struct sock_owner *ow;
		size_t n = r->inode ? procmap_lookup(owners, r->inode, &ow) : 0;

		if (n) {
			obuf_printf(o, ",\"pid\":%d,\"comm\":", (int)ow[0].pid);
			str_escape_json(o, ow[0].comm, strlen(ow[0].comm));
		} else {
			obuf_puts(o, ",\"pid\":null,\"comm\":null");
		}
	}
	obuf_puts(o, "}\n");
}

/* Writes the events of the last update: closed first, then changes and
 * openings in collection order. */
static void emit_events(const struct tui_model *m, const struct sock_set *set, const struct procmap *owners,
			struct obuf *o)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->t[i].change == TUI_GONE)
			put_event(o, "closed", m, &m->t[i], owners);
	for (size_t i = 0; i < set->n; i++) {
		const struct tui_track *t = tui_model_track(m, i);

		if (t->change == TUI_NEW)
			put_event(o, "opened", m, t, owners);
		else if (t->change == TUI_STATE)
			put_event(o, "state", m, t, owners);
	}
}

/* Sleeps until the monotonic deadline or a stop signal. */
static void sleep_until(uint64_t deadline_ms)
{
	for (;;) {
		uint64_t now = tui_now_ms();
		struct timespec ts;

		if (watch_stop || now >= deadline_ms)
			return;
		ts.tv_sec = (time_t)((deadline_ms - now) / 1000);
		ts.tv_nsec = (long)((deadline_ms - now) % 1000) * 1000000L;
		nanosleep(&ts, NULL); /* EINTR: loop and look at the flag */
	}
}

int tui_watch(const struct options *opt, struct obuf *out, char *err, size_t errlen)
{
	struct sigaction sa, old_int, old_term, old_pipe;
	struct filter_error ferr;
	struct collect_result res;
	struct pipeline p;
	struct tui_model m;
	struct sock_set set;
	double interval = opt->watch > 0 ? opt->watch : (opt->interval > 0 ? opt->interval : 1.0);
	int rc;

	memset(&ferr, 0, sizeof(ferr));
	rc = pipeline_init(&p, opt, opt->processes ? NEED_OWNERS : 0, &ferr);
	if (rc < 0) {
		if (rc == -EINVAL && ferr.msg[0])
			snprintf(err, errlen, "filter: %s", ferr.msg);
		else
			snprintf(err, errlen, "%s%s%s", opt->netns ? opt->netns : "", opt->netns ? ": " : "",
				 strerror(-rc));
		return rc;
	}
	tui_model_init(&m);
	sock_set_init(&set);
	watch_stop = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = watch_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old_pipe);

	while (!watch_stop) {
		uint64_t start = tui_now_ms();
		bool first = m.gen == 0;

		memset(&res, 0, sizeof(res));
		rc = pipeline_snapshot(&p, &set, &res);
		if (rc < 0 && watch_stop) {
			rc = 0; /* interrupted by SIGINT/SIGTERM: a normal end */
			break;
		}
		if (rc < 0) {
			snprintf(err, errlen, "collecting sockets: %s", strerror(-rc));
			break;
		}
		rc = tui_model_update(&m, &set, tui_now_ms(), p.need & NEED_OWNERS ? p.owners : NULL);
		if (rc < 0) {
			snprintf(err, errlen, "%s", strerror(-rc));
			break;
		}
		if (!first)
			emit_events(&m, &set, opt->processes ? p.owners : NULL, out);
		rc = obuf_flush(out);
		if (rc < 0) {
			if (rc == -EPIPE)
				rc = 0; /* the reader went away: a normal end */
			else
				snprintf(err, errlen, "writing events: %s", strerror(-rc));
			break;
		}
		sleep_until(start + (uint64_t)(interval * 1000.0 + 0.5));
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	sock_set_free(&set);
	tui_model_free(&m);
	pipeline_fini(&p);
	return rc < 0 ? rc : 0;
}
