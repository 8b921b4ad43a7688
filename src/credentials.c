/*
 * credentials.c: parses the credentials file into a snapshot and keeps the
 * current snapshot of one file. A line that does not parse is reported with
 * its number and skipped, so a typo never grants anything and never stops
 * the service. Messages name the line, never its text, which holds secrets.
 *
 * The file is looked at no more than once a second. A file renamed into
 * place (a new inode) is read at once; a file changed in place is read
 * once it has settled (unchanged since the last look, or last written more
 * than a second ago), so an editor or a shell rewriting it is not read
 * half-written. SIGHUP reads it at once.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "credentials.h"
#include "log.h"
#include "names.h"

#define LINE_MAX_LEN	8192

struct cred_set {
	atomic_int	 refs;
	struct cred	*creds;
	size_t		 ncreds;
};

static void
cred_clear(struct cred *c)
{
	size_t	 i;

	free(c->id);
	if (c->secret != NULL) {
		OPENSSL_cleanse(c->secret, strlen(c->secret));
		free(c->secret);
	}
	for (i = 0; i < c->nprojects; i++)
		free(c->projects[i]);
	free(c->projects);
	memset(c, 0, sizeof(*c));
}

struct cred_set *
cred_empty(void)
{
	struct cred_set	*set = calloc(1, sizeof(*set));

	if (set != NULL)
		atomic_init(&set->refs, 1);
	return set;
}

size_t
cred_count(const struct cred_set *set)
{
	return set->ncreds;
}

struct cred_set *
cred_hold(struct cred_set *set)
{
	atomic_fetch_add(&set->refs, 1);
	return set;
}

void
cred_release(struct cred_set *set)
{
	size_t	 i;

	if (set == NULL || atomic_fetch_sub(&set->refs, 1) != 1)
		return;
	for (i = 0; i < set->ncreds; i++)
		cred_clear(&set->creds[i]);
	free(set->creds);
	free(set);
}

static int
sha256(const char *s, unsigned char out[CRED_DIGEST_LEN])
{
	return EVP_Digest(s, strlen(s), out, NULL, EVP_sha256(), NULL) ? 0 : -1;
}

/* Tokens and SKs: printable ASCII without spaces. */
static bool
is_secret_text(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < 0x21 || *s > 0x7e)
			return false;
	return true;
}

/* AKs end up inside "Credential=AK/date/...", so no '/', ',' or '='. */
static bool
is_ak_text(const char *s)
{
	size_t	 n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_.-");

	return n > 0 && s[n] == '\0';
}

/* "*", or project ids separated by commas. */
static const char *
parse_projects(char *text, struct cred *c)
{
	char	*p, *comma, **grown;

	if (strcmp(text, "*") == 0)
		return NULL;
	for (p = text;; p = comma + 1) {
		if ((comma = strchr(p, ',')) != NULL)
			*comma = '\0';
		if (!name_is_project(p))
			return "a project is not \"*\" or 1-64 characters of "
			    "A-Za-z0-9_-";
		grown = realloc(c->projects, (c->nprojects + 1) * sizeof(*grown));
		if (grown == NULL)
			return "out of memory";
		c->projects = grown;
		if ((c->projects[c->nprojects] = strdup(p)) == NULL)
			return "out of memory";
		c->nprojects++;
		if (comma == NULL)
			return NULL;
	}
}

static size_t
split(char *line, char **fields, size_t max)
{
	size_t	 n = 0;
	char	*save = NULL, *f;

	for (f = strtok_r(line, " \t\r\n", &save); f != NULL;
	    f = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == max)
			return max + 1;
		fields[n++] = f;
	}
	return n;
}

