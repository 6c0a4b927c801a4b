"""
gateway_sts.py -- STS and the database host's ambient credential sources

StsService serves AssumeRole, AssumeRoleWithWebIdentity and
GetCallerIdentity (signed requests, already verified by gateway_sigv4.py)
from the configured roles and web identity tokens (gateway_config.py:
roles, web_identity_tokens, sts_lifetime_seconds, sts_down).
AmbientService serves EC2 IMDSv2 and the ECS/EKS container credential
endpoint (below).  Both issue temporary credentials into the gateway's
CredentialStore, which then accepts them.

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


IDENTIFICATION
    test/gateway_sts.py
"""

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import uuid
from urllib.parse import parse_qs
from xml.sax.saxutils import escape as xml_escape

from gateway_protocol import (STS_XMLNS, GatewayError, Reply, iso8601,
                              xml_reply)

STS_VERSION = "2011-06-15"

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
        # principals (gateway_config.py, "roles"): null = any verified
        # caller; else its access key id, its caller ARN, or -- temporary
        # credentials from STS, IMDS or the container endpoint -- the ARN
        # of their role.
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
