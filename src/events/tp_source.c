// SPDX-License-Identifier: MIT
/*
 * tp_source: tracefs discovery, the two readers of the inet_sock_set_state
 * tracepoint and the cross-CPU time merge of their events.
 *   ftrace: a private tracefs instance (instances/sockscope.PIDNS.PID.K) with
 *   the one event enabled, the "mono" clock, and per_cpu/cpuN/trace_pipe_raw
 *   read a page at a time (rb_page.c); events lost to overwriting come from
 *   the pages' missed-events words.  Instances left by a killed sockscope of
 *   the same pid namespace are removed when the next one opens.
 *   perf: perf_event_open per CPU and its mmap'd ring: read data_head with
 *   acquire semantics, consume records from data_tail, publish data_tail
 *   with release semantics; a record that runs past the end of the ring is
 *   copied out in two parts.
 * The ftrace reader comes first: perf was seen to drop, silently, every
 * sample of a CPU while that CPU's idle task runs softirqs (TCP timers: the
 * SYN-SENT timeouts; packets arriving on an idle CPU), where ftrace, fed by
 * the same tracepoint, records them.
 */
#include "tp_source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "rb_page.h"
#include "tp_format.h"

#define TRACEFS_MAGIC_NUM 0x74726163
#define TP_EVENT_DIR "events/sock/inet_sock_set_state"
#define TP_MAX_CPUS 4096
#define TP_MAX_PENDING (1u << 18) /* held-back events; beyond: counted as lost */
#define TGID_CACHE 256u
#define INSTANCE_PREFIX "sockscope."

struct tp_ring {
	int fd;
	unsigned cpu;
	void *base;
	size_t map_len;
};

struct tp_pending {
	struct sock_event ev;
	uint64_t seq;
};

struct tp_source {
	struct tp_format fmt;
	char tracefs[256];
	bool mounted;
	struct tp_ring *rings;
	struct pollfd *pfds;
	unsigned nrings;
	size_t page_size, data_size;
	uint64_t reorder_ns;
	uint64_t lost, batch_lost, bad, seen, seq;
	struct tp_pending *pend;
	size_t npend, cap_pend;
	uint8_t *tmp; /* 64 KiB: a wrapped record (perf), a page (ftrace) */
	uint64_t throttled; /* PERF_RECORD_THROTTLE: samples dropped, how many unknown */
	/* the ftrace reader */
	bool ftrace;
	char inst[400];       /* the instance directory, "" when none */
	struct rb_layout lay;
	size_t subbuf;        /* bytes of one trace_pipe_raw read */
	unsigned cur_cpu;     /* of the page being parsed */
	uint64_t cur_ts;      /* the time of the last record parsed */
	uint64_t hold_ts;     /* a ring not read to its end this round: nothing later may go out */
	struct {
		uint32_t tid, tgid;
	} tgid_cache[TGID_CACHE];
};

static void seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int read_small(const char *path, char *buf, size_t cap, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;

	*len = 0;
	if (fd < 0)
		return -errno;
	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			close(fd);
			return (int)r;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n == cap)
		return -E2BIG;
	*len = n;
	return 0;
}

static int paranoid_level(void)
{
	char b[32];
	size_t n;

	if (read_small("/proc/sys/kernel/perf_event_paranoid", b, sizeof(b) - 1, &n) < 0)
		return 99;
	b[n] = '\0';
	return (int)strtol(b, NULL, 10);
}

static bool is_tracefs(const char *dir, int *err)
{
	struct statfs sf;
	char p[300];

	snprintf(p, sizeof(p), "%s/events", dir);
	if (statfs(p, &sf) < 0) {
		*err = errno;
		return false;
	}
	return (unsigned long)sf.f_type == TRACEFS_MAGIC_NUM;
}

