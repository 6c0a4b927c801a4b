"""
gateway_faults.py -- the gateway's fault injection

FaultEngine decides which fault, if any, a DynamoDB/Streams/STS request
gets: from a /fault/<spec>/ prefix of its path (PathFaultSpec, with
per-spec counters and RNGs) or from the configuration's global "faults"
(GlobalFaultPlan, gateway_config.py).  fault_reply builds the answers that
replace upstream's, apply_post_fault alters upstream's answer, and
split_batch_get / split_batch_write / add_unprocessed_keys make the
"unprocessed" fault.  gateway.py applies them in that order.

Faults by path: /fault/<spec>/...
---------------------------------
<spec> is a comma-separated list of "name" or "name=value" (percent-encoding
allowed).  Kinds:
  throttle         400 ProvisionedThroughputExceededException (STS: Throttling)
  status=<code>    that status (400..599): 5xx with an InternalServerError
                   body, 429 ThrottlingException, other 4xx InjectedFault
  errorbody=<Code> 400, __type com.amazonaws.dynamodb.v20120810#<Code>
  html             502 with an HTML proxy error page
  reset            read the request, then close with RST (SO_LINGER 0)
  truncate         full headers (true Content-Length and CRC), half the body,
                   then close
  truncate_json    200, first half of the upstream body, consistent
                   Content-Length, CRC32 of that half
  malformed        200, syntactically broken JSON, correct CRC32
  badcrc           upstream answer with a wrong x-amz-crc32 (crc + 1)
  lost             forward to upstream (which applies the request), then
                   close with RST instead of answering: a lost answer
  notjson          200, body <html>not json</html>, correct CRC32
  delay=<ms>       sleep before answering (other requests are not blocked);
                   alone it is the fault, with a kind it precedes the kind
  unprocessed      BatchGetItem: upstream is asked for the first half of
                   each table's keys (at least one), the rest comes back as
                   UnprocessedKeys (with the table's other request members),
                   CRC32 recomputed; BatchWriteItem likewise: the first half
                   of each table's write requests is forwarded, the rest
                   comes back as UnprocessedItems; other operations pass
                   clean
Modifiers:
  op=<Op>[|<Op>...]     only these operations (others pass clean)
  table=<T>[|<T>...]    only these tables
  rate=<0..1>           probability per matching request (seeded RNG)
  skip=<n>              the first n matching requests pass clean
  count=<n>             at most n requests get the fault, then clean
With several kinds, faulted requests take them in turn (round robin).
Counters (skip/count/round robin) are per distinct spec string and are reset by
POST /__gw/reset or /__gw/faults/reset.  Faults apply after the signature
check, to DynamoDB and STS requests on that path alike (an STS request gets
the STS form: XML errors, Throttling, broken XML for malformed, no CRC).  A
malformed spec is answered 400 GatewayFaultSpecError.  Example endpoint:
http://127.0.0.1:PORT/fault/op=Scan,throttle,skip=1,count=2/

IDENTIFICATION
    test/gateway_faults.py
"""

import json
import random
import re
import threading
from dataclasses import dataclass
from urllib.parse import unquote

from gateway_protocol import (JSON_CT, STS_XMLNS, XML_CT, Reply, crc32_of,
                              dynamodb_error_reply, dynamodb_request_id,
                              sts_error_reply)

# --------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------

MAX_SPEC_CACHE = 4096         # distinct fault specs remembered

THROTTLE_MSG = (
    "The level of configured provisioned throughput for the table was "
    "exceeded. Consider increasing your provisioning level with the "
    "UpdateTable API.")
HTML_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
            b"<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
            b"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
MALFORMED_JSON = (b'{"Count":2,"Items":[{"pk":{"S":"a"}},'
                  b'{"pk":{"S":"b"}}}]]\x01garbage')
MALFORMED_XML = (b'<AssumeRoleResponse xmlns="' + STS_XMLNS.encode() +
                 b'"><AssumeRoleResult><Credentials><AccessKeyId>ASIA'
                 b'</Credentials>\x01garbage')
