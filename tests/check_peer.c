/*
 * check_peer.c: the peer policy on real sockets. A table of allow lists,
 * listeners and client source addresses (all of 127/8 is loopback on
 * Linux, so 127.0.0.2 is another peer), the settings it refuses, threads
 * refusing at once (each peer logged once), and the uid check on a unix
 * socket.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <check.h>

#include "conf.h"
#include "peer.h"
#include "testutil.h"

static void
fill(struct sockaddr_storage *ss, socklen_t *len, const char *addr, int port)
{
	struct sockaddr_in	*in = (void *)ss;
	struct sockaddr_in6	*in6 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((unsigned short)port);
		*len = sizeof(*in);
		return;
	}
	ck_assert_int_eq(inet_pton(AF_INET6, addr, &in6->sin6_addr), 1);
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons((unsigned short)port);
	*len = sizeof(*in6);
}

/* Some containers run without IPv6; their IPv6 cases are skipped. */
static bool
have_ipv6(void)
{
	struct sockaddr_in6	 in6 = { .sin6_family = AF_INET6,
	    .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int			 fd = socket(AF_INET6, SOCK_STREAM, 0);
	bool			 ok;

	ok = fd != -1 && bind(fd, (struct sockaddr *)&in6, sizeof(in6)) == 0;
	if (fd != -1)
		close(fd);
	return ok;
}

/* A TCP listener on addr and a free port; *port says which. */
static int
listener(const char *addr, int *port)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd, no = 0;

	fill(&ss, &len, addr, 0);
	ck_assert_int_ne(fd = socket(ss.ss_family, SOCK_STREAM, 0), -1);
	/* Dual-stack, as a [::] listener is by default on Linux. */
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &no, sizeof(no));
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&ss, len), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	len = sizeof(ss);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	*port = ntohs(ss.ss_family == AF_INET ?
	    ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

/* Connects from source to to:port, accepts, and asks the policy. */
static bool
allowed_from(struct peer_policy *p, int lfd, const char *source,
    const char *to, int port)
{
	struct sockaddr_storage	 src, dst;
	socklen_t		 slen, dlen;
	int			 c, s;
	bool			 ok;

	fill(&src, &slen, source, 0);
	fill(&dst, &dlen, to, port);
	ck_assert_int_ne(c = socket(src.ss_family, SOCK_STREAM, 0), -1);
	ck_assert_int_eq(bind(c, (struct sockaddr *)&src, slen), 0);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&dst, dlen), 0);
	ck_assert_int_ne(s = accept(lfd, NULL, NULL), -1);
	ok = peer_allowed(p, s);
	close(s);
	close(c);
	return ok;
}

static struct peer_policy *
policy(const char *allow_addresses, const char *allow_users, int lfd,
    char *err, size_t errlen)
{
	struct dis_config	 c;
	struct peer_policy	*p;

	ck_assert_int_eq(conf_init(&c), 0);
	if (allow_addresses != NULL)
		ck_assert_int_eq(conf_set(&c, "allow_addresses",
		    allow_addresses, err, errlen), 0);
	if (allow_users != NULL)
		ck_assert_int_eq(conf_set(&c, "allow_users", allow_users, err,
		    errlen), 0);
	err[0] = '\0';
	p = peer_policy_new(&c, lfd, err, errlen);
	conf_free(&c);
	return p;
}

static const struct {
	const char	*allow;		/* allow_addresses; NULL unset */
	const char	*web_servers;	/* FCGI_WEB_SERVER_ADDRS; NULL unset */
	const char	*listen;
	const char	*source;
	const char	*to;		/* where the client connects */
	bool		 allowed;
} tcp_cases[] = {
	{ "127.0.0.1", NULL, "127.0.0.1", "127.0.0.1", "127.0.0.1", true },
	{ "127.0.0.1", NULL, "127.0.0.1", "127.0.0.2", "127.0.0.1", false },
	{ "127.0.0.0/31", NULL, "127.0.0.1", "127.0.0.1", "127.0.0.1", true },
	{ "127.0.0.0/31", NULL, "127.0.0.1", "127.0.0.2", "127.0.0.1", false },
	{ "127.0.0.0/9", NULL, "127.0.0.1", "127.127.255.254", "127.0.0.1", true },
	{ "127.0.0.0/9", NULL, "127.0.0.1", "127.128.0.1", "127.0.0.1", false },
	{ "0.0.0.0/0", NULL, "0.0.0.0", "127.9.9.9", "127.0.0.1", true },
	{ " 10.0.0.1 , 127.0.0.3 ,", NULL, "127.0.0.1", "127.0.0.3", "127.0.0.1", true },
	{ "::1", NULL, "::1", "::1", "::1", true },
	{ "::/127", NULL, "::1", "::1", "::1", true },
	{ "::2/128", NULL, "::1", "::1", "::1", false },
	{ "127.0.0.1", NULL, "::1", "::1", "::1", false },
	/* IPv4 on a dual-stack socket is matched as IPv4. */
	{ "127.0.0.1", NULL, "::", "127.0.0.1", "127.0.0.1", true },
	{ "127.0.0.1", NULL, "::", "127.0.0.2", "127.0.0.1", false },
	/* Loopback by default. */
	{ NULL, NULL, "127.0.0.1", "127.0.0.7", "127.0.0.1", true },
	{ NULL, NULL, "::1", "::1", "::1", true },
	/* libfcgi's variable, and allow_addresses over it. */
	{ NULL, "127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1", true },
	{ NULL, "127.0.0.1", "127.0.0.1", "127.0.0.2", "127.0.0.1", false },
	{ NULL, "127.0.0.1", "0.0.0.0", "127.0.0.1", "127.0.0.1", true },
	{ "127.0.0.2", "127.0.0.1", "127.0.0.1", "127.0.0.2", "127.0.0.1", true },
	{ "127.0.0.2", "127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1", false },
};

