/*
 * credentials.h: the credentials file the operator edits (tokens and AK/SK
 * pairs, each with the projects it may use), parsed into an immutable,
 * reference-counted snapshot, and the store that swaps in a new snapshot
 * when the file changes or on SIGHUP. A request holds the snapshot it
 * started with until it is done; nothing in a snapshot changes after it is
 * built. The file format is in doc/credentials-format.md.
 */
#ifndef DIS_CREDENTIALS_H
#define DIS_CREDENTIALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CRED_DIGEST_LEN	32	/* SHA-256 */

enum cred_kind {
	CRED_TOKEN,
	CRED_AKSK
};

struct cred {
	enum cred_kind	 kind;
	char		*id;		/* the AK; NULL for a token */
	char		*secret;	/* the token or the SK */
	/* SHA-256 of a token, so lookups compare equal-length digests. */
	unsigned char	 digest[CRED_DIGEST_LEN];
	char		**projects;	/* NULL when every project ("*") */
	size_t		 nprojects;
	int		 line;		/* where it came from, for the log */
};

struct cred_set;

/* Called once per line that is skipped; msg never quotes the line. */
typedef void cred_report_fn(void *arg, int line, const char *msg);

struct cred_set	*cred_parse(FILE *, cred_report_fn *, void *arg);
struct cred_set	*cred_empty(void);
size_t		 cred_count(const struct cred_set *);
struct cred_set	*cred_hold(struct cred_set *);
void		 cred_release(struct cred_set *);

/* The token's credential, compared in constant time; NULL if none. */
const struct cred *cred_find_token(const struct cred_set *, const char *token);
/* The AK's credential; AKs are not secret. NULL if none. */
const struct cred *cred_find_ak(const struct cred_set *, const char *ak);
bool		 cred_allows(const struct cred *, const char *project);

/*
 * The store: one file, its current snapshot, and when it was last looked
 * at. Safe to use from any number of threads.
 */
struct cred_store;

struct cred_store *cred_store_open(const char *path);
void		 cred_store_close(struct cred_store *);
/* The current snapshot, held: give it back with cred_release. */
struct cred_set	*cred_store_acquire(struct cred_store *);
/* Re-reads the file now (SIGHUP); the old snapshot stays if it cannot. */
void		 cred_store_reload(struct cred_store *);

#endif
