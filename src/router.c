/*
 * router.c: the route table and its matcher. Routing starts from the raw
 * REQUEST_URI path, so it does not depend on how a server splits
 * SCRIPT_NAME and PATH_INFO. Each segment is decoded on its own: "%2F"
 * inside a name stays inside that segment and fails its validator. The
 * segments are decoded once and every pattern is compared with them; only
 * the chosen route's captures are copied out.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "router.h"

static const struct route routes[] = {
	{ "/v2/{project}/checkpoints", METHOD_POST, handle_add_checkpoint, true, true, false },
	{ "/v2/{project}/checkpoints", METHOD_GET, handle_query_checkpoint, false, true, false },
	{ "/v2/{project}/checkpoints", METHOD_DELETE, handle_delete_checkpoint, false, true, false },
	{ "/v2/{project}/apps", METHOD_POST, handle_create_app, true, true, false },
	{ "/v2/{project}/apps", METHOD_GET, handle_list_apps, false, true, false },
	{ "/v2/{project}/apps/{app}", METHOD_GET, handle_describe_app, false, true, false },
	{ "/v2/{project}/apps/{app}", METHOD_DELETE, handle_delete_app, false, true, false },
	{ "/v2/{project}/apps/{app}/streams/{stream}", METHOD_GET,
	    handle_consumption_state, false, true, false },
	{ "/health", METHOD_GET, handle_health, false, false, false },
	{ "/metrics", METHOD_GET, handle_metrics, false, false, true },
};

#define NROUTES	(sizeof(routes) / sizeof(routes[0]))
_Static_assert(NROUTES <= ROUTER_MAX_ROUTES, "raise ROUTER_MAX_ROUTES");
#define MAX_SEGMENTS	8

/*
 * Splits the len bytes at path (after their leading '/') into segments;
 * -1 on "//" or too many.
 */
static int
split(const char *path, size_t len, const char *seg[], size_t seglen[])
{
	const char	*end = path + len, *slash;
	int		 n = 0;

	if (len == 0 || *path++ != '/')
		return -1;
	for (;;) {
		if ((slash = memchr(path, '/', (size_t)(end - path))) == NULL)
			slash = end;
		if (slash == path || n == MAX_SEGMENTS)
			return -1;
		seg[n] = path;
		seglen[n++] = (size_t)(slash - path);
		if (slash == end)
			return n;
		path = slash + 1;
	}
}

/* True when the route's literal segments equal the decoded ones. */
static bool
pattern_match(const char *pattern, int n, char *const decoded[])
{
	const char	*pseg[MAX_SEGMENTS];
	size_t		 plen[MAX_SEGMENTS];
	int		 i;

	if (split(pattern, strlen(pattern), pseg, plen) != n)
		return false;
	for (i = 0; i < n; i++)
		if (pseg[i][0] != '{' && (strlen(decoded[i]) != plen[i] ||
		    strncmp(decoded[i], pseg[i], plen[i]) != 0))
			return false;
	return true;
}

static int
capture(const struct route *route, char *const decoded[], struct route_match *m)
{
	const char	*pseg[MAX_SEGMENTS];
	size_t		 plen[MAX_SEGMENTS];
	char		**slot;
	int		 i, n = split(route->pattern, strlen(route->pattern),
			    pseg, plen);

	for (i = 0; i < n; i++) {
		if (pseg[i][0] != '{')
			continue;
		slot = strncmp(pseg[i], "{project}", plen[i]) == 0 ? &m->project :
		    strncmp(pseg[i], "{app}", plen[i]) == 0 ? &m->app : &m->stream;
		if ((*slot = strdup(decoded[i])) == NULL)
			return -1;
	}
	return 0;
}

/* The path below the base path, with one trailing slash dropped. */
static size_t
route_path(const char **path, const char *base)
{
	size_t	 blen = base ? strlen(base) : 0;
	size_t	 len;

	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if (blen > 0 && strncmp(*path, base, blen) == 0 &&
	    ((*path)[blen] == '/' || (*path)[blen] == '\0'))
		*path += blen;
	len = strlen(*path);
	if (len > 1 && (*path)[len - 1] == '/')
		len--;
	return len;
}

/* Decodes every segment once, into one block: -1 when out of memory. */
static int
decode_segments(int n, const char *seg[], const size_t len[], char *decoded[],
    char **block)
{
	size_t	 total = 0;
	char	*at;
	int	 i;

	for (i = 0; i < n; i++)
		total += len[i] + 1;
	if ((*block = at = malloc(total > 0 ? total : 1)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		decoded[i] = at;
		at = url_decode_into(at, seg[i], len[i], false) + 1;
	}
	return 0;
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
    bool metrics, struct route_match *m, const char **allow)
{
	const char	*seg[MAX_SEGMENTS], *path = raw;
	char		*decoded[MAX_SEGMENTS], *block = NULL;
	size_t		 len[MAX_SEGMENTS], i;
	unsigned	 methods = 0;
	int		 n;

	memset(m, 0, sizeof(*m));
	*allow = NULL;
	n = split(path, route_path(&path, base), seg, len);
	if (n > 0 && decode_segments(n, seg, len, decoded, &block) == -1)
		return DIS_ERR_INTERNAL;
	for (i = 0; n > 0 && i < NROUTES; i++) {
		if ((routes[i].metrics && !metrics) ||
		    !pattern_match(routes[i].pattern, n, decoded))
			continue;
		methods |= routes[i].method;
		if (routes[i].method == (unsigned)method)
			m->route = &routes[i];
	}
	if (m->route != NULL && capture(m->route, decoded, m) == -1) {
		route_match_free(m);
		free(block);
		return DIS_ERR_INTERNAL;
	}
	free(block);
	if (m->route != NULL)
		return DIS_OK;
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

size_t
route_index(const struct route *route)
{
	return (size_t)(route - routes);
}

const struct route *
router_route(size_t i)
{
	return i < NROUTES ? &routes[i] : NULL;
}
