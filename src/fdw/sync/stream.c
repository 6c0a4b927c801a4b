/*-------------------------------------------------------------------------
 *
 * stream.c
 *		Incremental sync: applies a table's DynamoDB stream to the target.
 *
 * The hand-off from a snapshot: before the snapshot reads anything,
 * sync_stream_record_start() notes the stream (LatestStreamArn), the time
 * (stream_from) and its shards.  Shards already closed then hold only older
 * changes, which the snapshot sees: they are recorded as done.  The open
 * ones are read from their first record later (AT_SEQUENCE_NUMBER of the
 * shard's StartingSequenceNumber, so that a shard the stream has trimmed
 * since is noticed, where TRIM_HORIZON would silently start later),
 * skipping records created well before stream_from
 * (ApproximateCreationDateTime is truncated to the minute, hence a
 * margin); records written while the snapshot ran are applied after it, in
 * order, so the target converges to the table.  While a long snapshot
 * runs, the same reading keeps them in the change buffer instead
 * (sync_stream_fill, called by stream_buffer.c).
 *
 * A run (sync_stream_apply) lists the shards (DescribeStream), adds new ones
 * to ddb_fdw.sync_shard, and reads the shards in lineage order: a shard only
 * once its parent is applied to its end.  A page of GetRecords is applied in
 * one transaction together with the shard's checkpoint (the sequence number
 * of its last record) and the run's counters, so a crash loses no change
 * and applies none twice.  Within a page only the last record of each key
 * counts (stream_records.c says what each record does).
 *
 * Positions the stream no longer has (a shard of the catalog missing from
 * DescribeStream, TrimmedDataAccessException, a stream gone) end the run
 * with a reason; the caller then takes a fresh snapshot.  An expired
 * iterator is asked for again from the checkpoint.
 *
 * IDENTIFICATION
 *		src/fdw/sync/stream.c
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

bool
sync_stream_usable(const DdbTableDesc *desc)
{
	const char *vt;

	if (desc == NULL || !desc->stream_enabled || desc->latest_stream_arn == NULL)
		return false;
	vt = desc->stream_view_type;
	return vt != NULL && (strcmp(vt, "NEW_IMAGE") == 0 ||
						  strcmp(vt, "NEW_AND_OLD_IMAGES") == 0 ||
						  strcmp(vt, "KEYS_ONLY") == 0 ||
						  strcmp(vt, "OLD_IMAGE") == 0);
}

/* ----------------------------------------------------------------
 * Requests
 * ----------------------------------------------------------------
 */

/* The stream's shards; false (with err) when DescribeStream failed. */
static bool
describe_stream(DdbConnection *conn, const char *arn, DdbStreamDesc **sdesc,
				DdbAwsError *err)
{
	const DdbAwsCredentials *creds = ddb_connection_credentials(conn);
	DdbCall		call;
	bool		ok;

	ddb_call_begin(&call, conn->streams_http, "DescribeStream", NULL);
	ok = ddb_streams_describe(&conn->streams_svc, creds, arn, sdesc, &call.err);
	(void) ddb_call_end(&call);
	*err = call.err;
	return ok;
}

/*
 * Called for a new snapshot of a table with a usable stream, before the
 * snapshot reads anything: records the stream, the time and its shards.
 */
void
sync_stream_record_start(SyncJob *job, DdbConnection *conn, const DdbTableDesc *desc)
{
	DdbStreamDesc *volatile sdesc = NULL;
	DdbAwsError err;

	if (!describe_stream(conn, desc->latest_stream_arn, (DdbStreamDesc **) &sdesc, &err))
		ddb_report_aws_error(&err, "DescribeStream", desc->name);
	PG_TRY();
	{
		sync_catalog_record_stream(job, sdesc, desc->latest_stream_arn,
								   desc->stream_view_type);
	}
	PG_FINALLY();
	{
		ddb_stream_desc_free(sdesc);
	}
	PG_END_TRY();
}

/* ----------------------------------------------------------------
 * Shards
 * ----------------------------------------------------------------
 */
