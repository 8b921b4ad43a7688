/*
 * peer.c: the peer policy. It owns the allow lists (addresses and ranges
 * for a TCP listener, uids for a unix socket), the rule that a listener on
 * a non-loopback address needs an explicit list, and the table of refused
 * peers already logged.
 *
 * A refused peer is only named in the log; nothing is read from it. The
 * table of refusals is bounded: a flood from many sources logs at most
 * REFUSALS_LOGGED lines and one line saying it stopped.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include "log.h"
#include "peer.h"
#include "text.h"

#define REFUSALS_LOGGED	256
#define WEB_SERVER_ADDRS	"FCGI_WEB_SERVER_ADDRS"

/* An address or a CIDR range; IPv4 peers on an IPv6 socket match as IPv4. */
struct rule {
	int		 family;
	unsigned char	 addr[16];
	unsigned	 bits;
};

/* A refused peer: an address, or (family AF_UNIX) a uid in addr. */
struct refusal {
	int		 family;
	unsigned char	 addr[16];
};

struct peer_policy {
	bool		 tcp;
	struct rule	*rules;		/* TCP: who may connect */
	size_t		 nrules;
	const char	*why;		/* what a refused address is not in */
	uid_t		*uids;		/* unix: NULL, anyone the file lets in */
	size_t		 nuids;
	pthread_mutex_t	 lock;		/* guards the refusals */
	struct refusal	 refused[REFUSALS_LOGGED];
	size_t		 nrefused;
	bool		 stopped_logging;
};

static const struct rule loopback[] = {
	{ AF_INET, { 127 }, 8 },
	{ AF_INET6, { [15] = 1 }, 128 },
};
#define NLOOPBACK	(sizeof(loopback) / sizeof(loopback[0]))

static bool
rule_matches(const struct rule *r, int family, const unsigned char *addr)
{
	unsigned	 whole = r->bits / 8, rest = r->bits % 8;
	unsigned char	 mask = (unsigned char)(0xff << (8 - rest));

	return r->family == family && memcmp(r->addr, addr, whole) == 0 &&
	    (rest == 0 || ((r->addr[whole] ^ addr[whole]) & mask) == 0);
}

static bool
any_matches(const struct rule *rules, size_t n, int family,
    const unsigned char *addr)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (rule_matches(&rules[i], family, addr))
			return true;
	return false;
}

/* The family and bytes of an address; AF_UNSPEC for anything but IP. */
static int
address_of(const struct sockaddr_storage *ss, unsigned char addr[16],
    unsigned *port)
{
	const struct sockaddr_in	*in = (const void *)ss;
	const struct sockaddr_in6	*in6 = (const void *)ss;

	memset(addr, 0, 16);
	if (ss->ss_family == AF_INET) {
		memcpy(addr, &in->sin_addr, 4);
		*port = ntohs(in->sin_port);
		return AF_INET;
	}
	if (ss->ss_family != AF_INET6)
		return AF_UNSPEC;
	*port = ntohs(in6->sin6_port);
	if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
		memcpy(addr, in6->sin6_addr.s6_addr + 12, 4);
		return AF_INET;
	}
	memcpy(addr, &in6->sin6_addr, 16);
	return AF_INET6;
}

/* The next non-empty item of a comma list, trimmed; NULL at the end. */
static char *
next_item(char **cursor)
{
	char	*item;

	while ((item = strsep(cursor, ",")) != NULL)
		if (*(item = text_trim(item)) != '\0')
			return item;
	return NULL;
}

static size_t
count_items(const char *list)
{
	size_t	 n = 1;

	for (; *list != '\0'; list++)
		n += *list == ',';
	return n;
}

static bool
is_set(const char *value)
{
	if (value == NULL)
		return false;
	while (isspace((unsigned char)*value))
		value++;
	return *value != '\0';
}

static int
parse_rule(char *item, struct rule *r)
{
	char		*slash = strchr(item, '/'), *end;
	unsigned	 max = 0;
	long		 bits;
	int		 rc = -1;

	if (slash != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, item, r->addr) == 1) {
		r->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, item, r->addr) == 1) {
		r->family = AF_INET6;
		max = 128;
	}
	r->bits = max;
	if (max > 0 && slash == NULL)
		rc = 0;
	else if (max > 0) {
		errno = 0;
		bits = strtol(slash + 1, &end, 10);
		if (isdigit((unsigned char)slash[1]) && *end == '\0' &&
		    errno == 0 && bits >= 0 && bits <= (long)max) {
			r->bits = (unsigned)bits;
			rc = 0;
		}
	}
	/* Whole again, for the error message. */
	if (slash != NULL)
		*slash = '/';
	return rc;
}

