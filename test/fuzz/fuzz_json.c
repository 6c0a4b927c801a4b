/*-------------------------------------------------------------------------
 *
 * fuzz_json.c
 *		libFuzzer target of the pull JSON reader (src/aws/json.c).
 *
 * Each input is read four ways:
 *
 * 1. a generic walk through peek / enter / next_member / next_element /
 *    read_*, recursing into containers down to past the reader's depth
 *    limit, then ddb_json_finish;
 * 2. the same walk, but containers at odd depths are captured with
 *    ddb_json_capture_value and their span read again by a reader of its
 *    own (walking down to a shallow bound, below which it skips);
 * 3. ddb_json_skip_value and ddb_json_finish.
 *
 *    The three must agree on whether the input is one JSON value, every
 *    failure must leave an error message, and every token handed out must
 *    be readable, valid UTF-8 and consistent with its has_nul flag.
 *
 * 4. a walk shaped like a DynamoDB Scan / Query / GetItem / BatchGetItem
 *    page, done the way the PostgreSQL-side decoder (src/fdw/decode.c, not
 *    buildable without PostgreSQL) drives the same reader: attribute values
 *    read through their {"<type>": ...} wrappers, M / L / set values
 *    captured and read again with a second reader reset per span, the
 *    arena reset per item and shared across a nested conversion, B and BS
 *    decoded with ddb_base64_decode (and checked by a round trip through
 *    ddb_base64_encode), N checked as decode.c checks it.  Done twice, as a
 *    full decode and as count(*) does it (items only skipped): a page the
 *    full decode accepts, count(*) must accept.
 *
 * IDENTIFICATION
 *		test/fuzz/fuzz_json.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capacity.h"
#include "fuzz.h"
#include "json.h"

/*
 * Depth bounds of the walk, below which containers are skipped: past the
 * reader's own limit (64) for a whole document, so that limit is met both
 * ways, and a shallow one for captured spans, so skipping is met at depth.
 */
#define WALK_DEEP 80
#define WALK_SHALLOW 16

/* ----------------------------------------------------------------
 * Token checks
 * ----------------------------------------------------------------
 */

/* A string token: readable, UTF-8, has_nul exactly when it holds a NUL. */
static void
check_string(const DdbJsonStr *s)
{
	fuzz_touch(s->ptr, s->len);
	FUZZ_ASSERT(ddb_utf8_valid(s->ptr, s->len));
	FUZZ_ASSERT(s->has_nul == (memchr(s->ptr, '\0', s->len) != NULL));
}

/* A number token: readable, and all of it a number to strtod. */
static void
check_number(const DdbJsonStr *s)
{
	char		tmp[64];
	char	   *end;

	fuzz_touch(s->ptr, s->len);
	FUZZ_ASSERT(s->len > 0 && !s->has_nul);
	if (s->len < sizeof(tmp))
	{
		memcpy(tmp, s->ptr, s->len);
		tmp[s->len] = '\0';
		(void) strtod(tmp, &end);
		FUZZ_ASSERT(end == tmp + s->len);
	}
}

/* ----------------------------------------------------------------
 * 1-3: generic walks
 * ----------------------------------------------------------------
 */
static bool walk_document(const char *data, size_t size, int max_depth,
						  bool capture);

/*
 * Reads one value of any type, skipping containers at max_depth.  With
 * capture, containers at odd depths are captured whole and their span
 * walked again by a reader of its own.
 */
