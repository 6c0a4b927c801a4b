/*-------------------------------------------------------------------------
 *
 * jsonc.h
 *		json-c helpers for the small control responses (dynamodb.c,
 *		streams.c): strict parsing and typed member lookup.
 *
 * IDENTIFICATION
 *		src/aws/jsonc.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_JSONC_H
#define DDB_JSONC_H

#include <json-c/json.h>

#include "aws.h"

/* Parses exactly len bytes of JSON; NULL when invalid or followed by junk. */
extern struct json_object *ddb_jsonc_parse(const char *body, size_t len);

/* Members of obj of one type; NULL (or dflt) when absent or of another. */
extern const char *ddb_jsonc_string(struct json_object *obj, const char *key);
extern struct json_object *ddb_jsonc_typed(struct json_object *obj, const char *key,
										   enum json_type type);
extern long long ddb_jsonc_int64(struct json_object *obj, const char *key,
								 long long dflt);

#endif							/* DDB_JSONC_H */
