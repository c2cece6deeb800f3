// SPDX-License-Identifier: MIT
/*
 * Unit tests for the option table: every option parses into struct options,
 * trailing filter words survive in order (operators, parentheses, addresses
 * and anything after "--"), command words, value validation with the exact
 * error messages, per-command options, and the shape of --list-options and
 * --help.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

#define MAXARGS 64

struct run {
	char *argv[MAXARGS + 1];
	char store[MAXARGS][128];
	struct options opt;
	char err[256];
	int rc;
};

/* Parses a NULL-terminated word list (without argv[0]) into r. */
static void parse_v(struct run *r, const char *first, va_list ap)
{
	int argc = 0;

	memset(r, 0, sizeof(*r));
	snprintf(r->store[argc], sizeof(r->store[argc]), "sockscope");
	r->argv[argc] = r->store[argc];
	argc++;
	for (const char *w = first; w; w = va_arg(ap, const char *)) {
		assert_true(argc < MAXARGS);
		snprintf(r->store[argc], sizeof(r->store[argc]), "%s", w);
		r->argv[argc] = r->store[argc];
		argc++;
	}
	r->argv[argc] = NULL;
	strcpy(r->err, "untouched");
	r->rc = options_parse(argc, r->argv, &r->opt, r->err, sizeof(r->err));
}

static struct run *ok(const char *first, ...)
{
	static struct run r;
	va_list ap;

	va_start(ap, first);
	parse_v(&r, first, ap);
	va_end(ap);
	if (r.rc != 0)
		fail_msg("unexpected error: %s", r.err);
	return &r;
}

static void expect_err(const char *msg, const char *first, ...)
{
	static struct run r;
	va_list ap;

	va_start(ap, first);
	parse_v(&r, first, ap);
	va_end(ap);
	assert_int_equal(r.rc, -EINVAL);
	assert_string_equal(r.err, msg);
}

static void t_defaults(void **state)
{
	struct run *r = ok(NULL);

	assert_int_equal(r->opt.cmd, CMD_LIST);
	assert_int_equal(r->opt.format, FMT_TABLE);
	assert_int_equal(r->opt.color, COLOR_AUTO);
	assert_int_equal(r->opt.backend, BACKEND_AUTO);
	assert_int_equal(r->opt.families, COLLECT_INET4 | COLLECT_INET6);
	assert_string_equal(r->opt.proc_root, "/proc");
	assert_int_equal(r->opt.group, GROUP_NONE);
	assert_true(r->opt.interval == 1.0);
	assert_true(r->opt.watch == 0.0);
	assert_int_equal(r->opt.samples, 1);
	assert_int_equal(r->opt.nthresholds, 0);
	assert_int_equal(r->opt.argc, 0);
	assert_null(r->opt.columns);
	assert_null(r->opt.sort);
	assert_null(r->opt.netns);
	assert_null(r->opt.record);
	assert_null(r->opt.replay);
	assert_false(r->opt.listening || r->opt.all || r->opt.numeric || r->opt.resolve || r->opt.no_header ||
		     r->opt.processes || r->opt.extended || r->opt.timers || r->opt.info || r->opt.memory ||
		     r->opt.summary || r->opt.no_legend || r->opt.events || r->opt.help || r->opt.version ||
		     r->opt.list_columns || r->opt.list_options);
}

static void t_flags_short(void **state)
{
	struct run *r = ok("-tlanrHpeoims", NULL);

	assert_true(r->opt.listening);
	assert_true(r->opt.all);
	assert_true(r->opt.numeric);
	assert_true(r->opt.resolve);
	assert_true(r->opt.no_header);
	assert_true(r->opt.processes);
	assert_true(r->opt.extended);
	assert_true(r->opt.timers);
	assert_true(r->opt.info);
	assert_true(r->opt.memory);
	assert_true(r->opt.summary);
	assert_int_equal(r->opt.argc, 0);
}

