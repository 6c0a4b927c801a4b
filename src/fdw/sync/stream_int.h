/*-------------------------------------------------------------------------
 *
 * stream_int.h
 *		What applying a stream (stream.c) and applying one of its pages
 *		(stream_page.c) share.
 *
 * IDENTIFICATION
 *		src/fdw/sync/stream_int.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_STREAM_INT_H
#define DDB_STREAM_INT_H

#include "sync.h"

#include "aws/streams.h"

/*
 * records created this long before the snapshot began are in it (creation
 * times are truncated to the second, by DynamoDB Local to the minute)
 */
#define STREAM_SKIP_MARGIN_SECS 120
/* an expired iterator is asked for again this many times in a row */
#define STREAM_MAX_EXPIRED 3
/*
 * Consecutive empty pages after which a shard has nothing more for now:
 * GetRecords may answer empty pages before a part of the shard that holds
 * records ("it might take multiple calls"), so one is not enough.
 */
#define STREAM_MAX_EMPTY_PAGES 3

typedef struct ShardState
{
	char	   *shard_id;
	char	   *parent_id;		/* NULL: none */
	char	   *sequence;		/* last applied record; NULL: none yet */
	bool		closed;			/* DescribeStream gave an ending sequence */
	bool		done;			/* closed and applied to its end */
	bool		caught_up;		/* this run read all it has for now */
} ShardState;

/* One run of the stream. */
typedef struct StreamRun
{
	SyncJob    *job;
	DdbScanner *sc;
	const char *table_name;
	char	   *arn;
	bool		fetch_images;	/* KEYS_ONLY / OLD_IMAGE: BatchGetItem */
	double		skip_before;	/* epoch seconds; earlier records are skipped */
	List	   *shards;			/* ShardState, DescribeStream's order */
	MemoryContext page_cxt;		/* reset per page */
	int64		records;		/* records read by this run */
	char	   *stopped;		/* why the run stopped early (limits), or NULL */
	char	   *fallback;		/* why the stream cannot go on, or NULL */

	/* key columns' output functions, for the per-page key identity */
	FmgrInfo	key_out[2];

	unsigned long retries_seen; /* the clients' retry counts, last seen */

	/* malloc'd by the AWS layer: freed on the way out, even on error */
	DdbStreamDesc *sdesc;
	char	   *iterator;
	DdbRecordPage page;
	DdbHttpResponse resp;
} StreamRun;

/* in stream_page.c */
extern void sync_stream_apply_page(StreamRun *run, ShardState *sh, bool shard_done);

#endif							/* DDB_STREAM_INT_H */
