/*
 * store.c: the store's front: chooses the backend the database setting
 * names, and owns the one rule for a batch of writes, whatever the backend:
 * one transaction, a savepoint per op, and a 201 only after the commit.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store_backend.h"

struct store {
	const struct store_backend	*be;
	void				*impl;
};

/*
 * A libpq connection URI (postgresql://, postgres://) or key=value string
 * ("host=db1 dbname=dis") names PostgreSQL; anything else is an SQLite
 * path (one that looks like key=value is written ./key=value).
 */
static const struct store_backend *
backend_for(const char *database)
{
	size_t	 n;

	database += strspn(database, " \t");
	if (strncmp(database, "postgresql://", 13) == 0 ||
	    strncmp(database, "postgres://", 11) == 0)
		return &store_pg;
	n = strspn(database, "abcdefghijklmnopqrstuvwxyz_");
	if (n > 0 && database[n + strspn(database + n, " \t")] == '=')
		return &store_pg;
	return &store_sqlite;
}

const char *
store_kind(const char *database)
{
	return backend_for(database)->name;
}

void
store_describe(const char *database, char *buf, size_t len)
{
	backend_for(database)->describe(database, buf, len);
}

struct store *
store_open(const struct store_options *opts)
{
	struct store	*s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->be = backend_for(opts->path);
	if ((s->impl = s->be->open(opts)) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	s->be->close(s->impl);
	free(s);
}

static void
fail_all(struct write_op **ops, size_t n, enum dis_err err)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (ops[i]->result == DIS_OK)
			ops[i]->result = err;
}

/*
 * An op's result is final only when this returns: if the batch is lost or
 * the commit fails, every op that had not been refused fails with it.
 */
enum dis_err
store_apply(struct store *s, struct write_op **ops, size_t n)
{
	enum dis_err	 err;
	size_t		 i;

	for (i = 0; i < n; i++)
		ops[i]->result = DIS_OK;
	err = s->be->begin(s->impl, NULL);
	for (i = 0; err == DIS_OK && i < n; i++)
		switch (s->be->apply(s->impl, ops[i], &err)) {
		case OP_APPLIED:	/* DIS_OK, if the commit succeeds */
		case OP_REFUSED:	/* its own DIS answer, whatever follows */
		case OP_FAILED:		/* its database error; the others go on */
			break;
		case OP_BATCH_LOST:	/* err ends the loop and fails them all */
			if (err == DIS_OK)
				err = DIS_ERR_INTERNAL;
			break;
		}
	if (err == DIS_OK)
		err = s->be->commit(s->impl);
	if (err != DIS_OK)
		fail_all(ops, n, err);
	return err;
}

const char *
store_origin_name(enum change_origin origin)
{
	static const char *const names[] = { "api", "reset", "import",
	    "undo" };

	return (unsigned)origin < sizeof(names) / sizeof(names[0]) ?
	    names[origin] : "api";
}

/* A new run's id: the wall clock and random bits, never reused. */
static void
operation_id(char *buf, size_t len)
{
	unsigned char	 r[8] = { 0 };
	size_t		 i, n;

	(void)getentropy(r, sizeof(r));
	n = (size_t)snprintf(buf, len, "%llx-", store_wall_ms());
	for (i = 0; i < sizeof(r) && n + 2 < len; i++, n += 2)
		snprintf(buf + n, len - n, "%02x", r[i]);
}

static int
key_cmp(const struct checkpoint_key *a, const struct checkpoint_key *b)
{
	int	 c;

	if ((c = strcmp(a->project, b->project)) != 0 ||
	    (c = strcmp(a->app, b->app)) != 0 ||
	    (c = strcmp(a->stream, b->stream)) != 0)
		return c;
	return strcmp(a->type, b->type);
}

static int
op_cmp(const void *a, const void *b)
{
	return key_cmp(&(*(struct write_op *const *)a)->key,
	    &(*(struct write_op *const *)b)->key);
}

/* One operation recorded per stream and type the ops changed. */
static enum dis_err
record_operations(struct store *s, struct write_op **ops, size_t n,
    const struct change *who)
{
	struct write_op	**v;
	enum dis_err	  err = DIS_OK;
	size_t		  i, m = 0;

	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		return DIS_ERR_INTERNAL;
	for (i = 0; i < n; i++)
		if (ops[i]->kind == WRITE_COMMIT_CHECKPOINT ||
		    ops[i]->kind == WRITE_DELETE_CHECKPOINTS)
			v[m++] = ops[i];
	qsort(v, m, sizeof(*v), op_cmp);
	for (i = 0; err == DIS_OK && i < m; i++)
		if (i == 0 || key_cmp(&v[i - 1]->key, &v[i]->key) != 0)
			err = s->be->record_operation(s->impl, &v[i]->key, who);
	free(v);
	return err;
}

