/*
 * errors.h: every outcome a request can have, as a value.
 * errors.c is the one place that maps them to HTTP statuses, DIS error codes
 * and message texts.
 */
#ifndef DIS_ERRORS_H
#define DIS_ERRORS_H

enum dis_err {
	DIS_OK = 0,
	DIS_ERR_NO_ROUTE,		/* 404 DIS.4200 */
	DIS_ERR_METHOD,			/* 405 DIS.4200 */
	DIS_ERR_PROJECT,		/* 400 DIS.4117 */
	DIS_ERR_AUTH_MISSING,		/* 441 DIS.4101 */
	DIS_ERR_AUTH_UNPARSEABLE,	/* 441 DIS.4102 */
	DIS_ERR_DATE_MISSING,		/* 441 DIS.4103 */
	DIS_ERR_DATE_UNPARSEABLE,	/* 441 DIS.4104 */
	DIS_ERR_DATE_SKEW,		/* 441 DIS.4105 */
	DIS_ERR_AK_UNKNOWN,		/* 441 DIS.4107 */
	DIS_ERR_AUTH_INCOMPLETE,	/* 441 DIS.4109 */
	DIS_ERR_SIGNATURE,		/* 441 DIS.4112 */
	DIS_ERR_TOKEN_EMPTY,		/* 441 DIS.4113 */
	DIS_ERR_TOKEN_INVALID,		/* 441 DIS.4114 */
	DIS_ERR_RBAC,			/* 403 DIS.4116 */
	DIS_ERR_TOO_LARGE,		/* 413 DIS.4200 */
	DIS_ERR_EMPTY_BODY,		/* 400 DIS.4202 */
	DIS_ERR_MALFORMED,		/* 400 DIS.4300 */
	DIS_ERR_INVALID,		/* 400 DIS.4200 */
	DIS_ERR_PARTITION,		/* 400 DIS.4201 */
	DIS_ERR_SEQ_RANGE,		/* 400 DIS.4224 */
	DIS_ERR_APP_QUOTA,		/* 400 DIS.4329 */
	DIS_ERR_APP_EXISTS,		/* 400 DIS.4330 */
	DIS_ERR_APP_NOT_FOUND,		/* 400 DIS.4332 */
	DIS_ERR_STREAM_LIMIT,		/* 400 DIS.4200 [app_stream_limit...] */
	DIS_ERR_UNAVAILABLE,		/* 503 DIS.5000, Retry-After */
	DIS_ERR_INTERNAL,		/* 500 DIS.5000 */
	DIS_ERR__COUNT
};

struct dis_error_info {
	int		 http_status;
	const char	*code;		/* "DIS.4200" */
	const char	*text;		/* fixed message, without the final '.' */
	int		 retry;		/* answer carries Retry-After */
	const char	*detail;	/* said when the caller gives none */
};

/*
 * The mapping of err; a value outside the enum maps as DIS_ERR_INTERNAL.
 * Static storage, never freed.
 */
const struct dis_error_info *dis_error_info(enum dis_err);

#endif
