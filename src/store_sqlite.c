/*
 * store_sqlite.c: the SQLite backend, for a database setting that is a
 * path. One connection per store, used by one thread at a time, opened
 * lazily and reopened after the database went away, so the service
 * recovers by itself when the disk or file comes back. Writers take the
 * file's write lock (BEGIN IMMEDIATE), which makes every check-then-write
 * of a batch (quota, stream bound, existence) safe across processes.
 * Statements are prepared once per connection and reset after every use.
 * A write of a checkpoint keeps the value it replaces in the checkpoint's
 * own row, in its history column (history.h), pruned in the same write; a
 * delete moves the history, with the delete appended, to the removed
 * table, from where a new write of the checkpoint takes it back.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "history.h"
#include "log.h"
#include "store_backend.h"

#define SCHEMA_VERSION	5

static const char schema_v1[] =
	"CREATE TABLE apps ("
	"  project     TEXT NOT NULL,"
	"  name        TEXT NOT NULL,"
	"  app_id      TEXT NOT NULL,"
	"  create_time INTEGER NOT NULL,"
	"  PRIMARY KEY (project, name)"
	") WITHOUT ROWID;"
	"CREATE TABLE checkpoints ("
	"  project     TEXT NOT NULL,"
	"  app         TEXT NOT NULL,"
	"  stream      TEXT NOT NULL,"
	"  type        TEXT NOT NULL,"
	"  partition   INTEGER NOT NULL,"
	"  sequence    INTEGER NOT NULL,"
	"  metadata    TEXT NOT NULL,"
	"  PRIMARY KEY (project, app, stream, type, partition)"
	") WITHOUT ROWID;"
	"PRAGMA user_version = 1;";

/* Each checkpoint's last change, for the admin command (0: before v2). */
static const char schema_v2[] =
	"ALTER TABLE checkpoints ADD COLUMN changed INTEGER NOT NULL DEFAULT 0;"
	"PRAGMA user_version = 2;";

/*
 * Each checkpoint's earlier values, newest last (seq grows per
 * checkpoint): old_* is the value it replaced (NULLs: none), set at
 * old_set_at (NULL: unknown); new_* what it became (NULLs: deleted). An
 * admin command's run is one operation per stream and type it changed.
 */
static const char schema_v3[] =
	"CREATE TABLE history ("
	"  project      TEXT NOT NULL,"
	"  app          TEXT NOT NULL,"
	"  stream       TEXT NOT NULL,"
	"  type         TEXT NOT NULL,"
	"  partition    INTEGER NOT NULL,"
	"  seq          INTEGER NOT NULL,"
	"  old_sequence INTEGER,"
	"  old_metadata TEXT,"
	"  old_set_at   INTEGER,"
	"  new_sequence INTEGER,"
	"  new_metadata TEXT,"
	"  changed_at   INTEGER NOT NULL,"
	"  origin       TEXT NOT NULL,"
	"  operation    TEXT,"
	"  PRIMARY KEY (project, app, stream, type, partition, seq)"
	") WITHOUT ROWID;"
	"CREATE TABLE operations ("
	"  project      TEXT NOT NULL,"
	"  app          TEXT NOT NULL,"
	"  stream       TEXT NOT NULL,"
	"  type         TEXT NOT NULL,"
	"  id           TEXT NOT NULL,"
	"  origin       TEXT NOT NULL,"
	"  at           INTEGER NOT NULL,"
	"  changes      INTEGER NOT NULL,"
	"  PRIMARY KEY (project, app, stream, type, id)"
	") WITHOUT ROWID;"
	"PRAGMA user_version = 3;";

/*
 * The history of the rows of checkpoints and removed (see history.h) that
 * match the condition on their key columns, one row per change: the v3
 * history table's columns, what a change made being the next one's old
 * value or, for the newest, the checkpoint's value (none when removed).
 * json_extract, not ->> (SQLite 3.38): the view is in the file's schema,
 * which an older sqlite3 elsewhere must still parse to read the file.
 */
#define HISTORY_ROWS(where) \
	"SELECT h.project, h.app, h.stream, h.type, h.partition," \
	" json_extract(e.value, '$[0]') AS seq," \
	" json_extract(e.value, '$[4]') AS old_sequence," \
	" json_extract(e.value, '$[6]') AS old_metadata," \
	" json_extract(e.value, '$[5]') AS old_set_at," \
	" CASE WHEN lead(e.key) OVER w IS NULL THEN h.now_sequence" \
	"  ELSE lead(json_extract(e.value, '$[4]')) OVER w END AS new_sequence," \
	" CASE WHEN lead(e.key) OVER w IS NULL THEN h.now_metadata" \
	"  ELSE lead(json_extract(e.value, '$[6]')) OVER w END AS new_metadata," \
	" json_extract(e.value, '$[1]') AS changed_at," \
	" json_extract(e.value, '$[2]') AS origin," \
	" json_extract(e.value, '$[3]') AS operation" \
	" FROM (SELECT project, app, stream, type, partition," \
	"  sequence AS now_sequence, metadata AS now_metadata, history" \
	"  FROM checkpoints WHERE history IS NOT NULL AND " where \
	"  UNION ALL SELECT project, app, stream, type, partition, NULL, NULL," \
	"  history FROM removed WHERE " where ") h, json_each(h.history) e" \
	" WINDOW w AS (PARTITION BY h.project, h.app, h.stream, h.type," \
	"  h.partition ORDER BY e.key)"

/* NEW's key, and NEW as one change of a history text. */
#define NEW_KEY(p)	p "project = NEW.project AND " p "app = NEW.app AND " \
	p "stream = NEW.stream AND " p "type = NEW.type AND " \
	p "partition = NEW.partition"
#define NEW_CHANGE	"json_array(NEW.seq, NEW.changed_at, NEW.origin," \
	" NEW.operation, NEW.old_sequence, NEW.old_set_at," \
	" CASE WHEN NEW.old_sequence IS NOT NULL THEN NEW.old_metadata END)"

/* history_rows, and the trigger that appends a row inserted into it. */
#define HISTORY_ROWS_VIEW \
	"CREATE VIEW history_rows AS " HISTORY_ROWS("1") ";" \
	"CREATE TRIGGER history_rows_insert INSTEAD OF INSERT ON history_rows" \
	" BEGIN" \
	"  UPDATE checkpoints SET history = json_insert(coalesce(history, '[]')," \
	"   '$[#]', " NEW_CHANGE ") WHERE " NEW_KEY("") ";" \
	"  UPDATE removed SET history = json_insert(history, '$[#]', " \
	NEW_CHANGE ") WHERE " NEW_KEY("") " AND NOT EXISTS (SELECT 1" \
	"   FROM checkpoints c WHERE " NEW_KEY("c.") ");" \
	"  INSERT INTO removed SELECT NEW.project, NEW.app, NEW.stream," \
	"   NEW.type, NEW.partition, json_array(" NEW_CHANGE ")" \
	"   WHERE NOT EXISTS (SELECT 1 FROM checkpoints c WHERE " NEW_KEY("c.") \
	"   ) AND NOT EXISTS (SELECT 1 FROM removed r WHERE " NEW_KEY("r.") ");" \
	" END;"

/*
 * Each checkpoint's history moves into its own row (history.h), and a
 * removed checkpoint's into removed: a write then costs no second B-tree.
 * history_rows shows it as the v3 table did; a row inserted into it, in
 * seq order, is appended to its checkpoint's history (or its removed
 * one's): the v3 rows come over that way, and dis-checkpoint-copy's.
 */
