/*-------------------------------------------------------------------------
 *
 * import.c
 *		IMPORT FOREIGN SCHEMA: one foreign table per DynamoDB table.
 *
 * Each table gets its key attributes as typed NOT NULL columns (S text,
 * N numeric, B bytea, from AttributeDefinitions) and one jsonb column
 * holding the whole item as natural JSON; with the option infer, typed
 * columns for the attributes a sample of its items holds (infer.c), with
 * comments saying what the sample held (comment.c).  DynamoDB names are
 * kept exactly; a name longer than PostgreSQL's identifier limit is
 * truncated for the column and kept whole in the attribute_name option, a
 * name another column has already gets a suffix.  The remote schema name
 * is ignored: DynamoDB has one namespace per account and region.
 *
 * IDENTIFICATION
 *		src/fdw/schema/import.c
 *
 *-------------------------------------------------------------------------
 */
#include "schema.h"

#include "schema.h"

#include "commands/defrem.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"

#define DEFAULT_ITEM_COLUMN "item"

/* The import's options. */
typedef struct ImportOptions
{
	const char *item_column;
	DdbInferOptions infer;
	const char *needs_infer;	/* an option given that only infer uses */
} ImportOptions;

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
 * An identifier from a name in the server encoding
 * (ddb_identifier_from_server) or a DynamoDB name (identifier_from,
 * converted to the server encoding first): cut to NAMEDATALEN - 1 bytes at
 * a character boundary.  Returns palloc'd.
 */
char *
ddb_identifier_from_server(const char *name)
{
	int			len = (int) strlen(name);

	if (len >= NAMEDATALEN)
		len = pg_mbcliplen(name, len, NAMEDATALEN - 1);
	return pnstrdup(name, len);
}

static char *
identifier_from(const char *name)
{
	return ddb_identifier_from_server(pg_any_to_server(name, (int) strlen(name), PG_UTF8));
}

/* Makes name unique among used (appending _2, _3, ...), and records it. */
char *
ddb_unique_name(char *name, List **used)
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

/*
 * A column of attribute attr (in the server encoding) named colname: the
 * attribute_name option only when the name differs, then the options in
 * more (NULL: none).
 */
static void
append_column(StringInfo buf, const char *colname, const char *attr,
			  const char *type, bool not_null, const char *more)
{
	bool		named = strcmp(colname, attr) != 0;

	appendStringInfo(buf, "  %s %s", quote_identifier(colname), type);
	if (named || more)
		appendStringInfo(buf, " OPTIONS (%s%s%s%s)",
						 named ? "attribute_name " : "",
						 named ? quote_literal_cstr(attr) : "",
						 named && more ? ", " : "",
						 more ? more : "");
	appendStringInfoString(buf, not_null ? " NOT NULL,\n" : ",\n");
}

/*
 * The column of a DynamoDB attribute (UTF-8), named as the attribute where
 * it can be.
 */
