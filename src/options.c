// SPDX-License-Identifier: MIT
/*
 * options: the one option table.  Every option sockscope knows is one entry
 * of opt_table below (long name, short letter, argument, completion values,
 * the commands that accept it, one line of help).  From it come the
 * getopt_long arrays (built at parse time on the stack), the --help text of
 * each command and the machine-readable --list-options that the completions
 * and the man page are checked against (tests/integration/docs-sync.sh).
 * Parsing validates every value, never prints and never exits: an error is
 * one line in the caller's buffer.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kind.h"
#include "options.h"

enum opt_arg { OA_NONE, OA_REQUIRED, OA_OPTIONAL };

/* Command masks. */
enum {
	C_LIST = 1u << CMD_LIST,
	C_TOP = 1u << CMD_TOP,
	C_EXPLAIN = 1u << CMD_EXPLAIN,
	C_CHECK = 1u << CMD_CHECK,
	C_EVENTS = 1u << CMD_EVENTS,
	C_EXPORTER = 1u << CMD_EXPORTER,
	C_KILL = 1u << CMD_KILL,
	C_SOCK = C_LIST | C_TOP | C_CHECK | C_KILL, /* everything that reads sockets */
	C_SHOW = C_LIST | C_TOP | C_KILL,           /* everything that shows a table of sockets */
	C_ALL = C_SOCK | C_EXPLAIN | C_EVENTS | C_EXPORTER,
};

enum opt_id {
	OPT_TCP,
	OPT_UDP,
	OPT_RAW,
	OPT_UNIX,
	OPT_PACKET,
	OPT_MPTCP,
	OPT_QUERY,
	OPT_FAMILY,
	OPT_IPV4,
	OPT_IPV6,
	OPT_LISTENING,
	OPT_ALL,
	OPT_NUMERIC,
	OPT_RESOLVE,
	OPT_NO_HEADER,
	OPT_NO_LEGEND,
	OPT_PROCESSES,
	OPT_EXTENDED,
	OPT_OPTIONS,
	OPT_INFO,
	OPT_MEMORY,
	OPT_SUMMARY,
	OPT_ONELINE,
	OPT_INET_SOCKOPT,
	OPT_THREADS,
	OPT_NET,
	OPT_ALL_NETNS,
	OPT_HOST_ROOT,
	OPT_CGROUP_ROOT,
	OPT_BACKEND,
	OPT_PROC_ROOT,
	OPT_RECORD,
	OPT_REPLAY,
	OPT_FORMAT,
	OPT_JSON,
	OPT_COLUMNS,
	OPT_LIST_COLUMNS,
	OPT_SORT,
	OPT_GROUP_BY,
	OPT_COLOR,
	OPT_WATCH,
	OPT_EVENTS,
	OPT_DELAY,
	OPT_SAMPLES,
	OPT_INTERVAL,
	OPT_THRESHOLD,
	OPT_WINDOW,
	OPT_SOURCE,
	OPT_LIFETIMES,
	OPT_EV_COUNT,
	OPT_DURATION,
	OPT_MOUNT_TRACEFS,
	OPT_TP_READER,
	OPT_NO_EVENTS,
	OPT_WEB_LISTEN,
	OPT_WEB_PATH,
	OPT_WEB_CONFIG,
	OPT_WEB_SYSTEMD,
	OPT_WEB_MAXCONN,
	OPT_KILL,
	OPT_YES,
	OPT_DRY_RUN,
	OPT_HELP,
	OPT_VERSION,
	OPT_LIST_OPTIONS,
	OPT_COUNT
};

/*
 * values: for completion.  Space-separated words are the accepted values of
 * an enumeration; a word starting with '@' names a kind instead: @file,
 * @dir, @netns (a name under /run/netns or a path), @columns (a
 * comma-separated list of --list-columns names).  NULL: nothing to offer.
 */
struct opt_def {
	const char *name;
	char short_name;
	enum opt_arg arg;
	const char *argname;
	const char *values;
	unsigned cmds;
	const char *help;
};

