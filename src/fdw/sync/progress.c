/*-------------------------------------------------------------------------
 *
 * progress.c
 *		The syncs running now: one shared memory slot per running sync,
 *		read by ddb_fdw.sync_progress; and the progress NOTICEs.
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
 * also skip a slot whose backend is not alive, and list only the syncs of
 * their database into targets they may read (the rule of sync_status).
 *
 * IDENTIFICATION
 *		src/fdw/sync/progress.c
 *
 *-------------------------------------------------------------------------
 */
#include "progress.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/procarray.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "catalog.h"

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

/*
 * Attaches to the slots, creating them when this is the first backend to
 * need them.  Returns NULL (once with a WARNING) when shared memory has no
 * room for them.
 */
static ProgressShared *
progress_attach(void)
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
	ProgressShared *shared = progress_attach();
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

/*
 * The seconds a snapshot has left at rate items per second, from DynamoDB's
 * ItemCount; negative when unknown.
 */
static double
eta_seconds(int64 table_items, int64 snapshot_items, double rate)
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
	eta = eta_seconds(pr->table_items, pr->items_before + pr->items, rate);
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

/* ----------------------------------------------------------------
 * The view
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(ddb_fdw_sync_progress);

#define PROGRESS_COLS 20

static const char *const phase_names[] = {
	[SYNC_PHASE_WAITING] = "waiting for lock",
	[SYNC_PHASE_STARTING] = "initializing",
	[SYNC_PHASE_SCANNING] = "scanning table",
	[SYNC_PHASE_STREAMING] = "applying stream",
	[SYNC_PHASE_DELETING] = "deleting unseen rows",
};

/* A consistent copy of a slot (see begin_write). */
static void
read_slot(volatile ProgressSlot *slot, ProgressSlot *copy)
{
	for (;;)
	{
		uint32		before = slot->changecount;
		uint32		after;

		pg_read_barrier();
		memcpy(copy, (const ProgressSlot *) slot, sizeof(ProgressSlot));
		pg_read_barrier();
		after = slot->changecount;
		if (before == after && (before & 1) == 0)
			return;
		CHECK_FOR_INTERRUPTS();
	}
}

/* Whether the caller may see the sync: its database, a target it may read. */
static bool
visible(const ProgressSlot *s)
{
	bool		missing = false;

	if (s->pid == 0 || s->dbid != MyDatabaseId)
		return false;
	/* the backend ended without freeing it (it cannot: belt and braces) */
	if (BackendPidGetProc(s->pid) == NULL)
		return false;
	return pg_class_aclcheck_ext(s->target, GetUserId(), ACL_SELECT, &missing) == ACLCHECK_OK &&
		!missing;
}

/* An int4[] of the n values. */
static Datum
int_array(const int *v, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		d[i] = Int32GetDatum(v[i]);
	return PointerGetDatum(construct_array(d, n, INT4OID, sizeof(int32), true,
										   TYPALIGN_INT));
}

static int
int_cmp(const void *a, const void *b)
{
	int			x = *(const int *) a;
	int			y = *(const int *) b;

	return (x > y) - (x < y);
}

