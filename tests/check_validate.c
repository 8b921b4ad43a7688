/*
 * check_validate.c: the field rules of api.md, through validate_value (one
 * value), validate_json (a body) and validate_query (a query string) with
 * the endpoints' own field sets: lengths, charsets, partition and sequence
 * forms and ranges, JSON types and integer coercion, metadata counted in
 * code points, limits, parameters given twice or empty, which fields each
 * endpoint requires, the order in which they are checked, and error
 * details that name the field at fault.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "validate.h"
#include "testutil.h"

#define NO_VALUE	(-2)	/* the case checks no parsed number */

/* On failure, the detail must start with the field's name and a colon. */
static void
check_outcome(bool ok, const struct response *resp, enum dis_err want,
    const char *name, const char *input)
{
	char	 prefix[64];

	if (want == DIS_OK) {
		ck_assert_msg(ok, "%s=\"%s\": want ok, got error %d [%s]",
		    name, input, resp->error, resp->detail);
		ck_assert_int_eq(resp->error, DIS_OK);
		return;
	}
	ck_assert_msg(!ok, "%s=\"%s\": want error %d, got ok", name, input,
	    want);
	ck_assert_msg(resp->error == want, "%s=\"%s\": want error %d, got %d",
	    name, input, want, resp->error);
	ck_assert_int_eq(resp->status, dis_error_info(want)->http_status);
	snprintf(prefix, sizeof(prefix), "%s:", name);
	ck_assert_msg(strncmp(resp->detail, prefix, strlen(prefix)) == 0,
	    "%s=\"%s\": detail \"%s\" does not name the field", name, input,
	    resp->detail);
}

/* The number a valid value was parsed into, for the numeric fields. */
static long long
parsed_number(enum field f, const struct params *p)
{
	switch (f) {
	case FIELD_PARTITION:
		return p->partition;
	case FIELD_START_PARTITION:
		return p->start_partition;
	case FIELD_SEQUENCE:
		return p->sequence;
	case FIELD_APP_LIMIT:
	case FIELD_STATE_LIMIT:
		return p->limit;
	default:
		return NO_VALUE;
	}
}

/* The string a valid value was stored as, for the string fields. */
static const char *
parsed_string(enum field f, const struct params *p)
{
	switch (f) {
	case FIELD_PROJECT:
		return p->project;
	case FIELD_STREAM:
		return p->stream;
	case FIELD_APP:
		return p->app;
	case FIELD_START_APP:
		return p->start_app;
	case FIELD_METADATA:
		return p->metadata;
	case FIELD_CHECKPOINT_TYPE:
		return p->checkpoint_type;
	default:
		return NULL;
	}
}

/* ---- single values ---------------------------------------------------- */

