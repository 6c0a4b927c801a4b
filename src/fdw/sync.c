/*-------------------------------------------------------------------------
 *
 * sync.c
 *		CALL ddb_fdw.sync(...) and ddb_fdw.sync_server(...): copy DynamoDB
 *		tables into ordinary tables, resumably.
 *
 * A sync reads the table page by page (DdbScanner) and upserts each page
 * into the target in its own transaction, together with the page's
 * checkpoint (the LastEvaluatedKey after it) in ddb_fdw.sync_checkpoint.  A
 * sync that is cancelled, fails or dies (even kill -9) therefore continues
 * from its last committed page on the next call.  When a snapshot has read
 * every segment, rows the snapshot did not see are deleted (or marked in
 * _ddb_deleted_at): every row carries, in _ddb_snapshot, the number of the
 * last snapshot that wrote it.  (A generation column rather than xmin:
 * freezing, also PostgreSQL 16's opportunistic freezing, rewrites xmin.)
 *
 * Upserts send a whole page at once: the page's rows become an array of the
 * target's row type, one parameter of a prepared
 *   INSERT ... SELECT ... FROM unnest($1) ON CONFLICT (key) DO UPDATE ...
 * so each page costs one statement, whatever its size.
 *
 * The catalog (sync_state, sync_checkpoint, sync_run) is written with the
 * extension owner's rights, so that callers need no privileges on it; the
 * target is written, and the foreign table read, with the caller's.
 *
 * IDENTIFICATION
 *		src/fdw/sync.c
 *
 *-------------------------------------------------------------------------
 */
#include "ddb_fdw.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "scanner.h"
#include "segments.h"
#include "sync.h"

PG_FUNCTION_INFO_V1(ddb_fdw_sync);
PG_FUNCTION_INFO_V1(ddb_fdw_sync_server);

/* advisory lock space of syncs: key 1 is this, key 2 the target's OID */
#define SYNC_LOCK_CLASS 0x64646266	/* "ddbf" */

/* ----------------------------------------------------------------
 * Small SPI helpers
 * ----------------------------------------------------------------
 */

/*
 * Runs catalog SQL as the owner of the catalog tables (the extension's
 * owner), so callers need no privileges on them.
 */
int
sync_catalog_exec(SyncJob *job, const char *sql, int nargs, Oid *types,
			 Datum *values, const char *nulls)
{
	Oid			save_user;
	int			save_sec;
	int			rc;

	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(job->catalog_owner,
						   save_sec | SECURITY_LOCAL_USERID_CHANGE);
	rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
	SetUserIdAndSecContext(save_user, save_sec);
	if (rc < 0)
		elog(ERROR, "ddb_fdw catalog statement failed: %s", SPI_result_code_string(rc));
	return rc;
}

void
sync_commit_step(SyncJob *job)
{
	if (!job->nonatomic)
		return;
	SPI_commit();
	SPI_start_transaction();
}

Datum
sync_text_or_null(const char *s, char *null)
{
	*null = s ? ' ' : 'n';
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

/* ----------------------------------------------------------------
 * Set-up: tables, columns, privileges
 * ----------------------------------------------------------------
 */
static Oid
catalog_owner(void)
{
	Oid			relid = get_relname_relid("sync_state", get_namespace_oid("ddb_fdw", false));
	HeapTuple	tup;
	Oid			owner;

	if (!OidIsValid(relid))
		elog(ERROR, "ddb_fdw.sync_state is missing");
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/* The foreign table must belong to ddb_fdw, and the caller may read it. */
static void
check_foreign_table(Oid relid)
{
	ForeignTable *ft;
	ForeignServer *server;
	ForeignDataWrapper *fdw;

	if (get_rel_relkind(relid) != RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a foreign table", get_rel_name(relid))));
	ft = GetForeignTable(relid);
	server = GetForeignServer(ft->serverid);
	fdw = GetForeignDataWrapper(server->fdwid);
	if (strcmp(get_func_name(fdw->fdwhandler), "ddb_fdw_handler") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("foreign table \"%s\" does not belong to ddb_fdw",
						get_rel_name(relid))));
	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_FOREIGN_TABLE, get_rel_name(relid));
}

static char *
qualified_name(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

/*
 * The key columns of the foreign table: the ones whose attribute is the
 * partition_key / sort_key option.
 */
static List *
key_columns(Relation frel, const DdbOptions *opts)
{
	TupleDesc	desc = RelationGetDescr(frel);
	const char *keys[2] = {opts->partition_key, opts->sort_key};
	List	   *result = NIL;
	int			k;

	if (opts->partition_key == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("foreign table \"%s\" has no option \"partition_key\"",
						RelationGetRelationName(frel)),
				 errhint("A sync upserts by the DynamoDB key; IMPORT FOREIGN SCHEMA sets partition_key and sort_key.")));
	for (k = 0; k < 2; k++)
	{
		int			i;
		bool		found = false;

		if (keys[k] == NULL)
			continue;
		for (i = 0; i < desc->natts && !found; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);
			DdbColumnOptions copts;

			if (att->attisdropped)
				continue;
			ddb_get_column_options(RelationGetRelid(frel), att->attnum, &copts);
			if (!copts.whole_item && strcmp(copts.attribute_name, keys[k]) == 0)
			{
				result = lappend(result, pstrdup(NameStr(att->attname)));
				found = true;
			}
		}
		if (!found)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
					 errmsg("foreign table \"%s\" has no column for key attribute \"%s\"",
							RelationGetRelationName(frel), keys[k]),
					 errhint("A sync needs the key attributes as columns to upsert by them.")));
	}
	return result;
}

