/*-------------------------------------------------------------------------
 *
 * direct.c
 *		Direct modification: an UPDATE or DELETE whose only condition is the
 *		full key (constants or parameters), without RETURNING, row triggers
 *		or new values computed from the row, becomes one UpdateItem or
 *		DeleteItem with attribute_exists(<pk>) and no read at all.  The row
 *		count says whether there was an item.
 *
 * IDENTIFICATION
 *		src/fdw/write/direct.c
 *
 *-------------------------------------------------------------------------
 */
#include "modify.h"

#include "access/table.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/appendinfo.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

#include "compat.h"

/* fdw_private of a ForeignScan turned into a direct modification */
enum FdwDirectPrivate
{
	FdwDirectKeyAttrs,			/* String list: key attribute names */
	FdwDirectTargetAttrs,		/* IntList: the columns UPDATE sets */
	FdwDirectKeyText,			/* String: the key condition, for EXPLAIN */
	FdwDirectSetProcessed		/* Boolean: the statement's row count is ours */
};

typedef struct DirectState
{
	ModifyState *st;
	List	   *key_attrs;
	List	   *target_attrs;
	List	   *exprstates;		/* the keys' values, then the new values */
	List	   *exprs;
	bool		done;
} DirectState;

/* The ForeignScan of ours the ModifyTable reads rtindex with, or NULL. */
static ForeignScan *
direct_subplan(ModifyTable *plan, Index rtindex)
{
	Plan	   *subplan = outerPlan(plan);

	if (subplan && IsA(subplan, ForeignScan))
	{
		ForeignScan *fscan = (ForeignScan *) subplan;

		if (bms_is_member(rtindex, ddb_fscan_base_relids(fscan)))
			return fscan;
	}
	return NULL;
}

/*
 * The value side of "key column = value" when qual is one (value: no Var,
 * nothing volatile); *attnum gets the column.
 */
static Expr *
key_equality(Expr *qual, Index relid, AttrNumber *attnum)
{
	OpExpr	   *op;
	char	   *name;
	int			side;

	if (!IsA(qual, OpExpr) || list_length(((OpExpr *) qual)->args) != 2)
		return NULL;
	op = (OpExpr *) qual;
	name = get_opname(op->opno);
	if (name == NULL || strcmp(name, "=") != 0)
		return NULL;
	for (side = 0; side < 2; side++)
	{
		Node	   *v = list_nth(op->args, side);
		Node	   *other = list_nth(op->args, 1 - side);

		while (v && IsA(v, RelabelType))
			v = (Node *) ((RelabelType *) v)->arg;
		if (v && IsA(v, Var) && (Index) ((Var *) v)->varno == relid &&
			((Var *) v)->varlevelsup == 0 &&
			!contain_var_clause(other) && !contain_volatile_functions(other) &&
			!contain_subplans(other))
		{
			*attnum = ((Var *) v)->varattno;
			return (Expr *) other;
		}
	}
	return NULL;
}

