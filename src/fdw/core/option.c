/*-------------------------------------------------------------------------
 *
 * option.c
 *		Every ddb_fdw option in one table, the one validator, and the
 *		reading of options into DdbOptions.
 *
 * One row per option: the catalog it belongs to, its kind (which decides
 * how it is parsed and where its value goes), whether only superusers may
 * set it, where it is stored in DdbOptions, and the hint an invalid value
 * gets.  The validator and the readers both work from the table; there is
 * no other list of options.
 *
 * IDENTIFICATION
 *		src/fdw/core/option.c
 *
 *-------------------------------------------------------------------------
 */
#include "ddb_fdw.h"

#include <stddef.h>

#include "access/htup_details.h"
#include "access/reloptions.h"
#include "catalog/pg_attribute.h"
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

/* How an option's value is parsed, and what it becomes. */
typedef enum DdbOptionKind
{
	/* strings (char *) */
	OPT_REGION,
	OPT_ENDPOINT,
	OPT_TABLE_NAME,
	OPT_INDEX_NAME,
	OPT_ATTRIBUTE_NAME,
	OPT_ROLE_ARN,
	OPT_EXTERNAL_ID,
	OPT_SESSION_NAME,
	OPT_SECRET,
	OPT_ACCESS_KEY,
	/* int */
	OPT_DURATION,				/* milliseconds, with optional unit */
	OPT_SESSION_DURATION,		/* seconds */
	OPT_PAGE_SIZE,
	OPT_SEGMENTS,
	OPT_RETRIES,
	OPT_BATCH_SIZE,
	OPT_CONCURRENCY,			/* int: concurrent_queries */
	/* others */
	OPT_BOOL,
	OPT_RATE,					/* double */
	OPT_READ_UNITS,				/* double, 0 allowed */
	OPT_TIME_FORMAT,			/* int: DdbTimeFormat */
	OPT_AMBIENT_SOURCES,		/* unsigned */
	OPT_WRITE_MODE				/* bool: 'transaction' */
} DdbOptionKind;

#define NOT_STORED ((size_t) -1)	/* read by its own code */

typedef struct DdbOption
{
	const char *name;
	Oid			context;		/* catalog the option belongs to */
	DdbOptionKind kind;
	bool		superuser_only; /* it decides where requests go or whose
								 * identity signs them */
	size_t		offset;			/* in DdbOptions, or NOT_STORED */
	const char *hint;			/* for an invalid value */
} DdbOption;

#define SRV ForeignServerRelationId
#define UM UserMappingRelationId
#define FT ForeignTableRelationId
#define COL AttributeRelationId
#define AT(field) offsetof(DdbOptions, field)

static const char hint_duration[] =
"Use a non-negative duration such as \"5s\" or \"500ms\"; a number without a unit is milliseconds, 0 means no limit.";
static const char hint_delay[] =
"Use a non-negative duration such as \"25ms\" or \"20s\"; a number without a unit is milliseconds.";
static const char hint_page_size[] =
"Use \"auto\", \"max\" or a number of items between 1 and 1000000.";
static const char hint_segments[] =
"Use \"auto\" or a number of segments between 1 and 1000000.";
static const char hint_write_mode[] =
"Use \"statement\" (each statement writes as it runs) or \"transaction\" (the writes of a transaction are sent together at commit).";
static const char hint_rate[] =
"Use a positive number of read capacity units per second, such as \"100\" or \"2.5\".";

static const char hint_concurrency[] =
"Use a number of Queries between 1 and 16.";

static const char hint_read_units[] =
"Use a number of read capacity units, such as \"10000\"; 0 turns the limit off.";

