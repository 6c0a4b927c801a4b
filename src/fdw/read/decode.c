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
 * The conversion of each value (README "Type mapping") is convert.c's,
 * natural JSON natural.c's.
 *
 * IDENTIFICATION
 *		src/fdw/read/decode.c
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

const char *const ddb_dec_tag_names[] = {
	"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"
};

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
			s->mapped = false;
			return s;
		}
		if (s->len == len && memcmp(s->name, name, len) == 0)
			return s;
		i = (i + 1) & (uint32) (d->nslots - 1);
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
	bool		need_rest = false;
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
		ddb_dec_conv_init(&col->conv, cm->typid, cm->typmod);
		if (cm->format != DDB_FORMAT_DEFAULT)
		{
			col->conv.kind = CONV_TIME_FORMAT;
			col->conv.format = cm->format;
		}
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
			col->unmapped_only = cm->unmapped_only;
			if (col->needed && d->item_col < 0)
				d->item_col = d->ncols;
			if (col->needed && col->unmapped_only)
				need_rest = true;
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
	/* an item column of the rest leaves out what any column reads */
	for (i = 0; i < d->ncols && need_rest; i++)
		if (d->cols[i].attr_name)
			slot_find(d, d->cols[i].attr_name, strlen(d->cols[i].attr_name), true)->mapped = true;
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
 * Items and pages
 * ----------------------------------------------------------------
 */
bool
ddb_dec_parse_tag(DdbJsonStr *name, DdbTag *tag)
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
	if (!ddb_dec_read_wrapper(j, &av->tag))
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
	return ddb_dec_end_wrapper(j);
}

/*
 * The item read by decode_item as jsonb: every attribute, or with
 * unmapped_only those no column reads.  col: the item column, for errors.
 */
static Jsonb *
build_item(DdbDecoder *d, int col, bool unmapped_only)
{
	JsonbParseState *st = NULL;
	JsonbValue *res;
	MemoryContext old = MemoryContextSwitchTo(d->temp_cxt);
	int			i;

	d->loc.col = col;
	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	for (i = 0; i < d->nattrs; i++)
	{
		AttrVal    *av = &d->attrs[i];
		JsonbValue	k;

		if (unmapped_only && av->mapped)
			continue;
		d->loc.attr = av;
		ddb_dec_jsonb_string(d, &k, &av->name);
		pushJsonbValue(&st, WJB_KEY, &k);
		if (TAG_IS_COMPLEX(av->tag))
		{
			ddb_json_set_input(&d->sub, av->value.ptr, av->value.len);
			ddb_dec_push_typed(d, &d->sub, av->tag, &st, WJB_VALUE);
			if (!ddb_json_finish(&d->sub))
				ddb_dec_json_fail(d, &d->sub);
		}
		else
		{
			JsonbValue	v;

			ddb_dec_jsonb_scalar(d, &v, av->tag, &av->value, av->boolval);
			pushJsonbValue(&st, WJB_VALUE, &v);
		}
	}
	d->loc.attr = NULL;
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	MemoryContextSwitchTo(old);
	return JsonbValueToJsonb(res);
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
		av->mapped = slot ? slot->mapped : false;
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
			ddb_dec_convert_column(d, col, av, &values[col->attnum - 1],
						   &nulls[col->attnum - 1]);
		}
	}

	/* step 3: the whole item (every attribute, or those no column reads) */
	if (d->item_col >= 0)
	{
		Jsonb	   *jb[2] = {NULL, NULL};	/* [unmapped_only] */
		Datum		text_datum[2] = {(Datum) 0, (Datum) 0};

		for (i = d->item_col; i < d->ncols; i++)
		{
			DdbColumn  *col = &d->cols[i];
			int			rest = col->unmapped_only ? 1 : 0;

			if (!col->whole_item || !col->needed)
				continue;
			/* every whole_item column of a kind shares one jsonb (and text) */
			if (jb[rest] == NULL)
				jb[rest] = build_item(d, i, col->unmapped_only);
			nulls[col->attnum - 1] = false;
			if (col->conv.kind == CONV_JSONB)
				values[col->attnum - 1] = JsonbPGetDatum(jb[rest]);
			else
			{
				if (text_datum[rest] == (Datum) 0)
					text_datum[rest] = PointerGetDatum(cstring_to_text(JsonbToCString(NULL, &jb[rest]->root,
																					  VARSIZE(jb[rest]))));
				values[col->attnum - 1] = text_datum[rest];
			}
		}
	}
	d->loc.col = -1;
	d->loc.attr = NULL;
	MemoryContextReset(d->temp_cxt);
}

/* Decodes one item (the reader is at its object) into the page. */
void
ddb_dec_decode_one(DdbDecoder *d, const char *operation, size_t len, DdbPage *page)
{
	DdbJson    *j = &d->json;

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

void
ddb_decode_page_items(DdbDecoder *d, DdbPage *page)
{
	ErrorContextCallback errcb;
	int			i;

	page->nitems = 0;
	page->values = NULL;
	page->nulls = NULL;
	if (!d->need_any)
	{
		/* count(*) and friends: the frame counted them, nothing to decode */
		page->nitems = d->nspans;
		return;
	}
	errcb.callback = ddb_dec_error_callback;
	errcb.arg = d;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	d->loc.item = 0;
	d->loc.col = -1;
	d->loc.attr = NULL;
	for (i = 0; i < d->nspans; i++)
	{
		const DdbJsonStr *span = &d->spans[i];

		ddb_json_set_input(&d->json, span->ptr, span->len);
		ddb_dec_decode_one(d, d->operation, span->len, page);
	}
	error_context_stack = errcb.previous;
}

void
ddb_decode_page(DdbDecoder *d, const char *body, size_t len,
				const char *operation, DdbPage *page)
{
	char	   *error;

	if (!ddb_decode_page_frame(d, body, len, operation, page, &error))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("malformed DynamoDB %s response", operation),
				 errdetail_internal("%s", error),
				 errcontext("DynamoDB %s response for foreign table \"%s\"",
							operation, d->relname)));
	ddb_decode_page_items(d, page);
}

void
ddb_decode_item(DdbDecoder *d, const char *item, size_t len, Datum *values,
				bool *nulls)
{
	DdbJson    *j = &d->json;
	ErrorContextCallback errcb;

	ddb_json_set_input(j, item, len);
	errcb.callback = ddb_dec_error_callback;
	errcb.arg = d;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	d->loc.item = 0;
	d->loc.col = -1;
	d->loc.attr = NULL;
	decode_item(d, "Scan", len, values, nulls);
	if (!ddb_json_finish(j))
		page_error(d, "Scan", len);
	ddb_json_reset_arena(j);
	error_context_stack = errcb.previous;
}
