/*
 * check_service.c: every endpoint end to end through service_handle(), with
 * a struct request built by hand and a temp SQLite database, the response
 * rendered as CGI output and its JSON compared after parsing. Covers the
 * success shapes and types of api.md, the order in which errors win
 * (settled detail 1), X-Project-Id, the body checks (413, 4202, 4300,
 * 4200), 4332, duplicate before quota, query -1, delete without partition,
 * paging that ends on an exactly full page, base paths, and a database
 * that goes missing (503) and comes back; and with deferred writes on, as
 * the FastCGI server runs: the write's own copy, nothing stored before
 * its commit, and the answer settled after a real group commit, for
 * success and each failure only the commit can tell.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <check.h>

#include "conf.h"
#include "service.h"
#include "testutil.h"
#include "writer.h"

static char			*dir;
static struct dis_config	 cfg;
static struct store		*st;
static struct service		 svc;

static struct store *
open_store(const char *path)
{
	struct store_options	 o;
	struct store		*s;

	memset(&o, 0, sizeof(o));
	o.path = path;
	o.sync_full = false;
	o.journal_mode = "WAL";
	o.busy_timeout_ms = 2000;
	s = store_open(&o);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* Checked fixture: the database is opened in the forked child. */
static void
setup(void)
{
	char	 err[256], *db;

	dir = tmpdir_create();
	db = path_join(dir, "service.db");
	ck_assert_int_eq(conf_init(&cfg), 0);
	ck_assert_int_eq(conf_set(&cfg, "database", db, err, sizeof(err)), 0);
	free(db);
	st = open_store(cfg.database);
	service_init(&svc, &cfg, st, NULL);
}

static void
teardown(void)
{
	store_close(st);
	st = NULL;
	conf_free(&cfg);
	tmpdir_remove(dir);
}

/* ---- building requests and reading responses ---------------------------- */

struct spec {
	const char	*method;
	const char	*path;
	const char	*query;
	const char	*body;		/* NULL: none */
	size_t		 body_len;	/* 0: strlen(body) */
	const char	*header;	/* one extra header, lower case */
	const char	*value;
	bool		 too_large;
};

struct result {
	int	 status;
	char	 head[1024];
	char	*body;			/* after the blank line */
	json_t	*json;			/* body parsed, or NULL when empty */
	char	*raw;
};

static void
result_free(struct result *r)
{
	json_decref(r->json);
	free(r->raw);
	memset(r, 0, sizeof(*r));
}

/* Builds the request s describes and hands it to the service. */
static void
handle(const struct spec *s, struct response *resp)
{
	struct request	 req;
	struct header	 h;

	memset(&req, 0, sizeof(req));
	memset(resp, 0, sizeof(*resp));
	req.method = http_method_of(s->method);
	req.method_name = (char *)(s->method ? s->method : "");
	req.path = (char *)s->path;
	req.query = (char *)(s->query ? s->query : "");
	req.content_length = -1;
	if (s->body != NULL) {
		req.body = (char *)s->body;
		req.body_len = s->body_len ? s->body_len : strlen(s->body);
		req.content_length = (long long)req.body_len;
	}
	req.body_too_large = s->too_large;
	if (s->header != NULL) {
		h.name = (char *)s->header;
		h.value = (char *)s->value;
		req.headers = &h;
		req.nheaders = 1;
	}
	service_handle(&svc, &req, resp);
}

/* Renders resp into res and frees it. */
static void
read_result(struct result *res, struct response *resp)
{
	char	*end;
	size_t	 len;

	memset(res, 0, sizeof(*res));
	res->raw = response_render(resp, cfg.retry_after, &len);
	response_free(resp);
	ck_assert_ptr_nonnull(res->raw);
	ck_assert_int_eq(sscanf(res->raw, "Status: %d ", &res->status), 1);
	end = strstr(res->raw, "\r\n\r\n");
	ck_assert_ptr_nonnull(end);
	ck_assert_uint_lt((size_t)(end - res->raw) + 2, sizeof(res->head));
	memcpy(res->head, res->raw, (size_t)(end - res->raw) + 2);
	res->head[end - res->raw + 2] = '\0';
	res->body = end + 4;
	if (*res->body != '\0')
		res->json = json_must_parse(res->body);
}

static void
call(struct result *res, const struct spec *s)
{
	struct response	 resp;

	handle(s, &resp);
	read_result(res, &resp);
}

#define CALL(res, ...)	call(&(res), &(const struct spec){ __VA_ARGS__ })

/* Content-Length matches the body; Content-Type only with a body. */
static void
check_framing(const struct result *r)
{
	char	 want[64];

	snprintf(want, sizeof(want), "\r\nContent-Length: %zu\r\n",
	    strlen(r->body));
	ck_assert_msg(strstr(r->head, want) != NULL, "head: %s", r->head);
	if (*r->body != '\0')
		ck_assert_ptr_nonnull(strstr(r->head,
		    "\r\nContent-Type: application/json\r\n"));
	else
		ck_assert_ptr_null(strstr(r->head, "Content-Type"));
}

static void
expect_error(const struct result *r, int status, const char *code,
    const char *detail_prefix)
{
	const char	*msg;

	ck_assert_msg(r->status == status, "status %d, want %d: %s", r->status,
	    status, r->body);
	check_framing(r);
	ck_assert_ptr_nonnull(r->json);
	ck_assert_uint_eq(json_object_size(r->json), 2);
	ck_assert_msg(strcmp(json_string_value(json_object_get(r->json,
	    "errorCode")), code) == 0, "code, want %s: %s", code, r->body);
	msg = json_string_value(json_object_get(r->json, "message"));
	ck_assert_ptr_nonnull(msg);
	if (detail_prefix != NULL) {
		const char *open = strstr(msg, ". [");

		ck_assert_msg(open != NULL, "no detail: %s", msg);
		ck_assert_msg(strncmp(open + 3, detail_prefix,
		    strlen(detail_prefix)) == 0, "detail \"%s\" does not start "
		    "with \"%s\"", open + 3, detail_prefix);
		ck_assert_msg(msg[strlen(msg) - 1] == ']', "message: %s", msg);
	}
}

static void
expect_empty(const struct result *r, int status)
{
	ck_assert_msg(r->status == status, "status %d, want %d: %s", r->status,
	    status, r->body);
	ck_assert_str_eq(r->body, "");
	ck_assert_ptr_null(r->json);
	check_framing(r);
}

static json_t *
expect_json(const struct result *r, int status)
{
	ck_assert_msg(r->status == status, "status %d, want %d: %s", r->status,
	    status, r->body);
	check_framing(r);
	ck_assert_ptr_nonnull(r->json);
	return r->json;
}

static void
expect_json_equal(const struct result *r, const char *want)
{
	json_t	*w = json_must_parse(want);

	ck_assert_msg(json_equal(expect_json(r, 200), w), "got %s, want %s",
	    r->body, want);
	json_decref(w);
}

static void
create_app(const char *project, const char *app)
{
	struct result	 r;
	char		 path[128], body[128];

	snprintf(path, sizeof(path), "/v2/%s/apps", project);
	snprintf(body, sizeof(body), "{\"app_name\":\"%s\"}", app);
	CALL(r, .method = "POST", .path = path, .body = body);
	expect_empty(&r, 201);
	result_free(&r);
}

static void
add(const char *project, const char *app, const char *stream,
    const char *partition, const char *sequence, const char *metadata)
{
	struct result	 r;
	char		 path[128], body[4096];
	int		 n;

	snprintf(path, sizeof(path), "/v2/%s/checkpoints", project);
	n = snprintf(body, sizeof(body), "{\"stream_name\":\"%s\","
	    "\"app_name\":\"%s\",\"partition_id\":%s,\"sequence_number\":%s,"
	    "\"checkpoint_type\":\"LAST_READ\"", stream, app, partition,
	    sequence);
	if (metadata != NULL)
		n += snprintf(body + n, sizeof(body) - (size_t)n,
		    ",\"metadata\":%s", metadata);
	snprintf(body + n, sizeof(body) - (size_t)n, "}");
	CALL(r, .method = "POST", .path = path, .body = body);
	expect_empty(&r, 201);
	result_free(&r);
}

/* Query one checkpoint and compare the whole body. */
static void
expect_checkpoint(const char *project, const char *app, const char *stream,
    const char *partition, const char *want)
{
	struct result	 r;
	char		 path[128], query[256];

	snprintf(path, sizeof(path), "/v2/%s/checkpoints", project);
	snprintf(query, sizeof(query), "stream_name=%s&app_name=%s"
	    "&partition_id=%s&checkpoint_type=LAST_READ", stream, app,
	    partition);
	CALL(r, .method = "GET", .path = path, .query = query);
	expect_json_equal(&r, want);
	result_free(&r);
}

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- apps ------------------------------------------------------------------ */

