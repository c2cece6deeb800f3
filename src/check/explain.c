// SPDX-License-Identifier: MIT
/*
 * explain: renders the texts of states.c for people.  `sockscope explain`
 * prints a block per state (names, side and role, meaning, what happened, what
 * a pile-up means, what to do) word-wrapped at 78 columns, then an ASCII TCP
 * state machine with the chosen states highlighted.  The legend under the
 * table and the palette shared by the table, the legend and the groups live
 * here too.  Everything goes into an obuf; nothing is printed directly.
 */
#include "explain.h"
#include "kind.h"

#include <stddef.h>
#include <string.h>

#include "states.h"

#define EXPLAIN_WIDTH 78
#define EXPLAIN_INDENT 2

#define ANSI_RESET "\033[0m"
#define ANSI_BOLD "\033[1m"
#define ANSI_HIGHLIGHT "\033[1;7m"

const char *state_color(int state)
{
	switch (state) {
	case SK_LISTEN:
		return "\033[32m";
	case SK_SYN_SENT:
	case SK_SYN_RECV:
		return "\033[33m";
	case SK_ESTABLISHED:
		return "\033[1;32m";
	case SK_FIN_WAIT1:
	case SK_FIN_WAIT2:
	case SK_CLOSING:
	case SK_LAST_ACK:
		return "\033[35m";
	case SK_CLOSE_WAIT:
		return "\033[1;31m";
	case SK_TIME_WAIT:
		return "\033[36m";
	case SK_CLOSE:
		return "\033[2m";
	default:
		return "";
	}
}

/*
 * The state machine.  Every state name is written as {NAME}: the braces are
 * the two marker cells around the name, rendered as spaces, as '*' when the
 * state is highlighted without colour, or as spaces around an ANSI-highlighted
 * name.  The visible width is therefore the same in every mode, and equals the
 * width of the template line.
 */
static const char *const diagram[] = {
	"The TCP state machine (RFC 793). rcv = segment received, snd = segment sent;",
	"left: the side that closes first; right: the side whose peer closed first.",
	"",
	"                                  [{CLOSED}]",
	"               listen()            |      |           connect() / snd SYN",
	"               (passive open)      |      |           (active open)",
	"                  +----------------+      +-----------------+",
	"                  v                                         v",
	"              [{LISTEN}]                              [{SYN-SENT}]",
	"                  |                                     |        |",
	" rcv SYN /        |         rcv SYN / snd SYN,ACK       |        |",
	" snd SYN,ACK      v         (simultaneous open)         |        |",
	"          [{SYN-RECEIVED}]<-----------------------------+        |",
	"                  |                                              |",
	"                  | rcv ACK of SYN         rcv SYN,ACK / snd ACK |",
	"                  |                                              |",
	"                  +-------------->[{ESTABLISHED}]<---------------+",
	"                                     |       |",
	"          close / snd FIN            |       |         rcv FIN / snd ACK",
	"          (active close)             |       |         (passive close)",
	"                  +------------------+       +------------------+",
	"                  v                                             v",
	"            [{FIN-WAIT-1}]                                [{CLOSE-WAIT}]",
	"              |        |                                        |",
	" rcv ACK of   |        | rcv FIN /                              | close /",
	" FIN          |        | snd ACK                                | snd FIN",
	"              v        v                                        v",
	"     [{FIN-WAIT-2}]  [{CLOSING}]                          [{LAST-ACK}]",
	"              |        |                                        |",
	" rcv FIN /    |        | rcv ACK                                | rcv ACK",
	" snd ACK      |        | of FIN                                 | of FIN",
	"              v        v                                        v",
	"            [{TIME-WAIT}]                                   [{CLOSED}]",
	"                  |",
	"                  | 2MSL timeout (fixed 60 s on Linux)",
	"                  v",
	"              [{CLOSED}]",
};

/* The state whose RFC name is exactly the n bytes at s, or 0. */
static int explain_state_by_name(const char *s, size_t n)
{
	for (int st = 1; st < SK_STATE_MAX; st++) {
		const char *name = state_name(st);

		if (strlen(name) == n && !memcmp(name, s, n))
			return st;
	}
	return 0;
}

