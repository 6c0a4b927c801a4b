#!/usr/bin/python3
"""Sync throughput: CALL ddb_fdw.sync beside the Python reference pipeline.

Usage: sync_compare.py --endpoint URL [--table bench_items] [--rounds 1]
       [--page-size 1000] (PG from PGHOST/PGPORT/PGUSER/PGDATABASE)

Same table, same endpoint, same machine, rounds interleaved.  Reports the
median seconds and items/s of each and the ratio to the original approach.
"""

import argparse
import os
import statistics
import subprocess
import time

import psycopg2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--table", default="bench_items")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--page-size", default="1000")
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION IF NOT EXISTS ddb_fdw")
    cur.execute("DROP SERVER IF EXISTS bench_sync CASCADE")
    cur.execute("CREATE SERVER bench_sync FOREIGN DATA WRAPPER ddb_fdw "
                "OPTIONS (region 'us-east-1', endpoint %s, page_size %s)", (a.endpoint, a.page_size))
    cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER bench_sync "
                "OPTIONS (access_key_id 'AKIDBENCHSYNC000001', secret_access_key 'x')")
    cur.execute("DROP SCHEMA IF EXISTS bench_sync CASCADE")
    cur.execute("CREATE SCHEMA bench_sync")
    cur.execute("IMPORT FOREIGN SCHEMA x LIMIT TO (%s) FROM SERVER bench_sync INTO bench_sync" % a.table)

    def fdw():
        cur.execute("DROP TABLE IF EXISTS public.fdw_copy")
        cur.execute("DELETE FROM ddb_fdw.sync_state WHERE target::text = 'fdw_copy' "
                    "OR NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = target)")
        t0 = time.perf_counter()
        cur.execute("CALL ddb_fdw.sync('bench_sync.%s', 'public.fdw_copy')" % a.table)
        t = time.perf_counter() - t0
        cur.execute("SELECT count(*) FROM public.fdw_copy")
        return cur.fetchone()[0], t

    def python(limit):
        def run():
            out = subprocess.run(["/usr/bin/python3", os.path.join(here, "python_sync.py"),
                                  "--endpoint", a.endpoint, "--table", a.table,
                                  "--segments", "4", "--limit", str(limit)],
                                 check=True, capture_output=True, text=True).stdout.split()
            return int(out[0]), float(out[1])
        return run

    cases = [("Python, original (4 segments, Limit=10)", python(10)),
             ("Python, large pages (4 segments, Limit=1000)", python(1000)),
             ("CALL ddb_fdw.sync (1 segment, page_size %s)" % a.page_size, fdw)]
    times = {n: [] for n, _ in cases}
    counts = {}
    for _ in range(a.rounds):
        for name, fn in cases:
            n, t = fn()
            counts[name] = n
            times[name].append(t)
    ref = statistics.median(times[cases[0][0]])
    print("| pipeline | items | median s | items/s | vs original |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, _ in cases:
        med = statistics.median(times[name])
        print("| %s | %d | %.1f | %.0f | %.1fx |" % (name, counts[name], med, counts[name] / med, ref / med))


if __name__ == "__main__":
    main()
