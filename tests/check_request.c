/*
 * check_request.c: building a request from a CGI environment (the path
 * from REQUEST_URI, else SCRIPT_NAME + PATH_INFO; the query; headers
 * lower-cased with '-'; CONTENT_LENGTH empty, absent or bad), reading a
 * body under a cap from a reader over a memory buffer (FastCGI reads to
 * EOF, CGI stops at CONTENT_LENGTH), and the URL decoding every module
 * shares: query_parse and url_decode.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "request.h"
#include "testutil.h"

#define MAX_ENV	12

/* ---- request_from_env -------------------------------------------------- */

static const struct path_case {
	const char	*env[MAX_ENV];
	const char	*path;
	const char	*query;
} path_cases[] = {
	/* REQUEST_URI wins, raw, whatever the split the server made. */
	{ { "REQUEST_URI=/dis/v2/p1/apps?limit=5", "SCRIPT_NAME=/dis",
	    "PATH_INFO=/v2/p1/apps", "QUERY_STRING=limit=5" },
	    "/dis/v2/p1/apps", "limit=5" },
	{ { "REQUEST_URI=/v2/p1/apps/a%2Fb", "SCRIPT_NAME=/v2",
	    "PATH_INFO=/p1/apps/a/b" }, "/v2/p1/apps/a%2Fb", "" },
	{ { "REQUEST_URI=/v2/p1/apps" }, "/v2/p1/apps", "" },
	/* QUERY_STRING is what the server sends; the URI's is a stand-in. */
	{ { "REQUEST_URI=/v2/p1/apps?b=2", "QUERY_STRING=a=1" },
	    "/v2/p1/apps", "a=1" },
	{ { "REQUEST_URI=/v2/p1/apps?b=2&c=%20" }, "/v2/p1/apps", "b=2&c=%20" },
	{ { "REQUEST_URI=/v2/p1/apps?" }, "/v2/p1/apps", "" },
	{ { "REQUEST_URI=/v2/p1/apps?a=1?b=2" }, "/v2/p1/apps", "a=1?b=2" },
	{ { "REQUEST_URI=/v2/p1/apps?x=1", "QUERY_STRING=" },
	    "/v2/p1/apps", "" },
	/* Without REQUEST_URI: SCRIPT_NAME + PATH_INFO. */
	{ { "SCRIPT_NAME=/app.fcgi", "PATH_INFO=/v2/p1/apps",
	    "QUERY_STRING=limit=2" }, "/app.fcgi/v2/p1/apps", "limit=2" },
	{ { "SCRIPT_NAME=/v2", "PATH_INFO=/p1/checkpoints" },
	    "/v2/p1/checkpoints", "" },
	{ { "PATH_INFO=/v2/p1/apps" }, "/v2/p1/apps", "" },
	{ { "SCRIPT_NAME=/v2/p1/apps" }, "/v2/p1/apps", "" },
	{ { "SERVER_NAME=x" }, "", "" },
	/* A name that only starts like a variable is another variable. */
	{ { "REQUEST_URIX=/wrong", "REQUEST_URI=/right" }, "/right", "" },
};

START_TEST(test_path)
{
	const struct path_case	*c = &path_cases[_i];
	struct request		 r;

	ck_assert_int_eq(request_from_env(&r, (char *const *)c->env), 0);
	ck_assert_str_eq(r.path, c->path);
	ck_assert_str_eq(r.query, c->query);
	request_free(&r);
}
END_TEST

static const struct method_case {
	const char		*env;
	enum http_method	 method;
	const char		*name;
} method_cases[] = {
	{ "REQUEST_METHOD=GET", METHOD_GET, "GET" },
	{ "REQUEST_METHOD=POST", METHOD_POST, "POST" },
	{ "REQUEST_METHOD=DELETE", METHOD_DELETE, "DELETE" },
	{ "REQUEST_METHOD=HEAD", METHOD_OTHER, "HEAD" },
	{ "REQUEST_METHOD=OPTIONS", METHOD_OTHER, "OPTIONS" },
	{ "REQUEST_METHOD=PUT", METHOD_OTHER, "PUT" },
	/* Methods are case-sensitive (RFC 9110). */
	{ "REQUEST_METHOD=get", METHOD_OTHER, "get" },
	{ "REQUEST_METHOD=", METHOD_OTHER, "" },
	{ NULL, METHOD_NONE, "" },
};

