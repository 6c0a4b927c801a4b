/*-------------------------------------------------------------------------
 *
 * shippable.c
 *		Which conditions DynamoDB evaluates: translated from the planner's
 *		clauses, and matched against the keys of the table and its indexes.
 *
 * The planner translates WHERE and join conditions on mapped columns into
 * conditions (pushdown.h) that become a KeyConditionExpression (Query), the
 * keys of a GetItem or BatchGetItem, or a FilterExpression.  The rule that
 * keeps answers exact: DynamoDB must return every item PostgreSQL would
 * accept -- it may return more.  Every condition is therefore also kept as a
 * local qual and checked again by PostgreSQL; a condition is only sent when
 * DynamoDB's verdict on it can only ever be "true" for an item PostgreSQL
 * accepts:
 *
 *	- the column reads its DynamoDB attribute natively: text and varchar
 *	  (S), numeric without typmod and the integer types (N), bytea (B),
 *	  boolean (BOOL).  float (rounding) and numeric(p,s) (rounding) do not;
 *	- equality and IN compare bytes for S: only under a deterministic
 *	  collation; ordering (<, <=, >, >=, BETWEEN) only under the C collation
 *	  (DynamoDB orders S by UTF-8 bytes, N numerically, B by bytes);
 *	- LIKE 'prefix%' becomes begins_with(prefix);
 *	- an attribute may hold values of several types (an S here, an N there)
 *	  while the column reads them all: a filter compares only items whose
 *	  attribute has the column's native type and lets every other item
 *	  through, "(#c = :v OR NOT attribute_type(#c, :S))";
 *	- a value that cannot be a DynamoDB value (NaN, more than 38 digits, an
 *	  empty key string...) drops the condition from the filter, or, for a key
 *	  equality, means no item can match.
 *
 * Key attributes always hold their declared type, so key conditions need no
 * such guard.
 *
 * IDENTIFICATION
 *		src/fdw/read/shippable.c
 *
 *-------------------------------------------------------------------------
 */
#include "pushdown.h"

#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "executor/executor.h"
#include "mb/pg_wchar.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/pg_locale.h"
#include "utils/rel.h"

#include "write/encode.h"
#include "utils/ruleutils.h"

bool		ddb_enable_pushdown = true;


/* ----------------------------------------------------------------
 * Columns
 * ----------------------------------------------------------------
 */

/*
 * The AND or OR (op) of children, conditions that may be NIL (stayed
 * local): a part of an AND that stays local only widens it, but a part of
 * an OR that does would narrow it, so the OR stays local (NIL).
 */
static List *
combine(int op, List *children, bool some_local)
{
	if (some_local && op == DDB_COND_OR)
		return NIL;
	if (children == NIL)
		return NIL;
	if (list_length(children) == 1)
		return linitial(children);
	return list_make2(makeInteger(op), children);
}

/* ----------------------------------------------------------------
 * Translating clauses
 * ----------------------------------------------------------------
 */
typedef struct Translate
{
	DdbRelInfo *info;
	Index		relid;
	bool		allow_outer;	/* values may use other relations' columns */
} Translate;

/* The column of ours n is (under binary-compatible relabels), or 0. */
static AttrNumber
our_column(Translate *t, Node *n)
{
	Var		   *var;

	while (n && IsA(n, RelabelType))
		n = (Node *) ((RelabelType *) n)->arg;
	if (n == NULL || !IsA(n, Var))
		return 0;
	var = (Var *) n;
	if ((Index) var->varno != t->relid || var->varlevelsup != 0 || var->varattno <= 0 ||
		var->varattno > t->info->map->natts)
		return 0;
	if (t->info->map->columns[var->varattno - 1].native_tag == '\0')
		return 0;
	return var->varattno;
}

static bool
mentions_rel_walker(Node *node, Translate *t)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
	{
		Var		   *var = (Var *) node;

		if (var->varlevelsup != 0)
			return false;		/* an outer query's: a parameter here */
		return (Index) var->varno == t->relid || !t->allow_outer;
	}
	if (IsA(node, PlaceHolderVar) || IsA(node, Aggref) ||
		IsA(node, WindowFunc) || IsA(node, GroupingFunc))
		return true;
	return expression_tree_walker(node, mentions_rel_walker, (void *) t);
}

/* Whether n can be computed before the scan, once per (re)scan. */
static bool
is_value(Translate *t, Node *n)
{
	return !mentions_rel_walker(n, t) && !contain_volatile_functions(n);
}

