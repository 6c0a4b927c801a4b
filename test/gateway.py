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
  --config     optional JSON start-up configuration (see "Configuration").
Exits 0 on SIGTERM/SIGINT.

Request classification
----------------------
  /__gw/...                               control API (no signature)
  /latest/...                             EC2 IMDSv2 (no signature; see
                                          "Ambient credentials")
  /ecs, /ecs/...                          container credential endpoint (no
                                          signature; see "Ambient credentials")
  header X-Amz-Target: DynamoDB_20120810.<Op> or DynamoDBStreams_20120810.<Op>
                                          DynamoDB: verified (service
                                          "dynamodb"), forwarded upstream
                                          (Describe/UpdateContinuousBackups:
                                          see "Continuous backups")
  POST, Content-Type application/x-www-form-urlencoded (or ?Action= query)
                                          STS (service "sts"), form field
                                          Action
  anything else                           400 UnknownOperationException

A DynamoDB/STS request may use any other path; a path starting with
/fault/<spec>/ selects faults (below).  The signature is verified against the
path the client used.  Note the SigV4 rule for non-S3 services: the canonical
URI is the wire path URI-encoded once more, so "/fault/delay=5/" is signed as
"/fault/delay%3D5/".

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

Control API (under /__gw/, loopback only, no signature)
-------------------------------------------------------
  GET  /__gw/health               200 "ok"
  GET  /__gw/log[?since=N]        text log (above)
  GET  /__gw/log.jsonl[?since=N]  JSON-lines log
  POST /__gw/log/reset            clear log and stats; seq restarts at 1
  POST /__gw/drain[?timeout=S]    wait (default 30 s) until no request is
                                   being served, so answers to requests a
                                   client gave up on are logged; 504 if
                                   the timeout passed
  GET  /__gw/stats                {"requests", "by_op", "by_status",
                                   "by_fault", "by_error", "by_access_key"}
  GET  /__gw/config               current configuration (web identity tokens
                                   and container_token redacted)
  POST /__gw/config               JSON body merged into the configuration
  POST /__gw/reset                start-up configuration, fault counters and
                                   RNGs restored, temporary credentials (STS,
                                   IMDS, container) and IMDS tokens dropped,
                                   stream records seen forgotten (the log is
                                   kept)
  POST /__gw/faults/reset         fault counters and RNGs only
  POST /__gw/expire-credentials   mark issued temporary credentials expired;
                                   body {"access_key_id": "ASIA..."} for one
                                   (default: all); answers {"expired": n}
  POST /__gw/imds/expire-tokens   invalidate every IMDS token (the next GET
                                   with one gets 401); answers {"expired": n}
  GET  /__gw/credentials          issued temporary credentials: access key id,
                                   role, session name, source ("sts", "imds",
                                   "container"), expiry, expired flag (no
                                   secrets)
  GET  /__gw/issued-secrets       TEST-ONLY: {"secrets": [[secret, session
                                   token], ...]} of every credential issued
                                   since start-up, so a suite can prove none
                                   of them reached a log
  POST /__gw/keys/reload          re-read the --keys file
  GET  /__gw/continuous-backups   {"<table>": true | false, ...}: the tables
                                   told about (see "Continuous backups")
  POST /__gw/continuous-backups   {"table": "<name>", "point_in_time_recovery":
                                   true | false}: as UpdateContinuousBackups
                                   (404 {"error": ...} if DynamoDB Local has
                                   no such table)

