// SPDX-License-Identifier: MIT
/*
 * webconfig: the Prometheus exporter-toolkit web configuration file
 * (`--web.config.file`), as the toolkit 0.8.2 in Debian 12 reads it:
 * tls_server_config, http_server_config and basic_auth_users.  Parsing is
 * pure (a buffer in, a struct out, no file is opened), strict like the
 * toolkit's yaml.UnmarshalStrict (unknown and repeated keys are errors naming
 * the key and its line) and bounded (file size, string lengths, counts).
 * Relative file names are joined with the directory of the configuration
 * file.  Every file accepted here is also accepted by `promtool check
 * web-config` once the certificate files it names exist; a few files the
 * toolkit accepts are refused here on purpose (see webconfig_parse()).
 */
#ifndef SOCKSCOPE_EXPORT_WEBCONFIG_H
#define SOCKSCOPE_EXPORT_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define WEBCONFIG_MAX_FILE (64u * 1024u) /* bytes of YAML */
#define WEBCONFIG_MAX_STRING 4096u       /* any one value */
#define WEBCONFIG_MAX_USERS 256u
#define WEBCONFIG_MAX_HEADERS 5u        /* the toolkit allows five names */
#define WEBCONFIG_MAX_CIPHERS 32u
#define WEBCONFIG_MAX_CURVES 4u

enum webconfig_client_auth {
	WEBCONFIG_NO_CLIENT_CERT,
	WEBCONFIG_REQUEST_CLIENT_CERT,
	WEBCONFIG_REQUIRE_ANY_CLIENT_CERT,
	WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN,
	WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT,
};

struct webconfig_user {
	char *name;
	char *hash; /* bcrypt, "$2a$", "$2b$" or "$2y$", checked well-formed */
};

struct webconfig_header {
	char *name;
	char *value;
};

struct webconfig {
	bool tls; /* false: plain HTTP (the TLS keys below are then unused) */
	char *cert_file, *key_file, *client_ca_file; /* NULL when absent */
	enum webconfig_client_auth client_auth;
	unsigned min_version, max_version; /* 10..13 for TLS 1.0..1.3 */
	unsigned ciphers[WEBCONFIG_MAX_CIPHERS]; /* indices into the cipher table */
	size_t nciphers;
	unsigned curves[WEBCONFIG_MAX_CURVES]; /* indices into the curve table */
	size_t ncurves;
	bool prefer_server_cipher_suites;
	bool http2; /* accepted; HTTP/1.1 is what is served */
	struct webconfig_header headers[WEBCONFIG_MAX_HEADERS];
	size_t nheaders;
	struct webconfig_user *users;
	size_t nusers;
};

/*
 * Parses LEN bytes of YAML.  DIR (may be NULL) is joined with relative file
 * names.  On success returns 0 and fills *ret (free with webconfig_free());
 * on failure returns -EINVAL (bad file: ERR holds one line naming the key
 * and line), -E2BIG (over a bound) or -ENOMEM, and *ret is untouched.
 */
int webconfig_parse(const char *buf, size_t len, const char *dir, struct webconfig *ret, char *err,
		    size_t errlen);

/* Reads PATH (at most WEBCONFIG_MAX_FILE bytes) and parses it; -errno when unreadable. */
int webconfig_load(const char *path, struct webconfig *ret, char *err, size_t errlen);

/* A configuration with nothing set: no TLS, no users, http2 on. */
void webconfig_init(struct webconfig *c);

/* Frees what *c owns and zeroes it; accepts a zeroed struct. */
void webconfig_free(struct webconfig *c);

/* The toolkit's spelling of a client_auth_type value. */
const char *webconfig_client_auth_name(enum webconfig_client_auth a);

/*
 * The GnuTLS priority string for the versions, cipher suites and curves of
 * C, written into BUF.  Returns 0, or -ENOSPC when BUF is too small.  Cipher
 * suites map to the GnuTLS key exchanges, ciphers and MACs they name, which
 * allows their cross product (a superset when kinds are mixed); like Go,
 * they do not restrict TLS 1.3, and when TLS 1.3 is enabled its ciphers
 * (AES-GCM, ChaCha20-Poly1305) stay allowed in TLS 1.2 as well.
 */
int webconfig_priorities(const struct webconfig *c, char *buf, size_t len);

#endif
