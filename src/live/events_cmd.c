// SPDX-License-Identifier: MIT
/*
 * events_cmd: `sockscope events`.  Picks a source (the tracepoint, else the
 * destroy groups, else polling; one notice per source skipped), turns what it
 * reports into transition or lifetime records, applies the filter to each
 * (a struct sock_rec built from the event, state = the new state), learns
 * owners from the process context of the tracepoint (skaddr -> pid, comm from
 * /proc/PID/comm), keeps with -N only the events of that namespace, and writes
 * JSON Lines (the vocabulary of the --watch --events stream), CSV or a table.
 * At the end one summary line goes to stderr.
 */
#include "events_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "destroy.h"
#include "filter.h"
#include "kind.h"
#include "lifetime.h"
#include "needs.h"
#include "obuf.h"
#include "pipeline.h"
#include "render.h"
#include "skscope.h"
#include "sock.h"
#include "states.h"
#include "strutil.h"
#include "tp_source.h"
#include "tui.h"

enum { EV_UNAVAILABLE = -1, EV_OK = 0, EV_FAIL = 1, EV_USAGE = 2 };

#define POLL_INTERVAL_MS 100u   /* the polling source */
#define NS_REFRESH_MS 500u      /* -N with the tracepoint: namespace snapshot age */
#define MERGE_WINDOW_NS 1000000000ULL
#define COMM_CACHE 256u
#define STOPPED (-ECANCELED) /* a sink's "enough" (--count) */

static volatile sig_atomic_t ev_stop;

static void ev_on_signal(int sig)
{
	(void)sig;
	ev_stop = 1;
}

enum src { SRC_TRACEPOINT, SRC_DESTROY, SRC_POLL };
static const char *const src_names[] = {"tracepoint", "destroy", "poll"};

struct comm_entry {
	uint32_t pid;
	bool ok;
	uint64_t at_ms;
	char comm[16];
};

struct ev_ctx {
	const struct options *opt;
	struct filter *filter;
	struct obuf out;
	enum src src;
	bool lifetimes;
	int64_t real_off_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	bool stop;           /* --count reached */
	unsigned long records;
	uint64_t transitions, lost, unattributed;
	struct lt_tracker *lt;
	bool merged;         /* lifetimes get tcp_info from the destroy source */
	struct skscope *sc;  /* the tracepoint: what is known of each live socket */
	struct comm_entry *comms;
	/* -N with the tracepoint */
	bool ns_filter;
	dev_t ns_dev;
	ino_t ns_ino;
	struct pipeline *nsp;
	struct sock_set nsset;
	uint64_t nsset_ms;
	bool nsset_ok;
	/* --watch --events: the watch stream's vocabulary (opened, state,
	 * closed); connections handed to a time-wait socket are followed in
	 * snapshots until it goes */
	bool watch;
	uint64_t next_id;
	struct ev_tw *tw;
	size_t ntw;
	uint64_t tw_dropped;
	/* "YYYY-MM-DDTHH:MM:SS" of tcache_sec: one gmtime a second, not one a record */
	time_t tcache_sec;
	char tcache[24];
};

/* A transition, whatever the source. */
struct ev_tr {
	uint64_t mono_ns;
	uint8_t family;
	const uint8_t *laddr, *raddr;
	uint16_t lport, rport;
	int state, old_state; /* SK_*; old_state 0: unknown */
	bool ms_known;
	uint64_t ms;
	uint32_t pid;         /* 0: unknown */
	uint64_t id;          /* --watch --events: the connection number (0: none) */
	bool first;           /* the first event of this socket seen */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int64_t real_offset(void)
{
	struct timespec r, m;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return ((int64_t)r.tv_sec - (int64_t)m.tv_sec) * 1000000000LL + ((int64_t)r.tv_nsec - (int64_t)m.tv_nsec);
}

static struct timespec to_real(const struct ev_ctx *c, uint64_t mono)
{
	int64_t t = (int64_t)mono + c->real_off_ns;
	struct timespec ts;

