/*-------------------------------------------------------------------------
 *
 * test_json.c
 *		Unit tests of the strict pull JSON reader (src/aws/json.c).
 *
 * Every document is handed to the reader in a heap block of exactly its
 * length, so AddressSanitizer (or valgrind) reports any read past the end.
 * Most documents are read twice, once with ddb_json_skip_value() and once
 * with a generic walk through peek/enter/next_member/next_element/read_*,
 * and both must agree: the decoder in src/fdw uses the second path, the
 * control-response code the first.
 *
 * The central property: a realistic DynamoDB Scan page, cut at every
 * possible length, must always be rejected (a truncated page must never
 * look like a short page), and single-byte corruptions of it must either
 * fail cleanly or parse, never crash or read out of bounds.
 *
 * IDENTIFICATION
 *		test/unit/test_json.c
 *
 *-------------------------------------------------------------------------
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capacity.h"
#include "json.h"
#include "unit.h"

UNIT_DEFINE_COUNTERS;

/* Failures that left no error message (every failure must leave one). */
static int	silent_failures = 0;

/* Sum of every byte read back, kept so the reads cannot be optimized out. */
static unsigned touched = 0;

/* ----------------------------------------------------------------
 * Helpers
 * ----------------------------------------------------------------
 */



/* A printable, shortened form of a document for failure messages. */
static const char *
printable(const char *s, size_t len)
{
	static char out[160];
	size_t		o = 0;
	size_t		i;

	for (i = 0; i < len && o < sizeof(out) - 8; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c >= 0x20 && c < 0x7f)
			out[o++] = (char) c;
		else
			o += (size_t) snprintf(out + o, sizeof(out) - o, "\\x%02X", c);
	}
	if (i < len)
		o += (size_t) snprintf(out + o, sizeof(out) - o, "...");
	out[o] = '\0';
	return out;
}

/* Touches every byte of a token so the sanitizer checks its bounds. */
static unsigned
touch(const DdbJsonStr *s)
{
	unsigned	sum = 0;
	size_t		i;

	for (i = 0; i < s->len; i++)
		sum += (unsigned char) s->ptr[i];
	return sum;
}

/*
 * Reads one value of any type through the structured API (the way the
 * Scan decoder does), recursing into containers.  The reader's own depth
 * limit bounds the recursion.
 */
static bool
walk_value(DdbJson *j, unsigned *sum)
{
	DdbJsonStr	s;
	bool		done;
	bool		b;

	switch (ddb_json_peek(j))
	{
		case DDB_JSON_OBJECT:
			if (!ddb_json_enter_object(j))
				return false;
			for (;;)
			{
				if (!ddb_json_next_member(j, &s, &done))
					return false;
				if (done)
					return true;
				*sum += touch(&s);
				if (!walk_value(j, sum))
					return false;
			}
		case DDB_JSON_ARRAY:
			if (!ddb_json_enter_array(j))
				return false;
			for (;;)
			{
				if (!ddb_json_next_element(j, &done))
					return false;
				if (done)
					return true;
				if (!walk_value(j, sum))
					return false;
			}
		case DDB_JSON_STRING:
			if (!ddb_json_read_string(j, &s))
				return false;
			*sum += touch(&s);
			return true;
		case DDB_JSON_NUMBER:
			if (!ddb_json_read_number(j, &s))
				return false;
			*sum += touch(&s);
			return true;
		case DDB_JSON_TRUE:
		case DDB_JSON_FALSE:
			return ddb_json_read_bool(j, &b);
		case DDB_JSON_NULL:
			return ddb_json_read_null(j);
		case DDB_JSON_INVALID:
			break;
	}
	return ddb_json_fail(j, "no value here");
}

/* Skips the whole document; true if it is one valid JSON text. */
static bool
skip_ok(const char *doc, size_t len)
{
	char	   *copy = exact_copy(doc, len);
	DdbJson		j;
	bool		ok;

	ddb_json_init(&j, copy, len);
	ok = ddb_json_skip_value(&j) && ddb_json_finish(&j);
	if (!ok && j.error == NULL)
		silent_failures++;
	ddb_json_free(&j);
	free(copy);
	return ok;
}

/* Walks the whole document; true if it is one valid JSON text. */
static bool
walk_ok(const char *doc, size_t len)
{
	char	   *copy = exact_copy(doc, len);
	DdbJson		j;
	unsigned	sum = 0;
	bool		ok;

	ddb_json_init(&j, copy, len);
	ok = walk_value(&j, &sum) && ddb_json_finish(&j);
	if (!ok && j.error == NULL)
		silent_failures++;
	touched += sum;
	ddb_json_free(&j);
	free(copy);
	return ok;
}

static void
expect_doc(const char *doc, size_t len, bool valid, int line)
{
	const char *ctx = printable(doc, len);

	unit_check(skip_ok(doc, len) == valid,
			   valid ? "skip accepts" : "skip rejects", __FILE__, line, ctx);
	unit_check(walk_ok(doc, len) == valid,
			   valid ? "walk accepts" : "walk rejects", __FILE__, line, ctx);
}

/* String literals may hold NUL bytes: take their size, not strlen. */
#define ACCEPT(lit) expect_doc((lit), sizeof(lit) - 1, true, __LINE__)
#define REJECT(lit) expect_doc((lit), sizeof(lit) - 1, false, __LINE__)

/*
 * Reads a document that is one JSON string; on success *out holds the
 * decoded bytes (malloc'd) and *has_nul the flag.
 */
static bool
read_one_string(const char *doc, size_t len, char **out, size_t *outlen,
				bool *has_nul)
{
	char	   *copy = exact_copy(doc, len);
	DdbJson		j;
	DdbJsonStr	s;
	bool		ok;

	*out = NULL;
	ddb_json_init(&j, copy, len);
	ok = ddb_json_read_string(&j, &s) && ddb_json_finish(&j);
	if (ok)
	{
		*out = exact_copy(s.ptr, s.len);
		*outlen = s.len;
		*has_nul = s.has_nul;
	}
	ddb_json_free(&j);
	free(copy);
	return ok;
}

