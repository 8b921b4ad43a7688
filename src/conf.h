/*
 * conf.h: the settings, their defaults, and where they come from: a
 * key = value file, DIS_CHECKPOINT_* environment variables (for launchers
 * that pass nothing else), and flags, each overriding the one before.
 */
#ifndef DIS_CONF_H
#define DIS_CONF_H

#include <stdbool.h>
#include <stddef.h>

enum log_target {
	LOG_AUTO,	/* stderr, unless the launcher discards it */
	LOG_STDERR,
	LOG_FASTCGI	/* the FastCGI error stream: the web server's log */
};

/* Which credentials a request for a project must carry. */
enum auth_mode {
	AUTH_NONE,	/* none: a web server in front authenticates */
	AUTH_TOKEN,	/* X-Auth-Token */
	AUTH_AKSK,	/* an AK/SK signature (the SDKs' default) */
	AUTH_ANY	/* either */
};

struct dis_config {
	char	*database;
	char	*base_path;
	char	*socket;
	char	*journal_mode;
	int	 wal_autocheckpoint; /* WAL pages after which a commit
				       copies them back */
	size_t	 body_limit;
	int	 app_quota;
	int	 app_stream_limit; /* streams with checkpoints per app */
	int	 retry_after;
	int	 busy_timeout_ms;
	int	 history;	/* earlier values kept per checkpoint */
	int	 threads;
	int	 request_timeout; /* s to read a request, or write its answer */
	enum log_target log;
	bool	 sync_full;
	bool	 group_commit;
	enum auth_mode auth;
	char	*credentials;	/* the credentials file */
	char	*auth_regions;	/* regions accepted in a Credential; "" any */
	int	 auth_clock_skew; /* seconds X-Sdk-Date may be off */
	char	*socket_mode;	/* octal, of a socket we create; NULL 0660 */
	char	*socket_group;	/* of a socket we create; NULL ours */
	char	*allow_addresses; /* TCP peers; NULL loopback (peer.c) */
	char	*allow_users;	/* unix peers' uids; NULL any (peer.c) */
	bool	 metrics;	/* serve GET /metrics */
	char	*metrics_allow;	/* client addresses it is open to */
	char	*metrics_token;	/* or a Bearer token; NULL or "" none */
};

#define CONF_ENV_PREFIX	"DIS_CHECKPOINT_"

int	 conf_init(struct dis_config *);
int	 conf_set(struct dis_config *, const char *key, const char *value,
	    char *err, size_t errlen);
int	 conf_load_file(struct dis_config *, const char *path, char *err,
	    size_t errlen);
int	 conf_load_env(struct dis_config *, char *err, size_t errlen);
/* The word that sets an auth mode ("none", "token", ...); static. */
const char *conf_auth_name(enum auth_mode);
void	 conf_free(struct dis_config *);
/*
 * The configuration file to read, as every program of the package finds
 * it: flag (-c) if not NULL, else $DIS_CHECKPOINT_CONFIG, else
 * dis-checkpoint.conf beside the running binary, else the system file if
 * readable; NULL for none. The caller frees the string.
 */
char	*conf_find_file(const char *flag);
/* The system configuration file's path; static. */
const char *conf_system_file(void);

struct store_options;
/*
 * What cfg sets of the store, for store_open: must_exist refuses to
 * create a missing SQLite file. The strings are cfg's, so cfg outlives
 * the store's opening.
 */
struct store_options conf_store_options(const struct dis_config *cfg,
	    bool must_exist);

#endif
