/*-------------------------------------------------------------------------
 *
 * test_write.c
 *		Unit tests of the write requests and answers (src/aws/write.c,
 *		src/aws/write_answer.c): every builder's exact output, what the
 *		builders refuse, the readers on real-shaped answers, truncated and
 *		garbage answers, and one round trip through the mock transport.
 *
 * Shapes: the PutItem, UpdateItem, DeleteItem and BatchWriteItem examples
 * of botocore's DynamoDB examples-1.json (the Music table); the
 * TransactionCanceledException bodies quoted in the SDKs' issue trackers
 * (aws-sdk-net #1292, boto3 #2657, pynamodb #1143 and #1225): "Code" "None"
 * for the actions that did not fail, "Item" with ALL_OLD.
 *
 * IDENTIFICATION
 *		test/unit/test_write.c
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
#include "write.h"

UNIT_DEFINE_COUNTERS;

/* ----------------------------------------------------------------
 * Helpers
 * ----------------------------------------------------------------
 */

/* Whether the len bytes at s are one complete JSON value. */
static bool
is_json(const char *s, size_t len)
{
	DdbJson		j;
	bool		ok;

	ddb_json_init(&j, s, len);
	ok = ddb_json_skip_value(&j) && ddb_json_finish(&j);
	ddb_json_free(&j);
	return ok;
}

/* Builds w as a single write; checks the body and that it is JSON. */
static void
expect_item(const DdbWrite *w, bool rcc, const char *want, int line)
{
	DdbBuf		b;
	DdbAwsError err;
	char		ctx[32];

	snprintf(ctx, sizeof(ctx), "line %d", line);
	ddb_buf_init(&b);
	dirty_error(&err);
	CHECK_MSG(ddb_write_build_item(w, rcc, &b, &err), ctx);
	CHECK_MSG(b.data != NULL && is_json(b.data, b.len), ctx);
	if (!unit_check_str(b.data, want, ctx, __FILE__, line))
		fprintf(stderr, "  (%s)\n", err.message);
	ddb_buf_free(&b);
}

/*
 * One of the builders on a buffer holding "keep": it must refuse with
 * DDB_AWS_ERR_INVALID, a message holding what, and leave the buffer alone.
 */
typedef enum Builder
{
	BUILD_ITEM,
	BUILD_BATCH,
	BUILD_TRANSACT
} Builder;

static void
expect_refused(Builder which, const void *req, const char *what, int line)
{
	DdbBuf		b;
	DdbAwsError err;
	bool		ok = true;
	char		ctx[32];

	snprintf(ctx, sizeof(ctx), "line %d", line);
	ddb_buf_init(&b);
	ddb_buf_append_str(&b, "keep");
	dirty_error(&err);
	switch (which)
	{
		case BUILD_ITEM:
			ok = ddb_write_build_item(req, true, &b, &err);
			break;
		case BUILD_BATCH:
			ok = ddb_write_build_batch(req, &b, &err);
			break;
		case BUILD_TRANSACT:
			ok = ddb_write_build_transact(req, &b, &err);
			break;
	}
	CHECK_MSG(!ok, ctx);
	CHECK_MSG(err.kind == DDB_AWS_ERR_INVALID, ctx);
	if (!CHECK_MSG(strstr(err.message, what) != NULL, ctx))
		fprintf(stderr, "  want \"%s\" in: %s\n", what, err.message);
	CHECK_MSG(b.len == 4 && strcmp(b.data, "keep") == 0, ctx);
	CHECK_MSG(valid_utf8(err.message) && !has_control_chars(err.message), ctx);
	ddb_buf_free(&b);
}

/* The span (ptr, len) equals want. */
static bool
span_is(const char *ptr, size_t len, const char *want)
{
	return ptr != NULL && len == strlen(want) && memcmp(ptr, want, len) == 0;
}

typedef bool (*AnswerReader) (const char *body, size_t len, DdbWriteAnswer *ans,
							  DdbAwsError *err);

/*
 * Every proper prefix of body, and body with junk after it, is
 * DDB_AWS_ERR_MALFORMED with ans zeroed (each from an exact-size copy, so
 * ASan sees a read past the end).
 */
static void
expect_truncations_fail(AnswerReader reader, const char *body, int line)
{
	size_t		len = strlen(body);
	size_t		k;
	int			bad = 0;
	DdbWriteAnswer zero;

	memset(&zero, 0, sizeof(zero));
	for (k = 0; k <= len; k++)
	{
		char	   *copy;
		DdbWriteAnswer ans;
		DdbAwsError err;
		size_t		n = k < len ? k : len + 1;

		copy = xmalloc(n);
		memcpy(copy, body, k < len ? k : len);
		if (k == len)
			copy[len] = 'x';	/* junk after the value */
		memset(&ans, 'j', sizeof(ans));
		dirty_error(&err);
		if (reader(copy, n, &ans, &err) || err.kind != DDB_AWS_ERR_MALFORMED ||
			memcmp(&ans, &zero, sizeof(ans)) != 0 ||
			strncmp(err.message, "malformed ", 10) != 0)
		{
			if (bad++ == 0)
				fprintf(stderr, "  line %d: prefix of %zu bytes: %s\n", line, n, err.message);
		}
		free(copy);
	}
	CHECK_MSG(bad == 0, "every truncation is malformed");
}

/* A reader on an exact-size copy of body. */
static bool
read_answer(AnswerReader reader, const char *body, DdbWriteAnswer *ans,
			DdbAwsError *err)
{
	size_t		len = strlen(body);
	char	   *copy = exact_copy(body, len);
	bool		ok;

	dirty_error(err);
	ok = reader(copy, len, ans, err);
	/* spans point into the copy: compare them against the original */
	if (ok && ans->attributes)
		ans->attributes = body + (ans->attributes - copy);
	if (ok && ans->unprocessed)
		ans->unprocessed = body + (ans->unprocessed - copy);
	free(copy);
	return ok;
}

/* A reader that must refuse body as malformed, naming problem. */
static void
expect_malformed(AnswerReader reader, const char *body, const char *problem, int line)
{
	DdbWriteAnswer ans;
	DdbAwsError err;
	char		ctx[32];

	snprintf(ctx, sizeof(ctx), "line %d", line);
	CHECK_MSG(!read_answer(reader, body, &ans, &err), ctx);
	CHECK_MSG(err.kind == DDB_AWS_ERR_MALFORMED, ctx);
	if (!CHECK_MSG(strstr(err.message, problem) != NULL, ctx))
		fprintf(stderr, "  want \"%s\" in: %s\n", problem, err.message);
	CHECK_MSG(ans.attributes == NULL && ans.unprocessed == NULL &&
			  !ans.has_consumed_capacity, ctx);
}

/* ----------------------------------------------------------------
 * PutItem, UpdateItem, DeleteItem
 * ----------------------------------------------------------------
 */
static const DdbExprName pk_name[] = {{"#k", "pk"}};

static void
test_build_put(void)
{
	DdbWrite	w;

	/* INSERT: the key must not exist yet */
	w = (DdbWrite) {
		.kind = DDB_WRITE_PUT, .table_name = "Music",
		.item = "{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}}",
		.condition_expression = "attribute_not_exists(#k)", .names = pk_name,
		.nnames = 1
	};
	expect_item(&w, false,
				"{\"TableName\":\"Music\",\"Item\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}},"
				"\"ConditionExpression\":\"attribute_not_exists(#k)\","
				"\"ExpressionAttributeNames\":{\"#k\":\"pk\"}}", __LINE__);

	/* botocore's PutItem example */
	w = (DdbWrite) {
		.kind = DDB_WRITE_PUT, .table_name = "Music"
	};
	w.item = "{\"AlbumTitle\":{\"S\":\"Somewhat Famous\"},\"Artist\":{\"S\":\"No One You Know\"},"
		"\"SongTitle\":{\"S\":\"Call Me Today\"}}";
	expect_item(&w, true,
				"{\"TableName\":\"Music\",\"Item\":{\"AlbumTitle\":{\"S\":\"Somewhat Famous\"},"
				"\"Artist\":{\"S\":\"No One You Know\"},\"SongTitle\":{\"S\":\"Call Me Today\"}},"
				"\"ReturnConsumedCapacity\":\"TOTAL\"}", __LINE__);

	/* a table ARN; the old item back; a fragment is written as given */
	w = (DdbWrite) {
		.kind = DDB_WRITE_PUT,
		.table_name = "arn:aws:dynamodb:us-east-1:123456789012:table/Music",
		.item = " { \"pk\" : {\"S\":\"a\"} }\n",
		.return_values = DDB_RETURN_ALL_OLD,
		.return_old_on_condition_failure = true,
		.condition_expression = "attribute_not_exists(pk)"
	};
	expect_item(&w, false,
				"{\"TableName\":\"arn:aws:dynamodb:us-east-1:123456789012:table/Music\","
				"\"Item\": { \"pk\" : {\"S\":\"a\"} }\n,"
				"\"ConditionExpression\":\"attribute_not_exists(pk)\","
				"\"ReturnValues\":\"ALL_OLD\",\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"}",
				__LINE__);

	CHECK_STR(ddb_write_operation(DDB_WRITE_PUT), "PutItem");
	CHECK_STR(ddb_write_operation(DDB_WRITE_UPDATE), "UpdateItem");
	CHECK_STR(ddb_write_operation(DDB_WRITE_DELETE), "DeleteItem");
	CHECK(ddb_write_operation(DDB_WRITE_CONDITION_CHECK) == NULL);
}

