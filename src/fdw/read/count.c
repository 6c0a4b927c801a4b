/*-------------------------------------------------------------------------
 *
 * count.c
 *		count(*) and count(column) counted by DynamoDB: Scan or Query with
 *		Select COUNT, so that nothing but counts crosses the wire.
 *
 * The aggregate is pushed when DynamoDB's count is the query's: no GROUP
 * BY, HAVING or other aggregate, and every WHERE condition evaluated by
 * DynamoDB exactly -- PostgreSQL cannot check again what it never sees:
 *
 *	- a Query's key condition: the partition key equal to a value, and at
 *	  most one sort key condition that is sent as written (=, <, <=, >, >=,
 *	  begins_with, or >= with <= as BETWEEN);
 *	- filters on key attributes (always present, always of the key's
 *	  type, so the "OR NOT attribute_type" guard never lets an item
 *	  through), and IS [NOT] NULL on any attribute;
 *	- constant values that DynamoDB can hold.
 *
 * count(column) adds "the attribute exists and is not NULL" to the filter.
 * A full Scan counts segment by segment in the segment workers.
 *
 * IDENTIFICATION
 *		src/fdw/read/count.c
 *
 *-------------------------------------------------------------------------
 */
#include "scan.h"

#include <math.h>

#include "access/sysattr.h"
#include "catalog/pg_aggregate.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "utils/fmgroids.h"

#include "compat.h"

/* Whether every value of leaf c is a constant DynamoDB can hold. */
static bool
values_sendable(List *c)
{
	ListCell   *lc;

	foreach(lc, COND_VALUES(c))
	{
		Node	   *v = lfirst(lc);

		if (!IsA(v, Const) || ((Const *) v)->constisnull)
			return false;
	}
	return ddb_cond_consts_sendable(c);
}

/* Whether c (a filter) is evaluated exactly: see the file header. */
static bool
exact_filter(DdbRelInfo *info, List *c)
{
	int			op = COND_OP(c);
	AttrNumber	attnum;
	int			k;

	if (op == DDB_COND_AND || op == DDB_COND_OR)
	{
		ListCell   *lc;

		foreach(lc, (List *) lsecond(c))
			if (!exact_filter(info, lfirst(lc)))
				return false;
		return true;
	}
	if (op == DDB_COND_IS_NULL || op == DDB_COND_NOT_NULL)
		return true;
	attnum = COND_ATTNUM(c);
	if (info->map->columns[attnum - 1].format != DDB_FORMAT_DEFAULT ||
		op == DDB_COND_BETWEEN)
		return false;
	for (k = 0; k < info->map->nkeys; k++)
		if (info->map->key_attnum[k] == attnum && info->map->key_type[k] != '\0' &&
			info->map->key_type[k] == COND_TAG(c))
			return values_sendable(c);
	return false;
}

/*
 * Whether the Query of ks for rinfos counts exactly what PostgreSQL would:
 * sets *m.  Conditions beside the key must be IS [NOT] NULL.
 */
static bool
exact_query(PlannerInfo *root, RelOptInfo *baserel, DdbRelInfo *info, DdbKeySet *ks,
			DdbKeyMatch *m)
{
	int			nsk = 0;
	int			ops[2] = {-1, -1};
	ListCell   *lc;

	if (!ddb_match_keys(info, baserel->relid, ks, baserel->baserestrictinfo, false, m) ||
		m->operation != DDB_OP_QUERY || COND_OP(m->pk) != DDB_COND_EQ ||
		!values_sendable(m->pk))
		return false;
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		List	   *c = ddb_translate_clause(info, baserel->relid, ri->clause, false);

		if (c == NIL)
			return false;
		if (COND_OP(c) < DDB_COND_AND && COND_ATTNUM(c) == ks->pk_attnum)
		{
			if (!equal(c, m->pk))
				return false;
			continue;
		}
		if (COND_OP(c) < DDB_COND_AND && ks->sk_attnum != 0 && COND_ATTNUM(c) == ks->sk_attnum)
		{
			if (nsk == 2 || info->map->columns[ks->sk_attnum - 1].format != DDB_FORMAT_DEFAULT ||
				!values_sendable(c))
				return false;
			ops[nsk++] = COND_OP(c);
			continue;
		}
		if (COND_OP(c) != DDB_COND_IS_NULL && COND_OP(c) != DDB_COND_NOT_NULL)
			return false;
	}
	if (nsk == 1)
		return ops[0] == DDB_COND_EQ || ops[0] == DDB_COND_LT || ops[0] == DDB_COND_LE ||
			ops[0] == DDB_COND_GT || ops[0] == DDB_COND_GE || ops[0] == DDB_COND_BEGINS;
	if (nsk == 2)
		return (ops[0] == DDB_COND_GE && ops[1] == DDB_COND_LE) ||
			(ops[0] == DDB_COND_LE && ops[1] == DDB_COND_GE);
	return true;
}

/*
 * The count(*) or count(column) of the target, or NULL.  *column is the
 * column a count(column) counts (0 for count(*) and the whole item).
 */
