/*
 * service.c: the dispatcher. Everything that is checked before a handler
 * runs is checked here, in the order api.md settles: route (404), method
 * (405), project id (4117), authentication, body size (413), then for
 * routes with a body: empty (4202), malformed (4300), not an object (4200).
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "handlers.h"
#include "log.h"
#include "router.h"
#include "service.h"

void
service_init(struct service *svc, const struct dis_config *cfg,
    struct store *store, struct cred_store *creds)
{
	memset(svc, 0, sizeof(*svc));
	svc->cfg = cfg;
	svc->store = store;
	svc->creds = creds;
}

/*
 * Commits op and answers status once it is durable, or its error. With
 * defer_writes the commit is the caller's: a copy of op waits in
 * resp->deferred, and response_settle gives the answer afterwards.
 */
void
service_write(struct service *svc, struct write_op *op, int status,
    struct response *resp)
{
	if (svc->defer_writes) {
		response_defer(resp, status, op);
		return;
	}
	store_apply(svc->store, &op, 1);
	response_empty(resp, status);
	response_settle(resp, op->result);
}

static bool
blank(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			return false;
	return true;
}

static bool
check_body(const struct request *req, json_t **body, struct response *resp)
{
	json_error_t	 jerr;

	if (req->body == NULL || blank(req->body, req->body_len)) {
		response_error(resp, DIS_ERR_EMPTY_BODY, NULL);
		return false;
	}
	*body = json_loadb(req->body, req->body_len,
	    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (*body == NULL) {
		/* jerr.text may quote the body, which need not be UTF-8. */
		response_error(resp, DIS_ERR_MALFORMED,
		    "body: invalid JSON at line %d, column %d", jerr.line,
		    jerr.column);
		return false;
	}
	if (!json_is_object(*body)) {
		response_error(resp, DIS_ERR_INVALID, "body: must be a JSON object");
		return false;
	}
	return true;
}

/*
 * The snapshot is held only for the check, so a reload never changes the
 * credentials a request is judged by half-way.
 */
static bool
check_auth(struct service *svc, const struct request *req,
    const char *project, struct response *resp)
{
	struct cred_set	*set;
	const char	*detail = NULL;
	enum dis_err	 err;

	if (svc->cfg->auth == AUTH_NONE)
		return true;
	if (svc->creds == NULL) {
		/* Fail closed: authentication is on but nothing can check it. */
		log_message("authentication is on but has no credentials store");
		response_error(resp, DIS_ERR_INTERNAL, NULL);
		return false;
	}
	set = cred_store_acquire(svc->creds);
	err = auth_check(svc->cfg, set, req, project, time(NULL), &detail);
	cred_release(set);
	if (err == DIS_OK)
		return true;
	if (detail != NULL)
		response_error(resp, err, "%s", detail);
	else
		response_error(resp, err, NULL);
	return false;
}

/*
 * True when any X-Project-Id names another project. Every copy counts: a
 * FastCGI peer may send the param twice, and the first alone must not
 * vouch for the request.
 */
static bool
project_mismatch(const struct request *req, const char *project)
{
	size_t	 i;

	for (i = 0; i < req->nheaders; i++)
		if (strcmp(req->headers[i].name, "x-project-id") == 0 &&
		    strcmp(req->headers[i].value, project) != 0)
			return true;
	return false;
}

static bool
check_request(struct service *svc, const struct request *req,
    const struct route_match *m, struct call *call, struct response *resp)
{
	if (m->route->names_project) {
		if (!validate_value(FIELD_PROJECT, m->project, &call->params, resp))
			return false;
		if (project_mismatch(req, m->project)) {
			response_error(resp, DIS_ERR_PROJECT,
			    "X-Project-Id: differs from the path");
			return false;
		}
		if (!check_auth(svc, req, m->project, resp))
			return false;
	}
	if (req->body_too_large) {
		response_error(resp, DIS_ERR_TOO_LARGE, "body: over %zu bytes",
		    svc->cfg->body_limit);
		return false;
	}
	if (req->content_length_bad) {
		response_error(resp, DIS_ERR_INVALID, "CONTENT_LENGTH: not a number");
		return false;
	}
	if (req->body_short) {
		response_error(resp, DIS_ERR_MALFORMED,
		    "body: cut short");
		return false;
	}
	if (m->route->takes_body && !check_body(req, &call->body, resp))
		return false;
	if (query_parse(req->query, &call->query, &call->nquery) == -1) {
		response_error(resp, DIS_ERR_INTERNAL, NULL);
		return false;
	}
	return true;
}

void
service_handle(struct service *svc, const struct request *req,
    struct response *resp)
{
	struct route_match	 m;
	struct call		 call;
	const char		*allow;
	enum dis_err		 err;

	memset(&call, 0, sizeof(call));
	call.request = req;
	err = router_match(req->path, svc->cfg->base_path, req->method, &m, &allow);
	if (err != DIS_OK) {
		response_error(resp, err, err == DIS_ERR_NO_ROUTE ?
		    "no such resource" : err == DIS_ERR_METHOD ?
		    "method not allowed here" : NULL);
		resp->allow = allow;
		return;
	}
	call.path_app = m.app;
	call.path_stream = m.stream;
	if (check_request(svc, req, &m, &call, resp))
		m.route->handler(svc, &call, resp);
	json_decref(call.body);
	query_free(call.query, call.nquery);
	route_match_free(&m);
}

void
service_exchange(struct service *svc, struct exchange *x, char *const *envp,
    body_reader *read_body, void *in, bool until_eof)
{
	struct request	 req;

	memset(x, 0, sizeof(*x));
	if (request_from_env(&req, envp) == -1) {
		log_message("out of memory reading a request");
		response_error(&x->resp, DIS_ERR_INTERNAL, NULL);
		return;
	}
	request_read_body(&req, read_body, in, svc->cfg->body_limit, until_eof);
	service_handle(svc, &req, &x->resp);
	x->method = req.method_name;
	x->path = req.path;
	req.method_name = req.path = NULL;
	request_free(&req);
}

void
exchange_free(struct exchange *x)
{
	free(x->method);
	free(x->path);
	response_free(&x->resp);
	x->method = x->path = NULL;
}

void
handle_health(struct service *svc, struct call *call, struct response *resp)
{
	enum dis_err	 err = store_check_writable(svc->store);

	(void)call;
	if (err != DIS_OK)
		response_error(resp, DIS_ERR_UNAVAILABLE, "database not writable");
	else
		response_json(resp, 200, json_pack("{s:s}", "status", "ok"));
}
