/*
 * main.c: flags, configuration and the choice of mode. FastCGI when given
 * a socket (a unix path or HOST:PORT), a systemd socket (LISTEN_FDS) or a
 * listening socket on fd 0 (spawn-fcgi, lighttpd bin-path, mod_fcgid);
 * plain CGI otherwise. It creates the sockets it is asked for, with their
 * mode and group, and builds the peer policy (peer.c) for the listener.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "auth.h"
#include "conf.h"
#include "handlers.h"
#include "log.h"
#include "peer.h"
#include "server.h"

/* What the socket lookups return instead of a descriptor. */
#define NO_SOCKET	(-1)	/* none given: serve CGI */
#define SOCKET_ERROR	(-2)

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dis-checkpoint [-c file] [-d database] [-s socket] [-t threads]\n"
	    "                      [-o key=value ...]\n"
	    "\n"
	    "Stores DIS consumer checkpoints in SQLite or PostgreSQL, over FastCGI\n"
	    "or CGI.\n"
	    "\n"
	    "  -c, --config FILE     read settings from FILE\n"
	    "  -d, --database DB     an SQLite file, or a PostgreSQL connection\n"
	    "                        string or URI (database=)\n"
	    "  -s, --socket PATH     serve FastCGI on this unix socket, or on\n"
	    "                        HOST:PORT over TCP (socket=)\n"
	    "  -t, --threads N       requests served at once (threads=)\n"
	    "  -o, --set KEY=VALUE   any setting of dis-checkpoint.conf(5)\n"
	    "  -h, --help            this text\n"
	    "  -V, --version         the version\n"
	    "\n"
	    "Without -s it serves FastCGI when fd 0 is a listening socket or\n"
	    "systemd passed one (LISTEN_FDS), and one CGI request otherwise.\n"
	    "Settings: defaults, then %s, then DIS_CHECKPOINT_* variables,\n"
	    "then flags. See dis-checkpoint(8).\n", conf_system_file());
}

static int
is_listening(int fd)
{
	int		 yes = 0;
	socklen_t	 len = sizeof(yes);

	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &yes, &len) == 0 && yes;
}

/* systemd socket activation: exactly one socket, on fd 3. */
static int
systemd_socket(void)
{
	const char	*pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

	if (pid == NULL || fds == NULL || atol(pid) != (long)getpid())
		return NO_SOCKET;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (strcmp(fds, "1") != 0) {
		log_message("LISTEN_FDS=%s: expected exactly one socket", fds);
		return SOCKET_ERROR;
	}
	return is_listening(3) ? 3 : SOCKET_ERROR;
}

/* What a unix socket we create gets: socket_mode and socket_group. */
struct socket_access {
	mode_t	 mode;
	gid_t	 gid;		/* (gid_t)-1: our own */
};

/*
 * World-writable lets every local user talk to the service; that takes a
 * list of allowed users to be safe.
 */
static int
socket_access(const struct dis_config *cfg, struct socket_access *a)
{
	const struct group	*gr;
	const char		*v;
	char			*end;
	unsigned long		 n;

	a->mode = 0660;
	a->gid = (gid_t)-1;
	/* Empty, as in "socket_group =", means the default. */
	if ((v = cfg->socket_mode) != NULL && *v != '\0') {
		errno = 0;
		n = strtoul(v, &end, 8);
		if (!isdigit((unsigned char)*v) || *end != '\0' || errno != 0 ||
		    n > 0777) {
			log_message("socket_mode: \"%s\" is not an octal mode "
			    "such as 0660", v);
			return -1;
		}
		if ((n & S_IWOTH) != 0 && (cfg->allow_users == NULL ||
		    *cfg->allow_users == '\0')) {
			log_message("socket_mode: %s lets every local user "
			    "connect; give the web server's group with "
			    "socket_group, or set allow_users", v);
			return -1;
		}
		a->mode = (mode_t)n;
	}
	if ((v = cfg->socket_group) != NULL && *v != '\0') {
		errno = 0;
		n = strtoul(v, &end, 10);
		if (isdigit((unsigned char)*v) && *end == '\0' && errno == 0 &&
		    n < (gid_t)-1)
			a->gid = (gid_t)n;
		else if ((gr = getgrnam(v)) != NULL)
			a->gid = gr->gr_gid;
		else {
			log_message("socket_group: no group \"%s\"", v);
			return -1;
		}
	}
	return 0;
}

