#!/usr/bin/python3
"""Crash test of ddb_fdw.sync: kill -9 the syncing backend mid-run.

The sync reads 4 segments with segment workers.  PostgreSQL restarts every
backend after the kill (crash recovery), the workers too.  The next
CALL ddb_fdw.sync must resume from the last committed checkpoint -- the
gateway's request log shows fewer Scan requests than a full scan -- and the
target must end exactly equal to DynamoDB as boto3 reads it: nothing
missing, no duplicate, no stale row.

Environment (from test/run.sh): PGHOST, PGPORT, PGUSER, DDB_GATEWAY,
DDB_LOCAL_ENDPOINT, DDB_TEST_ACCESS_KEY, DDB_TEST_SECRET_KEY.
Exit status 0 when every check passes; prints ok/FAIL per check.
"""

import base64
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

DB = "ddb_crash"
TABLE = "scan_items"            # 20,000 items from test/fixtures.py
PAGE = 500                      # 40 pages
SEGMENTS = 4
failures = 0


def check(name, ok, detail=""):
    global failures
    print(("ok %s" % name) if ok else ("FAIL %s %s" % (name, detail)))
    if not ok:
        failures += 1


def connect(dbname=DB, timeout=60):
    deadline = time.time() + timeout
    while True:
        try:
            conn = psycopg2.connect(dbname=dbname)
            conn.autocommit = True
            return conn
        except psycopg2.OperationalError:
            if time.time() > deadline:
                raise
            time.sleep(0.5)


