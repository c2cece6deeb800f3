// SPDX-License-Identifier: MIT
/*
 * basicauth: checks HTTP basic-auth credentials against the bcrypt hashes of
 * the web configuration, as the exporter toolkit does: an unknown user costs
 * a bcrypt run against a decoy of the same cost (no user enumeration by
 * timing), one bcrypt runs at a time (bounded CPU), and each outcome, good or
 * bad, is cached under a SHA-256 of user, hash and password, so a scraper
 * pays for bcrypt once.  Thread-safe; the cache is a fixed array (LRU).
 */
#ifndef SOCKSCOPE_EXPORT_BASICAUTH_H
#define SOCKSCOPE_EXPORT_BASICAUTH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "webconfig.h"

#define BASICAUTH_CACHE_SIZE 128

struct crypt_data;

struct basicauth_entry {
	uint8_t key[32];
	uint64_t used; /* 0: empty */
	bool ok;
};

struct basicauth {
	pthread_mutex_t lock;        /* the cache */
	pthread_mutex_t bcrypt_lock; /* one bcrypt at a time, and cd */
	struct crypt_data *cd;
	uint64_t clock;
	unsigned long bcrypt_runs; /* for tests: how many times bcrypt ran */
	struct basicauth_entry cache[BASICAUTH_CACHE_SIZE];
};

/* 0 or -ENOMEM.  Release with basicauth_destroy(). */
int basicauth_init(struct basicauth *a);
void basicauth_destroy(struct basicauth *a);

/*
 * 1 if USER and PASS match a user of C, 0 if not, negative errno on error
 * (refuse then).  NULL USER or PASS (no credentials) is 0 without bcrypt.
 */
int basicauth_check(struct basicauth *a, const struct webconfig *c, const char *user, const char *pass);

#endif
