/*-------------------------------------------------------------------------
 *
 * deparse.c
 *		The text of a read request: the key condition, the filter, the keys
 *		of GetItem and BatchGetItem with their placeholders and values (from
 *		conditions, see shippable.c), and the projection.
 *
 * Every name and value travels as a placeholder (#c0, :v0), so reserved
 * words and any character are safe.  Only the placeholders the expressions
 * use are sent (DynamoDB refuses unused ones).  A value DynamoDB cannot hold
 * drops its condition from the filter, or makes a key lookup empty.
 *
 * IDENTIFICATION
 *		src/fdw/read/deparse.c
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
#include "core/timefmt.h"

/* DynamoDB accepts expressions up to 4 KB */
#define MAX_EXPRESSION_BYTES 4096
/* and up to 100 operands for IN */
#define MAX_IN_OPERANDS 100
#include "utils/ruleutils.h"


/* ----------------------------------------------------------------
 * Execution: expressions
 * ----------------------------------------------------------------
 */
static int	compare_key_values(Datum a, Oid atype, Datum b, Oid btype, char tag);

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
	char		value_letter;	/* the v of :vN ('\0': 'v') */
	bool		strict;			/* a write's condition: true only for items
								 * PostgreSQL accepts (below) */
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

/* The next value placeholder, naming json (an encoded attribute value). */
static char *
add_value(Builder *b, char *json)
{
	char	   *ph = psprintf(":%c%d", b->value_letter ? b->value_letter : 'v',
							  b->next_value++);

	b->values = lappend(b->values, list_make2(makeString(ph), makeString(json)));
	return ph;
}

