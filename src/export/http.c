// SPDX-License-Identifier: MIT
/*
 * http: libmicrohttpd daemons, one per listening socket, each with a small
 * pool of epoll threads (a fixed set of threads, so GnuTLS's per-thread
 * state does not grow with the number of connections), under a connection
 * limit, an idle timeout, a request deadline and a per-connection memory
 * pool that bounds the request headers.  The sockets are opened here (or
 * taken from systemd), so a reload starts a new generation of daemons on the
 * same sockets, quiesces the old ones and stops them when their connections
 * are done: no port is ever closed.  Client certificates are enforced during
 * the TLS handshake through a per-session GnuTLS verify function installed
 * when a connection starts, which is how Go's crypto/tls behaves for the
 * toolkit's client_auth_type.  The single flight: a scrape suspends its
 * connection and joins the collection in flight (or starts one); the
 * collector thread runs it, hands its result, a reference-counted buffer
 * that each response frees when sent, to every scrape that joined, and
 * resumes them.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <math.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "basicauth.h"
#include "webconfig.h"

#define CONTENT_TYPE_METRICS "text/plain; version=0.0.4; charset=utf-8"
#define MAX_PEM (1024u * 1024u)
#define CONN_MEMORY_LIMIT (16u * 1024u) /* request line + headers must fit */
#define POOL_THREADS 4u /* per listening socket; TLS, auth and routing run there */
#define MAX_PATH_LEN 256u

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT;
#else
typedef enum MHD_Result MHD_RESULT;
#endif

struct result {
	unsigned refs; /* under flight.mu */
	int rc;
	char *body;
	size_t len;
	struct flight *fl;
};

enum req_state { REQ_NEW, REQ_WAITING, REQ_DONE };

/* One request (MHD's con_cls), allocated when its headers are in. */
struct req {
	enum req_state state;
	struct result *r; /* set by the collector, a reference the response takes over */
	struct MHD_Connection *c;
	struct req *next; /* in flight.waiters */
};

/*
 * The single flight: requests for the telemetry path suspend their
 * connection and wait in WAITERS; the collector thread runs one collection
 * and hands its result to every request that arrived before it ended, then
 * resumes their connections.  MHD's threads never block on a collection.
 */
struct flight {
	pthread_mutex_t mu;
	pthread_cond_t work, idle;
	bool running, quit, started;
	double timeout_s;
	struct req *waiters;
	pthread_t thread;
};

struct server;
struct conn;

/* One generation of configuration and the daemons serving it. */
struct gen {
	struct server *srv;
	struct webconfig wc;
	char *cert_pem, *key_pem, *ca_pem;
	char prio[1024];
	struct MHD_Daemon *d[EXPORTER_MAX_LISTEN];
	size_t nd;
	bool closing; /* under flight.mu: no more suspensions */
	struct timespec drain_start;
};

struct server {
	const struct exporter_opts *o;
	exporter_collect_fn fn;
	void *arg;
	const char *path;
	char *landing;
	size_t landing_len;
	int fds[EXPORTER_MAX_LISTEN];
	size_t nfds;
	struct flight fl;
	struct basicauth auth;
	struct gen *cur, *old;
	pthread_mutex_t conn_mu;
	struct conn *conns;
	pthread_mutex_t log_mu;
	char mhd_msg[256]; /* the last libmicrohttpd message, for start errors */
};

static const char page_404[] = "404 page not found\n";
static const char page_401[] = "Unauthorized\n";
static const char page_405[] = "405 method not allowed\n";
static const char page_503[] = "503 shutting down\n";

static void mark_request(struct server *s, struct MHD_Connection *c, bool in);
static void say(const struct exporter_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const struct exporter_opts *o, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!o->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	o->log(o->log_arg, line);
}

