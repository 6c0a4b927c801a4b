/*-------------------------------------------------------------------------
 *
 * test_infer.c
 *		Unit tests of schema inference (src/aws/infer.c) and of sampling
 *		(src/aws/sample.c): the value classes at their edges, attribute
 *		statistics of items of every type, the type rules, the
 *		descriptions, the segment plan and picks, Scan answers read as raw
 *		items (and every truncation of one refused), and items' keys.
 *
 * IDENTIFICATION
 *		test/unit/test_infer.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infer.h"
#include "sample.h"
#include "unit.h"

UNIT_DEFINE_COUNTERS;

/* a string literal and its length */
#define LIT(s) (s), strlen(s)

#define TS(s) ddb_infer_is_timestamp((s), strlen(s))
#define UUID(s) ddb_infer_is_uuid((s), strlen(s))
#define INT8(s) ddb_infer_is_int8((s), strlen(s))

static void
test_timestamps(void)
{
	CHECK(TS("2024-01-02T03:04:05Z"));
	CHECK(TS("2024-01-02T03:04:05.123456Z"));
	CHECK(TS("2024-01-02T03:04:05.123456789+02:00"));
	CHECK(TS("2024-01-02 03:04:05"));
	CHECK(TS("2024-01-02T03:04Z"));
	CHECK(TS("2024-01-02T03:04:05-0530"));
	CHECK(TS("2024-01-02T03:04:05+14"));
	CHECK(TS("2024-02-29T00:00:00Z"));	/* leap year */
	CHECK(TS("2000-02-29T00:00:00z"));
	CHECK(TS("0001-01-01T00:00:00Z"));
	CHECK(TS("2024-12-31t23:59:59Z"));

	CHECK(!TS("2023-02-29T00:00:00Z"));	/* not a leap year */
	CHECK(!TS("1900-02-29T00:00:00Z"));
	CHECK(!TS("2024-04-31T00:00:00Z"));
	CHECK(!TS("2024-13-01T00:00:00Z"));
	CHECK(!TS("2024-00-01T00:00:00Z"));
	CHECK(!TS("0000-01-01T00:00:00Z"));
	CHECK(!TS("2024-01-02T24:00:00Z"));
	CHECK(!TS("2024-01-02T23:60:00Z"));
	CHECK(!TS("2024-01-02T23:59:60Z"));
	CHECK(!TS("2024-01-02"));	/* a date, not a timestamp */
	CHECK(!TS("2024-01-02T03"));
	CHECK(!TS("2024-01-02T03:04:05."));
	CHECK(!TS("2024-01-02T03:04:05ZZ"));
	CHECK(!TS("2024-01-02T03:04:05+16:00"));
	CHECK(!TS("2024-01-02T03:04:05+05:3"));
	CHECK(!TS("2024-01-02T03:04:05+05:60"));
	CHECK(!TS("2024-1-02T03:04:05Z"));
	CHECK(!TS("2024/01/02T03:04:05Z"));
	CHECK(!TS(" 2024-01-02T03:04:05Z"));
	CHECK(!TS("2024-01-02T03:04:05Z "));
	CHECK(!TS(""));
	/* a length that ends mid-value: no byte past len is read */
	CHECK(!ddb_infer_is_timestamp("2024-01-02T03:04:05Z", 15));
}

static void
test_uuids(void)
{
	CHECK(UUID("123e4567-e89b-12d3-a456-426614174000"));
	CHECK(UUID("123E4567-E89B-12D3-A456-426614174000"));
	CHECK(!UUID("123e4567e89b12d3a456426614174000"));
	CHECK(!UUID("{123e4567-e89b-12d3-a456-426614174000}"));
	CHECK(!UUID("123e4567-e89b-12d3-a456-42661417400g"));
	CHECK(!UUID("123e4567-e89b-12d3-a456-4266141740000"));
	CHECK(!UUID("123e4567-e89b-12d3-a4560426614174000"));
	CHECK(!UUID(""));
}

