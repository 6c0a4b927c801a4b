/*-------------------------------------------------------------------------
 *
 * procedures.c
 *		CALL ddb_fdw.sync(...) and ddb_fdw.sync_server(...): the arguments,
 *		and one table's sync from its set-up to the end of its run.
 *
 * A sync of one table: check the caller's rights, resolve the target
 * (target.c), take the target's sync lock (catalog.c), then either apply
 * the table's stream (stream.c) or take or resume a snapshot (engine.c,
 * with the change buffer of stream_buffer.c), and record the run.  The
 * choice between stream and snapshot is made here from the catalog's state
 * and a fresh DescribeTable.
 *
 * Called at top level (plain CALL, pg_cron) a sync commits page by page;
 * inside a transaction block it commits nothing, and a failure rolls back
 * everything.
 *
 * IDENTIFICATION
 *		src/fdw/sync/procedures.c
 *
 *-------------------------------------------------------------------------
 */
#include "sync.h"

#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "catalog.h"
#include "progress.h"
#include "read/segments.h"

PG_FUNCTION_INFO_V1(ddb_fdw_sync);
PG_FUNCTION_INFO_V1(ddb_fdw_sync_server);

/* Commits the work so far, when the procedure may commit. */
void
sync_commit_step(SyncJob *job)
{
	if (!job->nonatomic)
		return;
	SPI_commit();
	SPI_start_transaction();
}

static char *
qualified_name(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

/*
 * DynamoDB's ItemCount of what the foreign table reads (the table, or its
 * index), for the progress estimate; -1 when unknown.
 */
static int64
item_count(SyncJob *job, const DdbTableDesc *desc)
{
	const char *index = job->map->opts.index_name;
	int			i;

	if (desc == NULL)
		return -1;
	if (index == NULL)
		return desc->item_count;
	for (i = 0; i < desc->nindexes; i++)
		if (strcmp(desc->indexes[i].name, index) == 0)
			return desc->indexes[i].item_count;
	return -1;
}

/*
 * Starts a snapshot run: resumes the current snapshot, or starts a new one
 * of new_segments segments (noting the stream's position first when the
 * table has a usable stream).  Returns the checkpoints to continue from.
 */
static List *
begin_snapshot_run(SyncJob *job, int new_segments, const char *note,
				   DdbConnection *conn, const DdbTableDesc *desc)
{
	SyncStateRow st;
	List	   *checkpoints;
	int64		items_before = 0;

	sync_catalog_close_stale_runs(job);
	sync_catalog_ensure_state(job);
	sync_catalog_read_state(job, &st);
	job->resuming = !job->opts.restart && st.snapshot > 0 && !st.complete;
	if (job->resuming)
	{
		job->snapshot = st.snapshot;
		items_before = st.items_done;
	}
	else
	{
		job->snapshot = st.snapshot + 1;
		job->total_segments = new_segments;
		sync_catalog_new_snapshot(job);
		/* the stream's position before the snapshot reads anything */
		if (sync_stream_usable(desc))
			sync_stream_record_start(job, conn, desc);
	}
	checkpoints = sync_catalog_checkpoints(job);
	job->total_segments = Max(list_length(checkpoints), 1);
	sync_catalog_start_run(job, job->resuming ? "resume" : "snapshot", note);
	sync_progress_run(job, job->resuming ? "resume" : "snapshot", checkpoints,
					  items_before, item_count(job, desc));
	return checkpoints;
}

/* Starts a run that applies the stream. */
static void
begin_stream_run(SyncJob *job)
{
	SyncStateRow st;

	sync_catalog_close_stale_runs(job);
	sync_catalog_read_state(job, &st);
	job->snapshot = st.snapshot;
	job->streaming = true;
	sync_catalog_start_run(job, "stream", NULL);
	sync_progress_run(job, "stream", NIL, 0, -1);
}

static void
reset_counters(SyncJob *job)
{
	job->rows_upserted = job->rows_deleted = job->rows_added = job->pages = 0;
	job->inserts = job->modifies = job->removes = 0;
	job->ttl_removes = job->unknown_events = 0;
	job->capacity = 0;
	job->streaming = false;
}

/*
 * A snapshot must replace the stream: in mode "stream" that is an error,
 * else it is logged and *note says why.
 */
static void
stream_fallback(SyncJob *job, const char *why, char **note)
{
	if (job->opts.mode == SYNC_MODE_STREAM)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot apply the stream of %s to %s",
						job->foreign_name, job->target_name),
				 errdetail("The stream cannot be applied: %s.", why),
				 errhint("Call with mode => 'auto' to take a fresh snapshot.")));
	ereport(LOG,
			(errmsg("sync of %s into %s takes a fresh snapshot: %s",
					job->foreign_name, job->target_name, why)));
	*note = pstrdup(why);
}