static const struct opt_def opt_table[OPT_COUNT] = {
	[OPT_TCP] = {"tcp", 't', OA_NONE, NULL, NULL, C_SOCK | C_EXPORTER, "TCP sockets (the default when no kind is named)"},
	[OPT_UDP] = {"udp", 'u', OA_NONE, NULL, NULL, C_SOCK | C_EXPORTER, "UDP sockets"},
	[OPT_RAW] = {"raw", 'w', OA_NONE, NULL, NULL, C_SOCK | C_EXPORTER, "raw IP sockets"},
	[OPT_UNIX] = {"unix", 'x', OA_NONE, NULL, NULL, C_SOCK | C_EXPORTER, "UNIX domain sockets"},
	[OPT_PACKET] = {"packet", '0', OA_NONE, NULL, NULL, C_SOCK | C_EXPORTER, "packet sockets (AF_PACKET)"},
	[OPT_MPTCP] = {"mptcp", 'M', OA_NONE, NULL, NULL, C_SOCK | C_EXPORTER, "MPTCP sockets (their TCP subflows with -t)"},
	[OPT_QUERY] = {"query", 'A', OA_REQUIRED, "QUERY", KINDS_QUERY_WORDS, C_SOCK | C_EXPORTER,
		       "kinds as ss names them: all, inet, udp, unix, ..."},
	[OPT_FAMILY] = {"family", 0, OA_REQUIRED, "FAMILY", "inet inet6 unix link netlink", C_SOCK | C_EXPORTER,
			"sockets of this family (-f takes these too)"},
	[OPT_IPV4] = {"ipv4", '4', OA_NONE, NULL, NULL, C_SOCK | C_EVENTS | C_EXPORTER,
		      "IPv4 sockets only (with -6: both, the default)"},
	[OPT_IPV6] = {"ipv6", '6', OA_NONE, NULL, NULL, C_SOCK | C_EVENTS | C_EXPORTER,
		      "IPv6 sockets only (with -4: both, the default)"},
	[OPT_LISTENING] = {"listening", 'l', OA_NONE, NULL, NULL, C_SOCK, "only listening sockets (LISTEN)"},
	[OPT_ALL] = {"all", 'a', OA_NONE, NULL, NULL, C_SOCK, "sockets in every state (the default)"},
	[OPT_NUMERIC] = {"numeric", 'n', OA_NONE, NULL, NULL, C_SOCK | C_EVENTS,
			 "show port numbers, not service names"},
	[OPT_RESOLVE] = {"resolve", 'r', OA_NONE, NULL, NULL, C_SOCK, "resolve addresses to host names"},
	[OPT_NO_HEADER] = {"no-header", 'H', OA_NONE, NULL, NULL, C_SOCK | C_EVENTS,
			   "do not print the header line"},
	[OPT_NO_LEGEND] = {"no-legend", 0, OA_NONE, NULL, NULL, C_LIST,
			   "do not print the state legend under the table"},
	[OPT_PROCESSES] = {"processes", 'p', OA_NONE, NULL, NULL, C_SOCK | C_EXPORTER, "show the processes owning each socket"},
	[OPT_EXTENDED] = {"extended", 'e', OA_NONE, NULL, NULL, C_SOCK,
			  "show user, inode, cookie, interface and shutdown"},
	[OPT_OPTIONS] = {"options", 'o', OA_NONE, NULL, NULL, C_SOCK,
			 "show the timer, its remaining time and retransmits"},
	[OPT_INFO] = {"info", 'i', OA_NONE, NULL, NULL, C_SOCK, "show TCP internals (tcp_info: RTT, cwnd, ...)"},
	[OPT_MEMORY] = {"memory", 'm', OA_NONE, NULL, NULL, C_SOCK, "show socket memory"},
	[OPT_SUMMARY] = {"summary", 's', OA_NONE, NULL, NULL, C_SOCK, "show counts per state and family"},
	[OPT_ONELINE] = {"oneline", 'O', OA_NONE, NULL, NULL, C_SHOW,
			 "one line: details as name:value words, like ss -O"},
	[OPT_INET_SOCKOPT] = {"inet-sockopt", 0, OA_NONE, NULL, NULL, C_SHOW,
			      "show the inet socket options set (the sockopt column)"},
	[OPT_THREADS] = {"threads", 'T', OA_NONE, NULL, NULL, C_SHOW,
			 "show the threads holding each socket (implies -p)"},
	[OPT_NET] = {"net", 'N', OA_REQUIRED, "NAME|PATH", "@netns", C_SOCK | C_EVENTS | C_EXPORTER,
		     "inspect another network namespace (name or path)"},
	[OPT_ALL_NETNS] = {"all-netns", 0, OA_NONE, NULL, NULL, C_SOCK | C_EXPORTER,
			   "every network namespace, with a where column"},
	[OPT_HOST_ROOT] = {"host-root", 0, OA_REQUIRED, "DIR", "@dir", C_SOCK | C_EXPORTER,
			   "the host's tree: name files, and DIR/proc if a procfs"},
	[OPT_CGROUP_ROOT] = {"cgroup-root", 0, OA_REQUIRED, "DIR", "@dir", C_SOCK | C_EXPORTER,
			     "the cgroup v2 mount (default: found in mountinfo)"},
	[OPT_BACKEND] = {"backend", 0, OA_REQUIRED, "WHICH", "auto netlink proc", C_SOCK | C_EXPORTER,
			 "auto (netlink, else /proc), netlink or proc"},
	[OPT_PROC_ROOT] = {"proc-root", 0, OA_REQUIRED, "DIR", "@dir", C_SOCK,
			   "read DIR/net/tcp{,6} (implies --backend=proc)"},
	[OPT_RECORD] = {"record", 0, OA_REQUIRED, "FILE", "@file", C_SOCK, "save the raw netlink dump to FILE"},
	[OPT_REPLAY] = {"replay", 0, OA_REQUIRED, "FILE", "@file", C_SOCK,
			"read sockets from a dump saved with --record"},
	[OPT_FORMAT] = {"format", 'f', OA_REQUIRED, "FORMAT", "table json jsonl csv prom", C_SOCK | C_EVENTS,
			"table, json, jsonl, csv or prom (or an ss family)"},
	[OPT_JSON] = {"json", 'J', OA_NONE, NULL, NULL, C_SOCK, "same as --format=json"},
	[OPT_COLUMNS] = {"columns", 0, OA_REQUIRED, "LIST", "@columns", C_SOCK,
			 "columns to show, comma-separated (--list-columns)"},
	[OPT_LIST_COLUMNS] = {"list-columns", 0, OA_NONE, NULL, NULL, C_ALL, "list the columns and exit"},
	[OPT_SORT] = {"sort", 0, OA_REQUIRED, "KEY[,KEY...]", "@columns", C_SOCK,
		      "sort by these columns; a leading - sorts descending"},
	[OPT_GROUP_BY] = {"group-by", 0, OA_REQUIRED, "KEY", "state process local-port remote-host remote netns container pod unit",
			  C_SOCK, "counts per state, process, port, peer, netns, pod..."},
	[OPT_COLOR] = {"color", 0, OA_OPTIONAL, "WHEN", "auto always never", C_ALL,
		       "colorize: auto, always or never (no WHEN: always)"},
	[OPT_WATCH] = {"watch", 0, OA_REQUIRED, "SECONDS", NULL, C_LIST, "repeat the listing every SECONDS"},
	[OPT_EVENTS] = {"events", 'E', OA_NONE, NULL, NULL, C_LIST | C_TOP,
			"the events command (with --watch: a line per change)"},
	[OPT_DELAY] = {"delay", 'd', OA_REQUIRED, "SECONDS", NULL, C_TOP,
		       "seconds between refreshes, e.g. 0.5 (default 1)"},
	[OPT_SAMPLES] = {"samples", 0, OA_REQUIRED, "N", NULL, C_CHECK, "take N samples (default 1)"},
	[OPT_INTERVAL] = {"interval", 0, OA_REQUIRED, "SECONDS", NULL, C_CHECK, "seconds between samples (default 1)"},
	[OPT_THRESHOLD] = {"threshold", 0, OA_REQUIRED, "RULE=WARN[:CRIT]", NULL, C_CHECK | C_EXPORTER,
			   "set a rule's warning and critical levels (repeatable)"},
	[OPT_WINDOW] = {"window", 0, OA_REQUIRED, "SECONDS", NULL, C_CHECK,
			"watch connections for SECONDS: the rate rules"},
	[OPT_SOURCE] = {"source", 0, OA_REQUIRED, "WHICH", "auto tracepoint destroy poll",
			C_EVENTS | C_LIST | C_TOP | C_EXPORTER,
			"auto (best first), tracepoint, destroy or poll"},
	[OPT_LIFETIMES] = {"lifetimes", 0, OA_NONE, NULL, NULL, C_EVENTS,
			   "one record per ended connection instead of per transition"},
	[OPT_EV_COUNT] = {"count", 0, OA_REQUIRED, "N", NULL, C_EVENTS, "stop after N records"},
	[OPT_DURATION] = {"duration", 0, OA_REQUIRED, "SECONDS", NULL, C_EVENTS, "stop after SECONDS"},
	[OPT_MOUNT_TRACEFS] = {"mount-tracefs", 0, OA_NONE, NULL, NULL, C_EVENTS | C_LIST | C_CHECK | C_TOP | C_EXPORTER,
			       "mount tracefs at /sys/kernel/tracing if missing"},
	[OPT_TP_READER] = {"tracepoint-reader", 0, OA_REQUIRED, "WHICH", "auto ftrace perf",
			   C_EVENTS | C_LIST | C_CHECK | C_TOP | C_EXPORTER,
			   "ftrace, perf, or auto (ftrace, else perf)"},
	[OPT_NO_EVENTS] = {"no-events", 0, OA_NONE, NULL, NULL, C_EXPORTER,
			   "no transition counters: open no event source (as --source=poll)"},
	[OPT_WEB_LISTEN] = {"web.listen-address", 0, OA_REQUIRED, "[HOST]:PORT", NULL, C_EXPORTER,
			    "listen here (repeatable; default :9877)"},
	[OPT_WEB_PATH] = {"web.telemetry-path", 0, OA_REQUIRED, "PATH", NULL, C_EXPORTER,
			  "serve metrics at PATH (default /metrics)"},
	[OPT_WEB_CONFIG] = {"web.config.file", 0, OA_REQUIRED, "FILE", "@file", C_EXPORTER,
			    "TLS and basic auth, as the exporter toolkit"},
	[OPT_WEB_SYSTEMD] = {"web.systemd-socket", 0, OA_NONE, NULL, NULL, C_EXPORTER,
			     "use the sockets systemd passes (socket activation)"},
	[OPT_WEB_MAXCONN] = {"web.max-connections", 0, OA_REQUIRED, "N", NULL, C_EXPORTER,
			     "connections served at once per socket (default 64)"},
	[OPT_KILL] = {"kill", 'K', OA_NONE, NULL, NULL, C_LIST | C_KILL,
		      "the kill command: end the matching sockets"},
	[OPT_YES] = {"yes", 0, OA_NONE, NULL, NULL, C_KILL, "kill without asking"},
	[OPT_DRY_RUN] = {"dry-run", 0, OA_NONE, NULL, NULL, C_KILL, "show what would be killed, kill nothing"},
	[OPT_HELP] = {"help", 'h', OA_NONE, NULL, NULL, C_ALL, "show this help and exit"},
	[OPT_VERSION] = {"version", 'V', OA_NONE, NULL, NULL, C_ALL, "show the version and exit"},
	[OPT_LIST_OPTIONS] = {"list-options", 0, OA_NONE, NULL, NULL, C_ALL,
			      "list every option, machine-readable, and exit"},
};

