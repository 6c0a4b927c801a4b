/*-------------------------------------------------------------------------
 *
 * call.c
 *		One AWS request as PostgreSQL sees it (see call.h), and the one
 *		mapping of AWS-layer errors to SQLSTATEs and messages.
 *
 * Remote text goes into errdetail_internal, never into a format string;
 * it never holds a secret (the AWS layer's messages do not).  A cancel or
 * termination that ended a request is raised as itself.
 *
 * IDENTIFICATION
 *		src/fdw/core/call.c
 *
 *-------------------------------------------------------------------------
 */
#include "call.h"

#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"

void
ddb_call_begin(DdbCall *call, DdbHttpClient *client, const char *operation,
			   const char *table)
{
	CHECK_FOR_INTERRUPTS();
	call->client = client;
	call->retries_before = client ? ddb_http_client_retries(client) : 0;
	call->operation = operation;
	call->table = table;
	ddb_aws_error_clear(&call->err);
	pgstat_report_wait_start(PG_WAIT_EXTENSION);
}

int
ddb_call_end(DdbCall *call)
{
	pgstat_report_wait_end();
	if (call->client == NULL)
		return 0;
	return (int) (ddb_http_client_retries(call->client) - call->retries_before);
}

void
ddb_call_fail(const DdbCall *call)
{
	ddb_report_aws_error(&call->err, call->operation, call->table);
}

bool
ddb_call_error_is(const DdbCall *call, const char *code)
{
	return ddb_aws_error_is(&call->err, code);
}

bool
ddb_aws_error_is(const DdbAwsError *err, const char *code)
{
	return err->kind == DDB_AWS_ERR_SERVICE && strcmp(err->code, code) == 0;
}

/*
 * Waits before asking again for what DynamoDB left unprocessed
 * (BatchGetItem's keys, BatchWriteItem's items), attempt >= 1: 50 ms,
 * doubling, at most 1 s; on the latch, so a cancel ends it at once.
 */
void
ddb_call_unprocessed_backoff(int attempt)
{
	long		ms = Min(1000L, 50L << Min(Max(attempt, 1) - 1, 5));

	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, ms,
					 PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
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
	"InvalidClientTokenId", "SignatureDoesNotMatch", "InvalidIdentityToken",
	"IDPRejectedClaim", NULL
};

static const char *const denied_codes[] = {
	"AccessDeniedException", "AccessDenied", NULL
};

static const char *const throttle_codes[] = {
	"ProvisionedThroughputExceededException", "ThrottlingException",
	"RequestLimitExceeded", "LimitExceededException", "Throttling", NULL
};

/*
 * Raises the ERROR that describes a failed AWS-layer call to service
 * ("DynamoDB", "STS"): operation names the call, context (may be NULL) the
 * CONTEXT line.  Remote text goes into errdetail_internal, never into the
 * format string; it never holds a secret (the AWS layer's messages do not).
 */
void
ddb_report_service_error(const DdbAwsError *err, const char *service,
						 const char *operation, const char *context, bool sts)
{
	int			sqlstate = ERRCODE_FDW_ERROR;
	const char *hint = NULL;

	if (err->kind == DDB_AWS_ERR_ABORTED)
	{
		/* a cancel or termination request: let it speak for itself */
		CHECK_FOR_INTERRUPTS();
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("canceling %s request", service)));
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
				hint = sts ?
					"Check the credentials that sign the AssumeRole call: the user mapping's keys, or the database host's identity." :
					"Check the access_key_id, secret_access_key and session_token options of the user mapping.";
			}
			else if (code_in(err->code, denied_codes))
			{
				sqlstate = ERRCODE_INSUFFICIENT_PRIVILEGE;
				hint = sts ?
					"The role's trust policy must allow this identity to assume it, and the external_id option must match the one the policy requires." :
					"The AWS identity in use lacks a permission that this operation needs.";
			}
			else if (code_in(err->code, throttle_codes))
			{
				sqlstate = ERRCODE_FDW_ERROR;
				hint = sts ?
					"STS kept throttling through every retry (the server's max_retries option); retry later." :
					"DynamoDB kept throttling through every retry (the server's max_retries option); raise the table's capacity, lower max_read_units_per_second, or retry later.";
			}
			ereport(ERROR,
					(errcode(sqlstate),
					 errmsg("%s %s failed: %s", service, operation, err->code),
					 errdetail_internal("%s", err->message),
					 hint ? errhint("%s", hint) : 0,
					 context ? errcontext("%s", context) : 0));
			break;
		case DDB_AWS_ERR_HTTP:
			ereport(ERROR,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("%s %s failed with HTTP status %ld",
							service, operation, err->http_status),
					 errdetail_internal("%s", err->message),
					 context ? errcontext("%s", context) : 0));
			break;
		case DDB_AWS_ERR_CONNECT:
			CHECK_FOR_INTERRUPTS();
			ereport(ERROR,
					(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
					 errmsg("could not connect to %s", service),
					 errdetail_internal("%s", err->message),
					 sts ? errhint("Check the sts_endpoint and region options of the foreign server and the network.") :
					 errhint("Check the endpoint and region options of the foreign server and the network."),
					 context ? errcontext("%s", context) : 0));
			break;
		case DDB_AWS_ERR_TIMEOUT:
		case DDB_AWS_ERR_TRANSPORT:
			CHECK_FOR_INTERRUPTS();
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 err->kind == DDB_AWS_ERR_TIMEOUT ?
					 errmsg("%s %s timed out", service, operation) :
					 errmsg("%s %s failed: connection error", service, operation),
					 errdetail_internal("%s", err->message),
					 err->kind == DDB_AWS_ERR_TIMEOUT ?
					 errhint("Raise the connect_timeout or request_timeout option of the foreign server if AWS is just slow.") : 0,
					 context ? errcontext("%s", context) : 0));
			break;
		case DDB_AWS_ERR_MALFORMED:
		case DDB_AWS_ERR_CHECKSUM:
			ereport(ERROR,
					(errcode(ERRCODE_PROTOCOL_VIOLATION),
					 err->kind == DDB_AWS_ERR_CHECKSUM ?
					 errmsg("%s %s response failed its checksum", service, operation) :
					 errmsg("malformed %s %s response", service, operation),
					 errdetail_internal("%s", err->message),
					 context ? errcontext("%s", context) : 0));
			break;
		case DDB_AWS_ERR_TOO_LARGE:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("%s %s response is too large", service, operation),
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
					 errmsg("%s %s failed", service, operation),
					 errdetail_internal("%s", err->message)));
			break;
	}
	pg_unreachable();
}

/*
 * Raises the ERROR for a failed DynamoDB call.  operation names the call
 * ("Scan"), table_name the table (may be NULL).
 */
void
ddb_report_aws_error(const DdbAwsError *err, const char *operation,
					 const char *table_name)
{
	ddb_report_service_error(err, "DynamoDB", operation,
				 table_name ? psprintf("DynamoDB request: %s on table \"%s\"",
									   operation, table_name) : NULL,
				 false);
}
