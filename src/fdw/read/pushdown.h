/*-------------------------------------------------------------------------
 *
 * pushdown.h
 *		Which conditions DynamoDB evaluates, and how they are sent.
 *
 * IDENTIFICATION
 *		src/fdw/read/pushdown.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_PUSHDOWN_H
#define DDB_PUSHDOWN_H

#include "ddb_fdw.h"

#include "core/mapping.h"

#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"

/* Condition operators (the first element of a condition node). */
typedef enum DdbCondOp
{
	DDB_COND_EQ,
	DDB_COND_NE,
	DDB_COND_LT,
	DDB_COND_LE,
	DDB_COND_GT,
	DDB_COND_GE,
	DDB_COND_BETWEEN,			/* two values */
	DDB_COND_BEGINS,			/* begins_with: one value, a prefix */
	DDB_COND_IN,				/* values and arrays of values */
	DDB_COND_IS_NULL,
	DDB_COND_NOT_NULL,
	DDB_COND_AND,				/* (op, list of conditions) */
	DDB_COND_OR
} DdbCondOp;

/* The parts of a condition (below). */
#define COND_OP(c)		intVal(linitial(c))
#define COND_ATTNUM(c)	intVal(lsecond(c))
#define COND_TAG(c)		((char) intVal(lthird(c)))
#define COND_VALUES(c)	((List *) lfourth(c))
#define COND_ARRAYS(c)	((List *) list_nth(c, 4))

/*
 * A condition is a List:
 *	 leaf:	 (Integer op, Integer attnum, Integer tag, List values, IntList arrays)
 *	 AND/OR: (Integer op, List of conditions)
 * where tag is the DynamoDB type the column reads natively ('S', 'N', 'B',
 * or 'O' for BOOL), values the expressions compared with (while planning:
 * Expr nodes; in a plan: IntList of indexes into fdw_exprs), and arrays says
 * for each value whether it is an array of values (key IN / = ANY).
 *
 * Every condition sent to DynamoDB is also checked by PostgreSQL: DynamoDB
 * only needs to return a superset of the rows, never fewer.  See README
 * "Pushdown" for which conditions qualify.
 */

/* The key of the table, or of an index, as the planner sees it. */
typedef struct DdbKeySet
{
	const char *index_name;		/* NULL: the table itself */
	bool		global;			/* a GSI: no consistent reads */
	bool		unique;			/* the table's own key: GetItem possible */
	AttrNumber	pk_attnum;		/* columns holding the keys, 0 if none */
	AttrNumber	sk_attnum;
	bool		has_sort_key;
	/* index projection: NULL names = ALL */
	List	   *projected;		/* attribute names (String), or NIL */
	bool		projects_all;
} DdbKeySet;

/* Everything the planner keeps about a foreign table (GetForeignRelSize). */
typedef struct DdbRelInfo
{
	Bitmapset  *attrs_used;
	DdbOptions	opts;
	DdbTableMapping *map;		/* columns, attributes, the key */
	const DdbTableDesc *desc;	/* NULL: DescribeTable unknown */
	List	   *key_sets;		/* DdbKeySet *, the table's (or the exposed
								 * index's) first */
	List	   *filters;		/* top-level conditions DynamoDB can filter */
	List	   *filter_clauses; /* their RestrictInfos */
	double		items;			/* estimated items in the table */
	double		avg_item_bytes;
	long		limit_hint;		/* rows the query needs at most, 0: all */
} DdbRelInfo;

/* in shippable.c */
extern bool ddb_enable_pushdown;

extern List *ddb_translate_clause(DdbRelInfo *info, Index relid, Expr *clause,
								  bool allow_outer);

/* A key condition found among clauses. */
typedef struct DdbKeyMatch
{
	List	   *pk;				/* condition on the partition key (EQ or IN) */
	List	   *sk;				/* on the sort key, or NIL */
	List	   *clauses;		/* the RestrictInfos they came from */
	DdbOperation operation;
	double		keys;			/* how many keys a GetItem/BatchGetItem reads,
								 * or partition keys a Query asks for */
} DdbKeyMatch;

