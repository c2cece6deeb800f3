// SPDX-License-Identifier: MIT
/*
 * webconfig: parses the exporter-toolkit web configuration with libyaml's
 * document loader and walks the node tree against a fixed schema of three
 * levels, so anchors and aliases cost nothing and no input can recurse.
 * Scalars are read as yaml.v2 reads them into Go strings and bools: any
 * plain scalar is a string, null and "~" are the zero value, and the YAML 1.1
 * spellings (yes/no/on/off/y/n, true/false) are bools.  The error text
 * follows the toolkit's where one exists ("field X not found in ...",
 * "missing cert_file", "unknown TLS version: X", ...), always one line,
 * prefixed with the line of the offending node.
 */
#include "webconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

/* Go's tls.CipherSuites() (Go 1.19, which built Debian 12's toolkit) and the GnuTLS parts each names. */
struct cipher_def {
	const char *go;
	const char *kx, *cipher, *mac; /* NULL kx: a TLS 1.3 suite, not configurable in Go either */
};

static const struct cipher_def ciphers[] = {
	{"TLS_RSA_WITH_AES_128_CBC_SHA", "RSA", "AES-128-CBC", "SHA1"},
	{"TLS_RSA_WITH_AES_256_CBC_SHA", "RSA", "AES-256-CBC", "SHA1"},
	{"TLS_RSA_WITH_AES_128_GCM_SHA256", "RSA", "AES-128-GCM", "AEAD"},
	{"TLS_RSA_WITH_AES_256_GCM_SHA384", "RSA", "AES-256-GCM", "AEAD"},
	{"TLS_AES_128_GCM_SHA256", NULL, NULL, NULL},
	{"TLS_AES_256_GCM_SHA384", NULL, NULL, NULL},
	{"TLS_CHACHA20_POLY1305_SHA256", NULL, NULL, NULL},
	{"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA", "AES-128-CBC", "SHA1"},
	{"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA", "AES-256-CBC", "SHA1"},
	{"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA", "AES-128-CBC", "SHA1"},
	{"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA", "AES-256-CBC", "SHA1"},
	{"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA", "AES-128-GCM", "AEAD"},
	{"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA", "AES-256-GCM", "AEAD"},
	{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA", "AES-128-GCM", "AEAD"},
	{"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA", "AES-256-GCM", "AEAD"},
	{"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA", "CHACHA20-POLY1305", "AEAD"},
	{"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA", "CHACHA20-POLY1305", "AEAD"},
};

static const struct {
	const char *go, *gnutls;
} curves[] = {
	{"CurveP256", "GROUP-SECP256R1"},
	{"CurveP384", "GROUP-SECP384R1"},
	{"CurveP521", "GROUP-SECP521R1"},
	{"X25519", "GROUP-X25519"},
};

/* The toolkit's extraHTTPHeaders: NULL values means any value. */
static const struct {
	const char *name;
	const char *values[3];
} allowed_headers[] = {
	{"Strict-Transport-Security", {NULL}},
	{"X-Content-Type-Options", {"nosniff", NULL}},
	{"X-Frame-Options", {"deny", "sameorigin", NULL}},
	{"X-XSS-Protection", {NULL}},
	{"Content-Security-Policy", {NULL}},
};

static const char *const client_auth_names[] = {
	[WEBCONFIG_NO_CLIENT_CERT] = "NoClientCert",
	[WEBCONFIG_REQUEST_CLIENT_CERT] = "RequestClientCert",
	[WEBCONFIG_REQUIRE_ANY_CLIENT_CERT] = "RequireAnyClientCert",
	[WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN] = "VerifyClientCertIfGiven",
	[WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT] = "RequireAndVerifyClientCert",
};

struct pctx {
	yaml_document_t *doc;
	const char *dir;
	char *err;
	size_t errlen;
	struct webconfig *c;
	char *client_auth; /* as written, checked after the walk */
};

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int fail(struct pctx *p, int r, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int off = 0;

	if (!p->err || p->errlen == 0)
		return r;
	if (n)
		off = snprintf(p->err, p->errlen, "line %lu: ", (unsigned long)n->start_mark.line + 1);
	if (off < 0 || (size_t)off >= p->errlen)
		return r;
	va_start(ap, fmt);
	vsnprintf(p->err + off, p->errlen - (size_t)off, fmt, ap);
	va_end(ap);
	return r;
}

/* A printable, bounded rendering of a key for error messages. */
static const char *shown(const yaml_node_t *n, char *buf, size_t len)
{
	size_t j = 0;

	if (n->type != YAML_SCALAR_NODE)
		return n->type == YAML_MAPPING_NODE ? "!!map" : "!!seq";
	for (size_t i = 0; i < n->data.scalar.length && j + 5 < len; i++) {
		unsigned char ch = n->data.scalar.value[i];

		if (ch < 0x20 || ch == 0x7f)
			j += (size_t)snprintf(buf + j, len - j, "\\x%02x", ch);
		else
			buf[j++] = (char)ch;
	}
	buf[j] = '\0';
	return buf;
}

static bool scalar_is(const yaml_node_t *n, const char *s)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.length == strlen(s) &&
	       memcmp(n->data.scalar.value, s, n->data.scalar.length) == 0;
}

