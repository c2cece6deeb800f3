// SPDX-License-Identifier: MIT
/*
 * nlattr: the attribute walk shared by the kinds' reply parsers, the
 * checks of a sock_diag reply's header, and the copy of its memory counters.
 */
#include "nlattr.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <string.h>

int nla_table(const uint8_t *p, size_t len, struct nla_slot *tb, unsigned max,
	      bool (*len_ok)(unsigned type, size_t len))
{
	const size_t hdr = NLA_ALIGN(sizeof(struct nlattr));

	while (len > 0) {
		struct nlattr nla;
		size_t alen, step;
		unsigned type;

		if (len < sizeof(nla))
			return -EBADMSG;
		memcpy(&nla, p, sizeof(nla));
		alen = nla.nla_len;
		if (alen < sizeof(nla) || alen > len)
			return -EBADMSG;
		type = nla.nla_type & NLA_TYPE_MASK;
		if (type <= max) {
			if (!len_ok(type, alen - hdr))
				return -EBADMSG;
			tb[type].data = p + hdr;
			tb[type].len = alen - hdr;
		}
		step = NLA_ALIGN(alen);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

int nla_diag_reply(const void *msg, size_t len, void *m, size_t msize, struct nla_slot *tb, unsigned max,
		   bool (*len_ok)(unsigned type, size_t len))
{
	const size_t hdrlen = NLMSG_ALIGN(sizeof(struct nlmsghdr));
	const size_t msglen = NLMSG_ALIGN(msize);
	const uint8_t *p = msg;
	struct nlmsghdr nlh;
	size_t mlen;

	if (!msg || len < hdrlen)
		return -EBADMSG;
	memcpy(&nlh, p, sizeof(nlh));
	mlen = nlh.nlmsg_len;
	if (mlen > len || mlen < hdrlen + msize)
		return -EBADMSG;
	if (nlh.nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return -EBADMSG;
	memcpy(m, p + hdrlen, msize);
	if (mlen > hdrlen + msglen)
		return nla_table(p + hdrlen + msglen, mlen - hdrlen - msglen, tb, max, len_ok);
	return 0;
}

size_t nla_meminfo(const struct nla_slot *a, struct sock_meminfo *mem)
{
	size_t n = a->data ? a->len / sizeof(uint32_t) : 0;

	if (n > sizeof(*mem) / sizeof(uint32_t))
		n = sizeof(*mem) / sizeof(uint32_t);
	if (n > 0)
		memcpy(mem, a->data, n * sizeof(uint32_t));
	if (n * sizeof(uint32_t) < sizeof(*mem))
		memset((uint8_t *)mem + n * sizeof(uint32_t), 0, sizeof(*mem) - n * sizeof(uint32_t));
	return n;
}
