// SPDX-License-Identifier: MIT
/*
 * basicauth: bcrypt through libxcrypt's crypt_rn (one struct crypt_data
 * reused under a mutex, since bcrypt is serialised anyway), SHA-256 cache
 * keys through GnuTLS, and a constant-time comparison of the crypt output
 * with the stored hash.  The decoy for unknown users is the first configured
 * hash itself, checked with the submitted password and its answer ignored:
 * the same cost as a real user, and no fixed decoy to keep in sync.
 */
#include "basicauth.h"

#include <crypt.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdlib.h>
#include <string.h>

int basicauth_init(struct basicauth *a)
{
	memset(a, 0, sizeof(*a));
	a->cd = calloc(1, sizeof(*a->cd));
	if (!a->cd)
		return -ENOMEM;
	if (pthread_mutex_init(&a->lock, NULL)) {
		free(a->cd);
		return -ENOMEM;
	}
	if (pthread_mutex_init(&a->bcrypt_lock, NULL)) {
		pthread_mutex_destroy(&a->lock);
		free(a->cd);
		return -ENOMEM;
	}
	return 0;
}

void basicauth_destroy(struct basicauth *a)
{
	if (!a || !a->cd)
		return;
	pthread_mutex_destroy(&a->lock);
	pthread_mutex_destroy(&a->bcrypt_lock);
	explicit_bzero(a->cd, sizeof(*a->cd));
	free(a->cd);
	a->cd = NULL;
}

static void put_field(gnutls_hash_hd_t h, const char *s)
{
	uint32_t n = (uint32_t)strlen(s);

	gnutls_hash(h, &n, sizeof(n));
	gnutls_hash(h, s, n);
}

static int cache_key(const char *user, const char *hash, const char *pass, uint8_t key[32])
{
	gnutls_hash_hd_t h;

	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		return -ENOMEM;
	put_field(h, user);
	put_field(h, hash);
	put_field(h, pass);
	gnutls_hash_deinit(h, key);
	return 0;
}

static bool same(const char *a, const char *b, size_t n)
{
	unsigned char d = 0;

	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* true when PASS hashes to HASH; the caller holds bcrypt_lock. */
static bool bcrypt_ok(struct basicauth *a, const char *hash, const char *pass)
{
	struct crypt_data *cd = a->cd;
	size_t hl = strlen(hash);
	const char *out;
	bool ok;

	if (!cd) /* not initialised */
		return false;
	out = crypt_rn(pass, hash, cd, (int)sizeof(*cd));
	a->bcrypt_runs++;
	ok = out && strlen(out) == hl && same(out, hash, hl);
	explicit_bzero(cd, sizeof(*cd));
	return ok;
}

int basicauth_check(struct basicauth *a, const struct webconfig *c, const char *user, const char *pass)
{
	const char *hash = NULL;
	bool known = false, ok;
	uint8_t key[32];
	struct basicauth_entry *slot = NULL;
	int r;

	if (!user || !pass || c->nusers == 0)
		return 0;
	for (size_t i = 0; i < c->nusers; i++)
		if (strcmp(c->users[i].name, user) == 0) {
			hash = c->users[i].hash;
			known = true;
			break;
		}
	if (!known)
		hash = c->users[0].hash; /* the decoy: same cost, answer ignored */
	r = cache_key(user, hash, pass, key);
	if (r < 0)
		return r;

	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < BASICAUTH_CACHE_SIZE; i++)
		if (a->cache[i].used && memcmp(a->cache[i].key, key, sizeof(key)) == 0) {
			a->cache[i].used = ++a->clock;
			ok = a->cache[i].ok;
			pthread_mutex_unlock(&a->lock);
			return ok ? 1 : 0;
		}
	pthread_mutex_unlock(&a->lock);

	pthread_mutex_lock(&a->bcrypt_lock);
	ok = bcrypt_ok(a, hash, pass) && known;
	pthread_mutex_unlock(&a->bcrypt_lock);

	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < BASICAUTH_CACHE_SIZE; i++)
		if (!slot || a->cache[i].used < slot->used)
			slot = &a->cache[i];
	memcpy(slot->key, key, sizeof(key));
	slot->ok = ok;
	slot->used = ++a->clock;
	pthread_mutex_unlock(&a->lock);
	return ok ? 1 : 0;
}
