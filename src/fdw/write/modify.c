/*-------------------------------------------------------------------------
 *
 * modify.c
 *		INSERT, UPDATE and DELETE on DynamoDB foreign tables.
 *
 * Rows are identified by their key columns (the columns of the table's
 * partition and sort key attributes), which UPDATE and DELETE carry as
 * junk columns "ddb_key1" and "ddb_key2" from the scan that found them.
 *
 *   INSERT  PutItem with ConditionExpression attribute_not_exists(<pk>): an
 *           existing key is a unique violation, as in PostgreSQL.  With the
 *           table option overwrite 'true' the condition goes, and batches
 *           (batch_size) go through BatchWriteItem in groups of 25 --
 *           BatchWriteItem cannot carry a condition, so batching needs
 *           overwrite.
 *   UPDATE  UpdateItem "SET #a = :v ... REMOVE #b ..." for the changed
 *           columns only (NULL removes the attribute), with
 *           attribute_exists(<pk>) so that an item deleted meanwhile is not
 *           resurrected; a change of the whole-item column puts the whole
 *           item.  Key columns cannot change.
 *   DELETE  DeleteItem; ReturnValues ALL_OLD tells whether there was an
 *           item (the row count) and fills RETURNING.
 *
 * IDENTIFICATION
 *		src/fdw/write/modify.c
 *
 *-------------------------------------------------------------------------
 */
#include "ddb_fdw.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/appendinfo.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "parser/parsetree.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/ruleutils.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "compat.h"
#include "read/decode.h"
#include "read/pushdown.h"
#include "encode.h"

#define BATCH_WRITE_MAX 25		/* DynamoDB's limit per BatchWriteItem */
#define BATCH_WRITE_ATTEMPTS 10 /* for the same unprocessed items */
#define DEFAULT_BATCH_SIZE 25

/* fdw_private of a ModifyTable's foreign relation */
enum FdwModifyPrivate
{
	FdwModifyTargetAttrs,		/* IntList: the columns written */
	FdwModifyHasReturning,		/* Boolean */
	FdwModifyDoNothing			/* Boolean: INSERT ... ON CONFLICT DO NOTHING */
};

typedef struct ModifyState
{
	Relation	rel;
	char	   *relname;
	DdbTableMapping *map;		/* valid for the statement */
	DdbOptions	opts;
	DdbConnection *conn;
	CmdType		operation;
	List	   *target_attrs;	/* attnums */
	bool		has_returning;
	bool		do_nothing;		/* ON CONFLICT DO NOTHING: skip existing keys */
	bool		overwrite;
	int			batch_size;
	AttrNumber	insert_key_attnum[2];	/* INSERT: the key columns, 0: none */

	/* columns */
	int			natts;
	char	  **attribute;		/* by attnum - 1; NULL: dropped or whole item */
	Oid		   *typid;
	FmgrInfo   *outfunc;		/* output functions, looked up once (key_text) */
	AttrNumber	item_attnum;	/* the whole-item column, 0: none */
	int			nkeys;
	AttrNumber	key_attnum[2];
	const char *key_attribute[2];
	AttrNumber	junk_attno[2];	/* in the plan's output (UPDATE, DELETE) */

	DdbDecoder *decoder;		/* RETURNING of UPDATE and DELETE */
	MemoryContext temp_cxt;		/* reset per row */
	DdbHttpResponse resp;

	/* counters, for EXPLAIN ANALYZE */
	int64		requests;
	int64		retries;
	int64		written;		/* items written by this statement so far */
} ModifyState;

/* ----------------------------------------------------------------
 * Planning
 * ----------------------------------------------------------------
 */

/*
 * The mapping of a table whose rows UPDATE or DELETE find by key: an error
 * when the key is unknown or a key attribute has no column.
 */
static DdbTableMapping *
keyed_mapping(Oid relid)
{
	DdbTableMapping *m = ddb_mapping_get_resolved(relid, GetUserId());

	ddb_mapping_require_key_columns(m, "UPDATE and DELETE find items by their key.");
	return m;
}

static int
ddbIsForeignRelUpdatable(Relation rel)
{
	/* a foreign table of an index is read-only, as the index is */
	if (ddb_mapping_get(RelationGetRelid(rel))->opts.index_name)
		return 0;
	return (1 << CMD_INSERT) | (1 << CMD_UPDATE) | (1 << CMD_DELETE);
}

static void
ddbAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
						   RangeTblEntry *target_rte, Relation target_relation)
{
	const DdbTableMapping *m = keyed_mapping(RelationGetRelid(target_relation));
	int			k;

	for (k = 0; k < m->nkeys; k++)
	{
		AttrNumber	attnum = m->key_attnum[k];
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(target_relation), attnum - 1);
		char	   *name = psprintf("ddb_key%d", k + 1);
		Var		   *var = makeVar(rtindex, attnum, att->atttypid, att->atttypmod,
								  att->attcollation, 0);

		add_row_identity_var(root, var, rtindex, name);
	}
}