static const DdbOption ddb_options[] = {
	/* server */
	{"region", SRV, OPT_REGION, false, AT(region),
	"A region name is letters, digits and dashes, such as \"eu-west-1\"."},
	{"endpoint", SRV, OPT_ENDPOINT, true, AT(endpoint), NULL},
	{"connect_timeout", SRV, OPT_DURATION, false, AT(connect_timeout_ms), hint_duration},
	{"request_timeout", SRV, OPT_DURATION, false, AT(request_timeout_ms), hint_duration},
	{"max_retries", SRV, OPT_RETRIES, false, AT(max_retries),
	"Use a number of retries between 0 and 100."},
	{"retry_base_delay", SRV, OPT_DURATION, false, AT(retry_base_ms), hint_delay},
	{"retry_max_delay", SRV, OPT_DURATION, false, AT(retry_max_ms), hint_delay},
	{"max_read_units_per_second", SRV, OPT_RATE, false, AT(max_read_units_per_second), hint_rate},
	{"max_scan_read_units", SRV, OPT_READ_UNITS, false, AT(max_scan_read_units), hint_read_units},
	{"page_size", SRV, OPT_PAGE_SIZE, false, AT(page_size), hint_page_size},
	{"segments", SRV, OPT_SEGMENTS, false, AT(segments), hint_segments},
	{"role_arn", SRV, OPT_ROLE_ARN, false, AT(role_arn),
	"Use an IAM role ARN such as \"arn:aws:iam::123456789012:role/reader\"."},
	{"external_id", SRV, OPT_EXTERNAL_ID, false, AT(external_id),
	"An external id is 2 to 1224 letters, digits and the characters _+=,.@:/-."},
	{"role_session_name", SRV, OPT_SESSION_NAME, false, AT(role_session_name),
	"A role session name is 2 to 64 letters, digits and the characters _+=,.@-."},
	{"session_duration", SRV, OPT_SESSION_DURATION, false, AT(session_duration),
	"Use a duration between 900 seconds (15min) and 43200 seconds (12h); a number without a unit is seconds."},
	{"sts_endpoint", SRV, OPT_ENDPOINT, true, AT(sts_endpoint), NULL},
	{"streams_endpoint", SRV, OPT_ENDPOINT, true, AT(streams_endpoint), NULL},
	/* 1.0's grant of the host identity: accepted, grants nothing */
	{"use_ambient_credentials", SRV, OPT_BOOL, true, AT(use_ambient_credentials), NULL},
	{"ambient_sources", SRV, OPT_AMBIENT_SOURCES, true, AT(ambient_sources),
	"Use a comma-separated list of environment, web_identity, container and imds, or all."},
	{"write_mode", SRV, OPT_WRITE_MODE, false, AT(write_transaction), hint_write_mode},
	{"concurrent_queries", SRV, OPT_CONCURRENCY, false, AT(concurrent_queries), hint_concurrency},
	/* user mapping (read by ddb_get_user_credentials) */
	{"access_key_id", UM, OPT_ACCESS_KEY, false, NOT_STORED,
	"An AWS access key id is 16 to 128 letters and digits."},
	{"secret_access_key", UM, OPT_SECRET, false, NOT_STORED,
	"The value must be non-empty and on one line."},
	{"session_token", UM, OPT_SECRET, false, NOT_STORED,
	"The value must be non-empty and on one line."},
	/* the database host's own identity, granted to this mapping's role */
	{"use_ambient_credentials", UM, OPT_BOOL, true, NOT_STORED, NULL},
	{"ambient_sources", UM, OPT_AMBIENT_SOURCES, true, NOT_STORED,
	"Use a comma-separated list of environment, web_identity, container and imds, or all."},
	/* foreign table */
	{"table_name", FT, OPT_TABLE_NAME, false, AT(table_name),
	"DynamoDB table names are 3 to 255 letters, digits, underscores, dots and dashes."},
	{"partition_key", FT, OPT_ATTRIBUTE_NAME, false, AT(partition_key), NULL},
	{"sort_key", FT, OPT_ATTRIBUTE_NAME, false, AT(sort_key), NULL},
	{"page_size", FT, OPT_PAGE_SIZE, false, AT(page_size), hint_page_size},
	{"segments", FT, OPT_SEGMENTS, false, AT(segments), hint_segments},
	{"index_name", FT, OPT_INDEX_NAME, false, AT(index_name),
	"DynamoDB index names are 3 to 255 letters, digits, underscores, dots and dashes."},
	{"consistent_read", FT, OPT_BOOL, false, AT(consistent_read), NULL},
	{"max_read_units_per_second", FT, OPT_RATE, false, AT(max_read_units_per_second), hint_rate},
	{"max_scan_read_units", FT, OPT_READ_UNITS, false, AT(max_scan_read_units), hint_read_units},
	{"overwrite", FT, OPT_BOOL, false, AT(overwrite), NULL},
	{"batch_size", FT, OPT_BATCH_SIZE, false, AT(batch_size),
	"Use a number of rows between 1 and 10000."},
	{"write_mode", FT, OPT_WRITE_MODE, false, AT(write_transaction), hint_write_mode},
	{"concurrent_queries", FT, OPT_CONCURRENCY, false, AT(concurrent_queries), hint_concurrency},
	/* column (read by ddb_get_column_options) */
	{"attribute_name", COL, OPT_ATTRIBUTE_NAME, false, NOT_STORED, NULL},
	{"whole_item", COL, OPT_BOOL, false, NOT_STORED, NULL},
	{"format", COL, OPT_TIME_FORMAT, false, NOT_STORED,
	"Use epoch_seconds, epoch_millis or iso8601."},
	{"unmapped_only", COL, OPT_BOOL, false, NOT_STORED, NULL},
};

