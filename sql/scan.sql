--
-- scan: a 20,000-item table over many pages, equal to what the loader wrote
--
-- The loader (test/fixtures.py, boto3) computed these checksums from the
-- items it wrote; the extension must reproduce them through the gateway.
\getenv scan_count DDB_SCAN_COUNT
\getenv scan_sum DDB_SCAN_SUM
\getenv scan_amount_sum DDB_SCAN_AMOUNT_SUM
\getenv scan_md5 DDB_SCAN_MD5
\getenv scan_names_md5 DDB_SCAN_NAMES_MD5

CREATE FOREIGN TABLE scan_items (
  pk      text NOT NULL,
  n       int,
  amount  numeric,
  label   text,
  payload text,
  flag    boolean,
  tags    text[],
  attrs   jsonb,
  item    jsonb OPTIONS (whole_item 'true')
) SERVER ddb OPTIONS (table_name 'scan_items', partition_key 'pk');

-- ===================================================================
-- count and checksums
-- ===================================================================
SELECT ddb_test.reset_requests();
SELECT count(*) = :scan_count AS count_ok FROM scan_items;
SELECT count(*) = :scan_count AS count_ok,
       sum(n) = :scan_sum AS sum_ok,
       sum(amount * 100) = :scan_amount_sum AS amount_ok,
       md5(string_agg(pk || ':' || n || ':' || amount || ':' || label, ','
                      ORDER BY pk COLLATE "C")) = :'scan_md5' AS md5_ok,
       md5(string_agg(attrs->>'name', ',' ORDER BY attrs->>'name' COLLATE "C"))
         = :'scan_names_md5' AS names_ok
  FROM scan_items;
-- the whole-item column carries the same values
SELECT count(*) = :scan_count AS count_ok,
       sum((item->>'n')::int) = :scan_sum AS sum_ok,
       md5(string_agg(item->>'pk' || ':' || (item->>'n') || ':' || (item->>'amount') || ':' || (item->>'label'), ','
                      ORDER BY item->>'pk' COLLATE "C")) = :'scan_md5' AS md5_ok,
       count(DISTINCT pk) = :scan_count AS no_duplicates
  FROM scan_items;
-- each query above paged through the table with ExclusiveStartKey
SELECT count(*) > 3 AS many_pages, count(*) FILTER (WHERE NOT start_key) = 3 AS three_scans,
       bool_and(status = 200) AS all_ok
  FROM ddb_test.requests() WHERE op = 'Scan';

-- ===================================================================
-- page size
-- ===================================================================
-- auto: starts at 1000 items, then sizes pages from what came back
SELECT ddb_test.reset_requests();
SELECT count(*) = :scan_count AS count_ok FROM scan_items;
SELECT (array_agg(lim ORDER BY seq))[1] AS first_limit,
       max(lim::int) > 1000 AS grew, count(*) < 20 AS fewer_than_20_requests
  FROM ddb_test.requests() WHERE op = 'Scan';
-- a fixed page size: 20,000 items in pages of 700 take 29 requests
ALTER FOREIGN TABLE scan_items OPTIONS (ADD page_size '700');
SELECT ddb_test.reset_requests();
SELECT count(*) = :scan_count AS count_ok, sum(n) = :scan_sum AS sum_ok FROM scan_items;
SELECT count(*) AS requests, min(lim) AS min_limit, max(lim) AS max_limit,
       count(*) FILTER (WHERE start_key) AS continued
  FROM ddb_test.requests() WHERE op = 'Scan';
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT n, amount FROM scan_items;
ALTER FOREIGN TABLE scan_items OPTIONS (DROP page_size);

-- ===================================================================
-- partial reads: LIMIT, cursors, rescans, whole-row references
-- ===================================================================
SELECT ddb_test.reset_requests();
SELECT count(*) FROM (SELECT * FROM scan_items LIMIT 10) s;
-- LIMIT stops after the first page
SELECT count(*) AS requests FROM ddb_test.requests() WHERE op = 'Scan';

-- a cursor reads part of the table, then all of it, then past its end
BEGIN;
DECLARE c CURSOR FOR SELECT n BETWEEN 0 AND 19999 AS in_range FROM scan_items;
FETCH 3 FROM c;
MOVE 19995 IN c;
FETCH 5 FROM c;
CLOSE c;
COMMIT;

-- a correlated subquery rescans the foreign table for every outer row
SELECT ddb_test.reset_requests();
SELECT v.x, (SELECT count(*) FROM scan_items s WHERE s.n % 3 = v.x - 1) AS count
  FROM (VALUES (1), (2), (3)) v(x) ORDER BY v.x;
SELECT count(*) FILTER (WHERE NOT start_key) AS scans_from_start
  FROM ddb_test.requests() WHERE op = 'Scan';

-- a whole-row reference and every column of one item
SELECT s FROM scan_items s WHERE pk = 'item-000042';
SELECT * FROM scan_items WHERE n IN (0, 19999) ORDER BY n;

-- INSERT ... SELECT and CREATE TABLE AS read the same rows
CREATE TABLE local_copy AS SELECT * FROM scan_items;
SELECT count(*) = :scan_count AS count_ok, sum(n) = :scan_sum AS sum_ok FROM local_copy;
INSERT INTO local_copy SELECT * FROM scan_items WHERE n < 10;
SELECT count(*) - :scan_count AS added FROM local_copy;
DROP TABLE local_copy;

DROP FOREIGN TABLE scan_items;
