// SPDX-License-Identifier: MIT
/*
 * floor-dump: the physical floor for listing TCP sockets.  A bare libmnl
 * dump of IPv4 and IPv6 TCP sockets in every state (request sockets and
 * bound-inactive ones included) in one walk of the kernel's tables (the
 * TCPDIAG_GETSOCK request, which covers both families; --per-family sends one
 * SOCK_DIAG_BY_FAMILY request per family instead, as ss does, and walks the
 * tables twice), received into a 64 KiB buffer on a socket with
 * a 4 MiB receive buffer, each message formatted by hand into one line --
 * state, Recv-Q, Send-Q, local and peer address:port -- on a buffered stdout.
 * --info (-i) also asks for INET_DIAG_INFO and appends rtt (ms) and cwnd.
 * -p first walks /proc/[pid]/fd once into an inode -> (pid, fd) hash (the
 * first owner of each inode only) and appends the owner's pid, fd and comm,
 * read once per owning process: the floor for `ss -p` and `sockscope -p`.
 * --udp lists UDP sockets instead (inet_diag protocol 17: one
 * SOCK_DIAG_BY_FAMILY request per family, the kernel has no one-walk request
 * for UDP), the same line per socket; --unix lists UNIX sockets (unix_diag,
 * UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN, as ss -x asks):
 * type (ss's Netid), state, Recv-Q, Send-Q, name (abstract names with a leading '@', their
 * NULs as '@', unnamed '*'), inode, peer inode.  --tcp names TCP explicitly;
 * several kinds dump one after the other on the same socket, each line then
 * led by ss's Netid (tcp, udp, u_str, u_dgr, u_seq): the floor for
 * `sockscope -A tcp,udp,unix`.
 * It does not sort, filter, resolve or check anything: whatever a real tool
 * does beyond this costs the difference.
 */
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "floorlib.h"

static const char *const state_names[] = {
	[0] = "UNKNOWN",     [1] = "ESTAB",      [2] = "SYN-SENT",   [3] = "SYN-RECV",
	[4] = "FIN-WAIT-1",  [5] = "FIN-WAIT-2", [6] = "TIME-WAIT",  [7] = "UNCONN",
	[8] = "CLOSE-WAIT",  [9] = "LAST-ACK",   [10] = "LISTEN",    [11] = "CLOSING",
	[12] = "SYN-RECV",
};

static bool want_info, want_procs, per_family, want_netid;
static const char *netid; /* of the inet kind being dumped, when want_netid */
static long nsockets;

/* inode -> first owner (pid, fd); open addressing, power-of-two size */
struct owner {
	uint64_t inode; /* 0: empty slot */
	int pid;
	int fd;
};
static struct owner *owners;
static size_t owners_cap, owners_n;

/* pid -> comm, filled lazily for owning pids only */
struct comm {
	int pid; /* 0: empty */
	char name[20];
};
static struct comm *comms;
static size_t comms_cap, comms_n;

static size_t hash64(uint64_t v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdULL;
	v ^= v >> 33;
	return (size_t)v;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p) {
		perror("floor-dump: calloc");
		exit(1);
	}
	return p;
}

static void owner_put(uint64_t inode, int pid, int fd)
{
	if (2 * (owners_n + 1) > owners_cap) {
		struct owner *old = owners;
		size_t oldcap = owners_cap;

		owners_cap = oldcap ? 2 * oldcap : 4096;
		owners = xcalloc(owners_cap, sizeof(*owners));
		owners_n = 0;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].inode)
				owner_put(old[i].inode, old[i].pid, old[i].fd);
		free(old);
	}
	for (size_t i = hash64(inode) & (owners_cap - 1);; i = (i + 1) & (owners_cap - 1)) {
		if (owners[i].inode == inode)
			return; /* keep the first owner */
		if (!owners[i].inode) {
			owners[i] = (struct owner){ inode, pid, fd };
			owners_n++;
			return;
		}
	}
}

static const struct owner *owner_get(uint64_t inode)
{
	if (!owners_cap || !inode)
		return NULL;
	for (size_t i = hash64(inode) & (owners_cap - 1);; i = (i + 1) & (owners_cap - 1)) {
		if (owners[i].inode == inode)
			return &owners[i];
		if (!owners[i].inode)
			return NULL;
	}
}

static void on_fd(void *data, int pid, int fd, uint64_t inode)
{
	(void)data;
	owner_put(inode, pid, fd);
}

