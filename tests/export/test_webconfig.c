// SPDX-License-Identifier: MIT
/*
 * Unit tests for webconfig: valid files (defaults, every key, relative
 * paths), every unknown key at every level, bad values with the toolkit's
 * messages, bounds, and the GnuTLS priority strings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webconfig.h"

#define HASH "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"

static int parse(const char *y, struct webconfig *c, char *err, size_t errlen)
{
	return webconfig_parse(y, strlen(y), "/etc/sx", c, err, errlen);
}

static void t_empty(void **state)
{
	struct webconfig c;
	char err[256];

	assert_int_equal(parse("", &c, err, sizeof(err)), 0);
	assert_false(c.tls);
	assert_int_equal(c.nusers, 0);
	assert_true(c.http2);
	webconfig_free(&c);
	assert_int_equal(parse("# only a comment\n", &c, err, sizeof(err)), 0);
	webconfig_free(&c);
	assert_int_equal(parse("tls_server_config:\nhttp_server_config: ~\nbasic_auth_users: null\n", &c, err,
			       sizeof(err)),
			 0);
	assert_false(c.tls);
	webconfig_free(&c);
}

static void t_full(void **state)
{
	static const char y[] = "tls_server_config:\n"
				"  cert_file: server.crt\n"
				"  key_file: /abs/server.key\n"
				"  client_auth_type: RequireAndVerifyClientCert\n"
				"  client_ca_file: ca/ca.pem\n"
				"  min_version: TLS13\n"
				"  max_version: TLS13\n"
				"  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]\n"
				"  curve_preferences: [X25519, CurveP256]\n"
				"  prefer_server_cipher_suites: no\n"
				"http_server_config:\n"
				"  http2: false\n"
				"  headers:\n"
				"    X-Frame-Options: deny\n"
				"    Strict-Transport-Security: max-age=31536000\n"
				"basic_auth_users:\n"
				"  alice: " HASH "\n"
				"  'bob': '" HASH "'\n";
	struct webconfig c;
	char err[256], prio[1024];

	assert_int_equal(parse(y, &c, err, sizeof(err)), 0);
	assert_true(c.tls);
	assert_string_equal(c.cert_file, "/etc/sx/server.crt");
	assert_string_equal(c.key_file, "/abs/server.key");
	assert_string_equal(c.client_ca_file, "/etc/sx/ca/ca.pem");
	assert_int_equal(c.client_auth, WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT);
	assert_int_equal(c.min_version, 13);
	assert_int_equal(c.max_version, 13);
	assert_int_equal(c.nciphers, 2);
	assert_int_equal(c.ncurves, 2);
	assert_false(c.prefer_server_cipher_suites);
	assert_false(c.http2);
	assert_int_equal(c.nheaders, 2);
	assert_string_equal(c.headers[0].name, "X-Frame-Options");
	assert_string_equal(c.headers[0].value, "deny");
	assert_int_equal(c.nusers, 2);
	assert_string_equal(c.users[1].name, "bob");
	assert_string_equal(c.users[1].hash, HASH);
	assert_int_equal(webconfig_priorities(&c, prio, sizeof(prio)), 0);
	assert_non_null(strstr(prio, "+VERS-TLS1.3"));
	assert_null(strstr(prio, "+VERS-TLS1.2"));
	assert_non_null(strstr(prio, "+ECDHE-RSA"));
	assert_non_null(strstr(prio, "-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1"));
	assert_null(strstr(prio, "SERVER_PRECEDENCE"));
	assert_int_equal(webconfig_priorities(&c, prio, 10), -ENOSPC);
	webconfig_free(&c);
}

static void t_defaults(void **state)
{
	struct webconfig c;
	char err[256], prio[1024];

	assert_int_equal(parse("tls_server_config: {cert_file: a, key_file: b}\n", &c, err, sizeof(err)), 0);
	assert_true(c.tls);
	assert_int_equal(c.client_auth, WEBCONFIG_NO_CLIENT_CERT);
	assert_int_equal(c.min_version, 12);
	assert_int_equal(c.max_version, 13);
	assert_int_equal(webconfig_priorities(&c, prio, sizeof(prio)), 0);
	assert_string_equal(prio, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE");
	webconfig_free(&c);
	/* the toolkit's old spelling */
	assert_int_equal(parse("tls_server_config: {cert_file: a, key_file: b, client_auth_type: RequireClientCert}\n",
			       &c, err, sizeof(err)),
			 0);
	assert_int_equal(c.client_auth, WEBCONFIG_REQUIRE_ANY_CLIENT_CERT);
	webconfig_free(&c);
	/* anchors and aliases are YAML */
	assert_int_equal(parse("x: &h " HASH "\n", &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(parse("basic_auth_users: {a: &h " HASH ", b: *h}\n", &c, err, sizeof(err)), 0);
	assert_int_equal(c.nusers, 2);
	webconfig_free(&c);
}

struct bad {
	const char *yaml;
	int r;
	const char *msg;
};

static const struct bad bads[] = {
	{"foo: 1\n", -EINVAL, "line 1: field foo not found in the web configuration"},
	{"tls_server_config:\n  cert_file: a\n  key_file: b\n  cert: x\n", -EINVAL,
	 "line 4: field cert not found in tls_server_config"},
	{"tls_server_config: {cert_file: a, key_file: b, client_allowed_sans: [x]}\n", -EINVAL,
	 "field client_allowed_sans not found in tls_server_config"},
	{"http_server_config:\n  rate_limit: 1\n", -EINVAL, "line 2: field rate_limit not found in http_server_config"},
	{"tls_server_config: {cert_file: a, key_file: b, key: x}\n", -EINVAL, "field key not found"},
	{"tls_server_config: {cert_file: a}\n", -EINVAL, "missing key_file"},
	{"tls_server_config: {key_file: a}\n", -EINVAL, "missing cert_file"},
	{"tls_server_config: {client_auth_type: RequireAnyClientCert}\n", -EINVAL, "missing cert_file"},
	{"tls_server_config: {cert_file: a, key_file: b, client_auth_type: Bogus}\n", -EINVAL, "Invalid ClientAuth: Bogus"},
	{"tls_server_config: {cert_file: a, key_file: b, client_ca_file: c}\n", -EINVAL,
	 "Client CA's have been configured without a Client Auth Policy"},
	{"tls_server_config: {cert_file: a, key_file: b, client_auth_type: VerifyClientCertIfGiven}\n", -EINVAL,
	 "needs a client_ca_file"},
	{"tls_server_config: {cert_file: a, key_file: b, min_version: TLS14}\n", -EINVAL, "unknown TLS version: TLS14"},
	{"tls_server_config: {cert_file: a, key_file: b, min_version: TLS13, max_version: TLS12}\n", -EINVAL,
	 "min_version TLS13 is above max_version TLS12"},
	{"tls_server_config: {cert_file: a, key_file: b, cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]}\n", -EINVAL,
	 "unknown cipher: TLS_RSA_WITH_RC4_128_SHA"},
	{"tls_server_config: {cert_file: a, key_file: b, curve_preferences: [CurveP999]}\n", -EINVAL,
	 "unknown curve: CurveP999"},
	{"tls_server_config: {cert_file: a, key_file: b, cipher_suites: TLS_AES_128_GCM_SHA256}\n", -EINVAL,
	 "cannot unmarshal !!str into cipher_suites"},
	{"tls_server_config: {cert_file: [a], key_file: b}\n", -EINVAL, "cannot unmarshal !!seq into cert_file"},
	{"tls_server_config: {cert_file: a, key_file: b, prefer_server_cipher_suites: maybe}\n", -EINVAL,
	 "cannot unmarshal !!str `maybe` into bool"},
	{"tls_server_config: {cert_file: a, key_file: b, prefer_server_cipher_suites: 'true'}\n", -EINVAL,
	 "into bool"},
	{"http_server_config: {http2: 2}\n", -EINVAL, "into bool (http2)"},
	{"http_server_config: {headers: {X-Custom: 1}}\n", -EINVAL, "HTTP header \"X-Custom\" can not be configured"},
	{"http_server_config: {headers: {X-Frame-Options: allow}}\n", -EINVAL,
	 "invalid value for X-Frame-Options. Expected one of: \"deny\", \"sameorigin\", but got: \"allow\""},
	{"http_server_config: {headers: {X-Content-Type-Options: sniff}}\n", -EINVAL,
	 "invalid value for X-Content-Type-Options"},
	{"http_server_config: {headers: {Content-Security-Policy: \"a\\r\\nSet-Cookie: x\"}}\n", -EINVAL,
	 "contains a control character"},
	{"basic_auth_users: {alice: secret}\n", -EINVAL, "hashedSecret too short"},
	{"basic_auth_users: {alice: x2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi}\n", -EINVAL,
	 "must start with '$'"},
	{"basic_auth_users: {alice: $2y$03$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi}\n", -EINVAL,
	 "cost must be between 4 and 31"},
	{"basic_auth_users: {alice: $1y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi}\n", -EINVAL,
	 "not a bcrypt hash"},
	{"basic_auth_users: {alice: $2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeS!}\n", -EINVAL,
	 "outside its alphabet"},
	{"basic_auth_users: [alice]\n", -EINVAL, "cannot unmarshal !!seq into basic_auth_users"},
	{"basic_auth_users:\n  a: " HASH "\n  a: " HASH "\n", -EINVAL, "line 3: key \"a\" already set"},
	{"tls_server_config: {cert_file: a, key_file: b, cert_file: c}\n", -EINVAL,
	 "field cert_file already set in tls_server_config"},
	{"- a\n- b\n", -EINVAL, "cannot unmarshal !!seq into the web configuration"},
	{"tls_server_config: {cert_file: a\n", -EINVAL, "line "},
	{"a: b\n---\nc: d\n", -EINVAL, "more than one YAML document"},
	{"\t- x\n", -EINVAL, "line 1"},
};

static void t_bad(void **state)
{
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct webconfig c;
		char err[256];
		int r = parse(bads[i].yaml, &c, err, sizeof(err));

		if (r != bads[i].r || !strstr(err, bads[i].msg) || strchr(err, '\n'))
			fail_msg("case %zu: %s -> %d \"%s\", want %d \"%s\"", i, bads[i].yaml, r, err, bads[i].r,
				 bads[i].msg);
	}
}

