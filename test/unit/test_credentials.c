/*-------------------------------------------------------------------------
 *
 * test_credentials.c
 *		Unit tests of the credential chain and cache (src/aws/credentials.c):
 *		static keys, the ambient sources (environment, web identity,
 *		container endpoint, IMDSv2), a role assumed on top, refresh before
 *		expiry.  The environment, the clock and both HTTP clients are mocks;
 *		the only files touched are temporary token files under /tmp.
 *
 * Wire examples follow aws-wire-formats.md sections (a) (AssumeRole), (b)
 * (AssumeRoleWithWebIdentity) and (c) (IMDSv2, ECS/EKS container endpoint).
 *
 * IDENTIFICATION
 *		test/unit/test_credentials.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "credentials.h"
#include "json.h"
#include "mock.h"
#include "unit.h"

UNIT_DEFINE_COUNTERS;

/* a fixed "now": 2023-11-14T22:13:20Z */
#define T0 UNIT_T0

static Mock sts_mock = {.name = "sts"};
static Mock meta_mock = {.name = "metadata"};
static DdbHttpClient *sts_http;
static DdbHttpClient *meta_http;

/*
 * Request i was made as credential answers must be: capped at
 * DDB_HTTP_MAX_CONTROL_RESPONSE, into a secret body, and (metadata only)
 * never through a proxy.
 */
static bool
req_is_control(const Mock *m, int i, bool want_no_proxy)
{
	const MockRequest *q = mock_request(m, i);

	return q != NULL && q->max_bytes == DDB_HTTP_MAX_CONTROL_RESPONSE &&
		q->secret && q->no_proxy == want_no_proxy;
}

/* ----------------------------------------------------------------
 * Replies
 * ----------------------------------------------------------------
 */
