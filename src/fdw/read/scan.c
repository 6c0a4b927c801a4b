/*-------------------------------------------------------------------------
 *
 * scan.c
 *		Executor callbacks of a foreign scan: the request built from the
 *		plan and this scan's values, page after page, by the backend or by
 *		segment workers (segments.c).
 *
 * The executor reads page by page into a memory context reset before each
 * page; a Scan of several segments uses segment workers.
 *
 * IDENTIFICATION
 *		src/fdw/read/scan.c
 *
 *-------------------------------------------------------------------------
 */
#include "scan.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/pg_foreign_table.h"
#include "commands/vacuum.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/builtins.h"
#include "utils/ruleutils.h"
#include "utils/sampling.h"
#include "utils/syscache.h"

#include "compat.h"

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
	List	   *priv = fsplan->fdw_private;
	/* a count (count.c) has no relation: the plan names the table */
	Oid			relid = rel ? RelationGetRelid(rel) :
		(Oid) intVal(list_nth(priv, DdbPrivCount));
	DdbTableMapping *map = ddb_mapping_get(relid);
	DdbScanState *st;
	ListCell   *lc;

	st = palloc0(sizeof(DdbScanState));
	node->fdw_state = st;
	st->needed = palloc0(sizeof(bool) * Max(map->natts, 1));
	foreach(lc, (List *) list_nth(priv, DdbPrivRetrievedAttrs))
		st->needed[lfirst_int(lc) - 1] = true;
	st->op = intVal(list_nth(priv, DdbPrivOperation));
	st->index_name = strVal(list_nth(priv, DdbPrivIndex));
	st->key_conds = list_nth(priv, DdbPrivKeyConds);
	st->filters = list_nth(priv, DdbPrivFilters);
	st->limit_hint = intVal(list_nth(priv, DdbPrivLimitHint));
	st->value_names = list_nth(priv, DdbPrivValueNames);
	st->backward = intVal(list_nth(priv, DdbPrivBackward)) != 0;
	st->count = rel == NULL;
	st->read_units = floatVal(list_nth(priv, DdbPrivReadUnits));
	st->merge = intVal(list_nth(priv, DdbPrivMerge));
	st->counted = -1;
	st->fdw_exprs = fsplan->fdw_exprs;
	/* EXPLAIN without running needs no user mapping, nor a connection */
	st->scanner = ddb_scanner_create(map, st->needed,
									 (eflags & EXEC_FLAG_EXPLAIN_ONLY) ? InvalidOid :
									 ddb_scan_user(fsplan, estate),
									 estate->es_query_cxt);
	if (st->count)
	{
		/* Select COUNT: no attributes, so no projection names either */
		st->scanner->select = "COUNT";
		st->scanner->projection = NULL;
		st->scanner->projection_names = NULL;
		st->scanner->projected_list = "none (Select COUNT)";
	}
	/* an index chosen by the planner (the table's own option stays) */
	if (st->index_name[0] != '\0')
		st->scanner->opts.index_name = st->index_name;
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	st->value_states = ExecInitExprList(st->fdw_exprs, (PlanState *) node);
	st->values_cxt = AllocSetContextCreate(estate->es_query_cxt, "ddb_fdw values",
										   ALLOCSET_SMALL_SIZES);
}

/*
 * Builds the request from this (re)scan's values, decides the segments and
 * launches the workers, at the first row asked for (not at executor start:
 * EXPLAIN and plans never run cost nothing).
 */
static void
start_scan(ForeignScanState *node, DdbScanState *st)
{
	DdbScanner *sc = st->scanner;
	DdbCondValues vals;
	DdbRequestParts parts;
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	char	   *values = NULL;
	int			nworkers;

	st->started = true;
	MemoryContextReset(st->values_cxt);
	ddb_eval_cond_values(st->value_states, econtext, st->fdw_exprs, st->values_cxt, &vals);
	st->segments = 1;
	st->segment = 0;
	st->workers_planned = 0;
	if (ddb_multi_query_wanted(st))
	{
		/* a list of partition keys: a Query each (multiquery.c) */
		ddb_multi_query_start(st, &vals);
		return;
	}
	{
		MemoryContext old = MemoryContextSwitchTo(st->values_cxt);

		ddb_build_request(st->scanner->map, st->op, st->key_conds,
						  st->filters, &vals, &parts);
		if (parts.nvalues > 0)
			values = psprintf("{%s}", parts.values.data);
		MemoryContextSwitchTo(old);
	}
	st->empty = parts.empty;
	/* refused before anything is sent (readunits.c) */
	if (!st->empty)
		ddb_check_read_units(st, &sc->opts, sc->map->relname);
	ddb_scanner_set_request(sc, st->op, parts.key_condition, parts.filter,
							parts.names.data, values, parts.keys, st->limit_hint);
	sc->backward = st->backward;
	if (st->op == DDB_OP_SCAN && st->limit_hint == 0 && !st->empty)
	{
		st->segments = ddb_segment_count(&sc->opts, sc->conn);
		nworkers = Min(ddb_max_workers_per_scan, st->segments);
		st->workers_planned = st->segments > 1 ? nworkers : 0;
		if (st->segments > 1 && nworkers > 0)
		{
			DdbParallelRequest req;

			req.filter = parts.filter;
			req.names = parts.names.data;
			req.values = values;
			req.select = sc->select;
			st->parallel = ddb_parallel_begin(sc->map, st->needed,
											  sc->conn, st->segments, nworkers, NULL,
											  (parts.filter || sc->select) ? &req : NULL,
											  node->ss.ps.state->es_query_cxt);
		}
	}
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
		st->par_stats.retries += msg.retries;
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
	if (st->count)
		return ddb_count_iterate(node, st);
	if (st->empty)
		return ExecClearTuple(slot);
	if (st->multi)
		return ddb_multi_query_iterate(st, slot);
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

	return ddb_store_row(slot, sc->page.values, sc->page.nulls, natts, st->next++);
}

/*
 * Stores row r of a page's values and nulls (natts each; values NULL:
 * nothing decoded, every column NULL) into the slot, as a virtual tuple.
 */
TupleTableSlot *
ddb_store_row(TupleTableSlot *slot, const Datum *values, const bool *nulls, int natts, int r)
{
	ExecClearTuple(slot);
	if (values)
	{
		memcpy(slot->tts_values, values + (size_t) r * natts, sizeof(Datum) * natts);
		memcpy(slot->tts_isnull, nulls + (size_t) r * natts, sizeof(bool) * natts);
	}
	else
		memset(slot->tts_isnull, true, sizeof(bool) * natts);
	return ExecStoreVirtualTuple(slot);
}

static void
ddbReScanForeignScan(ForeignScanState *node)
{
	DdbScanState *st = node->fdw_state;

	ddb_parallel_end(st->parallel);
	st->parallel = NULL;
	ddb_multi_query_end(st);
	st->started = false;
	st->empty = false;
	st->next = 0;
	st->counted = -1;
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
	ddb_multi_query_end(st);
	ddb_scanner_free(st->scanner);
	node->fdw_state = NULL;
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
	routine->AnalyzeForeignTable = ddbAnalyzeForeignTable;
	routine->GetForeignUpperPaths = ddbGetForeignUpperPaths;
}
