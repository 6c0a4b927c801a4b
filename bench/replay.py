#!/usr/bin/python3
"""A DynamoDB stand-in that answers from memory: record once, replay fast.

Usage: replay.py --upstream URL [--port 0] [--delay-ms 20] [--port-file F]

The first time a request is seen (same X-Amz-Target, same body) it is sent
to --upstream (DynamoDB Local) and the answer is kept; from then on the kept
answer is served without asking upstream.  Every answer, kept or not, is held
back --delay-ms milliseconds, as real DynamoDB takes tens of milliseconds a
page.

Why: on a 2-core machine DynamoDB Local needs most of the CPU to serve a
scan (about 35 us per item), so a benchmark through it measures the emulator.
Replayed answers cost almost nothing to serve, which leaves the machine to
the code under test and makes latency, not the emulator, the limit -- as it
is against AWS.  Signatures are not checked (the test gateway does that).

POST /__replay/stats answers {"recorded": n, "replayed": n, "forwarded": n}.
Listens on 127.0.0.1 only.
"""

import argparse
import hashlib
import http.client
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEEP_HEADERS = ("content-type", "x-amz-crc32", "x-amzn-requestid")


class Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.answers = {}
        self.stats = {"recorded": 0, "replayed": 0, "forwarded": 0}

    def get(self, key):
        with self.lock:
            answer = self.answers.get(key)
            if answer is not None:
                self.stats["replayed"] += 1
            return answer

    def put(self, key, answer):
        with self.lock:
            self.answers[key] = answer
            self.stats["recorded"] += 1


def make_handler(upstream, delay, store):
    up = urllib.parse.urlsplit(upstream)
    local = threading.local()

    def forward(target, body, headers):
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
        try:
            conn.request("POST", "/", body=body, headers=headers)
            resp = conn.getresponse()
        except (ConnectionError, http.client.HTTPException):
            conn.close()
            local.conn = None
            raise
        data = resp.read()
        kept = [(k, v) for k, v in resp.getheaders() if k.lower() in KEEP_HEADERS]
        return resp.status, kept, data

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if self.path.startswith("/__replay/stats"):
                data = json.dumps(store.stats).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            target = self.headers.get("X-Amz-Target", "")
            key = hashlib.sha256(target.encode() + b"\0" + body).hexdigest()
            answer = store.get(key)
            if answer is None:
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "content-length", "connection")}
                answer = forward(target, body, headers)
                with store.lock:
                    store.stats["forwarded"] += 1
                if answer[0] == 200:
                    store.put(key, answer)
            if delay > 0:
                time.sleep(delay)
            status, headers, data = answer
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--delay-ms", type=int, default=20)
    ap.add_argument("--port-file")
    a = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", a.port),
                                 make_handler(a.upstream, a.delay_ms / 1000.0, Store()))
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
