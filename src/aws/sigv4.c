/*-------------------------------------------------------------------------
 *
 * sigv4.c
 *		AWS Signature Version 4 header signing.
 *
 * ddb_sigv4_sign() turns one HTTP request plus credentials and a signing
 * time into the canonical request, the string to sign, the signature and
 * the value of the Authorization header, exactly as the official SigV4 test
 * suites expect (test/unit/test_sigv4.c checks every vector stage by
 * stage).  It is a pure function: no clock, no environment, no globals.
 *
 * Decisions the vectors make for us (and the ones they leave open) are
 * written next to the code that implements them.  In short:
 *
 *	- Header values are trimmed, and every run of blanks (SP, HT, and an
 *	  obsolete line fold, i.e. CRLF or LF followed by SP/HT) becomes one
 *	  space, quoted strings included (get-header-value-trim,
 *	  get-header-value-multiline).  A CR or LF that is not part of such a
 *	  fold, and any other control character, is rejected: it would let a
 *	  value inject a header.  So a multi-line value must be passed in with
 *	  its line breaks and the leading blanks of its continuation lines, as
 *	  it appears on the wire ("value1\n  value2"); the signer folds it.
 *	- Repeated header names are joined with ',' in the order given
 *	  (get-header-key-duplicate, get-header-value-order).
 *	- Query parameters are percent-decoded and then re-encoded, so that an
 *	  already encoded key and a raw UTF-8 key give the same canonical form
 *	  (get-vanilla-query-order-encoded, get-vanilla-utf8-query); '+' is a
 *	  literal plus, not a space.
 *	- With double_encode (every service but S3, and all vectors) the path
 *	  as sent is encoded once more, so "%" becomes "%25"; without it the
 *	  path is taken as already encoded and only bytes that may not appear
 *	  bare are escaped.
 *
 * Secrets: "AWS4"+secret, every intermediate HMAC key and the signing key
 * are wiped with OPENSSL_cleanse() before their memory is released.  The
 * session token is not a signing secret (it travels in a header) but it
 * must not outlive the request either: the buffers that hold it (header
 * values, the canonical request) are secret DdbBufs, never realloc'd, and
 * the output's copies of it and the Authorization value are wiped on free.
 *
 * IDENTIFICATION
 *		src/aws/sigv4.c
 *
 *-------------------------------------------------------------------------
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sigv4.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SIGV4_TERMINATOR "aws4_request"
#define SIGV4_KEY_LEN 32

/* Names of the headers the signer may add (see DdbSigv4Output.added). */
static const char hdr_date[] = "X-Amz-Date";
static const char hdr_token[] = "X-Amz-Security-Token";
static const char hdr_content_sha[] = "x-amz-content-sha256";

/* One header of the canonical header list, before duplicates are merged. */
typedef struct SigHeader
{
	char	   *name;			/* lower-case */
	char	   *value;			/* trimmed, blanks collapsed */
	int			order;			/* position in the input, for a stable sort */
} SigHeader;

/* One query parameter, both halves already in canonical (encoded) form. */
typedef struct SigParam
{
	char	   *key;
	char	   *value;
} SigParam;

/* A path segment: a slice of the caller's path. */
typedef struct PathSegment
{
	const char *start;
	size_t		len;
} PathSegment;

static const char hex_upper[] = "0123456789ABCDEF";


/* ----------------------------------------------------------------
 * Small helpers
 * ----------------------------------------------------------------
 */

/*
 * Records an error when the caller gave us somewhere to put it.  detail, if
 * not NULL, is the name of the offending header.  The message never holds a
 * secret: only names are ever passed, never values.
 */
static void
sig_error(DdbAwsError *err, DdbAwsErrorKind kind, const char *what,
		  const char *detail)
{
	if (err == NULL)
		return;
	if (detail)
		ddb_aws_error_set(err, kind, "SigV4: %s (header \"%s\")", what, detail);
	else
		ddb_aws_error_set(err, kind, "SigV4: %s", what);
}

/* malloc'd copy of the first len bytes of s; NULL when out of memory. */
static char *
dup_bytes(const char *s, size_t len)
{
	char	   *p = malloc(len + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}


static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* True when s[0..2] is a well-formed "%XX" escape (s must have 3 bytes). */
static bool
is_escape(const char *s, size_t avail)
{
	return avail >= 3 && s[0] == '%' &&
		hex_value((unsigned char) s[1]) >= 0 &&
		hex_value((unsigned char) s[2]) >= 0;
}

static char
ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : c;
}

