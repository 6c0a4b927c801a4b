/*-------------------------------------------------------------------------
 *
 * scan.c
 *		Planner and executor callbacks of a full-table Scan.
 *
 * The scan fetches one DynamoDB page at a time into a batch memory context
 * that is reset before the next page, so memory stays flat however large
 * the table.  Only the columns the query needs are decoded, and only their
 * attributes are requested (ProjectionExpression with placeholders for
 * every name, so reserved words and odd characters are safe).
 *
 * IDENTIFICATION
 *		src/fdw/scan.c
 *
 *-------------------------------------------------------------------------
 */
#include "ddb_fdw.h"

#include "access/sysattr.h"
#include "access/table.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "nodes/makefuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "compat.h"
#include "decode.h"

/* fdw_private of the ForeignScan plan node */
enum DdbScanPrivateIndex
{
	/* Integer list of the attribute numbers the query needs */
	DdbScanPrivateRetrievedAttrs
};

/* Estimates when the table was never analyzed */
#define DEFAULT_ROWS 1000
#define STARTUP_COST 100.0		/* one round trip */
#define PER_ROW_COST 0.02		/* decoding and transfer per item */

typedef struct DdbScanStats
{
	int64		pages;
	int64		items;
	int64		scanned;
	double		capacity;
} DdbScanStats;

typedef struct DdbScanState
{
	DdbOptions	opts;
	DdbConnection *conn;
	DdbDecoder *decoder;
	MemoryContext scan_cxt;		/* lives as long as the scan */
	MemoryContext batch_cxt;	/* reset before each page */
	char	   *projection;		/* ProjectionExpression, or NULL */
	char	   *attribute_names;	/* ExpressionAttributeNames JSON */
	char	   *projected_list; /* for EXPLAIN */
	bool		projecting;		/* responses hold only projected attributes */
	char	   *start_key;		/* ExclusiveStartKey of the next page */
	long		limit;			/* Limit of the next request, 0 for none */
	bool		started;
	bool		eof;
	DdbPage		page;
	int			next;			/* next item of page to return */
	DdbHttpResponse resp;
	DdbBuf		body;
	DdbScanStats stats;
} DdbScanState;

/* ----------------------------------------------------------------
 * Planner
 * ----------------------------------------------------------------
 */
typedef struct DdbRelInfo
{
	Bitmapset  *attrs_used;
} DdbRelInfo;

static void
ddbGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	DdbRelInfo *info = palloc0(sizeof(DdbRelInfo));
	ListCell   *lc;

	baserel->fdw_private = info;
	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid,
				   &info->attrs_used);
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);

		pull_varattnos((Node *) rinfo->clause, baserel->relid, &info->attrs_used);
	}

	/* every qual is checked locally: estimate its selectivity */
	if (baserel->tuples < 0 || (baserel->pages == 0 && baserel->tuples == 0))
		baserel->tuples = DEFAULT_ROWS;
	baserel->rows = clamp_row_est(baserel->tuples *
								  clauselist_selectivity(root,
														 baserel->baserestrictinfo,
														 0, JOIN_INNER, NULL));
}

static void
ddbGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	Cost		run_cost = baserel->tuples * (PER_ROW_COST + cpu_tuple_cost);

	run_cost += cpu_operator_cost * baserel->tuples *
		list_length(baserel->baserestrictinfo);
	add_path(baserel, (Path *)
			 ddb_create_foreignscan_path(root, baserel, baserel->rows,
										 STARTUP_COST, STARTUP_COST + run_cost,
										 NULL, NIL));
}

static ForeignScan *
ddbGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
				  ForeignPath *best_path, List *tlist, List *scan_clauses,
				  Plan *outer_plan)
{
	DdbRelInfo *info = baserel->fdw_private;
	RangeTblEntry *rte = planner_rt_fetch(baserel->relid, root);
	Relation	rel = table_open(rte->relid, NoLock);
	TupleDesc	tupdesc = RelationGetDescr(rel);
	bool		whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber,
										  info->attrs_used);
	List	   *retrieved = NIL;
	int			i;

	for (i = 1; i <= tupdesc->natts; i++)
	{
		if (TupleDescAttr(tupdesc, i - 1)->attisdropped)
			continue;
		if (whole_row ||
			bms_is_member(i - FirstLowInvalidHeapAttributeNumber, info->attrs_used))
			retrieved = lappend_int(retrieved, i);
	}
	table_close(rel, NoLock);

	scan_clauses = extract_actual_clauses(scan_clauses, false);
	return make_foreignscan(tlist, scan_clauses, baserel->relid, NIL,
							list_make1(retrieved), NIL, NIL, outer_plan);
}

