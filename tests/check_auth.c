/*
 * check_auth.c: the verifier against the requests the DIS Python SDK's
 * signer produced (tests/data/auth-vectors.json), sent in every form the
 * SDKs send them, and against one-byte changes of each part, expired and
 * future dates, regions, tokens and projects; the body against every
 * X-Sdk-Content-Sha256 a client may send. The clock is pinned to each
 * vector's X-Sdk-Date.
 */
#include "config.h"

#include <check.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "credentials.h"

#define AK		"AKEXAMPLE0000000001"
#define NVECTORS	13	/* the Python SDK's 12, then the Go SDK's */
#define EMPTY_SHA256	\
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static json_t			*vectors;
static struct dis_config	 cfg;
static struct cred_set		*creds;
/* The project of the request request_of built last. */
static char			 project[64];

static void
ignore_report(void *arg, int line, const char *msg)
{
	(void)arg;
	(void)line;
	(void)msg;
}

static struct cred_set *
creds_from(const char *text)
{
	FILE		*f = fmemopen((void *)text, strlen(text), "r");
	struct cred_set	*set;

	ck_assert_ptr_nonnull(f);
	set = cred_parse(f, ignore_report, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(set);
	return set;
}

static void
setup(void)
{
	char		 path[4096];
	const char	*top = getenv("abs_top_srcdir");
	json_error_t	 err;

	snprintf(path, sizeof(path), "%s/tests/data/auth-vectors.json",
	    top ? top : ".");
	vectors = json_load_file(path, 0, &err);
	ck_assert_msg(vectors != NULL, "%s: %s", path, err.text);
	ck_assert_int_eq(json_array_size(vectors), NVECTORS);
	ck_assert_int_eq(conf_init(&cfg), 0);
	cfg.auth = AUTH_AKSK;
	creds = creds_from(
	    "# the vectors' pair, and others that must not match\n"
	    "aksk " AK " skExample/Secret+Key0123456789abcdefghij proj-1\n"
	    "aksk AKOTHER0000000000002 anotherSecret proj-2\n"
	    "aksk AKJAVASDK00000000001 skJava-secret-0123456789 jsdk-auth-1\n"
	    "token tok-proj-1-abcdefghijklmnop proj-1\n"
	    "token tok-proj-2-abcdefghijklmnop proj-2\n"
	    "token tok-all-abcdefghijklmnopqrstu *\n");
	ck_assert_uint_eq(cred_count(creds), 6);
}

static void
teardown(void)
{
	json_decref(vectors);
	conf_free(&cfg);
	cred_release(creds);
}

static const char *
vstr(const json_t *v, const char *key)
{
	const char	*s = json_string_value(json_object_get(v, key));

	ck_assert_msg(s != NULL, "vector without %s", key);
	return s;
}

static time_t
vtime(const json_t *v)
{
	struct tm	 tm;
	const char	*d = vstr(v, "x_sdk_date");

	memset(&tm, 0, sizeof(tm));
	ck_assert_int_eq(sscanf(d, "%4d%2d%2dT%2d%2d%2dZ", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec), 6);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

/* t as an X-Sdk-Date value. */
static const char *
sdk_date(time_t t, char buf[32])
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y%m%dT%H%M%SZ", &tm);
	return buf;
}

/* The SignedHeaders of the vector's Authorization, in buf. */
static const char *
vsigned(const json_t *v, char buf[256])
{
	const char	*p = strstr(vstr(v, "authorization"), "SignedHeaders=");

	ck_assert_ptr_nonnull(p);
	p += strlen("SignedHeaders=");
	snprintf(buf, 256, "%.*s", (int)strcspn(p, ","), p);
	return buf;
}

/* The SDK signed the Host without the port it sent, or with it. */
static bool
vstrips_port(const json_t *v)
{
	return strcmp(vstr(v, "sent_host_header"), vstr(v, "signed_host")) != 0;
}

static void
sha256_hex(const char *data, size_t len, char out[65])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 n, i;

	ck_assert(EVP_Digest(data, len, md, &n, EVP_sha256(), NULL));
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

enum qform { Q_PERCENT, Q_PLUS, Q_RAW, Q__COUNT };

/* The query as a client would put it on the wire. */
static char *
query_of(const json_t *v, enum qform form)
{
	const char	*key, *p;
	json_t		*val;
	char		*out = NULL;
	size_t		 len;
	FILE		*f = open_memstream(&out, &len);
	bool		 first = true;

	json_object_foreach(json_object_get(v, "query"), key, val) {
		fprintf(f, "%s%s=", first ? "" : "&", key);
		first = false;
		for (p = json_string_value(val); *p != '\0'; p++) {
			if (form == Q_RAW || strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789-_.~", *p))
				fputc(*p, f);
			else if (form == Q_PLUS && *p == ' ')
				fputc('+', f);
			else
				fprintf(f, "%%%02X", (unsigned char)*p);
		}
	}
	fclose(f);
	return out;
}

static void
add_header(struct request *r, const char *name, const char *value)
{
	r->headers = realloc(r->headers, (r->nheaders + 1) * sizeof(*r->headers));
	ck_assert_ptr_nonnull(r->headers);
	r->headers[r->nheaders].name = strdup(name);
	r->headers[r->nheaders].value = strdup(value);
	r->nheaders++;
}

static void
set_header(struct request *r, const char *name, const char *value)
{
	size_t	 i;

	for (i = 0; i < r->nheaders; i++)
		if (strcmp(r->headers[i].name, name) == 0) {
			free(r->headers[i].value);
			r->headers[i].value = strdup(value);
			return;
		}
	add_header(r, name, value);
}

static void
drop_header(struct request *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < r->nheaders; i++)
		if (strcmp(r->headers[i].name, name) == 0) {
			free(r->headers[i].name);
			free(r->headers[i].value);
			r->headers[i] = r->headers[--r->nheaders];
			return;
		}
}

static void
set_body(struct request *r, const char *body, size_t len)
{
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
	if (len > 0) {
		r->body = malloc(len + 1);
		memcpy(r->body, body, len);
		r->body[len] = '\0';
		r->body_len = len;
	}
	r->content_length = (long long)len;
}

/*
 * Vector i as sent: Host with its port, the headers the SDK adds unsigned;
 * or, where the vector has them, every header the SDK sent (but
 * Content-Length, which CGI passes outside the headers).
 */
static void
request_of(const json_t *v, enum qform form, struct request *r)
{
	const char	*body = vstr(v, "body"), *name, *uri = vstr(v, "uri");
	json_t		*sent = json_object_get(v, "headers_sent"), *value;

	memset(r, 0, sizeof(*r));
	r->method_name = strdup(vstr(v, "method"));
	r->path = strdup(uri);
	r->query = query_of(v, form);
	r->content_length = -1;
	if (sent != NULL) {
		json_object_foreach(sent, name, value)
			if (strcmp(name, "content-length") != 0)
				add_header(r, name, json_string_value(value));
	} else {
		add_header(r, "host", vstr(v, "sent_host_header"));
		add_header(r, "x-sdk-date", vstr(v, "x_sdk_date"));
		add_header(r, "content-type", "application/json");
		add_header(r, "user-agent", "dis-sdk-python/2.0");
	}
	add_header(r, "authorization", vstr(v, "authorization"));
	set_body(r, body, strlen(body));
	ck_assert_int_eq(strncmp(uri, "/v2/", 4), 0);
	snprintf(project, sizeof(project), "%.*s",
	    (int)strcspn(uri + 4, "/"), uri + 4);
}

static enum dis_err
check_at(const struct request *r, time_t now)
{
	return auth_check(&cfg, creds, r, project, now, NULL);
}

#define EXPECT(r, now, want, what, i) do {				\
	enum dis_err	 got_ = check_at((r), (now));			\
	ck_assert_msg(got_ == (want), "vector %zu, %s: got %d, want %d", \
	    (size_t)(i), (what), got_, (want));				\
} while (0)

