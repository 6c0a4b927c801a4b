/*-------------------------------------------------------------------------
 *
 * test_sts.c
 *		Unit tests of the STS client (src/aws/sts.c): the XML reply
 *		scanner, error replies, form encoding, and AssumeRole /
 *		AssumeRoleWithWebIdentity end to end through a mock transport.
 *		No network.
 *
 * Wire examples follow aws-wire-formats.md sections 0.3 (the signed
 * AssumeRole request of aws-c-auth's unit test), (a) (AssumeRole replies,
 * STS errors) and (b) (AssumeRoleWithWebIdentity).
 *
 * IDENTIFICATION
 *		test/unit/test_sts.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "service.h"
#include "sts.h"
#include "mock.h"
#include "unit.h"

UNIT_DEFINE_COUNTERS;

/* ----------------------------------------------------------------
 * Documents (aws-wire-formats.md (a) and (b), byte for byte)
 * ----------------------------------------------------------------
 */
#define AR_AKID "AKIAIOSFODNN7EXAMPLE"
#define AR_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
#define AR_TOKEN "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
#define AR_EXPIRATION ((time_t) 1310772513)	/* 2011-07-15T23:28:33.359Z */

static const char ar_success[] =
"<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
"  <AssumeRoleResult>\n"
"    <AssumedRoleUser>\n"
"      <Arn>arn:aws:sts::123456789012:assumed-role/demo/Bob</Arn>\n"
"      <AssumedRoleId>ARO123EXAMPLE123:Bob</AssumedRoleId>\n"
"    </AssumedRoleUser>\n"
"    <Credentials>\n"
"      <AccessKeyId>" AR_AKID "</AccessKeyId>\n"
"      <SecretAccessKey>" AR_SECRET "</SecretAccessKey>\n"
"      <SessionToken>" AR_TOKEN "</SessionToken>\n"
"      <Expiration>2011-07-15T23:28:33.359Z</Expiration>\n"
"    </Credentials>\n"
"    <PackedPolicySize>8</PackedPolicySize>\n"
"  </AssumeRoleResult>\n"
"  <ResponseMetadata>\n"
"    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>\n"
"  </ResponseMetadata>\n"
"</AssumeRoleResponse>\n";

#define WI_AKID "ASgeIAIOSFODNN7EXAMPLE"
#define WI_TOKEN "AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE"
#define WI_EXPIRATION ((time_t) 1414191623)	/* 2014-10-24T23:00:23Z */

static const char wi_success[] =
"<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
"  <AssumeRoleWithWebIdentityResult>\n"
"    <SubjectFromWebIdentityToken>amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A</SubjectFromWebIdentityToken>\n"
"    <Audience>client.5498841531868486423.1548@apps.example.com</Audience>\n"
"    <AssumedRoleUser>\n"
"      <Arn>arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1</Arn>\n"
"      <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:app1</AssumedRoleId>\n"
"    </AssumedRoleUser>\n"
"    <Credentials>\n"
"      <SessionToken>" WI_TOKEN "</SessionToken>\n"
"      <SecretAccessKey>" AR_SECRET "</SecretAccessKey>\n"
"      <Expiration>2014-10-24T23:00:23Z</Expiration>\n"
"      <AccessKeyId>" WI_AKID "</AccessKeyId>\n"
"    </Credentials>\n"
"    <Provider>www.amazon.com</Provider>\n"
"  </AssumeRoleWithWebIdentityResult>\n"
"  <ResponseMetadata>\n"
"    <RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId>\n"
"  </ResponseMetadata>\n"
"</AssumeRoleWithWebIdentityResponse>\n";

static const char sts_error[] =
"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
"  <Error>\n"
"    <Type>Sender</Type>\n"
"    <Code>AccessDenied</Code>\n"
"    <Message>GetSessionToken call failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.</Message>\n"
"  </Error>\n"
"  <RequestId>8088f6eb-b7fb-11e2-8d25-4b9f3b52b80f</RequestId>\n"
"</ErrorResponse>\n";

/* ----------------------------------------------------------------
 * Helpers
 * ----------------------------------------------------------------
 */

static bool
creds_empty(const DdbAwsCredentials *c)
{
	return c->access_key_id == NULL && c->secret_access_key == NULL &&
		c->session_token == NULL && c->expiration == 0;
}

/* Parses len bytes of doc from an exact-size heap copy (ASan sees overreads). */
static bool
parse_len(const char *doc, size_t len, DdbAwsCredentials *out, DdbAwsError *err)
{
	char	   *copy = exact_copy(doc, len);
	bool		ok;

	/* junk in out: the parser must not trust or free it */
	out->access_key_id = (char *) "junk";
	out->secret_access_key = (char *) "junk";
	out->session_token = (char *) "junk";
	out->expiration = 42;
	dirty_error(err);
	ok = ddb_sts_parse_credentials(copy, len, out, err);
	free(copy);
	return ok;
}

/* Expects doc to parse to exactly these credentials. */
static void
expect_creds(const char *doc, const char *akid, const char *secret,
			 const char *token, time_t expiration, int line)
{
	DdbAwsCredentials c;
	DdbAwsError err;
	char		ctx[64];

	snprintf(ctx, sizeof(ctx), "document at line %d", line);
	if (!CHECK_MSG(parse_len(doc, strlen(doc), &c, &err), ctx))
	{
		fprintf(stderr, "  error: %s\n", err.message);
		return;
	}
	CHECK_STR(c.access_key_id, akid);
	CHECK_STR(c.secret_access_key, secret);
	CHECK_STR(c.session_token, token);
	CHECK_MSG(c.expiration == expiration, ctx);
	ddb_aws_credentials_clear(&c);
}

/* Expects doc to be rejected with kind, leaving no credentials behind. */
static void
expect_bad_len(const char *doc, size_t len, DdbAwsErrorKind kind, int line)
{
	DdbAwsCredentials c;
	DdbAwsError err;
	char		ctx[64];

	snprintf(ctx, sizeof(ctx), "document at line %d", line);
	if (!CHECK_MSG(!parse_len(doc, len, &c, &err), ctx))
	{
		ddb_aws_credentials_clear(&c);
		return;
	}
	CHECK_MSG(err.kind == kind, ctx);
	CHECK_MSG(creds_empty(&c), ctx);
	CHECK_MSG(strstr(err.message, "STS response") != NULL, ctx);
}

static void
expect_bad(const char *doc, int line)
{
	expect_bad_len(doc, strlen(doc), DDB_AWS_ERR_MALFORMED, line);
}

/*
 * A minimal AssumeRole document: the Credentials element is given whole,
 * so each test shows only what it varies.
 */