static void t_flags_long(void **state)
{
	struct run *r = ok("--tcp", "--listening", "--all", "--numeric", "--resolve", "--no-header", "--no-legend",
			   "--processes", "--extended", "--options", "--info", "--memory", "--summary", "--events",
			   "--watch=1", "--list-columns", "--list-options", "--help", "--version", NULL);

	assert_true(r->opt.listening && r->opt.all && r->opt.numeric && r->opt.resolve && r->opt.no_header);
	assert_true(r->opt.no_legend && r->opt.processes && r->opt.extended && r->opt.timers && r->opt.info);
	assert_true(r->opt.memory && r->opt.summary && r->opt.events && r->opt.list_columns);
	assert_true(r->opt.list_options && r->opt.help && r->opt.version);
	r = ok("-h", NULL);
	assert_true(r->opt.help);
	r = ok("-V", NULL);
	assert_true(r->opt.version);
}

static void t_families(void **state)
{
	assert_int_equal(ok("-4", NULL)->opt.families, COLLECT_INET4);
	assert_int_equal(ok("--ipv6", NULL)->opt.families, COLLECT_INET6);
	assert_int_equal(ok("-4", "-6", NULL)->opt.families, COLLECT_INET4 | COLLECT_INET6);
	assert_int_equal(ok("-46", NULL)->opt.families, COLLECT_INET4 | COLLECT_INET6);
}

static void t_values(void **state)
{
	struct run *r;

	r = ok("-N", "blue", "--backend=proc", "--proc-root", "/tmp/p", "--record=/tmp/x.dump", "--columns=state,pid",
	       "--sort=-recv_q,local_port", "--group-by=remote-host", NULL);
	assert_string_equal(r->opt.netns, "blue");
	assert_int_equal(r->opt.backend, BACKEND_PROC);
	assert_string_equal(r->opt.proc_root, "/tmp/p");
	assert_string_equal(r->opt.record, "/tmp/x.dump");
	assert_string_equal(r->opt.columns, "state,pid");
	assert_string_equal(r->opt.sort, "-recv_q,local_port");
	assert_int_equal(r->opt.group, GROUP_REMOTE_HOST);
	assert_int_equal(r->opt.argc, 0);

	r = ok("--net=/proc/1/ns/net", "--replay", "saved.dump", "--backend", "netlink", NULL);
	assert_string_equal(r->opt.netns, "/proc/1/ns/net");
	assert_string_equal(r->opt.replay, "saved.dump");
	assert_int_equal(r->opt.backend, BACKEND_NETLINK);
	assert_int_equal(ok("--backend=auto", NULL)->opt.backend, BACKEND_AUTO);
	/* --proc-root implies the proc back end, unless --backend says otherwise */
	assert_int_equal(ok("--proc-root=/x", NULL)->opt.backend, BACKEND_PROC);
	assert_int_equal(ok("--proc-root=/x", "--backend=netlink", NULL)->opt.backend, BACKEND_NETLINK);
	assert_int_equal(ok("--backend=auto", "--proc-root=/x", NULL)->opt.backend, BACKEND_AUTO);
	assert_int_equal(ok("-Nred", NULL)->opt.argc, 0);
}

static void t_enums(void **state)
{
	static const struct {
		const char *arg;
		enum format f;
	} fmts[] = {
		{"table", FMT_TABLE}, {"json", FMT_JSON}, {"jsonl", FMT_JSONL}, {"csv", FMT_CSV}, {"prom", FMT_PROM},
	};
	static const struct {
		const char *arg;
		enum group_by g;
	} groups[] = {{"state", GROUP_STATE},
		      {"process", GROUP_PROCESS},
		      {"local-port", GROUP_LOCAL_PORT},
		      {"remote-host", GROUP_REMOTE_HOST},
		      {"remote", GROUP_REMOTE}};
	char buf[64];

	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		snprintf(buf, sizeof(buf), "--format=%s", fmts[i].arg);
		assert_int_equal(ok(buf, NULL)->opt.format, fmts[i].f);
		assert_int_equal(ok("-f", fmts[i].arg, NULL)->opt.format, fmts[i].f);
	}
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		snprintf(buf, sizeof(buf), "--group-by=%s", groups[i].arg);
		assert_int_equal(ok(buf, NULL)->opt.group, groups[i].g);
	}
	assert_int_equal(ok("-J", NULL)->opt.format, FMT_JSON);
	assert_int_equal(ok("--json", NULL)->opt.format, FMT_JSON);
	assert_int_equal(ok("-J", "-f", "csv", NULL)->opt.format, FMT_CSV); /* the last one wins */
	assert_int_equal(ok("-fprom", NULL)->opt.format, FMT_PROM);
	expect_err("invalid value 'xml' for --format (expected table, json, jsonl, csv or prom)", "--format=xml",
		   NULL);
	expect_err("invalid value 'JSON' for --format (expected table, json, jsonl, csv or prom)", "-f", "JSON",
		   NULL);
	expect_err("invalid value 'js' for --format (expected table, json, jsonl, csv or prom)", "-fjs", NULL);
	expect_err("invalid value 'kernel' for --backend (expected auto, netlink or proc)", "--backend=kernel", NULL);
	expect_err("invalid value 'local_port' for --group-by (expected state, process, local-port, remote-host, "
		   "remote, netns, container, pod or unit)",
		   "--group-by=local_port", NULL);
}

