/*
 * history.c: a checkpoint's history text (see history.h): finding its
 * newest change and appending one, pruned to the depth kept. It reads
 * only the shape it and SQLite's JSON functions write (arrays of scalars,
 * whitespace allowed between tokens); anything else is reported damaged,
 * never read past its end. A write reads only the oldest change and the
 * newest (read_ends), each once: walking every change was half of what
 * history cost a write. tests/fuzz/fuzz_history.c fuzzes it all.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"

/*
 * What each byte is to the scanner: a history is walked once a write,
 * so a table lookup a byte instead of a chain of compares.
 */
enum byte_class { B_TOKEN, B_SPACE, B_END };
static const unsigned char byte_class[256] = {
	[' '] = B_SPACE, ['\t'] = B_SPACE, ['\n'] = B_SPACE, ['\r'] = B_SPACE,
	[','] = B_END, [']'] = B_END, ['['] = B_END, ['"'] = B_END,
};

static const char *
skip_space(const char *p, const char *end)
{
	while (p < end && byte_class[(unsigned char)*p] == B_SPACE)
		p++;
	return p;
}

/*
 * How many of the 8 bytes at p, from the first, are ASCII digits. Each
 * byte xor '0' is below 10 for a digit: adding 0x76 to its low 7 bits
 * sets its high bit otherwise, and no byte carries into the next.
 */
static unsigned
leading_digits(const char *p)
{
	const uint64_t	 ones = 0x0101010101010101ULL;
	uint64_t	 x, nondigit;

	memcpy(&x, p, sizeof(x));
	x ^= ones * '0';
	nondigit = (((x & ones * 0x7f) + ones * 0x76) | x) & ones * 0x80;
	if (nondigit == 0)
		return 8;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (unsigned)__builtin_ctzll(nondigit) / 8;
#else
	return (unsigned)__builtin_clzll(nondigit) / 8;
#endif
}

/*
 * Past the string whose opening quote is just before p; NULL if it has no
 * closing one. A quote closes it unless an odd run of backslashes comes
 * before it, which is what escaping each byte after a backslash gives; so
 * memchr finds the candidates, rather than a test a byte.
 */
static const char *
skip_string(const char *p, const char *end)
{
	const char	*quote, *run;

	while ((quote = memchr(p, '"', (size_t)(end - p))) != NULL) {
		for (run = quote; run > p && run[-1] == '\\'; run--)
			;
		if ((quote - run) % 2 == 0)
			return quote + 1;
		p = quote + 1;
	}
	return NULL;
}

/*
 * Past the scalar at p (a string or a bare token); NULL if there is none.
 * Most of a history is numbers: eight bytes a step while they last.
 */
static const char *
skip_scalar(const char *p, const char *end)
{
	const char	*start = p;
	unsigned	 digits;

	if (p < end && *p == '"')
		return skip_string(p + 1, end);
	while (end - p >= 8) {
		p += digits = leading_digits(p);
		if (digits < 8)
			break;
	}
	while (p < end && byte_class[(unsigned char)*p] == B_TOKEN)
		p++;
	return p > start ? p : NULL;
}

/*
 * Past the scalars at p, up to the ']' that ends a change; NULL when they
 * are not scalars separated by commas.
 */