/* The view's row of one sync (values/nulls: PROGRESS_COLS). */
static void
slot_row(const ProgressSlot *s, TimestampTz now, Datum *values, bool *nulls)
{
	int			pids[PROGRESS_MAX_WORKERS] = {0};
	int			segs[PROGRESS_MAX_WORKERS + 1] = {0};
	int			npids = 0;
	int			nsegs = 0;
	int			w;
	TimestampTz since = s->run_started ? s->run_started : s->started;
	double		secs = (double) (now - since) / USECS_PER_SEC;
	double		rate = secs > 0 ? s->items / secs : 0;
	bool		snapshot = s->mode == 's' || s->mode == 'r';
	int			c = 0;

	memset(nulls, 0, sizeof(bool) * PROGRESS_COLS);
	for (w = 0; w < Min(s->nworkers, PROGRESS_MAX_WORKERS); w++)
	{
		if (s->worker_pid[w] != 0 && BackendPidGetProc(s->worker_pid[w]) != NULL)
			pids[npids++] = s->worker_pid[w];
		if (s->worker_segment[w] >= 0)
			segs[nsegs++] = s->worker_segment[w];
	}
	if (s->serial_segment >= 0)
		segs[nsegs++] = s->serial_segment;
	qsort(segs, nsegs, sizeof(int), int_cmp);
	qsort(pids, npids, sizeof(int), int_cmp);

	values[c++] = Int32GetDatum(s->pid);
	values[c++] = ObjectIdGetDatum(s->target);
	values[c++] = ObjectIdGetDatum(s->foreign_table);
	values[c] = Int64GetDatum(s->run_id);
	nulls[c++] = s->run_id == 0;
	values[c] = CStringGetTextDatum(s->mode == 's' ? "snapshot" :
									s->mode == 'r' ? "resume" : "stream");
	nulls[c++] = s->mode == 0;
	values[c++] = CStringGetTextDatum(s->phase < lengthof(phase_names) ?
									  phase_names[s->phase] : "?");
	values[c++] = TimestampTzGetDatum(s->started);
	values[c] = TimestampTzGetDatum(s->last_page_at);
	nulls[c++] = s->last_page_at == 0;
	/* segments: of a snapshot only */
	values[c] = Int32GetDatum(s->segments);
	nulls[c++] = !snapshot;
	values[c] = Int32GetDatum(s->segments_done);
	nulls[c++] = !snapshot;
	values[c] = int_array(segs, nsegs);
	nulls[c++] = !snapshot;
	values[c++] = Int32GetDatum(s->nworkers);
	values[c++] = int_array(pids, npids);
	values[c++] = Int64GetDatum(s->pages);
	values[c++] = Int64GetDatum(s->items);
	values[c] = Float8GetDatum(rate);
	nulls[c++] = s->run_started == 0 || secs <= 0;
	values[c] = Int64GetDatum(s->items_before + s->items);
	nulls[c++] = !snapshot;
	values[c] = Int64GetDatum(s->table_items);
	nulls[c++] = !snapshot || s->table_items < 0;
	{
		double		eta = snapshot ? eta_seconds(s->table_items, s->items_before + s->items,
												 rate) : -1;
		Interval   *iv = palloc0(sizeof(Interval));

		iv->time = (int64) rint(eta) * USECS_PER_SEC;
		values[c] = IntervalPGetDatum(iv);
		nulls[c++] = eta < 0;
	}
	values[c++] = Int64GetDatum(s->retries);
	Assert(c == PROGRESS_COLS);
}

/*
 * ddb_fdw.sync_progress_info(): the syncs running now in this database
 * into targets the caller may SELECT; the view ddb_fdw.sync_progress.
 */
Datum
ddb_fdw_sync_progress(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
	Tuplestorestate *store;
	MemoryContext old;
	ProgressShared *shared;
	TimestampTz now = GetCurrentTimestamp();
	int			i;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts != PROGRESS_COLS)
		elog(ERROR, "ddb_fdw.sync_progress_info() must return %d columns", PROGRESS_COLS);
	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	tupdesc = CreateTupleDescCopy(tupdesc);
	store = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = tupdesc;
	MemoryContextSwitchTo(old);

	shared = progress_attach();
	for (i = 0; shared != NULL && i < shared->nslots; i++)
	{
		ProgressSlot s;
		Datum		values[PROGRESS_COLS];
		bool		nulls[PROGRESS_COLS];

		read_slot(&shared->slots[i], &s);
		if (!visible(&s))
			continue;
		slot_row(&s, now, values, nulls);
		tuplestore_putvalues(store, tupdesc, values, nulls);
	}
	return (Datum) 0;
}
