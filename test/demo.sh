#!/usr/bin/env bash
# make demo: from a fresh Debian 12 machine to an imported, queried and
# synced DynamoDB table.  Installs what is missing, builds, starts a throwaway PostgreSQL,
# DynamoDB Local and the AWS gateway under ./.run/, loads the sample
# `customers` table, and authenticates as the original connector did: the
# user mapping's long-lived keys assume an IAM role (role_arn, external_id)
# through the gateway's STS, whose temporary credentials sign every DynamoDB
# request.  Imports the table, queries it, syncs it into a local table, shows
# the sync catalog, then which identity signed what (from the gateway's
# request log).  Stops everything at the end, also on failure or Ctrl-C.
source "$(dirname "$0")/lib.sh"

trap 'ddb_stop_all' EXIT
trap 'exit 130' INT TERM

ddb_setup
ddb_start_all

ddb_log "loading the sample table \"customers\" into DynamoDB Local"
"$DDB_PY" "$DDB_ROOT/test/fixtures.py" --endpoint "$DDB_LOCAL_ENDPOINT" demo

# The IAM role, as the gateway's STS knows it: its trust policy lets the
# demo's long-lived key assume it, with this external id only.
DEMO_ROLE=arn:aws:iam::123456789012:role/ddb-demo-reader
DEMO_EXTERNAL_ID=ddb-demo-7f3a
curl -sS -o /dev/null -X POST -H 'Content-Type: application/json' \
	--data-binary "{\"roles\": {\"$DEMO_ROLE\": {\"external_id\": \"$DEMO_EXTERNAL_ID\", \"principals\": [\"$DDB_TEST_ACCESS_KEY\"]}}}" \
	"$DDB_GATEWAY/__gw/config" || ddb_die "could not configure the gateway's STS"
curl -sS -o /dev/null -X POST "$DDB_GATEWAY/__gw/log/reset"

ddb_log "importing and querying it through ddb_fdw, as IAM role $DEMO_ROLE"
ddb_psql -v endpoint="$DDB_GATEWAY" -v key="$DDB_TEST_ACCESS_KEY" \
	-v secret="$DDB_TEST_SECRET_KEY" -v role="$DEMO_ROLE" -v external_id="$DEMO_EXTERNAL_ID" <<'SQL'
\set ON_ERROR_STOP 1
\pset footer off
CREATE EXTENSION ddb_fdw;
-- the original connector's way in: long-lived keys only to assume a role
CREATE SERVER dynamo FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', sts_endpoint :'endpoint',
           role_arn :'role', external_id :'external_id');
CREATE USER MAPPING FOR CURRENT_USER SERVER dynamo
  OPTIONS (access_key_id :'key', secret_access_key :'secret');
\echo '-- the server (the user mapping holds the long-lived key, shown to its owner only)'
SELECT option_name, option_value FROM pg_options_to_table(
  (SELECT srvoptions FROM pg_foreign_server WHERE srvname = 'dynamo'));
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

ddb_log "which identity signed what (the gateway's request log)"
curl -sS -X POST "$DDB_GATEWAY/__gw/drain" >/dev/null
curl -sS "$DDB_GATEWAY/__gw/log.jsonl" | "$DDB_PY" -c '
import collections, json, sys
long_lived = sys.argv[1]
reqs = [json.loads(line) for line in sys.stdin if line.strip()]
issued = {}
for r in reqs:
    if r.get("op") == "AssumeRole":
        print("STS AssumeRole of %s, signed with the long-lived key %s: HTTP %s, temporary key %s"
              % (r.get("role_arn"), r.get("access_key_id"), r.get("status"),
                 r.get("issued_access_key_id")))
        if r.get("issued_access_key_id"):
            issued[r["issued_access_key_id"]] = r.get("role_arn")
signers = collections.OrderedDict()
for r in reqs:
    if r.get("service") in ("dynamodb", "streams"):
        signers.setdefault(r.get("access_key_id"), collections.Counter())[r.get("op")] += 1
for key, ops in signers.items():
    who = ("temporary credentials of %s" % issued[key]) if key in issued else \
          ("the long-lived key itself" if key == long_lived else "an unknown key")
    print("DynamoDB requests signed with %s (%s): %s"
          % (key, who, ", ".join("%s x%d" % kv for kv in ops.items())))
bad = [k for k in signers if k not in issued]
if not issued or bad:
    print("unexpected: DynamoDB requests not signed with the role credentials: %s" % bad)
    sys.exit(1)
' "$DDB_TEST_ACCESS_KEY" || ddb_die "the demo did not authenticate through the role"
ddb_log "demo finished"