static int
unix_address(struct sockaddr_un *sun, const char *path, const char *suffix)
{
	int	 n;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	n = snprintf(sun->sun_path, sizeof(sun->sun_path), "%s%s", path,
	    suffix);
	if (n < 0 || (size_t)n >= sizeof(sun->sun_path)) {
		log_message("%s: socket path too long", path);
		return -1;
	}
	return 0;
}

/*
 * Binds our own socket rather than FCGX_OpenSocket, which unlinks a socket
 * in use and exit()s on errors. A socket that still answers is left alone.
 * It is bound under a name of its own, given its mode and group, and
 * renamed into place once it listens: whoever sees the file can connect,
 * and only with the permissions asked for.
 */
static int
unix_socket(const char *path, const struct socket_access *a)
{
	struct sockaddr_un	 sun, temp;
	const char		*failed = NULL;
	char			 suffix[32];
	int			 fd;

	snprintf(suffix, sizeof(suffix), ".%ld.new", (long)getpid());
	if (unix_address(&sun, path, "") == -1 ||
	    unix_address(&temp, path, suffix) == -1)
		return SOCKET_ERROR;
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return SOCKET_ERROR;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		log_message("%s: another server is listening there", path);
		close(fd);
		return SOCKET_ERROR;
	}
	unlink(temp.sun_path);
	if (bind(fd, (struct sockaddr *)&temp, sizeof(temp)) == -1)
		failed = "socket";
	else if (chmod(temp.sun_path, a->mode) == -1)
		failed = "socket_mode";
	else if (a->gid != (gid_t)-1 &&
	    chown(temp.sun_path, (uid_t)-1, a->gid) == -1)
		failed = "socket_group";
	else if (listen(fd, 1024) == -1 || rename(temp.sun_path, path) == -1)
		failed = "socket";
	if (failed != NULL) {
		log_message("%s: %s: %s", failed, path, strerror(errno));
		unlink(temp.sun_path);
		close(fd);
		return SOCKET_ERROR;
	}
	return fd;
}

/*
 * "HOST:PORT" or "[IPV6]:PORT" names a TCP listener: a value without a
 * slash whose last colon is followed by digits only. Anything else is a
 * unix socket path ("./a:1" for such a file in the current directory).
 */
static bool
tcp_address(const char *value, char *host, size_t hostlen, const char **port)
{
	const char	*colon = strrchr(value, ':'), *p;
	size_t		 n;

	if (strchr(value, '/') != NULL || colon == NULL || colon[1] == '\0')
		return false;
	for (p = colon + 1; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	n = (size_t)(colon - value);
	if (n >= 2 && value[0] == '[' && value[n - 1] == ']') {
		value++;
		n -= 2;
	}
	if (n >= hostlen)
		n = hostlen - 1;
	memcpy(host, value, n);
	host[n] = '\0';
	*port = colon + 1;
	return true;
}

static int
tcp_socket(const char *value, const char *host, const char *port)
{
	struct addrinfo	 hints, *ai;
	int		 fd, rc, yes = 1;

	if (*host == '\0') {
		log_message("socket: \"%s\" names no host; for every "
		    "interface say 0.0.0.0%s or [::]%s", value, value, value);
		return SOCKET_ERROR;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		log_message("socket: %s: %s", value, gai_strerror(rc));
		return SOCKET_ERROR;
	}
	/* A restarted service binds at once, whatever TIME_WAIT remains. */
	if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes)) == -1 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, 1024) == -1) {
		log_message("socket: %s: %s", value, strerror(errno));
		if (fd != -1)
			close(fd);
		fd = SOCKET_ERROR;
	}
	freeaddrinfo(ai);
	return fd;
}

/*
 * The socket named by the socket key. The server unlinks cfg->socket when
 * it stops; an address is no file, so it is taken out of cfg.
 */
static int
own_socket(struct dis_config *cfg)
{
	struct socket_access	 a;
	char			 host[256];
	const char		*port;
	int			 fd;

	if (tcp_address(cfg->socket, host, sizeof(host), &port)) {
		fd = tcp_socket(cfg->socket, host, port);
		free(cfg->socket);
		cfg->socket = NULL;
		return fd;
	}
	if (socket_access(cfg, &a) == -1)
		return SOCKET_ERROR;
	return unix_socket(cfg->socket, &a);
}

