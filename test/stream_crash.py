#!/usr/bin/python3
"""Crash test of the stream sync: kill -9 the backend applying the stream.

A table with a NEW_AND_OLD_IMAGES stream is synced (snapshot, then the
stream to its end).  An independent writer (boto3) makes 1,000 changes:
200 inserts, 600 updates, 200 deletes.  The next sync applies them in pages
of 100 records, each page slowed down by the gateway; the backend is killed
(SIGKILL) once some pages are committed.  After crash recovery the next
sync must resume from the shard's checkpoint: over both runs every record
is applied exactly once (the run counters, committed with each page, add
up to 200/600/200), and the target equals DynamoDB item by item.

Environment (from test/run.sh): PGHOST, PGPORT, PGUSER, DDB_GATEWAY,
DDB_LOCAL_ENDPOINT, DDB_TEST_ACCESS_KEY, DDB_TEST_SECRET_KEY.
Exit status 0 when every check passes; prints ok/FAIL per check.
"""

import decimal
import json
import os
import signal
import sys
import threading
import time

import boto3
import psycopg2

from sync_crash import check, connect, scan_natural
import sync_crash

DB = "ddb_stcrash"
TABLE = "st_crash"


def dynamodb():
    return boto3.client("dynamodb", endpoint_url=os.environ["DDB_LOCAL_ENDPOINT"],
                        region_name="us-east-1", aws_access_key_id="AKIDSTREAMCRASHTEST",
                        aws_secret_access_key="x")


def item(i, v):
    return {"id": {"N": str(i)}, "name": {"S": "item %d" % i}, "v": {"N": str(v)},
            "price": {"N": "%d.%02d" % (i, v)}}


def batch(ddb, requests):
    for start in range(0, len(requests), 25):
        pending = {TABLE: requests[start:start + 25]}
        while pending:
            pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def create_table(ddb):
    try:
        ddb.delete_table(TableName=TABLE)
        time.sleep(0.5)
    except ddb.exceptions.ResourceNotFoundException:
        pass
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "N"}],
                     StreamSpecification={"StreamEnabled": True,
                                          "StreamViewType": "NEW_AND_OLD_IMAGES"})
    batch(ddb, [{"PutRequest": {"Item": item(i, 1)}} for i in range(1000)])


def change(ddb):
    """200 inserts, 600 updates, 200 deletes: 1,000 stream records."""
    for i in range(600):
        ddb.update_item(TableName=TABLE, Key={"id": {"N": str(i)}},
                        UpdateExpression="SET v = :v, price = :p",
                        ExpressionAttributeValues={":v": {"N": "2"},
                                                   ":p": {"N": "%d.02" % i}})
    batch(ddb, [{"DeleteRequest": {"Key": {"id": {"N": str(i)}}}} for i in range(600, 800)])
    batch(ddb, [{"PutRequest": {"Item": item(i, 1)}} for i in range(1000, 1200)])


def dynamodb_items(ddb):
    return scan_natural(ddb, TABLE, lambda it: decimal.Decimal(it["id"]["N"]))


