"""Helpers of the operations tests (test/upgrade.py, test/dump_restore.py).

Connections, the gateway's request log, the independent writer and reader
of DynamoDB tables (test/tools/ddb_write.py, ddb_dump.py: boto3, not
ddb_fdw), the sync catalog as comparable data, and checks that print
"ok NAME" or "FAIL NAME detail".

Environment (from test/run.sh): PGHOST, PGPORT, PGUSER, DDB_GATEWAY,
DDB_LOCAL_ENDPOINT, DDB_TEST_ACCESS_KEY, DDB_TEST_SECRET_KEY, DDB_PG_BIN.
"""

import json
import os
import subprocess
import sys
import time
import urllib.request

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(HERE, "tools")
PG_BIN = os.environ.get("DDB_PG_BIN", "/usr/lib/postgresql/15/bin")
GATEWAY = os.environ.get("DDB_GATEWAY", "")
LOCAL = os.environ.get("DDB_LOCAL_ENDPOINT", "")
ACCESS_KEY = os.environ.get("DDB_TEST_ACCESS_KEY", "")
SECRET_KEY = os.environ.get("DDB_TEST_SECRET_KEY", "")

failures = []


def check(name, ok, detail=""):
    print(("ok %s" % name) if ok else ("FAIL %s %s" % (name, detail)), flush=True)
    if not ok:
        failures.append(name)
    return ok


def connect(dbname, timeout=60):
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


def recreate_db(name):
    admin = connect("postgres")
    cur = admin.cursor()
    cur.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
    cur.execute("CREATE DATABASE %s" % name)
    admin.close()


def drop_db(name):
    admin = connect("postgres")
    admin.cursor().execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
    admin.close()


def query(cur, sql, args=None):
    cur.execute(sql, args)
    return cur.fetchall()


def one(cur, sql, args=None):
    cur.execute(sql, args)
    return cur.fetchone()[0]


# ---------------------------------------------------------------- gateway

def gateway(path, method="GET"):
    req = urllib.request.Request(GATEWAY + "/__gw/" + path, method=method,
                                 data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.read().decode()


def reset_requests():
    gateway("drain", "POST")
    gateway("log/reset", "POST")


def requests(table=None):
    """The gateway's request log since the last reset: (op, table, start_key)."""
    gateway("drain", "POST")
    out = []
    for line in gateway("log").splitlines():
        f = line.split("\t")
        if len(f) < 7 or (table is not None and f[2] != table):
            continue
        out.append((f[1], f[2], f[5] == "1"))
    return out


def ops(table=None):
    counts = {}
    for op, _, _ in requests(table):
        counts[op] = counts.get(op, 0) + 1
    return counts


# ---------------------------------------------------------------- DynamoDB

def ddb_write(table, *args):
    """The independent writer (boto3): create, put, update, delete ..."""
    out = subprocess.run([sys.executable, os.path.join(TOOLS, "ddb_write.py"),
                          "--endpoint", LOCAL, "--table", table] + [str(a) for a in args],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def dynamodb_items(table):
    """Every item of a DynamoDB table as natural JSON text, read by boto3."""
    out = subprocess.run([sys.executable, os.path.join(TOOLS, "ddb_dump.py"),
                          "--endpoint", LOCAL, "--table", table],
                         check=True, capture_output=True, text=True)
    return [line for line in out.stdout.splitlines() if line.strip()]


def diff_with_dynamodb(cur, target, table, column="item"):
    """(missing, extra, rows): the target's whole-item column against boto3's
    reading of the DynamoDB table, compared as jsonb."""
    cur.execute("CREATE TEMP TABLE IF NOT EXISTS ddb_items (item jsonb)")
    cur.execute("TRUNCATE ddb_items")
    for line in dynamodb_items(table):
        cur.execute("INSERT INTO ddb_items VALUES (%s::jsonb)", (line,))
    cur.execute(
        "SELECT (SELECT count(*) FROM ddb_items d WHERE NOT EXISTS "
        "         (SELECT 1 FROM {t} t WHERE t.{c} = d.item)), "
        "       (SELECT count(*) FROM {t} t WHERE NOT EXISTS "
        "         (SELECT 1 FROM ddb_items d WHERE t.{c} = d.item)), "
        "       (SELECT count(*) FROM {t})".format(t=target, c=column))
    return cur.fetchone()


# ---------------------------------------------------------------- catalog

CATALOG = {
    "sync_state": "target::text",
    "sync_checkpoint": "target::text, segment",
    "sync_shard": "target::text, shard_id",
    "sync_run": "run_id",
}


def catalog(cur):
    """The sync catalog as data: every row of every table as JSON (regclass
    columns as the names they print as), ordered."""
    out = {}
    for table, order in CATALOG.items():
        cur.execute("SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY %s), '[]') "
                    "FROM ddb_fdw.%s t" % (order, table))
        out[table] = cur.fetchone()[0]
    cur.execute("SELECT last_value, is_called FROM ddb_fdw.sync_run_run_id_seq")
    out["sync_run_run_id_seq"] = list(cur.fetchone())
    return out


def catalog_diff(a, b):
    """A short description of where two catalog() results differ, or ''."""
    for key in a:
        if a[key] != b.get(key):
            if isinstance(a[key], list) and isinstance(b.get(key), list):
                for i, (x, y) in enumerate(zip(a[key], b[key])):
                    if x != y:
                        return "%s row %d: %s != %s" % (key, i, json.dumps(x), json.dumps(y))
                return "%s: %d rows != %d rows" % (key, len(a[key]), len(b[key]))
            return "%s: %r != %r" % (key, a[key], b.get(key))
    return ""


def runs(cur, target, after=0):
    return query(cur, "SELECT status, mode, rows_upserted, inserts, modifies, removes, "
                      "coalesce(note, ''), coalesce(error, '') FROM ddb_fdw.sync_run "
                      "WHERE target = %s::regclass AND run_id > %s ORDER BY run_id",
                 (target, after))


def last_run(cur):
    return one(cur, "SELECT coalesce(max(run_id), 0) FROM ddb_fdw.sync_run")


def finish(what):
    if failures:
        print("%s: %d checks failed: %s" % (what, len(failures), " ".join(failures)))
        return 1
    print("%s: every check passed" % what)
    return 0
