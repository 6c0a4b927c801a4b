/*-------------------------------------------------------------------------
 *
 * pushdown.c
 *		Which conditions DynamoDB evaluates, and how they are sent.
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
 *		src/fdw/read/pushdown.c
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

/* DynamoDB accepts expressions up to 4 KB */
#define MAX_EXPRESSION_BYTES 4096
/* and up to 100 operands for IN */
#define MAX_IN_OPERANDS 100

/* ----------------------------------------------------------------
 * Columns
 * ----------------------------------------------------------------
 */

/* The tag a value of this type is sent as, or '\0'. */
static char
value_tag(Oid typid)
{
	switch (typid)
	{
		case TEXTOID:
		case VARCHAROID:
			return 'S';
		case NUMERICOID:
		case INT2OID:
		case INT4OID:
		case INT8OID:
			return 'N';
		case BYTEAOID:
			return 'B';
		case BOOLOID:
			return 'O';
		default:
			return '\0';
	}
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
	if (value_tag(exprType(value)) != pc->native_tag ||
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
	if (!OidIsValid(elemtype) || value_tag(elemtype) != pc->native_tag)
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

					/*
					 * A part of an AND that stays local only widens it;
					 * a part of an OR that does would narrow it.
					 */
					if (c == NIL && be->boolop == OR_EXPR)
						return NIL;
					if (c != NIL)
						children = lappend(children, c);
				}
				if (children == NIL)
					return NIL;
				if (list_length(children) == 1)
					return linitial(children);
				return list_make2(makeInteger(be->boolop == AND_EXPR ?
											  DDB_COND_AND : DDB_COND_OR),
								  children);
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
#define COND_OP(c)		intVal(linitial(c))
#define COND_ATTNUM(c)	intVal(lsecond(c))
#define COND_TAG(c)		((char) intVal(lthird(c)))
#define COND_VALUES(c)	((List *) lfourth(c))
#define COND_ARRAYS(c)	((List *) list_nth(c, 4))

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
	if (pk_eq == NIL)
		return false;			/* IN on an index key: not a Query */

	/* Query: the partition, narrowed by one sort key condition */
	match->operation = DDB_OP_QUERY;
	match->pk = pk_eq;
	match->clauses = list_concat(pk_clauses, sk_clauses);
	if (sk_eq)
		match->sk = sk_eq;
	else if (sk_begins)
		match->sk = sk_begins;
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

	if (cond == NIL)
		return NIL;
	if (COND_OP(cond) < DDB_COND_AND)
		return (COND_ATTNUM(cond) == a1 || COND_ATTNUM(cond) == a2) ? NIL : cond;
	foreach(lc, (List *) lsecond(cond))
	{
		List	   *c = ddb_cond_without(lfirst(lc), a1, a2);

		if (c == NIL && COND_OP(cond) == DDB_COND_OR)
			return NIL;
		if (c != NIL)
			children = lappend(children, c);
	}
	if (children == NIL)
		return NIL;
	if (list_length(children) == 1)
		return linitial(children);
	return list_make2(makeInteger(COND_OP(cond)), children);
}

/* ----------------------------------------------------------------
 * Execution: values
 * ----------------------------------------------------------------
 */
void
ddb_eval_cond_values(List *exprstates, ExprContext *econtext, List *fdw_exprs,
					 MemoryContext cxt, DdbCondValues *vals)
{
	int			n = list_length(exprstates);
	MemoryContext old;
	ListCell   *lc;
	int			i = 0;

	old = MemoryContextSwitchTo(cxt);
	vals->nvalues = n;
	vals->values = palloc0(sizeof(Datum) * Max(n, 1));
	vals->nulls = palloc0(sizeof(bool) * Max(n, 1));
	vals->types = palloc0(sizeof(Oid) * Max(n, 1));
	MemoryContextSwitchTo(old);
	foreach(lc, exprstates)
	{
		ExprState  *es = lfirst(lc);
		Oid			type = exprType(list_nth(fdw_exprs, i));
		int16		typlen;
		bool		typbyval;
		Datum		v;
		bool		isnull;

		v = ExecEvalExpr(es, econtext, &isnull);
		get_typlenbyval(type, &typlen, &typbyval);
		vals->types[i] = type;
		vals->nulls[i] = isnull;
		old = MemoryContextSwitchTo(cxt);
		vals->values[i] = isnull ? (Datum) 0 : datumCopy(v, typbyval, typlen);
		MemoryContextSwitchTo(old);
		i++;
	}
}

