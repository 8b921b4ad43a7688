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
};

struct route_match {
	const struct route	*route;
	char			*project;
	char			*app;
	char			*stream;
};

enum dis_err	 router_match(const char *path, const char *base_path,
		    enum http_method, struct route_match *, const char **allow);
void		 route_match_free(struct route_match *);

#endif
