#!/usr/bin/python3
"""Latency of keyed reads beside a full scan of the same 100,000-item table.

Usage: lookup_latency.py --endpoint URL [--table bench_orders] [--items 100000]
       [--lookups 200] [--queries 50] [--scans 3]
       (PostgreSQL from PGHOST/PGPORT/PGUSER/PGDATABASE; keys from
       DDB_TEST_ACCESS_KEY / DDB_TEST_SECRET_KEY when the endpoint checks them)

Loads the table once (1,000 customers x 100 orders of about 400 bytes;
partition key customer, sort key order_no), imports it, then times through
psql's connection, as a client sees it:

  GetItem   SELECT ... WHERE customer = $1 AND order_no = $2 (prepared)
  Query     SELECT ... WHERE customer = $1 (100 items)
  Scan      SELECT count(*), sum(length(item::text)) over the whole table

Each case reports the median and the 95th percentile in milliseconds, and
the DynamoDB operation its plan uses (from EXPLAIN).
"""

import argparse
import os
import random
import statistics
import time

import boto3
import psycopg2
from botocore.config import Config


def load(endpoint, table, items):
    ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="AKIDBENCHLOOKUP0001", aws_secret_access_key="x",
                       config=Config(retries={"max_attempts": 10, "mode": "standard"}))
    try:
        if ddb.describe_table(TableName=table)["Table"]["ItemCount"] == items:
            return
        ddb.delete_table(TableName=table)
    except ddb.exceptions.ResourceNotFoundException:
        pass
    ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "customer", "AttributeType": "S"},
                                           {"AttributeName": "order_no", "AttributeType": "N"}],
                     KeySchema=[{"AttributeName": "customer", "KeyType": "HASH"},
                                {"AttributeName": "order_no", "KeyType": "RANGE"}])
    per = 100
    batch = []
    for i in range(items):
        batch.append({"PutRequest": {"Item": {
            "customer": {"S": "cust-%05d" % (i // per)},
            "order_no": {"N": str(i % per)},
            "status": {"S": ["new", "paid", "shipped"][i % 3]},
            "total": {"N": "%d.%02d" % (i % 1000, i % 100)},
            "note": {"S": "x" * 300}}}})
        if len(batch) == 25:
            ddb.batch_write_item(RequestItems={table: batch})
            batch = []
    if batch:
        ddb.batch_write_item(RequestItems={table: batch})


def timed(cur, sql, args=None):
    t0 = time.perf_counter()
    cur.execute(sql, args)
    cur.fetchall()
    return (time.perf_counter() - t0) * 1000.0


def summary(ms):
    ms = sorted(ms)
    return statistics.median(ms), ms[max(0, int(len(ms) * 0.95) - 1)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--table", default="bench_orders")
    ap.add_argument("--items", type=int, default=100000)
    ap.add_argument("--lookups", type=int, default=200)
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--scans", type=int, default=3)
    a = ap.parse_args()
    load(a.endpoint, a.table, a.items)
    customers = a.items // 100

    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION IF NOT EXISTS ddb_fdw")
    cur.execute("DROP SERVER IF EXISTS bench_lookup CASCADE")
    cur.execute("CREATE SERVER bench_lookup FOREIGN DATA WRAPPER ddb_fdw "
                "OPTIONS (region 'us-east-1', endpoint %s, segments '1')", (a.endpoint,))
    cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER bench_lookup "
                "OPTIONS (access_key_id %s, secret_access_key %s)",
                (os.environ.get("DDB_TEST_ACCESS_KEY", "AKIDBENCHLOOKUP0001"),
                 os.environ.get("DDB_TEST_SECRET_KEY", "x")))
    cur.execute("DROP SCHEMA IF EXISTS bench_lookup CASCADE")
    cur.execute("CREATE SCHEMA bench_lookup")
    cur.execute("IMPORT FOREIGN SCHEMA x LIMIT TO (%s) FROM SERVER bench_lookup INTO bench_lookup"
                % a.table)
    ft = "bench_lookup.%s" % a.table
    cur.execute("PREPARE get_one(text, numeric) AS SELECT item FROM %s "
                "WHERE customer = $1 AND order_no = $2" % ft)
    cur.execute("PREPARE get_partition(text) AS SELECT item FROM %s WHERE customer = $1" % ft)

    def plan(sql):
        cur.execute("EXPLAIN (COSTS OFF) " + sql)
        return [r[0].strip() for r in cur.fetchall() if "DynamoDB Operation" in r[0]][0]

    rnd = random.Random(1)
    results = []
    get_ms = [timed(cur, "EXECUTE get_one(%s, %s)",
                    ("cust-%05d" % rnd.randrange(customers), rnd.randrange(100)))
              for _ in range(a.lookups)]
    results.append(("full key", plan("EXECUTE get_one('cust-00001', 1)"), 1, get_ms))
    query_ms = [timed(cur, "EXECUTE get_partition(%s)", ("cust-%05d" % rnd.randrange(customers),))
                for _ in range(a.queries)]
    results.append(("partition key", plan("EXECUTE get_partition('cust-00001')"), 100, query_ms))
    scan_sql = "SELECT count(*), sum(length(item::text)) FROM %s" % ft
    scan_ms = [timed(cur, scan_sql) for _ in range(a.scans)]
    results.append(("none (full table)", plan(scan_sql), a.items, scan_ms))

    print("%d items in %s, %s; medians of %d / %d / %d runs"
          % (a.items, a.table, a.endpoint, a.lookups, a.queries, a.scans))
    print("| condition | DynamoDB | rows | median ms | p95 ms | vs full scan |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    scan_median = statistics.median(scan_ms)
    for label, op, rows, ms in results:
        med, p95 = summary(ms)
        print("| %s | %s | %d | %.2f | %.2f | %.0fx faster |"
              % (label, op.replace("DynamoDB Operation: ", ""), rows, med, p95, scan_median / med))
    cur.execute("DROP SCHEMA bench_lookup CASCADE")
    cur.execute("DROP SERVER bench_lookup CASCADE")


if __name__ == "__main__":
    main()
