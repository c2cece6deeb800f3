// SPDX-License-Identifier: MIT
/*
 * conngen: the connection workload of tests/bench/events.sh.  Paces short TCP
 * connections at --rate per second for --duration seconds over loopback, in
 * the current network namespace, client and server in the same process (one
 * epoll loop; --procs N forks N such processes sharing the rate, each with
 * its own listener on port --port + i).  Each connection: a non-blocking
 * connect() to 127.0.0.k:port (k cycles over --addrs destination addresses,
 * for 4-tuple room), accept(), the client closes as soon as connect()
 * completes, the server closes when it reads the EOF.  So each connection is
 * exactly 10 state transitions (client CLOSE->SYN_SENT->ESTABLISHED->
 * FIN_WAIT1->FIN_WAIT2->CLOSE, server LISTEN->SYN_RECV->ESTABLISHED->
 * CLOSE_WAIT->LAST_ACK->CLOSE) and each listener 2 (CLOSE->LISTEN,
 * LISTEN->CLOSE).  --rate 0: as fast as it can.
 *
 * Stops starting connections at the end of the duration, waits for those in
 * flight (at most 5 s), and prints one line:
 *   target_rate=R duration=S procs=N started=N completed=N errors=N
 *   elapsed=S rate=R behind=N user=S sys=S transitions=N listeners=N ports=P-Q
 * rate = completed / elapsed, elapsed from the start to the last completion;
 * behind = connections the pace asked for that were never started (the
 * generator could not keep up); user/sys: CPU time of the workers (wait4).
 * transitions = 10 * completed + 2 * listeners, the ground truth of a
 * tracepoint reader filtered on the listeners' ports.  Exit 1 on errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { T_LISTEN = 1, T_CLIENT = 2, T_SERVER = 3 };

struct opts {
	double rate, duration;
	unsigned procs, addrs, inflight;
	unsigned port;
};

struct counts {
	uint64_t started, connected, errors, accepted, completed, behind;
	uint64_t t_start, t_last;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "conngen: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void ep_add(int ep, int fd, uint32_t events, int type)
{
	struct epoll_event e = {.events = events, .data.u64 = (uint64_t)(uint32_t)fd | ((uint64_t)type << 32)};

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) < 0)
		die("epoll_ctl");
}

/* One worker: its listener on port, rate connections a second. */
static void worker(const struct opts *o, unsigned port, double rate, uint64_t total, int outfd)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct epoll_event ev[256];
	struct counts c = {0};
	uint64_t t0, end, want, stop_wait;
	int ls, ep, one = 1;
	unsigned next_addr = 0;
	bool stopping = false;

	ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ls < 0)
		die("socket");
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind");
	if (listen(ls, 4096) < 0)
		die("listen");
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	ep_add(ep, ls, EPOLLIN, T_LISTEN);
	t0 = now_ns();
	c.t_start = t0;
	end = t0 + (uint64_t)(o->duration * 1e9);
	stop_wait = end + 5000000000ULL;
	for (;;) {
		uint64_t t = now_ns();
		int timeout = 1, n;

		if (!stopping && t >= end) {
			stopping = true;
			want = rate > 0 ? total : c.started;
			if (want > c.started)
				c.behind = want - c.started;
		}
		if (!stopping) {
			want = rate > 0 ? (uint64_t)(rate * (double)(t - t0) / 1e9) + 1 : UINT64_MAX;
			if (want > total)
				want = total;
			while (c.started < want && c.started - c.connected - c.errors < o->inflight) {
				struct sockaddr_in da = sa;
				int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

				if (fd < 0)
					die("socket");
				da.sin_addr.s_addr = htonl(0x7f000001u + next_addr);
				next_addr = (next_addr + 1) % o->addrs;
				c.started++;
				if (connect(fd, (struct sockaddr *)&da, sizeof(da)) == 0) {
					c.connected++;
					close(fd);
				} else if (errno == EINPROGRESS) {
					ep_add(ep, fd, EPOLLOUT, T_CLIENT);
				} else {
					c.errors++;
					close(fd);
				}
			}
			timeout = c.started < want ? 0 : 1;
		} else if (c.started == c.connected + c.errors && c.accepted == c.completed &&
			   c.connected <= c.accepted) {
			break;
		} else if (t >= stop_wait) {
			break;
		}
		n = epoll_wait(ep, ev, 256, timeout);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			int fd = (int)(uint32_t)ev[i].data.u64, type = (int)(ev[i].data.u64 >> 32);

			if (type == T_LISTEN) {
				int a;

				while ((a = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					c.accepted++;
					ep_add(ep, a, EPOLLIN | EPOLLRDHUP, T_SERVER);
				}
			} else if (type == T_CLIENT) {
				int err = 0;
				socklen_t el = sizeof(err);

				getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
				if (err)
					c.errors++;
				else
					c.connected++;
				close(fd); /* the client closes first; close() leaves the epoll set */
			} else {
				char b[64];
				ssize_t r = read(fd, b, sizeof(b));

				if (r == 0 || (r < 0 && errno != EAGAIN)) {
					close(fd);
					c.completed++;
					c.t_last = now_ns();
				}
			}
		}
	}
	close(ls);
	close(ep);
	if (write(outfd, &c, sizeof(c)) != (ssize_t)sizeof(c))
		die("write");
}

