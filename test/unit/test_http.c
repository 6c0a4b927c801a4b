/*-------------------------------------------------------------------------
 *
 * test_http.c
 *		Tests of the libcurl client (src/aws/http.c) and of signed DynamoDB
 *		calls (src/aws/dynamodb.c) against an in-process HTTP server.
 *
 * The server (server.c) is a thread accepting on 127.0.0.1 that answers
 * from a queue of scripts the test pushes beforehand.
 *
 * Time bounds are loose enough for a loaded machine; under valgrind
 * (UNIT_VALGRIND set by the Makefile) they are widened.  No fixed ports,
 * nothing beyond loopback.
 *
 * IDENTIFICATION
 *		test/unit/test_http.c
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE				/* memmem */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "dynamodb.h"
#include "http.h"
#include "server.h"
#include "mock.h"
#include "unit.h"

UNIT_DEFINE_COUNTERS;

/* Time bounds are multiplied by this (larger under valgrind). */
static int	time_scale = 1;

/* ----------------------------------------------------------------
 * The loopback server (server.c), one instance for every test here
 * ----------------------------------------------------------------
 */
static Server srv;

static void
push(const Script *sc)
{
	server_push(&srv, sc);
}

static int
nseen(void)
{
	return server_nseen(&srv);
}

static const Seen *
seen(int i)
{
	return server_seen(&srv, i);
}

static int
accepts(void)
{
	return server_accepts(&srv);
}

static bool
header_value(const Seen *r, const char *name, char *out, size_t outlen,
			 int *count)
{
	return seen_header_value(r, name, out, outlen, count);
}

static bool
header_is(const Seen *r, const char *name, const char *want)
{
	return seen_header_is(r, name, want);
}

static bool
request_line_is(const Seen *r, const char *want)
{
	return seen_request_line_is(r, want);
}

/* ----------------------------------------------------------------
 * Client helpers
 * ----------------------------------------------------------------
 */
static char base_url[64];

static long
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static DdbHttpClient *
new_client(long request_timeout_ms, size_t max_bytes)
{
	DdbHttpConfig cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.connect_timeout_ms = 2000L * time_scale;
	cfg.request_timeout_ms = request_timeout_ms;
	cfg.max_response_bytes = max_bytes;
	cfg.user_agent = "ddb_fdw-test/1.0";
	return unit_client(&cfg);
}

/* A POST of body to base_url with a few ordinary headers. */
static bool
post(DdbHttpClient *c, const char *body, DdbHttpResponse *resp, DdbAwsError *err)
{
	DdbHeader	h[2] = {{"Host", "example.test:1234"},
	{"Content-Type", "application/x-amz-json-1.0"}};

	ddb_aws_error_clear(err);
	return ddb_http_request(c, "POST", base_url, h, 2, body, strlen(body), resp, err);
}

/* One plain request that must succeed (after a failure, say). */
static void
expect_plain_success(DdbHttpClient *c, int line)
{
	Script		sc = {0};
	DdbHttpResponse resp;
	DdbAwsError err;
	bool		ok;

	sc.body = "{\"ok\":true}";
	push(&sc);
	ddb_http_response_init(&resp);
	ok = post(c, "{}", &resp, &err);
	unit_check(ok && resp.status == 200 && resp.body.len == 11 &&
			   strcmp(resp.body.data, "{\"ok\":true}") == 0,
			   "plain request succeeds", __FILE__, line, ok ? NULL : err.message);
	ddb_http_response_free(&resp);
}

/* ----------------------------------------------------------------
 * HTTP client tests
 * ----------------------------------------------------------------
 */

/*
 * 20 requests, one connection; what we send arrives as sent.  Bodies of
 * 2 KB, and one of 1.5 MB: curl 7.88 asks "Expect: 100-continue" only above
 * 1 MB, older versions above 1 KB, and either way the header must not go
 * out (it costs a round trip, or a second's wait on servers that ignore it).
 */
#define BIG_BODY (1536 * 1024)

