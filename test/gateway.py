#!/usr/bin/python3
"""
gateway.py -- local AWS gateway in front of DynamoDB Local for ddb_fdw tests

DynamoDB Local accepts any credentials and checks no signatures, so every test
suite talks to this gateway instead.  It

  * verifies the SigV4 signature of every DynamoDB, DynamoDB Streams and STS
    request, with botocore as the independent reference implementation, and
    rejects bad requests with the error codes AWS uses;
  * serves STS AssumeRole / AssumeRoleWithWebIdentity (and GetCallerIdentity)
    from a configured set of roles and issues temporary credentials that it
    then accepts (and expires);
  * serves the database host's "ambient" credential sources -- EC2 IMDSv2
    and the ECS/EKS container credential endpoint -- whose credentials it
    then accepts too;
  * forwards verified DynamoDB requests to DynamoDB Local;
  * logs every request (so tests can prove what the FDW pushed down);
  * injects faults on demand (throttling, 5xx, resets, delays, truncated or
    malformed bodies, bad CRC32), selected by a URL path prefix or globally;
  * makes DynamoDB Local's streams look like AWS's on demand (deletes by
    Time to Live as AWS writes them, renamed events, a short retention with
    AWS's TrimmedDataAccessException): see test/gateway_streams.py.

Runtime: Debian's /usr/bin/python3 (3.11), the standard library and Debian's
python3-botocore only.  Listens on 127.0.0.1 only.

IDENTIFICATION
    test/gateway.py

Usage
-----
    /usr/bin/python3 test/gateway.py --upstream http://127.0.0.1:PORT \
        --keys KEYS.json --port-file PORT_FILE [--port 0] [--log-file FILE] \
        [--config CONFIG.json] [--seed N] [--verbose]

  --keys       JSON object {"ACCESS_KEY_ID": "secret", ...}: the static keys.
  --port-file  written (atomically: temp name, then rename) with the port
               number once the gateway accepts requests; removed on exit.
  --port       0 (default) binds a free port.
  --log-file   every request-log line is appended here as well (flushed).
  --config     optional JSON start-up configuration (gateway_config.py).
Exits 0 on SIGTERM/SIGINT.

Request classification
----------------------
  /__gw/...                               control API (no signature; see
                                          gateway_control.py)
  /latest/...                             EC2 IMDSv2 (no signature; see
                                          gateway_sts.py)
  /ecs, /ecs/...                          container credential endpoint (no
                                          signature; see gateway_sts.py)
  header X-Amz-Target: DynamoDB_20120810.<Op> or DynamoDBStreams_20120810.<Op>
                                          DynamoDB: verified (service
                                          "dynamodb"), forwarded upstream
                                          (Describe/UpdateContinuousBackups:
                                          see gateway_backups.py)
  POST, Content-Type application/x-www-form-urlencoded (or ?Action= query)
                                          STS (service "sts"), form field
                                          Action
  anything else                           400 UnknownOperationException

A DynamoDB/STS request may use any other path; a path starting with
/fault/<spec>/ selects faults (gateway_faults.py).  The signature is verified against the
path the client used.  Note the SigV4 rule for non-S3 services: the canonical
URI is the wire path URI-encoded once more, so "/fault/delay=5/" is signed as
"/fault/delay%3D5/".

Modules
-------
In test/, next to this script; each one's docstring documents its part of
the gateway's behaviour (the request log's columns, the control API, the
configuration keys, the ambient endpoints, the fault specs).
  gateway.py           the entry point: command line, HTTP server, request
                       classification and processing, upstream connection
  gateway_protocol.py  errors and replies in DynamoDB's and STS's forms
  gateway_config.py    the configuration (--config, POST /__gw/config)
  gateway_sigv4.py     static keys, issued credentials, SigV4 verification
  gateway_sts.py       STS and the ambient credential endpoints (EC2 IMDSv2,
                       the ECS/EKS container endpoint)
  gateway_faults.py    fault injection (/fault/<spec>/ paths, global faults)
  gateway_log.py       the request log (/__gw/log, /__gw/log.jsonl), stats
  gateway_backups.py   Describe/UpdateContinuousBackups (PITR) emulation
  gateway_streams.py   DynamoDB Local's streams as AWS serves them
  gateway_control.py   the control API (/__gw/)

"""

