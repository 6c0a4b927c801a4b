/*-------------------------------------------------------------------------
 *
 * option.c
 *		Every ddb_fdw option in one table, and the one validator.
 *
 * IDENTIFICATION
 *		src/fdw/core/option.c
 *
 *-------------------------------------------------------------------------
 */
#include "ddb_fdw.h"

#include "access/reloptions.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_foreign_data_wrapper.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "aws/credentials.h"

typedef enum DdbOptionKind
{
	OPT_REGION,
	OPT_ENDPOINT,
	OPT_DURATION,				/* milliseconds, with optional unit */
	OPT_PAGE_SIZE,
	OPT_SEGMENTS,
	OPT_TABLE_NAME,
	OPT_INDEX_NAME,
	OPT_ATTRIBUTE_NAME,
	OPT_BOOL,
	OPT_ACCESS_KEY,
	OPT_SECRET,
	OPT_ROLE_ARN,
	OPT_EXTERNAL_ID,
	OPT_SESSION_NAME,
	OPT_SESSION_DURATION,
	OPT_AMBIENT_SOURCES,
	OPT_RETRIES,
	OPT_RATE,
	OPT_BATCH_SIZE
} DdbOptionKind;

typedef struct DdbOption
{
	const char *name;
	Oid			context;		/* catalog the option belongs to */
	DdbOptionKind kind;
	bool		superuser_only; /* it decides where requests go or whose
								 * identity signs them */
} DdbOption;

static const DdbOption ddb_options[] = {
	/* server */
	{"region", ForeignServerRelationId, OPT_REGION, false},
	{"endpoint", ForeignServerRelationId, OPT_ENDPOINT, true},
	{"connect_timeout", ForeignServerRelationId, OPT_DURATION, false},
	{"request_timeout", ForeignServerRelationId, OPT_DURATION, false},
	{"max_retries", ForeignServerRelationId, OPT_RETRIES, false},
	{"retry_base_delay", ForeignServerRelationId, OPT_DURATION, false},
	{"retry_max_delay", ForeignServerRelationId, OPT_DURATION, false},
	{"max_read_units_per_second", ForeignServerRelationId, OPT_RATE, false},
	{"page_size", ForeignServerRelationId, OPT_PAGE_SIZE, false},
	{"segments", ForeignServerRelationId, OPT_SEGMENTS, false},
	{"role_arn", ForeignServerRelationId, OPT_ROLE_ARN, false},
	{"external_id", ForeignServerRelationId, OPT_EXTERNAL_ID, false},
	{"role_session_name", ForeignServerRelationId, OPT_SESSION_NAME, false},
	{"session_duration", ForeignServerRelationId, OPT_SESSION_DURATION, false},
	{"sts_endpoint", ForeignServerRelationId, OPT_ENDPOINT, true},
	{"streams_endpoint", ForeignServerRelationId, OPT_ENDPOINT, true},
	{"use_ambient_credentials", ForeignServerRelationId, OPT_BOOL, true},
	{"ambient_sources", ForeignServerRelationId, OPT_AMBIENT_SOURCES, true},
	/* user mapping */
	{"access_key_id", UserMappingRelationId, OPT_ACCESS_KEY, false},
	{"secret_access_key", UserMappingRelationId, OPT_SECRET, false},
	{"session_token", UserMappingRelationId, OPT_SECRET, false},
	/* the database host's own identity, granted to this mapping's role */
	{"use_ambient_credentials", UserMappingRelationId, OPT_BOOL, true},
	{"ambient_sources", UserMappingRelationId, OPT_AMBIENT_SOURCES, true},
	/* foreign table */
	{"table_name", ForeignTableRelationId, OPT_TABLE_NAME, false},
	{"partition_key", ForeignTableRelationId, OPT_ATTRIBUTE_NAME, false},
	{"sort_key", ForeignTableRelationId, OPT_ATTRIBUTE_NAME, false},
	{"page_size", ForeignTableRelationId, OPT_PAGE_SIZE, false},
	{"segments", ForeignTableRelationId, OPT_SEGMENTS, false},
	{"index_name", ForeignTableRelationId, OPT_INDEX_NAME, false},
	{"consistent_read", ForeignTableRelationId, OPT_BOOL, false},
	{"max_read_units_per_second", ForeignTableRelationId, OPT_RATE, false},
	{"overwrite", ForeignTableRelationId, OPT_BOOL, false},
	{"batch_size", ForeignTableRelationId, OPT_BATCH_SIZE, false},
	/* column */
	{"attribute_name", AttributeRelationId, OPT_ATTRIBUTE_NAME, false},
	{"whole_item", AttributeRelationId, OPT_BOOL, false},
};

