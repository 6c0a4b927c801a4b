--
-- infer: IMPORT FOREIGN SCHEMA ... OPTIONS (infer 'true'): typed columns
-- from a sample of each table's items; the item column of the rest
-- (unmapped_only); ddb_fdw.schema_drift
--
-- Fixtures (test/fixtures.py, set infer): infer_items, 200 items with
-- attributes of every type present in 100, 85, 50 and 5% of them, awkward
-- names and mixed types; infer_drift, 40 items with a composite key.  The
-- 50,000-item table infer_big is written here (test/tools/ddb_write.py)
-- and deleted at the end.
--
\getenv gateway DDB_GATEWAY
\getenv access_key DDB_TEST_ACCESS_KEY
\getenv secret_key DDB_TEST_SECRET_KEY
\getenv table_count DDB_TABLE_COUNT
SET client_min_messages = notice;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';

-- Scan requests of a table in the gateway's log: segment, Limit, items.
CREATE FUNCTION infer_scans(tbl text)
RETURNS TABLE (seq int, segment text, lim int, items int)
LANGUAGE sql AS $$
  SELECT f[1]::int, f[4], nullif(f[5], '-')::int, nullif(f[13], '-')::int
    FROM (SELECT string_to_array(line, E'\t') AS f
            FROM ddb_test.sh(format('curl -sS %s/__gw/log',
                                    ddb_test.getenv('gateway'))) AS line) l
   WHERE f[2] = 'Scan' AND f[3] = tbl
$$;
-- The columns of a foreign table: name, type, options, comment.
CREATE FUNCTION infer_columns(rel regclass)
RETURNS TABLE (col name, type text, options text, comment text)
LANGUAGE sql AS $$
  SELECT attname, format_type(atttypid, atttypmod) || CASE WHEN attnotnull THEN ' not null' ELSE '' END,
         array_to_string(attfdwoptions, ', '), col_description(attrelid, attnum)
    FROM pg_attribute WHERE attrelid = rel AND attnum > 0 AND NOT attisdropped
   ORDER BY attnum
$$;

-- ===================================================================
-- one column per attribute in at least 80% of the sample, typed by it
-- ===================================================================
CREATE SCHEMA inf;
IMPORT FOREIGN SCHEMA x LIMIT TO (infer_items, infer_drift) FROM SERVER ddb INTO inf
  OPTIONS (infer 'true');
-- the sample of 200 items is the whole table: every column is asserted
SELECT * FROM infer_columns('inf.infer_items');
SELECT obj_description('inf.infer_items'::regclass, 'pg_class') AS table_comment;
SELECT * FROM infer_columns('inf.infer_drift');

-- ===================================================================
-- the imported table reads what boto3 reads, column by column
-- ===================================================================
CREATE TEMP TABLE boto AS
  SELECT item AS b FROM ddb_test.dynamodb_items('infer_items') AS item;
CREATE FUNCTION infer_texts(jsonb) RETURNS text[] LANGUAGE sql IMMUTABLE AS
  $$ SELECT array_agg(x) FROM jsonb_array_elements_text($1) x $$;
