/*-------------------------------------------------------------------------
 *
 * write_answer.c
 *		Readers of the answers to DynamoDB's write operations, and of the
 *		error bodies that tell why a condition or a transaction failed.
 *
 * See write.h for the contract.  Every reader walks the whole body with
 * the pull reader, so a truncated or malformed body is an error even when
 * the members the caller wants came before the damage.  Members a reader
 * returns are checked for their shape (an Attributes map is an object, an
 * UnprocessedItems entry a PutRequest or DeleteRequest, CapacityUnits a
 * number) and members it does not use are skipped but validated.  A member
 * the reader uses may appear only once: DynamoDB never repeats one, and
 * reading only the first or the last would be a guess.
 *
 * IDENTIFICATION
 *		src/aws/write_answer.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "write.h"

/*
 * A transaction has at most DDB_TRANSACT_WRITE_MAX actions today; a list of
 * reasons far longer than that is no answer to anything we sent, and must
 * not make us allocate without bound.
 */
#define MAX_REASONS (DDB_TRANSACT_WRITE_MAX * 10)

/* What a reader reports in its messages, by the answer it reads. */
typedef enum AnswerOf
{
	OF_ITEM,					/* PutItem, UpdateItem, DeleteItem */
	OF_BATCH,					/* BatchWriteItem */
	OF_TRANSACT					/* TransactWriteItems */
} AnswerOf;

static const char *const answer_name[] = {
	"PutItem, UpdateItem or DeleteItem", "BatchWriteItem", "TransactWriteItems"
};

/*
 * Sets err from the reader's error: MALFORMED, or OOM when the reader ran
 * out of memory decoding a string.  Always returns false.
 */
static bool
reader_failed(const DdbJson *j, const char *what, DdbAwsError *err)
{
	const char *why = j->error ? j->error : "unexpected content";

	ddb_aws_error_set(err,
					  strcmp(why, "out of memory") == 0 ? DDB_AWS_ERR_OOM : DDB_AWS_ERR_MALFORMED,
					  "malformed %s response: %s at byte %zu", what, why,
					  j->error_offset);
	return false;
}

/* Starts reading body, which may be NULL when empty. */
static void
reader_init(DdbJson *j, const char *body, size_t len)
{
	/* an empty body may come as NULL: no pointer arithmetic on NULL */
	if (body == NULL)
		ddb_json_init(j, "", 0);
	else
		ddb_json_init(j, body, len);
}

/* Captures an object member's value, which must be an object. */
static bool
capture_object(DdbJson *j, const char *problem, const char **ptr, size_t *len)
{
	DdbJsonStr	raw;

	if (ddb_json_peek(j) != DDB_JSON_OBJECT)
		return ddb_json_fail(j, problem);
	if (!ddb_json_capture_value(j, &raw))
		return false;
	*ptr = raw.ptr;
	*len = raw.len;
	return true;
}

/* ----------------------------------------------------------------
 * ConsumedCapacity
 * ----------------------------------------------------------------
 */

/* Adds one CapacityUnits number to *sum. */
static bool
read_units(DdbJson *j, double *sum)
{
	DdbJsonStr	v;
	char		tmp[64];
	double		units;

	if (ddb_json_peek(j) != DDB_JSON_NUMBER)
		return ddb_json_fail(j, "CapacityUnits is not a number");
	if (!ddb_json_read_number(j, &v))
		return false;
	if (v.len >= sizeof(tmp))
		return ddb_json_fail(j, "CapacityUnits has too many digits");
	memcpy(tmp, v.ptr, v.len);
	tmp[v.len] = '\0';
	/* the backend runs with LC_NUMERIC "C": strtod reads JSON numbers */
	units = strtod(tmp, NULL);
	if (!isfinite(units) || units < 0)
		return ddb_json_fail(j, "CapacityUnits is out of range");
	*sum += units;
	return true;
}