static void
format_time(time_t t, char out[32])
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* An AssumeRole[WithWebIdentity] success document (malloc'd). */
static char *
sts_xml(bool web, const char *akid, const char *secret, const char *token,
		time_t expiration)
{
	const char *action = web ? "AssumeRoleWithWebIdentity" : "AssumeRole";
	char		exp[32];
	DdbBuf		b;

	format_time(expiration, exp);
	ddb_buf_init(&b);
	ddb_buf_printf(&b,
				   "<%sResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
				   "  <%sResult>\n"
				   "    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn>"
				   "<AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>\n"
				   "    <Credentials>\n"
				   "      <AccessKeyId>%s</AccessKeyId>\n"
				   "      <SecretAccessKey>%s</SecretAccessKey>\n"
				   "      <SessionToken>%s</SessionToken>\n"
				   "      <Expiration>%s</Expiration>\n"
				   "    </Credentials>\n"
				   "  </%sResult>\n"
				   "  <ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata>\n"
				   "</%sResponse>\n",
				   action, action, akid, secret, token, exp, action, action);
	return ddb_buf_steal(&b);
}

/* An IMDS / container credentials document (malloc'd); token may be NULL. */
static char *
creds_json(const char *akid, const char *secret, const char *token, time_t expiration)
{
	char		exp[32];
	DdbBuf		b;

	format_time(expiration, exp);
	ddb_buf_init(&b);
	ddb_buf_printf(&b, "{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2012-04-26T16:39:16Z\",\n"
				   "  \"Type\" : \"AWS-HMAC\",\n  \"AccessKeyId\" : \"%s\",\n"
				   "  \"SecretAccessKey\" : \"%s\",\n", akid, secret);
	if (token)
		ddb_buf_printf(&b, "  \"Token\" : \"%s\",\n", token);
	ddb_buf_printf(&b, "  \"Expiration\" : \"%s\"\n}", exp);
	return ddb_buf_steal(&b);
}

static const char access_denied[] =
"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
"  <Error>\n    <Type>Sender</Type>\n    <Code>AccessDenied</Code>\n"
"    <Message>User: arn:aws:iam::123456789012:user/pg is not authorized to perform: sts:AssumeRole</Message>\n"
"  </Error>\n  <RequestId>4d1a3e0e</RequestId>\n</ErrorResponse>\n";

/* Scripts the three IMDSv2 answers (token, role list, credentials). */
static void
script_imds(const char *akid, time_t expiration)
{
	mock_reply(&meta_mock, 200, "IMDS-SESSION-TOKEN==");
	mock_reply(&meta_mock, 200, "ec2-role\n");
	mock_reply_owned(&meta_mock, 200, creds_json(akid, "imds-secret", "imds-token", expiration));
}

/* ----------------------------------------------------------------
 * Fixture
 * ----------------------------------------------------------------
 */
static DdbCredHost host;
static DdbCredConfig cfg;
static DdbCredState st;
static DdbAwsError err;
static const DdbAwsCredentials *out;

/* A fresh cache: what get() resolved before is forgotten. */
static void
forget(void)
{
	ddb_cred_state_clear(&st);
	memset(&st, 0, sizeof(st));
}

static void
reset(void)
{
	forget();
	mock_reset(&sts_mock);
	mock_reset(&meta_mock);
	mock_env_clear();
	mock_now = T0;
	memset(&cfg, 0, sizeof(cfg));
	cfg.region = "us-east-1";
	ddb_aws_error_clear(&err);
	out = NULL;
}

static bool
get(void)
{
	memset(&err, 'x', sizeof(err));
	err.message[sizeof(err.message) - 1] = '\0';
	err.code[0] = '\0';
	err.kind = DDB_AWS_OK;
	err.http_status = 0;
	out = (const DdbAwsCredentials *) &err;	/* junk: must become NULL or valid */
	return ddb_credentials_get(&st, &cfg, &host, &out, &err);
}

/* A temporary file holding contents; returns its malloc'd path. */
static char *
temp_file(const char *contents)
{
	char		path[] = "/tmp/ddb_fdw_cred_test_XXXXXX";
	int			fd = mkstemp(path);
	size_t		n = strlen(contents);

	if (fd < 0 || write(fd, contents, n) != (ssize_t) n)
	{
		fprintf(stderr, "could not write a temporary file\n");
		exit(2);
	}
	close(fd);
	return xstrdup(path);
}

static void
remove_temp_file(char *path)
{
	unlink(path);
	free(path);
}

static bool
contains(const char *s, const char *part)
{
	return s != NULL && strstr(s, part) != NULL;
}

#define ROLE_ARN "arn:aws:iam::123456789012:role/ddb-reader"
#define ROLE_ARN_FORM "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fddb-reader"
#define WEB_ROLE_ARN "arn:aws:iam::123456789012:role/web"
#define WEB_TOKEN "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwZyJ9.c2ln"

/* Every source configured: environment, web identity, container, IMDS. */
static void
configure_all_sources(const char *token_file)
{
	mock_env_set("AWS_ACCESS_KEY_ID", "ENVAKID");
	mock_env_set("AWS_SECRET_ACCESS_KEY", "env-secret");
	mock_env_set("AWS_WEB_IDENTITY_TOKEN_FILE", token_file);
	mock_env_set("AWS_ROLE_ARN", WEB_ROLE_ARN);
	mock_env_set("AWS_ROLE_SESSION_NAME", "web-session");
	mock_env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:51679/creds");
}

/* ----------------------------------------------------------------
 * Static keys and the ambient switch
 * ----------------------------------------------------------------
 */
static void
test_static(void)
{
	char	   *token_file;

	reset();
	token_file = temp_file(WEB_TOKEN "\n");
	configure_all_sources(token_file);
	cfg.access_key_id = "AKIDSTATIC";
	cfg.secret_access_key = "static-secret";
	cfg.session_token = "static-token";
	cfg.ambient = DDB_AMBIENT_ALL;
	CHECK(get());
	CHECK(out == &st.current);
	CHECK_STR(out->access_key_id, "AKIDSTATIC");
	CHECK_STR(out->secret_access_key, "static-secret");
	CHECK_STR(out->session_token, "static-token");
	CHECK(out->expiration == 0);
	CHECK(st.base_source == DDB_CRED_STATIC);
	CHECK(st.base_resolutions == 1 && st.assume_role_calls == 0);
	/* never the network, never the environment's keys */
	CHECK(sts_mock.nreq == 0 && meta_mock.nreq == 0);

	/* does not expire: years later, still the same, still no request */
	mock_now = T0 + 10 * 365 * 86400L;
	CHECK(get());
	CHECK_STR(out->access_key_id, "AKIDSTATIC");
	CHECK(st.base_resolutions == 1);
	CHECK(sts_mock.nreq == 0 && meta_mock.nreq == 0);

	/* no session token */
	forget();
	cfg.session_token = NULL;
	CHECK(get());
	CHECK(out->session_token == NULL);

	/* ambient not allowed, no keys: refused, whatever the host offers */
	forget();
	cfg.access_key_id = cfg.secret_access_key = NULL;
	cfg.ambient = 0;
	mock_reply(&sts_mock, 200, "unused");
	script_imds("AKIDIMDS", T0 + 3600);
	CHECK(!get());
	CHECK(out == NULL);
	CHECK(err.kind == DDB_AWS_ERR_INVALID);
	CHECK(contains(err.message, "ambient credentials are not allowed"));
	CHECK(st.failed_source == DDB_CRED_NONE);
	CHECK(st.current.access_key_id == NULL && st.base.access_key_id == NULL);
	/* nothing contacted: no request at all */
	CHECK(sts_mock.nreq == 0 && meta_mock.nreq == 0);
	/* not even to assume a role with nothing */
	cfg.role_arn = ROLE_ARN;
	CHECK(!get());
	CHECK(err.kind == DDB_AWS_ERR_INVALID);
	CHECK(sts_mock.nreq == 0 && meta_mock.nreq == 0);
	CHECK(!st.assume_role_failed);
	/* half the static keys are no keys */
	cfg.role_arn = NULL;
	cfg.access_key_id = "AKIDSTATIC";
	CHECK(!get());
	CHECK(err.kind == DDB_AWS_ERR_INVALID);
	CHECK(sts_mock.nreq == 0 && meta_mock.nreq == 0);

	remove_temp_file(token_file);
	reset();
}

/* ----------------------------------------------------------------
 * The chain: order, and the ambient bits
 * ----------------------------------------------------------------
 */
static void
test_chain_order(void)
{
	char	   *token_file = temp_file(WEB_TOKEN "\n");

	reset();
	configure_all_sources(token_file);
	cfg.ambient = DDB_AMBIENT_ALL;

	/* everything configured: the environment wins, nothing is contacted */
	CHECK(get());
	CHECK(st.base_source == DDB_CRED_ENVIRONMENT);
	CHECK_STR(out->access_key_id, "ENVAKID");
	CHECK(sts_mock.nreq == 0 && meta_mock.nreq == 0);

	/* no environment keys: web identity, STS only */
	ddb_cred_state_clear(&st);
	mock_env_set("AWS_ACCESS_KEY_ID", NULL);
	mock_env_set("AWS_SECRET_ACCESS_KEY", NULL);
	mock_reply_owned(&sts_mock, 200, sts_xml(true, "ASIAWEB", "web-secret", "web-token", T0 + 3600));
	CHECK(get());
	CHECK(st.base_source == DDB_CRED_WEB_IDENTITY);
	CHECK_STR(out->access_key_id, "ASIAWEB");
	CHECK(sts_mock.nreq == 1 && meta_mock.nreq == 0);
	mock_done(&sts_mock, __LINE__);

	/* no web identity either: the container endpoint, one GET */
	ddb_cred_state_clear(&st);
	mock_env_set("AWS_WEB_IDENTITY_TOKEN_FILE", NULL);
	mock_env_set("AWS_ROLE_ARN", NULL);
	mock_reply_owned(&meta_mock, 200, creds_json("ASIACONTAINER", "c-secret", "c-token", T0 + 3600));
	CHECK(get());
	CHECK(st.base_source == DDB_CRED_CONTAINER);
	CHECK_STR(out->access_key_id, "ASIACONTAINER");
	CHECK(sts_mock.nreq == 1 && meta_mock.nreq == 1);
	CHECK_STR(mock_url(&meta_mock, 0), "http://127.0.0.1:51679/creds");
	mock_done(&meta_mock, __LINE__);

	/* no container: IMDS, three requests */
	ddb_cred_state_clear(&st);
	mock_env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", NULL);
	script_imds("ASIAIMDS", T0 + 3600);
	CHECK(get());
	CHECK(st.base_source == DDB_CRED_IMDS);
	CHECK_STR(out->access_key_id, "ASIAIMDS");
	CHECK(sts_mock.nreq == 1 && meta_mock.nreq == 4);
	CHECK_STR(mock_url(&meta_mock, 1), "http://169.254.169.254/latest/api/token");
	mock_done(&meta_mock, __LINE__);

	/* and IMDS disabled: nothing left */
	ddb_cred_state_clear(&st);
	mock_env_set("AWS_EC2_METADATA_DISABLED", "true");
	CHECK(!get());
	CHECK(out == NULL);
	CHECK(err.kind == DDB_AWS_ERR_INVALID);
	CHECK(contains(err.message, "no AWS credentials found"));
	CHECK(st.failed_source == DDB_CRED_NONE);
	CHECK(sts_mock.nreq == 1 && meta_mock.nreq == 4);

	remove_temp_file(token_file);
	reset();
}

static void
test_ambient_bits(void)
{
	char	   *token_file;

	/* only IMDS allowed: the configured environment, web identity and container are ignored */
	reset();
	token_file = temp_file(WEB_TOKEN "\n");
	configure_all_sources(token_file);
	cfg.ambient = DDB_AMBIENT_IMDS;
	script_imds("ASIAIMDS", T0 + 3600);
	CHECK(get());
	CHECK(st.base_source == DDB_CRED_IMDS);
	CHECK(sts_mock.nreq == 0 && meta_mock.nreq == 3);
	CHECK(contains(mock_url(&meta_mock, 0), "169.254.169.254"));
	mock_done(&meta_mock, __LINE__);

	/* only the container */
	forget();
	mock_reset(&meta_mock);
	cfg.ambient = DDB_AMBIENT_CONTAINER;
	mock_reply_owned(&meta_mock, 200, creds_json("ASIACONTAINER", "s", "t", T0 + 3600));
	CHECK(get());
	CHECK(st.base_source == DDB_CRED_CONTAINER);
	CHECK(sts_mock.nreq == 0 && meta_mock.nreq == 1);
	mock_done(&meta_mock, __LINE__);

	/* only web identity */
	forget();
	mock_reset(&meta_mock);
	cfg.ambient = DDB_AMBIENT_WEB_IDENTITY;
	mock_reply_owned(&sts_mock, 200, sts_xml(true, "ASIAWEB", "s", "t", T0 + 3600));
	CHECK(get());
	CHECK(st.base_source == DDB_CRED_WEB_IDENTITY);
	CHECK(sts_mock.nreq == 1 && meta_mock.nreq == 0);
	mock_done(&sts_mock, __LINE__);

	/* container and IMDS allowed: the container comes first */
	forget();
	mock_reset(&sts_mock);
	cfg.ambient = DDB_AMBIENT_CONTAINER | DDB_AMBIENT_IMDS;
	mock_reply_owned(&meta_mock, 200, creds_json("ASIACONTAINER", "s", "t", T0 + 3600));
	CHECK(get());
	CHECK(st.base_source == DDB_CRED_CONTAINER);
	CHECK(meta_mock.nreq == 1 && sts_mock.nreq == 0);
	mock_done(&meta_mock, __LINE__);

	/* allowed sources not configured, configured ones not allowed: nothing */
	reset();
	mock_env_set("AWS_ACCESS_KEY_ID", "ENVAKID");
	mock_env_set("AWS_SECRET_ACCESS_KEY", "env-secret");
	cfg.ambient = DDB_AMBIENT_WEB_IDENTITY | DDB_AMBIENT_CONTAINER;
	script_imds("ASIAIMDS", T0 + 3600);
	CHECK(!get());
	CHECK(err.kind == DDB_AWS_ERR_INVALID);
	CHECK(contains(err.message, "no AWS credentials found"));
	CHECK(sts_mock.nreq == 0 && meta_mock.nreq == 0);

	/* only the environment allowed */
	cfg.ambient = DDB_AMBIENT_ENVIRONMENT;
	CHECK(get());
	CHECK(st.base_source == DDB_CRED_ENVIRONMENT);
	CHECK(sts_mock.nreq == 0 && meta_mock.nreq == 0);

	remove_temp_file(token_file);
	reset();
}

/* ----------------------------------------------------------------
 * Environment
 * ----------------------------------------------------------------
 */
static void
test_environment(void)
{
	char		exp[32];

	reset();
	cfg.ambient = DDB_AMBIENT_ENVIRONMENT | DDB_AMBIENT_IMDS;
	script_imds("ASIAIMDS", T0 + 3600);	/* must stay untouched */

	/* one of the two: an error naming the source, not the next source */
	mock_env_set("AWS_ACCESS_KEY_ID", "ENVAKID");
	CHECK(!get());
	CHECK(out == NULL);
	CHECK(err.kind == DDB_AWS_ERR_INVALID);
	CHECK(contains(err.message, "environment"));
	CHECK(contains(err.message, "AWS_SECRET_ACCESS_KEY"));
	CHECK(st.failed_source == DDB_CRED_ENVIRONMENT);
	mock_env_set("AWS_ACCESS_KEY_ID", NULL);
	mock_env_set("AWS_SECRET_ACCESS_KEY", "env-secret");
	CHECK(!get());
	CHECK(contains(err.message, "environment"));
	CHECK(!contains(err.message, "env-secret"));
	CHECK(st.failed_source == DDB_CRED_ENVIRONMENT);
	/* an empty variable counts as unset */
	mock_env_set("AWS_ACCESS_KEY_ID", "");
	CHECK(!get());
	CHECK(st.failed_source == DDB_CRED_ENVIRONMENT);
	CHECK(meta_mock.nreq == 0);

	/* both, with a session token */
	mock_env_set("AWS_ACCESS_KEY_ID", "ENVAKID");
	mock_env_set("AWS_SESSION_TOKEN", "env-token");
	forget();
	CHECK(get());
	CHECK(st.failed_source == DDB_CRED_NONE);
	CHECK_STR(out->access_key_id, "ENVAKID");
	CHECK_STR(out->secret_access_key, "env-secret");
	CHECK_STR(out->session_token, "env-token");
	CHECK(out->expiration == 0);
	/* no expiration: never read again */
	mock_now = T0 + 100 * 86400L;
	mock_env_set("AWS_ACCESS_KEY_ID", "ROTATED");
	CHECK(get());
	CHECK_STR(out->access_key_id, "ENVAKID");
	CHECK(st.base_resolutions == 1);

	/* AWS_CREDENTIAL_EXPIRATION: kept, and the variables read again near it */
	forget();
	mock_now = T0;
	mock_env_set("AWS_ACCESS_KEY_ID", "ENVAKID");
	format_time(T0 + 3600, exp);
	mock_env_set("AWS_CREDENTIAL_EXPIRATION", exp);
	CHECK(get());
	CHECK(out->expiration == T0 + 3600);
	mock_env_set("AWS_ACCESS_KEY_ID", "ROTATED");
	format_time(T0 + 7200, exp);
	mock_env_set("AWS_CREDENTIAL_EXPIRATION", exp);
	mock_now = T0 + 3600 - DDB_CRED_REFRESH_MARGIN - 1;
	CHECK(get());
	CHECK_STR(out->access_key_id, "ENVAKID");
	CHECK(st.base_resolutions == 1);
	mock_now = T0 + 3600 - DDB_CRED_REFRESH_MARGIN;
	CHECK(get());
	CHECK_STR(out->access_key_id, "ROTATED");
	CHECK(out->expiration == T0 + 7200);
	CHECK(st.base_resolutions == 2);
	/* with milliseconds */
	forget();
	mock_env_set("AWS_CREDENTIAL_EXPIRATION", "2023-11-15T00:00:00.123Z");
	CHECK(get());
	CHECK(out->expiration == (time_t) 1700006400);

	/* an invalid one is an error, not "never expires" */
	forget();
	mock_env_set("AWS_CREDENTIAL_EXPIRATION", "next tuesday");
	CHECK(!get());
	CHECK(err.kind == DDB_AWS_ERR_INVALID);
	CHECK(contains(err.message, "environment credentials"));
	CHECK(contains(err.message, "AWS_CREDENTIAL_EXPIRATION"));
	CHECK(st.failed_source == DDB_CRED_ENVIRONMENT);

	/* IMDS was never asked */
	CHECK(meta_mock.nreq == 0 && sts_mock.nreq == 0);
	reset();
}

/* ----------------------------------------------------------------
 * Web identity
 * ----------------------------------------------------------------
 */
static void
test_web_identity(void)
{
	char	   *token_file;
	char	   *path;

	reset();
	token_file = temp_file("  " WEB_TOKEN " \n\n");	/* trailing blanks trimmed */
	cfg.ambient = DDB_AMBIENT_WEB_IDENTITY | DDB_AMBIENT_IMDS;
	cfg.sts_endpoint = "https://sts.eu-west-1.amazonaws.com";
	cfg.region = "eu-west-1";
	mock_env_set("AWS_WEB_IDENTITY_TOKEN_FILE", token_file);
	mock_env_set("AWS_ROLE_ARN", WEB_ROLE_ARN);
	mock_env_set("AWS_ROLE_SESSION_NAME", "web-session");
	mock_reply_owned(&sts_mock, 200, sts_xml(true, "ASIAWEB", "web-secret", "web-token", T0 + 3600));
	CHECK(get());
	CHECK(st.base_source == DDB_CRED_WEB_IDENTITY);
	CHECK_STR(out->access_key_id, "ASIAWEB");
	CHECK_STR(out->secret_access_key, "web-secret");
	CHECK_STR(out->session_token, "web-token");
	CHECK(out->expiration == T0 + 3600);
	CHECK(sts_mock.nreq == 1 && meta_mock.nreq == 0);
	CHECK_STR(mock_method(&sts_mock, 0), "POST");
	CHECK_STR(mock_url(&sts_mock, 0), "https://sts.eu-west-1.amazonaws.com/");
	/* leading blanks are part of the file's text, as it was written */
	CHECK_STR(mock_body(&sts_mock, 0),
			  "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
			  "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fweb"
			  "&RoleSessionName=web-session&WebIdentityToken=%20%20" WEB_TOKEN);
	/* unsigned: the token is the proof */
	CHECK(mock_header(&sts_mock, 0, "Authorization") == NULL);
	/* at most 1 MiB, wiped; STS may go through the host's proxy */
	CHECK(req_is_control(&sts_mock, 0, false));
	CHECK(mock_header(&sts_mock, 0, "X-Amz-Security-Token") == NULL);
	CHECK_STR(mock_header(&sts_mock, 0, "Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
	mock_done(&sts_mock, __LINE__);
	remove_temp_file(token_file);

	/* the region's endpoint by default; session name from cfg, then "ddb_fdw" */
	forget();
	mock_reset(&sts_mock);
	token_file = temp_file(WEB_TOKEN);
	mock_env_set("AWS_WEB_IDENTITY_TOKEN_FILE", token_file);
	mock_env_set("AWS_ROLE_SESSION_NAME", NULL);
	cfg.sts_endpoint = NULL;
	cfg.region = "us-west-2";
	cfg.role_session_name = "cfg-session";
	cfg.session_duration = 1800;
	mock_reply_owned(&sts_mock, 200, sts_xml(true, "ASIAWEB", "s", "t", T0 + 1800));
	CHECK(get());
	CHECK_STR(mock_url(&sts_mock, 0), "https://sts.us-west-2.amazonaws.com/");
	CHECK_STR(mock_body(&sts_mock, 0),
			  "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
			  "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fweb"
			  "&RoleSessionName=cfg-session&DurationSeconds=1800&WebIdentityToken=" WEB_TOKEN);
	forget();
	cfg.role_session_name = NULL;
	cfg.session_duration = 0;
	mock_reply_owned(&sts_mock, 200, sts_xml(true, "ASIAWEB", "s", "t", T0 + 1800));
	CHECK(get());
	CHECK(contains(mock_body(&sts_mock, 1), "&RoleSessionName=ddb_fdw&"));
	mock_done(&sts_mock, __LINE__);

	/* STS refuses the token: the chain stops here */
	forget();
	mock_reply(&sts_mock, 400,
			   "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>"
			   "<Message>Incorrect token audience</Message></Error></ErrorResponse>");
	script_imds("ASIAIMDS", T0 + 3600);
	CHECK(!get());
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK_STR(err.code, "InvalidIdentityToken");
	CHECK(err.http_status == 400);
	CHECK(contains(err.message, "web identity credentials: Incorrect token audience"));
	CHECK(st.failed_source == DDB_CRED_WEB_IDENTITY);
	CHECK(meta_mock.nreq == 0);
	mock_reset(&meta_mock);
	mock_done(&sts_mock, __LINE__);

	/* a missing token file: an error naming it, no request */
	path = xstrdup(token_file);
	remove_temp_file(token_file);
	forget();
	mock_reset(&sts_mock);
	CHECK(!get());
	CHECK(err.kind == DDB_AWS_ERR_INVALID);
	CHECK(contains(err.message, "web identity credentials"));
	CHECK(contains(err.message, path));
	CHECK(st.failed_source == DDB_CRED_WEB_IDENTITY);
	CHECK(sts_mock.nreq == 0 && meta_mock.nreq == 0);
	free(path);

	/* an empty (or blank) token file */
	token_file = temp_file(" \n");
	mock_env_set("AWS_WEB_IDENTITY_TOKEN_FILE", token_file);
	CHECK(!get());
	CHECK(contains(err.message, "empty"));
	CHECK(st.failed_source == DDB_CRED_WEB_IDENTITY);
	CHECK(sts_mock.nreq == 0);
	remove_temp_file(token_file);

	/* a token file over the 64 kB limit */
	{
		char	   *big = xmalloc(70001);

		memset(big, 'x', 70000);
		big[70000] = '\0';
		token_file = temp_file(big);
		free(big);
		mock_env_set("AWS_WEB_IDENTITY_TOKEN_FILE", token_file);
		CHECK(!get());
		CHECK(contains(err.message, "too large"));
		CHECK(st.failed_source == DDB_CRED_WEB_IDENTITY);
		CHECK(sts_mock.nreq == 0);
		remove_temp_file(token_file);
	}

	/* a token file that is no text */
	{
		char		p2[] = "/tmp/ddb_fdw_cred_test_XXXXXX";
		int			fd = mkstemp(p2);

		CHECK(fd >= 0 && write(fd, "ab\0cd", 5) == 5);
		close(fd);
		mock_env_set("AWS_WEB_IDENTITY_TOKEN_FILE", p2);
		CHECK(!get());
		CHECK(st.failed_source == DDB_CRED_WEB_IDENTITY);
		CHECK(sts_mock.nreq == 0);
		unlink(p2);
	}

	/* half configured: an error, not the next source */
	mock_env_set("AWS_WEB_IDENTITY_TOKEN_FILE", NULL);
	script_imds("ASIAIMDS", T0 + 3600);
	CHECK(!get());
	CHECK(contains(err.message, "AWS_WEB_IDENTITY_TOKEN_FILE"));
	CHECK(st.failed_source == DDB_CRED_WEB_IDENTITY);
	mock_env_set("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token");
	mock_env_set("AWS_ROLE_ARN", NULL);
	CHECK(!get());
	CHECK(st.failed_source == DDB_CRED_WEB_IDENTITY);
	CHECK(sts_mock.nreq == 0 && meta_mock.nreq == 0);

	reset();
}

/* ----------------------------------------------------------------
 * Container endpoint
 * ----------------------------------------------------------------
 */

/* Resolves with only the container allowed and FULL_URI = url. */
static bool
container_get(const char *full_uri)
{
	forget();
	mock_reset(&meta_mock);
	mock_env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", full_uri);
	mock_reply_owned(&meta_mock, 200, creds_json("ASIACONTAINER", "c-secret", "c-token", T0 + 3600));
	return get();
}

static void
expect_container_url(const char *full_uri, const char *want_url)
{
	CHECK_MSG(container_get(full_uri), full_uri);
	CHECK_STR(mock_url(&meta_mock, 0), want_url);
}

static void
expect_container_refused(const char *full_uri)
{
	CHECK_MSG(!container_get(full_uri), full_uri);
	CHECK_MSG(meta_mock.nreq == 0, full_uri);
	CHECK(st.failed_source == DDB_CRED_CONTAINER);
	CHECK(contains(err.message, "container credentials"));
}

static void
expect_container_bad_reply(long status, const char *body, DdbAwsErrorKind kind,
						   const char *msg_part, int line)
{
	char		ctx[64];

	snprintf(ctx, sizeof(ctx), "reply at line %d", line);
	forget();
	mock_reset(&meta_mock);
	mock_reply(&meta_mock, status, body);
	CHECK_MSG(!get(), ctx);
	CHECK_MSG(out == NULL, ctx);
	CHECK_MSG(err.kind == kind, ctx);
	CHECK_MSG(contains(err.message, msg_part), err.message);
	CHECK_MSG(contains(err.message, "container"), err.message);
	CHECK_MSG(st.failed_source == DDB_CRED_CONTAINER, ctx);
	CHECK_MSG(meta_mock.nreq == 1, ctx);	/* and no IMDS after it */
}

static void
test_container(void)
{
	char	   *token_file;
	char	   *json;

	reset();
	cfg.ambient = DDB_AMBIENT_CONTAINER;

	/* FULL_URI on loopback, no token */
	CHECK(container_get("http://127.0.0.1:51679/creds"));
	CHECK(st.base_source == DDB_CRED_CONTAINER);
	CHECK_STR(out->access_key_id, "ASIACONTAINER");
	CHECK_STR(out->secret_access_key, "c-secret");
	CHECK_STR(out->session_token, "c-token");
	CHECK(out->expiration == T0 + 3600);
	CHECK(meta_mock.nreq == 1 && sts_mock.nreq == 0);
	CHECK_STR(mock_method(&meta_mock, 0), "GET");
	CHECK_STR(mock_url(&meta_mock, 0), "http://127.0.0.1:51679/creds");
	CHECK(mock_header(&meta_mock, 0, "Authorization") == NULL);
	/* at most 1 MiB, wiped, never through a proxy */
	CHECK(req_is_control(&meta_mock, 0, true));

	/* the token from the environment */
	mock_env_set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic env-token");
	CHECK(container_get("http://127.0.0.1:51679/creds"));
	CHECK_STR(mock_header(&meta_mock, 0, "Authorization"), "Basic env-token");
	/* the token file wins over the variable, and is trimmed */
	token_file = temp_file("file-token\n");
	mock_env_set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file);
	CHECK(container_get("http://169.254.170.23/v1/credentials"));
	CHECK_STR(mock_header(&meta_mock, 0, "Authorization"), "file-token");
	/* and is read again on each fetch (EKS rotates it) */
	{
		FILE	   *f = fopen(token_file, "w");

		CHECK(f != NULL && fputs("rotated-token", f) >= 0);
		if (f)
			fclose(f);
	}
	CHECK(container_get("http://169.254.170.23/v1/credentials"));
	CHECK_STR(mock_header(&meta_mock, 0, "Authorization"), "rotated-token");
	/* a token file that cannot be read: an error, no request */
	remove_temp_file(token_file);
	CHECK(!container_get("http://169.254.170.23/v1/credentials"));
	CHECK(meta_mock.nreq == 0);
	CHECK(st.failed_source == DDB_CRED_CONTAINER);
	mock_env_set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", NULL);
	mock_env_set("AWS_CONTAINER_AUTHORIZATION_TOKEN", NULL);

	/* RELATIVE_URI: the ECS host, with or without a leading slash; it wins over FULL_URI */
	mock_env_set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/4cc1d3d5-1a52?id=7");
	expect_container_url(NULL, "http://169.254.170.2/v2/credentials/4cc1d3d5-1a52?id=7");
	expect_container_url("http://127.0.0.1:51679/creds", "http://169.254.170.2/v2/credentials/4cc1d3d5-1a52?id=7");
	/* even when FULL_URI would be refused: it is not used */
	expect_container_url("http://example.com/creds", "http://169.254.170.2/v2/credentials/4cc1d3d5-1a52?id=7");
	mock_env_set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "creds");
	expect_container_url(NULL, "http://169.254.170.2/creds");
	/* a relative URI cannot smuggle in another host */
	mock_env_set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "@example.com/creds");
	expect_container_url(NULL, "http://169.254.170.2/@example.com/creds");
	mock_env_set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", NULL);

	/* plain http only to loopback and the container hosts; https anywhere */
	expect_container_url("http://localhost:8080/c", "http://localhost:8080/c");
	expect_container_url("http://127.1.2.3/c", "http://127.1.2.3/c");
	expect_container_url("http://[::1]:8080/c", "http://[::1]:8080/c");
	expect_container_url("http://169.254.170.2/v2/c", "http://169.254.170.2/v2/c");
	expect_container_url("http://[fd00:ec2::23]/v1/credentials", "http://[fd00:ec2::23]/v1/credentials");
	expect_container_url("http://127.0.0.1:51679/creds?x=1&y=@example.com",
						 "http://127.0.0.1:51679/creds?x=1&y=@example.com");
	expect_container_url("https://example.com/creds", "https://example.com/creds");
	expect_container_url("https://creds.example.net:8443/x", "https://creds.example.net:8443/x");

	expect_container_refused("http://example.com/creds");
	expect_container_refused("http://169.254.169.254/latest/meta-data/");
	expect_container_refused("http://10.0.0.1/creds");
	expect_container_refused("http://[fd00:ec2::254]/creds");
	expect_container_refused("http://localhost.example.com/creds");
	/* names that merely start like a loopback address are not one */
	expect_container_refused("http://127.example.com/creds");
	expect_container_refused("http://127.0.0.1.example.com/creds");
	expect_container_refused("http://127.0.0.1@example.com/creds");
	expect_container_refused("ftp://127.0.0.1/creds");
	expect_container_refused("127.0.0.1/creds");

	/* replies that are not credentials */
	mock_env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:51679/creds");
	expect_container_bad_reply(200, "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":\"T\"}",
							   DDB_AWS_ERR_MALFORMED, "Expiration", __LINE__);
	expect_container_bad_reply(200, "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":\"T\","
							   "\"Expiration\":\"EXPIRATION_DATE\"}",
							   DDB_AWS_ERR_MALFORMED, "Expiration", __LINE__);
	expect_container_bad_reply(200, "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":\"T\","
							   "\"Expiration\":1700003600}",
							   DDB_AWS_ERR_MALFORMED, "Expiration", __LINE__);
	expect_container_bad_reply(200, "{\"SecretAccessKey\":\"S\",\"Expiration\":\"2023-11-15T00:00:00Z\"}",
							   DDB_AWS_ERR_MALFORMED, "AccessKeyId", __LINE__);
	expect_container_bad_reply(200, "{\"AccessKeyId\":\"\",\"SecretAccessKey\":\"S\","
							   "\"Expiration\":\"2023-11-15T00:00:00Z\"}",
							   DDB_AWS_ERR_MALFORMED, "AccessKeyId", __LINE__);
	expect_container_bad_reply(200, "[\"AccessKeyId\"]", DDB_AWS_ERR_MALFORMED, "JSON", __LINE__);
	expect_container_bad_reply(200, "{\"AccessKeyId\":\"A\"", DDB_AWS_ERR_MALFORMED, "JSON", __LINE__);
	expect_container_bad_reply(200, "<html>hi</html>", DDB_AWS_ERR_MALFORMED, "JSON", __LINE__);
	expect_container_bad_reply(200, "", DDB_AWS_ERR_MALFORMED, "JSON", __LINE__);
	expect_container_bad_reply(500, "{\"code\":\"InternalError\",\"message\":\"boom\"}",
							   DDB_AWS_ERR_HTTP, "container credentials endpoint answered HTTP 500", __LINE__);
	CHECK(err.http_status == 500);
	expect_container_bad_reply(403, "", DDB_AWS_ERR_HTTP, "HTTP 403", __LINE__);

	/* no Token: credentials without a session token */
	forget();
	mock_reset(&meta_mock);
	json = creds_json("AKIDCONTAINER", "s", NULL, T0 + 3600);
	mock_reply_owned(&meta_mock, 200, json);
	CHECK(get());
	CHECK(out->session_token == NULL);

	/* the ECS guide's layout, with RoleArn */
	forget();
	mock_reset(&meta_mock);
	mock_reply(&meta_mock, 200,
			   "{\n    \"AccessKeyId\": \"ACCESS_KEY_ID\",\n    \"Expiration\": \"2023-11-15T00:00:00Z\",\n"
			   "    \"RoleArn\": \"TASK_ROLE_ARN\",\n    \"SecretAccessKey\": \"SECRET_ACCESS_KEY\",\n"
			   "    \"Token\": \"SECURITY_TOKEN_STRING\"\n}");
	CHECK(get());
	CHECK_STR(out->access_key_id, "ACCESS_KEY_ID");
	CHECK_STR(out->secret_access_key, "SECRET_ACCESS_KEY");
	CHECK_STR(out->session_token, "SECURITY_TOKEN_STRING");
	CHECK(out->expiration == (time_t) 1700006400);

	/* no response */
	forget();
	mock_reset(&meta_mock);
	mock_fail(&meta_mock, DDB_AWS_ERR_CONNECT);
	CHECK(!get());
	CHECK(err.kind == DDB_AWS_ERR_CONNECT);
	CHECK(contains(err.message, "container credentials endpoint: mock metadata: connection refused"));
	CHECK(st.failed_source == DDB_CRED_CONTAINER);

	/* no metadata client at all */
	forget();
	mock_reset(&meta_mock);
	host.metadata_http = NULL;
	CHECK(!get());
	CHECK(st.failed_source == DDB_CRED_CONTAINER);
	host.metadata_http = meta_http;

	reset();
}

