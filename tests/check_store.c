/*
 * check_store.c: the store on SQLite, a real file in a temp directory, or,
 * with DIS_CHECKPOINT_TEST_PG set to a libpq connection string, the same
 * cases on that PostgreSQL database (tests/store-pg.sh starts a private
 * server), whose tables each case drops first:
 * batches applied with a savepoint per op (one failing op leaves the others
 * alone), upserts, app existence, quota and not-found results, deleting an
 * app and its checkpoints, listing apps and partition states page by page,
 * project isolation, the per-app stream bound (also raced by processes),
 * the schema version, data kept across a reopen, and a
 * database in a missing directory answering "unavailable" until the
 * directory appears.
 *
 * Backend-specific cases: the schema's version, a directory missing
 * (SQLite); a server that is not there, a lock held past busy_timeout
 * (PostgreSQL); and on both, what the logs may show of the setting.
 *
 * The store is opened in a checked fixture, so in the forked child: a
 * connection must never cross a fork.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <time.h>

#include "store.h"
#include "testutil.h"

static const char	*pg;	/* DIS_CHECKPOINT_TEST_PG: run on PostgreSQL */
static char		*dir;
static char		*dbpath;
static struct store	*st;

static struct store_options
options(const char *path, int history, int busy_timeout_ms)
{
	struct store_options	 o;

	memset(&o, 0, sizeof(o));
	o.path = path;
	o.history = history;
	o.sync_full = false;	/* durability is not under test here */
	o.journal_mode = "WAL";
	o.busy_timeout_ms = busy_timeout_ms;
	return o;
}

static struct store *
open_options(const struct store_options *o)
{
	struct store	*s = store_open(o);

	ck_assert_ptr_nonnull(s);
	return s;
}

static struct store *
open_store_waiting(const char *path, int history, int busy_timeout_ms)
{
	struct store_options	 o = options(path, history, busy_timeout_ms);

	return open_options(&o);
}

static struct store *
open_store_history(const char *path, int history)
{
	return open_store_waiting(path, history, 2000);
}

static struct store *
open_store(const char *path)
{
	return open_store_history(path, 0);
}

/* A connection of the test's own to the PostgreSQL database. */
static PGconn *
pg_connect(void)
{
	PGconn	*c = PQconnectdb(pg);

	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
	return c;
}

static void
pg_must(PGconn *c, const char *text)
{
	PGresult	*res = PQexec(c, text);

	ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", text,
	    PQerrorMessage(c));
	PQclear(res);
}

/* An empty PostgreSQL database, as on a first start. */
static void
pg_reset(void)
{
	PGconn	*c = pg_connect();

	pg_must(c, "SET client_min_messages = warning");
	pg_must(c, "DROP VIEW IF EXISTS history_rows");
	pg_must(c, "DROP TABLE IF EXISTS apps, checkpoints, schema_versions, "
	    "history, operations");
	pg_must(c, "DROP FUNCTION IF EXISTS dis_checkpoint_history()");
	PQfinish(c);
}

static void
setup(void)
{
	dir = tmpdir_create();
	if (pg != NULL) {
		pg_reset();
		dbpath = strdup(pg);
	} else
		dbpath = path_join(dir, "store.db");
	st = open_store(dbpath);
}

static void
teardown(void)
{
	store_close(st);
	st = NULL;
	free(dbpath);
	tmpdir_remove(dir);
}

/* ---- helpers: one op, applied alone -------------------------------------- */

static struct write_op
op_create(const char *project, const char *app, int quota)
{
	struct write_op	 op;
	static int	 serial;
	static char	 ids[64][16];

	memset(&op, 0, sizeof(op));
	op.kind = WRITE_CREATE_APP;
	op.key.project = project;
	op.key.app = app;
	snprintf(ids[serial % 64], sizeof(ids[0]), "id-%d", serial);
	op.app_id = ids[serial++ % 64];
	op.create_time = 1700000000000LL + serial;
	op.app_quota = quota;
	return op;
}

static struct write_op
op_commit(const char *project, const char *app, const char *stream,
    long long partition, long long sequence, const char *metadata)
{
	struct write_op	 op;

	memset(&op, 0, sizeof(op));
	op.kind = WRITE_COMMIT_CHECKPOINT;
	op.key.project = project;
	op.key.app = app;
	op.key.stream = stream;
	op.key.type = "LAST_READ";
	op.key.partition = partition;
	op.sequence = sequence;
	op.metadata = metadata;
	return op;
}

static struct write_op
op_delete_ckpt(const char *project, const char *app, const char *stream,
    long long partition)
{
	struct write_op	 op = op_commit(project, app, stream, partition, 0,
	    NULL);

	op.kind = WRITE_DELETE_CHECKPOINTS;
	return op;
}

static struct write_op
op_delete_app(const char *project, const char *app)
{
	struct write_op	 op;

	memset(&op, 0, sizeof(op));
	op.kind = WRITE_DELETE_APP;
	op.key.project = project;
	op.key.app = app;
	return op;
}

static enum dis_err
apply1(struct write_op op)
{
	struct write_op	*p = &op;
	enum dis_err	 err;

	op.result = DIS_ERR_INTERNAL;	/* must be overwritten */
	err = store_apply(st, &p, 1);
	if (err != DIS_OK)
		ck_assert_int_eq(op.result, err);
	return op.result;
}

static void
create(const char *project, const char *app)
{
	ck_assert_int_eq(apply1(op_create(project, app, 1000)), DIS_OK);
}

static void
commit(const char *project, const char *app, const char *stream,
    long long partition, long long sequence, const char *metadata)
{
	ck_assert_int_eq(apply1(op_commit(project, app, stream, partition,
	    sequence, metadata)), DIS_OK);
}

/* The stored sequence, or -1; with its metadata copied into meta. */
static long long
get(const char *project, const char *app, const char *stream,
    long long partition, char *meta, size_t metalen)
{
	struct checkpoint_key	 key = { project, app, stream, "LAST_READ",
	    partition };
	long long		 seq = 12345;
	char			*m = (char *)"unset";

	ck_assert_int_eq(store_get_checkpoint(st, &key, &seq, &m), DIS_OK);
	if (seq == -1)
		ck_assert_ptr_null(m);
	else
		ck_assert_ptr_nonnull(m);
	if (meta != NULL)
		snprintf(meta, metalen, "%s", m ? m : "(none)");
	free(m);
	return seq;
}

/* What the app visitors saw, copied out. */
struct app_seen {
	char		 name[64];
	char		 app_id[64];
	long long	 create_time;
	char		 streams[256];	/* joined with ',' */
};

struct apps_seen {
	struct app_seen	 apps[128];
	size_t		 n;
};

static int
collect_app(void *arg, const struct app_info *info)
{
	struct apps_seen	*seen = arg;
	struct app_seen		*a;
	size_t			 i, off = 0;

	ck_assert_uint_lt(seen->n, 128);
	a = &seen->apps[seen->n++];
	snprintf(a->name, sizeof(a->name), "%s", info->name);
	snprintf(a->app_id, sizeof(a->app_id), "%s", info->app_id);
	a->create_time = info->create_time;
	a->streams[0] = '\0';
	for (i = 0; i < info->nstreams; i++)
		off += (size_t)snprintf(a->streams + off,
		    sizeof(a->streams) - off, "%s%s", i ? "," : "",
		    info->streams[i]);
	return 0;
}

static enum dis_err
describe(const char *project, const char *app, struct app_seen *out)
{
	struct apps_seen	*seen = calloc(1, sizeof(*seen));
	enum dis_err		 err;

	ck_assert_ptr_nonnull(seen);
	err = store_get_app(st, project, app, collect_app, seen);
	ck_assert_uint_eq(seen->n, err == DIS_OK ? 1 : 0);
	if (err == DIS_OK && out != NULL)
		*out = seen->apps[0];
	free(seen);
	return err;
}

/* Lists a page; names joined with ','. */
static void
list(const char *project, const char *stream, const char *after, int limit,
    char *names, size_t len, long long *total, bool *more)
{
	struct apps_seen	*seen = calloc(1, sizeof(*seen));
	size_t			 i, off = 0;

	ck_assert_ptr_nonnull(seen);
	ck_assert_int_eq(store_list_apps(st, project, stream, after, limit,
	    collect_app, seen, total, more), DIS_OK);
	names[0] = '\0';
	for (i = 0; i < seen->n; i++)
		off += (size_t)snprintf(names + off, len - off, "%s%s",
		    i ? "," : "", seen->apps[i].name);
	free(seen);
}