enum dis_err
store_change(struct store *s, enum change_origin origin, const char *project,
    const char *app, bool execute, store_plan_fn *plan, void *arg,
    size_t *failed)
{
	struct write_op	**ops = NULL;
	struct change	  who;
	enum dis_err	  err, lost = DIS_OK;
	char		  id[40];
	size_t		  i, n = 0, at, bad;

	operation_id(id, sizeof(id));
	who.origin = origin;
	who.operation = id;
	who.write = execute;
	if (failed != NULL)
		*failed = SIZE_MAX;
	if ((err = s->be->begin(s->impl, &who)) != DIS_OK)
		return err;
	if (app != NULL)
		err = s->be->hold_app(s->impl, project, app);
	if (err == DIS_OK)
		err = plan(arg, s, &ops, &n);
	if (err != DIS_OK || !execute) {
		s->be->rollback(s->impl);
		return err;
	}
	bad = SIZE_MAX;
	for (i = 0; i < n; i++)
		ops[i]->result = DIS_OK;
	for (at = 0; err == DIS_OK && at < n; at++)
		switch (s->be->apply(s->impl, ops[at], &lost)) {
		case OP_APPLIED:
			continue;
		case OP_REFUSED:
		case OP_FAILED:
			err = ops[at]->result;
			s->be->rollback(s->impl);
			bad = at;
			break;
		case OP_BATCH_LOST:	/* rolled back already */
			err = lost != DIS_OK ? lost : DIS_ERR_INTERNAL;
			bad = at;
			break;
		}
	if (err == DIS_OK && (err = record_operations(s, ops, n, &who)) !=
	    DIS_OK)
		s->be->rollback(s->impl);
	if (err == DIS_OK)
		err = s->be->commit(s->impl);
	if (failed != NULL)
		*failed = bad;
	if (err != DIS_OK)
		fail_all(ops, n, err);
	return err;
}

enum dis_err
store_get_checkpoint(struct store *s, const struct checkpoint_key *key,
    long long *sequence, char **metadata)
{
	return s->be->get_checkpoint(s->impl, key, sequence, metadata);
}

enum dis_err
store_get_app(struct store *s, const char *project, const char *app,
    store_app_fn *fn, void *arg)
{
	return s->be->get_app(s->impl, project, app, fn, arg);
}

enum dis_err
store_list_apps(struct store *s, const char *project, const char *stream,
    const char *start_after, int limit, store_app_fn *fn, void *arg,
    long long *total, bool *has_more)
{
	return s->be->list_apps(s->impl, project, stream, start_after, limit,
	    fn, arg, total, has_more);
}

enum dis_err
store_partition_states(struct store *s, const struct checkpoint_key *key,
    int limit, store_state_fn *fn, void *arg, bool *has_more)
{
	return s->be->partition_states(s->impl, key, limit, fn, arg, has_more);
}

enum dis_err
store_check_writable(struct store *s)
{
	return s->be->check_writable(s->impl);
}

enum dis_err
store_list_projects(struct store *s, store_name_fn *fn, void *arg)
{
	return s->be->list_projects(s->impl, fn, arg);
}

enum dis_err
store_list_checkpoints(struct store *s, const char *project, const char *app,
    const char *stream, store_row_fn *fn, void *arg)
{
	return s->be->list_checkpoints(s->impl, project, app, stream, fn, arg);
}

enum dis_err
store_check(struct store *s, struct store_report *report)
{
	memset(report, 0, sizeof(*report));
	return s->be->check(s->impl, report);
}

enum dis_err
store_backup(struct store *s, const char *path, char *err, size_t errlen)
{
	if (errlen > 0)
		*err = '\0';
	return s->be->backup(s->impl, path, err, errlen);
}

enum dis_err
store_history(struct store *s, const struct checkpoint_key *key,
    const char *operation, store_history_fn *fn, void *arg)
{
	return s->be->history(s->impl, key, operation, fn, arg);
}

enum dis_err
store_last_operation(struct store *s, const struct checkpoint_key *key,
    struct store_operation *op)
{
	memset(op, 0, sizeof(*op));
	return s->be->last_operation(s->impl, key, op);
}

long long
store_wall_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
names_add(struct store_names *names, const char *name)
{
	char	**grown, *copy;

	if ((copy = strdup(name)) == NULL)
		return -1;
	if ((grown = realloc(names->v, (names->n + 1) * sizeof(*grown))) ==
	    NULL) {
		free(copy);
		return -1;
	}
	names->v = grown;
	names->v[names->n++] = copy;
	return 0;
}

void
names_free(struct store_names *names)
{
	size_t	 i;

	for (i = 0; i < names->n; i++)
		free(names->v[i]);
	free(names->v);
	names->v = NULL;
	names->n = 0;
}
