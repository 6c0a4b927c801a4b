#!/usr/bin/python3
"""A snapshot longer than the stream's retention, with and without the
change buffer.

DynamoDB keeps stream records 24 hours; a first snapshot of a large table
can take longer, and then the stream position it started from is trimmed
when it ends.  Here the gateway trims the table's stream records after
RETENTION seconds (test/gateway_streams.py: as AWS does, with
TrimmedDataAccessException) and holds every Scan page of the table back
DELAY_MS, so that the snapshot (two segments read by segment workers, ten
pages each) lasts about three times the retention.  While it runs, an independent writer (boto3, straight to
DynamoDB Local) makes 500 changes: 250 updates, 125 new items, 125
deletes.

With the change buffer (ddb_fdw.stream_buffer_interval = 1 s) the snapshot
keeps the stream's records while it runs; then:
  - it ends, and the next call applies the stream from the shard
    checkpoints: one snapshot and one stream run, no second snapshot;
  - the position the snapshot started from is trimmed by then (the gateway
    answers TrimmedDataAccessException for it), yet nothing was lost: the
    runs applied every record exactly once (1,000 inserts of the table's
    creation, which falls within the hand-off's two-minute margin, plus
    the 125 new items; 250 modifies; 125 removes) and the target equals
    DynamoDB item by item.
Without it (= 0), the same run finds its position trimmed: the next call's
stream run fails with the reason and falls back to a fresh snapshot
(logged), which is asserted, and then the target equals DynamoDB.

Environment (from test/run.sh): PGHOST, PGPORT, PGUSER, DDB_GATEWAY,
DDB_LOCAL_ENDPOINT, DDB_TEST_ACCESS_KEY, DDB_TEST_SECRET_KEY, DDB_PG_LOG.
Exit status 0 when every check passes; prints ok/FAIL per check.

IDENTIFICATION
    test/stream_retention.py
"""

import decimal
import json
import os
import sys
import threading
import time
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from sync_crash import check, connect, scan_natural
import sync_crash

DB = "ddb_stretention"
TABLE = "rt_items"
ITEMS = 1000
PAGE = 50                       # 20 Scan pages
SEGMENTS = 2                    # read by two segment workers: 10 pages each
DELAY_MS = 1400                 # each page: a snapshot of about 14 s
RETENTION = 5                   # seconds the gateway keeps stream records
SNAPSHOT_SECONDS = ITEMS // PAGE // SEGMENTS * DELAY_MS / 1000.0


def dynamodb():
    return boto3.client("dynamodb", endpoint_url=os.environ["DDB_LOCAL_ENDPOINT"],
                        region_name="us-east-1", aws_access_key_id="AKIDRETENTIONTEST",
                        aws_secret_access_key="x",
                        config=Config(retries={"max_attempts": 10, "mode": "standard"}))


def item(i, v):
    return {"id": {"N": str(i)}, "name": {"S": "item %d" % i}, "v": {"N": str(v)},
            "price": {"N": "%d.%02d" % (i, v)}}


def create_table(ddb):
    try:
        ddb.delete_table(TableName=TABLE)
        ddb.get_waiter("table_not_exists").wait(TableName=TABLE,
                                                WaiterConfig={"Delay": 0.2})
    except ddb.exceptions.ResourceNotFoundException:
        pass
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "N"}],
                     StreamSpecification={"StreamEnabled": True,
                                          "StreamViewType": "NEW_AND_OLD_IMAGES"})
    for start in range(0, ITEMS, 25):
        pending = {TABLE: [{"PutRequest": {"Item": item(i, 1)}}
                           for i in range(start, min(start + 25, ITEMS))]}
        while pending:
            pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def change(ddb, seconds):
    """500 changes spread over about seconds: 250 updates, 125 new items,
    125 deletes, interleaved."""
    ops = ([("update", i) for i in range(250)] + [("put", 1000 + i) for i in range(125)] +
           [("delete", 500 + i) for i in range(125)])
    ops = [ops[(k * 7) % len(ops)] for k in range(len(ops))]   # interleaved
    pause = seconds / len(ops)
    for kind, i in ops:
        if kind == "update":
            ddb.update_item(TableName=TABLE, Key={"id": {"N": str(i)}},
                            UpdateExpression="SET v = :v, price = :p",
                            ExpressionAttributeValues={":v": {"N": "2"},
                                                       ":p": {"N": "%d.02" % i}})
        elif kind == "put":
            ddb.put_item(TableName=TABLE, Item=item(i, 1))
        else:
            ddb.delete_item(TableName=TABLE, Key={"id": {"N": str(i)}})
        time.sleep(pause)