static bool is_null(const yaml_node_t *n)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (scalar_is(n, nulls[i]))
			return true;
	return false;
}

static const char *type_name(const yaml_node_t *n)
{
	return n->type == YAML_MAPPING_NODE ? "!!map" : n->type == YAML_SEQUENCE_NODE ? "!!seq" : "!!str";
}

/* A scalar as a new NUL-terminated string ("" for null); NUL bytes inside are refused. */
static int get_string(struct pctx *p, const yaml_node_t *n, const char *what, char **ret)
{
	char *s;
	size_t len;

	if (n->type != YAML_SCALAR_NODE)
		return fail(p, -EINVAL, n, "cannot unmarshal %s into %s (a string)", type_name(n), what);
	len = is_null(n) ? 0 : n->data.scalar.length;
	if (len > WEBCONFIG_MAX_STRING)
		return fail(p, -E2BIG, n, "%s is longer than %u bytes", what, WEBCONFIG_MAX_STRING);
	if (memchr(n->data.scalar.value, '\0', len))
		return fail(p, -EINVAL, n, "%s contains a NUL byte", what);
	s = malloc(len + 1);
	if (!s)
		return -ENOMEM;
	memcpy(s, n->data.scalar.value, len);
	s[len] = '\0';
	*ret = s;
	return 0;
}

static int get_bool(struct pctx *p, const yaml_node_t *n, const char *what, bool *ret)
{
	static const char *const yes[] = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
	static const char *const no[] = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
	char b[64];

	if (is_null(n)) {
		*ret = false;
		return 0;
	}
	if (n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
			if (scalar_is(n, yes[i])) {
				*ret = true;
				return 0;
			}
			if (scalar_is(n, no[i])) {
				*ret = false;
				return 0;
			}
		}
	}
	return fail(p, -EINVAL, n, "cannot unmarshal %s `%s` into bool (%s)", type_name(n), shown(n, b, sizeof(b)),
		    what);
}

static int set_string(struct pctx *p, const yaml_node_t *n, const char *what, char **field)
{
	char *s = NULL; /* gcc 12 -O3 warns maybe-uninitialized */
	int r = get_string(p, n, what, &s);

	if (r < 0)
		return r;
	free(*field);
	*field = s;
	return 0;
}

/* Joins DIR and a relative NAME like config_util.JoinDir: empty stays empty, absolute stays as is. */
static int join_dir(const char *dir, char **name)
{
	char *j;
	size_t dl, nl;

	if (!*name || !**name || **name == '/' || !dir || !*dir)
		return 0;
	dl = strlen(dir);
	nl = strlen(*name);
	j = malloc(dl + nl + 2);
	if (!j)
		return -ENOMEM;
	memcpy(j, dir, dl);
	j[dl] = '/';
	memcpy(j + dl + 1, *name, nl + 1);
	free(*name);
	*name = j;
	return 0;
}

typedef int (*field_fn)(struct pctx *p, const yaml_node_t *key, const yaml_node_t *val);

struct field {
	const char *name;
	field_fn fn;
};

/*
 * Walks mapping N, calling the handler of each key's field.  WHERE names the
 * section in errors.  Repeated keys are errors, as in yaml.UnmarshalStrict.
 */