static List *
ddbPlanForeignModify(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
					 int subplan_index)
{
	CmdType		operation = plan->operation;
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	Relation	rel = table_open(rte->relid, NoLock);
	TupleDesc	desc = RelationGetDescr(rel);
	List	   *target_attrs = NIL;
	bool		has_returning = plan->returningLists != NIL;
	bool		do_nothing = false;
	int			i;

	if (plan->onConflictAction == ONCONFLICT_NOTHING)
		do_nothing = true;
	else if (plan->onConflictAction != ONCONFLICT_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ON CONFLICT DO UPDATE is not supported on DynamoDB foreign tables"),
				 errhint("Use ON CONFLICT DO NOTHING, or the foreign table option overwrite 'true'.")));
	if (operation == CMD_INSERT)
	{
		for (i = 0; i < desc->natts; i++)
			if (!TupleDescAttr(desc, i)->attisdropped)
				target_attrs = lappend_int(target_attrs, i + 1);
	}
	else if (operation == CMD_UPDATE)
	{
		Bitmapset  *cols;
		const DdbTableMapping *m = keyed_mapping(rte->relid);
		int			col = -1;

		cols = ddb_updated_cols(root, rte, resultRelation);
		while ((col = bms_next_member(cols, col)) >= 0)
		{
			AttrNumber	attnum = col + FirstLowInvalidHeapAttributeNumber;
			int			k;

			if (attnum <= InvalidAttrNumber)
				elog(ERROR, "system-column update is not supported");
			for (k = 0; k < m->nkeys; k++)
				if (attnum == m->key_attnum[k])
					ereport(ERROR,
							(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							 errmsg("cannot update key column \"%s\" of foreign table \"%s\"",
									NameStr(TupleDescAttr(desc, attnum - 1)->attname),
									RelationGetRelationName(rel)),
							 errdetail("DynamoDB identifies an item by its key attribute \"%s\"; an item cannot change it.",
									   m->key_attr[k]),
							 errhint("DELETE the row and INSERT it with the new key.")));
			target_attrs = lappend_int(target_attrs, attnum);
		}
	}
	table_close(rel, NoLock);
	return list_make3(target_attrs, makeBoolean(has_returning), makeBoolean(do_nothing));
}

/* ----------------------------------------------------------------
 * Execution: set-up
 * ----------------------------------------------------------------
 */
static void
free_response(void *arg)
{
	ModifyState *st = arg;

	ddb_http_response_free(&st->resp);
}

static ModifyState *
create_state(Relation rel, CmdType operation, List *target_attrs, bool has_returning)
{
	ModifyState *st = palloc0(sizeof(ModifyState));
	int			i;

	st->rel = rel;
	st->relname = RelationGetRelationName(rel);
	st->operation = operation;
	st->target_attrs = target_attrs;
	st->has_returning = has_returning;
	st->map = ddb_mapping_get(RelationGetRelid(rel));
	st->opts = st->map->opts;
	st->overwrite = st->opts.overwrite;
	st->batch_size = st->opts.batch_size;
	st->natts = st->map->natts;
	st->attribute = palloc0(sizeof(char *) * Max(st->natts, 1));
	st->typid = palloc0(sizeof(Oid) * Max(st->natts, 1));
	st->outfunc = palloc0(sizeof(FmgrInfo) * Max(st->natts, 1));
	for (i = 0; i < st->natts; i++)
	{
		st->typid[i] = st->map->columns[i].typid;
		st->attribute[i] = st->map->columns[i].attribute;
	}
	st->item_attnum = st->map->item_attnum;
	st->temp_cxt = AllocSetContextCreate(CurrentMemoryContext, "ddb_fdw modify",
										 ALLOCSET_DEFAULT_SIZES);
	ddb_http_response_init(&st->resp);
	/* the answer buffer is malloc'd: freed with the query, also after an error */
	{
		MemoryContextCallback *cb = palloc(sizeof(MemoryContextCallback));

		cb->func = free_response;
		cb->arg = st;
		MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);
	}
	return st;
}

/* The connection of the user the statement writes as. */
static void
connect_state(ModifyState *st, ResultRelInfo *rinfo, EState *estate)
{
	ForeignTable *table = GetForeignTable(RelationGetRelid(st->rel));
	ForeignServer *server = GetForeignServer(table->serverid);
	UserMapping *user = GetUserMapping(estate ? ddb_result_rel_user(rinfo, estate) : GetUserId(),
									   server->serverid);

	st->conn = ddb_get_connection(server, user, &st->opts);
	ddb_mapping_resolve_keys(st->map, st->conn);
}

/* INSERT: the key attributes and their columns. */
static void
insert_keys(ModifyState *st)
{
	int			k;

	if (st->item_attnum == 0 || st->map->nkeys == 0)
		ddb_mapping_require_key_columns(st->map,
										"An INSERT writes the key: a column for each key attribute, or a whole-item column.");
	st->nkeys = st->map->nkeys;
	for (k = 0; k < st->nkeys; k++)
	{
		st->key_attribute[k] = st->map->key_attr[k];
		st->insert_key_attnum[k] = st->map->key_attnum[k];
	}
}

static void
ddbBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
					  List *fdw_private, int subplan_index, int eflags)
{
	Relation	rel = rinfo->ri_RelationDesc;
	ModifyState *st;
	CmdType		operation = mtstate->operation;

	st = create_state(rel, operation,
					  (List *) list_nth(fdw_private, FdwModifyTargetAttrs),
					  boolVal(list_nth(fdw_private, FdwModifyHasReturning)));
	st->do_nothing = boolVal(list_nth(fdw_private, FdwModifyDoNothing));
	rinfo->ri_FdwState = st;
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	connect_state(st, rinfo, mtstate->ps.state);
	if (operation == CMD_UPDATE || operation == CMD_DELETE)
	{
		Plan	   *subplan;
		int			k;

		ddb_mapping_require_key_columns(st->map, "UPDATE and DELETE find items by their key.");
		st->nkeys = st->map->nkeys;
		for (k = 0; k < st->nkeys; k++)
		{
			st->key_attnum[k] = st->map->key_attnum[k];
			st->key_attribute[k] = st->map->key_attr[k];
		}
		subplan = outerPlanState(mtstate)->plan;
		for (k = 0; k < st->nkeys; k++)
		{
			char	   *name = psprintf("ddb_key%d", k + 1);

			st->junk_attno[k] = ExecFindJunkAttributeInTlist(subplan->targetlist, name);
			if (!AttributeNumberIsValid(st->junk_attno[k]))
				elog(ERROR, "could not find junk %s column", name);
		}
		if (st->has_returning)
		{
			bool	   *needed = palloc(sizeof(bool) * Max(st->natts, 1));
			int			i;

			for (i = 0; i < st->natts; i++)
				needed[i] = !st->map->columns[i].dropped;
			st->decoder = ddb_decoder_create(st->map, needed);
		}
	}
	else
		insert_keys(st);
}

