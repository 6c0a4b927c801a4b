/*-------------------------------------------------------------------------
 *
 * mapping.h
 *		The table mapping: what a foreign table is in DynamoDB's terms,
 *		resolved in one place and cached.
 *
 * A mapping holds the foreign table's options (with its server's), every
 * column's attribute (or whole-item role) and type, and the DynamoDB key:
 * the partition_key/sort_key options when set, else DescribeTable's key
 * schema (of the table, or of the index a foreign table exposes).  Where
 * both are known and disagree, every path raises the same error.
 *
 * The planner, the scan and its decoder, the writes, the sync and the
 * stream all read the mapping; segment workers receive it through the
 * scan's shared memory (ddb_mapping_serialize) instead of reading the
 * catalog.
 *
 * IDENTIFICATION
 *		src/fdw/core/mapping.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_MAPPING_H
#define DDB_MAPPING_H

#include "ddb_fdw.h"

/* One column of a foreign table. */
typedef struct DdbColumnMap
{
	AttrNumber	attnum;
	bool		dropped;
	char	   *name;			/* the column's name */
	char	   *attribute;		/* its DynamoDB attribute; NULL: whole item
								 * or dropped */
	bool		whole_item;
	bool		unmapped_only;	/* whole_item: only the attributes no other
								 * column reads */
	Oid			typid;
	int32		typmod;
	Oid			collid;
	char		native_tag;		/* the DynamoDB type it reads as itself: 'S',
								 * 'N', 'B', 'O' (BOOL), or '\0' (see
								 * README "Pushdown"); a formatted time
								 * column: 'N' (epoch) or 'S' (iso8601) */
	DdbTimeFormat format;		/* the option "format" (time columns) */
} DdbColumnMap;

/* One foreign table. */
typedef struct DdbTableMapping
{
	Oid			relid;
	char	   *relname;		/* unqualified, for messages */
	Oid			serverid;
	char	   *servername;
	DdbOptions	opts;			/* the table's and its server's options */
	int			natts;
	DdbColumnMap *columns;		/* by attnum - 1 */
	AttrNumber	item_attnum;	/* the first whole-item column, 0: none */

	/* the key (ddb_mapping_resolve_keys): options, else DescribeTable */
	bool		keys_resolved;	/* resolution was tried with DescribeTable */
	int			nkeys;			/* 0: unknown */
	char	   *key_attr[2];	/* partition key, sort key (NULL: none) */
	char		key_type[2];	/* 'S', 'N', 'B' when DescribeTable told */
	AttrNumber	key_attnum[2];	/* the columns holding them, 0: none */
} DdbTableMapping;

/*
 * The cached mapping of a foreign table (built when missing or
 * invalidated).  Valid until the end of the transaction; callers that work
 * across transactions (a sync) take a copy.  The key is as far as the
 * options tell: call ddb_mapping_resolve_keys for DescribeTable's.
 */
extern DdbTableMapping *ddb_mapping_get(Oid relid);

/*
 * Completes the key from DescribeTable through conn (NULL, or a table
 * DynamoDB will not describe: the options alone).  Raises an error naming
 * both when the options disagree with DynamoDB.
 */
extern void ddb_mapping_resolve_keys(DdbTableMapping *m, DdbConnection *conn);

/*
 * ddb_mapping_get, with the key completed through userid's user mapping
 * when there is one.
 */
extern DdbTableMapping *ddb_mapping_get_resolved(Oid relid, Oid userid);

/*
 * The key columns, for what needs them (writes, syncs): an error saying
 * why when the key is unknown or a key attribute has no column.
 */
extern void ddb_mapping_require_key_columns(const DdbTableMapping *m,
											const char *why);

/* A deep copy in cxt. */
extern DdbTableMapping *ddb_mapping_copy(const DdbTableMapping *m,
										 MemoryContext cxt);

/* The mapping as bytes (for a worker's shared memory), and back. */
extern Size ddb_mapping_serialized_size(const DdbTableMapping *m);
extern void ddb_mapping_serialize(const DdbTableMapping *m, char *dst, Size len);
extern DdbTableMapping *ddb_mapping_restore(const char *src, Size len);

/* A tuple descriptor laid out as the foreign table's (for a worker). */
extern TupleDesc ddb_mapping_tupdesc(const DdbTableMapping *m);

/* The DynamoDB type ('S', 'N', 'B', 'O') a value of typid is sent as, or '\0'. */
extern char ddb_value_tag(Oid typid);

/* The column holding attribute name (not the whole item), 0 if none. */
extern AttrNumber ddb_mapping_column_of(const DdbTableMapping *m, const char *name);

/*
 * For functions taking a foreign table (sync, schema_drift): an error
 * unless relid is a foreign table of ddb_fdw the current user may SELECT.
 */
extern void ddb_check_foreign_table(Oid relid);

#endif							/* DDB_MAPPING_H */
