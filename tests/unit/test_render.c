// SPDX-License-Identifier: MIT
/*
 * Unit tests for the column table and the renderers: hand-built records
 * rendered as table, JSON, JSON Lines, CSV and Prometheus into memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "columns.h"
#include "options.h"
#include "render.h"
#include "sort.h"
#include "states.h"

static struct sock_rec mk(int family, const char *laddr, uint16_t lport, const char *raddr, uint16_t rport,
			  int state, uint32_t rq, uint32_t sq)
{
	struct sock_rec r;

	memset(&r, 0, sizeof(r));
	r.family = (uint8_t)family;
	r.proto = 6;
	inet_pton(family, laddr, r.laddr);
	inet_pton(family, raddr, r.raddr);
	r.lport = lport;
	r.rport = rport;
	r.state = (uint8_t)state;
	r.recv_q = rq;
	r.send_q = sq;
	r.inode = 1000 + lport;
	r.cookie = 77;
	r.flags = SOCK_F_COOKIE;
	r.ext = SOCK_NO_EXT;
	return r;
}

static void fill(struct sock_set *set)
{
	struct sock_rec r;

	sock_set_init(set);
	r = mk(AF_INET, "0.0.0.0", 80, "0.0.0.0", 0, SK_LISTEN, 3, 128);
	assert_int_equal(sock_set_add(set, &r, NULL), 0);
	r = mk(AF_INET6, "::1", 5000, "::1", 40000, SK_CLOSE_WAIT, 1, 0);
	assert_int_equal(sock_set_add(set, &r, NULL), 0);
	r = mk(AF_INET, "127.0.0.1", 40000, "127.0.0.1", 443, SK_ESTABLISHED, 0, 10);
	r.flags |= SOCK_F_SENDQ_UNKNOWN;
	assert_int_equal(sock_set_add(set, &r, NULL), 0);
}

static const char *render_fmt(enum format fmt, struct obuf *o, const struct sock_set *set, const uint32_t *idx,
			      bool legend)
{
	struct options opt;
	const struct column *cols[COLUMNS_MAX];
	struct col_ctx cc;
	struct render r;

	memset(&opt, 0, sizeof(opt));
	memset(&cc, 0, sizeof(cc));
	memset(&r, 0, sizeof(r));
	opt.format = fmt;
	r.fmt = fmt;
	r.out = o;
	r.cols = cols;
	r.ncols = columns_default(&opt, cols, COLUMNS_MAX);
	r.cc = &cc;
	r.header = true;
	r.legend = legend;
	r.backend = "netlink";
	r.host = "h\"ost";
	o->len = 0;
	assert_int_equal(render_set(&r, set, idx, set->n), 0);
	render_free(&r);
	return obuf_cstr(o);
}

static void t_table(void **state)
{
	struct sock_set set;
	struct obuf o;
	const char *s;

	fill(&set);
	assert_int_equal(obuf_init(&o, -1, 0), 0);
	s = render_fmt(FMT_TABLE, &o, &set, NULL, false);
	assert_non_null(strstr(s, "State"));
	assert_non_null(strstr(s, "Local Address:Port"));
	assert_non_null(strstr(s, "*:80"));
	assert_non_null(strstr(s, "[::1]:5000"));
	assert_non_null(strstr(s, "127.0.0.1:443"));
	assert_non_null(strstr(s, "CLOSE-WAIT"));
	/* every line of the table has its columns aligned: the Local column
	 * starts at the same offset in the header and in each row */
	{
		const char *hdr_local = strstr(s, "Local");
		const char *nl = strchr(s, '\n');
		size_t col = (size_t)(hdr_local - s);
		const char *row = nl + 1;

		for (int i = 0; i < 3; i++) {
			assert_true(row[col] != ' ');
			assert_true(row[col - 1] == ' ');
			row = strchr(row, '\n') + 1;
		}
	}
	sock_set_free(&set);
	obuf_free(&o);
}

