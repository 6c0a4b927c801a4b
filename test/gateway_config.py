"""
gateway_config.py -- the gateway's configuration

DEFAULT_CONFIG and its checks; ConfigStore holds the start-up configuration
(--config, --seed) and the current one (POST /__gw/config merges into it,
POST /__gw/reset restores the start-up one) as immutable ConfigSnapshots,
one of which each request reads.

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

IDENTIFICATION
    test/gateway_config.py
"""

import json
import re
import threading
import time

import gateway_streams
from gateway_faults import GlobalFaultPlan

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
