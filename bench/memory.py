#!/usr/bin/python3
"""Backend memory while scanning and syncing 100,000 and 1,000,000 items.

Usage: memory.py [--sizes 100000,1000000] [--segments 1] [--json FILE]
       (PG from PGHOST/PGPORT/PGUSER/PGDATABASE)

A synthetic DynamoDB (in this process, 127.0.0.1, a free port) serves a
table of N items -- bench/load.py's items, about 400 bytes with every type,
in DynamoDB's wire format: DescribeTable, and Scan with Limit,
ExclusiveStartKey and Segment/TotalSegments.  Items are made once and kept
as JSON text, so a million cost no emulator and little time.  For each N and
each --segments count the script runs SELECT count(t) (every row decoded)
and CALL ddb_fdw.sync in a fresh backend and samples that backend's
/proc/<pid>/status every 20 ms, and those of its segment workers: the peak
of RssAnon (private memory: what would grow with a leak) and VmHWM (peak
resident set, which also counts shared buffers the process touched).
Memory is flat when the peaks for 1,000,000 items match those for 100,000.

--jit-off-too adds a sync of the largest size with jit = off: the sync's last
statement (DELETE of the rows the snapshot did not see) scans the whole
target, and on a large table PostgreSQL's JIT maps libLLVM into the backend,
several MB of RssAnon that are PostgreSQL's, not ddb_fdw's.
"""

import argparse
import json
import os
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
import load  # noqa: E402

SIZE = {"n": 0}
SKIP = {"every": 0}  # > 0: items whose number is a multiple are missing (deleted)
ITEMS = []          # wire JSON of item i, made once
ITEM_BYTES = 400    # what DescribeTable reports per item


