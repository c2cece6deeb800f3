// SPDX-License-Identifier: MIT
/*
 * tui: `sockscope top`, the live ncurses dashboard.  The shape is htop's and
 * systat's: the model (tui_model.c) knows the sockets and their changes; this
 * file is the engine and the view.  A worker thread takes the snapshots
 * through the pipeline so that keys answer at once even when a collection is
 * slow; the main thread polls the terminal and the worker's wake-up pipe,
 * maps keys to actions and draws the header (per-state counters, deltas and
 * sparklines), the status and alerts lines, the table or the group view, the
 * detail pane, the prompt and the help overlay.  Every string that comes from
 * the system goes through str_escape_term() before it reaches the screen.
 */
#include "kind.h"
#include "tui.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <langinfo.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "allns.h"
#include "attrib.h"
#include "collect.h"
#include "diagnose.h"
#include "needs.h"
#include "pipeline.h"
#include "procmap.h"
#include "sort.h"
#include "strutil.h"

#define TUI_COLS_MAX 48
#define TUI_ALERTS_MAX 12
#define TUI_FILTER_MAX 1024
#define TUI_RECENT_MAX 128 /* recently closed connections kept by the feed and shown */
#define TUI_NSC_MAX 8      /* namespaces named in the --all-netns counts line */
#define TUI_NOTE_MS 10000  /* how long the status line carries a notice */
#define TUI_CPU_BUDGET_PCT 20u /* --all-netns: refreshes paced to stay within this share of one core */

static volatile sig_atomic_t tui_stop;

static void tui_on_signal(int sig)
{
	(void)sig;
	tui_stop = 1;
}

/* The collector thread.  Fields below the mutex are shared; the pipeline,
 * the work set and the owner map being filled belong to the worker while
 * busy and to the UI thread otherwise. */
struct worker {
	pthread_t th;
	pthread_mutex_t mx;
	pthread_cond_t cv;
	int wake[2];
	bool started;
	/* under mx */
	bool req, busy, done, quit;
	bool filter_set, need_set;
	char filter[TUI_FILTER_MAX];
	unsigned need;
	int err;
	uint64_t done_ms;
	uint64_t cost_ms;  /* CPU time of the process during the last snapshot */
	unsigned long seen;
	struct collect_result res;
	struct procmap *result_owners; /* the map filled with set */
	bool result_has_owners;
	bool result_rebase;            /* set was taken with a new filter */
	/* the worker's */
	struct pipeline *p;
	struct sock_set set;
	struct procmap *spare; /* a map the UI no longer shows, refreshed next */
};

enum { ACT_NONE = 0, ACT_REDRAW = 1, ACT_RESORT = 2, ACT_COLLECT = 4, ACT_QUIT = 8 };

enum tui_view { VIEW_SOCKETS, VIEW_TRANSITIONS, VIEW_CLOSED };

/* Sockets of one namespace (--all-netns), labelled as the where column. */
/* pid -> comm for the closed view when the tracepoint gave a pid only. */
struct tui_comm {
	uint32_t pid;
	uint64_t ms; /* looked up then */
	char comm[16];
};
#define TUI_COMM_MAX 64
#define TUI_COMM_TTL_MS 10000

struct tui_nscount {
	char label[64]; /* raw: escape before drawing */
	unsigned long n;
};

struct tui {
	const struct options *opt;
	struct pipeline p;
	struct worker w;
	struct tui_model m;
	struct sock_set set;          /* what is shown */
	struct procmap *owners_map;   /* the map collected with set */
	const struct procmap *owners; /* owners_map if owners were collected */
	struct collect_result res;
	unsigned long seen;
	uint64_t interval_ms, next_ms, req_ms;
	uint64_t pace_ms, pass_cpu_ms; /* --all-netns: the refresh stretched to this, for a pass of this CPU */
	time_t snap_time;

	const struct column *base[TUI_COLS_MAX];
	size_t nbase;
	const struct column *cols[TUI_COLS_MAX];
	size_t ncols;
	int width[TUI_COLS_MAX];
	int col_x[TUI_COLS_MAX + 1];
	size_t ncols_drawn;
	const struct column *sort_col;

	uint32_t *rows; /* track indices in display order */
	size_t nrows, rows_cap;
	struct group_result groups;
	size_t sel, top, gsel, gtop;
	struct sock_rec sel_rec;
	struct tui_alert alerts[TUI_ALERTS_MAX];
	size_t nalerts;
	struct kernel_facts facts; /* at the previous refresh, for check's rates */

	char input[TUI_FILTER_MAX];
	size_t ilen;
	char perr[256];
	char filter_text[TUI_FILTER_MAX];

	/* the event feed: the transitions and recently closed views.  Every
	 * array has a fixed size: nothing grows with the events. */
	struct feed *feed;            /* NULL: no rates (feed_note says why) */
	const char *feed_scope;       /* "this namespace", "host-wide", the -N name */
	char feed_note[384];          /* why there are no rates, or what fell back; "" if nothing */
	uint64_t feed_note_until;
	uint64_t pairs_prev[FEED_NSTATES][FEED_NSTATES], pairs_cur[FEED_NSTATES][FEED_NSTATES];
	struct feed_stats fst_prev, fst_cur;
	uint64_t feed_start_ms, feed_prev_ms, feed_cur_ms;
	struct tui_pair_rate rates[TUI_PAIRS_MAX];
	size_t nrates;
	struct sock_lifetime recent[TUI_RECENT_MAX]; /* newest first, after the filter */
	size_t nrecent, recent_kept;  /* shown, and kept by the feed before the filter */
	struct filter *lfilter;       /* top's filter, for the closed view; NULL: none or not applicable */
	size_t vtop;                  /* scroll of the transitions and closed views */
	struct tui_comm comms[TUI_COMM_MAX];
	size_t comm_next;

	/* --all-netns: sockets per namespace, the largest first */
	struct tui_nscount nsc[TUI_NSC_MAX];
	size_t nnsc, ns_nonempty;
	unsigned long ns_other;       /* sockets of the namespaces not named */
	unsigned long *ns_counts;     /* by netns_id; grows to the number of namespaces only */
	size_t ns_counts_cap;

	struct obuf tmp, esc;
	struct col_ctx cc;
	char err[256];

	/* the small fields together (no padding between the large ones) */
	int coll_err;
	int sort_dir;
	enum group_by group;
	unsigned kind_view; /* n: the one kind shown, KIND_MAX for all asked */
	enum tui_view view;
	int feed_err;                 /* the feed's thread stopped with this */
	int view_h;
	int H, W, table_y, table_h;
	bool have_data;
	bool paused, help, detail, info_on, owners_on, utf8, color;
	bool sel_valid;
	bool have_facts;
	bool prompt;
	bool feed_note_shown;         /* the status line carries it until a key or TUI_NOTE_MS */
	bool lfilter_skipped;         /* the filter needs lookups a closed connection lacks */
};

/* ---- text ------------------------------------------------------------ */

/* Display width of the prefix of s (n bytes) that fits in maxw columns;
 * *bytes gets its length.  s is already escaped (printable only). */
static int text_fit(const char *s, size_t n, int maxw, size_t *bytes)
{
	mbstate_t st;
	size_t i = 0;
	int w = 0;

	memset(&st, 0, sizeof(st));
	while (i < n) {
		wchar_t wc;
		size_t len = mbrtowc(&wc, s + i, n - i, &st);
		int cw;

		if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
			memset(&st, 0, sizeof(st));
			len = 1;
			cw = 1;
		} else {
			cw = wcwidth(wc);
			if (cw < 0)
				cw = 1;
		}
		if (w + cw > maxw)
			break;
		w += cw;
		i += len;
	}
	*bytes = i;
	return w;
}

/* Escapes raw bytes for the terminal into t->esc (replacing non-ASCII in
 * non-UTF-8 locales) and returns the escaped text. */
static const char *esc_text(struct tui *t, const char *s, size_t n, size_t *ret_len)
{
	t->esc.len = 0;
	str_escape_term(&t->esc, s, n);
	if (!t->utf8)
		for (size_t i = 0; i < t->esc.len; i++)
			if ((unsigned char)t->esc.buf[i] >= 0x80)
				t->esc.buf[i] = '?';
	*ret_len = t->esc.len;
	return t->esc.err ? "" : obuf_cstr(&t->esc);
}

/* Draws already safe text at (y, x), cut at maxw columns; returns columns used. */
static int put_safe(int y, int x, int maxw, const char *s, size_t n)
{
	size_t bytes;
	int w;

	if (maxw <= 0)
		return 0;
	w = text_fit(s, n, maxw, &bytes);
	if (bytes)
		mvaddnstr(y, x, s, (int)bytes);
	return w;
}

/* Draws raw (untrusted) bytes, escaped, cut at maxw; right-aligned in maxw if right. */
static int put_raw(struct tui *t, int y, int x, int maxw, const char *s, size_t n, bool right)
{
	size_t len, bytes;
	const char *e = esc_text(t, s, n, &len);
	int w;

	if (maxw <= 0)
		return 0;
	w = text_fit(e, len, maxw, &bytes);
	if (right && w < maxw)
		x += maxw - w;
	if (bytes)
		mvaddnstr(y, x, e, (int)bytes);
	return w;
}

static int put_lit(int y, int x, int maxw, const char *s)
{
	return put_safe(y, x, maxw, s, strlen(s));
}

static int put_str(struct tui *t, int y, int x, int maxw, const char *s)
{
	return put_raw(t, y, x, maxw, s, strlen(s), false);
}

static int escaped_width(struct tui *t, const char *s, size_t n)
{
	size_t len, bytes;
	const char *e = esc_text(t, s, n, &len);

	return text_fit(e, len, 1 << 20, &bytes);
}

/* ---- colours --------------------------------------------------------- */

enum { PAIR_GREEN = 1, PAIR_YELLOW, PAIR_MAGENTA, PAIR_RED, PAIR_CYAN, PAIR_BLUE };

static void colors_init(struct tui *t)
{
	const char *nc = getenv("NO_COLOR");

	t->color = has_colors() && !(nc && *nc) && t->opt->color != COLOR_NEVER;
	if (!t->color)
		return;
	start_color();
	use_default_colors();
	init_pair(PAIR_GREEN, COLOR_GREEN, -1);
	init_pair(PAIR_YELLOW, COLOR_YELLOW, -1);
	init_pair(PAIR_MAGENTA, COLOR_MAGENTA, -1);
	init_pair(PAIR_RED, COLOR_RED, -1);
	init_pair(PAIR_CYAN, COLOR_CYAN, -1);
	init_pair(PAIR_BLUE, COLOR_BLUE, -1);
}

/* The same hues as explain.c's ANSI palette; bold/dim carry the meaning in
 * monochrome. */
static attr_t state_attr(const struct tui *t, int state)
{
	attr_t c = 0, a = 0;

	switch (state) {
	case SK_LISTEN:
		c = COLOR_PAIR(PAIR_GREEN);
		break;
	case SK_SYN_SENT:
	case SK_SYN_RECV:
		c = COLOR_PAIR(PAIR_YELLOW);
		break;
	case SK_ESTABLISHED:
		c = COLOR_PAIR(PAIR_GREEN);
		a = A_BOLD;
		break;
	case SK_FIN_WAIT1:
	case SK_FIN_WAIT2:
	case SK_CLOSING:
	case SK_LAST_ACK:
		c = COLOR_PAIR(PAIR_MAGENTA);
		break;
	case SK_CLOSE_WAIT:
		c = COLOR_PAIR(PAIR_RED);
		a = A_BOLD;
		break;
	case SK_TIME_WAIT:
		c = COLOR_PAIR(PAIR_CYAN);
		break;
	case SK_CLOSE:
		a = A_DIM;
		break;
	default:
		break;
	}
	return (t->color ? c : 0) | a;
}

/* ---- worker ------------------------------------------------------------ */

