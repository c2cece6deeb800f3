// SPDX-License-Identifier: MIT
/*
 * columns: the column table and its getters.  A getter turns one record (and
 * its optional extension) into a typed value; renderers only format values.
 * Costly data is declared per column (need) so that a run fetches owners,
 * tcp_info or memory only when a selected column asks for them.
 */
#include "columns.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attrib.h"
#include "kind.h"
#include "names.h"
#include "needs.h"
#include "options.h"
#include "procmap.h"
#include "states.h"

static void set_str(struct col_val *v, const char *s)
{
	v->kind = CV_STR;
	v->str.s = s;
	v->str.n = strlen(s);
}

/* set_str() for the program's own names (states, sides, ...): plain ASCII. */
static void set_name(struct col_val *v, const char *s)
{
	set_str(v, s);
	v->plain = true;
}

static void set_uint(struct col_val *v, uint64_t u)
{
	v->kind = CV_UINT;
	v->u = u;
}

static void set_float(struct col_val *v, double f)
{
	v->kind = CV_FLOAT;
	v->f = f;
}

static void get_state(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	set_name(v, sock_state_name(r));
}

static void get_side(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	enum state_side side = sock_side(r, e);

	if (side < SIDE_MAX)
		set_name(v, side_name(side));
	else
		v->kind = CV_NULL;
}

static void get_role(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	const struct state_info *si = sock_state_info(r);

	if (si)
		set_name(v, role_name(si->role));
	else
		v->kind = CV_NULL;
}

static void get_family(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	const struct sock_kind *k = sock_kind(r);

	set_name(v, k->inet ? (r->family == AF_INET6 ? "inet6" : "inet") : k->family_name);
}

static void get_meaning(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	const struct state_info *si = sock_state_info(r);

	if (si)
		set_str(v, si->meaning);
	else
		v->kind = CV_NULL;
}

static size_t fmt_addr(struct col_ctx *cc, int family, const uint8_t addr[16], char *buf, size_t len)
{
	if (cc->resolve_hosts && cc->names && !sock_addr_is_any(family, addr)) {
		const char *h = names_host(cc->names, family, addr);

		if (h) {
			size_t n = strlen(h);

			if (n >= len)
				n = len - 1;
			memcpy(buf, h, n);
			buf[n] = '\0';
			return n;
		}
	}
	return sock_addr_str(family, addr, buf, len);
}

/* "addr:port" as the table shows it: IPv6 in brackets, '*' for wildcards,
 * service names unless -n. */
static void get_endpoint(struct col_ctx *cc, const struct sock_rec *r, bool local, struct col_val *v)
{
	const uint8_t *addr = local ? r->laddr : r->raddr;
	uint16_t port = local ? r->lport : r->rport;
	char *b = cc->scratch;
	size_t len = sizeof(cc->scratch), n = 0;
	bool numeric = !cc->resolve_hosts; /* digits, dots, colons, brackets */

	if (sock_addr_is_any(r->family, addr)) {
		b[n++] = '*';
	} else if (r->family == AF_INET6 && !cc->resolve_hosts) {
		b[n++] = '[';
		n += fmt_addr(cc, r->family, addr, b + n, len - n - 8);
		b[n++] = ']';
	} else {
		n += fmt_addr(cc, r->family, addr, b + n, len - n - 8);
	}
	b[n++] = ':';
	if (port == 0) {
		b[n++] = '*';
	} else {
		const char *svc = cc->resolve_services && cc->names ? names_service(cc->names, port) : NULL;

		if (svc)
			n += (size_t)snprintf(b + n, len - n, "%s", svc);
		else
			n += u64_fmt(b + n, port);
		numeric = numeric && !svc;
	}
	if (n >= len)
		n = len - 1;
	v->kind = CV_STR;
	v->str.s = b;
	v->str.n = n;
	v->plain = numeric;
}

/* The endpoint text of a kind without IP addresses, from its module. */
static bool kind_endpoint(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, bool local,
			  struct col_val *v)
{
	const struct sock_kind *k = sock_kind(r);

	if (k->inet)
		return false;
	if (!k->endpoint) {
		v->kind = CV_NULL;
		return true;
	}
	v->kind = CV_STR;
	v->str.s = cc->scratch;
	v->str.n = k->endpoint(r, e, local, cc->scratch, sizeof(cc->scratch));
	return true;
}

static void get_local(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	if (!kind_endpoint(cc, r, e, true, v))
		get_endpoint(cc, r, true, v);
}

static void get_peer(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	if (!kind_endpoint(cc, r, e, false, v))
		get_endpoint(cc, r, false, v);
}

static void get_netid(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	set_name(v, sock_netid(r));
}

static void get_addr(struct col_ctx *cc, const struct sock_rec *r, const uint8_t *addr, struct col_val *v)
{
	size_t n = sock_addr_str(r->family, addr, cc->scratch, sizeof(cc->scratch));

	v->kind = CV_STR;
	v->str.s = cc->scratch;
	v->str.n = n;
	v->plain = true;
}

static void get_local_addr(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	if (sock_kind(r)->inet)
		get_addr(cc, r, r->laddr, v);
	else
		v->kind = CV_NULL;
}

static void get_remote_addr(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e,
			    struct col_val *v)
{
	if (sock_kind(r)->inet)
		get_addr(cc, r, r->raddr, v);
	else
		v->kind = CV_NULL;
}

static void get_local_port(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	if (sock_kind(r)->inet)
		set_uint(v, r->lport);
	else
		v->kind = CV_NULL;
}

static void get_remote_port(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e,
			    struct col_val *v)
{
	if (sock_kind(r)->inet)
		set_uint(v, r->rport);
	else
		v->kind = CV_NULL;
}

static void get_recv_q(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	set_uint(v, r->recv_q);
}

static void get_send_q(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	if (r->flags & SOCK_F_SENDQ_UNKNOWN)
		v->kind = CV_NULL;
	else
		set_uint(v, r->send_q);
}

