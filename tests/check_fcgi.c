/*
 * check_fcgi.c: the FastCGI record layer (src/fcgi.c) on its own, fed the
 * bytes a peer would send, whole and split at every byte boundary: every
 * record type, bad versions, pair lengths of 0, 127, 128 and up to
 * 0x7fffffff with sums that overflow 32 bits, params and pairs split
 * across records, padding, multiplexed ids, KEEP_CONN, ABORT, roles, a
 * body over the limit, management records and their bound, and the
 * records it builds.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "fcgi.h"

enum {
	BEGIN = 1, ABORT = 2, END = 3, PARAMS = 4, STDIN = 5, STDOUT = 6,
	STDERR = 7, DATA = 8, GET_VALUES = 9, GET_VALUES_RESULT = 10,
	UNKNOWN_TYPE = 11
};

/* ---- building what a peer sends ---------------------------------------- */

struct bytes {
	unsigned char	*p;
	size_t		 len, cap;
};

static void
put(struct bytes *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		ck_assert_ptr_nonnull(b->p);
	}
	if (len > 0)
		memcpy(b->p + b->len, data, len);
	b->len += len;
}

static void
rec_v(struct bytes *b, int version, int type, unsigned id, const void *c,
    size_t len, unsigned padding)
{
	unsigned char	 h[8] = { (unsigned char)version, (unsigned char)type,
	    (unsigned char)(id >> 8), (unsigned char)id,
	    (unsigned char)(len >> 8), (unsigned char)len,
	    (unsigned char)padding, 0 };
	unsigned char	 pad[255] = { 0 };

	ck_assert_uint_le(len, 65535);
	put(b, h, 8);
	put(b, c, len);
	put(b, pad, padding);
}

static void
rec(struct bytes *b, int type, unsigned id, const void *c, size_t len)
{
	rec_v(b, 1, type, id, c, len, 0);
}

static void
begin(struct bytes *b, unsigned id, unsigned role, bool keep)
{
	unsigned char	 c[8] = { (unsigned char)(role >> 8),
	    (unsigned char)role, keep ? 1 : 0, 0, 0, 0, 0, 0 };

	rec(b, BEGIN, id, c, sizeof(c));
}

/* A length as FastCGI encodes it: 1 byte below 128 unless wide. */
static void
put_len(struct bytes *b, uint32_t len, bool wide)
{
	unsigned char	 l[4] = { (unsigned char)(len >> 24 | 0x80),
	    (unsigned char)(len >> 16), (unsigned char)(len >> 8),
	    (unsigned char)len };
	unsigned char	 one = (unsigned char)len;

	if (len < 128 && !wide)
		put(b, &one, 1);
	else
		put(b, l, 4);
}

static void
pair(struct bytes *b, const char *name, const char *value)
{
	put_len(b, (uint32_t)strlen(name), false);
	put_len(b, (uint32_t)strlen(value), false);
	put(b, name, strlen(name));
	put(b, value, strlen(value));
}

/* PARAMS records of pairs, then the empty one. */
static void
params(struct bytes *b, unsigned id, const struct bytes *pairs)
{
	size_t	 off, n;

	for (off = 0; off < pairs->len; off += n) {
		n = pairs->len - off > 65535 ? 65535 : pairs->len - off;
		rec(b, PARAMS, id, pairs->p + off, n);
	}
	rec(b, PARAMS, id, NULL, 0);
}

/* A whole POST: BEGIN, two params, body, the empty STDIN. */
static void
request(struct bytes *b, unsigned id, bool keep, const char *body)
{
	struct bytes	 pr = { 0 };

	begin(b, id, 1, keep);
	pair(&pr, "REQUEST_METHOD", "POST");
	pair(&pr, "REQUEST_URI", "/v2/p1/apps");
	params(b, id, &pr);
	if (*body != '\0')
		rec(b, STDIN, id, body, strlen(body));
	rec(b, STDIN, id, NULL, 0);
	free(pr.p);
}

/* ---- driving the parser ------------------------------------------------- */

static struct fcgi_conn	 fc;

static void
setup(void)
{
	fcgi_init(&fc, 1000, 77);
}

static void
teardown(void)
{
	fcgi_free(&fc);
}

/*
 * Feeds b from *off in pieces of at most chunk bytes until an event other
 * than MORE or the end; returns that event.
 */
