/*-------------------------------------------------------------------------
 *
 * direct.c
 *		Direct modification: an UPDATE or DELETE of one item, found by its
 *		full key (constants or parameters), as one UpdateItem or DeleteItem
 *		without a read.
 *
 * What qualifies (else the row is read first, rows.c):
 *	- the conditions: "key column = value" for every key attribute, and any
 *	  other conditions DynamoDB can evaluate (shippable.c), which become the
 *	  ConditionExpression in their strict form (deparse.c): it holds only for
 *	  an item PostgreSQL's conditions accept;
 *	- the new values: computed without the row (constants, parameters,
 *	  stable functions; NULL removes the attribute), or a number column
 *	  plus or minus such a value ("n = n + 1", integers and numeric without
 *	  typmod), sent as "SET #a = #a + :v" with a guard: the attribute is a
 *	  number and, for integers, the result stays in the column's range;
 *	- no RETURNING, no row triggers, no whole-item column, no key change,
 *	  not write_mode 'transaction'.
 *
 * The write asks for the old item when its condition fails
 * (ReturnValuesOnConditionCheckFailure ALL_OLD).  No item: there was none,
 * 0 rows.  An item: PostgreSQL decides -- the item is decoded, the
 * statement's conditions evaluated (false: 0 rows, as PostgreSQL would
 * count); true (a guard tripped: a NULL or non-number attribute, a result
 * out of range) means the new values are computed by PostgreSQL from the
 * item, which raises its own errors, and written with attribute_exists on
 * the key, as the row-by-row path does.  A condition value DynamoDB cannot
 * hold (NULL, NaN, 39 digits) takes the same road, by a condition that
 * cannot hold.
 *
 * IDENTIFICATION
 *		src/fdw/write/direct.c
 *
 *-------------------------------------------------------------------------
 */
#include "modify.h"

#include "access/table.h"
#include "catalog/pg_type.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/appendinfo.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

#include "compat.h"
#include "read/pushdown.h"

/* fdw_private of a ForeignScan turned into a direct modification */
enum FdwDirectPrivate
{
	FdwDirectKeyAttrs,			/* String list: key attribute names */
	FdwDirectTargetAttrs,		/* IntList: the columns UPDATE sets */
	FdwDirectKeyText,			/* String: the key condition, for EXPLAIN */
	FdwDirectSetProcessed,		/* Boolean: the statement's row count is ours */
	FdwDirectSetKinds,			/* IntList: per target, '=' or '+' or '-' */
	FdwDirectConds,				/* conditions (pushdown.h), values as indexes */
	FdwDirectNumCondValues,		/* Integer: fdw_exprs of the conditions */
	FdwDirectHasQuals,			/* Boolean: fdw_exprs ends with the quals */
	FdwDirectUpdateText,		/* String: the new values, for EXPLAIN */
	FdwDirectCondText			/* String: the other conditions, "" if none */
};

/*
 * fdw_exprs: the conditions' values, the key values, per target its value
 * (or the increment), per target its whole expression (evaluated against
 * the old item when PostgreSQL decides), and the conditions ANDed.
 */
