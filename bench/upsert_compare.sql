-- bench/upsert_compare.sql: the sync leader's page upsert, measured (issue 20).
--
-- psql -X -f bench/upsert_compare.sql (any database; makes and drops up_* tables)
--
-- 100 pages of 1,000 rows (text key, int8, a small jsonb document), held as
-- arrays, upserted page by page three ways, rounds interleaved: what the sync
-- does (INSERT ... SELECT FROM unnest(array of the target's row type) ON
-- CONFLICT), the same with one array per column (ROWS FROM of unnests), and
-- COPY of the same rows into a table of the same definition; then both
-- upserts again over existing rows (a second snapshot).  Timings: psql's.
\timing on
SET jit = off;
DROP TABLE IF EXISTS up_t, up_pages, up_copy CASCADE;
CREATE TABLE up_t (pk text PRIMARY KEY, seq int8, doc jsonb, _ddb_snapshot int8);
CREATE TABLE up_copy (LIKE up_t INCLUDING ALL);
-- 100 pages of 1000 rows, as composite arrays and as column arrays
CREATE TABLE up_pages AS
  SELECT p, array_agg(ROW(pk, seq, doc, 1)::up_t) AS rows_, array_agg(pk) AS pks, array_agg(seq) AS seqs,
         array_agg(doc) AS docs
    FROM (SELECT i / 1000 AS p, 'bench-' || lpad(i::text, 8, '0') AS pk, i::int8 AS seq,
                 jsonb_build_object('a', repeat(md5(i::text), 8), 'n', i, 'l', jsonb_build_array(i, 'x', true)) AS doc
            FROM generate_series(0, 99999) i) s GROUP BY p;
COPY (SELECT u.* FROM up_pages, unnest(rows_) u) TO '/tmp/up_rows.copy';
CREATE OR REPLACE PROCEDURE up_run(kind text) LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM up_pages ORDER BY p LOOP
    IF kind = 'composite' THEN
      INSERT INTO up_t AS t (pk, seq, doc, _ddb_snapshot) SELECT pk, seq, doc, _ddb_snapshot FROM pg_catalog.unnest(r.rows_)
        ON CONFLICT (pk) DO UPDATE SET seq = EXCLUDED.seq, doc = EXCLUDED.doc, _ddb_snapshot = EXCLUDED._ddb_snapshot;
    ELSE
      INSERT INTO up_t AS t (pk, seq, doc, _ddb_snapshot) SELECT u.*, 1 FROM ROWS FROM (pg_catalog.unnest(r.pks), pg_catalog.unnest(r.seqs), pg_catalog.unnest(r.docs)) u
        ON CONFLICT (pk) DO UPDATE SET seq = EXCLUDED.seq, doc = EXCLUDED.doc, _ddb_snapshot = EXCLUDED._ddb_snapshot;
    END IF;
  END LOOP;
END $$;
\echo round 1
TRUNCATE up_t; CALL up_run('composite');
TRUNCATE up_t; CALL up_run('columns');
TRUNCATE up_copy; COPY up_copy FROM '/tmp/up_rows.copy';
\echo round 2
TRUNCATE up_t; CALL up_run('columns');
TRUNCATE up_t; CALL up_run('composite');
TRUNCATE up_copy; COPY up_copy FROM '/tmp/up_rows.copy';
\echo round 3
TRUNCATE up_t; CALL up_run('composite');
TRUNCATE up_t; CALL up_run('columns');
TRUNCATE up_copy; COPY up_copy FROM '/tmp/up_rows.copy';
\echo updates of existing rows (a second snapshot)
CALL up_run('composite');
CALL up_run('columns');
CALL up_run('composite');
CALL up_run('columns');
DROP TABLE up_t, up_pages, up_copy;
DROP PROCEDURE up_run;