static enum fcgi_event
feed(struct fcgi_conn *c, const struct bytes *b, size_t *off, size_t chunk)
{
	enum fcgi_event	 ev = FCGI_EV_MORE;
	size_t		 n, used;

	while (*off < b->len) {
		n = b->len - *off < chunk ? b->len - *off : chunk;
		ev = fcgi_feed(c, b->p + *off, n, &used);
		ck_assert_uint_le(used, n);
		*off += used;
		if (ev != FCGI_EV_MORE)
			return ev;
		ck_assert_uint_eq(used, n);
	}
	return ev;
}

static enum fcgi_event
feed_all(const struct bytes *b)
{
	size_t	 off = 0;

	return feed(&fc, b, &off, b->len ? b->len : 1);
}

static const char *
env(const char *name)
{
	char *const	*e = fcgi_envp(&fc);
	size_t		 n = strlen(name);

	ck_assert_ptr_nonnull(e);
	for (; *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static size_t
nenv(void)
{
	char *const	*e = fcgi_envp(&fc);
	size_t		 n = 0;

	while (e[n] != NULL)
		n++;
	return n;
}

/* One record of the output. */
struct out_rec {
	int		 type;
	unsigned	 id;
	const unsigned char *c;
	size_t		 len;
};

/* Splits the pending output into records; returns how many. */
static size_t
out_records(struct out_rec *r, size_t max)
{
	const unsigned char	*p = (const unsigned char *)fc.out;
	size_t			 left = fcgi_pending(&fc), n = 0, len;

	if (left > 0)
		p += fc.out_off;

	while (left > 0) {
		ck_assert_uint_ge(left, 8);
		ck_assert_int_eq(p[0], 1);
		len = (size_t)p[4] << 8 | p[5];
		ck_assert_uint_ge(left, 8 + len + p[6]);
		ck_assert_uint_lt(n, max);
		r[n].type = p[1];
		r[n].id = (unsigned)p[2] << 8 | p[3];
		r[n].c = p + 8;
		r[n].len = len;
		n++;
		left -= 8 + len + p[6];
		p += 8 + len + p[6];
	}
	return n;
}

static void
expect_end_request(const struct out_rec *r, unsigned id, int proto)
{
	ck_assert_int_eq(r->type, END);
	ck_assert_uint_eq(r->id, id);
	ck_assert_uint_eq(r->len, 8);
	ck_assert_int_eq(r->c[0] | r->c[1] | r->c[2] | r->c[3], 0);
	ck_assert_int_eq(r->c[4], proto);
}

/* ---- a request, whole and split ----------------------------------------- */

static void
check_simple(void)
{
	ck_assert_str_eq(env("REQUEST_METHOD"), "POST");
	ck_assert_str_eq(env("REQUEST_URI"), "/v2/p1/apps");
	ck_assert_uint_eq(nenv(), 2);
	ck_assert_uint_eq(fc.body_len, 16);
	ck_assert_int_eq(memcmp(fc.body, "{\"app_name\":\"a\"}", 16), 0);
	ck_assert(!fc.body_cut);
}

START_TEST(whole_request)
{
	struct bytes	 b = { 0 };
	struct out_rec	 r[8];
	size_t		 off = 0;

	request(&b, 1, false, "{\"app_name\":\"a\"}");
	ck_assert_int_eq(feed(&fc, &b, &off, b.len), FCGI_EV_REQUEST);
	ck_assert_uint_eq(off, b.len);
	check_simple();
	ck_assert_uint_eq(fcgi_pending(&fc), 0);
	ck_assert_int_eq(fcgi_stdout(&fc, "Status: 201\r\n\r\n", 15), 0);
	ck_assert(!fcgi_end(&fc));
	ck_assert_uint_eq(out_records(r, 8), 3);
	ck_assert_int_eq(r[0].type, STDOUT);
	ck_assert_uint_eq(r[0].id, 1);
	ck_assert_uint_eq(r[0].len, 15);
	ck_assert_int_eq(r[1].type, STDOUT);
	ck_assert_uint_eq(r[1].len, 0);
	expect_end_request(&r[2], 1, 0);
	fcgi_written(&fc, 10);
	ck_assert_uint_eq(fcgi_pending(&fc), 23 + 8 + 16 - 10);
	fcgi_written(&fc, fcgi_pending(&fc));
	ck_assert_uint_eq(fcgi_pending(&fc), 0);
	free(b.p);
}
END_TEST

/* Every piece size, and every cut into two pieces. */
START_TEST(split_everywhere)
{
	struct bytes	 b = { 0 };
	size_t		 chunk, cut, off, used;

	request(&b, 1, false, "{\"app_name\":\"a\"}");
	for (chunk = 1; chunk <= b.len; chunk++) {
		fcgi_init(&fc, 1000, 77);
		off = 0;
		ck_assert_int_eq(feed(&fc, &b, &off, chunk), FCGI_EV_REQUEST);
		ck_assert_uint_eq(off, b.len);
		check_simple();
		fcgi_free(&fc);
	}
	for (cut = 0; cut <= b.len; cut++) {
		fcgi_init(&fc, 1000, 77);
		ck_assert_int_eq(fcgi_feed(&fc, b.p, cut, &used),
		    cut == b.len ? FCGI_EV_REQUEST : FCGI_EV_MORE);
		ck_assert_uint_eq(used, cut);
		ck_assert_int_eq(fcgi_feed(&fc, b.p + cut, b.len - cut, &used),
		    FCGI_EV_REQUEST);
		check_simple();
		fcgi_free(&fc);
	}
	free(b.p);
}
END_TEST

START_TEST(bad_version)
{
	static const int	 versions[] = { 0, 2, 255 };
	struct bytes		 b = { 0 };
	size_t			 i, used;

	for (i = 0; i < 3; i++) {
		b.len = 0;
		rec_v(&b, versions[i], BEGIN, 1, "\0\1\0\0\0\0\0\0", 8, 0);
		fcgi_init(&fc, 1000, 77);
		ck_assert_int_eq(fcgi_feed(&fc, b.p, b.len, &used),
		    FCGI_EV_ERROR);
		fcgi_free(&fc);
	}
	/* A good record, then a bad one: the second header is refused. */
	b.len = 0;
	begin(&b, 1, 1, false);
	rec_v(&b, 0, PARAMS, 1, NULL, 0, 0);
	fcgi_init(&fc, 1000, 77);
	ck_assert_int_eq(fcgi_feed(&fc, b.p, b.len, &used), FCGI_EV_ERROR);
	ck_assert_uint_eq(used, b.len);
	free(b.p);
}
END_TEST

/* A header cut short is no record yet: the parser waits for the rest. */
START_TEST(truncated_header)
{
	struct bytes	 b = { 0 };
	size_t		 n, used;

	begin(&b, 1, 1, false);
	for (n = 0; n < 8; n++) {
		fcgi_init(&fc, 1000, 77);
		ck_assert_int_eq(fcgi_feed(&fc, b.p, n, &used), FCGI_EV_MORE);
		ck_assert_uint_eq(used, n);
		ck_assert(!fcgi_in_request(&fc));
		ck_assert_int_eq(fcgi_eof(&fc), FCGI_EV_CLOSE);
		fcgi_free(&fc);
	}
	free(b.p);
}
END_TEST

/* ---- params --------------------------------------------------------------- */

static char *
text_of(char c, size_t n)
{
	char	*s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

START_TEST(param_lengths)
{
	static const size_t	 lens[] = { 0, 1, 127, 128, 255, 65535, 70000 };
	struct bytes		 b = { 0 }, pr = { 0 };
	char			*v, name[32];
	size_t			 i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		v = text_of('v', lens[i]);
		snprintf(name, sizeof(name), "N%zu", lens[i]);
		pair(&pr, name, v);
		free(v);
	}
	/* A short length sent in 4 bytes is still that length. */
	put_len(&pr, 1, true);
	put_len(&pr, 2, true);
	put(&pr, "Wxy", 3);
	begin(&b, 1, 1, false);
	params(&b, 1, &pr);
	rec(&b, STDIN, 1, NULL, 0);
	ck_assert_int_eq(feed_all(&b), FCGI_EV_REQUEST);
	ck_assert_uint_eq(nenv(), 8);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		snprintf(name, sizeof(name), "N%zu", lens[i]);
		ck_assert_uint_eq(strlen(env(name)), lens[i]);
	}
	ck_assert_str_eq(env("W"), "xy");
	ck_assert_uint_eq(fc.body_len, 0);
	free(b.p);
	free(pr.p);
}
END_TEST

/* Issue 10's 32-byte message, and lengths whose sum overflows 32 bits. */
START_TEST(param_huge_lengths)
{
	static const uint32_t	 lens[][2] = {
		{ 0x7ffffffe, 0x7ffffffe }, { 0x7fffffff, 0x7fffffff },
		{ 0x7fffffff, 1 }, { 0, 0x7fffffff }, { 0x7fffffff, 0 },
		{ FCGI_PARAMS_LIMIT, 0 },
	};
	struct bytes		 b = { 0 }, pr = { 0 };
	size_t			 i, used;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		b.len = pr.len = 0;
		put_len(&pr, lens[i][0], true);
		put_len(&pr, lens[i][1], true);
		begin(&b, 1, 1, false);
		rec(&b, PARAMS, 1, pr.p, pr.len);
		ck_assert_uint_eq(b.len, 32);
		fcgi_init(&fc, 1000, 77);
		ck_assert_int_eq(fcgi_feed(&fc, b.p, b.len, &used),
		    FCGI_EV_ERROR);
		/* Refused on the lengths alone: nothing was kept for them. */
		ck_assert_uint_le(fc.params_cap, 512);
		fcgi_free(&fc);
	}
	free(b.p);
	free(pr.p);
}
END_TEST

