"""
gateway_log.py -- the gateway's request log and statistics

RequestLog keeps one entry per handled DynamoDB/STS/IMDS/container request
(in memory, bounded, optionally appended to --log-file) and the counters of
GET /__gw/stats; summarize_dynamodb_request and summarize_response fill an
entry from a request body and its answer.  The views:

Request log (GET /__gw/log[?since=SEQ])
---------------------------------------
text/plain, one line per handled DynamoDB/STS/IMDS/container request
(rejected and faulted ones included, control calls not), fields separated by
TAB, "-" when absent:

   1 seq        1, 2, ... (restarts at 1 after POST /__gw/log/reset)
   2 op         X-Amz-Target operation (Scan, Query, GetItem, BatchGetItem,
                DescribeTable, GetRecords, ...), the STS Action (AssumeRole,
                ...), IMDSToken / IMDSRoleName / IMDSCredentials / IMDS
                (any other /latest/ path), ContainerCredentials, or "Unknown"
   3 table      TableName; first table of RequestItems for BatchGetItem /
                BatchWriteItem, first item's table for Transact*; the table of
                StreamArn / ShardIterator for Streams; "-" for STS, IMDS and
                container requests
   4 segment    "Segment/TotalSegments" (e.g. 2/4) or "-"
   5 limit      Limit; for BatchGetItem the number of keys requested, for
                BatchWriteItem the number of write requests, for Transact* the
                number of items
   6 start_key  1 if ExclusiveStartKey (or ExclusiveStartTableName /
                ExclusiveStartShardId) is present, else 0
   7 status     HTTP status sent to the client (0 = connection reset)
                (entries are recorded just before the answer is written, so
                a client that has its answer finds its entry in the log)
   8 fault      injected fault label (throttle, status=500, errorbody=Code,
                html, reset, truncate, truncate_json, malformed, badcrc,
                notjson, delay=MS, or "delay=MS+kind"; the streams
                emulation's "streams" and "retention"), "-" if none
   9 akid       access key id of the signer ("-" if unsigned/unknown); for
                IMDSCredentials / ContainerCredentials the access key id of
                the credentials issued ("-" if none were)
  10 index      IndexName or "-"
  11 select     Select or "-"
  12 error      error code returned (e.g. InvalidSignatureException,
                ResourceNotFoundException, Throttling; IMDS: BadRequest,
                Unauthorized, Forbidden, NotFound, MethodNotAllowed,
                ServiceUnavailable; container: AccessDenied,
                InternalServerError, MethodNotAllowed) or "-"
  13 items      Count of the response (Scan/Query) or "-"

Tab, CR, LF and backslash inside values are replaced by "_" so the text can be
loaded with COPY ... (FORMAT text).

GET /__gw/log.jsonl[?since=SEQ] gives one JSON object per request with all the
above (keys seq, op, table, segment, total_segments, limit, has_start_key,
status, fault, access_key_id, index, select, error, items) plus service
("dynamodb", "streams", "sts", "imds", "container", "unknown"), time,
elapsed_ms (until the answer was ready to send), path, signed_headers, keys
(BatchGetItem), role_arn (STS, and the role of ambient credentials),
issued_access_key_id (STS, IMDS, container), imds_token_ttl (IMDSToken),
error_message, detail
(diagnostics, e.g. the expected canonical request on a signature mismatch, with
any session token redacted), response {bytes, count, scanned, last_key, has_items} and
request {the request's TableName, IndexName, Select, Limit, Segment,
TotalSegments, ExclusiveStartKey, ProjectionExpression, FilterExpression,
KeyConditionExpression, ConsistentRead, ExpressionAttributeNames,
ExpressionAttributeValues, ScanIndexForward, ReturnConsumedCapacity, Key,
RequestItems (BatchGetItem), StreamArn, ShardId, ShardIteratorType, ...}.
Never credentials: neither secrets nor session tokens are logged or echoed,
nor IMDS tokens, web identity tokens or the container authorization token.

IDENTIFICATION
    test/gateway_log.py
"""

import json
import re
import threading

from gateway_protocol import JSON_CT