struct states_seen {
	char	 text[512];	/* "partition:sequence" joined with ',' */
	size_t	 off, n;
};

static int
collect_state(void *arg, long long partition, long long sequence)
{
	struct states_seen	*s = arg;

	s->off += (size_t)snprintf(s->text + s->off, sizeof(s->text) - s->off,
	    "%s%lld:%lld", s->n++ ? "," : "", partition, sequence);
	return 0;
}

static enum dis_err
states(const char *project, const char *app, const char *stream,
    long long after, int limit, char *out, size_t len, bool *more)
{
	struct checkpoint_key	 key = { project, app, stream, "LAST_READ",
	    after };
	struct states_seen	 s;
	enum dis_err		 err;

	memset(&s, 0, sizeof(s));
	*more = true;
	err = store_partition_states(st, &key, limit, collect_state, &s, more);
	snprintf(out, len, "%s", s.text);
	return err;
}

/* ---- tests ----------------------------------------------------------------- */

START_TEST(test_schema_version)
{
	sqlite3		*db;
	sqlite3_stmt	*q;
	int		 version = -1, tables = 0;

	create("p1", "a1");
	ck_assert_int_eq(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	version = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM "
	    "sqlite_master WHERE (type = 'table' AND name IN ('apps', "
	    "'checkpoints', 'removed', 'operations')) OR (type = 'view' AND "
	    "name = 'history_rows') OR name = 'history'", -1, &q, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	tables = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	ck_assert_int_eq(version, 5);
	ck_assert_int_eq(tables, 5);	/* and no history table */
}
END_TEST

START_TEST(test_create_and_describe)
{
	struct app_seen	 a;
	struct write_op	 op = op_create("p1", "a1", 10);

	ck_assert_int_eq(apply1(op), DIS_OK);
	ck_assert_int_eq(describe("p1", "a1", &a), DIS_OK);
	ck_assert_str_eq(a.name, "a1");
	ck_assert_str_eq(a.app_id, op.app_id);
	ck_assert_int_eq(a.create_time, op.create_time);
	ck_assert_str_eq(a.streams, "");
	ck_assert_int_eq(describe("p1", "a2", NULL), DIS_ERR_APP_NOT_FOUND);
	/* Names are case-sensitive. */
	ck_assert_int_eq(describe("p1", "A1", NULL), DIS_ERR_APP_NOT_FOUND);
}
END_TEST

/* A duplicate is refused and leaves the first app as it was. */
START_TEST(test_create_duplicate)
{
	struct write_op	 first = op_create("p1", "a1", 10);
	struct app_seen	 a;

	ck_assert_int_eq(apply1(first), DIS_OK);
	ck_assert_int_eq(apply1(op_create("p1", "a1", 10)), DIS_ERR_APP_EXISTS);
	ck_assert_int_eq(describe("p1", "a1", &a), DIS_OK);
	ck_assert_str_eq(a.app_id, first.app_id);
}
END_TEST

/* Quota counts the project's apps; a duplicate is reported before quota. */
START_TEST(test_quota)
{
	ck_assert_int_eq(apply1(op_create("p1", "a1", 2)), DIS_OK);
	ck_assert_int_eq(apply1(op_create("p1", "a2", 2)), DIS_OK);
	ck_assert_int_eq(apply1(op_create("p1", "a3", 2)), DIS_ERR_APP_QUOTA);
	ck_assert_int_eq(describe("p1", "a3", NULL), DIS_ERR_APP_NOT_FOUND);
	ck_assert_int_eq(apply1(op_create("p1", "a1", 2)), DIS_ERR_APP_EXISTS);
	/* Another project has its own quota. */
	ck_assert_int_eq(apply1(op_create("p2", "a3", 2)), DIS_OK);
	/* Deleting frees a slot. */
	ck_assert_int_eq(apply1(op_delete_app("p1", "a1")), DIS_OK);
	ck_assert_int_eq(apply1(op_create("p1", "a3", 2)), DIS_OK);
	/* A quota of 0 allows nothing. */
	ck_assert_int_eq(apply1(op_create("p3", "a1", 0)), DIS_ERR_APP_QUOTA);
}
END_TEST

START_TEST(test_checkpoint_needs_app)
{
	struct checkpoint_key	 key = { "p1", "nope", "s1", "LAST_READ", 0 };
	long long		 seq = 99;
	char			*meta = NULL;

	ck_assert_int_eq(apply1(op_commit("p1", "nope", "s1", 0, 5, "")),
	    DIS_ERR_APP_NOT_FOUND);
	ck_assert_int_eq(apply1(op_delete_ckpt("p1", "nope", "s1", -1)),
	    DIS_ERR_APP_NOT_FOUND);
	ck_assert_int_eq(store_get_checkpoint(st, &key, &seq, &meta),
	    DIS_ERR_APP_NOT_FOUND);
	ck_assert_ptr_null(meta);
	/* The failed commit did not create the app behind our back. */
	ck_assert_int_eq(describe("p1", "nope", NULL), DIS_ERR_APP_NOT_FOUND);
}
END_TEST

START_TEST(test_get_nothing_committed)
{
	create("p1", "a1");
	ck_assert_int_eq(get("p1", "a1", "s1", 0, NULL, 0), -1);
}
END_TEST

/* A commit replaces the last one of the same key, and only that one. */
START_TEST(test_upsert)
{
	char	 meta[64];

	create("p1", "a1");
	commit("p1", "a1", "s1", 0, 5, "first");
	commit("p1", "a1", "s1", 1, 50, "other");
	ck_assert_int_eq(get("p1", "a1", "s1", 0, meta, sizeof(meta)), 5);
	ck_assert_str_eq(meta, "first");
	commit("p1", "a1", "s1", 0, 7, "second");
	ck_assert_int_eq(get("p1", "a1", "s1", 0, meta, sizeof(meta)), 7);
	ck_assert_str_eq(meta, "second");
	/* Going backwards is allowed: a consumer may rewind. */
	commit("p1", "a1", "s1", 0, 3, NULL);
	ck_assert_int_eq(get("p1", "a1", "s1", 0, meta, sizeof(meta)), 3);
	ck_assert_str_eq(meta, "");
	ck_assert_int_eq(get("p1", "a1", "s1", 1, meta, sizeof(meta)), 50);
	ck_assert_str_eq(meta, "other");
	/* Extremes of both numbers survive. */
	commit("p1", "a1", "s1", 2147483647, 9223372036854775807LL, "max");
	ck_assert_int_eq(get("p1", "a1", "s1", 2147483647, NULL, 0),
	    9223372036854775807LL);
	commit("p1", "a1", "s1", 0, 0, "zero");
	ck_assert_int_eq(get("p1", "a1", "s1", 0, NULL, 0), 0);
}
END_TEST

/* Metadata is stored as given, multi-byte and quotes included. */
START_TEST(test_metadata_text)
{
	static const char	 text[] = "caf\xc3\xa9 'quoted' \"dq\" %s \\";
	char			 meta[64];

	create("p1", "a1");
	commit("p1", "a1", "s1", 0, 1, text);
	get("p1", "a1", "s1", 0, meta, sizeof(meta));
	ck_assert_str_eq(meta, text);
}
END_TEST

/*
 * One batch, one transaction, one savepoint per op: ops that fail (app
 * missing, duplicate) fail alone and the rest are committed. Ops see the
 * effects of earlier ops of the same batch.
 */
START_TEST(test_batch)
{
	struct write_op	 ops[7], *p[7];
	size_t		 i;

	ops[0] = op_create("p1", "a1", 10);
	ops[1] = op_commit("p1", "missing", "s1", 0, 1, "");
	ops[2] = op_commit("p1", "a1", "s1", 0, 10, "m0");
	ops[3] = op_create("p1", "a1", 10);
	ops[4] = op_commit("p1", "a1", "s1", 1, 11, "m1");
	ops[5] = op_delete_app("p1", "missing");
	ops[6] = op_create("p1", "a2", 2);
	for (i = 0; i < 7; i++) {
		ops[i].result = DIS_ERR_INTERNAL;
		p[i] = &ops[i];
	}
	ck_assert_int_eq(store_apply(st, p, 7), DIS_OK);
	ck_assert_int_eq(ops[0].result, DIS_OK);
	ck_assert_int_eq(ops[1].result, DIS_ERR_APP_NOT_FOUND);
	ck_assert_int_eq(ops[2].result, DIS_OK);
	ck_assert_int_eq(ops[3].result, DIS_ERR_APP_EXISTS);
	ck_assert_int_eq(ops[4].result, DIS_OK);
	ck_assert_int_eq(ops[5].result, DIS_ERR_APP_NOT_FOUND);
	/* a1 counts toward the quota within the batch: 1 < 2. */
	ck_assert_int_eq(ops[6].result, DIS_OK);
	ck_assert_int_eq(get("p1", "a1", "s1", 0, NULL, 0), 10);
	ck_assert_int_eq(get("p1", "a1", "s1", 1, NULL, 0), 11);
	ck_assert_int_eq(describe("p1", "missing", NULL), DIS_ERR_APP_NOT_FOUND);
	ck_assert_int_eq(describe("p1", "a2", NULL), DIS_OK);
}
END_TEST

/* Within one batch the quota sees the apps created before in it. */
START_TEST(test_batch_quota)
{
	struct write_op	 ops[3], *p[3];
	size_t		 i;

	ops[0] = op_create("p1", "a1", 2);
	ops[1] = op_create("p1", "a2", 2);
	ops[2] = op_create("p1", "a3", 2);
	for (i = 0; i < 3; i++)
		p[i] = &ops[i];
	ck_assert_int_eq(store_apply(st, p, 3), DIS_OK);
	ck_assert_int_eq(ops[0].result, DIS_OK);
	ck_assert_int_eq(ops[1].result, DIS_OK);
	ck_assert_int_eq(ops[2].result, DIS_ERR_APP_QUOTA);
}
END_TEST

/* An empty batch commits nothing and fails nothing. */
START_TEST(test_batch_empty)
{
	ck_assert_int_eq(store_apply(st, NULL, 0), DIS_OK);
}
END_TEST

START_TEST(test_delete_checkpoints)
{
	struct write_op	 other_type;

	create("p1", "a1");
	create("p1", "a2");
	commit("p1", "a1", "s1", 0, 10, "");
	commit("p1", "a1", "s1", 1, 11, "");
	commit("p1", "a1", "s1", 2, 12, "");
	commit("p1", "a1", "s2", 0, 20, "");
	commit("p1", "a2", "s1", 0, 30, "");
	other_type = op_commit("p1", "a1", "s1", 1, 99, "");
	other_type.key.type = "OTHER";
	ck_assert_int_eq(apply1(other_type), DIS_OK);

	/* One partition. */
	ck_assert_int_eq(apply1(op_delete_ckpt("p1", "a1", "s1", 1)), DIS_OK);
	ck_assert_int_eq(get("p1", "a1", "s1", 1, NULL, 0), -1);
	ck_assert_int_eq(get("p1", "a1", "s1", 0, NULL, 0), 10);
	ck_assert_int_eq(get("p1", "a1", "s1", 2, NULL, 0), 12);
	/* Deleting what is not there is fine. */
	ck_assert_int_eq(apply1(op_delete_ckpt("p1", "a1", "s1", 1)), DIS_OK);
	ck_assert_int_eq(apply1(op_delete_ckpt("p1", "a1", "s9", -1)), DIS_OK);
	/* Every partition of one stream, for this app and type only. */
	ck_assert_int_eq(apply1(op_delete_ckpt("p1", "a1", "s1", -1)), DIS_OK);
	ck_assert_int_eq(get("p1", "a1", "s1", 0, NULL, 0), -1);
	ck_assert_int_eq(get("p1", "a1", "s1", 2, NULL, 0), -1);
	ck_assert_int_eq(get("p1", "a1", "s2", 0, NULL, 0), 20);
	ck_assert_int_eq(get("p1", "a2", "s1", 0, NULL, 0), 30);
	{
		struct checkpoint_key	 key = { "p1", "a1", "s1", "OTHER", 1 };
		long long		 seq;
		char			*meta;

		ck_assert_int_eq(store_get_checkpoint(st, &key, &seq, &meta),
		    DIS_OK);
		ck_assert_int_eq(seq, 99);
		free(meta);
	}
}
END_TEST

/* Deleting an app takes its checkpoints; a new app of that name has none. */
START_TEST(test_delete_app)
{
	struct app_seen	 a;

	create("p1", "a1");
	create("p1", "a2");
	commit("p1", "a1", "s1", 0, 10, "");
	commit("p1", "a1", "s2", 3, 10, "");
	commit("p1", "a2", "s1", 0, 20, "");
	ck_assert_int_eq(apply1(op_delete_app("p1", "a1")), DIS_OK);
	ck_assert_int_eq(describe("p1", "a1", NULL), DIS_ERR_APP_NOT_FOUND);
	ck_assert_int_eq(apply1(op_delete_app("p1", "a1")),
	    DIS_ERR_APP_NOT_FOUND);
	create("p1", "a1");
	ck_assert_int_eq(get("p1", "a1", "s1", 0, NULL, 0), -1);
	ck_assert_int_eq(get("p1", "a1", "s2", 3, NULL, 0), -1);
	ck_assert_int_eq(describe("p1", "a1", &a), DIS_OK);
	ck_assert_str_eq(a.streams, "");
	ck_assert_int_eq(get("p1", "a2", "s1", 0, NULL, 0), 20);
}
END_TEST

/* An app's streams: sorted, distinct, only those with a checkpoint now. */
START_TEST(test_app_streams)
{
	struct app_seen	 a;

	create("p1", "a1");
	commit("p1", "a1", "zeta", 0, 1, "");
	commit("p1", "a1", "alpha", 0, 1, "");
	commit("p1", "a1", "alpha", 1, 1, "");
	commit("p1", "a1", "Mid", 0, 1, "");
	ck_assert_int_eq(describe("p1", "a1", &a), DIS_OK);
	ck_assert_str_eq(a.streams, "Mid,alpha,zeta");
	ck_assert_int_eq(apply1(op_delete_ckpt("p1", "a1", "zeta", -1)),
	    DIS_OK);
	ck_assert_int_eq(apply1(op_delete_ckpt("p1", "a1", "alpha", 0)),
	    DIS_OK);
	ck_assert_int_eq(describe("p1", "a1", &a), DIS_OK);
	ck_assert_str_eq(a.streams, "Mid,alpha");
}
END_TEST

START_TEST(test_list_paging)
{
	/* Created out of order: the list is sorted by name. */
	static const int order[] = { 7, 3, 11, 0, 9, 1, 10, 5, 2, 8, 4, 6 };
	char		 names[512], name[16];
	long long	 total;
	bool		 more;
	size_t		 i;

	for (i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "app%02d", order[i]);
		create("p1", name);
	}
	list("p1", NULL, NULL, 5, names, sizeof(names), &total, &more);
	ck_assert_str_eq(names, "app00,app01,app02,app03,app04");
	ck_assert_int_eq(total, 12);
	ck_assert(more);
	list("p1", NULL, "app04", 5, names, sizeof(names), &total, &more);
	ck_assert_str_eq(names, "app05,app06,app07,app08,app09");
	ck_assert_int_eq(total, 12);
	ck_assert(more);
	list("p1", NULL, "app09", 5, names, sizeof(names), &total, &more);
	ck_assert_str_eq(names, "app10,app11");
	ck_assert_int_eq(total, 12);
	ck_assert(!more);
	/* Exactly full last page: nothing more. */
	list("p1", NULL, "app06", 5, names, sizeof(names), &total, &more);
	ck_assert_str_eq(names, "app07,app08,app09,app10,app11");
	ck_assert(!more);
	list("p1", NULL, NULL, 12, names, sizeof(names), &total, &more);
	ck_assert(!more);
	list("p1", NULL, NULL, 11, names, sizeof(names), &total, &more);
	ck_assert(more);
	/* start_after need not exist, and is exclusive. */
	list("p1", NULL, "app055", 2, names, sizeof(names), &total, &more);
	ck_assert_str_eq(names, "app06,app07");
	list("p1", NULL, "app11", 5, names, sizeof(names), &total, &more);
	ck_assert_str_eq(names, "");
	ck_assert_int_eq(total, 12);
	ck_assert(!more);
	list("p1", NULL, "zzz", 5, names, sizeof(names), &total, &more);
	ck_assert_str_eq(names, "");
	/* A project without apps. */
	list("p2", NULL, NULL, 5, names, sizeof(names), &total, &more);
	ck_assert_str_eq(names, "");
	ck_assert_int_eq(total, 0);
	ck_assert(!more);
}
END_TEST

