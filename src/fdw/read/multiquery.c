/*-------------------------------------------------------------------------
 *
 * multiquery.c
 *		A list of partition keys -- key IN (...), key = ANY ($1), on the
 *		table or an index -- read as one Query per key, each with the sort
 *		key condition and the filter; the answers in list order, or merged
 *		in sort key order when the plan relies on that order.
 *
 * The planner (shippable.c) matches the list like an equality; the plan
 * keeps the list as the Query's partition key condition.  At the first row
 * the list is evaluated, its values that DynamoDB can hold as keys are
 * kept once each (deparse.c builds one request per value), and:
 *
 *	- in list order: the Queries one after another, page by page, through
 *	  the scan's one scanner; memory as for one Query (a page).  A LIMIT
 *	  lowers each Query's Limit to the rows still wanted.
 *	- merged (a sorted path: ORDER BY the sort key, a merge join): every
 *	  Query's first page is read, then the rows come from whichever Query
 *	  holds the smallest (or, backward, largest) sort key, and a Query's
 *	  next page is read when its page runs out.  Each page is decoded into
 *	  the Query's own memory context; the pages' Limit is bounded so that
 *	  all of them together hold at most MERGE_ITEMS items (and never fewer
 *	  than MERGE_MIN_PAGE each).
 *
 * XXX The Queries are sent one at a time: the AWS layer's HTTP client
 * (src/aws/http.c) has one request in flight per connection, and sends it
 * synchronously.  With an HTTP layer that can start a request and finish it
 * later, the first pages of a merge (and the next Query of the list) could
 * be in flight together, bounded by a number of connections.
 *
 * IDENTIFICATION
 *		src/fdw/read/multiquery.c
 *
 *-------------------------------------------------------------------------
 */
#include "scan.h"

#include "lib/binaryheap.h"
#include "utils/memutils.h"
#include "utils/sortsupport.h"
#include "utils/typcache.h"

/* a merge's pages hold this many items at most, together */
#define MERGE_ITEMS 10000
/* and each at least this many */
#define MERGE_MIN_PAGE 10

/* One Query of the list. */
typedef struct MqQuery
{
	char	   *values;			/* its ExpressionAttributeValues */
	bool		started;		/* a request was sent */
	bool		eof;			/* no page left to ask for */
	/* a merge's: where the next page starts, and the current page */
	char	   *start_key;
	MemoryContext cxt;			/* the page's values */
	int			nitems;
	int			next;			/* the row to return next */
	Datum	   *row_values;		/* nitems * natts */
	bool	   *row_nulls;
} MqQuery;

typedef struct DdbMultiQuery
{
	MemoryContext cxt;			/* everything of the list's Queries */
	MemoryContext page_cxt;		/* the scanner's own page context */
	DdbQueryList list;
	int			nqueries;
	MqQuery    *queries;
	int			natts;
	/* in list order */
	int			current;		/* the Query being read */
	int			next;			/* its page's row to return next */
	int64		returned;		/* rows returned so far (LIMIT) */
	/* merged */
	binaryheap *heap;			/* Queries with rows, by their next row */
	int			last;			/* the Query whose row was returned last */
	SortSupportData ssup;
} DdbMultiQuery;

/* Whether the plan's key condition is a list of partition keys. */
bool
ddb_multi_query_wanted(DdbScanState *st)
{
	return st->op == DDB_OP_QUERY && st->key_conds != NIL &&
		COND_OP((List *) linitial(st->key_conds)) == DDB_COND_IN;
}

/* Sets the scanner's request to Query q's, from start_key on. */
static void
begin_query(DdbScanState *st, DdbMultiQuery *mq, MqQuery *q, const char *start_key,
			long limit)
{
	DdbScanner *sc = st->scanner;

	ddb_scanner_set_request(sc, DDB_OP_QUERY, mq->list.key_condition, mq->list.filter,
							mq->list.names, q->values, NIL, limit);
	sc->backward = st->backward;
	ddb_scanner_restart(sc, 0, 0, start_key);
	if (!q->started)
	{
		q->started = true;
		st->queries++;
	}
}

/*
 * A merge: reads Query q's next page into its own context, until a page
 * holds a row or the Query ends.
 */
