/*-------------------------------------------------------------------------
 *
 * tables.c
 *		ddb_fdw.tables(server): one row per DynamoDB table of a server --
 *		status, size, billing and capacity, stream, time to live,
 *		point-in-time recovery and indexes.
 *
 * Requests per table: DescribeTable, DescribeTimeToLive and
 * DescribeContinuousBackups (after one ListTables for all).  The last two
 * are optional: an identity that may not call them, or an endpoint that
 * does not know them (DynamoDB Local has no DescribeContinuousBackups),
 * gives NULL in their columns rather than an error.
 *
 * IDENTIFICATION
 *		src/fdw/schema/tables.c
 *
 *-------------------------------------------------------------------------
 */
#include "ddb_fdw.h"

#include "aws/metadata.h"
#include "core/call.h"

#include "catalog/pg_foreign_server.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "compat.h"

PG_FUNCTION_INFO_V1(ddb_fdw_tables);

#define TABLES_COLUMNS 11

/* A DynamoDB string (UTF-8) as text in the server encoding. */
static Datum
text_of(const char *s)
{
	return CStringGetTextDatum(pg_any_to_server(s, (int) strlen(s), PG_UTF8));
}

static void
push_key(JsonbParseState **st, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = pg_any_to_server(key, (int) strlen(key), PG_UTF8);
	k.val.string.len = (int) strlen(k.val.string.val);
	(void) pushJsonbValue(st, WJB_KEY, &k);
}