START_TEST(test_canonical_request)
{
	struct request	 r;
	char		*c;
	json_t		*v = json_array_get(vectors, (size_t)_i);

	char		 sh[256];

	request_of(v, Q_PERCENT, &r);
	c = auth_canonical_request(&r, vsigned(v, sh), vstrips_port(v));
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c, vstr(v, "canonical_request"));
	free(c);
	request_free(&r);
}
END_TEST

START_TEST(test_vector_verifies)
{
	static const char *paths_extra[] = { "", "/", "//", "/./" };
	json_t		*v = json_array_get(vectors, (size_t)_i);
	struct request	 r;
	time_t		 t = vtime(v);
	enum qform	 form;
	size_t		 k, len;
	char		*path;

	for (form = 0; form < Q__COUNT; form++) {
		request_of(v, form, &r);
		EXPECT(&r, t, DIS_OK, "as sent", _i);
		/* The same request with the Host the SDK signed. */
		set_header(&r, "host", vstr(v, "signed_host"));
		EXPECT(&r, t, DIS_OK, "host without port", _i);
		/* Trailing slash or not, doubled and "." segments: same. */
		for (k = 0; k < sizeof(paths_extra) / sizeof(*paths_extra); k++) {
			len = strlen(vstr(v, "uri"));
			path = malloc(len + 4);
			memcpy(path, vstr(v, "uri"), len + 1);
			if (path[len - 1] == '/')
				path[len - 1] = '\0';
			strcat(path, paths_extra[k]);
			free(r.path);
			r.path = path;
			EXPECT(&r, t, DIS_OK, paths_extra[k], _i);
		}
		/* Within the clock skew, either way. */
		EXPECT(&r, t + 900, DIS_OK, "900 s later", _i);
		EXPECT(&r, t - 900, DIS_OK, "900 s earlier", _i);
		request_free(&r);
	}
}
END_TEST