extern bool ddb_match_keys(DdbRelInfo *info, Index relid, DdbKeySet *ks,
						   List *rinfos, bool allow_outer, DdbKeyMatch *match);
extern List *ddb_cond_to_plan(List *cond, List **fdw_exprs);
extern List *ddb_cond_without(List *cond, AttrNumber a1, AttrNumber a2);

/* in condvalues.c: the values evaluated and encoded (deparse.c builds the
 * expressions that name them) */
typedef struct DdbCondValues
{
	int			nvalues;
	Datum	   *values;
	bool	   *nulls;
	Oid		   *types;
} DdbCondValues;

extern bool ddb_cond_consts_sendable(List *c);
extern void ddb_eval_cond_values(List *exprstates, ExprContext *econtext,
								 List *fdw_exprs, MemoryContext cxt,
								 DdbCondValues *vals);

/*
 * Appends v, a value of type typid, as a DynamoDB attribute value of type
 * tag; false (nothing appended) when it cannot be one.  Key values must not
 * be empty.
 */
extern bool ddb_append_attribute_value(StringInfo out, Datum v, Oid typid, char tag,
									   bool key);
/* The elements of value i of vals (an array, or a single value). */
extern void ddb_cond_value_elements(const DdbCondValues *vals, int i, bool is_array,
									Datum **elems, bool **nulls, int *n, Oid *elemtype);

/* The parts of one request, built from conditions. */
typedef struct DdbRequestParts
{
	StringInfoData names;		/* "#c0":"attr",... (members, no braces) */
	StringInfoData values;		/* ":c0":{...},... */
	int			nnames;
	int			nvalues;
	char	   *key_condition;	/* NULL: none */
	char	   *filter;			/* NULL: none */
	bool		empty;			/* no item can match: send nothing */
	List	   *keys;			/* GetItem/BatchGetItem: raw JSON keys */
} DdbRequestParts;

extern const char *ddb_cond_op_text(int op);
extern void ddb_build_request(const DdbTableMapping *map, DdbOperation op, List *key_conds,
							  List *filters, const DdbCondValues *vals,
							  DdbRequestParts *parts);

/*
 * The Queries of a list of partition keys (condvalues.c, for multiquery.c):
 * one per distinct value of key_conds' partition key condition (IN) that
 * DynamoDB can hold as a key, in the order the list first names them, each
 * with the sort key condition and the filters.  values NIL: nothing to ask (no value, or
 * a sort key condition no item meets).  Everything is palloc'd.
 */
typedef struct DdbQueryList
{
	char	   *key_condition;	/* the same for every Query */
	char	   *filter;			/* NULL: none */
	char	   *names;			/* ExpressionAttributeNames members */
	List	   *values;			/* per Query: ExpressionAttributeValues JSON */
} DdbQueryList;

extern void ddb_build_query_list(const DdbTableMapping *map, List *key_conds,
								 List *filters, const DdbCondValues *vals,
								 DdbQueryList *out);

extern char *ddb_build_write_condition(const DdbTableMapping *map, List *conds,
									   const DdbCondValues *vals, char value_letter,
									   List **names, List **values);

/* A ProjectionExpression and its ExpressionAttributeNames members. */
typedef struct DdbProjection
{
	char	   *expression;		/* "#a0,#a1" */
	char	   *names;			/* "\"#a0\":\"x\",..." (members, no braces) */
	char	   *shown;			/* for EXPLAIN */
} DdbProjection;

extern bool ddb_build_projection(List *names, DdbProjection *p);

/* in explain.c: EXPLAIN text of a condition list (ANDed) */
extern char *ddb_cond_display(const DdbTableMapping *map, List *conds, List *fdw_exprs,
							  List *names, List *deparse_cxt);

#endif							/* DDB_PUSHDOWN_H */
