/*
 * log.c: writes whole lines with one write(2), so lines from several threads
 * or processes sharing stderr never interleave. A thread answering a batch
 * of requests can gather its lines and write them together, up to PIPE_BUF
 * bytes at a time (the most a pipe writes without interleaving).
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LINE_MAX_LEN	1024
#define FIELD_MAX_LEN	256

/* Per thread: where this thread's lines go while it serves a request. */
static _Thread_local log_sink	*sink;
static _Thread_local void	*sink_arg;

/* Per thread: stderr lines gathered between log_gather and log_flush. */
static _Thread_local bool	 gathering;
static _Thread_local char	 gathered[PIPE_BUF];
static _Thread_local size_t	 gathered_len;

/*
 * Lines logged at start, while stderr is discarded and no request is being
 * served, are kept for the first request's error stream: a start-up warning
 * (authentication off, a bad credentials line) must reach some log.
 */
static pthread_mutex_t	 held_lock = PTHREAD_MUTEX_INITIALIZER;
static char		 held[4096];
static size_t		 held_len;
static atomic_bool	 holding;	/* read unlocked: it only ever ends */

void
log_hold_for_first_request(void)
{
	pthread_mutex_lock(&held_lock);
	holding = true;
	pthread_mutex_unlock(&held_lock);
}

void
log_set_sink(log_sink *fn, void *arg)
{
	sink = fn;
	sink_arg = arg;
	if (fn == NULL || !atomic_load(&holding))
		return;
	pthread_mutex_lock(&held_lock);
	if (holding && held_len > 0)
		fn(arg, held, held_len);
	holding = false;
	held_len = 0;
	pthread_mutex_unlock(&held_lock);
}

/*
 * lighttpd and spawn-fcgi start FastCGI programs with stderr on /dev/null
 * (or closed); their lines would be lost there.
 */
bool
log_stderr_discarded(void)
{
	struct stat	 err, null;

	if (fstat(STDERR_FILENO, &err) == -1)
		return true;
	return stat("/dev/null", &null) == 0 && S_ISCHR(err.st_mode) &&
	    err.st_rdev == null.st_rdev;
}

/*
 * Copies src into dst with control bytes, '"', '\\' and bytes above 0x7e
 * written as \xNN, so a request cannot forge or break a log line. Cuts at
 * size - 1 bytes without splitting an escape.
 */
size_t
log_escape(char *dst, size_t size, const char *src)
{
	size_t		 n = 0;
	unsigned char	 c;

	if (size == 0)
		return 0;
	for (; (c = (unsigned char)*src) != '\0'; src++) {
		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
			if (n + 4 >= size)
				break;
			snprintf(dst + n, 5, "\\x%02x", c);
			n += 4;
		} else {
			if (n + 1 >= size)
				break;
			dst[n++] = (char)c;
		}
	}
	dst[n] = '\0';
	return n;
}

static size_t
timestamp(char *buf, size_t size)
{
	struct timespec	 ts;
	struct tm	 tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	return strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ ", &tm);
}

void
log_gather(void)
{
	gathering = true;
}

static void
write_gathered(void)
{
	if (gathered_len > 0)
		(void)!write(STDERR_FILENO, gathered, gathered_len);
	gathered_len = 0;
}

void
log_flush(void)
{
	write_gathered();
	gathering = false;
}

static void
write_line(char *line, size_t len, size_t size)
{
	if (len >= size - 1)
		len = size - 2;
	line[len++] = '\n';
	if (sink != NULL) {
		sink(sink_arg, line, len);
		return;
	}
	if (gathering) {
		if (gathered_len + len > sizeof(gathered))
			write_gathered();
		memcpy(gathered + gathered_len, line, len);
		gathered_len += len;
	} else
		(void)!write(STDERR_FILENO, line, len);
	/* Every line took this lock; with event loops all running, it was
	 * contended on every request. */
	if (!atomic_load(&holding))
		return;
	pthread_mutex_lock(&held_lock);
	if (holding && held_len + len <= sizeof(held)) {
		memcpy(held + held_len, line, len);
		held_len += len;
	}
	pthread_mutex_unlock(&held_lock);
}

void
log_message(const char *fmt, ...)
{
	char	 line[LINE_MAX_LEN];
	size_t	 n = timestamp(line, sizeof(line));
	int	 m;
	va_list	 ap;

	n += (size_t)snprintf(line + n, sizeof(line) - n, "dis-checkpoint: ");
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	write_line(line, m < 0 ? n : n + (size_t)m, sizeof(line));
}

void
log_request(const char *method, const char *path, int status,
    long long duration_us)
{
	char	 line[LINE_MAX_LEN], m[32], p[FIELD_MAX_LEN];
	size_t	 n = timestamp(line, sizeof(line));
	int	 k;

	log_escape(m, sizeof(m), method);
	log_escape(p, sizeof(p), path);
	k = snprintf(line + n, sizeof(line) - n, "%s \"%s\" %d %lld.%03lldms",
	    m, p, status, duration_us / 1000, duration_us % 1000);
	write_line(line, n + (size_t)k, sizeof(line));
}
