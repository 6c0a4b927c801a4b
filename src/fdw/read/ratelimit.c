/*-------------------------------------------------------------------------
 *
 * ratelimit.c
 *		A read-rate limit from the ConsumedCapacity of each answer.
 *
 * DynamoDB says what a page cost only after it was read, so the limit is a
 * debt: every page moves next_free forward by units / rate seconds (from
 * now, or from next_free when that is still ahead), and the next request of
 * any reader sharing the limit waits until next_free.  Segment workers
 * share one next_free in the scan's DSM segment, updated with
 * compare-and-swap; the average over a run keeps to the rate whatever the
 * number of workers (each may send one request at next_free, so the burst
 * is one page per worker).
 *
 * IDENTIFICATION
 *		src/fdw/read/ratelimit.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "ratelimit.h"

DdbRateLimit *
ddb_rate_limit_create(double units_per_second, pg_atomic_uint64 *shared)
{
	DdbRateLimit *rl = palloc0(sizeof(DdbRateLimit));

	rl->units_per_second = units_per_second;
	pg_atomic_init_u64(&rl->own, 0);
	rl->next_free = shared ? shared : &rl->own;
	return rl;
}

void
ddb_rate_limit_init_shared(pg_atomic_uint64 *shared)
{
	pg_atomic_init_u64(shared, 0);
}

void
ddb_rate_limit_wait(DdbRateLimit *rl)
{
	for (;;)
	{
		TimestampTz next = (TimestampTz) pg_atomic_read_u64(rl->next_free);
		TimestampTz now = GetCurrentTimestamp();
		long		ms;

		CHECK_FOR_INTERRUPTS();
		if (now >= next)
			return;
		ms = (long) Min((next - now + 999) / 1000, 1000);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

void
ddb_rate_limit_consumed(DdbRateLimit *rl, double units)
{
	double		c = units / rl->units_per_second * USECS_PER_SEC;
	int64		cost;
	uint64		old = pg_atomic_read_u64(rl->next_free);

	if (!(c > 0))
		return;
	/* a day at most: a tiny rate must not overflow the clock */
	cost = (int64) Min(c, (double) USECS_PER_DAY);
	for (;;)
	{
		TimestampTz now = GetCurrentTimestamp();
		uint64		base = Max(old, (uint64) now);

		if (pg_atomic_compare_exchange_u64(rl->next_free, &old, base + (uint64) cost))
			return;
	}
}
