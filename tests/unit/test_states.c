// SPDX-License-Identifier: MIT
/*
 * Unit tests for states (the table of the 11 TCP states: names in every
 * spelling, side and role, the texts) and explain (the per-state blocks, the
 * ASCII state machine and the legend under the table).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "kind.h"
#include "obuf.h"
#include "states.h"

#define NSTATES (SK_STATE_MAX - 1)

static bool is_plain_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static void check_text(int st, const char *what, const char *s)
{
	size_t ticks = 0;

	assert_non_null(s);
	if (!*s || strstr(s, "TODO") || strstr(s, "to be written") || !is_plain_ascii(s))
		fail_msg("%s of %s: empty, TODO or not plain ASCII: '%s'", what, state_name(st), s);
	for (const char *p = s; *p; p++)
		ticks += *p == '`';
	if (ticks % 2)
		fail_msg("%s of %s: unbalanced backquote", what, state_name(st));
}

static void t_texts(void **unused)
{
	(void)unused;
	for (int st = 1; st < SK_STATE_MAX; st++) {
		const struct state_info *si = state_get(st);
		size_t n;

		assert_non_null(si);
		check_text(st, "meaning", si->meaning);
		check_text(st, "explanation", si->explanation);
		check_text(st, "pileup", si->pileup);
		check_text(st, "advice", si->advice);
		n = strlen(si->meaning);
		if (n > 70 || si->meaning[n - 1] == '.')
			fail_msg("meaning of %s too long or ends with a period: '%s'", si->name, si->meaning);
		/* the paragraphs say something real */
		assert_true(strlen(si->explanation) > 200);
		assert_true(strlen(si->pileup) > 150);
		assert_true(strlen(si->advice) > 100);
		/* advice names a command to run */
		assert_non_null(strstr(si->advice, "sockscope "));
	}
	/* the facts the brief asks for */
	assert_non_null(strstr(state_get(SK_TIME_WAIT)->explanation, "60 s"));
	assert_non_null(strstr(state_get(SK_SYN_RECV)->explanation, "no inode"));
	assert_non_null(strstr(state_get(SK_CLOSE)->explanation, "6.8"));
	assert_non_null(strstr(state_get(SK_LISTEN)->explanation, "accept queue"));
	assert_non_null(strstr(state_get(SK_LISTEN)->explanation, "somaxconn"));
	assert_non_null(strstr(state_get(SK_CLOSE_WAIT)->pileup, "leak"));
	assert_non_null(strstr(state_get(SK_CLOSE_WAIT)->pileup, "backlog"));
	assert_non_null(strstr(state_get(SK_CLOSE_WAIT)->pileup, "timeout"));
	assert_non_null(strstr(state_get(SK_CLOSE_WAIT)->advice, "sockscope -p state close-wait"));
	assert_non_null(strstr(state_get(SK_CLOSE_WAIT)->advice, "sockscope check"));
}

