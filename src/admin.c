/*
 * admin.c: dis-checkpoint-admin, the operator's command. It finds the
 * database as the service does (conf.c), and reads and keeps it only
 * through the store API, so it is safe beside a running service and works
 * on every backend. It owns the command line (subcommands, their options,
 * suggestions for typos) and the output: aligned tables or JSON.
 *
 * Exit codes: 0 done, 1 an error (the database, an unknown app), 2 usage.
 * Everything is parsed and checked before the store is opened, so a typo
 * never leaves a partial change.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "conf.h"
#include "errors.h"
#include "response.h"
#include "store.h"
#include "validate.h"

#define PROG	"dis-checkpoint-admin"

enum { EXIT_DONE = 0, EXIT_ERROR = 1, EXIT_USAGE = 2 };

/* What a subcommand was given. */
struct args {
	const char	*project;
	const char	*app;
	const char	*stream;
	const char	*file;
	bool		 json;
	bool		 dry_run;
	bool		 execute;
	const char	*type;		/* checkpoint type; LAST_READ */
	int		 reset_modes;	/* how many of the modes were given */
	enum { TO_SEQUENCE, SHIFT_BY, TO_EARLIEST, FROM_FILE, TO_TIME } reset;
	long long	 number;	/* of --to-sequence or --shift-by */
	long long	 time_ms;	/* of --to-time */
	long long	 partition;	/* of --partition; -1: every one */
	const char	*partitions;	/* --partitions LIST, as given */
	int		 app_quota;	/* the service's rules, for import */
	int		 stream_limit;
};

struct command;
typedef int command_fn(struct store *, const struct args *);

struct command {
	const char		*name;
	const char		*synopsis;
	const char		*shortopts;	/* getopt's */
	const struct option	*longopts;
	const char		*required;	/* options that must be given */
	int			 operands;	/* FILE operands wanted */
	command_fn		*run;
	bool			 creates;	/* may make a new database */
};

static const char *const global_usage =
    "usage: " PROG " [-c file] [-d database] command [options]";

static const struct command commands[];

static void
usage(FILE *f)
{
	const struct command	*c;

	fprintf(f, "%s\n\ncommands:\n", global_usage);
	for (c = commands; c->name != NULL; c++)
		fprintf(f, "  %s\n", c->synopsis);
	fprintf(f, "\nSee %s(8).\n", PROG);
}

static void
complain(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Edit distance, for "did you mean": names are short, so O(n*m) is fine. */
static size_t
distance(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b), i, j, prev, cur, tmp;
	size_t	 row[64];

	if (lb >= sizeof(row) / sizeof(row[0]))
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < cur)
				cur = row[j] + 1;
			if (row[j - 1] + 1 < cur)
				cur = row[j - 1] + 1;
			tmp = row[j];
			row[j] = cur;
			prev = tmp;
		}
	}
	return row[lb];
}

/* The closest of n names to word, or NULL when none is close. */
static const char *
closest(const char *word, const char *const *names, size_t n)
{
	const char	*best = NULL;
	size_t		 i, d, bestd = (size_t)-1;

	for (i = 0; i < n; i++)
		if ((d = distance(word, names[i])) < bestd) {
			bestd = d;
			best = names[i];
		}
	return bestd <= 1 + strlen(word) / 3 ? best : NULL;
}

/* ---- output ------------------------------------------------------------ */

/* A table of strings, printed with its columns aligned. */
struct table {
	size_t	  ncols;
	size_t	  nrows;
	char	**cells;	/* nrows * ncols, row by row */
};

static int
table_add(struct table *t, const char *const *row)
{
	char	**grown;
	size_t	  i;

	grown = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(*grown));
	if (grown == NULL)
		return -1;
	t->cells = grown;
	for (i = 0; i < t->ncols; i++)
		if ((grown[t->nrows * t->ncols + i] = strdup(row[i])) == NULL) {
			while (i-- > 0)
				free(grown[t->nrows * t->ncols + i]);
			return -1;
		}
	t->nrows++;
	return 0;
}

/* The last column is not padded: metadata may be long. */
static void
table_print(const struct table *t)
{
	size_t	 w[16] = { 0 }, r, c, n;

	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++)
			if ((n = strlen(t->cells[r * t->ncols + c])) > w[c])
				w[c] = n;
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++)
			if (c + 1 < t->ncols)
				printf("%-*s  ", (int)w[c],
				    t->cells[r * t->ncols + c]);
			else
				printf("%s\n", t->cells[r * t->ncols + c]);
}

static void
table_free(struct table *t)
{
	size_t	 i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
}

/* ISO 8601 UTC with milliseconds; "-" for 0, the unknown time. */
static void
format_ms(char *buf, size_t len, long long ms)
{
	time_t		 secs = (time_t)(ms / 1000);
	struct tm	 tm;
	size_t		 n;

	if (ms <= 0 || gmtime_r(&secs, &tm) == NULL) {
		snprintf(buf, len, "-");
		return;
	}
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03dZ", (int)(ms % 1000));
}

static json_t *
json_time(long long ms)
{
	char	 buf[32];

	if (ms <= 0)
		return json_null();
	format_ms(buf, sizeof(buf), ms);
	return json_string(buf);
}

/* Prints and frees a JSON value; -1 when it could not be built. */
static int
print_json(json_t *v)
{
	char	*text;

	if (v == NULL || (text = json_dumps(v, JSON_INDENT(2) |
	    JSON_PRESERVE_ORDER)) == NULL) {
		json_decref(v);
		return -1;
	}
	puts(text);
	free(text);
	json_decref(v);
	return 0;
}

/* The database as messages name it (store_describe: no password). */
static char database_name[512];

/* What a failed store call says, and the exit code it means. */
static int
store_failed(enum dis_err err, const char *what, const struct args *a)
{
	switch (err) {
	case DIS_ERR_APP_NOT_FOUND:
		complain("%s: project \"%s\" has no app \"%s\"", what,
		    a->project, a->app);
		break;
	case DIS_ERR_UNAVAILABLE:
		complain("%s: database %s cannot be opened or read (the reason "
		    "is above)", what, database_name);
		break;
	default:
		complain("%s: %s", what, dis_error_info(err)->text);
		break;
	}
	return EXIT_ERROR;
}

/* ---- apps ------------------------------------------------------------- */

/* The apps of one or all projects, gathered for a table or JSON. */
struct apps_out {
	const char	*project;
	struct table	 table;
	json_t		*json;
	const char	*last;		/* of the page, for the next one */
	char		*after;
	int		 seen;
};

static int
app_visit(void *arg, const struct app_info *info)
{
	struct apps_out	*o = arg;
	char		 created[32], streams[32];
	json_t		*names;
	size_t		 i;

	o->seen++;
	free(o->after);
	if ((o->after = strdup(info->name)) == NULL)
		return -1;
	format_ms(created, sizeof(created), info->create_time);
	if (o->json == NULL) {
		const char *row[] = { o->project, info->name, info->app_id,
		    created, streams };

		snprintf(streams, sizeof(streams), "%zu", info->nstreams);
		return table_add(&o->table, row);
	}
	if ((names = json_array()) == NULL)
		return -1;
	for (i = 0; i < info->nstreams; i++)
		json_array_append_new(names, json_string(info->streams[i]));
	return json_array_append_new(o->json, json_pack("{s:s,s:s,s:s,s:o,"
	    "s:o}", "project", o->project, "app", info->name, "app_id",
	    info->app_id, "create_time", json_time(info->create_time),
	    "streams", names));
}

/* Every app of project, a page at a time. */
static enum dis_err
project_apps(struct store *st, struct apps_out *o, const char *project)
{
	enum dis_err	 err;
	long long	 total;
	bool		 more = true;

	o->project = project;
	free(o->after);
	o->after = NULL;
	while (more)
		if ((err = store_list_apps(st, project, NULL, o->after, 1000,
		    app_visit, o, &total, &more)) != DIS_OK)
			return err;
	return DIS_OK;
}

