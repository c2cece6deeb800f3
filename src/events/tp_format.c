// SPDX-License-Identifier: MIT
/*
 * tp_format: parser of tracefs `format` files and decoder of raw
 * inet_sock_set_state payloads.  The parser reads line by line within the
 * given length, never past it, and accepts only `field:DECL;\toffset:N;\t
 * size:N;\tsigned:N;` lines with bounded numbers; the field name is the last
 * identifier of DECL before any `[...]`.  The decoder reads each field with
 * memcpy after checking offset + size against the payload length.
 */
#include "tp_format.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#define TP_MAX_OFFSET 65536u
#define TCP_STATE_MAX_KNOWN 13
#define TRACE_FLAG_SOFTIRQ 0x10

static bool is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Finds "key:" in [p, end) and parses the decimal after it up to ';'. */
static int parse_num(const char *p, const char *end, const char *key, uint32_t max, uint32_t *ret)
{
	size_t klen = strlen(key);
	const char *q;
	uint64_t v = 0;
	bool any = false;

	for (q = p; q + klen <= end; q++)
		if (memcmp(q, key, klen) == 0 && (q == p || !is_ident(q[-1])))
			break;
	if (q + klen > end)
		return -EBADMSG;
	for (q += klen; q < end && *q >= '0' && *q <= '9'; q++) {
		v = v * 10 + (uint64_t)(*q - '0');
		if (v > max)
			return -EBADMSG;
		any = true;
	}
	if (!any || q >= end || *q != ';')
		return -EBADMSG;
	*ret = (uint32_t)v;
	return 0;
}

/* Parses the declaration "unsigned short common_type" or "__u8 saddr[4]"
 * (between "field:" and the first ';') into the name. */
