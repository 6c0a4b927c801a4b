/*-------------------------------------------------------------------------
 *
 * timefmt.c
 *		Time columns with a "format" (see timefmt.h).
 *
 * epoch_seconds and epoch_millis are N attributes, exact to the
 * microsecond both ways (1700000000.5, 1700000000123.456); iso8601 is an S
 * attribute written as ddb_fdw writes every time, "2024-01-02T03:04:05.5Z"
 * (UTC; a timestamp without time zone without the "Z", a date as
 * "2024-01-02"), and read in any ISO 8601 form, offsets included.
 *
 * IDENTIFICATION
 *		src/fdw/core/timefmt.c
 *
 *-------------------------------------------------------------------------
 */
#include "timefmt.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "datatype/timestamp.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

/* 1970-01-01 in PostgreSQL's microseconds since 2000-01-01 */
#define UNIX_EPOCH_USECS ((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY)

static void
out_of_range(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("timestamp out of range")));
}

Timestamp
ddb_time_from_number(const char *num, DdbTimeFormat format)
{
	Datum		n = DirectFunctionCall3(numeric_in, CStringGetDatum(num),
										ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	int64		per_unit = format == DDB_FORMAT_EPOCH_MILLIS ? 1000 : USECS_PER_SEC;
	bool		have_error = false;
	Numeric		usecs;
	int64		v;

	usecs = numeric_mul_opt_error(DatumGetNumeric(n), int64_to_numeric(per_unit),
								  &have_error);
	if (have_error)
		out_of_range();
	usecs = DatumGetNumeric(DirectFunctionCall2(numeric_round, NumericGetDatum(usecs),
												Int32GetDatum(0)));
	/* far beyond PostgreSQL's range (year 294276) before int8 overflows */
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp,
										  DirectFunctionCall1(numeric_abs, NumericGetDatum(usecs)),
										  NumericGetDatum(int64_to_numeric(PG_INT64_MAX / 4)))) > 0)
		out_of_range();
	v = DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(usecs)));
	/* v counts from 1970; PostgreSQL's timestamps from 2000 */
	if (pg_sub_s64_overflow(v, UNIX_EPOCH_USECS, &v) ||
		!IS_VALID_TIMESTAMP(v))
		out_of_range();
	return v;
}

Timestamp
ddb_time_from_iso(const char *s)
{
	size_t		len = strlen(s);

	/* after the date: Z or an offset means a timestamptz */
	if (len > 10 && strpbrk(s + 10, "Zz+-") != NULL)
		return DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(s),
													   ObjectIdGetDatum(InvalidOid),
													   Int32GetDatum(-1)));
	return DatumGetTimestamp(DirectFunctionCall3(timestamp_in, CStringGetDatum(s),
												 ObjectIdGetDatum(InvalidOid),
												 Int32GetDatum(-1)));
}

Datum
ddb_time_to_datum(Timestamp ts, Oid typid, int32 typmod)
{
	if (typid == DATEOID)
		return DirectFunctionCall1(timestamp_date, TimestampGetDatum(ts));
	if (typmod >= 0)
		return DirectFunctionCall2(typid == TIMESTAMPTZOID ? timestamptz_scale : timestamp_scale,
								   TimestampGetDatum(ts), Int32GetDatum(typmod));
	return TimestampGetDatum(ts);
}

/* The UTC time of a column value; false when it is not finite. */
static bool
time_of(Datum v, Oid typid, Timestamp *ts)
{
	if (typid == DATEOID)
	{
		DateADT		d = DatumGetDateADT(v);

		if (DATE_NOT_FINITE(d) || d >= TIMESTAMP_END_JULIAN - POSTGRES_EPOCH_JDATE)
			return false;
		*ts = (Timestamp) d * USECS_PER_DAY;
		return true;
	}
	*ts = DatumGetTimestamp(v);
	return !TIMESTAMP_NOT_FINITE(*ts);
}

/* Microseconds us as a decimal number of units of per_unit, exactly. */
static void
append_decimal(StringInfo out, int64 us, int64 per_unit, int digits)
{
	uint64		abs_us = us < 0 ? -(uint64) us : (uint64) us;
	uint64		frac = abs_us % (uint64) per_unit;
	char		buf[16];
	int			n;

	appendStringInfo(out, "%s" UINT64_FORMAT, us < 0 ? "-" : "",
					 abs_us / (uint64) per_unit);
	if (frac == 0)
		return;
	snprintf(buf, sizeof(buf), "%0*llu", digits, (unsigned long long) frac);
	for (n = digits; n > 0 && buf[n - 1] == '0'; n--)
		buf[n - 1] = '\0';
	appendStringInfo(out, ".%s", buf);
}