static char *
doc_with_credentials(const char *credentials)
{
	DdbBuf		b;

	ddb_buf_init(&b);
	ddb_buf_printf(&b,
				   "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
				   "<AssumeRoleResult>%s</AssumeRoleResult></AssumeRoleResponse>",
				   credentials);
	return ddb_buf_steal(&b);
}

static void
expect_creds_in(const char *credentials, const char *akid, const char *secret,
				const char *token, time_t expiration, int line)
{
	char	   *doc = doc_with_credentials(credentials);

	expect_creds(doc, akid, secret, token, expiration, line);
	free(doc);
}

static void
expect_bad_in(const char *credentials, int line)
{
	char	   *doc = doc_with_credentials(credentials);

	expect_bad(doc, line);
	free(doc);
}

#define GOOD_CREDS(akid, secret) \
	"<Credentials><AccessKeyId>" akid "</AccessKeyId>" \
	"<SecretAccessKey>" secret "</SecretAccessKey>" \
	"<SessionToken>TOKEN</SessionToken>" \
	"<Expiration>2014-10-24T23:00:23Z</Expiration></Credentials>"

/* ----------------------------------------------------------------
 * Success replies
 * ----------------------------------------------------------------
 */
static void
test_parse_success(void)
{
	/* the documents of the wire notes */
	expect_creds(ar_success, AR_AKID, AR_SECRET, AR_TOKEN, AR_EXPIRATION, __LINE__);
	expect_creds(wi_success, WI_AKID, AR_SECRET, WI_TOKEN, WI_EXPIRATION, __LINE__);

	/* goamz order (SessionToken first) with its newlines inside the token */
	expect_creds("<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
				 "<AssumeRoleResult>\n"
				 "<Credentials>\n"
				 "  <SessionToken>\n"
				 "   " AR_TOKEN "\n"
				 "  </SessionToken>\n"
				 "  <SecretAccessKey>\r\n\t" AR_SECRET " \t</SecretAccessKey>\n"
				 "  <AccessKeyId> " AR_AKID "\n</AccessKeyId>\n"
				 "  <Expiration>\n2011-07-15T23:28:33.359Z\n</Expiration>\n"
				 "</Credentials>\n"
				 "<AssumedRoleUser><Arn>arn</Arn><AssumedRoleId>id</AssumedRoleId></AssumedRoleUser>\n"
				 "</AssumeRoleResult>\n"
				 "</AssumeRoleResponse>",
				 AR_AKID, AR_SECRET, AR_TOKEN, AR_EXPIRATION, __LINE__);

	/*
	 * aws-c-auth's fixture style: unknown elements (leaves, with children,
	 * empty, with attributes) anywhere, and lookalike leaves under other
	 * parents that must not be taken for the credentials
	 */
	expect_creds("<AssumeRoleResponse>"
				 "<fuzzMePlz>AAAA</fuzzMePlz>"
				 "<AssumeRoleResult>"
				 "<AssumedRoleUser><AccessKeyId>WRONG</AccessKeyId>"
				 "<SecretAccessKey>WRONG</SecretAccessKey></AssumedRoleUser>"
				 "<Credentials>"
				 "<fuzzMePlz><nested a=\"1\" b='2'><deeper/></nested>text</fuzzMePlz>"
				 "<AccessKeyId>AKID</AccessKeyId>"
				 "<unknown/>"
				 "<SecretAccessKey>SECRET</SecretAccessKey>"
				 "<Other attr=\"&lt;x&gt;\">y</Other>"
				 "<SessionToken>TOKEN</SessionToken>"
				 "<Expiration>2014-10-24T23:00:23Z</Expiration>"
				 "<fuzzMePlz/>"
				 "</Credentials>"
				 "<Credentials><AccessKeyId>SECOND</AccessKeyId></Credentials>"
				 "</AssumeRoleResult>"
				 "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
				 "</AssumeRoleResponse>",
				 "AKID", "SECRET", "TOKEN", WI_EXPIRATION, __LINE__);

	/* namespace prefixes, on every element */
	expect_creds("<sts:AssumeRoleResponse xmlns:sts=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
				 "<sts:AssumeRoleResult><sts:Credentials>"
				 "<sts:AccessKeyId>AKID</sts:AccessKeyId>"
				 "<sts:SecretAccessKey>SECRET</sts:SecretAccessKey>"
				 "<sts:SessionToken>TOKEN</sts:SessionToken>"
				 "<sts:Expiration>2014-10-24T23:00:23Z</sts:Expiration>"
				 "</sts:Credentials></sts:AssumeRoleResult></sts:AssumeRoleResponse>",
				 "AKID", "SECRET", "TOKEN", WI_EXPIRATION, __LINE__);
	/* mixed prefixes: names are matched by local name */
	expect_creds_in("<a:Credentials xmlns:a=\"x\" xmlns:b=\"x\">"
					"<b:AccessKeyId>AKID</b:AccessKeyId>"
					"<SecretAccessKey>SECRET</SecretAccessKey>"
					"<a:SessionToken>TOKEN</a:SessionToken>"
					"<Expiration>2014-10-24T23:00:23Z</Expiration>"
					"</a:Credentials>",
					"AKID", "SECRET", "TOKEN", WI_EXPIRATION, __LINE__);

	/* case-insensitive names, end tags included */
	expect_creds_in("<credentials>"
					"<ACCESSKEYID>AKID</accesskeyid>"
					"<secretAccessKey>SECRET</SECRETACCESSKEY>"
					"<sessiontoken>TOKEN</SessionToken>"
					"<EXPIRATION>2014-10-24T23:00:23Z</expiration>"
					"</CREDENTIALS>",
					"AKID", "SECRET", "TOKEN", WI_EXPIRATION, __LINE__);

	/* entities and character references, decoded (values are not trimmed inside) */
	expect_creds_in(GOOD_CREDS("AK&#73;D",
							   "a&amp;b&lt;c&#43;d&#x2F;e&gt;f&quot;g&apos;h&#X2f;i&#xe9;&#x20AC;&#x1F600;"),
					"AKID",
					"a&b<c+d/e>f\"g'h/i\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
					"TOKEN", WI_EXPIRATION, __LINE__);
	/* inner whitespace is kept, only the ends are trimmed */
	expect_creds_in(GOOD_CREDS(" \n AK ID \t", "&#32;S&#32;"),
					"AK ID", "S", "TOKEN", WI_EXPIRATION, __LINE__);

	/* CDATA: taken verbatim, no entity decoding, joined with plain text */
	expect_creds_in(GOOD_CREDS("<![CDATA[AKID]]>", "ab<![CDATA[<c&amp;>]]>d&amp;<![CDATA[]]>e"),
					"AKID", "ab<c&amp;>d&e", "TOKEN", WI_EXPIRATION, __LINE__);

	/* comments and processing instructions inside text, between elements, around the root */
	expect_creds("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				 "<!-- a comment before the root -->\n"
				 "<AssumeRoleResponse><!-- -->"
				 "<AssumeRoleResult><?pi stuff?>"
				 "<Credentials>"
				 "<AccessKeyId>AK<!-- <AccessKeyId>x</AccessKeyId> -->ID</AccessKeyId>"
				 "<!-- <SecretAccessKey>WRONG</SecretAccessKey> -->"
				 "<SecretAccessKey>SEC<?x ?>RET</SecretAccessKey>"
				 "<SessionToken>TOKEN</SessionToken>"
				 "<Expiration>2014-10-24T23:00:23Z<!--z--></Expiration>"
				 "</Credentials></AssumeRoleResult></AssumeRoleResponse>\n"
				 "<!-- and one after -->\n\n",
				 "AKID", "SECRET", "TOKEN", WI_EXPIRATION, __LINE__);

	/* the XML declaration, an arbitrary root name */
	expect_creds("<?xml version=\"1.0\"?><r><AssumeRoleResult>" GOOD_CREDS("A", "S")
				 "</AssumeRoleResult></r>",
				 "A", "S", "TOKEN", WI_EXPIRATION, __LINE__);

	/* end tags may carry blanks before '>', start tags attributes */
	expect_creds_in("<Credentials a=\"1\"><AccessKeyId x='>'>A</AccessKeyId \n>"
					"<SecretAccessKey>S</SecretAccessKey\t><SessionToken>T</SessionToken>"
					"<Expiration>2014-10-24T23:00:23Z</Expiration></Credentials >",
					"A", "S", "T", WI_EXPIRATION, __LINE__);

	/* Expiration with and without fractions, and with an explicit offset */
	expect_creds_in("<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
					"<SessionToken>T</SessionToken><Expiration>2011-07-15T23:28:33.359Z</Expiration></Credentials>",
					"A", "S", "T", AR_EXPIRATION, __LINE__);
	expect_creds_in("<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
					"<SessionToken>T</SessionToken><Expiration>2011-07-15T23:28:33Z</Expiration></Credentials>",
					"A", "S", "T", AR_EXPIRATION, __LINE__);
	expect_creds_in("<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
					"<SessionToken>T</SessionToken><Expiration>2011-07-15T23:28:33+00:00</Expiration></Credentials>",
					"A", "S", "T", AR_EXPIRATION, __LINE__);

	/* a Credentials element directly under the root is found too */
	expect_creds("<r>" GOOD_CREDS("A", "S") "</r>", "A", "S", "TOKEN", WI_EXPIRATION, __LINE__);
}