/*
 * COPY into the foreign table, or rows routed to it as a partition: the
 * INSERT path, every column written.
 */
static void
ddbBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	Relation	rel = rinfo->ri_RelationDesc;
	TupleDesc	desc = RelationGetDescr(rel);
	List	   *target_attrs = NIL;
	ModifyState *st;
	int			i;

	for (i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped)
			target_attrs = lappend_int(target_attrs, i + 1);
	st = create_state(rel, CMD_INSERT, target_attrs, rinfo->ri_returningList != NIL);
	/* COPY has no plan; a routed INSERT has the partitioned table's */
	if (mtstate && mtstate->ps.plan &&
		((ModifyTable *) mtstate->ps.plan)->onConflictAction == ONCONFLICT_NOTHING)
		st->do_nothing = true;
	rinfo->ri_FdwState = st;
	connect_state(st, rinfo, mtstate ? mtstate->ps.state : NULL);
	insert_keys(st);
}

static void
ddbEndForeignInsert(EState *estate, ResultRelInfo *rinfo)
{
	/* the answer buffer goes with the query's memory (free_response) */
}

/* ----------------------------------------------------------------
 * Requests
 * ----------------------------------------------------------------
 */

/* The key of the row as text, "(pk, sk)=(v1, v2)", for messages. */
static char *
key_text(ModifyState *st, Datum *values, bool *isnull, const AttrNumber *attnums)
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

/* Sends one request; the answer is in st->resp.  Errors are raised. */
static void
send_request(ModifyState *st, const char *operation, StringInfo body,
			 const char *key, bool *condition_failed)
{
	DdbAwsError err;
	const DdbAwsCredentials *creds = ddb_connection_credentials(st->conn);
	unsigned long before = ddb_http_client_retries(st->conn->http);
	bool		ok;
	ErrorContextCallback errcb;
	WriteContext wc = {st, key};

	CHECK_FOR_INTERRUPTS();
	ddb_aws_error_clear(&err);
	pgstat_report_wait_start(PG_WAIT_EXTENSION);
	ok = ddb_dynamodb_call(&st->conn->svc, creds, operation, body->data, body->len,
						   &st->resp, &err);
	pgstat_report_wait_end();
	st->requests++;
	st->retries += (int64) (ddb_http_client_retries(st->conn->http) - before);
	if (ok)
		return;
	if (condition_failed && err.kind == DDB_AWS_ERR_SERVICE &&
		strcmp(err.code, "ConditionalCheckFailedException") == 0)
	{
		*condition_failed = true;
		return;
	}
	/* say which item failed, and what was written before */
	errcb.callback = write_error_context;
	errcb.arg = &wc;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	ddb_report_aws_error(&err, operation, st->opts.table_name);
}

/* Appends the item of a row: {"attr": value, ...}. */
static void
append_item(ModifyState *st, StringInfo out, TupleTableSlot *slot, const char *key)
{
	List	   *typed = NIL;
	int			n = 0;
	int			i;
	DdbEncodeTarget t = {st->relname, NULL, key};

	slot_getallattrs(slot);
	for (i = 0; i < st->natts; i++)
		if (st->attribute[i] && !slot->tts_isnull[i])
			typed = lappend(typed, st->attribute[i]);
	appendStringInfoChar(out, '{');
	/* the whole item first, what typed columns say instead left out */
	if (st->item_attnum && !slot->tts_isnull[st->item_attnum - 1])
	{
		t.column = NameStr(TupleDescAttr(slot->tts_tupleDescriptor, st->item_attnum - 1)->attname);
		if (getBaseType(st->typid[st->item_attnum - 1]) == JSONBOID)
			n = ddb_encode_item_members(out, slot->tts_values[st->item_attnum - 1], typed, &t);
		else
			n = ddb_encode_item_members(out,
										DirectFunctionCall1(jsonb_in,
															CStringGetDatum(TextDatumGetCString(slot->tts_values[st->item_attnum - 1]))),
										typed, &t);
	}
	for (i = 0; i < st->natts; i++)
	{
		int			len;
		const char *utf8;

		if (st->attribute[i] == NULL || slot->tts_isnull[i])
			continue;
		if (n++ > 0)
			appendStringInfoChar(out, ',');
		len = strlen(st->attribute[i]);
		utf8 = ddb_server_to_utf8(st->attribute[i], &len);
		ddb_append_json_string(out, utf8, len);
		appendStringInfoChar(out, ':');
		t.column = NameStr(TupleDescAttr(slot->tts_tupleDescriptor, i)->attname);
		ddb_encode_value(out, slot->tts_values[i], st->typid[i], &t);
	}
	appendStringInfoChar(out, '}');
}

static void
append_name(StringInfo out, const char *name)
{
	int			len = strlen(name);
	const char *utf8 = ddb_server_to_utf8(name, &len);

	ddb_append_json_string(out, utf8, len);
}

static void
append_table(ModifyState *st, StringInfo out)
{
	appendStringInfoString(out, "{\"TableName\":");
	append_name(out, st->opts.table_name);
}

/* "Key":{...} of a row of UPDATE or DELETE (values from the plan's junk). */
static void
append_key(ModifyState *st, StringInfo out, TupleTableSlot *planSlot,
		   Datum *values, bool *isnull)
{
	int			k;
	DdbEncodeTarget t = {st->relname, NULL, NULL};

	appendStringInfoString(out, ",\"Key\":{");
	for (k = 0; k < st->nkeys; k++)
	{
		bool		null;
		Datum		v = ExecGetJunkAttribute(planSlot, st->junk_attno[k], &null);

		if (null)
			elog(ERROR, "key column of foreign table \"%s\" is NULL", st->relname);
		values[st->key_attnum[k] - 1] = v;
		isnull[st->key_attnum[k] - 1] = false;
		if (k)
			appendStringInfoChar(out, ',');
		append_name(out, st->key_attribute[k]);
		appendStringInfoChar(out, ':');
		t.column = NameStr(TupleDescAttr(RelationGetDescr(st->rel), st->key_attnum[k] - 1)->attname);
		ddb_encode_value(out, v, st->typid[st->key_attnum[k] - 1], &t);
	}
	appendStringInfoChar(out, '}');
}