static void
test_build_update(void)
{
	/* names needing every kind of escape, and non-ASCII ones */
	static const DdbExprName names[] = {
		{"#k", "pk"},
		{"#a0", "gr\xc3\xb6\xc3\x9f" "e"},	/* größe */
		{"#a1", "say \"hi\"\\now"},
		{"#a2", "tab\there\nline"},
		{"#a3", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"},	/* 日本語 */
		{"#a4", "\x01" "ctl/\x7f"},
		{"#a_5", "\xf0\x9f\x98\x80"},	/* U+1F600, four bytes */
	};
	static const DdbExprValue values[] = {
		{":v0", "{\"N\":\"42\"}"},
		{":v1", "{\"S\":\"\xc3\xa9 \\\"q\\\" \\u00e9\"}"},
	};
	DdbWrite	w;

	w = (DdbWrite) {
		.kind = DDB_WRITE_UPDATE, .table_name = "Music",
		.key = "{\"pk\":{\"S\":\"a\"}}",
		.update_expression = "SET #a0 = :v0, #a1 = :v1 REMOVE #a2, #a3, #a4, #a_5",
		.condition_expression = "attribute_exists(#k)", .names = names,
		.nnames = 7, .values = values, .nvalues = 2,
		.return_values = DDB_RETURN_ALL_NEW
	};
	expect_item(&w, true,
				"{\"TableName\":\"Music\",\"Key\":{\"pk\":{\"S\":\"a\"}},"
				"\"UpdateExpression\":\"SET #a0 = :v0, #a1 = :v1 REMOVE #a2, #a3, #a4, #a_5\","
				"\"ConditionExpression\":\"attribute_exists(#k)\","
				"\"ExpressionAttributeNames\":{\"#k\":\"pk\",\"#a0\":\"gr\xc3\xb6\xc3\x9f" "e\","
				"\"#a1\":\"say \\\"hi\\\"\\\\now\",\"#a2\":\"tab\\there\\nline\","
				"\"#a3\":\"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\",\"#a4\":\"\\u0001ctl/\x7f\","
				"\"#a_5\":\"\xf0\x9f\x98\x80\"},"
				"\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"42\"},"
				"\":v1\":{\"S\":\"\xc3\xa9 \\\"q\\\" \\u00e9\"}},"
				"\"ReturnValues\":\"ALL_NEW\",\"ReturnConsumedCapacity\":\"TOTAL\"}", __LINE__);

	/* expressions are escaped too: names written in them directly */
	w = (DdbWrite) {
		.kind = DDB_WRITE_UPDATE, .table_name = "T",
		.key = "{\"pk\":{\"N\":\"1\"}}",
		.update_expression = "SET gr\xc3\xb6\xc3\x9f" "e = :v0",
		.condition_expression = "contains(#a, \"x\\y\")\t", .values = values,
		.nvalues = 1
	};
	expect_item(&w, false,
				"{\"TableName\":\"T\",\"Key\":{\"pk\":{\"N\":\"1\"}},"
				"\"UpdateExpression\":\"SET gr\xc3\xb6\xc3\x9f" "e = :v0\","
				"\"ConditionExpression\":\"contains(#a, \\\"x\\\\y\\\")\\t\","
				"\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"42\"}}}", __LINE__);

	/* botocore's UpdateItem example */
	{
		static const DdbExprName n[] = {{"#AT", "AlbumTitle"}, {"#Y", "Year"}};
		static const DdbExprValue v[] = {
			{":t", "{\"S\":\"Louder Than Ever\"}"}, {":y", "{\"N\":\"2015\"}"}
		};

		w = (DdbWrite) {
			.kind = DDB_WRITE_UPDATE, .table_name = "Music",
			.key = "{\"Artist\":{\"S\":\"Acme Band\"},\"SongTitle\":{\"S\":\"Happy Day\"}}",
			.update_expression = "SET #Y = :y, #AT = :t", .names = n,
			.nnames = 2, .values = v, .nvalues = 2,
			.return_values = DDB_RETURN_ALL_NEW
		};
		expect_item(&w, false,
					"{\"TableName\":\"Music\",\"Key\":{\"Artist\":{\"S\":\"Acme Band\"},"
					"\"SongTitle\":{\"S\":\"Happy Day\"}},\"UpdateExpression\":\"SET #Y = :y, #AT = :t\","
					"\"ExpressionAttributeNames\":{\"#AT\":\"AlbumTitle\",\"#Y\":\"Year\"},"
					"\"ExpressionAttributeValues\":{\":t\":{\"S\":\"Louder Than Ever\"},"
					"\":y\":{\"N\":\"2015\"}},\"ReturnValues\":\"ALL_NEW\"}", __LINE__);
	}

	/* nothing to change: no UpdateExpression at all */
	w = (DdbWrite) {
		.kind = DDB_WRITE_UPDATE, .table_name = "T",
		.key = "{\"pk\":{\"S\":\"a\"}}", .return_values = DDB_RETURN_UPDATED_OLD
	};
	expect_item(&w, false,
				"{\"TableName\":\"T\",\"Key\":{\"pk\":{\"S\":\"a\"}},\"ReturnValues\":\"UPDATED_OLD\"}",
				__LINE__);
	w.return_values = DDB_RETURN_UPDATED_NEW;
	expect_item(&w, false,
				"{\"TableName\":\"T\",\"Key\":{\"pk\":{\"S\":\"a\"}},\"ReturnValues\":\"UPDATED_NEW\"}",
				__LINE__);
}

static void
test_build_delete(void)
{
	DdbWrite	w;
	DdbBuf		b;
	DdbAwsError err;

	/* botocore's DeleteItem example, with the old item back */
	w = (DdbWrite) {
		.kind = DDB_WRITE_DELETE, .table_name = "Music",
		.key = "{\"Artist\":{\"S\":\"No One You Know\"},\"SongTitle\":{\"S\":\"Scared of My Shadow\"}}",
		.return_values = DDB_RETURN_ALL_OLD
	};
	expect_item(&w, false,
				"{\"TableName\":\"Music\",\"Key\":{\"Artist\":{\"S\":\"No One You Know\"},"
				"\"SongTitle\":{\"S\":\"Scared of My Shadow\"}},\"ReturnValues\":\"ALL_OLD\"}",
				__LINE__);

	/* a direct DELETE: only if the item is there */
	w = (DdbWrite) {
		.kind = DDB_WRITE_DELETE, .table_name = "T",
		.key = "{\"pk\":{\"N\":\"1\"}}",
		.condition_expression = "attribute_exists(#k)", .names = pk_name,
		.nnames = 1, .return_old_on_condition_failure = true
	};
	expect_item(&w, true,
				"{\"TableName\":\"T\",\"Key\":{\"pk\":{\"N\":\"1\"}},"
				"\"ConditionExpression\":\"attribute_exists(#k)\","
				"\"ExpressionAttributeNames\":{\"#k\":\"pk\"},"
				"\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\","
				"\"ReturnConsumedCapacity\":\"TOTAL\"}", __LINE__);

	/* builders append */
	ddb_buf_init(&b);
	ddb_buf_append_str(&b, "[");
	CHECK(ddb_write_build_item(&w, false, &b, &err));
	CHECK(strncmp(b.data, "[{\"TableName\":\"T\",", 18) == 0);
	ddb_buf_free(&b);

	/* a buffer out of memory: refused as such */
	ddb_buf_init(&b);
	b.oom = true;
	dirty_error(&err);
	CHECK(!ddb_write_build_item(&w, false, &b, &err));
	CHECK(err.kind == DDB_AWS_ERR_OOM);
	ddb_buf_free(&b);
}

static void
test_build_refused(void)
{
	static const DdbExprName bad_hash[] = {{"k", "pk"}};
	static const DdbExprName bad_hash2[] = {{"#", "pk"}};
	static const DdbExprName bad_hash3[] = {{"#a-b", "pk"}};
	static const DdbExprName bad_name[] = {{"#k", "\xff"}};
	static const DdbExprName empty_name[] = {{"#k", ""}};
	static const DdbExprName null_name[] = {{"#k", NULL}};
	static const DdbExprValue bad_colon[] = {{"v0", "{\"S\":\"x\"}"}};
	static const DdbExprValue bad_value[] = {{":v0", "\"x\""}};
	static const DdbExprValue cut_value[] = {{":v0", "{\"S\":\"x\""}};
	DdbWrite	base;
	DdbWrite	w;

	memset(&base, 0, sizeof(base));
	base.kind = DDB_WRITE_UPDATE;
	base.table_name = "T";
	base.key = "{\"pk\":{\"S\":\"a\"}}";

	w = base;
	w.table_name = NULL;
	expect_refused(BUILD_ITEM, &w, "UpdateItem: TableName is missing", __LINE__);
	w = base;
	w.table_name = "";
	expect_refused(BUILD_ITEM, &w, "TableName is empty", __LINE__);
	w = base;
	w.table_name = "T\xc0\xaf";	/* an overlong '/' */
	expect_refused(BUILD_ITEM, &w, "TableName is not valid UTF-8", __LINE__);
	w = base;
	w.key = NULL;
	expect_refused(BUILD_ITEM, &w, "Key is missing", __LINE__);

	/* fragments: exactly one JSON object */
	w = base;
	w.key = "";
	expect_refused(BUILD_ITEM, &w, "Key is not one JSON object", __LINE__);
	w.key = "[{}]";
	expect_refused(BUILD_ITEM, &w, "Key is not one JSON object", __LINE__);
	w.key = "{\"pk\":{\"S\":\"a\"}";
	expect_refused(BUILD_ITEM, &w, "Key is not one JSON object (unexpected end of input", __LINE__);
	w.key = "{\"pk\":{\"S\":\"a\"}} {}";
	expect_refused(BUILD_ITEM, &w, "Key is not one JSON object (unexpected data after", __LINE__);
	w.key = "{\"pk\":{\"S\":\"\xff\"}}";
	expect_refused(BUILD_ITEM, &w, "invalid UTF-8", __LINE__);

	/* members of another kind of write */
	w = base;
	w.item = "{}";
	expect_refused(BUILD_ITEM, &w, "Item does not belong", __LINE__);
	w = base;
	w.kind = DDB_WRITE_PUT;
	w.item = "{}";
	expect_refused(BUILD_ITEM, &w, "PutItem: Key does not belong", __LINE__);
	w.key = NULL;
	w.update_expression = "SET a = :v";
	expect_refused(BUILD_ITEM, &w, "UpdateExpression does not belong", __LINE__);
	w = base;
	w.kind = DDB_WRITE_CONDITION_CHECK;
	w.condition_expression = "attribute_exists(pk)";
	expect_refused(BUILD_ITEM, &w, "not a write this request can carry", __LINE__);
	w = base;
	w.kind = (DdbWriteKind) 7;
	expect_refused(BUILD_ITEM, &w, "kind 7", __LINE__);

	/* expressions and their members */
	w = base;
	w.update_expression = "";
	expect_refused(BUILD_ITEM, &w, "UpdateExpression is empty", __LINE__);
	w = base;
	w.condition_expression = "a = \xed\xa0\x80";	/* a surrogate */
	expect_refused(BUILD_ITEM, &w, "ConditionExpression is not valid UTF-8", __LINE__);
	w = base;
	w.names = bad_hash;
	w.nnames = 1;
	expect_refused(BUILD_ITEM, &w, "ExpressionAttributeNames has a placeholder", __LINE__);
	w.names = bad_hash2;
	expect_refused(BUILD_ITEM, &w, "ExpressionAttributeNames has a placeholder", __LINE__);
	w.names = bad_hash3;
	expect_refused(BUILD_ITEM, &w, "ExpressionAttributeNames has a placeholder", __LINE__);
	w.names = bad_name;
	expect_refused(BUILD_ITEM, &w, "an attribute name of ExpressionAttributeNames is not valid UTF-8", __LINE__);
	w.names = empty_name;
	expect_refused(BUILD_ITEM, &w, "an attribute name of ExpressionAttributeNames is empty", __LINE__);
	w.names = null_name;
	expect_refused(BUILD_ITEM, &w, "an attribute name of ExpressionAttributeNames is missing", __LINE__);
	w.names = NULL;
	expect_refused(BUILD_ITEM, &w, "missing array", __LINE__);
	w.nnames = -1;
	expect_refused(BUILD_ITEM, &w, "negative count", __LINE__);
	w = base;
	w.values = bad_colon;
	w.nvalues = 1;
	expect_refused(BUILD_ITEM, &w, "ExpressionAttributeValues has a placeholder", __LINE__);
	w.values = bad_value;
	expect_refused(BUILD_ITEM, &w, "a value of ExpressionAttributeValues is not one JSON object", __LINE__);
	w.values = cut_value;
	expect_refused(BUILD_ITEM, &w, "a value of ExpressionAttributeValues is not one JSON object", __LINE__);

	/* ReturnValues DynamoDB would refuse */
	w = base;
	w.kind = DDB_WRITE_PUT;
	w.key = NULL;
	w.item = "{}";
	w.return_values = DDB_RETURN_ALL_NEW;
	expect_refused(BUILD_ITEM, &w, "PutItem: ReturnValues is not accepted here", __LINE__);
	w.kind = DDB_WRITE_DELETE;
	w.item = NULL;
	w.key = "{}";
	w.return_values = DDB_RETURN_UPDATED_OLD;
	expect_refused(BUILD_ITEM, &w, "DeleteItem: ReturnValues is not accepted here", __LINE__);
	w.return_values = (DdbReturnValues) 42;
	expect_refused(BUILD_ITEM, &w, "ReturnValues is not a known value", __LINE__);
}

/* ----------------------------------------------------------------
 * BatchWriteItem
 * ----------------------------------------------------------------
 */
static void
test_build_batch(void)
{
	DdbWrite	req[DDB_BATCH_WRITE_MAX + 1];
	DdbBatchWrite b;
	DdbBuf		out;
	DdbAwsError err;
	int			i;

	memset(req, 0, sizeof(req));
	req[0].kind = DDB_WRITE_PUT;
	req[0].item = "{\"pk\":{\"S\":\"a\"}}";
	req[1].kind = DDB_WRITE_PUT;
	req[1].item = "{\"pk\":{\"S\":\"b\"},\"x\":{\"BOOL\":true}}";
	req[2].kind = DDB_WRITE_DELETE;
	req[2].key = "{\"pk\":{\"S\":\"c\"}}";
	memset(&b, 0, sizeof(b));
	b.table_name = "Music";
	b.requests = req;
	b.nrequests = 3;
	b.return_consumed_capacity = true;
	ddb_buf_init(&out);
	CHECK(ddb_write_build_batch(&b, &out, &err));
	CHECK_STR(out.data,
			  "{\"RequestItems\":{\"Music\":[{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"a\"}}}},"
			  "{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"b\"},\"x\":{\"BOOL\":true}}}},"
			  "{\"DeleteRequest\":{\"Key\":{\"pk\":{\"S\":\"c\"}}}}]},"
			  "\"ReturnConsumedCapacity\":\"TOTAL\"}");
	CHECK(is_json(out.data, out.len));

	/* the table's name is a member name: escaped as well */
	ddb_buf_reset(&out);
	b.table_name = "we\"ird\\";
	b.nrequests = 1;
	b.return_consumed_capacity = false;
	CHECK(ddb_write_build_batch(&b, &out, &err));
	CHECK_STR(out.data,
			  "{\"RequestItems\":{\"we\\\"ird\\\\\":[{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"a\"}}}}]}}");

	/* 25 requests go, 26 do not */
	for (i = 0; i <= DDB_BATCH_WRITE_MAX; i++)
	{
		req[i].kind = DDB_WRITE_DELETE;
		req[i].item = NULL;
		req[i].key = "{\"pk\":{\"N\":\"1\"}}";
	}
	b.table_name = "Music";
	b.nrequests = DDB_BATCH_WRITE_MAX;
	ddb_buf_reset(&out);
	CHECK(ddb_write_build_batch(&b, &out, &err));
	CHECK(is_json(out.data, out.len));
	ddb_buf_free(&out);
	b.nrequests = DDB_BATCH_WRITE_MAX + 1;
	expect_refused(BUILD_BATCH, &b, "BatchWriteItem: 26 requests (1 to 25 allowed)", __LINE__);
	b.nrequests = 0;
	expect_refused(BUILD_BATCH, &b, "BatchWriteItem: 0 requests", __LINE__);
	b.nrequests = 1;
	b.requests = NULL;
	expect_refused(BUILD_BATCH, &b, "BatchWriteItem: 1 requests", __LINE__);
	b.requests = req;
	b.table_name = NULL;
	expect_refused(BUILD_BATCH, &b, "BatchWriteItem: TableName is missing", __LINE__);
	b.table_name = "Music";

	/* what a batch request cannot carry */
	b.nrequests = 3;
	req[2].kind = DDB_WRITE_UPDATE;
	expect_refused(BUILD_BATCH, &b, "write 2: kind 1 is not a write this request can carry", __LINE__);
	req[2].kind = DDB_WRITE_DELETE;
	req[1].condition_expression = "attribute_exists(pk)";
	expect_refused(BUILD_BATCH, &b, "BatchWriteItem request 1: has an expression", __LINE__);
	req[1].condition_expression = NULL;
	req[1].names = pk_name;
	req[1].nnames = 1;
	expect_refused(BUILD_BATCH, &b, "BatchWriteItem request 1: has an expression", __LINE__);
	req[1].names = NULL;
	req[1].nnames = 0;
	req[1].return_values = DDB_RETURN_ALL_OLD;
	expect_refused(BUILD_BATCH, &b, "BatchWriteItem request 1: has an expression or a return option", __LINE__);
	req[1].return_values = DDB_RETURN_NONE;
	req[1].key = "{\"pk\"";
	expect_refused(BUILD_BATCH, &b, "BatchWriteItem request 1: Key is not one JSON object", __LINE__);
	req[1].key = NULL;
	req[1].item = "{}";
	expect_refused(BUILD_BATCH, &b, "BatchWriteItem request 1: Item does not belong", __LINE__);
}

/* botocore's BatchWriteItem example, and a retry of what was left over */
static void
test_batch_round(void)
{
	static const char answer[] =
	"{\"UnprocessedItems\":{\"Music\":[{\"PutRequest\":{\"Item\":{\"AlbumTitle\":{\"S\":\"Songs About Life\"},"
	"\"Artist\":{\"S\":\"Acme Band\"},\"SongTitle\":{\"S\":\"Happy Day\"}}}},"
	"{\"DeleteRequest\":{\"Key\":{\"Artist\":{\"S\":\"No One You Know\"},\"SongTitle\":{\"S\":\"Call Me Today\"}}}}]},"
	"\"ConsumedCapacity\":[{\"TableName\":\"Music\",\"CapacityUnits\":1.0}]}";
	static const char left[] =
	"{\"Music\":[{\"PutRequest\":{\"Item\":{\"AlbumTitle\":{\"S\":\"Songs About Life\"},"
	"\"Artist\":{\"S\":\"Acme Band\"},\"SongTitle\":{\"S\":\"Happy Day\"}}}},"
	"{\"DeleteRequest\":{\"Key\":{\"Artist\":{\"S\":\"No One You Know\"},\"SongTitle\":{\"S\":\"Call Me Today\"}}}}]}";
	DdbWrite	req[3];
	DdbBatchWrite b;
	DdbWriteAnswer ans;
	DdbBuf		out;
	DdbAwsError err;
	int			i;

	memset(req, 0, sizeof(req));
	req[0].item = "{\"AlbumTitle\":{\"S\":\"Somewhat Famous\"},\"Artist\":{\"S\":\"No One You Know\"},"
		"\"SongTitle\":{\"S\":\"Call Me Today\"}}";
	req[1].item = "{\"AlbumTitle\":{\"S\":\"Songs About Life\"},\"Artist\":{\"S\":\"Acme Band\"},"
		"\"SongTitle\":{\"S\":\"Happy Day\"}}";
	req[2].item = "{\"AlbumTitle\":{\"S\":\"Blue Sky Blues\"},\"Artist\":{\"S\":\"No One You Know\"},"
		"\"SongTitle\":{\"S\":\"Scared of My Shadow\"}}";
	for (i = 0; i < 3; i++)
		req[i].kind = DDB_WRITE_PUT;
	memset(&b, 0, sizeof(b));
	b.table_name = "Music";
	b.requests = req;
	b.nrequests = 3;
	ddb_buf_init(&out);
	CHECK(ddb_write_build_batch(&b, &out, &err));
	CHECK_STR(out.data,
			  "{\"RequestItems\":{\"Music\":["
			  "{\"PutRequest\":{\"Item\":{\"AlbumTitle\":{\"S\":\"Somewhat Famous\"},\"Artist\":{\"S\":\"No One You Know\"},"
			  "\"SongTitle\":{\"S\":\"Call Me Today\"}}}},"
			  "{\"PutRequest\":{\"Item\":{\"AlbumTitle\":{\"S\":\"Songs About Life\"},\"Artist\":{\"S\":\"Acme Band\"},"
			  "\"SongTitle\":{\"S\":\"Happy Day\"}}}},"
			  "{\"PutRequest\":{\"Item\":{\"AlbumTitle\":{\"S\":\"Blue Sky Blues\"},\"Artist\":{\"S\":\"No One You Know\"},"
			  "\"SongTitle\":{\"S\":\"Scared of My Shadow\"}}}}]}}");

	/* the answer left two of them: sent again, as they came */
	CHECK(read_answer(ddb_write_parse_batch_answer, answer, &ans, &err));
	CHECK(ans.nunprocessed == 2);
	CHECK(span_is(ans.unprocessed, ans.unprocessed_len, left));
	CHECK(ans.has_consumed_capacity && ans.consumed_units == 1.0);
	CHECK(ans.attributes == NULL);
	ddb_buf_reset(&out);
	CHECK(ddb_write_build_batch_retry(ans.unprocessed, ans.unprocessed_len, true, &out, &err));
	{
		char		want[sizeof(left) + 64];

		snprintf(want, sizeof(want), "{\"RequestItems\":%s,\"ReturnConsumedCapacity\":\"TOTAL\"}", left);
		CHECK_STR(out.data, want);
	}
	ddb_buf_free(&out);

	/* the retry builder takes only an object */
	ddb_buf_init(&out);
	CHECK(!ddb_write_build_batch_retry(NULL, 0, false, &out, &err));
	CHECK(err.kind == DDB_AWS_ERR_INVALID);
	CHECK(!ddb_write_build_batch_retry("[]", 2, false, &out, &err));
	CHECK(err.kind == DDB_AWS_ERR_INVALID);
	CHECK(!ddb_write_build_batch_retry("{\"Music\":[", 10, false, &out, &err));
	CHECK(err.kind == DDB_AWS_ERR_INVALID);
	CHECK(out.len == 0);
	ddb_buf_free(&out);

	expect_truncations_fail(ddb_write_parse_batch_answer, answer, __LINE__);
}

/* ----------------------------------------------------------------
 * TransactWriteItems
 * ----------------------------------------------------------------
 */
#define TOKEN "5f0c0d39-2f7b-4c7e-9f0e-8d2b1f1a7c11"

/* An order: put it, take one from stock, empty the cart, if the user is active. */
static void
order_actions(DdbWrite a[4])
{
	static const DdbExprName k_id[] = {{"#k", "id"}};
	static const DdbExprName q_qty[] = {{"#q", "qty"}};
	static const DdbExprValue one[] = {{":one", "{\"N\":\"1\"}"}};
	static const DdbExprName s_status[] = {{"#s", "status"}};
	static const DdbExprValue active[] = {{":active", "{\"S\":\"active\"}"}};

	memset(a, 0, sizeof(DdbWrite) * 4);
	a[0].kind = DDB_WRITE_PUT;
	a[0].table_name = "Orders";
	a[0].item = "{\"id\":{\"S\":\"o1\"},\"total\":{\"N\":\"10\"}}";
	a[0].condition_expression = "attribute_not_exists(#k)";
	a[0].names = k_id;
	a[0].nnames = 1;
	a[1].kind = DDB_WRITE_UPDATE;
	a[1].table_name = "Stock";
	a[1].key = "{\"sku\":{\"S\":\"s1\"}}";
	a[1].update_expression = "SET #q = #q - :one";
	a[1].condition_expression = "#q >= :one";
	a[1].names = q_qty;
	a[1].nnames = 1;
	a[1].values = one;
	a[1].nvalues = 1;
	a[1].return_old_on_condition_failure = true;
	a[2].kind = DDB_WRITE_DELETE;
	a[2].table_name = "Carts";
	a[2].key = "{\"user\":{\"S\":\"u1\"}}";
	a[3].kind = DDB_WRITE_CONDITION_CHECK;
	a[3].table_name = "Users";
	a[3].key = "{\"user\":{\"S\":\"u1\"}}";
	a[3].condition_expression = "#s = :active";
	a[3].names = s_status;
	a[3].nnames = 1;
	a[3].values = active;
	a[3].nvalues = 1;
}

static const char order_body[] =
"{\"TransactItems\":["
"{\"Put\":{\"TableName\":\"Orders\",\"Item\":{\"id\":{\"S\":\"o1\"},\"total\":{\"N\":\"10\"}},"
"\"ConditionExpression\":\"attribute_not_exists(#k)\",\"ExpressionAttributeNames\":{\"#k\":\"id\"}}},"
"{\"Update\":{\"TableName\":\"Stock\",\"Key\":{\"sku\":{\"S\":\"s1\"}},"
"\"UpdateExpression\":\"SET #q = #q - :one\",\"ConditionExpression\":\"#q >= :one\","
"\"ExpressionAttributeNames\":{\"#q\":\"qty\"},\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"}},"
"\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"}},"
"{\"Delete\":{\"TableName\":\"Carts\",\"Key\":{\"user\":{\"S\":\"u1\"}}}},"
"{\"ConditionCheck\":{\"TableName\":\"Users\",\"Key\":{\"user\":{\"S\":\"u1\"}},"
"\"ConditionExpression\":\"#s = :active\",\"ExpressionAttributeNames\":{\"#s\":\"status\"},"
"\"ExpressionAttributeValues\":{\":active\":{\"S\":\"active\"}}}}],"
"\"ClientRequestToken\":\"" TOKEN "\",\"ReturnConsumedCapacity\":\"TOTAL\"}";

