/*-------------------------------------------------------------------------
 *
 * request.c
 *		A row as a DynamoDB write: its item, its key, the update expression
 *		of its changed columns; sent through the call wrapper, its answer
 *		read.  The wire format (request bodies, answers, cancellation
 *		reasons) is src/aws/write.c's; here are the values, encoded by
 *		encode.c, and the errors, reported with the item's key and what the
 *		statement wrote before.
 *
 * IDENTIFICATION
 *		src/fdw/write/request.c
 *
 *-------------------------------------------------------------------------
 */
#include "modify.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "core/call.h"
#include "encode.h"

#define BATCH_WRITE_ATTEMPTS 10 /* for the same unprocessed items */

/* A name in UTF-8, NUL-terminated, palloc'd. */
static char *
utf8_name(const char *name)
{
	int			len = strlen(name);
	const char *utf8 = ddb_server_to_utf8(name, &len);

	return pnstrdup(utf8, len);
}

/*
 * The key's text form for messages, "(pk, sk)=(a, 1)": values[attnum - 1]
 * for the key columns attnums (0: not known, shown as "?").
 */
char *
ddb_modify_key_text(ModifyState *st, const Datum *values, const bool *isnull,
					const AttrNumber *attnums)
{
	StringInfoData s;
	int			k;

	initStringInfo(&s);
	appendStringInfoChar(&s, '(');
	for (k = 0; k < st->nkeys; k++)
		appendStringInfo(&s, "%s%s", k ? ", " : "", st->key_attribute[k]);
	appendStringInfoString(&s, ")=(");
	for (k = 0; k < st->nkeys; k++)
	{
		AttrNumber	a = attnums[k];

		if (k)
			appendStringInfoString(&s, ", ");
		if (a == 0 || isnull[a - 1])
			appendStringInfoString(&s, "?");
		else
		{
			FmgrInfo   *out = &st->outfunc[a - 1];

			/* looked up on first use, in the statement's memory, not per row */
			if (!OidIsValid(out->fn_oid))
			{
				Oid			typout;
				bool		varlena;

				getTypeOutputInfo(st->typid[a - 1], &typout, &varlena);
				fmgr_info_cxt(typout, out, GetMemoryChunkContext(st->outfunc));
			}
			appendStringInfoString(&s, OutputFunctionCall(out, values[a - 1]));
		}
	}
	appendStringInfoChar(&s, ')');
	return s.data;
}

/* The item of a row: {"attr": value, ...} (palloc'd JSON). */
char *
ddb_modify_item(ModifyState *st, TupleTableSlot *slot, const char *key)
{
	const DdbTableMapping *m = st->map;
	StringInfoData out;
	List	   *typed = NIL;
	int			n = 0;
	int			i;
	DdbEncodeTarget t = {st->relname, NULL, key};

	slot_getallattrs(slot);
	for (i = 0; i < st->natts; i++)
		if (m->columns[i].attribute && !slot->tts_isnull[i])
			typed = lappend(typed, m->columns[i].attribute);
	initStringInfo(&out);
	appendStringInfoChar(&out, '{');
	/* the whole item first, what typed columns say instead left out */
	if (m->item_attnum && !slot->tts_isnull[m->item_attnum - 1])
	{
		Datum		item = slot->tts_values[m->item_attnum - 1];

		t.column = m->columns[m->item_attnum - 1].name;
		if (getBaseType(st->typid[m->item_attnum - 1]) != JSONBOID)
			item = DirectFunctionCall1(jsonb_in, CStringGetDatum(TextDatumGetCString(item)));
		n = ddb_encode_item_members(&out, item, typed, &t);
	}
	for (i = 0; i < st->natts; i++)
	{
		int			len;
		const char *utf8;

		if (m->columns[i].attribute == NULL || slot->tts_isnull[i])
			continue;
		if (n++ > 0)
			appendStringInfoChar(&out, ',');
		len = strlen(m->columns[i].attribute);
		utf8 = ddb_server_to_utf8(m->columns[i].attribute, &len);
		ddb_append_json_string(&out, utf8, len);
		appendStringInfoChar(&out, ':');
		t.column = m->columns[i].name;
		ddb_encode_typed(&out, slot->tts_values[i], &st->enc[i], &t);
	}
	appendStringInfoChar(&out, '}');
	return out.data;
}

