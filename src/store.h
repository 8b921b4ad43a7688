/*
 * store.h: the only way into the database. A narrow API: apply a batch of
 * writes in one transaction, and a few reads. Every key starts with the
 * project, so no call can reach another project's rows.
 */
#ifndef DIS_STORE_H
#define DIS_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "errors.h"

struct store;

struct store_options {
	const char	*path;		/* the database setting: an SQLite
					   path, or a libpq connection string
					   or URI for PostgreSQL */
	bool		 sync_full;	/* synchronous=FULL, else NORMAL;
					   PostgreSQL: synchronous_commit
					   kept on, else off */
	const char	*journal_mode;	/* "WAL" unless the disk cannot;
					   SQLite only */
	int		 wal_autocheckpoint;	/* SQLite: the WAL pages after
						   which a commit copies them
						   into the database; 0:
						   SQLite's default (1000) */
	int		 busy_timeout_ms;	/* the longest wait for a lock
						   or the server, then 503 */
	bool		 must_exist;	/* SQLite: fail rather than create
					   a missing file (the admin
					   command) */
	int		 history;	/* earlier values kept per
					   checkpoint; 0: no history */
};

/* Names one checkpoint, or with partition -1 every partition of a stream. */
struct checkpoint_key {
	const char	*project;
	const char	*app;
	const char	*stream;
	const char	*type;
	long long	 partition;
};

enum write_kind {
	WRITE_COMMIT_CHECKPOINT,
	WRITE_DELETE_CHECKPOINTS,
	WRITE_CREATE_APP,
	WRITE_DELETE_APP
};

/* One state change; apps use key.project and key.app only. */
struct write_op {
	enum write_kind		 kind;
	struct checkpoint_key	 key;
	long long		 sequence;
	const char		*metadata;
	const char		*app_id;
	long long		 create_time;
	int			 app_quota;
	int			 stream_limit;	/* per app; 0: no bound */
	enum dis_err		 result;	/* set once committed */
};

struct app_info {
	const char	*name;
	const char	*app_id;
	long long	 create_time;
	const char	**streams;	/* sorted; those holding a checkpoint */
	size_t		 nstreams;
};

/*
 * Visitors the reads call once per app or partition found. Everything they
 * are given belongs to the store and lives only for the call: copy what
 * must outlive it. A visitor returns 0 to go on; anything else stops the
 * read, which then fails with DIS_ERR_INTERNAL.
 */
typedef int store_app_fn(void *arg, const struct app_info *);
typedef int store_state_fn(void *arg, long long partition, long long sequence);

/*
 * The backend the database setting selects, "sqlite" or "postgresql", for
 * metrics and logs; static storage.
 */
const char	*store_kind(const char *database);

/*
 * Writes into buf (len bytes, truncated) the database setting as a log may
 * show it: an SQLite path as it is; a PostgreSQL connection string as the
 * server, database and user it names, without any password.
 */
void		 store_describe(const char *database, char *buf, size_t len);

/*
 * A store on opts->path, for one thread at a time (each thread opens its
 * own). The strings of opts are copied by pointer: they must outlive the
 * store. The database is connected to lazily: a database that cannot be
 * reached yet is logged and tried again by every call, so NULL means only
 * that memory ran out. The caller owns the store and frees it with
 * store_close (NULL is a no-op).
 */
struct store	*store_open(const struct store_options *opts);
void		 store_close(struct store *);

/*
 * Applies the n ops in one transaction, each inside its own savepoint (a
 * refused or failing op is undone alone), in the order given, so an op sees
 * what the ops before it did. Sets every op's result: DIS_OK only once the
 * transaction committed durably, which is what lets a caller answer 201;
 * else the op's own refusal (DIS_ERR_APP_EXISTS, DIS_ERR_APP_QUOTA,
 * DIS_ERR_APP_NOT_FOUND, DIS_ERR_STREAM_LIMIT) or the batch's error. Returns
 * DIS_OK when the transaction committed, else the error every op that had
 * not been refused fails with (DIS_ERR_UNAVAILABLE: retry later). The ops
 * and their strings stay the caller's; n may be 0.
 */
