/*
 * fcgi-client.c: a FastCGI client for tests, speaking the record protocol
 * to a unix socket by hand, so a test can send what cgi-fcgi never would:
 * any params, a body cut short, a connection dropped mid-body, an
 * FCGI_ABORT_REQUEST.
 *
 *   fcgi-client [-b file] [-c n | -d n | -a n | -s n -w go [-r ready]]
 *               socket [NAME=VALUE ...]
 *
 *   -b file  the body (FCGI_STDIN); "-" reads standard input
 *   -c n     send only n bytes of the body, then half-close the socket
 *            without the empty record that ends FCGI_STDIN, and read
 *   -d n     send only n bytes of the body, then close the socket at once
 *            and read nothing: a client that went away
 *   -a n     send n bytes of the body, then FCGI_ABORT_REQUEST, and read
 *   -s n     send n bytes of the body, create the file given by -r (if
 *            any), wait until the file given by -w exists, then send the
 *            rest: a request held in flight for as long as a test wants
 *
 * Whatever the application writes to FCGI_STDOUT goes to standard output,
 * FCGI_STDERR to standard error. Exit status: 0 when FCGI_END_REQUEST
 * arrived, 3 when the connection closed before it, 4 when nothing came for
 * 30 seconds, 1 on a local error, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define FCGI_BEGIN_REQUEST	1
#define FCGI_ABORT_REQUEST	2
#define FCGI_END_REQUEST	3
#define FCGI_PARAMS		4
#define FCGI_STDIN		5
#define FCGI_STDOUT		6
#define FCGI_STDERR		7
#define FCGI_RESPONDER		1
#define REQUEST_ID		1
#define MAX_CONTENT		65535

enum cut { CUT_NONE, CUT_HALF_CLOSE, CUT_DROP, CUT_ABORT, CUT_STALL };

static void
usage(void)
{
	fprintf(stderr, "usage: fcgi-client [-b file] [-c n | -d n | -a n | "
	    "-s n -w go [-r ready]] socket [NAME=VALUE ...]\n");
	exit(2);
}

static void
timeout(int sig)
{
	(void)sig;
	/* Only async-signal-safe calls here. */
	(void)!write(2, "fcgi-client: no answer in time\n", 31);
	_exit(4);
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One record; content longer than a record allows is split by the caller. */
static int
record(int fd, int type, const void *content, size_t len)
{
	unsigned char	 h[8];

	h[0] = 1;
	h[1] = (unsigned char)type;
	h[2] = REQUEST_ID >> 8;
	h[3] = REQUEST_ID & 0xff;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)(len & 0xff);
	h[6] = 0;
	h[7] = 0;
	if (write_all(fd, h, sizeof(h)) == -1)
		return -1;
	return len > 0 ? write_all(fd, content, len) : 0;
}

/* A stream (params or stdin) as records of at most MAX_CONTENT bytes. */
static int
stream(int fd, int type, const char *data, size_t len)
{
	size_t	 n;

	while (len > 0) {
		n = len > MAX_CONTENT ? MAX_CONTENT : len;
		if (record(fd, type, data, n) == -1)
			return -1;
		data += n;
		len -= n;
	}
	return 0;
}

/* Name-value pair lengths: one byte below 128, else four with the top bit. */
static size_t
put_length(unsigned char *p, size_t len)
{
	if (len < 128) {
		p[0] = (unsigned char)len;
		return 1;
	}
	p[0] = (unsigned char)(0x80 | (len >> 24));
	p[1] = (unsigned char)(len >> 16);
	p[2] = (unsigned char)(len >> 8);
	p[3] = (unsigned char)len;
	return 4;
}

static char *
encode_params(int n, char **pairs, size_t *outlen)
{
	char		*buf = NULL, *grown, *eq;
	size_t		 len = 0, nlen, vlen;
	unsigned char	 lens[8];
	size_t		 l;
	int		 i;

	for (i = 0; i < n; i++) {
		if ((eq = strchr(pairs[i], '=')) == NULL)
			usage();
		nlen = (size_t)(eq - pairs[i]);
		vlen = strlen(eq + 1);
		l = put_length(lens, nlen);
		l += put_length(lens + l, vlen);
		if ((grown = realloc(buf, len + l + nlen + vlen)) == NULL) {
			free(buf);
			return NULL;
		}
		buf = grown;
		memcpy(buf + len, lens, l);
		memcpy(buf + len + l, pairs[i], nlen);
		memcpy(buf + len + l + nlen, eq + 1, vlen);
		len += l + nlen + vlen;
	}
	*outlen = len;
	return buf != NULL ? buf : calloc(1, 1);
}

