// SPDX-License-Identifier: MIT
/*
 * diagnose: the rules of `sockscope check` — CLOSE-WAIT accumulation per
 * process and per remote, full accept queues, SYN-RECEIVED pile-ups,
 * TIME-WAIT pressure, orphans and lingering FIN-WAIT-2, stuck data — and
 * their report as text, JSON or Prometheus series.
 */
#include "diagnose.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "states.h"
#include "strutil.h"

static const char *const rule_names[RULE_MAX] = {
	"close-wait", "accept-queue", "syn-recv", "time-wait", "orphans", "stuck-data",
};

/* Defaults: counts for per-process/per-listener rules, percentages for the
 * rules measured against a kernel limit, bytes for stuck data. */
static const struct threshold defaults[RULE_MAX] = {
	[RULE_CLOSE_WAIT] = {10, 100},   [RULE_ACCEPT_QUEUE] = {80, 100}, [RULE_SYN_RECV] = {100, 1000},
	[RULE_TIME_WAIT] = {50, 90},     [RULE_ORPHANS] = {50, 80},       [RULE_STUCK_DATA] = {65536, 1048576},
};

const char *rule_name(enum rule_id r)
{
	return (unsigned)r < RULE_MAX ? rule_names[r] : "?";
}

const char *severity_name(enum severity s)
{
	static const char *const n[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

	return (unsigned)s <= SEV_UNKNOWN ? n[s] : "?";
}

void diag_init(struct diag_ctx *d)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->th, defaults, sizeof(defaults));
	d->samples = 1;
	d->interval = 1;
}

void diag_free(struct diag_ctx *d)
{
	if (!d)
		return;
	free(d->f);
	d->f = NULL;
	d->n = d->cap = 0;
}

static int parse_num(const char *s, char **end, double *out)
{
	errno = 0;
	*out = strtod(s, end);
	if (errno || *end == s || *out < 0)
		return -EINVAL;
	if (**end == '%')
		(*end)++;
	return 0;
}

int diag_set_threshold(struct diag_ctx *d, const char *spec, char *err, size_t errlen)
{
	const char *eq = strchr(spec, '=');
	char *end;
	double w, c;
	int r;

	for (r = 0; r < RULE_MAX; r++)
		if (eq && strlen(rule_names[r]) == (size_t)(eq - spec) && !strncmp(spec, rule_names[r], (size_t)(eq - spec)))
			break;
	if (!eq || r == RULE_MAX) {
		snprintf(err, errlen,
			 "invalid threshold '%.64s' (expected RULE=WARN[:CRIT]; rules: close-wait, accept-queue, "
			 "syn-recv, time-wait, orphans, stuck-data)",
			 spec);
		return -EINVAL;
	}
	if (parse_num(eq + 1, &end, &w) < 0)
		goto bad;
	c = w;
	if (*end == ':' && parse_num(end + 1, &end, &c) < 0)
		goto bad;
	if (*end || c < w)
		goto bad;
	d->th[r] = (struct threshold){w, c};
	return 0;
bad:
	snprintf(err, errlen, "invalid threshold '%.64s' (WARN and CRIT are numbers, WARN <= CRIT)", spec);
	return -EINVAL;
}

static long long read_ll(const char *root, const char *rel)
{
	char path[512], buf[64];
	FILE *f;
	long long v = -1;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtoll(buf, NULL, 10);
	fclose(f);
	return v;
}

/* "TcpExt: name name ...\nTcpExt: value value ..." */
static void read_netstat(const char *root, struct kernel_facts *k)
{
	char path[512], names[8192], vals[8192];
	FILE *f;

	snprintf(path, sizeof(path), "%s/net/netstat", root);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(names, sizeof(names), f) && fgets(vals, sizeof(vals), f)) {
		char *sn = NULL, *sv = NULL;
		char *n = strtok_r(names, " \n", &sn), *v = strtok_r(vals, " \n", &sv);

		if (!n || !v || strcmp(n, "TcpExt:"))
			continue;
		while ((n = strtok_r(NULL, " \n", &sn)) && (v = strtok_r(NULL, " \n", &sv))) {
			if (!strcmp(n, "ListenOverflows"))
				k->listen_overflows = strtoll(v, NULL, 10);
			else if (!strcmp(n, "ListenDrops"))
				k->listen_drops = strtoll(v, NULL, 10);
		}
	}
	fclose(f);
}

