/*-------------------------------------------------------------------------
 *
 * convert.c
 *		One DynamoDB attribute value into one column's type, and the error
 *		context that names the foreign table, column, attribute and item.
 *
 * S and N go through the column type's input function, except for the
 * exact fast paths of text, numeric and the integer types; N into
 * timestamp[tz] is seconds since the Unix epoch; B is base64 and becomes
 * bytea; BOOL becomes boolean; NULL is SQL NULL (JSON null in json/jsonb);
 * sets and lists become arrays; M, L and the sets become natural JSON in
 * json/jsonb and text (natural.c).
 *
 * IDENTIFICATION
 *		src/fdw/read/convert.c
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

#include "core/timefmt.h"

void
ddb_dec_conv_init(DdbConv *c, Oid typid, int32 typmod)
{
	Oid			infunc;
	Oid			elemtype;

	c->typid = typid;
	c->typmod = typmod;
	c->type_name = format_type_with_typemod(typid, typmod);
	c->elem = NULL;
	getTypeInputInfo(typid, &infunc, &c->ioparam);
	fmgr_info(infunc, &c->infunc);

	switch (typid)
	{
		case TEXTOID:
			c->kind = CONV_TEXT;
			break;
		case NUMERICOID:
			c->kind = CONV_NUMERIC;
			break;
		case INT2OID:
			c->kind = CONV_INT2;
			break;
		case INT4OID:
			c->kind = CONV_INT4;
			break;
		case INT8OID:
			c->kind = CONV_INT8;
			break;
		case FLOAT4OID:
		case FLOAT8OID:
			c->kind = CONV_FLOAT;
			break;
		case BOOLOID:
			c->kind = CONV_BOOL;
			break;
		case BYTEAOID:
			c->kind = CONV_BYTEA;
			break;
		case JSONBOID:
			c->kind = CONV_JSONB;
			break;
		case JSONOID:
			c->kind = CONV_JSON;
			break;
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			c->kind = CONV_TIMESTAMP;
			break;
		default:
			elemtype = get_element_type(typid);
			if (OidIsValid(elemtype))
			{
				c->kind = CONV_ARRAY;
				c->elem = palloc(sizeof(DdbConv));
				ddb_dec_conv_init(c->elem, elemtype, typmod);
				get_typlenbyvalalign(elemtype, &c->elmlen, &c->elmbyval,
									 &c->elmalign);
			}
			else
				c->kind = CONV_INPUT;
			break;
	}
}


/* ----------------------------------------------------------------
 * Error context
 * ----------------------------------------------------------------
 */

/* Appends s for display: clipped to max bytes, control characters escaped. */
static void
append_display(DdbDecoder *d, StringInfo buf, const char *s, size_t len,
			   size_t max)
{
	size_t		n = len;
	size_t		i;

	if (n > max)
		n = d->server_utf8 ? (size_t) pg_mbcliplen(s, (int) n, (int) max) : max;
	for (i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c < 0x20 || c == 0x7f)
			appendStringInfo(buf, "\\x%02x", c);
		else if (c >= 0x80 && !d->server_utf8)
			appendStringInfoChar(buf, '?');
		else
			appendStringInfoChar(buf, (char) c);
	}
	if (n < len)
		appendStringInfoString(buf, "...");
}

static void
append_value(DdbDecoder *d, StringInfo buf, const AttrVal *av, size_t max)
{
	switch (av->tag)
	{
		case TAG_S:
		case TAG_B:
			appendStringInfoChar(buf, '"');
			append_display(d, buf, av->value.ptr, av->value.len, max);
			appendStringInfoChar(buf, '"');
			break;
		case TAG_BOOL:
			appendStringInfoString(buf, av->boolval ? "true" : "false");
			break;
		case TAG_NULL:
			appendStringInfoString(buf, "null");
			break;
		default:
			append_display(d, buf, av->value.ptr, av->value.len, max);
			break;
	}
}

/* Describes the current item by its key, as far as it was read. */
static void
append_item_key(DdbDecoder *d, StringInfo buf)
{
	bool		any = false;
	int			k;
	int			i;

	for (k = 0; k < 2; k++)
	{
		if (d->key_names[k] == NULL)
			continue;
		for (i = 0; i < d->nattrs; i++)
		{
			if (d->attrs[i].key_index != k)
				continue;
			appendStringInfoString(buf, any ? ", " : "{");
			appendStringInfoChar(buf, '"');
			append_display(d, buf, d->attrs[i].name.ptr, d->attrs[i].name.len, 64);
			appendStringInfoString(buf, "\": ");
			append_value(d, buf, &d->attrs[i], 100);
			any = true;
			break;
		}
	}
	if (any)
		appendStringInfoChar(buf, '}');
	else
		appendStringInfo(buf, "number %d of its page", d->loc.item + 1);
}

