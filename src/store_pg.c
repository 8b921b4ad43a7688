/*
 * store_pg.c: the PostgreSQL backend, for a database setting that is a
 * libpq connection string or URI. One connection per store, used by one
 * thread at a time, opened lazily and again after it broke, only to a
 * primary, so a write and every read after it meet on the same server.
 *
 * Every wait on the server has a deadline (busy_timeout, plus a second for
 * the server's own statement_timeout to speak first): a server that went
 * away costs one 503, never a hang. Every statement is prepared once per
 * connection; a request's values only ever reach it as bound parameters.
 *
 * The batch rule is SQLite's: one transaction, a savepoint per op, a 201
 * only after COMMIT with synchronous_commit in force. SQLite gets mutual
 * exclusion from its one write lock; here several processes on several
 * hosts write at once, so each check-then-write takes the lock it needs,
 * held to the end of the transaction:
 *   - creating or deleting an app: an advisory lock on the project, so the
 *     quota is counted with no other create or delete in between;
 *   - a checkpoint: a KEY SHARE lock on its app's row, so the app cannot be
 *     deleted under it; an app's delete takes that row FOR UPDATE first,
 *     so it waits for those commits and then deletes their checkpoints too;
 *   - a checkpoint on a stream new to its app: an advisory lock on the app,
 *     so the stream bound is counted with no other new stream in between.
 * Two batches taking such locks in opposite orders deadlock: PostgreSQL
 * breaks the tie after deadlock_timeout by failing one op, which answers
 * 503 alone, its savepoint undone. An admin command's reset or undo holds
 * its app's row FOR UPDATE, so no commit of the API changes what it read
 * before it commits. The history is a trigger's (schema_v3).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "log.h"
#include "store_backend.h"

#define SCHEMA_VERSION	4

/* Any constant: the key of the advisory lock the schema changes under. */
#define MIGRATION_LOCK	"7365303143484b50"

/*
 * The schema, version by version: a server at version N gets the steps
 * after N, each in the migration's one transaction. Every key starts with
 * the project, and names compare as bytes (COLLATE "C"), as on SQLite.
 */
static const char *const schema_v1[] = {
	"CREATE TABLE apps ("
	"  project     text COLLATE \"C\" NOT NULL,"
	"  name        text COLLATE \"C\" NOT NULL,"
	"  app_id      text NOT NULL,"
	"  create_time bigint NOT NULL,"
	"  PRIMARY KEY (project, name))",
	"CREATE TABLE checkpoints ("
	"  project     text COLLATE \"C\" NOT NULL,"
	"  app         text COLLATE \"C\" NOT NULL,"
	"  stream      text COLLATE \"C\" NOT NULL,"
	"  type        text COLLATE \"C\" NOT NULL,"
	"  partition   bigint NOT NULL,"
	"  sequence    bigint NOT NULL,"
	"  metadata    text NOT NULL,"
	"  PRIMARY KEY (project, app, stream, type, partition))",
	"INSERT INTO schema_versions (version) VALUES (1)",
	NULL
};

/* Each checkpoint's last change, for the admin command (0: before v2). */
static const char *const schema_v2[] = {
	"ALTER TABLE checkpoints ADD COLUMN changed bigint NOT NULL DEFAULT 0",
	"INSERT INTO schema_versions (version) VALUES (2)",
	NULL
};

/*
 * Each checkpoint's earlier values, as on SQLite, kept by a trigger: it
 * runs under the lock of the checkpoint's row, after any concurrent
 * writer of that row committed, and each of its statements sees those
 * commits, so the rows of one checkpoint chain in commit order and are
 * pruned exactly, at no round trip of the writer's own. It keeps history
 * only for the sessions that ask (dis_checkpoint.history, set by this
 * backend on connecting): another client (psql, a copy) writes none. The
 * time of a delete is the statement's dis_checkpoint.now.
 */
static const char *const schema_v3[] = {
	"CREATE TABLE history ("
	"  project      text COLLATE \"C\" NOT NULL,"
	"  app          text COLLATE \"C\" NOT NULL,"
	"  stream       text COLLATE \"C\" NOT NULL,"
	"  type         text COLLATE \"C\" NOT NULL,"
	"  partition    bigint NOT NULL,"
	"  seq          bigint NOT NULL,"
	"  old_sequence bigint,"
	"  old_metadata text,"
	"  old_set_at   bigint,"
	"  new_sequence bigint,"
	"  new_metadata text,"
	"  changed_at   bigint NOT NULL,"
	"  origin       text NOT NULL,"
	"  operation    text,"
	"  PRIMARY KEY (project, app, stream, type, partition, seq))",
	"CREATE TABLE operations ("
	"  project      text COLLATE \"C\" NOT NULL,"
	"  app          text COLLATE \"C\" NOT NULL,"
	"  stream       text COLLATE \"C\" NOT NULL,"
	"  type         text COLLATE \"C\" NOT NULL,"
	"  id           text NOT NULL,"
	"  origin       text NOT NULL,"
	"  at           bigint NOT NULL,"
	"  changes      bigint NOT NULL,"
	"  PRIMARY KEY (project, app, stream, type, id))",
	"CREATE FUNCTION dis_checkpoint_history() RETURNS trigger"
	" LANGUAGE plpgsql AS $body$"
	" DECLARE"
	"  v_depth integer := coalesce(nullif(current_setting("
	"   'dis_checkpoint.history', true), ''), '0')::integer;"
	"  k checkpoints;"
	"  v_seq bigint;"
	"  v_last_at bigint;"
	"  v_last_gone boolean;"
	"  v_old_seq bigint;"
	"  v_old_meta text;"
	"  v_old_set bigint;"
	"  v_new_seq bigint;"
	"  v_new_meta text;"
	"  v_at bigint;"
	" BEGIN"
	"  IF v_depth <= 0 THEN RETURN NULL; END IF;"
	"  IF TG_OP = 'DELETE' THEN"
	"   k := OLD;"
	"   v_at := coalesce(nullif(current_setting('dis_checkpoint.now',"
	"    true), '')::bigint,"
	"    (extract(epoch FROM clock_timestamp()) * 1000)::bigint);"
	"   v_at := greatest(v_at, OLD.changed);"
	"  ELSE"
	"   k := NEW;"
	"   v_new_seq := NEW.sequence;"
	"   v_new_meta := NEW.metadata;"
	"   v_at := NEW.changed;"
	"  END IF;"
	"  SELECT h.seq, h.changed_at, h.new_sequence IS NULL"
	"   INTO v_seq, v_last_at, v_last_gone FROM history h"
	"   WHERE h.project = k.project AND h.app = k.app"
	"   AND h.stream = k.stream AND h.type = k.type"
	"   AND h.partition = k.partition ORDER BY h.seq DESC LIMIT 1;"
	"  IF TG_OP = 'INSERT' THEN"
	"   IF v_last_gone THEN v_old_set := v_last_at; END IF;"
	"  ELSE"
	"   v_old_seq := OLD.sequence;"
	"   v_old_meta := OLD.metadata;"
	"   v_old_set := nullif(OLD.changed, 0);"
	"  END IF;"
	"  v_seq := coalesce(v_seq, 0) + 1;"
	"  INSERT INTO history VALUES (k.project, k.app, k.stream, k.type,"
	"   k.partition, v_seq, v_old_seq, v_old_meta, v_old_set, v_new_seq,"
	"   v_new_meta, v_at, coalesce(nullif(current_setting("
	"   'dis_checkpoint.origin', true), ''), 'api'),"
	"   nullif(current_setting('dis_checkpoint.operation', true), ''));"
	"  IF v_seq > v_depth THEN"
	"   DELETE FROM history h WHERE h.project = k.project"
	"    AND h.app = k.app AND h.stream = k.stream AND h.type = k.type"
	"    AND h.partition = k.partition AND h.seq <= v_seq - v_depth;"
	"  END IF;"
	"  RETURN NULL;"
	" END $body$",
	"CREATE TRIGGER history AFTER INSERT OR UPDATE OR DELETE ON checkpoints"
	" FOR EACH ROW EXECUTE PROCEDURE dis_checkpoint_history()",
	"INSERT INTO schema_versions (version) VALUES (3)",
	NULL
};

