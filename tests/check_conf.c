/*
 * check_conf.c: the settings. Defaults, conf_set for every key with good
 * and bad values (a bad value changes nothing and its error names the
 * key), the key = value file (comments, blank lines, spaces, and the line
 * number of a bad line), DIS_CHECKPOINT_* environment variables, and
 * the store's options made of the settings.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "conf.h"
#include "store.h"
#include "testutil.h"

/* A setting's current value as text, so one table can check them all. */
static void
value_text(const struct dis_config *c, const char *key, char *buf, size_t len)
{
	if (strcmp(key, "database") == 0)
		snprintf(buf, len, "%s", c->database);
	else if (strcmp(key, "base_path") == 0)
		snprintf(buf, len, "%s", c->base_path);
	else if (strcmp(key, "socket") == 0)
		snprintf(buf, len, "%s", c->socket ? c->socket : "(null)");
	else if (strcmp(key, "journal_mode") == 0)
		snprintf(buf, len, "%s", c->journal_mode);
	else if (strcmp(key, "synchronous") == 0)
		snprintf(buf, len, "%s", c->sync_full ? "full" : "normal");
	else if (strcmp(key, "body_limit") == 0)
		snprintf(buf, len, "%zu", c->body_limit);
	else if (strcmp(key, "app_quota") == 0)
		snprintf(buf, len, "%d", c->app_quota);
	else if (strcmp(key, "retry_after") == 0)
		snprintf(buf, len, "%d", c->retry_after);
	else if (strcmp(key, "busy_timeout") == 0)
		snprintf(buf, len, "%d", c->busy_timeout_ms);
	else if (strcmp(key, "threads") == 0)
		snprintf(buf, len, "%d", c->threads);
	else if (strcmp(key, "wal_autocheckpoint") == 0)
		snprintf(buf, len, "%d", c->wal_autocheckpoint);
	else if (strcmp(key, "group_commit") == 0)
		snprintf(buf, len, "%s", c->group_commit ? "on" : "off");
	else
		snprintf(buf, len, "(no such key)");
}

/* The defaults api.md and design.md settle (body cap, quota, ...). */
START_TEST(test_defaults)
{
	struct dis_config	 c;

	ck_assert_int_eq(conf_init(&c), 0);
	ck_assert_uint_eq(c.body_limit, 64 * 1024);
	ck_assert_int_eq(c.app_quota, 1000);
	ck_assert_int_eq(c.retry_after, 1);
	ck_assert(c.sync_full);
	ck_assert(c.group_commit);
	ck_assert_str_eq(c.journal_mode, "WAL");
	ck_assert_int_eq(c.wal_autocheckpoint, 4000);
	ck_assert_str_eq(c.base_path, "");
	ck_assert_ptr_null(c.socket);
	ck_assert_ptr_nonnull(c.database);
	ck_assert_uint_gt(strlen(c.database), 0);
	ck_assert_int_gt(c.busy_timeout_ms, 0);
	ck_assert_int_gt(c.threads, 0);
	conf_free(&c);
}
END_TEST