static bool
ddbPlanDirectModify(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
					int subplan_index)
{
	CmdType		operation = plan->operation;
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	ForeignScan *fscan;
	Relation	rel;
	const DdbTableMapping *map = NULL;
	AttrNumber	keys[2];
	const char *names[2];
	int			nkeys = 0;
	Expr	   *values[2] = {NULL, NULL};
	List	   *exprs = NIL;
	List	   *target_attrs = NIL;
	List	   *key_attrs = NIL;
	StringInfoData keytext;
	ListCell   *lc;
	int			k;
	bool		ok = true;

	if (operation != CMD_UPDATE && operation != CMD_DELETE)
		return false;
	if (plan->returningLists != NIL)
		return false;			/* RETURNING reads the row: the usual path */
	fscan = direct_subplan(plan, resultRelation);
	if (fscan == NULL || fscan->scan.scanrelid != resultRelation)
		return false;
	/* only an exact key lookup (pushdown's GetItem) */
	if (list_length(fscan->fdw_private) < 2 ||
		intVal(list_nth(fscan->fdw_private, 1)) != DDB_OP_GET)
		return false;

	rel = table_open(rte->relid, NoLock);
	if (rel->trigdesc &&
		(rel->trigdesc->trig_update_before_row || rel->trigdesc->trig_update_after_row ||
		 rel->trigdesc->trig_delete_before_row || rel->trigdesc->trig_delete_after_row))
		ok = false;
	if (ok)
	{
		map = ddb_mapping_get_resolved(rte->relid, GetUserId());
		/* a transaction's writes wait for its commit (txn.c) */
		if (map->opts.write_transaction)
			ok = false;
	}
	if (ok)
	{
		ddb_mapping_require_key_columns(map, "UPDATE and DELETE find items by their key.");
		nkeys = map->nkeys;
		for (k = 0; k < nkeys; k++)
		{
			keys[k] = map->key_attnum[k];
			names[k] = map->key_attr[k];
		}
	}

	/* every local condition is "key column = value", every key once */
	if (ok && list_length(fscan->scan.plan.qual) != nkeys)
		ok = false;
	foreach(lc, fscan->scan.plan.qual)
	{
		AttrNumber	attnum = 0;
		Expr	   *v;

		if (!ok)
			break;
		v = key_equality(lfirst(lc), resultRelation, &attnum);
		ok = false;
		for (k = 0; v && k < nkeys; k++)
			if (keys[k] == attnum && values[k] == NULL)
			{
				values[k] = v;
				ok = true;
			}
	}

	/* the new values: computed without the row, no key, no whole item */
	if (ok && operation == CMD_UPDATE)
	{
		List	   *processed_tlist = NIL;
		List	   *update_colnos = NIL;
		ListCell   *lc2;

		get_translated_update_targetlist(root, resultRelation, &processed_tlist,
										 &update_colnos);
		forboth(lc, processed_tlist, lc2, update_colnos)
		{
			TargetEntry *tle = lfirst(lc);
			AttrNumber	attnum = lfirst_int(lc2);

			for (k = 0; k < nkeys; k++)
				if (attnum == keys[k])
					ok = false;
			if (map->columns[attnum - 1].whole_item || contain_var_clause((Node *) tle->expr) ||
				contain_subplans((Node *) tle->expr))
				ok = false;
			target_attrs = lappend_int(target_attrs, attnum);
			exprs = lappend(exprs, tle->expr);
		}
	}
	if (!ok)
	{
		table_close(rel, NoLock);
		return false;
	}

	initStringInfo(&keytext);
	for (k = 0; k < nkeys; k++)
	{
		key_attrs = lappend(key_attrs, makeString(pstrdup(names[k])));
		appendStringInfo(&keytext, "%s%s = %s", k ? " AND " : "",
						 quote_identifier(NameStr(TupleDescAttr(RelationGetDescr(rel), keys[k] - 1)->attname)),
						 deparse_expression((Node *) values[k], NIL, false, false));
	}
	table_close(rel, NoLock);

	fscan->operation = operation;
	fscan->resultRelation = resultRelation;
	fscan->scan.plan.qual = NIL;	/* the key is the condition */
	fscan->fdw_exprs = list_concat(nkeys > 1 ? list_make2(values[0], values[1]) :
								   list_make1(values[0]), exprs);
	fscan->fdw_private = list_make4(key_attrs, target_attrs, makeString(keytext.data),
									makeBoolean(plan->canSetTag));
	fscan->scan.plan.async_capable = false;
	return true;
}

static void
ddbBeginDirectModify(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	ResultRelInfo *rinfo = node->resultRelInfo;
	Relation	rel = rinfo->ri_RelationDesc;
	DirectState *ds = palloc0(sizeof(DirectState));
	List	   *exprs = fsplan->fdw_exprs;
	ListCell   *lc;
	int			k = 0;

	node->fdw_state = ds;
	ds->key_attrs = list_nth(fsplan->fdw_private, FdwDirectKeyAttrs);
	ds->target_attrs = list_nth(fsplan->fdw_private, FdwDirectTargetAttrs);
	ds->st = ddb_modify_create_state(rel, fsplan->operation, ds->target_attrs, false);
	foreach(lc, ds->key_attrs)
		ds->st->key_attribute[k++] = strVal(lfirst(lc));
	ds->st->nkeys = k;
	/* fdw_exprs: the key values, then the new values */
	ds->exprs = exprs;
	ds->exprstates = ExecInitExprList(exprs, (PlanState *) node);
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	ddb_modify_connect(ds->st, rinfo, estate);
}

