/*-------------------------------------------------------------------------
 *
 * metadata.c
 *		A table's billing mode and capacity, time to live and point-in-time
 *		recovery (see metadata.h).
 *
 * The answers are small and read with the pull reader: each parser names
 * the members it wants by their path from the top object and the walk
 * skips (and validates) everything else.
 *
 * IDENTIFICATION
 *		src/aws/metadata.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "metadata.h"
#include "json.h"

#define MAX_PATH 3

/* A member wanted: its path of names, and where its value goes. */
typedef struct Want
{
	const char *path[MAX_PATH + 1]; /* NULL-terminated */
	char	  **str;			/* a string member, or NULL */
	long long  *num;			/* an integer member, or NULL */
} Want;

/* Whether the names above depth lead to w. */
static bool
prefix_matches(const Want *w, const DdbJsonStr *chain, int depth)
{
	int			i;

	for (i = 0; i < depth; i++)
		if (w->path[i] == NULL || !ddb_json_str_eq(&chain[i], w->path[i]))
			return false;
	return w->path[depth] != NULL;
}

/* Reads the value of a wanted leaf; other types than expected are skipped. */
static bool
read_leaf(DdbJson *j, const Want *w)
{
	DdbJsonStr	v;

	if (w->str && ddb_json_peek(j) == DDB_JSON_STRING)
	{
		char	   *s;

		if (!ddb_json_read_string(j, &v))
			return false;
		if (v.has_nul)
			return ddb_json_fail(j, "string holds a NUL character");
		if ((s = malloc(v.len + 1)) == NULL)
			return ddb_json_fail(j, "out of memory");
		memcpy(s, v.ptr, v.len);
		s[v.len] = '\0';
		free(*w->str);
		*w->str = s;
		return true;
	}
	if (w->num && ddb_json_peek(j) == DDB_JSON_NUMBER)
	{
		char		digits[32];
		char	   *end;

		if (!ddb_json_read_number(j, &v))
			return false;
		if (v.len == 0 || v.len >= sizeof(digits))
			return ddb_json_fail(j, "number out of range");
		memcpy(digits, v.ptr, v.len);
		digits[v.len] = '\0';
		*w->num = strtoll(digits, &end, 10);
		if (*end != '\0')
			return ddb_json_fail(j, "number is not an integer");
		return true;
	}
	return ddb_json_skip_value(j);
}

/* Walks the object at the reader's position, depth names below the top. */
static bool
walk(DdbJson *j, const Want *wants, int nwants, DdbJsonStr *chain, int depth)
{
	DdbJsonStr	name;
	bool		done;

	if (!ddb_json_enter_object(j))
		return false;
	for (;;)
	{
		bool		handled = false;
		int			i;

		if (!ddb_json_next_member(j, &name, &done))
			return false;
		if (done)
			return true;
		for (i = 0; i < nwants && !handled; i++)
		{
			const Want *w = &wants[i];

			if (!prefix_matches(w, chain, depth) || !ddb_json_str_eq(&name, w->path[depth]))
				continue;
			if (w->path[depth + 1] == NULL)
			{
				if (!read_leaf(j, w))
					return false;
				handled = true;
			}
			else if (ddb_json_peek(j) == DDB_JSON_OBJECT && depth + 1 < MAX_PATH)
			{
				chain[depth] = name;
				if (!walk(j, wants, nwants, chain, depth + 1))
					return false;
				handled = true;
			}
		}
		if (!handled && !ddb_json_skip_value(j))
			return false;
	}
}

/* Parses body for wants; on failure err says why (operation names it). */
static bool
parse(const char *body, size_t len, const Want *wants, int nwants,
	  const char *operation, DdbAwsError *err)
{
	DdbJson		j;
	DdbJsonStr	chain[MAX_PATH];
	bool		ok;

	ddb_json_init(&j, body, len);
	ok = walk(&j, wants, nwants, chain, 0) && ddb_json_finish(&j);
	if (!ok)
		ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
						  "malformed %s response: %s at byte %zu", operation,
						  j.error ? j.error : "invalid JSON", j.error_offset);
	ddb_json_free(&j);
	return ok;
}