static const char *const command_names[] = {
	[CMD_LIST] = "list",
	[CMD_TOP] = "top",
	[CMD_EXPLAIN] = "explain",
	[CMD_CHECK] = "check",
	[CMD_EXPORTER] = "exporter",
	[CMD_EVENTS] = "events",
	[CMD_KILL] = "kill",
};
#define NCOMMANDS (sizeof(command_names) / sizeof(command_names[0]))

/* getopt_long returns OPT_VAL_BASE + id for every long option. */
#define OPT_VAL_BASE 256
/* Upper bound for SECONDS values: a year. */
#define SECONDS_MAX (365.0 * 86400.0)
#define SAMPLES_MAX 16UL /* DIAG_SAMPLES_MAX: check keeps every sample */

static int set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int id_from_short(int c)
{
	if (c <= 0 || c >= OPT_VAL_BASE)
		return -1;
	for (int i = 0; i < OPT_COUNT; i++)
		if (opt_table[i].short_name == c)
			return i;
	return -1;
}

/* "a, b or c" from a space-separated list, into buf. */
static const char *values_text(const char *values, char *buf, size_t len)
{
	size_t n = 0, words = 1, seen = 0;
	const char *p;

	for (p = values; *p; p++)
		words += *p == ' ';
	buf[0] = 0;
	for (p = values; *p && n + 1 < len;) {
		size_t w = strcspn(p, " ");
		const char *sep = seen == 0 ? "" : seen + 1 == words ? " or " : ", ";
		int k = snprintf(buf + n, len - n, "%s%.*s", sep, (int)w, p);

		if (k < 0)
			break;
		n += (size_t)k < len - n ? (size_t)k : len - n - 1;
		seen++;
		p += w;
		while (*p == ' ')
			p++;
	}
	return buf;
}

