/*-------------------------------------------------------------------------
 *
 * progress.h
 *		What a running sync reports while it runs: its row in the view
 *		ddb_fdw.sync_progress (shared memory, one slot per running sync)
 *		and the progress NOTICEs (every N pages, or paced by time).
 *
 * The sync calls these at fixed points: when it knows its target, when it
 * holds the target's lock, when a run starts, after every page, when the
 * snapshot deletes what it did not see, and when it ends.  Each call is
 * cheap (a few stores into this backend's slot, no catalog access): the
 * catalog keeps what must survive (sync_state, sync_run, sync_checkpoint).
 *
 * IDENTIFICATION
 *		src/fdw/sync/progress.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_SYNC_PROGRESS_H
#define DDB_SYNC_PROGRESS_H

#include "sync.h"

#include "read/segments.h"

/* What a sync is doing now (the view's "phase"). */
typedef enum SyncPhase
{
	SYNC_PHASE_WAITING,			/* for the target's sync lock */
	SYNC_PHASE_STARTING,		/* DescribeTable, stream or snapshot */
	SYNC_PHASE_SCANNING,		/* a snapshot's pages */
	SYNC_PHASE_STREAMING,		/* the stream's pages */
	SYNC_PHASE_DELETING			/* rows the snapshot did not see */
} SyncPhase;

/*
 * Starts reporting the job (its target is resolved; it is about to wait
 * for the target's lock) and ends it.  end is safe to call for a job that
 * never began, and twice.
 */
extern void sync_progress_begin(SyncJob *job);
extern void sync_progress_end(SyncJob *job);
extern void sync_progress_phase(SyncJob *job, SyncPhase phase);

/*
 * A run was recorded (job->run_id): mode "snapshot", "resume" or "stream";
 * for a snapshot, its checkpoints (SyncCheckpoint: which segments are done
 * already), the items earlier runs of the snapshot copied, and DynamoDB's
 * ItemCount of what is read (-1: unknown).
 */
extern void sync_progress_run(SyncJob *job, const char *mode, List *checkpoints,
							  int64 items_before, int64 table_items);

/* The segment workers of the snapshot (NULL: none any more). */
extern void sync_progress_workers(SyncJob *job, DdbParallelScan *par);

/*
 * A snapshot page was upserted and checkpointed (job's counters updated):
 * its segment, the worker that read it (-1: this backend), whether it
 * ended the segment, its items and retries, and the run's rate.  Emits the
 * progress NOTICE when one is due.
 */
extern void sync_progress_page(SyncJob *job, int segment, int worker, bool segment_done,
							   int64 items, int retries, double rate);

/* A stream page was applied (job->pages counts it): records read, retries. */
extern void sync_progress_stream_page(SyncJob *job, int64 records, int64 retries);

#endif							/* DDB_SYNC_PROGRESS_H */
