/*-------------------------------------------------------------------------
 *
 * infer.c
 *		Schema inference: attribute statistics of sampled items and the
 *		type rules (see infer.h).
 *
 * The value classes are deliberately narrower than what PostgreSQL's input
 * functions accept, so that a column typed from them reads every value of
 * the sample: a timestamp is an ISO 8601 date and time with a valid
 * calendar date, a UUID the canonical 36 characters, an integer one whose
 * exact decimal value (exponent applied) lies within int8.
 *
 * IDENTIFICATION
 *		src/aws/infer.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "infer.h"
#include "json.h"

/* ----------------------------------------------------------------
 * Value classes
 * ----------------------------------------------------------------
 */

/* n digits at s as a number; false when one is not a digit. */
static bool
digits(const char *s, int n, int *out)
{
	int			v = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		if (!ddb_isdigit((unsigned char) s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static int
days_in_month(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		return 29;
	return days[month - 1];
}

/* A zone designator: Z, or +hh, +hhmm, +hh:mm (or -). */
static bool
is_zone(const char *p, const char *end)
{
	int			h;
	int			m = 0;
	size_t		n = (size_t) (end - p);

	if (n == 1 && (*p == 'Z' || *p == 'z'))
		return true;
	if (n < 3 || (*p != '+' && *p != '-') || !digits(p + 1, 2, &h))
		return false;
	p += 3;
	n -= 3;
	if (n == 3 && *p == ':')
	{
		p++;
		n--;
	}
	if (n == 2 && !digits(p, 2, &m))
		return false;
	if (n != 0 && n != 2)
		return false;
	/* PostgreSQL takes offsets up to 15:59 */
	return h <= 15 && m <= 59;
}

/*
 * YYYY-MM-DD, 'T' (or a space), hh:mm, optionally :ss and a fraction, then
 * optionally a zone designator.  Year 0001 to 9999, a date the calendar
 * has, hours 00-23, minutes and seconds 00-59.
 */
bool
ddb_infer_is_timestamp(const char *s, size_t len)
{
	const char *end = s + len;
	const char *p = s;
	int			year,
				month,
				day,
				hour,
				minute,
				second;

	if (len < 16 || !digits(p, 4, &year) || p[4] != '-' ||
		!digits(p + 5, 2, &month) || p[7] != '-' || !digits(p + 8, 2, &day) ||
		(p[10] != 'T' && p[10] != 't' && p[10] != ' ') ||
		!digits(p + 11, 2, &hour) || p[13] != ':' || !digits(p + 14, 2, &minute))
		return false;
	if (year < 1 || month < 1 || month > 12 || day < 1 ||
		day > days_in_month(year, month) || hour > 23 || minute > 59)
		return false;
	p += 16;
	if (p < end && *p == ':')
	{
		if (end - p < 3 || !digits(p + 1, 2, &second) || second > 59)
			return false;
		p += 3;
		if (p < end && *p == '.')
		{
			p++;
			if (p >= end || !ddb_isdigit((unsigned char) *p))
				return false;
			while (p < end && ddb_isdigit((unsigned char) *p))
				p++;
		}
	}
	return p == end || is_zone(p, end);
}

bool
ddb_infer_is_uuid(const char *s, size_t len)
{
	size_t		i;

	if (len != 36)
		return false;
	for (i = 0; i < len; i++)
	{
		if (i == 8 || i == 13 || i == 18 || i == 23)
		{
			if (s[i] != '-')
				return false;
		}
		else if (!ddb_isxdigit((unsigned char) s[i]))
			return false;
	}
	return true;
}

/*
 * Whether DynamoDB number text (-?digits[.digits][e[+-]digits]) is an
 * integer from -9223372036854775808 to 9223372036854775807.
 */
bool
ddb_infer_is_int8(const char *s, size_t len)
{
	const char *end = s + len;
	const char *p = s;
	bool		neg = false;
	char		mant[64];		/* significant digits, leading zeros dropped */
	int			nmant = 0;
	long		exp10 = 0;		/* value = mant * 10^exp10 */
	bool		any = false;
	int			width;
	char		full[19];

	if (p < end && *p == '-')
	{
		neg = true;
		p++;
	}
	for (; p < end && ddb_isdigit((unsigned char) *p); p++)
	{
		any = true;
		if (nmant == 0 && *p == '0')
			continue;
		if (nmant >= (int) sizeof(mant))
			return false;		/* DynamoDB keeps 38 digits: never int8 */
		mant[nmant++] = *p;
	}
	if (p < end && *p == '.')
	{
		for (p++; p < end && ddb_isdigit((unsigned char) *p); p++)
		{
			any = true;
			if (nmant == 0 && *p == '0')
			{
				exp10--;
				continue;
			}
			if (nmant >= (int) sizeof(mant))
				return false;
			mant[nmant++] = *p;
			exp10--;
		}
	}
	if (!any)
		return false;
	if (p < end && (*p == 'e' || *p == 'E'))
	{
		long		e = 0;
		bool		eneg = false;

		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p >= end)
			return false;
		for (; p < end && ddb_isdigit((unsigned char) *p); p++)
			if (e < 100000)
				e = e * 10 + (*p - '0');
		exp10 += eneg ? -e : e;
	}
	if (p != end)
		return false;
	if (nmant == 0)
		return true;			/* zero */
	/* trailing zeros of the mantissa move into the exponent */
	while (nmant > 0 && mant[nmant - 1] == '0')
	{
		nmant--;
		exp10++;
	}
	if (exp10 < 0)
		return false;			/* a fraction remains */
	width = nmant + (int) (exp10 > 100 ? 100 : exp10);
	if (width != 19)
		return width < 19;
	/* 19 digits: compare with the limit (one more below zero) */
	memcpy(full, mant, (size_t) nmant);
	memset(full + nmant, '0', (size_t) (19 - nmant));
	return memcmp(full, neg ? "9223372036854775808" : "9223372036854775807", 19) <= 0;
}

/* ----------------------------------------------------------------
 * Statistics
 * ----------------------------------------------------------------
 */

void
ddb_attr_stats_init(DdbAttrStats *st)
{
	memset(st, 0, sizeof(*st));
}

void
ddb_attr_stats_free(DdbAttrStats *st)
{
	int			i;

	for (i = 0; i < st->nattrs; i++)
		free(st->attrs[i].name);
	free(st->attrs);
	free(st->slots);
	free(st->touched);
	memset(st, 0, sizeof(*st));
}

static uint32_t
name_hash(const char *s, size_t len)
{
	uint32_t	h = 2166136261u;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		h ^= (unsigned char) s[i];
		h *= 16777619u;
	}
	return h;
}

/* The slot of name: its attribute's, or the empty one it would take. */
static int *
find_slot(const DdbAttrStats *st, const char *name, size_t len)
{
	uint32_t	i = name_hash(name, len) & (uint32_t) (st->nslots - 1);

	for (;;)
	{
		int		   *slot = &st->slots[i];
		const DdbAttrStat *a;

		if (*slot < 0)
			return slot;
		a = &st->attrs[*slot];
		if (a->name_len == len && memcmp(a->name, name, len) == 0)
			return slot;
		i = (i + 1) & (uint32_t) (st->nslots - 1);
	}
}

/* Every attribute into the (emptied) hash table. */
static void
rehash(DdbAttrStats *st)
{
	int			i;

	for (i = 0; i < st->nslots; i++)
		st->slots[i] = -1;
	for (i = 0; i < st->nattrs; i++)
		*find_slot(st, st->attrs[i].name, st->attrs[i].name_len) = i;
}

/* Doubles the hash table (or makes the first); false when out of memory. */
static bool
grow_slots(DdbAttrStats *st)
{
	int			n = st->nslots ? st->nslots * 2 : 64;
	int		   *slots = malloc(sizeof(int) * (size_t) n);

	if (slots == NULL)
		return false;
	free(st->slots);
	st->slots = slots;
	st->nslots = n;
	rehash(st);
	return true;
}

/* The attribute name, added when new; NULL when out of memory. */
static DdbAttrStat *
attr_for(DdbAttrStats *st, const DdbJsonStr *name)
{
	int		   *slot;
	DdbAttrStat *a;

	/* at most half full */
	if (st->nslots == 0 || (st->nattrs + 1) * 2 > st->nslots)
		if (!grow_slots(st))
			return NULL;
	slot = find_slot(st, name->ptr, name->len);
	if (*slot >= 0)
		return &st->attrs[*slot];
	if (st->nattrs == st->cap)
	{
		int			cap = st->cap ? st->cap * 2 : 32;
		DdbAttrStat *attrs = realloc(st->attrs, sizeof(DdbAttrStat) * (size_t) cap);

		if (attrs == NULL)
			return NULL;
		st->attrs = attrs;
		st->cap = cap;
	}
	a = &st->attrs[st->nattrs];
	memset(a, 0, sizeof(*a));
	a->name = malloc(name->len + 1);
	if (a->name == NULL)
		return NULL;
	memcpy(a->name, name->ptr, name->len);
	a->name[name->len] = '\0';
	a->name_len = name->len;
	a->name_has_nul = name->has_nul;
	a->last_item = -1;
	*slot = st->nattrs++;
	return a;
}

const DdbAttrStat *
ddb_attr_stats_find(const DdbAttrStats *st, const char *name, size_t len)
{
	int		   *slot;

	if (st->nslots == 0)
		return NULL;
	slot = find_slot(st, name, len);
	return *slot >= 0 ? &st->attrs[*slot] : NULL;
}

/* The kind of the NS array the reader is at (consumed). */
static bool
number_set_kind(DdbJson *j, DdbValueKind *kind)
{
	bool		done;
	bool		integral = true;

	if (!ddb_json_enter_array(j))
		return false;
	for (;;)
	{
		DdbJsonStr	s;

		if (!ddb_json_next_element(j, &done))
			return false;
		if (done)
			break;
		if (!ddb_json_read_string(j, &s))
			return false;
		if (integral && !ddb_infer_is_int8(s.ptr, s.len))
			integral = false;
	}
	*kind = integral ? DDB_VK_INTEGER_SET : DDB_VK_NUMBER_SET;
	return true;
}

/*
 * Reads one attribute value ({"<type>": value}) and says what it is.  Only
 * what the kind depends on is read; the rest is skipped (and validated).
 */
static bool
read_value_kind(DdbJson *j, DdbValueKind *kind)
{
	DdbJsonStr	tag;
	DdbJsonStr	s;
	bool		done;
	bool		ok;

	if (!ddb_json_enter_object(j) || !ddb_json_next_member(j, &tag, &done))
		return false;
	if (done)
		return ddb_json_fail(j, "attribute value has no type");
	if (ddb_json_str_eq(&tag, "S"))
	{
		ok = ddb_json_read_string(j, &s);
		*kind = !ok ? DDB_VK_STRING :
			ddb_infer_is_timestamp(s.ptr, s.len) ? DDB_VK_TIMESTAMP :
			ddb_infer_is_uuid(s.ptr, s.len) ? DDB_VK_UUID : DDB_VK_STRING;
	}
	else if (ddb_json_str_eq(&tag, "N"))
	{
		ok = ddb_json_read_string(j, &s);
		*kind = ok && ddb_infer_is_int8(s.ptr, s.len) ? DDB_VK_INTEGER : DDB_VK_NUMBER;
	}
	else if (ddb_json_str_eq(&tag, "B"))
	{
		ok = ddb_json_read_string(j, &s);
		*kind = DDB_VK_BINARY;
	}
	else if (ddb_json_str_eq(&tag, "BOOL") || ddb_json_str_eq(&tag, "NULL"))
	{
		bool		b;

		ok = ddb_json_read_bool(j, &b);
		*kind = tag.ptr[0] == 'B' ? DDB_VK_BOOL : DDB_VK_NULL;
	}
	else if (ddb_json_str_eq(&tag, "NS"))
		ok = number_set_kind(j, kind);
	else
	{
		if (ddb_json_str_eq(&tag, "M"))
			*kind = DDB_VK_MAP;
		else if (ddb_json_str_eq(&tag, "L"))
			*kind = DDB_VK_LIST;
		else if (ddb_json_str_eq(&tag, "SS"))
			*kind = DDB_VK_STRING_SET;
		else if (ddb_json_str_eq(&tag, "BS"))
			*kind = DDB_VK_BINARY_SET;
		else
			return ddb_json_fail(j, "unknown attribute value type");
		if (ddb_json_peek(j) != (*kind == DDB_VK_MAP ? DDB_JSON_OBJECT : DDB_JSON_ARRAY))
			return ddb_json_fail(j, "attribute value of the wrong JSON type");
		ok = ddb_json_skip_value(j);
	}
	if (!ok || !ddb_json_next_member(j, &tag, &done))
		return false;
	if (!done)
		return ddb_json_fail(j, "attribute value has more than one type");
	return true;
}

/* Notes attribute a's kind in the item being added; false when out of memory. */
static bool
touch(DdbAttrStats *st, DdbAttrStat *a, DdbValueKind kind)
{
	if (st->ntouched == st->touched_cap)
	{
		int			cap = st->touched_cap ? st->touched_cap * 2 : 64;
		int		   *touched = realloc(st->touched, sizeof(int) * (size_t) cap);

		if (touched == NULL)
			return false;
		st->touched = touched;
		st->touched_cap = cap;
	}
	st->touched[st->ntouched++] = (int) (a - st->attrs);
	a->last_item = st->items;
	a->pending = kind;
	return true;
}

/*
 * Reads the item's attributes, noting each one's kind (touch); false at
 * the first malformed value or (*oom) allocation failure.
 */
static bool
read_item(DdbAttrStats *st, DdbJson *j, bool *oom)
{
	DdbJsonStr	name;
	bool		done;

	if (!ddb_json_enter_object(j))
		return false;
	for (;;)
	{
		DdbAttrStat *a;
		DdbValueKind kind = DDB_VK_NULL;

		if (!ddb_json_next_member(j, &name, &done))
			return false;
		if (done)
			return ddb_json_finish(j);
		if ((a = attr_for(st, &name)) == NULL)
		{
			*oom = true;
			return false;
		}
		if (!read_value_kind(j, &kind))
			return false;
		/* a name twice in one item counts once */
		if (a->last_item != st->items && !touch(st, a, kind))
		{
			*oom = true;
			return false;
		}
	}
}

bool
ddb_attr_stats_add_item(DdbAttrStats *st, const char *item, size_t len,
						DdbAwsError *err)
{
	DdbJson		j;
	int			first_new = st->nattrs;
	bool		oom = false;
	bool		ok;
	int			i;

	st->ntouched = 0;
	ddb_json_init(&j, item, len);
	ok = read_item(st, &j, &oom);
	for (i = 0; i < st->ntouched; i++)
	{
		DdbAttrStat *a = &st->attrs[st->touched[i]];

		if (ok)
		{
			a->items++;
			a->kinds[a->pending]++;
		}
		else
			a->last_item = -1;
	}
	if (ok)
		st->items++;
	else
	{
		/* the statistics as they were: no attribute of this item */
		for (i = first_new; i < st->nattrs; i++)
			free(st->attrs[i].name);
		st->nattrs = first_new;
		rehash(st);
		if (oom)
			ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
		else
			ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
							  "malformed item at byte %zu: %s", j.error_offset,
							  j.error ? j.error : "unexpected input");
	}
	ddb_json_free(&j);
	return ok;
}