	if (t < 0)
		t = 0;
	ts.tv_sec = (time_t)(t / 1000000000LL);
	ts.tv_nsec = (long)(t % 1000000000LL);
	return ts;
}

/* Kernel TCP numbers to the 11 states (12 NEW_SYN_RECV is a SYN-RECEIVED
 * request socket, 13 a bound, inactive one). */
/* "2026-12-03T14:33:47.100Z" with the quotes, as render_json_time(). */
static void put_json_time(struct ev_ctx *c, const struct timespec *ts)
{
	struct obuf *o = &c->out;
	long ms = ts->tv_nsec / 1000000;
	char tail[7];

	if (ts->tv_sec != c->tcache_sec || !c->tcache[0]) {
		struct tm tm;
		time_t t = ts->tv_sec;

		gmtime_r(&t, &tm);
		if (!strftime(c->tcache, sizeof(c->tcache), "%Y-%m-%dT%H:%M:%S", &tm))
			c->tcache[0] = 0;
		c->tcache_sec = ts->tv_sec;
	}
	tail[0] = '.';
	tail[1] = (char)('0' + ms / 100 % 10);
	tail[2] = (char)('0' + ms / 10 % 10);
	tail[3] = (char)('0' + ms % 10);
	tail[4] = 'Z';
	tail[5] = '"';
	tail[6] = 0;
	obuf_putc(o, '"');
	obuf_puts(o, c->tcache);
	obuf_puts(o, tail);
}

static int sk_state(int kernel)
{
	if (kernel == SK_KERNEL_NEW_SYN_RECV)
		return SK_SYN_RECV;
	if (kernel == SK_KERNEL_BOUND_INACTIVE)
		return SK_CLOSE;
	return kernel >= 1 && kernel < SK_STATE_MAX ? kernel : 0;
}

/* ---- owners ----------------------------------------------------------- */

/* comm of pid from /proc/PID/comm, cached for a second; NULL if gone. */
static const char *comm_of(struct ev_ctx *c, uint32_t pid)
{
	struct comm_entry *e = &c->comms[pid % COMM_CACHE];
	uint64_t now = mono_ns() / 1000000ULL;
	char path[64];
	ssize_t n;
	int fd;

	if (e->pid == pid && now - e->at_ms < 1000)
		return e->ok ? e->comm : NULL;
	e->pid = pid;
	e->at_ms = now;
	e->ok = false;
	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, e->comm, sizeof(e->comm) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	e->comm[n] = 0;
	e->comm[strcspn(e->comm, "\n")] = 0;
	e->ok = true;
	return e->comm;
}

/* ---- output ----------------------------------------------------------- */

static void put_addr_port(struct obuf *o, int family, const uint8_t *a, uint16_t port, size_t width)
{
	char buf[64], cell[80];
	int n;

	sock_addr_str(family, a, buf, sizeof(buf));
	n = snprintf(cell, sizeof(cell), family == AF_INET6 ? "[%s]:%u" : "%s:%u", buf, port);
	obuf_puts(o, cell);
	if (n >= 0 && (size_t)n < width)
		obuf_pad(o, ' ', width - (size_t)n);
	obuf_putc(o, ' ');
}

static void put_table_time(struct obuf *o, const struct timespec *ts)
{
	struct tm tm;
	char buf[32];
	time_t t = ts->tv_sec;

	localtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
	obuf_printf(o, "%s.%03ld ", buf, ts->tv_nsec / 1000000);
}

static void put_process(struct ev_ctx *c, uint32_t pid)
{
	const char *comm = pid ? comm_of(c, pid) : NULL;

	if (!pid) {
		obuf_putc(&c->out, '-');
		return;
	}
	if (comm)
		str_escape_term(&c->out, comm, strlen(comm));
	obuf_printf(&c->out, "(pid=%" PRIu32 ")", pid);
}

static void put_owner_json(struct ev_ctx *c, uint32_t pid)
{
	struct obuf *o = &c->out;
	const char *comm = pid ? comm_of(c, pid) : NULL;

	/* no printf on this path: it runs for every transition (profiled) */
	if (pid) {
		obuf_puts(o, ",\"pid\":");
		obuf_u64(o, pid);
		obuf_puts(o, ",\"comm\":");
	} else {
		obuf_puts(o, ",\"pid\":null,\"comm\":");
	}
	if (comm)
		str_escape_json(o, comm, strlen(comm));
	else
		obuf_puts(o, "null");
	obuf_puts(o, pid ? ",\"owner_known\":true" : ",\"owner_known\":false");
}

static void put_owner_csv(struct ev_ctx *c, uint32_t pid)
{
	struct obuf *o = &c->out;
	const char *comm = pid ? comm_of(c, pid) : NULL;

	if (pid)
		obuf_printf(o, ",%" PRIu32 ",", pid);
	else
		obuf_puts(o, ",,");
	if (comm)
		str_escape_csv(o, comm, strlen(comm));
	obuf_puts(o, pid ? ",true" : ",false");
}

/* An address needs no JSON escaping. */
static void put_json_addr(struct obuf *o, int family, const uint8_t *a)
{
	char buf[64];

	sock_addr_str(family, a, buf, sizeof(buf));
	obuf_putc(o, '"');
	obuf_puts(o, buf);
	obuf_putc(o, '"');
}

static void put_json_addrs(struct obuf *o, int family, const uint8_t *la, uint16_t lp, const uint8_t *ra, uint16_t rp)
{
	obuf_puts(o, family == AF_INET6 ? ",\"netid\":\"tcp\",\"family\":\"inet6\",\"local_addr\":"
				  : ",\"netid\":\"tcp\",\"family\":\"inet\",\"local_addr\":");
	put_json_addr(o, family, la);
	obuf_puts(o, ",\"local_port\":");
	obuf_u64(o, lp);
	obuf_puts(o, ",\"remote_addr\":");
	put_json_addr(o, family, ra);
	obuf_puts(o, ",\"remote_port\":");
	obuf_u64(o, rp);
}

static void put_csv_addrs(struct obuf *o, int family, const uint8_t *la, uint16_t lp, const uint8_t *ra, uint16_t rp)
{
	char l[64], r[64];

	sock_addr_str(family, la, l, sizeof(l));
	sock_addr_str(family, ra, r, sizeof(r));
	obuf_printf(o, ",tcp,%s,%s,%u,%s,%u", family == AF_INET6 ? "inet6" : "inet", l, lp, r, rp);
}

static void put_csv_time(struct obuf *o, const struct timespec *ts)
{
	struct tm tm;
	char buf[48];
	time_t t = ts->tv_sec;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	obuf_printf(o, "%s.%03ldZ", buf, ts->tv_nsec / 1000000);
}

static void header(struct ev_ctx *c)
{
	struct obuf *o = &c->out;

	if (c->opt->no_header)
		return;
	if (c->opt->format == FMT_CSV && !c->lifetimes)
		obuf_puts(o, "time,event,netid,family,local_addr,local_port,remote_addr,remote_port,old_state,state,"
			     "old_state_ms,pid,comm,owner_known,source,lost\r\n");
	else if (c->opt->format == FMT_CSV)
		obuf_puts(o, "time,event,netid,family,local_addr,local_port,remote_addr,remote_port,open_time,"
			     "close_time,duration_ms,bytes_sent,bytes_received,states,opener,closer,end,retransmits,"
			     "pid,comm,owner_known,source,lost\r\n");
	else if (c->opt->format == FMT_TABLE && !c->lifetimes)
		obuf_printf(o, "%-12s %-28s %-23s %-23s %8s %s\n", "TIME", "OLD -> NEW", "LOCAL", "PEER", "MS",
			    "PROCESS");
	else if (c->opt->format == FMT_TABLE)
		obuf_printf(o, "%-12s %10s %-23s %-23s %10s %10s %-16s %-13s %s\n", "CLOSED AT", "MS", "LOCAL", "PEER",
			    "SENT", "RECEIVED", "END", "CLOSER", "PROCESS");
}

static int count_record(struct ev_ctx *c)
{
	c->records++;
	if (c->opt->count && c->records >= c->opt->count) {
		c->stop = true;
		return STOPPED;
	}
	return c->out.err;
}

static void emit_lost(struct ev_ctx *c, uint64_t n)
{
	struct obuf *o = &c->out;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	switch (c->opt->format) {
	case FMT_CSV:
		/* empty fields from netid to owner_known, then source and lost */
		put_csv_time(o, &ts);
		obuf_puts(o, ",lost");
		obuf_pad(o, ',', c->lifetimes ? 19 : 12);
		obuf_printf(o, ",%s,%" PRIu64 "\r\n", src_names[c->src], n);
		break;
	case FMT_TABLE:
		put_table_time(o, &ts);
		obuf_printf(o, "*** %" PRIu64 " samples lost (%s) ***\n", n, src_names[c->src]);
		break;
	default:
		obuf_puts(o, "{\"time\":");
		render_json_time(o, &ts, true);
		obuf_printf(o, ",\"event\":\"lost\",\"lost\":%" PRIu64 ",\"source\":\"%s\"}\n", n, src_names[c->src]);
		break;
	}
}

static bool family_wanted(const struct ev_ctx *c, int family)
{
	return (family == AF_INET && (c->opt->families & COLLECT_INET4)) ||
	       (family == AF_INET6 && (c->opt->families & COLLECT_INET6));
}

static void make_rec(struct sock_rec *r, int family, const uint8_t *la, uint16_t lp, const uint8_t *ra, uint16_t rp,
		     int state)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->laddr, la, 16);
	memcpy(r->raddr, ra, 16);
	r->lport = lp;
	r->rport = rp;
	r->family = (uint8_t)family;
	r->proto = IPPROTO_TCP;
	r->kind = KIND_TCP;
	r->state = (uint8_t)state;
	r->ext = SOCK_NO_EXT;
}

static int emit_watch(struct ev_ctx *c, const struct ev_tr *t);