static void
test_integers(void)
{
	CHECK(INT8("0"));
	CHECK(INT8("-0"));
	CHECK(INT8("42"));
	CHECK(INT8("-42"));
	CHECK(INT8("9223372036854775807"));
	CHECK(INT8("-9223372036854775808"));
	CHECK(INT8("1E+2"));
	CHECK(INT8("1e2"));
	CHECK(INT8("1.0"));
	CHECK(INT8("100E-2"));
	CHECK(INT8("0.0001E+4"));
	CHECK(INT8("1E+18"));
	CHECK(INT8("9.223372036854775807E+18"));
	CHECK(INT8("-9.223372036854775808E18"));
	CHECK(INT8("0.000"));
	CHECK(INT8("000123"));
	CHECK(INT8("92233720368547758070E-1"));

	CHECK(!INT8("9223372036854775808"));
	CHECK(!INT8("-9223372036854775809"));
	CHECK(!INT8("9223372036854775810"));
	CHECK(!INT8("10000000000000000000"));
	CHECK(!INT8("1E+19"));
	CHECK(!INT8("1E+100000000"));
	CHECK(!INT8("1.5"));
	CHECK(!INT8("12E-1"));
	CHECK(!INT8("1E-130"));
	CHECK(!INT8("12345678901234567890123456789012345678"));
	CHECK(!INT8("99999999999999999999999999999999999999E+87"));
	CHECK(!INT8(""));
	CHECK(!INT8("-"));
	CHECK(!INT8("1e"));
	CHECK(!INT8("1e+"));
	CHECK(!INT8("."));
	CHECK(!INT8("abc"));
	CHECK(!INT8("1 "));
	CHECK(!INT8("0x10"));
}

/* Adds the items of a JSON array literal (each element an item). */
static void
add_items(DdbAttrStats *st, const char *const *items, int n)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		DdbAwsError err;
		char	   *copy = exact_copy(items[i], strlen(items[i]));

		ddb_aws_error_clear(&err);
		CHECK_MSG(ddb_attr_stats_add_item(st, copy, strlen(items[i]), &err), items[i]);
		free(copy);
	}
}

static const DdbAttrStat *
find(const DdbAttrStats *st, const char *name)
{
	return ddb_attr_stats_find(st, name, strlen(name));
}

static char *
describe(const DdbAttrStats *st, const char *name)
{
	static char text[512];
	DdbBuf		b;
	const DdbAttrStat *a = find(st, name);

	if (a == NULL)
		return NULL;
	ddb_buf_init(&b);
	ddb_attr_stat_describe(a, st->items, &b);
	snprintf(text, sizeof(text), "%s", b.data ? b.data : "");
	ddb_buf_free(&b);
	return text;
}

static DdbInferredType
type_of(const DdbAttrStats *st, const char *name)
{
	const DdbAttrStat *a = find(st, name);

	return a ? ddb_infer_type(a) : (DdbInferredType) -1;
}

