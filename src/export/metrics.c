// SPDX-License-Identifier: MIT
/*
 * metrics: what `sockscope exporter` answers at each scrape.  One fresh
 * collection (every kind asked for, through the pipeline), then the
 * exposition in the Prometheus text format 0.0.4:
 *   sockscope_sockets{netid,family,state}      every kind's states, zeros included
 *   sockscope_check_status / _check_findings   check's rules on this snapshot
 *   sockscope_kernel_limit{name}               what check compares against
 *   sockscope_listener_accept_queue/_backlog   per listener, fullest first, capped
 *   sockscope_close_wait_by_process            top processes, one "_other" remainder
 *   sockscope_netns_sockets{netns}             with --all-netns, per namespace, capped
 *   sockscope_series_dropped             what each cap left out
 *   sockscope_build_info, _up, _scrape_duration_seconds, _collector_success
 * and, when an event source runs (metrics_events_open()), counters that the
 * feed's thread keeps for the life of the process (never reset):
 *   sockscope_tcp_transitions_total{from,to}   every TCP state change
 *   sockscope_tcp_connections_opened_total{side}, _closed_total{end},
 *   sockscope_tcp_close_initiator_total{closer}
 *   sockscope_events_lost_total, _overruns_total, _unattributed_total,
 *   _evicted_total, sockscope_events_source_info{source,reader}
 * Label values are escaped; cardinality is bounded by the caps, never by the
 * number of sockets.  Owners are looked up only while the scrape's deadline
 * allows it; otherwise the answer comes without them and says so.
 */
#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attrib.h"
#include "diagnose.h"
#include "feed.h"
#include "kind.h"
#include "needs.h"
#include "obuf.h"
#include "procmap.h"
#include "render.h"
#include "states.h"
#include "strutil.h"

#define CAP_LISTENERS 50
#define CAP_PROCS 20
#define CAP_NETNS 100

struct metrics {
	const struct options *opt;
	struct pipeline p;
	struct sock_set set;
	bool ready;
	struct feed *feed; /* the event counters, NULL without a source */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int metrics_new(const struct options *opt, struct metrics **ret, struct filter_error *ferr)
{
	struct metrics *m = calloc(1, sizeof(*m));
	/* socket memory only for UDP's drops: it puts an extension on every record */
	unsigned need = (opt->kinds & (KIND_BIT(KIND_UDP) | KIND_BIT(KIND_UDPLITE)) ? NEED_MEM : 0) |
			(opt->all_netns ? NEED_CGROUP : 0);
	int err;