/* name is the setting the list came from, for the error. */
static int
parse_rules(struct peer_policy *p, const char *list, const char *name,
    char *err, size_t errlen)
{
	char	*copy, *cursor, *item;
	int	 rc = 0;

	if ((copy = cursor = strdup(list)) == NULL ||
	    (p->rules = calloc(count_items(list), sizeof(*p->rules))) == NULL) {
		free(copy);
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	while (rc == 0 && (item = next_item(&cursor)) != NULL) {
		if (parse_rule(item, &p->rules[p->nrules]) == 0)
			p->nrules++;
		else {
			snprintf(err, errlen, "%s: \"%s\" is not an IPv4 or "
			    "IPv6 address or ADDRESS/BITS range", name, item);
			rc = -1;
		}
	}
	free(copy);
	if (rc == 0 && p->nrules == 0) {
		snprintf(err, errlen, "%s: no address in \"%s\"", name, list);
		rc = -1;
	}
	return rc;
}

static int
parse_user(const char *item, uid_t *uid)
{
	const struct passwd	*pw;
	unsigned long long	 n;
	char			*end;

	if (isdigit((unsigned char)*item)) {
		errno = 0;
		n = strtoull(item, &end, 10);
		if (*end != '\0' || errno != 0 || n >= (uid_t)-1)
			return -1;
		*uid = (uid_t)n;
		return 0;
	}
	/* At start, before any thread: getpwnam's static answer is safe. */
	if ((pw = getpwnam(item)) == NULL)
		return -1;
	*uid = pw->pw_uid;
	return 0;
}

static int
parse_users(struct peer_policy *p, const char *list, char *err,
    size_t errlen)
{
	char	*copy, *cursor, *item;
	int	 rc = 0;

	if ((copy = cursor = strdup(list)) == NULL ||
	    (p->uids = calloc(count_items(list), sizeof(*p->uids))) == NULL) {
		free(copy);
		snprintf(err, errlen, "allow_users: out of memory");
		return -1;
	}
	while (rc == 0 && (item = next_item(&cursor)) != NULL) {
		if (parse_user(item, &p->uids[p->nuids]) == 0)
			p->nuids++;
		else {
			snprintf(err, errlen, "allow_users: \"%s\" is no user "
			    "name or uid", item);
			rc = -1;
		}
	}
	free(copy);
	if (rc == 0 && p->nuids == 0) {
		snprintf(err, errlen, "allow_users: no user in \"%s\"", list);
		rc = -1;
	}
	return rc;
}

/*
 * allow_addresses wins over FCGI_WEB_SERVER_ADDRS: it is this program's
 * own setting, and can itself come from the environment
 * (DIS_CHECKPOINT_ALLOW_ADDRESSES) when the launcher passes nothing else.
 */
static int
tcp_rules(struct peer_policy *p, const struct dis_config *cfg,
    const struct sockaddr_storage *local, char *err, size_t errlen)
{
	const char	*env = getenv(WEB_SERVER_ADDRS);
	unsigned char	 addr[16];
	char		 shown[INET6_ADDRSTRLEN];
	unsigned	 port;
	int		 family = address_of(local, addr, &port);

	if (is_set(cfg->allow_users)) {
		snprintf(err, errlen, "allow_users: the listener is TCP, whose "
		    "peers have no user; use allow_addresses");
		return -1;
	}
	if (is_set(cfg->allow_addresses)) {
		if (is_set(env))
			log_message("%s is ignored: allow_addresses is set",
			    WEB_SERVER_ADDRS);
		p->why = "not in allow_addresses";
		return parse_rules(p, cfg->allow_addresses, "allow_addresses",
		    err, errlen);
	}
	if (is_set(env)) {
		p->why = "not in " WEB_SERVER_ADDRS;
		return parse_rules(p, env, WEB_SERVER_ADDRS, err, errlen);
	}
	if (!any_matches(loopback, NLOOPBACK, family, addr)) {
		inet_ntop(family, addr, shown, sizeof(shown));
		snprintf(err, errlen, "listening on %s port %u, not a loopback "
		    "address: set allow_addresses (or FCGI_WEB_SERVER_ADDRS) "
		    "to the addresses that may connect", shown, port);
		return -1;
	}
	p->why = "not loopback (the default without allow_addresses)";
	if ((p->rules = malloc(sizeof(loopback))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(p->rules, loopback, sizeof(loopback));
	p->nrules = NLOOPBACK;
	return 0;
}

/*
 * An inherited unix socket has the mode its launcher gave it (a systemd
 * unit without SocketMode=, spawn-fcgi -M 0666): world-writable and no
 * allow_users lets every local user in, which is worth a line at start.
 */
static void
warn_if_open_to_all(const struct sockaddr_storage *local, socklen_t len)
{
	const struct sockaddr_un	*sun = (const void *)local;
	struct stat			 st;

	/* An abstract or unnamed socket has no file to look at. */
	if (local->ss_family != AF_UNIX ||
	    len <= offsetof(struct sockaddr_un, sun_path) ||
	    sun->sun_path[0] == '\0')
		return;
	if (stat(sun->sun_path, &st) == 0 && (st.st_mode & S_IWOTH) != 0)
		log_message("WARNING: %s is world-writable: every local user "
		    "can talk to the service; make it 0660 with the web "
		    "server's group, or set allow_users", sun->sun_path);
}

struct peer_policy *
peer_policy_new(const struct dis_config *cfg, int listen_fd, char *err,
    size_t errlen)
{
	struct peer_policy	*p;
	struct sockaddr_storage	 local;
	socklen_t		 len = sizeof(local);
	int			 rc = 0;

	/* Zeroed: a unix path that fills sun_path still ends in a NUL. */
	memset(&local, 0, sizeof(local));
	if (getsockname(listen_fd, (struct sockaddr *)&local, &len) == -1) {
		snprintf(err, errlen, "the listening socket: %s",
		    strerror(errno));
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	p->tcp = local.ss_family == AF_INET || local.ss_family == AF_INET6;
	if (p->tcp)
		rc = tcp_rules(p, cfg, &local, err, errlen);
	else if (is_set(cfg->allow_users))
		rc = parse_users(p, cfg->allow_users, err, errlen);
	else
		warn_if_open_to_all(&local, len);
	if (rc != 0) {
		peer_policy_free(p);
		return NULL;
	}
	return p;
}

/*
 * Logs a refusal unless this peer was logged before. The line is written
 * outside the lock: a slow log must not hold up other threads' checks.
 */
static void
log_refusal(struct peer_policy *p, const struct refusal *r, const char *who,
    const char *why)
{
	size_t	 i;
	bool	 seen = false, last = false;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < p->nrefused && !seen; i++)
		seen = p->refused[i].family == r->family &&
		    memcmp(p->refused[i].addr, r->addr, sizeof(r->addr)) == 0;
	if (!seen && p->nrefused < REFUSALS_LOGGED)
		p->refused[p->nrefused++] = *r;
	else if (!seen) {
		seen = p->stopped_logging;
		last = p->stopped_logging = true;
	}
	pthread_mutex_unlock(&p->lock);
	if (seen)
		return;
	if (last)
		log_message("refused %s: %s; %d refused peers logged, no more "
		    "will be", who, why, REFUSALS_LOGGED);
	else
		log_message("refused %s: %s (logged once)", who, why);
}

static bool
tcp_peer_allowed(struct peer_policy *p, int fd)
{
	struct sockaddr_storage	 peer;
	socklen_t		 len = sizeof(peer);
	struct refusal		 r;
	char			 shown[INET6_ADDRSTRLEN];
	unsigned		 port;

	/* A peer already gone (ENOTCONN) has nothing to be served. */
	if (getpeername(fd, (struct sockaddr *)&peer, &len) == -1)
		return false;
	r.family = address_of(&peer, r.addr, &port);
	if (any_matches(p->rules, p->nrules, r.family, r.addr))
		return true;
	if (inet_ntop(r.family, r.addr, shown, sizeof(shown)) == NULL)
		snprintf(shown, sizeof(shown), "address family %d",
		    peer.ss_family);
	log_refusal(p, &r, shown, p->why);
	return false;
}

static bool
unix_peer_allowed(struct peer_policy *p, int fd)
{
	struct ucred	 cred;
	socklen_t	 len = sizeof(cred);
	struct refusal	 r;
	char		 who[32];
	size_t		 i;

	if (p->uids == NULL)
		return true;
	/* A uid of -1 names no user: the refusal of unknown peers. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		cred.uid = (uid_t)-1;
	for (i = 0; i < p->nuids; i++)
		if (p->uids[i] == cred.uid)
			return true;
	memset(&r, 0, sizeof(r));
	r.family = AF_UNIX;
	memcpy(r.addr, &cred.uid, sizeof(cred.uid));
	if (cred.uid == (uid_t)-1)
		snprintf(who, sizeof(who), "a peer of unknown uid");
	else
		snprintf(who, sizeof(who), "uid %lu", (unsigned long)cred.uid);
	log_refusal(p, &r, who, "not in allow_users");
	return false;
}

bool
peer_allowed(struct peer_policy *p, int fd)
{
	return p->tcp ? tcp_peer_allowed(p, fd) : unix_peer_allowed(p, fd);
}

void
peer_policy_free(struct peer_policy *p)
{
	if (p == NULL)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p->rules);
	free(p->uids);
	free(p);
}
