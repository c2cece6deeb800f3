// SPDX-License-Identifier: MIT
/*
 * Unit tests for check's rate rules (port-churn, failing-connects): the pure
 * verdicts from struct feed_dest counters, the window and the size of
 * ip_local_port_range, and the findings diag_run_rates() makes from them
 * (evidence, the time-wait finding folded in, where, the report).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "diagnose.h"
#include "kind.h"
#include "obuf.h"
#include "states.h"

static const struct threshold churn_th = {50, 90}, fail_th = {20, 50};

static struct feed_dest dest(const char *addr, uint16_t port, uint64_t attempts, uint64_t established,
			     uint64_t refused, uint64_t timeout, uint64_t closed)
{
	struct feed_dest d;

	memset(&d, 0, sizeof(d));
	d.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	inet_pton(d.family, addr, d.addr);
	d.port = port;
	d.attempts = attempts;
	d.established = established;
	d.refused = refused;
	d.timeout = timeout;
	d.active_closed = closed;
	return d;
}

static void churn_levels(void **state)
{
	struct feed_dest d = dest("10.0.0.1", 80, 100, 100, 0, 0, 100);
	struct churn_verdict v;

	(void)state;
	/* 100 closes in 10 s: 10/s, 600 ports held; a range of 1000: 60% */
	assert_int_equal(diag_eval_churn(&d, 10, 1000, &churn_th, &v), SEV_WARNING);
	assert_float_equal(v.rate, 10, 1e-9);
	assert_float_equal(v.ports, 600, 1e-9);
	assert_float_equal(v.percent, 60, 1e-9);
	/* the default range (32768-60999) is 28232 ports: 2% */
	assert_int_equal(diag_eval_churn(&d, 10, 28232, &churn_th, &v), SEV_OK);
	/* a range of 600: 100%, critical */
	assert_int_equal(diag_eval_churn(&d, 10, 600, &churn_th, &v), SEV_CRITICAL);
	/* exactly at the levels */
	assert_int_equal(diag_eval_churn(&d, 10, 1200, &churn_th, &v), SEV_WARNING);
	/* 100 closes in 60 s: 100 ports held, 90% of 111 ports: critical */
	assert_int_equal(diag_eval_churn(&d, 60, 111, &churn_th, &v), SEV_CRITICAL);
	assert_int_equal(v.sev, SEV_CRITICAL);
}

static void churn_edges(void **state)
{
	struct feed_dest d = dest("10.0.0.1", 80, 9, 9, 0, 0, CHURN_MIN_CLOSES - 1);
	struct feed_dest passive = dest("10.0.0.1", 80, 1000, 1000, 0, 0, 0);
	struct churn_verdict v;

	(void)state;
	/* too few closes: no verdict, whatever the share */
	assert_int_equal(diag_eval_churn(&d, 0.1, 10, &churn_th, &v), SEV_OK);
	assert_true(v.percent > 90);
	d.active_closed = CHURN_MIN_CLOSES;
	assert_int_equal(diag_eval_churn(&d, 0.1, 10, &churn_th, &v), SEV_CRITICAL);
	/* the peer closed first: no TIME-WAIT here, however many connections */
	assert_int_equal(diag_eval_churn(&passive, 1, 100, &churn_th, &v), SEV_OK);
	assert_float_equal(v.ports, 0, 1e-9);
	/* unknown range or empty window: no verdict */
	assert_int_equal(diag_eval_churn(&d, 1, -1, &churn_th, &v), SEV_OK);
	assert_int_equal(diag_eval_churn(&d, 0, 100, &churn_th, &v), SEV_OK);
}