START_TEST(test_create_describe)
{
	struct result	 r;
	json_t		*app, *v;
	long long	 before, after;
	const char	*key;

	before = now_ms();
	create_app("p1", "a1");
	after = now_ms();
	CALL(r, .method = "GET", .path = "/v2/p1/apps/a1");
	app = expect_json(&r, 200);
	ck_assert(json_is_object(app));
	/* Exactly these four members, with these types. */
	ck_assert_uint_eq(json_object_size(app), 4);
	json_object_foreach(app, key, v)
		ck_assert_msg(strcmp(key, "app_name") == 0 ||
		    strcmp(key, "app_id") == 0 || strcmp(key, "create_time") == 0 ||
		    strcmp(key, "commit_checkpoint_stream_names") == 0,
		    "unexpected member %s", key);
	ck_assert_str_eq(json_string_value(json_object_get(app, "app_name")),
	    "a1");
	v = json_object_get(app, "app_id");
	ck_assert(json_is_string(v));
	ck_assert_uint_gt(strlen(json_string_value(v)), 0);
	v = json_object_get(app, "create_time");
	ck_assert_msg(json_is_integer(v), "create_time must be an integer");
	ck_assert_int_ge(json_integer_value(v), before);
	ck_assert_int_le(json_integer_value(v), after);
	v = json_object_get(app, "commit_checkpoint_stream_names");
	ck_assert(json_is_array(v));
	ck_assert_uint_eq(json_array_size(v), 0);
	result_free(&r);
}
END_TEST

/* Streams with a checkpoint now, sorted; a re-created app gets a new id. */
START_TEST(test_app_streams_and_recreate)
{
	struct result	 r;
	json_t		*want;
	char		*first_id;

	create_app("p1", "a1");
	add("p1", "a1", "s2", "\"0\"", "\"1\"", NULL);
	add("p1", "a1", "s1", "\"0\"", "\"1\"", NULL);
	add("p1", "a1", "s1", "\"1\"", "\"1\"", NULL);
	CALL(r, .method = "GET", .path = "/v2/p1/apps/a1/");
	want = json_must_parse("[\"s1\",\"s2\"]");
	ck_assert(json_equal(json_object_get(expect_json(&r, 200),
	    "commit_checkpoint_stream_names"), want));
	json_decref(want);
	first_id = strdup(json_string_value(json_object_get(r.json, "app_id")));
	result_free(&r);

	CALL(r, .method = "DELETE", .path = "/v2/p1/apps/a1");
	expect_empty(&r, 204);
	result_free(&r);
	CALL(r, .method = "GET", .path = "/v2/p1/apps/a1");
	expect_error(&r, 400, "DIS.4332", NULL);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "message")),
	    "app not found.");
	result_free(&r);
	CALL(r, .method = "DELETE", .path = "/v2/p1/apps/a1");
	expect_error(&r, 400, "DIS.4332", NULL);
	result_free(&r);

	/* Its checkpoints went with it. */
	create_app("p1", "a1");
	CALL(r, .method = "GET", .path = "/v2/p1/apps/a1");
	ck_assert_str_ne(json_string_value(json_object_get(expect_json(&r, 200),
	    "app_id")), first_id);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json,
	    "commit_checkpoint_stream_names")), 0);
	result_free(&r);
	expect_checkpoint("p1", "a1", "s1", "0",
	    "{\"sequence_number\":\"-1\",\"metadata\":\"\"}");
	free(first_id);
}
END_TEST

/* Duplicate (4330) is checked before quota (4329). */
START_TEST(test_duplicate_before_quota)
{
	struct result	 r;

	cfg.app_quota = 1;
	create_app("p1", "a1");
	CALL(r, .method = "POST", .path = "/v2/p1/apps",
	    .body = "{\"app_name\":\"a1\"}");
	expect_error(&r, 400, "DIS.4330", NULL);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "message")),
	    "app already exist.");
	result_free(&r);
	CALL(r, .method = "POST", .path = "/v2/p1/apps",
	    .body = "{\"app_name\":\"a2\"}");
	expect_error(&r, 400, "DIS.4329", NULL);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "message")),
	    "app quota exceeded.");
	result_free(&r);
	/* The quota is per project. */
	create_app("p2", "a2");
}
END_TEST

/* Names the list holds, joined with ','. */
static void
list_names(const struct result *r, char *out, size_t len)
{
	json_t	*apps = json_object_get(r->json, "apps"), *app;
	size_t	 i, off = 0;

	out[0] = '\0';
	json_array_foreach(apps, i, app)
		off += (size_t)snprintf(out + off, len - off, "%s%s",
		    i ? "," : "", json_string_value(json_object_get(app,
		    "app_name")));
}

static void
expect_list(const char *query, const char *names, bool more, long long total)
{
	struct result	 r;
	json_t		*body;
	char		 got[512];

	CALL(r, .method = "GET", .path = "/v2/p1/apps", .query = query);
	body = expect_json(&r, 200);
	ck_assert_uint_eq(json_object_size(body), 3);
	ck_assert_msg(json_is_boolean(json_object_get(body, "has_more_app")),
	    "has_more_app must be a boolean: %s", r.body);
	ck_assert(json_is_array(json_object_get(body, "apps")));
	ck_assert(json_is_integer(json_object_get(body, "total_number")));
	list_names(&r, got, sizeof(got));
	ck_assert_msg(strcmp(got, names) == 0, "?%s: apps %s, want %s", query,
	    got, names);
	ck_assert_msg(json_is_true(json_object_get(body, "has_more_app")) ==
	    more, "?%s: has_more_app", query);
	ck_assert_int_eq(json_integer_value(json_object_get(body,
	    "total_number")), total);
	result_free(&r);
}

START_TEST(test_list_apps)
{
	struct result	 r;
	json_t		*app;
	char		 name[16];
	int		 i;

	/* apps is there even when empty. */
	expect_list("", "", false, 0);
	for (i = 11; i >= 0; i--) {
		snprintf(name, sizeof(name), "app%02d", i);
		create_app("p1", name);
	}
	/* Default limit 10. */
	expect_list("", "app00,app01,app02,app03,app04,app05,app06,app07,"
	    "app08,app09", true, 12);
	expect_list("limit=3", "app00,app01,app02", true, 12);
	expect_list("limit=3&start_app_name=app02", "app03,app04,app05", true,
	    12);
	/* An exactly full last page: has_more_app false. */
	expect_list("limit=3&start_app_name=app08", "app09,app10,app11", false,
	    12);
	expect_list("limit=12", "app00,app01,app02,app03,app04,app05,app06,"
	    "app07,app08,app09,app10,app11", false, 12);
	expect_list("start_app_name=app11", "", false, 12);
	/* start_app_name need not exist. */
	expect_list("limit=2&start_app_name=app055", "app06,app07", true, 12);
	expect_list("limit=100&start_app_name=app10", "app11", false, 12);
	/* stream_name keeps apps with checkpoints on it. */
	add("p1", "app03", "s1", "\"0\"", "\"1\"", NULL);
	add("p1", "app07", "s1", "\"2\"", "\"1\"", NULL);
	add("p1", "app05", "s2", "\"0\"", "\"1\"", NULL);
	expect_list("stream_name=s1", "app03,app07", false, 2);
	expect_list("stream_name=s1&limit=1", "app03", true, 2);
	expect_list("stream_name=s1&limit=1&start_app_name=app03", "app07",
	    false, 2);
	expect_list("stream_name=s9", "", false, 0);
	/* Unknown parameters are ignored; values may be percent-encoded. */
	expect_list("timestamp=0&stream_name=s%31&limit=%31", "app03", true, 2);

	/* Listed apps are full app objects. */
	CALL(r, .method = "GET", .path = "/v2/p1/apps",
	    .query = "stream_name=s2");
	app = json_array_get(json_object_get(expect_json(&r, 200), "apps"), 0);
	ck_assert_uint_eq(json_object_size(app), 4);
	ck_assert_str_eq(json_string_value(json_object_get(app, "app_name")),
	    "app05");
	ck_assert(json_is_string(json_object_get(app, "app_id")));
	ck_assert(json_is_integer(json_object_get(app, "create_time")));
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(app,
	    "commit_checkpoint_stream_names"), 0)), "s2");
	result_free(&r);
}
END_TEST

