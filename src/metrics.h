/*
 * metrics.h: the process's counters, gauges and histograms, and their
 * rendering in the Prometheus text exposition format (version 0.0.4).
 * Recording is lock-free (relaxed C11 atomics on fixed arrays) and
 * allocates nothing; it does nothing at all until metrics_enable(true).
 * Values live as long as the process: each process of a pool reports its
 * own, and Prometheus sums them.
 */
#ifndef DIS_METRICS_H
#define DIS_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "errors.h"
#include "request.h"

struct route;

/*
 * What a request's answer is counted under, carried by its response from
 * routing to rendering (the answer of a deferred write is rendered on the
 * writer thread, after its commit).
 */
struct metrics_mark {
	int		 slot;		/* a route table row, or "none" + method */
	long long	 start_us;	/* 0: not marked, nothing to observe */
};

/* Turns recording on or off for the whole process (off at start). */
void		 metrics_enable(bool);

/*
 * Marks a routed request: route is its row of the route table, or NULL
 * when none matched (404, 405; then the method is the request's).
 */
void		 metrics_begin(struct metrics_mark *, const struct route *,
		    enum http_method);

/* Counts a marked request's answer and its duration since the mark. */
void		 metrics_observe(const struct metrics_mark *, int status,
		    enum dis_err);

/* Counts a request refused by authentication, by its error. */
void		 metrics_auth_failure(enum dis_err);

/*
 * A group commit: metrics_commit_start's value (0 while recording is off)
 * is passed back to metrics_commit with the batch's size once it is done.
 */
long long	 metrics_commit_start(void);
void		 metrics_commit(size_t batch, long long start);

/* Writes queued for the writer thread right now. */
void		 metrics_queue_depth(size_t);

/* What the registry does not know by itself, for the rendering. */
struct metrics_info {
	const char	*version;	/* build_info's labels */
	const char	*store;
	long long	 database_bytes; /* -1: unknown, left out */
};

/*
 * The whole exposition, NUL-terminated, in a new allocation the caller
 * frees; *len its length. NULL when out of memory.
 */
char		*metrics_render(const struct metrics_info *, size_t *len);

#endif