static const struct set_case {
	const char	*key;
	const char	*value;
	int		 rc;
	const char	*want;		/* value_text after; NULL: unchanged */
} set_cases[] = {
	{ "database", "/tmp/x.db", 0, "/tmp/x.db" },
	{ "database", "", 0, "" },
	{ "base_path", "/dis", 0, "/dis" },
	{ "socket", "/run/dis.sock", 0, "/run/dis.sock" },
	{ "journal_mode", "delete", 0, "delete" },
	{ "journal_mode", "WAL", 0, "WAL" },
	{ "journal_mode", "Truncate", 0, "Truncate" },
	{ "journal_mode", "persist", 0, "persist" },
	{ "journal_mode", "memory", -1, NULL },
	{ "journal_mode", "off", -1, NULL },
	{ "journal_mode", "", -1, NULL },
	{ "synchronous", "normal", 0, "normal" },
	{ "synchronous", "NORMAL", 0, "normal" },
	{ "synchronous", "full", 0, "full" },
	{ "synchronous", "off", -1, NULL },
	{ "synchronous", "extra", -1, NULL },
	{ "body_limit", "1", 0, "1" },
	{ "body_limit", "131072", 0, "131072" },
	{ "body_limit", "67108864", 0, "67108864" },
	{ "body_limit", "67108865", -1, NULL },
	{ "body_limit", "0", -1, NULL },
	{ "body_limit", "-1", -1, NULL },
	{ "body_limit", "1k", -1, NULL },
	{ "body_limit", " 5", -1, NULL },
	{ "body_limit", "5 ", -1, NULL },
	{ "body_limit", "", -1, NULL },
	{ "body_limit", "99999999999999999999", -1, NULL },
	{ "app_quota", "0", 0, "0" },
	{ "app_quota", "5", 0, "5" },
	{ "app_quota", "1000000000", 0, "1000000000" },
	{ "app_quota", "1000000001", -1, NULL },
	{ "app_quota", "many", -1, NULL },
	{ "app_quota", "+5", -1, NULL },
	{ "retry_after", "0", 0, "0" },
	{ "retry_after", "86400", 0, "86400" },
	{ "retry_after", "86401", -1, NULL },
	{ "busy_timeout", "1", 0, "1" },
	{ "busy_timeout", "600000", 0, "600000" },
	{ "busy_timeout", "0", -1, NULL },
	{ "busy_timeout", "600001", -1, NULL },
	{ "wal_autocheckpoint", "100", 0, "100" },
	{ "wal_autocheckpoint", "1000000", 0, "1000000" },
	{ "wal_autocheckpoint", "99", -1, NULL },
	{ "wal_autocheckpoint", "0", -1, NULL },
	{ "wal_autocheckpoint", "1000001", -1, NULL },
	{ "threads", "1", 0, "1" },
	{ "threads", "1024", 0, "1024" },
	{ "threads", "0", -1, NULL },
	{ "threads", "1025", -1, NULL },
	{ "group_commit", "off", 0, "off" },
	{ "group_commit", "no", 0, "off" },
	{ "group_commit", "false", 0, "off" },
	{ "group_commit", "0", 0, "off" },
	{ "group_commit", "OFF", 0, "off" },
	{ "group_commit", "on", 0, "on" },
	{ "group_commit", "yes", 0, "on" },
	{ "group_commit", "TRUE", 0, "on" },
	{ "group_commit", "1", 0, "on" },
	{ "group_commit", "maybe", -1, NULL },
	{ "group_commit", "", -1, NULL },
	{ "group_commit", "2", -1, NULL },
	/* Unknown keys, and keys in the wrong case. */
	{ "no_such_key", "1", -1, NULL },
	{ "Database", "/x", -1, NULL },
	{ "", "x", -1, NULL },
};

START_TEST(test_set)
{
	const struct set_case	*c = &set_cases[_i];
	struct dis_config	 conf;
	char			 before[256], after[256], err[256];
	int			 rc;

	ck_assert_int_eq(conf_init(&conf), 0);
	/* Start away from the default so "unchanged" is visible. */
	if (strcmp(c->key, "group_commit") == 0 && c->want != NULL &&
	    strcmp(c->want, "on") == 0)
		conf.group_commit = false;
	if (strcmp(c->key, "synchronous") == 0 && c->want != NULL &&
	    strcmp(c->want, "full") == 0)
		conf.sync_full = false;
	value_text(&conf, c->key, before, sizeof(before));
	strcpy(err, "untouched");
	rc = conf_set(&conf, c->key, c->value, err, sizeof(err));
	value_text(&conf, c->key, after, sizeof(after));
	ck_assert_msg(rc == c->rc, "%s = \"%s\": rc %d, want %d (%s)", c->key,
	    c->value, rc, c->rc, err);
	if (c->rc == 0) {
		ck_assert_msg(strcmp(after, c->want) == 0,
		    "%s = \"%s\": got %s, want %s", c->key, c->value, after,
		    c->want);
		if (strcmp(before, c->want) != 0)
			ck_assert_str_ne(before, after);
	} else {
		ck_assert_msg(strcmp(before, after) == 0,
		    "%s = \"%s\": a refused value changed it to %s", c->key,
		    c->value, after);
		/* The error names the key at fault, and a bad value. */
		ck_assert_msg(*c->key == '\0' || strstr(err, c->key) != NULL,
		    "error \"%s\" does not name %s", err, c->key);
		if (*c->value != '\0' && strstr(err, "unknown") == NULL)
			ck_assert_msg(strstr(err, c->value) != NULL,
			    "error \"%s\" does not show \"%s\"", err, c->value);
	}
	conf_free(&conf);
}
END_TEST

