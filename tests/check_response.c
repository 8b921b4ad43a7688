/*
 * check_response.c: the one mapping from an error value to what a client
 * sees (errors.c: HTTP status, DIS code, message text, Retry-After), and
 * the rendering of a response as CGI output: the Status line,
 * Content-Length, no Content-Type on empty 201/204, Allow on 405,
 * Retry-After on 503 only, and error bodies of exactly
 * {"errorCode":"DIS.xxxx","message":"<text>. [<detail>]"}.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "response.h"
#include "testutil.h"

/* The contract, from api.md's "Errors used" and errors.h. */
static const struct error_case {
	enum dis_err	 err;
	int		 status;
	const char	*code;
	const char	*text;
	int		 retry;
	const char	*detail;	/* the error's own, when it has one */
} error_cases[] = {
	{ DIS_ERR_NO_ROUTE, 404, "DIS.4200", "Invalid request", 0, NULL },
	{ DIS_ERR_METHOD, 405, "DIS.4200", "Invalid request", 0, NULL },
	{ DIS_ERR_PROJECT, 400, "DIS.4117", "Invalid Project Id", 0, NULL },
	{ DIS_ERR_AUTH_MISSING, 441, "DIS.4101",
	    "Authorization header cannot be empty", 0, NULL },
	{ DIS_ERR_AUTH_UNPARSEABLE, 441, "DIS.4102",
	    "Invalid Authorization header", 0, NULL },
	{ DIS_ERR_DATE_MISSING, 441, "DIS.4103", "Empty X-Sdk-Date header", 0, NULL },
	{ DIS_ERR_DATE_UNPARSEABLE, 441, "DIS.4104",
	    "Failed to parse X-Sdk-Date header", 0, NULL },
	{ DIS_ERR_DATE_SKEW, 441, "DIS.4105", "Invalid X-Sdk-Date header", 0, NULL },
	{ DIS_ERR_AK_UNKNOWN, 441, "DIS.4107", "Invalid AcessKey header", 0, NULL },
	{ DIS_ERR_AUTH_INCOMPLETE, 441, "DIS.4109",
	    "Invalid Credential, SignedHeaders or Signature", 0, NULL },
	{ DIS_ERR_SIGNATURE, 441, "DIS.4112", "Invalid authorization request",
	    0, NULL },
	{ DIS_ERR_TOKEN_EMPTY, 441, "DIS.4113", "Empty Token header", 0, NULL },
	{ DIS_ERR_TOKEN_INVALID, 441, "DIS.4114", "Invalid Token header", 0, NULL },
	{ DIS_ERR_RBAC, 403, "DIS.4116", "Invalid RBAC", 0, NULL },
	{ DIS_ERR_TOO_LARGE, 413, "DIS.4200", "Invalid request", 0, NULL },
	{ DIS_ERR_EMPTY_BODY, 400, "DIS.4202", "Empty request", 0, NULL },
	{ DIS_ERR_MALFORMED, 400, "DIS.4300", "Request error", 0, NULL },
	{ DIS_ERR_INVALID, 400, "DIS.4200", "Invalid request", 0, NULL },
	{ DIS_ERR_PARTITION, 400, "DIS.4201", "Invalid partition_id", 0, NULL },
	{ DIS_ERR_SEQ_RANGE, 400, "DIS.4224", "Sequence_number out of range",
	    0, NULL },
	{ DIS_ERR_APP_QUOTA, 400, "DIS.4329", "app quota exceeded", 0, NULL },
	{ DIS_ERR_APP_EXISTS, 400, "DIS.4330", "app already exist", 0, NULL },
	{ DIS_ERR_APP_NOT_FOUND, 400, "DIS.4332", "app not found", 0, NULL },
	{ DIS_ERR_STREAM_LIMIT, 400, "DIS.4200", "Invalid request", 0,
	    "app_stream_limit: the app has checkpoints on as many streams as "
	    "allowed; delete a stream's checkpoints first" },
	{ DIS_ERR_UNAVAILABLE, 503, "DIS.5000", "System error", 1, NULL },
	{ DIS_ERR_INTERNAL, 500, "DIS.5000", "System error", 0, NULL },
};

