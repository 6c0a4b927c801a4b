/*-------------------------------------------------------------------------
 *
 * encode.c
 *		PostgreSQL values as DynamoDB attribute values (JSON).
 *
 * The mapping is the reverse of decode.c's, so that what is written reads
 * back equal: numbers become N with every digit (floats in their shortest
 * exact form, written out without an exponent), text S, bytea B (base64),
 * boolean BOOL, jsonb and json M/L with nested types, arrays SS/NS/BS (or L
 * for other element types), anything else S in its text form.  DynamoDB
 * refuses empty sets and sets holding a value twice; those are errors here,
 * with the column and the item named, rather than DynamoDB's bare
 * ValidationException.
 *
 * IDENTIFICATION
 *		src/fdw/write/encode.c
 *
 *-------------------------------------------------------------------------
 */
#include "ddb_fdw.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/base64.h"
#include "common/shortest_dec.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "parser/parse_coerce.h"
#include "utils/array.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "encode.h"
#include "core/timefmt.h"

/*
 * Appends len bytes of UTF-8 as a JSON string, escaped where JSON needs it
 * (quote, backslash, control characters), straight into out: no
 * allocation beyond out's own growth.
 */
void
ddb_append_json_string(StringInfo out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t		start = 0;
	size_t		i;

	enlargeStringInfo(out, (int) len + 2);
	appendStringInfoChar(out, '"');
	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		appendBinaryStringInfo(out, s + start, (int) (i - start));
		start = i + 1;
		switch (c)
		{
			case '"':
				appendBinaryStringInfo(out, "\\\"", 2);
				break;
			case '\\':
				appendBinaryStringInfo(out, "\\\\", 2);
				break;
			case '\n':
				appendBinaryStringInfo(out, "\\n", 2);
				break;
			case '\r':
				appendBinaryStringInfo(out, "\\r", 2);
				break;
			case '\t':
				appendBinaryStringInfo(out, "\\t", 2);
				break;
			default:
				{
					char		u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

					appendBinaryStringInfo(out, u, 6);
				}
				break;
		}
	}
	appendBinaryStringInfo(out, s + start, (int) (len - start));
	appendStringInfoChar(out, '"');
}

const char *
ddb_server_to_utf8(const char *s, int *len)
{
	char	   *utf8 = pg_server_to_any(s, *len, PG_UTF8);

	/* the same pointer when nothing needed converting */
	if (utf8 != s)
		*len = strlen(utf8);
	return utf8;
}

bool
ddb_dynamodb_number(const char *s)
{
	const char *p = s;
	int			intdigits = 0;	/* digits before the point */
	int			first = -1;		/* position of the first significant digit */
	int			last = -1;
	int			pos = 0;		/* digit position, the point not counted */
	bool		point = false;

	if (*p == '-')
		p++;
	if (!isdigit((unsigned char) *p))
		return false;			/* NaN, Infinity */
	for (; *p; p++)
	{
		if (*p == '.')
		{
			point = true;
			continue;
		}
		if (!isdigit((unsigned char) *p))
			return false;
		if (!point)
			intdigits++;
		if (*p != '0')
		{
			if (first < 0)
				first = pos;
			last = pos;
		}
		pos++;
	}
	if (first < 0)
		return true;			/* zero */
	if (last - first + 1 > 38)
		return false;
	/* decimal exponent of the first significant digit */
	{
		int			exp10 = intdigits - 1 - first;

		return exp10 >= -130 && exp10 <= 125;
	}
}

/*
 * A float's shortest exact text ("1.5e-07") written out without the
 * exponent ("0.00000015"), as DynamoDB numbers are.
 */
static char *
plain_decimal(const char *s)
{
	const char *e = strpbrk(s, "eE");
	StringInfoData out;
	StringInfoData digits;
	int			exp10;
	int			point;			/* digits before the point */
	const char *p;
	bool		neg = (*s == '-');

	if (e == NULL)
		return pstrdup(s);
	exp10 = atoi(e + 1);
	initStringInfo(&digits);
	point = -1;
	for (p = neg ? s + 1 : s; p < e; p++)
	{
		if (*p == '.')
			point = digits.len;
		else
			appendStringInfoChar(&digits, *p);
	}
	if (point < 0)
		point = digits.len;
	point += exp10;
	initStringInfo(&out);
	if (neg)
		appendStringInfoChar(&out, '-');
	if (point <= 0)
	{
		int			i;

		appendStringInfoString(&out, "0.");
		for (i = 0; i < -point; i++)
			appendStringInfoChar(&out, '0');
		appendStringInfoString(&out, digits.data);
	}
	else if (point >= digits.len)
	{
		int			i;

		appendStringInfoString(&out, digits.data);
		for (i = digits.len; i < point; i++)
			appendStringInfoChar(&out, '0');
	}
	else
	{
		appendBinaryStringInfo(&out, digits.data, point);
		appendStringInfoChar(&out, '.');
		appendStringInfoString(&out, digits.data + point);
	}
	pfree(digits.data);
	return out.data;
}