	if (!m)
		return -ENOMEM;
	m->opt = opt;
	sock_set_init(&m->set);
	/* owners are looked up per scrape, within its deadline */
	err = pipeline_init(&m->p, opt, need, ferr);
	if (err) {
		free(m);
		return err;
	}
	*ret = m;
	return 0;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	feed_close(m->feed);
	pipeline_fini(&m->p);
	sock_set_free(&m->set);
	free(m);
}

int metrics_events_open(struct metrics *m, enum feed_source want, bool allow_mount, char *msg, size_t msglen)
{
	/* the tracepoint is host-wide: --all-netns counts it all, otherwise
	 * the events of the namespace inspected (-N, else our own) */
	struct feed_opts fo = {
		.want = want,
		.allow_mount = allow_mount,
		.tp_reader = (int)m->opt->tp_reader,
		.scope = m->opt->all_netns ? FEED_SCOPE_HOST : FEED_SCOPE_NETNS,
		.netns_fd = m->p.netns_fd,
	};
	struct feed *f;
	int r;

	if (m->feed)
		return -EALREADY;
	r = feed_open(&f, &fo, msg, msglen);
	if (r < 0)
		return r;
	r = feed_start(f);
	if (r < 0) {
		snprintf(msg, msglen, "cannot start the event thread: %s", strerror(-r));
		feed_close(f);
		return r;
	}
	m->feed = f;
	/* one collection now, so that the listeners already open place their
	 * children before the first scrape */
	if (!m->opt->all_netns) {
		char *body;
		size_t len;

		if (metrics_collect(m, 0, &body, &len) == 0)
			free(body);
	}
	return 0;
}

const char *metrics_events_source(const struct metrics *m)
{
	return m->feed ? feed_source_name(feed_source(m->feed)) : NULL;
}

static void head(struct obuf *o, const char *name, const char *type, const char *help)
{
	obuf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and newline escaped; other
 * control bytes dropped. */
static void label(struct obuf *o, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\' || c == '"')
			obuf_printf(o, "\\%c", c);
		else if (c == '\n')
			obuf_puts(o, "\\n");
		else if (c >= 0x20 && c != 0x7f)
			obuf_putc(o, (char)c);
	}
}

struct lq {
	uint32_t idx;
	uint32_t queue, backlog;
};

static int lq_cmp(const void *a, const void *b)
{
	const struct lq *x = a, *y = b;
	/* fullest first: queue relative to backlog, then absolute */
	double fx = x->backlog ? (double)x->queue / x->backlog : x->queue;
	double fy = y->backlog ? (double)y->queue / y->backlog : y->queue;

	if (fx != fy)
		return fx < fy ? 1 : -1;
	return (x->queue < y->queue) - (x->queue > y->queue);
}

struct pcount {
	int32_t pid;
	char comm[32];
	unsigned long n;
};

static int pc_cmp(const void *a, const void *b)
{
	const struct pcount *x = a, *y = b;

	return (x->n < y->n) - (x->n > y->n);
}

struct nsn {
	char name[96];
	unsigned long n;
};

static int nsn_cmp(const void *a, const void *b)
{
	const struct nsn *x = a, *y = b;

	return (x->n < y->n) - (x->n > y->n);
}

static void listeners(struct metrics *m, struct obuf *o, struct col_ctx *cc, unsigned long *dropped)
{
	const struct sock_set *s = &m->set;
	struct lq *v = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct sock_rec *r = &s->v[i];

		if (r->state != SK_LISTEN || (r->flags & SOCK_F_SENDQ_UNKNOWN) || !sock_kind(r)->inet)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct lq *nv = realloc(v, nc * sizeof(*nv));

			if (!nv)
				break;
			v = nv;
			cap = nc;
		}
		v[n++] = (struct lq){(uint32_t)i, r->recv_q, r->send_q};
	}
	if (n)
		qsort(v, n, sizeof(*v), lq_cmp);
	*dropped = n > CAP_LISTENERS ? n - CAP_LISTENERS : 0;
	for (int pass = 0; pass < 2; pass++) {
		const char *name = pass ? "sockscope_listener_backlog" : "sockscope_listener_accept_queue";

		head(o, name, "gauge",
		     pass ? "Accept queue limit (backlog) of a listener; the fullest listeners only."
			  : "Connections waiting in a listener's accept queue; the fullest listeners only.");
		for (size_t i = 0; i < n && i < CAP_LISTENERS; i++) {
			const struct sock_rec *r = &s->v[v[i].idx];
			const struct column *c = column_find("local");
			struct col_val val;
			char ep[160];

			column_get(c, cc, r, sock_set_ext(s, r), &val);
			snprintf(ep, sizeof(ep), "%.*s", (int)(val.kind == CV_STR ? val.str.n : 0),
				 val.kind == CV_STR ? val.str.s : "");
			obuf_printf(o, "%s{netid=\"%s\",local=\"", name, sock_netid(r));
			label(o, ep);
			obuf_printf(o, "\"} %u\n", pass ? v[i].backlog : v[i].queue);
		}
	}
	free(v);
}

static void close_wait_procs(struct metrics *m, struct obuf *o, unsigned long *dropped)
{
	const struct sock_set *s = &m->set;
	struct pcount *v = NULL;
	size_t n = 0, cap = 0;
	unsigned long other = 0;

	head(o, "sockscope_close_wait_by_process", "gauge",
	     "CLOSE-WAIT sockets of the processes holding the most; comm=\"_other\" is the rest (and sockets "
	     "without a visible owner), so that the sum is exact.");
	for (size_t i = 0; i < s->n; i++) {
		const struct sock_rec *r = &s->v[i];
		const struct sock_owner *ow = NULL;
		size_t k;

		if (r->kind != KIND_TCP || r->state != SK_CLOSE_WAIT)
			continue;
		if (!m->p.owners || !r->inode || !procmap_lookup(m->p.owners, r->inode, &ow)) {
			other++;
			continue;
		}
		for (k = 0; k < n && v[k].pid != ow[0].pid; k++)
			;
		if (k == n) {
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 16;
				struct pcount *nv = realloc(v, nc * sizeof(*nv));

				if (!nv) {
					other++;
					continue;
				}
				v = nv;
				cap = nc;
			}
			v[n].pid = ow[0].pid;
			snprintf(v[n].comm, sizeof(v[n].comm), "%s", ow[0].comm ? ow[0].comm : "?");
			v[n].n = 0;
			n++;
		}
		v[k].n++;
	}
	if (n)
		qsort(v, n, sizeof(*v), pc_cmp);
	for (size_t i = CAP_PROCS; i < n; i++)
		other += v[i].n;
	*dropped = n > CAP_PROCS ? n - CAP_PROCS : 0;
	for (size_t i = 0; i < n && i < CAP_PROCS; i++) {
		obuf_puts(o, "sockscope_close_wait_by_process{comm=\"");
		label(o, v[i].comm);
		obuf_printf(o, "\",pid=\"%d\"} %lu\n", (int)v[i].pid, v[i].n);
	}
	obuf_printf(o, "sockscope_close_wait_by_process{comm=\"_other\",pid=\"\"} %lu\n", other);
	free(v);
}