typedef struct DirectState
{
	ModifyState *st;
	List	   *key_attrs;
	List	   *target_attrs;
	List	   *set_kinds;
	List	   *conds;
	int			ncond_values;
	List	   *exprstates;
	List	   *exprs;
	ExprState  *quals;			/* NULL: none but the key */
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

/*
 * Whether expr is "column attnum + value", "value + column" or "column -
 * value" for a number column c (integers, numeric without typmod), the
 * result of its own type; *delta gets the value (no Var, nothing
 * volatile), *kind '+' or '-'.
 */
static bool
increment_form(Expr *expr, Index relid, AttrNumber attnum, const DdbColumnMap *c,
			   Expr **delta, int *kind)
{
	OpExpr	   *op;
	int			side;

	if (!IsA(expr, OpExpr) || list_length(((OpExpr *) expr)->args) != 2)
		return false;
	op = (OpExpr *) expr;
	if (op->opresulttype != c->typid ||
		!(c->typid == INT2OID || c->typid == INT4OID || c->typid == INT8OID ||
		  (c->typid == NUMERICOID && c->typmod < 0)))
		return false;
	switch (op->opfuncid)
	{
		case F_INT2PL:
		case F_INT4PL:
		case F_INT8PL:
		case F_INT42PL:
		case F_INT84PL:
		case F_INT82PL:
		case F_INT48PL:
		case F_INT28PL:
		case F_INT24PL:
		case F_NUMERIC_ADD:
			*kind = '+';
			break;
		case F_INT2MI:
		case F_INT4MI:
		case F_INT8MI:
		case F_INT42MI:
		case F_INT84MI:
		case F_INT82MI:
		case F_NUMERIC_SUB:
			*kind = '-';
			break;
		default:
			return false;
	}
	for (side = 0; side < 2; side++)
	{
		Node	   *v = list_nth(op->args, side);
		Node	   *other = list_nth(op->args, 1 - side);

		if (side == 1 && *kind == '-')
			break;				/* value - column: not an increment */
		if (IsA(v, Var) && (Index) ((Var *) v)->varno == relid &&
			((Var *) v)->varlevelsup == 0 && ((Var *) v)->varattno == attnum &&
			!contain_var_clause(other) && !contain_volatile_functions(other) &&
			!contain_subplans(other))
		{
			*delta = (Expr *) other;
			return true;
		}
	}
	return false;
}

/* EXPLAIN text of expr, a Var of relid read as a column of rel. */
static char *
display_expr(Expr *expr, Index relid, Relation rel)
{
	Node	   *e = copyObject((Node *) expr);

	ChangeVarNodes(e, relid, 1, 0);
	return deparse_expression(e, deparse_context_for(RelationGetRelationName(rel),
													 RelationGetRelid(rel)),
							  false, false);
}

/*
 * The conditions of quals (those not on the key) as DynamoDB conditions,
 * their values appended to *fdw_exprs; false when one cannot be sent.
 */
static bool
translate_quals(PlannerInfo *root, Index relid, List *quals, List **conds, List **fdw_exprs)
{
	RelOptInfo *baserel = find_base_rel(root, relid);
	DdbRelInfo *info = baserel->fdw_private;
	ListCell   *lc;

	if (info == NULL)
		return quals == NIL;
	foreach(lc, quals)
	{
		List	   *cond = ddb_translate_clause(info, relid, lfirst(lc), false);

		if (cond == NIL)
			return false;
		*conds = lappend(*conds, ddb_cond_to_plan(cond, fdw_exprs));
	}
	return true;
}

/* An UPDATE's SET list as a direct modify sends it (plan_set_list). */
typedef struct DirectSet
{
	List	   *attrs;			/* the columns set */
	List	   *values;			/* what is sent: the value, or the increment */
	List	   *exprs;			/* the expressions as written */
	List	   *kinds;			/* '=', or '+' / '-' of an increment */
	StringInfoData text;		/* for EXPLAIN */
} DirectSet;

/*
 * The SET list of an UPDATE of resultRelation (rel, map) into *set; false
 * when a direct modify cannot send it: a key column, the whole-item
 * column, a subquery, or a value computed from the row other than the
 * column plus or minus a value.
 */
static bool
plan_set_list(PlannerInfo *root, Index resultRelation, Relation rel,
			  const DdbTableMapping *map, DirectSet *set)
{
	List	   *processed_tlist = NIL;
	List	   *update_colnos = NIL;
	ListCell   *lc;
	ListCell   *lc2;
	int			k;

	get_translated_update_targetlist(root, resultRelation, &processed_tlist,
									 &update_colnos);
	forboth(lc, processed_tlist, lc2, update_colnos)
	{
		TargetEntry *tle = lfirst(lc);
		AttrNumber	attnum = lfirst_int(lc2);
		Expr	   *value = tle->expr;
		int			kind = '=';

		for (k = 0; k < map->nkeys; k++)
			if (attnum == map->key_attnum[k])
				return false;
		if (map->columns[attnum - 1].whole_item || contain_subplans((Node *) tle->expr) ||
			(contain_var_clause((Node *) tle->expr) &&
			 !increment_form(tle->expr, resultRelation, attnum,
							 &map->columns[attnum - 1], &value, &kind)))
			return false;
		set->attrs = lappend_int(set->attrs, attnum);
		set->values = lappend(set->values, value);
		set->exprs = lappend(set->exprs, tle->expr);
		set->kinds = lappend_int(set->kinds, kind);
		appendStringInfo(&set->text, "%s%s = %s", set->text.len ? ", " : "",
						 quote_identifier(map->columns[attnum - 1].name),
						 display_expr(tle->expr, resultRelation, rel));
	}
	return true;
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
	List	   *other_quals = NIL;
	List	   *conds = NIL;
	List	   *fdw_exprs = NIL;
	DirectSet	set = {0};
	List	   *key_attrs = NIL;
	StringInfoData keytext;
	StringInfoData condtext;
	int			ncond_values;
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

	/* "key column = value" for every key once; the rest must be sendable */
	foreach(lc, fscan->scan.plan.qual)
	{
		AttrNumber	attnum = 0;
		Expr	   *v;
		bool		is_key = false;

		if (!ok)
			break;
		v = key_equality(lfirst(lc), resultRelation, &attnum);
		for (k = 0; v && k < nkeys; k++)
			if (keys[k] == attnum && values[k] == NULL)
			{
				values[k] = v;
				is_key = true;
			}
		if (!is_key)
			other_quals = lappend(other_quals, lfirst(lc));
	}
	for (k = 0; ok && k < nkeys; k++)
		if (values[k] == NULL)
			ok = false;
	if (ok)
		ok = translate_quals(root, resultRelation, other_quals, &conds, &fdw_exprs);
	ncond_values = list_length(fdw_exprs);

	/* the new values: without the row, or the column plus or minus one */
	initStringInfo(&set.text);
	if (ok && operation == CMD_UPDATE)
		ok = plan_set_list(root, resultRelation, rel, map, &set);
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
		fdw_exprs = lappend(fdw_exprs, values[k]);
	}
	initStringInfo(&condtext);
	foreach(lc, other_quals)
		appendStringInfo(&condtext, "%s%s", condtext.len ? " AND " : "",
						 display_expr(lfirst(lc), resultRelation, rel));
	table_close(rel, NoLock);

	fdw_exprs = list_concat(list_concat(fdw_exprs, set.values), set.exprs);
	if (other_quals != NIL)
		fdw_exprs = lappend(fdw_exprs, make_ands_explicit(other_quals));
	fscan->operation = operation;
	fscan->resultRelation = resultRelation;
	fscan->scan.plan.qual = NIL;	/* DynamoDB's condition, else PostgreSQL */
	fscan->fdw_exprs = fdw_exprs;
	fscan->fdw_private = list_make4(key_attrs, set.attrs, makeString(keytext.data),
									makeBoolean(plan->canSetTag));
	fscan->fdw_private = lappend(fscan->fdw_private, set.kinds);
	fscan->fdw_private = lappend(fscan->fdw_private, conds);
	fscan->fdw_private = lappend(fscan->fdw_private, makeInteger(ncond_values));
	fscan->fdw_private = lappend(fscan->fdw_private, makeBoolean(other_quals != NIL));
	fscan->fdw_private = lappend(fscan->fdw_private, makeString(set.text.data));
	fscan->fdw_private = lappend(fscan->fdw_private, makeString(condtext.data));
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
	List	   *priv = fsplan->fdw_private;
	ListCell   *lc;
	int			k = 0;

	node->fdw_state = ds;
	ds->key_attrs = list_nth(priv, FdwDirectKeyAttrs);
	ds->target_attrs = list_nth(priv, FdwDirectTargetAttrs);
	ds->set_kinds = list_nth(priv, FdwDirectSetKinds);
	ds->conds = list_nth(priv, FdwDirectConds);
	ds->ncond_values = intVal(list_nth(priv, FdwDirectNumCondValues));
	ds->st = ddb_modify_create_state(rel, fsplan->operation, ds->target_attrs, false);
	foreach(lc, ds->key_attrs)
		ds->st->key_attribute[k++] = strVal(lfirst(lc));
	ds->st->nkeys = k;
	ds->exprs = fsplan->fdw_exprs;
	ds->exprstates = NIL;
	foreach(lc, ds->exprs)
	{
		/* the last is the conditions, a qual */
		if (boolVal(list_nth(priv, FdwDirectHasQuals)) && lnext(ds->exprs, lc) == NULL)
			ds->quals = ExecInitQual(make_ands_implicit(lfirst(lc)), (PlanState *) node);
		else
			ds->exprstates = lappend(ds->exprstates,
									 ExecInitExpr(lfirst(lc), (PlanState *) node));
	}
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	ddb_modify_connect(ds->st, rinfo, estate);
}