def gateway(path, method="GET"):
    req = urllib.request.Request(os.environ["DDB_GATEWAY"] + "/__gw/" + path, method=method,
                                 data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.read().decode()


def scans_logged():
    gateway("drain", "POST")
    return sum(1 for line in gateway("log").splitlines()
               if line.split("\t")[1:3] == ["Scan", TABLE])


def natural(value):
    """DynamoDB typed value -> Python natural JSON value (numbers Decimal)."""
    (tag, v), = value.items()
    if tag == "S":
        return v
    if tag == "N":
        return decimal.Decimal(v)
    if tag == "B":
        return base64.b64encode(v).decode()
    if tag in ("BOOL",):
        return v
    if tag == "NULL":
        return None
    if tag == "M":
        return {k: natural(x) for k, x in v.items()}
    if tag == "L":
        return [natural(x) for x in v]
    if tag == "SS":
        return list(v)
    if tag == "NS":
        return [decimal.Decimal(x) for x in v]
    return [base64.b64encode(x).decode() for x in v]


def scan_natural(ddb, table, key):
    """Every item of table read by boto3's Scan, as {key(item): the item as
    natural JSON} (key gets the item as DynamoDB typed it)."""
    items, args = {}, {"TableName": table}
    while True:
        page = ddb.scan(**args)
        for it in page["Items"]:
            items[key(it)] = natural({"M": it})
        if "LastEvaluatedKey" not in page:
            return items
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def dynamodb_items():
    ddb = boto3.client("dynamodb", endpoint_url=os.environ["DDB_LOCAL_ENDPOINT"],
                       region_name="us-east-1", aws_access_key_id="AKIDCRASHTESTREADER",
                       aws_secret_access_key="x")
    return scan_natural(ddb, TABLE, lambda it: it["pk"]["S"])


def main():
    admin = connect("postgres")
    cur = admin.cursor()
    cur.execute("DROP DATABASE IF EXISTS %s" % DB)
    cur.execute("CREATE DATABASE %s" % DB)
    conn = connect()
    cur = conn.cursor()
    gw = os.environ["DDB_GATEWAY"]
    cur.execute("CREATE EXTENSION ddb_fdw")
    # every page takes 150 ms: the sync lasts seconds, time to kill it
    cur.execute("CREATE SERVER slow FOREIGN DATA WRAPPER ddb_fdw OPTIONS "
                "(region 'us-east-1', endpoint %s, page_size %s, segments %s)",
                (gw + "/fault/delay=600,op=Scan/", str(PAGE), str(SEGMENTS)))
    cur.execute("CREATE SERVER fast FOREIGN DATA WRAPPER ddb_fdw OPTIONS "
                "(region 'us-east-1', endpoint %s, page_size %s)", (gw, str(PAGE)))
    for srv in ("slow", "fast"):
        cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS "
                    "(access_key_id %%s, secret_access_key %%s)" % srv,
                    (os.environ["DDB_TEST_ACCESS_KEY"], os.environ["DDB_TEST_SECRET_KEY"]))
    cur.execute("CREATE SCHEMA slow")
    cur.execute("IMPORT FOREIGN SCHEMA x LIMIT TO (%s) FROM SERVER slow INTO slow" % TABLE)

    # 1. start the sync, kill -9 its backend after some pages are committed
    victim = connect()
    vcur = victim.cursor()
    vcur.execute("SELECT pg_backend_pid()")
    pid = vcur.fetchone()[0]
    outcome = {}

    def run():
        try:
            vcur.execute("CALL ddb_fdw.sync('slow.%s', 'public.copy')" % TABLE)
            outcome["result"] = "finished"
        except psycopg2.Error as e:
            outcome["result"] = "died: %s" % str(e).strip().splitlines()[0]

    gateway("log/reset", "POST")
    t = threading.Thread(target=run)
    t.start()
    done_pages = 0
    deadline = time.time() + 60
    while time.time() < deadline:
        time.sleep(0.2)
        cur.execute("SELECT coalesce(sum(pages), 0) FROM ddb_fdw.sync_checkpoint")
        done_pages = cur.fetchone()[0]
        if done_pages >= 10:
            break
    cur.execute("SELECT pid FROM ddb_fdw.sync_progress")
    listed = [r[0] for r in cur.fetchall()]
    os.kill(pid, signal.SIGKILL)
    t.join(timeout=60)
    check("sync_killed_mid_run", outcome.get("result", "").startswith("died") and done_pages >= 10,
          "outcome %r after %d pages" % (outcome, done_pages))
    scans_first = scans_logged()

    # 2. the cluster restarts; the catalog still has the checkpoint
    conn = connect()
    cur = conn.cursor()
    cur.execute("SELECT status, count(*), count(*) FILTER (WHERE done), sum(pages), "
                "count(last_key) FROM ddb_fdw.sync_state s "
                "JOIN ddb_fdw.sync_checkpoint c USING (target) GROUP BY status")
    status, segments, done, pages, keys = cur.fetchone()
    check("checkpoint_survived_crash",
          status == "running" and segments == SEGMENTS and done < SEGMENTS and
          pages >= 10 and keys > 0,
          "status %s segments %s done %s pages %s keys %s" % (status, segments, done, pages, keys))
    cur.execute("SELECT count(*) FROM pg_stat_activity "
                "WHERE backend_type = 'ddb_fdw segment worker'")
    check("no_worker_survived", cur.fetchone()[0] == 0)
    # ddb_fdw.sync_progress listed the sync, and lists nothing now
    cur.execute("SELECT count(*) FROM ddb_fdw.sync_progress")
    check("progress_listed_then_gone", listed == [pid] and cur.fetchone()[0] == 0,
          "listed %r (pid %d) before the crash" % (listed, pid))

    # 3. the next call resumes, reading only what was left
    cur.execute("ALTER SERVER slow OPTIONS (SET endpoint %s)", (gw,))
    gateway("log/reset", "POST")
    cur.execute("CALL ddb_fdw.sync('slow.%s', 'public.copy')" % TABLE)
    scans_resume = scans_logged()
    full = 20000 // PAGE + SEGMENTS      # a last, short page per segment
    check("resumed_not_rescanned", scans_resume < full - 5,
          "resume took %d Scan requests, a full scan %d" % (scans_resume, full))
    cur.execute("SELECT status, mode FROM ddb_fdw.sync_run ORDER BY run_id")
    runs = cur.fetchall()
    check("run_history", runs == [("interrupted", "snapshot"), ("succeeded", "resume")], repr(runs))

    # 4. exactly equal to DynamoDB, read by boto3
    expected = dynamodb_items()
    cur.execute("SELECT pk, item::text FROM public.copy")
    got = {pk: json.loads(item, parse_float=decimal.Decimal, parse_int=decimal.Decimal)
           for pk, item in cur.fetchall()}
    cur.execute("SELECT count(*), count(DISTINCT pk) FROM public.copy")
    rows, distinct = cur.fetchone()
    check("no_duplicates", rows == distinct, "%d rows, %d keys" % (rows, distinct))
    missing = set(expected) - set(got)
    extra = set(got) - set(expected)
    differ = [k for k in expected if k in got and got[k] != expected[k]]
    check("equal_to_dynamodb", not missing and not extra and not differ and rows == len(expected),
          "missing %d extra %d differ %d (e.g. %s)" % (len(missing), len(extra), len(differ),
                                                       (list(missing) + list(extra) + differ)[:3]))
    print("crash test: killed after %d committed pages (%d Scans), resumed with %d Scans of %d"
          % (done_pages, scans_first, scans_resume, full))
    conn.close()
    admin = connect("postgres")
    admin.cursor().execute("DROP DATABASE %s" % DB)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
