"""The writes section of bench/results.md, from bench/write_compare.py's
JSON (also rendered by bench/report.py when make bench wrote writes.json):
the issue's targets judged, a table a statement kind, the machine's load.
"""

LABELS = {
    "fdw-insert": "ddb_fdw INSERT ... SELECT (TransactWriteItems, batch_size 25)",
    "fdw-insert-100": "ddb_fdw INSERT ... SELECT, batch_size 100",
    "boto3-put": "boto3 put_item loop, attribute_not_exists",
    "boto3-put-plain": "boto3 put_item loop, no condition",
    "boto3-batch": "boto3 batch_writer (no key check)",
    "fdw-scan": "ddb_fdw SELECT count(t) of the same rows (scan)",
    "fdw-update": "ddb_fdw UPDATE SET n = n + 1 WHERE pk = $1 (prepared, a row a statement)",
    "boto3-read-write": "boto3 get_item, then update_item SET n = :new IF n = :old",
    "boto3-update": "boto3 update_item SET n = n + :one",
    "fdw-delete": "ddb_fdw DELETE WHERE pk = $1 (prepared, a row a statement)",
    "boto3-delete": "boto3 delete_item loop",
    "boto3-batch-delete": "boto3 batch_writer delete_item",
}
KIND = {"fdw-insert": "insert", "fdw-insert-100": "insert", "boto3-put": "insert",
        "boto3-put-plain": "insert", "boto3-batch": "insert", "fdw-scan": "scan",
        "fdw-update": "update", "boto3-read-write": "update", "boto3-update": "update",
        "fdw-delete": "delete", "boto3-delete": "delete", "boto3-batch-delete": "delete"}
# the operations counted one by one (any other: "other")
OPS = ("PutItem", "BatchWriteItem", "TransactWriteItems", "UpdateItem", "DeleteItem",
       "GetItem", "Scan", "DescribeTable")


def _n(x):
    return "{:,}".format(x)


def _find(res, case, d):
    for m in res:
        if m["case"] == case and m["delay_ms"] == d:
            return m
    return None


def _rate(m):
    return m["items"] / m["seconds"] if m and m["seconds"] > 0 else 0.0


def _full_s(m):
    """Seconds for the full row count (a loop's scaled from its rate)."""
    return m["full_rows"] / _rate(m)


def _ops(m):
    main = [(k, v) for k, v in sorted(m["ops"].items()) if k != "DescribeTable"]
    other = [(k, v) for k, v in sorted(m["ops"].items()) if k == "DescribeTable"]
    s = ", ".join("%d %s" % (v, k) for k, v in main)
    if other:
        s += " (+ %s)" % ", ".join("%d %s" % (v, k) for k, v in other)
    return s


def targets(doc):
    """(target, figure, reference, ratio, met) rows of the issue's targets,
    judged at the largest delay (the CPU one at the smallest)."""
    res, rows = doc["results"], []
    delays = [int(x) for x in doc["delays"].split(",")]
    d = max(delays)
    fdw, bw = _find(res, "fdw-insert", d), _find(res, "boto3-batch", d)
    for case, what in (("boto3-put-plain", "a put_item loop"),
                       ("boto3-put", "a put_item loop with attribute_not_exists")):
        put = _find(res, case, d)
        if fdw and put:
            r = _rate(fdw) / _rate(put)
            rows.append(("INSERT of %s rows at %d ms >= 20x %s" % (_n(doc["inserts"]), d, what),
                         "ddb_fdw: %.1f s (%.0f rows/s)" % (_full_s(fdw), _rate(fdw)),
                         "%.0f s scaled (%.1f rows/s)" % (_full_s(put), _rate(put)),
                         "%.1fx" % r, r >= 20))
    for case, what in (("fdw-insert", ""), ("fdw-insert-100", " (batch_size 100)")):
        m = _find(res, case, d)
        if m and bw:
            r = m["seconds"] / bw["seconds"]
            rows.append(("INSERT at %d ms within 1.5x of batch_writer%s" % (d, what),
                         "ddb_fdw: %.1f s" % m["seconds"], "batch_writer: %.1f s" % bw["seconds"],
                         "%.2fx the time" % r, r <= 1.5))
    up, rw = _find(res, "fdw-update", d), _find(res, "boto3-read-write", d)
    if up:
        per = up["ops"].get("UpdateItem", 0) / max(up["items"], 1)
        others = sum(v for k, v in up["ops"].items() if k != "UpdateItem")
        rows.append(("UPDATE SET n = n + 1 WHERE pk = $1 at %d ms: one request a row" % d,
                     "%s for %s rows" % (_ops(up), _n(up["items"])), "", "%.2f a row" % per,
                     per == 1 and others == 0))
    if up and rw:
        r = _rate(up) / _rate(rw)
        rows.append(("UPDATE at %d ms >= 1.8x a read-then-write" % d,
                     "ddb_fdw: %.1f s" % up["seconds"],
                     "get_item + update_item: %.1f s" % rw["seconds"], "%.2fx" % r, r >= 1.8))
    scan = _find(res, "fdw-scan", min(delays))
    for case, what in (("fdw-insert", ""), ("fdw-insert-100", ", batch_size 100")):
        ins = _find(res, case, min(delays))
        if ins and scan:
            w = ins["cpu_backend"] * 1e6 / ins["items"]
            s = scan["cpu_backend"] * 1e6 / scan["items"]
            rows.append(("write CPU per row within 2x of the scan's decode CPU per item%s" % what,
                         "INSERT, %d ms: %.1f us/row backend CPU" % (min(delays), w),
                         "SELECT count(t), same rows: %.1f us/item" % s, "%.2fx" % (w / s),
                         w / s <= 2))
    return rows


