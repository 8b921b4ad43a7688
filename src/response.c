/*
 * response.c: builds responses and renders them. Error bodies are made here
 * from the error value, so every error has the same shape:
 * {"errorCode":"DIS.xxxx","message":"<text>. [<detail>]"}. A deferred
 * write's copy is the response's own: made here, freed with it.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "response.h"
#include "store.h"

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Payload Too Large";
	case 441: return "Unauthorized";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

void
response_empty(struct response *resp, int status)
{
	response_free(resp);
	resp->status = status;
}

/* Takes the reference to json. */
int
response_json(struct response *resp, int status, json_t *json)
{
	response_free(resp);
	if (json == NULL ||
	    (resp->body = json_dumps(json, JSON_COMPACT)) == NULL) {
		json_decref(json);
		response_error(resp, DIS_ERR_INTERNAL, NULL);
		return -1;
	}
	json_decref(json);
	resp->status = status;
	return 0;
}

void
response_error(struct response *resp, enum dis_err err, const char *fmt, ...)
{
	va_list	 ap;

	response_free(resp);
	resp->error = err;
	resp->status = dis_error_info(err)->http_status;
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(resp->detail, sizeof(resp->detail), fmt, ap);
		va_end(ap);
	}
}

static char *
error_body(const struct response *resp)
{
	const struct dis_error_info	*info = dis_error_info(resp->error);
	char				 message[256];
	json_t				*obj;
	char				*text;

	if (resp->detail[0] != '\0')
		snprintf(message, sizeof(message), "%s. [%s]", info->text,
		    resp->detail);
	else
		snprintf(message, sizeof(message), "%s.", info->text);
	obj = json_pack("{s:s, s:s}", "errorCode", info->code, "message", message);
	text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	return text;
}

/*
 * Renders the whole CGI response into one buffer. A body is sent only with
 * a Content-Type; 201 and 204 carry "Content-Length: 0" and nothing else.
 */
char *
response_render(struct response *resp, int retry_after, size_t *len)
{
	char	 head[512];
	char	*out;
	size_t	 blen, hlen;
	int	 n;

	if (resp->error != DIS_OK && resp->body == NULL &&
	    (resp->body = error_body(resp)) == NULL)
		return NULL;
	blen = resp->body ? strlen(resp->body) : 0;
	n = snprintf(head, sizeof(head), "Status: %d %s\r\n", resp->status,
	    reason(resp->status));
	if (resp->allow != NULL)
		n += snprintf(head + n, sizeof(head) - (size_t)n,
		    "Allow: %s\r\n", resp->allow);
	if (resp->error != DIS_OK && dis_error_info(resp->error)->retry)
		n += snprintf(head + n, sizeof(head) - (size_t)n,
		    "Retry-After: %d\r\n", retry_after);
	if (blen > 0)
		n += snprintf(head + n, sizeof(head) - (size_t)n,
		    "Content-Type: application/json\r\n");
	n += snprintf(head + n, sizeof(head) - (size_t)n,
	    "Content-Length: %zu\r\n\r\n", blen);
	hlen = (size_t)n;
	if ((out = malloc(hlen + blen + 1)) == NULL)
		return NULL;
	memcpy(out, head, hlen);
	if (blen > 0)
		memcpy(out + hlen, resp->body, blen);
	out[hlen + blen] = '\0';
	*len = hlen + blen;
	return out;
}

static size_t
size_of(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

/* Copies s to *at and moves *at past it. */
static const char *
place(char **at, const char *s)
{
	char	*copy = *at;

	if (s == NULL)
		return NULL;
	*at = stpcpy(copy, s) + 1;
	return copy;
}

/*
 * The op points into the request and the handler's stack; a deferred one
 * outlives both, so it goes into one allocation with its strings.
 */
static struct write_op *
write_op_copy(const struct write_op *op)
{
	struct write_op	*copy;
	char		*at;

	copy = malloc(sizeof(*copy) + size_of(op->key.project) +
	    size_of(op->key.app) + size_of(op->key.stream) +
	    size_of(op->key.type) + size_of(op->metadata) + size_of(op->app_id));
	if (copy == NULL)
		return NULL;
	*copy = *op;
	at = (char *)(copy + 1);
	copy->key.project = place(&at, op->key.project);
	copy->key.app = place(&at, op->key.app);
	copy->key.stream = place(&at, op->key.stream);
	copy->key.type = place(&at, op->key.type);
	copy->metadata = place(&at, op->metadata);
	copy->app_id = place(&at, op->app_id);
	return copy;
}

/*
 * The answer waits for op: a copy of it, since op points into the request
 * and the handler's stack, which are gone by the time it commits. The copy
 * is the response's: response_settle and response_free free it.
 */
void
response_defer(struct response *resp, int status, const struct write_op *op)
{
	response_empty(resp, status);
	if ((resp->deferred = write_op_copy(op)) == NULL)
		response_error(resp, DIS_ERR_INTERNAL, NULL);
}

/*
 * A deferred write's outcome: the status promised when it was queued, or
 * the error it failed with.
 */
void
response_settle(struct response *resp, enum dis_err committed)
{
	if (committed != DIS_OK)
		response_error(resp, committed, NULL);
	else
		response_empty(resp, resp->status);
}

void
response_free(struct response *resp)
{
	free(resp->body);
	free(resp->deferred);
	memset(resp, 0, sizeof(*resp));
}