static void
test_build_transact(void)
{
	DdbWrite	a[DDB_TRANSACT_WRITE_MAX + 1];
	DdbTransactWrite t;
	DdbBuf		out;
	DdbAwsError err;
	int			i;

	order_actions(a);
	memset(&t, 0, sizeof(t));
	t.actions = a;
	t.nactions = 4;
	t.client_request_token = TOKEN;
	t.return_consumed_capacity = true;
	ddb_buf_init(&out);
	CHECK(ddb_write_build_transact(&t, &out, &err));
	CHECK_STR(out.data, order_body);
	CHECK(is_json(out.data, out.len));

	/* the least: one action, no token */
	ddb_buf_reset(&out);
	t.actions = &a[2];
	t.nactions = 1;
	t.client_request_token = NULL;
	t.return_consumed_capacity = false;
	CHECK(ddb_write_build_transact(&t, &out, &err));
	CHECK_STR(out.data,
			  "{\"TransactItems\":[{\"Delete\":{\"TableName\":\"Carts\",\"Key\":{\"user\":{\"S\":\"u1\"}}}}]}");

	/* 100 actions go, 101 do not */
	for (i = 0; i <= DDB_TRANSACT_WRITE_MAX; i++)
		a[i] = a[2];
	t.actions = a;
	t.nactions = DDB_TRANSACT_WRITE_MAX;
	ddb_buf_reset(&out);
	CHECK(ddb_write_build_transact(&t, &out, &err));
	CHECK(is_json(out.data, out.len));
	ddb_buf_free(&out);
	t.nactions = DDB_TRANSACT_WRITE_MAX + 1;
	expect_refused(BUILD_TRANSACT, &t, "TransactWriteItems: 101 actions (1 to 100 allowed)", __LINE__);
	t.nactions = 0;
	expect_refused(BUILD_TRANSACT, &t, "TransactWriteItems: 0 actions", __LINE__);

	/* the idempotency token: 1 to 36 printable characters */
	order_actions(a);
	t.nactions = 4;
	t.client_request_token = TOKEN "0";
	expect_refused(BUILD_TRANSACT, &t, "ClientRequestToken is not 1 to 36", __LINE__);
	t.client_request_token = "";
	expect_refused(BUILD_TRANSACT, &t, "ClientRequestToken", __LINE__);
	t.client_request_token = "a b";
	expect_refused(BUILD_TRANSACT, &t, "ClientRequestToken", __LINE__);
	t.client_request_token = "caf\xc3\xa9";
	expect_refused(BUILD_TRANSACT, &t, "ClientRequestToken", __LINE__);
	t.client_request_token = "x";
	ddb_buf_init(&out);
	CHECK(ddb_write_build_transact(&t, &out, &err));
	ddb_buf_free(&out);

	/* what each action needs, and what it may not have */
	a[1].update_expression = NULL;
	expect_refused(BUILD_TRANSACT, &t, "TransactWriteItems action 1 (Update): UpdateExpression is missing", __LINE__);
	order_actions(a);
	a[3].condition_expression = NULL;
	expect_refused(BUILD_TRANSACT, &t, "action 3 (ConditionCheck): ConditionExpression is missing", __LINE__);
	order_actions(a);
	a[2].return_values = DDB_RETURN_ALL_OLD;
	expect_refused(BUILD_TRANSACT, &t, "action 2 (Delete): ReturnValues is not accepted here", __LINE__);
	order_actions(a);
	a[0].table_name = NULL;
	expect_refused(BUILD_TRANSACT, &t, "action 0 (Put): TableName is missing", __LINE__);
	order_actions(a);
	a[3].key = "{\"user\":{\"S\":\"u1\"}";
	expect_refused(BUILD_TRANSACT, &t, "action 3 (ConditionCheck): Key is not one JSON object", __LINE__);
	order_actions(a);
	a[1].kind = (DdbWriteKind) -1;
	expect_refused(BUILD_TRANSACT, &t, "write 1: kind -1", __LINE__);
	t.actions = NULL;
	expect_refused(BUILD_TRANSACT, &t, "TransactWriteItems: 4 actions", __LINE__);
}