MAX_LOG_ENTRIES = 500000      # oldest log entries are dropped beyond this


def clean_field(value):
    """Render one text-log field: "-" when absent, no TAB/CR/LF/backslash."""
    if value is None or value == "":
        return "-"
    text = str(value)
    for ch in "\t\r\n\\":
        if ch in text:
            text = text.replace(ch, "_")
    return text


# --------------------------------------------------------------------------
# Request log and statistics
# --------------------------------------------------------------------------

LOG_COLUMNS = ("seq", "op", "table", "segment", "limit", "has_start_key",
               "status", "fault", "access_key_id", "index", "select",
               "error", "items")


class RequestLog:
    """In-memory request log (text and JSON lines), stats, optional file.

    seq numbers are assigned in completion order; entries are kept in a list
    indexed by seq - first_seq so "since" lookups are O(1) plus output size.
    """

    def __init__(self, log_path=None):
        self._lock = threading.Lock()
        self._file = open(log_path, "a", encoding="utf-8") \
            if log_path else None
        self.reset()

    def reset(self):
        """Clear entries and stats; seq restarts at 1."""
        with self._lock:
            self._entries = []
            self._first_seq = 1
            self._next_seq = 1
            self._stats = {"requests": 0, "by_op": {}, "by_status": {},
                           "by_fault": {}, "by_error": {},
                           "by_access_key": {}}

    @staticmethod
    def format_line(entry):
        """The text-log line of one entry (see module doc)."""
        values = dict(entry)
        if entry.get("total_segments") is not None:
            values["segment"] = (f"{entry.get('segment', '?')}/"
                                 f"{entry['total_segments']}")
        else:
            values["segment"] = None
        values["has_start_key"] = 1 if entry.get("has_start_key") else 0
        return "\t".join(clean_field(values.get(c)) for c in LOG_COLUMNS)

    def add(self, entry):
        """Assign a seq to entry, store it, update stats, write the file."""
        with self._lock:
            entry["seq"] = self._next_seq
            self._next_seq += 1
            line = self.format_line(entry)
            entry["_line"] = line
            self._entries.append(entry)
            if len(self._entries) > MAX_LOG_ENTRIES:
                drop = len(self._entries) // 2
                del self._entries[:drop]
                self._first_seq += drop
            st = self._stats
            st["requests"] += 1
            for bucket, key in (("by_op", entry.get("op")),
                                ("by_status", str(entry.get("status"))),
                                ("by_fault", entry.get("fault")),
                                ("by_error", entry.get("error")),
                                ("by_access_key", entry.get("access_key_id"))):
                if key is not None:
                    st[bucket][key] = st[bucket].get(key, 0) + 1
            if self._file:
                self._file.write(line + "\n")
                self._file.flush()

    def annotate(self, seq, **fields):
        """Add fields to the stored entry seq (JSON-lines view only; the
        text line is kept).  The entry is replaced by an updated copy, so
        a concurrent jsonl() never sees a dict change while dumping it."""
        with self._lock:
            idx = seq - self._first_seq
            if 0 <= idx < len(self._entries):
                entry = dict(self._entries[idx])
                entry.update(fields)
                self._entries[idx] = entry

    def _since(self, since):
        start = max(0, since + 1 - self._first_seq)
        return self._entries[start:]

    def text(self, since=0):
        """Text lines of entries with seq > since."""
        with self._lock:
            return "".join(e["_line"] + "\n" for e in self._since(since))

    def jsonl(self, since=0):
        """JSON lines of entries with seq > since."""
        with self._lock:
            entries = self._since(since)
        return "".join(json.dumps({k: v for k, v in e.items()
                                   if not k.startswith("_")},
                                  separators=(",", ":"), default=str) + "\n"
                       for e in entries)

    def stats(self):
        """A copy of the statistics."""
        with self._lock:
            return json.loads(json.dumps(self._stats))

    def close(self):
        if self._file:
            self._file.close()