static bool
walk_value(DdbJson *j, int depth, int max_depth, bool capture)
{
	DdbJsonStr	s;
	bool		done;
	bool		b;
	DdbJsonType type = ddb_json_peek(j);

	if ((type == DDB_JSON_OBJECT || type == DDB_JSON_ARRAY) &&
		(depth >= max_depth || (capture && depth % 2 == 1)))
	{
		DdbJsonStr	raw;

		if (!capture)
			return ddb_json_skip_value(j);
		if (!ddb_json_capture_value(j, &raw))
			return false;
		FUZZ_ASSERT(fuzz_inside(raw.ptr, raw.len, j->start,
								(size_t) (j->end - j->start)));
		FUZZ_ASSERT(raw.len >= 2);
		FUZZ_ASSERT(raw.ptr[0] == (type == DDB_JSON_OBJECT ? '{' : '['));
		/* a span the reader validated is one value on its own */
		FUZZ_ASSERT(walk_document(raw.ptr, raw.len, WALK_SHALLOW, false));
		return true;
	}

	switch (type)
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
				check_string(&s);
				if (!walk_value(j, depth + 1, max_depth, capture))
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
				if (!walk_value(j, depth + 1, max_depth, capture))
					return false;
			}
		case DDB_JSON_STRING:
			if (!ddb_json_read_string(j, &s))
				return false;
			check_string(&s);
			return true;
		case DDB_JSON_NUMBER:
			if (!ddb_json_read_number(j, &s))
				return false;
			check_number(&s);
			return true;
		case DDB_JSON_TRUE:
		case DDB_JSON_FALSE:
			return ddb_json_read_bool(j, &b);
		case DDB_JSON_NULL:
			return ddb_json_read_null(j);
		case DDB_JSON_INVALID:
			break;
	}
	/* not the start of a value: let the reader say so */
	return ddb_json_skip_value(j);
}

/* The outcome of a whole-document read, checked against the contract. */
static bool
check_outcome(DdbJson *j, bool ok, size_t size)
{
	if (ok)
		FUZZ_ASSERT(j->error == NULL && j->depth == 0);
	else
	{
		/* every failure says what and where */
		FUZZ_ASSERT(j->error != NULL && j->error[0] != '\0');
		FUZZ_ASSERT(j->error_offset <= size);
		/* and stops every further read */
		FUZZ_ASSERT(ddb_json_peek(j) == DDB_JSON_INVALID);
		FUZZ_ASSERT(!ddb_json_finish(j));
	}
	return ok;
}

static bool
walk_document(const char *data, size_t size, int max_depth, bool capture)
{
	DdbJson		j;
	bool		ok;

	ddb_json_init(&j, data, size);
	ok = walk_value(&j, 0, max_depth, capture) && ddb_json_finish(&j);
	ok = check_outcome(&j, ok, size);
	ddb_json_free(&j);
	return ok;
}

static bool
skip_document(const char *data, size_t size)
{
	DdbJson		j;
	bool		ok;

	ddb_json_init(&j, data, size);
	ok = ddb_json_skip_value(&j) && ddb_json_finish(&j);
	ok = check_outcome(&j, ok, size);
	ddb_json_free(&j);
	return ok;
}

/* ----------------------------------------------------------------
 * 4: a DynamoDB page, read as src/fdw/decode.c reads it
 * ----------------------------------------------------------------
 */
typedef enum Tag
{
	TAG_S,
	TAG_N,
	TAG_B,
	TAG_BOOL,
	TAG_NULL,
	TAG_M,
	TAG_L,
	TAG_SS,
	TAG_NS,
	TAG_BS
} Tag;

#define TAG_IS_COMPLEX(t) ((t) >= TAG_M)

typedef struct AttrVal
{
	DdbJsonStr	name;
	Tag			tag;
	DdbJsonStr	value;			/* S, N, B text; M, L, sets: raw span */
	bool		boolval;
} AttrVal;

typedef struct Decoder
{
	DdbJson		json;			/* the page */
	DdbJson		sub;			/* spans of M, L and sets, read again */
	bool		need_any;		/* false: count(*), items are only skipped */
	AttrVal    *attrs;
	int			nattrs;
	int			maxattrs;
	long		nitems;
} Decoder;

static bool
parse_tag(const DdbJsonStr *name, Tag *tag)
{
	const char *p = name->ptr;

	switch (name->len)
	{
		case 1:
			if (*p == 'S')
				*tag = TAG_S;
			else if (*p == 'N')
				*tag = TAG_N;
			else if (*p == 'B')
				*tag = TAG_B;
			else if (*p == 'M')
				*tag = TAG_M;
			else if (*p == 'L')
				*tag = TAG_L;
			else
				return false;
			return true;
		case 2:
			if (p[1] != 'S')
				return false;
			if (*p == 'S')
				*tag = TAG_SS;
			else if (*p == 'N')
				*tag = TAG_NS;
			else if (*p == 'B')
				*tag = TAG_BS;
			else
				return false;
			return true;
		case 4:
			if (memcmp(p, "BOOL", 4) == 0)
				*tag = TAG_BOOL;
			else if (memcmp(p, "NULL", 4) == 0)
				*tag = TAG_NULL;
			else
				return false;
			return true;
		default:
			return false;
	}
}

