"""
gateway_sigv4.py -- the gateway's credential store and SigV4 verifier

CredentialStore holds the static keys of the --keys file and the temporary
credentials issued by STS and the ambient endpoints (gateway_sts.py), with
their session tokens, roles and expiry.  SigV4Verifier checks that a
DynamoDB, DynamoDB Streams or STS request is signed, with a known key and
session token, inside the allowed clock skew, and correctly -- botocore
signs the request rebuilt from the client's SignedHeaders, as the
independent reference implementation -- and raises the GatewayError AWS
answers otherwise (AUTH_ERRORS: the code and status per service).

IDENTIFICATION
    test/gateway_sigv4.py
"""

import base64
import calendar
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from gateway_protocol import GatewayError, iso8601

# --------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------

SIGV4_ALGORITHM = "AWS4-HMAC-SHA256"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"

SIGNATURE_MISMATCH_MSG = (
    "The request signature we calculated does not match the signature you "
    "provided. Check your AWS Secret Access Key and signing method. Consult "
    "the service documentation for details.")
INVALID_TOKEN_MSG = "The security token included in the request is invalid."
EXPIRED_TOKEN_MSG = "The security token included in the request is expired"

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


def auth_error(kind, protocol, message, detail=None):
    """Build the GatewayError AWS answers for a credential failure of kind."""
    status, code = AUTH_ERRORS[kind][protocol]
    return GatewayError(status, code, message, detail=detail)


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