static const struct value_case {
	enum field	 field;
	const char	*input;
	enum dis_err	 want;
	long long	 value;		/* parsed number, or NO_VALUE */
} value_cases[] = {
	/* Names: charset [A-Za-z0-9_-], nothing else. */
	{ FIELD_STREAM, "Az09_-", DIS_OK, NO_VALUE },
	{ FIELD_STREAM, "", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_STREAM, "a b", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_STREAM, " a", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_STREAM, "a ", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_STREAM, "a\t", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_STREAM, "a\n", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_STREAM, "a.b", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_STREAM, "a/b", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_STREAM, "a%2Fb", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_STREAM, "a+b", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_STREAM, "a*", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_STREAM, "\xc3\xa4", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_APP, "app_1-X", DIS_OK, NO_VALUE },
	{ FIELD_APP, "", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_APP, "a:b", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_APP, "a\"b", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_START_APP, "a-b_c", DIS_OK, NO_VALUE },
	{ FIELD_START_APP, "", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_START_APP, "a b", DIS_ERR_INVALID, NO_VALUE },
	/* A bad project id is its own error, 4117. */
	{ FIELD_PROJECT, "0123abcDEF_-", DIS_OK, NO_VALUE },
	{ FIELD_PROJECT, "", DIS_ERR_PROJECT, NO_VALUE },
	{ FIELD_PROJECT, "p/q", DIS_ERR_PROJECT, NO_VALUE },
	{ FIELD_PROJECT, "p q", DIS_ERR_PROJECT, NO_VALUE },
	{ FIELD_PROJECT, "p!", DIS_ERR_PROJECT, NO_VALUE },

	/* partition_id: "N" (1-10 digits) or "shardId-" and exactly 10. */
	{ FIELD_PARTITION, "0", DIS_OK, 0 },
	{ FIELD_PARTITION, "7", DIS_OK, 7 },
	{ FIELD_PARTITION, "007", DIS_OK, 7 },
	{ FIELD_PARTITION, "0000000000", DIS_OK, 0 },
	{ FIELD_PARTITION, "2147483647", DIS_OK, 2147483647 },
	{ FIELD_PARTITION, "2147483648", DIS_ERR_PARTITION, NO_VALUE },
	{ FIELD_PARTITION, "9999999999", DIS_ERR_PARTITION, NO_VALUE },
	{ FIELD_PARTITION, "00000000001", DIS_ERR_PARTITION, NO_VALUE },
	{ FIELD_PARTITION, "shardId-0000000000", DIS_OK, 0 },
	{ FIELD_PARTITION, "shardId-0000000012", DIS_OK, 12 },
	{ FIELD_PARTITION, "shardId-2147483647", DIS_OK, 2147483647 },
	{ FIELD_PARTITION, "shardId-2147483648", DIS_ERR_PARTITION, NO_VALUE },
	{ FIELD_PARTITION, "shardId-000000001", DIS_ERR_PARTITION, NO_VALUE },
	{ FIELD_PARTITION, "shardId-00000000001", DIS_ERR_PARTITION, NO_VALUE },
	{ FIELD_PARTITION, "shardId-", DIS_ERR_PARTITION, NO_VALUE },
	{ FIELD_PARTITION, "shardid-0000000001", DIS_ERR_PARTITION, NO_VALUE },
	{ FIELD_PARTITION, "shardId-000000000a", DIS_ERR_PARTITION, NO_VALUE },
	{ FIELD_PARTITION, "shardId- 000000001", DIS_ERR_PARTITION, NO_VALUE },
	{ FIELD_PARTITION, "", DIS_ERR_PARTITION, NO_VALUE },
	{ FIELD_PARTITION, " 1", DIS_ERR_PARTITION, NO_VALUE },
	{ FIELD_PARTITION, "1 ", DIS_ERR_PARTITION, NO_VALUE },
	{ FIELD_PARTITION, "1\n", DIS_ERR_PARTITION, NO_VALUE },
	{ FIELD_PARTITION, "-1", DIS_ERR_PARTITION, NO_VALUE },
	{ FIELD_PARTITION, "+1", DIS_ERR_PARTITION, NO_VALUE },
	{ FIELD_PARTITION, "1.0", DIS_ERR_PARTITION, NO_VALUE },
	{ FIELD_PARTITION, "0x1", DIS_ERR_PARTITION, NO_VALUE },
	{ FIELD_PARTITION, "abc", DIS_ERR_PARTITION, NO_VALUE },
	{ FIELD_START_PARTITION, "shardId-0000000003", DIS_OK, 3 },
	{ FIELD_START_PARTITION, "3", DIS_OK, 3 },
	{ FIELD_START_PARTITION, "2147483648", DIS_ERR_PARTITION, NO_VALUE },
	{ FIELD_START_PARTITION, "", DIS_ERR_PARTITION, NO_VALUE },
	{ FIELD_START_PARTITION, "x", DIS_ERR_PARTITION, NO_VALUE },

	/* sequence_number: digits (4200), at most int64 max (4224). */
	{ FIELD_SEQUENCE, "0", DIS_OK, 0 },
	{ FIELD_SEQUENCE, "10", DIS_OK, 10 },
	{ FIELD_SEQUENCE, "0010", DIS_OK, 10 },
	{ FIELD_SEQUENCE, "00000000000000000000000000042", DIS_OK, 42 },
	{ FIELD_SEQUENCE, "9223372036854775807", DIS_OK, 9223372036854775807LL },
	{ FIELD_SEQUENCE, "09223372036854775807", DIS_OK,
	    9223372036854775807LL },
	{ FIELD_SEQUENCE, "9223372036854775808", DIS_ERR_SEQ_RANGE, NO_VALUE },
	{ FIELD_SEQUENCE, "18446744073709551616", DIS_ERR_SEQ_RANGE, NO_VALUE },
	{ FIELD_SEQUENCE, "99999999999999999999999999", DIS_ERR_SEQ_RANGE,
	    NO_VALUE },
	{ FIELD_SEQUENCE, "", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_SEQUENCE, "-1", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_SEQUENCE, "+1", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_SEQUENCE, " 1", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_SEQUENCE, "1 ", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_SEQUENCE, "1.5", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_SEQUENCE, "1e3", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_SEQUENCE, "0x10", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_SEQUENCE, "ten", DIS_ERR_INVALID, NO_VALUE },
	/* Not digits wins over too large: it is not a number at all. */
	{ FIELD_SEQUENCE, "99999999999999999999x", DIS_ERR_INVALID, NO_VALUE },

	/* metadata: any string up to 1000 code points; "" is fine. */
	{ FIELD_METADATA, "", DIS_OK, NO_VALUE },
	{ FIELD_METADATA, "any text, even \"quotes\" & spaces", DIS_OK,
	    NO_VALUE },

	/* checkpoint_type: exactly LAST_READ. */
	{ FIELD_CHECKPOINT_TYPE, "LAST_READ", DIS_OK, NO_VALUE },
	{ FIELD_CHECKPOINT_TYPE, "last_read", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_CHECKPOINT_TYPE, "LAST_READ ", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_CHECKPOINT_TYPE, " LAST_READ", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_CHECKPOINT_TYPE, "LAST_READX", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_CHECKPOINT_TYPE, "LAST", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_CHECKPOINT_TYPE, "", DIS_ERR_INVALID, NO_VALUE },

	/* limit: 1-100 for apps, 1-1000 for partition states. */
	{ FIELD_APP_LIMIT, "1", DIS_OK, 1 },
	{ FIELD_APP_LIMIT, "10", DIS_OK, 10 },
	{ FIELD_APP_LIMIT, "100", DIS_OK, 100 },
	{ FIELD_APP_LIMIT, "0100", DIS_OK, 100 },
	{ FIELD_APP_LIMIT, "0", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_APP_LIMIT, "101", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_APP_LIMIT, "1000", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_APP_LIMIT, "-1", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_APP_LIMIT, "", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_APP_LIMIT, "1.5", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_APP_LIMIT, " 5", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_APP_LIMIT, "ten", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_APP_LIMIT, "99999999999999999999", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_STATE_LIMIT, "1", DIS_OK, 1 },
	{ FIELD_STATE_LIMIT, "1000", DIS_OK, 1000 },
	{ FIELD_STATE_LIMIT, "1001", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_STATE_LIMIT, "0", DIS_ERR_INVALID, NO_VALUE },
	{ FIELD_STATE_LIMIT, "", DIS_ERR_INVALID, NO_VALUE },
};