static int walk_map(struct pctx *p, const yaml_node_t *n, const char *where, const struct field *fields,
		    size_t nfields)
{
	unsigned seen = 0;
	char b[128];

	if (is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return fail(p, -EINVAL, n, "cannot unmarshal %s into %s", type_name(n), where);
	for (yaml_node_pair_t *pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = yaml_document_get_node(p->doc, pair->key);
		const yaml_node_t *v = yaml_document_get_node(p->doc, pair->value);
		size_t i;
		int r;

		if (!k || !v)
			return fail(p, -EINVAL, n, "malformed document");
		for (i = 0; i < nfields; i++)
			if (scalar_is(k, fields[i].name))
				break;
		if (i == nfields)
			return fail(p, -EINVAL, k, "field %s not found in %s", shown(k, b, sizeof(b)), where);
		if (seen & (1u << i))
			return fail(p, -EINVAL, k, "field %s already set in %s", fields[i].name, where);
		seen |= 1u << i;
		r = fields[i].fn(p, k, v);
		if (r < 0)
			return r;
	}
	return 0;
}

static int f_cert_file(struct pctx *p, const yaml_node_t *k, const yaml_node_t *v)
{
	return set_string(p, v, "cert_file", &p->c->cert_file);
}

static int f_key_file(struct pctx *p, const yaml_node_t *k, const yaml_node_t *v)
{
	return set_string(p, v, "key_file", &p->c->key_file);
}

static int f_client_ca_file(struct pctx *p, const yaml_node_t *k, const yaml_node_t *v)
{
	return set_string(p, v, "client_ca_file", &p->c->client_ca_file);
}

static int f_client_auth_type(struct pctx *p, const yaml_node_t *k, const yaml_node_t *v)
{
	return set_string(p, v, "client_auth_type", &p->client_auth);
}

static int tls_version(struct pctx *p, const yaml_node_t *v, const char *what, unsigned *ret)
{
	static const char *const names[] = {"TLS10", "TLS11", "TLS12", "TLS13"};
	char b[64];

	if (is_null(v)) { /* yaml.v2 gives the zero value; Go would then mean "no bound" */
		*ret = strcmp(what, "min_version") == 0 ? 10 : 13;
		return 0;
	}
	if (v->type == YAML_SCALAR_NODE)
		for (unsigned i = 0; i < 4; i++)
			if (scalar_is(v, names[i])) {
				*ret = 10 + i;
				return 0;
			}
	return fail(p, -EINVAL, v, "unknown TLS version: %s (%s)", shown(v, b, sizeof(b)), what);
}

static int f_min_version(struct pctx *p, const yaml_node_t *k, const yaml_node_t *v)
{
	return tls_version(p, v, "min_version", &p->c->min_version);
}

static int f_max_version(struct pctx *p, const yaml_node_t *k, const yaml_node_t *v)
{
	return tls_version(p, v, "max_version", &p->c->max_version);
}

static int f_prefer(struct pctx *p, const yaml_node_t *k, const yaml_node_t *v)
{
	return get_bool(p, v, "prefer_server_cipher_suites", &p->c->prefer_server_cipher_suites);
}

/* A sequence of names looked up in TABLE (stride bytes apart, name first), stored as indices. */
static int name_list(struct pctx *p, const yaml_node_t *v, const char *what, const char *unknown,
		     const void *table, size_t stride, size_t ntable, unsigned *out, size_t max, size_t *nout)
{
	char b[128];

	*nout = 0;
	if (is_null(v))
		return 0;
	if (v->type != YAML_SEQUENCE_NODE)
		return fail(p, -EINVAL, v, "cannot unmarshal %s into %s (a list)", type_name(v), what);
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		const yaml_node_t *e = yaml_document_get_node(p->doc, *it);
		size_t i;

		if (!e)
			return fail(p, -EINVAL, v, "malformed document");
		if (e->type != YAML_SCALAR_NODE)
			return fail(p, -EINVAL, e, "cannot unmarshal %s into %s (a string)", type_name(e), what);
		for (i = 0; i < ntable; i++)
			if (scalar_is(e, *(const char *const *)((const char *)table + i * stride)))
				break;
		if (i == ntable)
			return fail(p, -EINVAL, e, "%s: %s", unknown, shown(e, b, sizeof(b)));
		if (*nout == max)
			return fail(p, -E2BIG, e, "%s has more than %zu entries", what, max);
		out[(*nout)++] = (unsigned)i;
	}
	return 0;
}

