/*
 * fcgi.c: the FastCGI record layer of a responder that does not multiplex.
 * It owns the parsing of every record a peer can send (headers, padding,
 * name-value pairs, bodies, management records) and the building of every
 * record we send; server.c only moves bytes.
 *
 * It replaces libfcgi in the service: libfcgi adds a pair's two 31-bit
 * lengths in an int (a 32-byte message aborted the process) and reads a
 * request's first records with no deadline while its callers hold a lock.
 * Here every length is checked against a bound in size_t or uint64_t
 * arithmetic before anything is allocated, and nothing blocks: bytes come
 * as they come, split anywhere.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi.h"

#define FCGI_VERSION_1		1
#define FCGI_BEGIN_REQUEST	1
#define FCGI_ABORT_REQUEST	2
#define FCGI_END_REQUEST	3
#define FCGI_PARAMS		4
#define FCGI_STDIN		5
#define FCGI_STDOUT		6
#define FCGI_STDERR		7
#define FCGI_GET_VALUES		9
#define FCGI_GET_VALUES_RESULT	10
#define FCGI_UNKNOWN_TYPE	11

#define FCGI_RESPONDER		1
#define FCGI_KEEP_CONN		1

#define FCGI_REQUEST_COMPLETE	0
#define FCGI_CANT_MPX_CONN	1
#define FCGI_UNKNOWN_ROLE	3

#define MAX_CONTENT		65535

enum { S_NONE, S_PARAMS, S_STDIN, S_READY };
enum { P_NAME_LEN, P_VALUE_LEN, P_NAME, P_VALUE };

/* The variables FCGI_GET_VALUES may ask for, one bit each. */
static const char *const known_vars[] = {
	"FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS"
};
#define NKNOWN	(sizeof(known_vars) / sizeof(known_vars[0]))

void
fcgi_init(struct fcgi_conn *c, size_t body_limit, unsigned max_conns)
{
	memset(c, 0, sizeof(*c));
	c->body_limit = body_limit;
	c->max_conns = max_conns;
}

/* ---- output ------------------------------------------------------------- */

static int
out_reserve(struct fcgi_conn *c, size_t n)
{
	size_t	 want, cap;
	char	*grown;

	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	want = c->out_len + n;
	if (want <= c->out_cap)
		return 0;
	for (cap = c->out_cap ? c->out_cap : 1024; cap < want; cap *= 2)
		;
	if ((grown = realloc(c->out, cap)) == NULL)
		return -1;
	c->out = grown;
	c->out_cap = cap;
	return 0;
}

/* One record, len at most MAX_CONTENT, unpadded (padding is optional). */
static int
out_record(struct fcgi_conn *c, unsigned type, unsigned id,
    const void *content, size_t len)
{
	unsigned char	*h;

	if (out_reserve(c, 8 + len) == -1)
		return -1;
	h = (unsigned char *)c->out + c->out_len;
	h[0] = FCGI_VERSION_1;
	h[1] = (unsigned char)type;
	h[2] = (unsigned char)(id >> 8);
	h[3] = (unsigned char)id;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = 0;
	h[7] = 0;
	if (len > 0)
		memcpy(h + 8, content, len);
	c->out_len += 8 + len;
	return 0;
}