static const char schema_v4[] =
	"ALTER TABLE checkpoints ADD COLUMN history TEXT;"
	"CREATE TABLE removed ("
	"  project      TEXT NOT NULL,"
	"  app          TEXT NOT NULL,"
	"  stream       TEXT NOT NULL,"
	"  type         TEXT NOT NULL,"
	"  partition    INTEGER NOT NULL,"
	"  history      TEXT NOT NULL,"
	"  PRIMARY KEY (project, app, stream, type, partition)"
	") WITHOUT ROWID;"
	HISTORY_ROWS_VIEW
	"INSERT INTO history_rows (project, app, stream, type, partition, seq,"
	" old_sequence, old_metadata, old_set_at, changed_at, origin, operation)"
	" SELECT project, app, stream, type, partition, seq, old_sequence,"
	" old_metadata, old_set_at, changed_at, origin, operation FROM history"
	" ORDER BY project, app, stream, type, partition, seq;"
	"DROP TABLE history;"
	"PRAGMA user_version = 4;";

/*
 * checkpoints becomes a rowid table, its key a unique index. A WITHOUT
 * ROWID row keeps at most 1,002 bytes in a 4 kB page and a rowid one
 * 4,061: with its history a row passes the first at 45 characters of
 * metadata, and every write then rewrote an overflow page too (2.2 times
 * the work of one without history, against 1.2). An update leaves the
 * index as it is, and finds the row by the small, dense index: 17 % fewer
 * instructions a write even below that size (doc/benchmark.md). The view
 * and trigger that name the table are made again around it.
 */
static const char schema_v5[] =
	"DROP TRIGGER history_rows_insert;"
	"DROP VIEW history_rows;"
	"CREATE TABLE checkpoints_v5 ("
	"  project     TEXT NOT NULL,"
	"  app         TEXT NOT NULL,"
	"  stream      TEXT NOT NULL,"
	"  type        TEXT NOT NULL,"
	"  partition   INTEGER NOT NULL,"
	"  sequence    INTEGER NOT NULL,"
	"  metadata    TEXT NOT NULL,"
	"  changed     INTEGER NOT NULL DEFAULT 0,"
	"  history     TEXT,"
	"  UNIQUE (project, app, stream, type, partition)"
	");"
	"INSERT INTO checkpoints_v5 (project, app, stream, type, partition,"
	" sequence, metadata, changed, history) SELECT project, app, stream,"
	" type, partition, sequence, metadata, changed, history"
	" FROM checkpoints ORDER BY project, app, stream, type, partition;"
	"DROP TABLE checkpoints;"
	"ALTER TABLE checkpoints_v5 RENAME TO checkpoints;"
	HISTORY_ROWS_VIEW
	"PRAGMA user_version = 5;";

/* The steps after each version, taken in one transaction. */
static const char *const migrations[SCHEMA_VERSION] = { schema_v1, schema_v2,
    schema_v3, schema_v4, schema_v5 };

enum stmt {
	ST_BEGIN_WRITE,
	ST_BEGIN_READ,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_APP_GET,
	ST_APP_COUNT,
	ST_APP_INSERT,
	ST_APP_DELETE,
	ST_APP_STREAMS,
	ST_APP_LIST,
	ST_APP_LIST_TOTAL,
	ST_STREAM_HELD,
	ST_STREAM_COUNT,
	ST_CKPT_UPSERT,
	ST_CKPT_REWRITE,
	ST_CKPT_GET,
	ST_CKPT_DELETE_ONE,
	ST_CKPT_DELETE_STREAM,
	ST_CKPT_DELETE_APP,
	ST_STATES,
	ST_PROJECTS,
	ST_ROWS,
	ST_COUNTS,
	ST_CKPT_NOW,
	ST_CKPT_STREAM_ROWS,
	ST_REMOVED_GET,
	ST_REMOVED_PUT,
	ST_REMOVED_DROP,
	ST_REMOVED_DELETE_APP,
	ST_HIST_ROWS,
	ST_OP_RECORD,
	ST_OP_PRUNE,
	ST_OP_DELETE_APP,
	ST_OP_LAST,
	ST__COUNT
};

#define KEY_IS(p)	p "project = ?1 AND " p "app = ?2 AND " p "stream = ?3" \
	" AND " p "type = ?4"


static const char *const sql[ST__COUNT] = {
	[ST_BEGIN_WRITE] = "BEGIN IMMEDIATE",
	[ST_BEGIN_READ] = "BEGIN",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT op",
	[ST_RELEASE] = "RELEASE op",
	[ST_ROLLBACK_TO] = "ROLLBACK TO op",
	[ST_APP_GET] = "SELECT name, app_id, create_time FROM apps"
	    " WHERE project = ?1 AND name = ?2",
	[ST_APP_COUNT] = "SELECT count(*) FROM apps WHERE project = ?1",
	[ST_APP_INSERT] = "INSERT INTO apps (project, name, app_id, create_time)"
	    " VALUES (?1, ?2, ?3, ?4)",
	[ST_APP_DELETE] = "DELETE FROM apps WHERE project = ?1 AND name = ?2",
	[ST_APP_STREAMS] = "SELECT DISTINCT stream FROM checkpoints"
	    " WHERE project = ?1 AND app = ?2 ORDER BY stream",
	[ST_APP_LIST] = "SELECT name, app_id, create_time FROM apps a"
	    " WHERE project = ?1 AND (?2 IS NULL OR name > ?2)"
	    " AND (?3 IS NULL OR EXISTS (SELECT 1 FROM checkpoints c"
	    "  WHERE c.project = a.project AND c.app = a.name AND c.stream = ?3))"
	    " ORDER BY name LIMIT ?4",
	[ST_APP_LIST_TOTAL] = "SELECT count(*) FROM apps a WHERE project = ?1"
	    " AND (?2 IS NULL OR EXISTS (SELECT 1 FROM checkpoints c"
	    "  WHERE c.project = a.project AND c.app = a.name AND c.stream = ?2))",
	[ST_STREAM_HELD] = "SELECT 1 FROM checkpoints WHERE project = ?1"
	    " AND app = ?2 AND stream = ?3 LIMIT 1",
	[ST_STREAM_COUNT] = "SELECT count(DISTINCT stream) FROM checkpoints"
	    " WHERE project = ?1 AND app = ?2",
	[ST_CKPT_UPSERT] = "INSERT OR REPLACE INTO checkpoints (project, app,"
	    " stream, type, partition, sequence, metadata, changed, history)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	/*
	 * A held checkpoint's write, one statement: SET sees the row as it
	 * was, so the history (?9: kept) appends its old value itself. Not a
	 * replace, which deletes the row and inserts it again, rebalancing
	 * its page: an update rewrites the cell in place when its size stays
	 * the same, as a history's mostly does.
	 */
	[ST_CKPT_REWRITE] = "UPDATE checkpoints SET sequence = ?6,"
	    " metadata = ?7, changed = ?8, history = CASE WHEN ?9 THEN"
	    " dis_history_append(history, sequence, metadata, changed) END"
	    " WHERE " KEY_IS("") " AND partition = ?5",
	/* One statement, so one snapshot: a row if the app exists, with a
	 * NULL sequence when it holds no checkpoint there. */
	[ST_CKPT_GET] = "SELECT c.sequence, c.metadata FROM apps a"
	    " LEFT JOIN checkpoints c ON c.project = a.project"
	    " AND c.app = a.name AND c.stream = ?3 AND c.type = ?4"
	    " AND c.partition = ?5"
	    " WHERE a.project = ?1 AND a.name = ?2",
	[ST_CKPT_DELETE_ONE] = "DELETE FROM checkpoints WHERE project = ?1"
	    " AND app = ?2 AND stream = ?3 AND type = ?4 AND partition = ?5",
	[ST_CKPT_DELETE_STREAM] = "DELETE FROM checkpoints WHERE project = ?1"
	    " AND app = ?2 AND stream = ?3 AND type = ?4",
	[ST_CKPT_DELETE_APP] = "DELETE FROM checkpoints WHERE project = ?1"
	    " AND app = ?2",
	[ST_STATES] = "SELECT partition, sequence FROM checkpoints"
	    " WHERE project = ?1 AND app = ?2 AND stream = ?3 AND type = ?4"
	    " AND partition > ?5 ORDER BY partition LIMIT ?6",
	[ST_PROJECTS] = "SELECT DISTINCT project FROM apps ORDER BY project",
	[ST_ROWS] = "SELECT app, stream, type, partition, sequence, metadata,"
	    " changed FROM checkpoints WHERE project = ?1"
	    " AND (?2 IS NULL OR app = ?2) AND (?3 IS NULL OR stream = ?3)"
	    " ORDER BY app, stream, type, partition",
	[ST_COUNTS] = "SELECT (SELECT count(DISTINCT project) FROM apps),"
	    " (SELECT count(*) FROM apps), (SELECT count(*) FROM checkpoints),"
	    " (SELECT count(*) FROM checkpoints c WHERE NOT EXISTS (SELECT 1"
	    "  FROM apps a WHERE a.project = c.project AND a.name = c.app)),"
	    " (SELECT user_version FROM pragma_user_version)",
	[ST_CKPT_NOW] = "SELECT sequence, metadata, changed, history"
	    " FROM checkpoints WHERE " KEY_IS("") " AND partition = ?5",
	[ST_CKPT_STREAM_ROWS] = "SELECT sequence, metadata, changed, history,"
	    " partition FROM checkpoints WHERE " KEY_IS(""),
	[ST_REMOVED_GET] = "SELECT history FROM removed WHERE " KEY_IS("")
	    " AND partition = ?5",
	[ST_REMOVED_PUT] = "INSERT OR REPLACE INTO removed (project, app,"
	    " stream, type, partition, history) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_REMOVED_DROP] = "DELETE FROM removed WHERE " KEY_IS("")
	    " AND partition = ?5",
	[ST_REMOVED_DELETE_APP] = "DELETE FROM removed WHERE project = ?1"
	    " AND app = ?2",
	[ST_HIST_ROWS] = "SELECT type, partition, seq, old_sequence,"
	    " old_metadata, old_set_at, new_sequence, new_metadata, changed_at,"
	    " origin, operation FROM (" HISTORY_ROWS(KEY_IS("")
	    " AND (?5 < 0 OR partition = ?5)") ")"
	    " WHERE ?6 IS NULL OR operation = ?6 ORDER BY partition, seq DESC",
	[ST_OP_RECORD] = "INSERT INTO operations (project, app, stream, type,"
	    " id, origin, at, changes) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7,"
	    " count(*) FROM (SELECT history FROM checkpoints WHERE " KEY_IS("")
	    "  UNION ALL SELECT history FROM removed WHERE " KEY_IS("") ") h,"
	    " json_each(h.history) e WHERE json_extract(e.value, '$[3]') = ?5"
	    " HAVING count(*) > 0",
	/* As many runs are kept as values per checkpoint. */
	[ST_OP_PRUNE] = "DELETE FROM operations WHERE " KEY_IS("")
	    " AND id NOT IN (SELECT id FROM operations WHERE " KEY_IS("")
	    "  ORDER BY at DESC, id DESC LIMIT ?5)",
	[ST_OP_DELETE_APP] = "DELETE FROM operations WHERE project = ?1"
	    " AND app = ?2",
	[ST_OP_LAST] = "SELECT id, origin, at, changes FROM operations WHERE "
	    KEY_IS("") " AND origin IN ('reset', 'import')"
	    " ORDER BY at DESC, id DESC LIMIT 1",
};

