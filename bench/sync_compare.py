#!/usr/bin/python3
"""Sync throughput: CALL ddb_fdw.sync beside the Python reference pipeline.

Usage: sync_compare.py --endpoint URL [--table bench_items] [--rounds 1]
       [--page-size 1000] [--segments 1,4,8] [--delays 0,20]
       [--cases python-original,python-large,fdw,copy] [--copy-file F]
       [--json FILE]
       (PG from PGHOST/PGPORT/PGUSER/PGDATABASE)

Same table, same endpoint, same machine, rounds interleaved.  With --delays
the endpoint must be bench/replay.py, read through its /delay=d/ path for
each delay d.  Cases:

  python-original  bench/python_sync.py: boto3 parallel scan, 4 segments,
                   Limit=10, psycopg2 upserts (the original connector)
  python-large     the same with Limit=--page-size
  fdw              CALL ddb_fdw.sync into a fresh table, once per --segments
                   count (ddb_fdw.max_workers_per_scan as large)
  copy             limit: COPY of the same rows (the table a sync made,
                   written once to --copy-file, a path the server can write)
                   into a fresh table of the same definition

Reports per case the median seconds and items/s, the ratios to the two
references, CPU microseconds per item (backend and segment workers; for
Python its process and the backends of its connections) and peak RssAnon
of backend and workers.
"""