/* CREATE TABLE target (like the foreign table, primary key = the key). */
static void
create_target(Relation frel, const char *target, List *keys)
{
	TupleDesc	desc = RelationGetDescr(frel);
	StringInfoData sql;
	ListCell   *lc;
	int			i;
	bool		first = true;

	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE TABLE %s (", target);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		appendStringInfo(&sql, "%s%s %s%s", first ? "" : ", ",
						 quote_identifier(NameStr(att->attname)),
						 format_type_with_typemod(att->atttypid, att->atttypmod),
						 att->attnotnull ? " NOT NULL" : "");
		first = false;
	}
	appendStringInfoString(&sql, ", PRIMARY KEY (");
	first = true;
	foreach(lc, keys)
	{
		appendStringInfo(&sql, "%s%s", first ? "" : ", ",
						 quote_identifier((char *) lfirst(lc)));
		first = false;
	}
	appendStringInfoString(&sql, "))");
	if (SPI_execute(sql.data, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not create the sync target");
}

/* Adds the bookkeeping columns the sync needs, when missing. */
static void
add_bookkeeping(SyncJob *job)
{
	StringInfoData sql;

	initStringInfo(&sql);
	appendStringInfo(&sql, "ALTER TABLE %s ADD COLUMN IF NOT EXISTS _ddb_snapshot bigint",
					 job->target_name);
	if (job->opts.synced_at)
		appendStringInfoString(&sql, ", ADD COLUMN IF NOT EXISTS _ddb_synced_at timestamptz");
	if (job->opts.soft_delete)
		appendStringInfoString(&sql, ", ADD COLUMN IF NOT EXISTS _ddb_deleted_at timestamptz");
	/* quiet: "column already exists, skipping" is no news */
	{
		int			save = client_min_messages;

		client_min_messages = WARNING;
		PG_TRY();
		{
			if (SPI_execute(sql.data, false, 0) != SPI_OK_UTILITY)
				elog(ERROR, "could not add sync columns to the target");
		}
		PG_FINALLY();
		{
			client_min_messages = save;
		}
		PG_END_TRY();
	}
}

/*
 * Maps the foreign table's columns onto the target's by name, checking that
 * types agree exactly (the rows are built from the foreign table's values).
 */
static void
map_columns(SyncJob *job, Relation frel, Relation trel)
{
	TupleDesc	fdesc = RelationGetDescr(frel);
	TupleDesc	tdesc = RelationGetDescr(trel);
	MemoryContext old = MemoryContextSwitchTo(job->cxt);
	int			i;

	job->foreign_natts = fdesc->natts;
	job->target_attnum = palloc0(sizeof(AttrNumber) * Max(fdesc->natts, 1));
	job->target_desc = CreateTupleDescCopy(tdesc);
	job->foreign_desc = CreateTupleDescCopy(fdesc);
	job->target_rowtype = trel->rd_rel->reltype;
	job->target_arraytype = get_array_type(job->target_rowtype);
	MemoryContextSwitchTo(old);

	if (!OidIsValid(job->target_arraytype))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("sync target \"%s\" has no array row type", job->target_name)));
	for (i = 0; i < fdesc->natts; i++)
	{
		Form_pg_attribute fatt = TupleDescAttr(fdesc, i);
		AttrNumber	t;

		if (fatt->attisdropped)
			continue;
		t = get_attnum(RelationGetRelid(trel), NameStr(fatt->attname));
		if (t == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("sync target \"%s\" has no column \"%s\"",
							job->target_name, NameStr(fatt->attname)),
					 errhint("The target needs every column of foreign table %s.",
							 job->foreign_name)));
		{
			Form_pg_attribute tatt = TupleDescAttr(tdesc, t - 1);

			if (tatt->atttypid != fatt->atttypid || tatt->atttypmod != fatt->atttypmod)
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("column \"%s\" of sync target \"%s\" is of type %s, but the foreign table's is %s",
								NameStr(fatt->attname), job->target_name,
								format_type_with_typemod(tatt->atttypid, tatt->atttypmod),
								format_type_with_typemod(fatt->atttypid, fatt->atttypmod)),
						 errhint("Give the target column the foreign table column's type.")));
		}
		job->target_attnum[i] = t;
	}
	job->snapshot_attnum = get_attnum(RelationGetRelid(trel), "_ddb_snapshot");
	job->synced_attnum = get_attnum(RelationGetRelid(trel), "_ddb_synced_at");
	job->deleted_attnum = get_attnum(RelationGetRelid(trel), "_ddb_deleted_at");
	if (job->synced_attnum == InvalidAttrNumber)
		job->synced_attnum = 0;
	if (job->deleted_attnum == InvalidAttrNumber)
		job->deleted_attnum = 0;
}