static void
expect_string(const char *doc, size_t len, const char *want, size_t wantlen,
			  bool want_nul, int line)
{
	char	   *got;
	size_t		gotlen = 0;
	bool		has_nul = false;
	bool		ok = read_one_string(doc, len, &got, &gotlen, &has_nul);
	const char *ctx = printable(doc, len);

	unit_check(ok, "string is read", __FILE__, line, ctx);
	if (ok)
	{
		unit_check(gotlen == wantlen && memcmp(got, want, wantlen) == 0,
				   "decoded bytes", __FILE__, line, ctx);
		unit_check(has_nul == want_nul, "has_nul", __FILE__, line, ctx);
	}
	free(got);
}

#define STRING_IS(lit, want) \
	expect_string((lit), sizeof(lit) - 1, (want), sizeof(want) - 1, false, __LINE__)
#define STRING_IS_NUL(lit, want) \
	expect_string((lit), sizeof(lit) - 1, (want), sizeof(want) - 1, true, __LINE__)

/* ----------------------------------------------------------------
 * Values and walks
 * ----------------------------------------------------------------
 */
static void
test_walk(void)
{
	static const char doc[] =
		" { \"a\" : 1 , \"b\":[true,false,null,\"x\",-2.5e+3],\n"
		"\t\"c\":{\"d\":{}},\"e\":[ ],\"f\":[[1],[]],\"a\\u0062\":\"y\" } ";
	char	   *copy = exact_copy(doc, sizeof(doc) - 1);
	DdbJson		j;
	DdbJsonStr	name;
	DdbJsonStr	s;
	bool		done;
	bool		b;

	ddb_json_init(&j, copy, sizeof(doc) - 1);
	CHECK(ddb_json_peek(&j) == DDB_JSON_OBJECT);
	CHECK(ddb_json_enter_object(&j));
	CHECK(j.depth == 1);

	CHECK(ddb_json_next_member(&j, &name, &done) && !done);
	CHECK(ddb_json_str_eq(&name, "a"));
	CHECK(!ddb_json_str_eq(&name, "ab"));
	CHECK(!ddb_json_str_eq(&name, ""));
	CHECK(ddb_json_peek(&j) == DDB_JSON_NUMBER);
	CHECK(ddb_json_read_number(&j, &s) && ddb_json_str_eq(&s, "1"));

	CHECK(ddb_json_next_member(&j, &name, &done) && !done);
	CHECK(ddb_json_str_eq(&name, "b"));
	CHECK(ddb_json_enter_array(&j));
	CHECK(ddb_json_next_element(&j, &done) && !done);
	CHECK(ddb_json_peek(&j) == DDB_JSON_TRUE);
	CHECK(ddb_json_read_bool(&j, &b) && b);
	CHECK(ddb_json_next_element(&j, &done) && !done);
	CHECK(ddb_json_peek(&j) == DDB_JSON_FALSE);
	CHECK(ddb_json_read_bool(&j, &b) && !b);
	CHECK(ddb_json_next_element(&j, &done) && !done);
	CHECK(ddb_json_peek(&j) == DDB_JSON_NULL);
	CHECK(ddb_json_read_null(&j));
	CHECK(ddb_json_next_element(&j, &done) && !done);
	CHECK(ddb_json_peek(&j) == DDB_JSON_STRING);
	CHECK(ddb_json_read_string(&j, &s) && ddb_json_str_eq(&s, "x"));
	/* an unescaped string points into the input */
	CHECK(s.ptr > copy && s.ptr < copy + sizeof(doc) - 1 && !s.has_nul);
	CHECK(ddb_json_next_element(&j, &done) && !done);
	CHECK(ddb_json_read_number(&j, &s) && ddb_json_str_eq(&s, "-2.5e+3"));
	CHECK(ddb_json_next_element(&j, &done) && done);
	CHECK(j.depth == 1);

	CHECK(ddb_json_next_member(&j, &name, &done) && !done);
	CHECK(ddb_json_str_eq(&name, "c"));
	CHECK(ddb_json_enter_object(&j));
	CHECK(ddb_json_next_member(&j, &name, &done) && !done);
	CHECK(ddb_json_str_eq(&name, "d"));
	CHECK(ddb_json_enter_object(&j));
	CHECK(j.depth == 3);
	CHECK(ddb_json_next_member(&j, &name, &done) && done);
	CHECK(ddb_json_next_member(&j, &name, &done) && done);
	CHECK(j.depth == 1);

	CHECK(ddb_json_next_member(&j, &name, &done) && !done);
	CHECK(ddb_json_str_eq(&name, "e"));
	CHECK(ddb_json_enter_array(&j));
	CHECK(ddb_json_next_element(&j, &done) && done);

	/* [[1],[]]: an inner array closing must not look like a start */
	CHECK(ddb_json_next_member(&j, &name, &done) && !done);
	CHECK(ddb_json_str_eq(&name, "f"));
	CHECK(ddb_json_enter_array(&j));
	CHECK(ddb_json_next_element(&j, &done) && !done);
	CHECK(ddb_json_enter_array(&j));
	CHECK(ddb_json_next_element(&j, &done) && !done);
	CHECK(ddb_json_read_number(&j, &s) && ddb_json_str_eq(&s, "1"));
	CHECK(ddb_json_next_element(&j, &done) && done);
	CHECK(ddb_json_next_element(&j, &done) && !done);
	CHECK(ddb_json_enter_array(&j));
	CHECK(ddb_json_next_element(&j, &done) && done);
	CHECK(ddb_json_next_element(&j, &done) && done);

	/* a member name with an escape is decoded */
	CHECK(ddb_json_next_member(&j, &name, &done) && !done);
	CHECK(ddb_json_str_eq(&name, "ab"));
	CHECK(ddb_json_read_string(&j, &s) && ddb_json_str_eq(&s, "y"));

	CHECK(ddb_json_next_member(&j, &name, &done) && done);
	CHECK(j.depth == 0);
	CHECK(ddb_json_finish(&j));
	CHECK(j.error == NULL);
	ddb_json_free(&j);
	free(copy);
}

