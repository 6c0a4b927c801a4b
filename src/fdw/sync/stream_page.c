/*-------------------------------------------------------------------------
 *
 * stream_page.c
 *		One GetRecords page of a stream, in one transaction together with
 *		its shard's checkpoint and the run's counters: applied to the
 *		target (a stream run) or kept in the change buffer (while a
 *		snapshot runs).
 *
 * Records created before the snapshot's margin are skipped; what the
 * others do is stream_records.c's business.
 *
 * IDENTIFICATION
 *		src/fdw/sync/stream_page.c
 *
 *-------------------------------------------------------------------------
 */
#include "stream_int.h"

#include "utils/memutils.h"

#include "catalog.h"
#include "progress.h"

/*
 * Retries since the last call (GetShardIterator, GetRecords, DescribeStream
 * and BatchGetItem), for the run history.
 */
int64
sync_stream_run_retries(StreamRun *run)
{
	DdbConnection *conn = run->sc->conn;
	unsigned long now = ddb_http_client_retries(conn->streams_http) +
		ddb_http_client_retries(conn->http);
	int64		n = (int64) (now - run->retries_seen);

	run->retries_seen = now;
	return n;
}

/*
 * The page's records to apply or keep (those not older than the snapshot),
 * in the page's order, in recs (allocated in the current context); returns
 * how many.
 */
static int
page_records(StreamRun *run, ShardState *sh, ApplyRecord *recs)
{
	DdbRecordPage *page = &run->page;
	int			n = 0;
	int			i;

	for (i = 0; i < page->nrecords; i++)
	{
		DdbStreamRecord *r = &page->records[i];
		ApplyRecord *a = &recs[n];

		if (r->created > 0 && r->created < run->skip_before)
			continue;			/* older than the snapshot */
		memset(a, 0, sizeof(*a));
		a->kind = sync_record_kind(r);
		a->event_name = r->event_name;
		a->shard_id = sh->shard_id;
		a->sequence = pnstrdup(r->sequence, r->sequence_len);
		a->keys = r->keys;
		a->keys_len = r->keys_len;
		/* a removal by TTL: the item as it was removed, for an archive */
		a->image = a->kind == REC_TTL ? r->old_image : r->new_image;
		a->image_len = a->kind == REC_TTL ? r->old_image_len : r->new_image_len;
		n++;
	}
	return n;
}

/*
 * Applies (or, buffering, keeps) one GetRecords page of shard sh and
 * checkpoints it, in one transaction (committed when the sync may commit).
 */
void
sync_stream_apply_page(StreamRun *run, ShardState *sh, bool shard_done)
{
	SyncJob    *job = run->job;
	DdbRecordPage *page = &run->page;
	MemoryContext old = MemoryContextSwitchTo(run->page_cxt);
	ApplyRecord *recs = palloc0(sizeof(ApplyRecord) * Max(page->nrecords, 1));
	int64		added_before = job->rows_added;
	double		capacity_before = job->capacity;
	SyncStreamPage cp;
	const char *seq = sh->sequence;
	int			nrecs;

	memset(&cp, 0, sizeof(cp));
	nrecs = page_records(run, sh, recs);
	if (run->buffering)
	{
		cp.buffered = sync_buffer_keep(run, recs, nrecs);
		run->kept += cp.buffered;
	}
	else
	{
		sync_apply_records(run, recs, nrecs, &cp);
		cp.pages = 1;
	}

	/* the checkpoint, with the changes */
	if (page->nrecords > 0)
	{
		DdbStreamRecord *r = &page->records[page->nrecords - 1];

		seq = pnstrdup(r->sequence, r->sequence_len);
	}
	cp.shard_id = sh->shard_id;
	cp.sequence = seq;
	cp.shard_done = shard_done;
	cp.records = page->nrecords;
	cp.capacity = job->capacity - capacity_before;
	cp.rows_added = job->rows_added - added_before;
	cp.retries = sync_stream_run_retries(run);
	sync_catalog_stream_page(job, &cp);
	{
		/* copy first: seq may be sh->sequence itself (an empty page) */
		char	   *newseq = seq ? MemoryContextStrdup(job->cxt, seq) : NULL;

		if (sh->sequence)
			pfree(sh->sequence);
		sh->sequence = newseq;
	}
	sh->done = shard_done;
	MemoryContextSwitchTo(old);
	job->rows_upserted += cp.upserted;
	job->rows_deleted += cp.deleted;
	job->inserts += cp.inserts;
	job->modifies += cp.modifies;
	job->removes += cp.removes;
	job->ttl_removes += cp.ttl_removes;
	job->unknown_events += cp.unknown_events;
	job->pages += cp.pages;
	/* a page kept in the buffer is not the snapshot's progress */
	if (cp.pages > 0)
		sync_progress_stream_page(job, cp.records, cp.retries);
	sync_commit_step(job);
	MemoryContextReset(run->page_cxt);
}
