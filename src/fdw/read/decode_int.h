/*-------------------------------------------------------------------------
 *
 * decode_int.h
 *		What the decoder's files share: decode.c (the decoder and the page
 *		walk), convert.c (one DynamoDB value into one column's type) and
 *		natural.c (DynamoDB values as natural JSON).  Not for other callers:
 *		they use decode.h.
 *
 * IDENTIFICATION
 *		src/fdw/read/decode_int.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_DECODE_INT_H
#define DDB_DECODE_INT_H

#include "decode.h"

#include "utils/jsonb.h"

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

/* the names of DdbTag values, as DynamoDB writes them */
extern const char *const ddb_dec_tag_names[];

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
	CONV_TIME_FORMAT,			/* a time column with option "format" */
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
	DdbTimeFormat format;		/* CONV_TIME_FORMAT */
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
	bool		unmapped_only;	/* whole item: only what no column reads */
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
	bool		mapped;			/* a column reads it (needed or not); set
								 * only for an unmapped_only item column */
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
	bool		mapped;			/* its slot's */
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

	/* the page whose frame was read (frame.c), for ddb_decode_page_items */
	const char *body;
	size_t		body_len;
	const char *operation;
	DdbJsonStr *spans;			/* each item's JSON, into body */
	int			nspans;
	int			span_cap;
};

extern bool ddb_dec_parse_tag(DdbJsonStr *name, DdbTag *tag);
extern void ddb_dec_conv_init(DdbConv *c, Oid typid, int32 typmod);
extern char * ddb_dec_server_cstring(DdbDecoder *d, const DdbJsonStr *s);
extern Datum ddb_dec_number_to_numeric(DdbDecoder *d, DdbJsonStr *s, int32 typmod);
extern bool ddb_dec_parse_plain_int64(const char *s, size_t len, int64 *out);
/* the error context of a page being decoded (convert.c) */
extern void ddb_dec_error_callback(void *arg);

/* one value into a column (convert.c) */
extern void ddb_dec_convert_column(DdbDecoder *d, DdbColumn *col, const AttrVal *av_in, Datum *value, bool *isnull);
extern void ddb_dec_json_fail(DdbDecoder *d, DdbJson *j);
extern void ddb_dec_jsonb_string(DdbDecoder *d, JsonbValue *v, DdbJsonStr *s);
extern void ddb_dec_jsonb_scalar(DdbDecoder *d, JsonbValue *v, DdbTag tag, DdbJsonStr *s, bool boolval);
extern bool ddb_dec_read_wrapper(DdbJson *j, DdbTag *tag);
extern bool ddb_dec_end_wrapper(DdbJson *j);
extern void ddb_dec_push_typed(DdbDecoder *d, DdbJson *j, DdbTag tag, JsonbParseState **st, JsonbIteratorToken tok);
/* the item decoder (decode.c), on the reader d->json placed at an item */
extern void ddb_dec_decode_one(DdbDecoder *d, const char *operation, size_t len,
							   DdbPage *page);
extern char * ddb_dec_attr_to_json_text(DdbDecoder *d, const AttrVal *av);
extern Datum ddb_dec_attr_to_jsonb(DdbDecoder *d, const AttrVal *av);

#endif							/* DDB_DECODE_INT_H */
