/*
 * check_addrlist.c: the address-list module alone. Which lists parse (and
 * into how many entries), which are refused and which entry the error
 * points at, the prefix edges of every width, IPv4-mapped IPv6 as IPv4
 * from text and from a socket address, and the loopback default.
 * check_peer.c and check_metrics.c test the settings built on it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <check.h>

#include "addrlist.h"
#include "testutil.h"

static const struct {
	const char	*list;
	size_t		 n;
} good_cases[] = {
	{ "", 0 },
	{ " , ,\t", 0 },
	{ ",,10.0.0.1,,", 1 },
	{ "10.0.0.0/8, ::1\t192.0.2.0/24 2001:db8::/32", 4 },
	{ "0.0.0.0/0", 1 },
	{ "::/0", 1 },
	{ "1.2.3.4/32", 1 },
	{ "::1/128", 1 },
	{ "::ffff:10.0.0.1", 1 },
	{ "10.0.0.0/010", 1 },		/* decimal, not octal */
	{ ADDRLIST_LOOPBACK, 2 },
};

START_TEST(test_parses)
{
	struct addrlist	 al;
	const char	*bad = "unset";
	size_t		 badlen = 99;

	ck_assert_msg(addrlist_parse(good_cases[_i].list, &al, &bad,
	    &badlen) == 0, "\"%s\" refused at \"%.*s\"", good_cases[_i].list,
	    (int)badlen, bad);
	ck_assert_uint_eq(al.n, good_cases[_i].n);
	ck_assert_ptr_null(bad);
	addrlist_free(&al);
	ck_assert_uint_eq(al.n, 0);
	addrlist_free(&al);		/* twice is allowed */
}
END_TEST

static const struct {
	const char	*list;
	const char	*bad;		/* the entry the error points at */
} bad_cases[] = {
	{ "1.2.3.4/33", "1.2.3.4/33" },
	{ "::1/129", "::1/129" },
	{ "::ffff:10.0.0.0/104", "::ffff:10.0.0.0/104" },  /* IPv4: max 32 */
	{ "1.2.3.4/99999999999999999999", "1.2.3.4/99999999999999999999" },
	{ "256.1.1.1", "256.1.1.1" },
	{ "1.2.3.-1", "1.2.3.-1" },
	{ "1.2.3", "1.2.3" },
	{ "1.2.3.4.5", "1.2.3.4.5" },
	{ "localhost", "localhost" },
	{ "[::1]", "[::1]" },
	{ "/8", "/8" },
	{ "1.2.3.4/", "1.2.3.4/" },
	{ "1.2.3.4/ 8", "1.2.3.4/" },	/* a blank ends the entry */
	{ "1.2.3.4/-1", "1.2.3.4/-1" },
	{ "1.2.3.4/+8", "1.2.3.4/+8" },
	{ "1.2.3.4/8x", "1.2.3.4/8x" },
	{ "1.2.3.4/8/8", "1.2.3.4/8/8" },
	{ "127.0.0.1, 300.1.1.1 ,::1", "300.1.1.1" },
	{ "::1 host ::2", "host" },
	{ "1111:2222:3333:4444:5555:6666:7777:8888:9999/128",
	    "1111:2222:3333:4444:5555:6666:7777:8888:9999/128" },
};

START_TEST(test_refuses)
{
	struct addrlist	 al;
	const char	*bad;
	size_t		 badlen;
	const char	*list = bad_cases[_i].list;

	al.n = 42;
	ck_assert_msg(addrlist_parse(list, &al, &bad, &badlen) == -1,
	    "\"%s\" accepted", list);
	ck_assert_uint_eq(al.n, 0);
	ck_assert_ptr_null(al.rules);
	/* Inside the list, not a copy: the caller quotes it in its error. */
	ck_assert(bad >= list && bad + badlen <= list + strlen(list));
	ck_assert_msg(badlen == strlen(bad_cases[_i].bad) &&
	    strncmp(bad, bad_cases[_i].bad, badlen) == 0,
	    "\"%s\": pointed at \"%.*s\"", list, (int)badlen, bad);
}
END_TEST