/* ---- checkpoints --------------------------------------------------------- */

START_TEST(test_add_and_query)
{
	struct result	 r;

	create_app("p1", "a1");
	CALL(r, .method = "POST", .path = "/v2/p1/checkpoints",
	    .body = "{\"stream_name\":\"s1\",\"app_name\":\"a1\","
	    "\"partition_id\":\"shardId-0000000000\",\"sequence_number\":\"10\","
	    "\"metadata\":\"metadata\",\"checkpoint_type\":\"LAST_READ\"}");
	expect_empty(&r, 201);
	/* 201: the status and Content-Length: 0, nothing else. */
	ck_assert_str_eq(r.raw, "Status: 201 Created\r\nContent-Length: 0"
	    "\r\n\r\n");
	result_free(&r);
	expect_checkpoint("p1", "a1", "s1", "shardId-0000000000",
	    "{\"sequence_number\":\"10\",\"metadata\":\"metadata\"}");
	/* Both partition forms name the same partition. */
	expect_checkpoint("p1", "a1", "s1", "0",
	    "{\"sequence_number\":\"10\",\"metadata\":\"metadata\"}");
	/* Nothing committed: -1 and "". */
	expect_checkpoint("p1", "a1", "s1", "1",
	    "{\"sequence_number\":\"-1\",\"metadata\":\"\"}");
	expect_checkpoint("p1", "a1", "s2", "0",
	    "{\"sequence_number\":\"-1\",\"metadata\":\"\"}");
}
END_TEST

/* Upsert; no metadata stores ""; integers and leading zeros. */
START_TEST(test_upsert_forms)
{
	create_app("p1", "a1");
	add("p1", "a1", "s1", "\"3\"", "\"5\"", "\"m\"");
	add("p1", "a1", "s1", "\"shardId-0000000003\"", "\"0007\"", NULL);
	expect_checkpoint("p1", "a1", "s1", "3",
	    "{\"sequence_number\":\"7\",\"metadata\":\"\"}");
	add("p1", "a1", "s1", "3", "8", "null");
	expect_checkpoint("p1", "a1", "s1", "shardId-0000000003",
	    "{\"sequence_number\":\"8\",\"metadata\":\"\"}");
	add("p1", "a1", "s1", "2147483647", "\"9223372036854775807\"",
	    "\"caf\\u00e9\"");
	expect_checkpoint("p1", "a1", "s1", "shardId-2147483647",
	    "{\"sequence_number\":\"9223372036854775807\","
	    "\"metadata\":\"caf\xc3\xa9\"}");
	add("p1", "a1", "s1", "0", "9223372036854775807", "\"\"");
	expect_checkpoint("p1", "a1", "s1", "0",
	    "{\"sequence_number\":\"9223372036854775807\",\"metadata\":\"\"}");
}
END_TEST

/* Metadata of 1000 multi-byte characters is stored whole; 1001 is not. */
START_TEST(test_metadata_length)
{
	struct result	 r;
	char		*meta, *quoted, *want;

	create_app("p1", "a1");
	meta = repeat("\xe2\x82\xac", 1000);
	ck_assert_int_ne(asprintf(&quoted, "\"%s\"", meta), -1);
	add("p1", "a1", "s1", "\"0\"", "\"1\"", quoted);
	ck_assert_int_ne(asprintf(&want, "{\"sequence_number\":\"1\","
	    "\"metadata\":\"%s\"}", meta), -1);
	expect_checkpoint("p1", "a1", "s1", "0", want);
	free(want);
	free(quoted);
	free(meta);

	meta = repeat("\xe2\x82\xac", 1001);
	ck_assert_int_ne(asprintf(&quoted, "{\"stream_name\":\"s1\","
	    "\"app_name\":\"a1\",\"partition_id\":\"0\",\"sequence_number\":"
	    "\"2\",\"metadata\":\"%s\",\"checkpoint_type\":\"LAST_READ\"}",
	    meta), -1);
	CALL(r, .method = "POST", .path = "/v2/p1/checkpoints", .body = quoted);
	expect_error(&r, 400, "DIS.4200", "metadata:");
	result_free(&r);
	free(quoted);
	free(meta);
}
END_TEST

START_TEST(test_delete_checkpoint)
{
	struct result	 r;

	create_app("p1", "a1");
	create_app("p1", "a2");
	add("p1", "a1", "s1", "\"0\"", "\"10\"", NULL);
	add("p1", "a1", "s1", "\"1\"", "\"11\"", NULL);
	add("p1", "a1", "s1", "\"2\"", "\"12\"", NULL);
	add("p1", "a1", "s2", "\"0\"", "\"20\"", NULL);
	add("p1", "a2", "s1", "\"0\"", "\"30\"", NULL);

	/* One partition. */
	CALL(r, .method = "DELETE", .path = "/v2/p1/checkpoints",
	    .query = "stream_name=s1&app_name=a1&partition_id=shardId-0000000001"
	    "&checkpoint_type=LAST_READ");
	expect_empty(&r, 204);
	result_free(&r);
	expect_checkpoint("p1", "a1", "s1", "1",
	    "{\"sequence_number\":\"-1\",\"metadata\":\"\"}");
	expect_checkpoint("p1", "a1", "s1", "2",
	    "{\"sequence_number\":\"12\",\"metadata\":\"\"}");

	/* An empty partition_id is invalid and deletes nothing. */
	CALL(r, .method = "DELETE", .path = "/v2/p1/checkpoints",
	    .query = "stream_name=s1&app_name=a1&partition_id=");
	expect_error(&r, 400, "DIS.4201", "partition_id:");
	result_free(&r);
	expect_checkpoint("p1", "a1", "s1", "0",
	    "{\"sequence_number\":\"10\",\"metadata\":\"\"}");

	/* Without partition_id (and without checkpoint_type): the stream. */
	CALL(r, .method = "DELETE", .path = "/v2/p1/checkpoints/",
	    .query = "stream_name=s1&app_name=a1");
	expect_empty(&r, 204);
	result_free(&r);
	expect_checkpoint("p1", "a1", "s1", "0",
	    "{\"sequence_number\":\"-1\",\"metadata\":\"\"}");
	expect_checkpoint("p1", "a1", "s1", "2",
	    "{\"sequence_number\":\"-1\",\"metadata\":\"\"}");
	expect_checkpoint("p1", "a1", "s2", "0",
	    "{\"sequence_number\":\"20\",\"metadata\":\"\"}");
	expect_checkpoint("p1", "a2", "s1", "0",
	    "{\"sequence_number\":\"30\",\"metadata\":\"\"}");

	/* Nothing there: still 204. App missing: 4332. */
	CALL(r, .method = "DELETE", .path = "/v2/p1/checkpoints",
	    .query = "stream_name=s1&app_name=a1&checkpoint_type=LAST_READ");
	expect_empty(&r, 204);
	result_free(&r);
	CALL(r, .method = "DELETE", .path = "/v2/p1/checkpoints",
	    .query = "stream_name=s1&app_name=nope");
	expect_error(&r, 400, "DIS.4332", NULL);
	result_free(&r);
}
END_TEST

/* ---- consumption state --------------------------------------------------- */

static void
expect_states(const char *query, const char *want)
{
	struct result	 r;

	CALL(r, .method = "GET", .path = "/v2/p1/apps/a1/streams/s1",
	    .query = query);
	expect_json_equal(&r, want);
	result_free(&r);
}