/* CPU time of the whole process (every thread: the namespaces' workers too). */
static uint64_t cpu_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pipeline *p = w->p;
	char filter[TUI_FILTER_MAX];
	uint64_t cpu0;

	pthread_mutex_lock(&w->mx);
	for (;;) {
		bool fset, nset;
		unsigned need;
		struct collect_result res;
		int err;

		while (!w->req && !w->quit)
			pthread_cond_wait(&w->cv, &w->mx);
		if (w->quit)
			break;
		w->req = false;
		w->busy = true;
		fset = w->filter_set;
		nset = w->need_set;
		need = w->need;
		if (fset)
			memcpy(filter, w->filter, sizeof(filter));
		w->filter_set = w->need_set = false;
		pthread_mutex_unlock(&w->mx);

		if (fset) {
			struct filter_error fe;

			pipeline_set_filter(p, filter, &fe); /* validated by the UI */
		}
		if (fset || nset) {
			p->need = need | filter_needs(p->filter);
			if (p->opt->numeric)
				p->need &= ~(unsigned)NEED_NAMES;
			pipeline_add_need(p, 0);
		}
		p->owners = w->spare; /* never the map on screen */
		w->spare = NULL;
		memset(&res, 0, sizeof(res));
		cpu0 = cpu_ms();
		err = pipeline_snapshot(p, &w->set, &res);

		pthread_mutex_lock(&w->mx);
		w->result_owners = p->owners;
		w->result_has_owners = (p->need & NEED_OWNERS) && p->owners;
		w->result_rebase = w->result_rebase || fset;
		p->owners = NULL;
		w->res = res;
		w->err = err;
		w->seen = p->seen;
		w->done_ms = tui_now_ms();
		w->cost_ms = cpu_ms() - cpu0;
		w->busy = false;
		w->done = true;
		if (write(w->wake[1], "x", 1) < 0) {
			/* the pipe is non-blocking: full means a wake-up is pending */
		}
	}
	pthread_mutex_unlock(&w->mx);
	return NULL;
}

