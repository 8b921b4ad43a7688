/*
 * names.h: the rules of DIS names (project ids, stream and app names):
 * 1 to max characters of A-Za-z0-9_-. The field validators and the
 * credentials file, which names projects, share them.
 */
#ifndef DIS_NAMES_H
#define DIS_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#define PROJECT_ID_MAX	64
#define STREAM_NAME_MAX	64
#define APP_NAME_MAX	50

/* Whether s is 1 to max characters of A-Za-z0-9_-. */
bool	 name_is_valid(const char *s, size_t max);
/* Whether s is a valid project id. */
bool	 name_is_project(const char *s);

#endif