def dynamodb_items(ddb):
    return scan_natural(ddb, TABLE, lambda it: decimal.Decimal(it["id"]["N"]))


def target_items(cur, target):
    cur.execute("SELECT id, item::text FROM %s" % target)
    return {i: json.loads(it, parse_float=decimal.Decimal, parse_int=decimal.Decimal)
            for i, it in cur.fetchall()}


def equal_to_dynamodb(name, ddb, cur, target):
    expected = dynamodb_items(ddb)
    got = target_items(cur, target)
    missing = set(expected) - set(got)
    extra = set(got) - set(expected)
    differ = [k for k in expected if k in got and got[k] != expected[k]]
    check(name, not missing and not extra and not differ,
          "missing %d extra %d differ %d (e.g. %s)" % (len(missing), len(extra), len(differ),
                                                       (list(missing) + list(extra) + differ)[:3]))


def gateway_config(doc):
    req = urllib.request.Request(os.environ["DDB_GATEWAY"] + "/__gw/config",
                                 data=json.dumps(doc).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def starting_position_trimmed(arn):
    """Whether the gateway now refuses the shard's first record (the
    position a snapshot hands over from) as trimmed."""
    streams = boto3.client("dynamodbstreams", endpoint_url=os.environ["DDB_GATEWAY"],
                           region_name="us-east-1",
                           aws_access_key_id=os.environ["DDB_TEST_ACCESS_KEY"],
                           aws_secret_access_key=os.environ["DDB_TEST_SECRET_KEY"],
                           config=Config(retries={"total_max_attempts": 1}))
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
    try:
        streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                   ShardIteratorType="AT_SEQUENCE_NUMBER",
                                   SequenceNumber=shard["SequenceNumberRange"]
                                   ["StartingSequenceNumber"])
    except ClientError as e:
        return e.response["Error"]["Code"] == "TrimmedDataAccessException"
    return False


def slow_snapshot_with_changes(ddb, conn, target, buffer_interval):
    """Sets up the table and the gateway, then runs the first sync (a slow
    snapshot) while the writer makes its changes.  Returns the run_id
    before, and the snapshot's duration in seconds."""
    cur = conn.cursor()
    create_table(ddb)
    gateway_config({"streams": {"retention_seconds": RETENTION, "table": TABLE}})
    cur.execute("SET ddb_fdw.stream_buffer_interval = %s", (buffer_interval,))
    cur.execute("ALTER SERVER s OPTIONS (SET endpoint %s)",
                (os.environ["DDB_GATEWAY"] + "/fault/op=Scan,delay=%d/" % DELAY_MS,))
    cur.execute("SELECT coalesce(max(run_id), 0) FROM ddb_fdw.sync_run")
    before = cur.fetchone()[0]
    # the changes start once the snapshot has noted the stream's position
    writer = threading.Timer(0.5, change, args=(ddb, 0.6 * SNAPSHOT_SECONDS))
    started = time.time()
    writer.start()
    cur.execute("CALL ddb_fdw.sync(%s, %s)", ("src." + TABLE, target))
    duration = time.time() - started
    writer.join()
    cur.execute("ALTER SERVER s OPTIONS (SET endpoint %s)", (os.environ["DDB_GATEWAY"],))
    return before, duration


def runs(cur, target, before):
    cur.execute("SELECT mode, status, inserts, modifies, removes, buffered, note, error,"
                "       workers"
                "  FROM ddb_fdw.sync_run WHERE target = %s::regclass AND run_id > %s"
                " ORDER BY run_id", (target, before))
    return cur.fetchall()


