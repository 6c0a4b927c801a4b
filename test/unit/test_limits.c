/*-------------------------------------------------------------------------
 *
 * test_limits.c
 *		Tests of the response caps, of the release of large body buffers and
 *		of the no-proxy rule for metadata requests (src/aws/http.c,
 *		credentials.c, sts.c), with libcurl against the loopback server.
 *
 * Caps: a DynamoDB answer may be DDB_HTTP_MAX_SERVICE_RESPONSE bytes and
 * not one more, an STS, IMDS or container answer
 * DDB_HTTP_MAX_CONTROL_RESPONSE bytes whatever the client allows; the
 * excess is DDB_AWS_ERR_TOO_LARGE and never retried, with or without a
 * Content-Length.  Proxy: with http_proxy pointing at a second loopback
 * server, an ordinary request goes there (so the test can fail), metadata
 * requests never do.
 *
 * IDENTIFICATION
 *		test/unit/test_limits.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credentials.h"
#include "dynamodb.h"
#include "http.h"
#include "server.h"
#include "sts.h"
#include "mock.h"
#include "unit.h"

UNIT_DEFINE_COUNTERS;

/* a fixed "now": 2023-11-14T22:13:20Z, credentials expire an hour later */
#define T0_PLUS_1H UNIT_T0_PLUS_1H

static Server srv;				/* DynamoDB, STS, IMDS or the container host */
static Server proxy;			/* an HTTP proxy, for the proxy tests */
static char base_url[64];

static const DdbAwsCredentials test_creds = {
	"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL, 0
};

/* Retries without waiting: they are counted, not timed. */
static bool
no_sleep(void *arg, long ms)
{
	(void) arg;
	(void) ms;
	return true;
}

static DdbHttpClient *
new_client(size_t max_bytes, int max_retries, bool no_proxy)
{
	DdbHttpConfig cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.connect_timeout_ms = 5000;
	cfg.request_timeout_ms = getenv("UNIT_VALGRIND") ? 120000 : 20000;
	cfg.max_response_bytes = max_bytes;
	cfg.max_retries = max_retries;
	cfg.retry_base_ms = 1;
	cfg.retry_cap_ms = 1;
	cfg.sleep_hook = no_sleep;
	cfg.no_proxy = no_proxy;
	cfg.user_agent = "ddb_fdw-test/1.0";
	return unit_client(&cfg);
}

/*
 * A malloc'd body of len + 1 bytes: text, then pad up to len + 1.  Sent
 * with body_len len it is exactly text padded to len; with len + 1, one
 * byte more of the same padding (JSON and XML both allow trailing blanks,
 * so the longer one is just as valid).
 */
static char *
padded(const char *text, char pad, size_t len)
{
	char	   *p = xmalloc(len + 1);
	size_t		n = strlen(text);

	memset(p, pad, len + 1);
	memcpy(p, text, n);
	return p;
}

/* Queues the same answer n times (enough for every retry there could be). */
static void
push_n(const char *body, size_t len, bool no_length, int n)
{
	Script		sc = {0};

	sc.body = body;
	sc.body_len = len;
	sc.no_length = no_length;
	while (n-- > 0)
		server_push(&srv, &sc);
}

/* ----------------------------------------------------------------
 * DynamoDB: 64 MiB
 * ----------------------------------------------------------------
 */