static int seterr(char *err, size_t errlen, int r, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int seterr(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* ---- the single flight ---- */

static void result_unref(struct result *r)
{
	struct flight *fl;
	bool last;

	if (!r)
		return;
	fl = r->fl;
	pthread_mutex_lock(&fl->mu);
	last = --r->refs == 0;
	pthread_mutex_unlock(&fl->mu);
	if (last) {
		free(r->body);
		free(r);
	}
}

static void result_free_cb(void *cls)
{
	result_unref(cls);
}

static void *collector_main(void *arg)
{
	struct server *s = arg;
	struct flight *fl = &s->fl;

	pthread_mutex_lock(&fl->mu);
	for (;;) {
		struct req *list;
		struct result *r;
		char *body = NULL;
		size_t len = 0;
		double t;
		int rc;

		while (!fl->running && !fl->quit)
			pthread_cond_wait(&fl->work, &fl->mu);
		if (!fl->running)
			break;
		t = fl->timeout_s;
		pthread_mutex_unlock(&fl->mu);

		rc = s->fn(s->arg, t, &body, &len);
		r = calloc(1, sizeof(*r));
		if (r) {
			r->rc = rc < 0 ? rc : 0;
			r->body = rc < 0 ? NULL : body;
			r->len = rc < 0 ? 0 : len;
			r->fl = fl;
			if (rc < 0)
				free(body);
		} else {
			free(body);
		}

		pthread_mutex_lock(&fl->mu);
		list = fl->waiters;
		fl->waiters = NULL;
		fl->running = false;
		for (struct req *q = list; q; q = q->next) {
			q->r = r;
			if (r)
				r->refs++;
			q->state = REQ_DONE;
		}
		if (r && r->refs == 0) {
			free(r->body);
			free(r);
		}
		pthread_cond_broadcast(&fl->idle);
		pthread_mutex_unlock(&fl->mu);
		/* resumed, a request may be answered and freed at once: read it first */
		while (list) {
			struct req *next = list->next;

			MHD_resume_connection(list->c);
			list = next;
		}
		pthread_mutex_lock(&fl->mu);
	}
	pthread_mutex_unlock(&fl->mu);
	return NULL;
}

/* Waits until no collection runs; the caller has made sure no new one can start for what it stops. */
static void flight_wait_idle(struct flight *fl)
{
	pthread_mutex_lock(&fl->mu);
	while (fl->running)
		pthread_cond_wait(&fl->idle, &fl->mu);
	pthread_mutex_unlock(&fl->mu);
}

/* ---- requests ---- */

static MHD_RESULT send_static(struct MHD_Connection *c, const struct gen *g, unsigned status, const char *type,
			      const char *body, size_t len, const char *hname, const char *hvalue)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
	MHD_RESULT ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	for (size_t i = 0; i < g->wc.nheaders; i++)
		MHD_add_response_header(resp, g->wc.headers[i].name, g->wc.headers[i].value);
	if (hname)
		MHD_add_response_header(resp, hname, hvalue);
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static double scrape_timeout(const struct server *s, struct MHD_Connection *c)
{
	const struct exporter_opts *o = s->o;
	double def = o->default_timeout_s > 0 ? o->default_timeout_s : 10.0;
	double off = o->timeout_offset_s > 0 ? o->timeout_offset_s : 0.5;
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Prometheus-Scrape-Timeout-Seconds");
	double t = def;

	if (h) {
		char *end;
		double v;

		errno = 0;
		v = strtod(h, &end);
		if (errno == 0 && end != h && *end == '\0' && isfinite(v) && v > 0)
			t = v;
	}
	t = t - off > 0.1 ? t - off : (t / 2 > 0.1 ? t / 2 : 0.1);
	return t > 3600 ? 3600 : t;
}

/* Joins (or starts) the collection in flight and suspends the connection until it ends. */
static MHD_RESULT start_metrics(struct gen *g, struct MHD_Connection *c, struct req *rq)
{
	struct server *s = g->srv;
	struct flight *fl = &s->fl;
	double t = scrape_timeout(s, c);

	pthread_mutex_lock(&fl->mu);
	if (fl->quit || g->closing) {
		pthread_mutex_unlock(&fl->mu);
		return send_static(c, g, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", page_503,
				   sizeof(page_503) - 1, NULL, NULL);
	}
	MHD_suspend_connection(c); /* before the collector can see it, so its resume cannot come first */
	rq->c = c;
	rq->state = REQ_WAITING;
	rq->next = fl->waiters;
	fl->waiters = rq;
	if (!fl->running) {
		fl->running = true;
		fl->timeout_s = t;
		pthread_cond_signal(&fl->work);
	}
	pthread_mutex_unlock(&fl->mu);
	return MHD_YES;
}

static MHD_RESULT answer_metrics(struct gen *g, struct MHD_Connection *c, struct req *rq)
{
	struct result *r = rq->r;
	struct MHD_Response *resp;
	MHD_RESULT ret;

	rq->r = NULL;
	if (!r)
		return MHD_NO;
	if (r->rc < 0) {
		char msg[128];
		int n = snprintf(msg, sizeof(msg), "collection failed: %s\n", strerror(-r->rc));
		struct MHD_Response *e = MHD_create_response_from_buffer((size_t)n, msg, MHD_RESPMEM_MUST_COPY);

		result_unref(r);
		if (!e)
			return MHD_NO;
		MHD_add_response_header(e, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
		for (size_t i = 0; i < g->wc.nheaders; i++)
			MHD_add_response_header(e, g->wc.headers[i].name, g->wc.headers[i].value);
		ret = MHD_queue_response(c, MHD_HTTP_INTERNAL_SERVER_ERROR, e);
		MHD_destroy_response(e);
		return ret;
	}
	resp = MHD_create_response_from_buffer_with_free_callback_cls(r->len, r->body, result_free_cb, r);
	if (!resp) {
		result_unref(r);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE_METRICS);
	for (size_t i = 0; i < g->wc.nheaders; i++)
		MHD_add_response_header(resp, g->wc.headers[i].name, g->wc.headers[i].value);
	ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static MHD_RESULT handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			 const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct gen *g = cls;
	struct server *s = g->srv;
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0, head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;

	struct req *rq = *con_cls;

	(void)upload_data;
	(void)version;
	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		mark_request(s, c, true);
		/* GET and HEAD are answered once the request is complete, which keeps the
		 * connection alive; anything else at once, unread, and the connection closes */
		if (get || head)
			return MHD_YES;
	} else if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	} else if (rq->state == REQ_DONE) { /* resumed: the collection ended */
		return answer_metrics(g, c, rq);
	} else if (rq->state == REQ_WAITING) {
		return MHD_YES;
	}

	if (g->wc.nusers) {
		char *pass = NULL;
		char *user = MHD_basic_auth_get_username_password(c, &pass);
		int ok = basicauth_check(&s->auth, &g->wc, user, pass);

		if (pass) {
			explicit_bzero(pass, strlen(pass));
			MHD_free(pass);
		}
		if (user)
			MHD_free(user);
		if (ok != 1)
			return send_static(c, g, MHD_HTTP_UNAUTHORIZED, "text/plain; charset=utf-8", page_401,
					   sizeof(page_401) - 1, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic");
	}
	if (strcmp(url, s->path) == 0) {
		if (!get && !head)
			return send_static(c, g, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", page_405,
					   sizeof(page_405) - 1, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		return start_metrics(g, c, rq);
	}
	if (strcmp(url, "/") == 0) {
		if (!get && !head)
			return send_static(c, g, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", page_405,
					   sizeof(page_405) - 1, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		return send_static(c, g, MHD_HTTP_OK, "text/html; charset=utf-8", s->landing, s->landing_len, NULL,
				   NULL);
	}
	return send_static(c, g, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", page_404, sizeof(page_404) - 1,
			   NULL, NULL);
}

/* ---- TLS client certificates ---- */

static int verify_chain(gnutls_session_t ses, bool need_cert)
{
	unsigned list = 0, status = 0;
	gnutls_typed_vdata_st purpose;

	memset(&purpose, 0, sizeof(purpose));
	purpose.type = GNUTLS_DT_KEY_PURPOSE_OID;
	purpose.data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT;

	if (!gnutls_certificate_get_peers(ses, &list) || list == 0)
		return need_cert ? GNUTLS_E_CERTIFICATE_ERROR : 0;
	/* the status, not the return value, says whether the chain verified */
	if (gnutls_certificate_verify_peers(ses, &purpose, 1, &status) < 0 || status != 0)
		return GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
	return 0;
}

static int verify_if_given(gnutls_session_t ses)
{
	return verify_chain(ses, false);
}

static int verify_required(gnutls_session_t ses)
{
	return verify_chain(ses, true);
}

/*
 * Plain HTTP sent to the TLS port: answered as Go's net/http answers it (the
 * toolkit's servers), a 400 with a one-line reason, instead of a silently
 * failed handshake.  The transport functions below replace GnuTLS's
 * defaults on the connection's socket and look at the first bytes once: a
 * TLS record starts with a byte from 0x14 to 0x18, an HTTP method with a
 * capital letter.
 */
struct conn {
	struct conn *prev, *next; /* in server.conns, under server.conn_mu */
	int fd;
	bool checked;    /* the first bytes were looked at (TLS) */
	bool in_request; /* between a complete request and its response */
	bool cut;        /* shut down by the deadline */
	struct timespec since; /* connection start, or the end of the last response */
};

static ssize_t sock_pull(gnutls_transport_ptr_t p, void *buf, size_t len)
{
	struct conn *t = p;

	if (!t->checked) {
		unsigned char b[1];
		ssize_t n = recv(t->fd, b, sizeof(b), MSG_PEEK);

		if (n <= 0)
			return n;
		t->checked = true;
		if (b[0] >= 'A' && b[0] <= 'Z') {
			static const char msg[] = "HTTP/1.0 400 Bad Request\r\n\r\n"
						  "Client sent an HTTP request to an HTTPS server.\n";
			char drain[4096];

			while (recv(t->fd, drain, sizeof(drain), MSG_DONTWAIT) > 0) /* no reset for unread data */
				;
			if (send(t->fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) > 0)
				shutdown(t->fd, SHUT_WR);
			errno = ECONNRESET;
			return -1;
		}
	}
	return recv(t->fd, buf, len, 0);
}

static ssize_t sock_push(gnutls_transport_ptr_t p, const void *buf, size_t len)
{
	const struct conn *t = p;

	return send(t->fd, buf, len, MSG_NOSIGNAL);
}

static int sock_pull_timeout(gnutls_transport_ptr_t p, unsigned int ms)
{
	const struct conn *t = p;
	struct pollfd pfd = {.fd = t->fd, .events = POLLIN};

	return poll(&pfd, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int)ms);
}

/*
 * Every connection is tracked from its start: the loop shuts down those that
 * have not delivered a complete request within the timeout of their start
 * or of their last response (slowloris: MHD's own timeout is an idle
 * timeout, which one byte now and then defeats).  A connection whose
 * struct cannot be allocated is served untracked.
 */
static void notify(void *cls, struct MHD_Connection *c, void **socket_context, enum MHD_ConnectionNotificationCode code)
{
	const struct gen *g = cls;
	struct server *s = g->srv;
	const union MHD_ConnectionInfo *ci, *fi;
	struct conn *t = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) { /* before MHD closes the socket */
		if (t) {
			pthread_mutex_lock(&s->conn_mu);
			if (t->prev)
				t->prev->next = t->next;
			else
				s->conns = t->next;
			if (t->next)
				t->next->prev = t->prev;
			pthread_mutex_unlock(&s->conn_mu);
			free(t);
			*socket_context = NULL;
		}
		return;
	}
	if (code != MHD_CONNECTION_NOTIFY_STARTED)
		return;
	fi = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	t = fi ? calloc(1, sizeof(*t)) : NULL;
	if (!t)
		return;
	t->fd = fi->connect_fd;
	t->checked = !g->wc.tls;
	clock_gettime(CLOCK_MONOTONIC, &t->since);
	pthread_mutex_lock(&s->conn_mu);
	t->next = s->conns;
	if (s->conns)
		s->conns->prev = t;
	s->conns = t;
	pthread_mutex_unlock(&s->conn_mu);
	*socket_context = t;
	if (!g->wc.tls)
		return;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci && ci->tls_session) {
		gnutls_session_t ses = (gnutls_session_t)ci->tls_session;
		int one = 1;

		/* the handshake is several small writes: Nagle and delayed ACKs would add 40 ms */
		setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		gnutls_transport_set_ptr(ses, t);
		gnutls_transport_set_pull_function(ses, sock_pull);
		gnutls_transport_set_push_function(ses, sock_push);
		gnutls_transport_set_pull_timeout_function(ses, sock_pull_timeout);
		switch (g->wc.client_auth) {
		case WEBCONFIG_NO_CLIENT_CERT:
			gnutls_certificate_server_set_request(ses, GNUTLS_CERT_IGNORE);
			break;
		case WEBCONFIG_REQUEST_CLIENT_CERT:
			gnutls_certificate_server_set_request(ses, GNUTLS_CERT_REQUEST);
			break;
		case WEBCONFIG_REQUIRE_ANY_CLIENT_CERT:
			gnutls_certificate_server_set_request(ses, GNUTLS_CERT_REQUIRE);
			break;
		case WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN:
			gnutls_certificate_server_set_request(ses, GNUTLS_CERT_REQUEST);
			gnutls_session_set_verify_function(ses, verify_if_given);
			break;
		case WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT:
			gnutls_certificate_server_set_request(ses, GNUTLS_CERT_REQUIRE);
			gnutls_session_set_verify_function(ses, verify_required);
			break;
		}
	}
}

static void mark_request(struct server *s, struct MHD_Connection *c, bool in)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *t = ci ? ci->socket_context : NULL;

	if (!t)
		return;
	pthread_mutex_lock(&s->conn_mu);
	t->in_request = in;
	if (!in)
		clock_gettime(CLOCK_MONOTONIC, &t->since);
	pthread_mutex_unlock(&s->conn_mu);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	const struct gen *g = cls;
	struct req *rq = *con_cls;

	(void)toe;
	mark_request(g->srv, c, false);
	if (rq) {
		result_unref(rq->r);
		free(rq);
		*con_cls = NULL;
	}
}