/* The "Attributes" of an answer decoded into slot (RETURNING). */
static TupleTableSlot *
returned_item(ModifyState *st, TupleTableSlot *slot, const char *member)
{
	const char *body = st->resp.body.data;
	const char *at = strstr(body, member);
	StringInfoData item;
	DdbPage		page;
	int			i;

	if (at == NULL || st->decoder == NULL)
		return slot;
	/* {"Attributes":{...}} is {"Item":{...}} to the decoder */
	initStringInfo(&item);
	appendStringInfoString(&item, "{\"Item\"");
	appendStringInfoString(&item, at + strlen(member));
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

/* ----------------------------------------------------------------
 * INSERT
 * ----------------------------------------------------------------
 */
static TupleTableSlot *
ddbExecForeignInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
					 TupleTableSlot *planSlot)
{
	ModifyState *st = rinfo->ri_FdwState;
	MemoryContext old = MemoryContextSwitchTo(st->temp_cxt);
	StringInfoData body;
	bool		exists = false;
	bool		conditional = !st->overwrite || st->do_nothing;
	unsigned long retries_before;
	char	   *key;

	MemoryContextReset(st->temp_cxt);
	slot_getallattrs(slot);
	key = key_text(st, slot->tts_values, slot->tts_isnull, st->insert_key_attnum);

	initStringInfo(&body);
	append_table(st, &body);
	appendStringInfoString(&body, ",\"Item\":");
	append_item(st, &body, slot, key);
	if (conditional)
	{
		appendStringInfoString(&body, ",\"ConditionExpression\":\"attribute_not_exists(#k)\","
							   "\"ExpressionAttributeNames\":{\"#k\":");
		append_name(&body, st->key_attribute[0]);
		appendStringInfoChar(&body, '}');
	}
	appendStringInfoChar(&body, '}');
	retries_before = ddb_http_client_retries(st->conn->http);
	send_request(st, "PutItem", &body, key, conditional ? &exists : NULL);
	if (exists && ddb_http_client_retries(st->conn->http) != retries_before)
	{
		/*
		 * An attempt whose answer was lost may have written the item: then
		 * the retry finds it there.  Neither "duplicate" nor "inserted" is
		 * known to be true.
		 */
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("outcome of INSERT into DynamoDB table \"%s\" is unknown", st->opts.table_name),
				 errdetail("A retried PutItem of item %s found the key taken: an earlier attempt, whose answer was lost, may have written it.", key),
				 errhint("Read the item to see whether it holds the inserted values.")));
	}
	if (exists && st->do_nothing)
	{
		MemoryContextSwitchTo(old);
		return NULL;			/* ON CONFLICT DO NOTHING */
	}
	if (exists)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("duplicate key value violates the key of DynamoDB table \"%s\"",
						st->opts.table_name),
				 errdetail("Key %s already exists.", key),
				 errhint("UPDATE the row, or set the foreign table option overwrite 'true' to let INSERT replace items.")));
	st->written++;
	MemoryContextSwitchTo(old);
	return slot;
}

static int
ddbGetForeignModifyBatchSize(ResultRelInfo *rinfo)
{
	ModifyState *st = rinfo->ri_FdwState;

	/*
	 * BatchWriteItem carries no condition: only tables that may be
	 * overwritten are written in batches.  RETURNING and row triggers need
	 * each row on its own, as PostgreSQL's own batching requires.
	 */
	if (st == NULL || !st->overwrite || st->do_nothing || rinfo->ri_projectReturning != NULL ||
		(rinfo->ri_TrigDesc &&
		 (rinfo->ri_TrigDesc->trig_insert_before_row ||
		  rinfo->ri_TrigDesc->trig_insert_after_row)))
		return 1;
	return Max(st->batch_size, 1);
}

/* Waits before sending unprocessed items again. */
static void
batch_backoff(int attempt)
{
	long		ms = Min(1000L, 50L << Min(attempt - 1, 5));

	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, ms,
					 PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
}