Configuration (--config file, POST /__gw/config)
------------------------------------------------
  roles                {"<role arn>": {"external_id": "<id>" | null,
                         "principals": ["AKID" | "<caller arn>", ...] | null,
                         "max_duration": 900..43200 (default 43200)}}
                       Who may AssumeRole (signed with any known key, static
                       or temporary -- role chaining included):
                         principals null: any known, unexpired identity;
                         else the caller must match one entry by
                         - its access key id (static "AKID..." or a
                           temporary "ASIA..."), or
                         - its caller ARN (GetCallerIdentity's Arn: static
                           "arn:aws:iam::<account>:user/<AKID>", temporary
                           "arn:aws:sts::<account>:assumed-role/<role name>/
                           <session>"), or
                         - for temporary credentials, the ARN of the role
                           they were issued for, whoever issued them: STS
                           AssumeRole / AssumeRoleWithWebIdentity (the
                           RoleArn), IMDS ("arn:aws:iam::<account>:role/
                           <imds_role>"), the container endpoint
                           ("arn:aws:iam::<account>:role/<container_role>").
                       Exact string comparison; no wildcards.
  web_identity_tokens  {"<token>": "<role arn>"}
  sts_lifetime_seconds int | null: overrides DurationSeconds for the lifetime
                       of issued credentials (e.g. 320 for refresh tests)
  sts_down             true: every STS call answers 503 ServiceUnavailable
  faults               global faults for DynamoDB/Streams requests without a
                       /fault/ prefix: {"throttle": 0.3, "status500": 0.05,
                       "reset": 0.02, "truncate": 0.02, "truncate_json": 0,
                       "malformed": 0, "badcrc": 0.01, "notjson": 0,
                       "html": 0, "errorbody=<Code>": 0.1, "delay_ms": 0,
                       "op": null | "Scan" | ["Scan", ...],
                       "table": null | "t" | [...]}.  Values are per-request
                       probabilities (their sum must be <= 1); at most one
                       kind hits a request; delay_ms applies to every
                       matching request.
  seed                 RNG seed (default 1); fault decisions are deterministic
                       for a given seed and request order
  region               null (any) or the region credential scopes must name
  account_id           account used in ARNs (default "123456789012")
  clock_skew_seconds   added to the gateway's clock (default 0)
  max_skew_seconds     allowed X-Amz-Date skew (default 300)
  imds_role            IMDS instance role name (default
                       "ddb-fdw-instance-role"); null = an instance without a
                       role (the role listing and credential GETs answer 404)
  imds_down            true: every IMDS request answers 503
  container_token      the Authorization value the container endpoint requires
                       (default "ddb-fdw-container-token"); null = none needed
  container_role       container role name (default "ddb-fdw-task-role")
  container_down       true: every container endpoint request answers 500
  ambient_lifetime_seconds
                       lifetime of IMDS and container credentials, 1..43200
                       (default 3600); sts_lifetime_seconds does not apply
  streams              {"ttl_as_aws": false, "event_names": {},
                        "retention_seconds": null, "table": null | "t" | [...]}:
                       DynamoDB Local's streams as AWS serves them, for these
                       tables (test/gateway_streams.py says what each does)
Merging: top-level keys replace, except roles, web_identity_tokens, faults and
streams, which merge key by key (a null value deletes the key -- for streams:
back to its default; a null map clears it).

Ambient credentials (the database host's own AWS identity)
----------------------------------------------------------
Point the PostgreSQL server's environment here:
  AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:PORT/
  AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:PORT/ecs/credentials
  AWS_CONTAINER_AUTHORIZATION_TOKEN=<container_token> (or a file with it in
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: the client reads it, the gateway
  only sees the Authorization header)
These requests are unsigned (no SigV4 check), never faulted (neither /fault/
paths -- which they cannot use -- nor global faults; only imds_down and
container_down), and logged (ops IMDSToken, IMDSRoleName, IMDSCredentials,
IMDS, ContainerCredentials; table "-"; akid = the issued access key id).
Credentials issued here are temporary credentials like STS's: registered in
the credential store (so DynamoDB/STS requests signed with them verify),
session token required, listed by GET /__gw/credentials, expired by
POST /__gw/expire-credentials, dropped by POST /__gw/reset; each request
issues fresh ones, lifetime ambient_lifetime_seconds.

EC2 IMDSv2 (tokens required: IMDSv1 is disabled)
  PUT /latest/api/token, header X-aws-ec2-metadata-token-ttl-seconds: 1..21600
        200 text/plain: a fresh random token, valid for that many seconds
        (the TTL header is echoed); TTL missing/invalid -> 400; a request
        carrying X-Forwarded-For -> 403; another method -> 405
  GET /latest/meta-data/iam/security-credentials/   (trailing "/" optional)
        header X-aws-ec2-metadata-token: <token>
        200 text/plain: imds_role (no newline); 404 if imds_role is null
  GET /latest/meta-data/iam/security-credentials/<imds_role>
        200 text/plain, EC2's JSON layout:
        {"Code" : "Success", "LastUpdated" : "...Z", "Type" : "AWS-HMAC",
         "AccessKeyId" : "ASIA...", "SecretAccessKey" : "...",
         "Token" : "...", "Expiration" : "...Z"}
        role ARN arn:aws:iam::<account_id>:role/<imds_role>, session name
        (for the assumed-role caller ARN) the instance id i-0dd8f0000000000a1;
        another role name -> 404
  any other /latest/ path: 404 (op IMDS)
  A GET without a token, or with an unknown or expired one, -> 401; another
  method than GET on these paths -> 405.  Errors are EC2's small HTML pages
  ("401 - Unauthorized").  imds_down: every IMDS request -> 503 first.
  POST /__gw/imds/expire-tokens invalidates the tokens handed out.

ECS/EKS container endpoint
  GET /ecs/credentials (any path under /ecs/, any query string)
        header Authorization: <container_token> (verbatim, no scheme)
        200 application/json:
        {"AccessKeyId": "ASIA...", "Expiration": "...Z",
         "RoleArn": "arn:aws:iam::<account_id>:role/<container_role>",
         "SecretAccessKey": "...", "Token": "..."}
        session name: a random 32-hex task id
  Authorization missing or wrong -> 401 {"code": "AccessDenied",
  "message": ...}; another method -> 405 {"code": "MethodNotAllowed", ...};
  container_down -> 500 {"code": "InternalServerError", ...} first.

Environment-variable credentials need no endpoint: put their key in the
--keys file (with AWS_SESSION_TOKEN they cannot be checked: only issued
temporary credentials carry tokens the gateway knows).

Continuous backups (DynamoDB Local has none)
--------------------------------------------
DynamoDB Local answers DescribeContinuousBackups and UpdateContinuousBackups
with 400 UnknownOperationException.  The gateway answers them itself for the
tables it has been told about -- by a signed UpdateContinuousBackups
({"TableName", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled":
bool}}, ValidationException otherwise) or POST /__gw/continuous-backups --
as DynamoDB does: {"ContinuousBackupsDescription": {"ContinuousBackupsStatus":
"ENABLED", "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus":
"ENABLED" | "DISABLED", and while enabled EarliestRestorableDateTime,
LatestRestorableDateTime (epoch seconds) and RecoveryPeriodInDays 35}}}, after
asking DynamoDB Local whether the table exists (DescribeTable; if not: 400
TableNotFoundException "Table not found: <name>", and the table is
forgotten).  DescribeContinuousBackups of any other table goes to DynamoDB
Local, so its UnknownOperationException is what a client sees.  A DeleteTable
answered 200 forgets the table.  POST /__gw/reset keeps what was told (a
table's setting, not the gateway's).  Faults apply to these operations as to
any other.

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
"""

import argparse
import base64
import calendar
import datetime
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import secrets
import signal
import socket
import struct
import sys
import threading
import time
import traceback
import uuid
import zlib
from dataclasses import dataclass, field

sys.dont_write_bytecode = True  # gateway_streams: no __pycache__ in the tree
import gateway_streams  # noqa: E402  (the directory of this script)
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape as xml_escape

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

# --------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------

NS_CORAL = "com.amazon.coral.service"            # credential/protocol errors
NS_DYNAMODB = "com.amazonaws.dynamodb.v20120810"  # DynamoDB's own errors
STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"
STS_VERSION = "2011-06-15"
JSON_CT = "application/x-amz-json-1.0"
XML_CT = "text/xml"

DYNAMODB_PREFIX = "DynamoDB_20120810."
STREAMS_PREFIX = "DynamoDBStreams_20120810."

SIGV4_ALGORITHM = "AWS4-HMAC-SHA256"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"

IDLE_TIMEOUT = 300.0          # client socket timeout (idle keep-alive too)
UPSTREAM_TIMEOUT = 120.0      # DynamoDB Local may be slow on big pages
MAX_BODY = 64 * 1024 * 1024   # request bodies above this are refused
MAX_SPEC_CACHE = 4096         # distinct fault specs remembered
MAX_LOG_ENTRIES = 500000      # oldest log entries are dropped beyond this

SIGNATURE_MISMATCH_MSG = (
    "The request signature we calculated does not match the signature you "
    "provided. Check your AWS Secret Access Key and signing method. Consult "
    "the service documentation for details.")
INVALID_TOKEN_MSG = "The security token included in the request is invalid."
EXPIRED_TOKEN_MSG = "The security token included in the request is expired"
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

# Credential-check failures and how each service reports them:
# kind -> {protocol: (HTTP status, error code)}.
AUTH_ERRORS = {
    "missing": {"dynamodb": (400, "MissingAuthenticationTokenException"),
                "sts": (403, "MissingAuthenticationToken")},
    "incomplete": {"dynamodb": (400, "IncompleteSignatureException"),
                   "sts": (400, "IncompleteSignature")},
    "unknown_key": {"dynamodb": (400, "UnrecognizedClientException"),
                    "sts": (403, "InvalidClientTokenId")},
    "signature": {"dynamodb": (400, "InvalidSignatureException"),
                  "sts": (403, "SignatureDoesNotMatch")},
    "expired": {"dynamodb": (400, "ExpiredTokenException"),
                "sts": (400, "ExpiredToken")},
}

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


def crc32_of(body):
    """Return the x-amz-crc32 value (unsigned CRC-32 IEEE, decimal) of body."""
    return str(zlib.crc32(body) & 0xFFFFFFFF)


def dynamodb_request_id():
    """Return a DynamoDB-style request id (52 upper-case letters/digits)."""
    return base64.b32encode(os.urandom(35)).decode()[:52]


def iso8601(ts):
    """Format a Unix time as ISO-8601 UTC with a Z suffix (STS Expiration)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


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
# Errors and replies
# --------------------------------------------------------------------------

class GatewayError(Exception):
    """An error answered to the client in the protocol of its request.

    status/code/message form the answer; namespace is the JSON __type prefix
    (DynamoDB protocol); sts_type is the STS <Type> (Sender or Receiver);
    detail is a diagnostic for the request log only (never sent).
    """

    def __init__(self, status, code, message, namespace=NS_CORAL,
                 sts_type="Sender", detail=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.namespace = namespace
        self.sts_type = sts_type
        self.detail = detail


def auth_error(kind, protocol, message, detail=None):
    """Build the GatewayError AWS answers for a credential failure of kind."""
    status, code = AUTH_ERRORS[kind][protocol]
    return GatewayError(status, code, message, detail=detail)


@dataclass
class Reply:
    """An answer to send.  Content-Length is added by the writer.

    truncate_at: send only this many body bytes (headers still announce the
    full length), then close.  reset: send nothing, close with RST.
    """
    status: int
    body: bytes = b""
    headers: list = field(default_factory=list)
    truncate_at: int = None
    reset: bool = False
    close: bool = False

    def header(self, name):
        """Return the value of header name (case-insensitive) or None."""
        lname = name.lower()
        for k, v in self.headers:
            if k.lower() == lname:
                return v
        return None

    def set_header(self, name, value):
        """Replace (or add) header name."""
        lname = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != lname]
        self.headers.append((name, value))


def json_reply(status, doc, request_id=None, crc=None):
    """A JSON 1.0 reply; crc=True adds x-amz-crc32 (as DynamoDB on 200)."""
    body = json.dumps(doc, separators=(",", ":")).encode()
    headers = [("Content-Type", JSON_CT),
               ("x-amzn-RequestId", request_id or dynamodb_request_id())]
    if crc is None:
        crc = status == 200
    if crc:
        headers.append(("x-amz-crc32", crc32_of(body)))
    return Reply(status, body, headers)


def dynamodb_error_reply(status, code, message, namespace=NS_DYNAMODB):
    """A DynamoDB JSON error body {"__type": ns#code, "message": ...}."""
    return json_reply(status, {"__type": f"{namespace}#{code}",
                               "message": message}, crc=False)


def xml_reply(status, xml_text):
    """An STS (query protocol) XML reply."""
    rid = str(uuid.uuid4())
    body = xml_text.replace("@REQUEST_ID@", rid).encode()
    return Reply(status, body, [("Content-Type", XML_CT),
                                ("x-amzn-RequestId", rid)])


def sts_error_reply(status, code, message, sts_type="Sender"):
    """An STS ErrorResponse document."""
    return xml_reply(status, (
        f'<ErrorResponse xmlns="{STS_XMLNS}">\n'
        f"  <Error>\n    <Type>{sts_type}</Type>\n"
        f"    <Code>{xml_escape(code)}</Code>\n"
        f"    <Message>{xml_escape(message)}</Message>\n  </Error>\n"
        f"  <RequestId>@REQUEST_ID@</RequestId>\n</ErrorResponse>\n"))


def error_reply(protocol, err):
    """Render GatewayError err for protocol "sts" or anything JSON."""
    if protocol == "sts":
        return sts_error_reply(err.status, err.code, err.message,
                               err.sts_type)
    return dynamodb_error_reply(err.status, err.code, err.message,
                                err.namespace)


# --------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------

DEFAULT_CONFIG = {
    "roles": {},
    "web_identity_tokens": {},
    "sts_lifetime_seconds": None,
    "sts_down": False,
    "faults": {},
    "seed": 1,
    "region": None,
    "account_id": "123456789012",
    "clock_skew_seconds": 0,
    "max_skew_seconds": 300,
    "imds_role": "ddb-fdw-instance-role",
    "imds_down": False,
    "container_token": "ddb-fdw-container-token",
    "container_role": "ddb-fdw-task-role",
    "container_down": False,
    "ambient_lifetime_seconds": 3600,
    "streams": {},
}
MAP_KEYS = ("roles", "web_identity_tokens", "faults", "streams")
ROLE_NAME_RE = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
ROLE_KEYS = ("external_id", "principals", "max_duration")


def merge_config(base, patch):
    """Return a new config: base with patch merged in (see module doc).

    Raises ValueError for unknown keys or invalid values.
    """
    if not isinstance(patch, dict):
        raise ValueError("configuration must be a JSON object")
    merged = json.loads(json.dumps(base))  # deep copy of plain JSON data
    for key, value in patch.items():
        if key not in DEFAULT_CONFIG:
            raise ValueError(f"unknown configuration key {key!r}; valid keys: "
                             + ", ".join(sorted(DEFAULT_CONFIG)))
        if key in MAP_KEYS:
            if value is None:
                merged[key] = {}
                continue
            if not isinstance(value, dict):
                raise ValueError(f"{key} must be an object or null")
            for k, v in value.items():
                if v is None:
                    merged[key].pop(k, None)
                else:
                    merged[key][k] = v
        else:
            merged[key] = value
    validate_config(merged)
    return merged


def validate_config(cfg):
    """Raise ValueError unless cfg is a well-formed configuration."""
    def is_int(v):
        return isinstance(v, int) and not isinstance(v, bool)

    for arn, role in cfg["roles"].items():
        if not isinstance(role, dict):
            raise ValueError(f"role {arn!r} must be an object")
        bad = set(role) - set(ROLE_KEYS)
        if bad:
            raise ValueError(f"role {arn!r}: unknown keys {sorted(bad)}")
        ext = role.get("external_id")
        if ext is not None and not isinstance(ext, str):
            raise ValueError(f"role {arn!r}: external_id must be a string")
        pr = role.get("principals")
        if pr is not None and not (isinstance(pr, list) and
                                   all(isinstance(p, str) for p in pr)):
            raise ValueError(f"role {arn!r}: principals must be a list")
        md = role.get("max_duration", 43200)
        if not is_int(md) or not 900 <= md <= 43200:
            raise ValueError(f"role {arn!r}: max_duration must be 900..43200")
    for arn in cfg["web_identity_tokens"].values():
        if not isinstance(arn, str):
            raise ValueError("web_identity_tokens values must be role ARNs")
    life = cfg["sts_lifetime_seconds"]
    if life is not None and (not is_int(life) or life < 1):
        raise ValueError("sts_lifetime_seconds must be a positive integer")
    if not isinstance(cfg["sts_down"], bool):
        raise ValueError("sts_down must be a boolean")
    if not is_int(cfg["seed"]):
        raise ValueError("seed must be an integer")
    if cfg["region"] is not None and not isinstance(cfg["region"], str):
        raise ValueError("region must be a string or null")
    if not isinstance(cfg["account_id"], str):
        raise ValueError("account_id must be a string")
    if not isinstance(cfg["clock_skew_seconds"], (int, float)):
        raise ValueError("clock_skew_seconds must be a number")
    if not is_int(cfg["max_skew_seconds"]) or cfg["max_skew_seconds"] < 0:
        raise ValueError("max_skew_seconds must be a non-negative integer")
    for key in ("imds_role", "container_role"):
        name = cfg[key]
        if name is None and key == "imds_role":
            continue                    # an instance without a role
        if not isinstance(name, str) or not ROLE_NAME_RE.fullmatch(name):
            raise ValueError(f"{key} must be an IAM role name "
                             "([\\w+=,.@-], 1..64 characters)"
                             + (" or null" if key == "imds_role" else ""))
    for key in ("imds_down", "container_down"):
        if not isinstance(cfg[key], bool):
            raise ValueError(f"{key} must be a boolean")
    token = cfg["container_token"]
    if token is not None and (not isinstance(token, str) or not token or
                              any(c in token for c in "\r\n\0")):
        raise ValueError("container_token must be a non-empty one-line "
                         "string or null")
    life = cfg["ambient_lifetime_seconds"]
    if not is_int(life) or not 1 <= life <= 43200:
        raise ValueError("ambient_lifetime_seconds must be 1..43200")
    GlobalFaultPlan.compile(cfg["faults"])  # raises ValueError if bad
    gateway_streams.validate(cfg["streams"])


class ConfigSnapshot:
    """An immutable view of the configuration plus its compiled fault plan.

    Readers take one snapshot per request; writers swap in a new one, so a
    request never sees half an update and no lock is needed to read.
    """

    def __init__(self, data):
        self.data = data
        self.faults = GlobalFaultPlan.compile(data["faults"])

    def __getitem__(self, key):
        return self.data[key]

    def now(self):
        """The gateway's clock (wall clock plus clock_skew_seconds)."""
        return time.time() + self.data["clock_skew_seconds"]

    def public(self):
        """The configuration for GET /__gw/config (tokens redacted)."""
        doc = json.loads(json.dumps(self.data))
        doc["web_identity_tokens"] = {
            f"<redacted {len(t)} chars #{i}>": arn for i, (t, arn) in
            enumerate(self.data["web_identity_tokens"].items())}
        if doc["container_token"] is not None:
            doc["container_token"] = \
                f"<redacted {len(doc['container_token'])} chars>"
        return doc


class ConfigStore:
    """Holds the start-up configuration and the current snapshot."""

    def __init__(self, initial_patch):
        self._lock = threading.Lock()
        self._initial = merge_config(DEFAULT_CONFIG, initial_patch or {})
        self._current = ConfigSnapshot(self._initial)

    def snapshot(self):
        """Return the current ConfigSnapshot (an atomic reference read)."""
        return self._current

    def merge(self, patch):
        """Merge patch into the current configuration; ValueError if bad."""
        with self._lock:
            self._current = ConfigSnapshot(
                merge_config(self._current.data, patch))
            return self._current

    def reset(self):
        """Restore the start-up configuration."""
        with self._lock:
            self._current = ConfigSnapshot(json.loads(
                json.dumps(self._initial)))
            return self._current


# --------------------------------------------------------------------------
# Credentials: static keys and temporary credentials issued by STS
# --------------------------------------------------------------------------

@dataclass
class Identity:
    """A known access key.  For temporary credentials, token/expires/role
    describe the session; arn is the caller ARN AWS would report."""
    access_key_id: str
    secret: str
    temporary: bool = False
    token: str = None
    expires: float = None
    role_arn: str = None
    session_name: str = None
    arn: str = None
    forced_expired: bool = False
    source: str = None          # "sts", "imds" or "container" (temporary)

    def is_expired(self, now):
        return self.temporary and (self.forced_expired or now >= self.expires)


class CredentialStore:
    """Static keys (from the --keys file) and issued temporary credentials."""

    def __init__(self, keys_path):
        self._lock = threading.Lock()
        self._keys_path = keys_path
        self._static = {}
        self._temporary = {}
        # every secret and session token ever issued (never cleared): the
        # auth suite greps the server log for them
        self._issued = []
        self.reload_keys()

    def reload_keys(self):
        """(Re)read the keys file; raises ValueError if malformed."""
        with open(self._keys_path, encoding="utf-8") as f:
            doc = json.load(f)
        if not isinstance(doc, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and k and v
                for k, v in doc.items()):
            raise ValueError("keys file must be a JSON object "
                             '{"ACCESS_KEY_ID": "secret", ...}')
        with self._lock:
            self._static = dict(doc)
        return len(doc)

    def lookup(self, akid, account_id):
        """Return the Identity of akid, or None if unknown."""
        with self._lock:
            temp = self._temporary.get(akid)
            if temp is not None:
                return temp
            secret = self._static.get(akid)
        if secret is None:
            return None
        return Identity(akid, secret,
                        arn=f"arn:aws:iam::{account_id}:user/{akid}")

    def issue(self, role_arn, session_name, lifetime, now, account_id,
              source="sts"):
        """Create, register and return fresh temporary credentials.

        source says who issued them ("sts", "imds", "container"); they are
        verified alike."""
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
        akid = "ASIA" + "".join(secrets.choice(alphabet) for _ in range(16))
        secret = base64.b64encode(secrets.token_bytes(30)).decode()  # 40 chars
        # Real session tokens are a few hundred base64 characters, with "/",
        # "+" and "=": exercise the client's header handling the same way.
        token = "IQoJb3JpZ2luX2VjE" + base64.b64encode(
            secrets.token_bytes(330)).decode()
        role_name = role_arn.rsplit("/", 1)[-1]
        ident = Identity(
            akid, secret, temporary=True, token=token, expires=now + lifetime,
            role_arn=role_arn, session_name=session_name,
            arn=f"arn:aws:sts::{account_id}:assumed-role/{role_name}/"
                f"{session_name}", source=source)
        with self._lock:
            self._temporary[akid] = ident
            self._issued.append([secret, token])
        return ident

    def expire(self, akid=None):
        """Force issued credentials (all, or akid) expired; return count."""
        with self._lock:
            targets = ([self._temporary[akid]] if akid in self._temporary
                       else [] if akid else list(self._temporary.values()))
            for ident in targets:
                ident.forced_expired = True
            return len(targets)

    def issued_secrets(self):
        """[secret, token] of every credential issued so far (test-only)."""
        with self._lock:
            return [list(pair) for pair in self._issued]

    def clear_temporary(self):
        """Forget all issued temporary credentials."""
        with self._lock:
            self._temporary.clear()

    def list_temporary(self, now):
        """Public description of issued credentials (no secrets/tokens)."""
        with self._lock:
            return [{"access_key_id": i.access_key_id, "role_arn": i.role_arn,
                     "session_name": i.session_name, "source": i.source,
                     "expiration": iso8601(i.expires),
                     "expired": i.is_expired(now)}
                    for i in self._temporary.values()]


# --------------------------------------------------------------------------
# SigV4 verification (botocore is the reference implementation)
# --------------------------------------------------------------------------

class _ExactHeadersSigV4(SigV4Auth):
    """botocore's SigV4Auth, signing exactly the headers on the request.

    botocore's own headers_to_sign() drops user-agent/expect/x-amzn-trace-id
    and invents a Host header from the URL when none is present; a verifier
    must instead use precisely the client's SignedHeaders, which is what the
    reconstructed request carries.  Everything else (canonical URI and query,
    header canonicalisation, payload hash, string to sign, key derivation) is
    botocore's.
    """

    def headers_to_sign(self, request):
        header_map = HTTPHeaders()
        for name, value in request.headers.items():
            header_map[name.lower()] = value
        return header_map


@dataclass
class ParsedAuthorization:
    """The parts of an Authorization header."""
    access_key_id: str
    date: str
    region: str
    service: str
    terminator: str
    signed_headers: list
    signature: str


class SigV4Verifier:
    """Checks that a request is signed, with a known key, correctly."""

    def __init__(self, credentials):
        self._credentials = credentials

    @staticmethod
    def parse_authorization(value, protocol):
        """Split an Authorization header; GatewayError if malformed."""
        algorithm, _, rest = value.strip().partition(" ")
        if algorithm != SIGV4_ALGORITHM:
            raise auth_error("incomplete", protocol,
                             f"Unsupported AWS 'algorithm': '{algorithm}'")
        parts = {}
        for item in rest.split(","):
            key, sep, val = item.strip().partition("=")
            if sep:
                parts[key.strip()] = val.strip()
        missing = [k for k in ("Credential", "SignedHeaders", "Signature")
                   if not parts.get(k)]
        if missing:
            raise auth_error("incomplete", protocol, " ".join(
                f"Authorization header requires '{k}' parameter." for k in
                missing) + f" Authorization={algorithm}")
        scope = parts["Credential"].split("/")
        if len(scope) != 5:
            raise auth_error(
                "incomplete", protocol,
                "Credential must have exactly 5 slash-delimited elements, "
                "e.g. keyid/date/region/service/term, got "
                f"'{parts['Credential']}'")
        return ParsedAuthorization(
            scope[0], scope[1], scope[2], scope[3], scope[4],
            parts["SignedHeaders"].split(";"), parts["Signature"])

    def verify(self, req, service, cfg):
        """Verify req (an IncomingRequest) for service ("dynamodb"/"sts").

        Returns the signer's Identity; raises GatewayError as AWS would.
        Also records access_key_id and signed_headers in req.log.
        """
        protocol = "sts" if service == "sts" else "dynamodb"
        auth_value = req.headers.get("Authorization")
        if not auth_value:
            raise auth_error("missing", protocol,
                             "Request is missing Authentication Token")
        auth = self.parse_authorization(auth_value, protocol)
        req.log["access_key_id"] = auth.access_key_id
        req.log["signed_headers"] = auth.signed_headers

        if auth.service != service:
            raise auth_error(
                "signature", protocol, "Credential should be scoped to "
                f"correct service: '{service}'. ")
        ident = self._credentials.lookup(auth.access_key_id,
                                         cfg["account_id"])
        if ident is None:
            raise auth_error("unknown_key", protocol, INVALID_TOKEN_MSG)
        token = req.headers.get("X-Amz-Security-Token")
        if ident.temporary:
            if not token or not hmac.compare_digest(token.encode(),
                                                    ident.token.encode()):
                raise auth_error("unknown_key", protocol, INVALID_TOKEN_MSG,
                                 detail="session token missing or wrong")
            if ident.is_expired(cfg.now()):
                raise auth_error("expired", protocol, EXPIRED_TOKEN_MSG)
        elif token:
            raise auth_error("unknown_key", protocol, INVALID_TOKEN_MSG,
                             detail="session token sent with a static key")
        if cfg["region"] is not None and auth.region != cfg["region"]:
            raise auth_error(
                "signature", protocol,
                "Credential should be scoped to a valid region. ")
        if auth.terminator != "aws4_request":
            raise auth_error(
                "signature", protocol, "Credential should be scoped with a "
                f"valid terminator: 'aws4_request', not '{auth.terminator}'. ")

        signed = [h.strip().lower() for h in auth.signed_headers]
        if "host" not in signed:
            raise auth_error("incomplete", protocol, "'Host' or ':authority' "
                             "must be a 'SignedHeader' in the AWS "
                             "Authorization.")
        amz_date = req.headers.get("X-Amz-Date")
        if not amz_date:
            raise auth_error("incomplete", protocol,
                             "Authorization header requires existence of "
                             "either a 'X-Amz-Date' or a 'Date' header. "
                             f"Authorization={SIGV4_ALGORITHM}")
        try:
            signed_at = calendar.timegm(time.strptime(amz_date,
                                                      AMZ_DATE_FORMAT))
        except ValueError:
            raise auth_error("incomplete", protocol,
                             "Date must be in ISO-8601 'basic format'. Got "
                             f"'{amz_date}'.") from None
        if auth.date != amz_date[:8]:
            raise auth_error(
                "signature", protocol,
                "Date in Credential scope does not match YYYYMMDD from "
                "ISO-8601 version of date from HTTP: "
                f"'{auth.date}' != '{amz_date[:8]}', from '{amz_date}'.")
        if token and "x-amz-security-token" not in signed:
            raise auth_error("signature", protocol, SIGNATURE_MISMATCH_MSG,
                             detail="x-amz-security-token is not signed")
        self._check_clock(signed_at, amz_date, cfg, protocol)
        self._check_signature(req, auth, signed, ident, protocol)
        return ident

    @staticmethod
    def _check_clock(signed_at, amz_date, cfg, protocol):
        """Reject X-Amz-Date more than max_skew_seconds off, as AWS does."""
        now = cfg.now()
        skew = cfg["max_skew_seconds"]
        fmt = lambda t: time.strftime(AMZ_DATE_FORMAT, time.gmtime(t))
        if signed_at < now - skew:
            raise auth_error(
                "signature", protocol,
                f"Signature expired: {amz_date} is now earlier than "
                f"{fmt(now - skew)} ({fmt(now)} - {skew // 60} min.)")
        if signed_at > now + skew:
            raise auth_error(
                "signature", protocol,
                f"Signature not yet current: {amz_date} is still later than "
                f"{fmt(now + skew)} ({fmt(now)} + {skew // 60} min.)")

    @staticmethod
    def _check_signature(req, auth, signed, ident, protocol):
        """Rebuild the request from the signed headers and let botocore sign.

        The canonical URI is the path the client used (with any /fault/
        prefix); the timestamp is the client's X-Amz-Date.
        """
        request = AWSRequest(method=req.method,
                             url="http://" + (req.headers.get("Host") or "") +
                             req.raw_path,
                             data=req.body)
        missing = []
        for name in signed:
            values = req.headers.get_all(name)
            if values is None:
                missing.append(name)
                continue
            for value in values:
                request.headers[name] = value
        content_sha = request.headers.get("X-Amz-Content-SHA256")
        if content_sha is not None and content_sha != hashlib.sha256(
                req.body).hexdigest():
            raise auth_error("signature", protocol, SIGNATURE_MISMATCH_MSG,
                             detail="x-amz-content-sha256 does not match "
                                    "the body")
        request.context["timestamp"] = req.headers.get("X-Amz-Date")
        signer = _ExactHeadersSigV4(
            Credentials(ident.access_key_id, ident.secret),
            auth.service, auth.region)
        canonical = signer.canonical_request(request)
        string_to_sign = signer.string_to_sign(request, canonical)
        expected = signer.signature(string_to_sign, request)
        if not hmac.compare_digest(expected.encode(),
                                   auth.signature.strip().lower().encode()):
            if ident.token:
                canonical = canonical.replace(ident.token, "<token>")
            detail = {"canonical_request": canonical,
                      "string_to_sign": string_to_sign}
            if missing:
                detail["missing_signed_headers"] = missing
            raise auth_error("signature", protocol, SIGNATURE_MISMATCH_MSG,
                             detail=detail)


# --------------------------------------------------------------------------
# STS
# --------------------------------------------------------------------------

SESSION_NAME_RE = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
EXTERNAL_ID_RE = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)


