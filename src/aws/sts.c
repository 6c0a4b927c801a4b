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

/*
 * Walks the whole document, checking that it is well formed, and stores the
 * text of every leaf element listed in wanted (first occurrence wins).
 * Returns false for malformed input or out of memory (err says which).
 */
static bool
xml_scan(const char *doc, size_t len, XmlWanted *wanted, int nwanted,
		 DdbAwsError *err)
{
	const char *p = doc;
	const char *end = doc + len;
	XmlName		stack[XML_MAX_DEPTH];
	int			depth = 0;
	bool		has_child = false;	/* current element has child elements */
	bool		seen_root = false;
	DdbBuf		text;

	/* element text: SecretAccessKey and SessionToken pass through here */
	ddb_buf_init_secret(&text);
	/* XML has no NUL character; one would cut a value short */
	{
		const char *nul = len > 0 ? memchr(doc, '\0', len) : NULL;

		if (nul != NULL)
		{
			p = nul;
			goto malformed;
		}
	}
	while (p < end)
	{
		const char *lt = memchr(p, '<', (size_t) (end - p));

		if (lt == NULL)
			lt = end;
		/* character data */
		if (lt > p)
		{
			if (depth == 0)
			{
				const char *q;

				for (q = p; q < lt; q++)
					if (!ddb_isspace((unsigned char) *q))
						goto malformed;
			}
			else if (!append_text(&text, p, lt))
				goto malformed;
		}
		if (lt == end)
			break;
		p = lt;
		if (end - p >= 4 && strncmp(p, "<!--", 4) == 0)
		{
			const char *c = p + 4;

			for (; c + 2 < end; c++)
				if (c[0] == '-' && c[1] == '-' && c[2] == '>')
					break;
			if (c + 2 >= end)
				goto malformed;
			p = c + 3;
		}
		else if (end - p >= 9 && strncmp(p, "<![CDATA[", 9) == 0)
		{
			const char *c = p + 9;

			if (depth == 0)
				goto malformed;
			for (; c + 2 < end; c++)
				if (c[0] == ']' && c[1] == ']' && c[2] == '>')
					break;
			if (c + 2 >= end)
				goto malformed;
			ddb_buf_append(&text, p + 9, (size_t) (c - (p + 9)));
			p = c + 3;
		}
		else if (end - p >= 2 && p[1] == '?')
		{
			const char *c = p + 2;

			for (; c + 1 < end; c++)
				if (c[0] == '?' && c[1] == '>')
					break;
			if (c + 1 >= end)
				goto malformed;
			p = c + 2;
		}
		else if (end - p >= 2 && p[1] == '!')
			goto malformed;		/* DOCTYPE and friends: never from STS */
		else if (end - p >= 2 && p[1] == '/')
		{
			XmlName		name;
			const char *q = scan_name(p + 2, end, &name);

			if (q == NULL || depth == 0)
				goto malformed;
			while (q < end && ddb_isspace((unsigned char) *q))
				q++;
			if (q >= end || *q != '>')
				goto malformed;
			if (stack[depth - 1].len != name.len ||
				strncasecmp(stack[depth - 1].ptr, name.ptr, name.len) != 0)
				goto malformed;
			/* a leaf: keep its text if wanted */
			if (!has_child && depth >= 2)
			{
				int			i;

				for (i = 0; i < nwanted; i++)
				{
					if (wanted[i].value == NULL &&
						name_is(stack[depth - 2], wanted[i].parent) &&
						name_is(name, wanted[i].name))
					{
						if (!ddb_buf_ok(&text) ||
							(wanted[i].value = trimmed_copy(&text)) == NULL)
						{
							ddb_buf_free(&text);
							ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
							return false;
						}
					}
				}
			}
			depth--;
			has_child = true;	/* the parent has at least this child */
			ddb_buf_reset(&text);
			p = q + 1;
		}
		else
		{
			XmlName		name;
			const char *q = scan_name(p + 1, end, &name);
			bool		empty = false;

			if (q == NULL)
				goto malformed;
			if (depth == 0 && seen_root)
				goto malformed;
			/* attributes: skipped, but quotes must balance */
			while (q < end && *q != '>' && !(*q == '/' && q + 1 < end && q[1] == '>'))
			{
				if (*q == '"' || *q == '\'')
				{
					const char *close = memchr(q + 1, *q, (size_t) (end - q - 1));

					if (close == NULL)
						goto malformed;
					q = close;
				}
				else if (*q == '<')
					goto malformed;
				q++;
			}
			if (q >= end)
				goto malformed;
			if (*q == '/')
			{
				empty = true;
				q++;
			}
			if (depth >= XML_MAX_DEPTH)
				goto malformed;
			seen_root = true;
			if (!empty)
			{
				stack[depth++] = name;
				has_child = false;
			}
			else
				has_child = true;
			ddb_buf_reset(&text);
			p = q + 1;
		}
	}
	ddb_buf_free(&text);
	if (depth != 0 || !seen_root)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
						  "STS response is not complete XML");
		return false;
	}
	return true;

malformed:
	ddb_buf_free(&text);
	ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
					  "STS response is not well-formed XML (at byte %zu)",
					  (size_t) (p - doc));
	return false;
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