void
ddb_dec_error_callback(void *arg)
{
	DdbDecoder *d = arg;
	StringInfoData buf;

	if (d->loc.col < 0 && d->loc.attr == NULL)
		return;
	initStringInfo(&buf);
	if (d->loc.col >= 0 && d->cols[d->loc.col].attr_name != NULL)
	{
		appendStringInfo(&buf, "column \"%s\" (attribute \"", d->cols[d->loc.col].name);
		append_display(d, &buf, d->loc.attr->name.ptr, d->loc.attr->name.len, 64);
		appendStringInfo(&buf, "\", DynamoDB type %s) of foreign table \"%s\", item ",
						 ddb_dec_tag_names[d->loc.attr->tag], d->relname);
	}
	else
	{
		appendStringInfo(&buf, "whole-item column \"%s\" of foreign table \"%s\"",
						 d->loc.col >= 0 ? d->cols[d->loc.col].name : "?", d->relname);
		if (d->loc.attr)
		{
			appendStringInfoString(&buf, ", attribute \"");
			append_display(d, &buf, d->loc.attr->name.ptr, d->loc.attr->name.len, 64);
			appendStringInfoChar(&buf, '"');
		}
		appendStringInfoString(&buf, ", item ");
	}
	append_item_key(d, &buf);
	if (d->loc.attr)
	{
		appendStringInfoString(&buf, ", value ");
		append_value(d, &buf, d->loc.attr, 64);
	}
	errcontext("%s", buf.data);
	pfree(buf.data);
}

static void
type_mismatch(DdbDecoder *d, DdbConv *c, DdbTag tag)
{
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
			 errmsg("cannot convert DynamoDB type %s to %s",
					ddb_dec_tag_names[tag], c->type_name)));
}


/* ----------------------------------------------------------------
 * Scalars
 * ----------------------------------------------------------------
 */

/* A NUL-terminated copy of s in the decoder's scratch buffer. */
static char *
scratch_cstring(DdbDecoder *d, const char *s, size_t len)
{
	resetStringInfo(&d->scratch);
	appendBinaryStringInfo(&d->scratch, s, (int) len);
	return d->scratch.data;
}

/*
 * The string as the server encoding sees it, NUL-terminated (palloc'd in
 * the current context).  Refuses NUL characters, which no PostgreSQL text
 * can hold.
 */
char *
ddb_dec_server_cstring(DdbDecoder *d, const DdbJsonStr *s)
{
	if (s->has_nul)
		ereport(ERROR,
				(errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
				 errmsg("DynamoDB string contains a NUL character, which PostgreSQL cannot store")));
	if (d->server_utf8)
		return pnstrdup(s->ptr, s->len);
	return pg_any_to_server(pnstrdup(s->ptr, s->len), (int) s->len, PG_UTF8);
}

static text *
server_text(DdbDecoder *d, const DdbJsonStr *s)
{
	if (s->has_nul)
		(void) ddb_dec_server_cstring(d, s);	/* raises the error */
	if (d->server_utf8)
		return cstring_to_text_with_len(s->ptr, (int) s->len);
	return cstring_to_text(ddb_dec_server_cstring(d, s));
}

/* DynamoDB numbers never spell NaN or Infinity; numeric_in would accept. */
static void
check_number(DdbJsonStr *s)
{
	size_t		i;

	for (i = 0; i < s->len; i++)
	{
		char		c = s->ptr[i];

		if (!(isdigit((unsigned char) c) || c == '-' || c == '+' || c == '.' ||
			  c == 'e' || c == 'E'))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid DynamoDB number")));
	}
}

Datum
ddb_dec_number_to_numeric(DdbDecoder *d, DdbJsonStr *s, int32 typmod)
{
	check_number(s);
	return DirectFunctionCall3(numeric_in,
							   CStringGetDatum(scratch_cstring(d, s->ptr, s->len)),
							   ObjectIdGetDatum(InvalidOid),
							   Int32GetDatum(typmod));
}