struct names {
	char	**v;
	size_t	  n;
};

static int
name_visit(void *arg, const char *name)
{
	struct names	*ns = arg;
	char		**grown;

	if ((grown = realloc(ns->v, (ns->n + 1) * sizeof(*grown))) == NULL)
		return -1;
	ns->v = grown;
	return (ns->v[ns->n++] = strdup(name)) == NULL ? -1 : 0;
}

static int
run_apps(struct store *st, const struct args *a)
{
	static const char *const head[] = { "PROJECT", "APP", "APP_ID",
	    "CREATED", "STREAMS" };
	struct apps_out	 o = { NULL, { 5, 0, NULL }, NULL, NULL, NULL, 0 };
	struct names	 projects = { NULL, 0 };
	enum dis_err	 err = DIS_OK;
	size_t		 i;
	int		 rc = EXIT_DONE;

	if (a->json && (o.json = json_array()) == NULL)
		return EXIT_ERROR;
	if (!a->json && table_add(&o.table, head) == -1)
		return EXIT_ERROR;
	if (a->project != NULL)
		err = project_apps(st, &o, a->project);
	else if ((err = store_list_projects(st, name_visit, &projects)) ==
	    DIS_OK)
		for (i = 0; err == DIS_OK && i < projects.n; i++)
			err = project_apps(st, &o, projects.v[i]);
	if (err != DIS_OK)
		rc = store_failed(err, "apps", a);
	else if (a->project != NULL && o.seen == 0) {
		complain("apps: project \"%s\" has no apps", a->project);
		rc = EXIT_ERROR;
	} else if (a->json) {
		rc = print_json(o.json) == 0 ? EXIT_DONE : EXIT_ERROR;
		o.json = NULL;
	} else
		table_print(&o.table);
	json_decref(o.json);
	for (i = 0; i < projects.n; i++)
		free(projects.v[i]);
	free(projects.v);
	free(o.after);
	table_free(&o.table);
	return rc;
}

/* ---- checkpoints ------------------------------------------------------ */

struct rows_out {
	const char	*project;
	struct table	 table;
	json_t		*json;
	long long	 seen;
};

static int
row_visit(void *arg, const struct checkpoint_row *r)
{
	struct rows_out	*o = arg;
	char		 partition[24], sequence[24], changed[32];

	o->seen++;
	if (o->json != NULL)
		return json_array_append_new(o->json, json_pack("{s:s,s:s,s:s,"
		    "s:s,s:I,s:I,s:s,s:o}", "project", o->project, "app",
		    r->app, "stream", r->stream, "type", r->type, "partition",
		    (json_int_t)r->partition, "sequence",
		    (json_int_t)r->sequence, "metadata", r->metadata,
		    "changed", json_time(r->changed_ms)));
	snprintf(partition, sizeof(partition), "%lld", r->partition);
	snprintf(sequence, sizeof(sequence), "%lld", r->sequence);
	format_ms(changed, sizeof(changed), r->changed_ms);
	{
		const char *row[] = { r->app, r->stream, r->type, partition,
		    sequence, changed, r->metadata };

		return table_add(&o->table, row);
	}
}

static int
run_checkpoints(struct store *st, const struct args *a)
{
	static const char *const head[] = { "APP", "STREAM", "TYPE",
	    "PARTITION", "SEQUENCE", "CHANGED", "METADATA" };
	struct rows_out	 o = { a->project, { 7, 0, NULL }, NULL, 0 };
	struct apps_out	 probe = { a->project, { 5, 0, NULL }, NULL, NULL, NULL,
	    0 };
	enum dis_err	 err;
	int		 rc = EXIT_DONE;

	if (a->json && (o.json = json_array()) == NULL)
		return EXIT_ERROR;
	if (!a->json && table_add(&o.table, head) == -1)
		return EXIT_ERROR;
	err = store_list_checkpoints(st, a->project, a->app, a->stream,
	    row_visit, &o);
	/* Without -a, a project with no apps is most likely a typo. */
	if (err == DIS_OK && a->app == NULL && o.seen == 0 &&
	    (err = store_list_apps(st, a->project, NULL, NULL, 1, app_visit,
	    &probe, &(long long){ 0 }, &(bool){ false })) == DIS_OK &&
	    probe.seen == 0) {
		complain("checkpoints: project \"%s\" has no apps", a->project);
		rc = EXIT_ERROR;
	} else if (err != DIS_OK)
		rc = store_failed(err, "checkpoints", a);
	else if (a->json) {
		rc = print_json(o.json) == 0 ? EXIT_DONE : EXIT_ERROR;
		o.json = NULL;
	} else
		table_print(&o.table);
	json_decref(o.json);
	free(probe.after);
	table_free(&probe.table);
	table_free(&o.table);
	return rc;
}

/* ---- check and backup ------------------------------------------------- */

static int
run_check(struct store *st, const struct args *a)
{
	struct store_report	 r;
	enum dis_err		 err;
	bool			 ok;

	if ((err = store_check(st, &r)) != DIS_OK)
		return store_failed(err, "check", a);
	ok = strcmp(r.integrity, "ok") == 0 && r.orphans == 0 &&
	    r.damaged_histories == 0;
	if (a->json) {
		if (print_json(json_pack("{s:b,s:s,s:i,s:I,s:I,s:I,s:I,s:I,s:I}",
		    "ok", ok, "integrity", r.integrity, "schema_version",
		    r.schema_version, "projects", (json_int_t)r.projects,
		    "apps", (json_int_t)r.apps, "checkpoints",
		    (json_int_t)r.checkpoints, "orphans",
		    (json_int_t)r.orphans, "history_changes",
		    (json_int_t)r.history_changes, "damaged_histories",
		    (json_int_t)r.damaged_histories)) == -1)
			return EXIT_ERROR;
	} else
		printf("integrity          %s\nschema version     %d\n"
		    "projects           %lld\napps               %lld\n"
		    "checkpoints        %lld\norphans            %lld\n"
		    "history changes    %lld\ndamaged histories  %lld\n",
		    r.integrity, r.schema_version, r.projects, r.apps,
		    r.checkpoints, r.orphans, r.history_changes,
		    r.damaged_histories);
	if (!ok)
		complain("check: the database has problems");
	return ok ? EXIT_DONE : EXIT_ERROR;
}

static int
run_backup(struct store *st, const struct args *a)
{
	char		 why[512];
	enum dis_err	 err;

	if ((err = store_backup(st, a->file, why, sizeof(why))) == DIS_OK) {
		printf("%s: written and checked (integrity ok)\n", a->file);
		return EXIT_DONE;
	}
	if (err == DIS_ERR_INVALID) {
		complain("backup: %s", why);
		return EXIT_ERROR;
	}
	return store_failed(err, "backup", a);
}

/* ---- export and import ------------------------------------------------ */

/*
 * The export format, one JSON object a line: an app, then its checkpoints.
 *   {"kind":"app","project":P,"app":A,"app_id":ID,"create_time":MS}
 *   {"kind":"checkpoint","project":P,"app":A,"stream":S,"type":T,
 *    "partition":N,"sequence":N,"metadata":M}
 */
static int
print_line(json_t *v)
{
	char	*text;

	if (v == NULL || (text = json_dumps(v, JSON_COMPACT |
	    JSON_PRESERVE_ORDER)) == NULL) {
		json_decref(v);
		return -1;
	}
	puts(text);
	free(text);
	json_decref(v);
	return 0;
}

static int
export_row(void *arg, const struct checkpoint_row *r)
{
	return print_line(json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s}",
	    "kind", "checkpoint", "project", (const char *)arg, "app", r->app,
	    "stream", r->stream, "type", r->type, "partition",
	    (json_int_t)r->partition, "sequence", (json_int_t)r->sequence,
	    "metadata", r->metadata));
}

