/*-------------------------------------------------------------------------
 *
 * compat.h
 *		PostgreSQL version differences in one place: no other file tests
 *		PG_VERSION_NUM.
 *
 * Written for PostgreSQL 14 to 17; built and tested on 15 only (the
 * branches for 14, 16 and 17 follow those versions' release notes and
 * headers, and have not been compiled here).  14 is the first version with
 * batch inserts, direct modification of foreign tables as used here, and
 * add_row_identity_var().
 *
 * IDENTIFICATION
 *		src/fdw/compat.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_COMPAT_H
#define DDB_COMPAT_H

#include "postgres.h"

#include "miscadmin.h"
#include "executor/executor.h"
#include "nodes/execnodes.h"
#include "nodes/plannodes.h"
#include "optimizer/pathnode.h"
#include "parser/parsetree.h"
#include "storage/shm_mq.h"

#if PG_VERSION_NUM < 140000
#error "ddb_fdw needs PostgreSQL 14 or later"
#endif
#if PG_VERSION_NUM >= 160000
#include "optimizer/inherit.h"	/* get_rel_all_updated_cols */
#endif

/* PG17 added fdw_restrictinfo to create_foreignscan_path() */
static inline ForeignPath *
ddb_create_foreignscan_path(PlannerInfo *root, RelOptInfo *rel,
							double rows, Cost startup_cost, Cost total_cost,
							Relids required_outer, List *fdw_private)
{
#if PG_VERSION_NUM >= 170000
	return create_foreignscan_path(root, rel, NULL, rows, startup_cost,
								   total_cost, NIL, required_outer, NULL,
								   NIL, fdw_private);
#else
	return create_foreignscan_path(root, rel, NULL, rows, startup_cost,
								   total_cost, NIL, required_outer, NULL,
								   fdw_private);
#endif
}

/* The role whose user mapping a foreign scan uses. */
static inline Oid
ddb_scan_user(ForeignScan *fsplan, EState *estate)
{
#if PG_VERSION_NUM >= 160000
	return OidIsValid(fsplan->checkAsUser) ? fsplan->checkAsUser : GetUserId();
#else
	RangeTblEntry *rte;
	int			rtindex = fsplan->scan.scanrelid;

	if (rtindex == 0)
		rtindex = bms_next_member(fsplan->fs_relids, -1);
	rte = exec_rt_fetch(rtindex, estate);
	return OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
#endif
}

#if PG_VERSION_NUM < 150000
#define MarkGUCPrefixReserved(prefix) EmitWarningsOnPlaceholders(prefix)
/* the Boolean node of plan lists came with 15 */
#define makeBoolean(b) makeInteger((b) ? 1 : 0)
#define boolVal(v) (intVal(v) != 0)
#endif

/* The role whose user mapping the planner should describe a table with. */
static inline Oid
ddb_planner_user(PlannerInfo *root, RelOptInfo *baserel)
{
#if PG_VERSION_NUM >= 160000
	return OidIsValid(baserel->userid) ? baserel->userid : GetUserId();
#else
	RangeTblEntry *rte = planner_rt_fetch(baserel->relid, root);

	return OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
#endif
}

/* The role a ModifyTable writes a result relation as. */
static inline Oid
ddb_result_rel_user(ResultRelInfo *rinfo, EState *estate)
{
#if PG_VERSION_NUM >= 160000
	return ExecGetResultRelCheckAsUser(rinfo, estate);
#else
	/* a partition rows are routed to has no range table entry: the root's */
	Index		rti = rinfo->ri_RangeTableIndex ? rinfo->ri_RangeTableIndex :
		(rinfo->ri_RootResultRelInfo ? rinfo->ri_RootResultRelInfo->ri_RangeTableIndex : 0);
	RangeTblEntry *rte;

	if (rti == 0)
		return GetUserId();
	rte = exec_rt_fetch(rti, estate);
	return OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
#endif
}

/* The columns an UPDATE of result relation rtindex sets (attnums - FirstLow...). */
static inline Bitmapset *
ddb_updated_cols(PlannerInfo *root, RangeTblEntry *rte, Index rtindex)
{
#if PG_VERSION_NUM >= 160000
	return get_rel_all_updated_cols(root, find_base_rel(root, rtindex));
#else
	return bms_union(rte->updatedCols, rte->extraUpdatedCols);
#endif
}

/* The base relations a ForeignScan scans (PG16 split fs_relids). */
static inline Bitmapset *
ddb_fscan_base_relids(ForeignScan *fscan)
{
#if PG_VERSION_NUM >= 160000
	return fscan->fs_base_relids;
#else
	return fscan->fs_relids;
#endif
}

/* shm_mq_sendv; PG15 can postpone waking the receiver (flush false). */
static inline shm_mq_result
ddb_shm_mq_sendv(shm_mq_handle *mqh, shm_mq_iovec *iov, int n, bool flush)
{
#if PG_VERSION_NUM >= 150000
	return shm_mq_sendv(mqh, iov, n, false, flush);
#else
	return shm_mq_sendv(mqh, iov, n, false);
#endif
}

/* PG15 made the sampler's random state a pg_prng_state */
#include "utils/sampling.h"
static inline double
ddb_sampler_random(ReservoirState rs)
{
#if PG_VERSION_NUM >= 150000
	return sampler_random_fract(&rs->randstate);
#else
	return sampler_random_fract(rs->randstate);
#endif
}

/* PG16 gave stringToQualifiedNameList() an escontext argument */
#include "utils/regproc.h"
static inline List *
ddb_string_to_qualified_name_list(const char *string)
{
#if PG_VERSION_NUM >= 160000
	return stringToQualifiedNameList(string, NULL);
#else
	return stringToQualifiedNameList(string);
#endif
}

/* A set-returning function's tuplestore (PG15 added InitMaterializedSRF). */
#include "funcapi.h"
#include "utils/tuplestore.h"
static inline void
ddb_init_materialized_srf(FunctionCallInfo fcinfo)
{
#if PG_VERSION_NUM >= 150000
	InitMaterializedSRF(fcinfo, 0);
#else
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext old;
	TupleDesc	desc;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->setDesc = CreateTupleDescCopy(desc);
	MemoryContextSwitchTo(old);
#endif
}

/* USAGE on a foreign server (PG16 folded the per-kind checks together) */
#include "utils/acl.h"
#include "catalog/pg_foreign_server.h"
static inline AclResult
ddb_server_aclcheck(Oid serverid, Oid roleid)
{
#if PG_VERSION_NUM >= 160000
	return object_aclcheck(ForeignServerRelationId, serverid, roleid, ACL_USAGE);
#else
	return pg_foreign_server_aclcheck(serverid, roleid, ACL_USAGE);
#endif
}

/* PG16 dropped build_expression_pathkey()'s nullable_relids */
#include "optimizer/paths.h"
static inline List *
ddb_build_expression_pathkey(PlannerInfo *root, Expr *expr, Oid opno, Relids rel)
{
#if PG_VERSION_NUM >= 160000
	return build_expression_pathkey(root, expr, opno, rel, true);
#else
	return build_expression_pathkey(root, expr, NULL, opno, rel, true);
#endif
}

#endif							/* DDB_COMPAT_H */