static void
test_keepalive_and_headers(void)
{
	DdbHttpClient *c = new_client(5000L * time_scale, 0);
	unsigned char *big = malloc(BIG_BODY);
	int			i;
	int			bad_status = 0;
	int			bad_body = 0;
	int			bad_request = 0;
	int			base_accepts;

	server_reset(&srv);
	base_accepts = accepts();
	for (i = 0; i < BIG_BODY; i++)
		big[i] = (unsigned char) (i * 7);	/* includes NUL bytes */

	for (i = 0; i < 20; i++)
	{
		Script		sc = {0};
		DdbHttpResponse resp;
		DdbAwsError err;
		char		rbody[32];
		const Seen *r;
		const char *method = (i % 4 == 0) ? "GET" : (i % 4 == 3) ? "PUT" : "POST";
		const void *body = NULL;
		size_t		blen = 0;
		DdbHeader	h[3] = {{"Host", "example.test:1234"},
		{"Content-Type", "application/x-amz-json-1.0"},
		{"X-Test-Seq", NULL}};
		char		seq[16];

		snprintf(rbody, sizeof(rbody), "resp-%d", i);
		sc.body = rbody;
		push(&sc);
		snprintf(seq, sizeof(seq), "%d", i);
		h[2].value = seq;
		if (i % 4 == 1)
		{
			body = big;
			blen = (i == 13) ? BIG_BODY : 2048;
		}
		else if (i % 4 == 2)
		{
			body = "{\"TableName\":\"Movies\"}";
			blen = strlen(body);
		}
		ddb_http_response_init(&resp);
		if (!ddb_http_request(c, method, base_url, h, 3, body, blen, &resp, &err))
		{
			fprintf(stderr, "request %d: %s\n", i, err.message);
			bad_status++;
		}
		else if (resp.status != 200)
			bad_status++;
		else if (strcmp(resp.body.data, rbody) != 0 || resp.body.len != strlen(rbody))
			bad_body++;
		ddb_http_response_free(&resp);

		r = seen(-1);
		if (r == NULL || nseen() != i + 1)
		{
			bad_request++;
			continue;
		}
		{
			char		line[64];
			char		clen[32];

			snprintf(line, sizeof(line), "%s / HTTP/1.1", method);
			snprintf(clen, sizeof(clen), "%zu", blen);
			if (!request_line_is(r, line) ||
				!header_is(r, "Host", "example.test:1234") ||
				!header_is(r, "X-Test-Seq", seq) ||
				!header_is(r, "User-Agent", "ddb_fdw-test/1.0") ||
				header_value(r, "Expect", NULL, 0, NULL) ||
				header_value(r, "Accept-Encoding", NULL, 0, NULL) ||
				header_value(r, "Transfer-Encoding", NULL, 0, NULL) ||
				header_value(r, "TE", NULL, 0, NULL) ||
				r->body_len != blen ||
				(blen > 0 && memcmp(r->body, body, blen) != 0) ||
				(strcmp(method, "GET") != 0 && !header_is(r, "Content-Length", clen)) ||
				(strcmp(method, "GET") == 0 && header_value(r, "Content-Length", NULL, 0, NULL)))
			{
				fprintf(stderr, "request %d arrived as:\n%s\n", i, r->head);
				bad_request++;
			}
		}
	}
	CHECK(bad_status == 0);
	CHECK(bad_body == 0);
	CHECK(bad_request == 0);
	/* keep-alive: one connection, seen from both ends */
	CHECK(ddb_http_client_connections(c) == 1);
	CHECK(accepts() - base_accepts == 1);
	CHECK(seen(0) && seen(19) && seen(0)->conn_no == seen(19)->conn_no);
	ddb_http_client_destroy(c);
	free(big);
}

/* x-amz-crc32, x-amzn-RequestId, X-Amzn-ErrorType and Content-Type. */
static void
expect_crc_header(DdbHttpClient *c, const char *value, bool has, bool invalid,
				  uint32_t want, int line)
{
	Script		sc = {0};
	DdbHttpResponse resp;
	DdbAwsError err;
	char		hdr[128];
	bool		ok;

	snprintf(hdr, sizeof(hdr), "X-Amz-Crc32:%s\r\n", value);
	sc.headers = hdr;
	sc.body = "{}";
	push(&sc);
	ddb_http_response_init(&resp);
	ok = post(c, "{}", &resp, &err);
	unit_check(ok && resp.has_crc32 == has && resp.crc32_invalid == invalid &&
			   (invalid || !has || resp.crc32 == want),
			   "x-amz-crc32 parsed", __FILE__, line, value);
	ddb_http_response_free(&resp);
}

