/*-------------------------------------------------------------------------
 *
 * catalog_int.h
 *		What the files of the sync's catalog share: one catalog statement,
 *		run with the catalog owner's rights under the pinned search_path
 *		(catalog.c says how and why).
 *
 * IDENTIFICATION
 *		src/fdw/sync/catalog_int.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_SYNC_CATALOG_INT_H
#define DDB_SYNC_CATALOG_INT_H

#include "catalog.h"

/*
 * Runs one catalog statement as the owner; returns SPI's result code (the
 * rows are in SPI_tuptable).  An SPI failure is an internal error.
 */
extern int	sync_catalog_exec(SyncJob *job, const char *sql, int nargs, Oid *types,
							  Datum *values, const char *nulls);

#endif							/* DDB_SYNC_CATALOG_INT_H */