/* Byte order of the name, not locale or case-folded order. */
START_TEST(test_list_byte_order)
{
	static const char *const made[] = { "b", "B", "a", "_x", "-x", "0", "A" };
	char		 names[128];
	long long	 total;
	bool		 more;
	size_t		 i;

	for (i = 0; i < sizeof(made) / sizeof(made[0]); i++)
		create("p1", made[i]);
	list("p1", NULL, NULL, 100, names, sizeof(names), &total, &more);
	ck_assert_str_eq(names, "-x,0,A,B,_x,a,b");
}
END_TEST

/* stream filter: apps with a checkpoint on it; total counts the filter. */
START_TEST(test_list_stream_filter)
{
	struct apps_seen	*seen;
	char			 names[128];
	long long		 total;
	bool			 more;

	create("p1", "a1");
	create("p1", "a2");
	create("p1", "a3");
	create("p1", "a4");
	commit("p1", "a1", "s1", 0, 1, "");
	commit("p1", "a1", "s1", 1, 1, "");
	commit("p1", "a2", "s2", 0, 1, "");
	commit("p1", "a3", "s1", 5, 1, "");
	commit("p1", "a4", "s1", 0, 1, "");
	ck_assert_int_eq(apply1(op_delete_ckpt("p1", "a4", "s1", -1)), DIS_OK);
	list("p1", "s1", NULL, 10, names, sizeof(names), &total, &more);
	ck_assert_str_eq(names, "a1,a3");
	ck_assert_int_eq(total, 2);
	ck_assert(!more);
	list("p1", "s1", NULL, 1, names, sizeof(names), &total, &more);
	ck_assert_str_eq(names, "a1");
	ck_assert_int_eq(total, 2);
	ck_assert(more);
	list("p1", "s1", "a1", 1, names, sizeof(names), &total, &more);
	ck_assert_str_eq(names, "a3");
	ck_assert_int_eq(total, 2);
	ck_assert(!more);
	list("p1", "s3", NULL, 10, names, sizeof(names), &total, &more);
	ck_assert_str_eq(names, "");
	ck_assert_int_eq(total, 0);
	list("p1", NULL, NULL, 10, names, sizeof(names), &total, &more);
	ck_assert_int_eq(total, 4);
	/* Listed apps carry their streams too. */
	seen = calloc(1, sizeof(*seen));
	ck_assert_int_eq(store_list_apps(st, "p1", NULL, NULL, 10, collect_app,
	    seen, &total, &more), DIS_OK);
	ck_assert_uint_eq(seen->n, 4);
	ck_assert_str_eq(seen->apps[0].streams, "s1");
	ck_assert_str_eq(seen->apps[1].streams, "s2");
	ck_assert_str_eq(seen->apps[3].streams, "");
	free(seen);
}
END_TEST

