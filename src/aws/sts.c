/*-------------------------------------------------------------------------
 *
 * sts.c
 *		AWS STS: AssumeRole and AssumeRoleWithWebIdentity.
 *
 * STS speaks only the query protocol and answers XML.  The reply is read
 * with a small, strict scanner rather than an XML library: element names are
 * matched by local name, case-insensitively (namespace prefixes ignored, as
 * aws-c-auth does), unknown elements are skipped, text is trimmed and its
 * entities decoded.  Malformed XML is an error, never a partial result.
 *
 * The request body (a web identity token), the answer (at most
 * DDB_HTTP_MAX_CONTROL_RESPONSE bytes) and the scanner's text buffer are
 * secret buffers: wiped when they grow, are reset or freed.
 *
 * IDENTIFICATION
 *		src/aws/sts.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sts.h"

#define XML_MAX_DEPTH 32

/* ----------------------------------------------------------------
 * XML scanning
 * ----------------------------------------------------------------
 */

/* Leaf elements the scanner collects, by (parent, name). */
typedef struct XmlWanted
{
	const char *parent;
	const char *name;
	char	   *value;			/* malloc'd decoded text, or NULL */
} XmlWanted;

typedef struct XmlName
{
	const char *ptr;			/* local name (prefix removed) */
	size_t		len;
} XmlName;

static bool
name_is(XmlName n, const char *s)
{
	return strlen(s) == n.len && strncasecmp(n.ptr, s, n.len) == 0;
}

/* Decodes the five predefined entities and character references. */
static bool
append_text(DdbBuf *out, const char *s, const char *e)
{
	while (s < e)
	{
		const char *amp = memchr(s, '&', (size_t) (e - s));
		const char *semi;

		if (amp == NULL)
		{
			ddb_buf_append(out, s, (size_t) (e - s));
			break;
		}
		ddb_buf_append(out, s, (size_t) (amp - s));
		semi = memchr(amp, ';', (size_t) (e - amp));
		if (semi == NULL || semi - amp > 10)
			return false;
		if (semi - amp == 3 && strncmp(amp, "&lt;", 4) == 0)
			ddb_buf_append_char(out, '<');
		else if (semi - amp == 3 && strncmp(amp, "&gt;", 4) == 0)
			ddb_buf_append_char(out, '>');
		else if (semi - amp == 4 && strncmp(amp, "&amp;", 5) == 0)
			ddb_buf_append_char(out, '&');
		else if (semi - amp == 5 && strncmp(amp, "&quot;", 6) == 0)
			ddb_buf_append_char(out, '"');
		else if (semi - amp == 5 && strncmp(amp, "&apos;", 6) == 0)
			ddb_buf_append_char(out, '\'');
		else if (amp[1] == '#')
		{
			char		num[12];
			char	   *end;
			unsigned long cp;
			bool		hex = amp[2] == 'x' || amp[2] == 'X';
			size_t		n = (size_t) (semi - amp) - (hex ? 3 : 2);

			if (n == 0 || n >= sizeof(num))
				return false;
			memcpy(num, amp + (hex ? 3 : 2), n);
			num[n] = '\0';
			/* digits only: strtoul would also take blanks, signs and "0x" */
			if (strspn(num, hex ? "0123456789abcdefABCDEF" : "0123456789") != n)
				return false;
			cp = strtoul(num, &end, hex ? 16 : 10);
			if (*end != '\0' || cp == 0 || cp > 0x10FFFF ||
				(cp >= 0xD800 && cp <= 0xDFFF))
				return false;
			/* UTF-8 */
			if (cp < 0x80)
				ddb_buf_append_char(out, (char) cp);
			else if (cp < 0x800)
			{
				ddb_buf_append_char(out, (char) (0xC0 | (cp >> 6)));
				ddb_buf_append_char(out, (char) (0x80 | (cp & 0x3F)));
			}
			else if (cp < 0x10000)
			{
				ddb_buf_append_char(out, (char) (0xE0 | (cp >> 12)));
				ddb_buf_append_char(out, (char) (0x80 | ((cp >> 6) & 0x3F)));
				ddb_buf_append_char(out, (char) (0x80 | (cp & 0x3F)));
			}
			else
			{
				ddb_buf_append_char(out, (char) (0xF0 | (cp >> 18)));
				ddb_buf_append_char(out, (char) (0x80 | ((cp >> 12) & 0x3F)));
				ddb_buf_append_char(out, (char) (0x80 | ((cp >> 6) & 0x3F)));
				ddb_buf_append_char(out, (char) (0x80 | (cp & 0x3F)));
			}
		}
		else
			return false;
		s = semi + 1;
	}
	return true;
}

