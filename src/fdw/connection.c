/*-------------------------------------------------------------------------
 *
 * connection.c
 *		Per-backend cache of DynamoDB clients, and the mapping of AWS-layer
 *		errors to ereport().
 *
 * One entry per user mapping holds an HTTP client (so its connection is
 * reused across queries) and the credentials that sign requests.  ALTER or
 * DROP of the server or the user mapping invalidates the entry through
 * syscache callbacks, as postgres_fdw does for its connections; an entry is
 * rebuilt on next use, and the old client is kept until the end of the
 * transaction because a running scan may still hold it.
 *
 * IDENTIFICATION
 *		src/fdw/connection.c
 *
 *-------------------------------------------------------------------------
 */
#include "ddb_fdw.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

typedef struct ConnCacheEntry
{
	Oid			key;			/* user mapping OID */
	DdbConnection *conn;		/* NULL until built */
	bool		invalidated;
	uint32		server_hashvalue;
	uint32		mapping_hashvalue;
} ConnCacheEntry;

static HTAB *ConnectionHash = NULL;

/* clients replaced during this transaction, freed at its end */
static List *retired_connections = NIL;

static void free_connection(DdbConnection *conn);

/*
 * Abort hook of every HTTP client: a pending cancel or termination stops
 * the request; the caller then runs CHECK_FOR_INTERRUPTS().
 */
bool
ddb_abort_requested(void *arg)
{
	return QueryCancelPending || ProcDiePending;
}

static void
free_connection(DdbConnection *conn)
{
	if (conn == NULL)
		return;
	ddb_aws_service_free(&conn->svc);
	ddb_http_client_destroy(conn->http);
	ddb_aws_credentials_clear(&conn->creds);
	pfree(conn);
}

static void
retire_connection(ConnCacheEntry *entry)
{
	MemoryContext old;

	if (entry->conn == NULL)
		return;
	old = MemoryContextSwitchTo(TopMemoryContext);
	retired_connections = lappend(retired_connections, entry->conn);
	MemoryContextSwitchTo(old);
	entry->conn = NULL;
}

static void
ddb_xact_callback(XactEvent event, void *arg)
{
	ListCell   *lc;

	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PARALLEL_ABORT)
		return;
	foreach(lc, retired_connections)
		free_connection((DdbConnection *) lfirst(lc));
	list_free(retired_connections);
	retired_connections = NIL;
}

static void
ddb_inval_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS scan;
	ConnCacheEntry *entry;

	hash_seq_init(&scan, ConnectionHash);
	while ((entry = (ConnCacheEntry *) hash_seq_search(&scan)))
	{
		if (hashvalue == 0 ||
			(cacheid == FOREIGNSERVEROID && entry->server_hashvalue == hashvalue) ||
			(cacheid == USERMAPPINGOID && entry->mapping_hashvalue == hashvalue))
			entry->invalidated = true;
	}
}

static void
init_cache(void)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(ConnCacheEntry);
	ConnectionHash = hash_create("ddb_fdw connections", 8, &ctl,
								 HASH_ELEM | HASH_BLOBS);
	CacheRegisterSyscacheCallback(FOREIGNSERVEROID, ddb_inval_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(USERMAPPINGOID, ddb_inval_callback, (Datum) 0);
	RegisterXactCallback(ddb_xact_callback, NULL);
}