static void get_uid(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	set_uint(v, r->uid);
}

static void get_user(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	const char *u = cc->names ? names_user(cc->names, r->uid) : NULL;

	if (u) {
		set_str(v, u);
	} else {
		v->kind = CV_STR;
		v->str.s = cc->scratch;
		v->str.n = u64_fmt(cc->scratch, r->uid);
	}
}

static void get_inode(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	set_uint(v, r->inode);
}

static void get_cookie(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	if (r->flags & SOCK_F_COOKIE)
		set_uint(v, r->cookie);
	else
		v->kind = CV_NULL;
}

static void get_ifindex(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	set_uint(v, r->ifindex);
}

static void get_interface(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	char name[IF_NAMESIZE];

	if (!r->ifindex) {
		v->kind = CV_NULL;
		return;
	}
	if (if_indextoname(r->ifindex, name)) {
		snprintf(cc->scratch, sizeof(cc->scratch), "%s", name);
	} else {
		snprintf(cc->scratch, sizeof(cc->scratch), "if%u", r->ifindex);
	}
	set_str(v, cc->scratch);
}

static void get_shutdown(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	static const char *const names[4] = {"none", "receive", "send", "both"};

	if (r->flags & SOCK_F_SHUTDOWN)
		set_name(v, names[r->shutdown & 3]);
	else
		v->kind = CV_NULL;
}

static void get_timer(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	static const char *const names[SOCK_TIMER_MAX] = {"off", "retransmit", "keepalive", "timewait", "persist"};

	if (!(r->flags & SOCK_F_TIMER))
		v->kind = CV_NULL;
	else if (r->timer < SOCK_TIMER_MAX)
		set_name(v, names[r->timer]);
	else
		set_name(v, "other");
}

static void get_timer_expires(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e,
			      struct col_val *v)
{
	if (!(r->flags & SOCK_F_TIMER) || r->timer == SOCK_TIMER_OFF)
		v->kind = CV_NULL;
	else
		set_uint(v, r->timer_expires_ms);
}

static void get_retransmits(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e,
			    struct col_val *v)
{
	if (r->flags & SOCK_F_TIMER)
		set_uint(v, r->retransmits);
	else
		v->kind = CV_NULL;
}

static size_t owners_of(struct col_ctx *cc, const struct sock_rec *r, const struct sock_owner **ret)
{
	if (!cc->owners || !r->inode)
		return 0;
	return procmap_lookup(cc->owners, r->inode, ret);
}

static void get_processes(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e,
			  struct col_val *v)
{
	const struct sock_owner *o = NULL;

	v->kind = CV_PROCS;
	v->procs.n = owners_of(cc, r, &o);
	v->procs.v = o;
}

/* The processes at the other end of a UNIX connection: the owners of the
 * peer's inode (ss cannot show them). */
static void get_peer_processes(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e,
			       struct col_val *v)
{
	const struct sock_owner *o = NULL;

	if (r->kind != KIND_UNIX || !r->x.peer || !cc->owners) {
		v->kind = CV_NULL;
		return;
	}
	v->kind = CV_PROCS;
	v->procs.n = procmap_lookup(cc->owners, r->x.peer, &o);
	v->procs.v = o;
}

static void get_pid(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	const struct sock_owner *o;

	if (owners_of(cc, r, &o))
		set_uint(v, (uint64_t)o[0].pid);
	else
		v->kind = CV_NULL;
}

static void get_comm(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	const struct sock_owner *o;

	if (owners_of(cc, r, &o))
		set_str(v, o[0].comm);
	else
		v->kind = CV_NULL;
}

static void get_group_info(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e,
			   struct col_val *v)
{
	if (e && e->info_len) {
		v->kind = CV_OBJECT;
		v->group = CG_INFO;
	} else {
		v->kind = CV_NULL;
	}
}

static void get_group_mem(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	if (e && e->has_mem) {
		v->kind = CV_OBJECT;
		v->group = CG_MEM;
	} else {
		v->kind = CV_NULL;
	}
}

/* tcp_info fields: one getter each, null when the kernel's struct is shorter. */
#define INFO_U(fn, field)                                                                                        \
	static void fn(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v) \
	{                                                                                                        \
		if (SOCK_INFO_HAS(e, field))                                                                     \
			set_uint(v, e->info.field);                                                              \
		else                                                                                             \
			v->kind = CV_NULL;                                                                       \
	}
#define INFO_MS(fn, field)                                                                                       \
	static void fn(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v) \
	{                                                                                                        \
		if (SOCK_INFO_HAS(e, field))                                                                     \
			set_float(v, (double)e->info.field / 1000.0);                                            \
		else                                                                                             \
			v->kind = CV_NULL;                                                                       \
	}

INFO_MS(get_rtt, tcpi_rtt)
INFO_MS(get_rttvar, tcpi_rttvar)
INFO_MS(get_rto, tcpi_rto)
INFO_MS(get_min_rtt, tcpi_min_rtt)
INFO_MS(get_busy, tcpi_busy_time)
INFO_MS(get_rwnd_limited, tcpi_rwnd_limited)
INFO_MS(get_sndbuf_limited, tcpi_sndbuf_limited)
INFO_U(get_cwnd, tcpi_snd_cwnd)
INFO_U(get_ssthresh, tcpi_snd_ssthresh)
INFO_U(get_mss, tcpi_snd_mss)
INFO_U(get_rcv_mss, tcpi_rcv_mss)
INFO_U(get_retrans, tcpi_retrans)
INFO_U(get_total_retrans, tcpi_total_retrans)
INFO_U(get_lost, tcpi_lost)
INFO_U(get_unacked, tcpi_unacked)
INFO_U(get_bytes_acked, tcpi_bytes_acked)
INFO_U(get_bytes_received, tcpi_bytes_received)
INFO_U(get_bytes_sent, tcpi_bytes_sent)
INFO_U(get_bytes_retrans, tcpi_bytes_retrans)
INFO_U(get_segs_in, tcpi_segs_in)
INFO_U(get_segs_out, tcpi_segs_out)
INFO_U(get_delivery_rate, tcpi_delivery_rate)
INFO_U(get_pacing_rate, tcpi_pacing_rate)
INFO_U(get_notsent, tcpi_notsent_bytes)
INFO_U(get_snd_wnd, tcpi_snd_wnd)

