/*-------------------------------------------------------------------------
 *
 * write.h
 *		DynamoDB writes: the request bodies of PutItem, UpdateItem,
 *		DeleteItem, BatchWriteItem and TransactWriteItems, and readers of
 *		their answers and of a transaction's cancellation reasons.
 *
 * The PostgreSQL side encodes attribute values (Datums to DynamoDB
 * AttributeValue JSON) itself and hands the builders already encoded JSON
 * for items, keys and expression values.  Everything else -- table names,
 * expressions, attribute names, placeholders, the request's own members --
 * is written and escaped here, and every encoded fragment is checked to be
 * one complete JSON object first, so a request body is always valid JSON.
 *
 * Answers are read with the pull reader (json.h).  What a reader returns
 * that points into the body (Attributes, UnprocessedItems, a reason's Item)
 * is a raw JSON span, valid as long as the body is; the caller decodes it
 * with its own decoder or sends it back.  Malformed or truncated answers are
 * DDB_AWS_ERR_MALFORMED.
 *
 * IDENTIFICATION
 *		src/aws/write.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_WRITE_H
#define DDB_WRITE_H

#include "aws.h"

/* DynamoDB's limits per request */
#define DDB_BATCH_WRITE_MAX 25
#define DDB_TRANSACT_WRITE_MAX 100
#define DDB_CLIENT_REQUEST_TOKEN_MAX 36

typedef enum DdbWriteKind
{
	DDB_WRITE_PUT,				/* PutItem, PutRequest, Put */
	DDB_WRITE_UPDATE,			/* UpdateItem, Update */
	DDB_WRITE_DELETE,			/* DeleteItem, DeleteRequest, Delete */
	DDB_WRITE_CONDITION_CHECK	/* ConditionCheck (TransactWriteItems only) */
} DdbWriteKind;

/* ReturnValues of a single PutItem, UpdateItem or DeleteItem. */
typedef enum DdbReturnValues
{
	DDB_RETURN_NONE = 0,		/* the member is left out: DynamoDB's NONE */
	DDB_RETURN_ALL_OLD,			/* PutItem, UpdateItem, DeleteItem */
	DDB_RETURN_UPDATED_OLD,		/* UpdateItem only */
	DDB_RETURN_ALL_NEW,			/* UpdateItem only */
	DDB_RETURN_UPDATED_NEW		/* UpdateItem only */
} DdbReturnValues;

/*
 * One ExpressionAttributeNames entry: "#a0" stands for the attribute name.
 * Both are NUL-terminated UTF-8; the builder escapes them.  A placeholder is
 * '#' followed by one or more ASCII letters, digits or '_'.
 */
typedef struct DdbExprName
{
	const char *placeholder;
	const char *name;
} DdbExprName;

/*
 * One ExpressionAttributeValues entry: ":v0" stands for value, an encoded
 * AttributeValue JSON object ({"S":"x"}).  A placeholder is ':' followed by
 * one or more ASCII letters, digits or '_'.
 */
typedef struct DdbExprValue
{
	const char *placeholder;
	const char *value;
} DdbExprValue;

/*
 * One write.  Strings are NUL-terminated UTF-8 and stay the caller's; item,
 * key and every value are encoded JSON objects, written as they are; the
 * other strings are escaped.  NULL (or 0 entries) leaves a member out.
 *
 *	kind				what the write does; the members it needs:
 *						PUT item, UPDATE key (update_expression optional
 *						for a single UpdateItem, required in a
 *						transaction), DELETE key, CONDITION_CHECK key and
 *						condition_expression
 *	table_name			the table (name or ARN)
 *	condition_expression	ConditionExpression ("attribute_exists(#k)")
 *	names, values		ExpressionAttributeNames/Values (never sent empty)
 *	return_values		ReturnValues; single writes only, and only what
 *						DynamoDB accepts for the kind
 *	return_old_on_condition_failure
 *						ReturnValuesOnConditionCheckFailure ALL_OLD: a
 *						failed condition reports the item as it was (see
 *						ddb_write_parse_condition_failure and the
 *						cancellation reasons' Item)
 *
 * BatchWriteItem requests carry nothing but the item (PUT) or the key
 * (DELETE): DynamoDB has no conditions or expressions there.
 */