/* RFC 3986 unreserved characters: the only bytes SigV4 leaves bare. */
static bool
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') ||
		c == '-' || c == '_' || c == '.' || c == '~';
}

/* RFC 7230 "tchar": what header names and methods are made of. */
static bool
is_tchar(unsigned char c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool
is_token(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++)
	{
		if (!is_tchar((unsigned char) *s))
			return false;
	}
	return true;
}

/*
 * A credential-scope component (access key id, region, service): non-empty,
 * printable, no blank, and neither '/' nor ',' since those separate the
 * parts of the Credential= field.
 */
static bool
is_scope_part(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++)
	{
		unsigned char c = (unsigned char) *s;

		if (c <= 0x20 || c == 0x7f || c == '/' || c == ',')
			return false;
	}
	return true;
}

/* "YYYYMMDDTHHMMSSZ" (only the shape is checked; the vectors decide). */
static bool
is_amz_date(const char *s)
{
	int			i;

	if (s == NULL || strlen(s) != 16)
		return false;
	for (i = 0; i < 16; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (i == 8)
		{
			if (c != 'T')
				return false;
		}
		else if (i == 15)
		{
			if (c != 'Z')
				return false;
		}
		else if (c < '0' || c > '9')
			return false;
	}
	return true;
}

/* True when s holds no control character (bytes >= 0x80 are fine). */
static bool
has_no_ctl(const char *s)
{
	for (; *s; s++)
	{
		unsigned char c = (unsigned char) *s;

		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

static bool
hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
			unsigned char out[SIGV4_KEY_LEN])
{
	unsigned int outlen = 0;

	if (keylen > INT_MAX)
		return false;
	if (HMAC(EVP_sha256(), key, (int) keylen, data, len, out, &outlen) == NULL)
		return false;
	return outlen == SIGV4_KEY_LEN;
}


/* ----------------------------------------------------------------
 * URI encoding
 * ----------------------------------------------------------------
 */

static void
append_escaped_byte(DdbBuf *buf, unsigned char c)
{
	char		esc[3];

	esc[0] = '%';
	esc[1] = hex_upper[c >> 4];
	esc[2] = hex_upper[c & 15];
	ddb_buf_append(buf, esc, 3);
}

/*
 * Appends s[0..len) with every byte but the unreserved ones written as %XX
 * (upper-case hex), which is SigV4's UriEncode() for query keys and values
 * and, with double encoding, for path segments.
 */
static void
append_uri_encoded(DdbBuf *buf, const char *s, size_t len)
{
	size_t		i;
	size_t		start = 0;

	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (is_unreserved(c))
			continue;
		ddb_buf_append(buf, s + start, i - start);
		append_escaped_byte(buf, c);
		start = i + 1;
	}
	ddb_buf_append(buf, s + start, len - start);
}

/*
 * Single-encoding variant for paths that are already encoded (S3 style,
 * double_encode = false): a well-formed %XX escape is kept (hex upper-cased,
 * as the service re-encodes what it decoded), everything else that is not
 * unreserved is escaped, so a stray '%' becomes "%25".
 */
static void
append_path_once_encoded(DdbBuf *buf, const char *s, size_t len)
{
	size_t		i = 0;

	while (i < len)
	{
		unsigned char c = (unsigned char) s[i];

		if (is_escape(s + i, len - i))
		{
			char		esc[3];

			esc[0] = '%';
			esc[1] = hex_upper[hex_value((unsigned char) s[i + 1])];
			esc[2] = hex_upper[hex_value((unsigned char) s[i + 2])];
			ddb_buf_append(buf, esc, 3);
			i += 3;
			continue;
		}
		if (is_unreserved(c))
			ddb_buf_append_char(buf, (char) c);
		else
			append_escaped_byte(buf, c);
		i++;
	}
}

static void
append_path_segment(DdbBuf *buf, const char *s, size_t len, bool double_encode)
{
	if (double_encode)
		append_uri_encoded(buf, s, len);
	else
		append_path_once_encoded(buf, s, len);
}

/*
 * Percent-decodes s[0..len) into buf (which may then hold NUL bytes; use
 * buf->len).  A '%' not followed by two hex digits is kept as a literal
 * '%'; '+' stays '+' (SigV4 is not form decoding).
 */
