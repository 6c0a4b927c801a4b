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
#include "scanner.h"
#include "segments.h"

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

typedef struct DdbScanState
{
	DdbScanner *scanner;
	bool	   *needed;			/* attributes to produce, by attnum - 1 */
	int			next;			/* next item of the page to return */
	bool		started;		/* segments decided, workers launched */
	int			segments;		/* TotalSegments (1: not segmented) */
	int			segment;		/* the leader's, when it scans alone */
	int			workers_planned;
	DdbParallelScan *parallel;	/* NULL: the leader scans */
	int			workers_launched;
	DdbScanStats par_stats;		/* what the workers read */
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
ddbBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	Relation	rel = node->ss.ss_currentRelation;
	TupleDesc	tupdesc = RelationGetDescr(rel);
	DdbScanState *st;
	List	   *retrieved = linitial(fsplan->fdw_private);
	ListCell   *lc;

	st = palloc0(sizeof(DdbScanState));
	node->fdw_state = st;
	st->needed = palloc0(sizeof(bool) * Max(tupdesc->natts, 1));
	foreach(lc, retrieved)
		st->needed[lfirst_int(lc) - 1] = true;
	st->scanner = ddb_scanner_create(rel, st->needed, estate->es_query_cxt);
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	ddb_scanner_connect(st->scanner, ddb_scan_user(fsplan, estate));
}

/*
 * Decides the segments and launches the workers, at the first row asked
 * for (not at executor start: EXPLAIN and plans never run cost nothing).
 */
static void
start_scan(ForeignScanState *node, DdbScanState *st)
{
	DdbScanner *sc = st->scanner;
	int			nworkers;

	st->started = true;
	st->segments = ddb_segment_count(&sc->opts, sc->conn);
	st->segment = 0;
	nworkers = Min(ddb_max_workers_per_scan, st->segments);
	st->workers_planned = st->segments > 1 ? nworkers : 0;
	if (st->segments > 1 && nworkers > 0)
		st->parallel = ddb_parallel_begin(node->ss.ss_currentRelation, st->needed,
										  sc->conn, st->segments, nworkers, NULL,
										  node->ss.ps.state->es_query_cxt);
	st->workers_launched = ddb_parallel_workers(st->parallel);
	if (st->parallel == NULL)
		ddb_scanner_restart(sc, 0, st->segments > 1 ? st->segments : 0, NULL);
}

/* The next row from the workers, or an empty slot at the end. */
static TupleTableSlot *
iterate_parallel(DdbScanState *st, TupleTableSlot *slot)
{
	DdbParMessage msg;

	while (ddb_parallel_next(st->parallel, &msg))
	{
		if (msg.kind == DDB_PAR_TUPLE)
		{
			ExecForceStoreMinimalTuple(msg.tuple, slot, false);
			return slot;
		}
		st->par_stats.pages++;
		st->par_stats.items += msg.nitems;
		st->par_stats.scanned += msg.scanned;
		st->par_stats.capacity += msg.capacity;
	}
	return ExecClearTuple(slot);
}

static TupleTableSlot *
ddbIterateForeignScan(ForeignScanState *node)
{
	DdbScanState *st = node->fdw_state;
	DdbScanner *sc = st->scanner;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	int			natts = slot->tts_tupleDescriptor->natts;

	if (!st->started)
		start_scan(node, st);
	if (st->parallel)
		return iterate_parallel(st, slot);

	/* the leader alone: the segments one after another */
	while (st->next >= sc->page.nitems)
	{
		if (!ddb_scanner_next_page(sc))
		{
			if (st->segment + 1 >= st->segments)
				return ExecClearTuple(slot);
			st->segment++;
			ddb_scanner_restart(sc, st->segment, st->segments, NULL);
			continue;
		}
		st->next = 0;
	}

	ExecClearTuple(slot);
	if (sc->page.values)
	{
		memcpy(slot->tts_values, sc->page.values + (size_t) st->next * natts,
			   sizeof(Datum) * natts);
		memcpy(slot->tts_isnull, sc->page.nulls + (size_t) st->next * natts,
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

	ddb_parallel_end(st->parallel);
	st->parallel = NULL;
	st->started = false;
	st->next = 0;
	ddb_scanner_restart(st->scanner, 0, 0, NULL);
}

static void
ddbEndForeignScan(ForeignScanState *node)
{
	DdbScanState *st = node->fdw_state;

	if (st == NULL)
		return;
	ddb_parallel_end(st->parallel);
	st->parallel = NULL;
	ddb_scanner_free(st->scanner);
	node->fdw_state = NULL;
}

static void
ddbExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	DdbScanState *st = node->fdw_state;
	DdbScanner *sc = st->scanner;
	DdbScanStats stats = sc->stats;
	char		buf[32];

	ExplainPropertyText("DynamoDB Operation", "Scan", es);
	ExplainPropertyText("DynamoDB Table", sc->opts.table_name, es);
	if (es->verbose)
	{
		ExplainPropertyText("DynamoDB Projection",
							sc->projected_list ? sc->projected_list : "all attributes",
							es);
		ExplainPropertyText("Page Size",
							ddb_page_size_name(sc->opts.page_size, buf, sizeof(buf)),
							es);
	}

	/*
	 * Segments: what the option says before the scan ran ("auto" is decided
	 * from the table's size when it starts), what was used after.
	 */
	if (st->started)
	{
		if (st->segments > 1 || es->verbose)
		{
			ExplainPropertyInteger("DynamoDB Segments", NULL, st->segments, es);
			ExplainPropertyInteger("Workers Planned", NULL, st->workers_planned, es);
			ExplainPropertyInteger("Workers Launched", NULL, st->workers_launched, es);
		}
	}
	else
	{
		int			segments = sc->opts.segments;

		if (segments != DDB_SEGMENTS_AUTO)
			segments = Min(segments, ddb_max_segments);
		if (segments != 1 || es->verbose)
		{
			ExplainPropertyText("DynamoDB Segments",
								ddb_segments_name(segments, buf, sizeof(buf)), es);
			ExplainPropertyInteger("Workers Planned", NULL,
								   segments == 1 ? 0 :
								   segments == DDB_SEGMENTS_AUTO ? ddb_max_workers_per_scan :
								   Min(ddb_max_workers_per_scan, segments), es);
		}
	}

	if (es->analyze)
	{
		stats.pages += st->par_stats.pages;
		stats.items += st->par_stats.items;
		stats.scanned += st->par_stats.scanned;
		stats.capacity += st->par_stats.capacity;
		ExplainPropertyInteger("DynamoDB Pages", NULL, stats.pages, es);
		ExplainPropertyInteger("DynamoDB Items Returned", NULL, stats.items, es);
		ExplainPropertyInteger("DynamoDB Items Scanned", NULL, stats.scanned, es);
		ExplainPropertyFloat("DynamoDB Consumed Capacity", NULL,
							 stats.capacity, 1, es);
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
