/*-------------------------------------------------------------------------
 *
 * segments.h
 *		Segmented parallel scans run by background workers.
 *
 * IDENTIFICATION
 *		src/fdw/read/segments.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_SEGMENTS_H
#define DDB_SEGMENTS_H

#include "ddb_fdw.h"

#include "core/mapping.h"

#include "access/htup.h"
#include "utils/rel.h"

typedef struct DdbParallelScan DdbParallelScan;

typedef enum DdbParKind
{
	DDB_PAR_TUPLE,				/* a row */
	DDB_PAR_PAGE				/* a page ended */
} DdbParKind;

/* One message from a worker. */
typedef struct DdbParMessage
{
	DdbParKind	kind;
	int			worker;			/* which worker sent it */
	MinimalTuple tuple;			/* DDB_PAR_TUPLE: valid until the next call */
	/* DDB_PAR_PAGE */
	int			segment;
	int			nitems;
	int64		scanned;
	double		capacity;
	int			retries;
	char	   *last_key;		/* LastEvaluatedKey (palloc'd), NULL: the
								 * segment is done */
} DdbParMessage;

/* What a parallel scan reads: one entry per segment. */
typedef struct DdbSegmentStart
{
	bool		done;			/* skip it */
	const char *start_key;		/* ExclusiveStartKey, or NULL */
} DdbSegmentStart;

/* A filter the workers send with every Scan (NULL members: none). */
typedef struct DdbParallelRequest
{
	const char *filter;			/* FilterExpression */
	const char *names;			/* its ExpressionAttributeNames members */
	const char *values;			/* ExpressionAttributeValues JSON */
	const char *select;			/* Select ("COUNT"), or NULL */
} DdbParallelRequest;

/* in segments.c */
extern int	ddb_max_workers_per_scan;
extern int	ddb_max_segments;

/*
 * Launches up to nworkers segment workers reading total_segments segments
 * of rel (starts[i] per segment, NULL: all from their beginning), producing
 * the attributes needed[] (by attnum - 1), filtering with request (may be
 * NULL), signing with conn's credentials.
 * Returns NULL when no worker could be started (the caller scans alone).
 * The scan's resources belong to a memory context under parent; deleting
 * that context (ddb_parallel_end) stops the workers and frees the DSM.
 */
extern DdbParallelScan *ddb_parallel_begin(const DdbTableMapping *m, const bool *needed,
										   DdbConnection *conn,
										   int total_segments, int nworkers,
										   const DdbSegmentStart *starts,
										   const DdbParallelRequest *request,
										   MemoryContext parent);

/* The next message of any worker; false when every worker has finished. */
extern bool ddb_parallel_next(DdbParallelScan *p, DdbParMessage *msg);
extern int	ddb_parallel_workers(DdbParallelScan *p);
/* Worker w's process id; 0 before it started and after it exited. */
extern int	ddb_parallel_worker_pid(DdbParallelScan *p, int w);
extern void ddb_parallel_end(DdbParallelScan *p);

/* The segment count for a scan of the table: the option, or from its size. */
extern int	ddb_segment_count(const DdbOptions *opts, DdbConnection *conn);

/* Background worker entry point. */
extern PGDLLEXPORT void ddb_segment_worker_main(Datum main_arg);

#endif							/* DDB_SEGMENTS_H */