static void
append_uri_decoded(DdbBuf *buf, const char *s, size_t len)
{
	size_t		i = 0;

	while (i < len)
	{
		if (is_escape(s + i, len - i))
		{
			char		c = (char) (hex_value((unsigned char) s[i + 1]) * 16 +
									hex_value((unsigned char) s[i + 2]));

			ddb_buf_append(buf, &c, 1);
			i += 3;
		}
		else
		{
			ddb_buf_append(buf, s + i, 1);
			i++;
		}
	}
	/* make sure data is allocated even for an empty result */
	ddb_buf_append(buf, "", 0);
}


/* ----------------------------------------------------------------
 * Canonical URI
 * ----------------------------------------------------------------
 */

/*
 * Appends the canonical URI of path to buf.  Returns false only when out of
 * memory.
 *
 * Without normalize_path the path is encoded as it is, so "//example//" and
 * "/example/.." survive (the *-unnormalized vectors).  With it, empty and
 * "." segments are dropped and ".." removes the previous segment (never
 * climbing above the root); the result keeps a trailing '/' when the input
 * ended with one ("//example//" -> "/example/", "/example space/" ->
 * "/example%20space/"), and a path reduced to nothing is "/"
 * (get-relative-relative, get-slash-dot-slash).  Dot segments are
 * recognised only in their literal form, not as "%2E".
 */
static bool
append_canonical_uri(DdbBuf *buf, const char *path, bool normalize,
					 bool double_encode)
{
	size_t		pathlen = strlen(path);
	PathSegment *segs;
	size_t		maxsegs;
	size_t		nsegs = 0;
	size_t		i;
	const char *p;

	if (pathlen == 0)
	{
		ddb_buf_append_char(buf, '/');
		return ddb_buf_ok(buf);
	}
	if (!normalize)
	{
		/* '/' is unreserved for our purposes: encode segment by segment */
		const char *seg = path;

		for (p = path;; p++)
		{
			if (*p == '/' || *p == '\0')
			{
				append_path_segment(buf, seg, (size_t) (p - seg), double_encode);
				if (*p == '\0')
					break;
				ddb_buf_append_char(buf, '/');
				seg = p + 1;
			}
		}
		return ddb_buf_ok(buf);
	}

	maxsegs = 1;
	for (p = path; *p; p++)
	{
		if (*p == '/')
			maxsegs++;
	}
	segs = malloc(maxsegs * sizeof(PathSegment));
	if (segs == NULL)
		return false;

	p = path;
	while (*p)
	{
		const char *start;
		size_t		len;

		while (*p == '/')
			p++;
		start = p;
		while (*p && *p != '/')
			p++;
		len = (size_t) (p - start);
		if (len == 0 || (len == 1 && start[0] == '.'))
			continue;
		if (len == 2 && start[0] == '.' && start[1] == '.')
		{
			if (nsegs > 0)
				nsegs--;
			continue;
		}
		segs[nsegs].start = start;
		segs[nsegs].len = len;
		nsegs++;
	}

	for (i = 0; i < nsegs; i++)
	{
		ddb_buf_append_char(buf, '/');
		append_path_segment(buf, segs[i].start, segs[i].len, double_encode);
	}
	if (nsegs == 0 || path[pathlen - 1] == '/')
		ddb_buf_append_char(buf, '/');
	free(segs);
	return ddb_buf_ok(buf);
}


/* ----------------------------------------------------------------
 * Canonical query string
 * ----------------------------------------------------------------
 */

/* Decodes then re-encodes s[0..len); malloc'd result or NULL (OOM). */
static char *
canonical_query_part(const char *s, size_t len)
{
	DdbBuf		raw;
	DdbBuf		enc;

	ddb_buf_init(&raw);
	ddb_buf_init(&enc);
	append_uri_decoded(&raw, s, len);
	if (!ddb_buf_ok(&raw))
	{
		ddb_buf_free(&raw);
		return NULL;
	}
	append_uri_encoded(&enc, raw.data, raw.len);
	ddb_buf_append(&enc, "", 0);
	ddb_buf_free(&raw);
	return ddb_buf_steal(&enc);
}

static int
param_cmp(const void *a, const void *b)
{
	const SigParam *pa = a;
	const SigParam *pb = b;
	int			r = strcmp(pa->key, pb->key);

	return r != 0 ? r : strcmp(pa->value, pb->value);
}