/* A byte of s at i, replaced by one that differs. */
static void
flip(char *s, size_t i)
{
	s[i] = s[i] == 'x' ? 'y' : 'x';
}

START_TEST(test_mutations)
{
	json_t		*v = json_array_get(vectors, (size_t)_i);
	struct request	 r;
	time_t		 t = vtime(v);
	char		*orig, buf[512], sh[256], date[32], *name, *save = NULL;
	const char	*authz = vstr(v, "authorization");
	size_t		 i, len, sig;

	request_of(v, Q_PERCENT, &r);
	EXPECT(&r, t, DIS_OK, "unchanged", _i);

	/* Method. */
	for (i = 0; i < strlen(r.method_name); i++) {
		flip(r.method_name, i);
		EXPECT(&r, t, DIS_ERR_SIGNATURE, "method", _i);
		free(r.method_name);
		r.method_name = strdup(vstr(v, "method"));
	}
	/* Path, every byte. */
	for (i = 0; i < strlen(r.path); i++) {
		flip(r.path, i);
		EXPECT(&r, t, DIS_ERR_SIGNATURE, "path", _i);
		free(r.path);
		r.path = strdup(vstr(v, "uri"));
	}
	/* Query, every byte; or one where there was none. */
	orig = strdup(r.query);
	for (i = 0; i < strlen(orig); i++) {
		flip(r.query, i);
		EXPECT(&r, t, DIS_ERR_SIGNATURE, "query", _i);
		strcpy(r.query, orig);
	}
	free(r.query);
	if (asprintf(&r.query, "%s%sx=1", orig, *orig ? "&" : "") < 0)
		ck_abort();
	EXPECT(&r, t, DIS_ERR_SIGNATURE, "query parameter added", _i);
	free(r.query);
	r.query = orig;
	/*
	 * The signed Host, every byte of the part the SDK signed and the ':'
	 * (the port is not signed, so changing it alone changes nothing).
	 */
	snprintf(buf, sizeof(buf), "%s", vstr(v, "sent_host_header"));
	for (i = 0; i <= strlen(vstr(v, "signed_host")); i++) {
		flip(buf, i);
		set_header(&r, "host", buf);
		EXPECT(&r, t, DIS_ERR_SIGNATURE, "host", _i);
		snprintf(buf, sizeof(buf), "%s", vstr(v, "sent_host_header"));
	}
	set_header(&r, "host", buf);
	/* The body, every byte; or one where there was none. */
	len = r.body_len;
	for (i = 0; i < len; i++) {
		flip(r.body, i);
		EXPECT(&r, t, DIS_ERR_SIGNATURE, "body", _i);
		set_body(&r, vstr(v, "body"), len);
	}
	set_body(&r, "x", 1);
	EXPECT(&r, t, DIS_ERR_SIGNATURE, "body added", _i);
	set_body(&r, vstr(v, "body"), len);
	/*
	 * Every other signed header, every byte of its value; Content-Length
	 * (a CGI variable, not a header) one more.
	 */
	for (name = strtok_r(strcpy(buf, vsigned(v, sh)), ";", &save);
	    name != NULL; name = strtok_r(NULL, ";", &save)) {
		if (strcmp(name, "content-length") == 0) {
			r.content_length++;
			EXPECT(&r, t, DIS_ERR_SIGNATURE, name, _i);
			r.content_length--;
			continue;
		}
		if (strcmp(name, "host") == 0 || strcmp(name, "x-sdk-date") == 0)
			continue;
		orig = strdup(request_header(&r, name));
		for (i = 0; i < strlen(orig); i++) {
			char	*changed = strdup(orig);

			flip(changed, i);
			set_header(&r, name, changed);
			EXPECT(&r, t, DIS_ERR_SIGNATURE, name, _i);
			free(changed);
		}
		set_header(&r, name, orig);
		free(orig);
	}
	EXPECT(&r, t, DIS_OK, "headers restored", _i);
	/* The date: valid but other, unparseable, out of the window. */
	set_header(&r, "x-sdk-date", sdk_date(t + 1, date));
	EXPECT(&r, t, DIS_ERR_SIGNATURE, "date one second off", _i);
	set_header(&r, "x-sdk-date", "20261127T120000X");
	EXPECT(&r, t, DIS_ERR_DATE_UNPARSEABLE, "date suffix", _i);
	set_header(&r, "x-sdk-date", "2026112xT120000Z");
	EXPECT(&r, t, DIS_ERR_DATE_UNPARSEABLE, "date digit", _i);
	set_header(&r, "x-sdk-date", "20261131T120000Z");
	EXPECT(&r, t, DIS_ERR_DATE_UNPARSEABLE, "no such day", _i);
	set_header(&r, "x-sdk-date", sdk_date(t + 3600, date));
	EXPECT(&r, t, DIS_ERR_DATE_SKEW, "date an hour off", _i);
	set_header(&r, "x-sdk-date", vstr(v, "x_sdk_date"));
	/* Expired and future dates. */
	EXPECT(&r, t + 901, DIS_ERR_DATE_SKEW, "expired", _i);
	EXPECT(&r, t - 901, DIS_ERR_DATE_SKEW, "future", _i);
	/* The signature, every hex digit. */
	sig = strstr(authz, "Signature=") - authz + 10;
	for (i = sig; i < strlen(authz); i++) {
		snprintf(buf, sizeof(buf), "%s", authz);
		flip(buf, i);
		set_header(&r, "authorization", buf);
		EXPECT(&r, t, DIS_ERR_SIGNATURE, "signature", _i);
	}
	/* The AK, every byte: no such AK. */
	for (i = strlen("SDK-HMAC-SHA256 Credential="); authz[i] != '/'; i++) {
		snprintf(buf, sizeof(buf), "%s", authz);
		flip(buf, i);
		set_header(&r, "authorization", buf);
		EXPECT(&r, t, DIS_ERR_AK_UNKNOWN, "AK", _i);
	}
	/* The algorithm. */
	snprintf(buf, sizeof(buf), "%s", authz);
	flip(buf, 2);
	set_header(&r, "authorization", buf);
	EXPECT(&r, t, DIS_ERR_AUTH_UNPARSEABLE, "algorithm", _i);
	/* The scope's region and date: part of what is signed. */
	snprintf(buf, sizeof(buf), "%s", authz);
	flip(buf, strstr(authz, "local-1") - authz);
	set_header(&r, "authorization", buf);
	EXPECT(&r, t, DIS_ERR_SIGNATURE, "region", _i);
	snprintf(buf, sizeof(buf), "%s", authz);
	snprintf(date, sizeof(date), "/%.8s/", vstr(v, "x_sdk_date"));
	i = strstr(authz, date) - authz + 8;
	buf[i] = buf[i] == '8' ? '9' : '8';
	set_header(&r, "authorization", buf);
	EXPECT(&r, t, DIS_ERR_SIGNATURE, "scope date", _i);
	/* SignedHeaders: one header fewer. */
	snprintf(buf, sizeof(buf), "%s", authz);
	flip(strstr(buf, "x-sdk-date, Signature="), 9);
	set_header(&r, "authorization", buf);
	EXPECT(&r, t, DIS_ERR_SIGNATURE, "signed headers", _i);
	set_header(&r, "authorization", authz);
	EXPECT(&r, t, DIS_OK, "restored", _i);
	request_free(&r);
}
END_TEST

