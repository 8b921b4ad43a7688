/*
 * addrlist.h: lists of IPv4 and IPv6 addresses and ADDRESS/BITS ranges, as
 * allow_addresses, FCGI_WEB_SERVER_ADDRS and metrics_allow spell them, and
 * whether an address (from a socket or as text) is in one. An IPv4-mapped
 * IPv6 address (::ffff:a.b.c.d) is a.b.c.d everywhere here, so IPv4 peers
 * of a dual-stack socket match IPv4 entries.
 */
#ifndef DIS_ADDRLIST_H
#define DIS_ADDRLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* What "loopback" means wherever a list defaults to it. */
#define ADDRLIST_LOOPBACK	"127.0.0.0/8, ::1"

/* An address; family AF_INET (bytes[0..3]), AF_INET6, or AF_UNSPEC. */
struct ipaddr {
	int		 family;
	unsigned char	 bytes[16];	/* network order, zero past the end */
};

struct addrrule;

/* Parsed entries; an empty list has n == 0 and matches nothing. */
struct addrlist {
	struct addrrule	*rules;
	size_t		 n;
};

/*
 * Parses list: entries separated by commas or blanks, empty ones skipped.
 * 0 with *al filled, which the caller frees with addrlist_free; it keeps no
 * pointer into list. -1 with *al empty when an entry is neither an address
 * nor ADDRESS/BITS (BITS digits only, at most 32 or 128): *bad and *badlen
 * span that entry inside list; or when out of memory: *bad NULL.
 */
int	 addrlist_parse(const char *list, struct addrlist *al,
	    const char **bad, size_t *badlen);

/* true when a (not NULL) is in one of al's entries; AF_UNSPEC never is. */
bool	 addrlist_match(const struct addrlist *al, const struct ipaddr *a);

/* Frees al's rules and empties it; an empty or freed list is allowed. */
void	 addrlist_free(struct addrlist *al);

/*
 * Fills *a from a socket address: true for AF_INET and AF_INET6 (mapped
 * IPv4 made IPv4), false with a->family AF_UNSPEC for anything else.
 */
bool	 ipaddr_from_sockaddr(const struct sockaddr_storage *ss,
	    struct ipaddr *a);

/*
 * Fills *a from text such as REMOTE_ADDR (a bare address, no brackets,
 * port or range); false, with a->family AF_UNSPEC, when it is none.
 */
bool	 ipaddr_from_text(const char *text, struct ipaddr *a);

#endif
