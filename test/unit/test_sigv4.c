/*-------------------------------------------------------------------------
 *
 * test_sigv4.c
 *		Checks the SigV4 signer against every official test vector.
 *
 * Usage: test_sigv4 VECTOR_DIR   (e.g. /work/shared/testdata/sigv4)
 *
 * VECTOR_DIR holds the two copies of the AWS SigV4 test suite described in
 * its SOURCE.md:
 *
 *	aws4_testsuite/	  botocore's copy: per case NAME.req (raw request, already
 *					  holding X-Amz-Date), .creq, .sts, .authz, .sreq.
 *	aws-c-auth-v4/	  aws-c-auth's copy: per case context.json, request.txt
 *					  (no X-Amz-Date: the signer adds it) and the
 *					  header-{canonical-request,string-to-sign,signature,
 *					  signed-request}.txt files.
 *
 * Every case is signed and compared stage by stage, byte for byte: canonical
 * request, string to sign, signature, Authorization value, and the signed
 * request rebuilt from the input plus the headers the signer added.  Then
 * the extra end-to-end vectors of aws-wire-formats.md section 0 and a set of
 * edge and bad-input cases run.  One line per case: "ok CASE" or
 * "FAIL CASE STAGE[,STAGE...]" (details on stderr).  The program exits
 * non-zero if any check failed or if either directory does not hold the
 * expected number of cases (so a wrong directory cannot pass silently).
 *
 * Notes on the vectors:
 *	- All cases run, including the ones botocore skips (normalize-path/
 *	  get-space, get-vanilla-query-order-key/-value/-key-case): our raw
 *	  request parser takes the request target as everything between the
 *	  first and the last space of the request line, and the signer sorts
 *	  repeated query keys by value.
 *	- aws4_testsuite never names its session token in the .req when the
 *	  signer must add it (get-vanilla-with-session-token,
 *	  post-sts-header-after): the token is the X-Amz-Security-Token header
 *	  that the .sreq has and the .req lacks, and it is signed unless the
 *	  .authz SignedHeaders leave it out.  In post-sts-header-before the
 *	  token already is a header of the .req, so it is passed as an ordinary
 *	  header.
 *	- get-vanilla-with-session-token.sreq carries a wrong signature (copied
 *	  from get-vanilla, see SOURCE.md); .authz is the oracle, and that one
 *	  signature in the expected .sreq is replaced by the .authz one before
 *	  the rest of the .sreq is compared.
 *	- A multi-line header (get-header-value-multiline) is handed to the
 *	  signer exactly as on the wire: continuation lines are appended to the
 *	  value with the file's line break and their leading blanks; the
 *	  signer folds them.
 *
 * IDENTIFICATION
 *		test/unit/test_sigv4.c
 *
 *-------------------------------------------------------------------------
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "sigv4.h"
#include "unit.h"

UNIT_DEFINE_COUNTERS;

/* Case counts of the vector directories (SOURCE.md, verified by listing). */
#define SUITE_EXPECTED_CASES 34
#define CRT_EXPECTED_CASES 38

/* Fixed inputs of aws4_testsuite (SOURCE.md). */
#define SUITE_AKID "AKIDEXAMPLE"
#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_REGION "us-east-1"
#define SUITE_SERVICE "service"
#define SUITE_AMZ_DATE "20150830T123600Z"

/* The wrong signature of get-vanilla-with-session-token.sreq. */
#define SUITE_BAD_SREQ_CASE "get-vanilla-with-session-token"
#define SUITE_BAD_SREQ_SIG "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"

static int	cases_run = 0;
static int	cases_failed = 0;


/* ----------------------------------------------------------------
 * Small utilities
 * ----------------------------------------------------------------
 */

static char *
join_path(const char *a, const char *b)
{
	size_t		la = strlen(a);
	size_t		lb = strlen(b);
	char	   *p = xmalloc(la + lb + 2);

	memcpy(p, a, la);
	p[la] = '/';
	memcpy(p + la + 1, b, lb + 1);
	return p;
}

/* Whole file, NUL-terminated (the length excludes the NUL); NULL if absent. */
static char *
slurp(const char *path, size_t *lenp)
{
	FILE	   *f = fopen(path, "rb");
	char	   *buf;
	size_t		cap = 4096;
	size_t		len = 0;
	size_t		n;

	if (f == NULL)
		return NULL;
	buf = xmalloc(cap);
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0)
	{
		len += n;
		if (cap - len - 1 == 0)
		{
			char	   *nb;

			cap *= 2;
			nb = realloc(buf, cap);
			if (nb == NULL)
			{
				free(buf);
				fclose(f);
				fprintf(stderr, "out of memory\n");
				exit(2);
			}
			buf = nb;
		}
	}
	fclose(f);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Growable list of strings. */
typedef struct StrList
{
	char	  **items;
	int			n;
	int			cap;
} StrList;

static void
strlist_add(StrList *l, char *s)
{
	if (l->n == l->cap)
	{
		char	  **ni;

		l->cap = l->cap ? l->cap * 2 : 16;
		ni = realloc(l->items, (size_t) l->cap * sizeof(char *));
		if (ni == NULL)
		{
			fprintf(stderr, "out of memory\n");
			exit(2);
		}
		l->items = ni;
	}
	l->items[l->n++] = s;
}