/* ---- generations ---- */

static int read_small_file(const char *path, const char *what, char **ret, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;
	size_t len = 0;

	if (fd < 0)
		return seterr(err, errlen, -errno, "%s %s: %s", what, path, strerror(errno));
	buf = malloc(MAX_PEM + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, MAX_PEM + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;

			close(fd);
			free(buf);
			return seterr(err, errlen, r, "%s %s: %s", what, path, strerror(-r));
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > MAX_PEM) {
			close(fd);
			free(buf);
			return seterr(err, errlen, -E2BIG, "%s %s: larger than %u bytes", what, path, MAX_PEM);
		}
	}
	close(fd);
	buf[len] = '\0';
	*ret = buf;
	return 0;
}

static void gen_free(struct gen *g)
{
	if (!g)
		return;
	webconfig_free(&g->wc);
	if (g->key_pem)
		explicit_bzero(g->key_pem, strlen(g->key_pem));
	free(g->cert_pem);
	free(g->key_pem);
	free(g->ca_pem);
	free(g);
}

/* Loads the web configuration at PATH (NULL: none) and the files it names, checking them with GnuTLS. */
static int gen_load(const char *path, struct gen **ret, char *err, size_t errlen)
{
	struct gen *g = calloc(1, sizeof(*g));
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_priority_t prio = NULL;
	const char *where = NULL;
	int r;

	if (!g)
		return -ENOMEM;
	webconfig_init(&g->wc);
	if (path && *path) {
		char e[400];

		r = webconfig_load(path, &g->wc, e, sizeof(e));
		if (r < 0) {
			seterr(err, errlen, r, "%s: %s", path, e);
			goto fail;
		}
	}
	if (!g->wc.tls) {
		*ret = g;
		return 0;
	}
	r = read_small_file(g->wc.cert_file, "cert_file", &g->cert_pem, err, errlen);
	if (r == 0)
		r = read_small_file(g->wc.key_file, "key_file", &g->key_pem, err, errlen);
	if (r == 0 && g->wc.client_ca_file && *g->wc.client_ca_file)
		r = read_small_file(g->wc.client_ca_file, "client_ca_file", &g->ca_pem, err, errlen);
	if (r < 0)
		goto fail;
	r = webconfig_priorities(&g->wc, g->prio, sizeof(g->prio));
	if (r < 0) {
		seterr(err, errlen, r, "TLS priority string too long");
		goto fail;
	}
	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	{
		gnutls_datum_t c = {(unsigned char *)g->cert_pem, (unsigned)strlen(g->cert_pem)};
		gnutls_datum_t k = {(unsigned char *)g->key_pem, (unsigned)strlen(g->key_pem)};

		r = gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM, NULL, 0);
		if (r < 0) {
			seterr(err, errlen, -EINVAL, "failed to load X509KeyPair from %s and %s: %s", g->wc.cert_file,
			       g->wc.key_file, gnutls_strerror(r));
			r = -EINVAL;
			goto fail;
		}
	}
	if (g->ca_pem) {
		gnutls_datum_t a = {(unsigned char *)g->ca_pem, (unsigned)strlen(g->ca_pem)};

		r = gnutls_certificate_set_x509_trust_mem(cred, &a, GNUTLS_X509_FMT_PEM);
		if (r <= 0) {
			seterr(err, errlen, -EINVAL, "client_ca_file %s: %s", g->wc.client_ca_file,
			       r < 0 ? gnutls_strerror(r) : "no certificate found");
			r = -EINVAL;
			goto fail;
		}
	}
	r = gnutls_priority_init(&prio, g->prio, &where);
	if (r < 0) {
		seterr(err, errlen, -EINVAL, "TLS settings not supported by GnuTLS at \"%.40s\": %s", where ? where : "",
		       gnutls_strerror(r));
		r = -EINVAL;
		goto fail;
	}
	gnutls_priority_deinit(prio);
	gnutls_certificate_free_credentials(cred);
	*ret = g;
	return 0;
