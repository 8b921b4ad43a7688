/*
 * handler_metrics.c: GET /metrics, and who may read it: a client whose
 * address (REMOTE_ADDR, which the web server sets) is in metrics_allow,
 * or one that sends metrics_token as "Authorization: Bearer <token>". The
 * API's credentials play no part either way: the route names no project,
 * so service.c checks none for it, and the metrics token is no credential
 * of the API (auth.c knows nothing of it).
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "addrlist.h"
#include "handlers.h"
#include "metrics.h"

#define CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/* The token compared in constant time; none configured opens nothing. */
static bool
bearer_matches(const char *want, const char *authorization)
{
	size_t	 len;

	if (want == NULL || *want == '\0' || authorization == NULL ||
	    strncasecmp(authorization, "Bearer ", 7) != 0)
		return false;
	authorization += 7;
	authorization += strspn(authorization, " ");
	len = strlen(want);
	return strlen(authorization) == len &&
	    CRYPTO_memcmp(authorization, want, len) == 0;
}

/*
 * The list is parsed again for each request: /metrics is scraped seldom,
 * and metrics_setup already refused a bad one. Out of memory opens nothing.
 */
static bool
allowed(const struct dis_config *cfg, const struct request *req)
{
	struct addrlist	 list;
	struct ipaddr	 client;
	const char	*bad;
	size_t		 badlen;
	bool		 in;

	if (bearer_matches(cfg->metrics_token,
	    request_header(req, "authorization")))
		return true;
	if (req->remote_addr == NULL ||
	    !ipaddr_from_text(req->remote_addr, &client) ||
	    addrlist_parse(cfg->metrics_allow, &list, &bad, &badlen) == -1)
		return false;
	in = addrlist_match(&list, &client);
	addrlist_free(&list);
	return in;
}

/*
 * The file and its -wal, by stat(2) alone: opening and closing the file
 * here would drop the POSIX locks this process's SQLite connections hold.
 */
static long long
database_bytes(const char *path)
{
	char		 wal[PATH_MAX];
	struct stat	 st;
	long long	 n;

	if (stat(path, &st) == -1)
		return -1;
	n = st.st_size;
	if (snprintf(wal, sizeof(wal), "%s-wal", path) < (int)sizeof(wal) &&
	    stat(wal, &st) == 0)
		n += st.st_size;
	return n;
}

void
handle_metrics(struct service *svc, struct call *call, struct response *resp)
{
	struct metrics_info	 info;
	char			*text;
	size_t			 len;

	if (!allowed(svc->cfg, call->request)) {
		response_error(resp, DIS_ERR_RBAC, "metrics: open only to the "
		    "addresses in metrics_allow, or with metrics_token");
		return;
	}
	info.version = PACKAGE_VERSION;
	info.store = store_kind(svc->cfg->database);
	info.database_bytes = database_bytes(svc->cfg->database);
	if ((text = metrics_render(&info, &len)) == NULL) {
		response_error(resp, DIS_ERR_INTERNAL, NULL);
		return;
	}
	response_text(resp, 200, CONTENT_TYPE, text);
}

int
metrics_setup(const struct dis_config *cfg, char *err, size_t errlen)
{
	struct addrlist	 list;
	const char	*bad;
	size_t		 badlen;

	if (addrlist_parse(cfg->metrics_allow, &list, &bad, &badlen) == -1) {
		if (bad == NULL)
			snprintf(err, errlen, "metrics_allow: out of memory");
		else
			snprintf(err, errlen, "metrics_allow: \"%.*s\" is not "
			    "an address or address/bits",
			    badlen > 64 ? 64 : (int)badlen, bad);
		return -1;
	}
	addrlist_free(&list);
	metrics_enable(cfg->metrics);
	return 0;
}
