/*-------------------------------------------------------------------------
 *
 * stream_records.c
 *		What stream records do to the target.
 *
 * Within a batch of records (a GetRecords page, or a part of the change
 * buffer) only the last record of each key counts:
 *	INSERT, MODIFY	upsert its new image; where the stream has none
 *					(KEYS_ONLY, OLD_IMAGE) the current item is read with
 *					BatchGetItem (strongly consistent) and upserted, or the
 *					row deleted when the item is gone;
 *	REMOVE			deletes the row (or, with soft_delete, marks it);
 *	Time to Live	a removal by TTL -- AWS: REMOVE with userIdentity
 *					{Type "Service", PrincipalId "dynamodb.amazonaws.com"};
 *					DynamoDB Local 3.x: an eventName its own SDK does not
 *					know ("UNKNOWN_TO_SDK_VERSION") and no NewImage -- does
 *					what ttl_deletes says: delete like REMOVE, or keep the
 *					row (an archive: the item as it was removed, from the
 *					record's OldImage, or else the key's previous new image
 *					here, when the stream has them), or keep and mark it in
 *					_ddb_expired_at;
 *	anything else	an event ddb_fdw does not know: the item's current
 *					state decides (as for KEYS_ONLY), with a LOG line naming
 *					the event.
 * Every record is counted in the run's history, TTL removals apart from
 * other removes.
 *
 * A batch is applied in a subtransaction.  When it fails with an error a
 * record can cause (a value that does not convert, a constraint or trigger
 * of the target), each record is tried alone to find which: the error then
 * names its shard, sequence number and key, and says the way out.
 *
 * IDENTIFICATION
 *		src/fdw/sync/stream_records.c
 *
 *-------------------------------------------------------------------------
 */
#include "stream_int.h"

#include "access/xact.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

/* who AWS names as the author of a removal by Time to Live */
#define TTL_IDENTITY_TYPE "Service"
#define TTL_PRINCIPAL "dynamodb.amazonaws.com"
/* DynamoDB Local 3.x's eventName for a removal by Time to Live */
#define LOCAL_TTL_EVENT "UNKNOWN_TO_SDK_VERSION"

/* What a record of a GetRecords page does. */
RecordKind
sync_record_kind(const DdbStreamRecord *r)
{
	switch (r->event)
	{
		case DDB_EVENT_INSERT:
			return REC_INSERT;
		case DDB_EVENT_MODIFY:
			return REC_MODIFY;
		case DDB_EVENT_REMOVE:
			if (strcmp(r->identity_type, TTL_IDENTITY_TYPE) == 0 &&
				strcmp(r->identity_principal, TTL_PRINCIPAL) == 0)
				return REC_TTL;
			return REC_REMOVE;
		case DDB_EVENT_OTHER:
			break;
	}
	if (strcmp(r->event_name, LOCAL_TTL_EVENT) == 0 && r->new_image == NULL)
		return REC_TTL;
	return REC_UNKNOWN;
}

/* What a record of the change buffer does (ttl: it was a TTL removal). */
RecordKind
sync_record_kind_named(const char *event_name, bool ttl)
{
	if (ttl)
		return REC_TTL;
	if (strcmp(event_name, "INSERT") == 0)
		return REC_INSERT;
	if (strcmp(event_name, "MODIFY") == 0)
		return REC_MODIFY;
	if (strcmp(event_name, "REMOVE") == 0)
		return REC_REMOVE;
	return REC_UNKNOWN;
}

/* ----------------------------------------------------------------
 * Keys and images
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

/*
 * The text identity of a decoded row's key (length-prefixed: no key text
 * can run into the next); with keys, the key column values are copied
 * there.
 */
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
		char	   *txt;

		if (nulls[a])
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("stream record of DynamoDB table \"%s\" has no key attribute for column \"%s\"",
							run->table_name, NameStr(att->attname))));
		if (keys)
			keys[k] = datumCopy(values[a], att->attbyval, att->attlen);
		txt = OutputFunctionCall(&run->key_out[k], values[a]);
		appendStringInfo(&s, "%zu:%s", strlen(txt), txt);
	}
	return s.data;
}

