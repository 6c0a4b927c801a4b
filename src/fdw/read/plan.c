/*-------------------------------------------------------------------------
 *
 * plan.c
 *		Planner callbacks of a foreign scan: the table's keys and indexes,
 *		paths (Scan; GetItem, BatchGetItem and Query on the table or an index;
 *		parameterized keyed paths for joins) with their costs, and the plan.
 *
 * The planner offers, beside a full Scan, keyed paths for conditions on the
 * table's key or an index's key (shippable.c decides which conditions
 * qualify): GetItem for the whole key, BatchGetItem for keys in a list,
 * Query for the partition key (with a sort key condition), on the table or
 * on an index that projects every attribute the query needs.  Join clauses
 * on a key give parameterized paths: a nested loop then reads the items of
 * each outer row by key.  Other conditions become a FilterExpression.
 * Every condition is also checked by PostgreSQL.
 *
 * IDENTIFICATION
 *		src/fdw/read/plan.c
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
 * Planner: what the foreign table is
 * ----------------------------------------------------------------
 */

/* The column holding attribute name with a native type of tag (any if '\0'). */
static AttrNumber
key_column(DdbRelInfo *info, const char *name, char tag)
{
	int			i;

	if (name == NULL)
		return 0;
	for (i = 0; i < info->map->natts; i++)
	{
		const DdbColumnMap *pc = &info->map->columns[i];

		if (pc->attribute && strcmp(pc->attribute, name) == 0 && pc->native_tag != '\0' &&
			pc->native_tag != 'O' && (tag == '\0' || pc->native_tag == tag))
			return i + 1;
	}
	return 0;
}

static DdbKeySet *
make_key_set(DdbRelInfo *info, const char *index, bool global, bool unique,
			 const char *pk, char pk_type, const char *sk, char sk_type)
{
	DdbKeySet  *ks = palloc0(sizeof(DdbKeySet));

	ks->index_name = index;
	ks->global = global;
	ks->unique = unique;
	ks->pk_attnum = key_column(info, pk, pk_type);
	ks->has_sort_key = sk != NULL;
	ks->sk_attnum = key_column(info, sk, sk_type);
	ks->projects_all = true;
	return ks;
}

/*
 * The keys the planner can use: the table's (or, for a foreign table that
 * exposes an index, that index's) and each index's of the table.
 */
static void
build_key_sets(DdbRelInfo *info)
{
	const DdbTableDesc *desc = info->desc;
	const DdbTableMapping *m = info->map;
	const DdbOptions *o = &info->opts;
	int			i;

	if (o->index_name)
	{
		const DdbIndexDesc *ix = NULL;

		for (i = 0; desc && i < desc->nindexes; i++)
			if (strcmp(desc->indexes[i].name, o->index_name) == 0)
				ix = &desc->indexes[i];
		info->key_sets = list_make1(make_key_set(info, o->index_name, ix ? ix->global : false, false,
												 m->key_attr[0], m->key_type[0],
												 m->key_attr[1], m->key_type[1]));
		if (ix && ix->global && o->consistent_read)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("foreign table option \"consistent_read\" is not available on global secondary index \"%s\"",
							o->index_name),
					 errhint("DynamoDB reads global secondary indexes eventually consistently only; drop the option or use the table.")));
		return;
	}

	/* the table's own key, as the mapping resolved it */
	info->key_sets = list_make1(make_key_set(info, NULL, false, true,
											 m->key_attr[0], m->key_type[0],
											 m->key_attr[1], m->key_type[1]));
	for (i = 0; desc && i < desc->nindexes; i++)
	{
		const DdbIndexDesc *ix = &desc->indexes[i];
		DdbKeySet  *ks = make_key_set(info, ix->name, ix->global, false,
									  ix->key.partition_key, ix->key.partition_type,
									  ix->key.sort_key, ix->key.sort_type);
		int			k;

		/* what the index holds beside ALL: the keys, and INCLUDE's attributes */
		ks->projects_all = ix->projection_type == NULL ||
			strcmp(ix->projection_type, "ALL") == 0;
		if (!ks->projects_all)
		{
			const char *keys[4] = {desc->key.partition_key, desc->key.sort_key,
			ix->key.partition_key, ix->key.sort_key};

			for (k = 0; k < 4; k++)
				if (keys[k])
					ks->projected = lappend(ks->projected, makeString(pstrdup(keys[k])));
			for (k = 0; k < ix->non_key_attributes.n; k++)
				ks->projected = lappend(ks->projected,
										makeString(pstrdup(ix->non_key_attributes.items[k])));
		}
		if (ks->pk_attnum != 0)
			info->key_sets = lappend(info->key_sets, ks);
	}
}

