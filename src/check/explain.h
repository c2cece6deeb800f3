/* SPDX-License-Identifier: MIT */
/*
 * explain: `sockscope explain [STATE...]` and the legend under the table.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "obuf.h"

/* Full explanation of each state in mask (bits 1 << SK_*), in display order,
 * followed by the ASCII state machine with those states highlighted
 * (highlight with ANSI bold/colour if color, else with markers). */
void explain_render(struct obuf *o, uint32_t mask, bool color);
struct sock_kind;
/* The states of kind k in mask (all: ~0u), explained as the TCP ones are. */
void explain_kind(struct obuf *o, const struct sock_kind *k, uint32_t mask, bool color);
/* The ASCII state machine alone. */
void explain_diagram(struct obuf *o, uint32_t highlight, bool color);
/* Legend under the table: one line per state with count > 0:
 * state, count, meaning, side/role.  counts is indexed by state (1..11). */
struct sock_kind;
/* The legend of one kind's states present in counts (indexed by state);
 * title: "Legend (TITLE):" instead of "Legend:" when not NULL. */
void explain_legend(struct obuf *o, const struct sock_kind *k, const char *title, const unsigned long counts[],
		    bool color);

/* ANSI colour sequence for a state in the table and legend ("" if none). */
const char *state_color(int state);
