/*-------------------------------------------------------------------------
 *
 * dynamodb.h
 *		DynamoDB JSON 1.0 API: signed calls, request builders, and parsers
 *		for the small control responses (ListTables, DescribeTable, errors).
 *
 * Scan and Query pages are not parsed here: their raw bodies go to the FDW
 * layer's streaming decoder (src/fdw/decode.c), which builds tuples
 * directly.
 *
 * IDENTIFICATION
 *		src/aws/dynamodb.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_DYNAMODB_H
#define DDB_DYNAMODB_H

#include "aws.h"
#include "http.h"
#include "service.h"

#define DDB_TARGET_PREFIX "DynamoDB_20120810."
#define DDB_STREAMS_TARGET_PREFIX "DynamoDBStreams_20120810."

/*
 * Sends one signed DynamoDB call (target = operation name, e.g. "Scan"),
 * checks the status and the x-amz-crc32 checksum, and on an error status
 * parses the error body into err (kind DDB_AWS_ERR_SERVICE with code and
 * message).  On success resp->body holds the JSON answer.
 */
extern bool ddb_dynamodb_call(DdbAwsService *svc, const DdbAwsCredentials *creds,
							  const char *operation, const char *body,
							  size_t body_len, DdbHttpResponse *resp,
							  DdbAwsError *err);

/* ddb_dynamodb_call of operation with the body {"TableName": table}. */
extern bool ddb_dynamodb_call_table(DdbAwsService *svc, const DdbAwsCredentials *creds,
									const char *operation, const char *table,
									DdbHttpResponse *resp, DdbAwsError *err);

/*
 * A call that may be started and completed later (a scan fetching its next
 * page while the caller decodes the last).  The body stays the caller's and
 * must stay valid until the call is finished (retries send it again); resp
 * must stay where it is.  Fields are the call's own.
 */
typedef struct DdbDynamoCall
{
	DdbAwsService *svc;
	char		target[128];
	const char *body;
	size_t		body_len;
	DdbHttpResponse *resp;
	bool		check_json;
	int			attempt;		/* attempts made so far */
	bool		started;		/* a request is under way */
	DdbAwsError start_err;		/* why it could not start */
} DdbDynamoCall;

/*
 * Signs and starts call (never waits for the answer).  check_json: whether
 * finish checks that a 200 body is one complete JSON value (false for a
 * caller whose parser reports a truncated or malformed body itself, as a
 * retryable error through ddb_dynamodb_retry).
 */
extern void ddb_dynamodb_start(DdbDynamoCall *call, DdbAwsService *svc,
							   const DdbAwsCredentials *creds,
							   const char *operation, const char *body,
							   size_t body_len, DdbHttpResponse *resp,
							   bool check_json);

/*
 * Completes a started call with ddb_dynamodb_call's result: a failed
 * attempt (including one that could not start) is retried as there, signed
 * with creds (fresh ones: the start's may have been replaced since).
 */
extern bool ddb_dynamodb_finish(DdbDynamoCall *call,
								const DdbAwsCredentials *creds,
								DdbAwsError *err);

/*
 * The caller found the answer of a finished call bad (err, e.g. a truncated
 * page its parser read): backs off and sends the call again, counting the
 * same attempts as finish; true with a new answer in resp, false with err
 * filled in when the error is not retryable or no retry is left.
 */
extern bool ddb_dynamodb_retry(DdbDynamoCall *call,
							   const DdbAwsCredentials *creds,
							   DdbAwsError *err);

/* Drops a started call's request, if under way. */
extern void ddb_dynamodb_abandon(DdbDynamoCall *call);

/*
 * The parser of one page for ddb_dynamodb_call_pages: reads body into its
 * result (arg) and sets *next to the malloc'd continuation, NULL on the
 * last page.
 */
typedef bool (*DdbPageParser) (const char *body, size_t len, void *arg,
							   char **next, DdbAwsError *err);

/*
 * Calls operation page after page until a page has no continuation.  The
 * body is {head} on the first page and {head,"<start_member>":"<the
 * continuation>"} after it (head: raw JSON members, e.g. "\"Limit\":100").
 * A continuation equal to the one just sent is DDB_AWS_ERR_MALFORMED: the
 * loop would never end.  What the pages added to arg stays there on failure
 * for the caller to free.
 */
extern bool ddb_dynamodb_call_pages(DdbAwsService *svc,
									const DdbAwsCredentials *creds,
									const char *operation, const char *head,
									const char *start_member,
									DdbPageParser parse, void *arg,
									DdbAwsError *err);