/* Plain decimal integer without sign tricks, exponent or fraction. */
bool
ddb_dec_parse_plain_int64(const char *s, size_t len, int64 *out)
{
	bool		neg = false;
	uint64		v = 0;
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
		v = v * 10 + (uint64) (s[i] - '0');
	}
	if (neg ? v > (uint64) PG_INT64_MAX + 1 : v > (uint64) PG_INT64_MAX)
		return false;
	*out = neg ? (int64) (0 - v) : (int64) v;
	return true;
}

/*
 * N into an integer type: exact, never rounded.  1E+2 is 100; 1.5 is an
 * error, as '1.5'::int would be.
 */
static Datum
number_to_int(DdbDecoder *d, DdbConv *c, DdbJsonStr *s)
{
	int64		v;
	Datum		num;

	if (!ddb_dec_parse_plain_int64(s->ptr, s->len, &v))
	{
		num = ddb_dec_number_to_numeric(d, s, -1);
		if (!DatumGetBool(DirectFunctionCall2(numeric_eq, num,
											  DirectFunctionCall2(numeric_trunc, num,
																  Int32GetDatum(0)))))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("DynamoDB number is not an integer")));
		switch (c->kind)
		{
			case CONV_INT2:
				return DirectFunctionCall1(numeric_int2, num);
			case CONV_INT4:
				return DirectFunctionCall1(numeric_int4, num);
			default:
				return DirectFunctionCall1(numeric_int8, num);
		}
	}
	if ((c->kind == CONV_INT2 && (v < PG_INT16_MIN || v > PG_INT16_MAX)) ||
		(c->kind == CONV_INT4 && (v < PG_INT32_MIN || v > PG_INT32_MAX)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value is out of range for type %s", c->type_name)));
	switch (c->kind)
	{
		case CONV_INT2:
			return Int16GetDatum((int16) v);
		case CONV_INT4:
			return Int32GetDatum((int32) v);
		default:
			return Int64GetDatum(v);
	}
}

/* N into timestamp[tz]: seconds since 1970-01-01 00:00:00 UTC, exact. */
static Datum
number_to_timestamp(DdbDecoder *d, DdbJsonStr *s)
{
	Datum		num = ddb_dec_number_to_numeric(d, s, -1);
	Datum		usecs;
	int64		v;

	usecs = DirectFunctionCall2(numeric_mul, num,
								NumericGetDatum(int64_to_numeric(USECS_PER_SEC)));
	usecs = DirectFunctionCall2(numeric_round, usecs, Int32GetDatum(0));
	v = DatumGetInt64(DirectFunctionCall1(numeric_int8, usecs));
	if (pg_sub_s64_overflow(v, (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY, &v) ||
		!IS_VALID_TIMESTAMP(v))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return TimestampGetDatum(v);
}

static Datum
base64_to_bytea(DdbJsonStr *s)
{
	bytea	   *result = palloc(VARHDRSZ + ddb_base64_decoded_maxlen(s->len));
	long		n = ddb_base64_decode(s->ptr, s->len, (unsigned char *) VARDATA(result));

	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid base64 in DynamoDB binary value")));
	SET_VARSIZE(result, VARHDRSZ + n);
	return PointerGetDatum(result);
}

static Datum
call_input(DdbConv *c, char *str)
{
	return InputFunctionCall(&c->infunc, str, c->ioparam, c->typmod);
}


/* ----------------------------------------------------------------
 * Arrays from sets and lists
 * ----------------------------------------------------------------
 */
static Datum
attr_to_array(DdbDecoder *d, DdbConv *c, const AttrVal *av)
{
	DdbJson    *j = &d->sub;
	int			n = 0;
	int			cap = 16;
	Datum	   *elems = palloc(sizeof(Datum) * cap);
	bool	   *nulls = palloc(sizeof(bool) * cap);
	int			dims[1];
	int			lbs[1] = {1};
	bool		done;

	if (av->tag == TAG_M)
		type_mismatch(d, c, av->tag);
	ddb_json_set_input(j, av->value.ptr, av->value.len);
	if (!ddb_json_enter_array(j))
		ddb_dec_json_fail(d, j);
	for (;;)
	{
		AttrVal		ev;

		if (!ddb_json_next_element(j, &done))
			ddb_dec_json_fail(d, j);
		if (done)
			break;
		memset(&ev, 0, sizeof(ev));
		ev.name = av->name;
		if (av->tag == TAG_L)
		{
			if (!ddb_dec_read_wrapper(j, &ev.tag))
				ddb_dec_json_fail(d, j);
			if (TAG_IS_COMPLEX(ev.tag))
			{
				if (!ddb_json_capture_value(j, &ev.value))
					ddb_dec_json_fail(d, j);
			}
			else if (ev.tag == TAG_BOOL || ev.tag == TAG_NULL)
			{
				if (!ddb_json_read_bool(j, &ev.boolval))
					ddb_dec_json_fail(d, j);
			}
			else if (!ddb_json_read_string(j, &ev.value))
				ddb_dec_json_fail(d, j);
			if (!ddb_dec_end_wrapper(j))
				ddb_dec_json_fail(d, j);
		}
		else
		{
			ev.tag = av->tag == TAG_SS ? TAG_S : av->tag == TAG_NS ? TAG_N : TAG_B;
			if (!ddb_json_read_string(j, &ev.value))
				ddb_dec_json_fail(d, j);
		}
		if (n == cap)
		{
			cap *= 2;
			elems = repalloc(elems, sizeof(Datum) * cap);
			nulls = repalloc(nulls, sizeof(bool) * cap);
		}
		if (TAG_IS_COMPLEX(ev.tag) && c->elem->kind != CONV_JSONB &&
			c->elem->kind != CONV_JSON && c->elem->kind != CONV_TEXT)
			type_mismatch(d, c->elem, ev.tag);
		/*
		 * A nested span read from d->sub would be overwritten by a nested
		 * conversion; complex elements only go to json/text, which reparse
		 * from a copy.
		 */
		if (TAG_IS_COMPLEX(ev.tag))
		{
			DdbJson		saved = *j;
			char	   *copy = pnstrdup(ev.value.ptr, ev.value.len);

			ev.value.ptr = copy;
			ddb_json_init(&d->sub, "", 0);
			d->sub.arena = saved.arena;
			ddb_dec_convert_column(d, NULL, &ev, &elems[n], &nulls[n]);
			saved.arena = d->sub.arena;
			*j = saved;
		}
		else
		{
			DdbColumn	fake;

			memset(&fake, 0, sizeof(fake));
			fake.conv = *c->elem;
			ddb_dec_convert_column(d, &fake, &ev, &elems[n], &nulls[n]);
		}
		n++;
	}
	if (!ddb_json_finish(j))
		ddb_dec_json_fail(d, j);
	dims[0] = n;
	if (n == 0)
		return PointerGetDatum(construct_empty_array(c->elem->typid));
	return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs,
											  c->elem->typid, c->elmlen,
											  c->elmbyval, c->elmalign));
}


