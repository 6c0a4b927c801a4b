/*-------------------------------------------------------------------------
 *
 * sync.h
 *		What the sync procedures (sync.c) and the stream reader (stream.c)
 *		share.
 *
 * IDENTIFICATION
 *		src/fdw/sync.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_SYNC_H
#define DDB_SYNC_H

#include "ddb_fdw.h"

#include "executor/spi.h"
#include "utils/timestamp.h"

#include "scanner.h"

typedef enum SyncMode
{
	SYNC_MODE_AUTO,				/* the stream when it can, else a snapshot */
	SYNC_MODE_SNAPSHOT,
	SYNC_MODE_STREAM			/* the stream, or an error without one */
} SyncMode;

/* The arguments both procedures share. */
typedef struct SyncOptions
{
	bool		restart;
	bool		wait;
	bool		soft_delete;
	bool		synced_at;
	int			progress;		/* NOTICE every this many pages; 0: never */
	SyncMode	mode;
	int64		max_records;	/* stream records per run; 0: no limit */
	int64		max_duration_ms;	/* a stream run's length; 0: no limit */
} SyncOptions;

/* Everything one sync of one table works with. */
typedef struct SyncJob
{
	Oid			foreign_oid;
	char	   *foreign_name;	/* qualified, quoted: for messages and SQL */
	Oid			target_oid;
	char	   *target_name;
	SyncOptions opts;
	bool		nonatomic;		/* may commit between pages */
	Oid			catalog_owner;
	MemoryContext cxt;			/* survives the commits */

	/* columns: foreign attnum -> target attnum (0: not synced) */
	int			foreign_natts;
	AttrNumber *target_attnum;
	TupleDesc	target_desc;	/* copy */
	TupleDesc	foreign_desc;	/* copy */
	Oid			target_rowtype;
	Oid			target_arraytype;
	AttrNumber	snapshot_attnum;
	AttrNumber	synced_attnum;	/* 0 when absent */
	AttrNumber	deleted_attnum; /* 0 when absent */
	int			nkeys;			/* key columns (1 or 2) */
	AttrNumber	key_attnums[2]; /* in the foreign table */

	SPIPlanPtr	upsert_plan;
	SPIPlanPtr	page_plan;
	SPIPlanPtr	delete_plan;	/* rows by key arrays (stream REMOVE) */
	SPIPlanPtr	counting_plan;	/* upsert_plan, counting new rows */

	int64		snapshot;
	int64		run_id;
	int			total_segments;
	bool		resuming;
	bool		streaming;		/* this run applies the stream */

	/* counters of this run */
	int64		rows_upserted;
	int64		rows_deleted;
	int64		rows_added;		/* upserts that inserted (stream runs) */
	int64		pages;
	double		capacity;
	int64		inserts;		/* stream records applied */
	int64		modifies;
	int64		removes;
	TimestampTz started;
} SyncJob;

/* in sync.c */
extern int	sync_catalog_exec(SyncJob *job, const char *sql, int nargs, Oid *types,
							  Datum *values, const char *nulls);
extern void sync_commit_step(SyncJob *job);
extern Datum sync_text_or_null(const char *s, char *null);
extern int64 sync_upsert_rows(SyncJob *job, int nrows, const Datum *values,
							  const bool *nulls, int natts, TimestampTz now,
							  int64 *added);
extern int64 sync_delete_keys(SyncJob *job, int nrows, Datum **keys);

/* in stream.c */
extern bool sync_stream_usable(const DdbTableDesc *desc);
extern void sync_stream_record_start(SyncJob *job, DdbConnection *conn,
									 const DdbTableDesc *desc);
extern char *sync_stream_apply(SyncJob *job, DdbScanner *sc,
							   const DdbTableDesc *desc, TimestampTz stream_from);

#endif							/* DDB_SYNC_H */
