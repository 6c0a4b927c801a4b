/*-------------------------------------------------------------------------
 *
 * compat.h
 *		PostgreSQL version differences (13 to 17) in one place.
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
#endif

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

#endif							/* DDB_COMPAT_H */