static void
test_response_headers(void)
{
	DdbHttpClient *c = new_client(5000L * time_scale, 0);
	Script		sc = {0};
	DdbHttpResponse resp;
	DdbAwsError err;
	static const char body500[] =
		"{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalServerError\","
		"\"message\":\"Internal server error\"}";

	server_reset(&srv);
	sc.headers = "x-amz-crc32: 2356372769\r\n"
		"x-amzn-RequestId: LDM6CJP8RMQ1FHKSC1RBVJFPNVV4KQNSO5AEMF66Q9ASUAAJG\r\n"
		"X-Amzn-ErrorType: ValidationException:http://internal.amazon.com/coral/\r\n"
		"Content-Type: application/x-amz-json-1.0\r\n";
	sc.body = "foo";
	push(&sc);
	ddb_http_response_init(&resp);
	CHECK(post(c, "{}", &resp, &err));
	CHECK(resp.has_crc32 && !resp.crc32_invalid && resp.crc32 == 2356372769u);
	CHECK_STR(resp.request_id, "LDM6CJP8RMQ1FHKSC1RBVJFPNVV4KQNSO5AEMF66Q9ASUAAJG");
	CHECK_STR(resp.error_type, "ValidationException:http://internal.amazon.com/coral/");
	CHECK_STR(resp.content_type, "application/x-amz-json-1.0");

	/* the next response has none of them: nothing stale survives */
	CHECK(post(c, "{}", &resp, &err));
	CHECK(!resp.has_crc32 && !resp.crc32_invalid);
	CHECK_STR(resp.request_id, "");
	CHECK_STR(resp.error_type, "");
	CHECK_STR(resp.content_type, "");
	ddb_http_response_free(&resp);

	/* crc32 values, spelled in any case */
	expect_crc_header(c, " 0", true, false, 0, __LINE__);
	expect_crc_header(c, "  4294967295  ", true, false, 4294967295u, __LINE__);
	expect_crc_header(c, "abc", true, true, 0, __LINE__);
	expect_crc_header(c, " 12abc", true, true, 0, __LINE__);
	expect_crc_header(c, " 12 34", true, true, 0, __LINE__);
	expect_crc_header(c, " -1", true, true, 0, __LINE__);
	expect_crc_header(c, " +5", true, true, 0, __LINE__);
	expect_crc_header(c, " 4294967296", true, true, 0, __LINE__);
	expect_crc_header(c, " 99999999999999999999999", true, true, 0, __LINE__);
	expect_crc_header(c, " 0x10", true, true, 0, __LINE__);
	expect_crc_header(c, "", true, true, 0, __LINE__);

	/* a header that only starts like one of ours is not it */
	memset(&sc, 0, sizeof(sc));
	sc.headers = "x-amz-crc32c: 77\r\nx-amzn-RequestIdX: no\r\n";
	push(&sc);
	ddb_http_response_init(&resp);
	CHECK(post(c, "{}", &resp, &err));
	CHECK(!resp.has_crc32);
	CHECK_STR(resp.request_id, "");

	/* a 1xx interim response does not leak its headers into the final one */
	memset(&sc, 0, sizeof(sc));
	sc.preamble = "HTTP/1.1 100 Continue\r\nx-amz-crc32: 1\r\nx-amzn-RequestId: interim\r\n\r\n";
	sc.headers = "x-amzn-RequestId: final\r\n";
	sc.body = "[]";
	push(&sc);
	CHECK(post(c, "{}", &resp, &err));
	CHECK(resp.status == 200);
	CHECK(!resp.has_crc32);
	CHECK_STR(resp.request_id, "final");
	CHECK_STR(resp.body.data, "[]");

	/* a body with a NUL byte arrives whole */
	memset(&sc, 0, sizeof(sc));
	sc.body = "a\0b";
	sc.body_len = 3;
	push(&sc);
	CHECK(post(c, "{}", &resp, &err));
	CHECK(resp.body.len == 3 && memcmp(resp.body.data, "a\0b", 4) == 0);

	/* an empty body is an empty C string */
	memset(&sc, 0, sizeof(sc));
	sc.status = 204;
	push(&sc);
	CHECK(post(c, "{}", &resp, &err));
	CHECK(resp.status == 204 && resp.body.len == 0 && resp.body.data &&
		  resp.body.data[0] == '\0');

	/* an error status is a response, not a transport failure */
	memset(&sc, 0, sizeof(sc));
	sc.status = 500;
	sc.headers = "x-amzn-RequestId: R500\r\n";
	sc.body = body500;
	push(&sc);
	CHECK(post(c, "{}", &resp, &err));
	CHECK(resp.status == 500);
	CHECK_STR(resp.body.data, body500);
	CHECK_STR(resp.request_id, "R500");
	ddb_http_response_free(&resp);

	/* all of it on one connection */
	CHECK(ddb_http_client_connections(c) == 1);
	ddb_http_client_destroy(c);
}

