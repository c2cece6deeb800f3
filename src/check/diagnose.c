// SPDX-License-Identifier: MIT
/*
 * diagnose: the rules of `sockscope check` — CLOSE-WAIT accumulation per
 * process and per remote (count and growth across samples), full accept
 * queues and listen overflows, SYN-RECEIVED pile-ups, TIME-WAIT pressure and
 * ephemeral port exhaustion, orphans and lingering FIN-WAIT-2, stuck data —
 * and their report as text, JSON or Prometheus series.  Pure library code:
 * it reads /proc files for the kernel's counters and limits, never prints.
 */
#include "diagnose.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kind.h"
#include "states.h"
#include "strutil.h"

static const char *const rule_names[RULE_MAX] = {
	"close-wait", "accept-queue", "syn-recv", "time-wait", "orphans", "stuck-data", "udp-drops", "local-backlog",
	"port-churn", "failing-connects",
};

/* Rules measured in percent of a limit accept "N%" thresholds. */
static const bool rule_percent[RULE_MAX] = {
	[RULE_ACCEPT_QUEUE] = true, [RULE_TIME_WAIT] = true, [RULE_ORPHANS] = true, [RULE_LOCAL_BACKLOG] = true,
	[RULE_PORT_CHURN] = true, [RULE_FAILING_CONNECTS] = true,
};

/* Defaults: counts for per-process/per-listener rules, percentages for the
 * rules measured against a kernel limit, bytes for stuck data. */
static const struct threshold defaults[RULE_MAX] = {
	[RULE_CLOSE_WAIT] = {10, 100},   [RULE_ACCEPT_QUEUE] = {80, 100}, [RULE_SYN_RECV] = {100, 1000},
	[RULE_TIME_WAIT] = {50, 90},     [RULE_ORPHANS] = {50, 80},       [RULE_STUCK_DATA] = {65536, 1048576},
	[RULE_UDP_DROPS] = {1, 10000},   [RULE_LOCAL_BACKLOG] = {80, 100},
	/* percent of ip_local_port_range, as time-wait's per-destination levels */
	[RULE_PORT_CHURN] = {50, 90},
	/* percent of the attempts (at least FAIL_MIN_ATTEMPTS) */
	[RULE_FAILING_CONNECTS] = {20, 50},
};

/* Orphaned FIN-WAIT-2 sockets worth a warning (they expire by themselves). */
#define FIN_WAIT2_ORPHANS_WARN 1000

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

static int parse_level(const char *s, char **end, bool *pct, double *out)
{
	errno = 0;
	*out = strtod(s, end);
	if (errno || *end == s || !(*out >= 0) || *out > 1e15)
		return -EINVAL;
	if (**end == '%') {
		*pct = true;
		(*end)++;
	}
	return 0;
}

int diag_set_threshold(struct diag_ctx *d, const char *spec, char *err, size_t errlen)
{
	const char *eq = strchr(spec, '=');
	bool pct = false;
	char *end;
	double w, c;
	int r;

	for (r = 0; eq && r < RULE_MAX; r++)
		if (strlen(rule_names[r]) == (size_t)(eq - spec) && !strncmp(spec, rule_names[r], (size_t)(eq - spec)))
			break;
	if (!eq || r == RULE_MAX) {
		snprintf(err, errlen,
			 "invalid threshold '%.64s' (expected RULE=WARN[:CRIT]; rules: close-wait, accept-queue, "
			 "syn-recv, time-wait, orphans, stuck-data, udp-drops, local-backlog, port-churn, failing-connects)",
			 spec);
		return -EINVAL;
	}
	if (parse_level(eq + 1, &end, &pct, &w) < 0)
		goto bad;
	c = w;
	if (*end == ':' && parse_level(end + 1, &end, &pct, &c) < 0)
		goto bad;
	if (*end || c < w)
		goto bad;
	if (pct && !rule_percent[r]) {
		snprintf(err, errlen, "invalid threshold '%.64s' (%s is measured in %s, not in percent)", spec,
			 rule_names[r], r == RULE_STUCK_DATA ? "bytes" : "sockets");
		return -EINVAL;
	}
	d->th[r] = (struct threshold){w, c};
	return 0;
bad:
	snprintf(err, errlen, "invalid threshold '%.64s' (WARN and CRIT are numbers >= 0, WARN <= CRIT)", spec);
	return -EINVAL;
}

/* ---- kernel facts ---- */

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

/* Udp: RcvbufErrors of /proc/net/snmp and Udp6RcvbufErrors of snmp6. */
static void read_udp_errors(const char *root, struct kernel_facts *k)
{
	char path[512], names[4096], vals[4096], line[256];
	long long total = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/net/snmp", root);
	f = fopen(path, "r");
	if (f) {
		while (fgets(names, sizeof(names), f) && fgets(vals, sizeof(vals), f)) {
			char *sn = NULL, *sv = NULL;
			char *n = strtok_r(names, " \n", &sn), *v = strtok_r(vals, " \n", &sv);

			if (!n || !v || strcmp(n, "Udp:") || strcmp(v, "Udp:"))
				continue;
			while ((n = strtok_r(NULL, " \n", &sn)) && (v = strtok_r(NULL, " \n", &sv)))
				if (!strcmp(n, "RcvbufErrors"))
					total = strtoll(v, NULL, 10);
		}
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/net/snmp6", root);
	f = fopen(path, "r");
	if (f) {
		static const char key[] = "Udp6RcvbufErrors";

		while (fgets(line, sizeof(line), f)) {
			const char *p = line + sizeof(key) - 1;
			char *end;
			long long v;

			if (strncmp(line, key, sizeof(key) - 1))
				continue;
			v = strtoll(p, &end, 10);
			if (end != p)
				total = total < 0 ? v : total + v;
		}
		fclose(f);
	}
	k->udp_rcvbuf_errors = total;
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

		if (!n || !v || strcmp(n, "TcpExt:") || strcmp(v, "TcpExt:"))
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
		if ((p = strstr(line, " orphan ")))
			k->orphans = strtoll(p + 8, NULL, 10);
		if ((p = strstr(line, " tw ")))
			k->tw_sockstat = strtoll(p + 4, NULL, 10);
	}
	fclose(f);
}

void diag_read_facts(const char *root, struct kernel_facts *k)
{
	memset(k, 0xff, sizeof(*k)); /* all -1 */
	read_netstat(root, k);
	read_sockstat(root, k);
	read_udp_errors(root, k);
	k->max_orphans = read_ll(root, "sys/net/ipv4/tcp_max_orphans");
	k->max_tw_buckets = read_ll(root, "sys/net/ipv4/tcp_max_tw_buckets");
	k->max_syn_backlog = read_ll(root, "sys/net/ipv4/tcp_max_syn_backlog");
	k->syncookies = read_ll(root, "sys/net/ipv4/tcp_syncookies");
	k->fin_timeout = read_ll(root, "sys/net/ipv4/tcp_fin_timeout");
	k->tw_reuse = read_ll(root, "sys/net/ipv4/tcp_tw_reuse");
	if (diag_read_port_range(root, &k->port_lo, &k->port_hi) < 0)
		k->port_lo = k->port_hi = -1;
}

int diag_read_port_range(const char *root, long long *lo, long long *hi)
{
	char path[512], line[64], *end;
	long long l, h;
	FILE *f;
	int r = -EINVAL;

	snprintf(path, sizeof(path), "%s/sys/net/ipv4/ip_local_port_range", root);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (fgets(line, sizeof(line), f)) {
		errno = 0;
		l = strtoll(line, &end, 10);
		h = strtoll(end, &end, 10);
		if (!errno && l > 0 && h >= l) {
			*lo = l;
			*hi = h;
			r = 0;
		}
	}
	fclose(f);
	return r;
}

/* ---- findings ---- */

static void note(struct diag_ctx *d, const char *what)
{
	size_t len = strlen(d->unknown);

	if (strstr(d->unknown, what))
		return;
	snprintf(d->unknown + len, sizeof(d->unknown) - len, "%s%s", len ? "; " : "", what);
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
	f->limit = -1;
	f->threshold = -1;
	f->percent = -1;
	f->first = -1;
	f->uid = -1;
	if (sev > d->worst && sev != SEV_UNKNOWN)
		d->worst = sev;
	return f;
}

/* Appends to a fixed buffer; silently truncates. */
static void cat(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cat(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
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

/* "10.0.0.1:80 -> 10.0.0.2:5555" (local -> peer). */
static void conn_str(const struct sock_rec *r, char *buf, size_t len)
{
	char l[60], p[60];

	endpoint(r, true, l, sizeof(l));
	endpoint(r, false, p, sizeof(p));
	snprintf(buf, len, "%s -> %s", l, p);
}

/* Command name made safe for a terminal. */
static void safe_comm(const char *comm, char *buf, size_t len)
{
	struct obuf o;

	if (!comm) {
		snprintf(buf, len, "?");
		return;
	}
	if (obuf_init(&o, -1, 64) == 0) {
		str_escape_term(&o, comm, strlen(comm));
		snprintf(buf, len, "%s", o.err ? "?" : obuf_cstr(&o));
		obuf_free(&o);
	} else {
		snprintf(buf, len, "?");
	}
}

/* ---- tallies: a small hash map from a key string to counts per sample ---- */

struct tally {
	char key[128];
	unsigned long count[DIAG_SAMPLES_MAX];
	int32_t pid;          /* owner (process tallies), or the single owner of a remote tally; -1: several */
	uint32_t uid;
	char comm[32];
	uint16_t port;        /* a local port of these sockets */
	bool many_ports;      /* ... and there are others */
	unsigned long distinct; /* distinct remote hosts (syn-recv) */
	unsigned long long bytes;
	unsigned long maxval;
	unsigned long flagged;  /* e.g. persist timers */
	unsigned nex;
	char ex[DIAG_EXAMPLES][128];
	struct sock_rec first; /* the first socket counted: where it lives */
	bool has_first;
};

struct tallies {
	struct tally *v;
	size_t n, cap;
	size_t *slot; /* index + 1, 0 when empty */
	size_t nslot;
};

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ULL & SIZE_MAX;

	while (*s)
		h = (h ^ (unsigned char)*s++) * (size_t)1099511628211ULL;
	return h;
}

static struct tally *tally_find(const struct tallies *t, const char *key)
{
	if (!t->nslot)
		return NULL;
	for (size_t h = hash_str(key) & (t->nslot - 1);; h = (h + 1) & (t->nslot - 1)) {
		if (!t->slot[h])
			return NULL;
		if (!strcmp(t->v[t->slot[h] - 1].key, key))
			return &t->v[t->slot[h] - 1];
	}
}

static int tally_rehash(struct tallies *t, size_t nslot)
{
	size_t *ns = calloc(nslot, sizeof(*ns));

	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		size_t h = hash_str(t->v[i].key) & (nslot - 1);

		while (ns[h])
			h = (h + 1) & (nslot - 1);
		ns[h] = i + 1;
	}
	free(t->slot);
	t->slot = ns;
	t->nslot = nslot;
	return 0;
}