/* One ConsumedCapacity object: its CapacityUnits, the rest skipped. */
static bool
read_capacity(DdbJson *j, double *sum)
{
	DdbJsonStr	name;
	bool		done;
	bool		seen = false;

	if (ddb_json_peek(j) != DDB_JSON_OBJECT)
		return ddb_json_fail(j, "a ConsumedCapacity entry is not an object");
	if (!ddb_json_enter_object(j))
		return false;
	for (;;)
	{
		if (!ddb_json_next_member(j, &name, &done))
			return false;
		if (done)
			return true;
		if (ddb_json_str_eq(&name, "CapacityUnits"))
		{
			if (seen)
				return ddb_json_fail(j, "CapacityUnits appears twice");
			seen = true;
			if (!read_units(j, sum))
				return false;
		}
		else if (!ddb_json_skip_value(j))
			return false;
	}
}

/* ConsumedCapacity: one object (single writes) or a list (batch, transaction). */
static bool
read_consumed(DdbJson *j, DdbWriteAnswer *ans)
{
	bool		done;

	if (ans->has_consumed_capacity)
		return ddb_json_fail(j, "ConsumedCapacity appears twice");
	ans->has_consumed_capacity = true;
	if (ddb_json_peek(j) != DDB_JSON_ARRAY)
		return read_capacity(j, &ans->consumed_units);
	if (!ddb_json_enter_array(j))
		return false;
	for (;;)
	{
		if (!ddb_json_next_element(j, &done))
			return false;
		if (done)
			return true;
		if (!read_capacity(j, &ans->consumed_units))
			return false;
	}
}

/* ----------------------------------------------------------------
 * UnprocessedItems
 * ----------------------------------------------------------------
 */

/* The body of a PutRequest or DeleteRequest: member (Item, Key) must be in it. */
static bool
read_request_body(DdbJson *j, const char *member)
{
	DdbJsonStr	name;
	bool		done;
	bool		found = false;

	if (ddb_json_peek(j) != DDB_JSON_OBJECT)
		return ddb_json_fail(j, "a PutRequest or DeleteRequest is not an object");
	if (!ddb_json_enter_object(j))
		return false;
	for (;;)
	{
		if (!ddb_json_next_member(j, &name, &done))
			return false;
		if (done)
			break;
		if (ddb_json_str_eq(&name, member))
		{
			if (found || ddb_json_peek(j) != DDB_JSON_OBJECT)
				return ddb_json_fail(j, "the Item of a PutRequest or Key of a DeleteRequest is repeated or not an object");
			found = true;
		}
		if (!ddb_json_skip_value(j))
			return false;
	}
	if (!found)
		return ddb_json_fail(j, "a PutRequest has no Item or a DeleteRequest no Key");
	return true;
}

/* One write request: {"PutRequest":{"Item":...}} or {"DeleteRequest":{"Key":...}}. */
static bool
read_write_request(DdbJson *j)
{
	DdbJsonStr	name;
	bool		done;
	int			n = 0;

	if (ddb_json_peek(j) != DDB_JSON_OBJECT)
		return ddb_json_fail(j, "an unprocessed write request is not an object");
	if (!ddb_json_enter_object(j))
		return false;
	for (;;)
	{
		if (!ddb_json_next_member(j, &name, &done))
			return false;
		if (done)
			break;
		if (n++ > 0)
			return ddb_json_fail(j, "an unprocessed write request has more than one member");
		if (ddb_json_str_eq(&name, "PutRequest"))
		{
			if (!read_request_body(j, "Item"))
				return false;
		}
		else if (ddb_json_str_eq(&name, "DeleteRequest"))
		{
			if (!read_request_body(j, "Key"))
				return false;
		}
		else
			return ddb_json_fail(j, "an unprocessed write request is neither a PutRequest nor a DeleteRequest");
	}
	if (n == 0)
		return ddb_json_fail(j, "an unprocessed write request is empty");
	return true;
}

