/*
 * main.c: flags, configuration and the choice of mode. FastCGI when given
 * a socket path, a systemd socket (LISTEN_FDS) or a listening socket on
 * fd 0 (spawn-fcgi, lighttpd bin-path, mod_fcgid); plain CGI otherwise.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
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
#include "log.h"
#include "server.h"

#ifndef SYSCONF_FILE
#define SYSCONF_FILE "/etc/dis-checkpoint.conf"
#endif
#define CONF_NAME "dis-checkpoint.conf"

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
	    "Stores DIS consumer checkpoints in SQLite, over FastCGI or CGI.\n"
	    "\n"
	    "  -c, --config FILE     read settings from FILE\n"
	    "  -d, --database PATH   the SQLite database (database=)\n"
	    "  -s, --socket PATH     serve FastCGI on this unix socket (socket=)\n"
	    "  -t, --threads N       requests served at once (threads=)\n"
	    "  -o, --set KEY=VALUE   any setting of dis-checkpoint.conf(5)\n"
	    "  -h, --help            this text\n"
	    "  -V, --version         the version\n"
	    "\n"
	    "Without -s it serves FastCGI when fd 0 is a listening socket or\n"
	    "systemd passed one (LISTEN_FDS), and one CGI request otherwise.\n"
	    "Settings: defaults, then %s, then DIS_CHECKPOINT_* variables,\n"
	    "then flags. See dis-checkpoint(8).\n", SYSCONF_FILE);
}

static bool
readable(const char *path)
{
	return access(path, R_OK) == 0;
}

/* The file beside the binary serves shared hosts whose environment is stripped. */
static char *
config_path(const char *flag)
{
	char	 exe[PATH_MAX], *slash;
	ssize_t	 n;

	if (flag != NULL)
		return strdup(flag);
	if (getenv(CONF_ENV_PREFIX "CONFIG") != NULL)
		return strdup(getenv(CONF_ENV_PREFIX "CONFIG"));
	n = readlink("/proc/self/exe", exe, sizeof(exe) - sizeof(CONF_NAME) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			strcpy(slash + 1, CONF_NAME);
			if (readable(exe))
				return strdup(exe);
		}
	}
	return readable(SYSCONF_FILE) ? strdup(SYSCONF_FILE) : NULL;
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

/*
 * Binds our own socket rather than FCGX_OpenSocket, which unlinks a socket
 * in use and exit()s on errors. A socket that still answers is left alone.
 */
static int
unix_socket(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_message("%s: socket path too long", path);
		return SOCKET_ERROR;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return SOCKET_ERROR;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		log_message("%s: another server is listening there", path);
		close(fd);
		return SOCKET_ERROR;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, 1024) == -1) {
		log_message("%s: %s", path, strerror(errno));
		close(fd);
		return SOCKET_ERROR;
	}
	return fd;
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
	path = config_path(config_flag);
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
		fd = unix_socket(cfg.socket);
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
		rc = server_fastcgi(&cfg, fd);
	/*
	 * The server unlinked its socket when told to stop; unlinking here,
	 * later, could remove the socket of a new instance started meanwhile.
	 */
	conf_free(&cfg);
	return rc;
}
