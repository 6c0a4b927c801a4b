/*-------------------------------------------------------------------------
 *
 * streams.c
 *		DynamoDB Streams: DescribeStream, GetShardIterator, GetRecords.
 *
 * IDENTIFICATION
 *		src/aws/streams.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonc.h"
#include "streams.h"

/* A malloc'd copy of s, NULL stays NULL; false when out of memory. */
static bool
dup_string(const char *s, char **out)
{
	*out = NULL;
	if (s == NULL)
		return true;
	*out = strdup(s);
	return *out != NULL;
}

static void
free_shard(DdbShard *s)
{
	free(s->shard_id);
	free(s->parent_shard_id);
	free(s->starting_sequence);
	free(s->ending_sequence);
}

void
ddb_stream_desc_free(DdbStreamDesc *desc)
{
	int			i;

	if (desc == NULL)
		return;
	for (i = 0; i < desc->nshards; i++)
		free_shard(&desc->shards[i]);
	free(desc->shards);
	free(desc->status);
	free(desc->view_type);
	free(desc);
}

/*
 * Appends the shards of one DescribeStream answer to desc (status and view
 * type from the first page); *last_shard is LastEvaluatedShardId or NULL.
 */
bool
ddb_streams_parse_describe(const char *body, size_t len, DdbStreamDesc *desc,
						   char **last_shard, DdbAwsError *err)
{
	struct json_object *root = ddb_jsonc_parse(body, len);
	struct json_object *sd = ddb_jsonc_typed(root, "StreamDescription", json_type_object);
	struct json_object *shards = ddb_jsonc_typed(sd, "Shards", json_type_array);
	size_t		n;
	size_t		i;
	bool		ok = true;

	*last_shard = NULL;
	if (sd == NULL || shards == NULL)
	{
		json_object_put(root);
		ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
						  "DescribeStream response has no StreamDescription with Shards");
		return false;
	}
	/*
	 * Each from the first page that has it, checked one by one: a page
	 * without StreamStatus must not copy StreamViewType over (and leak) the
	 * one an earlier page gave.
	 */
	if (desc->status == NULL)
		ok = dup_string(ddb_jsonc_string(sd, "StreamStatus"), &desc->status);
	if (desc->view_type == NULL)
		ok = ok && dup_string(ddb_jsonc_string(sd, "StreamViewType"), &desc->view_type);
	ok = ok && dup_string(ddb_jsonc_string(sd, "LastEvaluatedShardId"), last_shard);

	n = json_object_array_length(shards);
	if (ok && n > 0)
	{
		DdbShard   *grown = realloc(desc->shards, sizeof(DdbShard) * (desc->nshards + n));

		if (grown != NULL)
			desc->shards = grown;
		else
			ok = false;
	}
	for (i = 0; ok && i < n; i++)
	{
		struct json_object *sh = json_object_array_get_idx(shards, i);
		struct json_object *range = ddb_jsonc_typed(sh, "SequenceNumberRange", json_type_object);
		DdbShard   *s = &desc->shards[desc->nshards];
		const char *id = ddb_jsonc_string(sh, "ShardId");

		memset(s, 0, sizeof(*s));
		if (id == NULL || id[0] == '\0')
		{
			json_object_put(root);
			free(*last_shard);
			*last_shard = NULL;
			ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
							  "DescribeStream response has a shard without ShardId");
			return false;
		}
		ok = dup_string(id, &s->shard_id) &&
			dup_string(ddb_jsonc_string(sh, "ParentShardId"), &s->parent_shard_id) &&
			dup_string(ddb_jsonc_string(range, "StartingSequenceNumber"), &s->starting_sequence) &&
			dup_string(ddb_jsonc_string(range, "EndingSequenceNumber"), &s->ending_sequence);
		desc->nshards++;
	}
	json_object_put(root);
	if (!ok)
	{
		free(*last_shard);
		*last_shard = NULL;
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
	}
	return ok;
}

static bool
describe_page(const char *body, size_t len, void *desc, char **next,
			  DdbAwsError *err)
{
	return ddb_streams_parse_describe(body, len, desc, next, err);
}

