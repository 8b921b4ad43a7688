/*
 * service.h: one request in, one response out. Checks run in the settled
 * order (route, method, project, authentication, body size, body shape),
 * then the handler. Writes go through a write path: applied at once in CGI
 * mode and in tests, handed to the group-commit writer in the server.
 */
#ifndef DIS_SERVICE_H
#define DIS_SERVICE_H

#include <stddef.h>

#include "conf.h"
#include "credentials.h"
#include "errors.h"
#include "request.h"
#include "response.h"
#include "store.h"

typedef enum dis_err write_fn(void *arg, struct write_op *);

struct service {
	const struct dis_config	*cfg;
	struct store		*store;		/* this thread's connection */
	write_fn		*write;
	void			*write_arg;
	struct cred_store	*creds;		/* NULL when auth = none */
};

void		 service_init(struct service *, const struct dis_config *,
		    struct store *, struct cred_store *);
void		 service_handle(struct service *, const struct request *,
		    struct response *);
void		 service_write(struct service *, struct write_op *, int status,
		    struct response *);
enum dis_err	 apply_now(void *store, struct write_op *);

#endif