/* Finds or adds key; *created tells which.  NULL on -ENOMEM.  The pointer is
 * valid until the next call. */
static struct tally *tally_get(struct tallies *t, const char *key, bool *created)
{
	struct tally *e = tally_find(t, key);
	size_t h;

	if (created)
		*created = !e;
	if (e)
		return e;
	if ((t->n + 1) * 2 > t->nslot && tally_rehash(t, t->nslot ? t->nslot * 2 : 64) < 0)
		return NULL;
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 32;
		struct tally *nv = realloc(t->v, ncap * sizeof(*nv));

		if (!nv)
			return NULL;
		t->v = nv;
		t->cap = ncap;
	}
	e = &t->v[t->n];
	memset(e, 0, sizeof(*e));
	snprintf(e->key, sizeof(e->key), "%s", key);
	for (h = hash_str(e->key) & (t->nslot - 1); t->slot[h]; h = (h + 1) & (t->nslot - 1))
		;
	t->slot[h] = ++t->n;
	return e;
}

static void tally_free(struct tallies *t)
{
	free(t->v);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

static void tally_example(struct tally *t, const struct sock_rec *r)
{
	if (!t->has_first) {
		t->first = *r;
		t->has_first = true;
	}
	if (t->nex < DIAG_EXAMPLES)
		conn_str(r, t->ex[t->nex++], sizeof(t->ex[0]));
}

static void tally_port(struct tally *t, uint16_t port)
{
	if (!t->port)
		t->port = port;
	else if (t->port != port)
		t->many_ports = true;
}

/* The owner of r in map pm: pid (0 if not known) and command. */
static int32_t owner_of(const struct procmap *pm, const struct sock_rec *r, const char **comm)
{
	const struct sock_owner *ow = NULL;

	*comm = NULL;
	if (!pm || !r->inode || !procmap_lookup(pm, r->inode, &ow))
		return 0;
	*comm = ow[0].comm;
	return ow[0].pid;
}

/* "p1234" for a known owner, "u1000" for sockets whose owner is not visible. */
static void owner_key(char *buf, size_t len, const char *prefix, int32_t pid, uint32_t uid)
{
	if (pid > 0)
		snprintf(buf, len, "%sp%d", prefix, (int)pid);
	else
		snprintf(buf, len, "%su%u", prefix, uid);
}

static void owner_set(struct tally *t, int32_t pid, const char *comm, uint32_t uid)
{
	t->pid = pid;
	t->uid = uid;
	if (pid > 0 && comm)
		safe_comm(comm, t->comm, sizeof(t->comm));
}

/* "pid 1234 (nginx)" or "uid 33 (process not visible)" */
static void owner_subject(const struct tally *t, char *buf, size_t len)
{
	if (t->pid > 0)
		snprintf(buf, len, "pid %d (%s)", (int)t->pid, t->comm);
	else
		snprintf(buf, len, "uid %u (process not visible)", t->uid);
}

static void finding_owner(struct finding *f, const struct tally *t)
{
	if (t->pid > 0) {
		f->pid = t->pid;
		snprintf(f->comm, sizeof(f->comm), "%s", t->comm);
	} else {
		f->uid = t->uid;
	}
}

static void finding_examples(struct finding *f, const struct tally *t)
{
	f->nexamples = t->nex;
	memcpy(f->examples, t->ex, sizeof(f->examples));
	if (!t->many_ports)
		f->port = t->port;
}

struct trend {
	unsigned long first, last, peak;
	long long growth;
	bool steady; /* grew, and never fell between two samples */
};

static struct trend trend_of(const unsigned long *c, size_t ns)
{
	struct trend tr = {c[0], c[ns - 1], 0, 0, ns > 1};

	for (size_t k = 0; k < ns; k++) {
		if (c[k] > tr.peak)
			tr.peak = c[k];
		if (k && c[k] < c[k - 1])
			tr.steady = false;
	}
	tr.growth = (long long)tr.last - (long long)tr.first;
	if (tr.growth <= 0)
		tr.steady = false;
	return tr;
}

/* A finding about one owner's tally: subject, owner, examples, the last count
 * against the level it crossed, and the first count when several samples. */
/* Names the container, pod or unit that holds r, in the finding. */
static void finding_where(struct diag_ctx *d, struct finding *f, const struct sock_rec *r)
{
	const char *w = d->where && r ? d->where(d->where_arg, r) : NULL;

	if (!w || !*w || !strcmp(w, "host"))
		return;
	snprintf(f->where, sizeof(f->where), "%s", w);
	cat(f->subject, sizeof(f->subject), " in %s", f->where);
}

static struct finding *owner_finding(struct diag_ctx *d, enum rule_id rule, enum severity sev, const struct tally *t,
				     const struct trend *tr, const struct threshold *th, size_t ns)
{
	struct finding *f = add(d, rule, sev);

	if (!f)
		return NULL;
	owner_subject(t, f->subject, sizeof(f->subject));
	finding_where(d, f, t->has_first ? &t->first : NULL);
	finding_owner(f, t);
	finding_examples(f, t);
	f->value = (long long)tr->last;
	f->threshold = sev == SEV_CRITICAL ? th->crit : th->warn;
	if (ns > 1)
		f->first = (long long)tr->first;
	return f;
}

/* Severity of a count that may be growing: a steady growth while already at
 * the warning level is a leak (critical); a growth by the warning level within
 * the window warns even below it. */
static enum severity trend_level(const struct threshold *th, const struct trend *tr, size_t ns)
{
	enum severity sev = tr->last ? level(th, (double)tr->last) : SEV_OK;

	if (ns > 1 && tr->steady && sev == SEV_WARNING)
		sev = SEV_CRITICAL;
	if (ns > 1 && sev == SEV_OK && tr->growth > 0 && (double)tr->growth >= th->warn)
		sev = SEV_WARNING;
	return sev;
}

/* ---- rule: close-wait ---- */

static void close_wait_trend(char *msg, size_t len, const struct trend *tr, double span)
{
	if (tr->steady)
		cat(msg, len,
		    " The count grew from %lu to %lu in %.1f s (%+lld) and never fell: the signature of a leak - a "
		    "code path that forgets close() or never reaches it (an error or timeout path, typically).",
		    tr->first, tr->last, span, tr->growth);
	else if (tr->growth > 0)
		cat(msg, len,
		    " The count went from %lu to %lu in %.1f s, up and down: the sockets do get closed, late - "
		    "responses slower than the peers' timeouts, or an accept backlog so deep that peers give up "
		    "while still queued.",
		    tr->first, tr->last, span);
	else
		cat(msg, len,
		    " The count did not grow in %.1f s (%lu, then %lu): rather slow handling - responses slower than "
		    "the peers' timeouts, or peers giving up while queued in a deep accept backlog - or old sockets "
		    "leaked long ago.",
		    span, tr->first, tr->last);
}

static int rule_close_wait(struct diag_ctx *d, struct sock_set *const *s, size_t ns,
			   const struct procmap *const *pm)
{
	const struct threshold *th = &d->th[RULE_CLOSE_WAIT];
	struct tallies procs = {0}, remotes = {0};
	double span = (double)(ns - 1) * d->interval;
	int err = -ENOMEM;

	for (size_t k = 0; k < ns; k++) {
		for (size_t i = 0; i < s[k]->n; i++) {
			const struct sock_rec *r = &s[k]->v[i];
			const char *comm;
			int32_t pid;
			char key[96], a[64];
			struct tally *t;
			bool created;

			if (r->kind != KIND_TCP) /* the TCP rules */
				continue;

			if (r->state != SK_CLOSE_WAIT)
				continue;
			pid = owner_of(pm ? pm[k] : NULL, r, &comm);
			owner_key(key, sizeof(key), "", pid, r->uid);
			t = tally_get(&procs, key, NULL);
			if (!t)
				goto out;
			t->count[k]++;
			owner_set(t, pid, comm, r->uid);
			if (k == ns - 1) {
				tally_port(t, r->lport);
				tally_example(t, r);
			}
			sock_addr_str(r->family, r->raddr, a, sizeof(a));
			t = tally_get(&remotes, a, &created);
			if (!t)
				goto out;
			t->count[k]++;
			if (k == ns - 1) {
				if (!pid) /* owner not visible */
					t->flagged++;
				else if (!t->pid)
					owner_set(t, pid, comm, r->uid);
				else if (t->pid != pid)
					t->pid = -1; /* several processes */
				tally_port(t, r->lport);
				tally_example(t, r);
			}
		}
	}
	for (size_t i = 0; i < procs.n; i++) {
		struct tally *t = &procs.v[i];
		struct trend tr = trend_of(t->count, ns);
		enum severity sev = trend_level(th, &tr, ns);
		struct finding *f;

		if (sev == SEV_OK)
			continue;
		f = owner_finding(d, RULE_CLOSE_WAIT, sev, t, &tr, th, ns);
		if (!f)
			goto out;
		snprintf(f->message, sizeof(f->message), "%lu connections in CLOSE-WAIT", tr.last);
		if (t->port && !t->many_ports)
			cat(f->message, sizeof(f->message), " on local port %u", t->port);
		cat(f->message, sizeof(f->message), ": their peers have closed them, and %s has not called close().",
		    t->pid > 0 ? "this process" : "the process owning them");
		if (ns > 1)
			close_wait_trend(f->message, sizeof(f->message), &tr, span);
		else
			cat(f->message, sizeof(f->message),
			    " Likely causes: a code path that forgets close() or never reaches it (a leak); responses "
			    "slower than the peers' timeouts; an accept backlog so deep that peers give up while still "
			    "queued. Sample again (--samples 5 --interval 2): a count that keeps growing, with the "
			    "same remote, is a leak.");
		if (t->pid > 0)
			snprintf(f->advice, sizeof(f->advice),
				 "List them: sockscope -p state close-wait pid = %d. Check that the error and timeout "
				 "paths of %s close their sockets; compare the peers' timeouts with its response "
				 "times. Stopgap only: sockscope kill state close-wait pid = %d ends them; the leak stays.",
				 (int)t->pid, t->comm, (int)t->pid);
		else
			snprintf(f->advice, sizeof(f->advice),
				 "Run sockscope check as root to see the owning process; meanwhile: sockscope state "
				 "close-wait uid = %u.",
				 t->uid);
	}
	for (size_t i = 0; i < remotes.n; i++) {
		struct tally *t = &remotes.v[i];
		struct trend tr = trend_of(t->count, ns);
		enum severity sev = trend_level(th, &tr, ns);
		struct finding *f;
		char who[128];

		if (sev == SEV_OK)
			continue;
		f = add(d, RULE_CLOSE_WAIT, sev);
		if (!f)
			goto out;
		snprintf(f->subject, sizeof(f->subject), "remote %s", t->key);
		snprintf(f->remote, sizeof(f->remote), "%s", t->key);
		if (t->pid > 0)
			finding_owner(f, t);
		finding_examples(f, t);
		f->value = (long long)tr.last;
		f->threshold = sev == SEV_CRITICAL ? th->crit : th->warn;
		if (ns > 1)
			f->first = (long long)tr.first;
		if (t->pid > 0)
			owner_subject(t, who, sizeof(who));
		else
			snprintf(who, sizeof(who), "%s",
				 t->pid < 0 ? "several processes" : "a process not visible here");
		if (t->pid && t->flagged)
			cat(who, sizeof(who), " and %lu not visible", t->flagged);
		snprintf(f->message, sizeof(f->message),
			 "%lu CLOSE-WAIT connections with %s, held by %s: that peer closed them and this host did not.",
			 tr.last, t->key, who);
		if (ns > 1 && tr.steady)
			cat(f->message, sizeof(f->message),
			    " Their number grew steadily from %lu to %lu in %.1f s: a leak in the code that talks to "
			    "this peer.",
			    tr.first, tr.last, span);
		else if (ns > 1)
			cat(f->message, sizeof(f->message), " (%lu, then %lu, over %.1f s.)", tr.first, tr.last, span);
		else
			cat(f->message, sizeof(f->message),
			    " If the peer times out requests, this host answers too slowly.");
		snprintf(f->advice, sizeof(f->advice), "sockscope -p state close-wait dst %s", t->key);
	}
	err = 0;
out:
	tally_free(&procs);
	tally_free(&remotes);
	return err;
}

/* ---- rules: accept-queue and syn-recv ---- */

/* The LISTEN socket of last serving local port port (NULL if none). */
static const struct sock_rec *listener_of(const struct sock_set *last, const struct sock_rec *r)
{
	const struct sock_rec *any = NULL;

	for (size_t i = 0; i < last->n; i++) {
		const struct sock_rec *l = &last->v[i];

		if (l->state != SK_LISTEN || l->kind != r->kind || l->lport != r->lport)
			continue;
		if (l->family == r->family && !memcmp(l->laddr, r->laddr, 16))
			return l;
		if (sock_addr_is_any(l->family, l->laddr))
			any = l;
	}
	return any;
}

static int rule_accept_queue(struct diag_ctx *d, struct sock_set *const *s, size_t ns,
			     const struct procmap *const *pm, const struct kernel_facts *b,
			     const struct kernel_facts *a)
{
	const struct sock_set *last = s[ns - 1];
	struct tallies lq = {0};
	char full[256] = "";
	int err = -ENOMEM;

	/* queue length of each listener in every sample: count[k] = 1 + recv_q when seen */
	for (size_t k = 0; k < ns; k++) {
		for (size_t i = 0; i < s[k]->n; i++) {
			const struct sock_rec *r = &s[k]->v[i];
			char ep[96];
			struct tally *t;

			if (r->kind != KIND_TCP) /* the TCP rules */
				continue;

			if (r->state != SK_LISTEN)
				continue;
			if (r->flags & SOCK_F_SENDQ_UNKNOWN) {
				note(d, "accept-queue backlogs (not in /proc/net/tcp; the netlink back end has them)");
				continue;
			}
			endpoint(r, true, ep, sizeof(ep));
			t = tally_get(&lq, ep, NULL);
			if (!t)
				goto out;
			if (r->recv_q && r->recv_q >= r->send_q)
				t->flagged++; /* samples in which it was full */
		}
	}
	for (size_t i = 0; i < last->n; i++) {
		const struct sock_rec *r = &last->v[i];
		double backlog, pct;
		enum severity sev;
		struct finding *f;
		const char *comm;
		int32_t pid;
		char ep[96], c[32];
		const struct tally *t;
		bool is_full;

		if (r->kind != KIND_TCP) /* the TCP rules */
			continue;

		if (r->state != SK_LISTEN || (r->flags & SOCK_F_SENDQ_UNKNOWN) || !r->recv_q)
			continue;
		backlog = r->send_q ? (double)r->send_q : 1; /* listen(fd, 0) still queues one */
		pct = 100.0 * r->recv_q / backlog;
		sev = level(&d->th[RULE_ACCEPT_QUEUE], pct);
		if (sev == SEV_OK)
			continue;
		is_full = r->recv_q >= r->send_q;
		f = add(d, RULE_ACCEPT_QUEUE, sev);
		if (!f)
			goto out;
		endpoint(r, true, ep, sizeof(ep));
		t = tally_find(&lq, ep);
		pid = owner_of(pm ? pm[ns - 1] : NULL, r, &comm);
		snprintf(f->subject, sizeof(f->subject), "listener %s", ep);
		finding_where(d, f, r);
		f->port = r->lport;
		f->value = r->recv_q;
		f->limit = r->send_q;
		f->percent = pct;
		f->threshold = sev == SEV_CRITICAL ? d->th[RULE_ACCEPT_QUEUE].crit
						   : d->th[RULE_ACCEPT_QUEUE].warn;
		if (pid > 0) {
			safe_comm(comm, c, sizeof(c));
			f->pid = pid;
			snprintf(f->comm, sizeof(f->comm), "%s", c);
			cat(f->subject, sizeof(f->subject), ", pid %d (%s)", (int)pid, c);
		}
		if (is_full) {
			snprintf(f->message, sizeof(f->message),
				 "accept queue full: %u connections wait for accept() and the backlog is %u. New "
				 "connections are dropped (the clients' SYNs are ignored and retried) until the "
				 "application accepts.",
				 r->recv_q, r->send_q);
			cat(full, sizeof(full), "%s%s", full[0] ? ", " : "", ep);
		} else {
			snprintf(f->message, sizeof(f->message),
				 "accept queue at %.0f%%: %u connections wait for accept(), backlog %u: the "
				 "application accepts more slowly than connections arrive.",
				 pct, r->recv_q, r->send_q);
		}
		if (ns > 1 && t)
			cat(f->message, sizeof(f->message), " It was full in %lu of %zu samples.", t->flagged, ns);
		if (pid > 0)
			snprintf(f->advice, sizeof(f->advice),
				 "Check that pid %d accepts (blocked? out of workers?): sockscope -p sport = :%u; "
				 "raise the listen() backlog and net.core.somaxconn only if it does.",
				 (int)pid, r->lport);
		else
			snprintf(f->advice, sizeof(f->advice),
				 "Find the process (sockscope -p state listening sport = :%u, as root) and check it "
				 "accepts; raise the listen() backlog and net.core.somaxconn only if it does.",
				 r->lport);
	}
	if (ns > 1 && b->listen_overflows >= 0 && a->listen_overflows >= 0) {
		long long dov = a->listen_overflows - b->listen_overflows;
		long long ddr = a->listen_drops >= 0 && b->listen_drops >= 0 ? a->listen_drops - b->listen_drops : 0;
		struct finding *f;

		if (dov > 0 || ddr > 0) {
			f = add(d, RULE_ACCEPT_QUEUE, SEV_WARNING);
			if (!f)
				goto out;
			snprintf(f->subject, sizeof(f->subject), "kernel counters ListenOverflows, ListenDrops");
			f->value = dov > 0 ? dov : ddr;
			snprintf(f->message, sizeof(f->message),
				 "ListenOverflows grew by %lld and ListenDrops by %lld in %.1f s: %s",
				 dov, ddr, (double)(ns - 1) * d->interval,
				 dov > 0 ? "connections were dropped because an accept queue was full."
					 : "connection attempts were dropped at a listener (no memory, or a full SYN "
					   "queue without syncookies).");
			if (full[0])
				cat(f->message, sizeof(f->message), " Full now: %s.", full);
			snprintf(f->advice, sizeof(f->advice),
				 "Find the listener: sockscope -p state listening --sort=-recv_q; nstat -az "
				 "TcpExtListenOverflows shows the counter over time.");
		}
	} else if (ns > 1) {
		note(d, "ListenOverflows/ListenDrops (cannot read /proc/net/netstat)");
	}
	err = 0;
out:
	tally_free(&lq);
	return err;
}

static const char *syncookies_words(long long v)
{
	switch (v) {
	case 0:
		return "off: SYNs are dropped when the queue is full";
	case 1:
		return "on: used when the queue overflows";
	case 2:
		return "always";
	default:
		return "unknown";
	}
}

static int rule_syn_recv(struct diag_ctx *d, struct sock_set *const *s, size_t ns, const struct procmap *const *pm,
			 const struct kernel_facts *k)
{
	const struct threshold *th = &d->th[RULE_SYN_RECV];
	const struct sock_set *last = s[ns - 1];
	struct tallies ports = {0}, hosts = {0};
	int err = -ENOMEM;

	for (size_t j = 0; j < ns; j++) {
		for (size_t i = 0; i < s[j]->n; i++) {
			const struct sock_rec *r = &s[j]->v[i];
			char key[96], a[64];
			struct tally *t;
			bool created;

			if (r->kind != KIND_TCP) /* the TCP rules */
				continue;

			if (r->state != SK_SYN_RECV)
				continue;
			snprintf(key, sizeof(key), "%u", r->lport);
			t = tally_get(&ports, key, NULL);
			if (!t)
				goto out;
			t->count[j]++;
			if (j != ns - 1)
				continue;
			tally_example(t, r);
			sock_addr_str(r->family, r->raddr, a, sizeof(a));
			snprintf(key, sizeof(key), "%u|%s", r->lport, a);
			if (!tally_get(&hosts, key, &created))
				goto out;
			t = tally_find(&ports, (snprintf(a, sizeof(a), "%u", r->lport), a));
			if (created && t)
				t->distinct++;
		}
	}
	for (size_t i = 0; i < ports.n; i++) {
		struct tally *t = &ports.v[i];
		struct trend tr = trend_of(t->count, ns);
		enum severity sev = tr.last ? level(th, (double)tr.last) : SEV_OK;
		const struct sock_rec *l = NULL;
		struct finding *f;
		unsigned port = (unsigned)strtoul(t->key, NULL, 10);
		char ep[96] = "", c[32];
		const char *comm = NULL;
		int32_t pid = 0;

		for (size_t j = 0; !l && j < last->n; j++)
			if (last->v[j].state == SK_SYN_RECV && last->v[j].kind == KIND_TCP && last->v[j].lport == port)
				l = listener_of(last, &last->v[j]);
		/* a full SYN queue: syncookies answer for it, or SYNs are dropped */
		if (l && !(l->flags & SOCK_F_SENDQ_UNKNOWN) && tr.last >= l->send_q && tr.last > 0 &&
		    sev < SEV_CRITICAL)
			sev = k->syncookies == 0 ? SEV_CRITICAL : sev == SEV_OK ? SEV_WARNING : sev;
		if (sev == SEV_OK)
			continue;
		f = add(d, RULE_SYN_RECV, sev);
		if (!f)
			goto out;
		if (l) {
			endpoint(l, true, ep, sizeof(ep));
			pid = owner_of(pm ? pm[ns - 1] : NULL, l, &comm);
		} else {
			snprintf(ep, sizeof(ep), "*:%u", port);
		}
		snprintf(f->subject, sizeof(f->subject), "listener %s", ep);
		if (pid > 0) {
			safe_comm(comm, c, sizeof(c));
			f->pid = pid;
			snprintf(f->comm, sizeof(f->comm), "%s", c);
			cat(f->subject, sizeof(f->subject), ", pid %d (%s)", (int)pid, c);
		}
		f->port = (uint16_t)port;
		f->value = (long long)tr.last;
		if (tr.last >= th->warn)
			f->threshold = tr.last >= th->crit ? th->crit : th->warn;
		if (ns > 1)
			f->first = (long long)tr.first;
		f->nexamples = t->nex;
		memcpy(f->examples, t->ex, sizeof(f->examples));
		if (l && !(l->flags & SOCK_F_SENDQ_UNKNOWN)) {
			f->limit = l->send_q;
			f->percent = l->send_q ? 100.0 * (double)tr.last / l->send_q : -1;
		}
		snprintf(f->message, sizeof(f->message),
			 "%lu half-open connections (SYN-RECEIVED): SYNs arrive and the handshakes do not complete, "
			 "the clients' final ACKs never arrive. They come from %lu address%s: %s",
			 tr.last, t->distinct, t->distinct == 1 ? "" : "es",
			 t->distinct > 16 && t->distinct * 2 >= tr.last
				 ? "many sources, the mark of a SYN flood (often with spoofed addresses)."
				 : "few sources, rather clients on a lossy path, or a firewall dropping the ACKs.");
		if (l && !(l->flags & SOCK_F_SENDQ_UNKNOWN))
			cat(f->message, sizeof(f->message), " The listener's backlog is %u%s.", l->send_q,
			    tr.last >= l->send_q ? " and its SYN queue is full" : "");
		cat(f->message, sizeof(f->message), " tcp_max_syn_backlog=%lld; tcp_syncookies=%lld (%s).",
		    k->max_syn_backlog, k->syncookies, syncookies_words(k->syncookies));
		snprintf(f->advice, sizeof(f->advice),
			 "See where they come from: sockscope state syn-recv sport = :%u --group-by=remote-host; keep "
			 "net.ipv4.tcp_syncookies=1; for a few sources, look at the path (firewall, MTU) between them "
			 "and this host.",
			 port);
	}
	err = 0;
out:
	tally_free(&ports);
	tally_free(&hosts);
	return err;
}

/* ---- rule: time-wait ---- */

static int rule_time_wait(struct diag_ctx *d, const struct sock_set *last, const struct kernel_facts *k)
{
	const struct threshold *th = &d->th[RULE_TIME_WAIT];
	struct tallies pairs = {0};
	unsigned long tw = 0;
	long long range = k->port_lo > 0 ? k->port_hi - k->port_lo + 1 : -1;
	int err = -ENOMEM;

	for (size_t i = 0; i < last->n; i++) {
		const struct sock_rec *r = &last->v[i];
		char key[128], l[48], rem[64];
		struct tally *t;

		if (r->kind != KIND_TCP) /* the TCP rules */
			continue;

		if (r->state != SK_TIME_WAIT)
			continue;
		tw++;
		/* only connections this side opened use an ephemeral local port */
		if (range <= 0 || r->lport < k->port_lo || r->lport > k->port_hi)
			continue;
		sock_addr_str(r->family, r->laddr, l, sizeof(l));
		endpoint(r, false, rem, sizeof(rem));
		snprintf(key, sizeof(key), "%s -> %s", l, rem);
		t = tally_get(&pairs, key, NULL);
		if (!t)
			goto out;
		t->count[0]++;
		tally_example(t, r);
	}
	if (k->max_tw_buckets > 0) {
		double pct = 100.0 * (double)tw / (double)k->max_tw_buckets;
		enum severity sev = tw ? level(th, pct) : SEV_OK;

		if (sev != SEV_OK) {
			struct finding *f = add(d, RULE_TIME_WAIT, sev);

			if (!f)
				goto out;
			snprintf(f->subject, sizeof(f->subject), "all TIME-WAIT sockets");
			f->value = (long long)tw;
			f->limit = k->max_tw_buckets;
			f->percent = pct;
			f->threshold = sev == SEV_CRITICAL ? th->crit : th->warn;
			snprintf(f->message, sizeof(f->message),
				 "%lu TIME-WAIT sockets, %.0f%% of tcp_max_tw_buckets (%lld); beyond it the kernel "
				 "destroys them at once and logs \"time wait bucket table overflow\". TIME-WAIT stays "
				 "with the side that closes first: this host closes many short connections.",
				 tw, pct, k->max_tw_buckets);
			snprintf(f->advice, sizeof(f->advice),
				 "Reuse connections (keep-alive, pools); let the clients close first where the "
				 "protocol allows: sockscope state time-wait --group-by=remote.");
		}
	} else {
		note(d, "TIME-WAIT total (cannot read tcp_max_tw_buckets)");
	}
	if (range <= 0)
		note(d, "ephemeral port exhaustion (cannot read ip_local_port_range)");
	for (size_t i = 0; range > 0 && i < pairs.n; i++) {
		struct tally *t = &pairs.v[i];
		double pct = 100.0 * (double)t->count[0] / (double)range;
		enum severity sev = level(th, pct);
		struct finding *f;
		const char *arrow = strstr(t->key, " -> ");

		if (sev == SEV_OK)
			continue;
		f = add(d, RULE_TIME_WAIT, sev);
		if (!f)
			goto out;
		snprintf(f->subject, sizeof(f->subject), "%s", t->key);
		if (arrow)
			snprintf(f->remote, sizeof(f->remote), "%s", arrow + 4);
		f->value = (long long)t->count[0];
		f->limit = range;
		f->percent = pct;
		f->threshold = sev == SEV_CRITICAL ? th->crit : th->warn;
		f->nexamples = t->nex;
		memcpy(f->examples, t->ex, sizeof(f->examples));
		snprintf(f->message, sizeof(f->message),
			 "%lu TIME-WAIT sockets from %s hold %.0f%% of the %lld local ports of ip_local_port_range "
			 "(%lld-%lld). Each connection to one remote endpoint needs its own local port, and this host, "
			 "closing first, keeps each in TIME-WAIT for 60 s: when none is left, connect() fails with "
			 "EADDRNOTAVAIL (tcp_tw_reuse=%lld).",
			 t->count[0], t->key, pct, range, k->port_lo, k->port_hi, k->tw_reuse);
		snprintf(f->advice, sizeof(f->advice),
			 "Reuse connections to this endpoint (keep-alive, a pool); widen net.ipv4.ip_local_port_range; "
			 "net.ipv4.tcp_tw_reuse=1 lets new outgoing connections take over TIME-WAIT ports.");
	}
	err = 0;
out:
	tally_free(&pairs);
	return err;
}

/* ---- rule: orphans and lingering FIN-WAIT-2 ---- */

static int rule_orphans(struct diag_ctx *d, struct sock_set *const *s, size_t ns, const struct procmap *const *pm,
			const struct kernel_facts *k)
{
	struct tallies owned = {0};
	unsigned long fw2_orphans = 0;
	int err = -ENOMEM;

	if (k->orphans >= 0 && k->max_orphans > 0) {
		double pct = 100.0 * (double)k->orphans / (double)k->max_orphans;
		enum severity sev = k->orphans ? level(&d->th[RULE_ORPHANS], pct) : SEV_OK;

		if (sev != SEV_OK) {
			struct finding *f = add(d, RULE_ORPHANS, sev);

			if (!f)
				goto out;
			snprintf(f->subject, sizeof(f->subject), "orphaned sockets");
			f->value = k->orphans;
			f->limit = k->max_orphans;
			f->percent = pct;
			f->threshold = sev == SEV_CRITICAL ? d->th[RULE_ORPHANS].crit
							   : d->th[RULE_ORPHANS].warn;
			snprintf(f->message, sizeof(f->message),
				 "%lld orphaned sockets (closed by their process, still finishing the close), %.0f%% "
				 "of tcp_max_orphans (%lld); past it the kernel resets connections and logs \"too many "
				 "orphaned sockets\".",
				 k->orphans, pct, k->max_orphans);
			snprintf(f->advice, sizeof(f->advice),
				 "Look for peers that never acknowledge the close: sockscope state fin-wait-1 state "
				 "last-ack state closing --group-by=remote-host.");
		}
	} else if (k->max_orphans < 0) {
		note(d, "orphans against tcp_max_orphans (visible only in the initial network namespace)");
	}
	/* FIN-WAIT-2: orphaned ones expire after tcp_fin_timeout; the ones a
	 * process still holds (shutdown() without close()) never do. */
	for (size_t j = 0; j < ns; j++) {
		for (size_t i = 0; i < s[j]->n; i++) {
			const struct sock_rec *r = &s[j]->v[i];
			const char *comm;
			int32_t pid;
			char key[64];
			struct tally *t;

			if (r->kind != KIND_TCP) /* the TCP rules */
				continue;

			if (r->state != SK_FIN_WAIT2)
				continue;
			if (!r->inode) {
				fw2_orphans += j == ns - 1;
				continue;
			}
			pid = owner_of(pm ? pm[j] : NULL, r, &comm);
			owner_key(key, sizeof(key), "", pid, r->uid);
			t = tally_get(&owned, key, NULL);
			if (!t)
				goto out;
			t->count[j]++;
			owner_set(t, pid, comm, r->uid);
			if (j == ns - 1) {
				tally_port(t, r->lport);
				tally_example(t, r);
			}
		}
	}
	if (fw2_orphans >= FIN_WAIT2_ORPHANS_WARN) {
		struct finding *f = add(d, RULE_ORPHANS, SEV_WARNING);

		if (!f)
			goto out;
		snprintf(f->subject, sizeof(f->subject), "orphaned FIN-WAIT-2 sockets");
		f->value = (long long)fw2_orphans;
		f->limit = FIN_WAIT2_ORPHANS_WARN;
		snprintf(f->message, sizeof(f->message),
			 "%lu orphaned sockets linger in FIN-WAIT-2: this host closed them and the peers never sent "
			 "their FIN. They expire after tcp_fin_timeout (%lld s) but count against tcp_max_orphans.",
			 fw2_orphans, k->fin_timeout);
		snprintf(f->advice, sizeof(f->advice),
			 "See which peers: sockscope state fin-wait-2 --group-by=remote-host.");
	}
	/* held FIN-WAIT-2 is the mirror of CLOSE-WAIT: the same levels apply */
	for (size_t i = 0; i < owned.n; i++) {
		struct tally *t = &owned.v[i];
		struct trend tr = trend_of(t->count, ns);
		enum severity sev = trend_level(&d->th[RULE_CLOSE_WAIT], &tr, ns);
		struct finding *f;

		if (sev == SEV_OK)
			continue;
		f = owner_finding(d, RULE_ORPHANS, sev, t, &tr, &d->th[RULE_CLOSE_WAIT], ns);
		if (!f)
			goto out;
		snprintf(f->message, sizeof(f->message),
			 "%lu connections linger in FIN-WAIT-2 while %s still holds them: it shut down its sending "
			 "side (shutdown()) and the peers never closed theirs. tcp_fin_timeout (%lld s) applies only "
			 "to orphans: these stay until the process closes them or the peers do.",
			 tr.last, t->pid > 0 ? "this process" : "a process", k->fin_timeout);
		if (ns > 1)
			cat(f->message, sizeof(f->message), " (%lu, then %lu, over %.1f s.)", tr.first, tr.last,
			    (double)(ns - 1) * d->interval);
		snprintf(f->advice, sizeof(f->advice),
			 "Look at the peers (sockscope -p state fin-wait-2 --group-by=remote-host): are they in "
			 "CLOSE-WAIT? Close the sockets after shutdown() with a timeout of your own.");
	}
	err = 0;
out:
	tally_free(&owned);
	return err;
}

/* ---- rule: stuck-data ---- */

static void conn_key(const struct sock_rec *r, char *buf, size_t len)
{
	char l[56], p[56];

	if (r->flags & SOCK_F_COOKIE) {
		snprintf(buf, len, "c%llx", (unsigned long long)r->cookie);
		return;
	}
	endpoint(r, true, l, sizeof(l));
	endpoint(r, false, p, sizeof(p));
	snprintf(buf, len, "%s %s", l, p);
}

enum { STUCK_RECV = 1, STUCK_SEND = 2 };

static unsigned stuck_kind(const struct sock_rec *r, double warn)
{
	unsigned k = 0;

	if (r->state != SK_ESTABLISHED || r->kind != KIND_TCP)
		return 0;
	if (r->recv_q && r->recv_q >= warn)
		k |= STUCK_RECV;
	if ((r->send_q && r->send_q >= warn) || ((r->flags & SOCK_F_TIMER) && r->timer == SOCK_TIMER_PERSIST))
		k |= STUCK_SEND;
	return k;
}

static int stuck_finding(struct diag_ctx *d, const struct tally *t, unsigned kind, size_t ns)
{
	const struct threshold *th = &d->th[RULE_STUCK_DATA];
	enum severity sev = level(th, (double)t->maxval);
	struct finding *f;
	char who[128], span[96];

	if (sev == SEV_OK)
		sev = SEV_WARNING; /* a zero-window probe below the byte levels */
	if (ns == 1 && sev == SEV_CRITICAL)
		sev = SEV_WARNING; /* one sample cannot tell "for long" */
	f = add(d, RULE_STUCK_DATA, sev);
	if (!f)
		return -ENOMEM;
	owner_subject(t, who, sizeof(who));
	snprintf(f->subject, sizeof(f->subject), "%s, %s", who,
		 kind == STUCK_RECV ? "not reading" : "peer not reading");
	finding_owner(f, t);
	finding_examples(f, t);
	f->value = (long long)t->maxval;
	if (t->maxval >= th->warn)
		f->threshold = t->maxval >= th->crit ? th->crit : th->warn;
	if (ns > 1)
		snprintf(span, sizeof(span), " in all %zu samples over %.1f s", ns, (double)(ns - 1) * d->interval);
	else
		snprintf(span, sizeof(span), " (one sample: --samples 3 shows whether it stays)");
	if (kind == STUCK_RECV) {
		if (t->count[0] == 1)
			snprintf(f->message, sizeof(f->message),
				 "1 established connection holds %llu bytes received and not read by the "
				 "application%s: %s is not reading it - blocked, busy elsewhere, or it lost track of "
				 "the socket. The peer sees a closed window and stalls.",
				 t->bytes, span, t->pid > 0 ? "the process" : "the owning process");
		else
			snprintf(f->message, sizeof(f->message),
				 "%lu established connections hold %llu bytes received and not read by the application "
				 "(up to %lu on one)%s: %s is not reading them - blocked, busy elsewhere, or it lost "
				 "track of the sockets. The peers see a closed window and stall.",
				 t->count[0], t->bytes, t->maxval, span,
				 t->pid > 0 ? "the process" : "the owning process");
		if (t->pid > 0)
			snprintf(f->advice, sizeof(f->advice),
				 "See what pid %d is doing (cat /proc/%d/stack, strace -p %d); list them: sockscope -p "
				 "-i state established pid = %d.",
				 (int)t->pid, (int)t->pid, (int)t->pid, (int)t->pid);
		else
			snprintf(f->advice, sizeof(f->advice),
				 "Run as root to see the process; list them: sockscope -i state established uid = %u.",
				 t->uid);
	} else {
		if (t->count[0] == 1)
			snprintf(f->message, sizeof(f->message),
				 "1 established connection holds %llu bytes sent and not acknowledged%s: the peer is "
				 "not reading (its receive window is closed) or the path loses packets.",
				 t->bytes, span);
		else
			snprintf(f->message, sizeof(f->message),
				 "%lu established connections hold %llu bytes sent and not acknowledged (up to %lu on "
				 "one)%s: the peers are not reading (their receive windows are closed) or the path "
				 "loses packets.",
				 t->count[0], t->bytes, t->maxval, span);
		if (t->flagged == 1 && t->count[0] == 1)
			cat(f->message, sizeof(f->message),
			    " It probes a zero window (persist timer): the peer's receive buffer is full.");
		else if (t->flagged)
			cat(f->message, sizeof(f->message),
			    " %lu of them probe a zero window (persist timer): their peers' receive buffers are full.",
			    t->flagged);
		snprintf(f->advice, sizeof(f->advice),
			 "Look at the peer: its Recv-Q for this connection shows unread data (sockscope -p state "
			 "established on the peer); here, sockscope -i shows the window and retransmissions.");
	}
	return 0;
}

static int rule_stuck(struct diag_ctx *d, struct sock_set *const *s, size_t ns, const struct procmap *const *pm)
{
	const struct sock_set *last = s[ns - 1];
	double warn = d->th[RULE_STUCK_DATA].warn;
	struct tallies cand = {0}, groups = {0};
	int err = -ENOMEM;

	if (warn < 1)
		warn = 1;
	/* candidates: the last sample's ESTABLISHED sockets with queued data;
	 * count[0] holds the kinds seen in every sample so far */
	for (size_t i = 0; i < last->n; i++) {
		unsigned kind = stuck_kind(&last->v[i], warn);
		char key[112];
		struct tally *t;

		if (!kind)
			continue;
		conn_key(&last->v[i], key, sizeof(key));
		t = tally_get(&cand, key, NULL);
		if (!t)
			goto out;
		t->count[0] = kind;
		t->count[1] = i; /* index in last */
	}
	for (size_t k = 0; k + 1 < ns && cand.n; k++) {
		for (size_t c = 0; c < cand.n; c++)
			cand.v[c].count[2] = 0;
		for (size_t i = 0; i < s[k]->n; i++) {
			char key[112];
			struct tally *t;

			if (s[k]->v[i].state != SK_ESTABLISHED || s[k]->v[i].kind != KIND_TCP)
				continue;
			conn_key(&s[k]->v[i], key, sizeof(key));
			t = tally_find(&cand, key);
			if (t)
				t->count[2] |= stuck_kind(&s[k]->v[i], warn);
		}
		for (size_t c = 0; c < cand.n; c++)
			cand.v[c].count[0] &= cand.v[c].count[2];
	}
	for (size_t c = 0; c < cand.n; c++) {
		const struct sock_rec *r = &last->v[cand.v[c].count[1]];
		const char *comm;
		int32_t pid = owner_of(pm ? pm[ns - 1] : NULL, r, &comm);

		for (unsigned kind = STUCK_RECV; kind <= STUCK_SEND; kind <<= 1) {
			char key[64];
			struct tally *g;
			unsigned long q;

			if (!(cand.v[c].count[0] & kind))
				continue;
			owner_key(key, sizeof(key), kind == STUCK_RECV ? "r" : "s", pid, r->uid);
			g = tally_get(&groups, key, NULL);
			if (!g)
				goto out;
			owner_set(g, pid, comm, r->uid);
			q = kind == STUCK_RECV ? r->recv_q : r->send_q;
			g->count[0]++;
			g->bytes += q;
			if (q > g->maxval)
				g->maxval = q;
			if (kind == STUCK_SEND && (r->flags & SOCK_F_TIMER) && r->timer == SOCK_TIMER_PERSIST)
				g->flagged++;
			tally_port(g, r->lport);
			tally_example(g, r);
		}
	}
	for (size_t i = 0; i < groups.n; i++)
		if (stuck_finding(d, &groups.v[i], groups.v[i].key[0] == 'r' ? STUCK_RECV : STUCK_SEND, ns) < 0)
			goto out;
	err = 0;
out:
	tally_free(&cand);
	tally_free(&groups);
	return err;
}

/* Heavy retransmission (needs tcp_info, `check -i`): ESTABLISHED sockets that
 * have sent enough segments to judge and retransmitted a large share of them.
 * Reported per connection, the worst first, at most RETRANS_MAX_FINDINGS. */
#define RETRANS_MIN_SEGS 100
#define RETRANS_WARN_PCT 5.0
#define RETRANS_CRIT_PCT 20.0
#define RETRANS_MAX_FINDINGS 5

static int rule_retrans(struct diag_ctx *d, const struct sock_set *last)
{
	size_t best[RETRANS_MAX_FINDINGS];
	double pct[RETRANS_MAX_FINDINGS];
	size_t nbest = 0;
	unsigned long over = 0;

	for (size_t i = 0; i < last->n; i++) {
		const struct sock_rec *r = &last->v[i];
		const struct sock_ext *e = sock_set_ext(last, r);
		double p;
		size_t j;

		if (r->kind != KIND_TCP) /* the TCP rules */
			continue;

		if (r->state != SK_ESTABLISHED || !SOCK_INFO_HAS(e, tcpi_total_retrans) ||
		    !SOCK_INFO_HAS(e, tcpi_segs_out) || e->info.tcpi_segs_out < RETRANS_MIN_SEGS)
			continue;
		p = 100.0 * e->info.tcpi_total_retrans / e->info.tcpi_segs_out;
		if (p < RETRANS_WARN_PCT)
			continue;
		over++;
		/* keep the worst few, sorted by share, descending */
		for (j = nbest; j > 0 && pct[j - 1] < p; j--)
			if (j < RETRANS_MAX_FINDINGS) {
				best[j] = best[j - 1];
				pct[j] = pct[j - 1];
			}
		if (j < RETRANS_MAX_FINDINGS) {
			best[j] = i;
			pct[j] = p;
			if (nbest < RETRANS_MAX_FINDINGS)
				nbest++;
		}
	}
	for (size_t j = 0; j < nbest; j++) {
		const struct sock_rec *r = &last->v[best[j]];
		const struct sock_ext *e = sock_set_ext(last, r);
		struct finding *f = add(d, RULE_STUCK_DATA, pct[j] >= RETRANS_CRIT_PCT ? SEV_CRITICAL : SEV_WARNING);

		if (!f)
			return -ENOMEM;
		conn_str(r, f->subject, sizeof(f->subject));
		f->value = e->info.tcpi_total_retrans;
		f->limit = e->info.tcpi_segs_out;
		f->percent = pct[j];
		f->threshold = RETRANS_WARN_PCT;
		f->port = r->lport;
		endpoint(r, false, f->remote, sizeof(f->remote));
		snprintf(f->message, sizeof(f->message),
			 "%u of %u segments sent were retransmitted (%.1f%%): the path to this peer loses packets, or "
			 "the peer drops them.%s",
			 e->info.tcpi_total_retrans, e->info.tcpi_segs_out, pct[j],
			 j == 0 && over > nbest ? " More connections than shown here retransmit heavily too." : "");
		snprintf(f->advice, sizeof(f->advice),
			 "Look at the path and the peer: sockscope -i dst %s; compare rtt and lost across peers.",
			 f->remote);
	}
	return 0;
}

/* UDP and UDP-Lite sockets whose receive buffer overflowed: the kernel
 * dropped datagrams for them (SK_MEMINFO drops, with -m or when asked by
 * check), and the host's RcvbufErrors. */
static int rule_udp_drops(struct diag_ctx *d, const struct sock_set *last, const struct procmap *pm,
			  const struct kernel_facts *k)
{
	unsigned long sockets = 0;
	uint64_t total = 0;

	for (size_t i = 0; i < last->n; i++) {
		const struct sock_rec *r = &last->v[i];
		const struct sock_ext *e = sock_set_ext(last, r);
		const char *comm = NULL;
		enum severity sev;
		struct finding *f;
		char ep[96], c[32];
		int32_t pid;

		if ((r->kind != KIND_UDP && r->kind != KIND_UDPLITE) || !e || !e->has_mem || !e->mem.drops)
			continue;
		sockets++;
		total += e->mem.drops;
		sev = level(&d->th[RULE_UDP_DROPS], (double)e->mem.drops);
		if (sev == SEV_OK)
			continue;
		f = add(d, RULE_UDP_DROPS, sev);
		if (!f)
			return -ENOMEM;
		endpoint(r, true, ep, sizeof(ep));
		snprintf(f->subject, sizeof(f->subject), "%s socket %s", sock_kind(r)->title, ep);
		finding_where(d, f, r);
		f->port = r->lport;
		f->value = e->mem.drops;
		f->limit = -1; /* drops are counted, the buffer is in bytes */
		f->threshold = sev == SEV_CRITICAL ? d->th[RULE_UDP_DROPS].crit : d->th[RULE_UDP_DROPS].warn;
		pid = owner_of(pm, r, &comm);
		if (pid > 0) {
			safe_comm(comm, c, sizeof(c));
			f->pid = pid;
			snprintf(f->comm, sizeof(f->comm), "%s", c);
			cat(f->subject, sizeof(f->subject), ", pid %d (%s)", (int)pid, c);
		}
		snprintf(f->message, sizeof(f->message),
			 "%u datagrams dropped because the receive buffer (%u bytes) was full; %u bytes wait now. "
			 "The application reads more slowly than datagrams arrive, and the senders are not told.",
			 e->mem.drops, e->mem.rcvbuf, r->recv_q);
		if (k && k->udp_rcvbuf_errors >= 0)
			cat(f->message, sizeof(f->message), " Host-wide RcvbufErrors: %lld.", k->udp_rcvbuf_errors);
		snprintf(f->advice, sizeof(f->advice),
			 "Read faster (more readers, SO_REUSEPORT, recvmmsg) or raise SO_RCVBUF / net.core.rmem_max; "
			 "watch it with sockscope -u -m --sort=-drops.");
	}
	if (sockets == 0 && k && k->udp_rcvbuf_errors > 0)
		note(d, "per-socket UDP drops (none of the sockets listed has dropped; the host's RcvbufErrors is "
			"cumulative since boot)");
	(void)total;
	return 0;
}

/* Listeners of the local kinds (UNIX stream and seqpacket) whose queue of
 * connections not yet accepted reaches their backlog: the clients of
 * docker.sock or of a database socket stall in connect(). */
static int rule_local_backlog(struct diag_ctx *d, const struct sock_set *last, const struct procmap *pm)
{
	for (size_t i = 0; i < last->n; i++) {
		const struct sock_rec *r = &last->v[i];
		const struct sock_kind *kd = sock_kind(r);
		const char *comm = NULL;
		double pct;
		enum severity sev;
		struct finding *f;
		char ep[128], c[32];
		int32_t pid;

		if (kd->inet || r->state != SK_LISTEN || !r->recv_q)
			continue;
		pct = 100.0 * r->recv_q / (r->send_q ? (double)r->send_q : 1);
		sev = level(&d->th[RULE_LOCAL_BACKLOG], pct);
		if (sev == SEV_OK)
			continue;
		f = add(d, RULE_LOCAL_BACKLOG, sev);
		if (!f)
			return -ENOMEM;
		if (kd->endpoint)
			kd->endpoint(r, sock_set_ext(last, r), true, ep, sizeof(ep));
		else
			snprintf(ep, sizeof(ep), "inode %llu", (unsigned long long)r->inode);
		snprintf(f->subject, sizeof(f->subject), "%s listener %s", kd->title, ep);
		finding_where(d, f, r);
		f->value = r->recv_q;
		f->limit = r->send_q;
		f->percent = pct;
		f->threshold = sev == SEV_CRITICAL ? d->th[RULE_LOCAL_BACKLOG].crit : d->th[RULE_LOCAL_BACKLOG].warn;
		pid = owner_of(pm, r, &comm);
		if (pid > 0) {
			safe_comm(comm, c, sizeof(c));
			f->pid = pid;
			snprintf(f->comm, sizeof(f->comm), "%s", c);
			cat(f->subject, sizeof(f->subject), ", pid %d (%s)", (int)pid, c);
		}
		snprintf(f->message, sizeof(f->message),
			 "%u connections wait for accept() and the backlog is %u (%.0f%%): %s",
			 r->recv_q, r->send_q, pct,
			 r->recv_q >= r->send_q ? "new clients block in connect() (or get EAGAIN) until the "
						 "server accepts."
						: "the server accepts more slowly than clients connect.");
		snprintf(f->advice, sizeof(f->advice),
			 "Check that the server accepts (blocked? out of workers?): sockscope -x -p state listening; "
			 "raise its listen() backlog and net.core.somaxconn only if it does.");
	}
	return 0;
}

int diag_run(struct diag_ctx *d, struct sock_set *const *samples, size_t ns, const struct procmap *const *owners,
	     const struct kernel_facts *before, const struct kernel_facts *after)
{
	const struct sock_set *last;
	bool any_owners = false;
	int err;

	if (!ns || ns > DIAG_SAMPLES_MAX)
		return -EINVAL;
	last = samples[ns - 1];
	d->sockets = last->n;
	for (size_t k = 0; owners && k < ns; k++)
		any_owners |= owners[k] != NULL;
	if (!any_owners)
		note(d, "owning processes (not collected)");
	else if (d->owners_denied)
		note(d, geteuid() ? "owners of sockets in processes this user cannot inspect (run as root)"
				  : "owners of sockets in processes that could not be inspected");
	err = rule_close_wait(d, samples, ns, owners);
	if (!err)
		err = rule_accept_queue(d, samples, ns, owners, before, after);
	if (!err)
		err = rule_syn_recv(d, samples, ns, owners, after);
	if (!err)
		err = rule_time_wait(d, last, after);
	if (!err)
		err = rule_orphans(d, samples, ns, owners, after);
	if (!err)
		err = rule_stuck(d, samples, ns, owners);
	if (!err)
		err = rule_retrans(d, last);
	if (!err)
		err = rule_udp_drops(d, last, owners ? owners[ns - 1] : NULL, after);
	if (!err)
		err = rule_local_backlog(d, last, owners ? owners[ns - 1] : NULL);
	return err;
}

/* ---- the rate rules (check --window) ---- */

bool rule_needs_window(enum rule_id r)
{
	return r >= RULE_FIRST_RATE && r < RULE_MAX;
}

enum severity diag_eval_churn(const struct feed_dest *dst, double window, long long range, const struct threshold *th,
			      struct churn_verdict *ret)
{
	struct churn_verdict v = {0};

	if (window > 0) {
		v.rate = (double)dst->active_closed / window;
		v.ports = v.rate * TIME_WAIT_SECONDS;
	}
	if (range > 0) {
		v.percent = 100.0 * v.ports / (double)range;
		if (dst->active_closed >= CHURN_MIN_CLOSES)
			v.sev = level(th, v.percent);
	}
	*ret = v;
	return v.sev;
}

enum severity diag_eval_failing(const struct feed_dest *dst, const struct threshold *th, struct fail_verdict *ret)
{
	struct fail_verdict v = {0};

	v.failed = dst->refused + dst->timeout;
	if (dst->attempts) {
		v.percent = 100.0 * (double)v.failed / (double)dst->attempts;
		if (dst->attempts >= FAIL_MIN_ATTEMPTS && v.failed)
			v.sev = level(th, v.percent);
	}
	*ret = v;
	return v.sev;
}

void diag_rates_skipped(struct diag_ctx *d, const char *why)
{
	char what[320];

	d->rates = RATES_SKIPPED;
	snprintf(d->rates_why, sizeof(d->rates_why), "%s", why);
	snprintf(what, sizeof(what), "port-churn and failing-connects (%s)", why);
	note(d, what);
}

/* An address as the snapshot and the feed may both spell it: an IPv4-mapped
 * IPv6 address becomes IPv4. */
static int norm_addr(int family, const uint8_t *a, uint8_t out[16])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	memset(out, 0, 16);
	if (family == AF_INET6 && !memcmp(a, mapped, sizeof(mapped))) {
		memcpy(out, a + 12, 4);
		return AF_INET;
	}
	memcpy(out, a, family == AF_INET6 ? 16 : 4);
	return family;
}