/* ----------------------------------------------------------------
 * Answers
 * ----------------------------------------------------------------
 */
static void
test_item_answers(void)
{
	static const char update_answer[] =
	"{\"Attributes\":{\"AlbumTitle\":{\"S\":\"Louder Than Ever\"},\"Artist\":{\"S\":\"Acme Band\"},"
	"\"SongTitle\":{\"S\":\"Happy Day\"},\"Year\":{\"N\":\"2015\"}}}";
	static const char update_attributes[] =
	"{\"AlbumTitle\":{\"S\":\"Louder Than Ever\"},\"Artist\":{\"S\":\"Acme Band\"},"
	"\"SongTitle\":{\"S\":\"Happy Day\"},\"Year\":{\"N\":\"2015\"}}";
	static const char put_answer[] =
	"{\"ConsumedCapacity\":{\"CapacityUnits\":1,\"TableName\":\"Music\"}}";
	/* as a pretty-printer would send it, with INDEXES capacity */
	static const char delete_answer[] =
	"{\n  \"Attributes\" : {\n    \"pk\" : { \"S\" : \"a\\\"b\" },\n    \"n\": {\"N\": \"1\"}\n  },\n"
	"  \"ConsumedCapacity\": {\"TableName\": \"T\", \"CapacityUnits\": 2.5,\n"
	"    \"Table\": {\"CapacityUnits\": 1.5}, \"GlobalSecondaryIndexes\": {\"gsi\": {\"CapacityUnits\": 1.0}}},\n"
	"  \"ItemCollectionMetrics\": {\"ItemCollectionKey\": {\"pk\": {\"S\": \"a\"}}, \"SizeEstimateRangeGB\": [0.0, 1.0]}\n}\n";
	DdbWriteAnswer ans;
	DdbAwsError err;

	CHECK(read_answer(ddb_write_parse_item_answer, update_answer, &ans, &err));
	CHECK(span_is(ans.attributes, ans.attributes_len, update_attributes));
	CHECK(!ans.has_consumed_capacity && ans.consumed_units == 0);
	CHECK(ans.unprocessed == NULL && ans.nunprocessed == 0);

	CHECK(read_answer(ddb_write_parse_item_answer, put_answer, &ans, &err));
	CHECK(ans.attributes == NULL);
	CHECK(ans.has_consumed_capacity && ans.consumed_units == 1.0);

	CHECK(read_answer(ddb_write_parse_item_answer, delete_answer, &ans, &err));
	CHECK(span_is(ans.attributes, ans.attributes_len,
				  "{\n    \"pk\" : { \"S\" : \"a\\\"b\" },\n    \"n\": {\"N\": \"1\"}\n  }"));
	/* the table's total, not its parts again */
	CHECK(ans.has_consumed_capacity && ans.consumed_units == 2.5);

	/* DeleteItem of an item that was not there, with ALL_OLD: {} */
	CHECK(read_answer(ddb_write_parse_item_answer, "{}", &ans, &err));
	CHECK(ans.attributes == NULL && !ans.has_consumed_capacity);
	CHECK(read_answer(ddb_write_parse_item_answer, " {\"Attributes\":{}} ", &ans, &err));
	CHECK(span_is(ans.attributes, ans.attributes_len, "{}"));
	/* what a Query answers for no capacity */
	CHECK(read_answer(ddb_write_parse_item_answer, "{\"ConsumedCapacity\":{}}", &ans, &err));
	CHECK(ans.has_consumed_capacity && ans.consumed_units == 0);
	/* a batch's members mean nothing here, and the reverse */
	CHECK(read_answer(ddb_write_parse_item_answer, "{\"UnprocessedItems\":7}", &ans, &err));
	CHECK(ans.unprocessed == NULL);
	CHECK(read_answer(ddb_write_parse_batch_answer, "{\"Attributes\":7}", &ans, &err));
	CHECK(ans.attributes == NULL);

	expect_truncations_fail(ddb_write_parse_item_answer, update_answer, __LINE__);
	expect_truncations_fail(ddb_write_parse_item_answer, put_answer, __LINE__);
	expect_truncations_fail(ddb_write_parse_item_answer, "{}", __LINE__);
}

