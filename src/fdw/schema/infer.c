/*-------------------------------------------------------------------------
 *
 * infer.c
 *		IMPORT FOREIGN SCHEMA ... OPTIONS (infer 'true'): typed columns for
 *		the attributes a sample of each table's items holds.
 *
 * One column per top-level attribute present in at least min_presence
 * percent of the sample (key attributes have theirs already), typed by
 * the rules of src/aws/infer.c (README "Schema inference"); its comment
 * says what the sample held.  import.c writes the columns into the CREATE
 * FOREIGN TABLE statement.
 *
 * IDENTIFICATION
 *		src/fdw/schema/infer.c
 *
 *-------------------------------------------------------------------------
 */
#include "schema.h"

#include "access/htup_details.h"
#include "commands/defrem.h"
#include "utils/builtins.h"

#include "aws/sample.h"

#define DEFAULT_SAMPLE_SIZE 1000
#define MAX_SAMPLE_SIZE 1000000
#define DEFAULT_MIN_PRESENCE 80.0
/* attributes without a column named in the table's comment at most */
#define MAX_NAMED_BELOW 20
/* columns a table may have besides two keys and the item column */
#define MAX_INFERRED_COLUMNS (MaxHeapAttributeNumber - 3)

static void
invalid_value(DefElem *def, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for option \"%s\": \"%s\"", def->defname,
					defGetString(def)),
			 errhint("%s", hint)));
}

bool
ddb_infer_option(DefElem *def, DdbInferOptions *o)
{
	const char *value;
	char	   *end;

	if (strcmp(def->defname, "infer") == 0)
		o->infer = defGetBoolean(def);
	else if (strcmp(def->defname, "unmapped_only") == 0)
		o->unmapped_only = defGetBoolean(def);
	else if (strcmp(def->defname, "sample_size") == 0)
	{
		long		v;

		value = defGetString(def);
		errno = 0;
		v = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' || v < 1 || v > MAX_SAMPLE_SIZE)
			invalid_value(def, "Use a number of items between 1 and 1000000.");
		o->sample_size = (int) v;
	}
	else if (strcmp(def->defname, "min_presence") == 0)
	{
		value = defGetString(def);
		errno = 0;
		o->min_presence = strtod(value, &end);
		if (errno != 0 || end == value || *end != '\0' ||
			!(o->min_presence >= 0 && o->min_presence <= 100))
			invalid_value(def, "Use a percentage of the sampled items between 0 and 100, such as \"80\" or \"12.5\".");
	}
	else if (strcmp(def->defname, "sample_seed") == 0)
	{
		unsigned long long v;

		value = defGetString(def);
		errno = 0;
		v = strtoull(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' || value[0] == '-')
			invalid_value(def, "Use a non-negative integer.");
		o->seed = (uint64) v;
	}
	else
		return false;
	return true;
}

/* Defaults of the inference options. */
void
ddb_infer_options_init(DdbInferOptions *o)
{
	memset(o, 0, sizeof(*o));
	o->sample_size = DEFAULT_SAMPLE_SIZE;
	o->min_presence = DEFAULT_MIN_PRESENCE;
}

/*
 * Whether a (UTF-8) is the name of one of the table's key attributes, or
 * of its TTL attribute: the import maps those itself.
 */
static bool
is_key(const DdbImportTable *t, const DdbAttrStat *a)
{
	const char *keys[3] = {t->partition_key, t->sort_key, t->ttl_attribute};
	int			k;

	for (k = 0; k < 3; k++)
		if (keys[k] && strlen(keys[k]) == a->name_len &&
			memcmp(keys[k], a->name, a->name_len) == 0)
			return true;
	return false;
}

static int
column_cmp(const ListCell *a, const ListCell *b)
{
	const DdbInferredColumn *x = lfirst(a);
	const DdbInferredColumn *y = lfirst(b);

	return strcmp(x->attribute, y->attribute);
}

static int
stat_cmp(const ListCell *a, const ListCell *b)
{
	const DdbAttrStat *x = lfirst(a);
	const DdbAttrStat *y = lfirst(b);

	return strcmp(x->name, y->name);
}

/* Whether a is present in at least o->min_presence percent of st. */
static bool
present_enough(const DdbAttrStat *a, const DdbAttrStats *st, const DdbInferOptions *o)
{
	return (double) a->items * 100.0 >= o->min_presence * (double) st->items;
}

/* "... sampled items (sample_seed 0, ...); attributes without a column: a (5.0%)" */
static char *
table_comment_text(const DdbImportTable *t, const DdbAttrStats *st,
				   const DdbInferOptions *o, List *below)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfo(&buf, "DynamoDB table \"%s\": columns inferred from %ld sampled items (sample_seed " UINT64_FORMAT ", min_presence %g%%)",
					 t->name, st->items, o->seed, o->min_presence);
	foreach(lc, below)
	{
		const DdbAttrStat *a = lfirst(lc);
		int			n = foreach_current_index(lc);

		if (n == MAX_NAMED_BELOW)
		{
			appendStringInfo(&buf, " and %d more", list_length(below) - n);
			break;
		}
		appendStringInfoString(&buf, n > 0 ? ", " : "; attributes without a column: ");
		appendStringInfo(&buf, "%s (%.1f%%)", ddb_attribute_from_utf8(a->name, a->name_len),
						 100.0 * (double) a->items / (double) st->items);
	}
	return buf.data;
}

