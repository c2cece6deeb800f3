/* SPDX-License-Identifier: MIT */
/*
 * options: the one option table.  It drives getopt_long, --help, the
 * machine-readable --list-options (used by the completion and man page sync
 * check), and fills struct options.  Parsing never prints or exits: errors
 * come back as a message for main() to print.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "request.h"
#include "kind.h"
#include "obuf.h"

enum command {
	CMD_LIST,    /* the default: a one-shot listing */
	CMD_TOP,     /* sockscope top */
	CMD_EXPLAIN, /* sockscope explain [STATE...] */
	CMD_CHECK,   /* sockscope check */
	CMD_EVENTS,  /* sockscope events */
	CMD_EXPORTER, /* sockscope exporter */
	CMD_KILL,    /* sockscope kill FILTER (ss -K) */
};

/* sockscope events --source */
enum ev_source { EVSRC_AUTO, EVSRC_TRACEPOINT, EVSRC_DESTROY, EVSRC_POLL };
/* --tracepoint-reader, in the order of enum tp_reader (events/tp_source.h) */
enum ev_reader { EVREADER_AUTO, EVREADER_FTRACE, EVREADER_PERF };

enum format { FMT_TABLE, FMT_JSON, FMT_JSONL, FMT_CSV, FMT_PROM };
enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

enum group_by {
	GROUP_NONE,
	GROUP_STATE,
	GROUP_PROCESS,
	GROUP_LOCAL_PORT,
	GROUP_REMOTE_HOST,
	GROUP_REMOTE,
	GROUP_NETNS,
	GROUP_CONTAINER,
	GROUP_POD,
	GROUP_UNIT,
};

struct options {
	enum command cmd;
	enum format format;
	enum color_mode color;
	enum backend backend;
	uint8_t families;     /* COLLECT_INET4 | COLLECT_INET6 */
	uint32_t kinds;       /* KIND_BIT(k) of the kinds to show (-t -u -w -x -0 -M -A -f) */
	bool kinds_named;     /* a kind option was given (else kinds is the default, TCP) */
	uint8_t subtypes[KIND_MAX]; /* per kind, 1 << sock type of the subtypes asked for (0: all) */
	bool listening;       /* -l */
	bool all;             /* -a */
	bool numeric;         /* -n */
	bool no_header;       /* -H */
	bool resolve;         /* -r */
	bool processes;       /* -p */
	bool extended;        /* -e */
	bool timers;          /* -o */
	bool info;            /* -i */
	bool memory;          /* -m */
	bool summary;         /* -s */
	bool no_legend;       /* --no-legend */
	bool events;          /* --events */
	bool oneline;         /* -O: the detail fields (-e -o -i -m) as name:value words at the end of the row */
	bool inet_sockopt;    /* --inet-sockopt: the sockopt column */
	bool threads;         /* -T: the threads holding each socket */
	bool yes;             /* kill --yes: do not ask */
	bool dry_run;         /* kill --dry-run: only show */
	const char *proc_root;   /* --proc-root, default "/proc" */
	const char *columns;     /* --columns=LIST, NULL: defaults */
	const char *sort;        /* --sort=KEY[,KEY] */
	enum group_by group;     /* --group-by */
	const char *netns;       /* -N NAME / --net=PATH */
	bool all_netns;          /* --all-netns */
	/* sockscope exporter */
	const char *listen[16];  /* --web.listen-address, repeatable */
	size_t nlisten;
	const char *telemetry_path; /* --web.telemetry-path */
	const char *web_config;  /* --web.config.file */
	bool systemd_socket;     /* --web.systemd-socket */
	unsigned max_connections; /* --web.max-connections, 0: default */
	const char *host_root;   /* --host-root=DIR: name files (default "/") */
	const char *cgroup_root; /* --cgroup-root=DIR: the cgroup2 mount (default: from mountinfo) */
	const char *record;      /* --record=FILE */
	const char *replay;      /* --replay=FILE */
	double interval;         /* -d SECONDS (top), --interval (check) */
	double watch;            /* --watch=SECONDS, 0: off */
	unsigned samples;        /* check --samples */
	enum ev_reader tp_reader; /* --tracepoint-reader */
	const char *thresholds[32]; /* check --threshold RULE=W:C, repeatable */
	size_t nthresholds;
	double window;           /* check --window=SECONDS: the rate rules, 0: none */
	enum ev_source ev_source; /* --source of events, --watch --events, top, check, exporter (--no-events: poll) */
	bool lifetimes;          /* events --lifetimes */
	bool mount_tracefs;      /* events --mount-tracefs */
	unsigned long count;     /* events --count=N, 0: no limit */
	double duration;         /* events --duration=SECONDS, 0: no limit */
	bool list_columns;       /* --list-columns */
	bool list_options;       /* --list-options (for completions/docs) */
	bool help;
	bool version;
	/* trailing arguments: the filter (or state names for explain) */
	int argc;
	char **argv;
};

/* Parses argv.  On error returns -EINVAL and writes a one-line message
 * (without "sockscope: " and without newline) into err.  Does not print.
 * Like GNU getopt, it rearranges argv in place: the trailing words are moved,
 * in order, to argv[1..] and followed by NULL; opt->argv points there. */
int options_parse(int argc, char **argv, struct options *opt, char *err, size_t errlen);
/* --help text for the command in opt->cmd. */
void options_help(struct obuf *o, enum command cmd);
/* One line per option, 6 tab-separated fields:
 * "long\tshort\targ\tvalues\tcommands\thelp".  short, arg and values are "-"
 * when absent; an optional argument is written "[ARG]"; values is a
 * space-separated list of accepted words or one completion kind (@file, @dir,
 * @netns, @columns); commands is a comma list ("list,top,check,events"). */
void options_list(struct obuf *o);