/* Wrong-type reads fail, and once failed a reader stays failed. */
static void
test_type_errors(void)
{
	static const char doc[] = "[\"s\", 1]";
	DdbJson		j;
	DdbJsonStr	s;
	bool		done;
	bool		b;
	const char *first;

	ddb_json_init(&j, doc, sizeof(doc) - 1);
	CHECK(ddb_json_enter_array(&j));
	CHECK(ddb_json_next_element(&j, &done) && !done);
	CHECK(!ddb_json_read_number(&j, &s));
	CHECK(j.error != NULL);
	first = j.error;
	CHECK(j.error_offset == 1);
	/* sticky: nothing reads any more, the first message stays */
	CHECK(ddb_json_peek(&j) == DDB_JSON_INVALID);
	CHECK(!ddb_json_read_string(&j, &s));
	CHECK(!ddb_json_next_element(&j, &done));
	CHECK(!ddb_json_skip_value(&j));
	CHECK(!ddb_json_finish(&j));
	CHECK(!ddb_json_fail(&j, "another"));
	CHECK(j.error == first);
	ddb_json_free(&j);

	ddb_json_init(&j, "null", 4);
	CHECK(!ddb_json_read_bool(&j, &b));
	ddb_json_free(&j);
	ddb_json_init(&j, "true", 4);
	CHECK(!ddb_json_read_null(&j));
	ddb_json_free(&j);
	ddb_json_init(&j, "{}", 2);
	CHECK(!ddb_json_enter_array(&j));
	ddb_json_free(&j);
	ddb_json_init(&j, "[]", 2);
	CHECK(!ddb_json_enter_object(&j));
	ddb_json_free(&j);
	ddb_json_init(&j, "", 0);
	CHECK(ddb_json_peek(&j) == DDB_JSON_INVALID);
	CHECK(!ddb_json_skip_value(&j));
	ddb_json_free(&j);
	ddb_json_init(&j, " \t\r\n", 4);
	CHECK(ddb_json_peek(&j) == DDB_JSON_INVALID);
	CHECK(!ddb_json_skip_value(&j));
	ddb_json_free(&j);
	ddb_json_init(&j, "x", 1);
	CHECK(ddb_json_peek(&j) == DDB_JSON_INVALID);
	ddb_json_free(&j);

	/* error offsets point at the offending byte */
	ddb_json_init(&j, "[1,]", 4);
	CHECK(!ddb_json_skip_value(&j));
	CHECK(j.error_offset == 3);
	ddb_json_free(&j);
	ddb_json_init(&j, "{\"a\" 1}", 7);
	CHECK(!ddb_json_skip_value(&j));
	CHECK(j.error_offset == 5);
	ddb_json_free(&j);
}

static void
test_capture(void)
{
	static const char doc[] =
		"{\"k\" :  [1, {\"x\":\"y\"}]  , \"s\":\"a\\nb\", \"n\":-1.5e3,"
		"\"t\":true,\"o\":{ }}";
	DdbJson		j;
	DdbJsonStr	name;
	DdbJsonStr	raw;
	bool		done;
	char	   *copy = exact_copy(doc, sizeof(doc) - 1);

	ddb_json_init(&j, copy, sizeof(doc) - 1);
	CHECK(ddb_json_enter_object(&j));
	CHECK(ddb_json_next_member(&j, &name, &done) && ddb_json_str_eq(&name, "k"));
	CHECK(ddb_json_capture_value(&j, &raw));
	CHECK(ddb_json_str_eq(&raw, "[1, {\"x\":\"y\"}]"));
	CHECK(ddb_json_next_member(&j, &name, &done) && ddb_json_str_eq(&name, "s"));
	/* a captured string is raw: quotes and escapes as in the input */
	CHECK(ddb_json_capture_value(&j, &raw));
	CHECK(ddb_json_str_eq(&raw, "\"a\\nb\""));
	CHECK(ddb_json_next_member(&j, &name, &done) && ddb_json_str_eq(&name, "n"));
	CHECK(ddb_json_capture_value(&j, &raw));
	CHECK(ddb_json_str_eq(&raw, "-1.5e3"));
	CHECK(ddb_json_next_member(&j, &name, &done) && ddb_json_str_eq(&name, "t"));
	CHECK(ddb_json_capture_value(&j, &raw));
	CHECK(ddb_json_str_eq(&raw, "true"));
	CHECK(ddb_json_next_member(&j, &name, &done) && ddb_json_str_eq(&name, "o"));
	CHECK(ddb_json_capture_value(&j, &raw));
	CHECK(ddb_json_str_eq(&raw, "{ }"));
	CHECK(ddb_json_next_member(&j, &name, &done) && done);
	CHECK(ddb_json_finish(&j));
	ddb_json_free(&j);

	/* the top-level value, around blanks */
	ddb_json_init(&j, copy, sizeof(doc) - 1);
	CHECK(ddb_json_capture_value(&j, &raw));
	CHECK(raw.ptr == copy && raw.len == sizeof(doc) - 1);
	ddb_json_free(&j);
	free(copy);

	ddb_json_init(&j, " \n [ ] \n", 8);
	CHECK(ddb_json_capture_value(&j, &raw));
	CHECK(ddb_json_str_eq(&raw, "[ ]"));
	CHECK(ddb_json_finish(&j));
	ddb_json_free(&j);

	/* an invalid value is not captured */
	ddb_json_init(&j, "[1,]", 4);
	CHECK(!ddb_json_capture_value(&j, &raw));
	ddb_json_free(&j);
}

/* ----------------------------------------------------------------
 * Strings
 * ----------------------------------------------------------------
 */