static int find_tracefs(struct tp_source *s, const struct tp_opts *o, char *err, size_t errlen)
{
	static const char *const cand[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
	int e = ENOENT;

	if (o->tracefs) {
		snprintf(s->tracefs, sizeof(s->tracefs), "%s", o->tracefs);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cand) / sizeof(cand[0]); i++) {
		int ce = 0;

		if (is_tracefs(cand[i], &ce)) {
			snprintf(s->tracefs, sizeof(s->tracefs), "%s", cand[i]);
			return 0;
		}
		if (ce == EACCES || ce == EPERM)
			e = ce;
	}
	if (e == ENOENT && o->allow_mount) {
		if (mount("nodev", cand[0], "tracefs", 0, NULL) == 0) {
			snprintf(s->tracefs, sizeof(s->tracefs), "%s", cand[0]);
			s->mounted = true;
			return 0;
		}
		e = errno;
		seterr(err, errlen, "tracepoint source: tracefs is not mounted and mounting it on %s failed: %s",
		       cand[0], strerror(e));
		return -e;
	}
	if (e == ENOENT)
		seterr(err, errlen,
		       "tracepoint source: tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)");
	else
		seterr(err, errlen, "tracepoint source: tracefs: %s (readable by root only)", strerror(e));
	return -e;
}

static int load_format(struct tp_source *s, char *err, size_t errlen)
{
	char path[400], idb[32];
	char *text;
	size_t n;
	long id;
	int r;

	snprintf(path, sizeof(path), "%s/" TP_EVENT_DIR "/id", s->tracefs);
	r = read_small(path, idb, sizeof(idb) - 1, &n);
	if (r < 0) {
		if (r == -ENOENT)
			seterr(err, errlen, "tracepoint source: no tracepoint sock:inet_sock_set_state (%s)", path);
		else
			seterr(err, errlen, "tracepoint source: %s: %s%s", path, strerror(-r),
			       r == -EACCES || r == -EPERM ? " (tracefs is readable by root only)" : "");
		return r;
	}
	idb[n] = '\0';
	id = strtol(idb, NULL, 10);
	if (id <= 0) {
		seterr(err, errlen, "tracepoint source: %s: not a number", path);
		return -EPROTO;
	}
	text = malloc(TP_FORMAT_MAX_TEXT + 1);
	if (!text)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/" TP_EVENT_DIR "/format", s->tracefs);
	r = read_small(path, text, TP_FORMAT_MAX_TEXT + 1, &n);
	if (r == 0)
		r = tp_format_parse(text, n, &s->fmt);
	free(text);
	if (r == 0 && (r = tp_format_check_sock(&s->fmt)) < 0)
		seterr(err, errlen, "tracepoint source: %s: a layout this decoder cannot use", path);
	else if (r < 0)
		seterr(err, errlen, "tracepoint source: %s: %s", path, strerror(-r));
	if (r < 0)
		return r;
	if (!s->fmt.has_id)
		s->fmt.id = (uint32_t)id;
	if (s->fmt.id != (uint32_t)id) {
		seterr(err, errlen, "tracepoint source: id %ld and format ID %u differ", id, s->fmt.id);
		return -EPROTO;
	}
	return 0;
}

/* Parses /sys/devices/system/cpu/online ("0-3,5"). */
static int online_cpus(unsigned *cpus, unsigned max, unsigned *n)
{
	char b[1024], *p;
	size_t len;
	int r = read_small("/sys/devices/system/cpu/online", b, sizeof(b) - 1, &len);

	*n = 0;
	if (r < 0)
		return r;
	b[len] = '\0';
	for (p = b; *p && *p != '\n';) {
		char *e;
		unsigned long a = strtoul(p, &e, 10), z = a;

		if (e == p)
			return -EBADMSG;
		if (*e == '-') {
			p = e + 1;
			z = strtoul(p, &e, 10);
			if (e == p || z < a)
				return -EBADMSG;
		}
		for (unsigned long c = a; c <= z; c++) {
			if (*n >= max || c >= TP_MAX_CPUS)
				return -E2BIG;
			cpus[(*n)++] = (unsigned)c;
		}
		p = e;
		if (*p == ',')
			p++;
	}
	return *n ? 0 : -ENOENT;
}

/* 16 MiB of ring in all, at least 1 MiB a CPU (256 pages), at most 8 MiB:
 * at 20,000 connections a second (200,000 transitions, ~20 MB/s) a 1 MiB
 * ring per CPU overflowed when the reader was descheduled for a few tenths
 * of a second on a loaded machine (tests/bench/events.sh). */