/* ----------------------------------------------------------------
 * IMDSv2
 * ----------------------------------------------------------------
 */

/* The three requests of one IMDSv2 fetch against base (no trailing slash). */
static void
check_imds_requests(int first, const char *base)
{
	char		url[256];

	snprintf(url, sizeof(url), "%s/latest/api/token", base);
	CHECK_STR(mock_method(&meta_mock, first), "PUT");
	CHECK_STR(mock_url(&meta_mock, first), url);
	CHECK_STR(mock_header(&meta_mock, first, "X-aws-ec2-metadata-token-ttl-seconds"), "21600");
	CHECK(mock_header(&meta_mock, first, "X-aws-ec2-metadata-token") == NULL);

	snprintf(url, sizeof(url), "%s/latest/meta-data/iam/security-credentials/", base);
	CHECK_STR(mock_method(&meta_mock, first + 1), "GET");
	CHECK_STR(mock_url(&meta_mock, first + 1), url);
	CHECK_STR(mock_header(&meta_mock, first + 1, "X-aws-ec2-metadata-token"), "IMDS-SESSION-TOKEN==");

	snprintf(url, sizeof(url), "%s/latest/meta-data/iam/security-credentials/ec2-role", base);
	CHECK_STR(mock_method(&meta_mock, first + 2), "GET");
	CHECK_STR(mock_url(&meta_mock, first + 2), url);
	CHECK_STR(mock_header(&meta_mock, first + 2, "X-aws-ec2-metadata-token"), "IMDS-SESSION-TOKEN==");
	CHECK(mock_header(&meta_mock, first + 2, "Authorization") == NULL);

	/* all three: at most 1 MiB, wiped, never through a proxy */
	CHECK(req_is_control(&meta_mock, first, true));
	CHECK(req_is_control(&meta_mock, first + 1, true));
	CHECK(req_is_control(&meta_mock, first + 2, true));
}

