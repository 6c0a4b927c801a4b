/*-------------------------------------------------------------------------
 *
 * test_secrets.c
 *		Tests that secrets never reach freed memory: secret buffers
 *		(src/aws/buf.c), the signer, the HTTP client's header copies, STS,
 *		web identity, IMDS and the container endpoint.
 *
 * The program is linked with -Wl,--wrap=free -Wl,--wrap=realloc (see the
 * Makefile), so every free() and realloc() made by the AWS layer, the
 * loopback server and this file passes through the detector below.  While
 * it watches, a block handed to free() or realloc() that still holds the
 * marker every secret of these tests carries is counted as a leak: a wiped
 * block no longer holds it, and realloc'ing a live secret would leave a
 * copy behind.  Only the test's own thread is watched (the loopback
 * server's thread keeps copies of what it received).  libcurl, OpenSSL
 * and libc free their own memory through their own references to free(),
 * which the wrap does not see: their internal copies are out of reach of
 * this test (and of the AWS layer).
 *
 * The detector checks itself first: a block freed with the marker, and a
 * plain DdbBuf that grows with it, must be counted.
 *
 * IDENTIFICATION
 *		test/unit/test_secrets.c
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE				/* memmem */

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* the Makefile defines HAVE_MEMCHECK_H when valgrind's header is there */
#ifdef HAVE_MEMCHECK_H
#include <valgrind/memcheck.h>
#endif

#include "credentials.h"
#include "dynamodb.h"
#include "http.h"
#include "server.h"
#include "sigv4.h"
#include "sts.h"
#include "mock.h"
#include "unit.h"

UNIT_DEFINE_COUNTERS;

/* Every secret below carries this. */
#define MARK "Zq7SeCrEtMaRkQ"
#define T0_PLUS_1H UNIT_T0_PLUS_1H

/* ----------------------------------------------------------------
 * The detector
 * ----------------------------------------------------------------
 */
extern void __real_free(void *p);
extern void *__real_realloc(void *p, size_t n);
void		__wrap_free(void *p);
void	   *__wrap_realloc(void *p, size_t n);

static volatile bool watching;
static pthread_t watched_thread;
static int	leaks;

/* Whether the live block p holds MARK anywhere in its usable size. */
static bool
holds_mark(void *p)
{
	size_t		n = malloc_usable_size(p);
	bool		found;

#ifdef HAVE_MEMCHECK_H
	/* a buffer's unused tail is undefined: scan a copy marked defined */
	if (RUNNING_ON_VALGRIND)
	{
		char	   *copy = malloc(n ? n : 1);

		memcpy(copy, p, n);
		(void) VALGRIND_MAKE_MEM_DEFINED(copy, n);
		found = memmem(copy, n, MARK, strlen(MARK)) != NULL;
		__real_free(copy);
		return found;
	}
#endif
	found = memmem(p, n, MARK, strlen(MARK)) != NULL;
	return found;
}

static bool
watched(const void *p)
{
	return p != NULL && watching && pthread_equal(pthread_self(), watched_thread);
}

void
__wrap_free(void *p)
{
	if (watched(p) && holds_mark(p))
		leaks++;
	__real_free(p);
}

void *
__wrap_realloc(void *p, size_t n)
{
	if (watched(p) && holds_mark(p))
		leaks++;
	return __real_realloc(p, n);
}

static void
watch(void)
{
	leaks = 0;
	watched_thread = pthread_self();
	watching = true;
}

/* Stops watching; returns the leaks seen. */
static int
unwatch(void)
{
	watching = false;
	return leaks;
}

/* ----------------------------------------------------------------
 * Secrets of the tests
 * ----------------------------------------------------------------
 */
static const char secret_key[] = "wJalrXUtnFEMI/K7MDENG/" MARK "EXAMPLEKEY";
static char long_token[700];	/* a session token longer than any first
								 * buffer (256 bytes) */
static char web_token_path[] = "/tmp/ddb_fdw_secret_test_XXXXXX";
static char sts_web_reply[4096];
static char sts_role_reply[4096];
static char imds_reply[4096];
static const char imds_token[] = "AQAEA" MARK "imds==";
static const char container_token[] = "Bearer " MARK "-container";

