/*-------------------------------------------------------------------------
 *
 * sigv4_canon.c
 *		SigV4 stage 1: the canonical request (method, canonical URI,
 *		canonical query string, canonical headers, signed headers, payload
 *		hash).
 *
 * sigv4.c drives the stages (see there); this file turns one HTTP request
 * into its canonical form exactly as the official SigV4 test suites expect
 * (test/unit/test_sigv4.c checks every vector's canonical request).
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
 * The header values may hold the session token: the buffers that carry
 * them are secret DdbBufs, and every copy is wiped before it is freed.
 *
 * IDENTIFICATION
 *		src/aws/sigv4_canon.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigv4_int.h"

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

/* ----------------------------------------------------------------
 * Canonical request
 * ----------------------------------------------------------------
 */

/*
 * The headers to sign, canonicalised: the caller's (checked: names are
 * tokens, a Host is there, no Authorization, one X-Amz-Date equal to
 * amz_date) and the ones the signer adds.  On success *hdrs (malloc'd, for
 * free_sig_headers) holds *n entries; on failure err is set and whatever
 * was collected is freed.
 */
static bool
collect_headers(const DdbSigv4Input *in, const char *payload_hash,
				SigHeader **hdrs_out, int *n_out, bool *have_date,
				DdbAwsError *err)
{
	bool		add_token = in->session_token != NULL && in->session_token[0] != '\0';
	bool		have_host = false;
	int			ndate = 0;
	int			n = 0;
	int			i;
	SigHeader  *hdrs = calloc((size_t) in->nheaders + 3, sizeof(SigHeader));

	*have_date = false;
	if (hdrs == NULL)
	{
		sig_error(err, DDB_AWS_ERR_OOM, "out of memory", NULL);
		return false;
	}
	for (i = 0; i < in->nheaders; i++)
	{
		const DdbHeader *h = &in->headers[i];
		const char *name;

		if (!is_token(h->name))
		{
			sig_error(err, DDB_AWS_ERR_INVALID,
					  "header name is missing or not an HTTP token", h->name);
			goto fail;
		}
		if (h->value == NULL)
		{
			sig_error(err, DDB_AWS_ERR_INVALID, "header value is NULL", h->name);
			goto fail;
		}
		if (!add_sig_header(hdrs, &n, h->name, h->value, err))
			goto fail;
		name = hdrs[n - 1].name;
		if (strcmp(name, "host") == 0)
			have_host = true;
		else if (strcmp(name, "authorization") == 0)
		{
			sig_error(err, DDB_AWS_ERR_INVALID,
					  "the request to sign must not carry this header yet", h->name);
			goto fail;
		}
		else if (strcmp(name, "x-amz-date") == 0)
		{
			*have_date = true;
			if (++ndate > 1 || strcmp(hdrs[n - 1].value, in->amz_date) != 0)
			{
				sig_error(err, DDB_AWS_ERR_INVALID,
						  "header differs from amz_date or is repeated", h->name);
				goto fail;
			}
		}
		else if ((add_token && strcmp(name, "x-amz-security-token") == 0) ||
				 (in->sign_body_header && strcmp(name, "x-amz-content-sha256") == 0))
		{
			sig_error(err, DDB_AWS_ERR_INVALID,
					  "the signer adds this header itself; do not pass it", h->name);
			goto fail;
		}
	}
	if (!have_host)
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "the request has no Host header", NULL);
		goto fail;
	}
	if ((!*have_date && !add_sig_header(hdrs, &n, SIGV4_HDR_DATE, in->amz_date, err)) ||
		(add_token && !in->omit_session_token &&
		 !add_sig_header(hdrs, &n, SIGV4_HDR_TOKEN, in->session_token, err)) ||
		(in->sign_body_header &&
		 !add_sig_header(hdrs, &n, SIGV4_HDR_CONTENT_SHA, payload_hash, err)))
		goto fail;
	*hdrs_out = hdrs;
	*n_out = n;
	return true;

fail:
	free_sig_headers(hdrs, n);
	return false;
}

/*
 * The canonical header lines of the sorted list to creq ("name:value"
 * lines, a repeated name's values joined with ','), and the signed names
 * to signed_names.
 */
static void
append_canonical_headers(const SigHeader *hdrs, int n, DdbBuf *creq,
						 DdbBuf *signed_names)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		if (i > 0 && strcmp(hdrs[i].name, hdrs[i - 1].name) == 0)
		{
			/* repeated name: values joined with ',' in input order */
			ddb_buf_append_char(creq, ',');
			ddb_buf_append_str(creq, hdrs[i].value);
			continue;
		}
		if (i > 0)
		{
			ddb_buf_append_char(creq, '\n');
			ddb_buf_append_char(signed_names, ';');
		}
		ddb_buf_append_str(creq, hdrs[i].name);
		ddb_buf_append_char(creq, ':');
		ddb_buf_append_str(creq, hdrs[i].value);
		ddb_buf_append_str(signed_names, hdrs[i].name);
	}
}

/*
 * ddb_sigv4_canonical_request
 *		Stage 1 of the signer: see sigv4_int.h.
 *
 *	method \n canonical URI \n canonical query \n canonical headers \n
 *	\n signed headers \n payload hash
 */
bool
ddb_sigv4_canonical_request(const DdbSigv4Input *in, const char *payload_hash,
							DdbBuf *creq, DdbBuf *signed_names, bool *have_date,
							DdbAwsError *err)
{
	SigHeader  *hdrs;
	int			nhdrs;
	bool		ok;

	if (!collect_headers(in, payload_hash, &hdrs, &nhdrs, have_date, err))
		return false;
	qsort(hdrs, (size_t) nhdrs, sizeof(SigHeader), header_cmp);

	ddb_buf_append_str(creq, in->method);
	ddb_buf_append_char(creq, '\n');
	ok = append_canonical_uri(creq, in->path, in->normalize_path, in->double_encode);
	ddb_buf_append_char(creq, '\n');
	ok = ok && append_canonical_query(creq, in->query);
	ddb_buf_append_char(creq, '\n');
	append_canonical_headers(hdrs, nhdrs, creq, signed_names);
	ddb_buf_append_str(creq, "\n\n");
	ddb_buf_append(creq, signed_names->data, signed_names->len);
	ddb_buf_append_char(creq, '\n');
	ddb_buf_append_str(creq, payload_hash);
	free_sig_headers(hdrs, nhdrs);
	if (!ok || !ddb_buf_ok(creq) || !ddb_buf_ok(signed_names))
	{
		sig_error(err, DDB_AWS_ERR_OOM, "out of memory", NULL);
		return false;
	}
	return true;
}