static void t_bounds(void **state)
{
	size_t n = WEBCONFIG_MAX_FILE + 1;
	char *big = malloc(n + 1), err[256];
	struct webconfig c;

	assert_non_null(big);
	if (!big)
		return;
	memset(big, '#', n);
	big[n] = '\0';
	assert_int_equal(webconfig_parse(big, n, NULL, &c, err, sizeof(err)), -E2BIG);
	/* a long string */
	memcpy(big, "tls_server_config: {cert_file: ", 31);
	memset(big + 31, 'a', WEBCONFIG_MAX_STRING + 1);
	strcpy(big + 31 + WEBCONFIG_MAX_STRING + 1, ", key_file: b}\n");
	assert_int_equal(parse(big, &c, err, sizeof(err)), -E2BIG);
	assert_non_null(strstr(err, "longer than"));
	/* deep nesting is refused, not recursed */
	memset(big, '[', 20000);
	big[20000] = '\0';
	assert_int_equal(parse(big, &c, err, sizeof(err)), -EINVAL);
	/* a NUL byte */
	assert_int_equal(webconfig_parse("a\0b", 3, NULL, &c, err, sizeof(err)), -EINVAL);
	/* too many users */
	{
		size_t off = (size_t)sprintf(big, "basic_auth_users:\n");

		for (unsigned i = 0; i <= WEBCONFIG_MAX_USERS; i++)
			off += (size_t)sprintf(big + off, "  u%u: " HASH "\n", i);
		assert_int_equal(parse(big, &c, err, sizeof(err)), -E2BIG);
	}
	free(big);
	/* a NULL error buffer is fine */
	assert_int_equal(parse("foo: 1", &c, NULL, 0), -EINVAL);
}

static void t_names(void **state)
{
	assert_string_equal(webconfig_client_auth_name(WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN), "VerifyClientCertIfGiven");
	assert_string_equal(webconfig_client_auth_name((enum webconfig_client_auth)99), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_empty),  cmocka_unit_test(t_full),	cmocka_unit_test(t_defaults),
		cmocka_unit_test(t_bad),    cmocka_unit_test(t_bounds), cmocka_unit_test(t_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