#define NCASES(a)	((int)(sizeof(a) / sizeof((a)[0])))

/* The table above covers every error value there is. */
START_TEST(test_error_table_complete)
{
	ck_assert_int_eq(NCASES(error_cases), DIS_ERR__COUNT - 1);
}
END_TEST

START_TEST(test_error_info)
{
	const struct error_case		*c = &error_cases[_i];
	const struct dis_error_info	*info = dis_error_info(c->err);

	ck_assert_int_eq(info->http_status, c->status);
	ck_assert_str_eq(info->code, c->code);
	ck_assert_str_eq(info->text, c->text);
	ck_assert_int_eq(info->retry, c->retry);
}
END_TEST

/* A value outside the enum is an internal error, never a crash. */
START_TEST(test_error_info_out_of_range)
{
	const struct dis_error_info	*info;

	info = dis_error_info(DIS_ERR__COUNT);
	ck_assert_int_eq(info->http_status, 500);
	ck_assert_str_eq(info->code, "DIS.5000");
	info = dis_error_info((enum dis_err)-1);
	ck_assert_int_eq(info->http_status, 500);
}
END_TEST

/* Splits rendered output at the blank line; returns the body. */
static const char *
split_head(const char *out, size_t len, char *head, size_t headlen)
{
	const char	*end = strstr(out, "\r\n\r\n");
	size_t		 n;

	ck_assert_msg(end != NULL, "no blank line after the headers");
	n = (size_t)(end - out) + 2;
	ck_assert_uint_lt(n, headlen);
	memcpy(head, out, n);
	head[n] = '\0';
	ck_assert_uint_le((size_t)(end + 4 - out), len);
	return end + 4;
}

/* Every error renders with its status, its code and "<text>." exactly. */
START_TEST(test_error_render)
{
	const struct error_case	*c = &error_cases[_i];
	struct response		 resp;
	char			 head[512], want[256], *out;
	const char		*body;
	json_t			*json, *expect;
	size_t			 len;

	memset(&resp, 0, sizeof(resp));
	response_error(&resp, c->err, NULL);
	ck_assert_int_eq(resp.status, c->status);
	out = response_render(&resp, 3, &len);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(strlen(out), len);
	body = split_head(out, len, head, sizeof(head));
	snprintf(want, sizeof(want), "Status: %d ", c->status);
	ck_assert_msg(strncmp(head, want, strlen(want)) == 0, "head: %s", head);
	ck_assert_ptr_nonnull(strstr(head,
	    "\r\nContent-Type: application/json\r\n"));
	snprintf(want, sizeof(want), "\r\nContent-Length: %zu\r\n",
	    strlen(body));
	ck_assert_ptr_nonnull(strstr(head, want));
	/* Retry-After only where the error says so: the 503. */
	if (c->retry)
		ck_assert_ptr_nonnull(strstr(head, "\r\nRetry-After: 3\r\n"));
	else
		ck_assert_ptr_null(strstr(head, "Retry-After"));
	ck_assert_ptr_null(strstr(head, "\r\nAllow:"));
	json = json_must_parse(body);
	if (c->detail != NULL)
		snprintf(want, sizeof(want), "%s. [%s]", c->text, c->detail);
	else
		snprintf(want, sizeof(want), "%s.", c->text);
	expect = json_pack("{s:s, s:s}", "errorCode", c->code, "message", want);
	ck_assert_msg(json_equal(json, expect), "body: %s", body);
	json_decref(expect);
	json_decref(json);
	free(out);
	response_free(&resp);
}
END_TEST