/* --all-netns: sockets per namespace label, capped. */
static void per_netns(struct metrics *m, struct obuf *o, struct col_ctx *cc, unsigned long *dropped)
{
	const struct column *c = column_find("netns");
	struct nsn *v = NULL;
	size_t n = 0, cap = 0;

	*dropped = 0;
	if (!c)
		return;
	head(o, "sockscope_netns_sockets", "gauge", "Sockets per network namespace (--all-netns); the busiest only.");
	for (size_t i = 0; i < m->set.n; i++) {
		const struct sock_rec *r = &m->set.v[i];
		struct col_val val;
		char name[96];
		size_t k;

		column_get(c, cc, r, sock_set_ext(&m->set, r), &val);
		snprintf(name, sizeof(name), "%.*s", (int)(val.kind == CV_STR ? val.str.n : 0),
			 val.kind == CV_STR ? val.str.s : "");
		for (k = 0; k < n && strcmp(v[k].name, name); k++)
			;
		if (k == n) {
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 64;
				struct nsn *nv = realloc(v, nc * sizeof(*nv));

				if (!nv)
					break;
				v = nv;
				cap = nc;
			}
			snprintf(v[n].name, sizeof(v[n].name), "%s", name);
			v[n].n = 0;
			n++;
		}
		v[k].n++;
	}
	if (n)
		qsort(v, n, sizeof(*v), nsn_cmp);
	*dropped = n > CAP_NETNS ? n - CAP_NETNS : 0;
	for (size_t i = 0; i < n && i < CAP_NETNS; i++) {
		obuf_puts(o, "sockscope_netns_sockets{netns=\"");
		label(o, v[i].name);
		obuf_printf(o, "\"} %lu\n", v[i].n);
	}
	free(v);
}

/*
 * Counts every record and keeps only those the listeners, CLOSE-WAIT and
 * check's rules look at: an ESTABLISHED TCP socket with empty queues (most
 * of a busy host) is counted and dropped, so memory follows the sockets
 * worth a look, not the population.  --all-netns keeps all (per-namespace
 * counts come from the set).
 */
struct keep_sink {
	struct render *r;
	struct sock_set *set;
	bool all;
};

static int keep_sink(void *arg, const struct sock_rec *rec, const struct sock_ext *ext)
{
	struct keep_sink *k = arg;

	if (!rec) {
		memset(k->r->counts, 0, sizeof(k->r->counts));
		return sock_set_sink(k->set, NULL, NULL);
	}
	render_count(k->r, rec);
	if (!k->all && rec->kind == KIND_TCP && rec->state == SK_ESTABLISHED && !rec->recv_q && !rec->send_q)
		return 0;
	return sock_set_add(k->set, rec, ext);
}

/* Kernel TCP numbers to sockscope's 11 states: NEW_SYN_RECV (a request
 * socket) is SYN-RECEIVED, as in every other series; 0 for none. */
static int pair_state(int kernel)
{
	if (kernel == SK_KERNEL_NEW_SYN_RECV)
		return SK_SYN_RECV;
	return kernel >= 1 && kernel < SK_STATE_MAX ? kernel : 0;
}

/* The transitions Linux reports for TCP (sock:inet_sock_set_state, with
 * NEW_SYN_RECV folded into SYN-RECEIVED; TIME-WAIT lives in a separate
 * socket the tracepoint does not report): always written, zeros included,
 * so that a rate exists before the first event.  Any other pair is written
 * once it has been seen; at most 11 x 11 series. */
