// SPDX-License-Identifier: MIT
/*
 * popgen: builds a population of TCP sockets for the benchmarks and holds it
 * until SIGTERM.  It is meant to run inside a private network namespace (the
 * runner creates one with `ip netns add` and starts popgen with `ip netns
 * exec`): all traffic is on loopback.  K worker processes each own a share of
 * the sockets: two listeners (127.0.0.x and ::1) that their clients connect
 * to, a few idle listeners, and established pairs whose client side is bound
 * explicitly to one of many 127.1.x.y source addresses (or ::1) with a chosen
 * port, so no ephemeral port search is needed and 300k sockets build in
 * seconds.  Connections are made in batches of nonblocking connect() calls
 * followed by an accept loop.  A share of the pairs is half closed (the
 * accepting side calls shutdown(SHUT_WR) and both sides keep their fds: the
 * connecting side sits in CLOSE-WAIT, the other in FIN-WAIT-2), a share has
 * unread bytes in its receive queue, worker 0 has one listener on a port no
 * other socket uses (for filter benchmarks).  Optionally a process makes a
 * number of TIME-WAIT sockets at start and/or churns connections at a set rate
 * for a bounded time.  A few "filler" processes hold many non-socket fds
 * (/dev/null and pipes) so that owner lookups walk a realistic /proc.  When
 * everything is built it prints one line "READY key=value..." on stdout and
 * waits; SIGTERM or SIGINT (or --max-hold seconds) ends it and its children.
 *
 * --udp N adds N UDP sockets held by their own worker processes: 90 % bound to
 * 127.0.0.1..16 (socket i on address i % 16, port 10000 + i / 16), 10 % to
 * [::1] (port 10000 + i), a share connected to a neighbour's address (ESTAB),
 * a share of the unconnected ones with one unread 64-byte datagram.  --unix N
 * adds N UNIX sockets, also in their own workers: named stream listeners (one
 * per 1000 sockets, half abstract "@popgen-..." and half paths in a private
 * temporary directory, removed at exit) with connections made and accepted
 * (the accepted end carries the listener's name, the connecting end is
 * unnamed), datagram sockets (bound to abstract names, or socketpairs),
 * and unnamed stream socketpairs for the rest, a share with unread bytes.
 * -n 0 builds no TCP sockets.  Every worker raises RLIMIT_NOFILE for its
 * share; more workers are used when the limit cannot be raised far enough.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stddef.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define CLIENT_PORT_LO 10000
#define CLIENT_PORT_N 55000 /* client ports 10000..64999 */
#define LISTEN_PORT_BASE 2000 /* worker w listens on 2000 + w */
#define IDLE_PORT_BASE 3000
#define TW_PORT 4000
#define CHURN_PORT 4001
#define MAX_WORKERS 256
#define UDP_PORT_LO 10000
#define UDP_PORT_N 55000 /* UDP ports 10000..64999 */
#define UNIX_PER_LISTENER 1000
#define MAX_FILLERS 64

struct cfg {
	long total;
	int workers;
	int naddr;
	int v6_pct;
	int cw_pct;
	int unread_pct;
	int idle_listeners;
	int fillers;
	int filler_fds;
	long timewait;
	int churn_rate;
	int churn_secs;
	int unique_port;
	int max_hold;
	int batch;
	long udp;
	int udp_workers;
	int udp_naddr;
	int udp_conn_pct;
	long unix_n;
	int unix_workers;
	int unix_conn_pct;
	int unix_dgram_pct;
};

enum kind { K_WORKER, K_FILLER, K_TW, K_UDP, K_UNIX };

/* One report per child, written to a pipe in one write (< PIPE_BUF). */
struct report {
	int kind;
	int id;
	int err;
	long listen;
	long estab;
	long close_wait;
	long fin_wait2;
	long time_wait;
	long fds;
	long udp_unconn;
	long udp_conn;
	long udp_v6;
	long udp_unread;
	long unix_listen;
	long unix_stream; /* connected stream sockets: pairs and both ends of connections */
	long unix_dgram;
	long unix_named; /* sockets with a name (listeners, accepted ends, bound dgram) */
	double secs;
	char msg[96];
};

static struct cfg cfg = {
	.total = 10000,
	.workers = 4,
	.naddr = 16,
	.v6_pct = 10,
	.cw_pct = 10,
	.unread_pct = 5,
	.idle_listeners = 2,
	.fillers = 3,
	.filler_fds = 20000,
	.timewait = 0,
	.churn_rate = 0,
	.churn_secs = 0,
	.unique_port = 7777,
	.max_hold = 3600,
	.batch = 1000,
	.udp = 0,
	.udp_workers = 2,
	.udp_naddr = 16,
	.udp_conn_pct = 20,
	.unix_n = 0,
	.unix_workers = 4,
	.unix_conn_pct = 50,
	.unix_dgram_pct = 10,
};

static char unix_dir[64]; /* the private directory of the path-named listeners */

static int report_fd = -1;
static volatile sig_atomic_t stop;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void send_report(struct report *r)
{
	ssize_t n = write(report_fd, r, sizeof(*r));

	(void)n;
}