/*
 * Appends the canonical query string of query (the raw text after '?').
 * Parameters are split on '&' (empty pieces, as in "a=1&&b=2", are
 * skipped), split at the first '=' (a parameter without one gets an empty
 * value: "key="), each half decoded and re-encoded, and the list sorted by
 * encoded key, then encoded value, by byte value (so "Param1=Value1" sorts
 * before "Param1=value2": get-vanilla-query-order-key).  Returns false only
 * when out of memory.
 */
static bool
append_canonical_query(DdbBuf *buf, const char *query)
{
	SigParam   *params;
	size_t		maxparams = 1;
	size_t		nparams = 0;
	size_t		i;
	const char *p;
	bool		ok = true;

	if (query == NULL || *query == '\0')
		return true;
	for (p = query; *p; p++)
	{
		if (*p == '&')
			maxparams++;
	}
	params = calloc(maxparams, sizeof(SigParam));
	if (params == NULL)
		return false;

	p = query;
	while (*p && ok)
	{
		const char *start = p;
		const char *eq = NULL;
		size_t		len;

		while (*p && *p != '&')
		{
			if (*p == '=' && eq == NULL)
				eq = p;
			p++;
		}
		len = (size_t) (p - start);
		if (*p == '&')
			p++;
		if (len == 0)
			continue;
		if (eq)
		{
			params[nparams].key = canonical_query_part(start, (size_t) (eq - start));
			params[nparams].value = canonical_query_part(eq + 1,
														 (size_t) (start + len - eq - 1));
		}
		else
		{
			params[nparams].key = canonical_query_part(start, len);
			params[nparams].value = dup_bytes("", 0);
		}
		nparams++;
		if (params[nparams - 1].key == NULL || params[nparams - 1].value == NULL)
			ok = false;
	}

	if (ok)
	{
		qsort(params, nparams, sizeof(SigParam), param_cmp);
		for (i = 0; i < nparams; i++)
		{
			if (i > 0)
				ddb_buf_append_char(buf, '&');
			ddb_buf_append_str(buf, params[i].key);
			ddb_buf_append_char(buf, '=');
			ddb_buf_append_str(buf, params[i].value);
		}
		ok = ddb_buf_ok(buf);
	}

	for (i = 0; i < nparams; i++)
	{
		free(params[i].key);
		free(params[i].value);
	}
	free(params);
	return ok;
}


/* ----------------------------------------------------------------
 * Canonical headers
 * ----------------------------------------------------------------
 */

typedef enum HeaderValueStatus
{
	HV_OK,
	HV_BAD,						/* control character or bare CR/LF */
	HV_OOM
} HeaderValueStatus;

/*
 * Canonical form of a header value: leading and trailing blanks removed,
 * every inner run of blanks replaced by one space.  Blanks are SP, HT and
 * an obsolete line fold (CRLF or LF followed by SP or HT), which is how
 * get-header-value-multiline's
 *		"value1\n  value2\n     value3"
 * becomes "value1 value2 value3".  Runs inside double quotes collapse too
 * (get-header-value-trim: "a   b   c" -> "a b c").  A CR or LF that does
 * not start a fold, and any other control character, makes the value
 * invalid.
 */
