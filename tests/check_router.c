/*
 * check_router.c: the route table and matcher. Every route and method, 404
 * against 405 and the Allow header a 405 carries, one trailing slash
 * accepted and empty segments refused, the configured base path stripped
 * (or absent), and segments percent-decoded one by one: "%2F" stays inside
 * its segment, captures come back decoded, and literal segments still
 * match when a client percent-encodes them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "router.h"

static const struct route_case {
	const char		*base;
	enum http_method	 method;
	const char		*path;
	enum dis_err		 want;
	handler_fn		*handler;	/* on a match */
	const char		*allow;		/* on a 405 */
	const char		*project;	/* captures, decoded */
	const char		*app;
	const char		*stream;
} cases[] = {
#define GET	METHOD_GET
#define POST	METHOD_POST
#define DEL	METHOD_DELETE
#define OTHER	METHOD_OTHER
#define OK	DIS_OK
#define E404	DIS_ERR_NO_ROUTE
#define E405	DIS_ERR_METHOD
	/* Every route. */
	{ "", POST, "/v2/p1/checkpoints", OK, handle_add_checkpoint, NULL,
	    "p1", NULL, NULL },
	{ "", GET, "/v2/p1/checkpoints", OK, handle_query_checkpoint, NULL,
	    "p1", NULL, NULL },
	{ "", DEL, "/v2/p1/checkpoints", OK, handle_delete_checkpoint, NULL,
	    "p1", NULL, NULL },
	{ "", POST, "/v2/p1/apps", OK, handle_create_app, NULL,
	    "p1", NULL, NULL },
	{ "", GET, "/v2/p1/apps", OK, handle_list_apps, NULL,
	    "p1", NULL, NULL },
	{ "", GET, "/v2/p1/apps/a1", OK, handle_describe_app, NULL,
	    "p1", "a1", NULL },
	{ "", DEL, "/v2/p1/apps/a1", OK, handle_delete_app, NULL,
	    "p1", "a1", NULL },
	{ "", GET, "/v2/p1/apps/a1/streams/s1", OK, handle_consumption_state,
	    NULL, "p1", "a1", "s1" },
	{ "", GET, "/health", OK, handle_health, NULL, NULL, NULL, NULL },

	/* Known path, other method: 405 and the methods it has. */
	{ "", OTHER, "/v2/p1/checkpoints", E405, NULL, "GET, POST, DELETE",
	    NULL, NULL, NULL },
	{ "", METHOD_NONE, "/v2/p1/checkpoints", E405, NULL,
	    "GET, POST, DELETE", NULL, NULL, NULL },
	{ "", DEL, "/v2/p1/apps", E405, NULL, "GET, POST", NULL, NULL, NULL },
	{ "", OTHER, "/v2/p1/apps", E405, NULL, "GET, POST", NULL, NULL, NULL },
	{ "", POST, "/v2/p1/apps/a1", E405, NULL, "GET, DELETE",
	    NULL, NULL, NULL },
	{ "", POST, "/v2/p1/apps/a1/streams/s1", E405, NULL, "GET",
	    NULL, NULL, NULL },
	{ "", DEL, "/v2/p1/apps/a1/streams/s1", E405, NULL, "GET",
	    NULL, NULL, NULL },
	{ "", POST, "/health", E405, NULL, "GET", NULL, NULL, NULL },
	/* The method check does not look at the captures' values. */
	{ "", OTHER, "/v2/bad!/apps", E405, NULL, "GET, POST",
	    NULL, NULL, NULL },

	/* Unknown paths: 404 whatever the method. */
	{ "", GET, "/", E404, NULL, NULL, NULL, NULL, NULL },
	{ "", GET, "", E404, NULL, NULL, NULL, NULL, NULL },
	{ "", GET, "/v2", E404, NULL, NULL, NULL, NULL, NULL },
	{ "", GET, "/v2/p1", E404, NULL, NULL, NULL, NULL, NULL },
	{ "", GET, "/v2/p1/streams", E404, NULL, NULL, NULL, NULL, NULL },
	{ "", OTHER, "/v2/p1/nothing", E404, NULL, NULL, NULL, NULL, NULL },
	{ "", GET, "/v3/p1/apps", E404, NULL, NULL, NULL, NULL, NULL },
	{ "", GET, "/V2/p1/apps", E404, NULL, NULL, NULL, NULL, NULL },
	{ "", GET, "/v2/p1/Apps", E404, NULL, NULL, NULL, NULL, NULL },
	{ "", GET, "/v2/p1/apps/a1/streams", E404, NULL, NULL, NULL, NULL,
	    NULL },
	{ "", GET, "/v2/p1/apps/a1/streams/s1/x", E404, NULL, NULL, NULL,
	    NULL, NULL },
	{ "", GET, "/v2/p1/apps/a1/stream/s1", E404, NULL, NULL, NULL, NULL,
	    NULL },
	{ "", GET, "/a/b/c/d/e/f/g/h/i/j", E404, NULL, NULL, NULL, NULL, NULL },
	{ "", GET, "v2/p1/apps", E404, NULL, NULL, NULL, NULL, NULL },
	{ "", GET, "/healthz", E404, NULL, NULL, NULL, NULL, NULL },

	/* One trailing slash is accepted; empty segments are not. */
	{ "", GET, "/v2/p1/checkpoints/", OK, handle_query_checkpoint, NULL,
	    "p1", NULL, NULL },
	{ "", GET, "/v2/p1/apps/", OK, handle_list_apps, NULL,
	    "p1", NULL, NULL },
	{ "", GET, "/v2/p1/apps/a1/", OK, handle_describe_app, NULL,
	    "p1", "a1", NULL },
	{ "", GET, "/v2/p1/apps/a1/streams/s1/", OK, handle_consumption_state,
	    NULL, "p1", "a1", "s1" },
	{ "", GET, "/health/", OK, handle_health, NULL, NULL, NULL, NULL },
	{ "", POST, "/v2/p1/apps/a1/", E405, NULL, "GET, DELETE",
	    NULL, NULL, NULL },
	{ "", GET, "/v2/p1/apps//", E404, NULL, NULL, NULL, NULL, NULL },
	{ "", GET, "/v2//apps", E404, NULL, NULL, NULL, NULL, NULL },
	{ "", GET, "//v2/p1/apps", E404, NULL, NULL, NULL, NULL, NULL },
	{ "", GET, "/v2/p1//apps", E404, NULL, NULL, NULL, NULL, NULL },
	{ "", GET, "/v2/p1/apps//a1", E404, NULL, NULL, NULL, NULL, NULL },
	{ "", OTHER, "/v2/p1/apps//", E404, NULL, NULL, NULL, NULL, NULL },

	/* Base path: stripped when present, and not needed. */
	{ "/dis", GET, "/dis/v2/p1/apps", OK, handle_list_apps, NULL,
	    "p1", NULL, NULL },
	{ "/dis", GET, "/v2/p1/apps", OK, handle_list_apps, NULL,
	    "p1", NULL, NULL },
	{ "/dis/", GET, "/dis/v2/p1/apps/a1", OK, handle_describe_app, NULL,
	    "p1", "a1", NULL },
	{ "/dis", GET, "/dis/v2/p1/apps/", OK, handle_list_apps, NULL,
	    "p1", NULL, NULL },
	{ "/dis", GET, "/dis/health", OK, handle_health, NULL,
	    NULL, NULL, NULL },
	{ "/dis", OTHER, "/dis/v2/p1/apps", E405, NULL, "GET, POST",
	    NULL, NULL, NULL },
	{ "/a/b", POST, "/a/b/v2/p1/checkpoints", OK, handle_add_checkpoint,
	    NULL, "p1", NULL, NULL },
	{ "/dis", GET, "/dis", E404, NULL, NULL, NULL, NULL, NULL },
	{ "/dis", GET, "/dis/", E404, NULL, NULL, NULL, NULL, NULL },
	/* Only a whole leading segment is a base path. */
	{ "/dis", GET, "/disx/v2/p1/apps", E404, NULL, NULL, NULL, NULL,
	    NULL },
	{ "/dis", GET, "/x/dis/v2/p1/apps", E404, NULL, NULL, NULL, NULL,
	    NULL },
	{ "/", GET, "/v2/p1/apps", OK, handle_list_apps, NULL,
	    "p1", NULL, NULL },
	/* Without a configured base path, a prefix is not guessed. */
	{ "", GET, "/dis/v2/p1/apps", E404, NULL, NULL, NULL, NULL, NULL },
	{ NULL, GET, "/v2/p1/apps", OK, handle_list_apps, NULL,
	    "p1", NULL, NULL },

	/* %2F is a character of its segment, never a separator. */
	{ "", GET, "/v2/p1/apps/a%2Fb", OK, handle_describe_app, NULL,
	    "p1", "a/b", NULL },
	{ "", GET, "/v2/p1/apps/a%2fb/streams/s1", OK, handle_consumption_state,
	    NULL, "p1", "a/b", "s1" },
	{ "", GET, "/v2/p%2Fq/apps", OK, handle_list_apps, NULL,
	    "p/q", NULL, NULL },
	{ "", GET, "/v2/p1/apps%2Fa1", E404, NULL, NULL, NULL, NULL, NULL },
	{ "", GET, "/v2%2Fp1/apps", E404, NULL, NULL, NULL, NULL, NULL },
	{ "", GET, "/v2/p1/apps/a1%2Fstreams%2Fs1", OK, handle_describe_app,
	    NULL, "p1", "a1/streams/s1", NULL },

	/* Captures are percent-decoded; '+' is not a space in a path. */
	{ "", GET, "/v2/p%5F1/apps/%61pp%2D1/streams/s%201", OK,
	    handle_consumption_state, NULL, "p_1", "app-1", "s 1" },
	{ "", GET, "/v2/p1/apps/a+b", OK, handle_describe_app, NULL,
	    "p1", "a+b", NULL },
	{ "", GET, "/v2/p1/apps/%zz", OK, handle_describe_app, NULL,
	    "p1", "%zz", NULL },
	{ "", GET, "/v2/p1/apps/a%00b", OK, handle_describe_app, NULL,
	    "p1", "a%00b", NULL },

	/* Literal segments match when percent-encoded. */
	{ "", GET, "/%762/p1/%61pps", OK, handle_list_apps, NULL,
	    "p1", NULL, NULL },
	{ "", POST, "/v2/p1/%63heckpoints", OK, handle_add_checkpoint, NULL,
	    "p1", NULL, NULL },
	{ "", GET, "/v2/p1/apps/a1/%73%74%72%65%61%6D%73/s1", OK,
	    handle_consumption_state, NULL, "p1", "a1", "s1" },
	{ "", GET, "/%68ealth", OK, handle_health, NULL, NULL, NULL, NULL },
	/* ... but only to the very same text. */
	{ "", GET, "/v2/p1/%41pps", E404, NULL, NULL, NULL, NULL, NULL },
	{ "", GET, "/v2/p1/apps%00", E404, NULL, NULL, NULL, NULL, NULL },
#undef GET
#undef POST
#undef DEL
#undef OTHER
#undef OK
#undef E404
#undef E405
};

