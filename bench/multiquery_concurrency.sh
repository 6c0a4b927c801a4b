#!/usr/bin/env bash
# multiquery_concurrency.sh: a list of partition keys read with its Queries
# one at a time (concurrent_queries 1) beside 4 (the default), 8 and 16 in
# flight together, every Query's answer delayed by the gateway.
#
# Runs against a running test stack (a dev stack, see /work/dev), with its
# environment exported (PGHOST, PGPORT, PGUSER, DDB_GATEWAY,
# DDB_LOCAL_ENDPOINT, DDB_TEST_ACCESS_KEY, DDB_TEST_SECRET_KEY); loads the
# query suite's q_events table first (test/tools/query_fixture.py: u-00 ..
# u-18 hold 10 items each).  Options (environment):
#
#   MQ_DELAY_MS=N   added latency of every Query (default 20; 0: none)
#   MQ_ROUNDS=N     rounds, the settings interleaved in each (default 7)
#
# Prints, per setting, the median wall time of
#   SELECT count(*) FROM t WHERE pk IN (20 keys)   (19 with 10 items, 1 none)
# and its ratio to concurrent_queries 1, both for list order and merged
# (ORDER BY the sort key).
#
# IDENTIFICATION
#     bench/multiquery_concurrency.sh
set -euo pipefail
delay=${MQ_DELAY_MS:-20}
rounds=${MQ_ROUNDS:-7}
endpoint="${DDB_GATEWAY}/fault/delay=${delay},op=Query/"
[ "$delay" = 0 ] && endpoint="${DDB_GATEWAY}"
psql_() { psql -X -q -v ON_ERROR_STOP=1 -d "${MQ_DB:-ddb_regress}" "$@"; }

/usr/bin/python3 "$(dirname "$0")/../test/tools/query_fixture.py" \
	--endpoint "$DDB_LOCAL_ENDPOINT" >/dev/null

psql_ <<SQL
SET client_min_messages = warning;
DROP SERVER IF EXISTS mq_bench CASCADE;
CREATE SERVER mq_bench FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', endpoint '${endpoint}');
CREATE USER MAPPING FOR PUBLIC SERVER mq_bench
  OPTIONS (access_key_id '${DDB_TEST_ACCESS_KEY}', secret_access_key '${DDB_TEST_SECRET_KEY}');
CREATE FOREIGN TABLE mq_bench_events ("user" text, ts bigint) SERVER mq_bench
  OPTIONS (table_name 'q_events');
SQL

# one session: the lanes' connections opened once, as in an application
psql_ -At <<SQL
SET client_min_messages = warning;
CREATE TEMP TABLE t (mode text, n int, ms float8);
CREATE FUNCTION pg_temp.run(mode text, n int) RETURNS void LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz; c bigint;
BEGIN
  EXECUTE format('ALTER FOREIGN TABLE mq_bench_events OPTIONS (SET concurrent_queries %L)', n);
  t0 := clock_timestamp();
  EXECUTE format(\$q\$SELECT count(*) FROM (SELECT ts FROM mq_bench_events
     WHERE "user" IN ('u-00','u-01','u-02','u-03','u-04','u-05','u-06','u-07','u-08','u-09',
                      'u-10','u-11','u-12','u-13','u-14','u-15','u-16','u-17','u-18','u-none') %s) s\$q\$,
     CASE WHEN mode = 'merged' THEN 'ORDER BY ts' ELSE '' END) INTO c;
  IF c <> 190 THEN RAISE EXCEPTION 'expected 190 rows, got %', c; END IF;
  INSERT INTO t VALUES (mode, n, extract(epoch FROM clock_timestamp() - t0) * 1000);
END \$\$;
ALTER FOREIGN TABLE mq_bench_events OPTIONS (ADD concurrent_queries '16');
SELECT pg_temp.run('list order', 16);    -- warm-up: DescribeTable, 16 connections
SELECT pg_temp.run('merged', 16);
DELETE FROM t;
SELECT pg_temp.run(m, n) FROM generate_series(1, ${rounds}) r,
       unnest(ARRAY['list order', 'merged']) m, unnest(ARRAY[1, 4, 8, 16]) n;
\pset format aligned
\pset tuples_only off
\echo 20 keys, every Query +${delay} ms, median of ${rounds} rounds
WITH m AS (SELECT mode, n, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms
             FROM t GROUP BY 1, 2)
SELECT m.mode, m.n AS concurrent_queries, round(m.ms::numeric, 1) AS median_ms,
       round((s.ms / m.ms)::numeric, 2) AS speedup
  FROM m JOIN m s ON s.mode = m.mode AND s.n = 1 ORDER BY 1, 2;
SQL
psql_ -c "SET client_min_messages = warning; DROP SERVER mq_bench CASCADE;"