/* Whether an index holds every attribute the query needs. */
static bool
index_covers(DdbRelInfo *info, DdbKeySet *ks)
{
	int			i;

	if (ks->projects_all)
		return true;
	for (i = 0; i < info->map->natts; i++)
	{
		const DdbColumnMap *pc = &info->map->columns[i];
		bool		found = false;
		ListCell   *lc;

		if (!bms_is_member(i + 1 - FirstLowInvalidHeapAttributeNumber, info->attrs_used) &&
			!bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, info->attrs_used))
			continue;
		if (pc->whole_item)
			return false;
		if (pc->attribute == NULL)
			continue;
		foreach(lc, ks->projected)
			if (strcmp(strVal(lfirst(lc)), pc->attribute) == 0)
				found = true;
		if (!found)
			return false;
	}
	return true;
}

void
ddbGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	DdbRelInfo *info = palloc0(sizeof(DdbRelInfo));
	DdbConnection *conn;
	DdbKeyMatch match;
	ListCell   *lc;
	double		sel;

	baserel->fdw_private = info;
	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid,
				   &info->attrs_used);
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);

		pull_varattnos((Node *) rinfo->clause, baserel->relid, &info->attrs_used);
	}

	/* keys, indexes and size: DescribeTable, cached per backend */
	info->map = ddb_mapping_get_resolved(foreigntableid, ddb_planner_user(root, baserel));
	info->opts = info->map->opts;
	conn = ddb_connection_if_mapped(info->map->serverid, ddb_planner_user(root, baserel),
									&info->opts);
	if (conn)
		info->desc = ddb_connection_table_desc(conn, info->opts.table_name);
	build_key_sets(info);

	/* conditions DynamoDB can filter by */
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);
		List	   *c = ddb_translate_clause(info, baserel->relid, rinfo->clause, false);

		if (c != NIL)
		{
			info->filters = lappend(info->filters, c);
			info->filter_clauses = lappend(info->filter_clauses, rinfo);
		}
	}

	/* a LIMIT on a query of this table alone */
	if (root->limit_tuples > 0 && root->limit_tuples < 1e9 &&
		bms_membership(root->all_baserels) == BMS_SINGLETON)
		info->limit_hint = (long) ceil(root->limit_tuples);

	/* estimates: ANALYZE's, else DescribeTable's ItemCount */
	if (baserel->tuples < 0 || (baserel->pages == 0 && baserel->tuples == 0))
		baserel->tuples = (info->desc && info->desc->item_count >= 0) ?
			(double) info->desc->item_count : DEFAULT_ROWS;
	info->items = Max(baserel->tuples, 1);
	info->avg_item_bytes = (info->desc && info->desc->item_count > 0 &&
							info->desc->size_bytes > 0) ?
		(double) info->desc->size_bytes / info->desc->item_count : DEFAULT_ITEM_BYTES;
	sel = clauselist_selectivity(root, baserel->baserestrictinfo, 0, JOIN_INNER, NULL);
	baserel->rows = clamp_row_est(baserel->tuples * sel);
	/* a whole key reads that many items at most */
	if (ddb_match_keys(info, baserel->relid, linitial(info->key_sets),
					   baserel->baserestrictinfo, false, &match) &&
		(match.operation == DDB_OP_GET || match.operation == DDB_OP_BATCH))
		baserel->rows = clamp_row_est(Min(baserel->rows, match.keys));
}