/* The n-th of the expressions (states and nodes), from *i on. */
static Datum
eval_next(DirectState *ds, ExprContext *econtext, int *i, bool *isnull, Oid *type)
{
	Datum		v = ExecEvalExpr(list_nth(ds->exprstates, *i), econtext, isnull);

	if (type)
		*type = exprType(list_nth(ds->exprs, *i));
	(*i)++;
	return v;
}

/*
 * The write of the item for key (keyjson): with the new values computed by
 * PostgreSQL from row (the old item, in the scan slot) when row, else from
 * the statement's values and increments.
 */
static void
direct_write(DirectState *ds, ExprContext *econtext, const char *key, const char *keyjson,
			 bool row, DdbWrite *w)
{
	ModifyState *st = ds->st;
	int			first = ds->ncond_values + st->nkeys;
	int			ntargets = list_length(ds->target_attrs);
	Datum	   *values = palloc0(sizeof(Datum) * Max(st->natts, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(st->natts, 1));
	char	   *incr = palloc0(Max(st->natts, 1));
	DdbUpdateParts parts;
	ListCell   *la;
	ListCell   *lk;
	int			i;

	memset(w, 0, sizeof(DdbWrite));
	w->table_name = st->opts.table_name;
	w->key = keyjson;
	if (st->operation == CMD_DELETE)
	{
		w->kind = DDB_WRITE_DELETE;
		w->names = ddb_modify_key_name(st);
		w->nnames = 1;
		w->condition_expression = "attribute_exists(#k)";
		return;
	}
	memset(nulls, true, sizeof(bool) * Max(st->natts, 1));
	i = row ? first + ntargets : first;
	forboth(la, ds->target_attrs, lk, ds->set_kinds)
	{
		int			a = lfirst_int(la) - 1;

		values[a] = eval_next(ds, econtext, &i, &nulls[a], NULL);
		/* n + NULL is NULL: the attribute goes */
		if (!row && lfirst_int(lk) != '=' && !nulls[a])
			incr[a] = (char) lfirst_int(lk);
	}
	ddb_modify_update_parts(st, values, nulls, incr, key, &parts);
	w->kind = DDB_WRITE_UPDATE;
	w->update_expression = parts.expression;
	w->names = parts.names;
	w->nnames = parts.nnames;
	w->values = parts.values;
	w->nvalues = parts.nvalues;
	w->condition_expression = parts.guard ?
		psprintf("attribute_exists(#k) AND %s", parts.guard) : "attribute_exists(#k)";
}

/*
 * Adds the statement's other conditions to w (strict: they hold only for
 * an item PostgreSQL accepts); when they cannot be sent, a condition that
 * cannot hold, so that PostgreSQL decides on the old item.
 */
static void
add_conditions(DirectState *ds, ExprContext *econtext, DdbWrite *w)
{
	DdbCondValues vals;
	List	   *names = NIL;
	List	   *values = NIL;
	char	   *cond;
	DdbExprName *n;
	DdbExprValue *v;
	ListCell   *lc;

	if (ds->conds == NIL)
		return;
	ddb_eval_cond_values(list_truncate(list_copy(ds->exprstates), ds->ncond_values), econtext,
						 ds->exprs, CurrentMemoryContext, &vals);
	cond = ddb_build_write_condition(ds->st->map, ds->conds, &vals, 'q', &names, &values);
	if (cond == NULL)
	{
		w->condition_expression = psprintf("%s AND attribute_not_exists(#k)",
										   w->condition_expression);
		return;
	}
	w->condition_expression = psprintf("%s AND %s", w->condition_expression, cond);
	n = palloc(sizeof(DdbExprName) * (w->nnames + list_length(names)));
	memcpy(n, w->names, sizeof(DdbExprName) * w->nnames);
	foreach(lc, names)
	{
		n[w->nnames].placeholder = strVal(linitial(lfirst(lc)));
		n[w->nnames++].name = strVal(lsecond(lfirst(lc)));
	}
	w->names = n;
	v = palloc(sizeof(DdbExprValue) * (w->nvalues + list_length(values)));
	if (w->nvalues)
		memcpy(v, w->values, sizeof(DdbExprValue) * w->nvalues);
	foreach(lc, values)
	{
		v[w->nvalues].placeholder = strVal(linitial(lfirst(lc)));
		v[w->nvalues++].value = strVal(lsecond(lfirst(lc)));
	}
	w->values = v;
}

/*
 * After a failed condition: whether the old item (ALL_OLD, in st->resp)
 * is one PostgreSQL's conditions accept; it is left in slot.
 */
static bool
old_item_qualifies(DirectState *ds, ExprContext *econtext, TupleTableSlot *slot,
				   const char *operation)
{
	ModifyState *st = ds->st;
	const char *item;
	size_t		len;
	DdbAwsError err;

	ddb_aws_error_clear(&err);
	if (!ddb_write_parse_condition_failure(st->resp.body.data, st->resp.body.len,
										   &item, &len, &err))
		ddb_report_aws_error(&err, operation, st->opts.table_name);
	if (item == NULL)
		return false;			/* no item: nothing to update */
	if (st->decoder == NULL)
	{
		bool	   *needed = palloc(sizeof(bool) * Max(st->natts, 1));
		int			i;

		for (i = 0; i < st->natts; i++)
			needed[i] = !st->map->columns[i].dropped;
		st->decoder = ddb_decoder_create(st->map, needed);
	}
	if (!ddb_modify_decode_item(st, item, len, operation, slot))
		return false;
	econtext->ecxt_scantuple = slot;
	return ds->quals == NULL || ExecQual(ds->quals, econtext);
}

static TupleTableSlot *
ddbIterateDirectModify(ForeignScanState *node)
{
	DirectState *ds = node->fdw_state;
	ModifyState *st = ds->st;
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	EState	   *estate = node->ss.ps.state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	StringInfoData keytext;
	Datum		keyvals[2];
	Oid			types[2];
	DdbWrite	w;
	DdbWriteAnswer ans;
	const char *operation = st->operation == CMD_UPDATE ? "UpdateItem" : "DeleteItem";
	int64		n;
	int			k;
	int			i = ds->ncond_values;
	char	   *key;
	char	   *keyjson;
	MemoryContext old;

	if (ds->done)
		return ExecClearTuple(slot);
	ds->done = true;
	old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);

	initStringInfo(&keytext);
	for (k = 0; k < st->nkeys; k++)
	{
		bool		isnull;
		Oid			typout;
		bool		varlena;

		keyvals[k] = eval_next(ds, econtext, &i, &isnull, &types[k]);
		if (isnull)
		{
			/* "key = NULL" matches nothing */
			MemoryContextSwitchTo(old);
			return ExecClearTuple(slot);
		}
		getTypeOutputInfo(types[k], &typout, &varlena);
		appendStringInfo(&keytext, "%s%s", k ? ", " : "", OidOutputFunctionCall(typout, keyvals[k]));
	}
	key = psprintf("(%s)", keytext.data);
	keyjson = ddb_modify_key(st, keyvals, types, key);

	direct_write(ds, econtext, key, keyjson, false, &w);
	add_conditions(ds, econtext, &w);
	w.return_old_on_condition_failure = true;
	n = ddb_modify_send(st, &w, key, &ans) ? 1 : 0;
	if (n == 0 && old_item_qualifies(ds, econtext, slot, operation))
	{
		/* PostgreSQL's verdict: the item qualifies, its new values computed here */
		direct_write(ds, econtext, key, keyjson, true, &w);
		n = ddb_modify_send(st, &w, key, &ans) ? 1 : 0;
	}
	MemoryContextSwitchTo(old);

	if (boolVal(list_nth(((ForeignScan *) node->ss.ps.plan)->fdw_private,
						 FdwDirectSetProcessed)))
		estate->es_processed += n;
	if (node->ss.ps.instrument)
		node->ss.ps.instrument->tuplecount += n;
	return ExecClearTuple(slot);
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
	const char *settext = strVal(list_nth(fsplan->fdw_private, FdwDirectUpdateText));
	const char *condtext = strVal(list_nth(fsplan->fdw_private, FdwDirectCondText));

	ExplainPropertyText("DynamoDB Write",
						fsplan->operation == CMD_UPDATE ? "UpdateItem (direct, no read)" :
						"DeleteItem (direct, no read)", es);
	ExplainPropertyText("DynamoDB Key",
						strVal(list_nth(fsplan->fdw_private, FdwDirectKeyText)), es);
	if (settext[0])
		ExplainPropertyText("DynamoDB Update", settext, es);
	if (condtext[0])
		ExplainPropertyText("DynamoDB Condition", condtext, es);
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