static void explain_diagram_line(struct obuf *o, const char *line, uint32_t highlight, bool color)
{
	const char *p = line;

	while (*p) {
		const char *open = strchr(p, '{');
		const char *close = open ? strchr(open, '}') : NULL;
		size_t n;
		int st;
		bool hl;

		if (!open || !close) {
			obuf_puts(o, p);
			break;
		}
		obuf_put(o, p, (size_t)(open - p));
		n = (size_t)(close - open - 1);
		st = explain_state_by_name(open + 1, n);
		hl = st && (highlight & (1u << st));
		if (hl && color) {
			obuf_putc(o, ' ');
			obuf_puts(o, ANSI_HIGHLIGHT);
			obuf_put(o, open + 1, n);
			obuf_puts(o, ANSI_RESET);
			obuf_putc(o, ' ');
		} else {
			obuf_putc(o, hl ? '*' : ' ');
			obuf_put(o, open + 1, n);
			obuf_putc(o, hl ? '*' : ' ');
		}
		p = close + 1;
	}
	obuf_putc(o, '\n');
}

void explain_diagram(struct obuf *o, uint32_t highlight, bool color)
{
	const char *key = color ? "Highlighted:" : "Marked [*LIKE-THIS*]:";
	size_t col;
	bool first = true;

	highlight &= SK_ALL_STATES;
	for (size_t i = 0; i < sizeof(diagram) / sizeof(diagram[0]); i++)
		explain_diagram_line(o, diagram[i], highlight, color);
	if (!highlight)
		return;
	/* the key: which states are highlighted, wrapped like the texts */
	obuf_printf(o, "\n%s", key);
	col = strlen(key);
	for (size_t i = 0; i < SK_STATE_MAX - 1; i++) {
		int st = state_display_order[i];
		const char *name = state_name(st);
		const char *sep = first ? " " : ", ";

		if (!(highlight & (1u << st)))
			continue;
		if (col + strlen(sep) + strlen(name) > EXPLAIN_WIDTH) {
			obuf_puts(o, first ? "\n" : ",\n");
			obuf_pad(o, ' ', EXPLAIN_INDENT);
			col = EXPLAIN_INDENT;
		} else {
			obuf_puts(o, sep);
			col += strlen(sep);
		}
		obuf_puts(o, name);
		col += strlen(name);
		first = false;
	}
	obuf_putc(o, '\n');
}

/* Length of the word at s: up to the next space, except that spaces inside a
 * `backquoted command` do not end it, so commands are never split. */
static size_t explain_word_len(const char *s)
{
	bool quoted = false;
	size_t n = 0;

	for (; s[n]; n++) {
		if (s[n] == '`')
			quoted = !quoted;
		else if (s[n] == ' ' && !quoted)
			break;
	}
	return n;
}

/* Writes text word-wrapped to EXPLAIN_WIDTH columns, every line indented.  A
 * word longer than a line gets a line of its own. */
static void explain_wrap(struct obuf *o, const char *text)
{
	size_t col = 0;

	while (*text) {
		size_t n;

		while (*text == ' ')
			text++;
		if (!*text)
			break;
		n = explain_word_len(text);
		if (col && col + 1 + n > EXPLAIN_WIDTH) {
			obuf_putc(o, '\n');
			col = 0;
		}
		if (!col) {
			obuf_pad(o, ' ', EXPLAIN_INDENT);
			col = EXPLAIN_INDENT;
		} else {
			obuf_putc(o, ' ');
			col++;
		}
		obuf_put(o, text, n);
		col += n;
		text += n;
	}
	if (col)
		obuf_putc(o, '\n');
}

static void explain_section(struct obuf *o, const char *title, const char *text, bool color)
{
	if (color)
		obuf_printf(o, ANSI_BOLD "%s" ANSI_RESET "\n", title);
	else
		obuf_printf(o, "%s\n", title);
	explain_wrap(o, text);
}