static void
test_service_cap(void)
{
	const size_t cap = DDB_HTTP_MAX_SERVICE_RESPONSE;
	DdbHttpClient *c = new_client(0, 3, false);	/* 0: the default cap */
	DdbAwsService svc;
	DdbHttpResponse resp;
	DdbAwsError err;
	char	   *big = xmalloc(cap + 1);
	unsigned long retries;
	bool		ok;

	/* {"a":"xxx...x"} of exactly cap bytes, then one blank */
	memset(big, 'x', cap + 1);
	memcpy(big, "{\"a\":\"", 6);
	big[cap - 2] = '"';
	big[cap - 1] = '}';
	big[cap] = ' ';
	if (!ddb_aws_service_init(&svc, c, base_url, "us-east-1", "dynamodb", &err))
	{
		fprintf(stderr, "service: %s\n", err.message);
		exit(2);
	}
	svc.clock = mock_clock;
	ddb_http_response_init(&resp);

	/* exactly the cap: fine, and the buffer is not twice its size */
	server_reset(&srv);
	push_n(big, cap, false, 1);
	ok = ddb_dynamodb_call(&svc, &test_creds, "GetItem", "{}", 2, &resp, &err);
	CHECK_MSG(ok, err.message);
	CHECK(resp.body.len == cap);
	CHECK(resp.body.cap == cap + 1);
	CHECK(server_nseen(&srv) == 1);

	/* one byte more, with a Content-Length: refused, not retried, freed */
	server_reset(&srv);
	push_n(big, cap + 1, false, 4);
	retries = ddb_http_client_retries(c);
	ok = ddb_dynamodb_call(&svc, &test_creds, "GetItem", "{}", 2, &resp, &err);
	CHECK(!ok);
	CHECK_MSG(err.kind == DDB_AWS_ERR_TOO_LARGE, err.message);
	CHECK(strstr(err.message, "67108864") != NULL);
	CHECK(!ddb_aws_error_retryable(&err));
	CHECK(server_nseen(&srv) == 1);
	CHECK(ddb_http_client_retries(c) == retries);
	CHECK(resp.body.data == NULL && resp.body.cap == 0);

	/* without a Content-Length (read until close): the same */
	server_reset(&srv);
	push_n(big, cap + 1, true, 4);
	ok = ddb_dynamodb_call(&svc, &test_creds, "GetItem", "{}", 2, &resp, &err);
	CHECK(!ok);
	CHECK_MSG(err.kind == DDB_AWS_ERR_TOO_LARGE, err.message);
	CHECK(server_nseen(&srv) == 1);
	CHECK(ddb_http_client_retries(c) == retries);
	CHECK(resp.body.data == NULL);

	/* exactly the cap without a Content-Length: fine too */
	server_reset(&srv);
	push_n(big, cap, true, 1);
	ok = ddb_dynamodb_call(&svc, &test_creds, "GetItem", "{}", 2, &resp, &err);
	CHECK_MSG(ok, err.message);
	CHECK(resp.body.len == cap);
	CHECK(resp.body.cap == cap + 1);

	/* a client configured lower: its own cap holds */
	ddb_http_response_free(&resp);
	ddb_aws_service_free(&svc);
	ddb_http_client_destroy(c);
	c = new_client(1000, 3, false);
	ddb_aws_service_init(&svc, c, base_url, "us-east-1", "dynamodb", &err);
	svc.clock = mock_clock;
	server_reset(&srv);
	push_n(big, 1001, true, 4);
	CHECK(!ddb_dynamodb_call(&svc, &test_creds, "GetItem", "{}", 2, &resp, &err));
	CHECK(err.kind == DDB_AWS_ERR_TOO_LARGE && server_nseen(&srv) == 1);

	ddb_http_response_free(&resp);
	ddb_aws_service_free(&svc);
	ddb_http_client_destroy(c);
	server_reset(&srv);
	free(big);
}

/* ----------------------------------------------------------------
 * Large body buffers are not kept
 * ----------------------------------------------------------------
 */
static bool
get(DdbHttpClient *c, DdbHttpResponse *resp, const char *body, size_t len)
{
	DdbAwsError err;
	bool		ok;

	push_n(body, len, false, 1);
	ok = ddb_http_request(c, "GET", base_url, NULL, 0, NULL, 0, resp, &err);
	if (!ok)
		fprintf(stderr, "  request failed: %s\n", err.message);
	return ok;
}

