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
-- Issue 19: sync_progress
-- ===================================================================
-- The syncs running now, read from the shared memory their backends
-- update after every page.  The function lists only the syncs of this
-- database into targets the caller may SELECT (the rule of sync_status)
-- and never anything secret: calling it directly shows no more than the
-- view does.
CREATE FUNCTION ddb_fdw.sync_progress_info(
    OUT pid integer, OUT target regclass, OUT foreign_table regclass,
    OUT run_id bigint, OUT mode text, OUT phase text,
    OUT started timestamptz, OUT last_page_at timestamptz,
    OUT segments integer, OUT segments_done integer, OUT active_segments integer[],
    OUT workers integer, OUT worker_pids integer[],
    OUT pages bigint, OUT items bigint, OUT items_per_second double precision,
    OUT snapshot_items bigint, OUT table_items bigint, OUT eta interval,
    OUT retries bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ddb_fdw_sync_progress'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION ddb_fdw.sync_progress_info()
  IS 'ddb_fdw: the syncs running now (the view sync_progress)';

-- One row per sync running now.
CREATE VIEW ddb_fdw.sync_progress AS
SELECT pid, target, foreign_table, run_id, mode, phase, started, last_page_at,
       segments, segments_done, active_segments, workers, worker_pids,
       pages, items, items_per_second, snapshot_items, table_items, eta, retries
  FROM ddb_fdw.sync_progress_info();
COMMENT ON VIEW ddb_fdw.sync_progress IS 'ddb_fdw: the syncs running now';
GRANT SELECT ON ddb_fdw.sync_progress TO PUBLIC;

-- progress_interval (progress NOTICEs paced by time) is an argument of the
-- procedures: see their definitions with issue 21's below.

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

-- ===================================================================
-- issue 21: streams that run for months
-- TTL deletes and events ddb_fdw does not know are counted apart; a
-- snapshot keeps the stream's records in a change buffer while it runs
-- (so a snapshot longer than the stream's retention does not loop), and
-- sync_status shows the buffer's size.  The procedures take ttl_deletes
-- (every earlier call, named arguments included, works as before).
-- ===================================================================
ALTER TABLE ddb_fdw.sync_run
  ADD COLUMN ttl_removes    bigint NOT NULL DEFAULT 0,  -- removes by Time to Live
  ADD COLUMN unknown_events bigint NOT NULL DEFAULT 0,  -- applied from the current item
  ADD COLUMN buffered       bigint NOT NULL DEFAULT 0;  -- records kept in sync_buffer
-- every change before this is applied, or kept in sync_buffer
ALTER TABLE ddb_fdw.sync_state ADD COLUMN stream_buffered_to timestamptz;

-- The stream's records read while a snapshot runs, applied when it ends.
CREATE TABLE ddb_fdw.sync_buffer (
    target           regclass NOT NULL REFERENCES ddb_fdw.sync_state ON DELETE CASCADE,
    position         bigserial,             -- the order the records are applied in
    shard_id         text NOT NULL,
    sequence_number  text NOT NULL,
    event            text NOT NULL,         -- eventName as the stream sent it
    ttl              boolean NOT NULL,      -- a delete by Time to Live
    keys             text NOT NULL,         -- the record's Keys (DynamoDB JSON)
    image            text,                  -- its NewImage (a TTL removal: its
                                            -- OldImage), when the stream has it
    added_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (target, position)
);
COMMENT ON TABLE ddb_fdw.sync_buffer IS 'ddb_fdw: stream records kept while a snapshot runs';
ALTER TABLE ddb_fdw.sync_buffer ENABLE ROW LEVEL SECURITY;
CREATE POLICY target_readers ON ddb_fdw.sync_buffer FOR SELECT
  USING (pg_catalog.has_table_privilege(target, 'SELECT'));
REVOKE ALL ON ddb_fdw.sync_buffer FROM PUBLIC;
GRANT SELECT ON ddb_fdw.sync_buffer TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('ddb_fdw.sync_buffer', '');
SELECT pg_catalog.pg_extension_config_dump('ddb_fdw.sync_buffer_position_seq', '');

CREATE OR REPLACE VIEW ddb_fdw.sync_status WITH (security_barrier = true) AS
SELECT s.target, s.foreign_table, s.status, s.last_success, s.rows,
       s.items_done, s.items_per_second, s.snapshot, s.snapshot_complete,
       s.last_error, r.started AS last_run_started, r.finished AS last_run_finished,
       r.mode AS last_run_mode, r.rows_upserted AS last_run_rows_upserted,
       r.rows_deleted AS last_run_rows_deleted, s.stream_arn IS NOT NULL AS streaming,
       s.stream_applied_to,
       b.records AS buffered_records, b.bytes AS buffered_bytes
  FROM ddb_fdw.sync_state s
  LEFT JOIN ddb_fdw.sync_run r ON r.run_id = s.last_run
  CROSS JOIN LATERAL
    (SELECT count(*) AS records,
            coalesce(sum(octet_length(x.keys) + coalesce(octet_length(x.image), 0)), 0)
              AS bytes
       FROM ddb_fdw.sync_buffer x WHERE x.target = s.target) b
 WHERE pg_catalog.has_table_privilege(s.target, 'SELECT');

DROP PROCEDURE ddb_fdw.sync(regclass, text, boolean, boolean, boolean, boolean, integer,
                            text, bigint, interval);
DROP PROCEDURE ddb_fdw.sync_server(name, name, name, boolean, boolean, boolean, boolean,
                                   integer, text, bigint, interval);
CREATE PROCEDURE ddb_fdw.sync(
    foreign_table regclass,
    target        text DEFAULT NULL,
    restart       boolean DEFAULT false,
    wait          boolean DEFAULT false,
    soft_delete   boolean DEFAULT false,
    synced_at     boolean DEFAULT false,
    progress      integer DEFAULT 0,
    mode          text DEFAULT 'auto',
    max_records   bigint DEFAULT NULL,
    max_duration  interval DEFAULT NULL,
    progress_interval interval DEFAULT NULL,
    ttl_deletes   text DEFAULT 'delete')
AS 'MODULE_PATHNAME', 'ddb_fdw_sync'
LANGUAGE C;
COMMENT ON PROCEDURE ddb_fdw.sync(regclass, text, boolean, boolean, boolean, boolean, integer,
                                  text, bigint, interval, interval, text)
  IS 'copy a DynamoDB foreign table into a local table, resumably, then follow its stream';

CREATE PROCEDURE ddb_fdw.sync_server(
    server         name,
    target_schema  name,
    foreign_schema name DEFAULT NULL,
    restart        boolean DEFAULT false,
    wait           boolean DEFAULT false,
    soft_delete    boolean DEFAULT false,
    synced_at      boolean DEFAULT false,
    progress       integer DEFAULT 0,
    mode           text DEFAULT 'auto',
    max_records    bigint DEFAULT NULL,
    max_duration   interval DEFAULT NULL,
    progress_interval interval DEFAULT NULL,
    ttl_deletes    text DEFAULT 'delete')
AS 'MODULE_PATHNAME', 'ddb_fdw_sync_server'
LANGUAGE C;
COMMENT ON PROCEDURE ddb_fdw.sync_server(name, name, name, boolean, boolean, boolean, boolean,
                                         integer, text, bigint, interval, interval, text)
  IS 'import and sync every table of a ddb_fdw server';

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