fail:
	if (cred)
		gnutls_certificate_free_credentials(cred);
	gen_free(g);
	return r;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct server *s = cls;
	size_t n;

	pthread_mutex_lock(&s->log_mu);
	vsnprintf(s->mhd_msg, sizeof(s->mhd_msg), fmt, ap);
	n = strlen(s->mhd_msg);
	while (n && (s->mhd_msg[n - 1] == '\n' || s->mhd_msg[n - 1] == '.'))
		s->mhd_msg[--n] = '\0';
	pthread_mutex_unlock(&s->log_mu);
}

static void gen_stop(struct gen *g)
{
	for (size_t i = 0; i < g->nd; i++) {
		if (!g->d[i])
			continue;
		MHD_quiesce_daemon(g->d[i]); /* the socket is ours: MHD must not close it */
		MHD_stop_daemon(g->d[i]);
		g->d[i] = NULL;
	}
	g->nd = 0;
}

static int gen_start(struct server *s, struct gen *g, char *err, size_t errlen)
{
	const struct exporter_opts *o = s->o;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC |
			 MHD_USE_ERROR_LOG;

	if (g->wc.tls)
		flags |= MHD_USE_TLS;
	g->srv = s;
	for (size_t i = 0; i < s->nfds; i++) {
		struct MHD_OptionItem opts[16];
		size_t n = 0;

#define OPT(k, v, p) opts[n++] = (struct MHD_OptionItem){(k), (intptr_t)(v), (p)}
		OPT(MHD_OPTION_LISTEN_SOCKET, s->fds[i], NULL);
		OPT(MHD_OPTION_CONNECTION_LIMIT, o->max_connections ? o->max_connections : 64, NULL);
		OPT(MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s ? o->timeout_s : 10, NULL);
		OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY_LIMIT, NULL);
		OPT(MHD_OPTION_THREAD_POOL_SIZE, (unsigned)POOL_THREADS, NULL);
		OPT(MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL);
		if (g->wc.tls) {
			OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, g->cert_pem);
			OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, g->key_pem);
			OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, g->prio);
			if (g->ca_pem)
				OPT(MHD_OPTION_HTTPS_MEM_TRUST, 0, g->ca_pem);
		}
		OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
		s->mhd_msg[0] = '\0';
		g->d[i] = MHD_start_daemon(flags, 0, NULL, NULL, handle, g, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
					   MHD_OPTION_NOTIFY_CONNECTION, notify, g, MHD_OPTION_NOTIFY_COMPLETED,
					   completed, g, MHD_OPTION_ARRAY, opts,
					   MHD_OPTION_END);
		g->nd = i + 1;
		if (!g->d[i]) {
			int e = errno ? -errno : -EIO;

			gen_stop(g);
			pthread_mutex_lock(&s->log_mu);
			seterr(err, errlen, e < 0 ? e : -EIO, "cannot start the HTTP server: %s",
			       s->mhd_msg[0] ? s->mhd_msg : "libmicrohttpd refused the settings");
			pthread_mutex_unlock(&s->log_mu);
			return e < 0 ? e : -EIO;
		}
	}
	return 0;
}

