/*
 * store-writes.c: the store alone, for bench/run --store. Writes batches
 * of add-checkpoint ops through store_apply, as the writer thread does,
 * to a SQLite database: APPS apps of PARTITIONS partitions of one stream,
 * each op a random one of them (the same sequence every run), so that two
 * runs under cachegrind count the same work and their difference is what
 * the later batches cost, to the instruction. No web server, no FastCGI:
 * a change to the store shows here without the noise of a loaded machine.
 *
 *	store-writes PATH HISTORY WARM BATCHES [BATCH]
 *
 * makes PATH, a database not there yet, with history = HISTORY, writes WARM
 * batches, then BATCHES more, BATCH (7, the mean batch at 64 connections)
 * ops each, synchronous=NORMAL, the service's default wal_autocheckpoint.
 * Exits 1 on any failure.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "store.h"

enum { APPS = 16, PARTITIONS = 64, MAX_BATCH = 64 };

static char		 app_names[APPS][16];
static long long	 sequences[APPS][PARTITIONS];
static unsigned long long random_state = 88172645463325252ULL;

/* xorshift64: the same keys every run, whatever libc's rand does. */
static unsigned
next_random(unsigned bound)
{
	random_state ^= random_state << 13;
	random_state ^= random_state >> 7;
	random_state ^= random_state << 17;
	return (unsigned)(random_state % bound);
}

static int
write_batches(struct store *s, long batches, int batch)
{
	struct write_op	 op[MAX_BATCH], *ops[MAX_BATCH];
	long		 b;
	int		 i;

	for (b = 0; b < batches; b++) {
		for (i = 0; i < batch; i++) {
			unsigned a = next_random(APPS), p = next_random(PARTITIONS);

			memset(&op[i], 0, sizeof(op[i]));
			op[i].kind = WRITE_COMMIT_CHECKPOINT;
			op[i].key.project = "bench";
			op[i].key.app = app_names[a];
			op[i].key.stream = "stream-0";
			op[i].key.type = "LAST_READ";
			op[i].key.partition = p;
			op[i].sequence = ++sequences[a][p];
			op[i].metadata = "";
			ops[i] = &op[i];
		}
		if (store_apply(s, ops, (size_t)batch) != DIS_OK)
			return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct store_options	 opts = { .journal_mode = "WAL",
	    .busy_timeout_ms = 5000 };
	struct dis_config	 defaults;
	struct store		*s;
	long			 warm, batches;
	int			 a, batch = argc > 5 ? atoi(argv[5]) : 7;

	if (argc < 5 || argc > 6 || batch < 1 || batch > MAX_BATCH) {
		fprintf(stderr, "usage: store-writes PATH HISTORY WARM BATCHES "
		    "[BATCH (1-%d)]\n", MAX_BATCH);
		return 2;
	}
	/* The service's WAL checkpoint interval: its cost is the store's. */
	if (conf_init(&defaults) == -1)
		return 1;
	opts.wal_autocheckpoint = defaults.wal_autocheckpoint;
	conf_free(&defaults);
	opts.path = argv[1];
	opts.history = atoi(argv[2]);
	warm = atol(argv[3]);
	batches = atol(argv[4]);
	if ((s = store_open(&opts)) == NULL)
		return 1;
	for (a = 0; a < APPS; a++) {
		struct write_op	 op, *ops[1] = { &op };

		snprintf(app_names[a], sizeof(app_names[a]), "app-%d", a);
		memset(&op, 0, sizeof(op));
		op.kind = WRITE_CREATE_APP;
		op.key.project = "bench";
		op.key.app = app_names[a];
		op.app_id = app_names[a];
		op.create_time = 1;
		op.app_quota = APPS;
		if (store_apply(s, ops, 1) != DIS_OK || op.result != DIS_OK) {
			fprintf(stderr, "store-writes: cannot create the apps "
			    "in %s\n", opts.path);
			store_close(s);
			return 1;
		}
	}
	if (write_batches(s, warm, batch) == -1 ||
	    write_batches(s, batches, batch) == -1) {
		fprintf(stderr, "store-writes: a batch failed\n");
		store_close(s);
		return 1;
	}
	store_close(s);
	return 0;
}
