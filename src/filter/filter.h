/* SPDX-License-Identifier: MIT */
/*
 * filter: the ss-compatible filter language plus sockscope's extensions.
 *
 *   [state NAME ...] [exclude NAME ...] [EXPRESSION]
 *
 * One tree, two back ends: filter_match() evaluates it in user space (every
 * back end), filter_bytecode() compiles what the kernel understands to
 * INET_DIAG_REQ_BYTECODE.  The grammar is documented in man/sockscope.8.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sock.h"

struct filter;
struct procmap;
struct attrib;

struct filter_error {
	size_t pos;     /* byte offset in the joined expression */
	size_t len;     /* length of the offending token (>= 1) */
	char msg[160];  /* "unknown state 'foo'", ... */
	char expr[1024];/* the joined expression, for the caret line */
};

/* What matching may look up. */
struct filter_env {
	const struct procmap *owners; /* NULL if not built */
	const struct sock_ext *ext;   /* the record's extension (UNIX names), may be NULL */
	struct attrib *attr;          /* NULL unless NEED_CGROUP (netns, container, pod, unit, cgroup) */
};

/* Joins argv with spaces and parses.  An empty argv gives a filter matching
 * everything.  Caller frees with filter_free().  Returns 0, -EINVAL with err
 * filled, or -ENOMEM. */
int filter_parse(int argc, char *const *argv, struct filter **ret, struct filter_error *err);
int filter_parse_str(const char *expr, struct filter **ret, struct filter_error *err);
void filter_free(struct filter *f);

bool filter_match(const struct filter *f, const struct sock_rec *r, const struct filter_env *env);
/* Kinds the filter can match (KIND_BIT each; all when it names none). */
uint32_t filter_kinds(const struct filter *f);
/* States the filter can match (bits 1 << SK_*). */
uint32_t filter_states(const struct filter *f);
/* enum need bits that matching requires (NEED_OWNERS for pid/process/...). */
unsigned filter_needs(const struct filter *f);
/* True if the filter matches everything (no expression, all states). */
bool filter_is_trivial(const struct filter *f);

/* Kernel bytecode for family (AF_INET/AF_INET6) covering what the kernel can
 * test; the user-space match is still applied.  *ret_buf is NULL when nothing
 * useful can be compiled.  Caller frees *ret_buf with free(). */
int filter_bytecode(const struct filter *f, int family, void **ret_buf, size_t *ret_len);
/* The local (*sport) and remote (*dport) port that every socket the filter
 * accepts must have, 0 where it does not pin one.  Sent in the request header
 * (inet_diag_sockid), they let the kernel skip other sockets before it runs
 * the bytecode or takes a reference. */
void filter_pinned_ports(const struct filter *f, uint16_t *sport, uint16_t *dport);