/* Reads '{"<tag>":'; the reader is left at the value. */
static bool
read_wrapper(DdbJson *j, Tag *tag)
{
	DdbJsonStr	name;
	bool		done;

	if (!ddb_json_enter_object(j) || !ddb_json_next_member(j, &name, &done))
		return false;
	if (done)
		return ddb_json_fail(j, "attribute value without a type");
	check_string(&name);
	if (!parse_tag(&name, tag))
		return ddb_json_fail(j, "unknown attribute value type");
	return true;
}

static bool
end_wrapper(DdbJson *j)
{
	DdbJsonStr	name;
	bool		done;

	if (!ddb_json_next_member(j, &name, &done))
		return false;
	if (!done)
		return ddb_json_fail(j, "attribute value with more than one type");
	return true;
}

/* decode.c's parse_plain_int64: a plain decimal integer, exactly. */
static bool
parse_plain_int64(const char *s, size_t len, int64_t *out)
{
	bool		neg = false;
	uint64_t	v = 0;
	size_t		i = 0;

	if (len > 0 && s[0] == '-')
	{
		neg = true;
		i = 1;
	}
	if (i >= len || len - i > 19)
		return false;
	for (; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t) (s[i] - '0');
	}
	if (neg ? v > (uint64_t) INT64_MAX + 1 : v > (uint64_t) INT64_MAX)
		return false;
	*out = neg ? (int64_t) (0 - v) : (int64_t) v;
	return true;
}

/*
 * An N value.  codec.c has no number helper: decode.c checks the characters
 * (check_number), tries a plain int64 and otherwise hands the text to
 * numeric_in; strtod stands in for the latter here.
 */
static bool
convert_number(const DdbJsonStr *s)
{
	char		tmp[64];
	int64_t		v;
	size_t		i;

	check_string(s);
	for (i = 0; i < s->len; i++)
	{
		char		c = s->ptr[i];

		if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
			  c == 'e' || c == 'E'))
			return false;		/* decode.c: invalid DynamoDB number */
	}
	if (parse_plain_int64(s->ptr, s->len, &v))
		fuzz_sink += (unsigned) v;
	else if (s->len > 0 && s->len < sizeof(tmp))
	{
		memcpy(tmp, s->ptr, s->len);
		tmp[s->len] = '\0';
		fuzz_sink += (unsigned) (strtod(tmp, NULL) != 0);
	}
	return true;
}

/*
 * A B value: decoded as decode.c's base64_to_bytea does; what decodes must
 * encode to the same length and decode again to the same bytes.
 */
static bool
convert_binary(const DdbJsonStr *s)
{
	size_t		max = ddb_base64_decoded_maxlen(s->len);
	unsigned char *bytes = malloc(max);
	long		n;

	check_string(s);
	FUZZ_ASSERT(bytes != NULL);
	n = ddb_base64_decode(s->ptr, s->len, bytes);
	FUZZ_ASSERT(n >= -1);
	if (n >= 0)
	{
		DdbBuf		enc;
		unsigned char *again;
		long		n2;

		FUZZ_ASSERT((size_t) n <= max && (size_t) n <= s->len / 4 * 3);
		ddb_buf_init(&enc);
		ddb_base64_encode(&enc, bytes, (size_t) n);
		FUZZ_ASSERT(ddb_buf_ok(&enc));
		FUZZ_ASSERT(enc.len == s->len);
		again = malloc(ddb_base64_decoded_maxlen(enc.len));
		FUZZ_ASSERT(again != NULL);
		n2 = ddb_base64_decode(enc.data ? enc.data : "", enc.len, again);
		FUZZ_ASSERT(n2 == n);
		FUZZ_ASSERT(n == 0 || memcmp(again, bytes, (size_t) n) == 0);
		free(again);
		ddb_buf_free(&enc);
	}
	free(bytes);
	return n >= 0;
}

/* A scalar of type tag (S, N, B). */
static bool
convert_scalar(Tag tag, const DdbJsonStr *s)
{
	switch (tag)
	{
		case TAG_N:
			return convert_number(s);
		case TAG_B:
			return convert_binary(s);
		default:
			check_string(s);
			return true;
	}
}

/*
 * Reads the value of type tag at the reader's position, recursing through
 * M and L as decode.c's push_typed does (the jsonb conversion).  The
 * reader's depth limit bounds the recursion: every level enters objects.
 */
