/*-------------------------------------------------------------------------
 *
 * scanner.c
 *		Reads a DynamoDB table page by page (see scanner.h).
 *
 * Each page is fetched into a batch memory context that is reset before the
 * next one, so memory stays flat however large the table.  As soon as a
 * page's frame is read (its LastEvaluatedKey known, the whole answer
 * validated: frame.c), the request for the next page goes out, before the
 * items are decoded and used: two response buffers, at most one page
 * ahead.  Only the
 * needed attributes are requested (ProjectionExpression, every name through
 * a placeholder so reserved words and odd characters are safe), and the page
 * size follows the page_size option.
 *
 * IDENTIFICATION
 *		src/fdw/read/scanner.c
 *
 *-------------------------------------------------------------------------
 */
#include "scanner.h"

#include "core/call.h"
#include "pushdown.h"

#include "miscadmin.h"
#include "storage/latch.h"
#include "pgstat.h"
#include "utils/memutils.h"
#include "utils/rel.h"

static void
scanner_reset_callback(void *arg)
{
	DdbScanner *st = arg;

	/*
	 * A request fetched ahead and never used.  A transaction's abort drops
	 * it before memory goes (connection.c): then the client is not touched.
	 */
	if (st->ahead && ddb_http_started(&st->resp[1 - st->cur]))
		ddb_dynamodb_abandon(&st->call);
	st->ahead = false;
	ddb_http_response_free(&st->resp[0]);
	ddb_http_response_free(&st->resp[1]);
	ddb_buf_free(&st->body);
}

/* The ProjectionExpression of the attributes the decoder needs. */
static void
build_projection(DdbScanner *st)
{
	bool		whole_item;
	List	   *names = ddb_decoder_needed_attributes(st->decoder, &whole_item);
	DdbProjection p;

	if (whole_item)
		return;
	/* nothing needed at all (count(*)): the partition key is the least */
	if (names == NIL && st->map->key_attr[0])
		names = list_make1(st->map->key_attr[0]);
	if (!ddb_build_projection(names, &p))
		return;
	st->projection = p.expression;
	st->projection_names = p.names;
	st->attribute_names = psprintf("{%s}", p.names);
	st->projected_list = p.shown;
	st->projecting = true;
}

DdbScanner *
ddb_scanner_create(DdbTableMapping *m, const bool *needed, Oid userid,
				   MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "ddb_fdw scanner",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	DdbScanner *st = palloc0(sizeof(DdbScanner));
	MemoryContextCallback *cb;

	st->cxt = cxt;
	st->relid = m->relid;
	st->map = m;
	st->batch_cxt = AllocSetContextCreate(cxt, "ddb_fdw page",
										  ALLOCSET_DEFAULT_SIZES);
	st->request_cxt = AllocSetContextCreate(cxt, "ddb_fdw request",
											ALLOCSET_SMALL_SIZES);
	ddb_http_response_init(&st->resp[0]);
	ddb_http_response_init(&st->resp[1]);
	ddb_buf_init(&st->body);
	cb = palloc(sizeof(MemoryContextCallback));
	cb->func = scanner_reset_callback;
	cb->arg = st;
	MemoryContextRegisterResetCallback(cxt, cb);

	st->opts = m->opts;
	if (OidIsValid(userid))
	{
		ForeignServer *server = GetForeignServer(m->serverid);

		st->conn = ddb_get_connection(server, GetUserMapping(userid, server->serverid),
									  &st->opts);
		ddb_mapping_resolve_keys(m, st->conn);
	}
	st->decoder = ddb_decoder_create(m, needed);
	build_projection(st);
	if (st->opts.max_read_units_per_second > 0)
		st->rate = ddb_rate_limit_create(st->opts.max_read_units_per_second, NULL);
	MemoryContextSwitchTo(old);
	return st;
}

void
ddb_scanner_free(DdbScanner *st)
{
	if (st)
		MemoryContextDelete(st->cxt);
}

/* Drops the request fetched ahead, if any (a restart makes it useless). */
static void
drop_ahead(DdbScanner *st)
{
	if (st->ahead)
		ddb_dynamodb_abandon(&st->call);
	st->ahead = false;
}

