/*-------------------------------------------------------------------------
 *
 * infer.h
 *		Schema inference: what each attribute of a sample of items holds,
 *		and the column type the inference rules give it.
 *
 * Items are added one at a time as DynamoDB writes them (a JSON object of
 * attribute values, {"name": {"S": "x"}, ...}).  For every top-level
 * attribute the statistics count the items holding it and its values by
 * kind: the DynamoDB type, refined where a column type depends on it (a
 * string that is an ISO 8601 timestamp or a UUID, a number that is an
 * integer within int8).  ddb_infer_type applies the rules of README
 * "Schema inference" to those counts.  Nothing here knows PostgreSQL: the
 * type is an enum, the FDW side turns it into a type.
 *
 * IDENTIFICATION
 *		src/aws/infer.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_INFER_H
#define DDB_INFER_H

#include "aws.h"

/* What one value is. */
typedef enum DdbValueKind
{
	DDB_VK_STRING,				/* S, none of the two below */
	DDB_VK_TIMESTAMP,			/* S holding an ISO 8601 date and time */
	DDB_VK_UUID,				/* S holding a UUID (8-4-4-4-12 hex digits) */
	DDB_VK_INTEGER,				/* N: an integer within int8 */
	DDB_VK_NUMBER,				/* N: any other number */
	DDB_VK_BINARY,				/* B */
	DDB_VK_BOOL,
	DDB_VK_NULL,
	DDB_VK_MAP,					/* M */
	DDB_VK_LIST,				/* L */
	DDB_VK_STRING_SET,			/* SS */
	DDB_VK_INTEGER_SET,			/* NS: every member an integer within int8 */
	DDB_VK_NUMBER_SET,			/* NS: any other */
	DDB_VK_BINARY_SET,			/* BS */
	DDB_VK_COUNT
} DdbValueKind;

/* One attribute of the sample. */
typedef struct DdbAttrStat
{
	char	   *name;			/* UTF-8, NUL-terminated (malloc'd) */
	size_t		name_len;
	bool		name_has_nul;	/* the name holds U+0000 */
	long		items;			/* sampled items holding it */
	long		kinds[DDB_VK_COUNT];	/* its values by kind */
	long		last_item;		/* the item that counted it last */
	DdbValueKind pending;		/* its kind in the item being added */
} DdbAttrStat;

/* The statistics of a sample. */
typedef struct DdbAttrStats
{
	long		items;			/* items added */
	int			nattrs;
	int			cap;
	DdbAttrStat *attrs;			/* in order of first appearance */
	int		   *slots;			/* hash: index into attrs, -1 empty */
	int			nslots;			/* power of two */
	int		   *touched;		/* attributes of the item being added */
	int			ntouched;
	int			touched_cap;
} DdbAttrStats;

extern void ddb_attr_stats_init(DdbAttrStats *st);
extern void ddb_attr_stats_free(DdbAttrStats *st);

/*
 * Adds one item (len bytes of JSON: an object of attribute values).  False
 * with err set (DDB_AWS_ERR_MALFORMED, DDB_AWS_ERR_OOM) when it is not one;
 * the statistics are then as they were before.
 */
extern bool ddb_attr_stats_add_item(DdbAttrStats *st, const char *item,
									size_t len, DdbAwsError *err);

/* The attribute named name (len bytes of UTF-8), or NULL. */
extern const DdbAttrStat *ddb_attr_stats_find(const DdbAttrStats *st,
											  const char *name, size_t len);

/* The column type an attribute's values give (README "Schema inference"). */
typedef enum DdbInferredType
{
	DDB_TYPE_TEXT,
	DDB_TYPE_TIMESTAMPTZ,
	DDB_TYPE_UUID,
	DDB_TYPE_INT8,
	DDB_TYPE_NUMERIC,
	DDB_TYPE_BOOL,
	DDB_TYPE_BYTEA,
	DDB_TYPE_TEXT_ARRAY,
	DDB_TYPE_INT8_ARRAY,
	DDB_TYPE_NUMERIC_ARRAY,
	DDB_TYPE_BYTEA_ARRAY,
	DDB_TYPE_JSONB
} DdbInferredType;

extern DdbInferredType ddb_infer_type(const DdbAttrStat *a);

/* PostgreSQL's name of an inferred type ("int8", "text[]", ...). */
extern const char *ddb_inferred_type_name(DdbInferredType t);

/*
 * Appends what the sample says of an attribute to out: presence and the
 * values by DynamoDB type, with how many of them fit the refined types:
 * "present in 850 of 1000 sampled items (85.0%): S 800 (timestamptz 800),
 * NULL 50".  sample_items is the sample's size.
 */
extern void ddb_attr_stat_describe(const DdbAttrStat *a, long sample_items,
								   DdbBuf *out);

/* The values by DynamoDB type only: "S 800 (timestamptz 800), NULL 50". */
extern void ddb_attr_stat_describe_types(const DdbAttrStat *a, DdbBuf *out);

/* Value classes, for the statistics and their tests. */
extern bool ddb_infer_is_timestamp(const char *s, size_t len);
extern bool ddb_infer_is_uuid(const char *s, size_t len);
extern bool ddb_infer_is_int8(const char *s, size_t len);

#endif							/* DDB_INFER_H */
