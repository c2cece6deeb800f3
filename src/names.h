/* SPDX-License-Identifier: MIT */
/*
 * names: caches for service, user and host names (placeholder header; the
 * owners helper provides the implementation).
 */
#pragma once

#include <stdint.h>

struct names;

int names_new(unsigned flags, struct names **ret);
void names_free(struct names *n);
const char *names_service(struct names *n, uint16_t port);
const char *names_user(struct names *n, uint32_t uid);
const char *names_host(struct names *n, int family, const uint8_t addr[16]);
