/*-------------------------------------------------------------------------
 *
 * txn.c
 *		write_mode 'transaction': the writes of a PostgreSQL transaction
 *		sent as one TransactWriteItems when it commits.
 *
 * Each INSERT, UPDATE and DELETE row of a foreign table in this mode becomes
 * an action, copied into TopTransactionContext with the subtransaction
 * level it was written at:
 *
 *   INSERT  Put with attribute_not_exists on the key (none with overwrite)
 *   UPDATE  Update with attribute_exists on the key (an item deleted since
 *           it was read is not resurrected)
 *   DELETE  Delete (an item already gone stays gone)
 *
 * At PRE_COMMIT the actions go as one TransactWriteItems with a
 * ClientRequestToken of their own, so a retry after a lost answer is
 * applied once; DynamoDB applies all or none.  A failure raises an error
 * there, and PostgreSQL's transaction aborts with nothing written anywhere.
 * ROLLBACK sends nothing; ROLLBACK TO SAVEPOINT drops the actions written
 * after the savepoint.  DynamoDB's limits are checked at the write that
 * crosses them, so the error comes at the statement, not at COMMIT: 100
 * actions, 4 MB, one action per item, and one connection (server and user
 * mapping) per transaction -- actions through two connections could not be
 * applied together.
 *
 * The window: once DynamoDB accepted, PostgreSQL's commit can still fail
 * (a serialization failure under SERIALIZABLE, a NOTIFY queue full, a crash
 * before the commit record is flushed); then DynamoDB holds the writes and
 * PostgreSQL does not.  Reads in the transaction do not see its buffered
 * writes.
 *
 * IDENTIFICATION
 *		src/fdw/write/txn.c
 *
 *-------------------------------------------------------------------------
 */
#include "modify.h"

#include "access/xact.h"
#include "utils/memutils.h"

/* DynamoDB's limit on the aggregate size of a transaction's items */
#define DDB_TRANSACT_BYTES_MAX (4 * 1024 * 1024)

/* One buffered write. */
typedef struct TxnAction
{
	DdbWrite	w;				/* strings in TopTransactionContext */
	char	   *key;			/* the item's key as text, for messages */
	char	   *relname;		/* its foreign table */
	bool		insert;
	int			level;			/* transaction nest level written at */
	size_t		bytes;			/* its share of the 4 MB */
} TxnAction;

/* What the current transaction buffered; NULL when nothing. */
typedef struct TxnBuffer
{
	DdbConnection *conn;		/* lives until the end of the transaction */
	Oid			umid;			/* its user mapping */
	char	   *servername;
	TxnAction	actions[DDB_TRANSACT_WRITE_MAX];
	int			nactions;
	size_t		bytes;
} TxnBuffer;

static TxnBuffer *txn = NULL;
static bool callbacks_registered = false;

/* ----------------------------------------------------------------
 * Copying a write into the transaction's memory
 * ----------------------------------------------------------------
 */

static const char *
copy_str(const char *s, size_t *bytes)
{
	if (s == NULL)
		return NULL;
	*bytes += strlen(s);
	return pstrdup(s);
}

/* A deep copy of w in CurrentMemoryContext; *bytes grows by its size. */
static void
copy_write(DdbWrite *dst, const DdbWrite *w, size_t *bytes)
{
	int			i;

	*dst = *w;
	dst->table_name = copy_str(w->table_name, bytes);
	dst->item = copy_str(w->item, bytes);
	dst->key = copy_str(w->key, bytes);
	dst->update_expression = copy_str(w->update_expression, bytes);
	dst->condition_expression = copy_str(w->condition_expression, bytes);
	if (w->nnames > 0)
	{
		DdbExprName *names = palloc(sizeof(DdbExprName) * w->nnames);

		for (i = 0; i < w->nnames; i++)
		{
			names[i].placeholder = copy_str(w->names[i].placeholder, bytes);
			names[i].name = copy_str(w->names[i].name, bytes);
		}
		dst->names = names;
	}
	if (w->nvalues > 0)
	{
		DdbExprValue *values = palloc(sizeof(DdbExprValue) * w->nvalues);

		for (i = 0; i < w->nvalues; i++)
		{
			values[i].placeholder = copy_str(w->values[i].placeholder, bytes);
			values[i].value = copy_str(w->values[i].value, bytes);
		}
		dst->values = values;
	}
	dst->return_values = DDB_RETURN_NONE;
	dst->return_old_on_condition_failure = false;
}

/* ----------------------------------------------------------------
 * Commit, abort, savepoints
 * ----------------------------------------------------------------
 */

/* Sends the buffered actions as one TransactWriteItems. */
static void
send_buffer(TxnBuffer *b)
{
	ModifyState *st;
	DdbWrite   *actions = palloc(sizeof(DdbWrite) * b->nactions);
	char	  **keys = palloc(sizeof(char *) * b->nactions);
	char	  **relnames = palloc(sizeof(char *) * b->nactions);
	bool	   *inserts = palloc(sizeof(bool) * b->nactions);
	int			i;

	for (i = 0; i < b->nactions; i++)
	{
		actions[i] = b->actions[i].w;
		keys[i] = b->actions[i].key;
		relnames[i] = b->actions[i].relname;
		inserts[i] = b->actions[i].insert;
	}
	st = ddb_modify_sender(b->conn, relnames[0], actions[0].table_name);
	ddb_modify_send_transact(st, actions, b->nactions, keys, inserts, relnames);
}