static int
cmp_records(const void *a, const void *b)
{
	const ApplyRecord *ra = *(ApplyRecord *const *) a;
	const ApplyRecord *rb = *(ApplyRecord *const *) b;
	int			c = strcmp(ra->key, rb->key);

	if (c != 0)
		return c;
	return ra->order - rb->order;
}

/*
 * Decodes the records' keys and returns them sorted by key (records of a
 * key in their order), each key's last record marked.
 */
static ApplyRecord **
sort_records(StreamRun *run, ApplyRecord *recs, int n)
{
	ApplyRecord **sorted = palloc(sizeof(ApplyRecord *) * Max(n, 1));
	const char **raw = palloc(sizeof(char *) * Max(n, 1));
	size_t	   *lens = palloc(sizeof(size_t) * Max(n, 1));
	DdbPage		kp;
	int			i;

	for (i = 0; i < n; i++)
	{
		raw[i] = recs[i].keys;
		lens[i] = recs[i].keys_len;
	}
	decode_raw(run, raw, lens, n, &kp);
	for (i = 0; i < n; i++)
	{
		recs[i].order = i;
		recs[i].key = key_identity(run, kp.values + (size_t) i * kp.natts,
								   kp.nulls + (size_t) i * kp.natts, recs[i].keyvals);
		sorted[i] = &recs[i];
	}
	qsort(sorted, n, sizeof(ApplyRecord *), cmp_records);
	for (i = 0; i < n; i++)
		sorted[i]->last = (i == n - 1 || strcmp(sorted[i]->key, sorted[i + 1]->key) != 0);
	return sorted;
}

/* ----------------------------------------------------------------
 * Applying
 * ----------------------------------------------------------------
 */

/*
 * Reads the current items of recs' keys (n of them) with BatchGetItem,
 * upserts the ones found and marks them in found[].  Returns rows upserted.
 */