static void
make_secrets(void)
{
	size_t		i;
	int			fd;
	static const char web_token[] = "eyJhbGciOiJSUzI1NiJ9." MARK ".sig";

	/*
	 * A token with '+', '/' and '=' as real ones have, and the mark at both
	 * ends: what is left of a buffer after a shorter line overwrote its
	 * start still shows.
	 */
	snprintf(long_token, sizeof(long_token), "IQoJb3JpZ2luX2VjE" MARK);
	for (i = strlen(long_token); i < sizeof(long_token) - 2; i++)
		long_token[i] = "abcdefghijklmnopqrstuvwxyz0123456789+/"[i % 38];
	memcpy(long_token + sizeof(long_token) - 2 - strlen(MARK), MARK, strlen(MARK));
	long_token[sizeof(long_token) - 2] = '=';
	long_token[sizeof(long_token) - 1] = '\0';

	fd = mkstemp(web_token_path);
	if (fd < 0 || write(fd, web_token, strlen(web_token)) != (ssize_t) strlen(web_token))
	{
		fprintf(stderr, "could not write the token file\n");
		exit(2);
	}
	close(fd);

	/* entities and escapes make the parsers decode into their own buffers */
	snprintf(sts_web_reply, sizeof(sts_web_reply),
			 "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
			 "<Credentials><AccessKeyId>ASIAWEB</AccessKeyId>"
			 "<SecretAccessKey>web&amp;%s</SecretAccessKey>"
			 "<SessionToken>%s</SessionToken>"
			 "<Expiration>" T0_PLUS_1H "</Expiration></Credentials>"
			 "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
			 secret_key, long_token);
	snprintf(sts_role_reply, sizeof(sts_role_reply),
			 "<AssumeRoleResponse><AssumeRoleResult>"
			 "<Credentials><AccessKeyId>ASIAROLE</AccessKeyId>"
			 "<SecretAccessKey><![CDATA[role-%s]]></SecretAccessKey>"
			 "<SessionToken>role-%s</SessionToken>"
			 "<Expiration>" T0_PLUS_1H "</Expiration></Credentials>"
			 "</AssumeRoleResult></AssumeRoleResponse>",
			 secret_key, long_token);
	snprintf(imds_reply, sizeof(imds_reply),
			 "{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"ASIAMETA\","
			 "\"SecretAccessKey\":\"meta\\/%s\",\"Token\":\"\\u0041%s\","
			 "\"Expiration\":\"" T0_PLUS_1H "\"}",
			 secret_key, long_token);
}

/* Requests of m whose headers held MARK (a token or a signature's secret). */
static int
requests_with_mark(const Mock *m)
{
	int			n = 0;
	int			i;
	int			k;

	for (i = 0; mock_request(m, i) != NULL; i++)
	{
		const MockRequest *q = mock_request(m, i);

		for (k = 0; k < q->nheaders; k++)
			if (strstr(q->values[k], MARK) != NULL)
			{
				n++;
				break;
			}
	}
	return n;
}

/* ----------------------------------------------------------------
 * Tests
 * ----------------------------------------------------------------
 */

/* The detector sees what it must see, or the other tests prove nothing. */
static void
test_detector(void)
{
	char	   *p = malloc(64);
	DdbBuf		b;

	snprintf(p, 64, "x%sy", MARK);
	watch();
	free(p);
	CHECK(unwatch() == 1);

	/* a plain buffer holding the mark is realloc'd as it grows, then freed */
	ddb_buf_init(&b);
	ddb_buf_append_str(&b, secret_key);
	watch();
	while (b.cap < 4096)
		ddb_buf_append_char(&b, '.');
	ddb_buf_free(&b);
	CHECK(unwatch() >= 2);

	/* a wiped block is not counted */
	p = malloc(64);
	snprintf(p, 64, "x%sy", MARK);
	watch();
	ddb_free_secret(p);
	CHECK(unwatch() == 0);
}

static void
test_secret_buf(void)
{
	DdbBuf		b;
	size_t		i;
	size_t		len;
	char	   *old;
	char	   *s;
	bool		zero = true;

	watch();
	ddb_buf_init_secret(&b);
	ddb_buf_append_str(&b, secret_key);
	/* growth: the old block is wiped, the contents move */
	old = b.data;
	while (b.cap < 64 * 1024)
		ddb_buf_append_str(&b, long_token);
	CHECK(b.data != old);
	CHECK(strncmp(b.data, secret_key, strlen(secret_key)) == 0);
	CHECK(ddb_buf_ok(&b) && b.secret);
	/* reset: the old contents are wiped in place */
	len = b.len;
	ddb_buf_reset(&b);
	for (i = 0; i < len; i++)
		zero = zero && b.data[i] == '\0';
	CHECK(zero && b.len == 0 && b.secret);
	/* printf, reserve and free */
	ddb_buf_printf(&b, "%s %s", secret_key, long_token);
	CHECK(ddb_buf_reserve(&b, 1024 * 1024));
	ddb_buf_free(&b);
	CHECK(b.data == NULL && b.secret);
	/* the buffer stays secret after a free, and steal hands a string over */
	ddb_buf_append_str(&b, long_token);
	s = ddb_buf_steal(&b);
	CHECK_STR(s, long_token);
	CHECK(b.data == NULL && b.secret);
	ddb_free_secret(s);
	ddb_wipe(NULL, 10);
	ddb_free_secret(NULL);
	CHECK(unwatch() == 0);

	/* ddb_buf_init leaves a buffer that is not secret */
	ddb_buf_init(&b);
	CHECK(!b.secret);
}