def validation_error(value, member, constraint):
    """An STS ValidationError in AWS's "1 validation error detected" form."""
    shown = "null" if value is None else f"'{value}'"
    return GatewayError(400, "ValidationError",
                        f"1 validation error detected: Value {shown} at "
                        f"'{member}' failed to satisfy constraint: Member "
                        f"must {constraint}")


class StsService:
    """AssumeRole, AssumeRoleWithWebIdentity and GetCallerIdentity."""

    def __init__(self, credentials):
        self._credentials = credentials

    @staticmethod
    def parse_form(req):
        """Return the request's parameters (form body, or the query string
        of a GET) as a dict of first values."""
        text = req.query
        if req.method != "GET":
            try:
                text = req.body.decode("utf-8")
            except UnicodeDecodeError:
                text = ""
        return {k: v[0] for k, v in
                parse_qs(text, keep_blank_values=True).items()}

    def handle(self, action, form, caller, cfg, log):
        """Serve one STS action; returns a Reply or raises GatewayError."""
        version = form.get("Version")
        if version != STS_VERSION:
            raise GatewayError(400, "InvalidAction",
                               f"Could not find operation {action} for "
                               f"version {version or 'NO_VERSION_SPECIFIED'}")
        if action == "AssumeRole":
            return self._assume_role(form, caller, cfg, log)
        if action == "AssumeRoleWithWebIdentity":
            return self._assume_role_web_identity(form, cfg, log)
        if action == "GetCallerIdentity":
            return xml_reply(200, (
                f'<GetCallerIdentityResponse xmlns="{STS_XMLNS}">\n'
                f"  <GetCallerIdentityResult>\n"
                f"    <Arn>{xml_escape(caller.arn)}</Arn>\n"
                f"    <UserId>{xml_escape(caller.access_key_id)}</UserId>\n"
                f"    <Account>{xml_escape(cfg['account_id'])}</Account>\n"
                f"  </GetCallerIdentityResult>\n"
                f"  <ResponseMetadata><RequestId>@REQUEST_ID@</RequestId>"
                f"</ResponseMetadata>\n</GetCallerIdentityResponse>\n"))
        raise GatewayError(400, "InvalidAction",
                           f"Could not find operation {action} for version "
                           f"{STS_VERSION}")

    @staticmethod
    def _common_params(form, max_duration):
        """Validate RoleArn, RoleSessionName, DurationSeconds; return them."""
        arn = form.get("RoleArn")
        if arn is None:
            raise validation_error(None, "roleArn", "not be null")
        if not 20 <= len(arn) <= 2048:
            raise validation_error(arn, "roleArn", "have length between 20 "
                                   "and 2048")
        session = form.get("RoleSessionName")
        if session is None:
            raise validation_error(None, "roleSessionName", "not be null")
        if not SESSION_NAME_RE.fullmatch(session):
            raise validation_error(
                session, "roleSessionName",
                "satisfy regular expression pattern: [\\w+=,.@-]* and have "
                "length between 2 and 64")
        duration = form.get("DurationSeconds", "3600")
        try:
            seconds = int(duration)
        except ValueError:
            raise validation_error(duration, "durationSeconds",
                                   "be an integer") from None
        if seconds < 900:
            raise validation_error(duration, "durationSeconds",
                                   "have value greater than or equal to 900")
        if seconds > 43200:
            raise validation_error(duration, "durationSeconds",
                                   "have value less than or equal to 43200")
        if seconds > max_duration:
            raise GatewayError(400, "ValidationError",
                               "The requested DurationSeconds exceeds the "
                               "MaxSessionDuration set for this role.")
        return arn, session, seconds

    def _issue(self, arn, session, seconds, cfg, log):
        """Issue credentials; return (Identity, AssumedRoleUser XML)."""
        lifetime = cfg["sts_lifetime_seconds"] or seconds
        ident = self._credentials.issue(arn, session, lifetime, cfg.now(),
                                        cfg["account_id"])
        role_id = "AROA" + base64.b32encode(hashlib.sha256(
            arn.encode()).digest()).decode()[:17]
        log["issued_access_key_id"] = ident.access_key_id
        user = (f"    <AssumedRoleUser>\n"
                f"      <Arn>{xml_escape(ident.arn)}</Arn>\n"
                f"      <AssumedRoleId>{role_id}:{xml_escape(session)}"
                f"</AssumedRoleId>\n    </AssumedRoleUser>\n")
        creds = (f"    <Credentials>\n"
                 f"      <AccessKeyId>{ident.access_key_id}</AccessKeyId>\n"
                 f"      <SecretAccessKey>{ident.secret}</SecretAccessKey>\n"
                 f"      <SessionToken>{ident.token}</SessionToken>\n"
                 f"      <Expiration>{iso8601(ident.expires)}</Expiration>\n"
                 f"    </Credentials>\n")
        return user, creds

    def _assume_role(self, form, caller, cfg, log):
        arn = form.get("RoleArn")
        log["role_arn"] = arn
        role = cfg["roles"].get(arn)
        max_duration = (role or {}).get("max_duration", 43200)
        arn, session, seconds = self._common_params(form, max_duration)
        ext = form.get("ExternalId")
        if ext is not None and not EXTERNAL_ID_RE.fullmatch(ext):
            raise validation_error(ext, "externalId",
                                   "satisfy regular expression pattern: "
                                   "[\\w+=,.@:\\/-]* and have length between "
                                   "2 and 1224")
        denied = GatewayError(
            403, "AccessDenied",
            f"User: {caller.arn} is not authorized to perform: "
            f"sts:AssumeRole on resource: {arn}")
        if role is None:
            raise GatewayError(403, denied.code, denied.message,
                               detail="unknown role")
        # principals (module doc, "roles"): null = any verified caller; else
        # its access key id, its caller ARN, or -- temporary credentials from
        # STS, IMDS or the container endpoint -- the ARN of their role.
        principals = role.get("principals")
        if principals is not None and not {
                caller.access_key_id, caller.arn, caller.role_arn} & set(
                principals):
            raise GatewayError(403, denied.code, denied.message,
                               detail="principal not allowed")
        want = role.get("external_id")
        if want is not None and (ext is None or not hmac.compare_digest(
                ext.encode(), want.encode())):
            raise GatewayError(403, denied.code, denied.message,
                               detail="external id missing or wrong")
        user, creds = self._issue(arn, session, seconds, cfg, log)
        return xml_reply(200, (
            f'<AssumeRoleResponse xmlns="{STS_XMLNS}">\n'
            f"  <AssumeRoleResult>\n{user}{creds}  </AssumeRoleResult>\n"
            f"  <ResponseMetadata>\n    <RequestId>@REQUEST_ID@</RequestId>\n"
            f"  </ResponseMetadata>\n</AssumeRoleResponse>\n"))

    def _assume_role_web_identity(self, form, cfg, log):
        arn = form.get("RoleArn")
        log["role_arn"] = arn
        arn, session, seconds = self._common_params(form, 43200)
        token = form.get("WebIdentityToken")
        if token is None:
            raise validation_error(None, "webIdentityToken", "not be null")
        if not 4 <= len(token) <= 20000:
            raise validation_error("*** (redacted)", "webIdentityToken",
                                   "have length between 4 and 20000")
        mapped = None
        for known, role_arn in cfg["web_identity_tokens"].items():
            if hmac.compare_digest(known.encode(), token.encode()):
                mapped = role_arn
        if mapped is None:
            raise GatewayError(
                400, "InvalidIdentityToken",
                "The web identity token that was passed could not be "
                "validated by AWS. Get a new identity token from the "
                "identity provider and then retry the request.")
        if mapped != arn:
            raise GatewayError(403, "AccessDenied",
                               "Not authorized to perform "
                               "sts:AssumeRoleWithWebIdentity")
        user, creds = self._issue(arn, session, seconds, cfg, log)
        return xml_reply(200, (
            f'<AssumeRoleWithWebIdentityResponse xmlns="{STS_XMLNS}">\n'
            f"  <AssumeRoleWithWebIdentityResult>\n"
            f"    <SubjectFromWebIdentityToken>gateway-subject"
            f"</SubjectFromWebIdentityToken>\n"
            f"    <Audience>ddb-fdw-tests</Audience>\n{user}{creds}"
            f"    <Provider>gateway.local</Provider>\n"
            f"  </AssumeRoleWithWebIdentityResult>\n"
            f"  <ResponseMetadata>\n    <RequestId>@REQUEST_ID@</RequestId>\n"
            f"  </ResponseMetadata>\n</AssumeRoleWithWebIdentityResponse>\n"))