static int worker_start(struct tui *t)
{
	struct worker *w = &t->w;
	sigset_t all, old;
	int err;

	w->p = &t->p;
	sock_set_init(&w->set);
	if (pipe2(w->wake, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	pthread_mutex_init(&w->mx, NULL);
	pthread_cond_init(&w->cv, NULL);
	/* signals (SIGINT, SIGTERM, SIGWINCH) go to the UI thread */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&w->th, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return -err;
	w->started = true;
	return 0;
}

static void worker_stop(struct tui *t)
{
	struct worker *w = &t->w;

	if (w->started) {
		pthread_mutex_lock(&w->mx);
		w->quit = true;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mx);
		pthread_join(w->th, NULL);
		pthread_mutex_destroy(&w->mx);
		pthread_cond_destroy(&w->cv);
		w->started = false;
	}
	if (w->wake[0] >= 0)
		close(w->wake[0]);
	if (w->wake[1] >= 0)
		close(w->wake[1]);
	w->wake[0] = w->wake[1] = -1;
	procmap_free(w->spare);
	procmap_free(w->result_owners);
	w->spare = w->result_owners = NULL;
	sock_set_free(&w->set);
}

static unsigned view_needs(const struct tui *t)
{
	unsigned need = columns_needs(t->cols, t->ncols);

	if (t->group == GROUP_PROCESS || t->owners_on)
		need |= NEED_OWNERS;
	if (t->info_on)
		need |= NEED_INFO;
	return need;
}

/* Asks for a snapshot now (unless one is running). */
static void request(struct tui *t, const char *filter, bool need)
{
	struct worker *w = &t->w;

	pthread_mutex_lock(&w->mx);
	if (filter) {
		snprintf(w->filter, sizeof(w->filter), "%s", filter);
		w->filter_set = true;
	}
	if (need) {
		w->need = view_needs(t);
		w->need_set = true;
	}
	if (!w->busy && !w->done && !w->req) {
		w->req = true;
		t->req_ms = tui_now_ms();
		t->next_ms = t->req_ms + t->interval_ms;
		pthread_cond_signal(&w->cv);
	} else {
		t->next_ms = 0; /* again as soon as this one is in */
	}
	pthread_mutex_unlock(&w->mx);
}

/* True while a snapshot is asked for, running or waiting to be taken. */
static bool worker_active(struct tui *t)
{
	bool b;

	pthread_mutex_lock(&t->w.mx);
	b = t->w.req || t->w.busy || t->w.done;
	pthread_mutex_unlock(&t->w.mx);
	return b;
}

/* ---- rows, sorting, grouping -------------------------------------------- */

static const struct sock_rec *row_rec(const struct tui *t, uint32_t ti, const struct sock_ext **ext)
{
	const struct tui_track *tr = &t->m.t[ti];

	if (ext)
		*ext = tr->idx == TUI_NO_IDX ? NULL : sock_set_ext(&t->set, &t->set.v[tr->idx]);
	return tr->idx == TUI_NO_IDX ? &tr->rec : &t->set.v[tr->idx];
}

static void row_value(struct tui *t, const struct column *c, uint32_t ti, struct col_val *v)
{
	const struct tui_track *tr = &t->m.t[ti];
	const struct sock_ext *e;
	const struct sock_rec *r = row_rec(t, ti, &e);

	t->cc.rate = tr->has_rate ? &tr->rate : NULL;
	column_get(c, &t->cc, r, e, v);
	t->cc.rate = NULL;
}

static unsigned state_rank(int state)
{
	for (unsigned i = 0; i < SK_STATE_MAX - 1; i++)
		if (state_display_order[i] == state)
			return i;
	return SK_STATE_MAX;
}

struct sort_ent {
	struct col_val v;
	size_t off; /* string offset in the arena */
	uint32_t ti;
};

struct sort_arg {
	const struct tui *t;
	const char *arena;
	int dir;
};

static int cmp_ent(const void *a, const void *b, void *arg)
{
	const struct sort_arg *sa = arg;
	const struct sort_ent *x = a, *y = b;
	const struct sock_rec *rx = &sa->t->m.t[x->ti].rec, *ry = &sa->t->m.t[y->ti].rec;
	struct col_val vx = x->v, vy = y->v;
	int c;

	if (vx.kind == CV_STR)
		vx.str.s = sa->arena + x->off;
	if (vy.kind == CV_STR)
		vy.str.s = sa->arena + y->off;
	c = col_val_cmp(&vx, &vy);
	if (c)
		return c * sa->dir;
	/* ties: a stable order that does not move between refreshes */
	c = (int)state_rank(rx->state) - (int)state_rank(ry->state);
	if (c)
		return c;
	if (rx->lport != ry->lport)
		return rx->lport < ry->lport ? -1 : 1;
	c = memcmp(rx->raddr, ry->raddr, 16);
	if (c)
		return c;
	if (rx->rport != ry->rport)
		return rx->rport < ry->rport ? -1 : 1;
	c = memcmp(rx->laddr, ry->laddr, 16);
	if (c)
		return c;
	return (rx->cookie > ry->cookie) - (rx->cookie < ry->cookie);
}

static int sort_rows(struct tui *t)
{
	struct sort_ent *ents;
	struct sort_arg sa = {.t = t, .dir = t->sort_dir};
	bool by_state = t->sort_col && !strcmp(t->sort_col->name, "state");

	if (t->nrows < 2 || !t->sort_col)
		return 0;
	ents = malloc(t->nrows * sizeof(*ents));
	if (!ents)
		return -ENOMEM;
	t->tmp.len = 0;
	for (size_t i = 0; i < t->nrows; i++) {
		struct sort_ent *e = &ents[i];

		e->ti = t->rows[i];
		if (by_state) {
			e->v.kind = CV_UINT;
			e->v.u = state_rank(t->m.t[e->ti].rec.state);
			continue;
		}
		row_value(t, t->sort_col, e->ti, &e->v);
		if (e->v.kind == CV_STR || e->v.kind == CV_PROCS) {
			e->off = t->tmp.len;
			if (e->v.kind == CV_STR)
				obuf_put(&t->tmp, e->v.str.s, e->v.str.n);
			else if (e->v.procs.n)
				obuf_puts(&t->tmp, e->v.procs.v[0].comm);
			e->v.kind = CV_STR;
			e->v.str.n = t->tmp.len - e->off;
		}
	}
	if (t->tmp.err) {
		free(ents);
		t->tmp.err = 0;
		t->tmp.len = 0;
		return -ENOMEM;
	}
	sa.arena = t->tmp.buf;
	qsort_r(ents, t->nrows, sizeof(*ents), cmp_ent, &sa);
	for (size_t i = 0; i < t->nrows; i++)
		t->rows[i] = ents[i].ti;
	free(ents);
	t->tmp.len = 0;
	return 0;
}

static void clamp_scroll(size_t *sel, size_t *top, size_t n, int height)
{
	size_t h = height > 0 ? (size_t)height : 1;

	if (n == 0) {
		*sel = *top = 0;
		return;
	}
	if (*sel >= n)
		*sel = n - 1;
	if (*sel < *top)
		*top = *sel;
	if (*sel >= *top + h)
		*top = *sel - h + 1;
	if (*top + h > n)
		*top = n > h ? n - h : 0;
}

/* Rebuilds the row list from the model (current and just vanished
 * sockets), sorts it and keeps the selection on the same socket. */
static int rebuild_rows(struct tui *t)
{
	int err;

	if (t->m.n > t->rows_cap) {
		size_t ncap = t->m.n * 2;
		uint32_t *nr = realloc(t->rows, ncap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		t->rows = nr;
		t->rows_cap = ncap;
	}
	t->nrows = 0;
	for (size_t i = 0; i < t->m.n; i++)
		t->rows[t->nrows++] = (uint32_t)i;
	err = sort_rows(t);
	if (err)
		return err;
	if (t->sel_valid) {
		for (size_t i = 0; i < t->nrows; i++) {
			if (tui_same_socket(&t->m.t[t->rows[i]].rec, &t->sel_rec)) {
				t->sel = i;
				break;
			}
		}
	}
	clamp_scroll(&t->sel, &t->top, t->nrows, t->table_h);
	if (t->nrows) {
		t->sel_rec = t->m.t[t->rows[t->sel]].rec;
		t->sel_valid = true;
	}
	group_free(&t->groups);
	memset(&t->groups, 0, sizeof(t->groups));
	if (t->group != GROUP_NONE) {
		err = group_build(&t->set, t->group, &t->cc, &t->groups);
		if (err)
			return err;
		clamp_scroll(&t->gsel, &t->gtop, t->groups.n, t->table_h);
	}
	return 0;
}

/* Takes the worker's result, if any.  Returns 0 or -ENOMEM. */

/*
 * The rules of `sockscope check` (default thresholds) on the snapshot on
 * screen, the kernel's counters of the previous refresh as the "before" of
 * the rates: one alert per WARNING or CRITICAL finding, critical first.  The
 * accept-queue rule is left out for a listener the model already reports as
 * full.
 */
static size_t check_alerts(struct tui *t, struct tui_alert *out, size_t max)
{
	const char *root = t->opt->proc_root && t->opt->backend == BACKEND_PROC ? t->opt->proc_root : "/proc";
	struct sock_set *samples[1] = {&t->set};
	const struct procmap *owners[1] = {t->owners};
	struct kernel_facts now;
	struct diag_ctx d;
	size_t n = 0;

	diag_read_facts(root, &now);
	diag_init(&d);
	if (diag_run(&d, samples, 1, owners, t->have_facts ? &t->facts : &now, &now) == 0) {
		for (int sev = SEV_CRITICAL; sev >= SEV_WARNING; sev--) {
			for (size_t i = 0; i < d.n && n < max; i++) {
				const struct finding *f = &d.f[i];
				bool dup = false;

				if ((int)f->sev != sev)
					continue;
				for (size_t k = 0; f->rule == RULE_ACCEPT_QUEUE && k < t->nalerts; k++)
					dup |= t->alerts[k].kind == TUI_ALERT_ACCEPT_QUEUE && t->alerts[k].port == f->port;
				if (dup)
					continue;
				char who[sizeof(f->subject)];

				/* owners are looked up only on demand here */
				if (!t->owners && !f->pid && f->uid >= 0)
					snprintf(who, sizeof(who), "uid %lld (p: owners)", (long long)f->uid);
				else
					snprintf(who, sizeof(who), "%s", f->subject);
				out[n].kind = TUI_ALERT_CHECK;
				out[n].port = f->port;
				snprintf(out[n].text, sizeof(out[n].text), "%s %s: %s, %lld", severity_name(f->sev),
					 rule_name(f->rule), who, f->value);
				n++;
			}
		}
	}
	diag_free(&d);
	t->facts = now;
	t->have_facts = true;
	return n;
}

/* ---- the event feed ---------------------------------------------------------- */

static void feed_notice(struct tui *t, const char *prefix, const char *why)
{
	snprintf(t->feed_note, sizeof(t->feed_note), "%s%s", prefix, why);
	t->feed_note_shown = true;
	t->feed_note_until = tui_now_ms() + TUI_NOTE_MS;
}

/*
 * Opens the exact event source for the transitions and recently closed
 * views: the tracepoint, else the destroy groups (--source picks one, poll
 * turns the feed off).  Scope: host-wide with --all-netns, else the
 * inspected namespace.  Without a source top runs as before and says why.
 */
static void feed_setup(struct tui *t)
{
	const struct options *opt = t->opt;
	struct feed_opts fo = {.merge_destroy = true,
			       .allow_mount = opt->mount_tracefs,
			       .tp_reader = (int)opt->tp_reader,
			       .netns_fd = -1,
			       .recent_max = TUI_RECENT_MAX};
	char why[320];
	int r;

	t->feed_scope = opt->all_netns ? "host-wide" : opt->netns ? opt->netns : "this namespace";
	if (opt->ev_source == EVSRC_POLL) {
		feed_notice(t, "no transition rates: ", "--source=poll");
		return;
	}
	if (opt->replay || (opt->proc_root && strcmp(opt->proc_root, "/proc"))) {
		feed_notice(t, "no transition rates: ", opt->replay ? "a replay is not this machine" :
										  "--proc-root is not this machine");
		return;
	}
	fo.want = opt->ev_source == EVSRC_TRACEPOINT ? FEED_SRC_TRACEPOINT :
		  opt->ev_source == EVSRC_DESTROY    ? FEED_SRC_DESTROY :
						       FEED_SRC_NONE;
	if (opt->all_netns) {
		fo.scope = FEED_SCOPE_HOST;
	} else {
		fo.scope = FEED_SCOPE_NETNS;
		fo.netns_fd = t->p.netns_fd; /* borrowed; -1: our own */
	}
	r = feed_open(&t->feed, &fo, why, sizeof(why));
	if (r < 0) {
		t->feed = NULL;
		feed_notice(t, "no transition rates: ", why[0] ? why : strerror(-r));
		return;
	}
	if (why[0])
		feed_notice(t, "", why);
	r = feed_start(t->feed);
	if (r < 0) {
		feed_close(t->feed);
		t->feed = NULL;
		feed_notice(t, "no transition rates: cannot start the event thread: ", strerror(-r));
		return;
	}
	t->feed_start_ms = t->feed_prev_ms = t->feed_cur_ms = tui_now_ms();
}

/* The filter of the socket view as an expression: the user's, narrowed to
 * the kind in view. */
static void compose_filter(const struct tui *t, char *expr, size_t len)
{
	if (t->kind_view >= KIND_MAX)
		snprintf(expr, len, "%s", t->filter_text);
	else if (t->filter_text[0])
		snprintf(expr, len, "netid %s and ( %s )", kind_get(t->kind_view)->name, t->filter_text);
	else
		snprintf(expr, len, "netid %s", kind_get(t->kind_view)->name);
}

/* The closed view applies top's filter to each connection as a TCP record
 * in each state it went through (as `sockscope events --lifetimes` does);
 * not when the filter needs processes or namespaces, which a closed
 * connection no longer has. */
static void life_filter_set(struct tui *t)
{
	char expr[TUI_FILTER_MAX + 64];
	struct filter_error fe;
	struct filter *f = NULL;

	filter_free(t->lfilter);
	t->lfilter = NULL;
	t->lfilter_skipped = false;
	compose_filter(t, expr, sizeof(expr));
	if (!expr[0])
		return;
	memset(&fe, 0, sizeof(fe));
	if (filter_parse_str(expr, &f, &fe) < 0) {
		t->lfilter_skipped = true; /* validated at the prompt: only -ENOMEM gets here */
		return;
	}
	if (filter_needs(f) & (NEED_OWNERS | NEED_CGROUP)) {
		filter_free(f);
		t->lfilter_skipped = true;
		return;
	}
	t->lfilter = f;
}

static int kernel_to_sk(int st)
{
	if (st == SK_KERNEL_NEW_SYN_RECV)
		return SK_SYN_RECV;
	if (st == SK_KERNEL_BOUND_INACTIVE)
		return SK_CLOSE;
	return st >= 1 && st < SK_STATE_MAX ? st : 0;
}

static bool life_matches(const struct tui *t, const struct sock_lifetime *lt)
{
	struct sock_rec rec;

	if (!t->lfilter)
		return true;
	for (size_t i = 0; i < lt->nstates && i < LT_MAX_STATES; i++) {
		int st = kernel_to_sk(lt->states[i]);

		if (!st)
			continue;
		memset(&rec, 0, sizeof(rec));
		memcpy(rec.laddr, lt->laddr, 16);
		memcpy(rec.raddr, lt->raddr, 16);
		rec.lport = lt->lport;
		rec.rport = lt->rport;
		rec.family = lt->family;
		rec.proto = IPPROTO_TCP;
		rec.kind = KIND_TCP;
		rec.state = (uint8_t)st;
		rec.ext = SOCK_NO_EXT;
		if (filter_match(t->lfilter, &rec, &(struct filter_env){0}))
			return true;
	}
	return false;
}

/* The comm of pid, from a small cache or /proc (process gone: stays ""). */
static void fill_comm(struct tui *t, struct sock_lifetime *lt, uint64_t now)
{
	struct tui_comm *c = NULL;
	char path[64];
	ssize_t n;
	int fd;

	if (!lt->pid || lt->comm[0])
		return;
	for (size_t i = 0; i < TUI_COMM_MAX; i++)
		if (t->comms[i].pid == lt->pid && now - t->comms[i].ms < TUI_COMM_TTL_MS)
			c = &t->comms[i];
	if (!c) {
		c = &t->comms[t->comm_next];
		t->comm_next = (t->comm_next + 1) % TUI_COMM_MAX;
		memset(c, 0, sizeof(*c));
		c->pid = lt->pid;
		c->ms = now;
		snprintf(path, sizeof(path), "/proc/%" PRIu32 "/comm", lt->pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, c->comm, sizeof(c->comm) - 1);
			close(fd);
			if (n > 0 && c->comm[n - 1] == '\n')
				n--;
			c->comm[n > 0 ? n : 0] = '\0';
		}
	}
	memcpy(lt->comm, c->comm, sizeof(lt->comm));
}

/* At each refresh: the counters since the previous one, the rates, the
 * recently closed connections that pass the filter. */
static void feed_sample(struct tui *t)
{
	size_t w = 0;
	int r;

	if (!t->feed)
		return;
	if (!t->feed_err && (r = feed_error(t->feed)) < 0) {
		t->feed_err = r;
		feed_notice(t, "event source stopped: ", strerror(-r));
	}
	if (!t->opt->all_netns)
		(void)feed_set_listeners(t->feed, &t->set); /* children of our listeners are ours */
	memcpy(t->pairs_prev, t->pairs_cur, sizeof(t->pairs_prev));
	t->fst_prev = t->fst_cur;
	t->feed_prev_ms = t->feed_cur_ms;
	feed_get_pairs(t->feed, t->pairs_cur);
	feed_get_stats(t->feed, &t->fst_cur);
	t->feed_cur_ms = tui_now_ms();
	t->nrates = tui_pair_rates(&t->pairs_prev[0][0], &t->pairs_cur[0][0], t->feed_cur_ms - t->feed_prev_ms, t->rates,
				   TUI_PAIRS_MAX);
	t->recent_kept = feed_get_recent(t->feed, t->recent, TUI_RECENT_MAX);
	for (size_t i = 0; i < t->recent_kept; i++) {
		if (!life_matches(t, &t->recent[i]))
			continue;
		t->recent[w] = t->recent[i];
		fill_comm(t, &t->recent[w++], t->feed_cur_ms);
	}
	t->nrecent = w;
}

/* --all-netns: sockets per namespace, the TUI_NSC_MAX largest named by their
 * where label (host, docker:NAME, pod:NS/NAME, netns:NAME).  Runs while the
 * worker is idle (the attribution and the namespace list are its). */
static int ns_counts_update(struct tui *t)
{
	size_t nns = t->p.allns ? allns_count(t->p.allns) : 0;

	t->nnsc = t->ns_nonempty = 0;
	t->ns_other = 0;
	if (!t->opt->all_netns || !nns)
		return 0;
	if (nns > t->ns_counts_cap) {
		unsigned long *nc = realloc(t->ns_counts, nns * sizeof(*nc));

		if (!nc)
			return -ENOMEM;
		t->ns_counts = nc;
		t->ns_counts_cap = nns;
	}
	memset(t->ns_counts, 0, nns * sizeof(*t->ns_counts));
	for (size_t i = 0; i < t->set.n; i++)
		if (t->set.v[i].netns_id < nns)
			t->ns_counts[t->set.v[i].netns_id]++;
	for (size_t i = 0; i < nns; i++)
		if (t->ns_counts[i]) {
			t->ns_nonempty++;
			t->ns_other += t->ns_counts[i];
		}
	while (t->nnsc < TUI_NSC_MAX) {
		size_t best = nns;
		struct tui_nscount *c;
		const char *label = NULL;

		for (size_t i = 0; i < nns; i++)
			if (t->ns_counts[i] && (best == nns || t->ns_counts[i] > t->ns_counts[best]))
				best = i;
		if (best == nns)
			break;
		c = &t->nsc[t->nnsc++];
		c->n = t->ns_counts[best];
		t->ns_other -= c->n;
		t->ns_counts[best] = 0; /* taken */
		if (t->p.attr) {
			/* a record with no cookie and no inode: the namespace's own attribution */
			struct sock_rec r;

			memset(&r, 0, sizeof(r));
			r.netns_id = (uint32_t)best;
			r.ext = SOCK_NO_EXT;
			label = attrib_view(t->p.attr, &r, NULL)->where;
		}
		if (!label || !label[0]) {
			const struct allns_ns *ns = allns_get(t->p.allns, best);

			label = ns ? ns->label : "?";
		}
		snprintf(c->label, sizeof(c->label), "%s", label);
	}
	return 0;
}

static int consume(struct tui *t)
{
	struct worker *w = &t->w;
	struct procmap *old;
	uint64_t when;
	bool rebase;
	int err;

	pthread_mutex_lock(&w->mx);
	if (!w->done) {
		pthread_mutex_unlock(&w->mx);
		return 0;
	}
	w->done = false;
	rebase = w->result_rebase && !w->err;
	if (!w->err)
		w->result_rebase = false;
	t->coll_err = w->err;
	t->res = w->res;
	when = w->done_ms;
	/* --all-netns: a pass can cost seconds of CPU (every namespace's dump
	 * walks the host's shared TCP hash table): refresh no more often than
	 * keeps top within TUI_CPU_BUDGET_PCT of one core, and say so */
	t->pace_ms = 0;
	if (t->opt->all_netns && w->cost_ms * 100u / TUI_CPU_BUDGET_PCT > t->interval_ms) {
		t->pace_ms = w->cost_ms * 100u / TUI_CPU_BUDGET_PCT;
		t->pass_cpu_ms = w->cost_ms;
		if (t->next_ms && t->next_ms < t->req_ms + t->pace_ms)
			t->next_ms = t->req_ms + t->pace_ms;
	}
	if (w->err) {
		/* keep what is on screen; recycle the map */
		w->spare = w->result_owners;
	} else {
		struct sock_set tmp = t->set;

		t->set = w->set;
		w->set = tmp;
		old = t->owners_map;
		t->owners_map = w->result_owners;
		t->owners = w->result_has_owners ? t->owners_map : NULL;
		w->spare = old;
		t->seen = w->seen;
	}
	w->result_owners = NULL;
	pthread_mutex_unlock(&w->mx);
	if (t->coll_err)
		return 0;
	t->snap_time = time(NULL);
	t->have_data = true;
	t->cc.owners = t->owners;
	if (rebase)
		tui_model_rebase(&t->m);
	err = tui_model_update(&t->m, &t->set, when, t->owners);
	if (err)
		return err;
	t->nalerts = tui_alerts(&t->m, &t->set, t->alerts, TUI_ALERTS_MAX);
	t->nalerts += check_alerts(t, t->alerts + t->nalerts, TUI_ALERTS_MAX - t->nalerts);
	feed_sample(t);
	err = ns_counts_update(t);
	if (err)
		return err;
	return rebuild_rows(t);
}

/* ---- columns ------------------------------------------------------------- */

static void add_col(struct tui *t, const char *name)
{
	const struct column *c = column_find(name);

	if (!c || t->ncols >= TUI_COLS_MAX)
		return;
	for (size_t i = 0; i < t->ncols; i++)
		if (t->cols[i] == c)
			return;
	t->cols[t->ncols++] = c;
}

static void build_cols(struct tui *t)
{
	static const char *const info[] = {"rtt_ms", "cwnd", "retrans", "tx_rate", "rx_rate"};

	t->ncols = 0;
	for (size_t i = 0; i < t->nbase; i++)
		add_col(t, t->base[i]->name);
	if (t->info_on)
		for (size_t i = 0; i < sizeof(info) / sizeof(info[0]); i++)
			add_col(t, info[i]);
	if (t->owners_on)
		add_col(t, "processes");
	for (size_t i = 0; i < t->ncols; i++)
		t->width[i] = 0;
}

/* ---- drawing -------------------------------------------------------------- */

static const char *const spark_utf8[] = {"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
					 "\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88"};
static const char spark_ascii[] = "_.-=#";

static void draw_spark(struct tui *t, int y, int x, int w, int state)
{
	size_t len = t->m.ring_len < (size_t)w ? t->m.ring_len : (size_t)w;
	size_t start = t->m.ring_len - len;
	uint32_t max = 0;
	int levels = t->utf8 ? 8 : 5;

	for (size_t k = start; k < t->m.ring_len; k++) {
		uint32_t v = tui_model_spark(&t->m, state, k);

		if (v > max)
			max = v;
	}
	move(y, x);
	for (size_t k = start; k < t->m.ring_len; k++) {
		uint32_t v = tui_model_spark(&t->m, state, k);
		int lv = max ? (int)(((uint64_t)v * (uint64_t)(levels - 1) + max - 1) / max) : 0;

		if (t->utf8)
			addstr(spark_utf8[lv]);
		else
			addch((chtype)(unsigned char)spark_ascii[lv]);
	}
}

/* The 11 states as counters in a grid; returns the rows used. */
static int draw_header(struct tui *t, int y, int max_rows)
{
	int per = t->W / 36 > 0 ? t->W / 36 : 1;
	int cellw, rows;

	if (per > SK_STATE_MAX - 1)
		per = SK_STATE_MAX - 1;
	cellw = t->W / per;
	rows = (SK_STATE_MAX - 1 + per - 1) / per;
	if (rows > max_rows)
		rows = max_rows;
	for (int i = 0; i < rows * per && i < SK_STATE_MAX - 1; i++) {
		int s = state_display_order[i];
		int x = (i % per) * cellw, yy = y + i / per;
		long delta = (long)t->m.counts[s] - (long)t->m.prev_counts[s];
		char buf[64];
		int n;

		attrset(state_attr(t, s));
		put_safe(yy, x, cellw, state_name(s), strlen(state_name(s)));
		attrset(A_NORMAL);
		if (!t->have_data)
			n = snprintf(buf, sizeof(buf), "%6s %6s ", "-", "");
		else if (delta)
			n = snprintf(buf, sizeof(buf), "%6lu %+6ld ", t->m.counts[s], delta);
		else
			n = snprintf(buf, sizeof(buf), "%6lu %6s ", t->m.counts[s], "");
		if (cellw > 14) {
			if (t->m.counts[s])
				attron(A_BOLD);
			put_safe(yy, x + 13, cellw - 13, buf, (size_t)n);
			attroff(A_BOLD);
		}
		if (cellw - 13 - n - 1 > 0 && t->have_data) {
			attrset(state_attr(t, s) & ~(attr_t)A_BOLD);
			draw_spark(t, yy, x + 13 + n, cellw - 13 - n - 1, s);
			attrset(A_NORMAL);
		}
	}
	return rows;
}

static const char *group_label(enum group_by g)
{
	switch (g) {
	case GROUP_PROCESS:
		return "process";
	case GROUP_REMOTE_HOST:
		return "remote host";
	case GROUP_LOCAL_PORT:
		return "local port";
	case GROUP_STATE:
		return "state";
	case GROUP_REMOTE:
		return "remote";
	case GROUP_NETNS:
		return "netns";
	case GROUP_CONTAINER:
		return "container";
	case GROUP_POD:
		return "pod";
	case GROUP_UNIT:
		return "unit";
	case GROUP_NONE:
		break;
	}
	return "none";
}

static void draw_status(struct tui *t, int y)
{
	struct obuf *o = &t->tmp;
	char tbuf[16] = "--:--:--";
	struct tm tm;
	time_t now = time(NULL);
	int x;

	if (localtime_r(&now, &tm))
		strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
	o->len = 0;
	obuf_printf(o, "%s  %s  ns:%s  every %gs", tbuf, t->have_data ? backend_name(t->res.used) : "-",
		    t->opt->all_netns ? "all" : t->opt->netns ? t->opt->netns : "current",
		    (double)t->interval_ms / 1000.0);
	if (t->pace_ms)
		obuf_printf(o, " (paced to %.1fs: a pass costs %.1fs of CPU)", (double)t->pace_ms / 1000.0,
			    (double)t->pass_cpu_ms / 1000.0);
	obuf_printf(o, "  %zu/%lu shown  sort:%s%s  group:%s", t->group == GROUP_NONE ? (size_t)t->set.n : t->groups.n,
		    t->seen, t->sort_col ? t->sort_col->name : "none", t->sort_dir < 0 ? "-" : "+",
		    group_label(t->group));
	if (t->owners_on)
		obuf_puts(o, "  +procs");
	if (t->info_on)
		obuf_puts(o, "  +info");
	if (t->opt->kinds & (t->opt->kinds - 1))
		obuf_printf(o, "  kind:%s", t->kind_view < KIND_MAX ? kind_get(t->kind_view)->name : "all");
	obuf_printf(o, "  filter: %s", t->filter_text[0] ? t->filter_text : "(none)");
	move(y, 0);
	clrtoeol();
	x = 0;
	if (t->paused) {
		attrset(A_REVERSE | A_BOLD);
		x += put_lit(y, 0, t->W, " PAUSED ") + 1;
		attrset(A_NORMAL);
	} else if (worker_active(t) && tui_now_ms() - t->req_ms > 300) {
		attrset(A_BOLD);
		x += put_lit(y, 0, t->W, "collecting... ");
		attrset(A_NORMAL);
	}
	if (t->feed && (t->fst_cur.lost || t->fst_cur.overruns)) {
		char lb[64];
		int n = t->fst_cur.lost ? snprintf(lb, sizeof(lb), "LOST %" PRIu64 " events  ", t->fst_cur.lost) :
					  snprintf(lb, sizeof(lb), "LOST: %" PRIu64 " overruns  ", t->fst_cur.overruns);

		attrset(A_BOLD | (t->color ? COLOR_PAIR(PAIR_RED) : 0));
		x += put_safe(y, x, t->W - x, lb, (size_t)n);
		attrset(A_NORMAL);
	}
	if (t->feed_note_shown && tui_now_ms() < t->feed_note_until && t->feed_note[0] && x < t->W) {
		/* at most a third of the line: the rest of the status stays; t shows all of it */
		int cap = t->W / 3 > 24 ? t->W / 3 : 24;
		int w = escaped_width(t, t->feed_note, strlen(t->feed_note));

		attrset(A_BOLD);
		if (w <= cap) {
			x += put_str(t, y, x, t->W - x, t->feed_note);
		} else {
			x += put_str(t, y, x, cap - 8 < t->W - x ? cap - 8 : t->W - x, t->feed_note);
			x += put_lit(y, x, t->W - x, "... (t)");
		}
		x += put_lit(y, x, t->W - x, "  ");
		attrset(A_NORMAL);
	}
	if (t->coll_err) {
		char eb[128];
		int n = snprintf(eb, sizeof(eb), "error: %s  ", strerror(-t->coll_err));

		attrset(A_BOLD | (t->color ? COLOR_PAIR(PAIR_RED) : 0));
		x += put_safe(y, x, t->W - x, eb, (size_t)n);
		attrset(A_NORMAL);
	}
	if (o->err)
		return;
	put_raw(t, y, x, t->W - x, o->buf, o->len, false);
}

static void draw_alerts(struct tui *t, int y)
{
	int x = 0;

	move(y, 0);
	clrtoeol();
	if (!t->nalerts) {
		attrset(A_DIM);
		put_lit(y, 0, t->W, "alerts: none");
		attrset(A_NORMAL);
		return;
	}
	attrset(A_BOLD | (t->color ? COLOR_PAIR(PAIR_RED) : 0));
	x += put_lit(y, 0, t->W, "alerts: ");
	attrset(A_NORMAL);
	for (size_t i = 0; i < t->nalerts && x < t->W; i++) {
		if (i)
			x += put_lit(y, x, t->W - x, " | ");
		x += put_str(t, y, x, t->W - x, t->alerts[i].text);
	}
}

static const char *sort_mark(const struct tui *t)
{
	if (t->utf8)
		return t->sort_dir < 0 ? "\xe2\x96\xbc" : "\xe2\x96\xb2";
	return t->sort_dir < 0 ? "v" : "^";
}

static void draw_table(struct tui *t, int y, int h)
{
	struct obuf *o = &t->tmp;
	size_t end;
	int x;

	clamp_scroll(&t->sel, &t->top, t->nrows, h - 1);
	end = t->top + (size_t)(h - 1) < t->nrows ? t->top + (size_t)(h - 1) : t->nrows;
	/* widths grow to fit what was shown: stable while scrolling */
	for (size_t c = 0; c < t->ncols; c++) {
		int hw = (int)strlen(t->cols[c]->header) + (t->cols[c] == t->sort_col ? 1 : 0);
		int cap = t->cols[c]->type == CT_PROCS ? 60 : 40;

		if (t->width[c] < hw)
			t->width[c] = hw;
		for (size_t i = t->top; i < end; i++) {
			struct col_val v;
			int w;

			row_value(t, t->cols[c], t->rows[i], &v);
			o->len = 0;
			col_val_text(&v, o, false);
			w = escaped_width(t, o->buf, o->len);
			if (w > cap)
				w = cap;
			if (w > t->width[c])
				t->width[c] = w;
		}
	}
	/* header */
	attrset(A_REVERSE | A_BOLD);
	move(y, 0);
	hline(' ', t->W);
	x = 2;
	t->ncols_drawn = 0;
	for (size_t c = 0; c < t->ncols && x < t->W; c++) {
		const struct column *col = t->cols[c];
		int w = t->width[c];
		bool right = col->flags & COLF_RIGHT;
		char hb[96];
		int n = snprintf(hb, sizeof(hb), "%s%s", col->header, col == t->sort_col ? sort_mark(t) : "");
		size_t bytes;
		int tw = text_fit(hb, (size_t)n, w, &bytes);

		if (c + 1 == t->ncols || x + w > t->W)
			w = t->W - x;
		t->col_x[c] = x;
		put_safe(y, right && tw < w ? x + (t->width[c] - tw) : x, w, hb, (size_t)n);
		x += w + 1;
		t->ncols_drawn = c + 1;
	}
	t->col_x[t->ncols_drawn] = t->W;
	attrset(A_NORMAL);
	if (!t->nrows) {
		attrset(A_DIM);
		put_lit(y + 1, 2, t->W - 2, t->have_data ? "no sockets match" : "collecting...");
		attrset(A_NORMAL);
	}
	for (size_t i = t->top; i < end; i++) {
		int yy = y + 1 + (int)(i - t->top);
		const struct tui_track *tr = &t->m.t[t->rows[i]];
		attr_t base = i == t->sel ? A_REVERSE : A_NORMAL;
		const char *mark = " ";

		if (tr->change == TUI_GONE)
			base |= A_DIM;
		else if (tr->change == TUI_NEW)
			base |= A_BOLD;
		if (tr->change == TUI_NEW)
			mark = "+";
		else if (tr->change == TUI_STATE)
			mark = "~";
		else if (tr->change == TUI_GONE)
			mark = "-";
		attrset(base);
		move(yy, 0);
		hline(' ', t->W);
		put_safe(yy, 0, 1, mark, 1);
		for (size_t c = 0; c < t->ncols_drawn; c++) {
			const struct column *col = t->cols[c];
			int cx = t->col_x[c], w = c + 1 == t->ncols_drawn ? t->W - cx : t->width[c];
			struct col_val v;

			if (w > t->W - cx)
				w = t->W - cx;
			row_value(t, col, t->rows[i], &v);
			o->len = 0;
			col_val_text(&v, o, false);
			if (!strcmp(col->name, "state") && tr->change != TUI_GONE)
				attrset(base | state_attr(t, tr->rec.state));
			if (!o->err)
				put_raw(t, yy, cx, w, o->buf, o->len, col->flags & COLF_RIGHT);
			attrset(base);
		}
		attrset(A_NORMAL);
	}
}

static const char *const group_short[SK_STATE_MAX] = {
	[SK_LISTEN] = "LISTEN",  [SK_SYN_SENT] = "SYN-S",   [SK_SYN_RECV] = "SYN-R",  [SK_ESTABLISHED] = "ESTAB",
	[SK_FIN_WAIT1] = "FIN-W1", [SK_FIN_WAIT2] = "FIN-W2", [SK_CLOSE_WAIT] = "CL-WAIT", [SK_CLOSING] = "CLOSING",
	[SK_LAST_ACK] = "LAST-A", [SK_TIME_WAIT] = "TIME-W", [SK_CLOSE] = "CLOSED",
};

static void draw_groups(struct tui *t, int y, int h)
{
	int keyw = t->W - 8 - (SK_STATE_MAX - 1) * 8;
	char buf[32];
	size_t end;
	int x;

	if (keyw < 12)
		keyw = 12;
	if (keyw > 40)
		keyw = 40;
	clamp_scroll(&t->gsel, &t->gtop, t->groups.n, h - 1);
	end = t->gtop + (size_t)(h - 1) < t->groups.n ? t->gtop + (size_t)(h - 1) : t->groups.n;
	attrset(A_REVERSE | A_BOLD);
	move(y, 0);
	hline(' ', t->W);
	snprintf(buf, sizeof(buf), "Group: %s", group_label(t->group));
	put_safe(y, 2, keyw - 2, buf, strlen(buf));
	put_lit(y, keyw + 1, t->W - keyw - 1, "  Total");
	x = keyw + 9;
	for (int i = 0; i < SK_STATE_MAX - 1 && x < t->W; i++, x += 8) {
		const char *s = group_short[state_display_order[i]];

		put_safe(y, x + 7 - (int)strlen(s), t->W - x, s, strlen(s));
	}
	attrset(A_NORMAL);
	for (size_t i = t->gtop; i < end; i++) {
		const struct group_row *g = &t->groups.rows[i];
		int yy = y + 1 + (int)(i - t->gtop);
		int n;

		attrset(i == t->gsel ? A_REVERSE : A_NORMAL);
		move(yy, 0);
		hline(' ', t->W);
		put_str(t, yy, 2, keyw - 2, g->key);
		n = snprintf(buf, sizeof(buf), "%7lu", g->total);
		put_safe(yy, keyw + 1, t->W - keyw - 1, buf, (size_t)n);
		x = keyw + 9;
		for (int k = 0; k < SK_STATE_MAX - 1 && x < t->W; k++, x += 8) {
			int s = state_display_order[k];

			if (!g->states[s])
				continue;
			n = snprintf(buf, sizeof(buf), "%7lu", g->states[s]);
			attrset((i == t->gsel ? A_REVERSE : A_NORMAL) | state_attr(t, s));
			put_safe(yy, x, t->W - x, buf, (size_t)n);
		}
		attrset(A_NORMAL);
	}
	if (!t->groups.n) {
		attrset(A_DIM);
		put_lit(y + 1, 2, t->W - 2, "no sockets match");
		attrset(A_NORMAL);
	}
}

/* One line of the detail pane, raw text escaped. */
static void detail_line(struct tui *t, int *y, int ymax, const char *label, struct obuf *o)
{
	if (*y >= ymax)
		return;
	move(*y, 0);
	clrtoeol();
	attrset(A_BOLD);
	put_safe(*y, 1, t->W - 1, label, strlen(label));
	attrset(A_NORMAL);
	if (!o->err)
		put_raw(t, *y, 11, t->W - 11, o->buf, o->len, false);
	(*y)++;
}

static void draw_detail(struct tui *t, int y, int h)
{
	struct obuf *o = &t->tmp;
	int ymax = y + h;
	const char *arrow = t->utf8 ? " \xe2\x86\x92 " : " -> ";
	const struct tui_track *tr;
	const struct sock_rec *r;
	const struct sock_ext *e;
	const struct state_info *si;
	char a1[64], a2[64], d[32];

	attrset(A_BOLD);
	move(y, 0);
	hline(t->utf8 ? ACS_HLINE : '-', t->W);
	put_lit(y, 2, t->W - 2, " details ");
	attrset(A_NORMAL);
	y++;
	for (int yy = y; yy < ymax; yy++) {
		move(yy, 0);
		clrtoeol();
	}
	if (t->group != GROUP_NONE || !t->nrows) {
		attrset(A_DIM);
		put_lit(y, 1, t->W - 1, "no socket selected (details need the socket view: press g until none)");
		attrset(A_NORMAL);
		return;
	}
	tr = &t->m.t[t->rows[t->sel]];
	r = row_rec(t, t->rows[t->sel], &e);
	si = sock_state_info(r);
	o->len = 0;
	if (r->kind != KIND_TCP)
		obuf_printf(o, "%s ", sock_netid(r));
	obuf_printf(o, "%s%s", sock_state_name(r), tr->change == TUI_GONE ? " (gone)" : "");
	if (si)
		obuf_printf(o, ": %s  [side %s, role %s]", si->meaning, side_name(si->side), role_name(si->role));
	detail_line(t, &y, ymax, "state", o);
	sock_addr_str(r->family, r->laddr, a1, sizeof(a1));
	sock_addr_str(r->family, r->raddr, a2, sizeof(a2));
	o->len = 0;
	obuf_printf(o, "%s %s port %u -> %s port %u", r->family == AF_INET6 ? "inet6" : "inet", a1, r->lport, a2,
		    r->rport);
	if (r->flags & SOCK_F_COOKIE)
		obuf_printf(o, "  cookie %llu", (unsigned long long)r->cookie);
	obuf_printf(o, "  inode %llu  uid %u", (unsigned long long)r->inode, r->uid);
	detail_line(t, &y, ymax, "socket", o);
	o->len = 0;
	obuf_printf(o, "recv-q %u  send-q %u%s", r->recv_q, r->send_q,
		    r->state == SK_LISTEN ? " (backlog)" : "");
	if (r->flags & SOCK_F_TIMER) {
		static const char *const tn[SOCK_TIMER_MAX] = {"off", "retransmit", "keepalive", "timewait", "persist"};

		tui_fmt_duration(r->timer_expires_ms, d, sizeof(d));
		obuf_printf(o, "  timer %s", r->timer < SOCK_TIMER_MAX ? tn[r->timer] : "?");
		if (r->timer)
			obuf_printf(o, " in %s", d);
		obuf_printf(o, "  retransmits %u", r->retransmits);
	}
	detail_line(t, &y, ymax, "queues", o);
	o->len = 0;
	if (SOCK_INFO_HAS(e, tcpi_rtt)) {
		obuf_printf(o, "rtt %.3fms/%.3fms  rto %.0fms  cwnd %u  ssthresh %u  mss %u  retrans %u/%u",
			    e->info.tcpi_rtt / 1000.0, e->info.tcpi_rttvar / 1000.0, e->info.tcpi_rto / 1000.0,
			    e->info.tcpi_snd_cwnd, e->info.tcpi_snd_ssthresh, e->info.tcpi_snd_mss,
			    e->info.tcpi_retrans, e->info.tcpi_total_retrans);
		if (SOCK_INFO_HAS(e, tcpi_bytes_received))
			obuf_printf(o, "  acked %llu  received %llu", (unsigned long long)e->info.tcpi_bytes_acked,
				    (unsigned long long)e->info.tcpi_bytes_received);
		if (tr->has_rate)
			obuf_printf(o, "  tx %.0f B/s  rx %.0f B/s", tr->rate.tx_bps, tr->rate.rx_bps);
	} else {
		obuf_puts(o, t->info_on ? "none for this socket" : "press i to collect tcp_info");
	}
	detail_line(t, &y, ymax, "tcp_info", o);
	o->len = 0;
	if (t->owners && r->inode) {
		const struct sock_owner *ow;
		size_t n = procmap_lookup(t->owners, r->inode, &ow);

		for (size_t i = 0; i < n; i++)
			obuf_printf(o, "%s%s(pid=%d,fd=%d)", i ? ", " : "", ow[i].comm, (int)ow[i].pid, (int)ow[i].fd);
		if (!n)
			obuf_puts(o, "none found (another user's process, or already closed)");
	} else {
		obuf_puts(o, t->owners ? "none (no inode)" : "press p to look up owning processes");
	}
	detail_line(t, &y, ymax, "owners", o);
	o->len = 0;
	for (size_t i = 0; i < tr->nhist; i++) {
		uint64_t end = i + 1 < tr->nhist ? tr->hist[i + 1].since_ms : t->m.now_ms;

		tui_fmt_duration(end - tr->hist[i].since_ms, d, sizeof(d));
		obuf_printf(o, "%s%s %s%s", i ? arrow : "", state_name(tr->hist[i].state),
			    i == 0 && tr->baseline ? ">=" : "", d);
	}
	detail_line(t, &y, ymax, "history", o);
	if (si && y < ymax) {
		o->len = 0;
		obuf_puts(o, si->pileup);
		detail_line(t, &y, ymax, "if many", o);
	}
}

/* ---- the transitions and recently closed views ----------------------------- */

struct vline {
	char text[112]; /* our own words and numbers: safe to draw */
	attr_t attr;
};

static void vl_set(struct vline *l, attr_t attr, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void vl_set(struct vline *l, attr_t attr, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
	l->attr = attr;
}

static attr_t red_bold(const struct tui *t)
{
	return A_BOLD | (t->color ? COLOR_PAIR(PAIR_RED) : 0);
}

/* The bar over both views: title, scope and source (scope may be a -N name). */
static void view_bar(struct tui *t, int y, const char *title, const char *extra)
{
	struct obuf *o = &t->tmp;

	attrset(A_REVERSE | A_BOLD);
	move(y, 0);
	hline(' ', t->W);
	o->len = 0;
	obuf_printf(o, " %s  scope: %s  source: %s%s%s%s", title, t->feed_scope ? t->feed_scope : "-",
		    t->feed ? feed_source_name(feed_source(t->feed)) : "none",
		    t->feed && feed_source(t->feed) == FEED_SRC_TRACEPOINT ? " via " : "",
		    t->feed && feed_source(t->feed) == FEED_SRC_TRACEPOINT ? feed_reader_name(t->feed) : "",
		    extra ? extra : "");
	if (!o->err)
		put_raw(t, y, 0, t->W, o->buf, o->len, false);
	attrset(A_NORMAL);
}

/* Lines y.. of the view: "LOST" first when samples were lost, the reason
 * when there is no feed.  Returns the next free line. */
static int view_preamble(struct tui *t, int y, int ymax)
{
	char buf[160];
	int n;

	if (y < ymax && t->feed && (t->fst_cur.lost || t->fst_cur.overruns)) {
		if (t->fst_cur.lost)
			n = snprintf(buf, sizeof(buf), "LOST %" PRIu64 " samples: the kernel dropped them, the counts below miss them",
				     t->fst_cur.lost);
		else
			n = snprintf(buf, sizeof(buf), "LOST: the destroy groups overran %" PRIu64 " times (closes missed)",
				     t->fst_cur.overruns);
		attrset(red_bold(t) | A_REVERSE);
		put_safe(y++, 0, t->W, buf, (size_t)n);
		attrset(A_NORMAL);
	}
	if (y < ymax && (!t->feed || t->feed_err)) {
		attrset(A_BOLD);
		put_lit(y, 1, t->W - 1, t->feed ? "the event source stopped; the counts stay as they were" :
						  "rates unavailable; top runs on snapshots only:");
		attrset(A_NORMAL);
		y++;
		if (y < ymax)
			put_str(t, y++, 3, t->W - 3, t->feed_note);
	} else if (y < ymax && t->feed_note[0]) {
		/* a source skipped on the way, or no bytes in the lifetimes */
		attrset(A_DIM);
		put_str(t, y++, 1, t->W - 1, t->feed_note);
		attrset(A_NORMAL);
	}
	return y;
}

static void draw_lines(int y, int x, int w, int h, const struct vline *v, size_t n, size_t top)
{
	for (size_t i = top; i < n && (int)(i - top) < h; i++) {
		attrset(v[i].attr);
		put_safe(y + (int)(i - top), x, w, v[i].text, strlen(v[i].text));
	}
	attrset(A_NORMAL);
}

static void draw_transitions(struct tui *t, int y, int h)
{
	static const enum lt_end ends[] = {LT_END_NORMAL, LT_END_RESET, LT_END_REFUSED, LT_END_TIMEOUT,
					   LT_END_NEVER_ESTABLISHED, LT_END_UNKNOWN};
	static const enum lt_closer closers[] = {LT_CLOSER_ACTIVE, LT_CLOSER_PASSIVE, LT_CLOSER_SIMULTANEOUS};
	struct vline left[TUI_PAIRS_MAX], right[24];
	const struct feed_stats *c = &t->fst_cur, *p = &t->fst_prev;
	uint64_t ms = t->feed_cur_ms - t->feed_prev_ms;
	size_t nl = 0, nr = 0, total;
	int ymax = y + h, lw = 50;
	bool side;
	char extra[96], d[32];

	tui_fmt_duration(t->feed_cur_ms - t->feed_start_ms, d, sizeof(d));
	snprintf(extra, sizeof(extra), "  /s over the last %.2fs  since %s  (not filtered)", (double)ms / 1000.0, d);
	view_bar(t, y++, "Transitions", t->feed ? extra : NULL);
	y = view_preamble(t, y, ymax);
	if (!t->feed || y >= ymax)
		return;

	for (size_t i = 0; i < t->nrates; i++) {
		const struct tui_pair_rate *r = &t->rates[i];

		vl_set(&left[nl++], r->delta ? A_BOLD : A_NORMAL, "%-12s -> %-12s %9.1f %10" PRIu64,
			  tui_tcp_state_name(r->old_state, false), tui_tcp_state_name(r->new_state, false), r->per_s,
			  r->total);
	}
	vl_set(&right[nr++], A_NORMAL, "%-22s %9.1f %10" PRIu64, "opened actively",
		  tui_rate(p->opened_active, c->opened_active, ms), c->opened_active);
	vl_set(&right[nr++], A_NORMAL, "%-22s %9.1f %10" PRIu64, "opened passively",
		  tui_rate(p->opened_passive, c->opened_passive, ms), c->opened_passive);
	vl_set(&right[nr++], A_NORMAL, "%-22s %9.1f %10" PRIu64, "closed",
		  tui_rate(p->closed, c->closed, ms), c->closed);
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		enum lt_end e = ends[i];

		if (e == LT_END_UNKNOWN && !c->ends[e])
			continue;
		vl_set(&right[nr++], A_NORMAL, "  %-20s %9.1f %10" PRIu64, lt_end_name(e),
			  tui_rate(p->ends[e], c->ends[e], ms), c->ends[e]);
	}
	for (size_t i = 0; i < sizeof(closers) / sizeof(closers[0]); i++) {
		enum lt_closer k = closers[i];
		char name[32];

		snprintf(name, sizeof(name), "closer %s", lt_closer_name(k));
		vl_set(&right[nr++], A_NORMAL, "%-22s %9.1f %10" PRIu64, name, tui_rate(p->closers[k], c->closers[k], ms),
			  c->closers[k]);
	}
	vl_set(&right[nr++], c->lost ? red_bold(t) : A_NORMAL, "%-22s %9.1f %10" PRIu64, "lost samples",
		  tui_rate(p->lost, c->lost, ms), c->lost);
	if (feed_source(t->feed) == FEED_SRC_DESTROY || c->overruns)
		vl_set(&right[nr++], c->overruns ? red_bold(t) : A_NORMAL, "%-22s %9s %10" PRIu64,
			  "destroy overruns", "", c->overruns);
	if (!t->opt->all_netns)
		vl_set(&right[nr++], A_DIM, "%-22s %9s %10" PRIu64, "other namespaces", "", c->unattributed);
	if (c->evicted)
		vl_set(&right[nr++], A_DIM, "%-22s %9s %10" PRIu64, "forgotten (too many)", "", c->evicted);
	if (feed_source(t->feed) == FEED_SRC_DESTROY)
		vl_set(&right[nr++], A_DIM, "%s", "destroy groups: closes only, no opens");

	if (!nl)
		vl_set(&left[nl++], A_DIM, "%s", "no transition yet");
	side = t->W >= 2 * lw + 2;
	attrset(A_BOLD | A_UNDERLINE);
	put_lit(y, 0, lw, "Old state       New state           /s      Total");
	if (side)
		put_lit(y, lw + 2, t->W - lw - 2, "Connections                   /s      Total");
	attrset(A_NORMAL);
	y++;
	h = ymax - y;
	if (h <= 0)
		return;
	total = side ? nl : nl + 1 + nr;
	if (t->vtop + (size_t)h > total)
		t->vtop = total > (size_t)h ? total - (size_t)h : 0;
	t->view_h = h;
	if (side) {
		draw_lines(y, 0, lw, h, left, nl, t->vtop);
		draw_lines(y, lw + 2, t->W - lw - 2, h, right, nr, 0);
		return;
	}
	/* stacked: the pairs, the counters' heading, the counters */
	for (size_t k = t->vtop; k < total && (int)(k - t->vtop) < h; k++) {
		int yy = y + (int)(k - t->vtop);
		const struct vline *v = k < nl ? &left[k] : k > nl ? &right[k - nl - 1] : NULL;

		attrset(v ? v->attr : A_BOLD | A_UNDERLINE);
		put_lit(yy, 0, t->W, v ? v->text : "Connections                   /s      Total");
	}
	attrset(A_NORMAL);
}

static const char *end_short(enum lt_end e)
{
	static const char *const n[] = {"unknown", "normal", "reset", "refused", "timeout", "never-est"};

	return (unsigned)e < sizeof(n) / sizeof(n[0]) ? n[e] : "?";
}

static const char *who_short(int v, bool closer)
{
	if (closer) {
		switch ((enum lt_closer)v) {
		case LT_CLOSER_NONE:
			return "-";
		case LT_CLOSER_ACTIVE:
			return "act";
		case LT_CLOSER_PASSIVE:
			return "pas";
		case LT_CLOSER_SIMULTANEOUS:
			return "sim";
		case LT_CLOSER_UNKNOWN:
			break;
		}
		return "?";
	}
	switch ((enum lt_opener)v) {
	case LT_OPENER_ACTIVE:
		return "act";
	case LT_OPENER_PASSIVE:
		return "pas";
	case LT_OPENER_UNKNOWN:
		break;
	}
	return "?";
}

static void fmt_endpoint(int family, const uint8_t *addr, uint16_t port, char *buf, size_t len)
{
	char a[64];

	sock_addr_str(family, addr, a, sizeof(a));
	if (family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, port);
	else
		snprintf(buf, len, "%s:%u", a, port);
}

static void fmt_lt_duration(const struct sock_lifetime *lt, char *buf, size_t len)
{
	char d[32];

	if (!lt->open_ns) {
		snprintf(buf, len, "-");
		return;
	}
	if (lt->duration_ns < 1000000)
		snprintf(d, sizeof(d), "%.2fms", (double)lt->duration_ns / 1e6);
	else
		tui_fmt_duration(lt->duration_ns / 1000000, d, sizeof(d));
	snprintf(buf, len, "%s%s", lt->complete ? "" : ">=", d);
}

/* Monotonic ns of an event to the wall clock, "HH:MM:SS". */
static void fmt_mono_time(uint64_t mono_ns, char *buf, size_t len)
{
	struct timespec rt, mt;
	struct tm tm;
	time_t when;
	uint64_t now_ns;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	now_ns = (uint64_t)mt.tv_sec * 1000000000ULL + (uint64_t)mt.tv_nsec;
	when = rt.tv_sec - (time_t)((now_ns > mono_ns ? now_ns - mono_ns : 0) / 1000000000ULL);
	if (!mono_ns || !localtime_r(&when, &tm) || !strftime(buf, len, "%H:%M:%S", &tm))
		snprintf(buf, len, "--:--:--");
}

static void draw_closed(struct tui *t, int y, int h)
{
	struct obuf *o = &t->tmp;
	int ymax = y + h, lw = 5, rw = 6, statew;
	char extra[160], a[80];
	size_t end;

	snprintf(extra, sizeof(extra), "  %zu shown of %zu kept%s", t->nrecent, t->recent_kept,
		 t->lfilter ? "  (filtered)" : t->lfilter_skipped ? "  (not filtered)" : "");
	view_bar(t, y++, "Recently closed", t->feed ? extra : NULL);
	y = view_preamble(t, y, ymax);
	if (!t->feed || y >= ymax)
		return;
	if (t->lfilter_skipped) {
		attrset(A_DIM);
		put_lit(y++, 1, t->W - 1,
			"the filter is not applied here: it needs processes or namespaces, which closed connections lack");
		attrset(A_NORMAL);
		if (y >= ymax)
			return;
	}
	h = ymax - y - 1;
	t->view_h = h > 0 ? h : 1;
	if (t->vtop + (size_t)t->view_h > t->nrecent)
		t->vtop = t->nrecent > (size_t)t->view_h ? t->nrecent - (size_t)t->view_h : 0;
	end = h > 0 && t->vtop + (size_t)h < t->nrecent ? t->vtop + (size_t)h : t->nrecent;
	for (size_t i = t->vtop; i < end; i++) {
		const struct sock_lifetime *lt = &t->recent[i];
		int n;

		fmt_endpoint(lt->family, lt->laddr, lt->lport, a, sizeof(a));
		n = (int)strlen(a);
		lw = n > lw ? n : lw;
		fmt_endpoint(lt->family, lt->raddr, lt->rport, a, sizeof(a));
		n = (int)strlen(a);
		rw = n > rw ? n : rw;
	}
	/* Closed Local Remote Duration End Op/Cl Process Bytes, then the states in what is left */
	statew = t->W - (lw + rw + 70);
	attrset(A_BOLD | A_UNDERLINE);
	o->len = 0;
	obuf_printf(o, " %-8s %-*s %-*s %-8s %-9s %-7s %-16s %-12s %s", "Closed", lw, "Local", rw, "Remote",
		    "Duration", "End", "Op/Cl", "Process", "Bytes out/in", "States");
	if (!o->err)
		put_safe(y, 0, t->W, o->buf, o->len);
	attrset(A_NORMAL);
	y++;
	if (!t->nrecent) {
		attrset(A_DIM);
		put_lit(y, 1, t->W - 1, t->recent_kept ? "no closed connection matches the filter" :
							 "no connection closed yet");
		attrset(A_NORMAL);
		return;
	}
	for (size_t i = t->vtop; i < end; i++) {
		const struct sock_lifetime *lt = &t->recent[i];
		char tm[16], la[80], ra[80], dur[32], oc[16], bytes[48], states[LT_MAX_STATES * 14 + 2];
		int yy = y + (int)(i - t->vtop), x;

		fmt_mono_time(lt->close_ns, tm, sizeof(tm));
		fmt_endpoint(lt->family, lt->laddr, lt->lport, la, sizeof(la));
		fmt_endpoint(lt->family, lt->raddr, lt->rport, ra, sizeof(ra));
		fmt_lt_duration(lt, dur, sizeof(dur));
		snprintf(oc, sizeof(oc), "%s/%s", who_short(lt->opener, false), who_short(lt->closer, true));
		if (lt->has_tcp_info) {
			uint64_t sent = lt->bytes_sent >= lt->bytes_retrans ? lt->bytes_sent - lt->bytes_retrans : 0;
			uint64_t rcvd = lt->end == LT_END_NORMAL && lt->bytes_received ? lt->bytes_received - 1 :
											   lt->bytes_received;

			snprintf(bytes, sizeof(bytes), "%" PRIu64 "/%" PRIu64, sent, rcvd);
		} else {
			snprintf(bytes, sizeof(bytes), "-");
		}
		o->len = 0;
		obuf_printf(o, " %-8s %-*s %-*s %-8s ", tm, lw, la, rw, ra, dur);
		x = put_safe(yy, 0, t->W, o->buf, o->len);
		attrset(lt->end == LT_END_NORMAL ? A_NORMAL : lt->end == LT_END_UNKNOWN ? A_DIM : red_bold(t));
		o->len = 0;
		obuf_printf(o, "%-9s ", end_short(lt->end));
		x += put_safe(yy, x, t->W - x, o->buf, o->len);
		attrset(A_NORMAL);
		o->len = 0;
		obuf_printf(o, "%-7s ", oc);
		x += put_safe(yy, x, t->W - x, o->buf, o->len);
		/* the process name is the kernel's comm: untrusted */
		o->len = 0;
		if (lt->pid && lt->comm[0])
			obuf_printf(o, "%.16s[%" PRIu32 "]", lt->comm, lt->pid);
		else if (lt->pid)
			obuf_printf(o, "pid %" PRIu32, lt->pid);
		else
			obuf_putc(o, '-');
		if (!o->err && x < t->W)
			put_raw(t, yy, x, 16 < t->W - x ? 16 : t->W - x, o->buf, o->len, false);
		x += 17;
		if (x < t->W)
			(void)put_safe(yy, x, t->W - x, bytes, strlen(bytes));
		tui_fmt_states(lt->states, lt->nstates, lt->states_truncated, false, ">", states, sizeof(states));
		if ((int)strlen(states) > statew)
			tui_fmt_states(lt->states, lt->nstates, lt->states_truncated, true, ">", states, sizeof(states));
		x = t->W - (statew > 0 ? statew : 0);
		if (x < t->W && statew > 0)
			put_safe(yy, x, statew, states, strlen(states));
	}
}

/* --all-netns: "netns: host 120  docker:web 30  ..." under the counters. */
static void draw_nsline(struct tui *t, int y)
{
	struct obuf *o = &t->tmp;
	int x;

	move(y, 0);
	clrtoeol();
	attrset(A_BOLD);
	x = put_lit(y, 0, t->W, "netns: ");
	attrset(A_NORMAL);
	o->len = 0;
	for (size_t i = 0; i < t->nnsc; i++)
		obuf_printf(o, "%s%s %lu", i ? "  " : "", t->nsc[i].label, t->nsc[i].n);
	if (t->ns_nonempty > t->nnsc)
		obuf_printf(o, "  +%zu more: %lu", t->ns_nonempty - t->nnsc, t->ns_other);
	if (!t->nnsc)
		obuf_puts(o, t->have_data ? "no sockets" : "-");
	if (!o->err)
		put_raw(t, y, x, t->W - x, o->buf, o->len, false);
}

static const char *const help_lines[] = {
	"sockscope top: keys",
	"",
	"  q  Esc  F10     quit",
	"  ?  h            this help (any key closes it)",
	"  Up Down  j k    move the selection",
	"  PgUp PgDn       move by a page",
	"  Home End        first / last row",
	"  < >             sort by the previous / next column",
	"  r               reverse the sort order",
	"  mouse click     on a header: sort by it; on a row: select it",
	"  /               filter (same language as the command line)",
	"  g               group: none, process, remote host, local port, state",
	"  n               netid: all the kinds asked for, then each in turn",
	"  p               show owning processes",
	"  i               show tcp_info: rtt, cwnd, retrans, tx/s, rx/s",
	"  Enter  d        details of the selected socket",
	"  t               transitions: rate and total per state pair, opens, ends, lost",
	"  c               recently closed connections: lifetime, states, how they ended",
	"                  (t or c again: back to the sockets; Up Down PgUp PgDn scroll)",
	"  space           pause (keeps drawing, stops collecting)",
	"  ^L              redraw the screen",
	"",
	"  marks: + new   ~ state changed   - closed (shown dim once)",
};

static void draw_help(struct tui *t)
{
	int n = (int)(sizeof(help_lines) / sizeof(help_lines[0]));
	int w = 78 < t->W - 2 ? 78 : t->W - 2;
	int h = n + 2 < t->H ? n + 2 : t->H;
	int x0 = (t->W - w) / 2, y0 = (t->H - h) / 2;

	attrset(A_REVERSE);
	for (int i = 0; i < h; i++) {
		move(y0 + i, x0);
		hline(' ', w);
		if (i >= 1 && i - 1 < n)
			put_safe(y0 + i, x0 + 2, w - 3, help_lines[i - 1], strlen(help_lines[i - 1]));
	}
	attrset(A_NORMAL);
}

static void draw_footer(struct tui *t, int y)
{
	move(y, 0);
	clrtoeol();
	if (t->prompt) {
		int x = 0;

		attrset(A_BOLD);
		x += put_lit(y, 0, t->W, "filter: ");
		attrset(A_NORMAL);
		x += put_raw(t, y, x, t->W - x, t->input, t->ilen, false);
		attrset(A_REVERSE);
		x += put_lit(y, x, t->W - x, " ");
		attrset(A_NORMAL);
		if (t->perr[0]) {
			attrset(A_BOLD | (t->color ? COLOR_PAIR(PAIR_RED) : 0));
			x += put_lit(y, x, t->W - x, "  error: ");
			put_str(t, y, x, t->W - x, t->perr);
			attrset(A_NORMAL);
		}
		return;
	}
	attrset(A_DIM);
	if (t->view != VIEW_SOCKETS)
		put_lit(y, 0, t->W, t->view == VIEW_TRANSITIONS ?
			"q quit  ? help  t back to sockets  c closed  / filter  Up Down scroll  space pause" :
			"q quit  ? help  c back to sockets  t transitions  / filter  Up Down scroll  space pause");
	else
		put_lit(y, 0, t->W,
			"q quit  ? help  / filter  g group  p procs  i info  d details  t rates  c closed  space pause  < > r sort");
	attrset(A_NORMAL);
}

static void draw(struct tui *t)
{
	int y = 0, hdr, detail_h = 0;

	getmaxyx(stdscr, t->H, t->W);
	erase();
	if (t->H <= 5 || t->W <= 20) { /* 20x5 and below: nothing useful fits */
		put_lit(0, 0, t->W, "terminal too small");
		refresh();
		return;
	}
	hdr = draw_header(t, 0, t->H - 7 > 0 ? t->H - 7 : 0);
	y = hdr;
	draw_status(t, y++);
	if (t->H - y > 6)
		draw_alerts(t, y++);
	if (t->opt->all_netns && t->H - y > 8)
		draw_nsline(t, y++);
	if (t->detail && t->view == VIEW_SOCKETS && t->H - y > 12)
		detail_h = (t->H - y) / 3 > 9 ? 9 : (t->H - y) / 3;
	t->table_y = y;
	t->table_h = t->H - y - 1 - detail_h;
	if (t->view == VIEW_TRANSITIONS)
		draw_transitions(t, y, t->table_h);
	else if (t->view == VIEW_CLOSED)
		draw_closed(t, y, t->table_h);
	else if (t->group == GROUP_NONE)
		draw_table(t, y, t->table_h);
	else
		draw_groups(t, y, t->table_h);
	if (detail_h)
		draw_detail(t, y + t->table_h, detail_h);
	draw_footer(t, t->H - 1);
	if (t->help)
		draw_help(t);
	refresh();
}

/* ---- keys -------------------------------------------------------------- */

static void sel_move(struct tui *t, long delta)
{
	size_t *sel = t->group == GROUP_NONE ? &t->sel : &t->gsel;
	size_t n = t->group == GROUP_NONE ? t->nrows : t->groups.n;
	long v = (long)*sel + delta;

	if (!n)
		return;
	if (v < 0)
		v = 0;
	if (v >= (long)n)
		v = (long)n - 1;
	*sel = (size_t)v;
	if (t->group == GROUP_NONE) {
		t->sel_rec = t->m.t[t->rows[t->sel]].rec;
		t->sel_valid = true;
	}
}

static int sort_index(const struct tui *t)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (t->cols[i] == t->sort_col)
			return (int)i;
	return -1;
}

