/*
 * metrics.c: the registry and its Prometheus text rendering. Every series
 * has a fixed slot, so recording is an index and a relaxed atomic add:
 * no lock, no allocation, exact across threads (each add is atomic; a
 * rendering may see one request's counter before its histogram, never a
 * lost increment). Label values are bounded by construction: a request is
 * counted under its route pattern, never its path, and under its error
 * value, so a client cannot make a new series.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"
#include "router.h"

#define PREFIX		"dis_checkpoint_"

/*
 * Request slots: one per route table row (the row fixes the method), then
 * one per method for requests that matched none.
 */
enum { UNROUTED_GET, UNROUTED_POST, UNROUTED_DELETE, UNROUTED_OTHER,
    UNROUTED__COUNT };
#define NSLOTS		(ROUTER_MAX_ROUTES + UNROUTED__COUNT)

/* Outcomes: an error value, or a success by its status. */
#define OUTCOME_201	DIS_ERR__COUNT
#define OUTCOME_204	(DIS_ERR__COUNT + 1)
#define NOUTCOMES	(DIS_ERR__COUNT + 2)

#define MAX_BOUNDS	16

/*
 * Buckets are stored apart (not cumulative): an observation adds to one
 * bucket and to the sum, and _count is the buckets' total at rendering,
 * so _count and the +Inf bucket always agree.
 */
struct histogram {
	atomic_ullong	 bucket[MAX_BOUNDS + 1];	/* the last: above all */
	atomic_ullong	 sum;
};

/* Upper bounds in the unit observed; scale turns them into the exposed one. */
struct bounds {
	long long	 le[MAX_BOUNDS];
	size_t		 n;
	long long	 scale;
};

/* Request and commit durations, in microseconds, shown in seconds. */
static const struct bounds request_bounds = {
	{ 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
	  500000, 1000000, 2500000, 5000000, 10000000 }, 15, 1000000
};
static const struct bounds commit_bounds = {
	{ 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
	  250000, 500000, 1000000, 2500000, 5000000 }, 15, 1000000
};
/* Writes per transaction: at most 256 (writer.c's MAX_BATCH). */
static const struct bounds batch_bounds = {
	{ 1, 2, 4, 8, 16, 32, 64, 128, 256 }, 9, 1
};

static atomic_bool	 enabled;
static atomic_ullong	 requests[NSLOTS][NOUTCOMES];
static struct histogram	 durations[NSLOTS];
static atomic_ullong	 auth_failures[DIS_ERR__COUNT];
static struct histogram	 batch_sizes;
static struct histogram	 commit_durations;
static atomic_ullong	 queue_depth;

#define ADD(counter, n) \
	atomic_fetch_add_explicit(&(counter), (n), memory_order_relaxed)
#define GET(counter)	atomic_load_explicit(&(counter), memory_order_relaxed)

static bool
recording(void)
{
	return atomic_load_explicit(&enabled, memory_order_relaxed);
}

static long long
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
observe(struct histogram *h, const struct bounds *b, long long v)
{
	size_t	 i = 0;

	while (i < b->n && v > b->le[i])
		i++;
	ADD(h->bucket[i], 1);
	ADD(h->sum, (unsigned long long)v);
}

void
metrics_enable(bool on)
{
	atomic_store(&enabled, on);
}

void
metrics_begin(struct metrics_mark *mark, const struct route *route,
    enum http_method method)
{
	if (!recording()) {
		mark->start_us = 0;
		return;
	}
	if (route != NULL)
		mark->slot = (int)route_index(route);
	else
		mark->slot = ROUTER_MAX_ROUTES + (method == METHOD_GET ?
		    UNROUTED_GET : method == METHOD_POST ? UNROUTED_POST :
		    method == METHOD_DELETE ? UNROUTED_DELETE : UNROUTED_OTHER);
	mark->start_us = now_us();
}

void
metrics_observe(const struct metrics_mark *mark, int status, enum dis_err err)
{
	size_t	 outcome = (size_t)err;

	if (mark->start_us == 0 || !recording())
		return;
	if (err == DIS_OK)
		outcome = status == 201 ? OUTCOME_201 : status == 204 ?
		    OUTCOME_204 : DIS_OK;
	ADD(requests[mark->slot][outcome], 1);
	observe(&durations[mark->slot], &request_bounds,
	    now_us() - mark->start_us);
}