STREAM_TABLE_RE = re.compile(r":table/([A-Za-z0-9_.-]+)/stream/")
REQUEST_FIELDS = (
    "TableName", "IndexName", "Select", "Limit", "Segment", "TotalSegments",
    "ExclusiveStartKey", "ProjectionExpression", "FilterExpression",
    "KeyConditionExpression", "ConsistentRead", "ExpressionAttributeNames",
    "ExpressionAttributeValues", "ScanIndexForward", "ReturnConsumedCapacity",
    "AttributesToGet", "Key", "ExclusiveStartTableName", "StreamArn",
    "ShardId", "ShardIteratorType", "SequenceNumber", "ExclusiveStartShardId")


def summarize_dynamodb_request(op, body, log):
    """Fill log with the request fields tests look at (see module doc)."""
    try:
        doc = json.loads(body) if body else {}
    except ValueError:
        log["detail"] = "request body is not JSON"
        return
    if not isinstance(doc, dict):
        return
    log["request"] = {k: doc[k] for k in REQUEST_FIELDS if k in doc}
    table = doc.get("TableName")
    limit = doc.get("Limit")
    items = doc.get("RequestItems")
    if isinstance(items, dict) and items:
        table = next(iter(items))
        if op == "BatchGetItem":
            limit = sum(len(v.get("Keys", [])) for v in items.values()
                        if isinstance(v, dict))
            log["keys"] = limit
            log["request"]["RequestItems"] = items
        else:
            limit = sum(len(v) for v in items.values()
                        if isinstance(v, list))
            log["request"]["RequestItems"] = {
                t: len(v) if isinstance(v, list) else None
                for t, v in items.items()}
    transact = doc.get("TransactItems")
    if isinstance(transact, list) and transact:
        limit = len(transact)
        first = transact[0]
        if isinstance(first, dict) and first:
            inner = next(iter(first.values()))
            if isinstance(inner, dict):
                table = inner.get("TableName")
    if table is None:
        for key in ("StreamArn", "ShardIterator"):
            m = STREAM_TABLE_RE.search(str(doc.get(key, "")))
            if m:
                table = m.group(1)
                break
    log["table"] = table
    log["limit"] = limit
    log["index"] = doc.get("IndexName")
    log["select"] = doc.get("Select")
    if "TotalSegments" in doc:
        log["segment"] = doc.get("Segment")
        log["total_segments"] = doc["TotalSegments"]
    log["has_start_key"] = any(k in doc for k in (
        "ExclusiveStartKey", "ExclusiveStartTableName",
        "ExclusiveStartShardId"))


RESP_COUNT_RE = re.compile(rb'"Count":(\d+)')
RESP_SCANNED_RE = re.compile(rb'"ScannedCount":(\d+)')
STS_CODE_RE = re.compile(rb"<Code>([^<]{1,200})</Code>")


def summarize_response(reply, log):
    """Record the response size, Count/ScannedCount and error code.

    Count/ScannedCount/LastEvaluatedKey are found by pattern, not by parsing
    the (up to 1 MB) body; item values are objects, so '"Count":<digits>'
    only matches the top-level field.
    """
    body = reply.body
    resp = {"bytes": len(body)}
    if reply.status == 200 and reply.header("Content-Type") == JSON_CT:
        m = RESP_COUNT_RE.search(body)
        if m:
            resp["count"] = int(m.group(1))
            log["items"] = resp["count"]
        m = RESP_SCANNED_RE.search(body)
        if m:
            resp["scanned"] = int(m.group(1))
        resp["last_key"] = b'"LastEvaluatedKey":{' in body
        # a Select COUNT answer has no Items member at all
        resp["has_items"] = b'"Items":' in body or b'"Item":' in body
    elif reply.status >= 400 and len(body) < 65536 and not log.get("error"):
        try:
            doc = json.loads(body)
            code = str(doc.get("__type", "")).rsplit("#", 1)[-1]
            log["error"] = code or None
            log["error_message"] = doc.get("message") or doc.get("Message")
        except (ValueError, AttributeError):
            m = STS_CODE_RE.search(body)  # an STS (XML) error
            if m:
                log["error"] = m.group(1).decode("utf-8", "replace")
    log["response"] = resp
