/*-------------------------------------------------------------------------
 *
 * test_metadata.c
 *		Unit tests of src/aws/metadata.c: a table's billing mode and
 *		capacity (DescribeTable), time to live (DescribeTimeToLive) and
 *		point-in-time recovery (DescribeContinuousBackups) -- the parsers
 *		on the answers AWS documents and on broken ones, and the calls
 *		against the mock transport.  No network.
 *
 * IDENTIFICATION
 *		test/unit/test_metadata.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metadata.h"
#include "mock.h"
#include "unit.h"

UNIT_DEFINE_COUNTERS;

/* a string literal and its length */
#define LIT(s) (s), strlen(s)

/* DescribeTable of a provisioned table, as the API reference shows one */
static const char provisioned_table[] =
	"{\"Table\":{\"AttributeDefinitions\":[{\"AttributeName\":\"ForumName\",\"AttributeType\":\"S\"},"
	"{\"AttributeName\":\"Subject\",\"AttributeType\":\"S\"},"
	"{\"AttributeName\":\"LastPostDateTime\",\"AttributeType\":\"S\"}],"
	"\"CreationDateTime\":1.363729002358E9,\"ItemCount\":0,"
	"\"KeySchema\":[{\"AttributeName\":\"ForumName\",\"KeyType\":\"HASH\"},"
	"{\"AttributeName\":\"Subject\",\"KeyType\":\"RANGE\"}],"
	"\"LocalSecondaryIndexes\":[{\"IndexName\":\"LastPostIndex\",\"IndexSizeBytes\":0,\"ItemCount\":0,"
	"\"KeySchema\":[{\"AttributeName\":\"ForumName\",\"KeyType\":\"HASH\"},"
	"{\"AttributeName\":\"LastPostDateTime\",\"KeyType\":\"RANGE\"}],"
	"\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"}}],"
	"\"GlobalSecondaryIndexes\":[{\"IndexName\":\"BySubject\",\"IndexSizeBytes\":0,\"ItemCount\":0,"
	"\"KeySchema\":[{\"AttributeName\":\"Subject\",\"KeyType\":\"HASH\"}],"
	"\"Projection\":{\"ProjectionType\":\"ALL\"},\"IndexStatus\":\"ACTIVE\","
	"\"ProvisionedThroughput\":{\"NumberOfDecreasesToday\":0,\"ReadCapacityUnits\":99,"
	"\"WriteCapacityUnits\":98}}],"
	"\"ProvisionedThroughput\":{\"NumberOfDecreasesToday\":0,\"ReadCapacityUnits\":5,"
	"\"WriteCapacityUnits\":7},\"TableName\":\"Thread\",\"TableSizeBytes\":0,"
	"\"TableStatus\":\"ACTIVE\"}}";

/* and of an on-demand table (DynamoDB Local writes the zeros) */
static const char on_demand_table[] =
	"{\"Table\":{\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
	"\"TableName\":\"t\",\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
	"\"TableStatus\":\"ACTIVE\",\"CreationDateTime\":1700000000.0,"
	"\"ProvisionedThroughput\":{\"LastIncreaseDateTime\":0.0,\"LastDecreaseDateTime\":0.0,"
	"\"NumberOfDecreasesToday\":0,\"ReadCapacityUnits\":0,\"WriteCapacityUnits\":0},"
	"\"TableSizeBytes\":10,\"ItemCount\":1,"
	"\"BillingModeSummary\":{\"BillingMode\":\"PAY_PER_REQUEST\","
	"\"LastUpdateToPayPerRequestDateTime\":1700000000.0}}}";

static const char ttl_enabled[] =
	"{\"TimeToLiveDescription\":{\"AttributeName\":\"expires\",\"TimeToLiveStatus\":\"ENABLED\"}}";
static const char ttl_disabled[] =
	"{\"TimeToLiveDescription\":{\"TimeToLiveStatus\":\"DISABLED\"}}";

static const char backups_enabled[] =
	"{\"ContinuousBackupsDescription\":{\"ContinuousBackupsStatus\":\"ENABLED\","
	"\"PointInTimeRecoveryDescription\":{\"EarliestRestorableDateTime\":1.7E9,"
	"\"LatestRestorableDateTime\":1.70000003E9,\"PointInTimeRecoveryStatus\":\"ENABLED\","
	"\"RecoveryPeriodInDays\":35}}}";
static const char backups_disabled[] =
	"{\"ContinuousBackupsDescription\":{\"ContinuousBackupsStatus\":\"ENABLED\","
	"\"PointInTimeRecoveryDescription\":{\"PointInTimeRecoveryStatus\":\"DISABLED\"}}}";

