/*-------------------------------------------------------------------------
 *
 * encode.h
 *		PostgreSQL values as DynamoDB attribute values (JSON), for the
 *		values conditions send (pushdown.c) and the items writes send
 *		(modify.c).
 *
 * IDENTIFICATION
 *		src/fdw/write/encode.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_ENCODE_H
#define DDB_ENCODE_H

#include "ddb_fdw.h"

/* Appends s (len bytes of UTF-8) as a JSON string. */
extern void ddb_append_json_string(StringInfo out, const char *s, size_t len);

/* The UTF-8 form of len bytes of server-encoded text; *len is updated. */
extern const char *ddb_server_to_utf8(const char *s, int *len);

/*
 * Whether numeric text (digits, a sign, a point; no exponent) is a number
 * DynamoDB holds: at most 38 significant digits, magnitude 1E-130 up to
 * below 1E+126.
 */
extern bool ddb_dynamodb_number(const char *s);

/*
 * The DynamoDB number text of v, a value of a number type (int2/4/8,
 * numeric, float4/8: floats in their shortest exact form, no exponent), or
 * NULL when typid is no number type.  Not checked: see ddb_dynamodb_number.
 */
extern char *ddb_number_text(Datum v, Oid typid);

/* {"S": ...} of len bytes of server-encoded text; {"B": base64} of bytes. */
extern void ddb_append_string_value(StringInfo out, const char *s, int len);
extern void ddb_append_binary_value(StringInfo out, const char *data, size_t len);

/* Where a value goes, for error messages. */
typedef struct DdbEncodeTarget
{
	const char *relname;		/* the foreign table */
	const char *column;			/* the column, or NULL */
	const char *key;			/* the item's key as text, or NULL */
} DdbEncodeTarget;

/* How values of a type are written (ddb_encode_type_init, once a column). */
typedef enum DdbEncodeKind
{
	ENC_NUMBER,					/* N, every digit */
	ENC_TIME,					/* date, timestamp, timestamptz: S, ISO 8601 UTC */
	ENC_BOOL,
	ENC_BYTEA,
	ENC_TEXT,					/* text, varchar, char: S */
	ENC_JSONB,
	ENC_JSON,
	ENC_ARRAY,
	ENC_OTHER					/* S, the output function's text */
} DdbEncodeKind;

typedef struct DdbEncodeType
{
	Oid			base;			/* the type, a domain's base type */
	DdbEncodeKind kind;
	FmgrInfo	out;			/* ENC_OTHER */
	/* ENC_ARRAY */
	Oid			elemtype;
	int16		elmlen;
	bool		elmbyval;
	char		elmalign;
	const char *set;			/* "SS", "NS", "BS", or NULL: a list (L) */
	struct DdbEncodeType *elem;
	DdbTimeFormat format;		/* ENC_TIME: the column's option "format" */
} DdbEncodeType;

/* Decides how values of typid are written (allocates in the current context). */
extern void ddb_encode_type_init(DdbEncodeType *et, Oid typid);

/* Appends v, a non-null value of the type et describes (see below). */
extern void ddb_encode_typed(StringInfo out, Datum v, const DdbEncodeType *et,
							 const DdbEncodeTarget *target);

/*
 * Appends v, a non-null value of type typid, as a DynamoDB attribute value:
 * numbers as N (every digit; NaN and infinity refused), text as S, bytea as
 * B, boolean as BOOL, jsonb/json as M/L/S/N/BOOL/NULL, arrays as SS (text),
 * NS (numbers), BS (bytea) or L (others; a set cannot be empty nor hold a
 * value twice, so those are refused), other types as S (their text form).
 */
extern void ddb_encode_value(StringInfo out, Datum v, Oid typid,
							 const DdbEncodeTarget *target);

/*
 * Appends the members of a jsonb object (a whole-item column) as
 * "name":value pairs, comma-separated, skipping names in skip (a List of
 * C strings); returns how many were appended.
 */
extern int	ddb_encode_item_members(StringInfo out, Datum jsonb, List *skip,
									const DdbEncodeTarget *target);

#endif							/* DDB_ENCODE_H */
