/*
 * server.c: the transports. Plain CGI is one request on stdin and stdout.
 * FastCGI is event loops (threads of them, one per core at most: see
 * loop_count), each with its own epoll set, its own
 * store connection for reads and its own connections: it accepts, reads
 * without blocking into each connection's record parser (fcgi.c), handles
 * a complete request inline and writes its answer without blocking.
 *
 * No thread ever waits for a peer, and no lock is held while reading from
 * one, so a silent or dripping peer costs a few hundred bytes and a slot
 * in epoll, never a thread. Every connection has one deadline at a time
 * (request_timeout from its accept, or from the end of its previous
 * answer, until its request is complete; the same for writing an answer
 * out); all deadlines are now plus one constant, so each loop keeps them
 * in a FIFO list that is sorted by construction: O(1) to add and expire,
 * and epoll_wait sleeps until the head's.
 *
 * A write's answer waits for its commit, but its loop does not: the
 * connection goes to the group-commit writer (writer.c), which answers it
 * once the write is durable with a non-blocking write. Whatever it cannot
 * finish, and a kept connection (FCGI_KEEP_CONN) that is to read its next
 * request, goes back to its loop through the loop's queue and eventfd.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "fcgi.h"
#include "log.h"
#include "peer.h"
#include "server.h"
#include "service.h"
#include "writer.h"

extern char **environ;

static long long
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long
now_ms(void)
{
	return now_us() / 1000;
}

static const char fallback[] = "Status: 500 Internal Server Error\r\n"
    "Content-Type: application/json\r\nContent-Length: 50\r\n\r\n"
    "{\"errorCode\":\"DIS.5000\",\"message\":\"System error.\"}";

/* The answer's text (the fallback 500 when it cannot be rendered). */
static char *
answer_text(struct exchange *x, int retry_after, size_t *len, bool *rendered)
{
	char	*text = response_render(&x->resp, retry_after, len);

	*rendered = text != NULL;
	if (text == NULL) {
		*len = sizeof(fallback) - 1;
		return (char *)fallback;
	}
	return text;
}

static void
answer_done(struct exchange *x, char *text, bool rendered, long long start)
{
	log_request(x->method ? x->method : "", x->path ? x->path : "",
	    rendered ? x->resp.status : 500, now_us() - start);
	if (rendered)
		free(text);
	exchange_free(x);
}

/* ---- CGI ---------------------------------------------------------------- */

static long
stdin_read(void *arg, char *buf, size_t n)
{
	size_t	 got = fread(buf, 1, n, arg);

	return got == 0 && ferror((FILE *)arg) ? -1 : (long)got;
}

int
server_cgi(const struct dis_config *cfg)
{
	struct store_options	 opts = conf_store_options(cfg, false);
	struct service		 svc;
	struct exchange		 x;
	struct store		*store;
	struct cred_store	*creds;
	long long		 start = now_us();
	char			*text;
	size_t			 len;
	bool			 failed, rendered;

	creds = auth_start(cfg, &failed);
	if (failed || (store = store_open(&opts)) == NULL) {
		cred_store_close(creds);
		return 1;
	}
	service_init(&svc, cfg, store, creds);
	service_exchange(&svc, &x, environ, stdin_read, stdin, false);
	text = answer_text(&x, cfg->retry_after, &len, &rendered);
	if (fwrite(text, 1, len, stdout) == len)
		fflush(stdout);
	answer_done(&x, text, rendered, start);
	store_close(store);
	cred_store_close(creds);
	return 0;
}

/* ---- FastCGI: shared state ------------------------------------------------ */

struct loop;

/* One FastCGI connection, owned by its loop or, while it commits, the writer. */
struct conn {
	int			 fd;
	struct loop		*loop;
	struct fcgi_conn	 fcgi;
	unsigned		 events;	/* registered in epoll; 0: not */
	bool			 answering;	/* an answer is going out */
	bool			 close_after;	/* close once the output is out */
	bool			 served_one;	/* answered a request before */
	bool			 listed;
	bool			 ready;		/* on the loop's ready list */
	long long		 deadline;	/* ms, monotonic */
	struct conn		*prev, *next;	/* the loop's deadline list */
	struct conn		*qnext;		/* handed back, or dead */
	struct conn		*rprev, *rnext;	/* the loop's ready list */
	char			*left;		/* read beyond a complete request */
	size_t			 left_len, left_off;
	struct exchange		 x;
	long long		 start;		/* us, for the log line */
	struct writer_entry	 entry;
};