static void get_cong(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	if (e && e->cong[0]) {
		v->kind = CV_STR;
		v->str.s = e->cong;
		v->str.n = strnlen(e->cong, sizeof(e->cong));
	} else {
		v->kind = CV_NULL;
	}
}

/* TOS of a v4 socket, traffic class of a v6 one (asked for: NEED_TOS). */
static void get_tos(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	if (e && e->has_tos)
		set_uint(v, e->tos);
	else
		v->kind = CV_NULL;
}

static void get_priority(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	if (e && e->has_class)
		set_uint(v, e->class_id);
	else
		v->kind = CV_NULL;
}

static void get_mark(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	if (e && e->has_mark)
		set_uint(v, e->mark);
	else
		v->kind = CV_NULL;
}

/* ss --inet-sockopt's words, in SOCK_OPT_* order. */
static const char *const sockopt_names[SOCK_OPT_COUNT] = {
	"recverr", "is_icsk", "freebind", "hdrincl", "mc_loop", "transparent", "mc_all", "nodefrag",
	"bind_addr_no_port", "recverr_rfc4884", "defer_connect",
};

size_t sockopt_text(uint16_t bits, char *buf, size_t len)
{
	size_t n = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned i = 0; i < SOCK_OPT_COUNT && len; i++) {
		int k;

		if (!(bits & (1u << i)))
			continue;
		k = snprintf(buf + n, len - n, "%s%s", n ? "," : "", sockopt_names[i]);
		if (k < 0 || (size_t)k >= len - n) {
			buf[n] = '\0'; /* whole words only */
			break;
		}
		n += (size_t)k;
	}
	return n;
}

static void get_sockopt(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	if (!e || !e->has_sockopt) {
		v->kind = CV_NULL;
		return;
	}
	v->kind = CV_STR;
	v->plain = true;
	v->str.s = cc->scratch;
	v->str.n = sockopt_text(e->sockopt, cc->scratch, sizeof(cc->scratch));
}

/* True if /proc/PID/task/TID/fd/FD is the socket inode. */
static bool task_fd_is(const char *dir, int fd, uint64_t inode)
{
	char path[160], link[64], want[40];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/fd/%d", dir, fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = '\0';
	snprintf(want, sizeof(want), "socket:[%llu]", (unsigned long long)inode);
	return !strcmp(link, want);
}

/* True if the task's fd table holds the socket: at fd first (threads share
 * their process's table), else anywhere (a task with a table of its own). */
static bool task_holds(const char *dir, int fd, uint64_t inode)
{
	char path[160];
	struct dirent *de;
	bool found;
	DIR *d;

	if (task_fd_is(dir, fd, inode))
		return true;
	snprintf(path, sizeof(path), "%s/fd", dir);
	d = opendir(path);
	if (!d)
		return false;
	found = false;
	while (!found && (de = readdir(d)) != NULL) {
		int other = (int)strtol(de->d_name, NULL, 10);

		if (de->d_name[0] != '.' && other != fd)
			found = task_fd_is(dir, other, inode);
	}
	closedir(d);
	return found;
}

/* -T: "tid(comm),..." of the threads of the owning processes that hold the
 * socket, read from /proc/PID/task on demand (only the owners' pids). */
static void get_threads(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	const struct sock_owner *o;
	size_t no = owners_of(cc, r, &o), n = 0;
	char *b = cc->scratch;
	size_t len = sizeof(cc->scratch);
	bool cut = false;

	v->kind = CV_NULL;
	for (size_t i = 0; i < no && !cut; i++) {
		char path[64], dir[128], comm[32];
		struct dirent *de;
		DIR *d;

		snprintf(path, sizeof(path), "/proc/%d/task", (int)o[i].pid);
		d = opendir(path);
		if (!d)
			continue;
		while (!cut && (de = readdir(d)) != NULL) {
			FILE *f;
			int k;

			if (de->d_name[0] < '0' || de->d_name[0] > '9')
				continue;
			snprintf(dir, sizeof(dir), "%s/%s", path, de->d_name);
			if (!task_holds(dir, o[i].fd, r->inode))
				continue;
			comm[0] = '\0';
			snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/comm");
			f = fopen(dir, "re");
			if (f) {
				if (!fgets(comm, sizeof(comm), f))
					comm[0] = '\0';
				fclose(f);
			}
			comm[strcspn(comm, "\n")] = '\0';
			k = snprintf(b + n, len - n, "%s%s(%s)", n ? "," : "", de->d_name, comm);
			if (k < 0 || (size_t)k >= len - n) {
				b[n] = '\0';
				cut = true;
				if (n + 4 < len)
					n += (size_t)snprintf(b + n, len - n, ",...");
				break;
			}
			n += (size_t)k;
		}
		closedir(d);
	}
	if (n) {
		v->kind = CV_STR;
		v->str.s = b;
		v->str.n = n;
	}
}

/* -O: the detail columns as "name:value" words, ss -O's one line. */
static void get_details(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	struct obuf o;
	size_t n = 0;

	v->kind = CV_NULL;
	if (!cc->ndetails || obuf_init(&o, -1, 256) < 0)
		return;
	for (size_t i = 0; i < cc->ndetails; i++) {
		const struct column *c = cc->details[i];
		struct col_val dv;

		column_get(c, cc, r, e, &dv);
		if (dv.kind == CV_NULL || (dv.kind == CV_PROCS && !dv.procs.n))
			continue;
		if (o.len)
			obuf_putc(&o, ' ');
		obuf_printf(&o, "%s:", c->name);
		col_val_text(&dv, &o, false);
	}
	if (!o.err && o.len) {
		n = o.len < sizeof(cc->line) - 1 ? o.len : sizeof(cc->line) - 1;
		memcpy(cc->line, o.buf, n);
		cc->line[n] = '\0';
		v->kind = CV_STR;
		v->str.s = cc->line;
		v->str.n = n;
	}
	obuf_free(&o);
}