START_TEST(test_value)
{
	const struct value_case	*c = &value_cases[_i];
	struct params		 p;
	struct response		 resp;
	bool			 ok;

	memset(&p, 0, sizeof(p));
	memset(&resp, 0, sizeof(resp));
	ok = validate_value(c->field, c->input, &p, &resp);
	check_outcome(ok, &resp, c->want, field_name(c->field), c->input);
	if (c->want == DIS_OK) {
		ck_assert_msg(PARAM_GIVEN(&p, c->field),
		    "a valid value must be marked present");
		if (c->value != NO_VALUE)
			ck_assert_msg(parsed_number(c->field, &p) == c->value,
			    "%s=\"%s\": parsed %lld, want %lld",
			    field_name(c->field), c->input,
			    parsed_number(c->field, &p), c->value);
		else
			ck_assert_str_eq(parsed_string(c->field, &p), c->input);
	} else
		ck_assert_msg(!PARAM_GIVEN(&p, c->field),
		    "an invalid value must not be marked present");
	response_free(&resp);
}
END_TEST

/* ---- lengths, generated ------------------------------------------------ */

static const struct length_case {
	enum field	 field;
	const char	*unit;		/* repeated len times */
	size_t		 len;
	enum dis_err	 want;
} length_cases[] = {
	{ FIELD_PROJECT, "p", 1, DIS_OK },
	{ FIELD_PROJECT, "p", 63, DIS_OK },
	{ FIELD_PROJECT, "p", 64, DIS_OK },
	{ FIELD_PROJECT, "p", 65, DIS_ERR_PROJECT },
	{ FIELD_STREAM, "s", 1, DIS_OK },
	{ FIELD_STREAM, "s", 63, DIS_OK },
	{ FIELD_STREAM, "s", 64, DIS_OK },
	{ FIELD_STREAM, "s", 65, DIS_ERR_INVALID },
	{ FIELD_STREAM, "s", 200, DIS_ERR_INVALID },
	{ FIELD_APP, "a", 1, DIS_OK },
	{ FIELD_APP, "a", 49, DIS_OK },
	{ FIELD_APP, "a", 50, DIS_OK },
	{ FIELD_APP, "a", 51, DIS_ERR_INVALID },
	{ FIELD_APP, "a", 64, DIS_ERR_INVALID },
	{ FIELD_START_APP, "a", 50, DIS_OK },
	{ FIELD_START_APP, "a", 51, DIS_ERR_INVALID },
	/* metadata counts code points, not bytes. */
	{ FIELD_METADATA, "m", 999, DIS_OK },
	{ FIELD_METADATA, "m", 1000, DIS_OK },
	{ FIELD_METADATA, "m", 1001, DIS_ERR_INVALID },
	{ FIELD_METADATA, "\xc3\xa9", 1000, DIS_OK },		/* e acute */
	{ FIELD_METADATA, "\xc3\xa9", 1001, DIS_ERR_INVALID },
	{ FIELD_METADATA, "\xe2\x82\xac", 1000, DIS_OK },	/* euro */
	{ FIELD_METADATA, "\xe2\x82\xac", 1001, DIS_ERR_INVALID },
	{ FIELD_METADATA, "\xf0\x9f\x98\x80", 1000, DIS_OK },	/* emoji */
	{ FIELD_METADATA, "\xf0\x9f\x98\x80", 1001, DIS_ERR_INVALID },
};

