/*-------------------------------------------------------------------------
 *
 * catalog.c
 *		The sync's catalog: every statement on ddb_fdw.sync_state,
 *		sync_checkpoint, sync_shard and sync_run (those on sync_buffer are
 *		in catalog_buffer.c), and the lock that serializes the syncs of one
 *		target.
 *
 * Callers need no privilege on the catalog: its statements run with the
 * rights of the catalog's owner (the extension's owner).  A caller chooses
 * its own search_path and may own schemas in it, with functions and
 * operators named like PostgreSQL's (now(), =, +) for the very types these
 * statements use; run with the owner's rights, such a function would run
 * with the owner's rights too (CVE-2018-1058's class of hole).  So, as
 * PostgreSQL does in its own maintenance commands, every statement here
 * runs
 *	- under a new GUC nest level with search_path = pg_catalog, pg_temp,
 *	  restored on every way out, errors included;
 *	- as a security-restricted operation (no SET ROLE, no temporary
 *	  objects, no deferred work of the caller's);
 *	- with every function, operator and type written with its schema
 *	  (pg_catalog.now(), OPERATOR(pg_catalog.=), pg_catalog.jsonb).
 * The one prepared plan is prepared under the same pinned path (a cached
 * plan is re-analyzed under the path it was made with).
 *
 * Nothing here touches a user's table: the target is written by target.c,
 * with the caller's rights.
 *
 * The lock: syncs of one target are serialized by a session-level lock
 * that survives the sync's commits and aborts.  An advisory lock would be
 * public (any role can take pg_advisory_lock(k1, k2) and block every sync);
 * this one is an object lock tag, (this database, OID of ddb_fdw.sync_state,
 * target OID), in the user lock method, which no SQL function can name, so
 * only a sync can take it.  Whoever may run a sync into the target waits
 * for it (wait => true) or is told it is taken.
 *
 * IDENTIFICATION
 *		src/fdw/sync/catalog.c
 *
 *-------------------------------------------------------------------------
 */
#include "catalog_int.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

/* the search_path of every catalog statement */
#define CATALOG_SEARCH_PATH "pg_catalog, pg_temp"

/* What running as the catalog owner changed, to be restored. */
typedef struct OwnerSwitch
{
	Oid			save_user;
	int			save_sec;
	int			nestlevel;
} OwnerSwitch;

