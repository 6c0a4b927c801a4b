--
-- parallel: segmented scans run by background workers
--
-- The server every suite uses says segments '1'; the tables here choose
-- their own.  ddb_fdw.max_workers_per_scan is 4 unless a test says else.
\getenv gateway DDB_GATEWAY
\getenv access_key DDB_TEST_ACCESS_KEY
\getenv secret_key DDB_TEST_SECRET_KEY
\getenv pghost PGHOST
\getenv pgport PGPORT
\getenv scan_count DDB_SCAN_COUNT
\getenv scan_sum DDB_SCAN_SUM
\getenv scan_md5 DDB_SCAN_MD5
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;

-- segment workers alive now
CREATE FUNCTION segment_workers() RETURNS bigint
LANGUAGE sql AS $$
  SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'ddb_fdw segment worker'
$$;
-- waits up to 10 s for them to be gone; returns how long it took
CREATE FUNCTION wait_for_no_workers() RETURNS interval
LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz := clock_timestamp();
BEGIN
  FOR i IN 1..1000 LOOP
    PERFORM pg_stat_clear_snapshot();
    EXIT WHEN segment_workers() = 0;
    PERFORM pg_sleep(0.01);
  END LOOP;
  IF segment_workers() > 0 THEN
    RAISE EXCEPTION 'segment workers still running after 10 s';
  END IF;
  RETURN clock_timestamp() - t0;
END
$$;
-- waits up to 10 s for at least n workers to be running
CREATE FUNCTION wait_for_workers(n int) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1..1000 LOOP
    PERFORM pg_stat_clear_snapshot();
    IF segment_workers() >= n THEN
      RETURN true;
    END IF;
    PERFORM pg_sleep(0.01);
  END LOOP;
  RETURN false;
END
$$;
-- dynamic shared memory segments mapped by this backend
CREATE FUNCTION my_dsm_mappings() RETURNS int
LANGUAGE sql AS $$
  SELECT line::int FROM ddb_test.sh(format('grep -c /dev/shm/PostgreSQL /proc/%s/maps || true',
                                           pg_backend_pid())) AS line
