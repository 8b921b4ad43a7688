/*
 * server.c: the accept loop, the only code that knows FastCGI. It turns a
 * FastCGI or CGI request into a struct request, hands it to the service and
 * writes the rendered response back.
 *
 * A write's answer waits for its commit, but its thread does not: the
 * request (a job) goes to the group-commit writer, which answers it once
 * the write is durable, and the thread takes the next connection.
 *
 * Threads poll the listening socket (non-blocking) together with a wake-up
 * pipe before calling FCGX_Accept_r, so SIGTERM never leaves a thread stuck
 * in accept(): the main thread waits for signals, writes to the pipe, and
 * every thread ends after the request it is serving. Only one thread at a
 * time polls and accepts (accept_lock): with all of them polling, every
 * new connection woke every idle thread, and all but one went back to
 * sleep with EAGAIN.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "auth.h"
#include "log.h"
#include "peer.h"
#include "server.h"
#include "service.h"
#include "writer.h"

extern char **environ;

typedef int output_fn(void *arg, const char *buf, size_t len);

static pthread_mutex_t accept_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool stopping;

struct worker {
	const struct dis_config	*cfg;
	struct writer		*writer;
	bool			 log_to_fastcgi;
	struct cred_store	*creds;
	struct store		*store;		/* this thread's, for reads */
	struct peer_policy	*peers;
	int			 listen_fd;
	int			 wake_fd;
	pthread_t		 thread;
};

static long long
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct store_options
store_options(const struct dis_config *cfg)
{
	struct store_options	 o;

	o.path = cfg->database;
	o.sync_full = cfg->sync_full;
	o.journal_mode = cfg->journal_mode;
	o.busy_timeout_ms = cfg->busy_timeout_ms;
	return o;
}

static const char fallback[] = "Status: 500 Internal Server Error\r\n"
    "Content-Type: application/json\r\nContent-Length: 50\r\n\r\n"
    "{\"errorCode\":\"DIS.5000\",\"message\":\"System error.\"}";

/* One request, whatever carried it, from its arrival to its answer. */
struct exchange {
	char		*method;	/* kept for the log line */
	char		*path;
	struct response	 resp;
	long long	 start;
};

/*
 * Reads the request and handles it; the answer may wait (resp.deferred).
 * The request is freed here, by the thread that allocated it, before its
 * answer perhaps moves to the writer thread: frees made there into every
 * accept thread's heap kept the process's memory growing.
 */
static void
exchange_handle(struct exchange *x, struct service *svc, char *const *envp,
    body_reader *read_body, void *in, bool until_eof)
{
	struct request	 req;

	memset(x, 0, sizeof(*x));
	x->start = now_us();
	if (request_from_env(&req, envp) == -1) {
		log_message("out of memory reading a request");
		response_error(&x->resp, DIS_ERR_INTERNAL, NULL);
		return;
	}
	request_read_body(&req, read_body, in, svc->cfg->body_limit, until_eof);
	service_handle(svc, &req, &x->resp);
	x->method = req.method_name;
	x->path = req.path;
	req.method_name = req.path = NULL;
	request_free(&req);
}

/* Writes the answer and the log line, and frees the exchange. */
static void
exchange_answer(struct exchange *x, int retry_after, output_fn *out_fn,
    void *out)
{
	char	*text;
	size_t	 len;

	if ((text = response_render(&x->resp, retry_after, &len)) != NULL)
		out_fn(out, text, len);
	else
		out_fn(out, fallback, sizeof(fallback) - 1);
	log_request(x->method ? x->method : "", x->path ? x->path : "",
	    text ? x->resp.status : 500, now_us() - x->start);
	free(text);
	free(x->method);
	free(x->path);
	response_free(&x->resp);
}

static long
stdin_read(void *arg, char *buf, size_t n)
{
	size_t	 got = fread(buf, 1, n, arg);

	return got == 0 && ferror((FILE *)arg) ? -1 : (long)got;
}

static int
stdout_write(void *arg, const char *buf, size_t len)
{
	return fwrite(buf, 1, len, arg) == len && fflush(arg) == 0 ? 0 : -1;
}

