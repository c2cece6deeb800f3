/* SPDX-License-Identifier: MIT */
/*
 * states: the 11 TCP states of RFC 793 as the kernel numbers them, with their
 * names in every common spelling, who holds each one (the client/server
 * reading and the precise role), and the texts that explain them.
 */
#pragma once

#include <stdint.h>

enum sk_state {
	SK_ESTABLISHED = 1,
	SK_SYN_SENT = 2,
	SK_SYN_RECV = 3,
	SK_FIN_WAIT1 = 4,
	SK_FIN_WAIT2 = 5,
	SK_TIME_WAIT = 6,
	SK_CLOSE = 7,
	SK_CLOSE_WAIT = 8,
	SK_LAST_ACK = 9,
	SK_LISTEN = 10,
	SK_CLOSING = 11,
	SK_STATE_MAX = 12,
	/* kernel-only numbers, mapped by collectors */
	SK_KERNEL_NEW_SYN_RECV = 12,
	SK_KERNEL_BOUND_INACTIVE = 13,
};

#define SK_ALL_STATES (((1u << SK_STATE_MAX) - 1) & ~1u) /* bits 1..11 */

enum state_side { SIDE_CLIENT, SIDE_SERVER, SIDE_BOTH, SIDE_MAX };

enum state_role {
	ROLE_ACTIVE_OPENER,
	ROLE_PASSIVE_OPENER,
	ROLE_BOTH,
	ROLE_ACTIVE_CLOSER,
	ROLE_PASSIVE_CLOSER,
	ROLE_SIMULTANEOUS_CLOSER,
	ROLE_NONE,
	ROLE_MAX
};

struct state_info {
	const char *name;        /* "CLOSE-WAIT" (RFC spelling, used everywhere) */
	const char *kernel_name; /* "CLOSE_WAIT" */
	const char *ss_label;    /* "CLOSE-WAIT", "ESTAB", "UNCONN", ... */
	enum state_side side;
	enum state_role role;
	const char *meaning;     /* one line */
	const char *explanation; /* a paragraph */
	const char *pileup;      /* what many of them usually mean */
	const char *advice;      /* what to do about it */
};

/* The TCP vocabulary, indexed by state (1..11); entry 0 is empty. */
extern const struct state_info tcp_states[SK_STATE_MAX];

/* The order in which states are listed to people (the connection's life). */
extern const uint8_t state_display_order[SK_STATE_MAX - 1];

/* NULL if state is not 1..11. */
const struct state_info *state_get(int state);
/* Any spelling: close-wait, CLOSE_WAIT, closewait, ESTAB, SYN-RECV, UNCONN...
 * Returns the state (1..11) or -EINVAL. */
int state_from_name(const char *s);
const char *state_name(int state); /* "?" if invalid */
const char *side_name(enum state_side side);   /* "client" "server" "both" */
const char *role_name(enum state_role role);   /* "active-closer", ... */
int side_from_name(const char *s);             /* -EINVAL if unknown */
int role_from_name(const char *s);             /* -EINVAL if unknown */