static void
test_buffer_release(void)
{
	const size_t big_len = 16 * 1024 * 1024;
	DdbHttpClient *c = new_client(0, 0, false);
	DdbHttpResponse resp;
	char	   *big = padded("", 'b', big_len);
	size_t		kept;

	server_reset(&srv);
	ddb_http_response_init(&resp);

	/* a BatchGetItem-sized answer, then a small one: the 16 MB go */
	CHECK(get(c, &resp, big, big_len));
	CHECK(resp.body.len == big_len && resp.body.cap > DDB_HTTP_KEEP_BUFFER_BYTES);
	CHECK(get(c, &resp, "{\"n\":1}", 7));
	CHECK_STR(resp.body.data, "{\"n\":1}");
	CHECK(resp.body.cap <= DDB_HTTP_KEEP_BUFFER_BYTES);

	/* an ordinary 1 MB page keeps its buffer for the next page */
	CHECK(get(c, &resp, big, 1024 * 1024));
	kept = resp.body.cap;
	CHECK(kept >= 1024 * 1024 && kept <= DDB_HTTP_KEEP_BUFFER_BYTES);
	CHECK(get(c, &resp, "{}", 2));
	CHECK(resp.body.cap == kept);

	/* just past the threshold: freed at the next request */
	CHECK(get(c, &resp, big, DDB_HTTP_KEEP_BUFFER_BYTES));
	CHECK(resp.body.cap > DDB_HTTP_KEEP_BUFFER_BYTES);
	CHECK(get(c, &resp, "{}", 2));
	CHECK(resp.body.cap <= DDB_HTTP_KEEP_BUFFER_BYTES);

	/* ddb_http_response_release: a large body goes, a small one stays */
	CHECK(get(c, &resp, big, big_len));
	ddb_http_response_release(&resp);
	CHECK(resp.body.data == NULL && resp.body.cap == 0 && resp.body.len == 0);
	CHECK(get(c, &resp, "{}", 2));
	kept = resp.body.cap;
	ddb_http_response_release(&resp);
	CHECK(resp.body.cap == kept && kept > 0);
	CHECK_STR(resp.body.data, "{}");

	ddb_http_response_free(&resp);
	ddb_http_client_destroy(c);
	server_reset(&srv);
	free(big);
}

/* ----------------------------------------------------------------
 * STS, IMDS and the container endpoint: 1 MiB
 * ----------------------------------------------------------------
 */
static const char sts_xml[] =
"<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
"<AssumeRoleResult><Credentials>"
"<AccessKeyId>ASIASTS</AccessKeyId>"
"<SecretAccessKey>sts-secret</SecretAccessKey>"
"<SessionToken>sts-token</SessionToken>"
"<Expiration>" T0_PLUS_1H "</Expiration>"
"</Credentials></AssumeRoleResult></AssumeRoleResponse>";

static const char creds_json[] =
"{\"Code\":\"Success\",\"AccessKeyId\":\"ASIAMETA\",\"SecretAccessKey\":\"m-secret\","
"\"Token\":\"m-token\",\"Expiration\":\"" T0_PLUS_1H "\"}";

/* Resolves credentials from one ambient source with meta as its client. */
static bool
resolve(unsigned source, DdbHttpClient *meta, DdbAwsError *err,
		char *akid, size_t akid_len)
{
	DdbCredHost host;
	DdbCredConfig cfg;
	DdbCredState st;
	const DdbAwsCredentials *out;
	bool		ok;

	memset(&host, 0, sizeof(host));
	memset(&cfg, 0, sizeof(cfg));
	memset(&st, 0, sizeof(st));
	host.getenv_fn = mock_getenv;
	host.clock = mock_clock;
	host.metadata_http = meta;
	cfg.ambient = source;
	cfg.region = "us-east-1";
	ddb_aws_error_clear(err);
	ok = ddb_credentials_get(&st, &cfg, &host, &out, err);
	akid[0] = '\0';
	if (ok)
		snprintf(akid, akid_len, "%s", out->access_key_id);
	ddb_cred_state_clear(&st);
	return ok;
}