/*
 * The signer's copies: header values, canonical request, outputs.  Tokens
 * of many lengths, so that the canonical request grows with the token
 * already in it for some of them.
 */
static void
test_sigv4(void)
{
	size_t		len;
	size_t		full = strlen(long_token);
	DdbHeader	hdrs[2] = {{"Host", "dynamodb.us-east-1.amazonaws.com"},
	{"X-Amz-Target", "DynamoDB_20120810.GetItem"}};
	DdbHeader	bad[2] = {{"Host", "dynamodb.us-east-1.amazonaws.com"},
	{"X-Amz-Target", "bad\x01value"}};
	DdbSigv4Input in;
	DdbSigv4Output out;
	DdbAwsError err;

	memset(&in, 0, sizeof(in));
	in.method = "POST";
	in.path = "/";
	in.headers = hdrs;
	in.nheaders = 2;
	in.payload = "{}";
	in.payload_len = 2;
	in.access_key_id = "ASIAEXAMPLE";
	in.secret_access_key = secret_key;
	in.session_token = long_token;
	in.region = "us-east-1";
	in.service = "dynamodb";
	in.amz_date = "20231114T221320Z";
	in.normalize_path = true;
	in.double_encode = true;
	watch();
	for (len = 100; len <= full; len += 7)
	{
		char		saved = long_token[len];

		long_token[len] = '\0';
		CHECK(ddb_sigv4_sign(&in, &out, &err));
		CHECK(out.nadded == 2 && strcmp(out.added[1].value, long_token) == 0);
		ddb_sigv4_output_free(&out);
		long_token[len] = saved;
	}
	/* a failure after the token was copied */
	in.headers = bad;
	CHECK(!ddb_sigv4_sign(&in, &out, &err));
	ddb_sigv4_output_free(&out);
	CHECK(unwatch() == 0);
}

/* A signed request through libcurl: the header lines built for curl. */
static void
test_signed_request(void)
{
	Server		srv;
	char		url[64];
	DdbHttpConfig cfg;
	DdbHttpClient *c;
	DdbAwsService svc;
	DdbAwsCredentials creds = {"ASIAEXAMPLE", (char *) secret_key, long_token, 0};
	DdbHttpResponse resp;
	DdbAwsError err;
	char		seen_token[800];

	server_start(&srv);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", srv.port);
	memset(&cfg, 0, sizeof(cfg));
	cfg.request_timeout_ms = 60000;
	c = unit_client(&cfg);
	ddb_aws_service_init(&svc, c, url, "us-east-1", "dynamodb", &err);
	svc.clock = mock_clock;
	ddb_http_response_init(&resp);

	watch();
	CHECK(ddb_dynamodb_call(&svc, &creds, "GetItem", "{}", 2, &resp, &err));
	ddb_http_response_free(&resp);
	CHECK(unwatch() == 0);
	/* the token did go out, whole */
	CHECK(seen_header_value(server_seen(&srv, 0), "X-Amz-Security-Token",
							seen_token, sizeof(seen_token), NULL));
	CHECK_STR(seen_token, long_token);

	ddb_aws_service_free(&svc);
	ddb_http_client_destroy(c);
	server_stop(&srv);
}

/* Resolves credentials with the mocks; returns the access key id's start. */
static bool
resolve(const DdbCredConfig *cfg, Mock *sts, Mock *meta, char akid[16])
{
	DdbHttpClient *sts_http = mock_client(sts, NULL);
	DdbHttpClient *meta_http = mock_client(meta, NULL);
	DdbCredHost host;
	DdbCredState st;
	const DdbAwsCredentials *out;
	DdbAwsError err;
	bool		ok;

	memset(&host, 0, sizeof(host));
	memset(&st, 0, sizeof(st));
	host.getenv_fn = mock_getenv;
	host.clock = mock_clock;
	host.http = sts_http;
	host.metadata_http = meta_http;
	ddb_aws_error_clear(&err);
	ok = ddb_credentials_get(&st, cfg, &host, &out, &err);
	if (!ok)
		fprintf(stderr, "  credentials: %s\n", err.message);
	snprintf(akid, 16, "%s", ok ? out->access_key_id : "");
	if (ok)
		CHECK(strstr(out->secret_access_key, MARK) != NULL);
	ddb_cred_state_clear(&st);
	ddb_http_client_destroy(sts_http);
	ddb_http_client_destroy(meta_http);
	return ok;
}

