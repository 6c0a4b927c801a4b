/*-------------------------------------------------------------------------
 *
 * mapping.c
 *		The table mapping of a foreign table, resolved once and cached
 *		(see mapping.h).
 *
 * Mappings live in memory contexts of their own under CacheMemoryContext,
 * in a hash table by relation OID.  A change of a foreign table (its
 * options: pg_foreign_table; its columns and their options: the relcache)
 * or of any server invalidates them; an invalidated mapping is rebuilt on
 * the next lookup, and the old one is freed at the end of the transaction,
 * because a running scan may still read it.
 *
 * IDENTIFICATION
 *		src/fdw/core/mapping.c
 *
 *-------------------------------------------------------------------------
 */
#include "mapping.h"

#include <stddef.h>

#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

typedef struct MappingEntry
{
	Oid			relid;			/* hash key */
	DdbTableMapping *mapping;	/* NULL until built */
	MemoryContext cxt;			/* the mapping's */
	bool		valid;
} MappingEntry;

static HTAB *MappingHash = NULL;

/* contexts of invalidated mappings, deleted at the end of the transaction */
static List *retired = NIL;

/* The char * members of DdbOptions: copied and serialized with it. */
static const size_t option_strings[] = {
	offsetof(DdbOptions, region),
	offsetof(DdbOptions, endpoint),
	offsetof(DdbOptions, role_arn),
	offsetof(DdbOptions, external_id),
	offsetof(DdbOptions, role_session_name),
	offsetof(DdbOptions, sts_endpoint),
	offsetof(DdbOptions, streams_endpoint),
	offsetof(DdbOptions, table_name),
	offsetof(DdbOptions, partition_key),
	offsetof(DdbOptions, sort_key),
	offsetof(DdbOptions, index_name),
};

#define OPTION_STRING(o, i) ((char **) ((char *) (o) + option_strings[i]))

/* ----------------------------------------------------------------
 * The cache
 * ----------------------------------------------------------------
 */
static void
retire(MappingEntry *e)
{
	if (e->cxt)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		retired = lappend(retired, e->cxt);
		MemoryContextSwitchTo(old);
	}
	e->cxt = NULL;
	e->mapping = NULL;
	e->valid = false;
}

static void
xact_callback(XactEvent event, void *arg)
{
	ListCell   *lc;

	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PARALLEL_ABORT)
		return;
	foreach(lc, retired)
		MemoryContextDelete((MemoryContext) lfirst(lc));
	list_free(retired);
	retired = NIL;
}

static void
invalidate_all(void)
{
	HASH_SEQ_STATUS scan;
	MappingEntry *e;

	hash_seq_init(&scan, MappingHash);
	while ((e = (MappingEntry *) hash_seq_search(&scan)))
		e->valid = false;
}

static void
syscache_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	/* options of a foreign table or a server: few mappings, rebuild all */
	invalidate_all();
}

static void
relcache_callback(Datum arg, Oid relid)
{
	MappingEntry *e;

	if (!OidIsValid(relid))
	{
		invalidate_all();
		return;
	}
	e = hash_search(MappingHash, &relid, HASH_FIND, NULL);
	if (e)
		e->valid = false;
}

static void
init_cache(void)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(MappingEntry);
	MappingHash = hash_create("ddb_fdw table mappings", 16, &ctl,
							  HASH_ELEM | HASH_BLOBS);
	CacheRegisterSyscacheCallback(FOREIGNTABLEREL, syscache_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(FOREIGNSERVEROID, syscache_callback, (Datum) 0);
	CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
	RegisterXactCallback(xact_callback, NULL);
}

/* ----------------------------------------------------------------
 * Building
 * ----------------------------------------------------------------
 */

/*
 * The DynamoDB type a value of this type is sent as ('S', 'N', 'B', 'O'
 * for BOOL), or '\0' for types sent as their text form or not at all.
 */
char
ddb_value_tag(Oid typid)
{
	switch (typid)
	{
		case TEXTOID:
		case VARCHAROID:
			return 'S';
		case NUMERICOID:
		case INT2OID:
		case INT4OID:
		case INT8OID:
			return 'N';
		case BYTEAOID:
			return 'B';
		case BOOLOID:
			return 'O';
		default:
			return '\0';
	}
}

/* The DynamoDB type a column of this type reads as itself, or '\0'. */
static char
native_tag(Oid typid, int32 typmod)
{
	/* numeric(p,s) rounds what it reads: no longer the same number */
	if (typid == NUMERICOID && typmod >= 0)
		return '\0';
	return ddb_value_tag(typid);
}

/*
 * The column's "format": only for timestamptz, timestamp and date columns
 * (an error naming the column otherwise).  Its DynamoDB type follows.
 */