static void append_text(StringInfo out, const char *tag, const char *s, int len);
static void append_base64(StringInfo out, const char *data, size_t len);
static void refuse(const DdbEncodeTarget *t, int sqlstate, const char *what,
				   const char *hint) pg_attribute_noreturn();

static void
refuse(const DdbEncodeTarget *t, int sqlstate, const char *what, const char *hint)
{
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("cannot write %s to DynamoDB", what),
			 t->column ?
			 errdetail("Column \"%s\" of foreign table \"%s\"%s%s.", t->column, t->relname,
					   t->key ? ", item " : "", t->key ? t->key : "") :
			 errdetail("Foreign table \"%s\"%s%s.", t->relname,
					   t->key ? ", item " : "", t->key ? t->key : ""),
			 hint ? errhint("%s", hint) : 0));
}

static void
append_number_text(StringInfo out, const char *num, const DdbEncodeTarget *t)
{
	if (!ddb_dynamodb_number(num))
		refuse(t, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
			   psprintf("the number %s", num),
			   "DynamoDB numbers have at most 38 significant digits and a magnitude from 1E-130 to below 1E+126; NaN and infinity do not exist there.");
	appendStringInfoString(out, "{\"N\":\"");
	appendStringInfoString(out, num);
	appendStringInfoString(out, "\"}");
}

char *
ddb_number_text(Datum v, Oid typid)
{
	switch (typid)
	{
		case INT2OID:
			return psprintf("%d", (int) DatumGetInt16(v));
		case INT4OID:
			return psprintf("%d", DatumGetInt32(v));
		case INT8OID:
			return psprintf(INT64_FORMAT, DatumGetInt64(v));
		case NUMERICOID:
			return DatumGetCString(DirectFunctionCall1(numeric_out, v));
		case FLOAT4OID:
		case FLOAT8OID:
			{
				double		d = typid == FLOAT4OID ? (double) DatumGetFloat4(v) :
					DatumGetFloat8(v);
				char		buf[DOUBLE_SHORTEST_DECIMAL_LEN];

				if (isnan(d) || isinf(d))
					return pstrdup(isnan(d) ? "NaN" : "Infinity");

				/*
				 * The shortest text that reads back as the same float,
				 * whatever extra_float_digits says (float8out obeys it).
				 */
				if (typid == FLOAT4OID)
					float_to_shortest_decimal_buf(DatumGetFloat4(v), buf);
				else
					double_to_shortest_decimal_buf(d, buf);
				return plain_decimal(buf);
			}
		default:
			return NULL;
	}
}

void
ddb_append_string_value(StringInfo out, const char *s, int len)
{
	append_text(out, "S", s, len);
}

void
ddb_append_binary_value(StringInfo out, const char *data, size_t len)
{
	appendStringInfoString(out, "{\"B\":");
	append_base64(out, data, len);
	appendStringInfoChar(out, '}');
}

static void
append_text(StringInfo out, const char *tag, const char *s, int len)
{
	const char *utf8 = ddb_server_to_utf8(s, &len);

	appendStringInfo(out, "{\"%s\":", tag);
	ddb_append_json_string(out, utf8, len);
	appendStringInfoChar(out, '}');
}

/* Appends data as a JSON string of its base64, written in place. */
static void
append_base64(StringInfo out, const char *data, size_t len)
{
	int			need = pg_b64_enc_len((int) len);
	int			n;

	enlargeStringInfo(out, need + 2);
	out->data[out->len++] = '"';
	n = pg_b64_encode(data, (int) len, out->data + out->len, need);
	if (n < 0)
		elog(ERROR, "could not encode base64");
	out->len += n;
	out->data[out->len++] = '"';
	out->data[out->len] = '\0';
}

/* ----------------------------------------------------------------
 * jsonb
 * ----------------------------------------------------------------
 */
