// SPDX-License-Identifier: MIT
/*
 * states: the table of the 11 TCP states — names in every spelling, the side
 * and role that hold each one, and the texts that explain them.
 */
#include "states.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#define TODO_TEXT "(text to be written)"

static const struct state_info states[SK_STATE_MAX] = {
	[SK_ESTABLISHED] = {"ESTABLISHED", "ESTABLISHED", "ESTAB", SIDE_BOTH, ROLE_BOTH, TODO_TEXT, TODO_TEXT, TODO_TEXT, TODO_TEXT},
	[SK_SYN_SENT] = {"SYN-SENT", "SYN_SENT", "SYN-SENT", SIDE_CLIENT, ROLE_ACTIVE_OPENER, TODO_TEXT, TODO_TEXT, TODO_TEXT, TODO_TEXT},
	[SK_SYN_RECV] = {"SYN-RECEIVED", "SYN_RECV", "SYN-RECV", SIDE_SERVER, ROLE_PASSIVE_OPENER, TODO_TEXT, TODO_TEXT, TODO_TEXT, TODO_TEXT},
	[SK_FIN_WAIT1] = {"FIN-WAIT-1", "FIN_WAIT1", "FIN-WAIT-1", SIDE_CLIENT, ROLE_ACTIVE_CLOSER, TODO_TEXT, TODO_TEXT, TODO_TEXT, TODO_TEXT},
	[SK_FIN_WAIT2] = {"FIN-WAIT-2", "FIN_WAIT2", "FIN-WAIT-2", SIDE_CLIENT, ROLE_ACTIVE_CLOSER, TODO_TEXT, TODO_TEXT, TODO_TEXT, TODO_TEXT},
	[SK_TIME_WAIT] = {"TIME-WAIT", "TIME_WAIT", "TIME-WAIT", SIDE_CLIENT, ROLE_ACTIVE_CLOSER, TODO_TEXT, TODO_TEXT, TODO_TEXT, TODO_TEXT},
	[SK_CLOSE] = {"CLOSED", "CLOSE", "UNCONN", SIDE_BOTH, ROLE_NONE, TODO_TEXT, TODO_TEXT, TODO_TEXT, TODO_TEXT},
	[SK_CLOSE_WAIT] = {"CLOSE-WAIT", "CLOSE_WAIT", "CLOSE-WAIT", SIDE_SERVER, ROLE_PASSIVE_CLOSER, TODO_TEXT, TODO_TEXT, TODO_TEXT, TODO_TEXT},
	[SK_LAST_ACK] = {"LAST-ACK", "LAST_ACK", "LAST-ACK", SIDE_SERVER, ROLE_PASSIVE_CLOSER, TODO_TEXT, TODO_TEXT, TODO_TEXT, TODO_TEXT},
	[SK_LISTEN] = {"LISTEN", "LISTEN", "LISTEN", SIDE_SERVER, ROLE_PASSIVE_OPENER, TODO_TEXT, TODO_TEXT, TODO_TEXT, TODO_TEXT},
	[SK_CLOSING] = {"CLOSING", "CLOSING", "CLOSING", SIDE_CLIENT, ROLE_SIMULTANEOUS_CLOSER, TODO_TEXT, TODO_TEXT, TODO_TEXT, TODO_TEXT},
};

const uint8_t state_display_order[SK_STATE_MAX - 1] = {
	SK_LISTEN,     SK_SYN_SENT,   SK_SYN_RECV, SK_ESTABLISHED, SK_FIN_WAIT1, SK_FIN_WAIT2,
	SK_CLOSE_WAIT, SK_CLOSING,    SK_LAST_ACK, SK_TIME_WAIT,   SK_CLOSE,
};

static const char *const side_names[SIDE_MAX] = {"client", "server", "both"};
static const char *const role_names[ROLE_MAX] = {
	"active-opener", "passive-opener", "both", "active-closer", "passive-closer", "simultaneous-closer", "none",
};

const struct state_info *state_get(int state)
{
	if (state < 1 || state >= SK_STATE_MAX)
		return NULL;
	return &states[state];
}

const char *state_name(int state)
{
	const struct state_info *si = state_get(state);

	return si ? si->name : "?";
}

/* Lower-cases s into buf, dropping '-', '_' and spaces: "Close_Wait" -> "closewait". */
static void squash(const char *s, char *buf, size_t len)
{
	size_t j = 0;

	for (; *s && j + 1 < len; s++) {
		if (*s == '-' || *s == '_' || *s == ' ')
			continue;
		buf[j++] = (char)tolower((unsigned char)*s);
	}
	buf[j] = '\0';
}

int state_from_name(const char *s)
{
	static const struct {
		const char *alias;
		int state;
	} aliases[] = {
		{"estab", SK_ESTABLISHED}, {"synrecv", SK_SYN_RECV}, {"synrcvd", SK_SYN_RECV},
		{"unconn", SK_CLOSE},      {"close", SK_CLOSE},      {"finwait1", SK_FIN_WAIT1},
		{"finwait2", SK_FIN_WAIT2},
	};
	char want[32], have[32];

	if (!s || strlen(s) >= sizeof(want))
		return -EINVAL;
	squash(s, want, sizeof(want));
	for (int st = 1; st < SK_STATE_MAX; st++) {
		squash(states[st].name, have, sizeof(have));
		if (!strcmp(want, have))
			return st;
		squash(states[st].kernel_name, have, sizeof(have));
		if (!strcmp(want, have))
			return st;
		squash(states[st].ss_label, have, sizeof(have));
		if (!strcmp(want, have))
			return st;
	}
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(want, aliases[i].alias))
			return aliases[i].state;
	return -EINVAL;
}

const char *side_name(enum state_side side)
{
	return (unsigned)side < SIDE_MAX ? side_names[side] : "?";
}

const char *role_name(enum state_role role)
{
	return (unsigned)role < ROLE_MAX ? role_names[role] : "?";
}

static int lookup(const char *s, const char *const *names, int n)
{
	char want[32], have[32];

	if (!s || strlen(s) >= sizeof(want))
		return -EINVAL;
	squash(s, want, sizeof(want));
	for (int i = 0; i < n; i++) {
		squash(names[i], have, sizeof(have));
		if (!strcmp(want, have))
			return i;
	}
	return -EINVAL;
}

int side_from_name(const char *s)
{
	return lookup(s, side_names, SIDE_MAX);
}

int role_from_name(const char *s)
{
	return lookup(s, role_names, ROLE_MAX);
}
