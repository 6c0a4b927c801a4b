#!/usr/bin/python3
"""
gateway_selftest.py -- proves that test/gateway.py behaves as specified

Talks to a running gateway (which must sit in front of DynamoDB Local) with
boto3 clients and with raw http.client requests signed by botocore, and checks
signature verification, STS, the ambient credential endpoints (IMDSv2, the
container endpoint), every fault kind, the request log, the control API, the
emulated continuous backups (DescribeContinuousBackups,
UpdateContinuousBackups), and (gateway_streams_selftest.py) the streams
emulation.
It reconfigures the gateway through /__gw/ and restores it with
POST /__gw/reset at the end, so run it against a gateway of its own.

Prints "ok <name>" or "FAIL <name>: reason" per check; exits 0 only if all
pass.

IDENTIFICATION
    test/gateway_selftest.py

Usage
    /usr/bin/python3 test/gateway_selftest.py --gateway http://127.0.0.1:PORT \
        --keys KEYS.json
"""

import argparse
import datetime
import http.client
import importlib.util
import io
import json
import os
import socket
import sys
import threading
import time
import traceback
import zlib
from urllib.parse import urlencode, urlsplit

import boto3
import botocore.config
import botocore.exceptions
from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

# t_reference_vector imports gateway.py and its modules: leave no
# __pycache__ in the tree.
sys.dont_write_bytecode = True

from gateway_config import (  # noqa: E402
    DEFAULT_CONFIG, ConfigSnapshot, merge_config)
from gateway_protocol import GatewayError  # noqa: E402
from gateway_sigv4 import Identity, SigV4Verifier  # noqa: E402
from gateway_streams_selftest import StreamsChecks  # noqa: E402

REGION = "us-east-1"
NO_RETRY = botocore.config.Config(
    retries={"total_max_attempts": 1, "mode": "standard"},
    connect_timeout=5, read_timeout=30)
ROLE_A = "arn:aws:iam::123456789012:role/gw-selftest-open"
ROLE_B = "arn:aws:iam::123456789012:role/gw-selftest-external"
ROLE_C = "arn:aws:iam::123456789012:role/gw-selftest-restricted"
ROLE_X = "arn:aws:iam::123456789012:role/gw-selftest-unknown"
WEB_TOKEN = "gw-selftest-web-identity-token-0123456789"
ROLE_FROM_INSTANCE = "arn:aws:iam::123456789012:role/gw-selftest-from-instance"
ROLE_FROM_TASK = "arn:aws:iam::123456789012:role/gw-selftest-from-task"
ROLE_FROM_AKID = "arn:aws:iam::123456789012:role/gw-selftest-from-akid"
INSTANCE_ROLE = "ddb-fdw-instance-role"
INSTANCE_ROLE_ARN = "arn:aws:iam::123456789012:role/" + INSTANCE_ROLE
TASK_ROLE_ARN = "arn:aws:iam::123456789012:role/ddb-fdw-task-role"
CONTAINER_TOKEN = "ddb-fdw-container-token"
IMDS_TOKEN_PATH = "/latest/api/token"
IMDS_CREDS_PATH = "/latest/meta-data/iam/security-credentials"


class SelfTestFailure(Exception):
    """A check failed; the message says why."""


def expect(cond, reason):
    """Raise SelfTestFailure(reason) unless cond."""
    if not cond:
        raise SelfTestFailure(reason)


def crc(body):
    return str(zlib.crc32(body) & 0xFFFFFFFF)


class _FixedClockSigV4(SigV4Auth):
    """botocore's signer with a chosen clock (for skew tests)."""

    def __init__(self, credentials, service, region, when):
        super().__init__(credentials, service, region)
        self._when = when

    def add_auth(self, request):
        request.context["timestamp"] = self._when.strftime(SIGV4_TIMESTAMP)
        self._modify_request_before_signing(request)
        canonical = self.canonical_request(request)
        string_to_sign = self.string_to_sign(request, canonical)
        self._inject_signature_to_request(
            request, self.signature(string_to_sign, request))


class Response:
    """What a raw request got back."""

    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body)

    @property
    def error_type(self):
        try:
            return self.json().get("__type")
        except ValueError:
            return None

    def __repr__(self):
        return f"<{self.status} {self.body[:200]!r}>"