START_TEST(test_tcp)
{
	struct peer_policy	*p;
	char			 err[256];
	int			 lfd, port;

	if (strchr(tcp_cases[_i].listen, ':') != NULL && !have_ipv6())
		return;
	if (tcp_cases[_i].web_servers != NULL)
		setenv("FCGI_WEB_SERVER_ADDRS", tcp_cases[_i].web_servers, 1);
	else
		unsetenv("FCGI_WEB_SERVER_ADDRS");
	lfd = listener(tcp_cases[_i].listen, &port);
	p = policy(tcp_cases[_i].allow, NULL, lfd, err, sizeof(err));
	ck_assert_msg(p != NULL, "case %d: %s", _i, err);
	ck_assert_msg(allowed_from(p, lfd, tcp_cases[_i].source,
	    tcp_cases[_i].to, port) == tcp_cases[_i].allowed, "case %d", _i);
	/* The answer stays the same once the refusal was logged. */
	ck_assert(allowed_from(p, lfd, tcp_cases[_i].source,
	    tcp_cases[_i].to, port) == tcp_cases[_i].allowed);
	peer_policy_free(p);
	close(lfd);
}
END_TEST

static const struct {
	const char	*allow;
	const char	*users;
	const char	*listen;
	const char	*key;		/* the error must name it */
} bad_cases[] = {
	{ NULL, NULL, "0.0.0.0", "allow_addresses" },
	{ NULL, NULL, "::", "allow_addresses" },
	{ "1.2.3.4/33", NULL, "127.0.0.1", "allow_addresses" },
	{ "::1/129", NULL, "127.0.0.1", "allow_addresses" },
	{ "1.2.3", NULL, "127.0.0.1", "allow_addresses" },
	{ "localhost", NULL, "127.0.0.1", "allow_addresses" },
	{ "/8", NULL, "127.0.0.1", "allow_addresses" },
	{ "1.2.3.4/", NULL, "127.0.0.1", "allow_addresses" },
	{ "1.2.3.4/-1", NULL, "127.0.0.1", "allow_addresses" },
	{ "1.2.3.4/+8", NULL, "127.0.0.1", "allow_addresses" },
	{ " , ", NULL, "127.0.0.1", "allow_addresses" },
	{ "127.0.0.1", "root", "127.0.0.1", "allow_users" },
};

START_TEST(test_bad_settings)
{
	struct peer_policy	*p;
	char			 err[256];
	int			 lfd, port;

	if (strchr(bad_cases[_i].listen, ':') != NULL && !have_ipv6())
		return;
	unsetenv("FCGI_WEB_SERVER_ADDRS");
	lfd = listener(bad_cases[_i].listen, &port);
	p = policy(bad_cases[_i].allow, bad_cases[_i].users, lfd, err,
	    sizeof(err));
	ck_assert_msg(p == NULL, "case %d was accepted", _i);
	ck_assert_msg(strstr(err, bad_cases[_i].key) != NULL, "case %d: %s",
	    _i, err);
	close(lfd);
}
END_TEST

/* A bad FCGI_WEB_SERVER_ADDRS is named as such. */
START_TEST(test_bad_web_server_addrs)
{
	char	 err[256];
	int	 lfd, port;

	setenv("FCGI_WEB_SERVER_ADDRS", "127.0.0.1,not-an-address", 1);
	lfd = listener("127.0.0.1", &port);
	ck_assert_ptr_null(policy(NULL, NULL, lfd, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "FCGI_WEB_SERVER_ADDRS"));
	ck_assert_ptr_nonnull(strstr(err, "not-an-address"));
	close(lfd);
}
END_TEST