static int emit_transition(struct ev_ctx *c, const struct ev_tr *t)
{
	struct obuf *o = &c->out;
	struct sock_rec rec;
	struct timespec ts = to_real(c, t->mono_ns);
	char tr[48];

	if (!family_wanted(c, t->family) || !t->state)
		return 0;
	if (c->watch)
		return emit_watch(c, t);
	make_rec(&rec, t->family, t->laddr, t->lport, t->raddr, t->rport, t->state);
	if (!filter_match(c->filter, &rec, &(struct filter_env){0}))
		return 0;
	switch (c->opt->format) {
	case FMT_CSV:
		put_csv_time(o, &ts);
		obuf_puts(o, ",transition");
		put_csv_addrs(o, t->family, t->laddr, t->lport, t->raddr, t->rport);
		obuf_printf(o, ",%s,%s,", t->old_state ? state_name(t->old_state) : "", state_name(t->state));
		if (t->ms_known)
			obuf_u64(o, t->ms);
		put_owner_csv(c, t->pid);
		obuf_printf(o, ",%s,\r\n", src_names[c->src]);
		break;
	case FMT_TABLE:
		put_table_time(o, &ts);
		snprintf(tr, sizeof(tr), "%s -> %s", t->old_state ? state_name(t->old_state) : "?", state_name(t->state));
		obuf_printf(o, "%-28s ", tr);
		put_addr_port(o, t->family, t->laddr, t->lport, 23);
		put_addr_port(o, t->family, t->raddr, t->rport, 23);
		if (t->ms_known)
			obuf_printf(o, "%8" PRIu64 " ", t->ms);
		else
			obuf_printf(o, "%8s ", "-");
		put_process(c, t->pid);
		obuf_putc(o, '\n');
		break;
	default:
		obuf_puts(o, "{\"time\":");
		put_json_time(c, &ts);
		obuf_puts(o, ",\"event\":\"transition\"");
		put_json_addrs(o, t->family, t->laddr, t->lport, t->raddr, t->rport);
		obuf_puts(o, ",\"state\":\"");
		obuf_puts(o, state_name(t->state));
		obuf_puts(o, "\",\"old_state\":");
		if (t->old_state) {
			obuf_putc(o, '"');
			obuf_puts(o, state_name(t->old_state));
			obuf_putc(o, '"');
		} else {
			obuf_puts(o, "null");
		}
		obuf_puts(o, ",\"old_state_ms\":");
		if (t->ms_known)
			obuf_u64(o, t->ms);
		else
			obuf_puts(o, "null");
		put_owner_json(c, t->pid);
		obuf_puts(o, ",\"source\":\"");
		obuf_puts(o, src_names[c->src]);
		obuf_puts(o, "\"}\n");
		break;
	}
	return count_record(c);
}

/* A finished connection, from the lifetime tracker or (open unknown) from a
 * destroy message alone. */
struct ev_life {
	const struct sock_lifetime *lt; /* NULL: from a destroy message */
	const struct sock_destroy *d;
	uint8_t family;
	const uint8_t *laddr, *raddr;
	uint16_t lport, rport;
	uint64_t open_ns, close_ns; /* open_ns 0: unknown */
	bool bytes, peer_fin;
	bool fin_unsure; /* handed to a time-wait socket from FIN-WAIT-2: the peer's FIN may not be counted */
	uint64_t sent, sent_retrans, received;
	bool retrans_known;
	uint32_t retrans;
	const uint8_t *states;
	size_t nstates;
	const char *opener, *closer, *end;
	uint32_t pid;
	const char *source;
};

static bool life_matches(const struct ev_ctx *c, const struct ev_life *l)
{
	struct sock_rec rec;

	if (!family_wanted(c, l->family))
		return false;
	/* a state test holds if the connection went through that state */
	for (size_t i = 0; i < l->nstates; i++) {
		int st = sk_state(l->states[i]);

		if (!st)
			continue;
		make_rec(&rec, l->family, l->laddr, l->lport, l->raddr, l->rport, st);
		if (filter_match(c->filter, &rec, &(struct filter_env){0}))
			return true;
	}
	return false;
}

static int emit_lifetime(struct ev_ctx *c, const struct ev_life *l)
{
	struct obuf *o = &c->out;
	struct timespec open_ts = to_real(c, l->open_ns), close_ts = to_real(c, l->close_ns);
	uint64_t sent = l->sent >= l->sent_retrans ? l->sent - l->sent_retrans : 0;
	uint64_t rcvd = l->peer_fin && l->received ? l->received - 1 : l->received;
	double dur = l->open_ns && l->close_ns >= l->open_ns ? (double)(l->close_ns - l->open_ns) / 1e6 : -1;

	if (!life_matches(c, l))
		return 0;
	if (!l->close_ns) /* replaced before its CLOSE was seen: the record's time is now, close_time unknown */
		clock_gettime(CLOCK_REALTIME, &close_ts);
	switch (c->opt->format) {
	case FMT_CSV:
		put_csv_time(o, &close_ts);
		obuf_puts(o, ",lifetime");
		put_csv_addrs(o, l->family, l->laddr, l->lport, l->raddr, l->rport);
		obuf_putc(o, ',');
		if (l->open_ns)
			put_csv_time(o, &open_ts);
		obuf_putc(o, ',');
		if (l->close_ns)
			put_csv_time(o, &close_ts);
		obuf_putc(o, ',');
		if (dur >= 0)
			obuf_printf(o, "%.3f", dur);
		if (l->bytes)
			obuf_printf(o, ",%" PRIu64 ",%" PRIu64 ",", sent, rcvd);
		else
			obuf_puts(o, ",,,");
		for (size_t i = 0; i < l->nstates; i++)
			obuf_printf(o, "%s%s", i ? " " : "", state_name(sk_state(l->states[i])));
		obuf_printf(o, ",%s,%s,%s,", l->opener, l->closer, l->end);
		if (l->retrans_known)
			obuf_printf(o, "%" PRIu32, l->retrans);
		put_owner_csv(c, l->pid);
		obuf_printf(o, ",%s,\r\n", l->source);
		break;
	case FMT_TABLE:
		put_table_time(o, &close_ts);
		if (dur >= 0)
			obuf_printf(o, "%10.1f ", dur);
		else
			obuf_printf(o, "%10s ", "-");
		put_addr_port(o, l->family, l->laddr, l->lport, 23);
		put_addr_port(o, l->family, l->raddr, l->rport, 23);
		if (l->bytes)
			obuf_printf(o, "%10" PRIu64 " %10" PRIu64 " ", sent, rcvd);
		else
			obuf_printf(o, "%10s %10s ", "-", "-");
		obuf_printf(o, "%-16s %-13s ", l->end, l->closer);
		put_process(c, l->pid);
		obuf_putc(o, '\n');
		break;
	default:
		obuf_puts(o, "{\"time\":");
		render_json_time(o, &close_ts, true);
		obuf_puts(o, ",\"event\":\"lifetime\"");
		put_json_addrs(o, l->family, l->laddr, l->lport, l->raddr, l->rport);
		obuf_puts(o, ",\"open_time\":");
		if (l->open_ns)
			render_json_time(o, &open_ts, true);
		else
			obuf_puts(o, "null");
		obuf_puts(o, ",\"close_time\":");
		if (l->close_ns)
			render_json_time(o, &close_ts, true);
		else
			obuf_puts(o, "null");
		if (dur >= 0)
			obuf_printf(o, ",\"duration_ms\":%.3f", dur);
		else
			obuf_puts(o, ",\"duration_ms\":null");
		if (l->bytes)
			obuf_printf(o, ",\"bytes_sent\":%" PRIu64 ",\"bytes_received\":%" PRIu64 ",\"bytes_received_exact\":%s",
				    sent, rcvd, l->fin_unsure ? "false" : "true");
		else
			obuf_puts(o, ",\"bytes_sent\":null,\"bytes_received\":null,\"bytes_received_exact\":null");
		obuf_puts(o, ",\"states\":[");
		for (size_t i = 0; i < l->nstates; i++)
			obuf_printf(o, "%s\"%s\"", i ? "," : "", state_name(sk_state(l->states[i])));
		obuf_printf(o, "],\"opener\":\"%s\",\"closer\":\"%s\",\"end\":\"%s\",\"retransmits\":", l->opener,
			    l->closer, l->end);
		if (l->retrans_known)
			obuf_printf(o, "%" PRIu32, l->retrans);
		else
			obuf_puts(o, "null");
		put_owner_json(c, l->pid);
		obuf_printf(o, ",\"source\":\"%s\"}\n", l->source);
		break;
	}
	return count_record(c);
}