/* One IMDS resolution from scratch. */
static bool
imds_get(void)
{
	forget();
	mock_reset(&meta_mock);
	return get();
}

/* IMDS answers status at request number at (0: token, 1: role, 2: credentials). */
static void
expect_imds_http_error(int at, long status)
{
	char		ctx[64];

	snprintf(ctx, sizeof(ctx), "HTTP %ld at IMDS request %d", status, at);
	forget();
	mock_reset(&meta_mock);
	if (at > 0)
		mock_reply(&meta_mock, 200, "IMDS-SESSION-TOKEN==");
	if (at > 1)
		mock_reply(&meta_mock, 200, "ec2-role");
	mock_reply(&meta_mock, status, status == 404 ? "<?xml version=\"1.0\"?>\n<html>Not Found</html>" : "");
	CHECK_MSG(!get(), ctx);
	CHECK_MSG(err.kind == DDB_AWS_ERR_HTTP, ctx);
	CHECK_MSG(err.http_status == status, ctx);
	CHECK_MSG(contains(err.message, "instance metadata service"), err.message);
	CHECK_MSG(st.failed_source == DDB_CRED_IMDS, ctx);
	CHECK_MSG(meta_mock.nreq == at + 1, ctx);
	mock_done(&meta_mock, __LINE__);
}

