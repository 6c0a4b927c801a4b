/*-------------------------------------------------------------------------
 *
 * import.c
 *		IMPORT FOREIGN SCHEMA: one foreign table per DynamoDB table.
 *
 * Each table gets its key attributes as typed NOT NULL columns (S text,
 * N numeric, B bytea, from AttributeDefinitions) and one jsonb column
 * holding the whole item as natural JSON.  DynamoDB names are kept exactly;
 * a name longer than PostgreSQL's identifier limit is truncated for the
 * column and kept whole in the attribute_name option.  The remote schema
 * name is ignored: DynamoDB has one namespace per account and region.
 *
 * IDENTIFICATION
 *		src/fdw/schema/import.c
 *
 *-------------------------------------------------------------------------
 */
#include "ddb_fdw.h"

#include "schema.h"

#include "commands/defrem.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"

#define DEFAULT_ITEM_COLUMN "item"

/* Takes the AWS-layer strings into palloc'd memory and frees them. */
static List *
take_string_list(DdbStringList *list)
{
	List	   *result = NIL;
	int			i;

	for (i = 0; i < list->n; i++)
		result = lappend(result, pstrdup(list->items[i]));
	ddb_string_list_free(list);
	return result;
}

/*
 * An identifier from a DynamoDB name: converted to the server encoding and
 * cut to NAMEDATALEN - 1 bytes at a character boundary.  Returns palloc'd.
 */
static char *
identifier_from(const char *name)
{
	char	   *s = pg_any_to_server(name, (int) strlen(name), PG_UTF8);
	int			len = (int) strlen(s);

	if (len >= NAMEDATALEN)
		len = pg_mbcliplen(s, len, NAMEDATALEN - 1);
	return pnstrdup(s, len);
}

/* Makes name unique among used (appending _2, _3, ...), and records it. */
static char *
unique_name(char *name, List **used)
{
	char	   *candidate = name;
	int			n = 1;

	for (;;)
	{
		ListCell   *lc;
		bool		clash = false;

		foreach(lc, *used)
			if (strcmp(lfirst(lc), candidate) == 0)
				clash = true;
		if (!clash)
			break;
		n++;
		{
			char		suffix[16];
			int			slen = snprintf(suffix, sizeof(suffix), "_%d", n);
			int			keep = (int) strlen(name);

			if (keep + slen >= NAMEDATALEN)
				keep = pg_mbcliplen(name, keep, NAMEDATALEN - 1 - slen);
			candidate = psprintf("%.*s%s", keep, name, suffix);
		}
	}
	*used = lappend(*used, candidate);
	return candidate;
}

static const char *
key_type_name(char type)
{
	switch (type)
	{
		case 'N':
			return "pg_catalog.numeric";
		case 'B':
			return "pg_catalog.bytea";
		default:
			return "pg_catalog.text";
	}
}

static bool
table_wanted(ImportForeignSchemaStmt *stmt, const char *relname)
{
	ListCell   *lc;

	if (stmt->list_type == FDW_IMPORT_SCHEMA_ALL)
		return true;
	foreach(lc, stmt->table_list)
	{
		RangeVar   *rv = (RangeVar *) lfirst(lc);

		if (strcmp(rv->relname, relname) == 0)
			return stmt->list_type == FDW_IMPORT_SCHEMA_LIMIT_TO;
	}
	return stmt->list_type == FDW_IMPORT_SCHEMA_EXCEPT;
}

static void
append_key_column(StringInfo buf, const char *attr, char type, List **used)
{
	char	   *colname = unique_name(identifier_from(attr), used);

	appendStringInfo(buf, "  %s %s", quote_identifier(colname),
					 key_type_name(type));
	/* the option is only needed when the column name differs */
	if (strcmp(colname, attr) != 0)
		appendStringInfo(buf, " OPTIONS (attribute_name %s)",
						 quote_literal_cstr(pg_any_to_server(attr, (int) strlen(attr),
															 PG_UTF8)));
	appendStringInfoString(buf, " NOT NULL,\n");
}

/* What the CREATE statement needs of a DescribeTable answer (palloc'd). */
typedef struct ImportTable
{
	char	   *name;
	char	   *partition_key;
	char		partition_type;
	char	   *sort_key;
	char		sort_type;
	char	   *ttl_attribute;	/* its TTL attribute (ttl.c), or NULL */
} ImportTable;

static char *
strdup_no_oom(const char *s, bool *ok)
{
	char	   *p;

	if (s == NULL)
		return NULL;
	p = palloc_extended(strlen(s) + 1, MCXT_ALLOC_NO_OOM);
	if (p == NULL)
	{
		*ok = false;
		return NULL;
	}
	strcpy(p, s);
	return p;
}