static int lifetime_sink(void *arg, const struct sock_lifetime *lt)
{
	struct ev_ctx *c = arg;
	struct ev_life l = {
		.lt = lt,
		.family = lt->family,
		.laddr = lt->laddr,
		.raddr = lt->raddr,
		.lport = lt->lport,
		.rport = lt->rport,
		.open_ns = lt->complete ? lt->open_ns : 0,
		.close_ns = lt->close_ns,
		.bytes = lt->has_tcp_info,
		/* a normal end is a FIN exchange: the peer's FIN is in bytes_received,
		 * unless this side closed first and its socket went to a time-wait
		 * socket on the ACK of its FIN, before the peer's FIN came (the
		 * kernel's orphan FIN-WAIT-2 path): the final tcp_info cannot tell */
		.peer_fin = lt->end == LT_END_NORMAL,
		.fin_unsure = lt->end == LT_END_NORMAL && lt->nstates >= 2 &&
			      lt->states[lt->nstates - 2] == SK_FIN_WAIT2 && lt->states[lt->nstates - 1] == SK_CLOSE,
		.sent = lt->bytes_sent,
		.sent_retrans = lt->bytes_retrans,
		.received = lt->bytes_received,
		.retrans_known = lt->has_tcp_info,
		.retrans = lt->total_retrans,
		.states = lt->states,
		.nstates = lt->nstates,
		.opener = lt_opener_name(lt->opener),
		.closer = lt_closer_name(lt->closer),
		.end = lt_end_name(lt->end),
		.pid = lt->pid,
		.source = lt->has_tcp_info ? "tracepoint+destroy" : "tracepoint",
	};

	if (c->stop)
		return STOPPED;
	return emit_lifetime(c, &l);
}

/* ---- --watch --events on the tracepoint -------------------------------- */

/* A connection handed to a time-wait socket (FIN-WAIT-2 or CLOSING ->
 * CLOSE): the tracepoint never reports that socket, so snapshots tell when
 * it goes.  Kept in an array; a sweep indexes it by 4-tuple. */
#define TW_MAX 65536u

static bool addr_eq(int family, const uint8_t *a, const uint8_t *b);

struct ev_tw {
	uint8_t family;
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport;
	uint32_t pid;
	uint64_t id;
	uint64_t since_ns; /* monotonic: entered state */
	uint64_t handoff_ns;
	uint8_t state;     /* as a time-wait socket: FIN-WAIT-2, then TIME-WAIT */
	bool seen;         /* in the sweep's snapshot */
};

static void tw_add(struct ev_ctx *c, const struct ev_tr *t, int state, uint64_t since_ns)
{
	struct ev_tw *w;

	if (!c->tw) {
		c->tw = calloc(TW_MAX, sizeof(*c->tw));
		if (!c->tw) {
			c->tw_dropped++;
			return;
		}
	}
	if (c->ntw >= TW_MAX) { /* full: the oldest goes unreported, counted */
		memmove(c->tw, c->tw + 1, (TW_MAX - 1) * sizeof(*c->tw));
		c->ntw--;
		c->tw_dropped++;
	}
	w = &c->tw[c->ntw++];
	memset(w, 0, sizeof(*w));
	w->family = t->family;
	memcpy(w->laddr, t->laddr, 16);
	memcpy(w->raddr, t->raddr, 16);
	w->lport = t->lport;
	w->rport = t->rport;
	w->pid = t->pid;
	w->id = t->id;
	w->since_ns = since_ns;
	w->handoff_ns = t->mono_ns;
	w->state = (uint8_t)state;
}

/* One line of the --watch --events stream: opened (the first event of a
 * socket), state, closed (into CLOSE, but for the time-wait handoff, which
 * is a state event into TIME-WAIT). */
static int emit_watch_line(struct ev_ctx *c, const char *event, uint64_t mono_ns, int family, const uint8_t *la,
			   uint16_t lp, const uint8_t *ra, uint16_t rp, int state, int old_state, bool ms_known,
			   uint64_t ms, uint32_t pid, uint64_t id, const char *source)
{
	struct obuf *o = &c->out;
	struct timespec ts = to_real(c, mono_ns);
	struct sock_rec rec;

	make_rec(&rec, family, la, lp, ra, rp, state);
	if (!filter_match(c->filter, &rec, &(struct filter_env){0}))
		return 0;
	obuf_puts(o, "{\"time\":");
	render_json_time(o, &ts, true);
	obuf_printf(o, ",\"event\":\"%s\",\"cookie\":null", event);
	put_json_addrs(o, family, la, lp, ra, rp);
	obuf_printf(o, ",\"state\":\"%s\"", state_name(state));
	if (old_state) {
		obuf_printf(o, ",\"old_state\":\"%s\",\"old_state_ms\":", state_name(old_state));
		if (ms_known)
			obuf_u64(o, ms);
		else
			obuf_puts(o, "null");
	} else if (!strcmp(event, "closed") && ms_known) {
		obuf_printf(o, ",\"state_ms\":%" PRIu64, ms);
	}
	if (id)
		obuf_printf(o, ",\"conn\":%" PRIu64, id);
	if (c->opt->processes)
		put_owner_json(c, pid);
	obuf_printf(o, ",\"source\":\"%s\"}\n", source);
	return count_record(c);
}

