/* SPDX-License-Identifier: MIT */
/*
 * procfield: a cursor over one line of a /proc/net file and the readers of
 * its fields, shared by the kinds whose files are not procnet's
 * (/proc/net/netlink, packet, unix).  Blanks are ' ' only.  The readers are
 * pure and bounds-checked (fuzz targets); on failure the cursor may have
 * moved and *ret is unspecified.
 *
 * Two styles of line:
 *   - fields that each end at a blank or at the end of the line, with any
 *     number of blanks before them (netlink, packet): pf_field_hex(),
 *     pf_field_udec(), pf_field_sdec(), then pf_only_blanks();
 *   - fields read digit by digit, the caller placing the separators (unix):
 *     pf_blanks(), pf_hex(), pf_dec(), pf_sep().
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct pf_cur {
	const char *p, *end;
};

/* The value of a hex digit, upper or lower case; -1 if c is not one. */
int pf_hexval(char c);

/* Skips blanks. */
void pf_blanks(struct pf_cur *c);

/* At least one blank, then all of them; false at the end of the line. */
bool pf_sep(struct pf_cur *c);

/* Skips blanks; true if nothing else is left. */
bool pf_only_blanks(struct pf_cur *c);

/* One to max (<= 16) hex digits, upper or lower case. */
bool pf_hex(struct pf_cur *c, unsigned max, uint64_t *ret);

/* Decimal digits, at least one, value <= limit. */
bool pf_dec(struct pf_cur *c, uint64_t limit, uint64_t *ret);

/* Blanks, then one to max (<= 16) hex digits ending the field. */
bool pf_field_hex(struct pf_cur *c, unsigned max, uint64_t *ret);

/* Blanks, then decimal digits ending the field, value <= limit; no sign. */
bool pf_field_udec(struct pf_cur *c, uint64_t limit, uint64_t *ret);

/* Blanks, then an optional '-' and decimal digits ending the field,
 * |value| <= limit (limit <= INT64_MAX). */
bool pf_field_sdec(struct pf_cur *c, uint64_t limit, int64_t *ret);

