#!/usr/bin/python3
"""ddb_fdw against DynamoDB Local itself, beside the emulator's raw scan.

Usage: local_compare.py --endpoint URL [--table bench_items] [--page-size 1000]
       [--segments 1,4] [--rounds 3] [--expect N] [--json FILE]
       (PostgreSQL from PGHOST/PGPORT/PGUSER/PGDATABASE)

DynamoDB Local is the slowest part of any pipeline here (a JVM that tops out
near 55,000 items/s on this machine, using most of both cores), so what it can
serve is the reference:

  raw     the emulator's raw signed scan: SigV4-signed Scan requests (botocore's
          signer) over one keep-alive connection per segment, Limit=page size,
          following LastEvaluatedKey; each answer read whole and its
          LastEvaluatedKey taken, nothing else decoded (segments in threads)
  count   SELECT count(*) through ddb_fdw
  whole   SELECT count(t): every row decoded
  sync    CALL ddb_fdw.sync into a fresh table

each with every --segments count, interleaved over the rounds; ratios to raw
with the same segment count.

A table larger than --max-items (200,000) is not read here: the emulator
serves 3,000-28,000 items/s on this machine, so eight passes over a million
items would take most of an hour.  A table of its own is loaded instead
(bench/load.py, --max-items / 2 items, "<table>_local") and read.
"""

import argparse
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse

import psycopg2
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

LABELS = {
    "raw": "raw signed scan (no decoding), the emulator's ceiling",
    "count": "SELECT count(*)",
    "whole": "SELECT count(t): every row decoded",
    "sync": "CALL ddb_fdw.sync into a fresh table",
}


def raw_segment(endpoint, table, limit, segment, total, creds, counts):
    u = urllib.parse.urlparse(endpoint)
    conn = http.client.HTTPConnection(u.hostname, u.port)
    start, n = None, 0
    while True:
        req = {"TableName": table, "Limit": limit}
        if total > 1:
            req.update(Segment=segment, TotalSegments=total)
        if start:
            req["ExclusiveStartKey"] = start
        body = json.dumps(req)
        ar = AWSRequest(method="POST", url=endpoint.rstrip("/") + "/", data=body,
                        headers={"Content-Type": "application/x-amz-json-1.0",
                                 "X-Amz-Target": "DynamoDB_20120810.Scan"})
        SigV4Auth(creds, "dynamodb", "us-east-1").add_auth(ar)
        conn.request("POST", "/", body=body, headers=dict(ar.headers.items()))
        resp = conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            raise RuntimeError("raw scan: HTTP %d %s" % (resp.status, data[:200]))
        page = json.loads(data)
        n += page["Count"]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    conn.close()
    counts[segment] = n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--table", default="bench_items")
    ap.add_argument("--page-size", type=int, default=1000)
    ap.add_argument("--segments", default="1,4")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cases", default="raw,count,whole,sync")
    ap.add_argument("--expect", type=int)
    ap.add_argument("--max-items", type=int, default=200000)
    ap.add_argument("--json")
    a = ap.parse_args()
    segs = [int(s) for s in a.segments.split(",")]
    cases = a.cases.split(",")
    if a.expect and a.expect > a.max_items:
        n = a.max_items // 2
        a.table = a.table + "_local"
        a.expect = n
        print("local_compare: the table is larger than %d items; loading %d into %s"
              % (a.max_items, n, a.table), file=sys.stderr, flush=True)
        out = benchlib.run_client(["/usr/bin/python3", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                    "load.py"),
                                   "--endpoint", a.endpoint, "--items", str(n), "--table", a.table,
                                   "--threads", "4"])
        print(out["stdout"].strip(), file=sys.stderr, flush=True)
    creds = Credentials(os.environ.get("DDB_TEST_ACCESS_KEY", "AKIDBENCHCLIENT0001"),
                        os.environ.get("DDB_TEST_SECRET_KEY", "x"))

    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SET ddb_fdw.max_workers_per_scan = %d" % max(segs))
    cur.execute("SELECT pg_backend_pid()")
    backend = cur.fetchone()[0]
    benchlib.create_server(cur, "bench_local", a.endpoint)
    for s in segs:
        cur.execute("CREATE FOREIGN TABLE bench_local.items_s%d (pk text, item jsonb "
                    "OPTIONS (whole_item 'true')) SERVER bench_local OPTIONS "
                    "(table_name %%s, partition_key 'pk', page_size '%d', segments '%d')"
                    % (s, a.page_size, s), (a.table,))

    def raw_case(s):
        def run():
            counts = {}
            c0 = os.times()
            t0 = time.perf_counter()
            threads = [threading.Thread(target=raw_segment,
                                        args=(a.endpoint, a.table, a.page_size, i, s, creds, counts))
                       for i in range(s)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            secs = time.perf_counter() - t0
            c1 = os.times()
            cpu = (c1.user - c0.user) + (c1.system - c0.system)
            return {"seconds": secs, "items": sum(counts.values()), "cpu": cpu, "cpu_client": cpu}
        return run

    def sql_case(case, s):
        def run():
            with benchlib.Meter(backend) as m:
                if case == "count":
                    cur.execute("SELECT count(*) FROM bench_local.items_s%d" % s)
                    n = cur.fetchone()[0]
                elif case == "whole":
                    cur.execute("SELECT count(t) FROM bench_local.items_s%d t" % s)
                    n = cur.fetchone()[0]
                else:
                    cur.execute("DROP TABLE IF EXISTS bench_local.copy_s%d" % s)
                    cur.execute("DELETE FROM ddb_fdw.sync_state WHERE NOT EXISTS "
                                "(SELECT FROM pg_class WHERE oid = target)")
                    cur.execute("CALL ddb_fdw.sync('bench_local.items_s%d', 'bench_local.copy_s%d')"
                                % (s, s))
                    cur.execute("SELECT count(*) FROM bench_local.copy_s%d" % s)
                    n = cur.fetchone()[0]
            return m.result(n)
        return run

    plan = []
    for s in segs:
        for case in cases:
            plan.append((case, None, s, raw_case(s) if case == "raw" else sql_case(case, s)))
    results = benchlib.run_plan(plan, a.rounds, a.expect, LABELS)
    cur.execute("DROP SERVER bench_local CASCADE")
    cur.execute("DROP SCHEMA bench_local CASCADE")
    cur.execute("DELETE FROM ddb_fdw.sync_state WHERE NOT EXISTS "
                "(SELECT FROM pg_class WHERE oid = target)")

    print("| case | segments | median s (runs) | items/s | vs raw scan | CPU us/item (backend + workers) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for m in results:
        raw = [x for x in results if x["case"] == "raw" and x["segments"] == m["segments"]]
        ratio = "%.2fx the time" % (m["seconds"] / raw[0]["seconds"]) if raw and m["case"] != "raw" else ""
        print("| %s | %d | %.2f (%s) | %s | %s | %.1f |" % (
            m["label"], m["segments"], m["seconds"], ", ".join("%.3g" % x for x in m["runs_seconds"]),
            benchlib.fmt_rate(m["items"], m["seconds"]), ratio, m["cpu"] * 1e6 / max(m["items"], 1)))
    benchlib.write_json(a.json, {"kind": "local", "table": a.table, "items": a.expect,
                                 "page_size": a.page_size,
                                 "rounds": a.rounds, "results": results})


if __name__ == "__main__":
    main()