struct loop {
	struct service		 svc;
	struct store		*store;		/* this loop's, for reads */
	int			 epfd, evfd;
	pthread_t		 thread;
	struct conn		*head, *tail;	/* by deadline, oldest first */
	struct conn		*ready_head, *ready_tail; /* input read already */
	size_t			 nready;
	struct conn		*dead;		/* closed; freed after the batch */
	pthread_mutex_t		 qlock;
	struct conn		*queue;		/* handed back by the writer */
	atomic_int		 nconns;	/* its own, wherever they are */
	bool			 listening;	/* listen_fd in epoll */
	bool			 drained;	/* stopping: backlog taken */
	long long		 resume_accept;	/* ms; 0: not paused */
	char			 buf[16384];
};

static struct {
	const struct dis_config	*cfg;
	struct writer		*writer;
	struct cred_store	*creds;
	bool			 log_to_fastcgi;
	int			 listen_fd;
	struct peer_policy	*peers;
	long long		 timeout_ms;
	int			 max_conns;	/* the process's */
	int			 loop_cap;	/* each loop's share */
	atomic_bool		 stopping;
	atomic_llong		 stop_deadline;	/* ms */
} srv;

/*
 * At most one line a second per kind of trouble, with how many were
 * left out: a flood of bad peers cannot fill the log.
 */
struct rate_limit {
	atomic_llong	 last;
	atomic_int	 more;
};

static struct rate_limit	 rl_timeout, rl_protocol, rl_cap, rl_accept;

static void
log_limited(struct rate_limit *rl, const char *what)
{
	long long	 now = (long long)time(NULL);
	int		 more;

	if (atomic_exchange(&rl->last, now) == now) {
		atomic_fetch_add(&rl->more, 1);
		return;
	}
	if ((more = atomic_exchange(&rl->more, 0)) > 0)
		log_message("%s (and %d more like it)", what, more);
	else
		log_message("%s", what);
}

/* ---- connections ---------------------------------------------------------- */

static void
list_remove(struct conn *c)
{
	struct loop	*l = c->loop;

	if (!c->listed)
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
	c->listed = false;
}

/* A new deadline is always the latest: it goes last. */
static void
list_append(struct conn *c)
{
	struct loop	*l = c->loop;

	list_remove(c);
	c->deadline = now_ms() + srv.timeout_ms;
	c->prev = l->tail;
	if (l->tail != NULL)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
	c->listed = true;
}

