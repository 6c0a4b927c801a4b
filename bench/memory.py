#!/usr/bin/python3
"""Backend memory while scanning and syncing 100,000 and 1,000,000 items.

Usage: memory.py [--sizes 100000,1000000] [--segments 1]
       (PG from PGHOST/PGPORT/PGUSER/PGDATABASE)

A synthetic DynamoDB (in this process, 127.0.0.1, a free port) serves a
table of N generated items of about 300 bytes: DescribeTable, and Scan with
Limit, ExclusiveStartKey and Segment/TotalSegments.  Items are made on the
fly, so a million cost no emulator memory and little time.  For each N the
script runs SELECT count(*) and CALL ddb_fdw.sync in a fresh backend and
samples that backend's /proc/<pid>/status every 20 ms: the peak of RssAnon
(its private memory: what would grow with a leak) and VmHWM (peak resident
set, which also counts shared buffers the backend touched).  Memory is flat
when the peaks for 1,000,000 items match those for 100,000.
"""

import argparse
import json
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2

SIZE = {"n": 0}


def item(i):
    return {"pk": {"S": "k%08d" % i}, "n": {"N": str(i)},
            "price": {"N": "%d.%02d" % (i % 100000, i % 97)},
            "name": {"S": "customer name %d with some padding text" % i},
            "tags": {"SS": ["a%d" % (i % 10), "b"]},
            "address": {"M": {"city": {"S": "City %d" % (i % 500)},
                              "zip": {"N": str(10000 + i % 89999)}}},
            "active": {"BOOL": i % 3 == 0}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, doc):
        body = json.dumps(doc, separators=(",", ":")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amz-crc32", str(zlib.crc32(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        op = self.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
        n = SIZE["n"]
        if op == "DescribeTable":
            return self.answer({"Table": {
                "TableName": req["TableName"], "TableStatus": "ACTIVE",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "ItemCount": n, "TableSizeBytes": n * 300}})
        if op == "ListTables":
            return self.answer({"TableNames": ["mem_items"]})
        if op != "Scan":
            self.send_response(400)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        total = req.get("TotalSegments", 1)
        seg = req.get("Segment", 0)
        lo, hi = seg * n // total, (seg + 1) * n // total
        start = req.get("ExclusiveStartKey")
        first = int(start["pk"]["S"][1:]) + 1 if start else lo
        last = min(hi, first + min(req.get("Limit", 1000), 1000))
        doc = {"Items": [item(i) for i in range(first, last)], "Count": last - first,
               "ScannedCount": last - first,
               "ConsumedCapacity": {"TableName": "mem_items",
                                    "CapacityUnits": (last - first) * 0.5 * 300 / 4096}}
        if last < hi:
            doc["LastEvaluatedKey"] = {"pk": {"S": "k%08d" % (last - 1)}}
        self.answer(doc)


def sample(pid, stop, peaks):
    while not stop.is_set():
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    k, _, v = line.partition(":")
                    if k in ("RssAnon", "VmHWM"):
                        peaks[k] = max(peaks.get(k, 0), int(v.split()[0]))
        except OSError:
            pass
        time.sleep(0.02)


def measure(dsn, sql):
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SELECT pg_backend_pid()")
    pid = cur.fetchone()[0]
    peaks, stop = {}, threading.Event()
    t = threading.Thread(target=sample, args=(pid, stop, peaks))
    t.start()
    t0 = time.perf_counter()
    cur.execute(sql)
    secs = time.perf_counter() - t0
    rows = cur.fetchone()[0] if cur.description else None
    stop.set()
    t.join()
    conn.close()
    return rows, secs, peaks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--segments", default="1")
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    endpoint = "http://127.0.0.1:%d" % srv.server_address[1]
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION IF NOT EXISTS ddb_fdw")
    cur.execute("DROP SERVER IF EXISTS bench_mem CASCADE")
    cur.execute("CREATE SERVER bench_mem FOREIGN DATA WRAPPER ddb_fdw OPTIONS "
                "(region 'us-east-1', endpoint %s, segments %s, page_size '1000')",
                (endpoint, a.segments))
    cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER bench_mem "
                "OPTIONS (access_key_id 'AKIDBENCHMEMORY0001', secret_access_key 'x')")
    cur.execute("CREATE FOREIGN TABLE public.mem_items (pk text, n numeric, price numeric, "
                "name text, tags text[], address jsonb, active boolean, item jsonb "
                "OPTIONS (whole_item 'true')) SERVER bench_mem "
                "OPTIONS (table_name 'mem_items', partition_key 'pk')")
    print("%-10s %-6s %9s %9s %12s %12s" % ("items", "what", "rows", "seconds",
                                          "peak RssAnon", "peak VmHWM"))
    for n in [int(x) for x in a.sizes.split(",")]:
        SIZE["n"] = n
        for what, sql in (("scan", "SELECT count(*) FROM public.mem_items"),
                          ("sync", "CALL ddb_fdw.sync('public.mem_items', 'public.mem_copy')")):
            if what == "sync":
                cur.execute("DROP TABLE IF EXISTS public.mem_copy")
                cur.execute("DELETE FROM ddb_fdw.sync_state WHERE NOT EXISTS "
                            "(SELECT 1 FROM pg_class WHERE oid = target)")
            rows, secs, peaks = measure("", sql)
            if what == "sync":
                cur.execute("SELECT count(*) FROM public.mem_copy")
                rows = cur.fetchone()[0]
            print("%-10d %-6s %9d %9.1f %9d kB %9d kB" % (n, what, rows, secs,
                                                        peaks.get("RssAnon", 0),
                                                        peaks.get("VmHWM", 0)))
    cur.execute("DROP TABLE IF EXISTS public.mem_copy")
    cur.execute("DROP SERVER bench_mem CASCADE")
    srv.shutdown()


if __name__ == "__main__":
    main()