void
metrics_auth_failure(enum dis_err err)
{
	if (recording())
		ADD(auth_failures[err], 1);
}

long long
metrics_commit_start(void)
{
	return recording() ? now_us() : 0;
}

void
metrics_commit(size_t batch, long long start)
{
	if (start == 0 || !recording())
		return;
	observe(&batch_sizes, &batch_bounds, (long long)batch);
	observe(&commit_durations, &commit_bounds, now_us() - start);
}

void
metrics_queue_depth(size_t n)
{
	if (recording())
		atomic_store_explicit(&queue_depth, n, memory_order_relaxed);
}

/* ---- rendering ------------------------------------------------------------ */

/* A label value with '\\', '"' and newlines escaped, as the format wants. */
static void
put_value(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* v / scale (a power of ten) exactly, without trailing zeros: 0.00025, 10. */
static void
put_scaled(FILE *f, unsigned long long v, long long scale)
{
	char			 frac[24];
	int			 digits = 0, n;
	unsigned long long	 s = (unsigned long long)scale, t;

	for (t = s; t > 1; t /= 10)
		digits++;
	n = snprintf(frac, sizeof(frac), "%0*llu", digits, v % s);
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = '\0';
	fprintf(f, "%llu%s%s", v / s, n > 0 ? "." : "", frac);
}

static void
put_header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP " PREFIX "%s %s\n# TYPE " PREFIX "%s %s\n", name,
	    help, name, type);
}

/* A slot's labels, without braces: route="...",method="..." */
static void
put_slot_labels(FILE *f, int slot)
{
	static const char *const unrouted[UNROUTED__COUNT] = {
		"GET", "POST", "DELETE", "other"
	};
	const struct route	*r = router_route((size_t)slot);
	const char		*method;

	fputs("route=\"", f);
	if (r != NULL) {
		put_value(f, r->pattern);
		method = r->method == METHOD_GET ? "GET" :
		    r->method == METHOD_POST ? "POST" : "DELETE";
	} else {
		fputs("none", f);
		method = unrouted[slot - ROUTER_MAX_ROUTES];
	}
	fprintf(f, "\",method=\"%s\"", method);
}

/* One histogram's lines; labels (or NULL) go before le in each. */
static void
put_histogram(FILE *f, const char *name, struct histogram *h,
    const struct bounds *b, void (*labels)(FILE *, int), int arg)
{
	unsigned long long	 total = 0;
	size_t			 i;

	for (i = 0; i <= b->n; i++) {
		total += GET(h->bucket[i]);
		fprintf(f, PREFIX "%s_bucket{", name);
		if (labels != NULL) {
			labels(f, arg);
			fputc(',', f);
		}
		fputs("le=\"", f);
		if (i < b->n)
			put_scaled(f, (unsigned long long)b->le[i], b->scale);
		else
			fputs("+Inf", f);
		fprintf(f, "\"} %llu\n", total);
	}
	fprintf(f, PREFIX "%s_sum", name);
	if (labels != NULL) {
		fputc('{', f);
		labels(f, arg);
		fputc('}', f);
	}
	fputc(' ', f);
	put_scaled(f, GET(h->sum), b->scale);
	fprintf(f, "\n" PREFIX "%s_count", name);
	if (labels != NULL) {
		fputc('{', f);
		labels(f, arg);
		fputc('}', f);
	}
	fprintf(f, " %llu\n", total);
}

/*
 * One line per label set: errors that share a status and a DIS code
 * (errors.c may map several to one) are summed into one series.
 */