START_TEST(test_consumption_state)
{
	struct result	 r;
	char		 seq[8], part[8];
	int		 i;

	create_app("p1", "a1");
	expect_states("checkpoint_type=LAST_READ", "{\"has_more\":false,"
	    "\"stream_name\":\"s1\",\"app_name\":\"a1\","
	    "\"partition_consuming_states\":[]}");
	for (i = 4; i >= 0; i--) {
		snprintf(part, sizeof(part), "\"%d\"", i);
		snprintf(seq, sizeof(seq), "\"%d\"", 100 + i);
		add("p1", "a1", "s1", part, seq, NULL);
	}
	add("p1", "a1", "s2", "\"9\"", "\"1\"", NULL);
	expect_states("checkpoint_type=LAST_READ&limit=2", "{\"has_more\":true,"
	    "\"stream_name\":\"s1\",\"app_name\":\"a1\","
	    "\"partition_consuming_states\":["
	    "{\"partition_id\":\"shardId-0000000000\",\"sequence_number\":\"100\","
	    "\"checkpoint_type\":\"LAST_READ\",\"status\":\"ACTIVE\"},"
	    "{\"partition_id\":\"shardId-0000000001\",\"sequence_number\":\"101\","
	    "\"checkpoint_type\":\"LAST_READ\",\"status\":\"ACTIVE\"}]}");
	/* start_partition_id is exclusive; an exactly full page: false. */
	expect_states("checkpoint_type=LAST_READ&limit=2"
	    "&start_partition_id=shardId-0000000002", "{\"has_more\":false,"
	    "\"stream_name\":\"s1\",\"app_name\":\"a1\","
	    "\"partition_consuming_states\":["
	    "{\"partition_id\":\"shardId-0000000003\",\"sequence_number\":\"103\","
	    "\"checkpoint_type\":\"LAST_READ\",\"status\":\"ACTIVE\"},"
	    "{\"partition_id\":\"shardId-0000000004\",\"sequence_number\":\"104\","
	    "\"checkpoint_type\":\"LAST_READ\",\"status\":\"ACTIVE\"}]}");
	expect_states("start_partition_id=4&checkpoint_type=LAST_READ",
	    "{\"has_more\":false,\"stream_name\":\"s1\",\"app_name\":\"a1\","
	    "\"partition_consuming_states\":[]}");

	/* Default limit 100: all five, no more. */
	CALL(r, .method = "GET", .path = "/v2/p1/apps/a1/streams/s1/",
	    .query = "checkpoint_type=LAST_READ");
	ck_assert_uint_eq(json_array_size(json_object_get(expect_json(&r, 200),
	    "partition_consuming_states")), 5);
	ck_assert(json_is_false(json_object_get(r.json, "has_more")));
	result_free(&r);
}
END_TEST

/* Default state limit is 100: the 101st partition sets has_more. */
START_TEST(test_consumption_state_default_limit)
{
	struct result	 r;
	char		 part[16];
	int		 i;

	create_app("p1", "a1");
	for (i = 0; i < 101; i++) {
		snprintf(part, sizeof(part), "%d", i);
		add("p1", "a1", "s1", part, "1", NULL);
	}
	CALL(r, .method = "GET", .path = "/v2/p1/apps/a1/streams/s1",
	    .query = "checkpoint_type=LAST_READ");
	ck_assert_uint_eq(json_array_size(json_object_get(expect_json(&r, 200),
	    "partition_consuming_states")), 100);
	ck_assert(json_is_true(json_object_get(r.json, "has_more")));
	result_free(&r);
	CALL(r, .method = "GET", .path = "/v2/p1/apps/a1/streams/s1",
	    .query = "checkpoint_type=LAST_READ&limit=101");
	ck_assert_uint_eq(json_array_size(json_object_get(expect_json(&r, 200),
	    "partition_consuming_states")), 101);
	ck_assert(json_is_false(json_object_get(r.json, "has_more")));
	result_free(&r);
}
END_TEST

/* Default app limit is 10 and 100 is allowed; checked in test_list_apps. */

/* ---- which error wins ----------------------------------------------------- */

static const char add_no_app[] = "{\"stream_name\":\"s1\",\"app_name\":"
    "\"nope\",\"partition_id\":\"0\",\"sequence_number\":\"1\","
    "\"checkpoint_type\":\"LAST_READ\"}";

