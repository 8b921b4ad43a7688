/*
 * conf.c: one table of settings, and one of words for each setting that
 * takes words. The file, the environment and the -o flag all go through
 * conf_set, so a key means the same wherever it is given, and every
 * mistake names the key (and the line) at fault and the words it takes.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "addrlist.h"
#include "conf.h"
#include "store.h"
#include "text.h"

#ifndef DEFAULT_CREDENTIALS
#define DEFAULT_CREDENTIALS "/etc/dis-checkpoint.credentials"
#endif
#ifndef SYSCONF_FILE
#define SYSCONF_FILE "/etc/dis-checkpoint.conf"
#endif
#define CONF_NAME "dis-checkpoint.conf"
#ifndef DEFAULT_DATABASE
#define DEFAULT_DATABASE "/var/lib/dis-checkpoint/dis-checkpoint.db"
#endif

enum kind { K_STRING, K_INT, K_SIZE, K_BOOL, K_SYNC, K_JOURNAL, K_LOG, K_AUTH };

struct setting {
	const char	*key;
	enum kind	 kind;
	size_t		 offset;
	long long	 min, max;
};

#define AT(field)	offsetof(struct dis_config, field)

/* A word a setting takes and the value it stands for; case aside. */
struct word {
	const char	*text;
	int		 value;
	bool		 alias;		/* taken, not named in errors */
};

static const struct word bool_words[] = {
	{ "on", true, false }, { "off", false, false },
	{ "yes", true, true }, { "true", true, true }, { "1", true, true },
	{ "no", false, true }, { "false", false, true }, { "0", false, true },
	{ NULL, 0, false }
};
static const struct word sync_words[] = {
	{ "full", true, false }, { "normal", false, false }, { NULL, 0, false }
};
static const struct word log_words[] = {
	{ "auto", LOG_AUTO, false }, { "stderr", LOG_STDERR, false },
	{ "fastcgi", LOG_FASTCGI, false }, { NULL, 0, false }
};
/* SQLite's journal modes that survive a crash, passed on as given. */
static const struct word journal_words[] = {
	{ "wal", 0, false }, { "delete", 0, false }, { "truncate", 0, false },
	{ "persist", 0, false }, { NULL, 0, false }
};
static const struct word auth_words[] = {
	{ "none", AUTH_NONE, false }, { "token", AUTH_TOKEN, false },
	{ "aksk", AUTH_AKSK, false }, { "any", AUTH_ANY, false },
	{ NULL, 0, false }
};

/* The words of a kind that takes words; NULL for the others. */
static const struct word *
words_of(enum kind kind)
{
	switch (kind) {
	case K_BOOL:
		return bool_words;
	case K_SYNC:
		return sync_words;
	case K_JOURNAL:
		return journal_words;
	case K_LOG:
		return log_words;
	case K_AUTH:
		return auth_words;
	default:
		return NULL;
	}
}

static const struct setting settings[] = {
	{ "database", K_STRING, AT(database), 0, 0 },
	{ "base_path", K_STRING, AT(base_path), 0, 0 },
	{ "socket", K_STRING, AT(socket), 0, 0 },
	{ "journal_mode", K_JOURNAL, AT(journal_mode), 0, 0 },
	{ "synchronous", K_SYNC, AT(sync_full), 0, 0 },
	{ "wal_autocheckpoint", K_INT, AT(wal_autocheckpoint), 100, 1000000 },
	{ "body_limit", K_SIZE, AT(body_limit), 1, 64LL * 1024 * 1024 },
	{ "app_quota", K_INT, AT(app_quota), 0, 1000000000 },
	{ "app_stream_limit", K_INT, AT(app_stream_limit), 1, 100000 },
	{ "retry_after", K_INT, AT(retry_after), 0, 86400 },
	{ "busy_timeout", K_INT, AT(busy_timeout_ms), 1, 600000 },
	{ "history", K_INT, AT(history), 0, 1000 },
	{ "threads", K_INT, AT(threads), 1, 1024 },
	{ "request_timeout", K_INT, AT(request_timeout), 1, 3600 },
	{ "group_commit", K_BOOL, AT(group_commit), 0, 0 },
	{ "log", K_LOG, AT(log), 0, 0 },

	{ "auth", K_AUTH, AT(auth), 0, 0 },
	{ "credentials", K_STRING, AT(credentials), 0, 0 },
	{ "auth_regions", K_STRING, AT(auth_regions), 0, 0 },
	{ "auth_clock_skew", K_INT, AT(auth_clock_skew), 0, 86400 },

	{ "socket_mode", K_STRING, AT(socket_mode), 0, 0 },
	{ "socket_group", K_STRING, AT(socket_group), 0, 0 },
	{ "allow_addresses", K_STRING, AT(allow_addresses), 0, 0 },
	{ "allow_users", K_STRING, AT(allow_users), 0, 0 },
	{ "metrics", K_BOOL, AT(metrics), 0, 0 },
	{ "metrics_allow", K_STRING, AT(metrics_allow), 0, 0 },
	{ "metrics_token", K_STRING, AT(metrics_token), 0, 0 },
};

