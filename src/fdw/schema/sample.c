/*-------------------------------------------------------------------------
 *
 * sample.c
 *		A sample of a DynamoDB table's items, read by table name: no
 *		foreign table (and so no table mapping) is needed, which is what
 *		IMPORT FOREIGN SCHEMA has.
 *
 * Which segments to read, the Scan answers and the statistics of the
 * items are the AWS layer's (src/aws/sample.c, src/aws/infer.c); here are
 * the requests, through the call wrapper, and the memory they live in.
 *
 * IDENTIFICATION
 *		src/fdw/schema/sample.c
 *
 *-------------------------------------------------------------------------
 */
#include "schema.h"

#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "aws/sample.h"
#include "core/call.h"
#include "read/ratelimit.h"

/* What one sample's requests hold (malloc'd: freed with its context). */
typedef struct SampleBuffers
{
	DdbBuf		body;
	DdbHttpResponse resp;
	DdbSamplePage page;
	char	   *start_key;
} SampleBuffers;

static void
free_buffers(void *arg)
{
	SampleBuffers *b = arg;

	ddb_buf_free(&b->body);
	ddb_http_response_free(&b->resp);
	ddb_sample_page_free(&b->page);
	free(b->start_key);
	b->start_key = NULL;
}

/*
 * One Scan page of segment (of total) into b->page, starting at
 * b->start_key, which becomes where the segment continues (NULL at its
 * end).  Errors are raised.
 */
static void
fetch_page(const DdbSampleSource *src, SampleBuffers *b, int segment,
		   int total, long limit, DdbRateLimit *rate, DdbSampleCost *cost)
{
	DdbScanRequest req;
	DdbCall		call;
	DdbAwsError err;
	bool		ok;

	memset(&req, 0, sizeof(req));
	req.table_name = src->table_name;
	req.index_name = src->index_name;
	req.segment = segment;
	req.total_segments = total > 1 ? total : 0;
	req.limit = limit;
	req.exclusive_start_key = b->start_key;
	req.consistent_read = src->consistent_read;
	req.return_consumed_capacity = true;
	ddb_buf_reset(&b->body);
	ddb_dynamodb_build_scan(&req, &b->body);
	if (!ddb_buf_ok(&b->body))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));

	if (rate)
		ddb_rate_limit_wait(rate);
	ddb_call_begin(&call, src->conn->http, "Scan", src->table_name);
	ok = ddb_dynamodb_call(&src->conn->svc, ddb_connection_credentials(src->conn), "Scan",
						   b->body.data, b->body.len, &b->resp, &call.err);
	(void) ddb_call_end(&call);
	if (!ok)
		ddb_call_fail(&call);
	cost->requests++;

	ddb_aws_error_clear(&err);
	if (!ddb_sample_parse_page(b->resp.body.data, b->resp.body.len, &b->page, &err))
	{
		if (err.kind == DDB_AWS_ERR_OOM)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("malformed DynamoDB Scan response"),
				 errdetail_internal("%s", err.message),
				 errcontext("DynamoDB Scan of table \"%s\" for a sample", src->table_name)));
	}
	cost->read_units += b->page.capacity_units;
	if (rate)
		ddb_rate_limit_consumed(rate, b->page.capacity_units);
	/* where the segment continues: never where this page started */
	if (b->page.last_key && b->start_key && strcmp(b->page.last_key, b->start_key) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("malformed DynamoDB Scan response"),
				 errdetail("The LastEvaluatedKey of a page is the ExclusiveStartKey it was asked for."),
				 errcontext("DynamoDB Scan of table \"%s\" for a sample", src->table_name)));
	free(b->start_key);
	b->start_key = b->page.last_key;
	b->page.last_key = NULL;
}

/* The Limit of a sample's request: its page size, never more than needed. */
static long
page_limit(const DdbSampleSource *src, long needed)
{
	long		limit = src->page_size > 0 ? src->page_size : DDB_AUTO_FIRST_LIMIT;

	return Min(limit, needed);
}