static const struct order_case {
	const char	*label;
	struct spec	 spec;
	int		 status;
	const char	*code;
	const char	*detail;	/* prefix of the detail, or NULL */
} order_cases[] = {
	/* 404 before 405 before 4117. */
	{ "unknown path, other method", { "PUT", "/v2/p1/nothing", NULL, NULL,
	    0, NULL, NULL, false }, 404, "DIS.4200", NULL },
	{ "unknown path with bad project", { "GET", "/v2/bad!/nothing", NULL,
	    NULL, 0, NULL, NULL, false }, 404, "DIS.4200", NULL },
	{ "empty segment", { "GET", "/v2/p1//apps", NULL, NULL, 0, NULL, NULL,
	    false }, 404, "DIS.4200", NULL },
	{ "method with bad project", { "PUT", "/v2/bad!/apps", NULL, NULL, 0,
	    NULL, NULL, true }, 405, "DIS.4200", NULL },
	{ "HEAD", { "HEAD", "/v2/p1/apps", NULL, NULL, 0, NULL, NULL, false },
	    405, "DIS.4200", NULL },
	{ "OPTIONS", { "OPTIONS", "/v2/p1/checkpoints", NULL, NULL, 0, NULL,
	    NULL, false }, 405, "DIS.4200", NULL },
	{ "no method", { NULL, "/v2/p1/apps", NULL, NULL, 0, NULL, NULL,
	    false }, 405, "DIS.4200", NULL },
	/* 4117 before the body checks. */
	{ "bad project", { "GET", "/v2/bad!/apps", NULL, NULL, 0, NULL, NULL,
	    false }, 400, "DIS.4117", "project_id:" },
	{ "project with %2F", { "GET", "/v2/p%2F1/apps", NULL, NULL, 0, NULL,
	    NULL, false }, 400, "DIS.4117", "project_id:" },
	{ "bad project, body too large", { "POST", "/v2/bad!/apps", NULL, NULL,
	    0, NULL, NULL, true }, 400, "DIS.4117", NULL },
	{ "X-Project-Id differs, body too large", { "POST", "/v2/p1/apps", NULL,
	    "", 0, "x-project-id", "p2", true }, 400, "DIS.4117", NULL },
	{ "X-Project-Id differs, empty body", { "POST", "/v2/p1/apps", NULL,
	    "", 0, "x-project-id", "p2", false }, 400, "DIS.4117", NULL },
	{ "X-Project-Id empty", { "GET", "/v2/p1/apps", NULL, NULL, 0,
	    "x-project-id", "", false }, 400, "DIS.4117", NULL },
	{ "X-Project-Id other case", { "GET", "/v2/p1/apps", NULL, NULL, 0,
	    "x-project-id", "P1", false }, 400, "DIS.4117", NULL },
	{ "X-Project-Id on a bad path project", { "GET", "/v2/p%2F1/apps", NULL,
	    NULL, 0, "x-project-id", "p%2F1", false }, 400, "DIS.4117",
	    "project_id:" },
	/* 413 before the body shape, on every method. */
	{ "too large, empty", { "POST", "/v2/p1/apps", NULL, "", 0, NULL, NULL,
	    true }, 413, "DIS.4200", NULL },
	{ "too large, no body", { "POST", "/v2/p1/checkpoints", NULL, NULL, 0,
	    NULL, NULL, true }, 413, "DIS.4200", NULL },
	{ "too large GET", { "GET", "/v2/p1/apps", NULL, NULL, 0, NULL, NULL,
	    true }, 413, "DIS.4200", NULL },
	{ "too large DELETE", { "DELETE", "/v2/p1/apps/a1", NULL, NULL, 0,
	    NULL, NULL, true }, 413, "DIS.4200", NULL },
	/* 4202: no body, or only whitespace. */
	{ "no body", { "POST", "/v2/p1/apps", NULL, NULL, 0, NULL, NULL,
	    false }, 400, "DIS.4202", NULL },
	{ "empty body", { "POST", "/v2/p1/checkpoints", NULL, "", 0, NULL, NULL,
	    false }, 400, "DIS.4202", NULL },
	{ "whitespace body", { "POST", "/v2/p1/apps", NULL, " \t\r\n ", 0,
	    NULL, NULL, false }, 400, "DIS.4202", NULL },
	/* 4300: malformed JSON. */
	{ "truncated", { "POST", "/v2/p1/apps", NULL, "{\"app_name\":", 0, NULL,
	    NULL, false }, 400, "DIS.4300", NULL },
	{ "duplicate keys", { "POST", "/v2/p1/apps", NULL,
	    "{\"app_name\":\"a9\",\"app_name\":\"a9\"}", 0, NULL, NULL, false },
	    400, "DIS.4300", NULL },
	{ "duplicate keys, checkpoint", { "POST", "/v2/p1/checkpoints", NULL,
	    "{\"stream_name\":\"s1\",\"app_name\":\"a1\",\"partition_id\":\"0\","
	    "\"partition_id\":\"1\",\"sequence_number\":\"1\","
	    "\"checkpoint_type\":\"LAST_READ\"}", 0, NULL, NULL, false },
	    400, "DIS.4300", NULL },
	{ "invalid UTF-8", { "POST", "/v2/p1/apps", NULL,
	    "{\"app_name\":\"a\xff\"}", 0, NULL, NULL, false }, 400,
	    "DIS.4300", NULL },
	{ "overlong UTF-8", { "POST", "/v2/p1/apps", NULL,
	    "{\"app_name\":\"\xc0\xaf\"}", 0, NULL, NULL, false }, 400,
	    "DIS.4300", NULL },
	{ "\\u0000", { "POST", "/v2/p1/apps", NULL,
	    "{\"app_name\":\"a\\u0000b\"}", 0, NULL, NULL, false }, 400,
	    "DIS.4300", NULL },
	{ "raw NUL", { "POST", "/v2/p1/apps", NULL,
	    "{\"app_name\":\"a9\"}\0", 18, NULL, NULL, false }, 400,
	    "DIS.4300", NULL },
	{ "BOM", { "POST", "/v2/p1/apps", NULL,
	    "\xef\xbb\xbf{\"app_name\":\"a9\"}", 0, NULL, NULL, false }, 400,
	    "DIS.4300", NULL },
	{ "NaN", { "POST", "/v2/p1/checkpoints", NULL,
	    "{\"stream_name\":\"s1\",\"app_name\":\"a1\",\"partition_id\":NaN,"
	    "\"sequence_number\":\"1\",\"checkpoint_type\":\"LAST_READ\"}", 0,
	    NULL, NULL, false }, 400, "DIS.4300", NULL },
	{ "Infinity", { "POST", "/v2/p1/checkpoints", NULL,
	    "{\"stream_name\":\"s1\",\"app_name\":\"a1\",\"partition_id\":\"0\","
	    "\"sequence_number\":Infinity,\"checkpoint_type\":\"LAST_READ\"}", 0,
	    NULL, NULL, false }, 400, "DIS.4300", NULL },
	{ "lone surrogate", { "POST", "/v2/p1/apps", NULL,
	    "{\"app_name\":\"\\ud800\"}", 0, NULL, NULL, false }, 400,
	    "DIS.4300", NULL },
	{ "trailing garbage", { "POST", "/v2/p1/apps", NULL,
	    "{\"app_name\":\"a9\"} x", 0, NULL, NULL, false }, 400, "DIS.4300",
	    NULL },
	{ "two objects", { "POST", "/v2/p1/apps", NULL,
	    "{\"app_name\":\"a9\"}{}", 0, NULL, NULL, false }, 400, "DIS.4300",
	    NULL },
	{ "single quotes", { "POST", "/v2/p1/apps", NULL, "{'app_name':'a9'}",
	    0, NULL, NULL, false }, 400, "DIS.4300", NULL },
	{ "malformed, app missing", { "POST", "/v2/p1/checkpoints", NULL,
	    "{\"app_name\":\"nope\",", 0, NULL, NULL, false }, 400, "DIS.4300",
	    NULL },
	/* 4200: a body that is JSON but not an object. */
	{ "array body", { "POST", "/v2/p1/apps", NULL, "[]", 0, NULL, NULL,
	    false }, 400, "DIS.4200", "body:" },
	{ "number body", { "POST", "/v2/p1/checkpoints", NULL, "1", 0, NULL,
	    NULL, false }, 400, "DIS.4200", "body:" },
	{ "string body", { "POST", "/v2/p1/apps", NULL, "\"a9\"", 0, NULL, NULL,
	    false }, 400, "DIS.4200", "body:" },
	{ "null body", { "POST", "/v2/p1/apps", NULL, "null", 0, NULL, NULL,
	    false }, 400, "DIS.4200", "body:" },
	/* Then the fields, in table order, before any database lookup. */
	{ "empty object", { "POST", "/v2/p1/checkpoints", NULL, "{}", 0, NULL,
	    NULL, false }, 400, "DIS.4200", "stream_name:" },
	{ "stream and app bad", { "POST", "/v2/p1/checkpoints", NULL,
	    "{\"stream_name\":\"s 1\",\"app_name\":\"a/1\"}", 0, NULL, NULL,
	    false }, 400, "DIS.4200", "stream_name:" },
	{ "app bad, partition bad", { "POST", "/v2/p1/checkpoints", NULL,
	    "{\"stream_name\":\"s1\",\"app_name\":\"a/1\",\"partition_id\":\"x\"}",
	    0, NULL, NULL, false }, 400, "DIS.4200", "app_name:" },
	{ "partition bad, sequence too big", { "POST", "/v2/p1/checkpoints",
	    NULL, "{\"stream_name\":\"s1\",\"app_name\":\"nope\","
	    "\"partition_id\":\"x\",\"sequence_number\":\"99999999999999999999\"}",
	    0, NULL, NULL, false }, 400, "DIS.4201", "partition_id:" },
	{ "sequence too big, type bad", { "POST", "/v2/p1/checkpoints", NULL,
	    "{\"stream_name\":\"s1\",\"app_name\":\"nope\",\"partition_id\":\"0\","
	    "\"sequence_number\":\"99999999999999999999\","
	    "\"checkpoint_type\":\"X\"}", 0, NULL, NULL, false }, 400,
	    "DIS.4224", "sequence_number:" },
	{ "metadata bad, type bad", { "POST", "/v2/p1/checkpoints", NULL,
	    "{\"stream_name\":\"s1\",\"app_name\":\"nope\",\"partition_id\":\"0\","
	    "\"sequence_number\":\"1\",\"metadata\":1,\"checkpoint_type\":\"X\"}",
	    0, NULL, NULL, false }, 400, "DIS.4200", "metadata:" },
	{ "type missing, app missing", { "POST", "/v2/p1/checkpoints", NULL,
	    "{\"stream_name\":\"s1\",\"app_name\":\"nope\",\"partition_id\":\"0\","
	    "\"sequence_number\":\"1\"}", 0, NULL, NULL, false }, 400,
	    "DIS.4200", "checkpoint_type:" },
	{ "partition null", { "POST", "/v2/p1/checkpoints", NULL,
	    "{\"stream_name\":\"s1\",\"app_name\":\"a1\",\"partition_id\":null,"
	    "\"sequence_number\":\"1\",\"checkpoint_type\":\"LAST_READ\"}", 0,
	    NULL, NULL, false }, 400, "DIS.4200", "partition_id:" },
	{ "partition empty", { "POST", "/v2/p1/checkpoints", NULL,
	    "{\"stream_name\":\"s1\",\"app_name\":\"a1\",\"partition_id\":\"\","
	    "\"sequence_number\":\"1\",\"checkpoint_type\":\"LAST_READ\"}", 0,
	    NULL, NULL, false }, 400, "DIS.4201", "partition_id:" },
	{ "negative sequence", { "POST", "/v2/p1/checkpoints", NULL,
	    "{\"stream_name\":\"s1\",\"app_name\":\"a1\",\"partition_id\":0,"
	    "\"sequence_number\":-5,\"checkpoint_type\":\"LAST_READ\"}", 0,
	    NULL, NULL, false }, 400, "DIS.4200", "sequence_number:" },
	{ "app_name integer", { "POST", "/v2/p1/apps", NULL,
	    "{\"app_name\":5}", 0, NULL, NULL, false }, 400, "DIS.4200",
	    "app_name:" },
	{ "app_name missing", { "POST", "/v2/p1/apps", NULL,
	    "{\"name\":\"a9\"}", 0, NULL, NULL, false }, 400, "DIS.4200",
	    "app_name:" },
	/* Then app existence. */
	{ "add, app missing", { "POST", "/v2/p1/checkpoints", NULL, add_no_app,
	    0, NULL, NULL, false }, 400, "DIS.4332", NULL },
	{ "query, app missing, partition empty", { "GET", "/v2/p1/checkpoints",
	    "stream_name=s1&app_name=nope&partition_id=&checkpoint_type=LAST_READ",
	    NULL, 0, NULL, NULL, false }, 400, "DIS.4201", "partition_id:" },
	{ "query, app missing", { "GET", "/v2/p1/checkpoints",
	    "stream_name=s1&app_name=nope&partition_id=0&checkpoint_type=LAST_READ",
	    NULL, 0, NULL, NULL, false }, 400, "DIS.4332", NULL },
	{ "query, nothing given", { "GET", "/v2/p1/checkpoints", NULL, NULL, 0,
	    NULL, NULL, false }, 400, "DIS.4200", "stream_name:" },
	{ "query, type missing", { "GET", "/v2/p1/checkpoints",
	    "stream_name=s1&app_name=a1&partition_id=0", NULL, 0, NULL, NULL,
	    false }, 400, "DIS.4200", "checkpoint_type:" },
	{ "query, given twice", { "GET", "/v2/p1/checkpoints",
	    "stream_name=s1&app_name=a1&app_name=a1&partition_id=0"
	    "&checkpoint_type=LAST_READ", NULL, 0, NULL, NULL, false }, 400,
	    "DIS.4200", "app_name:" },
	{ "delete, app missing", { "DELETE", "/v2/p1/checkpoints",
	    "stream_name=s1&app_name=nope", NULL, 0, NULL, NULL, false }, 400,
	    "DIS.4332", NULL },
	{ "delete, stream missing", { "DELETE", "/v2/p1/checkpoints",
	    "app_name=a1", NULL, 0, NULL, NULL, false }, 400, "DIS.4200",
	    "stream_name:" },
	{ "list, limit twice", { "GET", "/v2/p1/apps", "limit=1&limit=2", NULL,
	    0, NULL, NULL, false }, 400, "DIS.4200", "limit:" },
	{ "list, limit 0", { "GET", "/v2/p1/apps", "limit=0", NULL, 0, NULL,
	    NULL, false }, 400, "DIS.4200", "limit:" },
	{ "list, limit 101", { "GET", "/v2/p1/apps", "limit=101", NULL, 0,
	    NULL, NULL, false }, 400, "DIS.4200", "limit:" },
	{ "list, limit empty", { "GET", "/v2/p1/apps", "limit=", NULL, 0, NULL,
	    NULL, false }, 400, "DIS.4200", "limit:" },
	{ "list, bad start", { "GET", "/v2/p1/apps", "start_app_name=a%2F",
	    NULL, 0, NULL, NULL, false }, 400, "DIS.4200", "start_app_name:" },
	{ "list, bad stream", { "GET", "/v2/p1/apps", "stream_name=s+1", NULL,
	    0, NULL, NULL, false }, 400, "DIS.4200", "stream_name:" },
	{ "describe, %2F in app", { "GET", "/v2/p1/apps/a%2F1", NULL, NULL, 0,
	    NULL, NULL, false }, 400, "DIS.4200", "app_name:" },
	{ "describe, missing", { "GET", "/v2/p1/apps/nope", NULL, NULL, 0, NULL,
	    NULL, false }, 400, "DIS.4332", NULL },
	{ "delete app, bad name", { "DELETE", "/v2/p1/apps/a!", NULL, NULL, 0,
	    NULL, NULL, false }, 400, "DIS.4200", "app_name:" },
	{ "delete app, missing", { "DELETE", "/v2/p1/apps/nope", NULL, NULL, 0,
	    NULL, NULL, false }, 400, "DIS.4332", NULL },
	{ "state, bad stream and app", { "GET", "/v2/p1/apps/a!/streams/s!",
	    "checkpoint_type=LAST_READ", NULL, 0, NULL, NULL, false }, 400,
	    "DIS.4200", "stream_name:" },
	{ "state, bad app", { "GET", "/v2/p1/apps/a%2F1/streams/s1",
	    "checkpoint_type=LAST_READ", NULL, 0, NULL, NULL, false }, 400,
	    "DIS.4200", "app_name:" },
	{ "state, type missing", { "GET", "/v2/p1/apps/a1/streams/s1", NULL,
	    NULL, 0, NULL, NULL, false }, 400, "DIS.4200", "checkpoint_type:" },
	{ "state, bad start", { "GET", "/v2/p1/apps/nope/streams/s1",
	    "checkpoint_type=LAST_READ&start_partition_id=x", NULL, 0, NULL,
	    NULL, false }, 400, "DIS.4201", "start_partition_id:" },
	{ "state, limit 1001", { "GET", "/v2/p1/apps/a1/streams/s1",
	    "checkpoint_type=LAST_READ&limit=1001", NULL, 0, NULL, NULL, false },
	    400, "DIS.4200", "limit:" },
	{ "state, app missing", { "GET", "/v2/p1/apps/nope/streams/s1",
	    "checkpoint_type=LAST_READ", NULL, 0, NULL, NULL, false }, 400,
	    "DIS.4332", NULL },
};