enum dis_err	 store_apply(struct store *, struct write_op **ops, size_t n);

/*
 * The checkpoint key names (partition >= 0): *sequence and a new string
 * *metadata, which the caller frees; -1 and NULL when the app holds none
 * there. DIS_ERR_APP_NOT_FOUND when the app does not exist.
 */
enum dis_err	 store_get_checkpoint(struct store *, const struct checkpoint_key *,
		    long long *sequence, char **metadata);

/*
 * Calls fn once with the project's app and the streams it holds
 * checkpoints on; DIS_ERR_APP_NOT_FOUND (fn not called) when there is none.
 */
enum dis_err	 store_get_app(struct store *, const char *project,
		    const char *app, store_app_fn *fn, void *arg);

/*
 * Calls fn for up to limit of the project's apps, in byte order of their
 * names, after start_after (NULL: from the first), only those holding a
 * checkpoint on stream (NULL: all). *total counts every app the stream
 * filter admits, whatever the page; *has_more says whether apps follow the
 * page. All from one snapshot.
 */
enum dis_err	 store_list_apps(struct store *, const char *project,
		    const char *stream, const char *start_after, int limit,
		    store_app_fn *fn, void *arg, long long *total,
		    bool *has_more);

/*
 * Calls fn for up to limit partitions of the key's app, stream and type
 * holding a checkpoint, in partition order, after key->partition (-1: from
 * the first); *has_more says whether more follow. DIS_ERR_APP_NOT_FOUND
 * when the app does not exist.
 */
enum dis_err	 store_partition_states(struct store *,
		    const struct checkpoint_key *key, int limit,
		    store_state_fn *fn, void *arg, bool *has_more);

/*
 * DIS_OK when the database is reachable and would take a write now (for
 * /health); writes nothing.
 */
enum dis_err	 store_check_writable(struct store *);

/* ---- for dis-checkpoint-admin: whole-database reads and upkeep ---- */

/* Who changed a checkpoint, as its history keeps it. */
enum change_origin {
	ORIGIN_API,	/* the service, for a client */
	ORIGIN_RESET,	/* dis-checkpoint-admin's commands */
	ORIGIN_IMPORT,
	ORIGIN_UNDO
};

/* "api", "reset", "import", "undo": static storage. */
const char	*store_origin_name(enum change_origin);

/*
 * What a planned change does in its transaction: it may call the reads of
 * this header on the store it is given, which then see the transaction
 * (what they return is what the ops change), and sets *ops and *n to the
 * changes, which stay its own. It returns DIS_OK to apply them, anything
 * else to give up: the transaction is rolled back and that is returned.
 */
typedef enum dis_err store_plan_fn(void *arg, struct store *,
		    struct write_op ***ops, size_t *n);

/*
 * Opens one transaction, calls plan, and when execute applies its ops as
 * one change of origin: all of them or, at the first refusal or failure,
 * none (*failed, when not NULL, is that op's index, SIZE_MAX when no op
 * is to blame). Each checkpoint changed keeps its earlier value in the
 * history, and each stream and type changed records the run as one
 * operation (store_last_operation). With app given, project's app is held
 * against every other writer while plan reads (DIS_ERR_APP_NOT_FOUND when
 * there is none). Without execute nothing is written: the reads see one
 * snapshot, and the ops are not applied. Returns DIS_OK once committed
 * durably (or the dry run read), else plan's answer, the refused op's
 * result or the batch's error; nothing is changed then.
 */
enum dis_err	 store_change(struct store *, enum change_origin origin,
		    const char *project, const char *app, bool execute,
		    store_plan_fn *plan, void *arg, size_t *failed);

