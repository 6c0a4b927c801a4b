/*-------------------------------------------------------------------------
 *
 * schema.h
 *		What the files of IMPORT FOREIGN SCHEMA share.
 *
 * IDENTIFICATION
 *		src/fdw/schema/schema.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_SCHEMA_H
#define DDB_SCHEMA_H

#include "ddb_fdw.h"

/* in ttl.c */

/*
 * The table's TTL attribute while TTL is on (palloc'd), or NULL (off, or
 * DescribeTimeToLive refused).
 */
extern char *ddb_import_ttl_attribute(DdbConnection *conn, const char *table);

/* The column definition of a TTL attribute: timestamptz, epoch_seconds. */
extern void ddb_import_append_ttl_column(StringInfo buf, const char *colname,
										 const char *attr);

#endif							/* DDB_SCHEMA_H */