static uint32_t default_ring_pages(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	long psz = sysconf(_SC_PAGESIZE);
	uint32_t pages = 256;

	while (ncpu > 0 && psz > 0 && pages < 2048 && (uint64_t)pages * 2 * (uint64_t)psz * (uint64_t)ncpu <= 16u << 20)
		pages *= 2;
	return pages;
}

/* Writes a short value into a tracefs file of the instance. */
static int inst_write(const struct tp_source *s, const char *file, const char *val)
{
	char path[512];
	size_t len = strlen(val);
	ssize_t w;
	int fd, e;

	snprintf(path, sizeof(path), "%s/%s", s->inst, file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	w = write(fd, val, len);
	e = w < 0 ? errno : EIO;
	close(fd);
	return w == (ssize_t)len ? 0 : -e;
}

static uint64_t own_pidns(void)
{
	struct stat st;

	return stat("/proc/self/ns/pid", &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/* Instances of this pid namespace whose sockscope is gone (killed before it
 * could remove them): each holds a ring per CPU and keeps tracing. */
static void sweep_instances(const char *tracefs, uint64_t pidns)
{
	char dir[320], path[640];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/instances", tracefs);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		unsigned long long ns, pid;
		const char *p = de->d_name + strlen(INSTANCE_PREFIX);
		char *end;

		/* INSTANCE_PREFIX PIDNS.PID.K */
		if (strncmp(de->d_name, INSTANCE_PREFIX, strlen(INSTANCE_PREFIX)) || *p < '0' || *p > '9')
			continue;
		ns = strtoull(p, &end, 10);
		if (*end != '.' || end[1] < '0' || end[1] > '9')
			continue;
		pid = strtoull(end + 1, &end, 10);
		if (*end != '.' || ns != pidns || pid == 0 || pid > INT32_MAX)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		(void)rmdir(path);
	}
	closedir(d);
}

static void remove_instance(struct tp_source *s)
{
	if (!s->inst[0])
		return;
	(void)inst_write(s, TP_EVENT_DIR "/enable", "0");
	(void)rmdir(s->inst);
	s->inst[0] = '\0';
}

/* The rings and the instance, so that another reader can be tried. */
static void close_readers(struct tp_source *s)
{
	for (unsigned i = 0; i < s->nrings; i++) {
		if (s->rings[i].base)
			munmap(s->rings[i].base, s->rings[i].map_len);
		close(s->rings[i].fd);
	}
	free(s->rings);
	free(s->pfds);
	s->rings = NULL;
	s->pfds = NULL;
	s->nrings = 0;
	remove_instance(s);
	s->ftrace = false;
}

static int alloc_rings(struct tp_source *s, unsigned n)
{
	s->rings = calloc(n, sizeof(*s->rings));
	s->pfds = calloc(n, sizeof(*s->pfds));
	return s->rings && s->pfds ? 0 : -ENOMEM;
}

static int open_ftrace(struct tp_source *s, const struct tp_opts *o, const unsigned *cpus, unsigned n,
		       char *err, size_t errlen)
{
	char path[512], val[32], *text;
	uint64_t pidns = own_pidns();
	size_t len;
	int r;

	text = malloc(4096);
	if (!text)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/events/header_page", s->tracefs);
	r = read_small(path, text, 4095, &len);
	if (r == 0 && rb_layout_parse(text, len, &s->lay) < 0)
		r = -EPROTO;
	free(text);
	if (r < 0) {
		seterr(err, errlen, "ftrace reader: %s: %s", path, r == -EPROTO ? "a layout this reader cannot use" : strerror(-r));
		return r;
	}
	s->subbuf = s->page_size;
	snprintf(path, sizeof(path), "%s/buffer_subbuf_size_kb", s->tracefs);
	if (read_small(path, val, sizeof(val) - 1, &len) == 0) {
		unsigned long kb;

		val[len] = '\0';
		kb = strtoul(val, NULL, 10);
		if (kb >= 1 && kb <= 64)
			s->subbuf = kb * 1024;
	}
	if (s->subbuf < s->lay.data_off + 64 || s->subbuf > 65536) {
		seterr(err, errlen, "ftrace reader: a sub-buffer of %zu bytes", s->subbuf);
		return -EPROTO;
	}
	sweep_instances(s->tracefs, pidns);
	r = -EEXIST;
	for (unsigned k = 0; k < 64 && r == -EEXIST; k++) {
		snprintf(s->inst, sizeof(s->inst), "%s/instances/" INSTANCE_PREFIX "%llu.%ld.%u", s->tracefs,
			 (unsigned long long)pidns, (long)getpid(), k);
		r = mkdir(s->inst, 0700) == 0 ? 0 : -errno;
	}
	if (r < 0) {
		seterr(err, errlen, "ftrace reader: cannot make an instance in %s/instances: %s", s->tracefs,
		       strerror(-r));
		s->inst[0] = '\0';
		return r;
	}
	snprintf(val, sizeof(val), "%zu", s->data_size / 1024);
	if ((r = inst_write(s, "trace_clock", "mono")) < 0 || (r = inst_write(s, "buffer_size_kb", val)) < 0) {
		seterr(err, errlen, "ftrace reader: setting up %s: %s", s->inst, strerror(-r));
		return r;
	}
	(void)inst_write(s, "buffer_percent", "25"); /* wake poll() at a quarter full, as the perf watermark */
	if ((r = alloc_rings(s, n)) < 0)
		return r;
	for (unsigned i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/per_cpu/cpu%u/trace_pipe_raw", s->inst, cpus[i]);
		s->rings[i].fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (s->rings[i].fd < 0) {
			r = -errno;
			seterr(err, errlen, "ftrace reader: %s: %s", path, strerror(-r));
			return r;
		}
		s->rings[i].cpu = cpus[i];
		s->nrings++;
		s->pfds[i].fd = s->rings[i].fd;
		s->pfds[i].events = POLLIN;
	}
	if ((r = inst_write(s, TP_EVENT_DIR "/enable", "1")) < 0) {
		seterr(err, errlen, "ftrace reader: enabling the event in %s: %s", s->inst, strerror(-r));
		return r;
	}
	s->ftrace = true;
	return 0;
}

static int open_perf(struct tp_source *s, const struct tp_opts *o, const unsigned *cpus, unsigned n, char *err,
		     size_t errlen)
{
	int r;

	if ((r = alloc_rings(s, n)) < 0)
		return r;
	for (unsigned i = 0; i < n; i++) {
		struct perf_event_attr a;
		struct tp_ring *rg = &s->rings[i];
		int fd;

		memset(&a, 0, sizeof(a));
		a.type = PERF_TYPE_TRACEPOINT;
		a.size = sizeof(a);
		a.config = s->fmt.id;
		a.sample_period = 1;
		a.sample_type = PERF_SAMPLE_RAW | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU;
		a.disabled = 1;
		a.watermark = 1;
		a.wakeup_watermark = o->wakeup_bytes ? o->wakeup_bytes : (uint32_t)(s->data_size / 4);
		a.use_clockid = 1;
		a.clockid = CLOCK_MONOTONIC;
		fd = (int)syscall(SYS_perf_event_open, &a, -1, (int)cpus[i], -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			r = -errno;
			if (r == -EACCES || r == -EPERM)
				seterr(err, errlen,
				       "tracepoint source: perf_event_open: %s (kernel.perf_event_paranoid = %d; "
				       "CPU-wide tracepoints need CAP_PERFMON or CAP_SYS_ADMIN)",
				       strerror(-r), paranoid_level());
			else
				seterr(err, errlen, "tracepoint source: perf_event_open on CPU %u: %s", cpus[i],
				       strerror(-r));
			return r;
		}
		rg->fd = fd;
		rg->cpu = cpus[i];
		s->nrings++;
		rg->map_len = s->page_size + s->data_size;
		rg->base = mmap(NULL, rg->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (rg->base == MAP_FAILED) {
			r = -errno;
			rg->base = NULL;
			seterr(err, errlen, "tracepoint source: mmap of the ring of CPU %u: %s%s", cpus[i],
			       strerror(-r), r == -EPERM ? " (perf_event_mlock_kb too small?)" : "");
			return r;
		}
		s->pfds[i].fd = fd;
		s->pfds[i].events = POLLIN;
	}
	for (unsigned i = 0; i < s->nrings; i++)
		if (ioctl(s->rings[i].fd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
			r = -errno;
			seterr(err, errlen, "tracepoint source: enabling the event: %s", strerror(-r));
			return r;
		}
	return 0;
}

static int open_reader(struct tp_source *s, const struct tp_opts *o, char *err, size_t errlen)
{
	unsigned *cpus = calloc(TP_MAX_CPUS, sizeof(*cpus)), n;
	uint32_t pages = o->ring_pages ? o->ring_pages : default_ring_pages();
	char ferr[400] = "";
	int r = 0;

	if (!cpus)
		return -ENOMEM;
	if (pages & (pages - 1) || pages > (1u << 16)) {
		free(cpus);
		seterr(err, errlen, "tracepoint source: ring_pages must be a power of 2");
		return -EINVAL;
	}
	r = online_cpus(cpus, TP_MAX_CPUS, &n);
	if (r < 0) {
		free(cpus);
		seterr(err, errlen, "tracepoint source: cannot list online CPUs: %s", strerror(-r));
		return r;
	}
	s->page_size = (size_t)sysconf(_SC_PAGESIZE);
	s->data_size = s->page_size * pages; /* a ring per CPU, either reader */
	if (o->reader != TP_READER_PERF) {
		r = open_ftrace(s, o, cpus, n, ferr, sizeof(ferr));
		if (r < 0)
			close_readers(s);
		if (r == 0 || o->reader == TP_READER_FTRACE || r == -ENOMEM) {
			free(cpus);
			if (r < 0)
				seterr(err, errlen, "tracepoint source: %s", ferr);
			return r;
		}
	}
	r = open_perf(s, o, cpus, n, err, errlen);
	free(cpus);
	if (r < 0)
		close_readers(s);
	return r;
}

int tp_open(struct tp_source **ret, const struct tp_opts *o, char *err, size_t errlen)
{
	struct tp_opts def;
	struct tp_source *s;
	int r;

	memset(&def, 0, sizeof(def));
	if (!o)
		o = &def;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->reorder_ns = o->reorder_ns ? o->reorder_ns : 20000000ULL;
	s->tmp = malloc(65536);
	if (!s->tmp) {
		tp_close(s);
		return -ENOMEM;
	}
	if ((r = find_tracefs(s, o, err, errlen)) < 0 || (r = load_format(s, err, errlen)) < 0 ||
	    (r = open_reader(s, o, err, errlen)) < 0) {
		if (r == -ENOMEM)
			seterr(err, errlen, "tracepoint source: out of memory");
		tp_close(s);
		return r;
	}
	*ret = s;
	return 0;
}

void tp_close(struct tp_source *s)
{
	if (!s)
		return;
	close_readers(s);
	free(s->pend);
	free(s->tmp);
	free(s);
}

static int pend_add(struct tp_source *s, const struct sock_event *ev)
{
	if (s->npend == s->cap_pend) {
		size_t nc = s->cap_pend ? s->cap_pend * 2 : 1024;
		struct tp_pending *np;

		if (nc > TP_MAX_PENDING)
			return -ENOSPC;
		np = realloc(s->pend, nc * sizeof(*np));
		if (!np)
			return -ENOMEM;
		s->pend = np;
		s->cap_pend = nc;
	}
	s->pend[s->npend].ev = *ev;
	s->pend[s->npend].seq = s->seq++;
	s->npend++;
	return 0;
}

/* Parses one PERF_RECORD_SAMPLE body (after the header). */
static void on_sample(struct tp_source *s, const uint8_t *p, size_t len)
{
	struct {
		uint32_t pid, tid;
		uint64_t time;
		uint32_t cpu, res;
		uint32_t raw_size;
	} __attribute__((packed)) h;
	struct sock_event ev;

	if (len < sizeof(h)) {
		s->bad++;
		return;
	}
	memcpy(&h, p, sizeof(h));
	if (h.raw_size > len - sizeof(h) || tp_decode_sock(&s->fmt, p + sizeof(h), h.raw_size, &ev) < 0) {
		s->bad++;
		return;
	}
	ev.time_ns = h.time;
	ev.pid = h.pid;
	ev.tid = h.tid;
	ev.cpu = h.cpu;
	s->seen++;
	if (pend_add(s, &ev) < 0) { /* -ENOSPC, -ENOMEM: lost, and counted */
		s->lost++;
		s->batch_lost++;
	}
}

static void drain_ring(struct tp_source *s, struct tp_ring *rg)
{
	struct perf_event_mmap_page *mp = rg->base;
	const uint8_t *data = (const uint8_t *)rg->base + s->page_size;
	uint64_t head = __atomic_load_n(&mp->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = mp->data_tail;
	size_t mask = s->data_size - 1;

	while (tail < head) {
		struct perf_event_header hdr;
		size_t off = (size_t)(tail & mask), first;
		const uint8_t *rec;

		if (head - tail < sizeof(hdr))
			break;
		first = s->data_size - off;
		if (first >= sizeof(hdr)) {
			memcpy(&hdr, data + off, sizeof(hdr));
		} else {
			memcpy(&hdr, data + off, first);
			memcpy((uint8_t *)&hdr + first, data, sizeof(hdr) - first);
		}
		if (hdr.size < sizeof(hdr) || hdr.size > head - tail) {
			s->bad++;
			tail = head; /* corrupt ring: resynchronise */
			break;
		}
		if (first >= hdr.size) {
			rec = data + off;
		} else { /* wraps around the ring end */
			memcpy(s->tmp, data + off, first);
			memcpy(s->tmp + first, data, hdr.size - first);
			rec = s->tmp;
		}
		if (hdr.type == PERF_RECORD_SAMPLE) {
			on_sample(s, rec + sizeof(hdr), hdr.size - sizeof(hdr));
		} else if (hdr.type == PERF_RECORD_LOST && hdr.size >= sizeof(hdr) + 16) {
			uint64_t lost;

			memcpy(&lost, rec + sizeof(hdr) + 8, sizeof(lost));
			s->lost += lost;
			s->batch_lost += lost;
		} else if (hdr.type == PERF_RECORD_THROTTLE) {
			/* more samples in a tick than kernel.perf_event_max_sample_rate
			 * allows: the kernel drops them until the next tick, uncounted */
			s->throttled++;
		}
		tail += hdr.size;
	}
	__atomic_store_n(&mp->data_tail, tail, __ATOMIC_RELEASE);
}

/* The process (thread group) of a task, for events the ftrace reader
 * reports by thread id; the thread itself when it is gone. */
static uint32_t tgid_of(struct tp_source *s, uint32_t tid)
{
	size_t slot = (tid * 2654435761u) % TGID_CACHE;
	char path[64], buf[512];
	const char *p;
	ssize_t len;
	uint32_t tgid = tid;
	int fd;

	if (s->tgid_cache[slot].tid == tid)
		return s->tgid_cache[slot].tgid;
	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/status", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	len = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1; /* Tgid is on the 4th line */
	if (fd >= 0)
		close(fd);
	if (len > 0) {
		buf[len] = '\0';
		p = strstr(buf, "\nTgid:");
		if (p) {
			unsigned long v = strtoul(p + 6, NULL, 10);

			if (v > 0 && v <= UINT32_MAX)
				tgid = (uint32_t)v;
		}
	}
	s->tgid_cache[slot].tid = tid;
	s->tgid_cache[slot].tgid = tgid;
	return tgid;
}

static int on_ftrace_record(void *arg, uint64_t ts, const uint8_t *data, size_t len)
{
	struct tp_source *s = arg;
	struct sock_event ev;
	int r = tp_decode_sock(&s->fmt, data, len, &ev);

	if (r == -ENOMSG) /* another event of the instance: none is enabled */
		return 0;
	if (r < 0) {
		s->bad++;
		return 0;
	}
	ev.time_ns = ts;
	s->cur_ts = ts;
	ev.tid = ev.pid; /* common_pid: the thread */
	if (ev.pid && !ev.softirq)
		ev.pid = tgid_of(s, ev.tid);
	ev.cpu = s->cur_cpu;
	s->seen++;
	if (pend_add(s, &ev) < 0) {
		s->lost++;
		s->batch_lost++;
	}
	return 0;
}

/* Reads the pages of one CPU's trace_pipe_raw until it has none, at most
 * a ring's worth a call (a writer faster than the reader cannot hold it);
 * a ring left unfinished holds back the delivery of anything later than
 * what was read of it. */
static void drain_ftrace(struct tp_source *s, struct tp_ring *rg)
{
	size_t max_pages = s->data_size / s->subbuf + 16;

	s->cur_cpu = rg->cpu;
	s->cur_ts = 0;
	for (size_t k = 0;; k++) {
		if (k == max_pages) {
			if (s->cur_ts && s->cur_ts < s->hold_ts)
				s->hold_ts = s->cur_ts;
			break;
		}
		struct rb_page_info info;
		ssize_t n = read(rg->fd, s->tmp, s->subbuf);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EAGAIN: empty */
		(void)rb_page_parse(&s->lay, s->tmp, (size_t)n, on_ftrace_record, s, &info);
		s->bad += info.bad;
		if (info.missed || info.missed_unknown) {
			uint64_t m = info.missed ? info.missed : 1; /* at least one, the count not stored */

			s->lost += m;
			s->batch_lost += m;
		}
	}
}

static void drain_all(struct tp_source *s)
{
	s->hold_ts = UINT64_MAX;
	for (unsigned i = 0; i < s->nrings; i++) {
		if (s->ftrace)
			drain_ftrace(s, &s->rings[i]);
		else
			drain_ring(s, &s->rings[i]);
	}
}

static int cmp_pending(const void *a, const void *b)
{
	const struct tp_pending *x = a, *y = b;

	if (x->ev.time_ns != y->ev.time_ns)
		return x->ev.time_ns < y->ev.time_ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Delivers pending events with time <= cutoff, in order. */
static int deliver(struct tp_source *s, uint64_t cutoff, event_sink_fn sink, void *arg)
{
	size_t i;
	int r = 0, n = 0;

	if (!s->npend) /* s->pend may be NULL: qsort and memmove must not see it */
		return 0;
	qsort(s->pend, s->npend, sizeof(*s->pend), cmp_pending);
	for (i = 0; i < s->npend && s->pend[i].ev.time_ns <= cutoff; i++) {
		n++;
		if (sink && (r = sink(arg, &s->pend[i].ev)) < 0) {
			i++;
			break;
		}
	}
	memmove(s->pend, s->pend + i, (s->npend - i) * sizeof(*s->pend));
	s->npend -= i;
	return r < 0 ? r : n;
}

int tp_poll(struct tp_source *s, int timeout_ms, event_sink_fn sink, void *arg)
{
	uint64_t now, cutoff;
	int r;

	s->batch_lost = 0;
	if (s->npend && (timeout_ms < 0 || (uint64_t)timeout_ms * 1000000ULL > s->reorder_ns))
		timeout_ms = (int)(s->reorder_ns / 1000000ULL) + 1;
	r = poll(s->pfds, s->nrings, timeout_ms);
	if (r < 0 && errno != EINTR)
		return -errno;
	now = mono_ns();
	drain_all(s);
	cutoff = now > s->reorder_ns ? now - s->reorder_ns : 0;
	if (s->npend > TP_MAX_PENDING / 2) /* filling up: deliver everything */
		cutoff = UINT64_MAX;
	if (s->hold_ts < cutoff)
		cutoff = s->hold_ts;
	return deliver(s, cutoff, sink, arg);
}

int tp_flush(struct tp_source *s, event_sink_fn sink, void *arg)
{
	int n = 0;

	for (int k = 0; k < 64; k++) { /* rings read a ring's worth at a time */
		bool done;
		int r;

		drain_all(s);
		done = s->hold_ts == UINT64_MAX;
		r = deliver(s, done ? UINT64_MAX : s->hold_ts, sink, arg);
		if (r < 0)
			return r;
		n += r;
		if (done)
			break;
	}
	return n;
}

uint64_t tp_lost(const struct tp_source *s)
{
	return s->lost;
}

uint64_t tp_batch_lost(const struct tp_source *s)
{
	return s->batch_lost;
}

uint64_t tp_throttled(const struct tp_source *s)
{
	return s->throttled;
}

uint64_t tp_bad(const struct tp_source *s)
{
	return s->bad;
}

uint64_t tp_seen(const struct tp_source *s)
{
	return s->seen;
}

const char *tp_reader_name(const struct tp_source *s)
{
	return s->ftrace ? "ftrace" : "perf";
}

unsigned tp_ncpu(const struct tp_source *s)
{
	return s->nrings;
}

const char *tp_tracefs(const struct tp_source *s, bool *mounted)
{
	if (mounted)
		*mounted = s->mounted;
	return s->tracefs;
}