static bool same_dest(const struct feed_dest *dst, const struct sock_rec *r)
{
	uint8_t a[16], b[16];

	if (r->rport != dst->port)
		return false;
	return norm_addr(dst->family, dst->addr, a) == norm_addr(r->family, r->raddr, b) && !memcmp(a, b, 16);
}

static void dest_str(const struct feed_dest *dst, char *buf, size_t len)
{
	uint8_t a[16];
	char s[64];
	int fam = norm_addr(dst->family, dst->addr, a);

	sock_addr_str(fam, a, s, sizeof(s));
	snprintf(buf, len, fam == AF_INET6 ? "[%s]:%u" : "%s:%u", s, dst->port);
}

/* What the last sample says about one destination: TIME-WAIT and SYN-SENT
 * sockets towards it, examples of the state asked, where they live. */
static void dest_snapshot(struct diag_ctx *d, const struct sock_set *last, const struct feed_dest *dst, int state,
			  struct finding *f, int64_t *ret_netns)
{
	const char *where = NULL;
	bool where_mixed = false;
	int64_t netns = -1; /* the one namespace of the sockets, -2 several */

	for (size_t i = 0; last && i < last->n; i++) {
		const struct sock_rec *r = &last->v[i];

		if (r->kind != KIND_TCP || (r->state != SK_TIME_WAIT && r->state != SK_SYN_SENT) || !same_dest(dst, r))
			continue;
		if (r->state == SK_TIME_WAIT)
			f->rates.time_wait++;
		else
			f->rates.syn_sent++;
		if (r->state == state && f->nexamples < DIAG_EXAMPLES)
			conn_str(r, f->examples[f->nexamples++], sizeof(f->examples[0]));
		if (r->state == state)
			netns = netns == -1 || netns == (int64_t)r->netns_id ? (int64_t)r->netns_id : -2;
		if (d->where) {
			const char *w = d->where(d->where_arg, r);

			if (!w)
				w = "host";
			if (!where)
				where = w;
			else if (strcmp(where, w))
				where_mixed = true;
		}
	}
	if (where && !where_mixed && strcmp(where, "host"))
		snprintf(f->where, sizeof(f->where), "%s", where);
	if (ret_netns)
		*ret_netns = netns;
}