static unsigned gen_connections(struct gen *g)
{
	unsigned total = 0;

	for (size_t i = 0; i < g->nd; i++) {
		const union MHD_DaemonInfo *di = g->d[i] ? MHD_get_daemon_info(g->d[i], MHD_DAEMON_INFO_CURRENT_CONNECTIONS)
							  : NULL;

		total += di ? di->num_connections : 0;
	}
	return total;
}

/* ---- listening sockets ---- */

int exporter_split_address(const char *addr, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon, *h = addr;
	size_t hl;

	if (!addr)
		return -EINVAL;
	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		h = addr + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			return -EINVAL;
		hl = (size_t)(colon - addr);
		if (memchr(addr, ':', hl)) /* a bare IPv6 address needs brackets */
			return -EINVAL;
	}
	if (hl >= hostlen || strlen(colon + 1) >= portlen || !colon[1])
		return -EINVAL;
	for (const char *p = colon + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	if (strtoul(colon + 1, NULL, 10) > 65535)
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

static int listen_on(const struct sockaddr *sa, socklen_t salen, bool dual, int *ret_fd)
{
	int one = 1, zero = 0;
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, dual ? &zero : &one, sizeof(int));
	if (bind(fd, sa, salen) < 0 || listen(fd, 128) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

static void describe(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss = {.ss_family = AF_UNSPEC};
	socklen_t sl = sizeof(ss);
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
			port = ntohs(s4->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
			port = ntohs(s6->sin6_port);
		}
	}
	snprintf(buf, len, ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
}

static int open_address(const char *addr, int *ret_fd, char *err, size_t errlen)
{
	char host[256], port[8];
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV}, *res, *ai;
	int r, g;

	if (exporter_split_address(addr, host, sizeof(host), port, sizeof(port)) < 0)
		return seterr(err, errlen, -EINVAL, "listen address \"%.200s\": expected host:port, [v6]:port or :port",
			      addr);
	if (!host[0]) { /* all addresses: dual-stack IPv6, else IPv4 */
		struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT,
					  .sin6_port = htons((uint16_t)strtoul(port, NULL, 10))};
		struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY),
					 .sin_port = htons((uint16_t)strtoul(port, NULL, 10))};

		r = listen_on((const struct sockaddr *)&s6, sizeof(s6), true, ret_fd);
		if (r == -EAFNOSUPPORT || r == -EADDRNOTAVAIL)
			r = listen_on((const struct sockaddr *)&s4, sizeof(s4), false, ret_fd);
		if (r < 0)
			return seterr(err, errlen, r, "listen %s: %s", addr, strerror(-r));
		return 0;
	}
	g = getaddrinfo(host, port, &hints, &res);
	if (g != 0)
		return seterr(err, errlen, -EADDRNOTAVAIL, "listen %s: %s", addr, gai_strerror(g));
	r = -EADDRNOTAVAIL;
	for (ai = res; ai; ai = ai->ai_next) {
		r = listen_on(ai->ai_addr, ai->ai_addrlen, false, ret_fd);
		if (r == 0)
			break;
	}
	freeaddrinfo(res);
	if (r < 0)
		return seterr(err, errlen, r, "listen %s: %s", addr, strerror(-r));
	return 0;
}