static const char *
skip_scalars(const char *p, const char *end)
{
	for (;;) {
		p = skip_space(p, end);
		if ((p = skip_scalar(p, end)) == NULL)
			return NULL;
		if ((p = skip_space(p, end)) == end)
			return NULL;
		if (*p == ']')
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

/* Past the change at p, an array of scalars; NULL when it is not one. */
static const char *
skip_change(const char *p, const char *end)
{
	if (p == end || *p != '[')
		return NULL;
	return skip_scalars(p + 1, end);
}

/*
 * The integer token at *p, which is moved past it and the ',' or ']' after
 * it. Eighteen digits cannot overflow, so only a longer number is checked
 * a digit at a time.
 */
static bool
take_int(const char **p, const char *end, long long *v)
{
	const char	*q = skip_space(*p, end), *first;
	bool		 neg = false;
	unsigned long long n = 0;
	unsigned	 d;

	if (q < end && *q == '-') {
		neg = true;
		q++;
	}
	for (first = q; q < end && (d = (unsigned char)*q - '0') < 10; q++) {
		if (q - first >= 18 &&
		    n > ((unsigned long long)INT64_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}
	if (q == first || (q = skip_space(q, end)) == end ||
	    (*q != ',' && *q != ']'))
		return false;
	*v = neg ? -(long long)n : (long long)n;
	*p = q + 1;
	return true;
}

/*
 * Past the change at p, read in one pass: its seq into *seq and, unless
 * changed_ms is NULL, its change time, the scalar after the seq, into
 * *changed_ms. NULL when it is not a change that starts so.
 */
static const char *
read_change(const char *p, const char *end, long long *seq,
    long long *changed_ms)
{
	if (p == end || *p != '[')
		return NULL;
	p++;
	if (!take_int(&p, end, seq))
		return NULL;
	if (changed_ms != NULL) {
		if (p[-1] == ']' || !take_int(&p, end, changed_ms))
			return NULL;
	}
	return p[-1] == ']' ? p : skip_scalars(p, end);
}

/*
 * Walks text: *count changes, the newest starting at *last. False when
 * text is not a history; an empty text is one with none.
 */
static bool
scan(const char *text, size_t len, size_t *count, const char **last)
{
	const char	*p = text, *end = text + len;

	*count = 0;
	*last = NULL;
	if ((p = skip_space(p, end)) == end)
		return true;
	if (*p++ != '[')
		return false;
	if ((p = skip_space(p, end)) < end && *p == ']')
		return skip_space(p + 1, end) == end;
	for (;;) {
		*last = p;
		if ((p = skip_change(p, end)) == NULL)
			return false;
		++*count;
		if ((p = skip_space(p, end)) == end)
			return false;
		if (*p == ']')
			return skip_space(p + 1, end) == end;
		if (*p++ != ',')
			return false;
		p = skip_space(p, end);
	}
}

/*
 * Walks text: *count changes, the newest's seq and change time into *seq
 * and *changed_ms (0 and 0 when none). False, with all three 0, when text
 * is not a history.
 */
static bool
read_newest(const char *text, size_t len, size_t *count, long long *seq,
    long long *changed_ms)
{
	const char	*last;

	*seq = *changed_ms = 0;
	if (!scan(text, len, count, &last)) {
		*count = 0;
		return false;
	}
	if (*count == 0 ||
	    read_change(last, text + len, seq, changed_ms) != NULL)
		return true;
	*seq = *changed_ms = 0;
	*count = 0;
	return false;
}

bool
history_last(const char *text, size_t len, long long *seq,
    long long *changed_ms)
{
	size_t	 count;

	if (text != NULL)
		return read_newest(text, len, &count, seq, changed_ms);
	*seq = *changed_ms = 0;
	return false;
}

long long
history_count(const char *text, size_t len)
{
	size_t		 count;
	long long	 seq, changed_ms;

	if (text == NULL)
		return 0;
	return read_newest(text, len, &count, &seq, &changed_ms) ?
	    (long long)count : -1;
}

static int
reserve(struct history_text *out, size_t more)
{
	char	*grown;
	size_t	 cap;

	if (out->cap - out->len >= more)
		return 0;
	if (more > SIZE_MAX / 2 - out->len)
		return -1;
	cap = (out->len + more) * 2;
	if ((grown = realloc(out->buf, cap)) == NULL)
		return -1;
	out->buf = grown;
	out->cap = cap;
	return 0;
}

/* Room is reserved: at most 6 bytes a byte of s, and the quotes. */
static void
put_string(struct history_text *out, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	char			*o = out->buf + out->len;
	unsigned char		 ch;

	*o++ = '"';
	for (; (ch = (unsigned char)*s) != '\0'; s++)
		if (ch == '"' || ch == '\\') {
			*o++ = '\\';
			*o++ = (char)ch;
		} else if (ch < 0x20) {
			memcpy(o, "\\u00", 4);
			o[4] = hex[ch >> 4];
			o[5] = hex[ch & 0xf];
			o += 6;
		} else
			*o++ = (char)ch;
	*o++ = '"';
	out->len = (size_t)(o - out->buf);
}

static void
put_text(struct history_text *out, const char *s)
{
	size_t	 n = strlen(s);

	memcpy(out->buf + out->len, s, n);
	out->len += n;
}

static const char digit_pairs[] =
    "00010203040506070809" "10111213141516171819" "20212223242526272829"
    "30313233343536373839" "40414243444546474849" "50515253545556575859"
    "60616263646566676869" "70717273747576777879" "80818283848586878889"
    "90919293949596979899";

/* A number, or null when it is not known (below min, 0 or more). */
static void
put_number(struct history_text *out, long long v, long long min)
{
	char			 digits[20], *d = digits + sizeof(digits);
	unsigned long long	 n = (unsigned long long)v;

	if (v < min) {
		put_text(out, "null");
		return;
	}
	/* Not sprintf: a write formats four numbers, and printf's setup
	 * cost more than the history's own scan. Two digits a division. */
	for (; n >= 100; n /= 100) {
		d -= 2;
		memcpy(d, digit_pairs + 2 * (n % 100), 2);
	}
	if (n >= 10) {
		d -= 2;
		memcpy(d, digit_pairs + 2 * n, 2);
	} else
		*--d = (char)('0' + n);
	memcpy(out->buf + out->len, d, (size_t)(digits + sizeof(digits) - d));
	out->len += (size_t)(digits + sizeof(digits) - d);
}

static int
put_change(struct history_text *out, long long seq,
    const struct history_change *c)
{
	const char	*meta = c->old_sequence >= 0 && c->old_metadata != NULL ?
	    c->old_metadata : "";
	size_t		 strings = strlen(c->origin) + strlen(meta) +
	    (c->operation != NULL ? strlen(c->operation) : 0);

	/* Four numbers of 20 characters, seven separators, three quoted
	 * strings or nulls. */
	if (strings > SIZE_MAX / 8 || reserve(out, 6 * strings + 128) == -1)
		return -1;
	out->buf[out->len++] = '[';
	put_number(out, seq, 0);
	out->buf[out->len++] = ',';
	put_number(out, c->changed_ms, 0);
	out->buf[out->len++] = ',';
	put_string(out, c->origin);
	out->buf[out->len++] = ',';
	if (c->operation != NULL)
		put_string(out, c->operation);
	else
		put_text(out, "null");
	out->buf[out->len++] = ',';
	put_number(out, c->old_sequence, 0);
	out->buf[out->len++] = ',';
	put_number(out, c->old_set_ms, 1);
	out->buf[out->len++] = ',';
	if (c->old_sequence >= 0)
		put_string(out, meta);
	else
		put_text(out, "null");
	out->buf[out->len++] = ']';
	return 0;
}

/*
 * Back from p over spaces, not below lo.
 */
static const char *
space_before(const char *lo, const char *p)
{
	while (p > lo && byte_class[(unsigned char)p[-1]] == B_SPACE)
		p--;
	return p;
}

/*
 * The start of the change whose closing ']' is at close, walked back from
 * there, not below lo; NULL when the bytes before it are not one. Walking
 * back over a string is exact for well-formed text: a quote ends one
 * unless an odd run of backslashes is before it. What is found here is
 * only a candidate, which the caller reads forwards to be sure.
 */
static const char *
change_before(const char *lo, const char *close)
{
	const char	*p = close, *quote, *run;

	for (;;) {
		if ((p = space_before(lo, p)) == lo)
			return NULL;
		if (p[-1] == '"') {
			for (p--;;) {
				if ((quote = memrchr(lo, '"', (size_t)(p - lo))) ==
				    NULL)
					return NULL;
				for (run = quote; run > lo && run[-1] == '\\'; run--)
					;
				p = quote;
				if ((quote - run) % 2 == 0)
					break;
			}
		} else {
			for (run = p; p > lo &&
			    byte_class[(unsigned char)p[-1]] == B_TOKEN; p--)
				;
			if (p == run)
				return NULL;
		}
		if ((p = space_before(lo, p)) == lo)
			return NULL;
		if (*--p == '[')
			return p;
		if (*p != ',')
			return NULL;
	}
}

/*
 * The start of the change that ends at newest_end (past its ']'), not
 * below lo, with its seq and change time (so that what read_all calls
 * damaged is) read into *seq and *changed_ms; NULL when there is none. It
 * starts at the last '[' unless its strings hold one: then that '[' does
 * not read as a change up to newest_end (from inside a string, quotes pair
 * up the other way and the last one opens a string that never closes), and
 * the change is walked back to token by token.
 */
static const char *
newest_change(const char *lo, const char *newest_end, long long *seq,
    long long *changed_ms)
{
	const char	*start;

	start = memrchr(lo, '[', (size_t)(newest_end - 1 - lo));
	if (start != NULL &&
	    read_change(start, newest_end, seq, changed_ms) == newest_end)
		return start;
	start = change_before(lo, newest_end - 1);
	if (start != NULL &&
	    read_change(start, newest_end, seq, changed_ms) == newest_end)
		return start;
	return NULL;
}

/* Where a history's changes are, once its text is read. */
struct shape {
	size_t		 count;		/* of changes */
	long long	 newest_seq;	/* 0 when there are none */
	const char	*first;		/* the oldest change */
	const char	*second;	/* the one after it; NULL: not known */
	const char	*newest_end;	/* past the newest change's ']' */
};

/*
 * Reads text whole into *sh. False when it is not a history; an empty
 * text is one with none.
 */
static bool
read_all(const char *text, size_t len, struct shape *sh)
{
	const char	*end = text + len, *p;
	long long	 changed;

	sh->second = NULL;
	if (!read_newest(text, len, &sh->count, &sh->newest_seq, &changed))
		return false;
	if (sh->count > 0) {
		p = skip_space(text, end);
		sh->first = skip_space(p + 1, end);
		sh->newest_end = space_before(text,
		    space_before(text, end) - 1);
	}
	return true;
}

/*
 * As read_all, reading only the oldest change and the newest, found from
 * the end: a write appends after the one and drops the other, and a
 * history this file writes numbers its changes one by one, so their seqs
 * give the count. The changes between are copied as they are, unread.
 * False when the text does not have that shape with 2 to depth changes:
 * the caller reads it whole.
 */
static bool
read_ends(const char *text, size_t len, size_t depth, struct shape *sh)
{
	const char	*end = text + len, *p, *newest, *close;
	long long	 first_seq, newest_changed;

	p = skip_space(text, end);
	if (p == end || *p != '[')
		return false;
	sh->first = skip_space(p + 1, end);
	close = space_before(sh->first, end) - 1;
	if (close < sh->first || *close != ']')
		return false;
	sh->newest_end = space_before(sh->first, close);
	if (sh->newest_end == sh->first || sh->newest_end[-1] != ']')
		return false;
	if ((newest = newest_change(sh->first, sh->newest_end, &sh->newest_seq,
	    &newest_changed)) == NULL || newest == sh->first ||
	    space_before(sh->first, newest)[-1] != ',' ||
	    (p = read_change(sh->first, end, &first_seq, NULL)) == NULL ||
	    (p = skip_space(p, end)) == end || *p != ',')
		return false;
	sh->second = skip_space(p + 1, end);
	if (first_seq < 0 || sh->newest_seq <= first_seq ||
	    (unsigned long long)(sh->newest_seq - first_seq) >= depth)
		return false;
	sh->count = (size_t)(sh->newest_seq - first_seq) + 1;
	return true;
}

/*
 * A new text is padded with spaces before its closing ']' (which the next
 * append does not copy): to the length of the one it replaces when that is
 * at most PAD_MAX longer, else to a multiple of PAD_STEP. SQLite rewrites
 * a row in place only when its size stays the same; otherwise it deletes
 * the cell and inserts it again, and on a full page that splits it,
 * writing two more pages. The numbers in a history change width as they
 * grow, as the oldest change goes and as a consumer starts again, so
 * unpadded, most writes changed the row's size.
 */
#define PAD_MAX		32
#define PAD_STEP	16

int
history_append(struct history_text *out, const char *text, size_t len,
    const struct history_change *c, int depth, bool *damaged)
{
	struct shape	 sh = { 0, 0, NULL, NULL, NULL };
	const char	*p, *end;
	size_t		 drop, natural, padded;

	out->len = 0;
	if (text == NULL)
		text = "", len = 0;
	if (depth < 1)
		depth = 1;
	end = text + len;
	*damaged = !read_ends(text, len, (size_t)depth, &sh) &&
	    !read_all(text, len, &sh);
	/* A newest seq with none after it is no history either. */
	if (*damaged || sh.newest_seq == INT64_MAX) {
		*damaged = true;
		sh.count = 0;
		sh.newest_seq = 0;
	}
	/* The oldest go, so that with c the newest depth are kept. */
	drop = sh.count >= (size_t)depth ? sh.count - (size_t)depth + 1 : 0;
	if (reserve(out, 2) == -1)
		return -1;
	out->buf[out->len++] = '[';
	if (sh.count > drop) {
		p = sh.first;
		if (drop > 0 && sh.second != NULL)
			p = sh.second, drop--;
		for (; drop > 0; drop--)	/* each change and its comma */
			p = skip_space(skip_space(skip_change(p, end), end) + 1,
			    end);
		if (reserve(out, (size_t)(sh.newest_end - p) + 1) == -1)
			return -1;
		memcpy(out->buf + out->len, p, (size_t)(sh.newest_end - p));
		out->len += (size_t)(sh.newest_end - p);
		out->buf[out->len++] = ',';
	}
	if (put_change(out, sh.newest_seq + 1, c) == -1 ||
	    reserve(out, PAD_MAX + PAD_STEP + 2) == -1)
		return -1;
	natural = out->len + 1;
	padded = natural <= len && len - natural <= PAD_MAX ? len :
	    (natural + PAD_STEP - 1) / PAD_STEP * PAD_STEP;
	memset(out->buf + out->len, ' ', padded - natural);
	out->len = padded - 1;
	out->buf[out->len++] = ']';
	out->buf[out->len] = '\0';
	return 0;
}