static void
put_requests(FILE *f, int slot)
{
	struct { int status; const char *code; unsigned long long n; }
	    rows[NOUTCOMES];
	const struct dis_error_info	*info;
	size_t				 nrows = 0, o, i;
	unsigned long long		 n;
	int				 status;

	for (o = 0; o < NOUTCOMES; o++) {
		if ((n = GET(requests[slot][o])) == 0)
			continue;
		info = dis_error_info(o < DIS_ERR__COUNT ? (enum dis_err)o :
		    DIS_OK);
		status = o == OUTCOME_201 ? 201 : o == OUTCOME_204 ? 204 :
		    info->http_status;
		for (i = 0; i < nrows; i++)
			if (rows[i].status == status &&
			    strcmp(rows[i].code, info->code) == 0)
				break;
		if (i == nrows) {
			rows[nrows].status = status;
			rows[nrows].code = info->code;
			rows[nrows++].n = 0;
		}
		rows[i].n += n;
	}
	for (i = 0; i < nrows; i++) {
		fputs(PREFIX "requests_total{", f);
		put_slot_labels(f, slot);
		fprintf(f, ",status=\"%d\"", rows[i].status);
		if (rows[i].code[0] != '\0') {
			fputs(",code=\"", f);
			put_value(f, rows[i].code);
			fputc('"', f);
		}
		fprintf(f, "} %llu\n", rows[i].n);
	}
}

static void
put_auth_failures(FILE *f)
{
	const char		*codes[DIS_ERR__COUNT];
	unsigned long long	 counts[DIS_ERR__COUNT], n;
	size_t			 ncodes = 0, e, i;

	for (e = 0; e < DIS_ERR__COUNT; e++) {
		if ((n = GET(auth_failures[e])) == 0)
			continue;
		for (i = 0; i < ncodes; i++)
			if (strcmp(codes[i], dis_error_info((enum dis_err)e)->code) == 0)
				break;
		if (i == ncodes) {
			codes[ncodes] = dis_error_info((enum dis_err)e)->code;
			counts[ncodes++] = 0;
		}
		counts[i] += n;
	}
	for (i = 0; i < ncodes; i++) {
		fputs(PREFIX "auth_failures_total{code=\"", f);
		put_value(f, codes[i]);
		fprintf(f, "\"} %llu\n", counts[i]);
	}
}

char *
metrics_render(const struct metrics_info *info, size_t *len)
{
	char		*out = NULL;
	FILE		*f;
	int		 slot;
	size_t		 i;
	unsigned long long n;

	if ((f = open_memstream(&out, len)) == NULL)
		return NULL;
	put_header(f, "requests_total", "counter",
	    "Requests answered, by route pattern, method, status and DIS error "
	    "code.");
	for (slot = 0; slot < NSLOTS; slot++)
		put_requests(f, slot);
	put_header(f, "request_duration_seconds", "histogram",
	    "Time from routing a request to rendering its answer (a write's "
	    "includes its commit), by route pattern and method.");
	for (slot = 0; slot < NSLOTS; slot++) {
		for (n = 0, i = 0; i <= request_bounds.n; i++)
			n += GET(durations[slot].bucket[i]);
		if (n > 0)
			put_histogram(f, "request_duration_seconds",
			    &durations[slot], &request_bounds, put_slot_labels,
			    slot);
	}
	put_header(f, "auth_failures_total", "counter",
	    "Requests refused by authentication, by DIS error code.");
	put_auth_failures(f);
	put_header(f, "commit_batch_size", "histogram",
	    "Writes committed together in one group-commit transaction.");
	put_histogram(f, "commit_batch_size", &batch_sizes, &batch_bounds,
	    NULL, 0);
	put_header(f, "commit_duration_seconds", "histogram",
	    "Time to apply and commit (fsync) one group-commit transaction.");
	put_histogram(f, "commit_duration_seconds", &commit_durations,
	    &commit_bounds, NULL, 0);
	put_header(f, "writer_queue_depth", "gauge",
	    "Writes waiting for the group-commit writer.");
	fprintf(f, PREFIX "writer_queue_depth %llu\n", GET(queue_depth));
	if (info->database_bytes >= 0) {
		put_header(f, "database_size_bytes", "gauge",
		    "Size of the database file and its write-ahead log.");
		fprintf(f, PREFIX "database_size_bytes %lld\n",
		    info->database_bytes);
	}
	put_header(f, "build_info", "gauge",
	    "Always 1; the labels say which version and store serve.");
	fputs(PREFIX "build_info{version=\"", f);
	put_value(f, info->version);
	fputs("\",store=\"", f);
	put_value(f, info->store);
	fputs("\"} 1\n", f);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}
