/*-------------------------------------------------------------------------
 *
 * target.c
 *		The sync's target table: resolved (created when missing), its
 *		columns mapped onto the foreign table's, and written: upserts of
 *		pages, deletes of keys, removal of rows a snapshot did not see.
 *
 * Everything here runs with the caller's rights: the target is the
 * caller's business, and a trigger on it fires as the caller, as it would
 * for the caller's own INSERT.  The statements still name PostgreSQL's
 * functions with their schema and compare keys with the key type's own
 * equality operator, schema-qualified (as ri_triggers.c does), so that what
 * happens does not depend on the caller's search_path.
 *
 * Upserts send a whole page at once: the page's rows become an array of the
 * target's row type, one parameter of a prepared
 *   INSERT ... SELECT ... FROM pg_catalog.unnest($1) ON CONFLICT (key) DO UPDATE ...
 * so each page costs one statement, whatever its size.  Every row carries,
 * in _ddb_snapshot, the number of the last snapshot that wrote it (a
 * generation column rather than xmin: freezing rewrites xmin).
 *
 * IDENTIFICATION
 *		src/fdw/sync/target.c
 *
 *-------------------------------------------------------------------------
 */
#include "sync.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/regproc.h"
#include "utils/typcache.h"

#include "compat.h"

static char *
qualified_name(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

/*
 * The key columns of the foreign table (a List of column names), as its
 * mapping resolved them (options, else DescribeTable); an error when the
 * key is unknown or a key attribute has no column.
 */
List *
sync_target_key_columns(const DdbTableMapping *m)
{
	List	   *result = NIL;
	int			k;

	ddb_mapping_require_key_columns(m, "A sync upserts by the DynamoDB key.");
	for (k = 0; k < m->nkeys; k++)
		result = lappend(result, pstrdup(m->columns[m->key_attnum[k] - 1].name));
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
						 format_type_extended(att->atttypid, att->atttypmod,
											  FORMAT_TYPE_TYPEMOD_GIVEN |
											  FORMAT_TYPE_FORCE_QUALIFY),
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

/*
 * Resolves the target (a qualified or plain table name; NULL: the foreign
 * table's name in the current schema), creating it when missing.  Returns
 * its OID and, in *name, its qualified name (palloc'd).
 */
Oid
sync_target_resolve(Relation frel, const char *target, List *keys, char **name)
{
	RangeVar   *rv;
	Oid			relid;

	if (target == NULL)
		rv = makeRangeVar(NULL, pstrdup(RelationGetRelationName(frel)), -1);
	else
		rv = makeRangeVarFromNameList(ddb_string_to_qualified_name_list(target));
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

/* Adds the bookkeeping columns the sync needs, when missing. */
static void
add_bookkeeping(SyncJob *job)
{
	StringInfoData sql;
	int			save = client_min_messages;

	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "ALTER TABLE %s ADD COLUMN IF NOT EXISTS _ddb_snapshot pg_catalog.int8",
					 job->target_name);
	if (job->opts.synced_at)
		appendStringInfoString(&sql,
							   ", ADD COLUMN IF NOT EXISTS _ddb_synced_at pg_catalog.timestamptz");
	if (job->opts.soft_delete)
		appendStringInfoString(&sql,
							   ", ADD COLUMN IF NOT EXISTS _ddb_deleted_at pg_catalog.timestamptz");
	if (job->opts.ttl_deletes == SYNC_TTL_MARK)
		appendStringInfoString(&sql,
							   ", ADD COLUMN IF NOT EXISTS _ddb_expired_at pg_catalog.timestamptz");
	/* quiet: "column already exists, skipping" is no news */
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
		Form_pg_attribute tatt;
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
		tatt = TupleDescAttr(tdesc, t - 1);
		if (tatt->atttypid != fatt->atttypid || tatt->atttypmod != fatt->atttypmod)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of sync target \"%s\" is of type %s, but the foreign table's is %s",
							NameStr(fatt->attname), job->target_name,
							format_type_with_typemod(tatt->atttypid, tatt->atttypmod),
							format_type_with_typemod(fatt->atttypid, fatt->atttypmod)),
					 errhint("Give the target column the foreign table column's type.")));
		job->target_attnum[i] = t;
	}
	job->snapshot_attnum = get_attnum(RelationGetRelid(trel), "_ddb_snapshot");
	job->synced_attnum = get_attnum(RelationGetRelid(trel), "_ddb_synced_at");
	job->deleted_attnum = get_attnum(RelationGetRelid(trel), "_ddb_deleted_at");
	job->expired_attnum = get_attnum(RelationGetRelid(trel), "_ddb_expired_at");
	if (job->synced_attnum == InvalidAttrNumber)
		job->synced_attnum = 0;
	if (job->deleted_attnum == InvalidAttrNumber)
		job->deleted_attnum = 0;
	if (job->expired_attnum == InvalidAttrNumber)
		job->expired_attnum = 0;
}

