/*-------------------------------------------------------------------------
 *
 * progress.c
 *		What a running sync reports: its shared memory slot, which
 *		ddb_fdw.sync_progress reads (progress_view.c), and the progress
 *		NOTICEs.
 *
 * A sync writes its slot after every page (a few stores, no catalog row:
 * sync_state and sync_checkpoint already get theirs with the page's
 * commit), much as a backend reports pg_stat_progress_* counters.  Only
 * the sync's own backend writes its slot; a reader copies it under a
 * change counter (odd while a write is under way; the reader retries) and
 * takes no lock.  Segment workers write nothing: the backend learns their
 * segments from their page markers and their pids from their handles.
 *
 * The slots live in the main shared memory segment, allocated by the first
 * backend that needs them (ShmemInitStruct after start-up, as pg_prewarm's
 * autoprewarm does, so nothing needs shared_preload_libraries): a small
 * array (PROGRESS_MAX_SLOTS slots at most) from the space PostgreSQL keeps
 * spare.  Should that space be gone, syncs run unlisted (a WARNING says so
 * once a session).
 *
 * A slot is freed when its sync ends (also on error), and when its backend
 * exits (pg_terminate_backend: a FATAL error skips the sync's own clean-up,
 * the before_shmem_exit callback does not).  A backend that dies (kill -9)
 * makes the postmaster re-create shared memory, slots included.  Readers
 * also skip a slot whose backend is not alive.
 *
 * IDENTIFICATION
 *		src/fdw/sync/progress.c
 *
 *-------------------------------------------------------------------------
 */
#include "progress_int.h"

#include <math.h>

#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/timestamp.h"

#include "catalog.h"

/* A job's reporting state (in the job's memory context). */
typedef struct SyncProgress
{
	ProgressSlot *slot;			/* NULL: not listed */
	DdbParallelScan *par;		/* the workers, while they run */
	TimestampTz notice_at;		/* the last NOTICE, or the start */
	int64		notice_pages;	/* job->pages then */
	int64		items;			/* of this run */
	int64		items_before;
	int64		table_items;
	bool		stream;
} SyncProgress;

static ProgressShared *progress_shared = NULL;
static bool progress_unavailable = false;
static bool exit_callback_registered = false;

/* ----------------------------------------------------------------
 * Shared memory
 * ----------------------------------------------------------------
 */

/* See progress_int.h. */
ProgressShared *
sync_progress_shared(void)
{
	int			nslots = Min(MaxBackends, PROGRESS_MAX_SLOTS);
	Size		size = add_size(offsetof(ProgressShared, slots),
								mul_size(nslots, sizeof(ProgressSlot)));
	MemoryContext cxt = CurrentMemoryContext;
	ProgressShared *volatile shared = NULL;
	bool		found = false;

	if (progress_shared != NULL || progress_unavailable)
		return progress_shared;
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	PG_TRY();
	{
		shared = ShmemInitStruct(PROGRESS_SHMEM_NAME, size, &found);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		/* ShmemInitStruct released its own lock before raising this */
		LWLockRelease(AddinShmemInitLock);
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		progress_unavailable = true;
		ereport(WARNING,
				(errmsg("ddb_fdw.sync_progress is not available in this session"),
				 errdetail_internal("%s", edata->message),
				 errhint("Syncs run as usual; they are not listed.")));
		FreeErrorData(edata);
		return NULL;
	}
	PG_END_TRY();
	if (!found)
	{
		memset(shared, 0, size);
		SpinLockInit(&shared->mutex);
		shared->nslots = nslots;
	}
	LWLockRelease(AddinShmemInitLock);
	progress_shared = shared;
	return shared;
}

/*
 * A change of the slot: readers that see an odd counter, or a counter that
 * changed while they copied, copy again.  Nothing between begin and end
 * may fail.
 */
static inline void
begin_write(ProgressSlot *slot)
{
	START_CRIT_SECTION();
	slot->changecount++;
	pg_write_barrier();
}

static inline void
end_write(ProgressSlot *slot)
{
	pg_write_barrier();
	slot->changecount++;
	END_CRIT_SECTION();
}

/* Frees a slot of this backend: a write, so no reader copies half of it. */
static void
free_slot(ProgressSlot *slot)
{
	SpinLockAcquire(&progress_shared->mutex);
	begin_write(slot);
	slot->pid = 0;
	end_write(slot);
	SpinLockRelease(&progress_shared->mutex);
}

/* Frees the slots this backend still holds (it exits). */
static void
progress_exit(int code, Datum arg)
{
	int			i;

	if (progress_shared == NULL)
		return;
	for (i = 0; i < progress_shared->nslots; i++)
		if (progress_shared->slots[i].pid == MyProcPid)
			free_slot(&progress_shared->slots[i]);
}

/*
 * Claims a free slot for this backend, its write begun (the caller fills
 * it, then end_write): a reader never sees the new pid with the last
 * sync's fields.  NULL when none is free.
 */