/* ----------------------------------------------------------------
 * Type rules
 * ----------------------------------------------------------------
 */

/* DynamoDB types, each with the kinds it has */
typedef struct DdbTypeFamily
{
	const char *name;
	DdbValueKind first;
	DdbValueKind last;
} DdbTypeFamily;

static const DdbTypeFamily families[] = {
	{"S", DDB_VK_STRING, DDB_VK_UUID},
	{"N", DDB_VK_INTEGER, DDB_VK_NUMBER},
	{"B", DDB_VK_BINARY, DDB_VK_BINARY},
	{"BOOL", DDB_VK_BOOL, DDB_VK_BOOL},
	{"NULL", DDB_VK_NULL, DDB_VK_NULL},
	{"M", DDB_VK_MAP, DDB_VK_MAP},
	{"L", DDB_VK_LIST, DDB_VK_LIST},
	{"SS", DDB_VK_STRING_SET, DDB_VK_STRING_SET},
	{"NS", DDB_VK_INTEGER_SET, DDB_VK_NUMBER_SET},
	{"BS", DDB_VK_BINARY_SET, DDB_VK_BINARY_SET},
};

#define N_FAMILIES ((int) (sizeof(families) / sizeof(families[0])))

static long
family_count(const DdbAttrStat *a, int f)
{
	long		n = 0;
	int			k;

	for (k = families[f].first; k <= (int) families[f].last; k++)
		n += a->kinds[k];
	return n;
}

