#!/usr/bin/python3
"""The end of a snapshot: a sync that changes nothing beside one that changes 1%.

Usage: snapshot_compare.py [--items 1000000] [--segments 4] [--rounds 3]
       [--json FILE]   (PG from PGHOST/PGPORT/PGUSER/PGDATABASE)

bench/memory.py's synthetic DynamoDB (in this process) serves N items.  One
sync fills a fresh target; then, in each round, a sync of the same N items
(nothing changed: every row is seen again, none removed) and a sync after 1%
of the items were deleted at the source (every hundredth key: the snapshot's
end removes them) and put back for the next round (the round's next sync
inserts them again).  The time of each sync is the CALL's; the removal
statement's own time and plan come from auto_explain-like EXPLAIN (ANALYZE)
of the same statement on a copy of the situation, printed once.
"""

import argparse
import json
import os
import statistics
import sys
import threading
import time
from http.server import ThreadingHTTPServer

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
import memory  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=1000000)
    ap.add_argument("--segments", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json")
    args = ap.parse_args()

    n = args.items
    memory.items_upto(n)
    memory.SIZE["n"] = n
    ThreadingHTTPServer.request_queue_size = 128
    srv = ThreadingHTTPServer(("127.0.0.1", 0), memory.Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    endpoint = "http://127.0.0.1:%d" % srv.server_address[1]

    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    benchlib.create_server(cur, "bench_snap", endpoint, ", segments '%d'" % args.segments)
    cur.execute("CREATE FOREIGN TABLE public.snap_items (pk text, seq int8, price numeric, "
                "name text, tags text[], address jsonb, active boolean, item jsonb "
                "OPTIONS (whole_item 'true')) SERVER bench_snap "
                "OPTIONS (table_name 'mem_items', partition_key 'pk', page_size '1000')")
    cur.execute("DROP TABLE IF EXISTS public.snap_copy")
    cur.execute("SET ddb_fdw.max_workers_per_scan = %d" % args.segments)
    sync = "CALL ddb_fdw.sync('public.snap_items', 'public.snap_copy')"

    def timed(sql):
        t0 = time.perf_counter()
        cur.execute(sql)
        return time.perf_counter() - t0

    first = timed(sync)
    times = {"no change": [], "1% deleted": []}
    removed = []
    for _ in range(args.rounds):
        memory.SKIP["every"] = 0
        times["no change"].append(timed(sync))
        memory.SKIP["every"] = 100
        times["1% deleted"].append(timed(sync))
        cur.execute("SELECT rows_deleted FROM ddb_fdw.sync_run ORDER BY run_id DESC LIMIT 1")
        removed.append(cur.fetchone()[0])
    memory.SKIP["every"] = 0
    # the removal statement as the sync runs it, on the state after a
    # no-change snapshot (a transaction rolled back)
    cur.execute("SELECT max(_ddb_snapshot) FROM public.snap_copy")
    snap = cur.fetchone()[0]
    cur.execute("BEGIN")
    cur.execute("SET LOCAL jit = off")
    cur.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) DELETE FROM public.snap_copy "
                "WHERE (_ddb_snapshot IS NULL OR _ddb_snapshot OPERATOR(pg_catalog.<>) %s)", (snap,))
    plan = [r[0] for r in cur.fetchall()]
    cur.execute("ROLLBACK")
    cur.execute("DROP SERVER bench_snap CASCADE")
    cur.execute("DROP SCHEMA bench_snap CASCADE")
    cur.execute("DELETE FROM ddb_fdw.sync_state WHERE target = 'public.snap_copy'::regclass")
    cur.execute("DROP TABLE public.snap_copy")

    med = {k: statistics.median(v) for k, v in times.items()}
    doc = {"items": n, "segments": args.segments, "rounds": args.rounds,
           "first_sync_s": first, "times": times, "median": med,
           "rows_removed": removed, "ratio": med["1% deleted"] / med["no change"],
           "removal_plan": plan}
    print("| sync of %d items, %d segments | median s (runs) | rows removed |" % (n, args.segments))
    print("| --- | ---: | ---: |")
    print("| first (fresh target) | %.2f | |" % first)
    for k in ("no change", "1% deleted"):
        print("| %s | %.2f (%s) | %s |" % (k, med[k], ", ".join("%.2f" % x for x in times[k]),
                                         ", ".join(str(r) for r in removed) if k != "no change" else "0"))
    print("\n1%% deleted / no change: %.2fx\n" % doc["ratio"])
    print("```\n" + "\n".join(plan) + "\n```")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1)


if __name__ == "__main__":
    main()