static void t_color(void **state)
{
	struct run *r;

	assert_int_equal(ok("--color", NULL)->opt.color, COLOR_ALWAYS);
	assert_int_equal(ok("--color=always", NULL)->opt.color, COLOR_ALWAYS);
	assert_int_equal(ok("--color=never", NULL)->opt.color, COLOR_NEVER);
	assert_int_equal(ok("--color=auto", NULL)->opt.color, COLOR_AUTO);
	/* an optional argument must be attached: the next word is a filter word */
	r = ok("--color", "never", NULL);
	assert_int_equal(r->opt.color, COLOR_ALWAYS);
	assert_int_equal(r->opt.argc, 1);
	assert_string_equal(r->opt.argv[0], "never");
	expect_err("invalid value 'yes' for --color (expected auto, always or never)", "--color=yes", NULL);
}

static void t_seconds(void **state)
{
	struct run *r;

	r = ok("top", "-d", "0.1", NULL);
	assert_int_equal(r->opt.cmd, CMD_TOP);
	assert_true(r->opt.interval == 0.1);
	assert_true(ok("top", "--delay=2.5", NULL)->opt.interval == 2.5);
	assert_true(ok("top", "-d.5", NULL)->opt.interval == 0.5);
	assert_true(ok("--watch=3", NULL)->opt.watch == 3.0);
	assert_true(ok("--watch", "0.25", NULL)->opt.watch == 0.25);
	expect_err("invalid value '0' for --delay (expected a number of seconds > 0, e.g. 0.5)", "top", "-d", "0",
		   NULL);
	expect_err("invalid value '-1' for --delay (expected a number of seconds > 0, e.g. 0.5)", "top", "-d", "-1",
		   NULL);
	expect_err("invalid value 'nan' for --delay (expected a number of seconds > 0, e.g. 0.5)", "top", "-dnan",
		   NULL);
	expect_err("invalid value 'inf' for --watch (expected a number of seconds > 0, e.g. 0.5)", "--watch=inf",
		   NULL);
	expect_err("invalid value '1e999' for --watch (expected a number of seconds > 0, e.g. 0.5)", "--watch=1e999",
		   NULL);
	expect_err("invalid value '2s' for --watch (expected a number of seconds > 0, e.g. 0.5)", "--watch=2s", NULL);
	expect_err("invalid value '' for --watch (expected a number of seconds > 0, e.g. 0.5)", "--watch=", NULL);
}

static void t_check_options(void **state)
{
	struct run *r;

	r = ok("check", "--samples=5", "--interval", "0.5", "--threshold", "close-wait=10:100",
	       "--threshold=accept-queue=80%:95%", "--threshold=orphans=5", NULL);
	assert_int_equal(r->opt.cmd, CMD_CHECK);
	assert_int_equal(r->opt.samples, 5);
	assert_true(r->opt.interval == 0.5);
	assert_int_equal(r->opt.nthresholds, 3);
	assert_string_equal(r->opt.thresholds[0], "close-wait=10:100");
	assert_string_equal(r->opt.thresholds[1], "accept-queue=80%:95%");
	assert_string_equal(r->opt.thresholds[2], "orphans=5");
	expect_err("invalid value '0' for --samples (expected a whole number from 1 to 16)", "check",
		   "--samples=0", NULL);
	expect_err("invalid value '-3' for --samples (expected a whole number from 1 to 16)", "check",
		   "--samples=-3", NULL);
	expect_err("invalid value 'close-wait' for --threshold (expected RULE=WARN[:CRIT], e.g. close-wait=10:100)",
		   "check", "--threshold=close-wait", NULL);
	expect_err("invalid value 'close-wait=x:1' for --threshold (expected RULE=WARN[:CRIT], e.g. "
		   "close-wait=10:100)",
		   "check", "--threshold=close-wait=x:1", NULL);
	expect_err("invalid value '=1' for --threshold (expected RULE=WARN[:CRIT], e.g. close-wait=10:100)", "check",
		   "--threshold==1", NULL);
}