static const uint8_t tcp_pairs[][2] = {
	{SK_CLOSE, SK_SYN_SENT},        {SK_CLOSE, SK_LISTEN},          {SK_LISTEN, SK_CLOSE},
	{SK_LISTEN, SK_SYN_RECV},       {SK_SYN_SENT, SK_ESTABLISHED},  {SK_SYN_SENT, SK_CLOSE},
	{SK_SYN_RECV, SK_ESTABLISHED},  {SK_SYN_RECV, SK_CLOSE},        {SK_ESTABLISHED, SK_FIN_WAIT1},
	{SK_ESTABLISHED, SK_CLOSE_WAIT}, {SK_ESTABLISHED, SK_CLOSE},    {SK_FIN_WAIT1, SK_FIN_WAIT2},
	{SK_FIN_WAIT1, SK_CLOSING},     {SK_FIN_WAIT1, SK_CLOSE},       {SK_FIN_WAIT2, SK_CLOSE},
	{SK_CLOSING, SK_CLOSE},         {SK_CLOSE_WAIT, SK_LAST_ACK},   {SK_CLOSE_WAIT, SK_CLOSE},
	{SK_LAST_ACK, SK_CLOSE},
};

static bool pair_known(int from, int to)
{
	for (size_t i = 0; i < sizeof(tcp_pairs) / sizeof(tcp_pairs[0]); i++)
		if (tcp_pairs[i][0] == from && tcp_pairs[i][1] == to)
			return true;
	return false;
}

/* The feed's cumulative counters.  With the destroy groups alone only the
 * closes are known (the state each socket was destroyed in, no opens, no
 * end kinds): the series that source cannot know are left out rather than
 * written as zeros. */
static void events_series(struct metrics *m, struct obuf *o)
{
	uint64_t raw[FEED_NSTATES][FEED_NSTATES], pairs[SK_STATE_MAX][SK_STATE_MAX];
	enum feed_source src = feed_source(m->feed);
	bool tp = src == FEED_SRC_TRACEPOINT;
	struct feed_stats st;

	feed_get_stats(m->feed, &st);
	feed_get_pairs(m->feed, raw);
	memset(pairs, 0, sizeof(pairs));
	for (int a = 0; a < FEED_NSTATES; a++)
		for (int b = 0; b < FEED_NSTATES; b++) {
			int from = pair_state(a), to = pair_state(b);

			if (from && to)
				pairs[from][to] += raw[a][b];
		}

	head(o, "sockscope_events_source_info", "gauge",
	     "The exact event source the transition counters come from (tracepoint, or destroy: closes only), "
	     "and the tracepoint's reader (ftrace, perf; none).");
	obuf_printf(o, "sockscope_events_source_info{source=\"%s\",reader=\"%s\"} 1\n", feed_source_name(src),
		    feed_reader_name(m->feed));
	head(o, "sockscope_tcp_transitions_total", "counter",
	     "TCP state transitions seen since the exporter started (SYN-RECEIVED includes the kernel's request "
	     "sockets; the destroy source sees only the last one, into CLOSED).");
	for (size_t i = 0; i < SK_STATE_MAX - 1; i++)
		for (size_t j = 0; j < SK_STATE_MAX - 1; j++) {
			int from = state_display_order[i], to = state_display_order[j];
			bool known = pair_known(from, to) && (tp || to == SK_CLOSE);

			if (!known && !pairs[from][to])
				continue;
			obuf_printf(o, "sockscope_tcp_transitions_total{from=\"%s\",to=\"%s\"} %" PRIu64 "\n",
				    state_name(from), state_name(to), pairs[from][to]);
		}
	if (tp) {
		head(o, "sockscope_tcp_connections_opened_total", "counter",
		     "TCP connections opened since the exporter started: active (connect, CLOSED to SYN-SENT) or "
		     "passive (accepted, SYN-RECEIVED to ESTABLISHED).");
		obuf_printf(o, "sockscope_tcp_connections_opened_total{side=\"active\"} %" PRIu64 "\n", st.opened_active);
		obuf_printf(o, "sockscope_tcp_connections_opened_total{side=\"passive\"} %" PRIu64 "\n",
			    st.opened_passive);
	}
	head(o, "sockscope_tcp_connections_closed_total", "counter",
	     "TCP connections ended since the exporter started, by how they ended (refused: SYN-SENT to CLOSED "
	     "within 1 s; timeout: after 1 s or more; unknown: not seen from the start, or the destroy source).");
	for (int e = LT_END_UNKNOWN; e <= (tp ? LT_END_NEVER_ESTABLISHED : LT_END_UNKNOWN); e++)
		obuf_printf(o, "sockscope_tcp_connections_closed_total{end=\"%s\"} %" PRIu64 "\n",
			    lt_end_name((enum lt_end)e), tp ? st.ends[e] : st.closed);
	if (tp) {
		head(o, "sockscope_tcp_close_initiator_total", "counter",
		     "TCP connections ended since the exporter started, by which side sent the first FIN: active "
		     "(this host), passive (the peer), simultaneous, none (reset or never established), unknown.");
		for (int c = LT_CLOSER_UNKNOWN; c <= LT_CLOSER_SIMULTANEOUS; c++)
			obuf_printf(o, "sockscope_tcp_close_initiator_total{closer=\"%s\"} %" PRIu64 "\n",
				    lt_closer_name((enum lt_closer)c), st.closers[c]);
		head(o, "sockscope_events_lost_total", "counter",
		     "Tracepoint samples the kernel dropped (ring buffer full): transitions not counted.");
		obuf_printf(o, "sockscope_events_lost_total %" PRIu64 "\n", st.lost);
		head(o, "sockscope_events_unattributed_total", "counter",
		     "Transitions left out because their socket could not be placed in the namespace watched "
		     "(seen only in softirq context; other namespaces' traffic counts here too).");
		obuf_printf(o, "sockscope_events_unattributed_total %" PRIu64 "\n", st.unattributed);
		head(o, "sockscope_events_evicted_total", "counter",
		     "Open connections the tracker forgot because it was full; their ends count as unknown.");
		obuf_printf(o, "sockscope_events_evicted_total %" PRIu64 "\n", st.evicted);
	} else {
		head(o, "sockscope_events_overruns_total", "counter",
		     "Receive overruns of the sock_diag destroy groups: each lost an unknown number of closes.");
		obuf_printf(o, "sockscope_events_overruns_total %" PRIu64 "\n", st.overruns);
	}
}