START_TEST(test_partition_states)
{
	static const int order[] = { 4, 0, 9, 2, 7, 1, 8, 3, 6, 5 };
	struct write_op	 other;
	char		 text[512];
	bool		 more;
	size_t		 i;

	create("p1", "a1");
	for (i = 0; i < 10; i++)
		commit("p1", "a1", "s1", order[i], 100 + order[i], "");
	commit("p1", "a1", "s2", 3, 1, "");
	other = op_commit("p1", "a1", "s1", 10, 1, "");
	other.key.type = "OTHER";
	ck_assert_int_eq(apply1(other), DIS_OK);

	ck_assert_int_eq(states("p1", "a1", "s1", -1, 4, text, sizeof(text),
	    &more), DIS_OK);
	ck_assert_str_eq(text, "0:100,1:101,2:102,3:103");
	ck_assert(more);
	ck_assert_int_eq(states("p1", "a1", "s1", 3, 4, text, sizeof(text),
	    &more), DIS_OK);
	ck_assert_str_eq(text, "4:104,5:105,6:106,7:107");
	ck_assert(more);
	/* Exactly full last page. */
	ck_assert_int_eq(states("p1", "a1", "s1", 7, 2, text, sizeof(text),
	    &more), DIS_OK);
	ck_assert_str_eq(text, "8:108,9:109");
	ck_assert(!more);
	ck_assert_int_eq(states("p1", "a1", "s1", 9, 5, text, sizeof(text),
	    &more), DIS_OK);
	ck_assert_str_eq(text, "");
	ck_assert(!more);
	ck_assert_int_eq(states("p1", "a1", "s1", -1, 1000, text, sizeof(text),
	    &more), DIS_OK);
	ck_assert_str_eq(text, "0:100,1:101,2:102,3:103,4:104,5:105,6:106,"
	    "7:107,8:108,9:109");
	ck_assert(!more);
	/* A stream without checkpoints; an app that does not exist. */
	ck_assert_int_eq(states("p1", "a1", "s9", -1, 10, text, sizeof(text),
	    &more), DIS_OK);
	ck_assert_str_eq(text, "");
	ck_assert_int_eq(states("p1", "nope", "s1", -1, 10, text, sizeof(text),
	    &more), DIS_ERR_APP_NOT_FOUND);
}
END_TEST

/* The same names in two projects never see or touch each other. */
START_TEST(test_project_isolation)
{
	struct app_seen	 a1, a2;
	char		 names[128], meta[64], text[512];
	long long	 total;
	bool		 more;

	create("p1", "a1");
	create("p2", "a1");
	create("p2", "only2");
	commit("p1", "a1", "s1", 0, 1, "one");
	commit("p2", "a1", "s1", 0, 2, "two");
	commit("p2", "a1", "s2", 0, 2, "");
	ck_assert_int_eq(get("p1", "a1", "s1", 0, meta, sizeof(meta)), 1);
	ck_assert_str_eq(meta, "one");
	ck_assert_int_eq(get("p2", "a1", "s1", 0, meta, sizeof(meta)), 2);
	ck_assert_str_eq(meta, "two");
	ck_assert_int_eq(describe("p1", "a1", &a1), DIS_OK);
	ck_assert_int_eq(describe("p2", "a1", &a2), DIS_OK);
	ck_assert_str_ne(a1.app_id, a2.app_id);
	ck_assert_str_eq(a1.streams, "s1");
	ck_assert_str_eq(a2.streams, "s1,s2");
	ck_assert_int_eq(describe("p1", "only2", NULL), DIS_ERR_APP_NOT_FOUND);
	ck_assert_int_eq(apply1(op_commit("p1", "only2", "s1", 0, 1, "")),
	    DIS_ERR_APP_NOT_FOUND);
	list("p1", NULL, NULL, 10, names, sizeof(names), &total, &more);
	ck_assert_str_eq(names, "a1");
	ck_assert_int_eq(total, 1);
	list("p1", "s2", NULL, 10, names, sizeof(names), &total, &more);
	ck_assert_str_eq(names, "");
	ck_assert_int_eq(states("p1", "a1", "s1", -1, 10, text, sizeof(text),
	    &more), DIS_OK);
	ck_assert_str_eq(text, "0:1");
	/* Deletes stay in their project. */
	ck_assert_int_eq(apply1(op_delete_ckpt("p1", "a1", "s1", -1)), DIS_OK);
	ck_assert_int_eq(get("p2", "a1", "s1", 0, NULL, 0), 2);
	ck_assert_int_eq(apply1(op_delete_app("p1", "a1")), DIS_OK);
	ck_assert_int_eq(describe("p2", "a1", NULL), DIS_OK);
	ck_assert_int_eq(get("p2", "a1", "s2", 0, NULL, 0), 2);
	ck_assert_int_eq(apply1(op_delete_app("p1", "only2")),
	    DIS_ERR_APP_NOT_FOUND);
}
END_TEST

START_TEST(test_reopen)
{
	struct app_seen	 before, after;
	char		 meta[64];

	create("p1", "a1");
	commit("p1", "a1", "s1", 4, 44, "kept");
	ck_assert_int_eq(describe("p1", "a1", &before), DIS_OK);
	store_close(st);
	st = open_store(dbpath);
	ck_assert_int_eq(get("p1", "a1", "s1", 4, meta, sizeof(meta)), 44);
	ck_assert_str_eq(meta, "kept");
	ck_assert_int_eq(describe("p1", "a1", &after), DIS_OK);
	ck_assert_str_eq(after.app_id, before.app_id);
	ck_assert_int_eq(after.create_time, before.create_time);
	/* And the reopened store still writes. */
	commit("p1", "a1", "s1", 4, 45, "");
	ck_assert_int_eq(get("p1", "a1", "s1", 4, NULL, 0), 45);
}
END_TEST

