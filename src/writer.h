/*
 * writer.h: group commit. One thread owns the write connection; requests
 * queue their writes and wait, the writer applies everything queued in one
 * transaction and wakes them all after a single fsync.
 */
#ifndef DIS_WRITER_H
#define DIS_WRITER_H

#include "store.h"

struct writer;

struct writer	*writer_start(const struct store_options *);
enum dis_err	 writer_submit(void *writer, struct write_op *);
void		 writer_stop(struct writer *);

#endif
