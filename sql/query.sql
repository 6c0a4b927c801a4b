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
-- a list of partition keys (IN, = ANY): one Query per key, the sort key
-- condition sent with each; merged in sort key order for an ORDER BY
-- ===================================================================
-- 20 keys (one without items) are 20 Queries
EXPLAIN (VERBOSE, COSTS OFF)
SELECT "user", ts FROM q_events
 WHERE "user" IN ('u-00', 'u-01', 'u-02', 'u-03', 'u-04', 'u-05', 'u-06', 'u-07', 'u-08', 'u-09',
                  'u-10', 'u-11', 'u-12', 'u-13', 'u-14', 'u-15', 'u-16', 'u-17', 'u-18', 'u-none')
   AND ts >= 1700000005;
SELECT ddb_test.reset_requests();
SELECT count(*), count(DISTINCT "user") AS users, min(ts), max(ts) FROM q_events
 WHERE "user" IN ('u-00', 'u-01', 'u-02', 'u-03', 'u-04', 'u-05', 'u-06', 'u-07', 'u-08', 'u-09',
                  'u-10', 'u-11', 'u-12', 'u-13', 'u-14', 'u-15', 'u-16', 'u-17', 'u-18', 'u-none')
   AND ts >= 1700000005;
SELECT op, request->>'KeyConditionExpression' AS key_condition, count(*) AS requests,
       count(DISTINCT request->'ExpressionAttributeValues'->':v0') AS keys,
       sum((response->>'count')::int) AS items
  FROM q_asked() GROUP BY 1, 2;
SET ddb_fdw.enable_pushdown = off;
SELECT count(*), count(DISTINCT "user") AS users, min(ts), max(ts) FROM q_events
 WHERE "user" IN ('u-00', 'u-01', 'u-02', 'u-03', 'u-04', 'u-05', 'u-06', 'u-07', 'u-08', 'u-09',
                  'u-10', 'u-11', 'u-12', 'u-13', 'u-14', 'u-15', 'u-16', 'u-17', 'u-18', 'u-none')
   AND ts >= 1700000005;
RESET ddb_fdw.enable_pushdown;
-- merged: the latest 5 of three partitions, a Query each with Limit 5
EXPLAIN (COSTS OFF)
SELECT "user", ts FROM q_events WHERE "user" IN ('u-01', 'u-big', 'u-02') ORDER BY ts DESC LIMIT 5;
SELECT ddb_test.reset_requests();
SELECT "user", ts FROM q_events WHERE "user" IN ('u-01', 'u-big', 'u-02') ORDER BY ts DESC LIMIT 5;
SELECT op, request->'Limit' AS lim, request->'ScanIndexForward' AS forward,
       request->'ExpressionAttributeValues'->':v0' AS key, response->'count' AS items
  FROM q_asked() ORDER BY key;
SET ddb_fdw.enable_pushdown = off;
SELECT "user", ts FROM q_events WHERE "user" IN ('u-01', 'u-big', 'u-02') ORDER BY ts DESC LIMIT 5;
RESET ddb_fdw.enable_pushdown;
-- merged across pages of partitions whose sort keys interleave: the by_kind
-- index's k0, k1 and k2 take turns (u-big's ts, kind by turn), 40 items a
-- page; the same rows as without pushdown, in the same order, both ways
CREATE FUNCTION q_merged(pushdown boolean, dir text DEFAULT 'ASC') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  -- planned at each call (EXECUTE), under the setting of the call
  PERFORM set_config('ddb_fdw.enable_pushdown', pushdown::text, true);
  EXECUTE format($q$
    SELECT count(*) || ' rows, ' || md5(string_agg(kind || ':' || ts, ',' ORDER BY n))
      FROM (SELECT kind, ts, row_number() OVER () AS n
              FROM (SELECT kind, ts FROM q_events
                     WHERE kind IN ('k0', 'k1', 'k2') AND ts BETWEEN 1700000010 AND 1700030000
                     ORDER BY ts %s) o) s $q$, dir) INTO r;
  RETURN r;