#define MEM_U(fn, field)                                                                                         \
	static void fn(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v) \
	{                                                                                                        \
		if (e && e->has_mem)                                                                             \
			set_uint(v, e->mem.field);                                                               \
		else                                                                                             \
			v->kind = CV_NULL;                                                                       \
	}

MEM_U(get_rmem_alloc, rmem_alloc)
MEM_U(get_rcvbuf, rcvbuf)
MEM_U(get_wmem_alloc, wmem_alloc)
MEM_U(get_sndbuf, sndbuf)
MEM_U(get_fwd_alloc, fwd_alloc)
MEM_U(get_wmem_queued, wmem_queued)
MEM_U(get_optmem, optmem)
MEM_U(get_mem_backlog, backlog)
MEM_U(get_drops, drops)

static void get_tx_rate(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	if (cc->rate)
		set_float(v, cc->rate->tx_bps);
	else
		v->kind = CV_NULL;
}

static void get_rx_rate(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	if (cc->rate)
		set_float(v, cc->rate->rx_bps);
	else
		v->kind = CV_NULL;
}

/* ---- attribution (NEED_CGROUP) ---------------------------------------- */

static const struct attrib_view *view_of(struct col_ctx *cc, const struct sock_rec *r)
{
	return cc->attr ? attrib_view(cc->attr, r, cc->owners) : NULL;
}

static void set_opt_str(struct col_val *v, const char *s)
{
	if (s && s[0])
		set_str(v, s);
	else
		v->kind = CV_NULL;
}

#define ATTR_GETTER(fn, field)                                                                                   \
	static void fn(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v) \
	{                                                                                                        \
		const struct attrib_view *av = view_of(cc, r);                                                   \
		set_opt_str(v, av ? av->field : NULL);                                                           \
	}

ATTR_GETTER(get_where, where)
ATTR_GETTER(get_netns, netns)
ATTR_GETTER(get_container_id, container_id)
ATTR_GETTER(get_container, container)
ATTR_GETTER(get_pod, pod)
ATTR_GETTER(get_pod_ns, pod_ns)
ATTR_GETTER(get_unit, unit)
ATTR_GETTER(get_cgroup, cgroup)

#undef ATTR_GETTER

static void get_netns_inode(struct col_ctx *cc, const struct sock_rec *r, const struct sock_ext *e, struct col_val *v)
{
	const struct attrib_view *av = view_of(cc, r);

	if (av && av->netns_ino)
		set_uint(v, av->netns_ino);
	else
		v->kind = CV_NULL;
}

#define I NEED_INFO
#define M NEED_MEM
#define R COLF_RIGHT