static void
test_sts_cap(DdbHttpClient *c)
{
	const size_t cap = DDB_HTTP_MAX_CONTROL_RESPONSE;
	char	   *xml = padded(sts_xml, ' ', cap);
	DdbAwsService svc;
	DdbAssumeRole req;
	DdbAwsCredentials out;
	DdbAwsError err;

	ddb_aws_service_init(&svc, c, base_url, "us-east-1", "sts", &err);
	svc.clock = mock_clock;
	memset(&req, 0, sizeof(req));
	req.role_arn = "arn:aws:iam::123456789012:role/r";
	req.session_name = "s";

	server_reset(&srv);
	push_n(xml, cap, false, 1);
	CHECK_MSG(ddb_sts_assume_role(&svc, &test_creds, &req, &out, &err), err.message);
	CHECK_STR(out.access_key_id, "ASIASTS");
	ddb_aws_credentials_clear(&out);

	/* the client allows 64 MiB; STS still gets 1 MiB, and no retry */
	server_reset(&srv);
	push_n(xml, cap + 1, false, 4);
	CHECK(!ddb_sts_assume_role(&svc, &test_creds, &req, &out, &err));
	CHECK_MSG(err.kind == DDB_AWS_ERR_TOO_LARGE, err.message);
	CHECK(out.access_key_id == NULL);
	CHECK(server_nseen(&srv) == 1);
	server_reset(&srv);
	push_n(xml, cap + 1, true, 4);
	CHECK(!ddb_sts_assume_role(&svc, &test_creds, &req, &out, &err));
	CHECK_MSG(err.kind == DDB_AWS_ERR_TOO_LARGE, err.message);
	CHECK(server_nseen(&srv) == 1);

	ddb_aws_service_free(&svc);
	server_reset(&srv);
	free(xml);
}

static void
test_imds_cap(DdbHttpClient *c)
{
	const size_t cap = DDB_HTTP_MAX_CONTROL_RESPONSE;
	const char *env[] = {"AWS_EC2_METADATA_SERVICE_ENDPOINT", base_url, NULL};
	char	   *json = padded(creds_json, ' ', cap);
	char	   *junk = padded("", 't', cap);
	DdbAwsError err;
	char		akid[64];

	mock_env_use(env);
	/* token, role, credentials of exactly 1 MiB */
	server_reset(&srv);
	push_n("IMDS-TOKEN", 0, false, 1);
	push_n("ec2-role\n", 0, false, 1);
	push_n(json, cap, false, 1);
	CHECK_MSG(resolve(DDB_AMBIENT_IMDS, c, &err, akid, sizeof(akid)), err.message);
	CHECK_STR(akid, "ASIAMETA");
	CHECK(server_nseen(&srv) == 3);

	/* credentials one byte larger (read until close) */
	server_reset(&srv);
	push_n("IMDS-TOKEN", 0, false, 1);
	push_n("ec2-role\n", 0, false, 1);
	push_n(json, cap + 1, true, 1);
	CHECK(!resolve(DDB_AMBIENT_IMDS, c, &err, akid, sizeof(akid)));
	CHECK_MSG(err.kind == DDB_AWS_ERR_TOO_LARGE, err.message);
	CHECK(server_nseen(&srv) == 3);

	/* an oversized token stops at the first request */
	server_reset(&srv);
	push_n(junk, cap + 1, false, 1);
	CHECK(!resolve(DDB_AMBIENT_IMDS, c, &err, akid, sizeof(akid)));
	CHECK_MSG(err.kind == DDB_AWS_ERR_TOO_LARGE, err.message);
	CHECK(server_nseen(&srv) == 1);

	mock_env_clear();
	server_reset(&srv);
	free(json);
	free(junk);
}