static void read_sockstat(const char *root, struct kernel_facts *k)
{
	char path[512], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/net/sockstat", root);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p;

		if (strncmp(line, "TCP:", 4))
			continue;
		if ((p = strstr(line, "orphan ")))
			k->orphans = strtoll(p + 7, NULL, 10);
		if ((p = strstr(line, " tw ")))
			k->tw_sockstat = strtoll(p + 4, NULL, 10);
	}
	fclose(f);
}

void diag_read_facts(const char *root, struct kernel_facts *k)
{
	char path[512];
	FILE *f;

	memset(k, 0xff, sizeof(*k)); /* all -1 */
	read_netstat(root, k);
	read_sockstat(root, k);
	k->max_orphans = read_ll(root, "sys/net/ipv4/tcp_max_orphans");
	k->max_tw_buckets = read_ll(root, "sys/net/ipv4/tcp_max_tw_buckets");
	k->max_syn_backlog = read_ll(root, "sys/net/ipv4/tcp_max_syn_backlog");
	k->syncookies = read_ll(root, "sys/net/ipv4/tcp_syncookies");
	k->fin_timeout = read_ll(root, "sys/net/ipv4/tcp_fin_timeout");
	snprintf(path, sizeof(path), "%s/sys/net/ipv4/ip_local_port_range", root);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%lld %lld", &k->port_lo, &k->port_hi) != 2)
			k->port_lo = k->port_hi = -1;
		fclose(f);
	}
}

static struct finding *add(struct diag_ctx *d, enum rule_id rule, enum severity sev)
{
	struct finding *f;

	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 16;
		struct finding *nf = realloc(d->f, ncap * sizeof(*nf));

		if (!nf)
			return NULL;
		d->f = nf;
		d->cap = ncap;
	}
	f = &d->f[d->n++];
	memset(f, 0, sizeof(*f));
	f->rule = rule;
	f->sev = sev;
	if (sev > d->worst && sev != SEV_UNKNOWN)
		d->worst = sev;
	return f;
}

static enum severity level(const struct threshold *t, double v)
{
	if (v >= t->crit)
		return SEV_CRITICAL;
	if (v >= t->warn)
		return SEV_WARNING;
	return SEV_OK;
}

static void endpoint(const struct sock_rec *r, bool local, char *buf, size_t len)
{
	char a[64];

	sock_addr_str(r->family, local ? r->laddr : r->raddr, a, sizeof(a));
	snprintf(buf, len, r->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, local ? r->lport : r->rport);
}

/* A small counting map: key string -> count per sample. */
struct tally {
	char key[96];
	int32_t pid;
	const char *comm;
	unsigned long count[2]; /* first and last sample */
	unsigned long peak_remote;
	char remote[64];
};

struct tallies {
	struct tally *v;
	size_t n, cap;
};

static struct tally *tally_get(struct tallies *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].key, key))
			return &t->v[i];
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 32;
		struct tally *nv = realloc(t->v, ncap * sizeof(*nv));

		if (!nv)
			return NULL;
		t->v = nv;
		t->cap = ncap;
	}
	memset(&t->v[t->n], 0, sizeof(t->v[t->n]));
	snprintf(t->v[t->n].key, sizeof(t->v[t->n].key), "%s", key);
	return &t->v[t->n++];
}