/* ----------------------------------------------------------------
 * Incomplete credentials and malformed XML
 * ----------------------------------------------------------------
 */
static void
test_parse_incomplete(void)
{
	DdbAwsCredentials c;
	DdbAwsError err;

	/* each required member missing or empty */
	expect_bad_in("<Credentials><SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken>"
				  "<Expiration>2014-10-24T23:00:23Z</Expiration></Credentials>", __LINE__);
	expect_bad_in("<Credentials><AccessKeyId>A</AccessKeyId><SessionToken>T</SessionToken>"
				  "<Expiration>2014-10-24T23:00:23Z</Expiration></Credentials>", __LINE__);
	expect_bad_in("<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
				  "<Expiration>2014-10-24T23:00:23Z</Expiration></Credentials>", __LINE__);
	expect_bad_in("<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
				  "<SessionToken>T</SessionToken></Credentials>", __LINE__);
	expect_bad_in("<Credentials><AccessKeyId></AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
				  "<SessionToken>T</SessionToken><Expiration>2014-10-24T23:00:23Z</Expiration></Credentials>",
				  __LINE__);
	expect_bad_in("<Credentials><AccessKeyId> \n </AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
				  "<SessionToken>T</SessionToken><Expiration>2014-10-24T23:00:23Z</Expiration></Credentials>",
				  __LINE__);
	expect_bad_in("<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
				  "<SessionToken/><Expiration>2014-10-24T23:00:23Z</Expiration></Credentials>", __LINE__);
	expect_bad_in("<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey/>"
				  "<SessionToken>T</SessionToken><Expiration>2014-10-24T23:00:23Z</Expiration></Credentials>",
				  __LINE__);
	/* a "leaf" with child elements is no value */
	expect_bad_in("<Credentials><AccessKeyId>A<b/></AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
				  "<SessionToken>T</SessionToken><Expiration>2014-10-24T23:00:23Z</Expiration></Credentials>",
				  __LINE__);
	/* the members under the wrong parent */
	expect_bad_in("<AssumedRoleUser><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
				  "<SessionToken>T</SessionToken><Expiration>2014-10-24T23:00:23Z</Expiration></AssumedRoleUser>",
				  __LINE__);
	/* no Credentials at all: an error document, an empty root */
	expect_bad(sts_error, __LINE__);
	expect_bad("<AssumeRoleResponse/>", __LINE__);
	expect_bad("<AssumeRoleResponse></AssumeRoleResponse>", __LINE__);

	/* invalid Expiration */
	{
		static const char *const bad_times[] = {
			"tomorrow", "2011-07-15", "2011-07-15T23:28:33", "1310772513",
			"2011-13-15T23:28:33Z", "2011-07-15T23:28:33+01:00", "", NULL
		};
		int			i;

		for (i = 0; bad_times[i]; i++)
		{
			DdbBuf		b;
			char	   *doc;

			ddb_buf_init(&b);
			ddb_buf_printf(&b, "<Credentials><AccessKeyId>A</AccessKeyId>"
						   "<SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken>"
						   "<Expiration>%s</Expiration></Credentials>", bad_times[i]);
			doc = doc_with_credentials(b.data);
			CHECK_MSG(!parse_len(doc, strlen(doc), &c, &err), bad_times[i]);
			CHECK(err.kind == DDB_AWS_ERR_MALFORMED);
			CHECK(creds_empty(&c));
			if (bad_times[i][0])
				CHECK_MSG(strstr(err.message, "Expiration") != NULL, err.message);
			free(doc);
			ddb_buf_free(&b);
		}
	}
}