/* The total: at the limit it passes, one byte over it closes. */
START_TEST(param_total_limit)
{
	struct bytes	 b = { 0 }, pr = { 0 };
	size_t		 value, used, over;
	char		*v;

	for (over = 0; over < 2; over++) {
		b.len = pr.len = 0;
		/* One pair "A=<value>" costs 1 + value + 2 + a pointer. */
		value = FCGI_PARAMS_LIMIT - 3 - sizeof(char *) + over;
		v = text_of('v', value);
		pair(&pr, "A", v);
		free(v);
		begin(&b, 1, 1, false);
		params(&b, 1, &pr);
		rec(&b, STDIN, 1, NULL, 0);
		fcgi_init(&fc, 1000, 77);
		ck_assert_int_eq(fcgi_feed(&fc, b.p, b.len, &used),
		    over ? FCGI_EV_ERROR : FCGI_EV_REQUEST);
		if (!over)
			ck_assert_uint_eq(strlen(env("A")), value);
		fcgi_free(&fc);
	}
	/* Many empty pairs count too: their pointers are memory. */
	b.len = pr.len = 0;
	for (value = 0; value <= FCGI_PARAMS_LIMIT / (2 + sizeof(char *));
	    value++)
		put(&pr, "\0\0", 2);
	begin(&b, 1, 1, false);
	params(&b, 1, &pr);
	fcgi_init(&fc, 1000, 77);
	ck_assert_int_eq(fcgi_feed(&fc, b.p, b.len, &used), FCGI_EV_ERROR);
	free(b.p);
	free(pr.p);
}
END_TEST

