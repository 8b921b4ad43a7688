/*
 * request.c: builds a struct request from a CGI environment (environ in CGI
 * mode, the params fcgi.c decoded under FastCGI) and reads the body under
 * a cap. Everything is copied: the params are freed once the request is
 * read, while its answer may still wait for a commit.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

static const char *
env_value(char *const *envp, const char *name)
{
	size_t	 len = strlen(name);

	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, name, len) == 0 && (*envp)[len] == '=')
			return *envp + len + 1;
	return NULL;
}

enum http_method
http_method_of(const char *name)
{
	if (name == NULL)
		return METHOD_NONE;
	if (strcmp(name, "GET") == 0)
		return METHOD_GET;
	if (strcmp(name, "POST") == 0)
		return METHOD_POST;
	if (strcmp(name, "DELETE") == 0)
		return METHOD_DELETE;
	return METHOD_OTHER;
}

/* "HTTP_X_SDK_DATE" -> "x-sdk-date"; CGI folds '-' into '_'. */
static char *
header_name(const char *cgi, size_t len)
{
	char	*name = malloc(len + 1);
	size_t	 i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		name[i] = cgi[i] == '_' ? '-' : (char)tolower((unsigned char)cgi[i]);
	name[len] = '\0';
	return name;
}

static int
add_header(struct request *r, const char *cgi, size_t namelen, const char *value)
{
	struct header	*h;

	h = realloc(r->headers, (r->nheaders + 1) * sizeof(*h));
	if (h == NULL)
		return -1;
	r->headers = h;
	h += r->nheaders;
	h->name = header_name(cgi, namelen);
	h->value = strdup(value);
	if (h->name == NULL || h->value == NULL) {
		free(h->name);
		free(h->value);
		return -1;
	}
	r->nheaders++;
	return 0;
}

static int
copy_headers(struct request *r, char *const *envp)
{
	const char	*eq;

	for (; envp != NULL && *envp != NULL; envp++) {
		if ((eq = strchr(*envp, '=')) == NULL)
			continue;
		if (strncmp(*envp, "HTTP_", 5) == 0) {
			if (add_header(r, *envp + 5, (size_t)(eq - *envp) - 5, eq + 1) == -1)
				return -1;
		} else if (strncmp(*envp, "CONTENT_TYPE=", 13) == 0) {
			if (add_header(r, *envp, 12, eq + 1) == -1)
				return -1;
		}
	}
	return 0;
}

static void
parse_content_length(struct request *r, const char *text)
{
	char		*end;
	long long	 n;

	r->content_length = -1;
	if (text == NULL || *text == '\0')
		return;
	errno = 0;
	n = strtoll(text, &end, 10);
	if (!isdigit((unsigned char)*text) || *end != '\0') {
		r->content_length_bad = true;
		return;
	}
	/* All digits but past LLONG_MAX: a body over any cap, so 413. */
	r->content_length = errno == ERANGE ? LLONG_MAX : n;
}

/*
 * The path comes from REQUEST_URI, the one variable every server sends raw;
 * SCRIPT_NAME + PATH_INFO only stand in when it is missing.
 */
static char *
raw_path(char *const *envp)
{
	const char	*uri = env_value(envp, "REQUEST_URI");
	const char	*script, *info;
	char		*path;
	size_t		 a, b;

	if (uri != NULL)
		return strndup(uri, strcspn(uri, "?"));
	script = env_value(envp, "SCRIPT_NAME");
	info = env_value(envp, "PATH_INFO");
	a = script ? strlen(script) : 0;
	b = info ? strlen(info) : 0;
	if ((path = malloc(a + b + 1)) == NULL)
		return NULL;
	memcpy(path, script ? script : "", a);
	memcpy(path + a, info ? info : "", b);
	path[a + b] = '\0';
	return path;
}

static char *
raw_query(char *const *envp)
{
	const char	*q = env_value(envp, "QUERY_STRING");
	const char	*uri;

	if (q == NULL && (uri = env_value(envp, "REQUEST_URI")) != NULL &&
	    (q = strchr(uri, '?')) != NULL)
		q++;
	return strdup(q ? q : "");
}

int
request_from_env(struct request *r, char *const *envp)
{
	const char	*method = env_value(envp, "REQUEST_METHOD");
	const char	*addr = env_value(envp, "REMOTE_ADDR");

	memset(r, 0, sizeof(*r));
	r->method = http_method_of(method);
	r->method_name = strdup(method ? method : "");
	r->path = raw_path(envp);
	r->query = raw_query(envp);
	r->remote_addr = strdup(addr ? addr : "");
	parse_content_length(r, env_value(envp, "CONTENT_LENGTH"));
	if (r->method_name == NULL || r->path == NULL || r->query == NULL ||
	    r->remote_addr == NULL || copy_headers(r, envp) == -1) {
		request_free(r);
		return -1;
	}
	return 0;
}

