/*-------------------------------------------------------------------------
 *
 * decode.h
 *		Streaming decoder: DynamoDB Scan/Query pages straight into Datums.
 *
 * IDENTIFICATION
 *		src/fdw/read/decode.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_DECODE_H
#define DDB_DECODE_H

#include "ddb_fdw.h"

#include "core/mapping.h"

typedef struct DdbDecoder DdbDecoder;

/* One decoded page: nitems rows of natts values each. */
typedef struct DdbPage
{
	int			nitems;
	int			natts;
	Datum	   *values;			/* nitems * natts; the decoder's buffers,
								 * valid until it decodes the next page */
	bool	   *nulls;
	char	   *last_key;		/* LastEvaluatedKey as raw JSON; NULL at end */
	char	   *unprocessed;	/* BatchGetItem's UnprocessedKeys as raw
								 * JSON; NULL when none */
	int64		count;			/* Count as DynamoDB reported it */
	bool		counted_only;	/* a Count and no Items (Select COUNT) */
	int64		scanned_count;
	double		capacity_units; /* ConsumedCapacity.CapacityUnits, or 0 */
} DdbPage;

/*
 * Builds a decoder for the foreign table of mapping m.  needed[i] tells
 * whether attribute i+1 must be produced (others come out NULL without
 * being decoded).  The key attributes of m name the item in error messages.
 * Everything is allocated in the current memory context (nothing of m is
 * kept); malloc'd parts are released by a reset callback of that context.
 */
extern DdbDecoder *ddb_decoder_create(const DdbTableMapping *m, const bool *needed);

/*
 * Reads the frame of one Scan, Query, GetItem or BatchGetItem response body
 * (frame.c): validates all of it and fills page's last_key, unprocessed,
 * count, scanned_count, capacity_units and nitems (strings allocated in the
 * current memory context), recording where each item is.  A truncated or
 * malformed body returns false with *error, a palloc'd message: nothing of
 * it was used, and asking for the page again may help.  body must stay
 * valid until ddb_decode_page_items is done with it.
 */
extern bool ddb_decode_page_frame(DdbDecoder *d, const char *body, size_t len,
								  const char *operation, DdbPage *page,
								  char **error);

/*
 * Decodes the items of the page whose frame was just read into page's
 * values and nulls (allocated in the current memory context; the arrays
 * belong to the decoder).  Raises an ERROR for a value that does not fit
 * its column.
 */
extern void ddb_decode_page_items(DdbDecoder *d, DdbPage *page);

/*
 * Both steps: decodes one Scan, Query, GetItem or BatchGetItem response body.  The values are allocated in the
 * current memory context; the arrays holding them belong to the decoder.  Raises an ERROR for a malformed
 * body or a value that does not fit its column.
 */
extern void ddb_decode_page(DdbDecoder *d, const char *body, size_t len,
							const char *operation, DdbPage *page);

/*
 * Decodes one item (len bytes of JSON: an object of attribute values, as
 * in a Scan page's Items) into values and nulls (the mapping's natts
 * each), allocated in the current memory context.  Raises an ERROR as
 * ddb_decode_page does.
 */
extern void ddb_decode_item(DdbDecoder *d, const char *item, size_t len,
							Datum *values, bool *nulls);

/* Attribute names the decoder needs (for a ProjectionExpression). */
extern List *ddb_decoder_needed_attributes(DdbDecoder *d, bool *whole_item);

#endif							/* DDB_DECODE_H */
