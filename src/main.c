// SPDX-License-Identifier: MIT
/*
 * main: options -> context -> run.  The only place that prints diagnostics
 * and chooses the exit status: 0 ok, 1 runtime failure, 2 usage error
 * (`check` uses 0-3, the monitoring-plugin convention).
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "allns.h"
#include "attrib.h"
#include "collect.h"
#include "columns.h"
#include "diagnose.h"
#include "events_cmd.h"
#include "explain.h"
#include "exporter_cmd.h"
#include "feed.h"
#include "kill_cmd.h"
#include "needs.h"
#include "options.h"
#include "pipeline.h"
#include "render.h"
#include "sort.h"
#include "states.h"
#include "tui.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_PARTIAL = 3 };

static void usage_error(const char *msg)
{
	fprintf(stderr, "sockscope: %s (try 'sockscope --help')\n", msg);
}

static bool want_color(enum color_mode mode, int fd)
{
	const char *term = getenv("TERM");

	if (mode != COLOR_AUTO)
		return mode == COLOR_ALWAYS;
	const char *no_color = getenv("NO_COLOR");

	if (no_color && *no_color)
		return false;
	return isatty(fd) && term && strcmp(term, "dumb");
}

static void print_filter_error(const struct filter_error *fe)
{
	size_t len = strlen(fe->expr);
	size_t pos = fe->pos < len ? fe->pos : len;
	size_t tok = fe->len ? fe->len : 1;

	fprintf(stderr, "sockscope: bad filter: %s\n", fe->msg);
	fprintf(stderr, "  %s\n  %*s", fe->expr, (int)pos, "");
	for (size_t i = 0; i < tok && i < 200; i++)
		fputc('^', stderr);
	fputc('\n', stderr);
}

/* The kinds other than TCP that name a state word ("unconn", "estab"): their
 * state bit in masks[kind]; true if any. */
static bool kind_state_word(const char *w, uint32_t masks[KIND_MAX])
{
	bool any = false;

	for (unsigned k = 1; k < KIND_MAX; k++) {
		const struct sock_kind *kd = kind_get(k);

		for (int st = 1; kd && kd->vocab != tcp_states && st < SK_STATE_MAX; st++) {
			if (kd->vocab[st].name && !strcasecmp(kd->vocab[st].name, w)) {
				masks[k] |= 1u << st;
				any = true;
			}
		}
	}
	return any;
}

/* explain [STATE|KIND...]: TCP states, a kind's states ("udp", "unix"), or
 * the state words of other kinds ("unconn"). */
