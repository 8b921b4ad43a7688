/*
 * handler_metrics.c: GET /metrics, and who may read it: a client whose
 * address (REMOTE_ADDR, which the web server sets) is in metrics_allow,
 * or one that sends metrics_token as "Authorization: Bearer <token>". The
 * API's credentials play no part either way: the route names no project,
 * so service.c checks none for it, and the metrics token is no credential
 * of the API (auth.c knows nothing of it).
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "handlers.h"
#include "metrics.h"

#define CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

struct addr {
	int		 family;
	unsigned char	 bytes[16];
};

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) counts as a.b.c.d. */
static bool
parse_addr(const char *text, struct addr *a)
{
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	if (inet_pton(AF_INET, text, a->bytes) == 1) {
		a->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, text, a->bytes) != 1)
		return false;
	a->family = AF_INET6;
	if (memcmp(a->bytes, mapped, sizeof(mapped)) == 0) {
		memmove(a->bytes, a->bytes + sizeof(mapped), 4);
		a->family = AF_INET;
	}
	return true;
}

static bool
same_prefix(const struct addr *x, const struct addr *y, long bits)
{
	size_t	 whole = (size_t)bits / 8;
	int	 rest = (int)(bits % 8);

	if (x->family != y->family || memcmp(x->bytes, y->bytes, whole) != 0)
		return false;
	return rest == 0 ||
	    ((x->bytes[whole] ^ y->bytes[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/*
 * Walks a metrics_allow list (ADDRESS or ADDRESS/BITS, separated by commas
 * or blanks): 1 when client (may be NULL) is in one of its networks, 0
 * when not, -1 at the first entry that is neither (*bad, *badlen: where).
 */
static int
allow_list_match(const char *list, const struct addr *client,
    const char **bad, size_t *badlen)
{
	char		 entry[INET6_ADDRSTRLEN + 8], *slash, *end;
	struct addr	 net;
	size_t		 n;
	long		 bits, max;
	int		 matched = 0;

	for (;; list += n) {
		list += strspn(list, ", \t");
		if ((n = strcspn(list, ", \t")) == 0)
			return matched;
		*bad = list;
		*badlen = n;
		if (n >= sizeof(entry))
			return -1;
		memcpy(entry, list, n);
		entry[n] = '\0';
		bits = -1;
		if ((slash = strchr(entry, '/')) != NULL) {
			*slash = '\0';
			bits = strtol(slash + 1, &end, 10);
			if (!isdigit((unsigned char)slash[1]) || *end != '\0')
				return -1;
		}
		if (!parse_addr(entry, &net))
			return -1;
		max = net.family == AF_INET ? 32 : 128;
		if (bits == -1)
			bits = max;
		else if (bits > max)
			return -1;
		if (client != NULL && same_prefix(client, &net, bits))
			matched = 1;
	}
}

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

static bool
allowed(const struct dis_config *cfg, const struct request *req)
{
	struct addr	 client;
	const char	*bad;
	size_t		 badlen;

	if (bearer_matches(cfg->metrics_token,
	    request_header(req, "authorization")))
		return true;
	return req->remote_addr != NULL && parse_addr(req->remote_addr, &client) &&
	    allow_list_match(cfg->metrics_allow, &client, &bad, &badlen) == 1;
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
	info.store = "sqlite";
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
	const char	*bad;
	size_t		 badlen;

	if (allow_list_match(cfg->metrics_allow, NULL, &bad, &badlen) == -1) {
		snprintf(err, errlen, "metrics_allow: \"%.*s\" is not an "
		    "address or address/bits", badlen > 64 ? 64 : (int)badlen,
		    bad);
		return -1;
	}
	metrics_enable(cfg->metrics);
	return 0;
}
