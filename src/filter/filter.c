// SPDX-License-Identifier: MIT
/*
 * filter: parses the ss-compatible filter language (plus sockscope's
 * extensions) into a small tree and evaluates it against socket records in
 * user space.  The syntax follows iproute2's ss: leading "state"/"exclude"
 * words choose states, then an expression of terms joined by and/or (equal
 * precedence, grouped left to right, exactly as ss does), "not"/"!" and
 * parentheses.  Addresses match the way the kernel's inet_diag bytecode
 * matches them (an IPv4 prefix also matches IPv4-mapped IPv6 addresses), so
 * the result is the same whether a socket was filtered by the kernel or here.
 * Host names are never resolved.  The bytecode back end is in filter_bc.c.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <net/if.h>

#include "attrib.h"
#include "filter.h"
#include "filter_int.h"
#include "kind.h"
#include "needs.h"
#include "procmap.h"
#include "states.h"

#define FILTER_MAX_DEPTH 256
#define FILTER_MAX_LEN (sizeof(((struct filter_error *)0)->expr) - 1)

#define BIT(s) (1u << (s))
#define GROUP_BUCKET (BIT(SK_SYN_RECV) | BIT(SK_TIME_WAIT))
#define GROUP_CONNECTED (SK_ALL_STATES & ~(BIT(SK_CLOSE) | BIT(SK_LISTEN)))

enum tok_type {
	T_END,
	T_WORD,   /* anything else; also and/or/not/eq... which are classified below */
	T_LPAREN,
	T_RPAREN,
	T_NOT,    /* ! not */
	T_AND,    /* & && and */
	T_OR,     /* | || or */
	T_OP,     /* = == eq, != ne neq, < lt, <= le leq, > gt, >= ge geq */
};

enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

struct tok {
	enum tok_type type;
	int op;        /* T_OP */
	size_t pos, len;
	char text[FILTER_MAX_LEN + 1]; /* the word, quotes and backslashes removed */
};

struct parser {
	const char *s;
	size_t n, p;
	struct tok t;
	struct filter *f;
	struct filter_error *err;
	int depth;
	int after_prefix; /* the previous token closed the leading state words */
};

static void set_error(struct parser *ps, size_t pos, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_error(struct parser *ps, size_t pos, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!ps->err)
		return;
	va_start(ap, fmt);
	vsnprintf(ps->err->msg, sizeof(ps->err->msg), fmt, ap);
	va_end(ap);
	ps->err->pos = pos;
	ps->err->len = len ? len : 1;
}

/* "expected WHAT" at the current token. */
static int tok_error(struct parser *ps, const char *what)
{
	if (ps->t.type == T_END)
		set_error(ps, ps->t.pos, 1, "unexpected end of filter: expected %s", what);
	else
		set_error(ps, ps->t.pos, ps->t.len, "expected %s, not '%.40s'", what, ps->t.text);
	return -EINVAL;
}

/* ---- lexer -------------------------------------------------------------- */

static bool is_op_char(char c)
{
	return c == '=' || c == '!' || c == '<' || c == '>' || c == '&' || c == '|';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void classify_word(struct tok *t)
{
	static const struct {
		const char *w;
		enum tok_type type;
		int op;
	} words[] = {
		{"and", T_AND, 0},   {"or", T_OR, 0},     {"not", T_NOT, 0},   {"eq", T_OP, OP_EQ},
		{"ne", T_OP, OP_NE}, {"neq", T_OP, OP_NE}, {"lt", T_OP, OP_LT}, {"le", T_OP, OP_LE},
		{"leq", T_OP, OP_LE}, {"gt", T_OP, OP_GT}, {"ge", T_OP, OP_GE}, {"geq", T_OP, OP_GE},
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!strcasecmp(t->text, words[i].w)) {
			t->type = words[i].type;
			t->op = words[i].op;
			return;
		}
	}
}

static int lex(struct parser *ps)
{
	struct tok *t = &ps->t;
	const char *s = ps->s;
	size_t p = ps->p, j = 0;
	bool quoted = false;

	while (p < ps->n && is_space(s[p]))
		p++;
	t->pos = p;
	t->op = 0;
	t->text[0] = '\0';
	if (p >= ps->n) {
		t->type = T_END;
		t->len = 1;
		ps->p = p;
		return 0;
	}
	if (s[p] == '(' || s[p] == ')') {
		t->type = s[p] == '(' ? T_LPAREN : T_RPAREN;
		t->len = 1;
		t->text[0] = s[p];
		t->text[1] = '\0';
		ps->p = p + 1;
		return 0;
	}
	if (is_op_char(s[p])) {
		static const struct {
			const char *sym;
			enum tok_type type;
			int op;
		} ops[] = {
			{"==", T_OP, OP_EQ}, {"!=", T_OP, OP_NE}, {"<=", T_OP, OP_LE}, {">=", T_OP, OP_GE},
			{"&&", T_AND, 0},    {"||", T_OR, 0},     {"=", T_OP, OP_EQ},  {"<", T_OP, OP_LT},
			{">", T_OP, OP_GT},  {"!", T_NOT, 0},     {"&", T_AND, 0},     {"|", T_OR, 0},
		};

		for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
			size_t l = strlen(ops[i].sym);

			if (p + l <= ps->n && !strncmp(s + p, ops[i].sym, l)) {
				t->type = ops[i].type;
				t->op = ops[i].op;
				t->len = l;
				memcpy(t->text, ops[i].sym, l);
				t->text[l] = '\0';
				ps->p = p + l;
				return 0;
			}
		}
	}
	/* A word: up to a space, a parenthesis or an operator character.
	 * '...' and "..." quote anything; a backslash escapes one character. */
	while (p < ps->n && !is_space(s[p]) && s[p] != '(' && s[p] != ')' && !is_op_char(s[p])) {
		if (s[p] == '\'' || s[p] == '"') {
			char q = s[p];
			size_t start = p;

			quoted = true;
			p++;
			while (p < ps->n && s[p] != q)
				t->text[j++] = s[p++];
			if (p >= ps->n) {
				set_error(ps, start, 1, "unterminated quote %c", q);
				return -EINVAL;
			}
			p++;
			continue;
		}
		if (s[p] == '\\' && p + 1 < ps->n) {
			quoted = true;
			p++;
		}
		t->text[j++] = s[p++];
	}
	t->text[j] = '\0';
	t->type = T_WORD;
	t->len = p - t->pos;
	ps->p = p;
	if (!quoted)
		classify_word(t);
	return 0;
}

