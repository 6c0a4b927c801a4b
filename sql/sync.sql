--
-- sync: copy DynamoDB tables into local tables, resumably, equal to DynamoDB
--
-- Equality is checked against an independent reader: every item of the
-- table read by boto3 (test/tools/ddb_dump.py), never by ddb_fdw itself.
--
\getenv gateway DDB_GATEWAY
\getenv access_key DDB_TEST_ACCESS_KEY
\getenv secret_key DDB_TEST_SECRET_KEY
SET client_min_messages = warning;
CREATE SCHEMA sync_src;
IMPORT FOREIGN SCHEMA x LIMIT TO (sync_items, sync_orders) FROM SERVER ddb INTO sync_src;

-- compares a target's whole-item column with what boto3 reads
CREATE FUNCTION sync_diff(target regclass, dynamo_table text)
RETURNS TABLE (missing bigint, extra bigint, rows bigint)
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'WITH d AS (SELECT ddb_test.dynamodb_items(%L) AS item),
          t AS (SELECT item FROM %s)
     SELECT (SELECT count(*) FROM d WHERE NOT EXISTS (SELECT 1 FROM t WHERE t.item = d.item)),
            (SELECT count(*) FROM t WHERE NOT EXISTS (SELECT 1 FROM d WHERE t.item = d.item)),
            (SELECT count(*) FROM t)', dynamo_table, target);
END $$;

-- ===================================================================
-- the first sync creates the target and fills it
-- ===================================================================
SELECT ddb_test.reset_requests();
CALL ddb_fdw.sync('sync_src.sync_items', 'public.sync_copy');
\d sync_copy
SELECT * FROM sync_diff('sync_copy', 'sync_items');
SELECT target, foreign_table, status, rows, items_done, snapshot, snapshot_complete,
       last_error, last_run_mode, last_run_rows_upserted, last_run_rows_deleted
  FROM ddb_fdw.sync_status WHERE target = 'sync_copy'::regclass;
SELECT segment, done, items, last_key FROM ddb_fdw.sync_checkpoint
 WHERE target = 'sync_copy'::regclass;
SELECT count(*) AS scans FROM ddb_test.requests() WHERE op = 'Scan';

-- ===================================================================
-- items added, changed and deleted in DynamoDB arrive with the next sync
-- ===================================================================
SELECT ddb_test.dynamodb('PutItem', '{"TableName": "sync_items", "Item": {
  "pk": {"S": "s-new"}, "n": {"N": "-1"}, "amount": {"N": "0.000000000000000000000000000000000001"},
  "label": {"S": "fresh"}, "blob": {"B": "AAEC"}}}');
SELECT ddb_test.dynamodb('UpdateItem', '{"TableName": "sync_items", "Key": {"pk": {"S": "s-0007"}},
  "UpdateExpression": "SET amount = :a, label = :l REMOVE tags",
  "ExpressionAttributeValues": {":a": {"N": "99999999999999999999999999999999999999"}, ":l": {"S": "changed"}}}');
SELECT ddb_test.dynamodb('DeleteItem', '{"TableName": "sync_items", "Key": {"pk": {"S": "s-0013"}}}');
SELECT ddb_test.dynamodb('DeleteItem', '{"TableName": "sync_items", "Key": {"pk": {"S": "s-0014"}}}');
CALL ddb_fdw.sync('sync_src.sync_items', 'public.sync_copy');
SELECT * FROM sync_diff('sync_copy', 'sync_items');
SELECT pk, item FROM sync_copy WHERE pk IN ('s-new', 's-0007') ORDER BY pk;
SELECT count(*) AS deleted_items_left FROM sync_copy WHERE pk IN ('s-0013', 's-0014');
SELECT status, mode, snapshot, rows_upserted, rows_deleted, error
  FROM ddb_fdw.sync_run WHERE target = 'sync_copy'::regclass ORDER BY run_id;

-- ===================================================================
-- typed columns keep their types exactly; soft delete; _ddb_synced_at
-- ===================================================================
CREATE FOREIGN TABLE sync_src.typed (
  pk text NOT NULL, n int, amount numeric, label text, tags text[], data jsonb, blob bytea
) SERVER ddb OPTIONS (table_name 'sync_items', partition_key 'pk');
CALL ddb_fdw.sync('sync_src.typed', 'public.sync_typed', soft_delete => true, synced_at => true);
\d sync_typed
-- every value equals what boto3 read, in its own type
WITH d AS (SELECT ddb_test.dynamodb_items('sync_items') AS i)
SELECT count(*) AS items,
       count(*) FILTER (WHERE t.n = (d.i->>'n')::int AND t.amount = (d.i->>'amount')::numeric
                          AND t.label = d.i->>'label' AND t.data IS NOT DISTINCT FROM d.i->'data'
                          AND t.blob IS NOT DISTINCT FROM decode(d.i->>'blob', 'base64')
                          AND to_jsonb(t.tags) IS NOT DISTINCT FROM d.i->'tags') AS equal,
       count(*) FILTER (WHERE t._ddb_synced_at IS NOT NULL AND t._ddb_deleted_at IS NULL) AS live
  FROM d JOIN sync_typed t ON t.pk = d.i->>'pk';