static void
test_escapes(void)
{
	STRING_IS("\"\"", "");
	STRING_IS("\"plain\"", "plain");
	STRING_IS("\"a\\nb\\tc\\\"d\\\\e\\/f\\bg\\fh\\ri\"",
			  "a\nb\tc\"d\\e/f\bg\fh\ri");
	STRING_IS("\"\\u0041\\u00e9\\u00E9\"", "A\xC3\xA9\xC3\xA9");
	STRING_IS("\"\\u20ac\\u20AC\"", "\xE2\x82\xAC\xE2\x82\xAC");
	STRING_IS("\"\\u07ff\\u0800\\uffff\"", "\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF");
	STRING_IS("\"\\u001f\"", "\x1F");
	/* surrogate pairs become one 4-byte sequence */
	STRING_IS("\"\\ud83d\\ude00\"", "\xF0\x9F\x98\x80");
	STRING_IS("\"x\\uD800\\uDC00y\"", "x\xF0\x90\x80\x80y");
	STRING_IS("\"\\uDBFF\\uDFFF\"", "\xF4\x8F\xBF\xBF");
	/* \u0000 is a real NUL byte, flagged */
	STRING_IS_NUL("\"\\u0000\"", "\0");
	STRING_IS_NUL("\"a\\u0000b\"", "a\0b");
	/* raw multi-byte UTF-8 and DEL pass unchanged */
	STRING_IS("\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \x7F\"",
			  "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \x7F");

	/* bad escapes */
	REJECT("\"\\x41\"");
	REJECT("\"\\U0041\"");
	REJECT("\"\\a\"");
	REJECT("\"\\'\"");
	REJECT("\"\\0\"");
	REJECT("\"\\u12\"");
	REJECT("\"\\u12G4\"");
	REJECT("\"\\u");
	REJECT("\"\\u004");
	REJECT("\"\\");
	REJECT("\"\\\"");
	/* lone or misordered surrogates */
	REJECT("\"\\ud800\"");
	REJECT("\"\\uD800x\"");
	REJECT("\"\\uD800\\n\"");
	REJECT("\"\\uD800\\u0041\"");
	REJECT("\"\\uD800\\uD800\"");
	REJECT("\"\\uDC00\"");
	REJECT("\"\\uDFFF\\uD800\"");
	REJECT("\"\\uD800\\uDC0\"");
	REJECT("\"\\uD800\\u");
	REJECT("\"\\uD800");
	ACCEPT("[\"\\uD83D\\uDE00\",\"\\u0000\"]");
}

static void
test_utf8(void)
{
	/* boundaries of each sequence length */
	ACCEPT("\"\xC2\x80\"");
	ACCEPT("\"\xDF\xBF\"");
	ACCEPT("\"\xE0\xA0\x80\"");
	ACCEPT("\"\xED\x9F\xBF\"");		/* U+D7FF */
	ACCEPT("\"\xEE\x80\x80\"");		/* U+E000 */
	ACCEPT("\"\xEF\xBF\xBF\"");
	ACCEPT("\"\xF0\x90\x80\x80\"");
	ACCEPT("\"\xF4\x8F\xBF\xBF\"");	/* U+10FFFF */
	ACCEPT("{\"\xC3\xA9\":\"\xE2\x82\xAC\"}");

	/* overlong forms */
	REJECT("\"\xC0\x80\"");
	REJECT("\"\xC1\xBF\"");
	REJECT("\"\xE0\x80\x80\"");
	REJECT("\"\xE0\x9F\xBF\"");
	REJECT("\"\xF0\x80\x80\x80\"");
	REJECT("\"\xF0\x8F\xBF\xBF\"");
	/* UTF-16 surrogates encoded directly */
	REJECT("\"\xED\xA0\x80\"");
	REJECT("\"\xED\xBF\xBF\"");
	/* above U+10FFFF */
	REJECT("\"\xF4\x90\x80\x80\"");
	REJECT("\"\xF5\x80\x80\x80\"");
	REJECT("\"\xF7\xBF\xBF\xBF\"");
	REJECT("\"\xF8\x88\x80\x80\x80\"");
	REJECT("\"\xFE\"");
	REJECT("\"\xFF\"");
	/* stray continuation bytes */
	REJECT("\"\x80\"");
	REJECT("\"a\xBF\"");
	/* truncated sequences, before the quote and at the end of input */
	REJECT("\"\xC3\"");
	REJECT("\"\xE2\x82\"");
	REJECT("\"\xF0\x9F\x98\"");
	REJECT("\"\xE2\x82x\"");
	REJECT("\"\xC3");
	REJECT("\"\xE2\x82");
	REJECT("\"\xF0\x9F\x98");
	/* in a member name too */
	REJECT("{\"\xC0\x80\":1}");
}

static void
test_control_chars(void)
{
	REJECT("\"a\nb\"");
	REJECT("\"a\tb\"");
	REJECT("\"a\rb\"");
	REJECT("\"\x01\"");
	REJECT("\"\x1F\"");
	REJECT("\"a\0b\"");
	REJECT("{\"a\nb\":1}");
	ACCEPT("\"\x7F\"");
	ACCEPT("\"a\\u000ab\"");
}

/* ----------------------------------------------------------------
 * Numbers, literals, structure
 * ----------------------------------------------------------------
 */
static void
expect_number(const char *doc, int line)
{
	DdbJson		j;
	DdbJsonStr	s;
	size_t		len = strlen(doc);
	char	   *copy = exact_copy(doc, len);

	ddb_json_init(&j, copy, len);
	unit_check(ddb_json_read_number(&j, &s) && s.len == len &&
			   memcmp(s.ptr, doc, len) == 0 && ddb_json_finish(&j),
			   "number read whole", __FILE__, line, doc);
	ddb_json_free(&j);
	free(copy);
	expect_doc(doc, len, true, line);
}

