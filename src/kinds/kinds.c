// SPDX-License-Identifier: MIT
/*
 * kinds: the table of socket kinds, in enum sock_kind_id order, and what the
 * stages above ask of a record's kind (its state's name, who holds it).
 */
#include <strings.h>

#include "kind.h"

extern const struct sock_kind kind_tcp;

static const struct sock_kind *const kinds[KIND_MAX] = {
	[KIND_TCP] = &kind_tcp,
};

const struct sock_kind *kind_get(unsigned id)
{
	return id < KIND_MAX ? kinds[id] : NULL;
}

const struct sock_kind *kind_by_name(const char *name)
{
	for (unsigned i = 0; i < KIND_MAX; i++)
		if (!strcasecmp(kinds[i]->name, name))
			return kinds[i];
	return NULL;
}

unsigned kind_id(const struct sock_kind *k)
{
	for (unsigned i = 0; i < KIND_MAX; i++)
		if (kinds[i] == k)
			return i;
	return KIND_MAX;
}

const char *sock_netid(const struct sock_rec *r)
{
	const struct sock_kind *k = sock_kind(r);

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
