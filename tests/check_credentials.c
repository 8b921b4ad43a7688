/*
 * check_credentials.c: the credentials file parser (what a line grants,
 * which lines are skipped and with which line number) and the store (a
 * change is read once it settles or on reload; a snapshot in use stays
 * whole; a missing or broken file never opens anything up).
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "credentials.h"

static int	 reported[64];
static char	 messages[64][128];
static size_t	 nreported;

static void
report(void *arg, int line, const char *msg)
{
	(void)arg;
	ck_assert_uint_lt(nreported, 64);
	reported[nreported] = line;
	snprintf(messages[nreported], sizeof(messages[0]), "%s", msg);
	nreported++;
}

static struct cred_set *
parse(const char *text)
{
	FILE		*f = fmemopen((void *)text, strlen(text), "r");
	struct cred_set	*set;

	ck_assert_ptr_nonnull(f);
	nreported = 0;
	set = cred_parse(f, report, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(set);
	return set;
}

START_TEST(test_good_lines)
{
	struct cred_set		*set = parse(
	    "# comment\n"
	    "\n"
	    "   \t\n"
	    "token t0ken-one p1\n"
	    "  token\tt0ken-two   p1,p_2,P-3  \n"
	    "aksk AK1 s/k+1= *\r\n"
	    "aksk AK2 sk2 p2\n");
	const struct cred	*c;

	ck_assert_uint_eq(nreported, 0);
	ck_assert_uint_eq(cred_count(set), 4);
	c = cred_find_token(set, "t0ken-one");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->line, 4);
	ck_assert(cred_allows(c, "p1"));
	ck_assert(!cred_allows(c, "p2"));
	c = cred_find_token(set, "t0ken-two");
	ck_assert_ptr_nonnull(c);
	ck_assert(cred_allows(c, "p_2") && cred_allows(c, "P-3"));
	ck_assert(!cred_allows(c, "p-3"));
	c = cred_find_ak(set, "AK1");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->secret, "s/k+1=");
	ck_assert(cred_allows(c, "anything"));
	c = cred_find_ak(set, "AK2");
	ck_assert_ptr_nonnull(c);
	ck_assert(cred_allows(c, "p2") && !cred_allows(c, "p1"));
	/* Kinds do not mix: an AK is not a token, a token not an AK. */
	ck_assert_ptr_null(cred_find_token(set, "AK1"));
	ck_assert_ptr_null(cred_find_token(set, "s/k+1="));
	ck_assert_ptr_null(cred_find_ak(set, "t0ken-one"));
	ck_assert_ptr_null(cred_find_token(set, "t0ken-on"));
	ck_assert_ptr_null(cred_find_token(set, ""));
	cred_release(set);
}
END_TEST

START_TEST(test_bad_lines)
{
	struct cred_set	*set = parse(
	    "token good1 p1\n"			/* 1 */
	    "token onlytoken\n"			/* 2: no projects */
	    "token bad1 p1 p2\n"		/* 3: a space in the list */
	    "token bad2 p1,,p2\n"		/* 4: empty project */
	    "token bad3 p1,bad/project\n"	/* 5: not a project id */
	    "aksk AKBAD skbad\n"		/* 6: no projects */
	    "aksk AK/BAD skbad p1\n"		/* 7: '/' in the AK */
	    "tokn bad4 p1\n"			/* 8: unknown kind */
	    "token good1 *\n"			/* 9: duplicate token */
	    "aksk AKOK skok p1\n"		/* 10 */
	    "aksk AKOK zzsecret *\n"		/* 11: duplicate AK */
	    "token bad5 *,p1\n"			/* 12: '*' in a list */
	    "token bad\x01 p1\n"		/* 13: control byte */
	    "# token commented p1\n"		/* 14 */
	    "token good2 p2\n");		/* 15 */
	static const int	 want[] = { 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13 };
	size_t			 i;

	ck_assert_uint_eq(nreported, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < nreported; i++) {
		ck_assert_int_eq(reported[i], want[i]);
		/* Messages never quote the line: it holds secrets. */
		ck_assert_ptr_null(strstr(messages[i], "bad"));
		ck_assert_ptr_null(strstr(messages[i], "BAD"));
		ck_assert_ptr_null(strstr(messages[i], "good"));
		ck_assert_ptr_null(strstr(messages[i], "zzsecret"));
	}
	ck_assert_uint_eq(cred_count(set), 3);
	/* A skipped line grants nothing, not even in part. */
	ck_assert_ptr_null(cred_find_token(set, "bad1"));
	ck_assert_ptr_null(cred_find_token(set, "bad2"));
	ck_assert_ptr_null(cred_find_token(set, "bad3"));
	ck_assert_ptr_null(cred_find_token(set, "bad5"));
	ck_assert_ptr_null(cred_find_token(set, "commented"));
	ck_assert_ptr_null(cred_find_ak(set, "AKBAD"));
	/* The first of two lines for the same credential stays. */
	ck_assert(!cred_allows(cred_find_token(set, "good1"), "p2"));
	ck_assert_str_eq(cred_find_ak(set, "AKOK")->secret, "skok");
	ck_assert_ptr_nonnull(cred_find_token(set, "good2"));
	cred_release(set);
}
END_TEST