/*
 * Signs r again as a client would that signs X-Sdk-Content-Sha256 too (with
 * the value r carries) and puts payload, not the body's hash, as the
 * canonical request's last line: the body's hash for a right client, the
 * header's value for one that trusts it.
 */
static void
resign(struct request *r, const json_t *v, const char *payload)
{
	const char	*authz = vstr(v, "authorization");
	bool		 v11 = strncmp(authz, "V11-", 4) == 0;
	char		 sh[256], day[9], hash[65], sig[65], *c, *sts, *header;
	size_t		 len;

	vsigned(v, sh);
	if (strstr(sh, "x-sdk-content-sha256") == NULL) {
		/* Sorted, as the SDKs send them: it goes before x-sdk-date. */
		len = strlen(sh) - strlen("x-sdk-date");
		ck_assert_str_eq(sh + len, "x-sdk-date");
		snprintf(sh + len, sizeof(sh) - len,
		    "x-sdk-content-sha256;x-sdk-date");
	}
	c = auth_canonical_request(r, sh, vstrips_port(v));
	ck_assert_ptr_nonnull(c);
	len = strlen(c);
	ck_assert_uint_gt(len, 64);
	c = realloc(c, len - 64 + strlen(payload) + 1);
	strcpy(c + len - 64, payload);
	sha256_hex(c, strlen(c), hash);
	snprintf(day, sizeof(day), "%.8s", vstr(v, "x_sdk_date"));
	ck_assert_int_ge(asprintf(&sts, "%.15s\n%s\n%s/%s/dis/sdk_request\n%s",
	    authz, vstr(v, "x_sdk_date"), day, vstr(v, "region"), hash), 0);
	ck_assert_int_eq(auth_sign(v11, vstr(v, "ak"), vstr(v, "sk"), day,
	    vstr(v, "region"), "dis", sts, sig), 0);
	ck_assert_int_ge(asprintf(&header, "%.15s Credential=%s/%s/%s/dis/"
	    "sdk_request, SignedHeaders=%s, Signature=%s", authz,
	    vstr(v, "ak"), day, vstr(v, "region"), sh, sig), 0);
	set_header(r, "authorization", header);
	free(header);
	free(sts);
	free(c);
}

