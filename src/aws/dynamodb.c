/*-------------------------------------------------------------------------
 *
 * dynamodb.c
 *		DynamoDB JSON 1.0 API: signed calls, request builders, and parsers
 *		for the small control responses (DescribeTable: describe.c).
 *
 * json-c is used for the control responses (ListTables, DescribeTable,
 * error bodies), where a DOM is convenient and speed does not matter.
 * Request bodies are written directly into a DdbBuf.
 *
 * IDENTIFICATION
 *		src/aws/dynamodb.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamodb.h"
#include "json.h"
#include "jsonc.h"

/* ----------------------------------------------------------------
 * JSON helpers (json-c)
 * ----------------------------------------------------------------
 */

/* Parses exactly len bytes of JSON; NULL when invalid or followed by junk. */
struct json_object *
ddb_jsonc_parse(const char *body, size_t len)
{
	struct json_tokener *tok;
	struct json_object *obj;
	size_t		end;

	if (len > (size_t) INT32_MAX)
		return NULL;
	tok = json_tokener_new();
	if (tok == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, body, (int) len);
	if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success)
	{
		json_object_put(obj);
		json_tokener_free(tok);
		return NULL;
	}
	end = json_tokener_get_parse_end(tok);
	while (end < len && ddb_isspace((unsigned char) body[end]))
		end++;
	json_tokener_free(tok);
	if (end != len)
	{
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

const char *
ddb_jsonc_string(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
		!json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

struct json_object *
ddb_jsonc_typed(struct json_object *obj, const char *key, enum json_type type)
{
	struct json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
		!json_object_is_type(v, type))
		return NULL;
	return v;
}

long long
ddb_jsonc_int64(struct json_object *obj, const char *key, long long dflt)
{
	struct json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
		!json_object_is_type(v, json_type_int))
		return dflt;
	return (long long) json_object_get_int64(v);
}

/*
 * Error code as the SDKs derive it: everything from the first ':' on, then
 * everything up to the last '#' is dropped ("com.amazonaws.dynamodb.v20120810#Foo"
 * and "ns#Foo:http://internal..." both give "Foo").  The ':' goes first,
 * as in the SDKs: the URL after it may hold a '#' of its own.
 */
static void
set_error_code(DdbAwsError *err, const char *raw)
{
	const char *colon = strchr(raw, ':');
	size_t		len = colon ? (size_t) (colon - raw) : strlen(raw);
	const char *s = raw;
	size_t		i;

	for (i = 0; i < len; i++)
		if (raw[i] == '#')
			s = raw + i + 1;
	ddb_copy_clean(err->code, sizeof(err->code), s, len - (size_t) (s - raw));
}

void
ddb_dynamodb_parse_error(const DdbHttpResponse *resp, DdbAwsError *err)
{
	struct json_object *obj = ddb_jsonc_parse(resp->body.data ? resp->body.data : "",
										 resp->body.len);
	const char *code = NULL;
	const char *msg = NULL;

	if (resp->error_type[0])
		code = resp->error_type;
	if (code == NULL)
		code = ddb_jsonc_string(obj, "__type");
	if (code == NULL)
		code = ddb_jsonc_string(obj, "code");
	msg = ddb_jsonc_string(obj, "message");
	if (msg == NULL)
		msg = ddb_jsonc_string(obj, "Message");
	if (code != NULL)
	{
		set_error_code(err, code);

		/*
		 * A type that names no code ("", "ns#", "#:...") is no code at all:
		 * as a service error it would say nothing (no code, maybe no
		 * message), so it becomes an HTTP error quoting the body, as STS
		 * does with an empty Code.
		 */
		if (err->code[0] == '\0')
			code = NULL;
	}
	ddb_aws_error_from_response(err, resp, code, msg);
	json_object_put(obj);
}

/* ----------------------------------------------------------------
 * Signed calls
 * ----------------------------------------------------------------
 */
/* Whether body is one complete JSON value (a cut-short answer is not). */
static bool
complete_json(const char *body, size_t len, DdbAwsError *err)
{
	DdbJson		j;
	bool		ok;

	ddb_json_init(&j, body, len);
	ok = ddb_json_skip_value(&j) && ddb_json_finish(&j);
	if (!ok)
		ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
						  "response is not complete JSON: %s at byte %zu of %zu",
						  j.error ? j.error : "syntax error", j.error_offset, len);
	ddb_json_free(&j);
	return ok;
}

/*
 * Judges a response that arrived: the status (an error body parsed into
 * err), the x-amz-crc32 checksum and, with check_json, that a 200 body is
 * one complete JSON value.
 */
