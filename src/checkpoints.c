/*
 * checkpoints.c: add, query and delete checkpoints. A checkpoint is keyed by
 * (project, app, stream, checkpoint type, partition); committing one
 * replaces the last, and its app must exist.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "handlers.h"

static struct checkpoint_key
key_of(const struct params *p)
{
	struct checkpoint_key	 key;

	key.project = p->project;
	key.app = p->app;
	key.stream = p->stream;
	key.type = PARAM_GIVEN(p, FIELD_CHECKPOINT_TYPE) ? p->checkpoint_type :
	    "LAST_READ";
	key.partition = PARAM_GIVEN(p, FIELD_PARTITION) ? p->partition : -1;
	return key;
}

void
handle_add_checkpoint(struct service *svc, struct call *call,
    struct response *resp)
{
	struct params	*p = &call->params;
	struct write_op	 op = { 0 };

	if (!validate_json(call->body, FIELDS_ADD_CHECKPOINT, p, resp))
		return;
	op.kind = WRITE_COMMIT_CHECKPOINT;
	op.key = key_of(p);
	op.sequence = p->sequence;
	op.metadata = PARAM_GIVEN(p, FIELD_METADATA) ? p->metadata : "";
	service_write(svc, &op, 201, resp);
}

void
handle_query_checkpoint(struct service *svc, struct call *call,
    struct response *resp)
{
	struct params		*p = &call->params;
	struct checkpoint_key	 key;
	enum dis_err		 err;
	long long		 sequence;
	char			*metadata, number[24];

	if (!validate_query(call->query, call->nquery, FIELDS_QUERY_CHECKPOINT,
	    p, resp))
		return;
	key = key_of(p);
	err = store_get_checkpoint(svc->store, &key, &sequence, &metadata);
	if (err != DIS_OK) {
		response_error(resp, err, NULL);
		return;
	}
	snprintf(number, sizeof(number), "%lld", sequence);
	response_json(resp, 200, json_pack("{s:s, s:s}", "sequence_number",
	    number, "metadata", metadata ? metadata : ""));
	free(metadata);
}

void
handle_delete_checkpoint(struct service *svc, struct call *call,
    struct response *resp)
{
	struct write_op	 op = { 0 };

	if (!validate_query(call->query, call->nquery, FIELDS_DELETE_CHECKPOINT,
	    &call->params, resp))
		return;
	op.kind = WRITE_DELETE_CHECKPOINTS;
	op.key = key_of(&call->params);
	service_write(svc, &op, 204, resp);
}
