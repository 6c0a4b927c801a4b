/*-------------------------------------------------------------------------
 *
 * sample.c
 *		Reading a sample of a DynamoDB table's items (see sample.h): the
 *		segments to read, Scan answers as raw items, an item's key as text.
 *
 * IDENTIFICATION
 *		src/aws/sample.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "capacity.h"
#include "json.h"
#include "sample.h"

/* segments that fill a sample of a large table, and DynamoDB's limit */
#define SEGMENTS_TO_FILL 20
#define MAX_TOTAL_SEGMENTS 1000000

/* ----------------------------------------------------------------
 * Which segments
 * ----------------------------------------------------------------
 */

void
ddb_sample_plan(long long item_count, int sample_size, DdbSamplePlan *plan)
{
	long long	per_segment;
	long long	total;
	long long	expected;
	long long	max;

	if (sample_size < 1)
		sample_size = 1;
	if (item_count < 0 || item_count <= 2LL * sample_size)
	{
		plan->total_segments = 1;
		plan->max_segments = 1;
		return;
	}
	per_segment = sample_size / SEGMENTS_TO_FILL;
	if (per_segment < 1)
		per_segment = 1;
	total = (item_count + per_segment - 1) / per_segment;
	if (total > MAX_TOTAL_SEGMENTS)
		total = MAX_TOTAL_SEGMENTS;
	/* segments of item_count / total items each fill the sample */
	expected = ((long long) sample_size * total + item_count - 1) / item_count;
	max = 4 * expected;
	if (max < 8)
		max = 8;
	if (max > total)
		max = total;
	plan->total_segments = (int) total;
	plan->max_segments = (int) max;
}

