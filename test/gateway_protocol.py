"""
gateway_protocol.py -- what gateway.py's modules share of AWS's protocols

The content types, error namespaces and X-Amz-Target prefixes of DynamoDB,
DynamoDB Streams and STS; GatewayError (an error answered to a client in
the protocol of its request); Reply (an answer to send) and the builders of
the answers all parts of the gateway send: DynamoDB JSON 1.0 with its
x-amz-crc32, STS XML, and their error documents.

IDENTIFICATION
    test/gateway_protocol.py
"""

import base64
import json
import os
import time
import uuid
import zlib
from dataclasses import dataclass, field
from xml.sax.saxutils import escape as xml_escape

# --------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------

NS_CORAL = "com.amazon.coral.service"            # credential/protocol errors
NS_DYNAMODB = "com.amazonaws.dynamodb.v20120810"  # DynamoDB's own errors
STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"
JSON_CT = "application/x-amz-json-1.0"
XML_CT = "text/xml"

DYNAMODB_PREFIX = "DynamoDB_20120810."
STREAMS_PREFIX = "DynamoDBStreams_20120810."


def crc32_of(body):
    """Return the x-amz-crc32 value (unsigned CRC-32 IEEE, decimal) of body."""
    return str(zlib.crc32(body) & 0xFFFFFFFF)


def dynamodb_request_id():
    """Return a DynamoDB-style request id (52 upper-case letters/digits)."""
    return base64.b32encode(os.urandom(35)).decode()[:52]


def iso8601(ts):
    """Format a Unix time as ISO-8601 UTC with a Z suffix (STS Expiration)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))

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