static void
test_numbers(void)
{
	expect_number("0", __LINE__);
	expect_number("-0", __LINE__);
	expect_number("7", __LINE__);
	expect_number("0.5", __LINE__);
	expect_number("-0.0", __LINE__);
	expect_number("1e10", __LINE__);
	expect_number("1E+2", __LINE__);
	expect_number("1e-0", __LINE__);
	expect_number("-1.5e-3", __LINE__);
	expect_number("123456789012345678901234567890.123456789e-130", __LINE__);
	ACCEPT("[0,-0,1.0,2e5,3E-5]");

	REJECT("01");
	REJECT("-01");
	REJECT("00");
	REJECT("1.");
	REJECT("1.e5");
	REJECT(".5");
	REJECT("-.5");
	REJECT("+1");
	REJECT("1e");
	REJECT("1e+");
	REJECT("1E-");
	REJECT("-");
	REJECT("--1");
	REJECT("0x1");
	REJECT("1a");
	REJECT("Infinity");
	REJECT("NaN");
	REJECT("[01]");
	REJECT("[1.]");
	REJECT("{\"a\":-}");
	REJECT("[1e]");
}

static void
test_literals(void)
{
	ACCEPT("true");
	ACCEPT("false");
	ACCEPT("null");
	ACCEPT(" [true , false , null] ");
	REJECT("tru");
	REJECT("nul");
	REJECT("fals");
	REJECT("True");
	REJECT("NULL");
	REJECT("nulll");
	REJECT("truefalse");
	REJECT("[truefalse]");
	REJECT("[nil]");
}

static void
test_structure(void)
{
	ACCEPT("{}");
	ACCEPT("[]");
	ACCEPT("\"\"");
	ACCEPT(" \t\r\n{ \"a\" : [ 1 , { } , [ ] ] } \t\r\n");
	ACCEPT("{\"a\":1,\"a\":2}");	/* duplicate names are not our problem */
	ACCEPT("[[[[[]]]],{\"\":{\"\":[]}}]");

	/* trailing commas */
	REJECT("[1,]");
	REJECT("{\"a\":1,}");
	REJECT("[1 , ]");
	REJECT("{\"a\":[1,],\"b\":2}");
	/* leading and doubled commas */
	REJECT("[,1]");
	REJECT("{,\"a\":1}");
	REJECT("[1,,2]");
	REJECT("{\"a\":1,,\"b\":2}");
	REJECT("[,]");
	/* missing separators */
	REJECT("[1 2]");
	REJECT("{\"a\":1 \"b\":2}");
	REJECT("{\"a\" 1}");
	REJECT("{\"a\"}");
	REJECT("{\"a\":}");
	REJECT("{\"a\"::1}");
	REJECT("{\"a\",1}");
	REJECT("{a:1}");
	REJECT("{1:1}");
	REJECT("{'a':1}");
	REJECT("['a']");
	/* unbalanced or mismatched brackets */
	REJECT("[");
	REJECT("]");
	REJECT("{");
	REJECT("}");
	REJECT("[[]");
	REJECT("[]]");
	REJECT("{}}");
	REJECT("[}");
	REJECT("{]");
	REJECT("[1}");
	REJECT("{\"a\":1]");
	REJECT("{\"a\":[1}");
	REJECT("[{]}");
	REJECT("{\"a\":{}");
	/* garbage after the value */
	REJECT("{} {}");
	REJECT("{}x");
	REJECT("[] ,");
	REJECT("1 2");
	REJECT("\"a\" \"b\"");
	REJECT("null\0");
	/* nothing at all */
	REJECT("");
	REJECT("   ");
	REJECT("\0");
	/* a JSON text must not hold comments or a BOM */
	REJECT("[1/*c*/]");
	REJECT("\xEF\xBB\xBF[]");
}

/* ----------------------------------------------------------------
 * Depth
 * ----------------------------------------------------------------
 */

/* n opening brackets, optionally followed by n closing ones. */
static char *
nested(size_t n, bool closed, size_t *len)
{
	char	   *s = xmalloc(2 * n);

	memset(s, '[', n);
	if (closed)
		memset(s + n, ']', n);
	*len = closed ? 2 * n : n;
	return s;
}

static void
test_depth(void)
{
	size_t		len;
	char	   *doc;
	DdbJson		j;
	bool		done;
	int			n;
	unsigned	sum = 0;

	/* exactly the limit is fine, one more is not, for both paths */
	doc = nested(DDB_JSON_DEFAULT_MAX_DEPTH, true, &len);
	CHECK(skip_ok(doc, len));
	CHECK(walk_ok(doc, len));
	free(doc);
	doc = nested(DDB_JSON_DEFAULT_MAX_DEPTH + 1, true, &len);
	CHECK(!skip_ok(doc, len));
	CHECK(!walk_ok(doc, len));
	free(doc);

	/* 100000 levels: rejected by skip, without recursion */
	doc = nested(100000, false, &len);
	ddb_json_init(&j, doc, len);
	CHECK(!ddb_json_skip_value(&j));
	CHECK(j.error != NULL && strstr(j.error, "deep") != NULL);
	ddb_json_free(&j);

	/* ... and by enter: the 65th enter fails */
	ddb_json_init(&j, doc, len);
	for (n = 0; ddb_json_enter_array(&j); n++)
	{
		if (!ddb_json_next_element(&j, &done) || done)
			break;
	}
	CHECK(n == DDB_JSON_DEFAULT_MAX_DEPTH);
	CHECK(j.error != NULL && strstr(j.error, "deep") != NULL);
	ddb_json_free(&j);

	/* ... and by a recursive walk, which the limit keeps shallow */
	ddb_json_init(&j, doc, len);
	CHECK(!walk_value(&j, &sum));
	ddb_json_free(&j);
	free(doc);

	/* balanced, too */
	doc = nested(100000, true, &len);
	CHECK(!skip_ok(doc, len));
	CHECK(!walk_ok(doc, len));

	/* a huge max_depth is still capped by the reader's hard limit */
	ddb_json_init(&j, doc, len);
	j.max_depth = INT_MAX;
	CHECK(!ddb_json_skip_value(&j));
	CHECK(j.error != NULL && strstr(j.error, "deep") != NULL);
	ddb_json_free(&j);
	ddb_json_init(&j, doc, len);
	j.max_depth = INT_MAX;
	for (n = 0; ddb_json_enter_array(&j); n++)
	{
		if (!ddb_json_next_element(&j, &done) || done)
			break;
	}
	CHECK(n > DDB_JSON_DEFAULT_MAX_DEPTH && n < 100000);
	ddb_json_free(&j);
	free(doc);

	/* the depth entered so far counts when skipping below it */
	doc = nested(DDB_JSON_DEFAULT_MAX_DEPTH, true, &len);
	ddb_json_init(&j, doc, len);
	for (n = 0; n < 60; n++)
		CHECK(ddb_json_enter_array(&j) && ddb_json_next_element(&j, &done) && !done);
	CHECK(ddb_json_skip_value(&j));		/* 4 more levels: 64 in all */
	for (n = 0; n < 60; n++)
		CHECK(ddb_json_next_element(&j, &done) && done);
	CHECK(ddb_json_finish(&j));
	ddb_json_free(&j);
	free(doc);
	doc = nested(DDB_JSON_DEFAULT_MAX_DEPTH + 1, true, &len);
	ddb_json_init(&j, doc, len);
	for (n = 0; n < 60; n++)
		CHECK(ddb_json_enter_array(&j) && ddb_json_next_element(&j, &done) && !done);
	CHECK(!ddb_json_skip_value(&j));	/* 5 more levels: 65 */
	ddb_json_free(&j);
	free(doc);

	/* a lower max_depth is honoured */
	ddb_json_init(&j, "[[[]]]", 6);
	j.max_depth = 2;
	CHECK(!ddb_json_skip_value(&j));
	ddb_json_free(&j);
	ddb_json_init(&j, "[[]]", 4);
	j.max_depth = 2;
	CHECK(ddb_json_skip_value(&j) && ddb_json_finish(&j));
	ddb_json_free(&j);
}