/* The one name SQLite's history goes by too, for operators and the copy. */
static const char *const schema_v4[] = {
	"CREATE VIEW history_rows AS SELECT * FROM history",
	"INSERT INTO schema_versions (version) VALUES (4)",
	NULL
};

static const char *const *const migrations[SCHEMA_VERSION] = { schema_v1,
    schema_v2, schema_v3, schema_v4 };

enum stmt {
	ST_APP_GET,
	ST_APP_KEEP,
	ST_APP_LOCK_ROW,
	ST_APP_COUNT,
	ST_APP_INSERT,
	ST_APP_DELETE,
	ST_LOCK_PROJECT,
	ST_LOCK_STREAMS,
	ST_STREAM_HELD,
	ST_STREAM_COUNT,
	ST_CKPT_UPSERT,
	ST_CKPT_DELETE_ONE,
	ST_CKPT_DELETE_STREAM,
	ST_CKPT_DELETE_APP,
	ST_CKPT_GET,
	ST_APP_DESCRIBE,
	ST_APP_LIST,
	ST_STATES,
	ST_PROJECTS,
	ST_ROWS,
	ST_COUNTS,
	ST_SET_ORIGIN,
	ST_HIST_ROWS,
	ST_OP_RECORD,
	ST_OP_PRUNE,
	ST_OP_LAST,
	ST__COUNT
};

#define KEY_IS(p)	p "project = $1 AND " p "app = $2 AND " p "stream = $3" \
	" AND " p "type = $4"
#define APP_OK	"(SELECT EXISTS (SELECT 1 FROM apps WHERE project = $1" \
	" AND name = $2) AS ok) a"


#define APP_HAS_STREAM(n) \
	"(" n "::text IS NULL OR EXISTS (SELECT 1 FROM checkpoints c" \
	" WHERE c.project = a.project AND c.app = a.name AND c.stream = " n "))"

static const char *const sql[ST__COUNT] = {
	[ST_APP_GET] = "SELECT 1 FROM apps WHERE project = $1 AND name = $2",
	[ST_APP_KEEP] = "SELECT 1 FROM apps WHERE project = $1 AND name = $2"
	    " FOR KEY SHARE",
	[ST_APP_LOCK_ROW] = "SELECT 1 FROM apps WHERE project = $1"
	    " AND name = $2 FOR UPDATE",
	[ST_APP_COUNT] = "SELECT count(*) FROM apps WHERE project = $1",
	[ST_APP_INSERT] = "INSERT INTO apps (project, name, app_id, create_time)"
	    " VALUES ($1, $2, $3, $4)",
	/* Its history goes with it: nothing would ever prune it again. */
	[ST_APP_DELETE] = "WITH h AS (DELETE FROM history WHERE project = $1"
	    "  AND app = $2), o AS (DELETE FROM operations WHERE project = $1"
	    "  AND app = $2)"
	    " DELETE FROM apps WHERE project = $1 AND name = $2",
	[ST_LOCK_PROJECT] = "SELECT pg_advisory_xact_lock(hashtextextended("
	    "'dis-checkpoint apps ' || $1, 0))",
	[ST_LOCK_STREAMS] = "SELECT pg_advisory_xact_lock(hashtextextended("
	    "'dis-checkpoint streams ' || length($1) || ' ' || $1 || $2, 0))",
	[ST_STREAM_HELD] = "SELECT 1 FROM checkpoints WHERE project = $1"
	    " AND app = $2 AND stream = $3 LIMIT 1",
	[ST_STREAM_COUNT] = "SELECT count(DISTINCT stream) FROM checkpoints"
	    " WHERE project = $1 AND app = $2",
	/*
	 * Writers on several hosts, or waiting for the row's lock, may read
	 * their clocks in another order than they commit: a change is never
	 * dated before the one it replaces, so the history's times grow.
	 */
	[ST_CKPT_UPSERT] = "INSERT INTO checkpoints (project, app, stream, type,"
	    " partition, sequence, metadata, changed)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
	    " ON CONFLICT (project, app, stream, type, partition) DO UPDATE"
	    " SET sequence = EXCLUDED.sequence, metadata = EXCLUDED.metadata,"
	    " changed = greatest(EXCLUDED.changed, checkpoints.changed)",
	/* The history trigger reads the delete's time from the setting,
	 * made before any row goes. */
	[ST_CKPT_DELETE_ONE] = "DELETE FROM checkpoints WHERE project = $1"
	    " AND app = $2 AND stream = $3 AND type = $4 AND partition = $5"
	    " AND set_config('dis_checkpoint.now', $6, true) IS NOT NULL",
	[ST_CKPT_DELETE_STREAM] = "DELETE FROM checkpoints WHERE project = $1"
	    " AND app = $2 AND stream = $3 AND type = $4"
	    " AND set_config('dis_checkpoint.now', $5, true) IS NOT NULL",
	[ST_CKPT_DELETE_APP] = "DELETE FROM checkpoints WHERE project = $1"
	    " AND app = $2",
	/* Each read is one statement, so one snapshot. A row if the app
	 * exists, with NULLs when it holds nothing there. */
	[ST_CKPT_GET] = "SELECT c.sequence, c.metadata FROM apps a"
	    " LEFT JOIN checkpoints c ON c.project = a.project"
	    " AND c.app = a.name AND c.stream = $3 AND c.type = $4"
	    " AND c.partition = $5"
	    " WHERE a.project = $1 AND a.name = $2",
	[ST_APP_DESCRIBE] = "SELECT a.name, a.app_id, a.create_time, s.stream"
	    " FROM apps a LEFT JOIN LATERAL (SELECT DISTINCT c.stream"
	    "  FROM checkpoints c WHERE c.project = a.project"
	    "  AND c.app = a.name) s ON true"
	    " WHERE a.project = $1 AND a.name = $2 ORDER BY s.stream",
	/* The total, then the page's apps (one more than asked, to tell
	 * whether another page follows), a row per stream each. */
	[ST_APP_LIST] = "WITH page AS (SELECT a.name, a.app_id, a.create_time"
	    "  FROM apps a WHERE a.project = $1"
	    "  AND ($2::text IS NULL OR a.name > $2) AND " APP_HAS_STREAM("$3")
	    "  ORDER BY a.name LIMIT $4)"
	    " SELECT (SELECT count(*) FROM apps a WHERE a.project = $1"
	    "  AND " APP_HAS_STREAM("$3") "),"
	    " p.name, p.app_id, p.create_time, s.stream"
	    " FROM (SELECT 1) one LEFT JOIN page p ON true"
	    " LEFT JOIN LATERAL (SELECT DISTINCT c.stream FROM checkpoints c"
	    "  WHERE c.project = $1 AND c.app = p.name) s ON true"
	    " ORDER BY p.name, s.stream",
	[ST_STATES] = "SELECT c.partition, c.sequence FROM apps a"
	    " LEFT JOIN LATERAL (SELECT c.partition, c.sequence"
	    "  FROM checkpoints c WHERE c.project = a.project"
	    "  AND c.app = a.name AND c.stream = $3 AND c.type = $4"
	    "  AND c.partition > $5 ORDER BY c.partition LIMIT $6) c ON true"
	    " WHERE a.project = $1 AND a.name = $2 ORDER BY c.partition",
	[ST_PROJECTS] = "SELECT DISTINCT project FROM apps ORDER BY project",
	/* A first column saying whether the app named exists (true without
	 * one), then its rows; one of NULLs when there are none. */
	[ST_ROWS] = "SELECT a.ok, c.app, c.stream, c.type, c.partition,"
	    " c.sequence, c.metadata, c.changed FROM (SELECT $2::text IS NULL"
	    "  OR EXISTS (SELECT 1 FROM apps WHERE project = $1 AND name = $2)"
	    "  AS ok) a LEFT JOIN checkpoints c ON a.ok AND c.project = $1"
	    " AND ($2::text IS NULL OR c.app = $2)"
	    " AND ($3::text IS NULL OR c.stream = $3)"
	    " ORDER BY c.app, c.stream, c.type, c.partition",
	[ST_COUNTS] = "SELECT (SELECT count(DISTINCT project) FROM apps),"
	    " (SELECT count(*) FROM apps), (SELECT count(*) FROM checkpoints),"
	    " (SELECT count(*) FROM checkpoints c WHERE NOT EXISTS (SELECT 1"
	    "  FROM apps a WHERE a.project = c.project AND a.name = c.app)),"
	    " (SELECT max(version) FROM schema_versions),"
	    " (SELECT count(*) FROM history)",
	[ST_SET_ORIGIN] = "SELECT set_config('dis_checkpoint.origin', $1, true),"
	    " set_config('dis_checkpoint.operation', $2, true)",
	[ST_HIST_ROWS] = "SELECT a.ok, h.type, h.partition, h.seq,"
	    " h.old_sequence, h.old_metadata, h.old_set_at, h.new_sequence,"
	    " h.new_metadata, h.changed_at, h.origin, h.operation FROM " APP_OK
	    " LEFT JOIN history h ON a.ok AND " KEY_IS("h.")
	    " AND ($5::bigint < 0 OR h.partition = $5)"
	    " AND ($6::text IS NULL OR h.operation = $6)"
	    " ORDER BY h.partition, h.seq DESC",
	[ST_OP_RECORD] = "INSERT INTO operations (project, app, stream, type,"
	    " id, origin, at, changes) SELECT $1, $2, $3, $4, $5, $6, $7,"
	    " count(*) FROM history WHERE " KEY_IS("") " AND operation = $5"
	    " HAVING count(*) > 0",
	/* As many runs are kept as values per checkpoint. */
	[ST_OP_PRUNE] = "DELETE FROM operations WHERE " KEY_IS("")
	    " AND id NOT IN (SELECT id FROM operations WHERE " KEY_IS("")
	    "  ORDER BY at DESC, id DESC LIMIT $5)",
	[ST_OP_LAST] = "SELECT a.ok, o.id, o.origin, o.at, o.changes FROM "
	    APP_OK " LEFT JOIN LATERAL (SELECT id, origin, at, changes"
	    "  FROM operations WHERE " KEY_IS("")
	    "  AND origin IN ('reset', 'import')"
	    "  ORDER BY at DESC, id DESC LIMIT 1) o ON a.ok",
};

