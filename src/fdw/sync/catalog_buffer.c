/*-------------------------------------------------------------------------
 *
 * catalog_buffer.c
 *		The statements on ddb_fdw.sync_buffer, the change buffer: the
 *		stream's records kept while a snapshot runs, applied when it ends.
 *
 * Like every catalog statement (catalog.c), these run with the catalog
 * owner's rights, under a search_path pinned to pg_catalog, pg_temp, and
 * name every function, operator and type with its schema.
 *
 * IDENTIFICATION
 *		src/fdw/sync/catalog_buffer.c
 *
 *-------------------------------------------------------------------------
 */
#include "catalog_int.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"

/* ----------------------------------------------------------------
 * The change buffer
 * ----------------------------------------------------------------
 */

/* A one-dimensional text array of n strings (NULL elements allowed). */
static Datum
text_array(int n, char *const *strings)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(n, 1));
	int			dims[1] = {n};
	int			lbs[1] = {1};
	int			i;

	for (i = 0; i < n; i++)
	{
		nulls[i] = strings[i] == NULL;
		elems[i] = nulls[i] ? (Datum) 0 : CStringGetTextDatum(strings[i]);
	}
	return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs, TEXTOID,
											  -1, false, TYPALIGN_INT));
}

/*
 * Keeps n records of one shard (rows[].shard_id) in the change buffer, in
 * this order, after every record kept before.
 */
void
sync_catalog_buffer_keep(SyncJob *job, int n, const SyncBufferRow *rows)
{
	Oid			t[7] = {REGCLASSOID, TEXTOID, TEXTARRAYOID, TEXTARRAYOID, BOOLARRAYOID,
	TEXTARRAYOID, TEXTARRAYOID};
	Datum		v[7];
	char	  **seq = palloc(sizeof(char *) * Max(n, 1));
	char	  **event = palloc(sizeof(char *) * Max(n, 1));
	char	  **keys = palloc(sizeof(char *) * Max(n, 1));
	char	  **image = palloc(sizeof(char *) * Max(n, 1));
	Datum	   *ttl = palloc(sizeof(Datum) * Max(n, 1));
	int			dims[1] = {n};
	int			lbs[1] = {1};
	int			i;

	if (n == 0)
		return;
	for (i = 0; i < n; i++)
	{
		seq[i] = rows[i].sequence;
		event[i] = rows[i].event;
		keys[i] = rows[i].keys;
		image[i] = rows[i].image;
		ttl[i] = BoolGetDatum(rows[i].ttl);
	}
	v[0] = ObjectIdGetDatum(job->target_oid);
	v[1] = CStringGetTextDatum(rows[0].shard_id);
	v[2] = text_array(n, seq);
	v[3] = text_array(n, event);
	v[4] = PointerGetDatum(construct_md_array(ttl, NULL, 1, dims, lbs, BOOLOID,
											  1, true, TYPALIGN_CHAR));
	v[5] = text_array(n, keys);
	v[6] = text_array(n, image);
	sync_catalog_exec(job,
				 "INSERT INTO ddb_fdw.sync_buffer"
				 "  (target, shard_id, sequence_number, event, ttl, keys, image)"
				 " SELECT $1, $2, r.s, r.e, r.t, r.k, r.i"
				 "   FROM ROWS FROM (pg_catalog.unnest($3), pg_catalog.unnest($4),"
				 "                   pg_catalog.unnest($5), pg_catalog.unnest($6),"
				 "                   pg_catalog.unnest($7))"
				 "        WITH ORDINALITY AS r(s, e, t, k, i, o)"
				 "  ORDER BY r.o",
				 7, t, v, "       ");
}

/*
 * Reads the first (at most limit) records of the change buffer into rows,
 * in the order they were kept; strings are allocated in
 * CurrentMemoryContext.  Returns how many.
 */
int
sync_catalog_buffer_read(SyncJob *job, int limit, SyncBufferRow *rows)
{
	Oid			types[2] = {REGCLASSOID, INT4OID};
	Datum		values[2] = {ObjectIdGetDatum(job->target_oid), Int32GetDatum(limit)};
	MemoryContext cxt = CurrentMemoryContext;
	uint64		i;

	sync_catalog_exec(job,
				 "SELECT position, shard_id, sequence_number, event, ttl, keys, image"
				 "  FROM ddb_fdw.sync_buffer WHERE target OPERATOR(pg_catalog.=) $1"
				 " ORDER BY position LIMIT $2",
				 2, types, values, "  ");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		MemoryContext old = MemoryContextSwitchTo(cxt);
		SyncBufferRow *r = &rows[i];
		bool		isnull;

		r->position = DatumGetInt64(SPI_getbinval(tup, td, 1, &isnull));
		r->shard_id = SPI_getvalue(tup, td, 2);
		r->sequence = SPI_getvalue(tup, td, 3);
		r->event = SPI_getvalue(tup, td, 4);
		r->ttl = DatumGetBool(SPI_getbinval(tup, td, 5, &isnull));
		r->keys = SPI_getvalue(tup, td, 6);
		r->image = SPI_getvalue(tup, td, 7);
		MemoryContextSwitchTo(old);
	}
	return (int) SPI_processed;
}