def markdown(doc):
    """The writes section of bench/results.md (a list of lines)."""
    res = doc["results"]
    out = ["## Writes", ""]
    out.append("`bench/write_compare.py`: %s-row INSERT, %s-row UPDATE and %s-row DELETE by key, "
               "through the test gateway (signature checked, each request logged and counted, "
               "answers held back %s ms) into DynamoDB Local, %s; rows are bench/load.py's items "
               "in 15 typed columns. Writes go to the emulator (they cannot be replayed), so its "
               "time is in every figure: *service s* is the time the requests spent in the gateway "
               "(Python, SigV4 verified) and DynamoDB Local, less the added delay; *own s* is what "
               "is left once the answers' time (delays included) is taken off: the client's own "
               "work between answers (for ddb_fdw, the backend's and psycopg2's) and the "
               "gateway's HTTP handling outside its timer. The put_item loops write %s rows and "
               "their time for all %s is scaled from their rate (a request a row, one after "
               "another). %s."
               % (_n(doc["inserts"]), _n(doc["updates"]), _n(doc["deletes"]),
                  " or ".join(doc["delays"].split(",")),
                  "median of %d rounds, interleaved" % doc["rounds"] if doc["rounds"] > 1
                  else "1 round", _n(doc["loop_rows"]), _n(doc["inserts"]),
                  doc.get("same_items") or ""))
    out.append("")
    out.append("| target | figure | reference | ratio | met |")
    out.append("| --- | --- | --- | ---: | --- |")
    for t, f, r, x, ok in targets(doc):
        out.append("| %s | %s | %s | %s | %s |" % (t, f, r, x, "yes" if ok else "**no**"))
    d = max(int(x) for x in doc["delays"].split(","))
    parts = []
    for case in ("fdw-insert", "fdw-insert-100", "boto3-put", "boto3-batch", "fdw-update",
                 "boto3-read-write", "boto3-update"):
        m = _find(res, case, d)
        if m and m["requests"]:
            n = m["requests"]
            parts.append("%s %.1f ms (%d + %.1f service + %.1f own)" % (
                case, m["seconds"] * 1000 / n, d, m["service_s"] * 1000 / n,
                max(0.0, m["seconds"] - m["answer_s"]) * 1000 / n))
    if parts:
        out.append("")
        out.append("Time a request at %d ms, (added delay + service + own): %s." % (d, "; ".join(parts)))
    for kind, title in (("insert", "INSERT of %s rows" % "{:,}".format(doc["inserts"])),
                        ("update", "UPDATE of %s rows by key" % "{:,}".format(doc["updates"])),
                        ("delete", "DELETE of %s rows by key" % "{:,}".format(doc["deletes"]))):
        out.append("")
        out.append("**%s**" % title)
        out.append("")
        out.append("| case | delay ms | rows | median s (runs) | s for all rows | rows/s | ddb_fdw faster "
                   "| requests | service s | own s | CPU us/row |")
        out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |")
        for m in [x for x in res if x["kind"] == kind]:
            ref = _find(res, "fdw-" + kind, m["delay_ms"])
            cpu = "%.1f" % (m["cpu"] * 1e6 / m["items"])
            if m.get("cpu_backend"):
                cpu += " (%.1f backend + %.1f client)" % (m["cpu_backend"] * 1e6 / m["items"],
                                                          m["cpu_client"] * 1e6 / m["items"])
            scaled = m["items"] != m["full_rows"]
            out.append("| %s | %d | %d | %.2f (%s) | %s%s | %.0f | %s | %s | %.2f | %.2f | %s |" % (
                m["label"], m["delay_ms"], m["items"], m["seconds"],
                ", ".join("%.3g" % s for s in m["runs_seconds"]), "%.1f" % _full_s(m),
                " scaled" if scaled else "", _rate(m),
                "%.2fx" % (_rate(ref) / _rate(m)) if ref and not m["case"].startswith("fdw") else "",
                _ops(m), m["service_s"], max(0.0, m["seconds"] - m["answer_s"]), cpu))
    scan = [m for m in res if m["case"] == "fdw-scan"]
    if scan:
        scan = scan[0]
        out.append("")
        out.append("CPU reference: %s at %d ms, %s items, %.2f s, %.1f us/item backend CPU."
                   % (scan["label"], scan["delay_ms"], _n(scan["items"]), scan["seconds"],
                      scan["cpu_backend"] * 1e6 / scan["items"]))
    out.append("")
    out.append("What ddb_fdw's plans say (EXPLAIN): %s." % "; ".join(
        "%s: %s" % kv for kv in sorted(doc.get("plans", {}).items())))
    out.append("")
    mc = doc.get("machine", {})
    loads = mc.get("load_after_runs") or [0.0]
    out.append("Run on %s; this step took %d s. Load average (1, 5, 15 min) at its start %s, at its "
               "end %s; the 1-minute load after each run between %.2f and %.2f (this step's own "
               "load included: 2 cores). Busiest processes at its start (top, %%CPU over 1 s): %s; "
               "at its end: %s." % (doc.get("date", "?"), doc["seconds"], mc.get("load_at_start"),
                                    mc.get("load_at_end"), min(loads), max(loads),
                                    "; ".join("`%s`" % x for x in mc.get("busiest_at_start", []))
                                    or "none",
                                    "; ".join("`%s`" % x for x in mc.get("busiest_at_end", []))
                                    or "none"))
    out.append("")
    out.append("Reproduce against running services (DynamoDB Local, test/gateway.py, PostgreSQL with "
               "ddb_fdw; see bench/run.sh): `%s`." % doc["command"])
    return out