static void
set_format(DdbTableMapping *m, DdbColumnMap *c, DdbTimeFormat format)
{
	c->format = format;
	if (format == DDB_FORMAT_DEFAULT)
		return;
	if (c->typid != TIMESTAMPTZOID && c->typid != TIMESTAMPOID && c->typid != DATEOID)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("column \"%s\" of foreign table \"%s\" has option \"format\" but type %s",
						c->name, m->relname, format_type_be(c->typid)),
				 errhint("Option \"format\" is for timestamptz, timestamp and date columns.")));
	c->native_tag = format == DDB_FORMAT_ISO8601 ? 'S' : 'N';
}

/* The key as far as the options tell. */
static void
keys_from_options(DdbTableMapping *m)
{
	int			k;

	m->nkeys = 0;
	m->key_attr[0] = m->key_attr[1] = NULL;
	if (m->opts.partition_key)
	{
		m->key_attr[m->nkeys++] = m->opts.partition_key;
		if (m->opts.sort_key)
			m->key_attr[m->nkeys++] = m->opts.sort_key;
	}
	for (k = 0; k < 2; k++)
		m->key_attnum[k] = m->key_attr[k] ?
			ddb_mapping_column_of(m, m->key_attr[k]) : 0;
}

/* Builds the mapping of relid in the current memory context. */
static DdbTableMapping *
build(Oid relid)
{
	DdbTableMapping *m = palloc0(sizeof(DdbTableMapping));
	Relation	rel = table_open(relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	ForeignTable *table = GetForeignTable(relid);
	ForeignServer *server = GetForeignServer(table->serverid);
	int			i;

	m->relid = relid;
	m->relname = pstrdup(RelationGetRelationName(rel));
	m->serverid = server->serverid;
	m->servername = pstrdup(server->servername);
	ddb_get_options(relid, &m->opts);
	m->natts = desc->natts;
	m->columns = palloc0(sizeof(DdbColumnMap) * Max(desc->natts, 1));
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		DdbColumnMap *c = &m->columns[i];
		DdbColumnOptions copts;

		c->attnum = att->attnum;
		c->name = pstrdup(NameStr(att->attname));
		c->dropped = att->attisdropped;
		if (c->dropped)
			continue;
		c->typid = att->atttypid;
		c->typmod = att->atttypmod;
		c->collid = att->attcollation;
		ddb_get_column_options(relid, att->attnum, &copts);
		c->whole_item = copts.whole_item;
		c->unmapped_only = copts.unmapped_only;
		if (c->whole_item)
		{
			if (m->item_attnum == 0)
				m->item_attnum = c->attnum;
			continue;
		}
		c->attribute = pstrdup(copts.attribute_name);
		c->native_tag = native_tag(c->typid, c->typmod);
		set_format(m, c, copts.format);
	}
	table_close(rel, AccessShareLock);
	keys_from_options(m);
	return m;
}

DdbTableMapping *
ddb_mapping_get(Oid relid)
{
	MappingEntry *e;
	bool		found;

	if (MappingHash == NULL)
		init_cache();
	e = hash_search(MappingHash, &relid, HASH_ENTER, &found);
	if (!found)
	{
		e->mapping = NULL;
		e->cxt = NULL;
		e->valid = false;
	}
	if (e->mapping && !e->valid)
		retire(e);
	if (e->mapping == NULL)
	{
		MemoryContext cxt = AllocSetContextCreate(CacheMemoryContext,
												  "ddb_fdw table mapping",
												  ALLOCSET_SMALL_SIZES);
		MemoryContext old = MemoryContextSwitchTo(cxt);

		PG_TRY();
		{
			e->mapping = build(relid);
		}
		PG_CATCH();
		{
			MemoryContextSwitchTo(old);
			MemoryContextDelete(cxt);
			e->mapping = NULL;
			PG_RE_THROW();
		}
		PG_END_TRY();
		MemoryContextSwitchTo(old);
		e->cxt = cxt;
		/* an invalidation while building leaves valid false: built again */
		e->valid = true;
	}
	return e->mapping;
}

AttrNumber
ddb_mapping_column_of(const DdbTableMapping *m, const char *name)
{
	int			i;

	for (i = 0; i < m->natts; i++)
		if (m->columns[i].attribute && strcmp(m->columns[i].attribute, name) == 0)
			return m->columns[i].attnum;
	return 0;
}

/* ----------------------------------------------------------------
 * The key
 * ----------------------------------------------------------------
 */
static const char *
or_none(const char *s)
{
	return s ? s : "(none)";
}