/* Whether the collation lets DynamoDB's byte comparison stand in. */
static bool
collation_ok(Oid collid, char tag, DdbCondOp op)
{
	if (tag != 'S')
		return true;
	if (op == DDB_COND_EQ || op == DDB_COND_NE || op == DDB_COND_IN ||
		op == DDB_COND_BEGINS)
		return !OidIsValid(collid) || get_collation_isdeterministic(collid);
	/* ordering: bytes of UTF-8 are what the C collation compares */
	if (GetDatabaseEncoding() != PG_UTF8 && GetDatabaseEncoding() != PG_SQL_ASCII)
		return false;
	return collid == C_COLLATION_OID || collid == POSIX_COLLATION_OID ||
		(OidIsValid(collid) && lc_collate_is_c(collid));
}

/* The comparison opno is on a column of type coltype, or -1. */
static int
comparison_op(Oid opno, Oid coltype)
{
	Oid			opclass = GetDefaultOpClass(coltype, BTREE_AM_OID);
	Oid			family;
	Oid			negator;

	if (!OidIsValid(opclass))
		return -1;
	family = get_opclass_family(opclass);
	switch (get_op_opfamily_strategy(opno, family))
	{
		case BTLessStrategyNumber:
			return DDB_COND_LT;
		case BTLessEqualStrategyNumber:
			return DDB_COND_LE;
		case BTEqualStrategyNumber:
			return DDB_COND_EQ;
		case BTGreaterEqualStrategyNumber:
			return DDB_COND_GE;
		case BTGreaterStrategyNumber:
			return DDB_COND_GT;
		default:
			break;
	}
	negator = get_negator(opno);
	if (OidIsValid(negator) &&
		get_op_opfamily_strategy(negator, family) == BTEqualStrategyNumber)
		return DDB_COND_NE;
	return -1;
}

static int
commuted(int op)
{
	switch (op)
	{
		case DDB_COND_LT:
			return DDB_COND_GT;
		case DDB_COND_LE:
			return DDB_COND_GE;
		case DDB_COND_GT:
			return DDB_COND_LT;
		case DDB_COND_GE:
			return DDB_COND_LE;
		default:
			return op;
	}
}

static List *
make_leaf(int op, AttrNumber attnum, char tag, List *values, List *arrays)
{
	return list_make5(makeInteger(op), makeInteger(attnum), makeInteger(tag),
					  values, arrays);
}

/*
 * The literal prefix of a LIKE pattern (default escape), or NULL when the
 * pattern starts with a wildcard.
 */
static char *
like_prefix(const char *pattern)
{
	StringInfoData buf;
	const char *p;

	initStringInfo(&buf);
	for (p = pattern; *p; p++)
	{
		if (*p == '%' || *p == '_')
			break;
		if (*p == '\\')
		{
			p++;
			if (*p == '\0')
				break;
		}
		appendStringInfoChar(&buf, *p);
	}
	if (buf.len == 0)
		return NULL;
	return buf.data;
}

/*
 * A comparison on a time column with a format: sent as a range of
 * attribute values that holds every value reading as the compared time
 * (deparse.c widens the bounds; PostgreSQL checks again), so = is a
 * BETWEEN, < and <= an upper bound, > and >= a lower one.  <> and values
 * of another type stay local.
 */
static List *
translate_time(const DdbColumnMap *pc, AttrNumber attnum, int cop, Node *value)
{
	if (exprType(value) != pc->typid)
		return NIL;
	switch (cop)
	{
		case DDB_COND_EQ:
			return make_leaf(DDB_COND_BETWEEN, attnum, pc->native_tag,
							 list_make2(value, value), list_make2_int(0, 0));
		case DDB_COND_LT:
		case DDB_COND_LE:
			return make_leaf(DDB_COND_LE, attnum, pc->native_tag, list_make1(value),
							 list_make1_int(0));
		case DDB_COND_GT:
		case DDB_COND_GE:
			return make_leaf(DDB_COND_GE, attnum, pc->native_tag, list_make1(value),
							 list_make1_int(0));
		default:
			return NIL;
	}
}

