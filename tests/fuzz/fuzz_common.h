/*
 * fuzz_common.h: what the libFuzzer harnesses share: a service on an
 * in-memory database holding one app, and one request served through
 * service_exchange, the function server.c calls (environment, body under
 * the cap, dispatcher), then rendered, so the fuzzers reach exactly the
 * code a client reaches.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "request.h"
#include "service.h"
#include "store.h"

static struct dis_config	 fuzz_cfg;
static struct store		*fuzz_store;
static struct service		 fuzz_svc;

/*
 * Checks what any request must get, whatever came in: a CGI response
 * with a status, never a database failure (it is in memory).
 */
static void
fuzz_check_answer(struct exchange *x, char **text, size_t *tlen)
{
	if ((*text = response_render(&x->resp, fuzz_cfg.retry_after,
	    tlen)) == NULL)
		abort();
	if (strncmp(*text, "Status: ", 8) != 0 || x->resp.status < 200 ||
	    x->resp.status > 599 || strlen(*text) != *tlen)
		abort();
	if (x->resp.status == 500 || x->resp.status == 503)
		abort();
}

/* Serves one request through service_exchange, as server.c does. */
static void
fuzz_serve(char *const *envp, const uint8_t *body, size_t len)
{
	struct memory_body	 in = { (const char *)body, len, 0, false };
	struct exchange		 x;
	char			*text;
	size_t			 tlen;

	service_exchange(&fuzz_svc, &x, envp, memory_body_read, &in, true);
	fuzz_check_answer(&x, &text, &tlen);
	free(text);
	exchange_free(&x);
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
	/* The service's options, every field set; only the file differs. */
	opts = conf_store_options(&fuzz_cfg, false);
	opts.path = ":memory:";
	opts.journal_mode = "MEMORY";
	opts.busy_timeout_ms = 100;
	if ((fuzz_store = store_open(&opts)) == NULL)
		abort();
	service_init(&fuzz_svc, &fuzz_cfg, fuzz_store, NULL);
	fuzz_serve(envp, (const uint8_t *)app, sizeof(app) - 1);
}

#endif
