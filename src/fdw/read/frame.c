/*-------------------------------------------------------------------------
 *
 * frame.c
 *		The frame of a DynamoDB page: one validating walk of the whole
 *		answer before anything of it is used.
 *
 * A Scan, Query, GetItem or BatchGetItem answer is read once with the pull
 * reader (src/aws/json.c), which checks the full grammar, depth and UTF-8
 * of everything it reads or skips.  The walk reads what the scanner needs
 * to go on -- LastEvaluatedKey, UnprocessedKeys, Count, ScannedCount,
 * ConsumedCapacity -- and records where each item is, without decoding it.
 * So a truncated, cut-short or malformed page is found here, as a failure
 * the scanner answers by asking for the page again (a retry), before any
 * row of it was produced; and the scanner can send the next request before
 * the items are decoded (decode.c, ddb_decode_page_items), so that the
 * network works while the backend decodes.
 *
 * IDENTIFICATION
 *		src/fdw/read/frame.c
 *
 *-------------------------------------------------------------------------
 */
#include "decode_int.h"

#include "aws/capacity.h"

#include "utils/memutils.h"

static bool
read_count(DdbJson *j, int64 *out)
{
	DdbJsonStr	s;

	if (!ddb_json_read_number(j, &s))
		return false;
	if (!ddb_dec_parse_plain_int64(s.ptr, s.len, out) || *out < 0)
		return ddb_json_fail(j, "count is not a non-negative integer");
	return true;
}

/* Records the item the reader is at (validated, not decoded). */
static bool
add_item(DdbDecoder *d)
{
	DdbJson    *j = &d->json;
	DdbJsonStr	span;

	if (ddb_json_peek(j) != DDB_JSON_OBJECT)
		return ddb_json_fail(j, "item is not an object");
	if (!ddb_json_capture_value(j, &span))
		return false;
	if (d->nspans == d->span_cap)
	{
		d->span_cap = d->span_cap ? d->span_cap * 2 : 1024;
		d->spans = d->spans ?
			repalloc(d->spans, sizeof(DdbJsonStr) * d->span_cap) :
			MemoryContextAlloc(d->cxt, sizeof(DdbJsonStr) * d->span_cap);
	}
	d->spans[d->nspans++] = span;
	return true;
}

/* An array of items (Items; a table's Responses). */
static bool
add_items(DdbDecoder *d)
{
	DdbJson    *j = &d->json;
	bool		done;

	if (!ddb_json_enter_array(j))
		return false;
	for (;;)
	{
		if (!ddb_json_next_element(j, &done))
			return false;
		if (done)
			return true;
		if (!add_item(d))
			return false;
	}
}

/* A raw JSON object member (LastEvaluatedKey, UnprocessedKeys). */
static bool
capture_object(DdbJson *j, const char *what, DdbJsonStr *raw)
{
	if (ddb_json_peek(j) != DDB_JSON_OBJECT)
		return ddb_json_fail(j, what);
	return ddb_json_capture_value(j, raw);
}

/* One top-level member of the answer (its name read). */
static bool
frame_member(DdbDecoder *d, const DdbJsonStr *name, DdbPage *page, bool *have_count,
			 bool *have_items)
{
	DdbJson    *j = &d->json;
	DdbJsonStr	raw;
	bool		done;

	if (ddb_json_str_eq(name, "Items"))
	{
		*have_items = true;
		return add_items(d);
	}
	if (ddb_json_str_eq(name, "Item"))
		return add_item(d);		/* GetItem; no member when there is none */
	if (ddb_json_str_eq(name, "Responses"))
	{
		/* BatchGetItem: {"<table>": [items]}, one table here */
		if (!ddb_json_enter_object(j))
			return false;
		for (;;)
		{
			DdbJsonStr	table;

			if (!ddb_json_next_member(j, &table, &done))
				return false;
			if (done)
				return true;
			if (!add_items(d))
				return false;
		}
	}
	if (ddb_json_str_eq(name, "UnprocessedKeys"))
	{
		if (!capture_object(j, "UnprocessedKeys is not an object", &raw))
			return false;
		/* "{}" (with any spacing) means nothing is left */
		if (memchr(raw.ptr, '"', raw.len) != NULL)
			page->unprocessed = pnstrdup(raw.ptr, raw.len);
		return true;
	}
	if (ddb_json_str_eq(name, "Count"))
	{
		*have_count = true;
		return read_count(j, &page->count);
	}
	if (ddb_json_str_eq(name, "ScannedCount"))
		return read_count(j, &page->scanned_count);
	if (ddb_json_str_eq(name, "LastEvaluatedKey"))
	{
		if (!capture_object(j, "LastEvaluatedKey is not an object", &raw))
			return false;
		page->last_key = pnstrdup(raw.ptr, raw.len);
		return true;
	}
	if (ddb_json_str_eq(name, "ConsumedCapacity"))
		return ddb_read_consumed_capacity(j, &page->capacity_units);
	return ddb_json_skip_value(j);
}

/*
 * Why the walk failed, as the message of a retryable error: a body that is
 * not one complete JSON value says so (as the AWS layer's check of other
 * answers does); else the page's shape was wrong where the walk stopped.
 * Runs only on failure.
 */
static char *
frame_error(DdbDecoder *d, const char *body, size_t len)
{
	DdbJson		whole;
	char	   *msg;

	ddb_json_init(&whole, body, len);
	if (!(ddb_json_skip_value(&whole) && ddb_json_finish(&whole)))
		msg = psprintf("response is not complete JSON: %s at byte %zu of %zu",
					   whole.error ? whole.error : "syntax error",
					   whole.error_offset, len);
	else
		msg = psprintf("%s at byte %zu of %zu",
					   d->json.error ? d->json.error : "unexpected input",
					   d->json.error_offset, len);
	ddb_json_free(&whole);
	return msg;
}

bool
ddb_decode_page_frame(DdbDecoder *d, const char *body, size_t len,
					  const char *operation, DdbPage *page, char **error)
{
	DdbJson    *j = &d->json;
	DdbJsonStr	name;
	bool		done;
	bool		have_count = false;
	bool		have_items = false;
	bool		ok = true;

	memset(page, 0, sizeof(*page));
	page->natts = d->natts;
	d->body = body;
	d->body_len = len;
	d->operation = operation;
	d->nspans = 0;
	*error = NULL;
	ddb_json_set_input(j, body, len);

	ok = ddb_json_enter_object(j);
	while (ok)
	{
		ok = ddb_json_next_member(j, &name, &done);
		if (!ok || done)
			break;
		ok = frame_member(d, &name, page, &have_count, &have_items);
	}
	if (ok)
		ok = ddb_json_finish(j);
	ddb_json_reset_arena(j);
	if (!ok)
	{
		d->nspans = 0;
		*error = frame_error(d, body, len);
		return false;
	}
	/* Select COUNT: a Count and no Items (the scanner checks it asked so) */
	page->counted_only = have_count && !have_items;
	/* a page whose Count disagrees with its Items lost items on the way */
	if (have_count && have_items && page->count != d->nspans)
	{
		*error = psprintf("the response says Count %lld but holds %d items",
						  (long long) page->count, d->nspans);
		d->nspans = 0;
		return false;
	}
	if (!have_count)
		page->count = d->nspans;
	/* GetItem and BatchGetItem read just what they return */
	if (page->scanned_count == 0 && !have_count)
		page->scanned_count = d->nspans;
	page->nitems = d->nspans;
	return true;
}
