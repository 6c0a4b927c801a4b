/*-------------------------------------------------------------------------
 *
 * test_dynamodb.c
 *		Unit tests of the DynamoDB control-response parsers and request
 *		builders (src/aws/dynamodb.c, describe.c), endpoint URL parsing (src/aws/http.c)
 *		and the small codecs (src/aws/codec.c).  No network.
 *
 * Wire examples follow aws-wire-formats.md section (d) (DynamoDB JSON 1.0,
 * error bodies, x-amz-crc32 known answers) and section (a) (ISO-8601
 * timestamps as STS writes them).
 *
 * IDENTIFICATION
 *		test/unit/test_dynamodb.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamodb.h"
#include "json.h"
#include "mock.h"
#include "unit.h"

UNIT_DEFINE_COUNTERS;

/* ----------------------------------------------------------------
 * Helpers
 * ----------------------------------------------------------------
 */



/* Builds a response as ddb_http_request would leave it. */
static void
make_response(DdbHttpResponse *resp, long status, const char *body,
			  const char *request_id, const char *error_type)
{
	ddb_http_response_init(resp);
	resp->status = status;
	if (body)
		ddb_buf_append_str(&resp->body, body);
	if (request_id)
		snprintf(resp->request_id, sizeof(resp->request_id), "%s", request_id);
	if (error_type)
		snprintf(resp->error_type, sizeof(resp->error_type), "%s", error_type);
}

/* Parses an error response; returns the error for inspection. */
static DdbAwsError
parse_error(long status, const char *body, const char *request_id,
			const char *error_type)
{
	DdbHttpResponse resp;
	DdbAwsError err;

	make_response(&resp, status, body, request_id, error_type);
	dirty_error(&err);
	ddb_dynamodb_parse_error(&resp, &err);
	ddb_http_response_free(&resp);
	return err;
}

/* ----------------------------------------------------------------
 * Error bodies
 * ----------------------------------------------------------------
 */
