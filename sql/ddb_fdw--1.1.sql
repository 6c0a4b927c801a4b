/* ddb_fdw--1.1.sql: install script of ddb_fdw 1.1 */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION ddb_fdw" to load this file. \quit

CREATE FUNCTION ddb_fdw.ddb_fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FUNCTION ddb_fdw.ddb_fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER ddb_fdw
  HANDLER ddb_fdw.ddb_fdw_handler
  VALIDATOR ddb_fdw.ddb_fdw_validator;

COMMENT ON FOREIGN DATA WRAPPER ddb_fdw IS 'Amazon DynamoDB';

-- ===================================================================
-- sync: copy DynamoDB tables into ordinary tables, resumably
-- ===================================================================

-- One row per sync target: where its current snapshot stands.
CREATE TABLE ddb_fdw.sync_state (
    target            regclass PRIMARY KEY,
    foreign_table     regclass NOT NULL,
    status            text NOT NULL DEFAULT 'new'
                      CHECK (status IN ('new', 'running', 'succeeded', 'failed', 'canceled')),
    snapshot          bigint NOT NULL DEFAULT 0,   -- number of the current snapshot
    snapshot_started  timestamptz,
    snapshot_complete boolean NOT NULL DEFAULT false,
    total_segments    integer NOT NULL DEFAULT 1,
    items_done        bigint NOT NULL DEFAULT 0,   -- in the current snapshot
    items_per_second  double precision,            -- of the current run
    rows              bigint,                      -- items in the last complete snapshot
    last_run          bigint,
    last_success      timestamptz,
    last_error        text,
    -- DynamoDB Streams: the stream the target follows after its snapshot
    stream_arn        text,
    stream_view_type  text,
    stream_from       timestamptz,   -- the snapshot holds every change before this
    stream_applied_to timestamptz,   -- every change before this is applied
    updated_at        timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ddb_fdw.sync_state IS 'ddb_fdw: one row per sync target';

-- Per segment of the current snapshot: the last fully applied page.
CREATE TABLE ddb_fdw.sync_checkpoint (
    target      regclass NOT NULL REFERENCES ddb_fdw.sync_state ON DELETE CASCADE,
    segment     integer NOT NULL,
    last_key    jsonb,                 -- LastEvaluatedKey after the last applied page
    done        boolean NOT NULL DEFAULT false,
    items       bigint NOT NULL DEFAULT 0,
    pages       bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (target, segment)
);
COMMENT ON TABLE ddb_fdw.sync_checkpoint IS 'ddb_fdw: where each segment of a snapshot got to';

-- Per shard of the stream: the last applied record.
CREATE TABLE ddb_fdw.sync_shard (
    target           regclass NOT NULL REFERENCES ddb_fdw.sync_state ON DELETE CASCADE,
    shard_id         text NOT NULL,
    parent_shard_id  text,
    sequence_number  text,                 -- last applied record; NULL: none yet
    done             boolean NOT NULL DEFAULT false,  -- closed, applied to its end
    records          bigint NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (target, shard_id)
);
COMMENT ON TABLE ddb_fdw.sync_shard IS 'ddb_fdw: where each stream shard got to';

-- Every run of a sync.
CREATE TABLE ddb_fdw.sync_run (
    run_id             bigserial PRIMARY KEY,
    foreign_table      regclass NOT NULL,
    target             regclass NOT NULL,
    started            timestamptz NOT NULL DEFAULT now(),
    finished           timestamptz,
    status             text NOT NULL
                       CHECK (status IN ('running', 'succeeded', 'failed', 'canceled', 'interrupted')),
    mode               text NOT NULL CHECK (mode IN ('snapshot', 'resume', 'stream')),
    snapshot           bigint,
    rows_upserted      bigint NOT NULL DEFAULT 0,
    rows_deleted       bigint NOT NULL DEFAULT 0,
    pages              bigint NOT NULL DEFAULT 0,
    retries            bigint NOT NULL DEFAULT 0,
    consumed_capacity  double precision NOT NULL DEFAULT 0,
    segments           integer,
    workers            integer NOT NULL DEFAULT 0,
    inserts            bigint NOT NULL DEFAULT 0,  -- stream records applied
    modifies           bigint NOT NULL DEFAULT 0,
    removes            bigint NOT NULL DEFAULT 0,
    note               text,                       -- why this mode (e.g. a fallback)
    error              text
);
CREATE INDEX ON ddb_fdw.sync_run (target, run_id);
COMMENT ON TABLE ddb_fdw.sync_run IS 'ddb_fdw: history of sync runs';

-- One row per target: how its syncs are doing.
CREATE VIEW ddb_fdw.sync_status WITH (security_barrier = true) AS
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

-- The catalog is written by the procedures with the extension owner's
-- rights; everyone may read the rows above, and call the procedures (which
-- check the caller's privileges on the foreign table and the target).
GRANT USAGE ON SCHEMA ddb_fdw TO PUBLIC;
REVOKE ALL ON ddb_fdw.sync_state, ddb_fdw.sync_checkpoint, ddb_fdw.sync_shard,
              ddb_fdw.sync_run FROM PUBLIC;
GRANT SELECT ON ddb_fdw.sync_state, ddb_fdw.sync_checkpoint, ddb_fdw.sync_shard,
                ddb_fdw.sync_run, ddb_fdw.sync_status TO PUBLIC;

-- pg_dump keeps the sync state with the extension
SELECT pg_catalog.pg_extension_config_dump('ddb_fdw.sync_state', '');
SELECT pg_catalog.pg_extension_config_dump('ddb_fdw.sync_checkpoint', '');
SELECT pg_catalog.pg_extension_config_dump('ddb_fdw.sync_shard', '');
SELECT pg_catalog.pg_extension_config_dump('ddb_fdw.sync_run', '');
SELECT pg_catalog.pg_extension_config_dump('ddb_fdw.sync_run_run_id_seq', '');

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
-- procedures: see their definitions above.

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
-- sync_status shows the buffer's size.  (The procedures' ttl_deletes
-- argument is in their definitions above.)
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