/* A byte changed, or one added where there was no body: refused. */
static void
expect_changed_body_refused(struct request *r, const json_t *v, time_t t,
    const char *what, int i)
{
	const char	*body = vstr(v, "body");

	if (r->body_len > 0) {
		flip(r->body, r->body_len - 1);
		EXPECT(r, t, DIS_ERR_SIGNATURE, what, i);
		set_body(r, body, strlen(body));
	}
	set_body(r, "{}", 2);
	EXPECT(r, t, DIS_ERR_SIGNATURE, what, i);
	set_body(r, body, strlen(body));
}

/*
 * The payload hash is the body's, always: whatever X-Sdk-Content-Sha256
 * says, signed or not, a changed body is refused, and a signature over
 * anything but the body's hash (the header's claim, UNSIGNED-PAYLOAD)
 * never matches.
 */
START_TEST(test_body_hash_header)
{
	json_t		*v = json_array_get(vectors, (size_t)_i);
	struct request	 r;
	time_t		 t = vtime(v);
	char		 real[65], sh[256], what[128];
	const char	*claims[] = { NULL, real, EMPTY_SHA256,
	    "UNSIGNED-PAYLOAD" };
	const char	*sent, *payload;
	bool		 signs = strstr(vsigned(v, sh), "x-sdk-content-sha256");
	size_t		 k, p;

	sha256_hex(vstr(v, "body"), strlen(vstr(v, "body")), real);
	for (k = 0; k < sizeof(claims) / sizeof(*claims); k++) {
		/* The SDK's own signature, the header as a client may add it. */
		request_of(v, Q_PERCENT, &r);
		sent = json_string_value(json_object_get(json_object_get(v,
		    "headers_sent"), "x-sdk-content-sha256"));
		snprintf(what, sizeof(what), "the SDK's signature, header %s",
		    claims[k] ? claims[k] : "absent");
		/* Where the SDK signed the header, only its own value does. */
		if (claims[k] == NULL)
			drop_header(&r, "x-sdk-content-sha256");
		else
			set_header(&r, "x-sdk-content-sha256", claims[k]);
		EXPECT(&r, t, !signs || (claims[k] != NULL && sent != NULL &&
		    strcmp(claims[k], sent) == 0) ? DIS_OK : DIS_ERR_SIGNATURE,
		    what, _i);
		expect_changed_body_refused(&r, v, t, what, _i);
		/*
		 * Signed again with the header among SignedHeaders, over the
		 * body's hash and over the header's claim.
		 */
		for (p = 0; claims[k] != NULL && p < 2; p++) {
			payload = p == 0 ? real : claims[k];
			resign(&r, v, payload);
			snprintf(what, sizeof(what), "header %s signed, "
			    "payload %s", claims[k], payload);
			EXPECT(&r, t, strcmp(payload, real) == 0 ? DIS_OK :
			    DIS_ERR_SIGNATURE, what, _i);
			expect_changed_body_refused(&r, v, t, what, _i);
		}
		request_free(&r);
	}
}
END_TEST