def main():
    ddb = dynamodb()
    create_table(ddb)
    admin = connect("postgres")
    cur = admin.cursor()
    cur.execute("DROP DATABASE IF EXISTS %s" % DB)
    cur.execute("CREATE DATABASE %s" % DB)
    conn = connect(DB)
    cur = conn.cursor()
    gw = os.environ["DDB_GATEWAY"]
    cur.execute("CREATE EXTENSION ddb_fdw")
    cur.execute("CREATE SERVER s FOREIGN DATA WRAPPER ddb_fdw OPTIONS "
                "(region 'us-east-1', endpoint %s, segments '1')", (gw,))
    cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER s OPTIONS "
                "(access_key_id %s, secret_access_key %s)",
                (os.environ["DDB_TEST_ACCESS_KEY"], os.environ["DDB_TEST_SECRET_KEY"]))
    cur.execute("CREATE SCHEMA src")
    cur.execute("IMPORT FOREIGN SCHEMA x LIMIT TO (%s) FROM SERVER s INTO src" % TABLE)
    cur.execute("ALTER FOREIGN TABLE src.%s OPTIONS (ADD page_size '100')" % TABLE)
    sync = "CALL ddb_fdw.sync('src.%s', 'public.copy')" % TABLE
    cur.execute(sync)            # the snapshot
    cur.execute(sync)            # the stream, to its end
    cur.execute("SELECT max(run_id) FROM ddb_fdw.sync_run")
    before = cur.fetchone()[0]

    change(ddb)
    # every GetRecords page waits: the run lasts seconds, time to kill it
    cur.execute("ALTER SERVER s OPTIONS (ADD streams_endpoint %s)",
                (gw + "/fault/delay=500,op=GetRecords/",))

    victim = connect(DB)
    vcur = victim.cursor()
    vcur.execute("SELECT pg_backend_pid()")
    pid = vcur.fetchone()[0]
    outcome = {}

    def run():
        try:
            vcur.execute(sync)
            outcome["result"] = "finished"
        except psycopg2.Error as e:
            outcome["result"] = "died: %s" % str(e).strip().splitlines()[0]

    t = threading.Thread(target=run)
    t.start()
    applied = 0
    deadline = time.time() + 60
    while time.time() < deadline:
        time.sleep(0.1)
        cur.execute("SELECT coalesce(sum(inserts + modifies + removes), 0) FROM ddb_fdw.sync_run "
                    "WHERE run_id > %s AND status = 'running'", (before,))
        applied = cur.fetchone()[0]
        if applied >= 300:
            break
    os.kill(pid, signal.SIGKILL)
    t.join(timeout=60)
    check("stream_apply_killed_mid_run",
          outcome.get("result", "").startswith("died") and 300 <= applied < 1000,
          "outcome %r after %d records" % (outcome, applied))

    conn = connect(DB)
    cur = conn.cursor()
    cur.execute("SELECT sequence_number IS NOT NULL, done, records FROM ddb_fdw.sync_shard")
    shards = cur.fetchall()
    check("shard_checkpoint_survived", len(shards) == 1 and shards[0][0] and not shards[0][1],
          repr(shards))

    cur.execute("ALTER SERVER s OPTIONS (DROP streams_endpoint)")
    cur.execute(sync)
    cur.execute("SELECT status, mode, inserts, modifies, removes FROM ddb_fdw.sync_run "
                "WHERE run_id > %s ORDER BY run_id", (before,))
    runs = cur.fetchall()
    check("run_history", [r[:2] for r in runs] == [("interrupted", "stream"),
                                                   ("succeeded", "stream")], repr(runs))
    totals = tuple(sum(r[k] for r in runs) for k in (2, 3, 4))
    check("each_record_applied_once", totals == (200, 600, 200),
          "inserts, modifies, removes over both runs: %r" % (totals,))

    expected = dynamodb_items(ddb)
    cur.execute("SELECT id, item::text FROM public.copy")
    got = {i: json.loads(it, parse_float=decimal.Decimal, parse_int=decimal.Decimal)
           for i, it in cur.fetchall()}
    missing = set(expected) - set(got)
    extra = set(got) - set(expected)
    differ = [k for k in expected if k in got and got[k] != expected[k]]
    check("equal_to_dynamodb", not missing and not extra and not differ,
          "missing %d extra %d differ %d (e.g. %s)" % (len(missing), len(extra), len(differ),
                                                       (list(missing) + list(extra) + differ)[:3]))
    cur.execute("SELECT rows FROM ddb_fdw.sync_state")
    check("row_count_kept", cur.fetchone()[0] == len(expected) == 1000)
    print("stream crash test: killed after %d of 1000 records applied, resumed and finished"
          % applied)
    conn.close()
    admin = connect("postgres")
    admin.cursor().execute("DROP DATABASE %s" % DB)
    ddb.delete_table(TableName=TABLE)
    return 1 if sync_crash.failures else 0


if __name__ == "__main__":
    sys.exit(main())