static void
append_jsonb_scalar(StringInfo out, JsonbValue *v, const DdbEncodeTarget *t)
{
	switch (v->type)
	{
		case jbvNull:
			appendStringInfoString(out, "{\"NULL\":true}");
			break;
		case jbvString:
			append_text(out, "S", v->val.string.val, v->val.string.len);
			break;
		case jbvNumeric:
			append_number_text(out, DatumGetCString(DirectFunctionCall1(numeric_out,
																		NumericGetDatum(v->val.numeric))), t);
			break;
		case jbvBool:
			appendStringInfoString(out, v->val.boolean ? "{\"BOOL\":true}" : "{\"BOOL\":false}");
			break;
		default:
			elog(ERROR, "unexpected jsonb value type %d", (int) v->type);
	}
}

/*
 * Appends the jsonb container the iterator is at (after its BEGIN token was
 * read) as M or L.
 */
static void
append_jsonb_container(StringInfo out, JsonbIterator **it, bool object,
					   const DdbEncodeTarget *t)
{
	JsonbValue	v;
	JsonbIteratorToken tok;
	bool		first = true;

	/* deep JSON recurses here: the stack, not DynamoDB, would give out first */
	check_stack_depth();
	appendStringInfoString(out, object ? "{\"M\":{" : "{\"L\":[");
	while ((tok = JsonbIteratorNext(it, &v, false)) != WJB_DONE)
	{
		if (tok == WJB_END_OBJECT || tok == WJB_END_ARRAY)
			break;
		if (tok == WJB_KEY)
		{
			if (!first)
				appendStringInfoChar(out, ',');
			first = false;
			{
				int			len = v.val.string.len;
				const char *utf8 = ddb_server_to_utf8(v.val.string.val, &len);

				ddb_append_json_string(out, utf8, len);
			}
			appendStringInfoChar(out, ':');
			continue;
		}
		/* an array's elements are separated here, an object's at their key */
		if (!object && (tok == WJB_ELEM || tok == WJB_BEGIN_OBJECT || tok == WJB_BEGIN_ARRAY))
		{
			if (!first)
				appendStringInfoChar(out, ',');
			first = false;
		}
		if (tok == WJB_BEGIN_OBJECT || tok == WJB_BEGIN_ARRAY)
		{
			append_jsonb_container(out, it, tok == WJB_BEGIN_OBJECT, t);
			continue;
		}
		append_jsonb_scalar(out, &v, t);
	}
	appendStringInfoString(out, object ? "}}" : "]}");
}

static void
append_jsonb(StringInfo out, Jsonb *jb, const DdbEncodeTarget *t)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (JB_ROOT_IS_SCALAR(jb))
	{
		if (!JsonbExtractScalar(&jb->root, &v))
			elog(ERROR, "could not read a jsonb scalar");
		append_jsonb_scalar(out, &v, t);
		return;
	}
	it = JsonbIteratorInit(&jb->root);
	tok = JsonbIteratorNext(&it, &v, false);
	append_jsonb_container(out, &it, tok == WJB_BEGIN_OBJECT, t);
}

int
ddb_encode_item_members(StringInfo out, Datum jsonb, List *skip,
						const DdbEncodeTarget *t)
{
	Jsonb	   *jb = DatumGetJsonbP(jsonb);
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			n = 0;

	if (!JB_ROOT_IS_OBJECT(jb))
		refuse(t, ERRCODE_DATA_EXCEPTION, "a whole item that is not a JSON object",
			   "A whole-item column holds the item as an object of attributes.");
	it = JsonbIteratorInit(&jb->root);
	tok = JsonbIteratorNext(&it, &v, false);	/* WJB_BEGIN_OBJECT */
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *name;
		ListCell   *lc;
		bool		skipped = false;

		if (tok != WJB_KEY)
			continue;
		name = pnstrdup(v.val.string.val, v.val.string.len);
		foreach(lc, skip)
			if (strcmp((char *) lfirst(lc), name) == 0)
				skipped = true;
		tok = JsonbIteratorNext(&it, &v, true);	/* its value */
		if (skipped)
			continue;
		if (n++ > 0)
			appendStringInfoChar(out, ',');
		{
			int			len = strlen(name);
			const char *utf8 = ddb_server_to_utf8(name, &len);

			ddb_append_json_string(out, utf8, len);
		}
		appendStringInfoChar(out, ':');
		if (v.type == jbvBinary)
		{
			Jsonb	   *sub = JsonbValueToJsonb(&v);

			append_jsonb(out, sub, t);
		}
		else
			append_jsonb_scalar(out, &v, t);
	}
	return n;
}

/* ----------------------------------------------------------------
 * Values of a known type
 * ----------------------------------------------------------------
 */

/*
 * How values of typid are written, decided once (per column and statement,
 * not per value): the base type of a domain, the kind, the output function
 * of types written as their text, and for arrays the element's.
 */