/* Threads refusing peers at once: each refused address logged once. */
struct refuser {
	struct peer_policy	*p;
	int			 lfd, port, allowed;
};

static void *
refuse_many(void *arg)
{
	struct refuser	*r = arg;
	int		 i;

	for (i = 0; i < 40; i++)
		r->allowed += allowed_from(r->p, r->lfd,
		    i % 2 ? "127.0.0.2" : "127.0.0.3", "127.0.0.1", r->port);
	return NULL;
}

START_TEST(test_logged_once)
{
	struct peer_policy	*p;
	struct refuser		 r[8];
	pthread_t		 t[8];
	char			*dir = tmpdir_create(), *path;
	char			 err[256], line[512];
	FILE			*f;
	int			 lfd, port, saved, i, lines = 0;

	path = path_join(dir, "log");

	unsetenv("FCGI_WEB_SERVER_ADDRS");
	lfd = listener("127.0.0.1", &port);
	fflush(stderr);
	saved = dup(2);
	ck_assert_ptr_nonnull(f = fopen(path, "w+"));
	dup2(fileno(f), 2);
	ck_assert_ptr_nonnull(p = policy("127.0.0.1", NULL, lfd, err,
	    sizeof(err)));
	for (i = 0; i < 8; i++) {
		r[i].p = p;
		r[i].lfd = lfd;
		r[i].port = port;
		r[i].allowed = 0;
	}
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, refuse_many,
		    &r[i]), 0);
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(r[i].allowed, 0);
	}
	dup2(saved, 2);
	close(saved);
	rewind(f);
	while (fgets(line, sizeof(line), f) != NULL)
		lines += strstr(line, "refused 127.0.0.") != NULL;
	fclose(f);
	ck_assert_int_eq(lines, 2);
	peer_policy_free(p);
	close(lfd);
	free(path);
	tmpdir_remove(dir);
}
END_TEST

/* The uid check on a unix socket: this process connects to itself. */
static bool
unix_allowed(const char *users, char *err, size_t errlen, bool *built)
{
	struct sockaddr_un	 sun;
	struct peer_policy	*p;
	char			*dir = tmpdir_create(), *path;
	int			 lfd, c, s;
	bool			 ok = false;

	path = path_join(dir, "s");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ck_assert_int_ne(lfd = socket(AF_UNIX, SOCK_STREAM, 0), -1);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(lfd, 8), 0);
	p = policy(NULL, users, lfd, err, errlen);
	if ((*built = p != NULL)) {
		ck_assert_int_ne(c = socket(AF_UNIX, SOCK_STREAM, 0), -1);
		ck_assert_int_eq(connect(c, (struct sockaddr *)&sun,
		    sizeof(sun)), 0);
		ck_assert_int_ne(s = accept(lfd, NULL, NULL), -1);
		ok = peer_allowed(p, s);
		close(s);
		close(c);
	}
	peer_policy_free(p);
	close(lfd);
	free(path);
	tmpdir_remove(dir);
	return ok;
}

START_TEST(test_unix_users)
{
	char	 err[256], me[32], others[64];
	bool	 built;

	snprintf(me, sizeof(me), "%lu", (unsigned long)getuid());
	snprintf(others, sizeof(others), "%lu, %lu", (unsigned long)getuid() + 1,
	    (unsigned long)getuid());
	ck_assert(unix_allowed(NULL, err, sizeof(err), &built) && built);
	ck_assert(unix_allowed(me, err, sizeof(err), &built) && built);
	ck_assert(unix_allowed(others, err, sizeof(err), &built) && built);
	snprintf(others, sizeof(others), "%lu", (unsigned long)getuid() + 1);
	ck_assert(!unix_allowed(others, err, sizeof(err), &built) && built);
	ck_assert(!unix_allowed("no-such-user-here", err, sizeof(err), &built));
	ck_assert(!built);
	ck_assert_ptr_nonnull(strstr(err, "allow_users"));
	ck_assert(!unix_allowed("4294967295", err, sizeof(err), &built));
	ck_assert(!built);
	ck_assert(!unix_allowed(",", err, sizeof(err), &built));
	ck_assert(!built);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("peer");
	TCase	*tc = tcase_create("peer");

	tcase_add_loop_test(tc, test_tcp, 0,
	    (int)(sizeof(tcp_cases) / sizeof(tcp_cases[0])));
	tcase_add_loop_test(tc, test_bad_settings, 0,
	    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_bad_web_server_addrs);
	tcase_add_test(tc, test_logged_once);
	tcase_add_test(tc, test_unix_users);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