static void
test_parse_malformed(void)
{
	DdbBuf		b;
	int			i;

	/* empty and blank input, text only */
	expect_bad("", __LINE__);
	expect_bad("  \n ", __LINE__);
	expect_bad("AKIDSECRET", __LINE__);
	expect_bad("{\"Credentials\":{}}", __LINE__);

	/* unclosed tags */
	expect_bad("<AssumeRoleResponse><AssumeRoleResult>" GOOD_CREDS("A", "S") "</AssumeRoleResult>", __LINE__);
	expect_bad("<r>" GOOD_CREDS("A", "S"), __LINE__);
	expect_bad_in("<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
				  "<SessionToken>T<Expiration>2014-10-24T23:00:23Z</Expiration></Credentials>", __LINE__);
	/* mismatched end tags */
	expect_bad_in("<Credentials><AccessKeyId>A</SecretAccessKey><SecretAccessKey>S</SecretAccessKey>"
				  "<SessionToken>T</SessionToken><Expiration>2014-10-24T23:00:23Z</Expiration></Credentials>",
				  __LINE__);
	expect_bad("<r>" GOOD_CREDS("A", "S") "</R2>", __LINE__);
	expect_bad("<r>" GOOD_CREDS("A", "S") "</r></r>", __LINE__);
	expect_bad("</r>", __LINE__);
	/* text after the root, a second root */
	expect_bad("<r>" GOOD_CREDS("A", "S") "</r>trailing", __LINE__);
	expect_bad("<r>" GOOD_CREDS("A", "S") "</r>&amp;", __LINE__);
	expect_bad("<r>" GOOD_CREDS("A", "S") "</r><r/>", __LINE__);
	expect_bad("<r/>" "<r>" GOOD_CREDS("A", "S") "</r>", __LINE__);
	/* text or CDATA before the root */
	expect_bad("x<r>" GOOD_CREDS("A", "S") "</r>", __LINE__);
	expect_bad("<![CDATA[x]]><r>" GOOD_CREDS("A", "S") "</r>", __LINE__);
	/* DOCTYPE (entity expansion attacks start here) and other declarations */
	expect_bad("<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"b\">]><r>" GOOD_CREDS("A", "S") "</r>",
			   __LINE__);
	expect_bad("<r><!ENTITY a \"b\">" GOOD_CREDS("A", "S") "</r>", __LINE__);
	/* unterminated comment, CDATA, processing instruction, attribute, tag */
	expect_bad("<r>" GOOD_CREDS("A", "S") "</r><!-- open", __LINE__);
	expect_bad("<r><!-- open " GOOD_CREDS("A", "S") "</r>", __LINE__);
	expect_bad("<r>" GOOD_CREDS("<![CDATA[A", "S") "</r>", __LINE__);
	expect_bad("<?xml version=\"1.0\"<r>" GOOD_CREDS("A", "S") "</r>", __LINE__);
	expect_bad("<r a=\"1>" GOOD_CREDS("A", "S") "</r>", __LINE__);
	expect_bad("<r a='1>" GOOD_CREDS("A", "S") "</r>", __LINE__);
	expect_bad("<r>" GOOD_CREDS("A", "S") "</r", __LINE__);
	expect_bad("<r>" GOOD_CREDS("A", "S") "</r x>", __LINE__);
	expect_bad("<r " GOOD_CREDS("A", "S") "</r>", __LINE__);
	expect_bad("<r>" GOOD_CREDS("A", "S") "<", __LINE__);
	expect_bad("<r>" GOOD_CREDS("A", "S") "</r><", __LINE__);
	/* bad tag names */
	expect_bad("< r>" GOOD_CREDS("A", "S") "</r>", __LINE__);
	expect_bad("<r>" GOOD_CREDS("A", "S") "</ r>", __LINE__);
	expect_bad("<a:>" GOOD_CREDS("A", "S") "</a:>", __LINE__);
	expect_bad("<>" GOOD_CREDS("A", "S") "</>", __LINE__);
	/* bad entities in a value */
	expect_bad_in(GOOD_CREDS("A&foo;", "S"), __LINE__);
	expect_bad_in(GOOD_CREDS("A&amp", "S"), __LINE__);
	expect_bad_in(GOOD_CREDS("A & B", "S"), __LINE__);
	expect_bad_in(GOOD_CREDS("A&#0;", "S"), __LINE__);
	expect_bad_in(GOOD_CREDS("A&#x0;", "S"), __LINE__);
	expect_bad_in(GOOD_CREDS("A&#;", "S"), __LINE__);
	expect_bad_in(GOOD_CREDS("A&#x;", "S"), __LINE__);
	expect_bad_in(GOOD_CREDS("A&#xD800;", "S"), __LINE__);
	expect_bad_in(GOOD_CREDS("A&#x110000;", "S"), __LINE__);
	expect_bad_in(GOOD_CREDS("A&#12a;", "S"), __LINE__);
	expect_bad_in(GOOD_CREDS("A&#xG1;", "S"), __LINE__);
	expect_bad_in(GOOD_CREDS("A&#99999999999;", "S"), __LINE__);
	/* strtoul would take these; XML does not */
	expect_bad_in(GOOD_CREDS("A&#-1;", "S"), __LINE__);
	expect_bad_in(GOOD_CREDS("A&#+65;", "S"), __LINE__);
	expect_bad_in(GOOD_CREDS("A&# 65;", "S"), __LINE__);
	expect_bad_in(GOOD_CREDS("A&#x0x41;", "S"), __LINE__);
	/* an unescaped '<' inside text */
	expect_bad_in(GOOD_CREDS("A < B", "S"), __LINE__);

	/* a NUL byte would silently cut a value short */
	{
		static const char nul_doc[] =
			"<r><Credentials><AccessKeyId>AK\0ID</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
			"<SessionToken>T</SessionToken><Expiration>2014-10-24T23:00:23Z</Expiration></Credentials></r>";

		expect_bad_len(nul_doc, sizeof(nul_doc) - 1, DDB_AWS_ERR_MALFORMED, __LINE__);
	}
	{
		static const char nul_tail[] = "<r>" GOOD_CREDS("A", "S") "</r>\0";

		expect_bad_len(nul_tail, sizeof(nul_tail) - 1, DDB_AWS_ERR_MALFORMED, __LINE__);
	}

	/* 40 levels of nesting: refused, the scanner's stack is bounded */
	ddb_buf_init(&b);
	for (i = 0; i < 40; i++)
		ddb_buf_append_str(&b, "<n>");
	ddb_buf_append_str(&b, GOOD_CREDS("A", "S"));
	for (i = 0; i < 40; i++)
		ddb_buf_append_str(&b, "</n>");
	expect_bad(b.data, __LINE__);
	ddb_buf_free(&b);
	/* also when the deep part is an empty element */
	ddb_buf_init(&b);
	ddb_buf_append_str(&b, "<r>" GOOD_CREDS("A", "S"));
	for (i = 0; i < 40; i++)
		ddb_buf_append_str(&b, "<n>");
	ddb_buf_append_str(&b, "<leaf/>");
	for (i = 0; i < 40; i++)
		ddb_buf_append_str(&b, "</n>");
	ddb_buf_append_str(&b, "</r>");
	expect_bad(b.data, __LINE__);
	ddb_buf_free(&b);
	/* while moderate nesting is fine */
	ddb_buf_init(&b);
	for (i = 0; i < 20; i++)
		ddb_buf_append_str(&b, "<n>");
	ddb_buf_append_str(&b, GOOD_CREDS("A", "S"));
	for (i = 0; i < 20; i++)
		ddb_buf_append_str(&b, "</n>");
	expect_creds(b.data, "A", "S", "TOKEN", WI_EXPIRATION, __LINE__);
	ddb_buf_free(&b);
	/* many unclosed tags: rejected without recursion or growth */
	ddb_buf_init(&b);
	for (i = 0; i < 100000; i++)
		ddb_buf_append_str(&b, "<n>");
	expect_bad(b.data, __LINE__);
	ddb_buf_free(&b);
}