static void
test_container_cap(DdbHttpClient *c)
{
	const size_t cap = DDB_HTTP_MAX_CONTROL_RESPONSE;
	char		url[96];
	const char *env[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", url, NULL};
	char	   *json = padded(creds_json, '\n', cap);
	DdbAwsError err;
	char		akid[64];

	snprintf(url, sizeof(url), "%screds", base_url);
	mock_env_use(env);
	server_reset(&srv);
	push_n(json, cap, false, 1);
	CHECK_MSG(resolve(DDB_AMBIENT_CONTAINER, c, &err, akid, sizeof(akid)), err.message);
	CHECK_STR(akid, "ASIAMETA");

	server_reset(&srv);
	push_n(json, cap + 1, false, 1);
	CHECK(!resolve(DDB_AMBIENT_CONTAINER, c, &err, akid, sizeof(akid)));
	CHECK_MSG(err.kind == DDB_AWS_ERR_TOO_LARGE, err.message);
	CHECK(server_nseen(&srv) == 1);

	mock_env_clear();
	server_reset(&srv);
	free(json);
}

static void
test_control_caps(void)
{
	/* the default cap (64 MiB) and retries: the AWS layer must cap itself */
	DdbHttpClient *c = new_client(0, 3, false);

	test_sts_cap(c);
	test_imds_cap(c);
	test_container_cap(c);
	ddb_http_client_destroy(c);
}

/* The caps hold for a replaced transport too (the credential tests' mocks). */
static void
test_transport_cap(void)
{
	Mock		m = {.name = "sized"};
	DdbHttpClient *c = mock_client(&m, NULL);
	DdbHttpResponse resp;
	DdbAwsError err;
	const size_t len = DDB_HTTP_MAX_CONTROL_RESPONSE;
	char	   *body = xmalloc(len + 2);

	/* len bytes of 'x', then one more */
	memset(body, 'x', len);
	body[len] = '\0';
	mock_reply(&m, 200, body);
	body[len] = 'x';
	body[len + 1] = '\0';
	mock_reply_owned(&m, 200, body);

	ddb_http_response_init_secret(&resp);
	CHECK(resp.max_bytes == DDB_HTTP_MAX_CONTROL_RESPONSE && resp.body.secret);
	CHECK(ddb_http_request(c, "GET", "http://127.0.0.1/", NULL, 0, NULL, 0, &resp, &err));
	CHECK(resp.body.len == len);
	CHECK(!ddb_http_request(c, "GET", "http://127.0.0.1/", NULL, 0, NULL, 0, &resp, &err));
	CHECK(err.kind == DDB_AWS_ERR_TOO_LARGE);
	CHECK(resp.body.data == NULL);
	/* free keeps the caller's settings */
	ddb_http_response_free(&resp);
	CHECK(resp.max_bytes == DDB_HTTP_MAX_CONTROL_RESPONSE && resp.body.secret);
	ddb_http_response_free(&resp);
	ddb_http_client_destroy(c);
	mock_done(&m, __LINE__);
	mock_reset(&m);
}

/* ----------------------------------------------------------------
 * Proxies
 * ----------------------------------------------------------------
 */

/* A GET of base_url; true when it got an answer (from whoever). */
static bool
plain_get(DdbHttpClient *c, bool no_proxy)
{
	DdbHttpResponse resp;
	DdbAwsError err;
	bool		ok;

	ddb_http_response_init(&resp);
	resp.no_proxy = no_proxy;
	ok = ddb_http_request(c, "GET", base_url, NULL, 0, NULL, 0, &resp, &err);
	if (!ok)
		fprintf(stderr, "  request failed: %s\n", err.message);
	ddb_http_response_free(&resp);
	return ok;
}

/* Requests seen since the last reset by the server and by the proxy. */
static bool
arrived(int at_server, int at_proxy)
{
	bool		ok = server_nseen(&srv) == at_server && server_nseen(&proxy) == at_proxy;

	if (!ok)
		fprintf(stderr, "  server saw %d requests, proxy %d\n",
				server_nseen(&srv), server_nseen(&proxy));
	server_reset(&srv);
	server_reset(&proxy);
	return ok;
}

static void
test_proxy(void)
{
	DdbHttpClient *plain = new_client(0, 0, false);
	DdbHttpClient *direct = new_client(0, 0, true);
	char		proxy_url[64];
	char		full_uri[96];
	char		want[128];
	const char *imds_env[] = {"AWS_EC2_METADATA_SERVICE_ENDPOINT", base_url, NULL};
	const char *ecs_env[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", full_uri, NULL};
	DdbAwsError err;
	char		akid[64];
	Script		sc = {0};

	server_start(&proxy);
	snprintf(proxy_url, sizeof(proxy_url), "http://127.0.0.1:%d", proxy.port);
	snprintf(full_uri, sizeof(full_uri), "%screds", base_url);
	setenv("http_proxy", proxy_url, 1);
	setenv("HTTPS_PROXY", proxy_url, 1);
	setenv("ALL_PROXY", proxy_url, 1);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	server_reset(&srv);
	server_reset(&proxy);

	/* the environment's proxy is in force: an ordinary request goes there */
	CHECK(plain_get(plain, false));
	CHECK(arrived(0, 1));
	snprintf(want, sizeof(want), "GET %s HTTP/1.1", base_url);
	server_push(&proxy, &sc);
	CHECK(plain_get(plain, false));
	CHECK(seen_request_line_is(server_seen(&proxy, 0), want));
	CHECK(arrived(0, 1));

	/*
	 * The client's flag, or the request's, goes direct.  (The server serves
	 * one connection at a time: the direct client must hang up first.)
	 */
	CHECK(plain_get(direct, false));
	CHECK(arrived(1, 0));
	ddb_http_client_destroy(direct);
	CHECK(plain_get(plain, true));
	CHECK(arrived(1, 0));
	/* and the next ordinary request on that handle uses the proxy again */
	CHECK(plain_get(plain, false));
	CHECK(arrived(0, 1));

	/* IMDS through a client without the flag: all three requests direct */
	mock_env_use(imds_env);
	push_n("IMDS-TOKEN", 0, false, 1);
	push_n("ec2-role\n", 0, false, 1);
	push_n(creds_json, 0, false, 1);
	CHECK_MSG(resolve(DDB_AMBIENT_IMDS, plain, &err, akid, sizeof(akid)), err.message);
	CHECK_STR(akid, "ASIAMETA");
	CHECK(arrived(3, 0));

	/* the container endpoint likewise */
	mock_env_use(ecs_env);
	push_n(creds_json, 0, false, 1);
	CHECK_MSG(resolve(DDB_AMBIENT_CONTAINER, plain, &err, akid, sizeof(akid)), err.message);
	CHECK_STR(akid, "ASIAMETA");
	CHECK(arrived(1, 0));
	mock_env_clear();

	unsetenv("http_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("ALL_PROXY");
	ddb_http_client_destroy(plain);
	server_stop(&proxy);
}

static void
test_retryable(void)
{
	DdbAwsError err;

	ddb_aws_error_clear(&err);
	ddb_aws_error_set(&err, DDB_AWS_ERR_TOO_LARGE, "response too large");
	err.http_status = 200;
	CHECK(!ddb_aws_error_retryable(&err));
	/* a transport failure still is retried */
	ddb_aws_error_set(&err, DDB_AWS_ERR_TRANSPORT, "reset");
	CHECK(ddb_aws_error_retryable(&err));
}

int
main(void)
{
	unit_network_init();
	server_start(&srv);
	snprintf(base_url, sizeof(base_url), "http://127.0.0.1:%d/", srv.port);

	test_retryable();
	test_transport_cap();
	test_service_cap();
	test_buffer_release();
	test_control_caps();
	test_proxy();

	server_stop(&srv);
	return unit_report("test_limits");
}