/* Prepares the page upsert and the per-page catalog update. */
static void
prepare_plans(SyncJob *job, List *keys)
{
	StringInfoData cols;
	StringInfoData sets;
	StringInfoData keylist;
	StringInfoData sql;
	ListCell   *lc;
	int			i;
	Oid			argtypes[1];
	Oid			pagetypes[9] = {INT8OID, REGCLASSOID, INT4OID, TEXTOID, BOOLOID,
	INT8OID, FLOAT8OID, FLOAT8OID, INT8OID};

	initStringInfo(&cols);
	initStringInfo(&sets);
	initStringInfo(&keylist);
	for (i = 0; i < job->target_desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(job->target_desc, i);
		AttrNumber	attnum = att->attnum;
		bool		synced = (attnum == job->snapshot_attnum ||
							  attnum == job->synced_attnum ||
							  attnum == job->deleted_attnum);
		int			f;

		for (f = 0; f < job->foreign_natts && !synced; f++)
			if (job->target_attnum[f] == attnum)
				synced = true;
		if (!synced || att->attisdropped)
			continue;
		appendStringInfo(&cols, "%s%s", cols.len ? ", " : "",
						 quote_identifier(NameStr(att->attname)));
		appendStringInfo(&sets, "%s%s = EXCLUDED.%s", sets.len ? ", " : "",
						 quote_identifier(NameStr(att->attname)),
						 quote_identifier(NameStr(att->attname)));
	}
	foreach(lc, keys)
		appendStringInfo(&keylist, "%s%s", keylist.len ? ", " : "",
						 quote_identifier((char *) lfirst(lc)));

	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "INSERT INTO %s AS t (%s) SELECT %s FROM pg_catalog.unnest($1) "
					 "ON CONFLICT (%s) DO UPDATE SET %s",
					 job->target_name, cols.data, cols.data, keylist.data, sets.data);
	argtypes[0] = job->target_arraytype;
	job->upsert_plan = SPI_prepare(sql.data, 1, argtypes);
	if (job->upsert_plan == NULL)
		elog(ERROR, "could not prepare the sync upsert: %s",
			 SPI_result_code_string(SPI_result));
	SPI_keepplan(job->upsert_plan);
	/* the same for the stream, which counts the rows it adds */
	appendStringInfoString(&sql, " RETURNING t.xmax = 0");
	job->counting_plan = SPI_prepare(sql.data, 1, argtypes);
	if (job->counting_plan == NULL)
		elog(ERROR, "could not prepare the sync upsert: %s",
			 SPI_result_code_string(SPI_result));
	SPI_keepplan(job->counting_plan);

	/* rows by key, for the stream's REMOVE records */
	{
		StringInfoData del;
		StringInfoData cond;
		Oid			types[2];
		int			k;

		initStringInfo(&del);
		initStringInfo(&cond);
		for (k = 0; k < job->nkeys; k++)
		{
			Form_pg_attribute att = TupleDescAttr(job->foreign_desc, job->key_attnums[k] - 1);
			const char *col = quote_identifier(NameStr(att->attname));

			types[k] = get_array_type(att->atttypid);
			appendStringInfo(&cond, "%st.%s = d.%s", k ? " AND " : "", col, col);
		}
		if (job->opts.soft_delete)
			appendStringInfo(&del, "UPDATE %s AS t SET _ddb_deleted_at = now() FROM ", job->target_name);
		else
			appendStringInfo(&del, "DELETE FROM %s AS t USING ", job->target_name);
		appendStringInfo(&del, "ROWS FROM (pg_catalog.unnest($1)%s) AS d(%s%s%s) WHERE %s",
						 job->nkeys > 1 ? ", pg_catalog.unnest($2)" : "",
						 quote_identifier(NameStr(TupleDescAttr(job->foreign_desc, job->key_attnums[0] - 1)->attname)),
						 job->nkeys > 1 ? ", " : "",
						 job->nkeys > 1 ? quote_identifier(NameStr(TupleDescAttr(job->foreign_desc, job->key_attnums[1] - 1)->attname)) : "",
						 cond.data);
		if (job->opts.soft_delete)
			appendStringInfoString(&del, " AND t._ddb_deleted_at IS NULL");
		job->delete_plan = SPI_prepare(del.data, job->nkeys, types);
		if (job->delete_plan == NULL)
			elog(ERROR, "could not prepare the sync delete: %s",
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(job->delete_plan);
	}

	/* one statement per page for the catalog: checkpoint, state, run */
	job->page_plan = SPI_prepare(
								 "WITH c AS (UPDATE ddb_fdw.sync_checkpoint SET last_key = $4::jsonb, done = $5, "
								 "  items = items + $6, pages = pages + 1, updated_at = now() "
								 "  WHERE target = $2 AND segment = $3), "
								 "s AS (UPDATE ddb_fdw.sync_state SET items_done = items_done + $6, "
								 "  items_per_second = $8, status = 'running', updated_at = now() WHERE target = $2) "
								 "UPDATE ddb_fdw.sync_run SET rows_upserted = rows_upserted + $6, pages = pages + 1, "
								 "  consumed_capacity = consumed_capacity + $7, retries = retries + $9 "
								 "WHERE run_id = $1",
								 9, pagetypes);
	if (job->page_plan == NULL)
		elog(ERROR, "could not prepare the sync checkpoint update: %s",
			 SPI_result_code_string(SPI_result));
	SPI_keepplan(job->page_plan);
}

/* ----------------------------------------------------------------
 * Catalog: state, checkpoints, runs
 * ----------------------------------------------------------------
 */
typedef struct Checkpoint
{
	int			segment;
	char	   *last_key;		/* NULL: from the start */
	bool		done;
} Checkpoint;

/*
 * Starts a run: decides between resuming the current snapshot and starting a
 * new one, prepares the checkpoints, records the run.  Returns the segments
 * to read.
 */
