--
-- streams: incremental sync from DynamoDB Streams
--
-- An independent writer (boto3, test/tools/ddb_write.py) changes DynamoDB
-- tables behind the extension's back; targets are compared with what
-- another independent reader (boto3, ddb_dump.py) reads, item by item.
--
\getenv gateway DDB_GATEWAY
\getenv access_key DDB_TEST_ACCESS_KEY
\getenv secret_key DDB_TEST_SECRET_KEY
\getenv pg_log DDB_PG_LOG
SET client_min_messages = warning;

-- runs the writer on a table; returns what it did
CREATE FUNCTION st_write(tbl text, args text) RETURNS text
LANGUAGE sql AS $$
  SELECT string_agg(line, E'\n') FROM ddb_test.sh(format(
    '/usr/bin/python3 %s/ddb_write.py --endpoint %s --table %s %s',
    ddb_test.getenv('tools'), ddb_test.getenv('local'), ddb_test.shq(tbl), args)) AS line
$$;

-- a target's whole-item column against boto3's reading of the table
CREATE FUNCTION st_diff(target regclass, dynamo_table text, live_only boolean DEFAULT false)
RETURNS TABLE (missing bigint, extra bigint, rows bigint)
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'WITH d AS (SELECT ddb_test.dynamodb_items(%L) AS item),
          t AS (SELECT item FROM %s WHERE %s)
     SELECT (SELECT count(*) FROM d WHERE NOT EXISTS (SELECT 1 FROM t WHERE t.item = d.item)),
            (SELECT count(*) FROM t WHERE NOT EXISTS (SELECT 1 FROM d WHERE t.item = d.item)),
            (SELECT count(*) FROM t)', dynamo_table, target,
    CASE WHEN live_only THEN '_ddb_deleted_at IS NULL' ELSE 'true' END);
END $$;

-- the runs of a target since run_id > after
CREATE FUNCTION st_runs(target regclass, after bigint DEFAULT 0)
RETURNS TABLE (status text, mode text, upserted bigint, deleted bigint,
               inserts bigint, modifies bigint, removes bigint, note text, error text)
LANGUAGE sql AS $$
  SELECT status, mode, rows_upserted, rows_deleted, inserts, modifies, removes,
         regexp_replace(note, 'shardId-[0-9]+-[0-9a-f]+', 'shardId-N'),
         regexp_replace(error, 'shardId-[0-9]+-[0-9a-f]+', 'shardId-N')
    FROM ddb_fdw.sync_run WHERE target = $1 AND run_id > $2 ORDER BY run_id
$$;

CREATE FUNCTION st_last_run(target regclass) RETURNS bigint
LANGUAGE sql AS $$ SELECT coalesce(max(run_id), 0) FROM ddb_fdw.sync_run WHERE target = $1 $$;

-- the requests since the last reset, by operation
CREATE FUNCTION st_ops() RETURNS TABLE (op text, requests bigint, faults bigint)
LANGUAGE sql AS $$
  SELECT op, count(*), count(*) FILTER (WHERE fault <> '-')
    FROM ddb_test.requests(true) GROUP BY op ORDER BY op
$$;

-- lines of the server log with this text
CREATE FUNCTION st_log_lines(pattern text) RETURNS SETOF text
LANGUAGE sql AS $$
  SELECT substring(l FROM 'LOG:  (.*)$')
    FROM regexp_split_to_table(pg_read_file(current_setting('st.pg_log'),
                                            current_setting('st.log_start')::bigint,
                                            1000000000), E'\n') AS l
   WHERE strpos(l, pattern) > 0
$$;
-- (only what this suite logs)
SELECT set_config('st.pg_log', :'pg_log', false) IS NOT NULL AS log_known,
       set_config('st.log_start', (pg_stat_file(:'pg_log')).size::text, false) IS NOT NULL
         AS log_start_known;

-- a server of its own: the tests point it at faults
SELECT ddb_test.reset_faults();
SELECT :'gateway' || '/fault/op=Scan,status=500,skip=3/' AS scan_fails \gset
SELECT :'gateway' || '/fault/op=GetRecords,errorbody=ExpiredIteratorException,count=1/' AS expired_ep \gset
SELECT :'gateway' || '/fault/op=GetShardIterator,errorbody=TrimmedDataAccessException,count=1/' AS trimmed_ep \gset
CREATE SERVER st_srv FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', endpoint :'gateway', segments '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER st_srv
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');

SELECT st_write('st_items', 'create --stream NEW_AND_OLD_IMAGES --items 2000');
SELECT st_write('st_keys', 'create --keys composite --stream KEYS_ONLY --items 300');
SELECT st_write('st_plain', 'create --items 50');
CREATE SCHEMA st;
IMPORT FOREIGN SCHEMA x LIMIT TO (st_items, st_keys, st_plain) FROM SERVER st_srv INTO st;
ALTER FOREIGN TABLE st.st_items OPTIONS (ADD page_size '100');