/* ----------------------------------------------------------------
 * Executor
 * ----------------------------------------------------------------
 */
static void
scan_state_reset_callback(void *arg)
{
	DdbScanState *st = arg;

	ddb_http_response_free(&st->resp);
	ddb_buf_free(&st->body);
}

/*
 * Builds the ProjectionExpression for the attributes the decoder needs.
 * Every name goes through a placeholder (#a0, #a1, ...).
 */
static void
build_projection(DdbScanState *st)
{
	bool		whole_item;
	List	   *names = ddb_decoder_needed_attributes(st->decoder, &whole_item);
	StringInfoData expr;
	StringInfoData eav;
	StringInfoData shown;
	DdbBuf		quoted;
	ListCell   *lc;
	int			n = 0;

	if (whole_item)
		return;
	/* nothing needed at all (count(*)): the partition key is the least */
	if (names == NIL && st->opts.partition_key)
		names = list_make1(st->opts.partition_key);
	if (names == NIL)
		return;

	initStringInfo(&expr);
	initStringInfo(&eav);
	initStringInfo(&shown);
	ddb_buf_init(&quoted);
	appendStringInfoChar(&eav, '{');
	foreach(lc, names)
	{
		const char *name = lfirst(lc);

		ddb_buf_reset(&quoted);
		ddb_buf_append_json_string(&quoted, name, strlen(name));
		if (!ddb_buf_ok(&quoted))
		{
			ddb_buf_free(&quoted);
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		}
		appendStringInfo(&expr, "%s#a%d", n > 0 ? "," : "", n);
		appendStringInfo(&eav, "%s\"#a%d\":%s", n > 0 ? "," : "", n, quoted.data);
		/* EXPLAIN shows plain names bare, others quoted as JSON strings */
		appendStringInfo(&shown, "%s%s", n > 0 ? ", " : "",
						 strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == strlen(name) ?
						 name : quoted.data);
		n++;
	}
	appendStringInfoChar(&eav, '}');
	ddb_buf_free(&quoted);
	st->projection = expr.data;
	st->attribute_names = eav.data;
	st->projected_list = shown.data;
	st->projecting = true;
}

static void
ddbBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	Relation	rel = node->ss.ss_currentRelation;
	TupleDesc	tupdesc = RelationGetDescr(rel);
	DdbScanState *st;
	List	   *retrieved = linitial(fsplan->fdw_private);
	bool	   *needed;
	ListCell   *lc;
	MemoryContext old;
	MemoryContextCallback *cb;

	st = palloc0(sizeof(DdbScanState));
	node->fdw_state = st;
	st->scan_cxt = AllocSetContextCreate(estate->es_query_cxt,
										 "ddb_fdw scan",
										 ALLOCSET_DEFAULT_SIZES);
	st->batch_cxt = AllocSetContextCreate(st->scan_cxt,
										  "ddb_fdw page",
										  ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(st->scan_cxt);
	ddb_http_response_init(&st->resp);
	ddb_buf_init(&st->body);
	cb = palloc(sizeof(MemoryContextCallback));
	cb->func = scan_state_reset_callback;
	cb->arg = st;
	MemoryContextRegisterResetCallback(st->scan_cxt, cb);

	ddb_get_options(RelationGetRelid(rel), &st->opts);
	needed = palloc0(sizeof(bool) * Max(tupdesc->natts, 1));
	foreach(lc, retrieved)
		needed[lfirst_int(lc) - 1] = true;
	st->decoder = ddb_decoder_create(rel, needed, st->opts.partition_key,
									 st->opts.sort_key);
	build_projection(st);
	MemoryContextSwitchTo(old);

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	{
		ForeignTable *table = GetForeignTable(RelationGetRelid(rel));
		ForeignServer *server = GetForeignServer(table->serverid);
		UserMapping *user = GetUserMapping(ddb_scan_user(fsplan, estate),
										   server->serverid);

		st->conn = ddb_get_connection(server, user, &st->opts);
	}
}

/* Limit for the next page (see README "page_size"). */
static void
next_limit(DdbScanState *st, size_t body_len)
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

