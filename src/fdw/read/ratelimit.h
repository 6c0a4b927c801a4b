/*-------------------------------------------------------------------------
 *
 * ratelimit.h
 *		A read-rate limit in DynamoDB read capacity units per second,
 *		shared by the segment workers of a scan (ratelimit.c).
 *
 * IDENTIFICATION
 *		src/fdw/read/ratelimit.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_RATELIMIT_H
#define DDB_RATELIMIT_H

#include "postgres.h"

#include "port/atomics.h"

typedef struct DdbRateLimit
{
	double		units_per_second;
	pg_atomic_uint64 *next_free;	/* when what was read is paid for (a
									 * TimestampTz); shared memory or own */
	pg_atomic_uint64 own;
} DdbRateLimit;

/*
 * A limit of units_per_second; shared (in a DSM segment, initialized with
 * ddb_rate_limit_init_shared) or, when NULL, this process's own.
 */
extern DdbRateLimit *ddb_rate_limit_create(double units_per_second,
										   pg_atomic_uint64 *shared);
extern void ddb_rate_limit_init_shared(pg_atomic_uint64 *shared);

/* Before a request: waits until the capacity read so far is paid for. */
extern void ddb_rate_limit_wait(DdbRateLimit *rl);

/* After a response: the capacity it consumed. */
extern void ddb_rate_limit_consumed(DdbRateLimit *rl, double units);

#endif							/* DDB_RATELIMIT_H */