/* ----------------------------------------------------------------
 * Parsers
 * ----------------------------------------------------------------
 */
static void
test_capacity(void)
{
	DdbTableCapacity c;
	DdbAwsError err;
	char	   *body;

	/* provisioned: no BillingModeSummary means PROVISIONED; an index's own
	 * throughput is not the table's */
	body = exact_copy(provisioned_table, strlen(provisioned_table));
	CHECK(ddb_dynamodb_parse_table_capacity(body, strlen(provisioned_table), &c, &err));
	CHECK_STR(c.billing_mode, "PROVISIONED");
	CHECK(c.read_units == 5);
	CHECK(c.write_units == 7);
	ddb_table_capacity_free(&c);
	CHECK(c.billing_mode == NULL);
	free(body);

	/* on demand */
	body = exact_copy(on_demand_table, strlen(on_demand_table));
	CHECK(ddb_dynamodb_parse_table_capacity(body, strlen(on_demand_table), &c, &err));
	CHECK_STR(c.billing_mode, "PAY_PER_REQUEST");
	CHECK(c.read_units == 0 && c.write_units == 0);
	ddb_table_capacity_free(&c);
	free(body);

	/* members missing: the counts unknown (-1) */
	CHECK(ddb_dynamodb_parse_table_capacity(LIT("{\"Table\":{}}"), &c, &err));
	CHECK_STR(c.billing_mode, "PROVISIONED");
	CHECK(c.read_units == -1 && c.write_units == -1);
	ddb_table_capacity_free(&c);

	/* a member of another type than expected is skipped, not taken */
	CHECK(ddb_dynamodb_parse_table_capacity(LIT(
		"{\"Table\":{\"ProvisionedThroughput\":{\"ReadCapacityUnits\":\"5\"},"
		"\"BillingModeSummary\":{\"BillingMode\":7}}}"), &c, &err));
	CHECK(c.read_units == -1);
	CHECK_STR(c.billing_mode, "PROVISIONED");
	ddb_table_capacity_free(&c);
}

static void
test_capacity_malformed(void)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{\"Table\":{\"ProvisionedThroughput\":{\"ReadCapacityUnits\":1.5}}}",
		"{\"Table\":{\"ProvisionedThroughput\":{\"ReadCapacityUnits\":12345678901234567890123456789012}}}",
		"{\"Table\":{\"BillingModeSummary\":{\"BillingMode\":\"PAY\\u0000\"}}}",
		"{\"Table\":{}} trailing",
		"{\"Table\":{\"BillingModeSummary\":{\"BillingMode\":\"PAY\"}}",
	};
	int			i;

	for (i = 0; i < (int) (sizeof(bad) / sizeof(bad[0])); i++)
	{
		DdbTableCapacity c;
		DdbAwsError err;
		char	   *body = exact_copy(bad[i], strlen(bad[i]));

		dirty_error(&err);
		CHECK_MSG(!ddb_dynamodb_parse_table_capacity(body, strlen(bad[i]), &c, &err), bad[i]);
		CHECK(err.kind == DDB_AWS_ERR_MALFORMED);
		CHECK_MSG(strstr(err.message, "malformed DescribeTable response") != NULL, err.message);
		CHECK(c.billing_mode == NULL);
		free(body);
	}
}

/* Every prefix of a good answer fails cleanly (no leak, no read past it). */
static void
test_truncated(void)
{
	const char *const answers[] = {provisioned_table, ttl_enabled, backups_enabled};
	int			a;

	for (a = 0; a < 3; a++)
	{
		size_t		full = strlen(answers[a]);
		size_t		len;

		for (len = 0; len < full; len++)
		{
			char	   *body = exact_copy(answers[a], len);
			DdbAwsError err;
			bool		ok;

			if (a == 0)
			{
				DdbTableCapacity c;

				ok = ddb_dynamodb_parse_table_capacity(body, len, &c, &err);
				CHECK(ok || c.billing_mode == NULL);
				if (ok)
					ddb_table_capacity_free(&c);
			}
			else if (a == 1)
			{
				DdbTtlDesc t;

				ok = ddb_dynamodb_parse_ttl(body, len, &t, &err);
				CHECK(ok || (t.status == NULL && t.attribute == NULL));
				if (ok)
					ddb_ttl_desc_free(&t);
			}
			else
			{
				DdbBackupsDesc b;

				ok = ddb_dynamodb_parse_backups(body, len, &b, &err);
				CHECK(ok || (b.continuous_backups == NULL && b.point_in_time_recovery == NULL));
				if (ok)
					ddb_backups_desc_free(&b);
			}
			CHECK_MSG(!ok, "a truncated answer was accepted");
			CHECK(err.kind == DDB_AWS_ERR_MALFORMED);
			free(body);
		}
	}
}

