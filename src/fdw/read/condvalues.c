/*-------------------------------------------------------------------------
 *
 * condvalues.c
 *		The values of pushed-down conditions at execution: evaluated
 *		(ddb_eval_cond_values), encoded as DynamoDB attribute values, and
 *		a list of partition keys turned into one Query each
 *		(ddb_build_query_list, for multiquery.c).  The expressions that name
 *		them are built in deparse.c.
 *
 * IDENTIFICATION
 *		src/fdw/read/condvalues.c
 *
 *-------------------------------------------------------------------------
 */
#include "pushdown.h"

#include "executor/executor.h"
#include "nodes/nodeFuncs.h"
#include "utils/array.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "write/encode.h"

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
bool
ddb_append_attribute_value(StringInfo out, Datum v, Oid typid, char tag, bool key)
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

/*
 * Whether every value of leaf c (plan-time: Const nodes) is one DynamoDB
 * can hold, as a key value (so neither NULL, nor an empty string).
 */
bool
ddb_cond_consts_sendable(List *c)
{
	ListCell   *lc;
	ListCell   *la;

	forboth(lc, COND_VALUES(c), la, COND_ARRAYS(c))
	{
		Const	   *k = lfirst(lc);
		StringInfoData s;

		if (!IsA(k, Const) || k->constisnull)
			return false;
		initStringInfo(&s);
		if (lfirst_int(la))
		{
			ArrayType  *a = DatumGetArrayTypeP(k->constvalue);
			Datum	   *elems;
			bool	   *nulls;
			int			n;
			int16		typlen;
			bool		typbyval;
			char		typalign;
			int			e;

			get_typlenbyvalalign(ARR_ELEMTYPE(a), &typlen, &typbyval, &typalign);
			deconstruct_array(a, ARR_ELEMTYPE(a), typlen, typbyval, typalign, &elems, &nulls, &n);
			for (e = 0; e < n; e++)
				if (nulls[e] || !ddb_append_attribute_value(&s, elems[e], ARR_ELEMTYPE(a),
														COND_TAG(c), true))
					return false;
		}
		else if (!ddb_append_attribute_value(&s, k->constvalue, k->consttype, COND_TAG(c), true))
			return false;
	}
	return true;
}

/* The elements of value i (an array or a single value). */
void
ddb_cond_value_elements(const DdbCondValues *vals, int i, bool is_array, Datum **elems,
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
 * Execution: a list of partition keys as Queries
 * ----------------------------------------------------------------
 */

/* An encoded key value and where the list named it first. */
typedef struct KeyText
{
	char	   *text;
	int			pos;
} KeyText;

static int
key_text_cmp(const void *a, const void *b)
{
	const KeyText *ka = a;
	const KeyText *kb = b;
	int			r = strcmp(ka->text, kb->text);

	return r != 0 ? r : (ka->pos > kb->pos) - (ka->pos < kb->pos);
}

void
ddb_build_query_list(const DdbTableMapping *map, List *key_conds, List *filters,
					 const DdbCondValues *vals, DdbQueryList *out)
{
	List	   *pk = linitial(key_conds);
	List	   *sk = list_length(key_conds) > 1 ? lsecond(key_conds) : NIL;
	int			slot = vals->nvalues;
	DdbCondValues one;
	List	   *eq;
	List	   *conds;
	Datum	   *keys = NULL;
	Oid		   *key_types = NULL;
	KeyText    *texts = NULL;
	bool	   *dup;
	int			nkeys = 0;
	MemoryContext build_cxt;
	int			k;
	int			i;

	memset(out, 0, sizeof(*out));

	/* every element of the list DynamoDB can hold as a key */
	for (k = 0; k < list_length(COND_VALUES(pk)); k++)
	{
		Datum	   *elems;
		bool	   *nulls;
		int			n;
		Oid			elemtype = InvalidOid;
		int			e;

		ddb_cond_value_elements(vals, list_nth_int(COND_VALUES(pk), k),
					   list_nth_int(COND_ARRAYS(pk), k) != 0,
					   &elems, &nulls, &n, &elemtype);
		keys = keys ? repalloc(keys, sizeof(Datum) * (nkeys + n + 1)) :
			palloc(sizeof(Datum) * (n + 1));
		key_types = key_types ? repalloc(key_types, sizeof(Oid) * (nkeys + n + 1)) :
			palloc(sizeof(Oid) * (n + 1));
		texts = texts ? repalloc(texts, sizeof(KeyText) * (nkeys + n + 1)) :
			palloc(sizeof(KeyText) * (n + 1));
		for (e = 0; e < n; e++)
		{
			StringInfoData t;

			if (nulls[e])
				continue;
			initStringInfo(&t);
			if (!ddb_append_attribute_value(&t, elems[e], elemtype, COND_TAG(pk), true))
				continue;		/* no key is this value */
			keys[nkeys] = elems[e];
			key_types[nkeys] = elemtype;
			texts[nkeys].text = t.data;
			texts[nkeys].pos = nkeys;
			nkeys++;
		}
	}
	if (nkeys == 0)
		return;

	/* a value named twice is asked for once: the first time */
	dup = palloc0(sizeof(bool) * nkeys);
	qsort(texts, nkeys, sizeof(KeyText), key_text_cmp);
	for (i = 1; i < nkeys; i++)
		if (strcmp(texts[i].text, texts[i - 1].text) == 0)
			dup[texts[i].pos] = true;

	/* each Query: the list's condition as "= this value" (value slot) */
	one.nvalues = slot + 1;
	one.values = palloc(sizeof(Datum) * one.nvalues);
	one.nulls = palloc0(sizeof(bool) * one.nvalues);
	one.types = palloc(sizeof(Oid) * one.nvalues);
	memcpy(one.values, vals->values, sizeof(Datum) * slot);
	memcpy(one.nulls, vals->nulls, sizeof(bool) * slot);
	memcpy(one.types, vals->types, sizeof(Oid) * slot);
	eq = list_make5(makeInteger(DDB_COND_EQ), makeInteger(COND_ATTNUM(pk)),
					makeInteger(COND_TAG(pk)), list_make1_int(slot), list_make1_int(0));
	conds = sk != NIL ? list_make2(eq, sk) : list_make1(eq);
	/* each request is built in a context of its own: a long list stays small */
	build_cxt = AllocSetContextCreate(CurrentMemoryContext, "ddb_fdw query list",
									  ALLOCSET_DEFAULT_SIZES);
	for (i = 0; i < nkeys; i++)
	{
		DdbRequestParts parts;
		MemoryContext old;

		if (dup[i])
			continue;
		one.values[slot] = keys[i];
		one.types[slot] = key_types[i];
		old = MemoryContextSwitchTo(build_cxt);
		ddb_build_request(map, DDB_OP_QUERY, conds, filters, &one, &parts);
		MemoryContextSwitchTo(old);
		if (parts.empty)
		{
			/* the sort key condition: no item of any partition matches */
			list_free_deep(out->values);
			out->values = NIL;
			break;
		}
		/* only the partition key's value differs from Query to Query */
		if (out->values == NIL)
		{
			out->key_condition = pstrdup(parts.key_condition);
			out->filter = parts.filter ? pstrdup(parts.filter) : NULL;
			out->names = pstrdup(parts.names.data);
		}
		Assert(strcmp(out->key_condition, parts.key_condition) == 0);
		out->values = lappend(out->values, psprintf("{%s}", parts.values.data));
		MemoryContextReset(build_cxt);
	}
	MemoryContextDelete(build_cxt);
}
