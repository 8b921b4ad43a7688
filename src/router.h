/*
 * router.h: maps a method and a raw path to an entry of the route table,
 * with the path's variable segments percent-decoded one by one.
 */
#ifndef DIS_ROUTER_H
#define DIS_ROUTER_H

#include <stdbool.h>

#include "errors.h"
#include "handlers.h"
#include "request.h"

struct route {
	const char	*pattern;	/* "/v2/{project}/apps/{app}" */
	unsigned	 method;	/* one METHOD_* */
	handler_fn	*handler;
	bool		 takes_body;	/* a JSON object body is required */
	bool		 names_project;	/* carries {project}, so is authenticated */
	bool		 metrics;	/* served only with metrics = on */
};

/* The route table's rows, at most this many (the metrics' slots). */
#define ROUTER_MAX_ROUTES	16

struct route_match {
	const struct route	*route;
	char			*project;
	char			*app;
	char			*stream;
};

/*
 * DIS_OK with m filled (free it with route_match_free), DIS_ERR_NO_ROUTE,
 * or DIS_ERR_METHOD with *allow the Allow header. Without metrics the
 * /metrics row is not there at all: its path is unknown, as any other.
 */
enum dis_err	 router_match(const char *path, const char *base_path,
		    enum http_method, bool metrics, struct route_match *,
		    const char **allow);
void		 route_match_free(struct route_match *);
/* A row's place in the table, and the row at a place (NULL past the end). */
size_t		 route_index(const struct route *);
const struct route *router_route(size_t);

#endif