/*
 * Whether this call applies the stream (true; *stream_from says where the
 * snapshot's hand-off is) or works on a snapshot (false: resumes the one
 * under way or starts one).  *note says why, for the run history.
 */
static bool
choose_stream(SyncJob *job, const char *table, const DdbTableDesc *desc,
			  const DdbAwsError *desc_err, TimestampTz *stream_from, char **note)
{
	SyncStateRow st;

	*note = NULL;
	if (job->opts.mode == SYNC_MODE_SNAPSHOT)
		return false;
	sync_catalog_read_state(job, &st);

	/*
	 * Without a description a snapshot still works (DescribeTable may not be
	 * allowed), but "no stream" must not be concluded from it.
	 */
	if (desc == NULL && (st.stream_arn != NULL || job->opts.mode == SYNC_MODE_STREAM))
		ddb_report_aws_error(desc_err, "DescribeTable", table);
	if (!sync_stream_usable(desc))
	{
		if (job->opts.mode == SYNC_MODE_STREAM)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("DynamoDB table \"%s\" of %s has no stream to follow",
							desc ? desc->name : "?", job->foreign_name),
					 errhint("Enable a stream (NEW_IMAGE, NEW_AND_OLD_IMAGES or KEYS_ONLY) on the table, or call with mode => 'auto' or 'snapshot'.")));
		if (st.stream_arn != NULL && st.complete)
			stream_fallback(job, "the table's stream is disabled", note);
		return false;
	}
	if (job->opts.restart)
	{
		*note = "a fresh snapshot was asked for (restart)";
		return false;
	}
	if (!st.complete)
	{
		if (job->opts.mode == SYNC_MODE_STREAM)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot apply the stream of %s to %s",
							job->foreign_name, job->target_name),
					 errdetail("The stream is applied to a complete snapshot, and %s has none yet.",
							   job->target_name),
					 errhint("Call with mode => 'auto' to take the snapshot first.")));
		*note = "the stream is applied once a snapshot is complete";
		return false;
	}
	if (st.stream_arn == NULL || !st.has_stream_from)
		stream_fallback(job, "the last snapshot was taken without the stream", note);
	else if (strcmp(st.stream_arn, desc->latest_stream_arn) != 0)
		stream_fallback(job, "the table has a new stream (re-created, or its stream replaced)", note);
	else if (TimestampDifferenceExceeds(st.has_applied_to ? st.stream_applied_to : st.stream_from,
										GetCurrentTimestamp(), 23 * 3600 * 1000))
		stream_fallback(job, "the stream position is older than 23 hours (DynamoDB keeps records 24 hours)",
						note);
	else
	{
		*stream_from = st.stream_from;
		return true;
	}
	job->opts.restart = true;
	return false;
}

/* Frees what a job holds outside its memory context, then the context. */
static void
free_job(SyncJob *job)
{
	sync_progress_end(job);
	sync_target_free_plans(job);
	sync_catalog_close(job);
	MemoryContextDelete(job->cxt);
}