static void fail_report(struct report *r, const char *what)
{
	r->err = errno ? errno : EIO;
	snprintf(r->msg, sizeof(r->msg), "%s: %s", what, strerror(r->err));
	send_report(r);
	_exit(1);
}

static int raise_nofile(long need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	if ((long)rl.rlim_cur >= need)
		return 0;
	rl.rlim_cur = (rlim_t)need;
	if ((long)rl.rlim_max < need)
		rl.rlim_max = (rlim_t)need;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

/* The most fds one process may hold: the hard limit unless it can be raised
 * (raising it needs CAP_SYS_RESOURCE, which containers often lack). */
static long nofile_cap(long want)
{
	struct rlimit rl;

	if (raise_nofile(want) == 0)
		return want;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	return (long)rl.rlim_max;
}

static void sa4(struct sockaddr_in *s, unsigned a, unsigned b, unsigned c, unsigned d, unsigned port)
{
	memset(s, 0, sizeof(*s));
	s->sin_family = AF_INET;
	s->sin_port = htons((unsigned short)port);
	s->sin_addr.s_addr = htonl((a << 24) | (b << 16) | (c << 8) | d);
}

static void sa6(struct sockaddr_in6 *s, unsigned port)
{
	memset(s, 0, sizeof(*s));
	s->sin6_family = AF_INET6;
	s->sin6_port = htons((unsigned short)port);
	s->sin6_addr = in6addr_loopback;
}

static int listen_on(const struct sockaddr *sa, socklen_t len)
{
	int one = 1;
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, sa, len) < 0 || listen(fd, 65535) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Accepts n connections from lst, storing the fds in out (may be NULL: the
 * accepted fds are then closed).  Gives up after 30 s. */
static int accept_n(int lst, int n, int *out)
{
	double deadline = now() + 30.0;
	int got = 0;

	while (got < n) {
		int fd = accept4(lst, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0) {
			if (out)
				out[got] = fd;
			else
				close(fd);
			got++;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (now() > deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		struct pollfd p = { .fd = lst, .events = POLLIN };

		poll(&p, 1, 200);
	}
	return 0;
}

/* Connects one nonblocking client from src to dst. */
static int connect_one(const struct sockaddr *src, const struct sockaddr *dst, socklen_t len, bool no_port)
{
	int one = 1;
	int fd = socket(dst->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (no_port && dst->sa_family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	if (src && bind(fd, src, len) < 0)
		goto err;
	if (connect(fd, dst, len) < 0 && errno != EINPROGRESS)
		goto err;
	return fd;
err:;
	int e = errno;

	close(fd);
	errno = e;
	return -1;
}

/*
 * The pairs of worker w: v4 client indices [v4lo, v4hi) over the global
 * index space, v6 ones [v6lo, v6hi).  v4 client i binds 127.1.x.y (address
 * i % naddr) port CLIENT_PORT_LO + i / naddr; v6 client i binds [::1] port
 * CLIENT_PORT_LO + i.
 */
static void worker(int w, long v4lo, long v4hi, long v6lo, long v6hi)
{
	struct report r = { .kind = K_WORKER, .id = w };
	double t0 = now();
	long pairs = (v4hi - v4lo) + (v6hi - v6lo);
	int *cl, *sv;
	int lst4, lst6;
	struct sockaddr_in d4, s4;
	struct sockaddr_in6 d6, s6;

	if (nofile_cap(2 * pairs + cfg.idle_listeners + 64) < 2 * pairs + cfg.idle_listeners + 64)
		fail_report(&r, "setrlimit");
	cl = calloc((size_t)cfg.batch, sizeof(*cl));
	sv = calloc((size_t)cfg.batch, sizeof(*sv));
	if (!cl || !sv)
		fail_report(&r, "calloc");

	sa4(&d4, 127, 0, 0, 1 + (unsigned)(w % 4), LISTEN_PORT_BASE + (unsigned)w);
	sa6(&d6, LISTEN_PORT_BASE + (unsigned)w);
	lst4 = listen_on((struct sockaddr *)&d4, sizeof(d4));
	if (lst4 < 0)
		fail_report(&r, "listen v4");
	lst6 = listen_on((struct sockaddr *)&d6, sizeof(d6));
	if (lst6 < 0)
		fail_report(&r, "listen v6");
	r.listen = 2;
	for (int i = 0; i < cfg.idle_listeners; i++) {
		unsigned port = IDLE_PORT_BASE + (unsigned)(w * cfg.idle_listeners + i);
		int fd;

		if (i % 2) {
			struct sockaddr_in6 a;

			sa6(&a, port);
			fd = listen_on((struct sockaddr *)&a, sizeof(a));
		} else {
			struct sockaddr_in a;

			sa4(&a, 127, 0, 0, 1, port);
			fd = listen_on((struct sockaddr *)&a, sizeof(a));
		}
		if (fd < 0)
			fail_report(&r, "listen idle");
		r.listen++;
	}
	if (w == 0) {
		struct sockaddr_in a;

		sa4(&a, 127, 0, 0, 1, (unsigned)cfg.unique_port);
		if (listen_on((struct sockaddr *)&a, sizeof(a)) < 0)
			fail_report(&r, "listen unique port");
		r.listen++;
	}

	long k = 0; /* pair number within this worker, for the shares */

	for (int fam = 0; fam < 2; fam++) {
		long lo = fam ? v6lo : v4lo, hi = fam ? v6hi : v4hi;
		int lst = fam ? lst6 : lst4;

		for (long b = lo; b < hi; b += cfg.batch) {
			int n = (int)(hi - b < cfg.batch ? hi - b : cfg.batch);

			for (int j = 0; j < n; j++) {
				long i = b + j;

				if (fam) {
					sa6(&s6, CLIENT_PORT_LO + (unsigned)i);
					cl[j] = connect_one((struct sockaddr *)&s6, (struct sockaddr *)&d6,
							    sizeof(s6), false);
				} else {
					unsigned a = (unsigned)(i % cfg.naddr) + 1;

					sa4(&s4, 127, 1, a >> 8, a & 255,
					    CLIENT_PORT_LO + (unsigned)(i / cfg.naddr));
					cl[j] = connect_one((struct sockaddr *)&s4, (struct sockaddr *)&d4,
							    sizeof(s4), false);
				}
				if (cl[j] < 0)
					fail_report(&r, fam ? "connect v6" : "connect v4");
			}
			if (accept_n(lst, n, sv) < 0)
				fail_report(&r, "accept");
			for (int j = 0; j < n; j++, k++) {
				long pct = k % 100;

				if (pct < cfg.cw_pct) {
					if (shutdown(sv[j], SHUT_WR) < 0)
						fail_report(&r, "shutdown");
					r.close_wait++;
					r.fin_wait2++;
				} else {
					r.estab += 2;
					if (pct >= 100 - cfg.unread_pct) {
						static const char junk[64] = "popgen: bytes nobody reads";

						if (send(cl[j], junk, sizeof(junk), MSG_NOSIGNAL) < 0 &&
						    errno != EAGAIN)
							fail_report(&r, "send");
					}
				}
			}
		}
	}
	free(cl);
	free(sv);
	r.fds = 2 * pairs + r.listen;
	r.secs = now() - t0;
	send_report(&r);
	while (!stop)
		pause();
	_exit(0);
}

/*
 * UDP worker w: global UDP indices [lo, hi) are IPv4 (socket i binds
 * 127.0.0.(1 + i % udp_naddr) port UDP_PORT_LO + i / udp_naddr), [v6lo, v6hi)
 * IPv6 (socket i binds [::1] port UDP_PORT_LO + i).  Of every 100 sockets,
 * udp_conn_pct are connected to the address of the next socket index and
 * unread_pct of the unconnected ones receive one datagram from the worker's
 * first socket, which nobody reads.
 */
static void udp_addr(long i, bool v6, struct sockaddr_storage *ss, socklen_t *len)
{
	if (v6) {
		sa6((struct sockaddr_in6 *)ss, UDP_PORT_LO + (unsigned)i);
		*len = sizeof(struct sockaddr_in6);
	} else {
		sa4((struct sockaddr_in *)ss, 127, 0, 0, 1 + (unsigned)(i % cfg.udp_naddr),
		    UDP_PORT_LO + (unsigned)(i / cfg.udp_naddr));
		*len = sizeof(struct sockaddr_in);
	}
}

static void udp_worker(int w, long v4lo, long v4hi, long v6lo, long v6hi)
{
	struct report r = { .kind = K_UDP, .id = w };
	double t0 = now();
	long n = (v4hi - v4lo) + (v6hi - v6lo), k = 0;
	int sender = -1, sender_fam = 0, one = 1;

	if (nofile_cap(n + 64) < n + 64)
		fail_report(&r, "setrlimit");
	for (int fam = 0; fam < 2; fam++) {
		long lo = fam ? v6lo : v4lo, hi = fam ? v6hi : v4hi;

		for (long i = lo; i < hi; i++, k++) {
			struct sockaddr_storage a;
			socklen_t len;
			long pct = k % 100;
			int fd = socket(fam ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

			if (fd < 0)
				fail_report(&r, "udp socket");
			if (fam)
				setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
			udp_addr(i, fam, &a, &len);
			if (bind(fd, (struct sockaddr *)&a, len) < 0)
				fail_report(&r, fam ? "udp bind v6" : "udp bind v4");
			if (fam)
				r.udp_v6++;
			if (k == 0) {
				sender = fd; /* stays unconnected, never receives */
				sender_fam = fam;
				r.udp_unconn++;
				continue;
			}
			if (pct < cfg.udp_conn_pct) {
				udp_addr(i + 1, fam, &a, &len);
				if (connect(fd, (struct sockaddr *)&a, len) < 0)
					fail_report(&r, "udp connect");
				r.udp_conn++;
				continue;
			}
			r.udp_unconn++;
			if (pct >= 100 - cfg.unread_pct && sender >= 0 && fam == sender_fam) {
				static const char junk[64] = "popgen: a datagram nobody reads";

				if (sendto(sender, junk, sizeof(junk), MSG_NOSIGNAL, (struct sockaddr *)&a, len) < 0)
					fail_report(&r, "udp sendto");
				r.udp_unread++;
			}
		}
	}
	r.fds = n;
	r.secs = now() - t0;
	send_report(&r);
	while (!stop)
		pause();
	_exit(0);
}

/* A UNIX address: abstract ("\0popgen-...") or a path in unix_dir. */
static socklen_t unix_addr(struct sockaddr_un *a, bool abstract, const char *what, int w, long j)
{
	int len;

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (abstract) {
		len = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "popgen-%s-%d-%ld", what, w, j);
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)len);
	}
	len = snprintf(a->sun_path, sizeof(a->sun_path), "%s/%s-%d-%ld.sock", unix_dir, what, w, j);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)len + 1);
}

/*
 * UNIX worker w holding n sockets: one stream listener per UNIX_PER_LISTENER
 * sockets (even ones abstract, odd ones paths), unix_conn_pct of the sockets
 * as connections to them (client + accepted end), unix_dgram_pct datagram
 * sockets (bound to abstract names and socketpairs, alternately), the rest
 * unnamed stream socketpairs.  unread_pct of the connections and pairs have
 * 64 unread bytes on one side.
 */
static void unix_worker(int w, long n)
{
	struct report r = { .kind = K_UNIX, .id = w };
	double t0 = now();
	long nl = n / UNIX_PER_LISTENER > 0 ? n / UNIX_PER_LISTENER : 1;
	long rest = n - nl, conns = rest * cfg.unix_conn_pct / 200, dgram = rest * cfg.unix_dgram_pct / 100;
	long spairs = (rest - 2 * conns - dgram) / 2, k = 0;
	static const char junk[64] = "popgen: bytes nobody reads";
	int *lst, *cl;

	if (nl > n) /* n == 0 */
		nl = 0;
	dgram = n - nl - 2 * conns - 2 * spairs; /* the odd one out is a bound dgram socket */
	if (nofile_cap(n + 64) < n + 64)
		fail_report(&r, "setrlimit");
	lst = calloc((size_t)(nl ? nl : 1), sizeof(*lst));
	cl = calloc((size_t)cfg.batch, sizeof(*cl));
	if (!lst || !cl)
		fail_report(&r, "calloc");
	for (long j = 0; j < nl; j++) {
		struct sockaddr_un a;
		socklen_t len = unix_addr(&a, j % 2 == 0, "listen", w, j);

		lst[j] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (lst[j] < 0)
			fail_report(&r, "unix socket");
		if (bind(lst[j], (struct sockaddr *)&a, len) < 0 || listen(lst[j], 65535) < 0)
			fail_report(&r, "unix listen");
		r.unix_listen++;
		r.unix_named++;
	}
	/* connections, spread evenly over the listeners, in batches of
	 * connects then accepts */
	for (long j = 0, b = 0; nl && b < conns;) {
		long end = conns * (j + 1) / nl, cur = j;
		int m = (int)(end - b < cfg.batch ? end - b : cfg.batch);
		struct sockaddr_un a;
		socklen_t len = unix_addr(&a, cur % 2 == 0, "listen", w, cur);

		b += m;
		if (b == end)
			j++;

		for (int i = 0; i < m; i++) {
			cl[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (cl[i] < 0)
				fail_report(&r, "unix socket");
			if (connect(cl[i], (struct sockaddr *)&a, len) < 0)
				fail_report(&r, "unix connect");
		}
		for (int i = 0; i < m; i++, k++) {
			int sfd;

			if (accept_n(lst[cur], 1, &sfd) < 0)
				fail_report(&r, "unix accept");
			if (k % 100 >= 100 - cfg.unread_pct &&
			    send(k % 2 ? sfd : cl[i], junk, sizeof(junk), MSG_NOSIGNAL) < 0)
				fail_report(&r, "unix send");
			r.unix_stream += 2;
			r.unix_named++;
		}
	}
	for (long i = 0; i < spairs; i++, k++) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			fail_report(&r, "unix socketpair");
		if (k % 100 >= 100 - cfg.unread_pct && send(sv[k % 2], junk, sizeof(junk), MSG_NOSIGNAL) < 0)
			fail_report(&r, "unix send");
		r.unix_stream += 2;
	}
	for (long i = 0; i < dgram;) {
		if (i % 3 == 2 && i + 2 <= dgram) {
			int sv[2];

			if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
				fail_report(&r, "unix dgram socketpair");
			i += 2;
		} else {
			struct sockaddr_un a;
			socklen_t len = unix_addr(&a, true, "dgram", w, i);
			int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

			if (fd < 0 || bind(fd, (struct sockaddr *)&a, len) < 0)
				fail_report(&r, "unix dgram bind");
			r.unix_named++;
			i++;
		}
	}
	r.unix_dgram = dgram;
	free(cl);
	free(lst);
	r.fds = n;
	r.secs = now() - t0;
	send_report(&r);
	while (!stop)
		pause();
	_exit(0);
}

/* Makes cfg.timewait TIME-WAIT sockets, then churns at churn_rate/s for
 * churn_secs seconds (connect, accept, client closes first, server closes). */
static void tw_proc(void)
{
	struct report r = { .kind = K_TW };
	double t0 = now();
	struct sockaddr_in lst_a, src;
	int lst, cfd, sfd;

	if (nofile_cap(4096) < 4096)
		fail_report(&r, "setrlimit");
	sa4(&lst_a, 127, 0, 0, 1, TW_PORT);
	lst = listen_on((struct sockaddr *)&lst_a, sizeof(lst_a));
	if (lst < 0)
		fail_report(&r, "listen tw");
	r.listen = 1;
	sa4(&src, 127, 2, 0, 1, 0);
	for (long i = 0; i < cfg.timewait; i++) {
		cfd = connect_one((struct sockaddr *)&src, (struct sockaddr *)&lst_a, sizeof(src), true);
		if (cfd < 0)
			fail_report(&r, "connect tw");
		if (accept_n(lst, 1, &sfd) < 0)
			fail_report(&r, "accept tw");
		close(cfd);
		close(sfd);
		r.time_wait++;
	}
	r.fds = 1;
	r.secs = now() - t0;
	send_report(&r);

	double end = now() + cfg.churn_secs;
	long done = 0;
	double start = now();

	sa4(&src, 127, 2, 0, 2, 0);
	while (cfg.churn_rate > 0 && !stop && now() < end) {
		long due = (long)((now() - start) * cfg.churn_rate);

		if (done >= due) {
			struct timespec ts = { 0, 5 * 1000 * 1000 };

			nanosleep(&ts, NULL);
			continue;
		}
		cfd = connect_one((struct sockaddr *)&src, (struct sockaddr *)&lst_a, sizeof(src), true);
		if (cfd < 0)
			continue; /* e.g. ports exhausted: skip this tick */
		if (accept_n(lst, 1, &sfd) == 0)
			close(sfd);
		close(cfd);
		done++;
	}
	while (!stop)
		pause();
	_exit(0);
}

/* Holds cfg.filler_fds non-socket fds: mostly dups of /dev/null, 1% pipes. */
static void filler(int id)
{
	struct report r = { .kind = K_FILLER, .id = id };
	double t0 = now();
	int fd;

	if (nofile_cap(cfg.filler_fds + 32) < cfg.filler_fds + 32)
		fail_report(&r, "setrlimit");
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail_report(&r, "open /dev/null");
	r.fds = 1;
	while (r.fds < cfg.filler_fds) {
		if (r.fds % 100 == 0 && r.fds + 2 <= cfg.filler_fds) {
			int p[2];

			if (pipe2(p, O_CLOEXEC) < 0)
				fail_report(&r, "pipe");
			r.fds += 2;
			continue;
		}
		if (fcntl(fd, F_DUPFD_CLOEXEC, 0) < 0)
			fail_report(&r, "dup");
		r.fds++;
	}
	r.secs = now() - t0;
	send_report(&r);
	while (!stop)
		pause();
	_exit(0);
}

/* Raises a sysctl of the current network namespace to at least v (best
 * effort: the runner sets them too). */
static void sysctl_at_least(const char *path, long v)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		if (strtol(buf, NULL, 10) < v) {
			int len = snprintf(buf, sizeof(buf), "%ld\n", v);

			if (pwrite(fd, buf, (size_t)len, 0) < 0)
				fprintf(stderr, "popgen: cannot raise %s: %s\n", path, strerror(errno));
		}
	}
	close(fd);
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: popgen [options]   (run it inside a private network namespace)\n"
		"  -n, --sockets N        TCP sockets to build, listeners included (default 10000)\n"
		"  -w, --workers K        processes holding them (default 4)\n"
		"  -a, --addrs N          127.1.x.y client source addresses (default 16)\n"
		"      --v6-pct P         share of pairs over ::1 (default 10)\n"
		"      --close-wait-pct P share of pairs half closed: CLOSE-WAIT + FIN-WAIT-2 (default 10)\n"
		"      --unread-pct P     share of pairs with 64 unread bytes (default 5)\n"
		"      --idle-listeners N extra listeners per worker (default 2)\n"
		"  -f, --fillers N        processes holding non-socket fds (default 3)\n"
		"      --filler-fds N     fds each of them holds (default 20000)\n"
		"      --timewait N       TIME-WAIT sockets made at start (they last 60 s)\n"
		"      --churn RATE       connections opened and closed per second...\n"
		"      --churn-secs S     ...for S seconds (bounded; default 0)\n"
		"      --unique-port P    port of the one listener no other socket shares (default 7777)\n"
		"      --batch N          connects per batch before accepting (default 1000)\n"
		"      --max-hold S       exit after S seconds even without SIGTERM (default 3600)\n"
		"      --udp N            also N UDP sockets (127.0.0.1..16 and ::1; default 0)\n"
		"      --udp-workers K    processes holding them (default 2, more if RLIMIT_NOFILE is low)\n"
		"      --udp-conn-pct P   share of UDP sockets connected to a neighbour (default 20)\n"
		"      --unix N           also N UNIX sockets (default 0)\n"
		"      --unix-workers K   processes holding them (default 4, more if RLIMIT_NOFILE is low)\n"
		"      --unix-conn-pct P  share in connections to named stream listeners (default 50)\n"
		"      --unix-dgram-pct P share of datagram sockets (default 10); the rest are stream socketpairs\n"
		"  -n 0 builds no TCP socket at all (with --udp or --unix).\n");
}