static char *
read_file(const char *path, size_t *outlen)
{
	FILE	*f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char	*buf = NULL, *grown;
	size_t	 len = 0, size = 0, n;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (len == size) {
			size = size ? size * 2 : 65536;
			if ((grown = realloc(buf, size)) == NULL) {
				free(buf);
				return NULL;
			}
			buf = grown;
		}
		if ((n = fread(buf + len, 1, size - len, f)) == 0)
			break;
		len += n;
	}
	if (f != stdin)
		fclose(f);
	*outlen = len;
	return buf != NULL ? buf : calloc(1, 1);
}

static int
read_all(int fd, void *buf, size_t len)
{
	char	*p = buf;
	ssize_t	 n;

	while (len > 0) {
		if ((n = read(fd, p, len)) == 0)
			return 0;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 1;
}

/* Copies the answer out; 0 at FCGI_END_REQUEST, 3 if the stream ends first. */
static int
read_answer(int fd)
{
	unsigned char	 h[8];
	char		 content[MAX_CONTENT + 255];
	size_t		 clen;

	while (read_all(fd, h, sizeof(h)) == 1) {
		clen = (size_t)h[4] << 8 | h[5];
		if (read_all(fd, content, clen + h[6]) != 1)
			break;
		if (h[1] == FCGI_STDOUT)
			fwrite(content, 1, clen, stdout);
		else if (h[1] == FCGI_STDERR)
			fwrite(content, 1, clen, stderr);
		else if (h[1] == FCGI_END_REQUEST)
			return 0;
	}
	return 3;
}

static long
count(const char *s)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || n < 0)
		usage();
	return n;
}

int
main(int argc, char *argv[])
{
	struct sockaddr_un	 sun;
	unsigned char		 begin[8] = { 0, FCGI_RESPONDER, 0, 0, 0, 0, 0, 0 };
	enum cut		 cut = CUT_NONE;
	const char		*go = NULL, *ready = NULL;
	char			*body = NULL, *params;
	size_t			 body_len = 0, params_len, sent;
	long			 at = 0;
	int			 c, fd, rc;

	while ((c = getopt(argc, argv, "a:b:c:d:r:s:w:")) != -1) {
		switch (c) {
		case 'a':
			cut = CUT_ABORT;
			at = count(optarg);
			break;
		case 'b':
			if ((body = read_file(optarg, &body_len)) == NULL) {
				perror(optarg);
				return 1;
			}
			break;
		case 'c':
			cut = CUT_HALF_CLOSE;
			at = count(optarg);
			break;
		case 'd':
			cut = CUT_DROP;
			at = count(optarg);
			break;
		case 'r':
			ready = optarg;
			break;
		case 's':
			cut = CUT_STALL;
			at = count(optarg);
			break;
		case 'w':
			go = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || (cut == CUT_STALL) != (go != NULL))
		usage();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, timeout);
	alarm(cut == CUT_STALL ? 120 : 30);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(argv[0]) >= sizeof(sun.sun_path))
		usage();
	strcpy(sun.sun_path, argv[0]);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		perror(argv[0]);
		return 1;
	}
	if ((params = encode_params(argc - 1, argv + 1, &params_len)) == NULL)
		return 1;
	sent = cut == CUT_NONE || (size_t)at > body_len ? body_len : (size_t)at;
	/*
	 * A write may fail once the server has answered and closed (a body
	 * over the cap): what it said is still there to read.
	 */
	if (record(fd, FCGI_BEGIN_REQUEST, begin, sizeof(begin)) == 0 &&
	    stream(fd, FCGI_PARAMS, params, params_len) == 0 &&
	    record(fd, FCGI_PARAMS, NULL, 0) == 0 &&
	    stream(fd, FCGI_STDIN, body, sent) == 0) {
		if (cut == CUT_STALL) {
			if (ready != NULL && (c = open(ready, O_WRONLY | O_CREAT,
			    0644)) != -1)
				close(c);
			while (access(go, F_OK) == -1)
				usleep(10000);
			stream(fd, FCGI_STDIN, body + sent, body_len - sent);
		}
		if (cut == CUT_NONE || cut == CUT_STALL)
			record(fd, FCGI_STDIN, NULL, 0);
		else if (cut == CUT_ABORT)
			record(fd, FCGI_ABORT_REQUEST, NULL, 0);
	}
	free(params);
	free(body);
	if (cut == CUT_DROP) {
		close(fd);
		return 0;
	}
	if (cut == CUT_HALF_CLOSE)
		shutdown(fd, SHUT_WR);
	rc = read_answer(fd);
	close(fd);
	fflush(stdout);
	return rc;
}