uint64_t
ddb_sample_random(uint64_t *state)
{
	uint64_t	z = (*state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

void
ddb_sample_pick_segments(int total, int n, uint64_t seed, int *out)
{
	uint64_t	state = seed;
	int			picked = 0;

	if (n > total)
		n = total;
	/* draws without replacement; n is small, or close to a small total */
	while (picked < n)
	{
		int			s = (int) ((ddb_sample_random(&state) >> 11) % (uint64_t) total);
		int			i;

		for (i = 0; i < picked && out[i] != s; i++)
			;
		if (i == picked)
			out[picked++] = s;
	}
}

/* ----------------------------------------------------------------
 * Scan answers
 * ----------------------------------------------------------------
 */

void
ddb_sample_page_free(DdbSamplePage *page)
{
	free(page->items);
	free(page->last_key);
	memset(page, 0, sizeof(*page));
}

static bool
add_item(DdbSamplePage *page, size_t offset, size_t len)
{
	if (page->nitems == page->cap)
	{
		int			cap = page->cap ? page->cap * 2 : 256;
		DdbSampleItem *items = realloc(page->items, sizeof(DdbSampleItem) * (size_t) cap);

		if (items == NULL)
			return false;
		page->items = items;
		page->cap = cap;
	}
	page->items[page->nitems].offset = offset;
	page->items[page->nitems].len = len;
	page->nitems++;
	return true;
}

/* Items: an array of objects, each kept as its span. */
static bool
read_items(DdbJson *j, const char *body, DdbSamplePage *page, bool *oom)
{
	bool		done;

	if (!ddb_json_enter_array(j))
		return false;
	for (;;)
	{
		DdbJsonStr	raw;

		if (!ddb_json_next_element(j, &done))
			return false;
		if (done)
			return true;
		if (ddb_json_peek(j) != DDB_JSON_OBJECT)
			return ddb_json_fail(j, "item is not an object");
		if (!ddb_json_capture_value(j, &raw))
			return false;
		if (!add_item(page, (size_t) (raw.ptr - body), raw.len))
		{
			*oom = true;
			return false;
		}
	}
}

/* A non-negative integer member (Count). */
static bool
read_count(DdbJson *j, long *out)
{
	DdbJsonStr	s;
	size_t		i;
	long		v = 0;

	if (!ddb_json_read_number(j, &s))
		return false;
	for (i = 0; i < s.len; i++)
	{
		if (!ddb_isdigit((unsigned char) s.ptr[i]) || v > 1000000000L)
			return ddb_json_fail(j, "count is not a non-negative integer");
		v = v * 10 + (s.ptr[i] - '0');
	}
	*out = v;
	return true;
}

/* The members of a Scan answer; false on malformed input or *oom. */
static bool
read_answer(DdbJson *j, const char *body, DdbSamplePage *page, long *count,
			bool *oom)
{
	DdbJsonStr	name;
	bool		done;

	if (!ddb_json_enter_object(j))
		return false;
	for (;;)
	{
		bool		ok;

		if (!ddb_json_next_member(j, &name, &done))
			return false;
		if (done)
			return ddb_json_finish(j);
		if (ddb_json_str_eq(&name, "Items"))
			ok = read_items(j, body, page, oom);
		else if (ddb_json_str_eq(&name, "Count"))
			ok = read_count(j, count);
		else if (ddb_json_str_eq(&name, "LastEvaluatedKey"))
		{
			DdbJsonStr	raw;

			if (ddb_json_peek(j) != DDB_JSON_OBJECT)
				return ddb_json_fail(j, "LastEvaluatedKey is not an object");
			ok = ddb_json_capture_value(j, &raw);
			if (ok)
			{
				free(page->last_key);
				page->last_key = malloc(raw.len + 1);
				if (page->last_key == NULL)
				{
					*oom = true;
					return false;
				}
				memcpy(page->last_key, raw.ptr, raw.len);
				page->last_key[raw.len] = '\0';
			}
		}
		else if (ddb_json_str_eq(&name, "ConsumedCapacity"))
			ok = ddb_read_consumed_capacity(j, &page->capacity_units);
		else
			ok = ddb_json_skip_value(j);
		if (!ok)
			return false;
	}
}

bool
ddb_sample_parse_page(const char *body, size_t len, DdbSamplePage *page,
					  DdbAwsError *err)
{
	DdbJson		j;
	long		count = -1;
	bool		oom = false;
	bool		ok;

	page->nitems = 0;
	page->capacity_units = 0;
	free(page->last_key);
	page->last_key = NULL;
	ddb_json_init(&j, body, len);
	ok = read_answer(&j, body, page, &count, &oom);
	if (ok && count >= 0 && count != page->nitems)
		ok = ddb_json_fail(&j, "Count disagrees with the items");
	if (oom)
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
	else if (!ok)
		ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
						  "malformed Scan response at byte %zu of %zu: %s",
						  j.error_offset, len, j.error ? j.error : "unexpected input");
	ddb_json_free(&j);
	return ok && !oom;
}

/* ----------------------------------------------------------------
 * An item's key
 * ----------------------------------------------------------------
 */

/* Whether len bytes at s are one JSON number. */
static bool
is_json_number(const char *s, size_t len)
{
	DdbJson		j;
	DdbJsonStr	n;
	bool		ok;

	ddb_json_init(&j, s, len);
	ok = ddb_json_read_number(&j, &n) && ddb_json_finish(&j);
	ddb_json_free(&j);
	return ok;
}

/*
 * A key value ({"S": ..}, {"N": ..}, {"B": ..}) appended as natural JSON (a
 * number DynamoDB would not have written as a string).
 */
static bool
append_key_value(DdbJson *j, DdbBuf *out)
{
	DdbJsonStr	tag;
	DdbJsonStr	s;
	bool		done;

	if (!ddb_json_enter_object(j) || !ddb_json_next_member(j, &tag, &done))
		return false;
	if (done)
		return ddb_json_fail(j, "attribute value has no type");
	if (ddb_json_str_eq(&tag, "S") || ddb_json_str_eq(&tag, "N") ||
		ddb_json_str_eq(&tag, "B"))
	{
		if (!ddb_json_read_string(j, &s))
			return false;
		if (tag.ptr[0] == 'N' && is_json_number(s.ptr, s.len))
			ddb_buf_append(out, s.ptr, s.len);
		else
			ddb_buf_append_json_string(out, s.ptr, s.len);
	}
	else
	{
		/* not a key type: shown as DynamoDB wrote it */
		DdbJsonStr	raw;

		if (!ddb_json_capture_value(j, &raw))
			return false;
		ddb_buf_append(out, raw.ptr, raw.len);
	}
	if (!ddb_json_next_member(j, &tag, &done))
		return false;
	return done || ddb_json_fail(j, "attribute value has more than one type");
}

bool
ddb_sample_item_key(const char *item, size_t len, const char *const keys[2],
					DdbBuf *out, DdbAwsError *err)
{
	DdbJson		j;
	int			k;
	int			shown = 0;
	bool		ok = true;

	ddb_buf_append_char(out, '{');
	for (k = 0; k < 2 && ok; k++)
	{
		DdbJsonStr	name;
		bool		done;

		if (keys[k] == NULL)
			continue;
		ddb_json_init(&j, item, len);
		ok = ddb_json_enter_object(&j);
		while (ok)
		{
			if (!(ok = ddb_json_next_member(&j, &name, &done)) || done)
				break;
			if (ddb_json_str_eq(&name, keys[k]))
			{
				if (shown++)
					ddb_buf_append_str(out, ", ");
				ddb_buf_append_json_string(out, keys[k], strlen(keys[k]));
				ddb_buf_append_str(out, ": ");
				ok = append_key_value(&j, out);
				break;
			}
			ok = ddb_json_skip_value(&j);
		}
		if (!ok)
			ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED, "malformed item at byte %zu: %s",
							  j.error_offset, j.error ? j.error : "unexpected input");
		ddb_json_free(&j);
	}
	ddb_buf_append_char(out, '}');
	return ok;
}