/* Index of word in a space-separated list, or -1.  Exact match. */
static int values_index(const char *values, const char *word)
{
	size_t wl = strlen(word);
	int idx = 0;

	for (const char *p = values; *p; idx++) {
		size_t w = strcspn(p, " ");

		if (w == wl && !strncmp(p, word, w))
			return idx;
		p += w;
		while (*p == ' ')
			p++;
	}
	return -1;
}

static int parse_enum(int id, const char *arg, int *ret, char *err, size_t errlen)
{
	char buf[160];
	int idx = values_index(opt_table[id].values, arg);

	if (idx < 0)
		return set_err(err, errlen, "invalid value '%s' for --%s (expected %s)", arg, opt_table[id].name,
			       values_text(opt_table[id].values, buf, sizeof(buf)));
	*ret = idx;
	return 0;
}

static int parse_seconds(int id, const char *arg, double *ret, char *err, size_t errlen)
{
	char *end = (char *)arg;
	double v;

	errno = 0;
	v = *arg == '.' || (*arg >= '0' && *arg <= '9') ? strtod(arg, &end) : -1.0;
	if (v < 0 || *end || errno || !isfinite(v) || v <= 0 || v > SECONDS_MAX)
		return set_err(err, errlen, "invalid value '%s' for --%s (expected a number of seconds > 0, e.g. 0.5)",
			       arg, opt_table[id].name);
	*ret = v;
	return 0;
}

static int parse_count(int id, const char *arg, unsigned *ret, char *err, size_t errlen)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = *arg >= '0' && *arg <= '9' ? strtoul(arg, &end, 10) : 0;
	if (!v || *end || errno || v > SAMPLES_MAX)
		return set_err(err, errlen, "invalid value '%s' for --%s (expected a whole number from 1 to %lu)", arg,
			       opt_table[id].name, SAMPLES_MAX);
	*ret = (unsigned)v;
	return 0;
}

/* A threshold level: a number >= 0, optionally ending in '%'. */
static bool level_ok(const char *s, size_t n)
{
	char buf[64];
	char *end;
	double v;

	if (!n || n >= sizeof(buf) || !(*s == '.' || (*s >= '0' && *s <= '9')))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (buf[n - 1] == '%')
		buf[n - 1] = 0;
	errno = 0;
	v = strtod(buf, &end);
	return !*end && !errno && isfinite(v) && v >= 0 && end != buf;
}

/* RULE=WARN[:CRIT]; the rule names are check's business. */
static int check_threshold(const char *arg, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	const char *colon;
	bool ok = eq && eq != arg;

	for (const char *p = arg; ok && p < eq; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_';
	if (ok) {
		colon = strchr(eq + 1, ':');
		if (colon)
			ok = level_ok(eq + 1, (size_t)(colon - eq - 1)) && level_ok(colon + 1, strlen(colon + 1));
		else
			ok = level_ok(eq + 1, strlen(eq + 1));
	}
	if (!ok)
		return set_err(err, errlen, "invalid value '%s' for --threshold (expected RULE=WARN[:CRIT], e.g. "
			       "close-wait=10:100)", arg);
	return 0;
}

static int parse_uint(int id, const char *arg, unsigned lo, unsigned hi, unsigned *ret, char *err, size_t errlen)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = *arg >= '0' && *arg <= '9' ? strtoul(arg, &end, 10) : 0;
	if (!v || *end || errno || v < lo || v > hi)
		return set_err(err, errlen, "invalid value '%s' for --%s (expected a whole number from %u to %u)", arg,
			       opt_table[id].name, lo, hi);
	*ret = (unsigned)v;
	return 0;
}

static int nonempty(int id, const char *arg, char *err, size_t errlen)
{
	if (!*arg)
		return set_err(err, errlen, "invalid value '' for --%s (expected %s)", opt_table[id].name,
			       opt_table[id].argname);
	return 0;
}

static void options_defaults(struct options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->cmd = CMD_LIST;
	opt->format = FMT_TABLE;
	opt->color = COLOR_AUTO;
	opt->backend = BACKEND_AUTO;
	opt->families = COLLECT_INET4 | COLLECT_INET6;
	opt->proc_root = "/proc";
	opt->group = GROUP_NONE;
	opt->interval = 1.0;
	opt->samples = 1;
}

/* ss's family words (-f, --family): the kinds and IP families they select. */
static int apply_family(struct options *opt, const char *arg, uint8_t *fam, char *err, size_t errlen)
{
	static const struct {
		const char *word;
		const char *query;
		uint8_t fam;
	} fams[] = {
		{ "inet", "inet", COLLECT_INET4 }, { "inet6", "inet", COLLECT_INET6 }, { "unix", "unix", 0 },
		{ "link", "packet", 0 },            { "netlink", "netlink", 0 },
	};

	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		if (strcmp(arg, fams[i].word))
			continue;
		*fam |= fams[i].fam;
		return kinds_query(fams[i].query, &opt->kinds, opt->subtypes, err, errlen);
	}
	return set_err(err, errlen, "invalid value '%s' for --family (expected inet, inet6, unix, link or netlink)",
		       arg);
}