struct lite {
	struct store_options	 opts;
	sqlite3			*db;
	sqlite3_stmt		*stmt[ST__COUNT];
	long long		 busy_since_ms;
	unsigned int		 seed;
	bool			 on_disk;	/* not ":memory:" or "" */
	bool			 drop_after_commit; /* an op lost the file */
	bool			 in_change;	/* a change's transaction is
						   open: reads run in it */
	const char		*origin;	/* of the open write */
	const char		*operation;
	long long		 now_ms;	/* its time: of all its changes */
	struct history_text	 hist;		/* a history being written */
	const struct checkpoint_key *writing;	/* by ST_CKPT_REWRITE */
	bool			 rewrote_none;	/* its row had no history */
	dev_t			 dev;		/* the file db has open */
	ino_t			 ino;
};

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * SQLite's own busy handler sleeps in growing steps and starves a waiting
 * writer while another process commits back to back. Short, jittered sleeps
 * until a deadline give every process its turn; past the deadline the
 * request gets 503.
 */
static int
busy_wait(void *arg, int count)
{
	struct lite	*s = arg;
	struct timespec	 ts;

	if (count == 0)
		s->busy_since_ms = now_ms();
	else if (now_ms() - s->busy_since_ms >= s->opts.busy_timeout_ms)
		return 0;
	ts.tv_sec = 0;
	ts.tv_nsec = (long)(200 + rand_r(&s->seed) % 1800) * 1000;
	nanosleep(&ts, NULL);
	return 1;
}

/* The database is gone, read-only, full or busy: the client may retry. */
static enum dis_err
error_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_PERM:
	case SQLITE_PROTOCOL:
		return DIS_ERR_UNAVAILABLE;
	default:
		return DIS_ERR_INTERNAL;
	}
}

static void
disconnect(struct lite *s)
{
	size_t	 i;

	for (i = 0; i < ST__COUNT; i++) {
		sqlite3_finalize(s->stmt[i]);
		s->stmt[i] = NULL;
	}
	sqlite3_close(s->db);
	s->db = NULL;
}

/*
 * Logs a failure; a connection that may have lost its file is dropped, and
 * so is one that could open the file only read-only, or it would stay
 * read-only after the file became writable again.
 */
static bool
must_reconnect(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return true;
	default:
		return false;
	}
}

static enum dis_err
fail(struct lite *s, int rc, const char *what)
{
	log_message("database: %s: %s (%s)", what, sqlite3_errstr(rc),
	    s->db ? sqlite3_errmsg(s->db) : s->opts.path);
	if (must_reconnect(rc))
		disconnect(s);
	return error_of(rc);
}

static int
exec(struct lite *s, const char *text)
{
	return sqlite3_exec(s->db, text, NULL, NULL, NULL);
}

