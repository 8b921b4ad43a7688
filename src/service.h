/*
 * service.h: one request in, one response out. Checks run in the settled
 * order (route, method, project, authentication, body size, body shape),
 * then the handler. A write is applied at once (CGI mode, tests, group
 * commit off) or, with defer_writes, copied into the response for the
 * caller to commit: the answer is then settled once it is durable.
 */
#ifndef DIS_SERVICE_H
#define DIS_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "credentials.h"
#include "errors.h"
#include "request.h"
#include "response.h"
#include "store.h"

struct service {
	const struct dis_config	*cfg;
	struct store		*store;		/* this thread's connection */
	bool			 defer_writes;
	struct cred_store	*creds;		/* NULL when auth = none */
};

void		 service_init(struct service *, const struct dis_config *,
		    struct store *, struct cred_store *);
void		 service_handle(struct service *, const struct request *,
		    struct response *);
void		 service_write(struct service *, struct write_op *, int status,
		    struct response *);

/* One request from its params and body to its answer, transport aside. */
struct exchange {
	char		*method;	/* as sent, for the log line */
	char		*path;
	struct response	 resp;		/* may wait: resp.deferred */
};

/*
 * Builds the request from envp and its body read through read_body (to
 * its end when until_eof, as FastCGI sends it; else CONTENT_LENGTH bytes,
 * as CGI does), handles it into x->resp and frees the request. What the
 * server and the fuzzers both call. x owns its strings and response until
 * exchange_free.
 */
void		 service_exchange(struct service *, struct exchange *,
		    char *const *envp, body_reader *, void *in, bool until_eof);
void		 exchange_free(struct exchange *);

#endif
