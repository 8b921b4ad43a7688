/*
 * peer.h: who may talk to the service. On a TCP listener, the addresses in
 * allow_addresses (else FCGI_WEB_SERVER_ADDRS, else loopback); on a unix
 * socket, the file's permissions and, when allow_users is set, the peer's
 * uid (SO_PEERCRED).
 */
#ifndef DIS_PEER_H
#define DIS_PEER_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

struct peer_policy;

/*
 * Builds the policy for listen_fd from cfg (and FCGI_WEB_SERVER_ADDRS);
 * NULL with err filled on a bad setting or a non-loopback listener without
 * an allow setting. The caller frees it with peer_policy_free; it keeps no
 * pointer into cfg.
 */
struct peer_policy *peer_policy_new(const struct dis_config *, int listen_fd,
	    char *err, size_t errlen);

/*
 * true when the peer connected on fd may be served; a refused peer is
 * logged once (per uid or address, in a bounded table). Reads nothing
 * from fd. Thread-safe.
 */
bool	 peer_allowed(struct peer_policy *, int fd);

/* Frees the policy; NULL is allowed. */
void	 peer_policy_free(struct peer_policy *);

#endif
