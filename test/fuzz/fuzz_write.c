/*-------------------------------------------------------------------------
 *
 * fuzz_write.c
 *		libFuzzer target of the write answers' readers and of the write
 *		builders (src/aws/write_answer.c, src/aws/write.c).
 *
 * Each input is handed, as a response body, to
 *
 *	- ddb_write_parse_item_answer, _batch_answer and _transact_answer: the
 *	  spans they return lie inside the body and are one JSON object each,
 *	  an UnprocessedItems span comes with a count and goes back into
 *	  ddb_write_build_batch_retry as a complete JSON request, the consumed
 *	  units are finite and not negative; on failure the answer is zeroed;
 *	- ddb_write_parse_cancellation, with any count, then with a count one
 *	  off (which must fail and free what it read): codes and messages are
 *	  clean text, items are objects inside the body;
 *	- ddb_write_parse_condition_failure: likewise for its Item;
 *
 * and, as text up to its first NUL, to ddb_write_build_item as the key,
 * an attribute name, a value and both expressions of an UpdateItem: the
 * builder either refuses (DDB_AWS_ERR_INVALID) or writes one complete JSON
 * value, whatever the bytes -- the escaping promise of write.h.
 *
 * IDENTIFICATION
 *		test/fuzz/fuzz_write.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"
#include "write.h"

/* Whether len bytes at p are exactly one JSON value. */
static bool
one_value(const char *p, size_t len)
{
	DdbJson		j;
	bool		ok;

	ddb_json_init(&j, p, len);
	ok = ddb_json_skip_value(&j) && ddb_json_finish(&j);
	ddb_json_free(&j);
	return ok;
}

/* A span a reader captured: inside the body, one JSON object. */
static void
check_object_span(const char *p, size_t len, const char *body, size_t size)
{
	FUZZ_ASSERT(fuzz_inside(p, len, body, size));
	fuzz_touch(p, len);
	FUZZ_ASSERT(len >= 2 && p[0] == '{' && p[len - 1] == '}');
	FUZZ_ASSERT(one_value(p, len));
}

typedef bool (*Reader) (const char *body, size_t len, DdbWriteAnswer *ans,
						DdbAwsError *err);

static void
fuzz_answer(Reader reader, const char *body, size_t len)
{
	DdbWriteAnswer ans;
	DdbWriteAnswer zero;
	DdbAwsError err;

	memset(&zero, 0, sizeof(zero));
	memset(&ans, 'x', sizeof(ans));	/* must be overwritten */
	fuzz_dirty_error(&err);
	if (!reader(body, len, &ans, &err))
	{
		fuzz_check_failure(&err);
		FUZZ_ASSERT(err.kind == DDB_AWS_ERR_MALFORMED || err.kind == DDB_AWS_ERR_OOM);
		FUZZ_ASSERT(memcmp(&ans, &zero, sizeof(ans)) == 0);
		return;
	}
	FUZZ_ASSERT(isfinite(ans.consumed_units) && ans.consumed_units >= 0);
	FUZZ_ASSERT(ans.has_consumed_capacity || ans.consumed_units == 0);
	if (ans.attributes)
		check_object_span(ans.attributes, ans.attributes_len, body, len);
	FUZZ_ASSERT((ans.unprocessed != NULL) == (ans.nunprocessed > 0));
	if (ans.unprocessed)
	{
		DdbBuf		out;

		FUZZ_ASSERT(reader == ddb_write_parse_batch_answer);
		check_object_span(ans.unprocessed, ans.unprocessed_len, body, len);
		ddb_buf_init(&out);
		FUZZ_ASSERT(ddb_write_build_batch_retry(ans.unprocessed, ans.unprocessed_len,
												true, &out, &err));
		FUZZ_ASSERT(one_value(out.data, out.len));
		ddb_buf_free(&out);
	}
}

