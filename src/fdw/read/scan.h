/*-------------------------------------------------------------------------
 *
 * scan.h
 *		What the planner (plan.c), the executor (scan.c), EXPLAIN
 *		(explain.c) and ANALYZE (analyze.c) of a foreign scan share.
 *
 * IDENTIFICATION
 *		src/fdw/read/scan.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_SCAN_H
#define DDB_SCAN_H

#include "ddb_fdw.h"

#include "commands/explain.h"
#include "nodes/pathnodes.h"

#include "pushdown.h"
#include "scanner.h"
#include "segments.h"

/* fdw_private of the ForeignScan plan node */
enum DdbScanPrivateIndex
{
	DdbPrivRetrievedAttrs,		/* IntList: attribute numbers needed */
	DdbPrivOperation,			/* Integer: DdbOperation */
	DdbPrivIndex,				/* String: index name, "" for none */
	DdbPrivKeyConds,			/* List: (partition key cond [, sort key cond]) */
	DdbPrivFilters,				/* List: conditions DynamoDB filters by */
	DdbPrivLimitHint,			/* Integer: rows needed at most, 0: all */
	DdbPrivValueNames,			/* List of String: how EXPLAIN shows each of
								 * fdw_exprs ("": deparse it) */
	DdbPrivBackward,			/* Integer: Query with ScanIndexForward false */
	DdbPrivCount,				/* Integer: the foreign table of a Select
								 * COUNT (count.c), 0: not one */
	DdbPrivReadUnits,			/* Float: estimated read units, -1 unknown */
	DdbPrivMerge				/* Integer: Queries of several partitions
								 * merged by this (sort key) column, 0: not */
};

/*
 * fdw_private of a ForeignPath: (op, key set, keys, limit, backward, items
 * read, requests), see ddb_path_private; a count (count.c) adds its column
 */
#define DDB_PATH_OP(p)			intVal(linitial(p))
#define DDB_PATH_KEY_SET(p)		intVal(lsecond(p))
#define DDB_PATH_KEYS(p)		((List *) lthird(p))
#define DDB_PATH_LIMIT(p)		intVal(lfourth(p))
#define DDB_PATH_BACKWARD(p)	intVal(list_nth(p, 4))
#define DDB_PATH_ITEMS(p)		floatVal(list_nth(p, 5))
#define DDB_PATH_REQUESTS(p)	floatVal(list_nth(p, 6))
#define DDB_PATH_COUNT_COLUMN(p) intVal(list_nth(p, 7))

/* Estimates when DynamoDB does not tell */
#define DEFAULT_ROWS 1000
#define DEFAULT_ITEM_BYTES 400.0
#define REQUEST_COST 100.0		/* one round trip */
#define ITEM_COST 0.02			/* transfer and decoding per item */

typedef struct DdbScanState
{
	DdbScanner *scanner;
	bool	   *needed;			/* attributes to produce, by attnum - 1 */
	int			next;			/* next item of the page to return */
	bool		started;		/* request built, workers launched */
	bool		empty;			/* no item can match: nothing to ask */

	/* what the plan asks */
	DdbOperation op;
	char	   *index_name;
	List	   *key_conds;
	List	   *filters;
	long		limit_hint;
	bool		backward;		/* ScanIndexForward false */
	bool		count;			/* Select COUNT: one row, the count */
	int64		counted;		/* the items DynamoDB counted so far */
	double		read_units;		/* the plan's estimate, -1: unknown */
	AttrNumber	merge;			/* Queries of a key list merged by this
								 * column, 0: in list order */
	struct DdbMultiQuery *multi;	/* Queries of a key list, or NULL */
	int64		queries;		/* Queries of a key list sent so far */
	List	   *fdw_exprs;
	List	   *value_names;	/* for EXPLAIN */
	List	   *value_states;	/* ExprStates of fdw_exprs */
	MemoryContext values_cxt;	/* the values of one (re)scan */

	/* segments of a Scan */
	int			segments;		/* TotalSegments (1: not segmented) */
	int			segment;		/* the leader's, when it scans alone */
	int			workers_planned;
	DdbParallelScan *parallel;	/* NULL: the leader scans */
	int			workers_launched;
	DdbScanStats par_stats;		/* what the workers read */
} DdbScanState;

/* in plan.c */
extern void ddbGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
								 Oid foreigntableid);
extern void ddbGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
							   Oid foreigntableid);
extern ForeignScan *ddbGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
									  Oid foreigntableid, ForeignPath *best_path,
									  List *tlist, List *scan_clauses,
									  Plan *outer_plan);
extern List *ddb_path_private(DdbOperation op, int key_set, List *pk, List *sk,
							  long limit, bool backward, double items,
							  double requests);

/* in scan.c */
extern TupleTableSlot *ddb_store_row(TupleTableSlot *slot, const Datum *values,
									 const bool *nulls, int natts, int r);

/* in count.c */
extern void ddbGetForeignUpperPaths(PlannerInfo *root, UpperRelationKind stage,
									RelOptInfo *input_rel, RelOptInfo *output_rel,
									void *extra);
extern List *ddb_count_column_filter(AttrNumber column, char tag);
extern TupleTableSlot *ddb_count_iterate(ForeignScanState *node, DdbScanState *st);

/* in multiquery.c */
extern bool ddb_multi_query_wanted(DdbScanState *st);
extern void ddb_multi_query_start(DdbScanState *st, const DdbCondValues *vals);
extern TupleTableSlot *ddb_multi_query_iterate(DdbScanState *st, TupleTableSlot *slot);
extern void ddb_multi_query_end(DdbScanState *st);
extern void ddb_multi_query_explain(DdbScanState *st, ExplainState *es);

/* in readunits.c */
extern void ddb_read_cost(DdbRelInfo *info, double read, double returned,
						  double requests, int nclauses, bool all_first_pages,
						  Cost *startup, Cost *total);
extern double ddb_estimate_read_units(DdbRelInfo *info, DdbOperation op,
									  const char *index, double items,
									  double requests, long limit);
extern void ddb_check_read_units(DdbScanState *st, const DdbOptions *opts,
								 const char *relname);

/* in order.c */
extern List *ddb_sort_key_pathkeys(PlannerInfo *root, RelOptInfo *baserel,
								   DdbRelInfo *info, DdbKeySet *ks, bool backward);
extern long ddb_path_limit(PlannerInfo *root, DdbRelInfo *info, List *pathkeys);

/* in explain.c */
extern void ddbExplainForeignScan(ForeignScanState *node, ExplainState *es);

/* in analyze.c */
extern bool ddbAnalyzeForeignTable(Relation relation, AcquireSampleRowsFunc *func,
								   BlockNumber *totalpages);

#endif							/* DDB_SCAN_H */