/* The filter prompt.  Returns ACT_* flags. */
/* The filter the worker runs: the user's, narrowed to the kind in view. */
static void send_filter(struct tui *t)
{
	char expr[TUI_FILTER_MAX + 64];

	compose_filter(t, expr, sizeof(expr));
	request(t, expr, true);
	life_filter_set(t);
}

/* n: all the kinds asked for, then each of them in turn. */
static int next_kind(struct tui *t)
{
	uint32_t kinds = t->opt->kinds & kinds_present();
	unsigned k = t->kind_view >= KIND_MAX ? 0 : t->kind_view + 1;

	if (!(kinds & (kinds - 1)))
		return ACT_NONE; /* one kind: nothing to cycle */
	while (k < KIND_MAX && !(kinds & KIND_BIT(k)))
		k++;
	t->kind_view = k;
	send_filter(t);
	return ACT_REDRAW;
}

static int prompt_key(struct tui *t, int ch)
{
	if (ch == 27) {
		t->prompt = false;
		return ACT_REDRAW;
	}
	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		struct filter_error fe;
		struct filter *f = NULL;
		int err;

		t->input[t->ilen] = '\0';
		memset(&fe, 0, sizeof(fe));
		err = filter_parse_str(t->input, &f, &fe);
		if (err) {
			snprintf(t->perr, sizeof(t->perr), "%s (at column %zu)",
				 fe.msg[0] ? fe.msg : strerror(-err), fe.pos + 1);
			return ACT_REDRAW;
		}
		filter_free(f);
		memcpy(t->filter_text, t->input, t->ilen + 1);
		t->prompt = false;
		t->perr[0] = '\0';
		send_filter(t);
		return ACT_REDRAW;
	}
	if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		while (t->ilen && ((unsigned char)t->input[t->ilen - 1] & 0xc0) == 0x80)
			t->ilen--;
		if (t->ilen)
			t->ilen--;
		t->perr[0] = '\0';
		return ACT_REDRAW;
	}
	if (ch == 21) { /* ^U */
		t->ilen = 0;
		t->perr[0] = '\0';
		return ACT_REDRAW;
	}
	if (ch >= 0x20 && ch < 0x100 && ch != 127 && t->ilen + 1 < sizeof(t->input)) {
		t->input[t->ilen++] = (char)ch;
		t->perr[0] = '\0';
	}
	return ACT_REDRAW;
}