static void t_threshold_limit(void **state)
{
	static struct run r;
	int argc = 0;

	memset(&r, 0, sizeof(r));
	r.argv[argc++] = strcpy(r.store[0], "sockscope");
	r.argv[argc++] = strcpy(r.store[1], "check");
	for (int i = 0; i < 33; i++) {
		snprintf(r.store[argc], sizeof(r.store[argc]), "--threshold=rule%d=%d", i, i);
		r.argv[argc] = r.store[argc];
		argc++;
	}
	r.rc = options_parse(argc - 1, r.argv, &r.opt, r.err, sizeof(r.err));
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.opt.nthresholds, 32);
	assert_string_equal(r.opt.thresholds[0], "rule0=0");
	assert_string_equal(r.opt.thresholds[31], "rule31=31");
	/* options_parse rearranges argv (trailing words to the front, NULL after them): rebuild it */
	for (int i = 0; i < argc; i++)
		r.argv[i] = r.store[i];
	r.rc = options_parse(argc, r.argv, &r.opt, r.err, sizeof(r.err));
	assert_int_equal(r.rc, -EINVAL);
	assert_string_equal(r.err, "too many --threshold options (at most 32)");
}

static void t_trailing_order(void **state)
{
	static const char *const want[] = {"state", "close-wait", "(",  "dport", "=",  ":443", "or", "sport",
					   ">",     ":1024",      ")",  "!",     "src", "[::1]:80"};
	struct run *r = ok("-t", "state", "close-wait", "-a", "(", "dport", "=", ":443", "or", "-n", "sport", ">",
			   ":1024", ")", "!", "-p", "src", "[::1]:80", NULL);

	assert_int_equal(r->opt.cmd, CMD_LIST);
	assert_true(r->opt.all && r->opt.numeric && r->opt.processes);
	assert_int_equal(r->opt.argc, (int)(sizeof(want) / sizeof(want[0])));
	for (int i = 0; i < r->opt.argc; i++)
		assert_string_equal(r->opt.argv[i], want[i]);
	assert_null(r->opt.argv[r->opt.argc]); /* argv stays NULL-terminated */
}

static void t_double_dash(void **state)
{
	struct run *r = ok("-n", "sport", "--", "-p", "--foo", "top", NULL);

	assert_true(r->opt.numeric);
	assert_false(r->opt.processes);
	assert_int_equal(r->opt.cmd, CMD_LIST);
	assert_int_equal(r->opt.argc, 4);
	assert_string_equal(r->opt.argv[0], "sport");
	assert_string_equal(r->opt.argv[1], "-p");
	assert_string_equal(r->opt.argv[2], "--foo");
	assert_string_equal(r->opt.argv[3], "top");

	/* "--" first: a command word after it is a filter word */
	r = ok("--", "top", NULL);
	assert_int_equal(r->opt.cmd, CMD_LIST);
	assert_int_equal(r->opt.argc, 1);
	assert_string_equal(r->opt.argv[0], "top");

	/* a lone "-" is an argument, not an option */
	r = ok("-", NULL);
	assert_int_equal(r->opt.argc, 1);
	assert_string_equal(r->opt.argv[0], "-");
}

