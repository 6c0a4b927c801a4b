/*-------------------------------------------------------------------------
 *
 * natural.c
 *		DynamoDB attribute values as natural JSON: {"a": 1}, not
 *		{"M": {"a": {"N": "1"}}}, for json/jsonb/text columns and the
 *		whole-item column.  N keeps every digit, B is a base64 string, sets
 *		and L are arrays, NULL is null.
 *
 * IDENTIFICATION
 *		src/fdw/read/natural.c
 *
 *-------------------------------------------------------------------------
 */
#include "decode_int.h"

#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

/* ----------------------------------------------------------------
 * Natural JSON
 * ----------------------------------------------------------------
 */

void
ddb_dec_json_fail(DdbDecoder *d, DdbJson *j)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROTOCOL_VIOLATION),
			 errmsg("malformed DynamoDB attribute value"),
			 errdetail_internal("%s at byte %zu of the value.",
								j->error ? j->error : "unexpected input",
								j->error_offset)));
}

void
ddb_dec_jsonb_string(DdbDecoder *d, JsonbValue *v, DdbJsonStr *s)
{
	v->type = jbvString;
	if (d->server_utf8 && !s->has_nul)
	{
		v->val.string.val = (char *) s->ptr;
		v->val.string.len = (int) s->len;
	}
	else
	{
		v->val.string.val = ddb_dec_server_cstring(d, s);
		v->val.string.len = (int) strlen(v->val.string.val);
	}
}

void
ddb_dec_jsonb_scalar(DdbDecoder *d, JsonbValue *v, DdbTag tag, DdbJsonStr *s,
			 bool boolval)
{
	switch (tag)
	{
		case TAG_S:
		case TAG_B:
			ddb_dec_jsonb_string(d, v, s);
			break;
		case TAG_N:
			v->type = jbvNumeric;
			v->val.numeric = DatumGetNumeric(ddb_dec_number_to_numeric(d, s, -1));
			break;
		case TAG_BOOL:
			v->type = jbvBool;
			v->val.boolean = boolval;
			break;
		default:
			v->type = jbvNull;
			break;
	}
}

/* Reads '{"<tag>":' of an attribute value; the reader is left at the value. */
bool
ddb_dec_read_wrapper(DdbJson *j, DdbTag *tag)
{
	DdbJsonStr	name;
	bool		done;

	if (!ddb_json_enter_object(j) || !ddb_json_next_member(j, &name, &done))
		return false;
	if (done)
		return ddb_json_fail(j, "attribute value without a type");
	if (!ddb_dec_parse_tag(&name, tag))
		return ddb_json_fail(j, "unknown attribute value type");
	return true;
}

bool
ddb_dec_end_wrapper(DdbJson *j)
{
	DdbJsonStr	name;
	bool		done;

	if (!ddb_json_next_member(j, &name, &done))
		return false;
	if (!done)
		return ddb_json_fail(j, "attribute value with more than one type");
	return true;
}

/*
 * Reads the value of type tag at the reader's position and pushes its
 * natural JSON onto *st as token tok (WJB_VALUE or WJB_ELEM).
 */
