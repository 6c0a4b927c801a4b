--
-- options: one table of options, one validator, clear errors
--
\set VERBOSITY default

-- ===================================================================
-- wrapper and server options
-- ===================================================================
ALTER FOREIGN DATA WRAPPER ddb_fdw OPTIONS (region 'eu-west-1');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw OPTIONS (regoin 'eu-west-1');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw OPTIONS (region 'eu west 1');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw OPTIONS (region '');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', endpoint 'ftp://dynamodb.example.com');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', endpoint 'https://user:pass@dynamodb.example.com');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', endpoint 'https://dynamodb.example.com/?x=1');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', endpoint 'http://127.0.0.1:99999');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', streams_endpoint 'streams.dynamodb.eu-west-1.amazonaws.com');
-- plain http only to loopback: keys and answers must not cross a network in clear
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', endpoint 'http://dynamodb.example.com');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', sts_endpoint 'http://10.0.0.1:8080');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', streams_endpoint 'http://127.0.0.1.example.com');
CREATE SERVER s_loop FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', endpoint 'http://localhost:8000', sts_endpoint 'http://[::1]:8000',
           streams_endpoint 'http://127.1.2.3:8000');
DROP SERVER s_loop;
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', max_retries '-1');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', max_retries '101');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', retry_base_delay 'soon');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', max_read_units_per_second '0');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', max_read_units_per_second 'fast');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', connect_timeout 'soon');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', request_timeout '-1');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', request_timeout '5 parsecs');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', page_size '0');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', page_size 'lots');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', page_size '2000000');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', concurrent_queries '0');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', concurrent_queries '17');
CREATE SERVER s_bad FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', table_name 'customers');

-- every valid form
CREATE SERVER s_ok FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'eu-west-1', endpoint 'HTTPS://DynamoDB.eu-west-1.amazonaws.com/',
           connect_timeout '5s', request_timeout '90000', page_size 'max');
ALTER SERVER s_ok OPTIONS (SET page_size 'auto', SET request_timeout '1min');
ALTER SERVER s_ok OPTIONS (SET page_size '250', DROP endpoint);
ALTER SERVER s_ok OPTIONS (SET page_size '0');
ALTER SERVER s_ok OPTIONS (ADD endpoint 'http://[::1]:8000/');
ALTER SERVER s_ok OPTIONS (ADD max_retries '0', ADD retry_base_delay '50ms',
                           ADD retry_max_delay '5s', ADD max_read_units_per_second '12.5');
SELECT srvname, srvoptions FROM pg_foreign_server WHERE srvname = 's_ok';
ALTER SERVER s_ok OPTIONS (ADD concurrent_queries '16');
ALTER SERVER s_ok OPTIONS (DROP concurrent_queries);

-- ===================================================================
-- user mapping options: secrets are never echoed back
-- ===================================================================
CREATE USER MAPPING FOR CURRENT_USER SERVER s_ok OPTIONS (password 'x');
CREATE USER MAPPING FOR CURRENT_USER SERVER s_ok OPTIONS (access_key_id 'short');
CREATE USER MAPPING FOR CURRENT_USER SERVER s_ok
  OPTIONS (access_key_id 'AKIDEXAMPLE0000001', secret_access_key E'line1\nSECRET-PART');
CREATE USER MAPPING FOR CURRENT_USER SERVER s_ok
  OPTIONS (access_key_id 'AKIDEXAMPLE0000001', secret_access_key '');
CREATE USER MAPPING FOR CURRENT_USER SERVER s_ok
  OPTIONS (access_key_id 'AKIDEXAMPLE0000001', secret_access_key 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
           session_token 'FwoGZXIvYXdzEXAMPLE');