static void rate_evidence_init(struct finding *f, const struct diag_rates *r, const struct feed_dest *dst)
{
	f->rates.set = true;
	f->rates.window = r->window;
	f->rates.attempts = (long long)dst->attempts;
	f->rates.established = (long long)dst->established;
	f->rates.refused = (long long)dst->refused;
	f->rates.timeout = (long long)dst->timeout;
	f->rates.closed_first = (long long)dst->active_closed;
	f->rates.host_scope = r->host_scope;
	dest_str(dst, f->remote, sizeof(f->remote));
}

static void recompute_worst(struct diag_ctx *d)
{
	d->worst = SEV_OK;
	for (size_t i = 0; i < d->n; i++)
		if (d->f[i].sev > d->worst && d->f[i].sev != SEV_UNKNOWN)
			d->worst = d->f[i].sev;
}

/* Ports in TIME-WAIT towards one destination, projected from the rate of
 * connections this side opened and closed first. */
static int rule_port_churn(struct diag_ctx *d, const struct diag_rates *r, const struct sock_set *last,
			   const struct kernel_facts *k)
{
	const struct threshold *th = &d->th[RULE_PORT_CHURN];

	for (size_t i = 0; i < r->ndests; i++) {
		const struct feed_dest *dst = &r->dests[i];
		struct churn_verdict v;
		enum severity sev;
		struct finding *f, probe;
		long long tw_value = -1, lo = k->port_lo, hi = k->port_hi, range;
		enum severity tw_sev = SEV_OK;
		int64_t netns = -1;

		if (dst->active_closed < CHURN_MIN_CLOSES)
			continue;
		/* host-wide: the range of the namespace the TIME-WAIT sockets are in, when they are in one */
		if (d->ns_port_range) {
			memset(&probe, 0, sizeof(probe));
			dest_snapshot(d, last, dst, SK_TIME_WAIT, &probe, &netns);
			if (netns >= 0 && d->ns_port_range(d->ns_port_range_arg, (uint32_t)netns, &lo, &hi) < 0)
				lo = k->port_lo, hi = k->port_hi;
		}
		range = lo > 0 && hi >= lo ? hi - lo + 1 : -1;
		if (range <= 0) {
			note(d, "port-churn (cannot read ip_local_port_range)");
			continue;
		}
		sev = diag_eval_churn(dst, r->window, range, th, &v);
		if (sev == SEV_OK)
			continue;
		f = add(d, RULE_PORT_CHURN, sev);
		if (!f)
			return -ENOMEM;
		rate_evidence_init(f, r, dst);
		f->rates.port_lo = lo;
		f->rates.port_hi = hi;
		f->rates.rate = v.rate;
		f->rates.projected = (long long)(v.ports + 0.5);
		/* the snapshot's time-wait finding about this destination says the same from the other side:
		 * fold it in here */
		for (size_t j = 0; j + 1 < d->n;) {
			struct finding *t = &d->f[j];

			if (t->rule != RULE_TIME_WAIT || strcmp(t->remote, f->remote)) {
				j++;
				continue;
			}
			if (t->sev > tw_sev)
				tw_sev = t->sev;
			if (t->value > tw_value)
				tw_value = t->value;
			memmove(t, t + 1, (d->n - j - 1) * sizeof(*t));
			d->n--;
			f = &d->f[d->n - 1];
		}
		if (tw_sev > f->sev)
			f->sev = tw_sev;
		dest_snapshot(d, last, dst, SK_TIME_WAIT, f, NULL);
		snprintf(f->subject, sizeof(f->subject), "connections to %s%s%s", f->remote,
			 f->where[0] ? " in " : r->host_scope ? " (any network namespace)" : "", f->where);
		f->value = f->rates.projected;
		f->limit = range;
		f->percent = v.percent;
		f->threshold = sev == SEV_CRITICAL ? th->crit : th->warn;
		snprintf(f->message, sizeof(f->message),
			 "In %.1f s this host opened %llu connections to %s and closed %llu of them first: %.1f a "
			 "second. Each keeps its local port in TIME-WAIT for %d s, so at this rate about %lld ports "
			 "stay held for this destination (per local address), %.0f%% of the %lld of "
			 "ip_local_port_range (%lld-%lld); when none is left, connect() fails with EADDRNOTAVAIL "
			 "(tcp_tw_reuse=%lld). The last sample shows %lld in TIME-WAIT towards it.",
			 r->window, (unsigned long long)dst->attempts, f->remote, (unsigned long long)dst->active_closed,
			 v.rate, TIME_WAIT_SECONDS, f->rates.projected, v.percent, range, lo, hi, k->tw_reuse,
			 f->rates.time_wait);
		if (tw_value >= 0)
			cat(f->message, sizeof(f->message), " (The time-wait rule's count for it is folded in here.)");
		snprintf(f->advice, sizeof(f->advice),
			 "Reuse connections to %s (keep-alive, a connection pool) instead of one per request; "
			 "net.ipv4.tcp_tw_reuse=1 lets new outgoing connections take over TIME-WAIT ports; widen "
			 "net.ipv4.ip_local_port_range.",
			 f->remote);
	}
	recompute_worst(d);
	return 0;
}