static void
fetch_page(DdbScanState *st, DdbMultiQuery *mq, MqQuery *q)
{
	DdbScanner *sc = st->scanner;
	size_t		n;

	q->nitems = 0;
	q->next = 0;
	while (q->nitems == 0 && !q->eof)
	{
		/* the scanner decodes into the Query's context, reset first */
		sc->batch_cxt = q->cxt;
		begin_query(st, mq, q, q->start_key, st->limit_hint);
		(void) ddb_scanner_next_page(sc);
		sc->batch_cxt = mq->page_cxt;

		/* the decoder's arrays are reused by the next page: copy them */
		n = (size_t) sc->page.nitems * mq->natts;
		q->nitems = sc->page.nitems;
		if (n > 0 && sc->page.values)
		{
			q->row_values = MemoryContextAlloc(q->cxt, sizeof(Datum) * n);
			q->row_nulls = MemoryContextAlloc(q->cxt, sizeof(bool) * n);
			memcpy(q->row_values, sc->page.values, sizeof(Datum) * n);
			memcpy(q->row_nulls, sc->page.nulls, sizeof(bool) * n);
		}
		else
			q->row_values = NULL;
		if (q->start_key)
			pfree(q->start_key);
		q->start_key = sc->start_key ? MemoryContextStrdup(mq->cxt, sc->start_key) : NULL;
		q->eof = sc->eof;
	}
}

/* binaryheap_comparator: the Query whose next row comes first is the largest. */
static int
heap_compare(Datum a, Datum b, void *arg)
{
	DdbScanState *st = arg;
	DdbMultiQuery *mq = st->multi;
	MqQuery    *qa = &mq->queries[DatumGetInt32(a)];
	MqQuery    *qb = &mq->queries[DatumGetInt32(b)];
	size_t		ia = (size_t) qa->next * mq->natts + st->merge - 1;
	size_t		ib = (size_t) qb->next * mq->natts + st->merge - 1;

	return -ApplySortComparator(qa->row_values[ia], qa->row_nulls[ia],
								qb->row_values[ib], qb->row_nulls[ib], &mq->ssup);
}

/* A merge: the sort key's order, every Query's first page, the heap. */
static void
start_merge(DdbScanState *st, DdbMultiQuery *mq)
{
	DdbScanner *sc = st->scanner;
	const DdbColumnMap *col = &sc->map->columns[st->merge - 1];
	TypeCacheEntry *tc = lookup_type_cache(col->typid, TYPECACHE_LT_OPR);
	int			page = Max(MERGE_MIN_PAGE, MERGE_ITEMS / Max(mq->nqueries, 1));
	MemoryContext old;
	int			i;

	/* the order order.c promised: the column's, as DynamoDB's */
	mq->ssup.ssup_cxt = mq->cxt;
	mq->ssup.ssup_collation = col->collid;
	mq->ssup.ssup_nulls_first = st->backward;
	mq->ssup.abbreviate = false;
	PrepareSortSupportFromOrderingOp(tc->lt_opr, &mq->ssup);
	/* (set after: the call sets it from the operator, "<" here) */
	mq->ssup.ssup_reverse = st->backward;

	/*
	 * Every Query's next page is asked for when its page runs out, and the
	 * scanner serves another Query in between: a page fetched ahead would
	 * be dropped unused (and paid for).
	 */
	sc->no_ahead = true;

	/* memory: every Query holds a page at once */
	if (sc->opts.page_size > 0)
		page = Min(page, sc->opts.page_size);
	sc->opts.page_size = page;

	/* the heap lives with the Queries, not in the caller's (per-row) memory */
	old = MemoryContextSwitchTo(mq->cxt);
	mq->heap = binaryheap_allocate(mq->nqueries, heap_compare, st);
	MemoryContextSwitchTo(old);
	mq->last = -1;
	for (i = 0; i < mq->nqueries; i++)
	{
		MqQuery    *q = &mq->queries[i];

		q->cxt = AllocSetContextCreate(mq->cxt, "ddb_fdw merged Query",
									   ALLOCSET_SMALL_SIZES);
		fetch_page(st, mq, q);
		if (q->nitems > 0)
			binaryheap_add_unordered(mq->heap, Int32GetDatum(i));
	}
	binaryheap_build(mq->heap);
}

