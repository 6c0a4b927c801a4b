--
-- pushdown: key lookups as GetItem, BatchGetItem and Query (on the table
-- and its indexes), filters, projections, LIMIT, joins on the key,
-- estimates and ANALYZE -- and always PostgreSQL's answer
--
\getenv scan_count DDB_SCAN_COUNT
\getenv access_key DDB_TEST_ACCESS_KEY
\getenv secret_key DDB_TEST_SECRET_KEY
SET client_min_messages = warning;

-- what DynamoDB was asked since the last reset: the request bodies, as the
-- gateway logged them (planner DescribeTable calls and pg_cron's left out)
CREATE FUNCTION asked() RETURNS TABLE (seq int, op text, request jsonb)
LANGUAGE sql AS $$
  SELECT (l->>'seq')::int, l->>'op', l->'request'
    FROM ddb_test.sh(format('curl -sS %s/__gw/log.jsonl', ddb_test.getenv('gateway'))) AS line,
         LATERAL (SELECT line::jsonb AS l) j
   WHERE l->>'op' <> 'DescribeTable' AND l->>'table' IS DISTINCT FROM 'cron_items'
   ORDER BY 1
$$;
-- the DynamoDB lines of a query's plan
CREATE FUNCTION dynamodb_plan(q text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
  line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
    IF line ~ 'DynamoDB (Operation|Index|Key|Keys|Filter)' THEN
      RETURN NEXT regexp_replace(btrim(line), '^DynamoDB ', '');
    END IF;
  END LOOP;
END
$$;
-- a query's rows with pushdown and without: the same?
CREATE FUNCTION same_answer(q text, OUT rows bigint, OUT same boolean, OUT plan text)
LANGUAGE plpgsql AS $$
DECLARE
  on_md5 text;
  off_md5 text;
  off_rows bigint;
  sql text := format('SELECT count(*), md5(string_agg(t::text, E''\n'' ORDER BY t::text)) FROM (%s) t', q);
BEGIN
  PERFORM set_config('ddb_fdw.enable_pushdown', 'on', true);
  SELECT string_agg(l, '; ') INTO plan FROM dynamodb_plan(q) AS l;
  EXECUTE sql INTO rows, on_md5;
  PERFORM set_config('ddb_fdw.enable_pushdown', 'off', true);
  EXECUTE sql INTO off_rows, off_md5;
  PERFORM set_config('ddb_fdw.enable_pushdown', 'on', true);
  same := rows = off_rows AND on_md5 IS NOT DISTINCT FROM off_md5;
END
$$;

CREATE SCHEMA pd;
-- 50 customers x 40 orders; GSIs by_status (ALL) and by_email (KEYS_ONLY),
-- LSI by_total (INCLUDE status); "code" holds S, N, NULL or nothing
CREATE FOREIGN TABLE pd.orders (
  customer text NOT NULL, order_no int NOT NULL, status text, email text,
  total numeric, created bigint, flag boolean, "select" text,
  sp int OPTIONS (attribute_name 'with space'), bin bytea, code text, note text
) SERVER ddb OPTIONS (table_name 'pd_orders', partition_key 'customer', sort_key 'order_no');
CREATE FOREIGN TABLE pd.accounts (id numeric NOT NULL, name text, balance numeric)
  SERVER ddb OPTIONS (table_name 'pd_accounts', partition_key 'id');
CREATE FOREIGN TABLE pd.events (device text NOT NULL, ts text NOT NULL, value int, kind text)
  SERVER ddb OPTIONS (table_name 'pd_events', partition_key 'device', sort_key 'ts');
-- 20,000 items, about 3 MB
CREATE FOREIGN TABLE pd.scan_items (pk text NOT NULL, n int)
  SERVER ddb OPTIONS (table_name 'scan_items', partition_key 'pk');

-- ===================================================================
-- GetItem: the whole key
-- ===================================================================
EXPLAIN (VERBOSE, COSTS OFF)
SELECT order_no, status, total FROM pd.orders WHERE customer = 'c-001' AND order_no = 5;
SELECT ddb_test.reset_requests();
SELECT order_no, status, total FROM pd.orders WHERE customer = 'c-001' AND order_no = 5;
SELECT op, request - 'ExpressionAttributeNames' - 'ProjectionExpression' AS request FROM asked();
-- no such item: one GetItem, no row
SELECT ddb_test.reset_requests();
SELECT * FROM pd.orders WHERE customer = 'c-001' AND order_no = 41;
SELECT op, count(*) FROM asked() GROUP BY op;
-- a number key: 5.0 is 5 to DynamoDB; values no item can have ask nothing
SELECT ddb_test.reset_requests();
SELECT id, name FROM pd.accounts WHERE id = 5.0;
SELECT * FROM pd.accounts WHERE id = 1e200;
SELECT * FROM pd.accounts WHERE id = 'NaN';
SELECT * FROM pd.accounts WHERE id = NULL::numeric;
SELECT op, request->'Key' AS key FROM asked();
-- prepared, with parameters: the generic plan reads by key too
PREPARE by_key(text, int) AS SELECT status FROM pd.orders WHERE customer = $1 AND order_no = $2;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE by_key('c-003', 7);
SELECT ddb_test.reset_requests();
EXECUTE by_key('c-003', 7);
EXECUTE by_key('c-004', 8);
EXECUTE by_key(NULL, 8);
SELECT op, request->'Key' AS key FROM asked();
RESET plan_cache_mode;

-- ===================================================================
-- BatchGetItem: keys in a list, 100 per request
-- ===================================================================
EXPLAIN (COSTS OFF)
SELECT customer, order_no FROM pd.orders WHERE customer IN ('c-001', 'c-002') AND order_no IN (1, 2);
SELECT ddb_test.reset_requests();
SELECT customer, order_no FROM pd.orders
 WHERE customer IN ('c-001', 'c-002', 'c-001', NULL) AND order_no IN (1, 2)
 ORDER BY 1, 2;
-- duplicates and NULL left out: four keys
SELECT op, jsonb_array_length(request->'RequestItems'->'pd_orders'->'Keys') AS keys FROM asked();
SELECT ddb_test.reset_requests();
-- (note is not in the by_total index, whose Query of the partition would
-- read fewer items than 150 keys)
SELECT count(note) FROM pd.orders
 WHERE customer = 'c-010' AND order_no = ANY (ARRAY(SELECT generate_series(0, 149)));
SELECT op, jsonb_array_length(request->'RequestItems'->'pd_orders'->'Keys') AS keys FROM asked();
SELECT id FROM pd.accounts WHERE id IN (1, 2.00, 1e200, NULL) ORDER BY 1;
-- keys DynamoDB leaves unprocessed are asked for again
SELECT ddb_test.getenv('gateway') || '/fault/op=BatchGetItem,unprocessed/' AS unprocessed_endpoint \gset
CREATE SERVER pd_unprocessed FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', endpoint :'unprocessed_endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER pd_unprocessed
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FOREIGN TABLE pd.accounts_u (id numeric NOT NULL, name text) SERVER pd_unprocessed
  OPTIONS (table_name 'pd_accounts', partition_key 'id');
SELECT ddb_test.reset_requests();
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT * FROM pd.accounts_u WHERE id IN (1, 2, 3, 4, 5, 6, 7, 8);
SELECT count(*), min(id), max(id) FROM pd.accounts_u WHERE id IN (1, 2, 3, 4, 5, 6, 7, 8);
SELECT op, count(*) FROM asked() GROUP BY op;

-- ===================================================================
-- Query: the partition key, with one sort key condition
-- ===================================================================
EXPLAIN (COSTS OFF) SELECT * FROM pd.orders WHERE customer = 'c-007';
SELECT ddb_test.reset_requests();
SELECT count(*), min(order_no), max(order_no) FROM pd.orders WHERE customer = 'c-007';
SELECT count(*), min(order_no), max(order_no) FROM pd.orders WHERE customer = 'c-007' AND order_no >= 35;
SELECT count(*), min(order_no), max(order_no) FROM pd.orders WHERE customer = 'c-007' AND order_no > 10 AND order_no < 13;
SELECT count(*) FROM pd.orders WHERE customer = 'c-007' AND order_no BETWEEN 13 AND 12;
SELECT op, request->>'KeyConditionExpression' AS key_condition,
       request->'ExpressionAttributeValues' AS "values" FROM asked();
-- a string sort key: LIKE 'prefix%' is begins_with; ranges only under "C"
EXPLAIN (COSTS OFF) SELECT * FROM pd.events WHERE device = 'dev-2' AND ts LIKE '2024-01-02%';
EXPLAIN (COSTS OFF) SELECT * FROM pd.events WHERE device = 'dev-2' AND ts >= '2024-01-02T20';
EXPLAIN (COSTS OFF) SELECT * FROM pd.events WHERE device = 'dev-2' AND ts >= '2024-01-02T20' COLLATE "C";
SELECT ddb_test.reset_requests();
SELECT count(*) FROM pd.events WHERE device = 'dev-2' AND ts LIKE '2024-01-02%';
SELECT count(*) FROM pd.events WHERE device = 'dev-2' AND ts >= '2024-01-02T20' COLLATE "C";
SELECT op, request->>'KeyConditionExpression' AS key_condition,
       (SELECT count(*) FROM jsonb_object_keys(request->'ExpressionAttributeValues')) AS nvalues
  FROM asked();
-- EXPLAIN ANALYZE counts what DynamoDB read
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT * FROM pd.orders WHERE customer = 'c-007' AND note = 'apple';

-- ===================================================================
-- indexes: a Query on the index whose key matches, when it holds every
-- attribute the query needs
-- ===================================================================
EXPLAIN (COSTS OFF) SELECT customer, order_no FROM pd.orders WHERE status = 'paid';
EXPLAIN (COSTS OFF) SELECT customer, order_no FROM pd.orders WHERE email = 'c003@example.com';
-- by_email holds only keys: not for total
EXPLAIN (COSTS OFF) SELECT total FROM pd.orders WHERE email = 'c003@example.com';
EXPLAIN (COSTS OFF)
SELECT order_no, status FROM pd.orders WHERE customer = 'c-011' AND total > 470;
SELECT ddb_test.reset_requests();
SELECT count(*) FROM pd.orders WHERE status = 'paid' AND created >= 1700000000 + 1000 * 3600;
SELECT customer, order_no FROM pd.orders WHERE email = 'c003@example.com' AND order_no < 3 ORDER BY 2;
SELECT order_no, status FROM pd.orders WHERE customer = 'c-011' AND total > 470 ORDER BY 1;
SELECT op, request->>'IndexName' AS index, request->>'KeyConditionExpression' AS key_condition,
       request->>'FilterExpression' AS filter
  FROM asked();
-- a foreign table for an index
CREATE FOREIGN TABLE pd.orders_by_status (status text, created bigint, customer text, order_no int)
  SERVER ddb OPTIONS (table_name 'pd_orders', index_name 'by_status');
EXPLAIN (COSTS OFF) SELECT * FROM pd.orders_by_status WHERE status = 'new';
SELECT ddb_test.reset_requests();
SELECT count(*) FROM pd.orders_by_status WHERE status = 'new';
SELECT count(*) FROM pd.orders_by_status;
SELECT op, request->>'IndexName' AS index FROM asked();

-- ===================================================================
-- consistent_read: sent with every read; never on a global index
-- ===================================================================
ALTER FOREIGN TABLE pd.orders OPTIONS (ADD consistent_read 'true');
EXPLAIN (COSTS OFF) SELECT customer FROM pd.orders WHERE status = 'paid';
SELECT ddb_test.reset_requests();
SELECT count(*) FROM pd.orders WHERE customer = 'c-001' AND order_no = 1;
SELECT count(*) FROM pd.orders WHERE customer = 'c-001';
SELECT count(*) FROM pd.orders WHERE customer = 'c-011' AND total > 470;
SELECT op, request->>'IndexName' AS index, request->'ConsistentRead' AS consistent FROM asked();
ALTER FOREIGN TABLE pd.orders OPTIONS (DROP consistent_read);
ALTER FOREIGN TABLE pd.orders_by_status OPTIONS (ADD consistent_read 'true');
SELECT count(*) FROM pd.orders_by_status;
ALTER FOREIGN TABLE pd.orders_by_status OPTIONS (SET consistent_read 'maybe');

-- ===================================================================
-- filters: what DynamoDB may evaluate, and always PostgreSQL's answer
-- (each query with pushdown on and off)
-- ===================================================================
CREATE COLLATION pd_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
SELECT q, r.* FROM (VALUES
  ($$SELECT customer, order_no FROM pd.orders WHERE code = '05'$$),
  ($$SELECT customer, order_no, code FROM pd.orders WHERE code = '10'$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE code IS NULL$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE code IS NOT NULL$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE code <> '05'$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE code IN ('05', '10', '97')$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE code = '05' OR flag$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE code = '05' OR note ~ 'x'$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE note = 'apple'$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE note < 'b'$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE note COLLATE "C" < 'b'$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE note = 'APPLE' COLLATE pd_ci$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE note LIKE 'B%'$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE note LIKE '_anana'$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE note LIKE 'ze%a'$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE note NOT LIKE 'ze%'$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE total = 45.450$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE total > 400$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE total = 'NaN'$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE total < 'Infinity'$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE created BETWEEN 1700000000 AND 1700036000$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE sp = 3$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE "select" = 'reserved 1'$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE bin = '\x0100'::bytea$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE flag$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE NOT flag$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE status = 'paid' AND total > 100$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE customer = 'c-007' AND order_no > 38.5$$),
  ($$SELECT customer, order_no FROM pd.orders WHERE customer IN ('c-001', 'c-002') AND order_no IN (1, 2, 99)$$),
  ($$SELECT device, ts FROM pd.events WHERE device = 'dev-3' AND ts LIKE '2024-01-01T1%'$$),
  ($$SELECT device, ts FROM pd.events WHERE kind = 'alpha'$$),
  ($$SELECT device, ts FROM pd.events WHERE kind COLLATE "C" > 'Zulu'$$),
  ($$SELECT device, ts FROM pd.events WHERE value = 210$$),
  ($$SELECT id FROM pd.accounts WHERE id = 5.0 OR balance > 1400$$)
) AS v(q), LATERAL same_answer(q) AS r;
-- the filter as sent: values of the column's type compared, every other
-- type let through (the attribute holds S, N and NULL)
SELECT ddb_test.reset_requests();
SELECT count(*) FROM pd.orders WHERE code IN ('05', '10');
SELECT request->>'FilterExpression' AS filter, request->'ExpressionAttributeValues' AS "values"
  FROM asked();
-- pushdown off: a Scan, PostgreSQL filters
SET ddb_fdw.enable_pushdown = off;
EXPLAIN (COSTS OFF) SELECT * FROM pd.orders WHERE customer = 'c-001' AND order_no = 5 AND flag;
RESET ddb_fdw.enable_pushdown;

-- ===================================================================
-- LIMIT: no more than the query needs
-- ===================================================================
SELECT ddb_test.reset_requests();
SELECT count(*) FROM (SELECT * FROM pd.orders WHERE customer = 'c-009' LIMIT 3) s;
SELECT count(*) FROM (SELECT pk FROM pd.scan_items LIMIT 5) s;
SELECT op, request->'Limit' AS "limit", request->'TotalSegments' AS segments FROM asked();

-- ===================================================================
-- joins on the key: the items of each outer row, by key
-- ===================================================================
CREATE TABLE pd_wanted (pk text, label text);
INSERT INTO pd_wanted VALUES ('item-000007', 'a'), ('item-012345', 'b'),
  ('item-019999', 'c'), ('no-such-item', 'd');
ANALYZE pd_wanted;
EXPLAIN (COSTS OFF)
SELECT w.label, s.n FROM pd_wanted w JOIN pd.scan_items s ON s.pk = w.pk;
SELECT ddb_test.reset_requests();
SELECT w.label, s.n FROM pd_wanted w JOIN pd.scan_items s ON s.pk = w.pk ORDER BY 1;
SELECT op, request->'Key' AS key FROM asked();
-- the composite key: a Query per outer row on the partition key, a GetItem
-- per outer row on the whole key (pd_orders is a single 1 MB page, so a
-- hash join reading it whole is cheaper and would be chosen: turned off to
-- show the keyed paths)
CREATE TABLE pd_customers (customer text, n int);
INSERT INTO pd_customers VALUES ('c-001', 3), ('c-002', 4);
ANALYZE pd_customers;
SET enable_hashjoin = off;
SET enable_mergejoin = off;
EXPLAIN (COSTS OFF)
SELECT c.customer, count(*) FROM pd_customers c JOIN pd.orders o ON o.customer = c.customer GROUP BY 1;
EXPLAIN (COSTS OFF)
SELECT c.customer, o.status FROM pd_customers c
  JOIN pd.orders o ON o.customer = c.customer AND o.order_no = c.n;
SELECT ddb_test.reset_requests();
SELECT c.customer, count(*) FROM pd_customers c JOIN pd.orders o ON o.customer = c.customer GROUP BY 1 ORDER BY 1;
SELECT c.customer, o.order_no, o.status FROM pd_customers c
  JOIN pd.orders o ON o.customer = c.customer AND o.order_no = c.n ORDER BY 1;
SELECT op, count(*) FROM asked() GROUP BY op ORDER BY op;
RESET enable_hashjoin;
RESET enable_mergejoin;

-- ===================================================================
-- estimates: DynamoDB's ItemCount until ANALYZE; ANALYZE samples random
-- segments of a fine split instead of reading a large table whole
-- ===================================================================
CREATE FUNCTION plan_rows(q text) RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE
  j json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO j;
  RETURN (j->0->'Plan'->>'Plan Rows')::numeric;
END
$$;
SELECT plan_rows('SELECT * FROM pd.orders') AS orders,
       plan_rows('SELECT * FROM pd.scan_items') AS scan_items,
       plan_rows($$SELECT * FROM pd.orders WHERE customer = 'c-001' AND order_no = 1$$) AS one_key,
       plan_rows($$SELECT * FROM pd.accounts WHERE id IN (1, 2, 3)$$) AS three_keys;
SELECT ddb_test.reset_requests();
SET default_statistics_target = 10;
ANALYZE pd.scan_items;
RESET default_statistics_target;
SELECT op, count(*) AS requests, count(DISTINCT request->'Segment') AS segments,
       min(request->>'TotalSegments') AS of_total
  FROM asked() GROUP BY op;
SELECT reltuples BETWEEN 0.85 * :scan_count AND 1.15 * :scan_count AS reltuples_close
  FROM pg_class WHERE oid = 'pd.scan_items'::regclass;
SELECT n_distinct FROM pg_stats WHERE schemaname = 'pd' AND tablename = 'scan_items' AND attname = 'pk';
-- a small table is read whole
ANALYZE pd.orders;
SELECT reltuples FROM pg_class WHERE oid = 'pd.orders'::regclass;
SELECT attname, n_distinct FROM pg_stats
 WHERE schemaname = 'pd' AND tablename = 'orders' AND attname IN ('customer', 'status', 'flag')
 ORDER BY 1;

DROP TABLE pd_wanted, pd_customers;
DROP SCHEMA pd CASCADE;
DROP SERVER pd_unprocessed CASCADE;
DROP COLLATION pd_ci;