/* Applies one option.  Returns 0 or -EINVAL with err set. */
static int apply(struct options *opt, int id, const char *arg, uint8_t *fam, bool *kill_alias, char *err,
		 size_t errlen)
{
	int v = 0, r = 0;

	switch ((enum opt_id)id) {
	case OPT_TCP:
		opt->kinds |= KIND_BIT(KIND_TCP);
		break;
	case OPT_UDP:
		opt->kinds |= KIND_BIT(KIND_UDP);
		break;
	case OPT_RAW:
		opt->kinds |= KIND_BIT(KIND_RAW);
		break;
	case OPT_UNIX:
		r = kinds_query("unix", &opt->kinds, opt->subtypes, err, errlen);
		break;
	case OPT_PACKET:
		r = kinds_query("packet", &opt->kinds, opt->subtypes, err, errlen);
		break;
	case OPT_MPTCP:
		opt->kinds |= KIND_BIT(KIND_MPTCP);
		break;
	case OPT_QUERY:
		r = nonempty(id, arg, err, errlen);
		if (!r)
			r = kinds_query(arg, &opt->kinds, opt->subtypes, err, errlen);
		break;
	case OPT_FAMILY:
		r = apply_family(opt, arg, fam, err, errlen);
		break;
	case OPT_IPV4:
		*fam |= COLLECT_INET4;
		break;
	case OPT_IPV6:
		*fam |= COLLECT_INET6;
		break;
	case OPT_LISTENING:
		opt->listening = true;
		break;
	case OPT_ALL:
		opt->all = true;
		break;
	case OPT_NUMERIC:
		opt->numeric = true;
		break;
	case OPT_RESOLVE:
		opt->resolve = true;
		break;
	case OPT_NO_HEADER:
		opt->no_header = true;
		break;
	case OPT_NO_LEGEND:
		opt->no_legend = true;
		break;
	case OPT_PROCESSES:
		opt->processes = true;
		break;
	case OPT_EXTENDED:
		opt->extended = true;
		break;
	case OPT_OPTIONS:
		opt->timers = true;
		break;
	case OPT_INFO:
		opt->info = true;
		break;
	case OPT_MEMORY:
		opt->memory = true;
		break;
	case OPT_SUMMARY:
		opt->summary = true;
		break;
	case OPT_ONELINE:
		opt->oneline = true;
		break;
	case OPT_INET_SOCKOPT:
		opt->inet_sockopt = true;
		break;
	case OPT_THREADS:
		opt->threads = true;
		opt->processes = true;
		break;
	case OPT_KILL:
		*kill_alias = true;
		break;
	case OPT_YES:
		opt->yes = true;
		break;
	case OPT_DRY_RUN:
		opt->dry_run = true;
		break;
	case OPT_NET:
		r = nonempty(id, arg, err, errlen);
		opt->netns = arg;
		break;
	case OPT_ALL_NETNS:
		opt->all_netns = true;
		break;
	case OPT_HOST_ROOT:
		r = nonempty(id, arg, err, errlen);
		opt->host_root = arg;
		break;
	case OPT_CGROUP_ROOT:
		r = nonempty(id, arg, err, errlen);
		opt->cgroup_root = arg;
		break;
	case OPT_BACKEND:
		r = parse_enum(id, arg, &v, err, errlen);
		opt->backend = v == 1 ? BACKEND_NETLINK : v == 2 ? BACKEND_PROC : BACKEND_AUTO;
		break;
	case OPT_PROC_ROOT:
		r = nonempty(id, arg, err, errlen);
		opt->proc_root = arg;
		break;
	case OPT_RECORD:
		r = nonempty(id, arg, err, errlen);
		opt->record = arg;
		break;
	case OPT_REPLAY:
		r = nonempty(id, arg, err, errlen);
		opt->replay = arg;
		break;
	case OPT_FORMAT:
		/* the values are listed in enum format order; -f also takes
		 * ss's family words (-f inet, -f unix), which no format shares */
		r = parse_enum(id, arg, &v, err, errlen);
		if (!r)
			opt->format = (enum format)v;
		else if (apply_family(opt, arg, fam, NULL, 0) == 0)
			r = 0;
		break;
	case OPT_JSON:
		opt->format = FMT_JSON;
		break;
	case OPT_COLUMNS:
		r = nonempty(id, arg, err, errlen);
		opt->columns = arg;
		break;
	case OPT_LIST_COLUMNS:
		opt->list_columns = true;
		break;
	case OPT_SORT:
		r = nonempty(id, arg, err, errlen);
		opt->sort = arg;
		break;
	case OPT_GROUP_BY:
		/* the values are listed in enum group_by order, after GROUP_NONE */
		r = parse_enum(id, arg, &v, err, errlen);
		opt->group = (enum group_by)(v + 1);
		break;
	case OPT_COLOR:
		if (!arg) {
			opt->color = COLOR_ALWAYS;
			break;
		}
		r = parse_enum(id, arg, &v, err, errlen);
		opt->color = (enum color_mode)v;
		break;
	case OPT_WATCH:
		r = parse_seconds(id, arg, &opt->watch, err, errlen);
		break;
	case OPT_EVENTS:
		opt->events = true;
		break;
	case OPT_DELAY:
	case OPT_INTERVAL:
		r = parse_seconds(id, arg, &opt->interval, err, errlen);
		break;
	case OPT_SAMPLES:
		r = parse_count(id, arg, &opt->samples, err, errlen);
		break;
	case OPT_THRESHOLD:
		r = check_threshold(arg, err, errlen);
		if (!r && opt->nthresholds >= sizeof(opt->thresholds) / sizeof(opt->thresholds[0]))
			r = set_err(err, errlen, "too many --threshold options (at most %zu)",
				    sizeof(opt->thresholds) / sizeof(opt->thresholds[0]));
		if (!r)
			opt->thresholds[opt->nthresholds++] = arg;
		break;
	case OPT_WINDOW:
		r = parse_seconds(id, arg, &opt->window, err, errlen);
		break;
	case OPT_SOURCE:
		r = parse_enum(id, arg, &v, err, errlen);
		opt->ev_source = (enum ev_source)v; /* the values are listed in enum ev_source order */
		break;
	case OPT_LIFETIMES:
		opt->lifetimes = true;
		break;
	case OPT_EV_COUNT: {
		char *end;
		unsigned long long n;

		errno = 0;
		n = *arg >= '0' && *arg <= '9' ? strtoull(arg, &end, 10) : 0;
		if (!n || *end || errno || n > ULONG_MAX)
			r = set_err(err, errlen, "invalid value '%s' for --count (expected a whole number > 0)", arg);
		else
			opt->count = (unsigned long)n;
		break;
	}
	case OPT_DURATION:
		r = parse_seconds(id, arg, &opt->duration, err, errlen);
		break;
	case OPT_MOUNT_TRACEFS:
		opt->mount_tracefs = true;
		break;
	case OPT_TP_READER:
		r = parse_enum(id, arg, &v, err, errlen);
		opt->tp_reader = (enum ev_reader)v; /* the values are listed in enum ev_reader order */
		break;
	case OPT_NO_EVENTS:
		opt->ev_source = EVSRC_POLL;
		break;
	case OPT_WEB_LISTEN:
		r = nonempty(id, arg, err, errlen);
		if (!r && opt->nlisten >= sizeof(opt->listen) / sizeof(opt->listen[0]))
			r = set_err(err, errlen, "too many --web.listen-address options (at most %zu)",
				    sizeof(opt->listen) / sizeof(opt->listen[0]));
		if (!r)
			opt->listen[opt->nlisten++] = arg;
		break;
	case OPT_WEB_PATH:
		if (arg[0] != '/')
			r = set_err(err, errlen, "invalid value '%s' for --web.telemetry-path (expected a path "
				    "starting with /)", arg);
		opt->telemetry_path = arg;
		break;
	case OPT_WEB_CONFIG:
		r = nonempty(id, arg, err, errlen);
		opt->web_config = arg;
		break;
	case OPT_WEB_SYSTEMD:
		opt->systemd_socket = true;
		break;
	case OPT_WEB_MAXCONN:
		r = parse_uint(id, arg, 1, 100000, &opt->max_connections, err, errlen);
		break;
	case OPT_HELP:
		opt->help = true;
		break;
	case OPT_VERSION:
		opt->version = true;
		break;
	case OPT_LIST_OPTIONS:
		opt->list_options = true;
		break;
	case OPT_COUNT:
		break;
	}
	return r;
}

