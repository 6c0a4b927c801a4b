--
-- errors: bad input gets a clear error with the right SQLSTATE, and the
-- offending item, attribute and column named
--
\getenv gateway DDB_GATEWAY
\getenv access_key DDB_TEST_ACCESS_KEY
\getenv secret_key DDB_TEST_SECRET_KEY
-- error fields are shown in full; the SQLSTATE follows each error
SET client_min_messages = warning;

-- ===================================================================
-- a value that does not fit its column
-- ===================================================================
CREATE FOREIGN TABLE bad_values (
  pk text, qty int, price numeric, flag boolean,
  qty_big int OPTIONS (attribute_name 'qty_big'),
  qty_frac int, qty_map int, price_text numeric, flag_text boolean,
  with_nul text, code varchar(5), tiny_real real, ns_frac int[]
) SERVER ddb OPTIONS (table_name 'bad_values', partition_key 'pk');
CREATE FOREIGN TABLE bv_ok (pk text, qty int, price numeric, flag boolean)
  SERVER ddb OPTIONS (table_name 'bad_values', partition_key 'pk');
SELECT * FROM bv_ok ORDER BY pk;
-- one column at a time, each fails on exactly one item
SELECT qty_big FROM bad_values;
\echo :LAST_ERROR_SQLSTATE
SELECT qty_frac FROM bad_values;
\echo :LAST_ERROR_SQLSTATE
SELECT qty_map FROM bad_values;
\echo :LAST_ERROR_SQLSTATE
SELECT price_text FROM bad_values;
\echo :LAST_ERROR_SQLSTATE
SELECT flag_text FROM bad_values;
\echo :LAST_ERROR_SQLSTATE
SELECT with_nul FROM bad_values;
\echo :LAST_ERROR_SQLSTATE
SELECT code FROM bad_values;
\echo :LAST_ERROR_SQLSTATE
SELECT tiny_real FROM bad_values;
\echo :LAST_ERROR_SQLSTATE
SELECT ns_frac FROM bad_values;
\echo :LAST_ERROR_SQLSTATE
-- a numeric(3,1) column and a uuid column
CREATE FOREIGN TABLE bv_typmod (pk text, qty numeric(3,1) OPTIONS (attribute_name 'qty_big'))
  SERVER ddb OPTIONS (table_name 'bad_values', partition_key 'pk');
SELECT * FROM bv_typmod;
\echo :LAST_ERROR_SQLSTATE
CREATE FOREIGN TABLE bv_uuid (pk text, x uuid OPTIONS (attribute_name 'price'))
  SERVER ddb OPTIONS (table_name 'bad_values', partition_key 'pk');
SELECT * FROM bv_uuid;
\echo :LAST_ERROR_SQLSTATE
-- without partition_key the item is named by its place in the page
CREATE FOREIGN TABLE bv_nokey (qty_big int) SERVER ddb OPTIONS (table_name 'bad_values');
SELECT * FROM bv_nokey;
\echo :LAST_ERROR_SQLSTATE
DROP FOREIGN TABLE bad_values, bv_ok, bv_typmod, bv_uuid, bv_nokey;

-- ===================================================================
-- tables that are not there
-- ===================================================================
CREATE FOREIGN TABLE no_such (pk text) SERVER ddb OPTIONS (table_name 'no_such_table');
SELECT * FROM no_such;
\echo :LAST_ERROR_SQLSTATE
DROP FOREIGN TABLE no_such;
-- a table dropped after the import
CREATE SCHEMA err_imp;
IMPORT FOREIGN SCHEMA x LIMIT TO (drop_me) FROM SERVER ddb INTO err_imp;
SELECT pk FROM err_imp.drop_me;
SELECT ddb_test.dynamodb('DeleteTable', '{"TableName": "drop_me"}') #>> '{TableDescription,TableName}';
SELECT pk FROM err_imp.drop_me;
\echo :LAST_ERROR_SQLSTATE
DROP SCHEMA err_imp CASCADE;
-- put it back as the loader made it, for the suites that count tables
SELECT ddb_test.dynamodb('CreateTable', '{"TableName": "drop_me",
  "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
  "BillingMode": "PAY_PER_REQUEST"}') #>> '{TableDescription,TableStatus}' AS status;