static int advance(struct parser *ps)
{
	ps->after_prefix = 0;
	return lex(ps);
}

/* ---- tree --------------------------------------------------------------- */

static int node_new(struct filter *f, enum fnode_kind kind, uint32_t *ret)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct fnode *v = realloc(f->nodes, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		f->nodes = v;
		f->cap = cap;
	}
	memset(&f->nodes[f->n], 0, sizeof(f->nodes[0]));
	f->nodes[f->n].kind = (uint8_t)kind;
	f->nodes[f->n].port = -1;
	*ret = (uint32_t)f->n++;
	return 0;
}

static int node_pair(struct filter *f, enum fnode_kind kind, uint32_t a, uint32_t b, uint32_t *ret)
{
	uint32_t i;
	int r = node_new(f, kind, &i);

	if (r < 0)
		return r;
	f->nodes[i].a = a;
	f->nodes[i].b = b;
	*ret = i;
	return 0;
}

static int node_not(struct filter *f, uint32_t a, uint32_t *ret)
{
	return node_pair(f, FN_NOT, a, 0, ret);
}

/* ---- operands ----------------------------------------------------------- */

/* States named by one word: a state in any spelling, or one of ss's groups. */
static int state_word(const char *w, uint32_t *ret)
{
	static const struct {
		const char *name;
		uint32_t mask;
	} groups[] = {
		{"all", SK_ALL_STATES},
		{"connected", GROUP_CONNECTED},
		{"synchronized", GROUP_CONNECTED & ~BIT(SK_SYN_SENT)},
		{"bucket", GROUP_BUCKET},
		{"big", SK_ALL_STATES & ~GROUP_BUCKET},
		{"listening", BIT(SK_LISTEN)},
		{"unconnected", BIT(SK_CLOSE)},
		{"syn-rcv", BIT(SK_SYN_RECV)},
	};
	int st;

	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		if (!strcasecmp(w, groups[i].name)) {
			*ret = groups[i].mask;
			return 0;
		}
	}
	st = state_from_name(w);
	if (st < 1 || st >= SK_STATE_MAX)
		return -EINVAL;
	*ret = BIT(st);
	return 0;
}

static int state_operand(struct parser *ps, uint32_t *ret)
{
	if (state_word(ps->t.text, ret) < 0) {
		set_error(ps, ps->t.pos, ps->t.len,
			  "unknown state '%.24s' (valid: listen syn-sent syn-recv estab fin-wait-1 fin-wait-2 "
			  "close-wait closing last-ack time-wait closed, or a group)",
			  ps->t.text);
		return -EINVAL;
	}
	return 0;
}

/* A port as ss reads it: a number (C notation, as strtol base 0) or a tcp
 * service name from /etc/services. */
static int port_value(struct parser *ps, const char *s, size_t pos, size_t len, int32_t *ret)
{
	char *end;
	long v;

	if (!*s) {
		set_error(ps, pos, len, "expected a port after ':'");
		return -EINVAL;
	}
	if (isdigit((unsigned char)*s)) {
		errno = 0;
		v = strtol(s, &end, 0);
		if (*end) {
			set_error(ps, pos, len, "'%.40s' is not a port number", s);
			return -EINVAL;
		}
		if (errno || v < 0 || v > 65535) {
			set_error(ps, pos, len, "port %.20s is out of range (0-65535)", s);
			return -EINVAL;
		}
		*ret = (int32_t)v;
		return 0;
	}
	{
		struct servent se, *res = NULL;
		char buf[1024];

		if (getservbyname_r(s, "tcp", &se, buf, sizeof(buf), &res) || !res) {
			set_error(ps, pos, len, "unknown service '%.40s' (not a port number nor a tcp service)", s);
			return -EINVAL;
		}
		*ret = ntohs((uint16_t)res->s_port);
	}
	return 0;
}

/* IPv4 in ss's notation: 1 to 4 dot-separated parts, each in C notation
 * (so "127.1" is 127.1.0.0 and "010" is 8), missing parts zero. */