static void usage(void)
{
	fprintf(stderr, "usage: conngen [--rate R] [--duration S] [--procs N] [--addrs K] [--port P] [--inflight F]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = {.rate = 20000, .duration = 10, .procs = 1, .addrs = 16, .inflight = 512, .port = 800};
	struct counts sum = {0};
	struct rusage ru;
	int pfd[2];
	double user, sys, elapsed;
	uint64_t t_first = UINT64_MAX, t_last = 0;
	int status = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			usage();
		if (!strcmp(a, "--rate"))
			o.rate = atof(v);
		else if (!strcmp(a, "--duration"))
			o.duration = atof(v);
		else if (!strcmp(a, "--procs"))
			o.procs = (unsigned)atoi(v);
		else if (!strcmp(a, "--addrs"))
			o.addrs = (unsigned)atoi(v);
		else if (!strcmp(a, "--port"))
			o.port = (unsigned)atoi(v);
		else if (!strcmp(a, "--inflight"))
			o.inflight = (unsigned)atoi(v);
		else
			usage();
		i++;
	}
	if (o.procs < 1 || o.procs > 64 || o.addrs < 1 || o.addrs > 250 || o.duration <= 0 || o.rate < 0 ||
	    o.inflight < 1 || o.port < 1 || o.port + o.procs > 65535)
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (pipe(pfd) < 0)
		die("pipe");
	for (unsigned i = 0; i < o.procs; i++) {
		pid_t p = fork();

		if (p < 0)
			die("fork");
		if (p == 0) {
			double r = o.rate / o.procs;

			close(pfd[0]);
			worker(&o, o.port + i, r, r > 0 ? (uint64_t)(r * o.duration) : UINT64_MAX, pfd[1]);
			_exit(0);
		}
	}
	close(pfd[1]);
	for (unsigned i = 0; i < o.procs; i++) {
		struct counts c;

		if (read(pfd[0], &c, sizeof(c)) != (ssize_t)sizeof(c)) {
			fprintf(stderr, "conngen: a worker failed\n");
			status = 1;
			break;
		}
		sum.started += c.started;
		sum.connected += c.connected;
		sum.errors += c.errors;
		sum.accepted += c.accepted;
		sum.completed += c.completed;
		sum.behind += c.behind;
		if (c.t_start < t_first)
			t_first = c.t_start;
		if (c.t_last > t_last)
			t_last = c.t_last;
	}
	for (unsigned i = 0; i < o.procs; i++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			status = 1;
	}
	getrusage(RUSAGE_CHILDREN, &ru);
	user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	elapsed = t_last > t_first ? (double)(t_last - t_first) / 1e9 : 0;
	printf("target_rate=%.0f duration=%.1f procs=%u started=%" PRIu64 " completed=%" PRIu64 " errors=%" PRIu64
	       " elapsed=%.3f rate=%.0f behind=%" PRIu64 " user=%.2f sys=%.2f transitions=%" PRIu64
	       " listeners=%u ports=%u-%u\n",
	       o.rate, o.duration, o.procs, sum.started, sum.completed, sum.errors, elapsed,
	       elapsed > 0 ? (double)sum.completed / elapsed : 0, sum.behind, user, sys,
	       10 * sum.completed + 2 * (uint64_t)o.procs, o.procs, o.port, o.port + o.procs - 1);
	return status || sum.errors || sum.completed != sum.started ? 1 : 0;
}
