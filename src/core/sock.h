/* SPDX-License-Identifier: MIT */
/*
 * sock: the socket record and the socket set.
 *
 * A struct sock_rec is a plain value describing one kernel socket, whatever
 * collector produced it (netlink, /proc, replay).  It is deliberately general:
 * the protocol and family fields leave room for UDP, UNIX, raw and MPTCP, and
 * netns_id for inspecting many namespaces at once.  Optional bulky data
 * (tcp_info, memory counters, congestion algorithm) lives in a struct sock_ext
 * that collectors fill only when asked and that the set stores out of line.
 *
 * A struct sock_set is a growable array of records plus an array of
 * extensions; records point at their extension by index.
 */
#pragma once

#include <linux/tcp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Record flags. */
enum {
	SOCK_F_REQUEST = 1u << 0,        /* a request socket (kernel TCP_NEW_SYN_RECV) */
	SOCK_F_BOUND_INACTIVE = 1u << 1, /* bound, never listened nor connected */
	SOCK_F_SENDQ_UNKNOWN = 1u << 2,  /* Send-Q not known (LISTEN backlog from /proc) */
	SOCK_F_COOKIE = 1u << 3,         /* cookie is valid */
	SOCK_F_SHUTDOWN = 1u << 4,       /* shutdown field is valid */
	SOCK_F_V6ONLY = 1u << 5,         /* IPV6_V6ONLY set (netlink only) */
	SOCK_F_TIMER = 1u << 6,          /* timer/expiry/retransmits are valid */
	SOCK_F_SUBFLOW = 1u << 7,        /* a TCP subflow of an MPTCP socket (its ULP is "mptcp") */
};

/* Timer kinds, as numbered by both /proc/net/tcp and inet_diag. */
enum sock_timer {
	SOCK_TIMER_OFF = 0,
	SOCK_TIMER_RETRANS = 1,
	SOCK_TIMER_KEEPALIVE = 2,
	SOCK_TIMER_TIMEWAIT = 3,
	SOCK_TIMER_PERSIST = 4,
	SOCK_TIMER_MAX
};

#define SOCK_NO_EXT UINT32_MAX

/* What a socket of a kind without IP addresses has in their place. */
struct sock_xinfo {
	uint64_t peer;     /* UNIX: the peer's inode (0: none); netlink: dst group << 32 | dst port id */
	uint32_t portid;   /* netlink: port id */
	uint32_t groups;   /* netlink: the first 32 multicast groups */
	uint16_t protocol; /* packet: ethertype (host order); netlink: protocol */
	uint8_t type;      /* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET or SOCK_RAW */
};

struct sock_rec {
	union {
		struct {
			uint8_t laddr[16]; /* network order; IPv4 in the first 4 bytes */
			uint8_t raddr[16];
		};
		struct sock_xinfo x; /* kinds that are not inet (kind->inet false) */
	};
	uint64_t cookie;
	uint64_t inode;            /* 0 when no inode (TIME-WAIT, request socks) */
	uint32_t recv_q;
	uint32_t send_q;           /* for LISTEN: the backlog */
	uint32_t uid;
	uint32_t ifindex;          /* bound device, 0 if none */
	uint32_t timer_expires_ms; /* remaining time of the timer */
	uint32_t netns_id;         /* index of the namespace (0: the one inspected) */
	uint32_t ext;              /* index in sock_set.ext, or SOCK_NO_EXT */
	uint16_t lport;            /* host order */
	uint16_t rport;            /* host order */
	uint8_t proto;             /* IPPROTO_TCP, ...: the kind's protocol */
	uint8_t family;            /* AF_INET or AF_INET6 */
	uint8_t state;             /* enum sk_state (states.h), 1..11 */
	uint8_t timer;             /* enum sock_timer */
	uint8_t retransmits;
	uint8_t shutdown;          /* bit 0: no more receptions, bit 1: no more sends */
	uint8_t flags;             /* SOCK_F_* */
	uint8_t kind;              /* enum sock_kind_id (kinds/kind.h) */
};

/* Memory counters (INET_DIAG_SKMEMINFO, SK_MEMINFO_* order). */
struct sock_meminfo {
	uint32_t rmem_alloc, rcvbuf, wmem_alloc, sndbuf, fwd_alloc, wmem_queued, optmem, backlog, drops;
};