/*
 * A project's apps are gathered first: SQLite reads cannot nest, and each
 * app's checkpoints are read after its line, in a snapshot of their own.
 */
struct export_app {
	char		*name;
	char		*app_id;
	long long	 create_time;
};

struct export_ctx {
	struct export_app	*v;
	size_t			 n;
	char			*after;
};

static int
gather_app(void *arg, const struct app_info *info)
{
	struct export_ctx	*x = arg;
	struct export_app	*grown;

	if ((grown = realloc(x->v, (x->n + 1) * sizeof(*grown))) == NULL)
		return -1;
	x->v = grown;
	grown[x->n].name = strdup(info->name);
	grown[x->n].app_id = strdup(info->app_id);
	grown[x->n].create_time = info->create_time;
	free(x->after);
	x->after = strdup(info->name);
	x->n++;
	return grown[x->n - 1].name == NULL ||
	    grown[x->n - 1].app_id == NULL || x->after == NULL ? -1 : 0;
}

static void
export_free(struct export_ctx *x)
{
	size_t	 i;

	for (i = 0; i < x->n; i++) {
		free(x->v[i].name);
		free(x->v[i].app_id);
	}
	free(x->v);
	free(x->after);
	memset(x, 0, sizeof(*x));
}

/* *seen counts the apps found. */
static enum dis_err
export_project(struct store *st, const char *project, const char *app,
    size_t *seen)
{
	struct export_ctx	 x = { NULL, 0, NULL };
	enum dis_err		 err = DIS_OK;
	long long		 total;
	bool			 more = true;
	size_t			 i;

	if (app != NULL)
		err = store_get_app(st, project, app, gather_app, &x);
	else
		while (err == DIS_OK && more)
			err = store_list_apps(st, project, NULL, x.after, 1000,
			    gather_app, &x, &total, &more);
	for (i = 0; err == DIS_OK && i < x.n; i++) {
		if (print_line(json_pack("{s:s,s:s,s:s,s:s,s:I}", "kind",
		    "app", "project", project, "app", x.v[i].name, "app_id",
		    x.v[i].app_id, "create_time",
		    (json_int_t)x.v[i].create_time)) == -1)
			err = DIS_ERR_INTERNAL;
		else
			err = store_list_checkpoints(st, project, x.v[i].name,
			    NULL, export_row, (void *)project);
	}
	*seen += x.n;
	export_free(&x);
	return err;
}

static int
run_export(struct store *st, const struct args *a)
{
	struct names		 projects = { NULL, 0 };
	enum dis_err		 err;
	size_t			 i, seen = 0;
	int			 rc = EXIT_DONE;

	if (a->project != NULL)
		err = export_project(st, a->project, a->app, &seen);
	else if ((err = store_list_projects(st, name_visit, &projects)) ==
	    DIS_OK)
		for (i = 0; err == DIS_OK && i < projects.n; i++)
			err = export_project(st, projects.v[i], NULL, &seen);
	if (err != DIS_OK)
		rc = store_failed(err, "export", a);
	else if (a->project != NULL && seen == 0) {
		complain("export: project \"%s\" has no apps", a->project);
		rc = EXIT_ERROR;
	} else if (fflush(stdout) == EOF || ferror(stdout)) {
		complain("export: %s", strerror(errno));
		rc = EXIT_ERROR;
	}
	for (i = 0; i < projects.n; i++)
		free(projects.v[i]);
	free(projects.v);
	return rc;
}

/* One line of an import file, parsed and checked. */
struct import_line {
	json_t		*json;		/* owns the strings below */
	size_t		 lineno;
	struct write_op	 op;
};

/* Checks a name or number as the API would; false with why in err. */
static bool
api_valid(enum field f, const char *text, char *err, size_t errlen)
{
	struct response	 r;
	struct params	 p;
	bool		 ok;

	memset(&r, 0, sizeof(r));
	memset(&p, 0, sizeof(p));
	if (!(ok = validate_value(f, text, &p, &r)))
		snprintf(err, errlen, "%s \"%.64s\" is not valid",
		    field_name(f), text);
	response_free(&r);
	return ok;
}

/*
 * Fills l->op from its JSON, which must be an object of one kind with
 * exactly that kind's keys, each of its type, and values the API takes.
 */
static bool
parse_line(struct import_line *l, const struct args *a, char *err,
    size_t errlen)
{
	json_t		*v = l->json;
	const char	*kind, *project, *app, *stream, *type, *id, *meta;
	json_int_t	 partition, sequence, created;
	char		 num[24];
	json_error_t	 je;

	memset(&l->op, 0, sizeof(l->op));
	if (json_unpack_ex(v, &je, JSON_VALIDATE_ONLY, "{s:s}", "kind",
	    &kind) == -1 || json_unpack(v, "{s:s}", "kind", &kind) == -1) {
		snprintf(err, errlen, "not an object with a \"kind\"");
		return false;
	}
	if (strcmp(kind, "app") == 0) {
		if (json_unpack_ex(v, &je, JSON_STRICT, "{s:s,s:s,s:s,s:s,s:I}",
		    "kind", &kind, "project", &project, "app", &app, "app_id",
		    &id, "create_time", &created) == -1) {
			snprintf(err, errlen, "app: %s", je.text);
			return false;
		}
		l->op.kind = WRITE_CREATE_APP;
		l->op.app_id = id;
		l->op.create_time = created;
		l->op.app_quota = a->app_quota;
		if (*id == '\0' || created < 0) {
			snprintf(err, errlen, "app: app_id must not be empty "
			    "nor create_time negative");
			return false;
		}
	} else if (strcmp(kind, "checkpoint") == 0) {
		if (json_unpack_ex(v, &je, JSON_STRICT,
		    "{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s}", "kind", &kind,
		    "project", &project, "app", &app, "stream", &stream, "type",
		    &type, "partition", &partition, "sequence", &sequence,
		    "metadata", &meta) == -1) {
			snprintf(err, errlen, "checkpoint: %s", je.text);
			return false;
		}
		l->op.kind = WRITE_COMMIT_CHECKPOINT;
		l->op.key.stream = stream;
		l->op.key.type = type;
		l->op.key.partition = partition;
		l->op.sequence = sequence;
		l->op.metadata = meta;
		l->op.stream_limit = a->stream_limit;
		snprintf(num, sizeof(num), "%lld", (long long)partition);
		if (!api_valid(FIELD_STREAM, stream, err, errlen) ||
		    !api_valid(FIELD_CHECKPOINT_TYPE, type, err, errlen) ||
		    !api_valid(FIELD_PARTITION, num, err, errlen) ||
		    !api_valid(FIELD_METADATA, meta, err, errlen))
			return false;
		snprintf(num, sizeof(num), "%lld", (long long)sequence);
		if (!api_valid(FIELD_SEQUENCE, num, err, errlen))
			return false;
	} else {
		snprintf(err, errlen, "unknown kind \"%.32s\"", kind);
		return false;
	}
	l->op.key.project = project;
	l->op.key.app = app;
	return api_valid(FIELD_PROJECT, project, err, errlen) &&
	    api_valid(FIELD_APP, app, err, errlen);
}