/*
 * The job's set-up: rights, target, lock, plans.  Returns the scanner that
 * reads the foreign table, connected with the caller's user mapping, and
 * the table's options in *fopts.
 */
static DdbScanner *
set_up(SyncJob *job, const char *target, DdbOptions *fopts, bool **needed)
{
	Relation	frel;
	List	   *keys;
	DdbScanner *sc;
	int			i;

	ddb_check_foreign_table(job->foreign_oid);
	sync_catalog_open(job);
	frel = table_open(job->foreign_oid, AccessShareLock);
	job->foreign_name = MemoryContextStrdup(job->cxt, qualified_name(job->foreign_oid));
	/* the mapping, its key completed from DynamoDB by the scanner */
	job->map = ddb_mapping_copy(ddb_mapping_get(job->foreign_oid), job->cxt);
	*fopts = job->map->opts;
	*needed = MemoryContextAlloc(job->cxt, sizeof(bool) * Max(job->map->natts, 1));
	for (i = 0; i < job->map->natts; i++)
		(*needed)[i] = !job->map->columns[i].dropped;
	sc = ddb_scanner_create(job->map, *needed, GetUserId(), job->cxt);
	keys = sync_target_key_columns(job->map);
	job->target_oid = sync_target_resolve(frel, target, keys, &job->target_name);
	job->target_name = MemoryContextStrdup(job->cxt, job->target_name);
	if (pg_class_aclcheck(job->target_oid, GetUserId(),
						  ACL_INSERT | ACL_UPDATE | ACL_DELETE) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, get_rel_name(job->target_oid));
	sync_progress_begin(job);
	sync_catalog_lock(job);
	sync_progress_phase(job, SYNC_PHASE_STARTING);
	sync_target_prepare(job, frel, keys);
	table_close(frel, NoLock);
	return sc;
}

/*
 * One run: the stream when it can be applied, else a snapshot (resumed or
 * new), recorded in the catalog.  *run_started tells the caller that a run
 * is recorded and must be ended on failure.
 */
static void
run(SyncJob *job, DdbScanner *sc, const DdbOptions *fopts, const bool *needed,
	volatile bool *run_started)
{
	const DdbTableDesc *desc;
	TimestampTz stream_from = 0;
	char	   *note = NULL;
	DdbAwsError desc_err;

	/* a fresh description: the stream may have changed since */
	ddb_aws_error_clear(&desc_err);
	desc = ddb_connection_table_desc_fresh(sc->conn, fopts->table_name, job->started,
										   &desc_err);
	if (choose_stream(job, fopts->table_name, desc, &desc_err, &stream_from, &note))
	{
		begin_stream_run(job);
		*run_started = true;
		sync_commit_step(job);
		note = sync_stream_apply(job, sc, desc, stream_from);
		if (note == NULL)
		{
			sync_catalog_end_run(job, "succeeded", NULL);
			sync_commit_step(job);
			return;
		}
		/* the stream cannot continue: a fresh snapshot */
		sync_catalog_end_run(job, "failed", note);
		sync_commit_step(job);
		stream_fallback(job, note, &note);
		reset_counters(job);
		job->opts.restart = true;
	}
	{
		List	   *checkpoints;

		checkpoints = begin_snapshot_run(job, ddb_segment_count(fopts, sc->conn), note,
										 sc->conn, desc);
		*run_started = true;
		sync_commit_step(job);
		/* the stream's records, kept while the snapshot runs */
		sync_buffer_begin(job, sc);
		/* the pages, each in its transaction */
		sync_copy_pages(job, sc, needed, checkpoints);
		/* the snapshot is complete: what it did not see is gone */
		sync_progress_phase(job, SYNC_PHASE_DELETING);
		job->rows_deleted = sync_remove_unseen(job);
		/* what changed while it ran, kept in the buffer */
		sync_buffer_finish(job, sc);
		sync_catalog_end_run(job, "succeeded", NULL);
		sync_commit_step(job);
	}
}