void
ddb_scanner_set_request(DdbScanner *st, DdbOperation op, const char *key_condition,
						const char *filter, const char *names,
						const char *values, List *keys, long limit_hint)
{
	MemoryContext old;
	const char *proj = st->projection_names;
	ListCell   *lc;

	/* a rescan sets a new request: the old one's strings go */
	drop_ahead(st);
	MemoryContextReset(st->request_cxt);
	old = MemoryContextSwitchTo(st->request_cxt);

	st->op = op;
	st->key_condition = key_condition ? pstrdup(key_condition) : NULL;
	st->filter = filter ? pstrdup(filter) : NULL;
	st->values = values ? pstrdup(values) : NULL;
	st->limit_hint = limit_hint;
	st->keys = NIL;
	foreach(lc, keys)
		st->keys = lappend(st->keys, pstrdup(lfirst(lc)));
	/* one map for the projection's names and the conditions' */
	if ((proj && proj[0]) || (names && names[0]))
		st->attribute_names = psprintf("{%s%s%s}", proj ? proj : "",
									   (proj && proj[0] && names && names[0]) ? "," : "",
									   names ? names : "");
	else
		st->attribute_names = NULL;
	MemoryContextSwitchTo(old);
}

void
ddb_scanner_restart(DdbScanner *st, int segment, int total_segments,
					const char *start_key)
{
	if (st->start_key)
		pfree(st->start_key);
	st->start_key = start_key ? MemoryContextStrdup(st->cxt, start_key) : NULL;
	drop_ahead(st);
	st->segment = segment;
	st->total_segments = total_segments;
	st->started = false;
	st->eof = false;
	st->next_key = 0;
	if (st->unprocessed)
		pfree(st->unprocessed);
	st->unprocessed = NULL;
	st->batch_attempts = 0;
	memset(&st->page, 0, sizeof(st->page));
	MemoryContextReset(st->batch_cxt);
}

/* Limit for the next page (see README "page_size"). */
static void
next_limit(DdbScanner *st, size_t body_len)
{
	if (st->opts.page_size == DDB_PAGE_SIZE_MAX)
		st->limit = 0;
	else if (st->opts.page_size > 0)
		st->limit = st->opts.page_size;
	else if (!st->started)
		st->limit = DDB_AUTO_FIRST_LIMIT;
	else if (st->page.last_key && st->page.scanned_count < st->limit)
	{
		/* DynamoDB cut the page at 1 MB: that many items is what fits */
		if (st->page.scanned_count > 0)
			st->limit = (long) st->page.scanned_count;
	}
	else if (st->page.scanned_count > 0)
	{
		/*
		 * The Limit ended the page before 1 MB.  Without projection the body
		 * tells the item size; with projection it understates it, so grow
		 * by at most a factor of two.
		 */
		double		grow = 2.0;

		if (!st->projecting && body_len > 0)
			grow = Min(grow, (double) DDB_MAX_PAGE_BYTES / (double) body_len);
		if (grow > 1.0)
			st->limit = (long) Min((double) DDB_AUTO_MAX_LIMIT, st->limit * grow);
	}
}

/* BatchGetItem: how often unprocessed keys are asked for again */
#define BATCH_MAX_ATTEMPTS 10

static const char *const op_names[] = {"Scan", "Query", "GetItem", "BatchGetItem"};

