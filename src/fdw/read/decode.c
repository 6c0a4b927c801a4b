/*-------------------------------------------------------------------------
 *
 * decode.c
 *		Streaming decoder: DynamoDB Scan/Query pages straight into Datums.
 *
 * A page is read with the pull reader of src/aws/json.c, never as a DOM.
 * Each item is handled in two steps.  First its attributes are read: the
 * ones no column needs are skipped unparsed; scalars are kept as (pointer,
 * length) into the page; maps, lists and sets as the span of their JSON.
 * Then the needed columns are converted, and the whole-item column (jsonb)
 * is built.  Converting after reading means the item's key is known when a
 * value does not fit its column, so the error can name the item.
 *
 * Type mapping (README "Type mapping"): S and N go through the column type's
 * input function, except for the exact fast paths of text, numeric and the
 * integer types; N into timestamp[tz] is seconds since the Unix epoch; B is
 * base64 and becomes bytea; BOOL becomes boolean; NULL is SQL NULL (JSON
 * null in json/jsonb); M, L and the sets become natural JSON in json/jsonb
 * and text, and sets and lists become arrays.
 *
 * IDENTIFICATION
 *		src/fdw/read/decode.c
 *
 *-------------------------------------------------------------------------
 */
#include "decode.h"

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

/* DynamoDB attribute value types */
typedef enum DdbTag
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
} DdbTag;

static const char *const tag_names[] = {
	"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"
};

#define TAG_IS_COMPLEX(t) ((t) >= TAG_M)

typedef enum DdbConvKind
{
	CONV_TEXT,
	CONV_INPUT,					/* the type's input function */
	CONV_NUMERIC,
	CONV_INT2,
	CONV_INT4,
	CONV_INT8,
	CONV_FLOAT,					/* float4/float8 via input function */
	CONV_BOOL,
	CONV_BYTEA,
	CONV_JSONB,
	CONV_JSON,
	CONV_TIMESTAMP,				/* timestamp and timestamptz */
	CONV_ARRAY
} DdbConvKind;

/* How to turn a DynamoDB value into one PostgreSQL type. */
typedef struct DdbConv
{
	DdbConvKind kind;
	Oid			typid;
	int32		typmod;
	char	   *type_name;		/* for messages, built once */
	FmgrInfo	infunc;
	Oid			ioparam;
	/* arrays */
	struct DdbConv *elem;
	int16		elmlen;
	bool		elmbyval;
	char		elmalign;
} DdbConv;

typedef struct DdbColumn
{
	AttrNumber	attnum;
	char	   *name;			/* column name */
	char	   *attr_name;		/* attribute; NULL for the whole item */
	bool		whole_item;
	bool		needed;
	DdbConv		conv;
	int			next_same;		/* next column of the same attribute, or -1 */
} DdbColumn;

/* Attribute-name lookup slot (open addressing). */
typedef struct AttrSlot
{
	const char *name;			/* NULL: empty slot */
	size_t		len;
	int			first_col;		/* -1 when only a key */
	int			key_index;		/* 0 partition key, 1 sort key, -1 */
} AttrSlot;

/* One attribute of the item being decoded. */
typedef struct AttrVal
{
	DdbJsonStr	name;
	DdbTag		tag;
	DdbJsonStr	value;			/* scalar text, or the JSON span of M/L/sets */
	bool		boolval;
	int			first_col;
	int			key_index;
} AttrVal;

/* What the decoder is doing, for the error context callback. */
typedef struct DecodeLocation
{
	int			item;			/* index in the page */
	int			col;			/* column being converted, -1 */
	const AttrVal *attr;		/* attribute being converted, or NULL */
} DecodeLocation;

struct DdbDecoder
{
	char	   *relname;
	int			natts;
	int			ncols;
	DdbColumn  *cols;
	int			item_col;		/* first needed whole_item column, or -1 */
	bool		need_any;		/* some column must be produced */
	const char *key_names[2];

	AttrSlot   *slots;
	int			nslots;			/* power of two */

	AttrVal    *attrs;
	int			nattrs;
	int			maxattrs;