/* A second connection sees what the first committed. */
START_TEST(test_two_connections)
{
	struct store	*other = open_store(dbpath);
	struct store	*mine = st;

	create("p1", "a1");
	commit("p1", "a1", "s1", 0, 5, "");
	st = other;
	ck_assert_int_eq(get("p1", "a1", "s1", 0, NULL, 0), 5);
	commit("p1", "a1", "s1", 0, 6, "");
	st = mine;
	ck_assert_int_eq(get("p1", "a1", "s1", 0, NULL, 0), 6);
	store_close(other);
}
END_TEST

/* ---- the per-app stream bound ------------------------------------------- */

static enum dis_err
commit_limited(const char *app, const char *stream, long long partition,
    int limit)
{
	struct write_op	 op = op_commit("p1", app, stream, partition, 7, "");

	op.stream_limit = limit;
	return apply1(op);
}

/*
 * Limit 3: the third stream fits (limit-1 held), a fourth does not (limit
 * held); a held stream and a new partition of it still commit at the
 * limit; only deleting a stream's last checkpoint frees a place.
 */
START_TEST(test_stream_limit)
{
	struct app_seen	 a;

	create("p1", "a1");
	create("p1", "a2");
	ck_assert_int_eq(commit_limited("a1", "s1", 0, 3), DIS_OK);
	ck_assert_int_eq(commit_limited("a1", "s2", 0, 3), DIS_OK);
	ck_assert_int_eq(commit_limited("a1", "s3", 0, 3), DIS_OK);
	ck_assert_int_eq(commit_limited("a1", "s4", 0, 3),
	    DIS_ERR_STREAM_LIMIT);
	ck_assert_int_eq(get("p1", "a1", "s4", 0, NULL, 0), -1);
	ck_assert_int_eq(commit_limited("a1", "s2", 0, 3), DIS_OK);
	ck_assert_int_eq(commit_limited("a1", "s2", 5, 3), DIS_OK);
	ck_assert_int_eq(describe("p1", "a1", &a), DIS_OK);
	ck_assert_str_eq(a.streams, "s1,s2,s3");
	/* Per app: another app of the project has its own places. */
	ck_assert_int_eq(commit_limited("a2", "s4", 0, 1), DIS_OK);
	ck_assert_int_eq(commit_limited("a2", "s5", 0, 1),
	    DIS_ERR_STREAM_LIMIT);
	/* One partition of two deleted: s2 still holds its place. */
	ck_assert_int_eq(apply1(op_delete_ckpt("p1", "a1", "s2", 0)), DIS_OK);
	ck_assert_int_eq(commit_limited("a1", "s4", 0, 3),
	    DIS_ERR_STREAM_LIMIT);
	ck_assert_int_eq(apply1(op_delete_ckpt("p1", "a1", "s2", 5)), DIS_OK);
	ck_assert_int_eq(commit_limited("a1", "s4", 0, 3), DIS_OK);
	ck_assert_int_eq(describe("p1", "a1", &a), DIS_OK);
	ck_assert_str_eq(a.streams, "s1,s3,s4");
	/* The whole stream at once frees a place too. */
	ck_assert_int_eq(apply1(op_delete_ckpt("p1", "a1", "s1", -1)), DIS_OK);
	ck_assert_int_eq(commit_limited("a1", "s5", 0, 3), DIS_OK);
	/* A missing app is reported before the bound. */
	ck_assert_int_eq(commit_limited("missing", "s1", 0, 1),
	    DIS_ERR_APP_NOT_FOUND);
}
END_TEST

/* Within one batch the bound sees the streams added before in it. */
START_TEST(test_batch_stream_limit)
{
	struct write_op	 ops[4], *p[4];
	size_t		 i;

	create("p1", "a1");
	ops[0] = op_commit("p1", "a1", "s1", 0, 1, "");
	ops[1] = op_commit("p1", "a1", "s2", 0, 1, "");
	ops[2] = op_commit("p1", "a1", "s3", 0, 1, "");
	ops[3] = op_commit("p1", "a1", "s1", 1, 1, "");
	for (i = 0; i < 4; i++) {
		ops[i].stream_limit = 2;
		p[i] = &ops[i];
	}
	ck_assert_int_eq(store_apply(st, p, 4), DIS_OK);
	ck_assert_int_eq(ops[0].result, DIS_OK);
	ck_assert_int_eq(ops[1].result, DIS_OK);
	ck_assert_int_eq(ops[2].result, DIS_ERR_STREAM_LIMIT);
	ck_assert_int_eq(ops[3].result, DIS_OK);
	ck_assert_int_eq(get("p1", "a1", "s3", 0, NULL, 0), -1);
}
END_TEST

#define RACERS		4
#define RACE_STREAMS	40
#define RACE_LIMIT	25

/*
 * Processes with connections of their own add streams to one app at once:
 * the bound is counted under the write lock, so exactly RACE_LIMIT streams
 * get in, however the commits interleave.
 */
