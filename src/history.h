/*
 * history.h: a checkpoint's history as the SQLite backend keeps it, in a
 * column of the checkpoint's own row: one JSON array, oldest change
 * first, each change an array
 *
 *	[seq, changed_ms, origin, operation, old_sequence, old_set_ms,
 *	    old_metadata]
 *
 * (null for no operation, no old value, an unknown set time). What a
 * change made of the checkpoint is the next change's old value, or the
 * row's value for the newest. A write appends one change and drops the
 * oldest beyond the depth kept, in the row it rewrites anyway: no second
 * table, no second B-tree, so history costs a write a few hundred bytes of
 * copying. The text is what SQLite's json_array() writes, but for spaces
 * before the closing ']' (see history_append), so SQL reads it with
 * json_each (the schema's history_rows view).
 */
#ifndef DIS_HISTORY_H
#define DIS_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

/* One change to append; strings are the caller's. */
struct history_change {
	long long	 changed_ms;
	const char	*origin;	/* as store_origin_name */
	const char	*operation;	/* NULL: the API's */
	long long	 old_sequence;	/* -1: it held none */
	long long	 old_set_ms;	/* 0: unknown */
	const char	*old_metadata;	/* with an old sequence */
};

/* A growing text buffer, reused from write to write; free buf when done. */
struct history_text {
	char	*buf;
	size_t	 len;
	size_t	 cap;
};

/*
 * The seq and change time of the newest change in text (len bytes, NULL
 * or empty for no history) into *seq and *changed_ms: 0 and 0 when it
 * holds none. Returns false, with both 0, when text is not a history as
 * this file writes it.
 */
bool	 history_last(const char *text, size_t len, long long *seq,
	    long long *changed_ms);

/*
 * How many changes text (len bytes, NULL or empty for none) holds, each
 * read; -1 when it is not a history as this file writes it.
 */
long long history_count(const char *text, size_t len);

/*
 * Writes into out the history text (len bytes, NULL or empty for none)
 * with c appended as the change after its newest, as seq + 1, and only
 * the newest depth (at least 1) changes kept, padded with spaces before
 * its closing ']' to len when it is up to 32 bytes shorter, else to a
 * multiple of 16, so that its row mostly keeps its size. A text that is
 * not a history as this file writes it is replaced by c alone (seq 1),
 * and *damaged set; so is one whose newest seq is INT64_MAX. Of a history
 * whose seqs count up one by one (as this file numbers them), at most
 * depth of them by its oldest seq and its newest, only those two changes
 * are read: the ones between are copied unread, damaged or not (and a gap
 * in their seqs, which only a hand edit makes, may keep one change
 * fewer). Returns 0, or -1 when out of memory (out then holds nothing
 * usable).
 */
int	 history_append(struct history_text *out, const char *text,
	    size_t len, const struct history_change *c, int depth,
	    bool *damaged);

#endif
