/*
 * check_metrics.c: the registry and its rendering. Counters stay exact
 * with 8 threads adding at once; a known set of observations renders to
 * exact lines (a counter, a histogram with cumulative buckets, _sum,
 * _count and +Inf); label values are escaped; nothing is recorded while
 * recording is off; and GET /metrics through service_handle is open
 * exactly to the addresses of metrics_allow (IPv4, IPv6, mapped) or the
 * metrics token, never to an API credential.
 *
 * The registry is the process's: every test relies on Check's fork (the
 * default) to start from zero.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "conf.h"
#include "handlers.h"
#include "metrics.h"
#include "router.h"
#include "service.h"
#include "testutil.h"

#define THREADS		8
#define PER_THREAD	100000

static const struct metrics_info info = { "1.2.3", "sqlite", -1 };
static pthread_barrier_t	 all_started;

/* The route table row for a method and path. */
static const struct route *
route_of(enum http_method method, const char *path)
{
	struct route_match	 m;
	const char		*allow;
	const struct route	*r;

	ck_assert_int_eq(router_match(path, "", method, true, &m, &allow),
	    DIS_OK);
	r = m.route;
	route_match_free(&m);
	return r;
}

static char *
render(const struct metrics_info *i)
{
	size_t	 len;
	char	*text = metrics_render(i, &len);

	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(strlen(text), len);
	return text;
}

/* line must be one whole line of text. */
static void
assert_line(const char *text, const char *line)
{
	const char	*p = text;
	size_t		 len = strlen(line);

	for (; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[len] == '\n')
			return;
	ck_abort_msg("no line \"%s\" in:\n%.2000s", line, text);
}

static void
assert_no(const char *text, const char *part)
{
	ck_assert_msg(strstr(text, part) == NULL, "\"%s\" in:\n%.2000s", part,
	    text);
}

static void
request(const struct route *r, enum http_method method, int status,
    enum dis_err err)
{
	struct metrics_mark	 mark;

	metrics_begin(&mark, r, method);
	metrics_observe(&mark, status, err);
}

static void *
adder(void *arg)
{
	const struct route	*r = arg;
	long long		 start;
	int			 i;

	/* All at once, or each might finish in its first time slice. */
	pthread_barrier_wait(&all_started);
	for (i = 0; i < PER_THREAD; i++) {
		request(r, METHOD_POST, 201, DIS_OK);
		metrics_auth_failure(DIS_ERR_TOKEN_INVALID);
		start = metrics_commit_start();
		metrics_commit(1, start);
	}
	return NULL;
}

START_TEST(test_exact_across_threads)
{
	const struct route	*r = route_of(METHOD_POST, "/v2/p/checkpoints");
	pthread_t		 t[THREADS];
	char			*text, line[256];
	int			 i;

	metrics_enable(true);
	pthread_barrier_init(&all_started, NULL, THREADS);
	for (i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, adder,
		    (void *)r), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&all_started);
	text = render(&info);
	snprintf(line, sizeof(line), "dis_checkpoint_requests_total{route=\""
	    "/v2/{project}/checkpoints\",method=\"POST\",status=\"201\"} %d",
	    THREADS * PER_THREAD);
	assert_line(text, line);
	snprintf(line, sizeof(line), "dis_checkpoint_request_duration_seconds_"
	    "count{route=\"/v2/{project}/checkpoints\",method=\"POST\"} %d",
	    THREADS * PER_THREAD);
	assert_line(text, line);
	snprintf(line, sizeof(line), "dis_checkpoint_request_duration_seconds_"
	    "bucket{route=\"/v2/{project}/checkpoints\",method=\"POST\","
	    "le=\"+Inf\"} %d", THREADS * PER_THREAD);
	assert_line(text, line);
	snprintf(line, sizeof(line),
	    "dis_checkpoint_auth_failures_total{code=\"DIS.4114\"} %d",
	    THREADS * PER_THREAD);
	assert_line(text, line);
	snprintf(line, sizeof(line),
	    "dis_checkpoint_commit_batch_size_sum %d", THREADS * PER_THREAD);
	assert_line(text, line);
	snprintf(line, sizeof(line),
	    "dis_checkpoint_commit_batch_size_bucket{le=\"1\"} %d",
	    THREADS * PER_THREAD);
	assert_line(text, line);
	free(text);
}
END_TEST