static bool parse_ipv4(const char *s, uint8_t out[4])
{
	uint8_t a[4] = {0};

	for (int i = 0; i < 4; i++) {
		char *end;
		unsigned long v;

		if (!isdigit((unsigned char)*s))
			return false;
		errno = 0;
		v = strtoul(s, &end, 0);
		if (errno || v > 255 || end == s)
			return false;
		a[i] = (uint8_t)v;
		if (!*end) {
			memcpy(out, a, 4);
			return true;
		}
		if (i == 3 || *end != '.')
			return false;
		s = end + 1;
	}
	return false;
}

/* The prefix length after '/': a number, or for IPv4 a dotted netmask. */
static bool parse_plen(const char *s, int family, uint8_t *ret)
{
	unsigned max = family == AF_INET ? 32 : 128;
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (!errno && !*end && v <= max) {
		*ret = (uint8_t)v;
		return true;
	}
	if (family == AF_INET && strchr(s, '.')) {
		uint8_t m[4];
		uint32_t mask;
		unsigned bits = 0;

		if (!parse_ipv4(s, m))
			return false;
		mask = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
		while (bits < 32 && (mask & (1u << (31 - bits))))
			bits++;
		if (bits < 32 && (mask << bits))
			return false; /* not contiguous */
		*ret = (uint8_t)bits;
		return true;
	}
	return false;
}

/* An address with an optional /prefix; "", "*", "any", "all" and
 * "default" mean any address (family 0).  Returns 0, -1 for a bad address,
 * -2 for a bad prefix length. */
static int parse_prefix(const char *in, struct fnode *nd)
{
	char s[FILTER_MAX_LEN + 1];
	char *slash;

	snprintf(s, sizeof(s), "%s", in);
	nd->family = 0;
	nd->plen = 0;
	memset(nd->addr, 0, sizeof(nd->addr));
	if (!*s || !strcmp(s, "*") || !strcasecmp(s, "any") || !strcasecmp(s, "all") || !strcasecmp(s, "default"))
		return 0;
	slash = strchr(s, '/');
	if (slash)
		*slash++ = '\0';
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, nd->addr) != 1)
			return -1;
		nd->family = AF_INET6;
		nd->plen = 128;
	} else {
		if (!parse_ipv4(s, nd->addr))
			return -1;
		nd->family = AF_INET;
		nd->plen = 32;
	}
	if (slash && !parse_plen(slash, nd->family, &nd->plen))
		return -2;
	return 0;
}

static int address_error(struct parser *ps, const char *what)
{
	set_error(ps, ps->t.pos, ps->t.len,
		  "'%.40s' is not an address or prefix (host names are never resolved in filters)", what);
	return -EINVAL;
}

/* A port as port_value() reads it, without reporting errors. */
static bool port_ok(const char *s)
{
	struct servent se, *res = NULL;
	char buf[1024];
	char *end;
	long v;

	if (!*s || !strcmp(s, "*"))
		return true;
	if (isdigit((unsigned char)*s)) {
		errno = 0;
		v = strtol(s, &end, 0);
		return !*end && !errno && v >= 0 && v <= 65535;
	}
	return !getservbyname_r(s, "tcp", &se, buf, sizeof(buf), &res) && res;
}

/*
 * src/dst operand, split as ss splits it: "[addr]" or "[addr]:port", "*" or
 * "*:port", otherwise the last ':' (after any '/') starts the port, so bare
 * "10.0.0.1:80" and "fe80::1:80" carry a port.  Where ss would fail, a word
 * that is a whole IPv6 address ("::1", "::ffff:10.0.0.1") is taken as one.
 */
static int host_operand(struct parser *ps, struct fnode *nd)
{
	const char *w = ps->t.text;
	char addr[FILTER_MAX_LEN + 1];
	const char *port = NULL;
	struct fnode probe;

	if (w[0] == '[') {
		const char *close = strchr(w, ']');

		if (!close) {
			set_error(ps, ps->t.pos, ps->t.len, "missing ']' after '['");
			return -EINVAL;
		}
		snprintf(addr, sizeof(addr), "%.*s", (int)(close - w - 1), w + 1);
		if (close[1] == ':') {
			port = close + 2;
		} else if (close[1]) {
			set_error(ps, ps->t.pos, ps->t.len, "expected ':PORT' after ']'");
			return -EINVAL;
		}
	} else if (w[0] == '*') {
		addr[0] = '\0';
		if (w[1] == ':') {
			port = w + 2;
		} else if (w[1]) {
			set_error(ps, ps->t.pos, ps->t.len, "expected ':PORT' after '*'");
			return -EINVAL;
		}
	} else {
		char *slash, *colon;

		snprintf(addr, sizeof(addr), "%s", w);
		slash = strchr(addr, '/');
		colon = strrchr(slash ? slash : addr, ':');
		if (colon) {
			*colon = '\0';
			if (!parse_prefix(addr, &probe) && (port_ok(colon + 1) || parse_prefix(w, &probe)))
				port = w + (colon - addr) + 1;
			else
				*colon = ':';
		}
	}
	switch (parse_prefix(addr, nd)) {
	case 0:
		break;
	case -2:
		set_error(ps, ps->t.pos, ps->t.len, "bad prefix length in '%.40s' (0-32 for IPv4, 0-128 for IPv6)",
			  addr);
		return -EINVAL;
	default:
		return address_error(ps, addr);
	}
	nd->port = -1;
	if (port && !*port) {
		set_error(ps, ps->t.pos, ps->t.len, "expected a port after ':'");
		return -EINVAL;
	}
	if (port && strcmp(port, "*"))
		return port_value(ps, port, ps->t.pos, ps->t.len, &nd->port);
	return 0;
}

