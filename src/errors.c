/*
 * errors.c: the single mapping from an error value to what the client sees.
 * Clients match the DIS code by substring, so the codes here are the contract.
 */
#include "config.h"

#include <stddef.h>

#include "errors.h"

static const struct dis_error_info table[DIS_ERR__COUNT] = {
	[DIS_OK] =			{ 200, "", "", 0, NULL },
	[DIS_ERR_NO_ROUTE] =		{ 404, "DIS.4200", "Invalid request", 0, NULL },
	[DIS_ERR_METHOD] =		{ 405, "DIS.4200", "Invalid request", 0, NULL },
	[DIS_ERR_PROJECT] =		{ 400, "DIS.4117", "Invalid Project Id", 0, NULL },
	[DIS_ERR_AUTH_MISSING] =	{ 441, "DIS.4101", "Authorization header cannot be empty", 0, NULL },
	[DIS_ERR_AUTH_UNPARSEABLE] =	{ 441, "DIS.4102", "Invalid Authorization header", 0, NULL },
	[DIS_ERR_DATE_MISSING] =	{ 441, "DIS.4103", "Empty X-Sdk-Date header", 0, NULL },
	[DIS_ERR_DATE_UNPARSEABLE] =	{ 441, "DIS.4104", "Failed to parse X-Sdk-Date header", 0, NULL },
	[DIS_ERR_DATE_SKEW] =		{ 441, "DIS.4105", "Invalid X-Sdk-Date header", 0, NULL },
	[DIS_ERR_AK_UNKNOWN] =		{ 441, "DIS.4107", "Invalid AcessKey header", 0, NULL },
	[DIS_ERR_AUTH_INCOMPLETE] =	{ 441, "DIS.4109", "Invalid Credential, SignedHeaders or Signature", 0, NULL },
	[DIS_ERR_SIGNATURE] =		{ 441, "DIS.4112", "Invalid authorization request", 0, NULL },
	[DIS_ERR_TOKEN_EMPTY] =		{ 441, "DIS.4113", "Empty Token header", 0, NULL },
	[DIS_ERR_TOKEN_INVALID] =	{ 441, "DIS.4114", "Invalid Token header", 0, NULL },
	[DIS_ERR_RBAC] =		{ 403, "DIS.4116", "Invalid RBAC", 0, NULL },
	[DIS_ERR_TOO_LARGE] =		{ 413, "DIS.4200", "Invalid request", 0, NULL },
	[DIS_ERR_EMPTY_BODY] =		{ 400, "DIS.4202", "Empty request", 0, NULL },
	[DIS_ERR_MALFORMED] =		{ 400, "DIS.4300", "Request error", 0, NULL },
	[DIS_ERR_INVALID] =		{ 400, "DIS.4200", "Invalid request", 0, NULL },
	[DIS_ERR_PARTITION] =		{ 400, "DIS.4201", "Invalid partition_id", 0, NULL },
	[DIS_ERR_SEQ_RANGE] =		{ 400, "DIS.4224", "Sequence_number out of range", 0, NULL },
	[DIS_ERR_APP_QUOTA] =		{ 400, "DIS.4329", "app quota exceeded", 0, NULL },
	[DIS_ERR_APP_EXISTS] =		{ 400, "DIS.4330", "app already exist", 0, NULL },
	[DIS_ERR_APP_NOT_FOUND] =	{ 400, "DIS.4332", "app not found", 0, NULL },
	/* DIS has no code of its own for this bound: the detail names it. */
	[DIS_ERR_STREAM_LIMIT] =	{ 400, "DIS.4200", "Invalid request", 0,
	    "app_stream_limit: the app has checkpoints on as many streams as "
	    "allowed; delete a stream's checkpoints first" },
	[DIS_ERR_UNAVAILABLE] =		{ 503, "DIS.5000", "System error", 1, NULL },
	[DIS_ERR_INTERNAL] =		{ 500, "DIS.5000", "System error", 0, NULL },
};

const struct dis_error_info *
dis_error_info(enum dis_err err)
{
	if ((unsigned)err >= DIS_ERR__COUNT)
		err = DIS_ERR_INTERNAL;
	return &table[err];
}