START_TEST(test_length)
{
	const struct length_case	*c = &length_cases[_i];
	struct params			 p;
	struct response			 resp;
	char				*s = repeat(c->unit, c->len);
	char				 label[64];
	bool				 ok;

	memset(&p, 0, sizeof(p));
	memset(&resp, 0, sizeof(resp));
	snprintf(label, sizeof(label), "%zu x \"%s\"", c->len, c->unit);
	ok = validate_value(c->field, s, &p, &resp);
	check_outcome(ok, &resp, c->want, field_name(c->field), label);
	response_free(&resp);
	free(s);
}
END_TEST

/* ---- JSON bodies ------------------------------------------------------- */

static const char valid_body[] = "{\"stream_name\":\"s1\",\"app_name\":\"a1\","
    "\"partition_id\":\"shardId-0000000001\",\"sequence_number\":\"10\","
    "\"metadata\":\"m\",\"checkpoint_type\":\"LAST_READ\"}";

/*
 * Each case changes one field of valid_body: json is the new value as JSON
 * text, or NULL to remove the field.
 */
static const struct json_case {
	const char	*field;
	const char	*json;
	enum dis_err	 want;
	long long	 value;		/* partition or sequence, or NO_VALUE */
} json_cases[] = {
	/* Missing, null, or a JSON type other than string: 4200. */
	{ "stream_name", NULL, DIS_ERR_INVALID, NO_VALUE },
	{ "stream_name", "null", DIS_ERR_INVALID, NO_VALUE },
	{ "stream_name", "5", DIS_ERR_INVALID, NO_VALUE },
	{ "stream_name", "true", DIS_ERR_INVALID, NO_VALUE },
	{ "stream_name", "[\"s1\"]", DIS_ERR_INVALID, NO_VALUE },
	{ "stream_name", "{}", DIS_ERR_INVALID, NO_VALUE },
	{ "stream_name", "\"\"", DIS_ERR_INVALID, NO_VALUE },
	{ "app_name", NULL, DIS_ERR_INVALID, NO_VALUE },
	{ "app_name", "null", DIS_ERR_INVALID, NO_VALUE },
	{ "app_name", "12", DIS_ERR_INVALID, NO_VALUE },
	{ "app_name", "1.5", DIS_ERR_INVALID, NO_VALUE },
	/* partition_id: missing/null/other type 4200, bad value 4201. */
	{ "partition_id", NULL, DIS_ERR_INVALID, NO_VALUE },
	{ "partition_id", "null", DIS_ERR_INVALID, NO_VALUE },
	{ "partition_id", "true", DIS_ERR_INVALID, NO_VALUE },
	{ "partition_id", "false", DIS_ERR_INVALID, NO_VALUE },
	{ "partition_id", "1.0", DIS_ERR_INVALID, NO_VALUE },
	{ "partition_id", "[1]", DIS_ERR_INVALID, NO_VALUE },
	{ "partition_id", "{\"id\":1}", DIS_ERR_INVALID, NO_VALUE },
	{ "partition_id", "\"\"", DIS_ERR_PARTITION, NO_VALUE },
	{ "partition_id", "\" 1\"", DIS_ERR_PARTITION, NO_VALUE },
	{ "partition_id", "\"2147483648\"", DIS_ERR_PARTITION, NO_VALUE },
	{ "partition_id", "\"3\"", DIS_OK, 3 },
	{ "partition_id", "0", DIS_OK, 0 },
	{ "partition_id", "42", DIS_OK, 42 },
	{ "partition_id", "2147483647", DIS_OK, 2147483647 },
	{ "partition_id", "2147483648", DIS_ERR_PARTITION, NO_VALUE },
	{ "partition_id", "-1", DIS_ERR_PARTITION, NO_VALUE },
	/* sequence_number: integers coerced, negative fail as text. */
	{ "sequence_number", NULL, DIS_ERR_INVALID, NO_VALUE },
	{ "sequence_number", "null", DIS_ERR_INVALID, NO_VALUE },
	{ "sequence_number", "10", DIS_OK, 10 },
	{ "sequence_number", "0", DIS_OK, 0 },
	{ "sequence_number", "9223372036854775807", DIS_OK,
	    9223372036854775807LL },
	{ "sequence_number", "\"9223372036854775807\"", DIS_OK,
	    9223372036854775807LL },
	{ "sequence_number", "\"9223372036854775808\"", DIS_ERR_SEQ_RANGE,
	    NO_VALUE },
	{ "sequence_number", "\"000123\"", DIS_OK, 123 },
	{ "sequence_number", "-1", DIS_ERR_INVALID, NO_VALUE },
	{ "sequence_number", "\"-1\"", DIS_ERR_INVALID, NO_VALUE },
	{ "sequence_number", "1.5", DIS_ERR_INVALID, NO_VALUE },
	{ "sequence_number", "1e2", DIS_ERR_INVALID, NO_VALUE },
	{ "sequence_number", "true", DIS_ERR_INVALID, NO_VALUE },
	{ "sequence_number", "[10]", DIS_ERR_INVALID, NO_VALUE },
	{ "sequence_number", "\"\"", DIS_ERR_INVALID, NO_VALUE },
	/* metadata optional; null and "" mean empty; only strings. */
	{ "metadata", NULL, DIS_OK, NO_VALUE },
	{ "metadata", "null", DIS_OK, NO_VALUE },
	{ "metadata", "\"\"", DIS_OK, NO_VALUE },
	{ "metadata", "5", DIS_ERR_INVALID, NO_VALUE },
	{ "metadata", "false", DIS_ERR_INVALID, NO_VALUE },
	{ "metadata", "{}", DIS_ERR_INVALID, NO_VALUE },
	/* checkpoint_type: required, exactly LAST_READ, no coercion. */
	{ "checkpoint_type", NULL, DIS_ERR_INVALID, NO_VALUE },
	{ "checkpoint_type", "null", DIS_ERR_INVALID, NO_VALUE },
	{ "checkpoint_type", "\"LAST_COMMIT\"", DIS_ERR_INVALID, NO_VALUE },
	{ "checkpoint_type", "1", DIS_ERR_INVALID, NO_VALUE },
	/* Unknown fields are ignored, whatever their type. */
	{ "client_id", "\"c1\"", DIS_OK, NO_VALUE },
	{ "generation_id", "7", DIS_OK, NO_VALUE },
	{ "stream_id", "[1,{}]", DIS_OK, NO_VALUE },
};

