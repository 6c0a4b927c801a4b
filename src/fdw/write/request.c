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
#include "port.h"

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
 * The guard of an increment of column a by delta (sign '+' or '-'), named
 * name: the attribute is a number (a missing one is NULL, and NULL + 1 is
 * NULL, which PostgreSQL computes), and for an integer column the result
 * stays in its range (else PostgreSQL raises the error).  Appends to guard,
 * values to parts.
 */
static void
increment_guard(ModifyState *st, int a, char sign, Datum delta, const char *name,
				StringInfo guard, DdbUpdateParts *parts)
{
	int64		d;
	int64		min;
	int64		max;
	int64		bound;
	bool		upper;
	DdbExprValue *v;

	if (guard->len == 0)
	{
		/* the first guard brings :tnum */
		v = &parts->values[parts->nvalues++];
		v->placeholder = ":tnum";
		v->value = "{\"S\":\"N\"}";
	}
	appendStringInfo(guard, "%sattribute_type(%s, :tnum)", guard->len ? " AND " : "", name);
	switch (st->typid[a])
	{
		case INT2OID:
			d = DatumGetInt16(delta), min = PG_INT16_MIN, max = PG_INT16_MAX;
			break;
		case INT4OID:
			d = DatumGetInt32(delta), min = PG_INT32_MIN, max = PG_INT32_MAX;
			break;
		case INT8OID:
			d = DatumGetInt64(delta), min = PG_INT64_MIN, max = PG_INT64_MAX;
			break;
		default:
			return;				/* numeric: no range */
	}
	if (d == 0)
		return;
	/* n + d <= max, n + d >= min, n - d >= min, n - d <= max */
	upper = (sign == '+') == (d > 0);
	if (sign == '+')
		bound = upper ? max - d : min - d;
	else
		bound = upper ? max + d : min + d;
	v = &parts->values[parts->nvalues];
	v->placeholder = psprintf(":b%d", parts->nvalues);
	v->value = psprintf("{\"N\":\"" INT64_FORMAT "\"}", bound);
	parts->nvalues++;
	appendStringInfo(guard, " AND %s %s %s", name, upper ? "<=" : ">=", v->placeholder);
}

/*
 * The update expression of st->target_attrs, values[attnum - 1] holding the
 * new values: SET for values, REMOVE for NULLs (expression NULL when
 * nothing changes); names #k (the partition key, for the condition) and #aN,
 * values :vN.  incr (NULL: none) marks, by attnum - 1, columns set to
 * themselves plus ('+') or minus ('-') values[attnum - 1]: SET #aN = #aN +
 * :vN, with their guard (increment_guard) in parts->guard.
 */
void
ddb_modify_update_parts(ModifyState *st, const Datum *values, const bool *nulls,
						const char *incr, const char *key, DdbUpdateParts *parts)
{
	StringInfoData set;
	StringInfoData remove;
	StringInfoData guard;
	int			n = list_length(st->target_attrs) + 1;
	DdbEncodeTarget t = {st->relname, NULL, key};
	ListCell   *lc;
	int			na = 0;

	initStringInfo(&set);
	initStringInfo(&remove);
	initStringInfo(&guard);
	parts->names = palloc(sizeof(DdbExprName) * n);
	parts->values = palloc(sizeof(DdbExprValue) * (2 * n + 1));
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
			parts->nvalues++;
			if (incr && incr[a])
			{
				appendStringInfo(&set, "%s#a%d = #a%d %c %s", set.len ? ", " : "", na, na,
								 incr[a], v->placeholder);
				increment_guard(st, a, incr[a], values[a], name->placeholder, &guard, parts);
			}
			else
				appendStringInfo(&set, "%s#a%d = %s", set.len ? ", " : "", na, v->placeholder);
		}
		na++;
	}
	parts->expression = NULL;
	if (set.len || remove.len)
		parts->expression = psprintf("%s%s%s%s%s", set.len ? "SET " : "", set.data,
									 set.len && remove.len ? " " : "",
									 remove.len ? "REMOVE " : "", remove.data);
	parts->guard = guard.len ? guard.data : NULL;
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
 * st->resp, false when DynamoDB answered with the error allowed (a failed
 * condition, a cancelled transaction; NULL: none), its body in st->resp.
 * Any other failure is raised, naming the item (key, may be NULL) and what
 * the statement wrote before.
 */