NOT_JSON = b"<html>not json</html>"

# Fault kinds that replace the answer without asking upstream ("pre") and
# those that alter upstream's answer ("post").
PRE_FAULTS = ("throttle", "status", "errorbody", "html", "reset", "malformed",
              "notjson")
POST_FAULTS = ("truncate", "truncate_json", "badcrc", "lost")
# "unprocessed" alters both: BatchGetItem asks upstream for half the keys
# and answers the other half as UnprocessedKeys.
SPLIT_FAULTS = ("unprocessed",)
FAULT_KINDS = PRE_FAULTS + POST_FAULTS + SPLIT_FAULTS
FAULTS_WITH_ARG = ("status", "errorbody")


# --------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------

@dataclass
class Fault:
    """The fault chosen for one request: an optional kind (name, arg) and an
    optional delay before answering."""
    kind: tuple = None
    delay_ms: int = 0

    @property
    def label(self):
        """Log label, e.g. "throttle", "status=500", "delay=50+reset"."""
        parts = []
        if self.delay_ms:
            parts.append(f"delay={self.delay_ms}")
        if self.kind:
            name, arg = self.kind
            parts.append(name if arg is None else f"{name}={arg}")
        return "+".join(parts) or None


def parse_fault_kind(name, value):
    """Validate one fault kind; return (name, arg) or raise ValueError."""
    if name not in FAULT_KINDS:
        raise ValueError(f"unknown fault {name!r}")
    if name == "status":
        try:
            code = int(value)
        except (TypeError, ValueError):
            raise ValueError("status needs an HTTP code, e.g. status=500") \
                from None
        if not 400 <= code <= 599:
            raise ValueError("status must be 400..599")
        return name, code
    if name == "errorbody":
        if not value or not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", value):
            raise ValueError("errorbody needs an error code, "
                             "e.g. errorbody=ValidationException")
        return name, value
    if value is not None:
        raise ValueError(f"fault {name!r} takes no value")
    return name, None