/* A pair, and its lengths, split across PARAMS records anywhere. */
START_TEST(params_across_records)
{
	struct bytes	 pr = { 0 }, b = { 0 };
	char		*v = text_of('z', 300);
	size_t		 cut;

	pair(&pr, "HTTP_X_LONG", v);
	pair(&pr, "REQUEST_METHOD", "GET");
	for (cut = 0; cut <= pr.len; cut++) {
		b.len = 0;
		begin(&b, 1, 1, false);
		if (cut > 0)
			rec(&b, PARAMS, 1, pr.p, cut);
		if (cut < pr.len)
			rec(&b, PARAMS, 1, pr.p + cut, pr.len - cut);
		rec(&b, PARAMS, 1, NULL, 0);
		rec(&b, STDIN, 1, NULL, 0);
		fcgi_init(&fc, 1000, 77);
		ck_assert_int_eq(feed_all(&b), FCGI_EV_REQUEST);
		ck_assert_str_eq(env("HTTP_X_LONG"), v);
		ck_assert_str_eq(env("REQUEST_METHOD"), "GET");
		fcgi_free(&fc);
	}
	/* Params that end inside a pair are no params. */
	b.len = 0;
	begin(&b, 1, 1, false);
	rec(&b, PARAMS, 1, pr.p, 5);
	rec(&b, PARAMS, 1, NULL, 0);
	fcgi_init(&fc, 1000, 77);
	ck_assert_int_eq(feed_all(&b), FCGI_EV_ERROR);
	free(v);
	free(pr.p);
	free(b.p);
}
END_TEST

/* ---- records, padding, ids ---------------------------------------------- */

START_TEST(padding)
{
	struct bytes	 b = { 0 }, pr = { 0 };
	size_t		 chunk, off;

	pair(&pr, "REQUEST_METHOD", "POST");
	rec_v(&b, 1, BEGIN, 1, "\0\1\0\0\0\0\0\0", 8, 255);
	rec_v(&b, 1, PARAMS, 1, pr.p, pr.len, 7);
	rec_v(&b, 1, PARAMS, 1, NULL, 0, 3);
	rec_v(&b, 1, STDIN, 1, "abc", 3, 5);
	rec_v(&b, 1, STDIN, 1, NULL, 0, 1);
	for (chunk = 1; chunk <= b.len; chunk++) {
		fcgi_init(&fc, 1000, 77);
		off = 0;
		ck_assert_int_eq(feed(&fc, &b, &off, chunk), FCGI_EV_REQUEST);
		/* The padding of the last record is for the next feed. */
		ck_assert_uint_ge(off, b.len - 1);
		ck_assert_str_eq(env("REQUEST_METHOD"), "POST");
		ck_assert_uint_eq(fc.body_len, 3);
		ck_assert_int_eq(memcmp(fc.body, "abc", 3), 0);
		fcgi_free(&fc);
	}
	free(b.p);
	free(pr.p);
}
END_TEST

