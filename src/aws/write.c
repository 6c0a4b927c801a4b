/*-------------------------------------------------------------------------
 *
 * write.c
 *		Request bodies of DynamoDB's write operations: PutItem, UpdateItem,
 *		DeleteItem, BatchWriteItem and TransactWriteItems.
 *
 * See write.h for the contract.  A builder first checks the whole
 * description -- members the kind needs or may not have, UTF-8 text,
 * placeholders, and that every encoded fragment (item, key, expression
 * value) is one complete JSON object -- and only then writes, so that a
 * refused description leaves the output untouched.  The members are
 * written in the order of DynamoDB's API reference, which the unit tests
 * pin down byte for byte.
 *
 * IDENTIFICATION
 *		src/aws/write.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "write.h"

/* Where a write stands: its rules differ by request. */
typedef enum WriteContext
{
	IN_SINGLE,					/* PutItem, UpdateItem, DeleteItem */
	IN_BATCH,					/* a BatchWriteItem request */
	IN_TRANSACT					/* a TransactWriteItems action */
} WriteContext;

/* Names of the request (for messages) and of a transaction's actions. */
static const char *const kind_action[] = {"Put", "Update", "Delete", "ConditionCheck"};

static bool
valid_kind(DdbWriteKind kind)
{
	return kind >= DDB_WRITE_PUT && kind <= DDB_WRITE_CONDITION_CHECK;
}

const char *
ddb_write_operation(DdbWriteKind kind)
{
	switch (kind)
	{
		case DDB_WRITE_PUT:
			return "PutItem";
		case DDB_WRITE_UPDATE:
			return "UpdateItem";
		case DDB_WRITE_DELETE:
			return "DeleteItem";
		case DDB_WRITE_CONDITION_CHECK:
			break;
	}
	return NULL;
}

/* ----------------------------------------------------------------
 * Checks
 * ----------------------------------------------------------------
 */

/* "PutItem", "BatchWriteItem request 3", "TransactWriteItems action 7 (Update)" */
static void
describe(char *buf, size_t size, WriteContext where, const DdbWrite *w, int index)
{
	switch (where)
	{
		case IN_SINGLE:
			snprintf(buf, size, "%s", ddb_write_operation(w->kind));
			break;
		case IN_BATCH:
			snprintf(buf, size, "BatchWriteItem request %d", index);
			break;
		case IN_TRANSACT:
			snprintf(buf, size, "TransactWriteItems action %d (%s)", index,
					 kind_action[w->kind]);
			break;
	}
}

/* Sets an INVALID error "<what>: <problem>"; always returns false. */
static bool
refuse(DdbAwsError *err, const char *what, const char *problem,
	   const char *member)
{
	if (member)
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID, "%s: %s %s", what, member, problem);
	else
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID, "%s: %s", what, problem);
	return false;
}

/* Text sent as a JSON string: present when required, non-empty, UTF-8. */
static bool
check_text(const char *s, bool required, const char *what, const char *member,
		   DdbAwsError *err)
{
	if (s == NULL)
		return required ? refuse(err, what, "is missing", member) : true;
	if (s[0] == '\0')
		return refuse(err, what, "is empty", member);
	if (!ddb_utf8_valid(s, strlen(s)))
		return refuse(err, what, "is not valid UTF-8", member);
	return true;
}

/* An encoded fragment: exactly one JSON object (whitespace around it). */
static bool
check_object_span(const char *json, size_t len, const char *what,
				  const char *member, DdbAwsError *err)
{
	DdbJson		j;
	bool		ok;

	ddb_json_init(&j, json, len);
	ok = ddb_json_peek(&j) == DDB_JSON_OBJECT && ddb_json_skip_value(&j) &&
		ddb_json_finish(&j);
	if (!ok)
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
						  "%s: %s is not one JSON object (%s at byte %zu)",
						  what, member, j.error ? j.error : "not an object",
						  j.error_offset);
	ddb_json_free(&j);
	return ok;
}

static bool
check_object(const char *json, const char *what, const char *member,
			 DdbAwsError *err)
{
	if (json == NULL)
		return refuse(err, what, "is missing", member);
	return check_object_span(json, strlen(json), what, member, err);
}

