/*
 * fcgi.h: the FastCGI responder protocol as records in and records out, for
 * one connection: no I/O, no threads, no allocation beyond the bounds
 * below. The server feeds it the bytes it reads and writes the bytes it
 * builds; tests and the fuzzer drive it the same way.
 *
 * Memory per connection is bounded: the params of one request (at most
 * FCGI_PARAMS_LIMIT, counting a pointer per pair), its body (at most
 * body_limit + 1 bytes kept; the rest is read and dropped), and the output
 * of one answer. Management answers stop the reading (FCGI_EV_FLUSH) once
 * FCGI_OUT_HIGH bytes wait, so a peer that does not read cannot make them
 * pile up.
 */
#ifndef DIS_FCGI_H
#define DIS_FCGI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FCGI_PARAMS_LIMIT	(256 * 1024)
#define FCGI_OUT_HIGH		4096

/* What the caller does next after fcgi_feed or fcgi_eof. */
enum fcgi_event {
	FCGI_EV_MORE,		/* every byte was taken: read more */
	FCGI_EV_REQUEST,	/* a request is complete: serve it, fcgi_end */
	FCGI_EV_FLUSH,		/* write the output, then feed the rest */
	FCGI_EV_CLOSE,		/* write the output, then close */
	FCGI_EV_ERROR		/* not FastCGI, or over a bound: close now */
};

/* A decoder of name-value pairs, fed as the bytes come. */
struct fcgi_pairs {
	unsigned char	 len[4];
	unsigned	 nlen;		/* bytes of the length being read */
	unsigned	 phase;
	uint32_t	 name_len, value_len;
	uint32_t	 done;		/* bytes of the name or value seen */
};

struct fcgi_conn {
	size_t		 body_limit;
	unsigned	 max_conns;	/* what FCGI_GET_VALUES answers */

	/* The record being read. */
	unsigned char	 hdr[8];
	size_t		 hdr_len;
	unsigned	 type, id;
	size_t		 content_left, padding_left;
	bool		 content_empty;	/* an empty record ends a stream */
	bool		 record_ended;	/* record_end ran for this one */
	unsigned char	 begin[8];
	size_t		 begin_len;
	struct fcgi_pairs mgmt;
	char		 mgmt_name[16];
	size_t		 mgmt_name_len;
	unsigned	 mgmt_asked;	/* bit per variable asked for */

	/* The request: none, reading params, reading stdin, complete. */
	int		 state;
	unsigned	 req_id;
	bool		 keep_conn;
	struct fcgi_pairs pairs;
	char		*params;	/* "NAME=VALUE\0" after one another */
	size_t		 params_len, params_cap, params_cost, nparams;
	char		**envp;		/* into params; set when complete */
	char		*body;		/* at most body_limit + 1 bytes */
	size_t		 body_len, body_cap;
	bool		 body_cut;	/* ended by ABORT or EOF, not by an
					   empty FCGI_STDIN */

	/* Output not yet written: out[out_off .. out_len). */
	char		*out;
	size_t		 out_len, out_cap, out_off;
};

/* A connection's parser, empty; body_limit as in the configuration. */
void		 fcgi_init(struct fcgi_conn *, size_t body_limit,
		    unsigned max_conns);

/*
 * Takes up to len bytes; *used says how many. Stops early at a complete
 * request (FCGI_EV_REQUEST; feed the rest only after fcgi_end), when output
 * must be written first (FCGI_EV_FLUSH), or when the connection is over.
 */
enum fcgi_event	 fcgi_feed(struct fcgi_conn *, const void *buf, size_t len,
		    size_t *used);

/*
 * The peer closed its sending side. A request whose body was being read is
 * complete, cut short (FCGI_EV_REQUEST); otherwise FCGI_EV_CLOSE.
 */
enum fcgi_event	 fcgi_eof(struct fcgi_conn *);

/*
 * The complete request's params (NULL-terminated, owned by the parser until
 * fcgi_end) and its body: fcgi.body, fcgi.body_len, fcgi.body_cut.
 */
char *const	*fcgi_envp(const struct fcgi_conn *);

/*
 * The service has read the request: frees its params and body now, on the
 * thread that made them, while its answer may wait for a commit.
 */
void		 fcgi_served(struct fcgi_conn *);

/* Appends FCGI_STDOUT or FCGI_STDERR records of the request; -1: no memory. */
int		 fcgi_stdout(struct fcgi_conn *, const void *, size_t);
int		 fcgi_stderr(struct fcgi_conn *, const void *, size_t);

/*
 * Ends the request: the empty FCGI_STDOUT and FCGI_END_REQUEST, and frees
 * its params and body. True when the connection stays open (KEEP_CONN) for
 * the next request; false when it is to be closed once the output is
 * written (also when there was no memory for the records).
 */
bool		 fcgi_end(struct fcgi_conn *);

/* n bytes of the output were written. */
void		 fcgi_written(struct fcgi_conn *, size_t n);

/* Bytes of output waiting to be written. */
size_t		 fcgi_pending(const struct fcgi_conn *);

/* True when a request has begun and is not complete. */
bool		 fcgi_in_request(const struct fcgi_conn *);

void		 fcgi_free(struct fcgi_conn *);

#endif
