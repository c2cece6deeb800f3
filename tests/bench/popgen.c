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
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
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
};

enum kind { K_WORKER, K_FILLER, K_TW };

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
};

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
		"      --max-hold S       exit after S seconds even without SIGTERM (default 3600)\n");
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
	enum { O_V6 = 256, O_CW, O_UNREAD, O_IDLE, O_FFDS, O_TW, O_CHURN, O_CHURNS, O_UPORT, O_BATCH, O_HOLD };
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
}

int main(int argc, char **argv)
{
	pid_t kids[MAX_WORKERS + MAX_FILLERS + 1];
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
	long cap = nofile_cap(cfg.total / cfg.workers + 4096) - cfg.idle_listeners - 100;
	long listeners, pairs;

	if (cap < 1000) {
		fprintf(stderr, "popgen: RLIMIT_NOFILE too low\n");
		return 1;
	}
	for (;;) {
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
	int nreports = cfg.workers + cfg.fillers + (cfg.timewait || cfg.churn_rate ? 1 : 0);

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
			} else {
				tw_proc();
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
				r.kind == K_WORKER ? "worker" : r.kind == K_FILLER ? "filler" : "time-wait process",
				r.id, r.msg);
			bad = 1;
			break;
		}
		if (r.kind == K_FILLER) {
			filler_fds += r.fds;
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
	       "build_s=%.2f pid=%ld\n",
	       tot.listen + tot.estab + tot.close_wait + tot.fin_wait2 + tot.time_wait, tot.listen, tot.estab,
	       tot.close_wait, tot.fin_wait2, tot.time_wait, pairs, v6, cfg.naddr, cfg.workers, cfg.fillers,
	       filler_fds, cfg.unique_port, now() - t0, (long)getpid());
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