START_TEST(test_json)
{
	const struct json_case	*c = &json_cases[_i];
	json_t			*body = json_must_parse(valid_body);
	struct params		 p;
	struct response		 resp;
	bool			 ok;

	memset(&p, 0, sizeof(p));
	memset(&resp, 0, sizeof(resp));
	if (c->json == NULL)
		ck_assert_int_eq(json_object_del(body, c->field), 0);
	else
		ck_assert_int_eq(json_object_set_new(body, c->field,
		    json_must_parse(c->json)), 0);
	ok = validate_json(body, FIELDS_ADD_CHECKPOINT, &p, &resp);
	check_outcome(ok, &resp, c->want, c->field,
	    c->json ? c->json : "(missing)");
	if (ok && c->value != NO_VALUE)
		ck_assert_int_eq(strcmp(c->field, "partition_id") == 0 ?
		    p.partition : p.sequence, c->value);
	if (ok && strcmp(c->field, "metadata") == 0) {
		/* A missing or null metadata is not present; "" is. */
		if (c->json == NULL || strcmp(c->json, "null") == 0)
			ck_assert(!PARAM_GIVEN(&p, FIELD_METADATA));
		else
			ck_assert_str_eq(p.metadata, "");
	}
	response_free(&resp);
	json_decref(body);
}
END_TEST

/* The valid body yields every value, typed; strings point into the body. */
START_TEST(test_json_all_valid)
{
	static const enum field	 all[] = { FIELD_STREAM, FIELD_APP,
	    FIELD_PARTITION, FIELD_SEQUENCE, FIELD_METADATA,
	    FIELD_CHECKPOINT_TYPE };
	json_t			*body = json_must_parse(valid_body);
	struct params		 p;
	struct response		 resp;
	size_t			 i;

	memset(&p, 0, sizeof(p));
	memset(&resp, 0, sizeof(resp));
	ck_assert(validate_json(body, FIELDS_ADD_CHECKPOINT, &p, &resp));
	ck_assert_str_eq(p.stream, "s1");
	ck_assert_str_eq(p.app, "a1");
	ck_assert_int_eq(p.partition, 1);
	ck_assert_int_eq(p.sequence, 10);
	ck_assert_str_eq(p.metadata, "m");
	ck_assert_str_eq(p.checkpoint_type, "LAST_READ");
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		ck_assert(PARAM_GIVEN(&p, all[i]));
	ck_assert_ptr_eq(p.stream,
	    json_string_value(json_object_get(body, "stream_name")));
	json_decref(body);
}
END_TEST

