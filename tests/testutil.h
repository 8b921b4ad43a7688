/*
 * testutil.h: what several Check programs share: private temp directories
 * (under $TMPDIR, so make distcheck's read-only srcdir is never written)
 * and a few JSON and string helpers.
 */
#ifndef DIS_TESTUTIL_H
#define DIS_TESTUTIL_H

#include <stddef.h>

#include <jansson.h>

#include <check.h>

/*
 * Runs the suite between tmproot_create() and tmproot_remove(), in the
 * parent: a failed assertion ends Check's forked child with _exit(),
 * skipping the teardown, so only the parent can be sure to clean up. No
 * database is opened there. Returns main()'s exit status.
 */
int	 run_suite(Suite *);
void	 tmproot_create(void);
void	 tmproot_remove(void);
/* A new directory under the root; aborts the test when it cannot. */
char	*tmpdir_create(void);
/* Removes the directory and everything below it, and frees dir. */
void	 tmpdir_remove(char *dir);
/* dir + "/" + name in a new string. */
char	*path_join(const char *dir, const char *name);
/* Parses text that must be valid JSON; aborts the test otherwise. */
json_t	*json_must_parse(const char *text);
/* A string of n copies of unit (e.g. "a", or a multi-byte character). */
char	*repeat(const char *unit, size_t n);

#endif