bool
ddb_dynamodb_parse_table_capacity(const char *body, size_t len,
								  DdbTableCapacity *out, DdbAwsError *err)
{
	const Want	wants[] = {
		{{"Table", "BillingModeSummary", "BillingMode", NULL}, &out->billing_mode, NULL},
		{{"Table", "ProvisionedThroughput", "ReadCapacityUnits", NULL}, NULL, &out->read_units},
		{{"Table", "ProvisionedThroughput", "WriteCapacityUnits", NULL}, NULL, &out->write_units},
	};

	memset(out, 0, sizeof(*out));
	out->read_units = out->write_units = -1;
	if (!parse(body, len, wants, 3, "DescribeTable", err))
	{
		ddb_table_capacity_free(out);
		return false;
	}
	if (out->billing_mode == NULL && (out->billing_mode = strdup("PROVISIONED")) == NULL)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
		return false;
	}
	return true;
}

bool
ddb_dynamodb_parse_ttl(const char *body, size_t len, DdbTtlDesc *out,
					   DdbAwsError *err)
{
	const Want	wants[] = {
		{{"TimeToLiveDescription", "TimeToLiveStatus", NULL}, &out->status, NULL},
		{{"TimeToLiveDescription", "AttributeName", NULL}, &out->attribute, NULL},
	};

	memset(out, 0, sizeof(*out));
	if (!parse(body, len, wants, 2, "DescribeTimeToLive", err))
	{
		ddb_ttl_desc_free(out);
		return false;
	}
	return true;
}

bool
ddb_dynamodb_parse_backups(const char *body, size_t len, DdbBackupsDesc *out,
						   DdbAwsError *err)
{
	const Want	wants[] = {
		{{"ContinuousBackupsDescription", "ContinuousBackupsStatus", NULL},
		&out->continuous_backups, NULL},
		{{"ContinuousBackupsDescription", "PointInTimeRecoveryDescription",
		"PointInTimeRecoveryStatus", NULL}, &out->point_in_time_recovery, NULL},
	};

	memset(out, 0, sizeof(*out));
	if (!parse(body, len, wants, 2, "DescribeContinuousBackups", err))
	{
		ddb_backups_desc_free(out);
		return false;
	}
	return true;
}

bool
ddb_dynamodb_describe_table_capacity(DdbAwsService *svc,
									 const DdbAwsCredentials *creds,
									 const char *table, DdbTableDesc **desc,
									 DdbTableCapacity *capacity,
									 DdbAwsError *err)
{
	DdbHttpResponse resp;
	bool		ok;

	*desc = NULL;
	memset(capacity, 0, sizeof(*capacity));
	ddb_http_response_init(&resp);
	ok = ddb_dynamodb_call_table(svc, creds, "DescribeTable", table, &resp, err) &&
		ddb_dynamodb_parse_describe_table(resp.body.data, resp.body.len, desc, err);
	if (ok && !ddb_dynamodb_parse_table_capacity(resp.body.data, resp.body.len,
												 capacity, err))
	{
		ddb_table_desc_free(*desc);
		*desc = NULL;
		ok = false;
	}
	ddb_http_response_free(&resp);
	return ok;
}

bool
ddb_dynamodb_describe_ttl(DdbAwsService *svc, const DdbAwsCredentials *creds,
						  const char *table, DdbTtlDesc *out, DdbAwsError *err)
{
	DdbHttpResponse resp;
	bool		ok;

	memset(out, 0, sizeof(*out));
	ddb_http_response_init(&resp);
	ok = ddb_dynamodb_call_table(svc, creds, "DescribeTimeToLive", table, &resp, err) &&
		ddb_dynamodb_parse_ttl(resp.body.data, resp.body.len, out, err);
	ddb_http_response_free(&resp);
	return ok;
}

bool
ddb_dynamodb_describe_backups(DdbAwsService *svc, const DdbAwsCredentials *creds,
							  const char *table, DdbBackupsDesc *out,
							  DdbAwsError *err)
{
	DdbHttpResponse resp;
	bool		ok;

	memset(out, 0, sizeof(*out));
	ddb_http_response_init(&resp);
	ok = ddb_dynamodb_call_table(svc, creds, "DescribeContinuousBackups", table, &resp, err) &&
		ddb_dynamodb_parse_backups(resp.body.data, resp.body.len, out, err);
	ddb_http_response_free(&resp);
	return ok;
}

void
ddb_table_capacity_free(DdbTableCapacity *c)
{
	free(c->billing_mode);
	c->billing_mode = NULL;
}

void
ddb_ttl_desc_free(DdbTtlDesc *t)
{
	free(t->status);
	free(t->attribute);
	t->status = t->attribute = NULL;
}

void
ddb_backups_desc_free(DdbBackupsDesc *b)
{
	free(b->continuous_backups);
	free(b->point_in_time_recovery);
	b->continuous_backups = b->point_in_time_recovery = NULL;
}