#define DEFAULT_CONNECT_TIMEOUT_MS 10000
#define DEFAULT_SESSION_DURATION 3600
#define DEFAULT_REQUEST_TIMEOUT_MS 30000
/* as the AWS SDKs retry DynamoDB: 10 retries, 25 ms base, 20 s cap */
#define DEFAULT_MAX_RETRIES 10
#define DEFAULT_RETRY_BASE_MS 25
#define DEFAULT_RETRY_MAX_MS 20000
#define MAX_RETRIES_LIMIT 100

PG_FUNCTION_INFO_V1(ddb_fdw_validator);

static const DdbOption *
find_option(const char *name, Oid context)
{
	size_t		i;

	for (i = 0; i < lengthof(ddb_options); i++)
		if (ddb_options[i].context == context &&
			strcmp(ddb_options[i].name, name) == 0)
			return &ddb_options[i];
	return NULL;
}

static char *
valid_options_list(Oid context)
{
	StringInfoData buf;
	size_t		i;

	initStringInfo(&buf);
	for (i = 0; i < lengthof(ddb_options); i++)
	{
		if (ddb_options[i].context != context)
			continue;
		if (buf.len > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, ddb_options[i].name);
	}
	return buf.data;
}

/* Parses "auto", "max" or a positive item count. */
static bool
parse_page_size(const char *value, int *result)
{
	char	   *end;
	long		v;

	if (pg_strcasecmp(value, "auto") == 0)
	{
		*result = DDB_PAGE_SIZE_AUTO;
		return true;
	}
	if (pg_strcasecmp(value, "max") == 0)
	{
		*result = DDB_PAGE_SIZE_MAX;
		return true;
	}
	errno = 0;
	v = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || v < 1 || v > 1000000)
		return false;
	*result = (int) v;
	return true;
}

/* Parses "auto" or a TotalSegments count. */
static bool
parse_segments(const char *value, int *result)
{
	char	   *end;
	long		v;

	if (pg_strcasecmp(value, "auto") == 0)
	{
		*result = DDB_SEGMENTS_AUTO;
		return true;
	}
	errno = 0;
	v = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || v < 1 ||
		v > DDB_MAX_TOTAL_SEGMENTS)
		return false;
	*result = (int) v;
	return true;
}

static bool
parse_duration(const char *value, int *result, const char **hint)
{
	return parse_int(value, result, GUC_UNIT_MS, hint) && *result >= 0;
}

static bool
parse_retries(const char *value, int *result)
{
	const char *hint;

	return parse_int(value, result, 0, &hint) && *result >= 0 &&
		*result <= MAX_RETRIES_LIMIT;
}

static bool
parse_rate(const char *value, double *result)
{
	return parse_real(value, result, 0, NULL) && *result > 0 && *result <= 1e9;
}

static bool
parse_session_duration(const char *value, int *result, const char **hint)
{
	return parse_int(value, result, GUC_UNIT_S, hint) &&
		*result >= 900 && *result <= 43200;
}

static bool
all_chars_in(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!isalnum((unsigned char) *s) && strchr(extra, *s) == NULL)
			return false;
	return true;
}

