/*
 * null-responder.c: the benchmark's baseline. A FastCGI responder that does
 * everything dis-checkpoint must do to answer a request (accept, read the
 * whole body, write a small response) and nothing else, with the same
 * threading model as src/server.c: N threads, one at a time (a mutex)
 * accepting on the non-blocking listening socket, fd 0 or a unix socket
 * given with -s, and polling only when no connection is waiting; and it
 * closes a connection as the service does (no linger once the input
 * ended). The gap between the two in bench/run is what parsing, SQLite
 * and the commit cost, not a difference in how connections are taken or
 * closed.
 *
 * With -l it closes as libfcgi does by default, as any libfcgi responder
 * that calls FCGX_Finish_r does: shut down its side, then wait for the web
 * server to close. That is the baseline most FastCGI programs have, and
 * the one the 14-15k req/s figure was measured with.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <fcgiapp.h>

static const char answer[] = "Status: 201 Created\r\n"
    "Content-Type: application/json\r\nContent-Length: 0\r\n\r\n";

static int listen_fd;
static bool linger_on_close;
static pthread_mutex_t accept_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * libfcgi installs a SIGTERM handler that only sets a flag (and only when
 * none is set yet); this one ends the process, as a web server expects.
 */
static void
on_term(int sig)
{
	(void)sig;
	_exit(0);
}

static void *
worker(void *arg)
{
	FCGX_Request	 fr;
	char		 buf[4096];
	struct pollfd	 pfd = { .fd = listen_fd, .events = POLLIN };
	int		 rc;

	(void)arg;
	FCGX_InitRequest(&fr, listen_fd, 0);
	for (;;) {
		pthread_mutex_lock(&accept_lock);
		while ((rc = FCGX_Accept_r(&fr)) == -EAGAIN ||
		    rc == -EWOULDBLOCK || rc == -EINTR)
			poll(&pfd, 1, -1);
		pthread_mutex_unlock(&accept_lock);
		if (rc < 0)
			break;
		/* Read the body to its end, as the service does. */
		while (FCGX_GetStr(buf, sizeof(buf), fr.in) > 0)
			continue;
		FCGX_PutStr(answer, sizeof(answer) - 1, fr.out);
		if (!linger_on_close && FCGX_HasSeenEOF(fr.in) == EOF)
			FCGX_Detach(&fr);
		FCGX_Finish_r(&fr);
	}
	return NULL;
}

static int
unix_socket(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, 1024) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
main(int argc, char *argv[])
{
	pthread_t	*threads;
	const char	*sock = NULL;
	int		 c, i, nthreads = 16;

	while ((c = getopt(argc, argv, "ls:t:")) != -1) {
		switch (c) {
		case 'l':
			linger_on_close = true;
			break;
		case 's':
			sock = optarg;
			break;
		case 't':
			nthreads = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: null-responder [-l] [-s socket] "
			    "[-t threads]\n");
			return 2;
		}
	}
	if (nthreads < 1 || nthreads > 1024) {
		fprintf(stderr, "null-responder: bad thread count\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_term);
	signal(SIGUSR1, on_term);
	if (sock != NULL && (listen_fd = unix_socket(sock)) == -1) {
		fprintf(stderr, "null-responder: %s: %s\n", sock,
		    strerror(errno));
		return 1;
	}
	if (fcntl(listen_fd, F_SETFL,
	    fcntl(listen_fd, F_GETFL) | O_NONBLOCK) == -1 ||
	    FCGX_Init() != 0 ||
	    (threads = calloc((size_t)nthreads, sizeof(*threads))) == NULL)
		return 1;
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&threads[i], NULL, worker, NULL) != 0)
			return 1;
	/* Runs until killed, like a FastCGI program under a web server. */
	for (i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	return 0;
}
