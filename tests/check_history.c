/*
 * check_history.c: the history text module alone. A first change, a chain
 * of them pruned to the depth (and to a smaller depth later), strings that
 * need escaping read back by a real JSON parser, texts as SQLite writes
 * them, and damaged texts: every cut of a valid text and hand-made ones,
 * each refused by history_last and replaced by the new change alone. A
 * write reads only a history's ends: the newest found from the end, seqs
 * that do not count up, and a damaged change between, carried unread.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "history.h"
#include "testutil.h"

static const struct history_change api_write = { 1700000000000LL, "api",
    NULL, 41, 1690000000000LL, "m41" };

/*
 * The spaces history_append pads a text with, before its closing ']': to
 * the length of the text it replaces (old_len) when that is at most 32
 * longer, else to a multiple of 16. Fails when out is not padded so.
 */
static size_t
padding(const char *out, size_t len, size_t old_len)
{
	size_t	 pad = 0, natural;

	ck_assert_uint_ge(len, 2);
	ck_assert_int_eq(out[len - 1], ']');
	while (pad + 2 < len && out[len - 2 - pad] == ' ')
		pad++;
	natural = len - pad;
	if (natural <= old_len && old_len - natural <= 32)
		ck_assert_uint_eq(len, old_len);
	else {
		ck_assert_uint_eq(len % 16, 0);
		ck_assert_uint_lt(pad, 16);
	}
	return pad;
}

/*
 * Appends c to text (NUL-terminated or NULL) at depth; returns a copy,
 * its padding (checked) taken out.
 */
static char *
append(const char *text, const struct history_change *c, int depth,
    bool *damaged)
{
	struct history_text	 out = { NULL, 0, 0 };
	size_t			 old_len = text ? strlen(text) : 0, pad;
	char			*copy;

	ck_assert_int_eq(history_append(&out, text, old_len, c, depth,
	    damaged), 0);
	ck_assert_uint_eq(strlen(out.buf), out.len);
	pad = padding(out.buf, out.len, old_len);
	memmove(out.buf + out.len - 1 - pad, out.buf + out.len - 1, 2);
	copy = strdup(out.buf);
	free(out.buf);
	return copy;
}

static json_t *
parsed(const char *text)
{
	json_error_t	 e;
	json_t		*j = json_loads(text, 0, &e);

	ck_assert_msg(j != NULL, "not JSON: %s (%s)", text, e.text);
	ck_assert(json_is_array(j));
	return j;
}

START_TEST(test_first_change)
{
	bool		 damaged = true;
	char		*t = append(NULL, &api_write, 10, &damaged);
	long long	 seq, changed;

	ck_assert(!damaged);
	ck_assert_str_eq(t, "[[1,1700000000000,\"api\",null,41,1690000000000,"
	    "\"m41\"]]");
	ck_assert(history_last(t, strlen(t), &seq, &changed));
	ck_assert_int_eq(seq, 1);
	ck_assert_int_eq(changed, 1700000000000LL);
	free(t);
	/* None held: no old value, and an unknown set time, are nulls. */
	{
		struct history_change c = { 5, "reset", "op-1", -1, 0, "x" };

		t = append("", &c, 10, &damaged);
		ck_assert(!damaged);
		ck_assert_str_eq(t, "[[1,5,\"reset\",\"op-1\",null,null,null]]");
		free(t);
	}
	ck_assert(history_last("", 0, &seq, &changed));
	ck_assert_int_eq(seq, 0);
	ck_assert(history_last("[]", 2, &seq, &changed));
	ck_assert_int_eq(seq, 0);
	ck_assert_int_eq(history_count(NULL, 0), 0);
	ck_assert_int_eq(history_count("", 0), 0);
	ck_assert_int_eq(history_count(" [ ] ", 5), 0);
}
END_TEST

/* The seqs of text's changes, oldest first, as "a,b,c". */
static void
seqs(const char *text, char *buf, size_t len)
{
	json_t	*j = parsed(text), *c;
	size_t	 i, at = 0;

	buf[0] = '\0';
	json_array_foreach(j, i, c) {
		ck_assert_uint_eq(json_array_size(c), 7);
		at += (size_t)snprintf(buf + at, len - at, "%s%lld", i ? "," : "",
		    (long long)json_integer_value(json_array_get(c, 0)));
	}
	json_decref(j);
}

/* Appends c to text at depth: not damaged, and the seqs are want. */
static void
expect_seqs(const char *text, const struct history_change *c, int depth,
    const char *want)
{
	bool	 damaged;
	char	*next = append(text, c, depth, &damaged), got[128];

	ck_assert(!damaged);
	seqs(next, got, sizeof(got));
	ck_assert_str_eq(got, want);
	free(next);
}

