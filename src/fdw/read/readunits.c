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
 * The planner's cost of a read follows the same rule (ddb_read_cost): what
 * DynamoDB reads, in read units, beside the requests and the items it
 * returns -- so of two Queries that return the same rows, the one that
 * reads fewer items (an index's key range rather than a filter over the
 * whole partition) is the cheaper.
 *
 * IDENTIFICATION
 *		src/fdw/read/readunits.c
 *
 *-------------------------------------------------------------------------
 */
#include "scan.h"

#include <math.h>

#include "optimizer/optimizer.h"

#define READ_UNIT_BYTES 4096.0

/*
 * The planner's cost of one read unit: DynamoDB reads about 1 MB (256
 * units) in the time of some 15 to 30 round trips (REQUEST_COST each), and
 * bills every unit.
 */
#define READ_UNIT_COST 8.0

/*
 * The cost of a read of read items (returned of them come back: a filter
 * drops the others after DynamoDB read them) in requests requests at least
 * (one per 1 MB page beside), nclauses conditions checked again on each
 * row.  The first row comes with the first page -- or, with
 * all_first_pages (a merge of Queries), with every request's first page.
 */
void
ddb_read_cost(DdbRelInfo *info, double read, double returned, double requests,
			  int nclauses, bool all_first_pages, Cost *startup, Cost *total)
{
	double		bytes = Max(read, 0) * info->avg_item_bytes;
	double		pages = Max(ceil(bytes / DDB_MAX_PAGE_BYTES), Max(requests, 1));

	returned = Min(returned, read);
	*total = pages * REQUEST_COST + bytes / READ_UNIT_BYTES * READ_UNIT_COST +
		returned * (ITEM_COST + cpu_tuple_cost + cpu_operator_cost * nclauses);
	*startup = *total * (all_first_pages ? Min(Max(requests, 1), pages) : 1) / pages;
}

/*
 * The read units of op reading items items (a Scan: the table, or index,
 * whole) in requests requests, each returning at most limit items (0: no
 * limit).  DynamoDB rounds each answer up to a whole 4 KB.
 */
double
ddb_estimate_read_units(DdbRelInfo *info, DdbOperation op, const char *index,
						double items, double requests, long limit)
{
	double		factor = info->opts.consistent_read ? 1.0 : 0.5;
	double		bytes;

	requests = Max(requests, 1);
	if (op == DDB_OP_GET || op == DDB_OP_BATCH)
		return Max(items, 1) * ceil(info->avg_item_bytes / READ_UNIT_BYTES) * factor;
	if (op == DDB_OP_QUERY)
	{
		if (limit > 0)
			items = Min(items, (double) limit * requests);
		bytes = Max(items, 1) * info->avg_item_bytes;
	}
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
	return Max(ceil(bytes / READ_UNIT_BYTES), requests) * factor;
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