struct pg {
	struct store_options	 opts;
	PGconn			*conn;
	char			 where[256];	/* the server, for the log */
	long long		 deadline_ms;	/* of the statement running */
	bool			 in_change;	/* a change's transaction is
						   open: reads run in it */
	bool			 change_writes;	/* and it may write */
	long long		 now_ms;	/* of the open write: the time
						   of all its changes */
};

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
disconnect(struct pg *s)
{
	PQfinish(s->conn);
	s->conn = NULL;
}

/* libpq's messages end in a newline, and may hold several lines. */
static const char *
one_line(char *buf, size_t len, const char *msg)
{
	size_t	 i;

	snprintf(buf, len, "%s", msg ? msg : "");
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == '\n' || buf[i] == '\t')
			buf[i] = buf[i + 1] == '\0' ? '\0' : ' ';
	return buf;
}

/* Logs what failed and why: the server named without any password. */
static enum dis_err
fail_conn(struct pg *s, const char *what)
{
	char	 msg[512];

	log_message("database: %s: %s (%s)", what, one_line(msg, sizeof(msg),
	    s->conn ? PQerrorMessage(s->conn) : "out of memory"), s->where);
	disconnect(s);
	return DIS_ERR_UNAVAILABLE;
}

/*
 * The server is away, shutting down, recovering, overloaded, read-only (a
 * standby), or the statement ran into a lock, a timeout or a deadlock: the
 * client may retry. Anything else is a bug here.
 */
static enum dis_err
error_of(const char *sqlstate)
{
	static const char *const retry[] = {
		"08",		/* connection exception */
		"53",		/* insufficient resources */
		"57",		/* operator intervention: shutdown, cancel */
		"58",		/* system error: I/O */
		"40",		/* serialization failure, deadlock */
		"55P03",	/* lock not available */
		"25006",	/* read-only transaction: a standby */
	};
	size_t	 i;

	if (sqlstate == NULL)
		return DIS_ERR_UNAVAILABLE;
	for (i = 0; i < sizeof(retry) / sizeof(retry[0]); i++)
		if (strncmp(sqlstate, retry[i], strlen(retry[i])) == 0)
			return DIS_ERR_UNAVAILABLE;
	return DIS_ERR_INTERNAL;
}

/* Errors after which this connection must not be used again. */
static bool
must_reconnect(const char *sqlstate)
{
	return sqlstate == NULL || strncmp(sqlstate, "08", 2) == 0 ||
	    strncmp(sqlstate, "57P", 3) == 0 || strcmp(sqlstate, "25006") == 0;
}

/* Waits until the connection's socket is ready, or the deadline passed. */
static bool
wait_socket(struct pg *s, bool for_write)
{
	struct pollfd	 pfd;
	long long	 left;
	int		 rc;

	pfd.fd = PQsocket(s->conn);
	pfd.events = for_write ? POLLOUT | POLLIN : POLLIN;
	do {
		if ((left = s->deadline_ms - now_ms()) <= 0)
			return false;
		rc = poll(&pfd, 1, (int)left);
	} while (rc == -1 && errno == EINTR);
	return rc > 0;
}

/*
 * The result of the query just sent: the last of its results, once the
 * server said it is done. NULL when the connection broke or the deadline
 * passed; the connection is gone then.
 */
