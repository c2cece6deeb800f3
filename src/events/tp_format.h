/* SPDX-License-Identifier: MIT */
/*
 * tp_format: the tracefs `format` description of a tracepoint, parsed from
 * hostile text into bounded field descriptors, and a pure decoder that turns
 * one raw sock:inet_sock_set_state payload into a struct sock_event.  Every
 * offset and size is checked against the payload length; nothing is assumed
 * about the layout except what the format file says.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sock_event.h"

#define TP_FORMAT_MAX_TEXT (64u * 1024u) /* longer format text: -E2BIG */
#define TP_MAX_FIELDS 64
#define TP_FIELD_NAME_MAX 48

struct tp_field {
	char name[TP_FIELD_NAME_MAX];
	uint32_t offset;
	uint32_t size;
	bool is_signed;
};

/* Indices (in fields[]) of the fields the decoder uses; -1 when absent. */
struct tp_sock_layout {
	int common_type, common_flags, common_pid;
	int skaddr, oldstate, newstate, sport, dport, family, protocol;
	int saddr, daddr, saddr_v6, daddr_v6, comm;
};

struct tp_format {
	char name[64];          /* "inet_sock_set_state" ("" if no name line) */
	uint32_t id;            /* from the ID line, 0 if absent */
	bool has_id;
	size_t nfields;
	struct tp_field fields[TP_MAX_FIELDS];
	struct tp_sock_layout l; /* filled by tp_format_parse() */
	uint32_t min_payload;   /* end of the furthest field the decoder reads */
};

/* Parses `len` bytes of format text (need not be NUL-terminated).  Returns 0,
 * -E2BIG (text or fields beyond the limits), -EBADMSG (malformed field line,
 * duplicate name, field beyond 64 KiB), or -ENOENT (no field at all). */
int tp_format_parse(const char *text, size_t len, struct tp_format *ret);

/* Checks that the format has what tp_decode_sock() needs: oldstate, newstate,
 * family, skaddr and either the v4 or the v6 addresses, with sane sizes.
 * Returns 0 or -EPROTO. */
int tp_format_check_sock(const struct tp_format *f);

/* NULL if no field has that name. */
const struct tp_field *tp_format_field(const struct tp_format *f, const char *name);

/* Decodes one raw payload.  Sets time_ns, tid and cpu to 0 (the caller knows
 * them), pid from common_pid.  Returns 0, -EPROTO (format unusable), -EBADMSG
 * (payload shorter than min_payload, unknown family, state out of 1..13) or -ENOMSG (common_type is not
 * the format's id).  *ret is written only on success. */
int tp_decode_sock(const struct tp_format *f, const void *raw, size_t len, struct sock_event *ret);

/* Reads an unsigned integer field of size 1, 2, 4 or 8 in host order.
 * -EBADMSG if out of the payload or of another size. */
int tp_field_u64(const struct tp_field *fl, const void *raw, size_t len, uint64_t *ret);