/* ----------------------------------------------------------------
 * Execution: values as DynamoDB attribute values
 * ----------------------------------------------------------------
 */

/*
 * Appends v, a value of type typid, as a DynamoDB attribute value of type
 * tag; false (nothing appended) when it cannot be one.  Key values must not
 * be empty.
 */
static bool
append_attribute_value(StringInfo out, Datum v, Oid typid, char tag, bool key)
{
	switch (tag)
	{
		case 'S':
			{
				text	   *t = DatumGetTextPP(v);

				if (key && VARSIZE_ANY_EXHDR(t) == 0)
					return false;
				ddb_append_string_value(out, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
				return true;
			}
		case 'N':
			{
				char	   *num = ddb_number_text(v, typid);

				if (!ddb_dynamodb_number(num))
					return false;
				appendStringInfo(out, "{\"N\":\"%s\"}", num);
				return true;
			}
		case 'B':
			{
				bytea	   *b = DatumGetByteaPP(v);

				if (key && VARSIZE_ANY_EXHDR(b) == 0)
					return false;
				ddb_append_binary_value(out, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
				return true;
			}
		case 'O':
			appendStringInfoString(out, DatumGetBool(v) ? "{\"BOOL\":true}" : "{\"BOOL\":false}");
			return true;
		default:
			return false;
	}
}

/* The elements of value i (an array or a single value). */
static void
value_elements(const DdbCondValues *vals, int i, bool is_array, Datum **elems,
			   bool **nulls, int *n, Oid *elemtype)
{
	if (vals->nulls[i])
	{
		*n = 0;
		return;
	}
	if (!is_array)
	{
		*elems = &vals->values[i];
		*nulls = &vals->nulls[i];
		*n = 1;
		*elemtype = vals->types[i];
		return;
	}
	{
		ArrayType  *a = DatumGetArrayTypeP(vals->values[i]);
		int16		typlen;
		bool		typbyval;
		char		typalign;

		*elemtype = ARR_ELEMTYPE(a);
		get_typlenbyvalalign(*elemtype, &typlen, &typbyval, &typalign);
		deconstruct_array(a, *elemtype, typlen, typbyval, typalign, elems, nulls, n);
	}
}

/* ----------------------------------------------------------------
 * Execution: expressions
 * ----------------------------------------------------------------
 */
typedef struct Builder
{
	const DdbTableMapping *map;
	const DdbCondValues *vals;
	DdbRequestParts *parts;
	/* placeholders made so far: only those the expressions use are sent */
	List	   *names;			/* (String placeholder, String JSON value) */
	List	   *values;
	List	   *name_attnums;	/* IntList, parallel to names */
	bool		type_values[5]; /* :tS :tN :tB :tO :tNULL made */
	int			next_value;		/* :vN */
} Builder;

static const char *const type_names[] = {"S", "N", "B", "BOOL", "NULL"};

static int
type_index(char tag)
{
	switch (tag)
	{
		case 'S':
			return 0;
		case 'N':
			return 1;
		case 'B':
			return 2;
		case 'O':
			return 3;
		default:
			return 4;
	}
}

/* The placeholder (#cN) of the column's attribute. */
static char *
name_placeholder(Builder *b, AttrNumber attnum)
{
	const char *attribute = b->map->columns[attnum - 1].attribute;
	StringInfoData json;
	ListCell   *lc;
	int			i = 0;
	char	   *ph;

	foreach(lc, b->name_attnums)
	{
		if (lfirst_int(lc) == attnum)
			return psprintf("#c%d", i);
		i++;
	}
	initStringInfo(&json);
	ddb_append_json_string(&json, attribute, strlen(attribute));
	ph = psprintf("#c%d", i);
	b->name_attnums = lappend_int(b->name_attnums, attnum);
	b->names = lappend(b->names, list_make2(makeString(ph), makeString(json.data)));
	return ph;
}

/* A placeholder for an encoded value; NULL when it cannot be sent. */
static char *
value_placeholder(Builder *b, Datum v, Oid typid, char tag, bool key)
{
	StringInfoData json;
	char	   *ph;

	initStringInfo(&json);
	if (!append_attribute_value(&json, v, typid, tag, key))
		return NULL;
	ph = psprintf(":v%d", b->next_value++);
	b->values = lappend(b->values, list_make2(makeString(ph), makeString(json.data)));
	return ph;
}

/* :tS and friends: the type names attribute_type() takes */
static const char *
type_placeholder(Builder *b, char tag)
{
	static const char *const placeholders[] = {":tS", ":tN", ":tB", ":tBOOL", ":tNULL"};
	int			i = type_index(tag);

	if (!b->type_values[i])
	{
		b->values = lappend(b->values,
							list_make2(makeString(pstrdup(placeholders[i])),
									   makeString(psprintf("{\"S\":\"%s\"}", type_names[i]))));
		b->type_values[i] = true;
	}
	return placeholders[i];
}

/* Whether expression expr uses placeholder ph (not as a prefix of another). */
static bool
uses(const char *expr, const char *ph)
{
	size_t		len = strlen(ph);
	const char *p = expr;

	while (p && (p = strstr(p, ph)) != NULL)
	{
		char		next = p[len];

		if (!isalnum((unsigned char) next) && next != '_')
			return true;
		p += len;
	}
	return false;
}

/* Writes the names and values the expressions use into parts. */
static void
emit_placeholders(Builder *b)
{
	DdbRequestParts *parts = b->parts;
	List	   *lists[2] = {b->names, b->values};
	StringInfo	outs[2] = {&parts->names, &parts->values};
	int		   *counts[2] = {&parts->nnames, &parts->nvalues};
	int			k;

	for (k = 0; k < 2; k++)
	{
		ListCell   *lc;

		foreach(lc, lists[k])
		{
			List	   *entry = lfirst(lc);
			const char *ph = strVal(linitial(entry));

			if (!uses(parts->key_condition, ph) && !uses(parts->filter, ph))
				continue;
			appendStringInfo(outs[k], "%s\"%s\":%s", *counts[k] ? "," : "", ph,
							 strVal(lsecond(entry)));
			(*counts[k])++;
		}
	}
}

/* The single value of a leaf: NULL when it is NULL or cannot be sent. */
static char *
leaf_value(Builder *b, List *leaf, int nth, bool key, bool *isnull)
{
	int			i = list_nth_int(COND_VALUES(leaf), nth);

	*isnull = b->vals->nulls[i];
	if (*isnull)
		return NULL;
	return value_placeholder(b, b->vals->values[i], b->vals->types[i],
							 COND_TAG(leaf), key);
}

static const char *
op_text(int op)
{
	switch (op)
	{
		case DDB_COND_EQ:
			return "=";
		case DDB_COND_NE:
			return "<>";
		case DDB_COND_LT:
			return "<";
		case DDB_COND_LE:
			return "<=";
		case DDB_COND_GT:
			return ">";
		case DDB_COND_GE:
			return ">=";
		default:
			return "?";
	}
}

/*
 * A filter condition, or NULL for "no filter" (every item passes: a value
 * that cannot be sent, a NULL value -- PostgreSQL's check decides).
 */
static char *
build_filter(Builder *b, List *cond)
{
	int			op = COND_OP(cond);
	char	   *name;
	char	   *v;
	bool		isnull;
	ListCell   *lc;

	if (op == DDB_COND_AND || op == DDB_COND_OR)
	{
		StringInfoData s;
		int			n = 0;

		initStringInfo(&s);
		foreach(lc, (List *) lsecond(cond))
		{
			char	   *c = build_filter(b, lfirst(lc));

			if (c == NULL)
			{
				if (op == DDB_COND_OR)
					return NULL;
				continue;
			}
			appendStringInfo(&s, "%s%s", n++ ? (op == DDB_COND_AND ? " AND " : " OR ") : "", c);
		}
		if (n == 0)
			return NULL;
		return n == 1 ? s.data : psprintf("(%s)", s.data);
	}

	name = name_placeholder(b, COND_ATTNUM(cond));
	switch (op)
	{
		case DDB_COND_IS_NULL:
			return psprintf("(attribute_not_exists(%s) OR attribute_type(%s, %s))",
							name, name, type_placeholder(b, '\0'));
		case DDB_COND_NOT_NULL:
			return psprintf("(attribute_exists(%s) AND NOT attribute_type(%s, %s))",
							name, name, type_placeholder(b, '\0'));
		case DDB_COND_BEGINS:
			v = leaf_value(b, cond, 0, false, &isnull);
			if (v == NULL)
				return NULL;
			return psprintf("(begins_with(%s, %s) OR NOT attribute_type(%s, %s))",
							name, v, name, type_placeholder(b, 'S'));
		case DDB_COND_IN:
			{
				StringInfoData s;
				int			n = 0;
				int			k;

				initStringInfo(&s);
				for (k = 0; k < list_length(COND_VALUES(cond)); k++)
				{
					int			i = list_nth_int(COND_VALUES(cond), k);
					Datum	   *elems;
					bool	   *nulls;
					int			nelems;
					Oid			elemtype = InvalidOid;
					int			e;

					value_elements(b->vals, i, list_nth_int(COND_ARRAYS(cond), k) != 0,
								   &elems, &nulls, &nelems, &elemtype);
					for (e = 0; e < nelems; e++)
					{
						if (nulls[e])
							continue;
						if (n == MAX_IN_OPERANDS)
							return NULL;
						v = value_placeholder(b, elems[e], elemtype, COND_TAG(cond), false);
						if (v == NULL)
							return NULL;
						appendStringInfo(&s, "%s%s", n++ ? ", " : "", v);
					}
				}
				if (n == 0)
					return NULL;
				return psprintf("(%s IN (%s) OR NOT attribute_type(%s, %s))",
								name, s.data, name, type_placeholder(b, COND_TAG(cond)));
			}
		default:
			v = leaf_value(b, cond, 0, false, &isnull);
			if (v == NULL)
				return NULL;
			return psprintf("(%s %s %s OR NOT attribute_type(%s, %s))",
							name, op_text(op), v, name, type_placeholder(b, COND_TAG(cond)));
	}
}

/* Compares two encoded key values the way DynamoDB orders them. */
static int
compare_key_values(Datum a, Oid atype, Datum b, Oid btype, char tag)
{
	if (tag == 'N')
	{
		Datum		na = DirectFunctionCall3(numeric_in, CStringGetDatum(ddb_number_text(a, atype)),
											 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
		Datum		nb = DirectFunctionCall3(numeric_in, CStringGetDatum(ddb_number_text(b, btype)),
											 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));

		return DatumGetInt32(DirectFunctionCall2(numeric_cmp, na, nb));
	}
	else
	{
		/* S as UTF-8 bytes, B as bytes */
		struct varlena *va = PG_DETOAST_DATUM_PACKED(a);
		struct varlena *vb = PG_DETOAST_DATUM_PACKED(b);
		const char *pa = VARDATA_ANY(va);
		const char *pb = VARDATA_ANY(vb);
		int			la = VARSIZE_ANY_EXHDR(va);
		int			lb = VARSIZE_ANY_EXHDR(vb);
		int			r;

		if (tag == 'S')
		{
			pa = ddb_server_to_utf8(pa, &la);
			pb = ddb_server_to_utf8(pb, &lb);
		}
		r = memcmp(pa, pb, Min(la, lb));
		return r != 0 ? r : (la > lb) - (la < lb);
	}
}

/* The KeyConditionExpression of a Query; sets parts->empty when no item can match. */
static char *
build_key_condition(Builder *b, List *pk, List *sk)
{
	char	   *pname = name_placeholder(b, COND_ATTNUM(pk));
	char	   *pv;
	char	   *sname;
	char	   *v1;
	char	   *v2;
	bool		isnull;

	pv = leaf_value(b, pk, 0, true, &isnull);
	if (pv == NULL)
	{
		/* NULL, or no key can be this value */
		b->parts->empty = true;
		return NULL;
	}
	if (sk == NIL)
		return psprintf("%s = %s", pname, pv);

	/* a sort key value that cannot be sent: the partition, rechecked */
	switch (COND_OP(sk))
	{
		case DDB_COND_BETWEEN:
			{
				int			i1 = list_nth_int(COND_VALUES(sk), 0);
				int			i2 = list_nth_int(COND_VALUES(sk), 1);
				const DdbCondValues *vals = b->vals;

				if (vals->nulls[i1] || vals->nulls[i2])
				{
					b->parts->empty = true;
					return NULL;
				}
				/* DynamoDB refuses BETWEEN a AND b with a > b: nothing matches */
				{
					StringInfoData t1,
								t2;

					initStringInfo(&t1);
					initStringInfo(&t2);
					if (!append_attribute_value(&t1, vals->values[i1], vals->types[i1], COND_TAG(sk), false) ||
						!append_attribute_value(&t2, vals->values[i2], vals->types[i2], COND_TAG(sk), false))
						return psprintf("%s = %s", pname, pv);
				}
				if (compare_key_values(vals->values[i1], vals->types[i1],
									   vals->values[i2], vals->types[i2], COND_TAG(sk)) > 0)
				{
					b->parts->empty = true;
					return NULL;
				}
				sname = name_placeholder(b, COND_ATTNUM(sk));
				v1 = leaf_value(b, sk, 0, false, &isnull);
				v2 = leaf_value(b, sk, 1, false, &isnull);
				return psprintf("%s = %s AND %s BETWEEN %s AND %s", pname, pv, sname, v1, v2);
			}
		case DDB_COND_BEGINS:
			{
				StringInfoData t;
				int			i = list_nth_int(COND_VALUES(sk), 0);

				initStringInfo(&t);
				if (!append_attribute_value(&t, b->vals->values[i], b->vals->types[i], 'S', false))
					return psprintf("%s = %s", pname, pv);
				sname = name_placeholder(b, COND_ATTNUM(sk));
				v1 = leaf_value(b, sk, 0, false, &isnull);
				return psprintf("%s = %s AND begins_with(%s, %s)", pname, pv, sname, v1);
			}
		default:
			{
				StringInfoData t;
				int			i = list_nth_int(COND_VALUES(sk), 0);

				if (b->vals->nulls[i])
				{
					b->parts->empty = true;
					return NULL;
				}
				initStringInfo(&t);
				if (!append_attribute_value(&t, b->vals->values[i], b->vals->types[i],
											COND_TAG(sk), COND_OP(sk) == DDB_COND_EQ))
				{
					if (COND_OP(sk) == DDB_COND_EQ)
					{
						b->parts->empty = true;
						return NULL;
					}
					return psprintf("%s = %s", pname, pv);
				}
				sname = name_placeholder(b, COND_ATTNUM(sk));
				v1 = leaf_value(b, sk, 0, COND_OP(sk) == DDB_COND_EQ, &isnull);
				return psprintf("%s = %s AND %s %s %s", pname, pv, sname,
								op_text(COND_OP(sk)), v1);
			}
	}
}

/* The encoded key values of a key condition leaf (EQ or IN), duplicates out. */
static List *
key_values(Builder *b, List *leaf)
{
	List	   *result = NIL;
	int			k;

	if (leaf == NIL)
		return NIL;
	for (k = 0; k < list_length(COND_VALUES(leaf)); k++)
	{
		int			i = list_nth_int(COND_VALUES(leaf), k);
		Datum	   *elems;
		bool	   *nulls;
		int			n;
		Oid			elemtype = InvalidOid;
		int			e;

		value_elements(b->vals, i, list_nth_int(COND_ARRAYS(leaf), k) != 0,
					   &elems, &nulls, &n, &elemtype);
		for (e = 0; e < n; e++)
		{
			StringInfoData s;
			ListCell   *lc;
			bool		dup = false;

			if (nulls[e])
				continue;
			initStringInfo(&s);
			if (!append_attribute_value(&s, elems[e], elemtype, COND_TAG(leaf), true))
				continue;		/* no key is this value */
			foreach(lc, result)
				if (strcmp(lfirst(lc), s.data) == 0)
					dup = true;
			if (!dup)
				result = lappend(result, s.data);
		}
	}
	return result;
}

/* GetItem/BatchGetItem keys: every partition key with every sort key. */
static List *
build_keys(Builder *b, List *pk, List *sk)
{
	List	   *pks = key_values(b, pk);
	List	   *sks = key_values(b, sk);
	const char *pattr = b->map->columns[COND_ATTNUM(pk) - 1].attribute;
	StringInfoData pname;
	StringInfoData sname;
	List	   *keys = NIL;
	ListCell   *lp;
	ListCell   *ls;

	initStringInfo(&pname);
	ddb_append_json_string(&pname, pattr, strlen(pattr));
	if (sk != NIL)
	{
		const char *sattr = b->map->columns[COND_ATTNUM(sk) - 1].attribute;

		initStringInfo(&sname);
		ddb_append_json_string(&sname, sattr, strlen(sattr));
	}
	foreach(lp, pks)
	{
		if (sk == NIL)
		{
			keys = lappend(keys, psprintf("{%s:%s}", pname.data, (char *) lfirst(lp)));
			continue;
		}
		foreach(ls, sks)
			keys = lappend(keys, psprintf("{%s:%s,%s:%s}", pname.data, (char *) lfirst(lp),
										  sname.data, (char *) lfirst(ls)));
	}
	return keys;
}

static void
init_parts(DdbRequestParts *parts)
{
	memset(parts, 0, sizeof(*parts));
	initStringInfo(&parts->names);
	initStringInfo(&parts->values);
}

void
ddb_build_request(const DdbTableMapping *map, DdbOperation op, List *key_conds, List *filters,
				  const DdbCondValues *vals, DdbRequestParts *parts)
{
	Builder		b;
	List	   *pk = key_conds ? linitial(key_conds) : NIL;
	List	   *sk = list_length(key_conds) > 1 ? lsecond(key_conds) : NIL;
	int			attempt;

	for (attempt = 0; attempt < 2; attempt++)
	{
		memset(&b, 0, sizeof(b));
		b.map = map;
		b.vals = vals;
		b.parts = parts;
		init_parts(parts);

		if (op == DDB_OP_GET || op == DDB_OP_BATCH)
		{
			/* no filter on GetItem/BatchGetItem: PostgreSQL checks */
			parts->keys = build_keys(&b, pk, sk);
			parts->empty = parts->keys == NIL;
			return;
		}
		if (op == DDB_OP_QUERY)
		{
			parts->key_condition = build_key_condition(&b, pk, sk);
			if (parts->empty)
				return;
		}
		if (filters != NIL && attempt == 0)
		{
			List	   *all = list_length(filters) == 1 ? linitial(filters) :
				list_make2(makeInteger(DDB_COND_AND), filters);

			parts->filter = build_filter(&b, all);
			/* too long for DynamoDB: without it (PostgreSQL filters) */
			if (parts->filter && strlen(parts->filter) > MAX_EXPRESSION_BYTES)
				continue;
		}
		emit_placeholders(&b);
		return;
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
			appendStringInfo(s, " %s %s", op_text(op), VALUE(0));
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
