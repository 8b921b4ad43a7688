/*
 * fuzz_common.h: what both libFuzzer harnesses share: a service on an
 * in-memory database holding one app, and one request served the way
 * server.c serves it (environment, body under the cap, dispatcher,
 * rendering), so the fuzzers reach exactly the code a client reaches.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "request.h"
#include "response.h"
#include "service.h"
#include "store.h"

struct memory_body {
	const uint8_t	*data;
	size_t		 len;
	size_t		 off;
};

static struct dis_config	 fuzz_cfg;
static struct store		*fuzz_store;
static struct service		 fuzz_svc;

/* FastCGI's reader, over memory: returns what is left, then 0 (EOF). */
static long
memory_read(void *arg, char *buf, size_t n)
{
	struct memory_body	*b = arg;

	if (n > b->len - b->off)
		n = b->len - b->off;
	memcpy(buf, b->data + b->off, n);
	b->off += n;
	return (long)n;
}

/* Serves one request as server.c's serve() does, and checks the answer. */
static void
fuzz_serve(char *const *envp, const uint8_t *body, size_t len)
{
	struct memory_body	 in = { body, len, 0 };
	struct request		 req;
	struct response		 resp;
	char			*text;
	size_t			 tlen;

	memset(&resp, 0, sizeof(resp));
	if (request_from_env(&req, envp) == -1)
		abort();
	request_read_body(&req, memory_read, &in, fuzz_cfg.body_limit, true);
	service_handle(&fuzz_svc, &req, &resp);
	if ((text = response_render(&resp, fuzz_cfg.retry_after, &tlen)) == NULL)
		abort();
	/* Whatever came in, the answer is a CGI response with a status. */
	if (strncmp(text, "Status: ", 8) != 0 || resp.status < 200 ||
	    resp.status > 599 || strlen(text) != tlen)
		abort();
	/* A database failure here would be a bug: it is in memory. */
	if (resp.status == 500 || resp.status == 503)
		abort();
	free(text);
	response_free(&resp);
	request_free(&req);
}

/* One service on ":memory:" with app a1 in project p1, for the whole run. */
static void
fuzz_setup(void)
{
	struct store_options	 opts;
	char			*envp[] = { "REQUEST_METHOD=POST",
	    "REQUEST_URI=/v2/p1/apps", "CONTENT_LENGTH=17", NULL };
	static const char	 app[] = "{\"app_name\":\"a1\"}";

	if (conf_init(&fuzz_cfg) == -1)
		abort();
	fuzz_cfg.sync_full = false;
	opts.path = ":memory:";
	opts.sync_full = false;
	opts.journal_mode = "MEMORY";
	opts.busy_timeout_ms = 100;
	if ((fuzz_store = store_open(&opts)) == NULL)
		abort();
	service_init(&fuzz_svc, &fuzz_cfg, fuzz_store, NULL);
	fuzz_serve(envp, (const uint8_t *)app, sizeof(app) - 1);
}

#endif