# --------------------------------------------------------------------------
# Ambient credentials: EC2 IMDSv2 and the ECS/EKS container endpoint
# --------------------------------------------------------------------------

IMDS_PREFIX = "/latest/"
IMDS_TOKEN_PATH = "/latest/api/token"
IMDS_CREDS_PATH = "/latest/meta-data/iam/security-credentials"
IMDS_TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"
IMDS_TOKEN_HEADER = "X-aws-ec2-metadata-token"
IMDS_MAX_TTL = 21600
IMDS_INSTANCE_ID = "i-0dd8f0000000000a1"   # the session name IMDS roles get
MAX_IMDS_TOKENS = 10000
CONTAINER_PREFIX = "/ecs"
IMDS_STATUS_TEXT = {400: "Bad Request", 401: "Unauthorized",
                    403: "Forbidden", 404: "Not Found",
                    405: "Method Not Allowed", 503: "Service Unavailable"}


def imds_error_reply(status, log, error):
    """An IMDS error: the small HTML page EC2's metadata service sends."""
    text = f"{status} - {IMDS_STATUS_TEXT[status]}"
    log["error"] = error
    log["error_message"] = text
    body = ('<?xml version="1.0" encoding="iso-8859-1"?>\n'
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n'
            '\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
            '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" '
            'lang="en">\n <head>\n'
            f'  <title>{text}</title>\n </head>\n <body>\n'
            f'  <h1>{text}</h1>\n </body>\n</html>\n').encode()
    reply = Reply(status, body, [("Content-Type", "text/html")])
    if status == 405:
        reply.headers.append(("Allow", "PUT" if log.get("op") == "IMDSToken"
                              else "GET"))
    return reply


