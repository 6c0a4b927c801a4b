/*-------------------------------------------------------------------------
 *
 * sample.h
 *		Reading a sample of a DynamoDB table's items without a table
 *		mapping: which segments to read, the Scan answers as raw items, and
 *		an item's key as text.
 *
 * A sample is read as ANALYZE reads one: from a few randomly chosen
 * segments of a fine parallel-scan split (items are spread over segments
 * by the hash of their partition key), not from the first pages.  The
 * choice is a pure function of the table's item count, the sample size and
 * a seed, so the same seed reads the same segments.
 *
 * IDENTIFICATION
 *		src/aws/sample.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_SAMPLE_H
#define DDB_SAMPLE_H

#include "aws.h"

/* Which segments a sample reads. */
typedef struct DdbSamplePlan
{
	int			total_segments; /* TotalSegments of the split; 1: no split */
	int			max_segments;	/* segments read at most (the sample may
								 * fill up sooner) */
} DdbSamplePlan;

/*
 * The split for a sample of sample_size items of a table of item_count
 * items (negative: unknown).  Small tables (up to twice the sample, or
 * unknown) are read as one segment from their start; larger ones are split
 * so that about 20 segments fill the sample, and at most four times as
 * many are read (when DynamoDB's item count, refreshed every six hours, is
 * far above the truth).
 */
extern void ddb_sample_plan(long long item_count, int sample_size,
							DdbSamplePlan *plan);

/*
 * n distinct segment numbers out of total, in the order to read them: a
 * pure function of seed.  out has room for n (n <= total).
 */
extern void ddb_sample_pick_segments(int total, int n, uint64_t seed, int *out);

/* The next number of a splitmix64 sequence (a seeded, portable PRNG). */
extern uint64_t ddb_sample_random(uint64_t *state);

/* One item of a Scan answer: its span in the body. */
typedef struct DdbSampleItem
{
	size_t		offset;
	size_t		len;
} DdbSampleItem;

/* One Scan answer of a sample. */
typedef struct DdbSamplePage
{
	DdbSampleItem *items;		/* malloc'd */
	int			nitems;
	int			cap;
	char	   *last_key;		/* LastEvaluatedKey as raw JSON (malloc'd),
								 * NULL on the segment's last page */
	double		capacity_units; /* ConsumedCapacity.CapacityUnits, or 0 */
} DdbSamplePage;

/*
 * Reads a Scan answer into page (emptied first): the span of each item,
 * LastEvaluatedKey and the consumed capacity.  The whole body is
 * validated; an answer whose Count disagrees with its Items is malformed.
 * False with err set (DDB_AWS_ERR_MALFORMED, DDB_AWS_ERR_OOM) otherwise.
 */
extern bool ddb_sample_parse_page(const char *body, size_t len,
								  DdbSamplePage *page, DdbAwsError *err);
extern void ddb_sample_page_free(DdbSamplePage *page);

/*
 * Appends an item's key attributes (keys[0] partition key, keys[1] sort
 * key or NULL) as a natural JSON object to out: {"pk": "a", "sk": 1}; a
 * binary key as its base64 string.  Keys the item lacks are left out.
 * False with err set when the item is malformed.
 */
extern bool ddb_sample_item_key(const char *item, size_t len,
								const char *const keys[2], DdbBuf *out,
								DdbAwsError *err);

#endif							/* DDB_SAMPLE_H */