void
ddb_dec_push_typed(DdbDecoder *d, DdbJson *j, DdbTag tag, JsonbParseState **st,
		   JsonbIteratorToken tok)
{
	JsonbValue	v;
	DdbJsonStr	s;
	bool		b;
	bool		done;

	check_stack_depth();
	switch (tag)
	{
		case TAG_S:
		case TAG_B:
		case TAG_N:
			if (!ddb_json_read_string(j, &s))
				ddb_dec_json_fail(d, j);
			ddb_dec_jsonb_scalar(d, &v, tag, &s, false);
			pushJsonbValue(st, tok, &v);
			break;
		case TAG_BOOL:
		case TAG_NULL:
			if (!ddb_json_read_bool(j, &b))
				ddb_dec_json_fail(d, j);
			ddb_dec_jsonb_scalar(d, &v, tag, NULL, b);
			pushJsonbValue(st, tok, &v);
			break;
		case TAG_M:
			if (!ddb_json_enter_object(j))
				ddb_dec_json_fail(d, j);
			pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
			for (;;)
			{
				DdbTag		inner;

				if (!ddb_json_next_member(j, &s, &done))
					ddb_dec_json_fail(d, j);
				if (done)
					break;
				ddb_dec_jsonb_string(d, &v, &s);
				pushJsonbValue(st, WJB_KEY, &v);
				if (!ddb_dec_read_wrapper(j, &inner))
					ddb_dec_json_fail(d, j);
				ddb_dec_push_typed(d, j, inner, st, WJB_VALUE);
				if (!ddb_dec_end_wrapper(j))
					ddb_dec_json_fail(d, j);
			}
			pushJsonbValue(st, WJB_END_OBJECT, NULL);
			break;
		case TAG_L:
		case TAG_SS:
		case TAG_NS:
		case TAG_BS:
			if (!ddb_json_enter_array(j))
				ddb_dec_json_fail(d, j);
			pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
			for (;;)
			{
				if (!ddb_json_next_element(j, &done))
					ddb_dec_json_fail(d, j);
				if (done)
					break;
				if (tag == TAG_L)
				{
					DdbTag		inner;

					if (!ddb_dec_read_wrapper(j, &inner))
						ddb_dec_json_fail(d, j);
					ddb_dec_push_typed(d, j, inner, st, WJB_ELEM);
					if (!ddb_dec_end_wrapper(j))
						ddb_dec_json_fail(d, j);
				}
				else
				{
					if (!ddb_json_read_string(j, &s))
						ddb_dec_json_fail(d, j);
					ddb_dec_jsonb_scalar(d, &v, tag == TAG_NS ? TAG_N : TAG_S, &s, false);
					pushJsonbValue(st, WJB_ELEM, &v);
				}
			}
			pushJsonbValue(st, WJB_END_ARRAY, NULL);
			break;
	}
}

/* Natural JSON of one attribute value, as a JsonbValue tree. */
static JsonbValue *
attr_to_jsonb_value(DdbDecoder *d, const AttrVal *av)
{
	JsonbValue *v;
	JsonbParseState *st = NULL;

	if (!TAG_IS_COMPLEX(av->tag))
	{
		v = palloc(sizeof(JsonbValue));
		ddb_dec_jsonb_scalar(d, v, av->tag, (DdbJsonStr *) &av->value, av->boolval);
		return v;
	}
	ddb_json_set_input(&d->sub, av->value.ptr, av->value.len);
	/* the span is one value: wrap it so push_typed sees a container */
	pushJsonbValue(&st, WJB_BEGIN_ARRAY, NULL);
	ddb_dec_push_typed(d, &d->sub, av->tag, &st, WJB_ELEM);
	if (!ddb_json_finish(&d->sub))
		ddb_dec_json_fail(d, &d->sub);
	v = pushJsonbValue(&st, WJB_END_ARRAY, NULL);
	/* unwrap: the single element of the array */
	return &v->val.array.elems[0];
}

/* The attribute value as natural-JSON text (palloc'd). */
char *
ddb_dec_attr_to_json_text(DdbDecoder *d, const AttrVal *av)
{
	MemoryContext old = MemoryContextSwitchTo(d->temp_cxt);
	Jsonb	   *jb = JsonbValueToJsonb(attr_to_jsonb_value(d, av));
	char	   *result;

	MemoryContextSwitchTo(old);
	result = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
	return result;
}

Datum
ddb_dec_attr_to_jsonb(DdbDecoder *d, const AttrVal *av)
{
	MemoryContext old = MemoryContextSwitchTo(d->temp_cxt);
	JsonbValue *v = attr_to_jsonb_value(d, av);

	MemoryContextSwitchTo(old);
	return JsonbPGetDatum(JsonbValueToJsonb(v));
}
