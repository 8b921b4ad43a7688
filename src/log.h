/*
 * log.h: one line per request and one per problem, on stderr. Request data
 * is escaped before it is written; bodies and credentials never are.
 */
#ifndef DIS_LOG_H
#define DIS_LOG_H

#include <stddef.h>

void	 log_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 log_request(const char *method, const char *path, int status,
	    long long duration_us);
size_t	 log_escape(char *dst, size_t size, const char *src);

#endif