static bool
typed_value(DdbJson *j, Tag tag)
{
	DdbJsonStr	s;
	bool		b;
	bool		done;

	switch (tag)
	{
		case TAG_S:
		case TAG_B:
		case TAG_N:
			if (!ddb_json_read_string(j, &s))
				return false;
			return convert_scalar(tag, &s);
		case TAG_BOOL:
		case TAG_NULL:
			return ddb_json_read_bool(j, &b);
		case TAG_M:
			if (!ddb_json_enter_object(j))
				return false;
			for (;;)
			{
				Tag			inner;

				if (!ddb_json_next_member(j, &s, &done))
					return false;
				if (done)
					return true;
				check_string(&s);
				if (!read_wrapper(j, &inner) || !typed_value(j, inner) ||
					!end_wrapper(j))
					return false;
			}
		case TAG_L:
		case TAG_SS:
		case TAG_NS:
		case TAG_BS:
			if (!ddb_json_enter_array(j))
				return false;
			for (;;)
			{
				if (!ddb_json_next_element(j, &done))
					return false;
				if (done)
					return true;
				if (tag == TAG_L)
				{
					Tag			inner;

					if (!read_wrapper(j, &inner) || !typed_value(j, inner) ||
						!end_wrapper(j))
						return false;
				}
				else
				{
					if (!ddb_json_read_string(j, &s))
						return false;
					if (!convert_scalar(tag == TAG_NS ? TAG_N :
										tag == TAG_BS ? TAG_B : TAG_S, &s))
						return false;
				}
			}
	}
	return false;
}

/* A complex value read again from its span by the second reader. */
static bool
convert_complex(Decoder *d, const AttrVal *av)
{
	FUZZ_ASSERT(av->value.len >= 2);
	fuzz_touch(av->value.ptr, av->value.len);
	ddb_json_set_input(&d->sub, av->value.ptr, av->value.len);
	return typed_value(&d->sub, av->tag) && ddb_json_finish(&d->sub);
}

/*
 * An L or set value into an array, as decode.c's attr_to_array: elements
 * read one by one from the second reader; a complex element of a list is
 * copied and converted with that same reader, saved around the nested
 * conversion and sharing its arena.
 */
static bool
convert_array(Decoder *d, const AttrVal *av)
{
	DdbJson    *j = &d->sub;
	bool		done;

	ddb_json_set_input(j, av->value.ptr, av->value.len);
	if (!ddb_json_enter_array(j))
		return false;
	for (;;)
	{
		AttrVal		ev;

		if (!ddb_json_next_element(j, &done))
			return false;
		if (done)
			break;
		memset(&ev, 0, sizeof(ev));
		ev.name = av->name;
		if (av->tag == TAG_L)
		{
			if (!read_wrapper(j, &ev.tag))
				return false;
			if (TAG_IS_COMPLEX(ev.tag))
			{
				if (!ddb_json_capture_value(j, &ev.value))
					return false;
			}
			else if (ev.tag == TAG_BOOL || ev.tag == TAG_NULL)
			{
				if (!ddb_json_read_bool(j, &ev.boolval))
					return false;
			}
			else if (!ddb_json_read_string(j, &ev.value))
				return false;
			if (!end_wrapper(j))
				return false;
		}
		else
		{
			ev.tag = av->tag == TAG_SS ? TAG_S : av->tag == TAG_NS ? TAG_N : TAG_B;
			if (!ddb_json_read_string(j, &ev.value))
				return false;
		}
		if (TAG_IS_COMPLEX(ev.tag))
		{
			DdbJson		saved = *j;
			char	   *copy = malloc(ev.value.len + 1);
			bool		ok;

			FUZZ_ASSERT(copy != NULL);
			memcpy(copy, ev.value.ptr, ev.value.len);
			copy[ev.value.len] = '\0';
			ev.value.ptr = copy;
			ddb_json_init(&d->sub, "", 0);
			d->sub.arena = saved.arena;
			ok = convert_complex(d, &ev);
			saved.arena = d->sub.arena;
			*j = saved;
			free(copy);
			if (!ok)
				return false;
		}
		else if (ev.tag != TAG_BOOL && ev.tag != TAG_NULL &&
				 !convert_scalar(ev.tag, &ev.value))
			return false;
	}
	return ddb_json_finish(j);
}

