/*
 * names.c: the character set and lengths of DIS names, in one place for
 * the request fields and the credentials file.
 */
#include "config.h"

#include <string.h>

#include "names.h"

bool
name_is_valid(const char *s, size_t max)
{
	size_t	 n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_-");

	return n > 0 && n <= max && s[n] == '\0';
}

bool
name_is_project(const char *s)
{
	return name_is_valid(s, PROJECT_ID_MAX);
}
