/*
 * testutil.c: helpers shared by the Check programs. Every failure here is a
 * test failure (ck_abort), never a silent skip.
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "testutil.h"

static char	*root;

void
tmproot_create(void)
{
	const char	*base = getenv("TMPDIR");

	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (asprintf(&root, "%s/dis-unit.XXXXXX", base) == -1 ||
	    mkdtemp(root) == NULL) {
		perror("dis-unit temp dir");
		exit(EXIT_FAILURE);
	}
}

void
tmproot_remove(void)
{
	tmpdir_remove(root);
	root = NULL;
}

char *
tmpdir_create(void)
{
	char	*dir;

	ck_assert_msg(root != NULL, "tmproot_create() was not called");
	if (asprintf(&dir, "%s/t.XXXXXX", root) == -1)
		ck_abort_msg("asprintf failed");
	if (mkdtemp(dir) == NULL)
		ck_abort_msg("mkdtemp %s failed", dir);
	return dir;
}

static int
remove_entry(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void
tmpdir_remove(char *dir)
{
	if (dir == NULL)
		return;
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

char *
path_join(const char *dir, const char *name)
{
	char	*p;

	if (asprintf(&p, "%s/%s", dir, name) == -1)
		ck_abort_msg("asprintf failed");
	return p;
}

json_t *
json_must_parse(const char *text)
{
	json_error_t	 err;
	json_t		*v;

	v = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
	ck_assert_msg(v != NULL, "not JSON (%s): %s", err.text, text);
	return v;
}

char *
repeat(const char *unit, size_t n)
{
	size_t	 ulen = strlen(unit), i;
	char	*s = malloc(ulen * n + 1);

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < n; i++)
		memcpy(s + i * ulen, unit, ulen);
	s[ulen * n] = '\0';
	return s;
}

int
run_suite(Suite *suite)
{
	SRunner	*sr = srunner_create(suite);
	int	 failed;

	tmproot_create();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tmproot_remove();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
