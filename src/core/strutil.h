/* SPDX-License-Identifier: MIT */
/*
 * strutil: escaping for every output.  Process names and other strings come
 * from untrusted sources: the table and the live view escape control bytes
 * and invalid UTF-8 so nothing can drive the terminal; JSON gets valid UTF-8
 * with \u escapes; CSV gets RFC 4180 quoting.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "obuf.h"

/* Terminal-safe: control bytes as \xNN (\n, \t, \e as such), invalid UTF-8
 * bytes as \xNN, backslash as \\.  Valid UTF-8 passes through. */
void str_escape_term(struct obuf *o, const char *s, size_t n);
/* Display width of what str_escape_term would print (columns). */
size_t str_term_width(const char *s, size_t n);
/* True if s needs no terminal escaping: printable ASCII without backslash,
 * so str_escape_term() copies it and its width is n. */
bool str_term_plain(const char *s, size_t n);
/* A JSON string literal with quotes.  Invalid UTF-8 bytes become U+FFFD. */
void str_escape_json(struct obuf *o, const char *s, size_t n);
/* A CSV field, quoted when needed (RFC 4180); control bytes escaped as in
 * str_escape_term so that a spreadsheet never sees terminal sequences. */
void str_escape_csv(struct obuf *o, const char *s, size_t n);
/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
size_t utf8_seq_len(const unsigned char *s, size_t n);