/* A high share of connection attempts to one destination that never got
 * established: refused (a reset or an ICMP error within a second) or timed
 * out (no answer to the SYN and its retries). */
static int rule_failing_connects(struct diag_ctx *d, const struct diag_rates *r, const struct sock_set *last)
{
	const struct threshold *th = &d->th[RULE_FAILING_CONNECTS];

	for (size_t i = 0; i < r->ndests; i++) {
		const struct feed_dest *dst = &r->dests[i];
		struct fail_verdict v;
		enum severity sev = diag_eval_failing(dst, th, &v);
		struct finding *f;
		const char *cause;

		if (sev == SEV_OK)
			continue;
		f = add(d, RULE_FAILING_CONNECTS, sev);
		if (!f)
			return -ENOMEM;
		rate_evidence_init(f, r, dst);
		dest_snapshot(d, last, dst, SK_SYN_SENT, f, NULL);
		snprintf(f->subject, sizeof(f->subject), "connections to %s%s%s", f->remote,
			 f->where[0] ? " in " : r->host_scope ? " (any network namespace)" : "", f->where);
		f->value = (long long)v.failed;
		f->limit = (long long)dst->attempts;
		f->percent = v.percent;
		f->threshold = sev == SEV_CRITICAL ? th->crit : th->warn;
		if (dst->refused && dst->timeout)
			cause = "Refused: nothing listens on that port or a firewall rejects; timed out: a firewall drops "
				"the SYNs, a route is missing, the host is down or its SYN backlog is full.";
		else if (dst->refused)
			cause = "Refused at once (a reset or an ICMP error): nothing listens on that port, the service "
				"is restarting, or a firewall REJECT rule answers for it.";
		else
			cause = "Timed out (no answer to the SYN and its retries): a firewall DROP rule, a missing "
				"route, a host that is down, or a listener whose SYN backlog is full.";
		snprintf(f->message, sizeof(f->message),
			 "%llu of %llu connection attempts to %s in %.1f s failed (%.0f%%): %llu refused, %llu timed "
			 "out, %llu established. %s The last sample shows %lld in SYN-SENT towards it.",
			 (unsigned long long)v.failed, (unsigned long long)dst->attempts, f->remote, r->window,
			 v.percent, (unsigned long long)dst->refused, (unsigned long long)dst->timeout,
			 (unsigned long long)dst->established, cause, f->rates.syn_sent);
		snprintf(f->advice, sizeof(f->advice),
			 "Test the path and the port (nc -vz), look at firewalls on the way and the listener on the "
			 "peer; see who connects: sockscope -p state syn-sent dst %s; give clients a short connect "
			 "timeout and back-off.",
			 f->remote);
	}
	return 0;
}