/* Metadata counted in code points through JSON, where it really arrives. */
START_TEST(test_json_metadata_code_points)
{
	static const size_t	 counts[] = { 1000, 1001 };
	json_t			*body;
	struct params		 p;
	struct response		 resp;
	char			*meta;
	size_t			 i;

	for (i = 0; i < 2; i++) {
		body = json_must_parse(valid_body);
		meta = repeat("\xe4\xb8\xad", counts[i]);	/* CJK, 3 bytes */
		json_object_set_new(body, "metadata", json_string(meta));
		memset(&p, 0, sizeof(p));
		memset(&resp, 0, sizeof(resp));
		check_outcome(validate_json(body, FIELDS_ADD_CHECKPOINT, &p,
		    &resp), &resp, counts[i] <= 1000 ? DIS_OK :
		    DIS_ERR_INVALID, "metadata", "CJK");
		response_free(&resp);
		free(meta);
		json_decref(body);
	}
}
END_TEST

/*
 * Field order: with fields 0..k-1 valid and k..n-1 all invalid, the error
 * is the one of field k, whatever the later ones are.
 */
static const struct {
	const char	*field;
	const char	*bad;		/* JSON text of an invalid value */
	enum dis_err	 err;
} bad_values[] = {
	{ "stream_name", "\"bad stream\"", DIS_ERR_INVALID },
	{ "app_name", "\"bad/app\"", DIS_ERR_INVALID },
	{ "partition_id", "\"shardId-1\"", DIS_ERR_PARTITION },
	{ "sequence_number", "\"99999999999999999999\"", DIS_ERR_SEQ_RANGE },
	{ "metadata", "17", DIS_ERR_INVALID },
	{ "checkpoint_type", "\"NOPE\"", DIS_ERR_INVALID },
};

START_TEST(test_json_field_order)
{
	json_t		*body = json_must_parse(valid_body);
	struct params	 p;
	struct response	 resp;
	size_t		 k = (size_t)_i, j;

	for (j = k; j < sizeof(bad_values) / sizeof(bad_values[0]); j++)
		json_object_set_new(body, bad_values[j].field,
		    json_must_parse(bad_values[j].bad));
	memset(&p, 0, sizeof(p));
	memset(&resp, 0, sizeof(resp));
	check_outcome(validate_json(body, FIELDS_ADD_CHECKPOINT, &p, &resp),
	    &resp, bad_values[k].err, bad_values[k].field,
	    bad_values[k].bad);
	response_free(&resp);
	json_decref(body);
}
END_TEST

/* ---- query strings ----------------------------------------------------- */

