#!/usr/bin/python3
"""Writes to DynamoDB tables behind ddb_fdw's back: the independent writer of
the streams tests.

Usage: ddb_write.py --endpoint URL --table NAME COMMAND [options]
       ddb_write.py --endpoint URL --then '--table NAME COMMAND [options]' ...
                  (several commands in one process, in order: each --then is
                  one command line; saves starting Python and boto3 again)

Commands (items are numbered; item i has the key below and the attributes
name, v (its version), price and, while v is odd, extra):
  create --keys simple|composite [--stream VIEW] [--items N] [--ttl ATTR]
                  (re)creates the table, with a stream of that view type
                  (NEW_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY, OLD_IMAGE) and
                  Time to Live on attribute ATTR, and puts items 0..N-1
  put --from A --to B      puts items A..B-1 (version 1)
  update --from A --to B   UpdateItem: v + 1, a new name, extra set or removed
  delete --from A --to B   deletes items A..B-1
  expire --from A --to B --ttl ATTR
                  puts items A..B-1 (version 1) with ATTR a minute in the
                  past, then waits (up to 120 s) until DynamoDB's Time to
                  Live has deleted them (DynamoDB Local sweeps a table every
                  10 s or so, about 25 items a sweep: keep such tables small)
  raw --item JSON          puts one item given in DynamoDB JSON
  stream --view VIEW|off   enables (or disables) the table's stream

Keys: simple is id (N) = i; composite is g (S) = "g<i mod 5>", n (N) = i.
Prints one line: what it did.
"""

import argparse
import json
import shlex
import sys
import time
from decimal import Decimal

import boto3
from botocore.config import Config


