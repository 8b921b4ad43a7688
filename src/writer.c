/*
 * writer.c: the group-commit writer thread. Idle, a write waits for exactly
 * one commit; under load, one commit acknowledges every write that queued
 * while the previous one was on its way to disk. A write's done function
 * runs only after COMMIT returned, so no 201 ever precedes its fsync.
 *
 * Submitting does not wait for the commit: the accept thread goes back to
 * accepting, and the done function (the server's) answers the request from
 * this thread. A thread sleeping until its commit and woken after it cost
 * two context switches per write, which on a small machine were most of
 * the price of a write.
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "log.h"
#include "metrics.h"
#include "writer.h"

/*
 * At most this many writes in one transaction, and queued: each queued
 * write holds a connection open, so the queue must not grow without end
 * when the disk stalls; submitters wait for room instead.
 */
#define MAX_BATCH	256

struct writer {
	pthread_mutex_t		 lock;
	pthread_cond_t		 queued;
	pthread_cond_t		 room;
	struct writer_entry	*head, *tail;
	size_t			 nqueued;
	bool			 stopping;
	struct store		*store;
	pthread_t		 thread;
};

static void
commit_batch(struct writer *w, struct writer_entry *batch)
{
	struct write_op		*ops[MAX_BATCH];
	struct writer_entry	*e, *next;
	size_t			 n = 0;
	long long		 start = metrics_commit_start();

	for (e = batch; e != NULL; e = e->next)
		ops[n++] = e->op;
	store_apply(w->store, ops, n);
	metrics_commit(n, start);
	/*
	 * The batch is off the queue: no lock needed to hand results back.
	 * Their log lines go out together, in one write or a few.
	 */
	log_gather();
	for (e = batch; e != NULL; e = next) {
		next = e->next;		/* done may free e */
		e->done(e->arg);
	}
	log_flush();
}

/* Detaches up to MAX_BATCH queued writes, in arrival order. */
static struct writer_entry *
take_batch(struct writer *w)
{
	struct writer_entry	*batch = w->head, *last = w->head;
	size_t			 n = 1;

	while (last->next != NULL && n < MAX_BATCH) {
		last = last->next;
		n++;
	}
	w->head = last->next;
	if (w->head == NULL)
		w->tail = NULL;
	last->next = NULL;
	if (w->nqueued == MAX_BATCH)
		pthread_cond_broadcast(&w->room);
	w->nqueued -= n;
	metrics_queue_depth(w->nqueued);
	return batch;
}

static void *
writer_main(void *arg)
{
	struct writer		*w = arg;
	struct writer_entry	*batch;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->head == NULL && !w->stopping)
			pthread_cond_wait(&w->queued, &w->lock);
		if (w->head == NULL)
			break;
		batch = take_batch(w);
		pthread_mutex_unlock(&w->lock);
		commit_batch(w, batch);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct writer *
writer_start(const struct store_options *opts)
{
	struct writer	*w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->queued, NULL);
	pthread_cond_init(&w->room, NULL);
	if ((w->store = store_open(opts)) == NULL ||
	    pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		log_message("cannot start the writer thread");
		store_close(w->store);
		free(w);
		return NULL;
	}
	/* So top -H, perf and bench/run --history tell it from the loops. */
	(void)pthread_setname_np(w->thread, "dis-writer");
	return w;
}

void
writer_submit(struct writer *w, struct writer_entry *e)
{
	e->next = NULL;
	pthread_mutex_lock(&w->lock);
	while (w->nqueued >= MAX_BATCH)
		pthread_cond_wait(&w->room, &w->lock);
	if (w->tail != NULL)
		w->tail->next = e;
	else
		w->head = e;
	w->tail = e;
	w->nqueued++;
	metrics_queue_depth(w->nqueued);
	pthread_cond_signal(&w->queued);
	pthread_mutex_unlock(&w->lock);
}

/* Commits whatever is still queued, calls its done functions, ends. */
void
writer_stop(struct writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->queued);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	store_close(w->store);
	pthread_cond_destroy(&w->room);
	pthread_cond_destroy(&w->queued);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