static int mouse_key(struct tui *t)
{
	MEVENT ev;

	if (getmouse(&ev) != OK)
		return ACT_NONE;
	if (ev.y == t->table_y && t->group == GROUP_NONE) {
		for (size_t c = 0; c < t->ncols_drawn; c++) {
			if (ev.x >= t->col_x[c] && ev.x < t->col_x[c + 1]) {
				if (t->sort_col == t->cols[c])
					t->sort_dir = -t->sort_dir;
				else
					t->sort_col = t->cols[c];
				return ACT_RESORT;
			}
		}
		return ACT_NONE;
	}
	if (ev.y > t->table_y && ev.y < t->table_y + t->table_h) {
		size_t row = (size_t)(ev.y - t->table_y - 1);

		if (t->group == GROUP_NONE)
			sel_move(t, (long)(t->top + row) - (long)t->sel);
		else
			sel_move(t, (long)(t->gtop + row) - (long)t->gsel);
		return ACT_REDRAW;
	}
	return ACT_NONE;
}

static int handle_key(struct tui *t, int ch)
{
	int page = t->table_h > 2 ? t->table_h - 2 : 1;

	if (ch == KEY_RESIZE)
		return ACT_REDRAW;
	if (t->prompt)
		return prompt_key(t, ch);
	if (t->help) {
		t->help = false;
		return ch == 'q' || ch == KEY_F(10) ? ACT_QUIT : ACT_REDRAW;
	}
	t->feed_note_shown = false; /* said once: the views keep saying it */
	if (t->view != VIEW_SOCKETS) {
		long vpage = t->view_h > 2 ? t->view_h - 1 : 1, d = 0;

		switch (ch) {
		case KEY_UP:
		case 'k':
			d = -1;
			break;
		case KEY_DOWN:
		case 'j':
			d = 1;
			break;
		case KEY_PPAGE:
			d = -vpage;
			break;
		case KEY_NPAGE:
			d = vpage;
			break;
		case KEY_HOME:
			d = -(long)TUI_PAIRS_MAX - TUI_RECENT_MAX;
			break;
		case KEY_END:
			d = (long)TUI_PAIRS_MAX + TUI_RECENT_MAX;
			break;
		case KEY_MOUSE:
			return ACT_NONE;
		default:
			break;
		}
		if (d) {
			/* drawing clamps it to the lines there are */
			t->vtop = d < 0 && (size_t)-d > t->vtop ? 0 : (size_t)((long)t->vtop + d);
			return ACT_REDRAW;
		}
	}
	switch (ch) {
	case 'q':
	case 'Q':
	case 27:
	case KEY_F(10):
		return ACT_QUIT;
	case '?':
	case 'h':
	case KEY_F(1):
		t->help = true;
		return ACT_REDRAW;
	case KEY_UP:
	case 'k':
		sel_move(t, -1);
		return ACT_REDRAW;
	case KEY_DOWN:
	case 'j':
		sel_move(t, 1);
		return ACT_REDRAW;
	case KEY_PPAGE:
		sel_move(t, -page);
		return ACT_REDRAW;
	case KEY_NPAGE:
		sel_move(t, page);
		return ACT_REDRAW;
	case KEY_HOME:
		sel_move(t, -(long)(t->nrows + t->groups.n));
		return ACT_REDRAW;
	case KEY_END:
		sel_move(t, (long)(t->nrows + t->groups.n));
		return ACT_REDRAW;
	case '<':
	case '>': {
		int i = sort_index(t), n = (int)t->ncols;

		if (n == 0)
			return ACT_NONE;
		i = ch == '<' ? (i <= 0 ? n - 1 : i - 1) : (i < 0 || i + 1 >= n ? 0 : i + 1);
		t->sort_col = t->cols[i];
		return ACT_RESORT;
	}
	case 'r':
	case 'R':
		t->sort_dir = -t->sort_dir;
		return ACT_RESORT;
	case '/':
		t->prompt = true;
		t->ilen = strlen(t->filter_text);
		memcpy(t->input, t->filter_text, t->ilen + 1);
		t->perr[0] = '\0';
		return ACT_REDRAW;
	case 'n':
	case 'N':
		return next_kind(t);
	case 'g':
	case 'G':
		switch (t->group) {
		case GROUP_NONE:
			t->group = GROUP_PROCESS;
			break;
		case GROUP_PROCESS:
			t->group = GROUP_REMOTE_HOST;
			break;
		case GROUP_REMOTE_HOST:
			t->group = GROUP_LOCAL_PORT;
			break;
		case GROUP_LOCAL_PORT:
			t->group = GROUP_STATE;
			break;
		default:
			t->group = GROUP_NONE;
			break;
		}
		t->gsel = t->gtop = 0;
		/* process grouping needs owners; leaving it may drop them */
		if (t->group == GROUP_PROCESS || t->group == GROUP_REMOTE_HOST)
			return ACT_RESORT | ACT_COLLECT;
		return ACT_RESORT;
	case 'p':
	case 'P':
		t->owners_on = !t->owners_on;
		build_cols(t);
		return ACT_RESORT | ACT_COLLECT;
	case 'i':
	case 'I':
		t->info_on = !t->info_on;
		build_cols(t);
		return ACT_RESORT | ACT_COLLECT;
	case '\n':
	case '\r':
	case KEY_ENTER:
	case 'd':
	case 'D':
		t->detail = !t->detail;
		return ACT_REDRAW;
	case 't':
	case 'T':
		t->view = t->view == VIEW_TRANSITIONS ? VIEW_SOCKETS : VIEW_TRANSITIONS;
		t->vtop = 0;
		return ACT_REDRAW;
	case 'c':
	case 'C':
		t->view = t->view == VIEW_CLOSED ? VIEW_SOCKETS : VIEW_CLOSED;
		t->vtop = 0;
		return ACT_REDRAW;
	case ' ':
		t->paused = !t->paused;
		if (!t->paused && tui_now_ms() >= t->next_ms)
			request(t, NULL, false);
		return ACT_REDRAW;
	case 12: /* ^L */
		clearok(curscr, TRUE);
		return ACT_REDRAW;
	case KEY_MOUSE:
		return mouse_key(t);
	default:
		return ACT_NONE;
	}
}