	MemoryContext cxt;			/* the decoder's own, lives as long as it */
	MemoryContext temp_cxt;		/* reset per item */
	Datum	   *vbuf;			/* page values, reused from page to page */
	bool	   *nbuf;
	int			vcap;			/* items vbuf and nbuf hold */
	DdbJson		json;			/* page reader; its arena is malloc'd */
	DdbJson		sub;			/* reader of nested spans */
	StringInfoData scratch;		/* NUL-terminated copies of values */
	bool		server_utf8;
	DecodeLocation loc;
};

static void convert_column(DdbDecoder *d, DdbColumn *col, const AttrVal *av,
						   Datum *value, bool *isnull);

/* ----------------------------------------------------------------
 * Set-up
 * ----------------------------------------------------------------
 */
static uint32
name_hash(const char *s, size_t len)
{
	uint32		h = 2166136261u;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		h ^= (unsigned char) s[i];
		h *= 16777619u;
	}
	return h;
}

static AttrSlot *
slot_find(DdbDecoder *d, const char *name, size_t len, bool insert)
{
	uint32		i = name_hash(name, len) & (uint32) (d->nslots - 1);

	for (;;)
	{
		AttrSlot   *s = &d->slots[i];

		if (s->name == NULL)
		{
			if (!insert)
				return NULL;
			s->name = name;
			s->len = len;
			s->first_col = -1;
			s->key_index = -1;
			return s;
		}
		if (s->len == len && memcmp(s->name, name, len) == 0)
			return s;
		i = (i + 1) & (uint32) (d->nslots - 1);
	}
}

static void
conv_init(DdbConv *c, Oid typid, int32 typmod)
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
				conv_init(c->elem, elemtype, typmod);
				get_typlenbyvalalign(elemtype, &c->elmlen, &c->elmbyval,
									 &c->elmalign);
			}
			else
				c->kind = CONV_INPUT;
			break;
	}
}

static void
decoder_reset_callback(void *arg)
{
	DdbDecoder *d = arg;

	ddb_json_free(&d->json);
	ddb_json_free(&d->sub);
}

DdbDecoder *
ddb_decoder_create(const DdbTableMapping *m, const bool *needed)
{
	DdbDecoder *d = palloc0(sizeof(DdbDecoder));
	MemoryContextCallback *cb;
	int			i;

	d->relname = pstrdup(m->relname);
	d->natts = m->natts;
	d->cols = palloc0(sizeof(DdbColumn) * Max(m->natts, 1));
	d->item_col = -1;
	d->key_names[0] = m->key_attr[0] ? pstrdup(m->key_attr[0]) : NULL;
	d->key_names[1] = m->key_attr[1] ? pstrdup(m->key_attr[1]) : NULL;
	d->nslots = 16;
	while (d->nslots < 2 * (m->natts + 2))
		d->nslots *= 2;
	d->slots = palloc0(sizeof(AttrSlot) * d->nslots);
	d->maxattrs = 32;
	d->attrs = palloc(sizeof(AttrVal) * d->maxattrs);
	d->cxt = CurrentMemoryContext;
	d->temp_cxt = AllocSetContextCreate(CurrentMemoryContext,
										"ddb_fdw decode temp",
										ALLOCSET_DEFAULT_SIZES);
	initStringInfo(&d->scratch);
	d->server_utf8 = GetDatabaseEncoding() == PG_UTF8;
	ddb_json_init(&d->json, "", 0);
	ddb_json_init(&d->sub, "", 0);
	cb = palloc(sizeof(MemoryContextCallback));
	cb->func = decoder_reset_callback;
	cb->arg = d;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);

	for (i = 0; i < m->natts; i++)
	{
		const DdbColumnMap *cm = &m->columns[i];
		DdbColumn  *col;

		if (cm->dropped)
			continue;
		col = &d->cols[d->ncols];
		col->attnum = cm->attnum;
		col->name = pstrdup(cm->name);
		col->needed = needed[i];
		col->next_same = -1;
		conv_init(&col->conv, cm->typid, cm->typmod);
		if (cm->whole_item)
		{
			if (col->conv.kind != CONV_JSONB && col->conv.kind != CONV_JSON &&
				col->conv.kind != CONV_TEXT)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
						 errmsg("whole_item column \"%s\" of foreign table \"%s\" must be of type jsonb, json or text",
								col->name, d->relname)));
			col->attr_name = NULL;
			col->whole_item = true;
			if (col->needed && d->item_col < 0)
				d->item_col = d->ncols;
		}
		else
		{
			AttrSlot   *s;

			col->attr_name = pstrdup(cm->attribute);
			if (col->needed)
			{
				s = slot_find(d, col->attr_name, strlen(col->attr_name), true);
				/* chain columns of the same attribute, in column order */
				if (s->first_col < 0)
					s->first_col = d->ncols;
				else
				{
					int			c = s->first_col;

					while (d->cols[c].next_same >= 0)
						c = d->cols[c].next_same;
					d->cols[c].next_same = d->ncols;
				}
			}
		}
		if (col->needed)
			d->need_any = true;
		d->ncols++;
	}
	/* keys are read even when no column needs them, to name items in errors */
	for (i = 0; i < 2; i++)
		if (d->key_names[i] && d->need_any)
			slot_find(d, d->key_names[i], strlen(d->key_names[i]), true)->key_index = i;
	return d;
}