/* Every line of path, or NULL with the first bad line reported. */
static struct import_line *
read_import(const char *path, const struct args *a, size_t *n)
{
	struct import_line	*lines = NULL, *grown;
	json_error_t		 je;
	char			*buf = NULL, err[256];
	size_t			 cap = 0, lineno = 0, i;
	ssize_t			 len;
	FILE			*f;
	bool			 ok = true;

	*n = 0;
	if ((f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r")) == NULL) {
		complain("import: %s: %s", path, strerror(errno));
		return NULL;
	}
	while (ok && (len = getline(&buf, &cap, f)) != -1) {
		lineno++;
		if (strspn(buf, " \t\r\n") == (size_t)len)
			continue;
		if ((grown = realloc(lines, (*n + 1) * sizeof(*grown))) ==
		    NULL) {
			complain("import: out of memory");
			ok = false;
			break;
		}
		lines = grown;
		lines[*n].lineno = lineno;
		lines[*n].json = json_loadb(buf, (size_t)len,
		    JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, &je);
		if (lines[*n].json == NULL) {
			complain("import: %s:%zu: not JSON: %s", path, lineno,
			    je.text);
			ok = false;
		} else if (!parse_line(&lines[(*n)++], a, err, sizeof(err))) {
			complain("import: %s:%zu: %s", path, lineno, err);
			ok = false;
		}
	}
	if (ok && ferror(f)) {
		complain("import: %s: %s", path, strerror(errno));
		ok = false;
	}
	free(buf);
	if (f != stdin)
		fclose(f);
	if (ok)
		return lines;
	for (i = 0; i < *n; i++)
		json_decref(lines[i].json);
	free(lines);
	return NULL;
}

/* An app already there is kept; what it found is said. */
static int
app_found(void *arg, const struct app_info *info)
{
	char	**id = arg;

	return (*id = strdup(info->app_id)) == NULL ? -1 : 0;
}

/*
 * Whether line l would change the database, said on stdout: a missing
 * app, a checkpoint missing or holding other values. -1 on a read error.
 */
static int
differs(struct store *st, const struct import_line *l, bool *change)
{
	const struct write_op	*op = &l->op;
	enum dis_err		 err;
	long long		 seq;
	char			*meta = NULL, *id = NULL;

	*change = false;
	if (op->kind == WRITE_CREATE_APP) {
		err = store_get_app(st, op->key.project, op->key.app,
		    app_found, &id);
		if (err == DIS_ERR_APP_NOT_FOUND) {
			*change = true;
			printf("line %zu: create app %s/%s\n", l->lineno,
			    op->key.project, op->key.app);
		} else if (err == DIS_OK && strcmp(id, op->app_id) != 0)
			printf("line %zu: app %s/%s exists with app_id %s: "
			    "kept\n", l->lineno, op->key.project,
			    op->key.app, id);
		free(id);
		return err == DIS_OK || err == DIS_ERR_APP_NOT_FOUND ? 0 : -1;
	}
	err = store_get_checkpoint(st, &op->key, &seq, &meta);
	/* Its app is created by an earlier line, or the import fails. */
	if (err == DIS_ERR_APP_NOT_FOUND)
		seq = -1, err = DIS_OK;
	if (err == DIS_OK && (seq != op->sequence || meta == NULL ||
	    strcmp(meta, op->metadata) != 0)) {
		*change = true;
		printf("line %zu: %s/%s %s %s partition %lld: ", l->lineno,
		    op->key.project, op->key.app, op->key.stream,
		    op->key.type, op->key.partition);
		if (meta == NULL)
			printf("none -> %lld\n", op->sequence);
		else
			printf("%lld -> %lld%s\n", seq, op->sequence,
			    seq == op->sequence ? " (metadata)" : "");
	}
	free(meta);
	return err == DIS_OK ? 0 : -1;
}

/* An import's lines, and what its transaction found to change. */
struct import_ctx {
	struct import_line	 *lines;
	size_t			  n;
	struct write_op		**ops;
	size_t			 *line_of;
	size_t			  nops;
};

/* Inside the import's transaction: what differs from the file. */
static enum dis_err
import_plan(void *arg, struct store *st, struct write_op ***ops, size_t *n)
{
	struct import_ctx	*x = arg;
	bool			 change;
	size_t			 i;

	x->nops = 0;
	for (i = 0; i < x->n; i++) {
		if (differs(st, &x->lines[i], &change) == -1)
			return DIS_ERR_UNAVAILABLE;
		if (change) {
			x->line_of[x->nops] = x->lines[i].lineno;
			x->ops[x->nops++] = &x->lines[i].op;
		}
	}
	*ops = x->ops;
	*n = x->nops;
	return DIS_OK;
}

static int
run_import(struct store *st, const struct args *a)
{
	struct import_ctx	 x = { NULL, 0, NULL, NULL, 0 };
	enum dis_err		 err;
	size_t			 i, failed;
	int			 rc = EXIT_DONE;

	if ((x.lines = read_import(a->file, a, &x.n)) == NULL)
		return EXIT_ERROR;
	if ((x.ops = calloc(x.n + 1, sizeof(*x.ops))) == NULL ||
	    (x.line_of = calloc(x.n + 1, sizeof(*x.line_of))) == NULL)
		rc = EXIT_ERROR;
	else if ((err = store_change(st, ORIGIN_IMPORT, NULL, NULL,
	    !a->dry_run, import_plan, &x, &failed)) == DIS_OK)
		printf(a->dry_run ? "import: %zu to change, %zu unchanged; dry "
		    "run, nothing written\n" : "import: %zu changed, %zu "
		    "unchanged\n", x.nops, x.n - x.nops);
	else {
		if (failed < x.nops && err == DIS_ERR_APP_NOT_FOUND)
			complain("import: %s:%zu: project \"%s\" has no app "
			    "\"%s\"; nothing imported", a->file,
			    x.line_of[failed], x.ops[failed]->key.project,
			    x.ops[failed]->key.app);
		else if (failed < x.nops)
			complain("import: %s:%zu: %s; nothing imported",
			    a->file, x.line_of[failed],
			    dis_error_info(err)->text);
		else
			store_failed(err, "import", a);
		rc = EXIT_ERROR;
	}
	for (i = 0; i < x.n; i++)
		json_decref(x.lines[i].json);
	free(x.lines);
	free(x.ops);
	free(x.line_of);
	return rc;
}

/* ---- reset ----------------------------------------------------------- */

/* One partition's move. */
struct move {
	long long	 partition;
	long long	 old;		/* -1: holds none */
	char		*metadata;	/* of the old row */
	long long	 changed_ms;	/* of the old row; 0: unknown */
	long long	 new;		/* -1: dropped */
	char		*new_metadata;	/* NULL: the old row's */
};

struct moves {
	struct move	*v;
	size_t		 n;
};

static struct move *
move_of(struct moves *m, long long partition)
{
	struct move	*grown;
	size_t		 i;

	for (i = 0; i < m->n; i++)
		if (m->v[i].partition == partition)
			return &m->v[i];
	if ((grown = realloc(m->v, (m->n + 1) * sizeof(*grown))) == NULL)
		return NULL;
	m->v = grown;
	memset(&grown[m->n], 0, sizeof(grown[m->n]));
	grown[m->n].partition = partition;
	grown[m->n].old = grown[m->n].new = -1;
	return &grown[m->n++];
}

struct reset_read {
	struct moves	*m;
	const char	*type;
};

static int
reset_row(void *arg, const struct checkpoint_row *r)
{
	struct reset_read	*rr = arg;
	struct move		*mv;

	if (strcmp(r->type, rr->type) != 0)
		return 0;
	if ((mv = move_of(rr->m, r->partition)) == NULL ||
	    (mv->metadata = strdup(r->metadata)) == NULL)
		return -1;
	mv->old = r->sequence;
	mv->changed_ms = r->changed_ms;
	return 0;
}

/* History rows, copied out of the store's. */
struct past {
	long long	 partition;
	long long	 seq;
	long long	 old;		/* -1: none */
	char		*old_metadata;
	long long	 old_set_ms;	/* 0: unknown */
	long long	 new;		/* -1: none */
	char		*new_metadata;
	long long	 changed_ms;
	char		*origin;
	char		*operation;	/* NULL: the API */
};

struct pasts {
	struct past	*v;
	size_t		 n;
};

/* strdup, but NULL for NULL; false when memory ran out. */
static bool
copy_or_null(char **to, const char *from)
{
	*to = from != NULL ? strdup(from) : NULL;
	return from == NULL || *to != NULL;
}

static int
past_visit(void *arg, const struct history_row *h)
{
	struct pasts	*ps = arg;
	struct past	*grown, *p;

	if ((grown = realloc(ps->v, (ps->n + 1) * sizeof(*grown))) == NULL)
		return -1;
	ps->v = grown;
	p = &grown[ps->n++];
	memset(p, 0, sizeof(*p));
	p->partition = h->partition;
	p->seq = h->seq;
	p->old = h->old_sequence;
	p->old_set_ms = h->old_set_ms;
	p->new = h->new_sequence;
	p->changed_ms = h->changed_ms;
	return copy_or_null(&p->old_metadata, h->old_metadata) &&
	    copy_or_null(&p->new_metadata, h->new_metadata) &&
	    copy_or_null(&p->origin, h->origin) &&
	    copy_or_null(&p->operation, h->operation) ? 0 : -1;
}

static void
pasts_free(struct pasts *ps)
{
	size_t	 i;

	for (i = 0; i < ps->n; i++) {
		free(ps->v[i].old_metadata);
		free(ps->v[i].new_metadata);
		free(ps->v[i].origin);
		free(ps->v[i].operation);
	}
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}

/* A number the API takes as a partition; false when it is not one. */
static bool
parse_partition(const char *text, long long *out)
{
	char	 err[128], *end;

	if (!api_valid(FIELD_PARTITION, text, err, sizeof(err)))
		return false;
	*out = strtoll(text, &end, 10);
	return *end == '\0';
}

/* The wanted partitions: --partitions N,M,A-B; false on a bad one. */
static bool
want_partitions(const char *list, struct moves *want)
{
	char		*copy, *tok, *dash, *save;
	long long	 lo, hi, p;
	bool		 ok = true;

	if ((copy = strdup(list)) == NULL)
		return false;
	for (tok = strtok_r(copy, ",", &save); ok && tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if ((dash = strchr(tok, '-')) != NULL)
			*dash = '\0';
		ok = parse_partition(tok, &lo) && (dash == NULL ?
		    (hi = lo, true) : parse_partition(dash + 1, &hi)) &&
		    hi >= lo && hi - lo < 100000;
		for (p = lo; ok && p <= hi; p++)
			ok = move_of(want, p) != NULL;
	}
	free(copy);
	return ok && want->n > 0;
}

/* --from-file: "partition,sequence" lines; the first bad one named. */
static bool
read_csv(const char *path, struct moves *want)
{
	char		*buf = NULL, *comma, err[128];
	size_t		 cap = 0, lineno = 0;
	ssize_t		 len;
	long long	 part, seq;
	struct move	*mv;
	FILE		*f;
	bool		 ok = true;

	if ((f = fopen(path, "r")) == NULL) {
		complain("reset: %s: %s", path, strerror(errno));
		return false;
	}
	while (ok && (len = getline(&buf, &cap, f)) != -1) {
		lineno++;
		buf[strcspn(buf, "\r\n")] = '\0';
		if (*buf == '\0')
			continue;
		if ((comma = strchr(buf, ',')) == NULL) {
			complain("reset: %s:%zu: expected partition,sequence",
			    path, lineno);
			ok = false;
			break;
		}
		*comma = '\0';
		if (!parse_partition(buf, &part) ||
		    !api_valid(FIELD_SEQUENCE, comma + 1, err, sizeof(err))) {
			complain("reset: %s:%zu: \"%s,%s\": not a partition "
			    "and a sequence number", path, lineno, buf,
			    comma + 1);
			ok = false;
		} else if ((mv = move_of(want, part)) == NULL)
			ok = false;
		else if (mv->new != -1) {
			complain("reset: %s:%zu: partition %lld again", path,
			    lineno, part);
			ok = false;
		} else
			mv->new = seq = strtoll(comma + 1, NULL, 10);
	}
	free(buf);
	fclose(f);
	if (ok && want->n == 0) {
		complain("reset: %s: no partitions", path);
		ok = false;
	}
	return ok;
}

static void
moves_free(struct moves *m)
{
	size_t	 i;

	for (i = 0; i < m->n; i++) {
		free(m->v[i].metadata);
		free(m->v[i].new_metadata);
	}
	free(m->v);
}

/*
 * The value mv's partition held at time t (ms), from its row now and
 * its history, newest first (*p..): a row says its old value held from
 * its old_set_ms until its change. False when no row covers t.
 */
static bool
value_at(struct move *mv, const struct pasts *ps, long long t)
{
	const struct past	*p = NULL;
	long long		 since = mv->old >= 0 ? mv->changed_ms : 0;
	size_t			 i;

	for (i = 0; i < ps->n && p == NULL; i++)
		if (ps->v[i].partition == mv->partition)
			p = &ps->v[i];
	/* A partition that holds none since its delete. */
	if (mv->old < 0 && p != NULL && p->new < 0)
		since = p->changed_ms;
	if (since > 0 && t >= since) {
		mv->new = mv->old;
		return true;
	}
	for (i = p != NULL ? (size_t)(p - ps->v) : ps->n; i < ps->n &&
	    ps->v[i].partition == mv->partition; i++) {
		p = &ps->v[i];
		if (p->old_set_ms > 0 && p->old_set_ms <= t &&
		    t < p->changed_ms) {
			mv->new = p->old;
			return copy_or_null(&mv->new_metadata, p->old_metadata);
		}
	}
	return false;
}

/* Each move's new value by the mode; false (said) when one cannot move. */
static bool
plan(const struct args *a, struct moves *m, const struct pasts *past)
{
	struct move	*mv;
	char		 when[32];
	size_t		 i;
	bool		 ok = true;

	for (i = 0; i < m->n; i++) {
		mv = &m->v[i];
		switch (a->reset) {
		case TO_SEQUENCE:
			mv->new = a->number;
			break;
		case SHIFT_BY:
			if (mv->old < 0) {
				complain("reset: partition %lld holds no "
				    "checkpoint to shift", mv->partition);
				return false;
			}
			if ((a->number < 0 && mv->old + a->number < 0) ||
			    (a->number > 0 && mv->old > INT64_MAX - a->number)) {
				complain("reset: partition %lld: %lld shifted "
				    "by %lld is out of range", mv->partition,
				    mv->old, a->number);
				return false;
			}
			mv->new = mv->old + a->number;
			break;
		case TO_EARLIEST:
			mv->new = -1;
			break;
		case FROM_FILE:	/* read with the file */
			break;
		case TO_TIME:
			if (value_at(mv, past, a->time_ms))
				break;
			format_ms(when, sizeof(when), a->time_ms);
			complain("reset: partition %lld: its history does not "
			    "reach back to %s", mv->partition, when);
			ok = false;
			break;
		}
	}
	return ok;
}

/* A reset's or an undo's moves, and what its transaction read. */
struct change_ctx {
	const struct args	 *a;
	struct moves		  have, want;
	struct pasts		  past;
	struct write_op		 *ops, **opp;
	size_t			  n;
	bool			  refused;	/* said why */
};

static enum dis_err
refuse(struct change_ctx *x)
{
	x->refused = true;
	return DIS_ERR_INVALID;
}

/* A sequence number as a table shows it: "none" for -1. */
static const char *
value_text(char *buf, size_t len, long long sequence)
{
	if (sequence < 0)
		return "none";
	snprintf(buf, len, "%lld", sequence);
	return buf;
}

/*
 * Prints each of m's moves, old and new, and makes the ops of those that
 * change something.
 */
static enum dis_err
make_ops(struct change_ctx *x, struct moves *m, struct write_op ***ops,
    size_t *n)
{
	const struct args	*a = x->a;
	struct move		*mv;
	const char		*meta;
	char			 old[24], new[24];
	size_t			 i;

	if ((x->ops = calloc(m->n + 1, sizeof(*x->ops))) == NULL ||
	    (x->opp = calloc(m->n + 1, sizeof(*x->opp))) == NULL)
		return DIS_ERR_INTERNAL;
	printf("%-10s  %-20s  %s\n", "PARTITION", "OLD", "NEW");
	for (i = 0; i < m->n; i++) {
		mv = &m->v[i];
		printf("%-10lld  %-20s  %s\n", mv->partition,
		    value_text(old, sizeof(old), mv->old),
		    value_text(new, sizeof(new), mv->new));
		meta = mv->new_metadata != NULL ? mv->new_metadata :
		    mv->metadata != NULL ? mv->metadata : "";
		if (mv->old == mv->new && (mv->new < 0 ||
		    strcmp(meta, mv->metadata) == 0))
			continue;
		x->ops[x->n].kind = mv->new < 0 ? WRITE_DELETE_CHECKPOINTS :
		    WRITE_COMMIT_CHECKPOINT;
		x->ops[x->n].key.project = a->project;
		x->ops[x->n].key.app = a->app;
		x->ops[x->n].key.stream = a->stream;
		x->ops[x->n].key.type = a->type;
		x->ops[x->n].key.partition = mv->partition;
		x->ops[x->n].sequence = mv->new;
		x->ops[x->n].metadata = meta;
		x->opp[x->n] = &x->ops[x->n];
		x->n++;
	}
	*ops = x->opp;
	*n = x->n;
	return DIS_OK;
}

/* Inside the reset's transaction: the values now, then the moves. */
static enum dis_err
reset_plan(void *arg, struct store *st, struct write_op ***ops, size_t *n)
{
	struct change_ctx	*x = arg;
	const struct args	*a = x->a;
	struct checkpoint_key	 key = { a->project, a->app, a->stream, a->type,
	    -1 };
	struct reset_read	 rr = { &x->have, a->type };
	struct moves		*m = &x->have;
	struct move		*mv, *h;
	enum dis_err		 err;
	size_t			 i;

	if ((err = store_list_checkpoints(st, a->project, a->app, a->stream,
	    reset_row, &rr)) != DIS_OK)
		return err;
	if (a->reset == TO_TIME) {
		if ((err = store_history(st, &key, NULL, past_visit,
		    &x->past)) != DIS_OK)
			return err;
		/* A partition that held a checkpoint then is moved too. */
		for (i = 0; i < x->past.n; i++)
			if (move_of(&x->have, x->past.v[i].partition) == NULL)
				return DIS_ERR_INTERNAL;
	}
	/* Named partitions: their current values, or none. */
	if (x->want.n > 0) {
		for (i = 0; i < x->want.n; i++) {
			mv = &x->want.v[i];
			if ((h = move_of(&x->have, mv->partition)) == NULL)
				return DIS_ERR_INTERNAL;
			mv->old = h->old;
			mv->changed_ms = h->changed_ms;
			mv->metadata = h->metadata;
			h->metadata = NULL;
		}
		m = &x->want;
	}
	if (m->n == 0) {
		complain("reset: %s/%s stream %s holds no %s checkpoints",
		    a->project, a->app, a->stream, a->type);
		return refuse(x);
	}
	if (!plan(a, m, &x->past))
		return refuse(x);
	return make_ops(x, m, ops, n);
}

/*
 * Inside the undo's transaction: the stream's last reset or import, and
 * the value each partition it changed held before it; refused when the
 * history no longer keeps every change it made.
 */
static enum dis_err
undo_plan(void *arg, struct store *st, struct write_op ***ops, size_t *n)
{
	struct change_ctx	*x = arg;
	const struct args	*a = x->a;
	struct checkpoint_key	 key = { a->project, a->app, a->stream, a->type,
	    -1 };
	struct reset_read	 rr = { &x->have, a->type };
	struct store_operation	 op;
	struct move		*mv, *h;
	enum dis_err		 err;
	char			 when[32];
	size_t			 i;

	if ((err = store_last_operation(st, &key, &op)) != DIS_OK)
		return err;
	if (op.id[0] == '\0') {
		complain("undo: the history holds no reset or import of %s/%s "
		    "stream %s (%s): nothing to undo", a->project, a->app,
		    a->stream, a->type);
		return refuse(x);
	}
	format_ms(when, sizeof(when), op.at_ms);
	if ((err = store_history(st, &key, op.id, past_visit, &x->past)) !=
	    DIS_OK)
		return err;
	if ((long long)x->past.n != op.changes) {
		complain("undo: the %s of %s changed %lld checkpoints and the "
		    "history keeps %zu of those changes now (older values "
		    "are pruned at the history depth): nothing changed",
		    op.origin, when, op.changes, x->past.n);
		return refuse(x);
	}
	if ((err = store_list_checkpoints(st, a->project, a->app, a->stream,
	    reset_row, &rr)) != DIS_OK)
		return err;
	/* Newest first: a partition's last row is its value before the run. */
	for (i = 0; i < x->past.n; i++) {
		if ((mv = move_of(&x->want, x->past.v[i].partition)) == NULL)
			return DIS_ERR_INTERNAL;
		free(mv->new_metadata);
		mv->new = x->past.v[i].old;
		if (!copy_or_null(&mv->new_metadata,
		    x->past.v[i].old_metadata))
			return DIS_ERR_INTERNAL;
	}
	for (i = 0; i < x->want.n; i++) {
		mv = &x->want.v[i];
		if ((h = move_of(&x->have, mv->partition)) == NULL)
			return DIS_ERR_INTERNAL;
		mv->old = h->old;
		mv->metadata = h->metadata;
		h->metadata = NULL;
	}
	printf("undo: the %s of %s (%s)\n", op.origin, when, op.id);
	return make_ops(x, &x->want, ops, n);
}

static int
run_change(struct store *st, const struct args *a, const char *name,
    enum change_origin origin, store_plan_fn *planner)
{
	struct change_ctx	 x;
	enum dis_err		 err;
	int			 rc = EXIT_ERROR;

	memset(&x, 0, sizeof(x));
	x.a = a;
	if (a->reset == FROM_FILE && origin == ORIGIN_RESET &&
	    !read_csv(a->file, &x.want))
		goto out;
	if (a->partitions != NULL && !want_partitions(a->partitions,
	    &x.want)) {
		complain("reset: --partitions %s: not a list of partitions",
		    a->partitions);
		goto out;
	}
	err = store_change(st, origin, a->project, a->app, a->execute,
	    planner, &x, NULL);
	if (err == DIS_OK) {
		if (!a->execute)
			printf("%s: %zu to change; dry run, nothing written "
			    "(add --execute to apply)\n", name, x.n);
		else
			printf("%s: %zu changed in one transaction\n", name,
			    x.n);
		rc = EXIT_DONE;
	} else if (!x.refused)
		rc = store_failed(err, name, a);
out:
	free(x.ops);
	free(x.opp);
	moves_free(&x.have);
	moves_free(&x.want);
	pasts_free(&x.past);
	return rc;
}

static int
run_reset(struct store *st, const struct args *a)
{
	return run_change(st, a, "reset", ORIGIN_RESET, reset_plan);
}

static int
run_undo(struct store *st, const struct args *a)
{
	return run_change(st, a, "undo", ORIGIN_UNDO, undo_plan);
}

/* ---- history ---------------------------------------------------------- */

/* Newest first; within one millisecond, by partition, newest first. */
static int
past_cmp(const void *pa, const void *pb)
{
	const struct past	*a = pa, *b = pb;

	if (a->changed_ms != b->changed_ms)
		return a->changed_ms > b->changed_ms ? -1 : 1;
	if (a->partition != b->partition)
		return a->partition < b->partition ? -1 : 1;
	return a->seq > b->seq ? -1 : a->seq < b->seq;
}

static json_t *
json_value(long long sequence, const char *metadata)
{
	if (sequence < 0)
		return json_null();
	return json_pack("{s:I,s:s}", "sequence", (json_int_t)sequence,
	    "metadata", metadata != NULL ? metadata : "");
}

static int
run_history(struct store *st, const struct args *a)
{
	static const char *const head[] = { "PARTITION", "WHEN", "WHO", "OLD",
	    "NEW" };
	struct checkpoint_key	 key = { a->project, a->app, a->stream, a->type,
	    a->partition };
	struct table		 t = { 5, 0, NULL };
	struct pasts		 ps = { NULL, 0 };
	struct past		*p;
	json_t			*j = NULL, *v;
	enum dis_err		 err;
	char			 part[24], when[32], old[24], new[24];
	size_t			 i;
	int			 rc = EXIT_ERROR;

	if ((err = store_history(st, &key, NULL, past_visit, &ps)) != DIS_OK) {
		rc = store_failed(err, "history", a);
		goto out;
	}
	if (ps.n == 0) {
		snprintf(part, sizeof(part), "%lld", a->partition);
		complain("history: %s/%s stream %s keeps no %s history%s%s",
		    a->project, a->app, a->stream, a->type, a->partition < 0 ?
		    "" : " of partition ", a->partition < 0 ? "" : part);
		goto out;
	}
	qsort(ps.v, ps.n, sizeof(*ps.v), past_cmp);
	if (a->json && (j = json_array()) == NULL)
		goto out;
	if (!a->json && table_add(&t, head) == -1)
		goto out;
	for (i = 0; i < ps.n; i++) {
		p = &ps.v[i];
		if (a->json) {
			v = json_pack("{s:I,s:I,s:o,s:s,s:s?,s:o,s:o,s:o}",
			    "partition", (json_int_t)p->partition, "seq",
			    (json_int_t)p->seq, "changed",
			    json_time(p->changed_ms), "origin", p->origin,
			    "operation", p->operation, "old",
			    json_value(p->old, p->old_metadata), "old_set",
			    json_time(p->old_set_ms), "new",
			    json_value(p->new, p->new_metadata));
			if (json_array_append_new(j, v) == -1)
				goto out;
			continue;
		}
		snprintf(part, sizeof(part), "%lld", p->partition);
		format_ms(when, sizeof(when), p->changed_ms);
		{
			const char *row[] = { part, when, p->origin,
			    value_text(old, sizeof(old), p->old),
			    value_text(new, sizeof(new), p->new) };

			if (table_add(&t, row) == -1)
				goto out;
		}
	}
	if (a->json) {
		rc = print_json(j) == 0 ? EXIT_DONE : EXIT_ERROR;
		j = NULL;
	} else {
		table_print(&t);
		rc = EXIT_DONE;
	}
out:
	json_decref(j);
	table_free(&t);
	pasts_free(&ps);
	return rc;
}

/*
 * --to-time: an ISO 8601 time in UTC, YYYY-MM-DDTHH:MM:SS with an optional
 * fraction of up to three digits and a Z, as the history prints it; into
 * *ms since 1970. False for anything else, or a day that does not exist.
 */
static bool
parse_time(const char *text, long long *ms)
{
	struct tm	 tm, back;
	const char	*p;
	time_t		 secs;
	int		 frac = 0, digits = 0, used = 0;

	memset(&tm, 0, sizeof(tm));
	if (strlen(text) < 20 || sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n",
	    &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	    &tm.tm_sec, &used) != 6 || used != 19 ||
	    strspn(text, "0123456789") != 4)
		return false;
	for (p = text; p < text + 19; p++)
		if (strchr("-T:", *p) == NULL && (*p < '0' || *p > '9'))
			return false;
	p = text + 19;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9' && digits < 3; p++, digits++)
			frac = frac * 10 + (*p - '0');
	if ((text[19] == '.' && digits == 0) || strcmp(p, "Z") != 0)
		return false;
	for (; digits < 3; digits++)
		frac *= 10;
	tm.tm_year -= 1900;
	tm.tm_mon--;
	back = tm;
	if ((secs = timegm(&tm)) == (time_t)-1 || tm.tm_mday != back.tm_mday ||
	    tm.tm_mon != back.tm_mon || tm.tm_hour != back.tm_hour ||
	    tm.tm_min != back.tm_min || tm.tm_sec != back.tm_sec)
		return false;
	*ms = (long long)secs * 1000 + frac;
	return true;
}