static void
check_capture(const char *what, const char *got, const char *want)
{
	if (want == NULL)
		ck_assert_msg(got == NULL, "%s: want none, got \"%s\"", what,
		    got);
	else {
		ck_assert_msg(got != NULL, "%s: want \"%s\", got none", what,
		    want);
		ck_assert_str_eq(got, want);
	}
}

START_TEST(test_route)
{
	const struct route_case	*c = &cases[_i];
	struct route_match	 m;
	const char		*allow = "unset";
	enum dis_err		 err;

	err = router_match(c->path, c->base, c->method, false, &m, &allow);
	ck_assert_msg(err == c->want, "%s (base \"%s\"): want %d, got %d",
	    c->path, c->base ? c->base : "(null)", c->want, err);
	if (c->want == DIS_OK) {
		ck_assert_ptr_nonnull(m.route);
		ck_assert_msg(m.route->handler == c->handler,
		    "%s: routed to %s", c->path, m.route->pattern);
		ck_assert_uint_eq(m.route->method, c->method);
		ck_assert_ptr_null(allow);
		check_capture("project", m.project, c->project);
		check_capture("app", m.app, c->app);
		check_capture("stream", m.stream, c->stream);
	} else {
		ck_assert_ptr_null(m.route);
		ck_assert_ptr_null(m.project);
		ck_assert_ptr_null(m.app);
		ck_assert_ptr_null(m.stream);
		if (c->allow != NULL) {
			ck_assert_ptr_nonnull(allow);
			ck_assert_str_eq(allow, c->allow);
		} else
			ck_assert_ptr_null(allow);
	}
	route_match_free(&m);
}
END_TEST

