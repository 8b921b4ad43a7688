/*
 * check_writer.c: the group-commit writer on a real SQLite file in a temp
 * directory: many threads submitting at once (every done called once, each
 * thread's order per key kept), done running only once its write can be
 * read from another connection, one failing write in a batch failing alone,
 * writer_stop committing what is still queued, and submitters blocking when
 * the disk stalls and the queue is full.
 *
 * Done functions run on the writer thread, where a failed assertion cannot
 * end the test: they only record what they saw, and the test thread asserts
 * on it once the writer has stopped (or through atomics while it runs).
 *
 * The store and the writer are opened in the forked child (checked fixture,
 * test body): neither an SQLite connection nor a thread crosses a fork.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <sqlite3.h>

#include "store.h"
#include "testutil.h"
#include "writer.h"

#define PROJECT		"proj"
#define APP		"app"

static char		*dir;
static char		*dbpath;
/*
 * A second connection, the test's own. While a writer runs it is used
 * only by done functions (on the writer thread); the test thread uses it
 * before writer_start and after writer_stop.
 */
static struct store	*reader;
static atomic_int	 ndone_total;

/* Holds the writer thread inside a done function until opened. */
struct gate {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	bool		 entered;
	bool		 open;
};

/* One submitted write and what its done function saw. */
struct job {
	struct writer_entry	 entry;
	struct write_op		 op;
	char			 metadata[32];
	atomic_int		 ndone;
	/* Read op.key back through the reader in done. */
	bool			 check;
	enum dis_err		 seen_err;
	long long		 seen_seq;
	/* Also read this key in done. */
	const struct checkpoint_key *peek;
	enum dis_err		 peek_err;
	long long		 peek_seq;
	struct gate		*gate;
	/* test_many_threads: who submitted it, and which key it writes. */
	bool			 track;
	int			 thread;
	int			 keyidx;
};

static struct store_options
options(int busy_timeout_ms)
{
	struct store_options	 o;

	memset(&o, 0, sizeof(o));
	o.path = dbpath;
	o.sync_full = false;	/* fsync is not under test; ordering is */
	o.journal_mode = "WAL";
	o.busy_timeout_ms = busy_timeout_ms;
	return o;
}

static void
setup(void)
{
	struct store_options	 o;
	struct write_op		 op, *p = &op;

	dir = tmpdir_create();
	dbpath = path_join(dir, "writer.db");
	o = options(5000);
	reader = store_open(&o);
	ck_assert_ptr_nonnull(reader);
	memset(&op, 0, sizeof(op));
	op.kind = WRITE_CREATE_APP;
	op.key.project = PROJECT;
	op.key.app = APP;
	op.app_id = "app-id-1";
	op.create_time = 1700000000000LL;
	op.app_quota = 10;
	ck_assert_int_eq(store_apply(reader, &p, 1), DIS_OK);
	ck_assert_int_eq(op.result, DIS_OK);
	atomic_store(&ndone_total, 0);
}

static void
teardown(void)
{
	store_close(reader);
	reader = NULL;
	free(dbpath);
	tmpdir_remove(dir);
}

static struct writer *
start_writer(int busy_timeout_ms)
{
	struct store_options	 o = options(busy_timeout_ms);
	struct writer		*w = writer_start(&o);

	ck_assert_ptr_nonnull(w);
	return w;
}

static void
sleep_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1)
		continue;
}

/* ---- gate ---------------------------------------------------------------- */

static void
gate_init(struct gate *g)
{
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	g->entered = g->open = false;
}

static void
gate_destroy(struct gate *g)
{
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
}

