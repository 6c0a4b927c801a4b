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
 * kept once each (deparse.c builds one request per value), and the Queries
 * go out on lanes: up to concurrent_queries (option, default 4) scanners,
 * each on its own HTTP client of the connection (ddb_connection_lane), so
 * that their requests are in flight together; Query i goes on lane
 * i % lanes, lane 0 being the scan's own scanner.
 *
 *	- in list order: while the rows of Query i are returned, the first pages
 *	  of Queries i + 1 .. i + lanes - 1 are under way; when Query i ends,
 *	  its lane asks for Query i + lanes.  Rows come out in list order.
 *	  With a LIMIT nothing is asked for that may go unread: the next Query
 *	  is sent once the current one's last page is in and its rows cannot
 *	  reach the LIMIT (its Limit the rows still wanted), so at most two
 *	  Queries are in flight.  Memory: a page (and one fetched ahead) a lane.
 *	- merged (a sorted path: ORDER BY the sort key, a merge join): the
 *	  first pages of all Queries, lanes at a time, then the rows come from
 *	  whichever Query holds the smallest (or, backward, largest) sort key,
 *	  and a Query's next page is read when its page runs out (on lane 0,
 *	  alone).  Each page is decoded into the Query's own memory context; the
 *	  pages' Limit is bounded so that all of them together hold at most
 *	  MERGE_ITEMS items (and never fewer than MERGE_MIN_PAGE each).
 *
 * A request left under way (a LIMIT reached, an error) is dropped with its
 * lane's scanner (the scanner's reset callback), or by the transaction's
 * abort (connection.c); a cancel stops the wait on any lane at once.
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

/* A scanner on its own HTTP client: its requests go with the others'. */
typedef struct MqLane
{
	DdbScanner *sc;				/* NULL until used; lane 0: the scan's own */
	MemoryContext page_cxt;		/* the scanner's own page context */
	int			query;			/* a merge: the Query it reads, -1: none */
} MqLane;