START_TEST(test_method)
{
	const struct method_case	*c = &method_cases[_i];
	const char			*env[] = { "REQUEST_URI=/", c->env, NULL };
	struct request			 r;

	ck_assert_int_eq(request_from_env(&r, (char *const *)env), 0);
	ck_assert_int_eq(r.method, c->method);
	ck_assert_str_eq(r.method_name, c->name);
	request_free(&r);
}
END_TEST

/* HTTP_* and CONTENT_TYPE become headers, named as clients write them. */
START_TEST(test_headers)
{
	const char	*env[] = {
		"REQUEST_METHOD=POST", "REQUEST_URI=/v2/p1/apps",
		"HTTP_X_PROJECT_ID=p1", "HTTP_X_SDK_DATE=20240101T000000Z",
		"HTTP_HOST=example.org", "CONTENT_TYPE=application/json",
		"CONTENT_LENGTH=2", "SERVER_NAME=example.org",
		"HTTP_X_AUTH_TOKEN=", "HTTP_ACCEPT=a=b", "NOT_A_PAIR", NULL
	};
	struct request	 r;

	ck_assert_int_eq(request_from_env(&r, (char *const *)env), 0);
	ck_assert_uint_eq(r.nheaders, 6);
	ck_assert_str_eq(request_header(&r, "x-project-id"), "p1");
	ck_assert_str_eq(request_header(&r, "x-sdk-date"), "20240101T000000Z");
	ck_assert_str_eq(request_header(&r, "host"), "example.org");
	ck_assert_str_eq(request_header(&r, "content-type"),
	    "application/json");
	/* Present but empty is not absent (X-Project-Id relies on it). */
	ck_assert_str_eq(request_header(&r, "x-auth-token"), "");
	/* Only the first '=' separates name and value. */
	ck_assert_str_eq(request_header(&r, "accept"), "a=b");
	ck_assert_ptr_null(request_header(&r, "content-length"));
	ck_assert_ptr_null(request_header(&r, "server-name"));
	ck_assert_ptr_null(request_header(&r, "X-Project-Id"));
	ck_assert_ptr_null(request_header(&r, "x_project_id"));
	ck_assert_ptr_null(r.body);
	request_free(&r);
}
END_TEST

static const struct length_case {
	const char	*env;		/* NULL: absent */
	long long	 length;
	bool		 bad;
} length_cases[] = {
	{ NULL, -1, false },
	{ "CONTENT_LENGTH=", -1, false },
	{ "CONTENT_LENGTH=0", 0, false },
	{ "CONTENT_LENGTH=42", 42, false },
	{ "CONTENT_LENGTH=0042", 42, false },
	{ "CONTENT_LENGTH=9223372036854775807", 9223372036854775807LL, false },
	/* Past LLONG_MAX: larger than any cap (413), not malformed. */
	{ "CONTENT_LENGTH=9223372036854775808", 9223372036854775807LL, false },
	{ "CONTENT_LENGTH=abc", -1, true },
	{ "CONTENT_LENGTH=-1", -1, true },
	{ "CONTENT_LENGTH=+1", -1, true },
	{ "CONTENT_LENGTH= 1", -1, true },
	{ "CONTENT_LENGTH=1 ", -1, true },
	{ "CONTENT_LENGTH=1e3", -1, true },
	{ "CONTENT_LENGTH=0x10", -1, true },
};

START_TEST(test_content_length)
{
	const struct length_case	*c = &length_cases[_i];
	const char			*env[] = { "REQUEST_URI=/", c->env, NULL };
	struct request			 r;

	ck_assert_int_eq(request_from_env(&r, (char *const *)env), 0);
	ck_assert_msg(r.content_length == c->length,
	    "%s: length %lld, want %lld", c->env ? c->env : "(absent)",
	    r.content_length, c->length);
	ck_assert_msg(r.content_length_bad == c->bad, "%s: bad %d",
	    c->env ? c->env : "(absent)", r.content_length_bad);
	request_free(&r);
}
END_TEST

/* An empty environment still makes a request, with nothing in it. */
START_TEST(test_empty_env)
{
	const char	*env[] = { NULL };
	struct request	 r;

	ck_assert_int_eq(request_from_env(&r, (char *const *)env), 0);
	ck_assert_int_eq(r.method, METHOD_NONE);
	ck_assert_str_eq(r.path, "");
	ck_assert_str_eq(r.query, "");
	ck_assert_uint_eq(r.nheaders, 0);
	ck_assert_int_eq(r.content_length, -1);
	request_free(&r);
	ck_assert_ptr_null(r.path);
}
END_TEST