/*
 * Every prefix of a real reply: a clean failure, never partial credentials;
 * only a prefix holding the whole root element may succeed, and then with
 * all of it.
 */
static void
truncate_everywhere(const char *doc, const char *root_end, const char *akid,
					const char *token, time_t expiration)
{
	size_t		len = strlen(doc);
	size_t		complete = (size_t) (strstr(doc, root_end) - doc) + strlen(root_end);
	size_t		n;
	int			bad = 0;

	for (n = 0; n < len; n++)
	{
		DdbAwsCredentials c;
		DdbAwsError err;
		bool		ok = parse_len(doc, n, &c, &err);

		if (n < complete)
		{
			if (ok || err.kind != DDB_AWS_ERR_MALFORMED || !creds_empty(&c))
			{
				if (bad++ < 5)
					fprintf(stderr, "  prefix of %zu bytes: ok=%d kind=%d\n", n, ok, (int) err.kind);
				if (ok)
					ddb_aws_credentials_clear(&c);
			}
		}
		else
		{
			if (!ok || strcmp(c.access_key_id, akid) != 0 ||
				strcmp(c.secret_access_key, AR_SECRET) != 0 ||
				strcmp(c.session_token, token) != 0 || c.expiration != expiration)
				bad++;
			if (ok)
				ddb_aws_credentials_clear(&c);
		}
	}
	CHECK(bad == 0);
}

static void
test_parse_truncated(void)
{
	truncate_everywhere(ar_success, "</AssumeRoleResponse>", AR_AKID, AR_TOKEN, AR_EXPIRATION);
	truncate_everywhere(wi_success, "</AssumeRoleWithWebIdentityResponse>", WI_AKID, WI_TOKEN,
						WI_EXPIRATION);
}

/*
 * Every byte of a real reply replaced by a few troublesome ones: whatever the
 * outcome, no crash, no leak, and a success has all four members.
 */
static void
test_parse_mutated(void)
{
	static const char subst[] = {'<', '>', '&', '/', '"', '!', '?', ']', '-', ';', '\0', ' '};
	size_t		len = strlen(ar_success);
	char	   *doc = xmalloc(len);
	size_t		n;
	size_t		k;
	int			bad = 0;

	for (n = 0; n < len; n++)
	{
		for (k = 0; k < sizeof(subst); k++)
		{
			DdbAwsCredentials c;
			DdbAwsError err;

			memcpy(doc, ar_success, len);
			doc[n] = subst[k];
			if (parse_len(doc, len, &c, &err))
			{
				if (c.access_key_id[0] == '\0' || c.secret_access_key[0] == '\0' ||
					c.session_token[0] == '\0' || c.expiration == 0)
					bad++;
				ddb_aws_credentials_clear(&c);
			}
			else if (!creds_empty(&c) || err.kind != DDB_AWS_ERR_MALFORMED)
				bad++;
		}
	}
	free(doc);
	CHECK(bad == 0);
}

/* ----------------------------------------------------------------
 * Error replies
 * ----------------------------------------------------------------
 */
static DdbAwsError
parse_error(long status, const char *body, size_t len, const char *request_id)
{
	DdbHttpResponse resp;
	DdbAwsError err;

	ddb_http_response_init(&resp);
	resp.status = status;
	if (body)
		ddb_buf_append(&resp.body, body, len);
	if (request_id)
		snprintf(resp.request_id, sizeof(resp.request_id), "%s", request_id);
	dirty_error(&err);
	ddb_sts_parse_error(&resp, &err);
	ddb_http_response_free(&resp);
	return err;
}

static DdbAwsError
parse_error_str(long status, const char *body, const char *request_id)
{
	return parse_error(status, body, body ? strlen(body) : 0, request_id);
}