START_TEST(test_error_order)
{
	const struct order_case	*c = &order_cases[_i];
	struct result		 r;

	create_app("p1", "a1");
	call(&r, &c->spec);
	ck_assert_msg(r.status == c->status, "%s: status %d, want %d: %s",
	    c->label, r.status, c->status, r.body);
	expect_error(&r, c->status, c->code, c->detail);
	result_free(&r);
}
END_TEST

/* The message is "<text>. [<detail>]" exactly. */
START_TEST(test_error_message)
{
	struct result	 r;

	CALL(r, .method = "POST", .path = "/v2/p1/checkpoints",
	    .body = "{\"stream_name\":\"bad stream\"}");
	expect_error(&r, 400, "DIS.4200", NULL);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "message")),
	    "Invalid request. [stream_name: 1-64 characters of A-Za-z0-9_-]");
	result_free(&r);
}
END_TEST

/* 405 names the methods the path has. */
START_TEST(test_method_allow)
{
	static const struct {
		const char	*method, *path, *allow;
	} cases[] = {
		{ "PUT", "/v2/p1/checkpoints", "GET, POST, DELETE" },
		{ "DELETE", "/v2/p1/apps", "GET, POST" },
		{ "POST", "/v2/p1/apps/a1", "GET, DELETE" },
		{ "HEAD", "/v2/p1/apps/a1/streams/s1", "GET" },
	};
	struct result	 r;
	char		 want[64];
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CALL(r, .method = cases[i].method, .path = cases[i].path);
		expect_error(&r, 405, "DIS.4200", NULL);
		snprintf(want, sizeof(want), "\r\nAllow: %s\r\n", cases[i].allow);
		ck_assert_msg(strstr(r.head, want) != NULL, "%s %s: %s",
		    cases[i].method, cases[i].path, r.head);
		result_free(&r);
	}
	CALL(r, .method = "GET", .path = "/v2/p1/nothing");
	expect_error(&r, 404, "DIS.4200", NULL);
	ck_assert_ptr_null(strstr(r.head, "Allow:"));
	result_free(&r);
}
END_TEST

/* Names at and past their limits, through the endpoints. */
START_TEST(test_name_lengths)
{
	struct result	 r;
	char		*p64 = repeat("p", 64), *p65 = repeat("p", 65);
	char		*a50 = repeat("a", 50), *a51 = repeat("a", 51);
	char		*s64 = repeat("s", 64), *s65 = repeat("s", 65);
	char		 path[256], body[512];

	snprintf(path, sizeof(path), "/v2/%s/apps", p64);
	CALL(r, .method = "GET", .path = path);
	expect_json(&r, 200);
	result_free(&r);
	snprintf(path, sizeof(path), "/v2/%s/apps", p65);
	CALL(r, .method = "GET", .path = path);
	expect_error(&r, 400, "DIS.4117", "project_id:");
	result_free(&r);

	create_app("p1", a50);
	snprintf(body, sizeof(body), "{\"app_name\":\"%s\"}", a51);
	CALL(r, .method = "POST", .path = "/v2/p1/apps", .body = body);
	expect_error(&r, 400, "DIS.4200", "app_name:");
	result_free(&r);

	add("p1", a50, s64, "\"0\"", "\"1\"", NULL);
	expect_checkpoint("p1", a50, s64, "0",
	    "{\"sequence_number\":\"1\",\"metadata\":\"\"}");
	snprintf(body, sizeof(body), "{\"stream_name\":\"%s\",\"app_name\":"
	    "\"%s\",\"partition_id\":\"0\",\"sequence_number\":\"1\","
	    "\"checkpoint_type\":\"LAST_READ\"}", s65, a50);
	CALL(r, .method = "POST", .path = "/v2/p1/checkpoints", .body = body);
	expect_error(&r, 400, "DIS.4200", "stream_name:");
	result_free(&r);
	free(p64);
	free(p65);
	free(a50);
	free(a51);
	free(s64);
	free(s65);
}
END_TEST

/* Nesting deeper than the parser allows is malformed, not a crash. */
START_TEST(test_deep_nesting)
{
	struct result	 r;
	char		*open = repeat("[", 5000), *close = repeat("]", 5000);
	char		*body;

	ck_assert_int_ne(asprintf(&body, "{\"app_name\":%s%s}", open, close),
	    -1);
	CALL(r, .method = "POST", .path = "/v2/p1/apps", .body = body);
	expect_error(&r, 400, "DIS.4300", NULL);
	result_free(&r);
	free(body);
	free(open);
	free(close);
}
END_TEST