/* The first event of a socket is "opened"; into CLOSE is "closed", but
 * for the handoff to a time-wait socket: from FIN-WAIT-2 the connection
 * stays in FIN-WAIT-2 (the time-wait socket's first state, until the peer's
 * FIN), from CLOSING it goes to TIME-WAIT; both are then followed by
 * tw_sweep(). */
static int emit_watch(struct ev_ctx *c, const struct ev_tr *t)
{
	const char *src = src_names[c->src];

	if (t->state == SK_CLOSE && t->old_state == SK_FIN_WAIT2) {
		tw_add(c, t, SK_FIN_WAIT2, t->ms_known ? t->mono_ns - t->ms * 1000000ULL : t->mono_ns);
		return 0;
	}
	if (t->state == SK_CLOSE && t->old_state == SK_CLOSING) {
		tw_add(c, t, SK_TIME_WAIT, t->mono_ns);
		return emit_watch_line(c, "state", t->mono_ns, t->family, t->laddr, t->lport, t->raddr, t->rport,
				       SK_TIME_WAIT, t->old_state, t->ms_known, t->ms, t->pid, t->id, src);
	}
	if (t->state == SK_CLOSE) {
		if (!t->old_state || t->old_state == SK_CLOSE)
			return 0; /* a socket closed before it was ever visible */
		return emit_watch_line(c, "closed", t->mono_ns, t->family, t->laddr, t->lport, t->raddr, t->rport,
				       t->old_state, 0, t->ms_known, t->ms, t->pid, t->id, src);
	}
	if (t->first)
		return emit_watch_line(c, "opened", t->mono_ns, t->family, t->laddr, t->lport, t->raddr, t->rport,
				       t->state, 0, false, 0, t->pid, t->id, src);
	return emit_watch_line(c, "state", t->mono_ns, t->family, t->laddr, t->lport, t->raddr, t->rport, t->state,
			       t->old_state, t->ms_known, t->ms, t->pid, t->id, src);
}

static size_t tw_slot(int family, const uint8_t *la, uint16_t lp, const uint8_t *ra, uint16_t rp, size_t mask)
{
	uint64_t h = 1469598103934665603ULL;
	size_t n = family == AF_INET6 ? 16 : 4;

	for (size_t i = 0; i < n; i++)
		h = (h ^ la[i] ^ ((uint64_t)ra[i] << 8)) * 1099511628211ULL;
	h = (h ^ lp ^ ((uint64_t)rp << 16) ^ ((uint64_t)family << 32)) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29)) & mask;
}

/* Emits "closed" for the time-wait sockets that are no longer in a snapshot
 * taken after their handoff. */
static int tw_sweep(struct ev_ctx *c, struct pipeline *p, struct sock_set *set)
{
	struct collect_result res = {0};
	uint64_t taken = mono_ns();
	size_t cap = 1, keep = 0;
	uint32_t *idx;
	int r;

	if (!c->ntw)
		return 0;
	r = pipeline_snapshot(p, set, &res);
	if (r < 0)
		return r;
	while (cap < c->ntw * 2)
		cap <<= 1;
	idx = malloc(cap * sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	memset(idx, 0xff, cap * sizeof(*idx));
	for (size_t i = 0; i < c->ntw; i++) {
		const struct ev_tw *w = &c->tw[i];
		size_t k = tw_slot(w->family, w->laddr, w->lport, w->raddr, w->rport, cap - 1);

		while (idx[k] != UINT32_MAX)
			k = (k + 1) & (cap - 1);
		idx[k] = (uint32_t)i;
		c->tw[i].seen = false;
	}
	for (size_t i = 0; i < set->n; i++) {
		const struct sock_rec *q = &set->v[i];
		size_t k;

		if (q->kind != KIND_TCP || (q->state != SK_TIME_WAIT && q->state != SK_FIN_WAIT2 && q->state != SK_CLOSING))
			continue;
		for (k = tw_slot(q->family, q->laddr, q->lport, q->raddr, q->rport, cap - 1); idx[k] != UINT32_MAX;
		     k = (k + 1) & (cap - 1)) {
			struct ev_tw *w = &c->tw[idx[k]];

			if (w->lport != q->lport || w->rport != q->rport || w->family != q->family ||
			    !addr_eq(w->family, w->laddr, q->laddr) || !addr_eq(w->family, w->raddr, q->raddr))
				continue;
			w->seen = true;
			if (w->state == SK_FIN_WAIT2 && q->state == SK_TIME_WAIT) { /* the peer's FIN came */
				r = emit_watch_line(c, "state", taken, w->family, w->laddr, w->lport, w->raddr, w->rport,
						    SK_TIME_WAIT, SK_FIN_WAIT2, true,
						    (taken - w->since_ns) / 1000000ULL, w->pid, w->id, "poll");
				w->state = SK_TIME_WAIT;
				w->since_ns = taken;
				if (r < 0 && r != STOPPED) {
					free(idx);
					return r;
				}
			}
		}
	}
	free(idx);
	for (size_t i = 0; i < c->ntw; i++) {
		struct ev_tw *w = &c->tw[i];

		if (w->seen || w->handoff_ns >= taken) {
			c->tw[keep++] = *w;
			continue;
		}
		r = emit_watch_line(c, "closed", taken, w->family, w->laddr, w->lport, w->raddr, w->rport, w->state,
				    0, true, (taken - w->since_ns) / 1000000ULL, w->pid, w->id, "poll");
		if (r < 0 && r != STOPPED) {
			/* keep the rest for the next sweep */
			memmove(c->tw + keep, c->tw + i + 1, (c->ntw - i - 1) * sizeof(*c->tw));
			c->ntw = keep + c->ntw - i - 1;
			return r;
		}
	}
	c->ntw = keep;
	return 0;
}

/* ---- the tracepoint source -------------------------------------------- */

static bool addr_eq(int family, const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, family == AF_INET6 ? 16 : 4);
}

/* Is the event's socket in the namespace's snapshot (refreshed at most every
 * NS_REFRESH_MS): the same 4-tuple, or, for a child of a listener, a listener
 * on that local address and port? */
static bool tuple_in_ns(struct ev_ctx *c, const struct sock_event *ev)
{
	uint64_t now = mono_ns() / 1000000ULL;
	bool child = ev->old_state == SK_LISTEN || ev->old_state == SK_SYN_RECV ||
		     ev->old_state == SK_KERNEL_NEW_SYN_RECV || ev->new_state == SK_SYN_RECV;

	if (!c->nsset_ok || now - c->nsset_ms >= NS_REFRESH_MS) {
		struct collect_result res = {0};

		c->nsset_ok = pipeline_snapshot(c->nsp, &c->nsset, &res) == 0;
		c->nsset_ms = now;
	}
	for (size_t i = 0; c->nsset_ok && i < c->nsset.n; i++) {
		const struct sock_rec *r = &c->nsset.v[i];

		if (r->family != ev->family || r->lport != ev->sport)
			continue;
		if (r->state == SK_LISTEN) {
			if (child && (sock_addr_is_any(r->family, r->laddr) || addr_eq(r->family, r->laddr, ev->saddr)))
				return true;
			continue;
		}
		if (r->rport == ev->dport && addr_eq(r->family, r->laddr, ev->saddr) &&
		    addr_eq(r->family, r->raddr, ev->daddr))
			return true;
	}
	return false;
}