static void
fuzz_cancellation(const char *body, size_t len)
{
	DdbCancellation c;
	DdbAwsError err;
	const DdbCancelReason *first;
	int			at = -1;
	int			n;
	int			i;

	memset(&c, 'x', sizeof(c));
	fuzz_dirty_error(&err);
	if (!ddb_write_parse_cancellation(body, len, 0, &c, &err))
	{
		fuzz_check_failure(&err);
		FUZZ_ASSERT(c.nreasons == 0 && c.reasons == NULL);
		return;
	}
	FUZZ_ASSERT(c.nreasons >= 0 && (c.nreasons == 0) == (c.reasons == NULL));
	for (i = 0; i < c.nreasons; i++)
	{
		const DdbCancelReason *r = &c.reasons[i];

		fuzz_check_text(r->code, sizeof(r->code), "reason code is clean text");
		FUZZ_ASSERT(r->kind >= DDB_CANCEL_NONE && r->kind <= DDB_CANCEL_OTHER);
		if (r->message)
			fuzz_check_text(r->message, strlen(r->message) + 1, "reason message is clean text");
		if (r->item)
			check_object_span(r->item, r->item_len, body, len);
	}
	first = ddb_cancellation_first(&c, &at);
	FUZZ_ASSERT(first == NULL || (at >= 0 && at < c.nreasons && first == &c.reasons[at] &&
								  first->kind != DDB_CANCEL_NONE));
	n = c.nreasons;
	ddb_cancellation_free(&c);
	FUZZ_ASSERT(c.nreasons == 0 && c.reasons == NULL);

	/* the same body for one action more: refused, nothing kept */
	fuzz_dirty_error(&err);
	FUZZ_ASSERT(!ddb_write_parse_cancellation(body, len, n + 1, &c, &err));
	fuzz_check_failure(&err);
	FUZZ_ASSERT(c.nreasons == 0 && c.reasons == NULL);
}

static void
fuzz_condition_failure(const char *body, size_t len)
{
	const char *item = "dangling";
	size_t		item_len = 99;
	DdbAwsError err;

	fuzz_dirty_error(&err);
	if (!ddb_write_parse_condition_failure(body, len, &item, &item_len, &err))
	{
		fuzz_check_failure(&err);
		FUZZ_ASSERT(item == NULL && item_len == 0);
		return;
	}
	if (item)
		check_object_span(item, item_len, body, len);
	else
		FUZZ_ASSERT(item_len == 0);
}

/*
 * Builds an UpdateItem of text (every string member) and fragment (the key
 * and the value); true when the builder accepted it, whose output must then
 * be one JSON value.
 */
static bool
build_update(const char *text, const char *fragment)
{
	DdbExprName name;
	DdbExprValue value;
	DdbWrite	w;
	DdbBuf		out;
	DdbAwsError err;
	bool		ok;

	name.placeholder = "#a";
	name.name = text;
	value.placeholder = ":v";
	value.value = fragment;
	memset(&w, 0, sizeof(w));
	w.kind = DDB_WRITE_UPDATE;
	w.table_name = text;
	w.key = fragment;
	w.update_expression = text;
	w.condition_expression = text;
	w.names = &name;
	w.nnames = 1;
	w.values = &value;
	w.nvalues = 1;
	w.return_values = DDB_RETURN_ALL_NEW;
	ddb_buf_init(&out);
	fuzz_dirty_error(&err);
	ok = ddb_write_build_item(&w, true, &out, &err);
	if (ok)
		FUZZ_ASSERT(out.data != NULL && one_value(out.data, out.len));
	else
	{
		fuzz_check_failure(&err);
		FUZZ_ASSERT(err.kind == DDB_AWS_ERR_INVALID && out.len == 0);
	}
	ddb_buf_free(&out);
	return ok;
}

/*
 * The input, up to its first NUL, as the text of an UpdateItem (accepted
 * exactly when it is non-empty UTF-8: then escaped into valid JSON), and as
 * its encoded fragments (accepted only when one JSON object).
 */
static void
fuzz_build(const char *data, size_t size)
{
	char	   *text = malloc(size + 1);
	size_t		len;

	FUZZ_ASSERT(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	len = strlen(text);
	FUZZ_ASSERT(build_update(text, "{\"k\":{\"S\":\"v\"}}") ==
				(len > 0 && ddb_utf8_valid(text, len)));
	if (build_update("t", text))
		FUZZ_ASSERT(one_value(text, len));
	free(text);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *) data;

	fuzz_answer(ddb_write_parse_item_answer, body, size);
	fuzz_answer(ddb_write_parse_batch_answer, body, size);
	fuzz_answer(ddb_write_parse_transact_answer, body, size);
	fuzz_cancellation(body, size);
	fuzz_condition_failure(body, size);
	fuzz_build(body, size);
	return 0;
}