static int
user_version(struct lite *s, int *version)
{
	sqlite3_stmt	*st;
	int		 rc;

	rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* The indexes and triggers in a file before its migration. */
struct schema_objects {
	struct schema_object {
		char	*type, *name, *table, *sql;
	}		*v;
	size_t		 n;
};

static void
schema_objects_free(struct schema_objects *o)
{
	size_t	 i;

	for (i = 0; i < o->n; i++) {
		free(o->v[i].type);
		free(o->v[i].name);
		free(o->v[i].table);
		free(o->v[i].sql);
	}
	free(o->v);
}

/* Column i of st's row as a string of the caller's; NULL out of memory. */
static char *
column_copy(sqlite3_stmt *st, int i)
{
	const char	*text = (const char *)sqlite3_column_text(st, i);

	return text != NULL ? strdup(text) : NULL;
}

static int
schema_objects_read(struct lite *s, struct schema_objects *o)
{
	struct schema_object	*grown, *obj;
	sqlite3_stmt		*st;
	int			 rc;

	rc = sqlite3_prepare_v2(s->db, "SELECT type, name, tbl_name, sql FROM"
	    " sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT"
	    " NULL", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((grown = realloc(o->v, (o->n + 1) * sizeof(*o->v))) ==
		    NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		o->v = grown;
		obj = &o->v[o->n++];
		obj->type = column_copy(st, 0);
		obj->name = column_copy(st, 1);
		obj->table = column_copy(st, 2);
		obj->sql = column_copy(st, 3);
		if (!obj->type || !obj->name || !obj->table || !obj->sql) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Whether the file holds an object of that name, as SQLite compares. */
static int
schema_has(struct lite *s, const char *name, bool *has)
{
	sqlite3_stmt	*st;
	int		 rc;

	rc = sqlite3_prepare_v2(s->db, "SELECT 1 FROM sqlite_master WHERE"
	    " name = ?1 COLLATE NOCASE", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*has = rc == SQLITE_ROW;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/*
 * Makes again each of o (read before the migration) that it dropped with
 * a table it made anew (schema 5's checkpoints): an operator's own index
 * or trigger, which would otherwise be lost without a word. One whose
 * table is gone, or whose SQL no longer fits the new table, is logged
 * with its SQL and left out: the upgrade still goes on. Returns an error
 * only when the schema cannot be read.
 */
static int
schema_objects_remake(struct lite *s, const struct schema_objects *o)
{
	const struct schema_object *obj;
	bool			 has;
	size_t			 i;
	int			 rc;

	for (i = 0; i < o->n; i++) {
		obj = &o->v[i];
		if ((rc = schema_has(s, obj->name, &has)) != SQLITE_OK)
			return rc;
		if (has)
			continue;
		if ((rc = schema_has(s, obj->table, &has)) != SQLITE_OK)
			return rc;
		if (!has)
			log_message("database: the schema upgrade dropped %s %s"
			    " with its table %s: %s", obj->type, obj->name,
			    obj->table, obj->sql);
		else if (exec(s, obj->sql) != SQLITE_OK)
			log_message("database: the schema upgrade could not"
			    " make %s %s on %s again (%s): %s", obj->type,
			    obj->name, obj->table, sqlite3_errmsg(s->db),
			    obj->sql);
	}
	return SQLITE_OK;
}

/*
 * Several workers may start at once on a new file: the version is read
 * again under the write lock, so only one of them creates the schema.
 * The rename that ends a table made anew is SQLite's legacy one, which
 * leaves views as they are written: an operator's view on checkpoints
 * names the new table once it has the name, where the checking rename
 * refuses the whole upgrade because the view names a table not there.
 */
static int
migrate(struct lite *s)
{
	struct schema_objects	 before = { NULL, 0 };
	int			 version = 0, from, rc;

	if ((rc = user_version(s, &version)) != SQLITE_OK)
		return rc;
	if (version == SCHEMA_VERSION)
		return SQLITE_OK;
	if ((rc = exec(s, "BEGIN IMMEDIATE")) != SQLITE_OK)
		return rc;
	if ((rc = user_version(s, &version)) == SQLITE_OK &&
	    version > SCHEMA_VERSION) {
		log_message("database: schema version %d is newer than this "
		    "program's %d", version, SCHEMA_VERSION);
		rc = SQLITE_MISMATCH;
	}
	from = version;
	if (rc == SQLITE_OK)
		rc = schema_objects_read(s, &before);
	(void)sqlite3_db_config(s->db, SQLITE_DBCONFIG_LEGACY_ALTER_TABLE, 1,
	    NULL);
	for (; rc == SQLITE_OK && version < SCHEMA_VERSION; version++)
		rc = exec(s, migrations[version]);
	(void)sqlite3_db_config(s->db, SQLITE_DBCONFIG_LEGACY_ALTER_TABLE, 0,
	    NULL);
	if (rc == SQLITE_OK)
		rc = schema_objects_remake(s, &before);
	if (rc == SQLITE_OK)
		rc = exec(s, "COMMIT");
	if (rc != SQLITE_OK) {
		/* The reason, before ROLLBACK replaces SQLite's message. */
		if (rc != SQLITE_MISMATCH)
			log_message("database: schema %d to %d: %s", from,
			    SCHEMA_VERSION, sqlite3_errmsg(s->db));
		exec(s, "ROLLBACK");
	}
	schema_objects_free(&before);
	return rc;
}

static enum dis_err
connect_failed(struct lite *s, int rc, const char *what)
{
	enum dis_err	 err = fail(s, rc, what);

	disconnect(s);
	return err;
}

static void	sql_history_append(sqlite3_context *, int, sqlite3_value **);

/*
 * Before SQLite's first use: no allocation statistics, which nothing here
 * reads and which take a global mutex on every allocation of every
 * thread's connection.
 */
static void
configure_sqlite(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static enum dis_err
connect_db(struct lite *s)
{
	struct stat	 st;
	char		 pragmas[128];
	int		 rc, n;
	size_t		 i;
	static pthread_once_t configured = PTHREAD_ONCE_INIT;

	if (s->db != NULL)
		return DIS_OK;
	(void)pthread_once(&configured, configure_sqlite);
	rc = sqlite3_open_v2(s->opts.path, &s->db, SQLITE_OPEN_READWRITE |
	    (s->opts.must_exist ? 0 : SQLITE_OPEN_CREATE) |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		return connect_failed(s, rc, "open");
	sqlite3_busy_handler(s->db, busy_wait, s);
	snprintf(pragmas, sizeof(pragmas), "PRAGMA journal_mode=%s;"
	    "PRAGMA synchronous=%s;", s->opts.journal_mode,
	    s->opts.sync_full ? "FULL" : "NORMAL");
	/*
	 * Switching a new, empty file to WAL takes the write lock from inside
	 * a read, so SQLite answers SQLITE_BUSY at once, without the busy
	 * handler, when another connection is creating the same file (threads
	 * and the writer once its directory appears, two processes' first
	 * requests): waited for here as the busy handler would.
	 */
	for (n = 0; (rc = exec(s, pragmas)) == SQLITE_BUSY &&
	    busy_wait(s, n); n++)
		;
	if (rc != SQLITE_OK)
		return connect_failed(s, rc, "set up");
	if (s->opts.wal_autocheckpoint > 0)
		(void)sqlite3_wal_autocheckpoint(s->db,
		    s->opts.wal_autocheckpoint);
	if ((rc = migrate(s)) != SQLITE_OK)
		return connect_failed(s, rc, "create schema");
	/* Direct only: no view or trigger in the file can call it. */
	if ((rc = sqlite3_create_function_v2(s->db, "dis_history_append", 4,
	    SQLITE_UTF8 | SQLITE_DIRECTONLY, s, sql_history_append, NULL, NULL,
	    NULL)) != SQLITE_OK)
		return connect_failed(s, rc, "register a function");
	for (i = 0; i < ST__COUNT; i++) {
		rc = sqlite3_prepare_v3(s->db, sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->stmt[i], NULL);
		if (rc != SQLITE_OK)
			return connect_failed(s, rc, "prepare");
	}
	/* In-memory and temporary databases have no file to lose. */
	s->on_disk = strcmp(s->opts.path, ":memory:") != 0 &&
	    s->opts.path[0] != '\0';
	if (!s->on_disk)
		return DIS_OK;
	if (stat(s->opts.path, &st) == -1)
		return connect_failed(s, SQLITE_CANTOPEN, "stat");
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return DIS_OK;
}

/*
 * An open connection goes on writing to a file that was deleted or
 * replaced (its directory removed, a backup restored over it), and those
 * writes would be acknowledged and then lost. So the path must still name
 * the file the connection has open: checked before a write, to reopen, and
 * after the commit, before anything is acknowledged.
 */
static bool
file_moved(struct lite *s)
{
	struct stat	 st;

	if (!s->on_disk)
		return false;
	return stat(s->opts.path, &st) == -1 || st.st_dev != s->dev ||
	    st.st_ino != s->ino;
}

static enum dis_err
connect_current(struct lite *s)
{
	if (s->in_change)	/* the transaction's connection, as it is */
		return DIS_OK;
	if (s->db != NULL && file_moved(s)) {
		log_message("database: %s was removed or replaced; reopening",
		    s->opts.path);
		disconnect(s);
	}
	return connect_db(s);
}

static void
lite_describe(const char *database, char *buf, size_t len)
{
	snprintf(buf, len, "%s", database);
}

static void *
lite_open(const struct store_options *opts)
{
	struct lite	*s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->opts = *opts;
	s->seed = (unsigned int)now_ms() ^ (unsigned int)(uintptr_t)s;
	/* A first failure is logged here and retried on every request. */
	connect_db(s);
	return s;
}

static void
lite_close(void *handle)
{
	struct lite	*s = handle;

	disconnect(s);
	free(s->hist.buf);
	free(s);
}

static sqlite3_stmt *
stmt(struct lite *s, enum stmt which)
{
	return s->stmt[which];
}

static void
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void
bind_key(sqlite3_stmt *st, const struct checkpoint_key *k)
{
	bind_text(st, 1, k->project);
	bind_text(st, 2, k->app);
	bind_text(st, 3, k->stream);
	bind_text(st, 4, k->type);
	sqlite3_bind_int64(st, 5, k->partition);
}

/* Runs a statement that returns no rows. */
static int
run(sqlite3_stmt *st)
{
	int	 rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static void
done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* SQLITE_ROW when the app exists. */
static int
app_exists(struct lite *s, const char *project, const char *app)
{
	sqlite3_stmt	*st = stmt(s, ST_APP_GET);
	int		 rc;

	bind_text(st, 1, project);
	bind_text(st, 2, app);
	rc = sqlite3_step(st);
	done(st);
	return rc;
}

/* SQLITE_ROW when op's app exists; SQLITE_DONE, and op fails, when not. */
static int
require_app(struct lite *s, struct write_op *op)
{
	int	 rc = app_exists(s, op->key.project, op->key.app);

	if (rc == SQLITE_DONE)
		op->result = DIS_ERR_APP_NOT_FOUND;
	return rc;
}

static void
bind_app(sqlite3_stmt *st, const struct write_op *op)
{
	bind_text(st, 1, op->key.project);
	bind_text(st, 2, op->key.app);
}

static int
apply_create_app(struct lite *s, struct write_op *op)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((rc = app_exists(s, op->key.project, op->key.app)) == SQLITE_ROW) {
		op->result = DIS_ERR_APP_EXISTS;
		return SQLITE_OK;
	}
	if (rc != SQLITE_DONE)
		return rc;
	st = stmt(s, ST_APP_COUNT);
	bind_text(st, 1, op->key.project);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_int64(st, 0) >= op->app_quota)
		op->result = DIS_ERR_APP_QUOTA;
	done(st);
	if (rc != SQLITE_ROW)
		return rc;
	if (op->result != DIS_OK)
		return SQLITE_OK;
	st = stmt(s, ST_APP_INSERT);
	bind_app(st, op);
	bind_text(st, 3, op->app_id);
	sqlite3_bind_int64(st, 4, op->create_time);
	return run(st);
}

static int
apply_delete_app(struct lite *s, struct write_op *op)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((rc = require_app(s, op)) != SQLITE_ROW)
		return rc == SQLITE_DONE ? SQLITE_OK : rc;
	/* Its history goes with it: nothing would ever prune it again. */
	st = stmt(s, ST_CKPT_DELETE_APP);
	bind_app(st, op);
	if ((rc = run(st)) != SQLITE_OK)
		return rc;
	st = stmt(s, ST_REMOVED_DELETE_APP);
	bind_app(st, op);
	if ((rc = run(st)) != SQLITE_OK)
		return rc;
	st = stmt(s, ST_OP_DELETE_APP);
	bind_app(st, op);
	if ((rc = run(st)) != SQLITE_OK)
		return rc;
	st = stmt(s, ST_APP_DELETE);
	bind_app(st, op);
	return run(st);
}

/*
 * A commit may add a stream to its app only below op->stream_limit, so no
 * describe or list answer grows without bound. Counted inside the write
 * transaction, which holds the write lock: concurrent commits from any
 * thread or process cannot overshoot. A stream the app already holds
 * always takes its commits.
 */
static int
admit_stream(struct lite *s, struct write_op *op)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (op->stream_limit <= 0)
		return SQLITE_OK;
	st = stmt(s, ST_STREAM_HELD);
	bind_text(st, 1, op->key.project);
	bind_text(st, 2, op->key.app);
	bind_text(st, 3, op->key.stream);
	rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE)
		return rc == SQLITE_ROW ? SQLITE_OK : rc;
	st = stmt(s, ST_STREAM_COUNT);
	bind_app(st, op);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int64(st, 0) >= op->stream_limit)
			op->result = DIS_ERR_STREAM_LIMIT;
		rc = SQLITE_OK;
	}
	done(st);
	return rc;
}

/*
 * Into s->hist: the history text (len bytes; NULL for none) with the
 * change to the value being written appended, from old_sequence (-1:
 * none) and old_metadata, set at old_set_ms (0: unknown).
 */
static int
history_next(struct lite *s, const struct checkpoint_key *key,
    const char *text, size_t len, long long old_sequence,
    const char *old_metadata, long long old_set_ms)
{
	struct history_change	 c = { s->now_ms, s->origin, s->operation,
	    old_sequence, old_set_ms, old_metadata };
	bool			 damaged;

	if (history_append(&s->hist, text, len, &c, s->opts.history,
	    &damaged) == -1)
		return SQLITE_NOMEM;
	if (damaged)
		log_message("database: the history of %s/%s %s %s partition "
		    "%lld is not one this program writes; it starts again",
		    key->project, key->app, key->stream, key->type,
		    key->partition);
	return SQLITE_OK;
}

static int
drop_removed(struct lite *s, const struct checkpoint_key *key)
{
	sqlite3_stmt	*st = stmt(s, ST_REMOVED_DROP);

	bind_key(st, key);
	return run(st);
}

/* s->hist as the history of key's removed checkpoint. */
static int
put_removed(struct lite *s, const struct checkpoint_key *key)
{
	sqlite3_stmt	*st = stmt(s, ST_REMOVED_PUT);

	bind_key(st, key);
	sqlite3_bind_text(st, 6, s->hist.buf, (int)s->hist.len, SQLITE_STATIC);
	return run(st);
}

/*
 * As history_next, from a row of ST_CKPT_NOW or ST_CKPT_STREAM_ROWS. A row
 * without a history was written while history was off, which drops a
 * checkpoint's history: the removed one's, left from before its delete,
 * goes too, or it would stay beside the row's (and a delete of the row
 * would replace it).
 */
static int
history_of_row(struct lite *s, const struct checkpoint_key *key,
    sqlite3_stmt *row)
{
	int	 rc;

	if (sqlite3_column_type(row, 3) == SQLITE_NULL &&
	    (rc = drop_removed(s, key)) != SQLITE_OK)
		return rc;
	return history_next(s, key, (const char *)sqlite3_column_text(row, 3),
	    (size_t)sqlite3_column_bytes(row, 3), sqlite3_column_int64(row, 0),
	    (const char *)sqlite3_column_text(row, 1),
	    sqlite3_column_int64(row, 2));
}

/*
 * Deletes op's checkpoint, or every partition of its stream and type; with
 * history kept, each one's history goes to removed with the delete as its
 * newest change.
 */
static int
delete_checkpoints(struct lite *s, const struct write_op *op)
{
	struct checkpoint_key	 key = op->key;
	bool			 one = op->key.partition >= 0;
	sqlite3_stmt		*st;
	int			 rc = SQLITE_DONE;

	if (s->opts.history > 0) {
		st = stmt(s, one ? ST_CKPT_NOW : ST_CKPT_STREAM_ROWS);
		bind_key(st, &op->key);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (!one)
				key.partition = sqlite3_column_int64(st, 4);
			if ((rc = history_of_row(s, &key, st)) != SQLITE_OK ||
			    (rc = put_removed(s, &key)) != SQLITE_OK)
				break;
		}
		done(st);
		if (rc != SQLITE_DONE)
			return rc;
	}
	st = stmt(s, one ? ST_CKPT_DELETE_ONE : ST_CKPT_DELETE_STREAM);
	bind_key(st, &op->key);
	return run(st);
}

/*
 * Into s->hist, for a checkpoint that has no row: the history of its
 * removed one, if any (taken out of removed), with its new write as a
 * change from none since that delete.
 */
static int
history_of_new(struct lite *s, const struct checkpoint_key *key)
{
	sqlite3_stmt	*st = stmt(s, ST_REMOVED_GET);
	long long	 seq, gone_ms;
	const char	*text;
	size_t		 len;
	int		 rc;

	bind_key(st, key);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		done(st);
		return rc == SQLITE_DONE ? history_next(s, key, NULL, 0, -1,
		    NULL, 0) : rc;
	}
	text = (const char *)sqlite3_column_text(st, 0);
	len = (size_t)sqlite3_column_bytes(st, 0);
	history_last(text, len, &seq, &gone_ms);
	rc = history_next(s, key, text, len, -1, NULL, gone_ms);
	done(st);
	if (rc != SQLITE_OK)
		return rc;
	return drop_removed(s, key);
}

