// SPDX-License-Identifier: MIT
/*
 * render_prom: Prometheus text exposition.  Socket counts for all 11 states
 * by family (zeros included), per-listener accept queue and backlog, and with
 * owners, per-process socket and CLOSE-WAIT counts.  Label values are valid
 * UTF-8 with the format's escapes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "procmap.h"
#include "render.h"
#include "strutil.h"

struct prom_proc {
	int32_t pid;
	const char *comm;
	unsigned long total, close_wait;
};

struct prom_state {
	struct obuf listeners; /* the listener samples, printed at the end */
	struct prom_proc *procs;
	size_t nprocs, capprocs;
	uint32_t *slots;       /* pid hash: index + 1 into procs, 0 = empty */
	size_t nslots;         /* a power of two, at least twice nprocs */
};

static void prom_label(struct obuf *o, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t len = u[i] < 0x80 ? 1 : utf8_seq_len(u + i, n - i);

		if (len == 0) {
			obuf_put(o, "\xef\xbf\xbd", 3);
			i++;
		} else if (u[i] == '\\' || u[i] == '"') {
			obuf_putc(o, '\\');
			obuf_putc(o, (char)u[i++]);
		} else if (u[i] == '\n') {
			obuf_put(o, "\\n", 2);
			i++;
		} else if (len == 1 && (u[i] < 0x20 || u[i] == 0x7f)) {
			obuf_putc(o, '?');
			i++;
		} else {
			obuf_put(o, u + i, len);
			i += len;
		}
	}
}

static struct prom_state *state_of(struct render *r)
{
	struct prom_state *ps = r->priv;

	if (ps)
		return ps;
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return NULL;
	if (obuf_init(&ps->listeners, -1, 4096) < 0) {
		free(ps);
		return NULL;
	}
	r->priv = ps;
	return ps;
}

static size_t pid_slot(const uint32_t *slots, size_t nslots, const struct prom_proc *procs, int32_t pid)
{
	size_t h = ((uint32_t)pid * 2654435761u) & (nslots - 1);

	while (slots[h] && procs[slots[h] - 1].pid != pid)
		h = (h + 1) & (nslots - 1);
	return h;
}

/* Counts one socket for the process of ow: a hash by pid keeps this linear
 * in sockets, whatever the number of processes. */