static void
test_imds(void)
{
	reset();
	cfg.ambient = DDB_AMBIENT_IMDS;

	/* the default endpoint: token, role name, credentials */
	script_imds("ASIAIMDS", T0 + 21600);
	CHECK(get());
	CHECK(st.base_source == DDB_CRED_IMDS);
	CHECK_STR(out->access_key_id, "ASIAIMDS");
	CHECK_STR(out->secret_access_key, "imds-secret");
	CHECK_STR(out->session_token, "imds-token");
	CHECK(out->expiration == T0 + 21600);
	CHECK(meta_mock.nreq == 3 && sts_mock.nreq == 0);
	check_imds_requests(0, "http://169.254.169.254");
	mock_done(&meta_mock, __LINE__);

	/* AWS_EC2_METADATA_SERVICE_ENDPOINT, with and without trailing slashes */
	{
		static const char *const endpoints[][2] = {
			{"http://[fd00:ec2::254]", "http://[fd00:ec2::254]"},
			{"http://127.0.0.1:1338/", "http://127.0.0.1:1338"},
			{"http://127.0.0.1:1338//", "http://127.0.0.1:1338"},
		};
		int			i;

		for (i = 0; i < 3; i++)
		{
			mock_env_set("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoints[i][0]);
			forget();
			mock_reset(&meta_mock);
			script_imds("ASIAIMDS", T0 + 21600);
			CHECK(get());
			check_imds_requests(0, endpoints[i][1]);
		}
		mock_env_set("AWS_EC2_METADATA_SERVICE_ENDPOINT", NULL);
	}

	/* several roles listed: the first line names the instance role */
	forget();
	mock_reset(&meta_mock);
	mock_reply(&meta_mock, 200, "IMDS-SESSION-TOKEN==");
	mock_reply(&meta_mock, 200, "ec2-role\r\nother-role\n");
	mock_reply_owned(&meta_mock, 200, creds_json("ASIAIMDS", "s", "t", T0 + 3600));
	CHECK(get());
	check_imds_requests(0, "http://169.254.169.254");
	mock_done(&meta_mock, __LINE__);

	/* AWS_EC2_METADATA_DISABLED=true (any case) skips it; other values do not */
	mock_env_set("AWS_EC2_METADATA_DISABLED", "true");
	CHECK(!imds_get());
	CHECK(contains(err.message, "no AWS credentials found"));
	CHECK(st.failed_source == DDB_CRED_NONE);
	CHECK(meta_mock.nreq == 0);
	mock_env_set("AWS_EC2_METADATA_DISABLED", "TRUE");
	CHECK(!imds_get());
	CHECK(meta_mock.nreq == 0);
	mock_env_set("AWS_EC2_METADATA_DISABLED", "false");
	mock_reset(&meta_mock);
	forget();
	script_imds("ASIAIMDS", T0 + 3600);
	CHECK(get());
	CHECK(meta_mock.nreq == 3);
	mock_env_set("AWS_EC2_METADATA_DISABLED", NULL);

	/* errors at each step name the instance metadata service */
	expect_imds_http_error(0, 401);
	expect_imds_http_error(0, 403);
	expect_imds_http_error(0, 400);
	expect_imds_http_error(1, 401);
	expect_imds_http_error(1, 404);
	expect_imds_http_error(2, 404);
	expect_imds_http_error(2, 500);

	/* bad bodies */
	mock_reset(&meta_mock);
	mock_reply(&meta_mock, 200, "");	/* no token */
	forget();
	CHECK(!get());
	CHECK(err.kind == DDB_AWS_ERR_MALFORMED);
	CHECK(contains(err.message, "instance metadata"));
	CHECK(st.failed_source == DDB_CRED_IMDS);
	CHECK(meta_mock.nreq == 1);

	mock_reset(&meta_mock);
	mock_reply(&meta_mock, 200, "IMDS-SESSION-TOKEN==");
	mock_reply(&meta_mock, 200, "");	/* no role */
	CHECK(!get());
	CHECK(err.kind == DDB_AWS_ERR_MALFORMED);
	CHECK(meta_mock.nreq == 2);
	mock_done(&meta_mock, __LINE__);

	mock_reset(&meta_mock);
	mock_reply(&meta_mock, 200, "IMDS-SESSION-TOKEN==");
	mock_reply(&meta_mock, 200, "../../latest/user-data");	/* not a role name */
	CHECK(!get());
	CHECK(err.kind == DDB_AWS_ERR_MALFORMED);
	CHECK(meta_mock.nreq == 2);
	mock_done(&meta_mock, __LINE__);

	mock_reset(&meta_mock);
	mock_reply(&meta_mock, 200, "IMDS-SESSION-TOKEN==");
	mock_reply(&meta_mock, 200, "ec2-role");
	mock_reply(&meta_mock, 200, "{\"Code\":\"Success\",\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":\"T\"}");
	CHECK(!get());
	CHECK(err.kind == DDB_AWS_ERR_MALFORMED);
	CHECK(contains(err.message, "instance metadata credentials lack a valid Expiration"));
	CHECK(st.failed_source == DDB_CRED_IMDS);
	mock_done(&meta_mock, __LINE__);

	/* no response at all */
	mock_reset(&meta_mock);
	mock_fail(&meta_mock, DDB_AWS_ERR_CONNECT);
	CHECK(!get());
	CHECK(err.kind == DDB_AWS_ERR_CONNECT);
	CHECK(contains(err.message, "instance metadata service (token): mock metadata: connection refused"));
	CHECK(st.failed_source == DDB_CRED_IMDS);

	reset();
}

/* ----------------------------------------------------------------
 * A configured source that fails stops the chain
 * ----------------------------------------------------------------
 */
static bool
always_abort(void *arg)
{
	(void) arg;
	return true;
}

static void
test_failure_stops_chain(void)
{
	char	   *token_file;

	/* a broken environment does not fall through to the instance role */
	reset();
	cfg.ambient = DDB_AMBIENT_ALL;
	mock_env_set("AWS_ACCESS_KEY_ID", "ENVAKID");
	script_imds("ASIAIMDS", T0 + 3600);
	CHECK(!get());
	CHECK(st.failed_source == DDB_CRED_ENVIRONMENT);
	CHECK(sts_mock.nreq == 0 && meta_mock.nreq == 0);

	/* nor a web identity with a missing token file */
	reset();
	cfg.ambient = DDB_AMBIENT_ALL;
	mock_env_set("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/ddb_fdw/token");
	mock_env_set("AWS_ROLE_ARN", WEB_ROLE_ARN);
	mock_env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:51679/creds");
	script_imds("ASIAIMDS", T0 + 3600);
	CHECK(!get());
	CHECK(st.failed_source == DDB_CRED_WEB_IDENTITY);
	CHECK(sts_mock.nreq == 0 && meta_mock.nreq == 0);

	/* nor a web identity STS refuses */
	reset();
	cfg.ambient = DDB_AMBIENT_ALL;
	token_file = temp_file(WEB_TOKEN);
	mock_env_set("AWS_WEB_IDENTITY_TOKEN_FILE", token_file);
	mock_env_set("AWS_ROLE_ARN", WEB_ROLE_ARN);
	mock_reply(&sts_mock, 403, access_denied);
	script_imds("ASIAIMDS", T0 + 3600);
	CHECK(!get());
	CHECK(st.failed_source == DDB_CRED_WEB_IDENTITY);
	CHECK(!st.assume_role_failed);
	CHECK(sts_mock.nreq == 1 && meta_mock.nreq == 0);
	remove_temp_file(token_file);

	/* nor a container endpoint answering 500: no IMDS token request follows */
	reset();
	cfg.ambient = DDB_AMBIENT_ALL;
	mock_env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:51679/creds");
	mock_reply(&meta_mock, 500, "oops");
	script_imds("ASIAIMDS", T0 + 3600);
	CHECK(!get());
	CHECK(st.failed_source == DDB_CRED_CONTAINER);
	CHECK(meta_mock.nreq == 1);
	CHECK_STR(mock_url(&meta_mock, 0), "http://127.0.0.1:51679/creds");

	/* nor a refused container URL */
	reset();
	cfg.ambient = DDB_AMBIENT_ALL;
	mock_env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds");
	script_imds("ASIAIMDS", T0 + 3600);
	CHECK(!get());
	CHECK(st.failed_source == DDB_CRED_CONTAINER);
	CHECK(meta_mock.nreq == 0);

	/* with a role on top: the base failure is reported, no AssumeRole */
	cfg.role_arn = ROLE_ARN;
	CHECK(!get());
	CHECK(st.failed_source == DDB_CRED_CONTAINER);
	CHECK(!st.assume_role_failed);
	CHECK(st.assume_role_calls == 0);
	CHECK(sts_mock.nreq == 0 && meta_mock.nreq == 0);

	/* a canceled request stops the chain too, and keeps its kind */
	mock_env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:51679/creds");
	ddb_http_client_set_abort_hook(meta_http, always_abort, NULL);
	CHECK(!get());
	CHECK(err.kind == DDB_AWS_ERR_ABORTED);
	CHECK(contains(err.message, "canceled"));
	CHECK(st.failed_source == DDB_CRED_CONTAINER);
	CHECK(meta_mock.nreq == 0);
	ddb_http_client_set_abort_hook(meta_http, NULL, NULL);

	/* fixed: the failure marker is reset by the next success */
	mock_env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", NULL);
	cfg.role_arn = NULL;
	CHECK(get());
	CHECK(st.base_source == DDB_CRED_IMDS);
	CHECK(st.failed_source == DDB_CRED_NONE);
	mock_done(&meta_mock, __LINE__);

	reset();
}

/* ----------------------------------------------------------------
 * A role on top of the base credentials
 * ----------------------------------------------------------------
 */
static void
test_role(void)
{
	char		prefix[256];
	char	   *token_file;

	reset();
	cfg.access_key_id = "AKIDBASE";
	cfg.secret_access_key = "base-secret";
	cfg.session_token = "base-token";
	cfg.role_arn = ROLE_ARN;
	cfg.external_id = "ext-id:1/+";
	cfg.role_session_name = "pg_session";
	cfg.session_duration = 900;
	cfg.sts_endpoint = "https://sts.us-east-1.amazonaws.com";
	mock_reply_owned(&sts_mock, 200, sts_xml(false, "ASIAROLE", "role-secret", "role-token", T0 + 900));
	CHECK(get());
	/* *out holds the temporary credentials, the base stays the user mapping's */
	CHECK(out == &st.current);
	CHECK_STR(out->access_key_id, "ASIAROLE");
	CHECK_STR(out->secret_access_key, "role-secret");
	CHECK_STR(out->session_token, "role-token");
	CHECK(out->expiration == T0 + 900);
	CHECK_STR(st.base.access_key_id, "AKIDBASE");
	CHECK(st.base_source == DDB_CRED_STATIC);
	CHECK(st.assume_role_calls == 1 && st.base_resolutions == 1);
	CHECK(!st.assume_role_failed);
	/* the request: signed with the base keys, at the injected time */
	CHECK(sts_mock.nreq == 1 && meta_mock.nreq == 0);
	CHECK_STR(mock_method(&sts_mock, 0), "POST");
	CHECK_STR(mock_url(&sts_mock, 0), "https://sts.us-east-1.amazonaws.com/");
	CHECK_STR(mock_body(&sts_mock, 0),
			  "Action=AssumeRole&Version=2011-06-15&RoleArn=" ROLE_ARN_FORM
			  "&RoleSessionName=pg_session&ExternalId=ext-id%3A1%2F%2B&DurationSeconds=900");
	CHECK_STR(mock_header(&sts_mock, 0, "X-Amz-Date"), "20231114T221320Z");
	CHECK_STR(mock_header(&sts_mock, 0, "X-Amz-Security-Token"), "base-token");
	CHECK_STR(mock_header(&sts_mock, 0, "Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
	snprintf(prefix, sizeof(prefix),
			 "AWS4-HMAC-SHA256 Credential=AKIDBASE/20231114/us-east-1/sts/aws4_request, "
			 "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=");
	CHECK(strncmp(mock_header(&sts_mock, 0, "Authorization"), prefix, strlen(prefix)) == 0);
	/* the signed AssumeRole too: at most 1 MiB, wiped */
	CHECK(req_is_control(&sts_mock, 0, false));
	mock_done(&sts_mock, __LINE__);

	/* defaults: session "ddb_fdw", no ExternalId, no DurationSeconds; the region's endpoint */
	forget();
	mock_reset(&sts_mock);
	cfg.external_id = NULL;
	cfg.role_session_name = NULL;
	cfg.session_duration = 0;
	cfg.session_token = NULL;
	cfg.sts_endpoint = NULL;
	cfg.region = "eu-central-1";
	mock_reply_owned(&sts_mock, 200, sts_xml(false, "ASIAROLE", "s", "t", T0 + 3600));
	CHECK(get());
	CHECK_STR(mock_url(&sts_mock, 0), "https://sts.eu-central-1.amazonaws.com/");
	CHECK_STR(mock_body(&sts_mock, 0),
			  "Action=AssumeRole&Version=2011-06-15&RoleArn=" ROLE_ARN_FORM "&RoleSessionName=ddb_fdw");
	CHECK(mock_header(&sts_mock, 0, "X-Amz-Security-Token") == NULL);
	CHECK(contains(mock_header(&sts_mock, 0, "Authorization"),
				   "Credential=AKIDBASE/20231114/eu-central-1/sts/aws4_request, "
				   "SignedHeaders=content-type;host;x-amz-date, "));

	/* the global endpoint signs for us-east-1, a custom one for the region */
	forget();
	cfg.sts_endpoint = "https://sts.amazonaws.com";
	mock_reply_owned(&sts_mock, 200, sts_xml(false, "ASIAROLE", "s", "t", T0 + 3600));
	CHECK(get());
	CHECK_STR(mock_url(&sts_mock, 1), "https://sts.amazonaws.com/");
	CHECK(contains(mock_header(&sts_mock, 1, "Authorization"), "/20231114/us-east-1/sts/aws4_request"));
	forget();
	cfg.sts_endpoint = "http://127.0.0.1:4566/sts/";
	mock_reply_owned(&sts_mock, 200, sts_xml(false, "ASIAROLE", "s", "t", T0 + 3600));
	CHECK(get());
	CHECK_STR(mock_url(&sts_mock, 2), "http://127.0.0.1:4566/sts/");
	CHECK_STR(mock_header(&sts_mock, 2, "Host"), "127.0.0.1:4566");
	CHECK(contains(mock_header(&sts_mock, 2, "Authorization"), "/20231114/eu-central-1/sts/aws4_request"));
	mock_done(&sts_mock, __LINE__);

	/* AccessDenied: assume_role_failed, no credentials handed out */
	forget();
	mock_reset(&sts_mock);
	mock_reply(&sts_mock, 403, access_denied);
	CHECK(!get());
	CHECK(out == NULL);
	CHECK(st.assume_role_failed);
	CHECK(st.failed_source == DDB_CRED_NONE);
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK_STR(err.code, "AccessDenied");
	CHECK(err.http_status == 403);
	CHECK(contains(err.message, "not authorized to perform: sts:AssumeRole"));
	CHECK(st.assume_role_calls == 1);
	CHECK(st.current.access_key_id == NULL);
	/* the base is kept: the retry is one AssumeRole, and clears the flag */
	mock_reply_owned(&sts_mock, 200, sts_xml(false, "ASIAROLE", "s", "t", T0 + 3600));
	CHECK(get());
	CHECK(!st.assume_role_failed);
	CHECK(st.assume_role_calls == 2 && st.base_resolutions == 1);
	CHECK_STR(out->access_key_id, "ASIAROLE");
	/* a transport failure is an AssumeRole failure too */
	forget();
	mock_fail(&sts_mock, DDB_AWS_ERR_CONNECT);
	CHECK(!get());
	CHECK(st.assume_role_failed);
	CHECK(err.kind == DDB_AWS_ERR_CONNECT);
	mock_done(&sts_mock, __LINE__);

	/* on top of IMDS: the instance role's keys (and token) sign the AssumeRole */
	reset();
	cfg.ambient = DDB_AMBIENT_IMDS;
	cfg.role_arn = ROLE_ARN;
	cfg.external_id = "ext";
	script_imds("ASIAIMDS", T0 + 21600);
	mock_reply_owned(&sts_mock, 200, sts_xml(false, "ASIAROLE", "role-secret", "role-token", T0 + 3600));
	CHECK(get());
	CHECK(st.base_source == DDB_CRED_IMDS);
	CHECK_STR(out->access_key_id, "ASIAROLE");
	CHECK(meta_mock.nreq == 3 && sts_mock.nreq == 1);
	CHECK(contains(mock_header(&sts_mock, 0, "Authorization"), "Credential=ASIAIMDS/20231114/us-east-1/sts/"));
	CHECK_STR(mock_header(&sts_mock, 0, "X-Amz-Security-Token"), "imds-token");
	CHECK(contains(mock_body(&sts_mock, 0), "&ExternalId=ext"));
	mock_done(&meta_mock, __LINE__);
	mock_done(&sts_mock, __LINE__);

	/* on top of web identity: an unsigned call, then one signed by its result */
	reset();
	cfg.ambient = DDB_AMBIENT_ALL;
	cfg.role_arn = ROLE_ARN;
	token_file = temp_file(WEB_TOKEN);
	mock_env_set("AWS_WEB_IDENTITY_TOKEN_FILE", token_file);
	mock_env_set("AWS_ROLE_ARN", WEB_ROLE_ARN);
	mock_reply_owned(&sts_mock, 200, sts_xml(true, "ASIAWEB", "web-secret", "web-token", T0 + 3600));
	mock_reply_owned(&sts_mock, 200, sts_xml(false, "ASIAROLE", "role-secret", "role-token", T0 + 3600));
	CHECK(get());
	CHECK(sts_mock.nreq == 2 && meta_mock.nreq == 0);
	CHECK(mock_header(&sts_mock, 0, "Authorization") == NULL);
	CHECK(contains(mock_body(&sts_mock, 0), "Action=AssumeRoleWithWebIdentity&"));
	CHECK(contains(mock_header(&sts_mock, 1, "Authorization"), "Credential=ASIAWEB/"));
	CHECK_STR(mock_header(&sts_mock, 1, "X-Amz-Security-Token"), "web-token");
	CHECK(contains(mock_body(&sts_mock, 1), "Action=AssumeRole&"));
	CHECK_STR(out->access_key_id, "ASIAROLE");
	mock_done(&sts_mock, __LINE__);
	remove_temp_file(token_file);

	reset();
}

/* ----------------------------------------------------------------
 * Cache and refresh
 * ----------------------------------------------------------------
 */
static void
test_cache(void)
{
	const DdbAwsCredentials *first;
	time_t		exp = T0 + 3600;

	/* static base, role on top */
	reset();
	cfg.access_key_id = "AKIDBASE";
	cfg.secret_access_key = "base-secret";
	cfg.role_arn = ROLE_ARN;
	mock_reply_owned(&sts_mock, 200, sts_xml(false, "ASIAROLE1", "s1", "t1", exp));
	mock_reply_owned(&sts_mock, 200, sts_xml(false, "ASIAROLE2", "s2", "t2", exp + 3600));
	CHECK(get());
	first = out;
	CHECK_STR(out->access_key_id, "ASIAROLE1");
	CHECK(st.assume_role_calls == 1 && st.base_resolutions == 1);
	/* within validity: nothing new */
	mock_now = T0 + 10;
	CHECK(get());
	CHECK(out == first);
	CHECK_STR(out->access_key_id, "ASIAROLE1");
	CHECK(sts_mock.nreq == 1);
	mock_now = exp - DDB_CRED_REFRESH_MARGIN - 1;
	CHECK(get());
	CHECK_STR(out->access_key_id, "ASIAROLE1");
	CHECK(sts_mock.nreq == 1 && st.assume_role_calls == 1);
	/* the margin reached: a second AssumeRole; the static base is not resolved again */
	mock_now = exp - DDB_CRED_REFRESH_MARGIN;
	CHECK(get());
	CHECK_STR(out->access_key_id, "ASIAROLE2");
	CHECK(out->expiration == exp + 3600);
	CHECK(sts_mock.nreq == 2 && st.assume_role_calls == 2);
	CHECK(st.base_resolutions == 1);
	CHECK(contains(mock_header(&sts_mock, 1, "Authorization"), "Credential=AKIDBASE/"));
	/* the new ones are cached in turn */
	mock_now = exp + 3600 - DDB_CRED_REFRESH_MARGIN - 1;
	CHECK(get());
	CHECK(sts_mock.nreq == 2);
	/* a failed refresh hands out nothing, not the expiring credentials */
	mock_now = exp + 3600 - DDB_CRED_REFRESH_MARGIN;
	mock_reply(&sts_mock, 403, access_denied);
	CHECK(!get());
	CHECK(out == NULL);
	CHECK(st.assume_role_failed);
	CHECK(st.base_resolutions == 1 && st.assume_role_calls == 3);
	mock_done(&sts_mock, __LINE__);
	CHECK(meta_mock.nreq == 0);

	/* IMDS base without a role: fetched again at its own margin */
	reset();
	cfg.ambient = DDB_AMBIENT_IMDS;
	exp = T0 + 1800;
	script_imds("ASIAIMDS1", exp);
	CHECK(get());
	CHECK_STR(out->access_key_id, "ASIAIMDS1");
	CHECK(meta_mock.nreq == 3 && st.base_resolutions == 1);
	mock_now = exp - DDB_CRED_REFRESH_MARGIN - 1;
	CHECK(get());
	CHECK_STR(out->access_key_id, "ASIAIMDS1");
	CHECK(meta_mock.nreq == 3 && st.base_resolutions == 1);
	mock_now = exp - DDB_CRED_REFRESH_MARGIN;
	script_imds("ASIAIMDS2", exp + 3600);
	CHECK(get());
	CHECK_STR(out->access_key_id, "ASIAIMDS2");
	CHECK(meta_mock.nreq == 6 && st.base_resolutions == 2);
	check_imds_requests(3, "http://169.254.169.254");
	CHECK(sts_mock.nreq == 0 && st.assume_role_calls == 0);
	mock_done(&meta_mock, __LINE__);

	/*
	 * IMDS base (30 min) under a role (15 min sessions): the role is renewed
	 * with the cached base while the base is good, and the base is fetched
	 * again only when it nears its own expiry
	 */
	reset();
	cfg.ambient = DDB_AMBIENT_IMDS;
	cfg.role_arn = ROLE_ARN;
	script_imds("ASIAIMDS1", T0 + 1800);
	mock_reply_owned(&sts_mock, 200, sts_xml(false, "ASIAROLE1", "s", "t", T0 + 900));
	CHECK(get());
	CHECK(meta_mock.nreq == 3 && sts_mock.nreq == 1);
	CHECK(st.base_resolutions == 1 && st.assume_role_calls == 1);
	/* role near expiry, base not: one AssumeRole, signed by the cached base */
	mock_now = T0 + 600;
	mock_reply_owned(&sts_mock, 200, sts_xml(false, "ASIAROLE2", "s", "t", T0 + 1500));
	CHECK(get());
	CHECK_STR(out->access_key_id, "ASIAROLE2");
	CHECK(meta_mock.nreq == 3 && sts_mock.nreq == 2);
	CHECK(st.base_resolutions == 1 && st.assume_role_calls == 2);
	CHECK(contains(mock_header(&sts_mock, 1, "Authorization"), "Credential=ASIAIMDS1/"));
	/* both near expiry: IMDS again, then AssumeRole with the new base */
	mock_now = T0 + 1500;
	script_imds("ASIAIMDS2", T0 + 1500 + 21600);
	mock_reply_owned(&sts_mock, 200, sts_xml(false, "ASIAROLE3", "s", "t", T0 + 1500 + 3600));
	CHECK(get());
	CHECK_STR(out->access_key_id, "ASIAROLE3");
	CHECK(meta_mock.nreq == 6 && sts_mock.nreq == 3);
	CHECK(st.base_resolutions == 2 && st.assume_role_calls == 3);
	CHECK(contains(mock_header(&sts_mock, 2, "Authorization"), "Credential=ASIAIMDS2/"));
	CHECK_STR(mock_header(&sts_mock, 2, "X-Amz-Security-Token"), "imds-token");
	/* and then quiet again */
	mock_now = T0 + 1500 + 3600 - DDB_CRED_REFRESH_MARGIN - 1;
	CHECK(get());
	CHECK(meta_mock.nreq == 6 && sts_mock.nreq == 3);
	mock_done(&meta_mock, __LINE__);
	mock_done(&sts_mock, __LINE__);

	/* a base that failed to refresh is resolved again on the next call */
	reset();
	cfg.ambient = DDB_AMBIENT_IMDS;
	script_imds("ASIAIMDS1", T0 + 1800);
	CHECK(get());
	mock_now = T0 + 1800;
	mock_reply(&meta_mock, 500, "");
	CHECK(!get());
	CHECK(out == NULL);
	CHECK(st.failed_source == DDB_CRED_IMDS);
	script_imds("ASIAIMDS2", T0 + 7200);
	CHECK(get());
	CHECK_STR(out->access_key_id, "ASIAIMDS2");
	CHECK(st.base_resolutions == 3);
	mock_done(&meta_mock, __LINE__);

	reset();
}

/* ----------------------------------------------------------------
 * Option parsing helpers
 * ----------------------------------------------------------------
 */
static void
expect_sources(const char *list, unsigned want)
{
	unsigned	got = 0xdead;

	CHECK_MSG(ddb_parse_ambient_sources(list, &got), list);
	CHECK_MSG(got == want, list);
}

static void
expect_bad_sources(const char *list)
{
	unsigned	got = 0xdead;

	CHECK_MSG(!ddb_parse_ambient_sources(list, &got), list);
	CHECK_MSG(got == 0xdead, list);
}

static void
test_helpers(void)
{
	char		name[80];

	expect_sources("all", DDB_AMBIENT_ALL);
	expect_sources("ALL", DDB_AMBIENT_ALL);
	expect_sources("environment", DDB_AMBIENT_ENVIRONMENT);
	expect_sources("web_identity", DDB_AMBIENT_WEB_IDENTITY);
	expect_sources("container", DDB_AMBIENT_CONTAINER);
	expect_sources("imds", DDB_AMBIENT_IMDS);
	expect_sources("Imds", DDB_AMBIENT_IMDS);
	expect_sources("environment,web_identity,container,imds", DDB_AMBIENT_ALL);
	expect_sources("imds, container", DDB_AMBIENT_IMDS | DDB_AMBIENT_CONTAINER);
	expect_sources(" imds ,, imds ,", DDB_AMBIENT_IMDS);
	expect_sources("container all", DDB_AMBIENT_ALL);

	expect_bad_sources("");
	expect_bad_sources(" , ,");
	expect_bad_sources("env");
	expect_bad_sources("imdsv2");
	expect_bad_sources("web-identity");
	expect_bad_sources("imds,bogus");
	expect_bad_sources("all;imds");
	expect_bad_sources("none");

	CHECK(ddb_valid_session_name("ab"));
	CHECK(ddb_valid_session_name("ddb_fdw"));
	CHECK(ddb_valid_session_name("user@example.com"));
	CHECK(ddb_valid_session_name("a+b=c,d.e@f-g_h"));
	memset(name, 'x', 64);
	name[64] = '\0';
	CHECK(ddb_valid_session_name(name));
	name[64] = 'x';
	name[65] = '\0';
	CHECK(!ddb_valid_session_name(name));
	CHECK(!ddb_valid_session_name(""));
	CHECK(!ddb_valid_session_name("a"));
	CHECK(!ddb_valid_session_name("has space"));
	CHECK(!ddb_valid_session_name("semi;colon"));
	CHECK(!ddb_valid_session_name("slash/x"));
	CHECK(!ddb_valid_session_name("colon:x"));
	CHECK(!ddb_valid_session_name("tab\tx"));
	CHECK(!ddb_valid_session_name("caf\xc3\xa9"));
	CHECK(!ddb_valid_session_name("amp&x"));

	CHECK_STR(ddb_cred_source_name(DDB_CRED_NONE), "none");
	CHECK_STR(ddb_cred_source_name(DDB_CRED_STATIC), "user mapping");
	CHECK_STR(ddb_cred_source_name(DDB_CRED_ENVIRONMENT), "environment");
	CHECK_STR(ddb_cred_source_name(DDB_CRED_WEB_IDENTITY), "web identity");
	CHECK_STR(ddb_cred_source_name(DDB_CRED_CONTAINER), "container");
	CHECK_STR(ddb_cred_source_name(DDB_CRED_IMDS), "instance metadata");
}

/*
 * The source's name is put in front of the message: a long STS message of
 * multi-byte characters must not end up cut inside a character.
 */
static void
test_error_text_is_utf8(void)
{
	char	   *token_file = temp_file(WEB_TOKEN);
	int			parity;

	for (parity = 0; parity < 2; parity++)
	{
		DdbBuf		b;
		int			i;

		reset();
		cfg.ambient = DDB_AMBIENT_WEB_IDENTITY;
		mock_env_set("AWS_WEB_IDENTITY_TOKEN_FILE", token_file);
		mock_env_set("AWS_ROLE_ARN", WEB_ROLE_ARN);
		ddb_buf_init(&b);
		ddb_buf_append_str(&b, "<ErrorResponse><Error><Code>IDPRejectedClaim</Code><Message>");
		if (parity)
			ddb_buf_append_char(&b, 'a');
		for (i = 0; i < 700; i++)
			ddb_buf_append_str(&b, "\xc3\xa9");
		ddb_buf_append_str(&b, "</Message></Error></ErrorResponse>");
		mock_reply(&sts_mock, 403, b.data);
		ddb_buf_free(&b);
		CHECK(!get());
		CHECK_STR(err.code, "IDPRejectedClaim");
		CHECK(strncmp(err.message, "web identity credentials: ", 26) == 0);
		CHECK(valid_utf8(err.message));
		CHECK(strlen(err.message) >= sizeof(err.message) - 3);
	}
	remove_temp_file(token_file);
	reset();
}

/* ddb_cred_state_clear leaves nothing behind (the leak checkers confirm it). */
static void
test_clear(void)
{
	reset();
	cfg.ambient = DDB_AMBIENT_IMDS;
	cfg.role_arn = ROLE_ARN;
	script_imds("ASIAIMDS", T0 + 3600);
	mock_reply_owned(&sts_mock, 200, sts_xml(false, "ASIAROLE", "s", "t", T0 + 3600));
	CHECK(get());
	ddb_cred_state_clear(&st);
	CHECK(st.base.access_key_id == NULL && st.base.secret_access_key == NULL &&
		  st.base.session_token == NULL);
	CHECK(st.current.access_key_id == NULL && st.current.secret_access_key == NULL &&
		  st.current.session_token == NULL);
	CHECK(st.base_source == DDB_CRED_NONE);
	/* clearing twice is harmless; the state is usable again */
	ddb_cred_state_clear(&st);
	script_imds("ASIAIMDS", T0 + 3600);
	mock_reply_owned(&sts_mock, 200, sts_xml(false, "ASIAROLE", "s", "t", T0 + 3600));
	CHECK(get());
	CHECK_STR(out->access_key_id, "ASIAROLE");
	reset();
}

int
main(void)
{
	sts_http = mock_client(&sts_mock, NULL);
	meta_http = mock_client(&meta_mock, NULL);
	host.getenv_fn = mock_getenv;
	host.clock = mock_clock;
	host.http = sts_http;
	host.metadata_http = meta_http;

	test_static();
	test_chain_order();
	test_ambient_bits();
	test_environment();
	test_web_identity();
	test_container();
	test_imds();
	test_failure_stops_chain();
	test_role();
	test_cache();
	test_helpers();
	test_error_text_is_utf8();
	test_clear();

	reset();
	ddb_http_client_destroy(sts_http);
	ddb_http_client_destroy(meta_http);
	return unit_report("test_credentials");
}