static void explain_info(struct obuf *o, const struct state_info *si, int st, bool color)
{
	if (color)
		obuf_printf(o, ANSI_BOLD "%s%s" ANSI_RESET, state_color(st), si->name);
	else
		obuf_puts(o, si->name);
	obuf_printf(o, "  (kernel: %s, ss: %s)\n", si->kernel_name, si->ss_label);
	obuf_printf(o, "Side: %s (usual reading) / Role: %s (precise)\n", side_name(si->side), role_name(si->role));
	explain_section(o, "Meaning:", si->meaning, color);
	explain_section(o, "What happened:", si->explanation, color);
	explain_section(o, "When many pile up:", si->pileup, color);
	explain_section(o, "What to do:", si->advice, color);
}

static void explain_state(struct obuf *o, int st, bool color)
{
	explain_info(o, state_get(st), st, color);
}

void explain_kind(struct obuf *o, const struct sock_kind *k, uint32_t mask, bool color)
{
	bool any = false;

	if (color)
		obuf_printf(o, ANSI_BOLD "%s sockets" ANSI_RESET " (Netid %s", k->title, k->netid);
	else
		obuf_printf(o, "%s sockets (Netid %s", k->title, k->netid);
	for (size_t i = 0; i < k->nsubtypes; i++)
		obuf_printf(o, "%s%s", i ? ", " : ": ", k->subtypes[i].netid);
	obuf_puts(o, ")\n\n");
	for (size_t i = 0; i < SK_STATE_MAX - 1; i++) {
		int st = state_display_order[i];

		if (!k->vocab[st].name || !(mask & (1u << st)))
			continue;
		explain_info(o, &k->vocab[st], st, color);
		obuf_putc(o, '\n');
		any = true;
	}
	if (!any)
		obuf_puts(o, "(no such state for this kind)\n");
}

void explain_render(struct obuf *o, uint32_t mask, bool color)
{
	uint32_t highlight;

	mask &= SK_ALL_STATES;
	highlight = mask == SK_ALL_STATES ? 0 : mask;
	for (size_t i = 0; i < SK_STATE_MAX - 1; i++) {
		int st = state_display_order[i];

		if (!(mask & (1u << st)))
			continue;
		explain_state(o, st, color);
		obuf_putc(o, '\n');
	}
	explain_diagram(o, highlight, color);
}

void explain_legend(struct obuf *o, const struct sock_kind *k, const char *title, const unsigned long counts[],
		    bool color)
{
	size_t name_w = 0, count_w = 3, meaning_w = 0;
	bool any = false;

	for (int st = 1; st < SK_STATE_MAX; st++) {
		const struct state_info *si = &k->vocab[st];
		size_t w;

		if (!si->name)
			continue;
		w = strlen(si->name);

		/* every name counts, so that the columns do not move with the states present */
		name_w = w > name_w ? w : name_w;
		if (!counts[st])
			continue;
		any = true;
		w = u64_len(counts[st]);
		count_w = w > count_w ? w : count_w;
		w = strlen(si->meaning);
		meaning_w = w > meaning_w ? w : meaning_w;
	}
	if (!any)
		return;
	if (title)
		obuf_printf(o, "Legend (%s):\n", title);
	else
		obuf_puts(o, "Legend:\n");
	for (size_t i = 0; i < SK_STATE_MAX - 1; i++) {
		int st = state_display_order[i];
		const struct state_info *si = &k->vocab[st];

		if (!counts[st] || !si->name)
			continue;
		obuf_pad(o, ' ', 2);
		if (color)
			obuf_printf(o, "%s%s" ANSI_RESET, state_color(st), si->name);
		else
			obuf_puts(o, si->name);
		obuf_pad(o, ' ', name_w - strlen(si->name) + 1 + count_w - u64_len(counts[st]));
		obuf_u64(o, counts[st]);
		obuf_printf(o, "  %-*s  [%s / %s]\n", (int)meaning_w, si->meaning, side_name(si->side),
			    role_name(si->role));
	}
}