/*
 * Serves FastCGI on fd for the peers the policy lets in. libfcgi would
 * apply its own reading of FCGI_WEB_SERVER_ADDRS (IPv4 only, unlogged) in
 * accept, before the policy sees the peer; the policy has read it.
 */
static int
serve(const struct dis_config *cfg, int fd)
{
	struct peer_policy	*peers;
	char			 err[512];
	int			 rc;

	if ((peers = peer_policy_new(cfg, fd, err, sizeof(err))) == NULL) {
		log_message("%s", err);
		return 1;
	}
	unsetenv("FCGI_WEB_SERVER_ADDRS");
	rc = server_fastcgi(cfg, fd, peers);
	peer_policy_free(peers);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "database", required_argument, NULL, 'd' },
		{ "socket", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "set", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct dis_config	 cfg;
	const char		*config_flag = NULL;
	char			 err[512], *path, *eq;
	sigset_t		 stop, unblocked;
	int			 c, fd, rc;

	/* First pass: where the file is, and whether to run at all. */
	while ((c = getopt_long(argc, argv, "c:d:s:t:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_flag = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("dis-checkpoint %s\n", PACKAGE_VERSION);
			return 0;
		case 'd': case 's': case 't': case 'o':
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dis-checkpoint: unexpected argument \"%s\"\n",
		    argv[optind]);
		usage(stderr);
		return 2;
	}
	if (conf_init(&cfg) == -1)
		return 1;
	path = conf_find_file(config_flag);
	if (path != NULL && conf_load_file(&cfg, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "dis-checkpoint: %s\n", err);
		return 1;
	}
	free(path);
	if (conf_load_env(&cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "dis-checkpoint: %s\n", err);
		return 1;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:d:s:t:o:hV", longopts, NULL)) != -1) {
		rc = 0;
		if (c == 'd')
			rc = conf_set(&cfg, "database", optarg, err, sizeof(err));
		else if (c == 's')
			rc = conf_set(&cfg, "socket", optarg, err, sizeof(err));
		else if (c == 't')
			rc = conf_set(&cfg, "threads", optarg, err, sizeof(err));
		else if (c == 'o') {
			if ((eq = strchr(optarg, '=')) == NULL) {
				snprintf(err, sizeof(err), "-o %s: expected "
				    "key=value", optarg);
				rc = -1;
			} else {
				*eq = '\0';
				rc = conf_set(&cfg, optarg, eq + 1, err,
				    sizeof(err));
			}
		}
		if (rc != 0) {
			fprintf(stderr, "dis-checkpoint: %s\n", err);
			return 2;
		}
	}
	if (metrics_setup(&cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "dis-checkpoint: %s\n", err);
		conf_free(&cfg);
		return 1;
	}

	/* Writes to a web server that went away fail with EPIPE instead. */
	signal(SIGPIPE, SIG_IGN);
	/*
	 * A file size limit (RLIMIT_FSIZE) would kill us with SIGXFSZ in the
	 * middle of a write; ignored, the write fails with EFBIG, SQLite
	 * reports it and the client gets 503.
	 */
	signal(SIGXFSZ, SIG_IGN);
	/*
	 * Held from before the socket exists: a stop signal that comes while
	 * the server is still setting up must stop it, not kill it.
	 */
	server_signals(&stop);
	sigprocmask(SIG_BLOCK, &stop, &unblocked);
	if (cfg.socket != NULL)
		fd = own_socket(&cfg);
	else if ((fd = systemd_socket()) == NO_SOCKET && is_listening(0))
		fd = 0;
	if (fd == NO_SOCKET) {
		sigprocmask(SIG_SETMASK, &unblocked, NULL);
		/* A start per request: its warning would drown the log. */
		auth_warn_hourly();
		rc = server_cgi(&cfg);
	}
	else if (fd == SOCKET_ERROR)
		rc = 1;
	else
		rc = serve(&cfg, fd);
	/*
	 * The server unlinked its socket when told to stop; unlinking here,
	 * later, could remove the socket of a new instance started meanwhile.
	 */
	conf_free(&cfg);
	return rc;
}