static int add_proc(struct prom_state *ps, const struct sock_owner *ow, bool close_wait)
{
	size_t h;

	if (2 * (ps->nprocs + 1) > ps->nslots) {
		size_t nslots = ps->nslots ? ps->nslots * 2 : 256;
		uint32_t *slots = calloc(nslots, sizeof(*slots));

		if (!slots)
			return -ENOMEM;
		for (size_t i = 0; i < ps->nprocs; i++)
			slots[pid_slot(slots, nslots, ps->procs, ps->procs[i].pid)] = (uint32_t)i + 1;
		free(ps->slots);
		ps->slots = slots;
		ps->nslots = nslots;
	}
	h = pid_slot(ps->slots, ps->nslots, ps->procs, ow->pid);
	if (ps->slots[h]) {
		ps->procs[ps->slots[h] - 1].total++;
		ps->procs[ps->slots[h] - 1].close_wait += close_wait;
		return 0;
	}
	if (ps->nprocs == ps->capprocs) {
		size_t ncap = ps->capprocs ? ps->capprocs * 2 : 64;
		struct prom_proc *np = realloc(ps->procs, ncap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		ps->procs = np;
		ps->capprocs = ncap;
	}
	ps->procs[ps->nprocs++] = (struct prom_proc){ow->pid, ow->comm, 1, close_wait};
	ps->slots[h] = (uint32_t)ps->nprocs;
	return 0;
}

int render_prom_row(struct render *r, const struct sock_rec *rec, const struct sock_ext *ext)
{
	struct prom_state *ps = state_of(r);
	char addr[64];

	if (!ps)
		return -ENOMEM;
	if (rec->state == SK_LISTEN) {
		struct obuf *l = &ps->listeners;

		sock_addr_str(rec->family, rec->laddr, addr, sizeof(addr));
		obuf_printf(l, "sockscope_listen_queue_length{family=\"%s\",local_addr=\"%s\",local_port=\"%u\"} %u\n",
			    rec->family == AF_INET6 ? "inet6" : "inet", addr, rec->lport, rec->recv_q);
		if (!(rec->flags & SOCK_F_SENDQ_UNKNOWN))
			obuf_printf(l, "sockscope_listen_backlog{family=\"%s\",local_addr=\"%s\",local_port=\"%u\"} %u\n",
				    rec->family == AF_INET6 ? "inet6" : "inet", addr, rec->lport, rec->send_q);
	}
	if (r->owners && r->cc->owners && rec->inode) {
		const struct sock_owner *ow;
		size_t n = procmap_lookup(r->cc->owners, rec->inode, &ow);

		for (size_t i = 0; i < n; i++)
			if (add_proc(ps, &ow[i], rec->state == SK_CLOSE_WAIT) < 0)
				return -ENOMEM;
	}
	return 0;
}

static void prom_head(struct obuf *o, const char *name, const char *help)
{
	obuf_printf(o, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void prom_proc_series(struct obuf *o, const char *name, const struct prom_proc *p, unsigned long v)
{
	obuf_printf(o, "%s{pid=\"%d\",comm=\"", name, (int)p->pid);
	prom_label(o, p->comm, strlen(p->comm));
	obuf_printf(o, "\"} %lu\n", v);
}

int render_prom_end(struct render *r)
{
	struct prom_state *ps = state_of(r);
	struct obuf *o = r->out;

	if (!ps)
		return -ENOMEM;
	prom_head(o, "sockscope_sockets", "Sockets by kind (ss's netid), address family and state.");
	for (unsigned k = 0; k < KIND_MAX; k++) {
		const struct sock_kind *kd = kind_get(k);

		if (!(render_kinds(r) & KIND_BIT(k)))
			continue;
		for (int fam = 0; fam < (kd->inet ? 2 : 1); fam++)
			for (size_t i = 0; i < SK_STATE_MAX - 1; i++) {
				int st = state_display_order[i];

				if (!kd->vocab[st].name)
					continue;
				obuf_printf(o, "sockscope_sockets{netid=\"%s\",family=\"%s\",state=\"%s\"} %lu\n", kd->name,
					    render_family_name(k, fam), kd->vocab[st].name, r->counts[k][fam][st]);
			}
	}
	/* both listener metrics share one buffer; print each as one group */
	for (int pass = 0; pass < 2; pass++) {
		const char *want = pass ? "sockscope_listen_backlog{" : "sockscope_listen_queue_length{";
		const char *q = ps->listeners.buf, *end = q + ps->listeners.len;

		if (pass)
			prom_head(o, "sockscope_listen_backlog", "Accept queue limit of a listener (its backlog).");
		else
			prom_head(o, "sockscope_listen_queue_length", "Connections waiting in a listener's accept queue.");
		while (q < end) {
			const char *nl = memchr(q, '\n', (size_t)(end - q));
			size_t len = nl ? (size_t)(nl - q) + 1 : (size_t)(end - q);

			if (!strncmp(q, want, strlen(want)))
				obuf_put(o, q, len);
			q += len;
		}
	}
	if (r->owners) {
		prom_head(o, "sockscope_process_sockets", "TCP sockets held by a process.");
		for (size_t i = 0; i < ps->nprocs; i++)
			prom_proc_series(o, "sockscope_process_sockets", &ps->procs[i], ps->procs[i].total);
		prom_head(o, "sockscope_process_close_wait_sockets",
			  "CLOSE-WAIT sockets held by a process (the peer closed, the process has not).");
		for (size_t i = 0; i < ps->nprocs; i++)
			prom_proc_series(o, "sockscope_process_close_wait_sockets", &ps->procs[i],
					 ps->procs[i].close_wait);
	}
	render_prom_free(r);
	return 0;
}

void render_prom_free(struct render *r)
{
	struct prom_state *ps = r->priv;

	if (!ps)
		return;
	obuf_free(&ps->listeners);
	free(ps->procs);
	free(ps->slots);
	free(ps);
	r->priv = NULL;
}