static const struct column columns[] = {
	{"netid", "Netid", CT_STR, CG_NONE, 0, 0,
	 "socket kind as ss names it: tcp, udp, udpl, raw, u_str, u_dgr, u_seq, p_raw, p_dgr, nl, mptcp", get_netid},
	{"state", "State", CT_STR, CG_NONE, 0, 0,
	 "state in the kind's words: TCP's 11 (LISTEN, SYN-SENT, ..., CLOSED), UNCONN, ESTAB", get_state},
	{"side", "Side", CT_STR, CG_NONE, 0, 0, "who usually holds this state: client, server or both", get_side},
	{"role", "Role", CT_STR, CG_NONE, 0, 0,
	 "precise holder: active-opener, passive-opener, both, active-closer, passive-closer, "
	 "simultaneous-closer or none",
	 get_role},
	{"meaning", "Meaning", CT_STR, CG_NONE, 0, 0, "one-line meaning of the state", get_meaning},
	{"family", "Family", CT_STR, CG_NONE, 0, 0, "address family: inet, inet6, unix, link or netlink", get_family},
	{"local", "Local Address:Port", CT_STR, CG_NONE, COLF_TABLE, NEED_NAMES,
	 "local endpoint as text (brackets for IPv6, * for wildcards, service names unless -n)", get_local},
	{"peer", "Peer Address:Port", CT_STR, CG_NONE, COLF_TABLE, NEED_NAMES, "remote endpoint as text", get_peer},
	{"local_addr", "Local Address", CT_STR, CG_NONE, 0, 0, "local address (0.0.0.0 or :: when unbound)",
	 get_local_addr},
	{"local_port", "Local Port", CT_UINT, CG_NONE, R, 0, "local port (0 when unbound)", get_local_port},
	{"remote_addr", "Remote Address", CT_STR, CG_NONE, 0, 0, "remote address (0.0.0.0 or :: when none)",
	 get_remote_addr},
	{"remote_port", "Remote Port", CT_UINT, CG_NONE, R, 0, "remote port (0 when none)", get_remote_port},
	{"recv_q", "Recv-Q", CT_UINT, CG_NONE, R, 0,
	 "bytes received but not read by the application; for LISTEN, the accept queue length", get_recv_q},
	{"send_q", "Send-Q", CT_UINT, CG_NONE, R, 0,
	 "bytes sent but not acknowledged; for LISTEN, the backlog (null when unknown: /proc)", get_send_q},
	{"uid", "UID", CT_UINT, CG_NONE, R, 0, "user id owning the socket (0 for TIME-WAIT and request sockets)",
	 get_uid},
	{"user", "User", CT_STR, CG_NONE, 0, NEED_USER, "user name owning the socket", get_user},
	{"inode", "Inode", CT_UINT, CG_NONE, R, 0, "socket inode (0 when the socket has no file)", get_inode},
	{"cookie", "Cookie", CT_UINT, CG_NONE, R, 0, "kernel socket cookie (null on the /proc back end)", get_cookie},
	{"ifindex", "IfIndex", CT_UINT, CG_NONE, R, 0, "index of the bound interface (0 if none)", get_ifindex},
	{"interface", "Interface", CT_STR, CG_NONE, 0, 0, "name of the bound interface (null if none)",
	 get_interface},
	{"shutdown", "Shutdown", CT_STR, CG_NONE, 0, NEED_SHUTDOWN,
	 "directions shut down: none, receive, send or both (null when unknown)", get_shutdown},
	{"timer", "Timer", CT_STR, CG_NONE, 0, 0, "active timer: off, retransmit, keepalive, timewait or persist",
	 get_timer},
	{"timer_expires_ms", "Expires(ms)", CT_UINT, CG_NONE, R, 0, "milliseconds until the timer fires",
	 get_timer_expires},
	{"retransmits", "Retrans", CT_UINT, CG_NONE, R, 0, "retransmissions of the current timer", get_retransmits},
	{"processes", "Process", CT_PROCS, CG_NONE, 0, NEED_OWNERS,
	 "owning processes: pid, command name and fd of each (empty when none or not visible)", get_processes},
	{"peer_processes", "Peer Process", CT_PROCS, CG_NONE, 0, NEED_OWNERS,
	 "UNIX: the processes holding the other end of the connection", get_peer_processes},
	{"pid", "PID", CT_UINT, CG_NONE, R, NEED_OWNERS, "pid of the first owning process", get_pid},
	{"comm", "Command", CT_STR, CG_NONE, 0, NEED_OWNERS, "command name of the first owning process", get_comm},
	{"where", "Where", CT_STR, CG_NONE, 0, NEED_CGROUP,
	 "who holds the socket: host, pod:NS/NAME, docker:NAME (or another runtime), unit:NAME.service, netns:NAME "
	 "or netns:INODE (default with --all-netns)",
	 get_where},
	{"netns", "Netns", CT_STR, CG_NONE, 0, NEED_CGROUP,
	 "network namespace: host (the reader's), the ip netns name, the pod or container holding it, or net:[INODE]",
	 get_netns},
	{"netns_inode", "NetnsIno", CT_UINT, CG_NONE, R, NEED_CGROUP,
	 "inode of the network namespace (null when read through /proc/PID/net only)", get_netns_inode},
	{"container_id", "Container ID", CT_STR, CG_NONE, 0, NEED_CGROUP,
	 "container id, 12 hex digits, from the cgroup (null if none)", get_container_id},
	{"container", "Container", CT_STR, CG_NONE, 0, NEED_CGROUP,
	 "container name: Docker's, the Kubernetes container's, the LXC name (null if unknown)", get_container},
	{"pod", "Pod", CT_STR, CG_NONE, 0, NEED_CGROUP, "Kubernetes pod name (null if none)", get_pod},
	{"pod_namespace", "Pod NS", CT_STR, CG_NONE, 0, NEED_CGROUP, "Kubernetes namespace of the pod (null if none)",
	 get_pod_ns},
	{"unit", "Unit", CT_STR, CG_NONE, 0, NEED_CGROUP, "systemd unit outside any container (null if none)",
	 get_unit},
	{"cgroup", "Cgroup", CT_STR, CG_NONE, 0, NEED_CGROUP,
	 "cgroup v2 path of the owning process (-p) or of the socket (null for TIME-WAIT and /proc)", get_cgroup},
	{"tos", "TOS", CT_UINT, CG_NONE, R, NEED_TOS,
	 "IPv4 type of service byte, IPv6 traffic class (INET_DIAG_TOS / TCLASS; null for TIME-WAIT and requests)",
	 get_tos},
	{"priority", "Priority", CT_UINT, CG_NONE, R, NEED_TOS | NEED_SOCKOPT,
	 "SO_PRIORITY, as INET_DIAG_CLASS_ID reports it (the net_cls class id instead when one is set)", get_priority},
	{"mark", "Mark", CT_UINT, CG_NONE, R, NEED_SOCKOPT,
	 "SO_MARK (INET_DIAG_MARK: the kernel sends it only to CAP_NET_ADMIN, else null)", get_mark},
	{"sockopt", "SockOpt", CT_STR, CG_NONE, 0, NEED_SOCKOPT,
	 "inet socket options set (INET_DIAG_SOCKOPT): recverr, is_icsk, freebind, hdrincl, mc_loop, transparent, "
	 "mc_all, nodefrag, bind_addr_no_port, recverr_rfc4884, defer_connect",
	 get_sockopt},
	{"threads", "Threads", CT_STR, CG_NONE, 0, NEED_OWNERS,
	 "threads of the owning processes that hold the socket, as tid(comm) (-T)", get_threads},
	{"details", "Details", CT_STR, CG_NONE, 0, 0,
	 "-O: the detail columns (-e -o -i -m -T --inet-sockopt) as name:value words", get_details},
	{"tcp_info", "TCP Info", CT_OBJECT, CG_NONE, 0, I, "all tcp_info columns below, as one object in JSON",
	 get_group_info},
	{"rtt_ms", "RTT(ms)", CT_FLOAT, CG_INFO, R, I, "smoothed round-trip time, ms", get_rtt},
	{"rttvar_ms", "RTTVar", CT_FLOAT, CG_INFO, R, I, "round-trip time variance, ms", get_rttvar},
	{"rto_ms", "RTO(ms)", CT_FLOAT, CG_INFO, R, I, "retransmission timeout, ms", get_rto},
	{"min_rtt_ms", "MinRTT", CT_FLOAT, CG_INFO, R, I, "minimum round-trip time seen, ms", get_min_rtt},
	{"cwnd", "Cwnd", CT_UINT, CG_INFO, R, I, "congestion window, segments", get_cwnd},
	{"ssthresh", "Ssthresh", CT_UINT, CG_INFO, R, I, "slow-start threshold, segments", get_ssthresh},
	{"mss", "MSS", CT_UINT, CG_INFO, R, I, "sender maximum segment size, bytes", get_mss},
	{"rcv_mss", "RcvMSS", CT_UINT, CG_INFO, R, I, "receiver maximum segment size estimate, bytes", get_rcv_mss},
	{"unacked", "Unacked", CT_UINT, CG_INFO, R, I, "segments sent and not acknowledged", get_unacked},
	{"retrans", "Retr", CT_UINT, CG_INFO, R, I, "segments being retransmitted now", get_retrans},
	{"total_retrans", "TotRetr", CT_UINT, CG_INFO, R, I, "segments retransmitted over the connection's life",
	 get_total_retrans},
	{"lost", "Lost", CT_UINT, CG_INFO, R, I, "segments considered lost", get_lost},
	{"bytes_acked", "BytesAcked", CT_UINT, CG_INFO, R, I, "bytes sent and acknowledged", get_bytes_acked},
	{"bytes_received", "BytesRcvd", CT_UINT, CG_INFO, R, I, "bytes received", get_bytes_received},
	{"bytes_sent", "BytesSent", CT_UINT, CG_INFO, R, I, "bytes sent, retransmissions included", get_bytes_sent},
	{"bytes_retrans", "BytesRetr", CT_UINT, CG_INFO, R, I, "bytes retransmitted", get_bytes_retrans},
	{"segs_in", "SegsIn", CT_UINT, CG_INFO, R, I, "segments received", get_segs_in},
	{"segs_out", "SegsOut", CT_UINT, CG_INFO, R, I, "segments sent", get_segs_out},
	{"notsent_bytes", "NotSent", CT_UINT, CG_INFO, R, I, "bytes queued and not yet sent", get_notsent},
	{"snd_wnd", "SndWnd", CT_UINT, CG_INFO, R, I, "peer's advertised receive window, bytes", get_snd_wnd},
	{"delivery_rate", "DelivRate", CT_UINT, CG_INFO, R, I, "delivery rate estimate, bytes/s",
	 get_delivery_rate},
	{"pacing_rate", "PacingRate", CT_UINT, CG_INFO, R, I, "pacing rate, bytes/s", get_pacing_rate},
	{"busy_ms", "Busy(ms)", CT_FLOAT, CG_INFO, R, I, "time spent sending data, ms", get_busy},
	{"rwnd_limited_ms", "RwndLim", CT_FLOAT, CG_INFO, R, I, "time limited by the receive window, ms",
	 get_rwnd_limited},
	{"sndbuf_limited_ms", "SndbufLim", CT_FLOAT, CG_INFO, R, I, "time limited by the send buffer, ms",
	 get_sndbuf_limited},
	{"cong", "Cong", CT_STR, CG_INFO, 0, I | NEED_CONG, "congestion control algorithm", get_cong},
	{"memory", "Memory", CT_OBJECT, CG_NONE, 0, M, "all socket memory columns below, as one object in JSON",
	 get_group_mem},
	{"rmem_alloc", "RmemAlloc", CT_UINT, CG_MEM, R, M, "receive queue memory, bytes", get_rmem_alloc},
	{"rcvbuf", "RcvBuf", CT_UINT, CG_MEM, R, M, "receive buffer size, bytes", get_rcvbuf},
	{"wmem_alloc", "WmemAlloc", CT_UINT, CG_MEM, R, M, "transmit queue memory, bytes", get_wmem_alloc},
	{"sndbuf", "SndBuf", CT_UINT, CG_MEM, R, M, "send buffer size, bytes", get_sndbuf},
	{"fwd_alloc", "FwdAlloc", CT_UINT, CG_MEM, R, M, "memory reserved for future use, bytes", get_fwd_alloc},
	{"wmem_queued", "WmemQueued", CT_UINT, CG_MEM, R, M, "memory of queued transmit data, bytes",
	 get_wmem_queued},
	{"optmem", "OptMem", CT_UINT, CG_MEM, R, M, "option memory, bytes", get_optmem},
	{"backlog", "Backlog", CT_UINT, CG_MEM, R, M, "socket backlog queue memory, bytes", get_mem_backlog},
	{"drops", "Drops", CT_UINT, CG_MEM, R, M, "packets dropped before reaching the socket", get_drops},
	{"tx_rate", "TX/s", CT_FLOAT, CG_NONE, R, I, "bytes/s acknowledged by the peer (live view; null elsewhere)",
	 get_tx_rate},
	{"rx_rate", "RX/s", CT_FLOAT, CG_NONE, R, I, "bytes/s received (live view; null elsewhere)", get_rx_rate},
};