static void
test_stats(void)
{
	static const char *const items[] = {
		"{\"id\":{\"S\":\"a\"},\"ts\":{\"S\":\"2024-01-02T03:04:05Z\"},"
		"\"u\":{\"S\":\"123e4567-e89b-12d3-a456-426614174000\"},\"n\":{\"N\":\"1\"},"
		"\"x\":{\"N\":\"1.5\"},\"big\":{\"N\":\"99999999999999999999\"},"
		"\"b\":{\"B\":\"AAE=\"},\"ok\":{\"BOOL\":true},\"m\":{\"M\":{\"k\":{\"S\":\"v\"}}},"
		"\"l\":{\"L\":[{\"N\":\"1\"}]},\"ss\":{\"SS\":[\"a\",\"b\"]},"
		"\"ns\":{\"NS\":[\"1\",\"2\"]},\"nsx\":{\"NS\":[\"1\",\"2.5\"]},"
		"\"bs\":{\"BS\":[\"AA==\"]},\"mixed\":{\"N\":\"1\"},\"nul\":{\"NULL\":true},"
		"\"ml\":{\"M\":{}},\"e\":{\"S\":\"\"},\"tsn\":{\"S\":\"2024-01-02T03:04:05Z\"}}",
		"{\"id\":{\"S\":\"b\"},\"ts\":{\"S\":\"2024-01-03 00:00:00+01:00\"},"
		"\"u\":{\"S\":\"00000000-0000-0000-0000-000000000000\"},\"n\":{\"N\":\"-7E+3\"},"
		"\"x\":{\"N\":\"2\"},\"mixed\":{\"S\":\"one\"},\"nul\":{\"NULL\":true},"
		"\"ml\":{\"L\":[]},\"e\":{\"S\":\"2024-01-02T03:04:05Z\"},\"tsn\":{\"NULL\":true},"
		"\"dot.ted name\":{\"S\":\"x\"},\"\\u00e9t\\u00e9\":{\"N\":\"1\"}}",
		"{\"id\":{\"S\":\"c\"},\"n\":{\"N\":\"3\"},\"n\":{\"N\":\"4\"},\"ns\":{\"NS\":[\"3\"]}}",
		"{}",
	};
	DdbAttrStats st;
	const DdbAttrStat *a;
	DdbAwsError err;

	ddb_attr_stats_init(&st);
	add_items(&st, items, 4);
	CHECK(st.items == 4);
	CHECK(st.nattrs == 21);

	a = find(&st, "id");
	CHECK(a && a->items == 3 && a->kinds[DDB_VK_STRING] == 3);
	/* a name twice in one item counts once */
	a = find(&st, "n");
	CHECK(a && a->items == 3 && a->kinds[DDB_VK_INTEGER] == 3);
	CHECK(find(&st, "dot.ted name") != NULL);
	CHECK(find(&st, "\xc3\xa9t\xc3\xa9") != NULL);	/* escapes decoded */
	CHECK(find(&st, "missing") == NULL);

	CHECK(type_of(&st, "id") == DDB_TYPE_TEXT);
	CHECK(type_of(&st, "ts") == DDB_TYPE_TIMESTAMPTZ);
	CHECK(type_of(&st, "u") == DDB_TYPE_UUID);
	CHECK(type_of(&st, "n") == DDB_TYPE_INT8);
	CHECK(type_of(&st, "x") == DDB_TYPE_NUMERIC);
	CHECK(type_of(&st, "big") == DDB_TYPE_NUMERIC);
	CHECK(type_of(&st, "b") == DDB_TYPE_BYTEA);
	CHECK(type_of(&st, "ok") == DDB_TYPE_BOOL);
	CHECK(type_of(&st, "m") == DDB_TYPE_JSONB);
	CHECK(type_of(&st, "l") == DDB_TYPE_JSONB);
	CHECK(type_of(&st, "ss") == DDB_TYPE_TEXT_ARRAY);
	CHECK(type_of(&st, "ns") == DDB_TYPE_INT8_ARRAY);
	CHECK(type_of(&st, "nsx") == DDB_TYPE_NUMERIC_ARRAY);
	CHECK(type_of(&st, "bs") == DDB_TYPE_BYTEA_ARRAY);
	CHECK(type_of(&st, "mixed") == DDB_TYPE_JSONB);
	CHECK(type_of(&st, "nul") == DDB_TYPE_TEXT);
	CHECK(type_of(&st, "ml") == DDB_TYPE_JSONB);
	/* an empty string is not a timestamp */
	CHECK(type_of(&st, "e") == DDB_TYPE_TEXT);
	/* NULL aside, every value is a timestamp */
	CHECK(type_of(&st, "tsn") == DDB_TYPE_TIMESTAMPTZ);

	CHECK_STR(ddb_inferred_type_name(DDB_TYPE_INT8_ARRAY), "int8[]");
	CHECK_STR(ddb_inferred_type_name(DDB_TYPE_JSONB), "jsonb");
	CHECK_STR(ddb_inferred_type_name(DDB_TYPE_TIMESTAMPTZ), "timestamptz");

	CHECK_STR(describe(&st, "id"), "present in 3 of 4 sampled items (75.0%): S 3");
	CHECK_STR(describe(&st, "ts"), "present in 2 of 4 sampled items (50.0%): S 2 (timestamptz 2)");
	CHECK_STR(describe(&st, "e"), "present in 2 of 4 sampled items (50.0%): S 2 (timestamptz 1)");
	CHECK_STR(describe(&st, "mixed"), "present in 2 of 4 sampled items (50.0%): S 1, N 1 (int8 1)");
	CHECK_STR(describe(&st, "ns"), "present in 2 of 4 sampled items (50.0%): NS 2 (int8[] 2)");
	CHECK_STR(describe(&st, "tsn"), "present in 2 of 4 sampled items (50.0%): S 1 (timestamptz 1), NULL 1");
	CHECK_STR(describe(&st, "ml"), "present in 2 of 4 sampled items (50.0%): M 1, L 1");

	/* malformed items: an error, the statistics unchanged */
	ddb_aws_error_clear(&err);
	CHECK(!ddb_attr_stats_add_item(&st, LIT("{\"a\":{\"S\":1}}"), &err));
	CHECK(err.kind == DDB_AWS_ERR_MALFORMED);
	ddb_aws_error_clear(&err);
	CHECK(!ddb_attr_stats_add_item(&st, LIT("{\"a\":{\"X\":\"1\"}}"), &err));
	ddb_aws_error_clear(&err);
	CHECK(!ddb_attr_stats_add_item(&st, LIT("{\"a\":{\"S\":\"1\",\"N\":\"1\"}}"), &err));
	ddb_aws_error_clear(&err);
	CHECK(!ddb_attr_stats_add_item(&st, LIT("{\"a\":{\"M\":[]}}"), &err));
	ddb_aws_error_clear(&err);
	CHECK(!ddb_attr_stats_add_item(&st, LIT("[]"), &err));
	ddb_aws_error_clear(&err);
	CHECK(!ddb_attr_stats_add_item(&st, LIT("{\"a\":{\"S\":\"1\"}} x"), &err));
	/* an item that fails midway adds nothing, not even its first attributes */
	ddb_aws_error_clear(&err);
	CHECK(!ddb_attr_stats_add_item(&st, LIT("{\"id\":{\"S\":\"z\"},\"new\":{\"N\":\"1\"},\"b\":{\"B\":1}}"), &err));
	CHECK(st.items == 4);
	CHECK(st.nattrs == 21);
	CHECK(find(&st, "a") == NULL && find(&st, "new") == NULL);
	a = find(&st, "id");
	CHECK(a && a->items == 3 && a->kinds[DDB_VK_STRING] == 3);
	/* and the next item counts as usual */
	add_items(&st, items + 2, 1);
	a = find(&st, "n");
	CHECK(st.items == 5 && a && a->items == 4);
	ddb_attr_stats_free(&st);
}

