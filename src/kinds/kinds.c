// SPDX-License-Identifier: MIT
/*
 * kinds: the table of socket kinds, in enum sock_kind_id order, and what the
 * stages above ask of a record's kind (its state's name, who holds it).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "kind.h"

extern const struct sock_kind kind_tcp, kind_udp, kind_udplite, kind_raw, kind_mptcp;
extern const struct sock_kind kind_unix, kind_packet, kind_netlink;

static const struct sock_kind *const kind_table[KIND_MAX] = {
	[KIND_TCP] = &kind_tcp,
	[KIND_UDP] = &kind_udp,
	[KIND_UDPLITE] = &kind_udplite,
	[KIND_RAW] = &kind_raw,
	[KIND_UNIX] = &kind_unix,
	[KIND_PACKET] = &kind_packet,
	[KIND_NETLINK] = &kind_netlink,
	[KIND_MPTCP] = &kind_mptcp,
};

const struct sock_kind *kind_get(unsigned id)
{
	return id < KIND_MAX ? kind_table[id] : NULL;
}

const struct sock_kind *kind_by_name(const char *name)
{
	for (unsigned i = 0; i < KIND_MAX; i++)
		if (kind_table[i] && !strcasecmp(kind_table[i]->name, name))
			return kind_table[i];
	return NULL;
}

uint32_t kinds_present(void)
{
	uint32_t m = 0;

	for (unsigned i = 0; i < KIND_MAX; i++)
		if (kind_table[i])
			m |= KIND_BIT(i);
	return m;
}

unsigned kind_id(const struct sock_kind *k)
{
	for (unsigned i = 0; i < KIND_MAX; i++)
		if (kind_table[i] == k)
			return i;
	return KIND_MAX;
}

const char *sock_netid(const struct sock_rec *r)
{
	const struct sock_kind *k = sock_kind(r);

	if (r->kind == KIND_TCP && (r->flags & SOCK_F_SUBFLOW))
		return "mptcp_sf"; /* a TCP subflow of an MPTCP socket */
	for (size_t i = 0; i < k->nsubtypes; i++)
		if (k->subtypes[i].type == r->x.type)
			return k->subtypes[i].netid;
	return k->netid;
}

const struct state_info *sock_state_info(const struct sock_rec *r)
{
	const struct state_info *si;

	if (r->state >= SK_STATE_MAX)
		return NULL;
	si = &sock_kind(r)->vocab[r->state];
	return si->name ? si : NULL;
}

const char *sock_state_name(const struct sock_rec *r)
{
	const struct state_info *si = sock_state_info(r);

	return si ? si->name : "?";
}

enum state_side sock_side(const struct sock_rec *r, const struct sock_ext *e)
{
	const struct sock_kind *k = sock_kind(r);
	const struct state_info *si;

	if (k->side)
		return k->side(r, e);
	si = sock_state_info(r);
	return si ? si->side : SIDE_MAX;
}

/* Kinds ss knows that sockscope does not list (yet). */
static const char *const unsupported[] = { "dccp", "sctp", "tipc", "vsock_stream", "vsock_dgram", "xdp" };

static int query_word(const char *w, size_t n, uint32_t *kinds, uint8_t subtypes[KIND_MAX], char *err,
		      size_t errlen)
{
	char word[32];

	if (n == 0 || n >= sizeof(word)) {
		snprintf(err, errlen, "invalid socket kind '%.*s' (see --help: all, inet, tcp, udp, unix, ...)",
			 (int)(n > 40 ? 40 : n), w);
		return -EINVAL;
	}
	memcpy(word, w, n);
	word[n] = 0;
	if (!strcasecmp(word, "all")) {
		*kinds |= kinds_present();
		return 0;
	}
	if (!strcasecmp(word, "inet")) {
		for (unsigned i = 0; i < KIND_MAX; i++)
			if ((kinds_present() & KIND_BIT(i)) && kind_get(i)->inet)
				*kinds |= KIND_BIT(i);
		return 0;
	}
	for (unsigned i = 0; i < KIND_MAX; i++) {
		const struct sock_kind *k = kind_get(i);

		if (!k)
			continue;
		if (!strcasecmp(word, k->name)) {
			*kinds |= KIND_BIT(i);
			subtypes[i] = 0;
			return 0;
		}
		for (size_t j = 0; j < k->nsubtypes; j++) {
			if (strcasecmp(word, k->subtypes[j].name) && strcasecmp(word, k->subtypes[j].netid))
				continue;
			/* a subtype after the whole kind narrows nothing */
			if (!(*kinds & KIND_BIT(i)) || subtypes[i])
				subtypes[i] |= (uint8_t)(1u << k->subtypes[j].type);
			*kinds |= KIND_BIT(i);
			return 0;
		}
	}
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
		if (!strcasecmp(word, unsupported[i])) {
			snprintf(err, errlen, "sockscope cannot list %s sockets (supported: %s)", word,
				 KINDS_QUERY_WORDS);
			return -EINVAL;
		}
	}
	snprintf(err, errlen, "unknown socket kind '%s' (expected one of: %s)", word, KINDS_QUERY_WORDS);
	return -EINVAL;
}

int kinds_query(const char *list, uint32_t *kinds, uint8_t subtypes[KIND_MAX], char *err, size_t errlen)
{
	const char *p = list;

	for (;;) {
		size_t n = strcspn(p, ",");
		int r = query_word(p, n, kinds, subtypes, err, errlen);

		if (r < 0)
			return r;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

bool sock_subtype_wanted(const struct sock_rec *r, const uint8_t subtypes[KIND_MAX])
{
	uint8_t m = r->kind < KIND_MAX ? subtypes[r->kind] : 0;

	return !m || (r->x.type < 8 && (m & (1u << r->x.type)));
}
