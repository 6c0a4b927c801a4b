--
-- auth: IAM roles through STS, the AWS credential sources, and who may use
-- the database host's identity
--
\getenv gateway DDB_GATEWAY
\getenv access_key DDB_TEST_ACCESS_KEY
\getenv secret_key DDB_TEST_SECRET_KEY
\getenv ambient_key DDB_AMBIENT_ACCESS_KEY
\getenv ambient_secret DDB_AMBIENT_SECRET_KEY
\getenv web_token DDB_WEB_IDENTITY_TOKEN
\getenv web_role DDB_WEB_IDENTITY_ROLE
\getenv pg_log DDB_PG_LOG
SET client_min_messages = warning;
-- anything ddb_fdw might log, at any level, goes to the server log
SET log_min_messages = debug5;

-- roles the gateway's STS knows: one any known identity may assume, one
-- behind an external id, the web identity role
SELECT ddb_test.gateway('config', jsonb_build_object(
  'roles', jsonb_build_object(
    'arn:aws:iam::123456789012:role/reader', '{"external_id": null, "principals": null}'::jsonb,
    'arn:aws:iam::123456789012:role/partner', '{"external_id": "partner-x-42", "principals": null}'::jsonb),
  'web_identity_tokens', jsonb_build_object(:'web_token'::text, :'web_role'::text)))
  ? 'roles' AS configured;

CREATE FUNCTION role_server(name text, role text, extra text DEFAULT '') RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER ddb_fdw OPTIONS (region %L, endpoint %L, sts_endpoint %L, segments %L%s%s)',
                 name, 'us-east-1', ddb_test.getenv('gateway'), ddb_test.getenv('gateway'), '1',
                 CASE WHEN role IS NULL THEN '' ELSE format(', role_arn %L', role) END, extra);
  EXECUTE format('CREATE FOREIGN TABLE %I (customer_id text) SERVER %I OPTIONS (table_name %L)',
                 name || '_t', name, 'customers');
END
$$;

-- ===================================================================
-- AssumeRole: the user mapping's keys assume the role, its temporary
-- credentials read DynamoDB
-- ===================================================================
SELECT role_server('reader', 'arn:aws:iam::123456789012:role/reader');
CREATE USER MAPPING FOR CURRENT_USER SERVER reader
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
SELECT ddb_test.reset_requests();
SELECT count(*) FROM reader_t;
SELECT count(*) FROM reader_t;
-- one AssumeRole signed by the long-lived key, then every Scan signed by
-- the temporary key (with its session token: the gateway checks it)
SELECT op, status, access_key = :'access_key' AS long_lived_key,
       access_key LIKE 'ASIA%' AS temporary_key
  FROM ddb_test.requests() ORDER BY seq;

-- with an external id
SELECT role_server('partner', 'arn:aws:iam::123456789012:role/partner');
CREATE USER MAPPING FOR CURRENT_USER SERVER partner
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
SELECT count(*) FROM partner_t;
\echo :LAST_ERROR_SQLSTATE
ALTER SERVER partner OPTIONS (ADD external_id 'not-the-right-one');
SELECT count(*) FROM partner_t;
\echo :LAST_ERROR_SQLSTATE
ALTER SERVER partner OPTIONS (SET external_id 'partner-x-42');
SELECT count(*) FROM partner_t;
-- a role nobody may assume
SELECT role_server('stranger', 'arn:aws:iam::123456789012:role/no-such-role');
CREATE USER MAPPING FOR CURRENT_USER SERVER stranger
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
SELECT count(*) FROM stranger_t;
\echo :LAST_ERROR_SQLSTATE

-- a wrong secret: STS refuses the signature (403), and says so
ALTER USER MAPPING FOR CURRENT_USER SERVER reader
  OPTIONS (SET secret_access_key 'not-the-right-secret');
SELECT count(*) FROM reader_t;
\echo :LAST_ERROR_SQLSTATE
-- an unknown key
ALTER USER MAPPING FOR CURRENT_USER SERVER reader
  OPTIONS (SET access_key_id 'AKIDNOBODYKNOWS0001', SET secret_access_key :'secret_key');
