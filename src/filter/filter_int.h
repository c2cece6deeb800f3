/* SPDX-License-Identifier: MIT */
/*
 * filter_int: the parsed filter tree, private to filter.c (parser and
 * user-space matcher) and filter_bc.c (kernel bytecode compiler).  Nothing
 * else includes this header; the public contract is filter.h.
 *
 * The tree lives in one array of nodes; children are array indices.  It keeps
 * ss's own shape: "sport > :N" is NOT(sport <= N), "x != y" is NOT(x = y), so
 * both back ends see the same few primitive tests.
 */
#pragma once

#include <stdint.h>

#include "filter.h"

enum fnode_kind {
	FN_HOST,    /* src/dst (and sport/dport '='): address prefix and/or port */
	FN_PORT,    /* sport/dport '>=' or '<=' (cmp CMP_GE or CMP_LE) */
	FN_STATES,  /* state, side, role: the set of states that match */
	FN_NUM,     /* pid, uid, recvq, sendq, inode compared with num */
	FN_PROCESS, /* fnmatch(glob, comm) on any owner */
	FN_NETID,   /* the socket's kind is field (and, if num, its type bit is in num) */
	FN_PATH,    /* fnmatch(glob, UNIX name): src only (local) */
	FN_ATTR,    /* fnmatch(glob, ...) on the attribution (field: enum attrib_field): user space only */
	FN_AND,
	FN_OR,
	FN_NOT,
};

enum fnum_field { NUM_PID, NUM_UID, NUM_RECVQ, NUM_SENDQ, NUM_INODE, NUM_IFINDEX };

enum fcmp { CMP_EQ, CMP_LT, CMP_LE, CMP_GT, CMP_GE };

struct fnode {
	uint8_t kind;     /* enum fnode_kind */
	uint8_t local;    /* FN_HOST/FN_PORT: 1 = local (source) side, 0 = remote */
	uint8_t family;   /* FN_HOST: 0 (any address), AF_INET or AF_INET6 */
	uint8_t plen;     /* FN_HOST: prefix length in bits */
	uint8_t cmp;      /* FN_PORT, FN_NUM: enum fcmp */
	uint8_t field;    /* FN_NUM: enum fnum_field; FN_ATTR: enum attrib_field */
	int32_t port;     /* FN_HOST: -1 for any port; FN_PORT: the port */
	uint8_t addr[16]; /* FN_HOST: network order, IPv4 in the first 4 bytes */
	uint32_t mask;    /* FN_STATES: bits 1 << SK_* */
	uint64_t num;     /* FN_NUM */
	uint32_t a, b;    /* FN_AND/FN_OR: both children; FN_NOT: a */
	char *glob;       /* FN_PROCESS, FN_PATH, FN_ATTR: owned */
};

struct filter {
	uint32_t states;     /* from the leading state/exclude words */
	int32_t root;        /* index of the expression, -1 when there is none */
	struct fnode *nodes;
	size_t n, cap;
};