static const char *comm_get(int pid)
{
	size_t i;

	if (2 * (comms_n + 1) > comms_cap) {
		struct comm *old = comms;
		size_t oldcap = comms_cap;

		comms_cap = oldcap ? 2 * oldcap : 1024;
		comms = xcalloc(comms_cap, sizeof(*comms));
		for (size_t j = 0; j < oldcap; j++) {
			if (!old[j].pid)
				continue;
			for (i = hash64((uint64_t)old[j].pid) & (comms_cap - 1); comms[i].pid;
			     i = (i + 1) & (comms_cap - 1))
				;
			comms[i] = old[j];
		}
		free(old);
	}
	for (i = hash64((uint64_t)pid) & (comms_cap - 1); comms[i].pid; i = (i + 1) & (comms_cap - 1))
		if (comms[i].pid == pid)
			return comms[i].name;

	char path[48];
	int fd;
	ssize_t n = 0;

	comms[i].pid = pid;
	comms_n++;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, comms[i].name, sizeof(comms[i].name) - 1);
		close(fd);
	}
	if (n > 0 && comms[i].name[n - 1] == '\n')
		n--;
	comms[i].name[n > 0 ? n : 0] = '\0';
	return comms[i].name;
}

static void out_ms(uint32_t us)
{
	char frac[3];

	out_u64(us / 1000);
	out_char('.');
	frac[0] = (char)('0' + us / 100 % 10);
	frac[1] = (char)('0' + us / 10 % 10);
	frac[2] = (char)('0' + us % 10);
	out_mem(frac, 3);
}

static void out_endpoint(int family, const __be32 *addr, __be16 port)
{
	if (family == AF_INET) {
		out_ipv4((const unsigned char *)addr);
	} else {
		out_char('[');
		out_ipv6((const unsigned char *)addr);
		out_char(']');
	}
	out_char(':');
	out_u64(ntohs(port));
}

static void out_owner(uint64_t inode)
{
	const struct owner *o = owner_get(inode);

	if (o) {
		out_str(" pid=");
		out_u64((uint64_t)o->pid);
		out_str(" fd=");
		out_u64((uint64_t)o->fd);
		out_char(' ');
		out_str(comm_get(o->pid));
	}
}

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	const char *state;

	(void)data;
	if ((nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY && nlh->nlmsg_type != TCPDIAG_GETSOCK) || mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		return MNL_CB_OK;
	state = m->idiag_state < sizeof(state_names) / sizeof(state_names[0]) ? state_names[m->idiag_state]
									      : "UNKNOWN";
	if (want_netid) {
		out_str(netid);
		out_char(' ');
	}
	out_str(state);
	out_char(' ');
	out_u64(m->idiag_rqueue);
	out_char(' ');
	out_u64(m->idiag_wqueue);
	out_char(' ');
	out_endpoint(m->idiag_family, m->id.idiag_src, m->id.idiag_sport);
	out_char(' ');
	out_endpoint(m->idiag_family, m->id.idiag_dst, m->id.idiag_dport);
	if (want_info) {
		mnl_attr_for_each(attr, nlh, sizeof(*m)) {
			const struct tcp_info *ti;

			if (mnl_attr_get_type(attr) != INET_DIAG_INFO ||
			    mnl_attr_get_payload_len(attr) < offsetof(struct tcp_info, tcpi_rcv_ssthresh))
				continue;
			ti = mnl_attr_get_payload(attr);
			out_str(" rtt:");
			out_ms(ti->tcpi_rtt);
			out_str(" cwnd:");
			out_u64(ti->tcpi_snd_cwnd);
		}
	}
	if (want_procs)
		out_owner(m->idiag_inode);
	out_char('\n');
	nsockets++;
	return MNL_CB_OK;
}

static const char *const unix_netid[] = {
	[SOCK_STREAM] = "u_str", [SOCK_DGRAM] = "u_dgr", [SOCK_SEQPACKET] = "u_seq",
};

/* One UNIX socket: netid state rq wq name inode peer */
static int on_unix(const struct nlmsghdr *nlh, void *data)
{
	const struct unix_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	const char *name = NULL;
	size_t namelen = 0;
	uint32_t peer = 0, rq = 0, wq = 0;

	(void)data;
	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY || mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*m)) {
		switch (mnl_attr_get_type(attr)) {
		case UNIX_DIAG_NAME:
			name = mnl_attr_get_payload(attr);
			namelen = mnl_attr_get_payload_len(attr);
			break;
		case UNIX_DIAG_PEER:
			if (mnl_attr_get_payload_len(attr) >= 4)
				peer = mnl_attr_get_u32(attr);
			break;
		case UNIX_DIAG_RQLEN:
			if (mnl_attr_get_payload_len(attr) >= sizeof(struct unix_diag_rqlen)) {
				const struct unix_diag_rqlen *q = mnl_attr_get_payload(attr);

				rq = q->udiag_rqueue;
				wq = q->udiag_wqueue;
			}
			break;
		}
	}
	/* the type always: a UNIX listing without it says little (ss -x prints it too) */
	out_str(m->udiag_type < sizeof(unix_netid) / sizeof(unix_netid[0]) && unix_netid[m->udiag_type]
			? unix_netid[m->udiag_type]
			: "u_???");
	out_char(' ');
	out_str(m->udiag_state < sizeof(state_names) / sizeof(state_names[0]) ? state_names[m->udiag_state]
									       : "UNKNOWN");
	out_char(' ');
	out_u64(rq);
	out_char(' ');
	out_u64(wq);
	out_char(' ');
	if (!name || !namelen) {
		out_char('*');
	} else if (name[0] == '\0') {
		/* abstract: '@' and the rest, inner NULs as '@' as ss prints them */
		out_char('@');
		for (size_t i = 1; i < namelen; i++)
			out_char(name[i] ? name[i] : '@');
	} else {
		out_mem(name, strnlen(name, namelen));
	}
	out_char(' ');
	out_u64(m->udiag_ino);
	out_char(' ');
	out_u64(peer);
	if (want_procs)
		out_owner(m->udiag_ino);
	out_char('\n');
	nsockets++;
	return MNL_CB_OK;
}