#undef I
#undef M
#undef R

#define NCOMMON (sizeof(columns) / sizeof(columns[0]))

size_t columns_count(void)
{
	size_t n = NCOMMON;

	for (unsigned k = 0; k < KIND_MAX; k++)
		n += kind_get(k) ? kind_get(k)->ncolumns : 0;
	return n;
}

const struct column *column_at(size_t i)
{
	if (i < NCOMMON)
		return &columns[i];
	i -= NCOMMON;
	for (unsigned k = 0; k < KIND_MAX; k++) {
		const struct sock_kind *kd = kind_get(k);

		if (!kd)
			continue;
		if (i < kd->ncolumns)
			return &kd->columns[i];
		i -= kd->ncolumns;
	}
	return NULL;
}

static bool name_eq(const char *a, const char *b, size_t blen)
{
	size_t i = 0;

	for (; i < blen && a[i]; i++) {
		char x = a[i] == '-' ? '_' : (char)tolower((unsigned char)a[i]);
		char y = b[i] == '-' ? '_' : (char)tolower((unsigned char)b[i]);

		if (x != y)
			return false;
	}
	return i == blen && a[i] == '\0';
}

static const struct column *find_n(const char *name, size_t len)
{
	const struct column *c;

	for (size_t i = 0; (c = column_at(i)) != NULL; i++)
		if (name_eq(c->name, name, len))
			return c;
	return NULL;
}

const struct column *column_find(const char *name)
{
	return find_n(name, strlen(name));
}