/*
 * UnprocessedItems: {"<table>":[<write request>, ...], ...}.  Counts the
 * requests; the span is kept only when there is one at least.
 */
static bool
read_unprocessed(DdbJson *j, DdbWriteAnswer *ans)
{
	const char *start;
	DdbJsonStr	name;
	bool		done;
	int			n = 0;

	if (ddb_json_peek(j) != DDB_JSON_OBJECT)
		return ddb_json_fail(j, "UnprocessedItems is not an object");
	start = j->p;				/* peek stopped at the '{' */
	if (!ddb_json_enter_object(j))
		return false;
	for (;;)
	{
		if (!ddb_json_next_member(j, &name, &done))
			return false;
		if (done)
			break;
		if (ddb_json_peek(j) != DDB_JSON_ARRAY)
			return ddb_json_fail(j, "an UnprocessedItems entry is not a list");
		if (!ddb_json_enter_array(j))
			return false;
		for (;;)
		{
			if (!ddb_json_next_element(j, &done))
				return false;
			if (done)
				break;
			if (!read_write_request(j))
				return false;
			n++;
		}
	}
	ans->nunprocessed = n;
	if (n > 0)
	{
		ans->unprocessed = start;
		ans->unprocessed_len = (size_t) (j->p - start);
	}
	return true;
}

/* ----------------------------------------------------------------
 * Answers of writes
 * ----------------------------------------------------------------
 */
static bool
parse_answer(AnswerOf of, const char *body, size_t len, DdbWriteAnswer *ans,
			 DdbAwsError *err)
{
	DdbJson		j;
	DdbJsonStr	name;
	bool		done = false;
	bool		ok;
	bool		seen_attributes = false;
	bool		seen_unprocessed = false;

	memset(ans, 0, sizeof(*ans));
	reader_init(&j, body, len);
	ok = ddb_json_enter_object(&j);
	while (ok)
	{
		ok = ddb_json_next_member(&j, &name, &done);
		if (!ok || done)
			break;
		if (of == OF_ITEM && ddb_json_str_eq(&name, "Attributes"))
		{
			ok = !seen_attributes ||
				ddb_json_fail(&j, "Attributes appears twice");
			seen_attributes = true;
			ok = ok && capture_object(&j, "Attributes is not an object",
									  &ans->attributes, &ans->attributes_len);
		}
		else if (of == OF_BATCH && ddb_json_str_eq(&name, "UnprocessedItems"))
		{
			ok = !seen_unprocessed ||
				ddb_json_fail(&j, "UnprocessedItems appears twice");
			seen_unprocessed = true;
			ok = ok && read_unprocessed(&j, ans);
		}
		else if (ddb_json_str_eq(&name, "ConsumedCapacity"))
			ok = read_consumed(&j, ans);
		else
			ok = ddb_json_skip_value(&j);
	}
	ok = ok && ddb_json_finish(&j);
	if (!ok)
	{
		reader_failed(&j, answer_name[of], err);
		memset(ans, 0, sizeof(*ans));
	}
	ddb_json_free(&j);
	return ok;
}

bool
ddb_write_parse_item_answer(const char *body, size_t len, DdbWriteAnswer *ans,
							DdbAwsError *err)
{
	return parse_answer(OF_ITEM, body, len, ans, err);
}

bool
ddb_write_parse_batch_answer(const char *body, size_t len, DdbWriteAnswer *ans,
							 DdbAwsError *err)
{
	return parse_answer(OF_BATCH, body, len, ans, err);
}

bool
ddb_write_parse_transact_answer(const char *body, size_t len,
								DdbWriteAnswer *ans, DdbAwsError *err)
{
	return parse_answer(OF_TRANSACT, body, len, ans, err);
}

/* ----------------------------------------------------------------
 * Failed conditions and cancelled transactions
 * ----------------------------------------------------------------
 */