/* An integer too large for the parser: 4224 or 4300, never a success. */
START_TEST(test_huge_integer)
{
	struct result	 r;

	create_app("p1", "a1");
	CALL(r, .method = "POST", .path = "/v2/p1/checkpoints",
	    .body = "{\"stream_name\":\"s1\",\"app_name\":\"a1\",\"partition_id\":0,"
	    "\"sequence_number\":9223372036854775808,"
	    "\"checkpoint_type\":\"LAST_READ\"}");
	ck_assert_int_eq(r.status, 400);
	ck_assert_msg(strcmp(json_string_value(json_object_get(r.json,
	    "errorCode")), "DIS.4224") == 0 || strcmp(json_string_value(
	    json_object_get(r.json, "errorCode")), "DIS.4300") == 0, "%s",
	    r.body);
	result_free(&r);
	expect_checkpoint("p1", "a1", "s1", "0",
	    "{\"sequence_number\":\"-1\",\"metadata\":\"\"}");
}
END_TEST

/* What clients send that must not matter. */
START_TEST(test_tolerated)
{
	struct result	 r;

	/* Matching X-Project-Id. */
	CALL(r, .method = "POST", .path = "/v2/p1/apps",
	    .body = "{\"app_name\":\"a1\"}", .header = "x-project-id",
	    .value = "p1");
	expect_empty(&r, 201);
	result_free(&r);
	/* Content-Type is not enforced. */
	CALL(r, .method = "POST", .path = "/v2/p1/apps",
	    .body = "{\"app_name\":\"a2\"}", .header = "content-type",
	    .value = "text/plain");
	expect_empty(&r, 201);
	result_free(&r);
	/* Unknown fields, whitespace around the body. */
	CALL(r, .method = "POST", .path = "/v2/p1/checkpoints",
	    .body = " \n{\"stream_name\":\"s1\",\"app_name\":\"a1\","
	    "\"partition_id\":\"1\",\"sequence_number\":\"5\","
	    "\"checkpoint_type\":\"LAST_READ\",\"client_id\":\"c\","
	    "\"generation_id\":3,\"stream_id\":null}\n ");
	expect_empty(&r, 201);
	result_free(&r);
	/* A body on GET or DELETE is ignored, however broken. */
	CALL(r, .method = "GET", .path = "/v2/p1/apps", .body = "{not json");
	expect_json(&r, 200);
	result_free(&r);
	/* Unknown and percent-encoded query parameters. */
	CALL(r, .method = "GET", .path = "/v2/p1/checkpoints/",
	    .query = "timestamp=0&stream%5Fname=s%31&app_name=a1"
	    "&partition_id=shardId-000000000%31&checkpoint_type=LAST_READ");
	expect_json_equal(&r, "{\"sequence_number\":\"5\",\"metadata\":\"\"}");
	result_free(&r);
}
END_TEST

/* Nothing of one project is visible to, or changed by, another. */
START_TEST(test_project_isolation)
{
	struct result	 r;

	create_app("p1", "a1");
	create_app("p2", "a1");
	add("p1", "a1", "s1", "\"0\"", "\"1\"", "\"one\"");
	expect_checkpoint("p2", "a1", "s1", "0",
	    "{\"sequence_number\":\"-1\",\"metadata\":\"\"}");
	CALL(r, .method = "GET", .path = "/v2/p3/apps/a1");
	expect_error(&r, 400, "DIS.4332", NULL);
	result_free(&r);
	CALL(r, .method = "DELETE", .path = "/v2/p2/apps/a1");
	expect_empty(&r, 204);
	result_free(&r);
	expect_checkpoint("p1", "a1", "s1", "0",
	    "{\"sequence_number\":\"1\",\"metadata\":\"one\"}");
	CALL(r, .method = "GET", .path = "/v2/p2/apps");
	expect_json_equal(&r, "{\"has_more_app\":false,\"apps\":[],"
	    "\"total_number\":0}");
	result_free(&r);
}
END_TEST

/* A configured base path is stripped; the bare path still works. */
START_TEST(test_base_path)
{
	struct result	 r;
	char		 err[128];

	ck_assert_int_eq(conf_set(&cfg, "base_path", "/dis", err, sizeof(err)),
	    0);
	CALL(r, .method = "POST", .path = "/dis/v2/p1/apps",
	    .body = "{\"app_name\":\"a1\"}");
	expect_empty(&r, 201);
	result_free(&r);
	CALL(r, .method = "GET", .path = "/v2/p1/apps/a1");
	expect_json(&r, 200);
	result_free(&r);
	CALL(r, .method = "GET", .path = "/dis/v2/p1/apps/a1/");
	expect_json(&r, 200);
	result_free(&r);
	CALL(r, .method = "GET", .path = "/other/v2/p1/apps/a1");
	expect_error(&r, 404, "DIS.4200", NULL);
	result_free(&r);
}
END_TEST

START_TEST(test_health)
{
	struct result	 r;

	CALL(r, .method = "GET", .path = "/health");
	expect_json_equal(&r, "{\"status\":\"ok\"}");
	result_free(&r);
}
END_TEST

/* The database missing: 503 with Retry-After; back once it is there. */
START_TEST(test_unavailable)
{
	struct result	 r;
	char		*sub = path_join(dir, "later");
	char		*path = path_join(sub, "service.db");

	store_close(st);
	st = open_store(path);
	service_init(&svc, &cfg, st, NULL);
	cfg.retry_after = 5;
	CALL(r, .method = "POST", .path = "/v2/p1/apps",
	    .body = "{\"app_name\":\"a1\"}");
	expect_error(&r, 503, "DIS.5000", NULL);
	ck_assert_ptr_nonnull(strstr(r.head, "\r\nRetry-After: 5\r\n"));
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "message")),
	    "System error.");
	result_free(&r);
	CALL(r, .method = "GET", .path = "/v2/p1/apps");
	expect_error(&r, 503, "DIS.5000", NULL);
	result_free(&r);
	CALL(r, .method = "GET", .path = "/health");
	expect_error(&r, 503, "DIS.5000", NULL);
	result_free(&r);
	/* Validation still comes first. */
	CALL(r, .method = "GET", .path = "/v2/p1/apps", .query = "limit=0");
	expect_error(&r, 400, "DIS.4200", "limit:");
	ck_assert_ptr_null(strstr(r.head, "Retry-After"));
	result_free(&r);

	ck_assert_int_eq(mkdir(sub, 0700), 0);
	create_app("p1", "a1");
	CALL(r, .method = "GET", .path = "/health");
	expect_json(&r, 200);
	result_free(&r);
	free(path);
	free(sub);
}
END_TEST

/* ---- deferred writes, as the FastCGI server runs them -------------------- */

static struct writer_entry	 entries[8];
static int			 ndone;

static void
count_done(void *arg)
{
	(void)arg;
	ndone++;
}

/*
 * Commits the deferred writes of resps[0..n) in one batch through a real
 * writer on the database at path, then settles each answer as the server
 * does. writer_stop commits what is queued and runs every done first.
 */
static void
commit_deferred(const char *path, struct response *resps, size_t n)
{
	struct store_options	 o;
	struct writer		*w;
	size_t			 i;

	memset(&o, 0, sizeof(o));
	o.path = path;
	o.journal_mode = "WAL";
	o.busy_timeout_ms = 2000;
	ck_assert_ptr_nonnull(w = writer_start(&o));
	ndone = 0;
	for (i = 0; i < n; i++) {
		ck_assert_ptr_nonnull(resps[i].deferred);
		entries[i].op = resps[i].deferred;
		entries[i].done = count_done;
		entries[i].arg = NULL;
		writer_submit(w, &entries[i]);
	}
	writer_stop(w);
	ck_assert_int_eq(ndone, (int)n);
	for (i = 0; i < n; i++) {
		response_settle(&resps[i], resps[i].deferred->result);
		ck_assert_ptr_null(resps[i].deferred);
	}
}

/*
 * The write waits in a copy of its own: the request, its body and the
 * handler's stack are gone (here: overwritten) before it commits, and
 * nothing is stored until it does.
 */