/*
 * dis_history_append(history, sequence, metadata, changed), for
 * ST_CKPT_REWRITE: the row's history with the change from its value to
 * the one being written appended (history_next).
 */
static void
sql_history_append(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct lite	*s = sqlite3_user_data(ctx);
	const char	*text = (const char *)sqlite3_value_text(argv[0]);
	size_t		 len = (size_t)sqlite3_value_bytes(argv[0]);

	(void)argc;
	if (s->writing == NULL) {
		sqlite3_result_error(ctx, "dis_history_append: no write", -1);
		return;
	}
	s->rewrote_none |= text == NULL;
	if (history_next(s, s->writing, text, len, sqlite3_value_int64(argv[1]),
	    (const char *)sqlite3_value_text(argv[2]),
	    sqlite3_value_int64(argv[3])) != SQLITE_OK) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	/* Not copied: the UPDATE (of one row: the key is the table's
	 * primary key) puts it into the row within this step, and s->hist
	 * changes only at the next history_next, in a later statement. */
	sqlite3_result_text(ctx, s->hist.buf, (int)s->hist.len,
	    SQLITE_STATIC);
}

/* ?1-?8 of ST_CKPT_REWRITE and ST_CKPT_UPSERT: op's key and new value. */
static void
bind_value(struct lite *s, sqlite3_stmt *st, const struct write_op *op)
{
	bind_key(st, &op->key);
	sqlite3_bind_int64(st, 6, op->sequence);
	bind_text(st, 7, op->metadata ? op->metadata : "");
	sqlite3_bind_int64(st, 8, s->now_ms);
}