static char *
trimmed_copy(DdbBuf *text)
{
	size_t		s = 0;
	size_t		e = text->len;
	char	   *r;

	while (s < e && ddb_isspace((unsigned char) text->data[s]))
		s++;
	while (e > s && ddb_isspace((unsigned char) text->data[e - 1]))
		e--;
	r = malloc(e - s + 1);
	if (r == NULL)
		return NULL;
	/* an empty element may leave text without any buffer */
	if (e > s)
		memcpy(r, text->data + s, e - s);
	r[e - s] = '\0';
	return r;
}

/* Reads a tag name at p; returns the local name and the end of the name. */
static const char *
scan_name(const char *p, const char *end, XmlName *name)
{
	const char *start = p;
	const char *local = p;

	while (p < end && (ddb_isalnum((unsigned char) *p) || *p == '_' || *p == '-' ||
					   *p == '.' || *p == ':'))
	{
		if (*p == ':')
			local = p + 1;
		p++;
	}
	if (p == start || local == p)
		return NULL;
	name->ptr = local;
	name->len = (size_t) (p - local);
	return p;
}

/* A scan in progress: the position, the open elements, the current text. */
typedef struct XmlScan
{
	const char *doc;
	const char *p;				/* where the next token starts */
	const char *end;
	XmlName		stack[XML_MAX_DEPTH];
	int			depth;
	bool		has_child;		/* current element has child elements */
	bool		seen_root;
	bool		oom;
	DdbBuf		text;			/* of the current element */
	XmlWanted  *wanted;
	int			nwanted;
} XmlScan;

/* Just past the first terminator at or after p; NULL when there is none. */
static const char *
skip_past(const char *p, const char *end, const char *terminator)
{
	size_t		n = strlen(terminator);

	for (; (size_t) (end - p) >= n; p++)
		if (memcmp(p, terminator, n) == 0)
			return p + n;
	return NULL;
}

/* Character data from s->p up to lt: only blanks outside the root. */
static bool
scan_text(XmlScan *s, const char *lt)
{
	const char *q;

	if (s->depth > 0)
		return append_text(&s->text, s->p, lt);
	for (q = s->p; q < lt; q++)
		if (!ddb_isspace((unsigned char) *q))
			return false;
	return true;
}

/* A comment, a CDATA section (its text kept) or a processing instruction. */
static bool
scan_markup(XmlScan *s)
{
	const char *p = s->p;
	const char *next;

	if (s->end - p >= 4 && strncmp(p, "<!--", 4) == 0)
		next = skip_past(p + 4, s->end, "-->");
	else if (s->end - p >= 9 && strncmp(p, "<![CDATA[", 9) == 0)
	{
		if (s->depth == 0)
			return false;
		next = skip_past(p + 9, s->end, "]]>");
		if (next != NULL)
			ddb_buf_append(&s->text, p + 9, (size_t) (next - 3 - (p + 9)));
	}
	else if (p[1] == '?')
		next = skip_past(p + 2, s->end, "?>");
	else
		return false;			/* DOCTYPE and friends: never from STS */
	if (next == NULL)
		return false;
	s->p = next;
	return true;
}

/*
 * The text of a leaf element that just closed, if wanted (the first
 * occurrence wins); false when out of memory.
 */
static bool
keep_wanted(XmlScan *s, XmlName name)
{
	int			i;

	for (i = 0; i < s->nwanted; i++)
	{
		XmlWanted  *w = &s->wanted[i];

		if (w->value == NULL && name_is(s->stack[s->depth - 2], w->parent) &&
			name_is(name, w->name))
		{
			if (!ddb_buf_ok(&s->text) || (w->value = trimmed_copy(&s->text)) == NULL)
				return false;
		}
	}
	return true;
}

/* An end tag: it must close the innermost open element. */
static bool
scan_end_tag(XmlScan *s)
{
	XmlName		name;
	const char *q = scan_name(s->p + 2, s->end, &name);

	if (q == NULL || s->depth == 0)
		return false;
	while (q < s->end && ddb_isspace((unsigned char) *q))
		q++;
	if (q >= s->end || *q != '>')
		return false;
	if (s->stack[s->depth - 1].len != name.len ||
		strncasecmp(s->stack[s->depth - 1].ptr, name.ptr, name.len) != 0)
		return false;
	if (!s->has_child && s->depth >= 2 && !keep_wanted(s, name))
	{
		s->oom = true;
		return false;
	}
	s->depth--;
	s->has_child = true;		/* the parent has at least this child */
	ddb_buf_reset(&s->text);
	s->p = q + 1;
	return true;
}