/*
 * Under FastCGI the body ends where FCGI_STDIN ends, so read to EOF and only
 * then compare with CONTENT_LENGTH. A CGI server need not close stdin, so
 * there CONTENT_LENGTH bounds the read. Either way at most cap bytes are
 * kept, and one more is read to tell "exactly cap" from "over".
 */
enum dis_err
request_read_body(struct request *r, body_reader *read_fn, void *arg,
    size_t cap, bool until_eof)
{
	size_t	 want, len = 0, size;
	long	 n;
	char	*buf;

	if (r->content_length_bad)
		return DIS_ERR_INVALID;
	if (r->content_length > (long long)cap) {
		r->body_too_large = true;
		return DIS_ERR_TOO_LARGE;
	}
	if (!until_eof && r->content_length <= 0)
		return DIS_OK;
	want = until_eof ? cap + 1 : (size_t)r->content_length;
	size = want < 4096 ? want : 4096;
	if ((buf = malloc(size + 1)) == NULL)
		return DIS_ERR_INTERNAL;
	while (len < want) {
		if (len == size) {
			char	*grown;

			size = size * 2 < want ? size * 2 : want;
			if ((grown = realloc(buf, size + 1)) == NULL) {
				free(buf);
				return DIS_ERR_INTERNAL;
			}
			buf = grown;
		}
		/* A client gone mid-body leaves a short body: never a partial write. */
		if ((n = read_fn(arg, buf + len, size - len)) <= 0) {
			if (n < 0)
				r->body_short = true;
			break;
		}
		len += (size_t)n;
	}
	if (len > cap) {
		free(buf);
		r->body_too_large = true;
		return DIS_ERR_TOO_LARGE;
	}
	if (r->content_length >= 0 && len < (size_t)r->content_length)
		r->body_short = true;
	if (r->body_short) {
		free(buf);
		return DIS_ERR_MALFORMED;
	}
	if (r->content_length >= 0)
		len = (size_t)r->content_length;
	buf[len] = '\0';
	r->body = buf;
	r->body_len = len;
	return DIS_OK;
}

long
memory_body_read(void *arg, char *buf, size_t n)
{
	struct memory_body	*b = arg;

	if (b->off == b->len)
		return b->cut ? -1 : 0;
	if (n > b->len - b->off)
		n = b->len - b->off;
	memcpy(buf, b->p + b->off, n);
	b->off += n;
	return (long)n;
}

const char *
request_header(const struct request *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < r->nheaders; i++)
		if (strcmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

void
request_free(struct request *r)
{
	size_t	 i;

	for (i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	free(r->method_name);
	free(r->path);
	free(r->query);
	free(r->remote_addr);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes len bytes of s to out (room for len + 1); returns its NUL. */
char *
url_decode_into(char *out, const char *s, size_t len, bool plus_is_space)
{
	char	*o = out;
	size_t	 i;
	int	 hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len &&
		    (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)s[i + 2])) >= 0 &&
		    (hi | lo) != 0) {
			*o++ = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '+' && plus_is_space)
			*o++ = ' ';
		else
			*o++ = s[i];
	}
	*o = '\0';
	return o;
}

char *
url_decode(const char *s, size_t len, bool plus_is_space)
{
	char	*out = malloc(len + 1);

	if (out != NULL)
		url_decode_into(out, s, len, plus_is_space);
	return out;
}

void
query_free(struct query_param *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(p[i].key);
		free(p[i].value);
	}
	free(p);
}

int
query_parse(const char *raw, struct query_param **out, size_t *nout)
{
	struct query_param	*params = NULL, *grown;
	size_t			 n = 0, len, klen;
	const char		*eq;

	while (*raw != '\0') {
		len = strcspn(raw, "&");
		if (len > 0) {
			eq = memchr(raw, '=', len);
			klen = eq ? (size_t)(eq - raw) : len;
			if ((grown = realloc(params, (n + 1) * sizeof(*params))) == NULL)
				goto fail;
			params = grown;
			params[n].key = url_decode(raw, klen, true);
			params[n].value = eq ? url_decode(eq + 1, len - klen - 1, true)
			    : strdup("");
			n++;
			if (params[n - 1].key == NULL || params[n - 1].value == NULL)
				goto fail;
		}
		raw += len;
		if (*raw == '&')
			raw++;
	}
	*out = params;
	*nout = n;
	return 0;
fail:
	query_free(params, n);
	return -1;
}
