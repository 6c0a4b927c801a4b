/*-------------------------------------------------------------------------
 *
 * explain.c
 *		EXPLAIN of a foreign scan: the DynamoDB operation, index, key
 *		condition or keys, filter, projection, page size and segments; with
 *		ANALYZE, pages, items, retries and consumed capacity.
 *
 * IDENTIFICATION
 *		src/fdw/read/explain.c
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
#include "write/encode.h"

void
ddbExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	DdbScanState *st = node->fdw_state;
	DdbScanner *sc = st->scanner;
	DdbScanStats stats = sc->stats;
	char		buf[32];
	List	   *dpcontext;

	ExplainPropertyText("DynamoDB Operation", ddb_operation_name(st->op), es);
	ExplainPropertyText("DynamoDB Table", sc->opts.table_name, es);
	if (sc->opts.index_name)
		ExplainPropertyText("DynamoDB Index", sc->opts.index_name, es);
	dpcontext = set_deparse_context_plan(es->deparse_cxt, node->ss.ps.plan, NIL);
	if (st->key_conds != NIL)
		ExplainPropertyText(st->op == DDB_OP_QUERY ? "DynamoDB Key Condition" : "DynamoDB Keys",
							ddb_cond_display(st->scanner->map, st->key_conds, st->fdw_exprs,
											 st->value_names, dpcontext),
							es);
	ddb_multi_query_explain(st, es);
	if (st->count)
		ExplainPropertyText("DynamoDB Select", "COUNT", es);
	if (st->op == DDB_OP_QUERY && st->backward)
		ExplainPropertyText("DynamoDB Scan Index Forward", "false", es);
	if (es->costs && st->read_units >= 0)
		ExplainPropertyFloat("DynamoDB Estimated Read Units", NULL, st->read_units, 1, es);
	if (st->filters != NIL)
		ExplainPropertyText("DynamoDB Filter",
							ddb_cond_display(st->scanner->map, st->filters, st->fdw_exprs,
											 st->value_names, dpcontext),
							es);
	if (es->verbose)
	{
		ExplainPropertyText("DynamoDB Projection",
							sc->projected_list ? sc->projected_list : "all attributes",
							es);
		if (sc->opts.consistent_read)
			ExplainPropertyText("DynamoDB Read", "consistent", es);
		if (st->op == DDB_OP_SCAN || st->op == DDB_OP_QUERY)
			ExplainPropertyText("Page Size",
								ddb_page_size_name(sc->opts.page_size, buf, sizeof(buf)),
								es);
		if (st->limit_hint > 0)
			ExplainPropertyInteger("DynamoDB Limit", NULL, st->limit_hint, es);
	}

	/*
	 * Segments of a Scan: what the option says before the scan ran ("auto"
	 * is decided from the table's size when it starts), what was used after.
	 */
	if (st->op == DDB_OP_SCAN && st->started)
	{
		if (st->segments > 1 || es->verbose)
		{
			ExplainPropertyInteger("DynamoDB Segments", NULL, st->segments, es);
			ExplainPropertyInteger("Workers Planned", NULL, st->workers_planned, es);
			ExplainPropertyInteger("Workers Launched", NULL, st->workers_launched, es);
		}
	}
	else if (st->op == DDB_OP_SCAN)
	{
		int			segments = sc->opts.segments;

		if (st->limit_hint > 0)
			segments = 1;
		else if (segments != DDB_SEGMENTS_AUTO)
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
		stats.retries += st->par_stats.retries;
		ExplainPropertyInteger("DynamoDB Pages", NULL, stats.pages, es);
		ExplainPropertyInteger("DynamoDB Items Returned", NULL, stats.items, es);
		ExplainPropertyInteger("DynamoDB Items Scanned", NULL, stats.scanned, es);
		ExplainPropertyInteger("DynamoDB Retries", NULL, stats.retries, es);
		ExplainPropertyFloat("DynamoDB Consumed Capacity", NULL,
							 stats.capacity, 1, es);
	}
}


/* ----------------------------------------------------------------
 * EXPLAIN
 * ----------------------------------------------------------------
 */