SELECT amount, scale(amount) FROM sync_typed WHERE pk IN ('s-0007', 's-new', 's-0100') ORDER BY pk;
-- a deleted item is only marked
SELECT ddb_test.dynamodb('DeleteItem', '{"TableName": "sync_items", "Key": {"pk": {"S": "s-0021"}}}');
CALL ddb_fdw.sync('sync_src.typed', 'public.sync_typed', soft_delete => true, synced_at => true);
SELECT pk, _ddb_deleted_at IS NOT NULL AS deleted FROM sync_typed WHERE pk IN ('s-0020', 's-0021') ORDER BY pk;
SELECT count(*) FILTER (WHERE _ddb_deleted_at IS NULL) AS live, count(*) AS rows FROM sync_typed;
-- and unmarked when it comes back
SELECT ddb_test.dynamodb('PutItem', '{"TableName": "sync_items", "Item": {"pk": {"S": "s-0021"}, "n": {"N": "21"}}}');
CALL ddb_fdw.sync('sync_src.typed', 'public.sync_typed', soft_delete => true, synced_at => true);
SELECT pk, n, _ddb_deleted_at IS NOT NULL AS deleted FROM sync_typed WHERE pk = 's-0021';

-- ===================================================================
-- one sync per target at a time
-- ===================================================================
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT ddb_test.getenv('gateway') || '/fault/delay=700,op=Scan/' AS slow_endpoint \gset
CREATE SERVER slow_sync FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', endpoint :'slow_endpoint', page_size '400');
CREATE USER MAPPING FOR PUBLIC SERVER slow_sync
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FOREIGN TABLE sync_src.slow_items (pk text NOT NULL, item jsonb OPTIONS (whole_item 'true'))
  SERVER slow_sync OPTIONS (table_name 'sync_items', partition_key 'pk');
SELECT dblink_connect('other', format('host=%s port=%s dbname=%s user=%s',
                                      ddb_test.getenv('pghost'), ddb_test.getenv('pgport'),
                                      current_database(), current_user));