-- ===================================================================
-- the first sync takes a snapshot and notes the stream's position
-- ===================================================================
SELECT ddb_test.reset_requests();
CALL ddb_fdw.sync('st.st_items', 'public.st_copy');
SELECT * FROM st_diff('st_copy', 'st_items');
SELECT status, rows, snapshot_complete, stream_arn ~ '/stream/' AS has_arn, stream_view_type,
       stream_from <= snapshot_started + interval '1 second' AS from_before_snapshot,
       stream_applied_to
  FROM ddb_fdw.sync_state WHERE target = 'st_copy'::regclass;
SELECT streaming, last_run_mode FROM ddb_fdw.sync_status WHERE target = 'st_copy'::regclass;
-- the open shard, from its beginning (records are filtered by time)
SELECT shard_id ~ '^shardId-' AS shard, parent_shard_id, sequence_number, done, records
  FROM ddb_fdw.sync_shard WHERE target = 'st_copy'::regclass;
SELECT * FROM st_ops();

-- the next sync follows the stream: no Scan; the target stays equal
SELECT st_last_run('st_copy') AS before \gset
SELECT ddb_test.reset_requests();
CALL ddb_fdw.sync('st.st_items', 'public.st_copy');
SELECT status, mode, deleted, removes, error FROM st_runs('st_copy', :before);
SELECT * FROM st_diff('st_copy', 'st_items');
SELECT count(*) FILTER (WHERE op = 'Scan') AS scans,
       count(*) FILTER (WHERE op = 'GetRecords') > 0 AS read_records
  FROM ddb_test.requests(true);
SELECT stream_applied_to >= stream_from AS applied_to_moved
  FROM ddb_fdw.sync_state WHERE target = 'st_copy'::regclass;

-- ===================================================================
-- inserts, updates and deletes by another writer: exactly those arrive
-- ===================================================================
SELECT st_write('st_items', 'put --from 2000 --to 2030');
SELECT st_write('st_items', 'update --from 100 --to 140');
SELECT st_write('st_items', 'delete --from 500 --to 530');
SELECT st_last_run('st_copy') AS before \gset
SELECT ddb_test.reset_requests();
CALL ddb_fdw.sync('st.st_items', 'public.st_copy');
SELECT * FROM st_runs('st_copy', :before);
SELECT * FROM st_ops();
SELECT * FROM st_diff('st_copy', 'st_items');
-- the update removed "extra" from items whose version became even
SELECT id, item->'v' AS v, item->'name' AS name, item ? 'extra' AS has_extra
  FROM st_copy WHERE id IN (100, 101, 2005, 505) ORDER BY id;
SELECT rows, (SELECT count(*) FROM st_copy) AS counted
  FROM ddb_fdw.sync_state WHERE target = 'st_copy'::regclass;
SELECT records FROM ddb_fdw.sync_shard WHERE target = 'st_copy'::regclass \gset
SELECT :records >= 100 AS shard_counts_records;

-- one key changed several times in a page: its last record decides
SELECT st_write('st_items', 'update --from 7 --to 8');
SELECT st_write('st_items', 'update --from 7 --to 8');
SELECT st_write('st_items', 'update --from 7 --to 8');
SELECT st_write('st_items', 'delete --from 8 --to 9');
SELECT st_write('st_items', 'put --from 8 --to 9');
SELECT st_write('st_items', 'delete --from 9 --to 10');
SELECT st_last_run('st_copy') AS before \gset
CALL ddb_fdw.sync('st.st_items', 'public.st_copy');
SELECT * FROM st_runs('st_copy', :before);
SELECT id, item->'v' AS v FROM st_copy WHERE id IN (7, 8, 9) ORDER BY id;
SELECT * FROM st_diff('st_copy', 'st_items');

-- nothing new: a stream run that reads nothing and changes nothing
SELECT st_last_run('st_copy') AS before \gset
SELECT ddb_test.reset_requests();
CALL ddb_fdw.sync('st.st_items', 'public.st_copy');
SELECT * FROM st_runs('st_copy', :before);
SELECT * FROM st_ops();