static void
test_batch_answers(void)
{
	static const char none_left[] =
	"{\"UnprocessedItems\":{},\"ConsumedCapacity\":[{\"TableName\":\"Music\",\"CapacityUnits\":3.0}]}";
	DdbWriteAnswer ans;
	DdbAwsError err;

	/* everything was written */
	CHECK(read_answer(ddb_write_parse_batch_answer, none_left, &ans, &err));
	CHECK(ans.unprocessed == NULL && ans.nunprocessed == 0);
	CHECK(ans.has_consumed_capacity && ans.consumed_units == 3.0);
	CHECK(read_answer(ddb_write_parse_batch_answer, "{\"UnprocessedItems\":{\"Music\":[]}}", &ans, &err));
	CHECK(ans.unprocessed == NULL && ans.nunprocessed == 0);
	CHECK(read_answer(ddb_write_parse_batch_answer, "{}", &ans, &err));
	CHECK(ans.unprocessed == NULL && !ans.has_consumed_capacity);

	/* two tables, the capacity of both */
	CHECK(read_answer(ddb_write_parse_batch_answer,
					  "{\"UnprocessedItems\":{\"A\":[{\"DeleteRequest\":{\"Key\":{\"k\":{\"N\":\"1\"}}}}],"
					  "\"B\":[],\"C\":[{\"PutRequest\":{\"Item\":{\"k\":{\"N\":\"2\"}}}},"
					  "{\"PutRequest\":{\"Item\":{\"k\":{\"N\":\"3\"}}}}]},"
					  "\"ConsumedCapacity\":[{\"TableName\":\"A\",\"CapacityUnits\":0.5},"
					  "{\"TableName\":\"C\",\"CapacityUnits\":2}]}", &ans, &err));
	CHECK(ans.nunprocessed == 3);
	CHECK(ans.unprocessed != NULL && ans.unprocessed[0] == '{' &&
		  ans.unprocessed[ans.unprocessed_len - 1] == '}');
	CHECK(ans.consumed_units == 2.5);

	expect_truncations_fail(ddb_write_parse_batch_answer, none_left, __LINE__);

	/* requests of a shape we could not send back */
	expect_malformed(ddb_write_parse_batch_answer, "{\"UnprocessedItems\":[]}",
					 "UnprocessedItems is not an object", __LINE__);
	expect_malformed(ddb_write_parse_batch_answer, "{\"UnprocessedItems\":{\"T\":{}}}",
					 "entry is not a list", __LINE__);
	expect_malformed(ddb_write_parse_batch_answer, "{\"UnprocessedItems\":{\"T\":[7]}}",
					 "request is not an object", __LINE__);
	expect_malformed(ddb_write_parse_batch_answer, "{\"UnprocessedItems\":{\"T\":[{}]}}",
					 "request is empty", __LINE__);
	expect_malformed(ddb_write_parse_batch_answer,
					 "{\"UnprocessedItems\":{\"T\":[{\"UpdateRequest\":{\"Key\":{}}}]}}",
					 "neither a PutRequest nor a DeleteRequest", __LINE__);
	expect_malformed(ddb_write_parse_batch_answer,
					 "{\"UnprocessedItems\":{\"T\":[{\"PutRequest\":{\"Item\":{}},\"DeleteRequest\":{\"Key\":{}}}]}}",
					 "more than one member", __LINE__);
	expect_malformed(ddb_write_parse_batch_answer,
					 "{\"UnprocessedItems\":{\"T\":[{\"PutRequest\":{\"Key\":{}}}]}}",
					 "has no Item", __LINE__);
	expect_malformed(ddb_write_parse_batch_answer,
					 "{\"UnprocessedItems\":{\"T\":[{\"DeleteRequest\":{\"Key\":[]}}]}}",
					 "not an object", __LINE__);
	expect_malformed(ddb_write_parse_batch_answer,
					 "{\"UnprocessedItems\":{\"T\":[{\"PutRequest\":[]}]}}",
					 "not an object", __LINE__);
	expect_malformed(ddb_write_parse_batch_answer,
					 "{\"UnprocessedItems\":{},\"UnprocessedItems\":{}}",
					 "UnprocessedItems appears twice", __LINE__);
}