import argparse
import os
import sys

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--table", default="bench_items")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--page-size", default="1000")
    ap.add_argument("--segments", default="1")
    ap.add_argument("--delays", help="comma-separated ms; the endpoint is bench/replay.py")
    ap.add_argument("--cases", default="python-original,python-large,fdw")
    ap.add_argument("--copy-file", help="server-side file for the copy case")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--expect", type=int, help="every case must read this many items")
    a = ap.parse_args()
    cases = a.cases.split(",")
    segment_counts = [int(s) for s in a.segments.split(",")]
    delays = [int(d) for d in a.delays.split(",")] if a.delays else [None]
    large = int(a.page_size) if a.page_size.isdigit() else 1000
    if "copy" in cases and ("fdw" not in cases or not a.copy_file):
        ap.error("copy needs the fdw case (its rows) and --copy-file")

    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION IF NOT EXISTS ddb_fdw")
    cur.execute("SET ddb_fdw.max_workers_per_scan = %d" % max(segment_counts))
    cur.execute("SELECT pg_backend_pid()")
    backend = cur.fetchone()[0]
    endpoints = {}
    for d in delays:
        name = "bench_sync" if d is None else "bench_sync_d%d" % d
        endpoints[d] = a.endpoint if d is None else benchlib.delayed(a.endpoint, d)
        benchlib.create_server(cur, name, endpoints[d], ", page_size '%d'" % int(a.page_size),
                               "AKIDBENCHSYNC000001", "x")
        for s in segment_counts:
            cur.execute("""CREATE FOREIGN TABLE %s.items_s%d (
                pk text NOT NULL, item jsonb OPTIONS (whole_item 'true'))
                SERVER %s OPTIONS (table_name %%s, partition_key 'pk', segments '%d')"""
                        % (name, s, name, s), (a.table,))

    def fresh_target():
        cur.execute("DROP TABLE IF EXISTS public.fdw_copy")
        cur.execute("DELETE FROM ddb_fdw.sync_state WHERE target::text = 'fdw_copy' "
                    "OR NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = target)")

    def fdw(d, s):
        ft = "%s.items_s%d" % ("bench_sync" if d is None else "bench_sync_d%d" % d, s)

        def run():
            fresh_target()
            with benchlib.Meter(backend) as m:
                cur.execute("CALL ddb_fdw.sync('%s', 'public.fdw_copy')" % ft)
            cur.execute("SELECT count(*) FROM public.fdw_copy")
            return m.result(cur.fetchone()[0])
        return run

    def python(limit, d):
        def run():
            with benchlib.Meter(backend, sample=False) as m:
                out = benchlib.run_client(
                    ["/usr/bin/python3", os.path.join(HERE, "python_sync.py"),
                     "--endpoint", endpoints[d], "--table", a.table,
                     "--segments", "4", "--limit", str(limit)])
            n, secs = out["stdout"].split()
            r = m.result(int(n), client=out)
            r["seconds"] = float(secs)      # the script's own timing, start-up excluded
            return r
        return run

    copy_state = {"written": False}

    def copy():
        if not copy_state["written"]:
            cur.execute("COPY public.fdw_copy TO %s", (a.copy_file,))
            copy_state["written"] = True
        cur.execute("DROP TABLE IF EXISTS public.copy_limit")
        cur.execute("CREATE TABLE public.copy_limit (LIKE public.fdw_copy INCLUDING ALL)")
        with benchlib.Meter(backend) as m:
            cur.execute("COPY public.copy_limit FROM %s", (a.copy_file,))
        return m.result(cur.rowcount)

    labels = {"python-original": "Python original: boto3 4 segments Limit=10, psycopg2 upserts",
              "python-large": "Python, large pages: Limit=%d, psycopg2 upserts" % large,
              "fdw": "CALL ddb_fdw.sync, page_size %s" % a.page_size,
              "copy": "limit: COPY of the same rows"}
    plan = []
    for d in delays:
        for case in cases:
            if case == "python-original":
                plan.append((case, d, 4, python(10, d)))
            elif case == "python-large":
                plan.append((case, d, 4, python(large, d)))
            elif case == "fdw":
                for s in segment_counts:
                    plan.append((case, d, s, fdw(d, s)))
            elif case == "copy":
                if d == delays[0]:
                    plan.append((case, None, 1, copy))
            else:
                ap.error("unknown case %s" % case)
    # the copy limit needs a sync's rows: after the first fdw run
    plan.sort(key=lambda p: p[0] == "copy")

    results = benchlib.run_plan(plan, a.rounds, a.expect, labels)

    def ref(case, d):
        for m in results:
            if m["case"] == case and (m["delay_ms"] == d or d is None):
                return m
        return None

    refs = [c for c in ("python-original", "python-large") if c in cases]
    print("| pipeline | delay ms | segments | items | median s | items/s | %s | CPU us/item | peak RSS backend / workers MB |"
          % " | ".join("vs " + r for r in refs))
    print("| --- | ---: | ---: | ---: | ---: | ---: | %s | ---: | ---: |" % " | ".join("---:" for _ in refs))
    for m in results:
        ratios = []
        for rc in refs:
            rm = ref(rc, m["delay_ms"]) if m["case"] != "copy" else None
            ratios.append("%.1fx" % (rm["seconds"] / m["seconds"]) if rm else "")
        rss = ("%.1f / %.1f" % (m["rss_backend_kb"] / 1024, m["rss_workers_kb"] / 1024)
               if m.get("rss_backend_kb") else "")
        print("| %s | %s | %d | %d | %.2f | %s | %s | %.1f | %s |" % (
            m["label"], "-" if m["delay_ms"] is None else m["delay_ms"], m["segments"], m["items"],
            m["seconds"], benchlib.fmt_rate(m["items"], m["seconds"]), " | ".join(ratios),
            m["cpu"] * 1e6 / max(m["items"], 1), rss))
    cur.execute("DROP TABLE IF EXISTS public.copy_limit")
    same = None
    if "fdw" in cases and any(c.startswith("python") for c in cases):
        # the same items: the keys of the last ddb_fdw copy and the last Python one
        cur.execute("SELECT count(*) FILTER (WHERE f.pk IS NULL OR p.pk IS NULL), count(*) "
                    "FROM public.fdw_copy f FULL JOIN public.python_copy p USING (pk)")
        differ, total = cur.fetchone()
        same = {"keys": total, "keys_in_one_only": differ}
        print("\nkeys of the ddb_fdw copy and the Python copy: %d, in one only: %d"
              % (total, differ))
        if differ:
            raise SystemExit("the ddb_fdw copy and the Python copy hold different keys")
    benchlib.write_json(a.json, {"kind": "sync", "table": a.table, "page_size": a.page_size,
                                 "rounds": a.rounds, "results": results, "same_keys": same})


if __name__ == "__main__":
    main()