/* "key": string, or null */
static void
push_string(JsonbParseState **st, const char *key, const char *s)
{
	JsonbValue	v;

	push_key(st, key);
	if (s == NULL)
		v.type = jbvNull;
	else
	{
		v.type = jbvString;
		v.val.string.val = pg_any_to_server(s, (int) strlen(s), PG_UTF8);
		v.val.string.len = (int) strlen(v.val.string.val);
	}
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

/* "key": number, or null when negative (unknown) */
static void
push_count(JsonbParseState **st, const char *key, long long n)
{
	JsonbValue	v;

	push_key(st, key);
	if (n < 0)
		v.type = jbvNull;
	else
	{
		v.type = jbvNumeric;
		v.val.numeric = int64_to_numeric(n);
	}
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

/*
 * The indexes as a jsonb array: name, type (GSI, LSI), keys, projection
 * (with its non-key attributes), item count and size.
 */
static Datum
indexes_jsonb(const DdbTableDesc *desc)
{
	JsonbParseState *st = NULL;
	JsonbValue *res;
	int			i;

	(void) pushJsonbValue(&st, WJB_BEGIN_ARRAY, NULL);
	for (i = 0; i < desc->nindexes; i++)
	{
		const DdbIndexDesc *ix = &desc->indexes[i];
		int			k;

		(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
		push_string(&st, "name", ix->name);
		push_string(&st, "type", ix->global ? "GSI" : "LSI");
		push_string(&st, "partition_key", ix->key.partition_key);
		push_string(&st, "sort_key", ix->key.sort_key);
		push_string(&st, "projection", ix->projection_type);
		push_key(&st, "non_key_attributes");
		(void) pushJsonbValue(&st, WJB_BEGIN_ARRAY, NULL);
		for (k = 0; k < ix->non_key_attributes.n; k++)
		{
			JsonbValue	v;
			const char *a = ix->non_key_attributes.items[k];

			v.type = jbvString;
			v.val.string.val = pg_any_to_server(a, (int) strlen(a), PG_UTF8);
			v.val.string.len = (int) strlen(v.val.string.val);
			(void) pushJsonbValue(&st, WJB_ELEM, &v);
		}
		(void) pushJsonbValue(&st, WJB_END_ARRAY, NULL);
		push_count(&st, "item_count", ix->item_count);
		push_count(&st, "size_bytes", ix->size_bytes);
		(void) pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	}
	res = pushJsonbValue(&st, WJB_END_ARRAY, NULL);
	return JsonbPGetDatum(JsonbValueToJsonb(res));
}

/*
 * An optional request's error: a service's refusal (no permission, an
 * operation the endpoint does not know) leaves the column NULL; anything
 * else (network, credentials gone) is raised.
 */
static bool
optional_failed(DdbCall *call)
{
	if (call->err.kind == DDB_AWS_ERR_SERVICE &&
		!ddb_aws_error_is(&call->err, "ResourceNotFoundException"))
		return true;
	ddb_call_fail(call);
}

/* TimeToLive: the attribute while TTL is on (or turning on), else NULL. */
static void
fill_ttl(DdbConnection *conn, const char *table, Datum *values, bool *nulls)
{
	DdbCall		call;
	DdbTtlDesc	ttl;
	bool		ok;

	ddb_call_begin(&call, conn->http, "DescribeTimeToLive", table);
	ok = ddb_dynamodb_describe_ttl(&conn->svc, ddb_connection_credentials(conn),
								   table, &ttl, &call.err);
	(void) ddb_call_end(&call);
	if (!ok && optional_failed(&call))
		return;
	if (ttl.attribute && ttl.status &&
		(strcmp(ttl.status, "ENABLED") == 0 || strcmp(ttl.status, "ENABLING") == 0))
	{
		values[8] = text_of(ttl.attribute);
		nulls[8] = false;
	}
	ddb_ttl_desc_free(&ttl);
}

/* Point-in-time recovery: on or off, NULL when DynamoDB does not say. */
static void
fill_backups(DdbConnection *conn, const char *table, Datum *values, bool *nulls)
{
	DdbCall		call;
	DdbBackupsDesc b;
	bool		ok;

	ddb_call_begin(&call, conn->http, "DescribeContinuousBackups", table);
	ok = ddb_dynamodb_describe_backups(&conn->svc, ddb_connection_credentials(conn),
									   table, &b, &call.err);
	(void) ddb_call_end(&call);
	if (!ok && optional_failed(&call))
		return;
	if (b.point_in_time_recovery)
	{
		values[9] = BoolGetDatum(strcmp(b.point_in_time_recovery, "ENABLED") == 0);
		nulls[9] = false;
	}
	ddb_backups_desc_free(&b);
}

/*
 * One table's row into the tuplestore; false when the table disappeared
 * since ListTables.
 */
static bool
table_row(DdbConnection *conn, const char *table, ReturnSetInfo *rsinfo)
{
	DdbCall		call;
	DdbTableDesc *desc = NULL;
	DdbTableCapacity cap;
	Datum		values[TABLES_COLUMNS];
	bool		nulls[TABLES_COLUMNS];
	bool		ok;

	ddb_call_begin(&call, conn->http, "DescribeTable", table);
	ok = ddb_dynamodb_describe_table_capacity(&conn->svc, ddb_connection_credentials(conn),
											  table, &desc, &cap, &call.err);
	(void) ddb_call_end(&call);
	if (!ok)
	{
		if (ddb_call_error_is(&call, "ResourceNotFoundException"))
			return false;
		ddb_call_fail(&call);
	}
	memset(nulls, true, sizeof(nulls));
	PG_TRY();
	{
		values[0] = text_of(desc->name);
		nulls[0] = false;
		if (desc->status)
			values[1] = text_of(desc->status), nulls[1] = false;
		if (desc->item_count >= 0)
			values[2] = Int64GetDatum(desc->item_count), nulls[2] = false;
		if (desc->size_bytes >= 0)
			values[3] = Int64GetDatum(desc->size_bytes), nulls[3] = false;
		values[4] = text_of(cap.billing_mode);
		nulls[4] = false;
		if (cap.read_units >= 0)
			values[5] = Int64GetDatum(cap.read_units), nulls[5] = false;
		if (cap.write_units >= 0)
			values[6] = Int64GetDatum(cap.write_units), nulls[6] = false;
		if (desc->stream_enabled && desc->stream_view_type)
			values[7] = text_of(desc->stream_view_type), nulls[7] = false;
		values[10] = indexes_jsonb(desc);
		nulls[10] = false;
	}
	PG_FINALLY();
	{
		ddb_table_desc_free(desc);
		ddb_table_capacity_free(&cap);
	}
	PG_END_TRY();
	fill_ttl(conn, table, values, nulls);
	fill_backups(conn, table, values, nulls);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return true;
}

/*
 * ddb_fdw.tables(server name): needs USAGE on the server and a user
 * mapping; signs with the mapping's identity.
 */
Datum
ddb_fdw_tables(PG_FUNCTION_ARGS)
{
	Name		srvname = PG_GETARG_NAME(0);
	ForeignServer *server = GetForeignServerByName(NameStr(*srvname), false);
	ForeignDataWrapper *fdw = GetForeignDataWrapper(server->fdwid);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	DdbOptions	opts;
	DdbConnection *conn;
	DdbStringList tables = {0};
	DdbCall		call;
	List	   *names = NIL;
	ListCell   *lc;
	AclResult	aclresult;
	int			i;

	if (!OidIsValid(fdw->fdwhandler) ||
		strcmp(get_func_name(fdw->fdwhandler), "ddb_fdw_handler") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("foreign server \"%s\" does not belong to ddb_fdw",
						server->servername)));
	aclresult = ddb_server_aclcheck(server->serverid, GetUserId());
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FOREIGN_SERVER, server->servername);
	ddb_init_materialized_srf(fcinfo);

	ddb_get_server_options(server, &opts);
	conn = ddb_get_connection(server, GetUserMapping(GetUserId(), server->serverid), &opts);
	ddb_call_begin(&call, conn->http, "ListTables", NULL);
	if (!ddb_dynamodb_list_all_tables(&conn->svc, ddb_connection_credentials(conn),
									  &tables, &call.err))
	{
		(void) ddb_call_end(&call);
		ddb_string_list_free(&tables);
		ddb_call_fail(&call);
	}
	(void) ddb_call_end(&call);
	for (i = 0; i < tables.n; i++)
		names = lappend(names, pstrdup(tables.items[i]));
	ddb_string_list_free(&tables);

	foreach(lc, names)
	{
		CHECK_FOR_INTERRUPTS();
		(void) table_row(conn, lfirst(lc), rsinfo);
	}
	return (Datum) 0;
}
