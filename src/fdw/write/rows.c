/*-------------------------------------------------------------------------
 *
 * rows.c
 *		Each row of an INSERT, UPDATE or DELETE as DynamoDB writes.
 *
 *   INSERT  PutItem with ConditionExpression attribute_not_exists(<pk>): an
 *           existing key is a unique violation, as in PostgreSQL.  Batches
 *           (batch_size rows, at most 100 a request) go as TransactWriteItems,
 *           each Put with that condition, all or nothing, with a
 *           ClientRequestToken so that a retry after a lost answer applies
 *           once.  With the table option overwrite 'true' the condition goes,
 *           and batches go through BatchWriteItem in groups of 25.
 *   UPDATE  UpdateItem "SET #a = :v ... REMOVE #b ..." for the changed
 *           columns only (NULL removes the attribute), with
 *           attribute_exists(<pk>) so that an item deleted meanwhile is not
 *           resurrected; a change of the whole-item column puts the whole
 *           item.  Key columns cannot change.
 *   DELETE  DeleteItem; ReturnValues ALL_OLD tells whether there was an
 *           item (the row count) and fills RETURNING.
 *
 * In write_mode 'transaction' each row's write is buffered instead and
 * sent at commit (txn.c).
 *
 * IDENTIFICATION
 *		src/fdw/write/rows.c
 *
 *-------------------------------------------------------------------------
 */
#include "modify.h"

#include "executor/executor.h"
#include "utils/memutils.h"

/* ----------------------------------------------------------------
 * INSERT
 * ----------------------------------------------------------------
 */
/*
 * Sends one PutItem (w, of the row whose key text is key); false when the
 * key existed and ON CONFLICT DO NOTHING skips the row.  An existing key is
 * otherwise a unique violation.
 */
static bool
put_one(ModifyState *st, const DdbWrite *w, const char *key)
{
	DdbWriteAnswer ans;
	int64		retries_before = st->retries;
	bool		exists;

	exists = !ddb_modify_send(st, w, key, &ans);
	if (exists && st->retries != retries_before)
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
		return false;			/* ON CONFLICT DO NOTHING */
	if (exists)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("duplicate key value violates the key of DynamoDB table \"%s\"",
						st->opts.table_name),
				 errdetail("Key %s already exists.", key),
				 errhint("UPDATE the row, or set the foreign table option overwrite 'true' to let INSERT replace items.")));
	st->written++;
	return true;
}

/* The PutItem of the row in slot, its key text in *key. */
static void
insert_write(ModifyState *st, TupleTableSlot *slot, DdbWrite *w, char **key)
{
	slot_getallattrs(slot);
	*key = ddb_modify_key_text(st, slot->tts_values, slot->tts_isnull, st->key_attnum);
	memset(w, 0, sizeof(DdbWrite));
	w->kind = DDB_WRITE_PUT;
	w->table_name = st->opts.table_name;
	w->item = ddb_modify_item(st, slot, *key);
	if (!st->overwrite || st->do_nothing)
	{
		w->condition_expression = "attribute_not_exists(#k)";
		w->names = ddb_modify_key_name(st);
		w->nnames = 1;
	}
}

TupleTableSlot *
ddbExecForeignInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
					 TupleTableSlot *planSlot)
{
	ModifyState *st = rinfo->ri_FdwState;
	MemoryContext old = MemoryContextSwitchTo(st->temp_cxt);
	DdbWrite	w;
	char	   *key;
	bool		inserted = true;

	MemoryContextReset(st->temp_cxt);
	insert_write(st, slot, &w, &key);
	if (st->opts.write_transaction)
		ddb_txn_add(st, &w, key, true);
	else
		inserted = put_one(st, &w, key);
	MemoryContextSwitchTo(old);
	return inserted ? slot : NULL;
}

/*
 * Rows per call of ddbExecForeignBatchInsert: batch_size, sent as
 * TransactWriteItems (each Put with its condition, all or nothing, at most
 * 100 a request) or, with overwrite, BatchWriteItem (25 a request).
 * RETURNING and row triggers need each row on its own, as PostgreSQL's own
 * batching requires; so does ON CONFLICT DO NOTHING (one existing key
 * would cancel its whole group).
 */
