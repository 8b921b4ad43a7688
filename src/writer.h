/*
 * writer.h: group commit. One thread owns the write connection; requests
 * queue their writes and go on, the writer applies everything queued in one
 * transaction and, after a single fsync, calls each write's done function.
 */
#ifndef DIS_WRITER_H
#define DIS_WRITER_H

#include "store.h"

struct writer;

/* Runs on the writer thread once op is durable (or failed: op->result). */
typedef void writer_done_fn(void *arg);

/* A queued write; the submitter owns the memory until done is called. */
struct writer_entry {
	struct write_op		*op;
	writer_done_fn		*done;
	void			*arg;
	struct writer_entry	*next;
};

struct writer	*writer_start(const struct store_options *);
void		 writer_submit(struct writer *, struct writer_entry *);
void		 writer_stop(struct writer *);

#endif
