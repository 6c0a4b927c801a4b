#!/usr/bin/python3
"""Creates the tables of the `query` suite in DynamoDB (Local), with
BatchWriteItem (25 items a request):

  q_events  key user (S), ts (N: epoch seconds); TTL on attribute "expires";
            global secondary index by_kind (kind, ts; ALL).
            Partition "u-big" holds 5,000 items (ts = 1700000000 + 60 i),
            partitions "u-00" .. "u-18" 10 items each (ts = 1700000000 + i).
            Attributes: kind ("k<i mod 3>"), expires (ts + 10 years: DynamoDB Local
            deletes expired items, which would change the counts), pad (300
            bytes, so that a Scan costs what 20 Queries do not: 1.8 MB).
  q_count   key id (N) 0 .. 19,999; grp ("g<i mod 5>"), and opt (i) on
            every even item.

Usage: query_fixture.py --endpoint URL
Prints one line: what it created.
"""

import argparse

import boto3
from botocore.config import Config


def recreate(ddb, name, keys, indexes=()):
    """keys: (attribute, type, HASH|RANGE); indexes: (name, keys) of
    global secondary indexes projecting ALL."""
    try:
        ddb.delete_table(TableName=name)
        ddb.get_waiter("table_not_exists").wait(TableName=name)
    except ddb.exceptions.ResourceNotFoundException:
        pass
    types = {k: a for k, a, _ in keys}
    for _, ikeys in indexes:
        types.update({k: a for k, a, _ in ikeys})
    extra = {}
    if indexes:
        extra["GlobalSecondaryIndexes"] = [
            {"IndexName": iname,
             "KeySchema": [{"AttributeName": k, "KeyType": t} for k, _, t in ikeys],
             "Projection": {"ProjectionType": "ALL"}}
            for iname, ikeys in indexes]
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": k, "KeyType": t} for k, _, t in keys],
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": a}
                              for k, a in types.items()],
        BillingMode="PAY_PER_REQUEST", **extra)


def put_all(ddb, name, items):
    batch = []
    for item in items:
        batch.append({"PutRequest": {"Item": item}})
        if len(batch) == 25:
            write(ddb, name, batch)
            batch = []
    if batch:
        write(ddb, name, batch)


def write(ddb, name, batch):
    req = {name: batch}
    while req:
        req = ddb.batch_write_item(RequestItems=req).get("UnprocessedItems") or None


PAD = "p" * 300


def events():
    for i in range(5000):
        ts = 1700000000 + 60 * i
        yield {"user": {"S": "u-big"}, "ts": {"N": str(ts)}, "kind": {"S": "k%d" % (i % 3)},
               "expires": {"N": str(ts + 315360000)}, "pad": {"S": PAD}}
    for p in range(19):
        for i in range(10):
            ts = 1700000000 + i
            yield {"user": {"S": "u-%02d" % p}, "ts": {"N": str(ts)},
                   "kind": {"S": "k%d" % (i % 3)}, "expires": {"N": str(ts + 315360000)},
                   "pad": {"S": PAD}}


def counted():
    for i in range(20000):
        item = {"id": {"N": str(i)}, "grp": {"S": "g%d" % (i % 5)}}
        if i % 2 == 0:
            item["opt"] = {"N": str(i)}
        yield item


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    args = ap.parse_args()
    ddb = boto3.client("dynamodb", endpoint_url=args.endpoint, region_name="us-east-1",
                       aws_access_key_id="AKIDQUERYFIXTURE1",
                       aws_secret_access_key="query-fixture-secret",
                       config=Config(retries={"max_attempts": 10, "mode": "standard"}))
    recreate(ddb, "q_events", [("user", "S", "HASH"), ("ts", "N", "RANGE")],
             [("by_kind", [("kind", "S", "HASH"), ("ts", "N", "RANGE")])])
    ddb.update_time_to_live(TableName="q_events",
                            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
    put_all(ddb, "q_events", events())
    recreate(ddb, "q_count", [("id", "N", "HASH")])
    put_all(ddb, "q_count", counted())
    print("q_events: 5190 items, TTL on expires, index by_kind; q_count: 20000 items")


if __name__ == "__main__":
    main()
