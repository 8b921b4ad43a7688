/*
 * check_store_connect.c: connections that reach a new database at the same
 * moment, as a service's threads and its writer do when the directory of
 * its database appears (api-fcgi.sh "database missing"), or two processes'
 * first requests: every one of them must connect. Switching a new, empty
 * file to WAL takes the write lock from inside a read, so SQLite answers
 * SQLITE_BUSY at once, past the busy handler, to all but one of them.
 *
 * Each round opens the stores while the directory is missing, creates it,
 * and lets every thread check the database at once from a barrier.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <check.h>

#include "store.h"
#include "testutil.h"

#define THREADS	6
#define ROUNDS	40

struct racer {
	struct store		*store;
	pthread_barrier_t	*start;
	enum dis_err		 result;
};

static void *
race(void *arg)
{
	struct racer	*r = arg;

	pthread_barrier_wait(r->start);
	r->result = store_check_writable(r->store);
	return NULL;
}

START_TEST(test_new_database_at_once)
{
	struct store_options	 o;
	struct racer		 racers[THREADS];
	pthread_t		 threads[THREADS];
	pthread_barrier_t	 start;
	char			*dir, *sub, *path;
	int			 round, i, failed = 0;

	memset(&o, 0, sizeof(o));
	o.sync_full = false;
	o.journal_mode = "WAL";
	o.busy_timeout_ms = 2000;
	for (round = 0; round < ROUNDS; round++) {
		dir = tmpdir_create();
		sub = path_join(dir, "later");
		path = path_join(sub, "store.db");
		o.path = path;
		for (i = 0; i < THREADS; i++) {
			racers[i].store = store_open(&o);
			ck_assert_ptr_nonnull(racers[i].store);
			ck_assert_int_eq(store_check_writable(racers[i].store),
			    DIS_ERR_UNAVAILABLE);
		}
		ck_assert_int_eq(mkdir(sub, 0700), 0);
		pthread_barrier_init(&start, NULL, THREADS);
		for (i = 0; i < THREADS; i++) {
			racers[i].start = &start;
			ck_assert_int_eq(pthread_create(&threads[i], NULL, race,
			    &racers[i]), 0);
		}
		for (i = 0; i < THREADS; i++) {
			pthread_join(threads[i], NULL);
			failed += racers[i].result != DIS_OK;
			store_close(racers[i].store);
		}
		pthread_barrier_destroy(&start);
		free(path);
		free(sub);
		tmpdir_remove(dir);
	}
	ck_assert_msg(failed == 0, "%d of %d connections to a new database "
	    "failed", failed, ROUNDS * THREADS);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("store_connect");
	TCase	*tc = tcase_create("new database");

	tcase_add_test(tc, test_new_database_at_once);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