/* A start tag or an empty-element tag; its attributes are skipped. */
static bool
scan_start_tag(XmlScan *s)
{
	XmlName		name;
	const char *q = scan_name(s->p + 1, s->end, &name);
	const char *end = s->end;
	bool		empty = false;

	if (q == NULL || (s->depth == 0 && s->seen_root))
		return false;
	/* attributes: skipped, but quotes must balance */
	while (q < end && *q != '>' && !(*q == '/' && q + 1 < end && q[1] == '>'))
	{
		if (*q == '"' || *q == '\'')
		{
			const char *close = memchr(q + 1, *q, (size_t) (end - q - 1));

			if (close == NULL)
				return false;
			q = close;
		}
		else if (*q == '<')
			return false;
		q++;
	}
	if (q >= end)
		return false;
	if (*q == '/')
	{
		empty = true;
		q++;
	}
	if (s->depth >= XML_MAX_DEPTH)
		return false;
	s->seen_root = true;
	if (!empty)
	{
		s->stack[s->depth++] = name;
		s->has_child = false;
	}
	else
		s->has_child = true;
	ddb_buf_reset(&s->text);
	s->p = q + 1;
	return true;
}

/*
 * Walks the whole document, checking that it is well formed, and stores the
 * text of every leaf element listed in wanted (first occurrence wins).
 * Returns false for malformed input or out of memory (err says which).
 */
static bool
xml_scan(const char *doc, size_t len, XmlWanted *wanted, int nwanted,
		 DdbAwsError *err)
{
	XmlScan		s;
	const char *nul = len > 0 ? memchr(doc, '\0', len) : NULL;
	bool		ok = true;

	memset(&s, 0, sizeof(s));
	s.doc = doc;
	s.p = doc;
	s.end = doc + len;
	s.wanted = wanted;
	s.nwanted = nwanted;
	/* element text: SecretAccessKey and SessionToken pass through here */
	ddb_buf_init_secret(&s.text);
	/* XML has no NUL character; one would cut a value short */
	if (nul != NULL)
	{
		s.p = nul;
		ok = false;
	}
	while (ok && s.p < s.end)
	{
		const char *lt = memchr(s.p, '<', (size_t) (s.end - s.p));

		if (lt == NULL)
			lt = s.end;
		if (lt > s.p && !scan_text(&s, lt))
			ok = false;
		else if (lt < s.end)
		{
			s.p = lt;
			if (s.end - lt >= 2 && (lt[1] == '!' || lt[1] == '?'))
				ok = scan_markup(&s);
			else if (s.end - lt >= 2 && lt[1] == '/')
				ok = scan_end_tag(&s);
			else
				ok = scan_start_tag(&s);
		}
		else
			break;
	}
	ddb_buf_free(&s.text);
	if (s.oom)
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
	else if (!ok)
		ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
						  "STS response is not well-formed XML (at byte %zu)",
						  (size_t) (s.p - doc));
	else if (s.depth != 0 || !s.seen_root)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
						  "STS response is not complete XML");
		ok = false;
	}
	return ok && !s.oom;
}

static void
free_wanted(XmlWanted *w, int n)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		ddb_free_secret(w[i].value);
		w[i].value = NULL;
	}
}

/* ----------------------------------------------------------------
 * Replies
 * ----------------------------------------------------------------
 */
bool
ddb_sts_parse_credentials(const char *xml, size_t len, DdbAwsCredentials *out,
						  DdbAwsError *err)
{
	XmlWanted	w[] = {
		{"Credentials", "AccessKeyId", NULL},
		{"Credentials", "SecretAccessKey", NULL},
		{"Credentials", "SessionToken", NULL},
		{"Credentials", "Expiration", NULL},
	};
	time_t		expiration;

	memset(out, 0, sizeof(*out));
	if (!xml_scan(xml, len, w, 4, err))
	{
		free_wanted(w, 4);
		return false;
	}
	if (w[0].value == NULL || w[1].value == NULL || w[2].value == NULL ||
		w[3].value == NULL || w[0].value[0] == '\0' || w[1].value[0] == '\0' ||
		w[2].value[0] == '\0')
	{
		free_wanted(w, 4);
		ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
						  "STS response has no complete Credentials element");
		return false;
	}
	if (!ddb_aws_parse_iso8601(w[3].value, &expiration))
	{
		free_wanted(w, 4);
		ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
						  "STS response has an invalid Expiration");
		return false;
	}
	out->access_key_id = w[0].value;
	out->secret_access_key = w[1].value;
	out->session_token = w[2].value;
	out->expiration = expiration;
	free(w[3].value);
	return true;
}