import argparse
import datetime
import http.client
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# The gateway's modules sit next to this script: importing them must leave
# no __pycache__ in the tree.
sys.dont_write_bytecode = True
import gateway_streams  # noqa: E402
from gateway_backups import BACKUP_OPS, BackupService  # noqa: E402
from gateway_config import ConfigStore  # noqa: E402
from gateway_control import ControlApi, text_reply  # noqa: E402
from gateway_faults import (  # noqa: E402
    POST_FAULTS, PRE_FAULTS, SPLIT_FAULTS, FaultEngine, add_unprocessed_keys,
    apply_post_fault, fault_reply, split_batch_get, split_batch_write)
from gateway_log import (  # noqa: E402
    RequestLog, summarize_dynamodb_request, summarize_response)
from gateway_protocol import (  # noqa: E402
    DYNAMODB_PREFIX, JSON_CT, NS_CORAL, STREAMS_PREFIX, GatewayError, Reply,
    crc32_of, dynamodb_error_reply, error_reply)
from gateway_sigv4 import CredentialStore, SigV4Verifier  # noqa: E402
from gateway_sts import AmbientService, StsService  # noqa: E402

# --------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------

IDLE_TIMEOUT = 300.0          # client socket timeout (idle keep-alive too)
UPSTREAM_TIMEOUT = 120.0      # DynamoDB Local may be slow on big pages
MAX_BODY = 64 * 1024 * 1024   # request bodies above this are refused


# --------------------------------------------------------------------------
# Upstream connection
# --------------------------------------------------------------------------

class UpstreamClient:
    """A persistent HTTP connection to DynamoDB Local, one per client
    connection (and so per handler thread); reconnects on failure."""

    def __init__(self, host, port, timeout=UPSTREAM_TIMEOUT):
        self._host, self._port, self._timeout = host, port, timeout
        self._conn = None

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def post(self, body, headers):
        """POST body to "/"; return a Reply with upstream's status, body and
        the headers the client needs.  Raises OSError/HTTPException if
        upstream cannot be reached even after one reconnect."""
        for attempt in (0, 1):
            reused = self._conn is not None
            try:
                if self._conn is None:
                    self._conn = http.client.HTTPConnection(
                        self._host, self._port, timeout=self._timeout)
                    self._conn.connect()
                    self._conn.sock.setsockopt(socket.IPPROTO_TCP,
                                               socket.TCP_NODELAY, 1)
                self._conn.request("POST", "/", body=body, headers=headers)
                resp = self._conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException):
                self.close()
                # A reused connection may have been closed by upstream while
                # idle: retry once on a fresh one.
                if reused and attempt == 0:
                    continue
                raise
            if resp.will_close:
                self.close()
            out = [(name, resp.getheader(name)) for name in
                   ("Content-Type", "x-amz-crc32", "x-amzn-RequestId")
                   if resp.getheader(name) is not None]
            return Reply(resp.status, data, out)
        raise AssertionError("unreachable")


# --------------------------------------------------------------------------
# The gateway proper
# --------------------------------------------------------------------------

@dataclass
class IncomingRequest:
    """One HTTP request as the handler read it."""
    method: str
    raw_path: str          # request target as sent (path + query)
    path: str
    query: str
    headers: object        # http.client.HTTPMessage
    body: bytes
    upstream: UpstreamClient
    log: dict = field(default_factory=dict)


class InFlight:
    """Counts DynamoDB/STS/metadata requests being served, so a test can
    wait until the answers to requests its client gave up on (cancel,
    timeout) have been logged before it reads the log."""

    def __init__(self):
        self._cond = threading.Condition()
        self._count = 0

    def enter(self):
        with self._cond:
            self._count += 1

    def leave(self):
        with self._cond:
            self._count -= 1
            if self._count == 0:
                self._cond.notify_all()

    def drain(self, timeout):
        """Waits until nothing is in flight; True unless timeout passed."""
        with self._cond:
            return self._cond.wait_for(lambda: self._count == 0, timeout)


