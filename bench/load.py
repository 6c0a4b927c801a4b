#!/usr/bin/python3
"""Deterministic benchmark data: N items of about 400 bytes with every type.

Usage: load.py --endpoint URL [--items N] [--table NAME] [--threads T]
               [--stream VIEW_TYPE]

Item i has a string key, a number sort-free layout and one attribute of each
DynamoDB type (S, N, B, BOOL, NULL, M, L, SS, NS, BS).  The same N always
gives the same items, so runs on different days compare.
"""

import argparse
import base64
import json
import sys
import threading
import time

import boto3
from botocore.config import Config


def client(endpoint):
    return boto3.client(
        "dynamodb", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="AKIDBENCHLOADER0001", aws_secret_access_key="bench",
        config=Config(retries={"max_attempts": 10, "mode": "standard"},
                      max_pool_connections=32))


def item(i):
    return {
        "pk": {"S": "bench-%08d" % i},
        "seq": {"N": str(i)},
        "price": {"N": "%d.%02d" % (i % 100000, i % 97 + 1)},
        "name": {"S": "customer name %d with some padding text" % i},
        "email": {"S": "user%d@example.com" % i},
        "active": {"BOOL": i % 3 == 0},
        "note": {"NULL": True},
        "blob": {"B": bytes((i + k) % 256 for k in range(24))},
        "address": {"M": {
            "street": {"S": "%d Main Street" % (i % 9999)},
            "city": {"S": "City %d" % (i % 500)},
            "zip": {"N": str(10000 + i % 89999)},
        }},
        "history": {"L": [{"N": str(i % 7)}, {"S": "event-%d" % (i % 11)}, {"BOOL": True}]},
        "tags": {"SS": ["tag%d" % (i % 5), "grp%d" % (i % 13)]},
        "scores": {"NS": [str(i % 101), str(i % 53 + 0.5)]},
        "keys": {"BS": [bytes([i % 256, (i // 256) % 256])]},
        "created": {"S": "2024-%02d-%02dT%02d:%02d:00Z" % (i % 12 + 1, i % 28 + 1, i % 24, i % 60)},
    }


def _b64(value):
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, list):
        return [_b64(v) for v in value]
    if isinstance(value, dict):
        return {k: _b64(v) for k, v in value.items()}
    return value


def wire_slow(i):
    """Item i as DynamoDB's JSON wire format writes it (binaries in base64)."""
    return json.dumps(_b64(item(i)), separators=(",", ":"))


_BLOBS = [base64.b64encode(bytes((r + k) % 256 for k in range(24))).decode() for r in range(256)]
_WIRE = ('{"pk":{"S":"bench-%08d"},"seq":{"N":"%d"},"price":{"N":"%d.%02d"},'
         '"name":{"S":"customer name %d with some padding text"},'
         '"email":{"S":"user%d@example.com"},"active":{"BOOL":%s},"note":{"NULL":true},'
         '"blob":{"B":"%s"},"address":{"M":{"street":{"S":"%d Main Street"},'
         '"city":{"S":"City %d"},"zip":{"N":"%d"}}},'
         '"history":{"L":[{"N":"%d"},{"S":"event-%d"},{"BOOL":true}]},'
         '"tags":{"SS":["tag%d","grp%d"]},"scores":{"NS":["%d","%s"]},"keys":{"BS":["%s"]},'
         '"created":{"S":"2024-%02d-%02dT%02d:%02d:00Z"}}')


def wire(i):
    """wire_slow(i), made fast (bench/memory.py makes a million of them)."""
    return _WIRE % (
        i, i, i % 100000, i % 97 + 1, i, i, "true" if i % 3 == 0 else "false", _BLOBS[i % 256],
        i % 9999, i % 500, 10000 + i % 89999, i % 7, i % 11, i % 5, i % 13, i % 101,
        str(i % 53 + 0.5), base64.b64encode(bytes([i % 256, (i // 256) % 256])).decode(),
        i % 12 + 1, i % 28 + 1, i % 24, i % 60)


def create(ddb, table, stream=None):
    try:
        ddb.delete_table(TableName=table)
    except ddb.exceptions.ResourceNotFoundException:
        pass
    spec = {}
    if stream:
        spec["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream}
    ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     **spec)


def load_range(endpoint, table, start, stop):
    ddb = client(endpoint)
    for base in range(start, stop, 25):
        pending = {table: [{"PutRequest": {"Item": item(i)}}
                           for i in range(base, min(base + 25, stop))]}
        delay = 0.05
        while pending:
            pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if pending:
                time.sleep(delay)
                delay = min(delay * 2, 2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--items", type=int, default=100000)
    ap.add_argument("--table", default="bench_items")
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--stream", help="a stream of this view type, e.g. NEW_AND_OLD_IMAGES")
    a = ap.parse_args()
    create(client(a.endpoint), a.table, a.stream)
    t0 = time.time()
    step = (a.items + a.threads - 1) // a.threads
    threads = [threading.Thread(target=load_range,
                                args=(a.endpoint, a.table, k * step, min(a.items, (k + 1) * step)))
               for k in range(a.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("loaded %d items into %s in %.1f s" % (a.items, a.table, time.time() - t0), file=sys.stderr)


if __name__ == "__main__":
    main()
