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
	size_t	 body_limit;
	int	 app_quota;
	int	 retry_after;
	int	 busy_timeout_ms;
	int	 threads;
	int	 request_timeout; /* s to read a request, or write its answer */
	enum log_target log;
	bool	 sync_full;
	bool	 group_commit;
	enum auth_mode auth;
	char	*credentials;	/* the credentials file */
	char	*auth_regions;	/* regions accepted in a Credential; "" any */
	int	 auth_clock_skew; /* seconds X-Sdk-Date may be off */
};

#define CONF_ENV_PREFIX	"DIS_CHECKPOINT_"

int	 conf_init(struct dis_config *);
int	 conf_set(struct dis_config *, const char *key, const char *value,
	    char *err, size_t errlen);
int	 conf_load_file(struct dis_config *, const char *path, char *err,
	    size_t errlen);
int	 conf_load_env(struct dis_config *, char *err, size_t errlen);
void	 conf_free(struct dis_config *);

#endif