void
ddb_sts_parse_error(const DdbHttpResponse *resp, DdbAwsError *err)
{
	XmlWanted	w[] = {
		{"Error", "Code", NULL},
		{"Error", "Message", NULL},
	};
	DdbAwsError scratch;

	ddb_aws_error_clear(&scratch);
	if (resp->body.len > 0 &&
		xml_scan(resp->body.data, resp->body.len, w, 2, &scratch) &&
		w[0].value != NULL && w[0].value[0] != '\0')
	{
		ddb_copy_clean(err->code, sizeof(err->code), w[0].value, strlen(w[0].value));
		ddb_aws_error_from_response(err, resp, err->code, w[1].value);
	}
	else
		ddb_aws_error_from_response(err, resp, NULL, NULL);
	free_wanted(w, 2);
}

/* ----------------------------------------------------------------
 * Requests
 * ----------------------------------------------------------------
 */
void
ddb_form_encode(DdbBuf *buf, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *) value; *p; p++)
	{
		if (ddb_isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~')
			ddb_buf_append_char(buf, (char) *p);
		else
		{
			char		esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};

			ddb_buf_append(buf, esc, 3);
		}
	}
}

static void
form_param(DdbBuf *buf, const char *name, const char *value)
{
	ddb_buf_append_char(buf, '&');
	ddb_buf_append_str(buf, name);
	ddb_buf_append_char(buf, '=');
	ddb_form_encode(buf, value);
}

bool
ddb_sts_assume_role(DdbAwsService *svc, const DdbAwsCredentials *signer,
					const DdbAssumeRole *req, DdbAwsCredentials *out,
					DdbAwsError *err)
{
	DdbBuf		body;
	DdbHttpResponse resp;
	int			attempt;
	bool		web = req->web_identity_token != NULL;
	bool		ok;

	memset(out, 0, sizeof(*out));
	/* it may hold a web identity token */
	ddb_buf_init_secret(&body);
	ddb_buf_printf(&body, "Action=%s&Version=%s",
				   web ? "AssumeRoleWithWebIdentity" : "AssumeRole", DDB_STS_VERSION);
	form_param(&body, "RoleArn", req->role_arn);
	form_param(&body, "RoleSessionName", req->session_name);
	if (req->external_id && !web)
		form_param(&body, "ExternalId", req->external_id);
	if (req->duration > 0)
		ddb_buf_printf(&body, "&DurationSeconds=%d", req->duration);
	if (web)
		form_param(&body, "WebIdentityToken", req->web_identity_token);
	if (!ddb_buf_ok(&body))
	{
		ddb_buf_free(&body);
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
		return false;
	}

	for (attempt = 1;; attempt++)
	{
		/* at most 1 MiB, wiped: the answer holds the new secret and token */
		ddb_http_response_init_secret(&resp);
		if (web)
		{
			/* AssumeRoleWithWebIdentity is unsigned: the token is the proof */
			DdbHeader	hdrs[2] = {
				{"Host", svc->endpoint.host_header},
				{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
			};

			ok = ddb_http_request(svc->http, "POST", svc->endpoint.url, hdrs, 2,
								  body.data, body.len, &resp, err);
		}
		else
			ok = ddb_aws_send_signed(svc, signer,
									 "application/x-www-form-urlencoded; charset=utf-8",
									 NULL, 0, body.data, body.len, &resp, err);
		if (ok && resp.status != 200)
		{
			ddb_sts_parse_error(&resp, err);
			ok = false;
		}
		else if (ok)
			ok = ddb_sts_parse_credentials(resp.body.data, resp.body.len, out, err);
		ddb_http_response_free(&resp);
		if (ok || !ddb_aws_retry(svc, err, attempt))
			break;
		ddb_aws_error_clear(err);
	}
	ddb_buf_free(&body);
	return ok;
}