static void failing_levels(void **state)
{
	struct fail_verdict v;
	struct feed_dest d;

	(void)state;
	d = dest("10.0.0.2", 443, 100, 80, 15, 5, 80); /* 20% */
	assert_int_equal(diag_eval_failing(&d, &fail_th, &v), SEV_WARNING);
	assert_int_equal(v.failed, 20);
	assert_float_equal(v.percent, 20, 1e-9);
	d = dest("10.0.0.2", 443, 100, 81, 14, 5, 81); /* 19% */
	assert_int_equal(diag_eval_failing(&d, &fail_th, &v), SEV_OK);
	d = dest("10.0.0.2", 443, 40, 20, 0, 20, 20); /* 50%: critical */
	assert_int_equal(diag_eval_failing(&d, &fail_th, &v), SEV_CRITICAL);
	/* fewer than FAIL_MIN_ATTEMPTS: no verdict even at 100% */
	d = dest("10.0.0.2", 443, FAIL_MIN_ATTEMPTS - 1, 0, FAIL_MIN_ATTEMPTS - 1, 0, 0);
	assert_int_equal(diag_eval_failing(&d, &fail_th, &v), SEV_OK);
	assert_float_equal(v.percent, 100, 1e-9);
	d.attempts = d.refused = FAIL_MIN_ATTEMPTS;
	assert_int_equal(diag_eval_failing(&d, &fail_th, &v), SEV_CRITICAL);
	/* nothing failed */
	d = dest("10.0.0.2", 443, 1000, 1000, 0, 0, 0);
	assert_int_equal(diag_eval_failing(&d, &fail_th, &v), SEV_OK);
	d = dest("10.0.0.2", 443, 0, 0, 0, 0, 0);
	assert_int_equal(diag_eval_failing(&d, &fail_th, &v), SEV_OK);
}

static struct sock_rec tw(const char *l, uint16_t lport, const char *r, uint16_t rport, int state)
{
	struct sock_rec s;

	memset(&s, 0, sizeof(s));
	s.kind = KIND_TCP;
	s.family = AF_INET;
	s.proto = 6;
	inet_pton(AF_INET, l, s.laddr);
	inet_pton(AF_INET, r, s.raddr);
	s.lport = lport;
	s.rport = rport;
	s.state = (uint8_t)state;
	s.ext = SOCK_NO_EXT;
	return s;
}

static const char *where_of(void *arg, const struct sock_rec *r)
{
	(void)arg;
	return r->netns_id == 3 ? "pod:default/web" : "host";
}

static int range_of(void *arg, uint32_t netns_id, long long *lo, long long *hi)
{
	int *calls = arg;

	(*calls)++;
	if (netns_id != 3)
		return -ENOENT;
	*lo = 40000;
	*hi = 40199; /* 200 ports */
	return 0;
}

static void fill_facts(struct kernel_facts *k, long long lo, long long hi)
{
	memset(k, 0xff, sizeof(*k));
	k->port_lo = lo;
	k->port_hi = hi;
	k->tw_reuse = 2;
	k->max_tw_buckets = 262144;
}

static char *render(struct diag_ctx *d, enum format fmt)
{
	struct obuf o;
	char *s;

	assert_int_equal(obuf_init(&o, -1, 0), 0);
	diag_render(d, fmt, false, &o);
	s = strdup(obuf_cstr(&o));
	assert_non_null(s);
	obuf_free(&o);
	return s;
}

/* 300 TIME-WAIT sockets to 10.0.0.9:80 in a range of 400 (75%: time-wait
 * warns), and a window of 10 s with 100 closes (600 ports: port-churn is
 * critical): one finding, port-churn, critical, with the count. */