int columns_parse(const char *list, const struct column **out, size_t max, char *err, size_t errlen)
{
	size_t n = 0;
	const char *p = list;

	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const struct column *c;

		while (len && *p == ' ') {
			p++;
			len--;
		}
		while (len && p[len - 1] == ' ')
			len--;
		if (len) {
			c = find_n(p, len);
			if (!c) {
				snprintf(err, errlen, "unknown column '%.*s' (see --list-columns)", (int)(len > 64 ? 64 : len),
					 p);
				return -EINVAL;
			}
			if (n >= max) {
				snprintf(err, errlen, "too many columns (at most %zu)", max);
				return -EINVAL;
			}
			out[n++] = c;
		}
		if (!end)
			break;
		p = end + 1;
	}
	if (n == 0) {
		snprintf(err, errlen, "empty column list");
		return -EINVAL;
	}
	return (int)n;
}

/* The group an object column stands for (CG_NONE for other columns). */
static enum col_group object_group(const struct column *c)
{
	if (c->get == get_group_info)
		return CG_INFO;
	if (c->get == get_group_mem)
		return CG_MEM;
	return CG_NONE;
}

/* Appends the columns of group g to out[n..max). */
static size_t append_group(const struct column **out, size_t n, size_t max, enum col_group g)
{
	const struct column *c;

	for (size_t i = 0; (c = column_at(i)) != NULL; i++)
		if (c->group == g && n < max)
			out[n++] = c;
	return n;
}

size_t column_members(const struct column *obj, const struct column **out, size_t n, size_t max)
{
	enum col_group g = object_group(obj);

	return g == CG_NONE ? n : append_group(out, n, max, g);
}

unsigned columns_needs(const struct column *const *cols, size_t n)
{
	const struct column *members[COLUMNS_MAX];
	unsigned need = 0;

	for (size_t i = 0; i < n; i++) {
		size_t nm = column_members(cols[i], members, 0, COLUMNS_MAX);

		need |= cols[i]->need;
		for (size_t j = 0; j < nm; j++)
			need |= members[j]->need;
	}
	return need;
}

const char *col_type_name(enum col_type t)
{
	switch (t) {
	case CT_STR:
		return "string";
	case CT_UINT:
		return "integer";
	case CT_FLOAT:
		return "number";
	case CT_PROCS:
		return "array";
	case CT_OBJECT:
		return "object";
	}
	return "?";
}

void columns_list(struct obuf *o)
{
	const struct column *c;

	for (size_t i = 0; (c = column_at(i)) != NULL; i++)
		obuf_printf(o, "%s\t%s\t%s\n", c->name, col_type_name(c->type), c->desc);
}

static size_t add(const struct column **out, size_t n, size_t max, const char *name)
{
	const struct column *c = column_find(name);

	if (c && n < max)
		out[n++] = c;
	return n;
}

static size_t add_group(const struct column **out, size_t n, size_t max, enum col_group g, bool table)
{
	static const char *const table_info[] = {"rtt_ms", "rto_ms", "cwnd", "retrans", "total_retrans",
						 "bytes_acked", "bytes_received", "cong"};

	if (table && g == CG_INFO) {
		for (size_t i = 0; i < sizeof(table_info) / sizeof(table_info[0]); i++)
			n = add(out, n, max, table_info[i]);
		return n;
	}
	return append_group(out, n, max, g);
}

size_t columns_default(const struct options *opt, const struct column **out, size_t max)
{
	size_t n = 0;
	bool table = opt->format == FMT_TABLE;
	bool json = opt->format == FMT_JSON || opt->format == FMT_JSONL;

	uint32_t kinds = opt->kinds ? opt->kinds : KIND_BIT(KIND_TCP);

	/* ss's Netid column, when more than one kind (or a kind with several
	 * types: UNIX, packet) is shown; always in data */
	if (!table || (kinds & (kinds - 1)) || (kind_get(__builtin_ctz(kinds)) && kind_get(__builtin_ctz(kinds))->nsubtypes))
		n = add(out, n, max, "netid");
	if (table) {
		static const char *const base[] = {"state", "recv_q", "send_q", "local", "peer", "side"};

		for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
			n = add(out, n, max, base[i]);
		if (opt->extended) {
			n = add(out, n, max, "user");
			n = add(out, n, max, "inode");
			n = add(out, n, max, "cookie");
			n = add(out, n, max, "interface");
			n = add(out, n, max, "shutdown");
		}
		if (opt->timers) {
			n = add(out, n, max, "timer");
			n = add(out, n, max, "timer_expires_ms");
			n = add(out, n, max, "retransmits");
		}
		if (opt->info)
			n = add_group(out, n, max, CG_INFO, true);
		if (opt->memory)
			n = add_group(out, n, max, CG_MEM, true);
		if (opt->all_netns)
			n = add(out, n, max, "where");
		if (opt->processes)
			n = add(out, n, max, "processes");
		if (opt->processes && (kinds & KIND_BIT(KIND_UNIX)))
			n = add(out, n, max, "peer_processes");
		if (opt->threads)
			n = add(out, n, max, "threads");
		if (opt->inet_sockopt)
			n = add(out, n, max, "sockopt");
		return n;
	}

	static const char *const base[] = {"state",       "side",  "role", "family", "local_addr", "local_port",
					   "remote_addr", "remote_port", "recv_q", "send_q", "uid", "inode", "cookie"};

	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		n = add(out, n, max, base[i]);
	if (opt->extended) {
		n = add(out, n, max, "user");
		n = add(out, n, max, "interface");
		n = add(out, n, max, "shutdown");
	}
	if (opt->timers) {
		n = add(out, n, max, "timer");
		n = add(out, n, max, "timer_expires_ms");
		n = add(out, n, max, "retransmits");
	}
	if (opt->processes) {
		if (json) {
			n = add(out, n, max, "processes");
		} else {
			n = add(out, n, max, "pid");
			n = add(out, n, max, "comm");
		}
	}
	if (opt->all_netns) {
		static const char *const where[] = {"where", "netns", "netns_inode", "container_id", "container",
						    "pod", "pod_namespace", "unit"};

		for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++)
			n = add(out, n, max, where[i]);
	}
	if (opt->info)
		n = json ? add(out, n, max, "tcp_info") : add_group(out, n, max, CG_INFO, false);
	if (opt->memory)
		n = json ? add(out, n, max, "memory") : add_group(out, n, max, CG_MEM, false);
	if (opt->threads)
		n = add(out, n, max, "threads");
	if (opt->inet_sockopt)
		n = add(out, n, max, "sockopt");
	return n;
}

