--
-- security: what a hostile database user can do with the sync, and what
-- another role sees of it
--
-- ddb_hostile is no superuser.  It owns a schema, a foreign table, the
-- target (with a trigger), and, in its schema, functions and operators
-- named like PostgreSQL's own for every type the catalog statements use
-- (now(), =, <>, +, -) and casts to types it named jsonb and text.  Each
-- records who ran it and, when run with another role's rights, makes
-- ddb_hostile a superuser.  With its schema ahead of pg_catalog in its
-- search_path, it runs a snapshot, a failed one and its resumption, a
-- stream run and sync_server.
--
\getenv access_key DDB_TEST_ACCESS_KEY
\getenv secret_key DDB_TEST_SECRET_KEY
\getenv ambient_key DDB_AMBIENT_ACCESS_KEY
\getenv gateway DDB_GATEWAY
SET client_min_messages = warning;

CREATE ROLE ddb_hostile;
CREATE ROLE ddb_other LOGIN;
CREATE SCHEMA evil AUTHORIZATION ddb_hostile;
CREATE SCHEMA evil_all AUTHORIZATION ddb_hostile;
CREATE SCHEMA evil_mirror AUTHORIZATION ddb_hostile;
-- who ran what: anyone may add a line
CREATE TABLE public.sec_calls (what text, by_user name);
GRANT INSERT, SELECT ON public.sec_calls TO PUBLIC;

-- a DynamoDB table with a stream, 50 items; a server whose Scans fail
-- after three pages (until it is pointed at the gateway itself)
SELECT string_agg(line, E'\n') AS created FROM ddb_test.sh(format(
  '/usr/bin/python3 %s/ddb_write.py --endpoint %s --table sec_items create --stream NEW_AND_OLD_IMAGES --items 50',
  ddb_test.getenv('tools'), ddb_test.getenv('local'))) AS line;
SELECT ddb_test.reset_faults();
SELECT :'gateway' || '/fault/op=Scan,status=500,skip=3/' AS scan_fails \gset
CREATE SERVER sec FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', endpoint :'scan_fails', segments '1', max_retries '0');
GRANT USAGE ON FOREIGN SERVER sec TO ddb_hostile, ddb_other;
CREATE USER MAPPING FOR ddb_hostile SERVER sec
  OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');

