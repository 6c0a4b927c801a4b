/*-------------------------------------------------------------------------
 *
 * engine.c
 *		The pages of a snapshot: read from their checkpoints, serially or by
 *		segment workers, each page upserted into the target and
 *		checkpointed in its own transaction.
 *
 * A sync that is cancelled, fails or dies (even kill -9) therefore
 * continues from its last committed page on the next call.  With segment
 * workers, rows arrive from several workers at once: each worker's rows are
 * kept until its page marker (segment, LastEvaluatedKey) arrives, then
 * upserted and checkpointed together.
 *
 * Between pages, the change buffer may keep the stream's records
 * (sync_buffer_tick, stream_buffer.c).
 *
 * IDENTIFICATION
 *		src/fdw/sync/engine.c
 *
 *-------------------------------------------------------------------------
 */
#include "sync.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "catalog.h"
#include "progress.h"
#include "read/segments.h"

/*
 * Counts a page that was upserted and checkpointed, read by worker (-1:
 * this backend); reports progress.
 */
static void
page_done(SyncJob *job, int segment, int worker, const char *last_key, int64 rows,
		  double capacity, int retries)
{
	double		secs;
	double		rate;

	job->rows_upserted += rows;
	job->pages++;
	job->capacity += capacity;
	secs = (double) (GetCurrentTimestamp() - job->started) / USECS_PER_SEC;
	rate = secs > 0 ? (double) job->rows_upserted / secs : 0;
	sync_catalog_page(job, segment, last_key, rows, capacity, rate, retries);
	sync_progress_page(job, segment, worker, last_key == NULL, rows, retries, rate);
}

/*
 * Reads every segment from its checkpoint, in this backend, and upserts page
 * by page, each page in its own transaction with its checkpoint.
 */
static void
copy_pages_serial(SyncJob *job, DdbScanner *sc, List *checkpoints)
{
	ListCell   *lc;

	foreach(lc, checkpoints)
	{
		SyncCheckpoint *cp = lfirst(lc);

		if (cp->done)
			continue;
		ddb_scanner_restart(sc, cp->segment,
							job->total_segments > 1 ? job->total_segments : 0,
							cp->last_key);
		for (;;)
		{
			bool		more;

			CHECK_FOR_INTERRUPTS();
			more = ddb_scanner_next_page(sc);
			if (more)
				page_done(job, cp->segment, -1, sc->start_key,
						  sync_upsert_rows(job, sc->page.nitems, sc->page.values,
									  sc->page.nulls, sc->page.natts,
									  GetCurrentTransactionStartTimestamp(), NULL),
						  sc->page.capacity_units, sc->page_retries);
			sync_commit_step(job);
			sync_buffer_tick(job);
			if (!more || sc->start_key == NULL)
				break;
		}
	}
}

/* Rows a segment worker sent since its last page marker. */
typedef struct WorkerRows
{
	MemoryContext cxt;
	MinimalTuple *tuples;
	int			n;
	int			cap;
} WorkerRows;

/* Upserts a worker's rows of one page; returns the count. */
static int64
upsert_worker_rows(SyncJob *job, WorkerRows *wr, TupleDesc fdesc)
{
	int			natts = fdesc->natts;
	Datum	   *values;
	bool	   *nulls;
	int64		n;
	int			r;

	if (wr->n == 0)
		return 0;
	values = MemoryContextAlloc(wr->cxt, sizeof(Datum) * wr->n * Max(natts, 1));
	nulls = MemoryContextAlloc(wr->cxt, sizeof(bool) * wr->n * Max(natts, 1));
	for (r = 0; r < wr->n; r++)
	{
		HeapTupleData htup;

		htup.t_len = wr->tuples[r]->t_len + MINIMAL_TUPLE_OFFSET;
		htup.t_data = (HeapTupleHeader) ((char *) wr->tuples[r] - MINIMAL_TUPLE_OFFSET);
		heap_deform_tuple(&htup, fdesc, values + (size_t) r * natts,
						  nulls + (size_t) r * natts);
	}
	n = sync_upsert_rows(job, wr->n, values, nulls, natts,
					GetCurrentTransactionStartTimestamp(), NULL);
	MemoryContextReset(wr->cxt);
	wr->tuples = NULL;
	wr->n = 0;
	wr->cap = 0;
	return n;
}