/* lead ('#' or ':') and then one or more of [A-Za-z0-9_] */
static bool
valid_placeholder(const char *s, char lead)
{
	const char *p;

	if (s == NULL || s[0] != lead || s[1] == '\0')
		return false;
	for (p = s + 1; *p; p++)
		if (!ddb_isalnum((unsigned char) *p) && *p != '_')
			return false;
	return true;
}

static bool
check_expression_members(const DdbWrite *w, const char *what, DdbAwsError *err)
{
	int			i;

	if (w->nnames < 0 || (w->nnames > 0 && w->names == NULL) ||
		w->nvalues < 0 || (w->nvalues > 0 && w->values == NULL))
		return refuse(err, what, "has a negative count or a missing array of expression names or values", NULL);
	for (i = 0; i < w->nnames; i++)
	{
		if (!valid_placeholder(w->names[i].placeholder, '#'))
			return refuse(err, what, "has a placeholder that is not '#' and letters, digits or '_'",
						  "ExpressionAttributeNames");
		if (!check_text(w->names[i].name, true, what, "an attribute name of ExpressionAttributeNames", err))
			return false;
	}
	for (i = 0; i < w->nvalues; i++)
	{
		if (!valid_placeholder(w->values[i].placeholder, ':'))
			return refuse(err, what, "has a placeholder that is not ':' and letters, digits or '_'",
						  "ExpressionAttributeValues");
		if (!check_object(w->values[i].value, what, "a value of ExpressionAttributeValues", err))
			return false;
	}
	return true;
}

/* ReturnValues that DynamoDB accepts for the kind (single writes only). */
static bool
check_return_values(const DdbWrite *w, WriteContext where, const char *what,
					DdbAwsError *err)
{
	switch (w->return_values)
	{
		case DDB_RETURN_NONE:
			return true;
		case DDB_RETURN_ALL_OLD:
			if (where == IN_SINGLE)
				return true;
			break;
		case DDB_RETURN_UPDATED_OLD:
		case DDB_RETURN_ALL_NEW:
		case DDB_RETURN_UPDATED_NEW:
			if (where == IN_SINGLE && w->kind == DDB_WRITE_UPDATE)
				return true;
			break;
		default:
			return refuse(err, what, "is not a known value", "ReturnValues");
	}
	return refuse(err, what, "is not accepted here", "ReturnValues");
}

/*
 * Everything a write must satisfy where it stands; index numbers it in a
 * batch or transaction (for the message).
 */
static bool
check_write(const DdbWrite *w, WriteContext where, int index, DdbAwsError *err)
{
	char		what[80];
	bool		keyed;

	if (!valid_kind(w->kind) ||
		(where == IN_SINGLE && w->kind == DDB_WRITE_CONDITION_CHECK) ||
		(where == IN_BATCH && w->kind != DDB_WRITE_PUT && w->kind != DDB_WRITE_DELETE))
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
						  "write %d: kind %d is not a write this request can carry",
						  index, (int) w->kind);
		return false;
	}
	describe(what, sizeof(what), where, w, index);
	keyed = w->kind != DDB_WRITE_PUT;
	if (where != IN_BATCH && !check_text(w->table_name, true, what, "TableName", err))
		return false;
	if (keyed ? w->item != NULL : w->key != NULL)
		return refuse(err, what, "does not belong to this kind of write", keyed ? "Item" : "Key");
	if (keyed ? !check_object(w->key, what, "Key", err) : !check_object(w->item, what, "Item", err))
		return false;
	if (where == IN_BATCH &&
		(w->update_expression || w->condition_expression || w->nnames || w->nvalues ||
		 w->return_values != DDB_RETURN_NONE || w->return_old_on_condition_failure))
		return refuse(err, what, "has an expression or a return option, which BatchWriteItem cannot carry", NULL);
	if (w->kind != DDB_WRITE_UPDATE && w->update_expression != NULL)
		return refuse(err, what, "does not belong to this kind of write", "UpdateExpression");
	if (!check_text(w->update_expression,
					where == IN_TRANSACT && w->kind == DDB_WRITE_UPDATE,
					what, "UpdateExpression", err) ||
		!check_text(w->condition_expression, w->kind == DDB_WRITE_CONDITION_CHECK,
					what, "ConditionExpression", err))
		return false;
	return check_expression_members(w, what, err) &&
		check_return_values(w, where, what, err);
}

