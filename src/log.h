/*
 * log.h: one line per request and one per problem, on stderr or, where the
 * web server throws stderr away, on the FastCGI error stream of the request
 * being served. Request data is escaped; bodies and credentials never logged.
 */
#ifndef DIS_LOG_H
#define DIS_LOG_H

#include <stdbool.h>
#include <stddef.h>

/* Takes one whole line, newline included. */
typedef void log_sink(void *arg, const char *line, size_t len);

void	 log_set_sink(log_sink *, void *arg);
void	 log_gather(void);
void	 log_flush(void);
void	 log_hold_for_first_request(void);
bool	 log_stderr_discarded(void);
void	 log_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 log_request(const char *method, const char *path, int status,
	    long long duration_us);
size_t	 log_escape(char *dst, size_t size, const char *src);

#endif