/* ----------------------------------------------------------------
 * A realistic Scan page
 * ----------------------------------------------------------------
 */
/*
 * Items on the page.  Checking every prefix costs time quadratic in the
 * page size, which valgrind multiplies by about fifty: under valgrind
 * (UNIT_VALGRIND set by the Makefile) the page is smaller.
 */
static int	page_items = 50;

/* The bytes of item i's "name" attribute after decoding. */
static void
expected_name(int i, DdbBuf *out)
{
	ddb_buf_reset(out);
	ddb_buf_printf(out, "Zo\xC3\xAB \"q\" \\ a/b\n\t\xE2\x82\xAC\xF0\x9F\x98\x80"
				   " caf\xC3\xA9 \xF0\x9F\x98\x80 #%d", i);
}

static void
item_binary(int i, unsigned char *bytes, size_t *n)
{
	size_t		k;

	*n = (size_t) (i % 7) * 3 + (size_t) (i % 3);
	for (k = 0; k < *n; k++)
		bytes[k] = (unsigned char) (i * 31 + k * 17);
}

/*
 * Composes a Scan answer with every attribute type, nested maps and lists,
 * escapes and raw UTF-8, some items pretty-printed, a LastEvaluatedKey and
 * ConsumedCapacity; lek_start and lek_len locate the LastEvaluatedKey value.
 */
static void
build_scan_page(DdbBuf *b, size_t *lek_start, size_t *lek_len)
{
	int			i;

	ddb_buf_append_str(b, "{\"Items\":[");
	for (i = 0; i < page_items; i++)
	{
		const char *sep = (i % 5 == 4) ? ",\n    " : ",";
		unsigned char bin[32];
		size_t		nbin;

		item_binary(i, bin, &nbin);
		if (i > 0)
			ddb_buf_append_char(b, ',');
		if (i % 5 == 4)
			ddb_buf_append_str(b, "\n  ");
		ddb_buf_printf(b, "{\"pk\":{\"S\":\"user#%03d\"}%s\"sk\":{\"N\":\"%d\"}",
					   i, sep, i * 1000 - 7);
		ddb_buf_printf(b, "%s\"name\":{\"S\":\"Zo\\u00eb \\\"q\\\" \\\\ a\\/b\\n\\t"
					   "\\u20AC\\ud83d\\ude00 caf\xC3\xA9 \xF0\x9F\x98\x80 #%d\"}",
					   sep, i);
		ddb_buf_printf(b, "%s\"bin\":{\"B\":\"", sep);
		ddb_base64_encode(b, bin, nbin);
		ddb_buf_printf(b, "\"}%s\"flag\":{\"BOOL\":%s}", sep,
					   i % 2 ? "true" : "false");
		ddb_buf_printf(b, "%s\"nothing\":{\"NULL\":true}", sep);
		ddb_buf_printf(b, "%s\"map\":{\"M\":{\"nested\":{\"M\":{\"deep\":{\"L\":"
					   "[{\"N\":\"1.5e3\"},{\"S\":\"\"},{\"M\":{}}]}}},"
					   "\"n\":{\"N\":\"-0.001\"},\"\xE2\x82\xAC\":{\"S\":\"\\u0000x\"}}}",
					   sep);
		ddb_buf_printf(b, "%s\"list\":{\"L\":[{\"S\":\"a\"},{\"N\":\"2\"},"
					   "{\"BOOL\":false},{\"NULL\":true},{\"M\":{}},{\"L\":[]},"
					   "{\"B\":\"AAEC\"}]}", sep);
		ddb_buf_printf(b, "%s\"ss\":{\"SS\":[\"a\",\"b \\\"c\\\"\",\"\\u0000x\"]}", sep);
		ddb_buf_printf(b, "%s\"ns\":{\"NS\":[\"1\",\"-2.5\",\"3E+10\",\"%d\"]}", sep, i);
		ddb_buf_printf(b, "%s\"bs\":{\"BS\":[\"AAEC\",\"/w==\"]}}", sep);
	}
	ddb_buf_printf(b, "],\n\"Count\":%d,\"ScannedCount\":%d,\"LastEvaluatedKey\": ",
				   page_items, page_items * 2);
	*lek_start = b->len;
	ddb_buf_printf(b, "{\"pk\":{\"S\":\"user#%03d\"},\"sk\":{\"N\":\"%d\"}}",
				   page_items - 1, (page_items - 1) * 1000 - 7);
	*lek_len = b->len - *lek_start;
	ddb_buf_append_str(b, ",\"ConsumedCapacity\":{\"TableName\":\"Movies\","
					   "\"CapacityUnits\":128.5}}");
}

