--
-- query: sorted Query paths with LIMIT, count(*) by Select COUNT, time
-- columns with a format, the read-unit guard, ddb_fdw.tables, and IMPORT of
-- a TTL attribute.  Every case shows the requests the gateway received and
-- compares the answer with ddb_fdw.enable_pushdown = off.
--
SET client_min_messages = warning;
SELECT line FROM ddb_test.sh(format('/usr/bin/python3 %s/query_fixture.py --endpoint %s',
       ddb_test.getenv('tools'), ddb_test.getenv('local'))) AS line;

-- the requests since the last reset (planner DescribeTable calls left out)
CREATE FUNCTION q_asked() RETURNS TABLE (seq int, op text, request jsonb, response jsonb)
LANGUAGE sql AS $$
  SELECT (l->>'seq')::int, l->>'op', l->'request', l->'response'
    FROM ddb_test.sh(format('curl -sS %s/__gw/log.jsonl', ddb_test.getenv('gateway'))) AS line,
         LATERAL (SELECT line::jsonb AS l) j
   WHERE l->>'op' <> 'DescribeTable' AND l->>'table' IS DISTINCT FROM 'cron_items'
   ORDER BY 1
$$;

CREATE FOREIGN TABLE q_events (
  "user" text, ts bigint, kind text, expires bigint
) SERVER ddb OPTIONS (table_name 'q_events');
CREATE FOREIGN TABLE q_count (id numeric, grp text, opt numeric)
  SERVER ddb OPTIONS (table_name 'q_count');

-- ===================================================================
-- sorted Query paths: the latest 10 of a 5,000-item partition
-- ===================================================================
EXPLAIN (VERBOSE, COSTS OFF)
SELECT ts, kind FROM q_events WHERE "user" = 'u-big' ORDER BY ts DESC LIMIT 10;
SELECT ddb_test.reset_requests();
SELECT ts, kind FROM q_events WHERE "user" = 'u-big' ORDER BY ts DESC LIMIT 10;
SELECT op, request->'Limit' AS lim, request->'ScanIndexForward' AS forward,
       request->>'KeyConditionExpression' AS key_condition, response->'count' AS items
  FROM q_asked();
-- the same answer without pushdown
SET ddb_fdw.enable_pushdown = off;
SELECT ts, kind FROM q_events WHERE "user" = 'u-big' ORDER BY ts DESC LIMIT 10;
RESET ddb_fdw.enable_pushdown;
-- ascending, with a sort key range; ORDER BY without LIMIT needs no Sort either
EXPLAIN (COSTS OFF)
SELECT ts FROM q_events WHERE "user" = 'u-big' AND ts >= 1700290000 ORDER BY ts LIMIT 3;
SELECT ts FROM q_events WHERE "user" = 'u-big' AND ts >= 1700290000 ORDER BY ts LIMIT 3;
EXPLAIN (COSTS OFF) SELECT ts FROM q_events WHERE "user" = 'u-03' ORDER BY ts DESC;
SELECT ddb_test.reset_requests();
SELECT string_agg(ts::text, ',') FROM (SELECT ts FROM q_events WHERE "user" = 'u-03' ORDER BY ts DESC) s;
SELECT op, request->'Limit' AS lim, request->'ScanIndexForward' AS forward FROM q_asked();
-- a LIMIT under an ORDER BY the path does not give is no request Limit
SELECT ddb_test.reset_requests();
SELECT ts FROM q_events WHERE "user" = 'u-03' ORDER BY kind, ts LIMIT 2;
SELECT op, request->'Limit' AS lim FROM q_asked();

-- ===================================================================
-- count(*) counted by DynamoDB: nothing but counts crosses the wire
-- ===================================================================
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM q_count;
SELECT ddb_test.reset_requests();
SELECT count(*) FROM q_count;
SELECT count(*) AS requests, bool_and(request->>'Select' = 'COUNT') AS all_count,
       coalesce(bool_or((response->>'has_items')::boolean), false) AS any_items,
       sum((response->>'count')::int) AS counted
  FROM q_asked();
-- in segment workers
ALTER FOREIGN TABLE q_count OPTIONS (ADD segments '4');
SELECT ddb_test.reset_requests();
SELECT count(*) FROM q_count;
SELECT count(DISTINCT request->'Segment') AS segments, bool_and(request->>'Select' = 'COUNT') AS all_count,
       coalesce(bool_or((response->>'has_items')::boolean), false) AS any_items
  FROM q_asked();