static Aggref *
count_aggregate(PlannerInfo *root, RelOptInfo *input_rel, PathTarget *target,
				DdbRelInfo *info, AttrNumber *column)
{
	Aggref	   *agg;
	Node	   *arg;

	if (list_length(target->exprs) != 1 || !IsA(linitial(target->exprs), Aggref))
		return NULL;
	agg = linitial(target->exprs);
	if (agg->aggdistinct || agg->aggorder || agg->aggfilter || agg->aggkind != AGGKIND_NORMAL ||
		agg->agglevelsup != 0)
		return NULL;
	*column = 0;
	if (agg->aggfnoid == F_COUNT_)
		return agg;
	if (agg->aggfnoid != F_COUNT_ANY || list_length(agg->args) != 1)
		return NULL;
	arg = (Node *) ((TargetEntry *) linitial(agg->args))->expr;
	while (arg && IsA(arg, RelabelType))
		arg = (Node *) ((RelabelType *) arg)->arg;
	if (arg == NULL || !IsA(arg, Var) || ((Var *) arg)->varno != (int) input_rel->relid ||
		((Var *) arg)->varlevelsup != 0 || ((Var *) arg)->varattno <= 0)
		return NULL;
	if (info->map->columns[((Var *) arg)->varattno - 1].whole_item)
		return agg;				/* every item has one */
	if (info->map->columns[((Var *) arg)->varattno - 1].attribute == NULL)
		return NULL;
	*column = ((Var *) arg)->varattno;
	return agg;
}

void
ddbGetForeignUpperPaths(PlannerInfo *root, UpperRelationKind stage,
						RelOptInfo *input_rel, RelOptInfo *output_rel,
						void *extra)
{
	Query	   *parse = root->parse;
	DdbRelInfo *info = input_rel->fdw_private;
	PathTarget *target = root->upper_targets[UPPERREL_GROUP_AGG];
	DdbKeyMatch m;
	AttrNumber	column;
	int			ks_index = -1;
	DdbOperation op = DDB_OP_SCAN;
	ListCell   *lc;
	Cost		startup;
	Cost		total;
	double		items;
	ForeignPath *path;
	List	   *keys = NIL;
	int			i;

	if (stage != UPPERREL_GROUP_AGG || !ddb_enable_pushdown ||
		input_rel->reloptkind != RELOPT_BASEREL || info == NULL ||
		output_rel->fdw_private != NULL)
		return;
	if (parse->groupClause || parse->groupingSets || parse->havingQual ||
		parse->hasWindowFuncs || parse->hasTargetSRFs || target == NULL ||
		count_aggregate(root, input_rel, target, info, &column) == NULL)
		return;

	/* a Query of a key set, else a Scan with exact filters */
	i = 0;
	foreach(lc, info->key_sets)
	{
		if (!(((DdbKeySet *) lfirst(lc))->global && info->opts.consistent_read) &&
			exact_query(root, input_rel, info, lfirst(lc), &m))
		{
			ks_index = i;
			op = DDB_OP_QUERY;
			keys = m.sk ? list_make2(m.pk, m.sk) : list_make1(m.pk);
			break;
		}
		i++;
	}
	if (op == DDB_OP_SCAN)
	{
		if (list_length(info->filters) != list_length(input_rel->baserestrictinfo))
			return;
		foreach(lc, info->filters)
			if (!exact_filter(info, lfirst(lc)))
				return;
	}

	/*
	 * The requests of the read, without transferring or decoding an item:
	 * cheaper than the same read under an Agg whatever its size.
	 */
	items = op == DDB_OP_QUERY ?
		clamp_row_est(info->items * clauselist_selectivity(root, m.clauses, input_rel->relid,
														   JOIN_INNER, NULL)) :
		info->items;
	ddb_read_cost(info, items, 0, 1, 0, true, &startup, &total);
	output_rel->fdw_private = input_rel;
	path = create_foreign_upper_path(root, output_rel, target, 1,
									 total, total + items * cpu_operator_cost,
									 NIL, NULL,
									 ddb_path_private(op, ks_index,
													  keys ? linitial(keys) : NIL,
													  list_length(keys) > 1 ? lsecond(keys) : NIL,
													  0, false, items, 1));
	/* DDB_PATH_COUNT_COLUMN */
	path->fdw_private = lappend(path->fdw_private, makeInteger(column));
	add_path(output_rel, (Path *) path);
}

/*
 * The filter count(column) adds: the attribute exists and is not NULL (a
 * condition in plan form, values none).
 */
List *
ddb_count_column_filter(AttrNumber column, char tag)
{
	return list_make5(makeInteger(DDB_COND_NOT_NULL), makeInteger(column),
					  makeInteger(tag), NIL, NIL);
}

/* Reads every page with Select COUNT; returns the total. */
static int64
count_pages(DdbScanState *st)
{
	DdbScanner *sc = st->scanner;
	int64		total = 0;

	if (st->empty)
		return 0;
	if (st->parallel)
	{
		DdbParMessage msg;

		while (ddb_parallel_next(st->parallel, &msg))
		{
			if (msg.kind != DDB_PAR_PAGE)
				continue;
			total += msg.nitems;
			st->par_stats.pages++;
			st->par_stats.items += msg.nitems;
			st->par_stats.scanned += msg.scanned;
			st->par_stats.capacity += msg.capacity;
			st->par_stats.retries += msg.retries;
		}
		return total;
	}
	for (;;)
	{
		if (!ddb_scanner_next_page(sc))
		{
			if (st->segment + 1 >= st->segments)
				break;
			st->segment++;
			ddb_scanner_restart(sc, st->segment, st->segments, NULL);
			continue;
		}
		total += sc->page.count;
	}
	return total;
}

TupleTableSlot *
ddb_count_iterate(ForeignScanState *node, DdbScanState *st)
{
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	ExecClearTuple(slot);
	if (st->counted >= 0)
		return slot;			/* the one row was returned */
	st->counted = count_pages(st);
	slot->tts_values[0] = Int64GetDatum(st->counted);
	slot->tts_isnull[0] = false;
	return ExecStoreVirtualTuple(slot);
}