/* The exact bytes of the common cases. */
static const struct render_case {
	const char	*label;
	int		 kind;		/* 0 empty, 1 json, 2 error */
	int		 status;	/* for empty and json */
	const char	*json;		/* for json */
	enum dis_err	 err;		/* for error */
	const char	*detail;	/* for error, or NULL */
	const char	*allow;
	const char	*want;
} render_cases[] = {
	{ "201", 0, 201, NULL, DIS_OK, NULL, NULL,
	    "Status: 201 Created\r\nContent-Length: 0\r\n\r\n" },
	{ "204", 0, 204, NULL, DIS_OK, NULL, NULL,
	    "Status: 204 No Content\r\nContent-Length: 0\r\n\r\n" },
	{ "200 json", 1, 200, "{\"sequence_number\":\"10\",\"metadata\":\"\"}",
	    DIS_OK, NULL, NULL,
	    "Status: 200 OK\r\nContent-Type: application/json\r\n"
	    "Content-Length: 38\r\n\r\n"
	    "{\"sequence_number\":\"10\",\"metadata\":\"\"}" },
	{ "400 with detail", 2, 0, NULL, DIS_ERR_INVALID,
	    "stream_name: 1-64 characters of A-Za-z0-9_-", NULL,
	    "Status: 400 Bad Request\r\nContent-Type: application/json\r\n"
	    "Content-Length: 99\r\n\r\n"
	    "{\"errorCode\":\"DIS.4200\",\"message\":\"Invalid request. "
	    "[stream_name: 1-64 characters of A-Za-z0-9_-]\"}" },
	{ "400 without detail", 2, 0, NULL, DIS_ERR_APP_NOT_FOUND, NULL, NULL,
	    "Status: 400 Bad Request\r\nContent-Type: application/json\r\n"
	    "Content-Length: 51\r\n\r\n"
	    "{\"errorCode\":\"DIS.4332\",\"message\":\"app not found.\"}" },
	{ "405 with Allow", 2, 0, NULL, DIS_ERR_METHOD, NULL, "GET, POST",
	    "Status: 405 Method Not Allowed\r\nAllow: GET, POST\r\n"
	    "Content-Type: application/json\r\nContent-Length: 53\r\n\r\n"
	    "{\"errorCode\":\"DIS.4200\",\"message\":\"Invalid request.\"}" },
	{ "503 with Retry-After", 2, 0, NULL, DIS_ERR_UNAVAILABLE, NULL, NULL,
	    "Status: 503 Service Unavailable\r\nRetry-After: 7\r\n"
	    "Content-Type: application/json\r\nContent-Length: 50\r\n\r\n"
	    "{\"errorCode\":\"DIS.5000\",\"message\":\"System error.\"}" },
	{ "500 without Retry-After", 2, 0, NULL, DIS_ERR_INTERNAL, NULL, NULL,
	    "Status: 500 Internal Server Error\r\n"
	    "Content-Type: application/json\r\nContent-Length: 50\r\n\r\n"
	    "{\"errorCode\":\"DIS.5000\",\"message\":\"System error.\"}" },
	{ "413", 2, 0, NULL, DIS_ERR_TOO_LARGE, NULL, NULL,
	    "Status: 413 Payload Too Large\r\n"
	    "Content-Type: application/json\r\nContent-Length: 53\r\n\r\n"
	    "{\"errorCode\":\"DIS.4200\",\"message\":\"Invalid request.\"}" },
	{ "403", 2, 0, NULL, DIS_ERR_RBAC, NULL, NULL,
	    "Status: 403 Forbidden\r\n"
	    "Content-Type: application/json\r\nContent-Length: 50\r\n\r\n"
	    "{\"errorCode\":\"DIS.4116\",\"message\":\"Invalid RBAC.\"}" },
	{ "404", 2, 0, NULL, DIS_ERR_NO_ROUTE, "no such resource", NULL,
	    "Status: 404 Not Found\r\n"
	    "Content-Type: application/json\r\nContent-Length: 72\r\n\r\n"
	    "{\"errorCode\":\"DIS.4200\",\"message\":\"Invalid request. "
	    "[no such resource]\"}" },
};

