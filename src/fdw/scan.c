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
	int			next;			/* next item of the page to return */
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
	bool	   *needed;
	ListCell   *lc;

	st = palloc0(sizeof(DdbScanState));
	node->fdw_state = st;
	needed = palloc0(sizeof(bool) * Max(tupdesc->natts, 1));
	foreach(lc, retrieved)
		needed[lfirst_int(lc) - 1] = true;
	st->scanner = ddb_scanner_create(rel, needed, estate->es_query_cxt);
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	ddb_scanner_connect(st->scanner, ddb_scan_user(fsplan, estate));
}

static TupleTableSlot *
ddbIterateForeignScan(ForeignScanState *node)
{
	DdbScanState *st = node->fdw_state;
	DdbScanner *sc = st->scanner;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	int			natts = slot->tts_tupleDescriptor->natts;

	while (st->next >= sc->page.nitems)
	{
		if (!ddb_scanner_next_page(sc))
			return ExecClearTuple(slot);
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

	ddb_scanner_restart(st->scanner, 0, 0, NULL);
	st->next = 0;
}

static void
ddbEndForeignScan(ForeignScanState *node)
{
	DdbScanState *st = node->fdw_state;

	if (st == NULL)
		return;
	ddb_scanner_free(st->scanner);
	node->fdw_state = NULL;
}

static void
ddbExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	DdbScanner *st = ((DdbScanState *) node->fdw_state)->scanner;
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