void
ddb_multi_query_start(DdbScanState *st, const DdbCondValues *vals)
{
	DdbScanner *sc = st->scanner;
	DdbMultiQuery *mq;
	MemoryContext cxt;
	MemoryContext old;
	ListCell   *lc;
	int			i = 0;

	ddb_multi_query_end(st);
	cxt = AllocSetContextCreate(sc->cxt, "ddb_fdw multiquery", ALLOCSET_DEFAULT_SIZES);
	mq = MemoryContextAllocZero(cxt, sizeof(DdbMultiQuery));
	mq->cxt = cxt;
	mq->page_cxt = sc->batch_cxt;
	mq->natts = sc->map->natts;
	st->multi = mq;

	old = MemoryContextSwitchTo(mq->cxt);
	ddb_build_query_list(sc->map, st->key_conds, st->filters, vals, &mq->list);
	mq->nqueries = list_length(mq->list.values);
	mq->queries = palloc0(sizeof(MqQuery) * Max(mq->nqueries, 1));
	foreach(lc, mq->list.values)
		mq->queries[i++].values = lfirst(lc);
	MemoryContextSwitchTo(old);

	st->empty = mq->nqueries == 0;
	if (st->empty)
		return;
	if (st->merge != 0)
		start_merge(st, mq);
	else
		begin_query(st, mq, &mq->queries[0], NULL, st->limit_hint);
}

/* Copies row r of values/nulls into the slot. */
static TupleTableSlot *
store_row(TupleTableSlot *slot, Datum *values, bool *nulls, int natts, int r)
{
	ExecClearTuple(slot);
	if (values)
	{
		memcpy(slot->tts_values, values + (size_t) r * natts, sizeof(Datum) * natts);
		memcpy(slot->tts_isnull, nulls + (size_t) r * natts, sizeof(bool) * natts);
	}
	else
		memset(slot->tts_isnull, true, sizeof(bool) * natts);
	return ExecStoreVirtualTuple(slot);
}

/* The next row in list order: the Queries one after another. */
static TupleTableSlot *
iterate_in_order(DdbScanState *st, DdbMultiQuery *mq, TupleTableSlot *slot)
{
	DdbScanner *sc = st->scanner;

	while (mq->next >= sc->page.nitems)
	{
		if (!ddb_scanner_next_page(sc))
		{
			long		limit = st->limit_hint;

			if (++mq->current >= mq->nqueries)
				return ExecClearTuple(slot);
			/* a LIMIT: no page larger than the rows still wanted */
			if (limit > 0)
				limit = Max(limit - mq->returned, 1);
			begin_query(st, mq, &mq->queries[mq->current], NULL, limit);
		}
		mq->next = 0;
	}
	mq->returned++;
	return store_row(slot, sc->page.values, sc->page.nulls, slot->tts_tupleDescriptor->natts,
					 mq->next++);
}

/* The next row in sort key order: the first of every Query's next rows. */
static TupleTableSlot *
iterate_merged(DdbScanState *st, DdbMultiQuery *mq, TupleTableSlot *slot)
{
	MqQuery    *q;

	/* the last row returned is done with: its Query moves on */
	if (mq->last >= 0)
	{
		q = &mq->queries[mq->last];
		if (++q->next >= q->nitems)
			fetch_page(st, mq, q);
		if (q->nitems > 0)
			binaryheap_replace_first(mq->heap, Int32GetDatum(mq->last));
		else
			(void) binaryheap_remove_first(mq->heap);
		mq->last = -1;
	}
	if (binaryheap_empty(mq->heap))
		return ExecClearTuple(slot);
	mq->last = DatumGetInt32(binaryheap_first(mq->heap));
	q = &mq->queries[mq->last];
	return store_row(slot, q->row_values, q->row_nulls, slot->tts_tupleDescriptor->natts,
					 q->next);
}

TupleTableSlot *
ddb_multi_query_iterate(DdbScanState *st, TupleTableSlot *slot)
{
	DdbMultiQuery *mq = st->multi;

	if (mq == NULL || st->empty)
		return ExecClearTuple(slot);
	if (st->merge != 0)
		return iterate_merged(st, mq, slot);
	return iterate_in_order(st, mq, slot);
}

void
ddb_multi_query_end(DdbScanState *st)
{
	DdbMultiQuery *mq = st->multi;

	if (mq == NULL)
		return;
	/* the scanner's own page context again, whatever happened */
	st->scanner->batch_cxt = mq->page_cxt;
	st->scanner->no_ahead = false;
	st->multi = NULL;
	MemoryContextDelete(mq->cxt);
}

/* EXPLAIN: how the Queries' answers come together, and how many were sent. */
void
ddb_multi_query_explain(DdbScanState *st, ExplainState *es)
{
	if (!ddb_multi_query_wanted(st))
		return;
	ExplainPropertyText("DynamoDB Queries",
						st->merge ? "one per partition key, merged by sort key" :
						"one per partition key, in list order", es);
	if (es->analyze)
		ExplainPropertyInteger("DynamoDB Queries Sent", NULL, st->queries, es);
}