START_TEST(test_render_exact)
{
	static const char batches[] =
	    "# HELP dis_checkpoint_commit_batch_size Writes committed together "
	    "in one group-commit transaction.\n"
	    "# TYPE dis_checkpoint_commit_batch_size histogram\n"
	    "dis_checkpoint_commit_batch_size_bucket{le=\"1\"} 1\n"
	    "dis_checkpoint_commit_batch_size_bucket{le=\"2\"} 1\n"
	    "dis_checkpoint_commit_batch_size_bucket{le=\"4\"} 3\n"
	    "dis_checkpoint_commit_batch_size_bucket{le=\"8\"} 3\n"
	    "dis_checkpoint_commit_batch_size_bucket{le=\"16\"} 3\n"
	    "dis_checkpoint_commit_batch_size_bucket{le=\"32\"} 3\n"
	    "dis_checkpoint_commit_batch_size_bucket{le=\"64\"} 3\n"
	    "dis_checkpoint_commit_batch_size_bucket{le=\"128\"} 3\n"
	    "dis_checkpoint_commit_batch_size_bucket{le=\"256\"} 5\n"
	    "dis_checkpoint_commit_batch_size_bucket{le=\"+Inf\"} 6\n"
	    "dis_checkpoint_commit_batch_size_sum 1063\n"
	    "dis_checkpoint_commit_batch_size_count 6\n";
	static const size_t sizes[] = { 1, 3, 4, 200, 256, 599 };
	static const char requests[] =
	    "# HELP dis_checkpoint_requests_total Requests answered, by route "
	    "pattern, method, status and DIS error code.\n"
	    "# TYPE dis_checkpoint_requests_total counter\n"
	    "dis_checkpoint_requests_total{route=\"/v2/{project}/checkpoints\","
	    "method=\"POST\",status=\"400\",code=\"DIS.4332\"} 1\n"
	    "dis_checkpoint_requests_total{route=\"/v2/{project}/checkpoints\","
	    "method=\"POST\",status=\"201\"} 2\n"
	    "dis_checkpoint_requests_total{route=\"/v2/{project}/checkpoints\","
	    "method=\"DELETE\",status=\"204\"} 1\n"
	    "dis_checkpoint_requests_total{route=\"/health\",method=\"GET\","
	    "status=\"200\"} 1\n"
	    "dis_checkpoint_requests_total{route=\"/health\",method=\"GET\","
	    "status=\"503\",code=\"DIS.5000\"} 1\n"
	    "dis_checkpoint_requests_total{route=\"none\",method=\"GET\","
	    "status=\"404\",code=\"DIS.4200\"} 3\n"
	    "dis_checkpoint_requests_total{route=\"none\",method=\"other\","
	    "status=\"405\",code=\"DIS.4200\"} 1\n"
	    "# HELP dis_checkpoint_request_duration_seconds ";
	const struct route	*post = route_of(METHOD_POST, "/v2/p/checkpoints");
	const struct route	*del = route_of(METHOD_DELETE, "/v2/p/checkpoints");
	const struct route	*health = route_of(METHOD_GET, "/health");
	struct metrics_mark	 unmarked;
	char			*text;
	size_t			 i;

	/* Nothing counts while recording is off, nor once it is on. */
	request(post, METHOD_POST, 201, DIS_OK);
	metrics_begin(&unmarked, health, METHOD_GET);
	metrics_enable(true);
	metrics_observe(&unmarked, 200, DIS_OK);
	request(post, METHOD_POST, 201, DIS_OK);
	request(post, METHOD_POST, 201, DIS_OK);
	request(post, METHOD_POST, 400, DIS_ERR_APP_NOT_FOUND);
	request(del, METHOD_DELETE, 204, DIS_OK);
	request(health, METHOD_GET, 200, DIS_OK);
	request(health, METHOD_GET, 503, DIS_ERR_UNAVAILABLE);
	for (i = 0; i < 3; i++)
		request(NULL, METHOD_GET, 404, DIS_ERR_NO_ROUTE);
	request(NULL, METHOD_OTHER, 405, DIS_ERR_METHOD);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		metrics_commit(sizes[i], metrics_commit_start());
	metrics_queue_depth(7);
	text = render(&info);
	ck_assert_msg(strncmp(text, requests, strlen(requests)) == 0,
	    "requests: got\n%.2000s", text);
	ck_assert_msg(strstr(text, batches) != NULL, "batches: got\n%.2000s", text);
	assert_line(text, "dis_checkpoint_request_duration_seconds_count{"
	    "route=\"none\",method=\"GET\"} 3");
	assert_line(text, "dis_checkpoint_commit_duration_seconds_count 6");
	assert_line(text, "dis_checkpoint_commit_duration_seconds_bucket{"
	    "le=\"+Inf\"} 6");
	assert_line(text, "dis_checkpoint_writer_queue_depth 7");
	assert_line(text, "# TYPE dis_checkpoint_auth_failures_total counter");
	assert_no(text, "dis_checkpoint_auth_failures_total{");
	assert_no(text, "dis_checkpoint_database_size_bytes");
	free(text);
}
END_TEST