/* Fills c from one line; NULL, or why the line is skipped. */
static const char *
parse_line(char *line, struct cred *c)
{
	char		*f[5] = { NULL };
	size_t		 n = split(line, f, 4);
	const char	*why;

	if (n == 0)
		return "no fields";
	if (strcmp(f[0], "token") == 0) {
		if (n != 3)
			return "expected: token <token> <projects>";
		if (!is_secret_text(f[1]))
			return "the token has characters other than printable "
			    "ASCII";
		c->kind = CRED_TOKEN;
		if ((c->secret = strdup(f[1])) == NULL)
			return "out of memory";
		if (sha256(c->secret, c->digest) == -1)
			return "cannot hash the token";
		why = parse_projects(f[2], c);
	} else if (strcmp(f[0], "aksk") == 0) {
		if (n != 4)
			return "expected: aksk <AK> <SK> <projects>";
		if (!is_ak_text(f[1]))
			return "the AK has characters other than A-Za-z0-9_.-";
		if (!is_secret_text(f[2]))
			return "the SK has characters other than printable "
			    "ASCII";
		c->kind = CRED_AKSK;
		if ((c->id = strdup(f[1])) == NULL ||
		    (c->secret = strdup(f[2])) == NULL)
			return "out of memory";
		why = parse_projects(f[3], c);
	} else
		return "unknown kind of credential: expected token or aksk";
	return why;
}

/* A second line for the same token or AK is a mistake; the first stays. */
static const struct cred *
duplicate_of(const struct cred_set *set, const struct cred *c)
{
	return c->kind == CRED_TOKEN ? cred_find_token(set, c->secret) :
	    cred_find_ak(set, c->id);
}

static bool
blank_or_comment(const char *line)
{
	line += strspn(line, " \t\r\n");
	return *line == '\0' || *line == '#';
}

struct cred_set *
cred_parse(FILE *f, cred_report_fn *report, void *arg)
{
	struct cred_set		*set;
	struct cred		 c, *grown;
	const struct cred	*dup;
	const char		*why;
	char			*line = NULL, msg[128];
	size_t			 cap = 0;
	ssize_t			 len;
	int			 lineno = 0;

	if ((set = cred_empty()) == NULL)
		return NULL;
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		if (blank_or_comment(line))
			continue;
		memset(&c, 0, sizeof(c));
		c.line = lineno;
		why = NULL;
		if (len > LINE_MAX_LEN || strlen(line) != (size_t)len)
			why = "longer than 8192 bytes or holds a NUL byte";
		else
			why = parse_line(line, &c);
		if (why == NULL && (dup = duplicate_of(set, &c)) != NULL) {
			snprintf(msg, sizeof(msg), "the same %s as line %d, "
			    "which stays", c.kind == CRED_TOKEN ? "token" :
			    "AK", dup->line);
			why = msg;
		}
		if (why == NULL && (grown = realloc(set->creds,
		    (set->ncreds + 1) * sizeof(*grown))) == NULL)
			why = "out of memory";
		if (why != NULL) {
			report(arg, lineno, why);
			cred_clear(&c);
		} else {
			set->creds = grown;
			set->creds[set->ncreds++] = c;
		}
		OPENSSL_cleanse(line, cap);
	}
	free(line);
	return set;
}

const struct cred *
cred_find_token(const struct cred_set *set, const char *token)
{
	unsigned char		 d[CRED_DIGEST_LEN];
	const struct cred	*found = NULL;
	size_t			 i;

	if (sha256(token, d) == -1)
		return NULL;
	/* Every token is compared, to the last byte, whatever matches. */
	for (i = 0; i < set->ncreds; i++)
		if (set->creds[i].kind == CRED_TOKEN &&
		    CRYPTO_memcmp(set->creds[i].digest, d, sizeof(d)) == 0 &&
		    found == NULL)
			found = &set->creds[i];
	return found;
}

const struct cred *
cred_find_ak(const struct cred_set *set, const char *ak)
{
	size_t	 i;

	for (i = 0; i < set->ncreds; i++)
		if (set->creds[i].kind == CRED_AKSK &&
		    strcmp(set->creds[i].id, ak) == 0)
			return &set->creds[i];
	return NULL;
}

bool
cred_allows(const struct cred *c, const char *project)
{
	size_t	 i;

	if (c->projects == NULL)
		return true;
	for (i = 0; i < c->nprojects; i++)
		if (strcmp(c->projects[i], project) == 0)
			return true;
	return false;
}

/* What tells one version of the file from the next. */
struct file_id {
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtime;
	bool		 valid;
};

struct cred_store {
	pthread_mutex_t	 lock;
	char		*path;
	struct cred_set	*current;
	struct file_id	 loaded;	/* the file current was read from */
	struct file_id	 pending;	/* a change seen, not yet settled */
	time_t		 checked;	/* monotonic second of the last look */
	bool		 missing;	/* the file could not be read */
};