static const struct query_case {
	enum field_set		 set;
	const char		*query;
	enum dis_err		 want;
	const char		*field;		/* named on failure */
	long long		 partition;	/* on success; -1 not given */
} query_cases[] = {
#define Q	FIELDS_QUERY_CHECKPOINT
#define D	FIELDS_DELETE_CHECKPOINT
	{ Q, "stream_name=s&app_name=a&partition_id=0&checkpoint_type=LAST_READ",
	    DIS_OK, NULL, 0 },
	{ Q, "checkpoint_type=LAST_READ&partition_id=shardId-0000000009"
	    "&app_name=a&stream_name=s", DIS_OK, NULL, 9 },
	/* Percent-encoded keys and values are decoded first. */
	{ Q, "stream%5Fname=%73&app_name=%61&partition_id=%33"
	    "&checkpoint_type=LAST%5FREAD", DIS_OK, NULL, 3 },
	/* Unknown parameters are ignored, even twice. */
	{ Q, "timestamp=0&stream_name=s&app_name=a&partition_id=0"
	    "&checkpoint_type=LAST_READ&timestamp=1", DIS_OK, NULL, 0 },
	/* Missing required parameters. */
	{ Q, "app_name=a&partition_id=0&checkpoint_type=LAST_READ",
	    DIS_ERR_INVALID, "stream_name", -1 },
	{ Q, "stream_name=s&app_name=a&checkpoint_type=LAST_READ",
	    DIS_ERR_INVALID, "partition_id", -1 },
	{ Q, "stream_name=s&app_name=a&partition_id=0",
	    DIS_ERR_INVALID, "checkpoint_type", -1 },
	{ Q, "", DIS_ERR_INVALID, "stream_name", -1 },
	/* Given twice: 4200, even when both values are the same. */
	{ Q, "stream_name=s&stream_name=s&app_name=a&partition_id=0"
	    "&checkpoint_type=LAST_READ", DIS_ERR_INVALID, "stream_name", -1 },
	{ Q, "stream_name=s&app_name=a&partition_id=0&partition_id=1"
	    "&checkpoint_type=LAST_READ", DIS_ERR_INVALID, "partition_id", -1 },
	/* Empty value: invalid, not absent. */
	{ Q, "stream_name=&app_name=a&partition_id=0&checkpoint_type=LAST_READ",
	    DIS_ERR_INVALID, "stream_name", -1 },
	{ Q, "stream_name=s&app_name=a&partition_id=&checkpoint_type=LAST_READ",
	    DIS_ERR_PARTITION, "partition_id", -1 },
	{ Q, "stream_name=s&app_name=a&partition_id&checkpoint_type=LAST_READ",
	    DIS_ERR_PARTITION, "partition_id", -1 },
	/* '+' is a space, so it fails the name charset. */
	{ Q, "stream_name=a+b&app_name=a&partition_id=0"
	    "&checkpoint_type=LAST_READ", DIS_ERR_INVALID, "stream_name", -1 },
	{ Q, "stream_name=s&app_name=a&partition_id=%201"
	    "&checkpoint_type=LAST_READ", DIS_ERR_PARTITION, "partition_id", -1 },
	/* %00 stays literal and fails the charset rather than cutting. */
	{ Q, "stream_name=s%00x&app_name=a&partition_id=0"
	    "&checkpoint_type=LAST_READ", DIS_ERR_INVALID, "stream_name", -1 },
	{ Q, "stream_name=s&app_name=a&partition_id=1%00"
	    "&checkpoint_type=LAST_READ", DIS_ERR_PARTITION, "partition_id", -1 },
	/* The first failing field in table order wins. */
	{ Q, "checkpoint_type=x&partition_id=x&app_name=a!&stream_name=s!",
	    DIS_ERR_INVALID, "stream_name", -1 },
	{ Q, "checkpoint_type=x&partition_id=x&app_name=a!&stream_name=s",
	    DIS_ERR_INVALID, "app_name", -1 },
	{ Q, "checkpoint_type=x&partition_id=x&app_name=a&stream_name=s",
	    DIS_ERR_PARTITION, "partition_id", -1 },
	{ Q, "checkpoint_type=x&partition_id=1&app_name=a&stream_name=s",
	    DIS_ERR_INVALID, "checkpoint_type", -1 },
	/* Delete: partition_id and checkpoint_type may be left out. */
	{ D, "stream_name=s&app_name=a", DIS_OK, NULL, -1 },
	{ D, "stream_name=s&app_name=a&partition_id=4", DIS_OK, NULL, 4 },
	{ D, "stream_name=s&app_name=a&partition_id=", DIS_ERR_PARTITION,
	    "partition_id", -1 },
	{ D, "stream_name=s&app_name=a&checkpoint_type=", DIS_ERR_INVALID,
	    "checkpoint_type", -1 },
	{ D, "stream_name=s&app_name=a&checkpoint_type=LAST_READ"
	    "&checkpoint_type=LAST_READ", DIS_ERR_INVALID, "checkpoint_type", -1 },
#undef Q
#undef D
};

START_TEST(test_query)
{
	const struct query_case	*c = &query_cases[_i];
	struct query_param	*qp = NULL;
	struct params		 p;
	struct response		 resp;
	size_t			 nqp = 0;
	bool			 ok;

	memset(&p, 0, sizeof(p));
	memset(&resp, 0, sizeof(resp));
	ck_assert_int_eq(query_parse(c->query, &qp, &nqp), 0);
	ok = validate_query(qp, nqp, c->set, &p, &resp);
	check_outcome(ok, &resp, c->want, c->field ? c->field : "query",
	    c->query);
	if (ok) {
		ck_assert_str_eq(p.stream, "s");
		ck_assert_str_eq(p.app, "a");
		if (c->partition < 0)
			ck_assert(!PARAM_GIVEN(&p, FIELD_PARTITION));
		else {
			ck_assert(PARAM_GIVEN(&p, FIELD_PARTITION));
			ck_assert_int_eq(p.partition, c->partition);
		}
	}
	response_free(&resp);
	query_free(qp, nqp);
}
END_TEST

