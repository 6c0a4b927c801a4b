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

/* ----------------------------------------------------------------
 * Walking objects and lists
 * ----------------------------------------------------------------
 */

/* Reads or skips the value of one member; arg is the walker's. */
typedef bool (*MemberFn) (DdbJson *j, const DdbJsonStr *name, void *arg);

/* Reads one element of a list. */
typedef bool (*ElementFn) (DdbJson *j, void *arg);

/*
 * Walks the object at the reader's position, fn on each member.  The value
 * must be an object, else the reader fails with not_object (NULL: with the
 * reader's own message, as for a whole body).
 */
static bool
each_member(DdbJson *j, const char *not_object, MemberFn fn, void *arg)
{
	DdbJsonStr	name;
	bool		done;

	if (not_object != NULL && ddb_json_peek(j) != DDB_JSON_OBJECT)
		return ddb_json_fail(j, not_object);
	if (!ddb_json_enter_object(j))
		return false;
	for (;;)
	{
		if (!ddb_json_next_member(j, &name, &done))
			return false;
		if (done)
			return true;
		if (!fn(j, &name, arg))
			return false;
	}
}

/* Walks the list at the reader's position (else fails with not_array). */
static bool
each_element(DdbJson *j, const char *not_array, ElementFn fn, void *arg)
{
	bool		done;

	if (ddb_json_peek(j) != DDB_JSON_ARRAY)
		return ddb_json_fail(j, not_array);
	if (!ddb_json_enter_array(j))
		return false;
	for (;;)
	{
		if (!ddb_json_next_element(j, &done))
			return false;
		if (done)
			return true;
		if (!fn(j, arg))
			return false;
	}
}

/*
 * Reads a whole body, an object, fn on each of its members; what names the
 * answer in the message of a failure.  body may be NULL when empty.
 */
static bool
read_body(const char *body, size_t len, const char *what, MemberFn fn,
		  void *arg, DdbAwsError *err)
{
	DdbJson		j;
	bool		ok;

	/* an empty body may come as NULL: no pointer arithmetic on NULL */
	ddb_json_init(&j, body ? body : "", body ? len : 0);
	ok = each_member(&j, NULL, fn, arg) && ddb_json_finish(&j);
	if (!ok)
		reader_failed(&j, what, err);
	ddb_json_free(&j);
	return ok;
}

/* Captures a member's value, which must be an object. */
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

