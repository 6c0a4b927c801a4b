/*-------------------------------------------------------------------------
 *
 * mock.c
 *		The unit tests' scripted HTTP transport, environment and clock.
 *
 * See mock.h.  Shared by every test program (the Makefile links each one
 * with every helper in test/unit), so that a test about credentials, STS,
 * retries or writes scripts its network the same way.
 *
 * IDENTIFICATION
 *		test/unit/mock.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mock.h"
#include "unit.h"

/* Wipes and frees a string the mocks copied: it may be a secret. */
static void
wipe_free(char *s)
{
	if (s != NULL)
		ddb_wipe(s, strlen(s));
	free(s);
}

static const char *
mock_name(const Mock *m)
{
	return m->name ? m->name : "http";
}

/* ----------------------------------------------------------------
 * The transport
 * ----------------------------------------------------------------
 */
static void
record(Mock *m, const char *method, const char *url, const DdbHeader *headers,
	   int nheaders, const void *body, size_t body_len,
	   const DdbHttpResponse *resp)
{
	MockRequest *q = &m->req[m->nreq];
	int			i;

	q->method = xstrdup(method);
	q->url = xstrdup(url);
	for (i = 0; i < nheaders && i < MOCK_MAX_HEADERS; i++)
	{
		q->names[i] = xstrdup(headers[i].name);
		q->values[i] = xstrdup(headers[i].value);
	}
	q->nheaders = i;
	q->body = xmalloc(body_len + 1);
	if (body_len > 0)
		memcpy(q->body, body, body_len);
	q->body[body_len] = '\0';
	q->body_len = body_len;
	q->max_bytes = resp->max_bytes;
	q->no_proxy = resp->no_proxy;
	q->secret = resp->body.secret;
}

bool
mock_transport(void *arg, const char *method, const char *url,
			   const DdbHeader *headers, int nheaders, const void *body,
			   size_t body_len, DdbHttpResponse *resp, DdbAwsError *err)
{
	Mock	   *m = arg;
	const MockReply *r;

	if (m->nreq < MOCK_MAX_REQUESTS)
		record(m, method, url, headers, nheaders, body, body_len, resp);
	m->nreq++;
	if (m->next < m->nscript)
		r = &m->script[m->next++];
	else if (m->repeat && m->nscript > 0)
		r = &m->script[m->nscript - 1];
	else
	{
		m->unscripted++;
		ddb_aws_error_set(err, DDB_AWS_ERR_CONNECT, "mock %s: unscripted request",
						  mock_name(m));
		return false;
	}
	if (r->fail != DDB_AWS_OK)
	{
		ddb_aws_error_set(err, r->fail, "mock %s: %s", mock_name(m),
						  r->fail == DDB_AWS_ERR_CONNECT ? "connection refused" :
						  r->fail == DDB_AWS_ERR_TRANSPORT ? "connection reset by peer" :
						  ddb_aws_error_kind_name(r->fail));
		return false;
	}
	resp->status = r->status;
	/* like curl: an empty body never touches the buffer */
	if (r->body && r->body[0])
		ddb_buf_append_str(&resp->body, r->body);
	if (r->request_id)
		snprintf(resp->request_id, sizeof(resp->request_id), "%s", r->request_id);
	resp->has_crc32 = r->crc != MOCK_CRC_NONE;
	if (resp->has_crc32)
		resp->crc32 = ddb_crc32(0, r->body ? r->body : "", r->body ? strlen(r->body) : 0) +
			(r->crc == MOCK_CRC_BAD ? 1 : 0);
	return true;
}

/* ----------------------------------------------------------------
 * Scripting
 * ----------------------------------------------------------------
 */
static MockReply *
add_reply(Mock *m)
{
	MockReply  *r;

	if (m->nscript == MOCK_MAX_SCRIPT)
	{
		fprintf(stderr, "mock %s: script full\n", mock_name(m));
		exit(2);
	}
	r = &m->script[m->nscript++];
	memset(r, 0, sizeof(*r));
	return r;
}

void
mock_reply_full(Mock *m, long status, const char *body, const char *request_id,
				MockCrc crc)
{
	MockReply  *r = add_reply(m);

	r->status = status;
	r->body = body ? xstrdup(body) : NULL;
	r->request_id = request_id ? xstrdup(request_id) : NULL;
	r->crc = crc;
}

void
mock_reply(Mock *m, long status, const char *body)
{
	mock_reply_full(m, status, body, NULL, MOCK_CRC_NONE);
}

/* Same, taking over a malloc'd body. */
void
mock_reply_owned(Mock *m, long status, char *body)
{
	MockReply  *r = add_reply(m);

	r->status = status;
	r->body = body;
}

void
mock_fail(Mock *m, DdbAwsErrorKind kind)
{
	add_reply(m)->fail = kind;
}

void
mock_answer(Mock *m, long status, const char *body, const char *request_id)
{
	mock_reply_full(m, status, body, request_id, MOCK_CRC_NONE);
	m->next = m->nscript - 1;
	m->repeat = true;
}

