/*-------------------------------------------------------------------------
 *
 * comment.c
 *		Comments on the foreign tables IMPORT FOREIGN SCHEMA creates.
 *
 * PostgreSQL runs only CREATE FOREIGN TABLE statements of what an FDW's
 * ImportForeignSchema returns (ImportForeignSchema in foreigncmds.c
 * refuses any other statement), and COMMENT is not part of that syntax.
 * So the import registers the comments it wants here, and a
 * ProcessUtility hook attaches them right after the matching CREATE
 * FOREIGN TABLE (a sub-command of the import, naming the same schema and
 * table) has run.  What is not used by the next import, the end of the
 * transaction or the abort of a subtransaction is forgotten: nothing can
 * match a later, unrelated statement.
 *
 * IDENTIFICATION
 *		src/fdw/schema/comment.c
 *
 *-------------------------------------------------------------------------
 */
#include "schema.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/comment.h"
#include "tcop/utility.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

typedef struct PendingComments
{
	char	   *schema;
	char	   *relname;
	char	   *table_comment;	/* or NULL */
	List	   *column_names;	/* C strings */
	List	   *comments;		/* C strings, one per column name */
} PendingComments;

/* expected comments of the current import, in TopTransactionContext */
static List *pending = NIL;
static ProcessUtility_hook_type prev_utility_hook = NULL;

void
ddb_import_comments_expect(const char *schema, const char *relname,
						   const char *table_comment, List *column_names,
						   List *comments)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	PendingComments *pc = palloc(sizeof(PendingComments));
	ListCell   *lc;

	pc->schema = pstrdup(schema);
	pc->relname = pstrdup(relname);
	pc->table_comment = table_comment ? pstrdup(table_comment) : NULL;
	pc->column_names = NIL;
	pc->comments = NIL;
	foreach(lc, column_names)
	{
		pc->column_names = lappend(pc->column_names, pstrdup(lfirst(lc)));
	}
	foreach(lc, comments)
	{
		pc->comments = lappend(pc->comments, pstrdup(lfirst(lc)));
	}
	pending = lappend(pending, pc);
	MemoryContextSwitchTo(old);
}

void
ddb_import_comments_forget(void)
{
	pending = NIL;
}

/* The expected comments of the table stmt creates, taken off the list. */
static PendingComments *
take_pending(CreateForeignTableStmt *stmt)
{
	RangeVar   *rv = stmt->base.relation;
	ListCell   *lc;

	if (rv->schemaname == NULL)
		return NULL;
	foreach(lc, pending)
	{
		PendingComments *pc = lfirst(lc);

		if (strcmp(pc->schema, rv->schemaname) == 0 &&
			strcmp(pc->relname, rv->relname) == 0)
		{
			pending = foreach_delete_current(pending, lc);
			return pc;
		}
	}
	return NULL;
}

static void
attach(const PendingComments *pc)
{
	Oid			relid;
	ListCell   *lc1;
	ListCell   *lc2;

	/* the new table becomes visible to lookups */
	CommandCounterIncrement();
	relid = get_relname_relid(pc->relname, get_namespace_oid(pc->schema, false));
	if (!OidIsValid(relid))
		return;
	if (pc->table_comment)
		CreateComments(relid, RelationRelationId, 0, pc->table_comment);
	forboth(lc1, pc->column_names, lc2, pc->comments)
	{
		AttrNumber	attnum = get_attnum(relid, lfirst(lc1));

		if (attnum != InvalidAttrNumber)
			CreateComments(relid, RelationRelationId, attnum, lfirst(lc2));
	}
}

static void
comment_utility_hook(PlannedStmt *pstmt, const char *queryString,
					 bool readOnlyTree, ProcessUtilityContext context,
					 ParamListInfo params, QueryEnvironment *queryEnv,
					 DestReceiver *dest, QueryCompletion *qc)
{
	PendingComments *pc = NULL;

	if (pending != NIL && context == PROCESS_UTILITY_SUBCOMMAND &&
		IsA(pstmt->utilityStmt, CreateForeignTableStmt))
		pc = take_pending((CreateForeignTableStmt *) pstmt->utilityStmt);
	if (prev_utility_hook)
		prev_utility_hook(pstmt, queryString, readOnlyTree, context, params,
						  queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
	if (pc)
		attach(pc);
}

static void
forget_at_xact_end(XactEvent event, void *arg)
{
	ddb_import_comments_forget();
}

static void
forget_at_subxact_abort(SubXactEvent event, SubTransactionId mySubid,
						SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		ddb_import_comments_forget();
}

void
ddb_import_comments_init(void)
{
	prev_utility_hook = ProcessUtility_hook;
	ProcessUtility_hook = comment_utility_hook;
	RegisterXactCallback(forget_at_xact_end, NULL);
	RegisterSubXactCallback(forget_at_subxact_abort, NULL);
}