/*
 * Writes op's checkpoint: a held one (it has a row, so it holds its stream
 * already) in one statement; a new one meets the stream bound first and
 * takes the history of a removed one.
 */
static int
write_checkpoint(struct lite *s, struct write_op *op)
{
	sqlite3_stmt	*st = stmt(s, ST_CKPT_REWRITE);
	bool		 keep = s->opts.history > 0;
	int		 rc;

	bind_value(s, st, op);
	sqlite3_bind_int(st, 9, keep);
	s->writing = &op->key;
	s->rewrote_none = false;
	rc = run(st);
	s->writing = NULL;
	if (rc != SQLITE_OK)
		return rc;
	if (sqlite3_changes(s->db) > 0)
		/* Written with history off before: see history_of_row. */
		return keep && s->rewrote_none ? drop_removed(s, &op->key) :
		    SQLITE_OK;
	if ((rc = admit_stream(s, op)) != SQLITE_OK || op->result != DIS_OK)
		return rc;
	if (keep && (rc = history_of_new(s, &op->key)) != SQLITE_OK)
		return rc;
	st = stmt(s, ST_CKPT_UPSERT);
	bind_value(s, st, op);
	if (keep)
		sqlite3_bind_text(st, 9, s->hist.buf, (int)s->hist.len,
		    SQLITE_STATIC);
	return run(st);
}

static int
apply_checkpoint(struct lite *s, struct write_op *op)
{
	int	 rc;

	if ((rc = require_app(s, op)) != SQLITE_ROW)
		return rc == SQLITE_DONE ? SQLITE_OK : rc;
	if (op->kind == WRITE_DELETE_CHECKPOINTS)
		return delete_checkpoints(s, op);
	return write_checkpoint(s, op);
}

static int
apply_one(struct lite *s, struct write_op *op)
{
	op->result = DIS_OK;
	switch (op->kind) {
	case WRITE_CREATE_APP:
		return apply_create_app(s, op);
	case WRITE_DELETE_APP:
		return apply_delete_app(s, op);
	case WRITE_COMMIT_CHECKPOINT:
	case WRITE_DELETE_CHECKPOINTS:
		return apply_checkpoint(s, op);
	}
	return SQLITE_MISUSE;
}

static enum dis_err
lite_begin(void *handle, const struct change *change)
{
	struct lite	*s = handle;
	enum dis_err	 err;
	int		 rc;

	s->drop_after_commit = false;
	s->origin = store_origin_name(change ? change->origin : ORIGIN_API);
	s->operation = change ? change->operation : NULL;
	if ((err = connect_current(s)) != DIS_OK)
		return err;
	if ((rc = run(stmt(s, change == NULL || change->write ? ST_BEGIN_WRITE :
	    ST_BEGIN_READ))) != SQLITE_OK)
		return fail(s, rc, "begin");
	/* Taken under the write lock: the times of one checkpoint grow. */
	s->now_ms = store_wall_ms();
	s->in_change = change != NULL;
	return DIS_OK;
}

/* The write lock (or the read snapshot) holds the app as it is. */
static enum dis_err
lite_hold_app(void *handle, const char *project, const char *app)
{
	struct lite	*s = handle;
	int		 rc = app_exists(s, project, app);

	if (rc == SQLITE_DONE)
		return DIS_ERR_APP_NOT_FOUND;
	return rc == SQLITE_ROW ? DIS_OK : fail(s, rc, "read app");
}

static enum dis_err
lite_record_operation(void *handle, const struct checkpoint_key *key,
    const struct change *change)
{
	struct lite	*s = handle;
	sqlite3_stmt	*st;
	int		 rc;

	if (s->opts.history <= 0)
		return DIS_OK;
	st = stmt(s, ST_OP_RECORD);
	bind_key(st, key);
	bind_text(st, 5, change->operation);
	bind_text(st, 6, store_origin_name(change->origin));
	sqlite3_bind_int64(st, 7, s->now_ms);
	if ((rc = run(st)) == SQLITE_OK) {
		st = stmt(s, ST_OP_PRUNE);
		bind_key(st, key);
		sqlite3_bind_int(st, 5, s->opts.history);
		rc = run(st);
	}
	return rc == SQLITE_OK ? DIS_OK : fail(s, rc, "record operation");
}

static enum op_outcome
batch_lost(struct lite *s, int rc, enum dis_err *lost)
{
	s->in_change = false;
	if (!sqlite3_get_autocommit(s->db))
		run(stmt(s, ST_ROLLBACK));
	*lost = fail(s, rc, "write");
	return OP_BATCH_LOST;
}

static enum op_outcome
lite_apply(void *handle, struct write_op *op, enum dis_err *lost)
{
	struct lite	*s = handle;
	enum op_outcome	 outcome;
	int		 rc;

	if ((rc = run(stmt(s, ST_SAVEPOINT))) == SQLITE_OK &&
	    (rc = apply_one(s, op)) == SQLITE_OK) {
		if (op->result == DIS_OK)
			return (rc = run(stmt(s, ST_RELEASE))) == SQLITE_OK ?
			    OP_APPLIED : batch_lost(s, rc, lost);
		outcome = OP_REFUSED;
	} else {
		/* Some errors (a full disk, I/O) roll the whole thing back. */
		if (sqlite3_get_autocommit(s->db))
			return batch_lost(s, rc, lost);
		log_message("database: write: %s", sqlite3_errmsg(s->db));
		op->result = error_of(rc);
		/* Lost for want of its file: reopen after the commit. */
		s->drop_after_commit |= must_reconnect(rc);
		outcome = OP_FAILED;
	}
	run(stmt(s, ST_ROLLBACK_TO));
	if ((rc = run(stmt(s, ST_RELEASE))) != SQLITE_OK ||
	    sqlite3_get_autocommit(s->db))
		return batch_lost(s, rc == SQLITE_OK ? SQLITE_ABORT : rc, lost);
	return outcome;
}

/*
 * DIS_OK only when COMMIT returned and the path still names the file
 * written (or the connection is dropped anyway after an op lost its file),
 * which is when a 201 may be given.
 */
