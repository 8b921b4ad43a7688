/*
 * auth.c: X-Auth-Token and AK/SK signature checks, as auth.md describes
 * what the DIS SDKs send. The canonical request is rebuilt from the raw
 * path, query and headers, so every spelling a client may send (trailing
 * slash or not, query values percent-, '+'- or not encoded, Host with or
 * without its port) signs the same. HMAC and SHA-256 come from libcrypto;
 * signatures and tokens are compared in constant time.
 */
#include "config.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth.h"
#include "log.h"
#include "text.h"

#define HEX_SHA256_LEN	64
#define SDK_DATE_LEN	16	/* 20261127T120000Z */

static const char alg_sdk[] = "SDK-HMAC-SHA256";
static const char alg_v11[] = "V11-HMAC-SHA256";

/* The parts of an Authorization header; strings point into one copy. */
struct authz {
	char		*copy;
	bool		 v11;
	const char	*ak, *date, *region, *service;
	const char	*signed_headers;
	const char	*signature;
};

static void
hex(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t		 i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static int
sha256_hex(const void *data, size_t len, char out[HEX_SHA256_LEN + 1])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL))
		return -1;
	hex(md, mdlen, out);
	return 0;
}

static int
hmac(const void *key, size_t keylen, const void *msg, size_t msglen,
    unsigned char out[32])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 len = sizeof(md);

	/* Through md, so out may be the key of this very step. */
	if (HMAC(EVP_sha256(), key, (int)keylen, msg, msglen, md, &len) == NULL ||
	    len != 32)
		return -1;
	memcpy(out, md, 32);
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

int
auth_sign(bool v11, const char *ak, const char *sk, const char *date,
    const char *region, const char *service, const char *sts, char out[65])
{
	unsigned char	 k[32], prk[32];
	char		*secret = NULL, *info = NULL;
	char		 derived[HEX_SHA256_LEN + 1];
	const char	*steps[4] = { date, region, service, "sdk_request" };
	size_t		 i, len;
	int		 rc = -1;

	if (v11) {
		/* HKDF-SHA256, one block: salt AK, key SK, info the scope. */
		/* "date/region/service", 0x01, NUL */
		len = strlen(date) + strlen(region) + strlen(service) + 4;
		if ((info = malloc(len)) == NULL)
			goto done;
		snprintf(info, len, "%s/%s/%s", date, region, service);
		info[len - 2] = 0x01;
		if (hmac(ak, strlen(ak), sk, strlen(sk), prk) == -1 ||
		    hmac(prk, sizeof(prk), info, len - 1, k) == -1)
			goto done;
		hex(k, sizeof(k), derived);
		sk = derived;
	}
	len = strlen(sk) + 4;
	if ((secret = malloc(len)) == NULL)
		goto done;
	snprintf(secret, len, "SDK%s", sk);
	if (hmac(secret, len - 1, steps[0], strlen(steps[0]), k) == -1)
		goto done;
	for (i = 1; i < 4; i++)
		if (hmac(k, sizeof(k), steps[i], strlen(steps[i]), k) == -1)
			goto done;
	if (hmac(k, sizeof(k), sts, strlen(sts), k) == -1)
		goto done;
	hex(k, sizeof(k), out);
	rc = 0;
done:
	if (secret != NULL) {
		OPENSSL_cleanse(secret, strlen(secret));
		free(secret);
	}
	free(info);
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(prk, sizeof(prk));
	OPENSSL_cleanse(derived, sizeof(derived));
	return rc;
}

/* RFC 3986 unreserved characters stay, every other byte is %XX. */
static void
put_encoded(FILE *f, const char *s)
{
	unsigned char	 c;

	for (; (c = (unsigned char)*s) != '\0'; s++)
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
			fputc(c, f);
		else
			fprintf(f, "%%%02X", c);
}