static void
fetch_page(DdbScanState *st)
{
	DdbScanRequest req;
	DdbAwsError err;
	MemoryContext old;
	char	   *last_key;
	const DdbAwsCredentials *creds;

	CHECK_FOR_INTERRUPTS();
	next_limit(st, st->resp.body.len);
	memset(&req, 0, sizeof(req));
	req.table_name = st->opts.table_name;
	req.limit = st->limit;
	req.exclusive_start_key = st->start_key;
	req.projection_expression = st->projection;
	req.expression_attribute_names = st->attribute_names;
	req.return_consumed_capacity = true;
	ddb_buf_reset(&st->body);
	ddb_dynamodb_build_scan(&req, &st->body);
	if (!ddb_buf_ok(&st->body))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));

	MemoryContextReset(st->batch_cxt);
	st->page.nitems = 0;
	st->next = 0;

	/* refreshed here, so a long scan outlives its temporary credentials */
	creds = ddb_connection_credentials(st->conn);
	ddb_aws_error_clear(&err);
	pgstat_report_wait_start(PG_WAIT_EXTENSION);
	if (!ddb_dynamodb_call(&st->conn->svc, creds, "Scan",
						   st->body.data, st->body.len, &st->resp, &err))
	{
		pgstat_report_wait_end();
		ddb_report_aws_error(&err, "Scan", st->opts.table_name);
	}
	pgstat_report_wait_end();

	old = MemoryContextSwitchTo(st->batch_cxt);
	ddb_decode_page(st->decoder, st->resp.body.data, st->resp.body.len,
					"Scan", &st->page);
	MemoryContextSwitchTo(old);

	st->started = true;
	st->stats.pages++;
	st->stats.items += st->page.nitems;
	st->stats.scanned += st->page.scanned_count;
	st->stats.capacity += st->page.capacity_units;

	last_key = st->page.last_key ?
		MemoryContextStrdup(st->scan_cxt, st->page.last_key) : NULL;
	if (st->start_key)
		pfree(st->start_key);
	st->start_key = last_key;
	if (last_key == NULL)
		st->eof = true;
}

static TupleTableSlot *
ddbIterateForeignScan(ForeignScanState *node)
{
	DdbScanState *st = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	int			natts = slot->tts_tupleDescriptor->natts;

	while (st->next >= st->page.nitems)
	{
		if (st->eof)
			return ExecClearTuple(slot);
		fetch_page(st);
	}

	ExecClearTuple(slot);
	if (st->page.values)
	{
		memcpy(slot->tts_values, st->page.values + (size_t) st->next * natts,
			   sizeof(Datum) * natts);
		memcpy(slot->tts_isnull, st->page.nulls + (size_t) st->next * natts,
			   sizeof(bool) * natts);
	}
	else
		memset(slot->tts_isnull, true, sizeof(bool) * natts);
	st->next++;
	return ExecStoreVirtualTuple(slot);
}

static void
ddbReScanForeignScan(ForeignScanState *node)
{
	DdbScanState *st = node->fdw_state;

	if (st->start_key)
		pfree(st->start_key);
	st->start_key = NULL;
	st->started = false;
	st->eof = false;
	memset(&st->page, 0, sizeof(st->page));
	st->next = 0;
	MemoryContextReset(st->batch_cxt);
}

static void
ddbEndForeignScan(ForeignScanState *node)
{
	DdbScanState *st = node->fdw_state;

	if (st == NULL)
		return;
	MemoryContextDelete(st->scan_cxt);
	node->fdw_state = NULL;
}

static void
ddbExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	DdbScanState *st = node->fdw_state;
	char		buf[32];

	ExplainPropertyText("DynamoDB Operation", "Scan", es);
	ExplainPropertyText("DynamoDB Table", st->opts.table_name, es);
	if (es->verbose)
	{
		ExplainPropertyText("DynamoDB Projection",
							st->projected_list ? st->projected_list : "all attributes",
							es);
		ExplainPropertyText("Page Size",
							ddb_page_size_name(st->opts.page_size, buf, sizeof(buf)),
							es);
	}
	if (es->analyze)
	{
		ExplainPropertyInteger("DynamoDB Pages", NULL, st->stats.pages, es);
		ExplainPropertyInteger("DynamoDB Items Returned", NULL, st->stats.items, es);
		ExplainPropertyInteger("DynamoDB Items Scanned", NULL, st->stats.scanned, es);
		ExplainPropertyFloat("DynamoDB Consumed Capacity", NULL,
							 st->stats.capacity, 1, es);
	}
}

void
ddb_register_scan_callbacks(FdwRoutine *routine)
{
	routine->GetForeignRelSize = ddbGetForeignRelSize;
	routine->GetForeignPaths = ddbGetForeignPaths;
	routine->GetForeignPlan = ddbGetForeignPlan;
	routine->BeginForeignScan = ddbBeginForeignScan;
	routine->IterateForeignScan = ddbIterateForeignScan;
	routine->ReScanForeignScan = ddbReScanForeignScan;
	routine->EndForeignScan = ddbEndForeignScan;
	routine->ExplainForeignScan = ddbExplainForeignScan;
}