const char *
ddb_operation_name(DdbOperation op)
{
	switch (op)
	{
		case DDB_OP_SCAN:
			return "Scan";
		case DDB_OP_QUERY:
			return "Query";
		case DDB_OP_GET:
			return "GetItem";
		case DDB_OP_BATCH:
			return "BatchGetItem";
	}
	return "?";
}

/* Plain attribute names bare, others as JSON strings. */
static void
append_attribute_display(StringInfo s, const char *name)
{
	if (name[0] != '\0' &&
		strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == strlen(name) &&
		!isdigit((unsigned char) name[0]))
		appendStringInfoString(s, name);
	else
		ddb_append_json_string(s, name, strlen(name));
}

/* Value i as the planner named it, else deparsed. */
static char *
value_display(List *fdw_exprs, List *names, int i, List *dpcontext)
{
	if (names && i < list_length(names) && strVal(list_nth(names, i))[0] != '\0')
		return strVal(list_nth(names, i));
	return deparse_expression(list_nth(fdw_exprs, i), dpcontext, false, false);
}

static void
display_cond(StringInfo s, const DdbTableMapping *map, List *cond, List *fdw_exprs,
			 List *names, List *dpcontext, bool top)
{
	int			op = COND_OP(cond);
	const char *attribute;
	ListCell   *lc;

	if (op == DDB_COND_AND || op == DDB_COND_OR)
	{
		bool		first = true;

		if (!top || op == DDB_COND_OR)
			appendStringInfoChar(s, '(');
		foreach(lc, (List *) lsecond(cond))
		{
			if (!first)
				appendStringInfoString(s, op == DDB_COND_AND ? " AND " : " OR ");
			display_cond(s, map, lfirst(lc), fdw_exprs, names, dpcontext, false);
			first = false;
		}
		if (!top || op == DDB_COND_OR)
			appendStringInfoChar(s, ')');
		return;
	}
	attribute = map->columns[COND_ATTNUM(cond) - 1].attribute;
#define VALUE(k) value_display(fdw_exprs, names, list_nth_int(COND_VALUES(cond), k), dpcontext)
	switch (op)
	{
		case DDB_COND_IS_NULL:
		case DDB_COND_NOT_NULL:
			append_attribute_display(s, attribute);
			appendStringInfoString(s, op == DDB_COND_IS_NULL ? " IS NULL" : " IS NOT NULL");
			break;
		case DDB_COND_BEGINS:
			appendStringInfoString(s, "begins_with(");
			append_attribute_display(s, attribute);
			appendStringInfo(s, ", %s)", VALUE(0));
			break;
		case DDB_COND_BETWEEN:
			append_attribute_display(s, attribute);
			appendStringInfo(s, " BETWEEN %s AND %s", VALUE(0), VALUE(1));
			break;
		case DDB_COND_IN:
			{
				int			k;

				append_attribute_display(s, attribute);
				if (list_length(COND_VALUES(cond)) == 1 && linitial_int(COND_ARRAYS(cond)))
				{
					appendStringInfo(s, " = ANY (%s)", VALUE(0));
					break;
				}
				appendStringInfoString(s, " IN (");
				for (k = 0; k < list_length(COND_VALUES(cond)); k++)
					appendStringInfo(s, "%s%s", k ? ", " : "", VALUE(k));
				appendStringInfoChar(s, ')');
				break;
			}
		default:
			append_attribute_display(s, attribute);
			appendStringInfo(s, " %s %s", ddb_cond_op_text(op), VALUE(0));
			break;
	}
#undef VALUE
}

char *
ddb_cond_display(const DdbTableMapping *map, List *conds, List *fdw_exprs, List *names,
				 List *dpcontext)
{
	StringInfoData s;
	ListCell   *lc;

	initStringInfo(&s);
	foreach(lc, conds)
	{
		if (s.len > 0)
			appendStringInfoString(&s, " AND ");
		display_cond(&s, map, lfirst(lc), fdw_exprs, names, dpcontext,
					 list_length(conds) == 1);
	}
	return s.data;
}