static void t_commands(void **state)
{
	struct run *r;

	assert_int_equal(ok("list", NULL)->opt.cmd, CMD_LIST);
	assert_int_equal(ok("list", NULL)->opt.argc, 0);
	assert_int_equal(ok("top", NULL)->opt.cmd, CMD_TOP);
	assert_int_equal(ok("check", NULL)->opt.cmd, CMD_CHECK);
	r = ok("explain", "close-wait", "TIME_WAIT", NULL);
	assert_int_equal(r->opt.cmd, CMD_EXPLAIN);
	assert_int_equal(r->opt.argc, 2);
	assert_string_equal(r->opt.argv[0], "close-wait");
	assert_string_equal(r->opt.argv[1], "TIME_WAIT");
	/* options may come before the command word */
	r = ok("-d", "2", "top", "state", "listen", NULL);
	assert_int_equal(r->opt.cmd, CMD_TOP);
	assert_true(r->opt.interval == 2.0);
	assert_int_equal(r->opt.argc, 2);
	/* only the first non-option is a command */
	r = ok("state", "top", NULL);
	assert_int_equal(r->opt.cmd, CMD_LIST);
	assert_int_equal(r->opt.argc, 2);
	r = ok("top", "check", NULL);
	assert_int_equal(r->opt.cmd, CMD_TOP);
	assert_int_equal(r->opt.argc, 1);
	assert_string_equal(r->opt.argv[0], "check");
	/* kill, and -K: the same command */
	r = ok("kill", "--yes", "state", "close-wait", NULL);
	assert_int_equal(r->opt.cmd, CMD_KILL);
	assert_true(r->opt.yes);
	assert_int_equal(r->opt.argc, 2);
	r = ok("-K", "--dry-run", "sport", "=", ":80", NULL);
	assert_int_equal(r->opt.cmd, CMD_KILL);
	assert_true(r->opt.dry_run);
	assert_int_equal(r->opt.argc, 3);
	/* -E without --watch: ss's spelling of the events command */
	r = ok("-E", "-n", "state", "established", NULL);
	assert_int_equal(r->opt.cmd, CMD_EVENTS);
	assert_false(r->opt.events);
	assert_int_equal(r->opt.argc, 2);
	r = ok("-E", "--watch=1", "-f", "jsonl", NULL);
	assert_int_equal(r->opt.cmd, CMD_LIST);
	assert_true(r->opt.events);
	r = ok("-OT", "--inet-sockopt", NULL);
	assert_true(r->opt.oneline && r->opt.threads && r->opt.processes && r->opt.inet_sockopt);
	/* help for a command */
	r = ok("top", "--help", NULL);
	assert_true(r->opt.help);
	assert_int_equal(r->opt.cmd, CMD_TOP);
	r = ok("--help", "explain", NULL);
	assert_int_equal(r->opt.cmd, CMD_EXPLAIN);
	/* options usable with explain */
	r = ok("explain", "--color=never", "listen", NULL);
	assert_int_equal(r->opt.color, COLOR_NEVER);
	assert_int_equal(r->opt.argc, 1);
	/* the exporter's event source: --source, --mount-tracefs, --no-events (= poll) */
	r = ok("exporter", "--source=destroy", "--mount-tracefs", NULL);
	assert_int_equal(r->opt.ev_source, EVSRC_DESTROY);
	assert_true(r->opt.mount_tracefs);
	assert_int_equal(ok("exporter", "--no-events", NULL)->opt.ev_source, EVSRC_POLL);
	assert_int_equal(ok("exporter", NULL)->opt.ev_source, EVSRC_AUTO);
}

static void t_errors(void **state)
{
	expect_err("unknown option '--foo'", "--foo", NULL);
	expect_err("unknown option '--foo'", "--foo=bar", NULL);
	expect_err("unknown option '-z'", "-z", NULL);
	expect_err("unknown option '-z'", "-tz", NULL);
	expect_err("option '--format' needs an argument", "--format", NULL);
	expect_err("option '--format' needs an argument", "-f", NULL);
	expect_err("option '--net' needs an argument", "-t", "-N", NULL);
	expect_err("option '--delay' needs an argument", "top", "-d", NULL);
	expect_err("option '--numeric' takes no argument", "--numeric=yes", NULL);
	expect_err("option '--no' is ambiguous (could be --no-header, --no-legend, --no-events)", "--no", NULL);
	expect_err("option '--delay' is only for 'top'", "--delay=1", NULL);
	expect_err("option '--delay' is only for 'top'", "check", "-d", "1", NULL);
	expect_err("option '--no-legend' is only for 'list'", "top", "--no-legend", NULL);
	expect_err("option '--watch' is only for 'list'", "top", "--watch=1", NULL);
	expect_err("option '--events' is only for 'list' or 'top'", "check", "--events", NULL);
	expect_err("option '--samples' is only for 'check'", "--samples=2", NULL);
	expect_err("option '--interval' is only for 'check'", "top", "--interval=2", NULL);
	expect_err("option '--threshold' is only for 'check' or 'exporter'", "--threshold=orphans=1", NULL);
	expect_err("option '--no-events' is only for 'exporter'", "--no-events", NULL);
	expect_err("option '--processes' is only for 'list', 'top', 'check', 'exporter' or 'kill'", "explain", "-p", NULL);
	expect_err("option '--yes' is only for 'kill'", "--yes", "state", "close-wait", NULL);
	expect_err("option '--kill' is only for 'list' or 'kill'", "check", "-K", NULL);
	expect_err("options '--record' and '--replay' cannot be used together", "--record=a", "--replay=b", NULL);
	expect_err("invalid value '' for --net (expected NAME|PATH)", "--net=", NULL);
	expect_err("invalid value '' for --columns (expected LIST)", "--columns=", NULL);
}