$$;
-- the EXPLAIN ANALYZE lines that tell segments and workers
CREATE FUNCTION explain_workers(query text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
  line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || query LOOP
    IF line ~ '(Segments|Workers|Items Returned)' THEN
      RETURN NEXT btrim(line);
    END IF;
  END LOOP;
END
$$;
-- runs a query, shows its error with the worker number masked (which
-- worker meets an item depends on who claims its segment first), and the
-- segment number too when any segment may fail first
CREATE FUNCTION mask(s text, segments boolean) RETURNS text
LANGUAGE sql AS $$
  SELECT CASE WHEN segments THEN regexp_replace(m, 'reading segment \d+ of', 'reading segment S of', 'g')
              ELSE m END
    FROM regexp_replace(s, 'segment worker \d+', 'segment worker N', 'g') AS m
$$;
CREATE FUNCTION show_error(query text, mask_segment boolean DEFAULT false) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
  state text;
  msg text;
  detail text;
  ctx text;
BEGIN
  EXECUTE query;
  RETURN NEXT 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL, ctx = PG_EXCEPTION_CONTEXT;
  RETURN NEXT 'SQLSTATE ' || state;
  RETURN NEXT 'ERROR:  ' || msg;
  IF detail <> '' THEN
    RETURN NEXT 'DETAIL:  ' || detail;
  END IF;
  RETURN QUERY SELECT 'CONTEXT:  ' || mask(l, mask_segment)
                 FROM regexp_split_to_table(ctx, E'\n') AS l
                WHERE l !~ '^(PL/pgSQL|SQL statement)';
END
$$;

CREATE FOREIGN TABLE par_items (
  pk      text NOT NULL,
  n       int,
  amount  numeric,
  label   text
) SERVER ddb OPTIONS (table_name 'scan_items', partition_key 'pk');

-- ===================================================================
-- the same rows with 1, 2, 4, 8 and 16 segments
-- ===================================================================
CREATE TABLE results (segments int, workers text[], items bigint, sum_ok boolean, md5_ok boolean);
-- one statement (and transaction) each
SELECT format($$ALTER FOREIGN TABLE par_items OPTIONS (%s segments %L)$$,
              CASE WHEN s = 1 THEN 'ADD' ELSE 'SET' END, s::text),
       format($$INSERT INTO results
         SELECT %s, (SELECT array_agg(l) FROM explain_workers('SELECT pk FROM par_items') AS l),
                count(*), sum(n) = %s,
                md5(string_agg(pk || ':' || n || ':' || amount || ':' || label, ','
                               ORDER BY pk COLLATE "C")) = %L
           FROM par_items$$, s, :'scan_sum', :'scan_md5')
  FROM unnest(ARRAY[1, 2, 4, 8, 16]) AS s \gexec
SELECT * FROM results ORDER BY segments;
SELECT count(DISTINCT items) = 1 AND bool_and(items = :scan_count) AS all_equal FROM results;
-- a scan that ended waited for its workers to exit
SELECT segment_workers() AS workers_left;

-- every segment was read, each from its beginning to its end
SELECT ddb_test.reset_requests();
ALTER FOREIGN TABLE par_items OPTIONS (SET segments '8');
SELECT count(*) FROM par_items;
SELECT count(DISTINCT segment) AS segments, min(segment), max(segment),
       count(*) FILTER (WHERE NOT start_key) AS first_pages, bool_and(status = 200) AS ok
  FROM ddb_test.requests() WHERE op = 'Scan';

-- ===================================================================
-- EXPLAIN
-- ===================================================================
EXPLAIN (COSTS OFF) SELECT * FROM par_items;
EXPLAIN (VERBOSE, COSTS OFF) SELECT pk FROM par_items;
SET ddb_fdw.max_workers_per_scan = 2;
EXPLAIN (COSTS OFF) SELECT * FROM par_items;
SELECT explain_workers('SELECT * FROM par_items');
RESET ddb_fdw.max_workers_per_scan;
-- ddb_fdw.max_segments caps the option
SET ddb_fdw.max_segments = 3;
EXPLAIN (COSTS OFF) SELECT * FROM par_items;
SELECT explain_workers('SELECT * FROM par_items');
RESET ddb_fdw.max_segments;
-- one segment: no worker, and plain EXPLAIN does not mention segments
ALTER FOREIGN TABLE par_items OPTIONS (SET segments '1');
EXPLAIN (COSTS OFF) SELECT * FROM par_items;
SELECT explain_workers('SELECT * FROM par_items');
-- workers off: the leader reads the segments one after another
ALTER FOREIGN TABLE par_items OPTIONS (SET segments '4');
SET ddb_fdw.max_workers_per_scan = 0;
SELECT explain_workers('SELECT * FROM par_items');
SELECT count(*) = :scan_count AS count_ok, sum(n) = :scan_sum AS sum_ok FROM par_items;
RESET ddb_fdw.max_workers_per_scan;

-- ===================================================================
-- segments 'auto': from TableSizeBytes (DescribeTable, cached), never
-- fewer than the workers; a small table is not worth a worker
-- ===================================================================
ALTER FOREIGN TABLE par_items OPTIONS (SET segments 'auto');
EXPLAIN (COSTS OFF) SELECT * FROM par_items;
SELECT ddb_test.reset_requests();
SELECT explain_workers('SELECT * FROM par_items');
SET ddb_fdw.max_workers_per_scan = 2;
SELECT explain_workers('SELECT * FROM par_items');
RESET ddb_fdw.max_workers_per_scan;
-- no DescribeTable: the size came from the planner's, earlier in this
-- session, cached for five minutes
SELECT op, count(*) FROM ddb_test.requests(true) GROUP BY op ORDER BY op;
CREATE FOREIGN TABLE par_small (customer_id text) SERVER ddb
  OPTIONS (table_name 'customers', segments 'auto');
SELECT explain_workers('SELECT * FROM par_small');
-- the option is checked
ALTER FOREIGN TABLE par_small OPTIONS (SET segments '0');
ALTER FOREIGN TABLE par_small OPTIONS (SET segments '1000001');
ALTER FOREIGN TABLE par_small OPTIONS (SET segments 'many');
ALTER SERVER ddb OPTIONS (SET segments 'some');

-- ===================================================================
-- wherever a full scan runs: INSERT ... SELECT, joins, cursors
-- ===================================================================
ALTER FOREIGN TABLE par_items OPTIONS (SET segments '4');
CREATE TABLE par_copy (pk text PRIMARY KEY, n int, amount numeric, label text);
SELECT explain_workers('INSERT INTO par_copy SELECT * FROM par_items');
SELECT count(*) = :scan_count AS count_ok, sum(n) = :scan_sum AS sum_ok,
       md5(string_agg(pk || ':' || n || ':' || amount || ':' || label, ','
                      ORDER BY pk COLLATE "C")) = :'scan_md5' AS md5_ok
  FROM par_copy;
SELECT count(*) AS matched FROM par_items p JOIN par_copy c USING (pk) WHERE p.n = c.n;
-- a scan that stops early (LIMIT) stops its workers
SELECT count(*) FROM (SELECT * FROM par_items LIMIT 10) s;
SELECT wait_for_no_workers() < '10 s' AS none_left;
BEGIN;
DECLARE c CURSOR FOR SELECT pk FROM par_items;
FETCH 3 FROM c \g /dev/null
SELECT segment_workers() BETWEEN 1 AND 4 AS workers_while_open;
CLOSE c;
COMMIT;
SELECT wait_for_no_workers() < '10 s' AS none_left;

-- a table altered in this transaction: workers read it as this
-- transaction defines it (the definition travels in shared memory, the
-- catalog is not read), ...
BEGIN;
ALTER FOREIGN TABLE par_items ALTER COLUMN n TYPE bigint;
SELECT explain_workers('SELECT * FROM par_items');
SELECT sum(n) = :scan_sum AS sum_ok, pg_typeof(sum(n)) FROM par_items;
ROLLBACK;
-- ... but a column type created in it (workers would not find the type) is
-- read by the leader alone
BEGIN;
CREATE DOMAIN par_label AS text;
ALTER FOREIGN TABLE par_items ALTER COLUMN label TYPE par_label;
SELECT explain_workers('SELECT * FROM par_items');
SELECT count(*) = :scan_count AS all_read FROM par_items WHERE label IS NOT NULL;
ROLLBACK;

-- ===================================================================
-- workers are visible while they work, gone after; cancel and
-- statement_timeout stop them all; no shared memory stays mapped
-- ===================================================================
SELECT ddb_test.getenv('gateway') || '/fault/delay=1500,op=Scan/' AS slow_endpoint \gset
CREATE SERVER par_slow FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', endpoint :'slow_endpoint', page_size '100');
CREATE USER MAPPING FOR CURRENT_USER SERVER par_slow
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FOREIGN TABLE par_slow_items (pk text) SERVER par_slow
  OPTIONS (table_name 'scan_items', segments '8');
SELECT my_dsm_mappings() AS dsm_before \gset
SELECT dblink_connect('bg', format('host=%s port=%s dbname=%s user=%s',
                                   :'pghost', :'pgport', current_database(), current_user));
SELECT pid AS bg_pid FROM dblink('bg', 'SELECT pg_backend_pid()') AS t(pid int) \gset
SELECT dblink_send_query('bg', 'SELECT count(*) FROM par_slow_items');
SELECT wait_for_workers(4);
SELECT backend_type, application_name ~ '^ddb_fdw segment worker: scan_items segment \d/8$' AS app_ok,
       query ~ '^Scan of DynamoDB table scan_items, segment \d of 8$' AS query_ok,
       usename = current_user AS same_user, datname = current_database() AS same_db
  FROM pg_stat_activity WHERE backend_type = 'ddb_fdw segment worker';
SELECT pg_cancel_backend(:bg_pid);
SELECT wait_for_no_workers() < '1 s' AS stopped_within_a_second;
SELECT * FROM dblink_get_result('bg', false) AS t(n bigint);
SELECT dblink_error_message('bg');
SELECT * FROM dblink_get_result('bg', false) AS t(n bigint);
-- statement_timeout
SELECT dblink_exec('bg', 'SET statement_timeout = ''1s''');
SELECT dblink_send_query('bg', 'SELECT count(*) FROM par_slow_items');
SELECT wait_for_workers(4);
SELECT pg_sleep(1.2);
SELECT wait_for_no_workers() < '1 s' AS stopped_within_a_second;
SELECT * FROM dblink_get_result('bg', false) AS t(n bigint);
SELECT dblink_error_message('bg');
SELECT * FROM dblink_get_result('bg', false) AS t(n bigint);
SELECT dblink_exec('bg', 'RESET statement_timeout');
-- this session's scans left no shared memory mapped
SELECT my_dsm_mappings() = :dsm_before AS dsm_released;

-- a worker that dies is an error, not a hang
SELECT dblink_send_query('bg', 'SELECT count(*) FROM par_slow_items');
SELECT wait_for_workers(4);
SELECT count(*) > 0 AS terminated FROM (
  SELECT pg_terminate_backend(pid) FROM pg_stat_activity
   WHERE backend_type = 'ddb_fdw segment worker' LIMIT 1) t;
SELECT * FROM dblink_get_result('bg', false) AS t(n bigint);
SELECT mask(dblink_error_message('bg'), true);
SELECT * FROM dblink_get_result('bg', false) AS t(n bigint);
SELECT wait_for_no_workers() < '10 s' AS none_left;

-- ===================================================================
-- with every worker slot taken the leader scans alone, same result
-- ===================================================================
-- pg_cron's job (scheduled by the cron_schedule suite) runs in a worker slot every
-- minute: let its first run (the cron suite checks it) happen, then pause
-- the job and wait until no run is going, so that no slot frees up below
SELECT dblink_connect('cron', format('host=%s port=%s dbname=postgres user=%s',
                                     :'pghost', :'pgport', current_user));
CREATE FUNCTION cron_runs(status text) RETURNS bigint
LANGUAGE sql AS $$
  SELECT n FROM dblink('cron', format($q$
    SELECT count(*) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
     WHERE j.jobname = 'ddb_fdw_cron_test' AND d.status = ANY (string_to_array(%L, ','))
    $q$, status)) AS t(n bigint)
$$;
DO $$
BEGIN
  FOR i IN 1..150 LOOP
    EXIT WHEN cron_runs('succeeded,failed') > 0;
    PERFORM pg_sleep(1);
  END LOOP;
END $$;
SELECT dblink_exec('cron', $$DO 'BEGIN PERFORM cron.alter_job(jobid, active => false)
  FROM cron.job WHERE jobname = ''ddb_fdw_cron_test''; END'$$);
SELECT active FROM dblink('cron', $$
  SELECT active FROM cron.job WHERE jobname = 'ddb_fdw_cron_test' $$) AS t(active boolean);
DO $$
BEGIN
  FOR i IN 1..300 LOOP
    EXIT WHEN cron_runs('starting,running') = 0;
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
ALTER FOREIGN TABLE par_slow_items OPTIONS (SET segments '64');
SELECT dblink_exec('bg', 'SET ddb_fdw.max_workers_per_scan = 64');
SELECT dblink_send_query('bg', 'SELECT count(*) FROM par_slow_items');
SELECT wait_for_workers(8);
SELECT explain_workers('SELECT * FROM par_items');
SELECT count(*) = :scan_count AS count_ok, sum(n) = :scan_sum AS sum_ok FROM par_items;
SELECT pg_cancel_backend(:bg_pid);
SELECT * FROM dblink_get_result('bg', false) AS t(n bigint);
SELECT * FROM dblink_get_result('bg', false) AS t(n bigint);
SELECT dblink_exec('bg', 'RESET ddb_fdw.max_workers_per_scan');
SELECT dblink_disconnect('bg');
SELECT wait_for_no_workers() < '10 s' AS none_left;
SELECT dblink_exec('cron', $$DO 'BEGIN PERFORM cron.alter_job(jobid, active => true)
  FROM cron.job WHERE jobname = ''ddb_fdw_cron_test''; END'$$);
SELECT active FROM dblink('cron', $$
  SELECT active FROM cron.job WHERE jobname = 'ddb_fdw_cron_test' $$) AS t(active boolean);
SELECT dblink_disconnect('cron');
DROP FUNCTION cron_runs(text);

-- ===================================================================
-- errors inside a worker reach the user: a value that does not fit, with
-- the item's key; a DynamoDB error
-- ===================================================================
CREATE DOMAIN not_4242 AS int CHECK (VALUE <> 4242);
CREATE FOREIGN TABLE par_bad (pk text NOT NULL, n not_4242) SERVER ddb
  OPTIONS (table_name 'scan_items', partition_key 'pk', segments '4');
SELECT show_error('SELECT sum(n) FROM par_bad');
SELECT ddb_test.getenv('gateway') || '/fault/op=Scan,errorbody=ValidationException/' AS bad_endpoint \gset
CREATE SERVER par_broken FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', endpoint :'bad_endpoint', segments '4');
CREATE USER MAPPING FOR CURRENT_USER SERVER par_broken
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FOREIGN TABLE par_broken_items (pk text) SERVER par_broken
  OPTIONS (table_name 'scan_items');
SELECT show_error('SELECT count(*) FROM par_broken_items', true);
SELECT wait_for_no_workers() < '10 s' AS none_left;

-- ===================================================================
-- workers sign with the leader's temporary credentials: the role is
-- assumed once, by the leader, and again only when the leader refreshes
-- ===================================================================
SELECT ddb_test.gateway('config', jsonb_build_object('roles', jsonb_build_object(
  'arn:aws:iam::123456789012:role/reader', '{"external_id": null, "principals": null}'::jsonb)))
  ? 'roles' AS configured;
CREATE SERVER par_role FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', endpoint :'gateway', sts_endpoint :'gateway',
           role_arn 'arn:aws:iam::123456789012:role/reader', segments '4');
CREATE USER MAPPING FOR CURRENT_USER SERVER par_role
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FOREIGN TABLE par_role_items (pk text, n int) SERVER par_role
  OPTIONS (table_name 'scan_items');
SELECT ddb_test.reset_requests();
SELECT count(*) = :scan_count AS count_ok, sum(n) = :scan_sum AS sum_ok FROM par_role_items;
SELECT op, count(*) > 0 AS seen, count(DISTINCT segment) AS segments,
       bool_and(access_key LIKE 'ASIA%') AS temporary_key, bool_and(status = 200) AS ok
  FROM ddb_test.requests() GROUP BY op ORDER BY op;
-- credentials that last 303 s are refreshed 2 to 3 s after they were
-- issued; a scan whose pages take 1.2 s outlives them, and the workers
-- sign with the new ones
SELECT ddb_test.gateway('config', '{"sts_lifetime_seconds": 303}') ->> 'sts_lifetime_seconds' AS lifetime;
SELECT ddb_test.getenv('gateway') || '/fault/delay=1200,op=Scan/' AS slow_endpoint \gset
ALTER SERVER par_role OPTIONS (SET endpoint :'slow_endpoint', ADD page_size '2', SET segments '2');
CREATE FOREIGN TABLE par_role_customers (customer_id text) SERVER par_role
  OPTIONS (table_name 'customers');
SELECT ddb_test.reset_requests();
-- one worker reads both segments: four pages or more, 4.8 s
SET ddb_fdw.max_workers_per_scan = 1;
SELECT count(*) FROM par_role_customers;
RESET ddb_fdw.max_workers_per_scan;
SELECT count(*) FILTER (WHERE op = 'AssumeRole') >= 2 AS refreshed,
       count(DISTINCT access_key) FILTER (WHERE op = 'Scan') >= 2 AS scans_with_new_keys,
       count(DISTINCT access_key) FILTER (WHERE op = 'Scan')
         <= count(*) FILTER (WHERE op = 'AssumeRole') AS keys_all_from_the_leader,
       count(DISTINCT segment) FILTER (WHERE op = 'Scan') AS segments,
       bool_and(status = 200) AS none_failed
  FROM ddb_test.requests();
SELECT ddb_test.gateway('config', '{"sts_lifetime_seconds": null}') ->> 'sts_lifetime_seconds' AS lifetime;

-- ===================================================================
-- sync: the workers' page markers are its checkpoints, per segment; a
-- failed run resumes where each segment stopped
-- ===================================================================
SELECT ddb_test.getenv('gateway') || '/fault/op=Scan,status=500,skip=10,count=1000/' AS flaky_endpoint \gset
CREATE SERVER par_flaky FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', endpoint :'flaky_endpoint', page_size '500', segments '4');
CREATE USER MAPPING FOR CURRENT_USER SERVER par_flaky
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FOREIGN TABLE par_sync (pk text NOT NULL, n int, amount numeric, label text)
  SERVER par_flaky OPTIONS (table_name 'scan_items', partition_key 'pk');
SELECT ddb_test.reset_faults();
\set VERBOSITY terse
CALL ddb_fdw.sync('par_sync', 'par_sync_copy');
\set VERBOSITY default
SELECT status, mode, segments, workers, rows_upserted > 0 AS some_rows,
       rows_upserted < :scan_count AS not_all
  FROM ddb_fdw.sync_run WHERE target = 'par_sync_copy'::regclass;
SELECT total_segments FROM ddb_fdw.sync_state WHERE target = 'par_sync_copy'::regclass;
-- what each segment committed is in the copy, no more
SELECT (SELECT sum(items) FROM ddb_fdw.sync_checkpoint WHERE target = 'par_sync_copy'::regclass)
       = (SELECT count(*) FROM par_sync_copy) AS checkpoints_match_rows,
       (SELECT count(*) FROM ddb_fdw.sync_checkpoint WHERE target = 'par_sync_copy'::regclass) AS checkpoints;
ALTER SERVER par_flaky OPTIONS (SET endpoint :'gateway');
SELECT sum(items) AS items_before FROM ddb_fdw.sync_checkpoint
 WHERE target = 'par_sync_copy'::regclass \gset
CALL ddb_fdw.sync('par_sync', 'par_sync_copy');
SELECT status, mode, segments, workers, rows_upserted = :scan_count - :items_before AS read_only_the_rest
  FROM ddb_fdw.sync_run WHERE target = 'par_sync_copy'::regclass ORDER BY run_id;
SELECT segment, done, last_key IS NULL AS at_end FROM ddb_fdw.sync_checkpoint
 WHERE target = 'par_sync_copy'::regclass ORDER BY segment;
SELECT count(*) = :scan_count AS count_ok, sum(n) = :scan_sum AS sum_ok,
       md5(string_agg(pk || ':' || n || ':' || amount || ':' || label, ','
                      ORDER BY pk COLLATE "C")) = :'scan_md5' AS md5_ok
  FROM par_sync_copy;
SELECT status, rows, last_error FROM ddb_fdw.sync_status WHERE target = 'par_sync_copy'::regclass;
SELECT wait_for_no_workers() < '10 s' AS none_left;

DROP TABLE par_copy, par_sync_copy, results;
DROP FOREIGN TABLE par_items, par_small, par_bad;
DROP DOMAIN not_4242;
DROP SERVER par_slow, par_broken, par_role, par_flaky CASCADE;