static List *
begin_run(SyncJob *job, int new_segments, const char *note,
		  DdbConnection *conn, const DdbTableDesc *desc)
{
	Oid			types[3] = {REGCLASSOID, REGCLASSOID, INT8OID};
	Datum		values[3];
	char		nulls[3] = "   ";
	bool		complete = true;
	int64		snapshot = 0;
	List	   *checkpoints = NIL;
	uint64		i;

	values[0] = ObjectIdGetDatum(job->target_oid);
	values[1] = ObjectIdGetDatum(job->foreign_oid);

	/* runs still marked running died with their backend: we hold the lock */
	sync_catalog_exec(job,
				 "UPDATE ddb_fdw.sync_run SET status = 'interrupted', finished = now(), "
				 "error = 'the session running it ended (crash, termination or restart)' "
				 "WHERE target = $1 AND status = 'running'", 1, types, values, nulls);

	sync_catalog_exec(job,
				 "INSERT INTO ddb_fdw.sync_state (target, foreign_table) VALUES ($1, $2) "
				 "ON CONFLICT (target) DO UPDATE SET foreign_table = EXCLUDED.foreign_table",
				 2, types, values, nulls);
	sync_catalog_exec(job,
				 "SELECT snapshot, snapshot_complete FROM ddb_fdw.sync_state WHERE target = $1",
				 1, types, values, nulls);
	if (SPI_processed == 1)
	{
		bool		isnull;

		snapshot = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		complete = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	}

	job->resuming = !job->opts.restart && snapshot > 0 && !complete;
	if (!job->resuming)
	{
		int			seg;

		job->snapshot = snapshot + 1;
		job->total_segments = new_segments;
		values[2] = Int64GetDatum(job->snapshot);
		sync_catalog_exec(job, "DELETE FROM ddb_fdw.sync_checkpoint WHERE target = $1",
					 1, types, values, nulls);
		for (seg = 0; seg < job->total_segments; seg++)
		{
			Datum		v[2] = {ObjectIdGetDatum(job->target_oid), Int32GetDatum(seg)};
			Oid			t[2] = {REGCLASSOID, INT4OID};

			sync_catalog_exec(job,
						 "INSERT INTO ddb_fdw.sync_checkpoint (target, segment) VALUES ($1, $2)",
						 2, t, v, "  ");
		}
		{
			Oid			t[3] = {REGCLASSOID, INT8OID, INT4OID};
			Datum		v[3] = {ObjectIdGetDatum(job->target_oid),
				Int64GetDatum(job->snapshot), Int32GetDatum(job->total_segments)};

			sync_catalog_exec(job,
						 "UPDATE ddb_fdw.sync_state SET snapshot = $2, snapshot_complete = false, "
						 "snapshot_started = now(), total_segments = $3, items_done = 0, "
						 "items_per_second = NULL, stream_arn = NULL, stream_view_type = NULL, "
						 "stream_from = NULL, stream_applied_to = NULL WHERE target = $1",
						 3, t, v, "   ");
		}
		sync_catalog_exec(job, "DELETE FROM ddb_fdw.sync_shard WHERE target = $1",
						  1, types, values, nulls);
		/* the stream's position before the snapshot reads anything */
		if (sync_stream_usable(desc))
			sync_stream_record_start(job, conn, desc);
	}
	else
		job->snapshot = snapshot;

	/* the checkpoints to continue from */
	sync_catalog_exec(job,
				 "SELECT segment, last_key::text, done FROM ddb_fdw.sync_checkpoint "
				 "WHERE target = $1 ORDER BY segment", 1, types, values, nulls);
	for (i = 0; i < SPI_processed; i++)
	{
		MemoryContext old = MemoryContextSwitchTo(job->cxt);
		Checkpoint *cp = palloc0(sizeof(Checkpoint));
		bool		isnull;
		char	   *key;

		cp->segment = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		key = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		cp->last_key = key ? pstrdup(key) : NULL;
		cp->done = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3, &isnull));
		checkpoints = lappend(checkpoints, cp);
		MemoryContextSwitchTo(old);
	}
	job->total_segments = Max(list_length(checkpoints), 1);

	/* the run */
	{
		Oid			t[6] = {REGCLASSOID, REGCLASSOID, TEXTOID, INT8OID, INT4OID, TEXTOID};
		Datum		v[6];
		char		n[7] = "      ";
		bool		isnull;

		v[0] = ObjectIdGetDatum(job->foreign_oid);
		v[1] = ObjectIdGetDatum(job->target_oid);
		v[2] = CStringGetTextDatum(job->resuming ? "resume" : "snapshot");
		v[3] = Int64GetDatum(job->snapshot);
		v[4] = Int32GetDatum(job->total_segments);
		v[5] = sync_text_or_null(note, &n[5]);
		sync_catalog_exec(job,
					 "INSERT INTO ddb_fdw.sync_run (foreign_table, target, status, mode, snapshot, segments, note) "
					 "VALUES ($1, $2, 'running', $3, $4, $5, $6) RETURNING run_id",
					 6, t, v, n);
		job->run_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		values[2] = Int64GetDatum(job->run_id);
		sync_catalog_exec(job,
					 "UPDATE ddb_fdw.sync_state SET status = 'running', last_run = $3, "
					 "updated_at = now() WHERE target = $1",
					 3, types, values, nulls);
	}
	return checkpoints;
}

/* Records the end of the run (status and error) in the run and the state. */
static void
end_run(SyncJob *job, const char *status, const char *error)
{
	Oid			types[6] = {INT8OID, REGCLASSOID, TEXTOID, TEXTOID, INT8OID, FLOAT8OID};
	Datum		values[6];
	char		nulls[6] = "      ";

	values[0] = Int64GetDatum(job->run_id);
	values[1] = ObjectIdGetDatum(job->target_oid);
	values[2] = CStringGetTextDatum(status);
	values[3] = sync_text_or_null(error, &nulls[3]);
	values[4] = Int64GetDatum(job->rows_deleted);
	values[5] = Float8GetDatum(job->capacity);
	sync_catalog_exec(job,
				 "UPDATE ddb_fdw.sync_run SET status = $3, finished = now(), error = $4, "
				 "rows_deleted = $5 WHERE run_id = $1",
				 6, types, values, nulls);
	if (job->streaming && strcmp(status, "succeeded") == 0)
		sync_catalog_exec(job,
					 "UPDATE ddb_fdw.sync_state SET status = $3, last_success = now(), "
					 "last_error = NULL, updated_at = now() WHERE target = $2",
					 6, types, values, nulls);
	else if (strcmp(status, "succeeded") == 0)
		sync_catalog_exec(job,
					 "UPDATE ddb_fdw.sync_state SET status = $3, last_success = now(), "
					 "last_error = NULL, snapshot_complete = true, rows = items_done, "
					 "updated_at = now() WHERE target = $2",
					 6, types, values, nulls);
	else
		sync_catalog_exec(job,
					 "UPDATE ddb_fdw.sync_state SET status = $3, last_error = $4, "
					 "updated_at = now() WHERE target = $2",
					 6, types, values, nulls);
}

