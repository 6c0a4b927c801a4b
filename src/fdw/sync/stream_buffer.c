/*-------------------------------------------------------------------------
 *
 * stream_buffer.c
 *		The change buffer: the stream's records kept while a snapshot runs,
 *		applied when it ends.
 *
 * A snapshot of a table with a stream starts from a position in the stream
 * (stream.c's hand-off), and the stream is applied after it.  DynamoDB
 * keeps stream records 24 hours: a snapshot that takes longer finds its
 * position trimmed when it ends, and another snapshot would take as long
 * again.  So, every ddb_fdw.stream_buffer_interval seconds, between two
 * pages of the snapshot (engine.c calls sync_buffer_tick), the records
 * after the shard checkpoints are read into ddb_fdw.sync_buffer, each page
 * in one transaction with its shard's checkpoint, for at most a quarter
 * of the interval (at least a second): nothing is trimmed before it is
 * kept.  A pass that reads every shard to its end notes its start in
 * sync_state.stream_buffered_to.  When the snapshot ends, the buffer is
 * applied in the order it was kept, a thousand records at a time, each
 * batch in one transaction with its removal from the buffer (within a
 * batch each key's last record decides, and batches follow each other, so
 * the last image of each key wins); stream_applied_to becomes
 * stream_buffered_to, and the next run continues from the shard
 * checkpoints.  An interval of 0 turns the buffer off.
 *
 * IDENTIFICATION
 *		src/fdw/sync/stream_buffer.c
 *
 *-------------------------------------------------------------------------
 */
#include "stream_int.h"

#include "miscadmin.h"
#include "utils/memutils.h"

/* GUC ddb_fdw.stream_buffer_interval: seconds; 0 turns the buffer off */
int			ddb_stream_buffer_interval = 300;

/* buffered records applied in one transaction */
#define BUFFER_APPLY_BATCH 1000

/* A snapshot keeping the stream's records. */
struct StreamBuffer
{
	DdbScanner *sc;
	char	   *table_name;		/* the DynamoDB table */
	char	   *arn;
	char	   *view_type;
	TimestampTz stream_from;
	TimestampTz last_pass;		/* when the last pass ended (or the run began) */
	char	   *off;			/* why the records can no longer be kept */
};

/*
 * Starts keeping the stream's records, when the buffer is on and the
 * snapshot (new or resumed) has a stream to hand over to.  sc is the
 * snapshot's scanner (its connection reads the stream).
 */
void
sync_buffer_begin(SyncJob *job, DdbScanner *sc)
{
	SyncStateRow st;
	StreamBuffer *b;

	job->buffer = NULL;
	if (ddb_stream_buffer_interval <= 0 || !sync_catalog_current(job))
		return;
	sync_catalog_read_state(job, &st);
	if (st.stream_arn == NULL || !st.has_stream_from)
		return;
	b = MemoryContextAllocZero(job->cxt, sizeof(StreamBuffer));
	b->sc = sc;
	b->table_name = MemoryContextStrdup(job->cxt, sc->opts.table_name);
	b->arn = st.stream_arn;
	b->view_type = st.stream_view_type;
	b->stream_from = st.stream_from;
	b->last_pass = job->started;
	job->buffer = b;
}

/*
 * Called by the snapshot between pages: when the interval has passed since
 * the last pass, keeps what the stream has after the shard checkpoints.
 */
void
sync_buffer_tick(SyncJob *job)
{
	StreamBuffer *b = job->buffer;
	TimestampTz start;
	int64		interval_ms;
	int64		budget_ms;
	bool		caught_up = false;
	int64		kept = 0;
	char	   *why;

	if (b == NULL || b->off != NULL)
		return;
	interval_ms = (int64) ddb_stream_buffer_interval * 1000;
	start = GetCurrentTimestamp();
	if (interval_ms <= 0 ||
		!TimestampDifferenceExceeds(b->last_pass, start, (int) Min(interval_ms, INT_MAX)))
		return;
	budget_ms = Max(interval_ms / 4, 1000);
	why = sync_stream_fill(job, b->sc, b->table_name, b->arn, b->view_type, b->stream_from,
						   TimestampTzPlusMilliseconds(start, budget_ms), &caught_up, &kept);
	b->last_pass = GetCurrentTimestamp();
	if (why != NULL)
	{
		b->off = why;
		ereport(LOG,
				(errmsg("sync of %s into %s cannot keep the stream's records while the snapshot runs: %s",
						job->foreign_name, job->target_name, why)));
		sync_catalog_run_note(job, psprintf("the stream's records could not be kept while the snapshot ran: %s",
											why));
		sync_commit_step(job);
		return;
	}
	if (caught_up)
	{
		/* every change before this pass began is in the target or kept */
		sync_catalog_buffered_to(job, start);
		sync_commit_step(job);
	}
}

