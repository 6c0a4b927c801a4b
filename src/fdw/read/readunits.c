/*-------------------------------------------------------------------------
 *
 * readunits.c
 *		What a read is estimated to cost in read capacity units, and the
 *		guard that refuses a Scan estimated above max_scan_read_units.
 *
 * DynamoDB charges a Scan or Query one read unit per 4 KB of the items it
 * reads (not returns: a filter does not make it cheaper), half as much for
 * eventually consistent reads; GetItem and BatchGetItem round up each
 * item.  The estimate of a Scan is the table's (or index's) TableSizeBytes
 * from DescribeTable; of a Query, the planner's rows times the average
 * item size.  The guard is checked before the first request.
 *
 * IDENTIFICATION
 *		src/fdw/read/readunits.c
 *
 *-------------------------------------------------------------------------
 */
#include "scan.h"

#include <math.h>

#define READ_UNIT_BYTES 4096.0

double
ddb_estimate_read_units(DdbRelInfo *info, DdbOperation op, const char *index,
						double rows, long limit)
{
	double		factor = info->opts.consistent_read ? 1.0 : 0.5;
	double		bytes;

	if (op == DDB_OP_GET || op == DDB_OP_BATCH)
		return Max(rows, 1) * ceil(info->avg_item_bytes / READ_UNIT_BYTES) * factor;
	if (op == DDB_OP_QUERY)
		bytes = Max(rows, 1) * info->avg_item_bytes;
	else
	{
		int			i;

		bytes = info->items * info->avg_item_bytes;
		if (info->desc && info->desc->size_bytes >= 0)
			bytes = (double) info->desc->size_bytes;
		for (i = 0; info->desc && index && index[0] && i < info->desc->nindexes; i++)
			if (strcmp(info->desc->indexes[i].name, index) == 0 &&
				info->desc->indexes[i].size_bytes >= 0)
				bytes = (double) info->desc->indexes[i].size_bytes;
		/* a LIMIT stops the scan early */
		if (limit > 0)
			bytes = Min(bytes, limit * info->avg_item_bytes);
	}
	return Max(ceil(bytes / READ_UNIT_BYTES), 1) * factor;
}

void
ddb_check_read_units(DdbScanState *st, const DdbOptions *opts, const char *relname)
{
	double		limit = opts->max_scan_read_units > 0 ? opts->max_scan_read_units : 0;
	const char *setting = "max_scan_read_units";

	if (st->op != DDB_OP_SCAN || st->read_units < 0)
		return;
	if (ddb_max_scan_read_units > 0 && (limit == 0 || ddb_max_scan_read_units < limit))
	{
		limit = ddb_max_scan_read_units;
		setting = "ddb_fdw.max_scan_read_units";
	}
	if (limit == 0 || st->read_units <= limit)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("Scan of DynamoDB table \"%s\" is estimated at %.0f read capacity units, above %s (%g)",
					opts->table_name, st->read_units, setting, limit),
			 errdetail("Foreign table \"%s\" would be read whole; nothing was sent.", relname),
			 strcmp(setting, "ddb_fdw.max_scan_read_units") == 0 ?
			 errhint("Narrow the query to a key, or raise the setting: SET ddb_fdw.max_scan_read_units = 0 turns it off.") :
			 errhint("Narrow the query to a key, or raise the option max_scan_read_units of the foreign table or its server (0 turns it off for the table).")));
}
