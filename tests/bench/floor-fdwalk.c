// SPDX-License-Identifier: MIT
/*
 * floor-fdwalk: the floor for owner lookup.  One bare walk of /proc/[pid]/fd
 * (getdents64 + readlinkat, no allocation) printing "PID FD INODE" for each
 * socket fd with the hand-rolled formatter, and nothing else.
 */
#include <stdio.h>

#include "floorlib.h"

static void on_fd(void *data, int pid, int fd, uint64_t inode)
{
	(void)data;
	out_u64((uint64_t)pid);
	out_char(' ');
	out_u64((uint64_t)fd);
	out_char(' ');
	out_u64(inode);
	out_char('\n');
}

int main(int argc, char **argv)
{
	const char *root = argc > 1 ? argv[1] : "/proc";

	if (argc > 2) {
		fprintf(stderr, "usage: floor-fdwalk [PROC_ROOT]\n");
		return 2;
	}
	if (fdwalk(root, on_fd, NULL) < 0) {
		perror("floor-fdwalk: /proc");
		return 1;
	}
	if (out_flush() < 0) {
		perror("floor-fdwalk: write");
		return 1;
	}
	return 0;
}