static int systemd_fds(struct server *s, char *err, size_t errlen)
{
	const char *pid = getenv("LISTEN_PID"), *n = getenv("LISTEN_FDS");
	unsigned long want;
	char *end;

	if (!pid || !n || strtoul(pid, NULL, 10) != (unsigned long)getpid())
		return seterr(err, errlen, -ENOENT, "no socket activation file descriptors found");
	errno = 0;
	want = strtoul(n, &end, 10);
	if (errno || *end || want == 0)
		return seterr(err, errlen, -ENOENT, "no socket activation file descriptors found");
	if (want > EXPORTER_MAX_LISTEN)
		return seterr(err, errlen, -E2BIG, "more than %d socket-activated descriptors", EXPORTER_MAX_LISTEN);
	for (unsigned long i = 0; i < want; i++) {
		int fd = 3 + (int)i, acc = 0;
		socklen_t l = sizeof(acc);
		struct stat st;

		if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode) ||
		    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l) < 0 || !acc)
			return seterr(err, errlen, -ENOTSOCK, "socket-activated descriptor %d is not a listening socket",
				      fd);
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		s->fds[s->nfds++] = fd;
	}
	return 0;
}

/* ---- the loop ---- */

static char *landing_page(const char *path, size_t *ret_len)
{
	static const char head[] = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>sockscope exporter</title>"
				   "</head>\n<body><h1>sockscope exporter</h1>\n<p>Linux sockets: states, queues, owners "
				   "and the verdicts of <code>sockscope check</code>, for Prometheus.</p>\n<p><a href=\"";
	static const char tail[] = "\">Metrics</a></p>\n</body></html>\n";
	size_t cap = sizeof(head) + sizeof(tail) + 6 * strlen(path), n;
	char *p = malloc(cap), *w;

	if (!p)
		return NULL;
	memcpy(p, head, sizeof(head) - 1);
	w = p + sizeof(head) - 1;
	for (const char *c = path; *c; c++) {
		const char *e = *c == '&' ? "&amp;" : *c == '<' ? "&lt;" : *c == '>' ? "&gt;" : *c == '"' ? "&quot;" : NULL;

		if (e) {
			n = strlen(e);
			memcpy(w, e, n);
			w += n;
		} else {
			*w++ = *c;
		}
	}
	memcpy(w, tail, sizeof(tail));
	*ret_len = (size_t)(w - p) + sizeof(tail) - 1;
	return p;
}

