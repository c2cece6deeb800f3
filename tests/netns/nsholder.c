// SPDX-License-Identifier: MIT
/*
 * nsholder: a test helper that keeps network namespaces alive in the ways
 * the integration test needs, with TCP listeners inside (0.0.0.0, a port the
 * kernel picks; the loopback is down in a new namespace).
 *   nsholder listen N        N listeners in the current namespace, then sleep
 *   nsholder fdhold K        K new namespaces, namespace i with (i % 3) + 1
 *                            listeners, each kept only by an fd on its nsfs
 *                            file (the process itself returns to its own
 *                            namespace); prints "ns INO COUNT" per namespace
 *   nsholder sockhold K      the same, but no nsfs fd is kept: only the
 *                            listening sockets keep the namespaces alive
 *   nsholder thread K        K threads, thread i unshare(CLONE_NEWNET)s
 *                            itself and opens (i % 3) + 1 listeners there;
 *                            the main thread stays in the namespace it was
 *                            started in; prints "ns INO COUNT TID" per thread
 * Prints "ready" when set up and sleeps until killed.
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int listeners(int n)
{
	for (int i = 0; i < n; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET };
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4) < 0) {
			perror("nsholder: listener");
			return -1;
		}
	}
	return 0;
}

static int hold(int k, int keep_fd)
{
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (self < 0) {
		perror("nsholder: own namespace");
		return 1;
	}
	for (int i = 0; i < k; i++) {
		struct stat st;
		int fd;

		if (unshare(CLONE_NEWNET) < 0) {
			perror("nsholder: unshare");
			return 1;
		}
		if (listeners(i % 3 + 1) < 0)
			return 1;
		fd = open("/proc/thread-self/ns/net", O_RDONLY);
		if (fd < 0 || fstat(fd, &st) < 0) {
			perror("nsholder: new namespace");
			return 1;
		}
		printf("ns %llu %d\n", (unsigned long long)st.st_ino, i % 3 + 1);
		if (setns(self, CLONE_NEWNET) < 0) {
			perror("nsholder: setns back");
			return 1;
		}
		if (!keep_fd)
			close(fd);
	}
	return 0;
}

struct thr {
	int i;
	pthread_barrier_t *ready;
};

static void *thread_main(void *arg)
{
	struct thr *t = arg;
	struct stat st;

	if (unshare(CLONE_NEWNET) < 0 || listeners(t->i % 3 + 1) < 0 || stat("/proc/thread-self/ns/net", &st) < 0) {
		perror("nsholder: thread namespace");
		exit(1);
	}
	printf("ns %llu %d %d\n", (unsigned long long)st.st_ino, t->i % 3 + 1, (int)gettid());
	fflush(stdout);
	pthread_barrier_wait(t->ready);
	for (;;)
		pause();
	return NULL;
}

static int threads(int k)
{
	pthread_barrier_t ready;
	struct thr *t = calloc((size_t)k + 1, sizeof(*t));

	if (!t || pthread_barrier_init(&ready, NULL, (unsigned)k + 1)) {
		fprintf(stderr, "nsholder: out of memory\n");
		return 1;
	}
	for (int i = 0; i < k; i++) {
		pthread_t id;

		t[i] = (struct thr){ i, &ready };
		if (pthread_create(&id, NULL, thread_main, &t[i])) {
			fprintf(stderr, "nsholder: pthread_create failed\n");
			return 1;
		}
	}
	pthread_barrier_wait(&ready);
	return 0; /* t and the barrier live until the process is killed */
}

int main(int argc, char **argv)
{
	int n, r;

	if (argc != 3 || (n = atoi(argv[2])) < 0) {
		fprintf(stderr, "usage: nsholder listen|fdhold|sockhold|thread N\n");
		return 2;
	}
	if (!strcmp(argv[1], "listen"))
		r = listeners(n) < 0;
	else if (!strcmp(argv[1], "fdhold"))
		r = hold(n, 1);
	else if (!strcmp(argv[1], "sockhold"))
		r = hold(n, 0);
	else if (!strcmp(argv[1], "thread"))
		r = threads(n);
	else
		r = 2;
	if (r)
		return r;
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