/* The DIS Go SDK's request: a hash of the empty body in the header. */
START_TEST(test_go_sdk_vector)
{
	json_t		*v = json_array_get(vectors, NVECTORS - 1);
	struct request	 r;
	const char	*detail;

	ck_assert_ptr_nonnull(strstr(vstr(v, "client"), "huaweicloud-sdk-go-dis"));
	request_of(v, Q_PERCENT, &r);
	ck_assert_str_eq(request_header(&r, "x-sdk-content-sha256"),
	    EMPTY_SHA256);
	ck_assert_uint_gt(r.body_len, 0);
	EXPECT(&r, vtime(v), DIS_OK, "as the Go SDK sent it", NVECTORS - 1);
	/* And UNSIGNED-PAYLOAD, signed as the payload, says why it failed. */
	set_header(&r, "x-sdk-content-sha256", "UNSIGNED-PAYLOAD");
	resign(&r, v, "UNSIGNED-PAYLOAD");
	ck_assert_int_eq(auth_check(&cfg, creds, &r, project, vtime(v),
	    &detail), DIS_ERR_SIGNATURE);
	ck_assert_ptr_nonnull(strstr(detail, "UNSIGNED-PAYLOAD"));
	request_free(&r);
}
END_TEST

START_TEST(test_missing_parts)
{
	json_t		*v = json_array_get(vectors, 0);
	struct request	 r;
	time_t		 t = vtime(v);
	char		 buf[512];
	const char	*authz = vstr(v, "authorization");

	request_of(v, Q_PERCENT, &r);
	drop_header(&r, "authorization");
	EXPECT(&r, t, DIS_ERR_AUTH_MISSING, "no Authorization", 0);
	set_header(&r, "authorization", "");
	EXPECT(&r, t, DIS_ERR_AUTH_MISSING, "empty Authorization", 0);
	set_header(&r, "authorization", "Basic dXNlcjpwYXNz");
	EXPECT(&r, t, DIS_ERR_AUTH_UNPARSEABLE, "Basic", 0);
	set_header(&r, "authorization", "SDK-HMAC-SHA256 garbage");
	EXPECT(&r, t, DIS_ERR_AUTH_UNPARSEABLE, "no pairs", 0);
	snprintf(buf, sizeof(buf), "%.*s", (int)(strstr(authz, ", Signature=") -
	    authz), authz);
	set_header(&r, "authorization", buf);
	EXPECT(&r, t, DIS_ERR_AUTH_INCOMPLETE, "no Signature", 0);
	set_header(&r, "authorization", "SDK-HMAC-SHA256 Credential=" AK
	    "/20261127/local-1/dis/sdk_request, Signature=00");
	EXPECT(&r, t, DIS_ERR_AUTH_INCOMPLETE, "no SignedHeaders", 0);
	set_header(&r, "authorization", "SDK-HMAC-SHA256 SignedHeaders=host, "
	    "Signature=00");
	EXPECT(&r, t, DIS_ERR_AUTH_INCOMPLETE, "no Credential", 0);
	set_header(&r, "authorization", "SDK-HMAC-SHA256 Credential=" AK
	    "/20261127/local-1/dis, SignedHeaders=host, Signature=00");
	EXPECT(&r, t, DIS_ERR_AUTH_INCOMPLETE, "short Credential", 0);
	set_header(&r, "authorization", authz);
	drop_header(&r, "x-sdk-date");
	EXPECT(&r, t, DIS_ERR_DATE_MISSING, "no X-Sdk-Date", 0);
	set_header(&r, "x-sdk-date", vstr(v, "x_sdk_date"));
	/* A signed header the request does not carry. */
	drop_header(&r, "host");
	EXPECT(&r, t, DIS_ERR_SIGNATURE, "no Host", 0);
	request_free(&r);
}
END_TEST