static ShardState *
find_shard(List *shards, const char *id)
{
	ListCell   *lc;

	if (id == NULL)
		return NULL;
	foreach(lc, shards)
	{
		ShardState *sh = lfirst(lc);

		if (strcmp(sh->shard_id, id) == 0)
			return sh;
	}
	return NULL;
}

static DdbShard *
find_described(DdbStreamDesc *sdesc, const char *id)
{
	int			i;

	for (i = 0; i < sdesc->nshards; i++)
		if (strcmp(sdesc->shards[i].shard_id, id) == 0)
			return &sdesc->shards[i];
	return NULL;
}

/*
 * Reconciles the catalog's shards with DescribeStream's: new shards are
 * added, applied shards the stream trimmed are forgotten.  False (with
 * run->fallback) when a shard not yet applied is gone.
 */
static bool
load_shards(StreamRun *run)
{
	SyncJob    *job = run->job;
	List	   *catalog = NIL;
	ListCell   *lc;
	int			s;
	DdbAwsError err;

	if (!describe_stream(run->sc->conn, run->arn, &run->sdesc, &err))
	{
		if (ddb_aws_error_is(&err, "ResourceNotFoundException"))
		{
			run->fallback = "the stream no longer exists";
			return false;
		}
		ddb_report_aws_error(&err, "DescribeStream", run->table_name);
	}

	foreach(lc, sync_catalog_shards(job))
	{
		SyncShardRow *row = lfirst(lc);
		ShardState *sh = MemoryContextAllocZero(job->cxt, sizeof(ShardState));

		sh->shard_id = row->shard_id;
		sh->parent_id = row->parent_id;
		sh->sequence = row->sequence;
		sh->done = row->done;
		catalog = lappend(catalog, sh);
	}

	/* the catalog's shards the stream no longer lists */
	foreach(lc, catalog)
	{
		ShardState *sh = lfirst(lc);

		if (find_described(run->sdesc, sh->shard_id) != NULL)
			continue;
		if (!sh->done)
		{
			run->fallback = psprintf("shard %s of the stream was trimmed before it was applied "
									 "(DynamoDB keeps stream records 24 hours)", sh->shard_id);
			return false;
		}
		sync_catalog_forget_shard(job, sh->shard_id);
	}

	/* the stream's shards, in its order, new ones recorded */
	for (s = 0; s < run->sdesc->nshards; s++)
	{
		DdbShard   *d = &run->sdesc->shards[s];
		ShardState *sh = find_shard(catalog, d->shard_id);

		if (sh == NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(job->cxt);

			sh = palloc0(sizeof(ShardState));
			sh->shard_id = pstrdup(d->shard_id);
			sh->parent_id = d->parent_shard_id ? pstrdup(d->parent_shard_id) : NULL;
			MemoryContextSwitchTo(old);
			sync_catalog_add_shard(job, d->shard_id, d->parent_shard_id);
		}
		sh->closed = d->ending_sequence != NULL;
		run->shards = lappend(run->shards, sh);
	}
	sync_commit_step(job);
	return true;
}

/* The next shard to read: not done, not caught up, its parent done. */
static ShardState *
next_ready_shard(StreamRun *run)
{
	ListCell   *lc;

	foreach(lc, run->shards)
	{
		ShardState *sh = lfirst(lc);
		ShardState *parent;

		if (sh->done || sh->caught_up)
			continue;
		parent = find_shard(run->shards, sh->parent_id);
		if (parent == NULL || parent->done)
			return sh;
	}
	return NULL;
}

/* ----------------------------------------------------------------
 * Shards, page after page
 * ----------------------------------------------------------------
 */

/*
 * Whether max_records or max_duration (a buffering pass: its deadline)
 * ends the run here (run->stopped).
 */
static bool
limit_reached(StreamRun *run)
{
	SyncJob    *job = run->job;

	if (run->buffering)
	{
		if (GetCurrentTimestamp() >= run->deadline)
			run->stopped = "the time for keeping records is up";
	}
	else if (job->opts.max_records > 0 && run->records >= job->opts.max_records)
		run->stopped = psprintf("stopped at max_records (%lld records); the stream has more",
								(long long) run->records);
	else if (job->opts.max_duration_ms > 0 &&
			 TimestampDifferenceExceeds(job->started, GetCurrentTimestamp(),
										(int) Min(job->opts.max_duration_ms, INT_MAX)))
		run->stopped = psprintf("stopped at max_duration after %lld records; the stream may have more",
								(long long) run->records);
	return run->stopped != NULL;
}