static struct file_id
file_id_of(const struct stat *st)
{
	struct file_id	 id;

	memset(&id, 0, sizeof(id));
	id.dev = st->st_dev;
	id.ino = st->st_ino;
	id.size = st->st_size;
	id.mtime = st->st_mtim;
	id.valid = true;
	return id;
}

static bool
same_file(const struct file_id *a, const struct file_id *b)
{
	return a->valid && b->valid && a->dev == b->dev && a->ino == b->ino &&
	    a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static void
report_line(void *arg, int line, const char *msg)
{
	log_message("%s:%d: skipped: %s", (const char *)arg, line, msg);
}

/* Reads the file; false (and the old snapshot stays) if it cannot. */
static bool
load(struct cred_store *s)
{
	struct cred_set	*set, *old;
	struct stat	 before, after;
	struct file_id	 first, last;
	FILE		*f;

	if ((f = fopen(s->path, "r")) == NULL || fstat(fileno(f), &before) == -1) {
		if (!s->missing)
			log_message("credentials %s: %s; %s", s->path,
			    strerror(errno), s->loaded.valid ?
			    "the credentials read before stay in use" :
			    "no credential is accepted until it can be read");
		s->missing = true;
		if (f != NULL)
			fclose(f);
		return false;
	}
	set = cred_parse(f, report_line, s->path);
	if (fstat(fileno(f), &after) == -1)
		after = before;
	fclose(f);
	if (set == NULL) {
		log_message("credentials %s: out of memory", s->path);
		return false;
	}
	/* Changed while we read it: read it again at the next look. */
	first = file_id_of(&before);
	last = file_id_of(&after);
	if (!same_file(&first, &last)) {
		cred_release(set);
		return false;
	}
	if (before.st_mode & (S_IRWXG | S_IRWXO))
		log_message("credentials %s: readable by other users; "
		    "chmod 600 it", s->path);
	log_message("credentials %s: %zu in use", s->path, set->ncreds);
	old = s->current;
	s->current = set;
	s->loaded = last;
	s->pending.valid = false;
	s->missing = false;
	cred_release(old);
	return true;
}

static time_t
mono_seconds(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * Reads the file if it changed and is complete: renamed into place, or
 * unchanged since the last look, or last written more than a second ago.
 */
static void
look(struct cred_store *s)
{
	struct stat	 st;
	struct file_id	 id;
	struct timespec	 now;

	if (stat(s->path, &st) == -1) {
		load(s);	/* reports the error, once */
		return;
	}
	id = file_id_of(&st);
	if (same_file(&id, &s->loaded))
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	/* A new inode is a file renamed into place: whole at once. */
	if (!s->loaded.valid || id.ino != s->loaded.ino ||
	    id.dev != s->loaded.dev || same_file(&id, &s->pending) ||
	    st.st_mtim.tv_sec < now.tv_sec - 1) {
		load(s);
		return;
	}
	s->pending = id;
}

struct cred_store *
cred_store_open(const char *path)
{
	struct cred_store	*s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	if ((s->path = strdup(path)) == NULL ||
	    (s->current = cred_empty()) == NULL ||
	    pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s->path);
		free(s->current);
		free(s);
		return NULL;
	}
	s->checked = mono_seconds();
	load(s);
	return s;
}

void
cred_store_close(struct cred_store *s)
{
	if (s == NULL)
		return;
	pthread_mutex_destroy(&s->lock);
	cred_release(s->current);
	free(s->path);
	free(s);
}

struct cred_set *
cred_store_acquire(struct cred_store *s)
{
	struct cred_set	*set;
	time_t		 now = mono_seconds();

	pthread_mutex_lock(&s->lock);
	if (now != s->checked) {
		s->checked = now;
		look(s);
	}
	set = cred_hold(s->current);
	pthread_mutex_unlock(&s->lock);
	return set;
}

void
cred_store_reload(struct cred_store *s)
{
	pthread_mutex_lock(&s->lock);
	s->missing = false;	/* an explicit reload reports again */
	load(s);
	pthread_mutex_unlock(&s->lock);
}