/* sport/dport operand: ":PORT", "PORT", ":*" or "*" (any). */
static int port_operand(struct parser *ps, bool allow_any, int32_t *ret)
{
	const char *w = ps->t.text;

	if (*w == ':')
		w++;
	if (!strcmp(w, "*")) {
		if (!allow_any) {
			set_error(ps, ps->t.pos, ps->t.len, "a port comparison needs a port number, not '*'");
			return -EINVAL;
		}
		*ret = -1;
		return 0;
	}
	return port_value(ps, w, ps->t.pos, ps->t.len, ret);
}

static int num_operand(struct parser *ps, uint64_t max, uint64_t *ret)
{
	const char *w = ps->t.text;
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)*w)) {
		set_error(ps, ps->t.pos, ps->t.len, "expected a number, not '%.40s'", w);
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(w, &end, 10);
	if (*end) {
		set_error(ps, ps->t.pos, ps->t.len, "expected a number, not '%.40s'", w);
		return -EINVAL;
	}
	if (errno || v > max) {
		set_error(ps, ps->t.pos, ps->t.len, "number %.30s is too large (at most %llu)", w,
			  (unsigned long long)max);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

static int user_operand(struct parser *ps, uint64_t *ret)
{
	struct passwd pw, *res = NULL;
	size_t size = 4096;
	int r;

	for (;;) {
		char *buf = malloc(size);

		if (!buf)
			return -ENOMEM;
		r = getpwnam_r(ps->t.text, &pw, buf, size, &res);
		if (r == ERANGE && size < (1u << 20)) {
			free(buf);
			size *= 4;
			continue;
		}
		if (!r && res)
			*ret = pw.pw_uid;
		free(buf);
		break;
	}
	if (res)
		return 0;
	if (isdigit((unsigned char)ps->t.text[0]))
		return num_operand(ps, UINT32_MAX, ret);
	set_error(ps, ps->t.pos, ps->t.len, "unknown user '%.40s'", ps->t.text);
	return -EINVAL;
}

/* netid operand: a kind ("udp", "unix") or a Netid ("u_str", "p_raw"). */
static int netid_operand(struct parser *ps, struct fnode *nd)
{
	const char *w = ps->t.text;

	for (unsigned k = 0; k < KIND_MAX; k++) {
		const struct sock_kind *kd = kind_get(k);

		if (!kd)
			continue;
		if (!strcasecmp(w, kd->name) || !strcasecmp(w, kd->netid)) {
			nd->field = (uint8_t)k;
			nd->num = 0;
			return 0;
		}
		for (size_t j = 0; j < kd->nsubtypes; j++) {
			if (strcasecmp(w, kd->subtypes[j].netid) && strcasecmp(w, kd->subtypes[j].name))
				continue;
			nd->field = (uint8_t)k;
			nd->num = 1u << kd->subtypes[j].type;
			return 0;
		}
	}
	set_error(ps, ps->t.pos, ps->t.len, "unknown netid '%.24s' (valid: %s)", w, KINDS_QUERY_WORDS);
	return -EINVAL;
}

/* dev operand: an interface name or index. */
static int dev_operand(struct parser *ps, uint64_t *ret)
{
	unsigned idx;

	if (isdigit((unsigned char)ps->t.text[0]))
		return num_operand(ps, UINT32_MAX, ret);
	idx = if_nametoindex(ps->t.text);
	if (!idx) {
		set_error(ps, ps->t.pos, ps->t.len, "unknown interface '%.30s'", ps->t.text);
		return -EINVAL;
	}
	*ret = idx;
	return 0;
}

static uint32_t states_of_side(int side)
{
	uint32_t m = 0;

	for (int st = 1; st < SK_STATE_MAX; st++)
		if (state_get(st) && (int)state_get(st)->side == side)
			m |= BIT(st);
	return m;
}

static uint32_t states_of_role(int role)
{
	uint32_t m = 0;

	for (int st = 1; st < SK_STATE_MAX; st++)
		if (state_get(st) && (int)state_get(st)->role == role)
			m |= BIT(st);
	return m;
}

/* ---- grammar ------------------------------------------------------------ */

enum key {
	K_SRC, K_DST, K_SPORT, K_DPORT, K_STATE, K_PID, K_PROCESS, K_UID, K_USER, K_SIDE, K_ROLE,
	K_RECVQ, K_SENDQ, K_INODE, K_NETID, K_DEV, K_NETNS, K_CONTAINER, K_POD, K_UNIT, K_CGROUP, K_NONE
};

static enum key key_of(const char *w)
{
	static const struct {
		const char *name;
		enum key key;
	} keys[] = {
		{"src", K_SRC},       {"dst", K_DST},         {"dest", K_DST},     {"sport", K_SPORT},
		{"dport", K_DPORT},   {"state", K_STATE},     {"pid", K_PID},      {"process", K_PROCESS},
		{"comm", K_PROCESS},  {"uid", K_UID},         {"user", K_USER},    {"side", K_SIDE},
		{"role", K_ROLE},     {"recvq", K_RECVQ},     {"recv-q", K_RECVQ}, {"sendq", K_SENDQ},
		{"send-q", K_SENDQ},  {"inode", K_INODE},     {"ino", K_INODE},    {"netid", K_NETID},
		{"dev", K_DEV},        {"netns", K_NETNS},  {"container", K_CONTAINER},
		{"pod", K_POD},        {"unit", K_UNIT},       {"cgroup", K_CGROUP},
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcasecmp(w, keys[i].name))
			return keys[i].key;
	return K_NONE;
}

static const char *const op_names[] = {"=", "!=", "<", "<=", ">", ">="};

static int parse_list(struct parser *ps, uint32_t *ret);

/* Wraps node i in NOT when the operator was '!='. */
static int maybe_not(struct parser *ps, int op, uint32_t i, uint32_t *ret)
{
	if (op == OP_NE)
		return node_not(ps->f, i, ret);
	*ret = i;
	return 0;
}

static int parse_term(struct parser *ps, uint32_t *ret)
{
	size_t kpos = ps->t.pos, klen = ps->t.len;
	char kname[16];
	enum key key = key_of(ps->t.text);
	int op = OP_EQ, r;
	uint32_t i;
	struct fnode *nd;
	const char *what;

	if (key == K_NONE) {
		if (!strcasecmp(ps->t.text, "exclude") || !strcasecmp(ps->t.text, "excl"))
			set_error(ps, kpos, klen, "'exclude' is only allowed before the expression");
		else
			set_error(ps, kpos, klen,
				  "unknown key '%.30s' (expected src, dst, sport, dport, state, pid, process, uid, "
				  "user, side, role, recvq, sendq, inode, netid, dev, netns, container, pod, unit or cgroup)",
				  ps->t.text);
		return -EINVAL;
	}
	snprintf(kname, sizeof(kname), "%.15s", ps->t.text);
	r = advance(ps);
	if (r < 0)
		return r;
	if (ps->t.type == T_OP) {
		op = ps->t.op;
		switch (key) {
		case K_SRC:
		case K_DST:
		case K_STATE:
		case K_PROCESS:
		case K_USER:
		case K_SIDE:
		case K_ROLE:
		case K_NETID:
		case K_DEV:
		case K_NETNS:
		case K_CONTAINER:
		case K_POD:
		case K_UNIT:
		case K_CGROUP:
			if (op != OP_EQ && op != OP_NE) {
				set_error(ps, ps->t.pos, ps->t.len, "'%s' cannot be used with '%s' (only = and !=)",
					  op_names[op], kname);
				return -EINVAL;
			}
			break;
		default:
			break;
		}
		r = advance(ps);
		if (r < 0)
			return r;
	}
	switch (key) {
	case K_SRC:
	case K_DST:
		what = "an address";
		break;
	case K_SPORT:
	case K_DPORT:
		what = "a port";
		break;
	case K_STATE:
		what = "a state name";
		break;
	case K_PROCESS:
		what = "a process name or pattern";
		break;
	case K_NETNS:
	case K_CONTAINER:
	case K_POD:
	case K_UNIT:
	case K_CGROUP:
		what = "a name or pattern";
		break;
	case K_USER:
		what = "a user name";
		break;
	case K_SIDE:
		what = "client, server or both";
		break;
	case K_ROLE:
		what = "a role";
		break;
	case K_NETID:
		what = "a socket kind (tcp, udp, raw, unix, u_str, ...)";
		break;
	case K_DEV:
		what = "an interface name or index";
		break;
	default:
		what = "a number";
		break;
	}
	/* Operand: any word, even one that reads like a keyword ("and"). */
	if (ps->t.type == T_END || ps->t.type == T_LPAREN || ps->t.type == T_RPAREN ||
	    (ps->t.type != T_WORD && !isalpha((unsigned char)ps->t.text[0])))
		return tok_error(ps, what);

	r = node_new(ps->f, FN_HOST, &i);
	if (r < 0)
		return r;
	nd = &ps->f->nodes[i];
	switch (key) {
	case K_SRC:
	case K_DST:
		nd->local = key == K_SRC;
		if (ps->t.text[0] == '/' || ps->t.text[0] == '@') {
			/* a UNIX path or abstract name, globs allowed, as ss has it */
			nd->kind = FN_PATH;
			nd->glob = strdup(ps->t.text);
			r = nd->glob ? 0 : -ENOMEM;
			break;
		}
		r = host_operand(ps, nd);
		break;
	case K_NETID:
		nd->kind = FN_NETID;
		r = netid_operand(ps, nd);
		break;
	case K_DEV:
		nd->kind = FN_NUM;
		nd->field = NUM_IFINDEX;
		r = dev_operand(ps, &nd->num);
		break;
	case K_SPORT:
	case K_DPORT:
		nd->local = key == K_SPORT;
		if (op == OP_EQ || op == OP_NE) {
			r = port_operand(ps, true, &nd->port);
			break;
		}
		nd->kind = FN_PORT;
		r = port_operand(ps, false, &nd->port);
		if (r < 0)
			break;
		/* As ss: '>' is NOT '<=' and '<' is NOT '>='. */
		nd->cmp = (op == OP_GE || op == OP_LT) ? CMP_GE : CMP_LE;
		if (op == OP_LT || op == OP_GT)
			op = OP_NE;
		break;
	case K_STATE:
		nd->kind = FN_STATES;
		r = state_operand(ps, &nd->mask);
		break;
	case K_SIDE:
	case K_ROLE: {
		int v = key == K_SIDE ? side_from_name(ps->t.text) : role_from_name(ps->t.text);

		nd->kind = FN_STATES;
		if (v < 0) {
			set_error(ps, ps->t.pos, ps->t.len,
				  key == K_SIDE ? "unknown side '%.30s' (valid: client, server, both)"
						: "unknown role '%.30s' (valid: active-opener, passive-opener, "
						  "both, active-closer, passive-closer, simultaneous-closer, none)",
				  ps->t.text);
			r = -EINVAL;
			break;
		}
		nd->mask = key == K_SIDE ? states_of_side(v) : states_of_role(v);
		break;
	}
	case K_PROCESS:
		nd->kind = FN_PROCESS;
		nd->glob = strdup(ps->t.text);
		r = nd->glob ? 0 : -ENOMEM;
		break;
	case K_NETNS:
	case K_CONTAINER:
	case K_POD:
	case K_UNIT:
	case K_CGROUP:
		nd->kind = FN_ATTR;
		nd->field = key == K_NETNS ? AF_NETNS : key == K_CONTAINER ? AF_CONTAINER : key == K_POD ? AF_POD :
			    key == K_UNIT ? AF_UNIT : AF_CGROUP;
		nd->glob = strdup(ps->t.text);
		r = nd->glob ? 0 : -ENOMEM;
		break;
	case K_USER:
		nd->kind = FN_NUM;
		nd->field = NUM_UID;
		r = user_operand(ps, &nd->num);
		break;
	default:
		nd->kind = FN_NUM;
		nd->cmp = op == OP_LT ? CMP_LT : op == OP_LE ? CMP_LE : op == OP_GT ? CMP_GT :
			  op == OP_GE ? CMP_GE : CMP_EQ;
		nd->field = key == K_PID ? NUM_PID : key == K_UID ? NUM_UID : key == K_RECVQ ? NUM_RECVQ :
			    key == K_SENDQ ? NUM_SENDQ : NUM_INODE;
		r = num_operand(ps, key == K_PID ? INT32_MAX : key == K_INODE ? UINT64_MAX : UINT32_MAX,
				&nd->num);
		break;
	}
	if (r < 0)
		return r;
	r = maybe_not(ps, op, i, &i);
	if (r < 0)
		return r;
	*ret = i;
	return advance(ps);
}

static int parse_expr(struct parser *ps, uint32_t *ret)
{
	int r;

	if (++ps->depth > FILTER_MAX_DEPTH) {
		set_error(ps, ps->t.pos, ps->t.len, "filter nests too deeply (more than %d levels)",
			  FILTER_MAX_DEPTH);
		return -EINVAL;
	}
	switch (ps->t.type) {
	case T_LPAREN: {
		size_t open = ps->t.pos;

		r = advance(ps);
		if (r < 0)
			return r;
		if (ps->t.type == T_RPAREN) {
			set_error(ps, open, ps->t.pos + 1 - open, "empty parentheses");
			return -EINVAL;
		}
		r = parse_list(ps, ret);
		if (r < 0)
			return r;
		if (ps->t.type != T_RPAREN) {
			set_error(ps, open, 1, "unbalanced '('");
			return -EINVAL;
		}
		r = advance(ps);
		break;
	}
	case T_NOT: {
		uint32_t a;

		r = advance(ps);
		if (r < 0)
			return r;
		if (ps->t.type == T_END)
			return tok_error(ps, "an expression after 'not'");
		r = parse_expr(ps, &a);
		if (r < 0)
			return r;
		r = node_not(ps->f, a, ret);
		break;
	}
	case T_WORD:
		r = parse_term(ps, ret);
		break;
	case T_END:
		return tok_error(ps, "an expression");
	case T_RPAREN:
		set_error(ps, ps->t.pos, 1, "unbalanced ')'");
		return -EINVAL;
	default:
		if (ps->after_prefix && (ps->t.type == T_AND || ps->t.type == T_OR))
			set_error(ps, ps->t.pos, ps->t.len,
				  "unexpected '%s' after the leading state words (use parentheses: ( state A or state B ))",
				  ps->t.text);
		else
			set_error(ps, ps->t.pos, ps->t.len, "unexpected '%s'", ps->t.text);
		return -EINVAL;
	}
	ps->depth--;
	return r;
}

/* expr { [and|or] expr }: ss's grammar, where and/or have the same
 * precedence and group from the left: "a or b and c" is "(a or b) and c". */
static int parse_list(struct parser *ps, uint32_t *ret)
{
	uint32_t left = 0, right = 0;
	int r = parse_expr(ps, &left);

	if (r < 0)
		return r;
	for (;;) {
		enum fnode_kind kind = FN_AND;

		if (ps->t.type == T_END || ps->t.type == T_RPAREN)
			break;
		if (ps->t.type == T_AND || ps->t.type == T_OR) {
			kind = ps->t.type == T_AND ? FN_AND : FN_OR;
			r = advance(ps);
			if (r < 0)
				return r;
		}
		r = parse_expr(ps, &right);
		if (r < 0)
			return r;
		r = node_pair(ps->f, kind, left, right, &left);
		if (r < 0)
			return r;
	}
	*ret = left;
	return 0;
}

static int parse_all(struct parser *ps)
{
	struct filter *f = ps->f;
	bool saw_states = false;
	uint32_t root;
	int r = advance(ps);

	if (r < 0)
		return r;
	f->states = SK_ALL_STATES;
	f->root = -1;
	/* Leading state words, as ss: "state" adds, "exclude" removes.  A
	 * "state" followed by an operator ("state = x") or whose name is
	 * followed by and/or ("state a or state b") starts the expression
	 * instead; ss rejects both. */
	while (ps->t.type == T_WORD &&
	       (!strcasecmp(ps->t.text, "state") || !strcasecmp(ps->t.text, "exclude") ||
		!strcasecmp(ps->t.text, "excl"))) {
		bool add = !strcasecmp(ps->t.text, "state");
		size_t start = ps->t.pos;
		uint32_t m;

		r = advance(ps);
		if (r < 0)
			return r;
		if (add && ps->t.type == T_OP)
			goto rewind;
		if (ps->t.type != T_WORD)
			return tok_error(ps, "a state name");
		r = state_operand(ps, &m);
		if (r < 0)
			return r;
		r = advance(ps);
		if (r < 0)
			return r;
		if (add && !saw_states && (ps->t.type == T_AND || ps->t.type == T_OR))
			goto rewind;
		if (add)
			f->states = (saw_states ? f->states : 0) | m;
		else
			f->states &= ~m;
		saw_states = true;
		ps->after_prefix = 1;
		continue;
rewind:
		ps->p = start;
		r = advance(ps);
		if (r < 0)
			return r;
		break;
	}
	if (ps->t.type == T_END)
		return 0;
	r = parse_list(ps, &root);
	if (r < 0)
		return r;
	if (ps->t.type == T_RPAREN) {
		set_error(ps, ps->t.pos, 1, "unbalanced ')'");
		return -EINVAL;
	}
	f->root = (int32_t)root;
	return 0;
}

void filter_free(struct filter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->nodes[i].glob);
	free(f->nodes);
	free(f);
}

int filter_parse_str(const char *expr, struct filter **ret, struct filter_error *err)
{
	struct filter_error dummy;
	struct parser ps = {0};
	struct filter *f;
	size_t n;
	int r;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	if (!expr)
		expr = "";
	n = strlen(expr);
	snprintf(err->expr, sizeof(err->expr), "%s", expr);
	if (n > FILTER_MAX_LEN) {
		snprintf(err->msg, sizeof(err->msg), "filter is too long (at most %zu bytes)", FILTER_MAX_LEN);
		err->pos = 0;
		err->len = 1;
		return -EINVAL;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	ps.s = expr;
	ps.n = n;
	ps.f = f;
	ps.err = err;
	r = parse_all(&ps);
	if (r < 0) {
		filter_free(f);
		return r;
	}
	*ret = f;
	return 0;
}

int filter_parse(int argc, char *const *argv, struct filter **ret, struct filter_error *err)
{
	size_t total = 1;
	char *buf;
	int r;

	for (int i = 0; i < argc; i++)
		total += (argv[i] ? strlen(argv[i]) : 0) + 1;
	buf = malloc(total);
	if (!buf)
		return -ENOMEM;
	buf[0] = '\0';
	for (int i = 0, o = 0; i < argc; i++)
		o += sprintf(buf + o, "%s%s", i ? " " : "", argv[i] ? argv[i] : "");
	r = filter_parse_str(buf, ret, err);
	free(buf);
	return r;
}

/* ---- matching ----------------------------------------------------------- */

/* The first plen bits of a and b are equal. */
static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	unsigned bytes = plen / 8, bits = plen % 8;

	if (memcmp(a, b, bytes))
		return false;
	if (bits) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits));

		return ((a[bytes] ^ b[bytes]) & mask) == 0;
	}
	return true;
}