/* Whether every value of the family is of kind k. */
static bool
all_of(const DdbAttrStat *a, int f, DdbValueKind k)
{
	return a->kinds[k] == family_count(a, f);
}

DdbInferredType
ddb_infer_type(const DdbAttrStat *a)
{
	int			found = -1;
	int			f;

	for (f = 0; f < N_FAMILIES; f++)
	{
		if (families[f].first == DDB_VK_NULL || family_count(a, f) == 0)
			continue;
		if (found >= 0)
			return DDB_TYPE_JSONB;	/* more than one type, NULL aside */
		found = f;
	}
	if (found < 0)
		return DDB_TYPE_TEXT;	/* nothing but NULL: nothing to go by */
	switch (families[found].first)
	{
		case DDB_VK_STRING:
			if (all_of(a, found, DDB_VK_TIMESTAMP))
				return DDB_TYPE_TIMESTAMPTZ;
			if (all_of(a, found, DDB_VK_UUID))
				return DDB_TYPE_UUID;
			return DDB_TYPE_TEXT;
		case DDB_VK_INTEGER:
			return all_of(a, found, DDB_VK_INTEGER) ? DDB_TYPE_INT8 : DDB_TYPE_NUMERIC;
		case DDB_VK_BINARY:
			return DDB_TYPE_BYTEA;
		case DDB_VK_BOOL:
			return DDB_TYPE_BOOL;
		case DDB_VK_STRING_SET:
			return DDB_TYPE_TEXT_ARRAY;
		case DDB_VK_INTEGER_SET:
			return all_of(a, found, DDB_VK_INTEGER_SET) ?
				DDB_TYPE_INT8_ARRAY : DDB_TYPE_NUMERIC_ARRAY;
		case DDB_VK_BINARY_SET:
			return DDB_TYPE_BYTEA_ARRAY;
		default:
			return DDB_TYPE_JSONB;	/* M, L */
	}
}