#define NSETTINGS	(sizeof(settings) / sizeof(settings[0]))

int
conf_init(struct dis_config *c)
{
	memset(c, 0, sizeof(*c));
	c->database = strdup(DEFAULT_DATABASE);
	c->base_path = strdup("");
	c->journal_mode = strdup("WAL");
	c->body_limit = 64 * 1024;
	c->app_quota = 1000;
	c->app_stream_limit = 1000;
	c->retry_after = 1;
	c->busy_timeout_ms = 2000;
	/*
	 * Four times SQLite's 1000: checkpoints' hot pages (a few consumers'
	 * rows, written over and over) are copied back a quarter as often,
	 * and up to 4062 pages the WAL's index is still one hash table.
	 */
	c->wal_autocheckpoint = 4000;
	c->history = 10;
	c->threads = 16;
	c->request_timeout = 30;
	c->sync_full = true;
	c->group_commit = true;
	/*
	 * Off unless asked for: the quick start and deployments behind an
	 * authenticating web server keep working, and every start without
	 * authentication says so in the log.
	 */
	c->auth = AUTH_NONE;
	c->credentials = strdup(DEFAULT_CREDENTIALS);
	c->auth_regions = strdup("");
	c->auth_clock_skew = 900;
	c->metrics_allow = strdup(ADDRLIST_LOOPBACK);
	return c->database && c->base_path && c->journal_mode &&
	    c->credentials && c->auth_regions && c->metrics_allow ? 0 : -1;
}

static int
parse_number(const char *value, long long min, long long max, long long *out)
{
	char	*end;

	errno = 0;
	*out = strtoll(value, &end, 10);
	return isdigit((unsigned char)*value) && *end == '\0' && errno == 0 &&
	    *out >= min && *out <= max ? 0 : -1;
}

static int
parse_word(const struct word *words, const char *value, int *out)
{
	for (; words->text != NULL; words++)
		if (strcasecmp(value, words->text) == 0) {
			*out = words->value;
			return 0;
		}
	return -1;
}

/* "a, b or c": the words of a list that are not aliases. */
static void
name_words(const struct word *words, char *buf, size_t size)
{
	const struct word	*w, *next;
	size_t			 len = 0;

	buf[0] = '\0';
	for (w = words; w->text != NULL; w = next) {
		for (next = w + 1; next->text != NULL && next->alias; next++)
			;
		if (w->alias || len >= size)
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    w == words ? "" : next->text == NULL ? " or " : ", ", w->text);
	}
}

static int
set_string(char **slot, const char *value)
{
	char	*copy = strdup(value);

	if (copy == NULL)
		return -1;
	free(*slot);
	*slot = copy;
	return 0;
}