/* ---- request_read_body -------------------------------------------------- */

struct mem_reader {
	const char	*data;
	size_t		 len, pos;
	size_t		 chunk;		/* at most this much per call */
	size_t		 calls;
	bool		 fail;		/* -1 once the data is used up */
};

static long
mem_read(void *arg, char *buf, size_t n)
{
	struct mem_reader	*m = arg;
	size_t			 k = m->len - m->pos;

	m->calls++;
	if (k == 0)
		return m->fail ? -1 : 0;
	if (k > n)
		k = n;
	if (m->chunk > 0 && k > m->chunk)
		k = m->chunk;
	memcpy(buf, m->data + m->pos, k);
	m->pos += k;
	return (long)k;
}

#define ABSENT	(-1)

static const struct body_case {
	const char	*label;
	size_t		 available;	/* bytes the reader can give */
	long long	 content_length;
	size_t		 cap;
	bool		 until_eof;
	size_t		 chunk;
	enum dis_err	 want;
	long long	 body_len;	/* -1: no body kept */
	bool		 too_large, is_short;
	long long	 consumed;	/* bytes read from the reader; -1 any */
} body_cases[] = {
	/* FastCGI: read to EOF, cap + 1 tells "exactly cap" from "over". */
	{ "eof, no length", 10, ABSENT, 100, true, 0, DIS_OK, 10, false, false,
	    10 },
	{ "eof, length matches", 10, 10, 100, true, 0, DIS_OK, 10, false, false,
	    10 },
	{ "eof, exactly cap", 64, ABSENT, 64, true, 0, DIS_OK, 64, false, false,
	    64 },
	{ "eof, exactly cap, length", 64, 64, 64, true, 0, DIS_OK, 64, false,
	    false, 64 },
	{ "eof, cap + 1", 65, ABSENT, 64, true, 0, DIS_ERR_TOO_LARGE, -1, true,
	    false, 65 },
	{ "eof, far over cap", 1000, ABSENT, 64, true, 7, DIS_ERR_TOO_LARGE, -1,
	    true, false, -1 },
	/* A length over the cap is refused before reading anything. */
	{ "eof, length cap + 1", 65, 65, 64, true, 0, DIS_ERR_TOO_LARGE, -1,
	    true, false, 0 },
	/* A length that lies low does not let a big body in. */
	{ "eof, length low, body over", 100, 10, 64, true, 0, DIS_ERR_TOO_LARGE,
	    -1, true, false, -1 },
	{ "eof, length low, body fits", 20, 10, 64, true, 0, DIS_OK, 10, false,
	    false, 20 },
	/* A short body is refused whole, never handed on in part. */
	{ "eof, short", 4, 10, 64, true, 0, DIS_ERR_MALFORMED, -1, false, true,
	    4 },
	{ "eof, empty", 0, ABSENT, 64, true, 0, DIS_OK, 0, false, false, 0 },
	{ "eof, empty, length 0", 0, 0, 64, true, 0, DIS_OK, 0, false, false,
	    0 },
	{ "eof, small chunks", 5000, ABSENT, 10000, true, 3, DIS_OK, 5000,
	    false, false, 5000 },
	{ "eof, big body", 200000, ABSENT, 300000, true, 0, DIS_OK, 200000,
	    false, false, 200000 },
	/* CGI: CONTENT_LENGTH bounds the read; stdin need not end. */
	{ "cgi, length", 10, 10, 100, false, 0, DIS_OK, 10, false, false, 10 },
	{ "cgi, length below data", 10, 4, 100, false, 0, DIS_OK, 4, false,
	    false, 4 },
	{ "cgi, exactly cap", 64, 64, 64, false, 0, DIS_OK, 64, false, false,
	    64 },
	{ "cgi, cap + 1", 65, 65, 64, false, 0, DIS_ERR_TOO_LARGE, -1, true,
	    false, 0 },
	{ "cgi, no length", 10, ABSENT, 100, false, 0, DIS_OK, -1, false,
	    false, 0 },
	{ "cgi, length 0", 10, 0, 100, false, 0, DIS_OK, -1, false, false, 0 },
	{ "cgi, short", 4, 10, 100, false, 0, DIS_ERR_MALFORMED, -1, false, true,
	    4 },
	{ "cgi, small chunks", 5000, 5000, 10000, false, 3, DIS_OK, 5000,
	    false, false, 5000 },
};