/* ---- the command line ------------------------------------------------- */

static const struct option opts_apps[] = {
	{ "project", required_argument, NULL, 'p' },
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 }
};
static const struct option opts_checkpoints[] = {
	{ "project", required_argument, NULL, 'p' },
	{ "app", required_argument, NULL, 'a' },
	{ "stream", required_argument, NULL, 's' },
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 }
};
static const struct option opts_check[] = {
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 }
};
static const struct option opts_export[] = {
	{ "project", required_argument, NULL, 'p' },
	{ "app", required_argument, NULL, 'a' },
	{ NULL, 0, NULL, 0 }
};
static const struct option opts_import[] = {
	{ "dry-run", no_argument, NULL, 'n' },
	{ NULL, 0, NULL, 0 }
};
static const struct option opts_reset[] = {
	{ "project", required_argument, NULL, 'p' },
	{ "app", required_argument, NULL, 'a' },
	{ "stream", required_argument, NULL, 's' },
	{ "type", required_argument, NULL, 't' },
	{ "to-sequence", required_argument, NULL, 'T' },
	{ "shift-by", required_argument, NULL, 'B' },
	{ "to-earliest", no_argument, NULL, 'E' },
	{ "from-file", required_argument, NULL, 'F' },
	{ "to-time", required_argument, NULL, 'W' },
	{ "partitions", required_argument, NULL, 'P' },
	{ "execute", no_argument, NULL, 'x' },
	{ NULL, 0, NULL, 0 }
};
static const struct option opts_history[] = {
	{ "project", required_argument, NULL, 'p' },
	{ "app", required_argument, NULL, 'a' },
	{ "stream", required_argument, NULL, 's' },
	{ "type", required_argument, NULL, 't' },
	{ "partition", required_argument, NULL, 'N' },
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 }
};
static const struct option opts_undo[] = {
	{ "project", required_argument, NULL, 'p' },
	{ "app", required_argument, NULL, 'a' },
	{ "stream", required_argument, NULL, 's' },
	{ "type", required_argument, NULL, 't' },
	{ "execute", no_argument, NULL, 'x' },
	{ NULL, 0, NULL, 0 }
};
static const struct option opts_none[] = {
	{ NULL, 0, NULL, 0 }
};

