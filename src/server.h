/*
 * server.h: the two ways of serving: one plain CGI request, or FastCGI on
 * a listening socket with a pool of accept threads.
 */
#ifndef DIS_SERVER_H
#define DIS_SERVER_H

#include <signal.h>

#include "conf.h"

struct peer_policy;

int	 server_cgi(const struct dis_config *);
/* Serves until a stop signal; the caller keeps and frees peers. */
int	 server_fastcgi(const struct dis_config *, int listen_fd,
	    struct peer_policy *peers);
void	 server_signals(sigset_t *);

#endif