typedef struct DdbMultiQuery
{
	MemoryContext cxt;			/* everything of the list's Queries */
	DdbQueryList list;
	int			nqueries;
	MqQuery    *queries;
	int			natts;
	int			nlanes;
	MqLane		lanes[DDB_MAX_CONCURRENT_QUERIES];
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

/*
 * Lane i's scanner, created on first use: the scan's scanner's copy (the
 * same table, attributes, options and read-rate limit) on the connection's
 * lane i, living with the list's Queries.
 */
static MqLane *
get_lane(DdbScanState *st, DdbMultiQuery *mq, int i)
{
	MqLane	   *lane = &mq->lanes[i];
	DdbScanner *own = st->scanner;
	DdbScanner *sc;

	if (lane->sc)
		return lane;
	if (i == 0)
		sc = own;
	else
	{
		sc = ddb_scanner_create((DdbTableMapping *) own->map, st->needed, InvalidOid,
								mq->cxt);
		sc->conn = own->conn;
		sc->opts = own->opts;
		sc->projection = own->projection;
		sc->projection_names = own->projection_names;
		sc->projected_list = own->projected_list;
		sc->projecting = own->projecting;
		sc->select = own->select;
		sc->rate = own->rate;
		sc->svc = ddb_connection_lane(own->conn, i, &own->opts);
	}
	/* a merge switches Queries after every page: nothing fetched ahead */
	sc->no_ahead = st->merge != 0;
	lane->sc = sc;
	lane->page_cxt = sc->batch_cxt;
	lane->query = -1;
	return lane;
}

/*
 * Fetches the lane's next page (ddb_scanner_next_page), its requests
 * counted with the scan's (EXPLAIN ANALYZE shows the scan's scanner's).
 */
static bool
lane_next_page(DdbScanState *st, MqLane *lane)
{
	DdbScanner *sc = lane->sc;
	DdbScanStats before = sc->stats;
	DdbScanStats *total = &st->scanner->stats;
	bool		more = ddb_scanner_next_page(sc);

	if (sc != st->scanner)
	{
		total->pages += sc->stats.pages - before.pages;
		total->items += sc->stats.items - before.items;
		total->scanned += sc->stats.scanned - before.scanned;
		total->capacity += sc->stats.capacity - before.capacity;
		total->retries += sc->stats.retries - before.retries;
	}
	return more;
}

/*
 * Sets the lane's request to Query q's, from start_key on, and sends it
 * (its answer is read by the lane's next page).
 */
static void
send_query(DdbScanState *st, DdbMultiQuery *mq, MqLane *lane, MqQuery *q,
		   const char *start_key, long limit)
{
	DdbScanner *sc = lane->sc;

	ddb_scanner_set_request(sc, DDB_OP_QUERY, mq->list.key_condition, mq->list.filter,
							mq->list.names, q->values, NIL, limit);
	sc->backward = st->backward;
	ddb_scanner_restart(sc, 0, 0, start_key);
	if (!q->started)
	{
		q->started = true;
		st->queries++;
	}
	ddb_scanner_send(sc);
}

/* ----------------------------------------------------------------
 * In list order
 * ----------------------------------------------------------------
 */

/* Sends Query i on its lane, limit its rows at most (0: all). */
static void
send_in_order(DdbScanState *st, DdbMultiQuery *mq, int i, long limit)
{
	send_query(st, mq, get_lane(st, mq, i % mq->nlanes), &mq->queries[i], NULL, limit);
}

/*
 * With a LIMIT: once the current Query's last page is in, the next Query
 * is sent if these rows cannot reach the LIMIT (it will be read, so the
 * request is not wasted), for the rows still wanted.
 */
static void
send_next_if_needed(DdbScanState *st, DdbMultiQuery *mq, DdbScanner *sc)
{
	int			i = mq->current + 1;
	int64		wanted = st->limit_hint - mq->returned - sc->page.nitems;

	if (mq->nlanes > 1 && sc->eof && i < mq->nqueries && !mq->queries[i].started &&
		wanted > 0)
		send_in_order(st, mq, i, (long) wanted);
}

/* In list order: the first Queries sent, one a lane (one with a LIMIT). */
static void
start_in_order(DdbScanState *st, DdbMultiQuery *mq)
{
	int			n = Min(mq->nlanes, mq->nqueries);
	int			i;

	/* a LIMIT: the first Query only, the next when it is sure to be read */
	if (st->limit_hint > 0)
		n = 1;
	for (i = 0; i < n; i++)
		send_in_order(st, mq, i, st->limit_hint);
}

/* The next row in list order: the Queries one after another. */
static TupleTableSlot *
iterate_in_order(DdbScanState *st, DdbMultiQuery *mq, TupleTableSlot *slot)
{
	MqLane	   *lane = &mq->lanes[mq->current % mq->nlanes];

	while (mq->next >= lane->sc->page.nitems)
	{
		mq->next = 0;
		if (lane_next_page(st, lane))
		{
			if (st->limit_hint > 0)
				send_next_if_needed(st, mq, lane->sc);
			continue;
		}
		/* the Query ended: its lane takes the one lanes further on */
		if (++mq->current >= mq->nqueries)
			return ExecClearTuple(slot);
		if (st->limit_hint == 0)
		{
			if (mq->current - 1 + mq->nlanes < mq->nqueries)
				send_in_order(st, mq, mq->current - 1 + mq->nlanes, 0);
		}
		else if (!mq->queries[mq->current].started)
			send_in_order(st, mq, mq->current,
						  (long) Max(st->limit_hint - mq->returned, 1));
		lane = &mq->lanes[mq->current % mq->nlanes];
	}
	mq->returned++;
	return ddb_store_row(slot, lane->sc->page.values, lane->sc->page.nulls,
					 slot->tts_tupleDescriptor->natts, mq->next++);
}

/* ----------------------------------------------------------------
 * Merged
 * ----------------------------------------------------------------
 */

/*
 * Sends the request of Query qi's next page on the lane, its page to be
 * decoded into the Query's own context.
 */
static void
merge_send(DdbScanState *st, DdbMultiQuery *mq, MqLane *lane, int qi)
{
	MqQuery    *q = &mq->queries[qi];

	lane->sc->batch_cxt = q->cxt;
	lane->query = qi;
	send_query(st, mq, lane, q, q->start_key, st->limit_hint);
}

/*
 * Reads the page of the lane's Query into the Query (a copy), asking for
 * the next one while a page holds no row and the Query goes on.
 */
static void
merge_receive(DdbScanState *st, DdbMultiQuery *mq, MqLane *lane)
{
	DdbScanner *sc = lane->sc;
	MqQuery    *q = &mq->queries[lane->query];
	size_t		n;

	for (;;)
	{
		(void) lane_next_page(st, lane);
		/* the decoder's arrays are reused by the next page: copy them */
		n = (size_t) sc->page.nitems * mq->natts;
		q->nitems = sc->page.nitems;
		q->next = 0;
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
		if (q->nitems > 0 || q->eof)
			break;
		merge_send(st, mq, lane, lane->query);
	}
	/* the scanner's own page context again */
	sc->batch_cxt = lane->page_cxt;
	lane->query = -1;
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

/*
 * A merge: the sort key's order, every Query's first page (lanes at a
 * time: Query i + lanes is sent when Query i's page is in), the heap.
 */
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

	/* memory: every Query holds a page at once (lanes copy this) */
	if (sc->opts.page_size > 0)
		page = Min(page, sc->opts.page_size);
	sc->opts.page_size = page;

	/* the heap lives with the Queries, not in the caller's (per-row) memory */
	old = MemoryContextSwitchTo(mq->cxt);
	mq->heap = binaryheap_allocate(mq->nqueries, heap_compare, st);
	MemoryContextSwitchTo(old);
	mq->last = -1;
	for (i = 0; i < mq->nqueries; i++)
		mq->queries[i].cxt = AllocSetContextCreate(mq->cxt, "ddb_fdw merged Query",
												   ALLOCSET_SMALL_SIZES);
	for (i = 0; i < Min(mq->nlanes, mq->nqueries); i++)
		merge_send(st, mq, get_lane(st, mq, i), i);
	for (i = 0; i < mq->nqueries; i++)
	{
		MqLane	   *lane = &mq->lanes[i % mq->nlanes];

		merge_receive(st, mq, lane);
		if (i + mq->nlanes < mq->nqueries)
			merge_send(st, mq, lane, i + mq->nlanes);
		if (mq->queries[i].nitems > 0)
			binaryheap_add_unordered(mq->heap, Int32GetDatum(i));
	}
	binaryheap_build(mq->heap);
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
		{
			q->nitems = 0;
			if (!q->eof)
			{
				merge_send(st, mq, &mq->lanes[0], mq->last);
				merge_receive(st, mq, &mq->lanes[0]);
			}
		}
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
	return ddb_store_row(slot, q->row_values, q->row_nulls, slot->tts_tupleDescriptor->natts,
					 q->next);
}

/* ----------------------------------------------------------------
 * The scan's entry points
 * ----------------------------------------------------------------
 */
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
	mq->nlanes = Max(1, Min(Min(sc->opts.concurrent_queries, DDB_MAX_CONCURRENT_QUERIES),
							mq->nqueries));
	if (st->merge != 0)
		start_merge(st, mq);
	else
		start_in_order(st, mq);
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
	if (mq->lanes[0].sc)
		st->scanner->batch_cxt = mq->lanes[0].page_cxt;
	st->scanner->no_ahead = false;
	st->multi = NULL;
	/* the other lanes' scanners go with it, dropping what is under way */
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
	if (es->verbose)
		ExplainPropertyInteger("DynamoDB Concurrent Queries", NULL,
							   st->scanner->opts.concurrent_queries, es);
	if (es->analyze)
		ExplainPropertyInteger("DynamoDB Queries Sent", NULL, st->queries, es);
}