/* A wrong word is answered with the words the key takes. */
START_TEST(test_word_errors)
{
	static const struct {
		const char	*key;
		const char	*error;
	} cases[] = {
		{ "group_commit", "group_commit: \"x\" is not on or off" },
		{ "synchronous", "synchronous: \"x\" is not full or normal" },
		{ "log", "log: \"x\" is not auto, stderr or fastcgi" },
		{ "journal_mode", "journal_mode: \"x\" is not wal, delete, "
		    "truncate or persist" },
		{ "auth", "auth: \"x\" is not none, token, aksk or any" },
	};
	struct dis_config	 c;
	char			 err[256];
	size_t			 i;

	ck_assert_int_eq(conf_init(&c), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(conf_set(&c, cases[i].key, "x", err,
		    sizeof(err)), -1);
		ck_assert_str_eq(err, cases[i].error);
	}
	conf_free(&c);
}
END_TEST

/* Each auth word, in any case, sets its mode, which names it back. */
START_TEST(test_auth_words)
{
	static const struct {
		const char	*word;
		enum auth_mode	 mode;
	} words[] = {
		{ "none", AUTH_NONE }, { "token", AUTH_TOKEN },
		{ "aksk", AUTH_AKSK }, { "any", AUTH_ANY }, { "AkSk", AUTH_AKSK },
	};
	struct dis_config	 c;
	char			 err[256], lower[16];
	size_t			 i, j;

	ck_assert_int_eq(conf_init(&c), 0);
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		ck_assert_int_eq(conf_set(&c, "auth", words[i].word, err,
		    sizeof(err)), 0);
		ck_assert_int_eq(c.auth, words[i].mode);
		for (j = 0; words[i].word[j] != '\0'; j++)
			lower[j] = (char)tolower((unsigned char)words[i].word[j]);
		lower[j] = '\0';
		ck_assert_str_eq(conf_auth_name(c.auth), lower);
	}
	conf_free(&c);
}
END_TEST

/* Setting a string twice keeps the last and leaks nothing. */
START_TEST(test_set_twice)
{
	struct dis_config	 c;
	char			 err[128];

	ck_assert_int_eq(conf_init(&c), 0);
	ck_assert_int_eq(conf_set(&c, "socket", "/a", err, sizeof(err)), 0);
	ck_assert_int_eq(conf_set(&c, "socket", "/b", err, sizeof(err)), 0);
	ck_assert_str_eq(c.socket, "/b");
	conf_free(&c);
	ck_assert_ptr_null(c.socket);
}
END_TEST

/* ---- files ------------------------------------------------------------------- */

static char	*dir;

static void
setup(void)
{
	dir = tmpdir_create();
}

static void
teardown(void)
{
	tmpdir_remove(dir);
}