/* Bodies in records of 0..65535 bytes, the limit exactly and over it. */
START_TEST(stdin_lengths_and_limit)
{
	struct bytes	 b = { 0 };
	char		*big = text_of('b', 65535);
	size_t		 i;

	fcgi_free(&fc);
	fcgi_init(&fc, 65535 + 128 + 127, 77);
	begin(&b, 1, 1, false);
	rec(&b, PARAMS, 1, NULL, 0);
	rec(&b, STDIN, 1, big, 127);
	rec(&b, STDIN, 1, big, 128);
	rec(&b, STDIN, 1, big, 65535);
	rec(&b, STDIN, 1, NULL, 0);
	ck_assert_int_eq(feed_all(&b), FCGI_EV_REQUEST);
	ck_assert_uint_eq(fc.body_len, 65535 + 128 + 127);
	ck_assert_uint_eq(nenv(), 0);
	fcgi_free(&fc);
	/* Over the limit: limit + 1 bytes kept, the rest read and dropped. */
	fcgi_init(&fc, 10, 77);
	b.len = 0;
	begin(&b, 1, 1, false);
	rec(&b, PARAMS, 1, NULL, 0);
	for (i = 0; i < 20; i++)
		rec(&b, STDIN, 1, big, 65535);
	rec(&b, STDIN, 1, NULL, 0);
	ck_assert_int_eq(feed_all(&b), FCGI_EV_REQUEST);
	ck_assert_uint_eq(fc.body_len, 11);
	ck_assert_uint_le(fc.body_cap, 11);
	free(big);
	free(b.p);
}
END_TEST

START_TEST(multiplexed_ids)
{
	struct bytes	 b = { 0 }, pr = { 0 };
	struct out_rec	 r[8];

	begin(&b, 1, 1, false);
	begin(&b, 2, 1, false);
	pair(&pr, "REQUEST_URI", "/two");
	rec(&b, PARAMS, 2, pr.p, pr.len);
	rec(&b, PARAMS, 2, NULL, 0);
	rec(&b, STDIN, 2, "x", 1);
	rec(&b, STDIN, 2, NULL, 0);
	rec(&b, ABORT, 2, NULL, 0);
	pr.len = 0;
	pair(&pr, "REQUEST_URI", "/one");
	rec(&b, PARAMS, 1, pr.p, pr.len);
	rec(&b, PARAMS, 1, NULL, 0);
	rec(&b, STDIN, 1, NULL, 0);
	ck_assert_int_eq(feed_all(&b), FCGI_EV_REQUEST);
	ck_assert_str_eq(env("REQUEST_URI"), "/one");
	ck_assert_uint_eq(nenv(), 1);
	ck_assert_uint_eq(fc.body_len, 0);
	ck_assert_uint_eq(out_records(r, 8), 1);
	expect_end_request(&r[0], 2, 1);	/* FCGI_CANT_MPX_CONN */
	free(b.p);
	free(pr.p);
}
END_TEST

/* Records for no request, and the same BEGIN twice, change nothing. */
START_TEST(inactive_ids_ignored)
{
	struct bytes	 b = { 0 }, pr = { 0 };

	pair(&pr, "A", "B");
	rec(&b, STDIN, 5, "junk", 4);
	rec(&b, PARAMS, 5, pr.p, pr.len);
	rec(&b, ABORT, 5, NULL, 0);
	rec(&b, DATA, 5, "d", 1);
	rec(&b, STDOUT, 5, "o", 1);
	rec(&b, 200, 5, "u", 1);
	ck_assert_int_eq(feed_all(&b), FCGI_EV_MORE);
	ck_assert(!fcgi_in_request(&fc));
	ck_assert_uint_eq(fcgi_pending(&fc), 0);
	b.len = 0;
	begin(&b, 3, 1, false);
	begin(&b, 3, 1, true);
	rec(&b, DATA, 3, "d", 1);
	rec(&b, PARAMS, 3, pr.p, pr.len);
	rec(&b, PARAMS, 3, NULL, 0);
	rec(&b, STDIN, 3, NULL, 0);
	ck_assert_int_eq(feed_all(&b), FCGI_EV_REQUEST);
	ck_assert_str_eq(env("A"), "B");
	ck_assert_uint_eq(fcgi_pending(&fc), 0);
	ck_assert(!fcgi_end(&fc));
	free(b.p);
	free(pr.p);
}
END_TEST