void
ddb_mapping_resolve_keys(DdbTableMapping *m, DdbConnection *conn)
{
	const DdbTableDesc *desc;
	const DdbKeySchema *key = NULL;
	MemoryContext old;
	int			k;

	if (m->keys_resolved || conn == NULL)
		return;
	desc = ddb_connection_table_desc(conn, m->opts.table_name);
	if (desc == NULL)
		return;					/* not allowed to describe: the options */
	if (m->opts.index_name == NULL)
		key = &desc->key;
	else
		for (k = 0; k < desc->nindexes; k++)
			if (strcmp(desc->indexes[k].name, m->opts.index_name) == 0)
				key = &desc->indexes[k].key;
	if (key == NULL || key->partition_key == NULL)
		return;

	if (m->opts.partition_key &&
		(strcmp(m->opts.partition_key, key->partition_key) != 0 ||
		 (m->opts.sort_key == NULL) != (key->sort_key == NULL) ||
		 (m->opts.sort_key && strcmp(m->opts.sort_key, key->sort_key) != 0)))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("the key options of foreign table \"%s\" disagree with DynamoDB's key of %s \"%s\"",
						m->relname, m->opts.index_name ? "index" : "table",
						m->opts.index_name ? m->opts.index_name : m->opts.table_name),
				 errdetail("The foreign table says partition_key \"%s\", sort_key \"%s\"; DynamoDB says \"%s\", \"%s\".",
						   m->opts.partition_key, or_none(m->opts.sort_key),
						   key->partition_key, or_none(key->sort_key)),
				 errhint("Correct the options with ALTER FOREIGN TABLE, or drop them: without them the key is taken from DynamoDB.")));

	/* strings into the mapping's own context (the description is a cache) */
	old = MemoryContextSwitchTo(GetMemoryChunkContext(m));
	m->nkeys = 0;
	m->key_attr[m->nkeys] = pstrdup(key->partition_key);
	m->key_type[m->nkeys++] = key->partition_type;
	if (key->sort_key)
	{
		m->key_attr[m->nkeys] = pstrdup(key->sort_key);
		m->key_type[m->nkeys++] = key->sort_type;
	}
	MemoryContextSwitchTo(old);
	for (k = 0; k < 2; k++)
		m->key_attnum[k] = m->key_attr[k] ? ddb_mapping_column_of(m, m->key_attr[k]) : 0;
	m->keys_resolved = true;
}

/*
 * The mapping of relid with its key completed through userid's user
 * mapping, when there is one (without, the options alone: the executor
 * reports the missing mapping).
 */
DdbTableMapping *
ddb_mapping_get_resolved(Oid relid, Oid userid)
{
	DdbTableMapping *m = ddb_mapping_get(relid);

	if (!m->keys_resolved)
	{
		DdbConnection *conn = ddb_connection_if_mapped(m->serverid, userid, &m->opts);

		if (conn)
			ddb_mapping_resolve_keys(m, conn);
	}
	return m;
}

void
ddb_mapping_require_key_columns(const DdbTableMapping *m, const char *why)
{
	int			k;

	if (m->nkeys == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("the DynamoDB key of foreign table \"%s\" is unknown", m->relname),
				 errdetail("It has no option \"partition_key\", and DynamoDB did not describe table \"%s\" to this user mapping's identity.",
						   m->opts.table_name),
				 errhint("%s Set partition_key (and sort_key), or allow dynamodb:DescribeTable.", why)));
	for (k = 0; k < m->nkeys; k++)
		if (m->key_attnum[k] == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
					 errmsg("foreign table \"%s\" has no column for key attribute \"%s\"",
							m->relname, m->key_attr[k]),
					 errhint("%s Add a column for each key attribute.", why)));
}

/* ----------------------------------------------------------------
 * Copies
 * ----------------------------------------------------------------
 */
static char *
dup_or_null(const char *s)
{
	return s ? pstrdup(s) : NULL;
}

DdbTableMapping *
ddb_mapping_copy(const DdbTableMapping *m, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	DdbTableMapping *c = palloc(sizeof(DdbTableMapping));
	int			i;

	*c = *m;
	c->relname = pstrdup(m->relname);
	c->servername = pstrdup(m->servername);
	for (i = 0; i < (int) lengthof(option_strings); i++)
		*OPTION_STRING(&c->opts, i) = dup_or_null(*OPTION_STRING(&m->opts, i));
	c->columns = palloc(sizeof(DdbColumnMap) * Max(m->natts, 1));
	for (i = 0; i < m->natts; i++)
	{
		c->columns[i] = m->columns[i];
		c->columns[i].name = dup_or_null(m->columns[i].name);
		c->columns[i].attribute = dup_or_null(m->columns[i].attribute);
	}
	for (i = 0; i < 2; i++)
		c->key_attr[i] = dup_or_null(m->key_attr[i]);
	MemoryContextSwitchTo(old);
	return c;
}

/*
 * Serialized: the struct, the column array, then every string as a 4-byte
 * length (-1: NULL) and its bytes, in a fixed order.
 */