static int f_cipher_suites(struct pctx *p, const yaml_node_t *k, const yaml_node_t *v)
{
	return name_list(p, v, "cipher_suites", "unknown cipher", ciphers, sizeof(ciphers[0]),
			 sizeof(ciphers) / sizeof(ciphers[0]), p->c->ciphers, WEBCONFIG_MAX_CIPHERS, &p->c->nciphers);
}

static int f_curve_preferences(struct pctx *p, const yaml_node_t *k, const yaml_node_t *v)
{
	return name_list(p, v, "curve_preferences", "unknown curve", curves, sizeof(curves[0]),
			 sizeof(curves) / sizeof(curves[0]), p->c->curves, WEBCONFIG_MAX_CURVES, &p->c->ncurves);
}

static const struct field tls_fields[] = {
	{"cert_file", f_cert_file},
	{"key_file", f_key_file},
	{"client_auth_type", f_client_auth_type},
	{"client_ca_file", f_client_ca_file},
	{"cipher_suites", f_cipher_suites},
	{"curve_preferences", f_curve_preferences},
	{"min_version", f_min_version},
	{"max_version", f_max_version},
	{"prefer_server_cipher_suites", f_prefer},
};

static int f_http2(struct pctx *p, const yaml_node_t *k, const yaml_node_t *v)
{
	return get_bool(p, v, "http2", &p->c->http2);
}

static int f_headers(struct pctx *p, const yaml_node_t *k, const yaml_node_t *v)
{
	struct webconfig *c = p->c;
	char b[128];

	if (is_null(v))
		return 0;
	if (v->type != YAML_MAPPING_NODE)
		return fail(p, -EINVAL, v, "cannot unmarshal %s into headers (a map)", type_name(v));
	for (yaml_node_pair_t *pair = v->data.mapping.pairs.start; pair < v->data.mapping.pairs.top; pair++) {
		const yaml_node_t *hk = yaml_document_get_node(p->doc, pair->key);
		const yaml_node_t *hv = yaml_document_get_node(p->doc, pair->value);
		size_t i, j;
		char *val;
		int r;

		if (!hk || !hv)
			return fail(p, -EINVAL, v, "malformed document");
		for (i = 0; i < sizeof(allowed_headers) / sizeof(allowed_headers[0]); i++)
			if (scalar_is(hk, allowed_headers[i].name))
				break;
		if (i == sizeof(allowed_headers) / sizeof(allowed_headers[0]))
			return fail(p, -EINVAL, hk, "HTTP header \"%s\" can not be configured", shown(hk, b, sizeof(b)));
		for (j = 0; j < c->nheaders; j++)
			if (strcmp(c->headers[j].name, allowed_headers[i].name) == 0)
				return fail(p, -EINVAL, hk, "key \"%s\" already set in headers", allowed_headers[i].name);
		r = get_string(p, hv, allowed_headers[i].name, &val);
		if (r < 0)
			return r;
		for (const char *s = val; *s; s++)
			if ((unsigned char)*s < 0x20 || *s == 0x7f) {
				free(val);
				return fail(p, -EINVAL, hv, "the value of %s contains a control character",
					    allowed_headers[i].name);
			}
		if (allowed_headers[i].values[0]) {
			bool ok = false;

			for (j = 0; allowed_headers[i].values[j]; j++)
				ok = ok || strcmp(val, allowed_headers[i].values[j]) == 0;
			if (!ok) {
				r = fail(p, -EINVAL, hv, "invalid value for %s. Expected one of: \"%s\"%s%s%s, but got: \"%s\"",
					 allowed_headers[i].name, allowed_headers[i].values[0],
					 allowed_headers[i].values[1] ? ", \"" : "",
					 allowed_headers[i].values[1] ? allowed_headers[i].values[1] : "",
					 allowed_headers[i].values[1] ? "\"" : "", shown(hv, b, sizeof(b)));
				free(val);
				return r;
			}
		}
		if (!*val) { /* Go sets an empty header; we send none, which is the same to a client */
			free(val);
			continue;
		}
		c->headers[c->nheaders].name = strdup(allowed_headers[i].name);
		if (!c->headers[c->nheaders].name) {
			free(val);
			return -ENOMEM;
		}
		c->headers[c->nheaders++].value = val;
	}
	return 0;
}

static const struct field http_fields[] = {
	{"http2", f_http2},
	{"headers", f_headers},
};