-- ===================================================================
-- changes made while a snapshot runs are not lost
-- ===================================================================
-- the snapshot fails after three pages (committed), DynamoDB changes, the
-- snapshot resumes and completes: rows it copied before the changes are
-- stale until the stream, read from before the snapshot, is applied
ALTER SERVER st_srv OPTIONS (SET endpoint :'scan_fails');
SELECT st_last_run('st_copy') AS before \gset
\set VERBOSITY terse
CALL ddb_fdw.sync('st.st_items', 'public.st_copy', restart => true);
\set VERBOSITY default
SELECT snapshot_complete, items_done FROM ddb_fdw.sync_state WHERE target = 'st_copy'::regclass;
SELECT st_write('st_items', 'update --from 10 --to 300');
SELECT st_write('st_items', 'delete --from 1000 --to 1100');
SELECT st_write('st_items', 'put --from 3000 --to 3050');
ALTER SERVER st_srv OPTIONS (SET endpoint :'gateway');
CALL ddb_fdw.sync('st.st_items', 'public.st_copy');
SELECT missing > 0 AS snapshot_alone_is_stale FROM st_diff('st_copy', 'st_items');
CALL ddb_fdw.sync('st.st_items', 'public.st_copy');
SELECT status, mode, note, error FROM st_runs('st_copy', :before);
SELECT * FROM st_diff('st_copy', 'st_items');

-- ===================================================================
-- an iterator that expired is asked for again from the checkpoint
-- ===================================================================
ALTER SERVER st_srv OPTIONS (ADD streams_endpoint
  :'expired_ep');
SELECT st_write('st_items', 'update --from 1500 --to 1510');
SELECT st_last_run('st_copy') AS before \gset
SELECT ddb_test.reset_requests();
CALL ddb_fdw.sync('st.st_items', 'public.st_copy');
SELECT * FROM st_runs('st_copy', :before);
SELECT * FROM st_ops();
SELECT * FROM st_diff('st_copy', 'st_items');

-- ===================================================================
-- bounded runs: max_records, then the rest
-- ===================================================================
SELECT stream_applied_to AS applied_to FROM ddb_fdw.sync_state
 WHERE target = 'st_copy'::regclass \gset
SELECT st_write('st_items', 'update --from 200 --to 450');
SELECT st_last_run('st_copy') AS before \gset
SELECT ddb_test.reset_requests();
CALL ddb_fdw.sync('st.st_items', 'public.st_copy', max_records => 100);
SELECT status, mode, modifies, note FROM st_runs('st_copy', :before);
SELECT lim, count(*) FROM ddb_test.requests() WHERE op = 'GetRecords' GROUP BY lim ORDER BY lim;
SELECT stream_applied_to = :'applied_to' AS applied_to_not_moved
  FROM ddb_fdw.sync_state WHERE target = 'st_copy'::regclass;
CALL ddb_fdw.sync('st.st_items', 'public.st_copy', max_records => 100);
CALL ddb_fdw.sync('st.st_items', 'public.st_copy', max_records => 100);
SELECT status, mode, modifies, note FROM st_runs('st_copy', :before);
SELECT * FROM st_diff('st_copy', 'st_items');
SELECT stream_applied_to > :'applied_to' AS applied_to_moved
  FROM ddb_fdw.sync_state WHERE target = 'st_copy'::regclass;
-- max_duration ends a run between pages
SELECT st_write('st_items', 'update --from 600 --to 610');
SELECT st_last_run('st_copy') AS before \gset
CALL ddb_fdw.sync('st.st_items', 'public.st_copy', max_duration => '1 microsecond');
SELECT status, mode, modifies, note FROM st_runs('st_copy', :before);
CALL ddb_fdw.sync('st.st_items', 'public.st_copy', max_duration => '1 minute');
SELECT status, mode, modifies, note FROM st_runs('st_copy', :before);
SELECT * FROM st_diff('st_copy', 'st_items');
CALL ddb_fdw.sync('st.st_items', 'public.st_copy', max_records => -1);
CALL ddb_fdw.sync('st.st_items', 'public.st_copy', max_duration => '-1 second');

-- ===================================================================
-- trimmed positions fall back to a fresh snapshot, logged with the reason
-- ===================================================================
ALTER SERVER st_srv OPTIONS (SET streams_endpoint
  :'trimmed_ep');
SELECT st_write('st_items', 'update --from 1600 --to 1605');
SELECT st_last_run('st_copy') AS before \gset
SELECT ddb_test.reset_requests();
CALL ddb_fdw.sync('st.st_items', 'public.st_copy');
SELECT * FROM st_runs('st_copy', :before);
SELECT count(*) FILTER (WHERE op = 'Scan') > 0 AS scanned FROM ddb_test.requests();
SELECT * FROM st_diff('st_copy', 'st_items');
SELECT regexp_replace(l, 'shardId-[0-9]+-[0-9a-f]+', 'shardId-N') AS logged
  FROM st_log_lines('takes a fresh snapshot') AS l;
ALTER SERVER st_srv OPTIONS (DROP streams_endpoint);

-- a position older than DynamoDB's 24 hours: the same
UPDATE ddb_fdw.sync_state SET stream_applied_to = now() - interval '1 day'
 WHERE target = 'st_copy'::regclass;