/*
 * Syncs one foreign table into target.  On failure: with rethrow, the error
 * is re-raised after the failure was recorded (and committed, when the
 * procedure may commit); without, its message is returned, allocated in
 * CurrentMemoryContext, and NULL means success.  Without rethrow the caller
 * must be non-atomic.
 */
static char *
sync_table(Oid foreign_oid, const char *target, const SyncOptions *opts,
		   bool nonatomic, bool rethrow_arg)
{
	volatile bool rethrow = rethrow_arg;
	MemoryContext caller_cxt = CurrentMemoryContext;
	MemoryContext cxt;
	SyncJob    *job;
	volatile bool run_started = false;
	char	   *volatile failure = NULL;

	cxt = AllocSetContextCreate(TopMemoryContext, "ddb_fdw sync", ALLOCSET_DEFAULT_SIZES);
	job = MemoryContextAllocZero(cxt, sizeof(SyncJob));
	job->cxt = cxt;
	job->opts = *opts;
	job->nonatomic = nonatomic;
	job->foreign_oid = foreign_oid;
	job->started = GetCurrentTimestamp();

	PG_TRY();
	{
		DdbOptions	fopts;
		bool	   *needed;
		DdbScanner *sc;

		sc = set_up(job, target, &fopts, &needed);
		run(job, sc, &fopts, needed, &run_started);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(caller_cxt);
		edata = CopyErrorData();
		FlushErrorState();
		if (nonatomic)
		{
			/*
			 * Roll the failed transaction back and record the failure in a
			 * new one: everything committed before (pages, checkpoints)
			 * stays, so the next call resumes.
			 */
			SPI_rollback();
			SPI_start_transaction();
			if (run_started)
				sync_catalog_end_run(job, edata->sqlerrcode == ERRCODE_QUERY_CANCELED ?
									 "canceled" : "failed", edata->message);
			else if (job->locked)
				sync_catalog_setup_failure(job, edata->message);
			sync_commit_step(job);
		}
		else
			rethrow = true;		/* the whole transaction is lost anyway */
		sync_catalog_unlock(job);
		free_job(job);
		if (rethrow)
			ReThrowError(edata);
		failure = pstrdup(edata->message);
		FreeErrorData(edata);
	}
	PG_END_TRY();

	if (failure == NULL)
	{
		sync_catalog_unlock(job);
		free_job(job);
	}
	return failure;
}

/* An interval argument in milliseconds (rounded up); it must be positive. */
static int64
positive_interval_ms(const Interval *iv, const char *argname)
{
	int64		usecs = iv->time + (int64) iv->day * USECS_PER_DAY +
		(int64) iv->month * 30 * USECS_PER_DAY;

	if (usecs <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be positive", argname)));
	return (usecs + 999) / 1000;
}

static void
read_options(FunctionCallInfo fcinfo, int first, SyncOptions *o)
{
	o->restart = !PG_ARGISNULL(first) && PG_GETARG_BOOL(first);
	o->wait = !PG_ARGISNULL(first + 1) && PG_GETARG_BOOL(first + 1);
	o->soft_delete = !PG_ARGISNULL(first + 2) && PG_GETARG_BOOL(first + 2);
	o->synced_at = !PG_ARGISNULL(first + 3) && PG_GETARG_BOOL(first + 3);
	o->progress = PG_ARGISNULL(first + 4) ? 0 : PG_GETARG_INT32(first + 4);
	o->mode = SYNC_MODE_AUTO;
	if (!PG_ARGISNULL(first + 5))
	{
		char	   *mode = text_to_cstring(PG_GETARG_TEXT_PP(first + 5));

		if (strcmp(mode, "auto") == 0)
			o->mode = SYNC_MODE_AUTO;
		else if (strcmp(mode, "snapshot") == 0)
			o->mode = SYNC_MODE_SNAPSHOT;
		else if (strcmp(mode, "stream") == 0)
			o->mode = SYNC_MODE_STREAM;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid sync mode \"%s\"", mode),
					 errhint("Use \"auto\", \"snapshot\" or \"stream\".")));
	}
	o->max_records = PG_ARGISNULL(first + 6) ? 0 : PG_GETARG_INT64(first + 6);
	if (o->max_records < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_records must not be negative")));
	o->max_duration_ms = PG_ARGISNULL(first + 7) ? 0 :
		positive_interval_ms(PG_GETARG_INTERVAL_P(first + 7), "max_duration");
	/* 1.0's procedures (a database not updated yet) have neither argument */
	o->progress_interval_ms = PG_NARGS() <= first + 8 || PG_ARGISNULL(first + 8) ? 0 :
		positive_interval_ms(PG_GETARG_INTERVAL_P(first + 8), "progress_interval");
	o->ttl_deletes = SYNC_TTL_DELETE;
	if (PG_NARGS() > first + 9 && !PG_ARGISNULL(first + 9))
	{
		char	   *ttl = text_to_cstring(PG_GETARG_TEXT_PP(first + 9));

		if (strcmp(ttl, "delete") == 0)
			o->ttl_deletes = SYNC_TTL_DELETE;
		else if (strcmp(ttl, "keep") == 0)
			o->ttl_deletes = SYNC_TTL_KEEP;
		else if (strcmp(ttl, "mark") == 0)
			o->ttl_deletes = SYNC_TTL_MARK;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid ttl_deletes \"%s\"", ttl),
					 errhint("Use \"delete\", \"keep\" or \"mark\".")));
	}
}