/* Records a failure that happened before the run began (set-up). */
static void
record_setup_failure(SyncJob *job, const char *error)
{
	Oid			types[3] = {REGCLASSOID, REGCLASSOID, TEXTOID};
	Datum		values[3];

	values[0] = ObjectIdGetDatum(job->target_oid);
	values[1] = ObjectIdGetDatum(job->foreign_oid);
	values[2] = CStringGetTextDatum(error);
	sync_catalog_exec(job,
				 "INSERT INTO ddb_fdw.sync_state (target, foreign_table, status, last_error) "
				 "VALUES ($1, $2, 'failed', $3) ON CONFLICT (target) DO UPDATE "
				 "SET status = 'failed', last_error = EXCLUDED.last_error, updated_at = now()",
				 3, types, values, "   ");
}

/* ----------------------------------------------------------------
 * Pages
 * ----------------------------------------------------------------
 */

/*
 * Upserts nrows rows of the foreign table (natts values each, row after
 * row); returns the number of rows.  With added, counts there the rows that
 * were new.
 */
int64
sync_upsert_rows(SyncJob *job, int nrows, const Datum *values, const bool *nulls,
			int natts, TimestampTz now, int64 *added)
{
	MemoryContext tmp;
	MemoryContext old;
	uint64		processed;
	TupleDesc	tdesc = job->target_desc;
	int			tnatts = tdesc->natts;
	Datum	   *rows;
	Datum	   *tvalues;
	bool	   *tnulls;
	ArrayType  *array;
	Datum		arg;
	int			dims[1];
	int			lbs[1] = {1};
	int			r;
	int			rc;

	if (nrows == 0)
		return 0;

	/*
	 * Everything of the page in a context of its own: the caller's lives as
	 * long as the procedure (commits do not reset it), and a million rows
	 * must not pile up there.
	 */
	tmp = AllocSetContextCreate(CurrentMemoryContext, "ddb_fdw upsert",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(tmp);
	rows = palloc(sizeof(Datum) * nrows);
	tvalues = palloc(sizeof(Datum) * tnatts);
	tnulls = palloc(sizeof(bool) * tnatts);
	for (r = 0; r < nrows; r++)
	{
		const Datum *fvalues = values + (size_t) r * natts;
		const bool *fnulls = nulls + (size_t) r * natts;
		int			f;
		HeapTuple	tuple;

		memset(tnulls, true, sizeof(bool) * tnatts);
		for (f = 0; f < job->foreign_natts; f++)
		{
			AttrNumber	t = job->target_attnum[f];

			if (t == 0)
				continue;
			tvalues[t - 1] = fvalues[f];
			tnulls[t - 1] = fnulls[f];
		}
		tvalues[job->snapshot_attnum - 1] = Int64GetDatum(job->snapshot);
		tnulls[job->snapshot_attnum - 1] = false;
		if (job->synced_attnum)
		{
			tvalues[job->synced_attnum - 1] = TimestampTzGetDatum(now);
			tnulls[job->synced_attnum - 1] = false;
		}
		/* an item seen again is not deleted (any more) */
		tuple = heap_form_tuple(tdesc, tvalues, tnulls);
		rows[r] = heap_copy_tuple_as_datum(tuple, tdesc);
		heap_freetuple(tuple);
	}
	dims[0] = nrows;
	array = construct_md_array(rows, NULL, 1, dims, lbs, job->target_rowtype,
							   -1, false, TYPALIGN_DOUBLE);
	arg = PointerGetDatum(array);
	rc = SPI_execute_plan(added ? job->counting_plan : job->upsert_plan, &arg, " ",
						  false, 0);
	if (rc != (added ? SPI_OK_INSERT_RETURNING : SPI_OK_INSERT))
		elog(ERROR, "sync upsert failed: %s", SPI_result_code_string(rc));
	processed = SPI_processed;
	if (added)
	{
		uint64		i;

		for (i = 0; i < SPI_processed; i++)
		{
			bool		isnull;

			if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
										   1, &isnull)))
				(*added)++;
		}
	}
	SPI_freetuptable(SPI_tuptable);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
	return (int64) processed;
}

static void
record_page(SyncJob *job, int segment, const char *last_key, int64 items,
			double capacity, double rate, int retries)
{
	Datum		v[9];
	char		n[9] = "         ";
	Oid			save_user;
	int			save_sec;
	int			rc;

	v[0] = Int64GetDatum(job->run_id);
	v[1] = ObjectIdGetDatum(job->target_oid);
	v[2] = Int32GetDatum(segment);
	v[3] = sync_text_or_null(last_key, &n[3]);
	v[4] = BoolGetDatum(last_key == NULL);
	v[5] = Int64GetDatum(items);
	v[6] = Float8GetDatum(capacity);
	v[7] = Float8GetDatum(rate);
	v[8] = Int64GetDatum(retries);
	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(job->catalog_owner, save_sec | SECURITY_LOCAL_USERID_CHANGE);
	rc = SPI_execute_plan(job->page_plan, v, n, false, 0);
	SetUserIdAndSecContext(save_user, save_sec);
	if (rc < 0)
		elog(ERROR, "sync checkpoint update failed: %s", SPI_result_code_string(rc));
}

