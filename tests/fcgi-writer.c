/*
 * fcgi-writer.c: a FastCGI client for tests/concurrency.sh and
 * tests/two-processes.sh. It commits checkpoints with sequence numbers
 * 1, 2, 3, ... one request after the other (so "the last acknowledged
 * value" is well defined), speaking FastCGI on a unix socket the way a web
 * server does: one connection per request. Spawning cgi-fcgi for each of
 * hundreds of requests took most of a test's time.
 *
 *   fcgi-writer [-n count] [-s shared_app] socket[,socket...] app stream
 *       partition
 *
 * Prints "app value status" for every request, flushed at once, status 0
 * when no complete answer came. With -s, each write is followed by one
 * to partition 0 of shared_app with value partition * 1000000 + n. With
 * several sockets, requests take turns among them. Without -n (or -n 0)
 * it writes until a request gets no answer, then exits 0: the service
 * was killed.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_SOCKETS	8

enum { BEGIN_REQUEST = 1, END_REQUEST = 3, PARAMS = 4, STDIN = 5,
    STDOUT = 6 };

struct buf {
	unsigned char	 data[8192];
	size_t		 len;
};

static void
record(struct buf *b, int type, const void *body, size_t len)
{
	unsigned char	*h = b->data + b->len;

	h[0] = 1;
	h[1] = (unsigned char)type;
	h[2] = 0;
	h[3] = 1;			/* request id 1 */
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = h[7] = 0;
	memcpy(h + 8, body, len);
	b->len += 8 + len;
}

static size_t
pair(unsigned char *p, const char *name, const char *value)
{
	size_t	 n = strlen(name), v = strlen(value);

	/* Every name and value here is under 128 bytes: one length byte. */
	p[0] = (unsigned char)n;
	p[1] = (unsigned char)v;
	memcpy(p + 2, name, n);
	memcpy(p + 2 + n, value, v);
	return 2 + n + v;
}

static int
read_full(int fd, unsigned char *p, size_t n)
{
	ssize_t	 got;

	while (n > 0) {
		if ((got = read(fd, p, n)) <= 0) {
			if (got == -1 && errno == EINTR)
				continue;
			return -1;
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

/* One POST; the HTTP status, or 0 when no complete answer came. */
static int
post(const char *sock, const char *body)
{
	static const unsigned char begin[8] = { 0, 1 };	/* responder */
	struct sockaddr_un	 sun;
	struct buf		 b;
	unsigned char		 params[512], h[8], content[65536 + 256];
	char			 clen[24], out[128];
	size_t			 np = 0, nout = 0, len;
	int			 fd, status = 0;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return 0;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return 0;
	}
	snprintf(clen, sizeof(clen), "%zu", strlen(body));
	np += pair(params + np, "REQUEST_METHOD", "POST");
	np += pair(params + np, "REQUEST_URI", "/v2/p1/checkpoints");
	np += pair(params + np, "CONTENT_TYPE", "application/json");
	np += pair(params + np, "CONTENT_LENGTH", clen);
	b.len = 0;
	record(&b, BEGIN_REQUEST, begin, sizeof(begin));
	record(&b, PARAMS, params, np);
	record(&b, PARAMS, "", 0);
	record(&b, STDIN, body, strlen(body));
	record(&b, STDIN, "", 0);
	if (write(fd, b.data, b.len) != (ssize_t)b.len) {
		close(fd);
		return 0;
	}
	/* Keeps the start of the output, enough for the Status line. */
	for (;;) {
		if (read_full(fd, h, 8) == -1)
			break;
		len = (size_t)h[4] << 8 | h[5];
		if (read_full(fd, content, len + h[6]) == -1)
			break;
		if (h[1] == STDOUT && nout < sizeof(out) - 1) {
			if (len > sizeof(out) - 1 - nout)
				len = sizeof(out) - 1 - nout;
			memcpy(out + nout, content, len);
			nout += len;
		} else if (h[1] == END_REQUEST) {
			out[nout] = '\0';
			if (sscanf(out, "Status: %d", &status) != 1)
				status = 0;
			break;
		}
	}
	close(fd);
	return status;
}

static int
commit(const char *sock, const char *app, const char *stream,
    long partition, long long sequence)
{
	char	 body[512];
	int	 status;

	snprintf(body, sizeof(body), "{\"app_name\":\"%s\",\"stream_name\":"
	    "\"%s\",\"partition_id\":\"%ld\",\"sequence_number\":\"%lld\","
	    "\"checkpoint_type\":\"LAST_READ\"}", app, stream, partition,
	    sequence);
	status = post(sock, body);
	printf("%s %lld %d\n", app, sequence, status);
	fflush(stdout);
	return status;
}

int
main(int argc, char *argv[])
{
	const char	*sockets[MAX_SOCKETS], *shared = NULL;
	char		*list, *s;
	long long	 count = 0, n;
	long		 partition;
	size_t		 nsock = 0, turn = 0;
	int		 c, status;

	while ((c = getopt(argc, argv, "n:s:")) != -1) {
		switch (c) {
		case 'n':
			count = atoll(optarg);
			break;
		case 's':
			shared = optarg;
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 4)
		goto usage;
	list = argv[0];
	while ((s = strsep(&list, ",")) != NULL && nsock < MAX_SOCKETS)
		sockets[nsock++] = s;
	partition = atol(argv[3]);
	for (n = 1; count == 0 || n <= count; n++) {
		status = commit(sockets[turn++ % nsock], argv[1], argv[2],
		    partition, n);
		if (status == 0 && count == 0)
			break;
		if (shared != NULL) {
			status = commit(sockets[turn++ % nsock], shared,
			    argv[2], 0, partition * 1000000 + n);
			if (status == 0 && count == 0)
				break;
		}
	}
	return 0;
usage:
	fprintf(stderr, "usage: fcgi-writer [-n count] [-s shared_app] "
	    "socket[,socket...] app stream partition\n");
	return 2;
}