/* The key {"pk": v, "sk": w} of key values keyvals (of types types). */
char *
ddb_modify_key(ModifyState *st, const Datum *keyvals, const Oid *types, const char *key)
{
	StringInfoData out;
	DdbEncodeTarget t = {st->relname, NULL, key};
	int			k;

	initStringInfo(&out);
	appendStringInfoChar(&out, '{');
	for (k = 0; k < st->nkeys; k++)
	{
		int			len = strlen(st->key_attribute[k]);
		const char *utf8 = ddb_server_to_utf8(st->key_attribute[k], &len);

		if (k)
			appendStringInfoChar(&out, ',');
		ddb_append_json_string(&out, utf8, len);
		appendStringInfoChar(&out, ':');
		t.column = st->key_attnum[k] ? st->map->columns[st->key_attnum[k] - 1].name : NULL;
		/* a time key with a format is written as the column writes it */
		if (st->key_attnum[k] && st->enc[st->key_attnum[k] - 1].format != DDB_FORMAT_DEFAULT &&
			types[k] == st->typid[st->key_attnum[k] - 1])
			ddb_encode_typed(&out, keyvals[k], &st->enc[st->key_attnum[k] - 1], &t);
		else
			ddb_encode_value(&out, keyvals[k], types[k], &t);
	}
	appendStringInfoChar(&out, '}');
	return out.data;
}

/* The name #k of the partition key, for the existence conditions. */
DdbExprName *
ddb_modify_key_name(ModifyState *st)
{
	DdbExprName *n = palloc(sizeof(DdbExprName));

	n->placeholder = "#k";
	n->name = utf8_name(st->key_attribute[0]);
	return n;
}

/*
 * The update expression of st->target_attrs, values[attnum - 1] holding the
 * new values: SET for values, REMOVE for NULLs (expression NULL when
 * nothing changes); names #k (the partition key, for the condition) and #aN,
 * values :vN.
 */
void
ddb_modify_update_parts(ModifyState *st, const Datum *values, const bool *nulls,
						const char *key, DdbUpdateParts *parts)
{
	StringInfoData set;
	StringInfoData remove;
	int			n = list_length(st->target_attrs) + 1;
	DdbEncodeTarget t = {st->relname, NULL, key};
	ListCell   *lc;
	int			na = 0;

	initStringInfo(&set);
	initStringInfo(&remove);
	parts->names = palloc(sizeof(DdbExprName) * n);
	parts->values = palloc(sizeof(DdbExprValue) * n);
	parts->names[0] = *ddb_modify_key_name(st);
	parts->nnames = 1;
	parts->nvalues = 0;
	foreach(lc, st->target_attrs)
	{
		int			a = lfirst_int(lc) - 1;
		const DdbColumnMap *c = &st->map->columns[a];
		DdbExprName *name;

		if (c->attribute == NULL)
			continue;
		name = &parts->names[parts->nnames++];
		name->placeholder = psprintf("#a%d", na);
		name->name = utf8_name(c->attribute);
		if (nulls[a])
			appendStringInfo(&remove, "%s#a%d", remove.len ? ", " : "", na);
		else
		{
			DdbExprValue *v = &parts->values[parts->nvalues];
			StringInfoData json;

			initStringInfo(&json);
			t.column = c->name;
			ddb_encode_typed(&json, values[a], &st->enc[a], &t);
			v->placeholder = psprintf(":v%d", parts->nvalues);
			v->value = json.data;
			appendStringInfo(&set, "%s#a%d = %s", set.len ? ", " : "", na, v->placeholder);
			parts->nvalues++;
		}
		na++;
	}
	parts->expression = NULL;
	if (set.len || remove.len)
		parts->expression = psprintf("%s%s%s%s%s", set.len ? "SET " : "", set.data,
									 set.len && remove.len ? " " : "",
									 remove.len ? "REMOVE " : "", remove.data);
}

typedef struct WriteContext
{
	ModifyState *st;
	const char *key;
} WriteContext;

/* Error context: the item written, and what the statement wrote before. */
static void
write_error_context(void *arg)
{
	WriteContext *wc = arg;

	if (wc->key)
		errcontext("writing item %s of foreign table \"%s\"", wc->key, wc->st->relname);
	if (wc->st->written == 1)
		errcontext("1 row of this statement was written to DynamoDB before the failure; it stays written");
	else if (wc->st->written > 1)
		errcontext("%lld rows of this statement were written to DynamoDB before the failure; they stay written",
				   (long long) wc->st->written);
}

/*
 * Sends request body st->body as operation; true with the answer in
 * st->resp, false when allow_condition_failed and DynamoDB reported a
 * failed condition.  Any other failure is raised, naming the item (key,
 * may be NULL) and what the statement wrote before.
 */
static bool
send_body(ModifyState *st, const char *operation, const char *key,
		  bool allow_condition_failed)
{
	const DdbAwsCredentials *creds = ddb_connection_credentials(st->conn);
	DdbCall		call;
	bool		ok;
	ErrorContextCallback errcb;
	WriteContext wc = {st, key};

	ddb_call_begin(&call, st->conn->http, operation, st->opts.table_name);
	ok = ddb_dynamodb_call(&st->conn->svc, creds, operation, st->body.data, st->body.len,
						   &st->resp, &call.err);
	st->retries += ddb_call_end(&call);
	st->requests++;
	if (ok)
		return true;
	if (allow_condition_failed && ddb_call_error_is(&call, DDB_CONDITIONAL_CHECK_FAILED))
		return false;
	errcb.callback = write_error_context;
	errcb.arg = &wc;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	ddb_call_fail(&call);
}