int diag_run_rates(struct diag_ctx *d, const struct diag_rates *r, const struct sock_set *last,
		   const struct kernel_facts *k)
{
	int err;

	d->rates = RATES_CHECKED;
	d->window = r->window;
	snprintf(d->rates_source, sizeof(d->rates_source), "%s", r->source ? r->source : "?");
	d->rates_host = r->host_scope;
	d->rates_lost = r->lost;
	d->rates_unattributed = r->unattributed;
	d->rates_evicted = r->dest_evicted;
	d->rates_forgotten = r->conn_evicted;
	if (!(r->window > 0)) {
		diag_rates_skipped(d, "the window was empty");
		return 0;
	}
	err = rule_port_churn(d, r, last, k);
	if (!err)
		err = rule_failing_connects(d, r, last);
	return err;
}

/* ---- report ---- */

static void text_evidence(const struct finding *f, struct obuf *o)
{
	bool any = false;

	obuf_puts(o, "      Evidence:");
	if (f->pid) {
		obuf_printf(o, " pid %d (%s)", (int)f->pid, f->comm);
		any = true;
	} else if (f->uid >= 0) {
		obuf_printf(o, " uid %lld, process not visible", (long long)f->uid);
		any = true;
	}
	if (f->port) {
		obuf_printf(o, "%s local port %u", any ? ";" : "", f->port);
		any = true;
	}
	if (f->remote[0]) {
		obuf_printf(o, "%s remote %s", any ? ";" : "", f->remote);
		any = true;
	}
	obuf_printf(o, "%s value %lld", any ? ";" : "", f->value);
	if (f->limit >= 0)
		obuf_printf(o, " of %lld", f->limit);
	if (f->percent >= 0)
		obuf_printf(o, " (%.0f%%)", f->percent);
	if (f->threshold >= 0)
		obuf_printf(o, ", level %g%s crossed", f->threshold,
			    f->percent >= 0 && rule_percent[f->rule] ? "%" : "");
	if (f->first >= 0)
		obuf_printf(o, "; first sample %lld, change %+lld", f->first, f->value - f->first);
	obuf_putc(o, '\n');
	if (f->rates.set) {
		const struct rate_evidence *r = &f->rates;

		obuf_printf(o, "      In %.1f s%s: %lld attempts, %lld established, %lld refused, %lld timed out, %lld "
			       "closed first",
			    r->window, r->host_scope ? " (every namespace)" : "", r->attempts, r->established,
			    r->refused, r->timeout, r->closed_first);
		if (f->rule == RULE_PORT_CHURN)
			obuf_printf(o, " (%.1f/s, %lld ports held)", r->rate, r->projected);
		obuf_printf(o, "; now %lld TIME-WAIT, %lld SYN-SENT\n", r->time_wait, r->syn_sent);
	}
	for (unsigned i = 0; i < f->nexamples; i++)
		obuf_printf(o, "      %s %s\n", i ? "        " : "e.g.    ", f->examples[i]);
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
			obuf_printf(o, "  [%s] %s\n      %s\n", rule_name(f->rule), f->subject, f->message);
			text_evidence(f, o);
			obuf_printf(o, "      Next: %s\n", f->advice);
		}
	}
	obuf_puts(o, "\nOK:");
	for (int r = 0; r < RULE_MAX; r++)
		if (!rule_hit[r] && (d->rates == RATES_CHECKED || !rule_needs_window((enum rule_id)r)))
			obuf_printf(o, " %s", rule_name((enum rule_id)r));
	obuf_putc(o, '\n');
	if (d->rates == RATES_CHECKED) {
		obuf_printf(o, "Rates: %.1f s watched through the %s, %s", d->window, d->rates_source,
			    d->rates_host ? "every network namespace" : "this network namespace");
		if (d->rates_lost)
			obuf_printf(o, "; %llu events lost, the counts are low", (unsigned long long)d->rates_lost);
		if (d->rates_evicted)
			obuf_printf(o, "; %llu destinations forgotten (too many)", (unsigned long long)d->rates_evicted);
		if (d->rates_forgotten)
			obuf_printf(o, "; %llu connections forgotten (too many open), the counts are low",
				    (unsigned long long)d->rates_forgotten);
		obuf_puts(o, ".\n");
	}
	if (d->unknown[0])
		obuf_printf(o, "Not checked: %s.\n", d->unknown);
	if (d->owners_denied)
		obuf_printf(o, "Note: owners not visible - the open files of %lu process(es) were not readable; their "
			       "sockets are counted by uid instead%s.\n",
			    d->owners_denied, geteuid() ? " (run as root to see them)" : "");
	if (d->rates == RATES_NOT_ASKED)
		obuf_puts(o, "Hint: port-churn and failing-connects judge rates: --window=SECONDS watches connections "
			     "open and close for that long.\n");
	if (d->samples == 1)
		obuf_puts(o, "Hint: one sample shows counts only; --samples 3 --interval 2 also measures growth, "
			     "listen overflows and data that stays stuck.\n");
}

