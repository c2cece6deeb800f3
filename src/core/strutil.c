// SPDX-License-Identifier: MIT
/*
 * strutil: escaping of untrusted strings for the terminal, JSON and CSV.
 */
#include "strutil.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong, surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* True for a byte that both escapers pass through unchanged, one column wide. */
static inline bool is_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '\\';
}

/*
 * True if none of the 8 bytes in x is special to is_plain(), tested all at
 * once (the "has less / has more / has zero byte" tricks; each is exact as a
 * yes/no answer): a byte < 0x20, a byte > 0x7e, or a backslash.
 */
static inline bool word_plain(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	uint64_t lt = (x - ones * 0x20) & ~x;
	uint64_t gt = (x + ones * (0x7f - 0x7e)) | x;
	uint64_t bs = x ^ (ones * '\\');

	bs = (bs - ones) & ~bs;
	return !((lt | gt | bs) & high);
}

/* Length of the leading run of plain bytes: the whole string, usually. */
static size_t plain_prefix(const unsigned char *s, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x;

		memcpy(&x, s + i, 8);
		if (!word_plain(x))
			break;
	}
	while (i < n && is_plain(s[i]))
		i++;
	return i;
}

bool str_term_plain(const char *s, size_t n)
{
	return plain_prefix((const unsigned char *)s, n) == n;
}

static const char hexdig[] = "0123456789abcdef";

static void put_hex_byte(struct obuf *o, unsigned char c)
{
	char b[4] = {'\\', 'x', hexdig[c >> 4], hexdig[c & 15]};

	obuf_put(o, b, 4);
}

/* Unicode control characters and other things a terminal interprets:
 * C1 controls (U+0080..U+009F) arrive as 2-byte sequences c2 80..c2 9f. */
static bool is_c1(const unsigned char *s, size_t len)
{
	return len == 2 && s[0] == 0xc2 && s[1] < 0xa0;
}

void str_escape_term(struct obuf *o, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = plain_prefix(s, n), start = 0;

	if (i == n) {
		obuf_put(o, s, n);
		return;
	}

	while (i < n) {
		unsigned char c = s[i];
		size_t len;

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			i++;
			continue;
		}
		len = c < 0x80 ? 0 : utf8_seq_len(s + i, n - i);
		if (len > 1 && !is_c1(s + i, len)) {
			i += len;
			continue;
		}
		obuf_put(o, s + start, i - start);
		if (c == '\\')
			obuf_put(o, "\\\\", 2);
		else if (c == '\n')
			obuf_put(o, "\\n", 2);
		else if (c == '\t')
			obuf_put(o, "\\t", 2);
		else if (c == 0x1b)
			obuf_put(o, "\\e", 2);
		else if (len == 2) { /* C1 control: escape both bytes */
			put_hex_byte(o, s[i]);
			put_hex_byte(o, s[i + 1]);
			i++;
		} else
			put_hex_byte(o, c);
		i++;
		start = i;
	}
	obuf_put(o, s + start, i - start);
}

size_t str_term_width(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = plain_prefix(s, n), w = i;

	while (i < n) {
		unsigned char c = s[i];
		size_t len;

		if (c >= 0x20 && c < 0x7f) {
			w += c == '\\' ? 2 : 1;
			i++;
			continue;
		}
		len = c < 0x80 ? 0 : utf8_seq_len(s + i, n - i);
		if (len > 1 && !is_c1(s + i, len)) {
			w += 1; /* approximation: wide CJK counts as 1 */
			i += len;
		} else if (c == '\n' || c == '\t' || c == 0x1b) {
			w += 2;
			i++;
		} else if (len == 2) {
			w += 8;
			i += 2;
		} else {
			w += 4;
			i++;
		}
	}
	return w;
}

void str_escape_json(struct obuf *o, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, start = 0;

	obuf_putc(o, '"');
	while (i < n) {
		unsigned char c = s[i];
		size_t len;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			continue;
		}
		len = c < 0x80 ? 0 : utf8_seq_len(s + i, n - i);
		if (len > 1) {
			i += len;
			continue;
		}
		obuf_put(o, s + start, i - start);
		switch (c) {
		case '"':
			obuf_put(o, "\\\"", 2);
			break;
		case '\\':
			obuf_put(o, "\\\\", 2);
			break;
		case '\n':
			obuf_put(o, "\\n", 2);
			break;
		case '\t':
			obuf_put(o, "\\t", 2);
			break;
		case '\r':
			obuf_put(o, "\\r", 2);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				char b[6] = {'\\', 'u', '0', '0', hexdig[c >> 4], hexdig[c & 15]};

				obuf_put(o, b, 6);
			} else {
				obuf_put(o, "\\ufffd", 6); /* invalid UTF-8 byte */
			}
		}
		i++;
		start = i;
	}
	obuf_put(o, s + start, i - start);
	obuf_putc(o, '"');
}

void str_escape_csv(struct obuf *o, const char *s, size_t n)
{
	bool quote = false;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r') {
			quote = true;
			break;
		}
	}
	if (!quote) {
		str_escape_term(o, s, n);
		return;
	}
	obuf_putc(o, '"');
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"') {
			str_escape_term(o, s + start, i - start);
			obuf_put(o, "\"\"", 2);
			start = i + 1;
		}
	}
	str_escape_term(o, s + start, n - start);
	obuf_putc(o, '"');
}