static const struct {
	const char	*list;
	const char	*addr;		/* as text, e.g. REMOTE_ADDR */
	bool		 in;
} match_cases[] = {
	{ "0.0.0.0/0", "0.0.0.0", true },
	{ "0.0.0.0/0", "255.255.255.255", true },
	{ "0.0.0.0/0", "::1", false },		/* /0 stays in its family */
	{ "::/0", "2001:db8::1", true },
	{ "::/0", "10.0.0.1", false },
	{ "::/0", "::ffff:10.0.0.1", false },	/* that is IPv4 */
	{ "1.2.3.4/32", "1.2.3.4", true },
	{ "1.2.3.4/32", "1.2.3.5", false },
	{ "1.2.3.4", "1.2.3.4", true },
	{ "1.2.3.4", "1.2.3.3", false },
	{ "10.0.0.0/31", "10.0.0.1", true },
	{ "10.0.0.0/31", "10.0.0.2", false },
	{ "10.0.0.0/9", "10.127.255.255", true },
	{ "10.0.0.0/9", "10.128.0.0", false },
	{ "10.1.0.0/16", "10.1.255.255", true },
	{ "10.1.0.0/16", "10.2.0.0", false },
	/* Host bits in the entry are ignored past its width. */
	{ "10.1.2.3/8", "10.200.0.1", true },
	{ "::1/128", "::1", true },
	{ "::1/128", "::", false },
	{ "::/127", "::1", true },
	{ "::/127", "::2", false },
	{ "2001:db8::/33", "2001:db8:7fff::1", true },
	{ "2001:db8::/33", "2001:db8:8000::1", false },
	{ "2001:db8::1/127", "2001:db8::", true },
	/* IPv4-mapped IPv6 counts as IPv4, on either side. */
	{ "10.0.0.0/8", "::ffff:10.1.9.9", true },
	{ "10.0.0.0/8", "::ffff:11.1.9.9", false },
	{ "::ffff:10.0.0.1", "10.0.0.1", true },
	{ "::ffff:10.0.0.0/24", "10.0.0.255", true },
	{ "::ffff:10.0.0.0/24", "10.0.1.0", false },
	/* Not addresses: never in any list. */
	{ "0.0.0.0/0 ::/0", "", false },
	{ "0.0.0.0/0 ::/0", "10.1.2.3x", false },
	{ "0.0.0.0/0 ::/0", "[::1]", false },
	{ "0.0.0.0/0 ::/0", "10.0.0.0/8", false },
	{ "0.0.0.0/0 ::/0", " 10.0.0.1", false },
	{ "", "127.0.0.1", false },
	/* The loopback default. */
	{ ADDRLIST_LOOPBACK, "127.0.0.1", true },
	{ ADDRLIST_LOOPBACK, "127.255.255.255", true },
	{ ADDRLIST_LOOPBACK, "128.0.0.1", false },
	{ ADDRLIST_LOOPBACK, "126.255.255.255", false },
	{ ADDRLIST_LOOPBACK, "::1", true },
	{ ADDRLIST_LOOPBACK, "::2", false },
	{ ADDRLIST_LOOPBACK, "::ffff:127.0.0.2", true },
};

START_TEST(test_match_text)
{
	struct addrlist	 al;
	struct ipaddr	 a;
	const char	*bad;
	size_t		 badlen;
	bool		 is_addr;

	ck_assert_int_eq(addrlist_parse(match_cases[_i].list, &al, &bad,
	    &badlen), 0);
	is_addr = ipaddr_from_text(match_cases[_i].addr, &a);
	ck_assert(is_addr == (a.family != AF_UNSPEC));
	ck_assert_msg(addrlist_match(&al, &a) == match_cases[_i].in,
	    "\"%s\" in \"%s\": want %d", match_cases[_i].addr,
	    match_cases[_i].list, match_cases[_i].in);
	addrlist_free(&al);
}
END_TEST

/* Socket addresses as getpeername(2) fills them in. */
START_TEST(test_match_sockaddr)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*in = (void *)&ss;
	struct sockaddr_in6	*in6 = (void *)&ss;
	struct sockaddr_un	*sun = (void *)&ss;
	struct addrlist		 al;
	struct ipaddr		 a;
	const char		*bad;
	size_t			 badlen;

	ck_assert_int_eq(addrlist_parse("10.0.0.0/8, 2001:db8::/32", &al,
	    &bad, &badlen), 0);

	memset(&ss, 0, sizeof(ss));
	in->sin_family = AF_INET;
	in->sin_port = htons(9000);
	ck_assert_int_eq(inet_pton(AF_INET, "10.9.8.7", &in->sin_addr), 1);
	ck_assert(ipaddr_from_sockaddr(&ss, &a));
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert(addrlist_match(&al, &a));
	ck_assert_int_eq(inet_pton(AF_INET, "11.9.8.7", &in->sin_addr), 1);
	ck_assert(ipaddr_from_sockaddr(&ss, &a));
	ck_assert(!addrlist_match(&al, &a));

	/* An IPv4 peer of a dual-stack socket. */
	memset(&ss, 0, sizeof(ss));
	in6->sin6_family = AF_INET6;
	ck_assert_int_eq(inet_pton(AF_INET6, "::ffff:10.9.8.7",
	    &in6->sin6_addr), 1);
	ck_assert(ipaddr_from_sockaddr(&ss, &a));
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_int_eq(a.bytes[0], 10);
	ck_assert_int_eq(a.bytes[3], 7);
	ck_assert_int_eq(a.bytes[4], 0);
	ck_assert(addrlist_match(&al, &a));

	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::5", &in6->sin6_addr),
	    1);
	ck_assert(ipaddr_from_sockaddr(&ss, &a));
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert(addrlist_match(&al, &a));
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db9::5", &in6->sin6_addr),
	    1);
	ck_assert(ipaddr_from_sockaddr(&ss, &a));
	ck_assert(!addrlist_match(&al, &a));

	/* Anything but IP is in no list, not even one that has every IP. */
	addrlist_free(&al);
	ck_assert_int_eq(addrlist_parse("0.0.0.0/0 ::/0", &al, &bad,
	    &badlen), 0);
	memset(&ss, 0, sizeof(ss));
	sun->sun_family = AF_UNIX;
	ck_assert(!ipaddr_from_sockaddr(&ss, &a));
	ck_assert_int_eq(a.family, AF_UNSPEC);
	ck_assert(!addrlist_match(&al, &a));
	addrlist_free(&al);
}
END_TEST

static Suite *
addrlist_suite(void)
{
	Suite	*s = suite_create("addrlist");
	TCase	*tc = tcase_create("addrlist");

	tcase_add_loop_test(tc, test_parses, 0,
	    (int)(sizeof(good_cases) / sizeof(good_cases[0])));
	tcase_add_loop_test(tc, test_refuses, 0,
	    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_loop_test(tc, test_match_text, 0,
	    (int)(sizeof(match_cases) / sizeof(match_cases[0])));
	tcase_add_test(tc, test_match_sockaddr);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(addrlist_suite());
}