static void t_json(void **state)
{
	struct sock_set set;
	struct obuf o;
	const char *s;

	fill(&set);
	assert_int_equal(obuf_init(&o, -1, 0), 0);
	s = render_fmt(FMT_JSON, &o, &set, NULL, false);
	assert_non_null(strstr(s, "{\"sockscope\":{\"version\":"));
	assert_non_null(strstr(s, "\"schema\":2"));
	assert_non_null(strstr(s, "\"host\":\"h\\\"ost\""));
	assert_non_null(strstr(s, "\"state\":\"LISTEN\",\"side\":\"server\",\"role\":\"passive-opener\",\"family\":\"inet\","
				  "\"local_addr\":\"0.0.0.0\",\"local_port\":80"));
	assert_non_null(strstr(s, "\"family\":\"inet6\",\"local_addr\":\"::1\",\"local_port\":5000"));
	assert_non_null(strstr(s, "\"send_q\":null"));
	assert_non_null(strstr(s, "\"cookie\":77"));
	assert_non_null(strstr(s, "\"summary\":{\"total\":3,"));
	assert_non_null(strstr(s, "\"CLOSE-WAIT\":1"));
	assert_non_null(strstr(s, "\"SYN-SENT\":0"));
	assert_non_null(strstr(s, "\"families\":{\"inet\":2,\"inet6\":1}"));

	s = render_fmt(FMT_JSONL, &o, &set, NULL, false);
	{
		int lines = 0;

		for (const char *p = s; *p; p++)
			lines += *p == '\n';
		assert_int_equal(lines, 3);
		assert_true(s[0] == '{');
		assert_null(strstr(s, "sockscope"));
	}
	sock_set_free(&set);
	obuf_free(&o);
}

static void t_csv_prom(void **state)
{
	struct sock_set set;
	struct obuf o;
	const char *s;

	fill(&set);
	assert_int_equal(obuf_init(&o, -1, 0), 0);
	s = render_fmt(FMT_CSV, &o, &set, NULL, false);
	assert_non_null(strstr(s, "state,side,role,family,local_addr,local_port,remote_addr,remote_port,recv_q,send_q,"
				  "uid,inode,cookie\r\n"));
	assert_non_null(strstr(s, "LISTEN,server,passive-opener,inet,0.0.0.0,80,0.0.0.0,0,3,128,0,1080,77\r\n"));
	/* null is an empty field */
	assert_non_null(strstr(s, ",0,,0,"));

	s = render_fmt(FMT_PROM, &o, &set, NULL, false);
	assert_non_null(strstr(s, "# TYPE sockscope_sockets gauge\n"));
	assert_non_null(strstr(s, "sockscope_sockets{netid=\"tcp\",family=\"inet6\",state=\"CLOSE-WAIT\"} 1\n"));
	assert_non_null(strstr(s, "sockscope_sockets{netid=\"tcp\",family=\"inet\",state=\"CLOSING\"} 0\n"));
	assert_non_null(strstr(s, "sockscope_listen_queue_length{family=\"inet\",local_addr=\"0.0.0.0\",local_port=\"80\"} 3"));
	assert_non_null(strstr(s, "sockscope_listen_backlog{family=\"inet\",local_addr=\"0.0.0.0\",local_port=\"80\"} 128"));
	{
		int n = 0;

		for (const char *p = s; (p = strstr(p, "sockscope_sockets{")); p++)
			n++;
		assert_int_equal(n, 22); /* 11 states x 2 families, zeros included */
	}
	sock_set_free(&set);
	obuf_free(&o);
}

