/* SPDX-License-Identifier: MIT */
/*
 * names: caches for the names renderers show instead of numbers -- TCP
 * service names (by port), user names (by uid) and host names (by address,
 * reverse DNS, only with -r).  Each lookup goes to the system once; the answer,
 * a miss included, is cached for the life of the struct names, so that a live
 * view does not ask the resolver again every refresh.  Returned strings are
 * raw bytes as the system gave them (renderers escape them) and stay valid
 * until names_free().  A struct names is not thread-safe.
 */
#pragma once

#include <stdint.h>

struct names;

/* flags: none defined yet, pass 0 (-EINVAL otherwise).  Free with names_free(). */
int names_new(unsigned flags, struct names **ret);
void names_free(struct names *n);
/* Service name of TCP port (host order), NULL if none or out of memory. */
const char *names_service(struct names *n, uint16_t port);
/* User name of uid, NULL if unknown or out of memory. */
const char *names_user(struct names *n, uint32_t uid);
/* Host name of addr (network order; AF_INET: first 4 bytes) by reverse lookup,
 * NULL if none, on error or out of memory.  May block on the resolver. */
const char *names_host(struct names *n, int family, const uint8_t addr[16]);
