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
-- Issue 17: table metadata from SQL
-- ===================================================================
CREATE FUNCTION ddb_fdw.tables(server name)
RETURNS TABLE (
    table_name           text,
    status               text,
    item_count           bigint,
    size_bytes           bigint,
    billing_mode         text,
    read_capacity_units  bigint,
    write_capacity_units bigint,
    stream_view_type     text,
    ttl_attribute        text,
    point_in_time_recovery boolean,
    indexes              jsonb)
AS 'MODULE_PATHNAME', 'ddb_fdw_tables'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION ddb_fdw.tables(name)
  IS 'one row per DynamoDB table of a ddb_fdw server: status, size, capacity, stream, TTL, point-in-time recovery, indexes';