class Gateway:
    """Ties configuration, credentials, verification, STS, faults and the
    log together; process() turns an IncomingRequest into a Reply."""

    def __init__(self, upstream_url, keys_path, config_patch, log_path,
                 verbose=False):
        up = urlsplit(upstream_url)
        if up.scheme != "http" or not up.hostname:
            raise ValueError("--upstream must be http://HOST:PORT")
        self.upstream_host = up.hostname
        self.upstream_port = up.port or 80
        self.verbose = verbose
        self.config = ConfigStore(config_patch)
        self.credentials = CredentialStore(keys_path)
        self.verifier = SigV4Verifier(self.credentials)
        self.sts = StsService(self.credentials)
        self.ambient = AmbientService(self.credentials)
        self.backups = BackupService()
        self.faults = FaultEngine(self.config.snapshot()["seed"])
        self.log = RequestLog(log_path)
        self.inflight = InFlight()
        self.control = ControlApi(self)
        self._poller_upstream = self.new_upstream()
        self.streams = gateway_streams.StreamsEmulation(
            self._poller_post, lambda: self.config.snapshot()["streams"])

    def new_upstream(self):
        return UpstreamClient(self.upstream_host, self.upstream_port)

    def _poller_post(self, target, doc):
        """One request of the streams poller to DynamoDB Local, unlogged
        (any signature does there); returns (status, answer document)."""
        reply = self._poller_upstream.post(json.dumps(doc).encode(), {
            "Content-Type": JSON_CT, "X-Amz-Target": target,
            "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDGATEWAYPOLLER/"
                             "20200101/us-east-1/dynamodb/aws4_request, "
                             "SignedHeaders=host, Signature=0"})
        try:
            return reply.status, json.loads(reply.body)
        except ValueError:
            return reply.status, {}

    # -- classification --------------------------------------------------

    @staticmethod
    def fault_spec_of(path):
        """"/fault/<spec>/..." -> "<spec>"; None for other paths."""
        if not path.startswith("/fault/"):
            return None
        return path[len("/fault/"):].partition("/")[0] or None

    @staticmethod
    def classify(req):
        """Return (service, op): service in dynamodb/streams/sts/unknown."""
        target = req.headers.get("X-Amz-Target") or ""
        for prefix, service in ((DYNAMODB_PREFIX, "dynamodb"),
                                (STREAMS_PREFIX, "streams")):
            if target.startswith(prefix) and len(target) > len(prefix):
                return service, target[len(prefix):]
        ctype = (req.headers.get("Content-Type") or "").lower()
        if not target and (
                (req.method == "POST" and ctype.startswith(
                    "application/x-www-form-urlencoded")) or
                (req.method == "GET" and "Action=" in req.query)):
            return "sts", None
        return "unknown", None

    # -- processing ---------------------------------------------------------

    def process(self, req):
        """Verify, fault and serve one request.  Returns the Reply and
        leaves the log entry in req.log (the caller adds the status)."""
        cfg = self.config.snapshot()
        log = req.log
        ambient = self.ambient.route(req.path)
        if ambient is not None:
            # IMDS / container endpoint: unsigned, no faults (gateway_sts.py).
            log["path"] = req.path
            return self.ambient.handle(ambient, req, cfg, log)
        spec_text = self.fault_spec_of(req.path)
        service, op = self.classify(req)
        protocol = "sts" if service == "sts" else "dynamodb"
        form = None
        log.update(service=service, path=req.path)
        if service == "sts":
            form = self.sts.parse_form(req)
            op = form.get("Action")
        log["op"] = op or "Unknown"
        if service == "unknown":
            log["target"] = req.headers.get("X-Amz-Target")
        if service in ("dynamodb", "streams"):
            summarize_dynamodb_request(op, req.body, log)
        try:
            spec = self.faults.parse(spec_text) if spec_text else None
        except ValueError as e:
            log["error"] = "GatewayFaultSpecError"
            log["detail"] = str(e)
            return dynamodb_error_reply(400, "GatewayFaultSpecError",
                                        f"gateway: {e}", NS_CORAL)
        try:
            caller = self._authenticate(req, service, op, cfg)
        except GatewayError as e:
            return self._error(protocol, e, log)

        if spec is not None:
            fault = self.faults.decide_path(spec, op, log.get("table"))
        elif service in ("dynamodb", "streams"):
            fault = self.faults.decide_global(cfg.faults, op,
                                              log.get("table"))
        else:
            fault = None
        if fault is not None:
            log["fault"] = fault.label
            if fault.delay_ms:
                time.sleep(fault.delay_ms / 1000.0)
            if fault.kind and fault.kind[0] in PRE_FAULTS:
                return fault_reply(fault.kind, protocol)

        unprocessed = None
        if (fault is not None and fault.kind and fault.kind[0] in SPLIT_FAULTS
                and op == "BatchGetItem"):
            req.body, unprocessed = split_batch_get(req.body)
        elif (fault is not None and fault.kind and fault.kind[0] in SPLIT_FAULTS
                and op == "BatchWriteItem"):
            req.body, unprocessed = split_batch_write(req.body)
        if service == "streams":
            early = self._streams_before(op, req, cfg, log)
            if early is not None:
                return early
        try:
            reply = None
            if service == "sts":
                reply = self.sts.handle(op, form, caller, cfg, log)
            elif service == "dynamodb" and op in BACKUP_OPS:
                reply = self.backups.handle(op, req, log)
            if reply is None:
                reply = self._forward(req)
                if (service == "dynamodb" and op == "DeleteTable" and
                        reply.status == 200):
                    self.backups.forget(log.get("table"))
        except GatewayError as e:
            reply = self._error(protocol, e, log)
        if service == "streams" and reply.status == 200:
            reply = self._streams_after(op, req, reply, cfg, log)
        if fault is not None and fault.kind and fault.kind[0] in POST_FAULTS:
            reply = apply_post_fault(fault.kind, reply)
        if unprocessed and reply.status == 200:
            reply = add_unprocessed_keys(reply, unprocessed,
                                         "UnprocessedItems" if op == "BatchWriteItem"
                                         else "UnprocessedKeys")
        return reply

    @staticmethod
    def _label(log, label, detail):
        log["fault"] = "+".join(x for x in (log.get("fault"), label) if x)
        log["detail"] = detail

    def _streams_before(self, op, req, cfg, log):
        """The streams emulation on a request: None, or the answer."""
        out = self.streams.before(op, req.body, log.get("table"),
                                  cfg["streams"], time.time())
        if out is None:
            return None
        if out[0] == "trimmed":
            self._label(log, "retention", out[1])
            return dynamodb_error_reply(400, "TrimmedDataAccessException",
                                        gateway_streams.TRIMMED_MSG)
        req.body = out[1]
        self._label(log, out[2], out[3])
        return None

    def _streams_after(self, op, req, reply, cfg, log):
        """The streams emulation on an answer: the answer to send."""
        out = self.streams.after(op, reply.body, log.get("table"), req.body,
                                 cfg["streams"], time.time())
        if out is None:
            return reply
        if out[0] == "trimmed":
            self._label(log, "retention", out[1])
            return dynamodb_error_reply(400, "TrimmedDataAccessException",
                                        gateway_streams.TRIMMED_MSG)
        reply.body = out[1]
        reply.set_header("x-amz-crc32", crc32_of(reply.body))
        self._label(log, out[2], out[3])
        return reply

    @staticmethod
    def _error(protocol, err, log):
        """Record GatewayError err in log; return its Reply."""
        log["error"] = err.code
        log["error_message"] = err.message
        if err.detail:
            log["detail"] = err.detail
        return error_reply(protocol, err)

    def _authenticate(self, req, service, op, cfg):
        """Check the request's credentials; returns the caller Identity (or
        None for unsigned web identity calls).  Raises GatewayError."""
        if service in ("dynamodb", "streams"):
            return self.verifier.verify(req, "dynamodb", cfg)
        if service == "sts":
            if cfg["sts_down"]:
                raise GatewayError(503, "ServiceUnavailable",
                                   "Service is unavailable",
                                   sts_type="Receiver")
            if op == "AssumeRoleWithWebIdentity":
                return None
            if not op:
                raise GatewayError(400, "MissingAction",
                                   "Missing Action parameter")
            return self.verifier.verify(req, "sts", cfg)
        raise GatewayError(400, "UnknownOperationException",
                           "Unknown operation: neither a DynamoDB "
                           "X-Amz-Target nor an STS Action")

    def _forward(self, req):
        """Forward a verified DynamoDB/Streams request to DynamoDB Local.

        Always to "/": whatever path the client used (a /fault/ prefix
        included) only mattered for its signature.
        """
        headers = {"Accept-Encoding": "identity"}
        for name in ("Content-Type", "X-Amz-Target", "X-Amz-Date",
                     "Authorization"):
            value = req.headers.get(name)
            if value is not None:
                headers[name] = value
        try:
            return req.upstream.post(req.body, headers)
        except (OSError, http.client.HTTPException) as e:
            raise GatewayError(502, "GatewayUpstreamError",
                               f"gateway: DynamoDB Local unreachable: {e}",
                               namespace=NS_CORAL) from None