/* In a done function: says so, then waits for gate_open. */
static void
gate_pass(struct gate *g)
{
	pthread_mutex_lock(&g->lock);
	g->entered = true;
	pthread_cond_broadcast(&g->cond);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

static void
gate_wait_entered(struct gate *g)
{
	pthread_mutex_lock(&g->lock);
	while (!g->entered)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

static void
gate_open(struct gate *g)
{
	pthread_mutex_lock(&g->lock);
	g->open = true;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

/* ---- jobs ---------------------------------------------------------------- */

/* test_many_threads: keys are (stream, partition); stream 0 is shared. */
#define NTHREADS	4
#define NPER_THREAD	300
#define NPART		5
#define NKEYS		((1 + NTHREADS) * NPART)

/* Touched by done functions only, so by the writer thread alone. */
static long long	 last_done_seq[NKEYS];
static long long	 last_seq_of[NTHREADS][NKEYS];
static int		 order_errors;

static void
job_done(void *arg)
{
	struct job	*j = arg;
	char		*meta;

	if (j->check) {
		j->seen_err = store_get_checkpoint(reader, &j->op.key,
		    &j->seen_seq, &meta);
		free(meta);
	}
	if (j->peek != NULL) {
		j->peek_err = store_get_checkpoint(reader, j->peek,
		    &j->peek_seq, &meta);
		free(meta);
	}
	if (j->track) {
		if (j->op.sequence <= last_seq_of[j->thread][j->keyidx])
			order_errors++;
		last_seq_of[j->thread][j->keyidx] = j->op.sequence;
		last_done_seq[j->keyidx] = j->op.sequence;
	}
	if (j->gate != NULL)
		gate_pass(j->gate);
	atomic_fetch_add(&j->ndone, 1);
	atomic_fetch_add(&ndone_total, 1);
}

static void
job_init(struct job *j, const char *app, const char *stream,
    long long partition, long long sequence)
{
	memset(j, 0, sizeof(*j));
	snprintf(j->metadata, sizeof(j->metadata), "m%lld", sequence);
	j->op.kind = WRITE_COMMIT_CHECKPOINT;
	j->op.key.project = PROJECT;
	j->op.key.app = app;
	j->op.key.stream = stream;
	j->op.key.type = "LAST_READ";
	j->op.key.partition = partition;
	j->op.sequence = sequence;
	j->op.metadata = j->metadata;
	j->op.result = DIS_ERR_INTERNAL;	/* must be overwritten */
	j->seen_err = j->peek_err = DIS_ERR_INTERNAL;
	j->seen_seq = j->peek_seq = -2;
	atomic_init(&j->ndone, 0);
	j->entry.op = &j->op;
	j->entry.done = job_done;
	j->entry.arg = j;
}

/* The checkpoint as the test's own connection reads it now. */
static long long
stored(const char *app, const char *stream, long long partition,
    enum dis_err want_err, const char *want_meta)
{
	struct checkpoint_key	 key = { PROJECT, app, stream, "LAST_READ",
	    partition };
	long long		 seq;
	char			*meta;

	ck_assert_int_eq(store_get_checkpoint(reader, &key, &seq, &meta),
	    want_err);
	if (want_meta != NULL) {
		ck_assert_ptr_nonnull(meta);
		ck_assert_str_eq(meta, want_meta);
	}
	free(meta);
	return seq;
}

/* How many done calls so far, in all, and for one job. */
static int
done_total(void)
{
	return atomic_load(&ndone_total);
}

static int
done_count(struct job *j)
{
	return atomic_load(&j->ndone);
}

static void
assert_done_ok(struct job *j)
{
	ck_assert_int_eq(done_count(j), 1);
	ck_assert_int_eq(j->op.result, DIS_OK);
}

/* ---- many threads -------------------------------------------------------- */

struct worker {
	struct writer		*w;
	struct job		*jobs;
	char			 stream[16];
	pthread_barrier_t	*start;
};

/* Odd writes go to the shared stream, even ones to the thread's own. */
static bool
to_shared(int i)
{
	return i % 2 == 1;
}

static long long
partition_of(int i)
{
	return (i / 2) % NPART;
}

/* Increasing within a thread, and naming the thread. */
static long long
sequence_of(int t, int i)
{
	return (long long)t * 100000 + i + 1;
}

static void *
worker_main(void *arg)
{
	struct worker	*wk = arg;
	int		 i;

	pthread_barrier_wait(wk->start);
	for (i = 0; i < NPER_THREAD; i++)
		writer_submit(wk->w, &wk->jobs[i].entry);
	return NULL;
}

/*
 * The last i (or -1) at which a thread writes partition p of the shared
 * stream, or of its own.
 */
static int
last_write(bool shared, long long p)
{
	int	 i;

	for (i = NPER_THREAD - 1; i >= 0; i--)
		if (to_shared(i) == shared && partition_of(i) == p)
			return i;
	return -1;
}

START_TEST(test_many_threads)
{
	struct writer		*w = start_writer(5000);
	struct worker		 wk[NTHREADS];
	pthread_t		 th[NTHREADS];
	pthread_barrier_t	 start;
	char			 meta[32];
	long long		 seq, p;
	int			 t, i, k, own, shared, winner;

	for (k = 0; k < NKEYS; k++) {
		last_done_seq[k] = -1;
		for (t = 0; t < NTHREADS; t++)
			last_seq_of[t][k] = -1;
	}
	order_errors = 0;
	pthread_barrier_init(&start, NULL, NTHREADS);
	for (t = 0; t < NTHREADS; t++) {
		wk[t].w = w;
		wk[t].start = &start;
		snprintf(wk[t].stream, sizeof(wk[t].stream), "own-%d", t);
		wk[t].jobs = calloc(NPER_THREAD, sizeof(struct job));
		ck_assert_ptr_nonnull(wk[t].jobs);
		for (i = 0; i < NPER_THREAD; i++) {
			struct job	*j = &wk[t].jobs[i];
			int		 s = to_shared(i) ? 0 : 1 + t;

			job_init(j, APP, s == 0 ? "shared" : wk[t].stream,
			    partition_of(i), sequence_of(t, i));
			j->track = true;
			j->thread = t;
			j->keyidx = s * NPART + (int)partition_of(i);
		}
	}
	for (t = 0; t < NTHREADS; t++)
		ck_assert_int_eq(pthread_create(&th[t], NULL, worker_main,
		    &wk[t]), 0);
	for (t = 0; t < NTHREADS; t++)
		pthread_join(th[t], NULL);
	writer_stop(w);
	pthread_barrier_destroy(&start);

	ck_assert_int_eq(done_total(), NTHREADS * NPER_THREAD);
	for (t = 0; t < NTHREADS; t++)
		for (i = 0; i < NPER_THREAD; i++)
			assert_done_ok(&wk[t].jobs[i]);
	/* Done functions ran in each thread's order of submission. */
	ck_assert_int_eq(order_errors, 0);

	for (p = 0; p < NPART; p++) {
		/* A thread's own stream: its last write to each partition. */
		own = last_write(false, p);
		ck_assert_int_ge(own, 0);
		for (t = 0; t < NTHREADS; t++) {
			snprintf(meta, sizeof(meta), "m%lld",
			    sequence_of(t, own));
			seq = stored(APP, wk[t].stream, p, DIS_OK, meta);
			ck_assert_int_eq(seq, sequence_of(t, own));
			ck_assert_int_eq(last_done_seq[(1 + t) * NPART + p],
			    seq);
		}
		/*
		 * The shared stream: the last write of one of the threads,
		 * the one whose done came last, as the queue is one order.
		 */
		shared = last_write(true, p);
		ck_assert_int_ge(shared, 0);
		seq = stored(APP, "shared", p, DIS_OK, NULL);
		winner = (int)(seq / 100000);
		ck_assert_int_ge(winner, 0);
		ck_assert_int_lt(winner, NTHREADS);
		ck_assert_int_eq(seq, sequence_of(winner, shared));
		ck_assert_int_eq(last_done_seq[p], seq);
	}
	for (t = 0; t < NTHREADS; t++)
		free(wk[t].jobs);
}
END_TEST

/* ---- done after commit --------------------------------------------------- */

#define NVISIBLE	200

/*
 * Every job writes a partition of its own that held nothing before: its
 * done function must already read its sequence from another connection.
 */
START_TEST(test_done_after_commit)
{
	struct writer	*w;
	struct job	*jobs = calloc(NVISIBLE, sizeof(*jobs));
	int		 i;

	ck_assert_ptr_nonnull(jobs);
	for (i = 0; i < NVISIBLE; i++) {
		job_init(&jobs[i], APP, "visible", i, 1000 + i);
		jobs[i].check = true;
		/* Nothing there yet: a done before COMMIT would see -1. */
		ck_assert_int_eq(stored(APP, "visible", i, DIS_OK, NULL), -1);
	}
	w = start_writer(5000);
	/* Bursts and pauses: lone writes and batches alike. */
	for (i = 0; i < NVISIBLE; i++) {
		writer_submit(w, &jobs[i].entry);
		if (i % 25 == 24)
			sleep_ms(2);
	}
	writer_stop(w);

	ck_assert_int_eq(done_total(), NVISIBLE);
	for (i = 0; i < NVISIBLE; i++) {
		assert_done_ok(&jobs[i]);
		ck_assert_int_eq(jobs[i].seen_err, DIS_OK);
		ck_assert_int_eq(jobs[i].seen_seq, 1000 + i);
	}
	free(jobs);
}
END_TEST

/* ---- a failing write in a batch ------------------------------------------ */

/*
 * The gate job's done holds the writer while three writes queue, so they
 * make one batch; the middle one names an app that does not exist.
 */
START_TEST(test_failure_isolated)
{
	struct writer		*w = start_writer(5000);
	struct gate		 gate;
	struct job		 first, before, bad, after;

	gate_init(&gate);
	job_init(&first, APP, "s", 0, 10);
	first.gate = &gate;
	job_init(&before, APP, "s", 1, 11);
	job_init(&bad, "no-such-app", "s", 2, 12);
	job_init(&after, APP, "s", 3, 13);
	before.check = bad.check = after.check = true;
	/* Seen from before's done, after's write proves they shared a COMMIT. */
	before.peek = &after.op.key;

	writer_submit(w, &first.entry);
	gate_wait_entered(&gate);
	writer_submit(w, &before.entry);
	writer_submit(w, &bad.entry);
	writer_submit(w, &after.entry);
	ck_assert_int_eq(done_total(), 0);
	gate_open(&gate);
	writer_stop(w);
	gate_destroy(&gate);

	ck_assert_int_eq(done_total(), 4);
	assert_done_ok(&first);
	assert_done_ok(&before);
	assert_done_ok(&after);
	ck_assert_int_eq(done_count(&bad), 1);
	ck_assert_int_eq(bad.op.result, DIS_ERR_APP_NOT_FOUND);

	ck_assert_int_eq(before.peek_err, DIS_OK);
	ck_assert_int_eq(before.peek_seq, 13);
	ck_assert_int_eq(before.seen_err, DIS_OK);
	ck_assert_int_eq(before.seen_seq, 11);
	ck_assert_int_eq(after.seen_err, DIS_OK);
	ck_assert_int_eq(after.seen_seq, 13);
	ck_assert_int_eq(bad.seen_err, DIS_ERR_APP_NOT_FOUND);

	ck_assert_int_eq(stored(APP, "s", 0, DIS_OK, "m10"), 10);
	ck_assert_int_eq(stored(APP, "s", 1, DIS_OK, "m11"), 11);
	ck_assert_int_eq(stored(APP, "s", 2, DIS_OK, NULL), -1);
	ck_assert_int_eq(stored(APP, "s", 3, DIS_OK, "m13"), 13);
	ck_assert_int_eq(stored("no-such-app", "s", 2, DIS_ERR_APP_NOT_FOUND,
	    NULL), -1);
}
END_TEST

/* ---- writer_stop with writes queued -------------------------------------- */

#define NQUEUED		200

static void *
open_later(void *arg)
{
	sleep_ms(200);
	gate_open(arg);
	return NULL;
}

/*
 * The gate holds the writer while NQUEUED writes queue and writer_stop is
 * called; the gate opens only later, from another thread.
 */
START_TEST(test_stop_drains_queue)
{
	struct writer	*w = start_writer(5000);
	struct gate	 gate;
	struct job	 first;
	struct job	*jobs = calloc(NQUEUED, sizeof(*jobs));
	pthread_t	 opener;
	int		 i;

	ck_assert_ptr_nonnull(jobs);
	gate_init(&gate);
	job_init(&first, APP, "stop", 0, 1);
	first.gate = &gate;
	writer_submit(w, &first.entry);
	gate_wait_entered(&gate);
	for (i = 0; i < NQUEUED; i++) {
		job_init(&jobs[i], APP, "stop", 1 + i, 100 + i);
		writer_submit(w, &jobs[i].entry);
	}
	ck_assert_int_eq(done_total(), 0);
	ck_assert_int_eq(pthread_create(&opener, NULL, open_later, &gate), 0);
	writer_stop(w);
	/* Before anything else: writer_stop must not leave work behind. */
	ck_assert_int_eq(done_total(), 1 + NQUEUED);
	pthread_join(opener, NULL);
	gate_destroy(&gate);

	assert_done_ok(&first);
	for (i = 0; i < NQUEUED; i++) {
		assert_done_ok(&jobs[i]);
		ck_assert_int_eq(stored(APP, "stop", 1 + i, DIS_OK, NULL),
		    100 + i);
	}
	free(jobs);
}
END_TEST

/* ---- back-pressure ------------------------------------------------------- */

#define NFLOOD		1000

struct flood {
	struct writer	*w;
	struct job	*jobs;
	atomic_int	 submitted;
};

static void *
flood_main(void *arg)
{
	struct flood	*f = arg;
	int		 i;

	for (i = 0; i < NFLOOD; i++) {
		writer_submit(f->w, &f->jobs[i].entry);
		atomic_fetch_add(&f->submitted, 1);
	}
	return NULL;
}

/*
 * Another connection holds the write lock: the writer waits in BEGIN
 * (busy timeout 5 s), the queue fills and the submitter must block, not
 * queue all it has. Once the lock goes, everything commits.
 */
START_TEST(test_backpressure)
{
	struct writer	*w = start_writer(5000);
	struct flood	 f;
	sqlite3		*blocker;
	pthread_t	 th;
	long long	 last[7];
	int		 i, n1, n2;

	ck_assert_int_eq(sqlite3_open_v2(dbpath, &blocker,
	    SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(blocker, 5000);
	ck_assert_int_eq(sqlite3_exec(blocker, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);

	f.w = w;
	f.jobs = calloc(NFLOOD, sizeof(*f.jobs));
	ck_assert_ptr_nonnull(f.jobs);
	atomic_init(&f.submitted, 0);
	for (i = 0; i < NFLOOD; i++)
		job_init(&f.jobs[i], APP, "flood", i % 7, 1 + i);
	ck_assert_int_eq(pthread_create(&th, NULL, flood_main, &f), 0);

	sleep_ms(300);
	n1 = atomic_load(&f.submitted);
	sleep_ms(100);
	n2 = atomic_load(&f.submitted);
	/* Blocked, not slow: no progress in 100 ms, and short of the end. */
	ck_assert_int_gt(n1, 0);
	ck_assert_int_lt(n2, NFLOOD);
	ck_assert_int_eq(n2, n1);
	ck_assert_int_eq(done_total(), 0);

	ck_assert_int_eq(sqlite3_exec(blocker, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_close(blocker), SQLITE_OK);
	pthread_join(th, NULL);
	n1 = atomic_load(&f.submitted);
	ck_assert_int_eq(n1, NFLOOD);
	writer_stop(w);

	ck_assert_int_eq(done_total(), NFLOOD);
	for (i = 0; i < NFLOOD; i++)
		assert_done_ok(&f.jobs[i]);
	/* Each partition holds the last write submitted to it. */
	for (i = 0; i < NFLOOD; i++)
		last[i % 7] = f.jobs[i].op.sequence;
	for (i = 0; i < 7; i++)
		ck_assert_int_eq(stored(APP, "flood", i, DIS_OK, NULL),
		    last[i]);
	free(f.jobs);
}
END_TEST

static Suite *
writer_suite(void)
{
	Suite	*s = suite_create("writer");
	TCase	*tc;

	tc = tcase_create("group commit");
	tcase_add_checked_fixture(tc, setup, teardown);
	/* Thousands of commits: more than Check's default 4 s on a slow box. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_many_threads);
	tcase_add_test(tc, test_done_after_commit);
	tcase_add_test(tc, test_failure_isolated);
	tcase_add_test(tc, test_stop_drains_queue);
	tcase_add_test(tc, test_backpressure);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(writer_suite());
}