int
conf_set(struct dis_config *c, const char *key, const char *value,
    char *err, size_t errlen)
{
	const struct setting	*s = NULL;
	const struct word	*words;
	char			*field, named[128];
	long long		 n;
	size_t			 i;
	int			 rc = -1, word = 0;

	for (i = 0; i < NSETTINGS && s == NULL; i++)
		if (strcmp(settings[i].key, key) == 0)
			s = &settings[i];
	if (s == NULL) {
		snprintf(err, errlen, "unknown setting \"%s\"", key);
		return -1;
	}
	if ((words = words_of(s->kind)) != NULL &&
	    parse_word(words, value, &word) == -1) {
		name_words(words, named, sizeof(named));
		snprintf(err, errlen, "%s: \"%s\" is not %s", key, value, named);
		return -1;
	}
	field = (char *)c + s->offset;
	switch (s->kind) {
	case K_STRING:
		rc = set_string((char **)field, value);
		break;
	case K_INT:
		if ((rc = parse_number(value, s->min, s->max, &n)) == 0)
			*(int *)field = (int)n;
		break;
	case K_SIZE:
		if ((rc = parse_number(value, s->min, s->max, &n)) == 0)
			*(size_t *)field = (size_t)n;
		break;
	case K_BOOL:
	case K_SYNC:
		*(bool *)field = word;
		rc = 0;
		break;
	case K_JOURNAL:
		rc = set_string((char **)field, value);
		break;
	case K_LOG:
		*(enum log_target *)field = (enum log_target)word;
		rc = 0;
		break;
	case K_AUTH:
		*(enum auth_mode *)field = (enum auth_mode)word;
		rc = 0;
		break;
	}
	if (rc != 0) {
		if (s->kind == K_INT || s->kind == K_SIZE)
			snprintf(err, errlen, "%s: \"%s\" is not a number from "
			    "%lld to %lld", key, value, s->min, s->max);
		else
			snprintf(err, errlen, "%s: out of memory", key);
	}
	return rc;
}

const char *
conf_auth_name(enum auth_mode mode)
{
	const struct word	*w;

	for (w = auth_words; w->text != NULL; w++)
		if (w->value == (int)mode)
			return w->text;
	return "?";
}

int
conf_load_file(struct dis_config *c, const char *path, char *err,
    size_t errlen)
{
	FILE	*f;
	char	 line[4096], inner[256];
	char	*key, *value, *eq;
	int	 lineno = 0, rc = 0;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		key = text_trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected key = value",
			    path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		key = text_trim(key);
		value = text_trim(eq + 1);
		if ((rc = conf_set(c, key, value, inner, sizeof(inner))) != 0)
			snprintf(err, errlen, "%s:%d: %s", path, lineno, inner);
	}
	fclose(f);
	return rc;
}

/* DIS_CHECKPOINT_DATABASE sets "database", and so on for every key. */
int
conf_load_env(struct dis_config *c, char *err, size_t errlen)
{
	char		 name[64], inner[256];
	const char	*value;
	size_t		 i, j, plen = strlen(CONF_ENV_PREFIX);

	for (i = 0; i < NSETTINGS; i++) {
		memcpy(name, CONF_ENV_PREFIX, plen);
		for (j = 0; settings[i].key[j] != '\0'; j++)
			name[plen + j] = (char)toupper((unsigned char)settings[i].key[j]);
		name[plen + j] = '\0';
		if ((value = getenv(name)) == NULL)
			continue;
		if (conf_set(c, settings[i].key, value, inner, sizeof(inner)) != 0) {
			snprintf(err, errlen, "%s: %s", name, inner);
			return -1;
		}
	}
	return 0;
}

void
conf_free(struct dis_config *c)
{
	free(c->database);
	free(c->base_path);
	free(c->socket);
	free(c->journal_mode);
	free(c->credentials);
	free(c->auth_regions);
	free(c->socket_mode);
	free(c->socket_group);
	free(c->allow_addresses);
	free(c->allow_users);
	free(c->metrics_allow);
	free(c->metrics_token);
	memset(c, 0, sizeof(*c));
}

const char *
conf_system_file(void)
{
	return SYSCONF_FILE;
}

static bool
readable(const char *path)
{
	return access(path, R_OK) == 0;
}

/* The file beside the binary serves shared hosts whose environment is stripped. */
char *
conf_find_file(const char *flag)
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

struct store_options
conf_store_options(const struct dis_config *cfg, bool must_exist)
{
	struct store_options	 o = {
		.path = cfg->database,
		.sync_full = cfg->sync_full,
		.journal_mode = cfg->journal_mode,
		.wal_autocheckpoint = cfg->wal_autocheckpoint,
		.busy_timeout_ms = cfg->busy_timeout_ms,
		.must_exist = must_exist,
		.history = cfg->history
	};

	return o;
}