/* Copies a palloc'd option string into malloc'd memory, or ereports. */
static char *
malloc_strdup(const char *s)
{
	char	   *p;

	if (s == NULL)
		return NULL;
	p = strdup(s);
	if (p == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	return p;
}

static DdbConnection *
build_connection(ForeignServer *server, UserMapping *user, const DdbOptions *opts)
{
	DdbUserCredentials uc;
	DdbConnection *conn;
	DdbHttpConfig cfg;
	DdbAwsError err;
	char	   *endpoint;
	bool		ok;

	ddb_get_user_credentials(user, &uc);
	if (uc.access_key_id == NULL || uc.secret_access_key == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("user mapping for server \"%s\" has no AWS credentials",
						server->servername),
				 errhint("Add the options \"access_key_id\" and \"secret_access_key\" to the user mapping.")));

	conn = MemoryContextAllocZero(TopMemoryContext, sizeof(DdbConnection));
	memset(&cfg, 0, sizeof(cfg));
	cfg.connect_timeout_ms = opts->connect_timeout_ms;
	cfg.request_timeout_ms = opts->request_timeout_ms;
	cfg.abort_hook = ddb_abort_requested;
	cfg.user_agent = "ddb_fdw/1.0";
	ddb_aws_error_clear(&err);
	conn->http = ddb_http_client_create(&cfg, &err);
	if (conn->http == NULL)
	{
		pfree(conn);
		ddb_report_aws_error(&err, "client setup", NULL);
	}

	endpoint = opts->endpoint ? malloc_strdup(opts->endpoint) :
		ddb_dynamodb_default_endpoint(opts->region);
	ok = endpoint != NULL &&
		ddb_aws_service_init(&conn->svc, conn->http, endpoint, opts->region,
							 "dynamodb", &err);
	free(endpoint);
	if (!ok)
	{
		free_connection(conn);
		ddb_report_aws_error(&err, "client setup", NULL);
	}

	conn->creds.access_key_id = strdup(uc.access_key_id);
	conn->creds.secret_access_key = strdup(uc.secret_access_key);
	conn->creds.session_token = uc.session_token ? strdup(uc.session_token) : NULL;
	if (conn->creds.access_key_id == NULL || conn->creds.secret_access_key == NULL ||
		(uc.session_token && conn->creds.session_token == NULL))
	{
		free_connection(conn);
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	}
	return conn;
}

/*
 * Returns the cached client for (server, user mapping), building it when
 * missing or invalidated.  The result lives until the end of the
 * transaction at least.
 */
DdbConnection *
ddb_get_connection(ForeignServer *server, UserMapping *user,
				   const DdbOptions *opts)
{
	ConnCacheEntry *entry;
	bool		found;

	if (ConnectionHash == NULL)
		init_cache();
	entry = hash_search(ConnectionHash, &user->umid, HASH_ENTER, &found);
	if (!found)
	{
		entry->conn = NULL;
		entry->invalidated = false;
	}
	if (entry->conn != NULL && entry->invalidated)
		retire_connection(entry);
	if (entry->conn == NULL)
	{
		entry->invalidated = false;
		entry->server_hashvalue =
			GetSysCacheHashValue1(FOREIGNSERVEROID, ObjectIdGetDatum(server->serverid));
		entry->mapping_hashvalue =
			GetSysCacheHashValue1(USERMAPPINGOID, ObjectIdGetDatum(user->umid));
		entry->conn = build_connection(server, user, opts);
	}
	return entry->conn;
}

/* ----------------------------------------------------------------
 * Errors
 * ----------------------------------------------------------------
 */
static bool
code_in(const char *code, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(code, *list) == 0)
			return true;
	return false;
}

static const char *const auth_codes[] = {
	"UnrecognizedClientException", "InvalidSignatureException",
	"MissingAuthenticationTokenException", "MissingAuthenticationToken",
	"IncompleteSignatureException", "ExpiredTokenException", "ExpiredToken",
	"InvalidClientTokenId", "SignatureDoesNotMatch", NULL
};

static const char *const denied_codes[] = {
	"AccessDeniedException", "AccessDenied", NULL
};

static const char *const throttle_codes[] = {
	"ProvisionedThroughputExceededException", "ThrottlingException",
	"RequestLimitExceeded", "LimitExceededException", "Throttling", NULL
};

/*
 * Raises the ERROR that describes a failed AWS-layer call.  operation names
 * the DynamoDB call ("Scan"), table_name the table (may be NULL).  Remote
 * text goes into errdetail_internal, never into the format string.
 */