/* Checks one option's value; raises an error naming what is allowed. */
static void
check_option_value(const DdbOption *opt, DefElem *def)
{
	const char *value = defGetString(def);
	size_t		len = strlen(value);

	switch (opt->kind)
	{
		case OPT_REGION:
			if (len == 0 || len > 50 || !all_chars_in(value, "-"))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"%s\": \"%s\"",
								opt->name, value),
						 errhint("A region name is letters, digits and dashes, such as \"eu-west-1\".")));
			break;
		case OPT_ENDPOINT:
			{
				DdbEndpoint ep;
				DdbAwsError err;

				ddb_aws_error_clear(&err);
				if (!ddb_endpoint_parse(value, &ep, &err))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("invalid value for option \"%s\": %s",
									opt->name, err.message),
							 errhint("Use an http:// or https:// URL such as \"https://dynamodb.eu-west-1.amazonaws.com\" or \"http://127.0.0.1:8000\".")));
				ddb_endpoint_free(&ep);
				break;
			}
		case OPT_DURATION:
			{
				int			ms;
				const char *hint = NULL;

				if (!parse_duration(value, &ms, &hint))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("invalid value for option \"%s\": \"%s\"",
									opt->name, value),
							 hint ? errhint("%s", hint) :
							 strncmp(opt->name, "retry_", 6) == 0 ?
							 errhint("Use a non-negative duration such as \"25ms\" or \"20s\"; a number without a unit is milliseconds.") :
							 errhint("Use a non-negative duration such as \"5s\" or \"500ms\"; a number without a unit is milliseconds, 0 means no limit.")));
				break;
			}
		case OPT_PAGE_SIZE:
			{
				int			ps;

				if (!parse_page_size(value, &ps))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("invalid value for option \"page_size\": \"%s\"",
									value),
							 errhint("Use \"auto\", \"max\" or a number of items between 1 and 1000000.")));
				break;
			}
		case OPT_SEGMENTS:
			{
				int			n;

				if (!parse_segments(value, &n))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("invalid value for option \"segments\": \"%s\"",
									value),
							 errhint("Use \"auto\" or a number of segments between 1 and %d.",
									 DDB_MAX_TOTAL_SEGMENTS)));
				break;
			}
		case OPT_TABLE_NAME:
			/* a plain table name, or a table ARN (accepted by DynamoDB) */
			if (!((len >= 3 && len <= 255 && all_chars_in(value, "_.-")) ||
				  (strncmp(value, "arn:", 4) == 0 && len <= 1024 &&
				   all_chars_in(value, "_.-:/"))))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"table_name\": \"%s\"",
								value),
						 errhint("DynamoDB table names are 3 to 255 letters, digits, underscores, dots and dashes.")));
			break;
		case OPT_INDEX_NAME:
			if (!(len >= 3 && len <= 255 && all_chars_in(value, "_.-")))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"index_name\": \"%s\"",
								value),
						 errhint("DynamoDB index names are 3 to 255 letters, digits, underscores, dots and dashes.")));
			break;
		case OPT_ATTRIBUTE_NAME:
			if (len == 0 || len > 65535)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"%s\": an attribute name must not be empty",
								opt->name)));
			break;
		case OPT_BOOL:
			(void) defGetBoolean(def);
			break;
		case OPT_ACCESS_KEY:
			if (len < 16 || len > 128 || !all_chars_in(value, ""))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"access_key_id\""),
						 errhint("An AWS access key id is 16 to 128 letters and digits.")));
			break;
		case OPT_ROLE_ARN:
			/* arn:<partition>:iam::<account>:role/<path and name> */
			if (len < 20 || len > 2048 || strncmp(value, "arn:", 4) != 0 ||
				strstr(value, ":iam::") == NULL || strstr(value, ":role/") == NULL ||
				!all_chars_in(value, "_+=,.@:/-"))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"role_arn\": \"%s\"", value),
						 errhint("Use an IAM role ARN such as \"arn:aws:iam::123456789012:role/reader\".")));
			break;
		case OPT_EXTERNAL_ID:
			/* like a secret: not echoed */
			if (len < 2 || len > 1224 || !all_chars_in(value, "_+=,.@:/-"))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"external_id\""),
						 errhint("An external id is 2 to 1224 letters, digits and the characters _+=,.@:/-.")));
			break;
		case OPT_SESSION_NAME:
			if (!ddb_valid_session_name(value))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"role_session_name\": \"%s\"", value),
						 errhint("A role session name is 2 to 64 letters, digits and the characters _+=,.@-.")));
			break;
		case OPT_SESSION_DURATION:
			{
				int			secs;
				const char *hint = NULL;

				if (!parse_session_duration(value, &secs, &hint))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("invalid value for option \"session_duration\": \"%s\"", value),
							 errhint("Use a duration between 900 seconds (15min) and 43200 seconds (12h); a number without a unit is seconds.")));
				break;
			}
		case OPT_AMBIENT_SOURCES:
			{
				unsigned	bits;

				if (!ddb_parse_ambient_sources(value, &bits))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("invalid value for option \"ambient_sources\": \"%s\"", value),
							 errhint("Use a comma-separated list of environment, web_identity, container and imds, or all.")));
				break;
			}
		case OPT_RETRIES:
			{
				int			n;

				if (!parse_retries(value, &n))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("invalid value for option \"%s\": \"%s\"", opt->name, value),
							 errhint("Use a number of retries between 0 and %d.", MAX_RETRIES_LIMIT)));
				break;
			}
		case OPT_BATCH_SIZE:
			{
				int			n;
				const char *hint;

				if (!parse_int(value, &n, 0, &hint) || n < 1 || n > 10000)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("invalid value for option \"%s\": \"%s\"", opt->name, value),
							 errhint("Use a number of rows between 1 and 10000.")));
				break;
			}
		case OPT_RATE:
			{
				double		r;

				if (!parse_rate(value, &r))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("invalid value for option \"%s\": \"%s\"", opt->name, value),
							 errhint("Use a positive number of read capacity units per second, such as \"100\" or \"2.5\".")));
				break;
			}
		case OPT_SECRET:
			/* never echo a secret back, not even a malformed one */
			if (len == 0 || strpbrk(value, "\r\n") != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"%s\"", opt->name),
						 errhint("The value must be non-empty and on one line.")));
			break;
	}
}