START_TEST(test_projects_and_regions)
{
	json_t		*v = json_array_get(vectors, (size_t)_i);
	struct request	 r;
	time_t		 t = vtime(v);

	request_of(v, Q_PLUS, &r);
	ck_assert_int_eq(auth_check(&cfg, creds, &r, "proj-2", t, NULL),
	    DIS_ERR_RBAC);
	free(cfg.auth_regions);
	cfg.auth_regions = strdup("other-1");
	EXPECT(&r, t, DIS_ERR_SIGNATURE, "region not pinned", _i);
	free(cfg.auth_regions);
	cfg.auth_regions = strdup("other-1,local-1");
	EXPECT(&r, t, DIS_OK, "region pinned", _i);
	cfg.auth = AUTH_ANY;
	EXPECT(&r, t, DIS_OK, "auth = any", _i);
	cfg.auth = AUTH_TOKEN;
	EXPECT(&r, t, DIS_ERR_TOKEN_EMPTY, "a signature when a token is due",
	    _i);
	cfg.auth = AUTH_NONE;
	ck_assert_int_eq(auth_check(&cfg, creds, &r, "proj-2", t, NULL),
	    DIS_OK);
	request_free(&r);
}
END_TEST

START_TEST(test_tokens)
{
	struct request	 r;
	const char	*detail;

	snprintf(project, sizeof(project), "proj-1");
	memset(&r, 0, sizeof(r));
	r.method_name = strdup("GET");
	r.path = strdup("/v2/proj-1/apps");
	r.query = strdup("");
	cfg.auth = AUTH_TOKEN;
	ck_assert_int_eq(check_at(&r, 0), DIS_ERR_TOKEN_EMPTY);
	add_header(&r, "x-auth-token", "");
	ck_assert_int_eq(check_at(&r, 0), DIS_ERR_TOKEN_EMPTY);
	set_header(&r, "x-auth-token", "tok-proj-1-abcdefghijklmnop");
	ck_assert_int_eq(check_at(&r, 0), DIS_OK);
	ck_assert_int_eq(auth_check(&cfg, creds, &r, "proj-2", 0, &detail),
	    DIS_ERR_RBAC);
	ck_assert_ptr_null(strstr(detail, "tok-"));
	set_header(&r, "x-auth-token", "tok-proj-1-abcdefghijklmnoq");
	ck_assert_int_eq(check_at(&r, 0), DIS_ERR_TOKEN_INVALID);
	set_header(&r, "x-auth-token", "tok-proj-1-abcdefghijklmno");
	ck_assert_int_eq(check_at(&r, 0), DIS_ERR_TOKEN_INVALID);
	/* An AK or SK is not a token. */
	set_header(&r, "x-auth-token", AK);
	ck_assert_int_eq(check_at(&r, 0), DIS_ERR_TOKEN_INVALID);
	set_header(&r, "x-auth-token", "tok-all-abcdefghijklmnopqrstu");
	ck_assert_int_eq(check_at(&r, 0), DIS_OK);
	ck_assert_int_eq(auth_check(&cfg, creds, &r, "proj-2", 0, NULL),
	    DIS_OK);
	/* any: a token alone will do; nothing at all asks for a signature. */
	cfg.auth = AUTH_ANY;
	ck_assert_int_eq(check_at(&r, 0), DIS_OK);
	drop_header(&r, "x-auth-token");
	ck_assert_int_eq(check_at(&r, 0), DIS_ERR_AUTH_MISSING);
	cfg.auth = AUTH_AKSK;
	add_header(&r, "x-auth-token", "tok-all-abcdefghijklmnopqrstu");
	ck_assert_int_eq(check_at(&r, 0), DIS_ERR_AUTH_MISSING);
	request_free(&r);
}
END_TEST

