--
-- mapping: one resolution of a foreign table's key for every path
--
-- A foreign table declared by hand with table_name only (no partition_key,
-- no sort_key) on a table with a composite key: reads push down, writes,
-- syncs and streams all find the key from DynamoDB.  A foreign table whose
-- options disagree with DynamoDB's key gets the same error from each path.
--
SET client_min_messages = warning;
CREATE FUNCTION map_write(args text) RETURNS text
LANGUAGE sql AS $$
  SELECT string_agg(line, E'\n') FROM ddb_test.sh(format(
    '/usr/bin/python3 %s/ddb_write.py --endpoint %s --table map_items %s',
    ddb_test.getenv('tools'), ddb_test.getenv('local'), args)) AS line
$$;
-- composite key: g (S) = 'g<i mod 5>', n (N) = i
SELECT map_write('create --keys composite --stream NEW_AND_OLD_IMAGES --items 50');

CREATE FOREIGN TABLE map_hand (
  g text, n numeric, name text, v int, item jsonb OPTIONS (whole_item 'true')
) SERVER ddb OPTIONS (table_name 'map_items');

-- ===================================================================
-- reads: the key is DynamoDB's, so a full key is one GetItem
-- ===================================================================
SELECT ddb_test.reset_requests();
EXPLAIN (COSTS OFF) SELECT name, v FROM map_hand WHERE g = 'g1' AND n = 6;
SELECT name, v FROM map_hand WHERE g = 'g1' AND n = 6;
SELECT n FROM map_hand WHERE g = 'g2' ORDER BY n LIMIT 3;
SELECT op FROM ddb_test.requests() ORDER BY seq;

-- ===================================================================
-- writes
-- ===================================================================
INSERT INTO map_hand (g, n, name, v) VALUES ('g9', 1000, 'added', 1);
INSERT INTO map_hand (g, n, name, v) VALUES ('g9', 1000, 'again', 1);
UPDATE map_hand SET v = 42 WHERE g = 'g1' AND n = 6;
DELETE FROM map_hand WHERE g = 'g2' AND n = 7;
SELECT g, n, name, v FROM map_hand WHERE (g, n) IN (('g9', 1000), ('g1', 6), ('g2', 7)) ORDER BY g;

-- ===================================================================
-- sync: the target gets DynamoDB's key; then the stream
-- ===================================================================
CALL ddb_fdw.sync('map_hand', 'public.map_copy');
SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid
   AND a.attnum = ANY (i.indkey)
 WHERE i.indrelid = 'map_copy'::regclass AND i.indisprimary ORDER BY a.attnum;
SELECT count(*) AS rows FROM map_copy;
SELECT map_write('update --keys composite --from 20 --to 25');
SELECT map_write('delete --keys composite --from 30 --to 32');
CALL ddb_fdw.sync('map_hand', 'public.map_copy');
SELECT mode, status, error FROM ddb_fdw.sync_run
 WHERE target = 'map_copy'::regclass ORDER BY run_id;
-- equal to what boto3 reads
WITH d AS (SELECT ddb_test.dynamodb_items('map_items') AS i)
SELECT (SELECT count(*) FROM d) AS dynamodb,
       (SELECT count(*) FROM map_copy) AS copied,
       (SELECT count(*) FROM d JOIN map_copy c ON c.item = d.i) AS equal;

-- ===================================================================
-- options that disagree with DynamoDB: one error, from every path
-- ===================================================================
CREATE FOREIGN TABLE map_wrong (g text, n numeric, item jsonb OPTIONS (whole_item 'true'))
  SERVER ddb OPTIONS (table_name 'map_items', partition_key 'n', sort_key 'g');
\set VERBOSITY terse
SELECT count(*) FROM map_wrong;
SELECT * FROM map_wrong WHERE g = 'g1' AND n = 6;
INSERT INTO map_wrong (g, n) VALUES ('g8', 2000);
UPDATE map_wrong SET item = '{}' WHERE g = 'g1' AND n = 6;
DELETE FROM map_wrong WHERE g = 'g1' AND n = 6;
CALL ddb_fdw.sync('map_wrong', 'public.map_wrong_copy');
\set VERBOSITY default
-- its detail names both keys
SELECT * FROM map_wrong LIMIT 1;
-- a partition key only, on a composite table, disagrees as well
ALTER FOREIGN TABLE map_wrong OPTIONS (SET partition_key 'g', DROP sort_key);
SELECT count(*) FROM map_wrong;
-- without the options the key is DynamoDB's again
ALTER FOREIGN TABLE map_wrong OPTIONS (DROP partition_key);
SELECT count(*) FROM map_wrong;

DROP FOREIGN TABLE map_hand, map_wrong;
DROP TABLE map_copy;
DELETE FROM ddb_fdw.sync_state s WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = s.target);
DROP FUNCTION map_write(text);
