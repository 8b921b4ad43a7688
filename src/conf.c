/*
 * conf.c: one table of settings. The file, the environment and the -o flag
 * all go through conf_set, so a key means the same wherever it is given,
 * and every mistake names the key (and the line) at fault.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "text.h"

#ifndef DEFAULT_CREDENTIALS
#define DEFAULT_CREDENTIALS "/etc/dis-checkpoint.credentials"
#endif
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

static const struct setting settings[] = {
	{ "database", K_STRING, AT(database), 0, 0 },
	{ "base_path", K_STRING, AT(base_path), 0, 0 },
	{ "socket", K_STRING, AT(socket), 0, 0 },
	{ "journal_mode", K_JOURNAL, AT(journal_mode), 0, 0 },
	{ "synchronous", K_SYNC, AT(sync_full), 0, 0 },
	{ "body_limit", K_SIZE, AT(body_limit), 1, 64LL * 1024 * 1024 },
	{ "app_quota", K_INT, AT(app_quota), 0, 1000000000 },
	{ "retry_after", K_INT, AT(retry_after), 0, 86400 },
	{ "busy_timeout", K_INT, AT(busy_timeout_ms), 1, 600000 },
	{ "threads", K_INT, AT(threads), 1, 1024 },
	{ "request_timeout", K_INT, AT(request_timeout), 1, 3600 },
	{ "group_commit", K_BOOL, AT(group_commit), 0, 0 },
	{ "log", K_LOG, AT(log), 0, 0 },

	{ "auth", K_AUTH, AT(auth), 0, 0 },
	{ "credentials", K_STRING, AT(credentials), 0, 0 },
	{ "auth_regions", K_STRING, AT(auth_regions), 0, 0 },
	{ "auth_clock_skew", K_INT, AT(auth_clock_skew), 0, 86400 },
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
	c->retry_after = 1;
	c->busy_timeout_ms = 2000;
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
	return c->database && c->base_path && c->journal_mode &&
	    c->credentials && c->auth_regions ? 0 : -1;
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
parse_bool(const char *value, bool *out)
{
	if (strcasecmp(value, "on") == 0 || strcasecmp(value, "yes") == 0 ||
	    strcasecmp(value, "true") == 0 || strcmp(value, "1") == 0)
		*out = true;
	else if (strcasecmp(value, "off") == 0 || strcasecmp(value, "no") == 0 ||
	    strcasecmp(value, "false") == 0 || strcmp(value, "0") == 0)
		*out = false;
	else
		return -1;
	return 0;
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
	char			*field;
	long long		 n;
	size_t			 i;
	int			 rc = -1;

	for (i = 0; i < NSETTINGS && s == NULL; i++)
		if (strcmp(settings[i].key, key) == 0)
			s = &settings[i];
	if (s == NULL) {
		snprintf(err, errlen, "unknown setting \"%s\"", key);
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
		rc = parse_bool(value, (bool *)field);
		break;
	case K_SYNC:
		rc = 0;
		if (strcasecmp(value, "full") == 0)
			*(bool *)field = true;
		else if (strcasecmp(value, "normal") == 0)
			*(bool *)field = false;
		else
			rc = -1;
		break;
	case K_LOG:
		rc = 0;
		if (strcasecmp(value, "auto") == 0)
			*(enum log_target *)field = LOG_AUTO;
		else if (strcasecmp(value, "stderr") == 0)
			*(enum log_target *)field = LOG_STDERR;
		else if (strcasecmp(value, "fastcgi") == 0)
			*(enum log_target *)field = LOG_FASTCGI;
		else
			rc = -1;
		break;
	case K_JOURNAL:
		rc = strcasecmp(value, "wal") == 0 ||
		    strcasecmp(value, "delete") == 0 ||
		    strcasecmp(value, "truncate") == 0 ||
		    strcasecmp(value, "persist") == 0 ?
		    set_string((char **)field, value) : -1;
		break;
	case K_AUTH:
		rc = 0;
		if (strcasecmp(value, "none") == 0)
			*(enum auth_mode *)field = AUTH_NONE;
		else if (strcasecmp(value, "token") == 0)
			*(enum auth_mode *)field = AUTH_TOKEN;
		else if (strcasecmp(value, "aksk") == 0)
			*(enum auth_mode *)field = AUTH_AKSK;
		else if (strcasecmp(value, "any") == 0)
			*(enum auth_mode *)field = AUTH_ANY;
		else
			rc = -1;
		break;
	}
	if (rc != 0) {
		if (s->kind == K_INT || s->kind == K_SIZE)
			snprintf(err, errlen, "%s: \"%s\" is not a number from "
			    "%lld to %lld", key, value, s->min, s->max);
		else if (s->kind == K_BOOL)
			snprintf(err, errlen, "%s: \"%s\" is not on or off",
			    key, value);
		else if (s->kind == K_SYNC)
			snprintf(err, errlen, "%s: \"%s\" is not full or normal",
			    key, value);
		else if (s->kind == K_LOG)
			snprintf(err, errlen, "%s: \"%s\" is not auto, stderr or "
			    "fastcgi", key, value);
		else if (s->kind == K_JOURNAL)
			snprintf(err, errlen, "%s: \"%s\" is not wal, delete, "
			    "truncate or persist", key, value);
		else if (s->kind == K_AUTH)
			snprintf(err, errlen, "%s: \"%s\" is not none, token, "
			    "aksk or any", key, value);
		else
			snprintf(err, errlen, "%s: out of memory", key);
	}
	return rc;
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
	memset(c, 0, sizeof(*c));
}