# --------------------------------------------------------------------------
# HTTP server
# --------------------------------------------------------------------------

class GatewayHandler(BaseHTTPRequestHandler):
    """One client connection (keep-alive); serves requests in turn."""

    protocol_version = "HTTP/1.1"
    server_version = "ddb-fdw-gateway/1.0"
    timeout = IDLE_TIMEOUT

    def version_string(self):
        return self.server_version

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes: without TCP_NODELAY,
        # Nagle's algorithm and the client's delayed ACK add ~40 ms to every
        # small response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.upstream = self.server.gateway.new_upstream()

    def finish(self):
        try:
            super().finish()
        finally:
            self.upstream.close()

    def log_message(self, fmt, *args):
        if self.server.gateway.verbose:
            sys.stderr.write("gateway: " + (fmt % args) + "\n")

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _read_body(self):
        """Read the request body (Content-Length or chunked)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n",
                                                             b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    raise ValueError("request body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            raise ValueError("bad Content-Length")
        body = self.rfile.read(length) if length else b""
        if len(body) != length:
            raise ConnectionError("client closed mid-body")
        return body

    def _dispatch(self):
        gw = self.server.gateway
        started = time.monotonic()
        split = urlsplit(self.path)
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            try:
                self._write(text_reply(400, "bad request body\n"))
            except OSError:
                pass
            return
        if split.path == "/__gw" or split.path.startswith("/__gw/"):
            try:
                reply = gw.control.handle(self.command, split.path,
                                          split.query, body)
            except Exception as e:  # keep serving after a gateway bug
                traceback.print_exc(file=sys.stderr)
                reply = text_reply(500, f"gateway bug: {e!r}\n")
            self._write(reply)
            return

        req = IncomingRequest(self.command, self.path, split.path,
                              split.query, self.headers, body, self.upstream)
        req.log["time"] = datetime.datetime.now(
            datetime.timezone.utc).isoformat(timespec="milliseconds")
        gw.inflight.enter()
        try:
            reply = gw.process(req)
        except Exception as e:  # a gateway bug must not kill the connection
            traceback.print_exc(file=sys.stderr)
            req.log["error"] = "GatewayInternalError"
            req.log["detail"] = repr(e)
            reply = dynamodb_error_reply(500, "GatewayInternalError",
                                         f"gateway bug: {e!r}", NS_CORAL)
        summarize_response(reply, req.log)
        req.log["status"] = reply.status
        req.log["elapsed_ms"] = round((time.monotonic() - started) * 1000, 1)
        # Log before answering: a client that reads the log right after
        # receiving an answer must find that answer's entry.
        gw.log.add(req.log)
        gw.inflight.leave()
        try:
            self._write(reply)
        except OSError as e:
            gw.log.annotate(req.log["seq"], detail=f"client went away: {e}")
            self.close_connection = True

    def _write(self, reply):
        """Send reply, honouring its reset/truncate/close flags."""
        if reply.reset:
            self.close_connection = True
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            except OSError:
                pass
            # The socket really closes (with RST) once no file object refers
            # to it: close rfile too.
            self.rfile.close()
            self.connection.close()
            return
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        if reply.close:
            self.close_connection = True
        self.end_headers()
        body = reply.body
        if reply.truncate_at is not None:
            body = body[:reply.truncate_at]
        if body:
            self.wfile.write(body)


class GatewayServer(ThreadingHTTPServer):
    """ThreadingHTTPServer with daemon threads bound to loopback."""
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, port, gateway):
        self.gateway = gateway
        super().__init__(("127.0.0.1", port), GatewayHandler)


def write_port_file(path, port):
    """Write port to path atomically (temp file, then rename)."""
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(f"{port}\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--upstream", required=True,
                    help="DynamoDB Local URL, e.g. http://127.0.0.1:8000")
    ap.add_argument("--keys", required=True,
                    help='JSON file {"ACCESS_KEY_ID": "secret", ...}')
    ap.add_argument("--port-file", required=True,
                    help="file to receive the port number once ready")
    ap.add_argument("--port", type=int, default=0, help="0 = any free port")
    ap.add_argument("--log-file", help="append request-log lines here")
    ap.add_argument("--config", help="JSON start-up configuration")
    ap.add_argument("--seed", type=int, help="fault RNG seed (default 1)")
    ap.add_argument("--verbose", action="store_true",
                    help="log HTTP traffic to stderr")
    args = ap.parse_args(argv)

    patch = {}
    if args.config:
        with open(args.config, encoding="utf-8") as f:
            patch = json.load(f)
    if args.seed is not None:
        patch["seed"] = args.seed
    try:
        gateway = Gateway(args.upstream, args.keys, patch, args.log_file,
                          args.verbose)
    except (OSError, ValueError) as e:
        print(f"gateway: {e}", file=sys.stderr)
        return 2

    server = GatewayServer(args.port, gateway)
    port = server.server_address[1]
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever,
                              kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    # The socket is bound and listening since GatewayServer(): connections
    # queue even before serve_forever() runs, so the port is usable now.
    write_port_file(args.port_file, port)
    print(f"gateway: listening on 127.0.0.1:{port}, upstream "
          f"{args.upstream}", file=sys.stderr, flush=True)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        server.shutdown()
        server.server_close()
        gateway.log.close()
        try:
            with open(args.port_file, encoding="ascii") as f:
                if f.read().strip() == str(port):
                    os.remove(args.port_file)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

