/*
 * addrlist.c: parsing address lists and matching addresses against them.
 * It owns the syntax of an entry (ADDRESS or ADDRESS/BITS), the separators
 * (commas and blanks), the rule that IPv4-mapped IPv6 counts as IPv4, and
 * the prefix comparison; what a list is for, and the wording of an error,
 * stay with the setting that uses it (peer.c, handler_metrics.c).
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "addrlist.h"

#define SEPARATORS	", \t\r\n"

struct addrrule {
	struct ipaddr	 net;
	unsigned	 bits;
};

/* The mapped form is moved to IPv4 so a rule compares like with like. */
static void
unmap(struct ipaddr *a)
{
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	if (a->family == AF_INET6 &&
	    memcmp(a->bytes, mapped, sizeof(mapped)) == 0) {
		memmove(a->bytes, a->bytes + sizeof(mapped), 4);
		memset(a->bytes + 4, 0, sizeof(a->bytes) - 4);
		a->family = AF_INET;
	}
}

bool
ipaddr_from_text(const char *text, struct ipaddr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, text, a->bytes) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, text, a->bytes) == 1)
		a->family = AF_INET6;
	else
		a->family = AF_UNSPEC;
	unmap(a);
	return a->family != AF_UNSPEC;
}

bool
ipaddr_from_sockaddr(const struct sockaddr_storage *ss, struct ipaddr *a)
{
	const struct sockaddr_in	*in = (const void *)ss;
	const struct sockaddr_in6	*in6 = (const void *)ss;

	memset(a, 0, sizeof(*a));
	a->family = AF_UNSPEC;
	if (ss->ss_family == AF_INET) {
		memcpy(a->bytes, &in->sin_addr, 4);
		a->family = AF_INET;
	} else if (ss->ss_family == AF_INET6) {
		memcpy(a->bytes, &in6->sin6_addr, 16);
		a->family = AF_INET6;
		unmap(a);
	}
	return a->family != AF_UNSPEC;
}

/* One entry, NUL-terminated in entry; -1 when it is no address or range. */
static int
parse_rule(char *entry, struct addrrule *r)
{
	char		*slash = strchr(entry, '/'), *end;
	unsigned	 max;
	long		 bits;

	if (slash != NULL)
		*slash++ = '\0';
	if (!ipaddr_from_text(entry, &r->net))
		return -1;
	max = r->net.family == AF_INET ? 32 : 128;
	r->bits = max;
	if (slash == NULL)
		return 0;
	/* strtol alone would take " 8", "+8" and "-0"; an overflow is > max. */
	if (!isdigit((unsigned char)*slash))
		return -1;
	bits = strtol(slash, &end, 10);
	if (*end != '\0' || bits > (long)max)
		return -1;
	r->bits = (unsigned)bits;
	return 0;
}

int
addrlist_parse(const char *list, struct addrlist *al, const char **bad,
    size_t *badlen)
{
	/* The longest valid entry: an IPv6 address in full and "/128". */
	char		 entry[INET6_ADDRSTRLEN + 8];
	const char	*p;
	size_t		 n, max = 0;

	al->rules = NULL;
	al->n = 0;
	*bad = NULL;
	*badlen = 0;
	for (p = list; *p != '\0'; p++)
		max += strchr(SEPARATORS, *p) == NULL &&
		    (p[1] == '\0' || strchr(SEPARATORS, p[1]) != NULL);
	if (max > 0 && (al->rules = calloc(max, sizeof(*al->rules))) == NULL)
		return -1;
	for (p = list;; p += n) {
		p += strspn(p, SEPARATORS);
		if ((n = strcspn(p, SEPARATORS)) == 0)
			return 0;
		if (n < sizeof(entry)) {
			memcpy(entry, p, n);
			entry[n] = '\0';
		}
		if (n >= sizeof(entry) ||
		    parse_rule(entry, &al->rules[al->n]) == -1) {
			addrlist_free(al);
			*bad = p;
			*badlen = n;
			return -1;
		}
		al->n++;
	}
}

static bool
rule_matches(const struct addrrule *r, const struct ipaddr *a)
{
	unsigned	 whole = r->bits / 8, rest = r->bits % 8;
	unsigned char	 mask = (unsigned char)(0xff << (8 - rest));

	return r->net.family == a->family &&
	    memcmp(r->net.bytes, a->bytes, whole) == 0 &&
	    (rest == 0 || ((r->net.bytes[whole] ^ a->bytes[whole]) & mask) == 0);
}

bool
addrlist_match(const struct addrlist *al, const struct ipaddr *a)
{
	size_t	 i;

	for (i = 0; i < al->n; i++)
		if (rule_matches(&al->rules[i], a))
			return true;
	return false;
}

void
addrlist_free(struct addrlist *al)
{
	free(al->rules);
	al->rules = NULL;
	al->n = 0;
}