static long num(const char *s, long lo, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "popgen: bad number '%s' (%ld..%ld)\n", s, lo, hi);
		exit(2);
	}
	return v;
}

static void parse(int argc, char **argv)
{
	enum { O_V6 = 256, O_CW, O_UNREAD, O_IDLE, O_FFDS, O_TW, O_CHURN, O_CHURNS, O_UPORT, O_BATCH, O_HOLD,
	       O_UDP, O_UDPW, O_UDPC, O_UNIX, O_UNIXW, O_UNIXC, O_UNIXD };
	static const struct option lo[] = {
		{ "sockets", required_argument, NULL, 'n' },
		{ "workers", required_argument, NULL, 'w' },
		{ "addrs", required_argument, NULL, 'a' },
		{ "fillers", required_argument, NULL, 'f' },
		{ "v6-pct", required_argument, NULL, O_V6 },
		{ "close-wait-pct", required_argument, NULL, O_CW },
		{ "unread-pct", required_argument, NULL, O_UNREAD },
		{ "idle-listeners", required_argument, NULL, O_IDLE },
		{ "filler-fds", required_argument, NULL, O_FFDS },
		{ "timewait", required_argument, NULL, O_TW },
		{ "churn", required_argument, NULL, O_CHURN },
		{ "churn-secs", required_argument, NULL, O_CHURNS },
		{ "unique-port", required_argument, NULL, O_UPORT },
		{ "batch", required_argument, NULL, O_BATCH },
		{ "max-hold", required_argument, NULL, O_HOLD },
		{ "udp", required_argument, NULL, O_UDP },
		{ "udp-workers", required_argument, NULL, O_UDPW },
		{ "udp-conn-pct", required_argument, NULL, O_UDPC },
		{ "unix", required_argument, NULL, O_UNIX },
		{ "unix-workers", required_argument, NULL, O_UNIXW },
		{ "unix-conn-pct", required_argument, NULL, O_UNIXC },
		{ "unix-dgram-pct", required_argument, NULL, O_UNIXD },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "n:w:a:f:h", lo, NULL)) != -1) {
		switch (c) {
		case 'n': cfg.total = num(optarg, 0, 4000000); break;
		case 'w': cfg.workers = (int)num(optarg, 1, MAX_WORKERS); break;
		case 'a': cfg.naddr = (int)num(optarg, 1, 65000); break;
		case 'f': cfg.fillers = (int)num(optarg, 0, MAX_FILLERS); break;
		case O_V6: cfg.v6_pct = (int)num(optarg, 0, 100); break;
		case O_CW: cfg.cw_pct = (int)num(optarg, 0, 100); break;
		case O_UNREAD: cfg.unread_pct = (int)num(optarg, 0, 100); break;
		case O_IDLE: cfg.idle_listeners = (int)num(optarg, 0, 16); break;
		case O_FFDS: cfg.filler_fds = (int)num(optarg, 1, 1000000); break;
		case O_TW: cfg.timewait = num(optarg, 0, 50000); break;
		case O_CHURN: cfg.churn_rate = (int)num(optarg, 0, 20000); break;
		case O_CHURNS: cfg.churn_secs = (int)num(optarg, 0, 3600); break;
		case O_UPORT: cfg.unique_port = (int)num(optarg, 1, 9999); break;
		case O_BATCH: cfg.batch = (int)num(optarg, 1, 60000); break;
		case O_HOLD: cfg.max_hold = (int)num(optarg, 1, 86400); break;
		case O_UDP: cfg.udp = num(optarg, 0, 2000000); break;
		case O_UDPW: cfg.udp_workers = (int)num(optarg, 1, MAX_WORKERS); break;
		case O_UDPC: cfg.udp_conn_pct = (int)num(optarg, 0, 100); break;
		case O_UNIX: cfg.unix_n = num(optarg, 0, 4000000); break;
		case O_UNIXW: cfg.unix_workers = (int)num(optarg, 1, MAX_WORKERS); break;
		case O_UNIXC: cfg.unix_conn_pct = (int)num(optarg, 0, 100); break;
		case O_UNIXD: cfg.unix_dgram_pct = (int)num(optarg, 0, 100); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(2);
	}
	if (cfg.unique_port >= LISTEN_PORT_BASE && cfg.unique_port <= CHURN_PORT) {
		fprintf(stderr, "popgen: --unique-port must be outside %d..%d\n", LISTEN_PORT_BASE, CHURN_PORT);
		exit(2);
	}
	if (cfg.unread_pct + cfg.cw_pct > 100)
		cfg.unread_pct = 100 - cfg.cw_pct;
	if (cfg.unix_conn_pct + cfg.unix_dgram_pct > 100)
		cfg.unix_dgram_pct = 100 - cfg.unix_conn_pct;
	if (cfg.udp_conn_pct + cfg.unread_pct > 100)
		cfg.udp_conn_pct = 100 - cfg.unread_pct;
	if (cfg.total == 0)
		cfg.workers = 0;
}