static int
out_stream(struct fcgi_conn *c, unsigned type, const void *data, size_t len)
{
	const char	*p = data;
	size_t		 n;

	while (len > 0) {
		n = len > MAX_CONTENT ? MAX_CONTENT : len;
		if (out_record(c, type, c->req_id, p, n) == -1)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static int
out_end_request(struct fcgi_conn *c, unsigned id, unsigned protocol_status)
{
	unsigned char	 body[8] = { 0, 0, 0, 0,
	    (unsigned char)protocol_status, 0, 0, 0 };

	return out_record(c, FCGI_END_REQUEST, id, body, sizeof(body));
}

int
fcgi_stdout(struct fcgi_conn *c, const void *data, size_t len)
{
	return out_stream(c, FCGI_STDOUT, data, len);
}

int
fcgi_stderr(struct fcgi_conn *c, const void *data, size_t len)
{
	return out_stream(c, FCGI_STDERR, data, len);
}

void
fcgi_written(struct fcgi_conn *c, size_t n)
{
	c->out_off += n;
	if (c->out_off >= c->out_len)
		c->out_off = c->out_len = 0;
}

size_t
fcgi_pending(const struct fcgi_conn *c)
{
	return c->out_len - c->out_off;
}

/* ---- name-value pairs --------------------------------------------------- */

/* What a pair decoder tells its owner; -1 from one stops the connection. */
struct pair_sink {
	int	(*lengths)(struct fcgi_conn *, uint32_t name, uint32_t value);
	int	(*bytes)(struct fcgi_conn *, bool value, const void *, size_t);
	int	(*name_end)(struct fcgi_conn *);
	int	(*pair_end)(struct fcgi_conn *);
};

static bool
pairs_midway(const struct fcgi_pairs *d)
{
	return d->phase != P_NAME_LEN || d->nlen != 0;
}

/*
 * Lengths are 1 byte (high bit clear) or 4 (high bit set, 31 bits): at
 * most 0x7fffffff each, which the sink bounds before any byte is kept.
 */
static int
pairs_feed(struct fcgi_conn *c, struct fcgi_pairs *d,
    const struct pair_sink *s, const unsigned char *p, size_t n)
{
	uint32_t	 len, want;
	size_t		 take;

	while (n > 0) {
		switch (d->phase) {
		case P_NAME_LEN:
		case P_VALUE_LEN:
			d->len[d->nlen++] = *p++;
			n--;
			if (d->nlen == 1 && (d->len[0] & 0x80) == 0)
				len = d->len[0];
			else if (d->nlen == 4)
				len = (uint32_t)(d->len[0] & 0x7f) << 24 |
				    (uint32_t)d->len[1] << 16 |
				    (uint32_t)d->len[2] << 8 | d->len[3];
			else
				continue;
			d->nlen = 0;
			if (d->phase == P_NAME_LEN) {
				d->name_len = len;
				d->phase = P_VALUE_LEN;
				continue;
			}
			d->value_len = len;
			if (s->lengths(c, d->name_len, d->value_len) == -1)
				return -1;
			d->phase = P_NAME;
			d->done = 0;
			break;
		default:
			want = d->phase == P_NAME ? d->name_len : d->value_len;
			take = want - d->done < n ? want - d->done : n;
			if (s->bytes(c, d->phase == P_VALUE, p, take) == -1)
				return -1;
			d->done += (uint32_t)take;
			p += take;
			n -= take;
			break;
		}
		if (d->phase == P_NAME && d->done == d->name_len) {
			if (s->name_end(c) == -1)
				return -1;
			d->phase = P_VALUE;
			d->done = 0;
		}
		if (d->phase == P_VALUE && d->done == d->value_len) {
			if (s->pair_end(c) == -1)
				return -1;
			d->phase = P_NAME_LEN;
		}
	}
	return 0;
}

/* ---- FCGI_PARAMS: "NAME=VALUE\0" strings, bounded --------------------- */

static int
params_put(struct fcgi_conn *c, const void *data, size_t len)
{
	size_t	 cap;
	char	*grown;

	/* The cost check in params_lengths keeps params_len + len in bound. */
	if (c->params_len + len > c->params_cap) {
		for (cap = c->params_cap ? c->params_cap : 512;
		    cap < c->params_len + len; cap *= 2)
			;
		if ((grown = realloc(c->params, cap)) == NULL)
			return -1;
		c->params = grown;
		c->params_cap = cap;
	}
	memcpy(c->params + c->params_len, data, len);
	c->params_len += len;
	return 0;
}

/* A pair costs its bytes, "=" and NUL, and its pointer in envp. */
static int
params_lengths(struct fcgi_conn *c, uint32_t name, uint32_t value)
{
	uint64_t	 cost = (uint64_t)name + value + 2 + sizeof(char *);

	if (cost > FCGI_PARAMS_LIMIT - c->params_cost)
		return -1;
	c->params_cost += (size_t)cost;
	c->nparams++;
	return 0;
}

static int
params_bytes(struct fcgi_conn *c, bool value, const void *data, size_t len)
{
	(void)value;
	return params_put(c, data, len);
}

static int
params_name_end(struct fcgi_conn *c)
{
	return params_put(c, "=", 1);
}

static int
params_pair_end(struct fcgi_conn *c)
{
	return params_put(c, "", 1);
}

static const struct pair_sink params_sink = {
	params_lengths, params_bytes, params_name_end, params_pair_end
};

/* The pointers into params, made once the params have ended. */
static int
params_finish(struct fcgi_conn *c)
{
	size_t	 i, off = 0;

	if ((c->envp = calloc(c->nparams + 1, sizeof(*c->envp))) == NULL)
		return -1;
	for (i = 0; i < c->nparams; i++) {
		c->envp[i] = c->params + off;
		off += strlen(c->params + off) + 1;
	}
	return 0;
}

char *const *
fcgi_envp(const struct fcgi_conn *c)
{
	return c->envp;
}

/* ---- FCGI_GET_VALUES ---------------------------------------------------- */

static int
mgmt_lengths(struct fcgi_conn *c, uint32_t name, uint32_t value)
{
	(void)name;
	(void)value;
	c->mgmt_name_len = 0;
	return 0;
}

/* Names longer than any known one are kept as "too long": unknown. */
static int
mgmt_bytes(struct fcgi_conn *c, bool value, const void *data, size_t len)
{
	size_t	 room;

	if (value || c->mgmt_name_len > sizeof(c->mgmt_name))
		return 0;
	room = sizeof(c->mgmt_name) - c->mgmt_name_len;
	if (len > room) {
		c->mgmt_name_len = sizeof(c->mgmt_name) + 1;
		return 0;
	}
	memcpy(c->mgmt_name + c->mgmt_name_len, data, len);
	c->mgmt_name_len += len;
	return 0;
}

static int
mgmt_name_end(struct fcgi_conn *c)
{
	size_t	 i;

	for (i = 0; i < NKNOWN; i++)
		if (c->mgmt_name_len == strlen(known_vars[i]) &&
		    memcmp(c->mgmt_name, known_vars[i], c->mgmt_name_len) == 0)
			c->mgmt_asked |= 1u << i;
	return 0;
}

static int
mgmt_pair_end(struct fcgi_conn *c)
{
	(void)c;
	return 0;
}

static const struct pair_sink mgmt_sink = {
	mgmt_lengths, mgmt_bytes, mgmt_name_end, mgmt_pair_end
};

/* FCGI_GET_VALUES_RESULT with the variables asked for that we know. */
static int
mgmt_answer(struct fcgi_conn *c)
{
	unsigned char	 body[128];
	char		 value[16];
	size_t		 i, n = 0, nl, vl;

	for (i = 0; i < NKNOWN; i++) {
		if ((c->mgmt_asked & (1u << i)) == 0)
			continue;
		if (i == 2)
			vl = (size_t)snprintf(value, sizeof(value), "0");
		else
			vl = (size_t)snprintf(value, sizeof(value), "%u",
			    c->max_conns);
		nl = strlen(known_vars[i]);
		body[n++] = (unsigned char)nl;
		body[n++] = (unsigned char)vl;
		memcpy(body + n, known_vars[i], nl);
		memcpy(body + n + nl, value, vl);
		n += nl + vl;
	}
	return out_record(c, FCGI_GET_VALUES_RESULT, 0, body, n);
}

/* ---- the request -------------------------------------------------------- */

void
fcgi_served(struct fcgi_conn *c)
{
	free(c->params);
	free(c->envp);
	free(c->body);
	c->params = NULL;
	c->envp = NULL;
	c->body = NULL;
	c->params_len = c->params_cap = c->params_cost = c->nparams = 0;
	c->body_len = c->body_cap = 0;
	c->body_cut = false;
}

static void
request_reset(struct fcgi_conn *c)
{
	fcgi_served(c);
	memset(&c->pairs, 0, sizeof(c->pairs));
	c->state = S_NONE;
	c->keep_conn = false;
}

/*
 * Keeps the first body_limit + 1 bytes, enough for request_read_body to
 * tell "exactly the limit" from "over" as it does on a stream; the rest is
 * read and dropped, so the answer never races unread input.
 */
static int
body_put(struct fcgi_conn *c, const void *data, size_t len)
{
	size_t	 want = c->body_limit + 1, cap;
	char	*grown;

	if (c->body_len >= want)
		return 0;
	if (len > want - c->body_len)
		len = want - c->body_len;
	if (c->body_len + len > c->body_cap) {
		for (cap = c->body_cap ? c->body_cap : 4096;
		    cap < c->body_len + len; cap *= 2)
			;
		if (cap > want)
			cap = want;
		if ((grown = realloc(c->body, cap)) == NULL)
			return -1;
		c->body = grown;
		c->body_cap = cap;
	}
	memcpy(c->body + c->body_len, data, len);
	c->body_len += len;
	return 0;
}

static bool
active(const struct fcgi_conn *c)
{
	return c->state != S_NONE && c->id == c->req_id;
}

bool
fcgi_in_request(const struct fcgi_conn *c)
{
	return c->state == S_PARAMS || c->state == S_STDIN;
}

/* A header is complete: checks it; ERROR for what no peer may send. */
static enum fcgi_event
record_start(struct fcgi_conn *c)
{
	if (c->hdr[0] != FCGI_VERSION_1)
		return FCGI_EV_ERROR;
	c->type = c->hdr[1];
	c->id = (unsigned)c->hdr[2] << 8 | c->hdr[3];
	c->content_left = (size_t)c->hdr[4] << 8 | c->hdr[5];
	c->padding_left = c->hdr[6];
	c->content_empty = c->content_left == 0;
	c->begin_len = 0;
	if (c->id == 0) {
		memset(&c->mgmt, 0, sizeof(c->mgmt));
		c->mgmt_asked = 0;
		return FCGI_EV_MORE;
	}
	if (!active(c))
		return FCGI_EV_MORE;
	/* Params come before the body, and neither comes twice. */
	if ((c->type == FCGI_PARAMS && c->state != S_PARAMS) ||
	    (c->type == FCGI_STDIN && c->state != S_STDIN))
		return FCGI_EV_ERROR;
	return FCGI_EV_MORE;
}

static enum fcgi_event
record_content(struct fcgi_conn *c, const unsigned char *p, size_t n)
{
	size_t	 take;

	if (c->id == 0) {
		if (c->type == FCGI_GET_VALUES)
			(void)pairs_feed(c, &c->mgmt, &mgmt_sink, p, n);
		return FCGI_EV_MORE;
	}
	if (c->type == FCGI_BEGIN_REQUEST) {
		take = sizeof(c->begin) - c->begin_len;
		take = take < n ? take : n;
		memcpy(c->begin + c->begin_len, p, take);
		c->begin_len += take;
		return FCGI_EV_MORE;
	}
	if (!active(c))
		return FCGI_EV_MORE;
	if (c->type == FCGI_PARAMS)
		return pairs_feed(c, &c->pairs, &params_sink, p, n) == -1 ?
		    FCGI_EV_ERROR : FCGI_EV_MORE;
	if (c->type == FCGI_STDIN)
		return body_put(c, p, n) == -1 ? FCGI_EV_ERROR : FCGI_EV_MORE;
	return FCGI_EV_MORE;
}

static enum fcgi_event
begin_request(struct fcgi_conn *c)
{
	unsigned	 role;
	bool		 keep;

	if (c->begin_len < sizeof(c->begin))
		return FCGI_EV_ERROR;
	role = (unsigned)c->begin[0] << 8 | c->begin[1];
	keep = (c->begin[2] & FCGI_KEEP_CONN) != 0;
	if (c->state != S_NONE) {
		/* One request at a time; the one going on goes on. */
		if (c->id == c->req_id)
			return FCGI_EV_MORE;
		return out_end_request(c, c->id, FCGI_CANT_MPX_CONN) == -1 ?
		    FCGI_EV_ERROR : FCGI_EV_MORE;
	}
	if (role != FCGI_RESPONDER) {
		if (out_end_request(c, c->id, FCGI_UNKNOWN_ROLE) == -1)
			return FCGI_EV_ERROR;
		return keep ? FCGI_EV_MORE : FCGI_EV_CLOSE;
	}
	request_reset(c);
	c->state = S_PARAMS;
	c->req_id = c->id;
	c->keep_conn = keep;
	return FCGI_EV_MORE;
}

/*
 * Mid-body, an abort makes the request complete but cut short, which the
 * service answers as a body cut short (400, nothing stored) as it did
 * under libfcgi. Before the body there is nothing to answer but the end.
 */
static enum fcgi_event
abort_request(struct fcgi_conn *c)
{
	bool	 keep = c->keep_conn;

	if (c->state == S_STDIN) {
		c->body_cut = true;
		c->state = S_READY;
		return FCGI_EV_REQUEST;
	}
	request_reset(c);
	if (out_end_request(c, c->id, FCGI_REQUEST_COMPLETE) == -1)
		return FCGI_EV_ERROR;
	return keep ? FCGI_EV_MORE : FCGI_EV_CLOSE;
}

/* The record's content is all in: acts on it. */
static enum fcgi_event
record_end(struct fcgi_conn *c)
{
	unsigned char	 unknown[8] = { 0 };

	if (c->id == 0) {
		if (c->type == FCGI_GET_VALUES)
			return mgmt_answer(c) == -1 ? FCGI_EV_ERROR : FCGI_EV_MORE;
		unknown[0] = (unsigned char)c->type;
		return out_record(c, FCGI_UNKNOWN_TYPE, 0, unknown,
		    sizeof(unknown)) == -1 ? FCGI_EV_ERROR : FCGI_EV_MORE;
	}
	if (c->type == FCGI_BEGIN_REQUEST)
		return begin_request(c);
	if (!active(c))
		return FCGI_EV_MORE;
	if (c->type == FCGI_ABORT_REQUEST)
		return abort_request(c);
	if (!c->content_empty)
		return FCGI_EV_MORE;
	switch (c->type) {
	case FCGI_PARAMS:
		if (pairs_midway(&c->pairs) || params_finish(c) == -1)
			return FCGI_EV_ERROR;
		c->state = S_STDIN;
		return FCGI_EV_MORE;
	case FCGI_STDIN:
		c->state = S_READY;
		return FCGI_EV_REQUEST;
	default:
		return FCGI_EV_MORE;
	}
}

enum fcgi_event
fcgi_feed(struct fcgi_conn *c, const void *buf, size_t len, size_t *used)
{
	const unsigned char	*p = buf;
	enum fcgi_event		 ev = FCGI_EV_MORE;
	size_t			 take;

	for (;;) {
		if (c->state == S_READY) {
			ev = FCGI_EV_REQUEST;
			break;
		}
		if (c->hdr_len < sizeof(c->hdr)) {
			if (len == 0)
				break;
			if (c->hdr_len == 0 && fcgi_pending(c) >= FCGI_OUT_HIGH) {
				ev = FCGI_EV_FLUSH;
				break;
			}
			take = sizeof(c->hdr) - c->hdr_len;
			take = take < len ? take : len;
			memcpy(c->hdr + c->hdr_len, p, take);
			c->hdr_len += take;
			p += take;
			len -= take;
			if (c->hdr_len < sizeof(c->hdr))
				break;
			c->record_ended = false;
			if ((ev = record_start(c)) != FCGI_EV_MORE)
				break;
			continue;
		}
		if (c->content_left > 0) {
			if (len == 0)
				break;
			take = c->content_left < len ? c->content_left : len;
			ev = record_content(c, p, take);
			c->content_left -= take;
			p += take;
			len -= take;
			if (ev != FCGI_EV_MORE)
				break;
			continue;
		}
		if (!c->record_ended) {
			c->record_ended = true;
			if ((ev = record_end(c)) != FCGI_EV_MORE)
				break;
			continue;
		}
		if (c->padding_left > 0) {
			if (len == 0)
				break;
			take = c->padding_left < len ? c->padding_left : len;
			c->padding_left -= take;
			p += take;
			len -= take;
			continue;
		}
		c->hdr_len = 0;
	}
	*used = (size_t)(p - (const unsigned char *)buf);
	return ev;
}

enum fcgi_event
fcgi_eof(struct fcgi_conn *c)
{
	if (c->state != S_STDIN)
		return FCGI_EV_CLOSE;
	c->body_cut = true;
	c->keep_conn = false;
	c->state = S_READY;
	return FCGI_EV_REQUEST;
}

bool
fcgi_end(struct fcgi_conn *c)
{
	bool	 keep = c->keep_conn;

	if (out_record(c, FCGI_STDOUT, c->req_id, NULL, 0) == -1 ||
	    out_end_request(c, c->req_id, FCGI_REQUEST_COMPLETE) == -1)
		keep = false;
	request_reset(c);
	return keep;
}

void
fcgi_free(struct fcgi_conn *c)
{
	request_reset(c);
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = c->out_cap = 0;
}
