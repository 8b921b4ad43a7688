/*
 * request.h: one HTTP request as a plain struct, copied out of the CGI or
 * FastCGI environment, plus the URL decoding every other module shares.
 * Nothing after the accept loop reads the environment.
 */
#ifndef DIS_REQUEST_H
#define DIS_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "errors.h"

enum http_method {
	METHOD_GET = 1 << 0,
	METHOD_POST = 1 << 1,
	METHOD_DELETE = 1 << 2,
	METHOD_OTHER = 1 << 3,	/* sent, but not one we serve */
	METHOD_NONE = 1 << 4	/* REQUEST_METHOD missing */
};

struct header {
	char	*name;		/* lower case, '-' separated: "x-sdk-date" */
	char	*value;
};

struct request {
	enum http_method method;
	char		*method_name;	/* as sent; "" when missing */
	char		*path;		/* raw, undecoded, without the query */
	char		*query;		/* raw query string, "" when none */
	char		*remote_addr;	/* REMOTE_ADDR, the web server's word
					   for the client; "" when none */
	struct header	*headers;	/* HTTP_* and CONTENT_TYPE */
	size_t		 nheaders;
	long long	 content_length; /* -1 when absent or empty */
	bool		 content_length_bad; /* present but not a number */
	char		*body;		/* NUL-terminated copy, NULL when none */
	size_t		 body_len;
	bool		 body_too_large;
	bool		 body_short;	/* EOF before CONTENT_LENGTH bytes, or
					   the body stream broke */
};

/* Reads at most n bytes into buf; 0 at end of input, -1 on error. */
typedef long body_reader(void *arg, char *buf, size_t n);

/* A body already in memory (the caller's), read from off on. */
struct memory_body {
	const char	*p;
	size_t		 len, off;
	bool		 cut;		/* it ended early: its end is an error */
};

/* A body_reader over a struct memory_body (arg): what is left, then 0,
   or -1 at the end of a cut body. */
long		 memory_body_read(void *arg, char *buf, size_t n);

int		 request_from_env(struct request *, char *const *envp);
enum http_method http_method_of(const char *name);
enum dis_err	 request_read_body(struct request *, body_reader *, void *arg,
		    size_t cap, bool until_eof);
const char	*request_header(const struct request *, const char *name);
void		 request_free(struct request *);

/* One decoded query parameter. */
struct query_param {
	char	*key;
	char	*value;
};

int		 query_parse(const char *raw, struct query_param **, size_t *);
void		 query_free(struct query_param *, size_t);

/*
 * Percent-decodes len bytes of s into a new string; '+' becomes a space when
 * plus_is_space. Malformed escapes and %00 are kept as they are, so the
 * result never hides a NUL and still fails any charset check. NULL: no memory.
 */
char		*url_decode(const char *s, size_t len, bool plus_is_space);
char		*url_decode_into(char *out, const char *s, size_t len,
		    bool plus_is_space);

#endif