static void
append_attribute_column(StringInfo buf, const char *attr, const char *type,
						bool not_null, const char *more, List **used)
{
	char	   *colname = ddb_unique_name(identifier_from(attr), used);

	append_column(buf, colname, pg_any_to_server(attr, (int) strlen(attr), PG_UTF8),
				  type, not_null, more);
}

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
take_table_desc(DdbTableDesc *desc, DdbImportTable *t)
{
	bool		ok = true;

	t->item_count = desc->item_count;
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

/*
 * The inferred columns (List of DdbInferredColumn), named as their
 * attributes where they can be; their names and comments are added to
 * *names and *comments.
 */
static void
append_inferred_columns(StringInfo buf, List *columns, List **used,
						List **names, List **comments)
{
	ListCell   *lc;

	foreach(lc, columns)
	{
		DdbInferredColumn *col = lfirst(lc);
		char	   *colname = ddb_unique_name(ddb_identifier_from_server(col->attribute), used);

		append_column(buf, colname, col->attribute,
					  format_type_extended(col->typid, -1, FORMAT_TYPE_FORCE_QUALIFY),
					  false, NULL);
		*names = lappend(*names, colname);
		*comments = lappend(*comments, col->comment);
	}
}

/*
 * The CREATE FOREIGN TABLE statement of a table: its key columns, the
 * inferred columns (List of DdbInferredColumn) and the item column.
 * *names and *comments get the inferred columns' names and comments.
 */
static char *
create_statement(ImportForeignSchemaStmt *stmt, const char *relname,
				 const DdbImportTable *desc, const ImportOptions *o,
				 List *inferred, List **names, List **comments)
{
	StringInfoData buf;
	List	   *used = NIL;
	char	   *item;

	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE FOREIGN TABLE %s.%s (\n",
					 quote_identifier(stmt->local_schema),
					 quote_identifier(relname));
	append_attribute_column(&buf, desc->partition_key, key_type_name(desc->partition_type),
							true, NULL, &used);
	if (desc->sort_key)
		append_attribute_column(&buf, desc->sort_key, key_type_name(desc->sort_type),
								true, NULL, &used);
	/* the TTL attribute (epoch seconds) as a time, unless it is a key */
	if (desc->ttl_attribute && strcmp(desc->ttl_attribute, desc->partition_key) != 0 &&
		(desc->sort_key == NULL || strcmp(desc->ttl_attribute, desc->sort_key) != 0))
		append_attribute_column(&buf, desc->ttl_attribute, "pg_catalog.timestamptz",
								false, "format 'epoch_seconds'", &used);
	/* the item column keeps its name: an attribute of that name moves */
	item = ddb_unique_name(pstrdup(o->item_column), &used);
	append_inferred_columns(&buf, inferred, &used, names, comments);
	appendStringInfo(&buf, "  %s pg_catalog.jsonb OPTIONS (whole_item 'true'%s)\n",
					 quote_identifier(item),
					 o->infer.unmapped_only ? ", unmapped_only 'true'" : "");
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

/* Reads the IMPORT options into o; unknown or invalid ones are errors. */
static void
read_options(List *options, ImportOptions *o)
{
	ListCell   *lc;

	o->item_column = DEFAULT_ITEM_COLUMN;
	o->needs_infer = NULL;
	ddb_infer_options_init(&o->infer);
	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "item_column") == 0)
		{
			o->item_column = defGetString(def);
			if (o->item_column[0] == '\0' || strlen(o->item_column) >= NAMEDATALEN)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"item_column\": \"%s\"",
								o->item_column)));
		}
		else if (ddb_infer_option(def, &o->infer))
		{
			if (strcmp(def->defname, "sample_size") == 0 ||
				strcmp(def->defname, "min_presence") == 0 ||
				strcmp(def->defname, "sample_seed") == 0)
				o->needs_infer = def->defname;
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\"", def->defname),
					 errhint("Valid options in this context are: item_column, unmapped_only, infer, sample_size, min_presence, sample_seed")));
	}
	if (o->needs_infer && !o->infer.infer)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" applies only to an import with option \"infer\"",
						o->needs_infer),
				 errhint("Add infer 'true' to the options.")));
}

/*
 * One DynamoDB table's CREATE FOREIGN TABLE statement (NULL when the table
 * vanished since ListTables), with its comments registered when inferred.
 */
static char *
import_table(ImportForeignSchemaStmt *stmt, const ImportOptions *o,
			 DdbConnection *conn, const DdbOptions *opts, const char *table,
			 const char *relname)
{
	DdbTableDesc *desc = NULL;
	DdbImportTable t;
	DdbAwsError err;
	List	   *inferred = NIL;
	List	   *names = NIL;
	List	   *comments = NIL;
	char	   *table_comment = NULL;
	char	   *command;

	ddb_aws_error_clear(&err);
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
			return NULL;
		}
		ddb_report_aws_error(&err, "DescribeTable", table);
	}
	take_table_desc(desc, &t);
	t.ttl_attribute = ddb_import_ttl_attribute(conn, table);
	if (o->infer.infer)
		inferred = ddb_infer_columns(conn, &t, opts, &o->infer, &table_comment);
	command = create_statement(stmt, relname, &t, o, inferred, &names, &comments);
	if (o->infer.infer)
		ddb_import_comments_expect(stmt->local_schema, relname, table_comment,
								   names, comments);
	return command;
}

List *
ddbImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	UserMapping *user = GetUserMapping(GetUserId(), serverOid);
	ImportOptions o;
	DdbOptions	opts;
	DdbConnection *conn;
	DdbStringList tables = {0};
	DdbAwsError err;
	List	   *names;
	List	   *used = NIL;
	List	   *commands = NIL;
	ListCell   *lc;

	read_options(stmt->options, &o);
	ddb_import_comments_forget();
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
		char	   *relname = ddb_unique_name(identifier_from(table), &used);
		char	   *command;

		if (!table_wanted(stmt, relname))
			continue;
		CHECK_FOR_INTERRUPTS();
		command = import_table(stmt, &o, conn, &opts, table, relname);
		if (command)
			commands = lappend(commands, command);
	}
	return commands;
}