ALTER FOREIGN TABLE q_count OPTIONS (DROP segments);
-- count(column): the attribute exists and is not NULL; a key filter is exact
SELECT ddb_test.reset_requests();
SELECT count(opt) FROM q_count;
SELECT count(*) FROM q_count WHERE id < 1000;
SELECT DISTINCT request->>'Select' AS sel, request->>'FilterExpression' AS filter FROM q_asked() ORDER BY 2;
-- a Query
SELECT ddb_test.reset_requests();
SELECT count(*) FROM q_events WHERE "user" = 'u-big' AND ts >= 1700150000;
SELECT op, request->>'Select' AS sel, request->>'KeyConditionExpression' AS key_condition,
       (response->>'has_items')::boolean AS items FROM q_asked();
-- not exact, so not pushed: a filter on a non-key attribute, a widened range
EXPLAIN (COSTS OFF) SELECT count(*) FROM q_count WHERE grp = 'g1';
EXPLAIN (COSTS OFF) SELECT count(*) FROM q_events WHERE "user" = 'u-big' AND ts > 1 AND ts < 1700150000;
-- the same answers without pushdown
SELECT count(*), count(opt), count(*) FILTER (WHERE id < 1000), count(*) FILTER (WHERE grp = 'g1')
  FROM q_count;
SET ddb_fdw.enable_pushdown = off;
SELECT count(*) FROM q_count;
SELECT count(opt) FROM q_count;
SELECT count(*) FROM q_events WHERE "user" = 'u-big' AND ts >= 1700150000;
RESET ddb_fdw.enable_pushdown;

-- ===================================================================
-- time columns with a format
-- ===================================================================
CREATE FOREIGN TABLE q_times (
  "user" text, at timestamptz OPTIONS (attribute_name 'ts', format 'epoch_seconds'),
  kind text, expires timestamptz OPTIONS (format 'epoch_seconds')
) SERVER ddb OPTIONS (table_name 'q_events');
SET TimeZone = 'UTC';
SELECT "user", at, expires FROM q_times WHERE "user" = 'u-03' ORDER BY at LIMIT 2;
-- >= and BETWEEN on the time sort key are key conditions
SELECT ddb_test.reset_requests();
SELECT count(*) FROM (SELECT 1 FROM q_times WHERE "user" = 'u-big' AND at >= '2023-11-18 00:00Z') s;
SELECT count(*) FROM (SELECT 1 FROM q_times WHERE "user" = 'u-big'
                        AND at BETWEEN '2023-11-15 00:00Z' AND '2023-11-15 01:00Z') s;
SELECT at FROM q_times WHERE "user" = 'u-big' AND at = '2023-11-15 00:00:20Z';
SELECT request->>'KeyConditionExpression' AS key_condition,
       request->'ExpressionAttributeValues' AS vals FROM q_asked();
SET ddb_fdw.enable_pushdown = off;
SELECT count(*) FROM (SELECT 1 FROM q_times WHERE "user" = 'u-big' AND at >= '2023-11-18 00:00Z') s;
SELECT count(*) FROM (SELECT 1 FROM q_times WHERE "user" = 'u-big'
                        AND at BETWEEN '2023-11-15 00:00Z' AND '2023-11-15 01:00Z') s;
SELECT at FROM q_times WHERE "user" = 'u-big' AND at = '2023-11-15 00:00:20Z';
RESET ddb_fdw.enable_pushdown;
-- writes: epoch_millis (N) and iso8601 (S), read back and as DynamoDB holds them
CREATE FOREIGN TABLE q_write (
  "user" text, ts bigint,
  ms timestamptz OPTIONS (format 'epoch_millis'),
  iso timestamptz OPTIONS (format 'iso8601'),
  day date OPTIONS (format 'epoch_seconds')
) SERVER ddb OPTIONS (table_name 'q_events');
INSERT INTO q_write VALUES ('u-w', 1, '2024-01-02 03:04:05.678901Z', '2024-01-02 03:04:05.5Z', '2024-01-02'),
                           ('u-w', 2, '1969-12-31 23:59:59.5Z', '2024-01-02 03:04:06Z', '1969-12-31');