static bool
check_answer(DdbHttpResponse *resp, bool check_json, DdbAwsError *err)
{
	if (resp->status != 200)
	{
		ddb_dynamodb_parse_error(resp, err);
		return false;
	}
	if (resp->has_crc32)
	{
		uint32_t	crc = ddb_crc32(0, resp->body.data, resp->body.len);

		if (resp->crc32_invalid || crc != resp->crc32)
		{
			err->http_status = resp->status;
			ddb_copy_clean(err->request_id, sizeof(err->request_id),
						   resp->request_id, strlen(resp->request_id));
			ddb_aws_error_set(err, DDB_AWS_ERR_CHECKSUM,
							  "x-amz-crc32 of the response does not match its body (%zu bytes)",
							  resp->body.len);
			return false;
		}
	}
	if (check_json && !complete_json(resp->body.data, resp->body.len, err))
	{
		err->http_status = resp->status;
		ddb_copy_clean(err->request_id, sizeof(err->request_id),
					   resp->request_id, strlen(resp->request_id));
		return false;
	}
	return true;
}

/* The X-Amz-Target of an operation ("Scan", or a full target). */
static void
set_target(DdbDynamoCall *call, const char *operation)
{
	if (strchr(operation, '.'))
		snprintf(call->target, sizeof(call->target), "%s", operation);
	else
		snprintf(call->target, sizeof(call->target), DDB_TARGET_PREFIX "%s", operation);
}

/* One whole attempt of call: sent, waited for, judged. */
static bool
call_once(DdbDynamoCall *call, const DdbAwsCredentials *creds, DdbAwsError *err)
{
	DdbHeader	hdr = {"X-Amz-Target", call->target};

	ddb_aws_error_clear(err);
	if (!ddb_aws_send_signed(call->svc, creds, "application/x-amz-json-1.0", &hdr, 1,
							 call->body, call->body_len, call->resp, err))
		return false;
	return check_answer(call->resp, call->check_json, err);
}

/* After a failed attempt (err): backs off and sends again while it may. */
static bool
retry_loop(DdbDynamoCall *call, const DdbAwsCredentials *creds, DdbAwsError *err)
{
	for (;;)
	{
		if (!ddb_aws_retry(call->svc, err, call->attempt))
			return false;
		call->attempt++;
		if (call_once(call, creds, err))
			return true;
	}
}

void
ddb_dynamodb_start(DdbDynamoCall *call, DdbAwsService *svc,
				   const DdbAwsCredentials *creds, const char *operation,
				   const char *body, size_t body_len, DdbHttpResponse *resp,
				   bool check_json)
{
	DdbHeader	hdr;

	memset(call, 0, sizeof(*call));
	call->svc = svc;
	set_target(call, operation);
	call->body = body;
	call->body_len = body_len;
	call->resp = resp;
	call->check_json = check_json;
	call->attempt = 1;
	hdr.name = "X-Amz-Target";
	hdr.value = call->target;
	ddb_aws_error_clear(&call->start_err);
	call->started = ddb_aws_start_signed(svc, creds, "application/x-amz-json-1.0",
										 &hdr, 1, body, body_len, resp,
										 &call->start_err);
}

bool
ddb_dynamodb_finish(DdbDynamoCall *call, const DdbAwsCredentials *creds,
					DdbAwsError *err)
{
	bool		ok;

	ddb_aws_error_clear(err);
	if (!call->started)
	{
		memcpy(err, &call->start_err, sizeof(*err));
		ok = false;
	}
	else
	{
		call->started = false;
		ok = ddb_http_finish(call->svc->http, call->resp, err) &&
			check_answer(call->resp, call->check_json, err);
	}
	if (ok)
		return true;
	return retry_loop(call, creds, err);
}

bool
ddb_dynamodb_retry(DdbDynamoCall *call, const DdbAwsCredentials *creds,
				   DdbAwsError *err)
{
	return retry_loop(call, creds, err);
}

void
ddb_dynamodb_abandon(DdbDynamoCall *call)
{
	if (call->started)
		ddb_http_abandon(call->svc->http, call->resp);
	call->started = false;
}

bool
ddb_dynamodb_call(DdbAwsService *svc, const DdbAwsCredentials *creds,
				  const char *operation, const char *body, size_t body_len,
				  DdbHttpResponse *resp, DdbAwsError *err)
{
	DdbDynamoCall call;

	memset(&call, 0, sizeof(call));
	call.svc = svc;
	set_target(&call, operation);
	call.body = body;
	call.body_len = body_len;
	call.resp = resp;
	call.check_json = true;
	call.attempt = 1;
	if (call_once(&call, creds, err))
		return true;
	return retry_loop(&call, creds, err);
}

