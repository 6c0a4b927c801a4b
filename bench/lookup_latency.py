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

Usage: lookup_latency.py --rate --endpoint REPLAY_URL [--table bench_items]
       [--items N] [--lookups 1000] [--delays 0,20] [--rounds 3] [--json F]

--rate: key lookups per second on bench/load.py's table (partition key pk,
items "bench-%08d"), read through bench/replay.py at each delay (its
/delay=d/ path), one lookup after another, beside the Python reference:

  boto3 GetItem    client.get_item + TypeDeserializer, one key at a time
  ddb_fdw GetItem  a prepared SELECT item ... WHERE pk = $1 (GetItem)
  boto3 BatchGetItem   batch_get_item, 100 keys a request
  ddb_fdw BatchGetItem a prepared ... WHERE pk = ANY($1), 100 keys
                       (BatchGetItem)

The same random keys (seed 1) for every case; --lookups at 0 ms, fewer at
a delay (about 3 s of waiting a case).  A warm-up pass records the answers.
Reports lookups/s, the ratio to boto3, and CPU microseconds per lookup
(the client process plus, for ddb_fdw, its backend).
"""

import argparse
import os
import random
import statistics
import sys
import time

import boto3
import psycopg2
from boto3.dynamodb.types import TypeDeserializer
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402


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


def rate(a):
    """Key lookups per second, ddb_fdw beside boto3 (see the docstring)."""
    delays = [int(d) for d in a.delays.split(",")]
    rnd = random.Random(1)
    keys = ["bench-%08d" % rnd.randrange(a.items) for _ in range(a.lookups)]
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SELECT pg_backend_pid()")
    backend = cur.fetchone()[0]
    cur.execute("CREATE EXTENSION IF NOT EXISTS ddb_fdw")
    cur.execute("DEALLOCATE ALL")
    des = TypeDeserializer()
    plan = []
    for d in delays:
        endpoint = benchlib.delayed(a.endpoint, d)
        n = a.lookups if d == 0 else min(a.lookups, max(50, 3000 // d))
        batch_n = n if d == 0 else min(a.lookups, 10 * n)
        name = "bench_lk_d%d" % d
        cur.execute("DROP SERVER IF EXISTS %s CASCADE" % name)
        cur.execute("CREATE SERVER %s FOREIGN DATA WRAPPER ddb_fdw "
                    "OPTIONS (region 'us-east-1', endpoint %%s, segments '1')" % name, (endpoint,))
        cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER %s "
                    "OPTIONS (access_key_id 'AKIDBENCHLOOKUP0001', secret_access_key 'x')" % name)
        cur.execute("CREATE FOREIGN TABLE public.%s (pk text NOT NULL, item jsonb "
                    "OPTIONS (whole_item 'true')) SERVER %s "
                    "OPTIONS (table_name %%s, partition_key 'pk')" % (name, name), (a.table,))
        ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id="AKIDBENCHLOOKUP0001", aws_secret_access_key="x",
                           config=Config(retries={"max_attempts": 10}))

        def boto3_get(ddb=ddb, n=n):
            for k in keys[:n]:
                item = ddb.get_item(TableName=a.table, Key={"pk": {"S": k}})["Item"]
                {kk: des.deserialize(v) for kk, v in item.items()}
            return n

        def boto3_batch(ddb=ddb, n=batch_n):
            got = 0
            for i in range(0, n, 100):
                req = {a.table: {"Keys": [{"pk": {"S": k}} for k in dict.fromkeys(keys[i:i + 100])]}}
                while req:
                    page = ddb.batch_get_item(RequestItems=req)
                    for item in page["Responses"][a.table]:
                        {kk: des.deserialize(v) for kk, v in item.items()}
                        got += 1
                    req = page.get("UnprocessedKeys") or None
            return got

        def fdw_get(name=name, n=n):
            for k in keys[:n]:
                cur.execute("EXECUTE %s_one(%%s)" % name, (k,))
                cur.fetchall()
            return n

        def fdw_batch(name=name, n=batch_n):
            got = 0
            for i in range(0, n, 100):
                cur.execute("EXECUTE %s_many(%%s)" % name, (list(dict.fromkeys(keys[i:i + 100])),))
                got += len(cur.fetchall())
            return got

        cur.execute("PREPARE %s_one(text) AS SELECT item FROM public.%s WHERE pk = $1" % (name, name))
        cur.execute("PREPARE %s_many(text[]) AS SELECT item FROM public.%s WHERE pk = ANY($1)"
                    % (name, name))
        for label, op, fn, fdw in (("boto3 GetItem", "GetItem", boto3_get, False),
                                   ("ddb_fdw GetItem", "GetItem", fdw_get, True),
                                   ("boto3 BatchGetItem, 100 keys", "BatchGetItem", boto3_batch, False),
                                   ("ddb_fdw BatchGetItem, 100 keys", "BatchGetItem", fdw_batch, True)):
            plan.append((label, op, d, fn, fdw))
        cur.execute("EXPLAIN (COSTS OFF) EXECUTE %s_one('bench-00000001')" % name)
        ops = [r[0].strip() for r in cur.fetchall() if "DynamoDB Operation" in r[0]]
        cur.execute("EXPLAIN (COSTS OFF) EXECUTE %s_many(ARRAY['bench-00000001'])" % name)
        ops += [r[0].strip() for r in cur.fetchall() if "DynamoDB Operation" in r[0]]
        print("delay %d ms: %s" % (d, "; ".join(ops)), file=sys.stderr)

    def measure(fn, fdw):
        t0 = os.times()
        if fdw:
            with benchlib.Meter(backend, sample=False) as m:
                n = fn()
        else:
            w0 = time.perf_counter()
            n = fn()
            w = time.perf_counter() - w0
        t1 = os.times()
        client = (t1.user - t0.user) + (t1.system - t0.system)
        if fdw:
            r = m.result(n)
            r["cpu_client"] = client
            r["cpu"] += client
        else:
            r = {"seconds": w, "items": n, "cpu": client, "cpu_client": client}
        return r

    for _, _, _, fn, _ in plan:          # warm-up: records the answers
        fn()
    runs = {}
    for r in range(a.rounds):
        for label, op, d, fn, fdw in plan:
            res = measure(fn, fdw)
            runs.setdefault((label, d), []).append(res)
            print("round %d  %-32s delay %-3d %6d lookups %7.3f s  %7.1f us/lookup CPU"
                  % (r + 1, label, d, res["items"], res["seconds"],
                     res["cpu"] * 1e6 / max(res["items"], 1)), file=sys.stderr, flush=True)
    results = []
    for label, op, d, _, _ in plan:
        m = benchlib.median_result(runs[(label, d)])
        m.update({"case": label, "operation": op, "delay_ms": d})
        results.append(m)
    print("| lookups | delay ms | keys | median s | lookups/s | vs boto3 | CPU us/lookup |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for m in results:
        ref = [x for x in results if x["delay_ms"] == m["delay_ms"] and x["operation"] == m["operation"]
               and x["case"].startswith("boto3")][0]
        print("| %s | %d | %d | %.3f | %.0f | %.2fx | %.1f |" % (
            m["case"], m["delay_ms"], m["items"], m["seconds"], m["items"] / m["seconds"],
            (m["items"] / m["seconds"]) / (ref["items"] / ref["seconds"]),
            m["cpu"] * 1e6 / m["items"]))
    for d in delays:
        cur.execute("DROP SERVER bench_lk_d%d CASCADE" % d)
    benchlib.write_json(a.json, {"kind": "lookups", "table": a.table, "rounds": a.rounds,
                                 "results": results})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--table", default=None)
    ap.add_argument("--items", type=int, default=100000)
    ap.add_argument("--lookups", type=int, default=None)
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--scans", type=int, default=3)
    ap.add_argument("--rate", action="store_true", help="lookups per second beside boto3")
    ap.add_argument("--delays", default="0,20")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json")
    a = ap.parse_args()
    if a.rate:
        a.table = a.table or "bench_items"
        a.lookups = a.lookups or 1000
        return rate(a)
    a.table = a.table or "bench_orders"
    a.lookups = a.lookups or 200
    load(a.endpoint, a.table, a.items)
    customers = a.items // 100

    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    benchlib.create_server(cur, "bench_lookup", a.endpoint, ", segments '1'")
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
