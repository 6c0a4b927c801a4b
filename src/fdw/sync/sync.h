/*-------------------------------------------------------------------------
 *
 * sync.h
 *		What the files of the sync share: the job one sync of one table
 *		works with, and each file's entry points.
 *
 * The sync is four files and the stream reader:
 *	procedures.c	CALL ddb_fdw.sync / sync_server: arguments, one table's
 *					sync from set-up to the end of its run, mode choice
 *	catalog.c		every statement on ddb_fdw's own tables (run with the
 *					catalog owner's rights, search_path pinned), and the
 *					lock that serializes syncs of one target
 *	target.c		the target table: resolution, creation, column mapping,
 *					upserts and deletes (run with the caller's rights)
 *	engine.c		a snapshot's pages, read serially or by segment workers,
 *					each upserted and checkpointed in its own transaction
 *	stream.c		applies the table's DynamoDB stream (a GetRecords page:
 *					stream_page.c; what its records do: stream_records.c)
 *	stream_buffer.c	keeps the stream's records while a snapshot runs, and
 *					applies them when it ends
 *	progress.c		what a running sync reports: its shared memory slot,
 *					the progress NOTICEs
 *	progress_view.c	the slots read for the view ddb_fdw.sync_progress
 *
 * IDENTIFICATION
 *		src/fdw/sync/sync.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_SYNC_H
#define DDB_SYNC_H

#include "ddb_fdw.h"

#include "executor/spi.h"
#include "utils/timestamp.h"

#include "core/mapping.h"
#include "read/scanner.h"

typedef enum SyncMode
{
	SYNC_MODE_AUTO,				/* the stream when it can, else a snapshot */
	SYNC_MODE_SNAPSHOT,
	SYNC_MODE_STREAM			/* the stream, or an error without one */
} SyncMode;

/* What a delete by Time to Live does to the target's row. */
typedef enum SyncTtl
{
	SYNC_TTL_DELETE,			/* like any other delete */
	SYNC_TTL_KEEP,				/* nothing: the row stays (an archive) */
	SYNC_TTL_MARK				/* _ddb_expired_at is set */
} SyncTtl;

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
	int64		progress_interval_ms;	/* NOTICEs at least this far apart; 0: unpaced */
	SyncTtl		ttl_deletes;
} SyncOptions;

typedef struct StreamBuffer StreamBuffer;	/* stream_buffer.c */

/* Everything one sync of one table works with. */
typedef struct SyncJob
{
	Oid			foreign_oid;
	char	   *foreign_name;	/* qualified, quoted: for messages and SQL */
	DdbTableMapping *map;		/* the foreign table's (a copy: survives commits) */
	Oid			target_oid;
	char	   *target_name;
	SyncOptions opts;
	bool		nonatomic;		/* may commit between pages */
	MemoryContext cxt;			/* survives the commits */

	/* the catalog (catalog.c) */
	Oid			catalog_owner;	/* owner of ddb_fdw.sync_state */
	int			catalog_version;	/* 0: not asked yet; 100: 1.0's; 101: 1.1's */
	Oid			catalog_relid;	/* ddb_fdw.sync_state: names the sync lock */
	bool		locked;			/* this backend holds the target's sync lock */
	SPIPlanPtr	page_plan;		/* checkpoint of a snapshot page */

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
	AttrNumber	expired_attnum; /* 0 when absent */
	int			nkeys;			/* key columns (1 or 2) */
	AttrNumber	key_attnums[2]; /* in the foreign table */

	/* statements on the target (target.c), run as the caller */
	SPIPlanPtr	upsert_plan;
	SPIPlanPtr	delete_plan;	/* rows by key arrays (stream REMOVE) */
	SPIPlanPtr	counting_plan;	/* upsert_plan, counting new rows */
	SPIPlanPtr	expire_plan;	/* marks rows by key arrays (ttl_deletes) */

	int64		snapshot;
	int64		run_id;
	int			total_segments;
	bool		resuming;
	bool		streaming;		/* this run applies the stream */
	StreamBuffer *buffer;		/* a snapshot keeping the stream's records */

	/* counters of this run */
	int64		rows_upserted;
	int64		rows_deleted;
	int64		rows_added;		/* upserts that inserted (stream runs) */
	int64		pages;
	double		capacity;
	int64		inserts;		/* stream records applied */
	int64		modifies;
	int64		removes;
	int64		ttl_removes;	/* removes by Time to Live */
	int64		unknown_events; /* records of events ddb_fdw does not know */
	TimestampTz started;
	struct SyncProgress *progress;	/* progress.c's: the view's slot, NOTICEs */
} SyncJob;

/* in procedures.c */
extern void sync_commit_step(SyncJob *job);

/* in target.c */
extern Oid	sync_target_resolve(Relation frel, const char *target, List *keys,
								char **name);
extern List *sync_target_key_columns(const DdbTableMapping *m);
extern void sync_target_prepare(SyncJob *job, Relation frel, List *keys);
extern void sync_target_free_plans(SyncJob *job);
extern int64 sync_upsert_rows(SyncJob *job, int nrows, const Datum *values,
							  const bool *nulls, int natts, TimestampTz now,
							  int64 *added);
extern int64 sync_delete_keys(SyncJob *job, int nrows, Datum **keys);
extern int64 sync_expire_keys(SyncJob *job, int nrows, Datum **keys);
extern int64 sync_remove_unseen(SyncJob *job);

/* in engine.c */
extern void sync_copy_pages(SyncJob *job, DdbScanner *sc, const bool *needed,
							List *checkpoints);

/* in stream.c */
extern bool sync_stream_usable(const DdbTableDesc *desc);
extern void sync_stream_record_start(SyncJob *job, DdbConnection *conn,
									 const DdbTableDesc *desc);
extern char *sync_stream_apply(SyncJob *job, DdbScanner *sc,
							   const DdbTableDesc *desc, TimestampTz stream_from);

/* in stream_buffer.c */
extern int	ddb_stream_buffer_interval;
extern void sync_buffer_begin(SyncJob *job, DdbScanner *sc);
extern void sync_buffer_tick(SyncJob *job);
extern void sync_buffer_finish(SyncJob *job, DdbScanner *sc);

#endif							/* DDB_SYNC_H */
