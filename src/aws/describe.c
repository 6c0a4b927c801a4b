/*-------------------------------------------------------------------------
 *
 * describe.c
 *		DescribeTable: the call, and its answer read into a DdbTableDesc
 *		(keys, their attribute types, indexes and their projections, item
 *		count and size, stream), with json-c as the other control answers
 *		(dynamodb.c).
 *
 * IDENTIFICATION
 *		src/aws/describe.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamodb.h"
#include "jsonc.h"

/* ----------------------------------------------------------------
 * DescribeTable
 * ----------------------------------------------------------------
 */
static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void
key_schema_free(DdbKeySchema *k)
{
	free(k->partition_key);
	free(k->sort_key);
	memset(k, 0, sizeof(*k));
}

/* Type letter of an attribute from AttributeDefinitions, '\0' if unknown. */
static char
attribute_type(struct json_object *defs, const char *name)
{
	size_t		i;
	size_t		n = defs ? json_object_array_length(defs) : 0;

	for (i = 0; i < n; i++)
	{
		struct json_object *d = json_object_array_get_idx(defs, i);
		const char *an = ddb_jsonc_string(d, "AttributeName");
		const char *at = ddb_jsonc_string(d, "AttributeType");

		if (an && at && strcmp(an, name) == 0 &&
			(strcmp(at, "S") == 0 || strcmp(at, "N") == 0 || strcmp(at, "B") == 0))
			return at[0];
	}
	return '\0';
}

static bool
parse_key_schema(struct json_object *schema, struct json_object *defs,
				 DdbKeySchema *key)
{
	size_t		i;
	size_t		n;

	memset(key, 0, sizeof(*key));
	if (schema == NULL)
		return false;
	n = json_object_array_length(schema);
	for (i = 0; i < n; i++)
	{
		struct json_object *k = json_object_array_get_idx(schema, i);
		const char *name = ddb_jsonc_string(k, "AttributeName");
		const char *type = ddb_jsonc_string(k, "KeyType");

		if (name == NULL || type == NULL)
			return false;
		if (strcmp(type, "HASH") == 0 && key->partition_key == NULL)
		{
			if ((key->partition_key = strdup(name)) == NULL)
				return false;
			key->partition_type = attribute_type(defs, name);
		}
		else if (strcmp(type, "RANGE") == 0 && key->sort_key == NULL)
		{
			if ((key->sort_key = strdup(name)) == NULL)
				return false;
			key->sort_type = attribute_type(defs, name);
		}
		else
			return false;
	}
	return key->partition_key != NULL;
}

/*
 * Appends the indexes described by arr to desc.  Returns false with err set
 * when an index has no name or no usable KeySchema (malformed), or when
 * memory runs out; what was appended so far stays in desc for the caller
 * to free.
 */
static bool
parse_indexes(struct json_object *arr, struct json_object *defs, bool global,
			  DdbTableDesc *desc, DdbAwsError *err)
{
	size_t		i;
	size_t		n;

	if (arr == NULL)
		return true;
	n = json_object_array_length(arr);
	if (n == 0)
		return true;
	{
		DdbIndexDesc *p = realloc(desc->indexes,
								  sizeof(DdbIndexDesc) * ((size_t) desc->nindexes + n));

		if (p == NULL)
			goto oom;
		desc->indexes = p;
	}
	for (i = 0; i < n; i++)
	{
		struct json_object *ix = json_object_array_get_idx(arr, i);
		DdbIndexDesc *d = &desc->indexes[desc->nindexes];
		struct json_object *proj = ddb_jsonc_typed(ix, "Projection", json_type_object);
		struct json_object *nk = ddb_jsonc_typed(proj, "NonKeyAttributes", json_type_array);
		const char *name = ddb_jsonc_string(ix, "IndexName");

		memset(d, 0, sizeof(*d));
		desc->nindexes++;
		d->global = global;
		if (name == NULL ||
			!parse_key_schema(ddb_jsonc_typed(ix, "KeySchema", json_type_array), defs, &d->key))
		{
			char		shown[201];

			/*
			 * Remote text in a message that reaches PostgreSQL: cleaned
			 * (json-c passes invalid UTF-8 and control characters) and cut
			 * between characters, which "%.200s" would not do.
			 */
			ddb_copy_clean(shown, sizeof(shown), name ? name : "",
						   name ? strlen(name) : 0);
			ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
							  "DescribeTable response has a %s secondary index \"%s\" without a valid KeySchema",
							  global ? "global" : "local", shown);
			return false;
		}
		if ((d->name = strdup(name)) == NULL)
			goto oom;
		d->projection_type = dup_or_null(ddb_jsonc_string(proj, "ProjectionType"));
		if (nk)
		{
			size_t		k;

			for (k = 0; k < json_object_array_length(nk); k++)
			{
				struct json_object *a = json_object_array_get_idx(nk, k);

				if (json_object_is_type(a, json_type_string) &&
					!ddb_string_list_add(&d->non_key_attributes,
										 json_object_get_string(a),
										 (size_t) json_object_get_string_len(a)))
					goto oom;
			}
		}
		d->item_count = ddb_jsonc_int64(ix, "ItemCount", -1);
		d->size_bytes = ddb_jsonc_int64(ix, "IndexSizeBytes", -1);
	}
	return true;