START_TEST(test_long_line)
{
	char		*text = malloc(20000);
	struct cred_set	*set;

	strcpy(text, "token ");
	memset(text + 6, 'a', 9000);
	strcpy(text + 9006, " p1\ntoken short p1\n");
	set = parse(text);
	ck_assert_uint_eq(nreported, 1);
	ck_assert_int_eq(reported[0], 1);
	ck_assert_uint_eq(cred_count(set), 1);
	cred_release(set);
	free(text);
}
END_TEST

static char	 dir[4096];
static char	 file[4200];

static void
store_setup(void)
{
	const char	*tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/check-credentials.XXXXXX",
	    tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/credentials", dir);
}

static void
store_teardown(void)
{
	unlink(file);
	rmdir(dir);
}

/* Writes text to the file, with its mtime set back by age seconds. */
static void
write_file(const char *text, int age)
{
	struct timespec	 times[2];
	FILE		*f = fopen(file, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
	chmod(file, 0600);
	clock_gettime(CLOCK_REALTIME, &times[0]);
	times[0].tv_sec -= age;
	times[1] = times[0];
	ck_assert_int_eq(utimensat(AT_FDCWD, file, times, 0), 0);
}

/* What the store hands out, after its once-a-second look. */
static struct cred_set *
acquire_after_look(struct cred_store *s)
{
	struct cred_set	*set;

	usleep(1100000);
	set = cred_store_acquire(s);
	return set;
}

START_TEST(test_store_reload)
{
	struct cred_store	*s;
	struct cred_set		*first, *set;

	write_file("token one p1\n", 10);
	s = cred_store_open(file);
	ck_assert_ptr_nonnull(s);
	first = cred_store_acquire(s);
	ck_assert_ptr_nonnull(cred_find_token(first, "one"));

	/* A settled change is read at the next look. */
	write_file("token two p1\n", 10);
	set = acquire_after_look(s);
	ck_assert_ptr_null(cred_find_token(set, "one"));
	ck_assert_ptr_nonnull(cred_find_token(set, "two"));
	cred_release(set);
	/* The snapshot taken before is whole and unchanged. */
	ck_assert_ptr_nonnull(cred_find_token(first, "one"));
	ck_assert_uint_eq(cred_count(first), 1);
	cred_release(first);

	/*
	 * A change still being written waits until it has settled: here the
	 * mtime is in the future, so only an unchanged second look reads it.
	 */
	write_file("token three p1\n", -5);
	set = acquire_after_look(s);
	ck_assert_ptr_nonnull(cred_find_token(set, "two"));
	cred_release(set);
	set = acquire_after_look(s);
	ck_assert_ptr_nonnull(cred_find_token(set, "three"));
	cred_release(set);
	/* ...unless the operator asks for it (SIGHUP). */
	write_file("token four p1\n", 0);
	cred_store_reload(s);
	set = cred_store_acquire(s);
	ck_assert_ptr_nonnull(cred_find_token(set, "four"));
	cred_release(set);

	/* A bad line is skipped, the rest applies. */
	write_file("token five p1\nnonsense\n", 0);
	cred_store_reload(s);
	set = cred_store_acquire(s);
	ck_assert_ptr_nonnull(cred_find_token(set, "five"));
	ck_assert_uint_eq(cred_count(set), 1);
	cred_release(set);

	/* The file gone: what was read stays in use. */
	ck_assert_int_eq(unlink(file), 0);
	cred_store_reload(s);
	set = acquire_after_look(s);
	ck_assert_ptr_nonnull(cred_find_token(set, "five"));
	cred_release(set);
	cred_store_close(s);
}
END_TEST

START_TEST(test_store_missing_file)
{
	struct cred_store	*s = cred_store_open(file);
	struct cred_set		*set;

	/* No file: the store works and grants nothing. */
	ck_assert_ptr_nonnull(s);
	set = cred_store_acquire(s);
	ck_assert_uint_eq(cred_count(set), 0);
	cred_release(set);
	/* Once it appears, it is read. */
	write_file("aksk AK sk p1\n", 10);
	set = acquire_after_look(s);
	ck_assert_ptr_nonnull(cred_find_ak(set, "AK"));
	cred_release(set);
	cred_store_close(s);
}
END_TEST

static Suite *
credentials_suite(void)
{
	Suite	*s = suite_create("credentials");
	TCase	*tc = tcase_create("parse");
	TCase	*ts = tcase_create("store");

	tcase_add_test(tc, test_good_lines);
	tcase_add_test(tc, test_bad_lines);
	tcase_add_test(tc, test_long_line);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(ts, store_setup, store_teardown);
	/* The store looks at the file once a second; the tests wait for it. */
	tcase_set_timeout(ts, 30);
	tcase_add_test(ts, test_store_reload);
	tcase_add_test(ts, test_store_missing_file);
	suite_add_tcase(s, ts);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(credentials_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