/* ----------------------------------------------------------------
 * ListTables
 * ----------------------------------------------------------------
 */
bool
ddb_string_list_add(DdbStringList *list, const char *s, size_t len)
{
	char	   *copy;

	if (list->n == list->cap)
	{
		int			newcap = list->cap ? list->cap * 2 : 16;
		char	  **p = realloc(list->items, sizeof(char *) * (size_t) newcap);

		if (p == NULL)
			return false;
		list->items = p;
		list->cap = newcap;
	}
	copy = malloc(len + 1);
	if (copy == NULL)
		return false;
	memcpy(copy, s, len);
	copy[len] = '\0';
	list->items[list->n++] = copy;
	return true;
}

void
ddb_string_list_free(DdbStringList *list)
{
	int			i;

	for (i = 0; i < list->n; i++)
		free(list->items[i]);
	free(list->items);
	list->items = NULL;
	list->n = list->cap = 0;
}

bool
ddb_dynamodb_parse_list_tables(const char *body, size_t len,
							   DdbStringList *tables, char **last,
							   DdbAwsError *err)
{
	struct json_object *obj = ddb_jsonc_parse(body, len);
	struct json_object *names;
	const char *lastname;
	size_t		i;
	size_t		n;

	*last = NULL;
	names = ddb_jsonc_typed(obj, "TableNames", json_type_array);
	if (names == NULL)
	{
		json_object_put(obj);
		ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
						  "ListTables response has no TableNames array");
		return false;
	}
	n = json_object_array_length(names);
	for (i = 0; i < n; i++)
	{
		struct json_object *v = json_object_array_get_idx(names, i);

		if (!json_object_is_type(v, json_type_string))
		{
			json_object_put(obj);
			ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
							  "ListTables response has a table name that is not a string");
			return false;
		}
		if (!ddb_string_list_add(tables, json_object_get_string(v),
								 (size_t) json_object_get_string_len(v)))
		{
			json_object_put(obj);
			ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
			return false;
		}
	}
	lastname = ddb_jsonc_string(obj, "LastEvaluatedTableName");
	if (lastname != NULL && (*last = strdup(lastname)) == NULL)
	{
		json_object_put(obj);
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
		return false;
	}
	json_object_put(obj);
	return true;
}

bool
ddb_dynamodb_call_pages(DdbAwsService *svc, const DdbAwsCredentials *creds,
						const char *operation, const char *head,
						const char *start_member, DdbPageParser parse,
						void *arg, DdbAwsError *err)
{
	DdbHttpResponse resp;
	DdbBuf		body;
	char	   *start = NULL;
	bool		ok = true;

	ddb_http_response_init(&resp);
	ddb_buf_init(&body);
	do
	{
		char	   *next = NULL;

		ddb_buf_reset(&body);
		ddb_buf_append_char(&body, '{');
		ddb_buf_append_str(&body, head);
		if (start)
			ddb_buf_append_json_member(&body, start_member, start);
		ddb_buf_append_char(&body, '}');
		if (!ddb_buf_ok(&body))
		{
			ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
			ok = false;
			break;
		}
		ok = ddb_dynamodb_call(svc, creds, operation, body.data, body.len,
							   &resp, err) &&
			parse(resp.body.data, resp.body.len, arg, &next, err);
		/* a server repeating the start would make us loop forever */
		if (ok && next && start && strcmp(next, start) == 0)
		{
			const char *dot = strrchr(operation, '.');

			ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
							  "%s returned the same continuation twice",
							  dot ? dot + 1 : operation);
			ok = false;
		}
		free(start);
		start = next;
	} while (ok && start != NULL);
	free(start);
	ddb_buf_free(&body);
	ddb_http_response_free(&resp);
	return ok;
}

static bool
list_tables_page(const char *body, size_t len, void *tables, char **next,
				 DdbAwsError *err)
{
	return ddb_dynamodb_parse_list_tables(body, len, tables, next, err);
}

bool
ddb_dynamodb_list_all_tables(DdbAwsService *svc, const DdbAwsCredentials *creds,
							 DdbStringList *tables, DdbAwsError *err)
{
	return ddb_dynamodb_call_pages(svc, creds, "ListTables", "\"Limit\":100",
								   "ExclusiveStartTableName", list_tables_page,
								   tables, err);
}

/* ----------------------------------------------------------------
 * Read requests: Scan, Query, GetItem, BatchGetItem
 * ----------------------------------------------------------------
 */