SELECT st_last_run('st_copy') AS before \gset
CALL ddb_fdw.sync('st.st_items', 'public.st_copy');
SELECT status, mode, note FROM st_runs('st_copy', :before);

-- a shard of the catalog the stream no longer has (trimmed)
UPDATE ddb_fdw.sync_shard SET shard_id = 'shardId-00000000000000000000-gone'
 WHERE target = 'st_copy'::regclass;
SELECT st_last_run('st_copy') AS before \gset
CALL ddb_fdw.sync('st.st_items', 'public.st_copy');
SELECT status, mode, note, error FROM st_runs('st_copy', :before);
SELECT * FROM st_diff('st_copy', 'st_items');

-- ===================================================================
-- a re-created table has a new stream: a fresh snapshot
-- ===================================================================
SELECT st_write('st_items', 'create --stream NEW_IMAGE --items 500');
SELECT st_last_run('st_copy') AS before \gset
CALL ddb_fdw.sync('st.st_items', 'public.st_copy');
SELECT status, mode, note FROM st_runs('st_copy', :before);
SELECT * FROM st_diff('st_copy', 'st_items');
SELECT stream_view_type, rows FROM ddb_fdw.sync_state WHERE target = 'st_copy'::regclass;
SELECT st_write('st_items', 'delete --from 0 --to 10');
-- (run ids need not be consecutive: a sequence does not roll back)
SELECT st_last_run('st_copy') AS before \gset
CALL ddb_fdw.sync('st.st_items', 'public.st_copy');
SELECT status, mode, deleted, removes FROM st_runs('st_copy', :before);
SELECT * FROM st_diff('st_copy', 'st_items');

-- ===================================================================
-- KEYS_ONLY: current items come from BatchGetItem; soft delete
-- ===================================================================
CALL ddb_fdw.sync('st.st_keys', 'public.st_keys_copy', soft_delete => true);
CALL ddb_fdw.sync('st.st_keys', 'public.st_keys_copy', soft_delete => true);
SELECT st_write('st_keys', 'put --from 300 --to 310');
SELECT st_write('st_keys', 'update --from 0 --to 10');
SELECT st_write('st_keys', 'delete --from 20 --to 30');
-- changed, then deleted: BatchGetItem finds nothing, the row goes
SELECT st_write('st_keys', 'update --from 40 --to 41');
SELECT st_write('st_keys', 'delete --from 40 --to 41');
SELECT st_last_run('st_keys_copy') AS before \gset
SELECT ddb_test.reset_requests();
CALL ddb_fdw.sync('st.st_keys', 'public.st_keys_copy', soft_delete => true);
SELECT * FROM st_runs('st_keys_copy', :before);
SELECT * FROM st_ops();
SELECT * FROM st_diff('st_keys_copy', 'st_keys', live_only => true);
SELECT count(*) FILTER (WHERE _ddb_deleted_at IS NOT NULL) AS marked_deleted,
       count(*) AS rows
  FROM st_keys_copy;
SELECT g, n, item->'v' AS v, _ddb_deleted_at IS NOT NULL AS deleted
  FROM st_keys_copy WHERE n IN (0, 20, 40, 305) ORDER BY n;

-- ===================================================================
-- modes
-- ===================================================================
-- no stream: "auto" takes snapshots, "stream" refuses
CALL ddb_fdw.sync('st.st_plain', 'public.st_plain_copy');
CALL ddb_fdw.sync('st.st_plain', 'public.st_plain_copy');
SELECT status, mode, note FROM st_runs('st_plain_copy');
CALL ddb_fdw.sync('st.st_plain', 'public.st_plain_copy', mode => 'stream');
SELECT status, last_error FROM ddb_fdw.sync_state WHERE target = 'st_plain_copy'::regclass;
CALL ddb_fdw.sync('st.st_plain', 'public.st_plain_copy', mode => 'sometimes');
-- "snapshot" takes one even with a stream, and still notes the position
SELECT st_last_run('st_copy') AS before \gset
CALL ddb_fdw.sync('st.st_items', 'public.st_copy', mode => 'snapshot');
CALL ddb_fdw.sync('st.st_items', 'public.st_copy', mode => 'stream');
SELECT status, mode, note FROM st_runs('st_copy', :before);
-- "stream" never falls back: a new stream is an error
SELECT st_write('st_items', 'create --stream NEW_IMAGE --items 20');
CALL ddb_fdw.sync('st.st_items', 'public.st_copy', mode => 'stream');
-- a disabled stream: "auto" takes snapshots
SELECT st_write('st_items', 'stream --view off');
CALL ddb_fdw.sync('st.st_items', 'public.st_copy');
SELECT st_last_run('st_copy') AS last \gset
SELECT status, mode, note FROM st_runs('st_copy', :last - 1);
SELECT * FROM st_diff('st_copy', 'st_items');
