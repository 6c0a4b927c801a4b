/*-------------------------------------------------------------------------
 *
 * stream_int.h
 *		What reading a stream (stream.c), one of its pages (stream_page.c),
 *		applying records (stream_records.c) and the change buffer
 *		(stream_buffer.c) share.
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

#include "catalog.h"

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

/*
 * One reading of the stream: a stream run, which applies what it reads, or
 * (buffering) a snapshot's pass that keeps what it reads in the change
 * buffer; and the change buffer's application at a snapshot's end.
 */
typedef struct StreamRun
{
	SyncJob    *job;
	DdbScanner *sc;
	const char *table_name;
	char	   *arn;
	bool		fetch_images;	/* KEYS_ONLY / OLD_IMAGE: BatchGetItem */
	bool		buffering;		/* pages go to the change buffer */
	TimestampTz deadline;		/* buffering: stop here (between pages) */
	bool		consistent_saved;	/* the scanner's consistent_read */
	double		skip_before;	/* epoch seconds; earlier records are skipped */
	List	   *shards;			/* ShardState, DescribeStream's order */
	MemoryContext page_cxt;		/* reset per page */
	int64		records;		/* records read by this run */
	int64		kept;			/* buffering: records kept */
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

/* What a record does to the target (stream_records.c decides). */
typedef enum RecordKind
{
	REC_INSERT,					/* its new image, or the current item */
	REC_MODIFY,					/* the same */
	REC_REMOVE,					/* the row goes (or is marked deleted) */
	REC_TTL,					/* removed by Time to Live: ttl_deletes says */
	REC_UNKNOWN					/* an event ddb_fdw does not know: the item's
								 * current state decides */
} RecordKind;

/*
 * A record to apply, from a GetRecords page or from the change buffer.
 * The strings belong to the caller (terminated, except keys and image).
 */
typedef struct ApplyRecord
{
	RecordKind	kind;
	const char *event_name;		/* as the stream sent it */
	const char *shard_id;
	const char *sequence;
	const char *keys;			/* raw JSON: DynamoDB's Keys */
	size_t		keys_len;
	const char *image;			/* raw JSON: NewImage (a TTL removal: its
								 * OldImage), or NULL */
	size_t		image_len;

	/* set while applying */
	int			order;			/* in the caller's array */
	char	   *key;			/* identity of the key */
	Datum		keyvals[2];		/* key column values */
	bool		last;			/* the key's last record here */
} ApplyRecord;

/* in stream.c */
extern void sync_stream_run_init(StreamRun *run, SyncJob *job, DdbScanner *sc,
								 const char *table_name, const char *arn,
								 const char *view_type, TimestampTz stream_from,
								 bool buffering);
extern void sync_stream_run_free(StreamRun *run);
extern char *sync_stream_fill(SyncJob *job, DdbScanner *sc, const char *table_name,
							  const char *arn, const char *view_type,
							  TimestampTz stream_from, TimestampTz deadline,
							  bool *caught_up, int64 *kept);

/* in stream_page.c */
extern void sync_stream_apply_page(StreamRun *run, ShardState *sh, bool shard_done);
extern int64 sync_stream_run_retries(StreamRun *run);

/* in stream_records.c */
extern RecordKind sync_record_kind(const DdbStreamRecord *r);
extern RecordKind sync_record_kind_named(const char *event_name, bool ttl);
extern void sync_apply_records(StreamRun *run, ApplyRecord *recs, int n,
							   SyncStreamPage *counts);

/* in stream_buffer.c */
extern int64 sync_buffer_keep(StreamRun *run, const ApplyRecord *recs, int n);

#endif							/* DDB_STREAM_INT_H */