/*
 * The buffered records up to position through are applied: they leave the
 * buffer, and the run's counters and the snapshot's item count take what
 * they did; committed with their changes.
 */
void
sync_catalog_buffer_applied(SyncJob *job, int64 through, const SyncStreamPage *page)
{
	Oid			t[13] = {REGCLASSOID, INT8OID, INT8OID, INT8OID, INT8OID, INT8OID,
		INT8OID, INT8OID, INT8OID, INT8OID, FLOAT8OID, INT8OID, INT8OID};
	Datum		v[13];

	v[0] = ObjectIdGetDatum(job->target_oid);
	v[1] = Int64GetDatum(through);
	v[2] = Int64GetDatum(job->run_id);
	v[3] = Int64GetDatum(page->upserted);
	v[4] = Int64GetDatum(page->deleted);
	v[5] = Int64GetDatum(page->inserts);
	v[6] = Int64GetDatum(page->modifies);
	v[7] = Int64GetDatum(page->removes);
	v[8] = Int64GetDatum(page->ttl_removes);
	v[9] = Int64GetDatum(page->unknown_events);
	v[10] = Float8GetDatum(page->capacity);
	v[11] = Int64GetDatum(page->rows_added);
	v[12] = Int64GetDatum(page->retries);
	sync_catalog_exec(job,
				 "WITH b AS (DELETE FROM ddb_fdw.sync_buffer"
				 "   WHERE target OPERATOR(pg_catalog.=) $1"
				 "     AND position OPERATOR(pg_catalog.<=) $2),"
				 " st AS (UPDATE ddb_fdw.sync_state"
				 "   SET items_done = (items_done OPERATOR(pg_catalog.+) $12)"
				 "                    OPERATOR(pg_catalog.-) $5,"
				 "       updated_at = pg_catalog.now()"
				 "   WHERE target OPERATOR(pg_catalog.=) $1)"
				 " UPDATE ddb_fdw.sync_run"
				 "   SET rows_upserted = rows_upserted OPERATOR(pg_catalog.+) $4,"
				 "   rows_deleted = rows_deleted OPERATOR(pg_catalog.+) $5,"
				 "   inserts = inserts OPERATOR(pg_catalog.+) $6,"
				 "   modifies = modifies OPERATOR(pg_catalog.+) $7,"
				 "   removes = removes OPERATOR(pg_catalog.+) $8,"
				 "   ttl_removes = ttl_removes OPERATOR(pg_catalog.+) $9,"
				 "   unknown_events = unknown_events OPERATOR(pg_catalog.+) $10,"
				 "   consumed_capacity = consumed_capacity OPERATOR(pg_catalog.+) $11,"
				 "   retries = retries OPERATOR(pg_catalog.+) $13"
				 " WHERE run_id OPERATOR(pg_catalog.=) $3",
				 13, t, v, "             ");
}

/* Every change before to is applied or in the change buffer. */
void
sync_catalog_buffered_to(SyncJob *job, TimestampTz to)
{
	Oid			types[2] = {REGCLASSOID, TIMESTAMPTZOID};
	Datum		values[2] = {ObjectIdGetDatum(job->target_oid), TimestampTzGetDatum(to)};

	sync_catalog_exec(job,
				 "UPDATE ddb_fdw.sync_state SET stream_buffered_to = $2"
				 " WHERE target OPERATOR(pg_catalog.=) $1",
				 2, types, values, "  ");
}

/*
 * The change buffer is applied: what it held up to stream_buffered_to is
 * in the target, so the stream is applied to there.
 */
void
sync_catalog_buffer_done(SyncJob *job)
{
	Oid			types[1] = {REGCLASSOID};
	Datum		values[1] = {ObjectIdGetDatum(job->target_oid)};

	sync_catalog_exec(job,
				 "UPDATE ddb_fdw.sync_state SET stream_applied_to = stream_buffered_to"
				 " WHERE target OPERATOR(pg_catalog.=) $1 AND stream_buffered_to IS NOT NULL",
				 1, types, values, " ");
}
