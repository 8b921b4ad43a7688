/*
 * testutil.h: what several Check programs share: a private temp directory
 * (under $TMPDIR, so make distcheck's read-only srcdir is never written)
 * and a few JSON helpers for comparing bodies after parsing.
 */
#ifndef DIS_TESTUTIL_H
#define DIS_TESTUTIL_H

#include <stddef.h>

#include <jansson.h>

/* Creates a new directory; aborts the test when it cannot. */
char	*tmpdir_create(void);
/* Removes the directory and every file in it (one level deep is enough). */
void	 tmpdir_remove(char *dir);
/* dir + "/" + name in a new string. */
char	*path_join(const char *dir, const char *name);
/* Parses text that must be valid JSON; aborts the test otherwise. */
json_t	*json_must_parse(const char *text);
/* A string of n copies of unit (e.g. "a", or a multi-byte character). */
char	*repeat(const char *unit, size_t n);

#endif