def say(line):
    """Prints line with its newline in one write: several copies of this
    tool may share one pipe (sql/stream_records.sql runs two at once), and
    a line written in two pieces can interleave with another's."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def client(endpoint):
    return boto3.client(
        "dynamodb", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="AKIDSTREAMWRITER01",
        aws_secret_access_key="stream-writer-secret",
        config=Config(retries={"max_attempts": 10, "mode": "standard"}))


def key_schema(ddb, table):
    desc = ddb.describe_table(TableName=table)["Table"]
    return [k["AttributeName"] for k in desc["KeySchema"]]


def key_of(keys, i):
    if len(keys) == 1:
        return {keys[0]: {"N": str(i)}}
    return {keys[0]: {"S": "g%d" % (i % 5)}, keys[1]: {"N": str(i)}}


def item_of(keys, i, version):
    item = key_of(keys, i)
    item["name"] = {"S": "item %d v%d" % (i, version)}
    item["v"] = {"N": str(version)}
    item["price"] = {"N": str(Decimal(i) + Decimal(version) / 100)}
    if version % 2 == 1:
        item["extra"] = {"SS": ["x%d" % i, "y"]}
    return item


def wait_status(ddb, table, gone=False):
    for _ in range(600):
        try:
            status = ddb.describe_table(TableName=table)["Table"]["TableStatus"]
        except ddb.exceptions.ResourceNotFoundException:
            if gone:
                return
            status = None
        if status == "ACTIVE" and not gone:
            return
        time.sleep(0.1)
    raise SystemExit("table %s did not settle" % table)


def put_range(ddb, table, keys, a, b, version=1):
    for start in range(a, b, 25):
        pending = {table: [{"PutRequest": {"Item": item_of(keys, i, version)}}
                           for i in range(start, min(start + 25, b))]}
        while pending:
            pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def command_parser():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint")
    ap.add_argument("--table", required=True)
    ap.add_argument("command", choices=["create", "put", "update", "delete", "expire",
                                        "raw", "stream"])
    ap.add_argument("--ttl")
    ap.add_argument("--item")
    ap.add_argument("--keys", choices=["simple", "composite"], default="simple")
    ap.add_argument("--stream")
    ap.add_argument("--view")
    ap.add_argument("--items", type=int, default=0)
    ap.add_argument("--from", dest="first", type=int, default=0)
    ap.add_argument("--to", dest="last", type=int, default=0)
    return ap


def main():
    top = argparse.ArgumentParser()
    top.add_argument("--endpoint", required=True)
    top.add_argument("--then", action="append")
    known, rest = top.parse_known_args()
    ddb = client(known.endpoint)
    if known.then:
        for line in known.then:
            run(ddb, command_parser().parse_args(shlex.split(line)))
        return 0
    return run(ddb, command_parser().parse_args(sys.argv[1:]))


def run(ddb, args):
    """One command (args from command_parser) with client ddb."""
    t = args.table

    if args.command == "create":
        try:
            ddb.delete_table(TableName=t)
            wait_status(ddb, t, gone=True)
        except ddb.exceptions.ResourceNotFoundException:
            pass
        if args.keys == "simple":
            schema = [("id", "N", "HASH")]
        else:
            schema = [("g", "S", "HASH"), ("n", "N", "RANGE")]
        spec = {"TableName": t, "BillingMode": "PAY_PER_REQUEST",
                "KeySchema": [{"AttributeName": a, "KeyType": k} for a, _, k in schema],
                "AttributeDefinitions": [{"AttributeName": a, "AttributeType": ty}
                                         for a, ty, _ in schema]}
        if args.stream:
            spec["StreamSpecification"] = {"StreamEnabled": True,
                                           "StreamViewType": args.stream}
        ddb.create_table(**spec)
        wait_status(ddb, t)
        if args.ttl:
            ddb.update_time_to_live(TableName=t, TimeToLiveSpecification={
                "Enabled": True, "AttributeName": args.ttl})
        put_range(ddb, t, [a for a, _, _ in schema], 0, args.items)
        say("created %s with %d items" % (t, args.items))
    elif args.command == "put":
        put_range(ddb, t, key_schema(ddb, t), args.first, args.last)
        say("put %d items" % (args.last - args.first))
    elif args.command == "update":
        keys = key_schema(ddb, t)
        for i in range(args.first, args.last):
            cur = ddb.get_item(TableName=t, Key=key_of(keys, i), ConsistentRead=True)
            version = int(cur["Item"]["v"]["N"]) + 1
            new = item_of(keys, i, version)
            expr = "SET #n = :n, v = :v, price = :p"
            values = {":n": new["name"], ":v": new["v"], ":p": new["price"]}
            if "extra" in new:
                expr += ", extra = :e"
                values[":e"] = new["extra"]
            else:
                expr += " REMOVE extra"
            ddb.update_item(TableName=t, Key=key_of(keys, i), UpdateExpression=expr,
                            ExpressionAttributeNames={"#n": "name"},
                            ExpressionAttributeValues=values)
        say("updated %d items" % (args.last - args.first))
    elif args.command == "delete":
        keys = key_schema(ddb, t)
        for i in range(args.first, args.last):
            ddb.delete_item(TableName=t, Key=key_of(keys, i))
        say("deleted %d items" % (args.last - args.first))
    elif args.command == "expire":
        keys = key_schema(ddb, t)
        for i in range(args.first, args.last):
            item = item_of(keys, i, 1)
            item[args.ttl] = {"N": str(int(time.time()) - 60)}
            ddb.put_item(TableName=t, Item=item)
        deadline = time.time() + 120
        left = list(range(args.first, args.last))
        while left and time.time() < deadline:
            time.sleep(0.5)
            left = [i for i in left
                    if "Item" in ddb.get_item(TableName=t, Key=key_of(keys, i),
                                              ConsistentRead=True)]
        if left:
            raise SystemExit("Time to Live did not delete items %s within 120 s" % left)
        say("expired %d items" % (args.last - args.first))
    elif args.command == "raw":
        ddb.put_item(TableName=t, Item=json.loads(args.item))
        say("put 1 item")
    elif args.command == "stream":
        if args.view == "off":
            ddb.update_table(TableName=t, StreamSpecification={"StreamEnabled": False})
        else:
            ddb.update_table(TableName=t, StreamSpecification={
                "StreamEnabled": True, "StreamViewType": args.view})
        wait_status(ddb, t)
        say("stream %s" % args.view)
    return 0


if __name__ == "__main__":
    sys.exit(main())