static int rule_close_wait(struct diag_ctx *d, struct sock_set *const *s, size_t ns, const struct procmap *pm)
{
	struct tallies procs = {0}, remotes = {0};
	double span = (double)(ns - 1) * d->interval;
	int err = 0;

	for (size_t k = 0; k < ns; k += ns - 1 ? ns - 1 : 1) {
		int slot = k == 0 && ns > 1 ? 0 : 1;

		for (size_t i = 0; i < s[k]->n; i++) {
			const struct sock_rec *r = &s[k]->v[i];
			const struct sock_owner *ow = NULL;
			size_t no = pm && r->inode ? procmap_lookup(pm, r->inode, &ow) : 0;
			char key[96], a[64];
			struct tally *t;

			if (r->state != SK_CLOSE_WAIT)
				continue;
			if (no)
				snprintf(key, sizeof(key), "%d", (int)ow[0].pid);
			else
				snprintf(key, sizeof(key), "?uid%u", r->uid);
			t = tally_get(&procs, key);
			if (!t) {
				err = -ENOMEM;
				goto out;
			}
			t->pid = no ? ow[0].pid : 0;
			t->comm = no ? ow[0].comm : NULL;
			t->count[slot]++;
			if (slot == 0 && ns == 1)
				t->count[0]++;
			sock_addr_str(r->family, r->raddr, a, sizeof(a));
			t = tally_get(&remotes, a);
			if (!t) {
				err = -ENOMEM;
				goto out;
			}
			t->count[slot]++;
			if (ns == 1)
				t->count[0]++;
		}
		if (ns == 1)
			break;
	}
	for (size_t i = 0; i < procs.n; i++) {
		struct tally *t = &procs.v[i];
		enum severity sev = level(&d->th[RULE_CLOSE_WAIT], (double)t->count[1]);
		long growth = (long)t->count[1] - (long)t->count[0];
		struct finding *f;
		char who[128];

		if (ns > 1 && growth > 0 && t->count[1] >= d->th[RULE_CLOSE_WAIT].warn)
			sev = SEV_CRITICAL; /* growing while already high: a leak */
		if (sev == SEV_OK)
			continue;
		f = add(d, RULE_CLOSE_WAIT, sev);
		if (!f) {
			err = -ENOMEM;
			goto out;
		}
		if (t->pid) {
			struct obuf o;

			if (obuf_init(&o, -1, 64) == 0) {
				str_escape_term(&o, t->comm, strlen(t->comm));
				snprintf(who, sizeof(who), "pid %d (%s)", (int)t->pid, obuf_cstr(&o));
				obuf_free(&o);
			} else {
				snprintf(who, sizeof(who), "pid %d", (int)t->pid);
			}
		} else {
			snprintf(who, sizeof(who), "an unidentified process (owner not visible: run as root)");
		}
		snprintf(f->subject, sizeof(f->subject), "%s", who);
		f->pid = t->pid;
		f->value = (long long)t->count[1];
		if (ns > 1)
			snprintf(f->message, sizeof(f->message),
				 "%lu sockets in CLOSE-WAIT (%+ld over %.1f s): their peers have closed, and this process "
				 "has not called close() on them. %s",
				 t->count[1], growth, span,
				 growth > 0 ? "The count keeps growing: that is the signature of a leak - a code path that "
					      "forgets close() or never reaches it."
					    : "The count is steady: responses slower than the peers' timeouts, or an accept "
					      "backlog so deep that peers give up while still queued, are the usual causes.");
		else
			snprintf(f->message, sizeof(f->message),
				 "%lu sockets in CLOSE-WAIT: their peers have closed, and this process has not called "
				 "close() on them. Likely causes: a code path that forgets close() or never reaches it (a "
				 "leak), responses slower than the peers' timeouts, or an accept backlog so deep that peers "
				 "give up while still queued. Sample again (--samples 5 --interval 2): a count that keeps "
				 "growing is a leak.",
				 t->count[1]);
		snprintf(f->advice, sizeof(f->advice),
			 "See which code holds them: sockscope -p state close-wait%s%d; check the error and timeout paths "
			 "close the socket; compare the peers' timeouts with this service's response times.",
			 t->pid ? " pid = " : "", t->pid ? (int)t->pid : 0);
		if (!t->pid)
			snprintf(f->advice, sizeof(f->advice),
				 "Run sockscope check as root to see the owning process, then: sockscope -p state close-wait.");
	}
	for (size_t i = 0; i < remotes.n; i++) {
		struct tally *t = &remotes.v[i];
		enum severity sev = level(&d->th[RULE_CLOSE_WAIT], (double)t->count[1]);
		struct finding *f;

		if (sev == SEV_OK)
			continue;
		f = add(d, RULE_CLOSE_WAIT, sev);
		if (!f) {
			err = -ENOMEM;
			goto out;
		}
		snprintf(f->subject, sizeof(f->subject), "remote %s", t->key);
		f->value = (long long)t->count[1];
		snprintf(f->message, sizeof(f->message),
			 "%lu CLOSE-WAIT sockets towards %s: that peer closes connections this host keeps open.",
			 t->count[1], t->key);
		snprintf(f->advice, sizeof(f->advice), "sockscope -p state close-wait dst %s", t->key);
	}
out:
	free(procs.v);
	free(remotes.v);
	return err;
}