static void json_str(struct obuf *o, const char *s)
{
	str_escape_json(o, s, strlen(s));
}

static void json_finding(const struct finding *f, struct obuf *o)
{
	obuf_printf(o, "{\"rule\":\"%s\",\"severity\":\"%s\",\"subject\":", rule_name(f->rule), severity_name(f->sev));
	json_str(o, f->subject);
	obuf_puts(o, ",\"message\":");
	json_str(o, f->message);
	obuf_puts(o, ",\"advice\":");
	json_str(o, f->advice);
	obuf_printf(o, ",\"evidence\":{\"value\":%lld", f->value);
	if (f->limit >= 0)
		obuf_printf(o, ",\"limit\":%lld", f->limit);
	if (f->percent >= 0)
		obuf_printf(o, ",\"percent\":%.1f", f->percent);
	if (f->threshold >= 0)
		obuf_printf(o, ",\"threshold\":%g", f->threshold);
	if (f->first >= 0)
		obuf_printf(o, ",\"first\":%lld", f->first);
	if (f->pid) {
		obuf_printf(o, ",\"pid\":%d,\"comm\":", (int)f->pid);
		json_str(o, f->comm);
	}
	if (f->uid >= 0)
		obuf_printf(o, ",\"uid\":%lld", (long long)f->uid);
	if (f->port)
		obuf_printf(o, ",\"port\":%u", f->port);
	if (f->remote[0]) {
		obuf_puts(o, ",\"remote\":");
		json_str(o, f->remote);
	}
	if (f->where[0]) {
		obuf_puts(o, ",\"where\":");
		json_str(o, f->where);
	}
	if (f->rates.set) {
		const struct rate_evidence *r = &f->rates;

		obuf_printf(o, ",\"window\":%.3f,\"scope\":\"%s\",\"attempts\":%lld,\"established\":%lld,"
			       "\"refused\":%lld,\"timeout\":%lld,\"closed_first\":%lld,\"time_wait\":%lld,"
			       "\"syn_sent\":%lld",
			    r->window, r->host_scope ? "host" : "netns", r->attempts, r->established, r->refused,
			    r->timeout, r->closed_first, r->time_wait, r->syn_sent);
		if (f->rule == RULE_PORT_CHURN)
			obuf_printf(o, ",\"rate\":%.3f,\"projected\":%lld,\"port_range\":[%lld,%lld]", r->rate,
				    r->projected, r->port_lo, r->port_hi);
	}
	obuf_puts(o, ",\"examples\":[");
	for (unsigned i = 0; i < f->nexamples; i++) {
		if (i)
			obuf_putc(o, ',');
		json_str(o, f->examples[i]);
	}
	obuf_puts(o, "]}}");
}