/* Sends one BatchWriteItem of items (a JSON array text), until all went. */
static void
send_batch(ModifyState *st, StringInfo requests, int nitems)
{
	StringInfoData body;
	int			attempt = 0;
	char	   *pending = NULL;

	for (;;)
	{
		DdbJsonStr raw;
		DdbJson		j;
		bool		found = false;

		initStringInfo(&body);
		if (pending == NULL)
		{
			appendStringInfoString(&body, "{\"RequestItems\":{");
			append_name(&body, st->opts.table_name);
			appendStringInfo(&body, ":[%s]}}", requests->data);
		}
		else
			appendStringInfo(&body, "{\"RequestItems\":%s}", pending);
		send_request(st, "BatchWriteItem", &body, NULL, NULL);

		/* UnprocessedItems: {} when all were written */
		ddb_json_init(&j, st->resp.body.data, st->resp.body.len);
		if (ddb_json_enter_object(&j))
		{
			DdbJsonStr	name;
			bool		done;

			while (ddb_json_next_member(&j, &name, &done) && !done)
			{
				if (ddb_json_str_eq(&name, "UnprocessedItems") &&
					ddb_json_capture_value(&j, &raw))
				{
					found = memchr(raw.ptr, '"', raw.len) != NULL;
					if (found)
						pending = pnstrdup(raw.ptr, raw.len);
				}
				else if (!ddb_json_skip_value(&j))
					break;
			}
		}
		ddb_json_free(&j);
		if (!found)
		{
			st->written += nitems;
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
		batch_backoff(attempt);
	}
}

static TupleTableSlot **
ddbExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot **slots,
						  TupleTableSlot **planSlots, int *numSlots)
{
	ModifyState *st = rinfo->ri_FdwState;
	MemoryContext old = MemoryContextSwitchTo(st->temp_cxt);
	StringInfoData requests;
	List	   *keys;
	int			n = 0;
	int			i;

	MemoryContextReset(st->temp_cxt);
	initStringInfo(&requests);
	keys = NIL;
	for (i = 0; i < *numSlots; i++)
	{
		char	   *key;
		ListCell   *lc;

		slot_getallattrs(slots[i]);
		key = key_text(st, slots[i]->tts_values, slots[i]->tts_isnull, st->insert_key_attnum);
		/*
		 * DynamoDB refuses a batch that writes one item twice: the group so
		 * far goes first, and the later row wins, as it would one by one.
		 */
		foreach(lc, keys)
			if (strcmp((char *) lfirst(lc), key) == 0)
			{
				send_batch(st, &requests, n);
				resetStringInfo(&requests);
				keys = NIL;
				n = 0;
				break;
			}
		if (n > 0)
			appendStringInfoChar(&requests, ',');
		appendStringInfoString(&requests, "{\"PutRequest\":{\"Item\":");
		append_item(st, &requests, slots[i], key);
		appendStringInfoString(&requests, "}}");
		keys = lappend(keys, key);
		if (++n == BATCH_WRITE_MAX || i == *numSlots - 1)
		{
			send_batch(st, &requests, n);
			resetStringInfo(&requests);
			keys = NIL;
			n = 0;
		}
	}
	MemoryContextSwitchTo(old);
	return slots;
}

/*
 * Appends ExpressionAttributeNames (#k: the partition key, #aN: the changed
 * attributes), the UpdateExpression (SET for values, REMOVE for NULLs; none
 * when nothing changes) and ExpressionAttributeValues of an UpdateItem of
 * st->target_attrs, values[attnum - 1] holding the new values.
 */
static void
append_update(ModifyState *st, StringInfo body, const Datum *values,
			  const bool *nulls, DdbEncodeTarget *t)
{
	StringInfoData set;
	StringInfoData remove;
	StringInfoData vals;
	int			nv = 0;
	int			na = 0;
	ListCell   *lc;

	initStringInfo(&set);
	initStringInfo(&remove);
	initStringInfo(&vals);
	appendStringInfoString(body, ",\"ExpressionAttributeNames\":{\"#k\":");
	append_name(body, st->key_attribute[0]);
	foreach(lc, st->target_attrs)
	{
		int			a = lfirst_int(lc) - 1;

		if (st->attribute[a] == NULL)
			continue;
		appendStringInfo(body, ",\"#a%d\":", na);
		append_name(body, st->attribute[a]);
		if (nulls[a])
			appendStringInfo(&remove, "%s#a%d", remove.len ? ", " : "", na);
		else
		{
			appendStringInfo(&set, "%s#a%d = :v%d", set.len ? ", " : "", na, nv);
			appendStringInfo(&vals, "%s\":v%d\":", vals.len ? "," : "", nv);
			t->column = NameStr(TupleDescAttr(RelationGetDescr(st->rel), a)->attname);
			ddb_encode_value(&vals, values[a], st->typid[a], t);
			nv++;
		}
		na++;
	}
	appendStringInfoChar(body, '}');
	if (set.len || remove.len)
	{
		StringInfoData expr;

		initStringInfo(&expr);
		if (set.len)
			appendStringInfo(&expr, "SET %s", set.data);
		if (remove.len)
			appendStringInfo(&expr, "%sREMOVE %s", set.len ? " " : "", remove.data);
		appendStringInfoString(body, ",\"UpdateExpression\":");
		append_name(body, expr.data);
	}
	if (vals.len)
		appendStringInfo(body, ",\"ExpressionAttributeValues\":{%s}", vals.data);
}

/* ----------------------------------------------------------------
 * UPDATE, DELETE
 * ----------------------------------------------------------------
 */
static TupleTableSlot *
ddbExecForeignUpdate(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
					 TupleTableSlot *planSlot)
{
	ModifyState *st = rinfo->ri_FdwState;
	MemoryContext old = MemoryContextSwitchTo(st->temp_cxt);
	StringInfoData body;
	Datum	   *values;
	bool	   *isnull;
	bool		gone = false;
	bool		whole = false;
	char	   *key;
	ListCell   *lc;

	MemoryContextReset(st->temp_cxt);
	values = palloc0(sizeof(Datum) * Max(st->natts, 1));
	isnull = palloc(sizeof(bool) * Max(st->natts, 1));
	memset(isnull, true, sizeof(bool) * Max(st->natts, 1));
	slot_getallattrs(slot);
	foreach(lc, st->target_attrs)
		if (lfirst_int(lc) == st->item_attnum)
			whole = true;

	initStringInfo(&body);
	append_table(st, &body);
	append_key(st, &body, planSlot, values, isnull);
	key = key_text(st, values, isnull, st->key_attnum);
	if (whole)
	{
		/* the whole item changes: put it, the key from the row */
		int			k;

		resetStringInfo(&body);
		for (k = 0; k < st->nkeys; k++)
		{
			slot->tts_values[st->key_attnum[k] - 1] = values[st->key_attnum[k] - 1];
			slot->tts_isnull[st->key_attnum[k] - 1] = false;
		}
		append_table(st, &body);
		appendStringInfoString(&body, ",\"Item\":");
		append_item(st, &body, slot, key);
	}
	else
	{
		DdbEncodeTarget t = {st->relname, NULL, key};

		append_update(st, &body, slot->tts_values, slot->tts_isnull, &t);
	}
	appendStringInfoString(&body, ",\"ConditionExpression\":\"attribute_exists(#k)\"");
	if (whole)
	{
		appendStringInfoString(&body, ",\"ExpressionAttributeNames\":{\"#k\":");
		append_name(&body, st->key_attribute[0]);
		appendStringInfoChar(&body, '}');
	}
	if (st->has_returning && !whole)
		appendStringInfoString(&body, ",\"ReturnValues\":\"ALL_NEW\"");
	appendStringInfoChar(&body, '}');
	send_request(st, whole ? "PutItem" : "UpdateItem", &body, key, &gone);
	if (!gone && st->has_returning && !whole)
		slot = returned_item(st, slot, "\"Attributes\"");
	MemoryContextSwitchTo(old);
	if (gone)
		return NULL;			/* deleted meanwhile: not updated */
	st->written++;
	return slot;
}

