/*
 * validate.c: one validator per field, all in one table. A JSON body and a
 * query string go through the same validators: a JSON value is first turned
 * into text (a string as it is, an integer as its decimal text where the
 * field allows it), then checked like a query value.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "validate.h"

#define PARTITION_MAX	2147483647LL
#define METADATA_MAX	1000

typedef enum dis_err field_check(const char *, struct params *);

struct field_rule {
	const char	*name;
	field_check	*check;
	bool		 accepts_integer;
	const char	*hint;		/* detail of the error message */
};

struct field_use {
	enum field	 field;
	bool		 required;
};

static bool
is_digits(const char *s, size_t min, size_t max)
{
	size_t	 n = strspn(s, "0123456789");

	return n >= min && n <= max && s[n] == '\0';
}

/* Digits only; false when the value does not fit in a long long. */
static bool
digits_value(const char *s, long long *out)
{
	char	*end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

static enum dis_err
check_project(const char *s, struct params *p)
{
	p->project = s;
	return name_is_project(s) ? DIS_OK : DIS_ERR_PROJECT;
}

static enum dis_err
check_stream(const char *s, struct params *p)
{
	p->stream = s;
	return name_is_valid(s, STREAM_NAME_MAX) ? DIS_OK : DIS_ERR_INVALID;
}

static enum dis_err
check_app(const char *s, struct params *p)
{
	p->app = s;
	return name_is_valid(s, APP_NAME_MAX) ? DIS_OK : DIS_ERR_INVALID;
}

static enum dis_err
check_start_app(const char *s, struct params *p)
{
	p->start_app = s;
	return name_is_valid(s, APP_NAME_MAX) ? DIS_OK : DIS_ERR_INVALID;
}

/* "N" with 1-10 digits, or "shardId-" and exactly 10 digits. */
static bool
parse_partition(const char *s, long long *out)
{
	if (strncmp(s, "shardId-", 8) == 0) {
		if (!is_digits(s + 8, 10, 10))
			return false;
		s += 8;
	} else if (!is_digits(s, 1, 10))
		return false;
	return digits_value(s, out) && *out <= PARTITION_MAX;
}

static enum dis_err
check_partition(const char *s, struct params *p)
{
	return parse_partition(s, &p->partition) ? DIS_OK : DIS_ERR_PARTITION;
}

static enum dis_err
check_start_partition(const char *s, struct params *p)
{
	return parse_partition(s, &p->start_partition) ? DIS_OK :
	    DIS_ERR_PARTITION;
}

static enum dis_err
check_sequence(const char *s, struct params *p)
{
	if (!is_digits(s, 1, SIZE_MAX))
		return DIS_ERR_INVALID;
	/* Leading zeros are allowed and dropped; strtoll does that. */
	return digits_value(s, &p->sequence) ? DIS_OK : DIS_ERR_SEQ_RANGE;
}

/* Jansson hands us valid UTF-8, so code points are the non-continuation bytes. */
static size_t
utf8_length(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static enum dis_err
check_metadata(const char *s, struct params *p)
{
	p->metadata = s;
	return utf8_length(s) <= METADATA_MAX ? DIS_OK : DIS_ERR_INVALID;
}

static enum dis_err
check_checkpoint_type(const char *s, struct params *p)
{
	p->checkpoint_type = s;
	return strcmp(s, "LAST_READ") == 0 ? DIS_OK : DIS_ERR_INVALID;
}

static enum dis_err
check_limit(const char *s, int max, struct params *p)
{
	long long	 n;

	if (!is_digits(s, 1, 5) || !digits_value(s, &n) || n < 1 || n > max)
		return DIS_ERR_INVALID;
	p->limit = (int)n;
	return DIS_OK;
}

static enum dis_err
check_app_limit(const char *s, struct params *p)
{
	return check_limit(s, 100, p);
}

static enum dis_err
check_state_limit(const char *s, struct params *p)
{
	return check_limit(s, 1000, p);
}

static const struct field_rule rules[FIELD__COUNT] = {
	[FIELD_PROJECT] = { "project_id", check_project, false,
	    "1-64 characters of A-Za-z0-9_-" },
	[FIELD_STREAM] = { "stream_name", check_stream, false,
	    "1-64 characters of A-Za-z0-9_-" },
	[FIELD_APP] = { "app_name", check_app, false,
	    "1-50 characters of A-Za-z0-9_-" },
	[FIELD_PARTITION] = { "partition_id", check_partition, true,
	    "N or shardId- and 10 digits, at most 2147483647" },
	[FIELD_SEQUENCE] = { "sequence_number", check_sequence, true,
	    "decimal digits, 0 to 9223372036854775807" },
	[FIELD_METADATA] = { "metadata", check_metadata, false,
	    "a string of at most 1000 characters" },
	[FIELD_CHECKPOINT_TYPE] = { "checkpoint_type", check_checkpoint_type,
	    false, "must be LAST_READ" },
	[FIELD_START_APP] = { "start_app_name", check_start_app, false,
	    "1-50 characters of A-Za-z0-9_-" },
	[FIELD_START_PARTITION] = { "start_partition_id", check_start_partition,
	    false, "N or shardId- and 10 digits, at most 2147483647" },
	[FIELD_APP_LIMIT] = { "limit", check_app_limit, false,
	    "an integer from 1 to 100" },
	[FIELD_STATE_LIMIT] = { "limit", check_state_limit, false,
	    "an integer from 1 to 1000" },
};

/* The fields of each endpoint, in the order of api.md's field table. */
static const struct field_use add_checkpoint[] = {
	{ FIELD_STREAM, true },
	{ FIELD_APP, true },
	{ FIELD_PARTITION, true },
	{ FIELD_SEQUENCE, true },
	{ FIELD_METADATA, false },
	{ FIELD_CHECKPOINT_TYPE, true },
};
static const struct field_use query_checkpoint[] = {
	{ FIELD_STREAM, true },
	{ FIELD_APP, true },
	{ FIELD_PARTITION, true },
	{ FIELD_CHECKPOINT_TYPE, true },
};
/* The Python SDK leaves checkpoint_type out of a delete. */
static const struct field_use delete_checkpoint[] = {
	{ FIELD_STREAM, true },
	{ FIELD_APP, true },
	{ FIELD_PARTITION, false },
	{ FIELD_CHECKPOINT_TYPE, false },
};
static const struct field_use create_app[] = {
	{ FIELD_APP, true },
};
static const struct field_use list_apps[] = {
	{ FIELD_STREAM, false },
	{ FIELD_START_APP, false },
	{ FIELD_APP_LIMIT, false },
};
static const struct field_use consumption_state[] = {
	{ FIELD_START_PARTITION, false },
	{ FIELD_CHECKPOINT_TYPE, true },
	{ FIELD_STATE_LIMIT, false },
};

#define SET(uses)	{ uses, sizeof(uses) / sizeof((uses)[0]) }

static const struct {
	const struct field_use	*uses;
	size_t			 n;
} sets[FIELD_SET__COUNT] = {
	[FIELDS_ADD_CHECKPOINT] = SET(add_checkpoint),
	[FIELDS_QUERY_CHECKPOINT] = SET(query_checkpoint),
	[FIELDS_DELETE_CHECKPOINT] = SET(delete_checkpoint),
	[FIELDS_CREATE_APP] = SET(create_app),
	[FIELDS_LIST_APPS] = SET(list_apps),
	[FIELDS_CONSUMPTION_STATE] = SET(consumption_state),
};

const char *
field_name(enum field f)
{
	return rules[f].name;
}

bool
validate_value(enum field f, const char *text, struct params *p,
    struct response *resp)
{
	enum dis_err	 err = rules[f].check(text, p);

	if (err != DIS_OK) {
		response_error(resp, err, "%s: %s", rules[f].name, rules[f].hint);
		return false;
	}
	p->present |= 1u << f;
	return true;
}

static bool
missing(const struct field_use *use, struct response *resp)
{
	if (!use->required)
		return true;
	response_error(resp, DIS_ERR_INVALID, "%s: missing",
	    rules[use->field].name);
	return false;
}

bool
validate_json(json_t *obj, enum field_set set, struct params *p,
    struct response *resp)
{
	const struct field_use	*uses = sets[set].uses;
	const struct field_rule	*rule;
	json_t			*v;
	char			 num[32];
	size_t			 i;

	for (i = 0; i < sets[set].n; i++) {
		rule = &rules[uses[i].field];
		v = json_object_get(obj, rule->name);
		if (v == NULL || json_is_null(v)) {
			if (!missing(&uses[i], resp))
				return false;
		} else if (json_is_string(v)) {
			if (!validate_value(uses[i].field, json_string_value(v),
			    p, resp))
				return false;
		} else if (json_is_integer(v) && rule->accepts_integer) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			    json_integer_value(v));
			if (!validate_value(uses[i].field, num, p, resp))
				return false;
		} else {
			response_error(resp, DIS_ERR_INVALID, "%s: must be a %s",
			    rule->name, rule->accepts_integer ?
			    "string or an integer" : "string");
			return false;
		}
	}
	return true;
}

bool
validate_query(const struct query_param *qp, size_t nqp, enum field_set set,
    struct params *p, struct response *resp)
{
	const struct field_use	*uses = sets[set].uses;
	const struct field_rule	*rule;
	const char		*value;
	size_t			 i, j, seen;

	for (i = 0; i < sets[set].n; i++) {
		rule = &rules[uses[i].field];
		value = NULL;
		for (seen = 0, j = 0; j < nqp; j++)
			if (strcmp(qp[j].key, rule->name) == 0) {
				value = qp[j].value;
				seen++;
			}
		if (seen > 1) {
			response_error(resp, DIS_ERR_INVALID, "%s: given twice",
			    rule->name);
			return false;
		}
		if (value == NULL) {
			if (!missing(&uses[i], resp))
				return false;
		} else if (!validate_value(uses[i].field, value, p, resp))
			return false;
	}
	return true;
}