List *
ddb_infer_columns(DdbConnection *conn, const DdbImportTable *t,
				  const DdbOptions *opts, const DdbInferOptions *o, char **table_comment)
{
	DdbAttrStats *st = ddb_sample_stats_create();
	DdbSampleSource src;
	DdbSampleCost cost;
	List	   *columns = NIL;
	List	   *chosen = NIL;
	List	   *below = NIL;
	ListCell   *lc;
	int			i;

	memset(&src, 0, sizeof(src));
	src.conn = conn;
	src.table_name = t->name;
	src.page_size = opts->page_size;
	src.max_read_units_per_second = opts->max_read_units_per_second;
	src.item_count = t->item_count;
	src.sample_size = o->sample_size;
	src.seed = o->seed;
	ddb_sample_table(&src, ddb_sample_add_to_stats, st, &cost);

	for (i = 0; i < st->nattrs; i++)
	{
		const DdbAttrStat *a = &st->attrs[i];

		/* U+0000 cannot be in an identifier nor an option: item column only */
		if (is_key(t, a) || a->name_has_nul)
			continue;
		if (present_enough(a, st, o))
			chosen = lappend(chosen, (void *) a);
		else
			below = lappend(below, (void *) a);
	}
	/* more than a table can have: the most frequent ones */
	if (list_length(chosen) > MAX_INFERRED_COLUMNS)
	{
		list_sort(chosen, ddb_attr_stat_presence_cmp);
		below = list_concat(below, list_copy_tail(chosen, MAX_INFERRED_COLUMNS));
		chosen = list_truncate(chosen, MAX_INFERRED_COLUMNS);
	}
	foreach(lc, chosen)
	{
		const DdbAttrStat *a = lfirst(lc);
		DdbInferredColumn *col = palloc(sizeof(DdbInferredColumn));
		DdbBuf		text;

		col->attribute = ddb_attribute_from_utf8(a->name, a->name_len);
		col->typid = ddb_inferred_type_oid(ddb_infer_type(a));
		ddb_buf_init(&text);
		ddb_attr_stat_describe(a, st->items, &text);
		if (!ddb_buf_ok(&text))
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		col->comment = psprintf("DynamoDB attribute %s", text.data);
		ddb_buf_free(&text);
		columns = lappend(columns, col);
	}
	list_sort(columns, column_cmp);
	list_sort(below, stat_cmp);
	*table_comment = table_comment_text(t, st, o, below);
	ereport(NOTICE,
			(errmsg("DynamoDB table \"%s\": %s; columns inferred: %d, attributes without a column: %d",
					t->name, ddb_sample_cost_text(&cost), list_length(columns),
					list_length(below))));
	return columns;
}