/* Becomes the catalog owner, restricted, with the pinned search_path. */
static void
become_owner(SyncJob *job, OwnerSwitch *sw)
{
	GetUserIdAndSecContext(&sw->save_user, &sw->save_sec);
	SetUserIdAndSecContext(job->catalog_owner,
						   sw->save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	sw->nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", CATALOG_SEARCH_PATH,
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
}

/* Back to the caller: its search_path, user and security context. */
static void
restore_caller(const OwnerSwitch *sw)
{
	AtEOXact_GUC(false, sw->nestlevel);
	SetUserIdAndSecContext(sw->save_user, sw->save_sec);
}

/*
 * Runs one catalog statement as the owner; returns SPI's result code (the
 * rows are in SPI_tuptable).  An SPI failure is an internal error.
 */
static int
catalog_exec(SyncJob *job, const char *sql, int nargs, Oid *types,
			 Datum *values, const char *nulls)
{
	OwnerSwitch sw;
	volatile int rc = 0;

	become_owner(job, &sw);
	PG_TRY();
	{
		rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
	}
	PG_FINALLY();
	{
		restore_caller(&sw);
	}
	PG_END_TRY();
	if (rc < 0)
		elog(ERROR, "ddb_fdw catalog statement failed: %s", SPI_result_code_string(rc));
	return rc;
}

static Datum
text_or_null(const char *s, char *null)
{
	*null = s ? ' ' : 'n';
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

/*
 * Whether the extension's catalog has the objects of 1.1 (the change
 * buffer and its counters).  After a package upgrade a database keeps the
 * catalog of 1.0 until ALTER EXTENSION ddb_fdw UPDATE runs; its syncs go
 * on without the change buffer meanwhile.  Asked once a job.
 */
bool
sync_catalog_current(SyncJob *job)
{
	if (job->catalog_version == 0)
	{
		char	   *v = NULL;

		catalog_exec(job,
					 "SELECT extversion FROM pg_catalog.pg_extension"
					 " WHERE extname OPERATOR(pg_catalog.=) 'ddb_fdw'",
					 0, NULL, NULL, NULL);
		if (SPI_processed == 1)
			v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		job->catalog_version = v != NULL && strcmp(v, "1.0") == 0 ? 100 : 101;
	}
	return job->catalog_version >= 101;
}

/* catalog_exec for the catalog's other files (catalog_int.h) */
int
sync_catalog_exec(SyncJob *job, const char *sql, int nargs, Oid *types,
				  Datum *values, const char *nulls)
{
	return catalog_exec(job, sql, nargs, types, values, nulls);
}

/* ----------------------------------------------------------------
 * Set-up and the lock
 * ----------------------------------------------------------------
 */

/* The checkpoint statement of every snapshot page, prepared once a job. */
static const char page_sql[] =
"WITH c AS (UPDATE ddb_fdw.sync_checkpoint"
"   SET last_key = CAST($4 AS pg_catalog.jsonb), done = $5,"
"       items = items OPERATOR(pg_catalog.+) $6, pages = pages OPERATOR(pg_catalog.+) 1,"
"       updated_at = pg_catalog.now()"
"   WHERE target OPERATOR(pg_catalog.=) $2 AND segment OPERATOR(pg_catalog.=) $3),"
" s AS (UPDATE ddb_fdw.sync_state"
"   SET items_done = items_done OPERATOR(pg_catalog.+) $6, items_per_second = $8,"
"       status = 'running', updated_at = pg_catalog.now()"
"   WHERE target OPERATOR(pg_catalog.=) $2)"
" UPDATE ddb_fdw.sync_run"
"   SET rows_upserted = rows_upserted OPERATOR(pg_catalog.+) $6,"
"       pages = pages OPERATOR(pg_catalog.+) 1,"
"       consumed_capacity = consumed_capacity OPERATOR(pg_catalog.+) $7,"
"       retries = retries OPERATOR(pg_catalog.+) $9"
" WHERE run_id OPERATOR(pg_catalog.=) $1";

/*
 * Finds the catalog and its owner, and prepares the page checkpoint
 * statement (freed by sync_catalog_close).
 */
void
sync_catalog_open(SyncJob *job)
{
	Oid			nsp = get_namespace_oid("ddb_fdw", false);
	HeapTuple	tup;
	OwnerSwitch sw;
	Oid			types[9] = {INT8OID, REGCLASSOID, INT4OID, TEXTOID, BOOLOID,
	INT8OID, FLOAT8OID, FLOAT8OID, INT8OID};
	SPIPlanPtr volatile plan = NULL;

	job->catalog_relid = get_relname_relid("sync_state", nsp);
	if (!OidIsValid(job->catalog_relid))
		elog(ERROR, "ddb_fdw.sync_state is missing");
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(job->catalog_relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", job->catalog_relid);
	job->catalog_owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);

	become_owner(job, &sw);
	PG_TRY();
	{
		plan = SPI_prepare(page_sql, 9, types);
	}
	PG_FINALLY();
	{
		restore_caller(&sw);
	}
	PG_END_TRY();
	if (plan == NULL)
		elog(ERROR, "could not prepare the sync checkpoint update: %s",
			 SPI_result_code_string(SPI_result));
	SPI_keepplan(plan);
	job->page_plan = plan;
}

void
sync_catalog_close(SyncJob *job)
{
	if (job->page_plan)
		SPI_freeplan(job->page_plan);
	job->page_plan = NULL;
}

static void
lock_tag(SyncJob *job, LOCKTAG *tag)
{
	SET_LOCKTAG_OBJECT(*tag, MyDatabaseId, job->catalog_relid, job->target_oid, 0);
	/* the user lock method: a session lock survives aborts there */
	tag->locktag_lockmethodid = USER_LOCKMETHOD;
}

/*
 * Takes the target's sync lock for this session: waits for it with the
 * wait option, else fails with 55P03 when another sync holds it.
 */
void
sync_catalog_lock(SyncJob *job)
{
	LOCKTAG		tag;

	lock_tag(job, &tag);
	if (LockAcquire(&tag, ExclusiveLock, true, !job->opts.wait) == LOCKACQUIRE_NOT_AVAIL)
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("another sync into \"%s\" is running", job->target_name),
				 errhint("Call with wait => true to wait for it to finish.")));
	job->locked = true;
}

void
sync_catalog_unlock(SyncJob *job)
{
	LOCKTAG		tag;

	if (!job->locked)
		return;
	lock_tag(job, &tag);
	LockRelease(&tag, ExclusiveLock, true);
	job->locked = false;
}