int
server_cgi(const struct dis_config *cfg)
{
	struct store_options	 opts = store_options(cfg);
	struct service		 svc;
	struct exchange		 x;
	struct store		*store;
	struct cred_store	*creds;
	bool			 failed;

	creds = auth_start(cfg, &failed);
	if (failed || (store = store_open(&opts)) == NULL) {
		cred_store_close(creds);
		return 1;
	}
	service_init(&svc, cfg, store, creds);
	exchange_handle(&x, &svc, environ, stdin_read, stdin, false);
	exchange_answer(&x, cfg->retry_after, stdout_write, stdout);
	store_close(store);
	cred_store_close(creds);
	return 0;
}

static long
fcgi_read(void *arg, char *buf, size_t n)
{
	int	 got = FCGX_GetStr(buf, n > INT_MAX ? INT_MAX : (int)n, arg);

	return FCGX_GetError(arg) != 0 ? -1 : got;
}

static int
fcgi_write(void *arg, const char *buf, size_t len)
{
	return FCGX_PutStr(buf, (int)len, arg) == (int)len ? 0 : -1;
}

static void
fcgi_log(void *stream, const char *line, size_t len)
{
	FCGX_PutStr(line, (int)len, stream);
}

/* Waits for a connection or the wake-up; false once it is time to stop. */
static bool
wait_for_work(const struct worker *w)
{
	struct pollfd	 fds[2] = {
		{ .fd = w->listen_fd, .events = POLLIN },
		{ .fd = w->wake_fd, .events = POLLIN },
	};

	while (poll(fds, 2, -1) == -1)
		if (errno != EINTR)
			return false;
	return (fds[1].revents & POLLIN) == 0;
}

/* Sleeps ms unless woken; false once it is time to stop. */
static bool
pause_unless_woken(const struct worker *w, int ms)
{
	struct pollfd	 wake = { .fd = w->wake_fd, .events = POLLIN };

	return poll(&wake, 1, ms) <= 0 || (wake.revents & POLLIN) == 0;
}

/*
 * Out of descriptors or memory, accept fails while the connection waits in
 * the backlog. Answers in flight free both, so the thread pauses and tries
 * again rather than end (which, thread after thread, would leave nobody to
 * accept).
 */
