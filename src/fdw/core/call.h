/*-------------------------------------------------------------------------
 *
 * call.h
 *		One AWS request as PostgreSQL sees it: the wait event, the retries
 *		it took, and a failure raised with its SQLSTATE.
 *
 * Every request of the FDW side goes through this pair:
 *
 *		ddb_call_begin(&call, conn->http, "Scan", table);
 *		ok = ddb_dynamodb_call(..., &call.err);
 *		retries = ddb_call_end(&call);
 *		if (!ok && !handled_by_caller(&call.err))
 *			ddb_call_fail(&call);
 *
 * IDENTIFICATION
 *		src/fdw/core/call.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_CALL_H
#define DDB_CALL_H

#include "ddb_fdw.h"

typedef struct DdbCall
{
	DdbHttpClient *client;		/* whose retries are counted */
	unsigned long retries_before;
	const char *operation;		/* "Scan", "GetRecords", ... */
	const char *table;			/* for the error context; may be NULL */
	DdbAwsError err;			/* the AWS layer fills it */
} DdbCall;

/* Before the request: interrupts checked, err cleared, wait event set. */
extern void ddb_call_begin(DdbCall *call, DdbHttpClient *client,
						   const char *operation, const char *table);

/* After it: the wait event ended; returns the retries the request took. */
extern int	ddb_call_end(DdbCall *call);

/* Raises the error of a failed call (see ddb_report_aws_error). */
extern void ddb_call_fail(const DdbCall *call) pg_attribute_noreturn();

/* Whether the call (the error) failed with this AWS error code. */
extern bool ddb_call_error_is(const DdbCall *call, const char *code);
extern bool ddb_aws_error_is(const DdbAwsError *err, const char *code);

/* Waits before asking DynamoDB again for what it left unprocessed. */
extern void ddb_call_unprocessed_backoff(int attempt);

/*
 * Raises the ERROR that describes a failed AWS-layer call to service
 * ("DynamoDB", "STS", "AWS"): operation names the call, context (may be
 * NULL) the CONTEXT line, sts picks the hints for credential calls.
 */
extern void ddb_report_service_error(const DdbAwsError *err, const char *service,
									 const char *operation, const char *context,
									 bool sts) pg_attribute_noreturn();

#endif							/* DDB_CALL_H */