static char *
encoded(const char *s)
{
	char	*out = NULL;
	size_t	 len;
	FILE	*f;

	if ((f = open_memstream(&out, &len)) == NULL)
		return NULL;
	put_encoded(f, s);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/*
 * Each segment decoded on its own and encoded again; empty and "."
 * segments dropped, ".." drops the one before; always a trailing '/'.
 */
static int
put_uri(FILE *f, const char *path)
{
	char		**segs;
	const char	*p = path, *end;
	size_t		 n = 0, i, max = 1;
	int		 rc = 0;

	for (end = path; *end != '\0'; end++)
		max += *end == '/';
	if ((segs = calloc(max, sizeof(*segs))) == NULL)
		return -1;
	for (; rc == 0; p = end + 1) {
		end = p + strcspn(p, "/");
		if ((segs[n] = url_decode(p, (size_t)(end - p), false)) == NULL)
			rc = -1;
		else if (segs[n][0] == '\0' || strcmp(segs[n], ".") == 0)
			free(segs[n]);
		else if (strcmp(segs[n], "..") == 0) {
			free(segs[n]);
			if (n > 0)
				free(segs[--n]);
		} else
			n++;
		if (*end == '\0')
			break;
	}
	fputc('/', f);
	for (i = 0; i < n; i++) {
		put_encoded(f, segs[i]);
		fputc('/', f);
		free(segs[i]);
	}
	free(segs);
	return rc;
}

static int
cmp_params(const void *a, const void *b)
{
	const struct query_param	*x = a, *y = b;
	int				 c = strcmp(x->key, y->key);

	return c != 0 ? c : strcmp(x->value, y->value);
}

/* Decoded by query_parse ('+' is a space), encoded again, sorted. */
static int
put_query(FILE *f, const char *raw)
{
	struct query_param	*params, *enc;
	size_t			 n, i;
	int			 rc = 0;

	if (query_parse(raw, &params, &n) == -1)
		return -1;
	if ((enc = calloc(n + 1, sizeof(*enc))) == NULL) {
		query_free(params, n);
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((enc[i].key = encoded(params[i].key)) == NULL ||
		    (enc[i].value = encoded(params[i].value)) == NULL)
			rc = -1;
	if (rc == 0) {
		qsort(enc, n, sizeof(*enc), cmp_params);
		for (i = 0; i < n; i++)
			fprintf(f, "%s%s%s%s", i > 0 ? "&" : "", enc[i].key,
			    enc[i].value[0] != '\0' ? "=" : "", enc[i].value);
	}
	query_free(enc, n);
	query_free(params, n);
	return rc;
}

/*
 * A signed header's value as the request carries it. CGI folds '-' and '_'
 * together and passes Content-Length outside the headers; the Host value
 * can lose its port (the Python SDK signs the host without it).
 */
static const char *
header_value(const struct request *req, const char *name, bool strip_port,
    char *buf, size_t size)
{
	const char	*v, *colon;
	size_t		 i;

	for (i = 0; name[i] != '\0' && i + 1 < size; i++)
		buf[i] = name[i] == '_' ? '-' : (char)tolower((unsigned char)name[i]);
	buf[i] = '\0';
	if (strcmp(buf, "content-length") == 0) {
		if (req->content_length < 0)
			return NULL;
		snprintf(buf, size, "%lld", req->content_length);
		return buf;
	}
	if ((v = request_header(req, buf)) == NULL)
		return NULL;
	if (strip_port && strcmp(buf, "host") == 0) {
		/* "[::1]:8080" keeps its brackets, "h:8080" drops ":8080". */
		colon = strrchr(v, ':');
		if (colon != NULL && (v[0] != '[' || colon[-1] == ']') &&
		    (size_t)(colon - v) < size) {
			memcpy(buf, v, (size_t)(colon - v));
			buf[colon - v] = '\0';
			return buf;
		}
	}
	return v;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "name:value\n" per signed header, sorted by name. */
static int
put_headers(FILE *f, const struct request *req, const char *signed_headers,
    bool strip_port)
{
	char		*copy, *save = NULL, *name, **names = NULL, buf[512];
	const char	*v, *end;
	size_t		 n = 0, i, max = 1;
	int		 rc = 0;

	for (v = signed_headers; *v != '\0'; v++)
		max += *v == ';';
	if ((copy = strdup(signed_headers)) == NULL ||
	    (names = calloc(max, sizeof(*names))) == NULL) {
		free(copy);
		return -1;
	}
	for (name = strtok_r(copy, ";", &save); name != NULL;
	    name = strtok_r(NULL, ";", &save))
		names[n++] = name;
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n && rc == 0; i++) {
		if ((v = header_value(req, names[i], strip_port, buf,
		    sizeof(buf))) == NULL) {
			rc = -1;
			break;
		}
		while (isspace((unsigned char)*v))
			v++;
		end = v + strlen(v);
		while (end > v && isspace((unsigned char)end[-1]))
			end--;
		for (name = names[i]; *name != '\0'; name++)
			fputc(tolower((unsigned char)*name), f);
		fprintf(f, ":%.*s\n", (int)(end - v), v);
	}
	free(names);
	free(copy);
	return rc;
}

static bool
signs_header(const char *signed_headers, const char *name)
{
	size_t		 len = strlen(name), n;
	const char	*p;

	for (p = signed_headers; *p != '\0'; p += n + (p[n] == ';')) {
		n = strcspn(p, ";");
		if (n == len && strncasecmp(p, name, len) == 0)
			return true;
	}
	return false;
}

char *
auth_canonical_request(const struct request *req, const char *signed_headers,
    bool strip_port)
{
	char		*out = NULL, hash[HEX_SHA256_LEN + 1];
	size_t		 len;
	int		 rc;
	FILE		*f;

	/*
	 * The body as received, always: X-Sdk-Content-Sha256 is only a
	 * header. The Go SDK signs it with the empty body's hash while it
	 * signs the real body here, and taking its word would leave the body
	 * outside the signature. So "UNSIGNED-PAYLOAD" never matches either.
	 */
	if (sha256_hex(req->body ? req->body : "", req->body_len, hash) == -1)
		return NULL;
	if ((f = open_memstream(&out, &len)) == NULL)
		return NULL;
	fprintf(f, "%s\n", req->method_name);
	rc = put_uri(f, req->path);
	fputc('\n', f);
	if (rc == 0)
		rc = put_query(f, req->query);
	fputc('\n', f);
	if (rc == 0)
		rc = put_headers(f, req, signed_headers, strip_port);
	fprintf(f, "\n%s\n%s", signed_headers, hash);
	if (fclose(f) != 0 || rc != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static bool
all_digits(const char *s, size_t len)
{
	return strlen(s) == len && strspn(s, "0123456789") == len;
}

/* "AK/yyyymmdd/region/service/sdk_request" */
static bool
parse_credential(char *text, struct authz *a)
{
	char	*part[5], *save = NULL;
	size_t	 n = 0;
	char	*p;

	if (text[strlen(text) - 1] == '/')
		return false;
	for (p = strtok_r(text, "/", &save); p != NULL;
	    p = strtok_r(NULL, "/", &save)) {
		if (n == 5)
			return false;
		part[n++] = p;
	}
	if (n != 5 || !all_digits(part[1], 8) ||
	    strcmp(part[4], "sdk_request") != 0)
		return false;
	a->ak = part[0];
	a->date = part[1];
	a->region = part[2];
	a->service = part[3];
	return true;
}

/*
 * "<ALG> Credential=..., SignedHeaders=..., Signature=...". DIS_OK, or
 * 4102 (not that shape) or 4109 (a part missing or empty).
 */
static enum dis_err
parse_authorization(const char *header, struct authz *a, const char **detail)
{
	char	*rest, *item, *save = NULL, *eq, *key, *value;
	char	*credential = NULL;

	memset(a, 0, sizeof(*a));
	if ((a->copy = strdup(header)) == NULL)
		return DIS_ERR_INTERNAL;
	rest = text_trim(a->copy);
	item = rest + strcspn(rest, " \t");
	if (*item != '\0')
		*item++ = '\0';
	if (strcmp(rest, alg_v11) == 0)
		a->v11 = true;
	else if (strcmp(rest, alg_sdk) != 0) {
		*detail = "Authorization: algorithm is not SDK-HMAC-SHA256 or "
		    "V11-HMAC-SHA256";
		return DIS_ERR_AUTH_UNPARSEABLE;
	}
	for (item = strtok_r(item, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		key = text_trim(item);
		if (*key == '\0')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			*detail = "Authorization: expected Key=Value pairs";
			return DIS_ERR_AUTH_UNPARSEABLE;
		}
		*eq = '\0';
		key = text_trim(key);
		value = text_trim(eq + 1);
		if (strcmp(key, "Credential") == 0)
			credential = value;
		else if (strcmp(key, "SignedHeaders") == 0)
			a->signed_headers = value;
		else if (strcmp(key, "Signature") == 0)
			a->signature = value;
	}
	if (credential == NULL || *credential == '\0' ||
	    a->signed_headers == NULL || *a->signed_headers == '\0' ||
	    a->signature == NULL || *a->signature == '\0') {
		*detail = "Authorization: Credential, SignedHeaders and "
		    "Signature are required";
		return DIS_ERR_AUTH_INCOMPLETE;
	}
	if (!parse_credential(credential, a)) {
		*detail = "Credential: expected AK/yyyymmdd/region/service/"
		    "sdk_request";
		return DIS_ERR_AUTH_INCOMPLETE;
	}
	return DIS_OK;
}

/* "%Y%m%dT%H%M%SZ", a real instant; -1 if not. */
static time_t
parse_sdk_date(const char *s)
{
	struct tm	 tm, back;
	time_t		 t;

	if (strlen(s) != SDK_DATE_LEN || s[8] != 'T' || s[15] != 'Z' ||
	    strspn(s, "0123456789") != 8 || strspn(s + 9, "0123456789") != 6)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 +
	    (s[2] - '0') * 10 + (s[3] - '0') - 1900;
	tm.tm_mon = (s[4] - '0') * 10 + (s[5] - '0') - 1;
	tm.tm_mday = (s[6] - '0') * 10 + (s[7] - '0');
	tm.tm_hour = (s[9] - '0') * 10 + (s[10] - '0');
	tm.tm_min = (s[11] - '0') * 10 + (s[12] - '0');
	tm.tm_sec = (s[13] - '0') * 10 + (s[14] - '0');
	back = tm;
	if ((t = timegm(&tm)) == -1)
		return -1;
	/* timegm normalises 20261131 into December; such a date is wrong. */
	if (tm.tm_mday != back.tm_mday || tm.tm_mon != back.tm_mon ||
	    tm.tm_hour != back.tm_hour || tm.tm_min != back.tm_min ||
	    tm.tm_sec != back.tm_sec)
		return -1;
	return t;
}

/* Whether region is in the comma-separated list; an empty list takes all. */
static bool
region_allowed(const char *list, const char *region)
{
	size_t	 len = strlen(region), n;

	if (list == NULL || *list == '\0')
		return true;
	for (; *list != '\0'; list += n + (list[n] == ',')) {
		list += strspn(list, " ");
		n = strcspn(list, ",");
		if (n == len && strncmp(list, region, len) == 0)
			return true;
	}
	return false;
}

/* One try: the canonical request with the Host as given, signed, compared. */
static bool
signature_matches(const struct request *req, const struct authz *a,
    const struct cred *c, const char *sdk_date, bool strip_port)
{
	char	*canonical, *sts = NULL, hash[HEX_SHA256_LEN + 1];
	char	 sig[HEX_SHA256_LEN + 1];
	size_t	 len;
	bool	 ok = false;

	if ((canonical = auth_canonical_request(req, a->signed_headers,
	    strip_port)) == NULL)
		return false;
	if (sha256_hex(canonical, strlen(canonical), hash) == 0) {
		len = strlen(sdk_date) + strlen(a->date) + strlen(a->region) +
		    strlen(a->service) + sizeof(alg_sdk) + HEX_SHA256_LEN + 32;
		if ((sts = malloc(len)) != NULL) {
			snprintf(sts, len, "%s\n%s\n%s/%s/%s/sdk_request\n%s",
			    a->v11 ? alg_v11 : alg_sdk, sdk_date, a->date,
			    a->region, a->service, hash);
			ok = auth_sign(a->v11, c->id, c->secret, a->date,
			    a->region, a->service, sts, sig) == 0 &&
			    strlen(a->signature) == HEX_SHA256_LEN &&
			    CRYPTO_memcmp(sig, a->signature,
			    HEX_SHA256_LEN) == 0;
		}
	}
	OPENSSL_cleanse(sig, sizeof(sig));
	free(sts);
	free(canonical);
	return ok;
}

static bool
has_port(const struct request *req)
{
	const char	*host = request_header(req, "host"), *colon;

	if (host == NULL || (colon = strrchr(host, ':')) == NULL)
		return false;
	return host[0] != '[' || colon[-1] == ']';
}

/* What a client that leaves its body unsigned says, so the error can. */
static bool
unsigned_payload(const struct request *req)
{
	const char	*v = request_header(req, "x-sdk-content-sha256");

	return v != NULL && strcmp(v, "UNSIGNED-PAYLOAD") == 0;
}

static enum dis_err
check_signature(const struct dis_config *cfg, const struct cred_set *set,
    const struct request *req, const char *project, time_t now,
    const char **detail)
{
	const char		*header = request_header(req, "authorization");
	const char		*sdk_date;
	const struct cred	*c;
	struct authz		 a;
	enum dis_err		 err;
	time_t			 t;

	if (header == NULL || *header == '\0') {
		*detail = "Authorization: missing";
		return DIS_ERR_AUTH_MISSING;
	}
	if ((err = parse_authorization(header, &a, detail)) != DIS_OK)
		goto done;
	sdk_date = request_header(req, "x-sdk-date");
	err = DIS_ERR_DATE_MISSING;
	*detail = "X-Sdk-Date: missing";
	if (sdk_date == NULL || *sdk_date == '\0')
		goto done;
	err = DIS_ERR_DATE_UNPARSEABLE;
	*detail = "X-Sdk-Date: expected yyyymmddThhmmssZ (UTC)";
	if ((t = parse_sdk_date(sdk_date)) == -1)
		goto done;
	err = DIS_ERR_DATE_SKEW;
	*detail = "X-Sdk-Date: too far from the server's clock";
	if ((t > now ? t - now : now - t) > cfg->auth_clock_skew)
		goto done;
	err = DIS_ERR_AK_UNKNOWN;
	*detail = "Credential: unknown AK";
	if ((c = cred_find_ak(set, a.ak)) == NULL)
		goto done;
	err = DIS_ERR_SIGNATURE;
	*detail = "Credential: service is not dis";
	if (strcmp(a.service, "dis") != 0)
		goto done;
	*detail = "Credential: region not accepted here";
	if (!region_allowed(cfg->auth_regions, a.region))
		goto done;
	*detail = "Signature: does not match the request";
	if (!signature_matches(req, &a, c, sdk_date, false) &&
	    !(signs_header(a.signed_headers, "host") && has_port(req) &&
	    signature_matches(req, &a, c, sdk_date, true))) {
		if (unsigned_payload(req))
			*detail = "X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD is "
			    "not accepted, the body must be signed";
		goto done;
	}
	err = DIS_ERR_RBAC;
	*detail = "the credential is not allowed on this project";
	if (!cred_allows(c, project))
		goto done;
	err = DIS_OK;
	*detail = NULL;
done:
	free(a.copy);
	return err;
}

static enum dis_err
check_token(const struct cred_set *set, const char *token, const char *project,
    const char **detail)
{
	const struct cred	*c;

	if (token == NULL || *token == '\0') {
		*detail = "X-Auth-Token: missing";
		return DIS_ERR_TOKEN_EMPTY;
	}
	if ((c = cred_find_token(set, token)) == NULL) {
		*detail = NULL;
		return DIS_ERR_TOKEN_INVALID;
	}
	if (!cred_allows(c, project)) {
		*detail = "the credential is not allowed on this project";
		return DIS_ERR_RBAC;
	}
	*detail = NULL;
	return DIS_OK;
}

enum dis_err
auth_check(const struct dis_config *cfg, const struct cred_set *set,
    const struct request *req, const char *project, time_t now,
    const char **detail)
{
	const char	*token = request_header(req, "x-auth-token");
	const char	*authorization = request_header(req, "authorization");
	const char	*ignored;

	if (detail == NULL)
		detail = &ignored;
	*detail = NULL;
	switch (cfg->auth) {
	case AUTH_NONE:
		return DIS_OK;
	case AUTH_TOKEN:
		return check_token(set, token, project, detail);
	case AUTH_AKSK:
		return check_signature(cfg, set, req, project, now, detail);
	case AUTH_ANY:
		/* A signature when there is one, as the SDKs default to. */
		if ((authorization == NULL || *authorization == '\0') &&
		    token != NULL)
			return check_token(set, token, project, detail);
		return check_signature(cfg, set, req, project, now, detail);
	}
	return DIS_ERR_INTERNAL;
}

/* CGI mode repeats the auth = none warning at most this often (s). */
#define WARN_INTERVAL	3600

static bool	 warn_hourly;

void
auth_warn_hourly(void)
{
	warn_hourly = true;
}

/*
 * Whether the auth = none warning is due. After auth_warn_hourly, only
 * when the stamp file beside the database is missing, empty, or an hour
 * old (or from the future: a clock set back); the process that finds it
 * due rewrites it, under flock, so concurrent requests warn once. A stamp
 * that cannot be opened or written leaves the warning due every time:
 * better a loud log than a silent open service.
 */
static bool
warning_due(const char *database)
{
	static const char note[] = "dis-checkpoint last warned that "
	    "authentication is off (auth = none) at this file's modification "
	    "time; as CGI it warns again an hour after that.\n";
	struct stat	 st;
	char		*path;
	time_t		 now = time(NULL);
	bool		 due = true;
	int		 fd;

	if (!warn_hourly)
		return true;
	if (asprintf(&path, "%s.auth-none-warned", database) == -1)
		return true;
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	free(path);
	if (fd == -1)
		return true;
	if (flock(fd, LOCK_EX) == 0 && fstat(fd, &st) == 0 &&
	    st.st_size > 0 && st.st_mtime <= now &&
	    now - st.st_mtime < WARN_INTERVAL)
		due = false;
	else if (pwrite(fd, note, sizeof(note) - 1, 0) !=
	    (ssize_t)sizeof(note) - 1)
		(void)ftruncate(fd, 0);
	close(fd);
	return due;
}

struct cred_store *
auth_start(const struct dis_config *cfg, bool *failed)
{
	struct cred_store	*store;

	*failed = false;
	if (cfg->auth == AUTH_NONE) {
		if (warning_due(cfg->database))
			log_message("WARNING: authentication is off (auth = "
			    "none): any client that reaches this service can "
			    "read and change every project's checkpoints. Set "
			    "auth = any and a credentials file unless a web "
			    "server in front authenticates every request.");
		return NULL;
	}
	if ((store = cred_store_open(cfg->credentials)) == NULL) {
		log_message("cannot set up the credentials store");
		*failed = true;
		return NULL;
	}
	log_message("authentication: auth = %s, credentials %s, clock skew "
	    "%d s%s%s", conf_auth_name(cfg->auth), cfg->credentials,
	    cfg->auth_clock_skew, *cfg->auth_regions ? ", regions " : "",
	    cfg->auth_regions);
	return store;
}