static TupleTableSlot *
ddbExecForeignDelete(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
					 TupleTableSlot *planSlot)
{
	ModifyState *st = rinfo->ri_FdwState;
	MemoryContext old = MemoryContextSwitchTo(st->temp_cxt);
	StringInfoData body;
	Datum	   *values;
	bool	   *isnull;
	char	   *key;

	MemoryContextReset(st->temp_cxt);
	values = palloc0(sizeof(Datum) * Max(st->natts, 1));
	isnull = palloc(sizeof(bool) * Max(st->natts, 1));
	memset(isnull, true, sizeof(bool) * Max(st->natts, 1));
	initStringInfo(&body);
	append_table(st, &body);
	append_key(st, &body, planSlot, values, isnull);
	key = key_text(st, values, isnull, st->key_attnum);
	/* the old item says whether there was one, and fills RETURNING */
	appendStringInfoString(&body, ",\"ReturnValues\":\"ALL_OLD\"}");
	send_request(st, "DeleteItem", &body, key, NULL);
	MemoryContextSwitchTo(old);
	if (strstr(st->resp.body.data, "\"Attributes\"") == NULL)
		return NULL;			/* no such item any more */
	st->written++;
	if (st->has_returning)
	{
		old = MemoryContextSwitchTo(st->temp_cxt);
		slot = returned_item(st, slot, "\"Attributes\"");
		MemoryContextSwitchTo(old);
	}
	return slot;
}

static void
ddbEndForeignModify(EState *estate, ResultRelInfo *rinfo)
{
	ModifyState *st = rinfo->ri_FdwState;

	if (st == NULL)
		return;
	ddb_http_response_free(&st->resp);
}

static void
ddbExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
						List *fdw_private, int subplan_index, ExplainState *es)
{
	ModifyState *st = rinfo->ri_FdwState;
	const char *op;

	switch (mtstate->operation)
	{
		case CMD_INSERT:
			op = st && st->overwrite && ddbGetForeignModifyBatchSize(rinfo) > 1 ?
				"BatchWriteItem" :
				(st && st->overwrite ? "PutItem" : "PutItem (attribute_not_exists)");
			break;
		case CMD_UPDATE:
			op = "UpdateItem";
			break;
		case CMD_DELETE:
			op = "DeleteItem";
			break;
		default:
			op = "?";
	}
	ExplainPropertyText("DynamoDB Write", op, es);
	if (es->analyze && st)
	{
		ExplainPropertyInteger("DynamoDB Write Requests", NULL, st->requests, es);
		ExplainPropertyInteger("DynamoDB Write Retries", NULL, st->retries, es);
	}
}

/* ----------------------------------------------------------------
 * Direct modification: a full-key UPDATE or DELETE, no read first
 * ----------------------------------------------------------------
 */

/* fdw_private of a ForeignScan turned into a direct modification */
enum FdwDirectPrivate
{
	FdwDirectKeyAttrs,			/* String list: key attribute names */
	FdwDirectTargetAttrs,		/* IntList: the columns UPDATE sets */
	FdwDirectKeyText,			/* String: the key condition, for EXPLAIN */
	FdwDirectSetProcessed		/* Boolean: the statement's row count is ours */
};

typedef struct DirectState
{
	ModifyState *st;
	List	   *key_attrs;
	List	   *target_attrs;
	List	   *exprstates;		/* the keys' values, then the new values */
	List	   *exprs;
	bool		done;
} DirectState;

/* The ForeignScan of ours the ModifyTable reads rtindex with, or NULL. */
static ForeignScan *
direct_subplan(ModifyTable *plan, Index rtindex)
{
	Plan	   *subplan = outerPlan(plan);

	if (subplan && IsA(subplan, ForeignScan))
	{
		ForeignScan *fscan = (ForeignScan *) subplan;

		if (bms_is_member(rtindex, ddb_fscan_base_relids(fscan)))
			return fscan;
	}
	return NULL;
}

/*
 * The value side of "key column = value" when qual is one (value: no Var,
 * nothing volatile); *attnum gets the column.
 */
static Expr *
key_equality(Expr *qual, Index relid, AttrNumber *attnum)
{
	OpExpr	   *op;
	char	   *name;
	int			side;

	if (!IsA(qual, OpExpr) || list_length(((OpExpr *) qual)->args) != 2)
		return NULL;
	op = (OpExpr *) qual;
	name = get_opname(op->opno);
	if (name == NULL || strcmp(name, "=") != 0)
		return NULL;
	for (side = 0; side < 2; side++)
	{
		Node	   *v = list_nth(op->args, side);
		Node	   *other = list_nth(op->args, 1 - side);

		while (v && IsA(v, RelabelType))
			v = (Node *) ((RelabelType *) v)->arg;
		if (v && IsA(v, Var) && (Index) ((Var *) v)->varno == relid &&
			((Var *) v)->varlevelsup == 0 &&
			!contain_var_clause(other) && !contain_volatile_functions(other) &&
			!contain_subplans(other))
		{
			*attnum = ((Var *) v)->varattno;
			return (Expr *) other;
		}
	}
	return NULL;
}

