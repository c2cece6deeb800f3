// SPDX-License-Identifier: MIT
/*
 * names: service, user and host name caches for the renderers.  Services sit
 * in a 65536-entry table indexed by port, allocated on the first lookup; users
 * and hosts in open-addressing hash tables that double when half full.  Names
 * are copied into an arena of fixed blocks that never move, so that returned
 * pointers stay valid while the caches grow.  A miss is remembered with a
 * sentinel pointer.  Lookups use the reentrant libc calls (getservbyport_r,
 * getpwuid_r, getnameinfo) and never print.
 */
#include "names.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define NAMES_BLOCK_SIZE 4096u
#define NAMES_NPORTS 65536u
#define NAMES_BUF_MAX (1u << 20)

/* Stands for "looked up, no name" in the caches; never returned. */
static const char names_none[] = "";

struct names_block {
	struct names_block *next;
	size_t used, cap;
	char data[];
};

struct names_user_ent {
	const char *name; /* NULL: free slot */
	uint32_t uid;
};

struct names_host_ent {
	const char *name; /* NULL: free slot */
	uint8_t addr[16];
	int family;
};

struct names {
	struct names_block *blocks;
	const char **services; /* NAMES_NPORTS entries, or NULL until needed */
	struct names_user_ent *users;
	size_t nusers, usercap; /* usercap: 0 or a power of two */
	struct names_host_ent *hosts;
	size_t nhosts, hostcap;
};

static inline uint64_t names_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return x;
}

/* Copies len bytes of s plus a NUL into the arena; NULL if out of memory. */
static const char *names_store(struct names *n, const char *s, size_t len)
{
	struct names_block *b = n->blocks;
	char *p;

	if (len >= SIZE_MAX - sizeof(*b) - NAMES_BLOCK_SIZE)
		return NULL;
	if (!b || b->cap - b->used < len + 1) {
		size_t cap = len + 1 > NAMES_BLOCK_SIZE ? len + 1 : NAMES_BLOCK_SIZE;

		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->cap = cap;
		b->used = 0;
		b->next = n->blocks;
		n->blocks = b;
	}
	p = b->data + b->used;
	memcpy(p, s, len);
	p[len] = '\0';
	b->used += len + 1;
	return p;
}

int names_new(unsigned flags, struct names **ret)
{
	struct names *n;

	if (flags != 0 || !ret)
		return -EINVAL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	*ret = n;
	return 0;
}

void names_free(struct names *n)
{
	if (!n)
		return;
	while (n->blocks) {
		struct names_block *b = n->blocks;

		n->blocks = b->next;
		free(b);
	}
	free(n->services);
	free(n->users);
	free(n->hosts);
	free(n);
}

/*
 * The reentrant NSS calls take a caller's buffer and fail with ERANGE when it
 * is too small: nss_lookup() starts on the stack and retries on the heap with
 * a doubling buffer.  A lookup function returns the libc call's result and
 * sets *found to the name inside buf (NULL: none).  nss_lookup() returns 0
 * and the stored name (NULL: none) or -ENOMEM.
 */
typedef int (*nss_fn)(const void *key, char *buf, size_t sz, const char **found);

static int nss_lookup(struct names *n, nss_fn fn, const void *key, const char **ret)
{
	char stackbuf[1024], *heap = NULL, *buf = stackbuf;
	size_t sz = sizeof(stackbuf);
	const char *found, *name = NULL;
	int r, err = 0;

	for (;;) {
		char *nb;

		found = NULL;
		r = fn(key, buf, sz, &found);
		if (r != ERANGE || sz >= NAMES_BUF_MAX)
			break;
		sz *= 2;
		nb = realloc(heap, sz);
		if (!nb) {
			err = -ENOMEM;
			goto out;
		}
		heap = buf = nb;
	}
	if (r == 0 && found) {
		name = names_store(n, found, strlen(found));
		if (!name)
			err = -ENOMEM;
	}
	if (!err)
		*ret = name;
out:
	free(heap);
	return err;
}

static int serv_fn(const void *key, char *buf, size_t sz, const char **found)
{
	struct servent se, *res = NULL;
	int r = getservbyport_r((int)htons(*(const uint16_t *)key), "tcp", &se, buf, sz, &res);

	if (r == 0 && res)
		*found = res->s_name;
	return r;
}

static int pw_fn(const void *key, char *buf, size_t sz, const char **found)
{
	struct passwd pw, *res = NULL;
	int r = getpwuid_r((uid_t)*(const uint32_t *)key, &pw, buf, sz, &res);

	if (r == 0 && res)
		*found = res->pw_name;
	return r;
}

static int names_getserv(struct names *n, uint16_t port, const char **ret)
{
	return nss_lookup(n, serv_fn, &port, ret);
}

static int names_getpw(struct names *n, uint32_t uid, const char **ret)
{
	return nss_lookup(n, pw_fn, &uid, ret);
}