static const struct command commands[] = {
	{ "apps", "apps [-p project] [--json]", "p:j", opts_apps, "", 0,
	    run_apps, false },
	{ "checkpoints", "checkpoints -p project [-a app] [-s stream] [--json]",
	    "p:a:s:j", opts_checkpoints, "p", 0, run_checkpoints, false },
	{ "check", "check [--json]", "j", opts_check, "", 0, run_check, false },
	{ "backup", "backup file", "", opts_none, "", 1, run_backup, false },
	{ "export", "export [-p project [-a app]]", "p:a:", opts_export, "", 0,
	    run_export, false },
	{ "import", "import [--dry-run] file", "n", opts_import, "", 1,
	    run_import, true },
	{ "reset", "reset -p project -a app -s stream [-t type]\n"
	    "          (--to-sequence N | --shift-by N | --to-earliest |\n"
	    "           --from-file csv | --to-time YYYY-MM-DDTHH:MM:SSZ)\n"
	    "          [--partitions list] [--execute]",
	    "p:a:s:t:", opts_reset, "pasm", 0, run_reset, false },
	{ "history", "history -p project -a app -s stream [-t type] "
	    "[--partition N] [--json]", "p:a:s:t:j", opts_history, "pas", 0,
	    run_history, false },
	{ "undo", "undo -p project -a app -s stream [-t type] [--execute]",
	    "p:a:s:t:", opts_undo, "pas", 0, run_undo, false },
	{ NULL, NULL, NULL, NULL, NULL, 0, NULL, false }
};