static void t_names(void **unused)
{
	static const struct {
		const char *s;
		int st;
	} ok[] = {
		{"close-wait", SK_CLOSE_WAIT}, {"CLOSE_WAIT", SK_CLOSE_WAIT},    {"close_wait", SK_CLOSE_WAIT},
		{"closewait", SK_CLOSE_WAIT},  {"CLOSE-WAIT", SK_CLOSE_WAIT},    {"ESTAB", SK_ESTABLISHED},
		{"established", SK_ESTABLISHED}, {"SYN-RECV", SK_SYN_RECV},      {"syn-received", SK_SYN_RECV},
		{"SYN_RECV", SK_SYN_RECV},     {"SYN-SENT", SK_SYN_SENT},        {"UNCONN", SK_CLOSE},
		{"closed", SK_CLOSE},          {"CLOSE", SK_CLOSE},              {"time-wait", SK_TIME_WAIT},
		{"TIME_WAIT", SK_TIME_WAIT},   {"fin-wait-1", SK_FIN_WAIT1},     {"FIN_WAIT1", SK_FIN_WAIT1},
		{"fin-wait-2", SK_FIN_WAIT2},  {"FIN_WAIT2", SK_FIN_WAIT2},      {"listen", SK_LISTEN},
		{"LISTEN", SK_LISTEN},         {"last-ack", SK_LAST_ACK},        {"closing", SK_CLOSING},
	};
	static const char *const junk[] = {
		"", "bogus", "close-waitx", "wait", "fin-wait", "fin-wait-3", "12", "1", "listening-ish",
		"CLOSE WAIT AND MORE THAN THIRTY-TWO CHARACTERS LONG",
	};

	(void)unused;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (state_from_name(ok[i].s) != ok[i].st)
			fail_msg("state_from_name(\"%s\") = %d, want %d", ok[i].s, state_from_name(ok[i].s), ok[i].st);
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		if (state_from_name(junk[i]) != -EINVAL)
			fail_msg("state_from_name(\"%s\") accepted junk", junk[i]);
	assert_int_equal(state_from_name(NULL), -EINVAL);
	/* every name round-trips */
	for (int st = 1; st < SK_STATE_MAX; st++) {
		const struct state_info *si = state_get(st);

		assert_int_equal(state_from_name(si->name), st);
		assert_int_equal(state_from_name(si->kernel_name), st);
		assert_int_equal(state_from_name(si->ss_label), st);
		assert_string_equal(state_name(st), si->name);
	}
	assert_null(state_get(0));
	assert_null(state_get(SK_STATE_MAX));
	assert_null(state_get(-1));
	assert_string_equal(state_name(0), "?");
	assert_string_equal(state_name(99), "?");
	assert_string_equal(state_name(SK_SYN_RECV), "SYN-RECEIVED");
	assert_string_equal(state_get(SK_CLOSE)->ss_label, "UNCONN");
	assert_string_equal(state_get(SK_ESTABLISHED)->ss_label, "ESTAB");
}

static void t_display_order(void **unused)
{
	uint32_t seen = 0;

	(void)unused;
	for (size_t i = 0; i < NSTATES; i++) {
		int st = state_display_order[i];

		assert_true(st >= 1 && st < SK_STATE_MAX);
		assert_false(seen & (1u << st));
		seen |= 1u << st;
	}
	assert_int_equal(seen, SK_ALL_STATES);
	assert_int_equal(state_display_order[0], SK_LISTEN);
	assert_int_equal(state_display_order[NSTATES - 1], SK_CLOSE);
}

/* The table of STATES.md: the usual client/server reading and the precise role. */
static void t_side_role(void **unused)
{
	static const struct {
		int st;
		enum state_side side;
		enum state_role role;
	} want[] = {
		{SK_SYN_SENT, SIDE_CLIENT, ROLE_ACTIVE_OPENER},
		{SK_FIN_WAIT1, SIDE_CLIENT, ROLE_ACTIVE_CLOSER},
		{SK_FIN_WAIT2, SIDE_CLIENT, ROLE_ACTIVE_CLOSER},
		{SK_CLOSING, SIDE_CLIENT, ROLE_SIMULTANEOUS_CLOSER},
		{SK_TIME_WAIT, SIDE_CLIENT, ROLE_ACTIVE_CLOSER},
		{SK_LISTEN, SIDE_SERVER, ROLE_PASSIVE_OPENER},
		{SK_SYN_RECV, SIDE_SERVER, ROLE_PASSIVE_OPENER},
		{SK_CLOSE_WAIT, SIDE_SERVER, ROLE_PASSIVE_CLOSER},
		{SK_LAST_ACK, SIDE_SERVER, ROLE_PASSIVE_CLOSER},
		{SK_ESTABLISHED, SIDE_BOTH, ROLE_BOTH},
		{SK_CLOSE, SIDE_BOTH, ROLE_NONE},
	};
	uint32_t covered = 0;

	(void)unused;
	assert_int_equal(sizeof(want) / sizeof(want[0]), NSTATES);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct state_info *si = state_get(want[i].st);

		assert_non_null(si);
		if (si->side != want[i].side || si->role != want[i].role)
			fail_msg("%s: side %s role %s, want %s / %s", si->name, side_name(si->side),
				 role_name(si->role), side_name(want[i].side), role_name(want[i].role));
		covered |= 1u << want[i].st;
	}
	assert_int_equal(covered, SK_ALL_STATES);
	assert_string_equal(side_name(SIDE_CLIENT), "client");
	assert_string_equal(side_name(SIDE_SERVER), "server");
	assert_string_equal(side_name(SIDE_BOTH), "both");
	assert_string_equal(role_name(ROLE_PASSIVE_CLOSER), "passive-closer");
	assert_string_equal(role_name(ROLE_SIMULTANEOUS_CLOSER), "simultaneous-closer");
	assert_string_equal(role_name(ROLE_NONE), "none");
	for (int i = 0; i < SIDE_MAX; i++)
		assert_int_equal(side_from_name(side_name((enum state_side)i)), i);
	for (int i = 0; i < ROLE_MAX; i++)
		assert_int_equal(role_from_name(role_name((enum state_role)i)), i);
	assert_int_equal(role_from_name("active_closer"), ROLE_ACTIVE_CLOSER);
	assert_int_equal(side_from_name("nope"), -EINVAL);
	assert_int_equal(role_from_name("nope"), -EINVAL);
}