/* Web identity, then a role assumed with its credentials. */
static void
test_sts(void)
{
	const char *env[] = {
		"AWS_WEB_IDENTITY_TOKEN_FILE", web_token_path,
		"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web", NULL
	};
	Mock		sts = {.name = "sts"};
	Mock		meta = {.name = "metadata"};
	DdbCredConfig cfg;
	char		akid[16];

	mock_reply(&sts, 200, sts_web_reply);
	mock_reply(&sts, 200, sts_role_reply);
	memset(&cfg, 0, sizeof(cfg));
	cfg.ambient = DDB_AMBIENT_WEB_IDENTITY;
	cfg.region = "us-east-1";
	cfg.role_arn = "arn:aws:iam::123456789012:role/target";
	mock_env_use(env);
	watch();
	CHECK(resolve(&cfg, &sts, &meta, akid));
	CHECK(unwatch() == 0);
	CHECK_STR(akid, "ASIAROLE");
	CHECK(sts.next == 2);
	/* the AssumeRole carried the web identity session's token */
	CHECK(requests_with_mark(&sts) == 1);
	mock_env_clear();
	mock_reset(&sts);

	/* a failure after the secrets arrived: a reply without Expiration */
	{
		static const char partial[] =
			"<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
			"<Credentials><AccessKeyId>ASIAWEB</AccessKeyId>"
			"<SecretAccessKey>" MARK "</SecretAccessKey>"
			"<SessionToken>" MARK "</SessionToken>"
			"</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
		Mock		bad = {.name = "sts"};

		mock_reply(&bad, 200, partial);
		mock_env_use(env);
		cfg.role_arn = NULL;
		watch();
		CHECK(!resolve(&cfg, &bad, &meta, akid));
		CHECK(unwatch() == 0);
		mock_env_clear();
		mock_reset(&bad);
	}
}

static void
test_imds(void)
{
	Mock		sts = {.name = "sts"};
	Mock		meta = {.name = "metadata"};
	DdbCredConfig cfg;
	char		akid[16];

	mock_reply(&meta, 200, imds_token);
	mock_reply(&meta, 200, "ec2-role\n");
	mock_reply(&meta, 200, imds_reply);
	memset(&cfg, 0, sizeof(cfg));
	cfg.ambient = DDB_AMBIENT_IMDS;
	cfg.region = "us-east-1";
	watch();
	CHECK(resolve(&cfg, &sts, &meta, akid));
	CHECK(unwatch() == 0);
	CHECK_STR(akid, "ASIAMETA");
	/* the role and the credentials requests carried the IMDS token */
	CHECK(requests_with_mark(&meta) == 2);
	mock_reset(&meta);

	/* malformed credentials after the token: still nothing left behind */
	{
		static const char bad_json[] = "{\"SecretAccessKey\":\"" MARK "\\/x\",";
		Mock		bad = {.name = "metadata"};

		mock_reply(&bad, 200, imds_token);
		mock_reply(&bad, 200, "ec2-role\n");
		mock_reply(&bad, 200, bad_json);
		watch();
		CHECK(!resolve(&cfg, &sts, &bad, akid));
		CHECK(unwatch() == 0);
		mock_reset(&bad);
	}
}

static void
test_container(void)
{
	const char *env[] = {
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:51679/creds",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN", container_token, NULL
	};
	Mock		sts = {.name = "sts"};
	Mock		meta = {.name = "metadata"};
	DdbCredConfig cfg;
	char		akid[16];

	mock_reply(&meta, 200, imds_reply);
	memset(&cfg, 0, sizeof(cfg));
	cfg.ambient = DDB_AMBIENT_CONTAINER;
	cfg.region = "us-east-1";
	mock_env_use(env);
	watch();
	CHECK(resolve(&cfg, &sts, &meta, akid));
	CHECK(unwatch() == 0);
	CHECK_STR(akid, "ASIAMETA");
	CHECK(requests_with_mark(&meta) == 1);
	mock_env_clear();
	mock_reset(&meta);
}

int
main(void)
{
	unit_network_init();
	make_secrets();

	test_detector();
	test_secret_buf();
	test_sigv4();
	test_signed_request();
	test_sts();
	test_imds();
	test_container();

	unlink(web_token_path);
	return unit_report("test_secrets");
}
