--
-- stream_records: streams that run for months -- deletes by Time to Live
-- (as DynamoDB Local writes them, and in AWS's form through the gateway)
-- per ttl_deletes, events ddb_fdw does not know, records that cannot be
-- applied, and the change buffer a snapshot keeps the stream's records in
--
-- An independent writer (boto3, test/tools/ddb_write.py) changes DynamoDB
-- tables behind the extension's back; targets are compared with what
-- another independent reader (boto3, ddb_dump.py) reads, item by item.
-- (Each tool run costs a second or two of Python start-up: they batch.)
-- DynamoDB Local deletes expired items in sweeps about 10 s apart, about
-- 25 items a sweep: the TTL tables are small.
--
\getenv gateway DDB_GATEWAY
\getenv access_key DDB_TEST_ACCESS_KEY
\getenv secret_key DDB_TEST_SECRET_KEY
\getenv pg_log DDB_PG_LOG
SET client_min_messages = warning;

-- runs the writer: each argument is one command ("--table T COMMAND ..."),
-- all in one process (Python and boto3 start once)
CREATE FUNCTION sr_write(VARIADIC cmds text[]) RETURNS SETOF text
LANGUAGE sql AS $$
  SELECT line FROM ddb_test.sh(format(
    '/usr/bin/python3 %s/ddb_write.py --endpoint %s %s',
    ddb_test.getenv('tools'), ddb_test.getenv('local'),
    (SELECT string_agg('--then ' || ddb_test.shq(c), ' ' ORDER BY o)
       FROM unnest(cmds) WITH ORDINALITY AS u(c, o)))) AS line
$$;

-- the items of two tables expire (at once: DynamoDB Local sweeps each
-- table on its own), and the writer waits until Time to Live deleted them
CREATE FUNCTION sr_expire(t1 text, t2 text, range text) RETURNS SETOF text
LANGUAGE sql AS $$
  SELECT line FROM ddb_test.sh(format(
    '(/usr/bin/python3 %1$s/ddb_write.py --endpoint %2$s --table %3$s expire %5$s --ttl exp & '
    ' /usr/bin/python3 %1$s/ddb_write.py --endpoint %2$s --table %4$s expire %5$s --ttl exp & '
    ' wait) 2>&1',
    ddb_test.getenv('tools'), ddb_test.getenv('local'), ddb_test.shq(t1),
    ddb_test.shq(t2), range)) AS line ORDER BY 1
$$;

-- what DynamoDB holds now, read by boto3 (ddb_dump.py, not ddb_fdw)
CREATE TABLE sr_items (tbl text NOT NULL, item jsonb NOT NULL);
CREATE FUNCTION sr_dump(VARIADIC tables text[]) RETURNS void
LANGUAGE sql AS $$
  DELETE FROM sr_items WHERE tbl = ANY (tables);
  INSERT INTO sr_items
  SELECT CASE WHEN strpos(line, E'\t') > 0 THEN split_part(line, E'\t', 1) ELSE tables[1] END,
         (CASE WHEN strpos(line, E'\t') > 0 THEN split_part(line, E'\t', 2) ELSE line END)::jsonb
    FROM ddb_test.sh(format('/usr/bin/python3 %s/ddb_dump.py --endpoint %s %s',
                            ddb_test.getenv('tools'), ddb_test.getenv('local'),
                            (SELECT string_agg('--table ' || ddb_test.shq(t), ' ')
                               FROM unnest(tables) AS t))) AS line;
$$;

-- a target's whole-item column (the rows where cond holds) against the
-- table's items as sr_dump read them
CREATE FUNCTION sr_diff(target regclass, dynamo_table text, cond text DEFAULT 'true')
RETURNS TABLE (missing bigint, extra bigint, rows bigint)
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'WITH d AS (SELECT item FROM sr_items WHERE tbl = %L),
          t AS (SELECT item FROM %s WHERE %s)
     SELECT (SELECT count(*) FROM d WHERE NOT EXISTS (SELECT 1 FROM t WHERE t.item = d.item)),
            (SELECT count(*) FROM t WHERE NOT EXISTS (SELECT 1 FROM d WHERE t.item = d.item)),
            (SELECT count(*) FROM t)', dynamo_table, target, cond);
END $$;

-- run-specific parts of a message: shard ids, sequence numbers
CREATE FUNCTION sr_norm(s text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT regexp_replace(regexp_replace(s, 'shardId-[0-9]+-[0-9a-f]+', 'shardId-N', 'g'),
                        'record [0-9]+', 'record N', 'g')
$$;

-- the runs of a target since run_id > after
CREATE FUNCTION sr_runs(target regclass, after bigint DEFAULT 0)
RETURNS TABLE (status text, mode text, upserted bigint, deleted bigint,
               inserts bigint, modifies bigint, removes bigint, ttl bigint,
               unknown bigint, error text)
LANGUAGE sql AS $$
  SELECT status, mode, rows_upserted, rows_deleted, inserts, modifies, removes,
         ttl_removes, unknown_events, sr_norm(error)
    FROM ddb_fdw.sync_run WHERE target = $1 AND run_id > $2 ORDER BY run_id
$$;

CREATE FUNCTION sr_last_run(target regclass) RETURNS bigint
LANGUAGE sql AS $$ SELECT coalesce(max(run_id), 0) FROM ddb_fdw.sync_run WHERE target = $1 $$;

-- lines of the server log with this text (only what this suite logs)
CREATE FUNCTION sr_log_lines(pattern text) RETURNS SETOF text
LANGUAGE sql AS $$
  SELECT substring(l FROM 'LOG:  (.*)$')
    FROM regexp_split_to_table(pg_read_file(current_setting('sr.pg_log'),
                                            current_setting('sr.log_start')::bigint,
                                            1000000000), E'\n') AS l
   WHERE strpos(l, pattern) > 0
$$;
SELECT set_config('sr.pg_log', :'pg_log', false) IS NOT NULL AS log_known,
       set_config('sr.log_start', (pg_stat_file(:'pg_log')).size::text, false) IS NOT NULL
         AS log_start_known;

-- the gateway's request log with the request members (JSON lines)
CREATE FUNCTION sr_requests() RETURNS SETOF jsonb
LANGUAGE sql AS $$
  SELECT line::jsonb FROM ddb_test.sh(format('curl -sS %s/__gw/log.jsonl',
                                             ddb_test.getenv('gateway'))) AS line
$$;

SELECT ddb_test.reset_faults();
SELECT :'gateway' || '/fault/op=Scan,delay=400/' AS slow_scan \gset
CREATE SERVER sr_srv FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', endpoint :'gateway', segments '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER sr_srv
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');

SELECT sr_write('--table sr_ttl create --stream NEW_AND_OLD_IMAGES --items 12 --ttl exp',
                '--table sr_ttl_aws create --stream NEW_AND_OLD_IMAGES --items 12 --ttl exp',
                '--table sr_events create --stream NEW_IMAGE --items 20',
                '--table sr_bad create --stream NEW_AND_OLD_IMAGES --items 10',
                '--table sr_buf create --stream NEW_AND_OLD_IMAGES --items 600');
CREATE SCHEMA sr;
IMPORT FOREIGN SCHEMA x LIMIT TO (sr_ttl, sr_ttl_aws, sr_events, sr_bad, sr_buf)
  FROM SERVER sr_srv INTO sr;

-- ===================================================================
-- Time to Live: ttl_deletes => 'delete' (the default), 'keep', 'mark'
-- ===================================================================
-- sr_ttl's stream as DynamoDB Local writes it (an eventName its own SDK
-- does not know, the OldImage, no NewImage); sr_ttl_aws's as AWS does
-- (REMOVE with userIdentity), rewritten by the gateway
SELECT ddb_test.gateway('config', '{"streams": {"ttl_as_aws": true, "table": "sr_ttl_aws"}}')
       -> 'streams' AS streams;
CALL ddb_fdw.sync('sr.sr_ttl', 'public.sr_del');
CALL ddb_fdw.sync('sr.sr_ttl', 'public.sr_keep', ttl_deletes => 'keep');
CALL ddb_fdw.sync('sr.sr_ttl', 'public.sr_mark', ttl_deletes => 'mark');
CALL ddb_fdw.sync('sr.sr_ttl_aws', 'public.sr_aws_del', ttl_deletes => 'delete');
CALL ddb_fdw.sync('sr.sr_ttl_aws', 'public.sr_aws_keep', ttl_deletes => 'keep');
CALL ddb_fdw.sync(foreign_table => 'sr.sr_ttl_aws', target => 'public.sr_aws_mark',
                  ttl_deletes => 'mark');
-- (a first stream run re-applies the creation's records: not counted below)
CALL ddb_fdw.sync('sr.sr_ttl', 'public.sr_del');
CALL ddb_fdw.sync('sr.sr_ttl', 'public.sr_keep', ttl_deletes => 'keep');
CALL ddb_fdw.sync('sr.sr_ttl', 'public.sr_mark', ttl_deletes => 'mark');
CALL ddb_fdw.sync('sr.sr_ttl_aws', 'public.sr_aws_del');
CALL ddb_fdw.sync('sr.sr_ttl_aws', 'public.sr_aws_keep', ttl_deletes => 'keep');
CALL ddb_fdw.sync('sr.sr_ttl_aws', 'public.sr_aws_mark', ttl_deletes => 'mark');
SELECT column_name FROM information_schema.columns
 WHERE table_name = 'sr_mark' AND column_name LIKE '\_ddb%' ORDER BY 1;

-- items 3..5 get an expiry in the past and Time to Live deletes them;
-- items 8 and 9 are deleted by a client
SELECT * FROM sr_expire('sr_ttl', 'sr_ttl_aws', '--from 3 --to 6');
SELECT sr_write('--table sr_ttl delete --from 8 --to 10',
                '--table sr_ttl_aws delete --from 8 --to 10');
SELECT max(run_id) AS before FROM ddb_fdw.sync_run \gset
SELECT ddb_test.reset_requests();
CALL ddb_fdw.sync('sr.sr_ttl', 'public.sr_del');
CALL ddb_fdw.sync('sr.sr_ttl', 'public.sr_keep', ttl_deletes => 'keep');
CALL ddb_fdw.sync('sr.sr_ttl', 'public.sr_mark', ttl_deletes => 'mark');
CALL ddb_fdw.sync('sr.sr_ttl_aws', 'public.sr_aws_del');
CALL ddb_fdw.sync('sr.sr_ttl_aws', 'public.sr_aws_keep', ttl_deletes => 'keep');
CALL ddb_fdw.sync('sr.sr_ttl_aws', 'public.sr_aws_mark', ttl_deletes => 'mark');
-- every run succeeded; TTL removals are counted apart from the client's
SELECT t AS target, r.*
  FROM unnest(ARRAY['sr_del', 'sr_keep', 'sr_mark',
                    'sr_aws_del', 'sr_aws_keep', 'sr_aws_mark']) WITH ORDINALITY AS t(t, o),
       LATERAL sr_runs(t::regclass, :before) r
 ORDER BY o;
-- what the stream reading got: DynamoDB Local's records for sr_ttl, AWS's
-- form (rewritten by the gateway: 3 TTL records) for sr_ttl_aws
SELECT tbl, count(*) > 0 AS read_records,
       count(*) FILTER (WHERE fault = 'streams') AS rewritten_pages
  FROM ddb_test.requests() WHERE op = 'GetRecords' GROUP BY tbl ORDER BY tbl;
SELECT r->>'table' AS tbl, (r->'detail'->>'ttl_as_aws')::int AS ttl_records
  FROM sr_requests() r WHERE r->>'fault' = 'streams' ORDER BY 1, 2;
-- delete: equal to DynamoDB
SELECT sr_dump('sr_ttl', 'sr_ttl_aws');
SELECT * FROM sr_diff('sr_del', 'sr_ttl');
SELECT * FROM sr_diff('sr_aws_del', 'sr_ttl_aws');
-- keep: the expired items stay (an archive: each as it was when removed,
-- from the record's OldImage, with its expiry), the deleted ones are gone;
-- the rest is equal to DynamoDB
SELECT id, item ? 'exp' AS has_expiry FROM sr_keep WHERE id IN (2, 3, 4, 5, 8, 9) ORDER BY id;
SELECT * FROM sr_diff('sr_keep', 'sr_ttl', 'id NOT IN (3, 4, 5)');
SELECT id, item ? 'exp' AS has_expiry FROM sr_aws_keep WHERE id IN (2, 3, 4, 5, 8, 9) ORDER BY id;
SELECT * FROM sr_diff('sr_aws_keep', 'sr_ttl_aws', 'id NOT IN (3, 4, 5)');
-- mark: the expired items stay with _ddb_expired_at set
SELECT id, item ? 'exp' AS has_expiry, _ddb_expired_at IS NOT NULL AS expired,
       _ddb_expired_at BETWEEN now() - interval '5 minutes' AND clock_timestamp() AS recent
  FROM sr_mark WHERE id IN (2, 3, 4, 5, 8, 9) ORDER BY id;
SELECT * FROM sr_diff('sr_mark', 'sr_ttl', '_ddb_expired_at IS NULL');
SELECT id, _ddb_expired_at IS NOT NULL AS expired
  FROM sr_aws_mark WHERE id IN (2, 3, 4, 5, 8, 9) ORDER BY id;
SELECT * FROM sr_diff('sr_aws_mark', 'sr_ttl_aws', '_ddb_expired_at IS NULL');
SELECT rows, (SELECT count(*) FROM sr_mark) AS counted
  FROM ddb_fdw.sync_state WHERE target = 'sr_mark'::regclass;

-- a fresh snapshot keeps the marked rows (an archive); the kept ones, no
-- longer in the table, it removes like any row it did not see
CALL ddb_fdw.sync('sr.sr_ttl', 'public.sr_mark', restart => true, ttl_deletes => 'mark');
CALL ddb_fdw.sync('sr.sr_ttl', 'public.sr_keep', restart => true, ttl_deletes => 'keep');
SELECT (SELECT count(*) FROM sr_mark WHERE _ddb_expired_at IS NOT NULL) AS marked_kept,
       (SELECT count(*) FROM sr_keep WHERE id IN (3, 4, 5)) AS kept_kept;
-- an item that comes back is no longer marked
SELECT sr_write('--table sr_ttl put --from 3 --to 4');
CALL ddb_fdw.sync('sr.sr_ttl', 'public.sr_mark', ttl_deletes => 'mark');
SELECT id, _ddb_expired_at IS NOT NULL AS expired FROM sr_mark WHERE id IN (3, 4) ORDER BY id;
SELECT sr_dump('sr_ttl');
SELECT * FROM sr_diff('sr_mark', 'sr_ttl', '_ddb_expired_at IS NULL');
CALL ddb_fdw.sync('sr.sr_ttl', 'public.sr_mark', ttl_deletes => 'archive');

-- ===================================================================
-- an event ddb_fdw does not know: applied from the item's current state
-- ===================================================================
CALL ddb_fdw.sync('sr.sr_events', 'public.sr_events_copy');
CALL ddb_fdw.sync('sr.sr_events', 'public.sr_events_copy');
-- the gateway renames MODIFY and REMOVE records
SELECT ddb_test.gateway('config', '{"streams": {"ttl_as_aws": null, "table": "sr_events",
                        "event_names": {"MODIFY": "COMPACT", "REMOVE": "PURGE"}}}')
       -> 'streams' AS streams;
SELECT sr_write('--table sr_events update --from 1 --to 6',
                '--table sr_events delete --from 10 --to 13',
                '--table sr_events put --from 20 --to 22');
SELECT sr_last_run('sr_events_copy') AS before \gset
SELECT ddb_test.reset_requests();
CALL ddb_fdw.sync('sr.sr_events', 'public.sr_events_copy');
SELECT * FROM sr_runs('sr_events_copy', :before);
-- the current items, read consistently; the renamed records as the gateway sent them
SELECT r->>'op' AS op, r->'keys' AS keys,
       r->'request'->'RequestItems'->'sr_events'->'ConsistentRead' AS consistent
  FROM sr_requests() r WHERE r->>'op' IN ('BatchGetItem', 'Scan');
SELECT (r->'detail'->>'renamed')::int AS renamed FROM sr_requests() r
 WHERE r->>'fault' = 'streams';
SELECT sr_dump('sr_events');
SELECT * FROM sr_diff('sr_events_copy', 'sr_events');
SELECT * FROM sr_log_lines('unknown to ddb_fdw') ORDER BY 1;
SELECT ddb_test.gateway('config', '{"streams": null}') -> 'streams' AS streams;

-- ===================================================================
-- a record that cannot be applied: the error names it, the run history
-- says so, nothing of its page is applied, and the stream does not move
-- past it until it can be applied
-- ===================================================================
ALTER FOREIGN TABLE sr.sr_bad ADD COLUMN price numeric;
CALL ddb_fdw.sync('sr.sr_bad', 'public.sr_bad_copy');
CALL ddb_fdw.sync('sr.sr_bad', 'public.sr_bad_copy');
SELECT sr_write('--table sr_bad update --from 3 --to 4',
                '--table sr_bad raw --item ' ||
                  ddb_test.shq('{"id": {"N": "5"}, "name": {"S": "bad"}, "price": {"S": "not a number"}}'),
                '--table sr_bad update --from 7 --to 8');
SELECT sr_last_run('sr_bad_copy') AS before \gset
SELECT sequence_number AS checkpoint FROM ddb_fdw.sync_shard
 WHERE target = 'sr_bad_copy'::regclass \gset
\set VERBOSITY sqlstate
CALL ddb_fdw.sync('sr.sr_bad', 'public.sr_bad_copy');
\set VERBOSITY default
SELECT status, mode, error FROM sr_runs('sr_bad_copy', :before);
SELECT status, sr_norm(last_error) AS last_error FROM ddb_fdw.sync_status
 WHERE target = 'sr_bad_copy'::regclass;
SELECT sequence_number = :'checkpoint' AS checkpoint_kept FROM ddb_fdw.sync_shard
 WHERE target = 'sr_bad_copy'::regclass;
SELECT id, item->'v' AS v, price FROM sr_bad_copy WHERE id IN (3, 5, 7) ORDER BY id;
-- as a client sees it (inside a transaction block: nothing commits)
SET client_min_messages = notice;
DO $$
DECLARE m text; d text; h text; c text; s text;
BEGIN
  CALL ddb_fdw.sync('sr.sr_bad', 'public.sr_bad_copy');
EXCEPTION WHEN others THEN
  GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, h = PG_EXCEPTION_HINT,
                          c = PG_EXCEPTION_CONTEXT, s = RETURNED_SQLSTATE;
  RAISE NOTICE 'sqlstate: %', s;
  RAISE NOTICE 'message: %', sr_norm(m);
  RAISE NOTICE 'hint: %', h;
  RAISE NOTICE 'context: %', split_part(c, E'\n', 1);
END $$;
SET client_min_messages = warning;
-- the item is corrected: its last record decides, the page applies
SELECT sr_write('--table sr_bad put --from 5 --to 6');
CALL ddb_fdw.sync('sr.sr_bad', 'public.sr_bad_copy');
SELECT status, mode, inserts, modifies, error FROM sr_runs('sr_bad_copy', :before);
SELECT sr_dump('sr_bad');
SELECT * FROM sr_diff('sr_bad_copy', 'sr_bad');
-- a constraint of the target refuses a row: the same
ALTER TABLE sr_bad_copy ADD CONSTRAINT sr_cheap CHECK (price < 1000);
SELECT sr_write('--table sr_bad put --from 2000 --to 2001');
SELECT sr_last_run('sr_bad_copy') AS before \gset
\set VERBOSITY sqlstate
CALL ddb_fdw.sync('sr.sr_bad', 'public.sr_bad_copy');
\set VERBOSITY default
SELECT status, error FROM sr_runs('sr_bad_copy', :before);
ALTER TABLE sr_bad_copy DROP CONSTRAINT sr_cheap;
CALL ddb_fdw.sync('sr.sr_bad', 'public.sr_bad_copy');
SELECT status, inserts, error FROM sr_runs('sr_bad_copy', :before);
SELECT sr_dump('sr_bad');
SELECT * FROM sr_diff('sr_bad_copy', 'sr_bad');

-- ===================================================================
-- the change buffer: a snapshot keeps the stream's records while it runs
-- ===================================================================
SHOW ddb_fdw.stream_buffer_interval;
ALTER FOREIGN TABLE sr.sr_buf OPTIONS (ADD page_size '50');
CALL ddb_fdw.sync('sr.sr_buf', 'public.sr_buf_copy');
CALL ddb_fdw.sync('sr.sr_buf', 'public.sr_buf_copy');
SELECT sr_write('--table sr_buf update --from 0 --to 20',
                '--table sr_buf delete --from 100 --to 105');
-- a fresh snapshot, slow (every Scan page 400 ms: 12 pages), keeps the
-- stream's records every second, and is canceled after 4 seconds
ALTER SERVER sr_srv OPTIONS (SET endpoint :'slow_scan');
SET ddb_fdw.stream_buffer_interval = 1;
SELECT sr_last_run('sr_buf_copy') AS before \gset
SET statement_timeout = '4s';
\set VERBOSITY terse
CALL ddb_fdw.sync('sr.sr_buf', 'public.sr_buf_copy', restart => true);
\set VERBOSITY default
RESET statement_timeout;
SELECT status, mode, buffered > 0 AS kept_records FROM ddb_fdw.sync_run
 WHERE target = 'sr_buf_copy'::regclass AND run_id > :before;
SELECT buffered FROM ddb_fdw.sync_run
 WHERE target = 'sr_buf_copy'::regclass AND run_id > :before \gset
-- what was kept, committed with the shard checkpoints, shows in sync_status
SELECT buffered_records = :buffered AS all_there, buffered_bytes > 0 AS has_bytes,
       snapshot_complete
  FROM ddb_fdw.sync_status WHERE target = 'sr_buf_copy'::regclass;
SELECT count(*) = :buffered AS rows_match,
       bool_and(event IN ('INSERT', 'MODIFY', 'REMOVE')) AS known_events,
       count(*) FILTER (WHERE image IS NULL) = count(*) FILTER (WHERE event = 'REMOVE')
         AS images_but_removes
  FROM ddb_fdw.sync_buffer WHERE target = 'sr_buf_copy'::regclass;
SELECT sum(records) >= :buffered AS shards_advanced FROM ddb_fdw.sync_shard
 WHERE target = 'sr_buf_copy'::regclass;
-- another role sees none of it, and cannot change it
CREATE ROLE sr_other;
SET ROLE sr_other;
SELECT (SELECT count(*) FROM ddb_fdw.sync_buffer) AS buffer_rows,
       (SELECT count(*) FROM ddb_fdw.sync_status WHERE target::text = 'sr_buf_copy') AS status_rows;
DELETE FROM ddb_fdw.sync_buffer;
RESET ROLE;
DROP ROLE sr_other;
-- the snapshot resumes, applies what was kept (every record of it counted
-- once), and the stream continues from the shard checkpoints
ALTER SERVER sr_srv OPTIONS (SET endpoint :'gateway');
SELECT sr_last_run('sr_buf_copy') AS resumed \gset
CALL ddb_fdw.sync('sr.sr_buf', 'public.sr_buf_copy');
SELECT status, mode, inserts + modifies + removes = :buffered + buffered
         AS each_kept_record_applied_once
  FROM ddb_fdw.sync_run WHERE target = 'sr_buf_copy'::regclass AND run_id > :resumed;
SELECT buffered_records, buffered_bytes, snapshot_complete
  FROM ddb_fdw.sync_status WHERE target = 'sr_buf_copy'::regclass;
SELECT stream_applied_to IS NOT DISTINCT FROM stream_buffered_to AS applied_as_kept
  FROM ddb_fdw.sync_state WHERE target = 'sr_buf_copy'::regclass;
CALL ddb_fdw.sync('sr.sr_buf', 'public.sr_buf_copy');
SELECT status, mode FROM sr_runs('sr_buf_copy', :resumed);
SELECT sr_dump('sr_buf');
SELECT * FROM sr_diff('sr_buf_copy', 'sr_buf');
-- with the buffer off, the same snapshot keeps nothing
ALTER SERVER sr_srv OPTIONS (SET endpoint :'slow_scan');
SET ddb_fdw.stream_buffer_interval = 0;
SELECT sr_last_run('sr_buf_copy') AS before \gset
SET statement_timeout = '4s';
\set VERBOSITY terse
CALL ddb_fdw.sync('sr.sr_buf', 'public.sr_buf_copy', restart => true);
\set VERBOSITY default
RESET statement_timeout;
SELECT status, mode, buffered FROM ddb_fdw.sync_run
 WHERE target = 'sr_buf_copy'::regclass AND run_id > :before;
SELECT buffered_records FROM ddb_fdw.sync_status WHERE target = 'sr_buf_copy'::regclass;
ALTER SERVER sr_srv OPTIONS (SET endpoint :'gateway');
RESET ddb_fdw.stream_buffer_interval;
CALL ddb_fdw.sync('sr.sr_buf', 'public.sr_buf_copy');
SELECT * FROM sr_diff('sr_buf_copy', 'sr_buf');
