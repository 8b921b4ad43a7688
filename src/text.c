/*
 * text.c: string helpers shared by several parsers.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "text.h"

/* Cuts leading and trailing white space, in place. */
char *
text_trim(char *s)
{
	char	*end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}