/* Visible columns of the line starting at s (up to '\n'), skipping ANSI CSI sequences. */
static size_t visible_width(const char *s, const char **next)
{
	size_t w = 0;

	while (*s && *s != '\n') {
		if (*s == '\033' && s[1] == '[') {
			s += 2;
			while (*s && !(*s >= '@' && *s <= '~'))
				s++;
			if (*s)
				s++;
			continue;
		}
		w++;
		s++;
	}
	*next = *s ? s + 1 : s;
	return w;
}

/* Checks every line is at most max columns; returns the number of lines. */
static size_t check_width(const char *text, size_t max)
{
	size_t lines = 0;

	while (*text) {
		const char *line = text;
		size_t w = visible_width(text, &text);

		if (w > max)
			fail_msg("line of %zu columns: %.*s", w, (int)(text - line), line);
		lines++;
	}
	return lines;
}

static const char *header_of(int st, char *buf, size_t len)
{
	const struct state_info *si = state_get(st);

	snprintf(buf, len, "\n%s  (kernel: %s, ss: %s)\n", si->name, si->kernel_name, si->ss_label);
	return buf;
}

static void t_render_selected(void **unused)
{
	static const uint32_t masks[] = {
		1u << SK_CLOSE_WAIT,
		1u << SK_LISTEN,
		(1u << SK_TIME_WAIT) | (1u << SK_SYN_RECV),
		(1u << SK_CLOSE) | (1u << SK_ESTABLISHED) | (1u << SK_CLOSING),
		SK_ALL_STATES,
	};

	(void)unused;
	for (size_t m = 0; m < sizeof(masks) / sizeof(masks[0]); m++) {
		struct obuf o;
		char *text;
		const char *prev = NULL;

		assert_int_equal(obuf_init(&o, -1, 0), 0);
		obuf_putc(&o, '\n'); /* so that every header follows a newline */
		explain_render(&o, masks[m], false);
		assert_int_equal(o.err, 0);
		text = strdup(obuf_cstr(&o));
		assert_non_null(text);
		for (size_t i = 0; i < NSTATES; i++) {
			int st = state_display_order[i];
			char hdr[64];
			const char *at = strstr(text, header_of(st, hdr, sizeof(hdr)));

			if (!(masks[m] & (1u << st))) {
				if (at)
					fail_msg("mask %#x shows unselected %s", masks[m], state_name(st));
				continue;
			}
			if (!at)
				fail_msg("mask %#x lacks the header of %s", masks[m], state_name(st));
			/* in display order */
			assert_true(!prev || at > prev);
			prev = at;
			assert_non_null(strstr(at, "\nSide: "));
			assert_non_null(strstr(at, "\nMeaning:\n  "));
			assert_non_null(strstr(at, "\nWhat happened:\n  "));
			assert_non_null(strstr(at, "\nWhen many pile up:\n  "));
			assert_non_null(strstr(at, "\nWhat to do:\n  "));
		}
		/* the diagram follows; all states selected highlights nothing */
		assert_non_null(strstr(text, "\nThe TCP state machine"));
		if (masks[m] == SK_ALL_STATES)
			assert_null(strstr(text, "[*"));
		else
			assert_non_null(strstr(text, "[*"));
		/* no colour means no escape sequences; wrapped at 78 columns */
		assert_null(strchr(text, '\033'));
		assert_true(check_width(text, 78) > 20);
		free(text);
		obuf_free(&o);
	}
}