/* Many attributes: the hash table grows and keeps finding them. */
static void
test_many_attributes(void)
{
	DdbAttrStats st;
	DdbBuf		item;
	DdbAwsError err;
	int			i;
	int			found = 0;

	ddb_attr_stats_init(&st);
	ddb_buf_init(&item);
	ddb_buf_append_char(&item, '{');
	for (i = 0; i < 1000; i++)
		ddb_buf_printf(&item, "%s\"a%d\":{\"N\":\"%d\"}", i ? "," : "", i, i);
	ddb_buf_append_char(&item, '}');
	ddb_aws_error_clear(&err);
	CHECK(ddb_attr_stats_add_item(&st, item.data, item.len, &err));
	CHECK(ddb_attr_stats_add_item(&st, item.data, item.len, &err));
	for (i = 0; i < 1000; i++)
	{
		char		name[16];
		const DdbAttrStat *a;

		snprintf(name, sizeof(name), "a%d", i);
		a = find(&st, name);
		if (a && a->items == 2 && a->kinds[DDB_VK_INTEGER] == 2)
			found++;
	}
	CHECK(found == 1000);
	CHECK(st.nattrs == 1000);
	ddb_buf_free(&item);
	ddb_attr_stats_free(&st);
}

static void
test_plan(void)
{
	DdbSamplePlan p;
	int			a[80];
	int			b[80];
	int			c[80];
	int			i;
	int			j;
	bool		distinct = true;
	bool		in_range = true;

	ddb_sample_plan(-1, 1000, &p);
	CHECK(p.total_segments == 1 && p.max_segments == 1);
	ddb_sample_plan(2000, 1000, &p);
	CHECK(p.total_segments == 1 && p.max_segments == 1);
	/* 50 items a segment: 20 segments fill the sample, 80 at most */
	ddb_sample_plan(50000, 1000, &p);
	CHECK(p.total_segments == 1000 && p.max_segments == 80);
	ddb_sample_plan(2001, 1000, &p);
	CHECK(p.total_segments == 41 && p.max_segments == 41);
	/* capped at DynamoDB's limit: fewer, fuller segments */
	ddb_sample_plan(10000000000LL, 1000, &p);
	CHECK(p.total_segments == 1000000 && p.max_segments == 8);
	ddb_sample_plan(100, 1, &p);
	CHECK(p.total_segments == 100 && p.max_segments == 8);

	ddb_sample_pick_segments(1000, 80, 0, a);
	ddb_sample_pick_segments(1000, 80, 0, b);
	ddb_sample_pick_segments(1000, 80, 1, c);
	CHECK(memcmp(a, b, sizeof(a)) == 0);
	CHECK(memcmp(a, c, sizeof(a)) != 0);
	for (i = 0; i < 80; i++)
	{
		if (a[i] < 0 || a[i] >= 1000)
			in_range = false;
		for (j = 0; j < i; j++)
			if (a[i] == a[j])
				distinct = false;
	}
	CHECK(distinct && in_range);
	/* every segment of a small split */
	ddb_sample_pick_segments(5, 5, 7, a);
	CHECK(a[0] + a[1] + a[2] + a[3] + a[4] == 10);
	ddb_sample_pick_segments(1, 1, 7, a);
	CHECK(a[0] == 0);
}

