/*-------------------------------------------------------------------------
 *
 * modify.h
 *		What the files of the write path share.
 *
 *	modify.c	planning and the executor's set-up of INSERT, UPDATE and
 *				DELETE; EXPLAIN
 *	rows.c		each row: INSERT (alone or in batches), UPDATE, DELETE
 *	request.c	a row as a DynamoDB write (item, key, update expression;
 *				the wire format itself is src/aws/write.c's), sent
 *				through the call wrapper, its answer read
 *	direct.c	a full-key UPDATE or DELETE as one request, without a read
 *	encode.c	PostgreSQL values as DynamoDB attribute values
 *	txn.c		write_mode 'transaction': a transaction's writes sent
 *				together at commit
 *
 * IDENTIFICATION
 *		src/fdw/write/modify.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_MODIFY_H
#define DDB_MODIFY_H

#include "ddb_fdw.h"

#include "executor/tuptable.h"
#include "nodes/execnodes.h"
#include "utils/rel.h"

#include "aws/write.h"
#include "core/mapping.h"
#include "read/decode.h"

/* fdw_private of a ModifyTable's foreign relation */
enum FdwModifyPrivate
{
	FdwModifyTargetAttrs,		/* IntList: the columns written */
	FdwModifyHasReturning,		/* Boolean */
	FdwModifyDoNothing			/* Boolean: INSERT ... ON CONFLICT DO NOTHING */
};

/* One INSERT, UPDATE or DELETE of a foreign table (or a direct one). */
typedef struct ModifyState
{
	Relation	rel;
	char	   *relname;
	DdbTableMapping *map;		/* valid for the statement */
	DdbOptions	opts;
	DdbConnection *conn;
	Oid			umid;			/* the user mapping of conn */
	char	   *servername;
	CmdType		operation;
	List	   *target_attrs;	/* attnums */
	bool		has_returning;
	bool		do_nothing;		/* ON CONFLICT DO NOTHING: skip existing keys */
	bool		overwrite;
	int			batch_size;
	bool		at_commit;		/* sends a transaction's writes (txn.c) */

	/* columns, by attnum - 1 */
	int			natts;
	Oid		   *typid;
	struct DdbEncodeType *enc;	/* how each column's values are written */
	FmgrInfo   *outfunc;		/* output functions, looked up once (key text) */
	int			nkeys;
	AttrNumber	key_attnum[2];	/* the key columns (INSERT: 0 where the
								 * whole item holds the key) */
	const char *key_attribute[2];
	AttrNumber	junk_attno[2];	/* in the plan's output (UPDATE, DELETE) */

	DdbDecoder *decoder;		/* RETURNING of UPDATE and DELETE */
	MemoryContext temp_cxt;		/* reset per row */
	DdbHttpResponse resp;
	DdbBuf		body;

	/* counters, for EXPLAIN ANALYZE and messages */
	int64		requests;
	int64		retries;
	int64		written;		/* items written by this statement so far */
} ModifyState;

/* A write's update expression with its names and values (request.c). */
typedef struct DdbUpdateParts
{
	char	   *expression;		/* "SET #a0 = :v0 REMOVE #a1", NULL: none */
	DdbExprName *names;			/* #k (the partition key) first */
	int			nnames;
	DdbExprValue *values;
	int			nvalues;
	char	   *guard;			/* increments' condition, NULL: none */
} DdbUpdateParts;

/* in modify.c */
extern ModifyState *ddb_modify_create_state(Relation rel, CmdType operation,
											List *target_attrs, bool has_returning);
extern void ddb_modify_connect(ModifyState *st, ResultRelInfo *rinfo, EState *estate);
extern ModifyState *ddb_modify_sender(DdbConnection *conn, const char *relname,
									  const char *table_name);

/* in rows.c */
extern TupleTableSlot *ddbExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
											TupleTableSlot *slot,
											TupleTableSlot *planSlot);
extern int	ddbGetForeignModifyBatchSize(ResultRelInfo *rinfo);
extern TupleTableSlot **ddbExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo,
												  TupleTableSlot **slots,
												  TupleTableSlot **planSlots,
												  int *numSlots);
extern TupleTableSlot *ddbExecForeignUpdate(EState *estate, ResultRelInfo *rinfo,
											TupleTableSlot *slot,
											TupleTableSlot *planSlot);
extern TupleTableSlot *ddbExecForeignDelete(EState *estate, ResultRelInfo *rinfo,
											TupleTableSlot *slot,
											TupleTableSlot *planSlot);

/* in txn.c */
extern void ddb_txn_add(ModifyState *st, const DdbWrite *w, const char *key, bool insert);

/* in request.c */
extern char *ddb_modify_key_text(ModifyState *st, const Datum *values,
								 const bool *isnull, const AttrNumber *attnums);
extern char *ddb_modify_item(ModifyState *st, TupleTableSlot *slot, const char *key);
extern char *ddb_modify_key(ModifyState *st, const Datum *keyvals, const Oid *types,
							const char *key);
extern void ddb_modify_update_parts(ModifyState *st, const Datum *values,
									const bool *nulls, const char *incr,
									const char *key, DdbUpdateParts *parts);
extern DdbExprName *ddb_modify_key_name(ModifyState *st);
extern bool ddb_modify_send(ModifyState *st, const DdbWrite *w, const char *key,
							DdbWriteAnswer *ans);
extern void ddb_modify_send_batch(ModifyState *st, const DdbWrite *puts, int n);
extern void ddb_modify_send_transact(ModifyState *st, const DdbWrite *actions, int n,
									 char *const *keys, const bool *inserts,
									 char *const *relnames);

extern void ddb_modify_request_token(char token[37]);
extern void ddb_modify_cancelled(const char *body, size_t len, const DdbWrite *actions,
								 int n, const bool *inserts, char *const *keys,
								 char *const *relnames, int64 written,
								 bool at_commit) pg_attribute_noreturn();
extern bool ddb_modify_decode_item(ModifyState *st, const char *item, size_t len,
								   const char *operation, TupleTableSlot *slot);
extern TupleTableSlot *ddb_modify_returned(ModifyState *st, TupleTableSlot *slot,
										   const DdbWriteAnswer *ans);

/* in direct.c */
extern void ddb_register_direct_callbacks(FdwRoutine *routine);

#endif							/* DDB_MODIFY_H */