bool
ddb_streams_describe(DdbAwsService *svc, const DdbAwsCredentials *creds,
					 const char *stream_arn, DdbStreamDesc **out,
					 DdbAwsError *err)
{
	DdbStreamDesc *desc = calloc(1, sizeof(DdbStreamDesc));
	DdbBuf		head;
	bool		ok;

	*out = NULL;
	if (desc == NULL)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
		return false;
	}
	ddb_buf_init(&head);
	ddb_buf_append_str(&head, "\"StreamArn\":");
	ddb_buf_append_json_string(&head, stream_arn, strlen(stream_arn));
	if (!ddb_buf_ok(&head))
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
		ok = false;
	}
	else
		ok = ddb_dynamodb_call_pages(svc, creds, DDB_STREAMS_PREFIX "DescribeStream",
									 head.data, "ExclusiveStartShardId",
									 describe_page, desc, err);
	ddb_buf_free(&head);
	if (!ok)
	{
		ddb_stream_desc_free(desc);
		return false;
	}
	*out = desc;
	return true;
}

bool
ddb_streams_get_iterator(DdbAwsService *svc, const DdbAwsCredentials *creds,
						 const char *stream_arn, const char *shard_id,
						 const char *type, const char *sequence,
						 char **iterator, DdbAwsError *err)
{
	DdbHttpResponse resp;
	DdbBuf		body;
	bool		ok;

	*iterator = NULL;
	ddb_http_response_init(&resp);
	ddb_buf_init(&body);
	ddb_buf_append_str(&body, "{\"StreamArn\":");
	ddb_buf_append_json_string(&body, stream_arn, strlen(stream_arn));
	ddb_buf_append_str(&body, ",\"ShardId\":");
	ddb_buf_append_json_string(&body, shard_id, strlen(shard_id));
	ddb_buf_append_str(&body, ",\"ShardIteratorType\":");
	ddb_buf_append_json_string(&body, type, strlen(type));
	if (sequence)
	{
		ddb_buf_append_str(&body, ",\"SequenceNumber\":");
		ddb_buf_append_json_string(&body, sequence, strlen(sequence));
	}
	ddb_buf_append_char(&body, '}');
	if (!ddb_buf_ok(&body))
	{
		ddb_buf_free(&body);
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
		return false;
	}
	ok = ddb_dynamodb_call(svc, creds, DDB_STREAMS_PREFIX "GetShardIterator",
						   body.data, body.len, &resp, err);
	ddb_buf_free(&body);
	if (ok)
	{
		struct json_object *root = ddb_jsonc_parse(resp.body.data, resp.body.len);
		const char *it = ddb_jsonc_string(root, "ShardIterator");

		if (it == NULL || it[0] == '\0')
		{
			ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
							  "GetShardIterator response has no ShardIterator");
			ok = false;
		}
		else if (!dup_string(it, iterator))
		{
			ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
			ok = false;
		}
		json_object_put(root);
	}
	ddb_http_response_free(&resp);
	return ok;
}

void
ddb_record_page_free(DdbRecordPage *page)
{
	free(page->records);
	free(page->next_iterator);
	memset(page, 0, sizeof(*page));
}

static bool
parse_fail(DdbJson *j, DdbAwsError *err)
{
	ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
					  "malformed GetRecords response: %s at byte %zu",
					  j->error ? j->error : "unexpected content", j->error_offset);
	return false;
}