static DdbCancelCode
cancel_code(const DdbJsonStr *code)
{
	static const struct
	{
		const char *name;
		DdbCancelCode kind;
	}			codes[] =
	{
		/* the API reference writes "NONE", the service sends "None" */
		{"None", DDB_CANCEL_NONE},
		{"NONE", DDB_CANCEL_NONE},
		{"ConditionalCheckFailed", DDB_CANCEL_CONDITIONAL_CHECK_FAILED},
		{"TransactionConflict", DDB_CANCEL_TRANSACTION_CONFLICT},
		{"ItemCollectionSizeLimitExceeded", DDB_CANCEL_ITEM_COLLECTION_SIZE_LIMIT_EXCEEDED},
		{"ProvisionedThroughputExceeded", DDB_CANCEL_THROUGHPUT_EXCEEDED},
		{"ThrottlingError", DDB_CANCEL_THROTTLING},
		{"ValidationError", DDB_CANCEL_VALIDATION},
	};
	size_t		i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (ddb_json_str_eq(code, codes[i].name))
			return codes[i].kind;
	return DDB_CANCEL_OTHER;
}

/* A malloc'd clean copy of s (see ddb_copy_clean); NULL when out of memory. */
static char *
clean_copy(const DdbJsonStr *s)
{
	char	   *copy = malloc(s->len + 1);

	/* cleaning never lengthens: every byte becomes at most one byte */
	if (copy != NULL)
		ddb_copy_clean(copy, s->len + 1, s->ptr, s->len);
	return copy;
}

/* One member of a cancellation reason (Code, Message, Item), into r. */
static bool
read_reason_member(DdbJson *j, const DdbJsonStr *name, DdbCancelReason *r,
				   bool *have_code)
{
	DdbJsonStr	v;

	if (ddb_json_str_eq(name, "Code"))
	{
		if (*have_code || ddb_json_peek(j) != DDB_JSON_STRING)
			return ddb_json_fail(j, "the Code of a cancellation reason is repeated or not a string");
		if (!ddb_json_read_string(j, &v))
			return false;
		*have_code = true;
		r->kind = cancel_code(&v);
		ddb_copy_clean(r->code, sizeof(r->code), v.ptr, v.len);
		return true;
	}
	if (ddb_json_str_eq(name, "Message"))
	{
		if (r->message != NULL || ddb_json_peek(j) != DDB_JSON_STRING)
			return ddb_json_fail(j, "the Message of a cancellation reason is repeated or not a string");
		if (!ddb_json_read_string(j, &v))
			return false;
		r->message = clean_copy(&v);
		return r->message != NULL || ddb_json_fail(j, "out of memory");
	}
	if (ddb_json_str_eq(name, "Item"))
	{
		if (r->item != NULL)
			return ddb_json_fail(j, "the Item of a cancellation reason is repeated");
		return capture_object(j, "the Item of a cancellation reason is not an object",
							  &r->item, &r->item_len);
	}
	return ddb_json_skip_value(j);
}

/* One cancellation reason; r is filled (and owns its message) even on failure. */
static bool
read_reason(DdbJson *j, DdbCancelReason *r)
{
	DdbJsonStr	name;
	bool		done;
	bool		have_code = false;

	memset(r, 0, sizeof(*r));
	if (ddb_json_peek(j) != DDB_JSON_OBJECT)
		return ddb_json_fail(j, "a cancellation reason is not an object");
	if (!ddb_json_enter_object(j))
		return false;
	for (;;)
	{
		if (!ddb_json_next_member(j, &name, &done))
			return false;
		if (done)
			break;
		if (!read_reason_member(j, &name, r, &have_code))
			return false;
	}
	if (!have_code)
		return ddb_json_fail(j, "a cancellation reason has no Code");
	return true;
}