static int rule_listeners(struct diag_ctx *d, const struct sock_set *last, const struct kernel_facts *b,
			  const struct kernel_facts *a, size_t ns)
{
	struct tallies syn = {0};
	int err = 0;

	for (size_t i = 0; i < last->n; i++) {
		const struct sock_rec *r = &last->v[i];
		char ep[96];

		if (r->state == SK_LISTEN && !(r->flags & SOCK_F_SENDQ_UNKNOWN) && r->send_q > 0) {
			double pct = 100.0 * r->recv_q / r->send_q;
			enum severity sev = level(&d->th[RULE_ACCEPT_QUEUE], pct);
			struct finding *f;

			if (sev == SEV_OK)
				continue;
			f = add(d, RULE_ACCEPT_QUEUE, sev);
			if (!f)
				return -ENOMEM;
			endpoint(r, true, ep, sizeof(ep));
			snprintf(f->subject, sizeof(f->subject), "listener %s", ep);
			f->port = r->lport;
			f->value = r->recv_q;
			snprintf(f->message, sizeof(f->message),
				 "accept queue %u of %u (%.0f%%): %s", r->recv_q, r->send_q, pct,
				 r->recv_q >= r->send_q ? "full - the kernel drops or ignores new connections until the "
							  "application calls accept()"
							: "nearly full - the application accepts more slowly than "
							  "connections arrive");
			snprintf(f->advice, sizeof(f->advice),
				 "Check the process behind it accepts (sockscope -p sport = :%u); raise the listen() backlog "
				 "and net.core.somaxconn only if it does.",
				 r->lport);
		} else if (r->state == SK_SYN_RECV) {
			struct tally *t;

			endpoint(r, true, ep, sizeof(ep));
			t = tally_get(&syn, ep);
			if (!t) {
				err = -ENOMEM;
				goto out;
			}
			t->count[1]++;
		}
	}
	for (size_t i = 0; i < syn.n; i++) {
		enum severity sev = level(&d->th[RULE_SYN_RECV], (double)syn.v[i].count[1]);
		struct finding *f;

		if (sev == SEV_OK)
			continue;
		f = add(d, RULE_SYN_RECV, sev);
		if (!f) {
			err = -ENOMEM;
			goto out;
		}
		snprintf(f->subject, sizeof(f->subject), "listener %s", syn.v[i].key);
		f->value = (long long)syn.v[i].count[1];
		snprintf(f->message, sizeof(f->message),
			 "%lu half-open connections (SYN-RECEIVED): SYNs arrive and the handshakes do not complete - a "
			 "SYN flood, or clients on a lossy path (tcp_syncookies=%lld, tcp_max_syn_backlog=%lld).",
			 syn.v[i].count[1], a->syncookies, a->max_syn_backlog);
		snprintf(f->advice, sizeof(f->advice),
			 "Look at where they come from: sockscope state syn-recv --group-by=remote-host; keep "
			 "net.ipv4.tcp_syncookies=1.");
	}
	if (ns > 1 && b->listen_overflows >= 0 && a->listen_overflows > b->listen_overflows) {
		struct finding *f = add(d, RULE_ACCEPT_QUEUE, SEV_WARNING);

		if (!f) {
			err = -ENOMEM;
			goto out;
		}
		snprintf(f->subject, sizeof(f->subject), "kernel counters");
		f->value = a->listen_overflows - b->listen_overflows;
		snprintf(f->message, sizeof(f->message),
			 "ListenOverflows grew by %lld and ListenDrops by %lld during the sampling window: connections "
			 "were refused because an accept queue was full.",
			 a->listen_overflows - b->listen_overflows, a->listen_drops - b->listen_drops);
		snprintf(f->advice, sizeof(f->advice), "Find the listener: sockscope state listening --sort=-recv_q.");
	}
out:
	free(syn.v);
	return err;
}

