/*-------------------------------------------------------------------------
 *
 * fuzz_dynamodb.c
 *		libFuzzer target of the DynamoDB control-response parsers
 *		(src/aws/dynamodb.c).
 *
 * Each input is handed, as a response body, to
 *
 *	- ddb_dynamodb_parse_describe_table: on success the description must
 *	  have a name and a partition key, key types among S, N, B (or unknown),
 *	  every index a name and a partition key; on failure no description;
 *	- ddb_dynamodb_parse_list_tables, appending to a list that already holds
 *	  a name: on failure *last is NULL;
 *	- ddb_dynamodb_parse_error, in a DdbHttpResponse built as
 *	  ddb_http_request leaves it (body in a DdbBuf), once with no headers
 *	  and once, when the input has a line break, with the first line as
 *	  X-Amzn-ErrorType and x-amzn-RequestId (as http.c copies header
 *	  values: trimmed, cut to the field) and the rest as the body.
 *
 * Every string returned is read back and freed; every error must be clean
 * text (terminated, UTF-8, no control characters): it ends up in a
 * PostgreSQL message.  An error body must also give something to show: a
 * code or a message.
 *
 * IDENTIFICATION
 *		test/fuzz/fuzz_dynamodb.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dynamodb.h"
#include "fuzz.h"
#include "http.h"

static void
check_key(const DdbKeySchema *k)
{
	FUZZ_ASSERT(k->partition_key != NULL);
	fuzz_touch_str(k->partition_key);
	fuzz_touch_str(k->sort_key);
	FUZZ_ASSERT(k->partition_type == '\0' || k->partition_type == 'S' ||
				k->partition_type == 'N' || k->partition_type == 'B');
	FUZZ_ASSERT(k->sort_type == '\0' || k->sort_type == 'S' ||
				k->sort_type == 'N' || k->sort_type == 'B');
	FUZZ_ASSERT(k->sort_key != NULL || k->sort_type == '\0');
}

static void
check_string_list(const DdbStringList *list)
{
	int			i;

	FUZZ_ASSERT(list->n >= 0 && list->n <= list->cap);
	for (i = 0; i < list->n; i++)
	{
		FUZZ_ASSERT(list->items[i] != NULL);
		fuzz_touch_str(list->items[i]);
	}
}

static void
fuzz_describe(const char *body, size_t len)
{
	DdbTableDesc *desc = (DdbTableDesc *) 1;	/* must be overwritten */
	DdbAwsError err;
	int			i;

	fuzz_dirty_error(&err);
	if (!ddb_dynamodb_parse_describe_table(body, len, &desc, &err))
	{
		FUZZ_ASSERT(desc == NULL);
		fuzz_check_failure(&err);
		return;
	}
	FUZZ_ASSERT(desc != NULL && desc->name != NULL);
	fuzz_touch_str(desc->name);
	fuzz_touch_str(desc->status);
	fuzz_touch_str(desc->arn);
	check_key(&desc->key);
	FUZZ_ASSERT(desc->nindexes >= 0);
	FUZZ_ASSERT(desc->nindexes == 0 || desc->indexes != NULL);
	for (i = 0; i < desc->nindexes; i++)
	{
		const DdbIndexDesc *ix = &desc->indexes[i];

		FUZZ_ASSERT(ix->name != NULL);
		fuzz_touch_str(ix->name);
		check_key(&ix->key);
		fuzz_touch_str(ix->projection_type);
		check_string_list(&ix->non_key_attributes);
	}
	fuzz_touch_str(desc->stream_view_type);
	fuzz_touch_str(desc->latest_stream_arn);
	ddb_table_desc_free(desc);
}

static void
fuzz_list_tables(const char *body, size_t len)
{
	DdbStringList tables = {0};
	DdbAwsError err;
	char	   *last = (char *) "dangling";	/* must be overwritten */

	/* a later page appends to what the earlier ones listed */
	FUZZ_ASSERT(ddb_string_list_add(&tables, "earlier", 7));
	fuzz_dirty_error(&err);
	if (ddb_dynamodb_parse_list_tables(body, len, &tables, &last, &err))
		fuzz_touch_str(last);
	else
	{
		FUZZ_ASSERT(last == NULL);
		fuzz_check_failure(&err);
	}
	FUZZ_ASSERT(tables.n >= 1 && strcmp(tables.items[0], "earlier") == 0);
	check_string_list(&tables);
	free(last);
	ddb_string_list_free(&tables);
}

/* A header value as http.c's copy_header_value stores it. */
static void
set_header(char *dst, size_t dstlen, const char *v, size_t len)
{
	while (len > 0 && ddb_isspace((unsigned char) *v))
	{
		v++;
		len--;
	}
	while (len > 0 && ddb_isspace((unsigned char) v[len - 1]))
		len--;
	if (len >= dstlen)
		len = dstlen - 1;
	memcpy(dst, v, len);
	dst[len] = '\0';
}

static void
fuzz_parse_error(long status, const char *header, size_t header_len,
				 const char *body, size_t len)
{
	DdbHttpResponse resp;
	DdbAwsError err;

	ddb_http_response_init(&resp);
	resp.status = status;
	/* an empty body leaves the buffer without memory, as http.c does */
	if (len > 0)
		ddb_buf_append(&resp.body, body, len);
	FUZZ_ASSERT(ddb_buf_ok(&resp.body));
	if (header != NULL)
	{
		set_header(resp.error_type, sizeof(resp.error_type), header, header_len);
		set_header(resp.request_id, sizeof(resp.request_id), header, header_len);
	}
	fuzz_dirty_error(&err);
	ddb_dynamodb_parse_error(&resp, &err);
	/* never fails: a service error or an HTTP error, always with text */
	FUZZ_ASSERT(err.kind == DDB_AWS_ERR_SERVICE || err.kind == DDB_AWS_ERR_HTTP);
	FUZZ_ASSERT(err.http_status == status);
	/* it says something: a code or a message (an empty Message may come) */
	FUZZ_ASSERT(err.code[0] != '\0' || err.message[0] != '\0');
	FUZZ_ASSERT(err.kind != DDB_AWS_ERR_HTTP || err.code[0] == '\0');
	fuzz_check_error(&err);
	ddb_http_response_free(&resp);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *) data;
	const char *nl = memchr(body, '\n', size);

	fuzz_describe(body, size);
	fuzz_list_tables(body, size);
	fuzz_parse_error(400, NULL, 0, body, size);
	if (nl != NULL)
		fuzz_parse_error(500, body, (size_t) (nl - body),
						 nl + 1, size - (size_t) (nl - body) - 1);
	return 0;
}