/* ----------------------------------------------------------------
 * Writing
 * ----------------------------------------------------------------
 */

/* "placeholder": of entry i of ExpressionAttributeNames or Values */
static void
append_placeholder(DdbBuf *out, int i, const char *placeholder)
{
	if (i > 0)
		ddb_buf_append_char(out, ',');
	ddb_buf_append_json_string(out, placeholder, strlen(placeholder));
	ddb_buf_append_char(out, ':');
}

/* ,"name":raw */
static void
append_raw_member(DdbBuf *out, const char *name, const char *raw)
{
	ddb_buf_append_char(out, ',');
	ddb_buf_append_json_string(out, name, strlen(name));
	ddb_buf_append_char(out, ':');
	ddb_buf_append_str(out, raw);
}

static const char *
return_values_name(DdbReturnValues rv)
{
	switch (rv)
	{
		case DDB_RETURN_ALL_OLD:
			return "ALL_OLD";
		case DDB_RETURN_UPDATED_OLD:
			return "UPDATED_OLD";
		case DDB_RETURN_ALL_NEW:
			return "ALL_NEW";
		case DDB_RETURN_UPDATED_NEW:
			return "UPDATED_NEW";
		case DDB_RETURN_NONE:
			break;
	}
	return NULL;
}

/*
 * The members of a checked single write or transaction action, inside its
 * braces: TableName, Item or Key, the expressions and the return options.
 */
static void
append_write_members(DdbBuf *out, const DdbWrite *w)
{
	int			i;

	ddb_buf_append_str(out, "\"TableName\":");
	ddb_buf_append_json_string(out, w->table_name, strlen(w->table_name));
	if (w->kind == DDB_WRITE_PUT)
		append_raw_member(out, "Item", w->item);
	else
		append_raw_member(out, "Key", w->key);
	if (w->update_expression)
		ddb_buf_append_json_member(out, "UpdateExpression", w->update_expression);
	if (w->condition_expression)
		ddb_buf_append_json_member(out, "ConditionExpression", w->condition_expression);
	if (w->nnames > 0)
	{
		ddb_buf_append_str(out, ",\"ExpressionAttributeNames\":{");
		for (i = 0; i < w->nnames; i++)
		{
			append_placeholder(out, i, w->names[i].placeholder);
			ddb_buf_append_json_string(out, w->names[i].name, strlen(w->names[i].name));
		}
		ddb_buf_append_char(out, '}');
	}
	if (w->nvalues > 0)
	{
		ddb_buf_append_str(out, ",\"ExpressionAttributeValues\":{");
		for (i = 0; i < w->nvalues; i++)
		{
			append_placeholder(out, i, w->values[i].placeholder);
			ddb_buf_append_str(out, w->values[i].value);
		}
		ddb_buf_append_char(out, '}');
	}
	if (w->return_values != DDB_RETURN_NONE)
		ddb_buf_append_json_member(out, "ReturnValues", return_values_name(w->return_values));
	if (w->return_old_on_condition_failure)
		ddb_buf_append_str(out, ",\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"");
}

/* Ends a request body; false with an OOM error when out ran out of memory. */
static bool
finish(DdbBuf *out, bool return_consumed_capacity, DdbAwsError *err)
{
	if (return_consumed_capacity)
		ddb_buf_append_str(out, ",\"ReturnConsumedCapacity\":\"TOTAL\"");
	ddb_buf_append_char(out, '}');
	if (!ddb_buf_ok(out))
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
		return false;
	}
	return true;
}

/* ----------------------------------------------------------------
 * Requests
 * ----------------------------------------------------------------
 */
bool
ddb_write_build_item(const DdbWrite *w, bool return_consumed_capacity,
					 DdbBuf *out, DdbAwsError *err)
{
	if (!check_write(w, IN_SINGLE, 0, err))
		return false;
	ddb_buf_append_char(out, '{');
	append_write_members(out, w);
	return finish(out, return_consumed_capacity, err);
}