static void t_columns(void **state)
{
	const struct column *cols[8];
	char err[128];
	size_t n = columns_count();

	assert_true(n > 40);
	assert_int_equal(columns_parse("state,local-port", cols, 8, err, sizeof(err)), 2);
	assert_string_equal(cols[1]->name, "local_port");
	assert_int_equal(columns_parse("state,bogus", cols, 8, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bogus"));
	for (size_t i = 0; i < n; i++) {
		/* names are stable snake_case: lower case, digits and '_' */
		const struct column *c = column_at(i);

		assert_non_null(c);
		for (const char *p = c->name; *p; p++)
			assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_');
		assert_non_null(c->desc);
		assert_ptr_equal(column_find(c->name), c);
	}
	assert_null(column_at(n));
}

static void t_sort_group(void **state)
{
	struct sock_set set;
	struct sort_key keys[4];
	uint32_t idx[3] = {0, 1, 2};
	struct col_ctx cc;
	char err[128];
	struct group_result g;

	memset(&cc, 0, sizeof(cc));
	fill(&set);
	assert_int_equal(sort_parse("-local_port", keys, 4, err, sizeof(err)), 1);
	assert_int_equal(sort_apply(&set, idx, 3, keys, 1, &cc), 0);
	assert_int_equal(set.v[idx[0]].lport, 40000);
	assert_int_equal(set.v[idx[2]].lport, 80);
	assert_int_equal(sort_parse("state,nope", keys, 4, err, sizeof(err)), -EINVAL);

	assert_int_equal(group_build(&set, GROUP_STATE, &cc, &g), 0);
	assert_int_equal(g.n, 3);
	for (size_t i = 0; i < g.n; i++)
		assert_int_equal(g.rows[i].total, 1);
	group_free(&g);
	sock_set_free(&set);
}

/* A reference order for t_sort_random: the same keys through a plain
 * comparison of precomputed values, ties by record index. */
struct ref_row {
	uint32_t i;
	uint64_t num[3];
	char str[3][64];
};
static const struct sort_key *ref_keys;
static size_t ref_nkeys;
static bool ref_is_str[3];

static int ref_cmp(const void *pa, const void *pb)
{
	const struct ref_row *a = pa, *b = pb;

	for (size_t k = 0; k < ref_nkeys; k++) {
		int c = ref_is_str[k] ? strcmp(a->str[k], b->str[k]) : (a->num[k] > b->num[k]) - (a->num[k] < b->num[k]);

		if (c)
			return c * ref_keys[k].dir;
	}
	return (a->i > b->i) - (a->i < b->i);
}

/* The in-place introsort against qsort on precomputed keys: random sets with
 * many ties, several key lists, depth limits that force the heapsort. */
static void t_sort_random(void **state)
{
	static const char *const specs[] = {"state", "-recv_q,local", "local_port,-peer,state", "-send_q", "peer"};
	static const size_t sizes[] = {0, 1, 2, 3, 17, 100, 1000, 5000};
	static const unsigned depths[] = {0, 1, 3};
	uint32_t rng = 12345;
	struct col_ctx cc;
	unsigned long checked = 0;

	(void)state;
	memset(&cc, 0, sizeof(cc));
	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		size_t n = sizes[si];
		struct sock_set set;
		struct ref_row *ref = calloc(n ? n : 1, sizeof(*ref));
		uint32_t *idx = calloc(n ? n : 1, sizeof(*idx));

		assert_non_null(ref);
		assert_non_null(idx);
		sock_set_init(&set);
		for (size_t i = 0; i < n; i++) {
			struct sock_rec r;

			memset(&r, 0, sizeof(r));
			rng = rng * 1103515245u + 12345u;
			r.family = AF_INET;
			r.proto = IPPROTO_TCP;
			r.state = (uint8_t)(1 + (rng >> 8) % 11);
			r.laddr[0] = 10;
			r.laddr[3] = (uint8_t)((rng >> 12) % 4);
			r.raddr[0] = 192;
			r.raddr[3] = (uint8_t)((rng >> 16) % 200);
			r.lport = (uint16_t)(80 + (rng >> 20) % 5);
			r.rport = (uint16_t)(1000 + (rng >> 4) % 3000);
			r.recv_q = (rng >> 24) % 3;
			r.send_q = (rng >> 10) % 7;
			assert_int_equal(sock_set_add(&set, &r, NULL), 0);
		}
		for (size_t sp = 0; sp < sizeof(specs) / sizeof(specs[0]); sp++) {
			struct sort_key keys[3];
			char err[128];
			int nk = sort_parse(specs[sp], keys, 3, err, sizeof(err));

			assert_true(nk > 0);
			ref_keys = keys;
			ref_nkeys = (size_t)nk;
			for (size_t i = 0; i < n; i++) {
				ref[i].i = (uint32_t)i;
				for (int k = 0; k < nk; k++) {
					struct col_val v;

					column_get(keys[k].col, &cc, &set.v[i], NULL, &v);
					ref_is_str[k] = v.kind == CV_STR;
					if (v.kind == CV_STR)
						snprintf(ref[i].str[k], sizeof(ref[i].str[k]), "%.*s", (int)v.str.n, v.str.s);
					else
						ref[i].num[k] = v.u;
				}
			}
			if (n)
				qsort(ref, n, sizeof(*ref), ref_cmp);
			for (size_t d = 0; d < sizeof(depths) / sizeof(depths[0]); d++) {
				for (size_t i = 0; i < n; i++)
					idx[i] = (uint32_t)i;
				assert_int_equal(sort_apply_depth(&set, idx, n, keys, (size_t)nk, &cc, depths[d]), 0);
				for (size_t i = 0; i < n; i++)
					if (idx[i] != ref[i].i)
						fail_msg("sort '%s', %zu rows, depth %u: row %zu is %u, want %u", specs[sp], n,
							 depths[d], i, idx[i], ref[i].i);
				checked += n;
			}
		}
		sock_set_free(&set);
		free(ref);
		free(idx);
	}
	print_message("# sort: %lu positions checked against qsort\n", checked);
	assert_true(checked > 50000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_table),   cmocka_unit_test(t_json),       cmocka_unit_test(t_csv_prom),
		cmocka_unit_test(t_columns), cmocka_unit_test(t_sort_group), cmocka_unit_test(t_sort_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