/* ---- setup and the loop --------------------------------------------------- */

static int setup_view(struct tui *t, char *err, size_t errlen)
{
	const struct options *opt = t->opt;
	int n;

	if (opt->columns) {
		n = columns_parse(opt->columns, t->base, TUI_COLS_MAX, err, errlen);
		if (n < 0)
			return n;
		t->nbase = (size_t)n;
	} else {
		static const char *const def[] = {"state", "recv_q", "send_q", "local", "peer"};

		for (size_t i = 0; i < sizeof(def) / sizeof(def[0]); i++)
			if ((t->base[t->nbase] = column_find(def[i])))
				t->nbase++;
		if (opt->all_netns && (t->base[t->nbase] = column_find("where")))
			t->nbase++;
	}
	t->owners_on = opt->processes;
	t->info_on = opt->info;
	build_cols(t);
	t->sort_col = column_find("state");
	t->sort_dir = 1;
	if (opt->sort) {
		struct sort_key keys[SORT_KEYS_MAX];

		n = sort_parse(opt->sort, keys, SORT_KEYS_MAX, err, errlen);
		if (n < 0)
			return n;
		t->sort_col = keys[0].col;
		t->sort_dir = keys[0].dir;
	}
	t->group = opt->group == GROUP_REMOTE ? GROUP_REMOTE_HOST : opt->group;
	for (int i = 0; i < opt->argc && opt->argv; i++) {
		size_t len = strlen(t->filter_text);

		snprintf(t->filter_text + len, sizeof(t->filter_text) - len, "%s%s", i ? " " : "", opt->argv[i]);
	}
	t->interval_ms = (uint64_t)((opt->interval > 0 ? opt->interval : 1.0) * 1000.0 + 0.5);
	if (t->interval_ms < 100)
		t->interval_ms = 100;
	return 0;
}

