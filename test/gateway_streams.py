"""
gateway_streams.py -- DynamoDB Streams the way AWS serves them, for gateway.py

DynamoDB Local's streams differ from AWS's where a long-running stream sync
cares; with the "streams" configuration (below) the gateway makes them look
like AWS's, for the tables it names:

  * Time to Live.  DynamoDB Local 3.3 writes a delete by TTL as a record
    whose eventName is "UNKNOWN_TO_SDK_VERSION" (what its own SDK calls an
    operation it does not know), without NewImage (with the OldImage when
    the view type has old images) and without userIdentity.  AWS writes
    eventName "REMOVE" with userIdentity {"Type": "Service", "PrincipalId":
    "dynamodb.amazonaws.com"} (the API's member names, as botocore's model
    has them; AWS's prose spells them type, principalId).  ttl_as_aws rewrites the
    former into the latter in GetRecords answers.
  * Event names.  event_names {"MODIFY": "ARCHIVE", ...} renames events in
    GetRecords answers (after the TTL rewrite): a record no client knows.
  * Retention.  AWS trims stream records older than 24 hours; DynamoDB
    Local keeps them.  With retention_seconds N, records older than N
    seconds are trimmed as AWS trims them: a GetShardIterator TRIM_HORIZON
    starts after them (its request is rewritten to AFTER_SEQUENCE_NUMBER of
    the newest trimmed record), AT_SEQUENCE_NUMBER / AFTER_SEQUENCE_NUMBER
    of a position whose next record is trimmed answers 400
    TrimmedDataAccessException, and so does a GetRecords whose answer holds
    a trimmed record (an iterator taken before its records were trimmed).
    A record's age counts from when the gateway first saw it: a poller
    reads the named tables' streams from DynamoDB Local every 0.25 s (these
    requests are not logged), and records first seen in an answer count
    from then.  Trimming is per stream: DynamoDB Local's sequence numbers
    grow across its shards.

Configuration (the "streams" key of gateway_config.py, merged key by key):
  {"ttl_as_aws": false, "event_names": {}, "retention_seconds": null,
   "table": null | "t" | ["t", ...]}
  table selects the tables all of this applies to (null: every table);
  retention_seconds needs a table list (the poller reads only those).

Log: a GetRecords answer rewritten has fault "streams" and detail
{"ttl_as_aws": n, "renamed": n}; an answer of TrimmedDataAccessException
fault "retention"; a TRIM_HORIZON moved past trimmed records fault
"retention" and detail {"trim_horizon_after": "<sequence number>"}.

IDENTIFICATION
    test/gateway_streams.py
"""

import json
import re
import threading
import time

TTL_EVENT_LOCAL = "UNKNOWN_TO_SDK_VERSION"
# GetRecords' member names (AWS's documents spell them type, principalId)
TTL_IDENTITY = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
TRIMMED_MSG = ("The operation attempted to read past the oldest stream record "
               "in a shard.")
POLL_SECONDS = 0.25
DEFAULTS = {"ttl_as_aws": False, "event_names": {}, "retention_seconds": None,
            "table": None}
ITERATOR_ARN_RE = re.compile(r"^(arn:aws:dynamodb:[^|]+/stream/[^|]+)\|")


def settings_of(cfg):
    """The streams settings of a configuration, defaults filled in."""
    out = dict(DEFAULTS)
    out.update(cfg or {})
    return out


def tables_of(value):
    """None, "t" or ["t", ...] -> None or a frozenset of names."""
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    return frozenset(value)