int
ddbGetForeignModifyBatchSize(ResultRelInfo *rinfo)
{
	ModifyState *st = rinfo->ri_FdwState;

	if (st == NULL || st->do_nothing || st->opts.write_transaction ||
		rinfo->ri_projectReturning != NULL ||
		(rinfo->ri_TrigDesc &&
		 (rinfo->ri_TrigDesc->trig_insert_before_row ||
		  rinfo->ri_TrigDesc->trig_insert_after_row)))
		return 1;
	return Max(st->batch_size, 1);
}

/* Sends a group of puts: BatchWriteItem with overwrite, else a transaction. */
static void
send_group(ModifyState *st, DdbWrite *puts, char **keys, int n)
{
	bool	   *inserts;
	char	  **relnames;
	int			i;

	if (n == 0)
		return;
	if (st->overwrite)
	{
		ddb_modify_send_batch(st, puts, n);
		return;
	}
	if (n == 1)
	{
		/* a transaction costs twice the write units of a PutItem */
		(void) put_one(st, &puts[0], keys[0]);
		return;
	}
	inserts = palloc(sizeof(bool) * n);
	relnames = palloc(sizeof(char *) * n);
	for (i = 0; i < n; i++)
	{
		inserts[i] = true;
		relnames[i] = st->relname;
	}
	ddb_modify_send_transact(st, puts, n, keys, inserts, relnames);
}

TupleTableSlot **
ddbExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot **slots,
						  TupleTableSlot **planSlots, int *numSlots)
{
	ModifyState *st = rinfo->ri_FdwState;
	MemoryContext old = MemoryContextSwitchTo(st->temp_cxt);
	int			group = st->overwrite ? DDB_BATCH_WRITE_MAX :
		Min(st->batch_size, DDB_TRANSACT_WRITE_MAX);
	DdbWrite   *puts;
	char	  **keys;
	int			n = 0;
	int			i;

	MemoryContextReset(st->temp_cxt);
	puts = palloc0(sizeof(DdbWrite) * group);
	keys = palloc(sizeof(char *) * group);
	for (i = 0; i < *numSlots; i++)
	{
		DdbWrite	w;
		char	   *key;
		int			j;

		insert_write(st, slots[i], &w, &key);

		/*
		 * DynamoDB refuses a request that writes one item twice: the group
		 * so far goes first; the later row then overwrites (BatchWriteItem)
		 * or finds the key taken (a transaction), as it would row by row.
		 */
		for (j = 0; j < n; j++)
			if (strcmp(keys[j], key) == 0)
			{
				send_group(st, puts, keys, n);
				n = 0;
				break;
			}
		puts[n] = w;
		keys[n] = key;
		if (++n == group || i == *numSlots - 1)
		{
			send_group(st, puts, keys, n);
			n = 0;
		}
	}
	MemoryContextSwitchTo(old);
	return slots;
}

/* ----------------------------------------------------------------
 * UPDATE, DELETE
 * ----------------------------------------------------------------
 */

/* values and isnull arrays of a row, every column NULL. */
static void
row_arrays(ModifyState *st, Datum **values, bool **isnull)
{
	*values = palloc0(sizeof(Datum) * Max(st->natts, 1));
	*isnull = palloc(sizeof(bool) * Max(st->natts, 1));
	memset(*isnull, true, sizeof(bool) * Max(st->natts, 1));
}

/*
 * The key of the row being updated or deleted (from the plan's junk
 * columns): the key values into values[attnum - 1], its JSON into *json;
 * returns its text form.
 */
static char *
row_key(ModifyState *st, TupleTableSlot *planSlot, Datum *values, bool *isnull,
		char **json)
{
	Datum		keyvals[2];
	Oid			types[2];
	char	   *key;
	int			k;

	for (k = 0; k < st->nkeys; k++)
	{
		bool		null;
		AttrNumber	a = st->key_attnum[k];

		keyvals[k] = ExecGetJunkAttribute(planSlot, st->junk_attno[k], &null);
		if (null)
			elog(ERROR, "key column of foreign table \"%s\" is NULL", st->relname);
		types[k] = st->typid[a - 1];
		values[a - 1] = keyvals[k];
		isnull[a - 1] = false;
	}
	key = ddb_modify_key_text(st, values, isnull, st->key_attnum);
	*json = ddb_modify_key(st, keyvals, types, key);
	return key;
}