/* ----------------------------------------------------------------
 * State and runs
 * ----------------------------------------------------------------
 */

/* What sync_state holds about the job's target (row->found: anything). */
void
sync_catalog_read_state(SyncJob *job, SyncStateRow *row)
{
	Oid			types[1] = {REGCLASSOID};
	Datum		values[1] = {ObjectIdGetDatum(job->target_oid)};

	memset(row, 0, sizeof(*row));
	catalog_exec(job,
				 sync_catalog_current(job) ?
				 "SELECT snapshot, snapshot_complete, stream_arn, stream_from, stream_applied_to,"
				 "       items_done, stream_view_type, stream_buffered_to"
				 "  FROM ddb_fdw.sync_state WHERE target OPERATOR(pg_catalog.=) $1" :
				 "SELECT snapshot, snapshot_complete, stream_arn, stream_from, stream_applied_to,"
				 "       items_done, stream_view_type, NULL::pg_catalog.timestamptz"
				 "  FROM ddb_fdw.sync_state WHERE target OPERATOR(pg_catalog.=) $1",
				 1, types, values, " ");
	if (SPI_processed == 1)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;
		char	   *arn;

		row->found = true;
		row->snapshot = DatumGetInt64(SPI_getbinval(tup, td, 1, &isnull));
		row->complete = DatumGetBool(SPI_getbinval(tup, td, 2, &isnull)) && !isnull;
		arn = SPI_getvalue(tup, td, 3);
		row->stream_arn = arn ? MemoryContextStrdup(job->cxt, arn) : NULL;
		row->stream_from = DatumGetTimestampTz(SPI_getbinval(tup, td, 4, &isnull));
		row->has_stream_from = !isnull;
		row->stream_applied_to = DatumGetTimestampTz(SPI_getbinval(tup, td, 5, &isnull));
		row->has_applied_to = !isnull;
		row->items_done = DatumGetInt64(SPI_getbinval(tup, td, 6, &isnull));
		arn = SPI_getvalue(tup, td, 7);
		row->stream_view_type = arn ? MemoryContextStrdup(job->cxt, arn) : NULL;
		row->stream_buffered_to = DatumGetTimestampTz(SPI_getbinval(tup, td, 8, &isnull));
		row->has_buffered_to = !isnull;
	}
}

/* Runs still marked running died with their backend: we hold the lock. */
void
sync_catalog_close_stale_runs(SyncJob *job)
{
	Oid			types[1] = {REGCLASSOID};
	Datum		values[1] = {ObjectIdGetDatum(job->target_oid)};

	catalog_exec(job,
				 "UPDATE ddb_fdw.sync_run SET status = 'interrupted', finished = pg_catalog.now(),"
				 "  error = 'the session running it ended (crash, termination or restart)'"
				 " WHERE target OPERATOR(pg_catalog.=) $1"
				 "   AND status OPERATOR(pg_catalog.=) 'running'",
				 1, types, values, " ");
}

/* A sync_state row for the target (foreign table updated). */
void
sync_catalog_ensure_state(SyncJob *job)
{
	Oid			types[2] = {REGCLASSOID, REGCLASSOID};
	Datum		values[2] = {ObjectIdGetDatum(job->target_oid),
	ObjectIdGetDatum(job->foreign_oid)};

	catalog_exec(job,
				 "INSERT INTO ddb_fdw.sync_state (target, foreign_table) VALUES ($1, $2)"
				 " ON CONFLICT (target) DO UPDATE SET foreign_table = EXCLUDED.foreign_table",
				 2, types, values, "  ");
}

/*
 * Starts snapshot job->snapshot in job->total_segments segments: fresh
 * checkpoints, the state reset, the stream's shards and kept records
 * forgotten.
 */