/* ----------------------------------------------------------------
 * One value into one column
 * ----------------------------------------------------------------
 */

/*
 * An S or N into a time column: CONV_TIMESTAMP (timestamp[tz]), or
 * CONV_TIME_FORMAT (timestamp[tz] or date with option format).  An N is
 * epoch seconds unless the format says milliseconds; an S is read by the
 * ISO 8601 reader under format iso8601, else by the type's input function.
 */
static Datum
time_value(DdbDecoder *d, DdbConv *c, AttrVal *av)
{
	Datum		v;

	if (av->tag == TAG_S)
	{
		if (c->kind == CONV_TIME_FORMAT && c->format == DDB_FORMAT_ISO8601)
			return ddb_time_to_datum(ddb_time_from_iso(ddb_dec_server_cstring(d, &av->value)),
									 c->typid, c->typmod);
		return call_input(c, ddb_dec_server_cstring(d, &av->value));
	}
	if (av->tag != TAG_N)
	{
		type_mismatch(d, c, av->tag);
		return (Datum) 0;
	}
	if (c->kind == CONV_TIME_FORMAT)
		return ddb_time_to_datum(ddb_time_from_number(scratch_cstring(d, av->value.ptr,
																	  av->value.len),
													  c->format == DDB_FORMAT_ISO8601 ?
													  DDB_FORMAT_EPOCH_SECONDS : c->format),
								 c->typid, c->typmod);
	v = number_to_timestamp(d, &av->value);
	if (c->typmod >= 0)
		v = DirectFunctionCall2(c->typid == TIMESTAMPTZOID ? timestamptz_scale : timestamp_scale,
								v, Int32GetDatum(c->typmod));
	return v;
}

/*
 * Converts av for col (col may be NULL only for a complex array element,
 * which then uses the element conversion in d's current array column: see
 * attr_to_array).  The result is allocated in the current context.
 */