/* The body of the next request; returns the operation's name. */
static const char *
build_body(DdbScanner *st)
{
	ddb_buf_reset(&st->body);
	if (st->op == DDB_OP_SCAN || st->op == DDB_OP_QUERY)
	{
		DdbScanRequest req;

		next_limit(st, st->resp[st->cur].body.len);
		memset(&req, 0, sizeof(req));
		req.table_name = st->opts.table_name;
		req.index_name = st->opts.index_name;
		req.segment = st->segment;
		req.total_segments = st->total_segments;
		req.limit = st->limit;
		/* a LIMIT the query will stop at: no page larger than that */
		if (st->limit_hint > 0 && st->filter == NULL &&
			(req.limit == 0 || st->limit_hint < req.limit))
			req.limit = st->limit_hint;
		req.exclusive_start_key = st->start_key;
		req.projection_expression = st->projection;
		req.expression_attribute_names = st->attribute_names;
		req.key_condition_expression = st->key_condition;
		req.filter_expression = st->filter;
		req.expression_attribute_values = st->values;
		req.consistent_read = st->opts.consistent_read;
		req.return_consumed_capacity = true;
		req.scan_backward = st->backward;
		req.select = st->select;
		if (st->op == DDB_OP_QUERY)
			ddb_dynamodb_build_query(&req, &st->body);
		else
			ddb_dynamodb_build_scan(&req, &st->body);
	}
	else if (st->op == DDB_OP_BATCH && st->unprocessed)
		ddb_dynamodb_build_batch_get_retry(st->unprocessed, true, &st->body);
	else
	{
		DdbGetRequest req;
		StringInfoData keys;
		int			n;

		memset(&req, 0, sizeof(req));
		req.table_name = st->opts.table_name;
		req.projection_expression = st->projection;
		req.expression_attribute_names = st->attribute_names;
		req.consistent_read = st->opts.consistent_read;
		req.return_consumed_capacity = true;
		if (st->op == DDB_OP_GET)
		{
			req.key = list_nth(st->keys, st->next_key++);
			ddb_dynamodb_build_get_item(&req, &st->body);
		}
		else
		{
			initStringInfo(&keys);
			appendStringInfoChar(&keys, '[');
			for (n = 0; n < DDB_BATCH_GET_MAX_KEYS && st->next_key < list_length(st->keys); n++)
				appendStringInfo(&keys, "%s%s", n ? "," : "",
								 (char *) list_nth(st->keys, st->next_key++));
			appendStringInfoChar(&keys, ']');
			req.keys = keys.data;
			ddb_dynamodb_build_batch_get(&req, &st->body);
			pfree(keys.data);
		}
	}
	if (!ddb_buf_ok(&st->body))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	return op_names[st->op];
}

/* After an answer: where the next request starts, or the end. */
static void
advance(DdbScanner *st)
{
	char	   *last_key;

	switch (st->op)
	{
		case DDB_OP_SCAN:
		case DDB_OP_QUERY:
			last_key = st->page.last_key ?
				MemoryContextStrdup(st->cxt, st->page.last_key) : NULL;
			if (st->start_key)
				pfree(st->start_key);
			st->start_key = last_key;
			if (last_key == NULL)
				st->eof = true;
			break;
		case DDB_OP_GET:
			if (st->next_key >= list_length(st->keys))
				st->eof = true;
			break;
		case DDB_OP_BATCH:
			if (st->unprocessed)
				pfree(st->unprocessed);
			st->unprocessed = NULL;
			if (st->page.unprocessed)
			{
				/* DynamoDB left keys out (throughput, 16 MB): ask again */
				st->unprocessed = MemoryContextStrdup(st->cxt, st->page.unprocessed);
				if (++st->batch_attempts > BATCH_MAX_ATTEMPTS)
					ereport(ERROR,
							(errcode(ERRCODE_FDW_ERROR),
							 errmsg("DynamoDB BatchGetItem left keys of table \"%s\" unprocessed %d times",
									st->opts.table_name, BATCH_MAX_ATTEMPTS),
							 errhint("The table's read capacity is exhausted; retry later.")));
				st->stats.retries++;
				st->page_retries++;
			}
			else
			{
				st->batch_attempts = 0;
				if (st->next_key >= list_length(st->keys))
					st->eof = true;
			}
			break;
	}
}

/*
 * Starts the request for the next page, its answer going to the response
 * that does not hold the current page: the read-rate limit waited for
 * first (the capacity of the pages so far is known), credentials refreshed
 * (so a long scan outlives its temporary credentials).
 */
static void
start_request(DdbScanner *st)
{
	const DdbAwsCredentials *creds;

	if (st->unprocessed)
		ddb_call_unprocessed_backoff(st->batch_attempts);
	st->operation = build_body(st);
	if (st->rate)
		ddb_rate_limit_wait(st->rate);
	if (st->before_request)
		st->before_request(st->before_request_arg);
	creds = ddb_connection_credentials(st->conn);
	/* no completeness pre-check: the frame of the page is that check */
	ddb_dynamodb_start(&st->call, st->svc ? st->svc : &st->conn->svc, creds,
					   st->operation, st->body.data, st->body.len,
					   &st->resp[1 - st->cur], false);
	st->ahead = true;
}