END $$;
EXPLAIN (COSTS OFF)
SELECT kind, ts FROM q_events
 WHERE kind IN ('k0', 'k1', 'k2') AND ts BETWEEN 1700000010 AND 1700030000 ORDER BY ts;
ALTER FOREIGN TABLE q_events OPTIONS (ADD page_size '40');
SELECT ddb_test.reset_requests();
CREATE TEMP TABLE q_merged_rows AS SELECT q_merged(true) AS merged;
SELECT op, request->>'IndexName' AS index, request->'Limit' AS lim,
       count(*) AS requests, count(DISTINCT request->'ExpressionAttributeValues'->':v0') AS keys
  FROM q_asked() GROUP BY 1, 2, 3;
ALTER FOREIGN TABLE q_events OPTIONS (DROP page_size);
SELECT left(merged, 8) AS merged, merged = q_merged(false) AS same FROM q_merged_rows;
SELECT q_merged(true, 'DESC') = q_merged(false, 'DESC') AS same_desc,
       q_merged(true, 'DESC') <> q_merged(true) AS differs_from_asc;
-- a key list as a parameter (generic plan); NULLs and duplicates asked once
PREPARE q_in(text[]) AS SELECT count(*) FROM q_events WHERE "user" = ANY ($1) AND ts < 1700000003;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE q_in('{u-01}');
SELECT ddb_test.reset_requests();
EXECUTE q_in('{u-01,u-02,u-01,NULL,""}');
EXECUTE q_in('{}');
EXECUTE q_in(NULL);
SELECT count(*) AS requests, array_agg(request->'ExpressionAttributeValues'->':v0'->>'S'
                                             ORDER BY request->'ExpressionAttributeValues'->':v0'->>'S') AS keys
  FROM q_asked();
RESET plan_cache_mode;
DEALLOCATE q_in;
-- on an index: kind is the partition key of by_kind (sort key ts)
EXPLAIN (COSTS OFF)
SELECT count(*) FROM q_events WHERE kind IN ('k0', 'k2') AND ts BETWEEN 1700100000 AND 1700100600;
SELECT ddb_test.reset_requests();
SELECT kind, count(*) FROM q_events WHERE kind IN ('k0', 'k2') AND ts BETWEEN 1700100000 AND 1700100600
 GROUP BY 1 ORDER BY 1;
SELECT op, request->>'IndexName' AS index, request->>'KeyConditionExpression' AS key_condition,
       request->'ExpressionAttributeValues'->':v0' AS key FROM q_asked() ORDER BY key;
SET ddb_fdw.enable_pushdown = off;
SELECT kind, count(*) FROM q_events WHERE kind IN ('k0', 'k2') AND ts BETWEEN 1700100000 AND 1700100600
 GROUP BY 1 ORDER BY 1;
RESET ddb_fdw.enable_pushdown;

-- a LIMIT in list order asks for no Query that may go unread: u-01's 10
-- rows cannot make 15, so u-02 is asked for the 5 still wanted; 5 rows
-- are u-01's alone
SELECT ddb_test.reset_requests();
SELECT count(*) FROM (SELECT "user", ts FROM q_events
                       WHERE "user" IN ('u-01', 'u-02', 'u-03', 'u-04', 'u-05') LIMIT 15) s;
SELECT request->'ExpressionAttributeValues'->':v0' AS key, request->'Limit' AS lim,
       response->'count' AS items FROM q_asked() ORDER BY key;
SELECT ddb_test.reset_requests();
SELECT count(*) FROM (SELECT "user", ts FROM q_events
                       WHERE "user" IN ('u-01', 'u-02', 'u-03', 'u-04', 'u-05') LIMIT 5) s;
SELECT request->'ExpressionAttributeValues'->':v0' AS key, request->'Limit' AS lim FROM q_asked();

