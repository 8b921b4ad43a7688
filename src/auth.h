/*
 * auth.h: the verifier. Given a request, the project its path names, the
 * current time and a credentials snapshot, it says whether the request may
 * go on: DIS_OK, one of the 441 authentication errors of auth.md, or
 * DIS_ERR_RBAC (403) for a valid credential not allowed on the project.
 * It reads no clock, file or global, so tests pin the time to the signed
 * vectors'. Also: the start-up policy (the warning when authentication is
 * off, the credentials store when it is on).
 */
#ifndef DIS_AUTH_H
#define DIS_AUTH_H

#include <stdbool.h>
#include <time.h>

#include "conf.h"
#include "credentials.h"
#include "errors.h"
#include "request.h"

/*
 * Checks in the order of auth.md. detail, when not NULL, gets a static
 * text for the "[...]" part of the error: never a secret, never the
 * signature or the token.
 */
enum dis_err	 auth_check(const struct dis_config *, const struct cred_set *,
		    const struct request *, const char *project, time_t now,
		    const char **detail);

/*
 * The canonical request for the given SignedHeaders (";"-joined), with the
 * Host header as sent or without its ":port", ending in the SHA-256 of the
 * body received (whatever X-Sdk-Content-Sha256 says). NULL: out of memory,
 * or a signed header the request does not carry.
 */
char		*auth_canonical_request(const struct request *,
		    const char *signed_headers, bool strip_port);

/*
 * Lower-case hex of the signature of string_to_sign for SK (or, when v11,
 * the V11 key derived from AK and SK) under the scope date/region/service.
 * out holds 65 bytes. -1 on a libcrypto failure.
 */
int		 auth_sign(bool v11, const char *ak, const char *sk,
		    const char *date, const char *region, const char *service,
		    const char *string_to_sign, char out[65]);

/*
 * At start: warns when authentication is off (returns NULL, *failed
 * false); otherwise opens the credentials store (NULL and *failed true
 * when it cannot even be created).
 */
struct cred_store *auth_start(const struct dis_config *, bool *failed);

/*
 * For CGI mode, where every request starts a process: from now on
 * auth_start warns at most once an hour per database, as the stamp file
 * DATABASE.auth-none-warned records.
 */
void		 auth_warn_hourly(void);

#endif
