/*-------------------------------------------------------------------------
 *
 * catalog.h
 *		The sync's catalog (ddb_fdw.sync_state, sync_checkpoint, sync_shard,
 *		sync_run) and the lock that serializes syncs of one target.
 *
 * Every function here runs its statements with the rights of the catalog's
 * owner (so that callers need no privileges on it), under a search_path
 * pinned to pg_catalog, pg_temp and as a security-restricted operation;
 * the statements name every function, operator and type with its schema.
 * Nothing here touches a user's table.
 *
 * IDENTIFICATION
 *		src/fdw/sync/catalog.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_SYNC_CATALOG_H
#define DDB_SYNC_CATALOG_H

#include "sync.h"

#include "aws/streams.h"

/* A segment's checkpoint in the current snapshot. */
typedef struct SyncCheckpoint
{
	int			segment;
	char	   *last_key;		/* LastEvaluatedKey JSON; NULL: from the start */
	bool		done;
} SyncCheckpoint;

/* A stream shard's checkpoint. */
typedef struct SyncShardRow
{
	char	   *shard_id;
	char	   *parent_id;		/* NULL: none */
	char	   *sequence;		/* last applied record; NULL: none yet */
	bool		done;			/* closed, applied to its end */
} SyncShardRow;

/* What choosing between a snapshot and the stream needs of sync_state. */
typedef struct SyncStateRow
{
	bool		found;
	int64		snapshot;		/* number of the current snapshot; 0: none */
	bool		complete;		/* the current snapshot read every segment */
	char	   *stream_arn;		/* NULL: no stream recorded */
	char	   *stream_view_type;
	bool		has_stream_from;
	TimestampTz stream_from;
	bool		has_applied_to;
	TimestampTz stream_applied_to;
	int64		items_done;		/* copied into the current snapshot so far */
	bool		has_buffered_to;
	TimestampTz stream_buffered_to;
} SyncStateRow;

/* What one applied page of a stream changes in the run and the state. */
typedef struct SyncStreamPage
{
	const char *shard_id;
	const char *sequence;		/* the shard's new checkpoint, or NULL */
	bool		shard_done;
	int64		records;		/* read from the shard, skipped ones too */
	int64		upserted;
	int64		deleted;
	int64		inserts;
	int64		modifies;
	int64		removes;
	double		capacity;
	int64		rows_added;		/* upserts that created a row */
	int64		retries;
	int64		pages;			/* 1: a page of a stream run; 0: kept */
	int64		ttl_removes;
	int64		unknown_events;
	int64		buffered;		/* records kept in the change buffer */
} SyncStreamPage;

/* A record in the change buffer (strings terminated). */
typedef struct SyncBufferRow
{
	int64		position;		/* set when read */
	char	   *shard_id;
	char	   *sequence;
	char	   *event;
	bool		ttl;
	char	   *keys;
	char	   *image;			/* NewImage (TTL: OldImage); NULL: none */
} SyncBufferRow;

/* set-up and the lock */
extern void sync_catalog_open(SyncJob *job);
extern void sync_catalog_close(SyncJob *job);
extern void sync_catalog_lock(SyncJob *job);
extern void sync_catalog_unlock(SyncJob *job);

/* state and runs */
extern bool sync_catalog_current(SyncJob *job);
extern void sync_catalog_read_state(SyncJob *job, SyncStateRow *row);
extern void sync_catalog_close_stale_runs(SyncJob *job);
extern void sync_catalog_ensure_state(SyncJob *job);
extern void sync_catalog_new_snapshot(SyncJob *job);
extern List *sync_catalog_checkpoints(SyncJob *job);
extern void sync_catalog_start_run(SyncJob *job, const char *mode, const char *note);
extern void sync_catalog_end_run(SyncJob *job, const char *status,
								 const char *error);
extern void sync_catalog_setup_failure(SyncJob *job, const char *error);
extern void sync_catalog_run_workers(SyncJob *job, int workers);
extern void sync_catalog_run_note(SyncJob *job, const char *note);

/* snapshot pages */
extern void sync_catalog_page(SyncJob *job, int segment, const char *last_key,
							  int64 items, double capacity, double rate,
							  int64 retries);

/* the stream */
extern void sync_catalog_record_stream(SyncJob *job, const DdbStreamDesc *sdesc,
									   const char *arn, const char *view_type);
extern List *sync_catalog_shards(SyncJob *job);
extern void sync_catalog_add_shard(SyncJob *job, const char *shard_id,
								   const char *parent_id);
extern void sync_catalog_forget_shard(SyncJob *job, const char *shard_id);
extern void sync_catalog_stream_page(SyncJob *job, const SyncStreamPage *page);
extern void sync_catalog_stream_applied(SyncJob *job, TimestampTz applied_to);

/* the change buffer */
extern void sync_catalog_buffer_keep(SyncJob *job, int n, const SyncBufferRow *rows);
extern int	sync_catalog_buffer_read(SyncJob *job, int limit, SyncBufferRow *rows);
extern void sync_catalog_buffer_applied(SyncJob *job, int64 through,
										const SyncStreamPage *counts);
extern void sync_catalog_buffered_to(SyncJob *job, TimestampTz to);
extern void sync_catalog_buffer_done(SyncJob *job);

#endif							/* DDB_SYNC_CATALOG_H */