static bool is_v4mapped(const uint8_t *a)
{
	static const uint8_t pre[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return !memcmp(a, pre, sizeof(pre));
}

/* Same rules as the kernel's INET_DIAG_BC_S_COND/D_COND. */
static bool match_host(const struct fnode *nd, const struct sock_rec *r)
{
	const uint8_t *addr = nd->local ? r->laddr : r->raddr;

	if (nd->port != -1 && nd->port != (nd->local ? r->lport : r->rport))
		return false;
	if (nd->family == 0)
		return true;
	if (nd->family != r->family)
		return r->family == AF_INET6 && nd->family == AF_INET && is_v4mapped(addr) &&
		       prefix_equal(addr + 12, nd->addr, nd->plen);
	return prefix_equal(addr, nd->addr, nd->plen);
}

static bool cmp_num(uint64_t v, int cmp, uint64_t n)
{
	switch (cmp) {
	case CMP_LT:
		return v < n;
	case CMP_LE:
		return v <= n;
	case CMP_GT:
		return v > n;
	case CMP_GE:
		return v >= n;
	default:
		return v == n;
	}
}

static bool match_owner(const struct fnode *nd, const struct sock_rec *r, const struct filter_env *env)
{
	const struct sock_owner *o = NULL;
	size_t n;

	if (!env || !env->owners || !r->inode)
		return false;
	n = procmap_lookup(env->owners, r->inode, &o);
	for (size_t i = 0; i < n && o; i++) {
		if (nd->kind == FN_PROCESS) {
			if (o[i].comm && !fnmatch(nd->glob, o[i].comm, 0))
				return true;
		} else if (o[i].pid >= 0 && cmp_num((uint64_t)o[i].pid, nd->cmp, nd->num)) {
			return true;
		}
	}
	return false;
}

/* A UNIX socket's own name against a glob (ss: src matches paths). */
static bool match_path(const struct fnode *nd, const struct sock_rec *r, const struct filter_env *env)
{
	char name[sizeof(env->ext->name) + 1];

	if (!nd->local || !env || !env->ext || sock_kind(r)->inet || !env->ext->name_len)
		return false;
	memcpy(name, env->ext->name, env->ext->name_len);
	name[env->ext->name_len] = '\0';
	return !fnmatch(nd->glob, name, 0);
}

static bool match_node(const struct filter *f, uint32_t i, const struct sock_rec *r, const struct filter_env *env)
{
	const struct fnode *nd = &f->nodes[i];

	switch (nd->kind) {
	case FN_HOST:
		return sock_kind(r)->inet && match_host(nd, r);
	case FN_PORT: {
		uint16_t p = nd->local ? r->lport : r->rport;

		if (!sock_kind(r)->inet)
			return false;
		return nd->cmp == CMP_GE ? p >= nd->port : p <= nd->port;
	}
	case FN_NETID:
		return r->kind == nd->field && (!nd->num || (r->x.type < 32 && (nd->num & BIT(r->x.type))));
	case FN_PATH:
		return match_path(nd, r, env);
	case FN_STATES:
		return r->state < 32 && (nd->mask & BIT(r->state));
	case FN_PROCESS:
		return match_owner(nd, r, env);
	case FN_ATTR:
		return env && env->attr && attrib_match(env->attr, r, env->owners, nd->field, nd->glob);
	case FN_NUM:
		switch (nd->field) {
		case NUM_PID:
			return match_owner(nd, r, env);
		case NUM_UID:
			return cmp_num(r->uid, nd->cmp, nd->num);
		case NUM_RECVQ:
			return cmp_num(r->recv_q, nd->cmp, nd->num);
		case NUM_SENDQ:
			return !(r->flags & SOCK_F_SENDQ_UNKNOWN) && cmp_num(r->send_q, nd->cmp, nd->num);
		case NUM_IFINDEX:
			return cmp_num(r->ifindex, nd->cmp, nd->num);
		default:
			return cmp_num(r->inode, nd->cmp, nd->num);
		}
	case FN_AND:
		return match_node(f, nd->a, r, env) && match_node(f, nd->b, r, env);
	case FN_OR:
		return match_node(f, nd->a, r, env) || match_node(f, nd->b, r, env);
	case FN_NOT:
		return !match_node(f, nd->a, r, env);
	default:
		return false;
	}
}

bool filter_match(const struct filter *f, const struct sock_rec *r, const struct filter_env *env)
{
	if (!f)
		return true;
	if (r->state >= 32 || !(f->states & BIT(r->state)))
		return false;
	return f->root < 0 || match_node(f, (uint32_t)f->root, r, env);
}

/* A superset of the states in which node i can be true. */
static uint32_t node_states(const struct filter *f, uint32_t i)
{
	const struct fnode *nd = &f->nodes[i];

	switch (nd->kind) {
	case FN_STATES:
		return nd->mask & SK_ALL_STATES;
	case FN_AND:
		return node_states(f, nd->a) & node_states(f, nd->b);
	case FN_OR:
		return node_states(f, nd->a) | node_states(f, nd->b);
	case FN_NOT:
		if (f->nodes[nd->a].kind == FN_STATES)
			return SK_ALL_STATES & ~f->nodes[nd->a].mask;
		return SK_ALL_STATES;
	default:
		return SK_ALL_STATES;
	}
}

/* A superset of the kinds in which node i can be true. */
static uint32_t node_kinds(const struct filter *f, uint32_t i)
{
	const struct fnode *nd = &f->nodes[i];

	switch (nd->kind) {
	case FN_NETID:
		return KIND_BIT(nd->field);
	case FN_AND:
		return node_kinds(f, nd->a) & node_kinds(f, nd->b);
	case FN_OR:
		return node_kinds(f, nd->a) | node_kinds(f, nd->b);
	case FN_NOT:
		if (f->nodes[nd->a].kind == FN_NETID && !f->nodes[nd->a].num)
			return KIND_ALL & ~KIND_BIT(f->nodes[nd->a].field);
		return KIND_ALL;
	default:
		return KIND_ALL;
	}
}

uint32_t filter_kinds(const struct filter *f)
{
	if (!f || f->root < 0)
		return KIND_ALL;
	return node_kinds(f, (uint32_t)f->root);
}

uint32_t filter_states(const struct filter *f)
{
	if (!f)
		return SK_ALL_STATES;
	if (f->root < 0)
		return f->states;
	return f->states & node_states(f, (uint32_t)f->root);
}

unsigned filter_needs(const struct filter *f)
{
	unsigned need = NEED_NONE;

	if (!f)
		return need;
	for (size_t i = 0; i < f->n; i++)
		if (f->nodes[i].kind == FN_PROCESS || (f->nodes[i].kind == FN_NUM && f->nodes[i].field == NUM_PID))
			need |= NEED_OWNERS;
		else if (f->nodes[i].kind == FN_ATTR)
			need |= NEED_CGROUP;
	return need;
}

bool filter_is_trivial(const struct filter *f)
{
	return !f || (f->root < 0 && f->states == SK_ALL_STATES);
}