static HeaderValueStatus
canonical_header_value(const char *v, char **result)
{
	DdbBuf		buf;
	bool		started = false;
	bool		pending_space = false;
	const char *p = v;

	*result = NULL;
	/* the value may be the session token */
	ddb_buf_init_secret(&buf);
	while (*p)
	{
		unsigned char c = (unsigned char) *p;

		if (c == '\r' || c == '\n')
		{
			if (c == '\r')
			{
				if (p[1] != '\n')
					goto bad;
				p++;
			}
			p++;
			if (*p != ' ' && *p != '\t')
				goto bad;
			pending_space = started;
			continue;
		}
		if (c == ' ' || c == '\t')
		{
			pending_space = started;
			p++;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			goto bad;
		if (pending_space)
		{
			ddb_buf_append_char(&buf, ' ');
			pending_space = false;
		}
		ddb_buf_append_char(&buf, (char) c);
		started = true;
		p++;
	}
	ddb_buf_append(&buf, "", 0);
	*result = ddb_buf_steal(&buf);
	return *result ? HV_OK : HV_OOM;

bad:
	ddb_buf_free(&buf);
	return HV_BAD;
}

static int
header_cmp(const void *a, const void *b)
{
	const SigHeader *ha = a;
	const SigHeader *hb = b;
	int			r = strcmp(ha->name, hb->name);

	if (r != 0)
		return r;
	return (ha->order > hb->order) - (ha->order < hb->order);
}

static void
free_sig_headers(SigHeader *hdrs, int n)
{
	int			i;

	if (hdrs == NULL)
		return;
	for (i = 0; i < n; i++)
	{
		free(hdrs[i].name);
		ddb_free_secret(hdrs[i].value);	/* may be the session token */
	}
	free(hdrs);
}

/* Lower-cased malloc'd copy of a header name; NULL when out of memory. */
static char *
lower_name(const char *name)
{
	size_t		len = strlen(name);
	char	   *p = dup_bytes(name, len);
	size_t		i;

	if (p == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		p[i] = ascii_lower(p[i]);
	return p;
}


/* ----------------------------------------------------------------
 * Signing key
 * ----------------------------------------------------------------
 */

/*
 * kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date8), region), service),
 * "aws4_request").  Returns false (key zeroed) when HMAC or malloc fails.
 * Every intermediate key is wiped.
 */
static bool
derive_signing_key(const char *secret, const char *date8, const char *region,
				   const char *service, unsigned char key[SIGV4_KEY_LEN])
{
	size_t		slen = strlen(secret);
	unsigned char *ksecret;
	unsigned char kdate[SIGV4_KEY_LEN];
	unsigned char kregion[SIGV4_KEY_LEN];
	unsigned char kservice[SIGV4_KEY_LEN];
	bool		ok;

	ksecret = malloc(slen + 4);
	if (ksecret == NULL)
	{
		OPENSSL_cleanse(key, SIGV4_KEY_LEN);
		return false;
	}
	memcpy(ksecret, "AWS4", 4);
	memcpy(ksecret + 4, secret, slen);

	ok = hmac_sha256(ksecret, slen + 4, date8, strlen(date8), kdate) &&
		hmac_sha256(kdate, SIGV4_KEY_LEN, region, strlen(region), kregion) &&
		hmac_sha256(kregion, SIGV4_KEY_LEN, service, strlen(service), kservice) &&
		hmac_sha256(kservice, SIGV4_KEY_LEN, SIGV4_TERMINATOR,
					strlen(SIGV4_TERMINATOR), key);

	OPENSSL_cleanse(ksecret, slen + 4);
	free(ksecret);
	OPENSSL_cleanse(kdate, sizeof(kdate));
	OPENSSL_cleanse(kregion, sizeof(kregion));
	OPENSSL_cleanse(kservice, sizeof(kservice));
	if (!ok)
		OPENSSL_cleanse(key, SIGV4_KEY_LEN);
	return ok;
}

/*
 * ddb_sigv4_signing_key
 *		Derives the SigV4 signing key for (secret, date8, region, service).
 *
 * date8 is the "YYYYMMDD" scope date.  The caller owns key and should wipe
 * it when done.  On an internal failure (out of memory inside OpenSSL) the
 * key is all zeros; ddb_sigv4_sign() detects that case itself and reports
 * it, so use this function only where a zero key is harmless (tests).
 */
void
ddb_sigv4_signing_key(const char *secret, const char *date8,
					  const char *region, const char *service,
					  unsigned char key[32])
{
	(void) derive_signing_key(secret, date8, region, service, key);
}


/* ----------------------------------------------------------------
 * Signing
 * ----------------------------------------------------------------
 */

/*
 * Checks everything the caller passed that does not depend on the
 * canonicalisation.  Returns false and fills err on bad input.
 */
static bool
validate_input(const DdbSigv4Input *in, DdbAwsError *err)
{
	if (!is_token(in->method))
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "method is missing or not an HTTP token", NULL);
		return false;
	}
	if (in->path == NULL || !has_no_ctl(in->path))
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "path is missing or contains a control character", NULL);
		return false;
	}
	if (in->path[0] != '\0' && in->path[0] != '/')
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "path does not start with '/'", NULL);
		return false;
	}
	if (in->query != NULL && !has_no_ctl(in->query))
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "query contains a control character", NULL);
		return false;
	}
	if (in->nheaders < 0 || (in->nheaders > 0 && in->headers == NULL))
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "header array is missing", NULL);
		return false;
	}
	if (in->payload == NULL && in->payload_len > 0)
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "payload is NULL but payload_len is not 0", NULL);
		return false;
	}
	if (!is_scope_part(in->access_key_id))
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "access key id is missing or malformed", NULL);
		return false;
	}
	if (in->secret_access_key == NULL || in->secret_access_key[0] == '\0')
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "secret access key is missing", NULL);
		return false;
	}
	if (in->session_token != NULL && !has_no_ctl(in->session_token))
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "session token contains a control character", NULL);
		return false;
	}
	if (!is_scope_part(in->region))
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "region is missing or malformed", NULL);
		return false;
	}
	if (!is_scope_part(in->service))
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "service is missing or malformed", NULL);
		return false;
	}
	if (!is_amz_date(in->amz_date))
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "amz_date is not of the form YYYYMMDDTHHMMSSZ", NULL);
		return false;
	}
	return true;
}

