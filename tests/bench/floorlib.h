/* SPDX-License-Identifier: MIT */
/*
 * floorlib: what the floor programs share.  A bare walk of /proc/[pid]/fd
 * that calls back for every socket fd ("socket:[INODE]") with the pid, the
 * fd number and the inode -- processes that vanish or cannot be read are
 * skipped silently, as ss does -- and a hand-rolled output buffer (decimal
 * numbers and dotted quads without printf) flushed to stdout with write(2).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef void (*fdwalk_cb)(void *data, int pid, int fd, uint64_t inode);

/* Walks proc_root (normally "/proc"); returns the number of socket fds seen
 * or -1 when proc_root cannot be opened. */
long fdwalk(const char *proc_root, fdwalk_cb cb, void *data);

/* Output buffer on stdout.  out_flush() also reports write errors: it
 * returns -1 once any write failed. */
void out_mem(const char *s, size_t n);
void out_str(const char *s);
void out_char(char c);
void out_u64(uint64_t v);
void out_ipv4(const unsigned char a[4]);
void out_ipv6(const unsigned char a[16]);
int out_flush(void);