static TupleTableSlot *
ddbIterateDirectModify(ForeignScanState *node)
{
	DirectState *ds = node->fdw_state;
	ModifyState *st = ds->st;
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	EState	   *estate = node->ss.ps.state;
	StringInfoData keytext;
	ListCell   *lc;
	ListCell   *lx;
	Datum		keyvals[2];
	Oid			types[2];
	DdbWrite	w;
	DdbWriteAnswer ans;
	int64		n;
	int			k;
	char	   *key;
	MemoryContext old;

	if (ds->done)
		return ExecClearTuple(node->ss.ss_ScanTupleSlot);
	ds->done = true;
	old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);

	initStringInfo(&keytext);
	lx = list_head(ds->exprs);
	lc = list_head(ds->exprstates);
	for (k = 0; k < st->nkeys; k++)
	{
		bool		isnull;
		Oid			typout;
		bool		varlena;

		keyvals[k] = ExecEvalExpr(lfirst(lc), econtext, &isnull);
		types[k] = exprType(lfirst(lx));
		if (isnull)
		{
			/* "key = NULL" matches nothing */
			MemoryContextSwitchTo(old);
			return ExecClearTuple(node->ss.ss_ScanTupleSlot);
		}
		getTypeOutputInfo(types[k], &typout, &varlena);
		appendStringInfo(&keytext, "%s%s", k ? ", " : "", OidOutputFunctionCall(typout, keyvals[k]));
		lc = lnext(ds->exprstates, lc);
		lx = lnext(ds->exprs, lx);
	}
	key = psprintf("(%s)", keytext.data);

	memset(&w, 0, sizeof(w));
	w.table_name = st->opts.table_name;
	w.key = ddb_modify_key(st, keyvals, types, key);
	w.condition_expression = "attribute_exists(#k)";
	if (st->operation == CMD_UPDATE)
	{
		Datum	   *values = palloc0(sizeof(Datum) * Max(st->natts, 1));
		bool	   *nulls = palloc(sizeof(bool) * Max(st->natts, 1));
		DdbUpdateParts parts;
		ListCell   *la;

		memset(nulls, true, sizeof(bool) * Max(st->natts, 1));
		foreach(la, ds->target_attrs)
		{
			int			a = lfirst_int(la) - 1;

			values[a] = ExecEvalExpr(lfirst(lc), econtext, &nulls[a]);
			lc = lnext(ds->exprstates, lc);
		}
		ddb_modify_update_parts(st, values, nulls, key, &parts);
		w.kind = DDB_WRITE_UPDATE;
		w.update_expression = parts.expression;
		w.names = parts.names;
		w.nnames = parts.nnames;
		w.values = parts.values;
		w.nvalues = parts.nvalues;
	}
	else
	{
		w.kind = DDB_WRITE_DELETE;
		w.names = ddb_modify_key_name(st);
		w.nnames = 1;
	}
	n = ddb_modify_send(st, &w, key, &ans) ? 1 : 0;
	MemoryContextSwitchTo(old);

	if (boolVal(list_nth(((ForeignScan *) node->ss.ps.plan)->fdw_private,
						 FdwDirectSetProcessed)))
		estate->es_processed += n;
	if (node->ss.ps.instrument)
		node->ss.ps.instrument->tuplecount += n;
	return ExecClearTuple(node->ss.ss_ScanTupleSlot);
}

static void
ddbEndDirectModify(ForeignScanState *node)
{
	DirectState *ds = node->fdw_state;

	if (ds && ds->st)
		ddb_http_response_free(&ds->st->resp);
}

static void
ddbExplainDirectModify(ForeignScanState *node, ExplainState *es)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	DirectState *ds = node->fdw_state;

	ExplainPropertyText("DynamoDB Write",
						fsplan->operation == CMD_UPDATE ? "UpdateItem (direct, no read)" :
						"DeleteItem (direct, no read)", es);
	ExplainPropertyText("DynamoDB Key",
						strVal(list_nth(fsplan->fdw_private, FdwDirectKeyText)), es);
	if (es->analyze && ds && ds->st)
	{
		ExplainPropertyInteger("DynamoDB Write Requests", NULL, ds->st->requests, es);
		ExplainPropertyInteger("DynamoDB Write Retries", NULL, ds->st->retries, es);
	}
}

void
ddb_register_direct_callbacks(FdwRoutine *routine)
{
	routine->PlanDirectModify = ddbPlanDirectModify;
	routine->BeginDirectModify = ddbBeginDirectModify;
	routine->IterateDirectModify = ddbIterateDirectModify;
	routine->EndDirectModify = ddbEndDirectModify;
	routine->ExplainDirectModify = ddbExplainDirectModify;
}
