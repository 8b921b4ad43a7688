/*
 * router.c: the route table and its matcher. Routing starts from the raw
 * REQUEST_URI path, so it does not depend on how a server splits
 * SCRIPT_NAME and PATH_INFO. Each segment is decoded on its own: "%2F"
 * inside a name stays inside that segment and fails its validator.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "router.h"

static const struct route routes[] = {
	{ "/v2/{project}/checkpoints", METHOD_POST, handle_add_checkpoint, true, true },
	{ "/v2/{project}/checkpoints", METHOD_GET, handle_query_checkpoint, false, true },
	{ "/v2/{project}/checkpoints", METHOD_DELETE, handle_delete_checkpoint, false, true },
	{ "/v2/{project}/apps", METHOD_POST, handle_create_app, true, true },
	{ "/v2/{project}/apps", METHOD_GET, handle_list_apps, false, true },
	{ "/v2/{project}/apps/{app}", METHOD_GET, handle_describe_app, false, true },
	{ "/v2/{project}/apps/{app}", METHOD_DELETE, handle_delete_app, false, true },
	{ "/v2/{project}/apps/{app}/streams/{stream}", METHOD_GET,
	    handle_consumption_state, false, true },
	{ "/health", METHOD_GET, handle_health, false, false },
};

#define NROUTES	(sizeof(routes) / sizeof(routes[0]))
#define MAX_SEGMENTS	8

/* Splits path (after its leading '/') into raw segments; -1 on "//". */
static int
split(const char *path, const char *seg[], size_t len[])
{
	int	 n = 0;
	size_t	 l;

	if (*path++ != '/')
		return -1;
	for (;;) {
		l = strcspn(path, "/");
		if (l == 0 || n == MAX_SEGMENTS)
			return -1;
		seg[n] = path;
		len[n++] = l;
		path += l;
		if (*path++ == '\0')
			return n;
	}
}

/* 1 when the route's pattern matches; captures are filled on a match. */
static int
pattern_match(const char *pattern, int n, const char *seg[], const size_t len[],
    struct route_match *m)
{
	const char	*pseg[MAX_SEGMENTS];
	size_t		 plen[MAX_SEGMENTS];
	char		*decoded, **slot;
	int		 pn, i;

	if ((pn = split(pattern, pseg, plen)) != n)
		return 0;
	for (i = 0; i < n; i++) {
		if (pseg[i][0] == '{')
			continue;
		decoded = url_decode(seg[i], len[i], false);
		if (decoded == NULL)
			return -1;
		if (strlen(decoded) != plen[i] ||
		    strncmp(decoded, pseg[i], plen[i]) != 0) {
			free(decoded);
			return 0;
		}
		free(decoded);
	}
	for (i = 0; i < n; i++) {
		if (pseg[i][0] != '{')
			continue;
		slot = strncmp(pseg[i], "{project}", plen[i]) == 0 ? &m->project :
		    strncmp(pseg[i], "{app}", plen[i]) == 0 ? &m->app : &m->stream;
		free(*slot);
		if ((*slot = url_decode(seg[i], len[i], false)) == NULL)
			return -1;
	}
	return 1;
}

/* The path below the base path, with one trailing slash dropped. */
static char *
route_path(const char *path, const char *base)
{
	size_t	 blen = base ? strlen(base) : 0;
	size_t	 len;

	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if (blen > 0 && strncmp(path, base, blen) == 0 &&
	    (path[blen] == '/' || path[blen] == '\0'))
		path += blen;
	len = strlen(path);
	if (len > 1 && path[len - 1] == '/')
		len--;
	return strndup(path, len);
}

static const char *
allow_header(unsigned methods)
{
	static const char *const names[8] = {
		"", "GET", "POST", "GET, POST", "DELETE", "GET, DELETE",
		"POST, DELETE", "GET, POST, DELETE"
	};

	return names[methods & 7];
}

enum dis_err
router_match(const char *raw, const char *base, enum http_method method,
    struct route_match *m, const char **allow)
{
	const char	*seg[MAX_SEGMENTS];
	size_t		 len[MAX_SEGMENTS], i;
	unsigned	 methods = 0;
	char		*path;
	int		 n, r;

	memset(m, 0, sizeof(*m));
	*allow = NULL;
	if ((path = route_path(raw, base)) == NULL)
		return DIS_ERR_INTERNAL;
	n = split(path, seg, len);
	for (i = 0; n > 0 && i < NROUTES; i++) {
		if ((r = pattern_match(routes[i].pattern, n, seg, len, m)) < 0) {
			free(path);
			return DIS_ERR_INTERNAL;
		}
		if (r == 0)
			continue;
		methods |= routes[i].method;
		if (routes[i].method == (unsigned)method)
			m->route = &routes[i];
	}
	free(path);
	if (m->route != NULL)
		return DIS_OK;
	route_match_free(m);
	if (methods == 0)
		return DIS_ERR_NO_ROUTE;
	*allow = allow_header(methods);
	return DIS_ERR_METHOD;
}

void
route_match_free(struct route_match *m)
{
	free(m->project);
	free(m->app);
	free(m->stream);
	memset(m, 0, sizeof(*m));
}