static const char scan_answer[] =
"{\"ConsumedCapacity\":{\"TableName\":\"t\",\"CapacityUnits\":2.5},"
"\"Count\":2,\"Items\":[{\"pk\":{\"S\":\"a\\\"b\"},\"sk\":{\"N\":\"10\"},\"v\":{\"BOOL\":true}},"
"{\"sk\":{\"N\":\"-1.5\"}, \"pk\":{\"S\":\"\\u00e9\"}}],"
"\"LastEvaluatedKey\":{\"pk\":{\"S\":\"\\u00e9\"},\"sk\":{\"N\":\"-1.5\"}},"
"\"ScannedCount\":2}";

static void
test_pages(void)
{
	DdbSamplePage page;
	DdbAwsError err;
	size_t		len = strlen(scan_answer);
	char	   *body = exact_copy(scan_answer, len);
	size_t		cut;
	bool		all_refused = true;
	static const char *const keys[2] = {"pk", "sk"};
	static const char *const pk_only[2] = {"pk", NULL};
	DdbBuf		key;

	memset(&page, 0, sizeof(page));
	ddb_aws_error_clear(&err);
	CHECK(ddb_sample_parse_page(body, len, &page, &err));
	CHECK(page.nitems == 2);
	CHECK(page.capacity_units == 2.5);
	CHECK_STR(page.last_key, "{\"pk\":{\"S\":\"\\u00e9\"},\"sk\":{\"N\":\"-1.5\"}}");
	CHECK(page.nitems == 2 && body[page.items[0].offset] == '{' &&
		  body[page.items[0].offset + page.items[0].len - 1] == '}' &&
		  strncmp(body + page.items[1].offset, "{\"sk\"", 5) == 0);

	ddb_buf_init(&key);
	CHECK(ddb_sample_item_key(body + page.items[0].offset, page.items[0].len, keys, &key, &err));
	CHECK_STR(key.data, "{\"pk\": \"a\\\"b\", \"sk\": 10}");
	ddb_buf_reset(&key);
	/* the sort key first in the item: the key is still partition, sort */
	CHECK(ddb_sample_item_key(body + page.items[1].offset, page.items[1].len, keys, &key, &err));
	CHECK_STR(key.data, "{\"pk\": \"\xc3\xa9\", \"sk\": -1.5}");
	ddb_buf_reset(&key);
	CHECK(ddb_sample_item_key(body + page.items[1].offset, page.items[1].len, pk_only, &key, &err));
	CHECK_STR(key.data, "{\"pk\": \"\xc3\xa9\"}");
	ddb_buf_reset(&key);
	CHECK(ddb_sample_item_key(LIT("{\"x\":{\"B\":\"AAE=\"},\"pk\":{\"B\":\"AAE=\"}}"), pk_only, &key, &err));
	CHECK_STR(key.data, "{\"pk\": \"AAE=\"}");
	ddb_buf_reset(&key);
	CHECK(ddb_sample_item_key(LIT("{\"x\":{\"S\":\"1\"}}"), keys, &key, &err));
	CHECK_STR(key.data, "{}");
	ddb_buf_reset(&key);
	/* a number that is no JSON number stays a string */
	CHECK(ddb_sample_item_key(LIT("{\"pk\":{\"N\":\"1x\"}}"), pk_only, &key, &err));
	CHECK_STR(key.data, "{\"pk\": \"1x\"}");
	ddb_buf_reset(&key);
	CHECK(!ddb_sample_item_key(LIT("{\"pk\":{\"S\":1}}"), keys, &key, &err));
	ddb_buf_free(&key);

	/* the last page of a segment: no LastEvaluatedKey */
	CHECK(ddb_sample_parse_page(LIT("{\"Items\":[],\"Count\":0,\"ScannedCount\":0}"), &page, &err));
	CHECK(page.nitems == 0 && page.last_key == NULL && page.capacity_units == 0);

	/* Count disagreeing with the items, wrong shapes */
	ddb_aws_error_clear(&err);
	CHECK(!ddb_sample_parse_page(LIT("{\"Items\":[{}],\"Count\":2}"), &page, &err));
	CHECK(err.kind == DDB_AWS_ERR_MALFORMED);
	CHECK(!ddb_sample_parse_page(LIT("{\"Items\":[1]}"), &page, &err));
	CHECK(!ddb_sample_parse_page(LIT("{\"Items\":{}}"), &page, &err));
	CHECK(!ddb_sample_parse_page(LIT("{\"LastEvaluatedKey\":\"x\"}"), &page, &err));
	CHECK(!ddb_sample_parse_page(LIT("{\"Count\":-1}"), &page, &err));

	/* every truncation of a real answer is refused */
	for (cut = 0; cut < len; cut++)
	{
		char	   *part = exact_copy(scan_answer, cut);

		ddb_aws_error_clear(&err);
		if (ddb_sample_parse_page(part, cut, &page, &err) ||
			err.kind != DDB_AWS_ERR_MALFORMED)
			all_refused = false;
		free(part);
	}
	CHECK(all_refused);
	ddb_sample_page_free(&page);
	free(body);
}

int
main(void)
{
	test_timestamps();
	test_uuids();
	test_integers();
	test_stats();
	test_many_attributes();
	test_plan();
	test_pages();
	return unit_report("test_infer");
}