static const struct command *
find_command(const char *name)
{
	const char		*names[16];
	const struct command	*c;
	const char		*guess;
	size_t			 n = 0;

	for (c = commands; c->name != NULL; c++) {
		if (strcmp(c->name, name) == 0)
			return c;
		names[n++] = c->name;
	}
	fprintf(stderr, "%s\n", global_usage);
	if ((guess = closest(name, names, n)) != NULL)
		complain("unknown command \"%s\"; did you mean \"%s\"?", name,
		    guess);
	else
		complain("unknown command \"%s\"; try %s -h", name, PROG);
	return NULL;
}

/* A bad option: the subcommand's usage line and the closest option. */
static int
bad_option(const struct command *c, const char *arg)
{
	const char		*names[16], *guess = NULL;
	const struct option	*o;
	char			 word[64];
	size_t			 n = 0;

	fprintf(stderr, "usage: %s %s\n", PROG, c->synopsis);
	if (arg != NULL && strncmp(arg, "--", 2) == 0) {
		for (o = c->longopts; o->name != NULL; o++)
			names[n++] = o->name;
		/* --projct=x is a typo of --project. */
		snprintf(word, sizeof(word), "%.*s",
		    (int)strcspn(arg + 2, "="), arg + 2);
		guess = closest(word, names, n);
	}
	if (guess != NULL)
		complain("%s: did you mean --%s?", arg, guess);
	return EXIT_USAGE;
}