void
ddb_dec_convert_column(DdbDecoder *d, DdbColumn *col, const AttrVal *av_in,
			   Datum *value, bool *isnull)
{
	AttrVal    *av = (AttrVal *) av_in;
	DdbConv    *c = col ? &col->conv : NULL;

	*isnull = false;
	if (c == NULL)
	{
		/* complex element of a json/jsonb/text array */
		*value = ddb_dec_attr_to_jsonb(d, av);
		return;
	}

	if (av->tag == TAG_NULL)
	{
		if (c->kind == CONV_JSONB || c->kind == CONV_JSON)
		{
			*value = c->kind == CONV_JSONB ? ddb_dec_attr_to_jsonb(d, av) :
				PointerGetDatum(cstring_to_text("null"));
			return;
		}
		*isnull = true;
		*value = (Datum) 0;
		return;
	}

	switch (c->kind)
	{
		case CONV_JSONB:
			*value = ddb_dec_attr_to_jsonb(d, av);
			return;
		case CONV_JSON:
			*value = PointerGetDatum(cstring_to_text(ddb_dec_attr_to_json_text(d, av)));
			return;
		case CONV_ARRAY:
			if (TAG_IS_COMPLEX(av->tag))
				*value = attr_to_array(d, c, av);
			else if (av->tag == TAG_S)
				*value = call_input(c, ddb_dec_server_cstring(d, &av->value));
			else
				type_mismatch(d, c, av->tag);
			return;
		default:
			break;
	}

	if (TAG_IS_COMPLEX(av->tag))
	{
		if (c->kind == CONV_TEXT)
			*value = PointerGetDatum(cstring_to_text(ddb_dec_attr_to_json_text(d, av)));
		else if (c->kind == CONV_INPUT)
			*value = call_input(c, ddb_dec_attr_to_json_text(d, av));
		else
			type_mismatch(d, c, av->tag);
		return;
	}

	if (av->tag == TAG_BOOL)
	{
		if (c->kind == CONV_BOOL)
			*value = BoolGetDatum(av->boolval);
		else if (c->kind == CONV_TEXT)
			*value = PointerGetDatum(cstring_to_text(av->boolval ? "true" : "false"));
		else if (c->kind == CONV_INPUT)
			*value = call_input(c, av->boolval ? "true" : "false");
		else
			type_mismatch(d, c, av->tag);
		return;
	}

	/* S, N, B */
	switch (c->kind)
	{
		case CONV_TEXT:
			*value = PointerGetDatum(server_text(d, &av->value));
			break;
		case CONV_NUMERIC:
			if (av->tag == TAG_B)
				type_mismatch(d, c, av->tag);
			if (av->tag == TAG_N)
				*value = ddb_dec_number_to_numeric(d, &av->value, c->typmod);
			else
				*value = call_input(c, ddb_dec_server_cstring(d, &av->value));
			break;
		case CONV_INT2:
		case CONV_INT4:
		case CONV_INT8:
			if (av->tag == TAG_B)
				type_mismatch(d, c, av->tag);
			if (av->tag == TAG_N)
				*value = number_to_int(d, c, &av->value);
			else
				*value = call_input(c, ddb_dec_server_cstring(d, &av->value));
			break;
		case CONV_FLOAT:
			if (av->tag == TAG_B)
				type_mismatch(d, c, av->tag);
			*value = call_input(c, av->tag == TAG_N ?
								scratch_cstring(d, av->value.ptr, av->value.len) :
								ddb_dec_server_cstring(d, &av->value));
			break;
		case CONV_BOOL:
			if (av->tag == TAG_B)
				type_mismatch(d, c, av->tag);
			*value = call_input(c, ddb_dec_server_cstring(d, &av->value));
			break;
		case CONV_BYTEA:
			if (av->tag == TAG_B)
				*value = base64_to_bytea(&av->value);
			else if (av->tag == TAG_S)
				*value = call_input(c, ddb_dec_server_cstring(d, &av->value));
			else
				type_mismatch(d, c, av->tag);
			break;
		case CONV_TIMESTAMP:
		case CONV_TIME_FORMAT:
			*value = time_value(d, c, av);
			break;
		case CONV_INPUT:
			*value = call_input(c, ddb_dec_server_cstring(d, &av->value));
			break;
		default:
			type_mismatch(d, c, av->tag);
			break;
	}
}
