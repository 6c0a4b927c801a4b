#!/usr/bin/python3
"""Incremental sync from the stream beside a snapshot of the same table.

Usage: stream_compare.py --endpoint URL --gateway URL --local URL
       [--table bench_stream] [--changes 100] [--rounds 3]
       (PG from PGHOST/PGPORT/PGUSER/PGDATABASE; the gateway's keys from
       DDB_TEST_ACCESS_KEY and DDB_TEST_SECRET_KEY)

The table (load.py --stream NEW_AND_OLD_IMAGES) is synced once (snapshot)
and the stream applied to its end.  Then, per round: --changes items are
updated by boto3 (--local), a sync applies them from the stream, and a fresh
snapshot (mode => 'snapshot', restart => true) copies the table again.  For
each, the DynamoDB requests (counted in the gateway's log, --gateway) and the
items read are reported, with median seconds and the ratios.
"""

import argparse
import collections
import os
import statistics
import sys
import time

import boto3
import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402


def requests(base):
    ops = collections.Counter(e["op"] for e in benchlib.gateway_log(base))
    benchlib.gateway_call(base, "log/reset", "POST")
    return ops


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--gateway", required=True)
    ap.add_argument("--local", required=True)
    ap.add_argument("--table", default="bench_stream")
    ap.add_argument("--changes", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    ddb = boto3.client("dynamodb", endpoint_url=a.local, region_name="us-east-1",
                       aws_access_key_id="AKIDBENCHSTREAM0001", aws_secret_access_key="x")
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    # the gateway checks signatures: its test keys (DDB_TEST_ACCESS_KEY, ...)
    benchlib.create_server(cur, "bench_stream", a.endpoint, ", segments '1'")
    cur.execute("IMPORT FOREIGN SCHEMA x LIMIT TO (%s) FROM SERVER bench_stream INTO bench_stream"
                % a.table)
    cur.execute("DROP TABLE IF EXISTS public.stream_copy")
    cur.execute("DELETE FROM ddb_fdw.sync_state WHERE NOT EXISTS "
                "(SELECT 1 FROM pg_class WHERE oid = target)")
    call = "CALL ddb_fdw.sync('bench_stream.%s', 'public.stream_copy'" % a.table

    def run(args=""):
        requests(a.gateway)
        t0 = time.perf_counter()
        cur.execute(call + args + ")")
        t = time.perf_counter() - t0
        ops = requests(a.gateway)
        cur.execute("SELECT mode, rows_upserted, inserts + modifies + removes "
                    "FROM ddb_fdw.sync_run ORDER BY run_id DESC LIMIT 1")
        mode, upserted, records = cur.fetchone()
        return mode, t, ops, upserted, records

    first = run()
    catch_up = run()
    print("first snapshot: %.1f s, %s; catch-up stream run (re-reads the young table's "
          "history): %.1f s, %d records" % (first[1], dict(first[2]), catch_up[1], catch_up[4]))

    results = collections.defaultdict(list)
    version = 0
    for r in range(a.rounds):
        version += 1
        for i in range(a.changes):
            k = (r * 7919 + i * 997) % 100000
            ddb.update_item(TableName=a.table, Key={"pk": {"S": "bench-%08d" % k}},
                            UpdateExpression="SET note = :v",
                            ExpressionAttributeValues={":v": {"S": "changed %d" % version}})
        results["stream"].append(run())
        results["snapshot"].append(run(", mode => 'snapshot', restart => true"))
        # the snapshot's own hand-off: bring the stream position forward
        run()

    print("%-10s %9s %12s %14s %s" % ("run", "median s", "items read", "rows upserted",
                                      "requests (median round)"))
    med = {}
    for name in ("stream", "snapshot"):
        rs = results[name]
        secs = statistics.median(x[1] for x in rs)
        mid = sorted(rs, key=lambda x: x[1])[len(rs) // 2]
        read = mid[4] if name == "stream" else mid[3]
        med[name] = (secs, sum(mid[2].values()), read)
        print("%-10s %9.3f %12d %14d %s" % (name, secs, read, mid[3],
                                             ", ".join("%s %d" % kv for kv in sorted(mid[2].items()))))
    print("stream/snapshot: time %.4f, requests %.4f, items read %.4f"
          % (med["stream"][0] / med["snapshot"][0], med["stream"][1] / med["snapshot"][1],
             med["stream"][2] / med["snapshot"][2]))


if __name__ == "__main__":
    main()