static int command_from_word(const char *w)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(w, command_names[i]))
			return (int)i;
	return -1;
}

/* "'list' or 'top'" for a command mask. */
static const char *commands_text(unsigned cmds, char *buf, size_t len)
{
	size_t n = 0, total = 0, seen = 0;

	for (size_t i = 0; i < NCOMMANDS; i++)
		total += (cmds >> i) & 1;
	buf[0] = 0;
	for (size_t i = 0; i < NCOMMANDS && n < len; i++) {
		int k;

		if (!((cmds >> i) & 1))
			continue;
		k = snprintf(buf + n, len - n, "%s'%s'", seen == 0 ? "" : seen + 1 == total ? " or " : ", ",
			     command_names[i]);
		if (k < 0)
			break;
		n += (size_t)k;
		seen++;
	}
	return buf;
}

/* The message for getopt's '?': unknown, ambiguous or an unwanted argument. */
static int unknown_option(const char *word, int optopt_val, char *err, size_t errlen)
{
	char name[64];
	size_t n, matches = 0;
	char list[256];
	size_t ln = 0;

	if (optopt_val >= OPT_VAL_BASE && optopt_val < OPT_VAL_BASE + OPT_COUNT)
		return set_err(err, errlen, "option '--%s' takes no argument",
			       opt_table[optopt_val - OPT_VAL_BASE].name);
	if (optopt_val > 0 && id_from_short(optopt_val) >= 0 && word && !strncmp(word, "--", 2))
		return set_err(err, errlen, "option '--%s' takes no argument",
			       opt_table[id_from_short(optopt_val)].name);
	if (optopt_val > 0)
		return set_err(err, errlen, "unknown option '-%c'", optopt_val);
	if (!word || strncmp(word, "--", 2))
		return set_err(err, errlen, "unknown option '%s'", word ? word : "?");
	n = strcspn(word + 2, "=");
	snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) - 1 ? n : sizeof(name) - 1), word + 2);
	list[0] = 0;
	for (int i = 0; i < OPT_COUNT && n; i++) {
		if (strncmp(opt_table[i].name, word + 2, n))
			continue;
		if (ln < sizeof(list)) {
			int k = snprintf(list + ln, sizeof(list) - ln, "%s--%s", matches ? ", " : "",
					 opt_table[i].name);

			if (k > 0)
				ln += (size_t)k;
		}
		matches++;
	}
	if (matches > 1)
		return set_err(err, errlen, "option '--%s' is ambiguous (could be %s)", name, list);
	return set_err(err, errlen, "unknown option '--%s'", name);
}