const char *
ddb_inferred_type_name(DdbInferredType t)
{
	static const char *const names[] = {
		"text", "timestamptz", "uuid", "int8", "numeric", "bool", "bytea",
		"text[]", "int8[]", "numeric[]", "bytea[]", "jsonb"
	};

	return names[t];
}

/* " (timestamptz 800, uuid 3)": how many of a family fit refined types. */
static void
describe_refined(const DdbAttrStat *a, int f, DdbBuf *out)
{
	static const struct
	{
		DdbValueKind kind;
		const char *type;
	}			refined[] = {
		{DDB_VK_TIMESTAMP, "timestamptz"},
		{DDB_VK_UUID, "uuid"},
		{DDB_VK_INTEGER, "int8"},
		{DDB_VK_INTEGER_SET, "int8[]"},
	};
	int			n = 0;
	size_t		i;

	for (i = 0; i < sizeof(refined) / sizeof(refined[0]); i++)
	{
		DdbValueKind k = refined[i].kind;

		if (k < families[f].first || k > families[f].last || a->kinds[k] == 0)
			continue;
		ddb_buf_printf(out, "%s%s %ld", n++ ? ", " : " (", refined[i].type, a->kinds[k]);
	}
	if (n)
		ddb_buf_append_char(out, ')');
}

void
ddb_attr_stat_describe_types(const DdbAttrStat *a, DdbBuf *out)
{
	int			n = 0;
	int			f;

	for (f = 0; f < N_FAMILIES; f++)
	{
		long		count = family_count(a, f);

		if (count == 0)
			continue;
		ddb_buf_printf(out, "%s%s %ld", n++ ? ", " : "", families[f].name, count);
		describe_refined(a, f, out);
	}
}

void
ddb_attr_stat_describe(const DdbAttrStat *a, long sample_items, DdbBuf *out)
{
	double		pct = sample_items > 0 ? 100.0 * (double) a->items / (double) sample_items : 0;

	ddb_buf_printf(out, "present in %ld of %ld sampled items (%.1f%%): ",
				   a->items, sample_items, pct);
	ddb_attr_stat_describe_types(a, out);
}
