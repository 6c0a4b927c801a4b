#!/usr/bin/python3
"""A DynamoDB stand-in that answers from memory: record once, replay fast.

Usage: replay.py --upstream URL [--port 0] [--delay-ms 20] [--port-file F]

The first time a request is seen it is sent to --upstream (DynamoDB Local)
and the answer is kept; from then on the kept answer is served, byte for
byte (body, x-amz-crc32, content type), without asking upstream.  Every
answer, kept or not, is held back --delay-ms milliseconds, as real DynamoDB
takes tens of milliseconds a page; a request to /delay=N/ (the endpoint
http://127.0.0.1:PORT/delay=20/) is held back N ms instead, so one server
serves every latency.

Keys.  A plain Scan page (no FilterExpression, IndexName, Select or
ExpressionAttributeValues) is keyed by what decides the page: table,
Segment, TotalSegments (1 and absent are the same), ExclusiveStartKey
(compared as JSON) and Limit.  A GetItem by table and key.  Everything else
(Query, BatchGetItem, filtered scans, DescribeTable...) by its whole body as
JSON, less ReturnConsumedCapacity.  What is sent upstream, and kept, is the
canonical request: for a plain Scan or GetItem the page or item without
ProjectionExpression, always with ReturnConsumedCapacity TOTAL where the
operation has it.  So ddb_fdw (which projects and asks for consumed
capacity), boto3 (which does neither), curl and a parse-only program all get
the very same bytes for the same page -- the bytes DynamoDB Local gave for
it -- and their results are the same: a projection only leaves out
attributes the client does not read.

Why: on a 2-core machine DynamoDB Local needs most of the CPU to serve a
scan (about 35 us per item), so a benchmark through it measures the emulator.
Replayed answers cost almost nothing to serve, which leaves the machine to
the code under test and makes latency, not the emulator, the limit -- as it
is against AWS.  Signatures are not checked (the test gateway does that).

Control requests (any method):
  /__replay/stats      {"recorded": n, "replayed": n, "forwarded": n}
  /__replay/record?table=T&segments=S&limit=L
                       reads the whole table upstream, S segments in
                       parallel, L items a page, and keeps every page;
                       answers {"pages", "items", "bytes", "seconds"}
  /__replay/pages?table=T&segments=S&limit=L
                       the kept pages of that scan, segment by segment in
                       chain order: {"segments": [[{"request": canonical
                       body, "bytes": n, "count": n}, ...], ...]}
  /__replay/bodies?table=T&segments=S&limit=L
                       their bodies, each as "<length>\\n<bytes>"
  /__replay/verify?table=T&segments=S&limit=L&sample=K
                       asks upstream again for K of those pages and
                       compares the bytes: {"checked": n, "different": n}
Listens on 127.0.0.1 only.
"""

import argparse
import http.client
import json
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEEP_HEADERS = ("content-type", "x-amz-crc32", "x-amzn-requestid")
TARGET_PREFIX = "DynamoDB_20120810."
# operations that accept ReturnConsumedCapacity
WITH_CAPACITY = ("Scan", "Query", "GetItem", "BatchGetItem")
# members that make a Scan more than "the next page of segment s"
NOT_PLAIN_SCAN = ("FilterExpression", "ScanFilter", "IndexName", "Select",
                  "ExpressionAttributeValues", "ConditionalOperator", "AttributesToGet")
DELAY_PATH = re.compile(r"^/delay=(\d+)(/.*)?$")