/*
 * Appends one header to the working list.  Returns false and fills err on
 * a bad value or when out of memory.
 */
static bool
add_sig_header(SigHeader *hdrs, int *n, const char *name, const char *value,
			   DdbAwsError *err)
{
	SigHeader  *h = &hdrs[*n];

	h->order = *n;
	h->value = NULL;
	h->name = lower_name(name);
	if (h->name == NULL)
	{
		sig_error(err, DDB_AWS_ERR_OOM, "out of memory", NULL);
		return false;
	}
	(*n)++;						/* from here on the entry is owned by hdrs */
	switch (canonical_header_value(value, &h->value))
	{
		case HV_OK:
			return true;
		case HV_BAD:
			sig_error(err, DDB_AWS_ERR_INVALID,
					  "header value contains CR, LF or a control character (only a folded continuation line is allowed)",
					  name);
			return false;
		case HV_OOM:
			break;
	}
	sig_error(err, DDB_AWS_ERR_OOM, "out of memory", NULL);
	return false;
}

/* Releases everything ddb_sigv4_sign() may have put into out. */
void
ddb_sigv4_output_free(DdbSigv4Output *out)
{
	int			i;

	if (out == NULL)
		return;
	/* the canonical request may hold the session token */
	ddb_free_secret(out->canonical_request);
	free(out->string_to_sign);
	ddb_free_secret(out->authorization);
	for (i = 0; i < out->nadded && i < 3; i++)
		ddb_free_secret((char *) out->added[i].value);
	ddb_wipe(out, sizeof(*out));
}

/*
 * ddb_sigv4_sign
 *		Signs one request with SigV4 (Authorization header flavour).
 *
 * Contract:
 *	- in->headers are all signed; names may be in any case and repeat.  A
 *	  "host" header is required (SigV4 always signs it); an "authorization"
 *	  header is refused (it would be signed into itself).
 *	- If the headers hold no X-Amz-Date, the signer adds one with
 *	  in->amz_date; if they hold one, its (trimmed) value must equal
 *	  in->amz_date and appear once.
 *	- session_token (NULL or "" = none) is added as X-Amz-Security-Token,
 *	  signed unless omit_session_token; the headers must not already
 *	  contain that header then.  Likewise sign_body_header adds and signs
 *	  x-amz-content-sha256, which must not be present already.
 *	- The payload hash is SHA-256 of payload (the empty string's hash when
 *	  payload_len is 0).
 *	- On success out holds malloc'd stages, the signature and the added
 *	  headers (in the order X-Amz-Date, X-Amz-Security-Token,
 *	  x-amz-content-sha256, each only when added).  On failure out is
 *	  empty and err (if not NULL) says why: DDB_AWS_ERR_INVALID for bad
 *	  input, DDB_AWS_ERR_OOM when memory or OpenSSL failed.  Call
 *	  ddb_sigv4_output_free() in both cases.
 */