static void t_render_close_wait(void **unused)
{
	struct obuf o;
	const char *s;

	(void)unused;
	assert_int_equal(obuf_init(&o, -1, 0), 0);
	explain_render(&o, 1u << SK_CLOSE_WAIT, false);
	s = obuf_cstr(&o);
	assert_true(!strncmp(s, "CLOSE-WAIT  (kernel: CLOSE_WAIT, ss: CLOSE-WAIT)\n"
				"Side: server (usual reading) / Role: passive-closer (precise)\n"
				"Meaning:\n  the peer closed",
			     strlen("CLOSE-WAIT  (kernel: CLOSE_WAIT, ss: CLOSE-WAIT)\n"
				    "Side: server (usual reading) / Role: passive-closer (precise)\n"
				    "Meaning:\n  the peer closed")));
	assert_non_null(strstr(s, "[*CLOSE-WAIT*]"));
	assert_null(strstr(s, "[*LAST-ACK*]"));
	/* a backquoted command is never split across lines */
	assert_non_null(strstr(s, "`sockscope -p state close-wait`"));
	obuf_free(&o);

	assert_int_equal(obuf_init(&o, -1, 0), 0);
	explain_render(&o, 1u << SK_CLOSE_WAIT, true);
	s = obuf_cstr(&o);
	assert_non_null(strstr(s, "\033[1;7mCLOSE-WAIT\033[0m"));
	assert_null(strstr(s, "\033[1;7mLAST-ACK"));
	assert_null(strstr(s, "[*"));
	check_width(s, 78);
	obuf_free(&o);
}

static char *diagram_text(uint32_t highlight, bool color)
{
	struct obuf o;
	char *s;

	assert_int_equal(obuf_init(&o, -1, 0), 0);
	explain_diagram(&o, highlight, color);
	assert_int_equal(o.err, 0);
	s = strdup(obuf_cstr(&o));
	assert_non_null(s);
	obuf_free(&o);
	return s;
}

/* Every line of a has the same visible width as the same line of b, up to the
 * first line that only b has (the key line under a highlighted diagram). */
static void check_aligned(const char *a, const char *b)
{
	while (*a) {
		const char *la = a, *lb = b;
		size_t wa = visible_width(a, &a), wb = visible_width(b, &b);

		if (!*la || *la == '\n')
			break; /* the blank line before the key */
		if (wa != wb)
			fail_msg("misaligned:\n%.*s\n%.*s", (int)(a - la), la, (int)(b - lb), lb);
	}
}

static void t_diagram(void **unused)
{
	char *plain = diagram_text(0, false);
	char *cplain = diagram_text(0, true);

	(void)unused;
	/* every state name, each in its marker cells */
	for (int st = 1; st < SK_STATE_MAX; st++) {
		char cell[32];

		snprintf(cell, sizeof(cell), "[ %s ]", state_name(st));
		if (!strstr(plain, cell))
			fail_msg("diagram lacks %s", cell);
	}
	/* the main transitions are labelled */
	assert_non_null(strstr(plain, "rcv SYN / snd SYN,ACK"));
	assert_non_null(strstr(plain, "close / snd FIN"));
	assert_non_null(strstr(plain, "rcv FIN / snd ACK"));
	assert_non_null(strstr(plain, "2MSL timeout"));
	assert_true(check_width(plain, 78) > 25);
	assert_string_equal(plain, cplain); /* nothing highlighted: colour changes nothing */
	for (const char *p = plain; *p; p++)
		assert_true(*p == '\n' || (*p >= 0x20 && *p <= 0x7e));

	/* each state highlighted alone, and all of them, in both modes */
	for (int st = 0; st < SK_STATE_MAX; st++) {
		uint32_t hl = st ? 1u << st : SK_ALL_STATES;
		char *mono = diagram_text(hl, false);
		char *color = diagram_text(hl, true);
		char want[64];

		check_width(mono, 78);
		check_width(color, 78);
		check_aligned(plain, mono);
		check_aligned(plain, color);
		if (st) {
			snprintf(want, sizeof(want), "[*%s*]", state_name(st));
			assert_non_null(strstr(mono, want));
			snprintf(want, sizeof(want), "[ \033[1;7m%s\033[0m ]", state_name(st));
			assert_non_null(strstr(color, want));
			assert_null(strchr(mono, '\033'));
			assert_null(strstr(color, "[*"));
		}
		free(mono);
		free(color);
	}
	free(plain);
	free(cplain);
}

static char *legend_text(const unsigned long counts[], bool color)
{
	struct obuf o;
	char *s;

	assert_int_equal(obuf_init(&o, -1, 0), 0);
	explain_legend(&o, kind_get(KIND_TCP), NULL, counts, color);
	assert_int_equal(o.err, 0);
	s = strdup(obuf_cstr(&o));
	assert_non_null(s);
	obuf_free(&o);
	return s;
}