static bool
send_body(ModifyState *st, const char *operation, const char *key,
		  const char *allowed)
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
	if (allowed && ddb_call_error_is(&call, allowed))
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
	if (!send_body(st, operation, key,
				   w->condition_expression ? DDB_CONDITIONAL_CHECK_FAILED : NULL))
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
		(void) send_body(st, "BatchWriteItem", NULL, NULL);
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

/* A ClientRequestToken: a random UUID (version 4), 36 characters. */
void
ddb_modify_request_token(char token[37])
{
	uint8		b[16];

	if (!pg_strong_random(b, sizeof(b)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random ClientRequestToken")));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(token, 37,
			 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
			 b[10], b[11], b[12], b[13], b[14], b[15]);
}

/*
 * Raises the error of a TransactWriteItems that DynamoDB cancelled: the
 * first action that failed, named by keys[i] (the item) and relnames[i]
 * (its foreign table); inserts[i] says whether it was an INSERT (a failed
 * condition is then a duplicate key; else the item changed since it was
 * read).  written: rows of the statement written before, which stay;
 * at_commit: the writes of a transaction in write_mode 'transaction'.
 */
void
ddb_modify_cancelled(const char *body, size_t len, const DdbWrite *actions, int n,
					 const bool *inserts, char *const *keys, char *const *relnames,
					 int64 written, bool at_commit)
{
	DdbCancellation c;
	DdbAwsError err;
	const DdbCancelReason *r;
	int			i = 0;
	char	   *detail;
	int			sqlstate;
	const char *msg;
	DdbCancelCode kind;

	ddb_aws_error_clear(&err);
	if (!ddb_write_parse_cancellation(body, len, n, &c, &err))
		ddb_report_aws_error(&err, "TransactWriteItems", actions[0].table_name);
	r = ddb_cancellation_first(&c, &i);
	if (r == NULL)
	{
		ddb_cancellation_free(&c);
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("DynamoDB cancelled a TransactWriteItems of table \"%s\" without a reason",
						actions[0].table_name)));
	}
	detail = r->message ? pstrdup(r->message) : NULL;
	kind = r->kind;
	msg = pstrdup(r->code);
	ddb_cancellation_free(&c);
	switch (kind)
	{
		case DDB_CANCEL_CONDITIONAL_CHECK_FAILED:
			sqlstate = inserts[i] ?
				ERRCODE_UNIQUE_VIOLATION : ERRCODE_T_R_SERIALIZATION_FAILURE;
			break;
		case DDB_CANCEL_TRANSACTION_CONFLICT:
			sqlstate = ERRCODE_T_R_SERIALIZATION_FAILURE;
			break;
		default:
			sqlstate = ERRCODE_FDW_ERROR;
			break;
	}
	if (sqlstate == ERRCODE_UNIQUE_VIOLATION)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("duplicate key value violates the key of DynamoDB table \"%s\"",
						actions[i].table_name),
				 errdetail("Key %s already exists.", keys[i]),
				 at_commit ?
				 errhint("Nothing of the transaction was written to DynamoDB; UPDATE the row, or set the foreign table option overwrite 'true' to let INSERT replace items.") :
				 errhint("Nothing of this group of %d rows was written; UPDATE the row, or set the foreign table option overwrite 'true' to let INSERT replace items.", n),
				 written > 0 ? errcontext("%lld rows of this statement were written to DynamoDB before the failure; they stay written", (long long) written) : 0));
	if (kind == DDB_CANCEL_CONDITIONAL_CHECK_FAILED)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("could not write item %s of foreign table \"%s\": it changed in DynamoDB since it was read",
						keys[i], relnames[i]),
				 errdetail("DynamoDB cancelled the transaction of %d writes: the item was deleted or written meanwhile.", n),
				 errhint("Run the transaction again.")));
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("DynamoDB cancelled the transaction of %d writes at item %s of foreign table \"%s\": %s",
					n, keys[i], relnames[i], msg),
			 detail ? errdetail_internal("%s", detail) : 0,
			 sqlstate == ERRCODE_T_R_SERIALIZATION_FAILURE ?
			 errhint("Another transaction writes the same item; run this one again.") :
			 errhint("Nothing of the transaction was written.")));
}

