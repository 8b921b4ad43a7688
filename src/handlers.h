/*
 * handlers.h: the endpoints. A handler gets a call (the request, its
 * validated project, decoded path segments, query and body) and fills a
 * response; it never sees FastCGI or the environment.
 */
#ifndef DIS_HANDLERS_H
#define DIS_HANDLERS_H

#include <jansson.h>

#include "request.h"
#include "response.h"
#include "service.h"
#include "validate.h"

struct call {
	const struct request	*request;
	const char		*path_app;	/* raw decoded segments */
	const char		*path_stream;
	struct query_param	*query;
	size_t			 nquery;
	json_t			*body;		/* an object, for routes with one */
	struct params		 params;	/* project already validated */
};

typedef void handler_fn(struct service *, struct call *, struct response *);

handler_fn	 handle_add_checkpoint;
handler_fn	 handle_query_checkpoint;
handler_fn	 handle_delete_checkpoint;
handler_fn	 handle_create_app;
handler_fn	 handle_describe_app;
handler_fn	 handle_list_apps;
handler_fn	 handle_delete_app;
handler_fn	 handle_consumption_state;
handler_fn	 handle_health;
handler_fn	 handle_metrics;

/*
 * At start: checks the metrics_* settings (-1 with err filled when
 * metrics_allow has an entry that is no address) and turns recording on
 * when metrics = on.
 */
int		 metrics_setup(const struct dis_config *, char *err,
		    size_t errlen);

#endif
