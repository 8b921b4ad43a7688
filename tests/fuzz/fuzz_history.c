/*
 * fuzz_history.c: libFuzzer harness for a checkpoint's history text
 * (src/history.c), which a write reads out of the database: a damaged or
 * hand-edited file must never make it read past the text. The input is the
 * text, copied to exactly its size; history_count and history_last read
 * it whole and must agree, and history_append runs on it at depths 1, 3
 * and 10. When the input is JSON whose changes count up one by one from
 * their first seq, as this program writes them, history_count must count
 * them all, and the new text must be JSON too, hold at most the depth's
 * changes, and number the new one after the newest.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "history.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * The newest seq of a history as this program writes it, its first into
 * *first; else -1.
 */
static long long
counted_up(const char *text, size_t len, long long *first_seq)
{
	json_t		*j = json_loadb(text, len, JSON_DECODE_ANY, NULL), *c;
	long long	 first = 0, newest = -1;
	size_t		 i;

	/* jansson takes a NUL after a number for a space; no history has one. */
	if (j == NULL || memchr(text, '\0', len) != NULL) {
		json_decref(j);
		return -1;
	}
	if (!json_is_array(j) || json_array_size(j) == 0)
		goto out;
	json_array_foreach(j, i, c) {
		json_t	*seq = json_array_get(c, 0), *v;
		size_t	 k;

		json_array_foreach(c, k, v)
			if (json_is_array(v) || json_is_object(v)) {
				newest = -1;
				goto out;
			}
		if (!json_is_array(c) || !json_is_integer(seq) ||
		    !json_is_integer(json_array_get(c, 1))) {
			newest = -1;
			goto out;
		}
		if (i == 0)
			first = json_integer_value(seq);
		if (first < 0 || json_integer_value(seq) != first + (long long)i) {
			newest = -1;
			goto out;
		}
		newest = json_integer_value(seq);
	}
out:
	json_decref(j);
	*first_seq = first;
	return newest;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int		 depths[] = { 1, 3, 10 };
	static const struct history_change c = { 1700000000000LL, "api", NULL,
	    5, 1690000000000LL, "m\"" };
	struct history_text	 out = { NULL, 0, 0 };
	char			*text = malloc(size ? size : 1);
	long long		 seq, changed, newest, first, count;
	bool			 damaged;
	size_t			 i;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	/* Both read the whole text: they agree on what is a history, and a
	 * history as this program writes it holds all its seqs. */
	count = history_count(text, size);
	if ((count >= 0) != history_last(text, size, &seq, &changed))
		abort();
	newest = counted_up(text, size, &first);
	if (newest >= 0 && count != newest - first + 1)
		abort();
	for (i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
		json_t	*j;

		if (history_append(&out, text, size, &c, depths[i],
		    &damaged) == -1)
			abort();
		if (out.buf[out.len] != '\0' || out.buf[0] != '[' ||
		    out.buf[out.len - 1] != ']')
			abort();
		if (newest < 0 || newest == INT64_MAX)
			continue;
		/* A history as this program writes it is never damaged. */
		if (damaged)
			abort();
		j = json_loadb(out.buf, out.len, JSON_DECODE_ANY, NULL);
		if (j == NULL || json_array_size(j) > (size_t)depths[i] ||
		    json_integer_value(json_array_get(json_array_get(j,
		    json_array_size(j) - 1), 0)) != newest + 1)
			abort();
		json_decref(j);
	}
	free(out.buf);
	free(text);
	return 0;
}