SELECT count(*) FROM reader_t;
\echo :LAST_ERROR_SQLSTATE
ALTER USER MAPPING FOR CURRENT_USER SERVER reader
  OPTIONS (SET access_key_id :'access_key');
SELECT count(*) FROM reader_t;
-- STS unreachable
SELECT role_server('sts_down', 'arn:aws:iam::123456789012:role/reader');
-- (one retry, soon: the errors, not the backoff, are what is tested here)
ALTER SERVER sts_down OPTIONS (SET sts_endpoint 'http://127.0.0.1:1', ADD connect_timeout '2s',
                               ADD max_retries '1', ADD retry_base_delay '1ms');
CREATE USER MAPPING FOR CURRENT_USER SERVER sts_down
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
\set VERBOSITY terse
SELECT count(*) FROM sts_down_t;
\set VERBOSITY default
-- STS answering garbage, or throttling
SELECT role_server('sts_bad', 'arn:aws:iam::123456789012:role/reader');
ALTER SERVER sts_bad OPTIONS (SET sts_endpoint :'gateway', ADD max_retries '1',
                              ADD retry_base_delay '1ms');
SELECT ddb_test.getenv('gateway') || '/fault/malformed/' AS sts_malformed \gset
SELECT ddb_test.getenv('gateway') || '/fault/throttle/' AS sts_throttle \gset
ALTER SERVER sts_bad OPTIONS (SET sts_endpoint :'sts_malformed');
CREATE USER MAPPING FOR CURRENT_USER SERVER sts_bad
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
SELECT count(*) FROM sts_bad_t;
\echo :LAST_ERROR_SQLSTATE
ALTER SERVER sts_bad OPTIONS (SET sts_endpoint :'sts_throttle');
SELECT count(*) FROM sts_bad_t;
\echo :LAST_ERROR_SQLSTATE

-- ===================================================================
-- temporary credentials are refreshed before they expire, also in the
-- middle of a scan
-- ===================================================================
-- the gateway now issues credentials for 303 s: five minutes before that
-- ends is 2 to 3 s after they were issued (expiry times are whole seconds)
SELECT ddb_test.gateway('config', '{"sts_lifetime_seconds": 303}') ->> 'sts_lifetime_seconds' AS lifetime;
SELECT role_server('short', 'arn:aws:iam::123456789012:role/reader', ', page_size ''2''');
CREATE USER MAPPING FOR CURRENT_USER SERVER short
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
SELECT ddb_test.reset_requests();
SELECT count(*) FROM short_t;
SELECT pg_sleep(3.2);
SELECT count(*) FROM short_t;
SELECT op, status, access_key LIKE 'ASIA%' AS temporary_key FROM ddb_test.requests() ORDER BY seq;
-- a scan whose pages take 1.2 s each outlives the first credentials
SELECT ddb_test.getenv('gateway') || '/fault/delay=1200,op=Scan/' AS slow_endpoint \gset
ALTER SERVER short OPTIONS (SET endpoint :'slow_endpoint');
SELECT ddb_test.reset_requests();
SELECT count(*) FROM short_t;
-- four pages, 4.8 s: new credentials at least once between pages
SELECT (array_agg(op ORDER BY seq))[1] AS first, count(*) FILTER (WHERE op = 'Scan') AS scans,
       count(*) FILTER (WHERE op = 'AssumeRole') >= 2 AS refreshed,
       count(DISTINCT access_key) FILTER (WHERE op = 'Scan') >= 2 AS scans_with_new_keys,
       bool_and(status = 200) AS none_failed
  FROM ddb_test.requests();
SELECT ddb_test.gateway('config', '{"sts_lifetime_seconds": null}') ->> 'sts_lifetime_seconds' AS lifetime;