static char *
pattern(size_t n)
{
	char	*s = malloc(n + 1);
	size_t	 i;

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < n; i++)
		s[i] = (char)('a' + i % 26);
	s[n] = '\0';
	return s;
}

START_TEST(test_body)
{
	const struct body_case	*c = &body_cases[_i];
	struct mem_reader	 m;
	struct request		 r;
	enum dis_err		 err;

	memset(&r, 0, sizeof(r));
	memset(&m, 0, sizeof(m));
	m.data = pattern(c->available);
	m.len = c->available;
	m.chunk = c->chunk;
	r.content_length = c->content_length;
	err = request_read_body(&r, mem_read, &m, c->cap, c->until_eof);
	ck_assert_msg(err == c->want, "%s: got %d, want %d", c->label, err,
	    c->want);
	ck_assert_msg(r.body_too_large == c->too_large, "%s: too_large",
	    c->label);
	ck_assert_msg(r.body_short == c->is_short, "%s: short", c->label);
	if (c->body_len < 0)
		ck_assert_msg(r.body == NULL, "%s: a body was kept", c->label);
	else {
		ck_assert_msg(r.body != NULL, "%s: no body", c->label);
		ck_assert_uint_eq(r.body_len, (size_t)c->body_len);
		ck_assert_int_eq(memcmp(r.body, m.data, r.body_len), 0);
		ck_assert_msg(r.body[r.body_len] == '\0',
		    "%s: body not NUL-terminated", c->label);
	}
	if (c->consumed >= 0)
		ck_assert_msg(m.pos == (size_t)c->consumed,
		    "%s: read %zu bytes, want %lld", c->label, m.pos,
		    c->consumed);
	ck_assert_msg(m.pos <= c->cap + 1, "%s: read %zu bytes past the cap",
	    c->label, m.pos);
	request_free(&r);
	free((char *)m.data);
}
END_TEST

/* A read error and a bad CONTENT_LENGTH are failures, not empty bodies. */
START_TEST(test_body_errors)
{
	struct mem_reader	 m;
	struct request		 r;

	memset(&m, 0, sizeof(m));
	memset(&r, 0, sizeof(r));
	m.data = "abc";
	m.len = 3;
	m.fail = true;
	r.content_length = -1;
	ck_assert_int_eq(request_read_body(&r, mem_read, &m, 100, true),
	    DIS_ERR_MALFORMED);
	ck_assert(r.body_short);
	ck_assert_ptr_null(r.body);
	request_free(&r);

	memset(&m, 0, sizeof(m));
	memset(&r, 0, sizeof(r));
	m.data = "abc";
	m.len = 3;
	r.content_length = -1;
	r.content_length_bad = true;
	ck_assert_int_eq(request_read_body(&r, mem_read, &m, 100, true),
	    DIS_ERR_INVALID);
	ck_assert_ptr_null(r.body);
	ck_assert_uint_eq(m.calls, 0);
	request_free(&r);
}
END_TEST

/* A body with NUL bytes keeps its length (JSON parsing then rejects it). */
START_TEST(test_body_binary)
{
	static const char	 data[] = "{\"a\"\0:1}";
	struct mem_reader	 m;
	struct request		 r;

	memset(&m, 0, sizeof(m));
	memset(&r, 0, sizeof(r));
	m.data = data;
	m.len = sizeof(data) - 1;
	r.content_length = (long long)m.len;
	ck_assert_int_eq(request_read_body(&r, mem_read, &m, 100, false),
	    DIS_OK);
	ck_assert_uint_eq(r.body_len, sizeof(data) - 1);
	ck_assert_int_eq(memcmp(r.body, data, r.body_len), 0);
	request_free(&r);
}
END_TEST

/* ---- query_parse --------------------------------------------------------- */