def split_names(value):
    """"Scan|Query" or ["Scan", "Query"] -> frozenset; None -> None."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.split("|")
    if not isinstance(value, list) or not all(
            isinstance(v, str) and v for v in value):
        raise ValueError("op/table must be a name, a list or null")
    return frozenset(value)


@dataclass
class PathFaultSpec:
    """A parsed /fault/<spec>/ path segment."""
    text: str
    kinds: list
    delay_ms: int = 0
    ops: frozenset = None
    tables: frozenset = None
    rate: float = None
    skip: int = 0
    count: int = None

    @classmethod
    def parse(cls, text):
        """Parse a spec string; raises ValueError with a readable reason."""
        spec = cls(text=text, kinds=[])
        for item in unquote(text).split(","):
            item = item.strip()
            if not item:
                continue
            name, sep, value = item.partition("=")
            value = value if sep else None
            try:
                if name == "delay":
                    spec.delay_ms = int(value)
                    if not 0 <= spec.delay_ms <= 600000:
                        raise ValueError
                elif name == "op":
                    spec.ops = split_names(value)
                elif name == "table":
                    spec.tables = split_names(value)
                elif name == "rate":
                    spec.rate = float(value)
                    if not 0.0 <= spec.rate <= 1.0:
                        raise ValueError
                elif name in ("skip", "count"):
                    n = int(value)
                    if n < 0:
                        raise ValueError
                    setattr(spec, name, n)
                else:
                    spec.kinds.append(parse_fault_kind(name, value))
                    continue
            except (TypeError, ValueError) as e:
                raise ValueError(f"bad fault item {item!r}"
                                 + (f": {e}" if str(e) else "")) from None
        if not spec.kinds and not spec.delay_ms:
            raise ValueError(f"fault spec {text!r} names no fault")
        return spec

    def matches(self, op, table):
        """Whether the op/table filters select this request."""
        return ((self.ops is None or op in self.ops) and
                (self.tables is None or table in self.tables))


@dataclass
class GlobalFaultPlan:
    """The compiled "faults" configuration (per-request probabilities)."""
    kinds: list                 # [((name, arg), rate), ...] in order
    delay_ms: int = 0
    ops: frozenset = None
    tables: frozenset = None

    @classmethod
    def compile(cls, doc):
        """Compile the faults map; raises ValueError if malformed."""
        plan = cls(kinds=[])
        if not isinstance(doc, dict):
            raise ValueError("faults must be an object")
        total = 0.0
        for key, value in doc.items():
            if key == "delay_ms":
                if not isinstance(value, int) or not 0 <= value <= 600000:
                    raise ValueError("faults.delay_ms must be 0..600000")
                plan.delay_ms = value
            elif key == "op":
                plan.ops = split_names(value)
            elif key == "table":
                plan.tables = split_names(value)
            else:
                m = re.fullmatch(r"status=?(\d+)", key)
                name, _, arg = key.partition("=")
                kind = (parse_fault_kind("status", m.group(1)) if m else
                        parse_fault_kind(name, arg if arg else None))
                if not isinstance(value, (int, float)) or isinstance(
                        value, bool) or not 0 <= value <= 1:
                    raise ValueError(f"faults.{key} must be a rate 0..1")
                total += value
                if value > 0:
                    plan.kinds.append((kind, float(value)))
        if total > 1.0 + 1e-9:
            raise ValueError("fault rates add up to more than 1")
        return plan

    @property
    def active(self):
        return bool(self.kinds or self.delay_ms)


class FaultEngine:
    """Decides which fault, if any, a request gets.

    Path specs keep per-spec counters (matched, faulted) and their own RNG
    seeded from (seed, spec text), so one path's decisions do not depend on
    traffic on other paths.  Global faults share one RNG seeded from seed.
    """

    def __init__(self, seed):
        self._lock = threading.Lock()
        self._specs = {}
        self.reset(seed)

    def reset(self, seed):
        """Drop counters and reseed every RNG."""
        with self._lock:
            self._seed = seed
            self._counters = {}
            self._rngs = {}
            self._global_rng = random.Random(seed)

    def parse(self, text):
        """Parse (and cache) a spec string; ValueError if malformed."""
        spec = self._specs.get(text)
        if spec is None:
            spec = PathFaultSpec.parse(text)
            with self._lock:
                if len(self._specs) >= MAX_SPEC_CACHE:
                    self._specs.clear()
                self._specs[text] = spec
        return spec

    def decide_path(self, spec, op, table):
        """Apply spec's filters, skip, count and rate; return Fault/None."""
        if not spec.matches(op, table):
            return None
        key = unquote(spec.text)
        with self._lock:
            counter = self._counters.setdefault(key, [0, 0])
            counter[0] += 1
            if counter[0] <= spec.skip:
                return None
            if spec.count is not None and counter[1] >= spec.count:
                return None
            if spec.rate is not None:
                rng = self._rngs.get(key)
                if rng is None:
                    rng = self._rngs[key] = random.Random(
                        f"{self._seed}/{key}")
                if rng.random() >= spec.rate:
                    return None
            faulted = counter[1]
            counter[1] += 1
        kind = spec.kinds[faulted % len(spec.kinds)] if spec.kinds else None
        return Fault(kind, spec.delay_ms)

    def decide_global(self, plan, op, table):
        """Roll the global plan for one request; return Fault/None."""
        if not plan.active:
            return None
        if plan.ops is not None and op not in plan.ops:
            return None
        if plan.tables is not None and table not in plan.tables:
            return None
        kind = None
        if plan.kinds:
            with self._lock:
                roll = self._global_rng.random()
            acc = 0.0
            for candidate, rate in plan.kinds:
                acc += rate
                if roll < acc:
                    kind = candidate
                    break
        if kind is None and not plan.delay_ms:
            return None
        return Fault(kind, plan.delay_ms)

    def counters(self):
        """Current counters {spec: {"matched": n, "faulted": m}}."""
        with self._lock:
            return {k: {"matched": v[0], "faulted": v[1]}
                    for k, v in self._counters.items()}


