/*-------------------------------------------------------------------------
 *
 * progress_view.c
 *		ddb_fdw.sync_progress_info(), behind the view ddb_fdw.sync_progress:
 *		the running syncs' shared memory slots, read without a lock.
 *
 * A slot is copied under its change counter (see progress.c) and listed
 * only when its backend is alive, its sync is of this database and the
 * caller may SELECT its target -- the rule of sync_status and of the
 * catalog's row-level security.  The function filters itself (the view
 * adds nothing), so calling it directly shows no more than the view.
 * Rates and the time left are computed as the slot is read: a sync that
 * stalls shows its rate falling.
 *
 * IDENTIFICATION
 *		src/fdw/sync/progress_view.c
 *
 *-------------------------------------------------------------------------
 */
#include "progress_int.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/procarray.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(ddb_fdw_sync_progress);

#define PROGRESS_COLS 20

static const char *const phase_names[] = {
	[SYNC_PHASE_WAITING] = "waiting for lock",
	[SYNC_PHASE_STARTING] = "initializing",
	[SYNC_PHASE_SCANNING] = "scanning table",
	[SYNC_PHASE_STREAMING] = "applying stream",
	[SYNC_PHASE_DELETING] = "deleting unseen rows",
};

/* A consistent copy of a slot (the writer's side: begin_write in progress.c). */
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
		double		eta = snapshot ? sync_progress_eta(s->table_items, s->items_before + s->items,
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

	shared = sync_progress_shared();
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