static ProgressSlot *
claim_slot(void)
{
	ProgressShared *shared = sync_progress_shared();
	ProgressSlot *slot = NULL;
	int			i;

	if (shared == NULL)
		return NULL;
	if (!exit_callback_registered)
	{
		before_shmem_exit(progress_exit, (Datum) 0);
		exit_callback_registered = true;
	}
	SpinLockAcquire(&shared->mutex);
	for (i = 0; i < shared->nslots; i++)
		if (shared->slots[i].pid == 0)
		{
			slot = &shared->slots[i];
			begin_write(slot);
			slot->pid = MyProcPid;
			break;
		}
	SpinLockRelease(&shared->mutex);
	if (slot == NULL)
		ereport(LOG,
				(errmsg("ddb_fdw.sync_progress has no free slot: this sync is not listed"),
				 errdetail("%d syncs are running.", shared->nslots)));
	return slot;
}

/* ----------------------------------------------------------------
 * What the sync reports
 * ----------------------------------------------------------------
 */

void
sync_progress_begin(SyncJob *job)
{
	SyncProgress *pr;
	ProgressSlot *slot;
	int			w;

	pr = MemoryContextAllocZero(job->cxt, sizeof(SyncProgress));
	pr->notice_at = job->started;
	pr->table_items = -1;
	job->progress = pr;
	slot = pr->slot = claim_slot();
	if (slot == NULL)
		return;
	slot->dbid = MyDatabaseId;
	slot->target = job->target_oid;
	slot->foreign_table = job->foreign_oid;
	slot->mode = 0;
	slot->phase = SYNC_PHASE_WAITING;
	slot->segments = slot->segments_done = slot->nworkers = 0;
	slot->serial_segment = -1;
	slot->run_id = 0;
	slot->started = job->started;
	slot->run_started = slot->last_page_at = 0;
	slot->pages = slot->items = slot->items_before = slot->retries = 0;
	slot->table_items = -1;
	for (w = 0; w < PROGRESS_MAX_WORKERS; w++)
	{
		slot->worker_pid[w] = 0;
		slot->worker_segment[w] = -1;
	}
	end_write(slot);
}

void
sync_progress_end(SyncJob *job)
{
	SyncProgress *pr = job->progress;

	if (pr == NULL || pr->slot == NULL)
		return;
	free_slot(pr->slot);
	pr->slot = NULL;
	pr->par = NULL;
}

void
sync_progress_phase(SyncJob *job, SyncPhase phase)
{
	SyncProgress *pr = job->progress;

	if (pr == NULL || pr->slot == NULL)
		return;
	begin_write(pr->slot);
	pr->slot->phase = phase;
	pr->slot->serial_segment = -1;
	end_write(pr->slot);
}

void
sync_progress_run(SyncJob *job, const char *mode, List *checkpoints,
				  int64 items_before, int64 table_items)
{
	SyncProgress *pr = job->progress;
	ProgressSlot *slot;
	ListCell   *lc;
	int			done = 0;

	if (pr == NULL)
		return;
	pr->stream = strcmp(mode, "stream") == 0;
	pr->items = 0;
	pr->items_before = items_before;
	pr->table_items = table_items;
	pr->notice_pages = 0;		/* job->pages starts again */
	foreach(lc, checkpoints)
		if (((SyncCheckpoint *) lfirst(lc))->done)
			done++;
	slot = pr->slot;
	if (slot == NULL)
		return;
	begin_write(slot);
	slot->mode = pr->stream ? 't' : (strcmp(mode, "resume") == 0 ? 'r' : 's');
	slot->phase = pr->stream ? SYNC_PHASE_STREAMING : SYNC_PHASE_SCANNING;
	slot->run_id = job->run_id;
	slot->run_started = GetCurrentTimestamp();
	slot->last_page_at = 0;
	slot->segments = pr->stream ? 0 : job->total_segments;
	slot->segments_done = done;
	slot->serial_segment = -1;
	slot->pages = slot->items = slot->retries = 0;
	slot->items_before = items_before;
	slot->table_items = table_items;
	end_write(slot);
}

void
sync_progress_workers(SyncJob *job, DdbParallelScan *par)
{
	SyncProgress *pr = job->progress;
	ProgressSlot *slot;
	int			w;

	if (pr == NULL)
		return;
	pr->par = par;
	slot = pr->slot;
	if (slot == NULL)
		return;
	begin_write(slot);
	slot->nworkers = ddb_parallel_workers(par);
	for (w = 0; w < PROGRESS_MAX_WORKERS; w++)
	{
		/* pids come with the first page: a worker may not have started */
		slot->worker_pid[w] = 0;
		slot->worker_segment[w] = -1;
	}
	end_write(slot);
}