void
ddb_sample_table(const DdbSampleSource *src, DdbSampleVisit visit, void *arg,
				 DdbSampleCost *cost)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "ddb_fdw sample",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	SampleBuffers *b = palloc0(sizeof(SampleBuffers));
	MemoryContextCallback *cb = palloc(sizeof(MemoryContextCallback));
	DdbSamplePlan plan;
	DdbRateLimit *rate = NULL;
	int		   *segments;
	int			s;

	ddb_buf_init(&b->body);
	ddb_http_response_init(&b->resp);
	cb->func = free_buffers;
	cb->arg = b;
	MemoryContextRegisterResetCallback(cxt, cb);
	if (src->max_read_units_per_second > 0)
		rate = ddb_rate_limit_create(src->max_read_units_per_second, NULL);
	MemoryContextSwitchTo(old);

	memset(cost, 0, sizeof(*cost));
	ddb_sample_plan(src->item_count, src->sample_size, &plan);
	segments = MemoryContextAlloc(cxt, sizeof(int) * plan.max_segments);
	ddb_sample_pick_segments(plan.total_segments, plan.max_segments, src->seed, segments);
	cost->total_segments = plan.total_segments;

	for (s = 0; s < plan.max_segments && cost->items < src->sample_size; s++)
	{
		free(b->start_key);
		b->start_key = NULL;
		cost->segments_read++;
		do
		{
			int			i;

			CHECK_FOR_INTERRUPTS();
			fetch_page(src, b, segments[s], plan.total_segments,
					   page_limit(src, src->sample_size - cost->items), rate, cost);
			for (i = 0; i < b->page.nitems && cost->items < src->sample_size; i++)
			{
				visit(b->resp.body.data + b->page.items[i].offset,
					  b->page.items[i].len, arg);
				cost->items++;
			}
		} while (b->start_key != NULL && cost->items < src->sample_size);
	}
	MemoryContextDelete(cxt);
}

char *
ddb_sample_cost_text(const DdbSampleCost *cost)
{
	if (cost->total_segments > 1)
		return psprintf("sampled %ld items from %d of %d segments, Scan requests: %d, read units: %.1f",
						cost->items, cost->segments_read, cost->total_segments,
						cost->requests, cost->read_units);
	return psprintf("sampled %ld items, Scan requests: %d, read units: %.1f",
					cost->items, cost->requests, cost->read_units);
}

static void
free_stats(void *arg)
{
	ddb_attr_stats_free((DdbAttrStats *) arg);
}

DdbAttrStats *
ddb_sample_stats_create(void)
{
	DdbAttrStats *st = palloc(sizeof(DdbAttrStats));
	MemoryContextCallback *cb = palloc(sizeof(MemoryContextCallback));

	ddb_attr_stats_init(st);
	cb->func = free_stats;
	cb->arg = st;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);
	return st;
}

void
ddb_sample_add_to_stats(const char *item, size_t len, void *arg)
{
	DdbAwsError err;

	ddb_aws_error_clear(&err);
	if (!ddb_attr_stats_add_item((DdbAttrStats *) arg, item, len, &err))
	{
		if (err.kind == DDB_AWS_ERR_OOM)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("malformed DynamoDB Scan response"),
				 errdetail_internal("%s", err.message)));
	}
}

int
ddb_attr_stat_presence_cmp(const ListCell *a, const ListCell *b)
{
	const DdbAttrStat *x = lfirst(a);
	const DdbAttrStat *y = lfirst(b);

	if (x->items != y->items)
		return x->items > y->items ? -1 : 1;
	return strcmp(x->name, y->name);
}

Oid
ddb_inferred_type_oid(DdbInferredType t)
{
	switch (t)
	{
		case DDB_TYPE_TEXT:
			return TEXTOID;
		case DDB_TYPE_TIMESTAMPTZ:
			return TIMESTAMPTZOID;
		case DDB_TYPE_UUID:
			return UUIDOID;
		case DDB_TYPE_INT8:
			return INT8OID;
		case DDB_TYPE_NUMERIC:
			return NUMERICOID;
		case DDB_TYPE_BOOL:
			return BOOLOID;
		case DDB_TYPE_BYTEA:
			return BYTEAOID;
		case DDB_TYPE_TEXT_ARRAY:
			return TEXTARRAYOID;
		case DDB_TYPE_INT8_ARRAY:
			return INT8ARRAYOID;
		case DDB_TYPE_NUMERIC_ARRAY:
			return NUMERICARRAYOID;
		case DDB_TYPE_BYTEA_ARRAY:
			return BYTEAARRAYOID;
		case DDB_TYPE_JSONB:
			return JSONBOID;
	}
	return JSONBOID;
}

char *
ddb_attribute_from_utf8(const char *name, size_t len)
{
	char	   *s = pg_any_to_server(name, (int) len, PG_UTF8);

	return s == name ? pnstrdup(name, len) : s;
}