static void
test_malformed_answers(void)
{
	DdbWriteAnswer ans;
	DdbAwsError err;

	/* no answer at all */
	dirty_error(&err);
	CHECK(!ddb_write_parse_item_answer(NULL, 0, &ans, &err));
	CHECK(err.kind == DDB_AWS_ERR_MALFORMED);
	CHECK_STR(err.message,
			  "malformed PutItem, UpdateItem or DeleteItem response: unexpected end of input at byte 0");
	expect_malformed(ddb_write_parse_transact_answer, "", "unexpected end of input", __LINE__);
	expect_malformed(ddb_write_parse_transact_answer, "null", "expected an object", __LINE__);
	expect_malformed(ddb_write_parse_item_answer, "[]", "expected an object", __LINE__);
	expect_malformed(ddb_write_parse_item_answer, "<html>busy</html>", "expected an object", __LINE__);
	expect_malformed(ddb_write_parse_batch_answer, "{\"ConsumedCapacity\":[]} {}",
					 "unexpected data after the JSON value", __LINE__);

	/* members of the wrong shape */
	expect_malformed(ddb_write_parse_item_answer, "{\"Attributes\":[]}",
					 "Attributes is not an object at byte 14", __LINE__);
	expect_malformed(ddb_write_parse_item_answer, "{\"Attributes\":null}",
					 "Attributes is not an object", __LINE__);
	expect_malformed(ddb_write_parse_item_answer, "{\"Attributes\":{},\"Attributes\":{}}",
					 "Attributes appears twice", __LINE__);
	expect_malformed(ddb_write_parse_item_answer, "{\"ConsumedCapacity\":\"x\"}",
					 "a ConsumedCapacity entry is not an object", __LINE__);
	expect_malformed(ddb_write_parse_transact_answer, "{\"ConsumedCapacity\":[1]}",
					 "a ConsumedCapacity entry is not an object", __LINE__);
	expect_malformed(ddb_write_parse_item_answer, "{\"ConsumedCapacity\":{\"CapacityUnits\":\"1\"}}",
					 "CapacityUnits is not a number", __LINE__);
	expect_malformed(ddb_write_parse_item_answer, "{\"ConsumedCapacity\":{\"CapacityUnits\":-1}}",
					 "CapacityUnits is out of range", __LINE__);
	expect_malformed(ddb_write_parse_item_answer, "{\"ConsumedCapacity\":{\"CapacityUnits\":1e999}}",
					 "CapacityUnits is out of range", __LINE__);
	expect_malformed(ddb_write_parse_item_answer,
					 "{\"ConsumedCapacity\":{\"CapacityUnits\":1.00000000000000000000000000000000000000000000000000000000000000001}}",
					 "CapacityUnits has too many digits", __LINE__);
	expect_malformed(ddb_write_parse_item_answer,
					 "{\"ConsumedCapacity\":{\"CapacityUnits\":1,\"CapacityUnits\":1}}",
					 "CapacityUnits appears twice", __LINE__);
	expect_malformed(ddb_write_parse_item_answer, "{\"ConsumedCapacity\":{},\"ConsumedCapacity\":{}}",
					 "ConsumedCapacity appears twice", __LINE__);

	/* what is skipped is validated all the same */
	expect_malformed(ddb_write_parse_item_answer, "{\"ItemCollectionMetrics\":{\"x\":\"\xff\"}}",
					 "invalid UTF-8 in string", __LINE__);
	expect_malformed(ddb_write_parse_item_answer, "{\"x\":[1,]}", "trailing comma", __LINE__);
	expect_malformed(ddb_write_parse_item_answer, "{\"Attributes\":{\"a\":tru}}", "invalid literal", __LINE__);

	/* the transaction's answer */
	CHECK(read_answer(ddb_write_parse_transact_answer,
					  "{\"ConsumedCapacity\":[{\"TableName\":\"Orders\",\"CapacityUnits\":2.0,"
					  "\"WriteCapacityUnits\":2.0},{\"TableName\":\"Stock\",\"CapacityUnits\":4.0}],"
					  "\"ItemCollectionMetrics\":{}}", &ans, &err));
	CHECK(ans.has_consumed_capacity && ans.consumed_units == 6.0);
	CHECK(read_answer(ddb_write_parse_transact_answer, "{}", &ans, &err));
	CHECK(!ans.has_consumed_capacity && ans.attributes == NULL && ans.unprocessed == NULL);
}

/* ----------------------------------------------------------------
 * Cancelled transactions and failed conditions
 * ----------------------------------------------------------------
 */

