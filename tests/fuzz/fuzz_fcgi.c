/*
 * fuzz_fcgi.c: libFuzzer harness for the FastCGI record layer as the
 * server reads it. The input is what a peer sends on one connection; the
 * first 4 bytes seed the sizes of the pieces it arrives in (1 byte to
 * 4 KiB, as reads would cut it). Each complete request goes through
 * service_exchange and its answer through the record builder, and the
 * feeding resumes after it as server.c resumes a kept connection. It
 * checks that the parser keeps its bounds (params, body, queued output),
 * that every byte it builds is a well-formed record, and that it never
 * takes more than it was given.
 */
#include "config.h"

#include "fcgi.h"
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

/* Every pending byte is a whole record of version 1; then drops them. */
static void
check_output(struct fcgi_conn *c)
{
	const unsigned char	*p;
	size_t			 left = fcgi_pending(c), len;

	if (left == 0)
		return;
	p = (const unsigned char *)c->out + c->out_off;
	while (left > 0) {
		if (left < 8 || p[0] != 1 || p[1] < 3 || p[1] > 11)
			abort();
		len = (size_t)p[4] << 8 | p[5];
		if (left < 8 + len + p[6])
			abort();
		left -= 8 + len + p[6];
		p += 8 + len + p[6];
	}
	fcgi_written(c, fcgi_pending(c));
}

static void
serve(struct fcgi_conn *c)
{
	struct memory_body	 in = { c->body, c->body_len, 0, c->body_cut };
	struct exchange	 x;
	char		*text;
	size_t		 tlen;

	if (c->body_len > fuzz_cfg.body_limit + 1 ||
	    c->params_cost > FCGI_PARAMS_LIMIT || fcgi_envp(c) == NULL)
		abort();
	service_exchange(&fuzz_svc, &x, fcgi_envp(c), memory_body_read, &in,
	    true);
	fcgi_served(c);
	fuzz_check_answer(&x, &text, &tlen);
	if (fcgi_stderr(c, "log line\n", 9) == -1 ||
	    fcgi_stdout(c, text, tlen) == -1)
		abort();
	free(text);
	exchange_free(&x);
	(void)fcgi_end(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fcgi_conn	 c;
	enum fcgi_event		 ev = FCGI_EV_MORE;
	uint32_t		 seed = 1;
	size_t			 off = 0, n, used;
	bool			 over = false;

	if (size >= 4) {
		seed = (uint32_t)data[0] | (uint32_t)data[1] << 8 |
		    (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
		data += 4;
		size -= 4;
	}
	fcgi_init(&c, fuzz_cfg.body_limit, 100);
	while (!over && off < size) {
		seed = seed * 1103515245u + 12345u;
		n = 1 + ((seed >> 16) & ((1u << ((seed >> 8) % 13)) - 1));
		if (n > size - off)
			n = size - off;
		ev = fcgi_feed(&c, data + off, n, &used);
		if (used > n)
			abort();
		off += used;
		switch (ev) {
		case FCGI_EV_MORE:
			if (used != n)
				abort();
			break;
		case FCGI_EV_REQUEST:
			serve(&c);
			break;
		case FCGI_EV_FLUSH:
			if (fcgi_pending(&c) < FCGI_OUT_HIGH)
				abort();
			break;
		case FCGI_EV_CLOSE:
		case FCGI_EV_ERROR:
			over = true;
			break;
		}
		if (fcgi_pending(&c) > FCGI_OUT_HIGH + 64 * 1024 + 256)
			abort();
		check_output(&c);
	}
	/* The peer half-closes: a body being read is cut short. */
	if (!over && fcgi_eof(&c) == FCGI_EV_REQUEST)
		serve(&c);
	check_output(&c);
	fcgi_free(&c);
	return 0;
}
