/* SPDX-License-Identifier: MIT */
/*
 * nlattr: the bounds-checked walk of a netlink attribute stream that every
 * kind's reply parser shares.  It reads only through memcpy within checked
 * bounds (unaligned, hostile input: the parsers are fuzz targets) and
 * validates the whole stream before the caller uses any of it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sock.h"

/* One attribute's payload, data NULL if absent. */
struct nla_slot {
	const uint8_t *data;
	size_t len;
};

/* Walks [p, p + len): the payload of each attribute of type <= max goes to
 * tb[type] (the last one wins), after len_ok(type, payload length) agreed;
 * other types are skipped.  The last attribute may lack its alignment
 * padding.  0, or -EBADMSG for a truncated or malformed stream. */
int nla_table(const uint8_t *p, size_t len, struct nla_slot *tb, unsigned max,
	      bool (*len_ok)(unsigned type, size_t len));

/* One sock_diag reply of type SOCK_DIAG_BY_FAMILY, header included, in
 * [msg, msg + len): its fixed part (msize bytes, the struct *_diag_msg) is
 * copied to m, and its attributes go to tb as nla_table(tb, max, len_ok)
 * puts them.  0, or -EBADMSG for a message that is short, truncated,
 * malformed or of another type. */
int nla_diag_reply(const void *msg, size_t len, void *m, size_t msize, struct nla_slot *tb, unsigned max,
		   bool (*len_ok)(unsigned type, size_t len));

/* The SK_MEMINFO payload in a (an INET_DIAG_SKMEMINFO, UNIX_DIAG_MEMINFO,
 * ...) into *mem: its first words, as many as both hold, and zeros for the
 * words it lacks (all of them if a is absent).  Returns the number of words
 * taken, 0 if none. */
size_t nla_meminfo(const struct nla_slot *a, struct sock_meminfo *mem);