/*
 * An iterator at the shard's checkpoint (a shard not read yet: at its
 * first record); false (with run->fallback) when the stream no longer has
 * that position.
 */
static bool
get_iterator(StreamRun *run, ShardState *sh)
{
	DdbConnection *conn = run->sc->conn;
	const DdbAwsCredentials *creds = ddb_connection_credentials(conn);
	DdbShard   *d = find_described(run->sdesc, sh->shard_id);
	const char *type = "AFTER_SEQUENCE_NUMBER";
	const char *sequence = sh->sequence;

	if (sequence == NULL && d != NULL && d->starting_sequence != NULL)
	{
		type = "AT_SEQUENCE_NUMBER";
		sequence = d->starting_sequence;
	}
	else if (sequence == NULL)
		type = "TRIM_HORIZON";
	for (;;)
	{
		DdbCall		call;
		bool		ok;

		free(run->iterator);
		run->iterator = NULL;
		ddb_call_begin(&call, conn->streams_http, "GetShardIterator", run->table_name);
		ok = ddb_streams_get_iterator(&conn->streams_svc, creds, run->arn, sh->shard_id,
									  type, sequence, &run->iterator, &call.err);
		(void) ddb_call_end(&call);
		if (ok)
			return true;
		if (ddb_call_error_is(&call, "TrimmedDataAccessException") ||
			ddb_call_error_is(&call, "ResourceNotFoundException"))
		{
			run->fallback = psprintf("the stream no longer has the position of shard %s (%s)",
									 sh->shard_id, call.err.code);
			return false;
		}
		/*
		 * XXX: the StartingSequenceNumber is the shard's first record on
		 * AWS and DynamoDB Local; should an endpoint refuse it, the shard is
		 * read from TRIM_HORIZON as before, without noticing a trim.
		 */
		if (strcmp(type, "AT_SEQUENCE_NUMBER") == 0 &&
			ddb_call_error_is(&call, "ValidationException"))
		{
			type = "TRIM_HORIZON";
			sequence = NULL;
			continue;
		}
		ddb_call_fail(&call);
	}
}

/* What the CONTEXT line of an error while reading a shard names. */
typedef struct ShardContext
{
	StreamRun  *run;
	ShardState *sh;
} ShardContext;

static void
shard_error_callback(void *arg)
{
	ShardContext *c = arg;

	if (c->sh->sequence)
		errcontext("stream shard %s of DynamoDB table \"%s\", after record %s",
				   c->sh->shard_id, c->run->table_name, c->sh->sequence);
	else
		errcontext("stream shard %s of DynamoDB table \"%s\", from its first record",
				   c->sh->shard_id, c->run->table_name);
}

static void read_shard_pages(StreamRun *run, ShardState *sh);

/*
 * Reads shard sh from its checkpoint until it is done (closed, read to its
 * end), caught up, or a limit or a fallback ends the run; an error names
 * the shard and the position.
 */
static void
read_shard(StreamRun *run, ShardState *sh)
{
	ShardContext ctx = {run, sh};
	ErrorContextCallback errcb;

	errcb.callback = shard_error_callback;
	errcb.arg = &ctx;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	read_shard_pages(run, sh);
	error_context_stack = errcb.previous;
}