def imds_text_reply(text, extra_headers=()):
    """An IMDS 200 answer (EC2 sends even the credential JSON as text)."""
    return Reply(200, text.encode(), [("Content-Type", "text/plain")] +
                 list(extra_headers))


def container_error_reply(status, code, message, log):
    """An ECS/EKS container endpoint error {"code": ..., "message": ...}."""
    log["error"] = code
    log["error_message"] = message
    body = json.dumps({"code": code, "message": message}).encode()
    return Reply(status, body, [("Content-Type", "application/json")])


class AmbientService:
    """The credential sources of the database host itself (see module doc):
    EC2 IMDSv2 under /latest/ and the container endpoint under /ecs/.

    Unsigned, never faulted (except imds_down / container_down); credentials
    issued here are registered in the CredentialStore like STS's.
    """

    def __init__(self, credentials):
        self._credentials = credentials
        self._lock = threading.Lock()
        self._tokens = {}       # IMDS token -> expiry (time.monotonic())

    @staticmethod
    def route(path):
        """"imds", "container" or None for a request path."""
        if path.startswith(IMDS_PREFIX):
            return "imds"
        if path == CONTAINER_PREFIX or path.startswith(CONTAINER_PREFIX +
                                                       "/"):
            return "container"
        return None

    # -- IMDS tokens ---------------------------------------------------------

    def _new_token(self, ttl):
        token = "AQAEA" + base64.urlsafe_b64encode(
            secrets.token_bytes(39)).decode()
        now = time.monotonic()
        with self._lock:
            if len(self._tokens) >= MAX_IMDS_TOKENS:
                self._tokens = {t: e for t, e in self._tokens.items()
                                if e > now}
                while len(self._tokens) >= MAX_IMDS_TOKENS:
                    del self._tokens[next(iter(self._tokens))]
            self._tokens[token] = now + ttl
        return token

    def _token_valid(self, token):
        if not token:
            return False
        with self._lock:
            expires = self._tokens.get(token)
        return expires is not None and time.monotonic() < expires

    def expire_tokens(self):
        """Invalidate every IMDS token (clients must fetch a new one);
        returns how many were live."""
        now = time.monotonic()
        with self._lock:
            live = sum(1 for e in self._tokens.values() if e > now)
            self._tokens.clear()
        return live

    # -- requests ------------------------------------------------------------

    def handle(self, kind, req, cfg, log):
        """Serve one ambient-credential request; returns a Reply."""
        if kind == "imds":
            log["service"] = "imds"
            return self._imds(req, cfg, log)
        log["service"] = "container"
        log["op"] = "ContainerCredentials"
        return self._container(req, cfg, log)

    def _issue(self, role_name, session, source, cfg, log):
        arn = f"arn:aws:iam::{cfg['account_id']}:role/{role_name}"
        now = cfg.now()
        ident = self._credentials.issue(arn, session,
                                        cfg["ambient_lifetime_seconds"], now,
                                        cfg["account_id"], source=source)
        log["access_key_id"] = ident.access_key_id
        log["issued_access_key_id"] = ident.access_key_id
        log["role_arn"] = arn
        return ident, now

    def _imds(self, req, cfg, log):
        path = req.path
        if path == IMDS_TOKEN_PATH:
            log["op"] = "IMDSToken"
        elif path in (IMDS_CREDS_PATH, IMDS_CREDS_PATH + "/"):
            log["op"] = "IMDSRoleName"
        elif path.startswith(IMDS_CREDS_PATH + "/"):
            log["op"] = "IMDSCredentials"
        else:
            log["op"] = "IMDS"
        if cfg["imds_down"]:
            return imds_error_reply(503, log, "ServiceUnavailable")

        if log["op"] == "IMDSToken":
            if req.method != "PUT":
                return imds_error_reply(405, log, "MethodNotAllowed")
            if req.headers.get("X-Forwarded-For") is not None:
                return imds_error_reply(403, log, "Forbidden")
            ttl = (req.headers.get(IMDS_TTL_HEADER) or "").strip()
            if not re.fullmatch(r"[0-9]{1,6}", ttl) or \
                    not 1 <= int(ttl) <= IMDS_MAX_TTL:
                log["detail"] = (f"{IMDS_TTL_HEADER} missing or not "
                                 f"1..{IMDS_MAX_TTL}")
                return imds_error_reply(400, log, "BadRequest")
            log["imds_token_ttl"] = int(ttl)
            return imds_text_reply(self._new_token(int(ttl)),
                                   [(IMDS_TTL_HEADER, ttl)])

        if req.method != "GET":
            return imds_error_reply(405, log, "MethodNotAllowed")
        # IMDSv1 is disabled (HttpTokens=required): a token is needed.
        if not self._token_valid(req.headers.get(IMDS_TOKEN_HEADER)):
            log["detail"] = "IMDS token missing, unknown or expired"
            return imds_error_reply(401, log, "Unauthorized")
        role = cfg["imds_role"]
        if log["op"] == "IMDSRoleName":
            if role is None:
                return imds_error_reply(404, log, "NotFound")
            return imds_text_reply(role)
        if log["op"] != "IMDSCredentials":
            return imds_error_reply(404, log, "NotFound")
        asked = path[len(IMDS_CREDS_PATH) + 1:]
        if role is None or asked != role:
            log["detail"] = "no such role on this instance"
            return imds_error_reply(404, log, "NotFound")
        ident, now = self._issue(role, IMDS_INSTANCE_ID, "imds", cfg, log)
        # EC2's own layout (two-space indent, " : ") exercises the client's
        # JSON reader more than a compact document would.
        doc = {"Code": "Success", "LastUpdated": iso8601(now),
               "Type": "AWS-HMAC", "AccessKeyId": ident.access_key_id,
               "SecretAccessKey": ident.secret, "Token": ident.token,
               "Expiration": iso8601(ident.expires)}
        return imds_text_reply(json.dumps(doc, indent=2,
                                          separators=(",", " : ")))

    def _container(self, req, cfg, log):
        if cfg["container_down"]:
            return container_error_reply(
                500, "InternalServerError",
                "gateway: container credential endpoint is down "
                "(container_down)", log)
        if req.method != "GET":
            return container_error_reply(405, "MethodNotAllowed",
                                         f"{req.method} is not supported",
                                         log)
        want = cfg["container_token"]
        if want is not None:
            got = req.headers.get("Authorization")
            if got is None or not hmac.compare_digest(got.encode(),
                                                      want.encode()):
                log["detail"] = ("Authorization header missing" if got is None
                                 else "Authorization header wrong")
                return container_error_reply(
                    401, "AccessDenied",
                    "Authorization token missing or invalid", log)
        role = cfg["container_role"]
        ident, _ = self._issue(role, uuid.uuid4().hex, "container", cfg, log)
        doc = {"AccessKeyId": ident.access_key_id,
               "Expiration": iso8601(ident.expires),
               "RoleArn": ident.role_arn,
               "SecretAccessKey": ident.secret, "Token": ident.token}
        return Reply(200, json.dumps(doc, indent=4).encode(),
                     [("Content-Type", "application/json")])


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


