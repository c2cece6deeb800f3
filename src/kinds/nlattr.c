// SPDX-License-Identifier: MIT
/*
 * nlattr: the attribute walk shared by the kinds' reply parsers, and the
 * copy of their memory counters.
 */
#include "nlattr.h"

#include <errno.h>
#include <linux/netlink.h>
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