/* The values of the column option "format", by DdbTimeFormat. */
static const char *const time_format_names[] = {
	"default", "epoch_seconds", "epoch_millis", "iso8601"
};

/* ddb_fdw.max_scan_read_units */
double		ddb_max_scan_read_units = 0;

/* Defaults of DdbOptions. */
#define DEFAULT_CONNECT_TIMEOUT_MS 10000
#define DEFAULT_SESSION_DURATION 3600
#define DEFAULT_REQUEST_TIMEOUT_MS 30000
/* as the AWS SDKs retry DynamoDB: 10 retries, 25 ms base, 20 s cap */
#define DEFAULT_MAX_RETRIES 10
#define DEFAULT_RETRY_BASE_MS 25
#define DEFAULT_RETRY_MAX_MS 20000
#define DEFAULT_BATCH_SIZE 25

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

/* ----------------------------------------------------------------
 * Parsing values
 * ----------------------------------------------------------------
 */

/* A parsed value; which member is set depends on the kind. */
typedef union OptionValue
{
	char	   *s;
	int			i;
	bool		b;
	double		d;
	unsigned	u;
} OptionValue;

/* Why a value is invalid, when more than the option's hint says. */
typedef struct OptionProblem
{
	const char *message;		/* replaces the quoted value in errmsg */
	const char *hint;			/* replaces the option's hint */
} OptionProblem;

static bool
all_chars_in(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!isalnum((unsigned char) *s) && strchr(extra, *s) == NULL)
			return false;
	return true;
}

/*
 * An integer with an optional unit (GUC_UNIT_MS, GUC_UNIT_S, 0) in
 * [min, max]; with unit_hint, parse_int's own hint (a unit it does not
 * know) goes into problem.
 */
static bool
parse_int_range(const char *value, int unit, int min, int max, int *out,
				bool unit_hint, OptionProblem *problem)
{
	const char *hint = NULL;

	if (!parse_int(value, out, unit, &hint) || *out < min || *out > max)
	{
		if (unit_hint)
			problem->hint = hint;
		return false;
	}
	return true;
}

/* "auto"/"max" or a count (page_size), "auto" or a count (segments). */
static bool
parse_count(const char *value, bool max_allowed, long limit, int *out)
{
	char	   *end;
	long		v;

	if (pg_strcasecmp(value, "auto") == 0)
	{
		*out = max_allowed ? DDB_PAGE_SIZE_AUTO : DDB_SEGMENTS_AUTO;
		return true;
	}
	if (max_allowed && pg_strcasecmp(value, "max") == 0)
	{
		*out = DDB_PAGE_SIZE_MAX;
		return true;
	}
	errno = 0;
	v = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || v < 1 || v > limit)
		return false;
	*out = (int) v;
	return true;
}

/*
 * Parses value as an option of kind into *out; false (with *problem when
 * there is more to say than the option's hint) when it is invalid.
 */