static const struct query_case {
	const char	*raw;
	size_t		 n;
	const char	*joined;	/* "k=v" pairs joined with '|' */
} query_cases[] = {
	{ "", 0, "" },
	{ "a=1", 1, "a=1" },
	{ "a=1&b=2", 2, "a=1|b=2" },
	{ "a=1&&b=2&", 2, "a=1|b=2" },
	{ "&&&", 0, "" },
	{ "a", 1, "a=" },
	{ "a=", 1, "a=" },
	{ "=x", 1, "=x" },
	{ "a=1=2", 1, "a=1=2" },
	{ "a=1&a=2", 2, "a=1|a=2" },
	{ "a+b=c+d", 1, "a b=c d" },
	{ "a%20b=%41%42", 1, "a b=AB" },
	{ "stream%5Fname=s%5f1", 1, "stream_name=s_1" },
	{ "a=%2B", 1, "a=+" },
	{ "a=%26&b=%3D", 2, "a=&|b==" },
	{ "a=%e2%82%ac", 1, "a=\xe2\x82\xac" },
	/* %00 and malformed escapes are kept as they are. */
	{ "a=%00", 1, "a=%00" },
	{ "a%00=1", 1, "a%00=1" },
	{ "a=%zz", 1, "a=%zz" },
	{ "a=%4", 1, "a=%4" },
	{ "a=%", 1, "a=%" },
	{ "a=%%41", 1, "a=%A" },
	{ "a=%4g", 1, "a=%4g" },
	{ "a=%41&b=%", 2, "a=A|b=%" },
};

START_TEST(test_query_parse)
{
	const struct query_case	*c = &query_cases[_i];
	struct query_param	*qp = NULL;
	char			 joined[256];
	size_t			 n = 99, i, off = 0;

	ck_assert_int_eq(query_parse(c->raw, &qp, &n), 0);
	ck_assert_msg(n == c->n, "\"%s\": %zu params, want %zu", c->raw, n,
	    c->n);
	joined[0] = '\0';
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(joined + off, sizeof(joined) - off,
		    "%s%s=%s", i ? "|" : "", qp[i].key, qp[i].value);
	ck_assert_str_eq(joined, c->joined);
	query_free(qp, n);
}
END_TEST

/* ---- url_decode ---------------------------------------------------------- */

static const struct decode_case {
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	bool		 plus;
	const char	*out;
} decode_cases[] = {
	{ "plain", 0, false, "plain" },
	{ "", 0, false, "" },
	{ "a+b", 0, false, "a+b" },
	{ "a+b", 0, true, "a b" },
	{ "%2B", 0, true, "+" },
	{ "%2f", 0, false, "/" },
	{ "%2F", 0, false, "/" },
	{ "%41%62%63", 0, false, "Abc" },
	{ "abc%41", 0, false, "abcA" },
	{ "%7e%7E", 0, false, "~~" },
	{ "%ff", 0, false, "\xff" },
	{ "%00", 0, false, "%00" },
	{ "a%00b", 0, false, "a%00b" },
	{ "%0", 0, false, "%0" },
	{ "%", 0, false, "%" },
	{ "%%", 0, false, "%%" },
	{ "%g1", 0, false, "%g1" },
	{ "%1g", 0, false, "%1g" },
	{ "% 1", 0, false, "% 1" },
	{ "%%41", 0, false, "%A" },
	{ "%2541", 0, false, "%41" },
	/* Only len bytes are looked at, escapes included. */
	{ "abcdef", 3, false, "abc" },
	{ "%41", 2, false, "%4" },
	{ "x%41y", 4, false, "xA" },
	{ "a/b", 1, false, "a" },
};

START_TEST(test_url_decode)
{
	const struct decode_case	*c = &decode_cases[_i];
	size_t				 len = c->len ? c->len : strlen(c->in);
	char				*out;

	out = url_decode(c->in, len, c->plus);
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(strcmp(out, c->out) == 0, "\"%.*s\" -> \"%s\", want "
	    "\"%s\"", (int)len, c->in, out, c->out);
	free(out);
}
END_TEST

#define NCASES(a)	((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
request_suite(void)
{
	Suite	*s = suite_create("request");
	TCase	*tc;

	tc = tcase_create("env");
	tcase_add_loop_test(tc, test_path, 0, NCASES(path_cases));
	tcase_add_loop_test(tc, test_method, 0, NCASES(method_cases));
	tcase_add_test(tc, test_headers);
	tcase_add_loop_test(tc, test_content_length, 0, NCASES(length_cases));
	tcase_add_test(tc, test_empty_env);
	suite_add_tcase(s, tc);

	tc = tcase_create("body");
	tcase_add_loop_test(tc, test_body, 0, NCASES(body_cases));
	tcase_add_test(tc, test_body_errors);
	tcase_add_test(tc, test_body_binary);
	suite_add_tcase(s, tc);

	tc = tcase_create("decode");
	tcase_add_loop_test(tc, test_query_parse, 0, NCASES(query_cases));
	tcase_add_loop_test(tc, test_url_decode, 0, NCASES(decode_cases));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(request_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