static bool
is_nonatomic(FunctionCallInfo fcinfo)
{
	return fcinfo->context && IsA(fcinfo->context, CallContext) &&
		!castNode(CallContext, fcinfo->context)->atomic;
}

/*
 * CALL ddb_fdw.sync(foreign_table regclass, target text DEFAULT NULL,
 *                   restart, wait, soft_delete, synced_at, progress, mode,
 *                   max_records, max_duration, progress_interval,
 *                   ttl_deletes)
 */
Datum
ddb_fdw_sync(PG_FUNCTION_ARGS)
{
	bool		nonatomic = is_nonatomic(fcinfo);
	SyncOptions opts;
	char	   *target = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("foreign_table must not be null")));
	read_options(fcinfo, 2, &opts);
	if (SPI_connect_ext(nonatomic ? SPI_OPT_NONATOMIC : 0) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	(void) sync_table(PG_GETARG_OID(0), target, &opts, nonatomic, true);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * CALL ddb_fdw.sync_server(server name, target_schema name,
 *                          foreign_schema name DEFAULT NULL, restart, wait,
 *                          soft_delete, synced_at, progress, mode,
 *                          max_records, max_duration, progress_interval,
 *                          ttl_deletes)
 *
 * Imports the server's tables that have no foreign table yet into
 * foreign_schema (default: the server's name), then syncs each into
 * target_schema, one after another.  A table that fails does not stop the
 * others; the procedure ends with an error naming every table that failed.
 */
Datum
ddb_fdw_sync_server(PG_FUNCTION_ARGS)
{
	bool		nonatomic = is_nonatomic(fcinfo);
	char	   *server;
	char	   *target_schema;
	char	   *foreign_schema;
	SyncOptions opts;
	StringInfoData sql;
	StringInfoData failed;
	List	   *tables = NIL;
	int			nfailed = 0;
	int			ntables;
	uint64		i;
	ListCell   *lc;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("server and target_schema must not be null")));
	server = pstrdup(NameStr(*PG_GETARG_NAME(0)));
	target_schema = pstrdup(NameStr(*PG_GETARG_NAME(1)));
	foreign_schema = PG_ARGISNULL(2) ? server : pstrdup(NameStr(*PG_GETARG_NAME(2)));
	read_options(fcinfo, 3, &opts);
	(void) GetForeignServerByName(server, false);

	if (SPI_connect_ext(nonatomic ? SPI_OPT_NONATOMIC : 0) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/* schemas, and foreign tables for the tables not imported yet */
	initStringInfo(&sql);
	if (!OidIsValid(get_namespace_oid(foreign_schema, true)))
	{
		appendStringInfo(&sql, "CREATE SCHEMA %s", quote_identifier(foreign_schema));
		SPI_execute(sql.data, false, 0);
		resetStringInfo(&sql);
	}
	if (!OidIsValid(get_namespace_oid(target_schema, true)) &&
		strcmp(target_schema, foreign_schema) != 0)
	{
		appendStringInfo(&sql, "CREATE SCHEMA %s", quote_identifier(target_schema));
		SPI_execute(sql.data, false, 0);
		resetStringInfo(&sql);
	}
	appendStringInfo(&sql, "SELECT c.relname FROM pg_catalog.pg_class c "
					 "WHERE c.relnamespace OPERATOR(pg_catalog.=) %u "
					 "AND c.relkind OPERATOR(pg_catalog.=) 'f'",
					 get_namespace_oid(foreign_schema, false));
	SPI_execute(sql.data, true, 0);
	resetStringInfo(&sql);
	appendStringInfo(&sql, "IMPORT FOREIGN SCHEMA dynamodb ");
	if (SPI_processed > 0)
	{
		appendStringInfoString(&sql, "EXCEPT (");
		for (i = 0; i < SPI_processed; i++)
			appendStringInfo(&sql, "%s%s", i ? ", " : "",
							 quote_identifier(SPI_getvalue(SPI_tuptable->vals[i],
														   SPI_tuptable->tupdesc, 1)));
		appendStringInfoString(&sql, ") ");
	}
	appendStringInfo(&sql, "FROM SERVER %s INTO %s", quote_identifier(server),
					 quote_identifier(foreign_schema));
	if (SPI_execute(sql.data, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "IMPORT FOREIGN SCHEMA failed");

	/* every foreign table of this server in foreign_schema */
	resetStringInfo(&sql);
	appendStringInfo(&sql,
					 "SELECT c.oid, c.relname FROM pg_catalog.pg_class c "
					 "JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid OPERATOR(pg_catalog.=) c.oid "
					 "JOIN pg_catalog.pg_foreign_server s ON s.oid OPERATOR(pg_catalog.=) ft.ftserver "
					 "WHERE c.relnamespace OPERATOR(pg_catalog.=) %u "
					 "AND s.srvname OPERATOR(pg_catalog.=) %s ORDER BY c.relname",
					 get_namespace_oid(foreign_schema, false), quote_literal_cstr(server));
	/* not read-only: the query must see the tables just imported */
	SPI_execute(sql.data, false, 0);
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Oid			relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
														   SPI_tuptable->tupdesc, 1, &isnull));

		tables = lappend_oid(tables, relid);
	}
	if (nonatomic)
	{
		SPI_commit();
		SPI_start_transaction();
	}

	initStringInfo(&failed);
	ntables = list_length(tables);
	foreach(lc, tables)
	{
		Oid			relid = lfirst_oid(lc);
		char	   *target = quote_qualified_identifier(target_schema, get_rel_name(relid));
		char	   *err;

		err = sync_table(relid, target, &opts, nonatomic, false);
		if (err)
		{
			nfailed++;
			appendStringInfo(&failed, "%s%s", nfailed > 1 ? ", " : "", get_rel_name(relid));
			ereport(NOTICE,
					(errmsg("sync of %s failed: %s", qualified_name(relid), err)));
		}
		else
			ereport(NOTICE,
					(errmsg("synced %s into %s", qualified_name(relid), target)));
	}
	SPI_finish();
	if (nfailed > 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("sync_server: %d %s failed: %s", nfailed,
						nfailed == 1 ? "table" : "tables", failed.data),
				 errdetail("The other %d of %d tables were synced; ddb_fdw.sync_status shows each table's last error.",
						   ntables - nfailed, ntables)));
	PG_RETURN_VOID();
}