int options_parse(int argc, char **argv, struct options *opt, char *err, size_t errlen)
{
	struct option longopts[OPT_COUNT + 1];
	char shortopts[3 + 2 * OPT_COUNT + 1];
	bool seen[OPT_COUNT] = {false};
	size_t sn = 0;
	uint8_t fam = 0;
	bool kill_alias = false;
	int ntrail = 0, cmd = -1, c, r;

	options_defaults(opt);
	if (err && errlen)
		err[0] = 0;
	if (argc < 1 || !argv) {
		opt->argv = argv;
		return 0;
	}

	/* '-': non-options come back in order as code 1; ':': report a missing argument as ':' */
	shortopts[sn++] = '-';
	shortopts[sn++] = ':';
	for (int i = 0; i < OPT_COUNT; i++) {
		longopts[i] = (struct option){
			.name = opt_table[i].name,
			.has_arg = opt_table[i].arg == OA_REQUIRED   ? required_argument
				   : opt_table[i].arg == OA_OPTIONAL ? optional_argument
								     : no_argument,
			.flag = NULL,
			.val = OPT_VAL_BASE + i,
		};
		if (opt_table[i].short_name) {
			shortopts[sn++] = opt_table[i].short_name;
			if (opt_table[i].arg == OA_REQUIRED)
				shortopts[sn++] = ':';
		}
	}
	longopts[OPT_COUNT] = (struct option){0};
	shortopts[sn] = 0;

	opterr = 0;
	optind = 0; /* glibc: a full reset, so that options_parse can run more than once */
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		int id;

		if (c == 1) {
			/* a non-option, in order: the command (first one only) or a trailing argument.
			 * Writing into argv[1 + ntrail] is safe: getopt has already moved past it. */
			if (cmd < 0 && ntrail == 0 && command_from_word(optarg) >= 0) {
				cmd = command_from_word(optarg);
				opt->cmd = (enum command)cmd; /* known even if a later option is bad */
			} else
				argv[1 + ntrail++] = optarg;
			if (cmd < 0)
				cmd = CMD_LIST; /* later words are never commands */
			continue;
		}
		if (c == ':') {
			id = optopt >= OPT_VAL_BASE ? optopt - OPT_VAL_BASE : id_from_short(optopt);
			if (id < 0 || id >= OPT_COUNT)
				return set_err(err, errlen, "an option needs an argument");
			return set_err(err, errlen, "option '--%s' needs an argument", opt_table[id].name);
		}
		if (c == '?')
			return unknown_option(optind > 0 && optind <= argc ? argv[optind - 1] : NULL, optopt, err,
					      errlen);
		id = c >= OPT_VAL_BASE ? c - OPT_VAL_BASE : id_from_short(c);
		if (id < 0 || id >= OPT_COUNT)
			return set_err(err, errlen, "unknown option '-%c'", c);
		r = apply(opt, id, optarg, &fam, &kill_alias, err, errlen);
		if (r < 0)
			return r;
		seen[id] = true;
	}
	/* after "--": everything is a trailing argument */
	for (int i = optind; i < argc; i++)
		argv[1 + ntrail++] = argv[i];

	argv[1 + ntrail] = NULL; /* 1 + ntrail <= argc, and argv[argc] exists */
	opt->cmd = cmd < 0 ? CMD_LIST : (enum command)cmd;
	if (kill_alias && opt->cmd == CMD_LIST)
		opt->cmd = CMD_KILL; /* -K: ss's spelling of the kill command */
	if (seen[OPT_EVENTS] && opt->cmd == CMD_LIST && !seen[OPT_WATCH]) {
		/* -E (ss -E) without --watch: the events command */
		opt->cmd = CMD_EVENTS;
		opt->events = false;
		seen[OPT_EVENTS] = false;
	}
	opt->argc = ntrail;
	opt->argv = argv + 1;
	opt->families = fam ? fam : (COLLECT_INET4 | COLLECT_INET6);
	opt->kinds_named = opt->kinds != 0;
	if (!opt->kinds)
		opt->kinds = KIND_BIT(KIND_TCP); /* the default: TCP in all 11 states */

	for (int i = 0; i < OPT_COUNT; i++) {
		char buf[64];

		if (seen[i] && !(opt_table[i].cmds & (1u << opt->cmd)))
			return set_err(err, errlen, "option '--%s' is only for %s", opt_table[i].name,
				       commands_text(opt_table[i].cmds, buf, sizeof(buf)));
	}
	/* a /proc tree elsewhere means the proc back end, unless one is named */
	if (seen[OPT_PROC_ROOT] && !seen[OPT_BACKEND])
		opt->backend = BACKEND_PROC;
	if (opt->record && opt->replay)
		return set_err(err, errlen, "options '--record' and '--replay' cannot be used together");
	if (opt->all_netns && opt->netns)
		return set_err(err, errlen, "options '--all-netns' and '--net' cannot be used together");
	if (opt->cmd == CMD_KILL && (opt->record || opt->replay || opt->backend == BACKEND_PROC))
		return set_err(err, errlen, "kill acts on live sockets through netlink: '--%s' does not apply",
			       opt->record ? "record" : opt->replay ? "replay" : "backend=proc");
	if (opt->cmd == CMD_KILL && (opt->summary || opt->watch > 0 || opt->group != GROUP_NONE))
		return set_err(err, errlen, "kill shows the sockets it ends as a table: '--%s' does not apply",
			       opt->summary ? "summary" : opt->watch > 0 ? "watch" : "group-by");
	if (opt->all_netns && (opt->record || opt->replay))
		return set_err(err, errlen, "option '--all-netns' cannot be used with '--%s'",
			       opt->record ? "record" : "replay");
	return 0;
}

/* "  -f, --format=FORMAT" without the help text; returns its width. */
static size_t option_left(const struct opt_def *d, char *buf, size_t len)
{
	int k;

	const char *eq = d->arg == OA_OPTIONAL ? "[=" : d->arg == OA_REQUIRED ? "=" : "";

	k = snprintf(buf, len, "  %c%c%c --%s%s%s%s", d->short_name ? '-' : ' ', d->short_name ? d->short_name : ' ',
		     d->short_name ? ',' : ' ', d->name, eq, d->arg != OA_NONE ? d->argname : "",
		     d->arg == OA_OPTIONAL ? "]" : "");
	return k < 0 ? 0 : (size_t)k < len ? (size_t)k : len - 1;
}

#define HELP_LEFT_MAX 30