static char *
write_file(const char *name, const char *text)
{
	char	*path = path_join(dir, name);
	FILE	*f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

START_TEST(test_file)
{
	struct dis_config	 c;
	char			 err[256];
	char			*path;

	path = write_file("good.conf",
	    "# dis-checkpoint settings\n"
	    "\n"
	    "database = /var/tmp/d.db\n"
	    "   # an indented comment\n"
	    "\t\n"
	    "app_quota=7\n"
	    "  base_path   =   /dis  \n"
	    "synchronous = normal\r\n"
	    "group_commit = off\n"
	    "body_limit = 1024");		/* no final newline */
	ck_assert_int_eq(conf_init(&c), 0);
	ck_assert_msg(conf_load_file(&c, path, err, sizeof(err)) == 0, "%s",
	    err);
	ck_assert_str_eq(c.database, "/var/tmp/d.db");
	ck_assert_int_eq(c.app_quota, 7);
	ck_assert_str_eq(c.base_path, "/dis");
	ck_assert(!c.sync_full);
	ck_assert(!c.group_commit);
	ck_assert_uint_eq(c.body_limit, 1024);
	/* Keys the file does not name keep their defaults. */
	ck_assert_int_eq(c.retry_after, 1);
	conf_free(&c);
	free(path);
}
END_TEST

/* A bad line is reported as path:line: and stops the load. */
static const struct bad_file_case {
	const char	*text;
	const char	*where;		/* ":N:" */
	const char	*mentions;	/* also in the error */
} bad_files[] = {
	{ "# ok\napp_quota = 5\nthis line has no equals\n", ":3:",
	    "key = value" },
	{ "\n\n\n\napp_quota = lots\n", ":5:", "app_quota" },
	{ "app_quota = 5\nunknown_key = 1\n", ":2:", "unknown_key" },
	{ "threads = 0\n", ":1:", "threads" },
	{ "# c\n# c\n= value\n", ":3:", "" },
	{ "synchronous = sometimes\napp_quota = 9\n", ":1:", "synchronous" },
};

START_TEST(test_file_bad_line)
{
	const struct bad_file_case	*c = &bad_files[_i];
	struct dis_config		 conf;
	char				 err[256], *path;

	path = write_file("bad.conf", c->text);
	ck_assert_int_eq(conf_init(&conf), 0);
	strcpy(err, "untouched");
	ck_assert_int_eq(conf_load_file(&conf, path, err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0,
	    "error \"%s\" does not start with the path", err);
	ck_assert_msg(strstr(err, c->where) != NULL,
	    "error \"%s\" does not give line %s", err, c->where);
	ck_assert_msg(strstr(err, c->mentions) != NULL,
	    "error \"%s\" does not mention \"%s\"", err, c->mentions);
	conf_free(&conf);
	free(path);
}
END_TEST

/* Loading stops at the first bad line: later lines are not applied. */
START_TEST(test_file_stops)
{
	struct dis_config	 c;
	char			 err[256], *path;

	path = write_file("stop.conf", "app_quota = 3\nthreads = 0\n"
	    "retry_after = 9\n");
	ck_assert_int_eq(conf_init(&c), 0);
	ck_assert_int_eq(conf_load_file(&c, path, err, sizeof(err)), -1);
	ck_assert_int_eq(c.app_quota, 3);
	ck_assert_int_eq(c.retry_after, 1);
	conf_free(&c);
	free(path);
}
END_TEST

START_TEST(test_file_missing)
{
	struct dis_config	 c;
	char			 err[256], *path = path_join(dir, "none.conf");

	ck_assert_int_eq(conf_init(&c), 0);
	ck_assert_int_eq(conf_load_file(&c, path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, path) != NULL, "error \"%s\" has no path",
	    err);
	conf_free(&c);
	free(path);
}
END_TEST

/* ---- environment ------------------------------------------------------------- */

/* Check forks per test, but unset anyway so CK_FORK=no runs stay clean. */
static void
unset_all(void)
{
	static const char *const names[] = {
		"DIS_CHECKPOINT_DATABASE", "DIS_CHECKPOINT_APP_QUOTA",
		"DIS_CHECKPOINT_BASE_PATH", "DIS_CHECKPOINT_THREADS",
		"DIS_CHECKPOINT_GROUP_COMMIT", "DIS_CHECKPOINT_BODY_LIMIT",
	};
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unsetenv(names[i]);
}

START_TEST(test_env)
{
	struct dis_config	 c;
	char			 err[256];

	unset_all();
	setenv("DIS_CHECKPOINT_DATABASE", "/srv/env.db", 1);
	setenv("DIS_CHECKPOINT_APP_QUOTA", "12", 1);
	setenv("DIS_CHECKPOINT_BASE_PATH", "/api", 1);
	setenv("DIS_CHECKPOINT_GROUP_COMMIT", "no", 1);
	setenv("DIS_CHECKPOINT_BODY_LIMIT", "2048", 1);
	ck_assert_int_eq(conf_init(&c), 0);
	ck_assert_msg(conf_load_env(&c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c.database, "/srv/env.db");
	ck_assert_int_eq(c.app_quota, 12);
	ck_assert_str_eq(c.base_path, "/api");
	ck_assert(!c.group_commit);
	ck_assert_uint_eq(c.body_limit, 2048);
	ck_assert_int_eq(c.threads, 16);
	conf_free(&c);
	unset_all();
}
END_TEST

/* The environment overrides the file it is loaded after. */
START_TEST(test_env_over_file)
{
	struct dis_config	 c;
	char			 err[256], *path;

	unset_all();
	path = write_file("base.conf", "app_quota = 3\nthreads = 2\n");
	setenv("DIS_CHECKPOINT_APP_QUOTA", "4", 1);
	ck_assert_int_eq(conf_init(&c), 0);
	ck_assert_int_eq(conf_load_file(&c, path, err, sizeof(err)), 0);
	ck_assert_int_eq(conf_load_env(&c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.app_quota, 4);
	ck_assert_int_eq(c.threads, 2);
	conf_free(&c);
	free(path);
	unset_all();
}
END_TEST

START_TEST(test_env_bad)
{
	struct dis_config	 c;
	char			 err[256];

	unset_all();
	setenv("DIS_CHECKPOINT_THREADS", "none", 1);
	ck_assert_int_eq(conf_init(&c), 0);
	ck_assert_int_eq(conf_load_env(&c, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "DIS_CHECKPOINT_THREADS") != NULL,
	    "error \"%s\" does not name the variable", err);
	ck_assert_int_eq(c.threads, 16);
	conf_free(&c);
	unset_all();
}
END_TEST

/* Variables that are not settings are ignored, as are unset ones. */
START_TEST(test_env_none)
{
	struct dis_config	 c;
	char			 err[256];

	unset_all();
	setenv("DIS_CHECKPOINT_NOT_A_KEY", "x", 1);
	ck_assert_int_eq(conf_init(&c), 0);
	ck_assert_int_eq(conf_load_env(&c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.app_quota, 1000);
	conf_free(&c);
	unsetenv("DIS_CHECKPOINT_NOT_A_KEY");
}
END_TEST

/* Every store setting reaches store_options, the strings uncopied. */
START_TEST(test_store_options)
{
	static const char *const settings[][2] = {
		{ "database", "/srv/ckpt.db" }, { "synchronous", "normal" },
		{ "journal_mode", "delete" }, { "wal_autocheckpoint", "250" },
		{ "busy_timeout", "1234" }, { "history", "7" }
	};
	struct dis_config	 c;
	struct store_options	 o;
	char			 err[256];
	size_t			 i;

	ck_assert_int_eq(conf_init(&c), 0);
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		ck_assert_msg(conf_set(&c, settings[i][0], settings[i][1], err,
		    sizeof(err)) == 0, "%s: %s", settings[i][0], err);
	o = conf_store_options(&c, true);
	ck_assert_ptr_eq(o.path, c.database);
	ck_assert_str_eq(o.path, "/srv/ckpt.db");
	ck_assert(!o.sync_full);
	ck_assert_ptr_eq(o.journal_mode, c.journal_mode);
	ck_assert_int_eq(o.wal_autocheckpoint, 250);
	ck_assert_int_eq(o.busy_timeout_ms, 1234);
	ck_assert_int_eq(o.history, 7);
	ck_assert(o.must_exist);
	ck_assert(!conf_store_options(&c, false).must_exist);
	conf_free(&c);
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite	*s = suite_create("conf");
	TCase	*tc;

	tc = tcase_create("set");
	tcase_add_test(tc, test_defaults);
	tcase_add_loop_test(tc, test_set, 0,
	    (int)(sizeof(set_cases) / sizeof(set_cases[0])));
	tcase_add_test(tc, test_set_twice);
	tcase_add_test(tc, test_word_errors);
	tcase_add_test(tc, test_auth_words);
	tcase_add_test(tc, test_store_options);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_file);
	tcase_add_loop_test(tc, test_file_bad_line, 0,
	    (int)(sizeof(bad_files) / sizeof(bad_files[0])));
	tcase_add_test(tc, test_file_stops);
	tcase_add_test(tc, test_file_missing);
	tcase_add_test(tc, test_env_over_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("env");
	tcase_add_test(tc, test_env);
	tcase_add_test(tc, test_env_bad);
	tcase_add_test(tc, test_env_none);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(conf_suite());
}
