/* SPDX-License-Identifier: MIT */
/*
 * kill_cmd: the `sockscope kill` command (and `-K`).  Like the live view it
 * is a front end: it prints the table of the sockets it will end, asks on
 * the terminal, reports each socket and returns the exit status.
 */
#pragma once

#include "options.h"

/* Exit statuses of the kill command. */
enum {
	KILL_EXIT_ALL = 0,     /* every matching socket was killed, or none matched */
	KILL_EXIT_NONE = 1,    /* none was killed (refused, declined, failed) */
	KILL_EXIT_USAGE = 2,   /* no filter, a bad filter, no terminal to ask on */
	KILL_EXIT_SOME = 4,    /* some were killed, some not */
};

/* Runs the command for opt (opt->cmd == CMD_KILL); returns the exit status. */
int kill_command(const struct options *opt);