static int run_explain(const struct options *opt)
{
	uint32_t mask = 0, kmask[KIND_MAX] = {0};
	bool color = want_color(opt->color, STDOUT_FILENO), kinds = false;
	struct obuf o;
	int err;

	for (int i = 0; i < opt->argc; i++) {
		const char *w = opt->argv[i];
		const struct sock_kind *kd = kind_by_name(w);
		int st;

		if (kd && kind_id(kd) != KIND_TCP) {
			kmask[kind_id(kd)] = ~0u;
			kinds = true;
			continue;
		}
		if (kd) {
			mask |= SK_ALL_STATES;
			continue;
		}
		/* a TCP state (any spelling); ss's UNCONN and ESTAB are other kinds' words */
		st = state_from_name(w);
		if (st > 0 && strcasecmp(w, "unconn") && strcasecmp(w, "estab")) {
			mask |= 1u << st;
			continue;
		}
		if (kind_state_word(w, kmask)) {
			kinds = true;
			continue;
		}
		fprintf(stderr, "sockscope: unknown state or kind '%s'; valid states:", w);
		for (size_t j = 0; j < SK_STATE_MAX - 1; j++)
			fprintf(stderr, " %s", state_name(state_display_order[j]));
		fprintf(stderr, "; kinds: %s\n", KINDS_QUERY_WORDS);
		return EXIT_USAGE;
	}
	if (!mask && !kinds)
		mask = SK_ALL_STATES;
	if (obuf_init(&o, STDOUT_FILENO, 0) < 0) {
		fprintf(stderr, "sockscope: out of memory\n");
		return EXIT_FAIL;
	}
	for (unsigned k = 1; k < KIND_MAX; k++)
		if (kmask[k] && kind_get(k))
			explain_kind(&o, kind_get(k), kmask[k], color);
	if (mask)
		explain_render(&o, mask, color);
	err = obuf_flush(&o);
	obuf_free(&o);
	if (err && err != -EPIPE) {
		fprintf(stderr, "sockscope: write error: %s\n", strerror(-err));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* Streaming: the document header is written at the first row (or at the
 * end), when the back end that answered is known. */
struct stream_ctx {
	struct render *r;
	const struct collect_result *res;
	bool begun;
	struct sock_set *block; /* table: rows waiting to be aligned and printed */
	bool flushed;           /* table: a block has been printed */
};


static int stream_begin(struct stream_ctx *sc)
{
	if (sc->begun)
		return 0;
	sc->begun = true;
	sc->r->backend = backend_name(sc->res->used);
	return render_begin(sc->r);
}

static int stream_sink(void *arg, const struct sock_rec *rec, const struct sock_ext *ext)
{
	struct stream_ctx *sc = arg;
	int err;

	if (sc->block) {
		if (!rec) {
			if (sc->flushed)
				return -ESTALE; /* rows already written cannot be taken back */
			sock_set_clear(sc->block);
			return 0;
		}
		err = sock_set_add(sc->block, rec, ext);
		if (!err && sc->block->n == RENDER_TABLE_BLOCK) {
			err = render_block(sc->r, sc->block, false);
			sock_set_clear(sc->block);
			sc->flushed = true;
		}
		return err ? err : sc->r->out->err;
	}
	if (!rec)
		return sc->begun ? -ESTALE : 0; /* rows already written cannot be taken back */
	err = stream_begin(sc);
	if (!err)
		err = render_row(sc->r, rec, ext);
	return err ? err : sc->r->out->err;
}

/* "raw, udp" for a kind mask, into buf. */
static const char *kind_list(uint32_t mask, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned k = 0; k < KIND_MAX; k++) {
		int w;

		if (!(mask & KIND_BIT(k)) || !kind_get(k))
			continue;
		w = snprintf(buf + n, len - n, "%s%s", n ? ", " : "", kind_get(k)->name);
		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
	return buf;
}

/* --all-netns: one line for the namespaces that could not be read, one for
 * those read through /proc/PID/net, one for those that vanished.  Returns
 * true when the listing is partial. */
static bool allns_notices(const struct pipeline *p)
{
	const struct allns_stats *st;

	if (!p->allns)
		return false;
	st = allns_stats(p->allns);
	if (st->unreadable)
		fprintf(stderr,
			"sockscope: %u of %u network namespace(s) could not be read (%s): entering needs CAP_SYS_ADMIN "
			"and none has a process whose /proc/PID/net is readable; the listing is partial: %s\n",
			st->unreadable, st->found, strerror(st->enter_err ? -st->enter_err : EPERM),
			st->unreadable_names);
	else if (st->via_proc)
		fprintf(stderr,
			"sockscope: entering network namespaces refused (%s); %u read through /proc/PID/net instead\n",
			strerror(st->enter_err ? -st->enter_err : EPERM), st->via_proc);
	if (st->vanished)
		fprintf(stderr, "sockscope: %u network namespace(s) vanished during the run, skipped\n", st->vanished);
	/* sockets no dump reported whose namespace could not be asked: not
	 * partial (most live in namespaces listed, left out by the gate or a
	 * filter), but said, since a namespace held only by one may be missing */
	if (st->sk_denied)
		fprintf(stderr,
			"sockscope: the namespace of %u socket(s) no dump reported could not be asked (%s): needs "
			"CAP_SYS_PTRACE over the holder and CAP_NET_ADMIN; namespaces held only by a socket may be missing\n",
			st->sk_denied, strerror(st->sk_denied_err ? -st->sk_denied_err : EPERM));
	else if (st->sk_unsupported)
		fprintf(stderr, "sockscope: namespaces held only by a socket are not looked for: %s\n",
			"pidfd_getfd or SIOCGSKNS is missing, or the /proc read is another pid namespace's");
	else if (st->sk_over_limit && !st->sk_narrowed)
		fprintf(stderr,
			"sockscope: %u socket(s) no dump reported were not asked for their namespace (limit per run); "
			"namespaces held only by such a socket may be missing\n",
			st->sk_over_limit);
	return st->unreadable > 0;
}

static void notices(const struct options *opt, const struct pipeline *p, const struct collect_result *res)
{
	char kinds[128];

	if (res->fallback_err && res->fell_back == KIND_BIT(KIND_TCP))
		fprintf(stderr, "sockscope: netlink sock_diag unavailable (%s: %s); reading /proc/net/tcp instead\n",
			res->fallback_op ? res->fallback_op : "dump", strerror(-res->fallback_err));
	else if (res->fallback_err && res->fell_back)
		fprintf(stderr, "sockscope: netlink sock_diag cannot list %s (%s: %s); reading /proc/net instead\n",
			kind_list(res->fell_back, kinds, sizeof(kinds)), res->fallback_op ? res->fallback_op : "dump",
			strerror(-res->fallback_err));
	if (res->unlisted)
		fprintf(stderr, "sockscope: cannot list %s sockets: %s, and /proc has no table of them\n",
			kind_list(res->unlisted, kinds, sizeof(kinds)),
			res->used == BACKEND_PROC && !res->fallback_err ? "netlink was not used"
									 : "netlink sock_diag refused");
	if (res->malformed)
		fprintf(stderr, "sockscope: %lu malformed %s, ignoring\n", res->malformed,
			res->used == BACKEND_PROC ? "line(s) in /proc/net/tcp*" : "netlink message(s)");
	if (res->inconsistent)
		fprintf(stderr, "sockscope: the kernel interrupted the dump; the listing may be inconsistent\n");
	if (p->owners && p->owner_stats.denied)
		fprintf(stderr,
			"sockscope: could not read the open files of %lu process(es) (%s); their sockets show no owner\n",
			p->owner_stats.denied,
			geteuid() ? "run as root to see them" : "denied even to root, e.g. another user namespace");
}

/* "inuse 1 orphan 0 tw 0 alloc 9 mem 2" of the /proc/net/sockstat line for
 * tag ("TCP", "UDP", ...), into buf ("" if none). */
static void sockstat_line(const char *tag, char *buf, size_t len)
{
	FILE *f = fopen("/proc/net/sockstat", "r");
	size_t tl = strlen(tag);

	buf[0] = '\0';
	if (!f)
		return;
	{
		char line[256];

		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, tag, tl) && line[tl] == ':' && line[tl + 1] == ' ')
				snprintf(buf, len, "%s", line + tl + 2);
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

/* The sockstat tag of a kind, NULL if none. */
static const char *sockstat_tag(unsigned kind)
{
	switch (kind) {
	case KIND_TCP:
		return "TCP";
	case KIND_UDP:
		return "UDP";
	case KIND_UDPLITE:
		return "UDPLITE";
	case KIND_RAW:
		return "RAW";
	default:
		return NULL;
	}
}

/* -s: counts per state and family of each kind shown, and the kernel's
 * totals from /proc/net/sockstat (TCP: orphans, TIME-WAIT, memory), in the
 * chosen format.  TCP alone keeps the layout it always had. */
static int print_summary(struct obuf *o, struct render *r)
{
	uint32_t kinds = render_kinds(r);
	bool tcp_only = kinds == KIND_BIT(KIND_TCP);
	unsigned long tot[2] = {0, 0};
	char sockstat[256];

	sockstat_line("TCP", sockstat, sizeof(sockstat));
	for (int st = 1; st < SK_STATE_MAX; st++) {
		tot[0] += r->counts[KIND_TCP][0][st];
		tot[1] += r->counts[KIND_TCP][1][st];
	}
	switch (r->fmt) {
	case FMT_PROM:
		return render_prom_end(r);
	case FMT_JSON:
	case FMT_JSONL: {
		char *save = NULL, *k, *v;

		obuf_printf(o, "{\"summary\":{\"total\":%lu,\"states\":{", tot[0] + tot[1]);
		for (size_t i = 0; i < SK_STATE_MAX - 1; i++) {
			int st = state_display_order[i];

			obuf_printf(o, "%s\"%s\":%lu", i ? "," : "", state_name(st),
				    r->counts[KIND_TCP][0][st] + r->counts[KIND_TCP][1][st]);
		}
		obuf_printf(o, "},\"families\":{\"inet\":%lu,\"inet6\":%lu},\"kinds\":{", tot[0], tot[1]);
		render_json_kinds(r, o);
		obuf_puts(o, "}},\"sockstat\":{");
		/* "inuse 1 orphan 0 tw 0 alloc 9 mem 2": name/number pairs */
		for (bool first = true; (k = strtok_r(save ? NULL : sockstat, " ", &save)) && (v = strtok_r(NULL, " ", &save));
		     first = false)
			obuf_printf(o, "%s\"%s\":%lld", first ? "" : ",", k, strtoll(v, NULL, 10));
		obuf_puts(o, "}}\n");
		break;
	}
	case FMT_CSV:
		obuf_puts(o, tcp_only ? "state,total,inet,inet6\r\n" : "netid,state,total,inet,inet6\r\n");
		for (unsigned kd = 0; kd < KIND_MAX; kd++) {
			const struct sock_kind *k = kind_get(kd);

			if (!(kinds & KIND_BIT(kd)))
				continue;
			for (size_t i = 0; i < SK_STATE_MAX - 1; i++) {
				int st = state_display_order[i];
				unsigned long a = r->counts[kd][0][st], b = r->counts[kd][1][st];

				if (!k->vocab[st].name)
					continue;
				if (!tcp_only)
					obuf_printf(o, "%s,", k->name);
				obuf_printf(o, "%s,%lu,%lu,%lu\r\n", k->vocab[st].name, a + b, a, b);
			}
		}
		if (tcp_only)
			obuf_printf(o, "total,%lu,%lu,%lu\r\n", tot[0] + tot[1], tot[0], tot[1]);
		break;
	case FMT_TABLE:
		for (unsigned kd = 0; kd < KIND_MAX; kd++) {
			const struct sock_kind *k = kind_get(kd);
			unsigned long t[2] = {0, 0};

			if (!(kinds & KIND_BIT(kd)))
				continue;
			if (!tcp_only)
				obuf_printf(o, "%s%s\n", o->len ? "\n" : "", k->title);
			if (k->inet)
				obuf_printf(o, "%-12s %8s %8s %8s\n", "State", "Total", "IPv4", "IPv6");
			else
				obuf_printf(o, "%-12s %8s\n", "State", "Total");
			for (size_t i = 0; i < SK_STATE_MAX - 1; i++) {
				int st = state_display_order[i];
				unsigned long a = r->counts[kd][0][st], b = r->counts[kd][1][st];

				if (!k->vocab[st].name)
					continue;
				t[0] += a;
				t[1] += b;
				if (k->inet)
					obuf_printf(o, "%-12s %8lu %8lu %8lu\n", k->vocab[st].name, a + b, a, b);
				else
					obuf_printf(o, "%-12s %8lu\n", k->vocab[st].name, a + b);
			}
			if (k->inet)
				obuf_printf(o, "%-12s %8lu %8lu %8lu\n", "Total", t[0] + t[1], t[0], t[1]);
			else
				obuf_printf(o, "%-12s %8lu\n", "Total", t[0]);
		}
		if (sockstat[0] && (kinds & KIND_BIT(KIND_TCP)))
			obuf_printf(o, "\nKernel TCP totals (/proc/net/sockstat): %s\n", sockstat);
		for (unsigned kd = 1; kd < KIND_MAX; kd++) {
			const char *tag = sockstat_tag(kd);

			if (!tag || !(kinds & KIND_BIT(kd)))
				continue;
			sockstat_line(tag, sockstat, sizeof(sockstat));
			if (sockstat[0])
				obuf_printf(o, "Kernel %s totals (/proc/net/sockstat): %s\n", kind_get(kd)->title, sockstat);
		}
		break;
	}
	return o->err;
}

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* check's findings name the container, pod or unit of a socket (--all-netns). */
struct check_where {
	struct pipeline *p;
	const struct procmap *owners;
};

static const char *check_where(void *arg, const struct sock_rec *r)
{
	struct check_where *cw = arg;
	const struct attrib_view *v = cw->p->attr ? attrib_view(cw->p->attr, r, cw->owners) : NULL;

	return v ? v->where : NULL;
}

/* check --all-netns: ip_local_port_range of one namespace of the last pass,
 * read by a thread that enters it (sysctls under /proc/sys/net are the
 * reading thread's namespace's). */
struct range_job {
	int fd;
	long long lo, hi;
	int err;
};

static void *range_thread(void *arg)
{
	struct range_job *j = arg;

	if (setns(j->fd, CLONE_NEWNET) < 0)
		j->err = -errno;
	else
		j->err = diag_read_port_range("/proc", &j->lo, &j->hi);
	return NULL;
}

static int check_ns_range(void *arg, uint32_t netns_id, long long *lo, long long *hi)
{
	const struct pipeline *p = arg;
	const struct allns_ns *ns = p->allns && netns_id < allns_count(p->allns) ? allns_get(p->allns, netns_id) : NULL;
	struct range_job j = {.fd = -1};
	char path[96];
	struct stat st;
	pthread_t t;
	int r;

	if (!ns)
		return -ENOENT;
	if (ns->own)
		return diag_read_port_range("/proc", lo, hi);
	if (ns->name[0])
		snprintf(path, sizeof(path), "/run/netns/%s", ns->name);
	else if (ns->pid > 0)
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)ns->pid);
	else
		return -ENOENT;
	j.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (j.fd < 0)
		return -errno;
	/* the namespace it names now must be the one dumped */
	if (fstat(j.fd, &st) < 0 || (ns->ino && (uint64_t)st.st_ino != ns->ino)) {
		close(j.fd);
		return -ESTALE;
	}
	r = pthread_create(&t, NULL, range_thread, &j);
	if (r) {
		close(j.fd);
		return -r;
	}
	pthread_join(t, NULL);
	close(j.fd);
	if (j.err)
		return j.err;
	*lo = j.lo;
	*hi = j.hi;
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* check --window: the event feed for the rate rules, opened and draining
 * before the window; NULL (with why filled) when no source opens.  The rate
 * rules need to know who opened a connection and how a connect() failed,
 * which only the tracepoint tells (the destroy groups see closes only). */
static struct feed *check_feed(const struct options *opt, struct pipeline *p, struct sock_set *scratch, char *why,
			       size_t len)
{
	struct feed_opts fo = {
		.want = FEED_SRC_TRACEPOINT,
		.allow_mount = opt->mount_tracefs,
		.tp_reader = (int)opt->tp_reader,
		.scope = opt->all_netns ? FEED_SCOPE_HOST : FEED_SCOPE_NETNS,
		.netns_fd = opt->all_netns ? -1 : p->netns_fd,
	};
	struct collect_result res = {0};
	struct feed *f = NULL;
	int r;

	r = feed_open(&f, &fo, why, len);
	if (r < 0) {
		if (!why[0])
			snprintf(why, len, "%s", strerror(-r));
		return NULL;
	}
	/* the namespace's listeners, so that their children are counted in it */
	if (fo.scope == FEED_SCOPE_NETNS && pipeline_snapshot(p, scratch, &res) == 0)
		feed_set_listeners(f, scratch);
	sock_set_clear(scratch);
	r = feed_start(f);
	if (r < 0) {
		snprintf(why, len, "cannot start the event thread: %s", strerror(-r));
		feed_close(f);
		return NULL;
	}
	return f;
}

/* Watches for opt->window seconds, or until SIGINT or SIGTERM; then reads
 * the feed's counters into rt (dests allocated, caller frees) and closes it.
 * Returns 0, -ENOMEM, or the feed's error (why filled). */
static int check_window(const struct options *opt, struct feed *f, uint64_t t0, struct diag_rates *rt,
			struct feed_dest **dests, char *why, size_t len)
{
	struct sigaction sa = {.sa_handler = on_stop}, old_int, old_term;
	uint64_t end = t0 + (uint64_t)(opt->window * 1e9);
	struct feed_stats st;
	size_t cap = 4096;
	int err;

	sigemptyset(&sa.sa_mask);
	stop_requested = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	for (uint64_t now = mono_ns(); now < end && !stop_requested && !feed_error(f); now = mono_ns()) {
		uint64_t left = end - now < 200000000ULL ? end - now : 200000000ULL;
		struct timespec ts = {(time_t)(left / 1000000000ULL), (long)(left % 1000000000ULL)};

		nanosleep(&ts, NULL);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	err = feed_error(f);
	if (!err)
		err = feed_stop(f); /* the window's last events */
	if (err) {
		snprintf(why, len, "the event source failed: %s", strerror(-err));
		return err;
	}
	feed_get_stats(f, &st);
	*dests = calloc(cap, sizeof(**dests));
	if (!*dests)
		return -ENOMEM;
	rt->ndests = feed_get_dests(f, *dests, cap);
	rt->dests = *dests;
	rt->window = (double)(mono_ns() - t0) / 1e9;
	rt->source = feed_source_name(feed_source(f));
	rt->host_scope = opt->all_netns;
	rt->lost = st.lost;
	rt->unattributed = st.unattributed;
	rt->dest_evicted = st.dest_evicted;
	rt->conn_evicted = st.evicted;
	return 0;
}

/* `sockscope check`: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
static int run_check(const struct options *opt)
{
	struct sock_set sets[DIAG_SAMPLES_MAX];
	struct sock_set *ptr[DIAG_SAMPLES_MAX];
	struct procmap *maps[DIAG_SAMPLES_MAX] = {NULL};
	struct kernel_facts before, after;
	struct collect_result res = {0};
	struct filter_error fe;
	struct diag_ctx d;
	struct pipeline p;
	struct obuf out;
	char msg[256];
	unsigned n = opt->samples ? opt->samples : 1;
	const char *root = opt->proc_root && opt->backend == BACKEND_PROC ? opt->proc_root : "/proc";
	unsigned long denied = 0;
	struct feed *feed = NULL;
	struct feed_dest *dests = NULL;
	struct diag_rates rates = {0};
	bool have_rates = false;
	uint64_t t0 = 0;
	int err = 0, rc;

	diag_init(&d);
	if (n > DIAG_SAMPLES_MAX) {
		fprintf(stderr, "sockscope: check: at most %d samples\n", DIAG_SAMPLES_MAX);
		return SEV_UNKNOWN;
	}
	d.samples = n;
	d.interval = opt->interval > 0 ? opt->interval : 1;
	for (size_t i = 0; i < opt->nthresholds; i++) {
		if (diag_set_threshold(&d, opt->thresholds[i], msg, sizeof(msg)) < 0) {
			fprintf(stderr, "sockscope: check: %s\n", msg);
			return SEV_UNKNOWN;
		}
	}
	/* owners are looked up below, after each dump (a filter on pid/process adds its own need) */
	/* UDP drops come with the socket memory counters */
	err = pipeline_init(&p, opt,
			    (opt->info ? NEED_INFO : NEED_NONE) | (opt->all_netns ? NEED_CGROUP : NEED_NONE) |
				    (opt->kinds & (KIND_BIT(KIND_UDP) | KIND_BIT(KIND_UDPLITE)) ? NEED_MEM : NEED_NONE),
			    &fe);
	if (err) {
		if (err == -EINVAL && fe.msg[0])
			print_filter_error(&fe);
		else
			fprintf(stderr, "sockscope: check: %s\n", strerror(-err));
		return SEV_UNKNOWN;
	}
	for (unsigned i = 0; i < n; i++) {
		sock_set_init(&sets[i]);
		ptr[i] = &sets[i];
	}
	if (opt->window > 0) {
		char why[512] = "";

		feed = check_feed(opt, &p, &sets[0], why, sizeof(why));
		if (!feed) {
			/* one notice; the exit status stays the snapshot rules' */
			fprintf(stderr, "sockscope: check: no event source: %s; port-churn and failing-connects are "
					"skipped\n",
				why);
			diag_rates_skipped(&d, why);
		}
		t0 = mono_ns();
	}
	/* kernel counters and limits are per namespace: read them from inside */
	if (p.netns_fd >= 0 && setns(p.netns_fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "sockscope: check: cannot enter the namespace: %s\n", strerror(errno));
		feed_close(feed);
		pipeline_fini(&p);
		return SEV_UNKNOWN;
	}
	if (opt->window > 0) {
		char why[512] = "";

		/* without a source there is nothing to wait for: the snapshot rules run at once */
		if (feed) {
			err = check_window(opt, feed, t0, &rates, &dests, why, sizeof(why));
			if (err == -ENOMEM) {
				feed_close(feed);
				goto done;
			}
			if (err) {
				fprintf(stderr, "sockscope: check: %s; port-churn and failing-connects are skipped\n", why);
				diag_rates_skipped(&d, why);
				err = 0;
			} else {
				have_rates = true;
			}
			feed_close(feed);
			feed = NULL;
		}
	}
	diag_read_facts(root, &before);
	for (unsigned i = 0; i < n && !err; i++) {
		if (i) {
			struct timespec ts = {(time_t)d.interval, (long)((d.interval - (double)(time_t)d.interval) * 1e9)};

			nanosleep(&ts, NULL);
		}
		err = pipeline_snapshot(&p, &sets[i], &res);
		if (!err) {
			struct procmap_stats st = {0};

			/* each sample's owners, walked after its dump: a socket accepted during the walk is
			 * in the map; one that closes after the dump is missing from it, which is rarer */
			if (procmap_build(p.host_proc ? p.host_proc : root, &maps[i], &st) == -ENOMEM)
				err = -ENOMEM;
			if (st.denied > denied)
				denied = st.denied;
		}
	}
	diag_read_facts(root, &after);
	if (!err) {
		struct check_where cw = {.p = &p, .owners = maps[n - 1]};

		if (p.attr) {
			d.where = check_where;
			d.where_arg = &cw;
		}
		d.owners_denied = denied;
		err = diag_run(&d, ptr, n, (const struct procmap *const *)maps, &before, &after);
		if (!err && have_rates) {
			if (p.allns) {
				d.ns_port_range = check_ns_range;
				d.ns_port_range_arg = &p;
			}
			err = diag_run_rates(&d, &rates, ptr[n - 1], &after);
		}
		d.where = NULL;
	}
done:
	if (err) {
		fprintf(stderr, "sockscope: check: cannot read the socket tables: %s\n", strerror(-err));
		rc = SEV_UNKNOWN;
	} else if (obuf_init(&out, STDOUT_FILENO, 0) == 0) {
		if (res.fallback_err)
			notices(opt, &p, &res);
		diag_render(&d, opt->format, want_color(opt->color, STDOUT_FILENO), &out);
		obuf_flush(&out);
		obuf_free(&out);
		rc = (int)d.worst;
	} else {
		fprintf(stderr, "sockscope: check: out of memory\n");
		rc = SEV_UNKNOWN;
	}
	for (unsigned i = 0; i < n; i++) {
		sock_set_free(&sets[i]);
		procmap_free(maps[i]);
	}
	free(dests);
	diag_free(&d);
	pipeline_fini(&p);
	return rc;
}

/* opt with the kinds the filter's netid words select (they decide the
 * default columns: Netid when several kinds show). */
static struct options effective_options(const struct options *opt)
{
	struct options eff = *opt;
	struct filter_error fe;
	struct filter *f;

	if (filter_parse(opt->argc, opt->argv, &f, &fe) == 0) {
		eff.kinds = pipeline_kinds(opt, f);
		eff.kinds_named = true;
		filter_free(f);
	}
	return eff;
}

static int run_list(const struct options *opt_in, bool *closed)
{
	const struct options eff = effective_options(opt_in), *opt = &eff;
	const struct column *cols[COLUMNS_MAX], *details[COLUMNS_MAX];
	size_t ndetails = 0;
	struct sort_key keys[SORT_KEYS_MAX];
	struct filter_error fe;
	struct pipeline p;
	struct collect_result res = {0};
	struct col_ctx cc;
	struct render r = {0};
	struct sock_set set;
	struct obuf out;
	char err_msg[256], host[256] = "";
	int ncols, nkeys = 0, err;
	unsigned need;
	bool streaming;
	int rc = EXIT_OK;

	ncols = columns_pick(opt, cols, COLUMNS_MAX, details, &ndetails, err_msg, sizeof(err_msg));
	if (ncols < 0) {
		usage_error(err_msg);
		return EXIT_USAGE;
	}
	if (opt->sort) {
		nkeys = sort_parse(opt->sort, keys, SORT_KEYS_MAX, err_msg, sizeof(err_msg));
		if (nkeys < 0) {
			usage_error(err_msg);
			return EXIT_USAGE;
		}
	}
	if (opt->group != GROUP_NONE && opt->format == FMT_PROM) {
		usage_error("--group-by does not apply to --format=prom");
		return EXIT_USAGE;
	}
	need = columns_needs(cols, (size_t)ncols) | columns_needs(details, ndetails);
	if (opt->format == FMT_PROM && opt->processes)
		need |= NEED_OWNERS;
	if (opt->group == GROUP_PROCESS)
		need |= NEED_OWNERS;
	if (opt->group >= GROUP_NETNS)
		need |= NEED_CGROUP;
	for (int i = 0; i < nkeys; i++)
		need |= keys[i].col->need;
	err = pipeline_init(&p, opt, need, &fe);
	if (err == -EINVAL && fe.msg[0]) {
		print_filter_error(&fe);
		return EXIT_USAGE;
	}
	if (err) {
		if (opt->netns)
			fprintf(stderr, "sockscope: cannot open network namespace '%s': %s\n", opt->netns,
				strerror(-err));
		else
			fprintf(stderr, "sockscope: %s\n", strerror(-err));
		return EXIT_FAIL;
	}
	if (obuf_init(&out, STDOUT_FILENO, 1 << 16) < 0) {
		pipeline_fini(&p);
		fprintf(stderr, "sockscope: out of memory\n");
		return EXIT_FAIL;
	}
	sock_set_init(&set);
	pipeline_col_ctx(&p, &cc);
	cc.details = details;
	cc.ndetails = ndetails;
	gethostname(host, sizeof(host) - 1);
	r.fmt = opt->format;
	r.out = &out;
	r.cols = cols;
	r.ncols = (size_t)ncols;
	r.cc = &cc;
	r.header = !opt->no_header;
	r.legend = !opt->no_legend && !opt->no_header;
	r.kinds = opt->kinds;
	r.color = opt->format == FMT_TABLE && want_color(opt->color, STDOUT_FILENO);
	r.owners = opt->processes;
	r.host = host;
	clock_gettime(CLOCK_REALTIME, &r.now);

	streaming = !nkeys && opt->group == GROUP_NONE && !opt->summary;
	if (streaming) {
		struct stream_ctx sc = {.r = &r, .res = &res, .block = opt->format == FMT_TABLE ? &set : NULL};

		err = pipeline_owners(&p);
		cc.owners = p.owners;
		if (!err)
			err = pipeline_stream(&p, stream_sink, &sc, &res);
		if (!err && sc.block)
			err = render_block(&r, sc.block, true);
		else if (!err)
			err = stream_begin(&sc);
		if (!err)
			err = render_end(&r);
	} else {
		err = pipeline_snapshot(&p, &set, &res);
		cc.owners = p.owners;
		r.backend = backend_name(res.used);
		if (!err && opt->summary) {
			for (size_t i = 0; i < set.n; i++)
				render_count(&r, &set.v[i]);
			err = print_summary(&out, &r);
		} else if (!err && opt->group != GROUP_NONE) {
			struct group_result g;

			err = group_build(&set, opt->group, &cc, &g);
			if (!err) {
				err = group_render(&g, opt->group, opt->format, !opt->no_header,
						   want_color(opt->color, STDOUT_FILENO), &out);
				group_free(&g);
			}
		} else if (!err) {
			uint32_t *idx = NULL;

			if (nkeys) {
				idx = malloc((set.n ? set.n : 1) * sizeof(*idx));
				if (!idx)
					err = -ENOMEM;
				for (size_t i = 0; idx && i < set.n; i++)
					idx[i] = (uint32_t)i;
				if (!err)
					err = sort_apply(&set, idx, set.n, keys, (size_t)nkeys, &cc);
			}
			if (!err)
				err = render_set(&r, &set, idx, set.n);
			free(idx);
		}
	}
	if (!err)
		err = obuf_flush(&out);
	else
		obuf_flush(&out);
	if (err && err != -EPIPE && res.fallback_err) {
		/* both back ends failed: one line that says both */
		fprintf(stderr, "sockscope: cannot read the socket tables: netlink (%s: %s), %s/net/tcp (%s)\n",
			res.fallback_op ? res.fallback_op : "dump", strerror(-res.fallback_err),
			opt->proc_root ? opt->proc_root : "/proc", strerror(-err));
		err = 0;
		rc = EXIT_FAIL;
	} else {
		notices(opt, &p, &res);
		if (allns_notices(&p) && !err)
			rc = EXIT_PARTIAL;
		if (!err && res.unlisted)
			rc = EXIT_PARTIAL;
	}
	if (err == -EPIPE) {
		rc = EXIT_OK; /* `sockscope | head` */
		*closed = true;
	} else if (err) {
		if (res.fallback_op && !strcmp(res.fallback_op, "record"))
			fprintf(stderr, "sockscope: cannot write %s: %s\n", opt->record, strerror(-err));
		else if (res.used == BACKEND_NETLINK && res.fallback_op && strcmp(res.fallback_op, "sink"))
			fprintf(stderr, "sockscope: netlink sock_diag failed (%s: %s)\n", res.fallback_op,
				strerror(-err));
		else if (res.used == BACKEND_REPLAY)
			fprintf(stderr, "sockscope: cannot replay %s: %s\n", opt->replay, strerror(-err));
		else if (res.used == BACKEND_PROC)
			fprintf(stderr, "sockscope: cannot read %s/net/tcp: %s\n", opt->proc_root ? opt->proc_root : "/proc",
				strerror(-err));
		else
			fprintf(stderr, "sockscope: %s\n", strerror(-err));
		rc = EXIT_FAIL;
	}
	render_free(&r);
	sock_set_free(&set);
	obuf_free(&out);
	pipeline_fini(&p);
	return rc;
}

/* The listing, once or every --watch seconds until interrupted or the reader
 * goes away. */
static int run_watch(const struct options *opt)
{
	struct sigaction sa = {.sa_handler = on_stop};
	bool closed = false;
	int rc;

	if (opt->watch <= 0)
		return run_list(opt, &closed);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (;;) {
		struct timespec ts = {(time_t)opt->watch, (long)((opt->watch - (double)(time_t)opt->watch) * 1e9)};

		rc = run_list(opt, &closed);
		if (rc != EXIT_OK || closed || stop_requested)
			return rc;
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !stop_requested)
			;
		if (stop_requested)
			return EXIT_OK;
	}
}