static bool
ddbPlanDirectModify(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
					int subplan_index)
{
	CmdType		operation = plan->operation;
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	ForeignScan *fscan;
	Relation	rel;
	const DdbTableMapping *map = NULL;
	AttrNumber	keys[2];
	const char *names[2];
	int			nkeys = 0;
	Expr	   *values[2] = {NULL, NULL};
	List	   *exprs = NIL;
	List	   *target_attrs = NIL;
	List	   *key_attrs = NIL;
	StringInfoData keytext;
	ListCell   *lc;
	int			k;
	bool		ok = true;

	if (operation != CMD_UPDATE && operation != CMD_DELETE)
		return false;
	if (plan->returningLists != NIL)
		return false;			/* RETURNING reads the row: the usual path */
	fscan = direct_subplan(plan, resultRelation);
	if (fscan == NULL || fscan->scan.scanrelid != resultRelation)
		return false;
	/* only an exact key lookup (pushdown's GetItem) */
	if (list_length(fscan->fdw_private) < 2 ||
		intVal(list_nth(fscan->fdw_private, 1)) != DDB_OP_GET)
		return false;

	rel = table_open(rte->relid, NoLock);
	if (rel->trigdesc &&
		(rel->trigdesc->trig_update_before_row || rel->trigdesc->trig_update_after_row ||
		 rel->trigdesc->trig_delete_before_row || rel->trigdesc->trig_delete_after_row))
		ok = false;
	if (ok)
	{
		map = keyed_mapping(rte->relid);
		nkeys = map->nkeys;
		for (k = 0; k < nkeys; k++)
		{
			keys[k] = map->key_attnum[k];
			names[k] = map->key_attr[k];
		}
	}

	/* every local condition is "key column = value", every key once */
	if (ok && list_length(fscan->scan.plan.qual) != nkeys)
		ok = false;
	foreach(lc, fscan->scan.plan.qual)
	{
		AttrNumber	attnum = 0;
		Expr	   *v;

		if (!ok)
			break;
		v = key_equality(lfirst(lc), resultRelation, &attnum);
		ok = false;
		for (k = 0; v && k < nkeys; k++)
			if (keys[k] == attnum && values[k] == NULL)
			{
				values[k] = v;
				ok = true;
			}
	}

	/* the new values: computed without the row, no key, no whole item */
	if (ok && operation == CMD_UPDATE)
	{
		List	   *processed_tlist = NIL;
		List	   *update_colnos = NIL;
		ListCell   *lc2;

		get_translated_update_targetlist(root, resultRelation, &processed_tlist,
										 &update_colnos);
		forboth(lc, processed_tlist, lc2, update_colnos)
		{
			TargetEntry *tle = lfirst(lc);
			AttrNumber	attnum = lfirst_int(lc2);

			for (k = 0; k < nkeys; k++)
				if (attnum == keys[k])
					ok = false;
			if (map->columns[attnum - 1].whole_item || contain_var_clause((Node *) tle->expr) ||
				contain_subplans((Node *) tle->expr))
				ok = false;
			target_attrs = lappend_int(target_attrs, attnum);
			exprs = lappend(exprs, tle->expr);
		}
	}
	if (!ok)
	{
		table_close(rel, NoLock);
		return false;
	}

	initStringInfo(&keytext);
	for (k = 0; k < nkeys; k++)
	{
		key_attrs = lappend(key_attrs, makeString(pstrdup(names[k])));
		appendStringInfo(&keytext, "%s%s = %s", k ? " AND " : "",
						 quote_identifier(NameStr(TupleDescAttr(RelationGetDescr(rel), keys[k] - 1)->attname)),
						 deparse_expression((Node *) values[k], NIL, false, false));
	}
	table_close(rel, NoLock);

	fscan->operation = operation;
	fscan->resultRelation = resultRelation;
	fscan->scan.plan.qual = NIL;	/* the key is the condition */
	fscan->fdw_exprs = list_concat(nkeys > 1 ? list_make2(values[0], values[1]) :
								   list_make1(values[0]), exprs);
	fscan->fdw_private = list_make4(key_attrs, target_attrs, makeString(keytext.data),
									makeBoolean(plan->canSetTag));
	fscan->scan.plan.async_capable = false;
	return true;
}

static void
ddbBeginDirectModify(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	ResultRelInfo *rinfo = node->resultRelInfo;
	Relation	rel = rinfo->ri_RelationDesc;
	DirectState *ds = palloc0(sizeof(DirectState));
	List	   *exprs = fsplan->fdw_exprs;
	ListCell   *lc;
	int			k = 0;

	node->fdw_state = ds;
	ds->key_attrs = list_nth(fsplan->fdw_private, FdwDirectKeyAttrs);
	ds->target_attrs = list_nth(fsplan->fdw_private, FdwDirectTargetAttrs);
	ds->st = create_state(rel, fsplan->operation, ds->target_attrs, false);
	foreach(lc, ds->key_attrs)
		ds->st->key_attribute[k++] = strVal(lfirst(lc));
	ds->st->nkeys = k;
	/* fdw_exprs: the key values, then the new values */
	ds->exprs = exprs;
	ds->exprstates = ExecInitExprList(exprs, (PlanState *) node);
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	{
		ForeignTable *table = GetForeignTable(RelationGetRelid(rel));
		ForeignServer *server = GetForeignServer(table->serverid);
		UserMapping *user = GetUserMapping(ddb_result_rel_user(rinfo, estate), server->serverid);

		ds->st->conn = ddb_get_connection(server, user, &ds->st->opts);
	}
}

/* Appends "name":value for an expression's value. */
static void
append_member(StringInfo out, const char *name, Datum v, Oid typid, const DdbEncodeTarget *t)
{
	append_name(out, name);
	appendStringInfoChar(out, ':');
	ddb_encode_value(out, v, typid, t);
}