def canon(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def scan_request(table, segment, total, limit, start_key):
    """The canonical Scan body for one page (a dict)."""
    req = {"TableName": table}
    if total > 1:
        req["Segment"] = segment
        req["TotalSegments"] = total
    if limit:
        req["Limit"] = limit
    if start_key is not None:
        req["ExclusiveStartKey"] = start_key
    req["ReturnConsumedCapacity"] = "TOTAL"
    return req


def scan_key(table, segment, total, limit, start_key):
    if total <= 1:
        segment, total = 0, 1
    return ("Scan", table, segment, total, limit or 0,
            canon(start_key) if start_key is not None else "")


def request_key(op, req):
    """(key, canonical request dict) of a request, or (None, None) when its
    body is not JSON."""
    if not isinstance(req, dict):
        return None, None
    if op == "Scan" and not any(k in req for k in NOT_PLAIN_SCAN):
        table = req.get("TableName")
        total = int(req.get("TotalSegments", 1) or 1)
        segment = int(req.get("Segment", 0) or 0)
        limit = int(req.get("Limit", 0) or 0)
        start = req.get("ExclusiveStartKey")
        return (scan_key(table, segment, total, limit, start),
                scan_request(table, segment, total, limit, start))
    if op == "GetItem":
        plain = {"TableName": req.get("TableName"), "Key": req.get("Key"),
                 "ReturnConsumedCapacity": "TOTAL"}
        return ("GetItem", req.get("TableName"), canon(req.get("Key"))), plain
    body = {k: v for k, v in req.items() if k != "ReturnConsumedCapacity"}
    key = (op, canon(body))
    if op in WITH_CAPACITY:
        body["ReturnConsumedCapacity"] = "TOTAL"
    return key, body


class Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.answers = {}
        self.stats = {"recorded": 0, "replayed": 0, "forwarded": 0}

    def get(self, key, count=True):
        with self.lock:
            answer = self.answers.get(key)
            if answer is not None and count:
                self.stats["replayed"] += 1
            return answer

    def put(self, key, answer):
        with self.lock:
            if key not in self.answers:
                self.stats["recorded"] += 1
            self.answers[key] = answer


class Upstream:
    """One keep-alive connection to DynamoDB Local per thread."""

    def __init__(self, url):
        self.url = urllib.parse.urlsplit(url)
        self.local = threading.local()

    def post(self, op, body, headers=None):
        hdrs = {"Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": TARGET_PREFIX + op,
                # DynamoDB Local wants an Authorization header, never checks it
                "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDREPLAY000000001/20200101/"
                                 "us-east-1/dynamodb/aws4_request, SignedHeaders=host, "
                                 "Signature=0"}
        if headers:
            hdrs.update(headers)
        for attempt in range(2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection(
                    self.url.hostname, self.url.port, timeout=120)
            try:
                conn.request("POST", "/", body=body, headers=hdrs)
                resp = conn.getresponse()
                data = resp.read()
            except (ConnectionError, http.client.HTTPException):
                conn.close()
                self.local.conn = None
                if attempt:
                    raise
                continue
            kept = [(k, v) for k, v in resp.getheaders() if k.lower() in KEEP_HEADERS]
            return resp.status, kept, data
        raise AssertionError("unreachable")


def fetch(store, upstream, op, key, canonical):
    """The kept answer for key, else canonical asked upstream (and kept when
    it is a 200)."""
    answer = store.get(key)
    if answer is None:
        answer = upstream.post(op, canon(canonical).encode())
        with store.lock:
            store.stats["forwarded"] += 1
        if answer[0] == 200:
            store.put(key, answer)
    return answer


def record_scan(store, upstream, table, total, limit):
    """Reads every segment upstream (in parallel), keeping every page."""
    totals = {"pages": 0, "items": 0, "bytes": 0}
    lock = threading.Lock()
    errors = []

    def segment(s):
        start = None
        try:
            while True:
                key = scan_key(table, s, total, limit, start)
                answer = store.get(key, count=False)
                if answer is None:
                    answer = upstream.post("Scan", canon(scan_request(table, s, total, limit,
                                                                      start)).encode())
                    if answer[0] != 200:
                        raise RuntimeError("Scan of %s segment %d: HTTP %d %s"
                                           % (table, s, answer[0], answer[2][:300]))
                    store.put(key, answer)
                page = json.loads(answer[2])
                with lock:
                    totals["pages"] += 1
                    totals["items"] += page.get("Count", 0)
                    totals["bytes"] += len(answer[2])
                start = page.get("LastEvaluatedKey")
                if start is None:
                    return
        except Exception as e:      # reported to the caller
            errors.append(str(e))

    t0 = time.perf_counter()
    threads = [threading.Thread(target=segment, args=(s,)) for s in range(max(total, 1))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError("; ".join(errors))
    totals["seconds"] = round(time.perf_counter() - t0, 3)
    return totals


def kept_pages(store, table, total, limit):
    """[[(canonical request, answer), ...] per segment] of a recorded scan."""
    out = []
    for s in range(max(total, 1)):
        chain, start = [], None
        while True:
            key = scan_key(table, s, total, limit, start)
            answer = store.get(key, count=False)
            if answer is None:
                raise KeyError("segment %d of %d of %s (Limit %d) is not recorded"
                               % (s, total, table, limit))
            chain.append((scan_request(table, s, total, limit, start), answer))
            start = json.loads(answer[2]).get("LastEvaluatedKey")
            if start is None:
                break
        out.append(chain)
    return out


def make_handler(upstream, default_delay, store):

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def reply(self, status, headers, data):
            # one write: headers and body leave together
            head = ["HTTP/1.1 %d %s\r\n" % (status, self.responses.get(status, ("",))[0])]
            for k, v in headers:
                head.append("%s: %s\r\n" % (k, v))
            head.append("Content-Length: %d\r\n\r\n" % len(data))
            self.wfile.write("".join(head).encode("latin-1") + data)

        def control(self, path, query):
            q = {k: v[0] for k, v in urllib.parse.parse_qs(query).items()}
            ctype = "application/json"
            try:
                if path == "/__replay/stats":
                    data = json.dumps(store.stats).encode()
                else:
                    table, total, limit = q["table"], int(q.get("segments", 1)), int(q.get("limit", 0))
                    if path == "/__replay/record":
                        data = json.dumps(record_scan(store, upstream, table, total, limit)).encode()
                    elif path == "/__replay/pages":
                        segs = [[{"request": canon(req), "bytes": len(ans[2]),
                                  "count": json.loads(ans[2]).get("Count", 0)}
                                 for req, ans in chain]
                                for chain in kept_pages(store, table, total, limit)]
                        data = json.dumps({"segments": segs}).encode()
                    elif path == "/__replay/bodies":
                        parts = []
                        for chain in kept_pages(store, table, total, limit):
                            for _, ans in chain:
                                parts.append(b"%d\n" % len(ans[2]))
                                parts.append(ans[2])
                        data = b"".join(parts)
                        ctype = "application/octet-stream"
                    elif path == "/__replay/verify":
                        pages = [p for chain in kept_pages(store, table, total, limit) for p in chain]
                        sample = int(q.get("sample", 5))
                        step = max(1, len(pages) // max(sample, 1))
                        checked = different = 0
                        for req, ans in pages[::step][:sample]:
                            again = upstream.post("Scan", canon(req).encode())
                            checked += 1
                            if again[0] != ans[0] or again[2] != ans[2]:
                                different += 1
                        data = json.dumps({"checked": checked, "different": different}).encode()
                    else:
                        raise KeyError("unknown control request %s" % path)
                self.reply(200, [("Content-Type", ctype)], data)
            except Exception as e:      # reported to the caller
                self.reply(500, [("Content-Type", "text/plain")], str(e).encode())

        def do_GET(self):
            self.do_POST()

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            url = urllib.parse.urlsplit(self.path)
            if url.path.startswith("/__replay/"):
                return self.control(url.path, url.query)
            delay = default_delay
            m = DELAY_PATH.match(url.path)
            if m:
                delay = int(m.group(1)) / 1000.0
            target = self.headers.get("X-Amz-Target", "")
            op = target[len(TARGET_PREFIX):] if target.startswith(TARGET_PREFIX) else target
            try:
                req = json.loads(body) if body else {}
            except ValueError:
                req = None
            key, canonical = request_key(op, req)
            if key is None:
                # not JSON: pass through untouched, never kept
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "content-length", "connection")}
                answer = upstream.post(op, body, headers)
            else:
                answer = fetch(store, upstream, op, key, canonical)
            if delay > 0:
                time.sleep(delay)
            self.reply(*answer)

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--delay-ms", type=int, default=20)
    ap.add_argument("--port-file")
    a = ap.parse_args()
    # socketserver listens with a backlog of 5: eight segment workers (or
    # curl --parallel) connecting at once would lose SYNs and wait a second
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", a.port),
                                 make_handler(Upstream(a.upstream), a.delay_ms / 1000.0, Store()))
    server.daemon_threads = True
    port = server.server_address[1]
    if a.port_file:
        with open(a.port_file, "w") as f:
            f.write("%d\n" % port)
    print("replaying %s on http://127.0.0.1:%d, %d ms delay" % (a.upstream, port, a.delay_ms),
          flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