/*
 * Whether to ask for the next page before this one is used: unless the
 * scan ended, unprocessed keys wait for a backoff first, or a LIMIT the
 * query stops at has been read (the next page would go unread).
 */
static bool
want_ahead(DdbScanner *st)
{
	if (st->eof || st->unprocessed || st->no_ahead)
		return false;
	if (st->limit_hint > 0 && st->stats.items >= st->limit_hint)
		return false;
	return true;
}

/*
 * Completes the request under way and reads its page's frame into
 * st->page; a truncated or malformed page is asked for again (a retry,
 * with backoff, counted like a transport retry) before anything of it is
 * used.  Raises the request's error when no retry helps.
 */
static void
receive_page(DdbScanner *st)
{
	DdbCall		call;
	DdbHttpResponse *resp;
	MemoryContext old;
	char	   *error;
	bool		ok;

	ddb_call_begin(&call, st->svc ? st->svc->http : st->conn->http, st->operation,
				   st->opts.table_name);
	st->ahead = false;
	ok = ddb_dynamodb_finish(&st->call, ddb_connection_credentials(st->conn),
							 &call.err);
	st->cur = 1 - st->cur;
	resp = &st->resp[st->cur];

	MemoryContextReset(st->batch_cxt);
	old = MemoryContextSwitchTo(st->batch_cxt);
	while (ok && !ddb_decode_page_frame(st->decoder, resp->body.data,
										resp->body.len, st->operation,
										&st->page, &error))
	{
		ddb_aws_error_clear(&call.err);
		call.err.http_status = resp->status;
		ddb_aws_error_set(&call.err, DDB_AWS_ERR_MALFORMED, "%s", error);
		CHECK_FOR_INTERRUPTS();
		ok = ddb_dynamodb_retry(&st->call, ddb_connection_credentials(st->conn),
								&call.err);
	}
	MemoryContextSwitchTo(old);
	st->page_retries = ddb_call_end(&call);
	if (!ok)
		ddb_call_fail(&call);
}

/*
 * Fetches the next page (already under way when it was fetched ahead),
 * sends the request for the one after it, then decodes the items: the
 * network works while the backend decodes and its caller uses the rows.
 * At most one page ahead.
 */
static void
fetch_page(DdbScanner *st)
{
	MemoryContext old;

	CHECK_FOR_INTERRUPTS();
	if (!st->ahead)
		start_request(st);
	receive_page(st);
	/* items counted but not sent, though we asked for them */
	if (st->select == NULL && st->page.counted_only && st->page.count > 0 &&
		(st->op == DDB_OP_SCAN || st->op == DDB_OP_QUERY))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("malformed DynamoDB %s response", st->operation),
				 errdetail("The response counts %lld items but holds no Items.",
						   (long long) st->page.count)));

	st->started = true;
	st->stats.pages++;
	st->stats.items += st->page.nitems;
	st->stats.scanned += st->page.scanned_count;
	st->stats.capacity += st->page.capacity_units;
	st->stats.retries += st->page_retries;
	if (st->rate)
		ddb_rate_limit_consumed(st->rate, st->page.capacity_units);
	advance(st);
	if (want_ahead(st))
		start_request(st);

	old = MemoryContextSwitchTo(st->batch_cxt);
	ddb_decode_page_items(st->decoder, &st->page);
	MemoryContextSwitchTo(old);
}

bool
ddb_scanner_next_page(DdbScanner *st)
{
	if (st->eof)
		return false;
	/* keyed reads of no key at all: nothing to ask */
	if ((st->op == DDB_OP_GET || st->op == DDB_OP_BATCH) && st->keys == NIL)
	{
		st->eof = true;
		memset(&st->page, 0, sizeof(st->page));
		return false;
	}
	fetch_page(st);
	return true;
}

void
ddb_scanner_send(DdbScanner *st)
{
	if (st->ahead || st->eof)
		return;
	if ((st->op == DDB_OP_GET || st->op == DDB_OP_BATCH) && st->keys == NIL)
		return;
	CHECK_FOR_INTERRUPTS();
	start_request(st);
}