static PGresult *
await_result(struct pg *s, const char *what)
{
	PGresult	*res = NULL, *next;
	int		 flushed;

	while ((flushed = PQflush(s->conn)) == 1)
		if (!wait_socket(s, true) || PQconsumeInput(s->conn) == 0)
			goto broken;
	if (flushed == -1)
		goto broken;
	for (;;) {
		while (PQisBusy(s->conn))
			if (!wait_socket(s, false) ||
			    PQconsumeInput(s->conn) == 0)
				goto broken;
		if ((next = PQgetResult(s->conn)) == NULL)
			break;
		PQclear(res);
		res = next;
	}
	if (res != NULL)
		return res;
broken:
	PQclear(res);
	if (now_ms() < s->deadline_ms)
		fail_conn(s, what);
	else {
		log_message("database: %s: no answer within %d ms (%s)", what,
		    s->opts.busy_timeout_ms + 1000, s->where);
		disconnect(s);
	}
	return NULL;
}

static void
start_clock(struct pg *s)
{
	s->deadline_ms = now_ms() + s->opts.busy_timeout_ms + 1000;
}

/*
 * Checks a result: DIS_OK for success, else the error it maps to, logged
 * (what failed and the server's message, never a parameter's value) and,
 * when the connection cannot go on, dropped.
 */
static enum dis_err
check(struct pg *s, PGresult *res, const char *what)
{
	const char	*sqlstate;
	enum dis_err	 err;
	char		 msg[512];
	ExecStatusType	 st;

	if (res == NULL)
		return DIS_ERR_UNAVAILABLE;
	st = PQresultStatus(res);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return DIS_OK;
	sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	log_message("database: %s: %s [%s] (%s)", what, one_line(msg,
	    sizeof(msg), PQresultErrorMessage(res)), sqlstate ? sqlstate :
	    "-", s->where);
	err = error_of(sqlstate);
	if (must_reconnect(sqlstate) || PQstatus(s->conn) != CONNECTION_OK) {
		disconnect(s);
		err = DIS_ERR_UNAVAILABLE;
	}
	return err;
}

/* Runs fixed text with no parameters: transaction control, DDL. */
static PGresult *
exec_text(struct pg *s, const char *text)
{
	if (s->conn == NULL)
		return NULL;
	start_clock(s);
	if (PQsendQueryParams(s->conn, text, 0, NULL, NULL, NULL, NULL, 0) == 0) {
		fail_conn(s, "send");
		return NULL;
	}
	return await_result(s, "statement");
}

static enum dis_err
run_text(struct pg *s, const char *text, const char *what)
{
	PGresult	*res = exec_text(s, text);
	enum dis_err	 err = check(s, res, what);

	PQclear(res);
	return err;
}

/* Runs the prepared statement on its n parameters, as text (NULL: NULL). */
static PGresult *
exec_stmt(struct pg *s, enum stmt which, int n, const char *const *values)
{
	char	 name[8];

	if (s->conn == NULL)
		return NULL;
	snprintf(name, sizeof(name), "s%d", (int)which);
	start_clock(s);
	if (PQsendQueryPrepared(s->conn, name, n, values, NULL, NULL, 0) == 0) {
		fail_conn(s, "send");
		return NULL;
	}
	return await_result(s, "statement");
}

/* Runs a statement whose rows do not matter. */
static enum dis_err
run_stmt(struct pg *s, enum stmt which, int n, const char *const *values,
    const char *what)
{
	PGresult	*res = exec_stmt(s, which, n, values);
	enum dis_err	 err = check(s, res, what);

	PQclear(res);
	return err;
}

/* Runs a statement for whether it returns a row: *found. */
static enum dis_err
probe_stmt(struct pg *s, enum stmt which, int n, const char *const *values,
    const char *what, bool *found)
{
	PGresult	*res = exec_stmt(s, which, n, values);
	enum dis_err	 err = check(s, res, what);

	*found = err == DIS_OK && PQntuples(res) > 0;
	PQclear(res);
	return err;
}

/* Runs a statement returning one number: *value. */
static enum dis_err
count_stmt(struct pg *s, enum stmt which, int n, const char *const *values,
    const char *what, long long *value)
{
	PGresult	*res = exec_stmt(s, which, n, values);
	enum dis_err	 err = check(s, res, what);

	*value = 0;
	if (err == DIS_OK && PQntuples(res) == 1)
		*value = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return err;
}

/* The schema's version: 0 when there is none yet. */
static enum dis_err
schema_version(struct pg *s, int *version)
{
	PGresult	*res;
	enum dis_err	 err;
	bool		 there;

	*version = 0;
	res = exec_text(s, "SELECT to_regclass('schema_versions') IS NOT NULL");
	err = check(s, res, "schema version");
	there = err == DIS_OK && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!there)
		return err;
	res = exec_text(s, "SELECT coalesce(max(version), 0) FROM "
	    "schema_versions");
	if ((err = check(s, res, "schema version")) == DIS_OK)
		*version = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return err;
}

/*
 * Creates the schema or brings it up to this program's version, under an
 * advisory lock: many processes on many hosts may start at once, and
 * only one of them may change the schema; the others wait, then find it
 * done. schema_versions says which versions are in. A schema already
 * current is only read: the service's user then needs no right to create.
 */
static enum dis_err
migrate(struct pg *s)
{
	enum dis_err	 err;
	int		 version, i, step;

	if ((err = schema_version(s, &version)) != DIS_OK ||
	    version == SCHEMA_VERSION)
		return err;
	if ((err = run_text(s, "BEGIN", "migrate")) != DIS_OK)
		return err;
	if ((err = run_text(s, "SELECT pg_advisory_xact_lock(x'" MIGRATION_LOCK
	    "'::bigint)", "migrate: lock")) != DIS_OK ||
	    (err = run_text(s, "CREATE TABLE IF NOT EXISTS schema_versions ("
	    " version integer PRIMARY KEY,"
	    " applied timestamptz NOT NULL DEFAULT now())",
	    "migrate: versions")) != DIS_OK ||
	    (err = schema_version(s, &version)) != DIS_OK)
		goto out;
	if (version > SCHEMA_VERSION) {
		log_message("database: schema version %d is newer than this "
		    "program's %d (%s)", version, SCHEMA_VERSION, s->where);
		err = DIS_ERR_UNAVAILABLE;
		goto out;
	}
	for (step = version; step < SCHEMA_VERSION; step++)
		for (i = 0; err == DIS_OK && migrations[step][i] != NULL; i++)
			err = run_text(s, migrations[step][i], "migrate");
out:
	if (err == DIS_OK)
		return run_text(s, "COMMIT", "migrate: commit");
	run_text(s, "ROLLBACK", "migrate: rollback");
	return err;
}

/*
 * The server as a log may name it: where, which database, who, never a
 * password. libpq's message for a string that does not parse may quote
 * any part of it, so it is not repeated.
 */
