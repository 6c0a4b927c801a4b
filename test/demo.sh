#!/usr/bin/env bash
# make demo: from a fresh Debian 12 machine to an imported, queried and
# synced DynamoDB table.  Installs what is missing, builds, starts a throwaway PostgreSQL,
# DynamoDB Local and the AWS gateway under ./.run/, loads the sample
# `customers` table, imports it, queries it, syncs it into a local table and
# shows the sync catalog.  Stops everything at the end,
# also on failure or Ctrl-C.
source "$(dirname "$0")/lib.sh"

trap 'ddb_stop_all' EXIT
trap 'exit 130' INT TERM

ddb_setup
ddb_start_all

ddb_log "loading the sample table \"customers\" into DynamoDB Local"
"$DDB_PY" "$DDB_ROOT/test/fixtures.py" --endpoint "$DDB_LOCAL_ENDPOINT" demo

ddb_log "importing and querying it through ddb_fdw"
ddb_psql -v endpoint="$DDB_GATEWAY" -v key="$DDB_TEST_ACCESS_KEY" \
	-v secret="$DDB_TEST_SECRET_KEY" <<'SQL'
\set ON_ERROR_STOP 1
\pset footer off
CREATE EXTENSION ddb_fdw;
CREATE SERVER dynamo FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER dynamo
  OPTIONS (access_key_id :'key', secret_access_key :'secret');
CREATE SCHEMA ddb;
IMPORT FOREIGN SCHEMA dynamodb LIMIT TO (customers) FROM SERVER dynamo INTO ddb;
\echo
\echo '-- the imported foreign table'
\d ddb.customers
\echo '-- SELECT customer_id, item->>''name'', item->''balance'' FROM ddb.customers'
SELECT customer_id, item->>'name' AS name, (item->>'balance')::numeric AS balance,
       item->'tags' AS tags, item->'address'->>'city' AS city
  FROM ddb.customers ORDER BY customer_id;
\echo '-- one item as natural JSON'
SELECT jsonb_pretty(item) FROM ddb.customers WHERE customer_id = 'c-042';
\echo '-- CALL ddb_fdw.sync(''ddb.customers'', ''public.customers''): a local copy, with checkpoints'
CALL ddb_fdw.sync('ddb.customers', 'public.customers');
SELECT customer_id, item->>'name' AS name, _ddb_snapshot FROM public.customers ORDER BY 1;
SELECT target, status, rows, last_success IS NOT NULL AS succeeded_once, last_run_mode,
       last_run_rows_upserted AS upserted, last_run_rows_deleted AS deleted
  FROM ddb_fdw.sync_status;
SELECT segment, done, items, pages FROM ddb_fdw.sync_checkpoint;
SQL
ddb_log "demo finished"