SELECT ddb_test.dynamodb('PutItem', '{"TableName": "drop_me", "Item": {"pk": {"S": "here today"}}}');

-- ===================================================================
-- DynamoDB unreachable, and credentials it refuses
-- ===================================================================
CREATE SERVER unreachable FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', endpoint 'http://127.0.0.1:1', connect_timeout '2s',
           max_retries '1', retry_base_delay '1ms');
CREATE USER MAPPING FOR CURRENT_USER SERVER unreachable
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FOREIGN TABLE unreachable_t (pk text) SERVER unreachable OPTIONS (table_name 'customers');
\set VERBOSITY terse
SELECT * FROM unreachable_t;
\echo :LAST_ERROR_SQLSTATE
IMPORT FOREIGN SCHEMA x FROM SERVER unreachable INTO public;
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
DROP SERVER unreachable CASCADE;

CREATE SERVER wrong_keys FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', endpoint :'gateway');
CREATE USER MAPPING FOR CURRENT_USER SERVER wrong_keys
  OPTIONS (access_key_id :'access_key', secret_access_key 'not-the-secret');
CREATE FOREIGN TABLE wrong_keys_t (pk text) SERVER wrong_keys OPTIONS (table_name 'customers');
SELECT * FROM wrong_keys_t;
\echo :LAST_ERROR_SQLSTATE
ALTER USER MAPPING FOR CURRENT_USER SERVER wrong_keys
  OPTIONS (SET access_key_id 'AKIDUNKNOWNKEY0001');
SELECT * FROM wrong_keys_t;
\echo :LAST_ERROR_SQLSTATE
-- the mapping's change was seen at once: the right keys work again
ALTER USER MAPPING FOR CURRENT_USER SERVER wrong_keys
  OPTIONS (SET access_key_id :'access_key', SET secret_access_key :'secret_key');
SELECT count(*) FROM wrong_keys_t;
DROP SERVER wrong_keys CASCADE;