static void
test_parse_error(void)
{
	DdbAwsError err;
	char		longbody[600];

	/* the Developer Guide's example, byte for byte */
	err = parse_error(400,
					  "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\",\n"
					  "\"message\":\"Requested resource not found: Table: tablename not found\"}",
					  "LDM6CJP8RMQ1FHKSC1RBVJFPNVV4KQNSO5AEMF66Q9ASUAAJG", NULL);
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK(err.http_status == 400);
	CHECK_STR(err.code, "ResourceNotFoundException");
	CHECK_STR(err.message, "Requested resource not found: Table: tablename not found");
	CHECK_STR(err.request_id, "LDM6CJP8RMQ1FHKSC1RBVJFPNVV4KQNSO5AEMF66Q9ASUAAJG");

	err = parse_error(400,
					  "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException\","
					  "\"message\":\"The level of configured provisioned throughput for the table was exceeded.\"}",
					  "RID1", NULL);
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK_STR(err.code, "ProvisionedThroughputExceededException");

	/* credential errors carry the coral namespace */
	err = parse_error(400,
					  "{\"__type\":\"com.amazon.coral.service#UnrecognizedClientException\","
					  "\"message\":\"The security token included in the request is invalid.\"}",
					  NULL, NULL);
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK_STR(err.code, "UnrecognizedClientException");
	CHECK_STR(err.message, "The security token included in the request is invalid.");
	CHECK_STR(err.request_id, "");

	err = parse_error(400,
					  "{\"__type\":\"com.amazon.coral.service#ExpiredTokenException\","
					  "\"Message\":\"The security token included in the request is expired\"}",
					  NULL, NULL);
	CHECK_STR(err.code, "ExpiredTokenException");
	CHECK_STR(err.message, "The security token included in the request is expired");

	/* X-Amzn-ErrorType wins over the body, and is sanitized the same way */
	err = parse_error(400, "{\"__type\":\"BarError\",\"message\":\"Hi\"}", "R",
					  "aws.protocoltests.json10#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/");
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK_STR(err.code, "FooError");
	CHECK_STR(err.message, "Hi");
	err = parse_error(400, "{}", NULL, "FooError");
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK_STR(err.code, "FooError");
	CHECK_STR(err.message, "FooError");
	/* even when the body is no JSON at all */
	err = parse_error(503, "<html>busy</html>", NULL, "ThrottlingException");
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK(err.http_status == 503);
	CHECK_STR(err.code, "ThrottlingException");

	/* the "code" field when there is no __type (Smithy awsJson1_0 tests) */
	err = parse_error(400, "{\"code\":\"aws.protocoltests.json10#FooError\",\"message\":\"Hi\"}",
					  NULL, NULL);
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK_STR(err.code, "FooError");
	/* __type is preferred to code */
	err = parse_error(400, "{\"code\":\"A\",\"__type\":\"B\"}", NULL, NULL);
	CHECK_STR(err.code, "B");

	/* ":http://internal..." suffixes are dropped, in __type as in the header */
	err = parse_error(400,
					  "{\"__type\":\"aws.protocoltests.json10#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/\"}",
					  NULL, NULL);
	CHECK_STR(err.code, "FooError");
	err = parse_error(400, "{\"__type\":\"FooError:http://internal.amazon.com/coral/\"}",
					  NULL, NULL);
	CHECK_STR(err.code, "FooError");
	/* the suffix is cut first: a '#' inside it is not the namespace */
	err = parse_error(400,
					  "{\"__type\":\"ns#FooError:http://internal.amazon.com/coral/#frag\"}",
					  NULL, NULL);
	CHECK_STR(err.code, "FooError");
	err = parse_error(400, "{\"__type\":\"FooError:http://x/#y\"}", NULL, NULL);
	CHECK_STR(err.code, "FooError");

	/* message and Message; the lower-case one wins when both are there */
	err = parse_error(400, "{\"__type\":\"X\",\"Message\":\"upper\"}", NULL, NULL);
	CHECK_STR(err.message, "upper");
	err = parse_error(400, "{\"__type\":\"X\",\"message\":\"lower\",\"Message\":\"upper\"}",
					  NULL, NULL);
	CHECK_STR(err.message, "lower");
	/* no message at all: the code stands in */
	err = parse_error(400, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ValidationException\"}",
					  NULL, NULL);
	CHECK_STR(err.message, "ValidationException");
	/* a message that is not a string is ignored */
	err = parse_error(400, "{\"__type\":\"X\",\"message\":42}", NULL, NULL);
	CHECK_STR(err.message, "X");

	/* control characters in remote text never reach a log line */
	err = parse_error(400,
					  "{\"__type\":\"ns#Bad\\u0007Code\",\"message\":\"line1\\nline2\\r\\t\\u0007\\u001b[31mred\\u007f!\"}",
					  "id\x01x", NULL);
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK_STR(err.message, "line1 line2    [31mred !");
	CHECK(!has_control_chars(err.code));
	CHECK(!has_control_chars(err.request_id));

	/* a proxy's HTML page: an HTTP error with a cleaned snippet */
	err = parse_error(502,
					  "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
					  "<body><center><h1>502 Bad Gateway</h1></center></body>\r\n</html>\r\n",
					  "RID-502", NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	CHECK(err.http_status == 502);
	CHECK_STR(err.code, "");
	CHECK(strstr(err.message, "502") != NULL);
	CHECK(strstr(err.message, "<title>502 Bad Gateway</title>") != NULL);
	CHECK(!has_control_chars(err.message));
	CHECK_STR(err.request_id, "RID-502");

	/* a long page is cut */
	memset(longbody, 'a', sizeof(longbody) - 1);
	longbody[sizeof(longbody) - 1] = '\0';
	err = parse_error(500, longbody, NULL, NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	CHECK(strlen(err.message) < 300);
	CHECK(strstr(err.message, "...") != NULL);

	/* empty bodies, with and without a buffer */
	err = parse_error(503, "", NULL, NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	CHECK(err.http_status == 503);
	CHECK_STR(err.code, "");
	CHECK_STR(err.message, "HTTP status 503 with an empty body");
	err = parse_error(500, NULL, NULL, NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	CHECK_STR(err.message, "HTTP status 500 with an empty body");

	/* JSON, but not an error body: no code */
	err = parse_error(500, "{\"message\":\"x\"}", NULL, NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	err = parse_error(500, "{\"__type\":17}", NULL, NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	err = parse_error(500, "[\"__type\"]", NULL, NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	err = parse_error(500, "\"__type\"", NULL, NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	/* truncated or followed by junk: not trusted */
	err = parse_error(400, "{\"__type\":\"ns#Foo\",\"message\":\"x\"", NULL, NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	err = parse_error(400, "{\"__type\":\"ns#Foo\"} trailing", NULL, NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	/* trailing blanks are fine */
	err = parse_error(400, "{\"__type\":\"ns#Foo\"}\r\n", NULL, NULL);
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK_STR(err.code, "Foo");

	/*
	 * A type naming no code (found by test/fuzz/fuzz_dynamodb): it used to
	 * give a service error with an empty code and, without a message, an
	 * empty message too.  It is an HTTP error quoting the body instead.
	 */
	err = parse_error(500, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#\"}", NULL, NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	CHECK_STR(err.code, "");
	CHECK(strstr(err.message, "HTTP status 500") != NULL);
	CHECK(strstr(err.message, "v20120810#") != NULL);
	err = parse_error(400, "{\"__type\":\"\",\"message\":\"Hi\"}", NULL, NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	CHECK(strstr(err.message, "Hi") != NULL);
	err = parse_error(400, "{\"code\":\"#:http://internal/\"}", NULL, NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	err = parse_error(400, "not json", NULL, "ns#");
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	CHECK_STR(err.code, "");
	CHECK(strstr(err.message, "not json") != NULL);

	/* over-long fields are cut, never overflow */
	{
		DdbBuf		b;
		int			i;

		ddb_buf_init(&b);
		ddb_buf_append_str(&b, "{\"__type\":\"ns#");
		for (i = 0; i < 300; i++)
			ddb_buf_append_char(&b, 'C');
		ddb_buf_append_str(&b, "\",\"message\":\"");
		for (i = 0; i < 3000; i++)
			ddb_buf_append_char(&b, 'm');
		ddb_buf_append_str(&b, "\"}");
		err = parse_error(400, b.data, NULL, NULL);
		CHECK(err.kind == DDB_AWS_ERR_SERVICE);
		CHECK(strlen(err.code) == sizeof(err.code) - 1);
		CHECK(strlen(err.message) == sizeof(err.message) - 1);
		ddb_buf_free(&b);
	}
}

/*
 * Messages end up in PostgreSQL errors: invalid bytes from a proxy page must
 * not pass through, and a long message must not be cut inside a character.
 */
static void
test_error_text_is_utf8(void)
{
	DdbAwsError err;
	DdbBuf		b;
	int			i;

	err = parse_error(502, "<html>caf\xc3\xa9 \xff\xfe broken \xe2\x82</html>", NULL, NULL);
	CHECK(err.kind == DDB_AWS_ERR_HTTP);
	CHECK(valid_utf8(err.message));
	CHECK(strstr(err.message, "caf\xc3\xa9 ??") != NULL);

	/* 2-byte characters across the 1023-byte message limit, at both parities */
	for (i = 0; i < 2; i++)
	{
		ddb_buf_init(&b);
		ddb_buf_append_str(&b, "{\"__type\":\"x#Foo\",\"message\":\"");
		if (i == 1)
			ddb_buf_append_str(&b, "a");
		{
			int			k;

			for (k = 0; k < 700; k++)
				ddb_buf_append_str(&b, "\xc3\xa9");
		}
		ddb_buf_append_str(&b, "\"}");
		err = parse_error(400, b.data, NULL, NULL);
		CHECK(err.kind == DDB_AWS_ERR_SERVICE);
		CHECK_STR(err.code, "Foo");
		CHECK(valid_utf8(err.message));
		CHECK(strlen(err.message) >= sizeof(err.message) - 2);
		ddb_buf_free(&b);
	}
}

/* ----------------------------------------------------------------
 * ListTables
 * ----------------------------------------------------------------
 */

/* Parses a ListTables body from an exact-size copy. */
static bool
list_tables(const char *body, DdbStringList *tables, char **last,
			DdbAwsError *err)
{
	size_t		len = strlen(body);
	char	   *copy = exact_copy(body, len);
	bool		ok;

	dirty_error(err);
	ok = ddb_dynamodb_parse_list_tables(copy, len, tables, last, err);
	free(copy);
	return ok;
}

static void
expect_list_malformed(const char *body, int line)
{
	DdbStringList tables = {0};
	DdbAwsError err;
	char	   *last = (char *) "dangling";
	bool		ok = list_tables(body, &tables, &last, &err);

	unit_check(!ok && err.kind == DDB_AWS_ERR_MALFORMED && last == NULL,
			   "ListTables body rejected", __FILE__, line, body);
	ddb_string_list_free(&tables);
}

static void
test_list_tables(void)
{
	DdbStringList tables = {0};
	DdbAwsError err;
	char	   *last = NULL;

	CHECK(list_tables("{\"TableNames\":[\"Forum\",\"ProductCatalog\",\"Reply\",\"Thread\"]}",
					  &tables, &last, &err));
	CHECK(tables.n == 4);
	if (tables.n == 4)
	{
		CHECK_STR(tables.items[0], "Forum");
		CHECK_STR(tables.items[3], "Thread");
	}
	CHECK(last == NULL);

	/* a second page appends; the continuation is handed back */
	CHECK(list_tables("{\"LastEvaluatedTableName\":\"t\\u00e9st\",\n"
					  "  \"TableNames\": [ \"t\\u00e9st\" , \"a\\\"b\" ] }",
					  &tables, &last, &err));
	CHECK(tables.n == 6);
	if (tables.n == 6)
	{
		CHECK_STR(tables.items[4], "t\xC3\xA9st");
		CHECK_STR(tables.items[5], "a\"b");
	}
	CHECK_STR(last, "t\xC3\xA9st");
	free(last);
	ddb_string_list_free(&tables);
	CHECK(tables.n == 0 && tables.items == NULL);

	/* an empty account */
	CHECK(list_tables("{\"TableNames\":[]}", &tables, &last, &err));
	CHECK(tables.n == 0 && last == NULL);

	/* many names: the list grows */
	{
		DdbBuf		b;
		int			i;

		ddb_buf_init(&b);
		ddb_buf_append_str(&b, "{\"TableNames\":[");
		for (i = 0; i < 100; i++)
			ddb_buf_printf(&b, "%s\"table_%03d\"", i ? "," : "", i);
		ddb_buf_append_str(&b, "],\"LastEvaluatedTableName\":\"table_099\"}");
		CHECK(list_tables(b.data, &tables, &last, &err));
		CHECK(tables.n == 100);
		if (tables.n == 100)
			CHECK_STR(tables.items[57], "table_057");
		CHECK_STR(last, "table_099");
		free(last);
		ddb_buf_free(&b);
		ddb_string_list_free(&tables);
	}

	expect_list_malformed("{}", __LINE__);
	expect_list_malformed("{\"TableNames\":null}", __LINE__);
	expect_list_malformed("{\"TableNames\":\"Forum\"}", __LINE__);
	expect_list_malformed("{\"TableNames\":{\"a\":\"b\"}}", __LINE__);
	expect_list_malformed("{\"TableNames\":[\"Forum\",1]}", __LINE__);
	expect_list_malformed("{\"TableNames\":[\"Forum\",null]}", __LINE__);
	expect_list_malformed("{\"TableNames\":[[\"Forum\"]]}", __LINE__);
	expect_list_malformed("{\"TableNames\":[\"Forum\"", __LINE__);
	expect_list_malformed("{\"TableNames\":[\"Forum\"]", __LINE__);
	expect_list_malformed("{\"TableNames\":[\"For", __LINE__);
	expect_list_malformed("{\"TableNames\":[\"Forum\"]}x", __LINE__);
	expect_list_malformed("{\"TableNames\":[\"Forum\"]}{}", __LINE__);
	expect_list_malformed("{\"TableNames\":[\"Forum\",]}", __LINE__);
	expect_list_malformed("[\"Forum\"]", __LINE__);
	expect_list_malformed("", __LINE__);
	expect_list_malformed("<html></html>", __LINE__);
}

/* ----------------------------------------------------------------
 * DescribeTable
 * ----------------------------------------------------------------
 */
static DdbTableDesc *
describe(const char *body, DdbAwsError *err)
{
	size_t		len = strlen(body);
	char	   *copy = exact_copy(body, len);
	DdbTableDesc *desc = (DdbTableDesc *) 1;	/* must be overwritten */
	bool		ok;

	dirty_error(err);
	ok = ddb_dynamodb_parse_describe_table(copy, len, &desc, err);
	free(copy);
	if (!ok)
		CHECK(desc == NULL);
	return ok ? desc : NULL;
}

static void
expect_describe_malformed(const char *body, int line)
{
	DdbAwsError err;
	DdbTableDesc *desc = describe(body, &err);

	unit_check(desc == NULL && err.kind == DDB_AWS_ERR_MALFORMED,
			   "DescribeTable body rejected as malformed", __FILE__, line, body);
	ddb_table_desc_free(desc);
}

static void
test_describe_simple(void)
{
	DdbAwsError err;
	DdbTableDesc *d;

	d = describe("{\"Table\":{\"AttributeDefinitions\":[{\"AttributeName\":\"id\","
				 "\"AttributeType\":\"S\"}],\"TableName\":\"Simple\",\"KeySchema\":"
				 "[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],\"TableStatus\":\"ACTIVE\","
				 "\"CreationDateTime\":1.421866952062E9,\"ProvisionedThroughput\":"
				 "{\"NumberOfDecreasesToday\":0,\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":5},"
				 "\"TableSizeBytes\":0,\"ItemCount\":0,\"TableArn\":"
				 "\"arn:aws:dynamodb:us-east-1:123456789012:table/Simple\","
				 "\"TableId\":\"d1b5ad4c-2d5a-4e2b-9a61-5bd0e0f0e0a1\"}}", &err);
	CHECK(d != NULL);
	if (d == NULL)
		return;
	CHECK_STR(d->name, "Simple");
	CHECK_STR(d->status, "ACTIVE");
	CHECK_STR(d->arn, "arn:aws:dynamodb:us-east-1:123456789012:table/Simple");
	CHECK_STR(d->key.partition_key, "id");
	CHECK(d->key.partition_type == 'S');
	CHECK(d->key.sort_key == NULL);
	CHECK(d->key.sort_type == '\0');
	CHECK(d->item_count == 0);
	CHECK(d->size_bytes == 0);
	CHECK(d->nindexes == 0);
	CHECK(!d->stream_enabled);
	CHECK(d->stream_view_type == NULL);
	CHECK(d->latest_stream_arn == NULL);
	ddb_table_desc_free(d);

	/* no counts, no status, a key missing from AttributeDefinitions */
	d = describe("{\"Table\":{\"TableName\":\"Bare\",\"KeySchema\":"
				 "[{\"AttributeName\":\"k\",\"KeyType\":\"HASH\"}]}}", &err);
	CHECK(d != NULL);
	if (d)
	{
		CHECK(d->item_count == -1 && d->size_bytes == -1);
		CHECK(d->status == NULL && d->arn == NULL);
		CHECK(d->key.partition_type == '\0');
	}
	ddb_table_desc_free(d);
	ddb_table_desc_free(NULL);
}

static void
test_describe_full(void)
{
	DdbAwsError err;
	DdbTableDesc *d;

	/* RANGE listed before HASH: order must not matter */
	d = describe(
				 "{\"Table\":{\n"
				 "  \"AttributeDefinitions\":[\n"
				 "    {\"AttributeName\":\"ts\",\"AttributeType\":\"N\"},\n"
				 "    {\"AttributeName\":\"dev\",\"AttributeType\":\"B\"},\n"
				 "    {\"AttributeName\":\"email\",\"AttributeType\":\"S\"},\n"
				 "    {\"AttributeName\":\"state\",\"AttributeType\":\"S\"},\n"
				 "    {\"AttributeName\":\"created\",\"AttributeType\":\"N\"}],\n"
				 "  \"TableName\":\"Readings\",\n"
				 "  \"KeySchema\":[{\"AttributeName\":\"ts\",\"KeyType\":\"RANGE\"},\n"
				 "                {\"AttributeName\":\"dev\",\"KeyType\":\"HASH\"}],\n"
				 "  \"TableStatus\":\"UPDATING\",\n"
				 "  \"TableSizeBytes\":98765432109876,\"ItemCount\":1234567890123,\n"
				 "  \"GlobalSecondaryIndexes\":[\n"
				 "    {\"IndexName\":\"ByEmail\",\"KeySchema\":[{\"AttributeName\":\"email\",\"KeyType\":\"HASH\"}],\n"
				 "     \"Projection\":{\"ProjectionType\":\"INCLUDE\",\"NonKeyAttributes\":[\"name\",\"age\"]},\n"
				 "     \"IndexStatus\":\"ACTIVE\",\"IndexSizeBytes\":4096,\"ItemCount\":17,\n"
				 "     \"IndexArn\":\"arn:aws:dynamodb:us-east-1:123456789012:table/Readings/index/ByEmail\"},\n"
				 "    {\"IndexName\":\"ByState\",\"KeySchema\":[{\"AttributeName\":\"state\",\"KeyType\":\"HASH\"},\n"
				 "       {\"AttributeName\":\"ts\",\"KeyType\":\"RANGE\"}],\n"
				 "     \"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"}}],\n"
				 "  \"LocalSecondaryIndexes\":[\n"
				 "    {\"IndexName\":\"ByCreated\",\"KeySchema\":[{\"AttributeName\":\"dev\",\"KeyType\":\"HASH\"},\n"
				 "       {\"AttributeName\":\"created\",\"KeyType\":\"RANGE\"}],\n"
				 "     \"Projection\":{\"ProjectionType\":\"ALL\"},\"IndexSizeBytes\":0,\"ItemCount\":0}],\n"
				 "  \"StreamSpecification\":{\"StreamEnabled\":true,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},\n"
				 "  \"LatestStreamLabel\":\"2024-01-01T00:00:00.000\",\n"
				 "  \"LatestStreamArn\":\"arn:aws:dynamodb:ddblocal:000000000000:table/Readings/stream/2024-01-01T00:00:00.000\"\n"
				 "}}", &err);
	CHECK(d != NULL);
	if (d == NULL)
		return;
	CHECK_STR(d->name, "Readings");
	CHECK_STR(d->status, "UPDATING");
	CHECK_STR(d->key.partition_key, "dev");
	CHECK(d->key.partition_type == 'B');
	CHECK_STR(d->key.sort_key, "ts");
	CHECK(d->key.sort_type == 'N');
	CHECK(d->item_count == 1234567890123LL);
	CHECK(d->size_bytes == 98765432109876LL);
	CHECK(d->nindexes == 3);
	if (d->nindexes == 3)
	{
		DdbIndexDesc *g1 = &d->indexes[0];
		DdbIndexDesc *g2 = &d->indexes[1];
		DdbIndexDesc *l1 = &d->indexes[2];

		CHECK_STR(g1->name, "ByEmail");
		CHECK(g1->global);
		CHECK_STR(g1->key.partition_key, "email");
		CHECK(g1->key.partition_type == 'S');
		CHECK(g1->key.sort_key == NULL);
		CHECK_STR(g1->projection_type, "INCLUDE");
		CHECK(g1->non_key_attributes.n == 2);
		if (g1->non_key_attributes.n == 2)
		{
			CHECK_STR(g1->non_key_attributes.items[0], "name");
			CHECK_STR(g1->non_key_attributes.items[1], "age");
		}
		CHECK(g1->item_count == 17);
		CHECK(g1->size_bytes == 4096);

		CHECK_STR(g2->name, "ByState");
		CHECK(g2->global);
		CHECK_STR(g2->key.partition_key, "state");
		CHECK_STR(g2->key.sort_key, "ts");
		CHECK(g2->key.sort_type == 'N');
		CHECK_STR(g2->projection_type, "KEYS_ONLY");
		CHECK(g2->non_key_attributes.n == 0);
		CHECK(g2->item_count == -1 && g2->size_bytes == -1);

		CHECK_STR(l1->name, "ByCreated");
		CHECK(!l1->global);
		CHECK_STR(l1->key.partition_key, "dev");
		CHECK(l1->key.partition_type == 'B');
		CHECK_STR(l1->key.sort_key, "created");
		CHECK(l1->key.sort_type == 'N');
		CHECK_STR(l1->projection_type, "ALL");
		CHECK(l1->item_count == 0);
	}
	CHECK(d->stream_enabled);
	CHECK_STR(d->stream_view_type, "NEW_AND_OLD_IMAGES");
	CHECK_STR(d->latest_stream_arn,
			  "arn:aws:dynamodb:ddblocal:000000000000:table/Readings/stream/2024-01-01T00:00:00.000");
	ddb_table_desc_free(d);

	/* a stream that was switched off */
	d = describe("{\"Table\":{\"TableName\":\"T\",\"KeySchema\":[{\"AttributeName\":\"k\","
				 "\"KeyType\":\"HASH\"}],\"StreamSpecification\":{\"StreamEnabled\":false},"
				 "\"LocalSecondaryIndexes\":[],\"GlobalSecondaryIndexes\":[]}}", &err);
	CHECK(d != NULL);
	if (d)
	{
		CHECK(!d->stream_enabled);
		CHECK(d->stream_view_type == NULL);
		CHECK(d->nindexes == 0);
	}
	ddb_table_desc_free(d);
}

static void
test_describe_malformed(void)
{
	expect_describe_malformed("{}", __LINE__);
	expect_describe_malformed("{\"TableDescription\":{}}", __LINE__);
	expect_describe_malformed("{\"Table\":[]}", __LINE__);
	expect_describe_malformed("{\"Table\":{}}", __LINE__);
	expect_describe_malformed("{\"Table\":{\"TableName\":7,\"KeySchema\":"
							  "[{\"AttributeName\":\"k\",\"KeyType\":\"HASH\"}]}}", __LINE__);
	/* no KeySchema, or one without a HASH key */
	expect_describe_malformed("{\"Table\":{\"TableName\":\"T\"}}", __LINE__);
	expect_describe_malformed("{\"Table\":{\"TableName\":\"T\",\"KeySchema\":[]}}", __LINE__);
	expect_describe_malformed("{\"Table\":{\"TableName\":\"T\",\"KeySchema\":{}}}", __LINE__);
	expect_describe_malformed("{\"Table\":{\"TableName\":\"T\",\"KeySchema\":"
							  "[{\"AttributeName\":\"k\",\"KeyType\":\"RANGE\"}]}}", __LINE__);
	expect_describe_malformed("{\"Table\":{\"TableName\":\"T\",\"KeySchema\":"
							  "[{\"AttributeName\":\"a\",\"KeyType\":\"HASH\"},"
							  "{\"AttributeName\":\"b\",\"KeyType\":\"HASH\"}]}}", __LINE__);
	expect_describe_malformed("{\"Table\":{\"TableName\":\"T\",\"KeySchema\":"
							  "[{\"AttributeName\":\"a\",\"KeyType\":\"PARTITION\"}]}}", __LINE__);
	expect_describe_malformed("{\"Table\":{\"TableName\":\"T\",\"KeySchema\":"
							  "[{\"AttributeName\":\"a\"}]}}", __LINE__);
	expect_describe_malformed("{\"Table\":{\"TableName\":\"T\",\"KeySchema\":"
							  "[\"a\"]}}", __LINE__);
	/* truncated, or followed by junk */
	expect_describe_malformed("{\"Table\":{\"TableName\":\"T\",\"KeySchema\":"
							  "[{\"AttributeName\":\"k\",\"KeyType\":\"HASH\"}]}", __LINE__);
	expect_describe_malformed("{\"Table\":{\"TableName\":\"T\",\"KeySchema\":"
							  "[{\"AttributeName\":\"k\",\"KeyType\":\"HASH\"}]}}}", __LINE__);
	expect_describe_malformed("", __LINE__);
	/* an index that cannot be used is a malformed answer too */
	expect_describe_malformed("{\"Table\":{\"TableName\":\"T\",\"KeySchema\":"
							  "[{\"AttributeName\":\"k\",\"KeyType\":\"HASH\"}],"
							  "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"G\"}]}}", __LINE__);
	expect_describe_malformed("{\"Table\":{\"TableName\":\"T\",\"KeySchema\":"
							  "[{\"AttributeName\":\"k\",\"KeyType\":\"HASH\"}],"
							  "\"LocalSecondaryIndexes\":[{\"KeySchema\":"
							  "[{\"AttributeName\":\"k\",\"KeyType\":\"HASH\"}]}]}}", __LINE__);
	expect_describe_malformed("{\"Table\":{\"TableName\":\"T\",\"KeySchema\":"
							  "[{\"AttributeName\":\"k\",\"KeyType\":\"HASH\"}],"
							  "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"G\",\"KeySchema\":"
							  "[{\"AttributeName\":\"k\",\"KeyType\":\"RANGE\"}]}]}}", __LINE__);
	expect_describe_malformed("{\"Table\":{\"TableName\":\"T\",\"KeySchema\":"
							  "[{\"AttributeName\":\"k\",\"KeyType\":\"HASH\"}],"
							  "\"GlobalSecondaryIndexes\":[7]}}", __LINE__);
}

/*
 * A table or index name quoted in a DescribeTable error is remote text
 * (found by test/fuzz/fuzz_dynamodb): json-c passes invalid UTF-8 and
 * control characters through, and "%.200s" cut names inside a character.
 * The message must be valid UTF-8 without control characters.
 */
static void
test_describe_error_text(void)
{
	static const char *const bodies[] = {
		/* the table's name: invalid bytes, escapes of control characters */
		"{\"Table\":{\"TableName\":\"T\xff\xfe\\u0007\\n\\u001b[31m\xc3\",\"KeySchema\":[]}}",
		/* an index's name */
		"{\"Table\":{\"TableName\":\"T\",\"KeySchema\":"
		"[{\"AttributeName\":\"k\",\"KeyType\":\"HASH\"}],"
		"\"GlobalSecondaryIndexes\":[{\"IndexName\":\"G\\r\\n\xe2\x82\"}]}}",
	};
	size_t		i;
	int			parity;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
	{
		DdbAwsError err;
		DdbTableDesc *d = describe(bodies[i], &err);

		unit_check(d == NULL && err.kind == DDB_AWS_ERR_MALFORMED,
				   "DescribeTable body rejected", __FILE__, __LINE__, bodies[i]);
		unit_check(valid_utf8(err.message) && !has_control_chars(err.message),
				   "clean message", __FILE__, __LINE__, err.message);
		ddb_table_desc_free(d);
	}

	/* 2-byte characters across the 200-byte cut, at both parities */
	for (parity = 0; parity < 2; parity++)
	{
		DdbBuf		b;
		DdbAwsError err;
		DdbTableDesc *d;
		int			k;

		ddb_buf_init(&b);
		ddb_buf_append_str(&b, "{\"Table\":{\"KeySchema\":[],\"TableName\":\"");
		if (parity)
			ddb_buf_append_char(&b, 'a');
		for (k = 0; k < 150; k++)
			ddb_buf_append_str(&b, "\xc3\xa9");
		ddb_buf_append_str(&b, "\"}}");
		d = describe(b.data, &err);
		CHECK(d == NULL && err.kind == DDB_AWS_ERR_MALFORMED);
		CHECK(valid_utf8(err.message));
		CHECK(strstr(err.message, "\xc3\xa9\xc3\xa9\"") != NULL);
		ddb_table_desc_free(d);
		ddb_buf_free(&b);
	}
}

/* ----------------------------------------------------------------
 * Scan request bodies
 * ----------------------------------------------------------------
 */
static void
expect_scan(const DdbScanRequest *req, const char *want, int line)
{
	DdbBuf		b;
	DdbJson		j;

	ddb_buf_init(&b);
	ddb_dynamodb_build_scan(req, &b);
	unit_check(ddb_buf_ok(&b), "scan body built", __FILE__, line, want);
	unit_check_str(b.data, want, "scan body", __FILE__, line);
	/* and it is valid JSON */
	ddb_json_init(&j, b.data, b.len);
	unit_check(ddb_json_skip_value(&j) && ddb_json_finish(&j),
			   "scan body is JSON", __FILE__, line, want);
	ddb_json_free(&j);
	ddb_buf_free(&b);
}

static void
test_build_scan(void)
{
	DdbScanRequest r;

	memset(&r, 0, sizeof(r));
	r.table_name = "Movies";
	expect_scan(&r, "{\"TableName\":\"Movies\"}", __LINE__);

	/* the wire-formats example, in our member order */
	r.projection_expression = "#t, #y";
	r.expression_attribute_names = "{\"#t\":\"title\",\"#y\":\"year\"}";
	r.limit = 100;
	r.segment = 0;
	r.total_segments = 4;
	r.exclusive_start_key = "{\"year\":{\"N\":\"2013\"},\"title\":{\"S\":\"Curse of Chucky\"}}";
	r.return_consumed_capacity = true;
	expect_scan(&r,
				"{\"TableName\":\"Movies\",\"Segment\":0,\"TotalSegments\":4,\"Limit\":100,"
				"\"ProjectionExpression\":\"#t, #y\","
				"\"ExpressionAttributeNames\":{\"#t\":\"title\",\"#y\":\"year\"},"
				"\"ReturnConsumedCapacity\":\"TOTAL\","
				"\"ExclusiveStartKey\":{\"year\":{\"N\":\"2013\"},\"title\":{\"S\":\"Curse of Chucky\"}}}",
				__LINE__);

	/* everything at once */
	memset(&r, 0, sizeof(r));
	r.table_name = "Movies";
	r.index_name = "ByYear";
	r.segment = 3;
	r.total_segments = 8;
	r.limit = 2500;
	r.select = "COUNT";
	r.projection_expression = "#t";
	r.filter_expression = "#y BETWEEN :lo AND :hi";
	r.expression_attribute_names = "{\"#t\":\"title\",\"#y\":\"year\"}";
	r.expression_attribute_values = "{\":lo\":{\"N\":\"1990\"},\":hi\":{\"N\":\"1999\"}}";
	r.consistent_read = true;
	r.return_consumed_capacity = true;
	r.exclusive_start_key = "{\"pk\":{\"S\":\"a\"}}";
	expect_scan(&r,
				"{\"TableName\":\"Movies\",\"IndexName\":\"ByYear\",\"Segment\":3,"
				"\"TotalSegments\":8,\"Limit\":2500,\"Select\":\"COUNT\","
				"\"ProjectionExpression\":\"#t\",\"FilterExpression\":\"#y BETWEEN :lo AND :hi\","
				"\"ExpressionAttributeNames\":{\"#t\":\"title\",\"#y\":\"year\"},"
				"\"ExpressionAttributeValues\":{\":lo\":{\"N\":\"1990\"},\":hi\":{\"N\":\"1999\"}},"
				"\"ConsistentRead\":true,\"ReturnConsumedCapacity\":\"TOTAL\","
				"\"ExclusiveStartKey\":{\"pk\":{\"S\":\"a\"}}}",
				__LINE__);

	/* a segment without a parallel scan, a zero or negative limit: left out */
	memset(&r, 0, sizeof(r));
	r.table_name = "T";
	r.segment = 2;
	r.limit = -1;
	r.consistent_read = true;
	expect_scan(&r, "{\"TableName\":\"T\",\"ConsistentRead\":true}", __LINE__);

	/* filter and values alone */
	memset(&r, 0, sizeof(r));
	r.table_name = "T";
	r.filter_expression = "attribute_exists(x) AND y = :v";
	r.expression_attribute_values = "{\":v\":{\"S\":\"\\\"q\\\"\"}}";
	expect_scan(&r,
				"{\"TableName\":\"T\",\"FilterExpression\":\"attribute_exists(x) AND y = :v\","
				"\"ExpressionAttributeValues\":{\":v\":{\"S\":\"\\\"q\\\"\"}}}",
				__LINE__);

	/* names and expressions are JSON-escaped; UTF-8 passes through */
	memset(&r, 0, sizeof(r));
	r.table_name = "we\"ird\\na\nme\t\x01\xC3\xA9";
	r.index_name = "i\"x";
	r.projection_expression = "#a\"";
	r.select = "SPECIFIC_ATTRIBUTES";
	expect_scan(&r,
				"{\"TableName\":\"we\\\"ird\\\\na\\nme\\t\\u0001\xC3\xA9\","
				"\"IndexName\":\"i\\\"x\",\"Select\":\"SPECIFIC_ATTRIBUTES\","
				"\"ProjectionExpression\":\"#a\\\"\"}",
				__LINE__);

	/* appends after what the buffer holds */
	{
		DdbBuf		b;

		memset(&r, 0, sizeof(r));
		r.table_name = "T";
		ddb_buf_init(&b);
		ddb_buf_append_str(&b, "x");
		ddb_dynamodb_build_scan(&r, &b);
		CHECK_STR(b.data, "x{\"TableName\":\"T\"}");
		ddb_buf_free(&b);
	}
}

/* A built body, checked against want and for being JSON. */
static void
expect_body(DdbBuf *b, const char *want, int line)
{
	DdbJson		j;

	unit_check(ddb_buf_ok(b), "body built", __FILE__, line, want);
	unit_check_str(b->data, want, "body", __FILE__, line);
	ddb_json_init(&j, b->data, b->len);
	unit_check(ddb_json_skip_value(&j) && ddb_json_finish(&j),
			   "body is JSON", __FILE__, line, want);
	ddb_json_free(&j);
	ddb_buf_free(b);
}

static void
test_build_query_and_gets(void)
{
	DdbScanRequest r;
	DdbGetRequest g;
	DdbBuf		b;

	/* Query: the key condition, ScanIndexForward; never Segment */
	memset(&r, 0, sizeof(r));
	r.table_name = "Music";
	r.index_name = "ByGenre";
	r.key_condition_expression = "#k0 = :k0 AND begins_with(#k1, :k1)";
	r.scan_backward = true;
	r.segment = 1;
	r.total_segments = 4;
	r.limit = 10;
	r.filter_expression = "#f0 > :f0";
	r.expression_attribute_names = "{\"#k0\":\"genre\",\"#k1\":\"title\",\"#f0\":\"year\"}";
	r.expression_attribute_values = "{\":k0\":{\"S\":\"jazz\"},\":k1\":{\"S\":\"A\"},\":f0\":{\"N\":\"1960\"}}";
	r.return_consumed_capacity = true;
	r.exclusive_start_key = "{\"genre\":{\"S\":\"jazz\"}}";
	ddb_buf_init(&b);
	ddb_dynamodb_build_query(&r, &b);
	expect_body(&b,
				"{\"TableName\":\"Music\",\"IndexName\":\"ByGenre\","
				"\"KeyConditionExpression\":\"#k0 = :k0 AND begins_with(#k1, :k1)\","
				"\"ScanIndexForward\":false,\"Limit\":10,\"FilterExpression\":\"#f0 > :f0\","
				"\"ExpressionAttributeNames\":{\"#k0\":\"genre\",\"#k1\":\"title\",\"#f0\":\"year\"},"
				"\"ExpressionAttributeValues\":{\":k0\":{\"S\":\"jazz\"},\":k1\":{\"S\":\"A\"},\":f0\":{\"N\":\"1960\"}},"
				"\"ReturnConsumedCapacity\":\"TOTAL\",\"ExclusiveStartKey\":{\"genre\":{\"S\":\"jazz\"}}}",
				__LINE__);
	/* a Scan ignores the Query members */
	ddb_buf_init(&b);
	r.index_name = NULL;
	r.filter_expression = NULL;
	r.expression_attribute_names = NULL;
	r.expression_attribute_values = NULL;
	r.exclusive_start_key = NULL;
	r.return_consumed_capacity = false;
	ddb_dynamodb_build_scan(&r, &b);
	expect_body(&b, "{\"TableName\":\"Music\",\"Segment\":1,\"TotalSegments\":4,\"Limit\":10}",
				__LINE__);

	/* GetItem */
	memset(&g, 0, sizeof(g));
	g.table_name = "Music";
	g.key = "{\"artist\":{\"S\":\"Mingus\"},\"title\":{\"S\":\"Haitian \\\"Fight\\\" Song\"}}";
	ddb_buf_init(&b);
	ddb_dynamodb_build_get_item(&g, &b);
	expect_body(&b,
				"{\"TableName\":\"Music\",\"Key\":{\"artist\":{\"S\":\"Mingus\"},"
				"\"title\":{\"S\":\"Haitian \\\"Fight\\\" Song\"}}}",
				__LINE__);
	g.projection_expression = "#a0,#a1";
	g.expression_attribute_names = "{\"#a0\":\"artist\",\"#a1\":\"year\"}";
	g.consistent_read = true;
	g.return_consumed_capacity = true;
	ddb_buf_init(&b);
	ddb_dynamodb_build_get_item(&g, &b);
	expect_body(&b,
				"{\"TableName\":\"Music\",\"Key\":{\"artist\":{\"S\":\"Mingus\"},"
				"\"title\":{\"S\":\"Haitian \\\"Fight\\\" Song\"}},\"ProjectionExpression\":\"#a0,#a1\","
				"\"ExpressionAttributeNames\":{\"#a0\":\"artist\",\"#a1\":\"year\"},"
				"\"ConsistentRead\":true,\"ReturnConsumedCapacity\":\"TOTAL\"}",
				__LINE__);

	/* BatchGetItem: the options belong to the table's entry */
	g.key = NULL;
	g.table_name = "Mu\"sic";
	g.keys = "[{\"id\":{\"N\":\"1\"}},{\"id\":{\"N\":\"2\"}}]";
	ddb_buf_init(&b);
	ddb_dynamodb_build_batch_get(&g, &b);
	expect_body(&b,
				"{\"RequestItems\":{\"Mu\\\"sic\":{\"Keys\":[{\"id\":{\"N\":\"1\"}},{\"id\":{\"N\":\"2\"}}],"
				"\"ProjectionExpression\":\"#a0,#a1\","
				"\"ExpressionAttributeNames\":{\"#a0\":\"artist\",\"#a1\":\"year\"},"
				"\"ConsistentRead\":true}},\"ReturnConsumedCapacity\":\"TOTAL\"}",
				__LINE__);
	memset(&g, 0, sizeof(g));
	g.table_name = "T";
	g.keys = "[{\"id\":{\"S\":\"x\"}}]";
	ddb_buf_init(&b);
	ddb_dynamodb_build_batch_get(&g, &b);
	expect_body(&b, "{\"RequestItems\":{\"T\":{\"Keys\":[{\"id\":{\"S\":\"x\"}}]}}}", __LINE__);

	/* the retry sends UnprocessedKeys back as they came */
	ddb_buf_init(&b);
	ddb_dynamodb_build_batch_get_retry("{\"T\":{\"Keys\":[{\"id\":{\"S\":\"x\"}}],\"ConsistentRead\":true}}",
									   true, &b);
	expect_body(&b,
				"{\"RequestItems\":{\"T\":{\"Keys\":[{\"id\":{\"S\":\"x\"}}],\"ConsistentRead\":true}},"
				"\"ReturnConsumedCapacity\":\"TOTAL\"}",
				__LINE__);
}

/* ----------------------------------------------------------------
 * Endpoints and service handles
 * ----------------------------------------------------------------
 */
static void
expect_endpoint(const char *url, const char *want_url, const char *want_host,
				const char *want_path, bool want_https, int line)
{
	DdbEndpoint ep;
	DdbAwsError err;

	dirty_error(&err);
	if (!unit_check(ddb_endpoint_parse(url, &ep, &err), "endpoint accepted",
					__FILE__, line, url))
	{
		fprintf(stderr, "  error: %s\n", err.message);
		return;
	}
	unit_check_str(ep.url, want_url, "url", __FILE__, line);
	unit_check_str(ep.host_header, want_host, "host_header", __FILE__, line);
	unit_check_str(ep.path, want_path, "path", __FILE__, line);
	unit_check(ep.https == want_https, "https", __FILE__, line, url);
	ddb_endpoint_free(&ep);
	unit_check(ep.url == NULL && ep.host_header == NULL && ep.path == NULL,
			   "endpoint freed", __FILE__, line, url);
}

/* A syntax error: refused with and without the http rule. */
static void
expect_bad_endpoint(const char *url, int line)
{
	DdbEndpoint ep;
	DdbAwsError err;
	int			rule;

	for (rule = 0; rule < 2; rule++)
	{
		bool		ok;

		dirty_error(&err);
		ok = rule ? ddb_endpoint_parse(url, &ep, &err) :
			ddb_endpoint_parse_any_host(url, &ep, &err);
		unit_check(!ok && err.kind == DDB_AWS_ERR_INVALID && err.message[0] != 'x',
				   rule ? "endpoint rejected" : "endpoint rejected without the http rule",
				   __FILE__, line, url);
		if (ok)
			ddb_endpoint_free(&ep);
		else
			unit_check(ep.url == NULL && ep.host_header == NULL && ep.path == NULL,
					   "nothing left allocated", __FILE__, line, url);
	}
}

/*
 * Well-formed, but plain http to a host that is not loopback: refused by
 * ddb_endpoint_parse with a message saying so, accepted by the syntax check
 * alone (so it is the rule that refuses it).
 */
static void
expect_http_refused(const char *url, int line)
{
	DdbEndpoint ep;
	DdbAwsError err;
	bool		ok;

	dirty_error(&err);
	ok = ddb_endpoint_parse(url, &ep, &err);
	unit_check(!ok && err.kind == DDB_AWS_ERR_INVALID &&
			   strstr(err.message, "plain http is allowed only to loopback") != NULL &&
			   strstr(err.message, "use https") != NULL,
			   "plain http refused", __FILE__, line, url);
	if (ok)
		ddb_endpoint_free(&ep);
	else
		unit_check(ep.url == NULL && ep.host_header == NULL && ep.path == NULL,
				   "nothing left allocated", __FILE__, line, url);
	dirty_error(&err);
	ok = ddb_endpoint_parse_any_host(url, &ep, &err);
	unit_check(ok, "well-formed", __FILE__, line, url);
	if (ok)
		ddb_endpoint_free(&ep);
}

/* The http rule: loopback hosts only; https anywhere. */
static void
test_endpoint_http_rule(void)
{
	DdbEndpoint ep;
	DdbAwsError err;

	/* loopback: 127.0.0.0/8 dotted, ::1, localhost in any case */
	expect_endpoint("http://127.0.0.1:8000", "http://127.0.0.1:8000/", "127.0.0.1:8000",
					"/", false, __LINE__);
	expect_endpoint("http://127.1.2.3", "http://127.1.2.3/", "127.1.2.3", "/", false,
					__LINE__);
	expect_endpoint("http://127.255.255.255/x", "http://127.255.255.255/x",
					"127.255.255.255", "/x", false, __LINE__);
	expect_endpoint("http://localhost:1", "http://localhost:1/", "localhost:1", "/",
					false, __LINE__);
	expect_endpoint("http://LocalHost:8000", "http://localhost:8000/", "localhost:8000",
					"/", false, __LINE__);
	expect_endpoint("http://[::1]:8000", "http://[::1]:8000/", "[::1]:8000", "/", false,
					__LINE__);
	expect_endpoint("http://[0:0:0:0:0:0:0:1]", "http://[0:0:0:0:0:0:0:1]/",
					"[0:0:0:0:0:0:0:1]", "/", false, __LINE__);

	/* anything else over http */
	expect_http_refused("http://10.0.0.1", __LINE__);
	expect_http_refused("http://10.0.0.1:8000/", __LINE__);
	expect_http_refused("http://example.com", __LINE__);
	expect_http_refused("http://dynamodb.us-east-1.amazonaws.com/", __LINE__);
	expect_http_refused("http://128.0.0.1", __LINE__);
	expect_http_refused("http://126.255.255.255", __LINE__);
	expect_http_refused("http://0.0.0.0:8000", __LINE__);
	expect_http_refused("http://169.254.169.254/", __LINE__);
	expect_http_refused("http://169.254.170.2/", __LINE__);
	expect_http_refused("http://[::2]", __LINE__);
	expect_http_refused("http://[::]:8000", __LINE__);
	expect_http_refused("http://[fd00:ec2::23]", __LINE__);
	/* names that only start like loopback, and short or odd address forms */
	expect_http_refused("http://127.0.0.1.evil.com", __LINE__);
	expect_http_refused("http://127.0.0.1.evil.com:8000/", __LINE__);
	expect_http_refused("http://127.example.com", __LINE__);
	expect_http_refused("http://localhost.evil.com", __LINE__);
	expect_http_refused("http://localhost.", __LINE__);
	expect_http_refused("http://localhostx", __LINE__);
	expect_http_refused("http://xlocalhost", __LINE__);
	expect_http_refused("http://127.1", __LINE__);
	expect_http_refused("http://2130706433", __LINE__);
	expect_http_refused("http://0x7f000001", __LINE__);
	expect_http_refused("http://127.0.0.1.", __LINE__);
	expect_http_refused("http://[::ffff:127.0.0.1]", __LINE__);
	expect_http_refused("http://[::1.2.3.4]", __LINE__);

	/* https: any host, loopback or not */
	expect_endpoint("https://10.0.0.1", "https://10.0.0.1/", "10.0.0.1", "/", true,
					__LINE__);
	expect_endpoint("https://example.com:8443/x", "https://example.com:8443/x",
					"example.com:8443", "/x", true, __LINE__);
	expect_endpoint("https://127.0.0.1.evil.com", "https://127.0.0.1.evil.com/",
					"127.0.0.1.evil.com", "/", true, __LINE__);
	expect_endpoint("https://localhost:8443", "https://localhost:8443/", "localhost:8443",
					"/", true, __LINE__);
	expect_endpoint("https://[::2]", "https://[::2]/", "[::2]", "/", true, __LINE__);

	/* the message names the host (never more of the URL) and the fix */
	dirty_error(&err);
	CHECK(!ddb_endpoint_parse("HTTP://Example.COM:80/p", &ep, &err));
	CHECK_STR(err.message, "plain http is allowed only to loopback (127.0.0.0/8, [::1] or localhost), not to \"example.com\": use https");
}

static void
test_endpoint(void)
{
	expect_endpoint("https://dynamodb.us-east-1.amazonaws.com",
					"https://dynamodb.us-east-1.amazonaws.com/",
					"dynamodb.us-east-1.amazonaws.com", "/", true, __LINE__);
	expect_endpoint("http://localhost:8000", "http://localhost:8000/",
					"localhost:8000", "/", false, __LINE__);
	expect_endpoint("http://127.0.0.1:8000/", "http://127.0.0.1:8000/",
					"127.0.0.1:8000", "/", false, __LINE__);
	/* default ports are left out of Host (and so of the signature) */
	expect_endpoint("https://h.example:443/", "https://h.example/", "h.example", "/",
					true, __LINE__);
	expect_endpoint("http://localhost:80", "http://localhost/", "localhost", "/",
					false, __LINE__);
	expect_endpoint("http://localhost:443", "http://localhost:443/", "localhost:443",
					"/", false, __LINE__);
	expect_endpoint("https://h.example:80", "https://h.example:80/", "h.example:80",
					"/", true, __LINE__);
	expect_endpoint("https://h:1", "https://h:1/", "h:1", "/", true, __LINE__);
	expect_endpoint("https://h:65535", "https://h:65535/", "h:65535", "/", true, __LINE__);
	/* upper-case scheme and host; the path keeps its case */
	expect_endpoint("HTTPS://DynamoDB.Example.COM:8443/Path/X",
					"https://dynamodb.example.com:8443/Path/X",
					"dynamodb.example.com:8443", "/Path/X", true, __LINE__);
	expect_endpoint("Http://LOCALHOST", "http://localhost/", "localhost", "/", false,
					__LINE__);
	/* paths, e.g. the fault-injecting gateway's */
	expect_endpoint("http://127.0.0.1:9000/fault/delay=5/",
					"http://127.0.0.1:9000/fault/delay=5/", "127.0.0.1:9000",
					"/fault/delay=5/", false, __LINE__);
	expect_endpoint("https://h/a%20b/~x-y_z.;,@!$&'()*+:", "https://h/a%20b/~x-y_z.;,@!$&'()*+:",
					"h", "/a%20b/~x-y_z.;,@!$&'()*+:", true, __LINE__);
	/* IPv6 literals */
	expect_endpoint("http://[::1]:8000/", "http://[::1]:8000/", "[::1]:8000", "/",
					false, __LINE__);
	expect_endpoint("https://[2001:DB8::1]", "https://[2001:db8::1]/", "[2001:db8::1]",
					"/", true, __LINE__);
	expect_endpoint("https://[::ffff:127.0.0.1]:443/x", "https://[::ffff:127.0.0.1]/x",
					"[::ffff:127.0.0.1]", "/x", true, __LINE__);
	expect_endpoint("https://my_host-1.internal", "https://my_host-1.internal/",
					"my_host-1.internal", "/", true, __LINE__);

	/* schemes */
	expect_bad_endpoint("ftp://h/", __LINE__);
	expect_bad_endpoint("file:///etc/passwd", __LINE__);
	expect_bad_endpoint("gopher://h", __LINE__);
	expect_bad_endpoint("h:8000", __LINE__);
	expect_bad_endpoint("//h/", __LINE__);
	expect_bad_endpoint("http:/h", __LINE__);
	expect_bad_endpoint(" http://h", __LINE__);
	expect_bad_endpoint("", __LINE__);
	/* hosts */
	expect_bad_endpoint("http://", __LINE__);
	expect_bad_endpoint("https://", __LINE__);
	expect_bad_endpoint("http:///x", __LINE__);
	expect_bad_endpoint("http://:8000", __LINE__);
	expect_bad_endpoint("http://user@h", __LINE__);
	expect_bad_endpoint("http://user:pw@h/", __LINE__);
	expect_bad_endpoint("http://user:123@h/", __LINE__);
	expect_bad_endpoint("http://@h", __LINE__);
	expect_bad_endpoint("http://h o/", __LINE__);
	expect_bad_endpoint("http://h\t/", __LINE__);
	expect_bad_endpoint("http://h\\x/", __LINE__);
	expect_bad_endpoint("http://h%41/", __LINE__);
	expect_bad_endpoint("http://[::1", __LINE__);
	expect_bad_endpoint("http://[]/", __LINE__);
	expect_bad_endpoint("http://[[::1]/", __LINE__);
	expect_bad_endpoint("http://[::1[]/", __LINE__);
	expect_bad_endpoint("http://[g::1]/", __LINE__);
	expect_bad_endpoint("http://[::1]x/", __LINE__);
	expect_bad_endpoint("http://[::1]]/", __LINE__);
	/* ports */
	expect_bad_endpoint("http://h:0", __LINE__);
	expect_bad_endpoint("http://h:00", __LINE__);
	expect_bad_endpoint("http://h:65536", __LINE__);
	expect_bad_endpoint("http://h:99999999999999999999999", __LINE__);
	expect_bad_endpoint("http://h:abc", __LINE__);
	expect_bad_endpoint("http://h:80x", __LINE__);
	expect_bad_endpoint("http://h:", __LINE__);
	expect_bad_endpoint("http://h:/", __LINE__);
	expect_bad_endpoint("http://h:-1", __LINE__);
	expect_bad_endpoint("http://h:+80", __LINE__);
	expect_bad_endpoint("http://h: 80", __LINE__);
	expect_bad_endpoint("http://h:80:81", __LINE__);
	/* query, fragment, bad path characters and escapes */
	expect_bad_endpoint("http://h/?x=1", __LINE__);
	expect_bad_endpoint("http://h?x=1", __LINE__);
	expect_bad_endpoint("http://h/#frag", __LINE__);
	expect_bad_endpoint("http://h#frag", __LINE__);
	expect_bad_endpoint("http://h/a b", __LINE__);
	expect_bad_endpoint("http://h/a\"b", __LINE__);
	expect_bad_endpoint("http://h/a\nb", __LINE__);
	expect_bad_endpoint("http://h/\xC3\xA9", __LINE__);
	expect_bad_endpoint("http://h/%", __LINE__);
	expect_bad_endpoint("http://h/%2", __LINE__);
	expect_bad_endpoint("http://h/%zz", __LINE__);
	expect_bad_endpoint("http://h/%2g", __LINE__);
}

static void
test_service(void)
{
	DdbAwsService svc;
	DdbAwsError err;
	char		longregion[100];
	char	   *url;

	CHECK(ddb_aws_service_init(&svc, NULL, "http://localhost:8000", "us-west-2",
							   "dynamodb", &err));
	CHECK_STR(svc.region, "us-west-2");
	CHECK_STR(svc.service, "dynamodb");
	CHECK_STR(svc.endpoint.host_header, "localhost:8000");
	ddb_aws_service_free(&svc);

	memset(longregion, 'r', sizeof(longregion) - 1);
	longregion[sizeof(longregion) - 1] = '\0';
	dirty_error(&err);
	CHECK(!ddb_aws_service_init(&svc, NULL, "https://h", longregion, "dynamodb", &err));
	CHECK(err.kind == DDB_AWS_ERR_INVALID);
	/* the http rule holds for every service endpoint (STS, Streams too) */
	dirty_error(&err);
	CHECK(!ddb_aws_service_init(&svc, NULL, "http://10.0.0.1:8000", "us-east-1", "sts", &err));
	CHECK(err.kind == DDB_AWS_ERR_INVALID && strstr(err.message, "use https") != NULL);
	CHECK(svc.endpoint.url == NULL);
	dirty_error(&err);
	CHECK(!ddb_aws_service_init(&svc, NULL, "ftp://h", "us-east-1", "dynamodb", &err));
	CHECK(err.kind == DDB_AWS_ERR_INVALID);

	url = ddb_aws_default_endpoint("dynamodb", "eu-central-1");
	CHECK_STR(url, "https://dynamodb.eu-central-1.amazonaws.com/");
	free(url);
	url = ddb_aws_default_endpoint("dynamodb", "cn-north-1");
	CHECK_STR(url, "https://dynamodb.cn-north-1.amazonaws.com.cn/");
	free(url);
}

/* ----------------------------------------------------------------
 * Codecs
 * ----------------------------------------------------------------
 */

/* Bit-at-a-time CRC-32 (IEEE, reflected), the textbook definition. */
static uint32_t
crc32_reference(const unsigned char *p, size_t len)
{
	uint32_t	crc = 0xFFFFFFFFu;
	size_t		i;
	int			k;

	for (i = 0; i < len; i++)
	{
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc & 1) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
	}
	return ~crc;
}

static void
test_crc32(void)
{
	static const char wargames[] =
		"{\"Count\":1,\"Items\":[{\"title\":{\"S\":\"WarGames\"}}],\"ScannedCount\":6}";
	size_t		wlen = sizeof(wargames) - 1;
	size_t		i;
	size_t		k;
	int			bad = 0;
	unsigned char data[300];
	char	   *copy;

	CHECK(ddb_crc32(0, "foo", 3) == 2356372769u);
	CHECK(ddb_crc32(0, "abc123", 6) == 0xcf02bb5cu);
	CHECK(ddb_crc32(0, "abc123", 6) == 3473062748u);
	CHECK(ddb_crc32(0, "", 0) == 0);
	CHECK(ddb_crc32(0, NULL, 0) == 0);
	CHECK(ddb_crc32(0, "123456789", 9) == 0xCBF43926u);
	CHECK(wlen == 65);
	CHECK(ddb_crc32(0, wargames, wlen) == 936517486u);

	/* incrementally, split at every point and at every pair of points */
	for (i = 0; i <= wlen; i++)
	{
		uint32_t	c = ddb_crc32(ddb_crc32(0, wargames, i), wargames + i, wlen - i);

		if (c != 936517486u)
			bad++;
		for (k = i; k <= wlen; k++)
		{
			c = ddb_crc32(0, wargames, i);
			c = ddb_crc32(c, wargames + i, k - i);
			c = ddb_crc32(c, wargames + k, wlen - k);
			if (c != 936517486u)
				bad++;
		}
	}
	CHECK(bad == 0);

	/* against the bitwise definition, every length, odd alignments */
	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char) (i * 131 + 7);
	bad = 0;
	for (i = 0; i < 8; i++)
		for (k = 0; k + i <= sizeof(data); k++)
		{
			copy = exact_copy((const char *) data + i, k);
			if (ddb_crc32(0, copy, k) != crc32_reference(data + i, k))
				bad++;
			free(copy);
		}
	CHECK(bad == 0);
}

static void
expect_b64(const char *plain, const char *encoded, int line)
{
	DdbBuf		b;
	size_t		elen = strlen(encoded);
	unsigned char *out = xmalloc(ddb_base64_decoded_maxlen(elen));
	long		n;

	ddb_buf_init(&b);
	ddb_base64_encode(&b, plain, strlen(plain));
	ddb_buf_append(&b, "", 0);
	unit_check_str(b.data, encoded, "base64 encode", __FILE__, line);
	n = ddb_base64_decode(encoded, elen, out);
	unit_check(n == (long) strlen(plain) && memcmp(out, plain, (size_t) n) == 0,
			   "base64 decode", __FILE__, line, encoded);
	free(out);
	ddb_buf_free(&b);
}

static void
expect_bad_b64(const char *encoded, int line)
{
	size_t		len = strlen(encoded);
	char	   *copy = exact_copy(encoded, len);
	unsigned char *out = xmalloc(ddb_base64_decoded_maxlen(len));

	unit_check(ddb_base64_decode(copy, len, out) == -1, "base64 rejected",
			   __FILE__, line, encoded);
	free(out);
	free(copy);
}

static void
test_base64(void)
{
	unsigned char data[64];
	size_t		len;
	int			bad = 0;

	/* RFC 4648 section 10 */
	expect_b64("", "", __LINE__);
	expect_b64("f", "Zg==", __LINE__);
	expect_b64("fo", "Zm8=", __LINE__);
	expect_b64("foo", "Zm9v", __LINE__);
	expect_b64("foob", "Zm9vYg==", __LINE__);
	expect_b64("fooba", "Zm9vYmE=", __LINE__);
	expect_b64("foobar", "Zm9vYmFy", __LINE__);
	/* both high alphabet characters */
	expect_b64("\xfb\xff\xbf", "+/+/", __LINE__);

	/* round trips for lengths 0..64, all byte values */
	for (len = 0; len <= sizeof(data); len++)
	{
		DdbBuf		b;
		unsigned char *out;
		char	   *enc;
		size_t		i;
		long		n;

		for (i = 0; i < len; i++)
			data[i] = (unsigned char) (len * 37 + i * 101);
		ddb_buf_init(&b);
		ddb_base64_encode(&b, data, len);
		if (b.len != (len + 2) / 3 * 4)
			bad++;
		/* decode from an exact-size copy into an exact-size buffer */
		enc = exact_copy(b.data ? b.data : "", b.len);
		out = xmalloc(ddb_base64_decoded_maxlen(b.len));
		n = ddb_base64_decode(enc, b.len, out);
		if (n != (long) len || (len > 0 && memcmp(out, data, len) != 0))
			bad++;
		free(out);
		free(enc);
		ddb_buf_free(&b);
	}
	CHECK(bad == 0);

	/* lengths */
	expect_bad_b64("Z", __LINE__);
	expect_bad_b64("Zg", __LINE__);
	expect_bad_b64("Zg=", __LINE__);
	expect_bad_b64("Zm9vY", __LINE__);
	expect_bad_b64("Zm9vYg=", __LINE__);
	/* characters */
	expect_bad_b64("Zm9v!A==", __LINE__);
	expect_bad_b64("Zm 9", __LINE__);
	expect_bad_b64("Zm9v\nYg==", __LINE__);
	expect_bad_b64("Zm9vYg==\n", __LINE__);
	expect_bad_b64("Zm-_", __LINE__);	/* the URL-safe alphabet */
	expect_bad_b64("Zm9\x80", __LINE__);
	/* padding */
	expect_bad_b64("====", __LINE__);
	expect_bad_b64("Z===", __LINE__);
	expect_bad_b64("=Zm9", __LINE__);
	expect_bad_b64("Zg=a", __LINE__);
	expect_bad_b64("Z=g=", __LINE__);
	expect_bad_b64("Zg==Zg==", __LINE__);
	expect_bad_b64("Zm8=Zm9v", __LINE__);
	expect_bad_b64("Zm9v====", __LINE__);
	/* decoded_maxlen covers the decode */
	CHECK(ddb_base64_decoded_maxlen(4) >= 3);
	CHECK(ddb_base64_decoded_maxlen(88) >= 66);
}

static void
expect_time(const char *s, time_t want, int line)
{
	time_t		t = (time_t) -12345;

	unit_check(ddb_aws_parse_iso8601(s, &t) && t == want, "timestamp parsed",
			   __FILE__, line, s);
}

static void
expect_bad_time(const char *s, int line)
{
	time_t		t = (time_t) 42;

	unit_check(!ddb_aws_parse_iso8601(s, &t) && t == 42, "timestamp rejected",
			   __FILE__, line, s);
}

static void
test_timestamps(void)
{
	char		out[17];

	/* the two forms STS writes (aws-wire-formats.md (a)) */
	expect_time("2011-07-15T23:28:33.359Z", 1310772513, __LINE__);
	expect_time("2014-10-24T23:00:23Z", 1414191623, __LINE__);
	expect_time("2014-10-24T23:00:23+00:00", 1414191623, __LINE__);
	expect_time("2014-10-24T23:00:23.123456789+00:00", 1414191623, __LINE__);
	expect_time("1970-01-01T00:00:00Z", 0, __LINE__);
	expect_time("2000-02-29T12:00:00Z", 951825600, __LINE__);
	expect_time("2038-01-19T03:14:08Z", (time_t) 2147483648LL, __LINE__);
	expect_time("2015-08-30T12:36:00z", 1440938160, __LINE__);
	expect_time("  2015-08-30T12:36:00Z\n", 1440938160, __LINE__);

	expect_bad_time("", __LINE__);
	expect_bad_time("2011-07-15", __LINE__);
	expect_bad_time("2011-07-15T23:28:33", __LINE__);
	expect_bad_time("2011-07-15T23:28:33.359", __LINE__);
	expect_bad_time("2011-07-15T23:28:33.Z", __LINE__);
	expect_bad_time("2011-07-15T23:28Z", __LINE__);
	expect_bad_time("2011-07-15T23:28:33+01:00", __LINE__);
	expect_bad_time("2011-07-15T23:28:33-00:00", __LINE__);
	expect_bad_time("2011-07-15T23:28:33Zjunk", __LINE__);
	expect_bad_time("2011-07-15T23:28:33Z Z", __LINE__);
	expect_bad_time("x2011-07-15T23:28:33Z", __LINE__);
	expect_bad_time("2011/07/15T23:28:33Z", __LINE__);
	expect_bad_time("2011-7-15T23:28:33Z", __LINE__);
	expect_bad_time("2011-13-15T23:28:33Z", __LINE__);
	expect_bad_time("2011-00-15T23:28:33Z", __LINE__);
	expect_bad_time("2011-07-00T23:28:33Z", __LINE__);
	expect_bad_time("2011-07-32T23:28:33Z", __LINE__);
	expect_bad_time("2011-07-15T24:00:00Z", __LINE__);
	expect_bad_time("2011-07-15T23:60:00Z", __LINE__);
	expect_bad_time("2011-07-15T23:28:61Z", __LINE__);
	expect_bad_time("2011-07-15X23:28:33Z", __LINE__);
	expect_bad_time("1310772513", __LINE__);

	ddb_aws_format_amz_date(0, out);
	CHECK_STR(out, "19700101T000000Z");
	ddb_aws_format_amz_date(1440938160, out);
	CHECK_STR(out, "20150830T123600Z");
	ddb_aws_format_amz_date(951825600, out);
	CHECK_STR(out, "20000229T120000Z");
}

static void
test_sha256(void)
{
	char		hex[65];

	ddb_sha256_hex("", 0, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	ddb_sha256_hex("abc", 3, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
test_error_helpers(void)
{
	DdbAwsError err;
	int			k;

	dirty_error(&err);
	ddb_aws_error_clear(&err);
	CHECK(err.kind == DDB_AWS_OK && err.http_status == 0);
	CHECK_STR(err.code, "");
	CHECK_STR(err.message, "");
	CHECK_STR(err.request_id, "");
	ddb_aws_error_set(&err, DDB_AWS_ERR_TIMEOUT, "after %d ms", 250);
	CHECK(err.kind == DDB_AWS_ERR_TIMEOUT);
	CHECK_STR(err.message, "after 250 ms");
	for (k = DDB_AWS_OK; k <= DDB_AWS_ERR_OOM; k++)
		CHECK(strcmp(ddb_aws_error_kind_name((DdbAwsErrorKind) k), "unknown") != 0);
}

/* ----------------------------------------------------------------
 * Retries: which errors, how long, how many
 * ----------------------------------------------------------------
 */
#define ERR_BODY(code) "{\"__type\":\"com.amazonaws.dynamodb.v20120810#" code "\",\"message\":\"m\"}"

/* A script of answers (status 0: a connection reset) and the waits seen. */
typedef struct RetryScript
{
	int			n;				/* answers scripted; the last one repeats */
	const long *status;
	const char *const *body;
	const bool *bad_crc;		/* NULL: no x-amz-crc32 */
	int			calls;
	long		delays[64];
	int			nsleeps;
	int			abort_at;		/* the sleep that is "canceled" (1-based), 0: none */
} RetryScript;

static bool
retry_sleep(void *arg, long ms)
{
	RetryScript *s = arg;

	if (s->nsleeps < 64)
		s->delays[s->nsleeps] = ms;
	s->nsleeps++;
	return s->abort_at == 0 || s->nsleeps < s->abort_at;
}

/* Runs one call against the script with max_retries retries. */
static bool
retry_call(RetryScript *s, int max_retries, DdbAwsError *err, unsigned long *retries)
{
	Mock		m = {.name = "dynamodb", .repeat = true};
	DdbHttpConfig cfg;
	DdbHttpClient *http;
	DdbAwsService svc;
	DdbAwsCredentials creds;
	DdbHttpResponse resp;
	bool		ok;
	int			i;

	for (i = 0; i < s->n; i++)
	{
		if (s->status[i] == 0)
			mock_fail(&m, DDB_AWS_ERR_TRANSPORT);
		else
			mock_reply_full(&m, s->status[i], s->body[i], NULL,
							s->bad_crc == NULL ? MOCK_CRC_NONE :
							s->bad_crc[i] ? MOCK_CRC_BAD : MOCK_CRC_GOOD);
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_retries = max_retries;
	cfg.retry_base_ms = 100;
	cfg.retry_cap_ms = 1000;
	cfg.sleep_hook = retry_sleep;
	cfg.sleep_arg = s;
	http = mock_client(&m, &cfg);
	CHECK(ddb_aws_service_init(&svc, http, "http://127.0.0.1:9", "us-east-1", "dynamodb", err));
	memset(&creds, 0, sizeof(creds));
	creds.access_key_id = "AKIDEXAMPLE";
	creds.secret_access_key = "secret";
	ddb_http_response_init(&resp);
	ok = ddb_dynamodb_call(&svc, &creds, "Scan", "{}", 2, &resp, err);
	*retries = ddb_http_client_retries(http);
	s->calls = m.nreq;
	ddb_http_response_free(&resp);
	ddb_aws_service_free(&svc);
	ddb_http_client_destroy(http);
	mock_reset(&m);
	return ok;
}

static void
test_retries(void)
{
	DdbAwsError err;
	unsigned long retries;
	int			k;

	/* every retryable kind once, then an answer */
	{
		static const long st[] = {500, 400, 0, 200, 200, 503, 200};
		static const char *const bd[] = {ERR_BODY("InternalServerError"),
			ERR_BODY("ProvisionedThroughputExceededException"), "",
			"{\"Count\":1,\"Items\":[{\"a\"", "<html>not json</html>",
		"<html>busy</html>", "{\"Count\":0,\"Items\":[]}"};
		RetryScript s = {.n = 7, .status = st, .body = bd, .bad_crc = NULL};

		CHECK(retry_call(&s, 10, &err, &retries));
		CHECK(s.calls == 7);
		CHECK(retries == 6);
		CHECK(s.nsleeps == 6);
		/* full jitter: the k-th wait is in [0, min(cap, base * 2^k)] */
		for (k = 0; k < s.nsleeps; k++)
			CHECK(s.delays[k] >= 0 && s.delays[k] <= (100L << k > 1000 ? 1000 : 100L << k));
	}
	/* a corrupted answer (x-amz-crc32) is sent again */
	{
		static const long st[] = {200, 200};
		static const char *const bd[] = {"{\"Count\":0}", "{\"Count\":0}"};
		static const bool crc[] = {true, false};
		RetryScript s = {.n = 2, .status = st, .body = bd, .bad_crc = crc};

		CHECK(retry_call(&s, 10, &err, &retries));
		CHECK(s.calls == 2 && retries == 1);
	}
	/* what a retry cannot fix fails at once */
	{
		static const long st[] = {400};
		static const char *const bd[] = {ERR_BODY("ValidationException")};
		RetryScript s = {.n = 1, .status = st, .body = bd, .bad_crc = NULL};

		CHECK(!retry_call(&s, 10, &err, &retries));
		CHECK(s.calls == 1 && retries == 0 && s.nsleeps == 0);
		CHECK(err.kind == DDB_AWS_ERR_SERVICE);
		CHECK_STR(err.code, "ValidationException");
		CHECK(strstr(err.message, "gave up") == NULL);
	}
	{
		static const long st[] = {400};
		static const char *const bd[] = {ERR_BODY("AccessDeniedException")};
		RetryScript s = {.n = 1, .status = st, .body = bd, .bad_crc = NULL};

		CHECK(!retry_call(&s, 10, &err, &retries));
		CHECK(s.calls == 1);
	}
	/* an error that does not clear: max_retries + 1 attempts, then the error */
	{
		static const long st[] = {400};
		static const char *const bd[] = {ERR_BODY("ThrottlingException")};
		RetryScript s = {.n = 1, .status = st, .body = bd, .bad_crc = NULL};

		CHECK(!retry_call(&s, 3, &err, &retries));
		CHECK(s.calls == 4 && retries == 3);
		CHECK_STR(err.code, "ThrottlingException");
		CHECK(strstr(err.message, "(gave up after 4 attempts)") != NULL);
	}
	/* max_retries 0: one attempt */
	{
		static const long st[] = {500};
		static const char *const bd[] = {ERR_BODY("InternalServerError")};
		RetryScript s = {.n = 1, .status = st, .body = bd, .bad_crc = NULL};

		CHECK(!retry_call(&s, 0, &err, &retries));
		CHECK(s.calls == 1 && retries == 0);
	}
	/* a cancel during the wait ends the call */
	{
		static const long st[] = {500};
		static const char *const bd[] = {ERR_BODY("InternalServerError")};
		RetryScript s = {.n = 1, .status = st, .body = bd, .bad_crc = NULL};

		s.abort_at = 2;
		CHECK(!retry_call(&s, 10, &err, &retries));
		CHECK(s.calls == 2);
		CHECK(err.kind == DDB_AWS_ERR_ABORTED);
	}
	/* the cap holds however many retries */
	{
		static const long st[] = {500};
		static const char *const bd[] = {ERR_BODY("InternalServerError")};
		RetryScript s = {.n = 1, .status = st, .body = bd, .bad_crc = NULL};

		CHECK(!retry_call(&s, 40, &err, &retries));
		CHECK(s.calls == 41);
		for (k = 0; k < 40; k++)
			CHECK(s.delays[k] <= 1000);
	}
	/* the classification */
	{
		DdbAwsError e;

		ddb_aws_error_clear(&e);
		ddb_aws_error_set(&e, DDB_AWS_ERR_TIMEOUT, "t");
		CHECK(ddb_aws_error_retryable(&e));
		ddb_aws_error_set(&e, DDB_AWS_ERR_INVALID, "i");
		CHECK(!ddb_aws_error_retryable(&e));
		ddb_aws_error_set(&e, DDB_AWS_ERR_HTTP, "h");
		e.http_status = 429;
		CHECK(ddb_aws_error_retryable(&e));
		e.http_status = 404;
		CHECK(!ddb_aws_error_retryable(&e));
		ddb_aws_error_set(&e, DDB_AWS_ERR_SERVICE, "s");
		e.http_status = 400;
		strcpy(e.code, "ExpiredIteratorException");
		CHECK(!ddb_aws_error_retryable(&e));
		strcpy(e.code, "LimitExceededException");
		CHECK(ddb_aws_error_retryable(&e));
	}
}

int
main(void)
{
	test_parse_error();
	test_error_text_is_utf8();
	test_list_tables();
	test_describe_simple();
	test_describe_full();
	test_describe_malformed();
	test_describe_error_text();
	test_build_scan();
	test_build_query_and_gets();
	test_endpoint();
	test_endpoint_http_rule();
	test_service();
	test_crc32();
	test_base64();
	test_timestamps();
	test_sha256();
	test_error_helpers();
	test_retries();
	return unit_report("test_dynamodb");
}