static void json_rates(const struct diag_ctx *d, struct obuf *o)
{
	switch (d->rates) {
	case RATES_CHECKED:
		obuf_printf(o, ",\"rates\":{\"status\":\"checked\",\"window\":%.3f,\"source\":", d->window);
		json_str(o, d->rates_source);
		obuf_printf(o, ",\"scope\":\"%s\",\"lost\":%llu,\"unattributed\":%llu,\"evicted\":%llu,"
			       "\"forgotten\":%llu}",
			    d->rates_host ? "host" : "netns", (unsigned long long)d->rates_lost,
			    (unsigned long long)d->rates_unattributed, (unsigned long long)d->rates_evicted,
			    (unsigned long long)d->rates_forgotten);
		break;
	case RATES_SKIPPED:
		obuf_puts(o, ",\"rates\":{\"status\":\"skipped\",\"reason\":");
		json_str(o, d->rates_why);
		obuf_putc(o, '}');
		break;
	case RATES_NOT_ASKED:
		obuf_puts(o, ",\"rates\":{\"status\":\"not asked\",\"reason\":\"no --window\"}");
		break;
	}
}

void diag_render(const struct diag_ctx *d, enum format fmt, bool color, struct obuf *o)
{
	switch (fmt) {
	case FMT_JSON:
	case FMT_JSONL:
		obuf_printf(o, "{\"status\":\"%s\",\"exit\":%d,\"sockets\":%lu,\"samples\":%u,\"interval\":%g,"
			       "\"findings\":[",
			    severity_name(d->worst), (int)d->worst, d->sockets, d->samples, d->interval);
		for (size_t i = 0; i < d->n; i++) {
			if (i)
				obuf_putc(o, ',');
			json_finding(&d->f[i], o);
		}
		obuf_puts(o, "],\"unchecked\":");
		json_str(o, d->unknown);
		json_rates(d, o);
		obuf_printf(o, ",\"owners_not_visible\":%lu}\n", d->owners_denied);
		break;
	case FMT_PROM:
		obuf_printf(o, "# HELP sockscope_check_result Overall result: 0 ok, 1 warning, 2 critical.\n"
			       "# TYPE sockscope_check_result gauge\n"
			       "sockscope_check_result %d\n",
			    (int)d->worst);
		obuf_puts(o, "# HELP sockscope_check_status Worst severity per rule: 0 ok, 1 warning, 2 critical.\n"
			     "# TYPE sockscope_check_status gauge\n");
		for (int r = 0; r < RULE_MAX; r++) {
			int worst = 0;

			if (rule_needs_window((enum rule_id)r) && d->rates != RATES_CHECKED)
				continue;
			for (size_t i = 0; i < d->n; i++)
				if ((int)d->f[i].rule == r && (int)d->f[i].sev > worst)
					worst = (int)d->f[i].sev;
			obuf_printf(o, "sockscope_check_status{rule=\"%s\"} %d\n", rule_name((enum rule_id)r), worst);
		}
		obuf_puts(o, "# HELP sockscope_check_findings Findings per rule.\n"
			     "# TYPE sockscope_check_findings gauge\n");
		for (int r = 0; r < RULE_MAX; r++) {
			unsigned long n = 0;

			if (rule_needs_window((enum rule_id)r) && d->rates != RATES_CHECKED)
				continue;
			for (size_t i = 0; i < d->n; i++)
				n += (int)d->f[i].rule == r;
			obuf_printf(o, "sockscope_check_findings{rule=\"%s\"} %lu\n", rule_name((enum rule_id)r), n);
		}
		obuf_puts(o, "# HELP sockscope_check_value Largest value behind a finding per rule (count, percent "
			     "or bytes; 0 without findings).\n# TYPE sockscope_check_value gauge\n");
		for (int r = 0; r < RULE_MAX; r++) {
			long long v = 0;

			if (rule_needs_window((enum rule_id)r) && d->rates != RATES_CHECKED)
				continue;
			for (size_t i = 0; i < d->n; i++)
				if ((int)d->f[i].rule == r && d->f[i].value > v)
					v = d->f[i].value;
			obuf_printf(o, "sockscope_check_value{rule=\"%s\"} %lld\n", rule_name((enum rule_id)r), v);
		}
		break;
	default:
		text_report(d, color, o);
	}
}