/* Removes the path-named listeners' directory. */
static void unix_dir_remove(void)
{
	DIR *d;
	struct dirent *e;

	if (!unix_dir[0] || !(d = opendir(unix_dir)))
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(unix_dir);
	unix_dir[0] = '\0';
}

int main(int argc, char **argv)
{
	pid_t kids[3 * MAX_WORKERS + MAX_FILLERS + 1];
	int nkids = 0, fds[2];
	struct sigaction sa = { .sa_handler = on_signal };
	double t0 = now();

	parse(argc, argv);
	sysctl_at_least("/proc/sys/net/core/somaxconn", 65535);
	sysctl_at_least("/proc/sys/net/ipv4/tcp_max_syn_backlog", 65535);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Each worker holds both ends of its pairs: add workers until every
	 * share fits under the fd limit (the workers' own listeners change the
	 * number of pairs, hence the loop). */
	long tw = cfg.timewait || cfg.churn_rate ? 1 : 0;
	long cap = nofile_cap((cfg.workers ? cfg.total / cfg.workers : 0) + 4096) - cfg.idle_listeners - 100;
	long listeners = 0, pairs = 0;

	if (cap < 1000) {
		fprintf(stderr, "popgen: RLIMIT_NOFILE too low\n");
		return 1;
	}
	for (; cfg.workers > 0;) {
		listeners = (long)cfg.workers * (2 + cfg.idle_listeners) + 1 + tw;
		pairs = cfg.total > listeners + cfg.timewait ? (cfg.total - listeners - cfg.timewait) / 2 : 0;
		if ((pairs + cfg.workers - 1) / cfg.workers * 2 <= cap)
			break;
		if (cfg.workers == MAX_WORKERS) {
			fprintf(stderr, "popgen: too many sockets for %d workers under RLIMIT_NOFILE\n",
				MAX_WORKERS);
			return 1;
		}
		cfg.workers++;
	}
	if (cfg.filler_fds > nofile_cap(cfg.filler_fds + 32) - 32)
		cfg.filler_fds = (int)nofile_cap(cfg.filler_fds + 32) - 32;

	/* UDP and UNIX workers: as many as it takes for each share to fit. */
	long ucap = nofile_cap(1048576) - 64;

	while (cfg.udp && (cfg.udp + cfg.udp_workers - 1) / cfg.udp_workers > ucap) {
		if (cfg.udp_workers == MAX_WORKERS) {
			fprintf(stderr, "popgen: too many UDP sockets under RLIMIT_NOFILE\n");
			return 1;
		}
		cfg.udp_workers++;
	}
	while (cfg.unix_n && (cfg.unix_n + cfg.unix_workers - 1) / cfg.unix_workers > ucap) {
		if (cfg.unix_workers == MAX_WORKERS) {
			fprintf(stderr, "popgen: too many UNIX sockets under RLIMIT_NOFILE\n");
			return 1;
		}
		cfg.unix_workers++;
	}
	int udpw = cfg.udp ? cfg.udp_workers : 0, unixw = cfg.unix_n ? cfg.unix_workers : 0;
	long udp6 = cfg.udp * cfg.v6_pct / 100;

	if (udp6 > UDP_PORT_N)
		udp6 = UDP_PORT_N;
	long udp4 = cfg.udp - udp6;

	while (udp4 > (long)cfg.udp_naddr * UDP_PORT_N)
		cfg.udp_naddr *= 2;
	if (cfg.udp_naddr > 250) {
		fprintf(stderr, "popgen: too many UDP sockets\n");
		return 2;
	}
	if (cfg.unix_n) {
		strcpy(unix_dir, "/tmp/popgen-unix.XXXXXX");
		if (!mkdtemp(unix_dir)) {
			perror("popgen: mkdtemp");
			unix_dir[0] = '\0';
			return 1;
		}
		atexit(unix_dir_remove);
	}

	long v6 = pairs * cfg.v6_pct / 100;

	if (v6 > CLIENT_PORT_N)
		v6 = CLIENT_PORT_N;
	long v4 = pairs - v6;

	while (v4 > (long)cfg.naddr * CLIENT_PORT_N)
		cfg.naddr *= 2;
	if (cfg.naddr > 65000) {
		fprintf(stderr, "popgen: too many sockets\n");
		return 2;
	}
	if (pipe2(fds, O_CLOEXEC) < 0) {
		perror("popgen: pipe");
		return 1;
	}
	report_fd = fds[1];
	pid_t parent = getpid();
	int ntw = cfg.timewait || cfg.churn_rate ? 1 : 0;
	int nreports = cfg.workers + cfg.fillers + ntw + udpw + unixw;

	for (int i = 0; i < nreports; i++) {
		pid_t p = fork();

		if (p < 0) {
			perror("popgen: fork");
			for (int j = 0; j < nkids; j++)
				kill(kids[j], SIGKILL);
			return 1;
		}
		if (p == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(1);
			close(fds[0]);
			if (i < cfg.workers) {
				long v4lo = v4 * i / cfg.workers, v4hi = v4 * (i + 1) / cfg.workers;
				long v6lo = v6 * i / cfg.workers, v6hi = v6 * (i + 1) / cfg.workers;

				worker(i, v4lo, v4hi, v6lo, v6hi);
			} else if (i < cfg.workers + cfg.fillers) {
				filler(i - cfg.workers);
			} else if (i < cfg.workers + cfg.fillers + ntw) {
				tw_proc();
			} else if (i < cfg.workers + cfg.fillers + ntw + udpw) {
				int u = i - (cfg.workers + cfg.fillers + ntw);

				udp_worker(u, udp4 * u / udpw, udp4 * (u + 1) / udpw, udp6 * u / udpw,
					   udp6 * (u + 1) / udpw);
			} else {
				int u = i - (cfg.workers + cfg.fillers + ntw + udpw);

				unix_worker(u, cfg.unix_n * (u + 1) / unixw - cfg.unix_n * u / unixw);
			}
			_exit(1);
		}
		kids[nkids++] = p;
	}
	close(fds[1]);

	struct report tot = { 0 };
	long filler_fds = 0;
	int got = 0, bad = 0;
	double slowest = 0;

	alarm(600); /* building must not take longer than this */
	while (got < nreports && !stop) {
		struct report r;
		ssize_t n = read(fds[0], &r, sizeof(r));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(r)) {
			fprintf(stderr, "popgen: a child died before reporting\n");
			bad = 1;
			break;
		}
		got++;
		if (r.err) {
			fprintf(stderr, "popgen: %s %d: %s\n",
				r.kind == K_WORKER ? "worker" : r.kind == K_FILLER ? "filler" :
				r.kind == K_UDP ? "UDP worker" : r.kind == K_UNIX ? "UNIX worker" : "time-wait process",
				r.id, r.msg);
			bad = 1;
			break;
		}
		if (r.kind == K_FILLER) {
			filler_fds += r.fds;
		} else if (r.kind == K_UDP) {
			tot.udp_unconn += r.udp_unconn;
			tot.udp_conn += r.udp_conn;
			tot.udp_v6 += r.udp_v6;
			tot.udp_unread += r.udp_unread;
		} else if (r.kind == K_UNIX) {
			tot.unix_listen += r.unix_listen;
			tot.unix_stream += r.unix_stream;
			tot.unix_dgram += r.unix_dgram;
			tot.unix_named += r.unix_named;
		} else {
			tot.listen += r.listen;
			tot.estab += r.estab;
			tot.close_wait += r.close_wait;
			tot.fin_wait2 += r.fin_wait2;
			tot.time_wait += r.time_wait;
		}
		if (r.secs > slowest)
			slowest = r.secs;
	}
	alarm(0);
	if (bad || stop) {
		for (int j = 0; j < nkids; j++)
			kill(kids[j], SIGKILL);
		while (wait(NULL) > 0)
			;
		return 1;
	}
	printf("READY sockets=%ld listen=%ld established=%ld close_wait=%ld fin_wait2=%ld time_wait=%ld "
	       "pairs=%ld v6_pairs=%ld v4_addrs=%d workers=%d fillers=%d filler_fds=%ld unique_port=%d "
	       "udp=%ld udp_unconn=%ld udp_estab=%ld udp_v6=%ld udp_unread=%ld udp_workers=%d "
	       "unix=%ld unix_listen=%ld unix_stream=%ld unix_dgram=%ld unix_named=%ld unix_workers=%d "
	       "build_s=%.2f pid=%ld\n",
	       tot.listen + tot.estab + tot.close_wait + tot.fin_wait2 + tot.time_wait, tot.listen, tot.estab,
	       tot.close_wait, tot.fin_wait2, tot.time_wait, pairs, v6, cfg.naddr, cfg.workers, cfg.fillers,
	       filler_fds, cfg.unique_port, tot.udp_unconn + tot.udp_conn, tot.udp_unconn, tot.udp_conn,
	       tot.udp_v6, tot.udp_unread, udpw, tot.unix_listen + tot.unix_stream + tot.unix_dgram,
	       tot.unix_listen, tot.unix_stream, tot.unix_dgram, tot.unix_named, unixw, now() - t0,
	       (long)getpid());
	fflush(stdout);

	alarm((unsigned)cfg.max_hold);
	while (!stop) {
		int st;
		pid_t p = waitpid(-1, &st, 0);

		if (p > 0) {
			fprintf(stderr, "popgen: child %ld exited early\n", (long)p);
			break;
		}
	}
	for (int j = 0; j < nkids; j++)
		kill(kids[j], SIGTERM);
	while (wait(NULL) > 0)
		;
	return 0;
}