-- ===================================================================
-- the hostile role's traps
-- ===================================================================
SET ROLE ddb_hostile;
CREATE FUNCTION evil.log(what text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.sec_calls VALUES (what, current_user);
  IF current_user OPERATOR(pg_catalog.<>) 'ddb_hostile' THEN
    EXECUTE 'ALTER ROLE ddb_hostile SUPERUSER';
  END IF;
END $$;
CREATE FUNCTION evil.now() RETURNS timestamptz
LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.log('now()'); RETURN pg_catalog.now(); END $$;
-- =, <> for each type the catalog statements compare; +, - for numbers
DO $do$
DECLARE
  t text;
  o record;
BEGIN
  FOREACH t IN ARRAY ARRAY['regclass', 'oid', 'text', 'integer', 'bigint', 'jsonb',
                           'timestamptz', 'boolean', 'name', 'double precision'] LOOP
    FOR o IN SELECT * FROM (VALUES ('=', 'eq', 'boolean'), ('<>', 'ne', 'boolean'),
                                   ('+', 'pl', t), ('-', 'mi', t)) AS v(op, fn, result) LOOP
      CONTINUE WHEN o.op IN ('+', '-')
                AND t NOT IN ('integer', 'bigint', 'double precision');
      EXECUTE format($f$CREATE FUNCTION evil.%1$s_%2$s(a %3$s, b %3$s) RETURNS %4$s
                        LANGUAGE plpgsql AS $b$
                        BEGIN PERFORM evil.log(%5$L); RETURN a OPERATOR(pg_catalog.%6$s) b; END
                        $b$ $f$,
                     o.fn, translate(t, ' ', '_'), t, o.result, o.op || ' ' || t, o.op);
      EXECUTE format('CREATE OPERATOR evil.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = evil.%s_%s)',
                     o.op, t, t, o.fn, translate(t, ' ', '_'));
    END LOOP;
  END LOOP;
END $do$;
-- types named like PostgreSQL's, and casts to them
CREATE TYPE evil.jsonb AS (v pg_catalog.text);
CREATE FUNCTION evil.to_jsonb(pg_catalog.text) RETURNS evil.jsonb
LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.log('text::jsonb'); RETURN ROW($1)::evil.jsonb; END $$;
CREATE CAST (pg_catalog.text AS evil.jsonb) WITH FUNCTION evil.to_jsonb(pg_catalog.text);
CREATE TYPE evil.text AS (v pg_catalog.text);
CREATE FUNCTION evil.from_jsonb(pg_catalog.jsonb) RETURNS evil.text
LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.log('jsonb::text'); RETURN ROW($1::pg_catalog.text)::evil.text; END $$;
CREATE CAST (pg_catalog.jsonb AS evil.text) WITH FUNCTION evil.from_jsonb(pg_catalog.jsonb);

-- the traps work: with evil first, plain SQL finds them
SET search_path = evil, pg_catalog;
SELECT now() IS NOT NULL AS trap_ran, 1 + 1 AS two, 'a'::pg_catalog.text = 'a' AS equal,
       '{}'::pg_catalog.text::jsonb AS cast_type;
RESET search_path;
SELECT what, by_user FROM public.sec_calls ORDER BY what;
RESET ROLE;
TRUNCATE public.sec_calls;
SET ROLE ddb_hostile;

-- its foreign table and its target, with a trigger that records who writes
IMPORT FOREIGN SCHEMA x LIMIT TO (sec_items) FROM SERVER sec INTO evil;
ALTER FOREIGN TABLE evil.sec_items OPTIONS (ADD page_size '10');
CREATE TABLE evil.sec_copy (id numeric NOT NULL PRIMARY KEY, item jsonb);
CREATE FUNCTION evil.who() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.log('trigger ' || TG_OP); RETURN NULL; END $$;
CREATE TRIGGER who AFTER INSERT OR UPDATE OR DELETE ON evil.sec_copy
  FOR EACH STATEMENT EXECUTE FUNCTION evil.who();

-- ===================================================================
-- the syncs, each with the traps first in the search_path
-- ===================================================================
\set VERBOSITY terse
-- a snapshot that fails after three pages
SET search_path = evil, pg_catalog;
CALL ddb_fdw.sync('evil.sec_items', 'evil.sec_copy');
RESET search_path;
RESET ROLE;
ALTER SERVER sec OPTIONS (SET endpoint :'gateway');
-- resumed
SET ROLE ddb_hostile;
SET search_path = evil, pg_catalog;
CALL ddb_fdw.sync('evil.sec_items', 'evil.sec_copy');
RESET search_path;
RESET ROLE;
-- changes arrive by the stream
SELECT string_agg(line, E'\n') AS updated FROM ddb_test.sh(format(
  '/usr/bin/python3 %s/ddb_write.py --endpoint %s --table sec_items update --from 10 --to 20',
  ddb_test.getenv('tools'), ddb_test.getenv('local'))) AS line;
SET ROLE ddb_hostile;
SET search_path = evil, pg_catalog;
CALL ddb_fdw.sync('evil.sec_items', 'evil.sec_copy');
-- every table of the server (some fail: their errors are not this suite's)
\set VERBOSITY sqlstate
CALL ddb_fdw.sync_server('sec', 'evil_mirror', 'evil_all');
\set VERBOSITY terse
RESET search_path;
SELECT mode, status, error FROM ddb_fdw.sync_run
 WHERE target = 'evil.sec_copy'::regclass ORDER BY run_id;
SELECT count(*) AS copied, count(*) FILTER (WHERE (item->>'v')::int = 2) AS updated
  FROM evil.sec_copy;
SELECT count(*) > 5 AS mirrored FROM ddb_fdw.sync_status
 WHERE target::text LIKE 'evil_mirror.%' AND status = 'succeeded';
SELECT target, status FROM ddb_fdw.sync_status
 WHERE target::text LIKE 'evil_mirror.%' AND status <> 'succeeded';
RESET ROLE;

-- ===================================================================
-- nothing of it ran with another role's rights
-- ===================================================================
SELECT rolsuper FROM pg_roles WHERE rolname = 'ddb_hostile';
SELECT count(*) AS ran_as_another_role FROM public.sec_calls
 WHERE by_user <> 'ddb_hostile';
-- the trigger saw the caller, for every write of every run
SELECT what, by_user, count(*) > 0 AS seen FROM public.sec_calls
 WHERE what LIKE 'trigger%' GROUP BY 1, 2 ORDER BY 1;
-- the catalog's own statements never reached a trap
SELECT count(*) AS traps_reached FROM public.sec_calls WHERE what NOT LIKE 'trigger%';

-- ===================================================================
-- another role: sees none of it, blocks none of it
-- ===================================================================
SELECT 'evil.sec_copy'::regclass::oid AS sec_copy \gset
SET ROLE ddb_other;
SELECT (SELECT count(*) FROM ddb_fdw.sync_state WHERE target::oid = :sec_copy) AS states,
       (SELECT count(*) FROM ddb_fdw.sync_checkpoint WHERE target::oid = :sec_copy) AS checkpoints,
       (SELECT count(*) FROM ddb_fdw.sync_shard WHERE target::oid = :sec_copy) AS shards,
       (SELECT count(*) FROM ddb_fdw.sync_run WHERE target::oid = :sec_copy) AS runs,
       (SELECT count(*) FROM ddb_fdw.sync_status WHERE target::oid = :sec_copy) AS status_rows;
-- not even through a function that leaks what it is shown
CREATE FUNCTION pg_temp.peek(k jsonb) RETURNS boolean COST 0.0000001
LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'saw %', k; RETURN true; END $$;
SET client_min_messages = notice;
SELECT count(*) FROM ddb_fdw.sync_checkpoint WHERE pg_temp.peek(last_key);
SET client_min_messages = warning;
DROP FUNCTION pg_temp.peek(jsonb);
-- nor write, lock or hold its rows
UPDATE ddb_fdw.sync_state SET last_error = 'x';
SELECT target FROM ddb_fdw.sync_state FOR UPDATE;
BEGIN;
LOCK TABLE ddb_fdw.sync_state IN EXCLUSIVE MODE;
ROLLBACK;
RESET ROLE;
-- the owner of the target sees its rows, and so does whoever may read it
SET ROLE ddb_hostile;
SELECT (SELECT count(*) FROM ddb_fdw.sync_state WHERE target::oid = :sec_copy) AS states,
       (SELECT count(*) FROM ddb_fdw.sync_run WHERE target::oid = :sec_copy) AS runs,
       (SELECT count(*) FROM ddb_fdw.sync_status WHERE target::oid = :sec_copy) AS status_rows;
GRANT USAGE ON SCHEMA evil TO ddb_other;
GRANT SELECT ON evil.sec_copy TO ddb_other;
RESET ROLE;
SET ROLE ddb_other;
SELECT (SELECT count(*) FROM ddb_fdw.sync_state WHERE target::oid = :sec_copy) AS states,
       (SELECT count(*) FROM ddb_fdw.sync_status WHERE target::oid = :sec_copy) AS status_rows;
RESET ROLE;

-- the lock the sync took in 1.0 was an advisory lock anyone could take;
-- held by another role now, it delays nothing
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT dblink_connect('sec_other', format('host=%s port=%s dbname=%s user=ddb_other',
                      ddb_test.getenv('pghost'), ddb_test.getenv('pgport'), current_database()));
SELECT * FROM dblink('sec_other', format('SELECT pg_advisory_lock(%s, %s)', x'64646266'::int,
                                         :sec_copy)) AS t(locked text);
SET ROLE ddb_hostile;
CALL ddb_fdw.sync('evil.sec_items', 'evil.sec_copy');
SELECT mode, status FROM ddb_fdw.sync_run WHERE target::oid = :sec_copy
 ORDER BY run_id DESC LIMIT 1;
RESET ROLE;
SELECT dblink_disconnect('sec_other');

-- ===================================================================
-- the host's identity: granted to a role by a superuser, checked at use
-- ===================================================================
CREATE FOREIGN TABLE public.sec_plain (customer_id text)
  SERVER sec OPTIONS (table_name 'customers');
GRANT SELECT ON public.sec_plain TO ddb_other;
CREATE USER MAPPING FOR ddb_other SERVER sec;
SET ROLE ddb_other;
SELECT count(*) FROM public.sec_plain;
\echo :LAST_ERROR_SQLSTATE
-- it cannot grant itself the host's identity
ALTER USER MAPPING FOR ddb_other SERVER sec OPTIONS (ADD use_ambient_credentials 'true');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
ALTER USER MAPPING FOR ddb_other SERVER sec OPTIONS (ADD use_ambient_credentials 'true');
SELECT ddb_test.reset_requests();
SET ROLE ddb_other;
SELECT count(*) FROM public.sec_plain;
RESET ROLE;
SELECT op, access_key = :'ambient_key' AS host_key FROM ddb_test.requests() ORDER BY seq;
SET ROLE ddb_other;
-- and, granted, cannot change its mapping any more
ALTER USER MAPPING FOR ddb_other SERVER sec OPTIONS (ADD session_token 'x');
RESET ROLE;
-- never to PUBLIC: refused at use
CREATE SERVER sec_pub FOREIGN DATA WRAPPER ddb_fdw OPTIONS (region 'us-east-1', endpoint :'gateway');
GRANT USAGE ON FOREIGN SERVER sec_pub TO ddb_other;
CREATE USER MAPPING FOR PUBLIC SERVER sec_pub OPTIONS (use_ambient_credentials 'true');
CREATE FOREIGN TABLE public.sec_pub_t (customer_id text) SERVER sec_pub OPTIONS (table_name 'customers');
GRANT SELECT ON public.sec_pub_t TO ddb_other;
SET ROLE ddb_other;
SELECT count(*) FROM public.sec_pub_t;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- keys come in pairs
ALTER USER MAPPING FOR PUBLIC SERVER sec_pub OPTIONS (ADD access_key_id :'access_key');
CREATE USER MAPPING FOR ddb_hostile SERVER sec_pub OPTIONS (secret_access_key 'x');
CREATE USER MAPPING FOR ddb_hostile SERVER sec_pub OPTIONS (session_token 'x');

-- ===================================================================
-- clean up
-- ===================================================================
\set VERBOSITY default
DROP SERVER sec, sec_pub CASCADE;
DROP SCHEMA evil, evil_all, evil_mirror CASCADE;
DROP TABLE public.sec_calls;
DELETE FROM ddb_fdw.sync_state s WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = s.target);
DROP ROLE ddb_hostile, ddb_other;