void
sync_catalog_new_snapshot(SyncJob *job)
{
	Oid			types[3] = {REGCLASSOID, INT8OID, INT4OID};
	Datum		values[3] = {ObjectIdGetDatum(job->target_oid),
		Int64GetDatum(job->snapshot),
	Int32GetDatum(job->total_segments)};

	catalog_exec(job,
				 "DELETE FROM ddb_fdw.sync_checkpoint WHERE target OPERATOR(pg_catalog.=) $1",
				 1, types, values, " ");
	catalog_exec(job,
				 "INSERT INTO ddb_fdw.sync_checkpoint (target, segment)"
				 " SELECT $1, s FROM pg_catalog.generate_series(0, $3 OPERATOR(pg_catalog.-) 1) AS s",
				 3, types, values, "   ");
	catalog_exec(job,
				 "UPDATE ddb_fdw.sync_state SET snapshot = $2, snapshot_complete = false,"
				 "  snapshot_started = pg_catalog.now(), total_segments = $3, items_done = 0,"
				 "  items_per_second = NULL, stream_arn = NULL, stream_view_type = NULL,"
				 "  stream_from = NULL, stream_applied_to = NULL"
				 " WHERE target OPERATOR(pg_catalog.=) $1",
				 3, types, values, "   ");
	catalog_exec(job,
				 "DELETE FROM ddb_fdw.sync_shard WHERE target OPERATOR(pg_catalog.=) $1",
				 1, types, values, " ");
	if (!sync_catalog_current(job))
		return;
	/* the buffer belongs to the stream position the new snapshot replaces */
	catalog_exec(job,
				 "UPDATE ddb_fdw.sync_state SET stream_buffered_to = NULL"
				 " WHERE target OPERATOR(pg_catalog.=) $1",
				 1, types, values, " ");
	catalog_exec(job,
				 "DELETE FROM ddb_fdw.sync_buffer WHERE target OPERATOR(pg_catalog.=) $1",
				 1, types, values, " ");
}

/*
 * The checkpoints of the current snapshot, by segment: a List of
 * SyncCheckpoint in job->cxt.
 */
List *
sync_catalog_checkpoints(SyncJob *job)
{
	Oid			types[1] = {REGCLASSOID};
	Datum		values[1] = {ObjectIdGetDatum(job->target_oid)};
	List	   *result = NIL;
	uint64		i;

	catalog_exec(job,
				 "SELECT segment, last_key, done FROM ddb_fdw.sync_checkpoint"
				 " WHERE target OPERATOR(pg_catalog.=) $1 ORDER BY segment",
				 1, types, values, " ");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		MemoryContext old = MemoryContextSwitchTo(job->cxt);
		SyncCheckpoint *cp = palloc0(sizeof(SyncCheckpoint));
		bool		isnull;

		cp->segment = DatumGetInt32(SPI_getbinval(tup, td, 1, &isnull));
		cp->last_key = SPI_getvalue(tup, td, 2);	/* jsonb's text: NULL stays */
		cp->done = DatumGetBool(SPI_getbinval(tup, td, 3, &isnull));
		result = lappend(result, cp);
		MemoryContextSwitchTo(old);
	}
	return result;
}

/*
 * Records the start of a run in mode ("snapshot", "resume", "stream") with
 * note (may be NULL): sets job->run_id, marks the state running.
 */
void
sync_catalog_start_run(SyncJob *job, const char *mode, const char *note)
{
	Oid			t[6] = {REGCLASSOID, REGCLASSOID, TEXTOID, INT8OID, INT4OID, TEXTOID};
	Datum		v[6];
	char		n[7] = "      ";
	bool		isnull;

	v[0] = ObjectIdGetDatum(job->foreign_oid);
	v[1] = ObjectIdGetDatum(job->target_oid);
	v[2] = CStringGetTextDatum(mode);
	v[3] = Int64GetDatum(job->snapshot);
	v[4] = Int32GetDatum(job->total_segments);
	if (job->streaming)
		n[4] = 'n';				/* a stream run reads no segments */
	v[5] = text_or_null(note, &n[5]);
	catalog_exec(job,
				 "INSERT INTO ddb_fdw.sync_run (foreign_table, target, status, mode, snapshot,"
				 "  segments, note) VALUES ($1, $2, 'running', $3, $4, $5, $6) RETURNING run_id",
				 6, t, v, n);
	job->run_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
											  SPI_tuptable->tupdesc, 1, &isnull));
	v[2] = Int64GetDatum(job->run_id);
	t[2] = INT8OID;
	catalog_exec(job,
				 "UPDATE ddb_fdw.sync_state SET status = 'running', last_run = $3,"
				 "  updated_at = pg_catalog.now() WHERE target OPERATOR(pg_catalog.=) $2",
				 3, t, v, n);
}