START_TEST(test_chain_and_depth)
{
	struct history_change	 c = api_write;
	char			*t = NULL, *next, got[128];
	bool			 damaged;
	long long		 seq, changed;
	int			 i;

	for (i = 1; i <= 15; i++) {
		c.changed_ms = 1000 + i;
		c.old_sequence = i - 1;
		next = append(t, &c, 10, &damaged);
		ck_assert(!damaged);
		free(t);
		t = next;
		seqs(t, got, sizeof(got));
		ck_assert_int_eq(history_count(t, strlen(t)), i < 10 ? i : 10);
		if (i == 3)
			ck_assert_str_eq(got, "1,2,3");
	}
	ck_assert_str_eq(got, "6,7,8,9,10,11,12,13,14,15");
	ck_assert(history_last(t, strlen(t), &seq, &changed));
	ck_assert_int_eq(seq, 15);
	ck_assert_int_eq(changed, 1015);
	/* A smaller depth later drops all the oldest at once. */
	expect_seqs(t, &c, 3, "14,15,16");
	/* Depth 1 (and below) keeps the new change alone. */
	expect_seqs(t, &c, 0, "16");
	free(t);
}
END_TEST

START_TEST(test_strings_escaped)
{
	static const char *const metas[] = { "", "a\"b", "back\\slash",
	    "tab\tnl\ncr\r\x01\x1f", "caf\xc3\xa9 \xe2\x82\xac", "]},[\"" };
	struct history_change	 c = api_write;
	json_t			*j, *ch;
	char			*t, *next;
	bool			 damaged;
	size_t			 i;

	c.operation = "op \"quoted\"";
	t = NULL;
	for (i = 0; i < sizeof(metas) / sizeof(metas[0]); i++) {
		c.old_metadata = metas[i];
		next = append(t, &c, 10, &damaged);
		ck_assert(!damaged);
		free(t);
		t = next;
	}
	j = parsed(t);
	ck_assert_uint_eq(json_array_size(j), sizeof(metas) / sizeof(metas[0]));
	json_array_foreach(j, i, ch) {
		ck_assert_str_eq(json_string_value(json_array_get(ch, 6)),
		    metas[i]);
		ck_assert_str_eq(json_string_value(json_array_get(ch, 3)),
		    "op \"quoted\"");
	}
	json_decref(j);
	free(t);
}
END_TEST

/*
 * A write reads only the oldest change and the newest, found from the end
 * (history.c's read_ends): a newest change whose strings look like the
 * end of another is still read right, at the depth and below it.
 */
START_TEST(test_newest_read_back)
{
	static const char *const metas[] = { "\\", "\\\"", "\",[9,9,\"",
	    "],[", "\\\\\"],[1,", "x\\" };
	struct history_change	 c = api_write;
	json_t			*j;
	char			*t = NULL, *next, got[64];
	bool			 damaged;
	size_t			 i;

	for (i = 0; i < sizeof(metas) / sizeof(metas[0]); i++) {
		c.old_metadata = metas[i];
		next = append(t, &c, 3, &damaged);
		ck_assert(!damaged);
		free(t);
		t = next;
		c.old_metadata = "plain";
		next = append(t, &c, 3, &damaged);
		ck_assert(!damaged);
		j = parsed(next);
		ck_assert_str_eq(json_string_value(json_array_get(json_array_get(
		    j, json_array_size(j) - 2), 6)), metas[i]);
		json_decref(j);
		free(next);
	}
	seqs(t, got, sizeof(got));
	ck_assert_str_eq(got, "4,5,6");
	free(t);
}
END_TEST

/* Numbers of every length, as JSON reads them back. */
START_TEST(test_numbers)
{
	static const long long	 values[] = { 0, 7, 10, 99, 100, 101, 999,
	    1000, 123456789, 1700000000000LL, 9223372036854775807LL };
	struct history_change	 c = api_write;
	json_t			*j;
	char			*t;
	bool			 damaged;
	size_t			 i;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		c.old_sequence = values[i];
		c.changed_ms = values[i];
		t = append(NULL, &c, 10, &damaged);
		j = parsed(t);
		ck_assert_int_eq(json_integer_value(json_array_get(
		    json_array_get(j, 0), 4)), values[i]);
		ck_assert_int_eq(json_integer_value(json_array_get(
		    json_array_get(j, 0), 1)), values[i]);
		json_decref(j);
		free(t);
	}
}
END_TEST

