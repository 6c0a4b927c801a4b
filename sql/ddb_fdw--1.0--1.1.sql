/* ddb_fdw--1.0--1.1.sql: upgrade of ddb_fdw from 1.0 to 1.1 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION ddb_fdw UPDATE TO '1.1'" to load this file. \quit

-- ===================================================================
-- The catalog shows a role only the rows of targets it may read: the rows
-- hold DynamoDB key values (last_key), stream ARNs (with the account id)
-- and error messages that may quote attribute values.  The procedures
-- write it as its owner, whom row-level security does not restrict.
-- ===================================================================
ALTER TABLE ddb_fdw.sync_state ENABLE ROW LEVEL SECURITY;
ALTER TABLE ddb_fdw.sync_checkpoint ENABLE ROW LEVEL SECURITY;
ALTER TABLE ddb_fdw.sync_shard ENABLE ROW LEVEL SECURITY;
ALTER TABLE ddb_fdw.sync_run ENABLE ROW LEVEL SECURITY;
CREATE POLICY target_readers ON ddb_fdw.sync_state FOR SELECT
  USING (pg_catalog.has_table_privilege(target, 'SELECT'));
CREATE POLICY target_readers ON ddb_fdw.sync_checkpoint FOR SELECT
  USING (pg_catalog.has_table_privilege(target, 'SELECT'));
CREATE POLICY target_readers ON ddb_fdw.sync_shard FOR SELECT
  USING (pg_catalog.has_table_privilege(target, 'SELECT'));
CREATE POLICY target_readers ON ddb_fdw.sync_run FOR SELECT
  USING (pg_catalog.has_table_privilege(target, 'SELECT'));

-- The view reads the tables with its owner's rights (which row-level
-- security does not restrict): it filters itself, as a security barrier.
CREATE OR REPLACE VIEW ddb_fdw.sync_status WITH (security_barrier = true) AS
SELECT s.target, s.foreign_table, s.status, s.last_success, s.rows,
       s.items_done, s.items_per_second, s.snapshot, s.snapshot_complete,
       s.last_error, r.started AS last_run_started, r.finished AS last_run_finished,
       r.mode AS last_run_mode, r.rows_upserted AS last_run_rows_upserted,
       r.rows_deleted AS last_run_rows_deleted, s.stream_arn IS NOT NULL AS streaming,
       s.stream_applied_to
  FROM ddb_fdw.sync_state s
  LEFT JOIN ddb_fdw.sync_run r ON r.run_id = s.last_run
 WHERE pg_catalog.has_table_privilege(s.target, 'SELECT');

-- ===================================================================
-- Issue 18: schema inference -- the drift report
-- ===================================================================
-- One row per finding of a fresh sample of the foreign table's DynamoDB
-- table: attributes no column reads ('unmapped'), columns whose attribute
-- no sampled item holds ('vanished'), columns whose values their type
-- cannot read ('type conflict'); each with the ALTER FOREIGN TABLE that
-- would resolve it.  Runs with the caller's rights (SELECT on the foreign
-- table and a user mapping, as a query needs).
CREATE FUNCTION ddb_fdw.schema_drift(
    foreign_table regclass,
    sample_size   integer DEFAULT 1000)
RETURNS TABLE (finding text, column_name name, attribute text, presence numeric,
               types text, items bigint, example_key text, detail text, fix text)
AS 'MODULE_PATHNAME', 'ddb_fdw_schema_drift'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION ddb_fdw.schema_drift(regclass, integer)
  IS 'how a DynamoDB table''s items drifted from a foreign table''s columns, with the fixes';
