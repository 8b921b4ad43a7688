/*
 * fuzz_body.c: libFuzzer harness for JSON body validation. The first byte
 * picks the route (add checkpoint, or create app), the rest is the body,
 * sent with a matching CONTENT_LENGTH to project p1, which holds app a1.
 * It runs the server's own path: request_read_body, then service_handle's
 * check_body (json_loadb with duplicate keys rejected), validate_json and,
 * for a valid body, the write into the in-memory database.
 */
#include "config.h"

#include <stdio.h>

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 length[32];
	char	*envp[] = { "REQUEST_METHOD=POST", NULL, length, NULL };

	if (size < 1)
		return -1;
	envp[1] = data[0] & 1 ? "REQUEST_URI=/v2/p1/apps" :
	    "REQUEST_URI=/v2/p1/checkpoints";
	snprintf(length, sizeof(length), "CONTENT_LENGTH=%zu", size - 1);
	fuzz_serve(envp, data + 1, size - 1);
	return 0;
}