START_TEST(test_labels_escaped)
{
	struct metrics_info	 odd = { "1\"2\\3\n4", "s\\", 12345 };
	char			*text;

	text = render(&odd);
	assert_line(text, "dis_checkpoint_build_info{version=\"1\\\"2\\\\3"
	    "\\n4\",store=\"s\\\\\"} 1");
	assert_line(text, "dis_checkpoint_database_size_bytes 12345");
	free(text);
	text = render(&info);
	assert_line(text,
	    "dis_checkpoint_build_info{version=\"1.2.3\",store=\"sqlite\"} 1");
	free(text);
}
END_TEST

/* ---- GET /metrics through the service ------------------------------------ */

static const struct access_case {
	const char	*remote_addr;
	const char	*header;	/* one extra header, or NULL */
	const char	*value;
	int		 want;
} access_cases[] = {
	{ "10.1.2.3", NULL, NULL, 200 },
	{ "10.1.255.255", NULL, NULL, 200 },
	{ "10.2.0.1", NULL, NULL, 403 },
	{ "::ffff:10.1.9.9", NULL, NULL, 200 },
	{ "2001:db8:1::5", NULL, NULL, 200 },
	{ "2001:db9::1", NULL, NULL, 403 },
	{ "192.0.2.7", NULL, NULL, 200 },
	{ "192.0.2.8", NULL, NULL, 403 },
	{ "127.0.0.1", NULL, NULL, 403 },	/* not in this list */
	{ "", NULL, NULL, 403 },
	{ "10.1.2.3x", NULL, NULL, 403 },
	{ NULL, NULL, NULL, 403 },
	/* The metrics token, from anywhere; nothing else opens it. */
	{ "203.0.113.9", "authorization", "Bearer m-secret", 200 },
	{ "203.0.113.9", "authorization", "bearer m-secret", 200 },
	{ "203.0.113.9", "authorization", "Bearer m-secre", 403 },
	{ "203.0.113.9", "authorization", "Bearer m-secretx", 403 },
	{ "203.0.113.9", "authorization", "Bearer ", 403 },
	{ "203.0.113.9", "authorization", "m-secret", 403 },
	{ "203.0.113.9", "x-auth-token", "m-secret", 403 },
	{ "203.0.113.9", "authorization", "SDK-HMAC-SHA256 Credential=ak/"
	    "20261127/r/dis/sdk_request, SignedHeaders=host, Signature=00", 403 },
};

