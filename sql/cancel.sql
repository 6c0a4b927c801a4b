--
-- cancel: pg_cancel_backend and statement_timeout stop a scan within a
-- second, also while DynamoDB is slow to answer
--
\getenv gateway DDB_GATEWAY
\getenv access_key DDB_TEST_ACCESS_KEY
\getenv secret_key DDB_TEST_SECRET_KEY
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;

-- every answer of this server takes 5 seconds
SELECT ddb_test.getenv('gateway') || '/fault/delay=5000,op=Scan/' AS slow_endpoint \gset
CREATE SERVER slow FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', endpoint :'slow_endpoint');
CREATE USER MAPPING FOR PUBLIC SERVER slow
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FOREIGN TABLE slow_t (pk text) SERVER slow OPTIONS (table_name 'slow_items');
-- every page of this one takes 200 ms, ten items a page
SELECT ddb_test.getenv('gateway') || '/fault/delay=200,op=Scan/' AS paced_endpoint \gset
CREATE SERVER paced FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', endpoint :'paced_endpoint', page_size '10');
CREATE USER MAPPING FOR PUBLIC SERVER paced
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FOREIGN TABLE paced_t (pk text) SERVER paced OPTIONS (table_name 'scan_items');
CREATE FOREIGN TABLE quick_t (customer_id text) SERVER ddb OPTIONS (table_name 'customers');

-- ===================================================================
-- statement_timeout
-- ===================================================================
SELECT clock_timestamp() AS t0 \gset
SET statement_timeout = '500ms';
SELECT count(*) FROM slow_t;
RESET statement_timeout;
SELECT clock_timestamp() - :'t0'::timestamptz < interval '1.5 s' AS stopped_within_a_second;
-- the backend's client is usable at once
SELECT count(*) FROM quick_t;

-- ===================================================================
-- pg_cancel_backend from another session, while DynamoDB is silent
-- ===================================================================
SELECT dblink_connect('other', format('host=%s port=%s dbname=%s user=%s',
                                      ddb_test.getenv('pghost'), ddb_test.getenv('pgport'),
                                      current_database(), current_user));
SELECT pid AS other_pid FROM dblink('other', 'SELECT pg_backend_pid()') AS t(pid int) \gset
SELECT dblink_send_query('other', 'SELECT count(*) FROM slow_t');
SELECT pg_sleep(0.5);
-- it waits on the network, and says so
SELECT state, wait_event_type, wait_event FROM pg_stat_activity WHERE pid = :other_pid;
SELECT clock_timestamp() AS t0 \gset
SELECT pg_cancel_backend(:other_pid);
SELECT * FROM dblink_get_result('other') AS t(n bigint);
SELECT clock_timestamp() - :'t0'::timestamptz < interval '1 s' AS canceled_within_a_second;
SELECT * FROM dblink_get_result('other') AS t(n bigint);
-- the canceled backend goes on working
SELECT * FROM dblink('other', 'SELECT count(*) FROM quick_t') AS t(n bigint);

-- ===================================================================
-- cancel in the middle of a scan of many pages
-- ===================================================================
SELECT dblink_send_query('other', 'SELECT count(*) FROM paced_t');
SELECT pg_sleep(1);
SELECT clock_timestamp() AS t0 \gset
SELECT pg_cancel_backend(:other_pid);
SELECT * FROM dblink_get_result('other') AS t(n bigint);
SELECT clock_timestamp() - :'t0'::timestamptz < interval '1 s' AS canceled_within_a_second;
SELECT * FROM dblink_get_result('other') AS t(n bigint);
SELECT * FROM dblink('other', 'SELECT count(*) FROM quick_t') AS t(n bigint);

-- ===================================================================
-- pg_terminate_backend ends a backend stuck on a silent DynamoDB
-- ===================================================================
SELECT dblink_send_query('other', 'SELECT count(*) FROM slow_t');
SELECT pg_sleep(0.3);
SELECT clock_timestamp() AS t0 \gset
SELECT pg_terminate_backend(:other_pid, 2000) AS terminated;
SELECT clock_timestamp() - :'t0'::timestamptz < interval '1 s' AS gone_within_a_second;
SELECT count(*) FROM pg_stat_activity WHERE pid = :other_pid;
SELECT dblink_disconnect('other');

DROP SERVER slow CASCADE;
DROP SERVER paced CASCADE;
DROP FOREIGN TABLE quick_t;