/* Routes with a body, and routes that name a project (so authenticate). */
START_TEST(test_route_flags)
{
	static const struct {
		enum http_method	 method;
		const char		*path;
		bool			 body, project;
	} flags[] = {
		{ METHOD_POST, "/v2/p/checkpoints", true, true },
		{ METHOD_GET, "/v2/p/checkpoints", false, true },
		{ METHOD_DELETE, "/v2/p/checkpoints", false, true },
		{ METHOD_POST, "/v2/p/apps", true, true },
		{ METHOD_GET, "/v2/p/apps", false, true },
		{ METHOD_GET, "/v2/p/apps/a", false, true },
		{ METHOD_DELETE, "/v2/p/apps/a", false, true },
		{ METHOD_GET, "/v2/p/apps/a/streams/s", false, true },
		{ METHOD_GET, "/health", false, false },
		{ METHOD_GET, "/metrics", false, false },
	};
	struct route_match	 m;
	const char		*allow;
	size_t			 i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		ck_assert_int_eq(router_match(flags[i].path, "", flags[i].method,
		    true, &m, &allow), DIS_OK);
		ck_assert_msg(m.route->takes_body == flags[i].body,
		    "%s: takes_body", flags[i].path);
		ck_assert_msg(m.route->names_project == flags[i].project,
		    "%s: names_project", flags[i].path);
		route_match_free(&m);
	}
}
END_TEST