static void
strlist_free(StrList *l)
{
	int			i;

	for (i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = l->cap = 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Text after the last "Signature=" of an Authorization value. */
static const char *
signature_of(const char *authz)
{
	const char *s = authz ? strstr(authz, "Signature=") : NULL;

	return s ? s + strlen("Signature=") : NULL;
}

/* Does SignedHeaders= of an Authorization value list name? */
static bool
signed_headers_have(const char *authz, const char *name)
{
	const char *s = strstr(authz, "SignedHeaders=");
	size_t		nlen = strlen(name);

	if (s == NULL)
		return false;
	s += strlen("SignedHeaders=");
	while (*s && *s != ',')
	{
		const char *e = s;

		while (*e && *e != ';' && *e != ',')
			e++;
		if ((size_t) (e - s) == nlen && strncmp(s, name, nlen) == 0)
			return true;
		s = (*e == ';') ? e + 1 : e;
	}
	return false;
}


/* ----------------------------------------------------------------
 * Raw HTTP request files
 * ----------------------------------------------------------------
 */

typedef struct RawHeader
{
	char	   *name;
	char	   *value;			/* after ':' verbatim, continuation lines
								 * joined with the file's line break */
} RawHeader;

typedef struct RawRequest
{
	char	   *request_line;
	char	   *method;
	char	   *path;
	char	   *query;			/* NULL when the target has no '?' */
	RawHeader  *headers;
	int			nheaders;
	bool		has_body;		/* a blank line ended the headers */
	char	   *body;
	size_t		body_len;
	const char *eol;			/* "\n" or "\r\n", as the file uses */
} RawRequest;

static void
raw_request_free(RawRequest *r)
{
	int			i;

	free(r->request_line);
	free(r->method);
	free(r->path);
	free(r->query);
	for (i = 0; i < r->nheaders; i++)
	{
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/*
 * Next line of buf starting at *pos, without its line break (LF or CRLF).
 * Returns false at the end of the buffer.
 */
static bool
next_line(const char *buf, size_t len, size_t *pos, const char **line,
		  size_t *linelen)
{
	const char *start;
	const char *nl;
	size_t		l;

	if (*pos >= len)
		return false;
	start = buf + *pos;
	nl = memchr(start, '\n', len - *pos);
	if (nl == NULL)
	{
		l = len - *pos;
		*pos = len;
	}
	else
	{
		l = (size_t) (nl - start);
		*pos += l + 1;
	}
	if (nl && l > 0 && start[l - 1] == '\r')
		l--;
	*line = start;
	*linelen = l;
	return true;
}

/*
 * Parses "METHOD SP target SP version" LF, header lines (a line starting
 * with SP or HT continues the previous header), then optionally a blank line
 * and the body (everything after it, verbatim).  The target is whatever lies
 * between the first and the last space, so a raw space in the path
 * (normalize-path/get-space) survives.  The file may end without a line
 * break and may use CRLF.
 */
static bool
parse_raw_request(const char *buf, size_t len, RawRequest *r)
{
	size_t		pos = 0;
	const char *line;
	size_t		linelen;
	const char *sp1;
	const char *sp2;
	const char *q;
	const char *nl;
	int			cap = 0;

	memset(r, 0, sizeof(*r));
	nl = memchr(buf, '\n', len);
	r->eol = (nl && nl > buf && nl[-1] == '\r') ? "\r\n" : "\n";

	if (!next_line(buf, len, &pos, &line, &linelen) || linelen == 0)
		return false;
	r->request_line = xstrndup(line, linelen);
	sp1 = strchr(r->request_line, ' ');
	sp2 = strrchr(r->request_line, ' ');
	if (sp1 == NULL || sp2 == sp1)
		return false;
	r->method = xstrndup(r->request_line, (size_t) (sp1 - r->request_line));
	q = memchr(sp1 + 1, '?', (size_t) (sp2 - sp1 - 1));
	if (q)
	{
		r->path = xstrndup(sp1 + 1, (size_t) (q - sp1 - 1));
		r->query = xstrndup(q + 1, (size_t) (sp2 - q - 1));
	}
	else
		r->path = xstrndup(sp1 + 1, (size_t) (sp2 - sp1 - 1));

	while (next_line(buf, len, &pos, &line, &linelen))
	{
		if (linelen == 0)
		{
			r->has_body = true;
			r->body = xstrndup(buf + pos, len - pos);
			r->body_len = len - pos;
			break;
		}
		if (line[0] == ' ' || line[0] == '\t')
		{
			RawHeader  *h;
			size_t		ol;
			size_t		el = strlen(r->eol);
			char	   *nv;

			if (r->nheaders == 0)
				return false;
			h = &r->headers[r->nheaders - 1];
			ol = strlen(h->value);
			nv = xmalloc(ol + el + linelen + 1);
			memcpy(nv, h->value, ol);
			memcpy(nv + ol, r->eol, el);
			memcpy(nv + ol + el, line, linelen);
			nv[ol + el + linelen] = '\0';
			free(h->value);
			h->value = nv;
			continue;
		}
		{
			const char *colon = memchr(line, ':', linelen);

			if (colon == NULL || colon == line)
				return false;
			if (r->nheaders == cap)
			{
				RawHeader  *nh;

				cap = cap ? cap * 2 : 8;
				nh = realloc(r->headers, (size_t) cap * sizeof(RawHeader));
				if (nh == NULL)
				{
					fprintf(stderr, "out of memory\n");
					exit(2);
				}
				r->headers = nh;
			}
			r->headers[r->nheaders].name = xstrndup(line, (size_t) (colon - line));
			r->headers[r->nheaders].value =
				xstrndup(colon + 1, linelen - (size_t) (colon + 1 - line));
			r->nheaders++;
		}
	}
	return true;
}

static bool
load_raw_request(const char *path, RawRequest *r)
{
	size_t		len;
	char	   *buf = slurp(path, &len);
	bool		ok;

	if (buf == NULL)
	{
		memset(r, 0, sizeof(*r));
		return false;
	}
	ok = parse_raw_request(buf, len, r);
	free(buf);
	if (!ok)
		raw_request_free(r);
	return ok;
}

static const char *
raw_header_get(const RawRequest *r, const char *name)
{
	int			i;

	for (i = 0; i < r->nheaders; i++)
	{
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	}
	return NULL;
}

/* The request's headers as signer input (pointers into r). */
static DdbHeader *
raw_to_headers(const RawRequest *r)
{
	DdbHeader  *h = xmalloc(((size_t) r->nheaders + 1) * sizeof(DdbHeader));
	int			i;

	for (i = 0; i < r->nheaders; i++)
	{
		h[i].name = r->headers[i].name;
		h[i].value = r->headers[i].value;
	}
	return h;
}

static const char *
added_get(const DdbSigv4Output *out, const char *name)
{
	int			i;

	for (i = 0; i < out->nadded; i++)
	{
		if (strcasecmp(out->added[i].name, name) == 0)
			return out->added[i].value;
	}
	return NULL;
}

/*
 * Rebuilds the signed request: request line, the original header lines,
 * the added headers (in the order given by 'order', names as the signer
 * spells them), "Authorization" + sep + value, then a blank line and the
 * body when the request had a body section or always_body (aws-c-auth
 * writes the blank line even when request.txt has none).
 */
static char *
build_signed_request(const RawRequest *r, const DdbSigv4Output *out,
					 const char *const *order, const char *authz_sep,
					 bool always_body)
{
	DdbBuf		b;
	int			i;

	ddb_buf_init(&b);
	ddb_buf_append_str(&b, r->request_line);
	ddb_buf_append_str(&b, r->eol);
	for (i = 0; i < r->nheaders; i++)
	{
		ddb_buf_append_str(&b, r->headers[i].name);
		ddb_buf_append_char(&b, ':');
		ddb_buf_append_str(&b, r->headers[i].value);
		ddb_buf_append_str(&b, r->eol);
	}
	for (i = 0; order[i]; i++)
	{
		int			j;

		for (j = 0; j < out->nadded; j++)
		{
			if (strcasecmp(out->added[j].name, order[i]) == 0)
			{
				ddb_buf_append_str(&b, out->added[j].name);
				ddb_buf_append_char(&b, ':');
				ddb_buf_append_str(&b, out->added[j].value);
				ddb_buf_append_str(&b, r->eol);
			}
		}
	}
	ddb_buf_append_str(&b, "Authorization");
	ddb_buf_append_str(&b, authz_sep);
	ddb_buf_append_str(&b, out->authorization);
	if (r->has_body || always_body)
	{
		ddb_buf_append_str(&b, r->eol);
		ddb_buf_append_str(&b, r->eol);
		ddb_buf_append(&b, r->body, r->body_len);
	}
	ddb_buf_append(&b, "", 0);
	if (!ddb_buf_ok(&b))
	{
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	return ddb_buf_steal(&b);
}


/* ----------------------------------------------------------------
 * Minimal JSON reading for context.json (flat, unique key names)
 * ----------------------------------------------------------------
 */

/* Position of the value of "key" (after the colon), or NULL. */
static const char *
json_find(const char *json, const char *key)
{
	size_t		klen = strlen(key);
	const char *p = json;

	while ((p = strchr(p, '"')) != NULL)
	{
		if (strncmp(p + 1, key, klen) == 0 && p[klen + 1] == '"')
		{
			const char *v = p + klen + 2;

			while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
				v++;
			if (*v == ':')
			{
				v++;
				while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
					v++;
				return v;
			}
		}
		p++;
	}
	return NULL;
}

/* malloc'd string value of key, NULL when absent or not a string. */
static char *
json_string(const char *json, const char *key)
{
	const char *v = json_find(json, key);
	DdbBuf		b;

	if (v == NULL || *v != '"')
		return NULL;
	ddb_buf_init(&b);
	for (v++; *v && *v != '"'; v++)
	{
		if (*v == '\\' && v[1])
		{
			v++;
			switch (*v)
			{
				case 'n':
					ddb_buf_append_char(&b, '\n');
					break;
				case 't':
					ddb_buf_append_char(&b, '\t');
					break;
				case 'r':
					ddb_buf_append_char(&b, '\r');
					break;
				case 'u':
					{
						unsigned int cp = 0;
						int			k;

						for (k = 1; k <= 4 && v[k]; k++)
						{
							char		c = v[k];

							cp = cp * 16 + (unsigned int) (c >= 'a' ? c - 'a' + 10 :
														   c >= 'A' ? c - 'A' + 10 : c - '0');
						}
						v += 4;
						if (cp < 0x80)
							ddb_buf_append_char(&b, (char) cp);
						else if (cp < 0x800)
						{
							ddb_buf_append_char(&b, (char) (0xC0 | (cp >> 6)));
							ddb_buf_append_char(&b, (char) (0x80 | (cp & 0x3F)));
						}
						else
						{
							ddb_buf_append_char(&b, (char) (0xE0 | (cp >> 12)));
							ddb_buf_append_char(&b, (char) (0x80 | ((cp >> 6) & 0x3F)));
							ddb_buf_append_char(&b, (char) (0x80 | (cp & 0x3F)));
						}
						break;
					}
				default:		/* \" \\ \/ */
					ddb_buf_append_char(&b, *v);
					break;
			}
		}
		else
			ddb_buf_append_char(&b, *v);
	}
	ddb_buf_append(&b, "", 0);
	return ddb_buf_steal(&b);
}

/* 1/0 for a boolean value of key, dflt when absent. */
static int
json_bool(const char *json, const char *key, int dflt)
{
	const char *v = json_find(json, key);

	if (v == NULL)
		return dflt;
	if (strncmp(v, "true", 4) == 0)
		return 1;
	if (strncmp(v, "false", 5) == 0)
		return 0;
	return dflt;
}


/* ----------------------------------------------------------------
 * Case bookkeeping
 * ----------------------------------------------------------------
 */

typedef struct CaseState
{
	const char *name;
	DdbBuf		failed;			/* comma-separated failing stages */
} CaseState;

static void
case_begin(CaseState *cs, const char *name)
{
	cs->name = name;
	ddb_buf_init(&cs->failed);
	cases_run++;
}

static void
case_fail(CaseState *cs, const char *stage)
{
	if (cs->failed.len > 0)
		ddb_buf_append_char(&cs->failed, ',');
	ddb_buf_append_str(&cs->failed, stage);
}

/* Compares one stage byte for byte; records and reports a mismatch. */
static void
case_stage(CaseState *cs, const char *stage, const char *got, const char *want)
{
	char		ctx[512];

	snprintf(ctx, sizeof(ctx), "%s: %s", cs->name, stage);
	if (!unit_check_str(got, want, ctx, __FILE__, __LINE__))
		case_fail(cs, stage);
}

static void
case_check(CaseState *cs, const char *stage, bool ok, const char *what)
{
	char		ctx[512];

	snprintf(ctx, sizeof(ctx), "%s: %s: %s", cs->name, stage, what);
	if (!unit_check(ok, ctx, __FILE__, __LINE__, NULL))
		case_fail(cs, stage);
}

static void
case_end(CaseState *cs)
{
	if (cs->failed.len == 0)
		printf("ok %s\n", cs->name);
	else
	{
		printf("FAIL %s %s\n", cs->name, cs->failed.data);
		cases_failed++;
	}
	ddb_buf_free(&cs->failed);
}

/* Signs; on failure records stage "sign" with the error message. */
static bool
case_sign(CaseState *cs, const DdbSigv4Input *in, DdbSigv4Output *out)
{
	DdbAwsError err;
	bool		ok;

	ddb_aws_error_clear(&err);
	ok = ddb_sigv4_sign(in, out, &err);
	if (!ok)
		fprintf(stderr, "  %s: signing failed: %s\n", cs->name, err.message);
	case_check(cs, "sign", ok, "ddb_sigv4_sign() succeeds");
	return ok;
}


/* ----------------------------------------------------------------
 * Directory walking
 * ----------------------------------------------------------------
 */

typedef bool (*CaseDirTest) (const char *dir);

/* Adds every directory under root (relative names) that 'test' accepts. */
static void
collect_cases(const char *root, const char *rel, CaseDirTest test, StrList *out)
{
	char	   *dir = rel[0] ? join_path(root, rel) : xstrdup(root);
	DIR		   *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
	{
		free(dir);
		return;
	}
	if (rel[0] && test(dir))
		strlist_add(out, xstrdup(rel));
	while ((e = readdir(d)) != NULL)
	{
		char	   *child;

		if (e->d_name[0] == '.')
			continue;
		child = join_path(dir, e->d_name);
		if (is_dir(child))
		{
			char	   *childrel = rel[0] ? join_path(rel, e->d_name) : xstrdup(e->d_name);

			collect_cases(root, childrel, test, out);
			free(childrel);
		}
		free(child);
	}
	closedir(d);
	free(dir);
}

/* aws4_testsuite case: directory D holding D.req */
static bool
is_suite_case(const char *dir)
{
	char		file[4096];

	snprintf(file, sizeof(file), "%s/%s.req", dir, base_name(dir));
	return is_file(file);
}

/* aws-c-auth case: directory holding context.json */
static bool
is_crt_case(const char *dir)
{
	char		file[4096];

	snprintf(file, sizeof(file), "%s/context.json", dir);
	return is_file(file);
}


/* ----------------------------------------------------------------
 * aws4_testsuite
 * ----------------------------------------------------------------
 */

static char *
suite_file(const char *dir, const char *ext)
{
	char		file[4096];

	snprintf(file, sizeof(file), "%s/%s.%s", dir, base_name(dir), ext);
	return slurp(file, NULL);
}

static void
run_suite_case(const char *root, const char *rel)
{
	static const char *const order[] = {"X-Amz-Security-Token", NULL};
	char	   *dir = join_path(root, rel);
	char	   *creq = suite_file(dir, "creq");
	char	   *sts = suite_file(dir, "sts");
	char	   *authz = suite_file(dir, "authz");
	char	   *sreq = suite_file(dir, "sreq");
	char	   *reqpath;
	char	   *sreqpath;
	RawRequest	req;
	RawRequest	signedreq;
	DdbHeader  *hdrs = NULL;
	DdbSigv4Input in;
	DdbSigv4Output out;
	CaseState	cs;
	char		name[512];
	const char *token = NULL;

	snprintf(name, sizeof(name), "aws4_testsuite/%s", rel);
	case_begin(&cs, name);
	memset(&out, 0, sizeof(out));
	memset(&signedreq, 0, sizeof(signedreq));

	reqpath = xmalloc(strlen(dir) + strlen(base_name(rel)) + 8);
	sprintf(reqpath, "%s/%s.req", dir, base_name(rel));
	sreqpath = xmalloc(strlen(dir) + strlen(base_name(rel)) + 8);
	sprintf(sreqpath, "%s/%s.sreq", dir, base_name(rel));

	case_check(&cs, "files", creq && sts && authz && sreq,
			   ".creq .sts .authz .sreq present");
	if (!load_raw_request(reqpath, &req))
	{
		case_check(&cs, "parse", false, ".req parses");
		goto done;
	}
	if (!load_raw_request(sreqpath, &signedreq))
	{
		case_check(&cs, "parse", false, ".sreq parses");
		goto done;
	}
	if (creq == NULL || sts == NULL || authz == NULL || sreq == NULL)
		goto done;

	/* session token: the header the .sreq has and the .req lacks */
	if (raw_header_get(&req, "X-Amz-Security-Token") == NULL)
		token = raw_header_get(&signedreq, "X-Amz-Security-Token");

	hdrs = raw_to_headers(&req);
	memset(&in, 0, sizeof(in));
	in.method = req.method;
	in.path = req.path;
	in.query = req.query;
	in.headers = hdrs;
	in.nheaders = req.nheaders;
	in.payload = req.body;
	in.payload_len = req.body_len;
	in.access_key_id = SUITE_AKID;
	in.secret_access_key = SUITE_SECRET;
	in.session_token = token;
	in.region = SUITE_REGION;
	in.service = SUITE_SERVICE;
	in.amz_date = SUITE_AMZ_DATE;
	in.normalize_path = true;
	in.double_encode = true;
	in.sign_body_header = false;	/* this format never adds it */
	in.omit_session_token = token != NULL &&
		!signed_headers_have(authz, "x-amz-security-token");

	if (case_sign(&cs, &in, &out))
	{
		char	   *mysreq;
		char	   *want_sreq = xstrdup(sreq);

		case_stage(&cs, "creq", out.canonical_request, creq);
		case_stage(&cs, "sts", out.string_to_sign, sts);
		case_stage(&cs, "signature", out.signature, signature_of(authz));
		case_stage(&cs, "authz", out.authorization, authz);

		/* the known-bad .sreq: patch its one wrong signature (SOURCE.md) */
		if (strcmp(rel, SUITE_BAD_SREQ_CASE) == 0)
		{
			char	   *bad = strstr(want_sreq, SUITE_BAD_SREQ_SIG);
			const char *good = signature_of(authz);

			if (bad && good && strlen(good) == strlen(SUITE_BAD_SREQ_SIG))
				memcpy(bad, good, strlen(SUITE_BAD_SREQ_SIG));
		}
		mysreq = build_signed_request(&req, &out, order, ": ", false);
		case_stage(&cs, "sreq", mysreq, want_sreq);
		free(mysreq);
		free(want_sreq);
	}

done:
	case_end(&cs);
	ddb_sigv4_output_free(&out);
	free(hdrs);
	raw_request_free(&req);
	raw_request_free(&signedreq);
	free(reqpath);
	free(sreqpath);
	free(creq);
	free(sts);
	free(authz);
	free(sreq);
	free(dir);
}


/* ----------------------------------------------------------------
 * aws-c-auth v4
 * ----------------------------------------------------------------
 */

static char *
crt_file(const char *dir, const char *file)
{
	char	   *path = join_path(dir, file);
	char	   *s = slurp(path, NULL);

	free(path);
	return s;
}

/* malloc'd value of the "Authorization:" line of a signed request. */
static char *
authorization_line(const char *sreq)
{
	const char *p = sreq;

	while (p && *p)
	{
		const char *e = strchr(p, '\n');
		size_t		l = e ? (size_t) (e - p) : strlen(p);

		if (l > 0 && p[l - 1] == '\r')
			l--;
		if (l >= 14 && strncasecmp(p, "Authorization:", 14) == 0)
		{
			const char *v = p + 14;

			while (*v == ' ')
				v++;
			return xstrndup(v, l - (size_t) (v - p));
		}
		if (l == 0)
			break;				/* end of the headers */
		p = e ? e + 1 : NULL;
	}
	return NULL;
}

static void
run_crt_case(const char *root, const char *rel)
{
	/* the order in which aws-c-auth appends the headers it adds */
	static const char *const order[] = {
		"X-Amz-Security-Token", "X-Amz-Date", "x-amz-content-sha256", NULL
	};
	char	   *dir = join_path(root, rel);
	char	   *ctx = crt_file(dir, "context.json");
	char	   *creq = crt_file(dir, "header-canonical-request.txt");
	char	   *sts = crt_file(dir, "header-string-to-sign.txt");
	char	   *sig = crt_file(dir, "header-signature.txt");
	char	   *sreq = crt_file(dir, "header-signed-request.txt");
	char	   *reqpath = join_path(dir, "request.txt");
	char	   *akid = NULL;
	char	   *secret = NULL;
	char	   *token = NULL;
	char	   *region = NULL;
	char	   *service = NULL;
	char	   *timestamp = NULL;
	char	   *want_authz = NULL;
	char		amz_date[17];
	time_t		t;
	RawRequest	req;
	DdbHeader  *hdrs = NULL;
	DdbSigv4Input in;
	DdbSigv4Output out;
	CaseState	cs;
	char		name[512];

	snprintf(name, sizeof(name), "aws-c-auth-v4/%s", rel);
	case_begin(&cs, name);
	memset(&out, 0, sizeof(out));

	case_check(&cs, "files", ctx && creq && sts && sig && sreq,
			   "context.json and header-*.txt present");
	if (!load_raw_request(reqpath, &req))
	{
		case_check(&cs, "parse", false, "request.txt parses");
		goto done;
	}
	if (!ctx || !creq || !sts || !sig || !sreq)
		goto done;

	akid = json_string(ctx, "access_key_id");
	secret = json_string(ctx, "secret_access_key");
	token = json_string(ctx, "token");
	region = json_string(ctx, "region");
	service = json_string(ctx, "service");
	timestamp = json_string(ctx, "timestamp");
	if (!akid || !secret || !region || !service || !timestamp ||
		!ddb_aws_parse_iso8601(timestamp, &t))
	{
		case_check(&cs, "parse", false, "context.json has credentials, region, service, timestamp");
		goto done;
	}
	ddb_aws_format_amz_date(t, amz_date);
	want_authz = authorization_line(sreq);
	case_check(&cs, "parse", want_authz != NULL,
			   "header-signed-request.txt has an Authorization line");

	hdrs = raw_to_headers(&req);
	memset(&in, 0, sizeof(in));
	in.method = req.method;
	in.path = req.path;
	in.query = req.query;
	in.headers = hdrs;
	in.nheaders = req.nheaders;
	in.payload = req.body;
	in.payload_len = req.body_len;
	in.access_key_id = akid;
	in.secret_access_key = secret;
	in.session_token = token;
	in.region = region;
	in.service = service;
	in.amz_date = amz_date;
	in.normalize_path = json_bool(ctx, "normalize", 1) != 0;
	in.double_encode = true;	/* the upstream harness always sets it */
	in.sign_body_header = json_bool(ctx, "sign_body", 0) != 0;
	in.omit_session_token = json_bool(ctx, "omit_session_token", 0) != 0;

	if (case_sign(&cs, &in, &out))
	{
		char	   *mysreq;

		case_stage(&cs, "creq", out.canonical_request, creq);
		case_stage(&cs, "sts", out.string_to_sign, sts);
		case_stage(&cs, "signature", out.signature, sig);
		case_stage(&cs, "authz", out.authorization, want_authz);
		case_stage(&cs, "added-date", added_get(&out, "X-Amz-Date"), amz_date);
		mysreq = build_signed_request(&req, &out, order, ":", true);
		case_stage(&cs, "sreq", mysreq, sreq);
		free(mysreq);
	}

done:
	case_end(&cs);
	ddb_sigv4_output_free(&out);
	free(hdrs);
	raw_request_free(&req);
	free(akid);
	free(secret);
	free(token);
	free(region);
	free(service);
	free(timestamp);
	free(want_authz);
	free(reqpath);
	free(ctx);
	free(creq);
	free(sts);
	free(sig);
	free(sreq);
	free(dir);
}


/* ----------------------------------------------------------------
 * Directory sets
 * ----------------------------------------------------------------
 */

static void
run_set(const char *vecdir, const char *set, CaseDirTest test,
		void (*run) (const char *, const char *), int expected)
{
	char	   *root = join_path(vecdir, set);
	StrList		cases = {0};
	int			i;
	char		ctx[256];

	if (!is_dir(root))
		fprintf(stderr, "no directory %s\n", root);
	collect_cases(root, "", test, &cases);
	if (cases.n > 1)
		qsort(cases.items, (size_t) cases.n, sizeof(char *), cmp_str);
	for (i = 0; i < cases.n; i++)
		run(root, cases.items[i]);
	snprintf(ctx, sizeof(ctx), "%s: found %d cases, expected %d", set,
			 cases.n, expected);
	if (!CHECK_MSG(cases.n == expected, ctx))
	{
		printf("FAIL %s case-count %d (expected %d)\n", set, cases.n, expected);
		cases_failed++;
	}
	strlist_free(&cases);
	free(root);
}


/* ----------------------------------------------------------------
 * Extra end-to-end vectors (aws-wire-formats.md section 0)
 * ----------------------------------------------------------------
 */

static void
key_hex(const unsigned char key[32], char out[65])
{
	static const char hex[] = "0123456789abcdef";
	int			i;

	for (i = 0; i < 32; i++)
	{
		out[i * 2] = hex[key[i] >> 4];
		out[i * 2 + 1] = hex[key[i] & 15];
	}
	out[64] = '\0';
}

/* 0.1 signing-key known answers */
static void
extra_signing_key(void)
{
	unsigned char key[32];
	char		hex[65];
	CaseState	cs;

	case_begin(&cs, "wire-0.1/signing-key-iam");
	ddb_sigv4_signing_key(SUITE_SECRET, "20150830", "us-east-1", "iam", key);
	key_hex(key, hex);
	case_stage(&cs, "key", hex,
			   "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
	case_end(&cs);

	case_begin(&cs, "wire-0.1/signing-key-service");
	ddb_sigv4_signing_key(SUITE_SECRET, "20150830", "us-east-1", "service", key);
	key_hex(key, hex);
	case_stage(&cs, "key", hex,
			   "938127b5336810ddb6a5d6af445fcac9e371f9ed418ed386b022aed82901be75");
	case_end(&cs);
}

/* 0.2 IAM ListUsers */
static void
extra_iam_listusers(void)
{
	static const DdbHeader hdrs[] = {
		{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
		{"Host", "iam.amazonaws.com"},
		{"X-Amz-Date", "20150830T123600Z"},
	};
	DdbSigv4Input in;
	DdbSigv4Output out;
	CaseState	cs;

	case_begin(&cs, "wire-0.2/iam-listusers");
	memset(&in, 0, sizeof(in));
	in.method = "GET";
	in.path = "/";
	in.query = "Action=ListUsers&Version=2010-05-08";
	in.headers = hdrs;
	in.nheaders = 3;
	in.access_key_id = SUITE_AKID;
	in.secret_access_key = SUITE_SECRET;
	in.region = "us-east-1";
	in.service = "iam";
	in.amz_date = "20150830T123600Z";
	in.normalize_path = true;
	in.double_encode = true;
	if (case_sign(&cs, &in, &out))
	{
		char		hash[65];

		case_stage(&cs, "creq", out.canonical_request,
				   "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
				   "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
				   "host:iam.amazonaws.com\n"
				   "x-amz-date:20150830T123600Z\n\n"
				   "content-type;host;x-amz-date\n"
				   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
		ddb_sha256_hex(out.canonical_request, strlen(out.canonical_request), hash);
		case_stage(&cs, "creq-hash", hash,
				   "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
		case_stage(&cs, "sts", out.string_to_sign,
				   "AWS4-HMAC-SHA256\n20150830T123600Z\n"
				   "20150830/us-east-1/iam/aws4_request\n"
				   "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
		case_stage(&cs, "signature", out.signature,
				   "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
		case_check(&cs, "added", out.nadded == 0, "nothing added");
	}
	case_end(&cs);
	ddb_sigv4_output_free(&out);
}

/* 0.3 STS AssumeRole with a session token, two regions */
static void
extra_sts_assumerole(const char *casename, const char *host,
					 const char *region, const char *want_authz)
{
	static const char body[] =
		"Version=2011-06-15&Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A67895%3Arole%2Ftest_role&RoleSessionName=test_session&DurationSeconds=900";
	DdbHeader	hdrs[3];
	DdbSigv4Input in;
	DdbSigv4Output out;
	CaseState	cs;
	char		amz_date[17];
	char		clen[32];

	case_begin(&cs, casename);
	ddb_aws_format_amz_date((time_t) 0, amz_date);
	case_stage(&cs, "date", amz_date, "19700101T000000Z");
	case_check(&cs, "body", strlen(body) == 139, "body is 139 bytes");
	snprintf(clen, sizeof(clen), "%zu", strlen(body));
	hdrs[0].name = "Content-Length";
	hdrs[0].value = clen;
	hdrs[1].name = "Content-Type";
	hdrs[1].value = "application/x-www-form-urlencoded";
	hdrs[2].name = "Host";
	hdrs[2].value = host;

	memset(&in, 0, sizeof(in));
	in.method = "POST";
	in.path = "/";
	in.headers = hdrs;
	in.nheaders = 3;
	in.payload = body;
	in.payload_len = strlen(body);
	in.access_key_id = "accessKey12345";
	in.secret_access_key = "secretKey12345";
	in.session_token = "sessionToken123456789";
	in.region = region;
	in.service = "sts";
	in.amz_date = amz_date;
	in.normalize_path = true;
	in.double_encode = true;
	if (case_sign(&cs, &in, &out))
	{
		case_stage(&cs, "authz", out.authorization, want_authz);
		case_check(&cs, "added", out.nadded == 2, "two headers added");
		case_stage(&cs, "added-date", added_get(&out, "X-Amz-Date"), "19700101T000000Z");
		case_stage(&cs, "added-token", added_get(&out, "X-Amz-Security-Token"),
				   "sessionToken123456789");
	}
	case_end(&cs);
	ddb_sigv4_output_free(&out);
}

/* 0.4 DynamoDB-flavoured request: odd path, duplicate header, token */
static void
extra_dynamodb(void)
{
	static const char v[] = "some-value=!@#$%^&* (+)";
	static const DdbHeader hdrs[] = {
		{"Host", "dynamodb.us-east-1.amazonaws.com"},
		{"X-Amz-Target", "prefix.Operation"},
		{"Content-Type", "application/x-amz-json-1.0"},
		{"Content-Length", "2"},
		{"X-Amz-Meta-Other-Header", v},
		{"X-Amz-Meta-Other-Header_With_Underscore", v},
		{"X-amz-Meta-Other-Header_With_Underscore", v},
	};
	DdbSigv4Input in;
	DdbSigv4Output out;
	CaseState	cs;

	case_begin(&cs, "wire-0.4/dynamodb-go-v2");
	memset(&in, 0, sizeof(in));
	in.method = "POST";

	/*
	 * The path as Go sends it (URL.Opaque, not encoded); double_encode
	 * encodes it once into the canonical URI quoted in the document.
	 */
	in.path = "/bucket/key-._~,!@#$%^&*()";
	in.headers = hdrs;
	in.nheaders = (int) (sizeof(hdrs) / sizeof(hdrs[0]));
	in.payload = "{}";
	in.payload_len = 2;
	in.access_key_id = "AKID";
	in.secret_access_key = "SECRET";
	in.session_token = "SESSION";
	in.region = "us-east-1";
	in.service = "dynamodb";
	in.amz_date = "19700101T000000Z";
	in.normalize_path = true;
	in.double_encode = true;
	if (case_sign(&cs, &in, &out))
	{
		const char *nl1 = strchr(out.canonical_request, '\n');
		const char *nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL;
		char	   *uri = (nl1 && nl2) ? xstrndup(nl1 + 1, (size_t) (nl2 - nl1 - 1)) : NULL;

		case_stage(&cs, "canonical-uri", uri,
				   "/bucket/key-._~%2C%21%40%23%24%25%5E%26%2A%28%29");
		case_check(&cs, "duplicate-header",
				   strstr(out.canonical_request,
						  "\nx-amz-meta-other-header_with_underscore:some-value=!@#$%^&* (+),some-value=!@#$%^&* (+)\n") != NULL,
				   "duplicate header folded to v,v");
		case_stage(&cs, "authz", out.authorization,
				   "AWS4-HMAC-SHA256 Credential=AKID/19700101/us-east-1/dynamodb/aws4_request, "
				   "SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-meta-other-header;"
				   "x-amz-meta-other-header_with_underscore;x-amz-security-token;x-amz-target, "
				   "Signature=a518299330494908a70222cec6899f6f32f297f8595f6df1776d998936652ad9");
		free(uri);
	}
	case_end(&cs);
	ddb_sigv4_output_free(&out);
}


/* ----------------------------------------------------------------
 * Edge cases and bad input
 * ----------------------------------------------------------------
 */

/* A valid baseline request the edge cases modify. */
static const DdbHeader base_hdrs[] = {
	{"Host", "example.amazonaws.com"},
};

static void
base_input(DdbSigv4Input *in)
{
	memset(in, 0, sizeof(*in));
	in->method = "GET";
	in->path = "/";
	in->headers = base_hdrs;
	in->nheaders = 1;
	in->access_key_id = SUITE_AKID;
	in->secret_access_key = SUITE_SECRET;
	in->region = SUITE_REGION;
	in->service = SUITE_SERVICE;
	in->amz_date = SUITE_AMZ_DATE;
	in->normalize_path = true;
	in->double_encode = true;
}

/* Line n (0-based) of the canonical request, malloc'd. */
static char *
creq_line(const char *creq, int n)
{
	const char *p = creq;
	const char *e;

	while (n-- > 0 && p)
	{
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (p == NULL)
		return NULL;
	e = strchr(p, '\n');
	return e ? xstrndup(p, (size_t) (e - p)) : xstrdup(p);
}

/* Signs 'in' and compares line 'line' of the canonical request. */
static void
expect_creq_line(const char *casename, const DdbSigv4Input *in, int line,
				 const char *want)
{
	DdbSigv4Output out;
	CaseState	cs;

	case_begin(&cs, casename);
	if (case_sign(&cs, in, &out))
	{
		char	   *got = creq_line(out.canonical_request, line);

		case_stage(&cs, "creq-line", got, want);
		free(got);
	}
	case_end(&cs);
	ddb_sigv4_output_free(&out);
}

/* Expects DDB_AWS_ERR_INVALID, an empty output and no secret in the message. */
static void
expect_invalid(const char *casename, const DdbSigv4Input *in)
{
	DdbSigv4Output out;
	DdbAwsError err;
	CaseState	cs;
	bool		ok;

	case_begin(&cs, casename);
	memset(&out, 0x5a, sizeof(out));	/* the signer must reset it */
	ddb_aws_error_clear(&err);
	ok = ddb_sigv4_sign(in, &out, &err);
	case_check(&cs, "reject", !ok, "ddb_sigv4_sign() fails");
	case_check(&cs, "kind", err.kind == DDB_AWS_ERR_INVALID, "error kind is INVALID");
	case_check(&cs, "message", err.message[0] != '\0', "error message set");
	case_check(&cs, "no-secret", strstr(err.message, SUITE_SECRET) == NULL &&
			   strstr(err.message, "TOKEN-SECRET") == NULL,
			   "error message holds no secret");
	case_check(&cs, "empty", out.canonical_request == NULL &&
			   out.string_to_sign == NULL && out.authorization == NULL &&
			   out.nadded == 0, "output empty");
	if (ok || err.kind != DDB_AWS_ERR_INVALID)
		fprintf(stderr, "  %s: message: %s\n", casename, err.message);
	case_end(&cs);
	ddb_sigv4_output_free(&out);
}

/* expect_invalid() for the baseline request plus one header. */
static void
expect_invalid_header(const char *casename, const char *name, const char *value)
{
	DdbSigv4Input in;
	DdbHeader	h[2];

	base_input(&in);
	h[0] = base_hdrs[0];
	h[1].name = name;
	h[1].value = value;
	in.headers = h;
	in.nheaders = 2;
	expect_invalid(casename, &in);
}

static void
edge_cases(void)
{
	DdbSigv4Input in;
	DdbHeader	h[4];

	/* ---- canonical URI ---- */
	base_input(&in);
	in.path = "/a%2fb/c d/%zz";
	expect_creq_line("edge/path-double-encode", &in, 1, "/a%252fb/c%20d/%25zz");
	in.double_encode = false;
	expect_creq_line("edge/path-single-encode", &in, 1, "/a%2Fb/c%20d/%25zz");
	base_input(&in);
	in.path = "/a/b/../c/./d/";
	expect_creq_line("edge/path-normalize-trailing-slash", &in, 1, "/a/c/d/");
	in.path = "/../a";
	expect_creq_line("edge/path-normalize-above-root", &in, 1, "/a");
	in.path = "/a/b/..";
	expect_creq_line("edge/path-normalize-final-dotdot", &in, 1, "/a");
	in.path = "";
	expect_creq_line("edge/path-empty", &in, 1, "/");
	in.path = "//a//b";
	in.normalize_path = false;
	expect_creq_line("edge/path-unnormalized-slashes", &in, 1, "//a//b");

	/* ---- canonical query ---- */
	base_input(&in);
	in.query = "b=2&a=1&&a=0&c";
	expect_creq_line("edge/query-sort-empty-novalue", &in, 2, "a=0&a=1&b=2&c=");
	in.query = "x=a+b%20c&k=%zz&u=%e1%88%b4&=v";
	expect_creq_line("edge/query-plus-badescape-lowerhex", &in, 2,
					 "=v&k=%25zz&u=%E1%88%B4&x=a%2Bb%20c");
	in.query = "";
	expect_creq_line("edge/query-empty", &in, 2, "");

	/* ---- header values ---- */
	base_input(&in);
	h[0] = base_hdrs[0];
	h[1].name = "X-A";
	h[1].value = "  a \t  b  ";
	h[2].name = "X-B";
	h[2].value = "";
	h[3].name = "X-C";
	h[3].value = "one\r\n\ttwo";
	in.headers = h;
	in.nheaders = 4;
	expect_creq_line("edge/header-trim-tab", &in, 4, "x-a:a b");
	/* lines: 3 host, 4 x-a, 5 x-amz-date, 6 x-b, 7 x-c */
	expect_creq_line("edge/header-empty-value", &in, 6, "x-b:");
	expect_creq_line("edge/header-crlf-fold", &in, 7, "x-c:one two");

	/* ---- added headers ---- */
	{
		DdbSigv4Output out;
		CaseState	cs;

		base_input(&in);
		in.session_token = "tok";
		in.sign_body_header = true;
		in.payload = "hello";
		in.payload_len = 5;
		case_begin(&cs, "edge/added-order-and-values");
		if (case_sign(&cs, &in, &out))
		{
			case_check(&cs, "nadded", out.nadded == 3, "three headers added");
			case_stage(&cs, "added0", out.nadded > 0 ? out.added[0].name : NULL, "X-Amz-Date");
			case_stage(&cs, "added1", out.nadded > 1 ? out.added[1].name : NULL, "X-Amz-Security-Token");
			case_stage(&cs, "added2", out.nadded > 2 ? out.added[2].name : NULL, "x-amz-content-sha256");
			case_stage(&cs, "sha", added_get(&out, "x-amz-content-sha256"),
					   "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
			case_check(&cs, "signed-list",
					   strstr(out.authorization,
							  "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,") != NULL,
					   "all three signed");
		}
		case_end(&cs);
		ddb_sigv4_output_free(&out);
		ddb_sigv4_output_free(&out);	/* freeing twice is harmless */

		base_input(&in);
		in.session_token = "";
		case_begin(&cs, "edge/empty-token-is-none");
		if (case_sign(&cs, &in, &out))
			case_check(&cs, "nadded", out.nadded == 1, "only X-Amz-Date added");
		case_end(&cs);
		ddb_sigv4_output_free(&out);
	}

	/* ---- bad input ---- */
	expect_invalid("bad/null-input", NULL);

	base_input(&in);
	in.method = NULL;
	expect_invalid("bad/method-null", &in);
	in.method = "";
	expect_invalid("bad/method-empty", &in);
	in.method = "GE T";
	expect_invalid("bad/method-space", &in);

	base_input(&in);
	in.path = NULL;
	expect_invalid("bad/path-null", &in);
	in.path = "relative";
	expect_invalid("bad/path-relative", &in);
	in.path = "/a\nb";
	expect_invalid("bad/path-newline", &in);

	base_input(&in);
	in.query = "a=1\r\nX: y";
	expect_invalid("bad/query-crlf", &in);

	base_input(&in);
	in.headers = NULL;
	expect_invalid("bad/headers-null", &in);
	in.headers = base_hdrs;
	in.nheaders = -1;
	expect_invalid("bad/nheaders-negative", &in);

	base_input(&in);
	in.payload = NULL;
	in.payload_len = 5;
	expect_invalid("bad/payload-null", &in);

	base_input(&in);
	in.access_key_id = NULL;
	expect_invalid("bad/akid-null", &in);
	in.access_key_id = "";
	expect_invalid("bad/akid-empty", &in);
	in.access_key_id = "AK/ID";
	expect_invalid("bad/akid-slash", &in);

	base_input(&in);
	in.secret_access_key = NULL;
	expect_invalid("bad/secret-null", &in);
	in.secret_access_key = "";
	expect_invalid("bad/secret-empty", &in);

	base_input(&in);
	in.region = "";
	expect_invalid("bad/region-empty", &in);
	in.region = "us east";
	expect_invalid("bad/region-space", &in);
	base_input(&in);
	in.service = NULL;
	expect_invalid("bad/service-null", &in);

	base_input(&in);
	in.amz_date = NULL;
	expect_invalid("bad/date-null", &in);
	in.amz_date = "2015-08-30T12:36:00Z";
	expect_invalid("bad/date-iso", &in);
	in.amz_date = "20150830T123600";
	expect_invalid("bad/date-short", &in);

	base_input(&in);
	in.session_token = "TOKEN-SECRET\n";
	expect_invalid("bad/token-newline", &in);

	/* one extra header next to Host */
	expect_invalid_header("bad/header-value-bare-lf", "X-A", "TOKEN-SECRET\nInjected: yes");
	expect_invalid_header("bad/header-value-bare-cr", "X-A", "a\r b");
	expect_invalid_header("bad/header-value-trailing-crlf", "X-A", "a\r\n");
	expect_invalid_header("bad/header-value-trailing-lf", "X-A", "a\n");
	expect_invalid_header("bad/header-value-ctl", "X-A", "a\001b");
	expect_invalid_header("bad/header-value-null", "X-A", NULL);
	expect_invalid_header("bad/header-name-empty", "", "v");
	expect_invalid_header("bad/header-name-null", NULL, "v");
	expect_invalid_header("bad/header-name-space", "Bad Name", "v");
	expect_invalid_header("bad/header-name-colon", "X-A:", "v");
	expect_invalid_header("bad/header-name-crlf", "X-A\r\nX-B", "v");
	expect_invalid_header("bad/header-authorization", "Authorization", "v");
	expect_invalid_header("bad/header-date-mismatch", "X-Amz-Date", "20150830T123601Z");

	base_input(&in);
	h[0] = base_hdrs[0];
	h[1].name = "X-Amz-Date";
	h[1].value = SUITE_AMZ_DATE;
	h[2].name = "x-amz-date";
	h[2].value = SUITE_AMZ_DATE;
	in.headers = h;
	in.nheaders = 3;
	expect_invalid("bad/header-date-repeated", &in);

	base_input(&in);
	h[0] = base_hdrs[0];
	h[1].name = "X-Amz-Security-Token";
	h[1].value = "TOKEN-SECRET";
	in.headers = h;
	in.nheaders = 2;
	in.session_token = "TOKEN-SECRET";
	expect_invalid("bad/token-twice", &in);

	base_input(&in);
	h[0] = base_hdrs[0];
	h[1].name = "X-Amz-Content-Sha256";
	h[1].value = "UNSIGNED-PAYLOAD";
	in.headers = h;
	in.nheaders = 2;
	in.sign_body_header = true;
	expect_invalid("bad/content-sha-twice", &in);

	base_input(&in);
	h[0].name = "X-A";
	h[0].value = "v";
	in.headers = h;
	in.nheaders = 1;
	expect_invalid("bad/no-host", &in);
}


int
main(int argc, char **argv)
{
	int			rc;

	if (argc != 2)
	{
		fprintf(stderr, "usage: %s VECTOR_DIR\n", argv[0]);
		return 2;
	}

	run_set(argv[1], "aws4_testsuite", is_suite_case, run_suite_case,
			SUITE_EXPECTED_CASES);
	run_set(argv[1], "aws-c-auth-v4", is_crt_case, run_crt_case,
			CRT_EXPECTED_CASES);

	extra_signing_key();
	extra_iam_listusers();
	extra_sts_assumerole("wire-0.3/sts-assumerole-us-east-1",
						 "sts.amazonaws.com", "us-east-1",
						 "AWS4-HMAC-SHA256 Credential=accessKey12345/19700101/us-east-1/sts/aws4_request, "
						 "SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token, "
						 "Signature=06e941853a2cc010ed8ac7072754e0089be8aae59e319924fb0105b20dda77cd");
	extra_sts_assumerole("wire-0.3/sts-assumerole-us-west-2",
						 "sts.us-west-2.amazonaws.com", "us-west-2",
						 "AWS4-HMAC-SHA256 Credential=accessKey12345/19700101/us-west-2/sts/aws4_request, "
						 "SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token, "
						 "Signature=a4a164e00acb40795ea491092dfcfbbfcda817b6b0bb5d06d328f535ec163ac6");
	extra_dynamodb();
	edge_cases();

	printf("%d cases, %d failed\n", cases_run, cases_failed);
	rc = unit_report("test_sigv4");
	return (rc != 0 || cases_failed != 0) ? 1 : 0;
}