oom:
	ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
	return false;
}

bool
ddb_dynamodb_parse_describe_table(const char *body, size_t len,
								  DdbTableDesc **result, DdbAwsError *err)
{
	struct json_object *obj = ddb_jsonc_parse(body, len);
	struct json_object *t = ddb_jsonc_typed(obj, "Table", json_type_object);
	struct json_object *defs;
	struct json_object *stream;
	DdbTableDesc *desc;
	const char *name;

	*result = NULL;
	name = ddb_jsonc_string(t, "TableName");
	if (t == NULL || name == NULL)
	{
		json_object_put(obj);
		ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
						  "DescribeTable response has no Table.TableName");
		return false;
	}
	desc = calloc(1, sizeof(DdbTableDesc));
	if (desc == NULL)
		goto oom;
	defs = ddb_jsonc_typed(t, "AttributeDefinitions", json_type_array);
	if ((desc->name = strdup(name)) == NULL)
		goto oom;
	desc->status = dup_or_null(ddb_jsonc_string(t, "TableStatus"));
	desc->arn = dup_or_null(ddb_jsonc_string(t, "TableArn"));
	if (!parse_key_schema(ddb_jsonc_typed(t, "KeySchema", json_type_array), defs, &desc->key))
	{
		char		shown[201];

		/*
		 * name points into obj: report before releasing it, cleaned as in
		 * parse_indexes
		 */
		ddb_copy_clean(shown, sizeof(shown), name, strlen(name));
		ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
						  "DescribeTable response has no valid KeySchema for table \"%s\"",
						  shown);
		json_object_put(obj);
		ddb_table_desc_free(desc);
		return false;
	}
	desc->item_count = ddb_jsonc_int64(t, "ItemCount", -1);
	desc->size_bytes = ddb_jsonc_int64(t, "TableSizeBytes", -1);
	if (!parse_indexes(ddb_jsonc_typed(t, "GlobalSecondaryIndexes", json_type_array), defs, true, desc, err) ||
		!parse_indexes(ddb_jsonc_typed(t, "LocalSecondaryIndexes", json_type_array), defs, false, desc, err))
	{
		json_object_put(obj);
		ddb_table_desc_free(desc);
		return false;
	}
	stream = ddb_jsonc_typed(t, "StreamSpecification", json_type_object);
	if (stream)
	{
		struct json_object *en = ddb_jsonc_typed(stream, "StreamEnabled", json_type_boolean);

		desc->stream_enabled = en ? json_object_get_boolean(en) : false;
		desc->stream_view_type = dup_or_null(ddb_jsonc_string(stream, "StreamViewType"));
	}
	desc->latest_stream_arn = dup_or_null(ddb_jsonc_string(t, "LatestStreamArn"));
	json_object_put(obj);
	*result = desc;
	return true;

oom:
	json_object_put(obj);
	ddb_table_desc_free(desc);
	ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
	return false;
}

bool
ddb_dynamodb_call_table(DdbAwsService *svc, const DdbAwsCredentials *creds,
						const char *operation, const char *table, DdbHttpResponse *resp,
						DdbAwsError *err)
{
	DdbBuf		body;
	bool		ok;

	ddb_buf_init(&body);
	ddb_buf_append_str(&body, "{\"TableName\":");
	ddb_buf_append_json_string(&body, table, strlen(table));
	ddb_buf_append_char(&body, '}');
	if (!ddb_buf_ok(&body))
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
		ok = false;
	}
	else
		ok = ddb_dynamodb_call(svc, creds, operation, body.data, body.len, resp, err);
	ddb_buf_free(&body);
	return ok;
}

bool
ddb_dynamodb_describe_table(DdbAwsService *svc, const DdbAwsCredentials *creds,
							const char *table, DdbTableDesc **desc,
							DdbAwsError *err)
{
	DdbHttpResponse resp;
	bool		ok;

	*desc = NULL;
	ddb_http_response_init(&resp);
	ok = ddb_dynamodb_call_table(svc, creds, "DescribeTable", table, &resp, err) &&
		ddb_dynamodb_parse_describe_table(resp.body.data, resp.body.len, desc, err);
	ddb_http_response_free(&resp);
	return ok;
}

void
ddb_table_desc_free(DdbTableDesc *desc)
{
	int			i;

	if (desc == NULL)
		return;
	free(desc->name);
	free(desc->status);
	free(desc->arn);
	key_schema_free(&desc->key);
	for (i = 0; i < desc->nindexes; i++)
	{
		free(desc->indexes[i].name);
		key_schema_free(&desc->indexes[i].key);
		free(desc->indexes[i].projection_type);
		ddb_string_list_free(&desc->indexes[i].non_key_attributes);
	}
	free(desc->indexes);
	free(desc->stream_view_type);
	free(desc->latest_stream_arn);
	free(desc);
}
