/*
 * testutil.c: helpers shared by the Check programs. Every failure here is a
 * test failure (ck_abort), never a silent skip.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "testutil.h"

char *
tmpdir_create(void)
{
	const char	*base = getenv("TMPDIR");
	char		*dir;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (asprintf(&dir, "%s/dis-unit.XXXXXX", base) == -1)
		ck_abort_msg("asprintf failed");
	if (mkdtemp(dir) == NULL)
		ck_abort_msg("mkdtemp %s failed", dir);
	return dir;
}

/* Files (the database and its -wal/-shm) and one level of directories. */
void
tmpdir_remove(char *dir)
{
	DIR		*d;
	struct dirent	*e;
	char		*p;

	if (dir == NULL)
		return;
	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			p = path_join(dir, e->d_name);
			if (unlink(p) == -1)
				tmpdir_remove(p);
			else
				free(p);
		}
		closedir(d);
	}
	rmdir(dir);
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