/* ----------------------------------------------------------------
 * Planner: paths
 * ----------------------------------------------------------------
 */

/*
 * A path's fdw_private (DDB_PATH_* in scan.h): what to ask, and for the
 * read-unit estimate (readunits.c) how many items it reads in how many
 * requests.
 */
List *
ddb_path_private(DdbOperation op, int key_set, List *pk, List *sk, long limit,
				 bool backward, double items, double requests)
{
	List	   *keys = NIL;
	List	   *p;

	if (pk != NIL)
		keys = sk != NIL ? list_make2(pk, sk) : list_make1(pk);
	p = list_make5(makeInteger(op), makeInteger(key_set), keys,
				   makeInteger(limit), makeInteger(backward));
	p = lappend(p, makeFloat(psprintf("%.1f", items)));
	return lappend(p, makeFloat(psprintf("%.1f", requests)));
}

/*
 * The items a keyed read returns: the keys' items, for a Query those that
 * pass its filter too (the conditions DynamoDB evaluates, but none on the
 * Query's key attributes: plan.c leaves those to PostgreSQL).
 */
static double
keyed_items_returned(PlannerInfo *root, RelOptInfo *baserel, DdbRelInfo *info,
					 DdbKeyMatch *m, DdbKeySet *ks, double read)
{
	List	   *sent = list_copy(m->clauses);
	ListCell   *lc;
	ListCell   *lf;

	if (m->operation != DDB_OP_QUERY)
		return read;
	forboth(lc, info->filter_clauses, lf, info->filters)
	{
		List	   *f = lfirst(lf);

		if (equal(ddb_cond_without(f, ks->pk_attnum, ks->sk_attnum), f))
			sent = list_append_unique_ptr(sent, lfirst(lc));
	}
	return Min(read, clamp_row_est(info->items *
								   clauselist_selectivity(root, sent, baserel->relid,
														  JOIN_INNER, NULL)));
}

/* A keyed path for match on key set ks (number ks_index). */
static void
add_keyed_path(PlannerInfo *root, RelOptInfo *baserel, DdbRelInfo *info,
			   DdbKeyMatch *m, int ks_index, ParamPathInfo *ppi)
{
	double		rows = ppi ? ppi->ppi_rows : baserel->rows;
	double		items;
	double		returned;
	double		requests;
	Cost		startup;
	Cost		total;
	List	   *clauses = baserel->baserestrictinfo;
	ForeignPath *path;

	if (ppi)
		clauses = list_concat_copy(clauses, ppi->ppi_clauses);
	if (m->operation == DDB_OP_GET || m->operation == DDB_OP_BATCH)
	{
		items = m->keys;
		requests = ceil(m->keys / DDB_BATCH_GET_MAX_KEYS);
	}
	else
	{
		/* the items of the partitions (and sort key range), one Query each */
		items = clamp_row_est(info->items *
							  clauselist_selectivity(root, m->clauses, baserel->relid,
													 JOIN_INNER, NULL));
		requests = Max(m->keys, 1);
	}
	returned = keyed_items_returned(root, baserel, info, m,
									list_nth(info->key_sets, ks_index), items);
	rows = Min(rows, returned);
	ddb_read_cost(info, items, returned, requests, list_length(clauses), false,
				  &startup, &total);
	path = ddb_create_foreignscan_path(root, baserel, clamp_row_est(rows),
									   startup, total,
									   ppi ? ppi->ppi_req_outer : NULL,
									   ddb_path_private(m->operation, ks_index, m->pk, m->sk,
														ppi ? 0 : ddb_path_limit(root, info, NIL),
														false, items, requests));
	add_path(baserel, (Path *) path);

	/*
	 * A Query returns the partition in sort key order, either way (order.c);
	 * Queries of several partitions are merged in that order (multiquery.c),
	 * so their first row waits for every Query's first page.
	 */
	if (m->operation == DDB_OP_QUERY)
	{
		int			dir;

		ddb_read_cost(info, items, returned, requests, list_length(clauses),
					  COND_OP(m->pk) == DDB_COND_IN, &startup, &total);
		for (dir = 0; dir < 2; dir++)
		{
			List	   *pathkeys = ddb_sort_key_pathkeys(root, baserel, info,
														 list_nth(info->key_sets, ks_index),
														 dir == 1);

			if (pathkeys == NIL)
				continue;
			path = ddb_create_foreignscan_path(root, baserel, clamp_row_est(rows),
											   startup, total,
											   ppi ? ppi->ppi_req_outer : NULL,
											   ddb_path_private(m->operation, ks_index, m->pk, m->sk,
																ppi ? 0 : ddb_path_limit(root, info, pathkeys),
																dir == 1, items, requests));
			path->path.pathkeys = pathkeys;
			add_path(baserel, (Path *) path);
		}
	}
}

