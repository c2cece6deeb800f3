/* SPDX-License-Identifier: MIT */
/*
 * sock_event: the plain values every event source of `sockscope events`
 * produces.  A struct sock_event is one TCP state transition as the
 * sock:inet_sock_set_state tracepoint reports it; a struct sock_destroy is one
 * socket's final inet_diag message from the sock_diag destroy groups.  Times
 * are CLOCK_MONOTONIC nanoseconds in both, so the two can be compared (the
 * tracepoint source asks perf for that clock with use_clockid).  States are the
 * kernel's TCP_* numbers (states.h SK_*, plus 12 = NEW_SYN_RECV).
 */
#pragma once

#include <linux/tcp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sock_event {
	uint64_t time_ns;  /* CLOCK_MONOTONIC */
	uint64_t skaddr;   /* kernel address of the socket: an identity while it lives */
	uint8_t family;    /* AF_INET, AF_INET6 */
	uint8_t old_state; /* TCP_* (1..12) */
	uint8_t new_state;
	uint16_t protocol; /* IPPROTO_TCP, IPPROTO_SCTP, IPPROTO_MPTCP (262) */
	uint8_t saddr[16]; /* local; network order, IPv4 in the first 4 bytes */
	uint8_t daddr[16]; /* remote */
	uint16_t sport;    /* local, host order (0 before the port is bound) */
	uint16_t dport;    /* remote, host order */
	uint32_t pid;      /* the task running when the event fired (not the owner in softirq) */
	uint32_t tid;
	uint32_t cpu;
	bool softirq;      /* fired in softirq context: pid/tid are whoever was running */
	char comm[16];     /* "" unless the format carries a comm field */
};

/* Validity bits of struct sock_destroy.have */
enum {
	SD_HAVE_INFO = 1u << 0,     /* tcp_info present (info_len > 0) */
	SD_HAVE_BYTES = 1u << 1,    /* bytes_acked and bytes_received */
	SD_HAVE_SENT = 1u << 2,     /* bytes_sent and bytes_retrans */
	SD_HAVE_SEGS = 1u << 3,     /* segs_in, segs_out */
	SD_HAVE_PROTOCOL = 1u << 4, /* protocol came from INET_DIAG_PROTOCOL */
};

struct sock_destroy {
	uint64_t time_ns; /* CLOCK_MONOTONIC when received */
	uint64_t cookie;
	uint8_t family;
	uint8_t state;    /* idiag_state at destruction (normally 7, CLOSE) */
	uint8_t protocol; /* IPPROTO_TCP unless told otherwise */
	uint8_t saddr[16], daddr[16]; /* local, remote; network order */
	uint16_t sport, dport;        /* host order */
	uint32_t inode;   /* the kernel sends 0 for destroyed sockets */
	uint32_t uid;
	uint32_t ifindex;
	uint32_t have;    /* SD_HAVE_* */
	/* tcp_info summary (valid per `have`) */
	uint64_t bytes_acked, bytes_received, bytes_sent, bytes_retrans;
	uint32_t total_retrans, segs_in, segs_out, rtt_us;
	uint32_t info_len; /* bytes of info the kernel sent, capped at sizeof(info) */
	struct tcp_info info;
};

/* A sink returns 0 to go on, or a negative errno that the source returns. */
typedef int (*event_sink_fn)(void *arg, const struct sock_event *ev);
typedef int (*destroy_sink_fn)(void *arg, const struct sock_destroy *d);