/* Records the end of the run (status and error) in the run and the state. */
void
sync_catalog_end_run(SyncJob *job, const char *status, const char *error)
{
	Oid			types[5] = {INT8OID, REGCLASSOID, TEXTOID, TEXTOID, INT8OID};
	Datum		values[5];
	char		nulls[5] = "     ";
	const char *state_sql;

	values[0] = Int64GetDatum(job->run_id);
	values[1] = ObjectIdGetDatum(job->target_oid);
	values[2] = CStringGetTextDatum(status);
	values[3] = text_or_null(error, &nulls[3]);
	values[4] = Int64GetDatum(job->rows_deleted);
	catalog_exec(job,
				 "UPDATE ddb_fdw.sync_run SET status = $3, finished = pg_catalog.now(),"
				 "  error = $4, rows_deleted = $5 WHERE run_id OPERATOR(pg_catalog.=) $1",
				 5, types, values, nulls);
	if (strcmp(status, "succeeded") != 0)
		state_sql = "UPDATE ddb_fdw.sync_state SET status = $3, last_error = $4,"
			"  updated_at = pg_catalog.now() WHERE target OPERATOR(pg_catalog.=) $2";
	else if (job->streaming)
		state_sql = "UPDATE ddb_fdw.sync_state SET status = $3,"
			"  last_success = pg_catalog.now(), last_error = NULL,"
			"  updated_at = pg_catalog.now() WHERE target OPERATOR(pg_catalog.=) $2";
	else
		state_sql = "UPDATE ddb_fdw.sync_state SET status = $3,"
			"  last_success = pg_catalog.now(), last_error = NULL,"
			"  snapshot_complete = true, rows = items_done,"
			"  updated_at = pg_catalog.now() WHERE target OPERATOR(pg_catalog.=) $2";
	catalog_exec(job, state_sql, 4, types, values, nulls);
}

/* Records a failure that happened before the run began (set-up). */
void
sync_catalog_setup_failure(SyncJob *job, const char *error)
{
	Oid			types[3] = {REGCLASSOID, REGCLASSOID, TEXTOID};
	Datum		values[3];

	values[0] = ObjectIdGetDatum(job->target_oid);
	values[1] = ObjectIdGetDatum(job->foreign_oid);
	values[2] = CStringGetTextDatum(error);
	catalog_exec(job,
				 "INSERT INTO ddb_fdw.sync_state (target, foreign_table, status, last_error)"
				 " VALUES ($1, $2, 'failed', $3) ON CONFLICT (target) DO UPDATE"
				 " SET status = 'failed', last_error = EXCLUDED.last_error,"
				 "     updated_at = pg_catalog.now()",
				 3, types, values, "   ");
}

/* The number of segment workers the run started. */
void
sync_catalog_run_workers(SyncJob *job, int workers)
{
	Oid			types[2] = {INT8OID, INT4OID};
	Datum		values[2] = {Int64GetDatum(job->run_id), Int32GetDatum(workers)};

	catalog_exec(job,
				 "UPDATE ddb_fdw.sync_run SET workers = $2 WHERE run_id OPERATOR(pg_catalog.=) $1",
				 2, types, values, "  ");
}

/* Why the run stopped where it did (a bounded stream run). */
void
sync_catalog_run_note(SyncJob *job, const char *note)
{
	Oid			types[2] = {INT8OID, TEXTOID};
	Datum		values[2];
	char		nulls[2] = "  ";

	values[0] = Int64GetDatum(job->run_id);
	values[1] = text_or_null(note, &nulls[1]);
	catalog_exec(job,
				 "UPDATE ddb_fdw.sync_run SET note = $2 WHERE run_id OPERATOR(pg_catalog.=) $1",
				 2, types, values, nulls);
}

/* ----------------------------------------------------------------
 * Snapshot pages
 * ----------------------------------------------------------------
 */

/*
 * Checkpoints a page of segment that upserted items rows: last_key is the
 * page's LastEvaluatedKey (NULL: the segment is done); rate is the run's
 * items per second so far.
 */
void
sync_catalog_page(SyncJob *job, int segment, const char *last_key, int64 items,
				  double capacity, double rate, int64 retries)
{
	Datum		v[9];
	char		n[9] = "         ";
	OwnerSwitch sw;
	volatile int rc = 0;

	v[0] = Int64GetDatum(job->run_id);
	v[1] = ObjectIdGetDatum(job->target_oid);
	v[2] = Int32GetDatum(segment);
	v[3] = text_or_null(last_key, &n[3]);
	v[4] = BoolGetDatum(last_key == NULL);
	v[5] = Int64GetDatum(items);
	v[6] = Float8GetDatum(capacity);
	v[7] = Float8GetDatum(rate);
	v[8] = Int64GetDatum(retries);
	become_owner(job, &sw);
	PG_TRY();
	{
		rc = SPI_execute_plan(job->page_plan, v, n, false, 0);
	}
	PG_FINALLY();
	{
		restore_caller(&sw);
	}
	PG_END_TRY();
	if (rc < 0)
		elog(ERROR, "sync checkpoint update failed: %s", SPI_result_code_string(rc));
}