List *
ddb_decoder_needed_attributes(DdbDecoder *d, bool *whole_item)
{
	List	   *result = NIL;
	int			i;

	*whole_item = d->item_col >= 0;
	for (i = 0; i < d->nslots; i++)
		if (d->slots[i].name != NULL)
			result = lappend(result, pstrdup(d->slots[i].name));
	return result;
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

static void
decode_error_callback(void *arg)
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
						 tag_names[d->loc.attr->tag], d->relname);
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
					tag_names[tag], c->type_name)));
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
static char *
server_cstring(DdbDecoder *d, const DdbJsonStr *s)
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
		(void) server_cstring(d, s);	/* raises the error */
	if (d->server_utf8)
		return cstring_to_text_with_len(s->ptr, (int) s->len);
	return cstring_to_text(server_cstring(d, s));
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

static Datum
number_to_numeric(DdbDecoder *d, DdbJsonStr *s, int32 typmod)
{
	check_number(s);
	return DirectFunctionCall3(numeric_in,
							   CStringGetDatum(scratch_cstring(d, s->ptr, s->len)),
							   ObjectIdGetDatum(InvalidOid),
							   Int32GetDatum(typmod));
}

/* Plain decimal integer without sign tricks, exponent or fraction. */
static bool
parse_plain_int64(const char *s, size_t len, int64 *out)
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

	if (!parse_plain_int64(s->ptr, s->len, &v))
	{
		num = number_to_numeric(d, s, -1);
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
	Datum		num = number_to_numeric(d, s, -1);
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
 * Natural JSON
 * ----------------------------------------------------------------
 */
static bool parse_tag(DdbJsonStr *name, DdbTag *tag);

static void
json_fail(DdbDecoder *d, DdbJson *j)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROTOCOL_VIOLATION),
			 errmsg("malformed DynamoDB attribute value"),
			 errdetail_internal("%s at byte %zu of the value.",
								j->error ? j->error : "unexpected input",
								j->error_offset)));
}

static void
jsonb_string(DdbDecoder *d, JsonbValue *v, DdbJsonStr *s)
{
	v->type = jbvString;
	if (d->server_utf8 && !s->has_nul)
	{
		v->val.string.val = (char *) s->ptr;
		v->val.string.len = (int) s->len;
	}
	else
	{
		v->val.string.val = server_cstring(d, s);
		v->val.string.len = (int) strlen(v->val.string.val);
	}
}