-- ===================================================================
-- error answers and broken responses (faults injected by the gateway)
-- ===================================================================
-- Each is sent three times (max_retries 2, 1 ms apart) when a retry may
-- help: throttling, 5xx, resets, cut-short, corrupted or malformed answers.
CREATE FUNCTION fault_server(name text, spec text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER ddb_fdw OPTIONS (region %L, endpoint %L, '
                 'max_retries %L, retry_base_delay %L)',
                 name, 'us-east-1', ddb_test.getenv('gateway') || '/fault/' || spec || '/',
                 '2', '1ms');
  EXECUTE format('CREATE USER MAPPING FOR CURRENT_USER SERVER %I OPTIONS (access_key_id %L, secret_access_key %L)',
                 name, current_setting('ddb.access_key'), current_setting('ddb.secret_key'));
  EXECUTE format('CREATE FOREIGN TABLE %I (customer_id text) SERVER %I OPTIONS (table_name %L)',
                 name || '_t', name, 'customers');
END
$$;
SET ddb.access_key = :'access_key';
SET ddb.secret_key = :'secret_key';
SELECT fault_server('f_validation', 'errorbody=ValidationException');
SELECT * FROM f_validation_t;
\echo :LAST_ERROR_SQLSTATE
SELECT fault_server('f_throttle', 'throttle');
SELECT * FROM f_throttle_t;
\echo :LAST_ERROR_SQLSTATE
SELECT fault_server('f_500', 'status=500');
SELECT * FROM f_500_t;
\echo :LAST_ERROR_SQLSTATE
SELECT fault_server('f_html', 'html');
SELECT * FROM f_html_t;
\echo :LAST_ERROR_SQLSTATE
SELECT fault_server('f_malformed', 'malformed');
SELECT * FROM f_malformed_t;
\echo :LAST_ERROR_SQLSTATE
SELECT fault_server('f_truncated', 'truncate_json');
SELECT * FROM f_truncated_t;
\echo :LAST_ERROR_SQLSTATE
SELECT fault_server('f_notjson', 'notjson');
SELECT * FROM f_notjson_t;
\echo :LAST_ERROR_SQLSTATE
SELECT fault_server('f_badcrc', 'badcrc');
SELECT * FROM f_badcrc_t;
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY terse
SELECT fault_server('f_cut', 'truncate');
SELECT * FROM f_cut_t;
\echo :LAST_ERROR_SQLSTATE
SELECT fault_server('f_reset', 'reset');
SELECT * FROM f_reset_t;
\echo :LAST_ERROR_SQLSTATE
SELECT fault_server('f_slow', 'delay=3000');
ALTER SERVER f_slow OPTIONS (ADD request_timeout '300ms');
SELECT * FROM f_slow_t;
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
-- the second page of a scan is malformed: the error, not a short result
SELECT fault_server('f_page2', 'malformed,op=Scan,skip=1');
ALTER FOREIGN TABLE f_page2_t OPTIONS (ADD page_size '2');
SELECT ddb_test.reset_faults(), ddb_test.reset_requests();
SELECT count(*) FROM f_page2_t;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS scans, count(*) FILTER (WHERE fault <> '-') AS faulty
  FROM ddb_test.requests() WHERE op = 'Scan';
-- which errors were sent again: three attempts each for what a retry may
-- fix, one for what it cannot (ValidationException)
SELECT ddb_test.reset_faults(), ddb_test.reset_requests();
SELECT * FROM f_validation_t;
SELECT * FROM f_throttle_t;
SELECT * FROM f_badcrc_t;
SELECT fault, count(*) FROM ddb_test.requests() WHERE op = 'Scan' GROUP BY fault ORDER BY fault;
-- a fault that clears is ridden through, and counted
SELECT fault_server('f_flaky', 'status=500,op=Scan,count=2');
SELECT ddb_test.reset_faults(), ddb_test.reset_requests();
SELECT count(*) FROM f_flaky_t;
SELECT count(*) AS scans, count(*) FILTER (WHERE fault <> '-') AS faulty
  FROM ddb_test.requests() WHERE op = 'Scan';
SELECT ddb_test.reset_faults();
CREATE FUNCTION explain_retries(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE l text;
BEGIN
  FOR l IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
    IF l ~ 'DynamoDB (Retries|Pages)' THEN RETURN NEXT trim(l); END IF;
  END LOOP;
END $$;
SELECT * FROM explain_retries('SELECT * FROM f_flaky_t');
DROP FUNCTION explain_retries(text);
-- waiting to retry is waiting on the latch: statement_timeout ends it
SELECT fault_server('f_forever', 'throttle');
ALTER SERVER f_forever OPTIONS (SET max_retries '100', SET retry_base_delay '60s',
                                 ADD retry_max_delay '60s');
SELECT clock_timestamp() AS t0 \gset
SET statement_timeout = '400ms';
SELECT * FROM f_forever_t;
RESET statement_timeout;
SELECT clock_timestamp() - :'t0' < interval '3 seconds' AS ended_at_once;
-- the client recovers: after those failures the same backend reads fine
CREATE FOREIGN TABLE customers (customer_id text) SERVER ddb;
SELECT count(*) FROM customers;
DROP FOREIGN TABLE customers;
RESET ddb.access_key;
RESET ddb.secret_key;
DROP FUNCTION fault_server(text, text);
DO $$
DECLARE s text;
BEGIN
  FOR s IN SELECT srvname FROM pg_foreign_server WHERE srvname LIKE 'f\_%' LOOP
    EXECUTE format('DROP SERVER %I CASCADE', s);
  END LOOP;
END $$;