static int
parse_command(const struct command *c, int argc, char **argv,
    struct args *a)
{
	char		 shortopts[32];
	const char	*r;
	char		*end;
	int		 ch;

	snprintf(shortopts, sizeof(shortopts), "+:%s", c->shortopts);
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, shortopts, c->longopts, NULL)) !=
	    -1)
		switch (ch) {
		case 'p':
			a->project = optarg;
			break;
		case 'a':
			a->app = optarg;
			break;
		case 's':
			a->stream = optarg;
			break;
		case 'j':
			a->json = true;
			break;
		case 'n':
			a->dry_run = true;
			break;
		case 't':
			a->type = optarg;
			break;
		case 'T':
		case 'B':
			a->reset = ch == 'T' ? TO_SEQUENCE : SHIFT_BY;
			a->reset_modes++;
			errno = 0;
			a->number = strtoll(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    (ch == 'T' && a->number < 0)) {
				complain("%s: %s: \"%s\" is not %s", c->name,
				    ch == 'T' ? "--to-sequence" : "--shift-by",
				    optarg, ch == 'T' ?
				    "a sequence number" : "a whole number");
				return bad_option(c, NULL);
			}
			break;
		case 'E':
			a->reset = TO_EARLIEST;
			a->reset_modes++;
			break;
		case 'F':
			a->reset = FROM_FILE;
			a->reset_modes++;
			a->file = optarg;
			break;
		case 'P':
			a->partitions = optarg;
			break;
		case 'W':
			a->reset = TO_TIME;
			a->reset_modes++;
			if (!parse_time(optarg, &a->time_ms)) {
				complain("%s: --to-time: \"%s\" is not a time "
				    "in UTC as YYYY-MM-DDTHH:MM:SS[.mmm]Z",
				    c->name, optarg);
				return bad_option(c, NULL);
			}
			break;
		case 'N':
			if (!parse_partition(optarg, &a->partition)) {
				complain("%s: --partition: \"%s\" is not a "
				    "partition", c->name, optarg);
				return bad_option(c, NULL);
			}
			break;
		case 'x':
			a->execute = true;
			break;
		case ':':
			complain("%s: %s needs a value", c->name,
			    argv[optind - 1]);
			return bad_option(c, NULL);
		default:
			complain("%s: unknown option %s", c->name,
			    argv[optind - 1]);
			return bad_option(c, argv[optind - 1]);
		}
	for (r = c->required; *r != '\0'; r++)
		if ((*r == 'p' && a->project == NULL) ||
		    (*r == 'a' && a->app == NULL) ||
		    (*r == 's' && a->stream == NULL)) {
			complain("%s: -%c is required", c->name, *r);
			return bad_option(c, NULL);
		} else if (*r == 'm' && a->reset_modes != 1) {
			complain("%s: give one of --to-sequence, --shift-by, "
			    "--to-earliest, --from-file, --to-time", c->name);
			return bad_option(c, NULL);
		}
	if (a->reset == FROM_FILE && a->partitions != NULL) {
		complain("%s: --from-file names its partitions; no "
		    "--partitions with it", c->name);
		return bad_option(c, NULL);
	}
	if (a->type == NULL)
		a->type = "LAST_READ";
	if (a->app != NULL && a->project == NULL) {
		complain("%s: -a app needs -p project", c->name);
		return bad_option(c, NULL);
	}
	if (argc - optind != c->operands) {
		complain("%s: %s", c->name, argc - optind < c->operands ?
		    "an operand is missing" : "too many operands");
		return bad_option(c, NULL);
	}
	if (c->operands > 0)
		a->file = argv[optind];
	return EXIT_DONE;
}

/* The settings as the service reads them, then -d. */
static int
load_config(struct dis_config *cfg, const char *config_flag,
    const char *database)
{
	char	 err[512], *path;

	if (conf_init(cfg) == -1)
		return EXIT_ERROR;
	path = conf_find_file(config_flag);
	if ((path != NULL && conf_load_file(cfg, path, err, sizeof(err)) == -1) ||
	    conf_load_env(cfg, err, sizeof(err)) == -1 ||
	    (database != NULL &&
	    conf_set(cfg, "database", database, err, sizeof(err)) == -1)) {
		free(path);
		conf_free(cfg);
		complain("%s", err);
		return EXIT_ERROR;
	}
	free(path);
	return EXIT_DONE;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "database", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command	*c;
	struct store_options	 so;
	struct dis_config	 cfg;
	struct store		*st;
	struct args		 a;
	const char		*config_flag = NULL, *database = NULL;
	int			 ch, rc;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:c:d:hV", longopts, NULL)) !=
	    -1)
		switch (ch) {
		case 'c':
			config_flag = optarg;
			break;
		case 'd':
			database = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_DONE;
		case 'V':
			printf("%s %s\n", PROG, PACKAGE_VERSION);
			return EXIT_DONE;
		default:
			complain("bad option %s", argv[optind - 1]);
			fprintf(stderr, "%s\n", global_usage);
			return EXIT_USAGE;
		}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((c = find_command(argv[optind])) == NULL)
		return EXIT_USAGE;
	memset(&a, 0, sizeof(a));
	a.partition = -1;
	if ((rc = parse_command(c, argc - optind, argv + optind, &a)) !=
	    EXIT_DONE)
		return rc;
	if ((rc = load_config(&cfg, config_flag, database)) != EXIT_DONE)
		return rc;
	store_describe(cfg.database, database_name, sizeof(database_name));
	/* An operator's typo in a path must not create an empty database;
	 * an import may fill a new one. */
	so = conf_store_options(&cfg, !c->creates);
	a.app_quota = cfg.app_quota;
	a.stream_limit = cfg.app_stream_limit;
	if ((st = store_open(&so)) == NULL) {
		complain("out of memory");
		conf_free(&cfg);
		return EXIT_ERROR;
	}
	rc = c->run(st, &a);
	store_close(st);
	conf_free(&cfg);
	return rc;
}