static void
test_ttl(void)
{
	DdbTtlDesc	t;
	DdbAwsError err;

	CHECK(ddb_dynamodb_parse_ttl(ttl_enabled, strlen(ttl_enabled), &t, &err));
	CHECK_STR(t.status, "ENABLED");
	CHECK_STR(t.attribute, "expires");
	ddb_ttl_desc_free(&t);
	CHECK(t.status == NULL && t.attribute == NULL);

	CHECK(ddb_dynamodb_parse_ttl(ttl_disabled, strlen(ttl_disabled), &t, &err));
	CHECK_STR(t.status, "DISABLED");
	CHECK(t.attribute == NULL);
	ddb_ttl_desc_free(&t);

	/* an attribute name is any UTF-8, escapes decoded */
	{
		static const char body[] =
			"{\"TimeToLiveDescription\":{\"AttributeName\":\"l\\u00e4uft \\\"ab\\\"\","
			"\"TimeToLiveStatus\":\"ENABLING\"}}";

		CHECK(ddb_dynamodb_parse_ttl(body, strlen(body), &t, &err));
		CHECK_STR(t.attribute, "l\xc3\xa4uft \"ab\"");
		CHECK_STR(t.status, "ENABLING");
		ddb_ttl_desc_free(&t);
	}

	/* the last of a repeated member wins, and nothing leaks */
	{
		static const char body[] =
			"{\"TimeToLiveDescription\":{\"AttributeName\":\"a\",\"AttributeName\":\"b\"}}";

		CHECK(ddb_dynamodb_parse_ttl(body, strlen(body), &t, &err));
		CHECK_STR(t.attribute, "b");
		CHECK(t.status == NULL);
		ddb_ttl_desc_free(&t);
	}

	dirty_error(&err);
	CHECK(!ddb_dynamodb_parse_ttl(LIT("{\"TimeToLiveDescription\":"), &t, &err));
	CHECK(err.kind == DDB_AWS_ERR_MALFORMED);
	CHECK(strstr(err.message, "malformed DescribeTimeToLive response") != NULL);
}

static void
test_backups(void)
{
	DdbBackupsDesc b;
	DdbAwsError err;

	CHECK(ddb_dynamodb_parse_backups(backups_enabled, strlen(backups_enabled), &b, &err));
	CHECK_STR(b.continuous_backups, "ENABLED");
	CHECK_STR(b.point_in_time_recovery, "ENABLED");
	ddb_backups_desc_free(&b);
	CHECK(b.continuous_backups == NULL && b.point_in_time_recovery == NULL);

	CHECK(ddb_dynamodb_parse_backups(backups_disabled, strlen(backups_disabled), &b, &err));
	CHECK_STR(b.point_in_time_recovery, "DISABLED");
	ddb_backups_desc_free(&b);

	/* no PointInTimeRecoveryDescription: not known */
	CHECK(ddb_dynamodb_parse_backups(LIT(
		"{\"ContinuousBackupsDescription\":{\"ContinuousBackupsStatus\":\"DISABLED\"}}"),
		&b, &err));
	CHECK_STR(b.continuous_backups, "DISABLED");
	CHECK(b.point_in_time_recovery == NULL);
	ddb_backups_desc_free(&b);

	/* the status deeper than the path: not taken */
	CHECK(ddb_dynamodb_parse_backups(LIT(
		"{\"ContinuousBackupsDescription\":{\"X\":{\"PointInTimeRecoveryDescription\":"
		"{\"PointInTimeRecoveryStatus\":\"ENABLED\"}}}}"), &b, &err));
	CHECK(b.point_in_time_recovery == NULL);
	ddb_backups_desc_free(&b);

	dirty_error(&err);
	CHECK(!ddb_dynamodb_parse_backups(LIT("{\"ContinuousBackupsDescription\":[}"), &b, &err));
	CHECK(err.kind == DDB_AWS_ERR_MALFORMED);
	CHECK(strstr(err.message, "malformed DescribeContinuousBackups response") != NULL);
}

/* ----------------------------------------------------------------
 * Calls
 * ----------------------------------------------------------------
 */