START_TEST(test_render)
{
	const struct render_case	*c = &render_cases[_i];
	struct response			 resp;
	char				*out;
	size_t				 len = 0;

	memset(&resp, 0, sizeof(resp));
	if (c->kind == 0)
		response_empty(&resp, c->status);
	else if (c->kind == 1)
		ck_assert_int_eq(response_json(&resp, c->status,
		    json_must_parse(c->json)), 0);
	else if (c->detail != NULL)
		response_error(&resp, c->err, "%s", c->detail);
	else
		response_error(&resp, c->err, NULL);
	resp.allow = c->allow;
	out = response_render(&resp, 7, &len);
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(strcmp(out, c->want) == 0, "%s:\n%s\nwant:\n%s",
	    c->label, out, c->want);
	ck_assert_uint_eq(len, strlen(c->want));
	free(out);
	response_free(&resp);
}
END_TEST

/* Details are escaped as JSON, whatever they contain. */
START_TEST(test_render_detail_escaped)
{
	struct response	 resp;
	json_t		*json;
	char		 head[512], *out;
	size_t		 len;

	memset(&resp, 0, sizeof(resp));
	response_error(&resp, DIS_ERR_INVALID, "%s: \"q\" \\ \n%s", "f",
	    "\xc3\xa9");
	out = response_render(&resp, 1, &len);
	ck_assert_ptr_nonnull(out);
	json = json_must_parse(split_head(out, len, head, sizeof(head)));
	ck_assert_str_eq(json_string_value(json_object_get(json, "message")),
	    "Invalid request. [f: \"q\" \\ \n\xc3\xa9]");
	json_decref(json);
	free(out);
	response_free(&resp);
}
END_TEST

/* A JSON body that cannot be made is a 500, not a crash or an empty 200. */
START_TEST(test_json_null)
{
	struct response	 resp;

	memset(&resp, 0, sizeof(resp));
	ck_assert_int_eq(response_json(&resp, 200, NULL), -1);
	ck_assert_int_eq(resp.status, 500);
	ck_assert_int_eq(resp.error, DIS_ERR_INTERNAL);
	response_free(&resp);
}
END_TEST

/* A later call replaces what an earlier one set, detail and body both. */
START_TEST(test_replace)
{
	struct response	 resp;
	char		*out;
	size_t		 len;

	memset(&resp, 0, sizeof(resp));
	response_error(&resp, DIS_ERR_INVALID, "old detail");
	response_empty(&resp, 204);
	ck_assert_int_eq(resp.error, DIS_OK);
	ck_assert_str_eq(resp.detail, "");
	out = response_render(&resp, 1, &len);
	ck_assert_str_eq(out, "Status: 204 No Content\r\nContent-Length: 0"
	    "\r\n\r\n");
	free(out);
	ck_assert_int_eq(response_json(&resp, 200, json_pack("{s:i}", "a", 1)),
	    0);
	response_error(&resp, DIS_ERR_APP_NOT_FOUND, NULL);
	ck_assert_ptr_null(resp.body);
	out = response_render(&resp, 1, &len);
	ck_assert_ptr_nonnull(strstr(out, "\"DIS.4332\""));
	free(out);
	response_free(&resp);
}
END_TEST

static Suite *
response_suite(void)
{
	Suite	*s = suite_create("response");
	TCase	*tc;

	tc = tcase_create("errors");
	tcase_add_test(tc, test_error_table_complete);
	tcase_add_loop_test(tc, test_error_info, 0, NCASES(error_cases));
	tcase_add_test(tc, test_error_info_out_of_range);
	suite_add_tcase(s, tc);

	tc = tcase_create("render");
	tcase_add_loop_test(tc, test_error_render, 0, NCASES(error_cases));
	tcase_add_loop_test(tc, test_render, 0, NCASES(render_cases));
	tcase_add_test(tc, test_render_detail_escaped);
	tcase_add_test(tc, test_json_null);
	tcase_add_test(tc, test_replace);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(response_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
