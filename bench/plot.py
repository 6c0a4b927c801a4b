#!/usr/bin/python3
"""Charts of bench results: items/s by case and segments, as SVG (no library).

Usage: plot.py --dir DIR --out FILE.svg [--title TEXT]

Reads DIR/scan.json, DIR/sync.json and DIR/local.json when present (as
scan_compare.py, sync_compare.py and local_compare.py write them) and draws
one horizontal bar per (case, segments), grouped by delay, the bar's length
the median items/s on a log scale (the cases span 1,000 to millions of items
a second), its figure written beside it.  Python references and
ddb_fdw cases in one colour each, the machine's limits (curl, COPY, the
emulator's raw scan) in a third.
"""

import argparse
import json
import math
import os
from xml.sax.saxutils import escape

COLOURS = {"fdw": "#2b6cb0", "python": "#c05621", "limit": "#718096"}
LIMITS = ("curl", "copy", "raw", "jsonc", "jsonae")
NAMES = {
    "count": "SELECT count(*)", "whole": "SELECT count(t)", "select": "SELECT *",
    "typed": "count(t), typed", "curl": "curl fetch (limit)", "jsonc": "json-c parse (limit)",
    "jsonae": "json_array_elements", "python-original": "Python original",
    "python-large": "Python large pages", "fdw": "ddb_fdw.sync", "copy": "COPY (limit)",
    "raw": "raw signed scan (limit)", "sync": "ddb_fdw.sync", "boto3": "boto3 scan",
}


def kind(case):
    if case in LIMITS:
        return "limit"
    if case.startswith("python") or case == "boto3":
        return "python"
    return "fdw"


def load(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def sections(d):
    out = []
    for name, title in (("scan", "Full scan (replay server)"), ("sync", "Sync into a local table (replay server)"),
                        ("local", "DynamoDB Local")):
        doc = load(os.path.join(d, name + ".json"))
        if not doc:
            continue
        res = doc["results"]
        delays = sorted({m["delay_ms"] for m in res}, key=lambda x: -1 if x is None else x)
        for delay in delays:
            rows = [m for m in res if m["delay_ms"] == delay]
            if not rows:
                continue
            label = title if delay is None else "%s, %d ms per request" % (title, delay)
            if delay is None and name != "local":
                label = title + ", limits"
            out.append((label, rows))
    return out


def svg(secs, title):
    width, left, bar_h, gap = 900, 300, 16, 4
    floor = 1000.0
    peak = max(m["items"] / m["seconds"] for _, rows in secs for m in rows if m["seconds"] > 0)
    decades = max(1.0, math.log10(max(peak, floor * 10) / floor))
    scale = (width - left - 110) / decades
    y = 60
    parts = []
    for label, rows in secs:
        parts.append('<text x="10" y="%d" font-weight="bold">%s</text>' % (y + 12, escape(label)))
        y += 22
        for m in rows:
            rate = m["items"] / m["seconds"] if m["seconds"] > 0 else 0
            name = "%s, %d seg" % (NAMES.get(m["case"], m["case"]), m["segments"])
            w = max(1.0, math.log10(max(rate, floor) / floor) * scale)
            parts.append('<text x="%d" y="%d" text-anchor="end">%s</text>'
                         % (left - 6, y + bar_h - 4, escape(name)))
            parts.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>'
                         % (left, y, w, bar_h, COLOURS[kind(m["case"])]))
            parts.append('<text x="%.1f" y="%d">%s</text>' % (left + w + 4, y + bar_h - 4,
                                                             "{:,.0f}/s".format(rate)))
            y += bar_h + gap
        y += 12
    legend = ('<rect x="10" y="34" width="12" height="12" fill="%s"/><text x="26" y="45">ddb_fdw</text>'
              '<rect x="100" y="34" width="12" height="12" fill="%s"/><text x="116" y="45">Python reference</text>'
              '<rect x="260" y="34" width="12" height="12" fill="%s"/><text x="276" y="45">limit / yardstick</text>'
              '<text x="440" y="45">bar length: items/s, log scale from 1,000</text>'
              % (COLOURS["fdw"], COLOURS["python"], COLOURS["limit"]))
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
            'font-size="12"><rect width="100%%" height="100%%" fill="white"/>'
            '<text x="10" y="25" font-size="14" font-weight="bold">%s</text>%s%s</svg>\n'
            % (width, y + 10, escape(title), legend, "".join(parts)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--title", default="ddb_fdw: items per second (median)")
    a = ap.parse_args()
    secs = sections(a.dir)
    if not secs:
        raise SystemExit("plot.py: no results in %s" % a.dir)
    with open(a.out, "w") as f:
        f.write(svg(secs, a.title))


if __name__ == "__main__":
    main()