/* ----------------------------------------------------------------
 * The stream
 * ----------------------------------------------------------------
 */

/*
 * Records the stream a new snapshot hands over to (its ARN, view type, the
 * time, which becomes stream_from) and its shards: those already closed
 * hold only changes the snapshot sees and are recorded as done.
 */
void
sync_catalog_record_stream(SyncJob *job, const DdbStreamDesc *sdesc,
						   const char *arn, const char *view_type)
{
	Oid			t[4] = {REGCLASSOID, TEXTOID, TEXTOID, BOOLOID};
	Datum		v[4];
	char		n[4] = "    ";
	int			i;

	v[0] = ObjectIdGetDatum(job->target_oid);
	for (i = 0; i < sdesc->nshards; i++)
	{
		const DdbShard *s = &sdesc->shards[i];

		v[1] = CStringGetTextDatum(s->shard_id);
		v[2] = text_or_null(s->parent_shard_id, &n[2]);
		v[3] = BoolGetDatum(s->ending_sequence != NULL);
		catalog_exec(job,
					 "INSERT INTO ddb_fdw.sync_shard (target, shard_id, parent_shard_id, done)"
					 " VALUES ($1, $2, $3, $4)", 4, t, v, n);
	}
	v[1] = CStringGetTextDatum(arn);
	v[2] = CStringGetTextDatum(view_type);
	n[2] = ' ';
	catalog_exec(job,
				 "UPDATE ddb_fdw.sync_state SET stream_arn = $2, stream_view_type = $3,"
				 "  stream_from = pg_catalog.now() WHERE target OPERATOR(pg_catalog.=) $1",
				 3, t, v, n);
}

/* The target's shard checkpoints: a List of SyncShardRow in job->cxt. */
List *
sync_catalog_shards(SyncJob *job)
{
	Oid			types[1] = {REGCLASSOID};
	Datum		values[1] = {ObjectIdGetDatum(job->target_oid)};
	List	   *result = NIL;
	uint64		i;

	catalog_exec(job,
				 "SELECT shard_id, parent_shard_id, sequence_number, done"
				 "  FROM ddb_fdw.sync_shard WHERE target OPERATOR(pg_catalog.=) $1",
				 1, types, values, " ");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		MemoryContext old = MemoryContextSwitchTo(job->cxt);
		SyncShardRow *sh = palloc0(sizeof(SyncShardRow));
		bool		isnull;

		sh->shard_id = SPI_getvalue(tup, td, 1);
		sh->parent_id = SPI_getvalue(tup, td, 2);
		sh->sequence = SPI_getvalue(tup, td, 3);
		sh->done = DatumGetBool(SPI_getbinval(tup, td, 4, &isnull));
		result = lappend(result, sh);
		MemoryContextSwitchTo(old);
	}
	return result;
}

/* A shard the stream grew since the last run (parent_id may be NULL). */
void
sync_catalog_add_shard(SyncJob *job, const char *shard_id, const char *parent_id)
{
	Oid			types[3] = {REGCLASSOID, TEXTOID, TEXTOID};
	Datum		values[3];
	char		nulls[3] = "   ";

	values[0] = ObjectIdGetDatum(job->target_oid);
	values[1] = CStringGetTextDatum(shard_id);
	values[2] = text_or_null(parent_id, &nulls[2]);
	catalog_exec(job,
				 "INSERT INTO ddb_fdw.sync_shard (target, shard_id, parent_shard_id)"
				 " VALUES ($1, $2, $3)", 3, types, values, nulls);
}

/* An applied shard the stream no longer lists. */
void
sync_catalog_forget_shard(SyncJob *job, const char *shard_id)
{
	Oid			types[2] = {REGCLASSOID, TEXTOID};
	Datum		values[2] = {ObjectIdGetDatum(job->target_oid),
	CStringGetTextDatum(shard_id)};

	catalog_exec(job,
				 "DELETE FROM ddb_fdw.sync_shard WHERE target OPERATOR(pg_catalog.=) $1"
				 "   AND shard_id OPERATOR(pg_catalog.=) $2",
				 2, types, values, "  ");
}