static int check_path(const char *p)
{
	size_t n = strlen(p);

	if (p[0] != '/' || n > MAX_PATH_LEN)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] <= 0x20 || p[i] == 0x7f || p[i] == '?' || p[i] == '#')
			return -EINVAL;
	return 0;
}

static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* Shuts down the connections past their request deadline; MHD then closes them. */
static void reap(struct server *s, double limit)
{
	pthread_mutex_lock(&s->conn_mu);
	for (struct conn *t = s->conns; t; t = t->next)
		if (!t->in_request && !t->cut && since(&t->since) > limit) {
			shutdown(t->fd, SHUT_RDWR);
			t->cut = true;
		}
	pthread_mutex_unlock(&s->conn_mu);
}

/* Stops and frees G once none of its connections waits for a collection. */
static void gen_retire(struct server *s, struct gen *g)
{
	pthread_mutex_lock(&s->fl.mu);
	g->closing = true;
	pthread_mutex_unlock(&s->fl.mu);
	flight_wait_idle(&s->fl);
	gen_stop(g);
	gen_free(g);
}

static void do_reload(struct server *s)
{
	char e[512];
	struct gen *g = NULL;
	int r = gen_load(s->o->web_config, &g, e, sizeof(e));

	if (r == 0)
		r = gen_start(s, g, e, sizeof(e));
	if (r < 0) {
		say(s->o, "reload failed: %s; keeping the previous configuration", e);
		if (g)
			gen_stop(g);
		gen_free(g);
		return;
	}
	if (s->old) /* a reload while the previous one drains: finish it now */
		gen_retire(s, s->old);
	for (size_t i = 0; i < s->cur->nd; i++)
		MHD_quiesce_daemon(s->cur->d[i]);
	s->old = s->cur;
	clock_gettime(CLOCK_MONOTONIC, &s->old->drain_start);
	s->cur = g;
	say(s->o, "reloaded the web configuration%s", g->wc.tls ? " and certificates" : "");
}