static int event_sink(void *arg, const struct sock_event *ev)
{
	struct ev_ctx *c = arg;
	struct skscope_entry *e;
	struct lt_step step = {0};
	struct ev_tr t;
	bool first = false;
	int r;

	if (c->stop)
		return STOPPED;
	if (ev->protocol != IPPROTO_TCP)
		return 0;
	e = skscope_lookup(c->sc, ev);
	if (c->ns_filter) {
		if (e && !e->ns && tuple_in_ns(c, ev))
			e->ns = 1;
		if (!e || e->ns <= 0) {
			if (!e || !e->ns)
				c->unattributed++;
			skscope_done(c->sc, e, ev);
			return 0;
		}
	}
	c->transitions++;
	if (e && !e->id) {
		e->id = ++c->next_id;
		first = true;
	}
	r = lt_feed(c->lt, ev, &step, c->lifetimes ? lifetime_sink : NULL, c);
	if (r < 0)
		return r;
	t = (struct ev_tr){
		.mono_ns = ev->time_ns,
		.family = ev->family,
		.laddr = ev->saddr,
		.raddr = ev->daddr,
		.lport = ev->sport,
		.rport = ev->dport,
		.state = sk_state(ev->new_state),
		.old_state = sk_state(ev->old_state),
		.ms_known = step.known,
		.ms = step.old_state_ns / 1000000ULL,
		.pid = e ? e->pid : 0,
		.id = e ? e->id : 0,
		.first = first,
	};
	skscope_done(c->sc, e, ev);
	if (c->lifetimes)
		return 0;
	return emit_transition(c, &t);
}

/* ---- the destroy source ----------------------------------------------- */

static int destroy_merge_sink(void *arg, const struct sock_destroy *d)
{
	struct ev_ctx *c = arg;

	if (c->stop)
		return STOPPED;
	return lt_feed_destroy(c->lt, d, lifetime_sink, c);
}

static int destroy_sink(void *arg, const struct sock_destroy *d)
{
	struct ev_ctx *c = arg;

	if (c->stop)
		return STOPPED;
	if (d->protocol != IPPROTO_TCP)
		return 0;
	c->transitions++;
	if (c->lifetimes) {
		uint8_t st = d->state;
		bool bytes = (d->have & SD_HAVE_BYTES) && (d->have & SD_HAVE_SENT);
		struct ev_life l = {
			.d = d,
			.family = d->family,
			.laddr = d->saddr,
			.raddr = d->daddr,
			.lport = d->sport,
			.rport = d->dport,
			.close_ns = d->time_ns,
			.bytes = bytes,
			/* the final state says nothing of the peer's FIN: count it when data came */
			.peer_fin = bytes && d->bytes_received > 0,
			.sent = d->bytes_sent,
			.sent_retrans = d->bytes_retrans,
			.received = d->bytes_received,
			.retrans_known = (d->have & SD_HAVE_INFO) != 0,
			.retrans = d->total_retrans,
			.states = &st,
			.nstates = 1,
			.opener = "unknown",
			.closer = "unknown",
			.end = "unknown",
			.source = "destroy",
		};

		return emit_lifetime(c, &l);
	}
	return emit_transition(c, &(struct ev_tr){
				       .mono_ns = d->time_ns,
				       .family = d->family,
				       .laddr = d->saddr,
				       .raddr = d->daddr,
				       .lport = d->sport,
				       .rport = d->dport,
				       .state = sk_state(d->state) ? sk_state(d->state) : SK_CLOSE,
			       });
}

/* ---- the polling source ------------------------------------------------ */

static int poll_emit(struct ev_ctx *c, const struct tui_model *m, const struct sock_set *set, uint64_t now)
{
	int r = 0;

	for (size_t i = 0; i < m->n && !r; i++) {
		const struct tui_track *t = &m->t[i];

		if (t->change != TUI_GONE)
			continue;
		c->transitions++;
		r = emit_transition(c, &(struct ev_tr){
					       .mono_ns = now,
					       .family = t->rec.family,
					       .laddr = t->rec.laddr,
					       .raddr = t->rec.raddr,
					       .lport = t->rec.lport,
					       .rport = t->rec.rport,
					       .state = SK_CLOSE,
					       .old_state = t->rec.state,
					       /* a lower bound: it was last seen in the previous snapshot */
					       .ms_known = t->nhist > 0,
					       .ms = t->nhist && m->prev_ms > t->hist[t->nhist - 1].since_ms
							     ? m->prev_ms - t->hist[t->nhist - 1].since_ms
							     : 0,
				       });
	}
	for (size_t i = 0; i < set->n && !r; i++) {
		const struct tui_track *t = tui_model_track(m, i);

		if (t->change != TUI_NEW && t->change != TUI_STATE)
			continue;
		c->transitions++;
		r = emit_transition(c, &(struct ev_tr){
					       .mono_ns = now,
					       .family = t->rec.family,
					       .laddr = t->rec.laddr,
					       .raddr = t->rec.raddr,
					       .lport = t->rec.lport,
					       .rport = t->rec.rport,
					       .state = t->rec.state,
					       .old_state = t->change == TUI_STATE ? t->old_state : 0,
					       .ms_known = t->change == TUI_STATE,
					       .ms = t->old_state_ms,
				       });
	}
	return r;
}

/* ---- the run ------------------------------------------------------------ */

struct sources {
	struct tp_source *tp;
	struct destroy_source *ds;
	struct pipeline *p; /* polling, and -N */
	int netns_fd;
};

static int open_netns(const char *name, char *err, size_t errlen)
{
	char path[4096];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open network namespace '%s': %s", name, strerror(errno));
		return -errno;
	}
	return fd;
}

