--
-- modify: INSERT, UPDATE and DELETE on foreign tables
--
-- What was written is read back through the foreign table and, independently,
-- by boto3 (ddb_test.dynamodb_items) and DynamoDB Local's own GetItem.
--
\getenv gateway DDB_GATEWAY
\getenv access_key DDB_TEST_ACCESS_KEY
\getenv secret_key DDB_TEST_SECRET_KEY
SET client_min_messages = warning;
SELECT ddb_test.dynamodb('DeleteTable', '{"TableName": "md_items"}') IS NOT NULL AS fresh,
       ddb_test.dynamodb('DeleteTable', '{"TableName": "md_pairs"}') IS NOT NULL AS fresh;
SELECT ddb_test.dynamodb('CreateTable', '{"TableName": "md_items",
  "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
  "BillingMode": "PAY_PER_REQUEST"}') #>> '{TableDescription,TableStatus}' AS status;
SELECT ddb_test.dynamodb('CreateTable', '{"TableName": "md_pairs",
  "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}],
  "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "n", "AttributeType": "N"}],
  "BillingMode": "PAY_PER_REQUEST"}') #>> '{TableDescription,TableStatus}' AS status;
CREATE SCHEMA md;
CREATE FOREIGN TABLE md.typed (
  pk text, n numeric, i int, big bigint, f float8, r real, b bytea, ok boolean,
  doc jsonb, js json, tags text[], nums numeric[], blobs bytea[], flags boolean[],
  ts timestamptz, d date, u uuid, v varchar(10),
  item jsonb OPTIONS (whole_item 'true'))
  SERVER ddb OPTIONS (table_name 'md_items', partition_key 'pk');