/* The "dynamodb" member of a record. */
static bool
parse_change(DdbJson *j, DdbStreamRecord *r, DdbAwsError *err)
{
	DdbJsonStr	name;
	bool		done;

	if (!ddb_json_enter_object(j))
		return parse_fail(j, err);
	for (;;)
	{
		DdbJsonStr	v;

		if (!ddb_json_next_member(j, &name, &done))
			return parse_fail(j, err);
		if (done)
			break;
		if (ddb_json_str_eq(&name, "Keys") || ddb_json_str_eq(&name, "NewImage") ||
			ddb_json_str_eq(&name, "OldImage"))
		{
			if (ddb_json_peek(j) != DDB_JSON_OBJECT)
			{
				ddb_json_fail(j, "Keys, NewImage or OldImage is not an object");
				return parse_fail(j, err);
			}
			if (!ddb_json_capture_value(j, &v))
				return parse_fail(j, err);
			if (ddb_json_str_eq(&name, "Keys"))
			{
				r->keys = v.ptr;
				r->keys_len = v.len;
			}
			else if (ddb_json_str_eq(&name, "NewImage"))
			{
				r->new_image = v.ptr;
				r->new_image_len = v.len;
			}
			else
			{
				r->old_image = v.ptr;
				r->old_image_len = v.len;
			}
		}
		else if (ddb_json_str_eq(&name, "SequenceNumber"))
		{
			/*
			 * The record points into the body, which the caller keeps; a
			 * string with escapes would be decoded into the reader's arena,
			 * freed when we return.  So the string is taken raw (quotes
			 * included) and one with a backslash refused: sequence numbers
			 * are digits, and without escapes there can be no NUL either.
			 */
			if (ddb_json_peek(j) != DDB_JSON_STRING ||
				!ddb_json_capture_value(j, &v) || v.len < 3 || v.len > 66 ||
				memchr(v.ptr, '\\', v.len) != NULL)
			{
				ddb_json_fail(j, "SequenceNumber is not a short string without escapes");
				return parse_fail(j, err);
			}
			r->sequence = v.ptr + 1;
			r->sequence_len = v.len - 2;
		}
		else if (ddb_json_str_eq(&name, "ApproximateCreationDateTime") &&
				 ddb_json_peek(j) == DDB_JSON_NUMBER)
		{
			char		tmp[64];

			if (!ddb_json_read_number(j, &v))
				return parse_fail(j, err);
			if (v.len < sizeof(tmp))
			{
				memcpy(tmp, v.ptr, v.len);
				tmp[v.len] = '\0';
				r->created = strtod(tmp, NULL);
			}
		}
		else if (!ddb_json_skip_value(j))
			return parse_fail(j, err);
	}
	return true;
}

/*
 * Reads a string value into buf (size bytes, terminated) as message text
 * (ddb_copy_clean: cut on a UTF-8 character boundary, control characters,
 * a decoded NUL too, become spaces).  Another type of value is skipped and
 * reads as "".
 */
static bool
read_name(DdbJson *j, char *buf, size_t size, DdbAwsError *err)
{
	DdbJsonStr	v;

	buf[0] = '\0';
	if (ddb_json_peek(j) != DDB_JSON_STRING)
		return ddb_json_skip_value(j) || parse_fail(j, err);
	if (!ddb_json_read_string(j, &v))
		return parse_fail(j, err);
	ddb_copy_clean(buf, size, v.ptr, v.len);
	return true;
}

/*
 * The "userIdentity" member of a record: {Type, PrincipalId} as GetRecords
 * sends it (the API's member names), or {type, principalId} as AWS's
 * documentation and Lambda's events spell them.
 */
static bool
parse_identity(DdbJson *j, DdbStreamRecord *r, DdbAwsError *err)
{
	DdbJsonStr	name;
	bool		done;

	if (ddb_json_peek(j) != DDB_JSON_OBJECT)
		return ddb_json_skip_value(j) || parse_fail(j, err);
	if (!ddb_json_enter_object(j))
		return parse_fail(j, err);
	for (;;)
	{
		if (!ddb_json_next_member(j, &name, &done))
			return parse_fail(j, err);
		if (done)
			return true;
		if (ddb_json_str_eq(&name, "Type") || ddb_json_str_eq(&name, "type"))
		{
			if (!read_name(j, r->identity_type, sizeof(r->identity_type), err))
				return false;
		}
		else if (ddb_json_str_eq(&name, "PrincipalId") ||
				 ddb_json_str_eq(&name, "principalId"))
		{
			if (!read_name(j, r->identity_principal, sizeof(r->identity_principal), err))
				return false;
		}
		else if (!ddb_json_skip_value(j))
			return parse_fail(j, err);
	}
}

/*
 * One record.  Any eventName is taken (INSERT, MODIFY and REMOVE are
 * recognised, anything else, or none, is DDB_EVENT_OTHER with the name
 * reported); Keys and SequenceNumber are required: without them a record
 * can be neither applied nor checkpointed.
 */