static void
jsonb_scalar(DdbDecoder *d, JsonbValue *v, DdbTag tag, DdbJsonStr *s,
			 bool boolval)
{
	switch (tag)
	{
		case TAG_S:
		case TAG_B:
			jsonb_string(d, v, s);
			break;
		case TAG_N:
			v->type = jbvNumeric;
			v->val.numeric = DatumGetNumeric(number_to_numeric(d, s, -1));
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
static bool
read_wrapper(DdbJson *j, DdbTag *tag)
{
	DdbJsonStr	name;
	bool		done;

	if (!ddb_json_enter_object(j) || !ddb_json_next_member(j, &name, &done))
		return false;
	if (done)
		return ddb_json_fail(j, "attribute value without a type");
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

/*
 * Reads the value of type tag at the reader's position and pushes its
 * natural JSON onto *st as token tok (WJB_VALUE or WJB_ELEM).
 */
static void
push_typed(DdbDecoder *d, DdbJson *j, DdbTag tag, JsonbParseState **st,
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
				json_fail(d, j);
			jsonb_scalar(d, &v, tag, &s, false);
			pushJsonbValue(st, tok, &v);
			break;
		case TAG_BOOL:
		case TAG_NULL:
			if (!ddb_json_read_bool(j, &b))
				json_fail(d, j);
			jsonb_scalar(d, &v, tag, NULL, b);
			pushJsonbValue(st, tok, &v);
			break;
		case TAG_M:
			if (!ddb_json_enter_object(j))
				json_fail(d, j);
			pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
			for (;;)
			{
				DdbTag		inner;

				if (!ddb_json_next_member(j, &s, &done))
					json_fail(d, j);
				if (done)
					break;
				jsonb_string(d, &v, &s);
				pushJsonbValue(st, WJB_KEY, &v);
				if (!read_wrapper(j, &inner))
					json_fail(d, j);
				push_typed(d, j, inner, st, WJB_VALUE);
				if (!end_wrapper(j))
					json_fail(d, j);
			}
			pushJsonbValue(st, WJB_END_OBJECT, NULL);
			break;
		case TAG_L:
		case TAG_SS:
		case TAG_NS:
		case TAG_BS:
			if (!ddb_json_enter_array(j))
				json_fail(d, j);
			pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
			for (;;)
			{
				if (!ddb_json_next_element(j, &done))
					json_fail(d, j);
				if (done)
					break;
				if (tag == TAG_L)
				{
					DdbTag		inner;

					if (!read_wrapper(j, &inner))
						json_fail(d, j);
					push_typed(d, j, inner, st, WJB_ELEM);
					if (!end_wrapper(j))
						json_fail(d, j);
				}
				else
				{
					if (!ddb_json_read_string(j, &s))
						json_fail(d, j);
					jsonb_scalar(d, &v, tag == TAG_NS ? TAG_N : TAG_S, &s, false);
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
		jsonb_scalar(d, v, av->tag, (DdbJsonStr *) &av->value, av->boolval);
		return v;
	}
	ddb_json_set_input(&d->sub, av->value.ptr, av->value.len);
	/* the span is one value: wrap it so push_typed sees a container */
	pushJsonbValue(&st, WJB_BEGIN_ARRAY, NULL);
	push_typed(d, &d->sub, av->tag, &st, WJB_ELEM);
	if (!ddb_json_finish(&d->sub))
		json_fail(d, &d->sub);
	v = pushJsonbValue(&st, WJB_END_ARRAY, NULL);
	/* unwrap: the single element of the array */
	return &v->val.array.elems[0];
}

/* The attribute value as natural-JSON text (palloc'd). */
static char *
attr_to_json_text(DdbDecoder *d, const AttrVal *av)
{
	MemoryContext old = MemoryContextSwitchTo(d->temp_cxt);
	Jsonb	   *jb = JsonbValueToJsonb(attr_to_jsonb_value(d, av));
	char	   *result;

	MemoryContextSwitchTo(old);
	result = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
	return result;
}

static Datum
attr_to_jsonb(DdbDecoder *d, const AttrVal *av)
{
	MemoryContext old = MemoryContextSwitchTo(d->temp_cxt);
	JsonbValue *v = attr_to_jsonb_value(d, av);

	MemoryContextSwitchTo(old);
	return JsonbPGetDatum(JsonbValueToJsonb(v));
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
		json_fail(d, j);
	for (;;)
	{
		AttrVal		ev;

		if (!ddb_json_next_element(j, &done))
			json_fail(d, j);
		if (done)
			break;
		memset(&ev, 0, sizeof(ev));
		ev.name = av->name;
		if (av->tag == TAG_L)
		{
			if (!read_wrapper(j, &ev.tag))
				json_fail(d, j);
			if (TAG_IS_COMPLEX(ev.tag))
			{
				if (!ddb_json_capture_value(j, &ev.value))
					json_fail(d, j);
			}
			else if (ev.tag == TAG_BOOL || ev.tag == TAG_NULL)
			{
				if (!ddb_json_read_bool(j, &ev.boolval))
					json_fail(d, j);
			}
			else if (!ddb_json_read_string(j, &ev.value))
				json_fail(d, j);
			if (!end_wrapper(j))
				json_fail(d, j);
		}
		else
		{
			ev.tag = av->tag == TAG_SS ? TAG_S : av->tag == TAG_NS ? TAG_N : TAG_B;
			if (!ddb_json_read_string(j, &ev.value))
				json_fail(d, j);
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
			convert_column(d, NULL, &ev, &elems[n], &nulls[n]);
			saved.arena = d->sub.arena;
			*j = saved;
		}
		else
		{
			DdbColumn	fake;

			memset(&fake, 0, sizeof(fake));
			fake.conv = *c->elem;
			convert_column(d, &fake, &ev, &elems[n], &nulls[n]);
		}
		n++;
	}
	if (!ddb_json_finish(j))
		json_fail(d, j);
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
 * Converts av for col (col may be NULL only for a complex array element,
 * which then uses the element conversion in d's current array column: see
 * attr_to_array).  The result is allocated in the current context.
 */
static void
convert_column(DdbDecoder *d, DdbColumn *col, const AttrVal *av_in,
			   Datum *value, bool *isnull)
{
	AttrVal    *av = (AttrVal *) av_in;
	DdbConv    *c = col ? &col->conv : NULL;

	*isnull = false;
	if (c == NULL)
	{
		/* complex element of a json/jsonb/text array */
		*value = attr_to_jsonb(d, av);
		return;
	}

	if (av->tag == TAG_NULL)
	{
		if (c->kind == CONV_JSONB || c->kind == CONV_JSON)
		{
			*value = c->kind == CONV_JSONB ? attr_to_jsonb(d, av) :
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
			*value = attr_to_jsonb(d, av);
			return;
		case CONV_JSON:
			*value = PointerGetDatum(cstring_to_text(attr_to_json_text(d, av)));
			return;
		case CONV_ARRAY:
			if (TAG_IS_COMPLEX(av->tag))
				*value = attr_to_array(d, c, av);
			else if (av->tag == TAG_S)
				*value = call_input(c, server_cstring(d, &av->value));
			else
				type_mismatch(d, c, av->tag);
			return;
		default:
			break;
	}

	if (TAG_IS_COMPLEX(av->tag))
	{
		if (c->kind == CONV_TEXT)
			*value = PointerGetDatum(cstring_to_text(attr_to_json_text(d, av)));
		else if (c->kind == CONV_INPUT)
			*value = call_input(c, attr_to_json_text(d, av));
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
				*value = number_to_numeric(d, &av->value, c->typmod);
			else
				*value = call_input(c, server_cstring(d, &av->value));
			break;
		case CONV_INT2:
		case CONV_INT4:
		case CONV_INT8:
			if (av->tag == TAG_B)
				type_mismatch(d, c, av->tag);
			if (av->tag == TAG_N)
				*value = number_to_int(d, c, &av->value);
			else
				*value = call_input(c, server_cstring(d, &av->value));
			break;
		case CONV_FLOAT:
			if (av->tag == TAG_B)
				type_mismatch(d, c, av->tag);
			*value = call_input(c, av->tag == TAG_N ?
								scratch_cstring(d, av->value.ptr, av->value.len) :
								server_cstring(d, &av->value));
			break;
		case CONV_BOOL:
			if (av->tag == TAG_B)
				type_mismatch(d, c, av->tag);
			*value = call_input(c, server_cstring(d, &av->value));
			break;
		case CONV_BYTEA:
			if (av->tag == TAG_B)
				*value = base64_to_bytea(&av->value);
			else if (av->tag == TAG_S)
				*value = call_input(c, server_cstring(d, &av->value));
			else
				type_mismatch(d, c, av->tag);
			break;
		case CONV_TIMESTAMP:
			if (av->tag == TAG_N)
			{
				*value = number_to_timestamp(d, &av->value);
				if (c->typmod >= 0)
					*value = DirectFunctionCall2(c->typid == TIMESTAMPTZOID ?
												 timestamptz_scale : timestamp_scale,
												 *value, Int32GetDatum(c->typmod));
			}
			else if (av->tag == TAG_S)
				*value = call_input(c, server_cstring(d, &av->value));
			else
				type_mismatch(d, c, av->tag);
			break;
		case CONV_INPUT:
			*value = call_input(c, server_cstring(d, &av->value));
			break;
		default:
			type_mismatch(d, c, av->tag);
			break;
	}
}

/* ----------------------------------------------------------------
 * Items and pages
 * ----------------------------------------------------------------
 */
static bool
parse_tag(DdbJsonStr *name, DdbTag *tag)
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

static void
page_error(DdbDecoder *d, const char *operation, size_t len)
{
	DdbJson    *j = &d->json;

	ereport(ERROR,
			(errcode(ERRCODE_PROTOCOL_VIOLATION),
			 errmsg("malformed DynamoDB %s response", operation),
			 errdetail_internal("%s at byte %zu of %zu.",
								j->error ? j->error : "unexpected input",
								j->error_offset, len),
			 errcontext("DynamoDB %s response for foreign table \"%s\"",
						operation, d->relname)));
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

static void
decode_item(DdbDecoder *d, const char *operation, size_t len,
			Datum *values, bool *nulls)
{
	DdbJson    *j = &d->json;
	DdbJsonStr	name;
	bool		done;
	int			i;

	/* step 1: read the attributes */
	d->nattrs = 0;
	if (!ddb_json_enter_object(j))
		page_error(d, operation, len);
	for (;;)
	{
		AttrSlot   *slot;
		AttrVal    *av;

		if (!ddb_json_next_member(j, &name, &done))
			page_error(d, operation, len);
		if (done)
			break;
		slot = slot_find(d, name.ptr, name.len, false);
		if (slot == NULL && d->item_col < 0)
		{
			if (!ddb_json_skip_value(j))
				page_error(d, operation, len);
			continue;
		}
		if (d->nattrs == d->maxattrs)
		{
			d->maxattrs *= 2;
			d->attrs = repalloc(d->attrs, sizeof(AttrVal) * d->maxattrs);
		}
		av = &d->attrs[d->nattrs++];
		av->name = name;
		av->first_col = slot ? slot->first_col : -1;
		av->key_index = slot ? slot->key_index : -1;
		av->boolval = false;
		if (!read_attr_value(j, av))
			page_error(d, operation, len);
	}

	/* step 2: convert */
	for (i = 0; i < d->natts; i++)
		nulls[i] = true;
	for (i = 0; i < d->nattrs; i++)
	{
		const AttrVal *av = &d->attrs[i];
		int			c;

		for (c = av->first_col; c >= 0; c = d->cols[c].next_same)
		{
			DdbColumn  *col = &d->cols[c];

			d->loc.col = c;
			d->loc.attr = av;
			convert_column(d, col, av, &values[col->attnum - 1],
						   &nulls[col->attnum - 1]);
		}
	}

	/* step 3: the whole item */
	if (d->item_col >= 0)
	{
		DdbColumn  *col = &d->cols[d->item_col];
		JsonbParseState *st = NULL;
		JsonbValue *res;
		MemoryContext old = MemoryContextSwitchTo(d->temp_cxt);
		Jsonb	   *jb;
		Datum		text_datum = (Datum) 0;

		d->loc.col = d->item_col;
		pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
		for (i = 0; i < d->nattrs; i++)
		{
			AttrVal    *av = &d->attrs[i];
			JsonbValue	k;

			d->loc.attr = av;
			jsonb_string(d, &k, &av->name);
			pushJsonbValue(&st, WJB_KEY, &k);
			if (TAG_IS_COMPLEX(av->tag))
			{
				ddb_json_set_input(&d->sub, av->value.ptr, av->value.len);
				push_typed(d, &d->sub, av->tag, &st, WJB_VALUE);
				if (!ddb_json_finish(&d->sub))
					json_fail(d, &d->sub);
			}
			else
			{
				JsonbValue	v;

				jsonb_scalar(d, &v, av->tag, &av->value, av->boolval);
				pushJsonbValue(&st, WJB_VALUE, &v);
			}
		}
		d->loc.attr = NULL;
		res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
		MemoryContextSwitchTo(old);
		jb = JsonbValueToJsonb(res);

		/* every whole_item column shares the one jsonb (and its text) */
		for (i = d->item_col; i < d->ncols; i++)
		{
			col = &d->cols[i];
			if (!col->whole_item || !col->needed)
				continue;
			nulls[col->attnum - 1] = false;
			if (col->conv.kind == CONV_JSONB)
				values[col->attnum - 1] = JsonbPGetDatum(jb);
			else
			{
				if (text_datum == (Datum) 0)
					text_datum = PointerGetDatum(cstring_to_text(JsonbToCString(NULL, &jb->root,
																				VARSIZE(jb))));
				values[col->attnum - 1] = text_datum;
			}
		}
	}
	d->loc.col = -1;
	d->loc.attr = NULL;
	MemoryContextReset(d->temp_cxt);
}

static int64
read_count(DdbDecoder *d, const char *operation, size_t len)
{
	DdbJson    *j = &d->json;
	DdbJsonStr	s;
	int64		v;

	if (!ddb_json_read_number(j, &s))
		page_error(d, operation, len);
	if (!parse_plain_int64(s.ptr, s.len, &v) || v < 0)
	{
		ddb_json_fail(j, "count is not a non-negative integer");
		page_error(d, operation, len);
	}
	return v;
}

static double
read_capacity(DdbDecoder *d, const char *operation, size_t len)
{
	DdbJson    *j = &d->json;
	DdbJsonStr	name;
	bool		done;
	double		units = 0;

	if (!ddb_json_enter_object(j))
		page_error(d, operation, len);
	for (;;)
	{
		if (!ddb_json_next_member(j, &name, &done))
			page_error(d, operation, len);
		if (done)
			break;
		if (ddb_json_str_eq(&name, "CapacityUnits") &&
			ddb_json_peek(j) == DDB_JSON_NUMBER)
		{
			DdbJsonStr	s;
			char		tmp[64];

			if (!ddb_json_read_number(j, &s))
				page_error(d, operation, len);
			if (s.len < sizeof(tmp))
			{
				memcpy(tmp, s.ptr, s.len);
				tmp[s.len] = '\0';
				units = strtod(tmp, NULL);
			}
		}
		else if (!ddb_json_skip_value(j))
			page_error(d, operation, len);
	}
	return units;
}

/* Decodes one item (the reader is at its object) into the page. */
static void
decode_one(DdbDecoder *d, const char *operation, size_t len, DdbPage *page)
{
	DdbJson    *j = &d->json;

	if (!d->need_any)
	{
		/* count(*) and friends: validate, don't decode */
		if (ddb_json_peek(j) != DDB_JSON_OBJECT)
			ddb_json_fail(j, "item is not an object");
		if (!ddb_json_skip_value(j))
			page_error(d, operation, len);
		page->nitems++;
		return;
	}
	if (page->nitems == d->vcap)
	{
		size_t		natts = Max(d->natts, 1);

		d->vcap = d->vcap ? d->vcap * 2 : 1024;
		if (d->vbuf == NULL)
		{
			d->vbuf = MemoryContextAlloc(d->cxt, sizeof(Datum) * d->vcap * natts);
			d->nbuf = MemoryContextAlloc(d->cxt, sizeof(bool) * d->vcap * natts);
		}
		else
		{
			d->vbuf = repalloc(d->vbuf, sizeof(Datum) * d->vcap * natts);
			d->nbuf = repalloc(d->nbuf, sizeof(bool) * d->vcap * natts);
		}
	}
	page->values = d->vbuf;
	page->nulls = d->nbuf;
	d->loc.item = page->nitems;
	decode_item(d, operation, len,
				page->values + (size_t) page->nitems * d->natts,
				page->nulls + (size_t) page->nitems * d->natts);
	ddb_json_reset_arena(j);
	page->nitems++;
}

/* Decodes an array of items (Items; a table's Responses). */
static void
decode_items(DdbDecoder *d, const char *operation, size_t len, DdbPage *page)
{
	DdbJson    *j = &d->json;
	bool		done;

	if (!ddb_json_enter_array(j))
		page_error(d, operation, len);
	for (;;)
	{
		if (!ddb_json_next_element(j, &done))
			page_error(d, operation, len);
		if (done)
			break;
		decode_one(d, operation, len, page);
	}
}

/* ConsumedCapacity: one object (Scan, Query, GetItem) or, for
 * BatchGetItem, an array with one per table. */
static double
read_capacities(DdbDecoder *d, const char *operation, size_t len)
{
	DdbJson    *j = &d->json;
	double		units = 0;
	bool		done;

	if (ddb_json_peek(j) == DDB_JSON_OBJECT)
		return read_capacity(d, operation, len);
	if (ddb_json_peek(j) != DDB_JSON_ARRAY)
	{
		if (!ddb_json_skip_value(j))
			page_error(d, operation, len);
		return 0;
	}
	if (!ddb_json_enter_array(j))
		page_error(d, operation, len);
	for (;;)
	{
		if (!ddb_json_next_element(j, &done))
			page_error(d, operation, len);
		if (done)
			break;
		if (ddb_json_peek(j) == DDB_JSON_OBJECT)
			units += read_capacity(d, operation, len);
		else if (!ddb_json_skip_value(j))
			page_error(d, operation, len);
	}
	return units;
}

void
ddb_decode_page(DdbDecoder *d, const char *body, size_t len,
				const char *operation, DdbPage *page)
{
	DdbJson    *j = &d->json;
	ErrorContextCallback errcb;
	DdbJsonStr	name;
	bool		done;
	bool		have_count = false;

	memset(page, 0, sizeof(*page));
	page->natts = d->natts;
	ddb_json_set_input(j, body, len);

	errcb.callback = decode_error_callback;
	errcb.arg = d;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	d->loc.item = 0;
	d->loc.col = -1;
	d->loc.attr = NULL;

	if (!ddb_json_enter_object(j))
		page_error(d, operation, len);
	for (;;)
	{
		if (!ddb_json_next_member(j, &name, &done))
			page_error(d, operation, len);
		if (done)
			break;
		if (ddb_json_str_eq(&name, "Items"))
			decode_items(d, operation, len, page);
		else if (ddb_json_str_eq(&name, "Item"))
		{
			/* GetItem: the item, or no member at all when there is none */
			if (ddb_json_peek(j) != DDB_JSON_OBJECT)
				ddb_json_fail(j, "Item is not an object");
			decode_one(d, operation, len, page);
		}
		else if (ddb_json_str_eq(&name, "Responses"))
		{
			/* BatchGetItem: {"<table>": [items]}, one table here */
			if (!ddb_json_enter_object(j))
				page_error(d, operation, len);
			for (;;)
			{
				DdbJsonStr	table;

				if (!ddb_json_next_member(j, &table, &done))
					page_error(d, operation, len);
				if (done)
					break;
				decode_items(d, operation, len, page);
			}
		}
		else if (ddb_json_str_eq(&name, "UnprocessedKeys"))
		{
			DdbJsonStr	raw;

			if (ddb_json_peek(j) != DDB_JSON_OBJECT)
				ddb_json_fail(j, "UnprocessedKeys is not an object");
			if (!ddb_json_capture_value(j, &raw))
				page_error(d, operation, len);
			/* "{}" (with any spacing) means nothing is left */
			if (memchr(raw.ptr, '"', raw.len) != NULL)
				page->unprocessed = pnstrdup(raw.ptr, raw.len);
		}
		else if (ddb_json_str_eq(&name, "Count"))
		{
			page->count = read_count(d, operation, len);
			have_count = true;
		}
		else if (ddb_json_str_eq(&name, "ScannedCount"))
			page->scanned_count = read_count(d, operation, len);
		else if (ddb_json_str_eq(&name, "LastEvaluatedKey"))
		{
			DdbJsonStr	raw;

			if (ddb_json_peek(j) != DDB_JSON_OBJECT)
				ddb_json_fail(j, "LastEvaluatedKey is not an object");
			if (!ddb_json_capture_value(j, &raw))
				page_error(d, operation, len);
			page->last_key = pnstrdup(raw.ptr, raw.len);
		}
		else if (ddb_json_str_eq(&name, "ConsumedCapacity"))
			page->capacity_units = read_capacities(d, operation, len);
		else if (!ddb_json_skip_value(j))
			page_error(d, operation, len);
	}
	if (!ddb_json_finish(j))
		page_error(d, operation, len);
	/* a page whose Count disagrees with its Items lost items on the way */
	if (have_count && page->count != page->nitems)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("malformed DynamoDB %s response", operation),
				 errdetail("The response says Count %lld but holds %d items.",
						   (long long) page->count, page->nitems)));
	if (!have_count)
		page->count = page->nitems;
	/* GetItem and BatchGetItem read just what they return */
	if (page->scanned_count == 0 && !have_count)
		page->scanned_count = page->nitems;
	error_context_stack = errcb.previous;
}
