/*-------------------------------------------------------------------------
 *
 * stream_page.c
 *		One GetRecords page of a stream, applied to the target in one
 *		transaction together with its shard's checkpoint and the run's
 *		counters.
 *
 * Within a page only the last record of each key counts: INSERT and MODIFY
 * upsert its new image, REMOVE deletes (or marks) the row.  KEYS_ONLY and
 * OLD_IMAGE streams carry no new image: the current items are read with
 * BatchGetItem (strongly consistent) instead, and a key no longer there is
 * deleted.  Records created before the snapshot's margin are skipped.
 *
 * IDENTIFICATION
 *		src/fdw/sync/stream_page.c
 *
 *-------------------------------------------------------------------------
 */
#include "stream_int.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "aws/streams.h"

#include "catalog.h"
#include "core/call.h"
#include "progress.h"

/*
 * Retries since the last call (GetShardIterator, GetRecords, DescribeStream
 * and BatchGetItem), for the run history.
 */
static int64
run_retries(StreamRun *run)
{
	DdbConnection *conn = run->sc->conn;
	unsigned long now = ddb_http_client_retries(conn->streams_http) +
		ddb_http_client_retries(conn->http);
	int64		n = (int64) (now - run->retries_seen);

	run->retries_seen = now;
	return n;
}

/* One record of a page, decoded. */
typedef struct PageRecord
{
	int			index;			/* in the page */
	char	   *key;			/* the key's text form: identity in the page */
	Datum		keys[2];		/* key column values (copied) */
	bool		last;			/* the key's last record in the page */
} PageRecord;

/* ----------------------------------------------------------------
 * Pages
 * ----------------------------------------------------------------
 */

/* Decodes raw JSON items (DynamoDB's attribute-value maps) as a page. */
static void
decode_raw(StreamRun *run, const char **items, const size_t *lens, int n,
		   DdbPage *page)
{
	StringInfoData json;
	int			i;

	initStringInfo(&json);
	appendStringInfoString(&json, "{\"Items\":[");
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoChar(&json, ',');
		appendBinaryStringInfo(&json, items[i], (int) lens[i]);
	}
	appendStringInfoString(&json, "]}");
	ddb_decode_page(run->sc->decoder, json.data, json.len, "GetRecords", page);
}

/* The text identity of a decoded row's key. */
static char *
key_identity(StreamRun *run, const Datum *values, const bool *nulls, Datum *keys)
{
	SyncJob    *job = run->job;
	StringInfoData s;
	int			k;

	initStringInfo(&s);
	for (k = 0; k < job->nkeys; k++)
	{
		int			a = job->key_attnums[k] - 1;
		Form_pg_attribute att = TupleDescAttr(job->foreign_desc, a);

		if (nulls[a])
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("stream record of DynamoDB table \"%s\" has no key attribute for column \"%s\"",
							run->table_name, NameStr(att->attname))));
		if (keys)
			keys[k] = datumCopy(values[a], att->attbyval, att->attlen);
		{
			/* length-prefixed: no key text can run into the next */
			char	   *txt = OutputFunctionCall(&run->key_out[k], values[a]);

			appendStringInfo(&s, "%zu:%s", strlen(txt), txt);
		}
	}
	return s.data;
}

static int
cmp_records(const void *a, const void *b)
{
	const PageRecord *ra = a;
	const PageRecord *rb = b;
	int			c = strcmp(ra->key, rb->key);

	if (c != 0)
		return c;
	return ra->index - rb->index;
}

/*
 * Reads the current items of keys (raw JSON, n of them) with BatchGetItem,
 * upserts the ones found and marks them in found[].  Returns rows upserted.
 */
static int64
fetch_current(StreamRun *run, PageRecord **recs, int n, bool *found,
			  TimestampTz now)
{
	DdbScanner *sc = run->sc;
	List	   *keys = NIL;
	int64		upserted = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		DdbStreamRecord *r = &run->page.records[recs[i]->index];

		keys = lappend(keys, pnstrdup(r->keys, r->keys_len));
	}
	ddb_scanner_set_request(sc, DDB_OP_BATCH, NULL, NULL, NULL, NULL, keys, 0);
	ddb_scanner_restart(sc, 0, 0, NULL);
	while (ddb_scanner_next_page(sc))
	{
		DdbPage    *p = &sc->page;
		int			row;

		for (row = 0; row < p->nitems; row++)
		{
			char	   *key = key_identity(run, p->values + (size_t) row * p->natts,
										   p->nulls + (size_t) row * p->natts, NULL);

			for (i = 0; i < n; i++)
				if (!found[i] && strcmp(recs[i]->key, key) == 0)
					found[i] = true;
		}
		upserted += sync_upsert_rows(run->job, p->nitems, p->values, p->nulls,
									 p->natts, now, &run->job->rows_added);
		run->job->capacity += p->capacity_units;
	}
	return upserted;
}

/*
 * The page's records to apply (those not older than the snapshot), their
 * keys decoded, sorted by key, each key's last record marked; the events
 * counted in *counts.  Returns how many.
 */