static void churn_folds_time_wait(void **state)
{
	struct feed_dest dests[2] = {dest("10.0.0.9", 80, 100, 100, 0, 0, 100), dest("10.0.0.8", 53, 5, 5, 0, 0, 5)};
	struct diag_rates rt = {.window = 10, .source = "tracepoint", .dests = dests, .ndests = 2};
	struct kernel_facts k;
	struct sock_set set, *sets[1] = {&set};
	struct diag_ctx d;
	char *s;

	(void)state;
	sock_set_init(&set);
	for (unsigned i = 0; i < 300; i++) {
		struct sock_rec r = tw("10.0.0.1", (uint16_t)(33000 + i), "10.0.0.9", 80, SK_TIME_WAIT);

		assert_int_equal(sock_set_add(&set, &r, NULL), 0);
	}
	fill_facts(&k, 33000, 33399);
	diag_init(&d);
	assert_int_equal(diag_run(&d, sets, 1, NULL, &k, &k), 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.f[0].rule, RULE_TIME_WAIT);
	assert_string_equal(d.f[0].remote, "10.0.0.9:80");
	assert_int_equal(d.worst, SEV_WARNING);
	assert_int_equal(diag_run_rates(&d, &rt, &set, &k), 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.f[0].rule, RULE_PORT_CHURN);
	assert_int_equal(d.f[0].sev, SEV_CRITICAL);
	assert_int_equal(d.worst, SEV_CRITICAL);
	assert_string_equal(d.f[0].remote, "10.0.0.9:80");
	assert_int_equal(d.f[0].value, 600);
	assert_int_equal(d.f[0].limit, 400);
	assert_int_equal(d.f[0].rates.time_wait, 300);
	assert_int_equal(d.f[0].rates.closed_first, 100);
	assert_int_equal(d.f[0].nexamples, DIAG_EXAMPLES);
	assert_non_null(strstr(d.f[0].message, "10.0.0.9:80"));
	assert_non_null(strstr(d.f[0].message, "folded in"));
	s = render(&d, FMT_JSON);
	assert_non_null(strstr(s, "\"rule\":\"port-churn\",\"severity\":\"CRITICAL\""));
	assert_non_null(strstr(s, "\"projected\":600,\"port_range\":[33000,33399]"));
	assert_non_null(strstr(s, "\"rates\":{\"status\":\"checked\",\"window\":10.000,\"source\":\"tracepoint\""));
	free(s);
	s = render(&d, FMT_TABLE);
	assert_non_null(strstr(s, "[port-churn] connections to 10.0.0.9:80"));
	assert_non_null(strstr(s, "OK: close-wait accept-queue syn-recv time-wait orphans stuck-data udp-drops "
				  "local-backlog failing-connects\n"));
	assert_non_null(strstr(s, "Rates: 10.0 s watched through the tracepoint, this network namespace."));
	free(s);
	diag_free(&d);
	sock_set_free(&set);
}

/* Host-wide: the namespace of the TIME-WAIT sockets gives the range and
 * the where; a destination failing everywhere has a finding each. */
static void host_scope(void **state)
{
	struct feed_dest dests[2] = {dest("10.0.0.9", 80, 40, 40, 0, 0, 40), dest("10.0.0.7", 5432, 30, 3, 20, 7, 3)};
	struct diag_rates rt = {.window = 20, .source = "tracepoint", .host_scope = true, .dests = dests, .ndests = 2};
	struct kernel_facts k;
	struct sock_set set;
	struct diag_ctx d;
	struct sock_rec r;
	int calls = 0;
	char *s;

	(void)state;
	sock_set_init(&set);
	r = tw("10.0.0.1", 40001, "10.0.0.9", 80, SK_TIME_WAIT);
	r.netns_id = 3;
	assert_int_equal(sock_set_add(&set, &r, NULL), 0);
	r = tw("10.0.0.1", 40002, "10.0.0.7", 5432, SK_SYN_SENT);
	assert_int_equal(sock_set_add(&set, &r, NULL), 0);
	fill_facts(&k, 32768, 60999);
	diag_init(&d);
	d.where = where_of;
	d.ns_port_range = range_of;
	d.ns_port_range_arg = &calls;
	/* 40 closes in 20 s: 2/s, 120 ports: 60% of the namespace's 200, 0.4% of the host's range */
	assert_int_equal(diag_run_rates(&d, &rt, &set, &k), 0);
	assert_int_equal(calls, 1);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.f[0].rule, RULE_PORT_CHURN);
	assert_int_equal(d.f[0].sev, SEV_WARNING);
	assert_string_equal(d.f[0].where, "pod:default/web");
	assert_string_equal(d.f[0].subject, "connections to 10.0.0.9:80 in pod:default/web");
	assert_int_equal(d.f[0].limit, 200);
	assert_int_equal(d.f[1].rule, RULE_FAILING_CONNECTS);
	assert_int_equal(d.f[1].sev, SEV_CRITICAL); /* 27 of 30 */
	assert_int_equal(d.f[1].value, 27);
	assert_int_equal(d.f[1].limit, 30);
	assert_int_equal(d.f[1].rates.refused, 20);
	assert_int_equal(d.f[1].rates.timeout, 7);
	assert_int_equal(d.f[1].rates.syn_sent, 1);
	assert_string_equal(d.f[1].where, ""); /* the host */
	assert_string_equal(d.f[1].subject, "connections to 10.0.0.7:5432 (any network namespace)");
	assert_non_null(strstr(d.f[1].message, "20 refused, 7 timed out, 3 established"));
	s = render(&d, FMT_JSON);
	assert_non_null(strstr(s, "\"scope\":\"host\""));
	assert_non_null(strstr(s, "\"where\":\"pod:default/web\""));
	free(s);
	diag_free(&d);
	sock_set_free(&set);
}