/*
 * Deletes (or, with soft_delete, marks) the rows with these keys:
 * keys[k][r] is key column k of row r.  Returns the rows affected.
 */
int64
sync_delete_keys(SyncJob *job, int nrows, Datum **keys)
{
	Datum		args[2];
	char		nulls[2] = "  ";
	int			k;
	int			rc;

	if (nrows == 0)
		return 0;
	for (k = 0; k < job->nkeys; k++)
	{
		Form_pg_attribute att = TupleDescAttr(job->foreign_desc, job->key_attnums[k] - 1);
		int16		typlen;
		bool		typbyval;
		char		typalign;
		int			dims[1] = {nrows};
		int			lbs[1] = {1};

		get_typlenbyvalalign(att->atttypid, &typlen, &typbyval, &typalign);
		args[k] = PointerGetDatum(construct_md_array(keys[k], NULL, 1, dims, lbs,
													 att->atttypid, typlen, typbyval,
													 typalign));
	}
	rc = SPI_execute_plan(job->delete_plan, args, nulls, false, 0);
	if (rc != SPI_OK_DELETE && rc != SPI_OK_UPDATE)
		elog(ERROR, "sync delete failed: %s", SPI_result_code_string(rc));
	return (int64) SPI_processed;
}

/* Deletes (or marks) the rows the completed snapshot did not see. */
static void
remove_unseen(SyncJob *job)
{
	StringInfoData sql;
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(job->snapshot)};
	int			rc;

	initStringInfo(&sql);
	if (job->opts.soft_delete)
		appendStringInfo(&sql,
						 "UPDATE %s SET _ddb_deleted_at = now() "
						 "WHERE _ddb_snapshot IS DISTINCT FROM $1 AND _ddb_deleted_at IS NULL",
						 job->target_name);
	else
		appendStringInfo(&sql,
						 "DELETE FROM %s WHERE _ddb_snapshot IS DISTINCT FROM $1",
						 job->target_name);
	rc = SPI_execute_with_args(sql.data, 1, types, values, NULL, false, 0);
	if (rc != SPI_OK_DELETE && rc != SPI_OK_UPDATE)
		elog(ERROR, "removing deleted items failed: %s", SPI_result_code_string(rc));
	job->rows_deleted = (int64) SPI_processed;
}

/* Counts a page that was upserted and checkpointed; NOTICE on progress. */
static void
page_done(SyncJob *job, int segment, const char *last_key, int64 rows,
		  double capacity, int retries)
{
	double		secs;
	double		rate;

	job->rows_upserted += rows;
	job->pages++;
	job->capacity += capacity;
	secs = (double) (GetCurrentTimestamp() - job->started) / USECS_PER_SEC;
	rate = secs > 0 ? (double) job->rows_upserted / secs : 0;
	record_page(job, segment, last_key, rows, capacity, rate, retries);
	if (job->opts.progress > 0 && job->pages % job->opts.progress == 0)
		ereport(NOTICE,
				(errmsg("sync of %s: %lld items in %lld pages",
						job->foreign_name, (long long) job->rows_upserted,
						(long long) job->pages),
				 errdetail("%.0f items per second.", rate)));
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
		Checkpoint *cp = lfirst(lc);

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
				page_done(job, cp->segment, sc->start_key,
						  sync_upsert_rows(job, sc->page.nitems, sc->page.values,
									  sc->page.nulls, sc->page.natts,
									  GetCurrentTransactionStartTimestamp(), NULL),
						  sc->page.capacity_units, sc->page_retries);
			sync_commit_step(job);
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
	Relation	frel;
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
		Checkpoint *cp = lfirst(lc);

		if (cp->segment < 0 || cp->segment >= job->total_segments)
			elog(ERROR, "checkpoint of segment %d outside 0..%d", cp->segment,
				 job->total_segments - 1);
		starts[cp->segment].done = cp->done;
		starts[cp->segment].start_key = cp->last_key;
	}
	frel = table_open(job->foreign_oid, AccessShareLock);
	{
		MemoryContext old = MemoryContextSwitchTo(job->cxt);

		fdesc = CreateTupleDescCopy(RelationGetDescr(frel));
		MemoryContextSwitchTo(old);
	}
	par = ddb_parallel_begin(frel, needed, sc->conn, job->total_segments,
							 nworkers, starts, NULL, job->cxt);
	table_close(frel, NoLock);
	if (par == NULL)
		return false;

	{
		Oid			t[2] = {INT8OID, INT4OID};
		Datum		v[2] = {Int64GetDatum(job->run_id),
		Int32GetDatum(ddb_parallel_workers(par))};

		sync_catalog_exec(job, "UPDATE ddb_fdw.sync_run SET workers = $2 WHERE run_id = $1",
					 2, t, v, "  ");
	}
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
		page_done(job, msg.segment, msg.last_key,
				  upsert_worker_rows(job, wr, fdesc), msg.capacity, msg.retries);
		sync_commit_step(job);
	}
	ddb_parallel_end(par);
	return true;
}

/* Reads what is left of the snapshot: with segment workers when it can. */
static void
copy_pages(SyncJob *job, DdbScanner *sc, const bool *needed, List *checkpoints)
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
static Oid
resolve_target(Relation frel, const char *target, List *keys, char **name)
{
	List	   *names;
	RangeVar   *rv;
	Oid			relid;

	if (target == NULL)
		rv = makeRangeVar(NULL, pstrdup(RelationGetRelationName(frel)), -1);
	else
	{
		names = stringToQualifiedNameList(target
#if PG_VERSION_NUM >= 160000
										  ,NULL
#endif
			);
		rv = makeRangeVarFromNameList(names);
	}
	relid = RangeVarGetRelid(rv, NoLock, true);
	if (!OidIsValid(relid))
	{
		Oid			nsp = RangeVarGetCreationNamespace(rv);
		char	   *qname = quote_qualified_identifier(get_namespace_name(nsp), rv->relname);

		create_target(frel, qname, keys);
		CommandCounterIncrement();
		relid = RangeVarGetRelid(rv, NoLock, false);
	}
	if (relid == RelationGetRelid(frel))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the sync target of foreign table \"%s\" cannot be the foreign table itself",
						RelationGetRelationName(frel)),
				 errhint("Name a target table, or call the procedure from a schema other than the foreign table's.")));
	if (get_rel_relkind(relid) != RELKIND_RELATION &&
		get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("sync target \"%s\" is not a table", get_rel_name(relid))));
	*name = qualified_name(relid);
	return relid;
}