/* Fills err from a non-200 JSON 1.0 response (never fails). */
extern void ddb_dynamodb_parse_error(const DdbHttpResponse *resp,
									 DdbAwsError *err);

/* ---- ListTables ---- */
typedef struct DdbStringList
{
	char	  **items;
	int			n;
	int			cap;
} DdbStringList;

extern bool ddb_string_list_add(DdbStringList *list, const char *s, size_t len);
extern void ddb_string_list_free(DdbStringList *list);

/*
 * Parses one ListTables answer: appends the names to tables and sets *last
 * to a malloc'd LastEvaluatedTableName (NULL on the last page).
 */
extern bool ddb_dynamodb_parse_list_tables(const char *body, size_t len,
										   DdbStringList *tables, char **last,
										   DdbAwsError *err);

/* Lists every table, following LastEvaluatedTableName page by page. */
extern bool ddb_dynamodb_list_all_tables(DdbAwsService *svc,
										 const DdbAwsCredentials *creds,
										 DdbStringList *tables, DdbAwsError *err);

/* ---- DescribeTable ---- */
typedef struct DdbKeySchema
{
	char	   *partition_key;
	char		partition_type; /* 'S', 'N' or 'B'; '\0' when unknown */
	char	   *sort_key;		/* NULL without a sort key */
	char		sort_type;
} DdbKeySchema;

typedef struct DdbIndexDesc
{
	char	   *name;
	bool		global;
	DdbKeySchema key;
	char	   *projection_type;	/* ALL, KEYS_ONLY or INCLUDE */
	DdbStringList non_key_attributes;
	long long	item_count;
	long long	size_bytes;
} DdbIndexDesc;

typedef struct DdbTableDesc
{
	char	   *name;
	char	   *status;
	char	   *arn;
	DdbKeySchema key;
	long long	item_count;
	long long	size_bytes;
	int			nindexes;
	DdbIndexDesc *indexes;
	bool		stream_enabled;
	char	   *stream_view_type;
	char	   *latest_stream_arn;
} DdbTableDesc;

extern bool ddb_dynamodb_parse_describe_table(const char *body, size_t len,
											  DdbTableDesc **desc,
											  DdbAwsError *err);
extern bool ddb_dynamodb_describe_table(DdbAwsService *svc,
										const DdbAwsCredentials *creds,
										const char *table, DdbTableDesc **desc,
										DdbAwsError *err);
extern void ddb_table_desc_free(DdbTableDesc *desc);

/* ---- Scan ---- */
typedef struct DdbScanRequest
{
	const char *table_name;
	const char *index_name;		/* NULL: the table */
	int			segment;
	int			total_segments; /* 0: not a parallel scan */
	long		limit;			/* 0: no Limit */
	const char *exclusive_start_key;	/* raw JSON object or NULL */
	const char *projection_expression;	/* NULL: all attributes */
	const char *filter_expression;
	const char *expression_attribute_names; /* raw JSON object or NULL */
	const char *expression_attribute_values;	/* raw JSON object or NULL */
	bool		consistent_read;
	bool		return_consumed_capacity;
	const char *select;			/* e.g. "COUNT"; NULL: default */
	/* Query only */
	const char *key_condition_expression;
	bool		scan_backward;	/* ScanIndexForward false */
} DdbScanRequest;

/* Appends the JSON body of a Scan, or a Query (the same members plus the
 * key condition), to out. */
extern void ddb_dynamodb_build_scan(const DdbScanRequest *req, DdbBuf *out);
extern void ddb_dynamodb_build_query(const DdbScanRequest *req, DdbBuf *out);

/*
 * GetItem of one key, and BatchGetItem of up to 100 keys of one table.  key
 * is a raw JSON object ({"pk":{"S":"a"}}), keys a raw JSON array of them;
 * projection and names as for a Scan (NULL: every attribute).
 */
typedef struct DdbGetRequest
{
	const char *table_name;
	const char *key;			/* GetItem */
	const char *keys;			/* BatchGetItem */
	const char *projection_expression;
	const char *expression_attribute_names;
	bool		consistent_read;
	bool		return_consumed_capacity;
} DdbGetRequest;

extern void ddb_dynamodb_build_get_item(const DdbGetRequest *req, DdbBuf *out);
extern void ddb_dynamodb_build_batch_get(const DdbGetRequest *req, DdbBuf *out);

/* BatchGetItem again for the raw UnprocessedKeys of an answer. */
extern void ddb_dynamodb_build_batch_get_retry(const char *unprocessed_keys,
											   bool return_consumed_capacity,
											   DdbBuf *out);

#define DDB_BATCH_GET_MAX_KEYS 100

#endif							/* DDB_DYNAMODB_H */