static void
test_timeout(void)
{
	long		timeout = 300L * time_scale;
	DdbHttpClient *c = new_client(timeout, 0);
	Script		sc = {0};
	DdbHttpResponse resp;
	DdbAwsError err;
	long		t0;
	long		elapsed;
	bool		ok;

	server_reset(&srv);
	expect_plain_success(c, __LINE__);
	sc.delay_ms = (int) timeout + 3000;
	push(&sc);
	ddb_http_response_init(&resp);
	t0 = now_ms();
	ok = post(c, "{}", &resp, &err);
	elapsed = now_ms() - t0;
	CHECK(!ok);
	CHECK(err.kind == DDB_AWS_ERR_TIMEOUT);
	CHECK(err.http_status == 0);
	CHECK(elapsed >= timeout - 20 && elapsed < timeout + 700L * time_scale);
	if (err.kind != DDB_AWS_ERR_TIMEOUT || elapsed >= timeout + 700L * time_scale)
		fprintf(stderr, "  timeout: %s after %ld ms (%s)\n",
				ddb_aws_error_kind_name(err.kind), elapsed, err.message);
	ddb_http_response_free(&resp);
	/* the client recovers on a new connection */
	expect_plain_success(c, __LINE__);
	CHECK(ddb_http_client_connections(c) == 2);
	ddb_http_client_destroy(c);
}

typedef struct AbortClock
{
	long		start;
	long		after_ms;
	int			calls;
} AbortClock;

static bool
abort_after(void *arg)
{
	AbortClock *a = arg;

	a->calls++;
	return now_ms() - a->start >= a->after_ms;
}

static void
test_abort(void)
{
	/* no request timeout: only the hook can stop it */
	DdbHttpClient *c = new_client(0, 0);
	AbortClock	ac;
	Script		sc = {0};
	DdbHttpResponse resp;
	DdbAwsError err;
	long		elapsed;
	int			before;
	bool		ok;

	server_reset(&srv);
	expect_plain_success(c, __LINE__);

	/* the server sits on the request for 5 s; the hook fires at 100 ms */
	sc.delay_ms = 5000;
	push(&sc);
	ac.after_ms = 100;
	ac.calls = 0;
	ddb_http_client_set_abort_hook(c, abort_after, &ac);
	ddb_http_response_init(&resp);
	ac.start = now_ms();
	ok = post(c, "{}", &resp, &err);
	elapsed = now_ms() - ac.start;
	CHECK(!ok);
	CHECK(err.kind == DDB_AWS_ERR_ABORTED);
	CHECK(elapsed >= 100 && elapsed < 300L * time_scale);
	if (err.kind != DDB_AWS_ERR_ABORTED || elapsed >= 300L * time_scale)
		fprintf(stderr, "  abort: %s after %ld ms\n",
				ddb_aws_error_kind_name(err.kind), elapsed);
	/* polled in slices, not once per millisecond nor once in all */
	CHECK(ac.calls >= 2 && ac.calls < 50 * time_scale);
	ddb_http_response_free(&resp);

	/* a hook that is already set stops the request before it starts */
	before = nseen();
	ac.start = now_ms();
	ac.after_ms = 0;
	ok = post(c, "{}", &resp, &err);
	CHECK(!ok && err.kind == DDB_AWS_ERR_ABORTED);
	CHECK(nseen() == before);

	/* hook removed: the same client works again */
	ddb_http_client_set_abort_hook(c, NULL, NULL);
	expect_plain_success(c, __LINE__);
	ddb_http_client_destroy(c);
}