-- ===================================================================
-- the database host's identity: only where a superuser granted it
-- ===================================================================
-- a user mapping without keys and without the grant
SELECT role_server('host', NULL);
CREATE USER MAPPING FOR CURRENT_USER SERVER host;
SELECT count(*) FROM host_t;
\echo :LAST_ERROR_SQLSTATE
-- the server option of 1.0 grants nothing any more
ALTER SERVER host OPTIONS (ADD use_ambient_credentials 'true');
SELECT count(*) FROM host_t;
\echo :LAST_ERROR_SQLSTATE
-- granted to the role's mapping; each source on its own, then the whole
-- chain in the SDKs' order
ALTER USER MAPPING FOR CURRENT_USER SERVER host OPTIONS (ADD use_ambient_credentials 'true');
ALTER SERVER host OPTIONS (ADD ambient_sources 'environment');
SELECT ddb_test.reset_requests();
SELECT count(*) FROM host_t;
SELECT op, status, access_key = :'ambient_key' AS environment_key FROM ddb_test.requests() ORDER BY seq;
ALTER SERVER host OPTIONS (SET ambient_sources 'web_identity');
SELECT ddb_test.reset_requests();
SELECT count(*) FROM host_t;
SELECT op, status, access_key LIKE 'ASIA%' AS temporary_key FROM ddb_test.requests() ORDER BY seq;
ALTER SERVER host OPTIONS (SET ambient_sources 'container');
SELECT ddb_test.reset_requests();
SELECT count(*) FROM host_t;
SELECT op, status, access_key LIKE 'ASIA%' AS temporary_key FROM ddb_test.requests() ORDER BY seq;
ALTER SERVER host OPTIONS (SET ambient_sources 'imds');
SELECT ddb_test.reset_requests();
SELECT count(*) FROM host_t;
SELECT op, status, access_key LIKE 'ASIA%' AS temporary_key FROM ddb_test.requests() ORDER BY seq;
-- all sources: the environment comes first
ALTER SERVER host OPTIONS (DROP ambient_sources);
SELECT ddb_test.reset_requests();
SELECT count(*) FROM host_t;
SELECT op, access_key = :'ambient_key' AS environment_key FROM ddb_test.requests() ORDER BY seq;
-- the host's identity may itself assume a role
ALTER SERVER host OPTIONS (ADD role_arn 'arn:aws:iam::123456789012:role/reader',
                           ADD ambient_sources 'imds');
SELECT ddb_test.reset_requests();
SELECT count(*) FROM host_t;
SELECT op, status, access_key LIKE 'ASIA%' AS temporary_key FROM ddb_test.requests() ORDER BY seq;
-- a source that fails is named, and the chain does not fall through
ALTER SERVER host OPTIONS (DROP role_arn);
SELECT ddb_test.gateway('config', '{"imds_down": true}') ->> 'imds_down' AS imds_down;
SELECT count(*) FROM host_t;
\echo :LAST_ERROR_SQLSTATE
SELECT ddb_test.gateway('config', '{"imds_down": false}') ->> 'imds_down' AS imds_down;
-- user mapping keys, when present, win over the host's identity
ALTER USER MAPPING FOR CURRENT_USER SERVER host
  OPTIONS (ADD access_key_id :'access_key', ADD secret_access_key :'secret_key');
SELECT ddb_test.reset_requests();
SELECT count(*) FROM host_t;
SELECT op, access_key = :'access_key' AS mapping_key FROM ddb_test.requests() ORDER BY seq;

-- ===================================================================
-- what non-superusers may do
-- ===================================================================
CREATE ROLE ddb_alice;
CREATE ROLE ddb_bob;
CREATE SCHEMA alice AUTHORIZATION ddb_alice;
GRANT USAGE ON FOREIGN DATA WRAPPER ddb_fdw TO ddb_alice, ddb_bob;
-- a server where a superuser lends the host's identity to alice
CREATE SERVER lent FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', endpoint :'gateway', ambient_sources 'environment');
GRANT USAGE ON FOREIGN SERVER lent TO ddb_alice;
SET ROLE ddb_alice;
CREATE SERVER alice_s FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', endpoint 'http://127.0.0.1:8000');
\echo :LAST_ERROR_SQLSTATE
CREATE SERVER alice_s FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', use_ambient_credentials 'true');
CREATE SERVER alice_s FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', sts_endpoint 'http://127.0.0.1:8000');
CREATE SERVER alice_s FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', ambient_sources 'imds');
CREATE SERVER alice_s FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', streams_endpoint 'http://127.0.0.1:8000');
CREATE SERVER alice_s FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', role_arn 'arn:aws:iam::123456789012:role/reader',
           external_id 'alice-ext', role_session_name 'alice', session_duration '1h');