/* One dump: TCP of both families (family AF_UNSPEC, proto TCP), one inet
 * family of proto, or AF_UNIX. */
static int dump(struct mnl_socket *nl, int family, int proto, unsigned seq)
{
	static char buf[65536];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *req;
	unsigned portid = mnl_socket_get_portid(nl);
	mnl_cb_t cb = on_msg;
	int ret;

	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	if (family == AF_UNIX) {
		struct unix_diag_req *ur;

		nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
		ur = mnl_nlmsg_put_extra_header(nlh, sizeof(*ur));
		ur->sdiag_family = AF_UNIX;
		ur->udiag_states = ~0U;
		ur->udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN;
		cb = on_unix;
		goto send;
	}
	if (family == AF_UNSPEC) {
		struct inet_diag_req *r1;

		nlh->nlmsg_type = TCPDIAG_GETSOCK;
		r1 = mnl_nlmsg_put_extra_header(nlh, sizeof(*r1));
		r1->idiag_states = ~0U;
		r1->idiag_ext = want_info ? 1 << (INET_DIAG_INFO - 1) : 0;
		goto send;
	}
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (unsigned char)family;
	req->sdiag_protocol = (unsigned char)proto;
	req->idiag_states = ~0U;
	req->idiag_ext = want_info && proto == IPPROTO_TCP ? 1 << (INET_DIAG_INFO - 1) : 0;
send:
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (n < 0)
			return -1;
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, cb, NULL);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct mnl_socket *nl;
	int rcvbuf = 4 << 20;
	bool tcp = false, udp = false, unx = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--info") || !strcmp(argv[i], "-i")) {
			want_info = true;
		} else if (!strcmp(argv[i], "--per-family")) {
			per_family = true;
		} else if (!strcmp(argv[i], "-p")) {
			want_procs = true;
		} else if (!strcmp(argv[i], "--tcp")) {
			tcp = true;
		} else if (!strcmp(argv[i], "--udp")) {
			udp = true;
		} else if (!strcmp(argv[i], "--unix")) {
			unx = true;
		} else {
			fprintf(stderr, "usage: floor-dump [--tcp] [--udp] [--unix] [--info|-i] [-p] [--per-family]\n");
			return 2;
		}
	}
	if (!tcp && !udp && !unx)
		tcp = true;
	want_netid = tcp + udp + unx > 1;
	if (want_procs && fdwalk("/proc", on_fd, NULL) < 0) {
		perror("floor-dump: /proc");
		return 1;
	}
	nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (!nl) {
		perror("floor-dump: netlink");
		return 1;
	}
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("floor-dump: bind");
		return 1;
	}
	unsigned seq = (unsigned)time(NULL);
	int bad = 0;

	if (tcp) {
		netid = "tcp";
		bad = per_family ? dump(nl, AF_INET, IPPROTO_TCP, seq) < 0 || dump(nl, AF_INET6, IPPROTO_TCP, seq + 1) < 0
				 : dump(nl, AF_UNSPEC, IPPROTO_TCP, seq) < 0;
	}
	if (!bad && udp) {
		netid = "udp";
		bad = dump(nl, AF_INET, IPPROTO_UDP, seq + 2) < 0 || dump(nl, AF_INET6, IPPROTO_UDP, seq + 3) < 0;
	}
	if (!bad && unx)
		bad = dump(nl, AF_UNIX, 0, seq + 4) < 0;
	if (bad) {
		perror("floor-dump: dump");
		return 1;
	}
	mnl_socket_close(nl);
	if (out_flush() < 0) {
		perror("floor-dump: write");
		return 1;
	}
	free(owners);
	free(comms);
	return 0;
}
