--
-- setup: the extension, test helpers and the server every suite uses
--
-- Endpoints, ports and keys come from the environment (test/run.sh), never
-- from this file.  Every DynamoDB request of the suites goes through the
-- test gateway (test/gateway.py), which verifies its SigV4 signature.
--
\getenv gateway DDB_GATEWAY
\getenv local_endpoint DDB_LOCAL_ENDPOINT
\getenv access_key DDB_TEST_ACCESS_KEY
\getenv secret_key DDB_TEST_SECRET_KEY
\getenv pghost PGHOST
\getenv pgport PGPORT
\getenv tools DDB_TOOLS

CREATE EXTENSION ddb_fdw;
\dx ddb_fdw
\dew+ ddb_fdw

CREATE SCHEMA ddb_test;
CREATE TABLE ddb_test.env (name text PRIMARY KEY, value text NOT NULL);
INSERT INTO ddb_test.env VALUES
  ('gateway', :'gateway'), ('local', :'local_endpoint'),
  ('pghost', :'pghost'), ('pgport', :'pgport'), ('tools', :'tools');

-- A value as one shell word.
CREATE FUNCTION ddb_test.shq(s text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT '''' || replace(s, '''', '''\''''') || '''' $$;

-- Runs a shell command on the server and returns its output lines.
CREATE FUNCTION ddb_test.sh(cmd text) RETURNS SETOF text
LANGUAGE plpgsql SET client_min_messages = warning
AS $$
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS ddb_test_sh_out (n serial, line text);
  TRUNCATE ddb_test_sh_out;
  EXECUTE format($f$COPY ddb_test_sh_out (line) FROM PROGRAM %L
                    WITH (FORMAT csv, DELIMITER E'\x01', QUOTE E'\x02')$f$, cmd);
  RETURN QUERY SELECT line FROM ddb_test_sh_out ORDER BY n;
END
$$;

CREATE FUNCTION ddb_test.getenv(key text) RETURNS text
LANGUAGE sql STABLE STRICT
AS $$ SELECT value FROM ddb_test.env WHERE name = key $$;

-- Calls DynamoDB Local directly (it verifies no signature): test set-up
-- and changes made behind the extension's back.
CREATE FUNCTION ddb_test.dynamodb(op text, body jsonb) RETURNS jsonb
LANGUAGE sql
AS $$
  SELECT string_agg(line, E'\n')::jsonb FROM ddb_test.sh(format(
    'curl -sS -X POST -H %s -H %s -H %s --data-binary %s %s/',
    ddb_test.shq('X-Amz-Target: DynamoDB_20120810.' || op),
    ddb_test.shq('Content-Type: application/x-amz-json-1.0'),
    ddb_test.shq('Authorization: AWS4-HMAC-SHA256 Credential=AKIDTESTHELPER01/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0'),
    ddb_test.shq(body::text),
    ddb_test.getenv('local'))) AS line
$$;

-- Every item of a DynamoDB table as natural JSON, read by boto3 (not by
-- ddb_fdw): the independent reader sync results are compared with.
CREATE FUNCTION ddb_test.dynamodb_items(tbl text) RETURNS SETOF jsonb
LANGUAGE sql
AS $$
  SELECT line::jsonb FROM ddb_test.sh(format(
    '/usr/bin/python3 %s/ddb_dump.py --endpoint %s --table %s',
    ddb_test.getenv('tools'), ddb_test.getenv('local'), ddb_test.shq(tbl))) AS line
$$;

-- The gateway's request log (see test/gateway_log.py for the columns), without
-- the requests of the pg_cron job (cron_schedule), which runs while suites do, and
-- without the planner's DescribeTable calls (cached per backend, so whether
-- a query makes one depends on what ran before) unless asked for.
CREATE FUNCTION ddb_test.requests(metadata boolean DEFAULT false)
RETURNS TABLE (seq int, op text, tbl text, segment text, lim text,
               start_key bool, status int, fault text, access_key text)
LANGUAGE sql
AS $$
  SELECT f[1]::int, f[2], f[3], f[4], f[5], f[6] = '1', f[7]::int, f[8], f[9]
    FROM (SELECT string_to_array(line, E'\t') AS f
            FROM ddb_test.sh(format('curl -sS %s/__gw/log',
                                    ddb_test.getenv('gateway'))) AS line) l
   WHERE f[3] IS DISTINCT FROM 'cron_items'
     AND (metadata OR f[2] <> 'DescribeTable')
   ORDER BY 1
$$;

-- Clears the request log, after waiting for requests still being served
-- (a canceled query's request is answered and logged later).
CREATE FUNCTION ddb_test.reset_requests() RETURNS void
LANGUAGE sql
AS $$
  SELECT count(*) FROM ddb_test.sh(format(
    'curl -sS -X POST %1$s/__gw/drain && curl -sS -X POST %1$s/__gw/log/reset',
    ddb_test.getenv('gateway')))
$$;

-- Restarts the gateway's fault counters (skip=, count=) and random streams.
CREATE FUNCTION ddb_test.reset_faults() RETURNS void
LANGUAGE sql
AS $$
  SELECT count(*) FROM ddb_test.sh(format('curl -sS -X POST %s/__gw/faults/reset',
                                          ddb_test.getenv('gateway')))
$$;

-- Calls the gateway's control API: POST path with a JSON body, or GET.
CREATE FUNCTION ddb_test.gateway(path text, body jsonb DEFAULT NULL) RETURNS jsonb
LANGUAGE sql
AS $$
  SELECT string_agg(line, E'\n')::jsonb FROM ddb_test.sh(
    CASE WHEN body IS NULL
         THEN format('curl -sS %s/__gw/%s', ddb_test.getenv('gateway'), path)
         ELSE format('curl -sS -X POST -H %s --data-binary %s %s/__gw/%s',
                     ddb_test.shq('Content-Type: application/json'),
                     ddb_test.shq(body::text), ddb_test.getenv('gateway'), path)
    END) AS line
$$;

-- The server every suite reads through, and the current user's keys.
CREATE SERVER ddb FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', endpoint :'gateway', segments '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER ddb
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');

-- dblink: the cancel and cron suites open second sessions with it.
CREATE EXTENSION IF NOT EXISTS dblink;

-- The helpers work: DynamoDB Local answers, the gateway logs.
SELECT ddb_test.reset_requests();
SELECT (ddb_test.dynamodb('DescribeTable', '{"TableName": "customers"}'))
       #>> '{Table,KeySchema,0,AttributeName}' AS customers_key;
CREATE FOREIGN TABLE ddb_test.customers (customer_id text)
  SERVER ddb OPTIONS (table_name 'customers');
SELECT count(*) FROM ddb_test.customers;
SELECT op, tbl, status, access_key FROM ddb_test.requests();
DROP FOREIGN TABLE ddb_test.customers;