static int loop(struct tui *t)
{
	int dirty = ACT_REDRAW;
	time_t last_sec = 0;

	request(t, NULL, false);
	while (!tui_stop) {
		struct pollfd pf[2] = {{.fd = STDIN_FILENO, .events = POLLIN}, {.fd = t->w.wake[0], .events = POLLIN}};
		uint64_t now = tui_now_ms();
		struct timespec rt;
		long to;
		int ch, r;

		/* wake at the next wall-clock second: the clock in the status line */
		clock_gettime(CLOCK_REALTIME, &rt);
		to = 1000 - rt.tv_nsec / 1000000 + 5;

		if (dirty & ACT_RESORT) {
			int err = rebuild_rows(t);

			if (err)
				return err;
		}
		if (dirty & ACT_COLLECT)
			request(t, NULL, true);
		if (dirty)
			draw(t);
		dirty = 0;
		if (!t->paused && t->next_ms > now && (long)(t->next_ms - now) < to)
			to = (long)(t->next_ms - now);
		r = poll(pf, 2, (int)to);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0 && (pf[1].revents & POLLIN)) {
			char buf[64];
			int err;

			while (read(t->w.wake[0], buf, sizeof(buf)) > 0)
				;
			err = consume(t);
			if (err)
				return err;
			dirty |= ACT_REDRAW;
		}
		while ((ch = getch()) != ERR) {
			int act = handle_key(t, ch);

			if (act & ACT_QUIT)
				return 0;
			dirty |= act;
		}
		if (r > 0 && (pf[0].revents & (POLLHUP | POLLERR | POLLNVAL)))
			return 0; /* the terminal went away */
		now = tui_now_ms();
		if (!t->paused && now >= t->next_ms && !worker_active(t))
			request(t, NULL, false);
		if (time(NULL) != last_sec) {
			last_sec = time(NULL);
			dirty |= ACT_REDRAW;
		}
	}
	return 0;
}

