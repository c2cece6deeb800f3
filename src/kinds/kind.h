/* SPDX-License-Identifier: MIT */
/*
 * kind: the table of socket kinds.  A kind (TCP, UDP, UNIX stream, ...) is one
 * module that brings everything that is particular to it: how to ask the
 * kernel for its sockets over netlink sock_diag and how to read one reply
 * message, which /proc/net files list it and how to read one of their lines,
 * its state vocabulary (names, meanings, who holds each state), its own
 * columns, and whether the kernel's inet_diag bytecode filter applies.
 *
 * The collectors walk the kinds a request asks for and never look inside a
 * message or a line themselves; the stages above ask a record's kind for its
 * names.  Adding a kind is one file, one entry in enum sock_kind_id and in the
 * table in kinds.c, and its tests.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sock.h"
#include "states.h"

struct nlmsghdr;
struct column;

/* Stable numbers: they are stored in record files (--record).  Append only. */
enum sock_kind_id {
	KIND_TCP = 0,
	KIND_UDP = 1,
	KIND_UDPLITE = 2,
	KIND_RAW = 3,
	KIND_UNIX = 4,
	KIND_PACKET = 5,
	KIND_NETLINK = 6,
	KIND_MPTCP = 7,
	KIND_MAX = 8
};

#define KIND_BIT(k) (1u << (k))
#define KIND_ALL ((1u << KIND_MAX) - 1)

/* What a kind's request builder is given. */
struct kind_nl_args {
	int family;          /* AF_INET / AF_INET6 for inet kinds (AF_UNSPEC: both at
			      * once, if the kind can); the kind's own family otherwise */
	uint32_t seq;
	uint32_t states;     /* wanted states, bits 1 << SK_* */
	unsigned need;       /* enum need */
	const void *bc;      /* kernel filter bytecode, NULL if none */
	size_t bclen;
	uint16_t sport, dport; /* ports the filter pins (0: none) */
};

/* A kind whose sockets come in several types, each with its own Netid
 * (UNIX: u_str, u_dgr, u_seq; packet: p_raw, p_dgr). */
struct kind_subtype {
	uint8_t type;      /* sock_xinfo.type */
	const char *name;  /* -A word: "unix_stream" */
	const char *netid; /* "u_str" */
};

/* One /proc/net file of a kind. */
struct kind_proc_file {
	const char *name; /* "tcp6", relative to PROC_ROOT/net */
	int family;       /* passed to the line parser */
	bool optional;    /* missing file means "none" (tcp6 without IPv6) */
};

struct sock_kind {
	const char *name;   /* "tcp": -A and filter words, JSON "netid" */
	const char *netid;  /* "tcp": the Netid column, as ss prints it */
	const char *title;  /* "TCP": for legends and summaries */
	const struct kind_subtype *subtypes; /* NULL: one Netid for the kind */
	size_t nsubtypes;
	bool inet;          /* IP addresses and ports; families AF_INET and AF_INET6 */
	const char *family_name; /* not inet: "unix", "link", "netlink" (ss's -f words) */
	bool bytecode;      /* the kernel runs inet_diag bytecode on its dumps */
	bool dedupe;        /* the kernel's dump may repeat a socket: keep the first row of each inode */
	uint32_t states;    /* the states this kind's sockets can be in */

	/* netlink sock_diag; nl_request NULL: none.  nl_request builds one dump
	 * request in nlh (header already put, room for 64 KiB) and returns 0,
	 * or -EOPNOTSUPP for a family it cannot ask for at once (AF_UNSPEC). */
	int (*nl_request)(const struct kind_nl_args *a, struct nlmsghdr *nlh);
	/* One reply message (header included) -> record (+ ext when *has_ext).
	 * 0, -EBADMSG (malformed) or -ENOENT (not a socket of this kind). */
	int (*nl_parse)(const void *msg, size_t len, struct sock_rec *rec, struct sock_ext *ext, int *has_ext);

	/* /proc/net; nproc 0: none.  proc_parse returns 0, 1 for a header line,
	 * or -EINVAL for a malformed line; it sets *has_ext when ext was filled. */
	const struct kind_proc_file *proc;
	size_t nproc;
	int (*proc_parse)(const char *line, size_t len, int family, struct sock_rec *rec, struct sock_ext *ext,
			  int *has_ext);

	/* State vocabulary, indexed by the kernel's state number; entries whose
	 * name is NULL are not states of this kind. */
	const struct state_info *vocab;
	/* Who holds this particular socket, when it depends on more than the
	 * state (a UNIX socket accepted from a listener); NULL: the state's. */
	enum state_side (*side)(const struct sock_rec *r, const struct sock_ext *e);

	/* Not inet: the Local/Peer text of a socket ("/run/x.sock", "rtnl:1234",
	 * "*"), NUL-terminated in buf; returns its length. */
	size_t (*endpoint)(const struct sock_rec *r, const struct sock_ext *e, bool local, char *buf, size_t len);

	/* Columns only this kind fills (null for other kinds). */
	const struct column *columns;
	size_t ncolumns;
};

/* The words -A accepts (ss's, plus udplite), for completions. */
#define KINDS_QUERY_WORDS                                                                                        \
	"all inet tcp udp udplite raw unix unix_stream unix_dgram unix_seqpacket packet packet_raw packet_dgram " \
	"netlink mptcp"

/* Adds the kinds of an -A list ("tcp,udp", "unix_stream", "all", "inet")
 * to *kinds; a subtype word (unix_dgram) also sets its bit (1 << type) in
 * subtypes[kind].  Returns 0 or -EINVAL with a message in err. */
int kinds_query(const char *list, uint32_t *kinds, uint8_t subtypes[KIND_MAX], char *err, size_t errlen);

/* False if the record's kind was asked for by subtype (-A unix_dgram) and
 * the record is of another subtype. */
bool sock_subtype_wanted(const struct sock_rec *r, const uint8_t subtypes[KIND_MAX]);

/* The ids of the table (KIND_BIT each); loops over kinds skip the others. */
uint32_t kinds_present(void);
/* The kind with this id, or NULL. */
const struct sock_kind *kind_get(unsigned id);
/* By -A / filter word: "tcp", "udp", "unix_stream", ... (case-insensitive);
 * NULL if unknown. */
const struct sock_kind *kind_by_name(const char *name);
/* Id of a kind from the table. */
unsigned kind_id(const struct sock_kind *k);

/* The record's kind (TCP for a record of an unknown kind). */
static inline const struct sock_kind *sock_kind(const struct sock_rec *r)
{
	const struct sock_kind *k = kind_get(r->kind);

	return k ? k : kind_get(KIND_TCP);
}
/* The record's Netid ("tcp", "u_str", ...). */
const char *sock_netid(const struct sock_rec *r);
/* The state as the record's kind names it; NULL if not one of its states. */
const struct state_info *sock_state_info(const struct sock_rec *r);
const char *sock_state_name(const struct sock_rec *r); /* "?" if unknown */
/* Who holds the socket (the kind's rule, else the state's); SIDE_MAX if unknown. */
enum state_side sock_side(const struct sock_rec *r, const struct sock_ext *e);