/* column op value (either way round); NULL if it is not one we send. */
static List *
translate_opexpr(Translate *t, OpExpr *op)
{
	Node	   *left;
	Node	   *right;
	AttrNumber	attnum;
	Node	   *value;
	const DdbColumnMap *pc;
	int			cop;

	if (list_length(op->args) != 2)
		return NIL;
	left = linitial(op->args);
	right = lsecond(op->args);

	/* LIKE 'prefix%' on a text column */
	if (op->opno == OID_TEXT_LIKE_OP)
	{
		Const	   *pat;
		char	   *prefix;

		attnum = our_column(t, left);
		if (attnum == 0 || !IsA(right, Const) || ((Const *) right)->constisnull)
			return NIL;
		pc = &t->info->map->columns[attnum - 1];
		if (pc->native_tag != 'S' || !collation_ok(op->inputcollid, 'S', DDB_COND_BEGINS))
			return NIL;
		pat = (Const *) right;
		prefix = like_prefix(TextDatumGetCString(pat->constvalue));
		if (prefix == NULL)
			return NIL;
		return make_leaf(DDB_COND_BEGINS, attnum, 'S',
						 list_make1(makeConst(TEXTOID, -1, InvalidOid, -1,
											  CStringGetTextDatum(prefix), false, false)),
						 list_make1_int(0));
	}

	if ((attnum = our_column(t, left)) != 0 && is_value(t, right))
	{
		value = right;
		cop = comparison_op(op->opno, exprType(left));
	}
	else if ((attnum = our_column(t, right)) != 0 && is_value(t, left))
	{
		value = left;
		cop = comparison_op(op->opno, exprType(right));
		cop = cop < 0 ? cop : commuted(cop);
	}
	else
		return NIL;
	if (cop < 0)
		return NIL;
	pc = &t->info->map->columns[attnum - 1];
	if (pc->format != DDB_FORMAT_DEFAULT)
		return translate_time(pc, attnum, cop, value);
	if (ddb_value_tag(exprType(value)) != pc->native_tag ||
		!collation_ok(op->inputcollid, pc->native_tag, cop))
		return NIL;
	/* booleans: only = and <> mean the same to DynamoDB */
	if (pc->native_tag == 'O' && cop != DDB_COND_EQ && cop != DDB_COND_NE)
		return NIL;
	return make_leaf(cop, attnum, pc->native_tag, list_make1(value), list_make1_int(0));
}

/* column = ANY (array) */
static List *
translate_saop(Translate *t, ScalarArrayOpExpr *saop)
{
	Node	   *left;
	Node	   *right;
	AttrNumber	attnum;
	const DdbColumnMap *pc;
	Oid			elemtype;

	if (!saop->useOr || list_length(saop->args) != 2)
		return NIL;
	left = linitial(saop->args);
	right = lsecond(saop->args);
	attnum = our_column(t, left);
	if (attnum == 0 || !is_value(t, right))
		return NIL;
	pc = &t->info->map->columns[attnum - 1];
	if (comparison_op(saop->opno, exprType(left)) != DDB_COND_EQ ||
		!collation_ok(saop->inputcollid, pc->native_tag, DDB_COND_IN))
		return NIL;
	elemtype = get_element_type(exprType(right));
	if (!OidIsValid(elemtype) || ddb_value_tag(elemtype) != pc->native_tag)
		return NIL;
	return make_leaf(DDB_COND_IN, attnum, pc->native_tag, list_make1(right), list_make1_int(1));
}

static List *
translate_node(Translate *t, Node *node)
{
	if (node == NULL)
		return NIL;
	switch (nodeTag(node))
	{
		case T_OpExpr:
			return translate_opexpr(t, (OpExpr *) node);
		case T_ScalarArrayOpExpr:
			return translate_saop(t, (ScalarArrayOpExpr *) node);
		case T_NullTest:
			{
				NullTest   *nt = (NullTest *) node;
				AttrNumber	attnum;

				if (nt->argisrow || (attnum = our_column(t, (Node *) nt->arg)) == 0)
					return NIL;
				return make_leaf(nt->nulltesttype == IS_NULL ? DDB_COND_IS_NULL :
								 DDB_COND_NOT_NULL, attnum,
								 t->info->map->columns[attnum - 1].native_tag, NIL, NIL);
			}
		case T_Var:
			{
				AttrNumber	attnum = our_column(t, node);

				/* WHERE flag */
				if (attnum == 0 || t->info->map->columns[attnum - 1].native_tag != 'O')
					return NIL;
				return make_leaf(DDB_COND_EQ, attnum, 'O',
								 list_make1(makeBoolConst(true, false)), list_make1_int(0));
			}
		case T_BoolExpr:
			{
				BoolExpr   *be = (BoolExpr *) node;
				List	   *children = NIL;
				bool		some_local = false;
				ListCell   *lc;

				if (be->boolop == NOT_EXPR)
				{
					/* WHERE NOT flag; other negations stay local */
					Node	   *arg = linitial(be->args);
					AttrNumber	attnum = our_column(t, arg);

					if (attnum == 0 || t->info->map->columns[attnum - 1].native_tag != 'O')
						return NIL;
					return make_leaf(DDB_COND_EQ, attnum, 'O',
									 list_make1(makeBoolConst(false, false)),
									 list_make1_int(0));
				}
				foreach(lc, be->args)
				{
					List	   *c = translate_node(t, lfirst(lc));

					if (c == NIL)
						some_local = true;
					else
						children = lappend(children, c);
				}
				return combine(be->boolop == AND_EXPR ? DDB_COND_AND : DDB_COND_OR,
							   children, some_local);
			}
		default:
			return NIL;
	}
}