static bool locale_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
}

int tui_run(const struct options *opt, char *err, size_t errlen)
{
	struct sigaction sa, old_int, old_term, old_pipe;
	struct filter_error ferr;
	const char *term = getenv("TERM");
	SCREEN *scr = NULL;
	struct tui *t;
	int rc;

	err[0] = '\0';
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "top needs a terminal");
		return -ENOTTY;
	}
	if (!term || !*term || !strcmp(term, "dumb")) {
		snprintf(err, errlen, "top needs a terminal type (TERM is unset or dumb)");
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	t->opt = opt;
	t->kind_view = KIND_MAX;
	t->w.wake[0] = t->w.wake[1] = -1;
	t->utf8 = locale_utf8();
	tui_model_init(&t->m);
	sock_set_init(&t->set);
	if (obuf_init(&t->tmp, -1, 4096) < 0 || obuf_init(&t->esc, -1, 4096) < 0) {
		obuf_free(&t->tmp);
		free(t);
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	rc = setup_view(t, err, errlen);
	if (rc < 0)
		goto out_early;
	memset(&ferr, 0, sizeof(ferr));
	rc = pipeline_init(&t->p, opt, view_needs(t), &ferr);
	if (rc < 0) {
		if (rc == -EINVAL && ferr.msg[0])
			snprintf(err, errlen, "filter: %s", ferr.msg);
		else if (opt->netns)
			snprintf(err, errlen, "namespace %s: %s", opt->netns, strerror(-rc));
		else
			snprintf(err, errlen, "%s", strerror(-rc));
		goto out_early;
	}
	pipeline_col_ctx(&t->p, &t->cc);
	t->cc.owners = NULL;
	life_filter_set(t);
	feed_setup(t); /* never fatal: without a source the views say why */
	rc = worker_start(t);
	if (rc < 0) {
		snprintf(err, errlen, "cannot start the collector: %s", strerror(-rc));
		goto out_pipeline;
	}

	/* our handlers first: ncurses then leaves SIGINT/SIGTERM alone */
	tui_stop = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tui_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old_pipe);

	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		snprintf(err, errlen, "cannot use terminal type '%.64s'", term);
		rc = -EINVAL;
		goto out_signals;
	}
	set_term(scr);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED, NULL);
	mouseinterval(0);
	colors_init(t);

	rc = loop(t);
	endwin();
	if (rc < 0)
		snprintf(err, errlen, "%s", strerror(-rc));
out_signals:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	if (scr)
		delscreen(scr);
out_pipeline:
	worker_stop(t); /* after endwin: the terminal is back even if a collection is slow */
	feed_close(t->feed);
	pipeline_fini(&t->p); /* after the feed: it borrows the namespace fd */
out_early:
	filter_free(t->lfilter);
	free(t->ns_counts);
	procmap_free(t->owners_map);
	group_free(&t->groups);
	free(t->rows);
	sock_set_free(&t->set);
	tui_model_free(&t->m);
	obuf_free(&t->tmp);
	obuf_free(&t->esc);
	free(t);
	return rc < 0 ? rc : 0;
}