/* ISO 8601 of ts, cut after the seconds when seconds_only; false before year 1. */
static bool
append_iso(StringInfo out, Timestamp ts, Oid typid, bool seconds_only)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0 || tm.tm_year <= 0 ||
		tm.tm_year > 9999)
		return false;
	appendStringInfo(out, "%04d-%02d-%02d", tm.tm_year, tm.tm_mon, tm.tm_mday);
	if (typid == DATEOID)
		return true;
	appendStringInfo(out, "T%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (seconds_only)
		return true;
	if (fsec != 0)
	{
		char		buf[8];
		int			n;

		snprintf(buf, sizeof(buf), "%06d", (int) fsec);
		for (n = 6; n > 0 && buf[n - 1] == '0'; n--)
			buf[n - 1] = '\0';
		appendStringInfo(out, ".%s", buf);
	}
	if (typid == TIMESTAMPTZOID)
		appendStringInfoChar(out, 'Z');
	return true;
}

/* {"N": ...} or {"S": ...} of time ts (iso: seconds_only cuts the fraction). */
static bool
append_time(StringInfo out, Timestamp ts, Oid typid, DdbTimeFormat format,
			bool seconds_only)
{
	StringInfoData s;

	initStringInfo(&s);
	if (format == DDB_FORMAT_ISO8601)
	{
		if (!append_iso(&s, ts, typid, seconds_only))
			return false;
		appendStringInfo(out, "{\"S\":\"%s\"}", s.data);
	}
	else
	{
		int64		since_1970;

		if (pg_add_s64_overflow(ts, UNIX_EPOCH_USECS, &since_1970))
			return false;
		if (format == DDB_FORMAT_EPOCH_MILLIS)
			append_decimal(&s, since_1970, 1000, 3);
		else
			append_decimal(&s, since_1970, USECS_PER_SEC, 6);
		appendStringInfo(out, "{\"N\":\"%s\"}", s.data);
	}
	pfree(s.data);
	return true;
}

bool
ddb_time_append_value(StringInfo out, Datum v, Oid typid, DdbTimeFormat format)
{
	Timestamp	ts;

	return time_of(v, typid, &ts) && append_time(out, ts, typid, format, false);
}

bool
ddb_time_append_bound(StringInfo out, Datum v, Oid typid, int32 typmod,
					  DdbTimeFormat format, bool upper)
{
	Timestamp	ts;
	int64		unit;

	if (!time_of(v, typid, &ts))
		return false;
	if (typid == DATEOID)
	{
		/* a date is every time of its day */
		if (upper && pg_add_s64_overflow(ts, USECS_PER_DAY, &ts))
			return false;
		return append_time(out, ts, typid, format, false);
	}

	/*
	 * A value reads as ts when it rounds to it at the column's precision:
	 * one unit either side holds every such value.
	 */
	unit = 1;
	if (typmod >= 0 && typmod < MAX_TIMESTAMP_PRECISION)
	{
		int			p;

		for (p = typmod; p < MAX_TIMESTAMP_PRECISION; p++)
			unit *= 10;
	}
	if (upper ? pg_add_s64_overflow(ts, unit, &ts) : pg_sub_s64_overflow(ts, unit, &ts))
		return false;
	if (format != DDB_FORMAT_ISO8601)
		return append_time(out, ts, typid, format, false);

	/*
	 * Strings order as times only to the second ("…:05.5Z" sorts before
	 * "…:05Z"): compare with the second's prefix, and the next one's.
	 */
	ts -= ((ts % USECS_PER_SEC) + USECS_PER_SEC) % USECS_PER_SEC;
	if (upper && pg_add_s64_overflow(ts, USECS_PER_SEC, &ts))
		return false;
	return append_time(out, ts, typid, format, true);
}

int
ddb_time_compare(Datum a, Datum b, Oid typid)
{
	if (typid == DATEOID)
		return DatumGetInt32(DirectFunctionCall2(date_cmp, a, b));
	return DatumGetInt32(DirectFunctionCall2(timestamp_cmp, a, b));
}
