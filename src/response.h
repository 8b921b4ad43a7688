/*
 * response.h: what a handler hands back, and its rendering as CGI output
 * (a Status line, headers, a blank line, the body).
 */
#ifndef DIS_RESPONSE_H
#define DIS_RESPONSE_H

#include <stddef.h>

#include <jansson.h>

#include "errors.h"
#include "metrics.h"

struct write_op;

struct response {
	int		 status;
	enum dis_err	 error;		/* DIS_OK unless this is an error */
	char		 detail[192];	/* the "[...]" part of an error message */
	char		*body;		/* text of a success, or NULL */
	const char	*content_type;	/* of body; NULL: application/json */
	const char	*allow;		/* Allow header of a 405 */
	struct write_op	*deferred;	/* commit this first, then settle */
	struct metrics_mark mark;	/* the request's: kept by every call
					   below, counted by response_render */
};

void	 response_empty(struct response *, int status);
int	 response_json(struct response *, int status, json_t *);
/* Takes body (malloc'd, NUL-terminated); content_type must be static. */
void	 response_text(struct response *, int status, const char *content_type,
	    char *body);
void	 response_settle(struct response *, enum dis_err committed);
void	 response_error(struct response *, enum dis_err, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
char	*response_render(struct response *, int retry_after, size_t *len);
void	 response_free(struct response *);

#endif