/*
 * The same with segment workers: rows arrive from several workers at once;
 * each worker's rows are kept until its page marker, then upserted and
 * checkpointed together.  Returns false when no worker could be started.
 */
static bool
copy_pages_parallel(SyncJob *job, DdbScanner *sc, const bool *needed,
					List *checkpoints)
{
	TupleDesc	fdesc;
	DdbSegmentStart *starts;
	DdbParallelScan *par;
	DdbParMessage msg;
	WorkerRows *rows;
	ListCell   *lc;
	int			nworkers = Min(ddb_max_workers_per_scan, job->total_segments);
	int			i;

	starts = MemoryContextAllocZero(job->cxt, sizeof(DdbSegmentStart) * job->total_segments);
	foreach(lc, checkpoints)
	{
		SyncCheckpoint *cp = lfirst(lc);

		if (cp->segment < 0 || cp->segment >= job->total_segments)
			elog(ERROR, "checkpoint of segment %d outside 0..%d", cp->segment,
				 job->total_segments - 1);
		starts[cp->segment].done = cp->done;
		starts[cp->segment].start_key = cp->last_key;
	}
	fdesc = job->foreign_desc;
	par = ddb_parallel_begin(job->map, needed, sc->conn, job->total_segments,
							 nworkers, starts, NULL, job->cxt);
	if (par == NULL)
		return false;

	sync_catalog_run_workers(job, ddb_parallel_workers(par));
	sync_progress_workers(job, par);
	rows = MemoryContextAllocZero(job->cxt, sizeof(WorkerRows) * ddb_parallel_workers(par));
	for (i = 0; i < ddb_parallel_workers(par); i++)
		rows[i].cxt = AllocSetContextCreate(job->cxt, "ddb_fdw sync rows",
											ALLOCSET_DEFAULT_SIZES);
	while (ddb_parallel_next(par, &msg))
	{
		WorkerRows *wr = &rows[msg.worker];

		if (msg.kind == DDB_PAR_TUPLE)
		{
			if (wr->n == wr->cap)
			{
				int			cap = Max(wr->cap * 2, 256);

				wr->tuples = wr->tuples ?
					repalloc(wr->tuples, sizeof(MinimalTuple) * cap) :
					MemoryContextAlloc(wr->cxt, sizeof(MinimalTuple) * cap);
				wr->cap = cap;
			}
			{
				MemoryContext old = MemoryContextSwitchTo(wr->cxt);

				wr->tuples[wr->n++] = heap_copy_minimal_tuple(msg.tuple);
				MemoryContextSwitchTo(old);
			}
			continue;
		}
		page_done(job, msg.segment, msg.worker, msg.last_key,
				  upsert_worker_rows(job, wr, fdesc), msg.capacity, msg.retries);
		sync_commit_step(job);
		sync_buffer_tick(job);
	}
	ddb_parallel_end(par);
	sync_progress_workers(job, NULL);
	return true;
}

/* Reads what is left of the snapshot: with segment workers when it can. */
void
sync_copy_pages(SyncJob *job, DdbScanner *sc, const bool *needed, List *checkpoints)
{
	if (job->total_segments > 1 && ddb_max_workers_per_scan > 0 &&
		copy_pages_parallel(job, sc, needed, checkpoints))
		return;
	copy_pages_serial(job, sc, checkpoints);
}

/* ----------------------------------------------------------------
 * One table
 * ----------------------------------------------------------------
 */

/* Resolves (creating it when missing) the target; returns its OID. */