/* Out of order: a body before the params end, params after they ended. */
START_TEST(out_of_order)
{
	struct bytes	 b = { 0 };

	begin(&b, 1, 1, false);
	rec(&b, STDIN, 1, "x", 1);
	ck_assert_int_eq(feed_all(&b), FCGI_EV_ERROR);
	fcgi_free(&fc);
	fcgi_init(&fc, 1000, 77);
	b.len = 0;
	begin(&b, 1, 1, false);
	rec(&b, PARAMS, 1, NULL, 0);
	rec(&b, PARAMS, 1, "\1\1AB", 4);
	ck_assert_int_eq(feed_all(&b), FCGI_EV_ERROR);
	fcgi_free(&fc);
	/* A BEGIN without its 8 bytes of body. */
	fcgi_init(&fc, 1000, 77);
	b.len = 0;
	rec(&b, BEGIN, 1, "\0\1\0", 3);
	ck_assert_int_eq(feed_all(&b), FCGI_EV_ERROR);
	free(b.p);
}
END_TEST

/* ---- KEEP_CONN, ABORT, EOF, roles --------------------------------------- */

START_TEST(keep_conn)
{
	struct bytes	 b = { 0 };
	size_t		 off = 0;
	struct out_rec	 r[8];

	/* Two requests sent together: the second waits for the first's end. */
	request(&b, 1, true, "{\"app_name\":\"a\"}");
	request(&b, 9, false, "second");
	ck_assert_int_eq(feed(&fc, &b, &off, b.len), FCGI_EV_REQUEST);
	ck_assert_uint_lt(off, b.len);
	check_simple();
	ck_assert_int_eq(feed(&fc, &b, &off, b.len), FCGI_EV_REQUEST);
	ck_assert_str_eq(env("REQUEST_METHOD"), "POST");
	ck_assert_uint_eq(fc.body_len, 16);
	ck_assert(fcgi_end(&fc));
	ck_assert_int_eq(feed(&fc, &b, &off, b.len), FCGI_EV_REQUEST);
	ck_assert_uint_eq(off, b.len);
	ck_assert_uint_eq(fc.body_len, 6);
	ck_assert(!fcgi_end(&fc));
	ck_assert_uint_eq(out_records(r, 8), 4);
	expect_end_request(&r[1], 1, 0);
	expect_end_request(&r[3], 9, 0);
	free(b.p);
}
END_TEST

START_TEST(abort_mid_body)
{
	struct bytes	 b = { 0 };
	bool		 keep;

	for (keep = false; ; keep = true) {
		b.len = 0;
		begin(&b, 1, 1, keep);
		rec(&b, PARAMS, 1, "\1\1AB", 4);
		rec(&b, PARAMS, 1, NULL, 0);
		rec(&b, STDIN, 1, "part", 4);
		rec(&b, ABORT, 1, NULL, 0);
		fcgi_init(&fc, 1000, 77);
		ck_assert_int_eq(feed_all(&b), FCGI_EV_REQUEST);
		/* Complete but cut: the service answers "cut short". */
		ck_assert(fc.body_cut);
		ck_assert_uint_eq(fc.body_len, 4);
		ck_assert_str_eq(env("A"), "B");
		ck_assert(fcgi_end(&fc) == keep);
		fcgi_free(&fc);
		if (keep)
			break;
	}
	free(b.p);
}
END_TEST

START_TEST(abort_in_params)
{
	struct bytes	 b = { 0 };
	struct out_rec	 r[4];
	bool		 keep;

	for (keep = false; ; keep = true) {
		b.len = 0;
		begin(&b, 4, 1, keep);
		rec(&b, PARAMS, 4, "\1\1AB", 4);
		rec(&b, ABORT, 4, NULL, 0);
		fcgi_init(&fc, 1000, 77);
		ck_assert_int_eq(feed_all(&b),
		    keep ? FCGI_EV_MORE : FCGI_EV_CLOSE);
		ck_assert(!fcgi_in_request(&fc));
		ck_assert_uint_eq(out_records(r, 4), 1);
		expect_end_request(&r[0], 4, 0);
		fcgi_free(&fc);
		if (keep)
			break;
	}
	free(b.p);
}
END_TEST

