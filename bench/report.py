#!/usr/bin/python3
"""Builds bench/results.md (and prints it) from a make bench run's results.

Usage: report.py --dir RESULTS_DIR --out bench/results.md

RESULTS_DIR holds what bench/run.sh wrote: settings.json, machine.txt,
scan.json, sync.json, lookups.json, memory.json (scan_compare.py,
sync_compare.py, lookup_latency.py --rate and memory.py with --json), and
the replay server's record.json.  Every figure is a median over the rounds;
every ratio is taken against a reference measured in the same script run,
rounds interleaved.
"""

import argparse
import json
import os

import write_report

# The configuration the targets are judged on: 4 segments is what
# segments 'auto' picks for these tables (never fewer than
# ddb_fdw.max_workers_per_scan, 4) and what the Python reference uses.
TARGET_SEGMENTS = 4


def load(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def us(m, key="cpu"):
    return m.get(key, 0) * 1e6 / max(m["items"], 1)


def rate(m):
    return m["items"] / m["seconds"] if m["seconds"] > 0 else 0


def mb(kb):
    return "%.1f" % (kb / 1024.0)


def cpu_cell(m):
    """CPU us/item, split into its parts."""
    parts = []
    if m.get("cpu_backend"):
        parts.append("%.1f backend" % us(m, "cpu_backend"))
    if m.get("cpu_children"):
        parts.append("%.1f %s" % (us(m, "cpu_children"),
                                  "workers" if m["case"] not in ("python-original", "python-large")
                                  else "its backends"))
    if m.get("cpu_client"):
        parts.append("%.1f %s" % (us(m, "cpu_client"),
                                  "client" if m["case"] not in ("curl", "jsonc") else "process"))
    total = "%.1f" % us(m)
    return total + (" (" + " + ".join(parts) + ")" if len(parts) > 1 else "")


def rss_cell(m):
    out = []
    if m.get("rss_backend_kb"):
        out.append("%s backend" % mb(m["rss_backend_kb"]))
    if m.get("rss_workers_kb"):
        out.append("%s each worker" % mb(m["rss_workers_kb"]))
    if m.get("rss_client_kb"):
        out.append("%s client" % mb(m["rss_client_kb"]))
    return ", ".join(out)


def find(results, **kw):
    for m in results or []:
        if all(m.get(k) == v for k, v in kw.items()):
            return m
    return None


def runs_cell(m):
    return ", ".join("%.3g" % s for s in m.get("runs_seconds", []))


def scan_tables(doc, out):
    res = doc["results"]
    delays = sorted({m["delay_ms"] for m in res if m["delay_ms"] is not None})
    limits = [m for m in (find(res, case="jsonc"), find(res, case="jsonae")) if m]
    for d in delays:
        orig = find(res, case="python-original", delay_ms=d)
        large = find(res, case="python-large", delay_ms=d)
        out.append("")
        out.append("**%d ms per request**" % d)
        out.append("")
        out.append("| case | segments | median s (runs) | items/s | vs original | vs large pages | CPU us/item | peak RSS MB |")
        out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for m in [x for x in res if x["delay_ms"] == d] + (limits if d == delays[0] else []):
            lim = m["case"] in ("jsonc", "jsonae")
            vo = "%.1fx" % (orig["seconds"] / m["seconds"]) if orig and not lim else ""
            vl = "%.1fx" % (large["seconds"] / m["seconds"]) if large and not lim else ""
            out.append("| %s | %d | %.3f (%s) | %.0f | %s | %s | %s | %s |" % (
                m["label"], m["segments"], m["seconds"], runs_cell(m), rate(m), vo, vl,
                cpu_cell(m), rss_cell(m)))


def sync_tables(doc, out):
    res = doc["results"]
    delays = sorted({m["delay_ms"] for m in res if m["delay_ms"] is not None})
    copy = find(res, case="copy")
    for d in delays:
        orig = find(res, case="python-original", delay_ms=d)
        large = find(res, case="python-large", delay_ms=d)
        out.append("")
        out.append("**%d ms per request**" % d)
        out.append("")
        out.append("| pipeline | segments | median s (runs) | items/s | vs original | vs large pages | vs COPY | CPU us/item | peak RSS MB |")
        out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for m in [x for x in res if x["delay_ms"] == d] + ([copy] if copy and d == delays[0] else []):
            vo = "%.1fx" % (orig["seconds"] / m["seconds"]) if orig and m["case"] != "copy" else ""
            vl = "%.1fx" % (large["seconds"] / m["seconds"]) if large and m["case"] != "copy" else ""
            vc = ("%.2fx the time" % (m["seconds"] / copy["seconds"])
                  if copy and m["case"] == "fdw" else "")
            out.append("| %s | %d | %.2f (%s) | %.0f | %s | %s | %s | %s | %s |" % (
                m["label"], m["segments"], m["seconds"], runs_cell(m), rate(m), vo, vl, vc,
                cpu_cell(m), rss_cell(m)))


def lookup_table(doc, out):
    res = doc["results"]
    out.append("")
    out.append("| lookups | delay ms | keys | median s (runs) | lookups/s | vs boto3 | CPU us/lookup |")
    out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for m in res:
        ref = [x for x in res if x["delay_ms"] == m["delay_ms"] and x["operation"] == m["operation"]
               and x["case"].startswith("boto3")][0]
        parts = ""
        if m.get("cpu_backend"):
            parts = " (%.1f backend + %.1f client)" % (us(m, "cpu_backend"), us(m, "cpu_client"))
        out.append("| %s | %d | %d | %.3f (%s) | %.0f | %.2fx | %.1f%s |" % (
            m["case"], m["delay_ms"], m["items"], m["seconds"], runs_cell(m), rate(m),
            rate(m) / rate(ref), us(m), parts))


def memory_table(doc, out):
    out.append("")
    out.append("| items | segments | what | rows | seconds | backend peak RssAnon MB | backend VmHWM MB | worker peak RssAnon MB | worker VmHWM MB |")
    out.append("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for m in doc["results"]:
        out.append("| %d | %d | %s | %d | %.1f | %s | %s | %s | %s |" % (
            m["items"], m["segments"], m["what"], m["rows"], m["seconds"],
            mb(m.get("backend_RssAnon", 0)), mb(m.get("backend_VmHWM", 0)),
            mb(m.get("workers_RssAnon", 0)) if m["segments"] > 1 else "-",
            mb(m.get("workers_VmHWM", 0)) if m["segments"] > 1 else "-"))


def local_table(doc, out):
    res = doc["results"]
    out.append("")
    out.append("| case | segments | median s (runs) | items/s | vs raw scan | CPU us/item |")
    out.append("| --- | ---: | ---: | ---: | ---: | ---: |")
    for m in res:
        raw = find(res, case="raw", segments=m["segments"])
        ratio = ("%.2fx the time" % (m["seconds"] / raw["seconds"])
                 if raw and m["case"] != "raw" else "")
        out.append("| %s | %d | %.2f (%s) | %.0f | %s | %s |" % (
            m["label"], m["segments"], m["seconds"], runs_cell(m), rate(m), ratio, cpu_cell(m)))


def targets(scan, sync, memory, out, local=None, snapshot=None):
    """Rows of the targets table: (target, figure, reference, ratio, met)."""
    rows = []
    if local:
        res = local["results"]
        for s_ in sorted({m["segments"] for m in res}):
            f = find(res, case="sync", segments=s_)
            raw = find(res, case="raw", segments=s_)
            if f and raw:
                r = f["seconds"] / raw["seconds"]
                rows.append(("sync on DynamoDB Local within 1.5x of the raw signed scan (%d segment%s)"
                             % (s_, "s" if s_ > 1 else ""),
                             "ddb_fdw.sync: %.2f s" % f["seconds"], "raw scan: %.2f s" % raw["seconds"],
                             "%.2fx the time" % r, r <= 1.5))
    if snapshot:
        r = snapshot["ratio"]
        seq = any("Seq Scan" in line for line in snapshot["removal_plan"])
        rows.append(("a snapshot deleting 1%% of a %s-row target within 2x of one that changes nothing"
                     % "{:,}".format(snapshot["items"]),
                     "1%% deleted: %.2f s" % snapshot["median"]["1% deleted"],
                     "no change: %.2f s" % snapshot["median"]["no change"], "%.2fx the time" % r, r <= 2))
        rows.append(("no sequential scan of the target in the removal's plan",
                     "Seq Scan" if seq else "no Seq Scan", "(see The end of a snapshot)", "",
                     not seq))
    s = TARGET_SEGMENTS
    if sync:
        res = sync["results"]
        for d in sorted({m["delay_ms"] for m in res if m["delay_ms"] is not None}):
            fdw = find(res, case="fdw", delay_ms=d, segments=s)
            orig = find(res, case="python-original", delay_ms=d)
            large = find(res, case="python-large", delay_ms=d)
            if fdw and orig:
                r = orig["seconds"] / fdw["seconds"]
                rows.append(("sync >= 20x faster than the original approach (%d ms)" % d,
                             "ddb_fdw.sync, %d segments: %.2f s" % (s, fdw["seconds"]),
                             "Python, Limit=10: %.2f s" % orig["seconds"], "%.1fx" % r, r >= 20))
            if fdw and large:
                r = large["seconds"] / fdw["seconds"]
                rows.append(("sync >= 3x faster than the large-page Python reference (%d ms)" % d,
                             "ddb_fdw.sync, %d segments: %.2f s" % (s, fdw["seconds"]),
                             "Python, large pages: %.2f s" % large["seconds"], "%.1fx" % r, r >= 3))
        copy = find(res, case="copy")
        d0 = min((m["delay_ms"] for m in res if m["delay_ms"] is not None), default=None)
        fdw = find(res, case="fdw", delay_ms=d0, segments=s)
        if copy and fdw:
            r = fdw["seconds"] / copy["seconds"]
            rows.append(("sync within 1.1x of COPY of the same rows",
                         "ddb_fdw.sync, %d segments, %d ms: %.2f s" % (s, d0, fdw["seconds"]),
                         "COPY: %.2f s" % copy["seconds"], "%.2fx the time" % r, r <= 1.1))
        for d in sorted({m["delay_ms"] for m in res if m["delay_ms"] is not None}):
            f4 = find(res, case="fdw", delay_ms=d, segments=4)
            f8 = find(res, case="fdw", delay_ms=d, segments=8)
            if f4 and f8:
                r = f4["seconds"] / f8["seconds"]
                rows.append(("sync: 8 segments faster than 4 (%d ms)" % d,
                             "8 segments: %.2f s" % f8["seconds"], "4 segments: %.2f s" % f4["seconds"],
                             "%.2fx" % r, r > 1.0))
    if scan:
        res = scan["results"]
        for case, what in (("whole", "SELECT count(t)"), ("count", "SELECT count(*)")):
            m = find(res, case=case, delay_ms=20, segments=1)
            c = find(res, case="curl", delay_ms=20, segments=1)
            if m and c:
                r = m["seconds"] / c["seconds"]
                rows.append(("1 segment at 20 ms within 1.1x of curl fetching the same pages (%s)" % what,
                             "%s, 1 segment: %.3f s" % (what, m["seconds"]),
                             "curl: %.3f s" % c["seconds"], "%.2fx the time" % r, r <= 1.1))
        jae = find(res, case="jsonae")
        whole0 = find(res, case="whole", delay_ms=0, segments=1)
        if jae and whole0:
            r = whole0["seconds"] / jae["seconds"]
            rows.append(("full scan within 1.5x of json_array_elements over the same bytes (0 ms)",
                         "SELECT count(t), 1 segment: %.3f s (%.0f items/s)" % (whole0["seconds"], rate(whole0)),
                         "json_array_elements: %.3f s (%.0f items/s)" % (jae["seconds"], rate(jae)),
                         "%.2fx the time" % r, r <= 1.5))
        jsonc = find(res, case="jsonc")
        d0 = min((m["delay_ms"] for m in res if m["delay_ms"] is not None), default=None)
        whole = find(res, case="whole", delay_ms=d0, segments=1)
        curl = find(res, case="curl", delay_ms=d0, segments=1)
        if jsonc and whole:
            r = us(whole) / us(jsonc)
            rows.append(("full-scan decode cost within 1.5x of json-c parse-only",
                         "SELECT count(t), 1 segment, %d ms: %.2f us/item backend CPU (all of it: "
                         "HTTP, CRC, decoding, executor)" % (d0, us(whole)),
                         "json-c parse: %.2f us/item" % us(jsonc), "%.2fx the CPU" % r, r <= 1.5))
            if curl:
                r2 = (us(whole) - us(curl)) / us(jsonc)
                rows.append(("(the same, less what curl spends fetching the pages)",
                             "%.2f - %.2f us/item" % (us(whole), us(curl)),
                             "json-c parse: %.2f us/item" % us(jsonc), "%.2fx the CPU" % r2,
                             r2 <= 1.5))
    if memory:
        res = memory["results"]
        sizes = sorted({m["items"] for m in res})
        if len(sizes) >= 2:
            lo, hi = sizes[0], sizes[-1]
            for m_hi in [m for m in res if m["items"] == hi]:
                m_lo = find(res, items=lo, segments=m_hi["segments"], what=m_hi["what"])
                if not m_lo:
                    continue
                roles = ["backend"] + (["workers"] if m_hi["segments"] > 1 else [])
                for role in roles:
                    a, b = m_lo.get(role + "_RssAnon", 0), m_hi.get(role + "_RssAnon", 0)
                    rows.append(("%s peak RSS flat within 10 MB, %s to %s items (%s, %d segment%s)"
                                 % ("backend" if role == "backend" else "worker",
                                    "{:,}".format(lo), "{:,}".format(hi), m_hi["what"],
                                    m_hi["segments"], "s" if m_hi["segments"] > 1 else ""),
                                 "%s MB at %s" % (mb(b), "{:,}".format(hi)),
                                 "%s MB at %s" % (mb(a), "{:,}".format(lo)),
                                 "%+.1f MB" % ((b - a) / 1024.0), (b - a) <= 10 * 1024))
    out.append("| target | figure | reference | ratio | met |")
    out.append("| --- | --- | --- | ---: | --- |")
    for t, f, ref, r, ok in rows:
        out.append("| %s | %s | %s | %s | %s |" % (t, f, ref, r, "yes" if ok else "**no**"))
    return rows


def worker_crosscheck(*docs):
    sampled = reaped = 0.0
    for doc in docs:
        for m in (doc or {}).get("results", []):
            if m.get("workers") and m.get("cpu_children"):
                sampled += m.get("cpu_workers_sampled", 0)
                reaped += m["cpu_children"]
    return "%.0f%%" % (100.0 * sampled / reaped) if reaped else "n/a"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    st = load(os.path.join(a.dir, "settings.json")) or {}
    scan = load(os.path.join(a.dir, "scan.json"))
    sync = load(os.path.join(a.dir, "sync.json"))
    lookups = load(os.path.join(a.dir, "lookups.json"))
    memory = load(os.path.join(a.dir, "memory.json"))
    local = load(os.path.join(a.dir, "local.json"))
    snapshot = load(os.path.join(a.dir, "snapshot.json"))
    record = load(os.path.join(a.dir, "record.json")) or {}
    machine = open(os.path.join(a.dir, "machine.txt")).read().rstrip() \
        if os.path.exists(os.path.join(a.dir, "machine.txt")) else ""

    out = ["# ddb_fdw benchmark results", ""]
    rounds = st.get("rounds", 0)
    out.append("Written by `make bench` (bench/run.sh) on %s: %s items, %s, page size %s, "
               "segments %s, latencies %s ms%s. `make bench` took %s (%s)."
               % (st.get("date", "?"), "{:,}".format(st.get("items", 0)),
                  "median of %d rounds" % rounds if rounds > 1 else "1 round",
                  st.get("page_size", "?"), st.get("segments", "?"), st.get("delays", "?"),
                  " (quick mode)" if st.get("quick") else "",
                  st.get("elapsed", "?"),
                  ", ".join("%s %d s" % kv for kv in st.get("phases_seconds", {}).items())))
    if st.get("shared_note"):
        out.append("")
        out.append("**The machine was shared while this ran:** %s" % st["shared_note"])
    out.append("")
    out.append("## Targets")
    out.append("")
    out.append("Judged on %d segments (what `segments 'auto'` picks for this table, and the "
               "Python reference's TotalSegments); figures, not assertions." % TARGET_SEGMENTS)
    out.append("")
    targets(scan, sync, memory, out, local, snapshot)
    if os.path.exists(os.path.join(os.path.dirname(os.path.abspath(a.out)),
                                   "results-items-per-second.svg")):
        out.append("")
        out.append("Chart of every case's items/s: [results-items-per-second.svg]"
                   "(results-items-per-second.svg) (bench/plot.py).")
    if scan:
        out.append("")
        out.append("## Full scan")
        out.append("")
        out.append("Every case reads the same recorded pages (page size %s) from the replay "
                   "server; the Python references deserialize each item with boto3 and encode it as "
                   "JSON, without writing anything. CPU: backend + segment workers for ddb_fdw, the "
                   "process for the others." % scan.get("page_size"))
        scan_tables(scan, out)
    if sync:
        out.append("")
        out.append("## Sync into a local table")
        out.append("")
        out.append("Into a fresh table each time. CPU for Python: its process and the PostgreSQL "
                   "backends of its connections; for ddb_fdw: the backend and its segment workers.")
        sync_tables(sync, out)
    if lookups:
        out.append("")
        out.append("## Key lookups")
        out.append("")
        out.append("One lookup after another from one client (psycopg2 for ddb_fdw, boto3 for the "
                   "reference), the same random keys; BatchGetItem rows read 100 keys a request.")
        lookup_table(lookups, out)
    if local:
        out.append("")
        out.append("## DynamoDB Local")
        out.append("")
        out.append("Against the emulator itself (no replay server): table %s, %s items, page size %s. "
                   "The reference is the emulator's raw signed scan: SigV4-signed Scan requests "
                   "(botocore's signer) over keep-alive connections, one per segment, each answer "
                   "read whole and only its LastEvaluatedKey taken (bench/local_compare.py). The "
                   "emulator, PostgreSQL and the client share the two cores."
                   % (local.get("table"), "{:,}".format(local.get("items") or 0), local.get("page_size")))
        local_table(local, out)
    if snapshot:
        out.append("")
        out.append("## The end of a snapshot")
        out.append("")
        out.append("bench/snapshot_compare.py: bench/memory.py's synthetic DynamoDB serves %s items "
                   "to a sync with %d segments into a target it filled before; a sync that changes "
                   "nothing beside one after 1%% of the items were deleted at the source (each "
                   "round puts them back). The sync's last statement removes the rows the snapshot "
                   "did not see; its plan on the target after a no-change snapshot:"
                   % ("{:,}".format(snapshot["items"]), snapshot["segments"]))
        out.append("")
        out.append("| sync | median s (runs) | rows removed |")
        out.append("| --- | ---: | ---: |")
        out.append("| first, into an empty target | %.2f | 0 |" % snapshot["first_sync_s"])
        for k in ("no change", "1% deleted"):
            out.append("| %s | %.2f (%s) | %s |" % (
                k, snapshot["median"][k], ", ".join("%.3g" % x for x in snapshot["times"][k]),
                "0" if k == "no change" else ", ".join(str(r) for r in snapshot["rows_removed"])))
        out.append("")
        out.append("```")
        out.extend(snapshot["removal_plan"])
        out.append("```")
    if memory:
        out.append("")
        sizes = sorted({m["items"] for m in memory["results"]})
        out.append("## Memory: %s items" % " to ".join("{:,}".format(n) for n in sizes))
        out.append("")
        out.append("bench/memory.py: a synthetic in-process DynamoDB serving bench/load.py's items "
                   "(every type) for any N; a fresh backend per row, sampled every 20 ms. RssAnon is "
                   "private memory (what a leak grows); VmHWM also counts shared buffers touched. "
                   "A sync ends with a DELETE of the rows its snapshot did not see, a scan of the "
                   "whole target; it runs without JIT (which would map libLLVM into the backend, "
                   "several MB of RssAnon) -- the `sync, jit off` row is the same sync with `jit = off` "
                   "for the whole session, for comparison.")
        memory_table(memory, out)
    writes = load(os.path.join(a.dir, "writes.json"))
    if writes:
        # bench/write_report.py renders its own section
        out.append("")
        out.extend(write_report.markdown(writes))
    out.append("")
    out.append("## Machine")
    out.append("")
    out.append("```")
    out.append(machine)
    out.append("```")
    out.append("")
    out.append("## Method")
    out.append("")
    out.append("""* Data: `bench/load.py`, %s deterministic items of about 400 bytes (about 540 bytes of
  DynamoDB JSON) with every type (S, N, B, BOOL, NULL, M, L, SS, NS, BS), loaded into
  DynamoDB Local.
* Replay: `bench/replay.py` recorded every page once from DynamoDB Local (%s) and serves it
  from memory, keyed by (table, segment, total segments, start key, Limit), with the delay
  chosen by the request's path (`/delay=20/`). Every client gets the bytes DynamoDB Local gave
  for that page (checked: %s); ddb_fdw's projections are not forwarded, so all cases read the
  same bytes.
* Python references: `bench/python_sync.py`, the original connector's approach: boto3 parallel
  scan with TotalSegments=4 and Limit=10, TypeDeserializer, json.dumps, psycopg2
  `execute_values` upserts committed per page; and the same with Limit=%s. Their time is the
  script's own (interpreter start-up excluded); their CPU includes start-up.
* ddb_fdw: `page_size '%s'` (the same pages as the large-page reference), `segments` %s with
  `ddb_fdw.max_workers_per_scan` as large; a scan of several segments runs in segment workers
  (the query's backend only collects their rows; a sync's backend also writes them).
* CPU time: utime+stime from /proc/<pid>/stat of the backend before and after, plus the
  postmaster's cutime+cstime (children it reaped during the run: the segment workers, or the
  backends of the Python reference's connections); autovacuum is off. Peak RSS: RssAnon
  sampled every 20 ms (backend and each worker); clients' ru_maxrss.
* Limits: curl fetching the recorded pages (`-K` config, `--parallel` over the segments, output
  discarded); `bench/jsonc_parse` (json-c's `json_tokener_parse_ex` over the same bytes, CPU
  time of the parse alone, freeing the trees not counted); `COPY ... FROM` a file of the rows
  a sync wrote, into a table of the same definition (primary key included).
* Same results: every case of every round read all %s items (checked); the last ddb_fdw
  copy and the last Python copy hold the same keys (%s).
* Cross-check of the workers' CPU: the last /proc/<pid>/stat sample of each worker adds up to
  %s of the reaped figure over the runs with workers (sampling misses each worker's last
  20 ms at most).
* The medians hide the spread: each cell lists its runs.""" % (
        "{:,}".format(st.get("items", 0)),
        ", ".join("%s: %s pages in %s s" % (k, v.get("pages"), v.get("seconds"))
                  for k, v in record.get("recorded", {}).items()) or "?",
        record.get("verified", "?"), st.get("page_size"), st.get("page_size"),
        st.get("segments", "?").replace(",", ", "),
        "{:,}".format(st.get("items", 0)),
        ("%s keys, %s in one only" % ("{:,}".format(sync["same_keys"]["keys"]),
                                       sync["same_keys"]["keys_in_one_only"]))
        if sync and sync.get("same_keys") else "not checked",
        worker_crosscheck(scan, sync)))
    out.append("")
    out.append("## Reproduce")
    out.append("")
    out.append("```sh")
    out.append(st.get("command", "make bench"))
    out.append("```")
    out.append("")
    out.append("Step by step, against services of your own (see bench/run.sh for the exact "
               "arguments, and the logs under `.run/latest/bench/`):")
    out.append("")
    out.append("```sh")
    for c in st.get("steps", []):
        out.append(c)
    out.append("```")
    text = "\n".join(out) + "\n"
    with open(a.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