static SPIPlanPtr
prepare_kept(const char *sql, int nargs, Oid *types, const char *what)
{
	SPIPlanPtr	plan = SPI_prepare(sql, nargs, types);

	if (plan == NULL)
		elog(ERROR, "could not prepare the sync %s: %s", what,
			 SPI_result_code_string(SPI_result));
	SPI_keepplan(plan);
	return plan;
}

/* The page upsert, and the same counting the rows it inserted. */
static void
prepare_upsert(SyncJob *job, List *keys)
{
	StringInfoData cols;
	StringInfoData sets;
	StringInfoData keylist;
	StringInfoData sql;
	ListCell   *lc;
	int			i;
	Oid			argtypes[1] = {job->target_arraytype};

	initStringInfo(&cols);
	initStringInfo(&sets);
	initStringInfo(&keylist);
	for (i = 0; i < job->target_desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(job->target_desc, i);
		AttrNumber	attnum = att->attnum;
		bool		synced = (attnum == job->snapshot_attnum ||
							  attnum == job->synced_attnum ||
							  attnum == job->deleted_attnum ||
							  attnum == job->expired_attnum);
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
	job->upsert_plan = prepare_kept(sql.data, 1, argtypes, "upsert");
	/* the stream counts the rows it adds */
	appendStringInfoString(&sql,
						   " RETURNING t.xmax OPERATOR(pg_catalog.=) '0'::pg_catalog.xid");
	job->counting_plan = prepare_kept(sql.data, 1, argtypes, "upsert");
}

/*
 * A statement on the rows with the keys of arrays $1 (and $2): head is
 * "DELETE FROM t AS t USING" or "UPDATE t AS t SET ... FROM", tail (may be
 * "") a further condition.  Keys are compared with each key type's
 * equality operator, named with its schema.
 */
static SPIPlanPtr
prepare_by_keys(SyncJob *job, const char *head, const char *tail, const char *what)
{
	StringInfoData sql;
	StringInfoData cond;
	StringInfoData cols;
	Oid			types[2];
	int			k;

	initStringInfo(&sql);
	initStringInfo(&cond);
	initStringInfo(&cols);
	for (k = 0; k < job->nkeys; k++)
	{
		Form_pg_attribute att = TupleDescAttr(job->foreign_desc, job->key_attnums[k] - 1);
		const char *col = quote_identifier(NameStr(att->attname));
		TypeCacheEntry *tc = lookup_type_cache(att->atttypid, TYPECACHE_EQ_OPR);

		if (!OidIsValid(tc->eq_opr))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_FUNCTION),
					 errmsg("key column \"%s\" of %s has a type without an equality operator",
							NameStr(att->attname), job->foreign_name)));
		types[k] = get_array_type(att->atttypid);
		if (k > 0)
			appendStringInfoString(&cond, " AND ");
		generate_operator_clause(&cond, psprintf("t.%s", col), att->atttypid,
								 tc->eq_opr, psprintf("d.%s", col), att->atttypid);
		appendStringInfo(&cols, "%s%s", k ? ", " : "", col);
	}
	appendStringInfo(&sql, "%s ROWS FROM (pg_catalog.unnest($1)%s) AS d(%s) WHERE %s%s",
					 head, job->nkeys > 1 ? ", pg_catalog.unnest($2)" : "",
					 cols.data, cond.data, tail);
	return prepare_kept(sql.data, job->nkeys, types, what);
}

/*
 * Deletes (or, with soft delete, marks) rows by key arrays, for the
 * stream's REMOVE records; with ttl_deletes => 'mark', the statement that
 * marks rows whose items Time to Live removed.
 */
static void
prepare_delete(SyncJob *job)
{
	if (job->opts.soft_delete)
		job->delete_plan =
			prepare_by_keys(job,
							psprintf("UPDATE %s AS t SET _ddb_deleted_at = pg_catalog.now() FROM",
									 job->target_name),
							" AND t._ddb_deleted_at IS NULL", "delete");
	else
		job->delete_plan =
			prepare_by_keys(job, psprintf("DELETE FROM %s AS t USING", job->target_name),
							"", "delete");
	if (job->opts.ttl_deletes == SYNC_TTL_MARK)
		job->expire_plan =
			prepare_by_keys(job,
							psprintf("UPDATE %s AS t SET _ddb_expired_at = pg_catalog.now() FROM",
									 job->target_name),
							" AND t._ddb_expired_at IS NULL", "expiry mark");
}