/* A placeholder for an encoded value; NULL when it cannot be sent. */
static char *
value_placeholder(Builder *b, Datum v, Oid typid, char tag, bool key)
{
	StringInfoData json;

	initStringInfo(&json);
	if (!ddb_append_attribute_value(&json, v, typid, tag, key))
		return NULL;
	return add_value(b, json.data);
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

/*
 * Appends the attribute value the nth value of leaf is sent as; false when
 * it is NULL or cannot be sent.  A time column with a format sends a bound
 * that holds every value reading as it (an upper one for <= and BETWEEN's
 * second value, a lower one otherwise; timefmt.c).
 */
static bool
leaf_value_text(Builder *b, List *leaf, int nth, bool key, StringInfo out)
{
	int			i = list_nth_int(COND_VALUES(leaf), nth);
	const DdbColumnMap *col = &b->map->columns[COND_ATTNUM(leaf) - 1];

	if (b->vals->nulls[i])
		return false;
	if (col->format != DDB_FORMAT_DEFAULT)
		return ddb_time_append_bound(out, b->vals->values[i], col->typid, col->typmod,
									 col->format,
									 COND_OP(leaf) == DDB_COND_LE || COND_OP(leaf) == DDB_COND_LT ||
									 (COND_OP(leaf) == DDB_COND_BETWEEN && nth == 1));
	return ddb_append_attribute_value(out, b->vals->values[i], b->vals->types[i],
								  COND_TAG(leaf), key);
}

/* The single value of a leaf: NULL when it is NULL or cannot be sent. */
static char *
leaf_value(Builder *b, List *leaf, int nth, bool key, bool *isnull)
{
	int			i = list_nth_int(COND_VALUES(leaf), nth);
	StringInfoData json;

	*isnull = b->vals->nulls[i];
	if (*isnull)
		return NULL;
	initStringInfo(&json);
	if (!leaf_value_text(b, leaf, nth, key, &json))
		return NULL;
	return add_value(b, json.data);
}

/* Whether BETWEEN's values are in order (DynamoDB refuses them otherwise). */
static bool
between_ordered(Builder *b, List *leaf)
{
	int			i1 = list_nth_int(COND_VALUES(leaf), 0);
	int			i2 = list_nth_int(COND_VALUES(leaf), 1);
	const DdbCondValues *vals = b->vals;
	const DdbColumnMap *col = &b->map->columns[COND_ATTNUM(leaf) - 1];

	if (col->format != DDB_FORMAT_DEFAULT)
		return ddb_time_compare(vals->values[i1], vals->values[i2], col->typid) <= 0;
	return compare_key_values(vals->values[i1], vals->types[i1],
							  vals->values[i2], vals->types[i2], COND_TAG(leaf)) <= 0;
}

/* The DynamoDB text of a comparison operator. */
const char *
ddb_cond_op_text(int op)
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
 *
 * Strict (a write's condition), the implication goes the other way: the
 * condition holds only for items PostgreSQL accepts -- each comparison also
 * requires the attribute to have the column's native type (a missing
 * attribute is NULL, for which no comparison is true), and a condition that
 * cannot be built entirely is NULL.
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
				if (op == DDB_COND_OR || b->strict)
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
			return psprintf(b->strict ? "(begins_with(%s, %s) AND attribute_type(%s, %s))" :
							"(begins_with(%s, %s) OR NOT attribute_type(%s, %s))",
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

					ddb_cond_value_elements(b->vals, i, list_nth_int(COND_ARRAYS(cond), k) != 0,
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
				return psprintf(b->strict ? "(%s IN (%s) AND attribute_type(%s, %s))" :
								"(%s IN (%s) OR NOT attribute_type(%s, %s))",
								name, s.data, name, type_placeholder(b, COND_TAG(cond)));
			}
		case DDB_COND_BETWEEN:
			{
				char	   *v2;

				/* out of order: nothing matches, and DynamoDB would refuse it */
				v = leaf_value(b, cond, 0, false, &isnull);
				v2 = leaf_value(b, cond, 1, false, &isnull);
				if (v == NULL || v2 == NULL || !between_ordered(b, cond))
					return NULL;
				return psprintf("(%s BETWEEN %s AND %s OR NOT attribute_type(%s, %s))",
								name, v, v2, name, type_placeholder(b, COND_TAG(cond)));
			}
		default:
			v = leaf_value(b, cond, 0, false, &isnull);
			if (v == NULL)
				return NULL;
			return psprintf(b->strict ? "(%s %s %s AND attribute_type(%s, %s))" :
							"(%s %s %s OR NOT attribute_type(%s, %s))",
							name, ddb_cond_op_text(op), v, name, type_placeholder(b, COND_TAG(cond)));
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
					if (!leaf_value_text(b, sk, 0, false, &t1) ||
						!leaf_value_text(b, sk, 1, false, &t2))
						return psprintf("%s = %s", pname, pv);
				}
				if (!between_ordered(b, sk))
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
				if (!ddb_append_attribute_value(&t, b->vals->values[i], b->vals->types[i], 'S', false))
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
				if (!leaf_value_text(b, sk, 0, COND_OP(sk) == DDB_COND_EQ, &t))
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
								ddb_cond_op_text(COND_OP(sk)), v1);
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

		ddb_cond_value_elements(b->vals, i, list_nth_int(COND_ARRAYS(leaf), k) != 0,
					   &elems, &nulls, &n, &elemtype);
		for (e = 0; e < n; e++)
		{
			StringInfoData s;
			ListCell   *lc;
			bool		dup = false;

			if (nulls[e])
				continue;
			initStringInfo(&s);
			if (!ddb_append_attribute_value(&s, elems[e], elemtype, COND_TAG(leaf), true))
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

/*
 * The strict condition of a write (see build_filter) from conds (ANDed),
 * or NULL when it cannot be sent whole.  Its names (#cN, attribute names
 * in UTF-8) and values (value_letter N, and :tS and friends) are appended
 * to *names and *values as (String placeholder, String) pairs, values as
 * encoded JSON.
 */
char *
ddb_build_write_condition(const DdbTableMapping *map, List *conds, const DdbCondValues *vals,
						  char value_letter, List **names, List **values)
{
	Builder		b;
	DdbRequestParts parts;
	char	   *cond;
	ListCell   *lc;
	ListCell   *la;

	memset(&b, 0, sizeof(b));
	init_parts(&parts);
	b.map = map;
	b.vals = vals;
	b.parts = &parts;
	b.value_letter = value_letter;
	b.strict = true;
	cond = build_filter(&b, list_length(conds) == 1 ? linitial(conds) :
						list_make2(makeInteger(DDB_COND_AND), conds));
	if (cond == NULL || strlen(cond) > MAX_EXPRESSION_BYTES)
		return NULL;
	forboth(lc, b.names, la, b.name_attnums)
	{
		const char *attribute = map->columns[lfirst_int(la) - 1].attribute;
		int			len = strlen(attribute);
		const char *utf8 = ddb_server_to_utf8(attribute, &len);

		*names = lappend(*names, list_make2(linitial(lfirst(lc)),
											makeString(pnstrdup(utf8, len))));
	}
	*values = list_concat(*values, b.values);
	return cond;
}

/* ----------------------------------------------------------------
 * Projection
 * ----------------------------------------------------------------
 */

/*
 * The ProjectionExpression of names (attribute names, C strings): every
 * name through a placeholder (#a0, #a1, ...).  False when names is empty
 * (no projection: whole items).
 */
bool
ddb_build_projection(List *names, DdbProjection *p)
{
	StringInfoData expr;
	StringInfoData eav;
	StringInfoData shown;
	ListCell   *lc;
	int			n = 0;

	if (names == NIL)
		return false;
	initStringInfo(&expr);
	initStringInfo(&eav);
	initStringInfo(&shown);
	foreach(lc, names)
	{
		const char *name = lfirst(lc);
		StringInfoData quoted;

		initStringInfo(&quoted);
		ddb_append_json_string(&quoted, name, strlen(name));
		appendStringInfo(&expr, "%s#a%d", n > 0 ? "," : "", n);
		appendStringInfo(&eav, "%s\"#a%d\":%s", n > 0 ? "," : "", n, quoted.data);
		/* EXPLAIN shows plain names bare, others quoted as JSON strings */
		appendStringInfo(&shown, "%s%s", n > 0 ? ", " : "",
						 strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == strlen(name) ?
						 name : quoted.data);
		n++;
	}
	p->expression = expr.data;
	p->names = eav.data;
	p->shown = shown.data;
	return true;
}