START_TEST(test_stream_limit_processes)
{
	struct app_seen	 a;
	pid_t		 pids[RACERS];
	int		 i, j, status, admitted = 0, streams = 1;
	int		 pipes[RACERS][2];

	create("p1", "a1");
	for (i = 0; i < RACERS; i++) {
		ck_assert_int_eq(pipe(pipes[i]), 0);
		ck_assert_int_ne(pids[i] = fork(), -1);
		if (pids[i] > 0) {
			close(pipes[i][1]);
			continue;
		}
		close(pipes[i][0]);
		st = open_store(dbpath);
		for (j = 0; j < RACE_STREAMS; j++) {
			char		 name[32];
			enum dis_err	 err;

			snprintf(name, sizeof(name), "r%d-s%02d", i, j);
			err = commit_limited("a1", name, 0, RACE_LIMIT);
			if (err != DIS_OK && err != DIS_ERR_STREAM_LIMIT)
				_exit(3);
			if (write(pipes[i][1], err == DIS_OK ? "y" : "n", 1) !=
			    1)
				_exit(2);
		}
		_exit(0);
	}
	for (i = 0; i < RACERS; i++) {
		char	 c;

		while (read(pipes[i][0], &c, 1) == 1)
			admitted += c == 'y';
		close(pipes[i][0]);
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ck_assert_int_eq(admitted, RACE_LIMIT);
	ck_assert_int_eq(describe("p1", "a1", &a), DIS_OK);
	for (i = 0; a.streams[i] != '\0'; i++)
		streams += a.streams[i] == ',';
	ck_assert_int_eq(streams, RACE_LIMIT);
}
END_TEST

/* No directory: every call is 503-worthy; once it exists, all works. */
START_TEST(test_missing_directory)
{
	struct checkpoint_key	 key = { "p1", "a1", "s1", "LAST_READ", 0 };
	struct write_op		 op = op_create("p1", "a1", 10), *p = &op;
	char			*sub = path_join(dir, "later");
	char			*path = path_join(sub, "store.db");
	struct apps_seen	*seen = calloc(1, sizeof(*seen));
	long long		 seq, total;
	char			*meta;
	bool			 more;

	store_close(st);
	st = open_store(path);
	ck_assert_int_eq(store_apply(st, &p, 1), DIS_ERR_UNAVAILABLE);
	ck_assert_int_eq(op.result, DIS_ERR_UNAVAILABLE);
	ck_assert_int_eq(store_get_checkpoint(st, &key, &seq, &meta),
	    DIS_ERR_UNAVAILABLE);
	ck_assert_int_eq(store_get_app(st, "p1", "a1", collect_app, seen),
	    DIS_ERR_UNAVAILABLE);
	ck_assert_int_eq(store_list_apps(st, "p1", NULL, NULL, 10, collect_app,
	    seen, &total, &more), DIS_ERR_UNAVAILABLE);
	ck_assert_int_eq(store_check_writable(st), DIS_ERR_UNAVAILABLE);
	ck_assert_uint_eq(seen->n, 0);

	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert_int_eq(store_check_writable(st), DIS_OK);
	ck_assert_int_eq(store_apply(st, &p, 1), DIS_OK);
	ck_assert_int_eq(op.result, DIS_OK);
	commit("p1", "a1", "s1", 0, 9, "");
	ck_assert_int_eq(get("p1", "a1", "s1", 0, NULL, 0), 9);
	free(seen);
	free(path);
	free(sub);
}
END_TEST

/*
 * The WAL pages wal_autocheckpoint allows: a WAL is reused, not truncated,
 * after each checkpoint, so its file's size is the most it held. 600
 * commits of a row each write 600 frames at least: under SQLite's 1000
 * (wal_autocheckpoint 0), all of them stay; at 100, the WAL starts again.
 */
static off_t
wal_frames_after_commits(const char *name, int pages)
{
	char			*path = path_join(dir, name), wal[4096];
	struct store_options	 o = options(path, 0, 2000);
	struct stat		 sb;
	int			 i;

	snprintf(wal, sizeof(wal), "%s-wal", path);
	o.wal_autocheckpoint = pages;
	store_close(st);
	st = open_options(&o);
	create("p1", "a1");
	for (i = 0; i < 600; i++)
		commit("p1", "a1", "s1", i % 50, i, "m");
	ck_assert_int_eq(stat(wal, &sb), 0);
	free(path);
	return sb.st_size / (4096 + 24);
}

START_TEST(test_wal_autocheckpoint)
{
	off_t	 sqlite_default = wal_frames_after_commits("default.db", 0);
	off_t	 small = wal_frames_after_commits("small.db", 100);

	ck_assert_int_ge(sqlite_default, 600);
	ck_assert_int_le(small, 110);
	ck_assert_int_ge(small, 90);
}
END_TEST

START_TEST(test_check_writable)
{
	ck_assert_int_eq(store_check_writable(st), DIS_OK);
	/* The health check leaves no transaction open behind it. */
	create("p1", "a1");
	ck_assert_int_eq(store_check_writable(st), DIS_OK);
	commit("p1", "a1", "s1", 0, 1, "");
}
END_TEST

#define STARTERS	6

/*
 * Processes starting at the same moment on an empty database: the schema
 * is created once, under the advisory lock, none of them fails on the way
 * (nothing in their logs) and every one can write.
 */
START_TEST(test_pg_schema_version)
{
	pid_t		 pids[STARTERS];
	char		*logs = path_join(dir, "starters.log"), line[512];
	PGconn		*c;
	PGresult	*res;
	FILE		*f;
	int		 i, status, go[2];

	store_close(st);
	st = NULL;
	pg_reset();
	ck_assert_int_eq(pipe(go), 0);
	for (i = 0; i < STARTERS; i++) {
		ck_assert_int_ne(pids[i] = fork(), -1);
		if (pids[i] == 0) {
			char	 app[16];
			FILE	*log = fopen(logs, "a");

			if (log == NULL || dup2(fileno(log), 2) == -1)
				_exit(2);
			close(go[1]);
			/* Blocks until the parent closes its end: all go. */
			if (read(go[0], app, 1) != 0)
				_exit(2);
			snprintf(app, sizeof(app), "a%d", i);
			st = open_store(dbpath);
			_exit(apply1(op_create("p1", app, 100)) == DIS_OK ?
			    0 : 1);
		}
	}
	close(go[0]);
	close(go[1]);
	for (i = 0; i < STARTERS; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ck_assert_ptr_nonnull(f = fopen(logs, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		ck_abort_msg("a starter logged: %s", line);
	fclose(f);
	free(logs);
	c = pg_connect();
	res = PQexec(c, "SELECT string_agg(version::text, ','),"
	    " (SELECT count(*) FROM pg_tables WHERE tablename IN ('apps',"
	    " 'checkpoints')), (SELECT count(*) FROM apps)"
	    " FROM schema_versions");
	ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	ck_assert_str_eq(PQgetvalue(res, 0, 0), "1,2,3,4");
	ck_assert_str_eq(PQgetvalue(res, 0, 1), "2");
	ck_assert_str_eq(PQgetvalue(res, 0, 2), "6");
	PQclear(res);
	PQfinish(c);
	st = open_store(dbpath);
}
END_TEST

static long long
elapsed_ms(const struct timespec *since)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000LL +
	    (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* No server there: every call is 503-worthy at once, none hangs. */
START_TEST(test_pg_unreachable)
{
	struct checkpoint_key	 key = { "p1", "a1", "s1", "LAST_READ", 0 };
	struct write_op		 op = op_create("p1", "a1", 10), *p = &op;
	struct apps_seen	*seen = calloc(1, sizeof(*seen));
	char			*nowhere = path_join(dir, "no-server");
	char			 conninfo[512];
	struct timespec		 t0;
	long long		 seq, total;
	char			*meta;
	bool			 more;

	snprintf(conninfo, sizeof(conninfo), "host=%s dbname=x", nowhere);
	store_close(st);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	st = open_store(conninfo);
	ck_assert_int_eq(store_apply(st, &p, 1), DIS_ERR_UNAVAILABLE);
	ck_assert_int_eq(op.result, DIS_ERR_UNAVAILABLE);
	ck_assert_int_eq(store_get_checkpoint(st, &key, &seq, &meta),
	    DIS_ERR_UNAVAILABLE);
	ck_assert_int_eq(store_get_app(st, "p1", "a1", collect_app, seen),
	    DIS_ERR_UNAVAILABLE);
	ck_assert_int_eq(store_list_apps(st, "p1", NULL, NULL, 10, collect_app,
	    seen, &total, &more), DIS_ERR_UNAVAILABLE);
	ck_assert_int_eq(store_check_writable(st), DIS_ERR_UNAVAILABLE);
	ck_assert_uint_eq(seen->n, 0);
	ck_assert_int_lt(elapsed_ms(&t0), 1000);
	free(seen);
	free(nowhere);
}
END_TEST

/*
 * A lock another session holds past busy_timeout (2 s here): 503 within
 * the deadline, not a wait for as long as it is held; then the same store
 * writes again once it is let go.
 */
START_TEST(test_pg_lock_deadline)
{
	struct timespec	 t0;
	PGconn		*c;
	long long	 took;

	create("p1", "a1");
	c = pg_connect();
	pg_must(c, "BEGIN");
	pg_must(c, "LOCK TABLE apps IN ACCESS EXCLUSIVE MODE");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(apply1(op_create("p1", "a2", 10)),
	    DIS_ERR_UNAVAILABLE);
	took = elapsed_ms(&t0);
	ck_assert_int_ge(took, 1900);
	ck_assert_int_lt(took, 3100);
	pg_must(c, "COMMIT");
	PQfinish(c);
	create("p1", "a2");
	commit("p1", "a2", "s1", 0, 1, "");
}
END_TEST

/* Ends the store's sessions as a restart of the server would. */
static void
pg_kill_sessions(void)
{
	PGconn	*c = pg_connect();

	pg_must(c, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
	    " WHERE application_name = 'dis-checkpoint'"
	    " AND pid <> pg_backend_pid()");
	PQfinish(c);
}

/*
 * The server ended an idle store's session (a restart, a failover): the
 * next write and the next read find out, connect again and succeed, no
 * 503 for a connection that had done nothing yet.
 */
START_TEST(test_pg_connection_killed)
{
	create("p1", "a1");
	pg_kill_sessions();
	commit("p1", "a1", "s1", 0, 5, "");
	pg_kill_sessions();
	ck_assert_int_eq(get("p1", "a1", "s1", 0, NULL, 0), 5);
	pg_kill_sessions();
	ck_assert_int_eq(describe("p1", "a1", NULL), DIS_OK);
	pg_kill_sessions();
	ck_assert_int_eq(store_check_writable(st), DIS_OK);
}
END_TEST

/* Which backend a setting selects, and what the logs show of it: never a
 * password. */
START_TEST(test_describe)
{
	static const char *const cases[][2] = {
		{ "/var/lib/x/checkpoints.db", "/var/lib/x/checkpoints.db" },
		{ "./a=b.db", "./a=b.db" },
		{ "postgresql://dis:s3cret@db1:5433/ckpt?sslmode=require",
		    "PostgreSQL host=db1 port=5433 dbname=ckpt user=dis" },
		{ "postgres://db1,db2/ckpt?target_session_attrs=read-write",
		    "PostgreSQL host=db1,db2 dbname=ckpt"
		    " target_session_attrs=read-write" },
		{ " host=/run/pg dbname=ckpt password=s3cret user=dis",
		    "PostgreSQL host=/run/pg dbname=ckpt user=dis" },
		{ "host='no end password=s3cret", "PostgreSQL, a connection "
		    "string that does not parse" },
		{ "sslmode=require", "PostgreSQL, libpq's defaults (PG*)" },
	};
	char	 buf[256];
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		store_describe(cases[i][0], buf, sizeof(buf));
		ck_assert_str_eq(buf, cases[i][1]);
		ck_assert_ptr_null(strstr(buf, "s3cret"));
		ck_assert_str_eq(store_kind(cases[i][0]), i < 2 ? "sqlite" :
		    "postgresql");
	}
}
END_TEST

/* ---- history -------------------------------------------------------- */

/* The history rows seen, copied out, newest first per partition. */
struct hist_seen {
	struct {
		long long	 partition, seq, old, old_set, new, changed;
		char		 old_meta[32], new_meta[32], origin[16];
		char		 operation[40];
	}		 v[512];
	size_t		 n;
};

static int
collect_history(void *arg, const struct history_row *h)
{
	struct hist_seen	*hs = arg;

	ck_assert_uint_lt(hs->n, 512);
	ck_assert_str_eq(h->type, "LAST_READ");
	hs->v[hs->n].partition = h->partition;
	hs->v[hs->n].seq = h->seq;
	hs->v[hs->n].old = h->old_sequence;
	hs->v[hs->n].old_set = h->old_set_ms;
	hs->v[hs->n].new = h->new_sequence;
	hs->v[hs->n].changed = h->changed_ms;
	ck_assert((h->old_sequence < 0) == (h->old_metadata == NULL));
	ck_assert((h->new_sequence < 0) == (h->new_metadata == NULL));
	snprintf(hs->v[hs->n].old_meta, 32, "%s", h->old_metadata ?
	    h->old_metadata : "(none)");
	snprintf(hs->v[hs->n].new_meta, 32, "%s", h->new_metadata ?
	    h->new_metadata : "(none)");
	snprintf(hs->v[hs->n].origin, 16, "%s", h->origin);
	snprintf(hs->v[hs->n].operation, 40, "%s", h->operation ?
	    h->operation : "");
	hs->n++;
	return 0;
}

static struct hist_seen *
history(const char *app, const char *stream, long long partition,
    const char *operation)
{
	struct checkpoint_key	 key = { "p1", app, stream, "LAST_READ",
	    partition };
	struct hist_seen	*hs = calloc(1, sizeof(*hs));

	ck_assert_ptr_nonnull(hs);
	ck_assert_int_eq(store_history(st, &key, operation, collect_history,
	    hs), DIS_OK);
	return hs;
}

/* A partition's rows chain: each row's new value is the next's old. */
static void
assert_chained(const struct hist_seen *hs, size_t from, size_t to)
{
	size_t	 i;

	for (i = from; i + 1 < to; i++) {
		ck_assert_int_eq(hs->v[i].seq, hs->v[i + 1].seq + 1);
		ck_assert_int_eq(hs->v[i].old, hs->v[i + 1].new);
		ck_assert_str_eq(hs->v[i].old_meta, hs->v[i + 1].new_meta);
		ck_assert_int_eq(hs->v[i].old_set, hs->v[i + 1].changed);
		ck_assert_int_ge(hs->v[i].changed, hs->v[i + 1].changed);
	}
}

static void
use_history(int depth)
{
	store_close(st);
	st = open_store_history(dbpath, depth);
}

START_TEST(test_history_depth)
{
	struct hist_seen	*hs;
	char			 meta[8];
	int			 i;

	use_history(3);
	create("p1", "a1");
	for (i = 1; i <= 5; i++) {
		snprintf(meta, sizeof(meta), "m%d", i);
		commit("p1", "a1", "s1", 0, i, meta);
	}
	commit("p1", "a1", "s1", 1, 7, "");
	hs = history("a1", "s1", -1, NULL);
	/* Partition 0 keeps its last three changes, 1 its only one. */
	ck_assert_uint_eq(hs->n, 4);
	ck_assert_int_eq(hs->v[0].seq, 5);
	ck_assert_int_eq(hs->v[0].old, 4);
	ck_assert_str_eq(hs->v[0].old_meta, "m4");
	ck_assert_int_eq(hs->v[0].new, 5);
	ck_assert_str_eq(hs->v[0].new_meta, "m5");
	ck_assert_str_eq(hs->v[0].origin, "api");
	ck_assert_str_eq(hs->v[0].operation, "");
	ck_assert_int_eq(hs->v[2].seq, 3);
	assert_chained(hs, 0, 3);
	ck_assert_int_eq(hs->v[3].partition, 1);
	ck_assert_int_eq(hs->v[3].old, -1);
	ck_assert_int_eq(hs->v[3].old_set, 0);
	free(hs);
	/* A delete is a change; a new value after it was none since then. */
	ck_assert_int_eq(apply1(op_delete_ckpt("p1", "a1", "s1", -1)), DIS_OK);
	commit("p1", "a1", "s1", 0, 9, "x");
	hs = history("a1", "s1", 0, NULL);
	ck_assert_uint_eq(hs->n, 3);
	ck_assert_int_eq(hs->v[0].old, -1);
	ck_assert_int_eq(hs->v[0].new, 9);
	ck_assert_int_eq(hs->v[1].old, 5);
	ck_assert_int_eq(hs->v[1].new, -1);
	ck_assert_int_eq(hs->v[0].old_set, hs->v[1].changed);
	assert_chained(hs, 0, 3);
	free(hs);
	hs = history("a1", "s1", 1, NULL);
	ck_assert_uint_eq(hs->n, 2);
	ck_assert_int_eq(hs->v[0].new, -1);
	free(hs);
	/* An app's history goes with it. */
	ck_assert_int_eq(apply1(op_delete_app("p1", "a1")), DIS_OK);
	create("p1", "a1");
	hs = history("a1", "s1", -1, NULL);
	ck_assert_uint_eq(hs->n, 0);
	free(hs);
}
END_TEST

START_TEST(test_history_off)
{
	struct checkpoint_key	 key = { "p1", "nope", "s1", "LAST_READ", -1 };
	struct hist_seen	*hs;

	create("p1", "a1");
	commit("p1", "a1", "s1", 0, 1, "");
	commit("p1", "a1", "s1", 0, 2, "");
	ck_assert_int_eq(apply1(op_delete_ckpt("p1", "a1", "s1", 0)), DIS_OK);
	hs = history("a1", "s1", -1, NULL);
	ck_assert_uint_eq(hs->n, 0);
	free(hs);
	ck_assert_int_eq(store_history(st, &key, NULL, collect_history, NULL),
	    DIS_ERR_APP_NOT_FOUND);
}
END_TEST

/* A planned change: reads inside the transaction, then one op. */
struct shift {
	long long	 by;
	long long	 seen;
	enum dis_err	 answer;
	struct write_op	 op, *opp;
	bool		 race;	/* another writer tries meanwhile */
};

/* The API's write of the checkpoint the plan read, from elsewhere. */
static enum dis_err
write_meanwhile(void)
{
	struct store	*other = open_store_waiting(dbpath, 0, 300);
	struct write_op	 op = op_commit("p1", "a1", "s1", 0, 777, "api");
	struct write_op	*p = &op;

	store_apply(other, &p, 1);
	store_close(other);
	return op.result;
}

static enum dis_err
shift_plan(void *arg, struct store *s, struct write_op ***ops, size_t *n)
{
	struct shift		*sh = arg;
	struct checkpoint_key	 key = { "p1", "a1", "s1", "LAST_READ", 0 };
	char			*meta;
	enum dis_err		 err;

	ck_assert_ptr_eq(s, st);
	if ((err = store_get_checkpoint(s, &key, &sh->seen, &meta)) != DIS_OK)
		return err;
	free(meta);
	/* Held: no write gets between this read and the change's commit. */
	if (sh->race)
		ck_assert_int_eq(write_meanwhile(), DIS_ERR_UNAVAILABLE);
	sh->op = op_commit("p1", "a1", "s1", 0, sh->seen + sh->by, "moved");
	sh->opp = &sh->op;
	*ops = &sh->opp;
	*n = 1;
	return sh->answer;
}

START_TEST(test_change)
{
	struct checkpoint_key	 key = { "p1", "a1", "s1", "LAST_READ", -1 };
	struct store_operation	 op;
	struct hist_seen	*hs;
	struct shift		 sh = { 10, 0, DIS_OK, { 0 }, NULL, false };
	size_t			 failed = 0;

	use_history(5);
	create("p1", "a1");
	ck_assert_int_eq(store_last_operation(st, &key, &op), DIS_OK);
	ck_assert_str_eq(op.id, "");
	commit("p1", "a1", "s1", 0, 5, "");
	/* A dry run reads and writes nothing. */
	ck_assert_int_eq(store_change(st, ORIGIN_RESET, "p1", "a1", false,
	    shift_plan, &sh, &failed), DIS_OK);
	ck_assert_int_eq(sh.seen, 5);
	ck_assert_int_eq(get("p1", "a1", "s1", 0, NULL, 0), 5);
	ck_assert_int_eq(store_last_operation(st, &key, &op), DIS_OK);
	ck_assert_str_eq(op.id, "");
	/* A plan that gives up changes nothing. */
	sh.answer = DIS_ERR_INVALID;
	ck_assert_int_eq(store_change(st, ORIGIN_RESET, "p1", "a1", true,
	    shift_plan, &sh, &failed), DIS_ERR_INVALID);
	ck_assert_int_eq(get("p1", "a1", "s1", 0, NULL, 0), 5);
	sh.answer = DIS_OK;
	sh.race = true;
	ck_assert_int_eq(store_change(st, ORIGIN_RESET, "p1", "a1", true,
	    shift_plan, &sh, &failed), DIS_OK);
	sh.race = false;
	ck_assert_int_eq(get("p1", "a1", "s1", 0, NULL, 0), 15);
	ck_assert_int_eq(store_last_operation(st, &key, &op), DIS_OK);
	ck_assert_str_eq(op.origin, "reset");
	ck_assert_int_eq(op.changes, 1);
	ck_assert_int_gt(op.at_ms, 0);
	hs = history("a1", "s1", -1, op.id);
	ck_assert_uint_eq(hs->n, 1);
	ck_assert_int_eq(hs->v[0].old, 5);
	ck_assert_int_eq(hs->v[0].new, 15);
	ck_assert_str_eq(hs->v[0].origin, "reset");
	ck_assert_str_eq(hs->v[0].operation, op.id);
	free(hs);
	/* An undo is recorded, but is not what the next undo undoes. */
	sh.by = -10;
	ck_assert_int_eq(store_change(st, ORIGIN_UNDO, "p1", "a1", true,
	    shift_plan, &sh, &failed), DIS_OK);
	hs = history("a1", "s1", 0, NULL);
	ck_assert_uint_eq(hs->n, 3);
	ck_assert_str_eq(hs->v[0].origin, "undo");
	free(hs);
	ck_assert_int_eq(store_last_operation(st, &key, &op), DIS_OK);
	ck_assert_str_eq(op.origin, "reset");
	/* No such app: nothing planned. */
	ck_assert_int_eq(store_change(st, ORIGIN_RESET, "p1", "nope", true,
	    shift_plan, &sh, &failed), DIS_ERR_APP_NOT_FOUND);
	key.app = "nope";
	ck_assert_int_eq(store_last_operation(st, &key, &op),
	    DIS_ERR_APP_NOT_FOUND);
}
END_TEST

/* A refused op undoes the whole change, and says which it was. */
static enum dis_err
two_plan(void *arg, struct store *s, struct write_op ***ops, size_t *n)
{
	struct write_op	**p = arg;

	(void)s;
	*ops = p;
	*n = 2;
	return DIS_OK;
}

START_TEST(test_change_refused)
{
	struct write_op	 a = op_commit("p1", "a1", "s1", 0, 50, "");
	struct write_op	 b = op_commit("p1", "gone", "s1", 0, 60, "");
	struct write_op	*p[2] = { &a, &b };
	struct hist_seen *hs;
	size_t		 failed = 99;

	use_history(5);
	create("p1", "a1");
	commit("p1", "a1", "s1", 0, 5, "");
	ck_assert_int_eq(store_change(st, ORIGIN_IMPORT, NULL, NULL, true,
	    two_plan, p, &failed), DIS_ERR_APP_NOT_FOUND);
	ck_assert_uint_eq(failed, 1);
	ck_assert_int_eq(get("p1", "a1", "s1", 0, NULL, 0), 5);
	hs = history("a1", "s1", -1, NULL);
	ck_assert_uint_eq(hs->n, 1);
	free(hs);
}
END_TEST

#define SAME_KEY_RACERS	2
#define SAME_KEY_WRITES	150

/* Processes writing one checkpoint at once: one chain, in commit order. */
START_TEST(test_history_processes)
{
	struct hist_seen	*hs;
	pid_t			 pids[SAME_KEY_RACERS];
	int			 i, j, status;

	create("p1", "a1");
	for (i = 0; i < SAME_KEY_RACERS; i++) {
		ck_assert_int_ne(pids[i] = fork(), -1);
		if (pids[i] > 0)
			continue;
		st = open_store_history(dbpath, 1000);
		for (j = 1; j <= SAME_KEY_WRITES; j++)
			if (apply1(op_commit("p1", "a1", "s1", 0,
			    i * 1000 + j, i ? "b" : "a")) != DIS_OK)
				_exit(3);
		_exit(0);
	}
	for (i = 0; i < SAME_KEY_RACERS; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	hs = history("a1", "s1", 0, NULL);
	ck_assert_uint_eq(hs->n, SAME_KEY_RACERS * SAME_KEY_WRITES);
	ck_assert_int_eq(hs->v[0].new, get("p1", "a1", "s1", 0, NULL, 0));
	ck_assert_int_eq(hs->v[hs->n - 1].old, -1);
	assert_chained(hs, 0, hs->n);
	free(hs);
}
END_TEST

static Suite *
store_suite(void)
{
	Suite	*s = suite_create(pg ? "store on PostgreSQL" : "store");
	TCase	*tc;

	tc = tcase_create(pg ? "postgresql" : "sqlite");
	tcase_add_checked_fixture(tc, setup, teardown);
	if (pg != NULL) {
		tcase_add_test(tc, test_pg_schema_version);
		tcase_add_test(tc, test_pg_unreachable);
		tcase_add_test(tc, test_pg_lock_deadline);
		tcase_add_test(tc, test_pg_connection_killed);
	} else {
		tcase_add_test(tc, test_schema_version);
		tcase_add_test(tc, test_missing_directory);
		tcase_add_test(tc, test_wal_autocheckpoint);
	}
	tcase_add_test(tc, test_describe);
	suite_add_tcase(s, tc);

	tc = tcase_create("apps");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_create_and_describe);
	tcase_add_test(tc, test_create_duplicate);
	tcase_add_test(tc, test_quota);
	tcase_add_test(tc, test_delete_app);
	tcase_add_test(tc, test_app_streams);
	tcase_add_test(tc, test_list_paging);
	tcase_add_test(tc, test_list_byte_order);
	tcase_add_test(tc, test_list_stream_filter);
	suite_add_tcase(s, tc);

	tc = tcase_create("checkpoints");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_checkpoint_needs_app);
	tcase_add_test(tc, test_get_nothing_committed);
	tcase_add_test(tc, test_upsert);
	tcase_add_test(tc, test_metadata_text);
	tcase_add_test(tc, test_delete_checkpoints);
	tcase_add_test(tc, test_partition_states);
	suite_add_tcase(s, tc);

	tc = tcase_create("transactions");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_batch);
	tcase_add_test(tc, test_batch_quota);
	tcase_add_test(tc, test_stream_limit);
	tcase_add_test(tc, test_batch_stream_limit);
	tcase_add_test(tc, test_stream_limit_processes);
	tcase_add_test(tc, test_batch_empty);
	tcase_add_test(tc, test_project_isolation);
	tcase_add_test(tc, test_reopen);
	tcase_add_test(tc, test_two_connections);
	tcase_add_test(tc, test_check_writable);
	suite_add_tcase(s, tc);

	tc = tcase_create("history");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_history_depth);
	tcase_add_test(tc, test_history_off);
	tcase_add_test(tc, test_change);
	tcase_add_test(tc, test_change_refused);
	tcase_add_test(tc, test_history_processes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	if ((pg = getenv("DIS_CHECKPOINT_TEST_PG")) != NULL && pg[0] == '\0')
		pg = NULL;
	return run_suite(store_suite());
}