/*
 * Gets the target ready for the job: bookkeeping columns added, columns
 * mapped, the key columns noted, the upsert and delete prepared.
 */
void
sync_target_prepare(SyncJob *job, Relation frel, List *keys)
{
	Relation	trel;
	ListCell   *lc;

	add_bookkeeping(job);
	CommandCounterIncrement();
	trel = table_open(job->target_oid, AccessShareLock);
	map_columns(job, frel, trel);
	table_close(trel, NoLock);
	job->nkeys = 0;
	foreach(lc, keys)
		job->key_attnums[job->nkeys++] = get_attnum(RelationGetRelid(frel), lfirst(lc));
	prepare_upsert(job, keys);
	prepare_delete(job);
}

void
sync_target_free_plans(SyncJob *job)
{
	if (job->upsert_plan)
		SPI_freeplan(job->upsert_plan);
	if (job->delete_plan)
		SPI_freeplan(job->delete_plan);
	if (job->counting_plan)
		SPI_freeplan(job->counting_plan);
	if (job->expire_plan)
		SPI_freeplan(job->expire_plan);
	job->upsert_plan = job->delete_plan = job->counting_plan = job->expire_plan = NULL;
}

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
	arg = PointerGetDatum(construct_md_array(rows, NULL, 1, dims, lbs, job->target_rowtype,
											 -1, false, TYPALIGN_DOUBLE));
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

/* Runs plan on the rows with these keys (keys[k][r]: key column k of row r). */
static int64
exec_by_keys(SyncJob *job, SPIPlanPtr plan, int nrows, Datum **keys)
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
	rc = SPI_execute_plan(plan, args, nulls, false, 0);
	if (rc != SPI_OK_DELETE && rc != SPI_OK_UPDATE)
		elog(ERROR, "sync delete failed: %s", SPI_result_code_string(rc));
	return (int64) SPI_processed;
}

/*
 * Deletes (or, with soft_delete, marks) the rows with these keys:
 * keys[k][r] is key column k of row r.  Returns the rows affected.
 */
int64
sync_delete_keys(SyncJob *job, int nrows, Datum **keys)
{
	return exec_by_keys(job, job->delete_plan, nrows, keys);
}

/*
 * Sets _ddb_expired_at of the rows with these keys (ttl_deletes => 'mark');
 * returns the rows marked.
 */
int64
sync_expire_keys(SyncJob *job, int nrows, Datum **keys)
{
	Assert(job->expire_plan != NULL);
	return exec_by_keys(job, job->expire_plan, nrows, keys);
}

/*
 * Deletes (or marks) the rows the completed snapshot did not see; returns
 * how many.
 *
 * One scan of the target: every row the snapshot saw was rewritten with the
 * snapshot's number, so the rows it did not see are found only by looking
 * at all of them.  An index on _ddb_snapshot does not help: the rows of the
 * previous snapshot, which it would find, are the dead versions of every row
 * just upserted (until a vacuum), and keeping it costs every upsert an index
 * entry (bench/snapshot_compare.py and README "Sync" have the figures).
 * The statement runs without JIT: compiling it costs more than it saves on a
 * scan this simple, and maps libLLVM into the backend.
 */
int64
sync_remove_unseen(SyncJob *job)
{
	StringInfoData sql;
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(job->snapshot)};
	const char *unseen = "(_ddb_snapshot IS NULL OR _ddb_snapshot OPERATOR(pg_catalog.<>) $1)";
	int			nestlevel;
	int			rc;

	/* rows marked as removed by Time to Live are an archive: kept */
	if (job->expired_attnum != 0 && job->opts.ttl_deletes != SYNC_TTL_DELETE)
		unseen = "(_ddb_snapshot IS NULL OR _ddb_snapshot OPERATOR(pg_catalog.<>) $1)"
			" AND _ddb_expired_at IS NULL";
	initStringInfo(&sql);
	if (job->opts.soft_delete)
		appendStringInfo(&sql,
						 "UPDATE %s SET _ddb_deleted_at = pg_catalog.now() "
						 "WHERE %s AND _ddb_deleted_at IS NULL",
						 job->target_name, unseen);
	else
		appendStringInfo(&sql, "DELETE FROM %s WHERE %s", job->target_name, unseen);
	nestlevel = NewGUCNestLevel();
	(void) set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	rc = SPI_execute_with_args(sql.data, 1, types, values, NULL, false, 0);
	AtEOXact_GUC(true, nestlevel);
	if (rc != SPI_OK_DELETE && rc != SPI_OK_UPDATE)
		elog(ERROR, "removing deleted items failed: %s", SPI_result_code_string(rc));
	return (int64) SPI_processed;
}