START_TEST(test_access)
{
	const struct access_case	*c = &access_cases[_i];
	struct dis_config		 cfg;
	struct service			 svc;
	struct request			 req;
	struct response			 resp;
	struct header			 h;
	char				 err[256], *out;
	size_t				 len;

	ck_assert_int_eq(conf_init(&cfg), 0);
	ck_assert_int_eq(conf_set(&cfg, "metrics", "on", err, sizeof(err)), 0);
	ck_assert_int_eq(conf_set(&cfg, "metrics_allow",
	    "10.1.0.0/16, 2001:db8::/32 192.0.2.7", err, sizeof(err)), 0);
	ck_assert_int_eq(conf_set(&cfg, "metrics_token", "m-secret", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(metrics_setup(&cfg, err, sizeof(err)), 0);
	service_init(&svc, &cfg, NULL, NULL);
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.method = METHOD_GET;
	req.method_name = (char *)"GET";
	req.path = (char *)"/metrics";
	req.query = (char *)"";
	req.remote_addr = (char *)c->remote_addr;
	req.content_length = -1;
	if (c->header != NULL) {
		h.name = (char *)c->header;
		h.value = (char *)c->value;
		req.headers = &h;
		req.nheaders = 1;
	}
	service_handle(&svc, &req, &resp);
	ck_assert_msg(resp.status == c->want, "%s %s: %d, want %d",
	    c->remote_addr ? c->remote_addr : "(none)",
	    c->value ? c->value : "", resp.status, c->want);
	out = response_render(&resp, 1, &len);
	ck_assert_ptr_nonnull(out);
	if (c->want == 200) {
		ck_assert_ptr_nonnull(strstr(out, "Content-Type: text/plain; "
		    "version=0.0.4; charset=utf-8\r\n"));
		ck_assert_ptr_nonnull(strstr(out, "\r\n\r\n# HELP "));
	} else
		ck_assert_ptr_nonnull(strstr(out, "{\"errorCode\":\"DIS.4116\""));
	free(out);
	response_free(&resp);
	conf_free(&cfg);
}
END_TEST

/* Off, loopback and no token by default; a bad entry stops the start. */
START_TEST(test_setup_refuses)
{
	static const char *const bad[] = {
		"10.0.0.0/33", "::1/129", "10.0.0.1/", "10.0.0/8", "host",
		"10.0.0.1/-1", "127.0.0.1, 300.1.1.1"
	};
	struct dis_config	 cfg;
	char			 err[256];
	size_t			 i;

	ck_assert_int_eq(conf_init(&cfg), 0);
	ck_assert(!cfg.metrics);
	ck_assert_str_eq(cfg.metrics_allow, "127.0.0.0/8, ::1");
	ck_assert_ptr_null(cfg.metrics_token);
	ck_assert_int_eq(metrics_setup(&cfg, err, sizeof(err)), 0);
	ck_assert_int_eq(conf_set(&cfg, "metrics_allow", "", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(metrics_setup(&cfg, err, sizeof(err)), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(conf_set(&cfg, "metrics_allow", bad[i], err,
		    sizeof(err)), 0);
		ck_assert_msg(metrics_setup(&cfg, err, sizeof(err)) == -1,
		    "%s accepted", bad[i]);
		ck_assert_ptr_nonnull(strstr(err, "metrics_allow"));
	}
	conf_free(&cfg);
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite	*s = suite_create("metrics");
	TCase	*tc = tcase_create("registry");

	tcase_add_test(tc, test_exact_across_threads);
	tcase_add_test(tc, test_render_exact);
	tcase_add_test(tc, test_labels_escaped);
	tcase_add_loop_test(tc, test_access, 0,
	    (int)(sizeof(access_cases) / sizeof(access_cases[0])));
	tcase_add_test(tc, test_setup_refuses);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(metrics_suite());
}