static void
test_parse_error(void)
{
	DdbAwsError err;
	char		longbody[600];

	/* the wire notes' document, with the x-amzn-RequestId header */
	err = parse_error_str(403, sts_error, "8088f6eb-b7fb-11e2-8d25-4b9f3b52b80f");
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK(err.http_status == 403);
	CHECK_STR(err.code, "AccessDenied");
	CHECK_STR(err.message, "GetSessionToken call failed, unable to validate MFA code.  "
			  "Please verify your MFA serial number is valid and associated with this user.");
	CHECK_STR(err.request_id, "8088f6eb-b7fb-11e2-8d25-4b9f3b52b80f");

	/* no header: the request id is left empty, never junk */
	err = parse_error_str(400, sts_error, NULL);
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK(err.http_status == 400);
	CHECK_STR(err.request_id, "");

	/* without the ErrorResponse wrapper (aws-c-auth's web identity tests) */
	err = parse_error_str(400, "<Error><Code>InvalidIdentityToken</Code>"
						  "<Message>No OpenIDConnect provider found in your account for https://oidc.example.com</Message></Error>",
						  "RID-1");
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK_STR(err.code, "InvalidIdentityToken");
	CHECK_STR(err.message, "No OpenIDConnect provider found in your account for https://oidc.example.com");
	CHECK_STR(err.request_id, "RID-1");
	CHECK(err.http_status == 400);

	/* Smithy's layout, no namespace; with prefixes; with a declaration */
	err = parse_error_str(400, "<ErrorResponse>\n   <Error>\n      <Type>Sender</Type>\n"
						  "      <Code>InvalidGreeting</Code>\n      <Message>Hi</Message>\n"
						  "      <AnotherSetting>setting</AnotherSetting>\n   </Error>\n"
						  "   <RequestId>foo-id</RequestId>\n</ErrorResponse>\n", NULL);
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK_STR(err.code, "InvalidGreeting");
	CHECK_STR(err.message, "Hi");
	err = parse_error_str(403, "<?xml version=\"1.0\"?><s:ErrorResponse xmlns:s=\"x\"><s:Error>"
						  "<s:Code>RegionDisabledException</s:Code><s:Message>STS is not activated in this region</s:Message>"
						  "</s:Error></s:ErrorResponse>", NULL);
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK_STR(err.code, "RegionDisabledException");
	CHECK_STR(err.message, "STS is not activated in this region");

	/* a code without a message: the code stands in */
	err = parse_error_str(400, "<ErrorResponse><Error><Code>ExpiredTokenException</Code></Error></ErrorResponse>",
						  NULL);
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK_STR(err.code, "ExpiredTokenException");
	CHECK_STR(err.message, "ExpiredTokenException");
	/* entities in the message are decoded */
	err = parse_error_str(400, "<Error><Code>X</Code><Message>a &lt;b&gt; &amp; c</Message></Error>", NULL);
	CHECK_STR(err.message, "a <b> & c");

	/* control characters never reach a log line */
	err = parse_error_str(400, "<Error><Code>Bad&#7;Code</Code><Message>line1\nline2&#27;[31m</Message></Error>",
						  "id\x01x");
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK(!has_control_chars(err.code));
	CHECK(!has_control_chars(err.message));
	CHECK(!has_control_chars(err.request_id));
	CHECK(strstr(err.message, "line1 line2") != NULL);

	/* an empty code, or no code: not a service error */
	err = parse_error_str(400, "<Error><Code></Code><Message>m</Message></Error>", NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	CHECK_STR(err.code, "");
	err = parse_error_str(400, "<Error><Message>m</Message></Error>", NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	/* a code in malformed XML is not trusted */
	err = parse_error_str(400, "<Error><Code>AccessDenied</Code><Message>m</Message>", NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	CHECK_STR(err.code, "");
	err = parse_error_str(400, "<Error><Code>AccessDenied</Code></Error><Error/>", NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);

	/* a proxy's HTML page: an HTTP error with a cleaned snippet */
	err = parse_error_str(502, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
						  "<body><center><h1>502 Bad Gateway</h1></center></body>\r\n</html>\r\n",
						  "RID-502");
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	CHECK(err.http_status == 502);
	CHECK_STR(err.code, "");
	CHECK(strstr(err.message, "HTTP status 502") != NULL);
	CHECK(strstr(err.message, "<title>502 Bad Gateway</title>") != NULL);
	CHECK(!has_control_chars(err.message));
	CHECK_STR(err.request_id, "RID-502");
	/* an HTML page that happens to be well-formed XML is still no error document */
	err = parse_error_str(503, "<html><body>Service Unavailable</body></html>", NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	CHECK(strstr(err.message, "Service Unavailable") != NULL);
	/* JSON is not what STS speaks */
	err = parse_error_str(400, "{\"Error\":{\"Code\":\"AccessDenied\"}}", NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);

	/* a long body is cut */
	memset(longbody, 'a', sizeof(longbody) - 1);
	longbody[sizeof(longbody) - 1] = '\0';
	err = parse_error_str(500, longbody, NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	CHECK(strlen(err.message) < 300);
	CHECK(strstr(err.message, "...") != NULL);

	/* empty bodies, with and without a buffer */
	err = parse_error_str(500, "", NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	CHECK(err.http_status == 500);
	CHECK_STR(err.code, "");
	CHECK_STR(err.message, "HTTP status 500 with an empty body");
	err = parse_error_str(403, NULL, NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	CHECK_STR(err.message, "HTTP status 403 with an empty body");
	CHECK_STR(err.request_id, "");

	/* a body with a NUL byte */
	err = parse_error(400, "<Error><Code>X\0Y</Code></Error>", 31, NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);

	/* over-long code and message are cut, never overflow */
	{
		DdbBuf		b;
		int			i;

		ddb_buf_init(&b);
		ddb_buf_append_str(&b, "<Error><Code>");
		for (i = 0; i < 300; i++)
			ddb_buf_append_char(&b, 'C');
		ddb_buf_append_str(&b, "</Code><Message>");
		for (i = 0; i < 3000; i++)
			ddb_buf_append_char(&b, 'm');
		ddb_buf_append_str(&b, "</Message></Error>");
		err = parse_error_str(400, b.data, NULL);
		CHECK(err.kind == DDB_AWS_ERR_SERVICE);
		CHECK(strlen(err.code) == sizeof(err.code) - 1);
		CHECK(strlen(err.message) == sizeof(err.message) - 1);
		ddb_buf_free(&b);
	}
}

/* ----------------------------------------------------------------
 * Form encoding
 * ----------------------------------------------------------------
 */
static void
expect_form(const char *value, const char *want)
{
	DdbBuf		b;

	ddb_buf_init(&b);
	ddb_form_encode(&b, value);
	CHECK_STR(b.data ? b.data : "", want);
	ddb_buf_free(&b);
}

static void
test_form_encode(void)
{
	/* aws-c-auth's values (aws-wire-formats.md (a)) */
	expect_form("externalId123_+=,.@:\\/-", "externalId123_%2B%3D%2C.%40%3A%5C%2F-");
	expect_form("arn:aws:iam::67895:role/test_role", "arn%3Aaws%3Aiam%3A%3A67895%3Arole%2Ftest_role");
	/* unreserved kept; everything else escaped, upper-case hex, per byte */
	expect_form("AZaz09-_.~", "AZaz09-_.~");
	expect_form(" !*'()&=+%", "%20%21%2A%27%28%29%26%3D%2B%25");
	expect_form("caf\xc3\xa9", "caf%C3%A9");
	expect_form("\x01\x7f\xff", "%01%7F%FF");
	expect_form("", "");
}

/* ----------------------------------------------------------------
 * AssumeRole through a mock transport
 * ----------------------------------------------------------------
 */
static time_t
clock_epoch(void)
{
	return 0;
}

/* An STS service at url on m's transport, signing at the epoch. */
static DdbHttpClient *
sts_open(Mock *m, DdbAwsService *svc, const char *url, const char *region)
{
	DdbHttpClient *http = mock_client(m, NULL);
	DdbAwsError err;

	CHECK(ddb_aws_service_init(svc, http, url, region, "sts", &err));
	svc->clock = clock_epoch;
	return http;
}

static void
sts_close(Mock *m, DdbAwsService *svc, DdbHttpClient *http)
{
	ddb_aws_service_free(svc);
	mock_reset(m);
	ddb_http_client_destroy(http);
}

/* aws-c-auth's source credentials (aws-wire-formats.md 0.3) */
static DdbAwsCredentials ca_signer = {
	(char *) "accessKey12345", (char *) "secretKey12345", (char *) "sessionToken123456789", 0
};

#define CA_ROLE_ARN "arn:aws:iam::67895:role/test_role"
#define CA_BODY_HEAD "Action=AssumeRole&Version=2011-06-15" \
	"&RoleArn=arn%3Aaws%3Aiam%3A%3A67895%3Arole%2Ftest_role&RoleSessionName=test_session"

static void
test_assume_role_signed(void)
{
	Mock		m = {.name = "sts"};
	DdbHttpClient *http;
	DdbAwsService svc;
	DdbAssumeRole req;
	DdbAwsCredentials out;
	DdbAwsError err;

	http = sts_open(&m, &svc, "https://sts.amazonaws.com/", "us-east-1");

	/* CA 0.3's inputs plus its ExternalId, in our parameter order */
	memset(&req, 0, sizeof(req));
	req.role_arn = CA_ROLE_ARN;
	req.session_name = "test_session";
	req.external_id = "externalId123_+=,.@:\\/-";
	req.duration = 900;
	mock_answer(&m, 200, ar_success, "c6104cbe-af31-11e0-8154-cbc7ccf896c7");
	dirty_error(&err);
	CHECK(ddb_sts_assume_role(&svc, &ca_signer, &req, &out, &err));
	CHECK(m.nreq == 1);
	CHECK_STR(mock_method(&m, -1), "POST");
	CHECK_STR(mock_url(&m, -1), "https://sts.amazonaws.com/");
	CHECK_STR(mock_body(&m, -1), CA_BODY_HEAD "&ExternalId=externalId123_%2B%3D%2C.%40%3A%5C%2F-&DurationSeconds=900");
	CHECK_STR(mock_header(&m, -1, "Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
	CHECK_STR(mock_header(&m, -1, "Host"), "sts.amazonaws.com");
	CHECK_STR(mock_header(&m, -1, "X-Amz-Date"), "19700101T000000Z");
	CHECK_STR(mock_header(&m, -1, "X-Amz-Security-Token"), "sessionToken123456789");
	CHECK(mock_header(&m, -1, "Content-Length") == NULL);	/* curl's job */

	/*
	 * Computed once with botocore's SigV4Auth (add_auth on an AWSRequest
	 * with this body and Content-Type, datetime patched to 1970-01-01, the
	 * credentials above, service "sts", region "us-east-1"); the same script
	 * reproduces CA's 06e94185... and a4a164e0... signatures of 0.3 when fed
	 * CA's body, Content-Type and Content-Length.
	 */
	CHECK_STR(mock_header(&m, -1, "Authorization"),
			  "AWS4-HMAC-SHA256 Credential=accessKey12345/19700101/us-east-1/sts/aws4_request, "
			  "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, "
			  "Signature=488f3531cd3b1c8963515080ff920b3f0a1200714b3a5fcbec8a7b70c219ad6d");
	CHECK_STR(out.access_key_id, AR_AKID);
	CHECK_STR(out.secret_access_key, AR_SECRET);
	CHECK_STR(out.session_token, AR_TOKEN);
	CHECK(out.expiration == AR_EXPIRATION);
	ddb_aws_credentials_clear(&out);

	/* CA's direct-config request: no ExternalId (same botocore method) */
	req.external_id = NULL;
	CHECK(ddb_sts_assume_role(&svc, &ca_signer, &req, &out, &err));
	CHECK_STR(mock_body(&m, -1), CA_BODY_HEAD "&DurationSeconds=900");
	CHECK_STR(mock_header(&m, -1, "Authorization"),
			  "AWS4-HMAC-SHA256 Credential=accessKey12345/19700101/us-east-1/sts/aws4_request, "
			  "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, "
			  "Signature=5699065179f441005aa7da941f5494f85d776d5cb15cad9b682bc3f0dcf09806");
	ddb_aws_credentials_clear(&out);

	/* STS's default duration: no DurationSeconds at all */
	req.duration = 0;
	CHECK(ddb_sts_assume_role(&svc, &ca_signer, &req, &out, &err));
	CHECK_STR(mock_body(&m, -1), CA_BODY_HEAD);
	ddb_aws_credentials_clear(&out);

	/* long-term signer keys: no token header, not signed */
	{
		DdbAwsCredentials plain = {(char *) "AKIDPLAIN", (char *) "secret", NULL, 0};
		static const char prefix[] =
			"AWS4-HMAC-SHA256 Credential=AKIDPLAIN/19700101/us-east-1/sts/aws4_request, "
			"SignedHeaders=content-type;host;x-amz-date, Signature=";
		const char *auth;

		CHECK(ddb_sts_assume_role(&svc, &plain, &req, &out, &err));
		CHECK(mock_header(&m, -1, "X-Amz-Security-Token") == NULL);
		auth = mock_header(&m, -1, "Authorization");
		CHECK(auth != NULL && strncmp(auth, prefix, sizeof(prefix) - 1) == 0 &&
			  strlen(auth) == sizeof(prefix) - 1 + 64);
		ddb_aws_credentials_clear(&out);
	}
	ddb_aws_service_free(&svc);

	/* a regional endpoint signs for its region */
	CHECK(ddb_aws_service_init(&svc, http, "https://sts.us-west-2.amazonaws.com", "us-west-2", "sts", &err));
	svc.clock = clock_epoch;
	CHECK(ddb_sts_assume_role(&svc, &ca_signer, &req, &out, &err));
	CHECK_STR(mock_url(&m, -1), "https://sts.us-west-2.amazonaws.com/");
	CHECK_STR(mock_header(&m, -1, "Host"), "sts.us-west-2.amazonaws.com");
	CHECK(strstr(mock_header(&m, -1, "Authorization"),
				 "Credential=accessKey12345/19700101/us-west-2/sts/aws4_request") != NULL);
	ddb_aws_credentials_clear(&out);

	/* no signer: refused before anything is sent */
	mock_reset(&m);
	memset(&out, 'j', sizeof(out));
	dirty_error(&err);
	CHECK(!ddb_sts_assume_role(&svc, NULL, &req, &out, &err));
	CHECK(err.kind == DDB_AWS_ERR_INVALID);
	CHECK(m.nreq == 0);
	CHECK(creds_empty(&out));

	sts_close(&m, &svc, http);
}

static void
test_assume_role_web_identity(void)
{
	Mock		m = {.name = "sts"};
	DdbHttpClient *http;
	DdbAwsService svc;
	DdbAssumeRole req;
	DdbAwsCredentials out;
	DdbAwsError err;

	http = sts_open(&m, &svc, "https://sts.us-east-1.amazonaws.com/", "us-east-1");

	/* CA's web identity request (aws-wire-formats.md (b)) */
	memset(&req, 0, sizeof(req));
	req.role_arn = "arn:aws:iam::1234567890:role/test-arn";
	req.session_name = "9876543210";
	req.web_identity_token = "my-test-token-contents-123-abc-xyz";
	req.external_id = "ignored";	/* not a member of this action */
	mock_answer(&m, 200, wi_success, NULL);
	dirty_error(&err);
	/* a signer given by mistake is not used either */
	CHECK(ddb_sts_assume_role(&svc, &ca_signer, &req, &out, &err));
	CHECK(m.nreq == 1);
	CHECK_STR(mock_method(&m, -1), "POST");
	CHECK_STR(mock_url(&m, -1), "https://sts.us-east-1.amazonaws.com/");
	CHECK_STR(mock_body(&m, -1),
			  "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
			  "&RoleArn=arn%3Aaws%3Aiam%3A%3A1234567890%3Arole%2Ftest-arn"
			  "&RoleSessionName=9876543210&WebIdentityToken=my-test-token-contents-123-abc-xyz");
	CHECK(mock_header(&m, -1, "Authorization") == NULL);
	CHECK(mock_header(&m, -1, "X-Amz-Security-Token") == NULL);
	CHECK(mock_header(&m, -1, "X-Amz-Date") == NULL);
	CHECK_STR(mock_header(&m, -1, "Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
	CHECK_STR(mock_header(&m, -1, "Host"), "sts.us-east-1.amazonaws.com");
	CHECK_STR(out.access_key_id, WI_AKID);
	CHECK_STR(out.secret_access_key, AR_SECRET);
	CHECK_STR(out.session_token, WI_TOKEN);
	CHECK(out.expiration == WI_EXPIRATION);
	ddb_aws_credentials_clear(&out);

	/* no signer needed; duration and a token needing escapes */
	req.duration = 3600;
	req.web_identity_token = "eyJ.a+b/c=";
	CHECK(ddb_sts_assume_role(&svc, NULL, &req, &out, &err));
	CHECK_STR(mock_body(&m, -1),
			  "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
			  "&RoleArn=arn%3Aaws%3Aiam%3A%3A1234567890%3Arole%2Ftest-arn"
			  "&RoleSessionName=9876543210&DurationSeconds=3600&WebIdentityToken=eyJ.a%2Bb%2Fc%3D");
	ddb_aws_credentials_clear(&out);

	/* STS rejects the token */
	mock_answer(&m, 400,
				"<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>"
				"<Message>Couldn't retrieve verification key from your identity provider</Message></Error>"
				"<RequestId>r</RequestId></ErrorResponse>",
				"RID-WI");
	memset(&out, 'j', sizeof(out));
	dirty_error(&err);
	CHECK(!ddb_sts_assume_role(&svc, NULL, &req, &out, &err));
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK_STR(err.code, "InvalidIdentityToken");
	CHECK(err.http_status == 400);
	CHECK_STR(err.request_id, "RID-WI");
	CHECK(creds_empty(&out));

	sts_close(&m, &svc, http);
}

static void
test_assume_role_failures(void)
{
	Mock		m = {.name = "sts"};
	DdbHttpClient *http;
	DdbAwsService svc;
	DdbAssumeRole req;
	DdbAwsCredentials out;
	DdbAwsError err;

	http = sts_open(&m, &svc, "https://sts.amazonaws.com/", "us-east-1");
	memset(&req, 0, sizeof(req));
	req.role_arn = CA_ROLE_ARN;
	req.session_name = "test_session";

	/* 403 AccessDenied */
	mock_answer(&m, 403,
				"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
				"  <Error>\n    <Type>Sender</Type>\n    <Code>AccessDenied</Code>\n"
				"    <Message>User: arn:aws:iam::123456789012:user/x is not authorized to perform: sts:AssumeRole on resource: "
				CA_ROLE_ARN "</Message>\n  </Error>\n  <RequestId>4d1a3e0e-0000</RequestId>\n</ErrorResponse>\n",
				"4d1a3e0e-0000");
	memset(&out, 'j', sizeof(out));
	dirty_error(&err);
	CHECK(!ddb_sts_assume_role(&svc, &ca_signer, &req, &out, &err));
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK_STR(err.code, "AccessDenied");
	CHECK(err.http_status == 403);
	CHECK(strstr(err.message, "is not authorized to perform: sts:AssumeRole") != NULL);
	CHECK_STR(err.request_id, "4d1a3e0e-0000");
	CHECK(creds_empty(&out));

	/* a gateway's page */
	mock_answer(&m, 504, "<html><body><h1>504 Gateway Time-out</h1>\n</body></html>", NULL);
	dirty_error(&err);
	CHECK(!ddb_sts_assume_role(&svc, &ca_signer, &req, &out, &err));
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	CHECK(err.http_status == 504);
	CHECK(strstr(err.message, "504 Gateway Time-out") != NULL);
	CHECK(creds_empty(&out));

	/* 200 with something that is not credentials */
	mock_answer(&m, 200, "<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>", NULL);
	dirty_error(&err);
	CHECK(!ddb_sts_assume_role(&svc, &ca_signer, &req, &out, &err));
	CHECK(err.kind == DDB_AWS_ERR_MALFORMED);
	CHECK(creds_empty(&out));
	mock_answer(&m, 200, "", NULL);
	CHECK(!ddb_sts_assume_role(&svc, &ca_signer, &req, &out, &err));
	CHECK(err.kind == DDB_AWS_ERR_MALFORMED);
	mock_answer(&m, 200, NULL, NULL);
	CHECK(!ddb_sts_assume_role(&svc, &ca_signer, &req, &out, &err));
	CHECK(err.kind == DDB_AWS_ERR_MALFORMED);
	mock_answer(&m, 200, "{\"AccessKeyId\":\"A\"}", NULL);
	CHECK(!ddb_sts_assume_role(&svc, &ca_signer, &req, &out, &err));
	CHECK(err.kind == DDB_AWS_ERR_MALFORMED);

	/* no response at all: the transport's error comes through unchanged */
	mock_reset(&m);
	mock_fail(&m, DDB_AWS_ERR_CONNECT);
	dirty_error(&err);
	CHECK(!ddb_sts_assume_role(&svc, &ca_signer, &req, &out, &err));
	CHECK(m.nreq == 1);
	CHECK(err.kind == DDB_AWS_ERR_CONNECT);
	CHECK_STR(err.message, "mock sts: connection refused");
	CHECK(creds_empty(&out));
	req.web_identity_token = "tok";
	CHECK(!ddb_sts_assume_role(&svc, NULL, &req, &out, &err));
	CHECK(err.kind == DDB_AWS_ERR_CONNECT);

	sts_close(&m, &svc, http);
}

int
main(void)
{
	test_parse_success();
	test_parse_incomplete();
	test_parse_malformed();
	test_parse_truncated();
	test_parse_mutated();
	test_parse_error();
	test_form_encode();
	test_assume_role_signed();
	test_assume_role_web_identity();
	test_assume_role_failures();
	return unit_report("test_sts");
}