static int64
fetch_current(StreamRun *run, ApplyRecord **recs, int n, bool *found,
			  TimestampTz now)
{
	DdbScanner *sc = run->sc;
	List	   *keys = NIL;
	int64		upserted = 0;
	int			i;

	for (i = 0; i < n; i++)
		keys = lappend(keys, pnstrdup(recs[i]->keys, recs[i]->keys_len));
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

/* Rows by key, to delete or to mark. */
typedef struct KeyList
{
	Datum	   *keys[2];
	int			n;
} KeyList;

static void
key_list_init(KeyList *l, int cap)
{
	l->keys[0] = palloc(sizeof(Datum) * Max(cap, 1));
	l->keys[1] = palloc(sizeof(Datum) * Max(cap, 1));
	l->n = 0;
}

static void
key_list_add(KeyList *l, const ApplyRecord *r)
{
	l->keys[0][l->n] = r->keyvals[0];
	l->keys[1][l->n] = r->keyvals[1];
	l->n++;
}

/*
 * The image a removal by TTL kept as an archive (sorted[i]) leaves: the
 * item as it was removed (the record's OldImage), else the new image of the
 * key's record before it here; NULL: the row stays as it is.
 */
static const ApplyRecord *
archived_image(StreamRun *run, ApplyRecord **sorted, int i)
{
	const ApplyRecord *prev;

	if (sorted[i]->image != NULL)
		return sorted[i];
	if (i == 0 || run->fetch_images)
		return NULL;
	prev = sorted[i - 1];
	if (strcmp(prev->key, sorted[i]->key) != 0 || prev->image == NULL ||
		(prev->kind != REC_INSERT && prev->kind != REC_MODIFY))
		return NULL;
	return prev;
}

/*
 * Applies each key's last record (sorted: n of them, sort_records' order):
 * new images upserted, current items read where there is no new image (or
 * the event is unknown), removed keys deleted, TTL removals per
 * ttl_deletes.  Adds the rows upserted and deleted to *counts.
 */
static void
apply_sorted(StreamRun *run, ApplyRecord **sorted, int n, TimestampTz now,
			 SyncStreamPage *counts)
{
	SyncJob    *job = run->job;
	const char **images = palloc(sizeof(char *) * Max(n, 1));
	size_t	   *lens = palloc(sizeof(size_t) * Max(n, 1));
	ApplyRecord **fetch = palloc(sizeof(ApplyRecord *) * Max(n, 1));
	KeyList		del;
	KeyList		expire;
	int			nimages = 0;
	int			nfetch = 0;
	int			i;

	key_list_init(&del, n);
	key_list_init(&expire, n);
	for (i = 0; i < n; i++)
	{
		ApplyRecord *r = sorted[i];

		if (!r->last)
			continue;
		switch (r->kind)
		{
			case REC_REMOVE:
				key_list_add(&del, r);
				break;
			case REC_TTL:
				if (job->opts.ttl_deletes == SYNC_TTL_DELETE)
				{
					key_list_add(&del, r);
					break;
				}
				{
					/* kept: as the item was removed, and marked */
					const ApplyRecord *a = archived_image(run, sorted, i);

					if (a != NULL)
					{
						images[nimages] = a->image;
						lens[nimages] = a->image_len;
						nimages++;
					}
				}
				if (job->opts.ttl_deletes == SYNC_TTL_MARK)
					key_list_add(&expire, r);
				break;
			case REC_INSERT:
			case REC_MODIFY:
				if (!run->fetch_images && r->image != NULL)
				{
					images[nimages] = r->image;
					lens[nimages] = r->image_len;
					nimages++;
					break;
				}
				fetch[nfetch++] = r;
				break;
			case REC_UNKNOWN:
				fetch[nfetch++] = r;
				break;
		}
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
				key_list_add(&del, fetch[i]);
	}
	counts->deleted += sync_delete_keys(job, del.n, del.keys);
	if (expire.n > 0)
		(void) sync_expire_keys(job, expire.n, expire.keys);
}

/* Counts every record of the batch in the run's counters. */
static void
count_events(const ApplyRecord *recs, int n, SyncStreamPage *counts)
{
	int			i;

	for (i = 0; i < n; i++)
		switch (recs[i].kind)
		{
			case REC_INSERT:
				counts->inserts++;
				break;
			case REC_MODIFY:
				counts->modifies++;
				break;
			case REC_REMOVE:
				counts->removes++;
				break;
			case REC_TTL:
				counts->ttl_removes++;
				break;
			case REC_UNKNOWN:
				counts->unknown_events++;
				break;
		}
}

/* A LOG line per event name ddb_fdw does not know, with its records. */
static void
log_unknown(StreamRun *run, const ApplyRecord *recs, int n)
{
	int			i;
	int			j;

	for (i = 0; i < n; i++)
	{
		int			count = 0;

		if (recs[i].kind != REC_UNKNOWN)
			continue;
		for (j = 0; j < i; j++)
			if (recs[j].kind == REC_UNKNOWN &&
				strcmp(recs[j].event_name, recs[i].event_name) == 0)
				break;
		if (j < i)
			continue;			/* logged with the first of its name */
		for (j = i; j < n; j++)
			if (recs[j].kind == REC_UNKNOWN &&
				strcmp(recs[j].event_name, recs[i].event_name) == 0)
				count++;
		ereport(LOG,
				(errmsg("sync of %s into %s: %d stream %s with event \"%s\", unknown to ddb_fdw, applied from the item's current state",
						run->job->foreign_name, run->job->target_name, count,
						count == 1 ? "record" : "records", recs[i].event_name),
				 errdetail("The first is record %s of shard %s.",
						   recs[i].sequence, recs[i].shard_id)));
	}
}

/* ----------------------------------------------------------------
 * A record that cannot be applied
 * ----------------------------------------------------------------
 */

/* Whether an error may come from one record (its values, the target's rules). */
static bool
record_error(int sqlerrcode)
{
	switch (ERRCODE_TO_CATEGORY(sqlerrcode))
	{
		case ERRCODE_DATA_EXCEPTION:
		case ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION:
		case ERRCODE_WITH_CHECK_OPTION_VIOLATION:
		case ERRCODE_PLPGSQL_ERROR:
			return true;
		default:
			return sqlerrcode == ERRCODE_FDW_INVALID_DATA_TYPE;
	}
}

/* The record's key for a message: column = value, else DynamoDB's Keys. */
static char *
key_text(StreamRun *run, const ApplyRecord *r)
{
	SyncJob    *job = run->job;
	StringInfoData s;
	int			k;

	initStringInfo(&s);
	if (r->key == NULL)
	{
		int			len = (int) Min(r->keys_len, 200);

		len = pg_mbcliplen(r->keys, (int) r->keys_len, len);
		appendBinaryStringInfo(&s, r->keys, len);
		if ((size_t) len < r->keys_len)
			appendStringInfoString(&s, "...");
		return s.data;
	}
	for (k = 0; k < job->nkeys; k++)
	{
		Form_pg_attribute att = TupleDescAttr(job->foreign_desc, job->key_attnums[k] - 1);

		appendStringInfo(&s, "%s%s = %s", k ? ", " : "", NameStr(att->attname),
						 OutputFunctionCall(&run->key_out[k], r->keyvals[k]));
	}
	return s.data;
}

/*
 * Applies recs[0..n-1] in a subtransaction; returns NULL when that worked,
 * else the error (the subtransaction rolled back), copied into the caller's
 * memory context.  Errors that are not the record's (cancel, the network,
 * resources) are re-raised at once.
 */
static ErrorData *
try_apply(StreamRun *run, ApplyRecord *recs, int n, SyncStreamPage *counts,
		  bool *sorted_out)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	ErrorData  *volatile edata = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		ApplyRecord **sorted = sort_records(run, recs, n);

		if (sorted_out)
			*sorted_out = true;
		apply_sorted(run, sorted, n, GetCurrentTimestamp(), counts);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		if (!record_error(edata->sqlerrcode))
			ReThrowError(edata);
	}
	PG_END_TRY();
	return edata;
}