void options_help(struct obuf *o, enum command cmd)
{
	unsigned bit = 1u << cmd;
	size_t width = 0;
	char left[96];

	switch (cmd) {
	case CMD_LIST:
		obuf_puts(o, "Usage: sockscope [list] [OPTION...] [FILTER]\n"
			     "       sockscope top [OPTION...] [FILTER]\n"
			     "       sockscope explain [STATE...]\n"
			     "       sockscope check [OPTION...] [FILTER]\n"
			     "       sockscope events [OPTION...] [FILTER]\n"
			     "       sockscope exporter [OPTION...] [FILTER]\n"
			     "       sockscope kill [OPTION...] FILTER\n"
			     "\n"
			     "Lists TCP sockets in all 11 states, with their processes and kernel details.\n"
			     "\n"
			     "Commands:\n"
			     "  list      list sockets once (the default)\n"
			     "  top       a live, sortable view of sockets\n"
			     "  explain   what each TCP state means and what a pile of them says\n"
			     "  check     look for trouble (CLOSE-WAIT leaks, full accept queues, ...)\n"
			     "  events    every TCP state transition or connection lifetime, as it happens\n"
			     "  exporter  a Prometheus exporter, with TLS and basic auth\n"
			     "  kill      end the sockets a filter matches (SOCK_DESTROY, like ss -K)\n"
			     "\n"
			     "Filter: ss-like words, e.g. state close-wait '( dport = :443 or sport = :80 )'\n");
		break;
	case CMD_TOP:
		obuf_puts(o, "Usage: sockscope top [OPTION...] [FILTER]\n"
			     "\n"
			     "A live view of TCP sockets.  Keys: arrows, PgUp/PgDn, / filter, s/S sort,\n"
			     "g group, n netid, p owners, i tcp_info, space pause, ? help, q quit.\n");
		break;
	case CMD_EXPLAIN:
		obuf_puts(o, "Usage: sockscope explain [OPTION...] [STATE...]\n"
			     "\n"
			     "Explains the TCP states (all 11 when none is named): who holds each one,\n"
			     "what it means, and what many of them usually say.\n");
		break;
	case CMD_CHECK:
		obuf_puts(o, "Usage: sockscope check [OPTION...] [FILTER]\n"
			     "\n"
			     "Looks for trouble: close-wait, accept-queue, syn-recv, time-wait, orphans,\n"
			     "stuck-data, udp-drops and local-backlog (UNIX listeners).\n"
			     "Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n");
		break;
	case CMD_EVENTS:
		obuf_puts(o, "Usage: sockscope events [OPTION...] [FILTER]\n"
			     "\n"
			     "One record per TCP state transition as it happens (--lifetimes: one per ended\n"
			     "connection), from the sock:inet_sock_set_state tracepoint (perf_event_open,\n"
			     "no eBPF), else the sock_diag destroy groups (closed sockets only), else polling\n"
			     "every 0.1 s.  Formats: table (default), jsonl, csv.  A summary line with the\n"
			     "totals and the lost samples goes to stderr at the end.\n");
		break;
	case CMD_EXPORTER:
		obuf_puts(o, "Usage: sockscope exporter [OPTION...] [FILTER]\n"
			     "\n"
			     "A Prometheus exporter: GET /metrics collects afresh (concurrent scrapes share\n"
			     "one collection) and answers with socket counts per kind, family and state,\n"
			     "check's verdicts, the kernel's limits, listener queues and CLOSE-WAIT per\n"
			     "process.  TLS and basic auth from --web.config.file (exporter toolkit format).\n");
		break;
	case CMD_KILL:
		obuf_puts(o, "Usage: sockscope kill [OPTION...] FILTER\n"
			     "       sockscope -K [OPTION...] FILTER\n"
			     "\n"
			     "Ends the TCP, UDP and raw sockets the filter matches with SOCK_DESTROY (the\n"
			     "kernel needs CONFIG_INET_DIAG_DESTROY, the caller CAP_NET_ADMIN).  Shows them,\n"
			     "then asks on the terminal unless --yes.  A filter is required.\n"
			     "Exit status: 0 all killed (or none matched), 1 none killed, 2 usage error,\n"
			     "4 some killed.\n");
		break;
	}
	obuf_puts(o, "\nOptions:\n");
	for (int i = 0; i < OPT_COUNT; i++) {
		size_t w;

		if (!(opt_table[i].cmds & bit))
			continue;
		w = option_left(&opt_table[i], left, sizeof(left));
		if (w <= HELP_LEFT_MAX && w > width)
			width = w;
	}
	for (int i = 0; i < OPT_COUNT; i++) {
		size_t w;

		if (!(opt_table[i].cmds & bit))
			continue;
		w = option_left(&opt_table[i], left, sizeof(left));
		obuf_puts(o, left);
		if (w > width) {
			obuf_putc(o, '\n');
			obuf_pad(o, ' ', width + 2);
		} else {
			obuf_pad(o, ' ', width + 2 - w);
		}
		obuf_puts(o, opt_table[i].help);
		obuf_putc(o, '\n');
	}
	obuf_puts(o, "\nSee sockscope(8) for filters, columns, output formats and examples.\n");
}

void options_list(struct obuf *o)
{
	for (int i = 0; i < OPT_COUNT; i++) {
		const struct opt_def *d = &opt_table[i];
		bool first = true;

		obuf_puts(o, d->name);
		obuf_putc(o, '\t');
		if (d->short_name)
			obuf_putc(o, d->short_name);
		else
			obuf_putc(o, '-');
		obuf_putc(o, '\t');
		if (d->arg == OA_OPTIONAL)
			obuf_printf(o, "[%s]", d->argname);
		else
			obuf_puts(o, d->arg == OA_REQUIRED ? d->argname : "-");
		obuf_putc(o, '\t');
		obuf_puts(o, d->values ? d->values : "-");
		obuf_putc(o, '\t');
		for (size_t c = 0; c < NCOMMANDS; c++) {
			if (!((d->cmds >> c) & 1))
				continue;
			if (!first)
				obuf_putc(o, ',');
			obuf_puts(o, command_names[c]);
			first = false;
		}
		obuf_putc(o, '\t');
		obuf_puts(o, d->help);
		obuf_putc(o, '\n');
	}
}