/* The app endpoints' sets: which fields each takes and requires, in order. */
static const struct set_case {
	enum field_set	 set;
	const char	*input;		/* the query; the JSON for create app */
	enum dis_err	 want;
	const char	*field;		/* named on failure */
} set_cases[] = {
	{ FIELDS_CREATE_APP, "{\"app_name\":\"a\",\"client_id\":1}", DIS_OK,
	    NULL },
	{ FIELDS_CREATE_APP, "{}", DIS_ERR_INVALID, "app_name" },
	{ FIELDS_CREATE_APP, "{\"app_name\":\"a b\"}", DIS_ERR_INVALID,
	    "app_name" },
	{ FIELDS_LIST_APPS, "", DIS_OK, NULL },
	{ FIELDS_LIST_APPS, "limit=100&start_app_name=a&stream_name=s", DIS_OK,
	    NULL },
	{ FIELDS_LIST_APPS, "limit=101", DIS_ERR_INVALID, "limit" },
	{ FIELDS_LIST_APPS, "limit=0&start_app_name=a!&stream_name=s!",
	    DIS_ERR_INVALID, "stream_name" },
	{ FIELDS_LIST_APPS, "limit=0&start_app_name=a!", DIS_ERR_INVALID,
	    "start_app_name" },
	{ FIELDS_CONSUMPTION_STATE, "checkpoint_type=LAST_READ", DIS_OK, NULL },
	{ FIELDS_CONSUMPTION_STATE, "limit=1000&start_partition_id=3"
	    "&checkpoint_type=LAST_READ", DIS_OK, NULL },
	{ FIELDS_CONSUMPTION_STATE, "", DIS_ERR_INVALID, "checkpoint_type" },
	{ FIELDS_CONSUMPTION_STATE, "limit=1001&checkpoint_type=X"
	    "&start_partition_id=x", DIS_ERR_PARTITION, "start_partition_id" },
	{ FIELDS_CONSUMPTION_STATE, "limit=1001&checkpoint_type=X",
	    DIS_ERR_INVALID, "checkpoint_type" },
	{ FIELDS_CONSUMPTION_STATE, "limit=1001&checkpoint_type=LAST_READ",
	    DIS_ERR_INVALID, "limit" },
};

START_TEST(test_app_sets)
{
	const struct set_case	*c = &set_cases[_i];
	struct query_param	*qp = NULL;
	struct params		 p;
	struct response		 resp;
	json_t			*body;
	size_t			 nqp = 0;
	bool			 ok;

	memset(&p, 0, sizeof(p));
	memset(&resp, 0, sizeof(resp));
	if (c->set == FIELDS_CREATE_APP) {
		body = json_must_parse(c->input);
		ok = validate_json(body, c->set, &p, &resp);
		json_decref(body);
	} else {
		ck_assert_int_eq(query_parse(c->input, &qp, &nqp), 0);
		ok = validate_query(qp, nqp, c->set, &p, &resp);
		query_free(qp, nqp);
	}
	check_outcome(ok, &resp, c->want, c->field ? c->field : "input",
	    c->input);
	response_free(&resp);
}
END_TEST

/* Every field has its API name, the one used in bodies and queries. */
START_TEST(test_field_names)
{
	static const struct {
		enum field	 field;
		const char	*name;
	} names[] = {
		{ FIELD_PROJECT, "project_id" },
		{ FIELD_STREAM, "stream_name" },
		{ FIELD_APP, "app_name" },
		{ FIELD_PARTITION, "partition_id" },
		{ FIELD_SEQUENCE, "sequence_number" },
		{ FIELD_METADATA, "metadata" },
		{ FIELD_CHECKPOINT_TYPE, "checkpoint_type" },
		{ FIELD_START_APP, "start_app_name" },
		{ FIELD_START_PARTITION, "start_partition_id" },
		{ FIELD_APP_LIMIT, "limit" },
		{ FIELD_STATE_LIMIT, "limit" },
	};
	size_t	 i;

	ck_assert_int_eq(sizeof(names) / sizeof(names[0]), FIELD__COUNT);
	for (i = 0; i < FIELD__COUNT; i++)
		ck_assert_str_eq(field_name(names[i].field), names[i].name);
}
END_TEST

/* The detail is "<field>: <rule>", which the message shows in brackets. */
START_TEST(test_detail_text)
{
	struct params	 p;
	struct response	 resp;

	memset(&p, 0, sizeof(p));
	memset(&resp, 0, sizeof(resp));
	ck_assert(!validate_value(FIELD_STREAM, "a b", &p, &resp));
	ck_assert_str_eq(resp.detail,
	    "stream_name: 1-64 characters of A-Za-z0-9_-");
	response_free(&resp);
}
END_TEST

#define NCASES(a)	((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
validate_suite(void)
{
	Suite	*s = suite_create("validate");
	TCase	*tc;

	tc = tcase_create("value");
	tcase_add_loop_test(tc, test_value, 0, NCASES(value_cases));
	tcase_add_loop_test(tc, test_length, 0, NCASES(length_cases));
	tcase_add_test(tc, test_field_names);
	tcase_add_test(tc, test_detail_text);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_add_loop_test(tc, test_json, 0, NCASES(json_cases));
	tcase_add_test(tc, test_json_all_valid);
	tcase_add_test(tc, test_json_metadata_code_points);
	tcase_add_loop_test(tc, test_json_field_order, 0, NCASES(bad_values));
	suite_add_tcase(s, tc);

	tc = tcase_create("query");
	tcase_add_loop_test(tc, test_query, 0, NCASES(query_cases));
	tcase_add_loop_test(tc, test_app_sets, 0, NCASES(set_cases));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(validate_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
