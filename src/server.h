/*
 * server.h: the two ways of serving: one plain CGI request, or FastCGI on
 * a listening socket with a pool of accept threads.
 */
#ifndef DIS_SERVER_H
#define DIS_SERVER_H

#include <signal.h>

#include "conf.h"

int	 server_cgi(const struct dis_config *);
int	 server_fastcgi(const struct dis_config *, int listen_fd);
void	 server_signals(sigset_t *);

#endif