-- GetItem of one item as DynamoDB Local has it
CREATE FUNCTION md_get(tbl text, key jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT ddb_test.dynamodb('GetItem', jsonb_build_object('TableName', tbl, 'Key', key,
                                                         'ConsistentRead', true)) -> 'Item'
$$;

-- ===================================================================
-- every type written as its DynamoDB type, and read back equal
-- ===================================================================
CREATE TABLE md_expected (LIKE md.typed);
ALTER TABLE md_expected DROP COLUMN item;
INSERT INTO md_expected VALUES
 ('all', 12345678901234567890.1234567890123456, 2147483647, -9223372036854775808,
  0.1, 1.5, '\x00ff10', true,
  '{"x": [1, "two", null, {"y": false}], "z": 1.5, "e": {}, "l": []}',
  '{"plain": "json", "n": -0.000001}',
  '{red,green}', '{1,2.5,-3e-7}', '{"\\x01","\\x02"}', '{true,false,true}',
  '2024-01-02 03:04:05.678+00', '2024-02-29', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'short'),
 ('floats', 0, 0, 0, 1e-7, 3.4e38, '\x', false, 'null', '"s"', '{""}', '{0}', NULL, NULL,
  NULL, NULL, NULL, ''),
 ('huge', 99999999999999999999999999999999999999, NULL, NULL, 1.2345678901234567e125, NULL,
  NULL, NULL, '123.456', '[1, [2, [3]]]', NULL, '{1e125}', NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO md.typed SELECT e.*, NULL FROM md_expected e;
-- through the foreign table: the same values (sets in DynamoDB's order, so
-- compared sorted)
CREATE FUNCTION md_sorted(anyarray) RETURNS anyarray LANGUAGE sql IMMUTABLE AS
  $$ SELECT array_agg(x ORDER BY x) FROM unnest($1) x $$;
SELECT pk AS differs FROM (
  SELECT pk, n, i, big, f, r, b, ok, doc, js::jsonb, md_sorted(tags), md_sorted(nums),
         md_sorted(blobs), flags, ts, d, u, v
    FROM md_expected
  EXCEPT
  SELECT pk, n, i, big, f, r, b, ok, doc, js::jsonb, md_sorted(tags), md_sorted(nums),
         md_sorted(blobs), flags, ts, d, u, v
    FROM md.typed) x;
SELECT count(*) AS rows_read FROM md.typed;
SELECT pk, n, i, big, f, r, ts FROM md.typed ORDER BY pk;
-- as DynamoDB holds them: N with every digit, sets, nested maps and lists
SELECT md_get('md_items', '{"pk": {"S": "all"}}');
SELECT md_get('md_items', '{"pk": {"S": "floats"}}') -> 'f' AS f, md_get('md_items', '{"pk": {"S": "huge"}}') -> 'f' AS huge_f;
-- and as boto3 reads them
SELECT item FROM ddb_test.dynamodb_items('md_items') AS item WHERE item->>'pk' = 'all';

-- ===================================================================
-- INSERT: an existing key is a unique violation
-- ===================================================================
\set VERBOSITY default
INSERT INTO md.typed (pk, n) VALUES ('all', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT n FROM md.typed WHERE pk = 'all';
-- values DynamoDB cannot hold: refused with the column and the item
INSERT INTO md.typed (pk, tags) VALUES ('bad', '{}');
INSERT INTO md.typed (pk, tags) VALUES ('bad', '{a,b,a}');
INSERT INTO md.typed (pk, tags) VALUES ('bad', '{a,NULL}');
INSERT INTO md.typed (pk, f) VALUES ('bad', 'NaN');
INSERT INTO md.typed (pk, f) VALUES ('bad', 1.7976931348623157e308);
INSERT INTO md.typed (pk, n) VALUES ('bad', 'Infinity');
INSERT INTO md.typed (pk, n) VALUES ('bad', 1e126);
INSERT INTO md.typed (pk, n) VALUES ('bad', 1.000000000000000000000000000000000000001);
INSERT INTO md.typed (pk, doc) VALUES ('bad', '{"n": 1e200}');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS nothing_written FROM md.typed WHERE pk = 'bad';
-- DynamoDB's own refusals are clear too: an empty key, an item over 400 KB
INSERT INTO md.typed (pk) VALUES ('');
INSERT INTO md.typed (pk, v, doc) VALUES ('large', 'x', jsonb_build_object('s', repeat('x', 420000)));
\echo :LAST_ERROR_SQLSTATE
-- the whole-item column writes the item; typed columns win over it
INSERT INTO md.typed (pk, i, item) VALUES ('whole', 5,
  '{"pk": "not this", "i": 999, "extra": {"deep": [1, "x", true]}, "s": "str"}');
SELECT pk, i, item FROM md.typed WHERE pk = 'whole';
INSERT INTO md.typed (pk, item) VALUES ('whole2', '[1, 2]');
-- ON CONFLICT DO NOTHING skips existing keys
INSERT INTO md.typed (pk, n) VALUES ('all', 1), ('skip-new', 2) ON CONFLICT DO NOTHING
  RETURNING pk, n;
SELECT pk, n FROM md.typed WHERE pk IN ('all', 'skip-new') ORDER BY pk;
DELETE FROM md.typed WHERE pk = 'skip-new';
-- COPY into the foreign table: the INSERT path
COPY md.typed (pk, i, tags) FROM stdin;
copy-1	1	{a,b}
copy-2	2	\N
\.
SELECT pk, i, tags FROM md.typed WHERE pk LIKE 'copy-%' ORDER BY pk;
COPY md.typed (pk, i) FROM stdin;
copy-1	5
\.
DELETE FROM md.typed WHERE pk LIKE 'copy-%';
-- RETURNING
INSERT INTO md.typed (pk, n, tags) VALUES ('ret', 1.50, '{a}') RETURNING pk, n, tags;

-- ===================================================================
-- UPDATE: the changed columns only; NULL removes the attribute
-- ===================================================================
SELECT ddb_test.reset_requests();
UPDATE md.typed SET n = 7, f = NULL, tags = '{blue}' WHERE pk = 'all';
SELECT op, count(*) FROM ddb_test.requests() GROUP BY op ORDER BY op;
SELECT md_get('md_items', '{"pk": {"S": "all"}}') ? 'f' AS f_still_there,
       md_get('md_items', '{"pk": {"S": "all"}}') -> 'n' AS n,
       md_get('md_items', '{"pk": {"S": "all"}}') -> 'tags' AS tags,
       md_get('md_items', '{"pk": {"S": "all"}}') -> 'i' AS i_untouched;
UPDATE md.typed SET i = coalesce(i, 0) + 1 WHERE pk IN ('huge', 'ret') RETURNING pk, i, n, tags;
-- a full-key UPDATE or DELETE whose new values need no row writes without
-- reading: one request
EXPLAIN (COSTS OFF) UPDATE md.typed SET n = 8, ts = now() WHERE pk = 'all';
SELECT ddb_test.reset_requests();
UPDATE md.typed SET n = 8, v = NULL WHERE pk = 'all';
SELECT op, count(*) FROM ddb_test.requests() GROUP BY op ORDER BY op;
SELECT md_get('md_items', '{"pk": {"S": "all"}}') -> 'n' AS n,
       md_get('md_items', '{"pk": {"S": "all"}}') ? 'v' AS v_still_there;
-- no such item: nothing updated, nothing created, nothing deleted (row counts)
DO $$
DECLARE n bigint;
BEGIN
  UPDATE md.typed SET n = 9 WHERE pk = 'no such';
  GET DIAGNOSTICS n = ROW_COUNT;
  RAISE WARNING 'updated: %', n;
  UPDATE md.typed SET n = 8 WHERE pk = 'all';
  GET DIAGNOSTICS n = ROW_COUNT;
  RAISE WARNING 'updated: %', n;
  DELETE FROM md.typed WHERE pk = 'no such';
  GET DIAGNOSTICS n = ROW_COUNT;
  RAISE WARNING 'deleted: %', n;
END $$;
SELECT md_get('md_items', '{"pk": {"S": "no such"}}') IS NULL AS not_created;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) UPDATE md.typed SET i = 3 WHERE pk = 'huge';
-- a value from another column, a condition DynamoDB cannot evaluate, or
-- RETURNING: the row is read first
EXPLAIN (COSTS OFF) UPDATE md.typed SET i = big + 1 WHERE pk = 'all';
EXPLAIN (COSTS OFF) UPDATE md.typed SET n = 1 WHERE pk = 'all' AND f > 0;
EXPLAIN (COSTS OFF) DELETE FROM md.typed WHERE pk = 'all' RETURNING n;
-- the key cannot change
UPDATE md.typed SET pk = 'other' WHERE pk = 'all';
\echo :LAST_ERROR_SQLSTATE
-- the whole item replaced
UPDATE md.typed SET item = '{"only": "this"}' WHERE pk = 'whole';
SELECT md_get('md_items', '{"pk": {"S": "whole"}}');
-- an item deleted after it was read, before it is updated, is not updated
-- (nor brought back): the filter deletes it behind the extension's back
UPDATE md.typed SET i = 1
 WHERE pk = 'floats'
   AND ddb_test.dynamodb('DeleteItem', jsonb_build_object('TableName', 'md_items',
         'Key', jsonb_build_object('pk', jsonb_build_object('S', pk)))) IS NOT NULL;
SELECT md_get('md_items', '{"pk": {"S": "floats"}}') IS NULL AS not_resurrected;

-- ===================================================================
-- DELETE by key and by scan; RETURNING
-- ===================================================================
SELECT ddb_test.reset_requests();
DELETE FROM md.typed WHERE pk = 'ret' RETURNING pk, n, tags;
DELETE FROM md.typed WHERE pk = 'ret';
SELECT op, count(*) FROM ddb_test.requests() GROUP BY op ORDER BY op;
DELETE FROM md.typed WHERE i IS NULL;
SELECT pk FROM md.typed ORDER BY pk;
SELECT count(*) AS items_left FROM ddb_test.dynamodb_items('md_items');

-- ===================================================================
-- a two-part key
-- ===================================================================
IMPORT FOREIGN SCHEMA x LIMIT TO (md_pairs) FROM SERVER ddb INTO md;
ALTER FOREIGN TABLE md.md_pairs ADD COLUMN label text;
INSERT INTO md.md_pairs (g, n, label) VALUES ('a', 1, 'one'), ('a', 2, 'two'), ('b', 1, 'b-one');
INSERT INTO md.md_pairs (g, n, label) VALUES ('a', 2, 'again');
UPDATE md.md_pairs SET label = upper(label) WHERE g = 'a';
EXPLAIN (COSTS OFF) DELETE FROM md.md_pairs WHERE g = 'b' AND n = 1;
DELETE FROM md.md_pairs WHERE g = 'b' AND n = 1;
SELECT g, n, label FROM md.md_pairs ORDER BY g, n;
UPDATE md.md_pairs SET n = 3 WHERE g = 'a';

-- ===================================================================
-- batches: TransactWriteItems of batch_size Puts (each with
-- attribute_not_exists on the key), all or nothing per group
-- ===================================================================
EXPLAIN (COSTS OFF) INSERT INTO md.typed (pk, i) SELECT 'k' || g, g FROM generate_series(1, 1000) g;
SELECT ddb_test.reset_requests();
INSERT INTO md.typed (pk, i) SELECT 'k' || g, g FROM generate_series(1, 1000) g;
SELECT op, count(*) FROM ddb_test.requests() GROUP BY op ORDER BY op;
SELECT count(*), sum(i) FROM md.typed WHERE pk LIKE 'k%';
-- batch_size 100: 10 requests for 1,000 rows
ALTER FOREIGN TABLE md.typed OPTIONS (ADD batch_size '100');
EXPLAIN (COSTS OFF) INSERT INTO md.typed (pk, i) SELECT 'm' || g, g FROM generate_series(1, 1000) g;
SELECT ddb_test.reset_requests();
INSERT INTO md.typed (pk, i) SELECT 'm' || g, g FROM generate_series(1, 1000) g;
SELECT op, count(*) FROM ddb_test.requests() GROUP BY op ORDER BY op;
SELECT count(*), sum(i) FROM md.typed WHERE pk LIKE 'm%';
-- a key that exists in the 3rd group of 100: a unique violation naming it;
-- groups 1 and 2 are written, nothing of group 3
SELECT ddb_test.reset_requests();
INSERT INTO md.typed (pk, i)
  SELECT CASE WHEN g = 250 THEN 'm250' ELSE 'd' || g END, g FROM generate_series(1, 300) g;
\echo :LAST_ERROR_SQLSTATE
SELECT op, status, count(*) FROM ddb_test.requests() GROUP BY op, status ORDER BY op, status;
SELECT count(*) AS written, min(i), max(i) FROM md.typed WHERE pk LIKE 'd%';
SELECT i AS m250_untouched FROM md.typed WHERE pk = 'm250';
-- one key twice in a statement: the second finds it taken, as row by row
INSERT INTO md.typed (pk, i) VALUES ('dup1', 1), ('dup2', 2), ('dup1', 3);
\echo :LAST_ERROR_SQLSTATE
SELECT pk, i FROM md.typed WHERE pk LIKE 'dup%' ORDER BY pk;
-- a lost answer (DynamoDB applied the group, the answer never came): the
-- retry carries the same ClientRequestToken, DynamoDB answers it as done,
-- and the statement succeeds without a duplicate-key error
CREATE SERVER md_lossy FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', retry_base_delay '1ms', endpoint :'gateway');
SELECT ddb_test.getenv('gateway') || '/fault/op=TransactWriteItems,lost,skip=1,count=1/'
  AS lossy \gset
ALTER SERVER md_lossy OPTIONS (SET endpoint :'lossy');
CREATE USER MAPPING FOR CURRENT_USER SERVER md_lossy
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FOREIGN TABLE md.lossy (pk text, i int) SERVER md_lossy
  OPTIONS (table_name 'md_items', partition_key 'pk');
SELECT ddb_test.reset_faults();
SELECT ddb_test.reset_requests();
INSERT INTO md.lossy SELECT 'lost' || g, g FROM generate_series(1, 75) g;
SELECT op, status, fault, count(*) FROM ddb_test.requests()
 GROUP BY op, status, fault ORDER BY op, status, fault;
SELECT count(*), sum(i) FROM md.typed WHERE pk LIKE 'lost%';

-- ===================================================================
-- with overwrite 'true': BatchWriteItem in groups of 25, no condition
-- ===================================================================
ALTER FOREIGN TABLE md.typed OPTIONS (ADD overwrite 'true');
EXPLAIN (COSTS OFF) INSERT INTO md.typed (pk, i) SELECT 'k' || g, g FROM generate_series(1, 1000) g;
SELECT ddb_test.reset_requests();
INSERT INTO md.typed (pk, i) SELECT 'k' || g, -g FROM generate_series(1, 1000) g;
SELECT op, count(*) FROM ddb_test.requests() GROUP BY op ORDER BY op;
SELECT count(*), sum(i) FROM md.typed WHERE pk LIKE 'k%';
-- overwrite: an existing key is replaced
INSERT INTO md.typed (pk, i) VALUES ('k1', -1);
SELECT i FROM md.typed WHERE pk = 'k1';
-- one key twice in a batch: the later row wins, as one by one
INSERT INTO md.typed (pk, i) VALUES ('k2', 20), ('k3', 30), ('k2', 21);
SELECT pk, i FROM md.typed WHERE pk IN ('k2', 'k3') ORDER BY pk;
-- EXPLAIN ANALYZE counts the requests
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  INSERT INTO md.typed (pk, i) SELECT 'x' || g, g FROM generate_series(1, 60) g;
-- a batch that fails says how much was written before
CREATE SERVER md_flaky FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', endpoint :'gateway', max_retries '0');
SELECT ddb_test.getenv('gateway') || '/fault/op=BatchWriteItem,errorbody=ValidationException,skip=3/'
  AS batch_fails \gset
ALTER SERVER md_flaky OPTIONS (SET endpoint :'batch_fails');
CREATE USER MAPPING FOR CURRENT_USER SERVER md_flaky
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FOREIGN TABLE md.flaky (pk text, i int) SERVER md_flaky
  OPTIONS (table_name 'md_items', partition_key 'pk', overwrite 'true', batch_size '50');
SELECT ddb_test.reset_faults();
INSERT INTO md.flaky SELECT 'f' || g, g FROM generate_series(1, 200) g;
SELECT count(*) AS written_before_the_failure FROM md.typed WHERE pk LIKE 'f%';
-- items DynamoDB leaves unprocessed are sent again until all are written
SELECT ddb_test.getenv('gateway') || '/fault/op=BatchWriteItem,unprocessed/' AS half_written \gset
ALTER SERVER md_flaky OPTIONS (SET endpoint :'half_written');
SELECT ddb_test.reset_requests();
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  INSERT INTO md.flaky SELECT 'half' || g, g FROM generate_series(1, 25) g;
SELECT count(*) AS requests, count(*) FILTER (WHERE fault <> '-') AS halved
  FROM ddb_test.requests() WHERE op = 'BatchWriteItem';
SELECT count(*), sum(i) FROM md.typed WHERE pk LIKE 'half%';
DELETE FROM md.typed WHERE pk LIKE 'k%' OR pk LIKE 'x%' OR pk LIKE 'f%' OR pk LIKE 'half%'
  OR pk LIKE 'm%' OR pk LIKE 'd%' OR pk LIKE 'lost%';
SELECT count(*) FROM md.typed;

-- ===================================================================
-- direct UPDATE and DELETE: increments and conditions in one request,
-- without reading the item; row counts as PostgreSQL would report them
-- ===================================================================
CREATE FOREIGN TABLE md.cnt (pk text, n int, big bigint, num numeric, version int,
  status text, note text)
  SERVER ddb OPTIONS (table_name 'md_items', partition_key 'pk');
INSERT INTO md.cnt VALUES
  ('c1', 1, 10, 1.25, 3, 'open', 'a note'),
  ('c2', 2147483647, -9223372036854775808, NULL, 1, 'open', NULL),
  ('c3', NULL, NULL, NULL, 1, NULL, NULL),
  ('c4', 4, 4, 4, 1, 'closed', NULL);
-- a number stored as a string, which the column reads
SELECT ddb_test.dynamodb('PutItem', '{"TableName": "md_items",
  "Item": {"pk": {"S": "c5"}, "n": {"S": "7"}}}');
EXPLAIN (COSTS OFF) UPDATE md.cnt SET n = n + 1 WHERE pk = 'c1';
EXPLAIN (COSTS OFF) UPDATE md.cnt SET n = n - 2, note = NULL, big = 5
  WHERE pk = 'c1' AND version = 3 AND status <> 'closed';
EXPLAIN (COSTS OFF) DELETE FROM md.cnt WHERE pk = 'c4' AND (status IS NULL OR version >= 2);
-- what is not sent: a value from another column (the row is read first)
EXPLAIN (COSTS OFF) UPDATE md.cnt SET n = version + 1 WHERE pk = 'c1';
CREATE FUNCTION md_count(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  PERFORM ddb_test.reset_requests();
  EXECUTE stmt;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN format('%s rows, %s', n,
    (SELECT string_agg(op || ' ' || status, ', ' ORDER BY seq) FROM ddb_test.requests()));
END $$;
-- n = n + 1: one UpdateItem
SELECT md_count($$UPDATE md.cnt SET n = n + 1 WHERE pk = 'c1'$$);
-- conditions on other columns: held, then not held (nothing written)
SELECT md_count($$UPDATE md.cnt SET n = n - 5, note = NULL WHERE pk = 'c1' AND version = 3
                  AND status <> 'closed'$$);
SELECT md_count($$UPDATE md.cnt SET n = 0 WHERE pk = 'c1' AND version = 4$$);
SELECT md_count($$UPDATE md.cnt SET n = 0 WHERE pk = 'c4' AND status <> 'closed'$$);
SELECT md_count($$UPDATE md.cnt SET note = 'no status' WHERE pk = 'c3' AND status IS NULL$$);
SELECT md_count($$UPDATE md.cnt SET note = 'x' WHERE pk = 'c3' AND version IN (5, 6)$$);
SELECT md_count($$UPDATE md.cnt SET n = n + 1 WHERE pk = 'no such'$$);
-- a guard trips, PostgreSQL decides on the old item: n is NULL (NULL + 1
-- is NULL: 1 row), n is a string PostgreSQL reads (8), n + 1 out of range
-- (PostgreSQL's error, nothing written)
SELECT md_count($$UPDATE md.cnt SET n = n + 1 WHERE pk = 'c3'$$);
SELECT md_count($$UPDATE md.cnt SET n = n + 1 WHERE pk = 'c5'$$);
SELECT md_count($$UPDATE md.cnt SET n = n + 1 WHERE pk = 'c2'$$);
SELECT md_count($$UPDATE md.cnt SET big = big - 1 WHERE pk = 'c2'$$);
SELECT md_count($$UPDATE md.cnt SET n = n - 1, big = big + 1, num = num + 0.5 WHERE pk = 'c2'$$);
-- parameters of a generic plan, a NULL among them: in the condition, one
-- that cannot hold (PostgreSQL decides: 0 rows); as the increment, the
-- attribute goes (n + NULL is NULL)
CREATE FUNCTION md_up(d int, k text, v int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE rc bigint;
BEGIN
  PERFORM ddb_test.reset_requests();
  UPDATE md.cnt SET n = n + d WHERE pk = k AND version = v;
  GET DIAGNOSTICS rc = ROW_COUNT;
  RETURN format('%s rows, %s', rc,
    (SELECT string_agg(op || ' ' || status, ', ' ORDER BY seq) FROM ddb_test.requests()));
END $$;
SET plan_cache_mode = force_generic_plan;
PREPARE md_up_plan(int, text, int) AS
  UPDATE md.cnt SET n = n + $1 WHERE pk = $2 AND version = $3;
EXPLAIN (COSTS OFF) EXECUTE md_up_plan(10, 'c1', 3);
SELECT md_up(10, 'c1', 3);
SELECT md_up(10, 'c1', 4);
SELECT md_up(10, 'c1', NULL);
SELECT n FROM md.cnt WHERE pk = 'c1';
SELECT md_up(NULL, 'c1', 3);
RESET plan_cache_mode;
-- DELETE with conditions
SELECT md_count($$DELETE FROM md.cnt WHERE pk = 'c4' AND status = 'open'$$);
SELECT md_count($$DELETE FROM md.cnt WHERE pk = 'c4' AND (status IS NULL OR version >= 1)$$);
-- as boto3 reads the items back
SELECT item FROM ddb_test.dynamodb_items('md_items') AS item
 WHERE item->>'pk' LIKE 'c_' ORDER BY item->>'pk';
DELETE FROM md.cnt WHERE pk LIKE 'c_';

-- ===================================================================
-- write_mode 'transaction': a transaction's writes go as one
-- TransactWriteItems at commit, all or nothing
-- ===================================================================
CREATE FOREIGN TABLE md.tx (pk text, i int) SERVER ddb
  OPTIONS (table_name 'md_items', partition_key 'pk', write_mode 'transaction');
ALTER FOREIGN TABLE md.tx OPTIONS (SET write_mode 'sometimes');
EXPLAIN (COSTS OFF) INSERT INTO md.tx VALUES ('t1', 1);
EXPLAIN (COSTS OFF) UPDATE md.tx SET i = 2 WHERE pk = 't1';
EXPLAIN (COSTS OFF) DELETE FROM md.tx WHERE pk = 't1';
-- COMMIT writes all, in one request; nothing is sent before it
SELECT ddb_test.reset_requests();
BEGIN;
INSERT INTO md.tx VALUES ('t1', 1), ('t2', 2), ('t3', 3);
INSERT INTO md.tx VALUES ('t4', 4);
SELECT count(*) AS requests_before_commit FROM ddb_test.requests();
SELECT md_get('md_items', '{"pk": {"S": "t1"}}') IS NULL AS not_yet_in_dynamodb;
COMMIT;
SELECT op, count(*) FROM ddb_test.requests() GROUP BY op ORDER BY op;
SELECT pk, i FROM md.tx WHERE pk LIKE 't%' ORDER BY pk;
-- ROLLBACK sends nothing
SELECT ddb_test.reset_requests();
BEGIN;
UPDATE md.tx SET i = 10 WHERE pk = 't1';
DELETE FROM md.tx WHERE pk = 't2';
INSERT INTO md.tx VALUES ('t5', 5);
ROLLBACK;
SELECT op, count(*) FROM ddb_test.requests() GROUP BY op ORDER BY op;
SELECT pk, i FROM md.tx WHERE pk LIKE 't%' ORDER BY pk;
-- ROLLBACK TO SAVEPOINT drops only the writes after the savepoint; a
-- released savepoint's writes stay; row counts as PostgreSQL reports them
DO $$
DECLARE n bigint;
BEGIN
  UPDATE md.tx SET i = 11 WHERE pk = 't1';
  GET DIAGNOSTICS n = ROW_COUNT;
  RAISE WARNING 'updated: %', n;
  UPDATE md.tx SET i = 99 WHERE pk = 'no such';
  GET DIAGNOSTICS n = ROW_COUNT;
  RAISE WARNING 'updated: %', n;
END $$;
BEGIN;
UPDATE md.tx SET i = 12 WHERE pk = 't1';
SAVEPOINT a;
INSERT INTO md.tx VALUES ('t6', 6);
DELETE FROM md.tx WHERE pk = 't2';
SAVEPOINT b;
INSERT INTO md.tx VALUES ('t7', 7);
RELEASE SAVEPOINT b;
ROLLBACK TO SAVEPOINT a;
INSERT INTO md.tx VALUES ('t8', 8);
SAVEPOINT c;
DELETE FROM md.tx WHERE pk = 't3';
RELEASE SAVEPOINT c;
COMMIT;
SELECT pk, i FROM md.tx WHERE pk LIKE 't%' ORDER BY pk;
-- DynamoDB cancels the whole transaction when one write fails: an existing
-- key, found at COMMIT, is a unique violation and nothing is written
BEGIN;
INSERT INTO md.tx VALUES ('t9', 9);
UPDATE md.tx SET i = 13 WHERE pk = 't1';
INSERT INTO md.tx VALUES ('t4', 40);
COMMIT;
\echo :LAST_ERROR_SQLSTATE
SELECT pk, i FROM md.tx WHERE pk IN ('t1', 't4', 't9') ORDER BY pk;
-- an item deleted after it was read, before COMMIT: the UPDATE's condition
-- fails, a serialization failure, and nothing is written
BEGIN;
INSERT INTO md.tx VALUES ('t10', 10);
UPDATE md.tx SET i = 14 WHERE pk = 't8';
SELECT ddb_test.dynamodb('DeleteItem', '{"TableName": "md_items", "Key": {"pk": {"S": "t8"}}}');
COMMIT;
\echo :LAST_ERROR_SQLSTATE
SELECT pk, i FROM md.tx WHERE pk IN ('t8', 't10') ORDER BY pk;
-- DynamoDB's limits are errors at the statement that crosses them
BEGIN;
INSERT INTO md.tx SELECT 'many' || g, g FROM generate_series(1, 100) g;
INSERT INTO md.tx VALUES ('one too many', 101);
ROLLBACK;
BEGIN;
UPDATE md.tx SET i = 15 WHERE pk = 't1';
DELETE FROM md.tx WHERE pk = 't1';
ROLLBACK;
CREATE FOREIGN TABLE md.tx_doc (pk text, doc jsonb) SERVER ddb
  OPTIONS (table_name 'md_items', partition_key 'pk', write_mode 'transaction');
BEGIN;
INSERT INTO md.tx_doc SELECT 'big' || g, jsonb_build_object('s', repeat('x', 300000))
  FROM generate_series(1, 14) g;
ROLLBACK;
-- what needs DynamoDB's answer during the statement cannot be buffered
UPDATE md.tx SET i = 16 WHERE pk = 't1' RETURNING i;
DELETE FROM md.tx WHERE pk = 't1' RETURNING i;
INSERT INTO md.tx VALUES ('t1', 1) ON CONFLICT DO NOTHING;
-- writes through a second server cannot join the transaction
CREATE FOREIGN TABLE md.tx_lossy (pk text, i int) SERVER md_lossy
  OPTIONS (table_name 'md_items', partition_key 'pk', write_mode 'transaction');
BEGIN;
INSERT INTO md.tx VALUES ('t11', 11);
INSERT INTO md.tx_lossy VALUES ('t12', 12);
ROLLBACK;
-- a statement-mode table in the same transaction writes at once
BEGIN;
INSERT INTO md.tx VALUES ('t13', 13);
INSERT INTO md.typed (pk, i) VALUES ('t14', 14);
SELECT md_get('md_items', '{"pk": {"S": "t14"}}') -> 'i' AS written_at_once,
       md_get('md_items', '{"pk": {"S": "t13"}}') IS NULL AS t13_waits;
COMMIT;
SELECT pk, i FROM md.tx WHERE pk IN ('t13', 't14') ORDER BY pk;
BEGIN;
INSERT INTO md.tx VALUES ('t15', 15);
PREPARE TRANSACTION 'md_tx';
SELECT md_get('md_items', '{"pk": {"S": "t15"}}') IS NULL AS not_written;
DELETE FROM md.typed WHERE pk LIKE 't%';

-- ===================================================================
-- what cannot be written to
-- ===================================================================
CREATE FOREIGN TABLE md.by_index (pk text) SERVER ddb
  OPTIONS (table_name 'md_items', index_name 'some_index');
INSERT INTO md.by_index VALUES ('x');
CREATE FOREIGN TABLE md.nokey (i int) SERVER ddb OPTIONS (table_name 'md_items', partition_key 'pk');
DELETE FROM md.nokey;