/* ec_matches_callback_type: the member is our column arg */
static bool
ec_member_is_column(PlannerInfo *root, RelOptInfo *rel, EquivalenceClass *ec,
					EquivalenceMember *em, void *arg)
{
	Expr	   *e = em->em_expr;

	while (e && IsA(e, RelabelType))
		e = ((RelabelType *) e)->arg;
	return e && IsA(e, Var) && (Index) ((Var *) e)->varno == rel->relid &&
		((Var *) e)->varlevelsup == 0 &&
		((Var *) e)->varattno == *(AttrNumber *) arg;
}

/*
 * Parameterized paths: join clauses "key = outer value" let a nested loop
 * read the items of each outer row by key instead of scanning.
 */
static void
add_parameterized_paths(PlannerInfo *root, RelOptInfo *baserel, DdbRelInfo *info)
{
	List	   *candidates = NIL;	/* Relids */
	ListCell   *lc;
	ListCell   *lk;
	int			ks_index;

	foreach(lc, baserel->joininfo)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);

		if (join_clause_is_movable_to(rinfo, baserel))
			candidates = lappend(candidates, bms_del_member(bms_union(rinfo->clause_relids,
																	  baserel->lateral_relids),
															baserel->relid));
	}
	if (baserel->has_eclass_joins)
	{
		foreach(lk, info->key_sets)
		{
			DdbKeySet  *ks = lfirst(lk);
			AttrNumber	cols[2] = {ks->pk_attnum, ks->sk_attnum};
			int			k;

			for (k = 0; k < 2; k++)
			{
				List	   *clauses;

				if (cols[k] == 0)
					continue;
				clauses = generate_implied_equalities_for_column(root, baserel,
																 ec_member_is_column,
																 &cols[k],
																 baserel->lateral_referencers);
				foreach(lc, clauses)
				{
					RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);

					candidates = lappend(candidates,
										 bms_del_member(bms_union(rinfo->clause_relids,
																  baserel->lateral_relids),
														baserel->relid));
				}
			}
		}
	}

	foreach(lc, candidates)
	{
		Relids		required_outer = lfirst(lc);
		ParamPathInfo *ppi;
		List	   *clauses;
		ListCell   *prev;
		bool		seen = false;

		if (bms_is_empty(required_outer))
			continue;
		foreach(prev, candidates)
		{
			if (prev == lc)
				break;
			if (bms_equal(lfirst(prev), required_outer))
				seen = true;
		}
		if (seen)
			continue;
		ppi = get_baserel_parampathinfo(root, baserel, required_outer);
		clauses = list_concat_copy(baserel->baserestrictinfo, ppi->ppi_clauses);
		ks_index = 0;
		foreach(lk, info->key_sets)
		{
			DdbKeySet  *ks = lfirst(lk);
			DdbKeyMatch m;
			ListCell   *lm;
			bool		uses_join = false;

			if ((ks_index == 0 || index_covers(info, ks)) &&
				!(ks->global && info->opts.consistent_read) &&
				ddb_match_keys(info, baserel->relid, ks, clauses, true, &m))
			{
				/* only worth it when a key comes from the join */
				foreach(lm, m.clauses)
					if (list_member_ptr(ppi->ppi_clauses, lfirst(lm)))
						uses_join = true;
				if (uses_join)
					add_keyed_path(root, baserel, info, &m, ks_index, ppi);
			}
			ks_index++;
		}
	}
}