static void
pg_describe(const char *database, char *buf, size_t len)
{
	static const char *const shown[] = { "host", "hostaddr", "port",
	    "dbname", "user", "target_session_attrs" };
	PQconninfoOption	*opts, *o;
	char			*errmsg = NULL;
	size_t			 off = 0, i;

	buf[0] = '\0';
	if ((opts = PQconninfoParse(database, &errmsg)) == NULL) {
		PQfreemem(errmsg);
		snprintf(buf, len, "PostgreSQL, a connection string that does "
		    "not parse");
		return;
	}
	for (i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
		for (o = opts; o->keyword != NULL; o++)
			/* (a list of hosts comes with a list of ports) */
			if (o->val != NULL && o->val[strspn(o->val, ",")] !=
			    '\0' && strcmp(o->keyword, shown[i]) == 0 &&
			    off < len)
				off += (size_t)snprintf(buf + off, len - off,
				    "%s%s=%s", off ? " " : "PostgreSQL ",
				    o->keyword, o->val);
	PQconninfoFree(opts);
	if (off == 0)
		snprintf(buf, len, "PostgreSQL, libpq's defaults (PG*)");
}

/* Server notices (a table already there, a warning) go to the log. */
static void
log_notice(void *arg, const char *message)
{
	char	 msg[512];

	(void)arg;
	log_message("database: %s", one_line(msg, sizeof(msg), message));
}

/*
 * Timeouts and durability for the session, and a check that the server is
 * a primary: reads must see every write acknowledged, from any host.
 * synchronous=full keeps the server's synchronous_commit unless it is off
 * (a standby configured to confirm stays in force); normal turns it off.
 */
static enum dis_err
set_up_session(struct pg *s)
{
	char		 timeout[16], history[16];
	const char	*values[3];
	PGresult	*res;
	enum dis_err	 err;
	bool		 standby;

	snprintf(timeout, sizeof(timeout), "%d", s->opts.busy_timeout_ms);
	values[0] = timeout;
	values[1] = s->opts.sync_full ? "on" : "off";
	snprintf(history, sizeof(history), "%d", s->opts.history);
	values[2] = history;
	start_clock(s);
	if (PQsendQueryParams(s->conn, "SELECT"
	    " set_config('statement_timeout', $1, false),"
	    " set_config('lock_timeout', $1, false),"
	    " set_config('client_min_messages', 'warning', false),"
	    " set_config('dis_checkpoint.history', $3, false),"
	    " CASE WHEN $2 = 'off' OR current_setting('synchronous_commit') ="
	    "  'off' THEN set_config('synchronous_commit', $2, false) END,"
	    " pg_is_in_recovery() OR"
	    "  current_setting('transaction_read_only')::boolean",
	    3, NULL, values, NULL, NULL, 0) == 0)
		return fail_conn(s, "set up");
	res = await_result(s, "set up");
	if ((err = check(s, res, "set up")) != DIS_OK) {
		PQclear(res);
		return err;
	}
	standby = strcmp(PQgetvalue(res, 0, 5), "t") == 0;
	PQclear(res);
	if (standby) {
		log_message("database: the server is a standby or read-only; "
		    "a primary is needed (%s)", s->where);
		disconnect(s);
		return DIS_ERR_UNAVAILABLE;
	}
	return DIS_OK;
}

static enum dis_err
prepare_all(struct pg *s)
{
	PGresult	*res;
	enum dis_err	 err;
	char		 name[8];
	int		 i;

	for (i = 0; i < ST__COUNT; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		start_clock(s);
		if (PQsendPrepare(s->conn, name, sql[i], 0, NULL) == 0)
			return fail_conn(s, "prepare");
		res = await_result(s, "prepare");
		err = check(s, res, "prepare");
		PQclear(res);
		if (err != DIS_OK)
			return err;
	}
	return DIS_OK;
}

/* libpq tries each host of the string in turn, within the deadline. */
static enum dis_err
connect_db(struct pg *s)
{
	static const char *const keys[] = { "fallback_application_name",
	    "dbname", NULL };
	const char		*values[] = { "dis-checkpoint", s->opts.path,
	    NULL };
	PostgresPollingStatusType poll = PGRES_POLLING_WRITING;
	enum dis_err		 err;

	if (s->conn != NULL && PQstatus(s->conn) == CONNECTION_OK)
		return DIS_OK;
	disconnect(s);
	start_clock(s);
	s->conn = PQconnectStartParams(keys, values, 1);
	if (s->conn == NULL || PQstatus(s->conn) == CONNECTION_BAD)
		return fail_conn(s, "connect");
	while (poll != PGRES_POLLING_OK) {
		if (poll == PGRES_POLLING_FAILED)
			return fail_conn(s, "connect");
		if (!wait_socket(s, poll == PGRES_POLLING_WRITING)) {
			log_message("database: connect: no answer within %d ms "
			    "(%s)", s->opts.busy_timeout_ms + 1000, s->where);
			disconnect(s);
			return DIS_ERR_UNAVAILABLE;
		}
		poll = PQconnectPoll(s->conn);
	}
	if (PQsetnonblocking(s->conn, 1) == -1)
		return fail_conn(s, "connect");
	PQsetNoticeProcessor(s->conn, log_notice, NULL);
	if ((err = set_up_session(s)) != DIS_OK ||
	    (err = migrate(s)) != DIS_OK ||
	    (err = prepare_all(s)) != DIS_OK) {
		disconnect(s);
		return err;
	}
	return DIS_OK;
}

/*
 * Connects when needed and runs a call's first statement: the prepared
 * one, or text when which is ST__COUNT. A connection found broken then
 * had died while idle (the server restarted, or failed over): nothing was
 * done on it yet, so one new connection is tried before the call fails.
 * The caller clears *res, also on failure.
 */
static enum dis_err
first_stmt(struct pg *s, enum stmt which, const char *text, int n,
    const char *const *values, const char *what, PGresult **res)
{
	bool		 idle = s->conn != NULL;
	enum dis_err	 err;

	/* Inside a change's transaction, a new connection would be outside. */
	if (s->in_change) {
		*res = which == ST__COUNT ? exec_text(s, text) :
		    exec_stmt(s, which, n, values);
		return check(s, *res, what);
	}
	for (;;) {
		*res = NULL;
		if ((err = connect_db(s)) != DIS_OK)
			return err;
		*res = which == ST__COUNT ? exec_text(s, text) :
		    exec_stmt(s, which, n, values);
		if ((err = check(s, *res, what)) == DIS_OK || s->conn != NULL ||
		    !idle)
			return err;
		PQclear(*res);
		idle = false;
	}
}

/*
 * first_stmt for the reads whose rows start with a column saying whether
 * the app exists ('t'), then a row per item: DIS_ERR_APP_NOT_FOUND when it
 * does not. The caller clears *res, also on failure.
 */
static enum dis_err
app_rows(struct pg *s, enum stmt which, int n, const char *const *values,
    const char *what, PGresult **res)
{
	enum dis_err	 err;

	if ((err = first_stmt(s, which, NULL, n, values, what, res)) != DIS_OK)
		return err;
	if (PQntuples(*res) == 0 || strcmp(PQgetvalue(*res, 0, 0), "t") != 0)
		return DIS_ERR_APP_NOT_FOUND;
	return DIS_OK;
}

static void *
pg_open(const struct store_options *opts)
{
	struct pg	*s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->opts = *opts;
	pg_describe(opts->path, s->where, sizeof(s->where));
	/* A first failure is logged here and retried on every request. */
	connect_db(s);
	return s;
}

static void
pg_close(void *handle)
{
	struct pg	*s = handle;

	disconnect(s);
	free(s);
}

/* ---- writes ------------------------------------------------------------ */

static enum dis_err
apply_create_app(struct pg *s, struct write_op *op)
{
	const char	*v[4] = { op->key.project, op->key.app, op->app_id, NULL };
	char		 time[24];
	long long	 apps;
	enum dis_err	 err;
	bool		 exists;

	snprintf(time, sizeof(time), "%lld", op->create_time);
	v[3] = time;
	if ((err = run_stmt(s, ST_LOCK_PROJECT, 1, v, "lock project")) != DIS_OK ||
	    (err = probe_stmt(s, ST_APP_GET, 2, v, "find app", &exists)) !=
	    DIS_OK)
		return err;
	if (exists) {
		op->result = DIS_ERR_APP_EXISTS;
		return DIS_OK;
	}
	if ((err = count_stmt(s, ST_APP_COUNT, 1, v, "count apps", &apps)) !=
	    DIS_OK)
		return err;
	if (apps >= op->app_quota) {
		op->result = DIS_ERR_APP_QUOTA;
		return DIS_OK;
	}
	return run_stmt(s, ST_APP_INSERT, 4, v, "create app");
}

static enum dis_err
apply_delete_app(struct pg *s, struct write_op *op)
{
	const char	*v[2] = { op->key.project, op->key.app };
	enum dis_err	 err;
	bool		 exists;

	if ((err = run_stmt(s, ST_LOCK_PROJECT, 1, v, "lock project")) != DIS_OK ||
	    (err = probe_stmt(s, ST_APP_LOCK_ROW, 2, v, "lock app",
	    &exists)) != DIS_OK)
		return err;
	if (!exists) {
		op->result = DIS_ERR_APP_NOT_FOUND;
		return DIS_OK;
	}
	if ((err = run_stmt(s, ST_CKPT_DELETE_APP, 2, v, "delete app")) !=
	    DIS_OK)
		return err;
	return run_stmt(s, ST_APP_DELETE, 2, v, "delete app");
}

/* As on SQLite: a stream new to the app gets in only below the bound. */
static enum dis_err
admit_stream(struct pg *s, struct write_op *op)
{
	const char	*v[3] = { op->key.project, op->key.app, op->key.stream };
	long long	 streams;
	enum dis_err	 err;
	bool		 held;

	if (op->stream_limit <= 0)
		return DIS_OK;
	if ((err = probe_stmt(s, ST_STREAM_HELD, 3, v, "find stream",
	    &held)) != DIS_OK || held)
		return err;
	/* Another transaction may have added it while this one waited. */
	if ((err = run_stmt(s, ST_LOCK_STREAMS, 2, v, "lock streams")) !=
	    DIS_OK || (err = probe_stmt(s, ST_STREAM_HELD, 3, v,
	    "find stream", &held)) != DIS_OK || held)
		return err;
	if ((err = count_stmt(s, ST_STREAM_COUNT, 2, v, "count streams",
	    &streams)) != DIS_OK)
		return err;
	if (streams >= op->stream_limit)
		op->result = DIS_ERR_STREAM_LIMIT;
	return DIS_OK;
}

static enum dis_err
apply_checkpoint(struct pg *s, struct write_op *op)
{
	const char	*v[8] = { op->key.project, op->key.app, op->key.stream,
	    op->key.type, NULL, NULL, op->metadata ? op->metadata : "", NULL };
	const char	*d[6] = { op->key.project, op->key.app, op->key.stream,
	    op->key.type, NULL, NULL };
	char		 partition[24], sequence[24], changed[24];
	enum dis_err	 err;
	bool		 exists;

	snprintf(partition, sizeof(partition), "%lld", op->key.partition);
	snprintf(sequence, sizeof(sequence), "%lld", op->sequence);
	snprintf(changed, sizeof(changed), "%lld", s->now_ms);
	v[4] = partition;
	v[5] = sequence;
	v[7] = changed;
	d[4] = partition;
	d[op->key.partition < 0 ? 4 : 5] = changed;
	if ((err = probe_stmt(s, ST_APP_KEEP, 2, v, "find app", &exists)) !=
	    DIS_OK)
		return err;
	if (!exists) {
		op->result = DIS_ERR_APP_NOT_FOUND;
		return DIS_OK;
	}
	if (op->kind == WRITE_DELETE_CHECKPOINTS)
		return op->key.partition < 0 ?
		    run_stmt(s, ST_CKPT_DELETE_STREAM, 5, d, "delete") :
		    run_stmt(s, ST_CKPT_DELETE_ONE, 6, d, "delete");
	if ((err = admit_stream(s, op)) != DIS_OK || op->result != DIS_OK)
		return err;
	return run_stmt(s, ST_CKPT_UPSERT, 8, v, "commit");
}

/* DIS_OK when the SQL ran, op->result saying whether op was refused. */
static enum dis_err
apply_one(struct pg *s, struct write_op *op)
{
	switch (op->kind) {
	case WRITE_CREATE_APP:
		return apply_create_app(s, op);
	case WRITE_DELETE_APP:
		return apply_delete_app(s, op);
	case WRITE_COMMIT_CHECKPOINT:
	case WRITE_DELETE_CHECKPOINTS:
		return apply_checkpoint(s, op);
	}
	return DIS_ERR_INTERNAL;
}

static void	 pg_rollback(void *);

static enum dis_err
pg_begin(void *handle, const struct change *change)
{
	struct pg	*s = handle;
	const char	*v[2];
	PGresult	*res;
	enum dis_err	 err;

	/*
	 * The locks above need each statement to see the latest commits; a
	 * dry run reads one snapshot.
	 */
	s->now_ms = store_wall_ms();
	err = first_stmt(s, ST__COUNT, change == NULL || change->write ?
	    "BEGIN ISOLATION LEVEL READ COMMITTED" :
	    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL,
	    "begin", &res);
	PQclear(res);
	if (err != DIS_OK || change == NULL)
		return err;
	s->in_change = true;
	if (!(s->change_writes = change->write))
		return DIS_OK;
	/* What the history trigger records, until the transaction ends. */
	v[0] = store_origin_name(change->origin);
	v[1] = change->operation;
	if ((err = run_stmt(s, ST_SET_ORIGIN, 2, v, "begin")) != DIS_OK)
		pg_rollback(s);
	return err;
}

/* The app's row FOR UPDATE: the API's writes take it FOR KEY SHARE. */
static enum dis_err
pg_hold_app(void *handle, const char *project, const char *app)
{
	struct pg	*s = handle;
	const char	*v[2] = { project, app };
	enum dis_err	 err;
	bool		 exists = false;

	err = probe_stmt(s, s->change_writes ? ST_APP_LOCK_ROW : ST_APP_GET,
	    2, v, "lock app", &exists);
	if (err == DIS_OK && !exists)
		err = DIS_ERR_APP_NOT_FOUND;
	return err;
}

static enum dis_err
pg_record_operation(void *handle, const struct checkpoint_key *key,
    const struct change *change)
{
	struct pg	*s = handle;
	const char	*v[7] = { key->project, key->app, key->stream, key->type,
	    change->operation, store_origin_name(change->origin), NULL };
	char		 at[24], keep[16];
	enum dis_err	 err;

	if (s->opts.history <= 0)
		return DIS_OK;
	snprintf(at, sizeof(at), "%lld", s->now_ms);
	v[6] = at;
	if ((err = run_stmt(s, ST_OP_RECORD, 7, v, "record operation")) !=
	    DIS_OK)
		return err;
	snprintf(keep, sizeof(keep), "%d", s->opts.history);
	v[4] = keep;
	return run_stmt(s, ST_OP_PRUNE, 5, v, "record operation");
}

static enum op_outcome
batch_lost(struct pg *s, enum dis_err err, enum dis_err *lost)
{
	s->in_change = false;
	if (s->conn != NULL)
		run_text(s, "ROLLBACK", "rollback");
	*lost = err == DIS_OK ? DIS_ERR_UNAVAILABLE : err;
	return OP_BATCH_LOST;
}

static enum op_outcome
pg_apply(void *handle, struct write_op *op, enum dis_err *lost)
{
	struct pg	*s = handle;
	enum op_outcome	 outcome;
	enum dis_err	 err;

	if ((err = run_text(s, "SAVEPOINT op", "savepoint")) != DIS_OK)
		return batch_lost(s, err, lost);
	if ((err = apply_one(s, op)) == DIS_OK && op->result == DIS_OK)
		return (err = run_text(s, "RELEASE op", "release")) == DIS_OK ?
		    OP_APPLIED : batch_lost(s, err, lost);
	/* Without its connection the transaction is gone. */
	if (s->conn == NULL)
		return batch_lost(s, err, lost);
	if (err == DIS_OK)
		outcome = OP_REFUSED;
	else {
		op->result = err;
		outcome = OP_FAILED;
	}
	if ((err = run_text(s, "ROLLBACK TO op", "rollback to")) != DIS_OK ||
	    (err = run_text(s, "RELEASE op", "release")) != DIS_OK)
		return batch_lost(s, err, lost);
	return outcome;
}

/*
 * DIS_OK only when the server answered COMMIT, with synchronous_commit as
 * set up: then the batch is on disk (and on a synchronous standby, if the
 * server has one). A connection lost meanwhile leaves the outcome unknown:
 * 503, and the client's retry finds the same state either way.
 */
static enum dis_err
pg_commit(void *handle)
{
	struct pg	*s = handle;
	PGresult	*res;
	enum dis_err	 err;

	s->in_change = false;
	res = exec_text(s, "COMMIT");
	err = check(s, res, "commit");

	if (err == DIS_OK && strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		log_message("database: commit: rolled back (%s)", s->where);
		err = DIS_ERR_UNAVAILABLE;
	}
	PQclear(res);
	return err;
}

static void
pg_rollback(void *handle)
{
	struct pg	*s = handle;

	s->in_change = false;
	if (s->conn != NULL)
		run_text(s, "ROLLBACK", "rollback");
}

/* ---- reads ------------------------------------------------------------- */

static enum dis_err
pg_get_checkpoint(void *handle, const struct checkpoint_key *key,
    long long *sequence, char **metadata)
{
	struct pg	*s = handle;
	const char	*v[5] = { key->project, key->app, key->stream, key->type,
	    NULL };
	char		 partition[24];
	PGresult	*res;
	enum dis_err	 err;

	*sequence = -1;
	*metadata = NULL;
	snprintf(partition, sizeof(partition), "%lld", key->partition);
	v[4] = partition;
	if ((err = first_stmt(s, ST_CKPT_GET, NULL, 5, v, "read checkpoint",
	    &res)) == DIS_OK) {
		if (PQntuples(res) == 0)
			err = DIS_ERR_APP_NOT_FOUND;
		else if (!PQgetisnull(res, 0, 0)) {
			*sequence = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
			if ((*metadata = strdup(PQgetvalue(res, 0, 1))) == NULL)
				err = DIS_ERR_INTERNAL;
		}
	}
	PQclear(res);
	return err;
}

/*
 * Rows [*row, end) of res with the app named at column col: their streams
 * (column col + 3, NULL for none) go to one call of fn. *row moves past
 * them. -1 when memory ran out or fn refused.
 */
static int
visit_app(PGresult *res, int *row, int end, int col, store_app_fn *fn,
    void *arg)
{
	struct store_names	 streams = { NULL, 0 };
	struct app_info		 info;
	int			 rc = 0;

	info.name = PQgetvalue(res, *row, col);
	info.app_id = PQgetvalue(res, *row, col + 1);
	info.create_time = strtoll(PQgetvalue(res, *row, col + 2), NULL, 10);
	for (; *row < end && strcmp(PQgetvalue(res, *row, col), info.name) == 0;
	    (*row)++)
		if (!PQgetisnull(res, *row, col + 3) && rc == 0)
			rc = names_add(&streams, PQgetvalue(res, *row, col + 3));
	if (rc == 0) {
		info.streams = (const char **)streams.v;
		info.nstreams = streams.n;
		rc = fn(arg, &info) == 0 ? 0 : -1;
	}
	names_free(&streams);
	return rc;
}

static enum dis_err
pg_get_app(void *handle, const char *project, const char *app,
    store_app_fn *fn, void *arg)
{
	struct pg	*s = handle;
	const char	*v[2] = { project, app };
	PGresult	*res;
	enum dis_err	 err;
	int		 row = 0;

	if ((err = first_stmt(s, ST_APP_DESCRIBE, NULL, 2, v, "read app",
	    &res)) == DIS_OK) {
		if (PQntuples(res) == 0)
			err = DIS_ERR_APP_NOT_FOUND;
		else if (visit_app(res, &row, PQntuples(res), 0, fn, arg) == -1)
			err = DIS_ERR_INTERNAL;
	}
	PQclear(res);
	return err;
}

static enum dis_err
pg_list_apps(void *handle, const char *project, const char *stream,
    const char *start_after, int limit, store_app_fn *fn, void *arg,
    long long *total, bool *has_more)
{
	struct pg	*s = handle;
	const char	*v[4] = { project, start_after, stream, NULL };
	char		 page[16];
	PGresult	*res;
	enum dis_err	 err;
	int		 row = 0, rows, seen = 0;

	*total = 0;
	*has_more = false;
	/* One more than asked tells whether a further page exists. */
	snprintf(page, sizeof(page), "%d", limit + 1);
	v[3] = page;
	if ((err = first_stmt(s, ST_APP_LIST, NULL, 4, v, "list apps",
	    &res)) != DIS_OK) {
		PQclear(res);
		return err;
	}
	rows = PQntuples(res);
	if (rows > 0)
		*total = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	while (row < rows && !PQgetisnull(res, row, 1)) {
		if (seen++ == limit) {
			*has_more = true;
			break;
		}
		if (visit_app(res, &row, rows, 1, fn, arg) == -1) {
			err = DIS_ERR_INTERNAL;
			break;
		}
	}
	PQclear(res);
	return err;
}

static enum dis_err
pg_partition_states(void *handle, const struct checkpoint_key *key,
    int limit, store_state_fn *fn, void *arg, bool *has_more)
{
	struct pg	*s = handle;
	const char	*v[6] = { key->project, key->app, key->stream, key->type,
	    NULL, NULL };
	char		 after[24], page[16];
	PGresult	*res;
	enum dis_err	 err;
	int		 row, rows;

	*has_more = false;
	snprintf(after, sizeof(after), "%lld", key->partition);
	snprintf(page, sizeof(page), "%d", limit + 1);
	v[4] = after;
	v[5] = page;
	if ((err = first_stmt(s, ST_STATES, NULL, 6, v, "read states",
	    &res)) != DIS_OK) {
		PQclear(res);
		return err;
	}
	if ((rows = PQntuples(res)) == 0)
		err = DIS_ERR_APP_NOT_FOUND;
	for (row = 0; row < rows && !PQgetisnull(res, row, 0); row++) {
		if (row == limit) {
			*has_more = true;
			break;
		}
		if (fn(arg, strtoll(PQgetvalue(res, row, 0), NULL, 10),
		    strtoll(PQgetvalue(res, row, 1), NULL, 10)) != 0) {
			err = DIS_ERR_INTERNAL;
			break;
		}
	}
	PQclear(res);
	return err;
}

/* Connected to a primary that answers: set_up_session checked the rest. */
static enum dis_err
pg_check_writable(void *handle)
{
	struct pg	*s = handle;

	PGresult	*res;
	enum dis_err	 err = first_stmt(s, ST__COUNT, "SELECT 1", 0, NULL,
	    "health check", &res);

	PQclear(res);
	return err;
}

static enum dis_err
pg_list_projects(void *handle, store_name_fn *fn, void *arg)
{
	struct pg	*s = handle;
	PGresult	*res;
	enum dis_err	 err;
	int		 row;

	if ((err = first_stmt(s, ST_PROJECTS, NULL, 0, NULL, "list projects",
	    &res)) == DIS_OK)
		for (row = 0; row < PQntuples(res); row++)
			if (fn(arg, PQgetvalue(res, row, 0)) != 0) {
				err = DIS_ERR_INTERNAL;
				break;
			}
	PQclear(res);
	return err;
}

static enum dis_err
pg_list_checkpoints(void *handle, const char *project, const char *app,
    const char *stream, store_row_fn *fn, void *arg)
{
	struct pg		*s = handle;
	const char		*v[3] = { project, app, stream };
	struct checkpoint_row	 r;
	PGresult		*res;
	enum dis_err		 err;
	int			 row;

	if ((err = app_rows(s, ST_ROWS, 3, v, "list checkpoints", &res)) !=
	    DIS_OK) {
		PQclear(res);
		return err;
	}
	for (row = 0; err == DIS_OK && row < PQntuples(res) &&
	    !PQgetisnull(res, row, 1); row++) {
		r.app = PQgetvalue(res, row, 1);
		r.stream = PQgetvalue(res, row, 2);
		r.type = PQgetvalue(res, row, 3);
		r.partition = strtoll(PQgetvalue(res, row, 4), NULL, 10);
		r.sequence = strtoll(PQgetvalue(res, row, 5), NULL, 10);
		r.metadata = PQgetvalue(res, row, 6);
		r.changed_ms = strtoll(PQgetvalue(res, row, 7), NULL, 10);
		if (fn(arg, &r) != 0)
			err = DIS_ERR_INTERNAL;
	}
	PQclear(res);
	return err;
}

/* PostgreSQL checksums and checks its own pages: the rest is the counts. */
static enum dis_err
pg_check(void *handle, struct store_report *r)
{
	struct pg	*s = handle;
	PGresult	*res;
	enum dis_err	 err;

	if ((err = first_stmt(s, ST_COUNTS, NULL, 0, NULL, "count",
	    &res)) == DIS_OK && PQntuples(res) == 1) {
		r->projects = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		r->apps = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		r->checkpoints = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
		r->orphans = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
		r->schema_version = atoi(PQgetvalue(res, 0, 4));
		/* Its history is rows of typed columns: none is damaged. */
		r->history_changes = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
		r->damaged_histories = 0;
		snprintf(r->integrity, sizeof(r->integrity), "ok");
	}
	PQclear(res);
	return err;
}

/* A server's consistent copy is pg_dump's job, and it does it well. */
static enum dis_err
pg_backup(void *handle, const char *path, char *err, size_t errlen)
{
	struct pg	*s = handle;

	snprintf(err, errlen, "a PostgreSQL database is backed up with "
	    "pg_dump (%s), not into %s", s->where, path);
	return DIS_ERR_INVALID;
}

static long long
value_or(PGresult *res, int row, int col, long long none)
{
	return PQgetisnull(res, row, col) ? none :
	    strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static const char *
text_or_null(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static enum dis_err
pg_history(void *handle, const struct checkpoint_key *key,
    const char *operation, store_history_fn *fn, void *arg)
{
	struct pg		*s = handle;
	const char		*v[6] = { key->project, key->app, key->stream,
	    key->type, NULL, operation };
	char			 partition[24];
	struct history_row	 h;
	PGresult		*res;
	enum dis_err		 err;
	int			 row;

	snprintf(partition, sizeof(partition), "%lld", key->partition);
	v[4] = partition;
	if ((err = app_rows(s, ST_HIST_ROWS, 6, v, "read history", &res)) !=
	    DIS_OK) {
		PQclear(res);
		return err;
	}
	for (row = 0; err == DIS_OK && row < PQntuples(res) &&
	    !PQgetisnull(res, row, 1); row++) {
		h.type = PQgetvalue(res, row, 1);
		h.partition = value_or(res, row, 2, -1);
		h.seq = value_or(res, row, 3, 0);
		h.old_sequence = value_or(res, row, 4, -1);
		h.old_metadata = text_or_null(res, row, 5);
		h.old_set_ms = value_or(res, row, 6, 0);
		h.new_sequence = value_or(res, row, 7, -1);
		h.new_metadata = text_or_null(res, row, 8);
		h.changed_ms = value_or(res, row, 9, 0);
		h.origin = PQgetvalue(res, row, 10);
		h.operation = text_or_null(res, row, 11);
		if (fn(arg, &h) != 0)
			err = DIS_ERR_INTERNAL;
	}
	PQclear(res);
	return err;
}

static enum dis_err
pg_last_operation(void *handle, const struct checkpoint_key *key,
    struct store_operation *op)
{
	struct pg	*s = handle;
	const char	*v[4] = { key->project, key->app, key->stream,
	    key->type };
	PGresult	*res;
	enum dis_err	 err;

	if ((err = first_stmt(s, ST_OP_LAST, NULL, 4, v, "read operations",
	    &res)) == DIS_OK) {
		if (PQntuples(res) == 0 || strcmp(PQgetvalue(res, 0, 0), "t") !=
		    0)
			err = DIS_ERR_APP_NOT_FOUND;
		else if (!PQgetisnull(res, 0, 1)) {
			snprintf(op->id, sizeof(op->id), "%s",
			    PQgetvalue(res, 0, 1));
			snprintf(op->origin, sizeof(op->origin), "%s",
			    PQgetvalue(res, 0, 2));
			op->at_ms = value_or(res, 0, 3, 0);
			op->changes = value_or(res, 0, 4, 0);
		}
	}
	PQclear(res);
	return err;
}

const struct store_backend store_pg = {
	.name = "postgresql",
	.describe = pg_describe,
	.open = pg_open,
	.close = pg_close,
	.begin = pg_begin,
	.hold_app = pg_hold_app,
	.record_operation = pg_record_operation,
	.apply = pg_apply,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.get_checkpoint = pg_get_checkpoint,
	.get_app = pg_get_app,
	.list_apps = pg_list_apps,
	.partition_states = pg_partition_states,
	.check_writable = pg_check_writable,
	.list_projects = pg_list_projects,
	.list_checkpoints = pg_list_checkpoints,
	.check = pg_check,
	.backup = pg_backup,
	.history = pg_history,
	.last_operation = pg_last_operation,
};