SELECT dblink_send_query('other', $$CALL ddb_fdw.sync('sync_src.slow_items', 'public.sync_slow')$$);
-- wait until the other session holds the target (pg_class is read with
-- the query's snapshot: a catalog lookup in this block would not see it)
DO $$
BEGIN
  FOR i IN 1..200 LOOP
    EXIT WHEN EXISTS (SELECT 1 FROM ddb_fdw.sync_state s JOIN pg_class c ON c.oid = s.target
                       WHERE c.relname = 'sync_slow' AND s.status = 'running');
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
CALL ddb_fdw.sync('sync_src.slow_items', 'public.sync_slow');
\echo :LAST_ERROR_SQLSTATE
-- its progress is visible from here while it runs
SELECT status FROM ddb_fdw.sync_status WHERE target = 'sync_slow'::regclass;
-- wait => true waits for it, then syncs again
CALL ddb_fdw.sync('sync_src.slow_items', 'public.sync_slow', wait => true);
SELECT * FROM dblink_get_result('other') AS t(result text);
SELECT status, mode, rows_upserted FROM ddb_fdw.sync_run
 WHERE target = 'sync_slow'::regclass ORDER BY run_id;
SELECT * FROM sync_diff('sync_slow', 'sync_items');

-- ===================================================================
-- cancel, then resume from the checkpoint; restart => true starts over
-- ===================================================================
SELECT ddb_test.reset_requests();
SET statement_timeout = '1900ms';
CALL ddb_fdw.sync('sync_src.slow_items', 'public.sync_resume');
RESET statement_timeout;
SELECT status, mode, rows_upserted > 0 AS some_rows, error FROM ddb_fdw.sync_run
 WHERE target = 'sync_resume'::regclass ORDER BY run_id;
SELECT done, items > 0 AS some_items, last_key IS NOT NULL AS has_key FROM ddb_fdw.sync_checkpoint
 WHERE target = 'sync_resume'::regclass;
SELECT ddb_test.reset_requests();
CALL ddb_fdw.sync('sync_src.slow_items', 'public.sync_resume');
SELECT status, mode, error FROM ddb_fdw.sync_run
 WHERE target = 'sync_resume'::regclass ORDER BY run_id;
-- the resumed run started from the checkpoint: fewer requests than the
-- 3 pages of 400 items a full scan takes, none from the table's start
SELECT count(*) < 3 AS fewer_than_full_scan,
       count(*) FILTER (WHERE NOT start_key) = 0 AS continued_from_checkpoint
  FROM ddb_test.requests() WHERE op = 'Scan';
SELECT * FROM sync_diff('sync_resume', 'sync_items');
CALL ddb_fdw.sync('sync_src.slow_items', 'public.sync_resume', restart => true);
SELECT status, mode, snapshot FROM ddb_fdw.sync_run
 WHERE target = 'sync_resume'::regclass ORDER BY run_id;

-- ===================================================================
-- progress notices, and errors
-- ===================================================================
SET client_min_messages = notice;
\set VERBOSITY terse
CALL ddb_fdw.sync('sync_src.sync_orders', 'public.orders_copy', progress => 1);
\set VERBOSITY default
SET client_min_messages = warning;
SELECT count(*), count(DISTINCT (customer, order_no)) FROM orders_copy;
\d orders_copy
-- not a ddb_fdw foreign table, no key, an incompatible target, no privileges
CREATE TABLE plain (x int);
CALL ddb_fdw.sync('plain', 'public.x');
CREATE FOREIGN TABLE sync_src.nokey (item jsonb OPTIONS (whole_item 'true'))
  SERVER ddb OPTIONS (table_name 'sync_items');
CALL ddb_fdw.sync('sync_src.nokey', 'public.x');
CREATE TABLE bad_target (pk text PRIMARY KEY, n text);
CREATE FOREIGN TABLE sync_src.typed2 (pk text NOT NULL, n int)
  SERVER ddb OPTIONS (table_name 'sync_items', partition_key 'pk');
CALL ddb_fdw.sync('sync_src.typed2', 'public.bad_target');
CALL ddb_fdw.sync('sync_src.typed2');
SELECT count(*) AS default_target_rows FROM public.typed2;
CREATE ROLE sync_nobody;
GRANT USAGE ON SCHEMA sync_src TO sync_nobody;
SET ROLE sync_nobody;
CALL ddb_fdw.sync('sync_src.typed2', 'public.sync_typed2');
RESET ROLE;
REVOKE USAGE ON SCHEMA sync_src FROM sync_nobody;
DROP ROLE sync_nobody;
-- inside a transaction block nothing commits until the block does
BEGIN;
CALL ddb_fdw.sync('sync_src.sync_orders', 'public.orders_tx');
SELECT count(*) FROM orders_tx;
ROLLBACK;
SELECT to_regclass('public.orders_tx') AS rolled_back;

-- ===================================================================
-- sync_server: every table of a server, one failing without stopping others
-- ===================================================================
CREATE SERVER few FOREIGN DATA WRAPPER ddb_fdw OPTIONS (region 'us-east-1', endpoint :'gateway');
CREATE USER MAPPING FOR CURRENT_USER SERVER few
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE SCHEMA few;
-- pre-import two tables; sync_server imports the others itself
IMPORT FOREIGN SCHEMA x LIMIT TO (sync_orders, customers) FROM SERVER few INTO few;
-- a target that cannot take customers
CREATE SCHEMA mirror;
CREATE TABLE mirror.customers (customer_id int PRIMARY KEY, item jsonb);
-- (how many tables the account holds depends on the fixtures: the counts
-- are compared with it rather than shown)
\getenv table_count DDB_TABLE_COUNT
\set VERBOSITY terse
CALL ddb_fdw.sync_server('few', 'mirror');
\set VERBOSITY default
SELECT count(*) = :table_count AS every_table_imported FROM information_schema.foreign_tables
 WHERE foreign_table_schema = 'few';
SELECT s.status, count(*) = CASE s.status WHEN 'failed' THEN 2 ELSE :table_count - 2 END AS count_ok
  FROM ddb_fdw.sync_status s
 WHERE s.target::text LIKE 'mirror.%' GROUP BY 1 ORDER BY 1;
SELECT target, status, left(last_error, 60) AS last_error FROM ddb_fdw.sync_status
 WHERE target::text LIKE 'mirror.%' AND status <> 'succeeded';
SELECT * FROM sync_diff('mirror.sync_orders', 'sync_orders');
SELECT count(*) AS scan_rows FROM mirror.scan_items;

DROP SCHEMA mirror, few CASCADE;
DROP SERVER few, slow_sync CASCADE;
DROP SCHEMA sync_src CASCADE;
SELECT dblink_disconnect('other');
DROP TABLE sync_copy, sync_typed, sync_slow, sync_resume, orders_copy, plain, bad_target, typed2;
DROP FUNCTION sync_diff(regclass, text);
-- dropping targets leaves their state; it is removed like any row
DELETE FROM ddb_fdw.sync_state s WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = s.target);
SELECT count(*) AS states_left FROM ddb_fdw.sync_state WHERE target::text NOT LIKE 'cron%';