/* A match leaves nothing behind after route_match_free; twice is harmless. */
START_TEST(test_match_free)
{
	struct route_match	 m;
	const char		*allow;

	ck_assert_int_eq(router_match("/v2/p/apps/a/streams/s", "", METHOD_GET,
	    false, &m, &allow), DIS_OK);
	route_match_free(&m);
	ck_assert_ptr_null(m.project);
	ck_assert_ptr_null(m.app);
	ck_assert_ptr_null(m.stream);
	ck_assert_ptr_null(m.route);
	route_match_free(&m);
}
END_TEST

/*
 * /metrics exists only with metrics on; off, every method gets the 404 of
 * an unknown path (no 405 telling that it exists), under a base path too.
 */
START_TEST(test_metrics_route)
{
	static const enum http_method methods[] = {
		METHOD_GET, METHOD_POST, METHOD_DELETE, METHOD_OTHER
	};
	struct route_match	 m;
	const char		*allow;
	size_t			 i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		ck_assert_int_eq(router_match("/metrics", "", methods[i], false,
		    &m, &allow), DIS_ERR_NO_ROUTE);
		ck_assert_ptr_null(allow);
		ck_assert_int_eq(router_match("/dis/metrics", "/dis",
		    methods[i], false, &m, &allow), DIS_ERR_NO_ROUTE);
	}
	ck_assert_int_eq(router_match("/dis/metrics/", "/dis", METHOD_GET, true,
	    &m, &allow), DIS_OK);
	ck_assert(m.route->handler == handle_metrics);
	ck_assert_ptr_eq(router_route(route_index(m.route)), m.route);
	route_match_free(&m);
	ck_assert_int_eq(router_match("/metrics", "", METHOD_POST, true, &m,
	    &allow), DIS_ERR_METHOD);
	ck_assert_str_eq(allow, "GET");
	/* The other routes do not depend on it. */
	ck_assert_int_eq(router_match("/health", "", METHOD_GET, false, &m,
	    &allow), DIS_OK);
	route_match_free(&m);
}
END_TEST

static Suite *
router_suite(void)
{
	Suite	*s = suite_create("router");
	TCase	*tc = tcase_create("match");

	tcase_add_loop_test(tc, test_route, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_route_flags);
	tcase_add_test(tc, test_match_free);
	tcase_add_test(tc, test_metrics_route);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(router_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