-- the Queries of a list are in flight together, concurrent_queries (4) at
-- a time: 8 keys whose Queries are each answered 300 ms late take two
-- rounds (>= 600 ms), far less than 8 x 300 ms one after another
\getenv access_key DDB_TEST_ACCESS_KEY
\getenv secret_key DDB_TEST_SECRET_KEY
SELECT ddb_test.getenv('gateway') || '/fault/delay=300,op=Query/' AS slow_endpoint \gset
CREATE SERVER q_slow FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', endpoint :'slow_endpoint');
CREATE USER MAPPING FOR PUBLIC SERVER q_slow
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FOREIGN TABLE q_slow_events ("user" text, ts bigint) SERVER q_slow
  OPTIONS (table_name 'q_events');
-- the rows (in output order, and as a set), and the time taken
CREATE FUNCTION q_timed(tbl text, sorted boolean, OUT in_order text, OUT as_set text,
                        OUT ts_ascending boolean, OUT ms int)
LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
  EXECUTE format($q$
    SELECT md5(string_agg("user" || ':' || ts, ',' ORDER BY n)),
           count(*) || ' rows, ' || md5(string_agg("user" || ':' || ts, ',' ORDER BY "user", ts)),
           bool_and(ts >= prev) FILTER (WHERE prev IS NOT NULL)
      FROM (SELECT "user", ts, n, lag(ts) OVER (ORDER BY n) AS prev
              FROM (SELECT "user", ts, row_number() OVER () AS n
                      FROM (SELECT "user", ts FROM %I
                             WHERE "user" IN ('u-07', 'u-00', 'u-05', 'u-02', 'u-06', 'u-01', 'u-04', 'u-03')
                             %s) o) r) s $q$,
    tbl, CASE WHEN sorted THEN 'ORDER BY ts' ELSE '' END) INTO in_order, as_set, ts_ascending;
  ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
END $$;
-- the reference: in list order, each key's rows by ts
CREATE TEMP TABLE q_list_rows AS
SELECT md5(string_agg("user" || ':' || ts, ',' ORDER BY array_position(
         '{u-07,u-00,u-05,u-02,u-06,u-01,u-04,u-03}'::text[], "user"), ts)) AS in_order,
       count(*) || ' rows, ' || md5(string_agg("user" || ':' || ts, ',' ORDER BY "user", ts)) AS as_set
  FROM q_events WHERE "user" LIKE 'u-0_' AND "user" NOT IN ('u-08', 'u-09');
EXPLAIN (VERBOSE, COSTS OFF)
SELECT "user", ts FROM q_slow_events WHERE "user" IN ('u-07', 'u-00', 'u-05', 'u-02');
SELECT ddb_test.reset_requests();
CREATE TEMP TABLE q_list_run AS SELECT * FROM q_timed('q_slow_events', false);
SELECT r.in_order = l.in_order AS list_order, r.as_set = l.as_set AS same_rows, l.as_set,
       r.ms >= 600 AS two_rounds_at_least, r.ms < 1200 AS in_flight_together
  FROM q_list_run r, q_list_rows l;