class Client:
    """Raw and boto3 access to the gateway."""

    def __init__(self, base_url, keys):
        self.base = base_url.rstrip("/")
        split = urlsplit(self.base)
        self.host, self.port = split.hostname, split.port
        self.keys = keys
        self.akid, self.secret = next(iter(keys.items()))

    # -- control API -----------------------------------------------------

    def control(self, method, path, doc=None):
        """Call /__gw/<path>; returns (status, text)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            body = json.dumps(doc).encode() if doc is not None else None
            conn.request(method, "/__gw/" + path, body=body,
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            return resp.status, resp.read().decode()
        finally:
            conn.close()

    def configure(self, doc):
        status, text = self.control("POST", "config", doc)
        expect(status == 200, f"POST /__gw/config: {status} {text}")

    def log_lines(self, since=0):
        status, text = self.control("GET", f"log?since={since}")
        expect(status == 200, f"GET log: {status}")
        return [line.split("\t") for line in text.splitlines()]

    def log_jsonl(self, since=0):
        status, text = self.control("GET", f"log.jsonl?since={since}")
        expect(status == 200, f"GET log.jsonl: {status}")
        return [json.loads(line) for line in text.splitlines()]

    def last_seq(self):
        lines = self.log_lines()
        return int(lines[-1][0]) if lines else 0

    # -- boto3 ---------------------------------------------------------------

    def ddb(self, akid=None, secret=None, token=None, path="",
            config=NO_RETRY):
        return boto3.client(
            "dynamodb", region_name=REGION, endpoint_url=self.base + path,
            aws_access_key_id=akid or self.akid,
            aws_secret_access_key=secret or self.secret,
            aws_session_token=token, config=config)

    def streams(self, path=""):
        return boto3.client(
            "dynamodbstreams", region_name=REGION,
            endpoint_url=self.base + path, aws_access_key_id=self.akid,
            aws_secret_access_key=self.secret, config=NO_RETRY)

    def sts(self, akid=None, secret=None, token=None, path=""):
        return boto3.client(
            "sts", region_name=REGION, endpoint_url=self.base + path,
            aws_access_key_id=akid or self.akid,
            aws_secret_access_key=secret or self.secret,
            aws_session_token=token, config=NO_RETRY)

    # -- raw signed requests ------------------------------------------------

    def signed_headers(self, method, path, body, headers, akid=None,
                       secret=None, token=None, service="dynamodb",
                       region=REGION, when=None):
        """Sign with botocore; return the headers to send."""
        url = self.base + path
        headers = dict(headers)
        headers["Host"] = f"{self.host}:{self.port}"
        req = AWSRequest(method=method, url=url, data=body, headers=headers)
        creds = Credentials(akid or self.akid, secret or self.secret, token)
        if when is None:
            SigV4Auth(creds, service, region).add_auth(req)
        else:
            _FixedClockSigV4(creds, service, region, when).add_auth(req)
        return dict(req.headers.items())

    def ddb_headers(self, op, body, path="/", **sign):
        headers = {"Content-Type": "application/x-amz-json-1.0",
                   "X-Amz-Target": f"DynamoDB_20120810.{op}"}
        return self.signed_headers("POST", path, body, headers, **sign)

    def send(self, method, path, body, headers, conn=None):
        """Send one request; returns a Response.  Transport errors raise."""
        own = conn is None
        conn = conn or http.client.HTTPConnection(self.host, self.port,
                                                  timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            return Response(resp.status, {k.lower(): v for k, v in
                                          resp.getheaders()}, data)
        finally:
            if own:
                conn.close()

    def raw_ddb(self, op, doc=None, path="/", conn=None, **sign):
        """A signed DynamoDB request for op with JSON doc."""
        body = json.dumps(doc or {}).encode()
        return self.send("POST", path, body,
                         self.ddb_headers(op, body, path, **sign), conn)

    def raw_sts(self, params, path="/", signed=True, **sign):
        """An STS query-protocol request (signed unless signed=False)."""
        body = urlencode(params).encode()
        headers = {"Content-Type":
                   "application/x-www-form-urlencoded; charset=utf-8"}
        if signed:
            headers = self.signed_headers("POST", path, body, headers,
                                          service="sts", **sign)
        return self.send("POST", path, body, headers)


class SelfTest(StreamsChecks):
    """The checks, run in order by run()."""

    def __init__(self, client):
        self.c = client
        self.expect_fn = expect
        self.failure = SelfTestFailure
        self._streams_tables = []
        self.passed = 0
        self.failed = 0
        self.table = f"gw_selftest_{os.getpid()}"
        self.imds_tokens = []

    def check(self, name, fn):
        """Run one check; print ok/FAIL."""
        try:
            fn()
        except SelfTestFailure as e:
            self.failed += 1
            print(f"FAIL {name}: {e}", flush=True)
        except Exception as e:  # an unexpected exception is a failure too
            self.failed += 1
            print(f"FAIL {name}: unexpected {e!r}", flush=True)
            traceback.print_exc(file=sys.stderr)
        else:
            self.passed += 1
            print(f"ok {name}", flush=True)

    def expect_client_error(self, fn, code, message_part=None):
        """Call fn; require a botocore ClientError with code."""
        try:
            fn()
        except ClientError as e:
            got = e.response["Error"]["Code"]
            expect(got == code, f"expected {code}, got {got}: "
                   f"{e.response['Error'].get('Message')}")
            if message_part:
                msg = e.response["Error"].get("Message", "")
                expect(message_part in msg,
                       f"message {msg!r} lacks {message_part!r}")
            return e
        raise SelfTestFailure(f"expected {code}, call succeeded")

    def expect_error(self, resp, status, type_suffix, message_part=None):
        """Require a raw DynamoDB-style error response."""
        expect(resp.status == status, f"status {resp.status} != {status}: "
               f"{resp.body[:300]!r}")
        expect((resp.error_type or "").endswith("#" + type_suffix),
               f"__type {resp.error_type!r} is not *#{type_suffix}")
        if message_part:
            msg = resp.json().get("message", "")
            expect(message_part in msg, f"message {msg!r} lacks "
                   f"{message_part!r}")

    def expect_sts_error(self, resp, status, code, message_part=None):
        """Require an STS XML ErrorResponse."""
        body = resp.body.decode()
        expect(resp.status == status, f"status {resp.status} != {status}: "
               f"{body[:300]}")
        expect("<ErrorResponse" in body and f"<Code>{code}</Code>" in body,
               f"expected STS error {code}, got {body[:300]}")
        if message_part:
            expect(message_part in body, f"{message_part!r} not in {body}")

    # -- set-up ------------------------------------------------------------

    def setup(self):
        c = self.c
        status, text = c.control("GET", "health")
        expect(status == 200 and text == "ok", f"health: {status} {text!r}")
        status, _ = c.control("POST", "reset")
        expect(status == 200, "reset")
        ddb = c.ddb()
        ddb.create_table(
            TableName=self.table,
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "v", "AttributeType": "N"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            GlobalSecondaryIndexes=[{
                "IndexName": "by_v",
                "KeySchema": [{"AttributeName": "v", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"}}],
            BillingMode="PAY_PER_REQUEST")
        ddb.batch_write_item(RequestItems={self.table: [
            {"PutRequest": {"Item": {"pk": {"S": f"k{i:03d}"},
                                     "v": {"N": str(i % 7)},
                                     "pad": {"S": "x" * 200}}}}
            for i in range(25)]})

    def teardown(self):
        try:
            self.c.control("POST", "reset")
            self.c.ddb().delete_table(TableName=self.table)
            self._teardown_streams()
        except Exception as e:
            print(f"(teardown: {e!r})", file=sys.stderr)

    # -- signature checks --------------------------------------------------

    def t_reference_vector(self):
        """Offline: the gateway's verifier accepts aws-c-auth's STS vector
        (testdata/aws-wire-formats.md 0.3) and rejects it altered."""
        spec = importlib.util.spec_from_file_location(
            "gateway", os.path.join(os.path.dirname(os.path.abspath(
                __file__)), "gateway.py"))
        gw = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(gw)
        body = (b"Version=2011-06-15&Action=AssumeRole&RoleArn=arn%3Aaws%3A"
                b"iam%3A%3A67895%3Arole%2Ftest_role&RoleSessionName="
                b"test_session&DurationSeconds=900")
        signature = ("06e941853a2cc010ed8ac7072754e0089be8aae59e319924fb01"
                     "05b20dda77cd")

        class OneKey:
            def lookup(self, akid, account):
                return Identity(akid, "secretKey12345", temporary=True,
                                token="sessionToken123456789",
                                expires=float("inf"))

        def request(sig):
            head = (
                "Host: sts.amazonaws.com\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\n"
                "X-Amz-Date: 19700101T000000Z\r\n"
                "X-Amz-Security-Token: sessionToken123456789\r\n"
                "Authorization: AWS4-HMAC-SHA256 Credential=accessKey12345/"
                "19700101/us-east-1/sts/aws4_request, SignedHeaders="
                "content-length;content-type;host;x-amz-date;"
                f"x-amz-security-token, Signature={sig}\r\n\r\n")
            headers = http.client.parse_headers(io.BytesIO(head.encode()))
            return gw.IncomingRequest("POST", "/", "/", "", headers, body,
                                      None)
        # Put the gateway's clock at the vector's time (Unix 0).
        cfg = ConfigSnapshot(merge_config(
            DEFAULT_CONFIG, {"clock_skew_seconds": -time.time()}))
        verifier = SigV4Verifier(OneKey())
        ident = verifier.verify(request(signature), "sts", cfg)
        expect(ident.access_key_id == "accessKey12345", "identity")
        bad = signature[:-1] + ("0" if signature[-1] != "0" else "1")
        try:
            verifier.verify(request(bad), "sts", cfg)
        except GatewayError as e:
            expect(e.code == "SignatureDoesNotMatch", e.code)
        else:
            raise SelfTestFailure("altered signature accepted")

    def t_signed_list_tables(self):
        out = self.c.ddb().list_tables()
        expect(self.table in out["TableNames"], f"table missing: {out}")

    def t_wrong_secret(self):
        self.expect_client_error(
            lambda: self.c.ddb(secret="not-the-secret").list_tables(),
            "InvalidSignatureException",
            "The request signature we calculated does not match")

    def t_unknown_key(self):
        self.expect_client_error(
            lambda: self.c.ddb(akid="AKIDNOSUCHKEY0000000").list_tables(),
            "UnrecognizedClientException",
            "The security token included in the request is invalid.")

    def t_missing_authorization(self):
        resp = self.c.send("POST", "/", b"{}", {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.ListTables"})
        self.expect_error(resp, 400, "MissingAuthenticationTokenException")
        expect(resp.error_type.startswith("com.amazon.coral.service#"),
               f"namespace: {resp.error_type}")

    def t_incomplete_authorization(self):
        headers = self.c.ddb_headers("ListTables", b"{}")
        headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=x/y"
        resp = self.c.send("POST", "/", b"{}", headers)
        self.expect_error(resp, 400, "IncompleteSignatureException")

    def t_tampered_body(self):
        body = b'{"Limit":5}'
        headers = self.c.ddb_headers("ListTables", body)
        resp = self.c.send("POST", "/", b'{"Limit":6}', headers)
        self.expect_error(resp, 400, "InvalidSignatureException")

    def t_tampered_signed_header(self):
        headers = self.c.ddb_headers("ListTables", b"{}")
        headers["X-Amz-Target"] = "DynamoDB_20120810.DescribeLimits"
        resp = self.c.send("POST", "/", b"{}", headers)
        self.expect_error(resp, 400, "InvalidSignatureException")

    def t_unsigned_extra_header_ignored(self):
        headers = self.c.ddb_headers("ListTables", b"{}")
        headers["X-Unsigned-Extra"] = "anything"
        headers["User-Agent"] = "changed-after-signing"
        resp = self.c.send("POST", "/", b"{}", headers)
        expect(resp.status == 200, f"{resp}")

    def t_signature_expired(self):
        when = datetime.datetime.utcnow() - datetime.timedelta(minutes=10)
        resp = self.c.raw_ddb("ListTables", when=when)
        self.expect_error(resp, 400, "InvalidSignatureException",
                          "Signature expired: ")

    def t_signature_future(self):
        when = datetime.datetime.utcnow() + datetime.timedelta(minutes=10)
        resp = self.c.raw_ddb("ListTables", when=when)
        self.expect_error(resp, 400, "InvalidSignatureException",
                          "Signature not yet current: ")

    def t_small_skew_accepted(self):
        when = datetime.datetime.utcnow() - datetime.timedelta(minutes=4)
        resp = self.c.raw_ddb("ListTables", when=when)
        expect(resp.status == 200, f"{resp}")

    def t_wrong_service_scope(self):
        resp = self.c.raw_ddb("ListTables", service="sts")
        self.expect_error(resp, 400, "InvalidSignatureException",
                          "Credential should be scoped to correct service: "
                          "'dynamodb'.")

    def t_region_scope(self):
        self.c.configure({"region": "eu-west-1"})
        try:
            resp = self.c.raw_ddb("ListTables")
            self.expect_error(resp, 400, "InvalidSignatureException",
                              "Credential should be scoped to a valid region")
            resp = self.c.raw_ddb("ListTables", region="eu-west-1")
            expect(resp.status == 200, f"eu-west-1 rejected: {resp}")
        finally:
            self.c.configure({"region": None})

    def t_token_with_static_key(self):
        resp = self.c.raw_ddb("ListTables", token="bogus-token")
        self.expect_error(resp, 400, "UnrecognizedClientException")

    def t_non_root_path(self):
        resp = self.c.raw_ddb("ListTables", path="/some/prefix/")
        expect(resp.status == 200, f"{resp}")
        # Signed for one path, sent to another: rejected.
        body = b"{}"
        headers = self.c.ddb_headers("ListTables", body, path="/a/")
        resp = self.c.send("POST", "/b/", body, headers)
        self.expect_error(resp, 400, "InvalidSignatureException")

    def t_unknown_operation(self):
        resp = self.c.send("POST", "/", b"{}", {"Content-Type": "text/plain"})
        self.expect_error(resp, 400, "UnknownOperationException")

    def t_keep_alive(self):
        conn = http.client.HTTPConnection(self.c.host, self.c.port, timeout=30)
        try:
            socks = set()
            for _ in range(5):
                resp = self.c.raw_ddb("ListTables", conn=conn)
                expect(resp.status == 200, f"{resp}")
                socks.add(id(conn.sock))
            expect(len(socks) == 1 and conn.sock is not None,
                   "connection was not kept alive")
        finally:
            conn.close()

    def t_expect_100_continue(self):
        body = json.dumps({"TableName": self.table, "Limit": 1}).encode()
        headers = self.c.ddb_headers("Scan", body)
        headers["Expect"] = "100-continue"
        headers["Content-Length"] = str(len(body))
        with socket.create_connection((self.c.host, self.c.port), 10) as s:
            head = "POST / HTTP/1.1\r\n" + "".join(
                f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
            s.sendall(head.encode())
            first = s.recv(100)
            expect(first.startswith(b"HTTP/1.1 100"), f"got {first!r}")
            s.sendall(body)
            data = b""
            while b"\r\n\r\n" not in data:
                data += s.recv(65536)
            expect(data.split(b"\r\n")[0].startswith(b"HTTP/1.1 200"),
                   f"got {data[:200]!r}")

    # -- STS -----------------------------------------------------------------

    def configure_roles(self):
        self.c.configure({
            "roles": {
                ROLE_A: {"external_id": None, "principals": None},
                ROLE_B: {"external_id": "ext-123", "principals": None},
                ROLE_C: {"external_id": None,
                         "principals": ["AKIDSOMEBODYELSE0000"]},
            },
            "web_identity_tokens": {WEB_TOKEN: ROLE_A},
        })

    def assume(self, role=ROLE_A, **kw):
        return self.c.sts().assume_role(RoleArn=role,
                                        RoleSessionName="selftest", **kw)

    def t_assume_role(self):
        self.configure_roles()
        out = self.assume()
        creds = out["Credentials"]
        expect(creds["AccessKeyId"].startswith("ASIA"), f"{creds}")
        expect(len(creds["SecretAccessKey"]) == 40, "secret length")
        expect(len(creds["SessionToken"]) > 300, "token too short")
        left = (creds["Expiration"] - datetime.datetime.now(
            datetime.timezone.utc)).total_seconds()
        expect(3590 < left <= 3601, f"lifetime {left}")
        expect(out["AssumedRoleUser"]["Arn"].endswith(
            ":assumed-role/gw-selftest-open/selftest"), f"{out}")
        ddb = self.c.ddb(creds["AccessKeyId"], creds["SecretAccessKey"],
                         creds["SessionToken"])
        expect(self.table in ddb.list_tables()["TableNames"], "temp creds")
        self.creds = creds

    def t_temp_creds_without_token(self):
        creds = self.creds
        self.expect_client_error(
            lambda: self.c.ddb(creds["AccessKeyId"],
                               creds["SecretAccessKey"]).list_tables(),
            "UnrecognizedClientException")
        self.expect_client_error(
            lambda: self.c.ddb(creds["AccessKeyId"], creds["SecretAccessKey"],
                               creds["SessionToken"][:-4] + "AAAA"
                               ).list_tables(),
            "UnrecognizedClientException")

    def t_temp_token_unsigned(self):
        creds = self.creds
        headers = self.c.ddb_headers("ListTables", b"{}",
                                     akid=creds["AccessKeyId"],
                                     secret=creds["SecretAccessKey"])
        headers["X-Amz-Security-Token"] = creds["SessionToken"]
        resp = self.c.send("POST", "/", b"{}", headers)
        self.expect_error(resp, 400, "InvalidSignatureException")

    def t_assume_role_external_id(self):
        self.expect_client_error(lambda: self.assume(ROLE_B), "AccessDenied",
                                 "is not authorized to perform: "
                                 "sts:AssumeRole on resource: " + ROLE_B)
        self.expect_client_error(lambda: self.assume(ROLE_B,
                                                     ExternalId="wrong-1"),
                                 "AccessDenied")
        out = self.assume(ROLE_B, ExternalId="ext-123")
        creds = out["Credentials"]
        ddb = self.c.ddb(creds["AccessKeyId"], creds["SecretAccessKey"],
                         creds["SessionToken"])
        ddb.list_tables()

    def t_assume_role_denied(self):
        self.expect_client_error(lambda: self.assume(ROLE_C), "AccessDenied")
        self.expect_client_error(lambda: self.assume(ROLE_X), "AccessDenied")

    def t_assume_role_validation(self):
        base = {"Action": "AssumeRole", "Version": "2011-06-15",
                "RoleArn": ROLE_A, "RoleSessionName": "ok-name"}
        resp = self.c.raw_sts(dict(base, RoleSessionName="a"))
        self.expect_sts_error(resp, 400, "ValidationError", "roleSessionName")
        resp = self.c.raw_sts(dict(base, RoleSessionName="bad name!"))
        self.expect_sts_error(resp, 400, "ValidationError")
        resp = self.c.raw_sts(dict(base, DurationSeconds="100"))
        self.expect_sts_error(resp, 400, "ValidationError", "durationSeconds")
        resp = self.c.raw_sts(dict(base, DurationSeconds="50000"))
        self.expect_sts_error(resp, 400, "ValidationError")
        resp = self.c.raw_sts({k: v for k, v in base.items()
                               if k != "RoleArn"})
        self.expect_sts_error(resp, 400, "ValidationError", "roleArn")
        resp = self.c.raw_sts(dict(base, DurationSeconds="900"))
        expect(resp.status == 200 and b"<AssumeRoleResponse" in resp.body,
               f"{resp}")
        expect(resp.header("content-type") == "text/xml", "content type")

    def t_role_chaining(self):
        creds = self.creds
        out = self.c.sts(creds["AccessKeyId"], creds["SecretAccessKey"],
                         creds["SessionToken"]).assume_role(
            RoleArn=ROLE_A, RoleSessionName="chained")
        expect(out["Credentials"]["AccessKeyId"].startswith("ASIA"), "chain")

    def t_sts_auth_errors(self):
        p = {"Action": "AssumeRole", "Version": "2011-06-15",
             "RoleArn": ROLE_A, "RoleSessionName": "x1"}
        self.expect_sts_error(self.c.raw_sts(p, secret="wrong"), 403,
                              "SignatureDoesNotMatch")
        self.expect_sts_error(self.c.raw_sts(p, akid="AKIDNOSUCHKEY0000000"),
                              403, "InvalidClientTokenId")
        self.expect_sts_error(self.c.raw_sts(p, signed=False), 403,
                              "MissingAuthenticationToken")
        body = urlencode(p).encode()
        headers = self.c.signed_headers(
            "POST", "/", body, {"Content-Type":
                                "application/x-www-form-urlencoded"},
            service="dynamodb")
        self.expect_sts_error(self.c.send("POST", "/", body, headers), 403,
                              "SignatureDoesNotMatch",
                              "Credential should be scoped to correct "
                              "service: 'sts'.")

    def t_sts_invalid_action(self):
        resp = self.c.raw_sts({"Action": "Bogus", "Version": "2011-06-15"})
        self.expect_sts_error(resp, 400, "InvalidAction")

    def t_web_identity(self):
        sts = boto3.client("sts", region_name=REGION,
                           endpoint_url=self.c.base, config=NO_RETRY,
                           aws_access_key_id="unused",
                           aws_secret_access_key="unused")
        out = sts.assume_role_with_web_identity(
            RoleArn=ROLE_A, RoleSessionName="web", WebIdentityToken=WEB_TOKEN)
        creds = out["Credentials"]
        self.c.ddb(creds["AccessKeyId"], creds["SecretAccessKey"],
                   creds["SessionToken"]).list_tables()
        self.expect_client_error(
            lambda: sts.assume_role_with_web_identity(
                RoleArn=ROLE_A, RoleSessionName="web",
                WebIdentityToken="not-a-known-token"),
            "InvalidIdentityToken")
        self.expect_client_error(
            lambda: sts.assume_role_with_web_identity(
                RoleArn=ROLE_B, RoleSessionName="web",
                WebIdentityToken=WEB_TOKEN),
            "AccessDenied")
        # It is unsigned: a raw request without Authorization works.
        resp = self.c.raw_sts({"Action": "AssumeRoleWithWebIdentity",
                               "Version": "2011-06-15", "RoleArn": ROLE_A,
                               "RoleSessionName": "web2",
                               "WebIdentityToken": WEB_TOKEN}, signed=False)
        expect(resp.status == 200 and
               b"<AssumeRoleWithWebIdentityResponse" in resp.body, f"{resp}")

    def t_lifetime_override(self):
        self.c.configure({"sts_lifetime_seconds": 320})
        try:
            creds = self.assume()["Credentials"]
        finally:
            self.c.configure({"sts_lifetime_seconds": None})
        left = (creds["Expiration"] - datetime.datetime.now(
            datetime.timezone.utc)).total_seconds()
        expect(310 < left <= 321, f"lifetime {left}")

    def t_expire_credentials_control(self):
        creds = self.assume()["Credentials"]
        ddb = self.c.ddb(creds["AccessKeyId"], creds["SecretAccessKey"],
                         creds["SessionToken"])
        ddb.list_tables()
        status, text = self.c.control("POST", "expire-credentials",
                                      {"access_key_id": creds["AccessKeyId"]})
        expect(status == 200 and json.loads(text)["expired"] == 1, text)
        self.expect_client_error(
            ddb.list_tables, "ExpiredTokenException",
            "The security token included in the request is expired")
        sts = self.c.sts(creds["AccessKeyId"], creds["SecretAccessKey"],
                         creds["SessionToken"])
        e = self.expect_client_error(
            lambda: sts.assume_role(RoleArn=ROLE_A, RoleSessionName="x2"),
            "ExpiredToken")
        expect(e.response["ResponseMetadata"]["HTTPStatusCode"] == 400,
               "ExpiredToken status")

    def t_short_lifetime_expires(self):
        self.c.configure({"sts_lifetime_seconds": 2})
        try:
            creds = self.assume()["Credentials"]
        finally:
            self.c.configure({"sts_lifetime_seconds": None})
        ddb = self.c.ddb(creds["AccessKeyId"], creds["SecretAccessKey"],
                         creds["SessionToken"])
        ddb.list_tables()
        time.sleep(2.5)
        self.expect_client_error(ddb.list_tables, "ExpiredTokenException")

    def t_sts_down(self):
        self.c.configure({"sts_down": True})
        try:
            e = self.expect_client_error(self.assume, "ServiceUnavailable")
            expect(e.response["ResponseMetadata"]["HTTPStatusCode"] == 503,
                   "status")
        finally:
            self.c.configure({"sts_down": False})
        self.assume()

    def t_no_secret_in_log(self):
        creds = self.creds
        _, text = self.c.control("GET", "log.jsonl")
        _, text2 = self.c.control("GET", "log")
        _, text3 = self.c.control("GET", "config")
        _, text4 = self.c.control("GET", "credentials")
        for blob in (text, text2, text3, text4):
            for secret in (self.c.secret, creds["SecretAccessKey"],
                           creds["SessionToken"], WEB_TOKEN):
                expect(secret not in blob, "a secret leaked into the log, "
                       "config or credential list")

    # -- ambient credentials: IMDSv2 and the container endpoint --------------

    def imds(self, method, path, token=None, ttl=None, extra=None):
        """One raw IMDS request; returns a Response."""
        headers = dict(extra or {})
        if token is not None:
            headers["X-aws-ec2-metadata-token"] = token
        if ttl is not None:
            headers["X-aws-ec2-metadata-token-ttl-seconds"] = str(ttl)
        return self.c.send(method, path, b"" if method == "PUT" else None,
                           headers)

    def imds_token(self, ttl=21600):
        resp = self.imds("PUT", IMDS_TOKEN_PATH, ttl=ttl)
        expect(resp.status == 200, f"token PUT: {resp}")
        token = resp.body.decode()
        self.imds_tokens.append(token)
        return token

    def container(self, authorization=CONTAINER_TOKEN, path="/ecs/credentials",
                  method="GET"):
        headers = {}
        if authorization is not None:
            headers["Authorization"] = authorization
        return self.c.send(method, path, None, headers)

    def ddb_with(self, creds):
        return self.c.ddb(creds["AccessKeyId"], creds["SecretAccessKey"],
                          creds["Token"])

    @staticmethod
    def expect_lifetime(creds, low, high):
        exp = datetime.datetime.strptime(creds["Expiration"],
                                         "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
        left = (exp - datetime.datetime.now(
            datetime.timezone.utc)).total_seconds()
        expect(low < left <= high, f"lifetime {left}")

    def t_imds_token_flow(self):
        seq = self.c.last_seq()
        resp = self.imds("PUT", IMDS_TOKEN_PATH, ttl=21600)
        expect(resp.status == 200, f"token PUT: {resp}")
        token = resp.body.decode()
        self.imds_tokens.append(token)
        expect(len(token) >= 40 and "\n" not in token, f"token {token!r}")
        expect(resp.header("x-aws-ec2-metadata-token-ttl-seconds") == "21600",
               "TTL not echoed")
        expect(self.imds_token() != token, "tokens are not random")
        resp = self.imds("GET", IMDS_CREDS_PATH + "/", token)
        expect(resp.status == 200 and resp.body == INSTANCE_ROLE.encode(),
               f"role name: {resp}")
        resp = self.imds("GET", IMDS_CREDS_PATH, token)
        expect(resp.status == 200 and resp.body == INSTANCE_ROLE.encode(),
               f"role name without trailing slash: {resp}")
        # sts_lifetime_seconds must not shorten IMDS credentials.
        self.c.configure({"sts_lifetime_seconds": 320})
        try:
            resp = self.imds("GET", f"{IMDS_CREDS_PATH}/{INSTANCE_ROLE}",
                             token)
        finally:
            self.c.configure({"sts_lifetime_seconds": None})
        expect(resp.status == 200, f"credentials: {resp}")
        creds = resp.json()
        expect(set(creds) == {"Code", "LastUpdated", "Type", "AccessKeyId",
                              "SecretAccessKey", "Token", "Expiration"},
               f"keys {sorted(creds)}")
        expect(creds["Code"] == "Success" and creds["Type"] == "AWS-HMAC" and
               creds["AccessKeyId"].startswith("ASIA") and
               creds["Expiration"].endswith("Z") and
               creds["LastUpdated"].endswith("Z"), f"{creds}")
        self.expect_lifetime(creds, 3590, 3601)
        expect(self.table in self.ddb_with(creds).list_tables()["TableNames"],
               "ListTables with IMDS credentials")
        # A second GET issues fresh credentials; both stay valid.
        again = self.imds("GET", f"{IMDS_CREDS_PATH}/{INSTANCE_ROLE}",
                          token).json()
        expect(again["AccessKeyId"] != creds["AccessKeyId"], "not fresh")
        self.ddb_with(creds).list_tables()
        self.c.configure({"ambient_lifetime_seconds": 900})
        try:
            short = self.imds("GET", f"{IMDS_CREDS_PATH}/{INSTANCE_ROLE}",
                              token).json()
        finally:
            self.c.configure({"ambient_lifetime_seconds": 3600})
        self.expect_lifetime(short, 890, 901)
        _, text = self.c.control("GET", "credentials")
        listed = {c["access_key_id"]: c for c in json.loads(text)}
        mine = listed.get(creds["AccessKeyId"])
        expect(mine and mine["source"] == "imds" and
               mine["role_arn"] == INSTANCE_ROLE_ARN, f"listed {mine}")
        lines = self.c.log_lines(since=seq)
        ops = [line[1] for line in lines]
        expect(ops == ["IMDSToken", "IMDSToken", "IMDSRoleName",
                       "IMDSRoleName", "IMDSCredentials", "ListTables",
                       "IMDSCredentials", "ListTables", "IMDSCredentials"],
               f"ops {ops}")
        cred_line = lines[4]
        expect(cred_line[2] == "-" and cred_line[6] == "200" and
               cred_line[8] == creds["AccessKeyId"] and cred_line[7] == "-",
               f"credentials line {cred_line}")
        expect(lines[0][8] == "-" and lines[2][8] == "-",
               "akid on token/role lines")
        expect(lines[5][8] == creds["AccessKeyId"] and lines[5][6] == "200",
               f"ListTables line {lines[5]}")
        rec = self.c.log_jsonl(since=seq)[4]
        expect(rec["service"] == "imds" and
               rec["role_arn"] == INSTANCE_ROLE_ARN, f"jsonl {rec}")
        self.imds_creds = creds

    def t_imds_no_token(self):
        role_path = f"{IMDS_CREDS_PATH}/{INSTANCE_ROLE}"
        for path in (IMDS_CREDS_PATH + "/", role_path):
            resp = self.imds("GET", path)
            expect(resp.status == 401, f"no token {path}: {resp}")
            resp = self.imds("GET", path, "AQAEAbogus-token-never-issued")
            expect(resp.status == 401, f"unknown token {path}: {resp}")
        token = self.imds_token(ttl=1)
        expect(self.imds("GET", role_path, token).status == 200,
               "fresh 1 s token")
        time.sleep(1.1)
        resp = self.imds("GET", role_path, token)
        expect(resp.status == 401, f"expired token: {resp}")
        token = self.imds_token()
        status, text = self.c.control("POST", "imds/expire-tokens")
        expect(status == 200 and json.loads(text)["expired"] >= 1, text)
        resp = self.imds("GET", role_path, token)
        expect(resp.status == 401, f"token after expire-tokens: {resp}")
        lines = self.c.log_lines(since=self.c.last_seq() - 1)
        expect(lines[-1][1] == "IMDSCredentials" and lines[-1][6] == "401" and
               lines[-1][8] == "-" and lines[-1][11] == "Unauthorized",
               f"log {lines[-1]}")

    def t_imds_forwarded_for(self):
        resp = self.imds("PUT", IMDS_TOKEN_PATH, ttl=60,
                         extra={"X-Forwarded-For": "203.0.113.9"})
        expect(resp.status == 403 and not resp.body.startswith(b"AQAE"),
               f"{resp}")

    def t_imds_bad_ttl(self):
        for ttl in (None, "0", "21601", "abc", "-5", "", "1.5"):
            resp = self.imds("PUT", IMDS_TOKEN_PATH, ttl=ttl)
            expect(resp.status == 400, f"TTL {ttl!r}: {resp}")
        for ttl in (1, 21600):
            expect(self.imds("PUT", IMDS_TOKEN_PATH, ttl=ttl).status == 200,
                   f"TTL {ttl} refused")
        resp = self.imds("GET", IMDS_TOKEN_PATH, ttl=60)
        expect(resp.status == 405, f"GET token: {resp}")

    def t_imds_wrong_role(self):
        token = self.imds_token()
        resp = self.imds("GET", IMDS_CREDS_PATH + "/some-other-role", token)
        expect(resp.status == 404, f"wrong role: {resp}")
        resp = self.imds("GET", IMDS_CREDS_PATH + "/" + INSTANCE_ROLE + "/",
                         token)
        expect(resp.status == 404, f"role with trailing slash: {resp}")
        resp = self.imds("GET", "/latest/meta-data/instance-id", token)
        expect(resp.status == 404, f"other path: {resp}")
        self.c.configure({"imds_role": "other-instance-role"})
        try:
            resp = self.imds("GET", IMDS_CREDS_PATH + "/", token)
            expect(resp.status == 200 and resp.body == b"other-instance-role",
                   f"configured role: {resp}")
            resp = self.imds("GET", IMDS_CREDS_PATH + "/" + INSTANCE_ROLE,
                             token)
            expect(resp.status == 404, f"old role name: {resp}")
            self.c.configure({"imds_role": None})
            resp = self.imds("GET", IMDS_CREDS_PATH + "/", token)
            expect(resp.status == 404, f"no instance role: {resp}")
        finally:
            self.c.configure({"imds_role": INSTANCE_ROLE})

    def t_imds_down(self):
        token = self.imds_token()
        self.c.configure({"imds_down": True})
        try:
            resp = self.imds("PUT", IMDS_TOKEN_PATH, ttl=60)
            expect(resp.status == 503, f"token PUT: {resp}")
            for path in (IMDS_CREDS_PATH + "/",
                         f"{IMDS_CREDS_PATH}/{INSTANCE_ROLE}"):
                resp = self.imds("GET", path, token)
                expect(resp.status == 503, f"GET {path}: {resp}")
        finally:
            self.c.configure({"imds_down": False})
        resp = self.imds("GET", f"{IMDS_CREDS_PATH}/{INSTANCE_ROLE}", token)
        expect(resp.status == 200, f"after imds_down: {resp}")

    def t_container_credentials(self):
        seq = self.c.last_seq()
        self.c.configure({"sts_lifetime_seconds": 320})
        try:
            resp = self.container()
        finally:
            self.c.configure({"sts_lifetime_seconds": None})
        expect(resp.status == 200 and
               resp.header("content-type") == "application/json", f"{resp}")
        creds = resp.json()
        expect(set(creds) == {"AccessKeyId", "SecretAccessKey", "Token",
                              "Expiration", "RoleArn"}, f"{sorted(creds)}")
        expect(creds["RoleArn"] == TASK_ROLE_ARN and
               creds["AccessKeyId"].startswith("ASIA") and
               creds["Expiration"].endswith("Z"), f"{creds}")
        self.expect_lifetime(creds, 3590, 3601)
        expect(self.table in self.ddb_with(creds).list_tables()["TableNames"],
               "ListTables with container credentials")
        lines = self.c.log_lines(since=seq)
        expect([line[1] for line in lines] == ["ContainerCredentials",
                                               "ListTables"], f"{lines}")
        expect(lines[0][2] == "-" and lines[0][6] == "200" and
               lines[0][8] == creds["AccessKeyId"], f"log {lines[0]}")
        # Any path under /ecs/, with a query string (ECS relative URIs).
        resp = self.container(path="/ecs/v2/credentials?id=task-1234")
        expect(resp.status == 200, f"other path: {resp}")
        # A configured token; and none at all.
        self.c.configure({"container_token": "Bearer other-token"})
        try:
            expect(self.container().status == 401, "old token accepted")
            expect(self.container("Bearer other-token").status == 200,
                   "configured token refused")
            self.c.configure({"container_token": None,
                              "container_role": "another-task-role"})
            resp = self.container(None)
            expect(resp.status == 200 and resp.json()["RoleArn"].endswith(
                ":role/another-task-role"), f"no token needed: {resp}")
        finally:
            self.c.configure({"container_token": CONTAINER_TOKEN,
                              "container_role": "ddb-fdw-task-role"})
        self.container_creds = creds

    def t_container_unauthorized(self):
        for auth in (None, "wrong-token", CONTAINER_TOKEN + "x",
                     "Bearer " + CONTAINER_TOKEN):
            resp = self.container(auth)
            expect(resp.status == 401, f"Authorization {auth!r}: {resp}")
            doc = resp.json()
            expect(doc.get("code") == "AccessDenied" and doc.get("message"),
                   f"body {doc}")
        lines = self.c.log_lines(since=self.c.last_seq() - 1)
        expect(lines[-1][1] == "ContainerCredentials" and
               lines[-1][6] == "401" and lines[-1][8] == "-" and
               lines[-1][11] == "AccessDenied", f"log {lines[-1]}")
        resp = self.container(method="POST")
        expect(resp.status == 405, f"POST: {resp}")

    def t_container_down(self):
        self.c.configure({"container_down": True})
        try:
            resp = self.container()
            expect(resp.status == 500, f"{resp}")
            doc = resp.json()
            expect(doc.get("code") and doc.get("message"), f"body {doc}")
        finally:
            self.c.configure({"container_down": False})
        expect(self.container().status == 200, "after container_down")

    def t_ambient_role_chaining(self):
        imds, task = self.imds_creds, self.container_creds
        self.c.configure({"roles": {
            ROLE_FROM_INSTANCE: {"external_id": None,
                                 "principals": [INSTANCE_ROLE_ARN]},
            ROLE_FROM_TASK: {"external_id": None,
                             "principals": [TASK_ROLE_ARN]},
            ROLE_FROM_AKID: {"external_id": None,
                             "principals": [imds["AccessKeyId"]]},
            ROLE_A: {"external_id": None, "principals": None}}})

        def assume(creds, role):
            return self.c.sts(creds["AccessKeyId"], creds["SecretAccessKey"],
                              creds["Token"]).assume_role(
                RoleArn=role, RoleSessionName="chained")

        out = assume(imds, ROLE_FROM_INSTANCE)
        chained = out["Credentials"]
        expect(out["AssumedRoleUser"]["Arn"].endswith(
            ":assumed-role/gw-selftest-from-instance/chained"), f"{out}")
        self.c.ddb(chained["AccessKeyId"], chained["SecretAccessKey"],
                   chained["SessionToken"]).list_tables()
        assume(task, ROLE_FROM_TASK)
        assume(imds, ROLE_FROM_AKID)
        assume(imds, ROLE_A)
        assume(task, ROLE_A)
        self.expect_client_error(lambda: assume(task, ROLE_FROM_INSTANCE),
                                 "AccessDenied")
        self.expect_client_error(lambda: assume(imds, ROLE_FROM_TASK),
                                 "AccessDenied")
        self.expect_client_error(
            lambda: self.c.sts().assume_role(RoleArn=ROLE_FROM_INSTANCE,
                                             RoleSessionName="static"),
            "AccessDenied")
        # The caller ARN GetCallerIdentity reports matches too.
        ident = self.c.sts(imds["AccessKeyId"], imds["SecretAccessKey"],
                           imds["Token"]).get_caller_identity()
        expect(ident["Arn"] == "arn:aws:sts::123456789012:assumed-role/"
               f"{INSTANCE_ROLE}/i-0dd8f0000000000a1", f"{ident}")
        self.c.configure({"roles": {ROLE_FROM_AKID: {
            "external_id": None, "principals": [ident["Arn"]]}}})
        assume(imds, ROLE_FROM_AKID)
        # Expired ambient credentials cannot chain.
        self.c.control("POST", "expire-credentials",
                       {"access_key_id": imds["AccessKeyId"]})
        self.expect_client_error(lambda: assume(imds, ROLE_FROM_INSTANCE),
                                 "ExpiredToken")

    def t_ambient_no_secret_in_log(self):
        blobs = [self.c.control("GET", p)[1] for p in
                 ("log.jsonl", "log", "config", "credentials", "stats")]
        secrets_ = list(self.imds_tokens) + [CONTAINER_TOKEN]
        for creds in (self.imds_creds, self.container_creds):
            secrets_ += [creds["SecretAccessKey"], creds["Token"]]
        for blob in blobs:
            for secret in secrets_:
                expect(secret not in blob, "a token or secret leaked into "
                       "the log, stats, config or credential list")
        expect(self.imds_creds["AccessKeyId"] in blobs[1], "akid not logged")

    def t_ambient_config(self):
        bad = [{"imds_role": ""}, {"imds_role": "a/b"}, {"imds_role": 5},
               {"imds_down": "yes"}, {"container_down": 1},
               {"container_token": ""}, {"container_token": "a\nb"},
               {"container_role": None}, {"ambient_lifetime_seconds": 0},
               {"ambient_lifetime_seconds": "60"},
               {"ambient_lifetime_seconds": 50000}, {"imds_token": "x"}]
        for doc in bad:
            status, text = self.c.control("POST", "config", doc)
            expect(status == 400, f"{doc} accepted: {text}")
        token = self.imds_token()
        self.c.configure({"imds_role": "r2", "imds_down": True,
                          "container_token": "t2", "container_role": "c2",
                          "container_down": True,
                          "ambient_lifetime_seconds": 60})
        _, text = self.c.control("GET", "config")
        cfg = json.loads(text)
        expect("t2" not in text and cfg["container_token"].startswith(
            "<redacted"), "container_token not redacted")
        status, _ = self.c.control("POST", "reset")
        _, text = self.c.control("GET", "config")
        cfg = json.loads(text)
        expect(status == 200 and cfg["imds_role"] == INSTANCE_ROLE and
               cfg["imds_down"] is False and cfg["container_down"] is False and
               cfg["container_role"] == "ddb-fdw-task-role" and
               cfg["ambient_lifetime_seconds"] == 3600, f"reset: {cfg}")
        resp = self.imds("GET", IMDS_CREDS_PATH + "/", token)
        expect(resp.status == 401, f"IMDS token survived reset: {resp}")
        expect(self.container().status == 200, "container token not restored")
        resp = self.imds("GET", IMDS_CREDS_PATH + "/", self.imds_token())
        expect(resp.status == 200, f"new token after reset: {resp}")
        status, text = self.c.control("GET", "credentials")
        expect(all(c["source"] == "container" for c in json.loads(text)),
               "credentials survive reset")

    # -- faults ------------------------------------------------------------

    def scan_doc(self, **extra):
        return dict({"TableName": self.table}, **extra)

    def clean_scan_body(self):
        resp = self.c.raw_ddb("Scan", self.scan_doc())
        expect(resp.status == 200, f"clean scan {resp}")
        return resp.body

    def t_fault_throttle(self):
        resp = self.c.raw_ddb("Scan", self.scan_doc(), path="/fault/throttle/")
        self.expect_error(resp, 400, "ProvisionedThroughputExceededException")
        expect(resp.error_type.startswith("com.amazonaws.dynamodb.v20120810#"),
               resp.error_type)
        # boto3 sees the same code
        ddb = self.c.ddb(path="/fault/throttle/")
        self.expect_client_error(lambda: ddb.scan(TableName=self.table),
                                 "ProvisionedThroughputExceededException")

    def t_fault_status(self):
        for code in (500, 503):
            resp = self.c.raw_ddb("Scan", self.scan_doc(),
                                  path=f"/fault/status={code}/")
            self.expect_error(resp, code, "InternalServerError")

    def t_fault_errorbody(self):
        resp = self.c.raw_ddb(
            "Scan", self.scan_doc(),
            path="/fault/errorbody=ResourceNotFoundException/")
        self.expect_error(resp, 400, "ResourceNotFoundException",
                          "ResourceNotFoundException")
        expect(resp.error_type == "com.amazonaws.dynamodb.v20120810#"
               "ResourceNotFoundException", resp.error_type)

    def t_fault_html(self):
        resp = self.c.raw_ddb("Scan", self.scan_doc(), path="/fault/html/")
        expect(resp.status == 502, f"{resp}")
        expect(resp.header("content-type").startswith("text/html"), "ctype")
        expect(resp.body.lstrip().startswith(b"<html"), "html body")

    def t_fault_reset(self):
        try:
            resp = self.c.raw_ddb("Scan", self.scan_doc(),
                                  path="/fault/reset/")
        except ConnectionResetError:
            return
        except Exception as e:
            raise SelfTestFailure(f"expected ConnectionResetError, got {e!r}")
        raise SelfTestFailure(f"expected a reset, got {resp}")

    def t_fault_lost(self):
        """The request reaches DynamoDB Local (the item is written), the
        answer does not reach the client."""
        key = {"pk": {"S": "lost-1"}}
        doc = {"TableName": self.table, "Item": dict(key, v={"N": "1"})}
        try:
            resp = self.c.raw_ddb("PutItem", doc, path="/fault/lost/")
        except ConnectionResetError:
            pass
        else:
            raise SelfTestFailure(f"expected a reset, got {resp}")
        got = self.c.raw_ddb("GetItem", {"TableName": self.table, "Key": key,
                                         "ConsistentRead": True})
        expect(json.loads(got.body).get("Item", {}).get("v") == {"N": "1"},
               f"the lost PutItem was not applied: {got}")
        self.c.raw_ddb("DeleteItem", {"TableName": self.table, "Key": key})

    def t_fault_truncate(self):
        full = self.clean_scan_body()
        path = "/fault/truncate/"
        body = json.dumps(self.scan_doc()).encode()
        headers = self.c.ddb_headers("Scan", body, path=path)
        conn = http.client.HTTPConnection(self.c.host, self.c.port, timeout=30)
        try:
            conn.request("POST", path, body=body, headers=headers)
            resp = conn.getresponse()
            expect(resp.status == 200, f"status {resp.status}")
            expect(int(resp.getheader("Content-Length")) == len(full),
                   "Content-Length is not the full length")
            expect(resp.getheader("x-amz-crc32") == crc(full),
                   "crc is not the full body's")
            try:
                data = resp.read()
            except http.client.IncompleteRead as e:
                expect(len(e.partial) == len(full) // 2,
                       f"got {len(e.partial)} of {len(full)} bytes")
                return
            raise SelfTestFailure(f"read {len(data)} bytes without error")
        finally:
            conn.close()

    def t_fault_truncate_json(self):
        full = self.clean_scan_body()
        resp = self.c.raw_ddb("Scan", self.scan_doc(),
                              path="/fault/truncate_json/")
        expect(resp.status == 200, f"{resp}")
        expect(resp.body == full[:len(full) // 2], "not the first half")
        expect(resp.header("x-amz-crc32") == crc(resp.body), "crc")
        expect(int(resp.header("content-length")) == len(resp.body), "length")
        try:
            json.loads(resp.body)
        except ValueError:
            return
        raise SelfTestFailure("truncated body parsed as JSON")

    def t_fault_malformed(self):
        resp = self.c.raw_ddb("Scan", self.scan_doc(),
                              path="/fault/malformed/")
        expect(resp.status == 200, f"{resp}")
        expect(resp.header("x-amz-crc32") == crc(resp.body), "crc")
        try:
            json.loads(resp.body)
        except ValueError:
            return
        raise SelfTestFailure("malformed body parsed as JSON")

    def t_fault_badcrc(self):
        resp = self.c.raw_ddb("Scan", self.scan_doc(), path="/fault/badcrc/")
        expect(resp.status == 200, f"{resp}")
        expect(resp.header("x-amz-crc32") != crc(resp.body), "crc is right")
        json.loads(resp.body)
        # botocore checks x-amz-crc32 in its legacy retry handler only (one
        # retry here, then ChecksumError).
        ddb = self.c.ddb(path="/fault/badcrc/", config=botocore.config.Config(
            retries={"max_attempts": 1, "mode": "legacy"}))
        try:
            ddb.scan(TableName=self.table)
        except botocore.exceptions.ChecksumError:
            pass
        else:
            raise SelfTestFailure("boto3 accepted a bad crc32")

    def t_fault_unprocessed(self):
        keys = [{"pk": {"S": f"k{i:03d}"}} for i in range(5)]
        doc = {"RequestItems": {self.table: {"Keys": keys,
                                             "ProjectionExpression": "pk"}}}
        resp = self.c.raw_ddb("BatchGetItem", doc, path="/fault/unprocessed/")
        expect(resp.status == 200, f"{resp}")
        expect(resp.header("x-amz-crc32") == crc(resp.body), "crc")
        out = json.loads(resp.body)
        got = sorted(it["pk"]["S"] for it in out["Responses"][self.table])
        left = out["UnprocessedKeys"][self.table]
        expect(got == ["k000", "k001"], f"answered {got}")
        expect(left["Keys"] == keys[2:] and left["ProjectionExpression"] == "pk",
               f"unprocessed {left}")
        # asking again for what was left: half of that, and so on
        resp = self.c.raw_ddb("BatchGetItem", {"RequestItems": out["UnprocessedKeys"]},
                              path="/fault/unprocessed/")
        out = json.loads(resp.body)
        expect(len(out["Responses"][self.table]) == 1 and
               len(out["UnprocessedKeys"][self.table]["Keys"]) == 2, f"{out}")
        # one key: nothing left over; other operations pass clean
        resp = self.c.raw_ddb("BatchGetItem", {"RequestItems": {self.table: {"Keys": keys[:1]}}},
                              path="/fault/unprocessed/")
        out = json.loads(resp.body)
        expect(len(out["Responses"][self.table]) == 1 and not out.get("UnprocessedKeys"),
               f"{out}")
        resp = self.c.raw_ddb("Scan", self.scan_doc(), path="/fault/unprocessed/")
        expect(resp.status == 200 and "UnprocessedKeys" not in json.loads(resp.body),
               f"{resp}")
        # BatchWriteItem: half the puts are written, the rest come back
        puts = [{"PutRequest": {"Item": {"pk": {"S": f"w{i:03d}"}}}} for i in range(4)]
        resp = self.c.raw_ddb("BatchWriteItem", {"RequestItems": {self.table: puts}},
                              path="/fault/unprocessed/")
        expect(resp.status == 200 and resp.header("x-amz-crc32") == crc(resp.body), f"{resp}")
        out = json.loads(resp.body)
        expect(out["UnprocessedItems"] == {self.table: puts[2:]}, f"{out}")
        got = self.c.raw_ddb("BatchGetItem", {"RequestItems": {self.table: {
            "Keys": [p["PutRequest"]["Item"] for p in puts], "ConsistentRead": True}}})
        written = sorted(it["pk"]["S"] for it in json.loads(got.body)["Responses"][self.table])
        expect(written == ["w000", "w001"], f"written {written}")
        self.c.raw_ddb("BatchWriteItem", {"RequestItems": {self.table: [
            {"DeleteRequest": {"Key": p["PutRequest"]["Item"]}} for p in puts]}})

    def t_fault_notjson(self):
        resp = self.c.raw_ddb("Scan", self.scan_doc(), path="/fault/notjson/")
        expect(resp.status == 200 and resp.body == b"<html>not json</html>",
               f"{resp}")
        expect(resp.header("x-amz-crc32") == crc(resp.body), "crc")

    def t_fault_delay(self):
        t0 = time.monotonic()
        resp = self.c.raw_ddb("ListTables", path="/fault/delay=400/")
        took = time.monotonic() - t0
        expect(resp.status == 200 and took >= 0.4, f"{resp} in {took:.3f}s")
        # Delays do not block other requests.
        results = []

        def slow():
            results.append(self.c.raw_ddb("ListTables",
                                          path="/fault/delay=800/").status)
        threads = [threading.Thread(target=slow) for _ in range(3)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        time.sleep(0.1)
        t1 = time.monotonic()
        fast = self.c.raw_ddb("ListTables")
        fast_took = time.monotonic() - t1
        for t in threads:
            t.join(10)
        took = time.monotonic() - t0
        expect(fast.status == 200 and fast_took < 0.5,
               f"clean request took {fast_took:.3f}s")
        expect(results == [200] * 3 and took < 1.6,
               f"3 parallel delayed requests took {took:.3f}s: {results}")

    def t_fault_op_filter(self):
        path = "/fault/op=Scan,throttle/"
        resp = self.c.raw_ddb("ListTables", path=path)
        expect(resp.status == 200, f"ListTables {resp}")
        resp = self.c.raw_ddb("Scan", self.scan_doc(), path=path)
        self.expect_error(resp, 400, "ProvisionedThroughputExceededException")

    def t_fault_skip_count(self):
        path = f"/fault/throttle,skip=1,count=2,table={self.table}/"
        statuses = [self.c.raw_ddb("Scan", self.scan_doc(), path=path).status
                    for _ in range(5)]
        expect(statuses == [200, 400, 400, 200, 200], f"{statuses}")
        self.c.control("POST", "faults/reset")
        statuses = [self.c.raw_ddb("Scan", self.scan_doc(), path=path).status
                    for _ in range(2)]
        expect(statuses == [200, 400], f"after reset {statuses}")

    def t_fault_rate_deterministic(self):
        path = "/fault/status=500,rate=0.5/"

        def run():
            return [self.c.raw_ddb("ListTables", path=path).status
                    for _ in range(30)]
        self.c.control("POST", "faults/reset")
        first = run()
        self.c.control("POST", "faults/reset")
        second = run()
        n = first.count(500)
        expect(5 <= n <= 25, f"{n} of 30 faulted")
        expect(first == second, "same seed, different pattern")

    def t_fault_round_robin(self):
        path = "/fault/throttle,status=500/"
        statuses = [self.c.raw_ddb("ListTables", path=path).status
                    for _ in range(4)]
        expect(statuses == [400, 500, 400, 500], f"{statuses}")

    def t_fault_percent_encoded_path(self):
        resp = self.c.raw_ddb("ListTables", path="/fault/status%3D503/")
        self.expect_error(resp, 503, "InternalServerError")

    def t_fault_bad_spec(self):
        resp = self.c.raw_ddb("ListTables", path="/fault/bogus/")
        self.expect_error(resp, 400, "GatewayFaultSpecError")

    def t_fault_on_sts(self):
        self.configure_roles()
        p = {"Action": "AssumeRole", "Version": "2011-06-15",
             "RoleArn": ROLE_A, "RoleSessionName": "f1"}
        resp = self.c.raw_sts(p, path="/fault/throttle/")
        self.expect_sts_error(resp, 400, "Throttling")
        resp = self.c.raw_sts(p, path="/fault/op=GetCallerIdentity,throttle/")
        expect(resp.status == 200, f"{resp}")

    def t_global_faults(self):
        self.c.configure({"faults": {"throttle": 1.0, "op": "DescribeTable"}})
        try:
            resp = self.c.raw_ddb("DescribeTable", {"TableName": self.table})
            self.expect_error(resp, 400,
                              "ProvisionedThroughputExceededException")
            resp = self.c.raw_ddb("ListTables")
            expect(resp.status == 200, f"ListTables {resp}")
            self.c.configure({"faults": {"throttle": 0, "status500": 0.5,
                                         "op": None}, "seed": 7})
            statuses = [self.c.raw_ddb("ListTables").status
                        for _ in range(20)]
            expect(set(statuses) == {200, 500}, f"{statuses}")
            status, text = self.c.control("POST", "config",
                                          {"faults": {"bogus": 1}})
            expect(status == 400, f"bad fault accepted: {text}")
        finally:
            self.c.configure({"faults": None, "seed": 1})
        resp = self.c.raw_ddb("DescribeTable", {"TableName": self.table})
        expect(resp.status == 200, f"faults not cleared: {resp}")

    # -- log, stats, control -----------------------------------------------

    def t_log(self):
        first = self.c.raw_ddb("Scan", self.scan_doc(
            Segment=1, TotalSegments=4, Limit=1)).json()
        expect("LastEvaluatedKey" in first, f"segment 1 page: {first}")
        status, _ = self.c.control("POST", "log/reset")
        expect(status == 200, "log reset")
        self.c.raw_ddb("Scan", self.scan_doc(
            Segment=1, TotalSegments=4, Limit=5,
            ExclusiveStartKey=first["LastEvaluatedKey"],
            ProjectionExpression="#p, #v",
            ExpressionAttributeNames={"#p": "pk", "#v": "v"}))
        self.c.raw_ddb("Scan", self.scan_doc(IndexName="by_v",
                                             Select="COUNT"))
        self.c.raw_ddb("BatchGetItem", {"RequestItems": {self.table: {
            "Keys": [{"pk": {"S": f"k{i:03d}"}} for i in range(3)]}}})
        self.c.raw_ddb("ListTables", path="/fault/throttle/")
        self.c.raw_ddb("ListTables", secret="wrong")
        lines = self.c.log_lines()
        expect(len(lines) == 5, f"{len(lines)} lines: {lines}")
        expect([line[0] for line in lines] == ["1", "2", "3", "4", "5"],
               "seq does not restart at 1")
        expect(all(len(line) == 13 for line in lines), "column count")
        scan, idx, batch, thr, bad = lines
        expect(scan[1:9] == ["Scan", self.table, "1/4", "5", "1", "200", "-",
                              self.c.akid], f"scan line {scan}")
        expect(idx[9] == "by_v" and idx[10] == "COUNT" and idx[5] == "0",
               f"index line {idx}")
        expect(batch[1:3] == ["BatchGetItem", self.table] and batch[4] == "3",
               f"batch line {batch}")
        expect(thr[7] == "throttle" and thr[6] == "400" and
               thr[11] == "ProvisionedThroughputExceededException",
               f"throttle line {thr}")
        expect(bad[6] == "400" and bad[11] == "InvalidSignatureException",
               f"bad-signature line {bad}")
        expect(scan[12] == "5", f"items column {scan}")
        records = self.c.log_jsonl()
        req = records[0]["request"]
        expect(req["ProjectionExpression"] == "#p, #v" and
               req["ExpressionAttributeNames"] == {"#p": "pk", "#v": "v"},
               f"jsonl request {req}")
        expect(records[0]["signed_headers"] and
               "x-amz-target" in records[0]["signed_headers"], "signed hdrs")
        expect("canonical_request" in records[4].get("detail", {}),
               "no diagnostic for the bad signature")
        expect(len(self.c.log_lines(since=3)) == 2, "since=3")

    def t_stats(self):
        status, text = self.c.control("GET", "stats")
        expect(status == 200, "stats")
        stats = json.loads(text)
        expect(stats["by_op"].get("Scan", 0) >= 2 and
               stats["by_status"].get("200", 0) >= 1 and
               stats["requests"] >= 5, f"{stats}")

    def t_continuous_backups(self):
        c, ddb = self.c, self.c.ddb()
        # not told about: DynamoDB Local's answer (it has no such operation)
        resp = c.raw_ddb("DescribeContinuousBackups", {"TableName": self.table})
        self.expect_error(resp, 400, "UnknownOperationException")
        # told by a signed UpdateContinuousBackups: answered as DynamoDB does
        out = ddb.update_continuous_backups(
            TableName=self.table,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
        pitr = out["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        expect(out["ContinuousBackupsDescription"]["ContinuousBackupsStatus"] ==
               "ENABLED" and pitr["PointInTimeRecoveryStatus"] == "ENABLED" and
               pitr["EarliestRestorableDateTime"] <=
               pitr["LatestRestorableDateTime"], f"{out}")
        seq = c.last_seq()
        out = ddb.describe_continuous_backups(TableName=self.table)
        expect(out["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
               ["PointInTimeRecoveryStatus"] == "ENABLED", f"{out}")
        entry = c.log_jsonl(seq)[-1]
        expect(entry["op"] == "DescribeContinuousBackups" and
               entry["table"] == self.table and entry["status"] == 200,
               f"log: {entry}")
        resp = c.raw_ddb("DescribeContinuousBackups", {"TableName": self.table})
        expect(resp.status == 200 and resp.header("x-amz-crc32") == crc(resp.body),
               f"{resp} crc {resp.header('x-amz-crc32')}")
        ddb.update_continuous_backups(
            TableName=self.table,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False})
        pitr = ddb.describe_continuous_backups(TableName=self.table)[
            "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        expect(pitr == {"PointInTimeRecoveryStatus": "DISABLED"}, f"{pitr}")
        # what DynamoDB refuses
        resp = c.raw_ddb("UpdateContinuousBackups", {"TableName": self.table})
        self.expect_error(resp, 400, "ValidationException",
                          "pointInTimeRecoverySpecification")
        resp = c.raw_ddb("UpdateContinuousBackups", {
            "TableName": self.table + "_none",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}})
        self.expect_error(resp, 400, "TableNotFoundException", "Table not found")
        # faults apply as to any operation
        resp = c.raw_ddb("DescribeContinuousBackups", {"TableName": self.table},
                         path="/fault/throttle/")
        self.expect_error(resp, 400, "ProvisionedThroughputExceededException")
        # the control API tells it too; a reset keeps it
        status, text = c.control("POST", "continuous-backups",
                                 {"table": self.table, "point_in_time_recovery": True})
        expect(status == 200 and '"ENABLED"' in text, f"{status} {text}")
        c.control("POST", "reset")
        status, text = c.control("GET", "continuous-backups")
        expect(status == 200 and json.loads(text).get(self.table) is True, text)
        status, _ = c.control("POST", "continuous-backups",
                              {"table": self.table + "_none",
                               "point_in_time_recovery": True})
        expect(status == 404, f"missing table: {status}")
        status, _ = c.control("POST", "continuous-backups", {"table": self.table})
        expect(status == 400, f"no setting: {status}")
        # a deleted table is forgotten
        other = self.table + "_pitr"
        ddb.create_table(TableName=other,
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         BillingMode="PAY_PER_REQUEST")
        ddb.update_continuous_backups(
            TableName=other,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
        ddb.delete_table(TableName=other)
        _, text = c.control("GET", "continuous-backups")
        expect(other not in json.loads(text), f"after DeleteTable: {text}")

    def t_control_config(self):
        status, text = self.c.control("POST", "config", {"nonsense": 1})
        expect(status == 400, f"unknown key accepted: {text}")
        self.c.configure({"roles": {ROLE_X: {"external_id": None,
                                             "principals": None}}})
        _, text = self.c.control("GET", "config")
        expect(ROLE_X in json.loads(text)["roles"], "merge")
        self.c.configure({"roles": {ROLE_X: None}})
        _, text = self.c.control("GET", "config")
        expect(ROLE_X not in json.loads(text)["roles"], "delete by null")
        status, _ = self.c.control("POST", "reset")
        _, text = self.c.control("GET", "config")
        cfg = json.loads(text)
        expect(status == 200 and cfg["roles"] == {} and
               cfg["web_identity_tokens"] == {}, f"reset: {cfg}")
        status, text = self.c.control("GET", "credentials")
        expect(status == 200 and json.loads(text) == [],
               "temporary credentials survive reset")
        status, _ = self.c.control("GET", "nothing-here")
        expect(status == 404, "unknown control path")

    def run(self):
        try:
            self.setup()
        except Exception as e:
            print(f"FAIL setup: {e!r}", flush=True)
            traceback.print_exc(file=sys.stderr)
            return 1
        try:
            order = [
                "reference_vector", "signed_list_tables", "wrong_secret",
                "unknown_key",
                "missing_authorization", "incomplete_authorization",
                "tampered_body", "tampered_signed_header",
                "unsigned_extra_header_ignored", "signature_expired",
                "signature_future", "small_skew_accepted",
                "wrong_service_scope", "region_scope",
                "token_with_static_key", "non_root_path", "unknown_operation",
                "keep_alive", "expect_100_continue",
                "assume_role", "temp_creds_without_token",
                "temp_token_unsigned", "assume_role_external_id",
                "assume_role_denied", "assume_role_validation",
                "role_chaining", "sts_auth_errors", "sts_invalid_action",
                "web_identity", "lifetime_override",
                "expire_credentials_control", "short_lifetime_expires",
                "sts_down", "no_secret_in_log",
                "imds_token_flow", "imds_no_token", "imds_forwarded_for",
                "imds_bad_ttl", "imds_wrong_role", "imds_down",
                "container_credentials", "container_unauthorized",
                "container_down", "ambient_role_chaining",
                "ambient_no_secret_in_log",
                "fault_throttle", "fault_status", "fault_errorbody",
                "fault_html", "fault_reset", "fault_lost", "fault_truncate",
                "fault_truncate_json", "fault_malformed", "fault_badcrc",
                "fault_unprocessed", "fault_notjson", "fault_delay", "fault_op_filter",
                "fault_skip_count", "fault_rate_deterministic",
                "fault_round_robin", "fault_percent_encoded_path",
                "fault_bad_spec", "fault_on_sts", "global_faults",
                "log", "stats", "continuous_backups", "control_config",
                "ambient_config", "streams_config", "streams_ttl",
                "streams_event_names", "streams_retention",
            ]
            missing = {n[2:] for n in dir(self) if n.startswith("t_")} - \
                set(order)
            assert not missing, f"checks not in order list: {missing}"
            for name in order:
                self.check(name, getattr(self, "t_" + name))
        finally:
            self.teardown()
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 0 if self.failed == 0 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gateway", required=True,
                    help="gateway URL, e.g. http://127.0.0.1:PORT")
    ap.add_argument("--keys", required=True,
                    help="the gateway's keys file (the first key is used)")
    args = ap.parse_args()
    with open(args.keys, encoding="utf-8") as f:
        keys = json.load(f)
    socket.setdefaulttimeout(60)
    return SelfTest(Client(args.gateway, keys)).run()


if __name__ == "__main__":
    sys.exit(main())
