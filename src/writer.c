/*
 * writer.c: the group-commit writer thread. Idle, a write waits for exactly
 * one commit; under load, one commit acknowledges every write that queued
 * while the previous one was on its way to disk. Results are handed back
 * only after COMMIT returned, so no 201 ever precedes its fsync.
 *
 * Each waiting request sleeps on its own semaphore, posted by the writer
 * once its batch is durable: a broadcast on one condition variable woke
 * every waiter (the next batch's too) to fight over the queue lock.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdlib.h>

#include "log.h"
#include "writer.h"

#define MAX_BATCH	1024

struct pending {
	struct write_op	*op;
	sem_t		 committed;
	struct pending	*next;
};

struct writer {
	pthread_mutex_t	 lock;
	pthread_cond_t	 queued;
	struct pending	*head, *tail;
	bool		 stopping;
	struct store	*store;
	pthread_t	 thread;
};

static void
commit_batch(struct writer *w, struct pending *batch)
{
	struct write_op	*ops[MAX_BATCH];
	struct pending	*p, *next;
	size_t		 n = 0;

	for (p = batch; p != NULL; p = p->next)
		ops[n++] = p->op;
	store_apply(w->store, ops, n);
	/* The batch is off the queue: no lock needed to hand results back. */
	for (p = batch; p != NULL; p = next) {
		next = p->next;
		sem_post(&p->committed);
	}
}

/* Detaches up to MAX_BATCH queued writes, in arrival order. */
static struct pending *
take_batch(struct writer *w)
{
	struct pending	*batch = w->head, *last = w->head;
	size_t		 n = 1;

	while (last->next != NULL && n < MAX_BATCH) {
		last = last->next;
		n++;
	}
	w->head = last->next;
	if (w->head == NULL)
		w->tail = NULL;
	last->next = NULL;
	return batch;
}

static void *
writer_main(void *arg)
{
	struct writer	*w = arg;
	struct pending	*batch;

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
	if ((w->store = store_open(opts)) == NULL ||
	    pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		log_message("cannot start the writer thread");
		store_close(w->store);
		free(w);
		return NULL;
	}
	return w;
}

enum dis_err
writer_submit(void *arg, struct write_op *op)
{
	struct writer	*w = arg;
	struct pending	 p;

	p.op = op;
	p.next = NULL;
	if (sem_init(&p.committed, 0, 0) == -1)
		return DIS_ERR_INTERNAL;
	pthread_mutex_lock(&w->lock);
	if (w->tail != NULL)
		w->tail->next = &p;
	else
		w->head = &p;
	w->tail = &p;
	pthread_cond_signal(&w->queued);
	pthread_mutex_unlock(&w->lock);
	while (sem_wait(&p.committed) == -1 && errno == EINTR)
		continue;
	sem_destroy(&p.committed);
	return op->result;
}

/* Commits whatever is still queued, then ends the thread. */
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
	pthread_cond_destroy(&w->queued);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
