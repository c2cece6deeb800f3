/* SPDX-License-Identifier: MIT */
/*
 * procmap: socket inode -> owning processes, from one walk of /proc/[pid]/fd.
 * Built only when a column, filter or format needs owners.  A socket may have
 * several owners (fork, fd passing); they are returned together.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct sock_owner {
	int32_t pid;
	int32_t fd;
	uint32_t uid;     /* owner of the process */
	const char *comm; /* command name, raw bytes as in /proc/PID/comm, NUL-terminated */
};

struct procmap_stats {
	unsigned long procs;     /* processes walked */
	unsigned long denied;    /* processes whose fds we could not read */
	unsigned long sockets;   /* socket fds found */
	unsigned long vanished;  /* processes/fds that vanished during the walk */
};

struct procmap;

/* proc_root: usually "/proc".  Caller frees with procmap_free(). */
int procmap_build(const char *proc_root, struct procmap **ret, struct procmap_stats *st);
/* Re-walks, reusing what it can (comm of known pids); for the live view. */
int procmap_refresh(struct procmap *pm, struct procmap_stats *st);
/* Owners of inode, contiguous; returns their count (0 if none). */
size_t procmap_lookup(const struct procmap *pm, uint64_t inode, const struct sock_owner **ret);
void procmap_free(struct procmap *pm);