TupleTableSlot *
ddbExecForeignUpdate(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
					 TupleTableSlot *planSlot)
{
	ModifyState *st = rinfo->ri_FdwState;
	MemoryContext old = MemoryContextSwitchTo(st->temp_cxt);
	DdbWrite	w;
	DdbWriteAnswer ans;
	Datum	   *values;
	bool	   *isnull;
	bool		whole = false;
	char	   *key;
	char	   *keyjson;
	ListCell   *lc;

	MemoryContextReset(st->temp_cxt);
	row_arrays(st, &values, &isnull);
	slot_getallattrs(slot);
	foreach(lc, st->target_attrs)
		if (lfirst_int(lc) == st->map->item_attnum)
			whole = true;
	key = row_key(st, planSlot, values, isnull, &keyjson);

	memset(&w, 0, sizeof(w));
	w.table_name = st->opts.table_name;
	w.condition_expression = "attribute_exists(#k)";
	if (whole)
	{
		/* the whole item changes: put it, the key from the row */
		int			k;

		for (k = 0; k < st->nkeys; k++)
		{
			slot->tts_values[st->key_attnum[k] - 1] = values[st->key_attnum[k] - 1];
			slot->tts_isnull[st->key_attnum[k] - 1] = false;
		}
		w.kind = DDB_WRITE_PUT;
		w.item = ddb_modify_item(st, slot, key);
		w.names = ddb_modify_key_name(st);
		w.nnames = 1;
	}
	else
	{
		DdbUpdateParts parts;

		ddb_modify_update_parts(st, slot->tts_values, slot->tts_isnull, NULL, key, &parts);
		w.kind = DDB_WRITE_UPDATE;
		w.key = keyjson;
		w.update_expression = parts.expression;
		w.names = parts.names;
		w.nnames = parts.nnames;
		w.values = parts.values;
		w.nvalues = parts.nvalues;
		if (st->has_returning)
			w.return_values = DDB_RETURN_ALL_NEW;
	}
	if (st->opts.write_transaction)
		ddb_txn_add(st, &w, key, false);
	else if (!ddb_modify_send(st, &w, key, &ans))
	{
		MemoryContextSwitchTo(old);
		return NULL;			/* deleted meanwhile: not updated */
	}
	if (st->has_returning && !whole)
		slot = ddb_modify_returned(st, slot, &ans);
	MemoryContextSwitchTo(old);
	st->written++;
	return slot;
}

TupleTableSlot *
ddbExecForeignDelete(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
					 TupleTableSlot *planSlot)
{
	ModifyState *st = rinfo->ri_FdwState;
	MemoryContext old = MemoryContextSwitchTo(st->temp_cxt);
	DdbWrite	w;
	DdbWriteAnswer ans;
	Datum	   *values;
	bool	   *isnull;
	char	   *key;

	MemoryContextReset(st->temp_cxt);
	row_arrays(st, &values, &isnull);
	memset(&w, 0, sizeof(w));
	w.kind = DDB_WRITE_DELETE;
	w.table_name = st->opts.table_name;
	key = row_key(st, planSlot, values, isnull, (char **) &w.key);
	if (st->opts.write_transaction)
	{
		ddb_txn_add(st, &w, key, false);
		MemoryContextSwitchTo(old);
		return slot;
	}
	/* the old item says whether there was one, and fills RETURNING */
	w.return_values = DDB_RETURN_ALL_OLD;
	(void) ddb_modify_send(st, &w, key, &ans);
	if (ans.attributes == NULL)
	{
		MemoryContextSwitchTo(old);
		return NULL;			/* no such item any more */
	}
	st->written++;
	if (st->has_returning)
		slot = ddb_modify_returned(st, slot, &ans);
	MemoryContextSwitchTo(old);
	return slot;
}