typedef struct DdbWrite
{
	DdbWriteKind kind;
	const char *table_name;
	const char *item;
	const char *key;
	const char *update_expression;
	const char *condition_expression;
	const DdbExprName *names;
	int			nnames;
	const DdbExprValue *values;
	int			nvalues;
	DdbReturnValues return_values;
	bool		return_old_on_condition_failure;
} DdbWrite;

/* BatchWriteItem of 1 to DDB_BATCH_WRITE_MAX requests on one table. */
typedef struct DdbBatchWrite
{
	const char *table_name;
	const DdbWrite *requests;	/* kind PUT or DELETE; their table_name is
								 * not used */
	int			nrequests;
	bool		return_consumed_capacity;
} DdbBatchWrite;

/* TransactWriteItems of 1 to DDB_TRANSACT_WRITE_MAX actions. */
typedef struct DdbTransactWrite
{
	const DdbWrite *actions;	/* any kind, each with its own table */
	int			nactions;
	const char *client_request_token;	/* NULL: none; else 1 to
										 * DDB_CLIENT_REQUEST_TOKEN_MAX
										 * printable ASCII characters,
										 * no blank (a UUID) */
	bool		return_consumed_capacity;
} DdbTransactWrite;

/* ----------------------------------------------------------------
 * Request builders (write.c)
 *
 * Each appends one request body to out and returns true, or returns false
 * with err set and out as it was before the call: DDB_AWS_ERR_INVALID when
 * the description is not a request DynamoDB would accept in form (a
 * missing member, a fragment that is not a JSON object, text that is not
 * UTF-8, too many requests, ...), DDB_AWS_ERR_OOM when out ran out of
 * memory (out then stays marked, see ddb_buf_ok).  err's message names the
 * offending member and the request's index, never the fragment's content.
 * ReturnConsumedCapacity is "TOTAL" when asked for.
 * ----------------------------------------------------------------
 */

/* The X-Amz-Target operation of a single write of this kind ("PutItem"). */
extern const char *ddb_write_operation(DdbWriteKind kind);

/* PutItem, UpdateItem or DeleteItem, after w->kind. */
extern bool ddb_write_build_item(const DdbWrite *w, bool return_consumed_capacity,
								 DdbBuf *out, DdbAwsError *err);

/* BatchWriteItem: {"RequestItems":{"<table>":[{"PutRequest":...},...]}}. */
extern bool ddb_write_build_batch(const DdbBatchWrite *b, DdbBuf *out,
								  DdbAwsError *err);

/*
 * BatchWriteItem again for what an answer left unprocessed: the
 * unprocessed span of a DdbWriteAnswer (len bytes, an UnprocessedItems
 * object) becomes the new RequestItems.  Copies the span, so the answer's
 * body may be reused as soon as this returns.
 */
extern bool ddb_write_build_batch_retry(const char *unprocessed, size_t len,
										bool return_consumed_capacity,
										DdbBuf *out, DdbAwsError *err);

/* TransactWriteItems: {"TransactItems":[{"Put":...},...],...}. */
extern bool ddb_write_build_transact(const DdbTransactWrite *t, DdbBuf *out,
									 DdbAwsError *err);

/* ----------------------------------------------------------------
 * Answer readers (write_answer.c)
 * ----------------------------------------------------------------
 */

/*
 * What a write's answer says.  Spans point into the body given to the
 * reader (not NUL-terminated) and live as long as it does; nothing here is
 * allocated, nothing needs freeing.
 *
 *	attributes		PutItem/UpdateItem/DeleteItem: the Attributes map
 *					(ReturnValues), NULL when the answer has none --
 *					for a DeleteItem with ALL_OLD: there was no item
 *	unprocessed		BatchWriteItem: the UnprocessedItems object, NULL
 *					when every request was processed (absent, {} or only
 *					empty lists); feed it to ddb_write_build_batch_retry
 *	nunprocessed	BatchWriteItem: requests in it, over all tables
 *	has_consumed_capacity, consumed_units
 *					ConsumedCapacity (asked for with
 *					return_consumed_capacity): the sum of CapacityUnits
 *					over the table(s), for a batch or a transaction over
 *					every table it wrote
 */
