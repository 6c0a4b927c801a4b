#!/usr/bin/python3
"""Fault suite: syncs ride through throttling, 5xx, resets, cut-short and
corrupted answers, and fail clearly (and resumably) when faults persist.

1. A table of 50,000 items is synced (4 segments, segment workers) while the
   gateway throttles 30% of its requests, answers 5% with HTTP 500, resets
   2%, cuts 2% short (headers, half the body, close), sends 2% truncated but
   well-framed JSON and 1% with a wrong x-amz-crc32.  The target must equal
   DynamoDB (read by boto3) item by item; the run history counts retries.
   The same sync without faults gives the wall time to compare with.
2. Faults that never clear: the sync fails after max_retries with the error
   and the number of attempts; the checkpoints stay; the next clean run
   resumes (mode "resume") and the target equals DynamoDB.
3. STS answering 503 twice: AssumeRole is retried and the query works.
4. max_read_units_per_second: a sync with 4 segment workers keeps to the
   rate (measured from the run's consumed capacity and wall time).
5. kill -9 of a segment worker mid-sync: PostgreSQL restarts every backend;
   the next sync resumes and the target equals DynamoDB.

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
import urllib.request

import boto3
import psycopg2

import sync_crash
from sync_crash import check, connect, scan_natural

DB = "ddb_fault"
TABLE = "fault_items"
ITEMS = 50000
GW = os.environ["DDB_GATEWAY"]
FAULT_MIX = {"throttle": 0.30, "status500": 0.05, "reset": 0.02, "truncate": 0.02,
             "truncate_json": 0.02, "badcrc": 0.01}


def gateway(path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(GW + "/__gw/" + path, data=data,
                                 method="POST" if data is not None else "GET",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.read().decode()


def dynamodb():
    return boto3.client("dynamodb", endpoint_url=os.environ["DDB_LOCAL_ENDPOINT"],
                        region_name="us-east-1", aws_access_key_id="AKIDFAULTSUITE00001",
                        aws_secret_access_key="x")


def item(i):
    return {"pk": {"S": "f-%06d" % i}, "n": {"N": "%d.%03d" % (i, i % 997)},
            "s": {"S": "item %d " % i + "x" * (i % 200)},
            "m": {"M": {"a": {"L": [{"N": str(i)}, {"BOOL": i % 2 == 0}]}}},
            "ss": {"SS": ["a%d" % i, "b"]}}


def load():
    ddb = dynamodb()
    try:
        ddb.delete_table(TableName=TABLE)
        time.sleep(0.5)
    except ddb.exceptions.ResourceNotFoundException:
        pass
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])

    def part(lo, hi):
        c = dynamodb()
        for base in range(lo, hi, 25):
            pending = {TABLE: [{"PutRequest": {"Item": item(i)}}
                               for i in range(base, min(base + 25, hi))]}
            while pending:
                pending = c.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    step = ITEMS // 4
    threads = [threading.Thread(target=part, args=(k * step, (k + 1) * step)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def dynamodb_items():
    return scan_natural(dynamodb(), TABLE, lambda it: it["pk"]["S"])


def equal_to_dynamodb(cur, target, name, expected):
    cur.execute("SELECT pk, item::text FROM %s" % target)
    got = {pk: json.loads(it, parse_float=decimal.Decimal, parse_int=decimal.Decimal)
           for pk, it in cur.fetchall()}
    missing = set(expected) - set(got)
    extra = set(got) - set(expected)
    differ = [k for k in expected if k in got and got[k] != expected[k]]
    check(name, not missing and not extra and not differ and len(got) == ITEMS,
          "missing %d extra %d differ %d of %d" % (len(missing), len(extra), len(differ),
                                                   len(expected)))


def last_runs(cur, target, n):
    cur.execute("SELECT status, mode, retries, error FROM ddb_fdw.sync_run WHERE target = %s::regclass "
                "ORDER BY run_id DESC LIMIT %s", (target, n))
    return list(reversed(cur.fetchall()))


def main():
    load()
    expected = dynamodb_items()
    admin = connect("postgres")
    cur = admin.cursor()
    cur.execute("DROP DATABASE IF EXISTS %s" % DB)
    cur.execute("CREATE DATABASE %s" % DB)
    conn = connect(DB)
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION ddb_fdw")
    cur.execute("CREATE SERVER s FOREIGN DATA WRAPPER ddb_fdw OPTIONS "
                "(region 'us-east-1', endpoint %s, segments '4', page_size '1000')", (GW,))
    cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER s OPTIONS "
                "(access_key_id %s, secret_access_key %s)",
                (os.environ["DDB_TEST_ACCESS_KEY"], os.environ["DDB_TEST_SECRET_KEY"]))
    cur.execute("CREATE SCHEMA src")
    cur.execute("IMPORT FOREIGN SCHEMA x LIMIT TO (%s) FROM SERVER s INTO src" % TABLE)
    sync = "CALL ddb_fdw.sync('src.%s', %%s)" % TABLE

    # ---- 1. the fault mix, and the same without faults
    t0 = time.perf_counter()
    cur.execute(sync, ("public.clean",))
    clean_s = time.perf_counter() - t0
    gateway("log/reset", {})
    gateway("config", {"seed": 7, "faults": dict(FAULT_MIX, table=TABLE)})
    try:
        t0 = time.perf_counter()
        cur.execute(sync, ("public.faulty",))
        faulty_s = time.perf_counter() - t0
        outcome = "finished"
    except psycopg2.Error as e:
        faulty_s, outcome = 0, "failed: %s" % str(e).strip().splitlines()[0]
    finally:
        # (the configuration is merged: each kind back to 0)
        gateway("config", {"faults": dict({k: 0 for k in FAULT_MIX}, table=None)})
    stats = json.loads(gateway("stats"))
    check("sync_through_fault_mix", outcome == "finished", outcome)
    faults = stats.get("by_fault", {})
    check("every_fault_kind_happened",
          all(any(k.startswith(kind.replace("status500", "status=500")) for k in faults)
              for kind in FAULT_MIX), repr(faults))
    runs = last_runs(cur, "public.faulty", 1)
    check("retries_counted", runs and runs[0][0] == "succeeded" and runs[0][2] > 0, repr(runs))
    equal_to_dynamodb(cur, "public.faulty", "equal_after_fault_mix", expected)
    equal_to_dynamodb(cur, "public.clean", "equal_without_faults", expected)
    print("sync of %d items, 4 segments: %.2f s clean, %.2f s with the fault mix "
          "(%d faulted of %d requests, %d retries)"
          % (ITEMS, clean_s, faulty_s, sum(faults.values()), stats.get("requests", 0),
             runs[0][2] if runs else -1))

    # ---- 2. faults that never clear: a clear error, then a resume
    cur.execute("ALTER SERVER s OPTIONS (SET endpoint %s, ADD max_retries '2', "
                "ADD retry_base_delay '10ms')",
                (GW + "/fault/op=Scan,table=%s,status=500,skip=12/" % TABLE,))
    try:
        cur.execute(sync, ("public.resumed",))
        error = ""
    except psycopg2.Error as e:
        error = str(e)
    check("persistent_fault_fails_clearly",
          "DynamoDB Scan failed: InternalServerError" in error and
          "gave up after 3 attempts" in error, error)
    cur.execute("SELECT snapshot_complete, items_done FROM ddb_fdw.sync_state "
                "WHERE target = 'public.resumed'::regclass")
    complete, done = cur.fetchone()
    check("checkpoints_kept", not complete and 0 < done < ITEMS, "%r %r" % (complete, done))
    cur.execute("ALTER SERVER s OPTIONS (SET endpoint %s, DROP max_retries, DROP retry_base_delay)",
                (GW,))
    gateway("log/reset", {})
    cur.execute(sync, ("public.resumed",))
    scans = sum(1 for line in gateway("log").splitlines() if line.split("\t")[1:2] == ["Scan"])
    runs = last_runs(cur, "public.resumed", 2)
    check("resumed_after_persistent_fault",
          [r[:2] for r in runs] == [("failed", "snapshot"), ("succeeded", "resume")]
          and runs[1][2] == 0 and scans < ITEMS // 1000, "%r, %d Scans" % (runs, scans))
    equal_to_dynamodb(cur, "public.resumed", "equal_after_resume", expected)

    # ---- 3. STS down twice, then up: AssumeRole is retried
    gateway("config", {"roles": {"arn:aws:iam::123456789012:role/fault-reader":
                                 {"external_id": None, "principals": None}}})
    cur.execute("CREATE SERVER r FOREIGN DATA WRAPPER ddb_fdw OPTIONS (region 'us-east-1', "
                "endpoint %s, sts_endpoint %s, role_arn 'arn:aws:iam::123456789012:role/fault-reader', "
                "retry_base_delay '10ms')", (GW, GW + "/fault/status=503,count=2/"))
    cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER r OPTIONS "
                "(access_key_id %s, secret_access_key %s)",
                (os.environ["DDB_TEST_ACCESS_KEY"], os.environ["DDB_TEST_SECRET_KEY"]))
    cur.execute("CREATE FOREIGN TABLE src.via_role (pk text) SERVER r "
                "OPTIONS (table_name %s, partition_key 'pk')", (TABLE,))
    gateway("log/reset", {})
    try:
        cur.execute("SELECT pk FROM src.via_role WHERE pk = 'f-000042'")
        row = cur.fetchone()
    except psycopg2.Error as e:
        row = str(e)
    sts = [line.split("\t") for line in gateway("log").splitlines()
           if "AssumeRole" in line.split("\t")[1]]
    check("sts_outage_retried", row == ("f-000042",) and len(sts) == 3
          and sum(1 for f in sts if f[7] != "-") == 2, "%r, STS log %r" % (row, sts))

    # ---- 4. the read-rate limit: segment workers share it
    cur.execute("SELECT consumed_capacity, pages FROM ddb_fdw.sync_run "
                "WHERE target = 'public.clean'::regclass")
    capacity, pages = cur.fetchone()
    rate = max(capacity / 3.0, 1.0)      # a 3 s budget
    cur.execute("ALTER FOREIGN TABLE src.%s OPTIONS (ADD max_read_units_per_second %%s)" % TABLE,
                (str(rate),))
    t0 = time.perf_counter()
    cur.execute(sync, ("public.limited",))
    limited_s = time.perf_counter() - t0
    cur.execute("ALTER FOREIGN TABLE src.%s OPTIONS (DROP max_read_units_per_second)" % TABLE)
    # each of the 4 workers may send its first page before any is paid for
    burst = 4 * capacity / pages
    achieved = (capacity - burst) / limited_s
    check("read_rate_limited", achieved <= rate * 1.05,
          "%.1f units/s after the first pages, limit %.1f (%.2f s, %.0f units)"
          % (achieved, rate, limited_s, capacity))
    equal_to_dynamodb(cur, "public.limited", "equal_with_rate_limit", expected)
    print("read-rate limit %.1f units/s: %.0f units in %.2f s (%.2f s without)"
          % (rate, capacity, limited_s, clean_s))

    # ---- 5. kill -9 of a segment worker
    cur.execute("ALTER SERVER s OPTIONS (SET endpoint %s)", (GW + "/fault/delay=400,op=Scan/",))
    victim = connect(DB)
    vcur = victim.cursor()
    outcome = {}

    def run():
        try:
            vcur.execute(sync, ("public.worker_killed",))
            outcome["result"] = "finished"
        except psycopg2.Error as e:
            outcome["result"] = "died: %s" % str(e).strip().splitlines()[0]

    t = threading.Thread(target=run)
    t.start()
    killed = None
    deadline = time.time() + 60
    while time.time() < deadline and killed is None:
        time.sleep(0.2)
        cur.execute("SELECT coalesce(sum(pages), 0) FROM ddb_fdw.sync_checkpoint "
                    "WHERE target::text = 'worker_killed'")
        if cur.fetchone()[0] >= 8:
            cur.execute("SELECT pid FROM pg_stat_activity "
                        "WHERE backend_type = 'ddb_fdw segment worker' LIMIT 1")
            r = cur.fetchone()
            if r:
                killed = r[0]
                os.kill(killed, signal.SIGKILL)
    t.join(timeout=60)
    check("worker_killed_mid_sync", killed is not None and
          outcome.get("result", "").startswith("died"), "%r %r" % (killed, outcome))
    conn = connect(DB)
    cur = conn.cursor()
    cur.execute("ALTER SERVER s OPTIONS (SET endpoint %s)", (GW,))
    cur.execute(sync, ("public.worker_killed",))
    runs = last_runs(cur, "public.worker_killed", 2)
    check("resumed_after_worker_kill",
          [r[:2] for r in runs] == [("interrupted", "snapshot"), ("succeeded", "resume")],
          repr(runs))
    equal_to_dynamodb(cur, "public.worker_killed", "equal_after_worker_kill", expected)

    conn.close()
    admin = connect("postgres")
    admin.cursor().execute("DROP DATABASE %s" % DB)
    dynamodb().delete_table(TableName=TABLE)
    return 1 if sync_crash.failures else 0


if __name__ == "__main__":
    sys.exit(main())
