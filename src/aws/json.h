/*-------------------------------------------------------------------------
 *
 * json.h
 *		A strict, allocation-light pull reader for JSON text.
 *
 * DynamoDB answers a Scan with up to 1 MB of JSON.  Building a DOM for it
 * (json-c) costs several times more than the rest of decoding, so pages are
 * read with this pull reader instead: the caller walks objects and arrays,
 * strings and numbers come back as (pointer, length) pairs into the input,
 * and only strings holding escapes are decoded into a scratch arena that
 * the caller resets per item.  The reader validates the full JSON grammar
 * (RFC 8259) of whatever it reads or skips, so a truncated or malformed
 * body is always an error, never a short result.  It never allocates per
 * value and does not recurse beyond max_depth.
 *
 * IDENTIFICATION
 *		src/aws/json.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_JSON_H
#define DDB_JSON_H

#include "aws.h"

typedef enum DdbJsonType
{
	DDB_JSON_INVALID = 0,		/* error or end of input */
	DDB_JSON_OBJECT,
	DDB_JSON_ARRAY,
	DDB_JSON_STRING,
	DDB_JSON_NUMBER,
	DDB_JSON_TRUE,
	DDB_JSON_FALSE,
	DDB_JSON_NULL
} DdbJsonType;

/* A string or number token; for strings, the decoded UTF-8 bytes. */
typedef struct DdbJsonStr
{
	const char *ptr;
	size_t		len;
	bool		has_nul;		/* decoded from a \u0000 escape */
} DdbJsonStr;

/* Chunked arena for decoded escaped strings; reset frees all but one chunk. */
typedef struct DdbArenaChunk DdbArenaChunk;
typedef struct DdbArena
{
	DdbArenaChunk *head;
	size_t		used;			/* bytes used in head */
} DdbArena;

typedef struct DdbJson
{
	const char *start;
	const char *p;
	const char *end;
	int			depth;
	int			max_depth;
	const char *error;			/* static message, NULL while fine */
	size_t		error_offset;	/* byte offset of the error */
	DdbArena	arena;
} DdbJson;

#define DDB_JSON_DEFAULT_MAX_DEPTH 64

extern void ddb_json_init(DdbJson *j, const char *data, size_t len);
/* Points an initialized reader at new input, keeping its arena. */
extern void ddb_json_set_input(DdbJson *j, const char *data, size_t len);
extern void ddb_json_free(DdbJson *j);
/* As ddb_json_free, wiping the decoded strings first (they held secrets). */
extern void ddb_json_free_secret(DdbJson *j);
/* Frees decoded strings handed out so far (keeps one chunk for reuse). */
extern void ddb_json_reset_arena(DdbJson *j);

/* Type of the next value (skipping whitespace), without consuming it. */
extern DdbJsonType ddb_json_peek(DdbJson *j);

/*
 * Objects: call ddb_json_enter_object(), then ddb_json_next_member() until it
 * reports *done (it consumes the closing brace).  Each member's value must
 * then be read or skipped before the next call.  Arrays likewise with
 * ddb_json_enter_array() / ddb_json_next_element().
 */
extern bool ddb_json_enter_object(DdbJson *j);
extern bool ddb_json_next_member(DdbJson *j, DdbJsonStr *name, bool *done);
extern bool ddb_json_enter_array(DdbJson *j);
extern bool ddb_json_next_element(DdbJson *j, bool *done);

extern bool ddb_json_read_string(DdbJson *j, DdbJsonStr *out);
extern bool ddb_json_read_number(DdbJson *j, DdbJsonStr *out);
extern bool ddb_json_read_bool(DdbJson *j, bool *out);
extern bool ddb_json_read_null(DdbJson *j);

/* Skips one complete value of any type, validating it. */
extern bool ddb_json_skip_value(DdbJson *j);

/* Skips one value and returns the exact bytes it spans in the input. */
extern bool ddb_json_capture_value(DdbJson *j, DdbJsonStr *raw);

/* After the top-level value: only whitespace may remain. */
extern bool ddb_json_finish(DdbJson *j);

/* Sets an error unless one is set already; always returns false. */
extern bool ddb_json_fail(DdbJson *j, const char *msg);

static inline bool
ddb_json_str_eq(const DdbJsonStr *s, const char *lit)
{
	size_t		n = 0;

	while (lit[n] != '\0')
	{
		if (n >= s->len || s->ptr[n] != lit[n])
			return false;
		n++;
	}
	return n == s->len;
}

#endif							/* DDB_JSON_H */
