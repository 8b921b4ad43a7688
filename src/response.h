/*
 * response.h: what a handler hands back, and its rendering as CGI output
 * (a Status line, headers, a blank line, the body).
 */
#ifndef DIS_RESPONSE_H
#define DIS_RESPONSE_H

#include <stddef.h>

#include <jansson.h>

#include "errors.h"

struct write_op;

struct response {
	int		 status;
	enum dis_err	 error;		/* DIS_OK unless this is an error */
	char		 detail[192];	/* the "[...]" part of an error message */
	char		*body;		/* JSON text of a success, or NULL */
	const char	*allow;		/* Allow header of a 405 */
	struct write_op	*deferred;	/* commit this first, then settle;
					   the response's own copy */
};

void	 response_empty(struct response *, int status);
int	 response_json(struct response *, int status, json_t *);
/* The answer status once a copy of op commits; 500 if no memory. */
void	 response_defer(struct response *, int status, const struct write_op *);
/* The deferred write's outcome: its status, or the error it failed with. */
void	 response_settle(struct response *, enum dis_err committed);
void	 response_error(struct response *, enum dis_err, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
char	*response_render(struct response *, int retry_after, size_t *len);
void	 response_free(struct response *);

#endif