static int rule_time_wait(struct diag_ctx *d, const struct sock_set *last, const struct kernel_facts *k)
{
	struct tallies pairs = {0};
	unsigned long tw = 0;
	long long range = k->port_lo >= 0 ? k->port_hi - k->port_lo + 1 : -1;
	int err = 0;

	for (size_t i = 0; i < last->n; i++) {
		const struct sock_rec *r = &last->v[i];
		char key[96], l[64], rem[96];
		struct tally *t;

		if (r->state != SK_TIME_WAIT)
			continue;
		tw++;
		sock_addr_str(r->family, r->laddr, l, sizeof(l));
		endpoint(r, false, rem, sizeof(rem));
		snprintf(key, sizeof(key), "%s -> %s", l, rem);
		t = tally_get(&pairs, key);
		if (!t) {
			err = -ENOMEM;
			goto out;
		}
		t->count[1]++;
	}
	if (k->max_tw_buckets > 0) {
		double pct = 100.0 * (double)tw / (double)k->max_tw_buckets;
		enum severity sev = level(&d->th[RULE_TIME_WAIT], pct);

		if (sev != SEV_OK) {
			struct finding *f = add(d, RULE_TIME_WAIT, sev);

			if (!f) {
				err = -ENOMEM;
				goto out;
			}
			snprintf(f->subject, sizeof(f->subject), "host");
			f->value = (long long)tw;
			snprintf(f->message, sizeof(f->message),
				 "%lu TIME-WAIT sockets, %.0f%% of tcp_max_tw_buckets (%lld); beyond it the kernel "
				 "destroys them early. TIME-WAIT stays with the side that closes first.",
				 tw, pct, k->max_tw_buckets);
			snprintf(f->advice, sizeof(f->advice),
				 "Reuse connections (keep-alive, pools); let clients close first where the protocol allows.");
		}
	}
	for (size_t i = 0; range > 0 && i < pairs.n; i++) {
		double pct = 100.0 * (double)pairs.v[i].count[1] / (double)range;
		enum severity sev = level(&d->th[RULE_TIME_WAIT], pct);
		struct finding *f;

		if (sev == SEV_OK)
			continue;
		f = add(d, RULE_TIME_WAIT, sev);
		if (!f) {
			err = -ENOMEM;
			goto out;
		}
		snprintf(f->subject, sizeof(f->subject), "%s", pairs.v[i].key);
		f->value = (long long)pairs.v[i].count[1];
		snprintf(f->message, sizeof(f->message),
			 "%lu TIME-WAIT sockets for one local address and remote endpoint use %.0f%% of the %lld "
			 "ephemeral ports (ip_local_port_range %lld-%lld): new connections to it will fail with "
			 "EADDRNOTAVAIL when they run out.",
			 pairs.v[i].count[1], pct, range, k->port_lo, k->port_hi);
		snprintf(f->advice, sizeof(f->advice),
			 "Reuse connections to this peer; widen ip_local_port_range; consider net.ipv4.tcp_tw_reuse=1 "
			 "for outgoing connections.");
	}
out:
	free(pairs.v);
	return err;
}

static int rule_orphans(struct diag_ctx *d, const struct sock_set *last, const struct kernel_facts *k)
{
	unsigned long fw2 = 0;

	if (k->orphans >= 0 && k->max_orphans > 0) {
		double pct = 100.0 * (double)k->orphans / (double)k->max_orphans;
		enum severity sev = level(&d->th[RULE_ORPHANS], pct);

		if (sev != SEV_OK) {
			struct finding *f = add(d, RULE_ORPHANS, sev);

			if (!f)
				return -ENOMEM;
			snprintf(f->subject, sizeof(f->subject), "host");
			f->value = k->orphans;
			snprintf(f->message, sizeof(f->message),
				 "%lld orphaned sockets (closed by their process, still finishing the close), %.0f%% of "
				 "tcp_max_orphans (%lld); past it the kernel resets connections.",
				 k->orphans, pct, k->max_orphans);
			snprintf(f->advice, sizeof(f->advice),
				 "Look for peers that never acknowledge the close: sockscope state fin-wait-1 state last-ack.");
		}
	}
	for (size_t i = 0; i < last->n; i++)
		fw2 += last->v[i].state == SK_FIN_WAIT2;
	if (fw2 >= 1000) {
		struct finding *f = add(d, RULE_ORPHANS, SEV_WARNING);

		if (!f)
			return -ENOMEM;
		snprintf(f->subject, sizeof(f->subject), "host");
		f->value = (long long)fw2;
		snprintf(f->message, sizeof(f->message),
			 "%lu sockets linger in FIN-WAIT-2: this side closed, the peers never send their FIN "
			 "(tcp_fin_timeout=%lld s applies to orphaned ones only).",
			 fw2, k->fin_timeout);
		snprintf(f->advice, sizeof(f->advice), "sockscope state fin-wait-2 --group-by=remote-host");
	}
	return 0;
}

