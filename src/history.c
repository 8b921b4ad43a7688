/*
 * history.c: a checkpoint's history text (see history.h): finding its
 * newest change and appending one, pruned to the depth kept. It reads
 * only the shape it and SQLite's JSON functions write (arrays of scalars,
 * whitespace allowed between tokens); anything else is reported damaged,
 * never read past its end.
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

/* Past the scalar at p (a string or a bare token); NULL if there is none. */
static const char *
skip_scalar(const char *p, const char *end)
{
	const char	*start = p;

	if (p < end && *p == '"') {
		for (p++; p < end; p++)
			if (*p == '\\') {
				if (++p == end)
					return NULL;
			} else if (*p == '"')
				return p + 1;
		return NULL;
	}
	while (p < end && byte_class[(unsigned char)*p] == B_TOKEN)
		p++;
	return p > start ? p : NULL;
}

/* Past the change at p, an array of scalars; NULL when it is not one. */
static const char *
skip_change(const char *p, const char *end)
{
	if (p == end || *p != '[')
		return NULL;
	for (p++;;) {
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

/* The integer token at *p, which is moved past it and its comma. */
static bool
take_int(const char **p, const char *end, long long *v)
{
	const char	*q = skip_space(*p, end);
	bool		 neg = false;
	unsigned long long n = 0;
	int		 digits = 0;

	if (q < end && *q == '-') {
		neg = true;
		q++;
	}
	for (; q < end && *q >= '0' && *q <= '9'; q++, digits++) {
		if (n > ((unsigned long long)INT64_MAX - (unsigned)(*q - '0')) / 10)
			return false;
		n = n * 10 + (unsigned)(*q - '0');
	}
	q = skip_space(q, end);
	if (digits == 0 || q == end || (*q != ',' && *q != ']'))
		return false;
	*v = neg ? -(long long)n : (long long)n;
	*p = q + 1;
	return true;
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
	const char	*last, *p;

	*seq = *changed_ms = 0;
	if (!scan(text, len, count, &last)) {
		*count = 0;
		return false;
	}
	if (*count == 0)
		return true;
	p = last + 1;
	if (take_int(&p, text + len, seq) &&
	    take_int(&p, text + len, changed_ms))
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
	 * cost more than the history's own scan. */
	do
		*--d = (char)('0' + n % 10);
	while ((n /= 10) != 0);
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

int
history_append(struct history_text *out, const char *text, size_t len,
    const struct history_change *c, int depth, bool *damaged)
{
	const char	*p, *end, *close;
	long long	 seq, changed;
	size_t		 count, drop;

	out->len = 0;
	if (text == NULL)
		text = "", len = 0;
	if ((*damaged = !read_newest(text, len, &count, &seq, &changed)))
		text = "", len = 0;
	end = text + len;
	if (depth < 1)
		depth = 1;
	/* The oldest go, so that with c the newest depth are kept. */
	drop = count >= (size_t)depth ? count - (size_t)depth + 1 : 0;
	if (reserve(out, 2) == -1)
		return -1;
	out->buf[out->len++] = '[';
	if (count > drop) {
		p = skip_space(skip_space(text, end) + 1, end);
		for (; drop > 0; drop--)	/* each change and its comma */
			p = skip_space(skip_space(skip_change(p, end), end) + 1,
			    end);
		for (close = end; close[-1] != ']'; close--)
			;
		close--;
		if (reserve(out, (size_t)(close - p) + 1) == -1)
			return -1;
		memcpy(out->buf + out->len, p, (size_t)(close - p));
		out->len += (size_t)(close - p);
		out->buf[out->len++] = ',';
	}
	if (put_change(out, seq + 1, c) == -1 || reserve(out, 2) == -1)
		return -1;
	out->buf[out->len++] = ']';
	out->buf[out->len] = '\0';
	return 0;
}
