/*-------------------------------------------------------------------------
 *
 * schema.h
 *		What the files of src/fdw/schema share: sampling a DynamoDB table
 *		by name (sample.c), the inferred columns of IMPORT FOREIGN SCHEMA
 *		(infer.c), the comments the import attaches to what it creates
 *		(comment.c), ddb_fdw.schema_drift (drift.c), and the column of a
 *		table's Time to Live attribute (ttl.c).
 *
 * IDENTIFICATION
 *		src/fdw/schema/schema.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_SCHEMA_H
#define DDB_SCHEMA_H

#include "ddb_fdw.h"

#include "aws/infer.h"

/* ----------------------------------------------------------------
 * sample.c
 * ----------------------------------------------------------------
 */

/* What is sampled, and how. */
typedef struct DdbSampleSource
{
	DdbConnection *conn;
	const char *table_name;
	const char *index_name;		/* NULL: the table */
	bool		consistent_read;
	int			page_size;		/* the page_size option (DDB_PAGE_SIZE_*) */
	double		max_read_units_per_second;	/* the option; 0: no limit */
	long long	item_count;		/* DescribeTable's, negative: unknown */
	int			sample_size;	/* items wanted */
	uint64		seed;
} DdbSampleSource;

/* What reading the sample took. */
typedef struct DdbSampleCost
{
	long		items;			/* items in the sample */
	int			segments_read;
	int			total_segments; /* of the split read from; 1: none */
	int			requests;
	double		read_units;		/* ConsumedCapacity summed */
} DdbSampleCost;

/*
 * Called for each sampled item: len bytes of JSON (an object of attribute
 * values, as DynamoDB wrote it) valid during the call.  May raise errors.
 */
typedef void (*DdbSampleVisit) (const char *item, size_t len, void *arg);

/*
 * Reads at most src->sample_size items of a table from randomly chosen
 * segments (src/aws/sample.h), in pages of its page size, never asking
 * for more items than the sample still needs, within its read-rate limit.
 * The same seed reads the same items of the same table.  Raises errors of
 * the requests.
 */
extern void ddb_sample_table(const DdbSampleSource *src, DdbSampleVisit visit,
							 void *arg, DdbSampleCost *cost);

/* The NOTICE's text of what a sample cost (palloc'd). */
extern char *ddb_sample_cost_text(const DdbSampleCost *cost);

/* Statistics of sampled items, in memory freed with the current context. */
extern DdbAttrStats *ddb_sample_stats_create(void);
/* A visit callback adding each item to a DdbAttrStats (arg). */
extern void ddb_sample_add_to_stats(const char *item, size_t len, void *arg);

/* List order of DdbAttrStat pointers: the most frequent first, then by name. */
extern int	ddb_attr_stat_presence_cmp(const ListCell *a, const ListCell *b);

/* The type the rules give, as PostgreSQL's type OID. */
extern Oid	ddb_inferred_type_oid(DdbInferredType t);

/* A DynamoDB attribute name (UTF-8) in the server encoding (palloc'd). */
extern char *ddb_attribute_from_utf8(const char *name, size_t len);

/* ----------------------------------------------------------------
 * import.c
 * ----------------------------------------------------------------
 */

/* An identifier from a name in the server encoding: cut to NAMEDATALEN - 1
 * bytes at a character boundary (palloc'd). */
extern char *ddb_identifier_from_server(const char *name);

/* name, made unique among used (C strings) with _2, _3, ..., and added. */
extern char *ddb_unique_name(char *name, List **used);

/* ----------------------------------------------------------------
 * infer.c
 * ----------------------------------------------------------------
 */

/* The import's inference options. */
typedef struct DdbInferOptions
{
	bool		infer;
	int			sample_size;
	double		min_presence;	/* percent of the sample */
	uint64		seed;
	bool		unmapped_only;	/* the item column holds only the rest */
} DdbInferOptions;

/* What the import needs of a DescribeTable answer (palloc'd). */
typedef struct DdbImportTable
{
	char	   *name;
	char	   *partition_key;
	char		partition_type;
	char	   *sort_key;
	char		sort_type;
	long long	item_count;
	char	   *ttl_attribute;	/* while TTL is on; NULL: off or unknown */
} DdbImportTable;

/* One inferred column. */
typedef struct DdbInferredColumn
{
	char	   *attribute;		/* in the server encoding */
	Oid			typid;
	char	   *comment;
} DdbInferredColumn;

/* The options' defaults; then, for each import option, */
extern void ddb_infer_options_init(DdbInferOptions *o);
/* whether def is an inference option, parsed into o if so. */
extern bool ddb_infer_option(DefElem *def, DdbInferOptions *o);

/*
 * Samples a DynamoDB table (t: from its DescribeTable; opts: the server's
 * page size and read-rate limit) and returns its inferred columns (List of
 * DdbInferredColumn, ordered by attribute name, at most as many as a table
 * can have besides the keys and the item column),
 * leaving out the key attributes; *table_comment says what was sampled.
 * Reports the sample's cost in a NOTICE.
 */
extern List *ddb_infer_columns(DdbConnection *conn, const DdbImportTable *t,
							   const DdbOptions *opts, const DdbInferOptions *o,
							   char **table_comment);

/* ----------------------------------------------------------------
 * comment.c
 * ----------------------------------------------------------------
 */

/* (ddb_import_comments_init, the hook's installation, is in ddb_fdw.h) */

/* Forgets the comments of an earlier import (at the start of one). */
extern void ddb_import_comments_forget(void);

/*
 * Comments for the foreign table schema.relname that a command of this
 * import will create: on the table, and on its columns (List of pairs of
 * column name and comment, as two Lists of C strings).
 */
extern void ddb_import_comments_expect(const char *schema, const char *relname,
									   const char *table_comment,
									   List *column_names, List *comments);

/* ----------------------------------------------------------------
 * ttl.c
 * ----------------------------------------------------------------
 */

/*
 * The table's TTL attribute while TTL is on (palloc'd), or NULL (off, or
 * DescribeTimeToLive refused).
 */
extern char *ddb_import_ttl_attribute(DdbConnection *conn, const char *table);

#endif							/* DDB_SCHEMA_H */