/* Raises the error of a request the AWS layer could not build or read. */
static void
request_error(ModifyState *st, const DdbAwsError *err, const char *operation)
{
	if (err->kind == DDB_AWS_ERR_OOM)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	ddb_report_aws_error(err, operation, st->opts.table_name);
}

/*
 * Sends one PutItem, UpdateItem or DeleteItem; true with *ans read from the
 * answer, false when the write's condition failed.  Other failures are
 * raised.
 */
bool
ddb_modify_send(ModifyState *st, const DdbWrite *w, const char *key, DdbWriteAnswer *ans)
{
	const char *operation = ddb_write_operation(w->kind);
	DdbAwsError err;

	ddb_aws_error_clear(&err);
	ddb_buf_reset(&st->body);
	if (!ddb_write_build_item(w, false, &st->body, &err))
		request_error(st, &err, operation);
	if (!send_body(st, operation, key, w->condition_expression != NULL))
		return false;
	if (!ddb_write_parse_item_answer(st->resp.body.data, st->resp.body.len, ans, &err))
		request_error(st, &err, operation);
	return true;
}

/*
 * Sends puts (n of them, at most DDB_BATCH_WRITE_MAX) as one BatchWriteItem,
 * and what it leaves unprocessed again, with backoff, until all went.
 */
void
ddb_modify_send_batch(ModifyState *st, const DdbWrite *puts, int n)
{
	DdbBatchWrite b = {st->opts.table_name, puts, n, false};
	DdbWriteAnswer ans;
	DdbAwsError err;
	int			attempt = 0;

	ddb_aws_error_clear(&err);
	ddb_buf_reset(&st->body);
	if (!ddb_write_build_batch(&b, &st->body, &err))
		request_error(st, &err, "BatchWriteItem");
	for (;;)
	{
		(void) send_body(st, "BatchWriteItem", NULL, false);
		if (!ddb_write_parse_batch_answer(st->resp.body.data, st->resp.body.len, &ans, &err))
			request_error(st, &err, "BatchWriteItem");
		if (ans.unprocessed == NULL)
		{
			st->written += n;
			return;
		}
		if (++attempt > BATCH_WRITE_ATTEMPTS)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("DynamoDB BatchWriteItem left items of table \"%s\" unprocessed %d times",
							st->opts.table_name, BATCH_WRITE_ATTEMPTS),
					 errdetail_plural("%lld row of this statement was written to DynamoDB before the failure; it stays written.",
									  "%lld rows of this statement were written to DynamoDB before the failure; they stay written.",
									  (unsigned long) st->written, (long long) st->written),
					 errhint("The table's write capacity is exhausted; retry later.")));
		st->retries++;
		/* the unprocessed requests, copied out of the answer, go again */
		{
			DdbBuf		retry;

			ddb_buf_init(&retry);
			if (!ddb_write_build_batch_retry(ans.unprocessed, ans.unprocessed_len, false,
											 &retry, &err))
			{
				ddb_buf_free(&retry);
				request_error(st, &err, "BatchWriteItem");
			}
			ddb_buf_free(&st->body);
			st->body = retry;
		}
		ddb_call_unprocessed_backoff(attempt);
	}
}

/*
 * The Attributes of an answer (ReturnValues) decoded into slot, for
 * RETURNING; slot unchanged when the answer has none.
 */
TupleTableSlot *
ddb_modify_returned(ModifyState *st, TupleTableSlot *slot, const DdbWriteAnswer *ans)
{
	StringInfoData item;
	DdbPage		page;
	int			i;

	if (ans->attributes == NULL || st->decoder == NULL)
		return slot;
	/* {"Item":{...}} is what the decoder reads */
	initStringInfo(&item);
	appendStringInfoString(&item, "{\"Item\":");
	appendBinaryStringInfo(&item, ans->attributes, ans->attributes_len);
	appendStringInfoChar(&item, '}');
	ddb_decode_page(st->decoder, item.data, item.len, "UpdateItem", &page);
	if (page.nitems != 1)
		return slot;
	ExecClearTuple(slot);
	for (i = 0; i < slot->tts_tupleDescriptor->natts; i++)
	{
		slot->tts_values[i] = page.values[i];
		slot->tts_isnull[i] = page.nulls[i];
	}
	ExecStoreVirtualTuple(slot);
	return slot;
}