/*
 * Copies what the import needs out of desc and frees desc, so that no
 * malloc'd memory is left behind if anything later raises an error.
 */
static void
take_table_desc(DdbTableDesc *desc, ImportTable *t)
{
	bool		ok = true;

	t->name = strdup_no_oom(desc->name, &ok);
	t->partition_key = strdup_no_oom(desc->key.partition_key, &ok);
	t->partition_type = desc->key.partition_type;
	t->sort_key = strdup_no_oom(desc->key.sort_key, &ok);
	t->sort_type = desc->key.sort_type;
	ddb_table_desc_free(desc);
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
}

static char *
create_statement(ImportForeignSchemaStmt *stmt, const char *relname,
				 const ImportTable *desc, const char *item_column)
{
	StringInfoData buf;
	List	   *used = NIL;
	char	   *item;

	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE FOREIGN TABLE %s.%s (\n",
					 quote_identifier(stmt->local_schema),
					 quote_identifier(relname));
	append_key_column(&buf, desc->partition_key, desc->partition_type, &used);
	if (desc->sort_key)
		append_key_column(&buf, desc->sort_key, desc->sort_type, &used);
	/* the TTL attribute as a time (not when it is a key attribute) */
	if (desc->ttl_attribute && strcmp(desc->ttl_attribute, desc->partition_key) != 0 &&
		(desc->sort_key == NULL || strcmp(desc->ttl_attribute, desc->sort_key) != 0))
		ddb_import_append_ttl_column(&buf, unique_name(identifier_from(desc->ttl_attribute), &used),
									 desc->ttl_attribute);
	item = unique_name(pstrdup(item_column), &used);
	appendStringInfo(&buf, "  %s pg_catalog.jsonb OPTIONS (whole_item 'true')\n",
					 quote_identifier(item));
	appendStringInfo(&buf, ") SERVER %s OPTIONS (table_name %s, partition_key %s",
					 quote_identifier(stmt->server_name),
					 quote_literal_cstr(desc->name),
					 quote_literal_cstr(pg_any_to_server(desc->partition_key,
														 (int) strlen(desc->partition_key),
														 PG_UTF8)));
	if (desc->sort_key)
		appendStringInfo(&buf, ", sort_key %s",
						 quote_literal_cstr(pg_any_to_server(desc->sort_key,
															 (int) strlen(desc->sort_key),
															 PG_UTF8)));
	appendStringInfoString(&buf, ")");
	return buf.data;
}

List *
ddbImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	UserMapping *user = GetUserMapping(GetUserId(), serverOid);
	const char *item_column = DEFAULT_ITEM_COLUMN;
	DdbOptions	opts;
	DdbConnection *conn;
	DdbStringList tables = {0};
	DdbAwsError err;
	List	   *names;
	List	   *used = NIL;
	List	   *commands = NIL;
	ListCell   *lc;

	foreach(lc, stmt->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "item_column") == 0)
		{
			item_column = defGetString(def);
			if (item_column[0] == '\0' || strlen(item_column) >= NAMEDATALEN)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"item_column\": \"%s\"",
								item_column)));
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\"", def->defname),
					 errhint("Valid options in this context are: item_column")));
	}

	ddb_get_server_options(server, &opts);
	conn = ddb_get_connection(server, user, &opts);

	ddb_aws_error_clear(&err);
	if (!ddb_dynamodb_list_all_tables(&conn->svc, ddb_connection_credentials(conn),
									  &tables, &err))
	{
		ddb_string_list_free(&tables);
		ddb_report_aws_error(&err, "ListTables", NULL);
	}
	names = take_string_list(&tables);

	foreach(lc, names)
	{
		const char *table = lfirst(lc);
		char	   *relname = unique_name(identifier_from(table), &used);
		DdbTableDesc *desc = NULL;
		ImportTable t;

		if (!table_wanted(stmt, relname))
			continue;
		CHECK_FOR_INTERRUPTS();
		if (!ddb_dynamodb_describe_table(&conn->svc, ddb_connection_credentials(conn), table,
										 &desc, &err))
		{
			/* dropped between ListTables and DescribeTable: nothing to import */
			if (err.kind == DDB_AWS_ERR_SERVICE &&
				strcmp(err.code, "ResourceNotFoundException") == 0)
			{
				ereport(NOTICE,
						(errmsg("DynamoDB table \"%s\" disappeared during the import; skipped",
								table)));
				continue;
			}
			ddb_report_aws_error(&err, "DescribeTable", table);
		}
		take_table_desc(desc, &t);
		t.ttl_attribute = ddb_import_ttl_attribute(conn, table);
		commands = lappend(commands,
						   create_statement(stmt, relname, &t, item_column));
	}
	return commands;
}
