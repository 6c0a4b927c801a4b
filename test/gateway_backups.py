"""
gateway_backups.py -- DescribeContinuousBackups / UpdateContinuousBackups

BackupService answers the two for the tables the gateway was told about,
as DynamoDB does (gateway.py routes them here and forgets a table on a
DeleteTable answered 200; POST /__gw/continuous-backups uses it too).

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

IDENTIFICATION
    test/gateway_backups.py
"""

import http.client
import json
import threading
import time

from gateway_protocol import (DYNAMODB_PREFIX, JSON_CT, NS_CORAL,
                              GatewayError, dynamodb_error_reply, json_reply)

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