static bool
parse_value(DdbOptionKind kind, DefElem *def, OptionValue *out, OptionProblem *problem)
{
	const char *value = defGetString(def);
	size_t		len = strlen(value);

	out->s = (char *) value;
	switch (kind)
	{
		case OPT_REGION:
			return len > 0 && len <= 50 && all_chars_in(value, "-");
		case OPT_ENDPOINT:
			{
				DdbEndpoint ep;
				DdbAwsError err;

				ddb_aws_error_clear(&err);
				if (!ddb_endpoint_parse(value, &ep, &err))
				{
					problem->message = pstrdup(err.message);
					problem->hint = "Use an https:// URL such as \"https://dynamodb.eu-west-1.amazonaws.com\", or http:// to a loopback address such as \"http://127.0.0.1:8000\".";
					return false;
				}
				ddb_endpoint_free(&ep);
				return true;
			}
		case OPT_TABLE_NAME:
			/* a plain table name, or a table ARN (accepted by DynamoDB) */
			return (len >= 3 && len <= 255 && all_chars_in(value, "_.-")) ||
				(strncmp(value, "arn:", 4) == 0 && len <= 1024 &&
				 all_chars_in(value, "_.-:/"));
		case OPT_INDEX_NAME:
			return len >= 3 && len <= 255 && all_chars_in(value, "_.-");
		case OPT_ATTRIBUTE_NAME:
			problem->message = "an attribute name must not be empty";
			return len > 0 && len <= 65535;
		case OPT_ROLE_ARN:
			/* arn:<partition>:iam::<account>:role/<path and name> */
			return len >= 20 && len <= 2048 && strncmp(value, "arn:", 4) == 0 &&
				strstr(value, ":iam::") != NULL && strstr(value, ":role/") != NULL &&
				all_chars_in(value, "_+=,.@:/-");
		case OPT_EXTERNAL_ID:
			return len >= 2 && len <= 1224 && all_chars_in(value, "_+=,.@:/-");
		case OPT_SESSION_NAME:
			return ddb_valid_session_name(value);
		case OPT_SECRET:
			return len > 0 && strpbrk(value, "\r\n") == NULL;
		case OPT_ACCESS_KEY:
			return len >= 16 && len <= 128 && all_chars_in(value, "");
		case OPT_DURATION:
			return parse_int_range(value, GUC_UNIT_MS, 0, INT_MAX, &out->i, true, problem);
		case OPT_SESSION_DURATION:
			return parse_int_range(value, GUC_UNIT_S, 900, 43200, &out->i, false, problem);
		case OPT_PAGE_SIZE:
			return parse_count(value, true, 1000000, &out->i);
		case OPT_SEGMENTS:
			return parse_count(value, false, DDB_MAX_TOTAL_SEGMENTS, &out->i);
		case OPT_RETRIES:
			return parse_int_range(value, 0, 0, 100, &out->i, false, problem);
		case OPT_BATCH_SIZE:
			return parse_int_range(value, 0, 1, 10000, &out->i, false, problem);
		case OPT_CONCURRENCY:
			return parse_int_range(value, 0, 1, DDB_MAX_CONCURRENT_QUERIES, &out->i,
								   false, problem);
		case OPT_BOOL:
			out->b = defGetBoolean(def);	/* raises its own error */
			return true;
		case OPT_RATE:
			return parse_real(value, &out->d, 0, NULL) && out->d > 0 && out->d <= 1e9;
		case OPT_AMBIENT_SOURCES:
			return ddb_parse_ambient_sources(value, &out->u);
		case OPT_READ_UNITS:
			return parse_real(value, &out->d, 0, NULL) && out->d >= 0 && out->d <= 1e15;
		case OPT_TIME_FORMAT:
			{
				int			f;

				for (f = DDB_FORMAT_EPOCH_SECONDS; f < (int) lengthof(time_format_names); f++)
					if (strcmp(value, time_format_names[f]) == 0)
					{
						out->i = f;
						return true;
					}
				return false;
			}
		case OPT_WRITE_MODE:
			out->b = pg_strcasecmp(value, "transaction") == 0;
			return out->b || pg_strcasecmp(value, "statement") == 0;
	}
	return false;
}

/* Whether an invalid value of this kind may be echoed in a message. */
static bool
echo_value(DdbOptionKind kind)
{
	return kind != OPT_SECRET && kind != OPT_ACCESS_KEY && kind != OPT_EXTERNAL_ID;
}

/* Parses def as option opt; raises an error naming what is allowed. */
static void
check_option(const DdbOption *opt, DefElem *def, OptionValue *out)
{
	OptionProblem problem = {NULL, NULL};

	if (parse_value(opt->kind, def, out, &problem))
		return;
	if (!echo_value(opt->kind))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\"", opt->name),
				 errhint("%s", opt->hint)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 problem.message ?
			 errmsg("invalid value for option \"%s\": %s", opt->name, problem.message) :
			 errmsg("invalid value for option \"%s\": \"%s\"", opt->name, defGetString(def)),
			 problem.hint ? errhint("%s", problem.hint) :
			 opt->hint ? errhint("%s", opt->hint) : 0));
}

/* Stores a parsed value where the option goes in DdbOptions. */
static void
store_option(const DdbOption *opt, const OptionValue *v, DdbOptions *opts)
{
	void	   *p = (char *) opts + opt->offset;

	if (opt->offset == NOT_STORED)
		return;
	switch (opt->kind)
	{
		case OPT_BOOL:
		case OPT_WRITE_MODE:
			*(bool *) p = v->b;
			break;
		case OPT_RATE:
		case OPT_READ_UNITS:
			*(double *) p = v->d;
			break;
		case OPT_AMBIENT_SOURCES:
			*(unsigned *) p = v->u;
			break;
		case OPT_DURATION:
		case OPT_SESSION_DURATION:
		case OPT_PAGE_SIZE:
		case OPT_SEGMENTS:
		case OPT_RETRIES:
		case OPT_BATCH_SIZE:
		case OPT_CONCURRENCY:
		case OPT_TIME_FORMAT:
			*(int *) p = v->i;
			break;
		default:
			*(char **) p = v->s;
			break;
	}
}