static enum dis_err
lite_commit(void *handle)
{
	struct lite	*s = handle;
	int		 rc;

	s->in_change = false;
	if ((rc = run(stmt(s, ST_COMMIT))) != SQLITE_OK) {
		if (!sqlite3_get_autocommit(s->db))
			run(stmt(s, ST_ROLLBACK));
		return fail(s, rc, "commit");
	}
	if (s->drop_after_commit) {
		disconnect(s);
		return DIS_OK;
	}
	if (!file_moved(s))
		return DIS_OK;
	log_message("database: %s was removed or replaced during a write; "
	    "not acknowledged", s->opts.path);
	disconnect(s);
	return DIS_ERR_UNAVAILABLE;
}

static void
lite_rollback(void *handle)
{
	struct lite	*s = handle;

	s->in_change = false;
	if (s->db != NULL && !sqlite3_get_autocommit(s->db))
		run(stmt(s, ST_ROLLBACK));
}

/* Reads of more than one statement see one snapshot. */
static enum dis_err
begin_read(struct lite *s)
{
	enum dis_err	 err;
	int		 rc;

	if (s->in_change)
		return DIS_OK;
	if ((err = connect_current(s)) != DIS_OK)
		return err;
	if ((rc = run(stmt(s, ST_BEGIN_READ))) != SQLITE_OK)
		return fail(s, rc, "begin read");
	return DIS_OK;
}

static enum dis_err
end_read(struct lite *s, int rc, const char *what)
{
	if (!s->in_change)
		run(stmt(s, ST_COMMIT));
	if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
		return DIS_OK;
	return fail(s, rc, what);
}

/*
 * Opens a read and, unless app is NULL, checks project's app exists:
 * DIS_OK with the read open, else the read is closed again and
 * DIS_ERR_APP_NOT_FOUND or the error returned.
 */
static enum dis_err
begin_app_read(struct lite *s, const char *project, const char *app)
{
	enum dis_err	 err;
	int		 rc;

	if ((err = begin_read(s)) != DIS_OK || app == NULL)
		return err;
	if ((rc = app_exists(s, project, app)) == SQLITE_ROW)
		return DIS_OK;
	err = end_read(s, rc, "read app");
	return err == DIS_OK ? DIS_ERR_APP_NOT_FOUND : err;
}

static enum dis_err
lite_get_checkpoint(void *handle, const struct checkpoint_key *key,
    long long *sequence, char **metadata)
{
	struct lite	*s = handle;
	sqlite3_stmt	*st;
	enum dis_err	 err;
	int		 rc;

	*sequence = -1;
	*metadata = NULL;
	if ((err = connect_current(s)) != DIS_OK)
		return err;
	st = stmt(s, ST_CKPT_GET);
	bind_key(st, key);
	if ((rc = sqlite3_step(st)) == SQLITE_DONE)
		err = DIS_ERR_APP_NOT_FOUND;
	else if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*sequence = sqlite3_column_int64(st, 0);
		if ((*metadata = strdup((const char *)sqlite3_column_text(st,
		    1))) == NULL)
			rc = SQLITE_NOMEM;
	}
	done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = fail(s, rc, "read checkpoint");
	return err;
}

/* Fills info->streams for the app named in info, then calls fn. */
static int
visit_app(struct lite *s, const char *project, sqlite3_stmt *row,
    store_app_fn *fn, void *arg)
{
	sqlite3_stmt		*st = stmt(s, ST_APP_STREAMS);
	struct store_names	 streams = { NULL, 0 };
	struct app_info		 info;
	int			 rc;

	info.name = (const char *)sqlite3_column_text(row, 0);
	info.app_id = (const char *)sqlite3_column_text(row, 1);
	info.create_time = sqlite3_column_int64(row, 2);
	bind_text(st, 1, project);
	bind_text(st, 2, info.name);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (names_add(&streams,
		    (const char *)sqlite3_column_text(st, 0)) == -1) {
			rc = SQLITE_NOMEM;
			break;
		}
	done(st);
	if (rc == SQLITE_DONE) {
		info.streams = (const char **)streams.v;
		info.nstreams = streams.n;
		rc = fn(arg, &info) == 0 ? SQLITE_OK : SQLITE_NOMEM;
	}
	names_free(&streams);
	return rc;
}

static enum dis_err
lite_get_app(void *handle, const char *project, const char *app,
    store_app_fn *fn, void *arg)
{
	struct lite	*s = handle;
	sqlite3_stmt	*st;
	enum dis_err	 err;
	bool		 found;
	int		 rc;

	if ((err = begin_read(s)) != DIS_OK)
		return err;
	st = stmt(s, ST_APP_GET);
	bind_text(st, 1, project);
	bind_text(st, 2, app);
	if ((found = (rc = sqlite3_step(st)) == SQLITE_ROW))
		rc = visit_app(s, project, st, fn, arg);
	done(st);
	err = end_read(s, rc, "read app");
	return err == DIS_OK && !found ? DIS_ERR_APP_NOT_FOUND : err;
}

static enum dis_err
lite_list_apps(void *handle, const char *project, const char *stream,
    const char *start_after, int limit, store_app_fn *fn, void *arg,
    long long *total, bool *has_more)
{
	struct lite	*s = handle;
	sqlite3_stmt	*st;
	enum dis_err	 err;
	int		 rc, seen = 0;

	*total = 0;
	*has_more = false;
	if ((err = begin_read(s)) != DIS_OK)
		return err;
	st = stmt(s, ST_APP_LIST_TOTAL);
	bind_text(st, 1, project);
	bind_text(st, 2, stream);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*total = sqlite3_column_int64(st, 0);
	done(st);
	if (rc != SQLITE_ROW)
		return end_read(s, rc, "count apps");
	st = stmt(s, ST_APP_LIST);
	bind_text(st, 1, project);
	bind_text(st, 2, start_after);
	bind_text(st, 3, stream);
	/* One more than asked tells whether a further page exists. */
	sqlite3_bind_int(st, 4, limit + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (seen++ == limit) {
			*has_more = true;
			break;
		}
		if ((rc = visit_app(s, project, st, fn, arg)) != SQLITE_OK)
			break;
	}
	done(st);
	return end_read(s, rc, "list apps");
}