/* What epoll is to report for c; 0 takes it out. */
static void
want(struct conn *c, unsigned events)
{
	struct epoll_event	 ev = { .events = events, .data.ptr = c };

	if (c->events == events)
		return;
	if (epoll_ctl(c->loop->epfd, c->events == 0 ? EPOLL_CTL_ADD :
	    events == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = events;
}

static void
conn_free(struct conn *c)
{
	struct loop	*l = c->loop;

	exchange_free(&c->x);
	fcgi_free(&c->fcgi);
	free(c->left);
	free(c);
	/* The last one lets a stopping loop end. */
	if (atomic_fetch_sub(&l->nconns, 1) == 1 && atomic_load(&srv.stopping))
		(void)!eventfd_write(l->evfd, 1);
}

/*
 * The ready list: connections with input read already (c->left), to be
 * parsed in the loop's next turn. A connection is on it at most once and
 * leaves it when it is served or closed: a pipelining peer readied twice
 * made a cycle, and one closed while on it was freed and then walked.
 */
static void
conn_ready(struct conn *c)
{
	struct loop	*l = c->loop;

	if (c->ready)
		return;
	c->ready = true;
	c->rnext = NULL;
	c->rprev = l->ready_tail;
	if (l->ready_tail != NULL)
		l->ready_tail->rnext = c;
	else
		l->ready_head = c;
	l->ready_tail = c;
	l->nready++;
}

static void
ready_remove(struct conn *c)
{
	struct loop	*l = c->loop;

	if (!c->ready)
		return;
	c->ready = false;
	if (c->rprev != NULL)
		c->rprev->rnext = c->rnext;
	else
		l->ready_head = c->rnext;
	if (c->rnext != NULL)
		c->rnext->rprev = c->rprev;
	else
		l->ready_tail = c->rprev;
	l->nready--;
}

/* On the loop: closes now, frees after the batch (events may name it). */
static void
conn_close(struct conn *c)
{
	list_remove(c);
	ready_remove(c);
	close(c->fd);
	c->fd = -1;
	c->qnext = c->loop->dead;
	c->loop->dead = c;
}

static void
conn_log(void *arg, const char *line, size_t len)
{
	struct conn	*c = arg;

	(void)fcgi_stderr(&c->fcgi, line, len);
}

/* 1: all written; 0: the socket is full; -1: the peer is gone. */
static int
conn_write(struct conn *c)
{
	ssize_t	 n;

	while (fcgi_pending(&c->fcgi) > 0) {
		n = send(c->fd, c->fcgi.out + c->fcgi.out_off,
		    fcgi_pending(&c->fcgi), MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			fcgi_written(&c->fcgi, (size_t)n);
		else if (n == -1 && errno == EINTR)
			continue;
		else if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		else
			return -1;
	}
	return 1;
}

/*
 * Renders the answer into FCGI_STDOUT records and ends the request; its
 * log lines go into its FCGI_STDERR. Runs on the loop or the writer.
 */
static void
conn_answer(struct conn *c)
{
	char	*text;
	size_t	 len;
	bool	 rendered, keep;

	if (srv.log_to_fastcgi)
		log_set_sink(conn_log, c);
	text = answer_text(&c->x, srv.cfg->retry_after, &len, &rendered);
	if (fcgi_stdout(&c->fcgi, text, len) == -1)
		c->close_after = true;
	answer_done(&c->x, text, rendered, c->start);
	log_set_sink(NULL, NULL);
	keep = fcgi_end(&c->fcgi);
	c->answering = true;
	c->served_one = true;
	if (!keep || atomic_load(&srv.stopping))
		c->close_after = true;
}


/*
 * The answer is out. A kept connection waits for its next request, under
 * a new deadline; only now is its next request read, so a peer cannot
 * pipeline work faster than it takes the answers.
 */
static void
conn_sent(struct conn *c)
{
	if (c->close_after || atomic_load(&srv.stopping)) {
		conn_close(c);
		return;
	}
	c->answering = false;
	list_append(c);
	want(c, EPOLLIN);
	if (c->left != NULL)
		conn_ready(c);
}

/* Writes what is pending of an answer (or a last word before closing). */
static void
conn_send(struct conn *c)
{
	switch (conn_write(c)) {
	case -1:
		conn_close(c);
		return;
	case 0:
		if (!c->listed)
			list_append(c);
		want(c, EPOLLOUT);
		return;
	default:
		conn_sent(c);
	}
}

static void
conn_committed(void *arg);

/* A complete request: handled here, its write (if any) to the writer. */
static void
conn_serve(struct conn *c)
{
	struct loop		*l = c->loop;
	struct memory_body	 in = { c->fcgi.body, c->fcgi.body_len, 0,
	    c->fcgi.body_cut };

	list_remove(c);
	ready_remove(c);
	c->start = now_us();
	if (srv.log_to_fastcgi)
		log_set_sink(conn_log, c);
	service_exchange(&l->svc, &c->x, fcgi_envp(&c->fcgi),
	    memory_body_read, &in, true);
	log_set_sink(NULL, NULL);
	fcgi_served(&c->fcgi);
	if (c->x.resp.deferred != NULL) {
		want(c, 0);
		c->entry.op = c->x.resp.deferred;
		c->entry.done = conn_committed;
		c->entry.arg = c;
		writer_submit(srv.writer, &c->entry);
		return;
	}
	conn_answer(c);
	conn_send(c);
}

/* Keeps what was read past a complete request for after its answer. */
static int
keep_left(struct conn *c, const char *p, size_t n)
{
	if (n == 0)
		return 0;
	if ((c->left = malloc(n)) == NULL)
		return -1;
	memcpy(c->left, p, n);
	c->left_len = n;
	c->left_off = 0;
	return 0;
}

static void
protocol_error(struct conn *c)
{
	log_limited(&rl_protocol, "closed a connection that broke the "
	    "FastCGI protocol or its bounds");
	conn_close(c);
}

/*
 * Reads and parses until the socket is empty, a request is complete or
 * output must go first. A few reads at most per turn, so one fast peer
 * cannot starve the others on this loop.
 */
static void
conn_read(struct conn *c)
{
	enum fcgi_event	 ev;
	const char	*p;
	size_t		 n, used;
	ssize_t		 got;
	int		 reads = 0;

	for (;;) {
		if (c->left != NULL) {
			p = c->left + c->left_off;
			n = c->left_len - c->left_off;
			ev = fcgi_feed(&c->fcgi, p, n, &used);
			if ((c->left_off += used) == c->left_len) {
				free(c->left);
				c->left = NULL;
			}
		} else {
			if (reads++ == 4)
				break;
			got = recv(c->fd, c->loop->buf, sizeof(c->loop->buf),
			    MSG_DONTWAIT);
			if (got == -1 && errno == EINTR)
				continue;
			if (got == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (got == -1) {
				conn_close(c);
				return;
			}
			if (got == 0)
				ev = fcgi_eof(&c->fcgi);
			else {
				p = c->loop->buf;
				n = (size_t)got;
				ev = fcgi_feed(&c->fcgi, p, n, &used);
				if (ev != FCGI_EV_ERROR &&
				    keep_left(c, p + used, n - used) == -1)
					ev = FCGI_EV_ERROR;
			}
		}
		switch (ev) {
		case FCGI_EV_MORE:
			continue;
		case FCGI_EV_REQUEST:
			conn_serve(c);
			return;
		case FCGI_EV_FLUSH:
			switch (conn_write(c)) {
			case -1:
				conn_close(c);
				return;
			case 0:
				want(c, EPOLLOUT);
				return;
			}
			continue;
		case FCGI_EV_CLOSE:
			c->close_after = true;
			conn_send(c);
			return;
		case FCGI_EV_ERROR:
			protocol_error(c);
			return;
		}
	}
	/* The socket is empty for now: management answers go out if they can. */
	switch (conn_write(c)) {
	case -1:
		conn_close(c);
		return;
	case 0:
		want(c, EPOLLIN | EPOLLOUT);
		return;
	default:
		want(c, EPOLLIN);
	}
}

static void
conn_event(struct conn *c, unsigned events)
{
	if (c->fd == -1)
		return;
	if (c->answering || c->close_after) {
		conn_send(c);
		return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		conn_read(c);
		return;
	}
	/* Management answers went out: reading goes on, left input first. */
	switch (conn_write(c)) {
	case -1:
		conn_close(c);
		break;
	case 0:
		break;
	default:
		if (c->left != NULL)
			conn_read(c);
		else
			want(c, EPOLLIN);
	}
}

/* ---- the writer's side ---------------------------------------------------- */

/*
 * Runs on the writer thread once the write is durable: answers, and tries
 * to write the answer at once; the loop gets back what is left.
 */
static void
conn_committed(void *arg)
{
	struct conn	*c = arg;
	struct loop	*l = c->loop;
	int		 sent;

	response_settle(&c->x.resp, c->x.resp.deferred->result);
	conn_answer(c);
	sent = conn_write(c);
	if (sent == -1 || (sent == 1 && c->close_after)) {
		close(c->fd);
		conn_free(c);
		return;
	}
	pthread_mutex_lock(&l->qlock);
	c->qnext = l->queue;
	l->queue = c;
	pthread_mutex_unlock(&l->qlock);
	(void)!eventfd_write(l->evfd, 1);
}

static void
take_queue(struct loop *l)
{
	struct conn	*c, *next;
	eventfd_t	 v;

	(void)!eventfd_read(l->evfd, &v);
	pthread_mutex_lock(&l->qlock);
	c = l->queue;
	l->queue = NULL;
	pthread_mutex_unlock(&l->qlock);
	for (; c != NULL; c = next) {
		next = c->qnext;
		if (fcgi_pending(&c->fcgi) > 0)
			conn_send(c);
		else
			conn_sent(c);
	}
}

/* ---- accepting ------------------------------------------------------------ */

static void
listen_on(struct loop *l, bool on)
{
	struct epoll_event	 ev = { .events = EPOLLIN | EPOLLEXCLUSIVE,
	    .data.ptr = NULL };

	if (on == l->listening)
		return;
	if (epoll_ctl(l->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL,
	    srv.listen_fd, &ev) == 0)
		l->listening = on;
}

/*
 * Out of descriptors or memory, accept fails while the connection waits in
 * the backlog. Answers in flight free both, so the loop stops listening
 * for 10 ms and tries again rather than spin or end.
 */
static bool
short_of_resources(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

/*
 * At its share of the connection cap, a loop makes room by closing its
 * connection nearest its deadline that has not completed its request: an
 * idle or dripping peer goes before a client that sends its request and
 * reads its answer. The cap is per loop so that a loop only ever touches
 * its own connections (a loop with room never refuses anyone). False when
 * this loop has none to give up.
 */
static bool
evict_one(struct loop *l)
{
	struct conn	*c;

	for (c = l->head; c != NULL; c = c->next)
		if (!c->answering && !c->close_after) {
			log_limited(&rl_cap, "at the connection limit: closed "
			    "the waiting connection nearest its deadline");
			conn_close(c);
			return true;
		}
	return false;
}

static void
conn_new(struct loop *l, int fd)
{
	struct conn	*c = calloc(1, sizeof(*c));

	if (c == NULL) {
		log_limited(&rl_accept, "out of memory for a new connection");
		close(fd);
		return;
	}
	c->fd = fd;
	c->loop = l;
	fcgi_init(&c->fcgi, srv.cfg->body_limit, (unsigned)srv.max_conns);
	atomic_fetch_add(&l->nconns, 1);
	list_append(c);
	/* A web server sends its request with the connection: read at once. */
	conn_read(c);
}

/*
 * Takes what the backlog holds, a few at most (other loops share it);
 * true when more may be waiting.
 */
static bool
accept_some(struct loop *l)
{
	char	 msg[128];
	int	 fd, i;

	for (i = 0; i < 16; i++) {
		fd = accept4(srv.listen_fd, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return false;
			snprintf(msg, sizeof(msg), "accept: %s; trying again",
			    strerror(errno));
			log_limited(&rl_accept, msg);
			if (short_of_resources(errno)) {
				listen_on(l, false);
				l->resume_accept = now_ms() + 10;
			}
			return false;
		}
		/* Checked before any byte is read; logged once by peer.c. */
		if (!peer_allowed(srv.peers, fd)) {
			close(fd);
			continue;
		}
		if (atomic_load(&l->nconns) >= srv.loop_cap && !evict_one(l)) {
			log_limited(&rl_cap, "at the connection limit: refused "
			    "a connection");
			close(fd);
			continue;
		}
		conn_new(l, fd);
	}
	return true;
}

/* ---- the loop ------------------------------------------------------------- */

/*
 * Stopping: the backlog's connections were accepted by the kernel and
 * their clients wait for answers, so they are taken; then the loop stops
 * listening and closes kept connections that wait for a next request.
 */
static void
start_draining(struct loop *l)
{
	struct conn	*c, *next;

	int	 i;

	/* Bounded: an inherited socket may still be getting new ones. */
	for (i = 0; i < 64 && accept_some(l); i++)
		;
	listen_on(l, false);
	l->resume_accept = 0;
	l->drained = true;
	for (c = l->head; c != NULL; c = next) {
		next = c->next;
		if (c->served_one && !c->answering && !fcgi_in_request(&c->fcgi) &&
		    c->fcgi.hdr_len == 0 && c->left == NULL)
			conn_close(c);
	}
}

static void
expire(struct loop *l, long long now)
{
	struct conn	*c;
	bool		 stop_passed = atomic_load(&srv.stopping) &&
	    now >= atomic_load(&srv.stop_deadline);

	while ((c = l->head) != NULL && (c->deadline <= now || stop_passed)) {
		/* A kept connection idle between requests ends quietly. */
		if (c->answering || fcgi_in_request(&c->fcgi) ||
		    c->fcgi.hdr_len > 0 || !c->served_one)
			log_limited(&rl_timeout, "closed a connection that "
			    "missed request_timeout; nothing of its request "
			    "was stored");
		conn_close(c);
	}
}

static int
wait_ms(const struct loop *l, long long now)
{
	long long	 until = LLONG_MAX;

	if (l->ready_head != NULL)
		return 0;
	if (l->head != NULL)
		until = l->head->deadline;
	if (l->resume_accept != 0 && l->resume_accept < until)
		until = l->resume_accept;
	if (atomic_load(&srv.stopping) &&
	    atomic_load(&srv.stop_deadline) < until)
		until = atomic_load(&srv.stop_deadline);
	if (until == LLONG_MAX)
		return -1;
	if (until <= now)
		return 0;
	return until - now > INT_MAX ? INT_MAX : (int)(until - now);
}

static void *
loop_main(void *arg)
{
	struct loop		*l = arg;
	struct epoll_event	 evs[64];
	struct conn		*c, *next;
	long long		 now;
	size_t			 k;
	int			 n, i;

	service_init(&l->svc, srv.cfg, l->store, srv.creds);
	l->svc.defer_writes = srv.writer != NULL;
	listen_on(l, true);
	for (;;) {
		if (atomic_load(&srv.stopping)) {
			if (!l->drained)
				start_draining(l);
			if (atomic_load(&l->nconns) == 0)
				break;
		}
		n = epoll_wait(l->epfd, evs, 64, wait_ms(l, now_ms()));
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL)
				accept_some(l);
			else if (evs[i].data.ptr == l)
				take_queue(l);
			else
				conn_event(evs[i].data.ptr, evs[i].events);
		}
		/* Those readied meanwhile wait for the next turn. */
		for (k = l->nready; k > 0 && (c = l->ready_head) != NULL; k--) {
			ready_remove(c);
			conn_read(c);
		}
		now = now_ms();
		expire(l, now);
		if (l->resume_accept != 0 && now >= l->resume_accept &&
		    !atomic_load(&srv.stopping)) {
			l->resume_accept = 0;
			listen_on(l, true);
		}
		for (c = l->dead, l->dead = NULL; c != NULL; c = next) {
			next = c->qnext;
			conn_free(c);
		}
	}
	store_close(l->store);
	return NULL;
}

/* ---- start and stop ------------------------------------------------------- */

/*
 * A request's memory is freed by the thread that made it (fcgi_served),
 * but an answer that waited for its commit is rendered on the writer
 * thread. With glibc's default of one arena per thread (up to 8 per
 * core), memory freed into 64 arenas came back slowly; one arena per core
 * kept RSS flat.
 */
static void
limit_arenas(void)
{
#ifdef M_ARENA_MAX
	long	 cores = sysconf(_SC_NPROCESSORS_ONLN);

	mallopt(M_ARENA_MAX, cores < 1 ? 1 : cores > 8 ? 8 : (int)cores);
#endif
}

/*
 * Many peers need many descriptors: the soft limit goes up to the hard
 * one. The cap keeps room for every loop's database files, epoll and
 * eventfd, the writer's files and the log.
 */
static int
connection_cap(int threads)
{
	struct rlimit	 rl;
	long long	 room;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rlim_t	 want = rl.rlim_max;

		if (want == RLIM_INFINITY || want > 1048576)
			want = 1048576;
		if (want > rl.rlim_cur) {
			rl.rlim_cur = want;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return 1024;
	room = (long long)rl.rlim_cur - 32 - 6LL * (threads + 1);
	if (room > INT_MAX / 2)
		room = INT_MAX / 2;
	return room < 4 ? 4 : (int)room;
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

static int
loop_open(struct loop *l, const struct store_options *opts)
{
	struct epoll_event	 ev = { .events = EPOLLIN, .data.ptr = l };

	pthread_mutex_init(&l->qlock, NULL);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->epfd == -1 || l->evfd == -1 ||
	    epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->evfd, &ev) == -1) {
		log_message("cannot set up an event loop: %s", strerror(errno));
		return -1;
	}
	return (l->store = store_open(opts)) == NULL ? -1 : 0;
}

static void
loop_close(struct loop *l)
{
	if (l->epfd != -1)
		close(l->epfd);
	if (l->evfd != -1)
		close(l->evfd);
	pthread_mutex_destroy(&l->qlock);
}

/*
 * One loop per core at most, up to threads. A loop's work is CPU work
 * (parsing, SQLite reads from the page cache, rendering): more loops than
 * cores only add wake-ups, and contention in SQLite's per-file WAL-index
 * mutex, which every read transaction takes. Measured with GET at 64
 * connections on 2 cores: 64 loops took 30 us of CPU and 1.4 context
 * switches per request, 2 loops 22 us and 0.55.
 */
static int
loop_count(int threads)
{
	long	 cores = sysconf(_SC_NPROCESSORS_ONLN);

	return cores >= 1 && threads > cores ? (int)cores : threads;
}

int
server_fastcgi(const struct dis_config *cfg, int listen_fd,
    struct peer_policy *peers)
{
	struct store_options	 opts = conf_store_options(cfg, false);
	struct loop		*loops;
	sigset_t		 set;
	int			 i, nloops, opened, started, sig;
	bool			 failed;
	char			 database[512];

	limit_arenas();
	if (fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK) == -1) {
		log_message("cannot set up the listening socket: %s",
		    strerror(errno));
		return 1;
	}
	/* Threads inherit this mask: only the main thread takes signals. */
	server_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	srv.cfg = cfg;
	srv.listen_fd = listen_fd;
	srv.peers = peers;
	srv.timeout_ms = cfg->request_timeout * 1000LL;
	nloops = loop_count(cfg->threads);
	srv.max_conns = connection_cap(nloops);
	srv.loop_cap = srv.max_conns / nloops > 0 ? srv.max_conns / nloops : 1;
	srv.log_to_fastcgi = cfg->log == LOG_FASTCGI ||
	    (cfg->log == LOG_AUTO && log_stderr_discarded());
	if (srv.log_to_fastcgi)
		log_hold_for_first_request();
	srv.creds = auth_start(cfg, &failed);
	if (failed)
		return 1;
	if (cfg->group_commit && (srv.writer = writer_start(&opts)) == NULL)
		return 1;
	if ((loops = calloc((size_t)nloops, sizeof(*loops))) == NULL)
		return 1;
	/*
	 * Every connection is opened before any loop serves: a loop that
	 * started late (seconds, under valgrind) opened its own whenever it got
	 * to it, which could be while the writer was creating a database that
	 * had just become possible to create.
	 */
	for (opened = 0; opened < nloops; opened++) {
		loops[opened].epfd = loops[opened].evfd = -1;
		if (loop_open(&loops[opened], &opts) == -1) {
			loop_close(&loops[opened]);
			break;
		}
	}
	for (i = 0; i < opened; i++) {
		if (pthread_create(&loops[i].thread, NULL, loop_main,
		    &loops[i]) != 0)
			break;
		(void)pthread_setname_np(loops[i].thread, "dis-loop");
	}
	for (started = i; i < opened; i++) {
		store_close(loops[i].store);
		loop_close(&loops[i]);
	}
	store_describe(cfg->database, database, sizeof(database));
	log_message("serving FastCGI with %d event loops, database %s, "
	    "synchronous=%s, group commit %s, up to %d connections",
	    started, database, cfg->sync_full ? "FULL" : "NORMAL",
	    srv.writer ? "on" : "off", srv.max_conns);
	sig = started > 0 ? wait_for_stop(srv.creds) : -1;
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
	atomic_store(&srv.stop_deadline, now_ms() + srv.timeout_ms);
	atomic_store(&srv.stopping, true);
	for (i = 0; i < started; i++)
		(void)!eventfd_write(loops[i].evfd, 1);
	for (i = 0; i < started; i++) {
		pthread_join(loops[i].thread, NULL);
		loop_close(&loops[i]);
	}
	writer_stop(srv.writer);
	cred_store_close(srv.creds);
	free(loops);
	if (sig > 0)
		log_message("stopped by signal %d", sig);
	return started > 0 ? 0 : 1;
}