bool
ddb_sigv4_sign(const DdbSigv4Input *in, DdbSigv4Output *out, DdbAwsError *err)
{
	SigHeader  *hdrs = NULL;
	int			nhdrs = 0;
	int			i;
	bool		have_date = false;
	int			ndate = 0;
	bool		have_host = false;
	bool		add_token;
	char		payload_hash[65];
	char		creq_hash[65];
	char		date8[9];
	unsigned char key[SIGV4_KEY_LEN];
	unsigned char sig[SIGV4_KEY_LEN];
	DdbBuf		creq;
	DdbBuf		signed_names;
	DdbBuf		scope;
	DdbBuf		sts;
	DdbBuf		authz;
	bool		ok = false;

	if (out == NULL)
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "no output given", NULL);
		return false;
	}
	memset(out, 0, sizeof(*out));
	if (err)
		ddb_aws_error_clear(err);
	if (in == NULL)
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "no input given", NULL);
		return false;
	}
	if (!validate_input(in, err))
		return false;

	add_token = in->session_token != NULL && in->session_token[0] != '\0';

	/* the canonical request may hold the token, authz the signature */
	ddb_buf_init_secret(&creq);
	ddb_buf_init(&signed_names);
	ddb_buf_init(&scope);
	ddb_buf_init(&sts);
	ddb_buf_init_secret(&authz);

	/* ---- headers: the caller's plus the ones we add, canonicalised ---- */
	hdrs = calloc((size_t) in->nheaders + 3, sizeof(SigHeader));
	if (hdrs == NULL)
	{
		sig_error(err, DDB_AWS_ERR_OOM, "out of memory", NULL);
		goto done;
	}
	for (i = 0; i < in->nheaders; i++)
	{
		const DdbHeader *h = &in->headers[i];

		if (!is_token(h->name))
		{
			sig_error(err, DDB_AWS_ERR_INVALID,
					  "header name is missing or not an HTTP token", h->name);
			goto done;
		}
		if (h->value == NULL)
		{
			sig_error(err, DDB_AWS_ERR_INVALID, "header value is NULL", h->name);
			goto done;
		}
		if (!add_sig_header(hdrs, &nhdrs, h->name, h->value, err))
			goto done;
		if (strcmp(hdrs[nhdrs - 1].name, "host") == 0)
			have_host = true;
		else if (strcmp(hdrs[nhdrs - 1].name, "authorization") == 0)
		{
			sig_error(err, DDB_AWS_ERR_INVALID,
					  "the request to sign must not carry this header yet", h->name);
			goto done;
		}
		else if (strcmp(hdrs[nhdrs - 1].name, "x-amz-date") == 0)
		{
			have_date = true;
			ndate++;
			if (ndate > 1 || strcmp(hdrs[nhdrs - 1].value, in->amz_date) != 0)
			{
				sig_error(err, DDB_AWS_ERR_INVALID,
						  "header differs from amz_date or is repeated", h->name);
				goto done;
			}
		}
		else if ((add_token && strcmp(hdrs[nhdrs - 1].name, "x-amz-security-token") == 0) ||
				 (in->sign_body_header && strcmp(hdrs[nhdrs - 1].name, "x-amz-content-sha256") == 0))
		{
			sig_error(err, DDB_AWS_ERR_INVALID,
					  "the signer adds this header itself; do not pass it", h->name);
			goto done;
		}
	}
	if (!have_host)
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "the request has no Host header", NULL);
		goto done;
	}

	if (in->payload_len > 0)
		ddb_sha256_hex(in->payload, in->payload_len, payload_hash);
	else
		ddb_sha256_hex("", 0, payload_hash);

	if (!have_date && !add_sig_header(hdrs, &nhdrs, hdr_date, in->amz_date, err))
		goto done;
	if (add_token && !in->omit_session_token &&
		!add_sig_header(hdrs, &nhdrs, hdr_token, in->session_token, err))
		goto done;
	if (in->sign_body_header &&
		!add_sig_header(hdrs, &nhdrs, hdr_content_sha, payload_hash, err))
		goto done;

	qsort(hdrs, (size_t) nhdrs, sizeof(SigHeader), header_cmp);

	/* ---- canonical request ---- */
	ddb_buf_append_str(&creq, in->method);
	ddb_buf_append_char(&creq, '\n');
	if (!append_canonical_uri(&creq, in->path, in->normalize_path,
							  in->double_encode))
	{
		sig_error(err, DDB_AWS_ERR_OOM, "out of memory", NULL);
		goto done;
	}
	ddb_buf_append_char(&creq, '\n');
	if (!append_canonical_query(&creq, in->query))
	{
		sig_error(err, DDB_AWS_ERR_OOM, "out of memory", NULL);
		goto done;
	}
	ddb_buf_append_char(&creq, '\n');
	for (i = 0; i < nhdrs; i++)
	{
		if (i > 0 && strcmp(hdrs[i].name, hdrs[i - 1].name) == 0)
		{
			/* repeated name: values joined with ',' in input order */
			ddb_buf_append_char(&creq, ',');
			ddb_buf_append_str(&creq, hdrs[i].value);
			continue;
		}
		if (i > 0)
		{
			ddb_buf_append_char(&creq, '\n');
			ddb_buf_append_char(&signed_names, ';');
		}
		ddb_buf_append_str(&creq, hdrs[i].name);
		ddb_buf_append_char(&creq, ':');
		ddb_buf_append_str(&creq, hdrs[i].value);
		ddb_buf_append_str(&signed_names, hdrs[i].name);
	}
	ddb_buf_append_str(&creq, "\n\n");
	ddb_buf_append(&creq, signed_names.data, signed_names.len);
	ddb_buf_append_char(&creq, '\n');
	ddb_buf_append_str(&creq, payload_hash);
	if (!ddb_buf_ok(&creq) || !ddb_buf_ok(&signed_names))
	{
		sig_error(err, DDB_AWS_ERR_OOM, "out of memory", NULL);
		goto done;
	}

	/* ---- string to sign ---- */
	memcpy(date8, in->amz_date, 8);
	date8[8] = '\0';
	ddb_buf_printf(&scope, "%s/%s/%s/%s", date8, in->region, in->service,
				   SIGV4_TERMINATOR);
	ddb_sha256_hex(creq.data, creq.len, creq_hash);
	ddb_buf_printf(&sts, "%s\n%s\n%s\n%s", SIGV4_ALGORITHM, in->amz_date,
				   scope.data ? scope.data : "", creq_hash);
	if (!ddb_buf_ok(&scope) || !ddb_buf_ok(&sts))
	{
		sig_error(err, DDB_AWS_ERR_OOM, "out of memory", NULL);
		goto done;
	}

	/* ---- signature ---- */
	if (!derive_signing_key(in->secret_access_key, date8, in->region,
							in->service, key))
	{
		sig_error(err, DDB_AWS_ERR_OOM, "HMAC-SHA256 failed while deriving the signing key", NULL);
		goto done;
	}
	if (!hmac_sha256(key, sizeof(key), sts.data, sts.len, sig))
	{
		OPENSSL_cleanse(key, sizeof(key));
		sig_error(err, DDB_AWS_ERR_OOM, "HMAC-SHA256 failed while signing", NULL);
		goto done;
	}
	OPENSSL_cleanse(key, sizeof(key));
	ddb_hex_encode(sig, sizeof(sig), out->signature);

	ddb_buf_printf(&authz, "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s",
				   SIGV4_ALGORITHM, in->access_key_id, scope.data,
				   signed_names.data, out->signature);
	if (!ddb_buf_ok(&authz))
	{
		sig_error(err, DDB_AWS_ERR_OOM, "out of memory", NULL);
		goto done;
	}

	/* ---- hand over ---- */
	if (!have_date)
	{
		out->added[out->nadded].name = hdr_date;
		out->added[out->nadded].value = dup_bytes(in->amz_date, strlen(in->amz_date));
		if (out->added[out->nadded++].value == NULL)
			goto oom;
	}
	if (add_token)
	{
		out->added[out->nadded].name = hdr_token;
		out->added[out->nadded].value = dup_bytes(in->session_token,
												  strlen(in->session_token));
		if (out->added[out->nadded++].value == NULL)
			goto oom;
	}
	if (in->sign_body_header)
	{
		out->added[out->nadded].name = hdr_content_sha;
		out->added[out->nadded].value = dup_bytes(payload_hash, 64);
		if (out->added[out->nadded++].value == NULL)
			goto oom;
	}
	out->canonical_request = ddb_buf_steal(&creq);
	out->string_to_sign = ddb_buf_steal(&sts);
	out->authorization = ddb_buf_steal(&authz);
	if (out->canonical_request == NULL || out->string_to_sign == NULL ||
		out->authorization == NULL)
		goto oom;
	ok = true;
	goto done;

oom:
	sig_error(err, DDB_AWS_ERR_OOM, "out of memory", NULL);

done:
	OPENSSL_cleanse(sig, sizeof(sig));
	free_sig_headers(hdrs, nhdrs);
	ddb_buf_free(&creq);
	ddb_buf_free(&signed_names);
	ddb_buf_free(&scope);
	ddb_buf_free(&sts);
	ddb_buf_free(&authz);
	if (!ok)
		ddb_sigv4_output_free(out);
	return ok;
}