# --------------------------------------------------------------------------
# Continuous backups (see module doc)
# --------------------------------------------------------------------------

BACKUP_OPS = ("DescribeContinuousBackups", "UpdateContinuousBackups")
# DynamoDB Local wants an Authorization header, and checks nothing in it
LOCAL_AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=AKIDGATEWAYBACKUPS/20200101/us-east-1/"
    "dynamodb/aws4_request, SignedHeaders=host, Signature=0")
PITR_RECOVERY_DAYS = 35


class BackupService:
    """Point-in-time recovery of the tables the gateway was told about."""

    def __init__(self):
        self._lock = threading.Lock()
        self._tables = {}   # name -> epoch seconds PITR was enabled, or None

    def snapshot(self):
        with self._lock:
            return {t: since is not None for t, since in self._tables.items()}

    def told(self, table):
        with self._lock:
            return table in self._tables

    def forget(self, table):
        with self._lock:
            self._tables.pop(table, None)

    def set(self, table, enabled):
        with self._lock:
            since = self._tables.get(table)
            if not enabled:
                since = None
            elif since is None:
                since = time.time()
            self._tables[table] = since

    def description(self, table):
        """DynamoDB's ContinuousBackupsDescription document of table."""
        with self._lock:
            since = self._tables.get(table)
        pitr = {"PointInTimeRecoveryStatus": "DISABLED"}
        if since is not None:
            now = time.time()
            pitr = {"PointInTimeRecoveryStatus": "ENABLED",
                    "EarliestRestorableDateTime": round(since, 3),
                    "LatestRestorableDateTime": round(max(since, now - 300), 3),
                    "RecoveryPeriodInDays": PITR_RECOVERY_DAYS}
        return {"ContinuousBackupsDescription": {
            "ContinuousBackupsStatus": "ENABLED",
            "PointInTimeRecoveryDescription": pitr}}

    @staticmethod
    def table_exists(upstream, table):
        """Ask DynamoDB Local (DescribeTable); raises GatewayError when it
        cannot tell."""
        headers = {"Accept-Encoding": "identity", "Content-Type": JSON_CT,
                   "X-Amz-Target": DYNAMODB_PREFIX + "DescribeTable",
                   "Authorization": LOCAL_AUTHORIZATION}
        try:
            reply = upstream.post(json.dumps({"TableName": table}).encode(),
                                  headers)
        except (OSError, http.client.HTTPException) as e:
            raise GatewayError(502, "GatewayUpstreamError",
                               f"gateway: DynamoDB Local unreachable: {e}",
                               namespace=NS_CORAL) from None
        if reply.status == 200:
            return True
        if b"ResourceNotFoundException" in reply.body:
            return False
        raise GatewayError(502, "GatewayUpstreamError",
                           f"gateway: DescribeTable of {table!r} answered "
                           f"{reply.status}", namespace=NS_CORAL)

    def handle(self, op, req, log):
        """Answer op for req, or None: forward it (a table not told about)."""
        try:
            doc = json.loads(req.body) if req.body else {}
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            return dynamodb_error_reply(400, "SerializationException",
                                        "Start of structure or map found "
                                        "where not expected", NS_CORAL)
        table = doc.get("TableName")
        if not isinstance(table, str) or not table:
            return self._validation(log, "tableName", "not be null")
        if op == "UpdateContinuousBackups":
            spec = doc.get("PointInTimeRecoverySpecification")
            enabled = spec.get("PointInTimeRecoveryEnabled") \
                if isinstance(spec, dict) else None
            if not isinstance(enabled, bool):
                return self._validation(
                    log, "pointInTimeRecoverySpecification."
                    "pointInTimeRecoveryEnabled", "not be null")
        elif not self.told(table):
            return None
        if not self.table_exists(req.upstream, table):
            self.forget(table)
            log["error"] = "TableNotFoundException"
            return dynamodb_error_reply(400, "TableNotFoundException",
                                        f"Table not found: {table}")
        if op == "UpdateContinuousBackups":
            self.set(table, enabled)
        return json_reply(200, self.description(table))

    @staticmethod
    def _validation(log, member, constraint):
        log["error"] = "ValidationException"
        return dynamodb_error_reply(
            400, "ValidationException",
            f"1 validation error detected: Value null at '{member}' failed "
            f"to satisfy constraint: Member must {constraint}")


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
            # IMDS / container endpoint: unsigned, no faults (module doc).
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
# Control API
# --------------------------------------------------------------------------