void
ddb_encode_type_init(DdbEncodeType *et, Oid typid)
{
	Oid			base = getBaseType(typid);

	memset(et, 0, sizeof(*et));
	et->base = base;
	if (type_is_array(base))
	{
		Oid			elemtype = get_element_type(base);
		Oid			elembase = getBaseType(elemtype);

		et->kind = ENC_ARRAY;
		et->elemtype = elemtype;
		get_typlenbyvalalign(elemtype, &et->elmlen, &et->elmbyval, &et->elmalign);
		if (elembase == BYTEAOID)
			et->set = "BS";
		else if (elembase == INT2OID || elembase == INT4OID || elembase == INT8OID ||
				 elembase == NUMERICOID || elembase == FLOAT4OID || elembase == FLOAT8OID)
			et->set = "NS";
		else if (TypeCategory(elembase) == TYPCATEGORY_STRING)
			et->set = "SS";
		et->elem = palloc(sizeof(DdbEncodeType));
		ddb_encode_type_init(et->elem, elemtype);
		return;
	}
	switch (base)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case NUMERICOID:
		case FLOAT4OID:
		case FLOAT8OID:
			et->kind = ENC_NUMBER;
			break;
		case TIMESTAMPTZOID:
		case TIMESTAMPOID:
		case DATEOID:
			et->kind = ENC_TIME;
			break;
		case BOOLOID:
			et->kind = ENC_BOOL;
			break;
		case BYTEAOID:
			et->kind = ENC_BYTEA;
			break;
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
			et->kind = ENC_TEXT;
			break;
		case JSONBOID:
			et->kind = ENC_JSONB;
			break;
		case JSONOID:
			et->kind = ENC_JSON;
			break;
		default:
			{
				Oid			typout;
				bool		varlena;

				et->kind = ENC_OTHER;
				getTypeOutputInfo(base, &typout, &varlena);
				fmgr_info(typout, &et->out);
				break;
			}
	}
}