/* Three actions, the second failed its condition, with ALL_OLD. */
static const char cancel_3[] =
"{\"__type\":\"com.amazonaws.dynamodb.v20120810#TransactionCanceledException\","
"\"CancellationReasons\":[{\"Code\":\"None\"},"
"{\"Code\":\"ConditionalCheckFailed\",\"Item\":{\"sku\":{\"S\":\"s1\"},\"qty\":{\"N\":\"0\"}},"
"\"Message\":\"The conditional request failed\"},{\"Code\":\"None\"}],"
"\"Message\":\"Transaction cancelled, please refer cancellation reasons for specific reasons "
"[None, ConditionalCheckFailed, None]\"}";

/* Reads body from an exact-size copy; item spans are moved onto body. */
static bool
read_cancellation(const char *body, int expected, DdbCancellation *c, DdbAwsError *err)
{
	size_t		len = strlen(body);
	char	   *copy = exact_copy(body, len);
	bool		ok;
	int			i;

	dirty_error(err);
	memset(c, 'j', sizeof(*c));
	ok = ddb_write_parse_cancellation(copy, len, expected, c, err);
	for (i = 0; ok && i < c->nreasons; i++)
		if (c->reasons[i].item)
			c->reasons[i].item = body + (c->reasons[i].item - copy);
	free(copy);
	return ok;
}

static void
test_cancellation(void)
{
	DdbCancellation c;
	DdbAwsError err;
	const DdbCancelReason *r;
	int			at = -1;

	CHECK(read_cancellation(cancel_3, 3, &c, &err));
	CHECK(c.nreasons == 3);
	CHECK(c.reasons[0].kind == DDB_CANCEL_NONE);
	CHECK_STR(c.reasons[0].code, "None");
	CHECK(c.reasons[0].message == NULL && c.reasons[0].item == NULL);
	CHECK(c.reasons[1].kind == DDB_CANCEL_CONDITIONAL_CHECK_FAILED);
	CHECK_STR(c.reasons[1].code, "ConditionalCheckFailed");
	CHECK_STR(c.reasons[1].message, "The conditional request failed");
	CHECK(span_is(c.reasons[1].item, c.reasons[1].item_len,
				  "{\"sku\":{\"S\":\"s1\"},\"qty\":{\"N\":\"0\"}}"));
	CHECK(c.reasons[2].kind == DDB_CANCEL_NONE);
	r = ddb_cancellation_first(&c, &at);
	CHECK(r == &c.reasons[1] && at == 1);
	ddb_cancellation_free(&c);
	CHECK(c.nreasons == 0 && c.reasons == NULL);

	/* the count must match the actions sent */
	CHECK(!read_cancellation(cancel_3, 2, &c, &err));
	CHECK(err.kind == DDB_AWS_ERR_MALFORMED);
	CHECK_STR(err.message,
			  "malformed TransactionCanceledException response: 3 cancellation reasons for 2 actions");
	CHECK(c.nreasons == 0 && c.reasons == NULL);
	CHECK(read_cancellation(cancel_3, 0, &c, &err));
	ddb_cancellation_free(&c);

	/* aws-sdk-net #1292: a validation error, no item */
	CHECK(read_cancellation("{\"__type\":\"com.amazonaws.dynamodb.v20120810#TransactionCanceledException\","
							"\"CancellationReasons\":[{\"Code\":\"None\"},{\"Code\":\"ValidationError\","
							"\"Message\":\"The provided expression refers to an attribute that does not exist in the item\"}],"
							"\"Message\":\"Transaction cancelled, please refer cancellation reasons for specific reasons [None, ValidationError]\"}",
							2, &c, &err));
	CHECK(c.reasons[1].kind == DDB_CANCEL_VALIDATION && c.reasons[1].item == NULL);
	ddb_cancellation_free(&c);

	/* pynamodb #1143: both failed; then every other code, and one we do not know */
	CHECK(read_cancellation("{\"CancellationReasons\":[{\"Code\":\"ConditionalCheckFailed\",\"Message\":\"m\"},"
							"{\"Code\":\"ConditionalCheckFailed\",\"Message\":\"m\"}]}", 2, &c, &err));
	CHECK(ddb_cancellation_first(&c, &at) == &c.reasons[0] && at == 0);
	ddb_cancellation_free(&c);
	CHECK(read_cancellation("{\"CancellationReasons\":[{\"Code\":\"TransactionConflict\",\"Message\":\"Transaction is ongoing for the item\"},"
							"{\"Code\":\"ItemCollectionSizeLimitExceeded\"},{\"Code\":\"ProvisionedThroughputExceeded\"},"
							"{\"Code\":\"ThrottlingError\"},{\"Code\":\"NONE\"},{\"Code\":\"SomethingNew\",\"Later\":[1]}]}",
							6, &c, &err));
	CHECK(c.reasons[0].kind == DDB_CANCEL_TRANSACTION_CONFLICT);
	CHECK(c.reasons[1].kind == DDB_CANCEL_ITEM_COLLECTION_SIZE_LIMIT_EXCEEDED);
	CHECK(c.reasons[2].kind == DDB_CANCEL_THROUGHPUT_EXCEEDED);
	CHECK(c.reasons[3].kind == DDB_CANCEL_THROTTLING);
	CHECK(c.reasons[4].kind == DDB_CANCEL_NONE);
	CHECK(c.reasons[5].kind == DDB_CANCEL_OTHER);
	CHECK_STR(c.reasons[5].code, "SomethingNew");
	ddb_cancellation_free(&c);

	/* text for messages: escapes decoded, control characters gone, a long code cut */
	CHECK(read_cancellation("{\"CancellationReasons\":[{\"Code\":\"Bad\\u0000\\nCode\","
							"\"Message\":\"caf\\u00e9 \\\"q\\\"\\r\\n\\u0000end\"}]}", 1, &c, &err));
	CHECK_STR(c.reasons[0].code, "Bad  Code");
	CHECK_STR(c.reasons[0].message, "caf\xc3\xa9 \"q\"   end");
	ddb_cancellation_free(&c);
	{
		char		body[400];
		char		code[64];

		memset(code, 'C', sizeof(code) - 1);
		code[sizeof(code) - 1] = '\0';
		snprintf(body, sizeof(body), "{\"CancellationReasons\":[{\"Code\":\"%sXYZ\"}]}", code);
		CHECK(read_cancellation(body, 1, &c, &err));
		CHECK(strlen(c.reasons[0].code) == 63 && c.reasons[0].kind == DDB_CANCEL_OTHER);
		ddb_cancellation_free(&c);
	}

	/* no reasons at all: fine only when nobody counts on them */
	CHECK(read_cancellation("{\"__type\":\"x#TransactionCanceledException\",\"Message\":\"m\"}", 0, &c, &err));
	CHECK(c.nreasons == 0 && ddb_cancellation_first(&c, NULL) == NULL);
	ddb_cancellation_free(&c);
	CHECK(!read_cancellation("{\"Message\":\"m\"}", 3, &c, &err));
	CHECK(strstr(err.message, "0 cancellation reasons for 3 actions") != NULL);
	CHECK(read_cancellation("{\"CancellationReasons\":[]}", 0, &c, &err));
	CHECK(c.nreasons == 0);
	ddb_cancellation_free(&c);
}

/* A cancellation body that must be refused as malformed, naming problem. */
static void
expect_bad_cancellation(const char *body, const char *problem, int line)
{
	DdbCancellation c;
	DdbAwsError err;
	char		ctx[32];

	snprintf(ctx, sizeof(ctx), "line %d", line);
	CHECK_MSG(!read_cancellation(body, 0, &c, &err), ctx);
	CHECK_MSG(err.kind == DDB_AWS_ERR_MALFORMED, ctx);
	if (!CHECK_MSG(strstr(err.message, problem) != NULL, ctx))
		fprintf(stderr, "  want \"%s\" in: %s\n", problem, err.message);
	CHECK_MSG(c.nreasons == 0 && c.reasons == NULL, ctx);
}