static void
read_shard_pages(StreamRun *run, ShardState *sh)
{
	int			expired = 0;
	int			empty = 0;

	if (!get_iterator(run, sh))
		return;
	for (;;)
	{
		DdbConnection *conn = run->sc->conn;
		const DdbAwsCredentials *creds;
		DdbCall		call;
		int			limit = DDB_STREAMS_MAX_RECORDS;
		bool		ok;

		/* the foreign table's page_size bounds GetRecords pages too */
		if (run->sc->opts.page_size > 0)
			limit = Min(limit, run->sc->opts.page_size);

		CHECK_FOR_INTERRUPTS();
		if (limit_reached(run))
			return;
		if (run->job->opts.max_records > 0 && !run->buffering)
			limit = (int) Min((int64) limit, run->job->opts.max_records - run->records);
		creds = ddb_connection_credentials(conn);
		ddb_record_page_free(&run->page);
		ddb_call_begin(&call, conn->streams_http, "GetRecords", run->table_name);
		ok = ddb_streams_get_records(&conn->streams_svc, creds, run->iterator, limit,
									 &run->resp, &run->page, &call.err);
		(void) ddb_call_end(&call);
		if (!ok)
		{
			if (ddb_call_error_is(&call, "ExpiredIteratorException") &&
				++expired <= STREAM_MAX_EXPIRED)
			{
				/* iterators live 15 minutes: ask again from the checkpoint */
				if (!get_iterator(run, sh))
					return;
				continue;
			}
			if (ddb_call_error_is(&call, "TrimmedDataAccessException"))
			{
				run->fallback = psprintf("the stream trimmed records of shard %s not yet applied",
										 sh->shard_id);
				return;
			}
			ddb_call_fail(&call);
		}
		expired = 0;
		run->records += run->page.nrecords;
		if (run->page.nrecords > 0 || run->page.next_iterator == NULL)
			sync_stream_apply_page(run, sh, run->page.next_iterator == NULL);
		if (run->page.next_iterator == NULL)
			return;				/* closed and read to its end */
		free(run->iterator);
		run->iterator = run->page.next_iterator;
		run->page.next_iterator = NULL;
		if (run->page.nrecords == 0 && ++empty >= STREAM_MAX_EMPTY_PAGES)
		{
			/* all the shard has for now */
			sh->caught_up = true;
			return;
		}
		/*
		 * (Stopping at records newer than the run's start would bound a run
		 * under steady writes, but ApproximateCreationDateTime is too coarse
		 * to decide it: max_records and max_duration bound runs instead.)
		 */
		if (run->page.nrecords > 0)
			empty = 0;
	}
}

/*
 * Whether every shard was applied as far as it goes: closed ones to their
 * end, open ones until they had nothing more.
 */
static bool
all_applied(StreamRun *run)
{
	ListCell   *lc;

	foreach(lc, run->shards)
	{
		ShardState *sh = lfirst(lc);

		if (!sh->done && !(sh->caught_up && !sh->closed))
			return false;
	}
	return true;
}

/*
 * Sets up a reading of the stream arn (view type view_type; a snapshot
 * from stream_from before it) by job, with sc's connection (and, to read
 * current items, sc itself).  With buffering, what is read goes to the
 * change buffer.  The run's memory is in job->cxt; sync_stream_run_free
 * releases what is not.
 */