typedef struct DdbWriteAnswer
{
	const char *attributes;
	size_t		attributes_len;
	const char *unprocessed;
	size_t		unprocessed_len;
	int			nunprocessed;
	bool		has_consumed_capacity;
	double		consumed_units;
} DdbWriteAnswer;

/*
 * Read the answer of a PutItem, UpdateItem or DeleteItem; of a
 * BatchWriteItem; of a TransactWriteItems.  True with ans filled; false
 * with err set (DDB_AWS_ERR_MALFORMED: not JSON, truncated, or a member
 * of the wrong shape; DDB_AWS_ERR_OOM) and ans zeroed.  Members the reader
 * does not use (ItemCollectionMetrics, ...) are skipped, but validated.
 */
extern bool ddb_write_parse_item_answer(const char *body, size_t len,
										DdbWriteAnswer *ans, DdbAwsError *err);
extern bool ddb_write_parse_batch_answer(const char *body, size_t len,
										 DdbWriteAnswer *ans, DdbAwsError *err);
extern bool ddb_write_parse_transact_answer(const char *body, size_t len,
											DdbWriteAnswer *ans, DdbAwsError *err);

/* ----------------------------------------------------------------
 * Failed conditions and cancelled transactions
 *
 * A failed TransactWriteItems is the service error
 * TransactionCanceledException (ddb_dynamodb_call returns false, err->code
 * says so, and the response's body still holds the error body): its
 * CancellationReasons list one reason per action, in the order of the
 * actions, "None" for those that did not fail.
 * ----------------------------------------------------------------
 */
#define DDB_TRANSACTION_CANCELED "TransactionCanceledException"
#define DDB_CONDITIONAL_CHECK_FAILED "ConditionalCheckFailedException"

typedef enum DdbCancelCode
{
	DDB_CANCEL_NONE = 0,		/* "None": this action did not fail */
	DDB_CANCEL_CONDITIONAL_CHECK_FAILED,
	DDB_CANCEL_TRANSACTION_CONFLICT,	/* another transaction on the item */
	DDB_CANCEL_ITEM_COLLECTION_SIZE_LIMIT_EXCEEDED,
	DDB_CANCEL_THROUGHPUT_EXCEEDED, /* ProvisionedThroughputExceeded */
	DDB_CANCEL_THROTTLING,		/* ThrottlingError */
	DDB_CANCEL_VALIDATION,		/* ValidationError */
	DDB_CANCEL_OTHER			/* any other code: see code */
} DdbCancelCode;

typedef struct DdbCancelReason
{
	DdbCancelCode kind;
	char		code[64];		/* the Code as sent, cleaned (copy_clean) */
	char	   *message;		/* malloc'd clean text, NULL when absent */
	const char *item;			/* the Item (ALL_OLD) as a raw span into the
								 * body, NULL when absent */
	size_t		item_len;
} DdbCancelReason;

typedef struct DdbCancellation
{
	int			nreasons;
	DdbCancelReason *reasons;	/* malloc'd, in action order */
} DdbCancellation;

/*
 * Reads the CancellationReasons of a TransactionCanceledException body.
 * expected_actions > 0: the number of actions sent; a different number of
 * reasons (none at all included) is DDB_AWS_ERR_MALFORMED, since they could
 * not be matched to the actions.  With 0 any number is accepted, none
 * included.  On success out holds the reasons (free them with
 * ddb_cancellation_free); on failure out is empty and err set.
 */
extern bool ddb_write_parse_cancellation(const char *body, size_t len,
										 int expected_actions,
										 DdbCancellation *out, DdbAwsError *err);
extern void ddb_cancellation_free(DdbCancellation *c);

/* The first reason that is not DDB_CANCEL_NONE, its index in *index; NULL
 * when there is none. */
extern const DdbCancelReason *ddb_cancellation_first(const DdbCancellation *c,
													 int *index);

/*
 * Reads the Item of a ConditionalCheckFailedException body, which a single
 * write with return_old_on_condition_failure carries: *item is a span into
 * the body, NULL when the body has none (no item existed, or ALL_OLD was not
 * asked for).  False with err set when the body is not a JSON object or its
 * Item not an object.
 */
extern bool ddb_write_parse_condition_failure(const char *body, size_t len,
											  const char **item, size_t *item_len,
											  DdbAwsError *err);

#endif							/* DDB_WRITE_H */