typedef struct Writer
{
	char	   *dst;			/* NULL: only count */
	Size		len;
	Size		used;
} Writer;

static void
put(Writer *w, const void *p, Size n)
{
	if (w->dst)
	{
		if (w->used + n > w->len)
			elog(ERROR, "ddb_fdw mapping serialization overflow");
		memcpy(w->dst + w->used, p, n);
	}
	w->used += n;
}

static void
put_string(Writer *w, const char *s)
{
	int32		n = s ? (int32) strlen(s) : -1;

	put(w, &n, sizeof(n));
	if (s)
		put(w, s, n);
}

static void
write_mapping(Writer *w, const DdbTableMapping *m)
{
	int			i;

	put(w, m, sizeof(DdbTableMapping));
	put(w, m->columns, sizeof(DdbColumnMap) * m->natts);
	put_string(w, m->relname);
	put_string(w, m->servername);
	for (i = 0; i < (int) lengthof(option_strings); i++)
		put_string(w, *OPTION_STRING(&m->opts, i));
	for (i = 0; i < m->natts; i++)
	{
		put_string(w, m->columns[i].name);
		put_string(w, m->columns[i].attribute);
	}
	put_string(w, m->key_attr[0]);
	put_string(w, m->key_attr[1]);
}

Size
ddb_mapping_serialized_size(const DdbTableMapping *m)
{
	Writer		w = {NULL, 0, 0};

	write_mapping(&w, m);
	return w.used;
}

void
ddb_mapping_serialize(const DdbTableMapping *m, char *dst, Size len)
{
	Writer		w = {dst, len, 0};

	write_mapping(&w, m);
}

typedef struct Reader
{
	const char *src;
	Size		len;
	Size		used;
} Reader;

static void
get(Reader *r, void *p, Size n)
{
	if (r->used + n > r->len)
		elog(ERROR, "ddb_fdw mapping in shared memory is truncated");
	memcpy(p, r->src + r->used, n);
	r->used += n;
}

static char *
get_string(Reader *r)
{
	int32		n;
	char	   *s;

	get(r, &n, sizeof(n));
	if (n < 0)
		return NULL;
	s = palloc(n + 1);
	get(r, s, n);
	s[n] = '\0';
	return s;
}

/* A mapping from ddb_mapping_serialize's bytes, in the current context. */
DdbTableMapping *
ddb_mapping_restore(const char *src, Size len)
{
	Reader		r = {src, len, 0};
	DdbTableMapping *m = palloc(sizeof(DdbTableMapping));
	int			i;

	get(&r, m, sizeof(DdbTableMapping));
	m->columns = palloc(sizeof(DdbColumnMap) * Max(m->natts, 1));
	get(&r, m->columns, sizeof(DdbColumnMap) * m->natts);
	m->relname = get_string(&r);
	m->servername = get_string(&r);
	for (i = 0; i < (int) lengthof(option_strings); i++)
		*OPTION_STRING(&m->opts, i) = get_string(&r);
	for (i = 0; i < m->natts; i++)
	{
		m->columns[i].name = get_string(&r);
		m->columns[i].attribute = get_string(&r);
	}
	m->key_attr[0] = get_string(&r);
	m->key_attr[1] = get_string(&r);
	return m;
}

/*
 * A tuple descriptor with the foreign table's layout: dropped columns are
 * there (always NULL), so tuples formed with it read with the table's.
 */
TupleDesc
ddb_mapping_tupdesc(const DdbTableMapping *m)
{
	TupleDesc	desc = CreateTemplateTupleDesc(m->natts);
	int			i;

	for (i = 0; i < m->natts; i++)
	{
		const DdbColumnMap *c = &m->columns[i];

		if (c->dropped)
		{
			TupleDescInitEntry(desc, c->attnum, c->name, INT4OID, -1, 0);
			TupleDescAttr(desc, i)->attisdropped = true;
		}
		else
			TupleDescInitEntry(desc, c->attnum, c->name, c->typid, c->typmod, 0);
	}
	return desc;
}

void
ddb_check_foreign_table(Oid relid)
{
	ForeignTable *ft;
	ForeignServer *server;
	ForeignDataWrapper *fdw;

	if (get_rel_relkind(relid) != RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a foreign table", get_rel_name(relid))));
	ft = GetForeignTable(relid);
	server = GetForeignServer(ft->serverid);
	fdw = GetForeignDataWrapper(server->fdwid);
	if (!OidIsValid(fdw->fdwhandler) ||
		strcmp(get_func_name(fdw->fdwhandler), "ddb_fdw_handler") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("foreign table \"%s\" does not belong to ddb_fdw",
						get_rel_name(relid))));
	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_FOREIGN_TABLE, get_rel_name(relid));
}