/* Seqs that do not count up one by one: the text is read whole. */
START_TEST(test_seq_gap)
{
	const char	*t = "[[1,1,\"api\",null,null,null,null],"
	    "[2,2,\"api\",null,1,1,\"\"],[5,5,\"api\",null,2,2,\"\"]]";

	expect_seqs(t, &api_write, 3, "2,5,6");
	expect_seqs(t, &api_write, 4, "1,2,5,6");
	/* Read by its ends, a gap may cost one change (history.h). */
	expect_seqs("[[1,1,\"api\",null,null,null,null],"
	    "[3,3,\"api\",null,1,1,\"\"]]", &api_write, 3, "3,4");
}
END_TEST

/* No change can follow seq INT64_MAX: the history starts again. */
START_TEST(test_seq_at_most)
{
	bool	 damaged;
	char	*next = append("[[9223372036854775806,1],[9223372036854775807,2]]",
	    &api_write, 10, &damaged);

	ck_assert(damaged);
	ck_assert_str_eq(next, "[[1,1700000000000,\"api\",null,41,"
	    "1690000000000,\"m41\"]]");
	free(next);
}
END_TEST

/*
 * What a write does not read it does not judge: a damaged change between
 * the oldest and the newest is carried as it is (until it is the oldest,
 * read when it goes), not taken for a damaged history.
 */
/*
 * A row keeps its size from write to write (SQLite rewrites it in place
 * only then): a text shorter by a few bytes than the one it replaces is
 * padded to its length, a longer one to a multiple of 16; a much shorter
 * one shrinks. The pad stays at the end: the next append drops it.
 */
START_TEST(test_padded_to_keep_size)
{
	struct history_change	 c = api_write;
	struct history_text	 a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	const char		*long_meta = "0123456789012345678901234567890123456789";
	bool			 damaged;
	json_t			*j;

	c.old_sequence = 1234567890;
	ck_assert_int_eq(history_append(&a, NULL, 0, &c, 2, &damaged), 0);
	ck_assert_uint_eq(a.len - padding(a.buf, a.len, 0), strlen("[[1,"
	    "1700000000000,\"api\",null,1234567890,1690000000000,\"m41\"]]"));
	ck_assert_int_eq(history_append(&b, a.buf, a.len, &c, 2, &damaged), 0);
	/* Dropping a change for one with five digits fewer: the size stays. */
	c.old_sequence = 12345;
	ck_assert_int_eq(history_append(&a, b.buf, b.len, &c, 2, &damaged), 0);
	ck_assert(!damaged);
	ck_assert_uint_eq(a.len, b.len);
	ck_assert_uint_eq(padding(a.buf, a.len, b.len),
	    padding(b.buf, b.len, 0) + 5);
	/* Each change copied without the pad after it. */
	ck_assert_int_eq(history_append(&b, a.buf, a.len, &c, 2, &damaged), 0);
	ck_assert_ptr_null(strstr(b.buf, " ,"));
	ck_assert_ptr_nonnull(strstr(b.buf, "\"m41\"],[4,"));
	j = parsed(b.buf);
	ck_assert_uint_eq(json_array_size(j), 2);
	json_decref(j);
	ck_assert(history_last(b.buf, b.len, &c.old_sequence, &c.changed_ms));
	ck_assert_int_eq(c.old_sequence, 4);
	/* Much shorter: to a multiple of 16 again. */
	c = api_write;
	c.old_metadata = long_meta;
	ck_assert_int_eq(history_append(&a, b.buf, b.len, &c, 1, &damaged), 0);
	c.old_metadata = "";
	ck_assert_int_eq(history_append(&b, a.buf, a.len, &c, 1, &damaged), 0);
	ck_assert_uint_lt(b.len, a.len);
	(void)padding(b.buf, b.len, a.len);
	free(a.buf);
	free(b.buf);
}
END_TEST

