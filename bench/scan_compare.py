#!/usr/bin/python3
"""Full-scan throughput: ddb_fdw beside a boto3 scan of the same table.

Usage: scan_compare.py --endpoint URL --table T --page-size N [--rounds 3]
       (PostgreSQL from PGHOST/PGPORT/PGUSER/PGDATABASE; the ddb_fdw
        extension, a server "bench" and a user mapping are created here)

Both sides read the same DynamoDB table through the same endpoint with the
same page size (Limit), one segment, and the rounds are interleaved so that
machine noise hits both alike.  Reports medians in items per second.
"""

import argparse
import os
import statistics
import time

import boto3
import psycopg2
from botocore.config import Config


def boto3_scan(endpoint, table, page_size):
    ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="AKIDBENCHREADER0001", aws_secret_access_key="bench",
                       config=Config(retries={"max_attempts": 10}))
    n = 0
    args = {"TableName": table, "Limit": page_size}
    while True:
        page = ddb.scan(**args)
        n += len(page["Items"])
        if "LastEvaluatedKey" not in page:
            return n
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def setup(cur, endpoint, table, page_size):
    cur.execute("CREATE EXTENSION IF NOT EXISTS ddb_fdw")
    cur.execute("DROP SERVER IF EXISTS bench CASCADE")
    cur.execute("CREATE SERVER bench FOREIGN DATA WRAPPER ddb_fdw "
                "OPTIONS (region 'us-east-1', endpoint %s, page_size %s)",
                (endpoint, str(page_size)))
    cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER bench "
                "OPTIONS (access_key_id 'AKIDBENCHREADER0001', secret_access_key 'bench')")
    cur.execute("DROP SCHEMA IF EXISTS bench CASCADE")
    cur.execute("CREATE SCHEMA bench")
    cur.execute("IMPORT FOREIGN SCHEMA x LIMIT TO (%s) FROM SERVER bench INTO bench" % table)
    # the same table with typed columns for every attribute
    cur.execute("""CREATE FOREIGN TABLE bench.typed (
        pk text, seq int8, price numeric, name text, email text, active boolean,
        note text, blob bytea, address jsonb, history jsonb, tags text[],
        scores numeric[], keys bytea[], created timestamptz)
        SERVER bench OPTIONS (table_name %s, partition_key 'pk')""", (table,))


def cpu_seconds(pid):
    """User + system CPU time of a process (Linux /proc), or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None


def timed(fn, pid):
    c0 = cpu_seconds(pid)
    t0 = time.perf_counter()
    n = fn()
    t = time.perf_counter() - t0
    c1 = cpu_seconds(pid)
    return n, t, (c1 - c0) if c0 is not None and c1 is not None else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--table", default="bench_items")
    ap.add_argument("--page-size", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()

    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    setup(cur, a.endpoint, a.table, a.page_size)

    def sql(q):
        def run():
            cur.execute(q)
            return cur.fetchone()[0]
        return run

    cases = [
        ("boto3 scan (client.scan pages)", lambda: boto3_scan(a.endpoint, a.table, a.page_size)),
        ("SELECT count(*)", sql('SELECT count(*) FROM bench."%s"' % a.table)),
        # count(t) needs every column of every row (a whole-row value)
        ("SELECT * (key + jsonb item)", sql('SELECT count(t) FROM bench."%s" t' % a.table)),
        ("SELECT * (14 typed columns)", sql("SELECT count(t) FROM bench.typed t")),
    ]
    cur.execute("SELECT pg_backend_pid()")
    backend = cur.fetchone()[0]
    times = {name: [] for name, _ in cases}
    cpus = {name: [] for name, _ in cases}
    counts = {}
    for _ in range(a.rounds):
        for i, (name, fn) in enumerate(cases):
            # CPU of the process doing the decoding: boto3's own, or the backend's
            n, t, c = timed(fn, os.getpid() if i == 0 else backend)
            counts[name] = n
            times[name].append(t)
            if c is not None:
                cpus[name].append(c)
    ref = statistics.median(times[cases[0][0]])
    print("| case | items | median s | items/s | vs boto3 | client CPU us/item |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, _ in cases:
        med = statistics.median(times[name])
        cpu = statistics.median(cpus[name]) * 1e6 / counts[name] if cpus[name] else float("nan")
        print("| %s | %d | %.2f | %.0f | %.2fx | %.1f |" % (
            name, counts[name], med, counts[name] / med, ref / med, cpu))
    print("\nrounds: %d, page size %d, runs (s): %s" % (
        a.rounds, a.page_size,
        "; ".join("%s %s" % (n, ",".join("%.2f" % x for x in times[n])) for n, _ in cases)))


if __name__ == "__main__":
    main()
