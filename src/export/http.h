// SPDX-License-Identifier: MIT
/*
 * http: the HTTP side of `sockscope exporter`, on libmicrohttpd with GnuTLS.
 * It serves the exposition at the telemetry path, a landing page at "/",
 * 404 elsewhere and 405 for methods other than GET and HEAD; applies the
 * exporter-toolkit web configuration (TLS, client certificates, basic auth
 * with bcrypt, extra headers); listens on several addresses or on systemd's
 * socket-activated descriptors; limits connections, header sizes and idle
 * time; and runs one collection for all the scrapes that arrive while it is
 * in flight.  SIGHUP handling is the caller's: it sets *reload and the loop
 * re-reads the web configuration and the certificates, keeping the old
 * ones when the new ones do not load.  Nothing here prints or exits.
 */
#ifndef SOCKSCOPE_EXPORT_HTTP_H
#define SOCKSCOPE_EXPORT_HTTP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#define EXPORTER_MAX_LISTEN 16

/*
 * Collects one exposition.  TIMEOUT_S is the time left for it (from the
 * X-Prometheus-Scrape-Timeout-Seconds header minus the offset).  On success
 * returns >= 0 and sets *ret_body to a malloc'd text of *ret_len bytes that
 * the server frees; on failure a negative errno (the scrapes get a 500).
 * Called from the server's collector thread (default stack size), never
 * twice at once; every scrape that arrives while it runs gets its result.
 */
typedef int (*exporter_collect_fn)(void *arg, double timeout_s, char **ret_body, size_t *ret_len);

/* Receives one line of news (listening on ..., reload failed ...); may be called from any thread. */
typedef void (*exporter_log_fn)(void *arg, const char *msg);

struct exporter_opts {
	const char *listen[EXPORTER_MAX_LISTEN]; /* "host:port", "[v6]:port", ":port" (all addresses) */
	size_t nlisten;
	const char *telemetry_path; /* NULL: "/metrics" */
	const char *web_config;     /* NULL or "": plain HTTP, no authentication */
	bool systemd_socket;        /* use LISTEN_FDS descriptors instead of listen[] */
	unsigned max_connections;   /* per listening socket; 0: 64 (more wait in the listen backlog) */
	unsigned timeout_s;         /* a connection must deliver each complete request within this; 0: 10 */
	double timeout_offset_s;    /* taken off the scrape timeout header; 0: 0.5 */
	double default_timeout_s;   /* when the header is absent; 0: 10 */
	exporter_log_fn log;        /* NULL: silent */
	void *log_arg;
};

/*
 * Reads the web configuration and its certificates as the server would, so
 * that `--web.config.file` errors show at start.  0 or a negative errno with
 * one line in ERR.
 */
int exporter_check_web_config(const char *path, char *err, size_t errlen);

/*
 * Serves until *stop becomes non-zero; when *reload becomes non-zero it is
 * reset and the web configuration re-read.  Returns 0 after a stop, or a
 * negative errno with one line in ERR when it cannot start.  The caller
 * should ignore SIGPIPE.  RELOAD may be NULL.
 */
int exporter_serve(const struct exporter_opts *o, exporter_collect_fn fn, void *arg, volatile sig_atomic_t *stop,
		   volatile sig_atomic_t *reload, char *err, size_t errlen);

/* Parses "host:port", "[v6]:port" or ":port" into HOST (empty for any) and PORT; -EINVAL if malformed. */
int exporter_split_address(const char *addr, char *host, size_t hostlen, char *port, size_t portlen);

#endif