static void t_abbrev(void **state)
{
	assert_int_equal(ok("--form=csv", NULL)->opt.format, FMT_CSV);
	assert_true(ok("--proce", NULL)->opt.processes);
	expect_err("option '--proc' is ambiguous (could be --processes, --proc-root)", "--proc", NULL);
}

static void t_reparse(void **state)
{
	/* a second parse starts clean (getopt state is reset) */
	struct run *r = ok("-p", "-f", "json", NULL);

	assert_true(r->opt.processes);
	r = ok("-n", NULL);
	assert_false(r->opt.processes);
	assert_int_equal(r->opt.format, FMT_TABLE);
	assert_true(r->opt.numeric);
}

/* The long names from options_list, for the help and list tests. */
static size_t list_lines(char lines[][256], size_t max)
{
	struct obuf o;
	const char *p;
	size_t n = 0;

	assert_int_equal(obuf_init(&o, -1, 0), 0);
	options_list(&o);
	assert_int_equal(o.err, 0);
	p = obuf_cstr(&o);
	while (*p) {
		size_t len = strcspn(p, "\n");

		assert_true(n < max);
		assert_true(len < 256);
		memcpy(lines[n], p, len);
		lines[n][len] = 0;
		n++;
		p += len;
		assert_int_equal(*p, '\n');
		p++;
	}
	obuf_free(&o);
	return n;
}

static void t_list(void **state)
{
	static char lines[128][256];
	size_t n = list_lines(lines, 128);
	static const char *const must[] = {"tcp", "udp", "raw", "unix", "packet", "mptcp", "query", "family", "ipv4",     "ipv6",      "listening",  "all",      "numeric",
					   "resolve", "no-header", "no-legend", "processes", "extended", "options",
					   "info",   "memory",   "summary",   "net",        "backend",  "proc-root",
					   "record", "replay",   "format",    "json",       "columns",  "list-columns",
					   "sort",   "group-by", "color",     "watch",      "events",   "delay",
					   "samples", "interval", "threshold", "window", "source", "lifetimes", "count",
					   "duration", "mount-tracefs", "tracepoint-reader", "help", "version",
					   "list-options", "all-netns", "host-root", "cgroup-root",
					   "oneline", "inet-sockopt", "threads", "kill", "yes", "dry-run",
					   "web.listen-address", "web.telemetry-path", "web.config.file",
					   "web.systemd-socket", "web.max-connections", "no-events"};

	assert_int_equal(n, sizeof(must) / sizeof(must[0]));
	for (size_t i = 0; i < n; i++) {
		char copy[256], *f[7], *save = NULL, *tok;
		size_t nf = 0;

		strcpy(copy, lines[i]);
		/* exactly 6 non-empty fields */
		for (tok = strtok_r(copy, "\t", &save); tok; tok = strtok_r(NULL, "\t", &save)) {
			assert_true(nf < 7);
			f[nf++] = tok;
		}
		assert_int_equal(nf, 6);
		assert_true(strlen(f[1]) == 1); /* a letter or '-' */
		assert_true(strlen(f[4]) > 0 && strspn(f[4], "listopexanchkventril,") == strlen(f[4]));
		assert_true(strlen(f[5]) > 5);
	}
	for (size_t j = 0; j < sizeof(must) / sizeof(must[0]); j++) {
		bool found = false;

		for (size_t i = 0; i < n && !found; i++)
			found = !strncmp(lines[i], must[j], strlen(must[j])) && lines[i][strlen(must[j])] == '\t';
		if (!found)
			fail_msg("option --%s missing from options_list", must[j]);
	}
	/* a few exact lines */
	for (size_t i = 0; i < n; i++) {
		if (!strncmp(lines[i], "format\t", 7))
			assert_string_equal(lines[i], "format\tf\tFORMAT\ttable json jsonl csv prom\tlist,top,check,events,kill\t"
						      "table, json, jsonl, csv or prom (or an ss family)");
		if (!strncmp(lines[i], "color\t", 6))
			assert_true(!strncmp(lines[i], "color\t-\t[WHEN]\tauto always never\tlist,top,explain,check,events,exporter,kill\t",
					     strlen("color\t-\t[WHEN]\tauto always never\tlist,top,explain,check,events,exporter,kill\t")));
		if (!strncmp(lines[i], "delay\t", 6))
			assert_true(!strncmp(lines[i], "delay\td\tSECONDS\t-\ttop\t", 21));
	}
}