START_TEST(test_middle_not_read)
{
	const char	*t = "[[1,1,\"api\",null,null,null,null],[2,x y],"
	    "[3,3,\"api\",null,2,2,\"\"]]";
	bool		 damaged;
	char		*next;

	next = append(t, &api_write, 10, &damaged);
	ck_assert(!damaged);
	ck_assert_str_eq(next, "[[1,1,\"api\",null,null,null,null],[2,x y],"
	    "[3,3,\"api\",null,2,2,\"\"],[4,1700000000000,\"api\",null,41,"
	    "1690000000000,\"m41\"]]");
	free(next);
	next = append(t, &api_write, 3, &damaged);
	ck_assert(!damaged);
	ck_assert_str_eq(next, "[[2,x y],[3,3,\"api\",null,2,2,\"\"],"
	    "[4,1700000000000,\"api\",null,41,1690000000000,\"m41\"]]");
	free(next);
	/* So is one before a newest change whose strings hold a '['. */
	next = append("[[1,1,\"api\",null,null,null,null],[2,x y],"
	    "[3,3,\"api\",null,2,2,\"a\\\"],[1,\"]]", &api_write, 10,
	    &damaged);
	ck_assert(!damaged);
	ck_assert_str_eq(next, "[[1,1,\"api\",null,null,null,null],[2,x y],"
	    "[3,3,\"api\",null,2,2,\"a\\\"],[1,\"],[4,1700000000000,"
	    "\"api\",null,41,1690000000000,\"m41\"]]");
	free(next);
	/* Depth 2 drops it: read whole, the text is damaged. */
	next = append(t, &api_write, 2, &damaged);
	ck_assert(damaged);
	free(next);
}
END_TEST

/* What SQLite's json_array() and an operator's editor may write. */
START_TEST(test_sqlite_text)
{
	const char	*t = " [ [7, 99, \"import\", \"x\", null, null, null] ,"
	    "[8,100,\"api\",null,3,99,\"a\\u0001\\\"\"] ]\n";
	long long	 seq, changed;

	ck_assert(history_last(t, strlen(t), &seq, &changed));
	ck_assert_int_eq(seq, 8);
	ck_assert_int_eq(changed, 100);
	expect_seqs(t, &api_write, 2, "8,9");
}
END_TEST

static const char *const damaged_texts[] = {
	"[[1,1,\"a\",null,null,null,null],[2,\"x\"]]",
	"[", "]", "x", "[[]]", "[[1]", "[1,2]", "[[1,2],", "[[1,2],]",
	"[[1,2]]x", "[[\"1\",2]]", "[[1,\"2\"]]", "[[1,2,\"abc]]", "[[1,2,[3]]]",
	"[[1,2,\"a\\", "{}", "[[99999999999999999999,1]]", "[[-,1]]",
	"[[1 2,3]]", "[[1,,2]]", "[[1,2]][[3,4]]", "null",
};

START_TEST(test_damaged)
{
	const char	*t = damaged_texts[_i];
	long long	 seq = 5, changed = 5;
	bool		 damaged = false;
	char		*next;

	ck_assert_msg(!history_last(t, strlen(t), &seq, &changed), "%s", t);
	ck_assert_int_eq(history_count(t, strlen(t)), -1);
	ck_assert_int_eq(seq, 0);
	ck_assert_int_eq(changed, 0);
	next = append(t, &api_write, 10, &damaged);
	ck_assert_msg(damaged, "%s", t);
	ck_assert_str_eq(next, "[[1,1700000000000,\"api\",null,41,"
	    "1690000000000,\"m41\"]]");
	free(next);
}
END_TEST

/* Every cut of a valid text is a history or damaged, never read past. */
START_TEST(test_every_cut)
{
	const char	*t = "[[1,2,\"api\",null,3,4,\"m\\\"\"],"
	    "[2,5,\"reset\",\"op\",null,null,null]]";
	size_t		 n, len = strlen(t);
	long long	 seq, changed;
	bool		 damaged;
	char		*cut;

	for (n = 0; n <= len; n++) {
		/* Exactly n bytes, so a read past them is ASan's to see. */
		cut = malloc(n ? n : 1);
		ck_assert_ptr_nonnull(cut);
		memcpy(cut, t, n);
		if (history_last(cut, n, &seq, &changed))
			ck_assert(n == 0 || n == len);
		{
			struct history_text out = { NULL, 0, 0 };

			ck_assert_int_eq(history_append(&out, cut, n, &api_write,
			    10, &damaged), 0);
			ck_assert(damaged == (n != 0 && n != len));
			free(out.buf);
		}
		free(cut);
	}
}
END_TEST

static Suite *
history_suite(void)
{
	Suite	*s = suite_create("history");
	TCase	*tc = tcase_create("history");

	tcase_add_test(tc, test_first_change);
	tcase_add_test(tc, test_padded_to_keep_size);
	tcase_add_test(tc, test_chain_and_depth);
	tcase_add_test(tc, test_strings_escaped);
	tcase_add_test(tc, test_newest_read_back);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_seq_gap);
	tcase_add_test(tc, test_seq_at_most);
	tcase_add_test(tc, test_middle_not_read);
	tcase_add_test(tc, test_sqlite_text);
	tcase_add_loop_test(tc, test_damaged, 0,
	    (int)(sizeof(damaged_texts) / sizeof(damaged_texts[0])));
	tcase_add_test(tc, test_every_cut);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(history_suite());
}