void
ddbGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	DdbRelInfo *info = baserel->fdw_private;
	Cost		startup;
	Cost		total;
	ListCell   *lc;
	int			ks_index = 0;

	/* the full Scan: the whole table read, the filters' items returned */
	ddb_read_cost(info, info->items,
				  clamp_row_est(info->items *
								clauselist_selectivity(root, info->filter_clauses,
													   baserel->relid, JOIN_INNER, NULL)),
				  1, list_length(baserel->baserestrictinfo), false, &startup, &total);

	/*
	 * DynamoDB updates the item count DescribeTable reports about every six
	 * hours, so a table that looks tiny may not be: a Scan costs one request
	 * more than its pages, and a keyed read of the same rows wins.
	 */
	startup += REQUEST_COST;
	total += REQUEST_COST;
	add_path(baserel, (Path *)
			 ddb_create_foreignscan_path(root, baserel, baserel->rows,
										 startup, total,
										 NULL, ddb_path_private(DDB_OP_SCAN, -1, NIL, NIL,
																ddb_path_limit(root, info, NIL),
																false, info->items, 1)));
	if (!ddb_enable_pushdown)
		return;

	foreach(lc, info->key_sets)
	{
		DdbKeySet  *ks = lfirst(lc);
		DdbKeyMatch m;

		if ((ks_index == 0 || index_covers(info, ks)) &&
			!(ks->global && info->opts.consistent_read) &&
			ddb_match_keys(info, baserel->relid, ks, baserel->baserestrictinfo, false, &m))
			add_keyed_path(root, baserel, info, &m, ks_index, NULL);
		ks_index++;
	}
	add_parameterized_paths(root, baserel, info);
}

/*
 * How EXPLAIN names the values: a column of an outer relation (a join on
 * the key) as "alias.column" -- by then it is only a nestloop parameter --
 * and other values by deparsing them then ("").
 */
static List *
value_names(PlannerInfo *root, RelOptInfo *baserel, List *fdw_exprs)
{
	List	   *names = NIL;
	ListCell   *lc;

	foreach(lc, fdw_exprs)
	{
		Node	   *e = lfirst(lc);
		char	   *name = "";

		while (e && IsA(e, RelabelType))
			e = (Node *) ((RelabelType *) e)->arg;
		if (e && IsA(e, Var) && ((Var *) e)->varlevelsup == 0 &&
			(Index) ((Var *) e)->varno != baserel->relid)
		{
			Var		   *var = (Var *) e;
			RangeTblEntry *rte = planner_rt_fetch(var->varno, root);

			if (var->varattno > 0 && var->varattno <= list_length(rte->eref->colnames))
				name = psprintf("%s.%s", quote_identifier(rte->eref->aliasname),
								quote_identifier(strVal(list_nth(rte->eref->colnames,
																 var->varattno - 1))));
		}
		else if (contain_var_clause((Node *) lfirst(lc)))
			name = "(a value of the outer row)";
		names = lappend(names, makeString(name));
	}
	return names;
}

