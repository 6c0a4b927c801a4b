/*-------------------------------------------------------------------------
 *
 * order.c
 *		Sorted Query paths: a Query returns a partition's items in sort key
 *		order, forward or (ScanIndexForward false) backward, so a path of
 *		the table's or an index's Query can declare that order as its
 *		pathkeys -- ORDER BY sk [DESC] needs no Sort, a LIMIT above it
 *		becomes the request's Limit, and merge joins use the order.
 *
 * The order is DynamoDB's only where PostgreSQL orders the column the same
 * way: numbers (N read as numeric without typmod or an integer type, or a
 * time column with an epoch format), binary (bytea compares bytes, as
 * DynamoDB does), and strings only under the C collation (DynamoDB orders
 * UTF-8 bytes).  An iso8601 time column is not offered: "…:05.5Z" sorts
 * before "…:05Z".
 *
 * IDENTIFICATION
 *		src/fdw/read/order.c
 *
 *-------------------------------------------------------------------------
 */
#include "scan.h"

#include "catalog/pg_collation.h"
#include "mb/pg_wchar.h"
#include "nodes/makefuncs.h"
#include "optimizer/paths.h"
#include "utils/lsyscache.h"
#include "utils/pg_locale.h"
#include "utils/typcache.h"

#include "compat.h"

/* Whether PostgreSQL orders the column as DynamoDB orders its attribute. */
static bool
same_order(const DdbColumnMap *col)
{
	if (col->format == DDB_FORMAT_ISO8601)
		return false;
	if (col->native_tag == 'N' || col->native_tag == 'B')
		return true;
	if (col->native_tag != 'S')
		return false;
	if (GetDatabaseEncoding() != PG_UTF8 && GetDatabaseEncoding() != PG_SQL_ASCII)
		return false;
	return col->collid == C_COLLATION_OID || col->collid == POSIX_COLLATION_OID ||
		(OidIsValid(col->collid) && lc_collate_is_c(col->collid));
}

List *
ddb_sort_key_pathkeys(PlannerInfo *root, RelOptInfo *baserel, DdbRelInfo *info,
					  DdbKeySet *ks, bool backward)
{
	const DdbColumnMap *col;
	TypeCacheEntry *tc;
	Var		   *var;

	if (ks->sk_attnum == 0)
		return NIL;
	col = &info->map->columns[ks->sk_attnum - 1];
	if (!same_order(col))
		return NIL;
	tc = lookup_type_cache(col->typid, TYPECACHE_LT_OPR | TYPECACHE_GT_OPR);
	if (!OidIsValid(backward ? tc->gt_opr : tc->lt_opr))
		return NIL;
	var = makeVar(baserel->relid, ks->sk_attnum, col->typid, col->typmod, col->collid, 0);

	/*
	 * Only an order the query can use (ORDER BY, a merge join): a sorted
	 * path costs what the unsorted one does, and add_path would otherwise
	 * prefer it to a cheaper keyed path for its pathkeys alone.
	 */
	return truncate_useless_pathkeys(root, baserel,
									 ddb_build_expression_pathkey(root, (Expr *) var,
																  backward ? tc->gt_opr : tc->lt_opr,
																  baserel->relids));
}

long
ddb_path_limit(PlannerInfo *root, DdbRelInfo *info, List *pathkeys)
{
	if (info->limit_hint <= 0)
		return 0;
	/* an ORDER BY the path does not provide: a Sort needs every row */
	if (root->query_pathkeys != NIL &&
		!pathkeys_contained_in(root->query_pathkeys, pathkeys))
		return 0;
	return info->limit_hint;
}