/* Reads one attribute value (the reader is after the name). */
static bool
read_attr_value(DdbJson *j, AttrVal *av)
{
	if (!read_wrapper(j, &av->tag))
		return false;
	switch (av->tag)
	{
		case TAG_S:
		case TAG_N:
		case TAG_B:
			if (!ddb_json_read_string(j, &av->value))
				return false;
			break;
		case TAG_BOOL:
		case TAG_NULL:
			if (!ddb_json_read_bool(j, &av->boolval))
				return false;
			break;
		case TAG_M:
			if (ddb_json_peek(j) != DDB_JSON_OBJECT)
				return ddb_json_fail(j, "M value is not an object");
			if (!ddb_json_capture_value(j, &av->value))
				return false;
			break;
		default:
			if (ddb_json_peek(j) != DDB_JSON_ARRAY)
				return ddb_json_fail(j, "list or set value is not an array");
			if (!ddb_json_capture_value(j, &av->value))
				return false;
			break;
	}
	return end_wrapper(j);
}

/*
 * One item: every attribute read first (names and values may live in the
 * page reader's arena until the item is done), then converted, then the
 * whole item built once more (decode.c's whole-item column).
 */
static bool
decode_item(Decoder *d)
{
	DdbJson    *j = &d->json;
	DdbJsonStr	name;
	bool		done;
	int			i;

	d->nattrs = 0;
	if (!ddb_json_enter_object(j))
		return false;
	for (;;)
	{
		AttrVal    *av;

		if (!ddb_json_next_member(j, &name, &done))
			return false;
		if (done)
			break;
		check_string(&name);
		if (d->nattrs == d->maxattrs)
		{
			int			cap = d->maxattrs ? d->maxattrs * 2 : 16;
			AttrVal    *grown = realloc(d->attrs, sizeof(AttrVal) * (size_t) cap);

			FUZZ_ASSERT(grown != NULL);
			d->attrs = grown;
			d->maxattrs = cap;
		}
		av = &d->attrs[d->nattrs++];
		memset(av, 0, sizeof(*av));
		av->name = name;
		if (!read_attr_value(j, av))
			return false;
	}

	/* convert: every name and value must still be readable here */
	for (i = 0; i < d->nattrs; i++)
	{
		const AttrVal *av = &d->attrs[i];

		check_string(&av->name);
		if (av->tag == TAG_M)
		{
			if (!convert_complex(d, av))
				return false;
		}
		else if (TAG_IS_COMPLEX(av->tag))
		{
			if (!convert_array(d, av))
				return false;
		}
		else if (av->tag != TAG_BOOL && av->tag != TAG_NULL &&
				 !convert_scalar(av->tag, &av->value))
			return false;
	}

	/* the whole item */
	for (i = 0; i < d->nattrs; i++)
	{
		const AttrVal *av = &d->attrs[i];

		check_string(&av->name);
		if (TAG_IS_COMPLEX(av->tag))
		{
			if (!convert_complex(d, av))
				return false;
		}
		else if (av->tag != TAG_BOOL && av->tag != TAG_NULL)
			check_string(&av->value);
	}
	return true;
}

/* One item at the reader's position. */
static bool
decode_one(Decoder *d)
{
	DdbJson    *j = &d->json;

	if (!d->need_any)
	{
		if (ddb_json_peek(j) != DDB_JSON_OBJECT)
			ddb_json_fail(j, "item is not an object");
		if (!ddb_json_skip_value(j))
			return false;
		d->nitems++;
		return true;
	}
	if (!decode_item(d))
		return false;
	ddb_json_reset_arena(j);
	d->nitems++;
	return true;
}

static bool
decode_items(Decoder *d)
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
		if (!decode_one(d))
			return false;
	}
}

static bool
read_count(DdbJson *j, int64_t *v)
{
	DdbJsonStr	s;

	if (!ddb_json_read_number(j, &s))
		return false;
	check_number(&s);
	if (!parse_plain_int64(s.ptr, s.len, v) || *v < 0)
		return ddb_json_fail(j, "count is not a non-negative integer");
	return true;
}

/* ConsumedCapacity, read by the scanner's own reader (src/aws/capacity.c). */
static bool
read_capacities(DdbJson *j)
{
	double		units;

	if (!ddb_read_consumed_capacity(j, &units))
		return false;
	fuzz_sink += (unsigned) (units > 0);
	return true;
}