int exporter_check_web_config(const char *path, char *err, size_t errlen)
{
	struct gen *g = NULL;
	int r = gen_load(path, &g, err, errlen);

	gen_free(g);
	return r;
}

int exporter_serve(const struct exporter_opts *o, exporter_collect_fn fn, void *arg, volatile sig_atomic_t *stop,
		   volatile sig_atomic_t *reload, char *err, size_t errlen)
{
	struct server s;
	int r;

	if (err && errlen)
		err[0] = '\0';
	memset(&s, 0, sizeof(s));
	s.o = o;
	s.fn = fn;
	s.arg = arg;
	s.path = o->telemetry_path && *o->telemetry_path ? o->telemetry_path : "/metrics";
	if (check_path(s.path) < 0)
		return seterr(err, errlen, -EINVAL, "telemetry path must start with / and hold no space, ? or #");
	if (!o->systemd_socket && (o->nlisten == 0 || o->nlisten > EXPORTER_MAX_LISTEN))
		return seterr(err, errlen, -EINVAL, "between 1 and %d listen addresses", EXPORTER_MAX_LISTEN);
	s.landing = landing_page(s.path, &s.landing_len);
	if (!s.landing)
		return -ENOMEM;
	r = basicauth_init(&s.auth);
	if (r < 0) {
		free(s.landing);
		return r;
	}
	pthread_mutex_init(&s.fl.mu, NULL);
	pthread_cond_init(&s.fl.work, NULL);
	pthread_cond_init(&s.fl.idle, NULL);
	pthread_mutex_init(&s.log_mu, NULL);
	pthread_mutex_init(&s.conn_mu, NULL);

	r = gen_load(o->web_config, &s.cur, err, errlen);
	if (r < 0)
		goto out;
	if (o->systemd_socket) {
		r = systemd_fds(&s, err, errlen);
	} else {
		for (size_t i = 0; i < o->nlisten && r == 0; i++) {
			r = open_address(o->listen[i], &s.fds[s.nfds], err, errlen);
			if (r == 0)
				s.nfds++;
		}
	}
	if (r < 0)
		goto out;
	r = pthread_create(&s.fl.thread, NULL, collector_main, &s);
	if (r != 0) {
		r = seterr(err, errlen, -r, "cannot start the collector thread: %s", strerror(r));
		goto out;
	}
	s.fl.started = true;
	r = gen_start(&s, s.cur, err, errlen);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < s.nfds; i++) {
		char a[80];

		describe(s.fds[i], a, sizeof(a));
		say(o, "listening on %s (%s)", a, s.cur->wc.tls ? "TLS" : "plain HTTP");
	}

	while (!*stop) {
		poll(NULL, 0, 100);
		reap(&s, o->timeout_s ? o->timeout_s : 10);
		if (reload && *reload) {
			*reload = 0;
			do_reload(&s);
		}
		if (s.old && (gen_connections(s.old) == 0 || since(&s.old->drain_start) > (o->timeout_s ? o->timeout_s : 10) + 30.0)) {
			gen_retire(&s, s.old);
			s.old = NULL;
		}
	}
	r = 0;
out:
	/* no new suspension from now on; the collection in flight ends and resumes its waiters */
	pthread_mutex_lock(&s.fl.mu);
	s.fl.quit = true;
	pthread_cond_signal(&s.fl.work);
	pthread_mutex_unlock(&s.fl.mu);
	if (s.fl.started)
		pthread_join(s.fl.thread, NULL);
	if (s.cur && r == 0) { /* stop accepting; give answers being sent a second to finish */
		struct timespec t0;

		for (size_t i = 0; i < s.cur->nd; i++)
			MHD_quiesce_daemon(s.cur->d[i]);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (gen_connections(s.cur) + (s.old ? gen_connections(s.old) : 0) > 0 && since(&t0) < 1.0)
			poll(NULL, 0, 20);
	}
	if (s.old) {
		gen_stop(s.old);
		gen_free(s.old);
	}
	if (s.cur) {
		gen_stop(s.cur);
		gen_free(s.cur);
	}
	for (size_t i = 0; i < s.nfds; i++)
		close(s.fds[i]);
	pthread_mutex_destroy(&s.log_mu);
	pthread_mutex_destroy(&s.conn_mu);
	pthread_cond_destroy(&s.fl.work);
	pthread_cond_destroy(&s.fl.idle);
	pthread_mutex_destroy(&s.fl.mu);
	basicauth_destroy(&s.auth);
	free(s.landing);
	return r;
}