START_TEST(test_deferred_copy)
{
	struct response	 resp[2];
	struct result	 r;
	char		 path[64], body[256];
	struct write_op	*op;

	svc.defer_writes = true;
	snprintf(path, sizeof(path), "/v2/p1/apps");
	snprintf(body, sizeof(body), "{\"app_name\":\"a1\"}");
	handle(&(const struct spec){ .method = "POST", .path = path,
	    .body = body }, &resp[0]);
	memset(path, 'x', sizeof(path) - 1);
	memset(body, 'x', sizeof(body) - 1);
	ck_assert_int_eq(resp[0].status, 201);
	ck_assert_ptr_nonnull(op = resp[0].deferred);
	ck_assert_str_eq(op->key.project, "p1");
	ck_assert_str_eq(op->key.app, "a1");
	ck_assert_ptr_nonnull(op->app_id);
	ck_assert_uint_gt(strlen(op->app_id), 0);

	snprintf(path, sizeof(path), "/v2/p1/checkpoints");
	snprintf(body, sizeof(body), "{\"stream_name\":\"s1\",\"app_name\":"
	    "\"a1\",\"partition_id\":\"shardId-0000000003\","
	    "\"sequence_number\":\"42\",\"checkpoint_type\":\"LAST_READ\","
	    "\"metadata\":\"m\"}");
	handle(&(const struct spec){ .method = "POST", .path = path,
	    .body = body }, &resp[1]);
	memset(path, 'x', sizeof(path) - 1);
	memset(body, 'x', sizeof(body) - 1);
	ck_assert_int_eq(resp[1].status, 201);
	ck_assert_ptr_nonnull(op = resp[1].deferred);
	ck_assert_str_eq(op->key.project, "p1");
	ck_assert_str_eq(op->key.app, "a1");
	ck_assert_str_eq(op->key.stream, "s1");
	ck_assert_str_eq(op->key.type, "LAST_READ");
	ck_assert_int_eq(op->key.partition, 3);
	ck_assert_int_eq(op->sequence, 42);
	ck_assert_str_eq(op->metadata, "m");

	/* Not stored yet. */
	svc.defer_writes = false;
	CALL(r, .method = "GET", .path = "/v2/p1/apps/a1");
	expect_error(&r, 400, "DIS.4332", NULL);
	result_free(&r);

	commit_deferred(cfg.database, resp, 2);
	read_result(&r, &resp[0]);
	expect_empty(&r, 201);
	result_free(&r);
	read_result(&r, &resp[1]);
	expect_empty(&r, 201);
	result_free(&r);
	CALL(r, .method = "GET", .path = "/v2/p1/checkpoints",
	    .query = "app_name=a1&stream_name=s1&partition_id=3"
	    "&checkpoint_type=LAST_READ");
	ck_assert_str_eq(json_string_value(json_object_get(
	    expect_json(&r, 200), "sequence_number")), "42");
	result_free(&r);
}
END_TEST

/* A deferred delete answers 204 once committed, and only then is gone. */
START_TEST(test_deferred_delete)
{
	struct response	 resp;
	struct result	 r;

	create_app("p1", "a1");
	svc.defer_writes = true;
	handle(&(const struct spec){ .method = "DELETE",
	    .path = "/v2/p1/apps/a1" }, &resp);
	ck_assert_int_eq(resp.status, 204);
	svc.defer_writes = false;
	CALL(r, .method = "GET", .path = "/v2/p1/apps/a1");
	expect_json(&r, 200);
	result_free(&r);
	commit_deferred(cfg.database, &resp, 1);
	read_result(&r, &resp);
	expect_empty(&r, 204);
	result_free(&r);
	CALL(r, .method = "GET", .path = "/v2/p1/apps/a1");
	expect_error(&r, 400, "DIS.4332", NULL);
	result_free(&r);
}
END_TEST

/*
 * What only the commit can tell: a duplicate and the quota within one
 * batch, a checkpoint for an app that is not there, a database that is
 * not writable. Each answer is the error, never the status promised.
 */
START_TEST(test_deferred_failures)
{
	struct response	 resp[4];
	struct result	 r;
	char		*sub = path_join(dir, "later");
	char		*missing = path_join(sub, "service.db");
	size_t		 i;

	cfg.app_quota = 2;
	svc.defer_writes = true;
	handle(&(const struct spec){ .method = "POST", .path = "/v2/p1/apps",
	    .body = "{\"app_name\":\"a1\"}" }, &resp[0]);
	handle(&(const struct spec){ .method = "POST", .path = "/v2/p1/apps",
	    .body = "{\"app_name\":\"a1\"}" }, &resp[1]);
	handle(&(const struct spec){ .method = "POST", .path = "/v2/p1/apps",
	    .body = "{\"app_name\":\"a2\"}" }, &resp[2]);
	handle(&(const struct spec){ .method = "POST", .path = "/v2/p1/apps",
	    .body = "{\"app_name\":\"a3\"}" }, &resp[3]);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(resp[i].status, 201);
	commit_deferred(cfg.database, resp, 4);
	read_result(&r, &resp[0]);
	expect_empty(&r, 201);
	result_free(&r);
	read_result(&r, &resp[1]);
	expect_error(&r, 400, "DIS.4330", NULL);
	result_free(&r);
	read_result(&r, &resp[2]);
	expect_empty(&r, 201);
	result_free(&r);
	read_result(&r, &resp[3]);
	expect_error(&r, 400, "DIS.4329", NULL);
	result_free(&r);

	handle(&(const struct spec){ .method = "POST",
	    .path = "/v2/p1/checkpoints", .body = "{\"stream_name\":\"s1\","
	    "\"app_name\":\"nope\",\"partition_id\":\"0\","
	    "\"sequence_number\":\"1\",\"checkpoint_type\":\"LAST_READ\"}" },
	    &resp[0]);
	ck_assert_int_eq(resp[0].status, 201);
	commit_deferred(cfg.database, resp, 1);
	read_result(&r, &resp[0]);
	expect_error(&r, 400, "DIS.4332", NULL);
	result_free(&r);

	/* The writer's database cannot be created: 503 with Retry-After. */
	cfg.retry_after = 7;
	handle(&(const struct spec){ .method = "POST", .path = "/v2/p1/apps",
	    .body = "{\"app_name\":\"a9\"}" }, &resp[0]);
	commit_deferred(missing, resp, 1);
	read_result(&r, &resp[0]);
	expect_error(&r, 503, "DIS.5000", NULL);
	ck_assert_ptr_nonnull(strstr(r.head, "\r\nRetry-After: 7\r\n"));
	result_free(&r);
	svc.defer_writes = false;
	CALL(r, .method = "GET", .path = "/v2/p1/apps/a9");
	expect_error(&r, 400, "DIS.4332", NULL);
	result_free(&r);
	free(missing);
	free(sub);
}
END_TEST

/* Checks that fail before the handler never defer anything. */
START_TEST(test_deferred_not_for_errors)
{
	struct response	 resp;

	svc.defer_writes = true;
	handle(&(const struct spec){ .method = "POST", .path = "/v2/p1/apps",
	    .body = "{\"app_name\":\"\"}" }, &resp);
	ck_assert_int_eq(resp.status, 400);
	ck_assert_ptr_null(resp.deferred);
	response_free(&resp);
	handle(&(const struct spec){ .method = "POST", .path = "/v2/p1/apps",
	    .body = "{}", .too_large = true }, &resp);
	ck_assert_int_eq(resp.status, 413);
	ck_assert_ptr_null(resp.deferred);
	response_free(&resp);
}
END_TEST

#define NCASES(a)	((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
service_suite(void)
{
	Suite	*s = suite_create("service");
	TCase	*tc;

	tc = tcase_create("apps");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_create_describe);
	tcase_add_test(tc, test_app_streams_and_recreate);
	tcase_add_test(tc, test_duplicate_before_quota);
	tcase_add_test(tc, test_list_apps);
	suite_add_tcase(s, tc);

	tc = tcase_create("checkpoints");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_add_and_query);
	tcase_add_test(tc, test_upsert_forms);
	tcase_add_test(tc, test_metadata_length);
	tcase_add_test(tc, test_delete_checkpoint);
	tcase_add_test(tc, test_consumption_state);
	tcase_add_test(tc, test_consumption_state_default_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_error_order, 0, NCASES(order_cases));
	tcase_add_test(tc, test_error_message);
	tcase_add_test(tc, test_method_allow);
	tcase_add_test(tc, test_name_lengths);
	tcase_add_test(tc, test_deep_nesting);
	tcase_add_test(tc, test_huge_integer);
	suite_add_tcase(s, tc);

	tc = tcase_create("service");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_tolerated);
	tcase_add_test(tc, test_project_isolation);
	tcase_add_test(tc, test_base_path);
	tcase_add_test(tc, test_health);
	tcase_add_test(tc, test_unavailable);
	suite_add_tcase(s, tc);

	tc = tcase_create("deferred");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_deferred_copy);
	tcase_add_test(tc, test_deferred_delete);
	tcase_add_test(tc, test_deferred_failures);
	tcase_add_test(tc, test_deferred_not_for_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(service_suite());
}
