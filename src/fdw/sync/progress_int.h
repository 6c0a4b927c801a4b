/*-------------------------------------------------------------------------
 *
 * progress_int.h
 *		The shared memory slots of the running syncs, which progress.c
 *		writes and progress_view.c reads.
 *
 * IDENTIFICATION
 *		src/fdw/sync/progress_int.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_SYNC_PROGRESS_INT_H
#define DDB_SYNC_PROGRESS_INT_H

#include "progress.h"

#include "storage/spin.h"

/* the name changes with the slot's layout: a new library never reads an old one */
#define PROGRESS_SHMEM_NAME		"ddb_fdw sync progress v1"
#define PROGRESS_MAX_SLOTS		128
/* workers a slot lists (more work, unlisted: max_workers_per_scan is 4) */
#define PROGRESS_MAX_WORKERS	32

/* One running sync, as its backend reports it. */
typedef struct ProgressSlot
{
	uint32		changecount;	/* odd while the owner writes */
	int			pid;			/* the sync's backend; 0: free */
	Oid			dbid;
	Oid			target;
	Oid			foreign_table;
	char		mode;			/* 's'napshot, 'r'esume, stream 't', 0: none yet */
	uint8		phase;			/* SyncPhase */
	int			segments;		/* of the snapshot; 0: a stream run */
	int			segments_done;
	int			serial_segment; /* read by the backend itself; -1: none */
	int			nworkers;		/* segment workers launched */
	int64		run_id;			/* 0: no run recorded yet */
	TimestampTz started;		/* the call */
	TimestampTz run_started;
	TimestampTz last_page_at;	/* 0: no page yet */
	int64		pages;			/* of this run */
	int64		items;			/* upserted (snapshot) or records read (stream) */
	int64		items_before;	/* of this snapshot, by earlier runs */
	int64		table_items;	/* DynamoDB's ItemCount; -1: unknown */
	int64		retries;
	int			worker_pid[PROGRESS_MAX_WORKERS];	/* 0: not running */
	int			worker_segment[PROGRESS_MAX_WORKERS];	/* -1: between segments */
} ProgressSlot;

typedef struct ProgressShared
{
	slock_t		mutex;			/* claiming and freeing slots */
	int			nslots;
	ProgressSlot slots[FLEXIBLE_ARRAY_MEMBER];
} ProgressShared;

/*
 * The slots, attached (and created by the first backend that needs them);
 * NULL when shared memory has no room (a WARNING said so, once).
 */
extern ProgressShared *sync_progress_shared(void);

/*
 * The seconds a snapshot has left at rate items per second, from DynamoDB's
 * ItemCount; negative when unknown.
 */
extern double sync_progress_eta(int64 table_items, int64 snapshot_items, double rate);

#endif							/* DDB_SYNC_PROGRESS_INT_H */