static void
test_connect_refused(void)
{
	DdbHttpClient *c = new_client(5000L * time_scale, 0);
	DdbHttpResponse resp;
	DdbAwsError err;
	char		url[64];
	int			port;
	int			fd = bind_loopback(&port);
	bool		ok;

	/* bound, never listened on, closed: nothing accepts there */
	close(fd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	ddb_http_response_init(&resp);
	ddb_aws_error_clear(&err);
	ok = ddb_http_request(c, "POST", url, NULL, 0, "{}", 2, &resp, &err);
	CHECK(!ok);
	CHECK(err.kind == DDB_AWS_ERR_CONNECT);
	CHECK(err.message[0] != '\0');
	CHECK(strchr(err.message, '\n') == NULL);
	ddb_http_response_free(&resp);
	/* then the same client reaches the live server */
	server_reset(&srv);
	expect_plain_success(c, __LINE__);
	ddb_http_client_destroy(c);
}

static void
test_too_large(void)
{
	DdbHttpClient *c = new_client(5000L * time_scale, 1000);
	char	   *big = malloc(300001);
	Script		sc = {0};
	DdbHttpResponse resp;
	DdbAwsError err;

	server_reset(&srv);
	memset(big, 'x', 300000);
	big[300000] = '\0';

	/* exactly the limit is fine */
	sc.body = big;
	sc.body_len = 1000;
	push(&sc);
	ddb_http_response_init(&resp);
	CHECK(post(c, "{}", &resp, &err));
	CHECK(resp.body.len == 1000);

	sc.body_len = 1001;
	push(&sc);
	CHECK(!post(c, "{}", &resp, &err));
	CHECK(err.kind == DDB_AWS_ERR_TOO_LARGE);

	/* far larger: stops early, no matter how much is on the way */
	sc.body_len = 300000;
	push(&sc);
	CHECK(!post(c, "{}", &resp, &err));
	CHECK(err.kind == DDB_AWS_ERR_TOO_LARGE);
	CHECK(resp.body.len <= 1000);

	/* the same response struct again: nothing of the failed body remains */
	sc.body = "{\"n\":1}";
	sc.body_len = 0;
	push(&sc);
	CHECK(post(c, "{}", &resp, &err));
	CHECK(resp.status == 200 && resp.body.len == 7);
	CHECK_STR(resp.body.data, "{\"n\":1}");
	ddb_http_response_free(&resp);

	expect_plain_success(c, __LINE__);
	ddb_http_client_destroy(c);
	free(big);
}

static void
test_broken_connections(void)
{
	DdbHttpClient *c = new_client(5000L * time_scale, 0);
	Script		sc = {0};
	DdbHttpResponse resp;
	DdbAwsError err;

	server_reset(&srv);
	/* a fresh connection closed without an answer (no retry on it) */
	sc.action = CLOSE;
	push(&sc);
	ddb_http_response_init(&resp);
	CHECK(!post(c, "{}", &resp, &err));
	CHECK(err.kind == DDB_AWS_ERR_TRANSPORT);
	CHECK(err.message[0] != '\0');
	CHECK(nseen() == 1);
	expect_plain_success(c, __LINE__);

	/* 10 of 1000 promised bytes, then the connection closes */
	memset(&sc, 0, sizeof(sc));
	sc.action = PARTIAL;
	sc.body = "{\"Items\":[{\"a\":{\"S\":\"b\"}}]}";
	sc.body_len = 1000;
	{
		/* body_len is what Content-Length says; the buffer must hold it */
		char	   *full = calloc(1, 1001);

		memcpy(full, sc.body, strlen(sc.body));
		sc.body = full;
		sc.partial_len = 10;
		push(&sc);
		CHECK(!post(c, "{}", &resp, &err));
		CHECK(err.kind == DDB_AWS_ERR_TRANSPORT);
		free(full);
	}
	/* reusing the response after the failure: only the new answer */
	memset(&sc, 0, sizeof(sc));
	sc.body = "[1]";
	push(&sc);
	CHECK(post(c, "{}", &resp, &err));
	CHECK(resp.status == 200 && resp.body.len == 3);
	CHECK_STR(resp.body.data, "[1]");
	ddb_http_response_free(&resp);
	expect_plain_success(c, __LINE__);
	expect_plain_success(c, __LINE__);
	ddb_http_client_destroy(c);
}

/* ----------------------------------------------------------------
 * Signed DynamoDB calls
 * ----------------------------------------------------------------
 */
#define TEST_AKID "AKIDEXAMPLE"
#define TEST_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TEST_TOKEN "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="

static time_t
fixed_clock(void)
{
	return 1440938160;			/* 20150830T123600Z */
}

static void
hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t		i;

	for (i = 0; i < n; i++)
	{
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static void
hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
	unsigned int olen = 32;

	HMAC(EVP_sha256(), key, (int) klen, (const unsigned char *) msg,
		 strlen(msg), out, &olen);
}

/*
 * Checks the Authorization header of a received request by recomputing the
 * SigV4 signature from the bytes that arrived (a textbook rendering for a
 * POST to "/" without a query), independently of src/aws/sigv4.c.
 */
static bool
signature_verifies(const Seen *r, const char *secret, const char *want_signed)
{
	char		auth[1024];
	char		prefix[256];
	char		signed_headers[256];
	char		canon[8192];
	char		sts[1024];
	char		digest_hex[65];
	char		sig_hex[65];
	unsigned char digest[32];
	unsigned char k[32];
	char		ksecret[128];
	const char *sh;
	const char *sig;
	char	   *name;
	char	   *save = NULL;
	char		names[256];
	size_t		o;

	if (!header_value(r, "Authorization", auth, sizeof(auth), NULL))
		return false;
	snprintf(prefix, sizeof(prefix),
			 "AWS4-HMAC-SHA256 Credential=%s/20150830/us-east-1/dynamodb/aws4_request, "
			 "SignedHeaders=", TEST_AKID);
	if (strncmp(auth, prefix, strlen(prefix)) != 0)
		return false;
	sh = auth + strlen(prefix);
	sig = strstr(sh, ", Signature=");
	if (sig == NULL || strlen(sig + 12) != 64)
		return false;
	snprintf(signed_headers, sizeof(signed_headers), "%.*s", (int) (sig - sh), sh);
	sig += 12;
	if (strcmp(signed_headers, want_signed) != 0)
	{
		fprintf(stderr, "  SignedHeaders=%s\n", signed_headers);
		return false;
	}

	/* canonical request from the received header values */
	o = (size_t) snprintf(canon, sizeof(canon), "POST\n/\n\n");
	snprintf(names, sizeof(names), "%s", signed_headers);
	for (name = strtok_r(names, ";", &save); name; name = strtok_r(NULL, ";", &save))
	{
		char		v[4096];
		int			count;

		if (!header_value(r, name, v, sizeof(v), &count) || count != 1)
			return false;
		o += (size_t) snprintf(canon + o, sizeof(canon) - o, "%s:%s\n", name, v);
	}
	SHA256((const unsigned char *) r->body, r->body_len, digest);
	hex(digest, 32, digest_hex);
	o += (size_t) snprintf(canon + o, sizeof(canon) - o, "\n%s\n%s",
						   signed_headers, digest_hex);
	if (o >= sizeof(canon))
		return false;

	SHA256((const unsigned char *) canon, strlen(canon), digest);
	hex(digest, 32, digest_hex);
	snprintf(sts, sizeof(sts),
			 "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/dynamodb/aws4_request\n%s",
			 digest_hex);

	snprintf(ksecret, sizeof(ksecret), "AWS4%s", secret);
	hmac(ksecret, strlen(ksecret), "20150830", k);
	hmac(k, 32, "us-east-1", k);
	hmac(k, 32, "dynamodb", k);
	hmac(k, 32, "aws4_request", k);
	hmac(k, 32, sts, k);
	hex(k, 32, sig_hex);
	return strcmp(sig_hex, sig) == 0;
}

static void
init_service(DdbAwsService *svc, DdbHttpClient *c)
{
	DdbAwsError err;

	if (!ddb_aws_service_init(svc, c, base_url, "us-east-1", "dynamodb", &err))
	{
		fprintf(stderr, "service: %s\n", err.message);
		exit(2);
	}
	svc->clock = fixed_clock;
}

static void
test_dynamodb_call(void)
{
	DdbHttpClient *c = new_client(5000L * time_scale, 0);
	DdbAwsService svc;
	DdbAwsCredentials creds = {(char *) TEST_AKID, (char *) TEST_SECRET, NULL, 0};
	DdbAwsCredentials temp = {(char *) TEST_AKID, (char *) TEST_SECRET,
	(char *) TEST_TOKEN, 0};
	DdbAwsCredentials none = {NULL, NULL, NULL, 0};
	Script		sc = {0};
	DdbHttpResponse resp;
	DdbAwsError err;
	const Seen *r;
	char		host[64];
	static const char list_body[] = "{\"TableNames\":[\"Forum\",\"Movies\"]}";
	static const char req_body[] = "{\"Limit\":100}";

	server_reset(&srv);
	init_service(&svc, c);
	snprintf(host, sizeof(host), "127.0.0.1:%d", srv.port);
	ddb_http_response_init(&resp);

	/* long-term credentials */
	sc.body = list_body;
	sc.auto_crc = true;
	sc.headers = "x-amzn-RequestId: RID-OK\r\nContent-Type: application/x-amz-json-1.0\r\n";
	push(&sc);
	CHECK(ddb_dynamodb_call(&svc, &creds, "ListTables", req_body, strlen(req_body),
							&resp, &err));
	CHECK(resp.status == 200);
	CHECK_STR(resp.body.data, list_body);
	r = seen(-1);
	CHECK(request_line_is(r, "POST / HTTP/1.1"));
	CHECK(header_is(r, "Host", host));
	CHECK(header_is(r, "Content-Type", "application/x-amz-json-1.0"));
	CHECK(header_is(r, "X-Amz-Target", "DynamoDB_20120810.ListTables"));
	CHECK(header_is(r, "X-Amz-Date", "20150830T123600Z"));
	CHECK(!header_value(r, "X-Amz-Security-Token", NULL, 0, NULL));
	CHECK(r && r->body_len == strlen(req_body) && strcmp(r->body, req_body) == 0);
	CHECK(signature_verifies(r, TEST_SECRET, "content-type;host;x-amz-date;x-amz-target"));
	/* a wrong secret must not verify (the check itself works) */
	CHECK(!signature_verifies(r, "wrong", "content-type;host;x-amz-date;x-amz-target"));

	/* temporary credentials: the token is sent and signed */
	push(&sc);
	CHECK(ddb_dynamodb_call(&svc, &temp, "ListTables", req_body, strlen(req_body),
							&resp, &err));
	r = seen(-1);
	CHECK(header_is(r, "X-Amz-Security-Token", TEST_TOKEN));
	CHECK(signature_verifies(r, TEST_SECRET,
							 "content-type;host;x-amz-date;x-amz-security-token;x-amz-target"));

	/* a full target passes unchanged (DynamoDB Streams) */
	push(&sc);
	CHECK(ddb_dynamodb_call(&svc, &creds, "DynamoDBStreams_20120810.DescribeStream",
							"{}", 2, &resp, &err));
	CHECK(header_is(seen(-1), "X-Amz-Target", "DynamoDBStreams_20120810.DescribeStream"));

	/* checksums: absent is accepted, wrong or unreadable is not */
	memset(&sc, 0, sizeof(sc));
	sc.body = list_body;
	push(&sc);
	CHECK(ddb_dynamodb_call(&svc, &creds, "ListTables", "{}", 2, &resp, &err));
	CHECK(!resp.has_crc32);

	sc.headers = "x-amz-crc32: 12345\r\nx-amzn-RequestId: RID-CRC\r\n";
	push(&sc);
	CHECK(!ddb_dynamodb_call(&svc, &creds, "ListTables", "{}", 2, &resp, &err));
	CHECK(err.kind == DDB_AWS_ERR_CHECKSUM);
	CHECK(err.http_status == 200);
	CHECK_STR(err.request_id, "RID-CRC");

	sc.headers = "x-amz-crc32: not-a-number\r\n";
	push(&sc);
	CHECK(!ddb_dynamodb_call(&svc, &creds, "ListTables", "{}", 2, &resp, &err));
	CHECK(err.kind == DDB_AWS_ERR_CHECKSUM);

	/* the known answer of aws-wire-formats.md, as a server would send it */
	memset(&sc, 0, sizeof(sc));
	sc.body = "{\"Count\":1,\"Items\":[{\"title\":{\"S\":\"WarGames\"}}],\"ScannedCount\":6}";
	sc.headers = "x-amz-crc32: 936517486\r\n";
	push(&sc);
	CHECK(ddb_dynamodb_call(&svc, &creds, "Scan", "{\"TableName\":\"Movies\"}", 22,
							&resp, &err));

	/* a service error */
	memset(&sc, 0, sizeof(sc));
	sc.status = 400;
	sc.headers = "x-amzn-RequestId: LDM6CJP8RMQ1FHKSC1RBVJFPNVV4KQNSO5AEMF66Q9ASUAAJG\r\n"
		"Content-Type: application/x-amz-json-1.0\r\n";
	sc.body = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\",\n"
		"\"message\":\"Requested resource not found: Table: tablename not found\"}";
	push(&sc);
	CHECK(!ddb_dynamodb_call(&svc, &creds, "DescribeTable", "{\"TableName\":\"x\"}", 17,
							 &resp, &err));
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK(err.http_status == 400);
	CHECK_STR(err.code, "ResourceNotFoundException");
	CHECK_STR(err.message, "Requested resource not found: Table: tablename not found");
	CHECK_STR(err.request_id, "LDM6CJP8RMQ1FHKSC1RBVJFPNVV4KQNSO5AEMF66Q9ASUAAJG");

	/* a proxy's page */
	memset(&sc, 0, sizeof(sc));
	sc.status = 502;
	sc.body = "<html><body>Bad Gateway</body></html>";
	push(&sc);
	CHECK(!ddb_dynamodb_call(&svc, &creds, "Scan", "{}", 2, &resp, &err));
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	CHECK(err.http_status == 502);

	/* no credentials: nothing is sent */
	{
		int			before = nseen();

		CHECK(!ddb_dynamodb_call(&svc, &none, "Scan", "{}", 2, &resp, &err));
		CHECK(err.kind == DDB_AWS_ERR_INVALID);
		CHECK(!ddb_dynamodb_call(&svc, NULL, "Scan", "{}", 2, &resp, &err));
		CHECK(err.kind == DDB_AWS_ERR_INVALID);
		CHECK(nseen() == before);
	}

	CHECK(ddb_http_client_connections(c) == 1);
	ddb_http_response_free(&resp);
	ddb_aws_service_free(&svc);
	ddb_http_client_destroy(c);
}

static void
test_dynamodb_helpers(void)
{
	DdbHttpClient *c = new_client(5000L * time_scale, 0);
	DdbAwsService svc;
	DdbAwsCredentials creds = {(char *) TEST_AKID, (char *) TEST_SECRET, NULL, 0};
	DdbStringList tables = {0};
	DdbTableDesc *desc = NULL;
	DdbAwsError err;
	Script		sc = {0};
	int			base;

	server_reset(&srv);
	init_service(&svc, c);

	/* ListTables, two pages */
	sc.auto_crc = true;
	sc.body = "{\"LastEvaluatedTableName\":\"b\\\"q\",\"TableNames\":[\"a\",\"b\\\"q\"]}";
	push(&sc);
	sc.body = "{\"TableNames\":[\"c\"]}";
	push(&sc);
	base = nseen();
	CHECK(ddb_dynamodb_list_all_tables(&svc, &creds, &tables, &err));
	CHECK(tables.n == 3);
	if (tables.n == 3)
	{
		CHECK_STR(tables.items[1], "b\"q");
		CHECK_STR(tables.items[2], "c");
	}
	CHECK(nseen() == base + 2);
	CHECK(seen(base) && strcmp(seen(base)->body, "{\"Limit\":100}") == 0);
	CHECK(seen(base + 1) &&
		  strcmp(seen(base + 1)->body,
				 "{\"Limit\":100,\"ExclusiveStartTableName\":\"b\\\"q\"}") == 0);
	CHECK(header_is(seen(base + 1), "X-Amz-Target", "DynamoDB_20120810.ListTables"));
	ddb_string_list_free(&tables);

	/* a server repeating its continuation is caught, not followed forever */
	sc.body = "{\"LastEvaluatedTableName\":\"x\",\"TableNames\":[\"x\"]}";
	push(&sc);
	push(&sc);
	push(&sc);
	CHECK(!ddb_dynamodb_list_all_tables(&svc, &creds, &tables, &err));
	CHECK(err.kind == DDB_AWS_ERR_MALFORMED);
	ddb_string_list_free(&tables);
	server_reset(&srv);

	/* an error on a later page is reported */
	sc.body = "{\"LastEvaluatedTableName\":\"a\",\"TableNames\":[\"a\"]}";
	push(&sc);
	memset(&sc, 0, sizeof(sc));
	sc.status = 400;
	sc.body = "{\"__type\":\"com.amazon.coral.service#UnrecognizedClientException\"}";
	push(&sc);
	CHECK(!ddb_dynamodb_list_all_tables(&svc, &creds, &tables, &err));
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK_STR(err.code, "UnrecognizedClientException");
	ddb_string_list_free(&tables);

	/* DescribeTable */
	memset(&sc, 0, sizeof(sc));
	sc.auto_crc = true;
	sc.body = "{\"Table\":{\"TableName\":\"Mo\\\"vies\",\"KeySchema\":[{\"AttributeName\":"
		"\"year\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"title\",\"KeyType\":\"RANGE\"}],"
		"\"AttributeDefinitions\":[{\"AttributeName\":\"year\",\"AttributeType\":\"N\"},"
		"{\"AttributeName\":\"title\",\"AttributeType\":\"S\"}],\"ItemCount\":5}}";
	push(&sc);
	base = nseen();
	CHECK(ddb_dynamodb_describe_table(&svc, &creds, "Mo\"vies", &desc, &err));
	CHECK(seen(base) && strcmp(seen(base)->body, "{\"TableName\":\"Mo\\\"vies\"}") == 0);
	CHECK(header_is(seen(base), "X-Amz-Target", "DynamoDB_20120810.DescribeTable"));
	CHECK(desc && desc->key.partition_type == 'N' && desc->key.sort_type == 'S' &&
		  desc->item_count == 5);
	ddb_table_desc_free(desc);

	/* a malformed answer */
	sc.body = "{\"Table\":{\"TableName\":\"T\"}}";
	push(&sc);
	CHECK(!ddb_dynamodb_describe_table(&svc, &creds, "T", &desc, &err));
	CHECK(desc == NULL && err.kind == DDB_AWS_ERR_MALFORMED);

	CHECK(ddb_http_client_connections(c) == 1);
	ddb_aws_service_free(&svc);
	ddb_http_client_destroy(c);
}

int
main(void)
{
	long		t0 = now_ms();

	if (getenv("UNIT_VALGRIND") != NULL)
		time_scale = 8;
	unit_network_init();
	server_start(&srv);
	snprintf(base_url, sizeof(base_url), "http://127.0.0.1:%d/", srv.port);

	test_keepalive_and_headers();
	test_response_headers();
	test_timeout();
	test_abort();
	test_connect_refused();
	test_too_large();
	test_broken_connections();
	test_dynamodb_call();
	test_dynamodb_helpers();

	server_stop(&srv);
	printf("test_http: %ld ms\n", now_ms() - t0);
	return unit_report("test_http");
}