/*
 * Keeps n records (of one page, in its order) in the change buffer, in
 * the transaction of their shard's checkpoint.  Returns how many.
 */
int64
sync_buffer_keep(StreamRun *run, const ApplyRecord *recs, int n)
{
	SyncBufferRow *rows = palloc0(sizeof(SyncBufferRow) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
	{
		rows[i].shard_id = (char *) recs[i].shard_id;
		rows[i].sequence = (char *) recs[i].sequence;
		rows[i].event = (char *) recs[i].event_name;
		rows[i].ttl = recs[i].kind == REC_TTL;
		rows[i].keys = pnstrdup(recs[i].keys, recs[i].keys_len);
		rows[i].image = recs[i].image ? pnstrdup(recs[i].image, recs[i].image_len) : NULL;
	}
	sync_catalog_buffer_keep(run->job, n, rows);
	return n;
}

/* Applies one batch of buffered records (n of rows); commits it. */
static void
apply_batch(StreamRun *run, SyncBufferRow *rows, int n)
{
	SyncJob    *job = run->job;
	ApplyRecord *recs = palloc0(sizeof(ApplyRecord) * n);
	int64		added_before = job->rows_added;
	double		capacity_before = job->capacity;
	SyncStreamPage counts;
	int			i;

	for (i = 0; i < n; i++)
	{
		recs[i].kind = sync_record_kind_named(rows[i].event, rows[i].ttl);
		recs[i].event_name = rows[i].event;
		recs[i].shard_id = rows[i].shard_id;
		recs[i].sequence = rows[i].sequence;
		recs[i].keys = rows[i].keys;
		recs[i].keys_len = strlen(rows[i].keys);
		recs[i].image = rows[i].image;
		recs[i].image_len = rows[i].image ? strlen(rows[i].image) : 0;
	}
	memset(&counts, 0, sizeof(counts));
	sync_apply_records(run, recs, n, &counts);
	counts.rows_added = job->rows_added - added_before;
	counts.capacity = job->capacity - capacity_before;
	counts.retries = sync_stream_run_retries(run);
	sync_catalog_buffer_applied(job, rows[n - 1].position, &counts);
	job->rows_upserted += counts.upserted;
	job->rows_deleted += counts.deleted;
	job->inserts += counts.inserts;
	job->modifies += counts.modifies;
	job->removes += counts.removes;
	job->ttl_removes += counts.ttl_removes;
	job->unknown_events += counts.unknown_events;
	sync_commit_step(job);
}

/*
 * At the end of a snapshot: applies what the change buffer holds (kept by
 * this run or the runs of this snapshot before it), batch after batch;
 * then the stream is applied as far as the buffer had kept up.
 */
void
sync_buffer_finish(SyncJob *job, DdbScanner *sc)
{
	MemoryContext caller_cxt = CurrentMemoryContext;
	SyncStateRow st;
	StreamRun  *volatile run;

	if (!sync_catalog_current(job))
		return;					/* 1.0's catalog has no buffer */
	sync_catalog_read_state(job, &st);
	if (st.stream_arn == NULL || !st.has_stream_from)
		return;
	run = MemoryContextAllocZero(job->cxt, sizeof(StreamRun));
	sync_stream_run_init(run, job, sc, sc->opts.table_name, st.stream_arn,
						 st.stream_view_type, st.stream_from, false);
	PG_TRY();
	{
		for (;;)
		{
			SyncBufferRow *rows;
			int			n;

			CHECK_FOR_INTERRUPTS();
			MemoryContextSwitchTo(run->page_cxt);
			rows = palloc(sizeof(SyncBufferRow) * BUFFER_APPLY_BATCH);
			n = sync_catalog_buffer_read(job, BUFFER_APPLY_BATCH, rows);
			if (n == 0)
				break;
			apply_batch(run, rows, n);
			MemoryContextSwitchTo(caller_cxt);
			MemoryContextReset(run->page_cxt);
		}
		MemoryContextSwitchTo(caller_cxt);
		sync_catalog_buffer_done(job);
	}
	PG_FINALLY();
	{
		MemoryContextSwitchTo(caller_cxt);
		sync_stream_run_free(run);
	}
	PG_END_TRY();
	pfree(run);
}
