/*
 * response.c: builds responses and renders them. Error bodies are made here
 * from the error value, so every error has the same shape:
 * {"errorCode":"DIS.xxxx","message":"<text>. [<detail>]"}.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "response.h"

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

void
response_text(struct response *resp, int status, const char *content_type,
    char *body)
{
	response_free(resp);
	resp->status = status;
	resp->content_type = content_type;
	resp->body = body;
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
 * Every answer is rendered once, when it is final (a deferred write's after
 * its commit), so this is where the request is counted.
 */
char *
response_render(struct response *resp, int retry_after, size_t *len)
{
	char	 head[512];
	char	*out;
	size_t	 blen, hlen;
	int	 n;

	metrics_observe(&resp->mark, resp->status, resp->error);
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
		    "Content-Type: %s\r\n", resp->content_type ?
		    resp->content_type : "application/json");
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

/* The mark stays: it is the request's, whichever answer it ends with. */
void
response_free(struct response *resp)
{
	struct metrics_mark	 mark = resp->mark;

	free(resp->body);
	free(resp->deferred);
	memset(resp, 0, sizeof(*resp));
	resp->mark = mark;
}