static bool
short_of_resources(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

/* Logs at most once a second; called with accept_lock held. */
static bool
pause_after_shortage(const struct worker *w, int err)
{
	static time_t	 last_logged;
	time_t		 now = time(NULL);

	if (now != last_logged)
		log_message("accept: %s; trying again", strerror(err));
	last_logged = now;
	return pause_unless_woken(w, 10);
}

/*
 * The next request, or -1 once it is time to stop. Under load a connection
 * is usually waiting already, so accept comes first and poll only when
 * there was none: one system call less per request. The lock is held
 * while libfcgi reads the request's parameters too; a web server sends
 * them with the connection, so that is one read, as in libfcgi's threaded
 * example.
 */
static int
next_request(const struct worker *w, FCGX_Request *fr)
{
	int	 rc;
	bool	 go_on;

	pthread_mutex_lock(&accept_lock);
	for (;;) {
		if (atomic_load(&stopping)) {
			rc = -1;
			break;
		}
		if ((rc = FCGX_Accept_r(fr)) >= 0)
			break;
		if (rc == -EAGAIN || rc == -EWOULDBLOCK || rc == -EINTR)
			/* None waiting, or another process took it first. */
			go_on = wait_for_work(w);
		else if (short_of_resources(-rc))
			go_on = pause_after_shortage(w, -rc);
		else
			break;
		if (!go_on) {
			rc = -1;
			break;
		}
	}
	pthread_mutex_unlock(&accept_lock);
	if (rc < -1)
		log_message("accept failed: %s", strerror(-rc));
	return rc < 0 ? -1 : 0;
}

/* A FastCGI request, from its accept to its answer on whichever thread. */
struct job {
	FCGX_Request		 fr;
	struct exchange		 x;
	const struct worker	*worker;
	struct writer_entry	 entry;
};

static struct job *
job_new(const struct worker *w)
{
	struct job	*job = calloc(1, sizeof(*job));

	if (job == NULL) {
		log_message("out of memory for a new request");
		return NULL;
	}
	job->worker = w;
	FCGX_InitRequest(&job->fr, w->listen_fd, 0);
	return job;
}

/* Answers and closes the connection; the job can take the next accept. */
static void
job_finish(struct job *job)
{
	FCGX_Request	*fr = &job->fr;

	if (job->worker->log_to_fastcgi)
		log_set_sink(fcgi_log, fr->err);
	exchange_answer(&job->x, job->worker->cfg->retry_after, fcgi_write,
	    fr->out);
	log_set_sink(NULL, NULL);
	/*
	 * libfcgi's close lingers: it shuts down the sending side and waits
	 * until the web server closes too, so that unread input cannot turn
	 * into a reset that loses the answer. Once the request's input was
	 * read to its end there is nothing left to arrive, and the wait only
	 * costs this thread a sleep and a wake-up per request. A body left
	 * unread (413) still gets the lingering close. On the writer thread,
	 * a linger would hold every later commit up for a round trip.
	 */
	if (FCGX_HasSeenEOF(fr->in) == EOF)
		FCGX_Detach(fr);
	FCGX_Finish_r(fr);
	/*
	 * A kept connection (FCGI_KEEP_CONN) would make the next accept block
	 * on it, out of reach of the wake-up pipe.
	 */
	FCGX_Free(fr, 1);
}

/* Runs on the writer thread once the job's write is durable. */
static void
job_committed(void *arg)
{
	struct job	*job = arg;

	response_settle(&job->x.resp, job->x.resp.deferred->result);
	job_finish(job);
	free(job);
}

/* Serves an accepted request; false when the writer took the job. */
static bool
job_serve(struct job *job, struct service *svc)
{
	const struct worker	*w = job->worker;

	if (w->log_to_fastcgi)
		log_set_sink(fcgi_log, job->fr.err);
	exchange_handle(&job->x, svc, job->fr.envp, fcgi_read, job->fr.in,
	    true);
	log_set_sink(NULL, NULL);
	if (job->x.resp.deferred != NULL) {
		job->entry.op = job->x.resp.deferred;
		job->entry.done = job_committed;
		job->entry.arg = job;
		writer_submit(w->writer, &job->entry);
		return false;
	}
	job_finish(job);
	return true;
}

/*
 * Accepts the next request into *job, made anew when the last one went to
 * the writer. Draining, it only takes what is already queued.
 */
static bool
next_job(const struct worker *w, struct job **job, bool draining)
{
	FCGX_Request	*fr;

	if (*job == NULL && (*job = job_new(w)) == NULL)
		return false;
	fr = &(*job)->fr;
	while (draining ? FCGX_Accept_r(fr) == 0 : next_request(w, fr) == 0) {
		if (peer_allowed(w->peers, fr->ipcFd))
			return true;
		/* Detached: closed at once, without libfcgi's lingering read. */
		FCGX_Detach(fr);
		FCGX_Free(fr, 1);
	}
	return false;
}

static void *
worker_main(void *arg)
{
	struct worker		*w = arg;
	struct service		 svc;
	struct job		*job = NULL;

	service_init(&svc, w->cfg, w->store, w->creds);
	svc.defer_writes = w->writer != NULL;
	while (next_job(w, &job, false))
		if (!job_serve(job, &svc))
			job = NULL;
	/*
	 * Stopping. A connection already in the listen queue was accepted by
	 * the kernel: its client has sent its request and waits for the
	 * answer. Serve the queue until it is empty (the socket is
	 * non-blocking, so accept says so), then end. The writer answers
	 * the jobs it holds before it stops.
	 */
	while (next_job(w, &job, true))
		if (!job_serve(job, &svc))
			job = NULL;
	if (job != NULL)
		FCGX_Free(&job->fr, 1);
	free(job);
	store_close(w->store);
	return NULL;
}

/*
 * A request is allocated by the thread that accepted it and freed by the
 * writer that answered it. With glibc's default of one arena per thread
 * (up to 8 per core), memory freed into 64 arenas came back slowly: RSS
 * was 35 MB and still grew 4 MB between 10 s and 60 s of writes. One arena
 * per core keeps it at about 19 MB and flat.
 */
static void
limit_arenas(void)
{
#ifdef M_ARENA_MAX
	long	 cores = sysconf(_SC_NPROCESSORS_ONLN);

	mallopt(M_ARENA_MAX, cores < 1 ? 1 : cores > 8 ? 8 : (int)cores);
#endif
}

/* The signals the FastCGI server takes in its main thread, with sigwait. */
void
server_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

/* SIGHUP re-reads the credentials file; the other signals stop. */
static int
wait_for_stop(struct cred_store *creds)
{
	sigset_t	 set;
	int		 sig;

	server_signals(&set);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			return -1;
		if (sig != SIGHUP)
			return sig;
		if (creds != NULL) {
			log_message("SIGHUP: reading the credentials again");
			cred_store_reload(creds);
		}
	}
}