/* The flags of struct inet_diag_sockopt (INET_DIAG_SOCKOPT), in its order. */
enum {
	SOCK_OPT_RECVERR = 1u << 0,
	SOCK_OPT_IS_ICSK = 1u << 1,
	SOCK_OPT_FREEBIND = 1u << 2,
	SOCK_OPT_HDRINCL = 1u << 3,
	SOCK_OPT_MC_LOOP = 1u << 4,
	SOCK_OPT_TRANSPARENT = 1u << 5,
	SOCK_OPT_MC_ALL = 1u << 6,
	SOCK_OPT_NODEFRAG = 1u << 7,
	SOCK_OPT_BIND_ADDRESS_NO_PORT = 1u << 8,
	SOCK_OPT_RECVERR_RFC4884 = 1u << 9,
	SOCK_OPT_DEFER_CONNECT = 1u << 10,
	SOCK_OPT_COUNT = 11,
};

/* Optional extension data of a record. */
struct sock_ext {
	struct tcp_info info;  /* the kernel's struct, zero-padded */
	uint32_t info_len;     /* bytes the kernel sent (0: none); a field is valid
				* iff offsetof + sizeof <= info_len */
	struct sock_meminfo mem;
	char cong[16];         /* congestion control algorithm, "" if unknown */
	uint8_t has_mem;
	uint8_t tos;
	uint8_t name_len;      /* UNIX: length of name (0: unnamed) */
	char name[110];        /* UNIX: the path, an abstract name as "@name"; not NUL-terminated */
	uint8_t has_cgroup;    /* cgroup_id is valid (INET_DIAG_CGROUP_ID: full inet sockets) */
	uint8_t has_tos;       /* tos is valid (INET_DIAG_TOS or TCLASS was sent) */
	uint8_t has_sockopt;   /* sockopt is valid (INET_DIAG_SOCKOPT) */
	uint8_t has_mark;      /* mark is valid (INET_DIAG_MARK: sent to CAP_NET_ADMIN only) */
	uint8_t has_class;     /* class_id is valid (INET_DIAG_CLASS_ID) */
	uint16_t sockopt;      /* SOCK_OPT_* bits (struct inet_diag_sockopt, host order) */
	uint32_t mark;         /* SO_MARK */
	uint32_t class_id;     /* the net_cls class id, else SO_PRIORITY (the kernel's fallback) */
	uint64_t cgroup_id;    /* the socket's cgroup v2 id (the directory's inode); in transit only:
				* the pipeline moves it to its side table and sets never store it */
};

/* True if ext carries nothing but the cgroup id and the attributes the
 * kernel always sends (sockopt, mark): the sinks then pass NULL on, unless
 * keep_sockopt (NEED_SOCKOPT). */
static inline bool sock_ext_bare_for(const struct sock_ext *e, bool keep_sockopt)
{
	return e->info_len == 0 && !e->has_mem && !e->cong[0] && !e->tos && !e->has_tos && !e->name_len &&
	       !(keep_sockopt && (e->has_sockopt || e->has_mark || e->has_class));
}

static inline bool sock_ext_bare(const struct sock_ext *e)
{
	return sock_ext_bare_for(e, false);
}

/* True if the tcp_info field FIELD is present in EXT. */
#define SOCK_INFO_HAS(ext, field) \
	((ext) != NULL && (ext)->info_len >= offsetof(struct tcp_info, field) + sizeof((ext)->info.field))

/*
 * A sink receives records one by one from a collector.  ext may be NULL.
 * Both pointers are only valid during the call: copy what you keep.
 * Returning a negative errno stops the collection with that error.
 * rec == NULL means "the dump restarts" (an interrupted netlink dump): a sink
 * that buffers must drop what it has and return 0; a sink that cannot must
 * return -ESTALE, and the collector then goes on and flags the result.
 */
typedef int (*sock_sink_fn)(void *arg, const struct sock_rec *rec, const struct sock_ext *ext);

struct sock_set {
	struct sock_rec *v;
	size_t n, cap;
	struct sock_ext *ext;
	size_t next, extcap;
};

void sock_set_init(struct sock_set *s);
void sock_set_clear(struct sock_set *s); /* keep memory, drop contents */
void sock_set_free(struct sock_set *s);  /* accepts a zeroed set */
/* Copies rec (and ext, if non-NULL) into the set.  Returns 0 or -ENOMEM. */
int sock_set_add(struct sock_set *s, const struct sock_rec *rec, const struct sock_ext *ext);
/* A sock_sink_fn that appends to the struct sock_set passed as arg. */
int sock_set_sink(void *arg, const struct sock_rec *rec, const struct sock_ext *ext);
static inline const struct sock_ext *sock_set_ext(const struct sock_set *s, const struct sock_rec *r)
{
	return r->ext == SOCK_NO_EXT ? NULL : &s->ext[r->ext];
}

/* Formats an address without brackets ("10.0.0.1", "::1"); buf >= 46 bytes. */
size_t sock_addr_str(int family, const uint8_t addr[16], char *buf, size_t len);
bool sock_addr_is_any(int family, const uint8_t addr[16]);