static void
test_calls(void)
{
	Mock		m = {.name = "dynamodb"};
	DdbHttpClient *http = mock_client(&m, NULL);
	DdbAwsService svc;
	DdbAwsCredentials creds = {(char *) "AKIDEXAMPLE", (char *) "secret", NULL, 0};
	DdbAwsError err;
	DdbTableDesc *desc;
	DdbTableCapacity cap;
	DdbTtlDesc	ttl;
	DdbBackupsDesc b;

	CHECK(ddb_aws_service_init(&svc, http, "http://127.0.0.1:8000", "us-east-1", "dynamodb", &err));
	svc.clock = mock_clock;

	/* DescribeTable read both ways from one answer */
	mock_reply_full(&m, 200, provisioned_table, "R1", MOCK_CRC_GOOD);
	CHECK(ddb_dynamodb_describe_table_capacity(&svc, &creds, "Thread", &desc, &cap, &err));
	CHECK_STR(mock_header(&m, -1, "X-Amz-Target"), "DynamoDB_20120810.DescribeTable");
	CHECK_STR(mock_body(&m, -1), "{\"TableName\":\"Thread\"}");
	CHECK(desc != NULL && strcmp(desc->name, "Thread") == 0 && desc->nindexes == 2);
	CHECK_STR(cap.billing_mode, "PROVISIONED");
	CHECK(cap.read_units == 5 && cap.write_units == 7);
	ddb_table_desc_free(desc);
	ddb_table_capacity_free(&cap);

	/* a description without what DescribeTable needs: neither is kept */
	mock_reply_full(&m, 200, "{\"Table\":{\"TableName\":\"x\"}}", NULL, MOCK_CRC_GOOD);
	CHECK(!ddb_dynamodb_describe_table_capacity(&svc, &creds, "x", &desc, &cap, &err));
	CHECK(desc == NULL && cap.billing_mode == NULL);

	/* the table name travels as a JSON string */
	mock_reply_full(&m, 200, ttl_enabled, NULL, MOCK_CRC_GOOD);
	CHECK(ddb_dynamodb_describe_ttl(&svc, &creds, "a\"b\\c", &ttl, &err));
	CHECK_STR(mock_header(&m, -1, "X-Amz-Target"), "DynamoDB_20120810.DescribeTimeToLive");
	CHECK_STR(mock_body(&m, -1), "{\"TableName\":\"a\\\"b\\\\c\"}");
	CHECK_STR(ttl.attribute, "expires");
	ddb_ttl_desc_free(&ttl);

	mock_reply_full(&m, 200, backups_enabled, NULL, MOCK_CRC_GOOD);
	CHECK(ddb_dynamodb_describe_backups(&svc, &creds, "Thread", &b, &err));
	CHECK_STR(mock_header(&m, -1, "X-Amz-Target"), "DynamoDB_20120810.DescribeContinuousBackups");
	CHECK_STR(b.point_in_time_recovery, "ENABLED");
	ddb_backups_desc_free(&b);

	/* a refusal is the service's error, code and all (DynamoDB Local) */
	mock_reply_full(&m, 400,
					"{\"__type\":\"com.amazonaws.dynamodb.v20120810#UnknownOperationException\","
					"\"Message\":\"An unknown operation was requested.\"}", "R2", MOCK_CRC_NONE);
	dirty_error(&err);
	CHECK(!ddb_dynamodb_describe_backups(&svc, &creds, "Thread", &b, &err));
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK_STR(err.code, "UnknownOperationException");
	CHECK(b.continuous_backups == NULL && b.point_in_time_recovery == NULL);

	mock_reply_full(&m, 400,
					"{\"__type\":\"com.amazonaws.dynamodb.v20120810#AccessDeniedException\","
					"\"message\":\"not authorized to perform: dynamodb:DescribeTimeToLive\"}",
					"R3", MOCK_CRC_NONE);
	CHECK(!ddb_dynamodb_describe_ttl(&svc, &creds, "Thread", &ttl, &err));
	CHECK_STR(err.code, "AccessDeniedException");
	CHECK(ttl.status == NULL && ttl.attribute == NULL);

	/* a 200 whose body is broken is malformed, not an empty answer */
	mock_reply_full(&m, 200, "{\"TimeToLiveDescription\":{", NULL, MOCK_CRC_GOOD);
	CHECK(!ddb_dynamodb_describe_ttl(&svc, &creds, "Thread", &ttl, &err));
	CHECK(err.kind == DDB_AWS_ERR_MALFORMED);

	mock_done(&m, __LINE__);
	ddb_aws_service_free(&svc);
	ddb_http_client_destroy(http);
	mock_reset(&m);
}

int
main(void)
{
	test_capacity();
	test_capacity_malformed();
	test_truncated();
	test_ttl();
	test_backups();
	test_calls();
	return unit_report("test_metadata");
}