def main():
    ddb = dynamodb()
    admin = connect("postgres")
    cur = admin.cursor()
    cur.execute("DROP DATABASE IF EXISTS %s" % DB)
    cur.execute("CREATE DATABASE %s" % DB)
    conn = connect(DB)
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION ddb_fdw")
    cur.execute("CREATE SERVER s FOREIGN DATA WRAPPER ddb_fdw OPTIONS "
                "(region 'us-east-1', endpoint %s, segments '1')", (os.environ["DDB_GATEWAY"],))
    cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER s OPTIONS "
                "(access_key_id %s, secret_access_key %s)",
                (os.environ["DDB_TEST_ACCESS_KEY"], os.environ["DDB_TEST_SECRET_KEY"]))
    cur.execute("CREATE SCHEMA src")
    create_table(ddb)
    cur.execute("IMPORT FOREIGN SCHEMA x LIMIT TO (%s) FROM SERVER s INTO src" % TABLE)
    cur.execute("ALTER FOREIGN TABLE src.%s OPTIONS (ADD page_size '%d', ADD segments '%d')"
                % (TABLE, PAGE, SEGMENTS))
    try:
        with_buffer(ddb, conn)
        without_buffer(ddb, conn)
    finally:
        gateway_config({"streams": None})
    conn.close()
    admin = connect("postgres")
    admin.cursor().execute("DROP DATABASE %s" % DB)
    ddb.delete_table(TableName=TABLE)
    return 1 if sync_crash.failures else 0


def with_buffer(ddb, conn):
    cur = conn.cursor()
    before, duration = slow_snapshot_with_changes(ddb, conn, "public.kept", 1)
    check("buffer_snapshot_outlasts_retention", duration > 2 * RETENTION,
          "the snapshot took %.1f s, the retention is %d s" % (duration, RETENTION))
    arn = ddb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    check("buffer_start_position_trimmed", starting_position_trimmed(arn),
          "the gateway still serves the snapshot's starting position")
    cur.execute("SELECT buffered_records FROM ddb_fdw.sync_status "
                "WHERE target = 'public.kept'::regclass")
    check("buffer_applied_at_snapshot_end", cur.fetchone()[0] == 0)
    cur.execute("CALL ddb_fdw.sync('src.%s', 'public.kept')" % TABLE)
    history = runs(cur, "public.kept", before)
    modes = [(r[0], r[1]) for r in history]
    check("buffer_no_second_snapshot",
          modes == [("snapshot", "succeeded"), ("stream", "succeeded")] and
          history[1][6] is None, repr(history))
    check("buffer_kept_records", history[0][5] > 0 and history[0][8] == SEGMENTS,
          "the snapshot (with %d segment workers) kept records: %r" % (SEGMENTS, history[0]))
    totals = tuple(sum(r[k] for r in history) for k in (2, 3, 4))
    check("buffer_each_record_applied_once", totals == (ITEMS + 125, 250, 125),
          "inserts, modifies, removes over both runs: %r" % (totals,))
    equal_to_dynamodb("buffer_equal_to_dynamodb", ddb, cur, "public.kept")
    print("with the buffer: a %.1f s snapshot (retention %d s) kept %d records, "
          "applied %d; runs %s" % (duration, RETENTION, history[0][5],
                                  sum(totals), [m for m, _ in modes]))


def without_buffer(ddb, conn):
    cur = conn.cursor()
    log_start = os.path.getsize(os.environ["DDB_PG_LOG"])
    before, duration = slow_snapshot_with_changes(ddb, conn, "public.lost", 0)
    check("nobuffer_snapshot_outlasts_retention", duration > 2 * RETENTION,
          "the snapshot took %.1f s" % duration)
    cur.execute("CALL ddb_fdw.sync('src.%s', 'public.lost')" % TABLE)
    history = runs(cur, "public.lost", before)
    modes = [(r[0], r[1]) for r in history]
    check("nobuffer_falls_back",
          modes == [("snapshot", "succeeded"), ("stream", "failed"),
                    ("snapshot", "succeeded")] and history[0][5] == 0,
          repr(history))
    reason = history[1][7] or ""
    check("nobuffer_reason", "no longer has the position" in reason and
          "TrimmedDataAccessException" in reason and history[2][6] == reason,
          repr(history[1:]))
    with open(os.environ["DDB_PG_LOG"], encoding="utf-8", errors="replace") as f:
        f.seek(log_start)
        logged = [line for line in f if "takes a fresh snapshot" in line and "lost" in line]
    check("nobuffer_logged", len(logged) == 1, repr(logged))
    equal_to_dynamodb("nobuffer_equal_to_dynamodb", ddb, cur, "public.lost")
    print("without the buffer: a %.1f s snapshot, then %s" %
          (duration, [m for m, _ in modes]))


if __name__ == "__main__":
    sys.exit(main())
