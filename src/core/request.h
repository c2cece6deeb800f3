/* SPDX-License-Identifier: MIT */
/*
 * request: what a collection asks for and what it reports back.  These types
 * sit at the bottom of the pipeline so that the collectors, the socket kinds
 * and the stages above them all reach them without including one another.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct filter;

enum backend { BACKEND_AUTO, BACKEND_NETLINK, BACKEND_PROC, BACKEND_REPLAY };

enum {
	COLLECT_INET4 = 1u << 0,
	COLLECT_INET6 = 1u << 1,
};

struct collect_req {
	enum backend backend;
	uint32_t kinds;            /* KIND_BIT(k) for each wanted kind (kinds/kind.h) */
	uint8_t families;          /* COLLECT_INET4 | COLLECT_INET6: which inet kinds' families */
	uint32_t states;           /* bit (1 << SK_*) for each wanted state */
	unsigned need;             /* enum need: NEED_INFO, NEED_MEM, NEED_CONG, NEED_SHUTDOWN */
	const struct filter *kfilter; /* compiled to kernel bytecode when possible; may be NULL */
	const char *proc_root;     /* default "/proc" */
	const char *replay_path;   /* BACKEND_REPLAY: a file written by record */
	const char *record_path;   /* netlink: save the raw dump here (NULL: don't) */
	int netns_fd;              /* >= 0: open sockets inside this namespace */
	bool thread_ns;            /* the calling thread was moved into the namespace to read (--all-netns
				    * workers): the /proc back end reads /proc/thread-self/net */
};

struct collect_result {
	enum backend used;       /* BACKEND_NETLINK, BACKEND_PROC or BACKEND_REPLAY */
	int fallback_err;        /* < 0: netlink failed with this errno and proc was used */
	uint32_t fell_back;      /* KIND_BIT(k) of the kinds read from /proc after netlink failed */
	uint32_t unlisted;       /* KIND_BIT(k) of the kinds no back end could list */
	const char *fallback_op; /* which netlink step failed ("socket", "bind", "dump", ...) */
	bool inconsistent;       /* a dump was interrupted and could not be redone */
	bool kernel_filtered;    /* the kernel applied bytecode */
	unsigned restarts;       /* dumps redone after NLM_F_DUMP_INTR */
	unsigned long malformed; /* /proc lines skipped as malformed */
	unsigned long records;   /* records passed to the sink */
};