/*
 * Sends actions (n of them, at most DDB_TRANSACT_WRITE_MAX) as one
 * TransactWriteItems with a ClientRequestToken of its own: a retry after a
 * lost answer (the HTTP client retries with the same body) is then applied
 * once.  All or nothing: a cancelled transaction raises the error of its
 * first failing action (ddb_modify_cancelled), keys[i] naming the item of
 * actions[i], relnames[i] its foreign table, inserts[i] whether it was an
 * INSERT.
 */
void
ddb_modify_send_transact(ModifyState *st, const DdbWrite *actions, int n, char *const *keys,
						 const bool *inserts, char *const *relnames)
{
	char		token[37];
	DdbTransactWrite tw;
	DdbWriteAnswer ans;
	DdbAwsError err;

	ddb_modify_request_token(token);
	tw.actions = actions;
	tw.nactions = n;
	tw.client_request_token = token;
	tw.return_consumed_capacity = false;
	ddb_aws_error_clear(&err);
	ddb_buf_reset(&st->body);
	if (!ddb_write_build_transact(&tw, &st->body, &err))
		request_error(st, &err, "TransactWriteItems");
	if (!send_body(st, "TransactWriteItems", NULL, DDB_TRANSACTION_CANCELED))
		ddb_modify_cancelled(st->resp.body.data, st->resp.body.len, actions, n, inserts,
							 keys, relnames, st->written, st->at_commit);
	if (!ddb_write_parse_transact_answer(st->resp.body.data, st->resp.body.len, &ans, &err))
		request_error(st, &err, "TransactWriteItems");
	st->written += n;
}

/*
 * An item (len bytes of a JSON attribute map, as a write's answer holds it)
 * decoded into slot by st->decoder; false, slot untouched, when there is
 * none.  operation names the answer in messages.
 */
bool
ddb_modify_decode_item(ModifyState *st, const char *item, size_t len, const char *operation,
					   TupleTableSlot *slot)
{
	StringInfoData page_json;
	DdbPage		page;
	int			i;

	if (item == NULL || st->decoder == NULL)
		return false;
	/* {"Item":{...}} is what the decoder reads */
	initStringInfo(&page_json);
	appendStringInfoString(&page_json, "{\"Item\":");
	appendBinaryStringInfo(&page_json, item, len);
	appendStringInfoChar(&page_json, '}');
	ddb_decode_page(st->decoder, page_json.data, page_json.len, operation, &page);
	if (page.nitems != 1)
		return false;
	ExecClearTuple(slot);
	for (i = 0; i < slot->tts_tupleDescriptor->natts; i++)
	{
		slot->tts_values[i] = page.values[i];
		slot->tts_isnull[i] = page.nulls[i];
	}
	ExecStoreVirtualTuple(slot);
	return true;
}

/*
 * The Attributes of an answer (ReturnValues) decoded into slot, for
 * RETURNING; slot unchanged when the answer has none.
 */
TupleTableSlot *
ddb_modify_returned(ModifyState *st, TupleTableSlot *slot, const DdbWriteAnswer *ans)
{
	(void) ddb_modify_decode_item(st, ans->attributes, ans->attributes_len, "UpdateItem", slot);
	return slot;
}