/*
 * Decodes the page the way the FDW's decoder would and checks what it
 * finds against what build_scan_page wrote.
 */
static void
decode_scan_page(const char *page, size_t len, size_t lek_start, size_t lek_len)
{
	DdbJson		j;
	DdbJsonStr	name;
	DdbJsonStr	s;
	DdbJsonStr	raw;
	bool		done;
	int			items = 0;
	int			names_ok = 0;
	int			bins_ok = 0;
	int			pks_ok = 0;
	bool		count_ok = false;
	bool		lek_ok = false;
	DdbBuf		want;

	ddb_buf_init(&want);
	ddb_json_init(&j, page, len);
	CHECK(ddb_json_enter_object(&j));
	while (ddb_json_next_member(&j, &name, &done) && !done)
	{
		if (ddb_json_str_eq(&name, "Items"))
		{
			bool		idone;

			CHECK(ddb_json_enter_array(&j));
			while (ddb_json_next_element(&j, &idone) && !idone)
			{
				DdbJsonStr	attr;
				bool		adone;

				CHECK(ddb_json_enter_object(&j));
				while (ddb_json_next_member(&j, &attr, &adone) && !adone)
				{
					DdbJsonStr	type;
					bool		tdone;

					CHECK(ddb_json_enter_object(&j));
					CHECK(ddb_json_next_member(&j, &type, &tdone) && !tdone);
					if (ddb_json_str_eq(&attr, "name") && ddb_json_str_eq(&type, "S"))
					{
						CHECK(ddb_json_read_string(&j, &s));
						expected_name(items, &want);
						if (s.len == want.len && memcmp(s.ptr, want.data, s.len) == 0)
							names_ok++;
					}
					else if (ddb_json_str_eq(&attr, "pk"))
					{
						char		pk[16];

						snprintf(pk, sizeof(pk), "user#%03d", items);
						CHECK(ddb_json_read_string(&j, &s));
						if (ddb_json_str_eq(&s, pk))
							pks_ok++;
					}
					else if (ddb_json_str_eq(&attr, "bin"))
					{
						unsigned char bin[32];
						unsigned char got[64];
						size_t		nbin;
						long		n;

						item_binary(items, bin, &nbin);
						CHECK(ddb_json_read_string(&j, &s));
						n = ddb_base64_decode(s.ptr, s.len, got);
						if (n == (long) nbin && memcmp(got, bin, nbin) == 0)
							bins_ok++;
					}
					else
						CHECK(ddb_json_skip_value(&j));
					CHECK(ddb_json_next_member(&j, &type, &tdone) && tdone);
				}
				items++;
				/* per item, as the decoder does */
				ddb_json_reset_arena(&j);
			}
		}
		else if (ddb_json_str_eq(&name, "Count"))
		{
			CHECK(ddb_json_read_number(&j, &s));
			char		count[16];

			snprintf(count, sizeof(count), "%d", page_items);
			count_ok = ddb_json_str_eq(&s, count);
		}
		else if (ddb_json_str_eq(&name, "LastEvaluatedKey"))
		{
			CHECK(ddb_json_capture_value(&j, &raw));
			lek_ok = raw.ptr == page + lek_start && raw.len == lek_len;
		}
		else
			CHECK(ddb_json_skip_value(&j));
	}
	CHECK(done);
	CHECK(ddb_json_finish(&j));
	CHECK(j.error == NULL);
	CHECK(items == page_items);
	CHECK(pks_ok == page_items);
	CHECK(names_ok == page_items);
	CHECK(bins_ok == page_items);
	CHECK(count_ok);
	CHECK(lek_ok);
	ddb_json_free(&j);
	ddb_buf_free(&want);
}

/* A tiny deterministic generator, so failures reproduce. */
static unsigned long rng_state = 12345;

static unsigned long
rng(void)
{
	rng_state = rng_state * 6364136223846793005UL + 1442695040888963407UL;
	return rng_state >> 33;
}

static void
test_scan_page(void)
{
	DdbBuf		b;
	size_t		lek_start;
	size_t		lek_len;
	size_t		len;
	size_t		n;
	size_t		bad_prefix = 0;
	size_t		first_bad = 0;
	int			k;
	int			disagree = 0;
	int			accepted = 0;
	int			first_disagree = -1;
	char	   *page;
	static const unsigned char interesting[] = {
		'\0', '"', '\\', '{', '}', '[', ']', ',', ':', ' ', '\n', '0', '-',
		'e', '.', 'u', 't', 'n', 0x1F, 0x7F, 0x80, 0xBF, 0xC3, 0xE2, 0xED,
		0xF0, 0xF4, 0xFF
	};

	ddb_buf_init(&b);
	build_scan_page(&b, &lek_start, &lek_len);
	CHECK(ddb_buf_ok(&b));
	len = b.len;
	page = exact_copy(b.data, len);
	ddb_buf_free(&b);
	CHECK(len > (size_t) page_items * 400);

	/* the whole page is valid, whichever way it is read */
	CHECK(skip_ok(page, len));
	CHECK(walk_ok(page, len));
	decode_scan_page(page, len, lek_start, lek_len);

	/* every proper prefix is an error, on both paths */
	for (n = 0; n < len; n++)
	{
		if (skip_ok(page, n) || walk_ok(page, n))
		{
			if (bad_prefix++ == 0)
				first_bad = n;
		}
	}
	CHECK(bad_prefix == 0);
	if (bad_prefix)
		fprintf(stderr, "  %zu prefixes accepted, first of length %zu\n",
				bad_prefix, first_bad);

	/*
	 * Single-byte corruptions: either outcome is fine as long as nothing
	 * crashes, nothing reads past the end, and both paths agree.
	 */
	for (k = 0; k < 6000; k++)
	{
		size_t		pos = rng() % len;
		char		saved = page[pos];
		bool		s_ok;
		bool		w_ok;

		if (k % 3 == 0)
			page[pos] = (char) (rng() & 0xFF);
		else
			page[pos] = (char) interesting[rng() % sizeof(interesting)];
		s_ok = skip_ok(page, len);
		w_ok = walk_ok(page, len);
		if (s_ok != w_ok && disagree++ == 0)
			first_disagree = k;
		if (s_ok)
			accepted++;
		page[pos] = saved;
	}
	CHECK(disagree == 0);
	if (disagree)
		fprintf(stderr, "  skip and walk disagree %d times, first at %d\n",
				disagree, first_disagree);
	/* some corruptions (inside strings, blanks) keep the page valid */
	CHECK(accepted > 0 && accepted < 6000);
	free(page);
}