/* ISO 8601 in UTC of a date, timestamp or timestamptz: S. */
static void
append_time(StringInfo out, Datum v, Oid base, const DdbEncodeTarget *t)
{
	/* ISO 8601, in UTC: the same text whatever DateStyle and TimeZone */
	char		buf[MAXDATELEN + 2];
	struct pg_tm tm;
	fsec_t		fsec = 0;

	if (base == DATEOID)
	{
		DateADT		d = DatumGetDateADT(v);

		if (DATE_NOT_FINITE(d))
			refuse(t, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "an infinite date", NULL);
		j2date(d + POSTGRES_EPOCH_JDATE, &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
		if (tm.tm_year <= 0)
			refuse(t, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "a date before year 1", NULL);
		EncodeDateOnly(&tm, USE_XSD_DATES, buf);
	}
	else
	{
		Timestamp	ts = DatumGetTimestamp(v);

		/* without a time zone to convert to, the fields are UTC's */
		if (TIMESTAMP_NOT_FINITE(ts) ||
			timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
			refuse(t, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "an infinite timestamp", NULL);
		/* ISO 8601 text has no BC: such a value would not read back */
		if (tm.tm_year <= 0)
			refuse(t, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "a timestamp before year 1", NULL);
		EncodeDateTime(&tm, fsec, false, 0, NULL, USE_XSD_DATES, buf);
		if (base == TIMESTAMPTZOID)
			strcat(buf, "Z");
	}
	append_text(out, "S", buf, strlen(buf));
}

/* One member of a set, as its JSON text alone ("x", "1.5", base64). */
static void
append_set_member(StringInfo out, Datum v, const DdbEncodeType *et, const char *set,
				  const DdbEncodeTarget *t)
{
	if (set[0] == 'B')
	{
		bytea	   *b = DatumGetByteaPP(v);

		append_base64(out, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
	}
	else if (set[0] == 'N')
	{
		char	   *num = ddb_number_text(v, et->base);

		if (!ddb_dynamodb_number(num))
			append_number_text(out, num, t);	/* raises the error */
		appendStringInfo(out, "\"%s\"", num);
	}
	else
	{
		char	   *str = et->kind == ENC_OTHER ? OutputFunctionCall((FmgrInfo *) &et->out, v) :
			TextDatumGetCString(v);
		int			len = strlen(str);
		const char *utf8 = ddb_server_to_utf8(str, &len);

		ddb_append_json_string(out, utf8, len);
	}
}

/*
 * An array: SS (text), NS (numbers), BS (bytea) -- not empty, no NULL, no
 * value twice -- or L for other element types.
 */
static void
append_array(StringInfo out, Datum v, const DdbEncodeType *et, const DdbEncodeTarget *t)
{
	ArrayType  *arr = DatumGetArrayTypeP(v);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	const char *set = et->set;
	int		   *starts;

	deconstruct_array(arr, et->elemtype, et->elmlen, et->elmbyval, et->elmalign,
					  &elems, &nulls, &n);
	if (ARR_NDIM(arr) > 1)
		refuse(t, ERRCODE_FEATURE_NOT_SUPPORTED, "a multidimensional array",
			   "DynamoDB sets have one dimension; a jsonb column writes nested lists.");
	if (set && n == 0)
		refuse(t, ERRCODE_DATA_EXCEPTION, "an empty array as a set",
			   "DynamoDB sets cannot be empty: write NULL to remove the attribute.");
	starts = palloc(sizeof(int) * (n + 1));
	appendStringInfo(out, "{\"%s\":[", set ? set : "L");
	for (i = 0; i < n; i++)
	{
		int			k;

		if (nulls[i] && set)
			refuse(t, ERRCODE_NULL_VALUE_NOT_ALLOWED, "a NULL element in a set",
				   "DynamoDB sets hold no NULL.");
		if (i > 0)
			appendStringInfoChar(out, ',');
		starts[i] = out->len;
		if (nulls[i])
		{
			appendStringInfoString(out, "{\"NULL\":true}");
			continue;
		}
		if (set == NULL)
		{
			ddb_encode_typed(out, elems[i], et->elem, t);
			continue;
		}
		append_set_member(out, elems[i], et->elem, set, t);
		/* a value twice: the same text (sets are small; compare in place) */
		for (k = 0; k < i; k++)
		{
			int			klen = starts[k + 1] - 1 - starts[k];

			if (klen == out->len - starts[i] &&
				memcmp(out->data + starts[k], out->data + starts[i], klen) == 0)
				refuse(t, ERRCODE_DATA_EXCEPTION,
					   psprintf("the value %s twice in a set",
								pnstrdup(out->data + starts[i], out->len - starts[i])),
					   "DynamoDB sets hold each value once.");
		}
		starts[i + 1] = out->len + 1;
	}
	appendStringInfoString(out, "]}");
	pfree(starts);
}

/*
 * Appends v, a non-null value of the type et describes, as a DynamoDB
 * attribute value (see encode.h).
 */
void
ddb_encode_typed(StringInfo out, Datum v, const DdbEncodeType *et,
				 const DdbEncodeTarget *t)
{
	switch (et->kind)
	{
		case ENC_ARRAY:
			append_array(out, v, et, t);
			return;
		case ENC_NUMBER:
			append_number_text(out, ddb_number_text(v, et->base), t);
			return;
		case ENC_TIME:
			if (et->format != DDB_FORMAT_DEFAULT)
			{
				/* the column's format: epoch N, or ISO S (timefmt.c) */
				if (!ddb_time_append_value(out, v, et->base, et->format))
					refuse(t, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE,
						   "an infinite time or one outside years 1 to 9999", NULL);
				return;
			}
			append_time(out, v, et->base, t);
			return;
		case ENC_BOOL:
			appendStringInfoString(out, DatumGetBool(v) ? "{\"BOOL\":true}" : "{\"BOOL\":false}");
			return;
		case ENC_BYTEA:
			{
				bytea	   *b = DatumGetByteaPP(v);

				ddb_append_binary_value(out, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
				return;
			}
		case ENC_TEXT:
			{
				text	   *txt = DatumGetTextPP(v);

				ddb_append_string_value(out, VARDATA_ANY(txt), VARSIZE_ANY_EXHDR(txt));
				return;
			}
		case ENC_JSONB:
			append_jsonb(out, DatumGetJsonbP(v), t);
			return;
		case ENC_JSON:
			{
				char	   *s = TextDatumGetCString(v);

				append_jsonb(out, DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
																	 CStringGetDatum(s))), t);
				return;
			}
		case ENC_OTHER:
			{
				char	   *s = OutputFunctionCall((FmgrInfo *) &et->out, v);

				append_text(out, "S", s, strlen(s));
				return;
			}
	}
}

/* The same for a value whose type is known only now (one-off values). */
void
ddb_encode_value(StringInfo out, Datum v, Oid typid, const DdbEncodeTarget *t)
{
	DdbEncodeType et;

	ddb_encode_type_init(&et, typid);
	ddb_encode_typed(out, v, &et, t);
}