-- the gateway saw them overlap, never more than 4 at once (counted 100 ms
-- into each request: its log's times are the server's, not the client's)
CREATE FUNCTION q_in_flight() RETURNS TABLE (queries bigint, max_in_flight bigint)
LANGUAGE sql AS $$
  WITH q AS (SELECT (l->>'time')::timestamptz AS t0,
                    (l->>'time')::timestamptz + (l->>'elapsed_ms')::float8 * interval '1 ms' AS t1
               FROM ddb_test.sh(format('curl -sS %s/__gw/log.jsonl', ddb_test.getenv('gateway'))) AS line,
                    LATERAL (SELECT line::jsonb AS l) j
              WHERE l->>'op' = 'Query')
  SELECT (SELECT count(*) FROM q),
         (SELECT max((SELECT count(*) FROM q b
                       WHERE b.t0 <= a.t0 + interval '100 ms' AND b.t1 > a.t0 + interval '100 ms'))
            FROM q a)
$$;
SELECT queries, max_in_flight BETWEEN 2 AND 4 AS overlapping_and_bounded FROM q_in_flight();
-- merged by sort key: the first pages together too
SELECT ddb_test.reset_requests();
CREATE TEMP TABLE q_merge_run AS SELECT * FROM q_timed('q_slow_events', true);
SELECT r.as_set = l.as_set AS same_rows, r.ts_ascending,
       r.ms >= 600 AS two_rounds_at_least, r.ms < 1200 AS in_flight_together
  FROM q_merge_run r, q_list_rows l;
SELECT queries, max_in_flight BETWEEN 2 AND 4 AS overlapping_and_bounded FROM q_in_flight();
-- concurrent_queries '1': one at a time again (the option of the table)
ALTER FOREIGN TABLE q_slow_events OPTIONS (ADD concurrent_queries '1');
SELECT ddb_test.reset_requests();
SELECT count(*) FROM q_slow_events WHERE "user" IN ('u-00', 'u-01');
SELECT queries, max_in_flight FROM q_in_flight();
ALTER FOREIGN TABLE q_slow_events OPTIONS (DROP concurrent_queries);
-- a statement timeout while Queries are under way stops at once, and the
-- session's clients serve the next query
SELECT clock_timestamp() AS t0 \gset
SET statement_timeout = '400ms';
SELECT count(*) FROM q_slow_events
 WHERE "user" IN ('u-07', 'u-00', 'u-05', 'u-02', 'u-06', 'u-01', 'u-04', 'u-03');
RESET statement_timeout;
SELECT clock_timestamp() - :'t0'::timestamptz < interval '1.2 s' AS stopped_at_once;
SELECT r.in_order = l.in_order AS list_order, r.as_set = l.as_set AS same_rows
  FROM q_timed('q_slow_events', false) r, q_list_rows l;
DROP SERVER q_slow CASCADE;

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
-- point-in-time recovery: DynamoDB Local has no DescribeContinuousBackups;
-- the gateway answers it for the tables it was told about (on for
-- q_events, off for q_count), DynamoDB Local refuses it for others (NULL)
SELECT ddb_test.gateway('continuous-backups', '{"table": "q_events", "point_in_time_recovery": true}')
         #>> '{ContinuousBackupsDescription,PointInTimeRecoveryDescription,PointInTimeRecoveryStatus}' AS q_events,
       ddb_test.gateway('continuous-backups', '{"table": "q_count", "point_in_time_recovery": false}')
         #>> '{ContinuousBackupsDescription,PointInTimeRecoveryDescription,PointInTimeRecoveryStatus}' AS q_count;
SELECT ddb_test.reset_requests();
SELECT table_name, status, item_count, billing_mode, read_capacity_units, stream_view_type,
       ttl_attribute, point_in_time_recovery, indexes
  FROM ddb_fdw.tables('ddb') WHERE table_name IN ('q_events', 'q_count', 'pd_orders') ORDER BY 1;
-- one DescribeTable, DescribeTimeToLive and DescribeContinuousBackups per table
SELECT op, count(DISTINCT tbl) = (SELECT count(DISTINCT tbl) FROM ddb_test.requests(true)
                                   WHERE op = 'DescribeTable') AS every_table,
       count(*) = count(DISTINCT tbl) AS once_each,
       string_agg(DISTINCT status::text, ',') AS statuses
  FROM ddb_test.requests(true) WHERE op <> 'ListTables' GROUP BY 1 ORDER BY 1;
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

-- the suite's DynamoDB tables go (sync_server, in sync, reads every table)
DROP FOREIGN TABLE q_events, q_count, q_times, q_write, q_bad;
SELECT ddb_test.dynamodb('DeleteTable', format('{"TableName": "%s"}', t)::jsonb)
         #>> '{TableDescription,TableName}' AS deleted
  FROM unnest(ARRAY['q_events', 'q_count']) t;