int columns_pick(const struct options *opt, const struct column **cols, size_t max, const struct column **details,
		 size_t *ndetails, char *err, size_t errlen)
{
	const struct column *tmp[COLUMNS_MAX], *base[COLUMNS_MAX] = {NULL};
	bool json = opt->format == FMT_JSON || opt->format == FMT_JSONL;
	size_t n = 0, nbase = 0, nd = 0;
	int got;

	if (opt->columns) {
		got = columns_parse(opt->columns, tmp, COLUMNS_MAX, err, errlen);
		if (got < 0)
			return got;
	} else {
		got = (int)columns_default(opt, tmp, COLUMNS_MAX);
	}
	if (opt->oneline && opt->format == FMT_TABLE && !opt->columns) {
		/* the columns of a plain listing stay; those the detail options
		 * add become name:value words of one last column */
		struct options plain = *opt;

		plain.extended = plain.timers = plain.info = plain.memory = false;
		plain.threads = plain.inet_sockopt = false;
		nbase = columns_default(&plain, base, COLUMNS_MAX);
	}
	for (int i = 0; i < got; i++) {
		bool in_base = nbase == 0;

		for (size_t j = 0; j < nbase && !in_base; j++)
			in_base = base[j] == tmp[i];
		if (!in_base) {
			if (details && nd < COLUMNS_MAX)
				nd = tmp[i]->type == CT_OBJECT ? column_members(tmp[i], details, nd, COLUMNS_MAX)
							       : (details[nd] = tmp[i], nd + 1);
			continue;
		}
		if (tmp[i]->type != CT_OBJECT || json) {
			if (n < max)
				cols[n++] = tmp[i];
			continue;
		}
		n = column_members(tmp[i], cols, n, max);
	}
	if (nd && n < max)
		cols[n++] = column_find("details");
	if (ndetails)
		*ndetails = nd;
	return (int)n;
}

int col_val_cmp(const struct col_val *a, const struct col_val *b)
{
	if (a->kind == CV_NULL || b->kind == CV_NULL)
		return (a->kind != CV_NULL) - (b->kind != CV_NULL);
	switch (a->kind) {
	case CV_UINT:
		return (a->u > b->u) - (a->u < b->u);
	case CV_FLOAT:
		return (a->f > b->f) - (a->f < b->f);
	case CV_STR: {
		size_t n = a->str.n < b->str.n ? a->str.n : b->str.n;
		int c = memcmp(a->str.s, b->str.s, n);

		return c ? c : (a->str.n > b->str.n) - (a->str.n < b->str.n);
	}
	case CV_PROCS:
		if (!a->procs.n || !b->procs.n)
			return (a->procs.n > 0) - (b->procs.n > 0);
		return strcmp(a->procs.v[0].comm, b->procs.v[0].comm);
	default:
		return 0;
	}
}

/*
 * snprintf("%.3f") with trailing zeros trimmed (1.500 -> 1.5, 2.000 -> 2).
 * snprintf() of a double is slow, so the usual values (0 <= f < 1e9) are
 * rounded by hand when that is safe: x = f * 1000 is off from the exact
 * product by at most 1e12 * 2^-53 < 1e-3, so unless the fraction of x is
 * within 1e-3 of a half, rounding x gives the digits printf would print.
 * Near a tie, and for anything else, snprintf() decides.
 */
static size_t fmt_float3(char *b, size_t len, double f)
{
	int n;

	if (f >= 0 && f < 1e9 && !signbit(f)) {
		double x = f * 1000.0;
		uint64_t t = (uint64_t)x;
		double frac = x - (double)t;

		if (frac < 0.5 - 1e-3 || frac > 0.5 + 1e-3) {
			size_t k;
			unsigned m;

			t += frac > 0.5;
			k = u64_fmt(b, t / 1000);
			m = (unsigned)(t % 1000);
			if (m) {
				b[k++] = '.';
				b[k++] = (char)('0' + m / 100);
				b[k++] = (char)('0' + m / 10 % 10);
				b[k++] = (char)('0' + m % 10);
				while (b[k - 1] == '0')
					k--;
			}
			return k;
		}
	}
	n = snprintf(b, len, "%.3f", f);
	if (n < 0)
		return 0;
	if ((size_t)n >= len)
		n = (int)len - 1;
	while (n > 0 && b[n - 1] == '0')
		n--;
	if (n > 0 && b[n - 1] == '.')
		n--;
	return (size_t)n;
}

void col_val_text(const struct col_val *v, struct obuf *o, bool null_empty)
{
	switch (v->kind) {
	case CV_NULL:
	case CV_OBJECT:
		if (!null_empty)
			obuf_putc(o, '-');
		break;
	case CV_UINT:
		obuf_u64(o, v->u);
		break;
	case CV_FLOAT: {
		char b[64];
		size_t n = fmt_float3(b, sizeof(b), v->f);

		obuf_put(o, b, n);
		break;
	}
	case CV_STR:
		obuf_put(o, v->str.s, v->str.n);
		break;
	case CV_PROCS:
		if (!v->procs.n && !null_empty)
			obuf_putc(o, '-');
		for (size_t i = 0; i < v->procs.n; i++) {
			if (i)
				obuf_putc(o, ',');
			obuf_printf(o, "%s(pid=%d,fd=%d)", v->procs.v[i].comm, (int)v->procs.v[i].pid,
				    (int)v->procs.v[i].fd);
		}
		break;
	}
}
