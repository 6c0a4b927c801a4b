/*-------------------------------------------------------------------------
 *
 * scanner.h
 *		Reads a DynamoDB table page by page: one Scan request per call, the
 *		answer decoded into Datums.  Used by the executor (scan.c) and by
 *		the sync procedures (sync.c).
 *
 * IDENTIFICATION
 *		src/fdw/read/scanner.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_SCANNER_H
#define DDB_SCANNER_H

#include "ddb_fdw.h"
#include "core/mapping.h"
#include "decode.h"
#include "ratelimit.h"

typedef struct DdbScanStats
{
	int64		pages;			/* requests answered */
	int64		items;
	int64		scanned;
	double		capacity;
	int64		retries;		/* requests sent again: backoff retries and
								 * BatchGetItem requests for unprocessed keys */
} DdbScanStats;

typedef struct DdbScanner
{
	Oid			relid;			/* the foreign table */
	const DdbTableMapping *map; /* its mapping (the creator's) */
	DdbOptions	opts;
	DdbConnection *conn;		/* NULL until ddb_scanner_connect() */
	DdbAwsService *svc;			/* where requests go; NULL: conn->svc (a
								 * lane of conn: ddb_connection_lane) */
	DdbDecoder *decoder;
	MemoryContext cxt;			/* the scanner's own */
	MemoryContext batch_cxt;	/* reset before each page */
	MemoryContext request_cxt;	/* the request's strings; reset per request */
	char	   *projection;		/* ProjectionExpression, or NULL */
	char	   *projection_names;	/* its ExpressionAttributeNames members */
	char	   *attribute_names;	/* ExpressionAttributeNames JSON, all */
	char	   *projected_list; /* for EXPLAIN */
	bool		projecting;		/* responses hold only projected attributes */
	/* the request (ddb_scanner_set_request) */
	DdbOperation	op;
	char	   *key_condition;	/* Query */
	char	   *filter;			/* Scan, Query */
	char	   *values;			/* ExpressionAttributeValues JSON, or NULL */
	List	   *keys;			/* GetItem/BatchGetItem: raw JSON keys */
	int			next_key;		/* the first key not asked for yet */
	char	   *unprocessed;	/* BatchGetItem keys to ask again */
	int			batch_attempts; /* requests for the same unprocessed keys */
	long		limit_hint;		/* rows wanted at most, 0: all */
	bool		backward;		/* Query: ScanIndexForward false */
	const char *select;			/* Select ("COUNT"), or NULL */
	int			segment;
	int			total_segments; /* 0: not a parallel scan */
	char	   *start_key;		/* ExclusiveStartKey of the next page */
	long		limit;			/* Limit of the next request, 0 for none */
	bool		started;
	bool		eof;
	DdbPage		page;			/* the current page */
	int			page_retries;	/* retries the current page took */
	DdbRateLimit *rate;			/* read-rate limit, or NULL */
	DdbHttpResponse resp[2];	/* the current page's answer is resp[cur];
								 * the next one arrives in the other */
	int			cur;
	DdbDynamoCall call;			/* the request under way or last sent */
	bool		ahead;			/* call is under way (fetched ahead) */
	bool		no_ahead;		/* never fetch ahead (a merge of Queries
								 * switches requests after every page) */
	const char *operation;		/* call's operation name */
	DdbBuf		body;			/* call's request body */
	/*
	 * Called before each request is signed, when set (a segment worker
	 * takes the leader's refreshed credentials there: a request fetched
	 * ahead is signed a page earlier than it is used).
	 */
	void		(*before_request) (void *arg);
	void	   *before_request_arg;
	DdbScanStats stats;
} DdbScanner;

/*
 * Creates a scanner of the foreign table of mapping m (which must outlive
 * it), producing the attributes needed[] (by attnum - 1).  With a valid
 * userid it connects through that role's user mapping, and completes m's
 * key from DescribeTable first; without, s->conn is the caller's to set
 * (segment workers, whose mapping came resolved).  Everything lives in a
 * new context under parent; deleting that context (ddb_scanner_free)
 * releases it all, including malloc'd buffers.
 */
extern DdbScanner *ddb_scanner_create(DdbTableMapping *m, const bool *needed,
									  Oid userid, MemoryContext parent);
extern void ddb_scanner_free(DdbScanner *s);

/*
 * What to ask: op, and for a Query its key condition; the filter and the
 * condition names (members "#c0":"x",... without braces) and values (a JSON
 * object); for GetItem/BatchGetItem the keys (raw JSON objects).  Takes
 * effect at the next restart.
 */
extern void ddb_scanner_set_request(DdbScanner *s, DdbOperation op,
									const char *key_condition,
									const char *filter, const char *names,
									const char *values, List *keys,
									long limit_hint);

/* Starts over at start_key (NULL: the beginning) of a segment. */
extern void ddb_scanner_restart(DdbScanner *s, int segment, int total_segments,
								const char *start_key);

/*
 * Fetches and decodes the next page into s->page (valid until the next
 * call).  Returns false when the scan had already ended.  After it returns,
 * s->start_key is the page's LastEvaluatedKey (NULL at the end).
 */
extern bool ddb_scanner_next_page(DdbScanner *s);

/*
 * Sends the request for the next page now, unless one is under way or the
 * scan ended; the next ddb_scanner_next_page completes it.  Meanwhile the
 * caller may use other scanners (the Queries of a key list, each scanner on
 * its own lane of the connection: requests in flight together).
 */
extern void ddb_scanner_send(DdbScanner *s);

#endif							/* DDB_SCANNER_H */