def validate(cfg):
    """Raise ValueError unless cfg is a well-formed "streams" map."""
    if not isinstance(cfg, dict):
        raise ValueError("streams must be an object")
    bad = set(cfg) - set(DEFAULTS)
    if bad:
        raise ValueError(f"streams: unknown keys {sorted(bad)}; valid: "
                         + ", ".join(sorted(DEFAULTS)))
    s = settings_of(cfg)
    if not isinstance(s["ttl_as_aws"], bool):
        raise ValueError("streams.ttl_as_aws must be a boolean")
    names = s["event_names"]
    if not isinstance(names, dict) or not all(
            isinstance(k, str) and k and isinstance(v, str) and v
            for k, v in names.items()):
        raise ValueError("streams.event_names must map names to names")
    ret = s["retention_seconds"]
    if ret is not None and (isinstance(ret, bool) or
                            not isinstance(ret, (int, float)) or ret <= 0):
        raise ValueError("streams.retention_seconds must be positive or null")
    table = s["table"]
    if table is not None and not (
            (isinstance(table, str) and table) or
            (isinstance(table, list) and table and
             all(isinstance(t, str) and t for t in table))):
        raise ValueError("streams.table must be a name, a list or null")
    if ret is not None and table is None:
        raise ValueError("streams.retention_seconds needs streams.table")


def selects(settings, table):
    tables = tables_of(settings["table"])
    return tables is None or table in tables