static bool same_conn(const struct sock_rec *a, const struct sock_rec *b)
{
	if ((a->flags & SOCK_F_COOKIE) && (b->flags & SOCK_F_COOKIE))
		return a->cookie == b->cookie;
	return a->family == b->family && a->lport == b->lport && a->rport == b->rport &&
	       !memcmp(a->laddr, b->laddr, 16) && !memcmp(a->raddr, b->raddr, 16);
}

static int rule_stuck(struct diag_ctx *d, struct sock_set *const *s, size_t ns)
{
	const struct sock_set *first = s[0], *last = s[ns - 1];
	const struct threshold *t = &d->th[RULE_STUCK_DATA];

	for (size_t i = 0; i < last->n; i++) {
		const struct sock_rec *r = &last->v[i];
		bool recv = r->recv_q >= t->warn, persist = r->timer == SOCK_TIMER_PERSIST && (r->flags & SOCK_F_TIMER);
		bool send = r->send_q >= t->warn;
		bool held = ns == 1;
		struct finding *f;
		char l[96], rem[96];

		if (r->state != SK_ESTABLISHED || !(recv || send || persist))
			continue;
		for (size_t j = 0; !held && j < first->n; j++)
			if (same_conn(&first->v[j], r))
				held = recv ? first->v[j].recv_q >= t->warn : first->v[j].send_q > 0 || persist;
		if (!held)
			continue;
		f = add(d, RULE_STUCK_DATA, level(t, recv ? r->recv_q : r->send_q) == SEV_CRITICAL ? SEV_CRITICAL
												    : SEV_WARNING);
		if (!f)
			return -ENOMEM;
		endpoint(r, true, l, sizeof(l));
		endpoint(r, false, rem, sizeof(rem));
		snprintf(f->subject, sizeof(f->subject), "%s -> %s", l, rem);
		f->port = r->lport;
		f->value = recv ? r->recv_q : r->send_q;
		if (recv)
			snprintf(f->message, sizeof(f->message),
				 "%u bytes received and not read by the application%s: it is not reading this socket.",
				 r->recv_q, ns > 1 ? " for the whole sampling window" : "");
		else
			snprintf(f->message, sizeof(f->message),
				 "%u bytes sent and not acknowledged%s: the peer is not reading (or the path is lossy).",
				 r->send_q, persist ? ", zero-window probing" : "");
		snprintf(f->advice, sizeof(f->advice), "sockscope -p -i -o sport = :%u and dport = :%u", r->lport,
			 r->rport);
	}
	return 0;
}

int diag_run(struct diag_ctx *d, struct sock_set *const *samples, size_t ns, const struct procmap *owners,
	     const struct kernel_facts *before, const struct kernel_facts *after)
{
	const struct sock_set *last;
	int err;

	if (!ns)
		return -EINVAL;
	last = samples[ns - 1];
	d->sockets = last->n;
	err = rule_close_wait(d, samples, ns, owners);
	if (!err)
		err = rule_listeners(d, last, before, after, ns);
	if (!err)
		err = rule_time_wait(d, last, after);
	if (!err)
		err = rule_orphans(d, last, after);
	if (!err)
		err = rule_stuck(d, samples, ns);
	return err;
}