/* The V11 key derivation on its own: HKDF-SHA256 of auth.md. */
START_TEST(test_sign_v11_differs)
{
	char	 a[65], b[65];

	ck_assert_int_eq(auth_sign(false, AK, "sk", "20261127", "r", "dis",
	    "x", a), 0);
	ck_assert_int_eq(auth_sign(true, AK, "sk", "20261127", "r", "dis",
	    "x", b), 0);
	ck_assert_int_eq(strlen(a), 64);
	ck_assert_str_ne(a, b);
}
END_TEST

static Suite *
auth_suite(void)
{
	Suite	*s = suite_create("auth");
	TCase	*tc = tcase_create("vectors");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_canonical_request, 0, NVECTORS);
	tcase_add_loop_test(tc, test_vector_verifies, 0, NVECTORS);
	tcase_add_loop_test(tc, test_mutations, 0, NVECTORS);
	tcase_add_loop_test(tc, test_body_hash_header, 0, NVECTORS);
	tcase_add_test(tc, test_go_sdk_vector);
	tcase_add_test(tc, test_missing_parts);
	tcase_add_loop_test(tc, test_projects_and_regions, 0, NVECTORS);
	tcase_add_test(tc, test_tokens);
	tcase_add_test(tc, test_sign_v11_differs);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(auth_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