/* Fails on a member seen before (DynamoDB never repeats one). */
static bool
once(DdbJson *j, bool *seen, const char *problem)
{
	if (*seen)
		return ddb_json_fail(j, problem);
	*seen = true;
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

typedef struct CapacityWalk
{
	double	   *sum;
	bool		seen;			/* CapacityUnits */
} CapacityWalk;

static bool
capacity_member(DdbJson *j, const DdbJsonStr *name, void *arg)
{
	CapacityWalk *w = arg;

	if (!ddb_json_str_eq(name, "CapacityUnits"))
		return ddb_json_skip_value(j);
	return once(j, &w->seen, "CapacityUnits appears twice") &&
		read_units(j, w->sum);
}

/* One ConsumedCapacity object: its CapacityUnits (the table's total). */
static bool
read_capacity(DdbJson *j, void *sum)
{
	CapacityWalk w = {sum, false};

	return each_member(j, "a ConsumedCapacity entry is not an object",
					   capacity_member, &w);
}

/* ConsumedCapacity: one object (single writes) or a list (batch, transaction). */
static bool
read_consumed(DdbJson *j, DdbWriteAnswer *ans)
{
	if (!once(j, &ans->has_consumed_capacity, "ConsumedCapacity appears twice"))
		return false;
	if (ddb_json_peek(j) == DDB_JSON_ARRAY)
		return each_element(j, NULL, read_capacity, &ans->consumed_units);
	return read_capacity(j, &ans->consumed_units);
}

/* ----------------------------------------------------------------
 * UnprocessedItems
 * ----------------------------------------------------------------
 */

/* The body of a PutRequest (member "Item") or DeleteRequest ("Key"). */
typedef struct RequestWalk
{
	const char *member;
	bool		found;
} RequestWalk;

static bool
request_member(DdbJson *j, const DdbJsonStr *name, void *arg)
{
	RequestWalk *w = arg;

	if (!ddb_json_str_eq(name, w->member))
		return ddb_json_skip_value(j);
	if (!once(j, &w->found, "the Item of a PutRequest or Key of a DeleteRequest is repeated"))
		return false;
	if (ddb_json_peek(j) != DDB_JSON_OBJECT)
		return ddb_json_fail(j, "the Item of a PutRequest or Key of a DeleteRequest is not an object");
	return ddb_json_skip_value(j);
}

/* One member of a write request: PutRequest or DeleteRequest, alone. */
static bool
write_request_member(DdbJson *j, const DdbJsonStr *name, void *arg)
{
	int		   *n = arg;
	RequestWalk w = {NULL, false};

	if ((*n)++ > 0)
		return ddb_json_fail(j, "an unprocessed write request has more than one member");
	if (ddb_json_str_eq(name, "PutRequest"))
		w.member = "Item";
	else if (ddb_json_str_eq(name, "DeleteRequest"))
		w.member = "Key";
	else
		return ddb_json_fail(j, "an unprocessed write request is neither a PutRequest nor a DeleteRequest");
	if (!each_member(j, "a PutRequest or DeleteRequest is not an object",
					 request_member, &w))
		return false;
	return w.found ||
		ddb_json_fail(j, "a PutRequest has no Item or a DeleteRequest no Key");
}

/* One write request, counted in *(int *) arg. */
static bool
read_write_request(DdbJson *j, void *arg)
{
	int			members = 0;

	if (!each_member(j, "an unprocessed write request is not an object",
					 write_request_member, &members))
		return false;
	if (members == 0)
		return ddb_json_fail(j, "an unprocessed write request is empty");
	(*(int *) arg)++;
	return true;
}

/*
 * One table of UnprocessedItems: its list of write requests.  Whatever the
 * table, the whole object goes back as it came.
 */
static bool
unprocessed_table(DdbJson *j, const DdbJsonStr *name, void *arg)
{
	(void) name;
	return each_element(j, "an UnprocessedItems entry is not a list",
						read_write_request, arg);
}

/*
 * UnprocessedItems: {"<table>":[<write request>, ...], ...}.  Counts the
 * requests; the span is kept only when there is one at least.
 */
static bool
read_unprocessed(DdbJson *j, DdbWriteAnswer *ans)
{
	const char *start;
	int			n = 0;

	if (ddb_json_peek(j) != DDB_JSON_OBJECT)
		return ddb_json_fail(j, "UnprocessedItems is not an object");
	start = j->p;				/* peek stopped at the '{' */
	if (!each_member(j, NULL, unprocessed_table, &n))
		return false;
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
typedef struct AnswerWalk
{
	AnswerOf	of;
	DdbWriteAnswer *ans;
	bool		seen_attributes;
	bool		seen_unprocessed;
} AnswerWalk;

static bool
answer_member(DdbJson *j, const DdbJsonStr *name, void *arg)
{
	AnswerWalk *w = arg;

	if (w->of == OF_ITEM && ddb_json_str_eq(name, "Attributes"))
		return once(j, &w->seen_attributes, "Attributes appears twice") &&
			capture_object(j, "Attributes is not an object",
						   &w->ans->attributes, &w->ans->attributes_len);
	if (w->of == OF_BATCH && ddb_json_str_eq(name, "UnprocessedItems"))
		return once(j, &w->seen_unprocessed, "UnprocessedItems appears twice") &&
			read_unprocessed(j, w->ans);
	if (ddb_json_str_eq(name, "ConsumedCapacity"))
		return read_consumed(j, w->ans);
	return ddb_json_skip_value(j);
}

static bool
parse_answer(AnswerOf of, const char *body, size_t len, DdbWriteAnswer *ans,
			 DdbAwsError *err)
{
	AnswerWalk	w = {of, ans, false, false};

	memset(ans, 0, sizeof(*ans));
	if (read_body(body, len, answer_name[of], answer_member, &w, err))
		return true;
	memset(ans, 0, sizeof(*ans));
	return false;
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

typedef struct ReasonWalk
{
	DdbCancelReason *r;
	bool		have_code;
} ReasonWalk;

/* One member of a cancellation reason (Code, Message, Item). */
static bool
reason_member(DdbJson *j, const DdbJsonStr *name, void *arg)
{
	ReasonWalk *w = arg;
	DdbCancelReason *r = w->r;
	DdbJsonStr	v;

	if (ddb_json_str_eq(name, "Code"))
	{
		if (w->have_code || ddb_json_peek(j) != DDB_JSON_STRING)
			return ddb_json_fail(j, "the Code of a cancellation reason is repeated or not a string");
		if (!ddb_json_read_string(j, &v))
			return false;
		w->have_code = true;
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

typedef struct CancellationWalk
{
	DdbCancellation *out;
	int			cap;			/* of out->reasons */
	bool		seen;			/* CancellationReasons */
} CancellationWalk;

/*
 * One cancellation reason, appended to the walk's list.  It is counted
 * before it is read: one read in part still owns its message.
 */
static bool
read_reason(DdbJson *j, void *arg)
{
	CancellationWalk *cw = arg;
	DdbCancellation *out = cw->out;
	ReasonWalk	w = {NULL, false};

	if (out->nreasons == cw->cap)
	{
		DdbCancelReason *grown;

		if (cw->cap >= MAX_REASONS)
			return ddb_json_fail(j, "CancellationReasons holds too many reasons");
		cw->cap = cw->cap ? cw->cap * 2 : 16;
		grown = realloc(out->reasons, sizeof(DdbCancelReason) * (size_t) cw->cap);
		if (grown == NULL)
			return ddb_json_fail(j, "out of memory");
		out->reasons = grown;
	}
	w.r = &out->reasons[out->nreasons++];
	memset(w.r, 0, sizeof(*w.r));
	if (!each_member(j, "a cancellation reason is not an object", reason_member, &w))
		return false;
	return w.have_code || ddb_json_fail(j, "a cancellation reason has no Code");
}

static bool
cancellation_member(DdbJson *j, const DdbJsonStr *name, void *arg)
{
	CancellationWalk *w = arg;

	if (!ddb_json_str_eq(name, "CancellationReasons"))
		return ddb_json_skip_value(j);
	return once(j, &w->seen, "CancellationReasons appears twice") &&
		each_element(j, "CancellationReasons is not a list", read_reason, w);
}

bool
ddb_write_parse_cancellation(const char *body, size_t len, int expected_actions,
							 DdbCancellation *out, DdbAwsError *err)
{
	CancellationWalk w = {out, 0, false};
	bool		ok;

	memset(out, 0, sizeof(*out));
	ok = read_body(body, len, DDB_TRANSACTION_CANCELED, cancellation_member, &w, err);
	if (ok && expected_actions > 0 && out->nreasons != expected_actions)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
						  "malformed %s response: %d cancellation reasons for %d actions",
						  DDB_TRANSACTION_CANCELED, out->nreasons, expected_actions);
		ok = false;
	}
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

typedef struct FailureWalk
{
	const char **item;
	size_t	   *item_len;
	bool		seen;
} FailureWalk;

static bool
failure_member(DdbJson *j, const DdbJsonStr *name, void *arg)
{
	FailureWalk *w = arg;

	if (!ddb_json_str_eq(name, "Item"))
		return ddb_json_skip_value(j);
	return once(j, &w->seen, "Item appears twice") &&
		capture_object(j, "Item is not an object", w->item, w->item_len);
}

bool
ddb_write_parse_condition_failure(const char *body, size_t len,
								  const char **item, size_t *item_len,
								  DdbAwsError *err)
{
	FailureWalk w = {item, item_len, false};

	*item = NULL;
	*item_len = 0;
	if (read_body(body, len, DDB_CONDITIONAL_CHECK_FAILED, failure_member, &w, err))
		return true;
	*item = NULL;
	*item_len = 0;
	return false;
}