static void
txn_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
			if (txn != NULL && txn->nactions > 0)
			{
				TxnBuffer  *b = txn;

				/* an error here aborts the transaction, which clears txn */
				send_buffer(b);
			}
			txn = NULL;
			break;
		case XACT_EVENT_PRE_PREPARE:
			if (txn != NULL && txn->nactions > 0)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot PREPARE a transaction that has DynamoDB writes of write_mode 'transaction' waiting for commit")));
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			/* the actions went with TopTransactionContext */
			txn = NULL;
			break;
	}
}

static void
txn_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					 SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();
	int			i;

	if (txn == NULL)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		int			kept = 0;

		/* the writes since the savepoint are forgotten */
		for (i = 0; i < txn->nactions; i++)
		{
			if (txn->actions[i].level >= level)
			{
				txn->bytes -= txn->actions[i].bytes;
				continue;
			}
			txn->actions[kept++] = txn->actions[i];
		}
		txn->nactions = kept;
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		/* released: they belong to the parent now */
		for (i = 0; i < txn->nactions; i++)
			if (txn->actions[i].level >= level)
				txn->actions[i].level = level - 1;
	}
}

/* ----------------------------------------------------------------
 * Buffering a write
 * ----------------------------------------------------------------
 */

/* The buffer of this transaction, for a write through st's connection. */
static TxnBuffer *
buffer_for(ModifyState *st)
{
	Oid			umid = st->umid;

	if (!callbacks_registered)
	{
		RegisterXactCallback(txn_xact_callback, NULL);
		RegisterSubXactCallback(txn_subxact_callback, NULL);
		callbacks_registered = true;
	}
	if (txn == NULL)
	{
		txn = MemoryContextAllocZero(TopTransactionContext, sizeof(TxnBuffer));
		txn->conn = st->conn;
		txn->umid = umid;
		txn->servername = MemoryContextStrdup(TopTransactionContext,
											  st->servername);
	}
	else if (txn->umid != umid || txn->conn != st->conn)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot write foreign table \"%s\" in this transaction: its writes of write_mode 'transaction' go through server \"%s\"",
						st->relname, txn->servername),
				 errdetail("DynamoDB applies one TransactWriteItems all or nothing; writes through two servers or user mappings could not be applied together."),
				 errhint("Commit the transaction first, or write this table in write_mode 'statement'.")));
	return txn;
}

/*
 * Buffers write w of the row whose key text is key (insert: an INSERT),
 * to be sent when the transaction commits.  Raises an error, before
 * anything is buffered, when the write would break one of DynamoDB's
 * limits on a transaction.
 */
void
ddb_txn_add(ModifyState *st, const DdbWrite *w, const char *key, bool insert)
{
	TxnBuffer  *b = buffer_for(st);
	TxnAction  *a;
	MemoryContext old;
	int			i;

	for (i = 0; i < b->nactions; i++)
		if (strcmp(b->actions[i].key, key) == 0 &&
			strcmp(b->actions[i].w.table_name, w->table_name) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot write item %s of foreign table \"%s\" twice in one transaction",
							key, st->relname),
					 errdetail("write_mode 'transaction' sends the transaction's writes as one TransactWriteItems, which writes an item at most once."),
					 errhint("Write the item once (INSERT it with its final values), or commit in between.")));
	if (b->nactions == DDB_TRANSACT_WRITE_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many DynamoDB writes in one transaction: foreign table \"%s\" is in write_mode 'transaction', and a transaction writes at most %d items",
						st->relname, DDB_TRANSACT_WRITE_MAX),
				 errdetail("The write of item %s would be action %d of one TransactWriteItems.",
						   key, DDB_TRANSACT_WRITE_MAX + 1),
				 errhint("Split the work into transactions of at most %d writes, or use write_mode 'statement'.",
						 DDB_TRANSACT_WRITE_MAX)));

	old = MemoryContextSwitchTo(TopTransactionContext);
	a = &b->actions[b->nactions];
	a->bytes = 0;
	copy_write(&a->w, w, &a->bytes);
	if (b->bytes + a->bytes > DDB_TRANSACT_BYTES_MAX)
	{
		size_t		total = b->bytes + a->bytes;

		MemoryContextSwitchTo(old);
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too much data in one DynamoDB transaction: foreign table \"%s\" is in write_mode 'transaction', and a transaction writes at most 4 MB",
						st->relname),
				 errdetail("With item %s the transaction's writes would come to %zu bytes.",
						   key, total),
				 errhint("Split the work into smaller transactions, or use write_mode 'statement'.")));
	}
	a->key = pstrdup(key);
	a->relname = pstrdup(st->relname);
	a->insert = insert;
	a->level = GetCurrentTransactionNestLevel();
	b->bytes += a->bytes;
	b->nactions++;
	MemoryContextSwitchTo(old);
}