static enum dis_err
lite_partition_states(void *handle, const struct checkpoint_key *key,
    int limit, store_state_fn *fn, void *arg, bool *has_more)
{
	struct lite	*s = handle;
	sqlite3_stmt	*st;
	enum dis_err	 err;
	int		 rc, seen = 0;

	*has_more = false;
	if ((err = begin_app_read(s, key->project, key->app)) != DIS_OK)
		return err;
	st = stmt(s, ST_STATES);
	bind_key(st, key);
	sqlite3_bind_int(st, 6, limit + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (seen++ == limit) {
			*has_more = true;
			break;
		}
		if (fn(arg, sqlite3_column_int64(st, 0),
		    sqlite3_column_int64(st, 1)) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	done(st);
	return end_read(s, rc, "read states");
}

/* Takes the write lock and lets it go: the database is there and writable. */
static enum dis_err
lite_check_writable(void *handle)
{
	struct lite	*s = handle;
	enum dis_err	 err;
	int		 rc;

	if ((err = connect_current(s)) != DIS_OK)
		return err;
	if ((rc = run(stmt(s, ST_BEGIN_WRITE))) != SQLITE_OK)
		return fail(s, rc, "health check");
	run(stmt(s, ST_ROLLBACK));
	return DIS_OK;
}

static enum dis_err
lite_list_projects(void *handle, store_name_fn *fn, void *arg)
{
	struct lite	*s = handle;
	sqlite3_stmt	*st;
	enum dis_err	 err;
	int		 rc;

	if ((err = connect_current(s)) != DIS_OK)
		return err;
	st = stmt(s, ST_PROJECTS);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(arg, (const char *)sqlite3_column_text(st, 0)) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	done(st);
	return rc == SQLITE_DONE ? DIS_OK : fail(s, rc, "list projects");
}

static enum dis_err
lite_list_checkpoints(void *handle, const char *project, const char *app,
    const char *stream, store_row_fn *fn, void *arg)
{
	struct lite		*s = handle;
	struct checkpoint_row	 row;
	sqlite3_stmt		*st;
	enum dis_err		 err;
	int			 rc = SQLITE_OK;

	if ((err = begin_app_read(s, project, app)) != DIS_OK)
		return err;
	st = stmt(s, ST_ROWS);
	bind_text(st, 1, project);
	bind_text(st, 2, app);
	bind_text(st, 3, stream);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row.app = (const char *)sqlite3_column_text(st, 0);
		row.stream = (const char *)sqlite3_column_text(st, 1);
		row.type = (const char *)sqlite3_column_text(st, 2);
		row.partition = sqlite3_column_int64(st, 3);
		row.sequence = sqlite3_column_int64(st, 4);
		row.metadata = (const char *)sqlite3_column_text(st, 5);
		row.changed_ms = sqlite3_column_int64(st, 6);
		if (fn(arg, &row) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	done(st);
	return end_read(s, rc, "list checkpoints");
}

/*
 * Every history's changes into r, and those that are not valid JSON or
 * not as history.c writes them (so json_each, history and undo, or the
 * next write, would not read them) as damaged. Once, by an operator.
 */
static int
count_histories(struct lite *s, struct store_report *r)
{
	sqlite3_stmt	*st;
	long long	 n;
	int		 rc;

	r->history_changes = r->damaged_histories = 0;
	if ((rc = sqlite3_prepare_v2(s->db, "SELECT history, json_valid(history)"
	    " FROM checkpoints WHERE history IS NOT NULL UNION ALL"
	    " SELECT history, json_valid(history) FROM removed", -1, &st,
	    NULL)) != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n = history_count((const char *)sqlite3_column_text(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0));
		if (n < 0 || sqlite3_column_int(st, 1) == 0)
			r->damaged_histories++;
		else
			r->history_changes += n;
	}
	sqlite3_finalize(st);
	return rc;
}

static enum dis_err
lite_check(void *handle, struct store_report *r)
{
	struct lite	*s = handle;
	sqlite3_stmt	*st;
	enum dis_err	 err;
	int		 rc;

	if ((err = begin_read(s)) != DIS_OK)
		return err;
	st = stmt(s, ST_COUNTS);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r->projects = sqlite3_column_int64(st, 0);
		r->apps = sqlite3_column_int64(st, 1);
		r->checkpoints = sqlite3_column_int64(st, 2);
		r->orphans = sqlite3_column_int64(st, 3);
		r->schema_version = sqlite3_column_int(st, 4);
	}
	done(st);
	if (rc != SQLITE_ROW)
		return end_read(s, rc, "count");
	if ((rc = count_histories(s, r)) != SQLITE_DONE)
		return end_read(s, rc, "read histories");
	/* Run once by an operator: not worth a persistent statement. */
	rc = sqlite3_prepare_v2(s->db, "PRAGMA integrity_check(1)", -1, &st,
	    NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		snprintf(r->integrity, sizeof(r->integrity), "%s",
		    (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return end_read(s, rc, "integrity check");
}

/* "ok", or into err the first problem integrity_check finds in path. */
static bool
copy_intact(const char *path, char *err, size_t errlen)
{
	sqlite3		*db;
	sqlite3_stmt	*st = NULL;
	bool		 ok = false;
	int		 rc;

	/* Read-write, so that closing it removes the -wal and -shm files. */
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check(1)", -1,
		    &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		ok = strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
		if (!ok)
			snprintf(err, errlen, "%s: the copy fails its integrity "
			    "check: %s", path, sqlite3_column_text(st, 0));
	} else
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}

/*
 * SQLite's online backup, in one step: the whole copy is read under one
 * read transaction, so it is one consistent snapshot, and in WAL mode the
 * writers go on meanwhile.
 */
static enum dis_err
lite_backup(void *handle, const char *path, char *err, size_t errlen)
{
	struct lite	*s = handle;
	sqlite3		*to = NULL;
	sqlite3_backup	*b;
	struct stat	 st;
	enum dis_err	 e;
	int		 rc, n;

	if (stat(path, &st) == 0) {
		snprintf(err, errlen, "%s exists; a backup goes to a new file",
		    path);
		return DIS_ERR_INVALID;
	}
	if ((e = connect_current(s)) != DIS_OK)
		return e;
	rc = sqlite3_open_v2(path, &to, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL);
	if (rc == SQLITE_OK) {
		if ((b = sqlite3_backup_init(to, "main", s->db, "main")) ==
		    NULL)
			rc = sqlite3_errcode(to);
		else {
			for (n = 0; ((rc = sqlite3_backup_step(b, -1)) ==
			    SQLITE_BUSY || rc == SQLITE_LOCKED) &&
			    busy_wait(s, n); n++)
				;
			sqlite3_backup_finish(b);
			if (rc == SQLITE_DONE)
				rc = SQLITE_OK;
		}
	}
	if (rc != SQLITE_OK)
		snprintf(err, errlen, "%s: %s", path, to != NULL ?
		    sqlite3_errmsg(to) : sqlite3_errstr(rc));
	sqlite3_close(to);
	if (rc == SQLITE_OK && copy_intact(path, err, errlen))
		return DIS_OK;
	unlink(path);
	return DIS_ERR_INVALID;
}

static const char *
column_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static long long
column_or(sqlite3_stmt *st, int i, long long none)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? none :
	    sqlite3_column_int64(st, i);
}

static enum dis_err
lite_history(void *handle, const struct checkpoint_key *key,
    const char *operation, store_history_fn *fn, void *arg)
{
	struct lite		*s = handle;
	struct history_row	 h;
	sqlite3_stmt		*st;
	enum dis_err		 err;
	int			 rc;

	if ((err = begin_app_read(s, key->project, key->app)) != DIS_OK)
		return err;
	st = stmt(s, ST_HIST_ROWS);
	bind_key(st, key);
	bind_text(st, 6, operation);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		h.type = column_text(st, 0);
		h.partition = sqlite3_column_int64(st, 1);
		h.seq = sqlite3_column_int64(st, 2);
		h.old_sequence = column_or(st, 3, -1);
		h.old_metadata = column_text(st, 4);
		h.old_set_ms = column_or(st, 5, 0);
		h.new_sequence = column_or(st, 6, -1);
		h.new_metadata = column_text(st, 7);
		h.changed_ms = sqlite3_column_int64(st, 8);
		/* A history edited by hand may lack it: never NULL. */
		if ((h.origin = column_text(st, 9)) == NULL)
			h.origin = "unknown";
		h.operation = column_text(st, 10);
		if (fn(arg, &h) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	done(st);
	return end_read(s, rc, "read history");
}

static enum dis_err
lite_last_operation(void *handle, const struct checkpoint_key *key,
    struct store_operation *op)
{
	struct lite	*s = handle;
	sqlite3_stmt	*st;
	enum dis_err	 err;
	int		 rc;

	if ((err = begin_app_read(s, key->project, key->app)) != DIS_OK)
		return err;
	st = stmt(s, ST_OP_LAST);
	bind_key(st, key);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(op->id, sizeof(op->id), "%s", column_text(st, 0));
		snprintf(op->origin, sizeof(op->origin), "%s",
		    column_text(st, 1));
		op->at_ms = sqlite3_column_int64(st, 2);
		op->changes = sqlite3_column_int64(st, 3);
	}
	done(st);
	return end_read(s, rc, "read operations");
}

const struct store_backend store_sqlite = {
	.name = "sqlite",
	.describe = lite_describe,
	.open = lite_open,
	.close = lite_close,
	.begin = lite_begin,
	.hold_app = lite_hold_app,
	.record_operation = lite_record_operation,
	.apply = lite_apply,
	.commit = lite_commit,
	.rollback = lite_rollback,
	.get_checkpoint = lite_get_checkpoint,
	.get_app = lite_get_app,
	.list_apps = lite_list_apps,
	.partition_states = lite_partition_states,
	.check_writable = lite_check_writable,
	.list_projects = lite_list_projects,
	.list_checkpoints = lite_list_checkpoints,
	.check = lite_check,
	.backup = lite_backup,
	.history = lite_history,
	.last_operation = lite_last_operation,
};
