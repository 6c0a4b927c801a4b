/*-------------------------------------------------------------------------
 *
 * analyze.c
 *		ANALYZE of a foreign table: a sample read from a few random segments
 *		of a fine split (enough items for the sample), not the first pages.
 *
 * IDENTIFICATION
 *		src/fdw/read/analyze.c
 *
 *-------------------------------------------------------------------------
 */
#include "scan.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/pg_foreign_table.h"
#include "commands/vacuum.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/builtins.h"
#include "utils/ruleutils.h"
#include "utils/sampling.h"
#include "utils/syscache.h"

#include "compat.h"

/* ----------------------------------------------------------------
 * ANALYZE: a sample from a few random segments of a fine split
 * ----------------------------------------------------------------
 */

/* the split ANALYZE samples from, and the smallest table it samples */
#define SAMPLE_TOTAL_SEGMENTS 1000

typedef struct SampleState
{
	HeapTuple  *rows;
	int			targrows;
	int			numrows;
	double		samplerows;		/* items seen */
	double		rowstoskip;
	ReservoirStateData rstate;
} SampleState;

/* Adds a page's items to the sample (reservoir sampling, as ANALYZE does). */
static void
sample_page(SampleState *ss, DdbScanner *sc, TupleDesc desc)
{
	int			r;

	for (r = 0; r < sc->page.nitems; r++)
	{
		Datum	   *values = sc->page.values + (size_t) r * sc->page.natts;
		bool	   *nulls = sc->page.nulls + (size_t) r * sc->page.natts;
		int			k;

		if (ss->numrows < ss->targrows)
			ss->rows[ss->numrows++] = heap_form_tuple(desc, values, nulls);
		else
		{
			if (ss->rowstoskip < 0)
				ss->rowstoskip = reservoir_get_next_S(&ss->rstate, ss->samplerows,
													  ss->targrows);
			if (ss->rowstoskip <= 0)
			{
				k = (int) (ss->targrows * ddb_sampler_random(&ss->rstate));
				heap_freetuple(ss->rows[k]);
				ss->rows[k] = heap_form_tuple(desc, values, nulls);
			}
			ss->rowstoskip -= 1;
		}
		ss->samplerows += 1;
	}
}

static int
ddb_acquire_sample_rows(Relation rel, int elevel, HeapTuple *rows, int targrows,
						double *totalrows, double *totaldeadrows)
{
	TupleDesc	desc = RelationGetDescr(rel);
	bool	   *needed = palloc(sizeof(bool) * Max(desc->natts, 1));
	DdbScanner *sc;
	const DdbTableDesc *td;
	SampleState ss;
	int			total = 1;
	int			nsegments = 1;
	int		   *order;
	int			i;

	for (i = 0; i < desc->natts; i++)
		needed[i] = !TupleDescAttr(desc, i)->attisdropped;
	sc = ddb_scanner_create(ddb_mapping_get(RelationGetRelid(rel)), needed, GetUserId(),
							CurrentMemoryContext);
	td = ddb_connection_table_desc(sc->conn, sc->opts.table_name);

	memset(&ss, 0, sizeof(ss));
	ss.rows = rows;
	ss.targrows = targrows;
	ss.rowstoskip = -1;
	reservoir_init_selection_state(&ss.rstate, targrows);

	/*
	 * A table much larger than the sample: read random segments of a fine
	 * split, enough of them for about the sample's size.
	 */
	if (td && td->item_count > 2.0 * targrows)
	{
		double		per_segment = (double) td->item_count / SAMPLE_TOTAL_SEGMENTS;

		total = SAMPLE_TOTAL_SEGMENTS;
		nsegments = (int) Min((double) total, ceil(targrows * 1.2 / Max(per_segment, 1)));
	}
	order = palloc(sizeof(int) * total);
	for (i = 0; i < total; i++)
		order[i] = i;
	/* the first nsegments of a random permutation */
	for (i = 0; i < nsegments && total > 1; i++)
	{
		int			j = i + (int) ((total - i) * ddb_sampler_random(&ss.rstate));
		int			tmp = order[i];

		order[i] = order[Min(j, total - 1)];
		order[Min(j, total - 1)] = tmp;
	}
	for (i = 0; i < nsegments; i++)
	{
		ddb_scanner_restart(sc, order[i], total > 1 ? total : 0, NULL);
		while (ddb_scanner_next_page(sc))
		{
			vacuum_delay_point();
			sample_page(&ss, sc, desc);
		}
	}
	*totalrows = total > 1 ? ss.samplerows * total / nsegments : ss.samplerows;
	*totaldeadrows = 0;
	ereport(elevel,
			(errmsg("\"%s\": read %d of %d segments of DynamoDB table \"%s\", %.0f items; %d rows in sample, %.0f estimated total rows",
					RelationGetRelationName(rel), nsegments, total, sc->opts.table_name,
					ss.samplerows, ss.numrows, *totalrows)));
	ddb_scanner_free(sc);
	return ss.numrows;
}

bool
ddbAnalyzeForeignTable(Relation relation, AcquireSampleRowsFunc *func,
					   BlockNumber *totalpages)
{
	*func = ddb_acquire_sample_rows;
	*totalpages = 1;
	return true;
}