int metrics_collect(struct metrics *m, double timeout_s, char **ret_body, size_t *ret_len)
{
	double t0 = now_s();
	struct collect_result res = {0};
	struct render r = {0};
	struct kernel_facts facts;
	struct diag_ctx d;
	struct obuf o;
	struct col_ctx cc;
	struct sock_set *samples[1];
	const struct procmap *maps[1];
	bool owners_ok = false, check_ok = false;
	unsigned long drop_l = 0, drop_p = 0, drop_n = 0;
	int err;

	if (obuf_init(&o, -1, 64 * 1024) < 0)
		return -ENOMEM;
	/* owners cost a walk of /proc: only when asked (-p) and while the
	 * deadline leaves time for it */
	if (m->opt->processes && timeout_s > 0.5) {
		pipeline_add_need(&m->p, NEED_OWNERS);
		owners_ok = pipeline_owners(&m->p) == 0 && now_s() - t0 < timeout_s / 2;
	}
	sock_set_clear(&m->set);
	r.kinds = m->p.req.kinds;
	{
		struct keep_sink ks = {.r = &r, .set = &m->set, .all = m->opt->all_netns};

		err = pipeline_stream(&m->p, keep_sink, &ks, &res);
	}
	pipeline_col_ctx(&m->p, &cc);
	/* the namespace's listeners place the children of accepted connections,
	 * whose first transitions fire in softirq context */
	if (m->feed && !err)
		(void)feed_set_listeners(m->feed, &m->set);

	head(&o, "sockscope_build_info", "gauge", "Build information of sockscope.");
	obuf_puts(&o, "sockscope_build_info{version=\"" SOCKSCOPE_VERSION "\"} 1\n");
	head(&o, "sockscope_up", "gauge", "Whether the socket tables could be read.");
	obuf_printf(&o, "sockscope_up %d\n", err ? 0 : 1);

	if (!err) {
		head(&o, "sockscope_sockets", "gauge", "Sockets by kind (ss's -A name), address family and state.");
		for (unsigned k = 0; k < KIND_MAX; k++) {
			const struct sock_kind *kd = kind_get(k);

			if (!kd || !(render_kinds(&r) & KIND_BIT(k)))
				continue;
			for (int fam = 0; fam < (kd->inet ? 2 : 1); fam++)
				for (size_t i = 0; i < SK_STATE_MAX - 1; i++) {
					int st = state_display_order[i];

					if (!kd->vocab[st].name)
						continue;
					obuf_printf(&o, "sockscope_sockets{netid=\"%s\",family=\"%s\",state=\"%s\"} %lu\n",
						    kd->name, render_family_name(k, fam), kd->vocab[st].name,
						    r.counts[k][fam][st]);
				}
		}
		listeners(m, &o, &cc, &drop_l);
		close_wait_procs(m, &o, &drop_p);
		if (m->opt->all_netns)
			per_netns(m, &o, &cc, &drop_n);
	}

	diag_read_facts("/proc", &facts);
	head(&o, "sockscope_kernel_limit", "gauge", "Kernel limits the check rules compare against.");
	obuf_printf(&o, "sockscope_kernel_limit{name=\"tcp_max_tw_buckets\"} %lld\n", facts.max_tw_buckets);
	obuf_printf(&o, "sockscope_kernel_limit{name=\"local_port_range_size\"} %lld\n",
		    facts.port_hi >= facts.port_lo && facts.port_lo >= 0 ? facts.port_hi - facts.port_lo + 1 : -1);
	obuf_printf(&o, "sockscope_kernel_limit{name=\"tcp_max_orphans\"} %lld\n", facts.max_orphans);
	obuf_printf(&o, "sockscope_kernel_limit{name=\"tcp_max_syn_backlog\"} %lld\n", facts.max_syn_backlog);

	diag_init(&d);
	for (size_t i = 0; i < m->opt->nthresholds; i++) {
		char msg[160];

		(void)diag_set_threshold(&d, m->opt->thresholds[i], msg, sizeof(msg)); /* checked at start */
	}
	if (!err) {
		samples[0] = &m->set;
		maps[0] = owners_ok ? m->p.owners : NULL;
		check_ok = diag_run(&d, samples, 1, maps, &facts, &facts) == 0;
	}
	head(&o, "sockscope_check_status", "gauge", "Verdict of sockscope check: 0 ok, 1 warning, 2 critical, 3 unknown.");
	obuf_printf(&o, "sockscope_check_status %d\n", check_ok ? (int)d.worst : SEV_UNKNOWN);
	head(&o, "sockscope_check_findings", "gauge", "Findings of sockscope check by rule and severity.");
	for (int rule = 0; rule < RULE_MAX; rule++)
		for (int sev = SEV_WARNING; sev <= SEV_CRITICAL && !rule_needs_window((enum rule_id)rule); sev++) {
			unsigned long n = 0;

			for (size_t i = 0; check_ok && i < d.n; i++)
				n += d.f[i].rule == (enum rule_id)rule && d.f[i].sev == (enum severity)sev;
			obuf_printf(&o, "sockscope_check_findings{rule=\"%s\",severity=\"%s\"} %lu\n",
				    rule_name((enum rule_id)rule), sev == SEV_WARNING ? "warning" : "critical", n);
		}
	diag_free(&d);
	if (m->feed)
		events_series(m, &o);

	head(&o, "sockscope_series_dropped", "gauge", "Series the caps left out at this scrape, per metric.");
	obuf_printf(&o, "sockscope_series_dropped{family_name=\"sockscope_listener_accept_queue\"} %lu\n", drop_l);
	obuf_printf(&o, "sockscope_series_dropped{family_name=\"sockscope_close_wait_by_process\"} %lu\n", drop_p);
	if (m->opt->all_netns)
		obuf_printf(&o, "sockscope_series_dropped{family_name=\"sockscope_netns_sockets\"} %lu\n", drop_n);
	head(&o, "sockscope_collector_success", "gauge",
	     "Whether each part of the collection succeeded (owners: 0 when not asked or not in time).");
	obuf_printf(&o, "sockscope_collector_success{collector=\"sockets\"} %d\n", err ? 0 : 1);
	obuf_printf(&o, "sockscope_collector_success{collector=\"owners\"} %d\n", owners_ok ? 1 : 0);
	obuf_printf(&o, "sockscope_collector_success{collector=\"check\"} %d\n", check_ok ? 1 : 0);
	if (m->feed)
		obuf_printf(&o, "sockscope_collector_success{collector=\"events\"} %d\n", feed_error(m->feed) ? 0 : 1);
	head(&o, "sockscope_scrape_duration_seconds", "gauge", "Time this collection took.");
	obuf_printf(&o, "sockscope_scrape_duration_seconds %.6f\n", now_s() - t0);
	render_free(&r);
	/* after a scrape that kept many sockets, give the memory back */
	if (m->set.cap > 65536 && m->set.n < m->set.cap / 4) {
		sock_set_free(&m->set);
		sock_set_init(&m->set);
	}
	if (o.err) {
		int e = o.err;

		obuf_free(&o);
		return e;
	}
	*ret_body = o.buf;
	*ret_len = o.len;
	return 0;
}