def text_reply(status, text, ctype="text/plain; charset=utf-8"):
    return Reply(status, text.encode(), [("Content-Type", ctype)])


def control_json(status, doc):
    return text_reply(status, json.dumps(doc, indent=1, default=str) + "\n",
                      "application/json")


class ControlApi:
    """The /__gw/ endpoints (see module doc)."""

    def __init__(self, gateway):
        self.gw = gateway

    def handle(self, method, path, query, body):
        """Serve one control request; returns a Reply."""
        gw = self.gw
        params = {k: v[0] for k, v in parse_qs(query).items()}
        route = (method, path.rstrip("/") or "/")
        try:
            since = int(params.get("since", "0"))
        except ValueError:
            return text_reply(400, "since must be an integer\n")
        try:
            doc = json.loads(body) if body.strip() else {}
        except ValueError:
            return control_json(400, {"error": "body is not JSON"})

        if route == ("GET", "/__gw/health"):
            return text_reply(200, "ok")
        if route == ("GET", "/__gw/log"):
            return text_reply(200, gw.log.text(since))
        if route == ("GET", "/__gw/log.jsonl"):
            return text_reply(200, gw.log.jsonl(since),
                              "application/x-ndjson")
        if route == ("POST", "/__gw/drain"):
            try:
                timeout = float(params.get("timeout", "30"))
            except ValueError:
                return text_reply(400, "timeout must be a number\n")
            drained = gw.inflight.drain(timeout)
            return control_json(200 if drained else 504, {"drained": drained})
        if route == ("POST", "/__gw/log/reset"):
            gw.log.reset()
            return control_json(200, {"ok": True})
        if route == ("GET", "/__gw/stats"):
            stats = gw.log.stats()
            stats["fault_counters"] = gw.faults.counters()
            return control_json(200, stats)
        if route == ("GET", "/__gw/config"):
            return control_json(200, gw.config.snapshot().public())
        if route == ("POST", "/__gw/config"):
            try:
                snap = gw.config.merge(doc)
            except ValueError as e:
                return control_json(400, {"error": str(e)})
            if "seed" in doc or "faults" in doc:
                gw.faults.reset(snap["seed"])
            return control_json(200, snap.public())
        if route == ("POST", "/__gw/reset"):
            snap = gw.config.reset()
            gw.faults.reset(snap["seed"])
            gw.streams.reset()
            gw.credentials.clear_temporary()
            gw.ambient.expire_tokens()
            return control_json(200, {"ok": True})
        if route == ("POST", "/__gw/faults/reset"):
            gw.faults.reset(gw.config.snapshot()["seed"])
            return control_json(200, {"ok": True})
        if route == ("POST", "/__gw/expire-credentials"):
            akid = doc.get("access_key_id") if isinstance(doc, dict) else None
            return control_json(200, {"expired": gw.credentials.expire(akid)})
        if route == ("POST", "/__gw/imds/expire-tokens"):
            return control_json(200, {"expired": gw.ambient.expire_tokens()})
        if route == ("GET", "/__gw/issued-secrets"):
            # test-only: lets a suite prove no issued secret reached a log
            return control_json(200, {"secrets": gw.credentials.issued_secrets()})
        if route == ("GET", "/__gw/credentials"):
            return control_json(200, gw.credentials.list_temporary(
                gw.config.snapshot().now()))
        if route == ("GET", "/__gw/continuous-backups"):
            return control_json(200, gw.backups.snapshot())
        if route == ("POST", "/__gw/continuous-backups"):
            table = doc.get("table") if isinstance(doc, dict) else None
            enabled = doc.get("point_in_time_recovery") \
                if isinstance(doc, dict) else None
            if not isinstance(table, str) or not isinstance(enabled, bool):
                return control_json(400, {"error": "want {\"table\": name, "
                                          "\"point_in_time_recovery\": bool}"})
            upstream = gw.new_upstream()
            try:
                exists = gw.backups.table_exists(upstream, table)
            except GatewayError as e:
                return control_json(502, {"error": e.message})
            finally:
                upstream.close()
            if not exists:
                return control_json(404, {"error": f"no table {table!r}"})
            gw.backups.set(table, enabled)
            return control_json(200, gw.backups.description(table))
        if route == ("POST", "/__gw/keys/reload"):
            try:
                count = gw.credentials.reload_keys()
                return control_json(200, {"keys": count})
            except (OSError, ValueError) as e:
                return control_json(400, {"error": str(e)})
        return text_reply(404, f"no control endpoint {method} {path}\n")


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