static int parse_decl_name(const char *d, const char *dend, char *name, size_t namelen)
{
	const char *e = dend, *s;

	while (e > d && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e > d && e[-1] == ']') { /* strip one [...] suffix */
		while (e > d && e[-1] != '[')
			e--;
		if (e == d)
			return -EBADMSG;
		e--;
		while (e > d && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
	}
	s = e;
	while (s > d && is_ident(s[-1]))
		s--;
	if (s == e || (size_t)(e - s) >= namelen || (*s >= '0' && *s <= '9'))
		return -EBADMSG;
	memcpy(name, s, (size_t)(e - s));
	name[e - s] = '\0';
	return 0;
}

static int parse_field_line(const char *p, const char *end, struct tp_field *fl)
{
	const char *d = p + strlen("field:"), *semi;
	uint32_t sgn;
	int r;

	semi = memchr(d, ';', (size_t)(end - d));
	if (!semi)
		return -EBADMSG;
	r = parse_decl_name(d, semi, fl->name, sizeof(fl->name));
	if (r < 0)
		return r;
	if ((r = parse_num(semi, end, "offset:", TP_MAX_OFFSET, &fl->offset)) < 0 ||
	    (r = parse_num(semi, end, "size:", TP_MAX_OFFSET, &fl->size)) < 0)
		return r;
	if (fl->size == 0 || fl->offset + fl->size > TP_MAX_OFFSET)
		return -EBADMSG;
	/* "signed:" is absent in very old kernels: default unsigned. */
	fl->is_signed = parse_num(semi, end, "signed:", 1, &sgn) == 0 && sgn == 1;
	return 0;
}

static void copy_trimmed(char *dst, size_t dlen, const char *s, const char *e)
{
	size_t n;

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	n = (size_t)(e - s);
	if (n >= dlen)
		n = dlen - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static int find_idx(const struct tp_format *f, const char *name)
{
	for (size_t i = 0; i < f->nfields; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void bind_layout(struct tp_format *f)
{
	struct tp_sock_layout *l = &f->l;
	const int *all[] = {&l->common_type, &l->common_flags, &l->common_pid, &l->skaddr, &l->oldstate,
			    &l->newstate, &l->sport, &l->dport, &l->family, &l->protocol, &l->saddr,
			    &l->daddr, &l->saddr_v6, &l->daddr_v6, &l->comm};

	l->common_type = find_idx(f, "common_type");
	l->common_flags = find_idx(f, "common_flags");
	l->common_pid = find_idx(f, "common_pid");
	l->skaddr = find_idx(f, "skaddr");
	l->oldstate = find_idx(f, "oldstate");
	l->newstate = find_idx(f, "newstate");
	l->sport = find_idx(f, "sport");
	l->dport = find_idx(f, "dport");
	l->family = find_idx(f, "family");
	l->protocol = find_idx(f, "protocol");
	l->saddr = find_idx(f, "saddr");
	l->daddr = find_idx(f, "daddr");
	l->saddr_v6 = find_idx(f, "saddr_v6");
	l->daddr_v6 = find_idx(f, "daddr_v6");
	l->comm = find_idx(f, "comm");
	f->min_payload = 0;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		const struct tp_field *fl;

		if (*all[i] < 0)
			continue;
		fl = &f->fields[*all[i]];
		if (fl->offset + fl->size > f->min_payload)
			f->min_payload = fl->offset + fl->size;
	}
}

int tp_format_parse(const char *text, size_t len, struct tp_format *ret)
{
	struct tp_format *f = ret;
	const char *p = text, *end = text + len;

	if (len > TP_FORMAT_MAX_TEXT)
		return -E2BIG;
	memset(f, 0, sizeof(*f));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *s = p;

		while (s < le && (*s == ' ' || *s == '\t'))
			s++;
		if ((size_t)(le - s) >= 6 && memcmp(s, "field:", 6) == 0) {
			struct tp_field fl;
			int r;

			if (f->nfields >= TP_MAX_FIELDS)
				return -E2BIG;
			memset(&fl, 0, sizeof(fl));
			r = parse_field_line(s, le, &fl);
			if (r < 0)
				return r;
			if (find_idx(f, fl.name) >= 0)
				return -EBADMSG;
			f->fields[f->nfields++] = fl;
		} else if ((size_t)(le - s) >= 5 && memcmp(s, "name:", 5) == 0) {
			copy_trimmed(f->name, sizeof(f->name), s + 5, le);
		} else if ((size_t)(le - s) >= 3 && memcmp(s, "ID:", 3) == 0) {
			char tmp[24];
			uint32_t id;

			copy_trimmed(tmp, sizeof(tmp) - 1, s + 3, le);
			strcat(tmp, ";");
			if (parse_num(tmp, tmp + strlen(tmp), "", UINT32_MAX, &id) < 0)
				return -EBADMSG;
			f->id = id;
			f->has_id = true;
		}
		p = nl ? nl + 1 : end;
	}
	if (f->nfields == 0)
		return -ENOENT;
	bind_layout(f);
	return 0;
}

const struct tp_field *tp_format_field(const struct tp_format *f, const char *name)
{
	int i = find_idx(f, name);

	return i < 0 ? NULL : &f->fields[i];
}

static bool int_size(uint32_t s)
{
	return s == 1 || s == 2 || s == 4 || s == 8;
}

int tp_format_check_sock(const struct tp_format *f)
{
	const struct tp_sock_layout *l = &f->l;
	const int ints[] = {l->skaddr, l->oldstate, l->newstate, l->family};
	const int opt_ints[] = {l->sport, l->dport, l->protocol, l->common_flags, l->common_pid,
				l->common_type};

	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (ints[i] < 0 || !int_size(f->fields[ints[i]].size))
			return -EPROTO;
	for (size_t i = 0; i < sizeof(opt_ints) / sizeof(opt_ints[0]); i++)
		if (opt_ints[i] >= 0 && !int_size(f->fields[opt_ints[i]].size))
			return -EPROTO;
	if ((l->saddr < 0 || l->daddr < 0) && (l->saddr_v6 < 0 || l->daddr_v6 < 0))
		return -EPROTO;
	if ((l->saddr >= 0 && (f->fields[l->saddr].size != 4 || f->fields[l->daddr].size != 4)) ||
	    (l->saddr_v6 >= 0 && (f->fields[l->saddr_v6].size != 16 || f->fields[l->daddr_v6].size != 16)))
		return -EPROTO;
	return 0;
}

static bool in_payload(const struct tp_field *fl, size_t len)
{
	return fl->offset <= len && fl->size <= len - fl->offset;
}

int tp_field_u64(const struct tp_field *fl, const void *raw, size_t len, uint64_t *ret)
{
	const uint8_t *p = raw;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	if (!in_payload(fl, len))
		return -EBADMSG;
	p += fl->offset;
	switch (fl->size) {
	case 1:
		memcpy(&u8, p, 1);
		*ret = u8;
		return 0;
	case 2:
		memcpy(&u16, p, 2);
		*ret = u16;
		return 0;
	case 4:
		memcpy(&u32, p, 4);
		*ret = u32;
		return 0;
	case 8:
		memcpy(&u64, p, 8);
		*ret = u64;
		return 0;
	default:
		return -EBADMSG;
	}
}

/* Reads an optional integer field: 0 when absent. */
static int get_int(const struct tp_format *f, int idx, const void *raw, size_t len, uint64_t *v)
{
	*v = 0;
	if (idx < 0)
		return 0;
	return tp_field_u64(&f->fields[idx], raw, len, v);
}

static int get_bytes(const struct tp_format *f, int idx, const void *raw, size_t len, uint8_t *dst,
		     size_t n)
{
	const struct tp_field *fl = &f->fields[idx];

	if (!in_payload(fl, len) || fl->size != n)
		return -EBADMSG;
	memcpy(dst, (const uint8_t *)raw + fl->offset, n);
	return 0;
}

int tp_decode_sock(const struct tp_format *f, const void *raw, size_t len, struct sock_event *ret)
{
	const struct tp_sock_layout *l = &f->l;
	struct sock_event ev;
	uint64_t v;
	int r;

	if (tp_format_check_sock(f) < 0)
		return -EPROTO;
	/* The kernel sends whole records: a shorter one is damaged, even if
	 * the fields this family needs happen to fit. */
	if (len < f->min_payload)
		return -EBADMSG;
	memset(&ev, 0, sizeof(ev));
	if ((r = get_int(f, l->common_type, raw, len, &v)) < 0)
		return r;
	if (l->common_type >= 0 && f->has_id && f->id <= UINT16_MAX && v != f->id)
		return -ENOMSG;
	if ((r = get_int(f, l->common_flags, raw, len, &v)) < 0)
		return r;
	ev.softirq = (v & TRACE_FLAG_SOFTIRQ) != 0;
	if ((r = get_int(f, l->common_pid, raw, len, &v)) < 0)
		return r;
	ev.pid = (uint32_t)v;
	if ((r = get_int(f, l->skaddr, raw, len, &ev.skaddr)) < 0)
		return r;
	if ((r = get_int(f, l->oldstate, raw, len, &v)) < 0)
		return r;
	if (v < 1 || v > TCP_STATE_MAX_KNOWN)
		return -EBADMSG;
	ev.old_state = (uint8_t)v;
	if ((r = get_int(f, l->newstate, raw, len, &v)) < 0)
		return r;
	if (v < 1 || v > TCP_STATE_MAX_KNOWN)
		return -EBADMSG;
	ev.new_state = (uint8_t)v;
	if ((r = get_int(f, l->sport, raw, len, &v)) < 0)
		return r;
	ev.sport = (uint16_t)v;
	if ((r = get_int(f, l->dport, raw, len, &v)) < 0)
		return r;
	ev.dport = (uint16_t)v;
	if ((r = get_int(f, l->protocol, raw, len, &v)) < 0)
		return r;
	ev.protocol = (uint16_t)v;
	if ((r = get_int(f, l->family, raw, len, &v)) < 0)
		return r;
	if (v == AF_INET) {
		ev.family = AF_INET;
		if (l->saddr >= 0) {
			if ((r = get_bytes(f, l->saddr, raw, len, ev.saddr, 4)) < 0 ||
			    (r = get_bytes(f, l->daddr, raw, len, ev.daddr, 4)) < 0)
				return r;
		} else { /* only the v4-mapped v6 form: ::ffff:a.b.c.d */
			uint8_t s6[16], d6[16];

			if ((r = get_bytes(f, l->saddr_v6, raw, len, s6, 16)) < 0 ||
			    (r = get_bytes(f, l->daddr_v6, raw, len, d6, 16)) < 0)
				return r;
			memcpy(ev.saddr, s6 + 12, 4);
			memcpy(ev.daddr, d6 + 12, 4);
		}
	} else if (v == AF_INET6) {
		ev.family = AF_INET6;
		if (l->saddr_v6 < 0)
			return -EBADMSG;
		if ((r = get_bytes(f, l->saddr_v6, raw, len, ev.saddr, 16)) < 0 ||
		    (r = get_bytes(f, l->daddr_v6, raw, len, ev.daddr, 16)) < 0)
			return r;
	} else {
		return -EBADMSG;
	}
	if (l->comm >= 0) {
		const struct tp_field *fl = &f->fields[l->comm];
		size_t n = fl->size < sizeof(ev.comm) - 1 ? fl->size : sizeof(ev.comm) - 1;

		if (!in_payload(fl, len))
			return -EBADMSG;
		memcpy(ev.comm, (const uint8_t *)raw + fl->offset, n);
		ev.comm[n] = '\0';
		for (size_t i = 0; i < n && ev.comm[i]; i++)
			if ((unsigned char)ev.comm[i] < 0x20 || (unsigned char)ev.comm[i] > 0x7e)
				ev.comm[i] = '?';
	}
	*ret = ev;
	return 0;
}