ALTER SERVER alice_s OPTIONS (ADD use_ambient_credentials 'false');
\echo :LAST_ERROR_SQLSTATE
CREATE USER MAPPING FOR ddb_alice SERVER alice_s
  OPTIONS (access_key_id 'AKIDALICE000000001', secret_access_key 'alice-secret-value');
CREATE FOREIGN TABLE alice.alice_t (customer_id text) SERVER alice_s OPTIONS (table_name 'customers');
-- without keys, alice cannot borrow the host's identity
ALTER USER MAPPING FOR ddb_alice SERVER alice_s
  OPTIONS (DROP access_key_id, DROP secret_access_key);
SELECT count(*) FROM alice.alice_t;
\echo :LAST_ERROR_SQLSTATE
-- nor grant it to herself
CREATE USER MAPPING FOR ddb_alice SERVER lent OPTIONS (use_ambient_credentials 'true');
\echo :LAST_ERROR_SQLSTATE
-- unless a superuser granted it to her mapping on a server she may use
RESET ROLE;
CREATE USER MAPPING FOR ddb_alice SERVER lent OPTIONS (use_ambient_credentials 'true');
SET ROLE ddb_alice;
CREATE FOREIGN TABLE alice.lent_t (customer_id text) SERVER lent OPTIONS (table_name 'customers');
SELECT count(*) FROM alice.lent_t;
ALTER USER MAPPING FOR ddb_alice SERVER alice_s
  OPTIONS (ADD access_key_id 'AKIDALICE000000001', ADD secret_access_key 'alice-secret-value');
RESET ROLE;
-- another user sees that the mapping exists, not its options
SET ROLE ddb_bob;
SELECT srvname, usename, umoptions FROM pg_user_mappings WHERE srvname = 'alice_s';
RESET ROLE;
SELECT srvname, usename, umoptions IS NOT NULL AS superuser_sees_options
  FROM pg_user_mappings WHERE srvname = 'alice_s';
-- EXPLAIN shows no credentials
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM reader_t;
DROP SERVER alice_s, lent CASCADE;
DROP SCHEMA alice CASCADE;
REVOKE USAGE ON FOREIGN DATA WRAPPER ddb_fdw FROM ddb_alice, ddb_bob;
DROP ROLE ddb_alice, ddb_bob;

-- ===================================================================
-- no secret reached the server log, at any level, in any suite so far
-- ===================================================================
-- every secret and session token the gateway issued, and the fixed ones
CREATE TEMP TABLE secrets AS
  SELECT v.secret
    FROM jsonb_array_elements(ddb_test.gateway('issued-secrets') -> 'secrets') AS pair(p),
         LATERAL jsonb_array_elements_text(pair.p) AS v(secret)
  UNION ALL SELECT :'secret_key' UNION ALL SELECT :'ambient_secret'
  UNION ALL SELECT :'web_token' UNION ALL SELECT 'ddb-fdw-container-token'
  UNION ALL SELECT 'not-the-right-secret' UNION ALL SELECT 'alice-secret-value';
SELECT count(*) > 20 AS many_secrets FROM secrets;
SELECT count(*) AS secrets_in_log FROM secrets
 WHERE strpos(pg_read_file(:'pg_log'), secret) > 0;
SELECT length(pg_read_file(:'pg_log')) > 0 AS log_read;

RESET log_min_messages;
DO $$
DECLARE s text;
BEGIN
  FOR s IN SELECT srvname FROM pg_foreign_server
            WHERE srvname IN ('reader', 'partner', 'stranger', 'sts_down', 'sts_bad', 'short', 'host') LOOP
    EXECUTE format('DROP SERVER %I CASCADE', s);
  END LOOP;
END $$;
DROP FUNCTION role_server(text, text, text);
SELECT ddb_test.gateway('reset', '{}') IS NOT NULL AS gateway_reset;