/* ----------------------------------------------------------------
 * Arena
 * ----------------------------------------------------------------
 */

/* An array of n escaped strings of varying length (some > one chunk). */
static void
build_escaped_array(DdbBuf *b, int round, int n)
{
	int			i;
	int			k;

	ddb_buf_append_char(b, '[');
	for (i = 0; i < n; i++)
	{
		int			reps = (i % 50 == 7) ? 3000 : (i + round) % 40;

		if (i > 0)
			ddb_buf_append_char(b, ',');
		ddb_buf_printf(b, "\"%d\\n", i);
		for (k = 0; k < reps; k++)
			ddb_buf_append_str(b, "\\u00e9\\t");
		ddb_buf_append_char(b, '"');
	}
	ddb_buf_append_char(b, ']');
}

static bool
escaped_matches(const DdbJsonStr *s, int i, int round)
{
	char		head[32];
	int			reps = (i % 50 == 7) ? 3000 : (i + round) % 40;
	size_t		hl = (size_t) snprintf(head, sizeof(head), "%d\n", i);
	size_t		k;

	if (s->len != hl + (size_t) reps * 3 || memcmp(s->ptr, head, hl) != 0)
		return false;
	for (k = hl; k < s->len; k += 3)
		if (memcmp(s->ptr + k, "\xC3\xA9\t", 3) != 0)
			return false;
	return true;
}

#define ARENA_STRINGS 400
#define ARENA_ROUNDS 12

static void
test_arena(void)
{
	DdbJson		j;
	DdbJsonStr *strs = xmalloc(sizeof(DdbJsonStr) * ARENA_STRINGS);
	int			round;

	ddb_json_init(&j, "", 0);
	for (round = 0; round < ARENA_ROUNDS; round++)
	{
		DdbBuf		b;
		bool		done;
		int			n = 0;
		int			good = 0;
		int			i;

		ddb_buf_init(&b);
		build_escaped_array(&b, round, ARENA_STRINGS);
		ddb_json_set_input(&j, b.data, b.len);
		CHECK(j.arena.used == 0);
		CHECK(ddb_json_enter_array(&j));
		while (ddb_json_next_element(&j, &done) && !done && n < ARENA_STRINGS)
			CHECK(ddb_json_read_string(&j, &strs[n++]));
		CHECK(ddb_json_finish(&j));
		CHECK(n == ARENA_STRINGS);
		/* earlier strings survive later chunk allocations */
		for (i = 0; i < n; i++)
			if (escaped_matches(&strs[i], i, round))
				good++;
		CHECK(good == ARENA_STRINGS);
		/* decoded strings live in the arena, not in the input */
		CHECK(strs[0].ptr < b.data || strs[0].ptr >= b.data + b.len);
		if (round % 2)
		{
			ddb_json_reset_arena(&j);
			CHECK(j.arena.used == 0);
		}
		ddb_buf_free(&b);
	}
	ddb_json_free(&j);
	CHECK(j.arena.head == NULL);
	/* freeing twice, or a reader that never decoded, is harmless */
	ddb_json_free(&j);
	ddb_json_init(&j, "[]", 2);
	ddb_json_reset_arena(&j);
	ddb_json_free(&j);
	free(strs);
}

/* ddb_read_consumed_capacity at the value of {"C": <text>}: the units, or -1 on failure. */
static double
capacity_of(const char *text)
{
	DdbJson		j;
	DdbJsonStr	name;
	bool		done;
	double		units = -1;
	bool		ok;

	ddb_json_init(&j, text, strlen(text));
	ok = ddb_json_enter_object(&j) && ddb_json_next_member(&j, &name, &done) && !done &&
		ddb_read_consumed_capacity(&j, &units) &&
		ddb_json_next_member(&j, &name, &done) && done && ddb_json_finish(&j);
	ddb_json_free(&j);
	return ok ? units : -1;
}

/* The ConsumedCapacity of read answers: one object, an array summed, the rest skipped. */
static void
test_consumed_capacity(void)
{
	CHECK(capacity_of("{\"C\": {\"TableName\": \"t\", \"CapacityUnits\": 2.5}}") == 2.5);
	CHECK(capacity_of("{\"C\": [{\"CapacityUnits\": 1}, 7, {\"TableName\": \"x\"},"
					  " {\"CapacityUnits\": 0.5, \"Table\": {\"CapacityUnits\": 9}}]}") == 1.5);
	CHECK(capacity_of("{\"C\": null}") == 0);
	CHECK(capacity_of("{\"C\": {\"CapacityUnits\": \"lots\"}}") == 0);
	CHECK(capacity_of("{\"C\": {\"CapacityUnits\": 1e400000000000000000000000000000000000000000000000000000000000000000000}}") == 0);
	CHECK(capacity_of("{\"C\": {\"CapacityUnits\": 1,}}") == -1);
	CHECK(capacity_of("{\"C\": [{\"CapacityUnits\": 1}}") == -1);
}

int
main(void)
{
	if (getenv("UNIT_VALGRIND") != NULL)
		page_items = 12;
	test_walk();
	test_type_errors();
	test_capture();
	test_escapes();
	test_utf8();
	test_control_chars();
	test_numbers();
	test_literals();
	test_structure();
	test_depth();
	test_scan_page();
	test_arena();
	test_consumed_capacity();
	CHECK(silent_failures == 0);
	CHECK(touched != 0);
	return unit_report("test_json");
}
