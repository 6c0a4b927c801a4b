/*-------------------------------------------------------------------------
 *
 * streams.h
 *		DynamoDB Streams: DescribeStream, GetShardIterator, GetRecords.
 *
 * The Streams API is JSON 1.0 with targets DynamoDBStreams_20120810.<Op>,
 * signed with the service name "dynamodb".  DescribeStream and
 * GetShardIterator answers are small (json-c); GetRecords pages of up to
 * 1,000 records are read with the pull reader, each record's Keys,
 * NewImage and OldImage captured as raw JSON for the PostgreSQL side to
 * decode.  Any
 * eventName is accepted and reported, with the record's userIdentity (AWS
 * marks deletes by Time to Live with it): what a record means is the
 * PostgreSQL side's decision.
 *
 * IDENTIFICATION
 *		src/aws/streams.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_STREAMS_H
#define DDB_STREAMS_H

#include "aws.h"
#include "dynamodb.h"
#include "http.h"
#include "service.h"

#define DDB_STREAMS_PREFIX "DynamoDBStreams_20120810."
#define DDB_STREAMS_MAX_RECORDS 1000

typedef struct DdbShard
{
	char	   *shard_id;
	char	   *parent_shard_id;	/* NULL: none */
	char	   *starting_sequence;
	char	   *ending_sequence;	/* NULL: the shard is still open */
} DdbShard;

typedef struct DdbStreamDesc
{
	char	   *status;			/* ENABLING, ENABLED, DISABLING, DISABLED */
	char	   *view_type;		/* NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES,
								 * KEYS_ONLY */
	int			nshards;
	DdbShard   *shards;
} DdbStreamDesc;

/* Every shard of the stream (all DescribeStream pages); malloc'd. */
extern bool ddb_streams_describe(DdbAwsService *svc, const DdbAwsCredentials *creds,
								 const char *stream_arn, DdbStreamDesc **desc,
								 DdbAwsError *err);
extern bool ddb_streams_parse_describe(const char *body, size_t len,
									   DdbStreamDesc *desc, char **last_shard,
									   DdbAwsError *err);
extern void ddb_stream_desc_free(DdbStreamDesc *desc);

/*
 * An iterator of a shard: type TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER or
 * AFTER_SEQUENCE_NUMBER (sequence then names the record).  malloc'd.
 */
extern bool ddb_streams_get_iterator(DdbAwsService *svc,
									 const DdbAwsCredentials *creds,
									 const char *stream_arn, const char *shard_id,
									 const char *type, const char *sequence,
									 char **iterator, DdbAwsError *err);

typedef enum DdbStreamEvent
{
	DDB_EVENT_INSERT = 'I',
	DDB_EVENT_MODIFY = 'M',
	DDB_EVENT_REMOVE = 'R',
	DDB_EVENT_OTHER = 'O'		/* any other eventName, or none */
} DdbStreamEvent;

/* the size of the names a record reports (eventName, userIdentity) */
#define DDB_STREAM_NAME_MAX 64

/*
 * One record; sequence, keys and the images point into the GetRecords body
 * (not terminated).  The names are copies, terminated, cut to
 * DDB_STREAM_NAME_MAX - 1 bytes on a UTF-8 character boundary, with control
 * characters (a decoded NUL too) as spaces: fit for a message; "" when the
 * record has none.
 */
typedef struct DdbStreamRecord
{
	DdbStreamEvent event;
	char		event_name[DDB_STREAM_NAME_MAX];	/* eventName as sent */
	char		identity_type[DDB_STREAM_NAME_MAX]; /* userIdentity.Type */
	char		identity_principal[DDB_STREAM_NAME_MAX];	/* .PrincipalId */
	const char *sequence;
	size_t		sequence_len;
	const char *keys;			/* raw JSON object */
	size_t		keys_len;
	const char *new_image;		/* raw JSON object, NULL when absent */
	size_t		new_image_len;
	const char *old_image;		/* raw JSON object, NULL when absent */
	size_t		old_image_len;
	double		created;		/* ApproximateCreationDateTime, epoch s; 0
								 * when absent */
} DdbStreamRecord;

typedef struct DdbRecordPage
{
	int			nrecords;
	int			cap;
	DdbStreamRecord *records;	/* malloc'd */
	char	   *next_iterator;	/* malloc'd; NULL: the shard is closed and
								 * read to its end */
} DdbRecordPage;

/* GetRecords of iterator (at most limit records); resp keeps the body. */
extern bool ddb_streams_get_records(DdbAwsService *svc,
									const DdbAwsCredentials *creds,
									const char *iterator, int limit,
									DdbHttpResponse *resp, DdbRecordPage *page,
									DdbAwsError *err);
extern bool ddb_streams_parse_records(const char *body, size_t len,
									  DdbRecordPage *page, DdbAwsError *err);
extern void ddb_record_page_free(DdbRecordPage *page);

#endif							/* DDB_STREAMS_H */