/* Whether options holds an option named name. */
static bool
has_option(List *options, const char *name)
{
	ListCell   *lc;

	foreach(lc, options)
		if (strcmp(((DefElem *) lfirst(lc))->defname, name) == 0)
			return true;
	return false;
}

/*
 * A user mapping's keys come in pairs: access_key_id with
 * secret_access_key, session_token only with both.  Raises an error naming
 * the missing option (for the mapping of server servername, when given).
 */
static void
check_mapping_keys(List *options, const char *servername)
{
	bool		akid = has_option(options, "access_key_id");
	bool		secret = has_option(options, "secret_access_key");
	const char *missing = NULL;
	const char *present = NULL;

	if (akid && !secret)
		missing = "secret_access_key", present = "access_key_id";
	else if (secret && !akid)
		missing = "access_key_id", present = "secret_access_key";
	else if (has_option(options, "session_token") && !akid)
		missing = "access_key_id", present = "session_token";
	if (missing == NULL)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
			 servername ?
			 errmsg("user mapping for server \"%s\" has option \"%s\" but not \"%s\"",
					servername, present, missing) :
			 errmsg("user mapping option \"%s\" needs option \"%s\"", present, missing),
			 errhint("Set access_key_id and secret_access_key together (and session_token only with them); without keys, only a superuser's grant of use_ambient_credentials lets the mapping sign requests.")));
}

/*
 * Validates the options of a CREATE/ALTER of a wrapper, server, user
 * mapping, foreign table or column.
 */
Datum
ddb_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);
	ListCell   *lc;
	bool		has_attribute_name = false;
	bool		whole_item = false;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		const DdbOption *opt = find_option(def->defname, catalog);

		if (opt == NULL)
		{
			char	   *valid = valid_options_list(catalog);

			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\"", def->defname),
					 valid[0] ? errhint("Valid options in this context are: %s", valid) :
					 errhint("There are no valid options in this context.")));
		}
		if (opt->superuser_only && !superuser())
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("only superusers can set option \"%s\"", opt->name),
					 errdetail("The option decides where requests go or which AWS identity of the database host signs them.")));
		check_option_value(opt, def);
		if (strcmp(opt->name, "attribute_name") == 0)
			has_attribute_name = true;
		else if (strcmp(opt->name, "whole_item") == 0)
			whole_item = defGetBoolean(def);
	}
	if (catalog == UserMappingRelationId)
		check_mapping_keys(options, NULL);
	if (has_attribute_name && whole_item)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options \"attribute_name\" and \"whole_item\" cannot be used together"),
				 errdetail("A whole_item column holds the entire item, not one attribute.")));
	PG_RETURN_VOID();
}

/* ----------------------------------------------------------------
 * Reading options
 * ----------------------------------------------------------------
 */