bool
ddb_write_build_batch(const DdbBatchWrite *b, DdbBuf *out, DdbAwsError *err)
{
	int			i;

	if (!check_text(b->table_name, true, "BatchWriteItem", "TableName", err))
		return false;
	if (b->nrequests < 1 || b->nrequests > DDB_BATCH_WRITE_MAX || b->requests == NULL)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
						  "BatchWriteItem: %d requests (1 to %d allowed)",
						  b->nrequests, DDB_BATCH_WRITE_MAX);
		return false;
	}
	for (i = 0; i < b->nrequests; i++)
		if (!check_write(&b->requests[i], IN_BATCH, i, err))
			return false;

	ddb_buf_append_str(out, "{\"RequestItems\":{");
	ddb_buf_append_json_string(out, b->table_name, strlen(b->table_name));
	ddb_buf_append_str(out, ":[");
	for (i = 0; i < b->nrequests; i++)
	{
		const DdbWrite *w = &b->requests[i];

		if (i > 0)
			ddb_buf_append_char(out, ',');
		if (w->kind == DDB_WRITE_PUT)
		{
			ddb_buf_append_str(out, "{\"PutRequest\":{\"Item\":");
			ddb_buf_append_str(out, w->item);
		}
		else
		{
			ddb_buf_append_str(out, "{\"DeleteRequest\":{\"Key\":");
			ddb_buf_append_str(out, w->key);
		}
		ddb_buf_append_str(out, "}}");
	}
	ddb_buf_append_str(out, "]}");
	return finish(out, b->return_consumed_capacity, err);
}

bool
ddb_write_build_batch_retry(const char *unprocessed, size_t len,
							bool return_consumed_capacity, DdbBuf *out,
							DdbAwsError *err)
{
	if (unprocessed == NULL)
		return refuse(err, "BatchWriteItem retry", "is missing", "UnprocessedItems");
	if (!check_object_span(unprocessed, len, "BatchWriteItem retry",
						   "UnprocessedItems", err))
		return false;
	ddb_buf_append_str(out, "{\"RequestItems\":");
	ddb_buf_append(out, unprocessed, len);
	return finish(out, return_consumed_capacity, err);
}

/* 1 to DDB_CLIENT_REQUEST_TOKEN_MAX printable ASCII characters, no blank */
static bool
valid_token(const char *token)
{
	size_t		len = strlen(token);
	size_t		i;

	if (len < 1 || len > DDB_CLIENT_REQUEST_TOKEN_MAX)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char) token[i] <= 0x20 || (unsigned char) token[i] >= 0x7f)
			return false;
	return true;
}

bool
ddb_write_build_transact(const DdbTransactWrite *t, DdbBuf *out, DdbAwsError *err)
{
	int			i;

	if (t->nactions < 1 || t->nactions > DDB_TRANSACT_WRITE_MAX || t->actions == NULL)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
						  "TransactWriteItems: %d actions (1 to %d allowed)",
						  t->nactions, DDB_TRANSACT_WRITE_MAX);
		return false;
	}
	if (t->client_request_token && !valid_token(t->client_request_token))
		return refuse(err, "TransactWriteItems",
					  "is not 1 to 36 printable ASCII characters without blanks",
					  "ClientRequestToken");
	for (i = 0; i < t->nactions; i++)
		if (!check_write(&t->actions[i], IN_TRANSACT, i, err))
			return false;

	ddb_buf_append_str(out, "{\"TransactItems\":[");
	for (i = 0; i < t->nactions; i++)
	{
		const DdbWrite *w = &t->actions[i];

		if (i > 0)
			ddb_buf_append_char(out, ',');
		ddb_buf_append_str(out, "{\"");
		ddb_buf_append_str(out, kind_action[w->kind]);
		ddb_buf_append_str(out, "\":{");
		append_write_members(out, w);
		ddb_buf_append_str(out, "}}");
	}
	ddb_buf_append_char(out, ']');
	if (t->client_request_token)
		ddb_buf_append_json_member(out, "ClientRequestToken", t->client_request_token);
	return finish(out, t->return_consumed_capacity, err);
}