def items_upto(n):
    ITEMS.extend(load.wire(i) for i in range(len(ITEMS), n))
    # the fast path makes exactly load.py's items
    for i in range(0, n, max(1, n // 1000)):
        assert ITEMS[i] == load.wire_slow(i), i


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def answer(self, body):
        if isinstance(body, dict):
            body = json.dumps(body, separators=(",", ":"))
        body = body.encode()
        head = ("HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
                "Content-Length: %d\r\nx-amz-crc32: %d\r\n\r\n" % (len(body), zlib.crc32(body)))
        self.wfile.write(head.encode() + body)

    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        op = self.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
        n = SIZE["n"]
        if op == "DescribeTable":
            return self.answer({"Table": {
                "TableName": req["TableName"], "TableStatus": "ACTIVE",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "ItemCount": n, "TableSizeBytes": n * ITEM_BYTES}})
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
        first = int(start["pk"]["S"][len("bench-"):]) + 1 if start else lo
        last = min(hi, first + min(req.get("Limit", 1000), 1000))
        tail = {"Count": last - first, "ScannedCount": last - first,
                "ConsumedCapacity": {"TableName": "mem_items",
                                     "CapacityUnits": (last - first) * 0.5 * ITEM_BYTES / 4096}}
        if last < hi:
            tail["LastEvaluatedKey"] = {"pk": {"S": "bench-%08d" % (last - 1)}}
        every = SKIP["every"]
        page = ITEMS[first:last] if not every else \
            [ITEMS[i] for i in range(first, last) if i % every]
        tail["Count"] = tail["ScannedCount"] = len(page)
        self.answer('{"Items":[' + ",".join(page) + "]," +
                    json.dumps(tail, separators=(",", ":"))[1:])


def sample(pid, stop, peaks):
    postmaster = benchlib.parent_pid(pid)
    before = benchlib.children(postmaster)
    kind = {}
    while not stop.is_set():
        procs = [("backend", pid)]
        for child in benchlib.children(postmaster) - before:
            if child not in kind:
                kind[child] = benchlib.is_worker(child)
            if kind[child]:
                procs.append(("workers", child))
                peaks["workers_seen"].add(child)
        for role, p in procs:
            for k, v in benchlib.status_kb(p).items():
                key = "%s_%s" % (role, k)
                peaks[key] = max(peaks.get(key, 0), v)
        stop.wait(0.02)


def measure(dsn, sql, workers, jit=True):
    conn = psycopg2.connect(dsn, options="" if jit else "-c jit=off")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SET ddb_fdw.max_workers_per_scan = %d" % workers)
    cur.execute("SELECT pg_backend_pid()")
    pid = cur.fetchone()[0]
    peaks, stop = {"workers_seen": set()}, threading.Event()
    t = threading.Thread(target=sample, args=(pid, stop, peaks))
    t.start()
    t0 = time.perf_counter()
    cur.execute(sql)
    secs = time.perf_counter() - t0
    rows = cur.fetchone()[0] if cur.description else None
    time.sleep(0.05)
    stop.set()
    t.join()
    conn.close()
    peaks["workers"] = len(peaks.pop("workers_seen"))
    return rows, secs, peaks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--segments", default="1")
    ap.add_argument("--json")
    ap.add_argument("--jit-off-too", action="store_true")
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(",")]
    t0 = time.perf_counter()
    items_upto(max(sizes))
    print("made %d items in %.1f s" % (max(sizes), time.perf_counter() - t0), file=sys.stderr)
    ThreadingHTTPServer.request_queue_size = 128     # not 5: workers connect at once
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    endpoint = "http://127.0.0.1:%d" % srv.server_address[1]
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION IF NOT EXISTS ddb_fdw")
    cur.execute("DROP SERVER IF EXISTS bench_mem CASCADE")
    cur.execute("CREATE SERVER bench_mem FOREIGN DATA WRAPPER ddb_fdw OPTIONS "
                "(region 'us-east-1', endpoint %s, page_size '1000')", (endpoint,))
    cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER bench_mem "
                "OPTIONS (access_key_id 'AKIDBENCHMEMORY0001', secret_access_key 'x')")
    segment_counts = [int(s) for s in a.segments.split(",")]
    for s in segment_counts:
        cur.execute("CREATE FOREIGN TABLE public.mem_items_s%d (pk text, seq int8, price numeric, "
                    "name text, tags text[], address jsonb, active boolean, item jsonb "
                    "OPTIONS (whole_item 'true')) SERVER bench_mem "
                    "OPTIONS (table_name 'mem_items', partition_key 'pk', segments '%d')" % (s, s))
    print("%-10s %-4s %-13s %9s %8s %14s %14s %14s %14s" % (
        "items", "seg", "what", "rows", "seconds", "backend RssAnon", "backend VmHWM",
        "worker RssAnon", "worker VmHWM"))
    results = []
    runs = [(n, s, what) for n in sizes for s in segment_counts for what in ("scan", "sync")]
    if a.jit_off_too:
        runs.append((max(sizes), segment_counts[0], "sync, jit off"))
    for n, s, what in runs:
        SIZE["n"] = n
        if what == "scan":
            sql = "SELECT count(t) FROM public.mem_items_s%d t" % s
        else:
            sql = "CALL ddb_fdw.sync('public.mem_items_s%d', 'public.mem_copy')" % s
            cur.execute("DROP TABLE IF EXISTS public.mem_copy")
            cur.execute("DELETE FROM ddb_fdw.sync_state WHERE NOT EXISTS "
                        "(SELECT 1 FROM pg_class WHERE oid = target)")
        rows, secs, peaks = measure("", sql, s, jit=what != "sync, jit off")
        if what != "scan":
            cur.execute("SELECT count(*) FROM public.mem_copy")
            rows = cur.fetchone()[0]
        print("%-10d %-4d %-13s %9d %8.1f %11d kB %11d kB %11d kB %11d kB" % (
            n, s, what, rows, secs, peaks.get("backend_RssAnon", 0),
            peaks.get("backend_VmHWM", 0), peaks.get("workers_RssAnon", 0),
            peaks.get("workers_VmHWM", 0)), flush=True)
        r = {"items": n, "segments": s, "what": what, "rows": rows, "seconds": secs}
        r.update(peaks)
        results.append(r)
    cur.execute("DROP TABLE IF EXISTS public.mem_copy")
    cur.execute("DROP SERVER bench_mem CASCADE")
    srv.shutdown()
    benchlib.write_json(a.json, {"kind": "memory", "item_bytes": ITEM_BYTES, "results": results})


if __name__ == "__main__":
    main()
