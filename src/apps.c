/*
 * apps.c: create, describe, list and delete consumer apps, and the
 * consumption state of an app on a stream.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "handlers.h"

#define DEFAULT_APP_LIMIT	10
#define DEFAULT_STATE_LIMIT	100

/* 128 random bits in hex: unique without asking the database. */
static int
new_app_id(char id[33])
{
	unsigned char	 bytes[16];
	size_t		 i;

	if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes))
		return -1;
	for (i = 0; i < sizeof(bytes); i++)
		snprintf(id + 2 * i, 3, "%02x", bytes[i]);
	return 0;
}

static long long
epoch_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static json_t *
app_json(const struct app_info *info)
{
	json_t	*streams = json_array();
	size_t	 i;

	for (i = 0; streams != NULL && i < info->nstreams; i++)
		if (json_array_append_new(streams,
		    json_string(info->streams[i])) == -1) {
			json_decref(streams);
			return NULL;
		}
	return json_pack("{s:s, s:s, s:I, s:o}", "app_name", info->name,
	    "app_id", info->app_id, "create_time", (json_int_t)info->create_time,
	    "commit_checkpoint_stream_names", streams);
}

/* Store visitor: appends the app to the JSON array in arg. */
static int
append_app(void *arg, const struct app_info *info)
{
	json_t	*app = app_json(info);

	return app == NULL ? -1 : json_array_append_new(arg, app);
}

static int
keep_app(void *arg, const struct app_info *info)
{
	json_t	**out = arg;

	*out = app_json(info);
	return *out == NULL ? -1 : 0;
}

void
handle_create_app(struct service *svc, struct call *call,
    struct response *resp)
{
	struct params	*p = &call->params;
	struct write_op	 op = { 0 };
	char		 app_id[33];

	if (!validate_json(call->body, FIELDS_CREATE_APP, p, resp))
		return;
	if (new_app_id(app_id) == -1) {
		response_error(resp, DIS_ERR_INTERNAL, NULL);
		return;
	}
	op.kind = WRITE_CREATE_APP;
	op.key.project = p->project;
	op.key.app = p->app;
	op.app_id = app_id;
	op.create_time = epoch_ms();
	op.app_quota = svc->cfg->app_quota;
	service_write(svc, &op, 201, resp);
}

void
handle_describe_app(struct service *svc, struct call *call,
    struct response *resp)
{
	struct params	*p = &call->params;
	json_t		*app = NULL;
	enum dis_err	 err;

	if (!validate_value(FIELD_APP, call->path_app, p, resp))
		return;
	err = store_get_app(svc->store, p->project, p->app, keep_app, &app);
	if (err != DIS_OK) {
		json_decref(app);
		response_error(resp, err, NULL);
		return;
	}
	response_json(resp, 200, app);
}

void
handle_list_apps(struct service *svc, struct call *call, struct response *resp)
{
	struct params	*p = &call->params;
	json_t		*apps;
	enum dis_err	 err;
	long long	 total;
	bool		 more;

	p->limit = DEFAULT_APP_LIMIT;
	if (!validate_query(call->query, call->nquery, FIELDS_LIST_APPS, p,
	    resp))
		return;
	if ((apps = json_array()) == NULL) {
		response_error(resp, DIS_ERR_INTERNAL, NULL);
		return;
	}
	err = store_list_apps(svc->store, p->project,
	    PARAM_GIVEN(p, FIELD_STREAM) ? p->stream : NULL,
	    PARAM_GIVEN(p, FIELD_START_APP) ? p->start_app : NULL,
	    p->limit, append_app, apps, &total, &more);
	if (err != DIS_OK) {
		json_decref(apps);
		response_error(resp, err, NULL);
		return;
	}
	response_json(resp, 200, json_pack("{s:b, s:o, s:I}", "has_more_app",
	    more, "apps", apps, "total_number", (json_int_t)total));
}

void
handle_delete_app(struct service *svc, struct call *call, struct response *resp)
{
	struct params	*p = &call->params;
	struct write_op	 op = { 0 };

	if (!validate_value(FIELD_APP, call->path_app, p, resp))
		return;
	op.kind = WRITE_DELETE_APP;
	op.key.project = p->project;
	op.key.app = p->app;
	service_write(svc, &op, 204, resp);
}

static const char *
partition_text(char buf[24], long long partition)
{
	snprintf(buf, 24, "shardId-%010lld", partition);
	return buf;
}

/* Store visitor: appends one partition's state to the JSON array in arg. */
static int
append_state(void *arg, long long partition, long long sequence)
{
	char	 id[24], seq[24];

	snprintf(seq, sizeof(seq), "%lld", sequence);
	return json_array_append_new(arg, json_pack("{s:s, s:s, s:s, s:s}",
	    "partition_id", partition_text(id, partition), "sequence_number",
	    seq, "checkpoint_type", "LAST_READ", "status", "ACTIVE"));
}

void
handle_consumption_state(struct service *svc, struct call *call,
    struct response *resp)
{
	struct params		*p = &call->params;
	struct checkpoint_key	 key;
	json_t			*states;
	enum dis_err		 err;
	bool			 more;

	p->limit = DEFAULT_STATE_LIMIT;
	if (!validate_value(FIELD_STREAM, call->path_stream, p, resp) ||
	    !validate_value(FIELD_APP, call->path_app, p, resp) ||
	    !validate_query(call->query, call->nquery,
	    FIELDS_CONSUMPTION_STATE, p, resp))
		return;
	if ((states = json_array()) == NULL) {
		response_error(resp, DIS_ERR_INTERNAL, NULL);
		return;
	}
	key.project = p->project;
	key.app = p->app;
	key.stream = p->stream;
	key.type = p->checkpoint_type;
	key.partition = PARAM_GIVEN(p, FIELD_START_PARTITION) ?
	    p->start_partition : -1;
	err = store_partition_states(svc->store, &key, p->limit, append_state,
	    states, &more);
	if (err != DIS_OK) {
		json_decref(states);
		response_error(resp, err, NULL);
		return;
	}
	response_json(resp, 200, json_pack("{s:b, s:s, s:s, s:o}", "has_more",
	    more, "stream_name", p->stream, "app_name", p->app,
	    "partition_consuming_states", states));
}