void
sync_stream_run_init(StreamRun *run, SyncJob *job, DdbScanner *sc,
					 const char *table_name, const char *arn,
					 const char *view_type, TimestampTz stream_from, bool buffering)
{
	int			k;

	memset(run, 0, sizeof(*run));
	run->job = job;
	run->sc = sc;
	run->buffering = buffering;
	run->table_name = MemoryContextStrdup(job->cxt, table_name);
	run->arn = arn ? MemoryContextStrdup(job->cxt, arn) : NULL;
	run->fetch_images = view_type != NULL &&
		(strcmp(view_type, "KEYS_ONLY") == 0 || strcmp(view_type, "OLD_IMAGE") == 0);
	run->skip_before = (double) (stream_from / USECS_PER_SEC) +
		(double) ((POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY) -
		STREAM_SKIP_MARGIN_SECS;
	ddb_http_response_init(&run->resp);
	run->retries_seen = ddb_http_client_retries(sc->conn->streams_http) +
		ddb_http_client_retries(sc->conn->http);
	for (k = 0; k < job->nkeys; k++)
	{
		Oid			typout;
		bool		varlena;

		getTypeOutputInfo(TupleDescAttr(job->foreign_desc, job->key_attnums[k] - 1)->atttypid,
						  &typout, &varlena);
		fmgr_info_cxt(typout, &run->key_out[k], job->cxt);
	}
	/*
	 * Current items are read strongly consistent (not by a buffering pass:
	 * it reads none, and the scanner may be mid-scan)
	 */
	run->consistent_saved = sc->opts.consistent_read;
	if (!buffering)
		sc->opts.consistent_read = true;
	run->page_cxt = AllocSetContextCreate(job->cxt, "ddb_fdw stream page",
										  ALLOCSET_DEFAULT_SIZES);
}

/* Frees what the AWS layer allocated for the run, and its page context. */
void
sync_stream_run_free(StreamRun *run)
{
	ddb_stream_desc_free(run->sdesc);
	run->sdesc = NULL;
	free(run->iterator);
	run->iterator = NULL;
	ddb_record_page_free(&run->page);
	ddb_http_response_free(&run->resp);
	if (run->page_cxt)
		MemoryContextDelete(run->page_cxt);
	run->page_cxt = NULL;
	run->sc->opts.consistent_read = run->consistent_saved;
}

/* Reads the shards in lineage order until a limit, a fallback or the end. */
static void
read_stream(StreamRun *run)
{
	ShardState *sh;

	if (!load_shards(run))
		return;
	while (run->fallback == NULL && run->stopped == NULL &&
		   (sh = next_ready_shard(run)) != NULL)
		read_shard(run, sh);
}

/*
 * Applies the stream from the checkpoints in ddb_fdw.sync_shard.  Returns
 * NULL when the run went as far as it should (all caught up, or a limit),
 * else why the stream cannot continue: the caller takes a fresh snapshot.
 */
char *
sync_stream_apply(SyncJob *job, DdbScanner *sc, const DdbTableDesc *desc,
				  TimestampTz stream_from)
{
	MemoryContext caller_cxt = MemoryContextSwitchTo(job->cxt);
	StreamRun  *volatile run;
	char	   *result;

	/* notes and shard states live in the job's context, across commits */
	run = palloc0(sizeof(StreamRun));
	sync_stream_run_init(run, job, sc, desc->name, desc->latest_stream_arn,
						 desc->stream_view_type, stream_from, false);
	PG_TRY();
	{
		read_stream(run);
		if (run->fallback == NULL)
		{
			if (run->stopped == NULL && !all_applied(run))
				run->stopped = "a shard could not be read to its end; the next run continues";
			if (run->stopped == NULL)
			{
				/* every change before the run began is applied */
				sync_catalog_stream_applied(job, job->started);
			}
			else
				sync_catalog_run_note(job, run->stopped);
		}
	}
	PG_FINALLY();
	{
		sync_stream_run_free(run);
	}
	PG_END_TRY();
	result = run->fallback;
	MemoryContextSwitchTo(caller_cxt);
	return result;
}

/*
 * A snapshot's pass over the stream: reads the records after the shard
 * checkpoints into the change buffer, each page in one transaction with
 * its shard's checkpoint, until every shard has nothing more (*caught_up)
 * or deadline passes.  *kept counts the records kept.  Returns NULL, or
 * why the stream cannot be kept up with (its position was trimmed, the
 * stream is gone): the snapshot then hands over as without a buffer.
 */
char *
sync_stream_fill(SyncJob *job, DdbScanner *sc, const char *table_name,
				 const char *arn, const char *view_type, TimestampTz stream_from,
				 TimestampTz deadline, bool *caught_up, int64 *kept)
{
	MemoryContext caller_cxt = MemoryContextSwitchTo(job->cxt);
	StreamRun  *volatile run;
	char	   *result;

	run = palloc0(sizeof(StreamRun));
	sync_stream_run_init(run, job, sc, table_name, arn, view_type, stream_from, true);
	run->deadline = deadline;
	PG_TRY();
	{
		read_stream(run);
		*caught_up = run->fallback == NULL && run->stopped == NULL && all_applied(run);
	}
	PG_FINALLY();
	{
		sync_stream_run_free(run);
	}
	PG_END_TRY();
	*kept = run->kept;
	result = run->fallback;
	pfree(run);
	MemoryContextSwitchTo(caller_cxt);
	return result;
}