List *
ddb_translate_clause(DdbRelInfo *info, Index relid, Expr *clause,
					 bool allow_outer)
{
	Translate	t;

	if (!ddb_enable_pushdown)
		return NIL;
	t.info = info;
	t.relid = relid;
	t.allow_outer = allow_outer;
	return translate_node(&t, (Node *) clause);
}

/* ----------------------------------------------------------------
 * Keys
 * ----------------------------------------------------------------
 */

/* How many elements an IN array holds, if the planner can tell. */
static double
array_length_estimate(Node *n)
{
	if (IsA(n, Const) && !((Const *) n)->constisnull)
	{
		ArrayType  *a = DatumGetArrayTypeP(((Const *) n)->constvalue);

		return ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	}
	if (IsA(n, ArrayExpr))
		return list_length(((ArrayExpr *) n)->elements);
	return 10;
}

bool
ddb_match_keys(DdbRelInfo *info, Index relid, DdbKeySet *ks, List *rinfos,
			   bool allow_outer, DdbKeyMatch *match)
{
	Translate	t;
	ListCell   *lc;
	List	   *pk_eq = NIL,
			   *pk_in = NIL,
			   *sk_eq = NIL,
			   *sk_in = NIL,
			   *sk_begins = NIL,
			   *sk_between = NIL,
			   *sk_lo = NIL,
			   *sk_hi = NIL;
	List	   *pk_clauses = NIL,
			   *sk_clauses = NIL;

	memset(match, 0, sizeof(*match));
	if (!ddb_enable_pushdown || ks->pk_attnum == 0)
		return false;
	t.info = info;
	t.relid = relid;
	t.allow_outer = allow_outer;

	foreach(lc, rinfos)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		List	   *c;
		int			op;

		if (!IsA(ri->clause, OpExpr) && !IsA(ri->clause, ScalarArrayOpExpr))
			continue;
		c = translate_node(&t, (Node *) ri->clause);
		if (c == NIL || COND_OP(c) >= DDB_COND_AND)
			continue;
		op = COND_OP(c);
		if (COND_ATTNUM(c) == ks->pk_attnum)
		{
			if (op == DDB_COND_EQ && pk_eq == NIL)
			{
				pk_eq = c;
				pk_clauses = list_make1(ri);
			}
			else if (op == DDB_COND_IN && pk_in == NIL)
			{
				pk_in = c;
				if (pk_eq == NIL)
					pk_clauses = list_make1(ri);
			}
		}
		else if (ks->sk_attnum != 0 && COND_ATTNUM(c) == ks->sk_attnum)
		{
			switch (op)
			{
				case DDB_COND_EQ:
					if (sk_eq == NIL)
						sk_eq = c;
					break;
				case DDB_COND_IN:
					if (sk_in == NIL)
						sk_in = c;
					break;
				case DDB_COND_BEGINS:
					if (sk_begins == NIL)
						sk_begins = c;
					break;
				case DDB_COND_BETWEEN:
					/* = on a time sort key with a format */
					if (sk_between == NIL)
						sk_between = c;
					break;
				case DDB_COND_GT:
				case DDB_COND_GE:
					if (sk_lo == NIL)
						sk_lo = c;
					break;
				case DDB_COND_LT:
				case DDB_COND_LE:
					if (sk_hi == NIL)
						sk_hi = c;
					break;
				default:
					continue;
			}
			sk_clauses = lappend(sk_clauses, ri);
		}
	}
	if (pk_eq == NIL && pk_in == NIL)
		return false;

	if (ks->unique)
	{
		/* the table's own key: whole keys are GetItem or BatchGetItem */
		List	   *pk = pk_eq ? pk_eq : pk_in;
		List	   *sk = sk_eq ? sk_eq : sk_in;
		double		npk = pk_eq ? 1 : array_length_estimate(linitial(COND_VALUES(pk_in)));
		double		nsk = sk_eq ? 1 : sk_in ? array_length_estimate(linitial(COND_VALUES(sk_in))) : 1;

		if (!ks->has_sort_key || sk != NIL)
		{
			match->pk = pk;
			match->sk = ks->has_sort_key ? sk : NIL;
			match->keys = npk * nsk;
			match->operation = (pk_eq && (!ks->has_sort_key || sk_eq)) ?
				DDB_OP_GET : DDB_OP_BATCH;
			match->clauses = pk_clauses;
			foreach(lc, sk_clauses)
			{
				RestrictInfo *ri = lfirst(lc);
				List	   *c = translate_node(&t, (Node *) ri->clause);

				if (c != NIL && (c == sk || equal(c, sk)))
					match->clauses = lappend(match->clauses, ri);
			}
			return true;
		}
	}

	/*
	 * Query: the partition, narrowed by one sort key condition; for a list
	 * of partition keys (IN, = ANY) one Query per value (multiquery.c), the
	 * sort key condition sent with each.
	 */
	match->operation = DDB_OP_QUERY;
	match->pk = pk_eq ? pk_eq : pk_in;
	match->keys = pk_eq ? 1 : array_length_estimate(linitial(COND_VALUES(pk_in)));
	match->clauses = list_concat(pk_clauses, sk_clauses);
	if (sk_eq)
		match->sk = sk_eq;
	else if (sk_begins)
		match->sk = sk_begins;
	else if (sk_between)
		match->sk = sk_between;
	else if (sk_lo && sk_hi)
	{
		/* BETWEEN is inclusive: > and < widen to it, PostgreSQL rechecks */
		match->sk = make_leaf(DDB_COND_BETWEEN, ks->sk_attnum, COND_TAG(sk_lo),
							  list_make2(linitial(COND_VALUES(sk_lo)),
										 linitial(COND_VALUES(sk_hi))),
							  list_make2_int(0, 0));
	}
	else if (sk_lo)
		match->sk = sk_lo;
	else if (sk_hi)
		match->sk = sk_hi;
	return true;
}