static void
apply_server_option(DefElem *def, DdbOptions *opts)
{
	const char *hint;

	if (strcmp(def->defname, "region") == 0)
		opts->region = defGetString(def);
	else if (strcmp(def->defname, "endpoint") == 0)
		opts->endpoint = defGetString(def);
	else if (strcmp(def->defname, "connect_timeout") == 0)
		(void) parse_duration(defGetString(def), &opts->connect_timeout_ms, &hint);
	else if (strcmp(def->defname, "request_timeout") == 0)
		(void) parse_duration(defGetString(def), &opts->request_timeout_ms, &hint);
	else if (strcmp(def->defname, "max_retries") == 0)
		(void) parse_retries(defGetString(def), &opts->max_retries);
	else if (strcmp(def->defname, "retry_base_delay") == 0)
		(void) parse_duration(defGetString(def), &opts->retry_base_ms, &hint);
	else if (strcmp(def->defname, "retry_max_delay") == 0)
		(void) parse_duration(defGetString(def), &opts->retry_max_ms, &hint);
	else if (strcmp(def->defname, "max_read_units_per_second") == 0)
		(void) parse_rate(defGetString(def), &opts->max_read_units_per_second);
	else if (strcmp(def->defname, "page_size") == 0)
		(void) parse_page_size(defGetString(def), &opts->page_size);
	else if (strcmp(def->defname, "segments") == 0)
		(void) parse_segments(defGetString(def), &opts->segments);
	else if (strcmp(def->defname, "role_arn") == 0)
		opts->role_arn = defGetString(def);
	else if (strcmp(def->defname, "external_id") == 0)
		opts->external_id = defGetString(def);
	else if (strcmp(def->defname, "role_session_name") == 0)
		opts->role_session_name = defGetString(def);
	else if (strcmp(def->defname, "session_duration") == 0)
		(void) parse_session_duration(defGetString(def), &opts->session_duration, &hint);
	else if (strcmp(def->defname, "sts_endpoint") == 0)
		opts->sts_endpoint = defGetString(def);
	else if (strcmp(def->defname, "streams_endpoint") == 0)
		opts->streams_endpoint = defGetString(def);
	else if (strcmp(def->defname, "use_ambient_credentials") == 0)
		opts->use_ambient_credentials = defGetBoolean(def);
	else if (strcmp(def->defname, "ambient_sources") == 0)
		(void) ddb_parse_ambient_sources(defGetString(def), &opts->ambient_sources);
}

void
ddb_get_server_options(ForeignServer *server, DdbOptions *opts)
{
	ListCell   *lc;

	memset(opts, 0, sizeof(*opts));
	opts->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
	opts->request_timeout_ms = DEFAULT_REQUEST_TIMEOUT_MS;
	opts->max_retries = DEFAULT_MAX_RETRIES;
	opts->retry_base_ms = DEFAULT_RETRY_BASE_MS;
	opts->retry_max_ms = DEFAULT_RETRY_MAX_MS;
	opts->page_size = DDB_PAGE_SIZE_AUTO;
	opts->segments = DDB_SEGMENTS_AUTO;
	opts->session_duration = DEFAULT_SESSION_DURATION;
	opts->ambient_sources = DDB_AMBIENT_ALL;
	opts->batch_size = 25;
	foreach(lc, server->options)
		apply_server_option((DefElem *) lfirst(lc), opts);
	if (opts->region == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("foreign server \"%s\" has no option \"region\"",
						server->servername),
				 errhint("Set it with ALTER SERVER %s OPTIONS (ADD region 'eu-west-1').",
						 quote_identifier(server->servername))));
}

/*
 * Resolves the options of a foreign table together with its server's.
 * Strings point into the catalog copies (palloc'd in the current context).
 */
