#!/usr/bin/python3
"""Segmented parallel scans: one segment beside several, with added latency.

Usage: parallel_compare.py (--gateway URL [--delay-ms 20] | --endpoint URL)
       [--table bench_items] [--rounds 3] [--warmup 0] [--segments 1,8]
       [--page-size 1000] [--workers 8]
       (PostgreSQL from PGHOST/PGPORT/PGUSER/PGDATABASE; the keys the
       gateway knows from DDB_TEST_ACCESS_KEY and DDB_TEST_SECRET_KEY)

With --gateway, every DynamoDB answer goes through the test gateway, which
holds it back --delay-ms milliseconds (as real DynamoDB takes tens of
milliseconds a page).  With --endpoint, the endpoint is used as it is: for
instance bench/replay.py, which adds the delay itself and serves recorded
answers without the emulator's CPU cost (--warmup rounds record them).
For each segment count, interleaved over the rounds:

  scan   SELECT sum(length(item::text)) over the whole table (every item
         decoded and handed to the executor)
  sync   CALL ddb_fdw.sync into a fresh table

Reports the median seconds and items/s of each, and each case's speed-up
over the first segment count.
"""

import argparse
import os
import statistics
import time

import psycopg2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gateway")
    ap.add_argument("--endpoint")
    ap.add_argument("--warmup", type=int, default=0)
    ap.add_argument("--table", default="bench_items")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--delay-ms", type=int, default=20)
    ap.add_argument("--segments", default="1,8")
    ap.add_argument("--page-size", default="1000")
    ap.add_argument("--workers", type=int, default=8)
    a = ap.parse_args()
    counts = [int(s) for s in a.segments.split(",")]
    if a.endpoint:
        endpoint = a.endpoint
    else:
        endpoint = "%s/fault/delay=%d/" % (a.gateway.rstrip("/"), a.delay_ms)

    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION IF NOT EXISTS ddb_fdw")
    cur.execute("DROP SERVER IF EXISTS bench_par CASCADE")
    cur.execute("CREATE SERVER bench_par FOREIGN DATA WRAPPER ddb_fdw "
                "OPTIONS (region 'us-east-1', endpoint %s, page_size %s)",
                (endpoint, a.page_size))
    cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER bench_par "
                "OPTIONS (access_key_id %s, secret_access_key %s)",
                (os.environ["DDB_TEST_ACCESS_KEY"], os.environ["DDB_TEST_SECRET_KEY"]))
    cur.execute("DROP SCHEMA IF EXISTS bench_par CASCADE")
    cur.execute("CREATE SCHEMA bench_par")
    cur.execute("IMPORT FOREIGN SCHEMA x LIMIT TO (%s) FROM SERVER bench_par INTO bench_par"
                % a.table)
    cur.execute("SET ddb_fdw.max_workers_per_scan = %d" % a.workers)
    ft = "bench_par.%s" % a.table

    def set_segments(n):
        cur.execute("ALTER FOREIGN TABLE %s OPTIONS (%s segments '%d')"
                    % (ft, "SET" if set_segments.done else "ADD", n))
        set_segments.done = True
    set_segments.done = False

    def scan():
        t0 = time.perf_counter()
        cur.execute("SELECT count(*), sum(length(item::text)) FROM %s" % ft)
        n = cur.fetchone()[0]
        return n, time.perf_counter() - t0

    def sync():
        cur.execute("DROP TABLE IF EXISTS public.bench_par_copy")
        cur.execute("DELETE FROM ddb_fdw.sync_state WHERE target::text = 'bench_par_copy' "
                    "OR NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = target)")
        t0 = time.perf_counter()
        cur.execute("CALL ddb_fdw.sync('%s', 'public.bench_par_copy')" % ft)
        t = time.perf_counter() - t0
        cur.execute("SELECT count(*) FROM public.bench_par_copy")
        return cur.fetchone()[0], t

    times = {}
    items = {}
    for r in range(a.warmup + a.rounds):
        label = "warm-up" if r < a.warmup else "round %d" % (r - a.warmup + 1)
        for kind, fn in (("scan", scan), ("sync", sync)):
            for n in counts:
                set_segments(n)
                got, secs = fn()
                print("%-8s %-4s segments=%-3d %8d items %7.2f s" % (label, kind, n, got, secs),
                      flush=True)
                if r < a.warmup:
                    continue
                items.setdefault((kind, n), set()).add(got)
                times.setdefault((kind, n), []).append(secs)

    print()
    print("%s, page_size %s, ddb_fdw.max_workers_per_scan %d, median of %d rounds"
          % ("endpoint " + a.endpoint if a.endpoint else
             "%d ms added to every answer by the gateway" % a.delay_ms,
             a.page_size, a.workers, a.rounds))
    print("| case | segments | items | seconds | items/s | speed-up |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for kind in ("scan", "sync"):
        base = statistics.median(times[(kind, counts[0])])
        for n in counts:
            med = statistics.median(times[(kind, n)])
            got = ",".join(str(i) for i in sorted(items[(kind, n)]))
            print("| %s | %d | %s | %.2f | %.0f | %.2fx |"
                  % (kind, n, got, med, max(items[(kind, n)]) / med, base / med))
    cur.execute("DROP TABLE IF EXISTS public.bench_par_copy")
    cur.execute("DROP SCHEMA bench_par CASCADE")
    cur.execute("DROP SERVER bench_par CASCADE")


if __name__ == "__main__":
    main()