static TupleTableSlot *
ddbIterateDirectModify(ForeignScanState *node)
{
	DirectState *ds = node->fdw_state;
	ModifyState *st = ds->st;
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	EState	   *estate = node->ss.ps.state;
	StringInfoData body;
	StringInfoData keytext;
	ListCell   *lc;
	ListCell   *lx;
	bool		condition_failed = false;
	int64		n;
	int			k;
	DdbEncodeTarget t = {st->relname, NULL, NULL};
	MemoryContext old;

	if (ds->done)
		return ExecClearTuple(node->ss.ss_ScanTupleSlot);
	ds->done = true;
	old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);

	initStringInfo(&body);
	initStringInfo(&keytext);
	append_table(st, &body);
	appendStringInfoString(&body, ",\"Key\":{");
	lx = list_head(ds->exprs);
	lc = list_head(ds->exprstates);
	for (k = 0; k < st->nkeys; k++)
	{
		bool		isnull;
		Datum		v = ExecEvalExpr(lfirst(lc), econtext, &isnull);
		Oid			typid = exprType(lfirst(lx));

		if (isnull)
		{
			/* "key = NULL" matches nothing */
			MemoryContextSwitchTo(old);
			return ExecClearTuple(node->ss.ss_ScanTupleSlot);
		}
		if (k)
			appendStringInfoChar(&body, ',');
		append_member(&body, st->key_attribute[k], v, typid, &t);
		{
			Oid			typout;
			bool		varlena;

			getTypeOutputInfo(typid, &typout, &varlena);
			appendStringInfo(&keytext, "%s%s", k ? ", " : "", OidOutputFunctionCall(typout, v));
		}
		lc = lnext(ds->exprstates, lc);
		lx = lnext(ds->exprs, lx);
	}
	appendStringInfoChar(&body, '}');
	t.key = psprintf("(%s)", keytext.data);

	if (st->operation == CMD_UPDATE)
	{
		Datum	   *values = palloc0(sizeof(Datum) * Max(st->natts, 1));
		bool	   *nulls = palloc(sizeof(bool) * Max(st->natts, 1));
		ListCell   *la;

		memset(nulls, true, sizeof(bool) * Max(st->natts, 1));
		foreach(la, ds->target_attrs)
		{
			int			a = lfirst_int(la) - 1;

			values[a] = ExecEvalExpr(lfirst(lc), econtext, &nulls[a]);
			lc = lnext(ds->exprstates, lc);
		}
		append_update(st, &body, values, nulls, &t);
		appendStringInfoString(&body, ",\"ConditionExpression\":\"attribute_exists(#k)\"}");
		send_request(st, "UpdateItem", &body, t.key, &condition_failed);
		n = condition_failed ? 0 : 1;
	}
	else
	{
		appendStringInfoString(&body, ",\"ExpressionAttributeNames\":{\"#k\":");
		append_name(&body, st->key_attribute[0]);
		appendStringInfoString(&body, "},\"ConditionExpression\":\"attribute_exists(#k)\"}");
		send_request(st, "DeleteItem", &body, t.key, &condition_failed);
		n = condition_failed ? 0 : 1;
	}
	MemoryContextSwitchTo(old);

	if (boolVal(list_nth(((ForeignScan *) node->ss.ps.plan)->fdw_private,
						 FdwDirectSetProcessed)))
		estate->es_processed += n;
	if (node->ss.ps.instrument)
		node->ss.ps.instrument->tuplecount += n;
	return ExecClearTuple(node->ss.ss_ScanTupleSlot);
}

static void
ddbEndDirectModify(ForeignScanState *node)
{
	DirectState *ds = node->fdw_state;

	if (ds && ds->st)
		ddb_http_response_free(&ds->st->resp);
}

static void
ddbExplainDirectModify(ForeignScanState *node, ExplainState *es)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	DirectState *ds = node->fdw_state;

	ExplainPropertyText("DynamoDB Write",
						fsplan->operation == CMD_UPDATE ? "UpdateItem (direct, no read)" :
						"DeleteItem (direct, no read)", es);
	ExplainPropertyText("DynamoDB Key",
						strVal(list_nth(fsplan->fdw_private, FdwDirectKeyText)), es);
	if (es->analyze && ds && ds->st)
	{
		ExplainPropertyInteger("DynamoDB Write Requests", NULL, ds->st->requests, es);
		ExplainPropertyInteger("DynamoDB Write Retries", NULL, ds->st->retries, es);
	}
}

void
ddb_register_modify_callbacks(FdwRoutine *routine)
{
	routine->IsForeignRelUpdatable = ddbIsForeignRelUpdatable;
	routine->AddForeignUpdateTargets = ddbAddForeignUpdateTargets;
	routine->PlanForeignModify = ddbPlanForeignModify;
	routine->BeginForeignModify = ddbBeginForeignModify;
	routine->ExecForeignInsert = ddbExecForeignInsert;
	routine->ExecForeignUpdate = ddbExecForeignUpdate;
	routine->ExecForeignDelete = ddbExecForeignDelete;
	routine->EndForeignModify = ddbEndForeignModify;
	routine->ExplainForeignModify = ddbExplainForeignModify;
	routine->BeginForeignInsert = ddbBeginForeignInsert;
	routine->EndForeignInsert = ddbEndForeignInsert;
	routine->GetForeignModifyBatchSize = ddbGetForeignModifyBatchSize;
	routine->ExecForeignBatchInsert = ddbExecForeignBatchInsert;
	routine->PlanDirectModify = ddbPlanDirectModify;
	routine->BeginDirectModify = ddbBeginDirectModify;
	routine->IterateDirectModify = ddbIterateDirectModify;
	routine->EndDirectModify = ddbEndDirectModify;
	routine->ExplainDirectModify = ddbExplainDirectModify;
}