/* A raw object span (LastEvaluatedKey, UnprocessedKeys) kept as a copy. */
static bool
capture_object(DdbJson *j, const char *what)
{
	DdbJsonStr	raw;
	char	   *copy;

	if (ddb_json_peek(j) != DDB_JSON_OBJECT)
		ddb_json_fail(j, what);
	if (!ddb_json_capture_value(j, &raw))
		return false;
	FUZZ_ASSERT(fuzz_inside(raw.ptr, raw.len, j->start,
							(size_t) (j->end - j->start)));
	copy = malloc(raw.len + 1);
	FUZZ_ASSERT(copy != NULL);
	memcpy(copy, raw.ptr, raw.len);
	copy[raw.len] = '\0';
	/* it goes back to DynamoDB as it came: it must be one value */
	FUZZ_ASSERT(skip_document(copy, raw.len));
	free(copy);
	return true;
}

static bool
decode_page(Decoder *d, const char *body, size_t len)
{
	DdbJson    *j = &d->json;
	DdbJsonStr	name;
	bool		done;
	bool		have_count = false;
	int64_t		count = 0;
	int64_t		scanned = 0;

	d->nitems = 0;
	ddb_json_set_input(j, body, len);
	if (!ddb_json_enter_object(j))
		return false;
	for (;;)
	{
		if (!ddb_json_next_member(j, &name, &done))
			return false;
		if (done)
			break;
		check_string(&name);
		if (ddb_json_str_eq(&name, "Items"))
		{
			if (!decode_items(d))
				return false;
		}
		else if (ddb_json_str_eq(&name, "Item"))
		{
			if (ddb_json_peek(j) != DDB_JSON_OBJECT)
				ddb_json_fail(j, "Item is not an object");
			if (!decode_one(d))
				return false;
		}
		else if (ddb_json_str_eq(&name, "Responses"))
		{
			if (!ddb_json_enter_object(j))
				return false;
			for (;;)
			{
				DdbJsonStr	table;

				if (!ddb_json_next_member(j, &table, &done))
					return false;
				if (done)
					break;
				check_string(&table);
				if (!decode_items(d))
					return false;
			}
		}
		else if (ddb_json_str_eq(&name, "UnprocessedKeys"))
		{
			if (!capture_object(j, "UnprocessedKeys is not an object"))
				return false;
		}
		else if (ddb_json_str_eq(&name, "Count"))
		{
			if (!read_count(j, &count))
				return false;
			have_count = true;
		}
		else if (ddb_json_str_eq(&name, "ScannedCount"))
		{
			if (!read_count(j, &scanned))
				return false;
		}
		else if (ddb_json_str_eq(&name, "LastEvaluatedKey"))
		{
			if (!capture_object(j, "LastEvaluatedKey is not an object"))
				return false;
		}
		else if (ddb_json_str_eq(&name, "ConsumedCapacity"))
		{
			if (!read_capacities(j))
				return false;
		}
		else if (!ddb_json_skip_value(j))
			return false;
	}
	if (!ddb_json_finish(j))
		return false;
	/* a page whose Count disagrees with its Items lost items on the way */
	return !have_count || count == d->nitems;
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *doc = (const char *) data;
	bool		walked = walk_document(doc, size, WALK_DEEP, false);
	bool		captured = walk_document(doc, size, WALK_DEEP, true);
	bool		skipped = skip_document(doc, size);
	Decoder		d;
	bool		full;
	bool		counted;

	/* three ways of reading one document, one verdict */
	FUZZ_ASSERT(walked == captured);
	FUZZ_ASSERT(walked == skipped);

	/* one decoder for both pages, as a scan reuses it page after page */
	memset(&d, 0, sizeof(d));
	ddb_json_init(&d.json, "", 0);
	ddb_json_init(&d.sub, "", 0);
	d.need_any = true;
	full = decode_page(&d, doc, size);
	d.need_any = false;
	counted = decode_page(&d, doc, size);
	/* count(*) only skips items: it accepts whatever the decode accepts */
	FUZZ_ASSERT(!full || counted);
	/* and a page with items and a valid shape is JSON */
	FUZZ_ASSERT(!counted || skipped);
	ddb_json_free(&d.json);
	ddb_json_free(&d.sub);
	free(d.attrs);
	return 0;
}
