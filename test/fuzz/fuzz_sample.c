/*-------------------------------------------------------------------------
 *
 * fuzz_sample.c
 *		libFuzzer target of schema inference's readers (src/aws/sample.c,
 *		src/aws/infer.c).
 *
 * Each input is handed, as a Scan response body, to
 *
 *	- ddb_sample_parse_page: every item is a span inside the body that is
 *	  one JSON object, LastEvaluatedKey (when there is one) a JSON object;
 *	  on failure the error says why;
 *	- for each item, ddb_attr_stats_add_item and ddb_sample_item_key
 *	  (partition and sort key "pk", "sk"): the key text is one JSON object;
 *	- the input itself as an item, into the same statistics;
 *	- then, for every attribute of the statistics: its counts add up, its
 *	  type and descriptions are computed and read back;
 *	- the value classes on the raw input.
 *
 * Everything is freed.
 *
 * IDENTIFICATION
 *		test/fuzz/fuzz_sample.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "infer.h"
#include "json.h"
#include "sample.h"

/* Whether len bytes at s are exactly one JSON object. */
static bool
one_object(const char *s, size_t len)
{
	DdbJson		j;
	bool		ok;

	ddb_json_init(&j, s, len);
	ok = ddb_json_peek(&j) == DDB_JSON_OBJECT && ddb_json_skip_value(&j) &&
		ddb_json_finish(&j);
	ddb_json_free(&j);
	return ok;
}

static void
check_item(DdbAttrStats *st, const char *item, size_t len)
{
	static const char *const keys[2] = {"pk", "sk"};
	DdbAwsError err;
	DdbBuf		key;
	long		before = st->items;

	fuzz_dirty_error(&err);
	if (ddb_attr_stats_add_item(st, item, len, &err))
		FUZZ_ASSERT(st->items == before + 1);
	else
	{
		fuzz_check_failure(&err);
		FUZZ_ASSERT(st->items == before);
	}
	ddb_buf_init(&key);
	fuzz_dirty_error(&err);
	if (ddb_sample_item_key(item, len, keys, &key, &err))
	{
		FUZZ_ASSERT(ddb_buf_ok(&key));
		FUZZ_ASSERT(one_object(key.data, key.len));
	}
	else
		fuzz_check_failure(&err);
	ddb_buf_free(&key);
}

static void
check_stats(const DdbAttrStats *st)
{
	int			i;

	for (i = 0; i < st->nattrs; i++)
	{
		const DdbAttrStat *a = &st->attrs[i];
		long		sum = 0;
		int			k;
		DdbBuf		text;

		fuzz_touch(a->name, a->name_len + 1);
		FUZZ_ASSERT(ddb_attr_stats_find(st, a->name, a->name_len) == a);
		for (k = 0; k < DDB_VK_COUNT; k++)
			sum += a->kinds[k];
		FUZZ_ASSERT(sum == a->items && a->items <= st->items);
		fuzz_touch_str(ddb_inferred_type_name(ddb_infer_type(a)));
		ddb_buf_init(&text);
		ddb_attr_stat_describe(a, st->items, &text);
		FUZZ_ASSERT(ddb_buf_ok(&text));
		fuzz_touch_str(text.data);
		ddb_buf_free(&text);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *) data;
	DdbSamplePage page;
	DdbAttrStats st;
	DdbAwsError err;
	int			i;

	memset(&page, 0, sizeof(page));
	ddb_attr_stats_init(&st);
	fuzz_dirty_error(&err);
	if (ddb_sample_parse_page(body, size, &page, &err))
	{
		FUZZ_ASSERT(page.nitems >= 0);
		for (i = 0; i < page.nitems; i++)
		{
			const DdbSampleItem *it = &page.items[i];

			FUZZ_ASSERT(fuzz_inside(body + it->offset, it->len, body, size));
			FUZZ_ASSERT(one_object(body + it->offset, it->len));
			check_item(&st, body + it->offset, it->len);
		}
		if (page.last_key)
			FUZZ_ASSERT(one_object(page.last_key, strlen(page.last_key)));
	}
	else
		fuzz_check_failure(&err);
	check_item(&st, body, size);
	check_stats(&st);
	fuzz_sink += ddb_infer_is_timestamp(body, size) + ddb_infer_is_uuid(body, size) +
		ddb_infer_is_int8(body, size);
	ddb_sample_page_free(&page);
	ddb_attr_stats_free(&st);
	return 0;
}
