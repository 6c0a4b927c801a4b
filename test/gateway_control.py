"""
gateway_control.py -- the gateway's control API (/__gw/)

ControlApi serves the unsigned /__gw/ endpoints through which test suites
read the request log and statistics, reconfigure the gateway, reset it and
expire the credentials it issued.  It works on the Gateway object
(gateway.py) it is given: its config, credentials, ambient, faults, log,
streams, backups and inflight members.

Control API (under /__gw/, loopback only, no signature)
-------------------------------------------------------
  GET  /__gw/health               200 "ok"
  GET  /__gw/log[?since=N]        text log (gateway_log.py)
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
                                   told about (gateway_backups.py)
  POST /__gw/continuous-backups   {"table": "<name>", "point_in_time_recovery":
                                   true | false}: as UpdateContinuousBackups
                                   (404 {"error": ...} if DynamoDB Local has
                                   no such table)

IDENTIFICATION
    test/gateway_control.py
"""

import json
from urllib.parse import parse_qs

from gateway_protocol import GatewayError, Reply

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