static void
take_lock(SyncJob *job)
{
	Datum		k1 = Int32GetDatum(SYNC_LOCK_CLASS);
	Datum		k2 = Int32GetDatum((int32) job->target_oid);

	if (job->opts.wait)
	{
		DirectFunctionCall2(pg_advisory_lock_int4, k1, k2);
		return;
	}
	if (!DatumGetBool(DirectFunctionCall2(pg_try_advisory_lock_int4, k1, k2)))
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("another sync into \"%s\" is running", job->target_name),
				 errhint("Call with wait => true to wait for it to finish.")));
}

static void
release_lock(SyncJob *job)
{
	DirectFunctionCall2(pg_advisory_unlock_int4, Int32GetDatum(SYNC_LOCK_CLASS),
						Int32GetDatum((int32) job->target_oid));
}

/* Frees what a job holds outside its memory context, then the context. */
static void
free_job(SyncJob *job)
{
	if (job->upsert_plan)
		SPI_freeplan(job->upsert_plan);
	if (job->page_plan)
		SPI_freeplan(job->page_plan);
	if (job->delete_plan)
		SPI_freeplan(job->delete_plan);
	if (job->counting_plan)
		SPI_freeplan(job->counting_plan);
	MemoryContextDelete(job->cxt);
}

/* The foreign table's key columns, by attribute number. */
static void
set_key_columns(SyncJob *job, Relation frel, List *keys)
{
	ListCell   *lc;

	job->nkeys = 0;
	foreach(lc, keys)
		job->key_attnums[job->nkeys++] = get_attnum(RelationGetRelid(frel), lfirst(lc));
}

static void
reset_counters(SyncJob *job)
{
	job->rows_upserted = job->rows_deleted = job->rows_added = job->pages = 0;
	job->inserts = job->modifies = job->removes = 0;
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
	Oid			types[1] = {REGCLASSOID};
	Datum		values[1] = {ObjectIdGetDatum(job->target_oid)};
	bool		complete = false;
	char	   *arn = NULL;
	TimestampTz from = 0;
	TimestampTz applied = 0;
	bool		from_null = true;
	bool		applied_null = true;

	*note = NULL;
	if (job->opts.mode == SYNC_MODE_SNAPSHOT)
		return false;
	sync_catalog_exec(job,
					  "SELECT snapshot_complete, stream_arn, stream_from, stream_applied_to "
					  "FROM ddb_fdw.sync_state WHERE target = $1",
					  1, types, values, " ");
	if (SPI_processed == 1)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;

		complete = DatumGetBool(SPI_getbinval(tup, td, 1, &isnull)) && !isnull;
		arn = SPI_getvalue(tup, td, 2);
		from = DatumGetTimestampTz(SPI_getbinval(tup, td, 3, &from_null));
		applied = DatumGetTimestampTz(SPI_getbinval(tup, td, 4, &applied_null));
	}

	/*
	 * Without a description a snapshot still works (DescribeTable may not be
	 * allowed), but "no stream" must not be concluded from it.
	 */
	if (desc == NULL && (arn != NULL || job->opts.mode == SYNC_MODE_STREAM))
		ddb_report_aws_error(desc_err, "DescribeTable", table);
	if (!sync_stream_usable(desc))
	{
		if (job->opts.mode == SYNC_MODE_STREAM)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("DynamoDB table \"%s\" of %s has no stream to follow",
							desc ? desc->name : "?", job->foreign_name),
					 errhint("Enable a stream (NEW_IMAGE, NEW_AND_OLD_IMAGES or KEYS_ONLY) on the table, or call with mode => 'auto' or 'snapshot'.")));
		if (arn != NULL && complete)
			stream_fallback(job, "the table's stream is disabled", note);
		return false;
	}
	if (job->opts.restart)
	{
		*note = "a fresh snapshot was asked for (restart)";
		return false;
	}
	if (!complete)
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
	if (arn == NULL || from_null)
		stream_fallback(job, "the last snapshot was taken without the stream", note);
	else if (strcmp(arn, desc->latest_stream_arn) != 0)
		stream_fallback(job, "the table has a new stream (re-created, or its stream replaced)", note);
	else if (TimestampDifferenceExceeds(applied_null ? from : applied, GetCurrentTimestamp(),
										23 * 3600 * 1000))
		stream_fallback(job, "the stream position is older than 23 hours (DynamoDB keeps records 24 hours)",
						note);
	else
	{
		*stream_from = from;
		return true;
	}
	job->opts.restart = true;
	return false;
}

