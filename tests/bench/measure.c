// SPDX-License-Identifier: MIT
/*
 * measure: runs one command and prints one line about the run:
 *   elapsed=SECONDS maxrss_kib=KIB user=SECONDS sys=SECONDS status=exit:N|signal:N|timeout
 * The command is fork/exec'd directly (or through `sh -c` with -c, for
 * pipelines) in its own process group, with stdout on /dev/null (or -o FILE)
 * and stderr on /dev/null (or -e FILE).  Elapsed time is CLOCK_MONOTONIC from
 * just before fork() to the reaping wait4(); maxrss, user and sys come from
 * wait4()'s rusage, which for `sh -c` covers the shell and every child it
 * waited for (maxrss: the largest single process, not a sum).  -t SECONDS
 * kills the whole process group when the time is up and reports "timeout".
 * -l sends stdout into a pipe instead and adds lines=N bytes=N (for checking
 * what a command printed; not for timed runs: the pipe costs the command);
 * with -l a command that times out is killed a second late, then reported
 * by its signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile pid_t child;

static void on_alarm(int sig)
{
	(void)sig;
	kill(-child, SIGKILL);
	kill(child, SIGKILL);
}

/* measure dies of SIGINT/SIGTERM/SIGHUP: the command, in its own process
 * group, must not outlive it. */
static void on_fatal(int sig)
{
	kill(-child, SIGKILL);
	kill(child, SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

static double ts_sec(const struct timespec *t)
{
	return (double)t->tv_sec + (double)t->tv_nsec / 1e9;
}

static double tv_sec(const struct timeval *t)
{
	return (double)t->tv_sec + (double)t->tv_usec / 1e6;
}

static void usage(void)
{
	fprintf(stderr, "usage: measure [-t SECONDS] [-o OUT] [-e ERR] [-l] -- COMMAND [ARG...]\n"
			"       measure [-t SECONDS] [-o OUT] [-e ERR] [-l] -c 'SHELL COMMAND'\n");
	exit(2);
}

static int open_out(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0) {
		fprintf(stderr, "measure: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return fd;
}

int main(int argc, char **argv)
{
	const char *out = "/dev/null", *err = "/dev/null", *shell = NULL;
	double timeout = 0;
	bool count = false;
	int c, outfd, errfd, pfd[2] = { -1, -1 };
	sigset_t chld, old;
	struct timespec t0, t1;
	struct rusage ru;
	pid_t pid;
	int st = 0;
	bool timed_out = false;
	unsigned long long lines = 0, bytes = 0;

	while ((c = getopt(argc, argv, "+t:o:e:c:l")) != -1) {
		switch (c) {
		case 't': timeout = strtod(optarg, NULL); break;
		case 'o': out = optarg; break;
		case 'e': err = optarg; break;
		case 'c': shell = optarg; break;
		case 'l': count = true; break;
		default: usage();
		}
	}
	if (!shell && optind >= argc)
		usage();
	if (shell && optind != argc)
		usage();
	errfd = open_out(err);
	if (count) {
		if (pipe2(pfd, O_CLOEXEC) < 0) {
			perror("measure: pipe");
			return 2;
		}
		outfd = pfd[1];
	} else {
		outfd = open_out(out);
	}
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("measure: fork");
		return 2;
	}
	if (pid == 0) {
		setpgid(0, 0);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (dup2(outfd, 1) < 0 || dup2(errfd, 2) < 0)
			_exit(127);
		if (shell)
			execl("/bin/sh", "sh", "-c", shell, (char *)NULL);
		else
			execvp(argv[optind], argv + optind);
		dprintf(errfd, "measure: %s: %s\n", shell ? "/bin/sh" : argv[optind], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	child = pid;
	signal(SIGINT, on_fatal);
	signal(SIGTERM, on_fatal);
	signal(SIGHUP, on_fatal);
	if (count) {
		char buf[65536];
		ssize_t n;

		close(pfd[1]);
		if (timeout > 0) {
			signal(SIGALRM, on_alarm);
			alarm((unsigned)timeout + 1);
		}
		while ((n = read(pfd[0], buf, sizeof(buf))) != 0) {
			if (n < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			bytes += (unsigned long long)n;
			for (ssize_t i = 0; i < n; i++)
				lines += buf[i] == '\n';
		}
		close(pfd[0]);
		alarm(0);
	}
	for (;;) {
		pid_t w = wait4(pid, &st, WNOHANG, &ru);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			perror("measure: wait4");
			return 2;
		}
		if (w > 0)
			continue;
		struct timespec now, left;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (timeout > 0) {
			double rem = timeout - (ts_sec(&now) - ts_sec(&t0));

			if (rem <= 0) {
				if (!timed_out) {
					kill(-pid, SIGKILL);
					kill(pid, SIGKILL);
				}
				timed_out = true;
				rem = 0.05;
			}
			left.tv_sec = (time_t)rem;
			left.tv_nsec = (long)((rem - (double)left.tv_sec) * 1e9);
		} else {
			left.tv_sec = 3600;
			left.tv_nsec = 0;
		}
		sigtimedwait(&chld, NULL, &left);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (timed_out)
		kill(-pid, SIGKILL); /* stragglers of a pipeline */

	char status[32];

	if (timed_out)
		snprintf(status, sizeof(status), "timeout");
	else if (WIFEXITED(st))
		snprintf(status, sizeof(status), "exit:%d", WEXITSTATUS(st));
	else
		snprintf(status, sizeof(status), "signal:%d", WTERMSIG(st));
	printf("elapsed=%.6f maxrss_kib=%ld user=%.3f sys=%.3f status=%s", ts_sec(&t1) - ts_sec(&t0), ru.ru_maxrss,
	       tv_sec(&ru.ru_utime), tv_sec(&ru.ru_stime), status);
	if (count)
		printf(" lines=%llu bytes=%llu", lines, bytes);
	putchar('\n');
	return 0;
}