/*
 * The batch failed with edata: finds the first record (in the batch's
 * order) that fails alone, and fails the run naming it.  When none does,
 * the batch's error is raised as it was.  Candidates are each key's last
 * record when the keys could be decoded (the others were not applied),
 * else every record.
 */
static void
report_failing(StreamRun *run, ApplyRecord *recs, int n, bool sorted,
			   ErrorData *edata)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		ApplyRecord one = recs[i];
		SyncStreamPage scratch;
		ErrorData  *err;

		if (sorted && !recs[i].last)
			continue;
		CHECK_FOR_INTERRUPTS();
		memset(&scratch, 0, sizeof(scratch));
		one.key = NULL;
		err = try_apply(run, &one, 1, &scratch, NULL);
		if (err == NULL)
			continue;
		/* err's context has every line already (the catcher restores this) */
		error_context_stack = NULL;
		ereport(ERROR,
				(errcode(err->sqlerrcode),
				 errmsg("cannot apply record %s of shard %s of the stream of DynamoDB table \"%s\" (key %s): %s",
						one.sequence, one.shard_id, run->table_name, key_text(run, &one),
						err->message),
				 err->detail ? errdetail_internal("%s", err->detail) : 0,
				 errhint("The sync stops at this record until it can be applied: correct what the message names "
						 "(the foreign table's column types, the target's constraints or triggers), "
						 "or call with restart => true for a fresh snapshot of the table as it is now."),
				 err->context ? (errcontext("%s", err->context)) : 0));
	}
	ReThrowError(edata);
}

/*
 * Applies n records (a page, or a part of the change buffer, in stream
 * order) to the target and counts them in *counts; see the file header.
 */
void
sync_apply_records(StreamRun *run, ApplyRecord *recs, int n, SyncStreamPage *counts)
{
	ErrorData  *edata;
	bool		sorted = false;

	if (n == 0)
		return;
	count_events(recs, n, counts);
	edata = try_apply(run, recs, n, counts, &sorted);
	if (edata != NULL)
		report_failing(run, recs, n, sorted, edata);
	log_unknown(run, recs, n);
}