\x on
SELECT count(*) AS rows,
       count(*) FILTER (WHERE t.id IS NULL OR b IS NULL) AS unmatched,
       count(*) FILTER (WHERE t.item IS DISTINCT FROM b) AS item,
       count(*) FILTER (WHERE t."CamelCase" IS DISTINCT FROM b->>'CamelCase') AS "CamelCase",
       count(*) FILTER (WHERE t."a.b.c" IS DISTINCT FROM b->>'a.b.c') AS "a.b.c",
       count(*) FILTER (WHERE t."attribute_yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
                        IS DISTINCT FROM (b->>('attribute_' || repeat('y', 70)))::int8) AS long_name,
       count(*) FILTER (WHERE encode(t.blob, 'base64') IS DISTINCT FROM b->>'blob') AS blob,
       count(*) FILTER (WHERE ARRAY(SELECT encode(x, 'base64') FROM unnest(t.blobs) x)
                        IS DISTINCT FROM coalesce(infer_texts(b->'blobs'), '{}')) AS blobs,
       count(*) FILTER (WHERE t.code IS DISTINCT FROM b->'code') AS code,
       count(*) FILTER (WHERE t.count IS DISTINCT FROM (b->>'count')::int8) AS count,
       count(*) FILTER (WHERE t.created_at IS DISTINCT FROM (b->>'created_at')::timestamptz) AS created_at,
       count(*) FILTER (WHERE t.date_only IS DISTINCT FROM b->>'date_only') AS date_only,
       count(*) FILTER (WHERE t.empty_str IS DISTINCT FROM b->>'empty_str') AS empty_str,
       count(*) FILTER (WHERE t.flag IS DISTINCT FROM (b->>'flag')::boolean) AS flag,
       count(*) FILTER (WHERE t.from IS DISTINCT FROM (b->>'from')::int8) AS "from",
       count(*) FILTER (WHERE t."full name" IS DISTINCT FROM b->>'full name') AS "full name",
       count(*) FILTER (WHERE t.history IS DISTINCT FROM b->'history') AS history,
       count(*) FILTER (WHERE t.huge::text IS DISTINCT FROM b->>'huge') AS huge,
       count(*) FILTER (WHERE t.item_2 IS DISTINCT FROM b->>'item') AS item_2,
       count(*) FILTER (WHERE t.maybe_uuid IS DISTINCT FROM (b->>'maybe_uuid')::uuid) AS maybe_uuid,
       count(*) FILTER (WHERE t.name IS DISTINCT FROM b->>'name') AS name,
       count(*) FILTER (WHERE t.note IS DISTINCT FROM b->>'note') AS note,
       count(*) FILTER (WHERE t.nothing IS DISTINCT FROM b->>'nothing') AS nothing,
       count(*) FILTER (WHERE t.order IS DISTINCT FROM (b->>'order')::boolean) AS "order",
       count(*) FILTER (WHERE t.price::text IS DISTINCT FROM b->>'price') AS price,
       count(*) FILTER (WHERE t.profile IS DISTINCT FROM b->'profile') AS profile,
       count(*) FILTER (WHERE t."prénom" IS DISTINCT FROM b->>'prénom') AS "prénom",
       count(*) FILTER (WHERE t.ratios::text[] IS DISTINCT FROM infer_texts(b->'ratios')) AS ratios,
       count(*) FILTER (WHERE t.scores::text[] IS DISTINCT FROM infer_texts(b->'scores')) AS scores,
       count(*) FILTER (WHERE t.select IS DISTINCT FROM b->>'select') AS "select",
       count(*) FILTER (WHERE t.tags IS DISTINCT FROM infer_texts(b->'tags')) AS tags,
       count(*) FILTER (WHERE t.ts85 IS DISTINCT FROM (b->>'ts85')::timestamptz) AS ts85,
       count(*) FILTER (WHERE t.uuid IS DISTINCT FROM (b->>'uuid')::uuid) AS uuid,
       count(*) FILTER (WHERE t.when_or_empty IS DISTINCT FROM b->>'when_or_empty') AS when_or_empty,
       count(*) FILTER (WHERE t."zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
                        IS DISTINCT FROM b->>(repeat('z', 63) || '_one')) AS twin_one,
       count(*) FILTER (WHERE t."zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz_2"
                        IS DISTINCT FROM b->>(repeat('z', 63) || '_two')) AS twin_two,
       count(*) FILTER (WHERE t."数量" IS DISTINCT FROM (b->>'数量')::int8) AS "数量"
  FROM inf.infer_items t FULL JOIN boto ON t.id = b->>'id';