/* One checkpoint with its whole key, as an operator sees it. */
struct checkpoint_row {
	const char	*app;
	const char	*stream;
	const char	*type;
	long long	 partition;
	long long	 sequence;
	const char	*metadata;
	long long	 changed_ms;	/* wall clock of its last write, ms
					   since 1970; 0 when written before
					   the store kept it */
};

/* Visitors as above: arguments live only for the call, 0 goes on. */
typedef int store_name_fn(void *arg, const char *name);
typedef int store_row_fn(void *arg, const struct checkpoint_row *);

/* Calls fn once per project holding an app, in byte order; one snapshot. */
enum dis_err	 store_list_projects(struct store *, store_name_fn *fn,
		    void *arg);

/*
 * Calls fn for every checkpoint of project, in key order (app, stream,
 * type, partition), only app's and stream's when they are not NULL; one
 * snapshot. DIS_ERR_APP_NOT_FOUND (fn not called) when app is given and
 * does not exist.
 */
enum dis_err	 store_list_checkpoints(struct store *, const char *project,
		    const char *app, const char *stream, store_row_fn *fn,
		    void *arg);

/* What store_check found. */
struct store_report {
	char		 integrity[256];	/* "ok", or the first problem
						   the database reports */
	int		 schema_version;
	long long	 projects;
	long long	 apps;
	long long	 checkpoints;
	long long	 orphans;	/* checkpoints of no existing app */
	long long	 history_changes; /* earlier values kept, removed
					   checkpoints' included */
	long long	 damaged_histories; /* SQLite: histories edited
					   around the store, which history
					   and undo cannot read */
};

/*
 * Fills *report from one snapshot: the database's own integrity check
 * (SQLite: PRAGMA integrity_check; PostgreSQL checks its pages itself and
 * says "ok"), the schema version and the counts. Writes nothing.
 */
enum dis_err	 store_check(struct store *, struct store_report *report);

/*
 * Writes a consistent copy of the whole database to path, a new file,
 * while writers go on, and checks the copy's integrity. DIS_ERR_INVALID
 * with why in err (errlen bytes) when it cannot: the file exists, the
 * copy is damaged, or the backend is backed up with its own tools
 * (PostgreSQL: pg_dump); other errors as the reads'.
 */
enum dis_err	 store_backup(struct store *, const char *path, char *err,
		    size_t errlen);

/* One earlier value of a checkpoint, as its history keeps it. */
struct history_row {
	const char	*type;
	long long	 partition;
	long long	 seq;		/* grows with each change of it */
	long long	 old_sequence;	/* -1: it held none */
	const char	*old_metadata;	/* NULL: it held none */
	long long	 old_set_ms;	/* when the old value was set; 0
					   unknown */
	long long	 new_sequence;	/* -1: deleted */
	const char	*new_metadata;	/* NULL: deleted */
	long long	 changed_ms;	/* when it changed */
	const char	*origin;	/* as store_origin_name */
	const char	*operation;	/* the admin run; NULL for the API */
};

typedef int store_history_fn(void *arg, const struct history_row *);

/*
 * Calls fn for each change kept of key's stream and type, of key's
 * partition or every one (-1), only operation's when it is not NULL: in
 * partition order, newest first within a partition; one snapshot.
 * DIS_ERR_APP_NOT_FOUND (fn not called) when the app does not exist.
 */
enum dis_err	 store_history(struct store *, const struct checkpoint_key *,
		    const char *operation, store_history_fn *fn, void *arg);

/* One run of an admin command on one stream and type. */
struct store_operation {
	char		 id[40];	/* "" when there is none */
	char		 origin[16];	/* as store_origin_name */
	long long	 at_ms;
	long long	 changes;	/* checkpoints it changed */
};

/*
 * The last reset or import of key's stream and type (its partition
 * ignored) into *op, with op->id "" when history holds none.
 * DIS_ERR_APP_NOT_FOUND when the app does not exist.
 */
enum dis_err	 store_last_operation(struct store *,
		    const struct checkpoint_key *, struct store_operation *op);

#endif