/* CancellationReasons: the list, appended to out. */
static bool
read_reasons(DdbJson *j, DdbCancellation *out)
{
	bool		done;
	int			cap = 0;

	if (ddb_json_peek(j) != DDB_JSON_ARRAY)
		return ddb_json_fail(j, "CancellationReasons is not a list");
	if (!ddb_json_enter_array(j))
		return false;
	for (;;)
	{
		if (!ddb_json_next_element(j, &done))
			return false;
		if (done)
			return true;
		if (out->nreasons == cap)
		{
			DdbCancelReason *grown;

			if (cap >= MAX_REASONS)
				return ddb_json_fail(j, "CancellationReasons holds too many reasons");
			cap = cap ? cap * 2 : 16;
			grown = realloc(out->reasons, sizeof(DdbCancelReason) * (size_t) cap);
			if (grown == NULL)
				return ddb_json_fail(j, "out of memory");
			out->reasons = grown;
		}
		/* counted first: a reason read in part still owns its message */
		if (!read_reason(j, &out->reasons[out->nreasons++]))
			return false;
	}
}

bool
ddb_write_parse_cancellation(const char *body, size_t len, int expected_actions,
							 DdbCancellation *out, DdbAwsError *err)
{
	DdbJson		j;
	DdbJsonStr	name;
	bool		done = false;
	bool		seen = false;
	bool		ok;

	memset(out, 0, sizeof(*out));
	reader_init(&j, body, len);
	ok = ddb_json_enter_object(&j);
	while (ok)
	{
		ok = ddb_json_next_member(&j, &name, &done);
		if (!ok || done)
			break;
		if (ddb_json_str_eq(&name, "CancellationReasons"))
		{
			ok = !seen || ddb_json_fail(&j, "CancellationReasons appears twice");
			seen = true;
			ok = ok && read_reasons(&j, out);
		}
		else
			ok = ddb_json_skip_value(&j);
	}
	ok = ok && ddb_json_finish(&j);
	if (!ok)
		reader_failed(&j, DDB_TRANSACTION_CANCELED, err);
	else if (expected_actions > 0 && out->nreasons != expected_actions)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
						  "malformed %s response: %d cancellation reasons for %d actions",
						  DDB_TRANSACTION_CANCELED, out->nreasons, expected_actions);
		ok = false;
	}
	ddb_json_free(&j);
	if (!ok)
		ddb_cancellation_free(out);
	return ok;
}

void
ddb_cancellation_free(DdbCancellation *c)
{
	int			i;

	for (i = 0; i < c->nreasons; i++)
		free(c->reasons[i].message);
	free(c->reasons);
	c->reasons = NULL;
	c->nreasons = 0;
}

const DdbCancelReason *
ddb_cancellation_first(const DdbCancellation *c, int *index)
{
	int			i;

	for (i = 0; i < c->nreasons; i++)
	{
		if (c->reasons[i].kind != DDB_CANCEL_NONE)
		{
			if (index)
				*index = i;
			return &c->reasons[i];
		}
	}
	return NULL;
}

bool
ddb_write_parse_condition_failure(const char *body, size_t len,
								  const char **item, size_t *item_len,
								  DdbAwsError *err)
{
	DdbJson		j;
	DdbJsonStr	name;
	bool		done = false;
	bool		ok;

	*item = NULL;
	*item_len = 0;
	reader_init(&j, body, len);
	ok = ddb_json_enter_object(&j);
	while (ok)
	{
		ok = ddb_json_next_member(&j, &name, &done);
		if (!ok || done)
			break;
		if (ddb_json_str_eq(&name, "Item"))
			ok = (*item == NULL || ddb_json_fail(&j, "Item appears twice")) &&
				capture_object(&j, "Item is not an object", item, item_len);
		else
			ok = ddb_json_skip_value(&j);
	}
	ok = ok && ddb_json_finish(&j);
	if (!ok)
	{
		reader_failed(&j, DDB_CONDITIONAL_CHECK_FAILED, err);
		*item = NULL;
		*item_len = 0;
	}
	ddb_json_free(&j);
	return ok;
}
