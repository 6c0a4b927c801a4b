/*-------------------------------------------------------------------------
 *
 * ddb_fdw.c
 *		Entry points of ddb_fdw: module load and the FDW handler.
 *
 * IDENTIFICATION
 *		src/fdw/ddb_fdw.c
 *
 *-------------------------------------------------------------------------
 */
#include "ddb_fdw.h"

#include "foreign/fdwapi.h"
#include "utils/guc.h"

#include "compat.h"
#include "read/pushdown.h"
#include "read/segments.h"
#include "sync/sync.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(ddb_fdw_handler);

void		_PG_init(void);

void
_PG_init(void)
{
	DdbAwsError err;

	ddb_aws_error_clear(&err);
	/* curl_global_init is not thread-safe: do it once, at load time */
	if (!ddb_http_global_init(&err))
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("could not initialize ddb_fdw"),
				 errdetail_internal("%s", err.message)));
	DefineCustomIntVariable("ddb_fdw.max_workers_per_scan",
							"Maximum number of segment workers one scan starts.",
							"0 scans in the backend alone. Workers are background workers: "
							"max_worker_processes bounds them all.",
							&ddb_max_workers_per_scan,
							4, 0, 1024,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("ddb_fdw.max_segments",
							"Maximum TotalSegments of a scan.",
							"Caps the segments option and what segments 'auto' derives "
							"from the table's size.",
							&ddb_max_segments,
							64, 1, DDB_MAX_TOTAL_SEGMENTS,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("ddb_fdw.max_scan_read_units",
							 "Refuses a Scan estimated to consume more read capacity units.",
							 "0: no limit. Applies besides the max_scan_read_units "
							 "option of the foreign table or its server.",
							 &ddb_max_scan_read_units, 0, 0, 1e15,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("ddb_fdw.enable_pushdown",
							 "Lets DynamoDB evaluate key conditions and filters.",
							 "Off: every query is a full Scan and PostgreSQL evaluates every "
							 "condition (to compare answers).",
							 &ddb_enable_pushdown,
							 true,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("ddb_fdw.stream_buffer_interval",
							"How often a snapshot keeps the stream's records in the change buffer.",
							"While a snapshot of a table with a stream runs, its records are read "
							"into ddb_fdw.sync_buffer at this interval, so that a snapshot longer "
							"than the stream's retention does not lose them. 0 turns it off.",
							&ddb_stream_buffer_interval,
							300, 0, 86400,
							PGC_USERSET, GUC_UNIT_S, NULL, NULL, NULL);
	MarkGUCPrefixReserved("ddb_fdw");
	ddb_import_comments_init();
}

Datum
ddb_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	ddb_register_scan_callbacks(routine);
	ddb_register_modify_callbacks(routine);
	routine->ImportForeignSchema = ddbImportForeignSchema;
	PG_RETURN_POINTER(routine);
}