SELECT ts, ms, iso, day FROM q_write WHERE "user" = 'u-w' ORDER BY ts;
SELECT (ddb_test.dynamodb('GetItem', '{"TableName": "q_events", "Key": {"user": {"S": "u-w"}, "ts": {"N": "1"}}}')->'Item') - 'user'::text - 'ts'::text;
SELECT (ddb_test.dynamodb('GetItem', '{"TableName": "q_events", "Key": {"user": {"S": "u-w"}, "ts": {"N": "2"}}}')->'Item') - 'user'::text - 'ts'::text;
-- comparisons on them are sent as bounds that hold every value reading as the time
SELECT ddb_test.reset_requests();
SELECT ts FROM q_write WHERE "user" = 'u-w' AND iso = '2024-01-02 03:04:05.5Z';
SELECT ts FROM q_write WHERE "user" = 'u-w' AND ms <= '1969-12-31 23:59:59.5Z';
SELECT ts FROM q_write WHERE "user" = 'u-w' AND day = '2024-01-02';
SELECT request->>'FilterExpression' AS filter, (request->'ExpressionAttributeValues') - ':v0'::text - ':tN'::text - ':tS'::text AS bounds
  FROM q_asked();
DELETE FROM q_write WHERE "user" = 'u-w' AND ts IN (1, 2);
-- only time columns take a format
CREATE FOREIGN TABLE q_bad (n int OPTIONS (format 'epoch_seconds')) SERVER ddb OPTIONS (table_name 'q_events');
SELECT * FROM q_bad;
ALTER FOREIGN TABLE q_write ALTER COLUMN ms OPTIONS (SET format 'epoch_nanos');
RESET TimeZone;

-- ===================================================================
-- the read-unit guard and EXPLAIN's estimate
-- ===================================================================
CREATE FUNCTION q_units(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN ' || q LOOP
    IF line ~ 'Read Units' THEN RETURN NEXT btrim(line); END IF;
  END LOOP;
END $$;
SELECT q_units('SELECT * FROM q_count');
SELECT q_units('SELECT * FROM q_count LIMIT 10');
SET ddb_fdw.max_scan_read_units = 10;
SELECT ddb_test.reset_requests();
SELECT count(*) FROM q_count WHERE grp = 'g1';
SELECT count(*) AS requests FROM q_asked();
-- keyed reads and LIMITs are not refused
SELECT count(*) FROM q_events WHERE "user" = 'u-03';
SELECT count(*) FROM (SELECT * FROM q_count LIMIT 5) s;
RESET ddb_fdw.max_scan_read_units;
ALTER FOREIGN TABLE q_count OPTIONS (ADD max_scan_read_units '10');
SELECT count(*) FROM q_count WHERE grp = 'g1';
ALTER FOREIGN TABLE q_count OPTIONS (SET max_scan_read_units '1000');
SELECT count(*) FROM q_count WHERE grp = 'g1';
ALTER SERVER ddb OPTIONS (ADD max_scan_read_units '10');
ALTER FOREIGN TABLE q_count OPTIONS (SET max_scan_read_units '0');
SELECT count(*) FROM q_count WHERE grp = 'g1';
SELECT count(*) FROM (SELECT kind FROM q_events) s;
ALTER SERVER ddb OPTIONS (DROP max_scan_read_units);
ALTER FOREIGN TABLE q_count OPTIONS (SET max_scan_read_units 'lots');

-- ===================================================================
-- ddb_fdw.tables and IMPORT of a TTL attribute
-- ===================================================================
SELECT table_name, status, item_count, billing_mode, read_capacity_units, stream_view_type,
       ttl_attribute, point_in_time_recovery, indexes
  FROM ddb_fdw.tables('ddb') WHERE table_name IN ('q_events', 'q_count', 'pd_orders') ORDER BY 1;
SELECT count(*) > 5 AS several FROM ddb_fdw.tables('ddb');
CREATE ROLE q_nobody;
SET ROLE q_nobody;
SELECT count(*) FROM ddb_fdw.tables('ddb');
RESET ROLE;
DROP ROLE q_nobody;
CREATE SCHEMA q_import;
IMPORT FOREIGN SCHEMA dynamodb LIMIT TO (q_events) FROM SERVER ddb INTO q_import;
SELECT attname, format_type(atttypid, atttypmod), attfdwoptions
  FROM pg_attribute WHERE attrelid = 'q_import.q_events'::regclass AND attnum > 0 ORDER BY attnum;
SET TimeZone = 'UTC';
SELECT ts, expires FROM q_import.q_events WHERE "user" = 'u-big' ORDER BY ts DESC LIMIT 1;
RESET TimeZone;
DROP SCHEMA q_import CASCADE;