START_TEST(eof)
{
	struct bytes	 b = { 0 };

	begin(&b, 1, 1, true);
	rec(&b, PARAMS, 1, NULL, 0);
	rec(&b, STDIN, 1, "ab", 2);
	ck_assert_int_eq(feed_all(&b), FCGI_EV_MORE);
	ck_assert(fcgi_in_request(&fc));
	ck_assert_int_eq(fcgi_eof(&fc), FCGI_EV_REQUEST);
	ck_assert(fc.body_cut);
	ck_assert_uint_eq(fc.body_len, 2);
	/* Half-closed: the answer goes out, then the connection closes. */
	ck_assert(!fcgi_end(&fc));
	fcgi_free(&fc);
	/* EOF in the params: nothing to answer. */
	fcgi_init(&fc, 1000, 77);
	b.len = 0;
	begin(&b, 1, 1, true);
	ck_assert_int_eq(feed_all(&b), FCGI_EV_MORE);
	ck_assert_int_eq(fcgi_eof(&fc), FCGI_EV_CLOSE);
	free(b.p);
}
END_TEST

START_TEST(roles)
{
	static const unsigned	 rl[] = { 0, 2, 3, 4, 256, 65535 };
	struct bytes		 b = { 0 };
	struct out_rec		 r[4];
	size_t			 i;

	for (i = 0; i < sizeof(rl) / sizeof(rl[0]); i++) {
		b.len = 0;
		begin(&b, 7, rl[i], false);
		fcgi_init(&fc, 1000, 77);
		ck_assert_int_eq(feed_all(&b), FCGI_EV_CLOSE);
		ck_assert(!fcgi_in_request(&fc));
		ck_assert_uint_eq(out_records(r, 4), 1);
		expect_end_request(&r[0], 7, 3);	/* FCGI_UNKNOWN_ROLE */
		fcgi_free(&fc);
	}
	/* With KEEP_CONN the connection stays for a responder request. */
	b.len = 0;
	begin(&b, 7, 2, true);
	request(&b, 8, false, "{\"app_name\":\"a\"}");
	fcgi_init(&fc, 1000, 77);
	ck_assert_int_eq(feed_all(&b), FCGI_EV_REQUEST);
	check_simple();
	free(b.p);
}
END_TEST

/* ---- management records ------------------------------------------------- */

START_TEST(get_values)
{
	struct bytes	 b = { 0 }, pr = { 0 };
	struct out_rec	 r[4];
	static const char expect[] = "\16\2FCGI_MAX_CONNS77"
	    "\15\2FCGI_MAX_REQS77" "\17\1FCGI_MPXS_CONNS0";

	pair(&pr, "FCGI_MPXS_CONNS", "");
	pair(&pr, "FCGI_MAX_REQS", "");
	pair(&pr, "NOT_A_VARIABLE_AT_ALL", "");
	pair(&pr, "FCGI_MAX_CONNS", "");
	rec(&b, GET_VALUES, 0, pr.p, pr.len);
	rec(&b, 99, 0, "x", 1);
	rec(&b, BEGIN, 0, "\0\1\0\0\0\0\0\0", 8);
	ck_assert_int_eq(feed_all(&b), FCGI_EV_MORE);
	ck_assert_uint_eq(out_records(r, 4), 3);
	ck_assert_int_eq(r[0].type, GET_VALUES_RESULT);
	ck_assert_uint_eq(r[0].id, 0);
	ck_assert_uint_eq(r[0].len, sizeof(expect) - 1);
	ck_assert_int_eq(memcmp(r[0].c, expect, r[0].len), 0);
	ck_assert_int_eq(r[1].type, UNKNOWN_TYPE);
	ck_assert_uint_eq(r[1].len, 8);
	ck_assert_int_eq(r[1].c[0], 99);
	ck_assert_int_eq(r[2].type, UNKNOWN_TYPE);
	ck_assert_int_eq(r[2].c[0], BEGIN);
	/* Asked in the middle of a request, it does not disturb it. */
	fcgi_written(&fc, fcgi_pending(&fc));
	b.len = 0;
	begin(&b, 1, 1, false);
	rec(&b, PARAMS, 1, "\1\1", 2);
	rec(&b, GET_VALUES, 0, pr.p, pr.len);
	rec(&b, PARAMS, 1, "AB", 2);
	rec(&b, PARAMS, 1, NULL, 0);
	rec(&b, STDIN, 1, NULL, 0);
	ck_assert_int_eq(feed_all(&b), FCGI_EV_REQUEST);
	ck_assert_str_eq(env("A"), "B");
	ck_assert_uint_eq(out_records(r, 4), 1);
	ck_assert_int_eq(r[0].type, GET_VALUES_RESULT);
	free(b.p);
	free(pr.p);
}
END_TEST

