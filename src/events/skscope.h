/* SPDX-License-Identifier: MIT */
/*
 * skscope: which tracepoint events belong to one network namespace.  The
 * tracepoint is host-wide and names a socket only by its kernel address, so
 * a verdict is kept per address (an open-addressing map, 65,536 entries):
 *   - in process context the task's namespace decides (skscope_task_in_ns());
 *   - a listener's child, which appears in softirq, takes the verdict of the
 *     namespace's listeners (given from a listing, or learnt from listen()
 *     seen in the namespace);
 *   - the verdict lasts for the socket's life: its first transition (from
 *     CLOSE, or a listener's child appearing) starts afresh, its CLOSE
 *     forgets it.
 * When the map fills up (sockets made faster than they close, often in other
 * namespaces), the entries not known to be in the namespace go first; all of
 * them only when those of the namespace alone fill half of it.  Unscoped,
 * the map keeps only the per-socket fields (id, pid) and is cleared when
 * full.  Used by the feed (top, check, the exporter) and by `events`.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sock_event.h"

struct skscope_entry {
	uint64_t key; /* the socket's kernel address; 0: empty slot */
	uint64_t id;  /* the caller's (a connection number), 0 until set */
	uint32_t pid; /* the first task seen changing it from process context, 0 if none */
	int8_t ns;    /* 1 in the namespace, -1 elsewhere, 0 unknown */
};

struct skscope;

/* scoped: attribute to the namespace (dev, ino); else only keep the entries.
 * -ENOMEM. */
int skscope_new(struct skscope **ret, bool scoped, dev_t ns_dev, ino_t ns_ino);
void skscope_free(struct skscope *s);

/* ev's socket: its entry (made when absent; started afresh on the first
 * transition of a socket's life), with pid set from process context and,
 * scoped, the verdict of the task's namespace and of the listeners when it
 * was unknown.  The caller may decide an unknown verdict itself (e->ns).
 * NULL for the address 0. */
struct skscope_entry *skscope_lookup(struct skscope *s, const struct sock_event *ev);

/* After the caller has used e: a listener of the namespace is learnt, and
 * the socket is forgotten after its CLOSE (e is then invalid). */
void skscope_done(struct skscope *s, struct skscope_entry *e, const struct sock_event *ev);

/* A listener of the namespace (from a listing): its children are in it.
 * At most 4,096; beyond, the oldest learnt goes. */
void skscope_add_listener(struct skscope *s, int family, const uint8_t *addr, uint16_t port);

/* Is ev a child of a listener of the namespace (same local port, and the
 * listener's address or a wildcard)? */
bool skscope_listener_match(const struct skscope *s, const struct sock_event *ev);

/* Is thread tid of pid in the namespace (dev, ino)?  1 yes, -1 no, 0 unknown
 * (gone: then its process's namespace, where threads almost always are). */
int skscope_task_in_ns(uint32_t pid, uint32_t tid, dev_t ns_dev, ino_t ns_ino);

/* The first transition of a socket's life: from CLOSE (connect, listen), or
 * a listener's child appearing. */
bool skscope_starts_life(const struct sock_event *ev);
