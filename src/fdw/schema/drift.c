/*-------------------------------------------------------------------------
 *
 * drift.c
 *		ddb_fdw.schema_drift(foreign_table, sample_size): how a DynamoDB
 *		table's items have drifted from the foreign table's columns.
 *
 * A fresh sample of the table (as the import reads one, sample.c) gives
 * three kinds of findings, each with the ALTER FOREIGN TABLE statement
 * that would resolve it:
 *
 *	type conflict	values of a column's attribute that its type cannot
 *					read: found by converting every sampled item exactly as
 *					a scan would (the foreign table's own decoder), each
 *					item in a subtransaction so that a failure is counted
 *					instead of raised; fix: the type the sample infers
 *	vanished		a column whose attribute no sampled item holds; fix:
 *					DROP COLUMN
 *	unmapped		an attribute no column reads (the whole-item column
 *					aside); fix: ADD COLUMN of the inferred type
 *
 * It reads with the caller's rights: the caller needs SELECT on the
 * foreign table and a user mapping, as for a query.
 *
 * IDENTIFICATION
 *		src/fdw/schema/drift.c
 *
 *-------------------------------------------------------------------------
 */
#include "schema.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/tuplestore.h"

#include "aws/sample.h"
#include "core/mapping.h"
#include "read/decode.h"

#define MAX_SAMPLE_SIZE 1000000
#define DRIFT_COLUMNS 9

PG_FUNCTION_INFO_V1(ddb_fdw_schema_drift);

/* The values of one column that its type cannot read. */
typedef struct Conflict
{
	long		count;
	char	   *example_key;	/* of the first such item */
	char	   *message;		/* the first error */
} Conflict;

typedef struct DriftState
{
	DdbTableMapping *map;
	DdbAttrStats *stats;
	DdbDecoder *all;			/* every attribute column, or NULL */
	DdbDecoder **single;		/* [attnum - 1]: that column alone, lazily */
	Conflict   *conflicts;		/* [attnum - 1] */
	Datum	   *values;
	bool	   *nulls;
	MemoryContext item_cxt;		/* reset per item */
} DriftState;

/* The columns a scan converts from an attribute. */
static bool
attribute_column(const DdbColumnMap *c)
{
	return !c->dropped && !c->whole_item && c->attribute != NULL;
}

/*
 * Decodes an item with d in a subtransaction; NULL when it converts, else
 * the error (copied into the current context).  A cancel is raised.
 */
static ErrorData *
try_decode(DriftState *ds, DdbDecoder *d, const char *item, size_t len)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	ErrorData  *volatile edata = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		ddb_decode_item(d, item, len, ds->values, ds->nulls);
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
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
			edata->sqlerrcode == ERRCODE_OUT_OF_MEMORY)
			ReThrowError(edata);
	}
	PG_END_TRY();
	return edata;
}

/* The item's key as text, in the caller's context. */
static char *
item_key(DriftState *ds, const char *item, size_t len)
{
	const char *keys[2] = {NULL, NULL};
	DdbBuf		buf;
	DdbAwsError err;
	char	   *text;
	int			k;

	for (k = 0; k < ds->map->nkeys; k++)
		keys[k] = ds->map->key_attr[k];
	ddb_buf_init(&buf);
	ddb_aws_error_clear(&err);
	(void) ddb_sample_item_key(item, len, keys, &buf, &err);
	text = ddb_buf_ok(&buf) ? pstrdup(buf.data) : pstrdup("?");
	ddb_buf_free(&buf);
	return text;
}

/* Counts the columns of an item that fail, each decoded alone. */
static void
find_failing_columns(DriftState *ds, const char *item, size_t len)
{
	DdbTableMapping *m = ds->map;
	int			i;

	for (i = 0; i < m->natts; i++)
	{
		Conflict   *c = &ds->conflicts[i];
		ErrorData  *edata;

		if (!attribute_column(&m->columns[i]))
			continue;
		if (ds->single[i] == NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(GetMemoryChunkContext(ds->single));
			bool	   *needed = palloc0(sizeof(bool) * m->natts);

			needed[i] = true;
			ds->single[i] = ddb_decoder_create(m, needed);
			MemoryContextSwitchTo(old);
		}
		edata = try_decode(ds, ds->single[i], item, len);
		if (edata == NULL)
			continue;
		if (c->count++ == 0)
		{
			MemoryContext old = MemoryContextSwitchTo(GetMemoryChunkContext(ds->conflicts));

			c->example_key = item_key(ds, item, len);
			c->message = pstrdup(edata->message);
			MemoryContextSwitchTo(old);
		}
	}
}

/* Each sampled item: into the statistics, and converted as a scan would. */
static void
visit_item(const char *item, size_t len, void *arg)
{
	DriftState *ds = arg;
	MemoryContext old;

	ddb_sample_add_to_stats(item, len, ds->stats);
	if (ds->all == NULL)
		return;
	old = MemoryContextSwitchTo(ds->item_cxt);
	if (try_decode(ds, ds->all, item, len) != NULL)
		find_failing_columns(ds, item, len);
	MemoryContextSwitchTo(old);
	MemoryContextReset(ds->item_cxt);
}

