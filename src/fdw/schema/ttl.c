/*-------------------------------------------------------------------------
 *
 * ttl.c
 *		IMPORT FOREIGN SCHEMA and a table's time to live: the TTL attribute
 *		(epoch seconds, by DynamoDB's rule), which import.c makes a
 *		timestamptz column with format 'epoch_seconds'.
 *
 * IDENTIFICATION
 *		src/fdw/schema/ttl.c
 *
 *-------------------------------------------------------------------------
 */
#include "ddb_fdw.h"

#include "aws/metadata.h"
#include "core/call.h"
#include "schema.h"


char *
ddb_import_ttl_attribute(DdbConnection *conn, const char *table)
{
	DdbCall		call;
	DdbTtlDesc	ttl;
	char	   *attribute = NULL;
	bool		ok;

	ddb_call_begin(&call, conn->http, "DescribeTimeToLive", table);
	ok = ddb_dynamodb_describe_ttl(&conn->svc, ddb_connection_credentials(conn),
								   table, &ttl, &call.err);
	(void) ddb_call_end(&call);
	if (!ok)
	{
		/* not allowed, or not known to the endpoint: no TTL column */
		if (call.err.kind == DDB_AWS_ERR_SERVICE)
			return NULL;
		ddb_call_fail(&call);
	}
	if (ttl.attribute && ttl.status &&
		(strcmp(ttl.status, "ENABLED") == 0 || strcmp(ttl.status, "ENABLING") == 0))
		attribute = pstrdup(ttl.attribute);
	ddb_ttl_desc_free(&ttl);
	return attribute;
}
