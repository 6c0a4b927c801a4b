-- bench/snapshot_index.sql: the end of a snapshot with an index on _ddb_snapshot
-- (issue 20).
--
-- psql -X -f bench/snapshot_index.sql (any database; makes and drops snap_a, snap_b)
--
-- 1,000,000 rows of about 400 bytes carrying _ddb_snapshot, with a btree
-- index on it; a second snapshot upserts 99% of them page by page (1,000
-- rows a statement, as a sync does), then the removal of the rows it did
-- not see: the planner's choice with fresh statistics, the index forced
-- (twice: the first pass marks the dead entries), and the sequential scan the
-- sync uses.  Each in a transaction rolled back.
\timing on
SET jit = off;
DROP TABLE IF EXISTS snap_a, snap_b;
CREATE TABLE snap_a (pk text PRIMARY KEY, payload text, _ddb_snapshot int8);
CREATE TABLE snap_b (pk text PRIMARY KEY, payload text, _ddb_snapshot int8);
CREATE INDEX snap_b_snap ON snap_b (_ddb_snapshot);
INSERT INTO snap_a SELECT 'bench-' || lpad(i::text, 8, '0'), repeat(md5(i::text), 12), 1 FROM generate_series(0, 999999) i;
INSERT INTO snap_b SELECT * FROM snap_a;
VACUUM ANALYZE snap_a;
VACUUM ANALYZE snap_b;
\echo second snapshot, upserts without the index
DO $$ BEGIN FOR p IN 0..999 LOOP
  INSERT INTO snap_a AS t SELECT 'bench-' || lpad(i::text, 8, '0'), repeat(md5(i::text), 12), 2
    FROM generate_series(p * 1000, p * 1000 + 999) i WHERE i % 100 <> 0
  ON CONFLICT (pk) DO UPDATE SET payload = EXCLUDED.payload, _ddb_snapshot = EXCLUDED._ddb_snapshot;
END LOOP; END $$;
\echo the same with the index
-- snapshot 2 sees 99%, in 990 pages as the sync commits them
DO $$ BEGIN FOR p IN 0..999 LOOP
  INSERT INTO snap_b AS t SELECT 'bench-' || lpad(i::text, 8, '0'), repeat(md5(i::text), 12), 2
    FROM generate_series(p * 1000, p * 1000 + 999) i WHERE i % 100 <> 0
  ON CONFLICT (pk) DO UPDATE SET payload = EXCLUDED.payload, _ddb_snapshot = EXCLUDED._ddb_snapshot;
END LOOP; END $$;
ANALYZE snap_b;
\echo the planner choice, fresh statistics
BEGIN;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, BUFFERS) DELETE FROM snap_b WHERE _ddb_snapshot < 2 OR _ddb_snapshot IS NULL;
ROLLBACK;
\echo forced index
BEGIN;
SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, BUFFERS) DELETE FROM snap_b WHERE _ddb_snapshot < 2;
ROLLBACK;
\echo forced index, second time (dead entries killed by the first)
BEGIN;
SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, BUFFERS) DELETE FROM snap_b WHERE _ddb_snapshot < 2;
ROLLBACK;
\echo seq scan
BEGIN;
SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, BUFFERS) DELETE FROM snap_b WHERE _ddb_snapshot IS NULL OR _ddb_snapshot <> 2;
ROLLBACK;
DROP TABLE snap_a, snap_b;