-- ===================================================================
-- foreign table and column options
-- ===================================================================
CREATE FOREIGN TABLE ft_bad (pk text) SERVER s_ok OPTIONS (table 'x');
CREATE FOREIGN TABLE ft_bad (pk text) SERVER s_ok OPTIONS (table_name 'no spaces allowed');
CREATE FOREIGN TABLE ft_bad (pk text) SERVER s_ok OPTIONS (table_name 'ab');
CREATE FOREIGN TABLE ft_bad (pk text) SERVER s_ok OPTIONS (partition_key '');
CREATE FOREIGN TABLE ft_bad (pk text) SERVER s_ok OPTIONS (region 'eu-west-1');
CREATE FOREIGN TABLE ft_bad (pk text) SERVER s_ok OPTIONS (batch_size '0');
CREATE FOREIGN TABLE ft_bad (pk text) SERVER s_ok OPTIONS (concurrent_queries 'four');
CREATE FOREIGN TABLE ft_bad (pk text) SERVER s_ok OPTIONS (overwrite 'sometimes');
CREATE FOREIGN TABLE ft_bad (pk text OPTIONS (attribute '')) SERVER s_ok;
CREATE FOREIGN TABLE ft_bad (pk text OPTIONS (attribute_name '')) SERVER s_ok;
CREATE FOREIGN TABLE ft_bad (doc jsonb OPTIONS (whole_item 'maybe')) SERVER s_ok;
CREATE FOREIGN TABLE ft_bad (doc jsonb OPTIONS (whole_item 'true', attribute_name 'doc'))
  SERVER s_ok;

CREATE FOREIGN TABLE ft_ok (
  pk text OPTIONS (attribute_name 'Customer ID'),
  doc jsonb OPTIONS (whole_item 'on')
) SERVER s_ok OPTIONS (table_name 'Orders.2024-v1', partition_key 'Customer ID',
                       sort_key 'order#', page_size 'auto');
ALTER FOREIGN TABLE ft_ok OPTIONS (SET page_size '5');
ALTER FOREIGN TABLE ft_ok OPTIONS (SET table_name 'arn:aws:dynamodb:eu-west-1:123456789012:table/Orders');
ALTER FOREIGN TABLE ft_ok ALTER COLUMN pk OPTIONS (SET attribute_name 'a.b-c d');
ALTER FOREIGN TABLE ft_ok ALTER COLUMN pk OPTIONS (ADD whole_item 'false');
ALTER FOREIGN TABLE ft_ok ALTER COLUMN pk OPTIONS (SET whole_item 'true');
\d ft_ok
DROP SERVER s_ok CASCADE;

-- ===================================================================
-- options checked when a query runs
-- ===================================================================
-- a server without region
CREATE SERVER s_noregion FOREIGN DATA WRAPPER ddb_fdw;
CREATE USER MAPPING FOR CURRENT_USER SERVER s_noregion
  OPTIONS (access_key_id 'AKIDEXAMPLE0000001', secret_access_key 'x');
CREATE FOREIGN TABLE ft_noregion (pk text) SERVER s_noregion;
SELECT * FROM ft_noregion;
DROP SERVER s_noregion CASCADE;

-- a user mapping without keys, and no user mapping at all
CREATE SERVER s_nokeys FOREIGN DATA WRAPPER ddb_fdw OPTIONS (region 'us-east-1');
CREATE FOREIGN TABLE ft_nokeys (pk text) SERVER s_nokeys;
SELECT * FROM ft_nokeys;
CREATE USER MAPPING FOR CURRENT_USER SERVER s_nokeys;
SELECT * FROM ft_nokeys;
DROP SERVER s_nokeys CASCADE;

-- without table_name, the foreign table's own name is the DynamoDB table's
CREATE FOREIGN TABLE customers (customer_id text) SERVER ddb;
SELECT count(*) FROM customers;
EXPLAIN (VERBOSE, COSTS OFF) SELECT customer_id FROM customers;
-- page_size: the table's option wins over the server's
ALTER SERVER ddb OPTIONS (ADD page_size '4');
EXPLAIN (VERBOSE, COSTS OFF) SELECT customer_id FROM customers;
ALTER FOREIGN TABLE customers OPTIONS (ADD page_size 'max');
EXPLAIN (VERBOSE, COSTS OFF) SELECT customer_id FROM customers;
SELECT ddb_test.reset_requests();
SELECT count(*) FROM customers;
ALTER FOREIGN TABLE customers OPTIONS (DROP page_size);
SELECT count(*) FROM customers;
-- max sends no Limit; then page_size 4 (the server's) takes two pages
SELECT op, tbl, lim, start_key FROM ddb_test.requests();
ALTER SERVER ddb OPTIONS (DROP page_size);

-- a whole_item column must be able to hold an item
CREATE FOREIGN TABLE customers_bad (id text OPTIONS (attribute_name 'customer_id'),
                                    doc int OPTIONS (whole_item 'true'))
  SERVER ddb OPTIONS (table_name 'customers');
SELECT * FROM customers_bad;
DROP FOREIGN TABLE customers_bad;
DROP FOREIGN TABLE customers;