def fault_reply(kind, protocol):
    """The Reply for a "pre" fault kind (one not needing upstream)."""
    name, arg = kind
    sts = protocol == "sts"
    if name == "throttle":
        if sts:
            return sts_error_reply(400, "Throttling", "Rate exceeded")
        return dynamodb_error_reply(400,
                                    "ProvisionedThroughputExceededException",
                                    THROTTLE_MSG)
    if name == "status":
        if sts:
            return sts_error_reply(arg, "InternalFailure" if arg >= 500 else
                                   "InjectedFault", f"Injected HTTP {arg}",
                                   "Receiver" if arg >= 500 else "Sender")
        if arg >= 500:
            return dynamodb_error_reply(arg, "InternalServerError",
                                        "Internal server error")
        if arg == 429:
            return dynamodb_error_reply(arg, "ThrottlingException",
                                        "Rate exceeded")
        return dynamodb_error_reply(arg, "InjectedFault",
                                    f"Injected HTTP {arg}")
    if name == "errorbody":
        if sts:
            return sts_error_reply(400, arg, f"Injected error {arg}")
        return dynamodb_error_reply(400, arg, f"Injected error {arg}")
    if name == "html":
        return Reply(502, HTML_502, [("Content-Type", "text/html")])
    if name == "reset":
        return Reply(0, reset=True)
    body = {"malformed": MALFORMED_XML if sts else MALFORMED_JSON,
            "notjson": NOT_JSON}[name]
    reply = Reply(200, body, [("Content-Type", XML_CT if sts else JSON_CT),
                              ("x-amzn-RequestId", dynamodb_request_id())])
    if not sts:
        reply.headers.append(("x-amz-crc32", crc32_of(body)))
    return reply


def apply_post_fault(kind, reply):
    """Alter upstream's reply for a "post" fault kind; returns the Reply."""
    name = kind[0]
    if name == "truncate":
        reply.truncate_at = len(reply.body) // 2
        reply.close = True
    elif name == "truncate_json":
        reply.status = 200
        reply.body = reply.body[:len(reply.body) // 2]
        if reply.header("x-amz-crc32") is not None or \
                reply.header("Content-Type") == JSON_CT:
            reply.set_header("x-amz-crc32", crc32_of(reply.body))
    elif name == "badcrc":
        good = int(crc32_of(reply.body))
        reply.set_header("x-amz-crc32", str((good + 1) & 0xFFFFFFFF))
    elif name == "lost":
        return Reply(0, reset=True)
    return reply


def split_batch_get(body):
    """Keep the first half of each table's Keys of a BatchGetItem body;
    returns (new body, UnprocessedKeys for the rest or None)."""
    try:
        doc = json.loads(body)
        items = doc["RequestItems"]
    except (ValueError, KeyError, TypeError):
        return body, None
    unprocessed = {}
    for table, entry in items.items():
        keys = entry.get("Keys") or []
        keep = max(1, len(keys) // 2)
        if len(keys) > keep:
            rest = dict(entry)
            rest["Keys"] = keys[keep:]
            unprocessed[table] = rest
            entry["Keys"] = keys[:keep]
    return json.dumps(doc).encode(), unprocessed or None


def split_batch_write(body):
    """Keep the first half of each table's write requests of a
    BatchWriteItem body; returns (new body, UnprocessedItems or None)."""
    try:
        doc = json.loads(body)
        items = doc["RequestItems"]
    except (ValueError, KeyError, TypeError):
        return body, None
    unprocessed = {}
    for table, requests in items.items():
        keep = max(1, len(requests) // 2)
        if len(requests) > keep:
            unprocessed[table] = requests[keep:]
            items[table] = requests[:keep]
    return json.dumps(doc).encode(), unprocessed or None


def add_unprocessed_keys(reply, unprocessed, member="UnprocessedKeys"):
    """Put UnprocessedKeys (or UnprocessedItems) into upstream's answer."""
    try:
        doc = json.loads(reply.body)
    except ValueError:
        return reply
    doc[member] = unprocessed
    reply.body = json.dumps(doc).encode()
    reply.set_header("x-amz-crc32", crc32_of(reply.body))
    return reply