static void skipped_and_not_asked(void **state)
{
	struct kernel_facts k;
	struct sock_set set, *sets[1] = {&set};
	struct diag_ctx d;
	char *s;

	(void)state;
	sock_set_init(&set);
	fill_facts(&k, 32768, 60999);
	diag_init(&d);
	assert_int_equal(diag_run(&d, sets, 1, NULL, &k, &k), 0);
	s = render(&d, FMT_TABLE);
	assert_non_null(strstr(s, "OK: close-wait accept-queue syn-recv time-wait orphans stuck-data udp-drops "
				  "local-backlog\n"));
	assert_non_null(strstr(s, "--window=SECONDS"));
	free(s);
	s = render(&d, FMT_JSON);
	assert_non_null(strstr(s, "\"rates\":{\"status\":\"not asked\""));
	free(s);
	s = render(&d, FMT_PROM);
	assert_null(strstr(s, "port-churn"));
	free(s);
	diag_rates_skipped(&d, "perf_event_open: Permission denied");
	assert_int_equal(d.worst, SEV_OK);
	s = render(&d, FMT_JSON);
	assert_non_null(strstr(s, "\"rates\":{\"status\":\"skipped\",\"reason\":\"perf_event_open: Permission denied\"}"));
	assert_non_null(strstr(s, "port-churn and failing-connects (perf_event_open"));
	free(s);
	s = render(&d, FMT_TABLE);
	assert_non_null(strstr(s, "Not checked: "));
	assert_null(strstr(s, "OK: close-wait accept-queue syn-recv time-wait orphans stuck-data udp-drops "
			      "local-backlog port-churn"));
	free(s);
	diag_free(&d);
	sock_set_free(&set);
}

static void thresholds(void **state)
{
	struct diag_ctx d;
	char err[256];

	(void)state;
	diag_init(&d);
	assert_int_equal(diag_set_threshold(&d, "port-churn=30%:60%", err, sizeof(err)), 0);
	assert_float_equal(d.th[RULE_PORT_CHURN].warn, 30, 1e-9);
	assert_int_equal(diag_set_threshold(&d, "failing-connects=10:40", err, sizeof(err)), 0);
	assert_float_equal(d.th[RULE_FAILING_CONNECTS].crit, 40, 1e-9);
	assert_true(rule_needs_window(RULE_PORT_CHURN) && rule_needs_window(RULE_FAILING_CONNECTS));
	assert_false(rule_needs_window(RULE_TIME_WAIT));
	assert_string_equal(rule_name(RULE_FAILING_CONNECTS), "failing-connects");
	diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(churn_levels),	  cmocka_unit_test(churn_edges),
		cmocka_unit_test(failing_levels), cmocka_unit_test(churn_folds_time_wait),
		cmocka_unit_test(host_scope),	  cmocka_unit_test(skipped_and_not_asked),
		cmocka_unit_test(thresholds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
