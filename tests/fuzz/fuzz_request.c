/*
 * fuzz_request.c: libFuzzer harness for routing and query parsing. The
 * input is a request line's worth of parameters, one per line:
 *
 *   method \n REQUEST_URI \n X-Project-Id \n CONTENT_LENGTH \n body
 *
 * (a missing line leaves that parameter out). It goes through
 * request_from_env, request_read_body and service_handle on an in-memory
 * database, as server.c would run it: router_match, the per-segment URL
 * decoding, query_parse and the query validators, on every route.
 */
#include "config.h"

#include "fuzz_common.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_setup();
	return 0;
}

/* The next line of the input as "NAME=line", or NULL at its end. */
static char *
next_param(const char *name, const uint8_t **p, const uint8_t *end)
{
	const uint8_t	*nl;
	size_t		 nlen = strlen(name), len;
	char		*param;

	if (*p >= end)
		return NULL;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	len = (size_t)((nl ? nl : end) - *p);
	if ((param = malloc(nlen + 1 + len + 1)) == NULL)
		abort();
	memcpy(param, name, nlen);
	param[nlen] = '=';
	memcpy(param + nlen + 1, *p, len);
	param[nlen + 1 + len] = '\0';
	*p += len + (nl != NULL);
	return param;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "REQUEST_METHOD", "REQUEST_URI",
	    "HTTP_X_PROJECT_ID", "CONTENT_LENGTH" };
	const uint8_t	*p = data, *end = data + size;
	char		*envp[5] = { NULL };
	size_t		 i, n = 0;

	/* Environment strings end at a NUL, as they would in envp. */
	if (memchr(data, '\0', size) != NULL)
		return -1;
	for (i = 0; i < 4; i++)
		if ((envp[n] = next_param(names[i], &p, end)) != NULL)
			n++;
	fuzz_serve(envp, p, (size_t)(end - p));
	for (i = 0; i < n; i++)
		free(envp[i]);
	return 0;
}