/* Opens the source(s).  Prints one notice per source skipped. */
static int open_sources(struct ev_ctx *c, struct sources *s, struct options *popt)
{
	const struct options *opt = c->opt;
	enum ev_source want = opt->ev_source;
	char err[512];
	int r;

	if (c->watch) {
		struct tp_opts to = {.allow_mount = opt->mount_tracefs, .reader = (enum tp_reader)opt->tp_reader};

		r = tp_open(&s->tp, &to, err, sizeof(err));
		if (r < 0) {
			fprintf(stderr, "sockscope: --watch --events: %s%s; %s\n", err,
				!opt->mount_tracefs && strstr(err, "not mounted") ? " (or use --mount-tracefs)" : "",
				want == EVSRC_TRACEPOINT ? "no source left" : "comparing snapshots instead");
			return want == EVSRC_TRACEPOINT ? -1 : -2;
		}
		c->src = SRC_TRACEPOINT;
		want = EVSRC_TRACEPOINT;
	}
	if (!s->tp && (want == EVSRC_AUTO || want == EVSRC_TRACEPOINT)) {
		struct tp_opts to = {.allow_mount = opt->mount_tracefs, .reader = (enum tp_reader)opt->tp_reader};

		r = tp_open(&s->tp, &to, err, sizeof(err));
		if (r == 0) {
			bool mounted = false;
			const char *dir = tp_tracefs(s->tp, &mounted);

			if (mounted)
				fprintf(stderr, "sockscope: mounted tracefs on %s (--mount-tracefs)\n", dir);
			c->src = SRC_TRACEPOINT;
		} else if (want == EVSRC_TRACEPOINT) {
			fprintf(stderr, "sockscope: events: %s\n", err);
			return -1;
		} else {
			fprintf(stderr, "sockscope: events: %s%s; trying the destroy source\n", err,
				!opt->mount_tracefs && strstr(err, "not mounted") ? " (or use --mount-tracefs)" : "");
		}
	}
	if (!s->tp && (want == EVSRC_AUTO || want == EVSRC_DESTROY)) {
		struct destroy_opts dop = {.netns_fd = s->netns_fd};

		r = destroy_open(&s->ds, &dop, err, sizeof(err));
		if (r == 0) {
			c->src = SRC_DESTROY;
		} else if (want == EVSRC_DESTROY) {
			fprintf(stderr, "sockscope: events: %s\n", err);
			return -1;
		} else {
			fprintf(stderr, "sockscope: events: %s; %s\n", err,
				c->lifetimes ? "no source left for --lifetimes" : "polling every 0.1 s instead");
		}
	}
	if (!s->tp && !s->ds) {
		if (c->lifetimes) {
			if (want == EVSRC_POLL)
				fprintf(stderr, "sockscope: events: --lifetimes needs the tracepoint or the destroy "
						"source (polling cannot measure lifetimes)\n");
			return -1;
		}
		c->src = SRC_POLL;
	}
	/* lifetimes from the tracepoint take bytes and retransmits from the destroy source */
	if (s->tp && c->lifetimes) {
		struct destroy_opts dop = {.netns_fd = s->netns_fd};

		if (destroy_open(&s->ds, &dop, err, sizeof(err)) < 0)
			fprintf(stderr, "sockscope: events: no bytes or retransmits in lifetimes: %s\n", err);
		c->merged = s->ds != NULL;
	}
	if (c->src == SRC_POLL || (s->tp && (opt->netns || c->watch))) {
		struct filter_error fe;

		s->p = calloc(1, sizeof(*s->p));
		if (!s->p) {
			fprintf(stderr, "sockscope: out of memory\n");
			return -1;
		}
		r = pipeline_init(s->p, popt, NEED_NONE, &fe);
		if (r < 0) {
			free(s->p);
			s->p = NULL;
			fprintf(stderr, "sockscope: events: %s\n", strerror(-r));
			return -1;
		}
	}
	return 0;
}

static void close_sources(struct sources *s)
{
	tp_close(s->tp);
	destroy_close(s->ds);
	if (s->p) {
		pipeline_fini(s->p);
		free(s->p);
	}
	if (s->netns_fd >= 0)
		close(s->netns_fd);
}

/* The stream: true to go on. */
static bool flush_ok(struct ev_ctx *c, int *rc)
{
	int r = obuf_flush(&c->out);

	if (r == -EPIPE)
		return false; /* `| head`: a normal end */
	if (r < 0) {
		fprintf(stderr, "sockscope: events: write error: %s\n", strerror(-r));
		*rc = EV_FAIL;
		return false;
	}
	/* a reader that went away between records (`| head`): the pipe reports POLLERR */
	{
		struct pollfd pf = {.fd = c->out.fd, .events = 0};

		if (poll(&pf, 1, 0) == 1 && (pf.revents & POLLERR))
			return false;
	}
	return true;
}

static int run_loop(struct ev_ctx *c, struct sources *s, uint64_t deadline)
{
	struct tui_model m;
	struct sock_set set;
	uint64_t next_poll = 0, next_sweep = 0;
	int rc = EV_OK, r = 0;

	tui_model_init(&m);
	sock_set_init(&set);
	while (!ev_stop && !c->stop) {
		uint64_t now = mono_ns();
		int timeout = (int)POLL_INTERVAL_MS;

		if (deadline && now >= deadline)
			break;
		if (deadline && (deadline - now) / 1000000ULL < POLL_INTERVAL_MS)
			timeout = (int)((deadline - now) / 1000000ULL) + 1;
		switch (c->src) {
		case SRC_TRACEPOINT:
			r = tp_poll(s->tp, timeout, event_sink, c);
			if (r >= 0 && tp_batch_lost(s->tp)) {
				c->lost += tp_batch_lost(s->tp);
				emit_lost(c, tp_batch_lost(s->tp));
			}
			if ((r >= 0 || r == -EINTR) && s->ds)
				r = destroy_poll(s->ds, 0, destroy_merge_sink, c);
			if (r >= 0 && c->lifetimes)
				r = lt_tick(c->lt, mono_ns(), lifetime_sink, c);
			if ((r >= 0 || r == -EINTR) && c->watch && mono_ns() >= next_sweep) {
				next_sweep = mono_ns() + (uint64_t)(c->opt->watch * 1e9);
				r = tw_sweep(c, s->p, &set);
			}
			break;
		case SRC_DESTROY:
			r = destroy_poll(s->ds, timeout, destroy_sink, c);
			break;
		case SRC_POLL: {
			struct collect_result res = {0};
			bool first = m.gen == 0;

			if (now < next_poll) {
				struct timespec ts = {0, (long)(next_poll - now)};

				if (next_poll - now > 1000000000ULL)
					ts = (struct timespec){1, 0};
				nanosleep(&ts, NULL);
				continue;
			}
			next_poll = now + POLL_INTERVAL_MS * 1000000ULL;
			r = pipeline_snapshot(s->p, &set, &res);
			if (r >= 0)
				r = tui_model_update(&m, &set, mono_ns() / 1000000ULL, NULL);
			if (r >= 0 && !first)
				r = poll_emit(c, &m, &set, mono_ns());
			break;
		}
		}
		if (r == -EINTR || r == STOPPED)
			r = 0;
		if (r < 0 && r != c->out.err) { /* a write error is flush_ok()'s to report */
			if (ev_stop)
				break;
			fprintf(stderr, "sockscope: events: %s source: %s\n", src_names[c->src], strerror(-r));
			rc = EV_FAIL;
			break;
		}
		if (!flush_ok(c, &rc))
			goto out;
	}
	/* the end: what the sources still hold */
	if (!c->stop && c->src == SRC_TRACEPOINT) {
		(void)tp_flush(s->tp, event_sink, c); /* output errors surface in flush_ok() below */
		if (tp_batch_lost(s->tp)) {
			c->lost += tp_batch_lost(s->tp);
			emit_lost(c, tp_batch_lost(s->tp));
		}
		if (!c->stop && s->ds && c->lifetimes)
			(void)destroy_poll(s->ds, 200, destroy_merge_sink, c); /* late destroy messages */
		if (!c->stop && c->lifetimes)
			(void)lt_flush(c->lt, mono_ns(), false, lifetime_sink, c);
	}
	(void)flush_ok(c, &rc);
out:
	sock_set_free(&set);
	tui_model_free(&m);
	return rc;
}