class StreamsEmulation:
    """The rewrites and the retention of the module doc.

    post(target, doc) sends one request to DynamoDB Local for the poller
    (target "DynamoDB_20120810.DescribeTable", ...) and returns (status,
    answer document); config() returns the current "streams" map.
    """

    def __init__(self, post, config):
        self._post = post
        self._config = config
        self._lock = threading.Lock()
        self._births = {}        # stream ARN -> {sequence (int): first seen}
        self._seqtext = {}       # stream ARN -> {sequence (int): its text}
        self._iterators = {}     # (ARN, shard) -> iterator of the poller
        self._last = {}          # (ARN, shard) -> last sequence seen (text)
        self._thread = threading.Thread(target=self._poll_loop,
                                        name="streams-poller", daemon=True)
        self._thread.start()

    def reset(self):
        """Forget every record seen."""
        with self._lock:
            self._births.clear()
            self._seqtext.clear()
            self._iterators.clear()
            self._last.clear()

    # -- births and the trim horizon -------------------------------------

    def _seen(self, arn, records, now):
        """Notes records (GetRecords' list) first seen now."""
        with self._lock:
            births = self._births.setdefault(arn, {})
            texts = self._seqtext.setdefault(arn, {})
            for r in records:
                seq = (r.get("dynamodb") or {}).get("SequenceNumber")
                if isinstance(seq, str) and seq.isdigit():
                    births.setdefault(int(seq), now)
                    texts.setdefault(int(seq), seq)

    def horizon(self, arn, retention, now):
        """The newest trimmed sequence number of a stream (as (int, text)),
        or None: every record seen more than retention seconds ago is
        trimmed, and so is every one before it."""
        cutoff = now - retention
        with self._lock:
            births = self._births.get(arn) or {}
            old = [s for s, born in births.items() if born < cutoff]
            if not old:
                return None
            h = max(old)
            return h, self._seqtext[arn][h]

    # -- the poller ---------------------------------------------------------

    def _poll_loop(self):
        while True:
            time.sleep(POLL_SECONDS)
            try:
                s = settings_of(self._config())
                if s["retention_seconds"] is None:
                    continue
                for table in sorted(tables_of(s["table"]) or ()):
                    self._poll_table(table)
            except Exception:   # keep polling after an upstream hiccup
                continue

    def _poll_table(self, table):
        status, desc = self._post("DynamoDB_20120810.DescribeTable",
                                  {"TableName": table})
        arn = (desc.get("Table") or {}).get("LatestStreamArn") \
            if status == 200 else None
        if not arn:
            return
        shards, start = [], None
        while True:
            doc = {"StreamArn": arn}
            if start:
                doc["ExclusiveStartShardId"] = start
            status, sd = self._post("DynamoDBStreams_20120810.DescribeStream",
                                    doc)
            if status != 200:
                return
            sd = sd.get("StreamDescription") or {}
            shards += [s["ShardId"] for s in sd.get("Shards") or []]
            start = sd.get("LastEvaluatedShardId")
            if not start:
                break
        for shard in shards:
            self._poll_shard(arn, shard)

    def _poll_shard(self, arn, shard):
        key = (arn, shard)
        it = self._iterators.get(key)
        if it is None:
            doc = {"StreamArn": arn, "ShardId": shard,
                   "ShardIteratorType": "TRIM_HORIZON"}
            if self._last.get(key):
                doc.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                           SequenceNumber=self._last[key])
            status, ans = self._post(
                "DynamoDBStreams_20120810.GetShardIterator", doc)
            if status != 200:
                return
            it = ans.get("ShardIterator")
        for _ in range(100):
            status, page = self._post("DynamoDBStreams_20120810.GetRecords",
                                      {"ShardIterator": it, "Limit": 1000})
            if status != 200:
                self._iterators.pop(key, None)   # ask again after the last
                return
            records = page.get("Records") or []
            self._seen(arn, records, time.time())
            if records:
                self._last[key] = records[-1]["dynamodb"]["SequenceNumber"]
            it = page.get("NextShardIterator")
            if not it:
                self._iterators.pop(key, None)   # closed, read to its end
                return
            self._iterators[key] = it
            if not records:
                return

    # -- requests and answers -----------------------------------------------

    def before(self, op, body, table, cfg, now):
        """A streams request before it goes upstream.  Returns None (send it
        as it is), ("body", new body, log label, detail) or ("trimmed",
        detail)."""
        s = settings_of(cfg)
        ret = s["retention_seconds"]
        if op != "GetShardIterator" or ret is None or not selects(s, table):
            return None
        try:
            doc = json.loads(body)
            arn = doc["StreamArn"]
            kind = doc["ShardIteratorType"]
        except (ValueError, KeyError, TypeError):
            return None
        h = self.horizon(arn, ret, now)
        if h is None:
            return None
        seq = doc.get("SequenceNumber")
        if kind == "TRIM_HORIZON":
            doc["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER"
            doc["SequenceNumber"] = h[1]
            return ("body", json.dumps(doc).encode(), "retention",
                    {"trim_horizon_after": h[1]})
        if isinstance(seq, str) and seq.isdigit() and (
                (kind == "AT_SEQUENCE_NUMBER" and int(seq) <= h[0]) or
                (kind == "AFTER_SEQUENCE_NUMBER" and int(seq) < h[0])):
            return ("trimmed", {"sequence": seq, "trimmed_through": h[1]})
        return None

    def after(self, op, body, table, request_body, cfg, now):
        """A GetRecords answer (status 200) before it goes to the client.
        Returns None (as it is), ("body", new body, label, detail) or
        ("trimmed", detail)."""
        s = settings_of(cfg)
        if op != "GetRecords" or not selects(s, table):
            return None
        ret = s["retention_seconds"]
        rename = s["event_names"]
        if ret is None and not s["ttl_as_aws"] and not rename:
            return None
        try:
            doc = json.loads(body)
            records = doc.get("Records") or []
            iterator = json.loads(request_body).get("ShardIterator", "")
        except (ValueError, AttributeError):
            return None
        if ret is not None:
            m = ITERATOR_ARN_RE.match(iterator)
            if m:
                arn = m.group(1)
                self._seen(arn, records, now)
                h = self.horizon(arn, ret, now)
                for r in records:
                    seq = r["dynamodb"]["SequenceNumber"]
                    if h is not None and int(seq) <= h[0]:
                        return ("trimmed", {"sequence": seq,
                                            "trimmed_through": h[1]})
        ttl = renamed = 0
        for r in records:
            if (s["ttl_as_aws"] and r.get("eventName") == TTL_EVENT_LOCAL and
                    "NewImage" not in (r.get("dynamodb") or {})):
                r["eventName"] = "REMOVE"
                r["userIdentity"] = dict(TTL_IDENTITY)
                ttl += 1
            if r.get("eventName") in rename:
                r["eventName"] = rename[r["eventName"]]
                renamed += 1
        if not ttl and not renamed:
            return None
        return ("body", json.dumps(doc, separators=(",", ":")).encode(),
                "streams", {"ttl_as_aws": ttl, "renamed": renamed})