/* A name longer than any known one, arriving a byte at a time. */
START_TEST(get_values_long_name)
{
	struct bytes	 b = { 0 }, pr = { 0 };
	struct out_rec	 r[4];
	size_t		 off = 0;

	pair(&pr, "FCGI_MPXS_CONNS_AND_A_GOOD_DEAL_MORE_THAN_THAT", "");
	pair(&pr, "FCGI_MPXS_CONNS", "");
	rec(&b, GET_VALUES, 0, pr.p, pr.len);
	ck_assert_int_eq(feed(&fc, &b, &off, 1), FCGI_EV_MORE);
	ck_assert_uint_eq(out_records(r, 4), 1);
	ck_assert_uint_eq(r[0].len, 2 + 15 + 1);
	ck_assert_int_eq(memcmp(r[0].c, "\17\1FCGI_MPXS_CONNS0", 18), 0);
	free(b.p);
	free(pr.p);
}
END_TEST

/* A peer that asks and never reads cannot make answers pile up. */
START_TEST(management_bound)
{
	struct bytes	 b = { 0 };
	size_t		 i, off = 0;

	for (i = 0; i < 10000; i++)
		rec(&b, 99, 0, NULL, 0);
	ck_assert_int_eq(feed(&fc, &b, &off, b.len), FCGI_EV_FLUSH);
	ck_assert_uint_lt(off, b.len);
	ck_assert_uint_ge(fcgi_pending(&fc), FCGI_OUT_HIGH);
	ck_assert_uint_le(fcgi_pending(&fc), FCGI_OUT_HIGH + 16);
	/* Once written, reading goes on. */
	fcgi_written(&fc, fcgi_pending(&fc));
	ck_assert_int_eq(feed(&fc, &b, &off, b.len), FCGI_EV_FLUSH);
	free(b.p);
}
END_TEST

/* ---- output ------------------------------------------------------------- */

START_TEST(output_records)
{
	struct bytes	 b = { 0 };
	struct out_rec	 r[8];
	char		*big = text_of('o', 70000);

	request(&b, 300, false, "");
	ck_assert_int_eq(feed_all(&b), FCGI_EV_REQUEST);
	ck_assert_int_eq(fcgi_stderr(&fc, "line\n", 5), 0);
	ck_assert_int_eq(fcgi_stdout(&fc, big, 70000), 0);
	ck_assert_int_eq(fcgi_stdout(&fc, big, 0), 0);
	ck_assert(!fcgi_end(&fc));
	ck_assert_uint_eq(out_records(r, 8), 5);
	ck_assert_int_eq(r[0].type, STDERR);
	ck_assert_uint_eq(r[0].id, 300);
	ck_assert_uint_eq(r[0].len, 5);
	ck_assert_int_eq(r[1].type, STDOUT);
	ck_assert_uint_eq(r[1].len, 65535);
	ck_assert_int_eq(r[2].type, STDOUT);
	ck_assert_uint_eq(r[2].len, 70000 - 65535);
	ck_assert_uint_eq(r[3].len, 0);
	expect_end_request(&r[4], 300, 0);
	free(big);
	free(b.p);
}
END_TEST

static Suite *
fcgi_suite(void)
{
	Suite	*s = suite_create("fcgi");
	TCase	*tc = tcase_create("records");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, whole_request);
	tcase_add_test(tc, split_everywhere);
	tcase_add_test(tc, bad_version);
	tcase_add_test(tc, truncated_header);
	tcase_add_test(tc, param_lengths);
	tcase_add_test(tc, param_huge_lengths);
	tcase_add_test(tc, param_total_limit);
	tcase_add_test(tc, params_across_records);
	tcase_add_test(tc, padding);
	tcase_add_test(tc, stdin_lengths_and_limit);
	tcase_add_test(tc, multiplexed_ids);
	tcase_add_test(tc, inactive_ids_ignored);
	tcase_add_test(tc, out_of_order);
	tcase_add_test(tc, keep_conn);
	tcase_add_test(tc, abort_mid_body);
	tcase_add_test(tc, abort_in_params);
	tcase_add_test(tc, eof);
	tcase_add_test(tc, roles);
	tcase_add_test(tc, get_values);
	tcase_add_test(tc, get_values_long_name);
	tcase_add_test(tc, management_bound);
	tcase_add_test(tc, output_records);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(fcgi_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