/* Records the start of a run that applies the stream. */
static void
begin_stream_run(SyncJob *job)
{
	Oid			t[3] = {REGCLASSOID, REGCLASSOID, INT8OID};
	Datum		v[3];
	bool		isnull;

	v[0] = ObjectIdGetDatum(job->foreign_oid);
	v[1] = ObjectIdGetDatum(job->target_oid);
	sync_catalog_exec(job,
					  "UPDATE ddb_fdw.sync_run SET status = 'interrupted', finished = now(), "
					  "error = 'the session running it ended (crash, termination or restart)' "
					  "WHERE target = $2 AND status = 'running'", 2, t, v, "  ");
	sync_catalog_exec(job, "SELECT snapshot FROM ddb_fdw.sync_state WHERE target = $2",
					  2, t, v, "  ");
	job->snapshot = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	job->streaming = true;
	v[2] = Int64GetDatum(job->snapshot);
	sync_catalog_exec(job,
					  "INSERT INTO ddb_fdw.sync_run (foreign_table, target, status, mode, snapshot) "
					  "VALUES ($1, $2, 'running', 'stream', $3) RETURNING run_id",
					  3, t, v, "   ");
	job->run_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	v[2] = Int64GetDatum(job->run_id);
	sync_catalog_exec(job,
					  "UPDATE ddb_fdw.sync_state SET status = 'running', last_run = $3, "
					  "updated_at = now() WHERE target = $2",
					  3, t, v, "   ");
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
	DdbScanner *volatile sc = NULL;
	volatile bool locked = false;
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
		Relation	frel;
		Relation	trel;
		DdbOptions	fopts;
		List	   *keys;
		List	   *checkpoints;
		bool	   *needed;
		int			i;
		const DdbTableDesc *desc;
		TimestampTz stream_from = 0;
		char	   *note = NULL;
		DdbAwsError desc_err;
		bool		streamed = false;

		/* set-up: target, lock, plans, run record */
		check_foreign_table(foreign_oid);
		job->catalog_owner = catalog_owner();
		frel = table_open(foreign_oid, AccessShareLock);
		job->foreign_name = MemoryContextStrdup(cxt, qualified_name(foreign_oid));
		ddb_get_options(foreign_oid, &fopts);
		keys = key_columns(frel, &fopts);
		job->target_oid = resolve_target(frel, target, keys, &job->target_name);
		job->target_name = MemoryContextStrdup(cxt, job->target_name);
		if (pg_class_aclcheck(job->target_oid, GetUserId(),
							  ACL_INSERT | ACL_UPDATE | ACL_DELETE) != ACLCHECK_OK)
			aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, get_rel_name(job->target_oid));
		take_lock(job);
		locked = true;
		add_bookkeeping(job);
		CommandCounterIncrement();
		trel = table_open(job->target_oid, AccessShareLock);
		map_columns(job, frel, trel);
		table_close(trel, NoLock);
		set_key_columns(job, frel, keys);
		prepare_plans(job, keys);
		needed = MemoryContextAlloc(cxt, sizeof(bool) * Max(RelationGetDescr(frel)->natts, 1));
		for (i = 0; i < RelationGetDescr(frel)->natts; i++)
			needed[i] = !TupleDescAttr(RelationGetDescr(frel), i)->attisdropped;
		sc = ddb_scanner_create(frel, needed, cxt);
		ddb_scanner_connect(sc, GetUserId());
		table_close(frel, NoLock);

		/* a fresh description: the stream may have changed since */
		ddb_aws_error_clear(&desc_err);
		desc = ddb_connection_table_desc_fresh(sc->conn, fopts.table_name, &desc_err);
		if (choose_stream(job, fopts.table_name, desc, &desc_err, &stream_from, &note))
		{
			begin_stream_run(job);
			run_started = true;
			sync_commit_step(job);
			note = sync_stream_apply(job, sc, desc, stream_from);
			if (note == NULL)
			{
				end_run(job, "succeeded", NULL);
				sync_commit_step(job);
				streamed = true;
			}
			else
			{
				/* the stream cannot continue: a fresh snapshot */
				char	   *why = note;

				end_run(job, "failed", why);
				sync_commit_step(job);
				stream_fallback(job, why, &note);
				reset_counters(job);
				job->opts.restart = true;
			}
		}
		if (!streamed)
		{
			checkpoints = begin_run(job, ddb_segment_count(&fopts, sc->conn), note,
									sc->conn, desc);
			run_started = true;
			sync_commit_step(job);

			/* the pages, each in its transaction */
			copy_pages(job, sc, needed, checkpoints);

			/* the snapshot is complete: what it did not see is gone */
			remove_unseen(job);
			end_run(job, "succeeded", NULL);
			sync_commit_step(job);
		}
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
				end_run(job, edata->sqlerrcode == ERRCODE_QUERY_CANCELED ?
						"canceled" : "failed", edata->message);
			else if (locked)
				record_setup_failure(job, edata->message);
			sync_commit_step(job);
		}
		else
			rethrow = true;		/* the whole transaction is lost anyway */
		if (locked)
			release_lock(job);
		locked = false;
		free_job(job);
		if (rethrow)
			ReThrowError(edata);
		failure = pstrdup(edata->message);
		FreeErrorData(edata);
	}
	PG_END_TRY();

	if (failure == NULL)
	{
		release_lock(job);
		free_job(job);
	}
	return failure;
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
	o->max_duration_ms = 0;
	if (!PG_ARGISNULL(first + 7))
	{
		Interval   *iv = PG_GETARG_INTERVAL_P(first + 7);
		int64		usecs = iv->time + (int64) iv->day * USECS_PER_DAY +
			(int64) iv->month * 30 * USECS_PER_DAY;

		if (usecs <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("max_duration must be positive")));
		o->max_duration_ms = (usecs + 999) / 1000;
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
 *                   restart, wait, soft_delete, synced_at, progress)
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
 *                          soft_delete, synced_at, progress)
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
					 "WHERE c.relnamespace = %u AND c.relkind = 'f'",
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
					 "JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = c.oid "
					 "JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver "
					 "WHERE c.relnamespace = %u AND s.srvname = %s ORDER BY c.relname",
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