const char *names_service(struct names *n, uint16_t port)
{
	const char *name;

	if (!n)
		return NULL;
	if (!n->services) {
		n->services = calloc(NAMES_NPORTS, sizeof(*n->services));
		if (!n->services)
			return NULL;
	}
	if (n->services[port])
		return n->services[port] == names_none ? NULL : n->services[port];
	if (names_getserv(n, port, &name) < 0)
		return NULL; /* not cached: next time may have memory */
	n->services[port] = name ? name : names_none;
	return name;
}

/* A zeroed open-addressing table twice as big as cap entries of size sz (64 at first). */
static void *names_grow(size_t cap, size_t sz, size_t *newcap)
{
	size_t nc = cap ? cap * 2 : 64;

	if (nc > SIZE_MAX / sz)
		return NULL;
	*newcap = nc;
	return calloc(nc, sz);
}

static size_t names_uid_hash(uint32_t uid)
{
	return (size_t)names_mix(uid);
}

/* Inserts into a users table known to have room and not to hold uid. */
static void names_user_put(struct names_user_ent *t, size_t cap, uint32_t uid, const char *name)
{
	size_t h = names_uid_hash(uid) & (cap - 1);

	while (t[h].name)
		h = (h + 1) & (cap - 1);
	t[h].uid = uid;
	t[h].name = name;
}

const char *names_user(struct names *n, uint32_t uid)
{
	const char *name;

	if (!n)
		return NULL;
	if (n->usercap) {
		size_t mask = n->usercap - 1;

		for (size_t h = names_uid_hash(uid) & mask; n->users[h].name; h = (h + 1) & mask)
			if (n->users[h].uid == uid)
				return n->users[h].name == names_none ? NULL : n->users[h].name;
	}
	if ((n->nusers + 1) * 2 > n->usercap) {
		size_t nc;
		struct names_user_ent *t = names_grow(n->usercap, sizeof(*t), &nc);

		if (!t)
			return NULL;
		for (size_t i = 0; i < n->usercap; i++)
			if (n->users[i].name)
				names_user_put(t, nc, n->users[i].uid, n->users[i].name);
		free(n->users);
		n->users = t;
		n->usercap = nc;
	}
	if (names_getpw(n, uid, &name) < 0)
		return NULL;
	names_user_put(n->users, n->usercap, uid, name ? name : names_none);
	n->nusers++;
	return name;
}

static size_t names_addr_hash(int family, const uint8_t addr[16])
{
	uint64_t a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	return (size_t)names_mix(a ^ names_mix(b ^ (uint64_t)(unsigned)family));
}

static size_t names_addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static void names_host_put(struct names_host_ent *t, size_t cap, const struct names_host_ent *e)
{
	size_t h = names_addr_hash(e->family, e->addr) & (cap - 1);

	while (t[h].name)
		h = (h + 1) & (cap - 1);
	t[h] = *e;
}

/* Reverse lookup; 0 and the name (NULL: none) or -ENOMEM. */
static int names_getnameinfo(struct names *n, int family, const uint8_t addr[16], const char **ret)
{
	struct sockaddr_storage ss;
	char host[NI_MAXHOST];
	const char *name = NULL;
	socklen_t len;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, addr, 16);
		len = sizeof(*sin6);
	}
	if (getnameinfo((const struct sockaddr *)&ss, len, host, sizeof(host), NULL, 0, NI_NAMEREQD) == 0) {
		name = names_store(n, host, strnlen(host, sizeof(host) - 1));
		if (!name)
			return -ENOMEM;
	}
	*ret = name;
	return 0;
}

const char *names_host(struct names *n, int family, const uint8_t addr[16])
{
	struct names_host_ent e = { .family = family };
	const char *name;

	if (!n || !addr || (family != AF_INET && family != AF_INET6))
		return NULL;
	/* Only the significant bytes count: the rest may be garbage. */
	memcpy(e.addr, addr, names_addr_len(family));
	if (n->hostcap) {
		size_t mask = n->hostcap - 1;

		for (size_t h = names_addr_hash(family, e.addr) & mask; n->hosts[h].name; h = (h + 1) & mask)
			if (n->hosts[h].family == family && memcmp(n->hosts[h].addr, e.addr, 16) == 0)
				return n->hosts[h].name == names_none ? NULL : n->hosts[h].name;
	}
	if ((n->nhosts + 1) * 2 > n->hostcap) {
		size_t nc;
		struct names_host_ent *t = names_grow(n->hostcap, sizeof(*t), &nc);

		if (!t)
			return NULL;
		for (size_t i = 0; i < n->hostcap; i++)
			if (n->hosts[i].name)
				names_host_put(t, nc, &n->hosts[i]);
		free(n->hosts);
		n->hosts = t;
		n->hostcap = nc;
	}
	if (names_getnameinfo(n, family, e.addr, &name) < 0)
		return NULL;
	e.name = name ? name : names_none;
	names_host_put(n->hosts, n->hostcap, &e);
	n->nhosts++;
	return name;
}