static bool
parse_record(DdbJson *j, DdbStreamRecord *r, DdbAwsError *err)
{
	DdbJsonStr	name;
	bool		done;

	memset(r, 0, sizeof(*r));
	r->event = DDB_EVENT_OTHER;
	if (!ddb_json_enter_object(j))
		return parse_fail(j, err);
	for (;;)
	{
		if (!ddb_json_next_member(j, &name, &done))
			return parse_fail(j, err);
		if (done)
			break;
		if (ddb_json_str_eq(&name, "eventName"))
		{
			if (!read_name(j, r->event_name, sizeof(r->event_name), err))
				return false;
			if (strcmp(r->event_name, "INSERT") == 0)
				r->event = DDB_EVENT_INSERT;
			else if (strcmp(r->event_name, "MODIFY") == 0)
				r->event = DDB_EVENT_MODIFY;
			else if (strcmp(r->event_name, "REMOVE") == 0)
				r->event = DDB_EVENT_REMOVE;
			else
				r->event = DDB_EVENT_OTHER;
		}
		else if (ddb_json_str_eq(&name, "userIdentity"))
		{
			if (!parse_identity(j, r, err))
				return false;
		}
		else if (ddb_json_str_eq(&name, "dynamodb"))
		{
			if (!parse_change(j, r, err))
				return false;
		}
		else if (!ddb_json_skip_value(j))
			return parse_fail(j, err);
	}
	if (r->keys == NULL || r->sequence == NULL)
	{
		if (r->sequence != NULL)
			ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
							  "malformed GetRecords response: record %.*s lacks Keys",
							  (int) r->sequence_len, r->sequence);
		else
			ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
							  "malformed GetRecords response: a record lacks SequenceNumber");
		return false;
	}
	return true;
}

bool
ddb_streams_parse_records(const char *body, size_t len, DdbRecordPage *page,
						  DdbAwsError *err)
{
	DdbJson		j;
	DdbJsonStr	name;
	bool		done;
	bool		ok = true;

	memset(page, 0, sizeof(*page));
	ddb_json_init(&j, body, len);
	if (!ddb_json_enter_object(&j))
		ok = parse_fail(&j, err);
	while (ok)
	{
		if (!ddb_json_next_member(&j, &name, &done))
		{
			ok = parse_fail(&j, err);
			break;
		}
		if (done)
			break;
		if (ddb_json_str_eq(&name, "Records"))
		{
			if (!ddb_json_enter_array(&j))
			{
				ok = parse_fail(&j, err);
				break;
			}
			for (;;)
			{
				if (!ddb_json_next_element(&j, &done))
				{
					ok = parse_fail(&j, err);
					break;
				}
				if (done)
					break;
				if (page->nrecords == page->cap)
				{
					int			cap = page->cap ? page->cap * 2 : 64;
					DdbStreamRecord *grown = realloc(page->records, sizeof(DdbStreamRecord) * cap);

					if (grown == NULL)
					{
						ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
						ok = false;
						break;
					}
					page->records = grown;
					page->cap = cap;
				}
				if (!parse_record(&j, &page->records[page->nrecords], err))
				{
					ok = false;
					break;
				}
				page->nrecords++;
			}
		}
		else if (ddb_json_str_eq(&name, "NextShardIterator") &&
				 ddb_json_peek(&j) == DDB_JSON_STRING)
		{
			DdbJsonStr	v;

			if (!ddb_json_read_string(&j, &v))
			{
				ok = parse_fail(&j, err);
				break;
			}
			free(page->next_iterator);
			page->next_iterator = strndup(v.ptr, v.len);
			if (page->next_iterator == NULL)
			{
				ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
				ok = false;
			}
		}
		else if (!ddb_json_skip_value(&j))
			ok = parse_fail(&j, err);
	}
	if (ok && !ddb_json_finish(&j))
		ok = parse_fail(&j, err);
	ddb_json_free(&j);
	if (!ok)
		ddb_record_page_free(page);
	return ok;
}

bool
ddb_streams_get_records(DdbAwsService *svc, const DdbAwsCredentials *creds,
						const char *iterator, int limit, DdbHttpResponse *resp,
						DdbRecordPage *page, DdbAwsError *err)
{
	DdbBuf		body;
	bool		ok;

	memset(page, 0, sizeof(*page));
	ddb_buf_init(&body);
	ddb_buf_append_str(&body, "{\"ShardIterator\":");
	ddb_buf_append_json_string(&body, iterator, strlen(iterator));
	if (limit > 0)
		ddb_buf_printf(&body, ",\"Limit\":%d", limit);
	ddb_buf_append_char(&body, '}');
	if (!ddb_buf_ok(&body))
	{
		ddb_buf_free(&body);
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
		return false;
	}
	ok = ddb_dynamodb_call(svc, creds, DDB_STREAMS_PREFIX "GetRecords",
						   body.data, body.len, resp, err) &&
		ddb_streams_parse_records(resp->body.data, resp->body.len, page, err);
	ddb_buf_free(&body);
	return ok;
}