static void text_report(const struct diag_ctx *d, bool color, struct obuf *o)
{
	static const char *const col[] = {"\033[32m", "\033[33m", "\033[1;31m", "\033[35m"};
	unsigned long nsev[4] = {0};
	bool rule_hit[RULE_MAX] = {false};

	for (size_t i = 0; i < d->n; i++) {
		nsev[d->f[i].sev]++;
		rule_hit[d->f[i].rule] = true;
	}
	obuf_printf(o, "sockscope check: %s%s%s - %lu critical, %lu warning (%lu sockets, %u sample%s",
		    color ? col[d->worst] : "", severity_name(d->worst), color ? "\033[0m" : "", nsev[SEV_CRITICAL],
		    nsev[SEV_WARNING], d->sockets, d->samples, d->samples == 1 ? "" : "s");
	if (d->samples > 1)
		obuf_printf(o, " over %.1f s", (d->samples - 1) * d->interval);
	obuf_puts(o, ")\n");
	for (int sev = SEV_CRITICAL; sev >= SEV_WARNING; sev--) {
		if (!nsev[sev])
			continue;
		obuf_printf(o, "\n%s%s%s\n", color ? col[sev] : "", severity_name((enum severity)sev),
			    color ? "\033[0m" : "");
		for (size_t i = 0; i < d->n; i++) {
			const struct finding *f = &d->f[i];

			if ((int)f->sev != sev)
				continue;
			obuf_printf(o, "  [%s] %s\n      %s\n      Next: %s\n", rule_name(f->rule), f->subject,
				    f->message, f->advice);
		}
	}
	obuf_puts(o, "\nOK:");
	for (int r = 0; r < RULE_MAX; r++)
		if (!rule_hit[r])
			obuf_printf(o, " %s", rule_name((enum rule_id)r));
	obuf_putc(o, '\n');
	if (d->unknown[0])
		obuf_printf(o, "Not checked: %s\n", d->unknown);
	if (d->owners_denied)
		obuf_printf(o, "Note: the open files of %lu process(es) were not readable; their sockets have no owner "
			       "here (run as root).\n",
			    d->owners_denied);
}

static void json_str(struct obuf *o, const char *s)
{
	str_escape_json(o, s, strlen(s));
}

void diag_render(const struct diag_ctx *d, enum format fmt, bool color, struct obuf *o)
{
	switch (fmt) {
	case FMT_JSON:
	case FMT_JSONL:
		obuf_printf(o, "{\"status\":\"%s\",\"exit\":%d,\"sockets\":%lu,\"samples\":%u,\"findings\":[",
			    severity_name(d->worst), (int)d->worst, d->sockets, d->samples);
		for (size_t i = 0; i < d->n; i++) {
			const struct finding *f = &d->f[i];

			obuf_printf(o, "%s{\"rule\":\"%s\",\"severity\":\"%s\",\"subject\":", i ? "," : "",
				    rule_name(f->rule), severity_name(f->sev));
			json_str(o, f->subject);
			obuf_puts(o, ",\"message\":");
			json_str(o, f->message);
			obuf_puts(o, ",\"advice\":");
			json_str(o, f->advice);
			obuf_printf(o, ",\"evidence\":{\"value\":%lld", f->value);
			if (f->pid)
				obuf_printf(o, ",\"pid\":%d", (int)f->pid);
			if (f->port)
				obuf_printf(o, ",\"port\":%u", f->port);
			obuf_puts(o, "}}");
		}
		obuf_puts(o, "],\"unchecked\":");
		json_str(o, d->unknown);
		obuf_puts(o, "}\n");
		break;
	case FMT_PROM:
		obuf_puts(o, "# HELP sockscope_check_status Worst severity per rule: 0 ok, 1 warning, 2 critical.\n"
			     "# TYPE sockscope_check_status gauge\n");
		for (int r = 0; r < RULE_MAX; r++) {
			int worst = 0;

			for (size_t i = 0; i < d->n; i++)
				if ((int)d->f[i].rule == r && (int)d->f[i].sev > worst)
					worst = (int)d->f[i].sev;
			obuf_printf(o, "sockscope_check_status{rule=\"%s\"} %d\n", rule_name((enum rule_id)r), worst);
		}
		obuf_puts(o, "# HELP sockscope_check_findings Findings per rule.\n# TYPE sockscope_check_findings gauge\n");
		for (int r = 0; r < RULE_MAX; r++) {
			unsigned long n = 0;

			for (size_t i = 0; i < d->n; i++)
				n += (int)d->f[i].rule == r;
			obuf_printf(o, "sockscope_check_findings{rule=\"%s\"} %lu\n", rule_name((enum rule_id)r), n);
		}
		break;
	default:
		text_report(d, color, o);
	}
}
