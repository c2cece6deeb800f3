/* SPDX-License-Identifier: MIT */
/*
 * needs: what costly data a run must fetch.  Columns, filters and output
 * formats each declare a mask; the union decides what the collectors ask the
 * kernel for and whether the /proc owner walk runs at all.
 */
#pragma once

enum need {
	NEED_NONE = 0,
	NEED_OWNERS = 1u << 0, /* inode -> processes (/proc walk) */
	NEED_INFO = 1u << 1,   /* tcp_info */
	NEED_MEM = 1u << 2,    /* socket memory */
	NEED_CONG = 1u << 3,   /* congestion algorithm */
	NEED_USER = 1u << 4,   /* uid -> user name */
	NEED_NAMES = 1u << 5,  /* service / host names */
	NEED_SHUTDOWN = 1u << 6,
	NEED_CGROUP = 1u << 7, /* the socket's cgroup id and what it says (where, container, pod, unit) */
	NEED_TOS = 1u << 8,    /* ask for INET_DIAG_TOS/TCLASS (and so INET_DIAG_CLASS_ID) */
	NEED_SOCKOPT = 1u << 9, /* keep the always-sent INET_DIAG_SOCKOPT, MARK and CLASS_ID */
};