static void summary(const struct ev_ctx *c, const struct sources *s)
{
	fprintf(stderr, "sockscope: events: %" PRIu64 " transitions seen, %lu %s written, %" PRIu64
			" samples lost (source: %s%s%s%s)",
		c->transitions, c->records, c->lifetimes ? "lifetimes" : "records", c->lost, src_names[c->src],
		s->tp ? ", read by " : "", s->tp ? tp_reader_name(s->tp) : "", c->merged ? ", with destroy" : "");
	if (c->ns_filter)
		fprintf(stderr, ", %" PRIu64 " events not attributed to the namespace", c->unattributed);
	if (s->tp && tp_throttled(s->tp))
		fprintf(stderr, ", throttled %" PRIu64 " times by the kernel (samples dropped, number unknown: raise "
				"kernel.perf_event_max_sample_rate)", tp_throttled(s->tp));
	if (s->tp && tp_bad(s->tp))
		fprintf(stderr, ", %" PRIu64 " samples that did not decode", tp_bad(s->tp));
	if (c->tw_dropped)
		fprintf(stderr, ", %" PRIu64 " time-wait sockets not followed to their end (too many)", c->tw_dropped);
	if (s->ds && destroy_overruns(s->ds))
		fprintf(stderr, ", %" PRIu64 " destroy-group overruns (messages lost, number unknown)",
			destroy_overruns(s->ds));
	fputc('\n', stderr);
}

static int run(const struct options *opt, bool watch)
{
	struct ev_ctx c;
	struct sources s = {.netns_fd = -1};
	struct options popt = *opt;
	struct filter_error fe;
	struct sigaction sa, old_int, old_term;
	struct lt_opts lop = {0};
	char err[512];
	uint64_t deadline = 0;
	int rc, r;

	memset(&c, 0, sizeof(c));
	err[0] = 0;
	c.opt = opt;
	c.lifetimes = opt->lifetimes && !watch;
	c.watch = watch;
	if (watch && opt->kinds != KIND_BIT(KIND_TCP))
		return EV_UNAVAILABLE; /* the tracepoint knows TCP only: snapshots list every kind */
	if (opt->format != FMT_TABLE && opt->format != FMT_JSONL && opt->format != FMT_CSV) {
		fprintf(stderr, "sockscope: events writes --format=jsonl, csv or table (try 'sockscope events --help')\n");
		return EV_USAGE;
	}
	memset(&fe, 0, sizeof(fe));
	r = filter_parse(opt->argc, opt->argv, &c.filter, &fe);
	if (r == -EINVAL) {
		fprintf(stderr, "sockscope: bad filter: %s\n  %s\n", fe.msg, fe.expr);
		return EV_USAGE;
	}
	if (r < 0) {
		fprintf(stderr, "sockscope: %s\n", strerror(-r));
		return EV_FAIL;
	}
	if ((filter_needs(c.filter) & (NEED_OWNERS | NEED_USER)) && watch) {
		filter_free(c.filter);
		fprintf(stderr, "sockscope: --watch --events: the filter tests owners, which the tracepoint does not "
				"know; comparing snapshots instead\n");
		return EV_UNAVAILABLE;
	}
	if (filter_needs(c.filter) & (NEED_OWNERS | NEED_USER)) {
		filter_free(c.filter);
		fprintf(stderr, "sockscope: events: the filter tests owners (pid, process, uid, user), which events "
				"does not know when the transition happens\n");
		return EV_USAGE;
	}
	/* the snapshots (polling, -N) list every TCP socket: the filter is applied per event */
	popt.argc = 0;
	popt.kinds = KIND_BIT(KIND_TCP);
	popt.processes = false;
	c.comms = calloc(COMM_CACHE, sizeof(*c.comms));
	if (!c.comms || obuf_init(&c.out, STDOUT_FILENO, 1 << 16) < 0) {
		fprintf(stderr, "sockscope: out of memory\n");
		rc = EV_FAIL;
		goto out;
	}
	if (opt->netns) {
		struct stat st;

		s.netns_fd = open_netns(opt->netns, err, sizeof(err));
		if (s.netns_fd >= 0 && fstat(s.netns_fd, &st) < 0)
			snprintf(err, sizeof(err), "%s: %s", opt->netns, strerror(errno));
		if (s.netns_fd < 0 || err[0]) {
			fprintf(stderr, "sockscope: %s\n", err);
			rc = EV_FAIL;
			goto out;
		}
		c.ns_dev = st.st_dev;
		c.ns_ino = st.st_ino;
	} else if (watch && !opt->all_netns) {
		/* the stream of snapshots lists our own namespace: so does this one */
		struct stat st;

		if (stat("/proc/self/ns/net", &st) < 0) {
			fprintf(stderr, "sockscope: /proc/self/ns/net: %s\n", strerror(errno));
			rc = EV_FAIL;
			goto out;
		}
		c.ns_dev = st.st_dev;
		c.ns_ino = st.st_ino;
	}
	r = open_sources(&c, &s, &popt);
	if (r < 0) {
		rc = r == -2 ? EV_UNAVAILABLE : EV_FAIL;
		goto out;
	}
	if (s.tp && (opt->netns || (watch && !opt->all_netns))) {
		c.ns_filter = true;
		c.nsp = s.p;
		sock_set_init(&c.nsset);
	}
	if (s.tp && skscope_new(&c.sc, c.ns_filter, c.ns_dev, c.ns_ino) < 0) {
		fprintf(stderr, "sockscope: out of memory\n");
		rc = EV_FAIL;
		goto out;
	}
	lop.merge_window_ns = c.merged ? MERGE_WINDOW_NS : 0;
	r = lt_new(&c.lt, &lop);
	if (r < 0) {
		fprintf(stderr, "sockscope: %s\n", strerror(-r));
		rc = EV_FAIL;
		goto out;
	}
	c.real_off_ns = real_offset();
	header(&c);

	ev_stop = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ev_on_signal; /* no SA_RESTART: poll() returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	if (opt->duration > 0)
		deadline = mono_ns() + (uint64_t)(opt->duration * 1e9);
	rc = run_loop(&c, &s, deadline);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (!watch || c.lost || c.tw_dropped)
		summary(&c, &s);
out:
	sock_set_free(&c.nsset);
	close_sources(&s);
	lt_free(c.lt);
	obuf_free(&c.out);
	filter_free(c.filter);
	skscope_free(c.sc);
	free(c.comms);
	free(c.tw);
	return rc;
}

int events_run(const struct options *opt)
{
	return run(opt, false);
}

int events_watch(const struct options *opt)
{
	return run(opt, true);
}