/* "12 s", "3 min 5 s", "2 h 5 min": a duration for a message. */
static char *
duration_text(double secs)
{
	long		s = (long) rint(secs);

	if (s < 1)
		return pstrdup("under 1 s");
	if (s < 60)
		return psprintf("%ld s", s);
	if (s < 3600)
		return psprintf("%ld min %ld s", s / 60, s % 60);
	return psprintf("%ld h %ld min", s / 3600, (s % 3600) / 60);
}

/* See progress_int.h. */
double
sync_progress_eta(int64 table_items, int64 snapshot_items, double rate)
{
	if (table_items < 0 || rate <= 0 || snapshot_items >= table_items)
		return -1;
	return (double) (table_items - snapshot_items) / rate;
}

/*
 * Whether a progress NOTICE is due after this page: progress => N pages and
 * progress_interval each set a least distance from the last NOTICE (the
 * start, for the first); a NOTICE needs every distance that is set.
 */
static bool
notice_due(SyncJob *job, SyncProgress *pr, TimestampTz now)
{
	if (job->opts.progress <= 0 && job->opts.progress_interval_ms <= 0)
		return false;
	if (job->opts.progress > 0 && job->pages - pr->notice_pages < job->opts.progress)
		return false;
	if (job->opts.progress_interval_ms > 0 &&
		now - pr->notice_at < job->opts.progress_interval_ms * 1000)
		return false;
	pr->notice_at = now;
	pr->notice_pages = job->pages;
	return true;
}

/*
 * The progress NOTICE after a page: the run's counts, the time since the
 * call started, the rate and (a snapshot with DynamoDB's ItemCount) the
 * time left.
 */
static void
progress_notice(SyncJob *job, SyncProgress *pr, TimestampTz now, double rate)
{
	double		elapsed = (double) (now - job->started) / USECS_PER_SEC;
	double		eta;

	if (pr->stream)
	{
		ereport(NOTICE,
				(errmsg("sync of %s: %lld stream records in %lld pages",
						job->foreign_name, (long long) pr->items, (long long) job->pages),
				 errdetail("Elapsed %.2f s, %.0f records per second.", elapsed, rate)));
		return;
	}
	eta = sync_progress_eta(pr->table_items, pr->items_before + pr->items, rate);
	if (eta >= 0)
		ereport(NOTICE,
				(errmsg("sync of %s: %lld items in %lld pages",
						job->foreign_name, (long long) job->rows_upserted,
						(long long) job->pages),
				 errdetail("Elapsed %.2f s, %.0f items per second; %lld of about %lld items copied, about %s left.",
						   elapsed, rate, (long long) (pr->items_before + pr->items),
						   (long long) pr->table_items, duration_text(eta))));
	else
		ereport(NOTICE,
				(errmsg("sync of %s: %lld items in %lld pages",
						job->foreign_name, (long long) job->rows_upserted,
						(long long) job->pages),
				 errdetail("Elapsed %.2f s, %.0f items per second.", elapsed, rate)));
}

void
sync_progress_page(SyncJob *job, int segment, int worker, bool segment_done,
				   int64 items, int retries, double rate)
{
	SyncProgress *pr = job->progress;
	ProgressSlot *slot;
	TimestampTz now = GetCurrentTimestamp();

	if (pr == NULL)
		return;
	pr->items += items;
	slot = pr->slot;
	if (slot != NULL)
	{
		int			pids[PROGRESS_MAX_WORKERS];
		int			n = Min(ddb_parallel_workers(pr->par), PROGRESS_MAX_WORKERS);
		int			w;

		/* looked up before the write: it takes a lock */
		for (w = 0; w < n; w++)
			pids[w] = ddb_parallel_worker_pid(pr->par, w);
		begin_write(slot);
		slot->pages++;
		slot->items += items;
		slot->retries += retries;
		slot->last_page_at = now;
		if (segment_done)
			slot->segments_done++;
		if (worker < 0)
			slot->serial_segment = segment_done ? -1 : segment;
		else if (worker < PROGRESS_MAX_WORKERS)
			slot->worker_segment[worker] = segment_done ? -1 : segment;
		for (w = 0; w < n; w++)
			slot->worker_pid[w] = pids[w];
		end_write(slot);
	}
	if (notice_due(job, pr, now))
		progress_notice(job, pr, now, rate);
}

void
sync_progress_stream_page(SyncJob *job, int64 records, int64 retries)
{
	SyncProgress *pr = job->progress;
	TimestampTz now = GetCurrentTimestamp();

	if (pr == NULL)
		return;
	pr->items += records;
	if (pr->slot != NULL)
	{
		begin_write(pr->slot);
		pr->slot->pages++;
		pr->slot->items += records;
		pr->slot->retries += retries;
		pr->slot->last_page_at = now;
		end_write(pr->slot);
	}
	if (notice_due(job, pr, now))
	{
		double		secs = (double) (now - job->started) / USECS_PER_SEC;

		progress_notice(job, pr, now, secs > 0 ? pr->items / secs : 0);
	}
}