/* Does the help text list option --name in its option column? */
static bool mentions(const char *text, const char *name)
{
	char pat[64];
	size_t pl;

	pl = (size_t)snprintf(pat, sizeof(pat), "--%s", name);
	for (const char *p = strstr(text, pat); p; p = strstr(p + 1, pat)) {
		char c = p[pl];

		/* the option column: "  -x, --name" or "      --name"; help texts may mention options too */
		if (p - text < 2 || p[-1] != ' ' || (p[-2] != ' ' && p[-2] != ','))
			continue;
		if (!(c == '-' || (c >= 'a' && c <= 'z')))
			return true;
	}
	return false;
}

static void t_help(void **state)
{
	static char lines[128][256];
	size_t n = list_lines(lines, 128);
	static const char *const cmds[] = {"list", "top", "explain", "check", "kill"};

	for (int c = CMD_LIST; c <= CMD_CHECK; c++) {
		struct obuf o;
		const char *text;
		char usage[64];

		assert_int_equal(obuf_init(&o, -1, 0), 0);
		options_help(&o, (enum command)c);
		text = obuf_cstr(&o);
		snprintf(usage, sizeof(usage), "sockscope %s", cmds[c]);
		if (c == CMD_LIST)
			assert_non_null(strstr(text, "Usage: sockscope [list]"));
		else
			assert_non_null(strstr(text, usage));
		assert_non_null(strstr(text, "sockscope(8)"));
		for (size_t i = 0; i < n; i++) {
			char name[64], cmdlist[64], shortopt[8];
			char *t1 = strchr(lines[i], '\t');
			const char *f;
			bool accepts;
			int field = 0;

			snprintf(name, sizeof(name), "%.*s", (int)(t1 - lines[i]), lines[i]);
			for (f = lines[i]; field < 4; f++)
				field += *f == '\t';
			snprintf(cmdlist, sizeof(cmdlist), ",%.*s,", (int)strcspn(f, "\t"), f);
			snprintf(usage, sizeof(usage), ",%s,", cmds[c]);
			accepts = strstr(cmdlist, usage) != NULL;
			if (accepts != mentions(text, name))
				fail_msg("help of '%s': --%s %s", cmds[c], name,
					 accepts ? "missing" : "shown but not accepted");
			if (accepts && t1[1] != '-') {
				snprintf(shortopt, sizeof(shortopt), "-%c, --", t1[1]);
				assert_non_null(strstr(text, shortopt));
			}
		}
		/* no help line wider than 80 columns */
		for (const char *p = text; *p;) {
			size_t len = strcspn(p, "\n");

			assert_true(len <= 80);
			p += len + (p[len] == '\n');
		}
		obuf_free(&o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_defaults),
		cmocka_unit_test(t_flags_short),
		cmocka_unit_test(t_flags_long),
		cmocka_unit_test(t_families),
		cmocka_unit_test(t_values),
		cmocka_unit_test(t_enums),
		cmocka_unit_test(t_color),
		cmocka_unit_test(t_seconds),
		cmocka_unit_test(t_check_options),
		cmocka_unit_test(t_threshold_limit),
		cmocka_unit_test(t_trailing_order),
		cmocka_unit_test(t_double_dash),
		cmocka_unit_test(t_commands),
		cmocka_unit_test(t_errors),
		cmocka_unit_test(t_abbrev),
		cmocka_unit_test(t_reparse),
		cmocka_unit_test(t_list),
		cmocka_unit_test(t_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