/* ----------------------------------------------------------------
 * The validator
 * ----------------------------------------------------------------
 */

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

/* Whether options set the boolean option name to true. */
static bool
bool_option(List *options, const char *name)
{
	ListCell   *lc;

	foreach(lc, options)
		if (strcmp(((DefElem *) lfirst(lc))->defname, name) == 0)
			return defGetBoolean(lfirst(lc));
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

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		const DdbOption *opt = find_option(def->defname, catalog);
		OptionValue v;

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
		check_option(opt, def, &v);
	}
	if (catalog == UserMappingRelationId)
		check_mapping_keys(options, NULL);
	if (catalog == AttributeRelationId && has_option(options, "attribute_name") &&
		has_option(options, "whole_item"))
	{
		foreach(lc, options)
			if (strcmp(((DefElem *) lfirst(lc))->defname, "whole_item") == 0 &&
				defGetBoolean(lfirst(lc)))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("options \"attribute_name\" and \"whole_item\" cannot be used together"),
						 errdetail("A whole_item column holds the entire item, not one attribute.")));
	}
	if (catalog == AttributeRelationId && bool_option(options, "unmapped_only") &&
		!bool_option(options, "whole_item"))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"unmapped_only\" needs option \"whole_item\""),
				 errdetail("unmapped_only 'true' makes a whole_item column hold only the attributes no other column reads.")));
	PG_RETURN_VOID();
}

/* ----------------------------------------------------------------
 * Reading options
 * ----------------------------------------------------------------
 */

/* Stores a catalog's stored options (already validated) into opts. */
static void
apply_options(List *options, Oid context, DdbOptions *opts)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		const DdbOption *opt = find_option(def->defname, context);
		OptionValue v;
		OptionProblem problem = {NULL, NULL};

		/* an option of an older version, or one that no longer parses */
		if (opt == NULL || !parse_value(opt->kind, def, &v, &problem))
			continue;
		store_option(opt, &v, opts);
	}
}

void
ddb_get_server_options(ForeignServer *server, DdbOptions *opts)
{
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
	opts->batch_size = DEFAULT_BATCH_SIZE;
	opts->concurrent_queries = DDB_DEFAULT_CONCURRENT_QUERIES;
	opts->max_scan_read_units = DDB_READ_UNITS_UNSET;
	apply_options(server->options, ForeignServerRelationId, opts);
	if (opts->region == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("foreign server \"%s\" has no option \"region\"",
						server->servername),
				 errhint("Set it with ALTER SERVER %s OPTIONS (ADD region 'eu-west-1').",
						 quote_identifier(server->servername))));
}

/*
 * Resolves the options of a foreign table together with its server's (the
 * table's win).  Strings point into the catalog copies (palloc'd in the
 * current context).  Callers use the table mapping (mapping.c), which
 * calls this once.
 */
void
ddb_get_options(Oid foreigntableid, DdbOptions *opts)
{
	ForeignTable *table = GetForeignTable(foreigntableid);
	ForeignServer *server = GetForeignServer(table->serverid);

	ddb_get_server_options(server, opts);
	apply_options(table->options, ForeignTableRelationId, opts);
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
	col->format = DDB_FORMAT_DEFAULT;
	col->unmapped_only = false;
	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "attribute_name") == 0)
			col->attribute_name = defGetString(def);
		else if (strcmp(def->defname, "whole_item") == 0)
			col->whole_item = defGetBoolean(def);
		else if (strcmp(def->defname, "format") == 0)
		{
			OptionValue v;
			OptionProblem problem = {NULL, NULL};

			if (parse_value(OPT_TIME_FORMAT, def, &v, &problem))
				col->format = (DdbTimeFormat) v.i;
		}
		else if (strcmp(def->defname, "unmapped_only") == 0)
			col->unmapped_only = defGetBoolean(def);
	}
	if (!col->whole_item)
		col->unmapped_only = false;
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
ddb_time_format_name(DdbTimeFormat format)
{
	return time_format_names[format];
}

const char *
ddb_segments_name(int segments, char *buf, size_t len)
{
	if (segments == DDB_SEGMENTS_AUTO)
		return "auto";
	snprintf(buf, len, "%d", segments);
	return buf;
}