void
mock_reset(Mock *m)
{
	int			i;
	int			k;

	for (i = 0; i < m->nscript; i++)
	{
		wipe_free(m->script[i].body);
		wipe_free(m->script[i].request_id);
	}
	for (i = 0; i < m->nreq && i < MOCK_MAX_REQUESTS; i++)
	{
		MockRequest *q = &m->req[i];

		free(q->method);
		wipe_free(q->url);
		ddb_wipe(q->body, q->body_len);
		free(q->body);
		for (k = 0; k < q->nheaders; k++)
		{
			free(q->names[k]);
			wipe_free(q->values[k]);
		}
	}
	memset(m->script, 0, sizeof(m->script));
	memset(m->req, 0, sizeof(m->req));
	m->nscript = m->next = m->nreq = m->unscripted = 0;
}

void
mock_done(const Mock *m, int line)
{
	char		ctx[128];

	snprintf(ctx, sizeof(ctx), "mock %s at line %d: %d of %d replies used, %d unscripted",
			 mock_name(m), line, m->next, m->nscript, m->unscripted);
	CHECK_MSG(m->next == m->nscript && m->unscripted == 0, ctx);
}

/* ----------------------------------------------------------------
 * Records
 * ----------------------------------------------------------------
 */
const MockRequest *
mock_request(const Mock *m, int i)
{
	int			n = m->nreq < MOCK_MAX_REQUESTS ? m->nreq : MOCK_MAX_REQUESTS;

	if (i < 0)
		i = n - 1;
	return i >= 0 && i < n ? &m->req[i] : NULL;
}

const char *
mock_url(const Mock *m, int i)
{
	const MockRequest *q = mock_request(m, i);

	return q ? q->url : NULL;
}

const char *
mock_method(const Mock *m, int i)
{
	const MockRequest *q = mock_request(m, i);

	return q ? q->method : NULL;
}

const char *
mock_body(const Mock *m, int i)
{
	const MockRequest *q = mock_request(m, i);

	return q ? q->body : NULL;
}

const char *
mock_header(const Mock *m, int i, const char *name)
{
	const MockRequest *q = mock_request(m, i);
	const char *found = NULL;
	int			k;

	for (k = 0; q && k < q->nheaders; k++)
		if (strcasecmp(q->names[k], name) == 0)
			found = found ? "DUP" : q->values[k];
	return found;
}

void
unit_network_init(void)
{
	static const char *const proxies[] = {
		"http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"
	};
	DdbAwsError err;
	size_t		i;

	if (!ddb_http_global_init(&err))
	{
		fprintf(stderr, "%s\n", err.message);
		exit(2);
	}
	/* no proxy of the machine may come between us and the loopback server */
	for (i = 0; i < sizeof(proxies) / sizeof(proxies[0]); i++)
		unsetenv(proxies[i]);
}

DdbHttpClient *
unit_client(const DdbHttpConfig *cfg)
{
	DdbAwsError err;
	DdbHttpClient *client = ddb_http_client_create(cfg, &err);

	if (client == NULL)
	{
		fprintf(stderr, "could not create an HTTP client: %s\n", err.message);
		exit(2);
	}
	return client;
}

DdbHttpClient *
mock_client(Mock *m, const DdbHttpConfig *cfg)
{
	DdbHttpConfig c;

	if (cfg)
		c = *cfg;
	else
		memset(&c, 0, sizeof(c));
	c.transport = mock_transport;
	c.transport_arg = m;
	return unit_client(&c);
}

/* ----------------------------------------------------------------
 * Environment and clock
 * ----------------------------------------------------------------
 */
#define MAX_ENV 32

static const char *env_names[MAX_ENV];
static char *env_values[MAX_ENV];
static int	env_count;

time_t		mock_now = UNIT_T0;

void
mock_env_set(const char *name, const char *value)
{
	int			i;

	for (i = 0; i < env_count; i++)
	{
		if (strcmp(env_names[i], name) == 0)
		{
			wipe_free(env_values[i]);
			env_count--;
			env_names[i] = env_names[env_count];
			env_values[i] = env_values[env_count];
			break;
		}
	}
	if (value == NULL)
		return;
	if (env_count == MAX_ENV)
	{
		fprintf(stderr, "mock environment full\n");
		exit(2);
	}
	env_names[env_count] = name;
	env_values[env_count++] = xstrdup(value);
}

void
mock_env_clear(void)
{
	while (env_count > 0)
		mock_env_set(env_names[0], NULL);
}

void
mock_env_use(const char *const *pairs)
{
	int			i;

	mock_env_clear();
	for (i = 0; pairs && pairs[i]; i += 2)
		mock_env_set(pairs[i], pairs[i + 1]);
}

const char *
mock_getenv(const char *name)
{
	int			i;

	for (i = 0; i < env_count; i++)
		if (strcmp(env_names[i], name) == 0)
			return env_values[i];
	return NULL;
}

time_t
mock_clock(void)
{
	return mock_now;
}