/* The condition with its values moved into fdw_exprs (IntList of indexes). */
List *
ddb_cond_to_plan(List *cond, List **fdw_exprs)
{
	List	   *result;
	List	   *indexes = NIL;
	ListCell   *lc;

	if (cond == NIL)
		return NIL;
	if (COND_OP(cond) >= DDB_COND_AND)
	{
		List	   *children = NIL;

		foreach(lc, (List *) lsecond(cond))
			children = lappend(children, ddb_cond_to_plan(lfirst(lc), fdw_exprs));
		return list_make2(makeInteger(COND_OP(cond)), children);
	}
	foreach(lc, COND_VALUES(cond))
	{
		*fdw_exprs = lappend(*fdw_exprs, lfirst(lc));
		indexes = lappend_int(indexes, list_length(*fdw_exprs) - 1);
	}
	result = make_leaf(COND_OP(cond), COND_ATTNUM(cond), COND_TAG(cond), indexes,
					   list_copy(COND_ARRAYS(cond)));
	return result;
}

/*
 * The condition without its parts on columns a1 and a2 (a Query's filter
 * must not name the keys it queries): a dropped part of an AND widens it;
 * an OR with a dropped part goes whole.  NIL when nothing is left.
 */
List *
ddb_cond_without(List *cond, AttrNumber a1, AttrNumber a2)
{
	ListCell   *lc;
	List	   *children = NIL;
	bool		some_local = false;

	if (cond == NIL)
		return NIL;
	if (COND_OP(cond) < DDB_COND_AND)
		return (COND_ATTNUM(cond) == a1 || COND_ATTNUM(cond) == a2) ? NIL : cond;
	foreach(lc, (List *) lsecond(cond))
	{
		List	   *c = ddb_cond_without(lfirst(lc), a1, a2);

		if (c == NIL)
			some_local = true;
		else
			children = lappend(children, c);
	}
	return combine(COND_OP(cond), children, some_local);
}