/* Scan and Query share every member but the key condition. */
static void
build_read(const DdbScanRequest *req, bool query, DdbBuf *out)
{
	ddb_buf_append_str(out, "{\"TableName\":");
	ddb_buf_append_json_string(out, req->table_name, strlen(req->table_name));
	if (req->index_name)
		ddb_buf_append_json_member(out, "IndexName", req->index_name);
	if (query && req->key_condition_expression)
		ddb_buf_append_json_member(out, "KeyConditionExpression", req->key_condition_expression);
	if (query && req->scan_backward)
		ddb_buf_append_str(out, ",\"ScanIndexForward\":false");
	if (!query && req->total_segments > 0)
		ddb_buf_printf(out, ",\"Segment\":%d,\"TotalSegments\":%d",
					   req->segment, req->total_segments);
	if (req->limit > 0)
		ddb_buf_printf(out, ",\"Limit\":%ld", req->limit);
	if (req->select)
		ddb_buf_append_json_member(out, "Select", req->select);
	if (req->projection_expression)
		ddb_buf_append_json_member(out, "ProjectionExpression", req->projection_expression);
	if (req->filter_expression)
		ddb_buf_append_json_member(out, "FilterExpression", req->filter_expression);
	if (req->expression_attribute_names)
	{
		ddb_buf_append_str(out, ",\"ExpressionAttributeNames\":");
		ddb_buf_append_str(out, req->expression_attribute_names);
	}
	if (req->expression_attribute_values)
	{
		ddb_buf_append_str(out, ",\"ExpressionAttributeValues\":");
		ddb_buf_append_str(out, req->expression_attribute_values);
	}
	if (req->consistent_read)
		ddb_buf_append_str(out, ",\"ConsistentRead\":true");
	if (req->return_consumed_capacity)
		ddb_buf_append_str(out, ",\"ReturnConsumedCapacity\":\"TOTAL\"");
	if (req->exclusive_start_key)
	{
		ddb_buf_append_str(out, ",\"ExclusiveStartKey\":");
		ddb_buf_append_str(out, req->exclusive_start_key);
	}
	ddb_buf_append_char(out, '}');
}

void
ddb_dynamodb_build_scan(const DdbScanRequest *req, DdbBuf *out)
{
	build_read(req, false, out);
}

void
ddb_dynamodb_build_query(const DdbScanRequest *req, DdbBuf *out)
{
	build_read(req, true, out);
}

/* Projection, names and consistency of GetItem and of a BatchGetItem table. */
static void
append_get_options(const DdbGetRequest *req, DdbBuf *out)
{
	if (req->projection_expression)
		ddb_buf_append_json_member(out, "ProjectionExpression", req->projection_expression);
	if (req->expression_attribute_names)
	{
		ddb_buf_append_str(out, ",\"ExpressionAttributeNames\":");
		ddb_buf_append_str(out, req->expression_attribute_names);
	}
	if (req->consistent_read)
		ddb_buf_append_str(out, ",\"ConsistentRead\":true");
}

void
ddb_dynamodb_build_get_item(const DdbGetRequest *req, DdbBuf *out)
{
	ddb_buf_append_str(out, "{\"TableName\":");
	ddb_buf_append_json_string(out, req->table_name, strlen(req->table_name));
	ddb_buf_append_str(out, ",\"Key\":");
	ddb_buf_append_str(out, req->key);
	append_get_options(req, out);
	if (req->return_consumed_capacity)
		ddb_buf_append_str(out, ",\"ReturnConsumedCapacity\":\"TOTAL\"");
	ddb_buf_append_char(out, '}');
}

void
ddb_dynamodb_build_batch_get(const DdbGetRequest *req, DdbBuf *out)
{
	ddb_buf_append_str(out, "{\"RequestItems\":{");
	ddb_buf_append_json_string(out, req->table_name, strlen(req->table_name));
	ddb_buf_append_str(out, ":{\"Keys\":");
	ddb_buf_append_str(out, req->keys);
	append_get_options(req, out);
	ddb_buf_append_str(out, "}}");
	if (req->return_consumed_capacity)
		ddb_buf_append_str(out, ",\"ReturnConsumedCapacity\":\"TOTAL\"");
	ddb_buf_append_char(out, '}');
}

void
ddb_dynamodb_build_batch_get_retry(const char *unprocessed_keys,
								   bool return_consumed_capacity, DdbBuf *out)
{
	ddb_buf_append_str(out, "{\"RequestItems\":");
	ddb_buf_append_str(out, unprocessed_keys);
	if (return_consumed_capacity)
		ddb_buf_append_str(out, ",\"ReturnConsumedCapacity\":\"TOTAL\"");
	ddb_buf_append_char(out, '}');
}