int
server_fastcgi(const struct dis_config *cfg, int listen_fd,
    struct peer_policy *peers)
{
	struct store_options	 opts = store_options(cfg);
	struct worker		*workers;
	struct writer		*writer = NULL;
	struct cred_store	*creds;
	sigset_t		 set;
	int			 wake[2], i, opened, started, sig;
	bool			 log_to_fastcgi, failed;

	limit_arenas();
	if (FCGX_Init() != 0) {
		log_message("cannot initialise libfcgi");
		return 1;
	}
	if (pipe(wake) == -1 ||
	    fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK) == -1) {
		log_message("cannot set up the listening socket: %s",
		    strerror(errno));
		return 1;
	}
	/* Threads inherit this mask: only the main thread takes signals. */
	server_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	log_to_fastcgi = cfg->log == LOG_FASTCGI ||
	    (cfg->log == LOG_AUTO && log_stderr_discarded());
	if (log_to_fastcgi)
		log_hold_for_first_request();
	creds = auth_start(cfg, &failed);
	if (failed)
		return 1;
	if (cfg->group_commit && (writer = writer_start(&opts)) == NULL)
		return 1;
	if ((workers = calloc((size_t)cfg->threads, sizeof(*workers))) == NULL)
		return 1;
	/*
	 * Every connection is opened before any thread serves: a thread that
	 * started late (seconds, under valgrind) opened its own whenever it got
	 * to it, which could be while the writer was creating a database that
	 * had just become possible to create.
	 */
	for (opened = 0; opened < cfg->threads; opened++) {
		workers[opened].cfg = cfg;
		workers[opened].writer = writer;
		workers[opened].log_to_fastcgi = log_to_fastcgi;
		workers[opened].creds = creds;
		workers[opened].peers = peers;
		workers[opened].listen_fd = listen_fd;
		workers[opened].wake_fd = wake[0];
		if ((workers[opened].store = store_open(&opts)) == NULL)
			break;
	}
	for (i = 0; i < opened; i++)
		if (pthread_create(&workers[i].thread, NULL, worker_main,
		    &workers[i]) != 0)
			break;
	for (started = i; i < opened; i++)
		store_close(workers[i].store);
	log_message("serving FastCGI with %d threads, database %s, "
	    "synchronous=%s, group commit %s", started, cfg->database,
	    cfg->sync_full ? "FULL" : "NORMAL", writer ? "on" : "off");
	sig = started > 0 ? wait_for_stop(creds) : -1;
	if (sig > 0) {
		log_message("signal %d: finishing the requests in flight", sig);
		/*
		 * No new client can find our own socket; those already queued
		 * are still served. (An inherited socket belongs to whoever
		 * passed it, who stops sending first.)
		 */
		if (cfg->socket != NULL)
			unlink(cfg->socket);
	}
	atomic_store(&stopping, true);
	(void)!write(wake[1], "x", 1);
	for (i = 0; i < started; i++)
		pthread_join(workers[i].thread, NULL);
	writer_stop(writer);
	cred_store_close(creds);
	free(workers);
	close(wake[0]);
	close(wake[1]);
	if (sig > 0)
		log_message("stopped by signal %d", sig);
	return started > 0 ? 0 : 1;
}