void
ddb_get_options(Oid foreigntableid, DdbOptions *opts)
{
	ForeignTable *table = GetForeignTable(foreigntableid);
	ForeignServer *server = GetForeignServer(table->serverid);
	ListCell   *lc;

	ddb_get_server_options(server, opts);
	foreach(lc, table->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "table_name") == 0)
			opts->table_name = defGetString(def);
		else if (strcmp(def->defname, "partition_key") == 0)
			opts->partition_key = defGetString(def);
		else if (strcmp(def->defname, "sort_key") == 0)
			opts->sort_key = defGetString(def);
		else if (strcmp(def->defname, "page_size") == 0)
			(void) parse_page_size(defGetString(def), &opts->page_size);
		else if (strcmp(def->defname, "segments") == 0)
			(void) parse_segments(defGetString(def), &opts->segments);
		else if (strcmp(def->defname, "index_name") == 0)
			opts->index_name = defGetString(def);
		else if (strcmp(def->defname, "consistent_read") == 0)
			opts->consistent_read = defGetBoolean(def);
		else if (strcmp(def->defname, "max_read_units_per_second") == 0)
			(void) parse_rate(defGetString(def), &opts->max_read_units_per_second);
		else if (strcmp(def->defname, "overwrite") == 0)
			opts->overwrite = defGetBoolean(def);
		else if (strcmp(def->defname, "batch_size") == 0)
			opts->batch_size = pg_strtoint32(defGetString(def));
	}
	/* without table_name, the foreign table's own name is the table's */
	if (opts->table_name == NULL)
		opts->table_name = get_rel_name(foreigntableid);
}

void
ddb_get_column_options(Oid relid, AttrNumber attnum, DdbColumnOptions *col)
{
	List	   *options = GetForeignColumnOptions(relid, attnum);
	ListCell   *lc;

	col->attribute_name = NULL;
	col->whole_item = false;
	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "attribute_name") == 0)
			col->attribute_name = defGetString(def);
		else if (strcmp(def->defname, "whole_item") == 0)
			col->whole_item = defGetBoolean(def);
	}
	if (col->attribute_name == NULL && !col->whole_item)
		col->attribute_name = get_attname(relid, attnum, false);
}

/*
 * Whether user is the PUBLIC mapping (GetUserMapping() falls back to it and
 * reports the role asked for, so the catalog row tells).
 */
static bool
mapping_is_public(UserMapping *user)
{
	HeapTuple	tup = SearchSysCache1(USERMAPPINGOID, ObjectIdGetDatum(user->umid));
	bool		public;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for user mapping %u", user->umid);
	public = !OidIsValid(((Form_pg_user_mapping) GETSTRUCT(tup))->umuser);
	ReleaseSysCache(tup);
	return public;
}

/*
 * The user mapping's credentials: its keys, or the superuser's grant of the
 * host identity.  Checked again here, at use (the mapping may predate the
 * rules): keys come in pairs, and the host identity is granted to a role,
 * never to PUBLIC; each violation is an error naming the mapping.
 */
void
ddb_get_user_credentials(ForeignServer *server, UserMapping *user,
						 DdbUserCredentials *creds)
{
	ListCell   *lc;

	memset(creds, 0, sizeof(*creds));
	if (user == NULL)
		return;
	check_mapping_keys(user->options, server->servername);
	foreach(lc, user->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "access_key_id") == 0)
			creds->access_key_id = defGetString(def);
		else if (strcmp(def->defname, "secret_access_key") == 0)
			creds->secret_access_key = defGetString(def);
		else if (strcmp(def->defname, "session_token") == 0)
			creds->session_token = defGetString(def);
		else if (strcmp(def->defname, "use_ambient_credentials") == 0)
			creds->use_ambient_credentials = defGetBoolean(def);
		else if (strcmp(def->defname, "ambient_sources") == 0)
		{
			creds->has_ambient_sources = true;
			(void) ddb_parse_ambient_sources(defGetString(def), &creds->ambient_sources);
		}
	}
	if (creds->access_key_id == NULL && creds->use_ambient_credentials &&
		mapping_is_public(user))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("the database host's AWS identity cannot be granted to PUBLIC"),
				 errdetail("The user mapping for PUBLIC on server \"%s\" has option \"use_ambient_credentials\".",
						   server->servername),
				 errhint("A superuser grants it to one role at a time, with that role's own user mapping.")));
}

const char *
ddb_page_size_name(int page_size, char *buf, size_t len)
{
	if (page_size == DDB_PAGE_SIZE_AUTO)
		return "auto";
	if (page_size == DDB_PAGE_SIZE_MAX)
		return "max";
	snprintf(buf, len, "%d", page_size);
	return buf;
}

const char *
ddb_segments_name(int segments, char *buf, size_t len)
{
	if (segments == DDB_SEGMENTS_AUTO)
		return "auto";
	snprintf(buf, len, "%d", segments);
	return buf;
}