static int
page_records(StreamRun *run, PageRecord *recs, SyncStreamPage *counts)
{
	DdbRecordPage *page = &run->page;
	const char **raw = palloc(sizeof(char *) * Max(page->nrecords, 1));
	size_t	   *lens = palloc(sizeof(size_t) * Max(page->nrecords, 1));
	int			nrecs = 0;
	int			i;

	for (i = 0; i < page->nrecords; i++)
	{
		DdbStreamRecord *r = &page->records[i];

		if (r->created > 0 && r->created < run->skip_before)
			continue;			/* older than the snapshot */
		recs[nrecs].index = i;
		raw[nrecs] = r->keys;
		lens[nrecs] = r->keys_len;
		nrecs++;
		if (r->event == DDB_EVENT_INSERT)
			counts->inserts++;
		else if (r->event == DDB_EVENT_MODIFY)
			counts->modifies++;
		else
			counts->removes++;
	}
	if (nrecs > 0)
	{
		DdbPage		kp;

		decode_raw(run, raw, lens, nrecs, &kp);
		for (i = 0; i < nrecs; i++)
			recs[i].key = key_identity(run, kp.values + (size_t) i * kp.natts,
									   kp.nulls + (size_t) i * kp.natts,
									   recs[i].keys);
	}

	/* within the page, each key's last record decides */
	qsort(recs, nrecs, sizeof(PageRecord), cmp_records);
	for (i = 0; i < nrecs; i++)
		recs[i].last = (i == nrecs - 1 || strcmp(recs[i].key, recs[i + 1].key) != 0);
	return nrecs;
}

/*
 * Applies each key's last record: new images upserted, current items read
 * where the stream has no new image, removed keys deleted.  Adds the rows
 * upserted and deleted to *counts.
 */
static void
apply_records(StreamRun *run, PageRecord *recs, int nrecs, TimestampTz now,
			  SyncStreamPage *counts)
{
	SyncJob    *job = run->job;
	DdbRecordPage *page = &run->page;
	const char **images = palloc(sizeof(char *) * Max(nrecs, 1));
	size_t	   *lens = palloc(sizeof(size_t) * Max(nrecs, 1));
	PageRecord **fetch = palloc(sizeof(PageRecord *) * Max(nrecs, 1));
	Datum	   *delkeys[2];
	int			nimages = 0;
	int			nfetch = 0;
	int			ndel = 0;
	int			i;

	delkeys[0] = palloc(sizeof(Datum) * Max(nrecs, 1));
	delkeys[1] = palloc(sizeof(Datum) * Max(nrecs, 1));
	for (i = 0; i < nrecs; i++)
	{
		DdbStreamRecord *r = &page->records[recs[i].index];

		if (!recs[i].last)
			continue;
		if (r->event == DDB_EVENT_REMOVE)
		{
			delkeys[0][ndel] = recs[i].keys[0];
			delkeys[1][ndel] = recs[i].keys[1];
			ndel++;
		}
		else if (!run->fetch_images && r->new_image != NULL)
		{
			images[nimages] = r->new_image;
			lens[nimages] = r->new_image_len;
			nimages++;
		}
		else
			fetch[nfetch++] = &recs[i];
	}
	if (nimages > 0)
	{
		DdbPage		ip;

		decode_raw(run, images, lens, nimages, &ip);
		counts->upserted += sync_upsert_rows(job, ip.nitems, ip.values, ip.nulls,
											 ip.natts, now, &job->rows_added);
	}
	if (nfetch > 0)
	{
		bool	   *found = palloc0(sizeof(bool) * nfetch);

		counts->upserted += fetch_current(run, fetch, nfetch, found, now);
		/* gone since: deleted (a later record says so too) */
		for (i = 0; i < nfetch; i++)
			if (!found[i])
			{
				delkeys[0][ndel] = fetch[i]->keys[0];
				delkeys[1][ndel] = fetch[i]->keys[1];
				ndel++;
			}
	}
	counts->deleted += sync_delete_keys(job, ndel, delkeys);
}

/*
 * Applies one GetRecords page of shard sh and checkpoints it, in one
 * transaction (committed when the sync may commit).
 */
void
sync_stream_apply_page(StreamRun *run, ShardState *sh, bool shard_done)
{
	SyncJob    *job = run->job;
	DdbRecordPage *page = &run->page;
	MemoryContext old = MemoryContextSwitchTo(run->page_cxt);
	PageRecord *recs = palloc0(sizeof(PageRecord) * Max(page->nrecords, 1));
	int64		added_before = job->rows_added;
	double		capacity_before = job->capacity;
	SyncStreamPage cp;
	const char *seq = sh->sequence;
	int			nrecs;

	memset(&cp, 0, sizeof(cp));
	nrecs = page_records(run, recs, &cp);
	apply_records(run, recs, nrecs, GetCurrentTimestamp(), &cp);

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
	cp.retries = run_retries(run);
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
	job->pages++;
	sync_progress_stream_page(job, cp.records, cp.retries);
	sync_commit_step(job);
	MemoryContextReset(run->page_cxt);
}