/*
 * Checkpoints a stream page, applied or kept in the change buffer: the
 * shard's position, the state's row count, the run's counters; committed
 * with the page's changes.
 */
void
sync_catalog_stream_page(SyncJob *job, const SyncStreamPage *page)
{
	Oid			t[18] = {REGCLASSOID, TEXTOID, TEXTOID, BOOLOID, INT8OID, INT8OID,
		INT8OID, INT8OID, INT8OID, INT8OID, INT8OID, FLOAT8OID, INT8OID,
	INT8OID, INT8OID, INT8OID, INT8OID, INT8OID};
	Datum		v[18];
	char		n[18] = "                  ";

	v[0] = ObjectIdGetDatum(job->target_oid);
	v[1] = CStringGetTextDatum(page->shard_id);
	v[2] = text_or_null(page->sequence, &n[2]);
	v[3] = BoolGetDatum(page->shard_done);
	v[4] = Int64GetDatum(page->records);
	v[5] = Int64GetDatum(job->run_id);
	v[6] = Int64GetDatum(page->upserted);
	v[7] = Int64GetDatum(page->deleted);
	v[8] = Int64GetDatum(page->inserts);
	v[9] = Int64GetDatum(page->modifies);
	v[10] = Int64GetDatum(page->removes);
	v[11] = Float8GetDatum(page->capacity);
	v[12] = Int64GetDatum(page->rows_added);
	v[13] = Int64GetDatum(page->retries);
	v[14] = Int64GetDatum(page->pages);
	v[15] = Int64GetDatum(page->ttl_removes);
	v[16] = Int64GetDatum(page->unknown_events);
	v[17] = Int64GetDatum(page->buffered);
	/* (1.0's catalog counts no TTL removes, unknown events, buffered records) */
	catalog_exec(job, psprintf(
				 "WITH sh AS (UPDATE ddb_fdw.sync_shard SET sequence_number = $3, done = $4,"
				 "   records = records OPERATOR(pg_catalog.+) $5, updated_at = pg_catalog.now()"
				 "   WHERE target OPERATOR(pg_catalog.=) $1 AND shard_id OPERATOR(pg_catalog.=) $2),"
				 " st AS (UPDATE ddb_fdw.sync_state"
				 "   SET rows = (rows OPERATOR(pg_catalog.+) $13) OPERATOR(pg_catalog.-) $8,"
				 "       updated_at = pg_catalog.now()"
				 "   WHERE target OPERATOR(pg_catalog.=) $1)"
				 " UPDATE ddb_fdw.sync_run SET pages = pages OPERATOR(pg_catalog.+) $15,"
				 "   rows_upserted = rows_upserted OPERATOR(pg_catalog.+) $7,"
				 "   rows_deleted = rows_deleted OPERATOR(pg_catalog.+) $8,"
				 "   inserts = inserts OPERATOR(pg_catalog.+) $9,"
				 "   modifies = modifies OPERATOR(pg_catalog.+) $10,"
				 "   removes = removes OPERATOR(pg_catalog.+) $11,"
				 "   consumed_capacity = consumed_capacity OPERATOR(pg_catalog.+) $12,"
				 "   retries = retries OPERATOR(pg_catalog.+) $14%s"
				 " WHERE run_id OPERATOR(pg_catalog.=) $6",
				 sync_catalog_current(job) ?
				 ", ttl_removes = ttl_removes OPERATOR(pg_catalog.+) $16,"
				 "   unknown_events = unknown_events OPERATOR(pg_catalog.+) $17,"
				 "   buffered = buffered OPERATOR(pg_catalog.+) $18" : ""),
				 18, t, v, n);
}

/* Every change before applied_to is applied. */
void
sync_catalog_stream_applied(SyncJob *job, TimestampTz applied_to)
{
	Oid			types[2] = {REGCLASSOID, TIMESTAMPTZOID};
	Datum		values[2] = {ObjectIdGetDatum(job->target_oid),
	TimestampTzGetDatum(applied_to)};

	catalog_exec(job,
				 "UPDATE ddb_fdw.sync_state SET stream_applied_to = $2"
				 " WHERE target OPERATOR(pg_catalog.=) $1",
				 2, types, values, "  ");
}