/* The DynamoDB item count of the table (or the index it reads); -1. */
static long long
item_count(DdbConnection *conn, const DdbOptions *opts)
{
	const DdbTableDesc *desc = ddb_connection_table_desc(conn, opts->table_name);
	int			i;

	if (desc == NULL)
		return -1;
	if (opts->index_name == NULL)
		return desc->item_count;
	for (i = 0; i < desc->nindexes; i++)
		if (strcmp(desc->indexes[i].name, opts->index_name) == 0)
			return desc->indexes[i].item_count;
	return -1;
}

/* One row of the result. */
typedef struct Finding
{
	const char *finding;
	const char *column;			/* or NULL */
	const char *attribute;
	const DdbAttrStat *stat;	/* or NULL */
	long		items;
	const char *example_key;
	const char *detail;
	const char *fix;
} Finding;

static void
put_row(Tuplestorestate *ts, TupleDesc desc, const DdbAttrStats *st, const Finding *f)
{
	Datum		values[DRIFT_COLUMNS];
	bool		nulls[DRIFT_COLUMNS];

	memset(nulls, false, sizeof(nulls));
	values[0] = CStringGetTextDatum(f->finding);
	nulls[1] = f->column == NULL;
	if (f->column)
		values[1] = DirectFunctionCall1(namein, CStringGetDatum(f->column));
	values[2] = CStringGetTextDatum(f->attribute);
	nulls[3] = nulls[4] = f->stat == NULL;
	if (f->stat)
	{
		DdbBuf		types;

		values[3] = DirectFunctionCall3(numeric_in,
										CStringGetDatum(psprintf("%.1f", st->items > 0 ?
																 100.0 * f->stat->items / st->items : 0.0)),
										ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
		ddb_buf_init(&types);
		ddb_attr_stat_describe_types(f->stat, &types);
		values[4] = CStringGetTextDatum(ddb_buf_ok(&types) && types.data ? types.data : "");
		ddb_buf_free(&types);
	}
	values[5] = Int64GetDatum(f->items);
	nulls[6] = f->example_key == NULL;
	if (f->example_key)
		values[6] = CStringGetTextDatum(f->example_key);
	nulls[7] = f->detail == NULL;
	if (f->detail)
		values[7] = CStringGetTextDatum(f->detail);
	nulls[8] = f->fix == NULL;
	if (f->fix)
		values[8] = CStringGetTextDatum(f->fix);
	tuplestore_putvalues(ts, desc, values, nulls);
}

/* The sample's statistics of a column's attribute, or NULL. */
static const DdbAttrStat *
column_stat(const DriftState *ds, const DdbColumnMap *c)
{
	int			len = (int) strlen(c->attribute);
	const char *utf8 = pg_server_to_any(c->attribute, len, PG_UTF8);

	return ddb_attr_stats_find(ds->stats, utf8, strlen(utf8));
}

static char *
type_text(Oid typid)
{
	return format_type_extended(typid, -1, FORMAT_TYPE_FORCE_QUALIFY);
}

/* Type conflicts and vanished attributes, column by column. */
static void
column_findings(DriftState *ds, const char *table, Tuplestorestate *ts, TupleDesc desc)
{
	DdbTableMapping *m = ds->map;
	int			i;

	for (i = 0; i < m->natts; i++)
	{
		const DdbColumnMap *c = &m->columns[i];
		const DdbAttrStat *a;
		Finding		f;

		if (!attribute_column(c))
			continue;
		a = column_stat(ds, c);
		memset(&f, 0, sizeof(f));
		f.column = c->name;
		f.attribute = c->attribute;
		f.stat = a;
		if (ds->conflicts[i].count > 0)
		{
			Oid			typid = a ? ddb_inferred_type_oid(ddb_infer_type(a)) : JSONBOID;

			/* the sample's type reads them all; else jsonb reads anything */
			if (typid == c->typid)
				typid = JSONBOID;
			f.finding = "type conflict";
			f.items = ds->conflicts[i].count;
			f.example_key = ds->conflicts[i].example_key;
			f.detail = ds->conflicts[i].message;
			if (typid != c->typid)
				f.fix = psprintf("ALTER FOREIGN TABLE %s ALTER COLUMN %s TYPE %s", table,
								 quote_identifier(c->name), type_text(typid));
			put_row(ts, desc, ds->stats, &f);
		}
		else if (a == NULL && ds->stats->items > 0 &&
				 !(m->key_attnum[0] == c->attnum || m->key_attnum[1] == c->attnum))
		{
			f.finding = "vanished";
			f.detail = psprintf("no sampled item holds attribute \"%s\"", c->attribute);
			f.fix = psprintf("ALTER FOREIGN TABLE %s DROP COLUMN %s", table,
							 quote_identifier(c->name));
			put_row(ts, desc, ds->stats, &f);
		}
	}
}

/* Attributes no column reads, the most frequent first. */
static void
unmapped_findings(DriftState *ds, const char *table, Tuplestorestate *ts, TupleDesc desc)
{
	DdbTableMapping *m = ds->map;
	List	   *used = NIL;
	List	   *unmapped = NIL;
	ListCell   *lc;
	int			i;

	for (i = 0; i < m->natts; i++)
		if (!m->columns[i].dropped)
			used = lappend(used, m->columns[i].name);
	for (i = 0; i < ds->stats->nattrs; i++)
	{
		const DdbAttrStat *a = &ds->stats->attrs[i];

		if (!a->name_has_nul &&
			ddb_mapping_column_of(m, ddb_attribute_from_utf8(a->name, a->name_len)) == 0)
			unmapped = lappend(unmapped, (void *) a);
	}
	list_sort(unmapped, ddb_attr_stat_presence_cmp);
	foreach(lc, unmapped)
	{
		const DdbAttrStat *a = lfirst(lc);
		char	   *attr = ddb_attribute_from_utf8(a->name, a->name_len);
		char	   *colname = ddb_unique_name(ddb_identifier_from_server(attr), &used);
		Finding		f;

		memset(&f, 0, sizeof(f));
		f.finding = "unmapped";
		f.attribute = attr;
		f.stat = a;
		f.items = a->items;
		f.fix = psprintf("ALTER FOREIGN TABLE %s ADD COLUMN %s %s%s", table,
						 quote_identifier(colname),
						 type_text(ddb_inferred_type_oid(ddb_infer_type(a))),
						 strcmp(colname, attr) == 0 ? "" :
						 psprintf(" OPTIONS (attribute_name %s)", quote_literal_cstr(attr)));
		put_row(ts, desc, ds->stats, &f);
	}
}

/* The decoders and counters of a drift report of m. */
static void
drift_state_init(DriftState *ds, DdbTableMapping *m)
{
	bool	   *needed = palloc0(sizeof(bool) * Max(m->natts, 1));
	bool		any = false;
	int			i;

	memset(ds, 0, sizeof(*ds));
	ds->map = m;
	ds->stats = ddb_sample_stats_create();
	for (i = 0; i < m->natts; i++)
		if (attribute_column(&m->columns[i]))
			needed[i] = any = true;
	ds->all = any ? ddb_decoder_create(m, needed) : NULL;
	ds->single = palloc0(sizeof(DdbDecoder *) * Max(m->natts, 1));
	ds->conflicts = palloc0(sizeof(Conflict) * Max(m->natts, 1));
	ds->values = palloc(sizeof(Datum) * Max(m->natts, 1));
	ds->nulls = palloc(sizeof(bool) * Max(m->natts, 1));
	ds->item_cxt = AllocSetContextCreate(CurrentMemoryContext, "ddb_fdw drift item",
										 ALLOCSET_DEFAULT_SIZES);
}

Datum
ddb_fdw_schema_drift(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	int32		sample_size = PG_GETARG_INT32(1);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	desc;
	Tuplestorestate *ts;
	MemoryContext old;
	DdbTableMapping *m;
	DdbConnection *conn;
	DriftState	ds;
	DdbSampleSource src;
	DdbSampleCost cost;
	char	   *table;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		(rsinfo->allowedModes & SFRM_Materialize) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ddb_fdw.schema_drift must be called where a set can be returned")));
	if (sample_size < 1 || sample_size > MAX_SAMPLE_SIZE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sample_size must be between 1 and %d", MAX_SAMPLE_SIZE)));
	ddb_check_foreign_table(relid);
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	m = ddb_mapping_copy(ddb_mapping_get(relid), CurrentMemoryContext);
	conn = ddb_get_connection(GetForeignServer(m->serverid),
							  GetUserMapping(GetUserId(), m->serverid), &m->opts);
	ddb_mapping_resolve_keys(m, conn);
	table = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									   get_rel_name(relid));

	drift_state_init(&ds, m);
	memset(&src, 0, sizeof(src));
	src.conn = conn;
	src.table_name = m->opts.table_name;
	src.index_name = m->opts.index_name;
	src.consistent_read = m->opts.consistent_read;
	src.page_size = m->opts.page_size;
	src.max_read_units_per_second = m->opts.max_read_units_per_second;
	src.item_count = item_count(conn, &m->opts);
	src.sample_size = sample_size;
	ddb_sample_table(&src, visit_item, &ds, &cost);
	ereport(NOTICE,
			(errmsg("DynamoDB table \"%s\" of foreign table %s: %s",
					m->opts.table_name, table, ddb_sample_cost_text(&cost))));

	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	desc = CreateTupleDescCopy(desc);
	ts = tuplestore_begin_heap(true, false, work_mem);
	MemoryContextSwitchTo(old);
	column_findings(&ds, table, ts, desc);
	unmapped_findings(&ds, table, ts, desc);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = ts;
	rsinfo->setDesc = desc;
	return (Datum) 0;
}