void
ddb_report_aws_error(const DdbAwsError *err, const char *operation,
					 const char *table_name)
{
	int			sqlstate = ERRCODE_FDW_ERROR;
	const char *hint = NULL;

	if (err->kind == DDB_AWS_ERR_ABORTED)
	{
		/* a cancel or termination request: let it speak for itself */
		CHECK_FOR_INTERRUPTS();
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("canceling DynamoDB request")));
	}

	switch (err->kind)
	{
		case DDB_AWS_ERR_SERVICE:
			if (strcmp(err->code, "ResourceNotFoundException") == 0)
			{
				sqlstate = ERRCODE_FDW_TABLE_NOT_FOUND;
				hint = "The DynamoDB table may have been deleted or renamed, or the region may be wrong; check the table_name option of the foreign table or import it again.";
			}
			else if (code_in(err->code, auth_codes))
			{
				sqlstate = ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
				hint = "Check the access_key_id, secret_access_key and session_token options of the user mapping.";
			}
			else if (code_in(err->code, denied_codes))
			{
				sqlstate = ERRCODE_INSUFFICIENT_PRIVILEGE;
				hint = "The AWS identity in use lacks a permission that this operation needs.";
			}
			else if (code_in(err->code, throttle_codes))
			{
				sqlstate = ERRCODE_FDW_ERROR;
				hint = "DynamoDB is throttling requests; retry later or raise the table's capacity.";
			}
			ereport(ERROR,
					(errcode(sqlstate),
					 errmsg("DynamoDB %s failed: %s", operation, err->code),
					 errdetail_internal("%s", err->message),
					 hint ? errhint("%s", hint) : 0,
					 table_name ? errcontext("DynamoDB request: %s on table \"%s\"",
											 operation, table_name) : 0));
			break;
		case DDB_AWS_ERR_HTTP:
			ereport(ERROR,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("DynamoDB %s failed with HTTP status %ld",
							operation, err->http_status),
					 errdetail_internal("%s", err->message),
					 table_name ? errcontext("DynamoDB request: %s on table \"%s\"",
											 operation, table_name) : 0));
			break;
		case DDB_AWS_ERR_CONNECT:
			CHECK_FOR_INTERRUPTS();
			ereport(ERROR,
					(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
					 errmsg("could not connect to DynamoDB"),
					 errdetail_internal("%s", err->message),
					 errhint("Check the endpoint and region options of the foreign server and the network."),
					 table_name ? errcontext("DynamoDB request: %s on table \"%s\"",
											 operation, table_name) : 0));
			break;
		case DDB_AWS_ERR_TIMEOUT:
		case DDB_AWS_ERR_TRANSPORT:
			CHECK_FOR_INTERRUPTS();
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 err->kind == DDB_AWS_ERR_TIMEOUT ?
					 errmsg("DynamoDB %s timed out", operation) :
					 errmsg("DynamoDB %s failed: connection error", operation),
					 errdetail_internal("%s", err->message),
					 err->kind == DDB_AWS_ERR_TIMEOUT ?
					 errhint("Raise the connect_timeout or request_timeout option of the foreign server if DynamoDB is just slow.") : 0,
					 table_name ? errcontext("DynamoDB request: %s on table \"%s\"",
											 operation, table_name) : 0));
			break;
		case DDB_AWS_ERR_MALFORMED:
		case DDB_AWS_ERR_CHECKSUM:
			ereport(ERROR,
					(errcode(ERRCODE_PROTOCOL_VIOLATION),
					 err->kind == DDB_AWS_ERR_CHECKSUM ?
					 errmsg("DynamoDB %s response failed its checksum", operation) :
					 errmsg("malformed DynamoDB %s response", operation),
					 errdetail_internal("%s", err->message),
					 table_name ? errcontext("DynamoDB request: %s on table \"%s\"",
											 operation, table_name) : 0));
			break;
		case DDB_AWS_ERR_TOO_LARGE:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("DynamoDB %s response is too large", operation),
					 errdetail_internal("%s", err->message)));
			break;
		case DDB_AWS_ERR_OOM:
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory"),
					 errdetail_internal("%s", err->message)));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("DynamoDB %s failed", operation),
					 errdetail_internal("%s", err->message)));
			break;
	}
	pg_unreachable();
}