static bool b64_bcrypt(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
	       ch == '/';
}

/* Checks a bcrypt hash as Go's bcrypt.Cost would, a little stricter: $2a$/$2b$/$2y$, cost 04..31, 60 bytes. */
static int check_bcrypt(struct pctx *p, const yaml_node_t *n, const char *user, const char *h)
{
	size_t len = strlen(h);

	if (len < 59)
		return fail(p, -EINVAL, n, "user %s: hashedSecret too short to be a bcrypted password", user);
	if (h[0] != '$')
		return fail(p, -EINVAL, n, "user %s: bcrypt hashes must start with '$', but hashedSecret started with '%c'",
			    user, h[0] >= 0x20 && h[0] < 0x7f ? h[0] : '?');
	if (h[1] != '2' || (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') || h[3] != '$' || h[6] != '$')
		return fail(p, -EINVAL, n, "user %s: not a bcrypt hash of version 2a, 2b or 2y", user);
	if (h[4] < '0' || h[4] > '3' || h[5] < '0' || h[5] > '9' || (h[4] - '0') * 10 + (h[5] - '0') < 4 ||
	    (h[4] - '0') * 10 + (h[5] - '0') > 31)
		return fail(p, -EINVAL, n, "user %s: bcrypt cost must be between 4 and 31", user);
	if (len != 60)
		return fail(p, -EINVAL, n, "user %s: a bcrypt hash is 60 bytes long, not %zu", user, len);
	for (size_t i = 7; i < len; i++)
		if (!b64_bcrypt(h[i]))
			return fail(p, -EINVAL, n, "user %s: bcrypt hash has a character outside its alphabet", user);
	return 0;
}

static int parse_users(struct pctx *p, const yaml_node_t *v)
{
	struct webconfig *c = p->c;
	size_t n;

	if (is_null(v))
		return 0;
	if (v->type != YAML_MAPPING_NODE)
		return fail(p, -EINVAL, v, "cannot unmarshal %s into basic_auth_users (a map)", type_name(v));
	n = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
	if (n > WEBCONFIG_MAX_USERS)
		return fail(p, -E2BIG, v, "basic_auth_users has more than %u users", WEBCONFIG_MAX_USERS);
	if (n == 0)
		return 0;
	c->users = calloc(n, sizeof(*c->users));
	if (!c->users)
		return -ENOMEM;
	for (yaml_node_pair_t *pair = v->data.mapping.pairs.start; pair < v->data.mapping.pairs.top; pair++) {
		const yaml_node_t *uk = yaml_document_get_node(p->doc, pair->key);
		const yaml_node_t *uv = yaml_document_get_node(p->doc, pair->value);
		struct webconfig_user *u = &c->users[c->nusers];
		char b[128];
		int r;

		if (!uk || !uv)
			return fail(p, -EINVAL, v, "malformed document");
		if (uk->type != YAML_SCALAR_NODE)
			return fail(p, -EINVAL, uk, "cannot unmarshal %s into a user name", type_name(uk));
		if (uk->data.scalar.length > 256)
			return fail(p, -E2BIG, uk, "a user name is longer than 256 bytes");
		r = get_string(p, uk, "a user name", &u->name);
		if (r < 0)
			return r;
		c->nusers++;
		for (size_t i = 0; i + 1 < c->nusers; i++)
			if (strcmp(c->users[i].name, u->name) == 0)
				return fail(p, -EINVAL, uk, "key \"%s\" already set in basic_auth_users",
					    shown(uk, b, sizeof(b)));
		r = get_string(p, uv, "a password hash", &u->hash);
		if (r < 0)
			return r;
		r = check_bcrypt(p, uv, shown(uk, b, sizeof(b)), u->hash);
		if (r < 0)
			return r;
	}
	return 0;
}

static int f_tls(struct pctx *p, const yaml_node_t *k, const yaml_node_t *v)
{
	return walk_map(p, v, "tls_server_config", tls_fields, sizeof(tls_fields) / sizeof(tls_fields[0]));
}

static int f_http(struct pctx *p, const yaml_node_t *k, const yaml_node_t *v)
{
	return walk_map(p, v, "http_server_config", http_fields, sizeof(http_fields) / sizeof(http_fields[0]));
}

static int f_users(struct pctx *p, const yaml_node_t *k, const yaml_node_t *v)
{
	return parse_users(p, v);
}

static const struct field top_fields[] = {
	{"tls_server_config", f_tls},
	{"http_server_config", f_http},
	{"basic_auth_users", f_users},
};

/* The toolkit's ConfigToTLSConfig checks, plus the ones it leaves to the handshake. */
static int finish_tls(struct pctx *p)
{
	struct webconfig *c = p->c;
	const char *ca = p->client_auth ? p->client_auth : "";
	bool any_cert = c->cert_file && *c->cert_file, any_key = c->key_file && *c->key_file;
	bool any_ca = c->client_ca_file && *c->client_ca_file;
	size_t i;
	int r;

	for (i = 0; i < sizeof(client_auth_names) / sizeof(client_auth_names[0]); i++)
		if (strcmp(ca, client_auth_names[i]) == 0)
			break;
	if (strcmp(ca, "RequireClientCert") == 0) /* the toolkit keeps this old name */
		i = WEBCONFIG_REQUIRE_ANY_CLIENT_CERT;
	else if (!*ca)
		i = WEBCONFIG_NO_CLIENT_CERT;
	c->tls = any_cert || any_key || *ca || any_ca;
	if (!c->tls)
		return 0;
	if (!any_cert)
		return fail(p, -EINVAL, NULL, "missing cert_file");
	if (!any_key)
		return fail(p, -EINVAL, NULL, "missing key_file");
	if (i == sizeof(client_auth_names) / sizeof(client_auth_names[0]))
		return fail(p, -EINVAL, NULL, "Invalid ClientAuth: %.200s", ca);
	c->client_auth = (enum webconfig_client_auth)i;
	if (any_ca && c->client_auth == WEBCONFIG_NO_CLIENT_CERT)
		return fail(p, -EINVAL, NULL, "Client CA's have been configured without a Client Auth Policy");
	if (!any_ca && (c->client_auth == WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN ||
			c->client_auth == WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT))
		return fail(p, -EINVAL, NULL, "client_auth_type %s needs a client_ca_file", ca);
	if (c->min_version > c->max_version)
		return fail(p, -EINVAL, NULL, "min_version TLS1%u is above max_version TLS1%u", c->min_version - 10,
			    c->max_version - 10);
	r = join_dir(p->dir, &c->cert_file);
	if (r == 0)
		r = join_dir(p->dir, &c->key_file);
	if (r == 0)
		r = join_dir(p->dir, &c->client_ca_file);
	return r;
}

void webconfig_init(struct webconfig *c)
{
	memset(c, 0, sizeof(*c));
	c->min_version = 12;
	c->max_version = 13;
	c->prefer_server_cipher_suites = true;
	c->http2 = true;
}

void webconfig_free(struct webconfig *c)
{
	if (!c)
		return;
	free(c->cert_file);
	free(c->key_file);
	free(c->client_ca_file);
	for (size_t i = 0; i < c->nheaders; i++) {
		free(c->headers[i].name);
		free(c->headers[i].value);
	}
	for (size_t i = 0; i < c->nusers; i++) {
		free(c->users[i].name);
		free(c->users[i].hash);
	}
	free(c->users);
	memset(c, 0, sizeof(*c));
}

int webconfig_parse(const char *buf, size_t len, const char *dir, struct webconfig *ret, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct webconfig c;
	struct pctx p = {.doc = &doc, .dir = dir, .err = err, .errlen = errlen, .c = &c};
	const yaml_node_t *root;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (len > WEBCONFIG_MAX_FILE)
		return fail(&p, -E2BIG, NULL, "the web configuration is larger than %u bytes", WEBCONFIG_MAX_FILE);
	if (memchr(buf, '\0', len))
		return fail(&p, -EINVAL, NULL, "the web configuration contains a NUL byte");
	webconfig_init(&c);
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		r = parser.error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
		if (r == -EINVAL && err && errlen)
			snprintf(err, errlen, "line %lu: %s%s%s", (unsigned long)parser.problem_mark.line + 1,
				 parser.problem ? parser.problem : "YAML syntax error", parser.context ? " " : "",
				 parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return r;
	}
	root = yaml_document_get_root_node(&doc);
	if (root) {
		yaml_document_t extra;

		/* a second document: yaml.v2 reads only the first; refuse instead of guessing */
		if (yaml_parser_load(&parser, &extra)) {
			bool more = yaml_document_get_root_node(&extra) != NULL;

			yaml_document_delete(&extra);
			if (more) {
				r = fail(&p, -EINVAL, NULL, "the web configuration holds more than one YAML document");
				goto out;
			}
		} else {
			r = fail(&p, -EINVAL, NULL, "line %lu: %s", (unsigned long)parser.problem_mark.line + 1,
				 parser.problem ? parser.problem : "YAML syntax error");
			goto out;
		}
		r = walk_map(&p, root, "the web configuration", top_fields, sizeof(top_fields) / sizeof(top_fields[0]));
		if (r < 0)
			goto out;
	}
	r = finish_tls(&p);
out:
	free(p.client_auth);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (r < 0) {
		webconfig_free(&c);
		for (char *e = err; e && errlen && *e; e++) /* one printable line */
			if ((unsigned char)*e < 0x20 || *e == 0x7f)
				*e = '?';
		return r;
	}
	*ret = c;
	return 0;
}

int webconfig_load(const char *path, struct webconfig *ret, char *err, size_t errlen)
{
	char *buf, *dir, *slash;
	size_t len = 0;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	buf = malloc(WEBCONFIG_MAX_FILE + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, WEBCONFIG_MAX_FILE + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			close(fd);
			free(buf);
			if (err && errlen)
				snprintf(err, errlen, "%s: %s", path, strerror(-r));
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > WEBCONFIG_MAX_FILE)
			break;
	}
	close(fd);
	dir = strdup(path);
	if (!dir) {
		free(buf);
		return -ENOMEM;
	}
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		strcpy(dir, ".");
	r = webconfig_parse(buf, len, dir, ret, err, errlen);
	free(dir);
	free(buf);
	return r;
}

const char *webconfig_client_auth_name(enum webconfig_client_auth a)
{
	if ((size_t)a >= sizeof(client_auth_names) / sizeof(client_auth_names[0]))
		return "?";
	return client_auth_names[a];
}

struct sbuf {
	char *p;
	size_t len, used;
	bool over;
};

static void sput(struct sbuf *s, const char *a, const char *b)
{
	int n = snprintf(s->p + s->used, s->len - s->used, "%s%s", a, b);

	if (n < 0 || (size_t)n >= s->len - s->used)
		s->over = true;
	else
		s->used += (size_t)n;
}

/* Adds ":+PREFIX NAME" once. */
static void sput_once(struct sbuf *s, const char *prefix, const char *name)
{
	char item[64];

	snprintf(item, sizeof(item), ":+%s%s", prefix, name);
	s->p[s->used] = '\0';
	if (!strstr(s->p, item))
		sput(s, item, "");
}

int webconfig_priorities(const struct webconfig *c, char *buf, size_t len)
{
	struct sbuf s = {.p = buf, .len = len};
	bool any12 = false;

	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	sput(&s, "NORMAL:-VERS-ALL", "");
	for (unsigned v = c->max_version; v >= c->min_version && v >= 10; v--) {
		char item[32];

		snprintf(item, sizeof(item), ":+VERS-TLS1.%u", v - 10);
		sput(&s, item, "");
	}
	for (size_t i = 0; i < c->nciphers; i++)
		any12 = any12 || ciphers[c->ciphers[i]].kx;
	if (any12) {
		sput(&s, ":-KX-ALL:-CIPHER-ALL:-MAC-ALL", "");
		/* TLS 1.3 keeps its suites, as in Go; GnuTLS then allows these ciphers in TLS 1.2 too */
		if (c->max_version >= 13)
			sput(&s, ":+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:+AEAD", "");
		for (size_t i = 0; i < c->nciphers; i++) {
			const struct cipher_def *d = &ciphers[c->ciphers[i]];

			if (!d->kx)
				continue;
			sput_once(&s, "", d->kx);
			sput_once(&s, "", d->cipher);
			sput_once(&s, "", d->mac);
		}
	}
	if (c->ncurves) {
		sput(&s, ":-GROUP-ALL", "");
		for (size_t i = 0; i < c->ncurves; i++)
			sput_once(&s, "", curves[c->curves[i]].gnutls);
	}
	if (c->prefer_server_cipher_suites)
		sput(&s, ":%SERVER_PRECEDENCE", "");
	return s.over ? -ENOSPC : 0;
}
