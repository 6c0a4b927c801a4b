#!/usr/bin/python3
"""Full-scan throughput: ddb_fdw beside boto3 and beside the machine's limits.

Usage: scan_compare.py --endpoint URL [--table T] [--page-size N] [--rounds 3]
       [--segments 1,4,8] [--delays 0,20] [--cases LIST] [--jsonc BIN]
       [--jsonc-repeat 1] [--work-dir DIR] [--json FILE]
       (PostgreSQL from PGHOST/PGPORT/PGUSER/PGDATABASE; the ddb_fdw
        extension, servers "bench_*" and user mappings are created here)

Every case reads the same DynamoDB table through the same endpoint with the
same page size (Limit), and the rounds are interleaved so that machine noise
hits all alike.  With --delays the endpoint must be bench/replay.py: each
delay d reads through its /delay=d/ path (every answer held back d ms), and
the limits below read the pages it recorded.  Cases (--cases, comma-separated;
default boto3,count,whole,typed):

  boto3            boto3 client.scan pages, one segment, in this process
  python-original  the original connector's read half: bench/python_sync.py
                   --no-upsert, boto3 parallel scan, 4 segments, Limit=10,
                   items deserialized and encoded as JSON
  python-large     the same with Limit=--page-size
  count            SELECT count(*)
  whole            SELECT count(t): every row decoded (key + jsonb item)
                   into a whole-row value, nothing sent to the client
  select           SELECT * sent to the client (COPY (SELECT *) TO STDOUT,
                   the client discards it)
  typed            SELECT count(t) of a foreign table with 14 typed columns
  curl             limit: curl fetches the same recorded pages and discards
                   them (no decoding), --parallel over the segments
  jsonc            limit: --jsonc BIN parses the same bytes with json-c
                   alone (bench/jsonc_parse.c), CPU time, one segment's pages
  jsonae           yardstick: PostgreSQL's own JSON parser over the same
                   bytes, in a backend -- SELECT count(*) FROM pages,
                   json_array_elements(body::json -> 'Items') over one
                   segment's pages held in a table (text), backend CPU

ddb_fdw cases run once per --segments count (ddb_fdw.max_workers_per_scan
as large), each with its own foreign table.  Reported per case: median
seconds and items/s, the ratio to the references of the same run, CPU
microseconds per item (backend + segment workers; a Python reference's own
process), peak RssAnon of backend and workers.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request

import boto3
import psycopg2
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FDW_CASES = ("count", "whole", "select", "typed")
LABELS = {
    "boto3": "boto3 scan, 1 segment",
    "python-original": "Python original: boto3, 4 segments, Limit=10",
    "python-large": "Python, large pages: boto3, 4 segments, Limit=%s",
    "count": "SELECT count(*)",
    "whole": "SELECT count(t): every row decoded",
    "select": "SELECT * to the client",
    "typed": "SELECT count(t), 14 typed columns",
    "curl": "limit: curl fetch, no decoding",
    "jsonc": "limit: json-c parse only (CPU)",
    "jsonae": "yardstick: json_array_elements over the same bytes",
}


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


def setup(cur, name, endpoint, table, page_size, segment_counts, typed):
    """A server for one endpoint, and per segment count a foreign table
    (and a typed one): <name>.items_s<S>, <name>.typed_s<S>."""
    benchlib.create_server(cur, name, endpoint, ", page_size '%d'" % int(page_size),
                           "AKIDBENCHREADER0001", "bench")
    for s in segment_counts:
        cur.execute("""CREATE FOREIGN TABLE %s.items_s%d (
            pk text NOT NULL, item jsonb OPTIONS (whole_item 'true'))
            SERVER %s OPTIONS (table_name %%s, partition_key 'pk', segments '%d')"""
                    % (name, s, name, s), (table,))
        if typed:
            # the same table with typed columns for every attribute
            cur.execute("""CREATE FOREIGN TABLE %s.typed_s%d (
                pk text, seq int8, price numeric, name text, email text, active boolean,
                note text, blob bytea, address jsonb, history jsonb, tags text[],
                scores numeric[], keys bytea[], created timestamptz)
                SERVER %s OPTIONS (table_name %%s, partition_key 'pk', segments '%d')"""
                        % (name, s, name, s), (table,))


class Sink:
    """A file for copy_expert that keeps nothing but the row count."""

    def __init__(self):
        self.rows = 0

    def write(self, data):
        self.rows += data.count(b"\n") if isinstance(data, bytes) else data.count("\n")
        return len(data)


def control(replay, path):
    with urllib.request.urlopen(replay.rstrip("/") + path, timeout=600) as r:
        return r.read()


def curl_config(pages, endpoint):
    """A curl config fetching every page (request bodies from the replay)."""
    out = []
    for chain in pages:
        for p in chain:
            body = p["request"].replace("\\", "\\\\").replace('"', '\\"')
            out.append('url = "%s"\n'
                       'header = "X-Amz-Target: DynamoDB_20120810.Scan"\n'
                       'header = "Content-Type: application/x-amz-json-1.0"\n'
                       'data-binary = "%s"\n'
                       'output = "/dev/null"\n'
                       'write-out = "%%{http_code}\\n"\n' % (endpoint, body))
    return "next\n".join(out)


def load_pages(cur, bodies):
    """One segment's recorded page bodies ("<length>\\n<bytes>" each) into
    the table bench_pages (body text), for the json_array_elements case."""
    cur.execute("DROP TABLE IF EXISTS bench_pages")
    cur.execute("CREATE TABLE bench_pages (page int, body text)")
    cur.execute("ALTER TABLE bench_pages ALTER body SET STORAGE EXTERNAL")  # no decompression
    pos, page = 0, 0
    while pos < len(bodies):
        nl = bodies.index(b"\n", pos)
        n = int(bodies[pos:nl])
        cur.execute("INSERT INTO bench_pages VALUES (%s, %s)",
                    (page, bodies[nl + 1:nl + 1 + n].decode("utf-8")))
        pos, page = nl + 1 + n, page + 1
    # read once so that the case measures parsing, not the first read
    cur.execute("SELECT count(*) FROM bench_pages WHERE length(body) > 0")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--table", default="bench_items")
    ap.add_argument("--page-size", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--segments", default="1")
    ap.add_argument("--delays", help="comma-separated ms; the endpoint is bench/replay.py")
    ap.add_argument("--cases", default="boto3,count,whole,typed")
    ap.add_argument("--jsonc", help="the json-c parse-only program (bench/jsonc_parse)")
    ap.add_argument("--jsonc-repeat", type=int, default=1, help="passes a round (their median)")
    ap.add_argument("--work-dir", default=tempfile.gettempdir())
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--expect", type=int, help="every case must read this many items")
    a = ap.parse_args()
    cases = a.cases.split(",")
    segment_counts = [int(s) for s in a.segments.split(",")]
    delays = [int(d) for d in a.delays.split(",")] if a.delays else [None]
    if ("curl" in cases or "jsonc" in cases or "jsonae" in cases) and not a.delays:
        ap.error("curl, jsonc and jsonae read the replay server's pages: give --delays")

    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SET ddb_fdw.max_workers_per_scan = %d" % max(segment_counts))
    cur.execute("SELECT pg_backend_pid()")
    backend = cur.fetchone()[0]

    endpoints = {}
    for d in delays:
        name = "bench" if d is None else "bench_d%d" % d
        endpoints[d] = a.endpoint if d is None else benchlib.delayed(a.endpoint, d)
        if any(c in FDW_CASES for c in cases):
            setup(cur, name, endpoints[d], a.table, a.page_size, segment_counts, "typed" in cases)

    # the recorded pages the limits read (replay only)
    page_sets, bodies_file = {}, None
    if "curl" in cases or "jsonc" in cases or "jsonae" in cases:
        for s in segment_counts:
            control(a.endpoint, "/__replay/record?table=%s&segments=%d&limit=%d"
                    % (a.table, s, a.page_size))
            page_sets[s] = json.loads(control(a.endpoint, "/__replay/pages?table=%s&segments=%d&limit=%d"
                                              % (a.table, s, a.page_size)))["segments"]
        if "jsonc" in cases or "jsonae" in cases:
            bodies = control(a.endpoint, "/__replay/bodies?table=%s&segments=1&limit=%d"
                             % (a.table, a.page_size))
            bodies_file = os.path.join(a.work_dir, "bench-pages-%s-s1.bin" % a.table)
            with open(bodies_file, "wb") as f:
                f.write(bodies)
        if "jsonae" in cases:
            load_pages(cur, bodies)

    def sql_case(case, d, s):
        name = "bench" if d is None else "bench_d%d" % d
        ft = "%s.%s_s%d" % (name, "typed" if case == "typed" else "items", s)

        def run():
            with benchlib.Meter(backend) as m:
                if case == "count":
                    cur.execute("SELECT count(*) FROM %s" % ft)
                    n = cur.fetchone()[0]
                elif case == "select":
                    sink = Sink()
                    cur.copy_expert("COPY (SELECT * FROM %s) TO STDOUT" % ft, sink)
                    n = sink.rows
                else:
                    cur.execute("SELECT count(t) FROM %s t" % ft)
                    n = cur.fetchone()[0]
            return m.result(n)
        return run

    def python_case(limit, d):
        def run():
            with benchlib.Meter(backend, sample=False) as m:
                out = benchlib.run_client(
                    ["/usr/bin/python3", os.path.join(HERE, "python_sync.py"), "--no-upsert",
                     "--endpoint", endpoints[d], "--table", a.table,
                     "--segments", "4", "--limit", str(limit)])
            n, secs = out["stdout"].split()
            r = m.result(int(n), client=out)
            r["seconds"] = float(secs)      # the script's own timing, start-up excluded
            return r
        return run

    def boto3_case(d):
        def run():
            c0 = os.times()
            t0 = time.perf_counter()
            n = boto3_scan(endpoints[d], a.table, a.page_size)
            t = time.perf_counter() - t0
            c1 = os.times()
            cpu = (c1.user - c0.user) + (c1.system - c0.system)
            return {"seconds": t, "items": n, "cpu": cpu, "cpu_client": cpu}
        return run

    def curl_case(d, s):
        cfg = os.path.join(a.work_dir, "bench-curl-%s-d%d-s%d.cfg" % (a.table, d, s))
        with open(cfg, "w") as f:
            f.write(curl_config(page_sets[s], endpoints[d]))
        items = sum(p["count"] for chain in page_sets[s] for p in chain)
        pages = sum(len(chain) for chain in page_sets[s])
        argv = ["curl", "-s", "--no-progress-meter"] + (["--parallel", "--parallel-max", str(s)] if s > 1 else []) + ["-K", cfg]

        def run():
            t0 = time.perf_counter()
            out = benchlib.run_client(argv)
            t = time.perf_counter() - t0
            codes = out["stdout"].split()
            if len(codes) != pages or set(codes) != {"200"}:
                raise RuntimeError("curl: %d answers for %d pages: %s"
                                   % (len(codes), pages, sorted(set(codes))))
            return {"seconds": t, "items": items, "cpu": out["cpu"], "cpu_client": out["cpu"],
                    "rss_client_kb": out["maxrss_kb"]}
        return run

    def jsonc_case():
        def run():
            out = benchlib.run_client([a.jsonc, bodies_file, str(a.jsonc_repeat)])
            r = json.loads(out["stdout"])
            # parse only, one thread: its CPU time is its time
            return {"seconds": r["cpu_seconds"], "items": r["items"], "cpu": r["cpu_seconds"],
                    "cpu_free_trees": r["free_cpu_seconds"], "bytes": r["bytes"],
                    "pages": r["pages"]}
        return run

    def jsonae_case():
        def run():
            with benchlib.Meter(backend) as m:
                cur.execute("SELECT count(*) FROM bench_pages, "
                            "json_array_elements(body::json -> 'Items')")
                n = cur.fetchone()[0]
            return m.result(n)
        return run

    # (case, delay, segments) -> run
    plan = []
    for d in delays:
        for case in cases:
            if case == "boto3":
                plan.append((case, d, 1, boto3_case(d)))
            elif case == "python-original":
                plan.append((case, d, 4, python_case(10, d)))
            elif case == "python-large":
                plan.append((case, d, 4, python_case(a.page_size, d)))
            elif case in FDW_CASES:
                for s in segment_counts:
                    plan.append((case, d, s, sql_case(case, d, s)))
            elif case == "curl":
                for s in segment_counts:
                    plan.append((case, d, s, curl_case(d, s)))
            elif case == "jsonc":
                if d == delays[0]:
                    plan.append((case, None, 1, jsonc_case()))
            elif case == "jsonae":
                if d == delays[0]:
                    plan.append((case, None, 1, jsonae_case()))
            else:
                ap.error("unknown case %s" % case)

    results = benchlib.run_plan(plan, a.rounds, a.expect)
    for m in results:
        label = LABELS[m["case"]]
        m["label"] = label % a.page_size if "%" in label else label

    def ref(case, d):
        for m in results:
            if m["case"] == case and m["delay_ms"] == d:
                return m
        return None

    refs = [c for c in ("python-original", "python-large", "boto3") if c in cases]
    print("| case | delay ms | segments | items | median s | items/s | %s | CPU us/item | peak RSS backend / workers MB |"
          % " | ".join("vs " + r for r in refs))
    print("| --- | ---: | ---: | ---: | ---: | ---: | %s | ---: | ---: |" % " | ".join("---:" for _ in refs))
    for m in results:
        ratios = []
        for rc in refs:
            rm = ref(rc, m["delay_ms"])
            ratios.append("%.2fx" % (rm["seconds"] / m["seconds"])
                          if rm and m["case"] not in ("jsonc", "jsonae") else "")
        rss = ("%.1f / %.1f" % (m.get("rss_backend_kb", 0) / 1024, m.get("rss_workers_kb", 0) / 1024)
               if "rss_backend_kb" in m else "")
        print("| %s | %s | %d | %d | %.3f | %s | %s | %.1f | %s |" % (
            m["label"], "-" if m["delay_ms"] is None else m["delay_ms"], m["segments"], m["items"],
            m["seconds"], benchlib.fmt_rate(m["items"], m["seconds"]), " | ".join(ratios),
            m["cpu"] * 1e6 / max(m["items"], 1), rss))
    benchlib.write_json(a.json, {"kind": "scan", "table": a.table, "page_size": a.page_size,
                                 "rounds": a.rounds, "results": results})


if __name__ == "__main__":
    main()