static void
test_cancellation_malformed(void)
{
	size_t		len = strlen(cancel_3);
	size_t		k;
	int			bad = 0;

	expect_bad_cancellation("", "unexpected end of input", __LINE__);
	expect_bad_cancellation("[]", "expected an object", __LINE__);
	expect_bad_cancellation("{\"CancellationReasons\":{}}", "CancellationReasons is not a list", __LINE__);
	expect_bad_cancellation("{\"CancellationReasons\":[\"None\"]}", "a cancellation reason is not an object", __LINE__);
	expect_bad_cancellation("{\"CancellationReasons\":[{\"Message\":\"m\"}]}", "a cancellation reason has no Code", __LINE__);
	expect_bad_cancellation("{\"CancellationReasons\":[{\"Code\":1}]}", "Code of a cancellation reason", __LINE__);
	expect_bad_cancellation("{\"CancellationReasons\":[{\"Code\":\"None\",\"Code\":\"None\"}]}",
							"Code of a cancellation reason is repeated", __LINE__);
	expect_bad_cancellation("{\"CancellationReasons\":[{\"Code\":\"None\",\"Message\":null}]}",
							"Message of a cancellation reason", __LINE__);
	/* the first Message is freed with the rest */
	expect_bad_cancellation("{\"CancellationReasons\":[{\"Code\":\"None\",\"Message\":\"a\",\"Message\":\"b\"}]}",
							"Message of a cancellation reason is repeated", __LINE__);
	expect_bad_cancellation("{\"CancellationReasons\":[{\"Code\":\"ConditionalCheckFailed\",\"Item\":[]}]}",
							"the Item of a cancellation reason is not an object", __LINE__);
	expect_bad_cancellation("{\"CancellationReasons\":[{\"Code\":\"C\",\"Item\":{},\"Item\":{}}]}",
							"Item of a cancellation reason is repeated", __LINE__);
	expect_bad_cancellation("{\"CancellationReasons\":[],\"CancellationReasons\":[]}",
							"CancellationReasons appears twice", __LINE__);

	/* a list longer than any transaction */
	{
		DdbBuf		b;
		int			i;

		ddb_buf_init(&b);
		ddb_buf_append_str(&b, "{\"CancellationReasons\":[");
		for (i = 0; i < 1100; i++)
			ddb_buf_append_str(&b, i ? ",{\"Code\":\"None\"}" : "{\"Code\":\"None\"}");
		ddb_buf_append_str(&b, "]}");
		expect_bad_cancellation(b.data, "CancellationReasons holds too many reasons", __LINE__);
		ddb_buf_free(&b);
	}

	/* every truncation (a reason read in part owns its message: no leak) */
	for (k = 0; k < len; k++)
	{
		char	   *copy = exact_copy(cancel_3, k);
		DdbCancellation c;
		DdbAwsError err;

		dirty_error(&err);
		if (ddb_write_parse_cancellation(copy, k, 3, &c, &err) ||
			err.kind != DDB_AWS_ERR_MALFORMED || c.reasons != NULL)
			bad++;
		free(copy);
	}
	CHECK(bad == 0);
}

static void
test_condition_failure(void)
{
	static const char failed[] =
	"{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","
	"\"message\":\"The conditional request failed\",\"Item\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"7\"}}}";
	const char *item;
	size_t		len;
	DdbAwsError err;

	CHECK(ddb_write_parse_condition_failure(failed, strlen(failed), &item, &len, &err));
	CHECK(span_is(item, len, "{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"7\"}}"));
	{
		static const char no_item[] = "{\"__type\":\"x\",\"message\":\"m\"}";

		CHECK(ddb_write_parse_condition_failure(no_item, strlen(no_item), &item, &len, &err));
	}
	CHECK(item == NULL && len == 0);
	dirty_error(&err);
	CHECK(!ddb_write_parse_condition_failure("{\"Item\":[]}", 11, &item, &len, &err));
	CHECK(err.kind == DDB_AWS_ERR_MALFORMED && item == NULL);
	CHECK_STR(err.message,
			  "malformed ConditionalCheckFailedException response: Item is not an object at byte 8");
	CHECK(!ddb_write_parse_condition_failure("{\"Item\":{},\"Item\":{}}", 21, &item, &len, &err));
	CHECK(strstr(err.message, "Item appears twice") != NULL && item == NULL);
	CHECK(!ddb_write_parse_condition_failure(failed, strlen(failed) - 1, &item, &len, &err));
	CHECK(err.kind == DDB_AWS_ERR_MALFORMED && item == NULL);
	CHECK(!ddb_write_parse_condition_failure(NULL, 0, &item, &len, &err));
}

/* ----------------------------------------------------------------
 * Through the transport: what the FDW side does
 * ----------------------------------------------------------------
 */
static void
test_round_trip(void)
{
	Mock		m = {.name = "dynamodb"};
	DdbHttpClient *http = mock_client(&m, NULL);
	DdbAwsService svc;
	DdbAwsCredentials creds = {(char *) "AKIDEXAMPLE", (char *) "secret", NULL, 0};
	DdbHttpResponse resp;
	DdbAwsError err;
	DdbWrite	a[4];
	DdbTransactWrite t;
	DdbBuf		body;
	DdbCancellation c;
	DdbWriteAnswer ans;
	bool		ok;

	CHECK(ddb_aws_service_init(&svc, http, "http://127.0.0.1:8000", "us-east-1", "dynamodb", &err));
	svc.clock = mock_clock;
	ddb_http_response_init(&resp);
	ddb_buf_init(&body);

	/* a transaction refused: the reasons are in the error body */
	order_actions(a);
	memset(&t, 0, sizeof(t));
	t.actions = a;
	t.nactions = 4;
	t.client_request_token = TOKEN;
	t.return_consumed_capacity = true;
	CHECK(ddb_write_build_transact(&t, &body, &err));
	mock_reply_full(&m, 400,
					"{\"__type\":\"com.amazonaws.dynamodb.v20120810#TransactionCanceledException\","
					"\"CancellationReasons\":[{\"Code\":\"None\"},{\"Code\":\"ConditionalCheckFailed\","
					"\"Message\":\"The conditional request failed\",\"Item\":{\"sku\":{\"S\":\"s1\"},\"qty\":{\"N\":\"0\"}}},"
					"{\"Code\":\"None\"},{\"Code\":\"None\"}],"
					"\"Message\":\"Transaction cancelled, please refer cancellation reasons for specific reasons "
					"[None, ConditionalCheckFailed, None, None]\"}",
					"REQ-1", MOCK_CRC_GOOD);
	ok = ddb_dynamodb_call(&svc, &creds, "TransactWriteItems", body.data, body.len, &resp, &err);
	CHECK(!ok);
	CHECK(err.kind == DDB_AWS_ERR_SERVICE);
	CHECK_STR(err.code, DDB_TRANSACTION_CANCELED);
	CHECK_STR(err.request_id, "REQ-1");
	CHECK_STR(mock_header(&m, -1, "X-Amz-Target"), "DynamoDB_20120810.TransactWriteItems");
	CHECK_STR(mock_body(&m, -1), order_body);
	CHECK(ddb_write_parse_cancellation(resp.body.data, resp.body.len, t.nactions, &c, &err));
	CHECK(c.nreasons == 4 && c.reasons[1].kind == DDB_CANCEL_CONDITIONAL_CHECK_FAILED);
	CHECK(c.reasons[1].item != NULL && c.reasons[1].item[0] == '{');
	ddb_cancellation_free(&c);

	/* an UPDATE ... RETURNING: the new item comes back */
	{
		static const DdbExprName n[] = {{"#k", "pk"}, {"#a0", "n"}};
		static const DdbExprValue v[] = {{":v0", "{\"N\":\"8\"}"}};
		DdbWrite	w;

		w = (DdbWrite) {
			.kind = DDB_WRITE_UPDATE, .table_name = "T",
			.key = "{\"pk\":{\"S\":\"a\"}}",
			.update_expression = "SET #a0 = :v0",
			.condition_expression = "attribute_exists(#k)", .names = n,
			.nnames = 2, .values = v, .nvalues = 1,
			.return_values = DDB_RETURN_ALL_NEW
		};
		ddb_buf_reset(&body);
		CHECK(ddb_write_build_item(&w, true, &body, &err));
		mock_reply_full(&m, 200,
						"{\"Attributes\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"8\"}},"
						"\"ConsumedCapacity\":{\"TableName\":\"T\",\"CapacityUnits\":1.0}}",
						NULL, MOCK_CRC_GOOD);
		CHECK(ddb_dynamodb_call(&svc, &creds, ddb_write_operation(w.kind), body.data,
								body.len, &resp, &err));
		CHECK_STR(mock_header(&m, -1, "X-Amz-Target"), "DynamoDB_20120810.UpdateItem");
		CHECK(ddb_write_parse_item_answer(resp.body.data, resp.body.len, &ans, &err));
		CHECK(span_is(ans.attributes, ans.attributes_len, "{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"8\"}}"));
		CHECK(ans.consumed_units == 1.0);
	}
	mock_done(&m, __LINE__);

	ddb_buf_free(&body);
	ddb_http_response_free(&resp);
	ddb_aws_service_free(&svc);
	ddb_http_client_destroy(http);
	mock_reset(&m);
}

int
main(void)
{
	test_build_put();
	test_build_update();
	test_build_delete();
	test_build_refused();
	test_build_batch();
	test_batch_round();
	test_build_transact();
	test_item_answers();
	test_batch_answers();
	test_malformed_answers();
	test_cancellation();
	test_cancellation_malformed();
	test_condition_failure();
	test_round_trip();
	return unit_report("test_write");
}
