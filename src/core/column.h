/* SPDX-License-Identifier: MIT */
/*
 * column: the types of the one column table — a column's name, header, type,
 * needs and getter, and the typed value a getter produces.  They live at the
 * bottom so that the socket kinds can bring their own columns; the table
 * itself, parsing and defaults are in render/columns.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sock.h"

struct procmap;
struct names;
struct sock_owner;
struct attrib;

enum col_type {
	CT_STR,    /* string */
	CT_UINT,   /* unsigned integer */
	CT_FLOAT,  /* floating point (milliseconds, rates) */
	CT_PROCS,  /* list of owners */
	CT_OBJECT, /* nested object of the columns of a group (json); flattened elsewhere */
};

enum col_group { CG_NONE, CG_INFO, CG_MEM };

enum {
	COLF_RIGHT = 1u << 0,  /* right-aligned in the table */
	COLF_TABLE = 1u << 1,  /* table-only presentation column (local, peer, process) */
};

enum col_val_kind { CV_NULL, CV_UINT, CV_FLOAT, CV_STR, CV_PROCS, CV_OBJECT };

struct col_val {
	enum col_val_kind kind;
	/* CV_STR: the getter vouches that the text is printable ASCII without a
	 * backslash (a number, an address, one of our own names), so renderers
	 * need not scan it for escaping.  False when unsure. */
	bool plain;
	union {
		uint64_t u;
		double f;
		struct {
			const char *s; /* not necessarily NUL-terminated */
			size_t n;
		} str;
		struct {
			const struct sock_owner *v;
			size_t n;
		} procs;
		enum col_group group; /* CV_OBJECT: render the columns of this group */
	};
};

/* Per-connection rates, computed by the live view between two snapshots. */
struct sock_rate {
	double tx_bps, rx_bps;
};

/* What getters may look at besides the record. */
struct col_ctx {
	const struct procmap *owners; /* NULL unless NEED_OWNERS */
	struct names *names;          /* NULL: print numbers */
	struct attrib *attr;          /* NULL unless NEED_CGROUP: where, container, pod, ... */
	bool resolve_hosts;           /* -r */
	bool resolve_services;        /* !-n */
	const struct sock_rate *rate; /* live view only, per row; NULL otherwise */
	const struct column *const *details; /* -O: the columns the details column writes as name:value */
	size_t ndetails;
	char scratch[320];            /* getters format strings here */
	char line[1024];              /* the details column's text */
};

struct column {
	const char *name;   /* "local_port" */
	const char *header; /* "Local Port" */
	enum col_type type;
	enum col_group group;
	unsigned flags;     /* COLF_* */
	unsigned need;      /* enum need */
	const char *desc;
	void (*get)(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v);
};