int main(int argc, char **argv)
{
	struct options opt;
	char err[256];
	struct obuf o;
	int rc;

	memset(&opt, 0, sizeof(opt));
	setlocale(LC_CTYPE, "");
	signal(SIGPIPE, SIG_IGN);
	if (options_parse(argc, argv, &opt, err, sizeof(err)) < 0) {
		usage_error(err);
		/* monitoring plugins report usage errors as UNKNOWN */
		return opt.cmd == CMD_CHECK ? SEV_UNKNOWN : EXIT_USAGE;
	}
	if (opt.help || opt.version || opt.list_options || opt.list_columns) {
		if (obuf_init(&o, STDOUT_FILENO, 0) < 0) {
			fprintf(stderr, "sockscope: out of memory\n");
			return EXIT_FAIL;
		}
		if (opt.help)
			options_help(&o, opt.cmd);
		else if (opt.version)
			obuf_puts(&o, "sockscope " SOCKSCOPE_VERSION "\n");
		else if (opt.list_options)
			options_list(&o);
		else
			columns_list(&o);
		rc = obuf_flush(&o);
		obuf_free(&o);
		return rc && rc != -EPIPE ? EXIT_FAIL : EXIT_OK;
	}
	switch (opt.cmd) {
	case CMD_EXPLAIN:
		return run_explain(&opt);
	case CMD_TOP:
		rc = tui_run(&opt, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "sockscope: %s\n", err);
			return rc == -ENOTTY || rc == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
		}
		return EXIT_OK;
	case CMD_CHECK:
		return run_check(&opt);
	case CMD_EVENTS:
		return events_run(&opt);
	case CMD_EXPORTER:
		return exporter_run(&opt);
	case CMD_KILL:
		return kill_command(&opt);
	case CMD_LIST:
		break;
	}
	if (opt.watch > 0 && opt.events) {
		if (opt.format != FMT_JSONL) {
			usage_error("--events needs --format=jsonl");
			return EXIT_USAGE;
		}
		if (opt.ev_source == EVSRC_DESTROY) {
			usage_error("--watch --events uses --source=auto, tracepoint or poll");
			return EXIT_USAGE;
		}
		if (opt.ev_source != EVSRC_POLL) {
			rc = events_watch(&opt);
			if (rc >= 0)
				return rc;
		}
		if (obuf_init(&o, STDOUT_FILENO, 0) < 0) {
			fprintf(stderr, "sockscope: out of memory\n");
			return EXIT_FAIL;
		}
		rc = tui_watch(&opt, &o, err, sizeof(err));
		obuf_free(&o);
		if (rc < 0) {
			fprintf(stderr, "sockscope: %s\n", err);
			return EXIT_FAIL;
		}
		return EXIT_OK;
	}
	if (opt.events) {
		usage_error("--events needs --watch=SECONDS (or use 'sockscope top')");
		return EXIT_USAGE;
	}
	return run_watch(&opt);
}
