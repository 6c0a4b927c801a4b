"""
gateway_streams_selftest.py -- the checks of test/gateway_streams.py

Part of gateway_selftest.py (its SelfTest class takes these checks in):
the "streams" configuration is validated and merged; DynamoDB Local's
deletes by Time to Live reach a client as DynamoDB Local writes them, and
in AWS's form (REMOVE with userIdentity) when asked, for the tables named
only; events are renamed; a short retention trims records as AWS does
(TRIM_HORIZON starts after them, positions before the horizon and
iterators taken before the trim answer TrimmedDataAccessException), for
the tables named only.

IDENTIFICATION
    test/gateway_streams_selftest.py
"""

import json
import os
import time

from botocore.exceptions import ClientError

TTL_IDENTITY = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}


class StreamsChecks:
    """Mixed into gateway_selftest.SelfTest (self.c is its Client, expect
    and SelfTestFailure come in through check_streams_env)."""

    # -- helpers -------------------------------------------------------------

    def _streams_table(self, suffix, ttl=False):
        """A fresh table with a NEW_AND_OLD_IMAGES stream (and TTL on
        attribute "exp"); returns (name, stream ARN)."""
        ddb = self.c.ddb()
        name = f"gw_st_{suffix}_{os.getpid()}"
        ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id",
                                   "AttributeType": "N"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            StreamSpecification={"StreamEnabled": True,
                                 "StreamViewType": "NEW_AND_OLD_IMAGES"})
        if ttl:
            ddb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={
                    "Enabled": True, "AttributeName": "exp"})
        self._streams_tables.append(name)
        arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        return name, arn

    def _records(self, arn, kind="TRIM_HORIZON", seq=None, streams=None):
        """GetShardIterator (of the only shard) then GetRecords, through the
        gateway; returns the records."""
        streams = streams or self.c.streams()
        it = self._iterator(arn, kind, seq, streams)
        return streams.get_records(ShardIterator=it)["Records"]

    def _iterator(self, arn, kind="TRIM_HORIZON", seq=None, streams=None):
        streams = streams or self.c.streams()
        shard = streams.describe_stream(StreamArn=arn)[
            "StreamDescription"]["Shards"][0]["ShardId"]
        args = {"StreamArn": arn, "ShardId": shard,
                "ShardIteratorType": kind}
        if seq is not None:
            args["SequenceNumber"] = seq
        return streams.get_shard_iterator(**args)["ShardIterator"]

    def _put(self, table, ids, **extra):
        ddb = self.c.ddb()
        for i in ids:
            item = {"id": {"N": str(i)}, "v": {"S": f"value {i}"}}
            item.update(extra)
            ddb.put_item(TableName=table, Item=item)

    def _teardown_streams(self):
        for name in getattr(self, "_streams_tables", []):
            try:
                self.c.ddb().delete_table(TableName=name)
            except ClientError:
                pass

    # -- checks --------------------------------------------------------------

    def t_streams_config(self):
        expect = self.expect_fn
        for bad in ({"streams": {"nonsense": 1}},
                    {"streams": {"retention_seconds": 5}},
                    {"streams": {"retention_seconds": 0, "table": "t"}},
                    {"streams": {"ttl_as_aws": "yes"}},
                    {"streams": {"event_names": {"MODIFY": ""}}},
                    {"streams": {"table": []}},
                    {"streams": []}):
            status, text = self.c.control("POST", "config", bad)
            expect(status == 400, f"accepted {bad}: {text}")
        self.c.configure({"streams": {"ttl_as_aws": True, "table": "a"}})
        self.c.configure({"streams": {"event_names": {"MODIFY": "X"}}})
        _, text = self.c.control("GET", "config")
        got = json.loads(text)["streams"]
        expect(got == {"ttl_as_aws": True, "table": "a",
                       "event_names": {"MODIFY": "X"}}, f"merge: {got}")
        self.c.configure({"streams": {"ttl_as_aws": None}})
        _, text = self.c.control("GET", "config")
        got = json.loads(text)["streams"]
        expect("ttl_as_aws" not in got, f"delete by null: {got}")
        self.c.control("POST", "reset")
        _, text = self.c.control("GET", "config")
        expect(json.loads(text)["streams"] == {}, "reset")

    def t_streams_ttl(self):
        expect = self.expect_fn
        table, arn = self._streams_table("ttl", ttl=True)
        other, other_arn = self._streams_table("ttl_other", ttl=True)
        past = str(int(time.time()) - 60)
        for t in (table, other):
            self._put(t, [1], exp={"N": past})
            self._put(t, [2], exp={"N": str(int(time.time()) + 3600)})
        deadline = time.time() + 60
        ddb = self.c.ddb()
        while time.time() < deadline:
            left = [ddb.get_item(TableName=t, Key={"id": {"N": "1"}},
                                 ConsistentRead=True).get("Item")
                    for t in (table, other)]
            if left == [None, None]:
                break
            time.sleep(0.5)
        else:
            raise self.failure("DynamoDB Local did not remove the expired "
                               "item within 60 s")
        # as DynamoDB Local writes it
        recs = self._records(arn)
        expect([r["eventName"] for r in recs] ==
               ["INSERT", "INSERT", "UNKNOWN_TO_SDK_VERSION"],
               f"events {[r['eventName'] for r in recs]}")
        ttl = recs[2]
        expect("NewImage" not in ttl["dynamodb"] and
               ttl["dynamodb"]["OldImage"]["id"] == {"N": "1"} and
               "userIdentity" not in ttl, f"local TTL record {ttl}")
        # as AWS writes it, for the table named only
        self.c.configure({"streams": {"ttl_as_aws": True, "table": table}})
        seq = self.c.last_seq()
        recs = self._records(arn)
        expect([r["eventName"] for r in recs] == ["INSERT", "INSERT",
                                                  "REMOVE"],
               f"events {[r['eventName'] for r in recs]}")
        expect(recs[2].get("userIdentity") == TTL_IDENTITY and
               recs[2]["dynamodb"]["OldImage"] == ttl["dynamodb"]["OldImage"]
               and recs[2]["dynamodb"]["SequenceNumber"] ==
               ttl["dynamodb"]["SequenceNumber"], f"AWS TTL record {recs[2]}")
        expect(all("userIdentity" not in r for r in recs[:2]),
               "a record that is no TTL delete got userIdentity")
        entry = [e for e in self.c.log_jsonl(since=seq)
                 if e["op"] == "GetRecords"][-1]
        expect(entry["fault"] == "streams" and
               entry["detail"] == {"ttl_as_aws": 1, "renamed": 0},
               f"log {entry}")
        recs = self._records(other_arn)
        expect(recs[2]["eventName"] == "UNKNOWN_TO_SDK_VERSION",
               "a table not named was rewritten")
        # (the answer's CRC was recomputed: botocore checks it)

    def t_streams_event_names(self):
        expect = self.expect_fn
        table, arn = self._streams_table("names")
        self._put(table, [1, 2])
        self._put(table, [1], extra={"S": "changed"})
        self.c.configure({"streams": {"event_names": {"MODIFY": "ARCHIVE",
                                                      "INSERT": "CREATE"},
                                      "table": [table, "nothing"]}})
        recs = self._records(arn)
        expect([r["eventName"] for r in recs] ==
               ["CREATE", "CREATE", "ARCHIVE"],
               f"events {[r['eventName'] for r in recs]}")
        expect(recs[2]["dynamodb"]["NewImage"]["id"] == {"N": "1"},
               "the renamed record lost its image")
        self.c.control("POST", "reset")

    def t_streams_retention(self):
        expect = self.expect_fn
        table, arn = self._streams_table("ret")
        other, other_arn = self._streams_table("ret_other")
        self._put(table, [1, 2])
        self._put(other, [1, 2])
        early_it = self._iterator(arn, "TRIM_HORIZON")
        self.c.configure({"streams": {"retention_seconds": 2,
                                      "table": [table, "absent_table"]}})
        time.sleep(2.8)         # the poller saw 1 and 2: they age out
        self._put(table, [3, 4])
        time.sleep(0.8)         # ... and it sees 3 and 4
        old = self._records(other_arn)   # not named: nothing trimmed
        expect(len(old) == 2, f"records of a table not named: {len(old)}")
        seq = self.c.last_seq()
        recs = self._records(arn)
        got = [r["dynamodb"]["NewImage"]["id"]["N"] for r in recs]
        expect(got == ["3", "4"], f"TRIM_HORIZON reads {got}")
        entry = [e for e in self.c.log_jsonl(since=seq)
                 if e["op"] == "GetShardIterator"][-1]
        expect(entry["fault"] == "retention" and
               "trim_horizon_after" in entry["detail"], f"log {entry}")
        first = recs[0]["dynamodb"]["SequenceNumber"]
        # the records before: trimmed, as AWS answers
        trimmed = int(entry["detail"]["trim_horizon_after"])
        for kind, at in (("AT_SEQUENCE_NUMBER", trimmed),
                         ("AFTER_SEQUENCE_NUMBER", trimmed - 1)):
            try:
                self._iterator(arn, kind, str(at).zfill(len(first)))
            except ClientError as e:
                code = e.response["Error"]["Code"]
                expect(code == "TrimmedDataAccessException",
                       f"{kind} {at}: {code}")
            else:
                raise self.failure(f"{kind} {at} was not trimmed")
        recs = self._records(arn, "AFTER_SEQUENCE_NUMBER",
                             str(trimmed).zfill(len(first)))
        expect([r["dynamodb"]["SequenceNumber"] for r in recs][:1] == [first],
               "AFTER the newest trimmed record reads the first one left")
        recs = self._records(arn, "AT_SEQUENCE_NUMBER", first)
        expect(len(recs) == 2, f"AT the first one left: {len(recs)}")
        # an iterator taken before the trim finds its records gone
        try:
            self.c.streams().get_records(ShardIterator=early_it)
        except ClientError as e:
            code = e.response["Error"]["Code"]
            expect(code == "TrimmedDataAccessException", f"old iterator: {code}")
        else:
            raise self.failure("an iterator from before the trim still read")
        self.c.control("POST", "reset")