static void t_legend(void **unused)
{
	unsigned long counts[SK_STATE_MAX] = {0};
	char *s;
	const char *lines[4], *p;
	size_t n = 0, col = 0;

	(void)unused;
	s = legend_text(counts, false);
	assert_string_equal(s, "");
	free(s);
	s = legend_text(counts, true);
	assert_string_equal(s, "");
	free(s);

	counts[SK_CLOSE_WAIT] = 3;
	counts[SK_LISTEN] = 12345;
	counts[SK_TIME_WAIT] = 1;
	s = legend_text(counts, false);
	assert_true(!strncmp(s, "Legend:\n", 8));
	for (p = strchr(s, '\n') + 1; *p; p = strchr(p, '\n') + 1) {
		assert_true(n < 4);
		lines[n++] = p;
	}
	assert_int_equal(n, 3);
	/* display order: LISTEN, CLOSE-WAIT, TIME-WAIT; zero counts skipped */
	assert_true(!strncmp(lines[0], "  LISTEN ", 9));
	assert_true(!strncmp(lines[1], "  CLOSE-WAIT ", 13));
	assert_true(!strncmp(lines[2], "  TIME-WAIT ", 12));
	assert_null(strstr(s, "ESTABLISHED"));
	assert_non_null(strstr(lines[1], " 3  the peer closed; waiting for this application to call close()"));
	assert_non_null(strstr(lines[1], "[server / passive-closer]\n"));
	assert_non_null(strstr(lines[0], "12345  "));
	assert_non_null(strstr(lines[2], "[client / active-closer]\n"));
	/* aligned: counts end, and meanings and brackets start, in the same columns */
	for (size_t i = 0; i < n; i++) {
		const struct state_info *si = state_get(i == 0 ? SK_LISTEN : i == 1 ? SK_CLOSE_WAIT : SK_TIME_WAIT);
		size_t c = (size_t)(strstr(lines[i], si->meaning) - lines[i]);

		assert_true(i == 0 || c == col);
		col = c;
		assert_true(lines[i][c - 1] == ' ' && lines[i][c - 2] == ' ' && lines[i][c - 3] != ' ');
	}
	assert_int_equal(strchr(lines[0], '[') - lines[0], strchr(lines[1], '[') - lines[1]);
	assert_int_equal(strchr(lines[1], '[') - lines[1], strchr(lines[2], '[') - lines[2]);
	assert_null(strchr(s, '\033'));
	free(s);

	s = legend_text(counts, true);
	assert_non_null(strstr(s, "  \033[1;31mCLOSE-WAIT\033[0m "));
	assert_non_null(strstr(s, "  \033[32mLISTEN\033[0m "));
	free(s);
}

static void t_colors(void **unused)
{
	(void)unused;
	assert_string_equal(state_color(SK_CLOSE_WAIT), "\033[1;31m");
	assert_string_equal(state_color(SK_LISTEN), "\033[32m");
	assert_string_equal(state_color(SK_ESTABLISHED), "\033[1;32m");
	assert_string_equal(state_color(SK_SYN_SENT), "\033[33m");
	assert_string_equal(state_color(SK_SYN_RECV), "\033[33m");
	assert_string_equal(state_color(SK_TIME_WAIT), "\033[36m");
	assert_string_equal(state_color(SK_CLOSE), "\033[2m");
	assert_string_equal(state_color(SK_FIN_WAIT1), "\033[35m");
	assert_string_equal(state_color(SK_FIN_WAIT2), "\033[35m");
	assert_string_equal(state_color(SK_CLOSING), "\033[35m");
	assert_string_equal(state_color(SK_LAST_ACK), "\033[35m");
	assert_string_equal(state_color(0), "");
	assert_string_equal(state_color(SK_STATE_MAX), "");
	assert_string_equal(state_color(-3), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_texts),           cmocka_unit_test(t_names),
		cmocka_unit_test(t_display_order),   cmocka_unit_test(t_side_role),
		cmocka_unit_test(t_render_selected), cmocka_unit_test(t_render_close_wait),
		cmocka_unit_test(t_diagram),         cmocka_unit_test(t_legend),
		cmocka_unit_test(t_colors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