\x off
-- a row as the types show it (sets in DynamoDB's order)
SELECT id, created_at, ts85, uuid, maybe_uuid, count, price, huge, flag, blob, tags, scores,
       ratios, blobs, code, note, when_or_empty
  FROM inf.infer_items WHERE id IN ('i-000', 'i-001', 'i-004') ORDER BY id;
SELECT id, profile, history, "数量", "from", "order", item_2
  FROM inf.infer_items WHERE id = 'i-001';

-- ===================================================================
-- min_presence, unmapped_only, and the import options
-- ===================================================================
CREATE SCHEMA inf_opt;
-- 50%: the attribute of every other item gets a column
IMPORT FOREIGN SCHEMA x LIMIT TO (infer_items) FROM SERVER ddb INTO inf_opt
  OPTIONS (infer 'true', min_presence '50', item_column 'doc');
SELECT col, type, comment FROM infer_columns('inf_opt.infer_items')
 WHERE col NOT IN (SELECT col FROM infer_columns('inf.infer_items'));
DROP FOREIGN TABLE inf_opt.infer_items;
-- 0%: every attribute; 100%: only those of every item
IMPORT FOREIGN SCHEMA x LIMIT TO (infer_items) FROM SERVER ddb INTO inf_opt
  OPTIONS (infer 'true', min_presence '0');
SELECT col, type FROM infer_columns('inf_opt.infer_items')
 WHERE col NOT IN (SELECT col FROM infer_columns('inf.infer_items'));
SELECT rare, half FROM inf_opt.infer_items WHERE id IN ('i-000', 'i-001', 'i-020') ORDER BY id;
DROP FOREIGN TABLE inf_opt.infer_items;
IMPORT FOREIGN SCHEMA x LIMIT TO (infer_items) FROM SERVER ddb INTO inf_opt
  OPTIONS (infer 'true', min_presence '100');
SELECT col FROM infer_columns('inf.infer_items')
 WHERE col NOT IN (SELECT col FROM infer_columns('inf_opt.infer_items'));
DROP FOREIGN TABLE inf_opt.infer_items;

-- unmapped_only: the item column holds what no other column reads
IMPORT FOREIGN SCHEMA x LIMIT TO (infer_items, infer_drift) FROM SERVER ddb INTO inf_opt
  OPTIONS (infer 'true', unmapped_only 'true');
SELECT col, options FROM infer_columns('inf_opt.infer_drift');
SELECT id, item FROM inf_opt.infer_items WHERE id IN ('i-000', 'i-001', 'i-020') ORDER BY id;
-- the rest is everything but the columns: together, the whole item
SELECT count(*) AS rows,
       count(*) FILTER (WHERE r.item = w.item
                                       - ARRAY(SELECT col FROM infer_columns('inf.infer_items')
                                                WHERE options IS NULL)::text[]
                                       - 'item' - ('attribute_' || repeat('y', 70))
                                       - (repeat('z', 63) || '_one')
                                       - (repeat('z', 63) || '_two')) AS rest_matches
  FROM inf_opt.infer_items r JOIN inf.infer_items w USING (id);
-- the same through segment workers (the mapping they get says it too)
ALTER FOREIGN TABLE inf_opt.infer_items OPTIONS (ADD segments '4');
SELECT count(*) AS rows,
       count(*) FILTER (WHERE r.item = w.item
                                       - ARRAY(SELECT col FROM infer_columns('inf.infer_items')
                                                WHERE options IS NULL)::text[]
                                       - 'item' - ('attribute_' || repeat('y', 70))
                                       - (repeat('z', 63) || '_one')
                                       - (repeat('z', 63) || '_two')) AS rest_matches
  FROM inf_opt.infer_items r JOIN inf.infer_items w USING (id);
-- a dropped column's attribute goes back into the item
ALTER FOREIGN TABLE inf_opt.infer_drift DROP COLUMN color;
SELECT grp, seq, label, item FROM inf_opt.infer_drift ORDER BY seq LIMIT 2;
-- writes: typed columns and the rest make the item
CREATE FUNCTION infer_get(grp text, seq int) RETURNS jsonb LANGUAGE sql AS $$
  SELECT ddb_test.dynamodb('GetItem', jsonb_build_object('TableName', 'infer_drift',
           'Key', jsonb_build_object('grp', jsonb_build_object('S', grp),
                                     'seq', jsonb_build_object('N', seq::text)),
           'ConsistentRead', true)) -> 'Item'
$$;
INSERT INTO inf_opt.infer_drift (grp, seq, qty, label, item)
  VALUES ('w', 1, 5, 'written', '{"color": "pink", "extra": [1, 2]}');
SELECT infer_get('w', 1);
SELECT grp, seq, qty, label, item FROM inf_opt.infer_drift WHERE grp = 'w';
UPDATE inf_opt.infer_drift SET item = '{"color": "black"}' WHERE grp = 'w' AND seq = 1;
SELECT infer_get('w', 1);
UPDATE inf_opt.infer_drift SET qty = 7 WHERE grp = 'w' AND seq = 1 RETURNING qty, item;
SELECT infer_get('w', 1);
DELETE FROM inf_opt.infer_drift WHERE grp = 'w' RETURNING grp, seq, item;
SELECT infer_get('w', 1) IS NULL AS deleted;

-- options that are wrong
\set VERBOSITY default
IMPORT FOREIGN SCHEMA x LIMIT TO (infer_drift) FROM SERVER ddb INTO inf_opt
  OPTIONS (sample_size '10');
IMPORT FOREIGN SCHEMA x LIMIT TO (infer_drift) FROM SERVER ddb INTO inf_opt
  OPTIONS (infer 'true', sample_size '0');
IMPORT FOREIGN SCHEMA x LIMIT TO (infer_drift) FROM SERVER ddb INTO inf_opt
  OPTIONS (infer 'true', min_presence '101');
IMPORT FOREIGN SCHEMA x LIMIT TO (infer_drift) FROM SERVER ddb INTO inf_opt
  OPTIONS (infer 'true', sample_seed '-1');
IMPORT FOREIGN SCHEMA x LIMIT TO (infer_drift) FROM SERVER ddb INTO inf_opt
  OPTIONS (infer 'maybe');
IMPORT FOREIGN SCHEMA x LIMIT TO (infer_drift) FROM SERVER ddb INTO inf_opt
  OPTIONS (inferr 'true');
-- unmapped_only belongs to a whole_item column
CREATE FOREIGN TABLE inf_opt.bad (pk text, rest jsonb OPTIONS (unmapped_only 'true'))
  SERVER ddb OPTIONS (table_name 'infer_drift');
\set VERBOSITY terse

-- more attributes than a table can have columns: the most frequent ones
IMPORT FOREIGN SCHEMA x LIMIT TO (infer_wide) FROM SERVER ddb INTO inf_opt
  OPTIONS (infer 'true', min_presence '0');
SELECT count(*) AS columns, min(col) FILTER (WHERE col LIKE 'a%') AS first,
       max(col) FILTER (WHERE col LIKE 'a%') AS last
  FROM infer_columns('inf_opt.infer_wide');
SELECT id, a0000, a1595, a1699, (SELECT count(*) FROM jsonb_object_keys(item)) AS item_keys,
       item->'a1698' AS a1698
  FROM inf_opt.infer_wide ORDER BY id;

-- ===================================================================
-- comments only on what the import creates
-- ===================================================================
CREATE SCHEMA inf_c;
-- an import that fails at its first table leaves no comment for the next
-- import's tables
CREATE FOREIGN TABLE inf_c.infer_drift (grp text) SERVER ddb;
DO $$
BEGIN
  BEGIN
    IMPORT FOREIGN SCHEMA x LIMIT TO (infer_drift, infer_items) FROM SERVER ddb INTO inf_c
      OPTIONS (infer 'true');
  EXCEPTION WHEN duplicate_table THEN
    RAISE NOTICE 'import failed: %', SQLERRM;
  END;
  IMPORT FOREIGN SCHEMA x LIMIT TO (infer_items) FROM SERVER ddb INTO inf_c;
END
$$;
SELECT obj_description('inf_c.infer_items'::regclass, 'pg_class') AS table_comment,
       col_description('inf_c.infer_items'::regclass, 2) AS item_comment;

-- ===================================================================
-- a table of 50,000 items: the sample reads about sample_size of them
-- ===================================================================
-- (written by four writers at once: DynamoDB Local writes about 4,000
-- items a second)
SELECT string_agg(line, ', ') AS written FROM ddb_test.sh(format(
  'w="/usr/bin/python3 %s/ddb_write.py --endpoint %s --table infer_big"; '
  '$w create --keys simple --items 0 && '
  '{ for k in 0 1 2 3; do $w put --from $((k * 12500)) --to $((k * 12500 + 12500)) & done; wait; }',
  ddb_test.getenv('tools'), ddb_test.getenv('local'))) AS line;
CREATE SCHEMA inf_big;
SELECT ddb_test.reset_requests();
IMPORT FOREIGN SCHEMA x LIMIT TO (infer_big) FROM SERVER ddb INTO inf_big OPTIONS (infer 'true');
SELECT * FROM infer_columns('inf_big.infer_big');
-- from 20 random segments of a 1,000-segment split, never more than the sample
SELECT count(*) AS scans, sum(items) AS items_read, max(lim) AS max_limit,
       count(DISTINCT segment) AS segments, bool_and(segment LIKE '%/1000') AS split_1000,
       bool_and(items <= lim) AS within_limits
  FROM infer_scans('infer_big');
CREATE TEMP TABLE seed0 AS SELECT array_agg(segment ORDER BY seq) AS segments FROM infer_scans('infer_big');
-- the same seed reads the same segments and infers the same; another seed
-- other segments
SELECT ddb_test.reset_requests();
CREATE SCHEMA inf_big2;
IMPORT FOREIGN SCHEMA x LIMIT TO (infer_big) FROM SERVER ddb INTO inf_big2 OPTIONS (infer 'true');
SELECT (SELECT array_agg(segment ORDER BY seq) FROM infer_scans('infer_big')) = segments AS same_segments,
       ARRAY(SELECT row(c.*)::text FROM infer_columns('inf_big.infer_big') c) =
       ARRAY(SELECT row(c.*)::text FROM infer_columns('inf_big2.infer_big') c) AS same_columns
  FROM seed0;
DROP FOREIGN TABLE inf_big2.infer_big;
SELECT ddb_test.reset_requests();
IMPORT FOREIGN SCHEMA x LIMIT TO (infer_big) FROM SERVER ddb INTO inf_big2
  OPTIONS (infer 'true', sample_seed '42', sample_size '300');
SELECT count(*) AS scans, sum(items) AS items_read,
       (SELECT array_agg(segment ORDER BY seq) FROM infer_scans('infer_big')) <> segments AS other_segments
  FROM infer_scans('infer_big'), seed0 GROUP BY segments;
-- the inferred types read the whole table (in four segments)
ALTER FOREIGN TABLE inf_big.infer_big OPTIONS (ADD segments '4');
SELECT count(*), count(name), sum(v), sum(price), count(*) FILTER (WHERE cardinality(extra) = 2)
  FROM inf_big.infer_big;

-- ===================================================================
-- every table of the account imports with inference (EXCEPT), and where
-- the sample was the whole table, its columns read every item (but for
-- bad_values' string holding U+0000, which no PostgreSQL type can hold:
-- errors suite)
-- ===================================================================
CREATE SCHEMA inf_all;
SET client_min_messages = warning;
IMPORT FOREIGN SCHEMA x EXCEPT (infer_big, infer_items) FROM SERVER ddb INTO inf_all
  OPTIONS (infer 'true', sample_size '500');
SET client_min_messages = notice;
SELECT count(*) = :table_count - 1 AS all_but_two_imported
  FROM information_schema.foreign_tables WHERE foreign_table_schema = 'inf_all';
DO $$
DECLARE
  t record;
  n bigint;
  whole int := 0;
BEGIN
  FOR t IN SELECT c.oid::regclass AS rel FROM pg_class c
            WHERE c.relnamespace = 'inf_all'::regnamespace ORDER BY c.relname
  LOOP
    EXECUTE format('SELECT count(*) FROM %s', t.rel) INTO n;
    CONTINUE WHEN n > 500;
    whole := whole + 1;
    BEGIN
      EXECUTE format('SELECT count(t) FROM %s t', t.rel);
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE '%: %', t.rel, SQLERRM;
    END;
  END LOOP;
  RAISE NOTICE 'tables read whole: %', whole > 100;
END
$$;

-- ===================================================================
-- schema_drift: a fresh sample against the foreign table's columns
-- ===================================================================
-- as imported: nothing
SELECT * FROM ddb_fdw.schema_drift('inf.infer_drift');
-- items with a new attribute and changed types arrive, a column is added
-- for an attribute no item has
SELECT count(ddb_test.dynamodb('PutItem', jsonb_build_object('TableName', 'infer_drift',
         'Item', jsonb_build_object('grp', '{"S": "new"}'::jsonb,
                                    'seq', jsonb_build_object('N', i::text),
                                    'qty', CASE WHEN i % 5 = 0 THEN jsonb_build_object('S', 'many ' || i)
                                                ELSE jsonb_build_object('N', i::text) END,
                                    'seen', CASE WHEN i = 3 THEN '{"S": "soon"}'::jsonb
                                                 WHEN i = 4 THEN '{"S": "yesterday"}'::jsonb
                                                 ELSE '{"S": "2024-05-06T07:08:09Z"}'::jsonb END,
                                    'label', '{"S": "new"}'::jsonb,
                                    'discount', jsonb_build_object('N', (i * 1.5)::text)))))
  FROM generate_series(1, 10) i;
ALTER FOREIGN TABLE inf.infer_drift ADD COLUMN legacy text;
\x on
SELECT * FROM ddb_fdw.schema_drift('inf.infer_drift');
\x off
-- the fixes make the table read every item, and leave nothing to report
DO $$
DECLARE
  f text;
BEGIN
  FOR f IN SELECT fix FROM ddb_fdw.schema_drift('inf.infer_drift') LOOP
    EXECUTE f;
  END LOOP;
END
$$;
SELECT * FROM infer_columns('inf.infer_drift');
SELECT * FROM ddb_fdw.schema_drift('inf.infer_drift');
SELECT grp, seq, qty, seen, discount FROM inf.infer_drift WHERE grp = 'new' AND seq <= 5 ORDER BY seq;
-- a sample smaller than the table
SELECT finding, column_name, attribute FROM ddb_fdw.schema_drift('inf_big.infer_big', 50);

-- errors, and the caller's rights
SELECT * FROM ddb_fdw.schema_drift('inf.infer_drift', 0);
SELECT * FROM ddb_fdw.schema_drift('pg_class');
CREATE FOREIGN DATA WRAPPER inf_nothing;
CREATE SERVER inf_nowhere FOREIGN DATA WRAPPER inf_nothing;
CREATE FOREIGN TABLE inf.not_ddb (a int) SERVER inf_nowhere;
SELECT * FROM ddb_fdw.schema_drift('inf.not_ddb');
SELECT prosecdef AS security_definer FROM pg_proc WHERE oid = 'ddb_fdw.schema_drift'::regproc;
CREATE ROLE ddb_infer_reader;
GRANT USAGE ON SCHEMA inf TO ddb_infer_reader;
SET ROLE ddb_infer_reader;
SELECT * FROM ddb_fdw.schema_drift('inf.infer_drift');
RESET ROLE;
GRANT SELECT ON inf.infer_drift TO ddb_infer_reader;
SET ROLE ddb_infer_reader;
SELECT * FROM ddb_fdw.schema_drift('inf.infer_drift');
RESET ROLE;
-- with a user mapping of its own, it reads as itself
CREATE USER MAPPING FOR ddb_infer_reader SERVER ddb
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
SET ROLE ddb_infer_reader;
SELECT count(*) AS findings FROM ddb_fdw.schema_drift('inf.infer_drift');
RESET ROLE;
DROP USER MAPPING FOR ddb_infer_reader SERVER ddb;

-- ===================================================================
-- clean up
-- ===================================================================
SELECT count(ddb_test.dynamodb('DeleteItem', jsonb_build_object('TableName', 'infer_drift',
         'Key', jsonb_build_object('grp', '{"S": "new"}'::jsonb, 'seq', jsonb_build_object('N', i::text)))))
  FROM generate_series(1, 10) i;
SELECT ddb_test.dynamodb('DeleteTable', '{"TableName": "infer_big"}') #>> '{TableDescription,TableName}' AS deleted;
SET client_min_messages = warning;
DROP SCHEMA inf, inf_opt, inf_c, inf_big, inf_big2, inf_all CASCADE;
DROP ROLE ddb_infer_reader;
DROP FOREIGN DATA WRAPPER inf_nothing CASCADE;
DROP FUNCTION infer_scans, infer_columns, infer_texts, infer_get;
