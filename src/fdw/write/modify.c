/*-------------------------------------------------------------------------
 *
 * modify.c
 *		INSERT, UPDATE and DELETE on DynamoDB foreign tables: planning, the
 *		executor's set-up, EXPLAIN.  Each row is rows.c's, its request
 *		request.c's, a direct full-key write direct.c's.
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
#include "modify.h"

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
#include "encode.h"
#include "read/decode.h"
#include "read/pushdown.h"

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
/* The answer and request buffers are malloc'd: freed with the query. */
static void
free_buffers(void *arg)
{
	ModifyState *st = arg;

	ddb_http_response_free(&st->resp);
	ddb_buf_free(&st->body);
}

/* The request and answer buffers; freed with the query, also after an error. */
static void
init_buffers(ModifyState *st)
{
	MemoryContextCallback *cb = palloc(sizeof(MemoryContextCallback));

	ddb_http_response_init(&st->resp);
	ddb_buf_init(&st->body);
	cb->func = free_buffers;
	cb->arg = st;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);
}

ModifyState *
ddb_modify_create_state(Relation rel, CmdType operation, List *target_attrs, bool has_returning)
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
	st->typid = palloc0(sizeof(Oid) * Max(st->natts, 1));
	st->outfunc = palloc0(sizeof(FmgrInfo) * Max(st->natts, 1));
	st->enc = palloc0(sizeof(DdbEncodeType) * Max(st->natts, 1));
	for (i = 0; i < st->natts; i++)
	{
		st->typid[i] = st->map->columns[i].typid;
		/* decided once a statement, not per value */
		if (!st->map->columns[i].dropped)
		{
			ddb_encode_type_init(&st->enc[i], st->typid[i]);
			st->enc[i].format = st->map->columns[i].format;
		}
	}
	st->temp_cxt = AllocSetContextCreate(CurrentMemoryContext, "ddb_fdw modify",
										 ALLOCSET_DEFAULT_SIZES);
	init_buffers(st);
	return st;
}

/*
 * A ModifyState that only sends (the writes of a transaction at commit):
 * the connection, the names for messages, and the buffers, which go with
 * CurrentMemoryContext.
 */
ModifyState *
ddb_modify_sender(DdbConnection *conn, const char *relname, const char *table_name)
{
	ModifyState *st = palloc0(sizeof(ModifyState));

	st->conn = conn;
	st->relname = pstrdup(relname);
	st->opts.table_name = pstrdup(table_name);
	st->at_commit = true;
	init_buffers(st);
	return st;
}

/* The connection of the user the statement writes as. */
void
ddb_modify_connect(ModifyState *st, ResultRelInfo *rinfo, EState *estate)
{
	ForeignTable *table = GetForeignTable(RelationGetRelid(st->rel));
	ForeignServer *server = GetForeignServer(table->serverid);
	UserMapping *user = GetUserMapping(estate ? ddb_result_rel_user(rinfo, estate) : GetUserId(),
									   server->serverid);

	st->conn = ddb_get_connection(server, user, &st->opts);
	st->umid = user->umid;
	st->servername = server->servername;
	ddb_mapping_resolve_keys(st->map, st->conn);
}

/* INSERT: the key attributes and their columns. */
static void
insert_keys(ModifyState *st)
{
	int			k;

	if (st->map->item_attnum == 0 || st->map->nkeys == 0)
		ddb_mapping_require_key_columns(st->map,
										"An INSERT writes the key: a column for each key attribute, or a whole-item column.");
	st->nkeys = st->map->nkeys;
	for (k = 0; k < st->nkeys; k++)
	{
		st->key_attribute[k] = st->map->key_attr[k];
		st->key_attnum[k] = st->map->key_attnum[k];
	}
}

/*
 * write_mode 'transaction' sends the writes at commit: what needs an answer
 * at the statement cannot be done.
 */
static void
check_write_mode(ModifyState *st)
{
	const char *what = NULL;

	if (!st->opts.write_transaction)
		return;
	if (st->do_nothing)
		what = "INSERT ... ON CONFLICT DO NOTHING";
	else if (st->has_returning && st->operation == CMD_UPDATE)
		what = "UPDATE ... RETURNING";
	else if (st->has_returning && st->operation == CMD_DELETE)
		what = "DELETE ... RETURNING";
	if (what)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s is not supported on foreign table \"%s\" in write_mode 'transaction'",
						what, st->relname),
				 errdetail("In write_mode 'transaction' the writes are sent when the transaction commits, so no DynamoDB answer is known during the statement."),
				 errhint("Use write_mode 'statement' for this table (ALTER FOREIGN TABLE ... OPTIONS (SET write_mode 'statement')).")));
}

static void
ddbBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
					  List *fdw_private, int subplan_index, int eflags)
{
	Relation	rel = rinfo->ri_RelationDesc;
	ModifyState *st;
	CmdType		operation = mtstate->operation;

	st = ddb_modify_create_state(rel, operation,
					  (List *) list_nth(fdw_private, FdwModifyTargetAttrs),
					  boolVal(list_nth(fdw_private, FdwModifyHasReturning)));
	st->do_nothing = boolVal(list_nth(fdw_private, FdwModifyDoNothing));
	rinfo->ri_FdwState = st;
	check_write_mode(st);
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	ddb_modify_connect(st, rinfo, mtstate->ps.state);
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
	st = ddb_modify_create_state(rel, CMD_INSERT, target_attrs, rinfo->ri_returningList != NIL);
	/* COPY has no plan; a routed INSERT has the partitioned table's */
	if (mtstate && mtstate->ps.plan &&
		((ModifyTable *) mtstate->ps.plan)->onConflictAction == ONCONFLICT_NOTHING)
		st->do_nothing = true;
	rinfo->ri_FdwState = st;
	check_write_mode(st);
	ddb_modify_connect(st, rinfo, mtstate ? mtstate->ps.state : NULL);
	insert_keys(st);
}

static void
ddbEndForeignInsert(EState *estate, ResultRelInfo *rinfo)
{
	/* the answer buffer goes with the query's memory (free_response) */
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
			if (st && st->opts.write_transaction)
				op = st->overwrite ? "Put" : "Put (attribute_not_exists)";
			else if (st && ddbGetForeignModifyBatchSize(rinfo) > 1)
				op = st->overwrite ?
					psprintf("BatchWriteItem (%d a request)", DDB_BATCH_WRITE_MAX) :
					psprintf("TransactWriteItems (attribute_not_exists, %d a request)",
							 Min(st->batch_size, DDB_TRANSACT_WRITE_MAX));
			else
				op = st && st->overwrite ? "PutItem" : "PutItem (attribute_not_exists)";
			break;
		case CMD_UPDATE:
			op = st && st->opts.write_transaction ? "Update (attribute_exists)" : "UpdateItem";
			break;
		case CMD_DELETE:
			op = st && st->opts.write_transaction ? "Delete" : "DeleteItem";
			break;
		default:
			op = "?";
	}
	if (st && st->opts.write_transaction)
		op = psprintf("%s, in one TransactWriteItems at commit", op);
	ExplainPropertyText("DynamoDB Write", op, es);
	if (es->analyze && st)
	{
		ExplainPropertyInteger("DynamoDB Write Requests", NULL, st->requests, es);
		ExplainPropertyInteger("DynamoDB Write Retries", NULL, st->retries, es);
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
	ddb_register_direct_callbacks(routine);
}