ForeignScan *
ddbGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
				  ForeignPath *best_path, List *tlist, List *scan_clauses,
				  Plan *outer_plan)
{
	/* count(*) (count.c): the upper relation remembers the table's */
	bool		count = IS_UPPER_REL(baserel);
	RelOptInfo *scanrel = count ? (RelOptInfo *) baserel->fdw_private : baserel;
	DdbRelInfo *info = scanrel->fdw_private;
	RangeTblEntry *rte = planner_rt_fetch(scanrel->relid, root);
	Relation	rel = table_open(rte->relid, NoLock);
	TupleDesc	tupdesc = RelationGetDescr(rel);
	bool		whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber,
										  info->attrs_used);
	List	   *retrieved = NIL;
	List	   *fdw_exprs = NIL;
	List	   *key_conds = NIL;
	List	   *filters = NIL;
	DdbOperation op = DDB_PATH_OP(best_path->fdw_private);
	int			ks_index = DDB_PATH_KEY_SET(best_path->fdw_private);
	List	   *keys = DDB_PATH_KEYS(best_path->fdw_private);
	const char *index = "";
	DdbKeySet  *ks = NULL;
	List	   *private;
	AttrNumber	merge = 0;
	ListCell   *lc;
	int			i;

	for (i = 1; i <= tupdesc->natts && !count; i++)
	{
		if (TupleDescAttr(tupdesc, i - 1)->attisdropped)
			continue;
		if (whole_row ||
			bms_is_member(i - FirstLowInvalidHeapAttributeNumber, info->attrs_used))
			retrieved = lappend_int(retrieved, i);
	}
	table_close(rel, NoLock);

	foreach(lc, keys)
		key_conds = lappend(key_conds, ddb_cond_to_plan(lfirst(lc), &fdw_exprs));
	if (ks_index >= 0)
	{
		ks = list_nth(info->key_sets, ks_index);
		if (ks->index_name)
			index = ks->index_name;
	}
	/* Queries of several partitions in sort key order: merged by it */
	if (op == DDB_OP_QUERY && !count && best_path->path.pathkeys != NIL &&
		COND_OP(linitial(keys)) == DDB_COND_IN)
	{
		merge = ks->sk_attnum;
		if (!list_member_int(retrieved, merge))
			retrieved = lappend_int(retrieved, merge);
	}
	/* GetItem and BatchGetItem take no filter; a Query's names no key */
	if (op == DDB_OP_SCAN || op == DDB_OP_QUERY)
		foreach(lc, info->filters)
		{
			List	   *f = lfirst(lc);

			if (op == DDB_OP_QUERY)
				f = ddb_cond_without(f, ks->pk_attnum, ks->sk_attnum);
			if (f != NIL)
				filters = lappend(filters, ddb_cond_to_plan(f, &fdw_exprs));
		}
	/* count(column): the items whose attribute is there and not NULL */
	if (count && DDB_PATH_COUNT_COLUMN(best_path->fdw_private) != 0)
	{
		AttrNumber	column = DDB_PATH_COUNT_COLUMN(best_path->fdw_private);

		filters = lappend(filters,
						  ddb_count_column_filter(column, info->map->columns[column - 1].native_tag));
	}

	/* PostgreSQL checks every condition again (pushdown.c) */
	scan_clauses = extract_actual_clauses(scan_clauses, false);
	/* in the order of DdbScanPrivateIndex */
	private = list_make5(retrieved, makeInteger(op), makeString(pstrdup(index)),
						 key_conds, filters);
	private = lappend(private, makeInteger(DDB_PATH_LIMIT(best_path->fdw_private)));
	private = lappend(private, value_names(root, scanrel, fdw_exprs));
	private = lappend(private, makeInteger(DDB_PATH_BACKWARD(best_path->fdw_private)));
	/* DdbPrivCount: the foreign table's OID (the scan has no relation) */
	private = lappend(private, makeInteger(count ? (int) rte->relid : 0));
	private = lappend(private,
					  makeFloat(psprintf("%.1f",
										 ddb_estimate_read_units(info, op, index,
																 DDB_PATH_ITEMS(best_path->fdw_private),
																 DDB_PATH_REQUESTS(best_path->fdw_private),
																 DDB_PATH_LIMIT(best_path->fdw_private)))));
	private = lappend(private, makeInteger(merge));
	if (count)
		return make_foreignscan(tlist, NIL, 0, fdw_exprs, private, tlist, NIL, outer_plan);
	return make_foreignscan(tlist, scan_clauses, baserel->relid, fdw_exprs,
							private, NIL, NIL, outer_plan);
}
