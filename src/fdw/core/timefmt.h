/*-------------------------------------------------------------------------
 *
 * timefmt.h
 *		Time columns with a "format" (epoch_seconds, epoch_millis,
 *		iso8601): DynamoDB values into timestamps and back, and the bounds
 *		pushed-down comparisons send.
 *
 * A time is carried as a Timestamp in UTC (microseconds since 2000-01-01):
 * a timestamptz as itself, a timestamp (without time zone) as UTC wall
 * time, a date as its midnight.
 *
 * IDENTIFICATION
 *		src/fdw/core/timefmt.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_TIMEFMT_H
#define DDB_TIMEFMT_H

#include "ddb_fdw.h"

/*
 * The time an N value's text (a DynamoDB number) stands for: seconds, or
 * milliseconds for epoch_millis, since 1970-01-01 UTC, rounded to the
 * microsecond.  ERROR (22008) when out of PostgreSQL's range.
 */
extern Timestamp ddb_time_from_number(const char *num, DdbTimeFormat format);

/* The time an ISO 8601 string stands for (UTC when it names no offset). */
extern Timestamp ddb_time_from_iso(const char *s);

/* The value of a column of typid (and typmod) for time ts. */
extern Datum ddb_time_to_datum(Timestamp ts, Oid typid, int32 typmod);

/*
 * Appends the DynamoDB attribute value ({"N":...} or {"S":...}) of v, a
 * value of typid, in format; false (nothing appended) for infinity or a
 * time before year 1.
 */
extern bool ddb_time_append_value(StringInfo out, Datum v, Oid typid,
								  DdbTimeFormat format);

/*
 * Appends the attribute value a pushed-down comparison sends for v: every
 * attribute value that reads as v or later (upper false), or as v or
 * earlier (upper true), compares >= (<=) it.  Rounding to the column's
 * precision and, for iso8601, fractions of a second are allowed for by
 * widening (PostgreSQL checks again).  false when v cannot be sent.
 */
extern bool ddb_time_append_bound(StringInfo out, Datum v, Oid typid, int32 typmod,
								  DdbTimeFormat format, bool upper);

/* Compares two values of a time type (timestamptz, timestamp, date). */
extern int	ddb_time_compare(Datum a, Datum b, Oid typid);

#endif							/* DDB_TIMEFMT_H */
